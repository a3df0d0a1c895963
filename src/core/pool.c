#define G_LOG_DOMAIN "marina-pool"

#include "config.h"

#include "client-private.h"
#include "error.h"
#include "pool.h"

struct _MarinaPool {
    GObject parent_instance;

    MarinaConnection *connection;
    char *object_path;
    MarinaDBusStoragePool *caller; /* calls only */
};

G_DEFINE_FINAL_TYPE(MarinaPool, marina_pool, G_TYPE_OBJECT)

static void
marina_pool_dispose(GObject *object)
{
    MarinaPool *self = MARINA_POOL(object);

    g_clear_object(&self->caller);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_pool_parent_class)->dispose(object);
}

static void
marina_pool_finalize(GObject *object)
{
    g_free(MARINA_POOL(object)->object_path);
    G_OBJECT_CLASS(marina_pool_parent_class)->finalize(object);
}

static void
marina_pool_class_init(MarinaPoolClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_pool_dispose;
    object_class->finalize = marina_pool_finalize;
}

static void
marina_pool_init(MarinaPool *self)
{
}

MarinaPool *
marina_pool_new(MarinaConnection *connection, const char *object_path)
{
    MarinaPool *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(object_path != NULL && g_variant_is_object_path(object_path), NULL);
    self = g_object_new(MARINA_TYPE_POOL, NULL);
    self->connection = g_object_ref(connection);
    self->object_path = g_strdup(object_path);
    return self;
}

MarinaConnection *
marina_pool_get_connection(MarinaPool *self)
{
    g_return_val_if_fail(MARINA_IS_POOL(self), NULL);
    return self->connection;
}

const char *
marina_pool_get_object_path(MarinaPool *self)
{
    g_return_val_if_fail(MARINA_IS_POOL(self), NULL);
    return self->object_path;
}

static MarinaDBusStoragePool *
caller(MarinaPool *self, int timeout_ms)
{
    if (self->caller == NULL)
        self->caller = marina_dbus_storage_pool_proxy_new_sync(
            marina_connection_get_dbus_connection(self->connection), MARINA_CLIENT_PROXY_FLAGS,
            NULL, self->object_path, NULL, NULL);
    return marina_client_timeout(self->caller, timeout_ms);
}

/* The generated call of an action without arguments or reply. */
typedef void (*VoidCall)(MarinaDBusStoragePool *proxy, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);

/* Starts an action without arguments or reply: @call with @timeout_ms, the
 * GTask tagged @tag completing with TRUE or the daemon's error. */
static void
call_void(MarinaPool *self, gpointer tag, VoidCall call, int timeout_ms, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = marina_client_task_new(self, tag, cancellable, callback, user_data);

    call(caller(self, timeout_ms), cancellable, marina_client_void_reply, task);
}

void
marina_pool_start_async(MarinaPool *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data)
{
    g_return_if_fail(MARINA_IS_POOL(self));
    /* Mounting a file system or activating a volume group: as long as the storage needs. */
    call_void(self, marina_pool_start_async, marina_dbus_storage_pool_call_start,
              MARINA_CALL_TIMEOUT_LONG_MS, cancellable, callback, user_data);
}

gboolean
marina_pool_start_finish(MarinaPool *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_pool_start_async, error);
}

void
marina_pool_stop_async(MarinaPool *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                       gpointer user_data)
{
    g_return_if_fail(MARINA_IS_POOL(self));
    /* Unmounting or deactivating: as long as the storage needs. */
    call_void(self, marina_pool_stop_async, marina_dbus_storage_pool_call_stop,
              MARINA_CALL_TIMEOUT_LONG_MS, cancellable, callback, user_data);
}

gboolean
marina_pool_stop_finish(MarinaPool *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_pool_stop_async, error);
}

void
marina_pool_undefine_async(MarinaPool *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(MARINA_IS_POOL(self));
    call_void(self, marina_pool_undefine_async, marina_dbus_storage_pool_call_undefine,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_pool_undefine_finish(MarinaPool *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_pool_undefine_async, error);
}

void
marina_pool_refresh_async(MarinaPool *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
    g_return_if_fail(MARINA_IS_POOL(self));
    call_void(self, marina_pool_refresh_async, marina_dbus_storage_pool_call_refresh,
              MARINA_CALL_TIMEOUT_QUERY_MS, cancellable, callback, user_data);
}

gboolean
marina_pool_refresh_finish(MarinaPool *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_pool_refresh_async, error);
}

void
marina_pool_set_autostart_async(MarinaPool *self, gboolean autostart, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_POOL(self));
    task = marina_client_task_new(self, marina_pool_set_autostart_async, cancellable, callback,
                                  user_data);
    marina_dbus_storage_pool_call_set_autostart(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                                autostart, cancellable, marina_client_void_reply,
                                                task);
}

gboolean
marina_pool_set_autostart_finish(MarinaPool *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_pool_set_autostart_async, error);
}

void
marina_pool_get_xml_async(MarinaPool *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_POOL(self));
    task =
        marina_client_task_new(self, marina_pool_get_xml_async, cancellable, callback, user_data);
    marina_dbus_storage_pool_call_get_xml(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                          marina_client_string_reply, task);
}

char *
marina_pool_get_xml_finish(MarinaPool *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_pool_get_xml_async, error);
}

static void
on_get_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaPool *self = g_task_get_source_object(task);
    g_autoptr(GVariant) dict = NULL;
    MarinaPoolInfo *info;
    GError *error = NULL;

    if (!marina_dbus_storage_pool_call_get_info_finish(MARINA_DBUS_STORAGE_POOL(source), &dict,
                                                       result, &error)) {
        g_task_return_error(task, error);
        return;
    }
    info = marina_pool_info_from_variant(dict, self->object_path);
    g_task_return_pointer(task, info, (GDestroyNotify)marina_pool_info_free);
}

void
marina_pool_get_info_async(MarinaPool *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_POOL(self));
    task =
        marina_client_task_new(self, marina_pool_get_info_async, cancellable, callback, user_data);
    marina_dbus_storage_pool_call_get_info(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                           on_get_info, task);
}

MarinaPoolInfo *
marina_pool_get_info_finish(MarinaPool *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_pool_get_info_async, error);
}

static void
on_volumes_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GVariant) volumes = NULL;
    GError *error = NULL;

    if (marina_dbus_storage_pool_call_list_volumes_finish(MARINA_DBUS_STORAGE_POOL(source),
                                                          &volumes, result, &error))
        g_task_return_pointer(task, marina_volume_infos_from_variant(volumes),
                              (GDestroyNotify)g_ptr_array_unref);
    else
        g_task_return_error(task, error);
}

void
marina_pool_list_volumes_async(MarinaPool *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_POOL(self));
    task = marina_client_task_new(self, marina_pool_list_volumes_async, cancellable, callback,
                                  user_data);
    marina_dbus_storage_pool_call_list_volumes(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                               cancellable, on_volumes_listed, task);
}

GPtrArray *
marina_pool_list_volumes_finish(MarinaPool *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_pool_list_volumes_async, error);
}

typedef struct {
    MarinaVolume *volume;
    MarinaJobWatcher *job;
} Created;

static void
created_free(Created *created)
{
    g_clear_object(&created->volume);
    g_clear_object(&created->job);
    g_free(created);
}

static void
on_volume_created(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaPool *self = g_task_get_source_object(task);
    g_autofree char *volume = NULL;
    g_autofree char *job = NULL;
    Created *created;
    GError *error = NULL;

    if (!marina_dbus_storage_pool_call_create_volume_finish(MARINA_DBUS_STORAGE_POOL(source),
                                                            &volume, &job, result, &error)) {
        g_task_return_error(task, error);
        return;
    }
    created = g_new0(Created, 1);
    created->volume = marina_volume_new(self->connection, volume);
    created->job = marina_job_watcher_new(self->connection, job);
    g_task_return_pointer(task, created, (GDestroyNotify)created_free);
}

void
marina_pool_create_volume_async(MarinaPool *self, const char *xml, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_POOL(self));
    g_return_if_fail(xml != NULL);
    task = marina_client_task_new(self, marina_pool_create_volume_async, cancellable, callback,
                                  user_data);
    /* The allocation is the job's, but creating a logical volume happens
     * before the answer. */
    marina_dbus_storage_pool_call_create_volume(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), xml,
                                                cancellable, on_volume_created, task);
}

MarinaVolume *
marina_pool_create_volume_finish(MarinaPool *self, GAsyncResult *result, MarinaJobWatcher **job,
                                 GError **error)
{
    Created *created =
        marina_client_finish_pointer(self, result, marina_pool_create_volume_async, error);
    MarinaVolume *volume;

    if (created == NULL)
        return NULL;
    volume = g_steal_pointer(&created->volume);
    if (job != NULL)
        *job = g_steal_pointer(&created->job);
    created_free(created);
    return volume;
}
