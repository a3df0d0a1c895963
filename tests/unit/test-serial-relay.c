#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "serial-relay.h"

/*
 * The test plays QEMU on one end of a socketpair (the "guest") and plays the
 * console clients on the fds add_client returns. All test-side fds are
 * non-blocking and serviced from the same loop that iterates the relay's main
 * context, so a bug shows up as a timeout failure, never as a hang.
 */

#define TIMEOUT_SECONDS 60

typedef struct {
    int fd;           /* -1 once closed */
    gboolean reading; /* FALSE: a peer that never reads */
    GByteArray *got;
    gboolean eof;
    GByteArray *to_send;
    gsize sent;
} Peer;

typedef struct {
    char *dir;
    char *log_path;
    MarinaSerialRelay *relay;
    Peer *guest;
    GPtrArray *peers;
    GByteArray *output; /* everything the "output" signal carried */
    guint guest_closed;
} Fixture;

/* ---- peers ---------------------------------------------------------------------------------- */

static void
peer_free(Peer *peer)
{
    if (peer->fd >= 0)
        close(peer->fd);
    g_byte_array_unref(peer->got);
    g_byte_array_unref(peer->to_send);
    g_free(peer);
}

static Peer *
peer_new(Fixture *f, int fd, gboolean reading)
{
    Peer *peer = g_new0(Peer, 1);

    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    peer->fd = fd;
    peer->reading = reading;
    peer->got = g_byte_array_new();
    peer->to_send = g_byte_array_new();
    g_ptr_array_add(f->peers, peer);
    return peer;
}

static void
peer_send(Peer *peer, const void *data, gsize len)
{
    g_byte_array_append(peer->to_send, data, len);
}

static void
peer_close(Peer *peer)
{
    close(peer->fd);
    peer->fd = -1;
}

static gboolean
peer_step(Peer *peer)
{
    gboolean progress = FALSE;
    guint8 buf[65536];

    if (peer->fd < 0)
        return FALSE;

    while (peer->reading && !peer->eof) {
        ssize_t n = read(peer->fd, buf, sizeof buf);

        if (n > 0) {
            g_byte_array_append(peer->got, buf, n);
            progress = TRUE;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            peer->eof = TRUE;
            progress = TRUE;
        } else {
            break;
        }
    }

    while (peer->sent < peer->to_send->len) {
        ssize_t n = send(peer->fd, peer->to_send->data + peer->sent,
                         peer->to_send->len - peer->sent, MSG_NOSIGNAL);

        if (n > 0) {
            peer->sent += n;
            progress = TRUE;
        } else {
            break;
        }
    }
    return progress;
}

/* ---- the loop ------------------------------------------------------------------------------- */

static gboolean
pump_step(Fixture *f)
{
    gboolean progress = FALSE;

    for (int i = 0; i < 64 && g_main_context_iteration(NULL, FALSE); i++)
        progress = TRUE;
    for (guint i = 0; i < f->peers->len; i++)
        progress |= peer_step(g_ptr_array_index(f->peers, i));
    return progress;
}

#define PUMP_UNTIL(f, cond)                                                                        \
    do {                                                                                           \
        gint64 deadline_ = g_get_monotonic_time() + TIMEOUT_SECONDS * G_USEC_PER_SEC;              \
        while (!(cond)) {                                                                          \
            if (!pump_step(f))                                                                     \
                g_usleep(200);                                                                     \
            if (g_get_monotonic_time() > deadline_)                                                \
                fail_msg("timed out waiting for: %s", #cond);                                      \
        }                                                                                          \
    } while (0)

/* Runs until nothing has happened for @quiet_ms. */
static void
pump_idle(Fixture *f, guint quiet_ms)
{
    gint64 quiet_since = g_get_monotonic_time();
    gint64 deadline = quiet_since + TIMEOUT_SECONDS * G_USEC_PER_SEC;

    while (g_get_monotonic_time() - quiet_since < quiet_ms * 1000) {
        if (pump_step(f))
            quiet_since = g_get_monotonic_time();
        else
            g_usleep(500);
        if (g_get_monotonic_time() > deadline)
            fail_msg("the relay never went quiet");
    }
}

/* ---- fixture -------------------------------------------------------------------------------- */

static void
on_output(MarinaSerialRelay *relay, GBytes *bytes, Fixture *f)
{
    gsize len;
    const guint8 *data = g_bytes_get_data(bytes, &len);

    g_byte_array_append(f->output, data, len);
}

static void
on_guest_closed(MarinaSerialRelay *relay, Fixture *f)
{
    f->guest_closed++;
}

/* A socketpair standing in for QEMU's chardev socket; returns the relay's side. */
static GIOStream *
new_guest(Fixture *f, Peer **test_side)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) socket = NULL;
    int fds[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    socket = g_socket_new_from_fd(fds[0], &error);
    assert_non_null(socket);
    *test_side = peer_new(f, fds[1], TRUE);
    return G_IO_STREAM(g_socket_connection_factory_create_connection(socket));
}

static void
attach_new_guest(Fixture *f)
{
    g_autoptr(GIOStream) stream = new_guest(f, &f->guest);

    marina_serial_relay_attach_guest(f->relay, stream);
}

static void
new_relay(Fixture *f, gsize log_max, gsize scrollback_max)
{
    f->relay = marina_serial_relay_new(f->log_path, log_max, scrollback_max);
    g_signal_connect(f->relay, "output", G_CALLBACK(on_output), f);
    g_signal_connect(f->relay, "guest-closed", G_CALLBACK(on_guest_closed), f);
}

static Fixture *
fixture_new(gsize log_max, gsize scrollback_max)
{
    Fixture *f = g_new0(Fixture, 1);

    f->dir = g_dir_make_tmp("marina-serial-XXXXXX", NULL);
    assert_non_null(f->dir);
    f->log_path = g_build_filename(f->dir, "console.log", NULL);
    f->peers = g_ptr_array_new_with_free_func((GDestroyNotify)peer_free);
    f->output = g_byte_array_new();
    new_relay(f, log_max, scrollback_max);
    attach_new_guest(f);
    return f;
}

static int
setup(void **state)
{
    *state = fixture_new(0, 64 * 1024);
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    g_autofree char *rotated = g_strconcat(f->log_path, ".1", NULL);

    g_clear_object(&f->relay);
    /* Let the cancelled operations finish so everything is freed (valgrind). */
    pump_idle(f, 20);
    g_ptr_array_unref(f->peers);
    g_byte_array_unref(f->output);
    g_unlink(f->log_path);
    g_unlink(rotated);
    g_rmdir(f->dir);
    g_free(f->log_path);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static Peer *
add_client(Fixture *f, gboolean reading, GBytes **scrollback)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) ignored = NULL;
    int fd = marina_serial_relay_add_client(f->relay, scrollback ? scrollback : &ignored, &error);

    assert_null(error);
    return peer_new(f, fd, reading);
}

/* Deterministic, non-repeating-looking bytes, so misordered or lost data is noticed. */
static GByteArray *
pattern(gsize len, guint32 seed)
{
    GByteArray *data = g_byte_array_sized_new(len);

    g_byte_array_set_size(data, len);
    for (gsize i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        data->data[i] = seed >> 16;
    }
    return data;
}

static void
assert_bytes_equal(const guint8 *got, gsize got_len, const guint8 *want, gsize want_len)
{
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
}

static GByteArray *
read_file(const char *path)
{
    g_autofree char *contents = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &contents, &len, NULL))
        return NULL;
    return g_byte_array_new_take((guint8 *)g_steal_pointer(&contents), len);
}

/* Sends @len bytes from the guest and waits until the relay has read them all. */
static void
guest_print(Fixture *f, const void *data, gsize len)
{
    guint want = f->output->len + len;

    peer_send(f->guest, data, len);
    PUMP_UNTIL(f, f->output->len >= want);
}

static gsize
heap_in_use(void)
{
    struct mallinfo2 info = mallinfo2();

    return info.uordblks + info.hblkhd;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void
test_output_reaches_every_client_and_the_log(void **state)
{
    Fixture *f = *state;
    g_autoptr(GByteArray) data = pattern(300 * 1024, 1);
    g_autoptr(GByteArray) log = NULL;
    Peer *a = add_client(f, TRUE, NULL);
    Peer *b = add_client(f, TRUE, NULL);

    assert_int_equal(marina_serial_relay_get_n_clients(f->relay), 2);
    peer_send(f->guest, data->data, data->len);
    PUMP_UNTIL(f, a->got->len >= data->len && b->got->len >= data->len);

    assert_bytes_equal(a->got->data, a->got->len, data->data, data->len);
    assert_bytes_equal(b->got->data, b->got->len, data->data, data->len);
    assert_bytes_equal(f->output->data, f->output->len, data->data, data->len);
    log = read_file(f->log_path);
    assert_non_null(log);
    assert_bytes_equal(log->data, log->len, data->data, data->len);
}

static void
test_no_log_when_no_path(void **state)
{
    Fixture *f = *state;
    Peer *client;

    g_clear_object(&f->relay);
    f->relay = marina_serial_relay_new(NULL, 0, 16);
    attach_new_guest(f);
    client = add_client(f, TRUE, NULL);
    peer_send(f->guest, "hello", 5);
    PUMP_UNTIL(f, client->got->len >= 5);
    assert_false(g_file_test(f->log_path, G_FILE_TEST_EXISTS));
}

static void
test_scrollback_keeps_the_newest_bytes_in_order(void **state)
{
    Fixture *f = *state;
    g_autoptr(GByteArray) data = pattern(2855, 2);
    g_autoptr(GBytes) scrollback = NULL;
    g_autoptr(GBytes) initial = NULL;
    gsize sizes[] = {700, 600, 555, 1, 999};
    gsize off = 0;
    Peer *client;

    g_clear_object(&f->relay);
    new_relay(f, 0, 1000);
    attach_new_guest(f);

    initial = marina_serial_relay_get_scrollback(f->relay);
    assert_int_equal(g_bytes_get_size(initial), 0);

    /* Separate chunks so the ring wraps around at different offsets. */
    for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autoptr(GBytes) now = NULL;
        gsize keep;

        guest_print(f, data->data + off, sizes[i]);
        off += sizes[i];
        now = marina_serial_relay_get_scrollback(f->relay);
        keep = MIN(off, 1000);
        assert_bytes_equal(g_bytes_get_data(now, NULL), g_bytes_get_size(now),
                           data->data + off - keep, keep);
    }
    assert_int_equal(off, data->len);

    /* A new client gets that scrollback, then only what comes after it. */
    client = add_client(f, TRUE, &scrollback);
    assert_bytes_equal(g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback),
                       data->data + data->len - 1000, 1000);
    guest_print(f, "after", 5);
    PUMP_UNTIL(f, client->got->len >= 5);
    pump_idle(f, 20);
    assert_bytes_equal(client->got->data, client->got->len, (const guint8 *)"after", 5);
}

static void
test_one_big_chunk_larger_than_scrollback(void **state)
{
    Fixture *f = *state;
    g_autoptr(GByteArray) data = pattern(5000, 3);
    g_autoptr(GBytes) now = NULL;

    g_clear_object(&f->relay);
    new_relay(f, 0, 100);
    attach_new_guest(f);
    guest_print(f, data->data, data->len);
    now = marina_serial_relay_get_scrollback(f->relay);
    assert_bytes_equal(g_bytes_get_data(now, NULL), g_bytes_get_size(now),
                       data->data + data->len - 100, 100);
}

static void
test_client_input_reaches_the_guest_in_order(void **state)
{
    Fixture *f = *state;
    g_autoptr(GByteArray) data = pattern(3 * 1024 * 1024, 4);
    g_autoptr(GByteArray) want = g_byte_array_new();
    Peer *client = add_client(f, TRUE, NULL);
    gsize heap_before, heap_after;

    /* The guest (QEMU) does not read at first, as when its UART is slow. */
    f->guest->reading = FALSE;
    g_byte_array_set_size(f->guest->got, data->len + 5);
    g_byte_array_set_size(f->guest->got, 0);
    for (gsize off = 0; off < data->len; off += 7777)
        peer_send(client, data->data + off, MIN(7777, data->len - off));
    g_byte_array_append(want, data->data, data->len);

    /* The relay buffers a bounded amount and then stops reading the client. */
    heap_before = heap_in_use();
    pump_idle(f, 100);
    heap_after = heap_in_use();
    assert_true(client->sent < data->len);
    if (heap_after > heap_before)
        assert_true(heap_after - heap_before < 2 * 1024 * 1024);

    /* Once the guest reads, everything arrives, in order, nothing lost. */
    f->guest->reading = TRUE;
    PUMP_UNTIL(f, f->guest->got->len >= want->len);

    marina_serial_relay_write(f->relay, "typed", 5);
    g_byte_array_append(want, (const guint8 *)"typed", 5);
    PUMP_UNTIL(f, f->guest->got->len >= want->len);
    pump_idle(f, 20);
    assert_bytes_equal(f->guest->got->data, f->guest->got->len, want->data, want->len);
}

static void
on_notify_n_clients(GObject *object, GParamSpec *pspec, guint *count)
{
    (*count)++;
}

static void
test_client_hangup_is_removed(void **state)
{
    Fixture *f = *state;
    guint notified = 0;
    Peer *gone = add_client(f, TRUE, NULL);
    Peer *stays = add_client(f, TRUE, NULL);

    g_signal_connect(f->relay, "notify::n-clients", G_CALLBACK(on_notify_n_clients), &notified);
    guest_print(f, "first", 5);
    PUMP_UNTIL(f, gone->got->len >= 5 && stays->got->len >= 5);

    peer_close(gone);
    PUMP_UNTIL(f, marina_serial_relay_get_n_clients(f->relay) == 1);
    assert_int_equal(notified, 1);

    peer_send(f->guest, "second", 6);
    PUMP_UNTIL(f, stays->got->len >= 11);
    assert_bytes_equal(stays->got->data, stays->got->len, (const guint8 *)"firstsecond", 11);

    /* Output written towards the departed client must not have harmed anything. */
    peer_send(stays, "in", 2);
    PUMP_UNTIL(f, f->guest->got->len >= 2);
    assert_memory_equal(f->guest->got->data, "in", 2);
}

static void
test_a_client_that_never_reads_blocks_nobody(void **state)
{
    Fixture *f = *state;
    const gsize total = 8 * 1024 * 1024;
    g_autoptr(GByteArray) data = pattern(total, 5);
    Peer *fast = add_client(f, TRUE, NULL);
    Peer *stuck = add_client(f, FALSE, NULL);
    gsize heap_before, heap_after;
    gsize tail;

    /* Size the test's own buffers up front so only the relay's memory shows in the heap. */
    g_byte_array_set_size(fast->got, total);
    g_byte_array_set_size(fast->got, 0);
    g_byte_array_set_size(f->guest->to_send, total);
    g_byte_array_set_size(f->guest->to_send, 0);
    g_byte_array_set_size(f->output, total);
    g_byte_array_set_size(f->output, 0);
    heap_before = heap_in_use();
    /* Feed the guest side gradually so the relay sees many chunks, as from a real guest. */
    for (gsize off = 0; off < total; off += 256 * 1024) {
        peer_send(f->guest, data->data + off, 256 * 1024);
        PUMP_UNTIL(f, fast->got->len >= off + 256 * 1024);
    }
    heap_after = heap_in_use();
    assert_bytes_equal(fast->got->data, fast->got->len, data->data, total);

    /*
     * The stuck client's backlog is bounded (its queue limit, 1 MiB, plus a
     * chunk); the test's own buffers were allocated before measuring.
     */
    if (heap_after > heap_before)
        assert_true(heap_after - heap_before < 3 * 1024 * 1024);

    /* When it finally reads, it gets some early output, a gap, and the newest output intact. */
    stuck->reading = TRUE;
    pump_idle(f, 100);
    assert_true(stuck->got->len < 4 * 1024 * 1024);
    assert_true(stuck->got->len > 512 * 1024);
    tail = 512 * 1024;
    assert_memory_equal(stuck->got->data + stuck->got->len - tail, data->data + total - tail, tail);
    assert_int_equal(marina_serial_relay_get_n_clients(f->relay), 2);
}

static void
test_log_rotates_at_the_cap(void **state)
{
    Fixture *f = *state;
    g_autofree char *rotated = g_strconcat(f->log_path, ".1", NULL);
    g_autoptr(GByteArray) data = pattern(3500, 6);
    g_autoptr(GByteArray) more = pattern(600, 7);
    g_autoptr(GByteArray) log = NULL;
    g_autoptr(GByteArray) old = NULL;

    g_clear_object(&f->relay);
    new_relay(f, 1000, 100);
    attach_new_guest(f);

    for (gsize off = 0; off < data->len; off += 300)
        guest_print(f, data->data + off, MIN(300, data->len - off));

    /* 3500 bytes with a 1000-byte cap: <log>.1 holds bytes 2000..2999, <log> 3000..3499. */
    log = read_file(f->log_path);
    old = read_file(rotated);
    assert_non_null(log);
    assert_non_null(old);
    assert_true(log->len + old->len <= 2 * 1000);
    assert_bytes_equal(old->data, old->len, data->data + 2000, 1000);
    assert_bytes_equal(log->data, log->len, data->data + 3000, 500);

    /* A new relay (daemon restart) counts what the log already holds. */
    g_clear_object(&f->relay);
    pump_idle(f, 10);
    new_relay(f, 1000, 100);
    attach_new_guest(f);
    guest_print(f, more->data, more->len);
    g_clear_pointer(&log, g_byte_array_unref);
    g_clear_pointer(&old, g_byte_array_unref);
    log = read_file(f->log_path);
    old = read_file(rotated);
    assert_int_equal(old->len, 1000);
    assert_memory_equal(old->data, data->data + 3000, 500);
    assert_memory_equal(old->data + 500, more->data, 500);
    assert_bytes_equal(log->data, log->len, more->data + 500, 100);
}

static void
test_guest_eof_emits_guest_closed(void **state)
{
    Fixture *f = *state;
    Peer *client = add_client(f, TRUE, NULL);

    guest_print(f, "bye", 3);
    peer_close(f->guest);
    PUMP_UNTIL(f, f->guest_closed == 1);

    /* Clients stay; input without a guest is dropped quietly. */
    assert_int_equal(marina_serial_relay_get_n_clients(f->relay), 1);
    peer_send(client, "nobody hears this", 17);
    marina_serial_relay_write(f->relay, "nor this", 8);
    pump_idle(f, 20);
    assert_int_equal(f->guest_closed, 1);
    assert_bytes_equal(client->got->data, client->got->len, (const guint8 *)"bye", 3);
}

static void
test_detach_and_reattach_keeps_clients(void **state)
{
    Fixture *f = *state;
    Peer *client = add_client(f, TRUE, NULL);
    Peer *old_guest = f->guest;

    guest_print(f, "one|", 4);
    PUMP_UNTIL(f, client->got->len >= 4);

    marina_serial_relay_detach_guest(f->relay);
    peer_send(old_guest, "lost|", 5);
    peer_send(client, "dropped", 7);
    pump_idle(f, 50);
    assert_int_equal(f->guest_closed, 0);
    assert_int_equal(old_guest->got->len, 0);

    attach_new_guest(f);
    assert_int_equal(marina_serial_relay_get_n_clients(f->relay), 1);
    guest_print(f, "two", 3);
    PUMP_UNTIL(f, client->got->len >= 7);
    assert_bytes_equal(client->got->data, client->got->len, (const guint8 *)"one|two", 7);

    peer_send(client, "kept", 4);
    PUMP_UNTIL(f, f->guest->got->len >= 4);
    pump_idle(f, 20);
    assert_bytes_equal(f->guest->got->data, f->guest->got->len, (const guint8 *)"kept", 4);
    assert_int_equal(old_guest->got->len, 0);
}

/* A console opened right after a daemon restart, before the new relay has reconnected to
 * QEMU: what is typed then reaches the guest once it is attached, in order. */
static void
test_input_before_the_first_attach_is_kept(void **state)
{
    Fixture *f = *state;
    Peer *client;

    g_clear_object(&f->relay);
    new_relay(f, 0, 64 * 1024);
    client = add_client(f, TRUE, NULL);
    peer_send(client, "early|", 6);
    pump_idle(f, 50);
    marina_serial_relay_write(f->relay, "typed", 5);
    attach_new_guest(f);
    PUMP_UNTIL(f, f->guest->got->len >= 11);
    pump_idle(f, 20);
    assert_bytes_equal(f->guest->got->data, f->guest->got->len, (const guint8 *)"early|typed", 11);
}

static void
test_attach_replaces_the_previous_guest(void **state)
{
    Fixture *f = *state;
    Peer *client = add_client(f, TRUE, NULL);
    Peer *old_guest = f->guest;

    attach_new_guest(f);
    peer_send(old_guest, "old", 3);
    guest_print(f, "new", 3);
    pump_idle(f, 20);
    assert_bytes_equal(client->got->data, client->got->len, (const guint8 *)"new", 3);
    assert_int_equal(f->guest_closed, 0);
}

static void
test_dispose_closes_clients(void **state)
{
    Fixture *f = *state;
    Peer *a = add_client(f, TRUE, NULL);
    Peer *b = add_client(f, TRUE, NULL);

    guest_print(f, "x", 1);
    g_clear_object(&f->relay);
    PUMP_UNTIL(f, a->eof && b->eof && f->guest->eof);
}

/* ---- scrollback restored from the log (a daemon restart) ---------------------------------- */

static void
write_file(const char *path, const guint8 *data, gsize len)
{
    assert_true(g_file_set_contents(path, (const char *)data, len, NULL));
}

/* The relay a restarted daemon makes for a running guest. */
static void
new_restoring_relay(Fixture *f, gsize log_max, gsize scrollback_max)
{
    g_clear_object(&f->relay);
    pump_idle(f, 10);
    new_relay(f, log_max, scrollback_max);
    marina_serial_relay_restore_scrollback(f->relay);
    attach_new_guest(f);
}

static void
test_restore_takes_the_tail_of_the_log(void **state)
{
    Fixture *f = *state;
    g_autoptr(GByteArray) data = pattern(300, 10);
    g_autoptr(GBytes) fresh = NULL;
    g_autoptr(GBytes) scrollback = NULL;
    g_autoptr(GByteArray) log = NULL;
    Peer *client;

    write_file(f->log_path, data->data, data->len);

    /* A guest started afresh does not inherit an earlier run's output. */
    g_clear_object(&f->relay);
    new_relay(f, 0, 100);
    fresh = marina_serial_relay_get_scrollback(f->relay);
    assert_int_equal(g_bytes_get_size(fresh), 0);

    new_restoring_relay(f, 0, 100);
    client = add_client(f, TRUE, &scrollback);
    assert_bytes_equal(g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback),
                       data->data + 200, 100);

    /* The client then sees only what comes next, and the log is not rewritten. */
    guest_print(f, "next", 4);
    PUMP_UNTIL(f, client->got->len >= 4);
    pump_idle(f, 20);
    assert_bytes_equal(client->got->data, client->got->len, (const guint8 *)"next", 4);
    log = read_file(f->log_path);
    assert_int_equal(log->len, 304);
}

static void
test_restore_shorter_log_than_the_limit(void **state)
{
    Fixture *f = *state;
    g_autoptr(GBytes) scrollback = NULL;

    write_file(f->log_path, (const guint8 *)"MARINA-GUEST-READY\r\n# ", 22);
    new_restoring_relay(f, 0, 1000);
    scrollback = marina_serial_relay_get_scrollback(f->relay);
    assert_bytes_equal(g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback),
                       (const guint8 *)"MARINA-GUEST-READY\r\n# ", 22);
}

static void
test_restore_reaches_into_the_rotated_log(void **state)
{
    Fixture *f = *state;
    g_autofree char *rotated = g_strconcat(f->log_path, ".1", NULL);
    g_autoptr(GByteArray) data = pattern(1030, 11);
    g_autoptr(GBytes) scrollback = NULL;

    /* Just rotated: <log>.1 holds 1000 bytes, <log> the 30 after them. */
    write_file(rotated, data->data, 1000);
    write_file(f->log_path, data->data + 1000, 30);
    new_restoring_relay(f, 1000, 100);
    scrollback = marina_serial_relay_get_scrollback(f->relay);
    assert_bytes_equal(g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback),
                       data->data + 930, 100);

    /* A full <log> is enough on its own: <log>.1 is older than any of it. */
    g_clear_pointer(&scrollback, g_bytes_unref);
    write_file(f->log_path, data->data + 500, 200);
    new_restoring_relay(f, 1000, 100);
    scrollback = marina_serial_relay_get_scrollback(f->relay);
    assert_bytes_equal(g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback),
                       data->data + 600, 100);

    /* Only <log>.1 (the daemon died between rotating and writing again). */
    g_clear_pointer(&scrollback, g_bytes_unref);
    g_unlink(f->log_path);
    new_restoring_relay(f, 1000, 100);
    scrollback = marina_serial_relay_get_scrollback(f->relay);
    assert_bytes_equal(g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback),
                       data->data + 900, 100);
}

static void
test_restore_before_output_keeps_the_order(void **state)
{
    Fixture *f = *state;
    g_autoptr(GByteArray) data = pattern(130, 12);
    g_autoptr(GByteArray) log = NULL;
    g_autoptr(GBytes) scrollback = NULL;

    /* The guest prints before anyone asks for the scrollback: old tail first, then the new. */
    write_file(f->log_path, data->data, 80);
    new_restoring_relay(f, 0, 100);
    guest_print(f, data->data + 80, 50);
    scrollback = marina_serial_relay_get_scrollback(f->relay);
    assert_bytes_equal(g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback),
                       data->data + 30, 100);
    log = read_file(f->log_path);
    assert_bytes_equal(log->data, log->len, data->data, data->len);
}

static void
test_restore_without_a_usable_log(void **state)
{
    Fixture *f = *state;
    g_autoptr(GBytes) none = NULL;
    g_autoptr(GBytes) fifo = NULL;

    /* No log yet: an empty scrollback, and output still goes on. */
    g_unlink(f->log_path);
    new_restoring_relay(f, 0, 100);
    none = marina_serial_relay_get_scrollback(f->relay);
    assert_int_equal(g_bytes_get_size(none), 0);
    guest_print(f, "hello", 5);

    /* Something that is not a regular file is not read (a FIFO would block the daemon). */
    g_clear_object(&f->relay);
    pump_idle(f, 10);
    g_unlink(f->log_path);
    assert_int_equal(mkfifo(f->log_path, 0600), 0);
    new_relay(f, 0, 100);
    marina_serial_relay_restore_scrollback(f->relay);
    fifo = marina_serial_relay_get_scrollback(f->relay);
    assert_int_equal(g_bytes_get_size(fifo), 0);
}

static void
test_restore_reads_only_the_tail_of_a_huge_log(void **state)
{
    Fixture *f = *state;
    g_autoptr(GByteArray) tail = pattern(64 * 1024, 13);
    g_autoptr(GBytes) scrollback = NULL;
    gsize heap_before;
    int fd;

    /* 4 GiB, sparse: reading all of it would take seconds and gigabytes, or fail. */
    fd = open(f->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)4 << 30), 0);
    assert_int_equal(pwrite(fd, tail->data, tail->len, ((off_t)4 << 30) - tail->len),
                     (ssize_t)tail->len);
    close(fd);

    g_clear_object(&f->relay);
    pump_idle(f, 10);
    new_relay(f, 0, 64 * 1024);
    marina_serial_relay_restore_scrollback(f->relay);
    heap_before = heap_in_use();
    scrollback = marina_serial_relay_get_scrollback(f->relay);
    /* The ring, the copy handed out, and some slack. */
    assert_true(heap_in_use() - heap_before < 3 * 64 * 1024 + 16 * 1024);
    assert_bytes_equal(g_bytes_get_data(scrollback, NULL), g_bytes_get_size(scrollback), tail->data,
                       tail->len);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_output_reaches_every_client_and_the_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_log_when_no_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scrollback_keeps_the_newest_bytes_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_big_chunk_larger_than_scrollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_input_reaches_the_guest_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_client_hangup_is_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_client_that_never_reads_blocks_nobody, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log_rotates_at_the_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_eof_emits_guest_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detach_and_reattach_keeps_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_before_the_first_attach_is_kept, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_attach_replaces_the_previous_guest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dispose_closes_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_takes_the_tail_of_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_shorter_log_than_the_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_reaches_into_the_rotated_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_before_output_keeps_the_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_restore_without_a_usable_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_reads_only_the_tail_of_a_huge_log, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
