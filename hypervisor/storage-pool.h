#pragma once

#include <gio/gio.h>

#include "core/pool-config.h"
#include "daemon-config.h"
#include "marina-dbus.h"

G_BEGIN_DECLS

typedef struct _MarinaDaemon MarinaDaemon;
typedef struct _MarinaStoragePool MarinaStoragePool;

/*
 * The type-specific part of a pool. Everything else (persistence, D-Bus,
 * jobs, qemu-img) is shared, so fs / netfs / logical add a backend only.
 */
/* @error is NULL on success; it stays the caller's. */
typedef void (*MarinaStorageDone)(MarinaStoragePool *pool, const GError *error, gpointer data);

/* How volumes are made when they are not image files in the target directory
 * (logical pools: LVM logical volumes). Private to storage-pool.c. */
typedef struct _MarinaVolumeBackend MarinaVolumeBackend;

typedef struct {
    const char *type;
    /* Make the pool usable (dir: create the directory; fs, netfs: mount),
     * asynchronously: mounting can take as long as a server needs. */
    void (*start)(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);
    void (*stop)(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);
    /* Capacity, allocation, available in bytes. */
    gboolean (*refresh)(MarinaStoragePool *pool, guint64 *capacity, guint64 *allocation,
                        guint64 *available, GError **error);
    /* Volume names present in the pool (NULL-terminated). */
    char **(*list_volumes)(MarinaStoragePool *pool);
    /* Re-read sizes and volumes before @done (logical: vgs and lvs, which take
     * a while); refresh and list_volumes then answer from what it read. NULL
     * when they read the pool directly. */
    void (*update)(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);
    /* NULL: volumes are files written with qemu-img. */
    const MarinaVolumeBackend *volumes;
} MarinaStorageBackend;

const MarinaStorageBackend *marina_storage_backend_for_type(const char *type);

/*
 * One pool, served at /org/marinavm/Marina1/pool/<name_> with its volumes
 * at .../pool/<name_>/volume/<volume_>.
 */
MarinaStoragePool *marina_storage_pool_new(MarinaDaemon *daemon, MarinaPoolConfig *config);
void marina_storage_pool_free(MarinaStoragePool *pool);
const char *marina_storage_pool_get_name(MarinaStoragePool *pool);
const char *marina_storage_pool_get_object_path(MarinaStoragePool *pool);
const MarinaPoolConfig *marina_storage_pool_get_config(MarinaStoragePool *pool);

/*
 * The daemon's storage: pools from <state>/pools/<name>.xml (+ .autostart),
 * the 'default' dir pool (<state>/images) made on first start, the Host's
 * pool methods, and the pool / volume / job objects for every client.
 */
typedef struct _MarinaStorage MarinaStorage;

MarinaStorage *marina_storage_new(MarinaDaemon *daemon, const MarinaDaemonConfig *config,
                                  MarinaDBusHost *host);
void marina_storage_free(MarinaStorage *storage);
/* Load pools, create the default pool, start autostart pools. */
void marina_storage_load(MarinaStorage *storage);
gboolean marina_storage_add_peer(MarinaStorage *storage, GDBusConnection *connection,
                                 GError **error);
void marina_storage_remove_peer(MarinaStorage *storage, GDBusConnection *connection);

/* Object path element for a pool or volume name: [A-Za-z0-9] kept, other bytes _XX. */
char *marina_storage_escape(const char *name);

G_END_DECLS
