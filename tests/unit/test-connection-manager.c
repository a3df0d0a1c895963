/* The connection manager without a daemon: labels and canonical URIs,
 * lookups in any spelling, the list model, and the state machine of a
 * connect that fails (an explicit socket where nothing listens). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "connection-manager.h"
#include "error.h"

typedef struct {
    GArray *states; /* MarinaConnectionState after each "state-changed" */
    GArray *olds;   /* the old state each one reported */
    guint failed;
    char *failure;
} Events;

static void
on_state_changed(MarinaConnectionEntry *entry, int old_state, Events *ev)
{
    MarinaConnectionState state = marina_connection_entry_get_state(entry);

    g_array_append_val(ev->states, state);
    g_array_append_val(ev->olds, old_state);
}

static void
on_connect_failed(MarinaConnectionEntry *entry, GError *error, Events *ev)
{
    ev->failed++;
    g_free(ev->failure);
    ev->failure = g_strdup(marina_error_message(error));
}

/* Starts recording what @entry reports into @ev. */
static void
events_init(Events *ev, MarinaConnectionEntry *entry)
{
    ev->states = g_array_new(FALSE, FALSE, sizeof(MarinaConnectionState));
    ev->olds = g_array_new(FALSE, FALSE, sizeof(int));
    ev->failed = 0;
    ev->failure = NULL;
    g_signal_connect(entry, "state-changed", G_CALLBACK(on_state_changed), ev);
    g_signal_connect(entry, "connect-failed", G_CALLBACK(on_connect_failed), ev);
}

/* Stops recording: the entry may outlive @ev. */
static void
events_clear(Events *ev, MarinaConnectionEntry *entry)
{
    g_signal_handlers_disconnect_by_data(entry, ev);
    g_array_unref(ev->states);
    g_array_unref(ev->olds);
    g_free(ev->failure);
}

static gboolean
wait_for_failure(Events *ev, guint count, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (ev->failed < count && g_get_monotonic_time() < end)
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(1000);
    return ev->failed >= count;
}

static void
assert_label(const char *uri, const char *label, const char *canonical, gboolean local,
             gboolean retry)
{
    g_autoptr(MarinaConnectionEntry) entry = marina_connection_entry_new(uri);

    assert_string_equal(marina_connection_entry_get_label(entry), label);
    assert_string_equal(marina_connection_entry_get_uri(entry), canonical);
    assert_int_equal(marina_connection_entry_is_local(entry), local);
    assert_int_equal(marina_connection_entry_get_auto_retry(entry), retry);
    assert_int_equal(marina_connection_entry_get_state(entry), MARINA_CONNECTION_STATE_IDLE);
    assert_null(marina_connection_entry_get_connection(entry));
    assert_null(marina_connection_entry_get_guest_list(entry));
}

static void
test_labels_say_where_the_host_is(void **state)
{
    assert_label("marina:///session", "QEMU/KVM user session", "marina:///session", TRUE, TRUE);
    /* The system daemon is not restarted by us: no automatic retry. */
    assert_label("qemu:///system", "QEMU/KVM", "marina:///system", TRUE, FALSE);
    assert_label("marina+ssh://alice@db1/system", "alice@db1 (SSH)",
                 "marina+ssh://alice@db1/system", FALSE, FALSE);
    assert_label("marina+ssh://db1/system", "db1 (SSH)", "marina+ssh://db1/system", FALSE, FALSE);
    assert_label("marina+ssh://db2/session", "db2 (SSH, user session)", "marina+ssh://db2/session",
                 FALSE, FALSE);
    assert_label("marina+unix:///run/test/marinad.sock", "marina+unix:///run/test/marinad.sock",
                 "marina+unix:///run/test/marinad.sock", TRUE, TRUE);
    /* Kept as given, so that connecting explains what is wrong with it. */
    assert_label("not a uri", "not a uri", "not a uri", FALSE, FALSE);
}

static void
on_items_changed(GListModel *model, guint position, guint removed, guint added, GString *log)
{
    g_string_append_printf(log, "%u-%u+%u;", position, removed, added);
}

static void
test_manager_finds_entries_in_any_spelling(void **state)
{
    g_autoptr(MarinaConnectionManager) manager = marina_connection_manager_new();
    g_autoptr(GString) log = g_string_new(NULL);
    MarinaConnectionEntry *session, *ssh;
    g_autoptr(MarinaConnectionEntry) first = NULL;

    g_signal_connect(manager, "items-changed", G_CALLBACK(on_items_changed), log);
    session = marina_connection_manager_add(manager, "qemu:///session");
    ssh = marina_connection_manager_add(manager, "marina+ssh://alice@db1/system");
    /* The same connection spelled another way is not added twice. */
    assert_ptr_equal(marina_connection_manager_add(manager, "marina:///session"), session);
    assert_string_equal(log->str, "0-0+1;1-0+1;");
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(manager)), 2);
    assert_true(g_list_model_get_item_type(G_LIST_MODEL(manager)) == MARINA_TYPE_CONNECTION_ENTRY);
    first = g_list_model_get_item(G_LIST_MODEL(manager), 0);
    assert_ptr_equal(first, session);

    assert_ptr_equal(marina_connection_manager_lookup(manager, "marina:///session"), session);
    assert_ptr_equal(marina_connection_manager_lookup(manager, "qemu+ssh://alice@db1/system"), ssh);
    assert_null(marina_connection_manager_lookup(manager, "marina:///system"));
    assert_null(marina_connection_manager_lookup_list(manager, NULL));

    marina_connection_manager_remove(manager, session);
    assert_string_equal(log->str, "0-0+1;1-0+1;0-1+0;");
    assert_null(marina_connection_manager_lookup(manager, "marina:///session"));
    /* The caller's reference keeps the removed entry usable. */
    assert_string_equal(marina_connection_entry_get_label(first), "QEMU/KVM user session");
    marina_connection_manager_remove(manager, session); /* not there: nothing happens */
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(manager)), 1);
}

static char *
missing_socket_uri(char **dir)
{
    *dir = g_dir_make_tmp("mcm-XXXXXX", NULL);
    assert_non_null(*dir);
    return g_strdup_printf("marina+unix://%s/marinad.sock", *dir);
}

static void
test_failed_connect_says_why(void **state)
{
    g_autofree char *dir = NULL;
    g_autofree char *uri = missing_socket_uri(&dir);
    g_autoptr(MarinaConnectionEntry) entry = marina_connection_entry_new(uri);
    Events ev;

    events_init(&ev, entry);

    marina_connection_entry_connect(entry);
    assert_int_equal(marina_connection_entry_get_state(entry), MARINA_CONNECTION_STATE_CONNECTING);
    assert_true(marina_connection_entry_is_opening(entry));
    /* Asking again while it opens starts nothing new. */
    marina_connection_entry_connect(entry);
    assert_int_equal(ev.states->len, 1);

    assert_true(wait_for_failure(&ev, 1, 10000));
    assert_int_equal(ev.failed, 1);
    assert_int_equal(ev.states->len, 2);
    assert_int_equal(g_array_index(ev.states, int, 0), MARINA_CONNECTION_STATE_CONNECTING);
    assert_int_equal(g_array_index(ev.olds, int, 0), MARINA_CONNECTION_STATE_IDLE);
    assert_int_equal(g_array_index(ev.states, int, 1), MARINA_CONNECTION_STATE_DISCONNECTED);
    assert_int_equal(g_array_index(ev.olds, int, 1), MARINA_CONNECTION_STATE_CONNECTING);
    assert_false(marina_connection_entry_is_opening(entry));
    assert_false(marina_connection_entry_is_connected(entry));
    assert_null(marina_connection_entry_get_connection(entry));
    /* The reason is the connection's own message, which names the socket. */
    assert_non_null(marina_connection_entry_get_reason(entry));
    assert_string_equal(marina_connection_entry_get_reason(entry), ev.failure);
    assert_non_null(strstr(ev.failure, dir));
    /* The short reason, for the row that names the connection: no URI, the socket still named. */
    assert_non_null(marina_connection_entry_get_short_reason(entry));
    assert_null(strstr(marina_connection_entry_get_short_reason(entry), uri));
    assert_non_null(strstr(marina_connection_entry_get_short_reason(entry), dir));
    assert_true(g_str_has_prefix(marina_connection_entry_get_short_reason(entry), "No daemon"));

    /* Disconnecting stops the automatic retry: nothing more happens. */
    marina_connection_entry_disconnect(entry);
    for (int i = 0; i < 100; i++)
        g_main_context_iteration(NULL, FALSE);
    assert_int_equal(ev.states->len, 2);
    events_clear(&ev, entry);
    g_rmdir(dir);
}

static void
test_disconnect_abandons_an_open(void **state)
{
    g_autofree char *dir = NULL;
    g_autofree char *uri = missing_socket_uri(&dir);
    g_autoptr(MarinaConnectionEntry) entry = marina_connection_entry_new(uri);
    Events ev;

    events_init(&ev, entry);
    marina_connection_entry_connect(entry);
    marina_connection_entry_disconnect(entry);
    assert_int_equal(marina_connection_entry_get_state(entry), MARINA_CONNECTION_STATE_IDLE);
    assert_false(marina_connection_entry_is_opening(entry));
    for (int i = 0; i < 200; i++)
        g_main_context_iteration(NULL, FALSE);
    /* The abandoned open reports nothing. */
    assert_int_equal(ev.failed, 0);
    assert_int_equal(ev.states->len, 2);

    /* The entry can be connected again afterwards. */
    marina_connection_entry_connect(entry);
    assert_true(wait_for_failure(&ev, 1, 10000));
    assert_int_equal(marina_connection_entry_get_state(entry),
                     MARINA_CONNECTION_STATE_DISCONNECTED);
    events_clear(&ev, entry);
    g_rmdir(dir);
}

static void
test_dropping_an_entry_while_it_opens(void **state)
{
    g_autofree char *dir = NULL;
    g_autofree char *uri = missing_socket_uri(&dir);
    MarinaConnectionEntry *entry = marina_connection_entry_new(uri);

    marina_connection_entry_connect(entry);
    g_object_unref(entry);
    /* The open's callback finds the entry gone and touches nothing. */
    for (int i = 0; i < 200; i++)
        g_main_context_iteration(NULL, FALSE);
    g_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_say_where_the_host_is),
        cmocka_unit_test(test_manager_finds_entries_in_any_spelling),
        cmocka_unit_test(test_failed_connect_says_why),
        cmocka_unit_test(test_disconnect_abandons_an_open),
        cmocka_unit_test(test_dropping_an_entry_while_it_opens),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
