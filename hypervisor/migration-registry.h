#pragma once

#include <gio/gio.h>

#include "vm.h"

G_BEGIN_DECLS

/*
 * The migrations this host takes part in, found by token (MigratePrepare
 * made it on the destination; the source uses the same) or by guest. Each
 * is bound to the D-Bus connection of the client that drives it: when that
 * connection closes, @owner_closed says so (MIGRATION.md, "Binding").
 */
typedef struct _MarinaMigration MarinaMigration;
typedef void (*MarinaMigrationFunc)(MarinaMigration *migration);

struct _MarinaMigration {
    char *token;
    gboolean incoming; /* this host is the destination */
    MarinaVm *vm;      /* the guest (a reference) */
    GDBusConnection *owner;
    gulong closed_id;
    MarinaMigrationFunc owner_closed;
    gpointer data; /* the side's own record (migration-in.c, migration-out.c) */
    GDestroyNotify data_free;
};

typedef struct _MarinaMigrationRegistry MarinaMigrationRegistry;

MarinaMigrationRegistry *marina_migration_registry_new(void);
void marina_migration_registry_free(MarinaMigrationRegistry *self);

/* A new migration of @vm bound to @owner; @data (freed with @data_free when
 * the migration is removed) is the side's record. */
MarinaMigration *marina_migration_registry_add(MarinaMigrationRegistry *self, gboolean incoming,
                                               const char *token, MarinaVm *vm,
                                               GDBusConnection *owner,
                                               MarinaMigrationFunc owner_closed, gpointer data,
                                               GDestroyNotify data_free);
MarinaMigration *marina_migration_registry_lookup(MarinaMigrationRegistry *self, gboolean incoming,
                                                  const char *token);
/* The migration @vm takes part in, or NULL. */
MarinaMigration *marina_migration_registry_lookup_vm(MarinaMigrationRegistry *self, MarinaVm *vm);
/* Forget @migration (and free it). */
void marina_migration_registry_remove(MarinaMigrationRegistry *self, MarinaMigration *migration);
/* No client drives @migration any more (its owner's closing is ignored). */
void marina_migration_unbind(MarinaMigration *migration);

G_END_DECLS
