#pragma once

#include <gio/gio.h>

#include "core/pool-config.h"
#include "core/volume-config.h"
#include "marina-dbus.h"
#include "storage-backend.h"
#include "storage-host.h"

G_BEGIN_DECLS

/*
 * One storage pool: its definition, whether it runs, its backend, the
 * volumes jobs are writing, and every operation on it and its volumes with
 * the checks they share. It answers through callbacks, never through D-Bus
 * (storage-pool-object.c and storage-volume-object.c serve it), and tells
 * clients what changed through the Host's PoolEvent and VolumeEvent signals.
 */

/* Called once a new volume's job exists, before the work starts: the caller
 * answers its client with the job first. */
typedef void (*MarinaStorageJobReady)(MarinaStoragePool *pool, MarinaJob *job, gpointer data);

/* @host: what the daemon provides (jobs, guests' disks); @events: where
 * PoolEvent and VolumeEvent go. Both must outlive the pool. Takes @config. */
MarinaStoragePool *marina_storage_pool_new(const MarinaStorageHost *host, MarinaDBusHost *events,
                                           MarinaPoolConfig *config);
void marina_storage_pool_free(MarinaStoragePool *pool);

const char *marina_storage_pool_get_name(MarinaStoragePool *pool);
/* /org/marinavm/Marina1/pool/<escaped name> */
const char *marina_storage_pool_get_object_path(MarinaStoragePool *pool);
/* Where its volumes are served: <object path>/volume */
const char *marina_storage_pool_get_volume_subtree(MarinaStoragePool *pool);
const MarinaPoolConfig *marina_storage_pool_get_config(MarinaStoragePool *pool);
/* Redefine an inactive pool: takes @config (same name). */
void marina_storage_pool_set_config(MarinaStoragePool *pool, MarinaPoolConfig *config);
const MarinaStorageBackend *marina_storage_pool_get_backend(MarinaStoragePool *pool);
const MarinaStorageHost *marina_storage_pool_get_host(MarinaStoragePool *pool);
gboolean marina_storage_pool_is_active(MarinaStoragePool *pool);
gboolean marina_storage_pool_get_autostart(MarinaStoragePool *pool);
void marina_storage_pool_set_autostart_flag(MarinaStoragePool *pool, gboolean autostart);

/* Tell clients: Host.PoolEvent(path, name, @event). */
void marina_storage_pool_emit_event(MarinaStoragePool *pool, const char *event);
/* Re-read capacity, allocation and available into the config (active pools). */
void marina_storage_pool_refresh_sizes(MarinaStoragePool *pool);

/* Checks that answer with an error a person can act on. */
gboolean marina_storage_pool_check_settled(MarinaStoragePool *pool, GError **error);
gboolean marina_storage_pool_check_active(MarinaStoragePool *pool, GError **error);
gboolean marina_storage_pool_check_no_jobs(MarinaStoragePool *pool, GError **error);

/* Lifecycle; @done may be NULL for start (autostart: failures are logged). */
void marina_storage_pool_start(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);
void marina_storage_pool_stop(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);
void marina_storage_pool_refresh(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);

/* Volumes */
char *marina_storage_pool_volume_path(MarinaStoragePool *pool, const char *name);
char *marina_storage_pool_volume_object_path(MarinaStoragePool *pool, const char *name);
/* Names of the volumes (busy ones left out), NULL-terminated. */
char **marina_storage_pool_list_volumes(MarinaStoragePool *pool);
gboolean marina_storage_pool_stat_volume(MarinaStoragePool *pool, const char *name,
                                         MarinaVolumeStat *out);
/* Whether @name is a volume or one being written. */
gboolean marina_storage_pool_volume_exists(MarinaStoragePool *pool, const char *name);
/* Whether a job is writing @name. */
gboolean marina_storage_pool_is_busy(MarinaStoragePool *pool, const char *name);

/* A new volume from @config (completed in place); FALSE with @error when it
 * cannot be made. Else @ready gets the job, then the job writes it. */
gboolean marina_storage_pool_create_volume(MarinaStoragePool *pool, MarinaVolumeConfig *config,
                                           MarinaStorageJobReady ready, gpointer data,
                                           GError **error);
/* A copy of @name called @new_name, as a job (see create). */
gboolean marina_storage_pool_clone_volume(MarinaStoragePool *pool, const char *name,
                                          const char *new_name, MarinaStorageJobReady ready,
                                          gpointer data, GError **error);
void marina_storage_pool_volume_info(MarinaStoragePool *pool, const char *name,
                                     MarinaVolumeInfoDone done, gpointer data);
/* Refused (Error.InUse) while a running guest uses the volume. */
void marina_storage_pool_delete_volume(MarinaStoragePool *pool, const char *name,
                                       MarinaStorageDone done, gpointer data);
/* Grow only. */
void marina_storage_pool_resize_volume(MarinaStoragePool *pool, const char *name, guint64 capacity,
                                       MarinaStorageDone done, gpointer data);

/* State a backend keeps for the pool (logical: what vgs and lvs said), freed
 * with @destroy when replaced or when the pool goes. */
gpointer marina_storage_pool_get_backend_data(MarinaStoragePool *pool);
void marina_storage_pool_set_backend_data(MarinaStoragePool *pool, gpointer data,
                                          GDestroyNotify destroy);

/* Object path element for a pool or volume name: [A-Za-z0-9] kept, other bytes _XX. */
char *marina_storage_escape(const char *name);
char *marina_storage_unescape(const char *node);

G_END_DECLS
