#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "migration-stream.h"

#define TOKEN_LEN 32

gboolean
marina_migration_token_is_valid(const char *token)
{
    if (token == NULL || strlen(token) != TOKEN_LEN)
        return FALSE;
    for (const char *p = token; *p; p++)
        if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
            return FALSE;
    return TRUE;
}

char *
marina_migration_token_new(void)
{
    GString *s = g_string_sized_new(TOKEN_LEN);

    /* GRand seeds from /dev/urandom: a token is a capability, not a counter. */
    for (guint i = 0; i < TOKEN_LEN / 8; i++)
        g_string_append_printf(s, "%08x", g_random_int());
    return g_string_free(s, FALSE);
}

void
marina_migration_fd_set_blocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

static void
set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* ---------------------------------------------------------------------- */
/* One line, read a byte at a time within the time limit                   */

typedef struct {
    int fd;
    GString *line;
    guint watch;
    guint timer;
    gulong cancel_id;
    GCancellable *cancellable;
} LineRead;

static void
line_read_free(LineRead *lr)
{
    g_clear_handle_id(&lr->watch, g_source_remove);
    g_clear_handle_id(&lr->timer, g_source_remove);
    if (lr->cancel_id != 0)
        g_cancellable_disconnect(lr->cancellable, lr->cancel_id);
    g_clear_object(&lr->cancellable);
    g_string_free(lr->line, TRUE);
    g_free(lr);
}

/* Ends the read once: the watch, the timer and the cancellable each may. */
static void
line_read_return(GTask *task, GError *error)
{
    LineRead *lr = g_task_get_task_data(task);

    g_clear_handle_id(&lr->watch, g_source_remove);
    g_clear_handle_id(&lr->timer, g_source_remove);
    if (error != NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, g_strdup(lr->line->str), g_free);
    g_object_unref(task);
}

static gboolean
on_line_readable(int fd, GIOCondition condition, gpointer data)
{
    GTask *task = data;
    LineRead *lr = g_task_get_task_data(task);

    for (;;) {
        char c;
        ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return G_SOURCE_CONTINUE;
        if (n <= 0) {
            int saved = errno;
            lr->watch = 0;
            line_read_return(task, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                               n == 0 ? _("the other side closed the stream")
                                                      : g_strerror(saved)));
            return G_SOURCE_REMOVE;
        }
        if (c == '\n') {
            lr->watch = 0;
            line_read_return(task, NULL);
            return G_SOURCE_REMOVE;
        }
        if (lr->line->len >= MARINA_MIGRATION_HANDSHAKE_MAX) {
            lr->watch = 0;
            line_read_return(task, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                               _("the handshake line is too long")));
            return G_SOURCE_REMOVE;
        }
        g_string_append_c(lr->line, c);
    }
}

static gboolean
on_line_timeout(gpointer data)
{
    GTask *task = data;
    LineRead *lr = g_task_get_task_data(task);

    lr->timer = 0;
    line_read_return(task, g_error_new(MARINA_ERROR, MARINA_ERROR_TIMEOUT,
                                       _("no handshake within %u seconds"),
                                       MARINA_MIGRATION_HANDSHAKE_TIMEOUT_S));
    return G_SOURCE_REMOVE;
}

static gboolean
on_line_cancelled_idle(gpointer data)
{
    GTask *task = data;
    LineRead *lr = g_task_get_task_data(task);

    if (lr->watch != 0 || lr->timer != 0)
        line_read_return(task, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                   _("The migration was cancelled")));
    g_object_unref(task);
    return G_SOURCE_REMOVE;
}

static void
on_line_cancelled(GCancellable *cancellable, gpointer data)
{
    /* Not from inside the cancellable's signal: the task may disconnect it. */
    g_idle_add(on_line_cancelled_idle, g_object_ref(data));
}

static void
read_line_async(int fd, GCancellable *cancellable, GTask *outer, GAsyncReadyCallback callback)
{
    GTask *task = g_task_new(NULL, NULL, callback, outer);
    LineRead *lr = g_new0(LineRead, 1);

    lr->fd = fd;
    lr->line = g_string_new(NULL);
    g_task_set_task_data(task, lr, (GDestroyNotify)line_read_free);
    g_object_ref(task); /* the watch's */
    lr->watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_line_readable, task);
    lr->timer = g_timeout_add_seconds(MARINA_MIGRATION_HANDSHAKE_TIMEOUT_S, on_line_timeout, task);
    if (cancellable != NULL) {
        lr->cancellable = g_object_ref(cancellable);
        lr->cancel_id =
            g_cancellable_connect(cancellable, G_CALLBACK(on_line_cancelled), task, NULL);
    }
    g_object_unref(task);
}

static char *
read_line_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

static gboolean
write_line(int fd, const char *line)
{
    gsize len = strlen(line), done = 0;

    while (done < len) {
        ssize_t n = send(fd, line + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        done += (gsize)n;
    }
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Source side                                                              */

static void
on_offer_answer(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;
    g_autofree char *line = read_line_finish(result, &error);

    if (line == NULL) {
        g_task_return_error(task, error);
    } else if (g_str_equal(line, "OK")) {
        g_task_return_boolean(task, TRUE);
    } else if (g_str_has_prefix(line, "ERROR ")) {
        g_autofree char *text = g_utf8_make_valid(line + 6, -1);
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_ACCESS_DENIED, "%s", text);
    } else {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("the destination answered the stream handshake with "
                                  "something else than OK or ERROR"));
    }
    g_object_unref(task);
}

void
marina_migration_stream_offer_async(int fd, const char *token, guint index,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_autofree char *request = g_strdup_printf("MARINA-MIGRATION 1 %s %u\n", token, index);

    if (!write_line(fd, request)) {
        int saved = errno;
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("cannot send the stream handshake: %s"), g_strerror(saved));
        g_object_unref(task);
        return;
    }
    read_line_async(fd, cancellable, task, on_offer_answer);
}

gboolean
marina_migration_stream_offer_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

typedef struct {
    char *token;
    guint index;
    GSocketConnection *conn;
} ConnectData;

static void
connect_data_free(ConnectData *cd)
{
    g_free(cd->token);
    g_clear_object(&cd->conn);
    g_free(cd);
}

static void
on_connect_offered(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    ConnectData *cd = g_task_get_task_data(task);
    GError *error = NULL;
    int fd;

    if (!marina_migration_stream_offer_finish(result, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    fd = dup(g_socket_get_fd(g_socket_connection_get_socket(cd->conn)));
    if (fd < 0) {
        int saved = errno;
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s",
                                g_strerror(saved));
    } else {
        marina_migration_fd_set_blocking(fd);
        g_task_return_int(task, fd);
    }
    g_object_unref(task);
}

static void
on_connected(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    ConnectData *cd = g_task_get_task_data(task);
    GError *error = NULL;

    cd->conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &error);
    if (cd->conn == NULL) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    marina_migration_stream_offer_async(g_socket_get_fd(g_socket_connection_get_socket(cd->conn)),
                                        cd->token, cd->index, g_task_get_cancellable(task),
                                        on_connect_offered, task);
}

void
marina_migration_stream_connect_async(const char *address, guint16 port, const char *token,
                                      guint index, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    ConnectData *cd = g_new0(ConnectData, 1);
    g_autoptr(GSocketClient) client = g_socket_client_new();

    cd->token = g_strdup(token);
    cd->index = index;
    g_task_set_task_data(task, cd, (GDestroyNotify)connect_data_free);
    g_socket_client_set_timeout(client, MARINA_MIGRATION_HANDSHAKE_TIMEOUT_S);
    g_socket_client_connect_to_host_async(client, address, port, cancellable, on_connected, task);
}

int
marina_migration_stream_connect_finish(GAsyncResult *result, GError **error)
{
    GError *local = NULL;
    gssize fd = g_task_propagate_int(G_TASK(result), &local);

    if (local != NULL) {
        g_propagate_error(error, local);
        return -1;
    }
    return (int)fd;
}

/* ---------------------------------------------------------------------- */
/* Destination side                                                        */

typedef struct {
    char *token;
    guint index;
} Request;

static void
request_free(Request *r)
{
    g_free(r->token);
    g_free(r);
}

static gboolean
parse_request(const char *line, Request *r)
{
    g_auto(GStrv) words = g_strsplit(line, " ", 0);
    guint64 index;

    if (g_strv_length(words) != 4 || !g_str_equal(words[0], "MARINA-MIGRATION") ||
        !g_str_equal(words[1], "1") || !marina_migration_token_is_valid(words[2]) ||
        !g_ascii_string_to_unsigned(words[3], 10, 0, 1024, &index, NULL))
        return FALSE;
    r->token = g_strdup(words[2]);
    r->index = (guint)index;
    return TRUE;
}

static void
on_request_line(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;
    g_autofree char *line = read_line_finish(result, &error);
    Request *r;

    if (line == NULL) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    r = g_new0(Request, 1);
    if (!parse_request(line, r)) {
        request_free(r);
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                _("this is not a Marina migration stream (protocol 1)"));
    } else {
        g_task_return_pointer(task, r, (GDestroyNotify)request_free);
    }
    g_object_unref(task);
}

void
marina_migration_stream_read_request_async(int fd, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);

    set_nonblocking(fd);
    read_line_async(fd, cancellable, task, on_request_line);
}

gboolean
marina_migration_stream_read_request_finish(GAsyncResult *result, char **token, guint *index,
                                            GError **error)
{
    Request *r = g_task_propagate_pointer(G_TASK(result), error);

    if (r == NULL)
        return FALSE;
    *token = g_steal_pointer(&r->token);
    *index = r->index;
    request_free(r);
    return TRUE;
}

gboolean
marina_migration_stream_reply(int fd, const char *refusal)
{
    g_autofree char *line = NULL;

    if (refusal == NULL)
        return write_line(fd, "OK\n");
    /* One line, whatever the message holds. */
    line = g_strdup_printf("ERROR %s\n", refusal);
    g_strdelimit(line, "\r\n", ' ');
    line[strlen(line) - 1] = '\n';
    if (strlen(line) > MARINA_MIGRATION_HANDSHAKE_MAX) {
        line[MARINA_MIGRATION_HANDSHAKE_MAX - 1] = '\n';
        line[MARINA_MIGRATION_HANDSHAKE_MAX] = '\0';
    }
    return write_line(fd, line);
}

/* ---------------------------------------------------------------------- */
/* Relay                                                                   */

/* Two threads, one per direction, each moving data with splice() through a
 * pipe (no copy through user space): the main loop never waits on a
 * migration's gigabytes, and a stream carries as fast as the kernel can. */

#define SPLICE_CHUNK (1024 * 1024)

typedef struct {
    MarinaMigrationRelay *relay;
    int from, to;
} Direction;

struct _MarinaMigrationRelay {
    int fds[2];
    Direction dir[2];
    gint refs; /* the owner and each thread: the last one closes */
};

static void
relay_unref(MarinaMigrationRelay *r)
{
    if (!g_atomic_int_dec_and_test(&r->refs))
        return;
    close(r->fds[0]);
    close(r->fds[1]);
    g_free(r);
}

static gpointer
relay_direction(gpointer data)
{
    Direction *d = data;
    int pipe_fds[2];

    if (pipe2(pipe_fds, O_CLOEXEC) == 0) {
        /* A bigger pipe moves more per call (the default holds 64 KiB). */
        fcntl(pipe_fds[1], F_SETPIPE_SZ, SPLICE_CHUNK);
        for (;;) {
            ssize_t n = splice(d->from, NULL, pipe_fds[1], NULL, SPLICE_CHUNK, SPLICE_F_MOVE);
            ssize_t left = n;

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            while (left > 0) {
                ssize_t w = splice(pipe_fds[0], NULL, d->to, NULL, (size_t)left,
                                   SPLICE_F_MOVE | SPLICE_F_MORE);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    break;
                left -= w;
            }
            if (left > 0) {
                /* The other side failed: the whole relay ends. */
                shutdown(d->from, SHUT_RDWR);
                break;
            }
        }
        close(pipe_fds[0]);
        close(pipe_fds[1]);
    }
    /* This direction is over: the other side sees the end of the stream. */
    shutdown(d->to, SHUT_WR);
    relay_unref(d->relay);
    return NULL;
}

MarinaMigrationRelay *
marina_migration_relay_new(int a, int b)
{
    MarinaMigrationRelay *r = g_new0(MarinaMigrationRelay, 1);

    r->fds[0] = a;
    r->fds[1] = b;
    r->refs = 3;
    marina_migration_fd_set_blocking(a);
    marina_migration_fd_set_blocking(b);
    for (guint i = 0; i < 2; i++) {
        r->dir[i] = (Direction){.relay = r, .from = r->fds[i], .to = r->fds[1 - i]};
        g_thread_unref(g_thread_new("migration-relay", relay_direction, &r->dir[i]));
    }
    return r;
}

void
marina_migration_relay_free(MarinaMigrationRelay *r)
{
    if (r == NULL)
        return;
    /* Wakes both threads; they close everything once out. */
    shutdown(r->fds[0], SHUT_RDWR);
    shutdown(r->fds[1], SHUT_RDWR);
    relay_unref(r);
}
