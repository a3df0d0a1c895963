#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <glib/gi18n.h>

#include "core/error.h"
#include "qemu-vm-migrate.h"
#include "qemu-vm-private.h"

/*
 * What a migration asks of a QEMU guest besides sending and receiving
 * (qemu-vm-migrate-out.c, qemu-vm-migrate-in.c): the source's end after
 * Confirm, stopping an incoming guest that is rolled back, its QEMU's
 * version, and a migration's figures as GetJobInfo reports them.
 */

static void
on_confirm_stopped(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;

    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

void
marina_qemu_vm_migrate_confirm_async(MarinaVm *vm, gboolean ok, gboolean was_running,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    GTask *task = g_task_new(vm, NULL, callback, user_data);

    if (self->pid <= 0) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    if (ok) {
        /* The guest lives on the destination now: this QEMU only holds a
         * stale copy. */
        GTask *wait = g_task_new(self, NULL, on_confirm_stopped, task);
        self->migrated = TRUE;
        marina_vm_add_stop_waiter(vm, wait);
        g_object_unref(wait);
        marina_qemu_vm_qmp_fire(self, "quit");
        marina_qemu_vm_terminate(self);
        return;
    }
    if (self->qmp != NULL && was_running) {
        marina_qemu_vm_qmp_fire(self, "cont");
        marina_vm_set_state(vm, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_MIGRATION_CANCELED, "resumed",
                            "migration canceled");
    } else if (STATE(self) == MARINA_DOMAIN_PAUSED) {
        marina_vm_set_state(vm, MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER, NULL, NULL);
    }
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

gboolean
marina_qemu_vm_migrate_confirm_finish(MarinaVm *vm, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

const char *
marina_qemu_vm_get_emulator_version(MarinaVm *vm)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    const char *version = self->qmp ? marina_qmp_client_get_version(self->qmp) : NULL;

    return version ? version : "";
}

void
marina_qemu_vm_kill(MarinaVm *vm)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    if (self->pid <= 0)
        return;
    self->start_failed = TRUE;
    marina_qemu_vm_terminate(self);
}

GVariant *
marina_migration_stats_to_variant(const MarinaMigrationStats *s)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    if (s == NULL) {
        g_variant_dict_insert(&d, "type", "s", "none");
        return g_variant_dict_end(&d);
    }
    g_variant_dict_insert(&d, "type", "s", "migration");
    g_variant_dict_insert(&d, "phase", "s", s->phase ? s->phase : "setup");
    g_variant_dict_insert(&d, "elapsed-ms", "t",
                          s->total_ms ? s->total_ms
                                      : (guint64)MAX(0, (g_get_real_time() - s->start_us) / 1000));
    g_variant_dict_insert(&d, "data-total", "t", s->data_total);
    g_variant_dict_insert(&d, "data-processed", "t", s->data_processed);
    g_variant_dict_insert(&d, "data-remaining", "t", s->data_remaining);
    g_variant_dict_insert(&d, "memory-total", "t", s->memory_total);
    g_variant_dict_insert(&d, "memory-processed", "t", s->memory_processed);
    g_variant_dict_insert(&d, "memory-remaining", "t", s->memory_remaining);
    g_variant_dict_insert(&d, "memory-bps", "t", s->memory_bps);
    g_variant_dict_insert(&d, "dirty-rate", "t", s->dirty_rate);
    g_variant_dict_insert(&d, "iterations", "t", s->iterations);
    g_variant_dict_insert(&d, "expected-downtime-ms", "t", s->expected_downtime_ms);
    if (g_strcmp0(s->phase, "completed") == 0)
        g_variant_dict_insert(&d, "downtime-ms", "t", s->downtime_ms);
    g_variant_dict_insert(&d, "setup-ms", "t", s->setup_ms);
    g_variant_dict_insert(&d, "disk-total", "t", s->disk_total);
    g_variant_dict_insert(&d, "disk-processed", "t", s->disk_processed);
    g_variant_dict_insert(&d, "bandwidth", "t", s->bandwidth);
    g_variant_dict_insert(&d, "max-downtime-ms", "t", s->max_downtime_ms);
    return g_variant_dict_end(&d);
}
