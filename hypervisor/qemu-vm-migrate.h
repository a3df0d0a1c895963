#pragma once

#include "vm.h"

G_BEGIN_DECLS

/*
 * Live migration of a QEMU guest, the QMP side (MIGRATION.md): the source
 * sends its memory (and mirrors its copied disks) through streams the
 * migration layer opened; the destination's QEMU, started with -incoming
 * defer (marina_vm_start_async with MARINA_VM_START_INCOMING), receives.
 * The caller checks MARINA_IS_QEMU_VM first.
 */

/* The running QEMU's version ("7.2.22"), "" when not running. */
const char *marina_qemu_vm_get_emulator_version(MarinaVm *vm);

/* A migration's figures (GetJobInfo): bytes, bytes per second, ms. */
typedef struct {
    const char *phase; /* setup, storage, memory, postcopy, completed, failed, cancelled */
    gint64 start_us;
    guint64 data_total, data_processed, data_remaining;
    guint64 memory_total, memory_processed, memory_remaining, memory_bps, dirty_rate;
    guint64 iterations, expected_downtime_ms, downtime_ms, setup_ms, total_ms;
    guint64 disk_total, disk_processed;
    guint64 bandwidth, max_downtime_ms;
} MarinaMigrationStats;

/* GetJobInfo's a{sv} (floating); NULL @stats: no job. */
GVariant *marina_migration_stats_to_variant(const MarinaMigrationStats *stats);

typedef struct {
    gboolean live;
    gboolean auto_converge;
    gboolean postcopy;           /* switch after the first pass */
    guint64 max_downtime_ms;     /* 0: QEMU's default */
    guint64 bandwidth;           /* bytes/s, 0: unlimited */
    int memory_fd;               /* stream 0, taken */
    guint n_disks;               /* copy mode */
    int *disk_fds;               /* stream 1.., taken */
    char **disk_targets;         /* their target devices (vda ...) */
    MarinaMigrationStats *stats; /* updated as it goes (the caller's) */
} MarinaQemuMigrateOut;

/* Source: send the guest. Completes once QEMU says "completed" (the guest
 * stays paused, reason migration) or fails after undoing what it started
 * (the guest runs again if it ran). Cancelling @cancellable cancels. */
void marina_qemu_vm_migrate_out_async(MarinaVm *vm, MarinaQemuMigrateOut *options,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean marina_qemu_vm_migrate_out_finish(MarinaVm *vm, GAsyncResult *result, GError **error);

/* While a migration runs (or for the next): QEMU's parameters now. */
void marina_qemu_vm_migrate_set_downtime(MarinaVm *vm, guint64 ms);
void marina_qemu_vm_migrate_set_speed(MarinaVm *vm, guint64 bytes_per_second);
/* Switch the running outgoing migration to post-copy; FALSE when none runs
 * or it was not started with post-copy allowed. */
gboolean marina_qemu_vm_migrate_start_postcopy(MarinaVm *vm, GError **error);
/* Whether the guest's outgoing migration reached post-copy (the source no
 * longer holds the whole guest: it cannot simply resume). */
gboolean marina_qemu_vm_migrate_in_postcopy(MarinaVm *vm);

/* Source, after a completed Perform: ok, stop QEMU (shut off, reason
 * migrated) and complete once it has gone; not ok, let the guest run again
 * if it ran before. */
void marina_qemu_vm_migrate_confirm_async(MarinaVm *vm, gboolean ok, gboolean was_running,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_qemu_vm_migrate_confirm_finish(MarinaVm *vm, GAsyncResult *result, GError **error);

/* Destination: after the incoming start, the capabilities the source uses. */
void marina_qemu_vm_migrate_in_setup_async(MarinaVm *vm, gboolean postcopy,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_qemu_vm_migrate_in_setup_finish(MarinaVm *vm, GAsyncResult *result, GError **error);
/* Destination: stream 0 arrived (@fd taken): QEMU reads it. With @run, a
 * switch to post-copy lets the guest run here at once (its pages follow on
 * demand), as the source stops it. */
void marina_qemu_vm_migrate_in_accept_async(MarinaVm *vm, int fd, gboolean run,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_qemu_vm_migrate_in_accept_finish(MarinaVm *vm, GAsyncResult *result,
                                                 GError **error);
/* Destination: wait until the whole guest has arrived, then run it (@run)
 * or leave it paused; state running/paused with reason migrated. */
void marina_qemu_vm_migrate_in_finish_async(MarinaVm *vm, gboolean run,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_qemu_vm_migrate_in_finish_finish(MarinaVm *vm, GAsyncResult *result,
                                                 GError **error);

/* Destination, copy mode: an NBD server on the unix socket @path exporting
 * each of @targets' disk node writable as "drive-<target>". */
void marina_qemu_vm_nbd_start_async(MarinaVm *vm, const char *path, char **targets,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_qemu_vm_nbd_start_finish(MarinaVm *vm, GAsyncResult *result, GError **error);
void marina_qemu_vm_nbd_stop(MarinaVm *vm);

/* Stop the guest's QEMU now (a rolled back incoming guest): it goes with
 * reason failed; a transient guest leaves the registry. */
void marina_qemu_vm_kill(MarinaVm *vm);

G_END_DECLS
