#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <gio/gunixfdlist.h>

#include "core/error.h"
#include "harness.h"

static const char *
env_or_die(const char *name)
{
    const char *v = g_getenv(name);

    if (v == NULL || *v == '\0') {
        fprintf(stderr, "%s is not set: run this test through 'meson test'.\n", name);
        exit(1);
    }
    return v;
}

const char *
harness_guest_dir(void)
{
    return env_or_die("MARINA_TEST_GUEST_DIR");
}

void
harness_iterate(int ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

    while (g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(2000);
    }
}

static gboolean
wait_for_socket(const char *path, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (g_get_monotonic_time() < end) {
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            return TRUE;
        g_usleep(10000);
    }
    return FALSE;
}

void
harness_start_daemon(Harness *h)
{
    const char *argv[] = {env_or_die("MARINAD"), "--session",  "--socket", h->socket,
                          "--state-dir",         h->state_dir, "-v",       NULL};
    g_autoptr(GError) error = NULL;
    g_autofree char *log = g_build_filename(h->dir, "marinad.log", NULL);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int fds[3] = {-1, fd, fd};
    gboolean ok;

    ok = g_spawn_async_with_fds(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &h->daemon_pid, fds[0], fds[1], fds[2], &error);
    close(fd);
    assert_true(ok);
    assert_true(wait_for_socket(h->socket, 10000));
}

void
harness_stop_daemon(Harness *h, int sig)
{
    int status;

    g_clear_object(&h->host);
    if (h->conn != NULL)
        g_dbus_connection_close_sync(h->conn, NULL, NULL);
    g_clear_object(&h->conn);
    if (h->daemon_pid <= 0)
        return;
    kill(h->daemon_pid, sig);
    waitpid(h->daemon_pid, &status, 0);
    h->daemon_pid = 0;
    /* A killed daemon leaves its socket file behind; the next one copes. */
}

GDBusConnection *
harness_new_connection(Harness *h)
{
    g_autofree char *escaped = g_dbus_address_escape_value(h->socket);
    g_autofree char *address = g_strconcat("unix:path=", escaped, NULL);
    g_autoptr(GError) error = NULL;
    GDBusConnection *conn = NULL;

    for (int attempt = 0; attempt < 100 && conn == NULL; attempt++) {
        g_clear_error(&error);
        conn = g_dbus_connection_new_for_address_sync(
            address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);
        if (conn == NULL)
            g_usleep(20000);
    }
    if (conn == NULL)
        fprintf(stderr, "connect: %s\n", error->message);
    assert_non_null(conn);
    return conn;
}

void
harness_connect(Harness *h)
{
    g_autoptr(GError) error = NULL;

    h->conn = harness_new_connection(h);
    h->host = marina_dbus_host_proxy_new_sync(h->conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                                              "/org/marinavm/Marina1", NULL, &error);
    assert_non_null(h->host);
}

Harness *
harness_new(void)
{
    Harness *h = g_new0(Harness, 1);
    g_autoptr(GError) error = NULL;

    (void)marina_error_quark(); /* daemon errors arrive as MARINA_ERROR codes */
    /* Short paths: unix socket paths are limited to 107 bytes. */
    h->dir = g_dir_make_tmp("mit-XXXXXX", &error);
    assert_non_null(h->dir);
    h->socket = g_build_filename(h->dir, "sock", NULL);
    h->state_dir = g_build_filename(h->dir, "st", NULL);
    h->uri = g_strconcat("marina+unix://", h->socket, NULL);
    harness_start_daemon(h);
    harness_connect(h);
    return h;
}

/* Whether process @pid's command line names a path under @prefix. */
static gboolean
cmdline_mentions(const char *pid, const char *prefix)
{
    g_autofree char *path = g_build_filename("/proc", pid, "cmdline", NULL);
    g_autofree char *text = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, NULL))
        return FALSE;
    for (gsize i = 0; i < len; i += strlen(text + i) + 1)
        if (strstr(text + i, prefix) != NULL)
            return TRUE;
    return FALSE;
}

/* Whether process @pid holds a file under @prefix open (its log, a disk,
 * a socket file does not show; its stdout does). */
static gboolean
holds_file_under(const char *pid, const char *prefix)
{
    g_autofree char *dir = g_build_filename("/proc", pid, "fd", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *fd;

    while (d != NULL && (fd = g_dir_read_name(d)) != NULL) {
        g_autofree char *link = g_build_filename(dir, fd, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);

        if (target != NULL && g_str_has_prefix(target, prefix))
            return TRUE;
    }
    return FALSE;
}

/* Kills every process but this one that names @h's directory on its
 * command line or holds a file in it: a QEMU the daemon no longer knows
 * (a destination's, of an incoming migration that never finished; one
 * whose runtime state was removed), a qemu-nbd, a qemu-img. Returns how
 * many it found. */
static guint
kill_processes_of(Harness *h)
{
    g_autofree char *prefix = g_strconcat(h->dir, "/", NULL);
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    g_autofree char *self = g_strdup_printf("%d", (int)getpid());
    const char *pid;
    guint found = 0;

    while (proc != NULL && (pid = g_dir_read_name(proc)) != NULL) {
        if (!g_ascii_isdigit(*pid) || g_str_equal(pid, self))
            continue;
        if (cmdline_mentions(pid, prefix) || holds_file_under(pid, prefix)) {
            kill((pid_t)g_ascii_strtoll(pid, NULL, 10), SIGKILL);
            found++;
        }
    }
    return found;
}

/* Kill every QEMU this host started, whatever state the test left. */
static void
kill_guests(Harness *h)
{
    g_autofree char *dir = g_build_filename(h->state_dir, "run", "domains", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    /* Then whatever the runtime state does not name; until none is left
     * (a killed process keeps its files until it is gone). */
    while (kill_processes_of(h) > 0 && g_get_monotonic_time() < end)
        g_usleep(20000);
    if (d == NULL)
        return;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = NULL;
        g_autoptr(GKeyFile) kf = g_key_file_new();
        gint64 pid;

        if (!g_str_has_suffix(name, ".state"))
            continue;
        path = g_build_filename(dir, name, NULL);
        if (!g_key_file_load_from_file(kf, path, 0, NULL))
            continue;
        pid = g_key_file_get_int64(kf, "runtime", "pid", NULL);
        if (pid > 1)
            kill((pid_t)pid, SIGKILL);
    }
}

void
harness_free(Harness *h)
{
    g_autofree char *log = NULL;
    g_autofree char *cmd = NULL;

    if (h == NULL)
        return;
    harness_stop_daemon(h, SIGTERM);
    kill_guests(h);
    if (g_getenv("MARINA_TEST_KEEP") == NULL) {
        cmd = g_strdup_printf("rm -rf '%s'", h->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", h->dir);
    } else {
        fprintf(stderr, "kept %s\n", h->dir);
    }
    g_free(h->dir);
    g_free(h->socket);
    g_free(h->state_dir);
    g_free(h->uri);
    g_free(h);
}

int
harness_group_setup(void **state)
{
    *state = harness_new();
    return 0;
}

int
harness_group_teardown(void **state)
{
    harness_free(*state);
    return 0;
}

char *
harness_guest_xml(const char *name, const char *extra_devices)
{
    const char *dir = harness_guest_dir();

    return g_strdup_printf(
        "<domain type='kvm'>\n"
        "  <name>%s</name>\n"
        "  <memory unit='MiB'>128</memory>\n"
        "  <vcpu>1</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='pc'>hvm</type>\n"
        "    <kernel>%s/vmlinuz</kernel>\n"
        "    <initrd>%s/initrd.img</initrd>\n"
        "    <cmdline>console=ttyS0 quiet panic=-1 acpi=noirq cryptomgr.notests</cmdline>\n"
        "  </os>\n"
        "  <features><acpi/><apic/></features>\n"
        "  <devices>\n"
        "    <serial type='pty'><target port='0'/></serial>\n"
        "    <console type='pty'><target type='serial' port='0'/></console>\n"
        "    <memballoon model='none'/>\n"
        "%s"
        "  </devices>\n"
        "</domain>\n",
        name, dir, dir, extra_devices ? extra_devices : "");
}

MarinaDBusDomain *
harness_domain(Harness *h, GDBusConnection *conn, const char *object_path)
{
    g_autoptr(GError) error = NULL;
    MarinaDBusDomain *dom = marina_dbus_domain_proxy_new_sync(conn ? conn : h->conn,
                                                              G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                              NULL, object_path, NULL, &error);

    assert_non_null(dom);
    return dom;
}

MarinaDBusDomain *
harness_define(Harness *h, const char *xml)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_auto(GStrv) warnings = NULL;

    if (!marina_dbus_host_call_define_domain_sync(h->host, xml, &path, &warnings, NULL, &error))
        fprintf(stderr, "define failed: %s\n", error->message);
    assert_non_null(path);
    return harness_domain(h, NULL, path);
}

int
harness_open_serial(Harness *h, MarinaDBusDomain *dom, GString *acc)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) fd_index = NULL;
    g_autoptr(GVariant) scrollback = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    gsize len = 0;
    const char *data;
    int fd;

    if (!marina_dbus_domain_call_open_serial_sync(dom, 0, NULL, &fd_index, &scrollback, &fds, NULL,
                                                  &error))
        fprintf(stderr, "OpenSerial: %s\n", error->message);
    assert_non_null(fds);
    fd = g_unix_fd_list_get(fds, g_variant_get_handle(fd_index), &error);
    assert_true(fd >= 0);
    data = g_variant_get_fixed_array(scrollback, &len, 1);
    g_string_append_len(acc, data, (gssize)len);
    return fd;
}

gboolean
harness_wait_output(int fd, GString *acc, gsize from, const char *pattern, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        gint64 left;
        char buf[4096];
        ssize_t n;

        if (acc->len > from && strstr(acc->str + from, pattern) != NULL)
            return TRUE;
        left = (end - g_get_monotonic_time()) / 1000;
        if (left <= 0)
            return FALSE;
        if (poll(&p, 1, (int)MIN(left, 100)) <= 0)
            continue;
        n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return acc->len > from && strstr(acc->str + from, pattern) != NULL;
        g_string_append_len(acc, buf, n);
    }
}

gboolean
harness_type_and_wait(int fd, GString *acc, const char *line, const char *expect, int timeout_ms)
{
    gsize from = acc->len;
    g_autofree char *text = g_strconcat(line, "\n", NULL);

    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return FALSE;
    return harness_wait_output(fd, acc, from, expect, timeout_ms);
}

guint
harness_wait_state(MarinaDBusDomain *dom, guint state, int timeout_ms, guint *reason)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    guint current = MARINA_DOMAIN_NOSTATE, r = 0;

    do {
        g_autoptr(GVariant) info = NULL;
        if (marina_dbus_domain_call_get_info_sync(dom, &info, NULL, NULL)) {
            g_variant_lookup(info, "state", "u", &current);
            g_variant_lookup(info, "reason", "u", &r);
        }
        if (current == state)
            break;
        harness_iterate(50);
    } while (g_get_monotonic_time() < end);
    if (reason != NULL)
        *reason = r;
    return current;
}

int
harness_marinactl(Harness *h, char **out, char **err, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    va_list ap;
    const char *arg;
    int status = -1;

    g_ptr_array_add(argv, (char *)env_or_die("MARINACTL"));
    g_ptr_array_add(argv, "-c");
    g_ptr_array_add(argv, h->uri);
    va_start(ap, err);
    while ((arg = va_arg(ap, const char *)) != NULL)
        g_ptr_array_add(argv, (char *)arg);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                      &status, &error)) {
        fprintf(stderr, "marinactl: %s\n", error->message);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

guint
harness_count_definitions(Harness *h)
{
    g_autofree char *dir = g_build_filename(h->state_dir, "domains", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL)
        n += g_str_has_suffix(name, ".xml");
    return n;
}

static void
start_daemon_with_args(Harness *h, const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    const char *base[] = {env_or_die("MARINAD"), "--session",  "--socket", h->socket,
                          "--state-dir",         h->state_dir, "-v"};
    g_autoptr(GError) error = NULL;
    g_autofree char *log = g_build_filename(h->dir, "marinad.log", NULL);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    gboolean ok;

    for (guint i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (char *)base[i]);
    for (guint i = 0; args != NULL && args[i] != NULL; i++)
        g_ptr_array_add(argv, (char *)args[i]);
    g_ptr_array_add(argv, NULL);
    ok = g_spawn_async_with_fds(NULL, (char **)argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                NULL, &h->daemon_pid, -1, fd, fd, &error);
    close(fd);
    assert_true(ok);
    assert_true(wait_for_socket(h->socket, 20000));
}

Harness *
harness_new_with_args(const char *const *args)
{
    Harness *h = g_new0(Harness, 1);
    g_autoptr(GError) error = NULL;

    (void)marina_error_quark();
    h->dir = g_dir_make_tmp("mit-XXXXXX", &error);
    assert_non_null(h->dir);
    h->socket = g_build_filename(h->dir, "sock", NULL);
    h->state_dir = g_build_filename(h->dir, "st", NULL);
    h->uri = g_strconcat("marina+unix://", h->socket, NULL);
    start_daemon_with_args(h, args);
    harness_connect(h);
    return h;
}

int
harness_run_daemon_expect_exit(const char *const *args, char **err, int timeout_ms)
{
    g_autofree char *dir = g_dir_make_tmp("mit-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "sock", NULL);
    g_autofree char *state = g_build_filename(dir, "st", NULL);
    g_autofree char *err_path = g_build_filename(dir, "stderr", NULL);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    const char *base[] = {env_or_die("MARINAD"), "--session", "--socket", sock,
                          "--state-dir",         state};
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int status = 0, result = -1;
    GPid pid = 0;

    for (guint i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (char *)base[i]);
    for (guint i = 0; args[i] != NULL; i++)
        g_ptr_array_add(argv, (char *)args[i]);
    g_ptr_array_add(argv, NULL);
    assert_true(g_spawn_async_with_fds(NULL, (char **)argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                       NULL, NULL, &pid, -1, -1, fd, NULL));
    close(fd);
    while (g_get_monotonic_time() < end) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            pid = 0;
            break;
        }
        g_usleep(20000);
    }
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    if (err != NULL && !g_file_get_contents(err_path, err, NULL, NULL))
        *err = g_strdup("");
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return result;
}

GDBusServer *
harness_stand_in_server(const char *dir, char **uri)
{
    g_autofree char *guid = g_dbus_generate_guid();
    g_autofree char *socket = g_build_filename(dir, "marinad.sock", NULL);
    g_autofree char *address = g_strdup_printf("unix:path=%s", socket);
    g_autoptr(GError) error = NULL;
    GDBusServer *server =
        g_dbus_server_new_sync(address, G_DBUS_SERVER_FLAGS_NONE, guid, NULL, NULL, &error);

    if (server == NULL)
        fail_msg("stand-in server: %s", error->message);
    g_dbus_server_start(server);
    *uri = g_strdup_printf("marina+unix://%s", socket);
    return server;
}
