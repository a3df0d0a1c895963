/* A connection entry against a real marinad that goes away and comes back:
 * it connects with a loaded guest list, says why it lost the daemon, and
 * reconnects on its own (an explicit socket is a local daemon that may
 * return) with a NEW connection and guest list, as windows expect. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/connection-manager.h"
#include "harness.h"

typedef struct {
    guint changes;
    guint failed;
} Events;

static void
on_state_changed(MarinaConnectionEntry *entry, int old_state, Events *ev)
{
    ev->changes++;
}

static void
on_connect_failed(MarinaConnectionEntry *entry, GError *error, Events *ev)
{
    ev->failed++;
}

static gboolean
list_loaded(MarinaConnectionEntry *entry)
{
    MarinaGuestList *list = marina_connection_entry_get_guest_list(entry);

    return list != NULL && marina_guest_list_is_loaded(list);
}

static void
test_entry_follows_a_daemon_restart(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaConnectionManager) manager = marina_connection_manager_new();
    const char *kinds[] = {"cpu", "memory", NULL};
    g_autofree char *xml = harness_guest_xml("cm-one", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    MarinaConnectionEntry *entry;
    /* Held, so that a new object can never reuse the old one's address. */
    g_autoptr(MarinaConnection) first_connection = NULL;
    g_autoptr(MarinaGuestList) first_list = NULL;
    Events ev = {0};

    marina_connection_manager_set_stats_preferences(manager, 2000, kinds);
    entry = marina_connection_manager_add(manager, h->uri);
    g_signal_connect(entry, "state-changed", G_CALLBACK(on_state_changed), &ev);
    g_signal_connect(entry, "connect-failed", G_CALLBACK(on_connect_failed), &ev);
    marina_connection_entry_connect(entry);
    assert_true(HARNESS_WAIT_FOR(list_loaded(entry), 10000));
    assert_int_equal(marina_connection_entry_get_state(entry), MARINA_CONNECTION_STATE_CONNECTED);
    assert_null(marina_connection_entry_get_reason(entry));
    assert_int_equal(ev.failed, 0);
    first_list = g_object_ref(marina_connection_entry_get_guest_list(entry));
    first_connection = g_object_ref(marina_connection_entry_get_connection(entry));
    assert_ptr_equal(marina_connection_manager_lookup_list(manager, first_list), entry);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(first_list)), 1);

    /* The daemon goes: the entry says so, with the reason. */
    harness_stop_daemon(h, SIGKILL);
    assert_true(HARNESS_WAIT_FOR(
        marina_connection_entry_get_state(entry) == MARINA_CONNECTION_STATE_DISCONNECTED, 10000));
    assert_null(marina_connection_entry_get_connection(entry));
    assert_null(marina_connection_entry_get_guest_list(entry));
    assert_non_null(marina_connection_entry_get_reason(entry));

    /* It comes back: the entry reconnects by itself within a retry period. */
    harness_start_daemon(h);
    assert_true(
        HARNESS_WAIT_FOR(list_loaded(entry), (MARINA_CONNECTION_ENTRY_RETRY_SECONDS + 5) * 1000));
    assert_int_equal(marina_connection_entry_get_state(entry), MARINA_CONNECTION_STATE_CONNECTED);
    assert_null(marina_connection_entry_get_reason(entry));
    assert_ptr_not_equal(marina_connection_entry_get_guest_list(entry), first_list);
    assert_ptr_not_equal(marina_connection_entry_get_connection(entry), first_connection);
    assert_int_equal(
        g_list_model_get_n_items(G_LIST_MODEL(marina_connection_entry_get_guest_list(entry))), 1);
    /* Automatic retries are quiet: nobody asked, so nothing is reported. */
    assert_int_equal(ev.failed, 0);

    /* Disconnecting on request: no reason, and no retry brings it back. */
    marina_connection_entry_disconnect(entry);
    assert_true(HARNESS_WAIT_FOR(
        marina_connection_entry_get_state(entry) == MARINA_CONNECTION_STATE_DISCONNECTED, 5000));
    assert_null(marina_connection_entry_get_reason(entry));
    harness_iterate((MARINA_CONNECTION_ENTRY_RETRY_SECONDS + 1) * 1000);
    assert_int_equal(marina_connection_entry_get_state(entry),
                     MARINA_CONNECTION_STATE_DISCONNECTED);

    /* Reconnect opens it again at once. */
    marina_connection_entry_reconnect(entry);
    assert_true(HARNESS_WAIT_FOR(list_loaded(entry), 10000));
    harness_connect(h); /* the harness's own connection, for its teardown */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_follows_a_daemon_restart),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
