/* The guest registry: lookups by name, UUID and running id, name / UUID /
 * MAC uniqueness, running ids handed out once, and leaving. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/error.h"
#include "test-node.h"
#include "test-vm.h"
#include "vm-registry.h"

#define UUID_A "11111111-2222-3333-4444-555555555555"
#define UUID_B "66666666-7777-8888-9999-aaaaaaaaaaaa"
#define MAC_A "52:54:00:00:00:0a"

typedef struct {
    MarinaDaemonConfig config;
    MarinaVmRegistry *guests;
    MarinaJobRegistry *jobs;
    MarinaVmContext context;
    guint removed;
} Fixture;

static void
on_removed(MarinaVmRegistry *guests, MarinaVm *vm, Fixture *f)
{
    /* Gone from the registry by the time it says so. */
    assert_null(marina_vm_registry_get(guests, marina_vm_get_uuid(vm)));
    f->removed++;
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->config.driver = "test";
    f->config.state_dir = "/nonexistent";
    f->guests = marina_vm_registry_new();
    f->jobs = marina_job_registry_new();
    f->context = (MarinaVmContext){&f->config, f->guests, f->jobs};
    g_signal_connect(f->guests, "guest-removed", G_CALLBACK(on_removed), f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    g_clear_object(&f->guests);
    g_clear_object(&f->jobs);
    g_free(f);
    return 0;
}

/* @mac NULL: no <mac>, so one is generated. */
static MarinaDomainConfig *
domain(const char *name, const char *uuid, const char *mac)
{
    g_autofree char *mac_xml = mac ? g_strdup_printf("<mac address='%s'/>", mac) : g_strdup("");
    g_autofree char *xml = g_strdup_printf(
        "<domain type='test'><name>%s</name><uuid>%s</uuid><memory unit='MiB'>64</memory>"
        "<vcpu>1</vcpu><os><type>hvm</type></os><devices><interface type='user'>%s"
        "</interface></devices></domain>",
        name, uuid, mac_xml);
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *config = marina_test_domain_parse(xml, -1, NULL, NULL, &error);

    assert_null(error);
    assert_non_null(config);
    return config;
}

static MarinaVm *
add(Fixture *f, MarinaDomainConfig *config)
{
    MarinaVm *vm = marina_vm_new(MARINA_TYPE_TEST_VM, &f->context, config, TRUE);

    marina_vm_registry_add(f->guests, vm);
    return vm;
}

static void
assert_refused(gboolean ok, GError *error, const char *needle)
{
    assert_false(ok);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS));
    assert_non_null(strstr(error->message, needle));
    g_error_free(error);
}

static void
test_lookup_by_name_uuid_and_id(void **state)
{
    Fixture *f = *state;
    MarinaVm *vm = add(f, domain("web", UUID_A, MAC_A));

    assert_ptr_equal(marina_vm_registry_lookup(f->guests, "web"), vm);
    assert_ptr_equal(marina_vm_registry_lookup(f->guests, UUID_A), vm);
    /* Any spelling of the UUID. */
    assert_ptr_equal(marina_vm_registry_lookup(f->guests, "11111111222233334444555555555555"), vm);
    assert_null(marina_vm_registry_lookup(f->guests, "1"));
    marina_vm_set_id(vm, 7);
    assert_ptr_equal(marina_vm_registry_lookup(f->guests, "7"), vm);
    assert_null(marina_vm_registry_lookup(f->guests, "nobody"));
    assert_true(marina_vm_registry_has_name(f->guests, "web"));
    assert_int_equal(marina_vm_registry_size(f->guests), 1);
}

static void
test_name_and_uuid_must_be_unique(void **state)
{
    Fixture *f = *state;
    MarinaVm *web = add(f, domain("web", UUID_A, MAC_A));
    g_autoptr(MarinaDomainConfig) same_name = domain("web", UUID_B, "52:54:00:00:00:0b");
    g_autoptr(MarinaDomainConfig) same_uuid = domain("db", UUID_A, "52:54:00:00:00:0c");
    g_autoptr(MarinaDomainConfig) redefine = domain("web", UUID_A, MAC_A);
    GError *error = NULL;
    gboolean ok;

    ok = marina_vm_registry_check_unique(f->guests, same_name, NULL, &error);
    assert_refused(ok, error, "'web'");
    error = NULL;
    ok = marina_vm_registry_check_unique(f->guests, same_uuid, NULL, &error);
    assert_refused(ok, error, UUID_A);
    error = NULL;
    /* The same guest again (a redefinition) is no conflict. */
    assert_true(marina_vm_registry_check_unique(f->guests, redefine, NULL, &error));
    assert_true(marina_vm_registry_check_unique(f->guests, same_uuid, web, &error));
    assert_null(error);
}

static void
test_mac_must_be_unique_and_generated_ones_move_aside(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaDomainConfig) clash = domain("db", UUID_B, MAC_A);
    g_autoptr(MarinaDomainConfig) generated = domain("db", UUID_B, NULL);
    GError *error = NULL;
    gboolean ok;

    add(f, domain("web", UUID_A, MAC_A));
    ok = marina_vm_registry_check_unique(f->guests, clash, NULL, &error);
    assert_refused(ok, error, MAC_A);
    error = NULL;
    /* A generated MAC that happens to collide is generated again. */
    {
        MarinaInterfaceConfig *nic = generated->interfaces->pdata[0];
        g_free(nic->mac);
        nic->mac = g_strdup(MAC_A);
        assert_true(nic->mac_generated);
        assert_true(marina_vm_registry_check_unique(f->guests, generated, NULL, &error));
        assert_string_not_equal(nic->mac, MAC_A);
    }
}

static void
test_running_ids_are_handed_out_once(void **state)
{
    Fixture *f = *state;

    assert_int_equal(marina_vm_registry_allocate_id(f->guests), 1);
    assert_int_equal(marina_vm_registry_allocate_id(f->guests), 2);
    /* A guest re-attached after a restart keeps its id; later ones follow it. */
    marina_vm_registry_reserve_id(f->guests, 10);
    assert_int_equal(marina_vm_registry_allocate_id(f->guests), 11);
    marina_vm_registry_reserve_id(f->guests, 3);
    assert_int_equal(marina_vm_registry_allocate_id(f->guests), 12);
}

static void
test_remove_tells_once(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaVm) vm = g_object_ref(add(f, domain("web", UUID_A, MAC_A)));

    marina_vm_registry_remove(f->guests, vm);
    assert_int_equal(f->removed, 1);
    assert_null(marina_vm_registry_lookup(f->guests, "web"));
    assert_false(marina_vm_registry_has_name(f->guests, "web"));
    /* Removing what is not there any more says nothing. */
    marina_vm_registry_remove(f->guests, vm);
    assert_int_equal(f->removed, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookup_by_name_uuid_and_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_and_uuid_must_be_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac_must_be_unique_and_generated_ones_move_aside,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_running_ids_are_handed_out_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_tells_once, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
