/* Guest state transitions on the test driver: the base class's state
 * machine (vm.c, vm-actions.c) with simulated guests, a guest registry and
 * a job registry, and no daemon, QEMU or D-Bus client. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/error.h"
#include "test-node.h"
#include "test-vm.h"
#include "vm-registry.h"

typedef struct {
    MarinaDaemonConfig config;
    MarinaVmRegistry *guests;
    MarinaJobRegistry *jobs;
    MarinaVmContext context;
    GPtrArray *events; /* "name event/detail", in order */
    guint removed;
} Fixture;

static void
on_event(MarinaVmRegistry *guests, MarinaVm *vm, const char *event, const char *detail, Fixture *f)
{
    g_ptr_array_add(f->events, g_strdup_printf("%s %s/%s", marina_vm_get_name(vm), event, detail));
}

static void
on_removed(MarinaVmRegistry *guests, MarinaVm *vm, Fixture *f)
{
    f->removed++;
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->config.driver = "test";
    f->config.state_dir = g_dir_make_tmp("test-vm-XXXXXX", NULL);
    f->config.runtime_dir = f->config.state_dir;
    f->guests = marina_vm_registry_new();
    f->jobs = marina_job_registry_new();
    f->context = (MarinaVmContext){&f->config, f->guests, f->jobs};
    f->events = g_ptr_array_new_with_free_func(g_free);
    g_signal_connect(f->guests, "guest-event", G_CALLBACK(on_event), f);
    g_signal_connect(f->guests, "guest-removed", G_CALLBACK(on_removed), f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    /* Property announcements still pending go out while the registry lives. */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_clear_object(&f->guests);
    g_clear_object(&f->jobs);
    g_rmdir(f->config.state_dir);
    g_free(f->config.state_dir);
    g_ptr_array_unref(f->events);
    g_free(f);
    return 0;
}

static MarinaDomainConfig *
test_domain(const char *name)
{
    g_autofree char *xml = g_strdup_printf("<domain type='test'><name>%s</name>"
                                           "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                                           "<os><type>hvm</type></os></domain>",
                                           name);
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *config = marina_test_domain_parse(xml, -1, NULL, NULL, &error);

    assert_null(error);
    return config;
}

/* As Host.DefineDomain does it. */
static MarinaVm *
define(Fixture *f, const char *name)
{
    g_autoptr(MarinaDomainConfig) config = test_domain(name);
    g_autoptr(GError) error = NULL;
    MarinaVm *vm =
        marina_vm_new(MARINA_TYPE_TEST_VM, &f->context, marina_domain_config_copy(config), FALSE);

    assert_true(marina_vm_registry_check_unique(f->guests, config, NULL, &error));
    assert_true(marina_vm_save_definition(vm, g_steal_pointer(&config), &error));
    marina_vm_registry_add(f->guests, vm);
    marina_vm_load_flags(vm);
    return vm;
}

/* As Host.CreateDomain does it, without the start. */
static MarinaVm *
transient(Fixture *f, const char *name)
{
    MarinaVm *vm = marina_vm_new(MARINA_TYPE_TEST_VM, &f->context, test_domain(name), FALSE);

    marina_vm_registry_add(f->guests, vm);
    return vm;
}

typedef struct {
    gboolean done;
    gboolean ok;
    GError *error;
} Outcome;

static void
on_done(GObject *source, GAsyncResult *result, gpointer data)
{
    Outcome *o = data;

    o->ok = g_task_propagate_boolean(G_TASK(result), &o->error);
    o->done = TRUE;
}

typedef void (*Action)(MarinaVm *vm, GAsyncReadyCallback callback, gpointer user_data);

static Outcome
wait_for(Outcome *o)
{
    while (!o->done)
        g_main_context_iteration(NULL, TRUE);
    return *o;
}

static gboolean
act(MarinaVm *vm, Action action, GError **error)
{
    Outcome o = {0};

    action(vm, on_done, &o);
    wait_for(&o);
    if (o.error != NULL)
        g_propagate_error(error, o.error);
    return o.ok;
}

static void
start_action(MarinaVm *vm, GAsyncReadyCallback callback, gpointer user_data)
{
    marina_vm_start_async(vm, 0, NULL, callback, user_data);
}

static void
shutdown_action(MarinaVm *vm, GAsyncReadyCallback callback, gpointer user_data)
{
    /* With a timeout: completes once the guest has stopped. */
    marina_vm_shutdown_async(vm, 30, callback, user_data);
}

/* A Domain property as clients read it. */
static GVariant *
dbus_property(MarinaVm *vm, const char *name)
{
    g_autoptr(GVariant) props = g_variant_ref_sink(marina_vm_get_dbus_properties(vm));
    GVariant *value = g_variant_lookup_value(props, name, NULL);

    assert_non_null(value);
    return value;
}

static void
assert_state(MarinaVm *vm, MarinaDomainState state, guint reason)
{
    g_autoptr(GVariant) dbus_state = dbus_property(vm, "State");
    guint r;

    assert_int_equal(marina_vm_get_state(vm, &r), state);
    assert_int_equal(r, reason);
    /* What clients read agrees with the guest. */
    assert_int_equal(g_variant_get_uint32(dbus_state), state);
}

/* The refusal has the code and a message that names the guest. */
static void
assert_refused(gboolean ok, GError *error, int code, const char *name)
{
    g_autofree char *quoted = g_strdup_printf("'%s'", name);

    assert_false(ok);
    assert_non_null(error);
    assert_true(g_error_matches(error, MARINA_ERROR, code));
    assert_non_null(strstr(error->message, quoted));
    g_error_free(error);
}

static void
assert_events(Fixture *f, const char *const *expected)
{
    guint n = g_strv_length((char **)expected);

    for (guint i = 0; i < MIN(n, f->events->len); i++)
        assert_string_equal(f->events->pdata[i], expected[i]);
    assert_int_equal(f->events->len, n);
    g_ptr_array_set_size(f->events, 0);
}

static void
test_define_start_suspend_resume_shutdown(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = define(f, "web1");
    GError *error = NULL;

    assert_true(marina_vm_is_persistent(vm));
    assert_state(vm, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_UNKNOWN);
    assert_int_equal(marina_vm_get_id(vm), -1);

    assert_true(act(vm, start_action, &error));
    assert_state(vm, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_BOOTED);
    assert_true(marina_vm_is_active(vm));
    assert_int_equal(marina_vm_get_id(vm), 1);

    assert_true(act(vm, marina_vm_suspend_async, &error));
    assert_state(vm, MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER);
    assert_true(act(vm, marina_vm_resume_async, &error));
    assert_state(vm, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_UNPAUSED);

    assert_true(act(vm, shutdown_action, &error));
    assert_state(vm, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_SHUTDOWN);
    assert_false(marina_vm_is_active(vm));
    assert_int_equal(marina_vm_get_id(vm), -1);
    /* A defined guest stays when it stops. */
    assert_ptr_equal(marina_vm_registry_lookup(f->guests, "web1"), vm);
    assert_events(f, (const char *const[]){"web1 started/booted", "web1 suspended/paused",
                                           "web1 resumed/unpaused", "web1 stopped/shutdown", NULL});
    assert_int_equal(f->removed, 0);
}

static void
test_destroy_stops_at_once(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = define(f, "db");
    GError *error = NULL;

    assert_true(act(vm, start_action, &error));
    assert_true(act(vm, marina_vm_destroy_async, &error));
    assert_state(vm, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_DESTROYED);
    assert_events(f, (const char *const[]){"db started/booted", "db stopped/destroyed", NULL});
}

static void
test_undefine_stopped_guest_leaves_registry(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaVm) vm = g_object_ref(define(f, "old"));
    g_autoptr(GError) error = NULL;

    assert_true(marina_vm_undefine(vm, 0, &error));
    assert_false(marina_vm_is_persistent(vm));
    assert_null(marina_vm_registry_lookup(f->guests, "old"));
    assert_int_equal(f->removed, 1);
    assert_events(f, (const char *const[]){"old undefined/removed", NULL});
}

static void
test_undefine_running_guest_stays_until_it_stops(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = define(f, "busy");
    GError *error = NULL;

    assert_true(act(vm, start_action, &error));
    assert_true(marina_vm_undefine(vm, 0, &error));
    /* Still running, now transient. */
    assert_ptr_equal(marina_vm_registry_lookup(f->guests, "busy"), vm);
    assert_false(marina_vm_is_persistent(vm));
    assert_int_equal(f->removed, 0);
    g_object_ref(vm);
    assert_true(act(vm, marina_vm_destroy_async, &error));
    assert_null(marina_vm_registry_lookup(f->guests, "busy"));
    assert_int_equal(f->removed, 1);
    g_object_unref(vm);
}

static void
test_transient_guest_disappears_when_it_stops(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = transient(f, "scratch");
    GError *error = NULL;

    assert_false(marina_vm_is_persistent(vm));
    assert_true(act(vm, start_action, &error));
    assert_int_equal(f->removed, 0);
    g_object_ref(vm);
    assert_true(act(vm, shutdown_action, &error));
    assert_null(marina_vm_registry_lookup(f->guests, "scratch"));
    assert_int_equal(f->removed, 1);
    assert_events(
        f, (const char *const[]){"scratch started/booted", "scratch stopped/shutdown", NULL});
    g_object_unref(vm);
}

static void
test_illegal_transitions_are_refused(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = define(f, "web2");
    MarinaVm *tmp = transient(f, "tmp");
    GError *error = NULL;
    gboolean ok;

    /* Shut off: nothing to pause, resume, stop, reboot or save. */
    ok = act(vm, marina_vm_suspend_async, &error);
    assert_refused(ok, error, MARINA_ERROR_NOT_RUNNING, "web2");
    error = NULL;
    ok = act(vm, marina_vm_resume_async, &error);
    assert_refused(ok, error, MARINA_ERROR_NOT_RUNNING, "web2");
    error = NULL;
    ok = act(vm, marina_vm_destroy_async, &error);
    assert_refused(ok, error, MARINA_ERROR_NOT_RUNNING, "web2");
    error = NULL;
    ok = act(vm, shutdown_action, &error);
    assert_refused(ok, error, MARINA_ERROR_NOT_RUNNING, "web2");
    error = NULL;
    ok = act(vm, marina_vm_reboot_async, &error);
    assert_refused(ok, error, MARINA_ERROR_NOT_RUNNING, "web2");
    error = NULL;
    ok = act(vm, marina_vm_managed_save_async, &error);
    assert_refused(ok, error, MARINA_ERROR_NOT_RUNNING, "web2");
    error = NULL;
    ok = marina_vm_remove_managed_save(vm, &error);
    assert_refused(ok, error, MARINA_ERROR_INVALID_ARGUMENT, "web2");
    error = NULL;

    /* Running: not twice, and resume needs a pause. */
    assert_true(act(vm, start_action, &error));
    ok = act(vm, start_action, &error);
    assert_refused(ok, error, MARINA_ERROR_ALREADY_RUNNING, "web2");
    error = NULL;
    ok = act(vm, marina_vm_resume_async, &error);
    assert_refused(ok, error, MARINA_ERROR_OPERATION_FAILED, "web2");
    error = NULL;

    /* Paused: not twice, and the power button needs a running guest. */
    assert_true(act(vm, marina_vm_suspend_async, &error));
    ok = act(vm, marina_vm_suspend_async, &error);
    assert_refused(ok, error, MARINA_ERROR_OPERATION_FAILED, "web2");
    error = NULL;
    ok = act(vm, shutdown_action, &error);
    assert_refused(ok, error, MARINA_ERROR_OPERATION_FAILED, "web2");
    error = NULL;
    assert_state(vm, MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER);

    /* Transient: no definition to undefine, no managed save, no autostart. */
    ok = marina_vm_undefine(tmp, 0, &error);
    assert_refused(ok, error, MARINA_ERROR_INVALID_ARGUMENT, "tmp");
    error = NULL;
    ok = marina_vm_set_autostart(tmp, TRUE, &error);
    assert_refused(ok, error, MARINA_ERROR_INVALID_ARGUMENT, "tmp");
    error = NULL;
    assert_true(act(tmp, start_action, &error));
    ok = act(tmp, marina_vm_managed_save_async, &error);
    assert_refused(ok, error, MARINA_ERROR_OPERATION_FAILED, "tmp");
    error = NULL;
    /* A bad save path is refused before anything happens. */
    {
        Outcome o = {0};
        marina_vm_save_async(tmp, "relative.img", on_done, &o);
        wait_for(&o);
        assert_false(o.ok);
        assert_true(g_error_matches(o.error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
        g_error_free(o.error);
    }
    assert_true(marina_vm_is_active(tmp));
}

static void
test_managed_save_then_start_restores(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = define(f, "saved");
    GError *error = NULL;
    gboolean ok;

    assert_true(act(vm, start_action, &error));
    assert_true(act(vm, marina_vm_managed_save_async, &error));
    assert_state(vm, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_SAVED);
    assert_true(marina_vm_has_managed_save(vm));
    /* Undefining would lose the saved state: refused without the flag. */
    ok = marina_vm_undefine(vm, 0, &error);
    assert_refused(ok, error, MARINA_ERROR_OPERATION_FAILED, "saved");
    error = NULL;
    assert_true(act(vm, start_action, &error));
    assert_state(vm, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_RESTORED);
    assert_false(marina_vm_has_managed_save(vm));
    assert_events(f, (const char *const[]){"saved started/booted", "saved stopped/saved",
                                           "saved started/restored", NULL});
}

static void
test_running_ids_are_never_reused(void **state)
{
    Fixture *f = *state;
    MarinaVm *a = define(f, "a");
    MarinaVm *b = define(f, "b");
    GError *error = NULL;

    assert_true(act(a, start_action, &error));
    assert_int_equal(marina_vm_get_id(a), 1);
    assert_true(act(a, marina_vm_destroy_async, &error));
    assert_true(act(b, start_action, &error));
    assert_int_equal(marina_vm_get_id(b), 2);
    assert_true(act(a, start_action, &error));
    assert_int_equal(marina_vm_get_id(a), 3);
    assert_ptr_equal(marina_vm_registry_lookup(f->guests, "3"), a);
}

static void
test_rename(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = define(f, "first");
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) name = NULL;

    define(f, "taken");
    assert_true(marina_vm_rename(vm, "second", &error));
    assert_ptr_equal(marina_vm_registry_lookup(f->guests, "second"), vm);
    assert_null(marina_vm_registry_lookup(f->guests, "first"));
    assert_string_equal(marina_vm_get_definition(vm)->name, "second");
    name = dbus_property(vm, "Name");
    assert_string_equal(g_variant_get_string(name, NULL), "second");
    assert_events(f, (const char *const[]){"second defined/renamed", NULL});

    /* Another guest's name, a name DefineDomain refuses, a transient or
     * running guest: refused, nothing changed. */
    assert_false(marina_vm_rename(vm, "taken", &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS));
    g_clear_error(&error);
    assert_false(marina_vm_rename(vm, "no/slash", &error));
    g_clear_error(&error);
    assert_true(act(vm, start_action, &error));
    assert_false(marina_vm_rename(vm, "third", &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING));
    g_clear_error(&error);
    assert_true(act(vm, marina_vm_destroy_async, &error));
    assert_ptr_equal(marina_vm_registry_lookup(f->guests, "second"), vm);
    assert_null(marina_vm_registry_lookup(f->guests, "third"));
    assert_false(marina_vm_rename(transient(f, "passing"), "fourth", &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
}

static void
test_autostart_only_for_defined_guests(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = define(f, "boot");
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) autostart = NULL;

    assert_true(marina_vm_set_autostart(vm, TRUE, &error));
    assert_true(marina_vm_get_autostart(vm));
    autostart = dbus_property(vm, "Autostart");
    assert_true(g_variant_get_boolean(autostart));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_define_start_suspend_resume_shutdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_stops_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefine_stopped_guest_leaves_registry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_undefine_running_guest_stays_until_it_stops, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_transient_guest_disappears_when_it_stops, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_illegal_transitions_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_managed_save_then_start_restores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_running_ids_are_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autostart_only_for_defined_guests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
