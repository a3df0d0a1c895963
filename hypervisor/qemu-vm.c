#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"
#include "host-info.h"
#include "qemu-command.h"
#include "qemu-vm.h"
#include "qmp-client.h"
#include "tap-device.h"
#include "save-image.h"
#include "serial-relay.h"
#include "state-store.h"

#define MIGRATION_POLL_MS 20

struct _MarinaQemuVm {
    MarinaVm parent_instance;

    /* The running QEMU */
    GPid pid;
    guint64 pid_start_ticks; /* /proc/<pid>/stat starttime: guards against pid reuse */
    GSubprocess *proc;       /* when we spawned it */
    int pidfd;               /* when we re-attached to it */
    guint pidfd_watch;
    MarinaQmpClient *qmp;
    GPtrArray *relays; /* MarinaSerialRelay*, one per chardev slot */
    char *guest_dir;
    GCancellable *run_cancel;
    guint kill_timer;

    /* What the current stop means */
    gboolean destroy_requested;
    gboolean reboot_requested;
    gboolean guest_shutdown;
    gboolean crashed;
    gboolean saved;
    gboolean starting; /* between spawn and the guest running */
    gboolean start_failed;

    /* Statistics */
    guint64 last_cpu_ns;
    gint64 last_sample_us;
};

G_DEFINE_FINAL_TYPE(MarinaQemuVm, marina_qemu_vm, MARINA_TYPE_VM)

#define VM(self) MARINA_VM(self)
#define LIVE(self) marina_vm_get_live(VM(self))
#define DEF(self) marina_vm_get_definition(VM(self))
#define CFG(self) marina_vm_get_daemon_config(VM(self))
#define STATE(self) marina_vm_get_state(VM(self), NULL)

static void vm_process_exited(MarinaQemuVm *self);
static char *socket_path(MarinaQemuVm *self, const char *name);

static const char *
vm_name(MarinaQemuVm *self)
{
    return marina_vm_get_config(VM(self))->name;
}

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

static JsonObject *
json_args(const char *key, ...)
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

static void
qmp_fire(MarinaQemuVm *self, const char *command)
{
    /* Fire and forget: failures show up as state changes or process exit. */
    if (self->qmp != NULL)
        marina_qmp_client_execute_async(self->qmp, command, NULL, -1, NULL, NULL, NULL);
}

/* One step of a QMP conversation that belongs to @task: on success @next
 * gets the reply, on failure @fail gets the error (and owns it). */
typedef void (*StepNext)(GTask *task, JsonNode *reply);
typedef void (*StepFail)(GTask *task, GError *error);

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

static void
qmp_step(GTask *task, const char *command, JsonObject *arguments, int fd, StepNext next,
         StepFail fail)
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
static char *
log_tail_since(const char *log_path, goffset offset)
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

/* ---------------------------------------------------------------------- */
/* Runtime state: what a restarted daemon needs to re-attach               */

static void
write_runtime_state(MarinaQemuVm *self)
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
    data = g_key_file_to_data(kf, &len, NULL);
    if (!marina_write_file_replace(state_path, data, len, 0600, &error))
        g_warning("%s", error->message);
}

static void
remove_runtime_state(MarinaQemuVm *self, const char *uuid)
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
        write_runtime_state(self);
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

static void
on_subprocess_exited(GObject *source, GAsyncResult *result, gpointer data)
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

static gboolean
watch_pid(MarinaQemuVm *self, GError **error)
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
    remove_runtime_state(self, uuid);

    self->pid = 0;
    self->destroy_requested = self->reboot_requested = FALSE;
    self->guest_shutdown = self->crashed = self->saved = FALSE;
    self->starting = self->start_failed = FALSE;
    marina_vm_stopped(VM(self), reason);
}

/* Ask QEMU to go: SIGTERM, then SIGKILL after the grace period. */
static void
terminate_qemu(MarinaQemuVm *self)
{
    if (self->pid <= 0)
        return;
    kill(self->pid, SIGTERM);
    if (self->kill_timer == 0)
        self->kill_timer = g_timeout_add(CFG(self)->destroy_grace_ms, on_kill_timer, self);
}

/* ---------------------------------------------------------------------- */
/* QMP events                                                              */

static void
handle_guest_poweroff(MarinaQemuVm *self, const char *qemu_reason)
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
        qmp_fire(self, "quit");
        return;
    }

    if (self->reboot_requested && !panic) {
        /* Our graceful reboot: the guest shut down, start it afresh. */
        self->reboot_requested = FALSE;
        qmp_fire(self, "system_reset");
        qmp_fire(self, "cont");
        marina_vm_emit_event(VM(self), "rebooted", "");
        return;
    }
    if (panic)
        marina_vm_emit_event(VM(self), "crashed", "panicked");

    switch (action) {
    case MARINA_LIFECYCLE_RESTART:
        qmp_fire(self, "system_reset");
        qmp_fire(self, "cont");
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
        qmp_fire(self, "quit");
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
            handle_guest_poweroff(self, reason);
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

static void
adopt_qmp(MarinaQemuVm *self, MarinaQmpClient *qmp)
{
    self->qmp = qmp;
    g_signal_connect_object(qmp, "event", G_CALLBACK(on_qmp_event), self, 0);
    g_signal_connect_object(qmp, "closed", G_CALLBACK(on_qmp_closed), self, 0);
}

/* ---------------------------------------------------------------------- */
/* Starting QEMU                                                           */

typedef struct {
    guint flags;
    char *log_path;
    goffset log_offset;
    int restore_fd; /* save image positioned at QEMU's stream, or -1 */
    gboolean restore_running;
    char *restore_file;
    gboolean delete_after;
    guint pending_relays;
    GError *relay_error;
    cpu_set_t cpus;
    gboolean pin;
    gboolean held; /* QEMU started with -S: the daemon says when the guest runs */
} StartData;

/* A plain boot runs at once: the serial sockets (wait=on) already keep every
 * byte, so waiting for QMP before letting the CPU go would only add delay.
 * The daemon holds the guest when it must act first: restoring its state,
 * setting a VNC password, or starting it paused. */
static gboolean
must_hold(const MarinaDomainConfig *config, const StartData *d)
{
    if ((d->flags & MARINA_VM_START_PAUSED) || d->restore_fd >= 0)
        return TRUE;
    for (guint i = 0; i < config->graphics->len; i++)
        if (((MarinaGraphicsConfig *)config->graphics->pdata[i])->password != NULL)
            return TRUE;
    return FALSE;
}

static void
start_data_free(StartData *d)
{
    if (d->restore_fd >= 0)
        close(d->restore_fd);
    g_free(d->log_path);
    g_free(d->restore_file);
    g_clear_error(&d->relay_error);
    g_free(d);
}

static int
listen_unix(const char *path, GError **error)
{
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) addr = NULL;

    if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("The socket path %s is too long for a unix socket. Use a shorter runtime "
                      "directory."),
                    path);
        return -1;
    }
    g_unlink(path);
    sock =
        g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
    if (sock == NULL)
        return -1;
    addr = g_unix_socket_address_new(path);
    if (!g_socket_bind(sock, addr, FALSE, error) || !g_socket_listen(sock, error))
        return -1;
    return dup(g_socket_get_fd(sock));
}

static char *
socket_path(MarinaQemuVm *self, const char *name)
{
    return g_build_filename(self->guest_dir, name, NULL);
}

static char *
chardev_name(guint i)
{
    return g_strdup_printf("s%u", i);
}

static gboolean
parse_cpuset(const char *text, cpu_set_t *set)
{
    g_auto(GStrv) parts = g_strsplit(text, ",", 0);

    CPU_ZERO(set);
    for (guint pass = 0; pass < 2; pass++) {
        for (guint i = 0; parts[i] != NULL; i++) {
            const char *p = g_strstrip(parts[i]);
            gboolean negate = p[0] == '^';
            guint64 lo, hi;
            g_auto(GStrv) range = g_strsplit(negate ? p + 1 : p, "-", 2);

            if ((pass == 0) == negate)
                continue;
            if (!g_ascii_string_to_unsigned(range[0], 10, 0, CPU_SETSIZE - 1, &lo, NULL))
                return FALSE;
            hi = lo;
            if (range[1] != NULL &&
                !g_ascii_string_to_unsigned(range[1], 10, lo, CPU_SETSIZE - 1, &hi, NULL))
                return FALSE;
            for (guint64 c = lo; c <= hi; c++) {
                if (negate)
                    CPU_CLR(c, set);
                else
                    CPU_SET(c, set);
            }
        }
    }
    return CPU_COUNT(set) > 0;
}

static void
child_setup(gpointer data)
{
    StartData *d = data;

    /* QEMU must outlive the daemon (restarts, crashes) and not receive
     * signals meant for the daemon's process group. */
    setsid();
    if (d->pin)
        sched_setaffinity(0, sizeof d->cpus, &d->cpus);
}

static void
log_line(const char *log_path, const char *text)
{
    int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0)
        return;
    if (write(fd, text, strlen(text)) < 0)
        g_debug("cannot write %s", log_path);
    close(fd);
}

/* Keep the QEMU log under the cap: a new start moves an over-size log aside. */
static void
rotate_log(const char *log_path, gsize cap)
{
    GStatBuf st;

    if (g_stat(log_path, &st) == 0 && (gsize)st.st_size > cap) {
        g_autofree char *old = g_strconcat(log_path, ".1", NULL);
        g_rename(log_path, old);
    }
}

static gboolean
check_host_memory(MarinaQemuVm *self, GError **error)
{
    MarinaHostMemory memory;
    guint64 avail;
    guint64 need = LIVE(self)->memory_kib + CFG(self)->min_mem_kib;

    /* Unknown: let QEMU try. */
    if (!marina_host_memory_read(&memory) || !memory.has_available)
        return TRUE;
    avail = memory.available_kib;
    if (avail >= need)
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                _("Not enough memory to start guest '%s': it needs %" PRIu64
                  " MiB, the host has %" PRIu64 " MiB available and keeps %" PRIu64
                  " MiB for itself. Stop another guest or give this one less memory."),
                LIVE(self)->name, LIVE(self)->memory_kib / 1024, avail / 1024,
                CFG(self)->min_mem_kib / 1024);
    return FALSE;
}

/* A file QEMU must open, checked first so a wrong path reads as such and
 * not as a line of QEMU's stderr. @what names it for a person. */
static gboolean
check_guest_file(MarinaQemuVm *self, const char *what, const char *path, GError **error)
{
    int saved;

    if (path == NULL || g_access(path, R_OK) == 0)
        return TRUE;
    saved = errno;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                saved == ENOENT
                    ? _("Guest '%s' cannot start: its %s %s does not exist. Correct the path in "
                        "its configuration or put the file back.")
                    : _("Guest '%s' cannot start: its %s %s cannot be read (%s)."),
                LIVE(self)->name, what, path, g_strerror(saved));
    return FALSE;
}

static gboolean
check_guest_files(MarinaQemuVm *self, GError **error)
{
    const MarinaDomainConfig *c = LIVE(self);

    if (!check_guest_file(self, _("kernel"), c->kernel, error) ||
        !check_guest_file(self, _("initrd"), c->initrd, error) ||
        !check_guest_file(self, _("firmware"), c->loader, error))
        return FALSE;
    for (guint i = 0; i < c->disks->len; i++) {
        const MarinaDiskConfig *disk = c->disks->pdata[i];
        const char *what = disk->device == MARINA_DISK_DEVICE_CDROM    ? _("CD/DVD image")
                           : disk->device == MARINA_DISK_DEVICE_FLOPPY ? _("floppy image")
                                                                       : _("disk");
        if (!check_guest_file(self, what, disk->source, error))
            return FALSE;
    }
    return TRUE;
}

/* The system daemon makes a tap on the bridge of every <interface
 * type='bridge'> and hands it to QEMU as fd @first_fd + i; the tap's name
 * goes into the live config (statistics, dumpxml). Other interfaces get -1:
 * user networking needs none, and the command builder explains why a
 * session daemon cannot join a bridge. */
static gboolean
open_taps(MarinaQemuVm *self, GSubprocessLauncher *launcher, int first_fd, int *tap_fds,
          GError **error)
{
    GPtrArray *ifaces = LIVE(self)->interfaces;

    for (guint i = 0; i < ifaces->len; i++) {
        MarinaInterfaceConfig *iface = ifaces->pdata[i];
        g_autofree char *name = NULL;
        int fd;

        tap_fds[i] = -1;
        if (iface->type != MARINA_NET_TYPE_BRIDGE || !CFG(self)->system)
            continue;
        fd = marina_tap_open_on_bridge(iface->source, iface->target_dev, &name, error);
        if (fd < 0) {
            g_prefix_error(error, _("Guest '%s' cannot start: "), LIVE(self)->name);
            return FALSE;
        }
        g_subprocess_launcher_take_fd(launcher, fd, first_fd + (int)i);
        tap_fds[i] = first_fd + (int)i;
        g_free(iface->target_dev);
        iface->target_dev = g_steal_pointer(&name);
    }
    return TRUE;
}

static GSubprocess *
spawn_qemu(MarinaQemuVm *self, StartData *d, GError **error)
{
    guint n_chardevs = marina_qemu_command_n_chardevs(LIVE(self));
    g_autofree int *chardev_fds = g_new0(int, n_chardevs + 1);
    guint n_ifaces = LIVE(self)->interfaces->len;
    g_autofree int *tap_fds = g_new0(int, n_ifaces + 1);
    g_autofree char *qmp_path = socket_path(self, "m");
    g_autofree char *vnc_path = socket_path(self, "v");
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) argv = NULL;
    g_autofree char *cmdline = NULL;
    g_autofree char *header = NULL;
    MarinaQemuCommandOptions opts = {0};
    GStatBuf st;
    int qmp_fd, log_fd;

    launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_INHERIT);
    qmp_fd = listen_unix(qmp_path, error);
    if (qmp_fd < 0)
        return NULL;
    g_subprocess_launcher_take_fd(launcher, qmp_fd, 3);
    for (guint i = 0; i < n_chardevs; i++) {
        g_autofree char *name = chardev_name(i);
        g_autofree char *path = socket_path(self, name);
        int fd = listen_unix(path, error);
        if (fd < 0)
            return NULL;
        g_subprocess_launcher_take_fd(launcher, fd, 4 + i);
        chardev_fds[i] = 4 + i;
    }
    if (!open_taps(self, launcher, 4 + n_chardevs, tap_fds, error))
        return NULL;

    opts.emulator = CFG(self)->emulator;
    opts.accel = CFG(self)->accel;
    opts.qmp_fd = 3;
    opts.chardev_fds = chardev_fds;
    opts.n_chardev_fds = n_chardevs;
    opts.vnc_socket = vnc_path;
    opts.incoming = d->restore_fd >= 0;
    opts.tap_fds = tap_fds;
    opts.n_tap_fds = n_ifaces;
    d->held = must_hold(LIVE(self), d);
    opts.start_paused = d->held;
    argv = marina_qemu_command_build(LIVE(self), &opts, warnings, error);
    if (argv == NULL)
        return NULL;
    for (guint i = 0; i < warnings->len; i++)
        g_info("Guest '%s': %s", LIVE(self)->name, (char *)warnings->pdata[i]);

    rotate_log(d->log_path, CFG(self)->log_max);
    cmdline = g_strjoinv(" ", argv);
    {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *stamp = g_date_time_format_iso8601(now);
        header = g_strdup_printf("marinad: %s starting: %s\n", stamp, cmdline);
    }
    log_line(d->log_path, header);
    d->log_offset = g_stat(d->log_path, &st) == 0 ? st.st_size : 0;
    log_fd = open(d->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot open the log file %s: %s"), d->log_path, g_strerror(saved));
        return NULL;
    }
    g_subprocess_launcher_take_stdout_fd(launcher, dup(log_fd));
    g_subprocess_launcher_take_stderr_fd(launcher, log_fd);
    d->pin = LIVE(self)->cpuset != NULL && parse_cpuset(LIVE(self)->cpuset, &d->cpus);
    g_subprocess_launcher_set_child_setup(launcher, child_setup, d, NULL);
    return g_subprocess_launcher_spawnv(launcher, (const char *const *)argv, error);
}

static void
fail_start(GTask *task, GError *error)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    StartData *d = g_task_get_task_data(task);
    g_autofree char *tail = d->log_path ? log_tail_since(d->log_path, d->log_offset) : NULL;
    const char *name = vm_name(self);

    self->starting = FALSE;
    if (self->pid > 0) {
        self->start_failed = TRUE;
        kill(self->pid, SIGKILL);
    }
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || error->domain != MARINA_ERROR ||
        error->code == MARINA_ERROR_NOT_RUNNING) {
        /* QEMU exited or hung up: its own words say why. */
        g_debug("start of '%s' failed: %s", name, error->message);
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Guest '%s' failed to start: %s"), name,
                                tail ? tail : error->message);
        g_error_free(error);
    } else {
        g_task_return_error(task, error);
    }
    g_object_unref(task);
}

static void
start_finish_running(GTask *task)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    StartData *d = g_task_get_task_data(task);

    self->starting = FALSE;
    if (d->delete_after && d->restore_file != NULL) {
        g_unlink(d->restore_file);
        marina_vm_load_flags(VM(self));
    }
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
on_running(GTask *task, JsonNode *reply)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    StartData *d = g_task_get_task_data(task);
    gboolean restored = d->restore_file != NULL;

    marina_vm_set_state(VM(self), MARINA_DOMAIN_RUNNING,
                        restored ? MARINA_RUNNING_RESTORED : MARINA_RUNNING_BOOTED, "started",
                        restored ? "restored" : "booted");
    start_finish_running(task);
}

static void
let_guest_run(GTask *task)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    StartData *d = g_task_get_task_data(task);
    gboolean restored = d->restore_file != NULL;
    gboolean paused = (d->flags & MARINA_VM_START_PAUSED) || (restored && !d->restore_running);

    if (paused) {
        marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER, "started",
                            restored ? "restored" : "booted");
        start_finish_running(task);
        return;
    }
    if (!d->held) {
        on_running(task, NULL); /* it has been running since QEMU started */
        return;
    }
    qmp_step(task, "cont", NULL, -1, on_running, fail_start);
}

static void poll_incoming(GTask *task);

static void
on_incoming_status(GTask *task, JsonNode *reply)
{
    const char *status =
        json_object_get_string_member_with_default(json_node_get_object(reply), "status", "");

    if (g_str_equal(status, "inmigrate"))
        g_timeout_add_once(MIGRATION_POLL_MS, (GSourceOnceFunc)poll_incoming, task);
    else
        let_guest_run(task);
}

static void
poll_incoming(GTask *task)
{
    qmp_step(task, "query-status", NULL, -1, on_incoming_status, fail_start);
}

static void
on_incoming_started(GTask *task, JsonNode *reply)
{
    poll_incoming(task);
}

static void
on_restore_fd_passed(GTask *task, JsonNode *reply)
{
    qmp_step(task, "migrate-incoming", json_args("uri", "fd:marina-restore", NULL), -1,
             on_incoming_started, fail_start);
}

static void
after_qmp_ready(GTask *task)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    StartData *d = g_task_get_task_data(task);

    write_runtime_state(self);
    for (guint i = 0; i < LIVE(self)->graphics->len; i++) {
        MarinaGraphicsConfig *g = LIVE(self)->graphics->pdata[i];
        if (g->password != NULL)
            marina_qmp_client_execute_async(
                self->qmp, "set_password",
                json_args("protocol", "vnc", "password", g->password, NULL), -1, NULL, NULL, NULL);
    }
    if (d->restore_fd >= 0) {
        qmp_step(task, "getfd", json_args("fdname", "marina-restore", NULL), d->restore_fd,
                 on_restore_fd_passed, fail_start);
        /* The QMP client sent its own copy with the command. */
        close(d->restore_fd);
        d->restore_fd = -1;
        return;
    }
    let_guest_run(task);
}

static void
on_qmp_connected(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    MarinaQemuVm *self = g_task_get_source_object(task);
    GError *error = NULL;
    MarinaQmpClient *qmp = marina_qmp_client_connect_finish(result, &error);

    if (qmp == NULL) {
        fail_start(task, error);
        return;
    }
    if (self->pid <= 0) {
        g_object_unref(qmp);
        fail_start(task, g_error_new(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                     _("QEMU exited during start-up")));
        return;
    }
    adopt_qmp(self, qmp);
    after_qmp_ready(task);
}

typedef struct {
    MarinaQemuVm *vm;
    MarinaSerialRelay *relay;
} RelayConnect;

static void
on_relay_connected(GObject *source, GAsyncResult *result, gpointer data)
{
    RelayConnect *rc = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &error);

    if (conn != NULL)
        marina_serial_relay_attach_guest(rc->relay, G_IO_STREAM(conn));
    else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning("Guest '%s': cannot attach to the serial console: %s", vm_name(rc->vm),
                  error->message);
    g_object_unref(rc->relay);
    g_object_unref(rc->vm);
    g_free(rc);
}

/* Connect a relay per character device; QEMU waits (wait=on) until these
 * connections arrive, so the first byte of boot output is kept. */
static void
attach_relays(MarinaQemuVm *self)
{
    guint n = marina_qemu_command_n_chardevs(LIVE(self));
    g_autoptr(GSocketClient) client = g_socket_client_new();

    if (self->relays == NULL)
        self->relays = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < n; i++) {
        g_autofree char *name = chardev_name(i);
        g_autofree char *path = socket_path(self, name);
        g_autofree char *suffix = g_strdup_printf("-serial%u.log", i);
        g_autofree char *log = marina_state_log_path(CFG(self), LIVE(self)->name, suffix);
        g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
        RelayConnect *rc = g_new0(RelayConnect, 1);

        if (i >= self->relays->len)
            g_ptr_array_add(self->relays, marina_serial_relay_new(log, CFG(self)->log_max,
                                                                  CFG(self)->console_limit));
        rc->vm = g_object_ref(self);
        rc->relay = g_object_ref(self->relays->pdata[i]);
        g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(addr), self->run_cancel,
                                      on_relay_connected, rc);
    }
}

static gboolean
prepare_guest_dir(MarinaQemuVm *self, GError **error)
{
    g_free(self->guest_dir);
    self->guest_dir = marina_state_guest_dir(CFG(self), LIVE(self)->uuid);
    marina_state_remove_dir(self->guest_dir);
    if (g_mkdir_with_parents(self->guest_dir, 0700) != 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot create %s: %s"),
                    self->guest_dir, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

static void
launch(GTask *task)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    StartData *d = g_task_get_task_data(task);
    g_autofree char *qmp_path = NULL;
    GError *error = NULL;

    d->log_path = marina_state_log_path(CFG(self), LIVE(self)->name, ".log");
    if (!check_host_memory(self, &error) || !check_guest_files(self, &error) ||
        !prepare_guest_dir(self, &error) || (self->proc = spawn_qemu(self, d, &error)) == NULL) {
        marina_vm_set_live(VM(self), NULL);
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    self->pid = (GPid)g_ascii_strtoll(g_subprocess_get_identifier(self->proc), NULL, 10);
    marina_host_process_start_ticks(self->pid, &self->pid_start_ticks);
    marina_vm_assign_id(VM(self));
    self->starting = TRUE;
    self->run_cancel = g_cancellable_new();
    self->last_cpu_ns = 0;
    self->last_sample_us = 0;
    g_subprocess_wait_async(self->proc, self->run_cancel, on_subprocess_exited, g_object_ref(self));
    g_info("Guest '%s' started as pid %d", LIVE(self)->name, self->pid);

    attach_relays(self);
    qmp_path = socket_path(self, "m");
    marina_qmp_client_connect_async(qmp_path, self->run_cancel, on_qmp_connected, task);
}

/* ---------------------------------------------------------------------- */
/* Re-attaching after a daemon restart                                     */

static void
on_reattach_status(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(MarinaQemuVm) self = data;
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(GError) error = NULL;
    const char *status;

    node = marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);
    if (node == NULL)
        return;
    status = json_object_get_string_member_with_default(json_node_get_object(node), "status", "");
    if (g_str_equal(status, "running") && STATE(self) != MARINA_DOMAIN_RUNNING)
        marina_vm_set_state(VM(self), MARINA_DOMAIN_RUNNING, MARINA_RUNNING_UNPAUSED, "resumed",
                            "unpaused");
    else if (g_str_equal(status, "paused") && STATE(self) == MARINA_DOMAIN_RUNNING)
        marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_UNKNOWN, "suspended",
                            "paused");
    else if (g_str_equal(status, "shutdown"))
        /* The guest powered off while nobody was listening. */
        handle_guest_poweroff(self, "guest-shutdown");
    else if (g_str_equal(status, "guest-panicked") && STATE(self) != MARINA_DOMAIN_CRASHED)
        marina_vm_set_state(VM(self), MARINA_DOMAIN_CRASHED, MARINA_CRASHED_PANICKED, "crashed",
                            "panicked");
}

static void
on_reattach_qmp(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(MarinaQemuVm) self = data;
    g_autoptr(GError) error = NULL;
    MarinaQmpClient *qmp = marina_qmp_client_connect_finish(result, &error);

    if (qmp == NULL) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return;
        /* A QEMU we cannot talk to cannot be managed: stop it rather than
         * leave a guest nobody controls. */
        g_warning("Guest '%s': cannot re-attach to QMP (%s); stopping it", vm_name(self),
                  error->message);
        terminate_qemu(self);
        return;
    }
    adopt_qmp(self, qmp);
    marina_qmp_client_execute_async(qmp, "query-status", NULL, -1, NULL, on_reattach_status,
                                    g_object_ref(self));
}

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
            qmp_fire(self, "cont");
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
    qmp_fire(self, "quit");
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
    qmp_step(task, "query-migrate", NULL, -1, on_migration_status, save_failed);
}

static void
on_migrate_started(GTask *task, JsonNode *reply)
{
    poll_migration(task);
}

static void
on_save_fd_passed(GTask *task, JsonNode *reply)
{
    qmp_step(task, "migrate", json_args("uri", "fd:marina-save", NULL), -1, on_migrate_started,
             save_failed);
}

static void
on_save_stopped(GTask *task, JsonNode *reply)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    SaveData *s = g_task_get_task_data(task);

    marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_SAVE, NULL, NULL);
    qmp_step(task, "getfd", json_args("fdname", "marina-save", NULL), s->fd, on_save_fd_passed,
             save_failed);
}

/* ---------------------------------------------------------------------- */
/* Statistics                                                              */

typedef struct {
    GVariantDict dict;
} StatsData;

static void
stats_data_free(StatsData *s)
{
    g_variant_dict_clear(&s->dict);
    g_free(s);
}

static void
add_u64(GVariantDict *d, const char *key, guint64 v)
{
    g_variant_dict_insert_value(d, key, g_variant_new_uint64(v));
}

static void
add_net_stats(MarinaQemuVm *self, GVariantDict *d)
{
    guint64 rx = 0, tx = 0;
    gboolean any = FALSE;

    /* Only tap devices have host-side counters; user-mode networking has
     * none, so the keys are left out rather than reported as zero. */
    for (guint i = 0; i < LIVE(self)->interfaces->len; i++) {
        MarinaInterfaceConfig *nic = LIVE(self)->interfaces->pdata[i];
        g_autofree char *rxp = NULL, *txp = NULL, *rxs = NULL, *txs = NULL;

        if (nic->target_dev == NULL)
            continue;
        rxp = g_strdup_printf("/sys/class/net/%s/statistics/tx_bytes", nic->target_dev);
        txp = g_strdup_printf("/sys/class/net/%s/statistics/rx_bytes", nic->target_dev);
        /* The tap's transmit is the guest's receive. */
        if (g_file_get_contents(rxp, &rxs, NULL, NULL) &&
            g_file_get_contents(txp, &txs, NULL, NULL)) {
            rx += g_ascii_strtoull(rxs, NULL, 10);
            tx += g_ascii_strtoull(txs, NULL, 10);
            any = TRUE;
        }
    }
    if (any) {
        add_u64(d, "net-rx-bytes", rx);
        add_u64(d, "net-tx-bytes", tx);
    }
}

static void
on_blockstats(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    StatsData *s = g_task_get_task_data(task);
    g_autoptr(JsonNode) node = NULL;
    guint64 rd = 0, wr = 0, rdr = 0, wrr = 0;

    node = marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, NULL);
    if (node != NULL && JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *devs = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(devs); i++) {
            JsonObject *dev = json_array_get_object_element(devs, i);
            JsonObject *st = dev && json_object_has_member(dev, "stats")
                                 ? json_object_get_object_member(dev, "stats")
                                 : NULL;
            if (st == NULL)
                continue;
            rd += json_object_get_int_member_with_default(st, "rd_bytes", 0);
            wr += json_object_get_int_member_with_default(st, "wr_bytes", 0);
            rdr += json_object_get_int_member_with_default(st, "rd_operations", 0);
            wrr += json_object_get_int_member_with_default(st, "wr_operations", 0);
        }
        add_u64(&s->dict, "disk-rd-bytes", rd);
        add_u64(&s->dict, "disk-wr-bytes", wr);
        add_u64(&s->dict, "disk-rd-reqs", rdr);
        add_u64(&s->dict, "disk-wr-reqs", wrr);
    }
    g_task_return_pointer(task, g_variant_ref_sink(g_variant_dict_end(&s->dict)),
                          (GDestroyNotify)g_variant_unref);
    g_object_unref(task);
}

/* ---------------------------------------------------------------------- */
/* Driver entry points                                                     */

static void
qemu_start(MarinaVm *vm, guint flags, GTask *task)
{
    StartData *d = g_new0(StartData, 1);

    d->flags = flags;
    d->restore_fd = -1;
    g_task_set_task_data(task, d, (GDestroyNotify)start_data_free);
    launch(task);
}

static void
qemu_restore(MarinaVm *vm, const char *file, guint flags, gboolean delete_after, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    StartData *d = g_new0(StartData, 1);
    g_autoptr(MarinaDomainConfig) config = NULL;
    GError *error = NULL;

    d->flags = flags;
    d->restore_file =
        file != NULL ? g_strdup(file) : marina_state_managed_save_path(CFG(self), DEF(self)->uuid);
    d->delete_after = delete_after;
    g_task_set_task_data(task, d, (GDestroyNotify)start_data_free);
    d->restore_fd =
        marina_vm_open_save_image(vm, d->restore_file, &config, &d->restore_running, &error);
    if (d->restore_fd < 0) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    marina_vm_set_live(vm, g_steal_pointer(&config));
    launch(task);
}

static gboolean
qemu_reattach(MarinaVm *vm, GError **error)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    g_autofree char *state_path = marina_state_runtime_path(CFG(self), DEF(self)->uuid);
    g_autofree char *xml_path = marina_state_live_xml_path(CFG(self), DEF(self)->uuid);
    g_autofree char *xml = NULL;
    g_autofree char *qmp_path = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    MarinaDomainConfig *live;
    guint64 start_ticks = 0;
    GPid pid;

    if (!g_key_file_load_from_file(kf, state_path, G_KEY_FILE_NONE, error) ||
        !g_file_get_contents(xml_path, &xml, NULL, error))
        return FALSE;
    pid = (GPid)g_key_file_get_int64(kf, "runtime", "pid", NULL);
    if (pid <= 1 || !marina_host_process_start_ticks(pid, &start_ticks) ||
        start_ticks != g_key_file_get_uint64(kf, "runtime", "pid-start", NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                    _("Guest '%s' stopped while the daemon was not running."), vm_name(self));
        remove_runtime_state(self, DEF(self)->uuid);
        return FALSE;
    }
    live = marina_domain_config_parse(xml, -1, NULL, error);
    if (live == NULL)
        return FALSE;
    marina_vm_set_live(vm, live);
    self->pid = pid;
    self->pid_start_ticks = start_ticks;
    self->reboot_requested = g_key_file_get_boolean(kf, "runtime", "reboot-requested", NULL);
    self->run_cancel = g_cancellable_new();
    self->guest_dir = marina_state_guest_dir(CFG(self), live->uuid);
    if (!watch_pid(self, error)) {
        self->pid = 0;
        marina_vm_set_live(vm, NULL);
        return FALSE;
    }
    marina_vm_set_id(vm, g_key_file_get_integer(kf, "runtime", "id", NULL));
    /* Still on its install boot: its first reboot must bring the definition. */
    marina_vm_set_installing(vm, g_key_file_get_boolean(kf, "runtime", "installing", NULL));
    marina_vm_set_state(vm, g_key_file_get_integer(kf, "runtime", "state", NULL),
                        g_key_file_get_integer(kf, "runtime", "reason", NULL), NULL, NULL);
    attach_relays(self);
    qmp_path = socket_path(self, "m");
    marina_qmp_client_connect_async(qmp_path, self->run_cancel, on_reattach_qmp,
                                    g_object_ref(self));
    g_info("Re-attached to guest '%s' (pid %d)", live->name, pid);
    return TRUE;
}

static void
qemu_save(MarinaVm *vm, const char *file, GTask *task)
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
    qmp_step(task, "stop", NULL, -1, on_save_stopped, save_failed);
}

static void
qemu_collect_stats(MarinaVm *vm, guint kinds, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    StatsData *s = g_new0(StatsData, 1);
    gint64 now = g_get_monotonic_time();
    guint64 cpu_ns;

    g_variant_dict_init(&s->dict, NULL);
    g_task_set_task_data(task, s, (GDestroyNotify)stats_data_free);
    if (kinds & MARINA_STATS_CPU) {
        cpu_ns = marina_host_process_cpu_ns(self->pid);
        add_u64(&s->dict, "cpu-time-ns", cpu_ns);
        if (self->last_sample_us > 0 && now > self->last_sample_us && cpu_ns >= self->last_cpu_ns) {
            double pct = (double)(cpu_ns - self->last_cpu_ns) / 1000.0 /
                         (double)(now - self->last_sample_us) * 100.0;
            g_variant_dict_insert(&s->dict, "cpu-percent", "d", pct);
        }
        self->last_cpu_ns = cpu_ns;
        self->last_sample_us = now;
    }
    g_variant_dict_insert(&s->dict, "vcpus", "u", LIVE(self)->current_vcpus);
    add_u64(&s->dict, "memory-kib", LIVE(self)->current_memory_kib);
    if (kinds & MARINA_STATS_MEMORY)
        add_u64(&s->dict, "memory-rss-kib", marina_host_process_rss_kib(self->pid));
    g_variant_dict_insert(&s->dict, "timestamp-us", "x", g_get_real_time());
    if (kinds & MARINA_STATS_NETWORK)
        add_net_stats(self, &s->dict);
    if (!(kinds & MARINA_STATS_DISK)) {
        /* No QMP round trip for figures nobody asked for. */
        g_task_return_pointer(task, g_variant_ref_sink(g_variant_dict_end(&s->dict)),
                              (GDestroyNotify)g_variant_unref);
        g_object_unref(task);
        return;
    }
    marina_qmp_client_execute_async(self->qmp, "query-blockstats", NULL, -1, NULL, on_blockstats,
                                    task);
}

static void
qemu_add_info(MarinaVm *vm, GVariantDict *info)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    g_variant_dict_insert(info, "cpu-time-ns", "t", marina_host_process_cpu_ns(self->pid));
    g_variant_dict_insert(info, "pid", "i", (gint32)self->pid);
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
    terminate_qemu(self);
}

static void
qemu_reboot(MarinaVm *vm, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    /* A graceful reboot: the guest powers off and we start it afresh
     * (handle_guest_poweroff); recorded so it survives a daemon restart. */
    self->reboot_requested = TRUE;
    write_runtime_state(self);
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
    MarinaDBusDomain *skel = MARINA_DBUS_DOMAIN(g_object_get_data(G_OBJECT(invocation), "skel"));

    conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &error);
    if (conn == NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Cannot reach the guest's display: %s"), error->message);
        g_error_free(error);
        return;
    }
    g_unix_fd_list_append(fds, g_socket_get_fd(g_socket_connection_get_socket(conn)), NULL);
    marina_dbus_domain_complete_open_graphics(skel, invocation, fds, g_variant_new_handle(0));
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
    path = socket_path(self, "v");
    addr = g_unix_socket_address_new(path);
    client = g_socket_client_new();
    g_object_set_data_full(G_OBJECT(invocation), "skel", g_object_ref(marina_vm_get_skeleton(vm)),
                           g_object_unref);
    g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(addr), NULL, on_vnc_connected,
                                  g_object_ref(invocation));
}

static void
on_screendump(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GDBusMethodInvocation) invocation = data;
    g_autofree char *file = g_strdup(g_object_get_data(G_OBJECT(invocation), "file"));
    MarinaDBusDomain *skel = MARINA_DBUS_DOMAIN(g_object_get_data(G_OBJECT(invocation), "skel"));
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
        skel, invocation, g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, png, TRUE));
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
    file = socket_path(self, name);
    args = json_args("filename", file, "format", "png", NULL);
    g_object_set_data_full(G_OBJECT(invocation), "file", file, g_free);
    g_object_set_data_full(G_OBJECT(invocation), "skel", g_object_ref(marina_vm_get_skeleton(vm)),
                           g_object_unref);
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
    vm_class->start = qemu_start;
    vm_class->restore = qemu_restore;
    vm_class->shutdown = qemu_shutdown;
    vm_class->destroy = qemu_destroy;
    vm_class->reboot = qemu_reboot;
    vm_class->reset = qemu_reset;
    vm_class->suspend = qemu_suspend;
    vm_class->resume = qemu_resume;
    vm_class->save = qemu_save;
    vm_class->open_serial = qemu_open_serial;
    vm_class->open_graphics = qemu_open_graphics;
    vm_class->screenshot = qemu_screenshot;
    vm_class->collect_stats = qemu_collect_stats;
    vm_class->add_info = qemu_add_info;
    vm_class->reattach = qemu_reattach;
    vm_class->state_changed = qemu_state_changed;
}

static void
marina_qemu_vm_init(MarinaQemuVm *self)
{
    self->pidfd = -1;
}
