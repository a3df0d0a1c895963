#pragma once

#include <gio/gio.h>

#include "connection.h"
#include "job-watcher.h"
#include "records.h"
#include "volume.h"

G_BEGIN_DECLS

/*
 * One storage pool to act on. Cheap to create (no round trip):
 *   from a listing:  marina_pool_new(connection, info->object_path)
 *                    (info from marina_host_list_pools_finish)
 *   by name:         marina_host_lookup_pool_async(host, "default", ...)
 *
 * Creating a volume is a job:
 *   marina_pool_create_volume_async(pool, xml, cancellable, on_created, self);
 *   static void on_created(GObject *source, GAsyncResult *result, gpointer data) {
 *       g_autoptr(MarinaJobWatcher) job = NULL;
 *       g_autoptr(MarinaVolume) volume =
 *           marina_pool_create_volume_finish(MARINA_POOL(source), result, &job, &error);
 *       marina_job_watcher_wait_async(job, cancellable, on_allocated, self);
 *   }
 * The volume exists once the job has succeeded.
 */

#define MARINA_TYPE_POOL (marina_pool_get_type())
G_DECLARE_FINAL_TYPE(MarinaPool, marina_pool, MARINA, POOL, GObject)

MarinaPool *marina_pool_new(MarinaConnection *connection, const char *object_path);
MarinaConnection *marina_pool_get_connection(MarinaPool *self);
const char *marina_pool_get_object_path(MarinaPool *self);

void marina_pool_start_async(MarinaPool *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_pool_start_finish(MarinaPool *self, GAsyncResult *result, GError **error);

void marina_pool_stop_async(MarinaPool *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_pool_stop_finish(MarinaPool *self, GAsyncResult *result, GError **error);

void marina_pool_undefine_async(MarinaPool *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_pool_undefine_finish(MarinaPool *self, GAsyncResult *result, GError **error);

void marina_pool_refresh_async(MarinaPool *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_pool_refresh_finish(MarinaPool *self, GAsyncResult *result, GError **error);

void marina_pool_set_autostart_async(MarinaPool *self, gboolean autostart,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean marina_pool_set_autostart_finish(MarinaPool *self, GAsyncResult *result, GError **error);

void marina_pool_get_xml_async(MarinaPool *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
char *marina_pool_get_xml_finish(MarinaPool *self, GAsyncResult *result, GError **error);

void marina_pool_get_info_async(MarinaPool *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
MarinaPoolInfo *marina_pool_get_info_finish(MarinaPool *self, GAsyncResult *result, GError **error);

/* Every volume in one call: a GPtrArray of MarinaVolumeInfo. */
void marina_pool_list_volumes_async(MarinaPool *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *marina_pool_list_volumes_finish(MarinaPool *self, GAsyncResult *result, GError **error);

/* Creates a volume from libvirt volume XML. Completes when the daemon has
 * accepted it, with the volume and (in *job) the job that allocates it. */
void marina_pool_create_volume_async(MarinaPool *self, const char *xml, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
MarinaVolume *marina_pool_create_volume_finish(MarinaPool *self, GAsyncResult *result,
                                               MarinaJobWatcher **job, GError **error);

G_END_DECLS
