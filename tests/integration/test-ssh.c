/* A remote host over SSH: a real sshd on loopback, marinactl with a
 * marina+ssh:// URI, the daemon reached through `marinad --connect-stdio`,
 * and the guests' consoles through `marinad --connect-channel`. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/client.h"
#include "core/ssh-channel.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"

typedef struct {
    Harness *h;
    GPid sshd;
    char *uri;
    gboolean console_guest; /* "rcon" is defined and booted */
} Ssh;

static gboolean
run_quiet(const char *const *argv)
{
    int status = -1;

    return g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                        NULL, NULL, NULL, NULL, &status, NULL) &&
           WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static gboolean
port_open(int port)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, NULL);

    return conn != NULL;
}

static int
setup(void **state)
{
    Ssh *s = g_new0(Ssh, 1);
    g_autofree char *dir = NULL, *host_key = NULL, *user_key = NULL, *pub = NULL;
    g_autofree char *auth = NULL, *cfg = NULL, *config = NULL, *pubkey = NULL;
    int port = 20000 + (int)(getpid() % 20000);

    s->h = harness_new();
    dir = g_build_filename(s->h->dir, "ssh", NULL);
    g_mkdir_with_parents(dir, 0700);
    g_mkdir_with_parents("/run/sshd", 0755); /* sshd's privilege separation directory */
    host_key = g_build_filename(dir, "host", NULL);
    user_key = g_build_filename(dir, "user", NULL);
    pub = g_strconcat(user_key, ".pub", NULL);
    auth = g_build_filename(dir, "authorized_keys", NULL);
    cfg = g_build_filename(dir, "sshd_config", NULL);
    {
        const char *hk[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key, NULL};
        const char *uk[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", user_key, NULL};
        assert_true(run_quiet(hk));
        assert_true(run_quiet(uk));
    }
    assert_true(g_file_get_contents(pub, &pubkey, NULL, NULL));
    assert_true(g_file_set_contents(auth, pubkey, -1, NULL));
    config = g_strdup_printf("ListenAddress 127.0.0.1\nPort %d\nHostKey %s\n"
                             "AuthorizedKeysFile %s\nStrictModes no\nUsePAM no\n"
                             "PasswordAuthentication no\nPermitRootLogin prohibit-password\n"
                             "PidFile none\n",
                             port, host_key, auth);
    assert_true(g_file_set_contents(cfg, config, -1, NULL));
    {
        const char *argv[] = {"/usr/sbin/sshd", "-D", "-e", "-f", cfg, NULL};
        assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                  NULL, &s->sshd, NULL));
    }
    for (int i = 0; i < 100 && !port_open(port); i++)
        g_usleep(50000);
    assert_true(port_open(port));
    s->uri = g_strdup_printf("marina+ssh://%s@127.0.0.1:%d/session?keyfile=%s&no_verify=1"
                             "&socket=%s&command=%s",
                             g_get_user_name(), port, user_key, s->h->socket, g_getenv("MARINAD"));
    *state = s;
    return 0;
}

static int
teardown(void **state)
{
    Ssh *s = *state;

    if (s == NULL)
        return 0;
    if (s->sshd > 0) {
        kill(s->sshd, SIGTERM);
        waitpid(s->sshd, NULL, 0);
    }
    harness_free(s->h);
    g_free(s->uri);
    g_free(s);
    return 0;
}

static int
ctl(Ssh *s, char **out, char **err, const char *a, const char *b)
{
    const char *argv[] = {g_getenv("MARINACTL"), "-c", s->uri, a, b, NULL};
    int status = -1;

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                             &status, NULL));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_remote_host_over_ssh(void **state)
{
    Ssh *s = *state;
    g_autofree char *xml = harness_guest_xml("remote1", NULL);
    g_autofree char *file = g_build_filename(s->h->dir, "remote1.xml", NULL);
    g_autofree char *out = NULL, *err = NULL;

    assert_true(g_file_set_contents(file, xml, -1, NULL));
    if (ctl(s, &out, &err, "define", file) != 0)
        fail_msg("define over ssh: %s", err);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    if (ctl(s, &out, &err, "start", "remote1") != 0)
        fail_msg("start over ssh: %s", err);
    g_clear_pointer(&out, g_free);
    assert_int_equal(ctl(s, &out, &err, "list", "--all"), 0);
    assert_non_null(strstr(out, "remote1"));
    assert_non_null(strstr(out, "running"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    /* Consoles used to be refused over ssh (file descriptors do not cross
     * it); now they travel in a channel of the shared ssh connection. A
     * console that cannot be opened still answers at once, not after a
     * timeout, with the daemon's own message. */
    {
        const char *argv[] = {
            g_getenv("MARINACTL"), "-c", s->uri, "console", "--serial", "4", "remote1", NULL};
        gint64 t0 = g_get_monotonic_time();
        int status = -1;
        assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                                 &out, &err, &status, NULL));
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
        if (strstr(err, "has no serial console 4") == NULL)
            fail_msg("unexpected answer: %s", err);
        assert_true(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
    }
    assert_int_equal(ctl(s, &out, &err, "destroy", "remote1"), 0);
    g_clear_pointer(&out, g_free);
    assert_int_equal(ctl(s, &out, &err, "domstate", "remote1"), 0);
    assert_non_null(strstr(out, "shut off"));
}

/* ---------------------------------------------------------------------------------------------
 * Consoles of the remote host
 */

static void
write_all(int fd, const void *data, gsize len)
{
    const guint8 *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        assert_true(n > 0);
        p += n;
        len -= (gsize)n;
    }
}

static gboolean
read_exact(int fd, void *buf, gsize len, int timeout_ms)
{
    guint8 *p = buf;

    while (len > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (poll(&pfd, 1, timeout_ms) != 1)
            return FALSE;
        n = read(fd, p, len);
        if (n <= 0)
            return FALSE;
        p += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* Reads and drops until end of file; FALSE if it did not come in time. */
static gboolean
wait_eof(int fd, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    char buf[4096];

    while (g_get_monotonic_time() < end) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) == 1 && read(fd, buf, sizeof(buf)) <= 0)
            return TRUE;
    }
    return FALSE;
}

/* Processes of this test's channels: the local ssh and, on this loopback
 * "remote" host, the `marinad --connect-channel` bridge. Both name the
 * daemon's socket, which is this test's own. */
static guint
count_channel_processes(Ssh *s)
{
    g_autoptr(GDir) dir = g_dir_open("/proc", 0, NULL);
    const char *name;
    guint n = 0;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = NULL, *cmdline = NULL;
        gsize len = 0;

        if (!g_ascii_isdigit(name[0]))
            continue;
        path = g_build_filename("/proc", name, "cmdline", NULL);
        if (!g_file_get_contents(path, &cmdline, &len, NULL) || len == 0)
            continue;
        for (gsize i = 0; i + 1 < len; i++)
            if (cmdline[i] == '\0')
                cmdline[i] = ' ';
        if (strstr(cmdline, "connect-channel") != NULL && strstr(cmdline, s->h->socket) != NULL)
            n++;
    }
    return n;
}

static gboolean
no_channel_left(Ssh *s, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        if (count_channel_processes(s) == 0)
            return TRUE;
        g_usleep(50000);
    }
    return FALSE;
}

/* The guest the console tests share, with a display and a serial shell;
 * booted once. */
static void
console_guest(Ssh *s)
{
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    int fd;

    if (s->console_guest)
        return;
    xml = harness_guest_xml("rcon", "    <graphics type='vnc'/>\n"
                                    "    <video><model type='vga'/></video>\n");
    dom = harness_define(s->h, xml);
    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    fd = harness_open_serial(s->h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, 60000));
    close(fd);
    s->console_guest = TRUE;
}

/* The guest through the client API over @uri. */
static MarinaDomain *
lookup(const char *uri, const char *name, MarinaConnection **connection)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaHost) host = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    MarinaDomain *domain;

    *connection = marina_connection_open_sync(uri, NULL, &error);
    if (*connection == NULL)
        fail_msg("connecting to %s: %s", uri, error->message);
    host = marina_host_new(*connection);
    marina_host_lookup_domain_async(host, name, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    domain = marina_host_lookup_domain_finish(host, result, &error);
    if (domain == NULL)
        fail_msg("looking up %s: %s", name, error->message);
    return domain;
}

static int
open_serial(MarinaDomain *domain, guint index, GBytes **scrollback, GError **error)
{
    g_autoptr(GAsyncResult) result = NULL;

    marina_domain_open_serial_async(domain, index, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    return marina_domain_open_serial_finish(domain, result, scrollback, error);
}

static int
open_graphics(MarinaDomain *domain, GError **error)
{
    g_autoptr(GAsyncResult) result = NULL;

    marina_domain_open_graphics_async(domain, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    return marina_domain_open_graphics_finish(domain, result, error);
}

static GPid
spawn_console(Ssh *s, const char *name, int *in_fd, int *out_fd)
{
    const char *argv[] = {g_getenv("MARINACTL"), "-c", s->uri, "console", name, NULL};
    g_autoptr(GError) error = NULL;
    GPid pid;

    assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                         NULL, &pid, in_fd, out_fd, NULL, &error));
    return pid;
}

/* marinactl console over ssh: the boot output first (scrollback from before
 * we came), then the shell answers what is typed; leaving ends every
 * process of the channel. */
static void
test_remote_serial_console(void **state)
{
    Ssh *s = *state;
    g_autoptr(GString) out = g_string_new(NULL);
    const char *line = "echo remote-$((6*7))\n";
    int in_fd, out_fd, status = -1;
    GPid pid;

    console_guest(s);
    pid = spawn_console(s, "rcon", &in_fd, &out_fd);
    write_all(in_fd, line, strlen(line));
    if (!harness_wait_output(out_fd, out, 0, "remote-42", 30000))
        fail_msg("no answer over ssh; got: %s", out->str);
    assert_non_null(strstr(out->str, READY));
    /* While it runs, the channel is there... */
    assert_true(count_channel_processes(s) > 0);
    close(in_fd); /* end of input: marinactl leaves */
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(out_fd);
    /* ...and afterwards nothing of it is left, here or on the "remote" host. */
    assert_true(no_channel_left(s, 10000));
}

/* A bad serial port over ssh: the same error, word for word, as on the
 * host itself. */
static void
test_remote_console_errors_match_local(void **state)
{
    Ssh *s = *state;
    g_autoptr(MarinaConnection) remote_conn = NULL, local_conn = NULL;
    g_autoptr(MarinaDomain) remote = NULL, local = NULL;
    g_autoptr(GError) remote_error = NULL, local_error = NULL;

    console_guest(s);
    remote = lookup(s->uri, "rcon", &remote_conn);
    local = lookup(s->h->uri, "rcon", &local_conn);
    assert_int_equal(open_serial(remote, 7, NULL, &remote_error), -1);
    assert_int_equal(open_serial(local, 7, NULL, &local_error), -1);
    assert_true(g_error_matches(local_error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (!g_error_matches(remote_error, local_error->domain, local_error->code))
        fail_msg("over ssh: %s (%s %d); locally: %s", remote_error->message,
                 g_quark_to_string(remote_error->domain), remote_error->code, local_error->message);
    assert_string_equal(marina_error_message(remote_error), marina_error_message(local_error));
    assert_non_null(strstr(marina_error_message(remote_error), "no serial console 7"));
    assert_true(no_channel_left(s, 10000));
}

static guint16
be16(const guint8 *p)
{
    return (guint16)(p[0] << 8 | p[1]);
}

static guint32
be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* The graphical console over ssh speaks RFB to the guest's display: the
 * handshake, the ServerInit with the framebuffer's size, and one frame. */
static void
test_remote_graphical_console(void **state)
{
    Ssh *s = *state;
    g_autoptr(MarinaConnection) connection = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GError) error = NULL;
    guint8 version[12], n_types, types[255], result[4], init[24], update[4];
    guint16 width, height, bpp;
    g_autofree char *name = NULL;
    gboolean has_none = FALSE;
    int fd;

    console_guest(s);
    domain = lookup(s->uri, "rcon", &connection);
    fd = open_graphics(domain, &error);
    if (fd < 0)
        fail_msg("graphical console over ssh: %s", error->message);
    assert_true(read_exact(fd, version, 12, 10000));
    if (memcmp(version, "RFB 003.00", 10) != 0)
        fail_msg("not an RFB greeting: %.12s", version);
    write_all(fd, "RFB 003.008\n", 12);
    assert_true(read_exact(fd, &n_types, 1, 10000));
    assert_true(n_types > 0);
    assert_true(read_exact(fd, types, n_types, 10000));
    for (guint i = 0; i < n_types; i++)
        has_none |= types[i] == 1;
    assert_true(has_none);
    write_all(fd, "\x01", 1); /* security type None */
    assert_true(read_exact(fd, result, 4, 10000));
    assert_int_equal(be32(result), 0); /* SecurityResult: OK */
    write_all(fd, "\x01", 1);          /* ClientInit: shared */
    assert_true(read_exact(fd, init, sizeof(init), 10000));
    width = be16(init);
    height = be16(init + 2);
    bpp = init[4];
    assert_true(width >= 320 && height >= 200);
    assert_true(bpp == 8 || bpp == 16 || bpp == 32);
    assert_true(be32(init + 20) < 1024);
    name = g_malloc0(be32(init + 20) + 1);
    assert_true(read_exact(fd, name, be32(init + 20), 10000));
    /* SetEncodings: raw only; then a full FramebufferUpdateRequest. */
    write_all(fd, "\x02\x00\x00\x01\x00\x00\x00\x00", 8);
    {
        guint8 request[10] = {3,
                              0,
                              0,
                              0,
                              0,
                              0,
                              (guint8)(width >> 8),
                              (guint8)width,
                              (guint8)(height >> 8),
                              (guint8)height};
        write_all(fd, request, sizeof(request));
    }
    assert_true(read_exact(fd, update, 4, 20000));
    assert_int_equal(update[0], 0); /* FramebufferUpdate */
    assert_true(be16(update + 2) > 0);
    for (guint i = 0; i < be16(update + 2); i++) {
        guint8 rect[12];
        gsize size;
        g_autofree guint8 *pixels = NULL;

        assert_true(read_exact(fd, rect, sizeof(rect), 20000));
        assert_int_equal(be32(rect + 8), 0); /* raw */
        assert_true(be16(rect) + be16(rect + 4) <= width);
        assert_true(be16(rect + 2) + be16(rect + 6) <= height);
        size = (gsize)be16(rect + 4) * be16(rect + 6) * (bpp / 8);
        pixels = g_malloc(MAX(size, 1));
        assert_true(read_exact(fd, pixels, size, 20000));
    }
    assert_true(count_channel_processes(s) > 0);
    close(fd);
    assert_true(no_channel_left(s, 10000));
}

/* The remote daemon is killed and started again: the console's stream ends
 * as a local one does (end of file, which the VM window reconnects on), and
 * a console opened on the new daemon answers with the shell as it was. */
static void
test_remote_console_across_daemon_restart(void **state)
{
    Ssh *s = *state;
    g_autoptr(MarinaConnection) connection = NULL, again = NULL;
    g_autoptr(MarinaDomain) domain = NULL, domain2 = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) scrollback = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GString) acc2 = g_string_new(NULL);
    int fd;

    console_guest(s);
    domain = lookup(s->uri, "rcon", &connection);
    fd = open_serial(domain, 0, &scrollback, &error);
    if (fd < 0)
        fail_msg("serial console over ssh: %s", error->message);
    g_string_append_len(acc, g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback));
    assert_non_null(strstr(acc->str, READY));
    assert_true(harness_type_and_wait(fd, acc, "K=kept; echo k-$K", "k-kept", 20000));

    harness_stop_daemon(s->h, SIGKILL);
    assert_true(wait_eof(fd, 15000));
    close(fd);
    g_clear_object(&domain);
    g_clear_object(&connection);
    assert_true(no_channel_left(s, 10000));

    harness_start_daemon(s->h);
    harness_connect(s->h);
    domain2 = lookup(s->uri, "rcon", &again);
    g_clear_pointer(&scrollback, g_bytes_unref);
    fd = open_serial(domain2, 0, &scrollback, &error);
    if (fd < 0)
        fail_msg("serial console over ssh after the restart: %s", error->message);
    assert_true(harness_type_and_wait(fd, acc2, "echo again-$K", "again-kept", 20000));
    close(fd);
    assert_true(no_channel_left(s, 10000));
}

/* The bridge on its own, as ssh runs it: what it is asked comes from the
 * other end of ssh, and each bad request gets one ERROR line and status 1. */
static void
test_channel_bridge_refuses_bad_requests(void **state)
{
    Ssh *s = *state;
    g_autofree char *socket_arg = g_strconcat("--socket=", s->h->socket, NULL);
    g_autofree char *nowhere = g_build_filename(s->h->dir, "nothing-listens", NULL);
    g_autofree char *nowhere_arg = g_strconcat("--socket=", nowhere, NULL);
    g_autofree char *long_token = g_strnfill(200, 'a');
    const char *uuid = "0b3f6a52-1a2b-4c5d-8e9f-000000000001";
    const struct {
        const char *args[4];
        const char *socket;
        const char *expect;
    } cases[] = {
        {{"serial", "not-a-uuid", "0", NULL},
         socket_arg,
         "ERROR org.marinavm.Marina1.Error.InvalidArgument 'not-a-uuid' is not a guest UUID."},
        {{"serial", uuid, "256", NULL},
         socket_arg,
         "ERROR org.marinavm.Marina1.Error.InvalidArgument '256' is not a serial port number"},
        {{"serial", uuid, "+1", NULL}, socket_arg, "is not a serial port number"},
        {{"serial", uuid, "", NULL}, socket_arg, "is not a serial port number"},
        {{"migration", "../etc", "0", NULL}, socket_arg, "'../etc' is not a migration token."},
        {{"migration", long_token, "0", NULL}, socket_arg, "is not a migration token."},
        {{"migration", "t0k3n", "99999", NULL}, socket_arg, "is not a migration stream number"},
        {{"graphics", NULL}, socket_arg, "Say which stream to open"},
        {{"bogus", uuid, NULL}, socket_arg, "Unknown stream kind 'bogus'"},
        /* Well formed, but nothing of the kind on this host: the daemon's word. */
        {{"serial", uuid, "0", NULL}, socket_arg, "ERROR org.freedesktop.DBus.Error."},
        {{"graphics", uuid, NULL}, nowhere_arg, "ERROR org.marinavm.Marina1.Error.NoConnection"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *out = NULL, *err = NULL;
        int status = -1;

        g_ptr_array_add(argv, (char *)g_getenv("MARINAD"));
        g_ptr_array_add(argv, "--connect-channel");
        for (guint j = 0; cases[i].args[j] != NULL; j++)
            g_ptr_array_add(argv, (char *)cases[i].args[j]);
        g_ptr_array_add(argv, "--session");
        g_ptr_array_add(argv, (char *)cases[i].socket);
        g_ptr_array_add(argv, NULL);
        assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDIN_FROM_DEV_NULL,
                                 NULL, NULL, &out, &err, &status, NULL));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 || !g_str_has_prefix(out, "ERROR ") ||
            strstr(out, cases[i].expect) == NULL)
            fail_msg("case %u: status %d, out '%s', err '%s'", i, status, out, err);
        /* One line, nothing after it. */
        assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
    }
}

/* A migration stream over ssh: the daemon's answer (today: no such method,
 * until the daemon side exists; then: no such migration) reads the same as
 * on the host itself. */
static void
test_remote_migration_stream_error_matches_local(void **state)
{
    Ssh *s = *state;
    g_autoptr(MarinaConnection) remote_conn = NULL, local_conn = NULL;
    g_autoptr(MarinaHost) remote = NULL, local = NULL;
    g_autoptr(GError) remote_error = NULL, local_error = NULL;
    g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL;
    g_autoptr(GError) error = NULL;

    remote_conn = marina_connection_open_sync(s->uri, NULL, &error);
    assert_non_null(remote_conn);
    local_conn = marina_connection_open_sync(s->h->uri, NULL, &error);
    assert_non_null(local_conn);
    remote = marina_host_new(remote_conn);
    local = marina_host_new(local_conn);
    marina_host_open_migration_stream_async(remote, "no-such-token", 0, NULL,
                                            marina_sync_wait_ready, &r1);
    marina_sync_wait(&r1);
    marina_host_open_migration_stream_async(local, "no-such-token", 0, NULL, marina_sync_wait_ready,
                                            &r2);
    marina_sync_wait(&r2);
    assert_int_equal(marina_host_open_migration_stream_finish(remote, r1, &remote_error), -1);
    assert_int_equal(marina_host_open_migration_stream_finish(local, r2, &local_error), -1);
    if (!g_error_matches(remote_error, local_error->domain, local_error->code))
        fail_msg("over ssh: %s; locally: %s", remote_error->message, local_error->message);
    assert_string_equal(marina_error_message(remote_error), marina_error_message(local_error));
    assert_true(no_channel_left(s, 10000));
}

/* What ssh ran is not marinad: each failure says which, at once. */
static void
test_channel_failures_say_why(void **state)
{
    Ssh *s = *state;
    const char *const args[] = {"serial", "0b3f6a52-1a2b-4c5d-8e9f-000000000001", "0", NULL};
    const struct {
        const char *command;
        const char *expect;
    } cases[] = {
        {"/nonexistent/marinad", "the program '/nonexistent/marinad' was not found on 127.0.0.1"},
        {"/bin/echo", "did not answer as marinad does"},
        {"/bin/false", "exited with status 1"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *base = g_strdup(s->uri);
        g_autofree char *text = NULL;
        g_autoptr(MarinaUri) uri = NULL;
        g_autoptr(GAsyncResult) result = NULL;
        g_autoptr(GError) error = NULL;
        gint64 t0 = g_get_monotonic_time();

        /* The test's URI ends with its command: put another one there. */
        *strstr(base, "&command=") = '\0';
        text = g_strdup_printf("%s&command=%s", base, cases[i].command);
        uri = marina_uri_parse(text, &error);
        assert_non_null(uri);
        marina_ssh_channel_open_async(uri, args, NULL, marina_sync_wait_ready, &result);
        marina_sync_wait(&result);
        assert_int_equal(marina_ssh_channel_open_finish(result, NULL, &error), -1);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION));
        if (strstr(error->message, cases[i].expect) == NULL)
            fail_msg("%s: unexpected message: %s", cases[i].command, error->message);
        assert_true(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC);
    }
    assert_true(no_channel_left(s, 10000));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remote_host_over_ssh),
        cmocka_unit_test(test_remote_serial_console),
        cmocka_unit_test(test_remote_console_errors_match_local),
        cmocka_unit_test(test_remote_graphical_console),
        cmocka_unit_test(test_remote_console_across_daemon_restart),
        cmocka_unit_test(test_channel_bridge_refuses_bad_requests),
        cmocka_unit_test(test_remote_migration_stream_error_matches_local),
        cmocka_unit_test(test_channel_failures_say_why),
    };

    if (!g_file_test("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr, "sshd is not installed (openssh-server); tools/test installs it\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
