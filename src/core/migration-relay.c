#define G_LOG_DOMAIN "marina-migration-relay"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migration-relay.h"

/* How much one splice or read moves at most: a pipe's default capacity
 * times a few, enough to keep a memory stream at gigabytes per second. */
#define RELAY_CHUNK (1024 * 1024)
/* The pipe between the two ends; F_SETPIPE_SZ may give less. */
#define RELAY_PIPE_SIZE (1024 * 1024)

/* One direction: bytes read from @from wait in a pipe (or a buffer) until
 * @to takes them. */
typedef struct {
    int from;
    int to;
    int pipe[2];   /* -1 when splice is not possible for these descriptors */
    char *buffer;  /* the read/write fallback */
    gsize offset;  /* of the pending bytes in @buffer */
    gsize pending; /* bytes read, not yet written */
    gboolean eof;  /* @from reached end of file */
    gboolean done; /* eof, nothing pending, @to's writing half shut down */
} Direction;

typedef struct {
    int fds[2];
    Direction way[2];
    guint64 bytes;
    GCancellable *cancellable;
} Relay;

static void
direction_clear(Direction *d)
{
    if (d->pipe[0] >= 0)
        close(d->pipe[0]);
    if (d->pipe[1] >= 0)
        close(d->pipe[1]);
    g_free(d->buffer);
}

static void
relay_free(Relay *relay)
{
    direction_clear(&relay->way[0]);
    direction_clear(&relay->way[1]);
    for (int i = 0; i < 2; i++) {
        if (relay->fds[i] >= 0)
            close(relay->fds[i]);
    }
    g_clear_object(&relay->cancellable);
    g_free(relay);
}

static void
direction_init(Direction *d, int from, int to)
{
    d->from = from;
    d->to = to;
    if (pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
        /* Bigger than the default 64 KiB: fewer wake-ups per gigabyte. */
        (void)fcntl(d->pipe[1], F_SETPIPE_SZ, RELAY_PIPE_SIZE);
    } else {
        d->pipe[0] = d->pipe[1] = -1;
    }
}

/* splice() does not take every kind of descriptor (a unix socket before
 * Linux 4.2, a tty): from then on this direction copies through a buffer. */
static void
direction_fall_back(Direction *d)
{
    g_debug("splice not possible between %d and %d: copying", d->from, d->to);
    close(d->pipe[0]);
    close(d->pipe[1]);
    d->pipe[0] = d->pipe[1] = -1;
}

static gboolean
set_io_error(GError **error, int saved_errno, const char *what)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno),
                _("Migration stream: %s failed: %s"), what, g_strerror(saved_errno));
    return FALSE;
}

/* Reads what @from has into the pipe or buffer. FALSE with @error on a failure. */
static gboolean
direction_fill(Direction *d, GError **error)
{
    ssize_t n;

    if (d->pipe[0] >= 0) {
        n = splice(d->from, NULL, d->pipe[1], NULL, RELAY_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n < 0 && errno == EINVAL && d->pending == 0)
            direction_fall_back(d);
        else if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return TRUE;
        else if (n < 0)
            return set_io_error(error, errno, "splice");
        if (d->pipe[0] >= 0) {
            d->pending += (gsize)n;
            d->eof = n == 0;
            return TRUE;
        }
    }
    if (d->buffer == NULL)
        d->buffer = g_malloc(RELAY_CHUNK);
    n = read(d->from, d->buffer, RELAY_CHUNK);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? TRUE : set_io_error(error, errno, "read");
    d->offset = 0;
    d->pending = (gsize)n;
    d->eof = n == 0;
    return TRUE;
}

/* Writes pending bytes to @to; adds what went to *@bytes. */
static gboolean
direction_drain(Direction *d, guint64 *bytes, GError **error)
{
    ssize_t n;

    if (d->pipe[0] >= 0)
        n = splice(d->pipe[0], NULL, d->to, NULL, d->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    else
        n = write(d->to, d->buffer + d->offset, d->pending);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? TRUE : set_io_error(error, errno, "write");
    d->offset += (gsize)n;
    d->pending -= (gsize)n;
    *bytes += (guint64)n;
    return TRUE;
}

/* The reading end is at its end and everything went across: tell the
 * other side by shutting down its writing half (the reading half goes on
 * carrying the other direction). */
static void
direction_finish(Direction *d)
{
    if (d->done || !d->eof || d->pending > 0)
        return;
    if (shutdown(d->to, SHUT_WR) < 0 && errno != ENOTCONN && errno != ENOTSOCK)
        g_debug("shutdown of %d: %s", d->to, g_strerror(errno));
    d->done = TRUE;
}

/* One poll round: what each direction waits for. */
static nfds_t
prepare_poll(Relay *relay, struct pollfd *fds, int *roles, int cancel_fd)
{
    nfds_t n = 0;

    for (int i = 0; i < 2; i++) {
        Direction *d = &relay->way[i];

        if (d->done)
            continue;
        roles[n] = i;
        fds[n].revents = 0;
        if (d->pending > 0) {
            fds[n].fd = d->to;
            fds[n].events = POLLOUT;
        } else {
            fds[n].fd = d->from;
            fds[n].events = POLLIN;
        }
        n++;
    }
    roles[n] = -1;
    fds[n].fd = cancel_fd;
    fds[n].events = POLLIN;
    fds[n].revents = 0;
    return n + 1;
}

static gboolean
relay_run(Relay *relay, GError **error)
{
    int cancel_fd = g_cancellable_get_fd(relay->cancellable);
    gboolean ok = TRUE;

    while (ok && !(relay->way[0].done && relay->way[1].done)) {
        struct pollfd fds[3];
        int roles[3];
        nfds_t n = prepare_poll(relay, fds, roles, cancel_fd);

        if (poll(fds, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            ok = set_io_error(error, errno, "poll");
            break;
        }
        if (g_cancellable_set_error_if_cancelled(relay->cancellable, error)) {
            ok = FALSE;
            break;
        }
        for (nfds_t i = 0; ok && i < n; i++) {
            Direction *d;

            if (roles[i] < 0 || fds[i].revents == 0)
                continue;
            d = &relay->way[roles[i]];
            /* POLLHUP / POLLERR: the read or write below says what happened. */
            if (d->pending > 0)
                ok = direction_drain(d, &relay->bytes, error);
            else
                ok = direction_fill(d, error);
            direction_finish(d);
        }
    }
    g_cancellable_release_fd(relay->cancellable);
    return ok;
}

static gpointer
relay_thread(gpointer data)
{
    g_autoptr(GTask) task = data;
    Relay *relay = g_task_get_task_data(task);
    GError *error = NULL;
    sigset_t pipe_signal;
    gboolean ok;

    /* Writing to a stream whose daemon went away raises SIGPIPE for this
     * thread (splice has no MSG_NOSIGNAL): blocked, it stays pending here
     * and goes with the thread, and the write says EPIPE instead of the
     * client being killed. */
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, NULL);
    ok = relay_run(relay, &error);

    /* Closed here, not when the task goes: a daemon waiting on its end of
     * the stream learns at once that the relay is over. */
    for (int i = 0; i < 2; i++)
        close(g_steal_fd(&relay->fds[i]));
    if (ok)
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
    return NULL;
}

void
marina_migration_relay_async(int fd_a, int fd_b, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, NULL, callback, user_data);
    Relay *relay = g_new0(Relay, 1);
    g_autoptr(GError) error = NULL;
    GThread *thread;

    g_task_set_source_tag(task, marina_migration_relay_async);
    relay->fds[0] = fd_a;
    relay->fds[1] = fd_b;
    /* The relay's own cancellable: its descriptor wakes the poll. */
    relay->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();
    g_unix_set_fd_nonblocking(fd_a, TRUE, NULL);
    g_unix_set_fd_nonblocking(fd_b, TRUE, NULL);
    direction_init(&relay->way[0], fd_a, fd_b);
    direction_init(&relay->way[1], fd_b, fd_a);
    g_task_set_task_data(task, relay, (GDestroyNotify)relay_free);
    /* A thread of its own, not GTask's pool: a stream lasts as long as the
     * migration, and a pool of busy threads would hold up other tasks. */
    thread = g_thread_try_new("marina-relay", relay_thread, task, &error);
    if (thread == NULL) {
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                _("Could not start a thread for a migration stream: %s"),
                                error->message);
        g_object_unref(task);
        return;
    }
    g_thread_unref(thread);
}

gboolean
marina_migration_relay_finish(GAsyncResult *result, guint64 *bytes, GError **error)
{
    Relay *relay;

    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == marina_migration_relay_async,
                         FALSE);
    relay = g_task_get_task_data(G_TASK(result));
    if (bytes != NULL)
        *bytes = relay->bytes;
    return g_task_propagate_boolean(G_TASK(result), error);
}
