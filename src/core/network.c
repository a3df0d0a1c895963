#define G_LOG_DOMAIN "marina-network"

#include "config.h"

#include "client-private.h"
#include "error.h"
#include "network.h"

struct _MarinaNetwork {
    GObject parent_instance;

    MarinaConnection *connection;
    char *object_path;
    MarinaDBusNetwork *caller; /* calls only */
};

G_DEFINE_FINAL_TYPE(MarinaNetwork, marina_network, G_TYPE_OBJECT)

static void
marina_network_dispose(GObject *object)
{
    MarinaNetwork *self = MARINA_NETWORK(object);

    g_clear_object(&self->caller);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_network_parent_class)->dispose(object);
}

static void
marina_network_finalize(GObject *object)
{
    g_free(MARINA_NETWORK(object)->object_path);
    G_OBJECT_CLASS(marina_network_parent_class)->finalize(object);
}

static void
marina_network_class_init(MarinaNetworkClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_network_dispose;
    object_class->finalize = marina_network_finalize;
}

static void
marina_network_init(MarinaNetwork *self)
{
}

MarinaNetwork *
marina_network_new(MarinaConnection *connection, const char *object_path)
{
    MarinaNetwork *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(object_path != NULL && g_variant_is_object_path(object_path), NULL);
    self = g_object_new(MARINA_TYPE_NETWORK, NULL);
    self->connection = g_object_ref(connection);
    self->object_path = g_strdup(object_path);
    return self;
}

MarinaConnection *
marina_network_get_connection(MarinaNetwork *self)
{
    g_return_val_if_fail(MARINA_IS_NETWORK(self), NULL);
    return self->connection;
}

const char *
marina_network_get_object_path(MarinaNetwork *self)
{
    g_return_val_if_fail(MARINA_IS_NETWORK(self), NULL);
    return self->object_path;
}

static MarinaDBusNetwork *
caller(MarinaNetwork *self, int timeout_ms)
{
    if (self->caller == NULL)
        self->caller = marina_dbus_network_proxy_new_sync(
            marina_connection_get_dbus_connection(self->connection), MARINA_CLIENT_PROXY_FLAGS,
            NULL, self->object_path, NULL, NULL);
    return marina_client_timeout(self->caller, timeout_ms);
}

/* The generated call of an action without arguments or reply. */
typedef void (*VoidCall)(MarinaDBusNetwork *proxy, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);

static void
call_void(MarinaNetwork *self, gpointer tag, VoidCall call, int timeout_ms,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = marina_client_task_new(self, tag, cancellable, callback, user_data);

    call(caller(self, timeout_ms), cancellable, marina_client_void_reply, task);
}

void
marina_network_start_async(MarinaNetwork *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_NETWORK(self));
    /* A bridge, dnsmasq and firewall rules: a few quick commands, whose
     * failures the daemon reports itself. */
    call_void(self, marina_network_start_async, marina_dbus_network_call_start,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_network_start_finish(MarinaNetwork *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_network_start_async, error);
}

void
marina_network_stop_async(MarinaNetwork *self, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_NETWORK(self));
    call_void(self, marina_network_stop_async, marina_dbus_network_call_stop,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_network_stop_finish(MarinaNetwork *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_network_stop_async, error);
}

void
marina_network_undefine_async(MarinaNetwork *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_NETWORK(self));
    call_void(self, marina_network_undefine_async, marina_dbus_network_call_undefine,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_network_undefine_finish(MarinaNetwork *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_network_undefine_async, error);
}

void
marina_network_set_autostart_async(MarinaNetwork *self, gboolean autostart,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_NETWORK(self));
    task = marina_client_task_new(self, marina_network_set_autostart_async, cancellable, callback,
                                  user_data);
    marina_dbus_network_call_set_autostart(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), autostart,
                                           cancellable, marina_client_void_reply, task);
}

gboolean
marina_network_set_autostart_finish(MarinaNetwork *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_network_set_autostart_async, error);
}

void
marina_network_get_xml_async(MarinaNetwork *self, guint flags, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_NETWORK(self));
    task = marina_client_task_new(self, marina_network_get_xml_async, cancellable, callback,
                                  user_data);
    marina_dbus_network_call_get_xml(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), flags, cancellable,
                                     marina_client_string_reply, task);
}

char *
marina_network_get_xml_finish(MarinaNetwork *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_network_get_xml_async, error);
}

static void
on_get_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) dict = NULL;
    GError *error = NULL;

    if (!marina_dbus_network_call_get_info_finish(MARINA_DBUS_NETWORK(source), &dict, result,
                                                  &error)) {
        g_task_return_error(task, error);
        return;
    }
    g_task_return_pointer(task, marina_network_info_from_variant(dict),
                          (GDestroyNotify)marina_network_info_free);
}

void
marina_network_get_info_async(MarinaNetwork *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_NETWORK(self));
    task = marina_client_task_new(self, marina_network_get_info_async, cancellable, callback,
                                  user_data);
    marina_dbus_network_call_get_info(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                      on_get_info, task);
}

MarinaNetworkInfo *
marina_network_get_info_finish(MarinaNetwork *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_network_get_info_async, error);
}

static void
on_leases(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) leases = NULL;
    GError *error = NULL;

    if (!marina_dbus_network_call_get_dhcpleases_finish(MARINA_DBUS_NETWORK(source), &leases,
                                                        result, &error)) {
        g_task_return_error(task, error);
        return;
    }
    g_task_return_pointer(task, marina_dhcp_leases_from_variant(leases),
                          (GDestroyNotify)g_ptr_array_unref);
}

void
marina_network_get_dhcp_leases_async(MarinaNetwork *self, const char *mac,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_NETWORK(self));
    task = marina_client_task_new(self, marina_network_get_dhcp_leases_async, cancellable, callback,
                                  user_data);
    marina_dbus_network_call_get_dhcpleases(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                            mac != NULL ? mac : "", cancellable, on_leases, task);
}

GPtrArray *
marina_network_get_dhcp_leases_finish(MarinaNetwork *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_network_get_dhcp_leases_async, error);
}

void
marina_network_update_async(MarinaNetwork *self, const char *command, const char *section,
                            int parent_index, const char *xml, guint flags,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_NETWORK(self));
    g_return_if_fail(command != NULL && section != NULL && xml != NULL);
    task =
        marina_client_task_new(self, marina_network_update_async, cancellable, callback, user_data);
    /* A live update reloads dnsmasq's configuration: quick. */
    marina_dbus_network_call_update(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), command, section,
                                    parent_index, xml, flags, cancellable, marina_client_void_reply,
                                    task);
}

gboolean
marina_network_update_finish(MarinaNetwork *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_network_update_async, error);
}
