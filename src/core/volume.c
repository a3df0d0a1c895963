#define G_LOG_DOMAIN "marina-volume"

#include "config.h"

#include "client-private.h"
#include "error.h"
#include "volume.h"

struct _MarinaVolume {
    GObject parent_instance;

    MarinaConnection *connection;
    char *object_path;
    MarinaDBusStorageVolume *caller; /* calls only */
};

G_DEFINE_FINAL_TYPE(MarinaVolume, marina_volume, G_TYPE_OBJECT)

static void
marina_volume_dispose(GObject *object)
{
    MarinaVolume *self = MARINA_VOLUME(object);

    g_clear_object(&self->caller);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_volume_parent_class)->dispose(object);
}

static void
marina_volume_finalize(GObject *object)
{
    g_free(MARINA_VOLUME(object)->object_path);
    G_OBJECT_CLASS(marina_volume_parent_class)->finalize(object);
}

static void
marina_volume_class_init(MarinaVolumeClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_volume_dispose;
    object_class->finalize = marina_volume_finalize;
}

static void
marina_volume_init(MarinaVolume *self)
{
}

MarinaVolume *
marina_volume_new(MarinaConnection *connection, const char *object_path)
{
    MarinaVolume *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(object_path != NULL && g_variant_is_object_path(object_path), NULL);
    self = g_object_new(MARINA_TYPE_VOLUME, NULL);
    self->connection = g_object_ref(connection);
    self->object_path = g_strdup(object_path);
    return self;
}

MarinaConnection *
marina_volume_get_connection(MarinaVolume *self)
{
    g_return_val_if_fail(MARINA_IS_VOLUME(self), NULL);
    return self->connection;
}

const char *
marina_volume_get_object_path(MarinaVolume *self)
{
    g_return_val_if_fail(MARINA_IS_VOLUME(self), NULL);
    return self->object_path;
}

static MarinaDBusStorageVolume *
caller(MarinaVolume *self, int timeout_ms)
{
    if (self->caller == NULL)
        self->caller = marina_dbus_storage_volume_proxy_new_sync(
            marina_connection_get_dbus_connection(self->connection), MARINA_CLIENT_PROXY_FLAGS,
            NULL, self->object_path, NULL, NULL);
    return marina_client_timeout(self->caller, timeout_ms);
}

void
marina_volume_delete_async(MarinaVolume *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_VOLUME(self));
    task =
        marina_client_task_new(self, marina_volume_delete_async, cancellable, callback, user_data);
    /* Removing a large file or logical volume can take a while. */
    marina_dbus_storage_volume_call_delete(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), cancellable,
                                           marina_client_void_reply, task);
}

gboolean
marina_volume_delete_finish(MarinaVolume *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_volume_delete_async, error);
}

void
marina_volume_resize_async(MarinaVolume *self, guint64 capacity, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_VOLUME(self));
    task =
        marina_client_task_new(self, marina_volume_resize_async, cancellable, callback, user_data);
    /* Growing a preallocated volume writes the new space. */
    marina_dbus_storage_volume_call_resize(caller(self, MARINA_CALL_TIMEOUT_LONG_MS), capacity,
                                           cancellable, marina_client_void_reply, task);
}

gboolean
marina_volume_resize_finish(MarinaVolume *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_boolean(self, result, marina_volume_resize_async, error);
}

void
marina_volume_clone_async(MarinaVolume *self, const char *new_name, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_VOLUME(self));
    g_return_if_fail(new_name != NULL);
    task = marina_client_job_task_new(self, self->connection, marina_volume_clone_async,
                                      cancellable, callback, user_data);
    marina_dbus_storage_volume_call_clone(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), new_name,
                                          cancellable, marina_client_job_reply, task);
}

MarinaJobWatcher *
marina_volume_clone_finish(MarinaVolume *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_volume_clone_async, error);
}

void
marina_volume_get_xml_async(MarinaVolume *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_VOLUME(self));
    task =
        marina_client_task_new(self, marina_volume_get_xml_async, cancellable, callback, user_data);
    marina_dbus_storage_volume_call_get_xml(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS), cancellable,
                                            marina_client_string_reply, task);
}

char *
marina_volume_get_xml_finish(MarinaVolume *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_volume_get_xml_async, error);
}

static void
on_get_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaVolume *self = g_task_get_source_object(task);
    g_autoptr(GVariant) info = NULL;
    GError *error = NULL;

    if (marina_dbus_storage_volume_call_get_info_finish(MARINA_DBUS_STORAGE_VOLUME(source), &info,
                                                        result, &error))
        g_task_return_pointer(task, marina_volume_info_from_variant(info, self->object_path),
                              (GDestroyNotify)marina_volume_info_free);
    else
        g_task_return_error(task, error);
}

void
marina_volume_get_info_async(MarinaVolume *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task;

    g_return_if_fail(MARINA_IS_VOLUME(self));
    task = marina_client_task_new(self, marina_volume_get_info_async, cancellable, callback,
                                  user_data);
    marina_dbus_storage_volume_call_get_info(caller(self, MARINA_CALL_TIMEOUT_QUERY_MS),
                                             cancellable, on_get_info, task);
}

MarinaVolumeInfo *
marina_volume_get_info_finish(MarinaVolume *self, GAsyncResult *result, GError **error)
{
    return marina_client_finish_pointer(self, result, marina_volume_get_info_async, error);
}
