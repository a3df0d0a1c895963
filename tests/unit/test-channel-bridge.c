/* The relay of `marinad --connect-channel`: a daemon's stream (a socket)
 * and ssh's standard input and output (pipes), with half-closes. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel-bridge.h"

typedef struct {
    int daemon;    /* the daemon's end of the stream */
    int stream;    /* the bridge's end */
    int in_write;  /* what ssh writes to the bridge's stdin */
    int in_read;   /* the bridge's stdin */
    int out_read;  /* what ssh reads of the bridge's stdout */
    int out_write; /* the bridge's stdout */
    GThread *thread;
    gint finished;
} Relay;

static gpointer
relay_thread(gpointer data)
{
    Relay *r = data;

    marina_channel_bridge_relay(r->stream, r->in_read, r->out_write);
    g_atomic_int_set(&r->finished, 1);
    return NULL;
}

static Relay *
relay_start(void)
{
    Relay *r = g_new0(Relay, 1);
    int pair[2], in[2], out[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    assert_int_equal(pipe2(out, O_CLOEXEC), 0);
    r->daemon = pair[0];
    r->stream = pair[1];
    r->in_read = in[0];
    r->in_write = in[1];
    r->out_read = out[0];
    r->out_write = out[1];
    r->thread = g_thread_new("relay", relay_thread, r);
    return r;
}

/* Waits (at most 5 s) for the relay to return. */
static gboolean
relay_wait(Relay *r)
{
    for (int i = 0; i < 500 && !g_atomic_int_get(&r->finished); i++)
        g_usleep(10000);
    return g_atomic_int_get(&r->finished);
}

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void
relay_free(Relay *r)
{
    close_fd(&r->daemon);
    close_fd(&r->in_write);
    close_fd(&r->out_read);
    if (r->thread != NULL)
        g_thread_join(r->thread);
    /* The relay half-closes or closes what it ends; these are what is left. */
    close(r->stream);
    close(r->in_read);
    close(r->out_write);
    g_free(r);
}

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

/* Reads until end of file (at most 5 s); returns what came. */
static GByteArray *
read_to_eof(int fd)
{
    GByteArray *all = g_byte_array_new();
    guint8 buf[65536];

    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (poll(&pfd, 1, 5000) != 1)
            fail_msg("no end of file within 5 s (%u bytes so far)", all->len);
        n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            return all;
        g_byte_array_append(all, buf, (guint)n);
    }
}

static gpointer
read_to_eof_thread(gpointer fd)
{
    return read_to_eof(GPOINTER_TO_INT(fd));
}

typedef struct {
    int fd;
    GByteArray *data;
} Writer;

static gpointer
writer_thread(gpointer data)
{
    Writer *w = data;

    write_all(w->fd, w->data->data, w->data->len);
    return NULL;
}

static GByteArray *
pattern(gsize size, guint seed)
{
    GByteArray *data = g_byte_array_sized_new((guint)size);

    for (gsize i = 0; i < size; i++) {
        guint8 b = (guint8)((i * 131 + seed) ^ (i >> 11));
        g_byte_array_append(data, &b, 1);
    }
    return data;
}

/* Many megabytes both ways at once, intact; then the client's end of input
 * half-closes the stream, the daemon answers and closes, the relay ends. */
static void
test_both_ways_then_half_close(void **state)
{
    Relay *r = relay_start();
    g_autoptr(GByteArray) up = pattern(24 * 1024 * 1024, 1);
    g_autoptr(GByteArray) down = pattern(24 * 1024 * 1024, 2);
    Writer up_writer = {r->in_write, up}, down_writer = {r->daemon, down};
    GThread *t1 = g_thread_new("up", writer_thread, &up_writer);
    GThread *t2 = g_thread_new("down", writer_thread, &down_writer);
    g_autoptr(GByteArray) got_up = NULL;
    g_autoptr(GByteArray) got_down = g_byte_array_new();
    guint8 buf[65536];

    /* Read the daemon's side until the client's end of input arrives, while
     * the down direction drains in parallel. */
    {
        GThread *reader = g_thread_new("read-up", read_to_eof_thread, GINT_TO_POINTER(r->daemon));

        g_thread_join(t1);
        close_fd(&r->in_write); /* end of input: the daemon reads end of file */
        while (got_down->len < down->len) {
            ssize_t n = read(r->out_read, buf, sizeof(buf));
            assert_true(n > 0);
            g_byte_array_append(got_down, buf, (guint)n);
        }
        got_up = g_thread_join(reader);
    }
    g_thread_join(t2);
    assert_int_equal(got_up->len, up->len);
    assert_memory_equal(got_up->data, up->data, up->len);
    assert_memory_equal(got_down->data, down->data, down->len);
    /* Half-closed only: the daemon's last words still reach the client. */
    write_all(r->daemon, "bye\n", 4);
    close_fd(&r->daemon);
    {
        g_autoptr(GByteArray) rest = read_to_eof(r->out_read);
        assert_int_equal(rest->len, 4);
        assert_memory_equal(rest->data, "bye\n", 4);
    }
    assert_true(relay_wait(r));
    relay_free(r);
}

/* The daemon closes the stream (it restarted, the guest stopped) while the
 * client types nothing: the relay ends at once, so ssh does too. */
static void
test_stream_closed_while_input_idle(void **state)
{
    Relay *r = relay_start();
    g_autoptr(GByteArray) rest = NULL;

    write_all(r->daemon, "last", 4);
    close_fd(&r->daemon);
    rest = read_to_eof(r->out_read);
    assert_int_equal(rest->len, 4);
    assert_true(relay_wait(r));
    relay_free(r);
}

/* The daemon half-closes: the client reads end of file, and can still send. */
static void
test_stream_half_closed_by_daemon(void **state)
{
    Relay *r = relay_start();
    g_autoptr(GByteArray) rest = NULL;
    char buf[16];

    write_all(r->daemon, "done", 4);
    shutdown(r->daemon, SHUT_WR);
    rest = read_to_eof(r->out_read);
    assert_int_equal(rest->len, 4);
    assert_false(g_atomic_int_get(&r->finished));
    write_all(r->in_write, "ack", 3);
    assert_int_equal(read(r->daemon, buf, sizeof(buf)), 3);
    close_fd(&r->daemon);
    assert_true(relay_wait(r));
    relay_free(r);
}

/* The client's reader leaves and its input ends (ssh went away): the relay
 * half-closes the stream, and ends when the daemon closes it. */
static void
test_client_leaves(void **state)
{
    Relay *r = relay_start();
    char buf[16];

    close_fd(&r->out_read);
    close_fd(&r->in_write);
    /* The daemon reads end of file, as a serial relay does, and closes. */
    assert_int_equal(read(r->daemon, buf, sizeof(buf)), 0);
    close_fd(&r->daemon);
    assert_true(relay_wait(r));
    relay_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_ways_then_half_close),
        cmocka_unit_test(test_stream_closed_while_input_idle),
        cmocka_unit_test(test_stream_half_closed_by_daemon),
        cmocka_unit_test(test_client_leaves),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
