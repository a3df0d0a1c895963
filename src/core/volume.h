#pragma once

#include <gio/gio.h>

#include "connection.h"
#include "job-watcher.h"
#include "records.h"

G_BEGIN_DECLS

/*
 * One storage volume to act on. Cheap to create (no round trip):
 *   marina_volume_new(connection, info->object_path)
 *   (info from marina_pool_list_volumes_finish), or from
 *   marina_pool_create_volume_finish.
 * Every action is an _async / _finish pair (see domain.h for the pattern).
 */

#define MARINA_TYPE_VOLUME (marina_volume_get_type())
G_DECLARE_FINAL_TYPE(MarinaVolume, marina_volume, MARINA, VOLUME, GObject)

MarinaVolume *marina_volume_new(MarinaConnection *connection, const char *object_path);
MarinaConnection *marina_volume_get_connection(MarinaVolume *self);
const char *marina_volume_get_object_path(MarinaVolume *self);

/* Refused with MARINA_ERROR_IN_USE while a running or paused guest has the
 * volume as a disk (MarinaVolumeInfo.used_by names the guests). */
void marina_volume_delete_async(MarinaVolume *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_volume_delete_finish(MarinaVolume *self, GAsyncResult *result, GError **error);

/* Grows the volume to @capacity bytes; shrinking is refused. */
void marina_volume_resize_async(MarinaVolume *self, guint64 capacity, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_volume_resize_finish(MarinaVolume *self, GAsyncResult *result, GError **error);

/* Copies the volume to @new_name in the same pool; completes with the job
 * doing the copy. */
void marina_volume_clone_async(MarinaVolume *self, const char *new_name, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
MarinaJobWatcher *marina_volume_clone_finish(MarinaVolume *self, GAsyncResult *result,
                                             GError **error);

void marina_volume_get_xml_async(MarinaVolume *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
char *marina_volume_get_xml_finish(MarinaVolume *self, GAsyncResult *result, GError **error);

void marina_volume_get_info_async(MarinaVolume *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
MarinaVolumeInfo *marina_volume_get_info_finish(MarinaVolume *self, GAsyncResult *result,
                                                GError **error);

G_END_DECLS
