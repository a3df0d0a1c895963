#pragma once

#include <gio/gio.h>

#include "daemon-config.h"
#include "marina-dbus.h"
#include "storage-host.h"

G_BEGIN_DECLS

/*
 * The daemon's storage as clients see it: the Host's pool methods
 * (ListPools, LookupPool, DefinePool) and the pool and volume objects, served
 * on every client connection through subtrees. The pools themselves live in
 * a MarinaStorageRegistry (storage-registry.c).
 */
typedef struct _MarinaStorage MarinaStorage;

/* @callbacks (copied) is what the daemon provides: access checks, jobs,
 * the guests' disks. Pool and volume events go out on @host. */
MarinaStorage *marina_storage_new(const MarinaDaemonConfig *config, MarinaDBusHost *host,
                                  const MarinaStorageHost *callbacks);
void marina_storage_free(MarinaStorage *storage);
/* Load pools, create the default pool, start autostart pools. */
void marina_storage_load(MarinaStorage *storage);
gboolean marina_storage_add_peer(MarinaStorage *storage, GDBusConnection *connection,
                                 GError **error);
void marina_storage_remove_peer(MarinaStorage *storage, GDBusConnection *connection);

/* For a copy-mode migration: the directory pool @name keeps its volume
 * files in, its free bytes and whether it is active. FALSE when there is no
 * such pool or its volumes are not files in a directory (logical pools). */
gboolean marina_storage_find_pool(MarinaStorage *storage, const char *name, char **dir,
                                  guint64 *available, gboolean *active);
/* The directory pool whose directory holds the file @path (its name), or NULL. */
char *marina_storage_pool_of_path(MarinaStorage *storage, const char *path);

G_END_DECLS
