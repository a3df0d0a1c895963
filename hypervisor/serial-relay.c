#define G_LOG_DOMAIN "marina-serial-relay"

#include "config.h"

#include "fd-util.h"
#include "serial-relay.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/* One read from QEMU: large enough that a fast boot log arrives in few chunks. */
#define GUEST_READ_SIZE (16 * 1024)
/* People type slowly; pastes arrive in a few of these. */
#define CLIENT_READ_SIZE (4 * 1024)
/*
 * Output waiting for one client. A client over the limit loses its OLDEST
 * queued output (not the connection): a console window that stalls for a
 * moment (a suspended laptop, a congested ssh channel) keeps its session and
 * sees a gap, exactly as if that text had scrolled out of a real terminal's
 * buffer; disconnecting would make it reconnect and replay the scrollback,
 * which is more disruptive for the same loss. Either way the guest and the
 * other clients never wait, and memory per client stays bounded.
 */
#define CLIENT_QUEUE_LIMIT (1024 * 1024)
/*
 * Input waiting for the guest. QEMU reads at the speed of the emulated UART,
 * so a big paste can back up; past this limit we stop reading from clients
 * (the kernel then pushes back on them) instead of buffering without bound.
 */
#define GUEST_QUEUE_LIMIT (1024 * 1024)
/*
 * What a queued chunk costs beyond its bytes (GBytes, GList link, malloc
 * headers). Counting it keeps memory bounded even when a guest prints one
 * byte at a time.
 */
#define CHUNK_OVERHEAD 64

typedef struct {
    MarinaSerialRelay *relay; /* NULL once detached: late callbacks then only clean up */
    GIOStream *stream;
    GCancellable *cancellable;
    GQueue out;      /* GBytes for the guest, in order; the head is being written */
    gsize out_bytes; /* cost of @out (see CHUNK_OVERHEAD), including the one in flight */
    gboolean writing;
    guint8 read_buf[GUEST_READ_SIZE];
} Guest;

typedef struct {
    MarinaSerialRelay *relay; /* NULL once removed */
    GSocketConnection *conn;
    GCancellable *cancellable;
    GQueue out;      /* GBytes for the client; the head is in flight while @writing */
    gsize out_bytes; /* cost of @out (see CHUNK_OVERHEAD), including the one in flight */
    gboolean writing;
    gboolean paused; /* input held back until the guest drains its queue */
    guint64 dropped; /* output dropped because the client did not keep up */
    guint8 read_buf[CLIENT_READ_SIZE];
} Client;

struct _MarinaSerialRelay {
    GObject parent_instance;

    char *log_path;
    gsize log_max;
    gsize scrollback_max;

    guint8 *ring; /* allocated on first output: many guests never print */
    gsize ring_start;
    gsize ring_len;
    gboolean restore_pending; /* the ring is still to be filled from the log's tail */

    int log_fd;
    gsize log_size;
    gboolean log_warned;

    Guest *guest;
    /* Input typed before the first guest stream is attached (a console opened right after a
     * daemon restart, while the relay is still reconnecting to QEMU): handed on at attach.
     * Once a guest has been attached, input without one is dropped: that guest is gone. */
    gboolean had_guest;
    GQueue held;
    gsize held_bytes;
    GPtrArray *clients; /* Client *, holding one reference each */
};

G_DEFINE_FINAL_TYPE(MarinaSerialRelay, marina_serial_relay, G_TYPE_OBJECT)

enum {
    PROP_0,
    PROP_LOG_PATH,
    PROP_LOG_MAX,
    PROP_SCROLLBACK_MAX,
    PROP_N_CLIENTS,
    N_PROPS,
};

enum {
    SIGNAL_OUTPUT,
    SIGNAL_GUEST_CLOSED,
    N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void relay_resume_clients(MarinaSerialRelay *self);

/* ---- byte queues ---------------------------------------------------------------------------- */

static gsize
chunk_cost(GBytes *bytes)
{
    return g_bytes_get_size(bytes) + CHUNK_OVERHEAD;
}

static void
queue_push(GQueue *queue, gsize *cost, GBytes *bytes)
{
    g_queue_push_tail(queue, g_bytes_ref(bytes));
    *cost += chunk_cost(bytes);
}

/* Removes the @nth chunk; returns its size in bytes. */
static gsize
queue_drop_nth(GQueue *queue, gsize *cost, guint nth)
{
    GBytes *bytes = g_queue_pop_nth(queue, nth);
    gsize size;

    if (bytes == NULL)
        return 0;
    size = g_bytes_get_size(bytes);
    *cost -= chunk_cost(bytes);
    g_bytes_unref(bytes);
    return size;
}

static void
queue_clear(GQueue *queue, gsize *cost)
{
    g_queue_clear_full(queue, (GDestroyNotify)g_bytes_unref);
    *cost = 0;
}

/*
 * Reads land in a per-stream buffer and are copied into a GBytes of exactly
 * the size read, so a queued chunk never pins a mostly empty 16 KiB buffer.
 */
static GBytes *
read_finish_bytes(GObject *source, GAsyncResult *result, const guint8 *buf, GError **error)
{
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, error);

    if (n <= 0)
        return NULL; /* EOF (no error set) or error */
    return g_bytes_new(buf, n);
}

/* ---- scrollback ring ------------------------------------------------------------------------ */

static void
ring_append(MarinaSerialRelay *self, const guint8 *data, gsize len)
{
    gsize cap = self->scrollback_max;
    gsize end, first;

    if (cap == 0 || len == 0)
        return;
    if (self->ring == NULL)
        self->ring = g_malloc(cap);

    if (len >= cap) {
        memcpy(self->ring, data + len - cap, cap);
        self->ring_start = 0;
        self->ring_len = cap;
        return;
    }

    end = (self->ring_start + self->ring_len) % cap;
    first = MIN(len, cap - end);
    memcpy(self->ring + end, data, first);
    memcpy(self->ring, data + first, len - first);

    if (self->ring_len + len > cap) {
        /* The oldest bytes were overwritten: the ring now starts after them. */
        self->ring_start = (self->ring_start + self->ring_len + len - cap) % cap;
        self->ring_len = cap;
    } else {
        self->ring_len += len;
    }
}

/* ---- log file ------------------------------------------------------------------------------- */

static void
log_close(MarinaSerialRelay *self)
{
    if (self->log_fd >= 0)
        close(self->log_fd);
    self->log_fd = -1;
}

static void
log_warn(MarinaSerialRelay *self, const char *what, int err)
{
    /* Warn once per failure episode: a full disk must not flood the daemon's log. */
    if (!self->log_warned)
        g_warning("Serial log %s: could not %s: %s; console output is not being logged until "
                  "this is fixed",
                  self->log_path, what, g_strerror(err));
    self->log_warned = TRUE;
    log_close(self);
}

static gboolean
log_open(MarinaSerialRelay *self)
{
    struct stat st;

    if (self->log_fd >= 0)
        return TRUE;

    self->log_fd = open(self->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (self->log_fd < 0) {
        log_warn(self, "open it", errno);
        return FALSE;
    }
    /* The log survives daemon restarts, so the cap counts what is already there. */
    if (fstat(self->log_fd, &st) < 0) {
        log_warn(self, "stat it", errno);
        return FALSE;
    }
    self->log_size = st.st_size;
    return TRUE;
}

/* Moves the full log to "<log>.1" (replacing the older one) and starts an empty one. */
static gboolean
log_rotate(MarinaSerialRelay *self)
{
    g_autofree char *old_path = g_strconcat(self->log_path, ".1", NULL);

    log_close(self);
    if (rename(self->log_path, old_path) < 0 && errno != ENOENT)
        g_debug("Serial log %s: could not rename it to %s: %s; truncating it instead",
                self->log_path, old_path, g_strerror(errno));
    if (!log_open(self))
        return FALSE;
    /* If the rename failed the old content is still here; keeping the disk cap wins. */
    if (self->log_size > 0 && ftruncate(self->log_fd, 0) < 0) {
        log_warn(self, "truncate it", errno);
        return FALSE;
    }
    self->log_size = 0;
    return TRUE;
}

/*
 * Appends one chunk of guest output. The log is a small regular local file,
 * so a synchronous write per chunk is cheap compared to the socket I/O. The
 * chunk is split at the cap so that "<log>.1" + "<log>" always hold the
 * newest output contiguously, and disk use stays within 2 × log_max.
 */
static void
log_append(MarinaSerialRelay *self, const guint8 *data, gsize len)
{
    if (self->log_path == NULL)
        return;

    /* Anything before the last 2 × log_max bytes would be rotated away anyway. */
    if (self->log_max > 0 && len > 2 * self->log_max) {
        data += len - 2 * self->log_max;
        len = 2 * self->log_max;
    }

    while (len > 0) {
        gsize n = len;

        if (!log_open(self))
            return;
        if (self->log_max > 0) {
            if (self->log_size >= self->log_max) {
                if (!log_rotate(self))
                    return;
            }
            n = MIN(len, self->log_max - self->log_size);
        }
        if (!marina_write_all_fd(self->log_fd, data, n)) {
            log_warn(self, "write to it", errno);
            return;
        }
        self->log_warned = FALSE;
        self->log_size += n;
        data += n;
        len -= n;
    }
}

/* ---- scrollback from the log ---------------------------------------------------------------- */

/* Opens @path to read its tail; -1 when there is no such regular file (a FIFO would block). */
static int
tail_open(const char *path, gsize *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    *size = 0;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    *size = st.st_size;
    return fd;
}

/* Reads the last @len bytes of the @size bytes on @fd into @buf; returns how many arrived. */
static gsize
tail_read(int fd, gsize size, guint8 *buf, gsize len)
{
    gsize got = 0;

    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, size - len + got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* shrunk meanwhile, or unreadable: keep what arrived */
        got += n;
    }
    return got;
}

/*
 * Fills the empty ring with the newest scrollback_max bytes of "<log>.1"
 * followed by "<log>" (see log_rotate), reading them straight into the ring.
 */
static void
relay_restore_scrollback(MarinaSerialRelay *self)
{
    g_autofree char *old_path = NULL;
    gsize cap = self->scrollback_max;
    gsize log_size, old_size = 0, from_log, from_old = 0;
    int log_fd, old_fd = -1;

    if (!self->restore_pending)
        return;
    self->restore_pending = FALSE;
    /* Output already in the ring is newer than the log's tail and is in the log too. */
    if (self->log_path == NULL || cap == 0 || self->ring_len > 0)
        return;

    log_fd = tail_open(self->log_path, &log_size);
    from_log = MIN(log_size, cap);
    if (from_log < cap) {
        old_path = g_strconcat(self->log_path, ".1", NULL);
        old_fd = tail_open(old_path, &old_size);
        from_old = MIN(old_size, cap - from_log);
    }
    if (from_log + from_old > 0) {
        if (self->ring == NULL)
            self->ring = g_malloc(cap);
        self->ring_start = 0;
        self->ring_len = tail_read(old_fd, old_size, self->ring, from_old);
        self->ring_len += tail_read(log_fd, log_size, self->ring + self->ring_len, from_log);
    }
    if (old_fd >= 0)
        close(old_fd);
    if (log_fd >= 0)
        close(log_fd);
}

/* ---- clients -------------------------------------------------------------------------------- */

static void
client_clear(Client *client)
{
    /*
     * Only now, with no read or write pending, is the socket closed: closing
     * it earlier could let the fd number be reused under a pending poll. This
     * close is a plain close(2) on a local socket and does not block.
     */
    if (client->conn != NULL)
        g_io_stream_close(G_IO_STREAM(client->conn), NULL, NULL);
    g_clear_object(&client->conn);
    g_clear_object(&client->cancellable);
    queue_clear(&client->out, &client->out_bytes);
}

static Client *
client_ref(Client *client)
{
    return g_rc_box_acquire(client);
}

static void
client_unref(Client *client)
{
    g_rc_box_release_full(client, (GDestroyNotify)client_clear);
}

/* The GPtrArray free function: the relay lets go of the client. */
static void
client_disconnect(Client *client)
{
    GSocket *socket = g_socket_connection_get_socket(client->conn);

    client->relay = NULL;
    g_cancellable_cancel(client->cancellable);
    /* The peer sees EOF now, even while cancelled operations are still being reaped. */
    g_socket_shutdown(socket, TRUE, TRUE, NULL);
    client_unref(client);
}

static void
relay_remove_client(MarinaSerialRelay *self, Client *client)
{
    if (client->relay != self)
        return; /* already removed (read and write can both notice a hang-up) */
    g_ptr_array_remove_fast(self->clients, client);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_N_CLIENTS]);
}

static void client_write_next(Client *client);

static void
on_client_written(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Client *client = user_data;
    g_autoptr(GError) error = NULL;

    client->writing = FALSE;
    queue_drop_nth(&client->out, &client->out_bytes, 0);

    if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL, &error)) {
        if (client->relay != NULL) {
            g_debug("Serial client went away while writing to it: %s", error->message);
            relay_remove_client(client->relay, client);
        }
    } else if (client->relay != NULL) {
        client_write_next(client);
    }
    client_unref(client);
}

static void
client_write_next(Client *client)
{
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(client->conn));
    GBytes *bytes;

    if (client->writing || g_queue_is_empty(&client->out))
        return;
    /* The head stays queued while in flight: it owns the buffer being written. */
    bytes = g_queue_peek_head(&client->out);
    client->writing = TRUE;
    g_output_stream_write_all_async(out, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
                                    G_PRIORITY_DEFAULT, client->cancellable, on_client_written,
                                    client_ref(client));
}

static void
client_queue_output(Client *client, GBytes *bytes)
{
    queue_push(&client->out, &client->out_bytes, bytes);

    /* Over the limit: drop the oldest output not yet in flight (see CLIENT_QUEUE_LIMIT). */
    while (client->out_bytes > CLIENT_QUEUE_LIMIT) {
        guint keep_head = client->writing ? 1 : 0;
        gsize dropped;

        if (g_queue_get_length(&client->out) <= keep_head + 1)
            break;
        dropped = queue_drop_nth(&client->out, &client->out_bytes, keep_head);
        client->dropped += dropped;
        g_debug("Serial client is not reading: dropped %" G_GSIZE_FORMAT
                " bytes of its oldest output (%" G_GUINT64_FORMAT " in all)",
                dropped, client->dropped);
    }
    client_write_next(client);
}

static void relay_queue_input(MarinaSerialRelay *self, GBytes *bytes);
static void client_read_next(Client *client);

static void
on_client_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Client *client = user_data;
    MarinaSerialRelay *self = client->relay;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = read_finish_bytes(source, result, client->read_buf, &error);

    if (self == NULL) {
        client_unref(client);
        return;
    }

    if (bytes == NULL) {
        g_debug("Serial client closed its connection%s%s", error ? ": " : "",
                error ? error->message : "");
        relay_remove_client(self, client);
    } else {
        relay_queue_input(self, bytes);
        if (self->guest != NULL && self->guest->out_bytes >= GUEST_QUEUE_LIMIT)
            client->paused = TRUE;
        else
            client_read_next(client);
    }
    client_unref(client);
}

static void
client_read_next(Client *client)
{
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(client->conn));

    g_input_stream_read_async(in, client->read_buf, sizeof client->read_buf, G_PRIORITY_DEFAULT,
                              client->cancellable, on_client_read, client_ref(client));
}

static void
relay_resume_clients(MarinaSerialRelay *self)
{
    for (guint i = 0; i < self->clients->len; i++) {
        Client *client = g_ptr_array_index(self->clients, i);

        if (client->paused) {
            client->paused = FALSE;
            client_read_next(client);
        }
    }
}

/* ---- guest ---------------------------------------------------------------------------------- */

static void
guest_clear(Guest *guest)
{
    g_clear_object(&guest->stream);
    g_clear_object(&guest->cancellable);
    queue_clear(&guest->out, &guest->out_bytes);
}

static Guest *
guest_ref(Guest *guest)
{
    return g_rc_box_acquire(guest);
}

static void
guest_unref(Guest *guest)
{
    g_rc_box_release_full(guest, (GDestroyNotify)guest_clear);
}

/* Lets go of the guest stream; clients stay. No signal: the caller decides. */
static void
relay_drop_guest(MarinaSerialRelay *self)
{
    Guest *guest = g_steal_pointer(&self->guest);

    if (guest == NULL)
        return;
    guest->relay = NULL;
    g_cancellable_cancel(guest->cancellable);
    guest_unref(guest);
    /* Input paused for the old guest is now dropped instead of waiting forever. */
    relay_resume_clients(self);
}

static void guest_write_next(Guest *guest);

static void
on_guest_written(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Guest *guest = user_data;
    g_autoptr(GError) error = NULL;

    guest->writing = FALSE;
    queue_drop_nth(&guest->out, &guest->out_bytes, 0);

    if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL, &error)) {
        /* The read side reports the hang-up as "guest-closed"; here just stop writing. */
        if (guest->relay != NULL)
            g_debug("Could not write to the guest serial port: %s", error->message);
        queue_clear(&guest->out, &guest->out_bytes);
    } else if (guest->relay != NULL) {
        guest_write_next(guest);
    }
    if (guest->relay != NULL && guest->out_bytes < GUEST_QUEUE_LIMIT)
        relay_resume_clients(guest->relay);
    guest_unref(guest);
}

static void
guest_write_next(Guest *guest)
{
    GOutputStream *out = g_io_stream_get_output_stream(guest->stream);
    GBytes *bytes;

    if (guest->writing || g_queue_is_empty(&guest->out))
        return;
    bytes = g_queue_peek_head(&guest->out);
    guest->writing = TRUE;
    g_output_stream_write_all_async(out, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
                                    G_PRIORITY_DEFAULT, guest->cancellable, on_guest_written,
                                    guest_ref(guest));
}

static void
relay_queue_input(MarinaSerialRelay *self, GBytes *bytes)
{
    if (self->guest == NULL) {
        if (self->had_guest || self->held_bytes + chunk_cost(bytes) > GUEST_QUEUE_LIMIT) {
            g_debug("No guest serial port attached: dropped %" G_GSIZE_FORMAT " bytes of input",
                    g_bytes_get_size(bytes));
            return;
        }
        queue_push(&self->held, &self->held_bytes, bytes);
        return;
    }
    queue_push(&self->guest->out, &self->guest->out_bytes, bytes);
    guest_write_next(self->guest);
}

static void
relay_handle_output(MarinaSerialRelay *self, GBytes *bytes)
{
    gsize len;
    const guint8 *data = g_bytes_get_data(bytes, &len);

    /* Before this chunk reaches the log: the ring must not get it twice. */
    relay_restore_scrollback(self);
    ring_append(self, data, len);
    log_append(self, data, len);
    for (guint i = 0; i < self->clients->len; i++)
        client_queue_output(g_ptr_array_index(self->clients, i), bytes);
    g_signal_emit(self, signals[SIGNAL_OUTPUT], 0, bytes);
}

static void guest_read_next(Guest *guest);

static void
on_guest_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Guest *guest = user_data;
    MarinaSerialRelay *self = guest->relay;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = read_finish_bytes(source, result, guest->read_buf, &error);

    if (self == NULL) {
        /* Detached or replaced meanwhile: whatever arrived belongs to no one. */
        guest_unref(guest);
        return;
    }

    /* A signal handler may drop the last reference to the relay. */
    g_object_ref(self);
    if (bytes == NULL) {
        g_debug("Guest serial port closed%s%s", error ? ": " : "", error ? error->message : "");
        relay_drop_guest(self);
        g_signal_emit(self, signals[SIGNAL_GUEST_CLOSED], 0);
    } else {
        relay_handle_output(self, bytes);
        if (guest->relay == self)
            guest_read_next(guest);
    }
    g_object_unref(self);
    guest_unref(guest);
}

static void
guest_read_next(Guest *guest)
{
    GInputStream *in = g_io_stream_get_input_stream(guest->stream);

    g_input_stream_read_async(in, guest->read_buf, sizeof guest->read_buf, G_PRIORITY_DEFAULT,
                              guest->cancellable, on_guest_read, guest_ref(guest));
}

/* ---- public API ----------------------------------------------------------------------------- */

MarinaSerialRelay *
marina_serial_relay_new(const char *log_path, gsize log_max, gsize scrollback_max)
{
    return g_object_new(MARINA_TYPE_SERIAL_RELAY, "log-path", log_path, "log-max", (guint64)log_max,
                        "scrollback-max", (guint64)scrollback_max, NULL);
}

void
marina_serial_relay_attach_guest(MarinaSerialRelay *self, GIOStream *stream)
{
    Guest *guest;

    g_return_if_fail(MARINA_IS_SERIAL_RELAY(self));
    g_return_if_fail(G_IS_IO_STREAM(stream));

    /* Re-attaching the same stream must not start a second read on it. */
    if (self->guest != NULL && self->guest->stream == stream)
        return;

    relay_drop_guest(self);

    guest = g_rc_box_new0(Guest);
    guest->relay = self;
    guest->stream = g_object_ref(stream);
    guest->cancellable = g_cancellable_new();
    g_queue_init(&guest->out);
    self->guest = guest;
    self->had_guest = TRUE;
    while (!g_queue_is_empty(&self->held)) {
        g_autoptr(GBytes) bytes = g_queue_pop_head(&self->held);
        queue_push(&guest->out, &guest->out_bytes, bytes);
    }
    self->held_bytes = 0;
    guest_write_next(guest);
    guest_read_next(guest);
}

void
marina_serial_relay_detach_guest(MarinaSerialRelay *self)
{
    g_return_if_fail(MARINA_IS_SERIAL_RELAY(self));

    relay_drop_guest(self);
}

int
marina_serial_relay_add_client(MarinaSerialRelay *self, GBytes **scrollback, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GSocket) socket = NULL;
    Client *client;
    int fds[2];

    g_return_val_if_fail(MARINA_IS_SERIAL_RELAY(self), -1);
    g_return_val_if_fail(error == NULL || *error == NULL, -1);

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
        int saved_errno = errno;

        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Could not open a serial console connection: %s. The daemon may be out of "
                      "file descriptors; close some consoles or raise its open-file limit."),
                    g_strerror(saved_errno));
        return -1;
    }

    socket = g_socket_new_from_fd(fds[0], &local_error);
    if (socket == NULL) {
        g_debug("g_socket_new_from_fd: %s", local_error->message);
        close(fds[0]);
        close(fds[1]);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Could not open a serial console connection: %s"), local_error->message);
        return -1;
    }

    client = g_rc_box_new0(Client);
    client->relay = self;
    client->conn = g_socket_connection_factory_create_connection(socket);
    client->cancellable = g_cancellable_new();
    g_queue_init(&client->out);
    g_ptr_array_add(self->clients, client);
    client_read_next(client);

    /* Taken now, so the client sees every byte exactly once: the scrollback, then the queue. */
    if (scrollback != NULL)
        *scrollback = marina_serial_relay_get_scrollback(self);

    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_N_CLIENTS]);
    return fds[1];
}

void
marina_serial_relay_restore_scrollback(MarinaSerialRelay *self)
{
    g_return_if_fail(MARINA_IS_SERIAL_RELAY(self));

    self->restore_pending = TRUE;
}

guint
marina_serial_relay_get_n_clients(MarinaSerialRelay *self)
{
    g_return_val_if_fail(MARINA_IS_SERIAL_RELAY(self), 0);

    return self->clients->len;
}

GBytes *
marina_serial_relay_get_scrollback(MarinaSerialRelay *self)
{
    guint8 *copy;
    gsize first;

    g_return_val_if_fail(MARINA_IS_SERIAL_RELAY(self), NULL);

    relay_restore_scrollback(self);
    if (self->ring_len == 0)
        return g_bytes_new(NULL, 0);

    copy = g_malloc(self->ring_len);
    first = MIN(self->ring_len, self->scrollback_max - self->ring_start);
    memcpy(copy, self->ring + self->ring_start, first);
    memcpy(copy + first, self->ring, self->ring_len - first);
    return g_bytes_new_take(copy, self->ring_len);
}

void
marina_serial_relay_write(MarinaSerialRelay *self, const void *data, gsize len)
{
    g_autoptr(GBytes) bytes = NULL;

    g_return_if_fail(MARINA_IS_SERIAL_RELAY(self));
    g_return_if_fail(data != NULL || len == 0);

    if (len == 0)
        return;
    if (self->guest != NULL && self->guest->out_bytes >= GUEST_QUEUE_LIMIT) {
        g_debug("Guest serial port is not reading: dropped %" G_GSIZE_FORMAT " bytes of input",
                len);
        return;
    }
    bytes = g_bytes_new(data, len);
    relay_queue_input(self, bytes);
}

/* ---- GObject -------------------------------------------------------------------------------- */

static void
marina_serial_relay_dispose(GObject *object)
{
    MarinaSerialRelay *self = MARINA_SERIAL_RELAY(object);

    relay_drop_guest(self);
    queue_clear(&self->held, &self->held_bytes);
    if (self->clients != NULL)
        g_ptr_array_set_size(self->clients, 0);
    log_close(self);

    G_OBJECT_CLASS(marina_serial_relay_parent_class)->dispose(object);
}

static void
marina_serial_relay_finalize(GObject *object)
{
    MarinaSerialRelay *self = MARINA_SERIAL_RELAY(object);

    g_clear_pointer(&self->clients, g_ptr_array_unref);
    g_free(self->ring);
    g_free(self->log_path);

    G_OBJECT_CLASS(marina_serial_relay_parent_class)->finalize(object);
}

static void
marina_serial_relay_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    MarinaSerialRelay *self = MARINA_SERIAL_RELAY(object);

    switch (prop_id) {
    case PROP_LOG_PATH:
        g_value_set_string(value, self->log_path);
        break;
    case PROP_LOG_MAX:
        g_value_set_uint64(value, self->log_max);
        break;
    case PROP_SCROLLBACK_MAX:
        g_value_set_uint64(value, self->scrollback_max);
        break;
    case PROP_N_CLIENTS:
        g_value_set_uint(value, self->clients->len);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
marina_serial_relay_set_property(GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
    MarinaSerialRelay *self = MARINA_SERIAL_RELAY(object);

    switch (prop_id) {
    case PROP_LOG_PATH:
        g_free(self->log_path);
        self->log_path = g_value_dup_string(value);
        break;
    case PROP_LOG_MAX:
        self->log_max = g_value_get_uint64(value);
        break;
    case PROP_SCROLLBACK_MAX:
        self->scrollback_max = g_value_get_uint64(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
marina_serial_relay_class_init(MarinaSerialRelayClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

    object_class->dispose = marina_serial_relay_dispose;
    object_class->finalize = marina_serial_relay_finalize;
    object_class->get_property = marina_serial_relay_get_property;
    object_class->set_property = marina_serial_relay_set_property;

    properties[PROP_LOG_PATH] = g_param_spec_string("log-path", NULL, NULL, NULL, construct);
    /* 0 means no cap. */
    properties[PROP_LOG_MAX] =
        g_param_spec_uint64("log-max", NULL, NULL, 0, G_MAXUINT64 / 4, 0, construct);
    properties[PROP_SCROLLBACK_MAX] =
        g_param_spec_uint64("scrollback-max", NULL, NULL, 0, G_MAXUINT32, 0, construct);
    properties[PROP_N_CLIENTS] = g_param_spec_uint("n-clients", NULL, NULL, 0, G_MAXUINT, 0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    signals[SIGNAL_OUTPUT] = g_signal_new("output", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
    signals[SIGNAL_GUEST_CLOSED] =
        g_signal_new("guest-closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
}

static void
marina_serial_relay_init(MarinaSerialRelay *self)
{
    self->log_fd = -1;
    g_queue_init(&self->held);
    self->clients = g_ptr_array_new_with_free_func((GDestroyNotify)client_disconnect);
}
