#define G_LOG_DOMAIN "marina-host"

#include "config.h"

#include "client-private.h"
#include "error.h"
#include "host-private.h"

/* MarinaHost's virtual networks and host devices: listings, define /
 * create / lookup of networks, the host's interfaces and its USB and PCI
 * devices. */

static void
on_networks_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) networks = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_list_networks_finish(MARINA_DBUS_HOST(source), &networks, result,
                                                   &error))
        g_task_return_pointer(task, marina_network_records_from_variant(networks),
                              (GDestroyNotify)g_ptr_array_unref);
    else
        g_task_return_error(task, error);
}

void
marina_host_list_networks_async(MarinaHost *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_list_networks_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_list_networks(marina_host_caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                        cancellable, on_networks_listed, task);
}

GPtrArray *
marina_host_list_networks_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_list_networks_async, error);
}

/* DefineNetwork / CreateNetwork's reply: the new network and the warnings. */
typedef struct {
    MarinaNetwork *network;
    char **warnings;
} NetworkReply;

static void
network_reply_free(NetworkReply *reply)
{
    g_clear_object(&reply->network);
    g_strfreev(reply->warnings);
    g_free(reply);
}

static void
on_network_made(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaHost *self = g_task_get_source_object(task);
    g_autofree char *path = NULL;
    char **warnings = NULL;
    GError *error = NULL;
    gboolean ok;
    NetworkReply *reply;

    if (g_task_get_source_tag(task) == marina_host_define_network_async)
        ok = marina_dbus_host_call_define_network_finish(MARINA_DBUS_HOST(source), &path, &warnings,
                                                         result, &error);
    else
        ok = marina_dbus_host_call_create_network_finish(MARINA_DBUS_HOST(source), &path, &warnings,
                                                         result, &error);
    if (!ok) {
        g_task_return_error(task, error);
        return;
    }
    reply = g_new0(NetworkReply, 1);
    reply->network = marina_network_new(marina_host_get_connection(self), path);
    reply->warnings = warnings;
    g_task_return_pointer(task, reply, (GDestroyNotify)network_reply_free);
}

static MarinaNetwork *
finish_network(MarinaHost *self, GAsyncResult *result, gpointer tag, char ***warnings,
               GError **error)
{
    NetworkReply *reply = marina_client_finish_pointer(self, result, tag, error);
    MarinaNetwork *network;

    if (reply == NULL)
        return NULL;
    network = g_steal_pointer(&reply->network);
    if (warnings != NULL)
        *warnings = g_steal_pointer(&reply->warnings);
    network_reply_free(reply);
    return network;
}

void
marina_host_define_network_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(xml != NULL);
    task = marina_client_task_new(self, marina_host_define_network_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_define_network(marina_host_caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                         xml, cancellable, on_network_made, task);
}

MarinaNetwork *
marina_host_define_network_finish(MarinaHost *self, GAsyncResult *result, char ***warnings,
                                  GError **error)
{
    return finish_network(self, result, marina_host_define_network_async, warnings, error);
}

void
marina_host_create_network_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(xml != NULL);
    task = marina_client_task_new(self, marina_host_create_network_async, cancellable, callback,
                                  user_data);
    /* Defines and starts: a bridge, dnsmasq and firewall rules, quick commands. */
    marina_dbus_host_call_create_network(marina_host_caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                         xml, cancellable, on_network_made, task);
}

MarinaNetwork *
marina_host_create_network_finish(MarinaHost *self, GAsyncResult *result, char ***warnings,
                                  GError **error)
{
    return finish_network(self, result, marina_host_create_network_async, warnings, error);
}

static void
on_network_found(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaHost *self = g_task_get_source_object(task);
    g_autofree char *path = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_lookup_network_finish(MARINA_DBUS_HOST(source), &path, result,
                                                    &error))
        g_task_return_pointer(task, marina_network_new(marina_host_get_connection(self), path),
                              g_object_unref);
    else
        g_task_return_error(task, error);
}

void
marina_host_lookup_network_async(MarinaHost *self, const char *name_or_uuid,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(name_or_uuid != NULL);
    task = marina_client_task_new(self, marina_host_lookup_network_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_lookup_network(marina_host_caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                         name_or_uuid, cancellable, on_network_found, task);
}

MarinaNetwork *
marina_host_lookup_network_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_lookup_network_async, error);
}

static void
on_interfaces_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) interfaces = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_list_host_interfaces_finish(MARINA_DBUS_HOST(source), &interfaces,
                                                          result, &error))
        g_task_return_pointer(task, marina_host_interfaces_from_variant(interfaces),
                              (GDestroyNotify)g_ptr_array_unref);
    else
        g_task_return_error(task, error);
}

void
marina_host_list_host_interfaces_async(MarinaHost *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_list_host_interfaces_async, cancellable,
                                  callback, user_data);
    marina_dbus_host_call_list_host_interfaces(
        marina_host_caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable, on_interfaces_listed,
        task);
}

GPtrArray *
marina_host_list_host_interfaces_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_list_host_interfaces_async,
                                        error);
}

static void
on_devices_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) devices = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_list_host_devices_finish(MARINA_DBUS_HOST(source), &devices, result,
                                                       &error))
        g_task_return_pointer(task,
                              marina_host_devices_from_variant(g_task_get_task_data(task), devices),
                              (GDestroyNotify)g_ptr_array_unref);
    else
        g_task_return_error(task, error);
}

void
marina_host_list_host_devices_async(MarinaHost *self, const char *type, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(type != NULL);
    task = marina_client_task_new(self, marina_host_list_host_devices_async, cancellable, callback,
                                  user_data);
    g_task_set_task_data(task, g_strdup(type), g_free);
    marina_dbus_host_call_list_host_devices(marina_host_caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                            type, cancellable, on_devices_listed, task);
}

GPtrArray *
marina_host_list_host_devices_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_list_host_devices_async, error);
}
