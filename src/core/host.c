#define G_LOG_DOMAIN "marina-host"

#include "config.h"

#include <glib/gi18n.h>

#include "client-private.h"
#include "daemon-stream.h"
#include "error.h"
#include "host.h"
#include "host-private.h"

#define HOST_INTERFACE "org.marinavm.Marina1.Host"

struct _MarinaHost {
    GObject parent_instance;

    MarinaConnection *connection;
    MarinaDBusHost *caller;  /* calls only, with this object's timeouts */
    MarinaDBusHost *signals; /* the connection's proxy: the daemon's signals */
};

G_DEFINE_FINAL_TYPE(MarinaHost, marina_host, G_TYPE_OBJECT)

enum {
    SIGNAL_DOMAIN_ADDED,
    SIGNAL_DOMAIN_REMOVED,
    SIGNAL_DOMAIN_EVENT,
    SIGNAL_STATS_UPDATED,
    SIGNAL_POOL_EVENT,
    SIGNAL_VOLUME_EVENT,
    SIGNAL_NETWORK_EVENT,
    N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
marina_host_dispose(GObject *object)
{
    MarinaHost *self = MARINA_HOST(object);

    if (self->signals != NULL)
        g_signal_handlers_disconnect_by_data(self->signals, self);
    g_clear_object(&self->signals);
    g_clear_object(&self->caller);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_host_parent_class)->dispose(object);
}

static void
marina_host_class_init(MarinaHostClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GType type = G_TYPE_FROM_CLASS(klass);

    object_class->dispose = marina_host_dispose;
    signals[SIGNAL_DOMAIN_ADDED] =
        g_signal_new("domain-added", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                     G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    signals[SIGNAL_DOMAIN_REMOVED] =
        g_signal_new("domain-removed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                     G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    signals[SIGNAL_DOMAIN_EVENT] = g_signal_new(
        "domain-event", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 7, G_TYPE_STRING,
        G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
    signals[SIGNAL_STATS_UPDATED] = g_signal_new("stats-updated", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_VARIANT);
    signals[SIGNAL_POOL_EVENT] =
        g_signal_new("pool-event", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                     G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    signals[SIGNAL_VOLUME_EVENT] =
        g_signal_new("volume-event", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                     G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    signals[SIGNAL_NETWORK_EVENT] =
        g_signal_new("network-event", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                     G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
marina_host_init(MarinaHost *self)
{
}

static void
on_domain_added(MarinaDBusHost *proxy, const char *path, const char *name, const char *uuid,
                MarinaHost *self)
{
    g_signal_emit(self, signals[SIGNAL_DOMAIN_ADDED], 0, path, name, uuid);
}

static void
on_domain_removed(MarinaDBusHost *proxy, const char *path, const char *name, const char *uuid,
                  MarinaHost *self)
{
    g_signal_emit(self, signals[SIGNAL_DOMAIN_REMOVED], 0, path, name, uuid);
}

static void
on_domain_event(MarinaDBusHost *proxy, const char *path, const char *name, const char *uuid,
                guint state, guint reason, const char *event, const char *detail, MarinaHost *self)
{
    g_signal_emit(self, signals[SIGNAL_DOMAIN_EVENT], 0, path, name, uuid, state, reason, event,
                  detail);
}

static void
on_stats_updated(MarinaDBusHost *proxy, GVariant *stats, MarinaHost *self)
{
    g_signal_emit(self, signals[SIGNAL_STATS_UPDATED], 0, stats);
}

/* A connection that chose the packed encoding (the guest list does) gets
 * StatsUpdatedPacked instead: decoded only when someone listens. */
static void
on_stats_updated_packed(MarinaDBusHost *proxy, GVariant *packed, MarinaHost *self)
{
    g_autoptr(GVariant) stats = NULL;

    if (!g_signal_has_handler_pending(self, signals[SIGNAL_STATS_UPDATED], 0, FALSE))
        return;
    stats = marina_variant_from_packed(packed, G_VARIANT_TYPE("a(sa{sv})"));
    g_signal_emit(self, signals[SIGNAL_STATS_UPDATED], 0, stats);
}

static void
on_pool_event(MarinaDBusHost *proxy, const char *path, const char *name, const char *event,
              MarinaHost *self)
{
    g_signal_emit(self, signals[SIGNAL_POOL_EVENT], 0, path, name, event);
}

static void
on_volume_event(MarinaDBusHost *proxy, const char *path, const char *pool, const char *name,
                const char *event, MarinaHost *self)
{
    g_signal_emit(self, signals[SIGNAL_VOLUME_EVENT], 0, path, pool, name, event);
}

static void
on_network_event(MarinaDBusHost *proxy, const char *path, const char *name, const char *event,
                 MarinaHost *self)
{
    g_signal_emit(self, signals[SIGNAL_NETWORK_EVENT], 0, path, name, event);
}

MarinaHost *
marina_host_new(MarinaConnection *connection)
{
    MarinaHost *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    self = g_object_new(MARINA_TYPE_HOST, NULL);
    self->connection = g_object_ref(connection);
    self->caller = marina_dbus_host_proxy_new_sync(
        marina_connection_get_dbus_connection(connection), MARINA_CLIENT_PROXY_FLAGS, NULL,
        MARINA_DBUS_HOST_PATH, NULL, NULL);
    self->signals = g_object_ref(marina_connection_get_host(connection));
    g_signal_connect(self->signals, "domain-added", G_CALLBACK(on_domain_added), self);
    g_signal_connect(self->signals, "domain-removed", G_CALLBACK(on_domain_removed), self);
    g_signal_connect(self->signals, "domain-event", G_CALLBACK(on_domain_event), self);
    g_signal_connect(self->signals, "stats-updated", G_CALLBACK(on_stats_updated), self);
    g_signal_connect(self->signals, "stats-updated-packed", G_CALLBACK(on_stats_updated_packed),
                     self);
    g_signal_connect(self->signals, "pool-event", G_CALLBACK(on_pool_event), self);
    g_signal_connect(self->signals, "volume-event", G_CALLBACK(on_volume_event), self);
    g_signal_connect(self->signals, "network-event", G_CALLBACK(on_network_event), self);
    return self;
}

MarinaConnection *
marina_host_get_connection(MarinaHost *self)
{
    g_return_val_if_fail(MARINA_IS_HOST(self), NULL);
    return self->connection;
}

static MarinaDBusHost *
caller(MarinaHost *self, int timeout_ms)
{
    return marina_client_timeout(self->caller, timeout_ms);
}

MarinaDBusHost *
marina_host_caller(MarinaHost *self, int timeout_ms)
{
    return caller(self, timeout_ms);
}

/* A reply that names a new object, with the daemon's warnings. */
typedef struct {
    char *path;
    char **warnings;
} PathReply;

static void
path_reply_free(PathReply *reply)
{
    g_free(reply->path);
    g_strfreev(reply->warnings);
    g_free(reply);
}

static void
return_path(GTask *task, char *path, char **warnings)
{
    PathReply *reply = g_new0(PathReply, 1);

    reply->path = path;
    reply->warnings = warnings;
    g_task_return_pointer(task, reply, (GDestroyNotify)path_reply_free);
}

/* The MarinaDomain a PathReply names; *warnings handed over when asked for. */
static MarinaDomain *
finish_domain(MarinaHost *self, GAsyncResult *result, gpointer tag, char ***warnings,
              GError **error)
{
    PathReply *reply = marina_client_finish_pointer(self, result, tag, error);
    MarinaDomain *domain;

    if (reply == NULL)
        return NULL;
    domain = marina_domain_new(self->connection, reply->path);
    if (warnings != NULL)
        *warnings = g_steal_pointer(&reply->warnings);
    path_reply_free(reply);
    return domain;
}

/* ---------------------------------------------------------------------------------------------
 * The host
 */

static void
on_node_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) info = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_get_node_info_finish(MARINA_DBUS_HOST(source), &info, result, &error))
        g_task_return_pointer(task, marina_node_info_from_variant(info),
                              (GDestroyNotify)marina_node_info_free);
    else
        g_task_return_error(task, error);
}

void
marina_host_get_node_info_async(MarinaHost *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_get_node_info_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_get_node_info(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                        on_node_info, task);
}

MarinaNodeInfo *
marina_host_get_node_info_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_get_node_info_async, error);
}

static void
on_properties(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) dict = NULL;
    GError *error = NULL;

    reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
    if (reply == NULL) {
        g_task_return_error(task, error);
        return;
    }
    dict = g_variant_get_child_value(reply, 0);
    g_task_return_pointer(task, marina_host_properties_from_variant(dict),
                          (GDestroyNotify)marina_host_properties_free);
}

void
marina_host_get_properties_async(MarinaHost *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_get_properties_async, cancellable, callback,
                                  user_data);
    g_dbus_connection_call(marina_connection_get_dbus_connection(self->connection), NULL,
                           MARINA_DBUS_HOST_PATH, "org.freedesktop.DBus.Properties", "GetAll",
                           g_variant_new("(s)", HOST_INTERFACE), G_VARIANT_TYPE("(a{sv})"),
                           G_DBUS_CALL_FLAGS_NONE, MARINA_CALL_TIMEOUT_QUERY_MS, cancellable,
                           on_properties, task);
}

MarinaHostProperties *
marina_host_get_properties_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_get_properties_async, error);
}

void
marina_host_set_stats_interval_async(MarinaHost *self, guint interval_ms, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_set_stats_interval_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_set_stats_interval(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                             interval_ms, cancellable, marina_client_void_reply,
                                             task);
}

gboolean
marina_host_set_stats_interval_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_host_set_stats_interval_async, error);
}

void
marina_host_set_stats_collection_async(MarinaHost *self, const char *const *kinds,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
    static const char *const none[] = {NULL};
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_set_stats_collection_async, cancellable,
                                  callback, user_data);
    marina_dbus_host_call_set_stats_collection(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                               kinds != NULL ? kinds : none, cancellable,
                                               marina_client_void_reply, task);
}

gboolean
marina_host_set_stats_collection_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_host_set_stats_collection_async,
                                        error);
}

/* ---------------------------------------------------------------------------------------------
 * Guests
 */

static void
on_domains_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) domains = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_list_domains_finish(MARINA_DBUS_HOST(source), &domains, result,
                                                  &error))
        g_task_return_pointer(task, marina_domain_records_from_variant(domains),
                              (GDestroyNotify)g_ptr_array_unref);
    else
        g_task_return_error(task, error);
}

static void
on_domains_listed_packed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) packed = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_list_domains_packed_finish(MARINA_DBUS_HOST(source), &packed, result,
                                                         &error)) {
        g_task_return_pointer(task, marina_domain_records_from_packed(packed),
                              (GDestroyNotify)g_ptr_array_unref);
    } else if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
        /* A daemon older than ListDomainsPacked. */
        g_error_free(error);
        marina_dbus_host_call_list_domains(MARINA_DBUS_HOST(source), g_task_get_cancellable(task),
                                           on_domains_listed, g_steal_pointer(&task));
    } else {
        g_task_return_error(task, error);
    }
}

void
marina_host_list_domains_async(MarinaHost *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_list_domains_async, cancellable, callback,
                                  user_data);
    /* The packed listing: a thousand guests cost GDBus ~3 ms less on each side. */
    marina_dbus_host_call_list_domains_packed(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                              cancellable, on_domains_listed_packed, task);
}

GPtrArray *
marina_host_list_domains_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_list_domains_async, error);
}

static void
on_domain_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaDomain *domain = MARINA_DOMAIN(source);
    GError *error = NULL;

    if (marina_domain_load_finish(domain, result, &error))
        g_task_return_pointer(task, g_object_ref(domain), g_object_unref);
    else
        g_task_return_error(task, error);
}

static void
on_domain_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    MarinaHost *self = g_task_get_source_object(task);
    g_autofree char *path = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    GError *error = NULL;

    if (!marina_dbus_host_call_lookup_domain_finish(MARINA_DBUS_HOST(source), &path, result,
                                                    &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    domain = marina_domain_new(self->connection, path);
    marina_domain_load_async(domain, g_task_get_cancellable(task), on_domain_loaded, task);
}

void
marina_host_lookup_domain_async(MarinaHost *self, const char *name_or_uuid,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_lookup_domain_async, cancellable, callback,
                                  user_data);
    if (name_or_uuid == NULL || *name_or_uuid == '\0') {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                _("No domain given: name a domain by its name, UUID or id."));
        g_object_unref(task);
        return;
    }
    marina_dbus_host_call_lookup_domain(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), name_or_uuid,
                                        cancellable, on_domain_looked_up, task);
}

MarinaDomain *
marina_host_lookup_domain_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_lookup_domain_async, error);
}

static void
on_domain_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    char *path = NULL;
    char **warnings = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_define_domain_finish(MARINA_DBUS_HOST(source), &path, &warnings,
                                                   result, &error))
        return_path(task, path, warnings);
    else
        g_task_return_error(task, error);
}

void
marina_host_define_domain_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(xml != NULL);
    task = marina_client_task_new(self, marina_host_define_domain_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_define_domain(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), xml,
                                        cancellable, on_domain_defined, task);
}

MarinaDomain *
marina_host_define_domain_finish(MarinaHost *self, GAsyncResult *result, char ***warnings,
                                 GError **error)
{
    return finish_domain(self, result, marina_host_define_domain_async, warnings, error);
}

static void
on_domain_created(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    char *path = NULL;
    char **warnings = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_create_domain_finish(MARINA_DBUS_HOST(source), &path, &warnings,
                                                   result, &error))
        return_path(task, path, warnings);
    else
        g_task_return_error(task, error);
}

void
marina_host_create_domain_async(MarinaHost *self, const char *xml, MarinaDomainStartFlags flags,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(xml != NULL);
    task = marina_client_task_new(self, marina_host_create_domain_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_create_domain(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), xml, flags,
                                        cancellable, on_domain_created, task);
}

MarinaDomain *
marina_host_create_domain_finish(MarinaHost *self, GAsyncResult *result, char ***warnings,
                                 GError **error)
{
    return finish_domain(self, result, marina_host_create_domain_async, warnings, error);
}

static void
on_domain_restored(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    char *path = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_restore_domain_finish(MARINA_DBUS_HOST(source), &path, result,
                                                    &error))
        return_path(task, path, NULL);
    else
        g_task_return_error(task, error);
}

void
marina_host_restore_domain_async(MarinaHost *self, const char *file, MarinaDomainStartFlags flags,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(file != NULL);
    task = marina_client_task_new(self, marina_host_restore_domain_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_restore_domain(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), file, flags,
                                         cancellable, on_domain_restored, task);
}

MarinaDomain *
marina_host_restore_domain_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return finish_domain(self, result, marina_host_restore_domain_async, NULL, error);
}

typedef struct {
    char **argv;
    char **warnings;
} NativeReply;

static void
native_reply_free(NativeReply *reply)
{
    g_strfreev(reply->argv);
    g_strfreev(reply->warnings);
    g_free(reply);
}

static void
on_native(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    NativeReply *reply = g_new0(NativeReply, 1);
    GError *error = NULL;

    if (marina_dbus_host_call_domain_xmlto_native_finish(MARINA_DBUS_HOST(source), &reply->argv,
                                                         &reply->warnings, result, &error)) {
        g_task_return_pointer(task, reply, (GDestroyNotify)native_reply_free);
        return;
    }
    native_reply_free(reply);
    g_task_return_error(task, error);
}

void
marina_host_domain_xml_to_native_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(xml != NULL);
    task = marina_client_task_new(self, marina_host_domain_xml_to_native_async, cancellable,
                                  callback, user_data);
    marina_dbus_host_call_domain_xmlto_native(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), xml,
                                              cancellable, on_native, task);
}

char **
marina_host_domain_xml_to_native_finish(MarinaHost *self, GAsyncResult *result, char ***warnings,
                                        GError **error)
{
    NativeReply *reply =
        marina_client_finish_pointer(self, result, marina_host_domain_xml_to_native_async, error);
    char **argv;

    if (reply == NULL)
        return NULL;
    argv = g_steal_pointer(&reply->argv);
    if (warnings != NULL)
        *warnings = g_steal_pointer(&reply->warnings);
    native_reply_free(reply);
    return argv;
}

/* ---------------------------------------------------------------------------------------------
 * Install media
 */

static void
on_media_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    GVariant *info = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_inspect_media_finish(MARINA_DBUS_HOST(source), &info, result, &error))
        g_task_return_pointer(task, info, (GDestroyNotify)g_variant_unref);
    else
        g_task_return_error(task, error);
}

void
marina_host_inspect_media_async(MarinaHost *self, const char *path, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(path != NULL);
    task = marina_client_task_new(self, marina_host_inspect_media_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_inspect_media(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), path,
                                        cancellable, on_media_inspected, task);
}

GVariant *
marina_host_inspect_media_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_inspect_media_async, error);
}

static void
on_tree_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    GVariant *info = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_inspect_install_tree_finish(MARINA_DBUS_HOST(source), &info, result,
                                                          &error))
        g_task_return_pointer(task, info, (GDestroyNotify)g_variant_unref);
    else
        g_task_return_error(task, error);
}

void
marina_host_inspect_install_tree_async(MarinaHost *self, const char *url, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(url != NULL);
    task = marina_client_task_new(self, marina_host_inspect_install_tree_async, cancellable,
                                  callback, user_data);
    marina_dbus_host_call_inspect_install_tree(caller(self, MARINA_CALL_TIMEOUT_NETWORK_MS), url,
                                               cancellable, on_tree_inspected, task);
}

GVariant *
marina_host_inspect_install_tree_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_inspect_install_tree_async,
                                        error);
}

/* ---------------------------------------------------------------------------------------------
 * Storage pools
 */

static void
on_pools_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) pools = NULL;
    GError *error = NULL;

    if (marina_dbus_host_call_list_pools_finish(MARINA_DBUS_HOST(source), &pools, result, &error))
        g_task_return_pointer(task, marina_pool_infos_from_variant(pools),
                              (GDestroyNotify)g_ptr_array_unref);
    else
        g_task_return_error(task, error);
}

void
marina_host_list_pools_async(MarinaHost *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    task = marina_client_task_new(self, marina_host_list_pools_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_list_pools(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                     on_pools_listed, task);
}

GPtrArray *
marina_host_list_pools_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_list_pools_async, error);
}

static void
on_pool_path(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaHost *self = g_task_get_source_object(task);
    g_autofree char *path = NULL;
    GError *error = NULL;
    gboolean ok;

    if (g_task_get_source_tag(task) == marina_host_define_pool_async)
        ok = marina_dbus_host_call_define_pool_finish(MARINA_DBUS_HOST(source), &path, result,
                                                      &error);
    else
        ok = marina_dbus_host_call_lookup_pool_finish(MARINA_DBUS_HOST(source), &path, result,
                                                      &error);
    if (ok)
        g_task_return_pointer(task, marina_pool_new(self->connection, path), g_object_unref);
    else
        g_task_return_error(task, error);
}

void
marina_host_define_pool_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(xml != NULL);
    task = marina_client_task_new(self, marina_host_define_pool_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_define_pool(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), xml, cancellable,
                                      on_pool_path, task);
}

MarinaPool *
marina_host_define_pool_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_define_pool_async, error);
}

void
marina_host_lookup_pool_async(MarinaHost *self, const char *name, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(name != NULL);
    task = marina_client_task_new(self, marina_host_lookup_pool_async, cancellable, callback,
                                  user_data);
    marina_dbus_host_call_lookup_pool(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), name, cancellable,
                                      on_pool_path, task);
}

MarinaPool *
marina_host_lookup_pool_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_host_lookup_pool_async, error);
}

/* ---------------------------------------------------------------------------------------------
 * Migration streams
 */

typedef struct {
    const char *token;
    guint index;
} StreamRequest;

static void
on_migration_stream(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) handle = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    g_autofree char *what = NULL;
    GError *error = NULL;
    int fd = -1;

    what = g_strdup_printf(_("migration stream %u"), GPOINTER_TO_UINT(g_task_get_task_data(task)));
    if (marina_dbus_host_call_open_migration_stream_finish(MARINA_DBUS_HOST(source), &handle, &fds,
                                                           result, &error))
        fd = marina_daemon_stream_take_fd(handle, fds, what, &error);
    if (fd < 0)
        g_task_return_error(task, error);
    else
        marina_daemon_stream_return(task, fd, NULL);
}

static void
call_open_migration_stream(GTask *task, gpointer call_data)
{
    MarinaHost *self = g_task_get_source_object(task);
    const StreamRequest *request = call_data;

    g_task_set_task_data(task, GUINT_TO_POINTER(request->index), NULL);
    marina_dbus_host_call_open_migration_stream(
        caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), request->token, request->index, NULL,
        g_task_get_cancellable(task), on_migration_stream, task);
}

void
marina_host_open_migration_stream_async(MarinaHost *self, const char *token, guint index,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
    StreamRequest request = {token, index};
    g_autofree char *index_text = g_strdup_printf("%u", index);
    const char *const channel[] = {"migration", token, index_text, NULL};

    g_return_if_fail(MARINA_IS_HOST(self));
    g_return_if_fail(token != NULL);
    marina_daemon_stream_open_async(self, marina_host_open_migration_stream_async, self->connection,
                                    channel, call_open_migration_stream, &request, cancellable,
                                    callback, user_data);
}

int
marina_host_open_migration_stream_finish(MarinaHost *self, GAsyncResult *result, GError **error)
{
    return marina_daemon_stream_open_finish(self, result, marina_host_open_migration_stream_async,
                                            NULL, error);
}
