#define G_LOG_DOMAIN "marinad-test"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "cpu-list.h"
#include "save-image.h"
#include "test-node.h"
#include "test-vm.h"

/* How long a simulated guest takes to power off after the ACPI button. */
#define SHUTDOWN_DELAY_MS 300
#define PROMPT "[root@test-guest ~]# "

typedef struct {
    MarinaTestVm *vm;
    int fd;
    guint watch;
    GString *line; /* what was typed since the last Enter */
} Console;

struct _MarinaTestVm {
    MarinaVm parent_instance;

    gboolean running;
    guint shutdown_timer;

    /* Managed save, kept in memory */
    MarinaDomainConfig *managed;
    gboolean managed_running;

    /* Serial console 0 */
    GString *scrollback;
    GPtrArray *consoles; /* Console* */
    gboolean logged_in;

    /* Statistics: random walks */
    double *vcpu_percent;
    guint n_vcpus;
    guint64 cpu_time_ns;
    guint64 rss_kib;
    guint64 disk_rd, disk_wr, disk_rd_reqs, disk_wr_reqs;
    guint64 net_rx, net_tx;
    gint64 last_sample_us;

    /* Tuning: each running vCPU's pinning (char* CPU list, NULL: not pinned), cleared at
     * every start */
    GPtrArray *vcpu_pins;
};

G_DEFINE_FINAL_TYPE(MarinaTestVm, marina_test_vm, MARINA_TYPE_VM)

#define VM(self) MARINA_VM(self)

static const char *
vm_name(MarinaTestVm *self)
{
    return marina_vm_get_config(VM(self))->name;
}

/* ---------------------------------------------------------------------- */
/* Serial console: a tiny terminal that echoes and answers "echo"          */

static void
console_free(Console *c)
{
    g_clear_handle_id(&c->watch, g_source_remove);
    if (c->fd >= 0)
        close(c->fd);
    g_string_free(c->line, TRUE);
    g_free(c);
}

/* Keep the newest console-limit bytes, as the QEMU relay does. */
static void
trim_scrollback(MarinaTestVm *self)
{
    gsize limit = MAX(marina_vm_get_daemon_config(VM(self))->console_limit, 1024);

    if (self->scrollback->len > limit)
        g_string_erase(self->scrollback, 0, (gssize)(self->scrollback->len - limit / 2));
}

/* What the guest prints reaches the scrollback and every open console. A
 * console that does not read loses output, as with a real serial line. */
static void
guest_print(MarinaTestVm *self, const char *text, gsize len)
{
    g_string_append_len(self->scrollback, text, (gssize)len);
    trim_scrollback(self);
    for (guint i = 0; self->consoles != NULL && i < self->consoles->len; i++) {
        Console *c = self->consoles->pdata[i];
        if (send(c->fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN)
            g_debug("console of '%s': %s", vm_name(self), g_strerror(errno));
    }
}

static void guest_printf(MarinaTestVm *self, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
guest_printf(MarinaTestVm *self, const char *format, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, format);
    text = g_strdup_vprintf(format, ap);
    va_end(ap);
    guest_print(self, text, strlen(text));
}

static void
print_boot(MarinaTestVm *self)
{
    const MarinaDomainConfig *c = marina_vm_get_config(VM(self));

    self->logged_in = FALSE;
    guest_printf(self, "[    0.000000] Linux version 6.1.0-marina-test (test@marina) #1 SMP\r\n");
    guest_printf(self, "[    0.000000] Command line: console=ttyS0 root=/dev/vda1\r\n");
    guest_printf(self, "[    0.004000] Memory: %" G_GUINT64_FORMAT "K available\r\n",
                 c->current_memory_kib);
    guest_printf(self, "[    0.120000] smp: Brought up 1 node, %u CPUs\r\n", c->current_vcpus);
    guest_printf(self, "[    0.850000] Run /sbin/init as init process\r\n");
    guest_printf(self, "\r\nWelcome to the Marina test guest '%s'.\r\n\r\n", c->name);
    guest_printf(self, "test-guest login: ");
}

/* Enter: the first word is taken as the login name; after that lines are
 * commands, of which the shell knows "echo". */
static void
run_line(MarinaTestVm *self, const char *line)
{
    g_autofree char *cmd = g_strstrip(g_strdup(line));

    if (!self->logged_in && strchr(cmd, ' ') == NULL) {
        self->logged_in = TRUE;
        guest_printf(self, "Last login: today on ttyS0\r\n" PROMPT);
        return;
    }
    self->logged_in = TRUE;
    if (g_str_has_prefix(cmd, "echo ") || g_str_equal(cmd, "echo"))
        guest_printf(self, "%s\r\n", cmd[4] ? cmd + 5 : "");
    else if (*cmd != '\0')
        guest_printf(self, "-sh: %s: not found\r\n", cmd);
    guest_printf(self, PROMPT);
}

static void
console_input(MarinaTestVm *self, Console *c, const char *data, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        char ch = data[i];

        if (ch == '\r' || ch == '\n') {
            g_autofree char *line = g_strdup(c->line->str);
            if (ch == '\n' && i > 0 && data[i - 1] == '\r')
                continue; /* CR LF is one Enter */
            g_string_truncate(c->line, 0);
            guest_print(self, "\r\n", 2);
            run_line(self, line);
        } else if (ch == 0x7f || ch == '\b') {
            if (c->line->len > 0) {
                g_string_truncate(c->line, c->line->len - 1);
                guest_print(self, "\b \b", 3);
            }
        } else if ((guchar)ch >= 0x20 && c->line->len < 4096) {
            g_string_append_c(c->line, ch);
            guest_print(self, &ch, 1);
        }
    }
}

static gboolean
on_console_ready(int fd, GIOCondition condition, gpointer data)
{
    Console *c = data;
    MarinaTestVm *self = c->vm;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        c->watch = 0;
        g_ptr_array_remove(self->consoles, c);
        return G_SOURCE_REMOVE;
    }
    console_input(self, c, buf, (gsize)n);
    return G_SOURCE_CONTINUE;
}

static int
add_console(MarinaTestVm *self, GError **error)
{
    int sv[2];
    Console *c;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot open a console: %s"), g_strerror(saved));
        return -1;
    }
    /* Only our end is non-blocking: the flag belongs to each end. */
    g_unix_set_fd_nonblocking(sv[0], TRUE, NULL);
    c = g_new0(Console, 1);
    c->vm = self;
    c->fd = sv[0];
    c->line = g_string_new(NULL);
    c->watch = g_unix_fd_add(sv[0], G_IO_IN | G_IO_HUP | G_IO_ERR, on_console_ready, c);
    g_ptr_array_add(self->consoles, c);
    return sv[1];
}

static void
test_open_serial(MarinaVm *vm, guint index, GDBusMethodInvocation *invocation)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);
    g_autoptr(GBytes) scrollback = NULL;
    GError *error = NULL;
    int fd;

    /* A simulated guest has exactly one serial console. */
    if (!marina_vm_check_serial_index(vm, invocation, index, 1))
        return;
    scrollback = g_bytes_new(self->scrollback->str, self->scrollback->len);
    fd = add_console(self, &error);
    marina_vm_complete_open_serial(vm, invocation, fd, scrollback, error);
}

static void
test_no_display(MarinaVm *vm, GDBusMethodInvocation *invocation)
{
    g_dbus_method_invocation_return_error_literal(invocation, MARINA_ERROR,
                                                  MARINA_ERROR_UNSUPPORTED,
                                                  _("The test driver has no graphical display."));
}

/* ---------------------------------------------------------------------- */
/* Statistics: random walks that look like guests at work                  */

static void
reset_stats(MarinaTestVm *self)
{
    const MarinaDomainConfig *c = marina_vm_get_config(VM(self));

    g_free(self->vcpu_percent);
    self->n_vcpus = MAX(c->current_vcpus, 1);
    self->vcpu_percent = g_new0(double, self->n_vcpus);
    for (guint i = 0; i < self->n_vcpus; i++)
        self->vcpu_percent[i] = g_random_double_range(2, 40);
    self->rss_kib = c->current_memory_kib * (guint64)g_random_int_range(60, 95) / 100;
    self->cpu_time_ns = 0;
    self->disk_rd = self->disk_wr = self->disk_rd_reqs = self->disk_wr_reqs = 0;
    self->net_rx = self->net_tx = 0;
    self->last_sample_us = g_get_monotonic_time();
}

static double
walk(double value, double step, double lo, double hi)
{
    /* CLAMP evaluates its argument more than once: draw first, or a
     * second draw escapes the bounds (negative CPU, counters that wrap). */
    double next = value + g_random_double_range(-step, step);

    return CLAMP(next, lo, hi);
}

static guint64
grow(double per_second, double seconds)
{
    return (guint64)(g_random_double_range(0, 2 * per_second) * seconds);
}

/* Advance the walk by the time since the last sample; returns the CPU
 * percent of one host CPU (a guest with two busy vCPUs shows 200). */
static double
advance_stats(MarinaTestVm *self, double seconds)
{
    gboolean paused = marina_vm_get_state(VM(self), NULL) != MARINA_DOMAIN_RUNNING;
    guint64 mem = marina_vm_get_config(VM(self))->current_memory_kib;
    double total = 0, activity;

    for (guint i = 0; i < self->n_vcpus; i++) {
        self->vcpu_percent[i] = paused ? 0 : walk(self->vcpu_percent[i], 10, 0, 100);
        total += self->vcpu_percent[i];
    }
    self->cpu_time_ns += (guint64)(total / 100.0 * seconds * 1e9);
    self->rss_kib =
        (guint64)walk((double)self->rss_kib, (double)mem * 0.02, (double)mem * 0.5, (double)mem);
    activity = total / self->n_vcpus / 100.0;
    self->disk_rd += grow(4e6 * activity, seconds);
    self->disk_wr += grow(2e6 * activity, seconds);
    self->disk_rd_reqs = self->disk_rd / 4096;
    self->disk_wr_reqs = self->disk_wr / 4096;
    self->net_rx += grow(1e6 * activity + 2e3, seconds);
    self->net_tx += grow(5e5 * activity + 1e3, seconds);
    return total;
}

static void
test_sample_stats(MarinaVm *vm, guint kinds, MarinaVmStats *s)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);
    const MarinaDomainConfig *c = marina_vm_get_config(vm);
    gint64 now = g_get_monotonic_time();
    double seconds = (double)(now - self->last_sample_us) / 1e6;

    self->last_sample_us = now;
    s->cpu_percent = advance_stats(self, CLAMP(seconds, 0, 3600));
    s->vcpus = c->current_vcpus;
    s->memory_kib = c->current_memory_kib;
    s->cpu_time_ns = self->cpu_time_ns;
    s->memory_rss_kib = self->rss_kib;
    s->disk_rd_bytes = self->disk_rd;
    s->disk_wr_bytes = self->disk_wr;
    s->disk_rd_reqs = self->disk_rd_reqs;
    s->disk_wr_reqs = self->disk_wr_reqs;
    s->net_rx_bytes = self->net_rx;
    s->net_tx_bytes = self->net_tx;
    s->timestamp_us = g_get_real_time();
}

static void
test_add_info(MarinaVm *vm, GVariantDict *info)
{
    g_variant_dict_insert(info, "cpu-time-ns", "t", MARINA_TEST_VM(vm)->cpu_time_ns);
}

/* ---------------------------------------------------------------------- */
/* Lifecycle                                                               */

static void
power_on(MarinaTestVm *self, gboolean paused, gboolean restored)
{
    MarinaVm *vm = VM(self);

    self->running = TRUE;
    g_ptr_array_set_size(self->vcpu_pins, 0);
    marina_vm_assign_id(vm);
    reset_stats(self);
    g_string_truncate(self->scrollback, 0);
    print_boot(self);
    g_info("Guest '%s' started (simulated)", vm_name(self));
    marina_vm_set_state(vm, paused ? MARINA_DOMAIN_PAUSED : MARINA_DOMAIN_RUNNING,
                        paused ? MARINA_PAUSED_USER
                               : (restored ? MARINA_RUNNING_RESTORED : MARINA_RUNNING_BOOTED),
                        "started", restored ? "restored" : "booted");
}

static void
power_off(MarinaTestVm *self, guint reason)
{
    if (!self->running)
        return;
    self->running = FALSE;
    g_clear_handle_id(&self->shutdown_timer, g_source_remove);
    g_ptr_array_set_size(self->consoles, 0);
    g_string_truncate(self->scrollback, 0);
    marina_vm_stopped(VM(self), reason);
}

static void
return_true(GTask *task)
{
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
test_start(MarinaVm *vm, guint flags, GTask *task)
{
    power_on(MARINA_TEST_VM(vm), (flags & MARINA_VM_START_PAUSED) != 0, FALSE);
    return_true(task);
}

static MarinaDomainConfig *
read_save_file(MarinaTestVm *self, const char *file, gboolean *running, GError **error)
{
    MarinaDomainConfig *config = NULL;
    int fd = marina_vm_open_save_image(VM(self), file, &config, running, error);

    /* A simulated guest has no memory image to read past the header. */
    if (fd < 0)
        return NULL;
    close(fd);
    marina_test_domain_mark(config);
    return config;
}

static void
test_restore(MarinaVm *vm, const char *file, guint flags, gboolean delete_after, GTask *task)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);
    MarinaDomainConfig *config;
    gboolean running = TRUE;
    GError *error = NULL;

    if (file == NULL) {
        config = g_steal_pointer(&self->managed);
        running = self->managed_running;
        if (config == NULL)
            g_set_error(&error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("Guest '%s' has no managed save image."), vm_name(self));
    } else {
        config = read_save_file(self, file, &running, &error);
    }
    if (config == NULL) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    marina_vm_set_live(vm, config);
    if (file != NULL && delete_after)
        g_unlink(file);
    marina_vm_load_flags(vm);
    power_on(self, (flags & MARINA_VM_START_PAUSED) || !running, TRUE);
    return_true(task);
}

static gboolean
on_shutdown_timer(gpointer data)
{
    MarinaTestVm *self = data;

    self->shutdown_timer = 0;
    power_off(self, MARINA_SHUTOFF_SHUTDOWN);
    return G_SOURCE_REMOVE;
}

static void
test_shutdown(MarinaVm *vm, GTask *task)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);

    /* A guest takes a moment to power off; clients see it happen later. */
    if (self->shutdown_timer == 0) {
        guest_printf(self, "\r\n[  OK  ] Reached target Power-Off.\r\n");
        self->shutdown_timer = g_timeout_add(SHUTDOWN_DELAY_MS, on_shutdown_timer, self);
    }
    return_true(task);
}

static void
test_destroy(MarinaVm *vm)
{
    power_off(MARINA_TEST_VM(vm), MARINA_SHUTOFF_DESTROYED);
}

static void
test_reboot(MarinaVm *vm, GTask *task)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);

    print_boot(self);
    marina_vm_emit_event(vm, "rebooted", "");
    return_true(task);
}

static void
test_reset(MarinaVm *vm, GTask *task)
{
    /* A host-initiated reset sends no event with QEMU either. */
    print_boot(MARINA_TEST_VM(vm));
    return_true(task);
}

static void
test_suspend(MarinaVm *vm, GTask *task)
{
    marina_vm_set_state(vm, MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER, "suspended", "paused");
    return_true(task);
}

static void
test_resume(MarinaVm *vm, GTask *task)
{
    marina_vm_set_state(vm, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_UNPAUSED, "resumed", "unpaused");
    return_true(task);
}

/* A real save image header (the configuration) and no QEMU stream; written
 * beside the target and renamed, so a failure leaves no half file. */
static gboolean
write_save_file(MarinaTestVm *self, const char *file, gboolean running, GError **error)
{
    g_autoptr(MarinaDomainConfig) copy =
        marina_test_domain_to_parseable(marina_vm_get_config(VM(self)));
    g_autofree char *tmp = g_strdup_printf("%s.partial-XXXXXX", file);
    int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
    gboolean ok;

    if (fd < 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot create the save file %s: %s"), file, g_strerror(saved));
        return FALSE;
    }
    ok = marina_save_image_write_header(fd, copy, running, error);
    /* The header's full 4 KiB, where QEMU's stream would begin. */
    if (ok &&
        (ftruncate(fd, lseek(fd, 0, SEEK_CUR)) != 0 || fsync(fd) != 0 || rename(tmp, file) != 0)) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot write the save file %s: %s"), file, g_strerror(saved));
        ok = FALSE;
    }
    close(fd);
    if (!ok)
        g_unlink(tmp);
    return ok;
}

static void
test_save(MarinaVm *vm, const char *file, GTask *task)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);
    gboolean running = marina_vm_get_state(vm, NULL) == MARINA_DOMAIN_RUNNING;
    GError *error = NULL;

    if (file == NULL) {
        marina_domain_config_free(self->managed);
        self->managed = marina_domain_config_copy(marina_vm_get_config(vm));
        self->managed_running = running;
    } else if (!write_save_file(self, file, running, &error)) {
        g_prefix_error(&error, _("Saving guest '%s' failed: "), vm_name(self));
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    power_off(self, MARINA_SHUTOFF_SAVED);
    return_true(task);
}

/* ---------------------------------------------------------------------- */
/* In-memory persistence                                                   */

static gboolean
test_store_definition(MarinaVm *vm, const MarinaDomainConfig *def, GError **error)
{
    return TRUE;
}

static gboolean
test_forget_definition(MarinaVm *vm, GError **error)
{
    return TRUE;
}

static gboolean
test_store_autostart(MarinaVm *vm, gboolean on, GError **error)
{
    return TRUE;
}

static void
test_load_flags(MarinaVm *vm, gboolean *autostart, gboolean *managed_save)
{
    *managed_save = MARINA_TEST_VM(vm)->managed != NULL;
}

static void
test_discard_managed_save(MarinaVm *vm)
{
    g_clear_pointer(&MARINA_TEST_VM(vm)->managed, marina_domain_config_free);
}

static gboolean
test_is_active(MarinaVm *vm)
{
    return MARINA_TEST_VM(vm)->running;
}

void
marina_test_vm_set_initial_state(MarinaTestVm *self, MarinaDomainState state)
{
    MarinaVm *vm = VM(self);

    if (state != MARINA_DOMAIN_RUNNING && state != MARINA_DOMAIN_PAUSED)
        return;
    marina_vm_set_live(vm, marina_domain_config_copy(marina_vm_get_definition(vm)));
    self->running = TRUE;
    marina_vm_assign_id(vm);
    reset_stats(self);
    print_boot(self);
    marina_vm_set_state(vm, state,
                        state == MARINA_DOMAIN_PAUSED ? MARINA_PAUSED_USER : MARINA_RUNNING_BOOTED,
                        NULL, NULL);
}

/* ---------------------------------------------------------------------- */
/* Tuning: the balloon and vCPU count take effect at once (the base class    */
/* keeps them in the running configuration); pinning is remembered.         */

static void
test_set_memory(MarinaVm *vm, guint64 kib, GTask *task)
{
    return_true(task);
}

static void
test_set_vcpus(MarinaVm *vm, guint count, GTask *task)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);

    /* A vCPU taken away loses its pinning, as a QEMU thread would. */
    if (self->vcpu_pins->len > count)
        g_ptr_array_set_size(self->vcpu_pins, count);
    return_true(task);
}

static void
test_pin_vcpu(MarinaVm *vm, guint vcpu, const cpu_set_t *cpus, GTask *task)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);

    if (self->vcpu_pins->len <= vcpu)
        g_ptr_array_set_size(self->vcpu_pins, vcpu + 1);
    g_free(self->vcpu_pins->pdata[vcpu]);
    self->vcpu_pins->pdata[vcpu] = marina_cpu_list_format(cpus);
    return_true(task);
}

static void
test_get_vcpu_info(MarinaVm *vm, GTask *task)
{
    MarinaTestVm *self = MARINA_TEST_VM(vm);
    const MarinaDomainConfig *live = marina_vm_get_live(vm);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)marina_vm_vcpu_info_free);
    gboolean paused = marina_vm_get_state(vm, NULL) == MARINA_DOMAIN_PAUSED;
    guint host_cpus = marina_cpu_list_host_cpus();
    cpu_set_t all;

    marina_cpu_list_all(&all);
    for (guint v = 0; v < live->current_vcpus; v++) {
        MarinaVmVcpuInfo *info = marina_vm_vcpu_info_new(v);
        const char *pin = v < self->vcpu_pins->len ? self->vcpu_pins->pdata[v] : NULL;

        info->online = TRUE;
        info->state = paused ? "halted" : "running";
        info->cpu = (int)(v % host_cpus);
        info->cpu_time_ns = self->cpu_time_ns / live->current_vcpus;
        info->affinity = pin != NULL ? g_strdup(pin)
                         : live->cpuset != NULL ? g_strdup(live->cpuset)
                                                : marina_cpu_list_format(&all);
        g_ptr_array_add(out, info);
    }
    g_task_return_pointer(task, out, (GDestroyNotify)g_ptr_array_unref);
    g_object_unref(task);
}

/* ---------------------------------------------------------------------- */
/* Object                                                                  */

static void
marina_test_vm_dispose(GObject *object)
{
    MarinaTestVm *self = MARINA_TEST_VM(object);

    g_clear_handle_id(&self->shutdown_timer, g_source_remove);
    if (self->consoles != NULL)
        g_ptr_array_set_size(self->consoles, 0);
    G_OBJECT_CLASS(marina_test_vm_parent_class)->dispose(object);
}

static void
marina_test_vm_finalize(GObject *object)
{
    MarinaTestVm *self = MARINA_TEST_VM(object);

    g_clear_pointer(&self->consoles, g_ptr_array_unref);
    g_string_free(self->scrollback, TRUE);
    marina_domain_config_free(self->managed);
    g_free(self->vcpu_percent);
    g_clear_pointer(&self->vcpu_pins, g_ptr_array_unref);
    G_OBJECT_CLASS(marina_test_vm_parent_class)->finalize(object);
}

static void
marina_test_vm_class_init(MarinaTestVmClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    MarinaVmClass *vm_class = MARINA_VM_CLASS(klass);

    object_class->dispose = marina_test_vm_dispose;
    object_class->finalize = marina_test_vm_finalize;
    vm_class->is_active = test_is_active;
    vm_class->is_controllable = test_is_active;
    vm_class->start = test_start;
    vm_class->restore = test_restore;
    vm_class->shutdown = test_shutdown;
    vm_class->destroy = test_destroy;
    vm_class->reboot = test_reboot;
    vm_class->reset = test_reset;
    vm_class->suspend = test_suspend;
    vm_class->resume = test_resume;
    vm_class->save = test_save;
    vm_class->open_serial = test_open_serial;
    vm_class->open_graphics = test_no_display;
    vm_class->screenshot = test_no_display;
    vm_class->sample_stats = test_sample_stats;
    vm_class->add_info = test_add_info;
    vm_class->store_definition = test_store_definition;
    vm_class->forget_definition = test_forget_definition;
    vm_class->store_autostart = test_store_autostart;
    vm_class->load_flags = test_load_flags;
    vm_class->discard_managed_save = test_discard_managed_save;
    /* Tuning */
    vm_class->set_memory = test_set_memory;
    vm_class->set_vcpus = test_set_vcpus;
    vm_class->pin_vcpu = test_pin_vcpu;
    vm_class->get_vcpu_info = test_get_vcpu_info;
}

static void
marina_test_vm_init(MarinaTestVm *self)
{
    self->scrollback = g_string_new(NULL);
    self->consoles = g_ptr_array_new_with_free_func((GDestroyNotify)console_free);
    self->vcpu_pins = g_ptr_array_new_with_free_func(g_free);
}
