/* The migration layer's pieces that need no QEMU: tokens, the stream
 * handshake both ways (over socket pairs), the relay, hosts-allow patterns
 * and the checked reading of the migration methods' parameters. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "migration-listener.h"
#include "migration-params.h"
#include "migration-stream.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

static void
test_tokens(void **state)
{
    g_autofree char *a = marina_migration_token_new();
    g_autofree char *b = marina_migration_token_new();

    assert_true(marina_migration_token_is_valid(TOKEN));
    assert_true(marina_migration_token_is_valid(a));
    assert_string_not_equal(a, b);
    assert_false(marina_migration_token_is_valid(NULL));
    assert_false(marina_migration_token_is_valid(""));
    assert_false(marina_migration_token_is_valid("0123456789ABCDEF0123456789abcdef"));
    assert_false(marina_migration_token_is_valid("0123456789abcdef0123456789abcde"));
    assert_false(marina_migration_token_is_valid("0123456789abcdef0123456789abcdefa"));
    assert_false(marina_migration_token_is_valid("../../../../../../etc/passwd/xx"));
}

static void
on_done(GObject *source, GAsyncResult *result, gpointer data)
{
    *(GAsyncResult **)data = g_object_ref(result);
}

static GAsyncResult *
wait_result(GAsyncResult **slot)
{
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (*slot == NULL && g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, TRUE);
    assert_non_null(*slot);
    return *slot;
}

/* The source offers stream 3; the destination reads it and answers
 * @refusal (NULL: OK). */
static gboolean
handshake(const char *refusal, GError **error)
{
    int pair[2];
    GAsyncResult *offered = NULL, *request = NULL;
    g_autofree char *token = NULL;
    guint index = 0;
    gboolean ok;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    marina_migration_stream_read_request_async(pair[1], NULL, on_done, &request);
    marina_migration_stream_offer_async(pair[0], TOKEN, 3, NULL, on_done, &offered);
    assert_true(
        marina_migration_stream_read_request_finish(wait_result(&request), &token, &index, NULL));
    assert_string_equal(token, TOKEN);
    assert_int_equal(index, 3);
    assert_true(marina_migration_stream_reply(pair[1], refusal));
    /* What follows the answer is not the handshake's: it stays unread. */
    assert_int_equal(write(pair[1], "NBD", 3), 3);
    ok = marina_migration_stream_offer_finish(wait_result(&offered), error);
    if (ok) {
        char buf[3];
        assert_int_equal(read(pair[0], buf, 3), 3);
        assert_memory_equal(buf, "NBD", 3);
    }
    g_object_unref(offered);
    g_object_unref(request);
    close(pair[0]);
    close(pair[1]);
    return ok;
}

static void
test_handshake(void **state)
{
    g_autoptr(GError) error = NULL;

    assert_true(handshake(NULL, &error));
    assert_false(handshake("host 10.0.0.1 is not allowed\nsecond line", &error));
    /* The person's words arrive, on one line. */
    assert_string_equal(error->message, "host 10.0.0.1 is not allowed second line");
}

/* Garbage, an endless line or the peer going are refusals, not hangs. */
static void
test_bad_requests(void **state)
{
    static const char *const bad[] = {
        "GET / HTTP/1.0\n",
        "MARINA-MIGRATION 2 " TOKEN " 0\n",
        "MARINA-MIGRATION 1 " TOKEN " -1\n",
        "MARINA-MIGRATION 1 " TOKEN " 99999999999\n",
        "MARINA-MIGRATION 1 ../../etc/passwd 0\n",
        "MARINA-MIGRATION 1 " TOKEN " 0 extra\n",
        "no newline and then the peer goes",
    };

    for (guint i = 0; i <= G_N_ELEMENTS(bad); i++) {
        int pair[2];
        GAsyncResult *request = NULL;
        g_autofree char *token = NULL;
        g_autoptr(GError) error = NULL;
        guint index;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        marina_migration_stream_read_request_async(pair[1], NULL, on_done, &request);
        if (i < G_N_ELEMENTS(bad)) {
            assert_int_equal(write(pair[0], bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
        } else {
            char line[400];
            memset(line, 'x', sizeof line);
            assert_int_equal(write(pair[0], line, sizeof line), (ssize_t)sizeof line);
        }
        shutdown(pair[0], SHUT_WR);
        assert_false(marina_migration_stream_read_request_finish(wait_result(&request), &token,
                                                                 &index, &error));
        assert_non_null(error);
        g_object_unref(request);
        close(pair[0]);
        close(pair[1]);
    }
}

static void
test_relay(void **state)
{
    int left[2], right[2];
    MarinaMigrationRelay *relay;
    char buf[16] = {0};

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, left), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, right), 0);
    relay = marina_migration_relay_new(left[1], right[0]);
    assert_int_equal(write(left[0], "ping", 4), 4);
    assert_int_equal(read(right[1], buf, 4), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(write(right[1], "pong", 4), 4);
    assert_int_equal(read(left[0], buf, 4), 4);
    assert_memory_equal(buf, "pong", 4);
    /* One end closing is seen at the other. */
    close(left[0]);
    assert_int_equal(read(right[1], buf, sizeof buf), 0);
    marina_migration_relay_free(relay);
    close(right[1]);
}

static void
test_hosts_allow(void **state)
{
    char *none[] = {NULL};
    char *lan[] = {"192\\.168\\.1\\.[0-9]+$", "^node[0-9]+\\.example\\.org$", NULL};

    assert_true(marina_migration_host_allowed(NULL, "127.0.0.1", NULL));
    assert_true(marina_migration_host_allowed(none, "127.0.0.1", NULL));
    assert_true(marina_migration_host_allowed(lan, "192.168.1.20", NULL));
    assert_false(marina_migration_host_allowed(lan, "10.192.168.1", NULL));
    assert_false(marina_migration_host_allowed(lan, "127.0.0.1", "localhost"));
    assert_true(marina_migration_host_allowed(lan, "10.0.0.7", "node7.example.org"));
    assert_false(marina_migration_host_allowed(lan, "10.0.0.7", "node7.example.org.evil"));
}

static GVariant *
dict1(const char *key, GVariant *value)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert_value(&d, key, value);
    return g_variant_ref_sink(g_variant_dict_end(&d));
}

static void
assert_refused(GVariant *params, const char *expect)
{
    g_autoptr(GVariant) p = params;
    g_autoptr(GError) error = NULL;
    MarinaMigrationParams out;

    assert_false(marina_migration_params_parse(p, &out, &error));
    marina_migration_params_clear(&out);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (strstr(error->message, expect) == NULL)
        fail_msg("'%s' not in '%s'", expect, error->message);
}

static GVariant *
info_with_disk(const char *target, const char *volume)
{
    GVariantDict disk, info;
    GVariantBuilder list;

    g_variant_dict_init(&disk, NULL);
    g_variant_dict_insert(&disk, "target", "s", target);
    g_variant_dict_insert(&disk, "volume", "s", volume);
    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    g_variant_builder_add_value(&list, g_variant_dict_end(&disk));
    g_variant_dict_init(&info, NULL);
    g_variant_dict_insert_value(&info, "disks", g_variant_builder_end(&list));
    return g_variant_dict_end(&info);
}

static void
test_params(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) good = NULL;
    GVariantDict d;
    MarinaMigrationParams p;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "live", "b", FALSE);
    g_variant_dict_insert(&d, "port", "q", 49153);
    g_variant_dict_insert(&d, "streams", "u", 2);
    g_variant_dict_insert(&d, "bandwidth", "t", (guint64)1 << 20);
    g_variant_dict_insert(&d, "a-newer-clients-wish", "s", "ignored");
    good = g_variant_ref_sink(g_variant_dict_end(&d));
    assert_true(marina_migration_params_parse(good, &p, &error));
    assert_false(p.live);
    assert_int_equal(p.port, 49153);
    assert_int_equal(p.streams, 2);
    assert_int_equal(p.bandwidth, 1 << 20);
    marina_migration_params_clear(&p);

    assert_refused(dict1("live", g_variant_new_string("yes")), "'live'");
    assert_refused(dict1("port", g_variant_new_uint32(80)), "'port'");
    assert_refused(dict1("streams", g_variant_new_uint32(1000)), "streams");
    assert_refused(dict1("max-downtime-ms", g_variant_new_uint64(G_MAXUINT64)), "max-downtime-ms");
    assert_refused(dict1("bandwidth", g_variant_new_uint64(G_MAXUINT64)), "bandwidth");
    assert_refused(dict1("info", g_variant_new_string("x")), "'info'");
    assert_refused(dict1("info", info_with_disk("../vda", "x.img")), "disk 0");
    assert_refused(dict1("info", info_with_disk("vda", "../../etc/shadow")), "disk 0");
    assert_refused(dict1("info", info_with_disk("vda", "..")), "disk 0");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),       cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_bad_requests), cmocka_unit_test(test_relay),
        cmocka_unit_test(test_hosts_allow),  cmocka_unit_test(test_params),
    };

    (void)marina_error_quark();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
