#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "qemu-vm-helpers.h"
#include "qemu-vm-private.h"
#include "serial-relay.h"
#include "state-store.h"

G_DEFINE_FINAL_TYPE(MarinaQemuVm, marina_qemu_vm, MARINA_TYPE_VM)

static void vm_process_exited(MarinaQemuVm *self);

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

JsonObject *
marina_qemu_json_args(const char *key, ...)
{
    JsonObject *obj = json_object_new();
    va_list ap;

    va_start(ap, key);
    while (key != NULL) {
        const char *value = va_arg(ap, const char *);
        json_object_set_string_member(obj, key, value);
        key = va_arg(ap, const char *);
    }
    va_end(ap);
    return obj;
}

void
marina_qemu_vm_qmp_fire(MarinaQemuVm *self, const char *command)
{
    /* Fire and forget: failures show up as state changes or process exit. */
    if (self->qmp != NULL)
        marina_qmp_client_execute_async(self->qmp, command, NULL, -1, NULL, NULL, NULL);
}

typedef struct {
    GTask *task;
    StepNext next;
    StepFail fail;
} Step;

static void
on_step_done(GObject *source, GAsyncResult *result, gpointer data)
{
    Step *step = data;
    GError *error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);

    if (reply == NULL)
        step->fail(step->task, error);
    else
        step->next(step->task, reply);
    g_free(step);
}

void
marina_qemu_vm_qmp_step(GTask *task, const char *command, JsonObject *arguments, int fd,
                        StepNext next, StepFail fail)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    Step *step = g_new0(Step, 1);

    step->task = task;
    step->next = next;
    step->fail = fail;
    if (self->qmp == NULL) {
        g_free(step);
        if (arguments != NULL)
            json_object_unref(arguments);
        fail(task, g_error_new(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                               _("The guest's QEMU process has gone away")));
        return;
    }
    marina_qmp_client_execute_async(self->qmp, command, arguments, fd, NULL, on_step_done, step);
}

/* The last lines QEMU wrote to its log since @offset: what a person needs
 * when a start fails ("Could not open '/x': No such file or directory"). */
char *
marina_qemu_log_tail_since(const char *log_path, goffset offset)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    if (!g_file_get_contents(log_path, &text, &len, NULL) || (gsize)offset >= len)
        return NULL;
    lines = g_strsplit(text + offset, "\n", 0);
    for (guint i = 0; lines[i] != NULL; i++) {
        char *l = g_strstrip(lines[i]);
        if (*l == '\0' || g_str_has_prefix(l, "marinad:"))
            continue;
        /* "2026-11-23T12:00:00.000000Z qemu-system-x86_64: ..." -> the message */
        if (g_ascii_isdigit(l[0]) && strchr(l, ' ') != NULL && strchr(l, 'T') < strchr(l, ' '))
            l = strchr(l, ' ') + 1;
        if (out->len > 0)
            g_string_append(out, "; ");
        g_string_append(out, l);
        if (out->len > 600)
            break;
    }
    return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}

char *
marina_qemu_vm_socket_path(MarinaQemuVm *self, const char *name)
{
    return g_build_filename(self->guest_dir, name, NULL);
}

/* ---------------------------------------------------------------------- */
/* Runtime state: what a restarted daemon needs to re-attach               */

void
marina_qemu_vm_write_runtime_state(MarinaQemuVm *self)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *data = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *state_path = marina_state_runtime_path(CFG(self), LIVE(self)->uuid);
    g_autofree char *xml_path = marina_state_live_xml_path(CFG(self), LIVE(self)->uuid);
    guint reason;
    MarinaDomainState state = marina_vm_get_state(VM(self), &reason);
    gsize len;

    xml = marina_domain_config_to_xml(LIVE(self));
    if (!marina_write_file_replace(xml_path, xml, strlen(xml), 0600, &error)) {
        g_warning("%s", error->message);
        return;
    }
    g_key_file_set_int64(kf, "runtime", "pid", self->pid);
    g_key_file_set_uint64(kf, "runtime", "pid-start", self->pid_start_ticks);
    g_key_file_set_integer(kf, "runtime", "id", marina_vm_get_id(VM(self)));
    g_key_file_set_integer(kf, "runtime", "state", state);
    g_key_file_set_integer(kf, "runtime", "reason", reason);
    g_key_file_set_boolean(kf, "runtime", "persistent", marina_vm_is_persistent(VM(self)));
    g_key_file_set_boolean(kf, "runtime", "reboot-requested", self->reboot_requested);
    g_key_file_set_boolean(kf, "runtime", "installing", marina_vm_is_installing(VM(self)));
    /* Arriving by migration (not yet finished): a restarted daemon removes it. */
    g_key_file_set_boolean(kf, "runtime", "incoming-migration",
                           self->migrating && self->migrate_out == NULL);
    marina_qemu_vm_save_pci_drivers(self, kf);
    data = g_key_file_to_data(kf, &len, NULL);
    if (!marina_write_file_replace(state_path, data, len, 0600, &error))
        g_warning("%s", error->message);
}

void
marina_qemu_vm_remove_runtime_state(MarinaQemuVm *self, const char *uuid)
{
    g_autofree char *state_path = marina_state_runtime_path(CFG(self), uuid);
    g_autofree char *xml_path = marina_state_live_xml_path(CFG(self), uuid);

    g_unlink(state_path);
    g_unlink(xml_path);
}

static void
qemu_state_changed(MarinaVm *vm)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    if (LIVE(self) != NULL && self->pid > 0)
        marina_qemu_vm_write_runtime_state(self);
}

/* ---------------------------------------------------------------------- */
/* Waiting for QEMU to exit                                                 */

static gboolean
on_kill_timer(gpointer data)
{
    MarinaQemuVm *self = data;

    self->kill_timer = 0;
    if (self->pid > 0) {
        g_info("Guest '%s' ignored SIGTERM; killing it", vm_name(self));
        kill(self->pid, SIGKILL);
    }
    return G_SOURCE_REMOVE;
}

void
marina_qemu_vm_on_subprocess_exited(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(MarinaQemuVm) self = data;
    g_autoptr(GError) error = NULL;

    if (!g_subprocess_wait_finish(G_SUBPROCESS(source), result, &error) &&
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    if (self->proc == G_SUBPROCESS(source))
        vm_process_exited(self);
}

static gboolean
on_pidfd_ready(int fd, GIOCondition condition, gpointer data)
{
    MarinaQemuVm *self = data;

    self->pidfd_watch = 0;
    vm_process_exited(self);
    return G_SOURCE_REMOVE;
}

gboolean
marina_qemu_vm_watch_pid(MarinaQemuVm *self, GError **error)
{
    int fd = (int)syscall(SYS_pidfd_open, self->pid, 0);

    if (fd < 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot watch QEMU process %d: %s"), self->pid, g_strerror(saved));
        return FALSE;
    }
    self->pidfd = fd;
    self->pidfd_watch = g_unix_fd_add(fd, G_IO_IN, on_pidfd_ready, self);
    return TRUE;
}

static guint
stop_reason(MarinaQemuVm *self)
{
    if (self->saved)
        return MARINA_SHUTOFF_SAVED;
    if (self->migrated)
        return MARINA_SHUTOFF_MIGRATED;
    if (self->start_failed)
        return MARINA_SHUTOFF_FAILED;
    if (self->destroy_requested)
        return MARINA_SHUTOFF_DESTROYED;
    if (self->crashed)
        return MARINA_SHUTOFF_CRASHED;
    if (self->guest_shutdown)
        return MARINA_SHUTOFF_SHUTDOWN;
    /* QEMU went away without being asked: it crashed or was killed. */
    return MARINA_SHUTOFF_CRASHED;
}

/* Everything that belongs to one QEMU process goes with it. */
static void
release_process(MarinaQemuVm *self)
{
    g_cancellable_cancel(self->run_cancel);
    g_clear_object(&self->run_cancel);
    g_clear_handle_id(&self->pidfd_watch, g_source_remove);
    g_clear_handle_id(&self->kill_timer, g_source_remove);
    if (self->pidfd >= 0) {
        close(self->pidfd);
        self->pidfd = -1;
    }
    if (self->qmp != NULL)
        marina_qmp_client_close(self->qmp);
    g_clear_object(&self->qmp);
    g_clear_object(&self->proc);
    g_clear_pointer(&self->relays, g_ptr_array_unref);
}

static void
vm_process_exited(MarinaQemuVm *self)
{
    g_autoptr(MarinaQemuVm) keep = g_object_ref(self);
    g_autofree char *uuid = g_strdup(DEF(self)->uuid);
    guint reason = stop_reason(self);

    if (self->pid <= 0)
        return;
    g_debug("QEMU of guest '%s' (pid %d) exited", vm_name(self), self->pid);
    release_process(self);
    if (self->guest_dir != NULL)
        marina_state_remove_dir(self->guest_dir);
    g_clear_pointer(&self->guest_dir, g_free);
    marina_qemu_vm_remove_runtime_state(self, uuid);
    marina_qemu_vm_release_pci_hostdevs(self);

    self->pid = 0;
    self->destroy_requested = self->reboot_requested = FALSE;
    self->guest_shutdown = self->crashed = self->saved = FALSE;
    self->starting = self->start_failed = FALSE;
    self->migrating = self->migrated = self->incoming_left = FALSE;
    marina_vm_stopped(VM(self), reason);
}

/* Ask QEMU to go: SIGTERM, then SIGKILL after the grace period. */
void
marina_qemu_vm_terminate(MarinaQemuVm *self)
{
    if (self->pid <= 0)
        return;
    kill(self->pid, SIGTERM);
    if (self->kill_timer == 0)
        self->kill_timer = g_timeout_add(CFG(self)->destroy_grace_ms, on_kill_timer, self);
}

/* ---------------------------------------------------------------------- */
/* QMP events                                                              */

void
marina_qemu_vm_guest_poweroff(MarinaQemuVm *self, const char *qemu_reason)
{
    gboolean panic = g_strcmp0(qemu_reason, "guest-panic") == 0;
    MarinaLifecycleAction action = panic ? LIVE(self)->on_crash : LIVE(self)->on_poweroff;

    if (g_strcmp0(qemu_reason, "guest-reset") == 0)
        action = MARINA_LIFECYCLE_DESTROY; /* on_reboot=destroy: -action reboot=shutdown */

    if (marina_vm_is_installing(VM(self)) && !panic &&
        (self->reboot_requested || g_strcmp0(qemu_reason, "guest-reset") == 0)) {
        /* The install boot ends at its first reboot: this QEMU still has the
         * installer's kernel, so it goes; the base class boots the definition. */
        self->reboot_requested = FALSE;
        self->guest_shutdown = TRUE;
        marina_vm_note_install_reboot(VM(self));
        marina_qemu_vm_qmp_fire(self, "quit");
        return;
    }

    if (self->reboot_requested && !panic) {
        /* Our graceful reboot: the guest shut down, start it afresh. */
        self->reboot_requested = FALSE;
        marina_qemu_vm_qmp_fire(self, "system_reset");
        marina_qemu_vm_qmp_fire(self, "cont");
        marina_vm_emit_event(VM(self), "rebooted", "");
        return;
    }
    if (panic)
        marina_vm_emit_event(VM(self), "crashed", "panicked");

    switch (action) {
    case MARINA_LIFECYCLE_RESTART:
        marina_qemu_vm_qmp_fire(self, "system_reset");
        marina_qemu_vm_qmp_fire(self, "cont");
        marina_vm_emit_event(VM(self), "rebooted",
                             panic ? "on_crash restart" : "on_poweroff restart");
        break;
    case MARINA_LIFECYCLE_PRESERVE:
        if (panic)
            marina_vm_set_state(VM(self), MARINA_DOMAIN_CRASHED, MARINA_CRASHED_PANICKED, NULL,
                                NULL);
        else
            marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_SHUTTING_DOWN,
                                "suspended", "shutdown preserved");
        break;
    case MARINA_LIFECYCLE_DESTROY:
    default:
        if (panic)
            self->crashed = TRUE;
        else
            self->guest_shutdown = TRUE;
        marina_qemu_vm_qmp_fire(self, "quit");
        break;
    }
}

static void
on_qmp_event(MarinaQmpClient *qmp, const char *name, JsonObject *data, gint64 ts, gpointer user)
{
    MarinaQemuVm *self = user;
    gboolean guest = data && json_object_has_member(data, "guest") &&
                     json_object_get_boolean_member(data, "guest");
    const char *reason = data && json_object_has_member(data, "reason")
                             ? json_object_get_string_member(data, "reason")
                             : NULL;

    g_debug("QMP event %s from guest '%s'", name, vm_name(self));
    if (g_str_equal(name, "SHUTDOWN")) {
        if (guest)
            marina_qemu_vm_guest_poweroff(self, reason);
    } else if (self->migrating && (g_str_equal(name, "STOP") || g_str_equal(name, "RESUME"))) {
        /* The migration says what these mean (qemu-vm-migrate-*.c). */
        return;
    } else if (g_str_equal(name, "STOP")) {
        if (STATE(self) == MARINA_DOMAIN_RUNNING)
            marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER, "suspended",
                                "paused");
    } else if (g_str_equal(name, "RESUME")) {
        /* During start-up the daemon's own "cont" says "started" instead. */
        if (STATE(self) != MARINA_DOMAIN_RUNNING && !self->starting)
            marina_vm_set_state(VM(self), MARINA_DOMAIN_RUNNING, MARINA_RUNNING_UNPAUSED, "resumed",
                                "unpaused");
    } else if (g_str_equal(name, "RESET")) {
        if (guest)
            marina_vm_emit_event(VM(self), "rebooted", "");
    } else if (g_str_equal(name, "GUEST_PANICKED")) {
        const char *action = NULL;
        if (data && json_object_has_member(data, "action"))
            action = json_object_get_string_member(data, "action");
        if (g_strcmp0(action, "pause") == 0) {
            marina_vm_set_state(VM(self), MARINA_DOMAIN_CRASHED, MARINA_CRASHED_PANICKED, "crashed",
                                "panicked");
        }
    } else if (g_str_equal(name, "BALLOON_CHANGE")) {
        marina_qemu_vm_balloon_changed(self, data);
    } else if (g_str_equal(name, "BLOCK_IO_ERROR")) {
        g_warning("Guest '%s': disk I/O error", vm_name(self));
    }
}

static void
on_qmp_closed(MarinaQmpClient *qmp, const GError *reason, gpointer user)
{
    MarinaQemuVm *self = user;

    /* QEMU closes QMP as it exits; the process watch does the rest. If the
     * process lingers (hung), destroy will still kill it. */
    g_debug("QMP of guest '%s' closed%s%s", vm_name(self), reason ? ": " : "",
            reason ? reason->message : "");
}

void
marina_qemu_vm_adopt_qmp(MarinaQemuVm *self, MarinaQmpClient *qmp)
{
    self->qmp = qmp;
    g_signal_connect_object(qmp, "event", G_CALLBACK(on_qmp_event), self, 0);
    g_signal_connect_object(qmp, "closed", G_CALLBACK(on_qmp_closed), self, 0);
}

/* ---------------------------------------------------------------------- */
/* Actions: one QMP command each                                           */

static void
on_qmp_task_done(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    g_autoptr(JsonNode) node = NULL;
    GError *error = NULL;

    node = marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);
    if (node != NULL)
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
    g_object_unref(task);
}

static void
qmp_task(MarinaVm *vm, const char *command, GTask *task)
{
    marina_qmp_client_execute_async(MARINA_QEMU_VM(vm)->qmp, command, NULL, -1, NULL,
                                    on_qmp_task_done, task);
}

static void
qemu_shutdown(MarinaVm *vm, GTask *task)
{
    qmp_task(vm, "system_powerdown", task);
}

static void
qemu_destroy(MarinaVm *vm)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    self->destroy_requested = TRUE;
    marina_qemu_vm_terminate(self);
}

static void
qemu_reboot(MarinaVm *vm, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    /* A graceful reboot: the guest powers off and we start it afresh
     * (marina_qemu_vm_guest_poweroff); recorded so it survives a daemon restart. */
    self->reboot_requested = TRUE;
    marina_qemu_vm_write_runtime_state(self);
    qmp_task(vm, "system_powerdown", task);
}

static void
qemu_reset(MarinaVm *vm, GTask *task)
{
    qmp_task(vm, "system_reset", task);
}

static void
qemu_suspend(MarinaVm *vm, GTask *task)
{
    qmp_task(vm, "stop", task);
}

static void
qemu_resume(MarinaVm *vm, GTask *task)
{
    qmp_task(vm, "cont", task);
}

/* ---------------------------------------------------------------------- */
/* Consoles and screenshots                                                */

static void
qemu_open_serial(MarinaVm *vm, guint index, GDBusMethodInvocation *invocation)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    g_autoptr(GBytes) scrollback = NULL;
    GError *error = NULL;
    int fd;

    if (!marina_vm_check_serial_index(vm, invocation, index, self->relays ? self->relays->len : 0))
        return;
    fd = marina_serial_relay_add_client(self->relays->pdata[index], &scrollback, &error);
    marina_vm_complete_open_serial(vm, invocation, fd, scrollback, error);
}

static void
on_vnc_connected(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GDBusMethodInvocation) invocation = data;
    g_autoptr(GSocketConnection) conn = NULL;
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
    GError *error = NULL;

    conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &error);
    if (conn == NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Cannot reach the guest's display: %s"), error->message);
        g_error_free(error);
        return;
    }
    g_unix_fd_list_append(fds, g_socket_get_fd(g_socket_connection_get_socket(conn)), NULL);
    /* The generated function only formats the reply: no skeleton needed. */
    marina_dbus_domain_complete_open_graphics(NULL, invocation, fds, g_variant_new_handle(0));
}

static gboolean
require_display(MarinaQemuVm *self, GDBusMethodInvocation *invocation)
{
    if (LIVE(self) != NULL && LIVE(self)->graphics->len > 0)
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                          _("Guest '%s' has no graphical display. Add a "
                                            "<graphics type='vnc'/> device to its definition."),
                                          vm_name(self));
    return FALSE;
}

static void
qemu_open_graphics(MarinaVm *vm, GDBusMethodInvocation *invocation)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    g_autoptr(GSocketClient) client = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autofree char *path = NULL;

    if (!require_display(self, invocation))
        return;
    path = marina_qemu_vm_socket_path(self, "v");
    addr = g_unix_socket_address_new(path);
    client = g_socket_client_new();
    g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(addr), NULL, on_vnc_connected,
                                  g_object_ref(invocation));
}

static void
on_screendump(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GDBusMethodInvocation) invocation = data;
    g_autofree char *file = g_strdup(g_object_get_data(G_OBJECT(invocation), "file"));
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(GBytes) png = NULL;
    GError *error = NULL;
    char *contents;
    gsize len;

    node = marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);
    if (node == NULL || !g_file_get_contents(file, &contents, &len, &error)) {
        g_unlink(file);
        g_prefix_error(&error, _("Cannot take a screenshot: "));
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    g_unlink(file);
    png = g_bytes_new_take(contents, len);
    marina_dbus_domain_complete_screenshot(
        NULL, invocation, g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, png, TRUE));
}

static void
qemu_screenshot(MarinaVm *vm, GDBusMethodInvocation *invocation)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    static guint counter;
    g_autofree char *name = NULL;
    char *file;
    JsonObject *args;

    if (!require_display(self, invocation))
        return;
    name = g_strdup_printf("shot-%u.png", ++counter);
    file = marina_qemu_vm_socket_path(self, name);
    args = marina_qemu_json_args("filename", file, "format", "png", NULL);
    g_object_set_data_full(G_OBJECT(invocation), "file", file, g_free);
    marina_qmp_client_execute_async(self->qmp, "screendump", args, -1, NULL, on_screendump,
                                    g_object_ref(invocation));
}

/* ---------------------------------------------------------------------- */
/* Object                                                                  */

static gboolean
qemu_is_active(MarinaVm *vm)
{
    return MARINA_QEMU_VM(vm)->pid > 0;
}

static gboolean
qemu_is_controllable(MarinaVm *vm)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    return self->qmp != NULL && self->pid > 0;
}

static void
marina_qemu_vm_dispose(GObject *object)
{
    release_process(MARINA_QEMU_VM(object));
    G_OBJECT_CLASS(marina_qemu_vm_parent_class)->dispose(object);
}

static void
marina_qemu_vm_finalize(GObject *object)
{
    g_free(MARINA_QEMU_VM(object)->guest_dir);
    G_OBJECT_CLASS(marina_qemu_vm_parent_class)->finalize(object);
}

static void
marina_qemu_vm_class_init(MarinaQemuVmClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    MarinaVmClass *vm_class = MARINA_VM_CLASS(klass);

    object_class->dispose = marina_qemu_vm_dispose;
    object_class->finalize = marina_qemu_vm_finalize;
    vm_class->is_active = qemu_is_active;
    vm_class->is_controllable = qemu_is_controllable;
    vm_class->start = marina_qemu_vm_start;
    vm_class->restore = marina_qemu_vm_restore;
    vm_class->shutdown = qemu_shutdown;
    vm_class->destroy = qemu_destroy;
    vm_class->reboot = qemu_reboot;
    vm_class->reset = qemu_reset;
    vm_class->suspend = qemu_suspend;
    vm_class->resume = qemu_resume;
    vm_class->save = marina_qemu_vm_save;
    vm_class->open_serial = qemu_open_serial;
    vm_class->open_graphics = qemu_open_graphics;
    vm_class->screenshot = qemu_screenshot;
    vm_class->collect_stats = marina_qemu_vm_collect_stats;
    vm_class->add_info = marina_qemu_vm_add_info;
    vm_class->reattach = marina_qemu_vm_reattach;
    vm_class->state_changed = qemu_state_changed;
    /* Tuning (qemu-vm-tuning.c) */
    vm_class->set_memory = marina_qemu_vm_set_memory;
    vm_class->set_vcpus = marina_qemu_vm_set_vcpus;
    vm_class->pin_vcpu = marina_qemu_vm_pin_vcpu;
    vm_class->get_vcpu_info = marina_qemu_vm_get_vcpu_info;
    vm_class->find_leases = marina_qemu_vm_find_leases;
    vm_class->attach_device = marina_qemu_vm_attach_device;
    vm_class->detach_device = marina_qemu_vm_detach_device;
    vm_class->update_device = marina_qemu_vm_update_device;
    vm_class->resize_disk = marina_qemu_vm_resize_disk;
    vm_class->check_definition = marina_qemu_vm_check_definition;
}

static void
marina_qemu_vm_init(MarinaQemuVm *self)
{
    self->pidfd = -1;
}
