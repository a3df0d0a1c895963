#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "core/error.h"
#include "qemu-vm-migrate.h"
#include "qemu-vm-private.h"

/*
 * The destination's QMP side (MIGRATION.md steps 2 and 4): QEMU was started
 * with -incoming defer and waits paused (reason migration); the capabilities
 * must match the source's before the stream comes; stream 0 goes to QEMU
 * with getfd + migrate-incoming; Finish waits for the whole guest, then
 * lets it run. Copy mode adds an NBD server exporting the disks.
 */

#define INCOMING_FD_NAME "marina-incoming"
#define WAIT_POLL_MS 50

static void
step_return_error(GTask *task, GError *error)
{
    g_task_return_error(task, error);
    g_object_unref(task);
}

static void
step_return_ok(GTask *task, JsonNode *reply)
{
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

void
marina_qemu_vm_migrate_in_setup_async(MarinaVm *vm, gboolean postcopy, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
    GTask *task = g_task_new(vm, NULL, callback, user_data);

    /* auto-converge is the source's business; postcopy-ram must be on both. */
    marina_qemu_vm_qmp_step(task, "migrate-set-capabilities",
                            marina_qemu_migrate_capabilities(FALSE, postcopy), -1, step_return_ok,
                            step_return_error);
}

gboolean
marina_qemu_vm_migrate_in_setup_finish(MarinaVm *vm, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

static void
on_incoming_fd_passed(GTask *task, JsonNode *reply)
{
    marina_qemu_vm_qmp_step(task, "migrate-incoming",
                            marina_qemu_json_args("uri", "fd:" INCOMING_FD_NAME, NULL), -1,
                            step_return_ok, step_return_error);
}

/* Post-copy began: the guest runs here now, the source has stopped it. */
static void
on_incoming_event(MarinaQmpClient *qmp, const char *name, JsonObject *data, gint64 ts,
                  gpointer user)
{
    MarinaQemuVm *self = user;
    const char *status = data ? json_object_get_string_member_with_default(data, "status", "") : "";

    /* Only while it arrives: an outgoing migration of this guest later
     * sends the same events from this QEMU. */
    if (!g_str_equal(name, "MIGRATION") || !g_str_equal(status, "postcopy-active") ||
        !self->migrating || self->migrate_out != NULL || STATE(self) == MARINA_DOMAIN_RUNNING)
        return;
    g_info("Guest '%s' runs here while the rest of its memory arrives (post-copy)", vm_name(self));
    marina_qemu_vm_qmp_fire(self, "cont");
    marina_vm_set_state(VM(self), MARINA_DOMAIN_RUNNING, MARINA_RUNNING_MIGRATED, "resumed",
                        "post-copy");
}

void
marina_qemu_vm_migrate_in_accept_async(MarinaVm *vm, int fd, gboolean run,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(vm, NULL, callback, user_data);
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    if (run && self->qmp != NULL)
        g_signal_connect_object(self->qmp, "event", G_CALLBACK(on_incoming_event), self, 0);

    marina_qemu_vm_qmp_step(task, "getfd", marina_qemu_json_args("fdname", INCOMING_FD_NAME, NULL),
                            fd, on_incoming_fd_passed, step_return_error);
    close(fd);
}

gboolean
marina_qemu_vm_migrate_in_accept_finish(MarinaVm *vm, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---------------------------------------------------------------------- */
/* Finish                                                                  */

static void
on_arrived_running(GTask *task, JsonNode *reply)
{
    MarinaQemuVm *self = g_task_get_source_object(task);

    self->migrating = FALSE;
    marina_vm_set_state(VM(self), MARINA_DOMAIN_RUNNING, MARINA_RUNNING_MIGRATED, "resumed",
                        "migrated");
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void wait_arrival(GTask *task);

static void
on_incoming_status(GTask *task, JsonNode *reply)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    gboolean run = GPOINTER_TO_INT(g_task_get_task_data(task));
    const char *status =
        json_object_get_string_member_with_default(json_node_get_object(reply), "status", "");

    if (g_str_equal(status, "inmigrate")) {
        g_timeout_add_once(WAIT_POLL_MS, (GSourceOnceFunc)wait_arrival, task);
        return;
    }
    if (run && STATE(self) == MARINA_DOMAIN_RUNNING) {
        /* Running since post-copy began. */
        self->migrating = FALSE;
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    if (run) {
        marina_qemu_vm_qmp_step(task, "cont", NULL, -1, on_arrived_running, step_return_error);
        return;
    }
    self->migrating = FALSE;
    marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER, "suspended",
                        "migrated");
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
on_wait_failed(GTask *task, GError *error)
{
    GError *e = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("The guest did not arrive: its QEMU on this host stopped (%s)"),
                            error->message);
    g_error_free(error);
    step_return_error(task, e);
}

static void
wait_arrival(GTask *task)
{
    marina_qemu_vm_qmp_step(task, "query-status", NULL, -1, on_incoming_status, on_wait_failed);
}

void
marina_qemu_vm_migrate_in_finish_async(MarinaVm *vm, gboolean run, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
    GTask *task = g_task_new(vm, NULL, callback, user_data);

    g_task_set_task_data(task, GINT_TO_POINTER(run), NULL);
    wait_arrival(task);
}

gboolean
marina_qemu_vm_migrate_in_finish_finish(MarinaVm *vm, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---------------------------------------------------------------------- */
/* NBD server (copy mode)                                                  */

typedef struct {
    char **targets;
    guint next;
} NbdStart;

static void
nbd_start_free(NbdStart *n)
{
    g_strfreev(n->targets);
    g_free(n);
}

static void
export_next(GTask *task, JsonNode *reply)
{
    NbdStart *n = g_task_get_task_data(task);
    g_autofree char *node = NULL;
    JsonObject *args;

    if (n->targets[n->next] == NULL) {
        step_return_ok(task, NULL);
        return;
    }
    node = g_strdup_printf("drive-%s", n->targets[n->next++]);
    args = marina_qemu_json_args("type", "nbd", "id", node, "node-name", node, "name", node, NULL);
    json_object_set_boolean_member(args, "writable", TRUE);
    marina_qemu_vm_qmp_step(task, "block-export-add", args, -1, export_next, step_return_error);
}

void
marina_qemu_vm_nbd_start_async(MarinaVm *vm, const char *path, char **targets,
                               GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(vm, NULL, callback, user_data);
    NbdStart *n = g_new0(NbdStart, 1);
    JsonObject *args = json_object_new();
    /* nbd-server-start still takes the legacy address form (QEMU 7.2). */
    JsonObject *addr = marina_qemu_json_args("type", "unix", NULL);

    json_object_set_object_member(addr, "data", marina_qemu_json_args("path", path, NULL));

    n->targets = g_strdupv(targets);
    g_task_set_task_data(task, n, (GDestroyNotify)nbd_start_free);
    json_object_set_object_member(args, "addr", addr);
    marina_qemu_vm_qmp_step(task, "nbd-server-start", args, -1, export_next, step_return_error);
}

gboolean
marina_qemu_vm_nbd_start_finish(MarinaVm *vm, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

void
marina_qemu_vm_nbd_stop(MarinaVm *vm)
{
    /* The exports go with the server. */
    marina_qemu_vm_qmp_fire(MARINA_QEMU_VM(vm), "nbd-server-stop");
}
