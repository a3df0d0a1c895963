#pragma once

#include <gio/gio.h>

#include "domain.h"
#include "host.h"
#include "records.h"

G_BEGIN_DECLS

/*
 * Moving a guest from one marinad to another, driven by this client (see
 * README "Migration" and data/dbus/org.marinavm.Marina1.xml): MigrateBegin
 * on the source, MigratePrepare on the destination, MigratePerform on the
 * source (a job), MigrateFinish on the destination, MigrateConfirm on the
 * source. On any failure, or when cancelled, both sides are rolled back:
 * the guest goes on running on the source and the destination keeps
 * nothing.
 *
 *   MarinaMigrationOptions options = MARINA_MIGRATION_OPTIONS_INIT;
 *   options.flags |= MARINA_MIGRATION_COPY_STORAGE;
 *   g_autoptr(MarinaMigration) migration =
 *       marina_migration_new(domain, destination_host, &options);
 *   g_signal_connect(migration, "progress", G_CALLBACK(on_progress), self);
 *   marina_migration_run_async(migration, cancellable, on_migrated, self);
 *   static void on_migrated(GObject *source, GAsyncResult *result, gpointer data) {
 *       g_autoptr(GError) error = NULL;
 *       g_autoptr(MarinaDomain) moved =   // on the destination's connection
 *           marina_migration_run_finish(MARINA_MIGRATION(source), result, &error);
 *       if (moved == NULL)   // G_IO_ERROR_CANCELLED when cancelled
 *           show(marina_error_message(error));
 *   }
 *
 * Both connections stay open while it runs: each daemon ties the migration
 * to the connection that started it and rolls back if that closes.
 *
 * Direct mode: the source daemon connects to the destination daemon's
 * listener; its address is the one the destination gave, else the host of
 * the destination's marina+ssh:// URI, else 127.0.0.1 (local URIs).
 * Tunnelled mode: the streams go through this client (the two management
 * connections); nothing else needs to reach the destination.
 *
 * Signals:
 *   "progress" (const MarinaJobInfo *info): the source's job figures,
 *     about four times a second while the guest moves (info is owned by
 *     the migration and valid during the emission; copy it to keep it).
 *   "stage-changed" (MarinaMigrationStage stage): a step began.
 */

typedef enum {
    MARINA_MIGRATION_NONE = 0,
    MARINA_MIGRATION_OFFLINE = 1 << 0,         /* pause the guest while it moves (not live) */
    MARINA_MIGRATION_TUNNELLED = 1 << 1,       /* streams through this client */
    MARINA_MIGRATION_COPY_STORAGE = 1 << 2,    /* mirror the disks into destination volumes */
    MARINA_MIGRATION_PERSISTENT = 1 << 3,      /* define the guest on the destination */
    MARINA_MIGRATION_UNDEFINE_SOURCE = 1 << 4, /* remove the definition from the source */
    MARINA_MIGRATION_AUTO_CONVERGE = 1 << 5,   /* slow the vCPUs down if it does not converge */
    MARINA_MIGRATION_POSTCOPY = 1 << 6,        /* switch to post-copy after the first pass */
} MarinaMigrationFlags;

typedef struct {
    MarinaMigrationFlags flags;
    guint64 max_downtime_ms; /* 0: QEMU's default (300 ms) */
    guint64 bandwidth;       /* bytes per second; 0: unlimited */
} MarinaMigrationOptions;

#define MARINA_MIGRATION_OPTIONS_INIT                                                              \
    {                                                                                              \
        MARINA_MIGRATION_NONE, 0, 0                                                                \
    }

#define MARINA_TYPE_MIGRATION_OPTIONS (marina_migration_options_get_type())
GType marina_migration_options_get_type(void);
MarinaMigrationOptions *marina_migration_options_copy(const MarinaMigrationOptions *options);
void marina_migration_options_free(MarinaMigrationOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaMigrationOptions, marina_migration_options_free)

/* Where a migration is (the "stage-changed" signal). */
typedef enum {
    MARINA_MIGRATION_STAGE_IDLE,         /* not started */
    MARINA_MIGRATION_STAGE_BEGIN,        /* the source checks the guest */
    MARINA_MIGRATION_STAGE_PREPARE,      /* the destination checks and gets ready */
    MARINA_MIGRATION_STAGE_PERFORM,      /* the guest moves (the "progress" signal) */
    MARINA_MIGRATION_STAGE_FINISH,       /* the destination takes the guest over */
    MARINA_MIGRATION_STAGE_CONFIRM,      /* the source lets it go */
    MARINA_MIGRATION_STAGE_ROLLING_BACK, /* failed or cancelled: undoing both sides */
    MARINA_MIGRATION_STAGE_DONE,         /* run completed (successfully or not) */
} MarinaMigrationStage;

#define MARINA_TYPE_MIGRATION (marina_migration_get_type())
G_DECLARE_FINAL_TYPE(MarinaMigration, marina_migration, MARINA, MIGRATION, GObject)

/* @domain on the source connection; @destination the host it moves to
 * (its connection's URI gives the direct-mode address fallback).
 * @options is copied; NULL means MARINA_MIGRATION_OPTIONS_INIT (live,
 * direct, shared storage, transient on the destination). */
MarinaMigration *marina_migration_new(MarinaDomain *domain, MarinaHost *destination,
                                      const MarinaMigrationOptions *options);

MarinaDomain *marina_migration_get_domain(MarinaMigration *self);
MarinaHost *marina_migration_get_destination(MarinaMigration *self);
const MarinaMigrationOptions *marina_migration_get_options(MarinaMigration *self);
MarinaMigrationStage marina_migration_get_stage(MarinaMigration *self);
/* The figures last seen (NULL before the first). */
const MarinaJobInfo *marina_migration_get_job_info(MarinaMigration *self);

/* Runs the migration once (a second run fails with
 * MARINA_ERROR_INVALID_ARGUMENT). Completes with the guest on the
 * destination (a MarinaDomain on the destination's connection, properties
 * not loaded), or with the first error: a pre-check refusal as the daemon
 * worded it, the job's failure, a connection that closed;
 * G_IO_ERROR_CANCELLED ("Migration cancelled") after @cancellable was
 * cancelled. In every failure both sides were rolled back before it
 * completes. Cancelling after the destination took the guest over
 * (stage FINISH or later) has no effect: the move is complete. */
void marina_migration_run_async(MarinaMigration *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
MarinaDomain *marina_migration_run_finish(MarinaMigration *self, GAsyncResult *result,
                                          GError **error);

/* The address the source connects to in direct mode when the destination
 * gave none ("" in its reply): the host of a marina+ssh:// URI, else
 * 127.0.0.1. Exposed for tests. */
char *marina_migration_fallback_address(const MarinaUri *destination_uri);

G_END_DECLS
