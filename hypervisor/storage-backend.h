#pragma once

#include <gio/gio.h>

#include "core/volume-config.h"
#include "job.h"

G_BEGIN_DECLS

typedef struct _MarinaStoragePool MarinaStoragePool;

/* @error is NULL on success; it stays the caller's. */
typedef void (*MarinaStorageDone)(MarinaStoragePool *pool, const GError *error, gpointer data);
/* @info is the volume's description (NULL with @error); both stay the caller's. */
typedef void (*MarinaVolumeInfoDone)(MarinaStoragePool *pool, const MarinaVolumeConfig *info,
                                     const GError *error, gpointer data);

/* What a pool lists of one volume without asking a program. */
typedef struct {
    const char *format; /* static: "raw", "qcow2" */
    guint64 capacity;
    guint64 allocation;
} MarinaVolumeStat;

/*
 * How a pool keeps its volumes: image files in the target directory written
 * with qemu-img (marina_dir_volumes: dir, fs, netfs) or LVM logical volumes.
 * The pool (storage-pool.c) does the checks every type shares (active, names,
 * busy volumes, sizes, guests using a volume) before it calls these, and
 * keeps jobs, events and the busy set; these only do the work. Every
 * asynchronous operation calls its @done exactly once.
 */
typedef struct {
    /* Volume names present in the pool (NULL-terminated), busy ones left out. */
    char **(*list)(MarinaStoragePool *pool);
    /* Whether @name is a volume of the pool (what Delete, Resize, GetInfo act on). */
    gboolean (*has)(MarinaStoragePool *pool, const char *name);
    /* Whether something named @name is in the way of a new volume. */
    gboolean (*name_taken)(MarinaStoragePool *pool, const char *name);
    /* Format and sizes of volume @name; FALSE when it is not one. */
    gboolean (*stat)(MarinaStoragePool *pool, const char *name, MarinaVolumeStat *out);
    /* Check and complete @config (format, path, space) for a new volume whose
     * name is valid and free; *@job_total: the bytes the job will report. */
    gboolean (*prepare)(MarinaStoragePool *pool, MarinaVolumeConfig *config, guint64 *job_total,
                        GError **error);
    /* Write the volume @config describes (prepared), reporting to @job. */
    void (*create)(MarinaStoragePool *pool, const MarinaVolumeConfig *config, MarinaJob *job,
                   MarinaStorageDone done, gpointer data);
    void (*info)(MarinaStoragePool *pool, const char *name, MarinaVolumeInfoDone done,
                 gpointer data);
    void (*remove)(MarinaStoragePool *pool, const char *name, MarinaStorageDone done,
                   gpointer data);
    /* Grow @name to @capacity bytes (never smaller: the pool checked). */
    void (*resize)(MarinaStoragePool *pool, const char *name, guint64 capacity,
                   MarinaStorageDone done, gpointer data);
    /* Copy @source (@capacity bytes) to the new volume @name, reporting to @job. */
    void (*clone)(MarinaStoragePool *pool, const char *source, const char *name, guint64 capacity,
                  MarinaJob *job, MarinaStorageDone done, gpointer data);
} MarinaVolumeBackend;

/*
 * The type-specific part of a pool, one file each: dir, fs, netfs (a dir on a
 * mounted file system), logical (an LVM volume group).
 */
typedef struct {
    const char *type;
    /* Make the pool usable (dir: create the directory; fs, netfs: mount;
     * logical: find or build the volume group and activate it). */
    void (*start)(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);
    void (*stop)(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);
    /* Capacity, allocation, available in bytes, from what is known now. */
    gboolean (*refresh)(MarinaStoragePool *pool, guint64 *capacity, guint64 *allocation,
                        guint64 *available, GError **error);
    /* Re-read sizes and volumes before @done (logical: vgs and lvs, which take
     * a while); NULL when refresh and the volumes read the pool directly. */
    void (*update)(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);
    const MarinaVolumeBackend *volumes;
} MarinaStorageBackend;

/* Image files in the pool's directory (dir, fs, netfs). */
extern const MarinaVolumeBackend marina_dir_volumes;

extern const MarinaStorageBackend marina_storage_backend_dir;
extern const MarinaStorageBackend marina_storage_backend_fs;
extern const MarinaStorageBackend marina_storage_backend_netfs;
extern const MarinaStorageBackend marina_storage_backend_logical;

/* The backend for a pool type ("dir", ...), or NULL when there is none. */
const MarinaStorageBackend *marina_storage_backend_for_type(const char *type);

/*
 * The dir backend's parts that fs and netfs share: a dir pool whose directory
 * is a mount point.
 */
/* Create the pool's target directory. */
gboolean marina_dir_backend_make_target(MarinaStoragePool *pool, GError **error);
/* The sizes of the file system holding the directory. */
gboolean marina_dir_backend_refresh(MarinaStoragePool *pool, guint64 *capacity, guint64 *allocation,
                                    guint64 *available, GError **error);
/* Remove what jobs of a dead daemon left half written. */
void marina_dir_backend_sweep(MarinaStoragePool *pool);

G_END_DECLS
