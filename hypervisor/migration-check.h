#pragma once

#include <gio/gio.h>

#include "core/domain-config.h"
#include "daemon-config.h"
#include "migration-params.h"
#include "network-registry.h"
#include "vm-registry.h"

G_BEGIN_DECLS

/*
 * The destination's checks before anything is created (MIGRATION.md step
 * 2). Each refusal names the guest, this host, the problem and what to do.
 */

/* In copy mode, where a disk's new volume would go: the pool @name, or
 * NULL (its directory, free bytes and active flag filled in). */
typedef gboolean (*MarinaMigrationFindPool)(const char *name, char **dir, guint64 *available,
                                            gboolean *active, gpointer user_data);

typedef struct {
    const MarinaDaemonConfig *config;
    MarinaVmRegistry *guests;
    const MarinaDomainConfig *def;
    const MarinaMigrationParams *params;
    GArray *disks; /* MarinaMigrationDisk, from info */
    const char *host_name;
    MarinaMigrationFindPool find_pool;
    gpointer find_pool_data;
    /* The destination's virtual networks (NULL: it has none). */
    MarinaNetworkRegistry *networks;
} MarinaMigrationCheck;

/* What can be checked at once: name and UUID, memory, disks, networks and
 * bridges. Error.AlreadyExists or Error.InvalidConfig. */
gboolean marina_migration_check_destination(const MarinaMigrationCheck *check, GError **error);

/* The pool a copied disk's volume goes to here (its own pool's name if this
 * host has it, else "default"), or NULL with @error. */
char *marina_migration_check_pick_pool(const MarinaMigrationCheck *check,
                                       const MarinaMigrationDisk *disk, char **dir, GError **error);

/* The machine type and CPU model against what this host's QEMU offers
 * (`-machine help`, `-cpu help`, asked once per emulator and kept). */
void marina_migration_check_emulator_async(const char *emulator, const MarinaDomainConfig *def,
                                           const char *host_name, GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean marina_migration_check_emulator_finish(GAsyncResult *result, GError **error);

G_END_DECLS
