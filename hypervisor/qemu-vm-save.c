#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "core/error.h"
#include "qemu-vm-private.h"
#include "save-image.h"
#include "state-store.h"

/*
 * Save and restore: the guest's state goes through QEMU's migration stream
 * into a save image (save-image.h header, then the stream), and a restore
 * starts QEMU with -incoming on that image (the start sequence is in
 * qemu-vm-start.c). A managed save is a save image in the state directory.
 */

/* ---------------------------------------------------------------------- */
/* Save                                                                    */

typedef struct {
    char *file;
    char *tmp;
    int fd;
    gboolean was_running;
    gboolean managed;
} SaveData;

static void
save_data_free(SaveData *s)
{
    if (s->fd >= 0)
        close(s->fd);
    if (s->tmp != NULL)
        g_unlink(s->tmp);
    g_free(s->file);
    g_free(s->tmp);
    g_free(s);
}

static void
save_failed(GTask *task, GError *error)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    SaveData *s = g_task_get_task_data(task);

    if (self->qmp != NULL) {
        if (s->was_running)
            marina_qemu_vm_qmp_fire(self, "cont");
        else
            marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER, NULL, NULL);
    }
    g_prefix_error(&error, _("Saving guest '%s' failed: "), vm_name(self));
    g_task_return_error(task, error);
    g_object_unref(task);
}

static void
on_save_exit(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
save_completed(GTask *task)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    SaveData *s = g_task_get_task_data(task);
    GTask *wait;

    if (fsync(s->fd) != 0 || rename(s->tmp, s->file) != 0) {
        int saved = errno;
        save_failed(task, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                      _("cannot write %s: %s"), s->file, g_strerror(saved)));
        return;
    }
    g_clear_pointer(&s->tmp, g_free);
    self->saved = TRUE;
    /* The save is complete once QEMU has gone and the state says "saved". */
    wait = g_task_new(self, NULL, on_save_exit, task);
    marina_vm_add_stop_waiter(VM(self), wait);
    g_object_unref(wait);
    marina_qemu_vm_qmp_fire(self, "quit");
}

static void poll_migration(GTask *task);

static void
on_migration_status(GTask *task, JsonNode *reply)
{
    JsonObject *obj = json_node_get_object(reply);
    const char *status = json_object_get_string_member_with_default(obj, "status", "");

    if (g_str_equal(status, "completed"))
        save_completed(task);
    else if (g_str_equal(status, "failed") || g_str_equal(status, "cancelled"))
        save_failed(task, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s",
                                      json_object_get_string_member_with_default(
                                          obj, "error-desc", _("QEMU could not write the state"))));
    else
        g_timeout_add_once(MIGRATION_POLL_MS, (GSourceOnceFunc)poll_migration, task);
}

static void
poll_migration(GTask *task)
{
    marina_qemu_vm_qmp_step(task, "query-migrate", NULL, -1, on_migration_status, save_failed);
}

static void
on_migrate_started(GTask *task, JsonNode *reply)
{
    poll_migration(task);
}

static void
on_save_fd_passed(GTask *task, JsonNode *reply)
{
    marina_qemu_vm_qmp_step(task, "migrate", marina_qemu_json_args("uri", "fd:marina-save", NULL),
                            -1, on_migrate_started, save_failed);
}

static void
on_save_stopped(GTask *task, JsonNode *reply)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    SaveData *s = g_task_get_task_data(task);

    marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_SAVE, NULL, NULL);
    marina_qemu_vm_qmp_step(task, "getfd", marina_qemu_json_args("fdname", "marina-save", NULL),
                            s->fd, on_save_fd_passed, save_failed);
}

void
marina_qemu_vm_save(MarinaVm *vm, const char *file, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    SaveData *s = g_new0(SaveData, 1);
    GError *error = NULL;

    s->fd = -1;
    s->managed = file == NULL;
    s->file =
        file != NULL ? g_strdup(file) : marina_state_managed_save_path(CFG(self), DEF(self)->uuid);
    g_task_set_task_data(task, s, (GDestroyNotify)save_data_free);
    /* Written beside the target and renamed at the end: a failed or
     * interrupted save never leaves a truncated image under the real name. */
    s->tmp = g_strdup_printf("%s.partial-XXXXXX", s->file);
    s->fd = g_mkstemp_full(s->tmp, O_RDWR | O_CLOEXEC, 0600);
    if (s->fd < 0) {
        int saved = errno;
        g_clear_pointer(&s->tmp, g_free);
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Cannot create the save file %s: %s"), s->file,
                                g_strerror(saved));
        g_object_unref(task);
        return;
    }
    s->was_running = STATE(self) == MARINA_DOMAIN_RUNNING;
    if (!marina_save_image_write_header(s->fd, LIVE(self), s->was_running, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    marina_qemu_vm_qmp_step(task, "stop", NULL, -1, on_save_stopped, save_failed);
}

void
marina_qemu_vm_restore(MarinaVm *vm, const char *file, guint flags, gboolean delete_after,
                       GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    StartData *d = marina_qemu_vm_start_data_new(task, flags);
    g_autoptr(MarinaDomainConfig) config = NULL;
    GError *error = NULL;

    d->restore_file =
        file != NULL ? g_strdup(file) : marina_state_managed_save_path(CFG(self), DEF(self)->uuid);
    d->delete_after = delete_after;
    d->restore_fd =
        marina_vm_open_save_image(vm, d->restore_file, &config, &d->restore_running, &error);
    if (d->restore_fd < 0) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    marina_vm_set_live(vm, g_steal_pointer(&config));
    marina_qemu_vm_launch(task);
}
