#pragma once

#include "storage-pool.h"

G_BEGIN_DECLS

/*
 * What fs and netfs pools share: a dir pool whose directory is a mount point.
 * The volumes are image files there (marina_dir_volumes).
 */

/* Mount @source (a device, or host:/dir) of file system @type on the pool's
 * directory, unless something is mounted there already. */
void marina_storage_mount(MarinaStoragePool *pool, const char *source, const char *type,
                          MarinaStorageDone done, gpointer data);
/* Unmount the pool's directory, if something is mounted there. */
void marina_storage_unmount(MarinaStoragePool *pool, MarinaStorageDone done, gpointer data);

/* Whether @dir is a mount point, from /proc/self/mountinfo. */
gboolean marina_storage_is_mounted(const char *dir);

/* The reason in mount(8)'s output: its first line that does not point at
 * dmesg, which a client cannot read. */
char *marina_storage_mount_reason(const char *output);

G_END_DECLS
