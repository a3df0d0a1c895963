/* Host.SetStatsEncoding "packed" and StatsUpdatedPacked: against the test
 * driver, a connection that opted in gets the packed signal instead of
 * StatsUpdated, and its bytes decode to exactly the a(sa{sv}) another
 * connection got as StatsUpdated in the same round; the guest list reads
 * it. Against a stand-in daemon in this process, truncated and garbage
 * bytes reach listeners as some valid a(sa{sv}), never as a crash. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/client.h"
#include "core/guest-list.h"
#include "harness.h"

#define HOST_PATH "/org/marinavm/Marina1"
#define HOST_INTERFACE "org.marinavm.Marina1.Host"
#define STATS_TYPE G_VARIANT_TYPE("a(sa{sv})")

/* Iterates the main context until @cond holds, for 10 s at the most. */
#define ITERATE_UNTIL(cond)                                                                        \
    for (int i_ = 0; i_ < 1000 && !(cond); i_++)                                                   \
    harness_iterate(10)

/* The batches one connection received, in order. */
typedef struct {
    GPtrArray *dict;   /* a(sa{sv}) from StatsUpdated */
    GPtrArray *packed; /* a(sa{sv}) decoded from StatsUpdatedPacked */
} Received;

static void
on_dict(MarinaDBusHost *proxy, GVariant *stats, Received *r)
{
    g_ptr_array_add(r->dict, g_variant_ref(stats));
}

static void
on_packed(MarinaDBusHost *proxy, GVariant *packed, Received *r)
{
    g_ptr_array_add(r->packed, marina_variant_from_packed(packed, STATS_TYPE));
}

static void
received_init(Received *r, MarinaConnection *connection)
{
    MarinaDBusHost *proxy = marina_connection_get_host(connection);

    r->dict = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    r->packed = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    g_signal_connect(proxy, "stats-updated", G_CALLBACK(on_dict), r);
    g_signal_connect(proxy, "stats-updated-packed", G_CALLBACK(on_packed), r);
}

static void
received_clear(Received *r, MarinaConnection *connection)
{
    g_signal_handlers_disconnect_by_data(marina_connection_get_host(connection), r);
    g_ptr_array_unref(r->dict);
    g_ptr_array_unref(r->packed);
}

/* The host entry's timestamp-us names the round. */
static gint64
round_of(GVariant *batch)
{
    gsize n = g_variant_n_children(batch);
    gint64 ts = -1;

    for (gsize i = 0; i < n; i++) {
        const char *uuid;
        g_autoptr(GVariant) stats = NULL;

        g_variant_get_child(batch, i, "(&s@a{sv})", &uuid, &stats);
        if (*uuid == '\0')
            assert_true(g_variant_lookup(stats, "timestamp-us", "x", &ts));
    }
    return ts;
}

static MarinaConnection *
open_connection(Harness *h, guint interval_ms)
{
    g_autoptr(GError) error = NULL;
    MarinaConnection *connection = marina_connection_open_sync(h->uri, NULL, &error);

    if (connection == NULL)
        fail_msg("connect: %s", error->message);
    assert_true(marina_dbus_host_call_set_stats_interval_sync(
        marina_connection_get_host(connection), interval_ms, NULL, &error));
    return connection;
}

static Harness *
start_test_driver(char **dir)
{
    g_autofree char *node = NULL;
    g_autoptr(GString) xml = g_string_new("<node>\n");
    const char *args[] = {"--driver", "test", "--test-file", NULL, NULL};

    *dir = g_dir_make_tmp("msp-XXXXXX", NULL);
    node = g_build_filename(*dir, "node.xml", NULL);
    for (int i = 1; i <= 6; i++)
        g_string_append_printf(xml,
                               "<domain type='test' "
                               "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
                               "<name>sp-%d</name><memory unit='MiB'>%d</memory>"
                               "<vcpu>%d</vcpu><os><type>hvm</type></os>"
                               "<test:runstate>%d</test:runstate></domain>\n",
                               i, 128 * i, i, i <= 4 ? 1 : 5);
    g_string_append(xml, "</node>\n");
    assert_true(g_file_set_contents(node, xml->str, -1, NULL));
    args[3] = node;
    return harness_new_with_args(args);
}

static void
remove_dir(char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

    assert_int_equal(system(cmd), 0);
    g_free(dir);
}

/* The packed round equals the dict round with the same timestamp, value
 * for value; the opted-in connection gets no StatsUpdated any more. */
static void
test_packed_equals_dict(void **state)
{
    char *dir = NULL;
    Harness *h = start_test_driver(&dir);
    MarinaConnection *packed_conn = open_connection(h, 100);
    MarinaConnection *dict_conn = open_connection(h, 100);
    Received p, d;
    g_autoptr(GError) error = NULL;
    gboolean matched = FALSE;

    received_init(&p, packed_conn);
    received_init(&d, dict_conn);
    assert_true(marina_dbus_host_call_set_stats_encoding_sync(
        marina_connection_get_host(packed_conn), "packed", NULL, &error));
    ITERATE_UNTIL(p.packed->len >= 1);
    assert_true(p.packed->len >= 1);
    /* Rounds already sent as StatsUpdated are behind us now. */
    g_ptr_array_set_size(p.dict, 0);
    ITERATE_UNTIL(p.packed->len >= 4 && d.dict->len >= 4);
    assert_int_equal(p.dict->len, 0);
    assert_int_equal(d.packed->len, 0);

    for (guint i = 0; i < p.packed->len; i++) {
        GVariant *packed = p.packed->pdata[i];
        for (guint j = 0; j < d.dict->len; j++) {
            GVariant *dict = d.dict->pdata[j];
            if (round_of(packed) != round_of(dict))
                continue;
            /* Four running guests and the host. */
            assert_int_equal(g_variant_n_children(packed), 5);
            assert_true(g_variant_equal(packed, dict));
            matched = TRUE;
        }
    }
    assert_true(matched);

    /* Back to StatsUpdated on request; unknown encodings are refused. */
    assert_false(marina_dbus_host_call_set_stats_encoding_sync(
        marina_connection_get_host(packed_conn), "xml", NULL, &error));
    assert_true(g_dbus_error_is_remote_error(error));
    g_clear_error(&error);
    assert_true(marina_dbus_host_call_set_stats_encoding_sync(
        marina_connection_get_host(packed_conn), "dict", NULL, &error));
    harness_iterate(300);
    g_ptr_array_set_size(p.dict, 0);
    ITERATE_UNTIL(p.dict->len >= 2);
    assert_true(p.dict->len >= 2);

    received_clear(&p, packed_conn);
    received_clear(&d, dict_conn);
    marina_connection_close(packed_conn);
    marina_connection_close(dict_conn);
    g_object_unref(packed_conn);
    g_object_unref(dict_conn);
    harness_free(h);
    remove_dir(dir);
}

static void
count_rounds(gpointer list, guint *count)
{
    (*count)++;
}

static void
count_batches(MarinaHost *host, GVariant *stats, guint *count)
{
    assert_true(g_variant_is_of_type(stats, STATS_TYPE));
    (*count)++;
}

/* The guest list opts its connection in and still shows every running
 * guest's figures; a MarinaHost on the same connection still gets its
 * "stats-updated" (decoded for it). */
static void
test_guest_list_reads_packed(void **state)
{
    char *dir = NULL;
    Harness *h = start_test_driver(&dir);
    MarinaConnection *connection = open_connection(h, 100);
    g_autoptr(MarinaGuestList) list = marina_guest_list_new(connection);
    g_autoptr(MarinaHost) host = marina_host_new(connection);
    Received r;
    guint list_rounds = 0, host_rounds = 0;
    guint with_memory = 0;

    received_init(&r, connection);
    g_signal_connect(list, "stats-updated", G_CALLBACK(count_rounds), &list_rounds);
    g_signal_connect(host, "stats-updated", G_CALLBACK(count_batches), &host_rounds);
    ITERATE_UNTIL(r.packed->len >= 3 && list_rounds >= 3);
    assert_true(r.packed->len >= 3);
    assert_true(list_rounds >= 3);
    assert_true(host_rounds >= 3);
    for (guint i = 0; i < g_list_model_get_n_items(G_LIST_MODEL(list)); i++) {
        g_autoptr(MarinaGuest) guest = g_list_model_get_item(G_LIST_MODEL(list), i);
        guint n = 0;

        marina_guest_get_history(guest, MARINA_GUEST_SERIES_MEMORY, &n);
        if (n > 0)
            with_memory++;
    }
    /* Every running guest's figures, and none of the stopped ones. */
    assert_int_equal(with_memory, 4);

    received_clear(&r, connection);
    g_clear_object(&list);
    g_clear_object(&host);
    marina_connection_close(connection);
    g_object_unref(connection);
    harness_free(h);
    remove_dir(dir);
}

/*
 * A stand-in daemon in this process sends StatsUpdatedPacked bytes of its
 * own choosing.
 */

typedef struct {
    char *dir;
    GDBusServer *server;
    GDBusConnection *peer; /* the server's side of the client's connection */
    MarinaConnection *connection;
    GLogLevelFlags fatal_mask;
} StandIn;

static gboolean
on_stand_in_connection(GDBusServer *server, GDBusConnection *connection, StandIn *s)
{
    assert_null(s->peer);
    s->peer = g_object_ref(connection);
    return TRUE;
}

static int
setup_stand_in(void **state)
{
    StandIn *s = g_new0(StandIn, 1);
    g_autofree char *uri = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    /* A critical here is a bug the test must see. */
    s->fatal_mask = g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    s->dir = g_dir_make_tmp("msp-standin-XXXXXX", NULL);
    s->server = harness_stand_in_server(s->dir, &uri);
    g_signal_connect(s->server, "new-connection", G_CALLBACK(on_stand_in_connection), s);
    /* Asynchronously: the server answers from this thread's main context. */
    marina_connection_open_async(uri, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    s->connection = marina_connection_open_finish(result, &error);
    if (s->connection == NULL)
        fail_msg("connect to the stand-in: %s", error->message);
    ITERATE_UNTIL(s->peer != NULL);
    assert_non_null(s->peer);
    *state = s;
    return 0;
}

static int
teardown_stand_in(void **state)
{
    StandIn *s = *state;

    marina_connection_close(s->connection);
    harness_iterate(50);
    g_clear_object(&s->connection);
    g_clear_object(&s->peer);
    g_dbus_server_stop(s->server);
    g_clear_object(&s->server);
    remove_dir(s->dir);
    g_log_set_always_fatal(s->fatal_mask);
    g_free(s);
    return 0;
}

static void
on_host_stats(MarinaHost *host, GVariant *stats, GPtrArray *got)
{
    g_ptr_array_add(got, g_variant_ref(stats));
}

static void
send_packed(StandIn *s, const void *data, gsize len)
{
    GVariant *bytes = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);

    assert_true(g_dbus_connection_emit_signal(s->peer, NULL, HOST_PATH, HOST_INTERFACE,
                                              "StatsUpdatedPacked", g_variant_new("(@ay)", bytes),
                                              NULL));
}

/* Truncated, shuffled and random bytes each arrive as a valid a(sa{sv}) in
 * normal form (whatever GLib makes of them); a whole batch arrives intact. */
static void
test_garbage_bytes_refused(void **state)
{
    StandIn *s = *state;
    g_autoptr(MarinaHost) host = marina_host_new(s->connection);
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    g_autoptr(GVariant) good = g_variant_ref_sink(
        g_variant_new_parsed("[('', {'host-cpus': <uint32 4>, 'timestamp-us': <int64 5>}),"
                             " ('4b1e0c2a-0000-4000-8000-000000000001', {'cpu-percent': <12.5>,"
                             "   'memory-rss-kib': <uint64 2048>, 'timestamp-us': <int64 5>})]"));
    const guint8 *data = g_variant_get_data(good);
    gsize len = g_variant_get_size(good);
    g_autofree guint8 *shuffled = g_memdup2(data, len);
    guint8 noise[512];
    guint sent = 0;

    g_signal_connect(host, "stats-updated", G_CALLBACK(on_host_stats), got);
    send_packed(s, data, len), sent++;
    for (gsize cut = 1; cut < len; cut += 7)
        send_packed(s, data, len - cut), sent++;
    for (gsize i = 0; i + 1 < len; i += 2) {
        guint8 t = shuffled[i];
        shuffled[i] = shuffled[i + 1];
        shuffled[i + 1] = t;
    }
    send_packed(s, shuffled, len), sent++;
    for (guint i = 0; i < G_N_ELEMENTS(noise); i++)
        noise[i] = (guint8)g_random_int();
    send_packed(s, noise, sizeof noise), sent++;
    memset(noise, 0xff, sizeof noise);
    send_packed(s, noise, sizeof noise), sent++;
    send_packed(s, "", 0), sent++;

    ITERATE_UNTIL(got->len == sent);
    assert_int_equal(got->len, sent);
    assert_true(g_variant_equal(got->pdata[0], good));
    for (guint i = 0; i < got->len; i++) {
        assert_true(g_variant_is_of_type(got->pdata[i], STATS_TYPE));
        assert_true(g_variant_is_normal_form(got->pdata[i]));
        /* Reading every child is safe too. */
        g_autofree char *text = g_variant_print(got->pdata[i], TRUE);
        assert_non_null(text);
    }
}

int
main(void)
{
    const struct CMUnitTest driver[] = {
        cmocka_unit_test(test_packed_equals_dict),
        cmocka_unit_test(test_guest_list_reads_packed),
    };
    const struct CMUnitTest stand_in[] = {
        cmocka_unit_test_setup_teardown(test_garbage_bytes_refused, setup_stand_in,
                                        teardown_stand_in),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("stand-in daemon", stand_in, NULL, NULL);
    failed += cmocka_run_group_tests_name("test driver", driver, NULL, NULL);
    return failed;
}
