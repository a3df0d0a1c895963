/* What the daemon does with its guests when it starts: stored definitions
 * read (bad ones skipped, never deleted), stale install files swept, and
 * autostart guests started, those with a managed save first. Test-driver
 * guests stand in for QEMU ones: nothing is spawned. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "guest-startup.h"
#include "test-node.h"
#include "test-vm.h"

#define UUID_A "11111111-2222-3333-4444-000000000001"
#define UUID_B "11111111-2222-3333-4444-000000000002"
#define UUID_C "11111111-2222-3333-4444-000000000003"
#define UUID_D "11111111-2222-3333-4444-000000000004"

typedef struct {
    MarinaDaemonConfig config;
    MarinaVmRegistry *guests;
    MarinaJobRegistry *jobs;
    MarinaVmContext context;
    GPtrArray *started; /* "name detail" of every "started" event */
} Fixture;

static void
on_event(MarinaVmRegistry *guests, MarinaVm *vm, const char *event, const char *detail, Fixture *f)
{
    if (g_str_equal(event, "started"))
        g_ptr_array_add(f->started, g_strdup_printf("%s %s", marina_vm_get_name(vm), detail));
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->config.driver = "test";
    f->config.state_dir = g_dir_make_tmp("guest-startup-XXXXXX", NULL);
    f->config.runtime_dir = f->config.state_dir;
    f->guests = marina_vm_registry_new();
    f->jobs = marina_job_registry_new();
    f->context = (MarinaVmContext){&f->config, f->guests, f->jobs};
    f->started = g_ptr_array_new_with_free_func(g_free);
    g_signal_connect(f->guests, "guest-event", G_CALLBACK(on_event), f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->config.state_dir);

    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_clear_object(&f->guests);
    g_clear_object(&f->jobs);
    assert_int_equal(system(cmd), 0);
    g_free(f->config.state_dir);
    g_ptr_array_unref(f->started);
    g_free(f);
    return 0;
}

static void
write_file(Fixture *f, const char *subdir, const char *name, const char *text)
{
    g_autofree char *dir = g_build_filename(f->config.state_dir, subdir, NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);

    assert_int_equal(g_mkdir_with_parents(dir, 0700), 0);
    assert_true(g_file_set_contents(path, text, -1, NULL));
}

static char *
definition(const char *name, const char *uuid)
{
    return g_strdup_printf("<domain type='kvm'><name>%s</name><uuid>%s</uuid>"
                           "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                           "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
                           name, uuid);
}

static void
test_definitions_load_and_bad_ones_are_skipped_not_deleted(void **state)
{
    Fixture *f = *state;
    g_autofree char *good = definition("web", UUID_A);
    g_autofree char *wrong_uuid = definition("db", UUID_D);
    g_autofree char *same_name = definition("web", UUID_C);
    g_autofree char *broken_path = NULL;

    write_file(f, "domains", UUID_A ".xml", good);
    write_file(f, "domains", UUID_B ".xml", "<domain type='kvm'><name>broken");
    /* Stored as C's, but it says it is D. */
    write_file(f, "domains", UUID_C ".xml", wrong_uuid);
    /* A second guest named 'web'. */
    write_file(f, "domains", UUID_D ".xml", same_name);
    write_file(f, "domains", "notes.xml", good);

    marina_guest_startup_load_definitions(&f->context, MARINA_TYPE_TEST_VM);
    assert_int_equal(marina_vm_registry_size(f->guests), 1);
    assert_non_null(marina_vm_registry_get(f->guests, UUID_A));
    assert_true(marina_vm_is_persistent(marina_vm_registry_get(f->guests, UUID_A)));
    /* What could not be read is still there for a person to mend. */
    broken_path = g_build_filename(f->config.state_dir, "domains", UUID_B ".xml", NULL);
    assert_true(g_file_test(broken_path, G_FILE_TEST_EXISTS));
}

static void
test_stale_install_files_are_swept(void **state)
{
    Fixture *f = *state;
    g_autofree char *stale = g_build_filename(f->config.state_dir, "install", UUID_B, NULL);

    write_file(f, "install/" UUID_B, "vmlinuz", "kernel");
    marina_guest_startup_clean_installs(&f->context);
    assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
}

static MarinaVm *
add_test_guest(Fixture *f, const char *name)
{
    g_autofree char *xml = g_strdup_printf("<domain type='test'><name>%s</name>"
                                           "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                                           "<os><type>hvm</type></os></domain>",
                                           name);
    MarinaVm *vm = marina_vm_new(MARINA_TYPE_TEST_VM, &f->context,
                                 marina_test_domain_parse(xml, -1, NULL, NULL, NULL), TRUE);

    marina_vm_registry_add(f->guests, vm);
    return vm;
}

static void
on_done(GObject *source, GAsyncResult *result, gpointer data)
{
    *(gboolean *)data = TRUE;
}

static void
test_autostart_restores_saved_guests_first(void **state)
{
    Fixture *f = *state;
    MarinaVm *plain = add_test_guest(f, "plain");
    MarinaVm *saved = add_test_guest(f, "saved");
    MarinaVm *manual = add_test_guest(f, "manual");
    gboolean done = FALSE;
    gint64 deadline;

    assert_true(marina_vm_set_autostart(plain, TRUE, NULL));
    assert_true(marina_vm_set_autostart(saved, TRUE, NULL));
    marina_vm_start_async(saved, 0, NULL, on_done, &done);
    while (!done)
        g_main_context_iteration(NULL, TRUE);
    done = FALSE;
    marina_vm_managed_save_async(saved, on_done, &done);
    while (!done)
        g_main_context_iteration(NULL, TRUE);
    g_ptr_array_set_size(f->started, 0);

    marina_guest_startup_autostart(&f->context);
    deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (f->started->len < 2 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    assert_int_equal(f->started->len, 2);
    assert_string_equal(f->started->pdata[0], "saved restored");
    assert_string_equal(f->started->pdata[1], "plain booted");
    assert_false(marina_vm_is_active(manual));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_definitions_load_and_bad_ones_are_skipped_not_deleted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_install_files_are_swept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autostart_restores_saved_guests_first, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
