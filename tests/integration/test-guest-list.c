/* The guest list a window draws from, against a real marinad and a real
 * QEMU guest: it loads every guest in one call, follows definitions, state
 * changes and removals from signals, and fills the CPU history from the
 * batched statistics. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/connection.h"
#include "core/guest-list.h"
#include "harness.h"

typedef struct {
    guint changes;
    guint last_position, last_removed, last_added;
    guint loaded;
    guint stats_updated;
} Events;

static void
on_items_changed(GListModel *model, guint position, guint removed, guint added, Events *ev)
{
    ev->changes++;
    ev->last_position = position;
    ev->last_removed = removed;
    ev->last_added = added;
}

static void
on_loaded(MarinaGuestList *list, Events *ev)
{
    ev->loaded++;
}

static void
on_stats_updated(MarinaGuestList *list, Events *ev)
{
    ev->stats_updated++;
}

static char *
xml_with(const char *name, const char *memory_mib, const char *vcpus)
{
    g_autofree char *xml = harness_guest_xml(name, NULL);
    g_autoptr(GString) s = g_string_new(xml);

    g_string_replace(s, "<memory unit='MiB'>128</memory>",
                     memory_mib ? memory_mib : "<memory unit='MiB'>128</memory>", 1);
    g_string_replace(s, "<vcpu>1</vcpu>", vcpus ? vcpus : "<vcpu>1</vcpu>", 1);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static MarinaGuest *
find(MarinaGuestList *list, const char *name)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(list));

    for (guint i = 0; i < n; i++) {
        g_autoptr(MarinaGuest) g = g_list_model_get_item(G_LIST_MODEL(list), i);
        if (g_str_equal(marina_guest_get_name(g), name))
            return g; /* the list keeps it alive */
    }
    return NULL;
}

static guint
cpu_samples(MarinaGuest *guest)
{
    guint n;

    (void)marina_guest_get_history(guest, MARINA_GUEST_SERIES_CPU, &n);
    return n;
}

static void
test_list_follows_the_host(void **state)
{
    Harness *h = *state;
    g_autofree char *xml_a = xml_with("gl-a", NULL, NULL);
    g_autofree char *xml_b = xml_with("gl-b", NULL, NULL);
    g_autofree char *xml_c = xml_with("gl-c", NULL, NULL);
    g_autofree char *xml_d = xml_with("gl-d", "<memory unit='MiB'>192</memory>", "<vcpu>2</vcpu>");
    g_autofree char *xml_e = xml_with("gl-e", NULL, NULL);
    g_autoptr(MarinaDBusDomain) dom_a = harness_define(h, xml_a);
    g_autoptr(MarinaDBusDomain) dom_b = harness_define(h, xml_b);
    g_autoptr(MarinaDBusDomain) dom_c = harness_define(h, xml_c);
    g_autoptr(MarinaDBusDomain) dom_d = NULL;
    g_autoptr(MarinaDBusDomain) dom_e = NULL;
    g_autoptr(MarinaConnection) conn = NULL;
    g_autoptr(MarinaGuestList) list = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *uuid_b = NULL;
    Events ev = {0};
    MarinaGuest *a, *d;
    gint64 running_at;
    const double *hist;
    guint n;

    conn = marina_connection_open_sync(h->uri, NULL, &error);
    if (conn == NULL)
        fail_msg("open %s: %s", h->uri, error->message);
    list = marina_guest_list_new(conn);
    assert_ptr_equal(marina_guest_list_get_connection(list), conn);
    g_signal_connect(list, "items-changed", G_CALLBACK(on_items_changed), &ev);
    g_signal_connect(list, "loaded", G_CALLBACK(on_loaded), &ev);
    g_signal_connect(list, "stats-updated", G_CALLBACK(on_stats_updated), &ev);

    /* Loads all three, with names and states, in one go. */
    assert_true(HARNESS_WAIT_FOR(marina_guest_list_is_loaded(list), 5000));
    assert_int_equal(ev.loaded, 1);
    assert_int_equal(ev.changes, 1);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(list)), 3);
    for (guint i = 0; i < 3; i++) {
        const char *name = (const char *[]){"gl-a", "gl-b", "gl-c"}[i];
        MarinaGuest *g = find(list, name);
        if (g == NULL)
            fail_msg("guest %s is not in the list", name);
        assert_int_equal(marina_guest_get_state(g, NULL), MARINA_DOMAIN_SHUTOFF);
        assert_string_equal(marina_guest_get_state_label(g), "Shut off");
        assert_false(marina_guest_is_active(g));
        assert_int_equal(marina_guest_get_id(g), -1);
        assert_int_equal(marina_guest_get_max_memory_kib(g), 128 * 1024);
        assert_int_equal(marina_guest_get_vcpus(g), 1);
        assert_true(marina_guest_get_persistent(g));
        assert_ptr_equal(marina_guest_list_lookup(list, marina_guest_get_uuid(g)), g);
    }
    /* The host's CPU count arrives on its own (GetNodeInfo). */
    assert_true(HARNESS_WAIT_FOR(marina_guest_list_get_host_cpus(list) > 0, 5000));

    /* A fourth guest defined by another client appears, complete. */
    ev.changes = 0;
    dom_d = harness_define(h, xml_d);
    assert_true(HARNESS_WAIT_FOR(g_list_model_get_n_items(G_LIST_MODEL(list)) == 4, 5000));
    assert_int_equal(ev.changes, 1);
    assert_int_equal(ev.last_position, 3);
    assert_int_equal(ev.last_removed, 0);
    assert_int_equal(ev.last_added, 1);
    d = find(list, "gl-d");
    assert_non_null(d);
    assert_int_equal(marina_guest_get_max_memory_kib(d), 192 * 1024);
    assert_int_equal(marina_guest_get_vcpus(d), 2);
    assert_int_equal(marina_guest_get_state(d, NULL), MARINA_DOMAIN_SHUTOFF);
    assert_string_equal(marina_guest_get_uuid(d), marina_dbus_domain_get_uuid(dom_d));

    /* Start gl-a: the same item turns running, and gets its running id. */
    a = find(list, "gl-a");
    assert_non_null(a);
    if (!marina_dbus_domain_call_start_sync(dom_a, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    assert_true(HARNESS_WAIT_FOR(marina_guest_get_state(a, NULL) == MARINA_DOMAIN_RUNNING, 10000));
    running_at = g_get_monotonic_time();
    assert_ptr_equal(find(list, "gl-a"), a);
    assert_true(marina_guest_is_active(a));
    assert_true(HARNESS_WAIT_FOR(marina_guest_get_id(a) > 0, 5000));

    /* Within 3 s of running, the batched statistics fill its CPU history. */
    assert_true(HARNESS_WAIT_FOR(cpu_samples(a) > 0, 3000));
    printf("# CPU history began %.2f s after the guest was running\n",
           (g_get_monotonic_time() - running_at) / 1e6);
    assert_true(ev.stats_updated > 0);
    hist = marina_guest_get_history(a, MARINA_GUEST_SERIES_CPU, &n);
    assert_true(hist[n - 1] >= 0 && hist[n - 1] <= 100);
    assert_true(HARNESS_WAIT_FOR(cpu_samples(a) >= 2, 3000));
    (void)marina_guest_get_history(a, MARINA_GUEST_SERIES_MEMORY, &n);
    assert_true(n > 0); /* QEMU's RSS is always measurable */
    (void)marina_guest_get_history(a, MARINA_GUEST_SERIES_HOST_CPU, &n);
    assert_true(n > 0);
    /* Every batch carries the host's own entry (UUID ""). */
    (void)marina_guest_list_get_host_history(list, FALSE, &n);
    assert_true(n > 0);
    hist = marina_guest_list_get_host_history(list, TRUE, &n);
    assert_true(n > 0);
    assert_true(hist[n - 1] > 0 && hist[n - 1] <= 100);
    /* Guests that are off get no figures. */
    assert_int_equal(cpu_samples(find(list, "gl-b")), 0);

    /* Destroy: shut off, and its running figures are gone. */
    if (!marina_dbus_domain_call_destroy_sync(dom_a, NULL, &error))
        fail_msg("destroy: %s", error->message);
    assert_true(HARNESS_WAIT_FOR(marina_guest_get_state(a, NULL) == MARINA_DOMAIN_SHUTOFF, 10000));
    assert_int_equal(cpu_samples(a), 0);
    assert_int_equal(marina_guest_get_id(a), -1);
    assert_false(marina_guest_is_active(a));
    /* ... and stay gone: a late statistics round brings nothing back. */
    harness_iterate(1500);
    assert_int_equal(cpu_samples(a), 0);

    /* Undefine gl-b: removed from the list. */
    uuid_b = g_strdup(marina_guest_get_uuid(find(list, "gl-b")));
    ev.changes = 0;
    if (!marina_dbus_domain_call_undefine_sync(dom_b, 0, NULL, &error))
        fail_msg("undefine: %s", error->message);
    assert_true(HARNESS_WAIT_FOR(g_list_model_get_n_items(G_LIST_MODEL(list)) == 3, 5000));
    assert_int_equal(ev.changes, 1);
    assert_int_equal(ev.last_removed, 1);
    assert_int_equal(ev.last_added, 0);
    assert_null(find(list, "gl-b"));
    assert_null(marina_guest_list_lookup(list, uuid_b));
    assert_ptr_equal(find(list, "gl-a"), a); /* the others keep their identity */

    /* The connection closes: the list keeps what it knew and stops updating. */
    marina_connection_close(conn);
    harness_iterate(200);
    dom_e = harness_define(h, xml_e);
    harness_iterate(500);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(list)), 3);
    assert_non_null(find(list, "gl-c"));
    assert_true(marina_guest_list_is_loaded(list));
}

static void
test_list_of_an_empty_host_loads(void **state)
{
    Harness *h = *state; /* runs first: no guest defined yet */
    g_autoptr(MarinaConnection) conn = NULL;
    g_autoptr(MarinaGuestList) list = NULL;
    g_autoptr(GError) error = NULL;
    Events ev = {0};

    conn = marina_connection_open_sync(h->uri, NULL, &error);
    assert_non_null(conn);
    /* A list dropped while its first calls are out: they are cancelled
     * and their replies touch nothing. */
    list = marina_guest_list_new(conn);
    g_clear_object(&list);
    harness_iterate(200);

    list = marina_guest_list_new(conn);
    g_signal_connect(list, "loaded", G_CALLBACK(on_loaded), &ev);
    g_signal_connect(list, "items-changed", G_CALLBACK(on_items_changed), &ev);
    assert_true(HARNESS_WAIT_FOR(marina_guest_list_is_loaded(list), 5000));
    assert_int_equal(ev.loaded, 1);
    assert_int_equal(ev.changes, 0);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(list)), 0);
    /* Dropping the list while nothing is pending leaves no callback behind. */
    g_clear_object(&list);
    harness_iterate(100);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_of_an_empty_host_loads),
        cmocka_unit_test(test_list_follows_the_host),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
