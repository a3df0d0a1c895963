#pragma once

#include "job-registry.h"
#include "marina-dbus.h"
#include "migration-check.h"
#include "migration-registry.h"
#include "vm.h"

G_BEGIN_DECLS

/*
 * The migration methods (MIGRATION.md): on the Host object MigratePrepare,
 * MigrateFinish and OpenMigrationStream; on every Domain MigrateBegin,
 * MigratePerform, MigrateConfirm, GetJobInfo, AbortJob,
 * MigrateSetMaxDowntime, MigrateSetSpeed and MigrateStartPostcopy. daemon.c
 * fills this in (what the migrations may use) and keeps it while it serves.
 */
typedef struct {
    const MarinaDaemonConfig *config;
    const MarinaVmContext *context; /* guests made for incoming migrations */
    GType vm_type;
    MarinaDBusHost *host; /* DomainAdded */
    MarinaJobRegistry *jobs;
    MarinaMigrationRegistry *migrations;
    MarinaMigrationFindPool find_pool; /* copy mode: where volumes go (may be NULL) */
    /* The pool holding a disk file here, for MigrateBegin's info (may be NULL). */
    char *(*pool_of_path)(const char *path, gpointer user_data);
    gpointer find_pool_data; /* for both */
} MarinaMigrationMethods;

/* At start-up: remove the volumes of incoming migrations the daemon was
 * making when it stopped (their guests are removed as they re-attach). */
void marina_migration_in_cleanup(const MarinaDaemonConfig *config);

/* Answer the Host methods on @self->host. */
void marina_migration_methods_connect(MarinaMigrationMethods *self);

/* The Domain methods (MarinaVmContext's migration_method): @method is one
 * of those above, @user_data the MarinaMigrationMethods. */
void marina_migration_domain_method(MarinaVm *vm, const char *method, GVariant *params,
                                    GDBusMethodInvocation *invocation, gpointer user_data);

G_END_DECLS
