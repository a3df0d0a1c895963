#define G_LOG_DOMAIN "marinad-channel"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel-bridge.h"
#include "core/error.h"
#include "core/channel-header.h"
#include "marina-dbus.h"

#define DOMAIN_PATH_PREFIX "/org/marinavm/Marina1/domain/"
#define HOST_PATH "/org/marinavm/Marina1"
#define MAX_SERIAL_INDEX 255
#define MAX_STREAM_INDEX 1024
#define MAX_TOKEN 128
/* The daemon's answer is awaited a little less long than the client waits
 * for ours, so that a slow daemon still gets an ERROR line to the client;
 * the whole setup is bounded a little below the client's limit too. */
#define CALL_TIMEOUT_MS ((MARINA_CHANNEL_TIMEOUT_S - 10) * 1000)
#define SETUP_TIMEOUT_S (MARINA_CHANNEL_TIMEOUT_S - 5)
/* Large enough that a migration stream moves in few system calls. */
#define RELAY_BUFFER (256 * 1024)

#define PROXY_FLAGS                                                                                \
    (G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |       \
     G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START)

/* ---------------------------------------------------------------------------------------------
 * Arguments: they come from the other end of ssh, and are checked as such.
 */

static gboolean
is_uuid(const char *text)
{
    if (strlen(text) != 36)
        return FALSE;
    for (guint i = 0; i < 36; i++) {
        gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !g_ascii_isxdigit(text[i]))
            return FALSE;
    }
    return TRUE;
}

/* A token starts with a letter or digit (so it is never read as an option)
 * and holds only letters, digits, '.', '_' and '-'. */
static gboolean
is_token(const char *text)
{
    gsize len = strlen(text);

    if (len == 0 || len > MAX_TOKEN || !g_ascii_isalnum(text[0]))
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isalnum(text[i]) && strchr("._-", text[i]) == NULL)
            return FALSE;
    return TRUE;
}

static gboolean
parse_index(const char *text, guint max, guint *index)
{
    guint64 value;

    /* Digits only: g_ascii_string_to_unsigned() would take a sign. */
    for (const char *p = text; *p != '\0'; p++)
        if (!g_ascii_isdigit(*p))
            return FALSE;
    if (strlen(text) > 10 || !g_ascii_string_to_unsigned(text, 10, 0, max, &value, NULL))
        return FALSE;
    *index = (guint)value;
    return TRUE;
}

static gboolean
usage_error(GError **error)
{
    g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("Say which stream to open: serial UUID INDEX, graphics UUID or "
                          "migration TOKEN INDEX."));
    return FALSE;
}

static gboolean
check_uuid(const char *text, GError **error)
{
    if (is_uuid(text))
        return TRUE;
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, _("'%s' is not a guest UUID."),
                text);
    return FALSE;
}

static gboolean
check_args(int argc, char **argv, guint *index, GError **error)
{
    if (argc < 1)
        return usage_error(error);
    if (g_str_equal(argv[0], "serial")) {
        if (argc != 3)
            return usage_error(error);
        if (!check_uuid(argv[1], error))
            return FALSE;
        if (!parse_index(argv[2], MAX_SERIAL_INDEX, index)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("'%s' is not a serial port number (0 to %u)."), argv[2],
                        MAX_SERIAL_INDEX);
            return FALSE;
        }
        return TRUE;
    }
    if (g_str_equal(argv[0], "graphics"))
        return argc == 2 ? check_uuid(argv[1], error) : usage_error(error);
    if (g_str_equal(argv[0], "migration")) {
        if (argc != 3)
            return usage_error(error);
        if (!is_token(argv[1])) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("'%s' is not a migration token."), argv[1]);
            return FALSE;
        }
        if (!parse_index(argv[2], MAX_STREAM_INDEX, index)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("'%s' is not a migration stream number (0 to %u)."), argv[2],
                        MAX_STREAM_INDEX);
            return FALSE;
        }
        return TRUE;
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Unknown stream kind '%s': use serial, graphics or migration."), argv[0]);
    return FALSE;
}

/* ---------------------------------------------------------------------------------------------
 * Asking the daemon
 */

static GDBusConnection *
connect_daemon(const char *socket_path, GError **error)
{
    g_autofree char *escaped = g_dbus_address_escape_value(socket_path);
    g_autofree char *address = g_strdup_printf("unix:path=%s", escaped);
    g_autoptr(GError) local_error = NULL;
    GDBusConnection *conn;

    /* EXTERNAL, like any local client: the daemon knows us by our uid. */
    conn = g_dbus_connection_new_for_address_sync(
        address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &local_error);
    if (conn == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("No daemon answers on %s at %s (%s). Start marinad there, then try again."),
                    g_get_host_name(), socket_path, local_error->message);
        return NULL;
    }
    if (!(g_dbus_connection_get_capabilities(conn) & G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                    _("The daemon on %s at %s does not pass file descriptors."), g_get_host_name(),
                    socket_path);
        g_object_unref(conn);
        return NULL;
    }
    return conn;
}

static int
take_fd(GVariant *handle, GUnixFDList *fds, GError **error)
{
    gint32 index;

    if (handle == NULL || fds == NULL || (index = g_variant_get_handle(handle)) < 0 ||
        index >= g_unix_fd_list_get_length(fds)) {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("The daemon did not pass a descriptor for the stream."));
        return -1;
    }
    return g_unix_fd_list_get(fds, index, error);
}

static MarinaDBusDomain *
domain_proxy(GDBusConnection *conn, const char *uuid, GError **error)
{
    g_autofree char *node = g_strdelimit(g_strdup(uuid), "-", '_');
    g_autofree char *path = g_strconcat(DOMAIN_PATH_PREFIX, node, NULL);
    MarinaDBusDomain *proxy =
        marina_dbus_domain_proxy_new_sync(conn, PROXY_FLAGS, NULL, path, NULL, error);

    if (proxy != NULL)
        g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(proxy), CALL_TIMEOUT_MS);
    return proxy;
}

/* The newest MARINA_CHANNEL_MAX_SCROLLBACK bytes: what a channel carries. */
static GBytes *
bound_scrollback(GVariant *kept)
{
    g_autoptr(GBytes) all = kept != NULL ? g_variant_get_data_as_bytes(kept) : g_bytes_new(NULL, 0);
    gsize size = g_bytes_get_size(all);

    if (size <= MARINA_CHANNEL_MAX_SCROLLBACK)
        return g_steal_pointer(&all);
    return g_bytes_new_from_bytes(all, size - MARINA_CHANNEL_MAX_SCROLLBACK,
                                  MARINA_CHANNEL_MAX_SCROLLBACK);
}

static int
open_stream(GDBusConnection *conn, char **argv, guint index, GBytes **scrollback, GError **error)
{
    g_autoptr(GVariant) handle = NULL;
    g_autoptr(GVariant) kept = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    gboolean ok;

    if (g_str_equal(argv[0], "migration")) {
        g_autoptr(MarinaDBusHost) host =
            marina_dbus_host_proxy_new_sync(conn, PROXY_FLAGS, NULL, HOST_PATH, NULL, error);
        if (host == NULL)
            return -1;
        g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(host), CALL_TIMEOUT_MS);
        ok = marina_dbus_host_call_open_migration_stream_sync(host, argv[1], index, NULL, &handle,
                                                              &fds, NULL, error);
    } else {
        g_autoptr(MarinaDBusDomain) domain = domain_proxy(conn, argv[1], error);
        if (domain == NULL)
            return -1;
        if (g_str_equal(argv[0], "serial"))
            ok = marina_dbus_domain_call_open_serial_sync(domain, index, NULL, &handle, &kept, &fds,
                                                          NULL, error);
        else
            ok = marina_dbus_domain_call_open_graphics_sync(domain, NULL, &handle, &fds, NULL,
                                                            error);
    }
    if (!ok)
        return -1;
    *scrollback = bound_scrollback(kept);
    return take_fd(handle, fds, error);
}

/* ---------------------------------------------------------------------------------------------
 * The relay
 */

typedef struct {
    int from, to;
    guint8 *buf;
    gsize off, len; /* pending: buf[off, len) */
    gboolean eof;   /* nothing more comes from @from */
    gboolean done;  /* @to is ended (or failed): this direction is over */
} Direction;

static gboolean
write_all_blocking(int fd, const void *data, gsize size)
{
    const guint8 *p = data;

    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            poll(&pfd, 1, -1);
            continue;
        }
        if (n <= 0)
            return FALSE;
        p += n;
        size -= (gsize)n;
    }
    return TRUE;
}

/* The peer reads end-of-file: a socket is half-closed, so its other
 * direction goes on; a pipe is closed. */
static void
end_output(int fd)
{
    if (shutdown(fd, SHUT_WR) != 0 && errno == ENOTSOCK)
        close(fd);
}

static void
direction_finish(Direction *d)
{
    if (d->done)
        return;
    d->done = TRUE;
    d->eof = TRUE;
    d->off = d->len = 0;
    end_output(d->to);
}

/* Whether the stream's peer has closed it for good (not only its writing
 * half): then nothing we relay to it could be read any more. */
static gboolean
stream_closed(int stream)
{
    struct pollfd pfd = {.fd = stream, .events = 0};

    return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

static void
direction_read(Direction *d)
{
    ssize_t n;

    do
        n = read(d->from, d->buf, RELAY_BUFFER);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        d->eof = TRUE; /* end of file, or a reset: the same to the other side */
        return;
    }
    d->off = 0;
    d->len = (gsize)n;
}

static void
direction_write(Direction *d)
{
    ssize_t n;

    do
        n = write(d->to, d->buf + d->off, d->len - d->off);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        direction_finish(d); /* the reader is gone: what is left has nowhere to go */
        return;
    }
    d->off += (gsize)n;
    if (d->off == d->len)
        d->off = d->len = 0;
}

static gboolean
pending(const Direction *d)
{
    return d->off < d->len;
}

/* Adds what @d waits for to @pfds; returns the slot used or -1. */
static int
direction_poll(Direction *d, struct pollfd *pfds, nfds_t *n)
{
    if (d->done)
        return -1;
    pfds[*n].revents = 0;
    if (pending(d)) {
        pfds[*n].fd = d->to;
        pfds[*n].events = POLLOUT;
    } else {
        pfds[*n].fd = d->from;
        pfds[*n].events = POLLIN;
    }
    return (int)(*n)++;
}

static void
direction_step(Direction *d, short revents)
{
    if (revents == 0)
        return;
    if (pending(d))
        direction_write(d);
    else
        direction_read(d);
    if (d->eof && !pending(d))
        direction_finish(d);
}

void
marina_channel_bridge_relay(int stream, int in, int out)
{
    g_autofree guint8 *up_buf = g_malloc(RELAY_BUFFER);
    g_autofree guint8 *down_buf = g_malloc(RELAY_BUFFER);
    Direction up = {.from = in, .to = stream, .buf = up_buf};
    Direction down = {.from = stream, .to = out, .buf = down_buf};

    g_unix_set_fd_nonblocking(stream, TRUE, NULL);
    g_unix_set_fd_nonblocking(in, TRUE, NULL);
    g_unix_set_fd_nonblocking(out, TRUE, NULL);
    while (!up.done || !down.done) {
        struct pollfd pfds[4];
        nfds_t n = 0;
        int up_slot, down_slot, watch = -1;

        up_slot = direction_poll(&up, pfds, &n);
        down_slot = direction_poll(&down, pfds, &n);
        if (!down.done && !pending(&down)) {
            /* Idle output: notice its reader leaving (a pipe reports POLLERR). */
            pfds[n] = (struct pollfd){.fd = out, .events = 0};
            watch = (int)n++;
        } else if (down.done) {
            /* Only input left: notice the stream's peer closing it for good. */
            pfds[n] = (struct pollfd){.fd = stream, .events = 0};
            watch = (int)n++;
        }
        if (poll(pfds, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            g_debug("poll: %s", g_strerror(errno));
            break;
        }
        if (up_slot >= 0)
            direction_step(&up, pfds[up_slot].revents);
        if (down_slot >= 0)
            direction_step(&down, pfds[down_slot].revents);
        if (watch >= 0 && (pfds[watch].revents & (POLLERR | POLLHUP))) {
            if (down.done)
                direction_finish(&up); /* the stream is closed: stop */
            else
                direction_finish(&down); /* our reader left */
        }
        /* The stream's peer closed it entirely (not a half-close): its last
         * output is relayed, nothing more can be delivered to it. */
        if (down.done && stream_closed(stream))
            direction_finish(&up);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The whole run
 */

static int
fail(const GError *error)
{
    g_autofree char *line = marina_channel_error_line(error);

    if (!write_all_blocking(STDOUT_FILENO, line, strlen(line)))
        g_printerr("marinad: %s\n", error->message);
    return 1;
}

int
marina_channel_bridge_run(const char *socket_path, int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) conn = NULL;
    g_autoptr(GBytes) scrollback = NULL;
    g_autofree char *status = NULL;
    guint index = 0;
    gsize size;
    int fd;

    /* A client that leaves makes writes fail with EPIPE instead of killing us. */
    signal(SIGPIPE, SIG_IGN);
    /* The daemon's errors arrive as MARINA_ERROR codes and go on by name. */
    (void)marina_error_quark();
    if (!check_args(argc, argv, &index, &error))
        return fail(error);
    /* A daemon that never answers must not keep this process (and the
     * client's ssh) forever. */
    alarm(SETUP_TIMEOUT_S);
    conn = connect_daemon(socket_path, &error);
    if (conn == NULL)
        return fail(error);
    fd = open_stream(conn, argv, index, &scrollback, &error);
    /* The stream does not depend on this connection: let the daemon forget it. */
    g_dbus_connection_close_sync(conn, NULL, NULL);
    alarm(0);
    if (fd < 0)
        return fail(error);
    size = g_bytes_get_size(scrollback);
    status = g_strdup_printf("OK %" G_GSIZE_FORMAT "\n", size);
    if (!write_all_blocking(STDOUT_FILENO, status, strlen(status)) ||
        !write_all_blocking(STDOUT_FILENO, g_bytes_get_data(scrollback, NULL), size)) {
        close(fd);
        return 1;
    }
    marina_channel_bridge_relay(fd, STDIN_FILENO, STDOUT_FILENO);
    close(fd);
    return 0;
}
