#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xml-util.h"
#include "host-info.h"
#include "qemu-command.h"
#include "qemu-vm-helpers.h"
#include "qemu-vm-private.h"
#include "network-registry.h"
#include "tap-device.h"
#include "serial-relay.h"
#include "state-store.h"

/*
 * The start sequence of a QEMU guest: check the host and the guest's files,
 * spawn QEMU (pinned, logging, taps and sockets handed over), attach the
 * serial relays, connect QMP, then let the guest run (or hold it for a
 * restore, a VNC password, or a paused start). Also re-attaching to a QEMU
 * still running from before the daemon restarted.
 */

/* ---------------------------------------------------------------------- */
/* Starting QEMU                                                           */

/* A plain boot runs at once: the serial sockets (wait=on) already keep every
 * byte, so waiting for QMP before letting the CPU go would only add delay.
 * The daemon holds the guest when it must act first: restoring its state,
 * setting a VNC password, or starting it paused. */
static gboolean
must_hold(const MarinaDomainConfig *config, const StartData *d)
{
    if ((d->flags & (MARINA_VM_START_PAUSED | MARINA_VM_START_INCOMING)) || d->restore_fd >= 0)
        return TRUE;
    if (marina_qemu_vm_has_start_settings(config))
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
static int
open_bridge_tap(MarinaQemuVm *self, MarinaInterfaceConfig *iface, GError **error)
{
    g_autofree char *name = NULL;
    int fd = marina_tap_open_on_bridge(iface->source, iface->target_dev, &name, error);

    if (fd >= 0) {
        g_free(iface->target_dev);
        iface->target_dev = g_steal_pointer(&name);
    }
    return fd;
}

/* An <interface type='network'>: as the network registry says (a tap on the
 * network's bridge, or a -netdev value in @netdevs[i]); what was done goes
 * into @notes for the guest's log. */
static gboolean
attach_network(MarinaQemuVm *self, MarinaInterfaceConfig *iface, int *fd, char **netdev,
               GString *notes, GError **error)
{
    MarinaNetworkRegistry *networks = marina_vm_get_networks(VM(self));
    MarinaNetAttachment a;

    if (networks == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Interface %s: this daemon has no virtual networks."), iface->mac);
        return FALSE;
    }
    if (!marina_network_registry_attach_guest(networks, LIVE(self)->name, iface, &a, error))
        return FALSE;
    g_info("Guest '%s': %s", LIVE(self)->name, a.detail);
    g_string_append_printf(notes, "marinad: %s\n", a.detail);
    *fd = a.tap_fd;
    a.tap_fd = -1;
    if (a.tap_name != NULL) {
        g_free(iface->target_dev);
        iface->target_dev = g_steal_pointer(&a.tap_name);
    }
    *netdev = g_steal_pointer(&a.netdev);
    marina_net_attachment_clear(&a);
    return TRUE;
}

static gboolean
open_taps(MarinaQemuVm *self, GSubprocessLauncher *launcher, int first_fd, int *tap_fds,
          char **netdevs, GString *notes, GError **error)
{
    GPtrArray *ifaces = LIVE(self)->interfaces;

    /* Port forwards it held in an earlier run go to its interfaces again
     * (or to another guest) from here. */
    if (marina_vm_get_networks(VM(self)) != NULL)
        marina_network_registry_release_guest(marina_vm_get_networks(VM(self)), LIVE(self)->name,
                                              NULL);
    for (guint i = 0; i < ifaces->len; i++) {
        MarinaInterfaceConfig *iface = ifaces->pdata[i];
        gboolean ok = TRUE;
        int fd = -1;

        tap_fds[i] = -1;
        if (iface->type == MARINA_NET_TYPE_NETWORK)
            ok = attach_network(self, iface, &fd, &netdevs[i], notes, error);
        else if (iface->type == MARINA_NET_TYPE_BRIDGE && CFG(self)->system)
            ok = (fd = open_bridge_tap(self, iface, error)) >= 0;
        if (!ok) {
            g_prefix_error(error, _("Guest '%s' cannot start: "), LIVE(self)->name);
            return FALSE;
        }
        if (fd < 0)
            continue; /* user-mode, the bridge helper, or nothing to do */
        g_subprocess_launcher_take_fd(launcher, fd, first_fd + (int)i);
        tap_fds[i] = first_fd + (int)i;
    }
    return TRUE;
}

/* The parser drops generated "vnetN" names (as libvirt does for pasted
 * XML), but a running guest's own live XML names its taps: keep them, so
 * statistics and domiflist still see them after a daemon restart. */
static void
restore_tap_names(MarinaDomainConfig *live, const char *xml)
{
    xmlDoc *doc = marina_xml_read_hardened(xml, -1, MARINA_DOMAIN_XML_MAX, "The live XML", NULL);
    xmlNode *devices = doc != NULL ? marina_xml_child(xmlDocGetRootElement(doc), "devices") : NULL;
    guint i = 0;

    for (xmlNode *n = devices != NULL ? devices->children : NULL;
         n != NULL && i < live->interfaces->len; n = n->next) {
        MarinaInterfaceConfig *iface;
        g_autofree char *dev = NULL;

        if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST "interface"))
            continue;
        iface = live->interfaces->pdata[i++];
        dev = marina_xml_prop(marina_xml_child(n, "target"), "dev");
        if (iface->target_dev == NULL && dev != NULL && strlen(dev) < 16 &&
            g_str_has_prefix(dev, "vnet"))
            iface->target_dev = g_steal_pointer(&dev);
    }
    if (doc != NULL)
        xmlFreeDoc(doc);
}

static GSubprocess *
spawn_qemu(MarinaQemuVm *self, StartData *d, GError **error)
{
    guint n_chardevs = marina_qemu_command_n_chardevs(LIVE(self));
    g_autofree int *chardev_fds = g_new0(int, n_chardevs + 1);
    guint n_ifaces = LIVE(self)->interfaces->len;
    g_autofree int *tap_fds = g_new0(int, n_ifaces + 1);
    g_auto(GStrv) netdevs = g_new0(char *, n_ifaces + 1);
    g_autoptr(GString) notes = g_string_new(NULL);
    g_autofree char *qmp_path = marina_qemu_vm_socket_path(self, "m");
    g_autofree char *vnc_path = marina_qemu_vm_socket_path(self, "v");
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
        g_autofree char *path = marina_qemu_vm_socket_path(self, name);
        int fd = listen_unix(path, error);
        if (fd < 0)
            return NULL;
        g_subprocess_launcher_take_fd(launcher, fd, 4 + i);
        chardev_fds[i] = 4 + i;
    }
    if (!open_taps(self, launcher, 4 + n_chardevs, tap_fds, netdevs, notes, error))
        return NULL;

    opts.emulator = CFG(self)->emulator;
    opts.accel = CFG(self)->accel;
    opts.qmp_fd = 3;
    opts.chardev_fds = chardev_fds;
    opts.n_chardev_fds = n_chardevs;
    opts.vnc_socket = vnc_path;
    opts.incoming = d->restore_fd >= 0 || (d->flags & MARINA_VM_START_INCOMING);
    opts.tap_fds = tap_fds;
    opts.n_tap_fds = n_ifaces;
    opts.netdevs = (const char *const *)netdevs;
    opts.n_netdevs = n_ifaces;
    opts.privileged = CFG(self)->system;
    opts.tpm_socket = marina_qemu_vm_tpm_socket(self);
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
    if (notes->len > 0)
        log_line(d->log_path, notes->str);
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
    g_autofree char *tail =
        d->log_path ? marina_qemu_log_tail_since(d->log_path, d->log_offset) : NULL;
    const char *name = vm_name(self);

    self->starting = FALSE;
    marina_qemu_vm_stop_swtpm(self);
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

    if (d->flags & MARINA_VM_START_INCOMING) {
        /* The migration runs it once the guest has arrived (qemu-vm-migrate-in.c). */
        self->migrating = TRUE;
        marina_vm_set_state(VM(self), MARINA_DOMAIN_PAUSED, MARINA_PAUSED_MIGRATION, "started",
                            "migrated");
        start_finish_running(task);
        return;
    }
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
    marina_qemu_vm_qmp_step(task, "cont", NULL, -1, on_running, fail_start);
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
    marina_qemu_vm_qmp_step(task, "query-status", NULL, -1, on_incoming_status, fail_start);
}

static void
on_incoming_started(GTask *task, JsonNode *reply)
{
    poll_incoming(task);
}

static void
on_restore_fd_passed(GTask *task, JsonNode *reply)
{
    marina_qemu_vm_qmp_step(task, "migrate-incoming",
                            marina_qemu_json_args("uri", "fd:marina-restore", NULL), -1,
                            on_incoming_started, fail_start);
}

static void
after_qmp_ready(GTask *task)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    StartData *d = g_task_get_task_data(task);

    marina_qemu_vm_write_runtime_state(self);
    marina_qemu_vm_apply_start_settings(self);
    for (guint i = 0; i < LIVE(self)->graphics->len; i++) {
        MarinaGraphicsConfig *g = LIVE(self)->graphics->pdata[i];
        if (g->password != NULL)
            marina_qmp_client_execute_async(
                self->qmp, "set_password",
                marina_qemu_json_args("protocol", "vnc", "password", g->password, NULL), -1, NULL,
                NULL, NULL);
    }
    if (d->restore_fd >= 0) {
        marina_qemu_vm_qmp_step(task, "getfd",
                                marina_qemu_json_args("fdname", "marina-restore", NULL),
                                d->restore_fd, on_restore_fd_passed, fail_start);
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
    marina_qemu_vm_adopt_qmp(self, qmp);
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
        g_autofree char *path = marina_qemu_vm_socket_path(self, name);
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

void
marina_qemu_vm_launch(GTask *task)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    StartData *d = g_task_get_task_data(task);
    g_autofree char *qmp_path = NULL;
    GError *error = NULL;

    d->log_path = marina_state_log_path(CFG(self), LIVE(self)->name, ".log");
    if (!check_host_memory(self, &error) || !check_guest_files(self, &error) ||
        !prepare_guest_dir(self, &error) || !marina_qemu_vm_prepare_host_side(self, &error) ||
        (self->proc = spawn_qemu(self, d, &error)) == NULL) {
        marina_qemu_vm_stop_swtpm(self);
        marina_qemu_vm_release_pci_hostdevs(self);
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
    g_subprocess_wait_async(self->proc, self->run_cancel, marina_qemu_vm_on_subprocess_exited,
                            g_object_ref(self));
    g_info("Guest '%s' started as pid %d", LIVE(self)->name, self->pid);

    attach_relays(self);
    qmp_path = marina_qemu_vm_socket_path(self, "m");
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
    else if (self->incoming_left &&
             (g_str_equal(status, "inmigrate") || g_str_equal(status, "paused"))) {
        /* A guest this host was receiving when the daemon stopped: nobody
         * can finish that migration now (the source keeps the guest). */
        g_info("Guest '%s' was arriving by migration when the daemon stopped; removing it",
               vm_name(self));
        self->start_failed = TRUE;
        marina_qemu_vm_terminate(self);
    } else if (g_str_equal(status, "shutdown"))
        /* The guest powered off while nobody was listening. */
        marina_qemu_vm_guest_poweroff(self, "guest-shutdown");
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
        marina_qemu_vm_terminate(self);
        return;
    }
    marina_qemu_vm_adopt_qmp(self, qmp);
    marina_qmp_client_execute_async(qmp, "query-status", NULL, -1, NULL, on_reattach_status,
                                    g_object_ref(self));
}

/* ---------------------------------------------------------------------- */
/* Driver entry points                                                     */

StartData *
marina_qemu_vm_start_data_new(GTask *task, guint flags)
{
    StartData *d = g_new0(StartData, 1);

    d->flags = flags;
    d->restore_fd = -1;
    g_task_set_task_data(task, d, (GDestroyNotify)start_data_free);
    return d;
}

void
marina_qemu_vm_start(MarinaVm *vm, guint flags, GTask *task)
{
    marina_qemu_vm_start_data_new(task, flags);
    marina_qemu_vm_launch(task);
}

gboolean
marina_qemu_vm_reattach(MarinaVm *vm, GError **error)
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
        /* Its PCI host devices still wait on vfio-pci for it. */
        marina_qemu_vm_load_pci_drivers(self, kf);
        marina_qemu_vm_release_pci_hostdevs(self);
        marina_qemu_vm_remove_runtime_state(self, DEF(self)->uuid);
        return FALSE;
    }
    live = marina_domain_config_parse(xml, -1, NULL, error);
    if (live == NULL)
        return FALSE;
    restore_tap_names(live, xml);
    marina_vm_set_live(vm, live);
    self->pid = pid;
    self->pid_start_ticks = start_ticks;
    self->reboot_requested = g_key_file_get_boolean(kf, "runtime", "reboot-requested", NULL);
    self->run_cancel = g_cancellable_new();
    self->guest_dir = marina_state_guest_dir(CFG(self), live->uuid);
    if (!marina_qemu_vm_watch_pid(self, error)) {
        self->pid = 0;
        marina_vm_set_live(vm, NULL);
        return FALSE;
    }
    marina_vm_set_id(vm, g_key_file_get_integer(kf, "runtime", "id", NULL));
    marina_qemu_vm_load_pci_drivers(self, kf);
    self->incoming_left = g_key_file_get_boolean(kf, "runtime", "incoming-migration", NULL);
    /* Kept in the runtime state until it is gone (a second restart knows too). */
    self->migrating = self->incoming_left;
    /* Still on its install boot: its first reboot must bring the definition. */
    marina_vm_set_installing(vm, g_key_file_get_boolean(kf, "runtime", "installing", NULL));
    marina_vm_set_state(vm, g_key_file_get_integer(kf, "runtime", "state", NULL),
                        g_key_file_get_integer(kf, "runtime", "reason", NULL), NULL, NULL);
    attach_relays(self);
    /* The scrollback died with the daemon that relayed until now; the logs hold the same bytes. */
    for (guint i = 0; i < self->relays->len; i++)
        marina_serial_relay_restore_scrollback(self->relays->pdata[i]);
    qmp_path = marina_qemu_vm_socket_path(self, "m");
    marina_qmp_client_connect_async(qmp_path, self->run_cancel, on_reattach_qmp,
                                    g_object_ref(self));
    g_info("Re-attached to guest '%s' (pid %d)", live->name, pid);
    return TRUE;
}
