/* The tunnelled migration stream relay: bytes cross both ways unchanged
 * (megabytes, through splice), an end of file on one side reaches the other
 * as a half-close while the other direction goes on, and a cancel ends it
 * at once. Each "daemon" is one end of a socketpair, as OpenMigrationStream
 * gives. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "migration-relay.h"

#define BIG (8 * 1024 * 1024)

typedef struct {
    gboolean done;
    gboolean ok;
    guint64 bytes;
    GError *error;
} Outcome;

static void
on_relay_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Outcome *o = user_data;

    o->ok = marina_migration_relay_finish(result, &o->bytes, &o->error);
    o->done = TRUE;
}

static void
wait_done(Outcome *o)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (!o->done && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, FALSE), g_usleep(1000);
    assert_true(o->done);
}

typedef struct {
    int fd;
    const guint8 *data;
    gsize size;
} Writer;

/* Writes everything (blocking), then shuts the writing half down. */
static gpointer
write_all(gpointer user_data)
{
    Writer *w = user_data;
    gsize off = 0;

    while (off < w->size) {
        ssize_t n = write(w->fd, w->data + off, w->size - off);
        if (n <= 0)
            break;
        off += (gsize)n;
    }
    shutdown(w->fd, SHUT_WR);
    return GSIZE_TO_POINTER(off);
}

static GByteArray *
read_to_eof(int fd)
{
    GByteArray *got = g_byte_array_new();
    guint8 buf[65536];
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0)
        g_byte_array_append(got, buf, (guint)n);
    return got;
}

static guint8 *
pattern(gsize size, guint seed)
{
    guint8 *data = g_malloc(size);
    GRand *rand = g_rand_new_with_seed(seed);

    for (gsize i = 0; i < size; i += 4) {
        guint32 v = g_rand_int(rand);
        memcpy(data + i, &v, MIN(4, size - i));
    }
    g_rand_free(rand);
    return data;
}

static void
test_both_ways(void **state)
{
    int src[2], dst[2]; /* [0]: the daemon's end, [1]: the client's */
    g_autofree guint8 *forward = pattern(BIG, 1);
    g_autofree guint8 *backward = pattern(1000, 2);
    Writer wf, wb;
    GThread *tf, *tb;
    Outcome o = {0};
    g_autoptr(GByteArray) at_dst = NULL;
    g_autoptr(GByteArray) at_src = NULL;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, src), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, dst), 0);
    marina_migration_relay_async(src[1], dst[1], NULL, on_relay_done, &o);
    wf = (Writer){src[0], forward, BIG};
    wb = (Writer){dst[0], backward, 1000};
    tf = g_thread_new("forward", write_all, &wf);
    tb = g_thread_new("backward", write_all, &wb);
    at_dst = read_to_eof(dst[0]); /* ends when the source's half-close came across */
    at_src = read_to_eof(src[0]);
    assert_int_equal(GPOINTER_TO_SIZE(g_thread_join(tf)), BIG);
    assert_int_equal(GPOINTER_TO_SIZE(g_thread_join(tb)), 1000);
    assert_int_equal(at_dst->len, BIG);
    assert_memory_equal(at_dst->data, forward, BIG);
    assert_int_equal(at_src->len, 1000);
    assert_memory_equal(at_src->data, backward, 1000);
    wait_done(&o);
    assert_true(o.ok);
    assert_int_equal(o.bytes, BIG + 1000);
    close(src[0]);
    close(dst[0]);
}

/* One side ends its writing; the other direction still carries data. */
static void
test_half_close(void **state)
{
    int src[2], dst[2];
    Outcome o = {0};
    char buf[16] = {0};

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, src), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, dst), 0);
    marina_migration_relay_async(src[1], dst[1], NULL, on_relay_done, &o);
    assert_int_equal(write(src[0], "MARINA\n", 7), 7);
    shutdown(src[0], SHUT_WR);
    assert_int_equal(read(dst[0], buf, 7), 7);
    assert_string_equal(buf, "MARINA\n");
    assert_int_equal(read(dst[0], buf, 1), 0); /* the end came across */
    assert_int_equal(write(dst[0], "OK\n", 3), 3);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(read(src[0], buf, 3), 3);
    assert_string_equal(buf, "OK\n");
    assert_false(o.done);
    close(dst[0]);
    assert_int_equal(read(src[0], buf, 1), 0);
    wait_done(&o);
    assert_true(o.ok);
    close(src[0]);
}

/* A cancel ends a relay that nobody talks to; both ends are closed. */
static void
test_cancel(void **state)
{
    int src[2], dst[2];
    Outcome o = {0};
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    char c;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, src), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, dst), 0);
    marina_migration_relay_async(src[1], dst[1], cancellable, on_relay_done, &o);
    g_usleep(50000);
    assert_false(o.done);
    g_cancellable_cancel(cancellable);
    wait_done(&o);
    assert_false(o.ok);
    assert_true(g_error_matches(o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    g_clear_error(&o.error);
    assert_int_equal(read(src[0], &c, 1), 0);
    assert_int_equal(read(dst[0], &c, 1), 0);
    close(src[0]);
    close(dst[0]);
}

/* A daemon that goes away mid-stream: the relay ends, the other side sees it. */
static void
test_peer_gone(void **state)
{
    int src[2], dst[2];
    Outcome o = {0};
    g_autofree guint8 *data = pattern(BIG, 3);
    char c;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, src), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, dst), 0);
    g_unix_set_fd_nonblocking(src[0], TRUE, NULL);
    marina_migration_relay_async(src[1], dst[1], NULL, on_relay_done, &o);
    (void)!write(src[0], data, BIG); /* partly: nobody reads at the destination */
    close(dst[0]);
    g_unix_set_fd_nonblocking(src[0], FALSE, NULL);
    wait_done(&o);
    g_clear_error(&o.error);
    /* Whatever the relay made of it, the source's stream is over. */
    while (read(src[0], &c, 1) > 0)
        ;
    close(src[0]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_ways),
        cmocka_unit_test(test_half_close),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_peer_gone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
