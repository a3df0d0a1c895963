/* Access checks: a connection marked read-only is refused every change
 * with Error.ReadOnly and told which socket to use; a guest's Domain methods
 * ask. Real peer-to-peer D-Bus connections, no daemon. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "access.h"
#include "core/error.h"
#include "peer-pair.h"
#include "test-node.h"
#include "test-vm.h"
#include "vm-registry.h"

#define WRITABLE_SOCKET "/run/marina/marinad.sock"
#define PATH "/test/Object"

static const char XML[] = "<node><interface name='test.Change'><method name='Change'/>"
                          "</interface></node>";

static void
on_call(GDBusConnection *connection, const char *sender, const char *path, const char *interface,
        const char *method, GVariant *parameters, GDBusMethodInvocation *invocation,
        gpointer user_data)
{
    if (marina_access_check_writable(invocation))
        g_dbus_method_invocation_return_value(invocation, NULL);
}

static const GDBusInterfaceVTable vtable = {on_call, NULL, NULL, {0}};

static guint
register_object(GDBusConnection *connection)
{
    g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(XML, NULL);
    guint id = g_dbus_connection_register_object(connection, PATH, info->interfaces[0], &vtable,
                                                 NULL, NULL, NULL);

    assert_true(id != 0);
    return id;
}

static void
assert_read_only_refusal(GError *error)
{
    assert_non_null(error);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_READ_ONLY));
    /* It says where to connect instead. */
    assert_non_null(strstr(error->message, WRITABLE_SOCKET));
}

static void
test_connections_are_writable_unless_marked(void **state)
{
    PeerPair pair = peer_pair_new();
    guint id = register_object(pair.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = peer_pair_call(&pair, PATH, "test.Change", "Change", NULL, &error);

    assert_null(error);
    assert_non_null(reply);
    assert_false(marina_access_is_read_only(pair.server));
    g_dbus_connection_unregister_object(pair.server, id);
    peer_pair_clear(&pair);
}

static void
test_read_only_connection_is_refused(void **state)
{
    PeerPair pair = peer_pair_new();
    guint id = register_object(pair.server);
    GError *error = NULL;
    GVariant *reply;

    marina_access_set_read_only(pair.server, WRITABLE_SOCKET);
    assert_true(marina_access_is_read_only(pair.server));
    reply = peer_pair_call(&pair, PATH, "test.Change", "Change", NULL, &error);
    assert_null(reply);
    assert_read_only_refusal(error);
    g_error_free(error);
    g_dbus_connection_unregister_object(pair.server, id);
    peer_pair_clear(&pair);
}

/* A guest's Domain object on one read-only and one writable client. */
static void
test_guest_changes_need_a_writable_connection(void **state)
{
    MarinaDaemonConfig config = {.driver = "test", .state_dir = "/nonexistent"};
    g_autoptr(MarinaVmRegistry) guests = marina_vm_registry_new();
    g_autoptr(MarinaJobRegistry) jobs = marina_job_registry_new();
    MarinaVmContext context = {&config, guests, jobs};
    MarinaDomainConfig *def = marina_test_domain_parse(
        "<domain type='test'><name>ro</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<os><type>hvm</type></os></domain>",
        -1, NULL, NULL, NULL);
    MarinaVm *vm = marina_vm_new(MARINA_TYPE_TEST_VM, &context, def, TRUE);
    GDBusInterfaceInfo *info = marina_dbus_domain_interface_info();
    const GDBusInterfaceVTable *vtable = marina_vm_get_dbus_vtable();
    const char *path = marina_vm_get_object_path(vm);
    PeerPair reader = peer_pair_new();
    PeerPair writer = peer_pair_new();
    GError *error = NULL;
    GVariant *reply;
    guint reader_id, writer_id;

    marina_vm_registry_add(guests, vm);
    marina_access_set_read_only(reader.server, WRITABLE_SOCKET);
    /* Served as marinad serves every guest: one vtable, the guest as user data. */
    reader_id =
        g_dbus_connection_register_object(reader.server, path, info, vtable, vm, NULL, NULL);
    writer_id =
        g_dbus_connection_register_object(writer.server, path, info, vtable, vm, NULL, NULL);

    assert_true(reader_id != 0);
    assert_true(writer_id != 0);

    reply = peer_pair_call(&reader, path, "org.marinavm.Marina1.Domain", "Start",
                           g_variant_new("(u)", 0), &error);
    assert_null(reply);
    assert_read_only_refusal(error);
    g_clear_error(&error);
    assert_false(marina_vm_is_active(vm));

    /* Migrating a guest away changes it too. */
    reply = peer_pair_call(
        &reader, path, "org.marinavm.Marina1.Domain", "MigrateBegin",
        g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)), &error);
    assert_null(reply);
    assert_read_only_refusal(error);
    g_clear_error(&error);

    /* Reading is for everyone. */
    reply = peer_pair_call(&reader, path, "org.marinavm.Marina1.Domain", "GetXML",
                           g_variant_new("(u)", 0), &error);
    assert_null(error);
    assert_non_null(reply);
    g_variant_unref(reply);

    reply = peer_pair_call(&writer, path, "org.marinavm.Marina1.Domain", "Start",
                           g_variant_new("(u)", 0), &error);
    assert_null(error);
    assert_non_null(reply);
    g_variant_unref(reply);
    assert_int_equal(marina_vm_get_state(vm, NULL), MARINA_DOMAIN_RUNNING);

    g_dbus_connection_unregister_object(reader.server, reader_id);
    g_dbus_connection_unregister_object(writer.server, writer_id);
    peer_pair_clear(&reader);
    peer_pair_clear(&writer);
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connections_are_writable_unless_marked),
        cmocka_unit_test(test_read_only_connection_is_refused),
        cmocka_unit_test(test_guest_changes_need_a_writable_connection),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
