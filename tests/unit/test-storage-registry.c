/* The pool registry: the default pool on the first start, definitions kept
 * on disk across a reload, redefinition, duplicate UUIDs, bad XML, autostart
 * and undefine. Pools are dir pools in a temporary state directory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "storage-fixture.h"
#include "storage-registry.h"

#define UUID_A "4b5d2c3e-6a7b-4c8d-9e0f-112233445566"
#define UUID_B "0d6f1a2b-3c4d-4e5f-8a9b-aabbccddeeff"

typedef struct {
    StorageFixture *f;
    MarinaStorageRegistry *registry;
    int added;
    int removed;
} Fixture;

static MarinaStorageRegistry *
new_registry(Fixture *x)
{
    return marina_storage_registry_new(x->f->dir, &x->f->host, x->f->events);
}

static int
setup(void **state)
{
    Fixture *x = g_new0(Fixture, 1);

    x->f = storage_fixture_new();
    x->registry = new_registry(x);
    /* As the daemon does before it serves: the first start makes 'default'. */
    marina_storage_registry_load(x->registry);
    *state = x;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *x = *state;

    marina_storage_registry_free(x->registry);
    storage_fixture_free(x->f);
    g_free(x);
    return 0;
}

/* Drop the registry and load the state directory again, as a restarted daemon does. */
static void
reload(Fixture *x)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
    marina_storage_registry_free(x->registry);
    x->registry = new_registry(x);
    marina_storage_registry_load(x->registry);
}

static char *
pool_xml(Fixture *x, const char *name, const char *uuid, const char *target)
{
    g_autofree char *path = storage_fixture_path(x->f, target);
    g_autofree char *uuid_element =
        uuid != NULL ? g_strdup_printf("<uuid>%s</uuid>", uuid) : g_strdup("");

    return g_strdup_printf("<pool type='dir'><name>%s</name>%s<target><path>%s</path></target>"
                           "</pool>",
                           name, uuid_element, path);
}

static MarinaStoragePool *
define(Fixture *x, const char *name, const char *uuid, const char *target)
{
    g_autofree char *xml = pool_xml(x, name, uuid, target);
    g_autoptr(GError) error = NULL;
    MarinaStoragePool *pool = marina_storage_registry_define(x->registry, xml, &error);

    assert_null(error);
    assert_non_null(pool);
    return pool;
}

static gboolean
state_file(Fixture *x, const char *file)
{
    g_autofree char *path = g_build_filename(x->f->dir, "pools", file, NULL);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* ---------------------------------------------------------------------- */

static void
test_first_load_makes_the_default_pool(void **state)
{
    Fixture *x = *state;
    g_autofree char *images = storage_fixture_path(x->f, "images");
    MarinaStoragePool *pool;

    pool = marina_storage_registry_lookup(x->registry, "default");
    assert_non_null(pool);
    assert_string_equal(marina_storage_pool_get_config(pool)->type, "dir");
    assert_string_equal(marina_storage_pool_get_config(pool)->target_path, images);
    assert_string_equal(marina_storage_pool_get_object_path(pool),
                        "/org/marinavm/Marina1/pool/default");
    assert_true(marina_storage_pool_get_autostart(pool));
    assert_true(marina_storage_pool_is_active(pool));
    assert_true(g_file_test(images, G_FILE_TEST_IS_DIR));
    assert_true(state_file(x, "default.xml"));
    assert_true(state_file(x, "default.autostart"));
    assert_true(storage_fixture_saw(x->f, "pool-event default started"));

    /* The next start loads it, started again. */
    reload(x);
    pool = marina_storage_registry_lookup(x->registry, "default");
    assert_non_null(pool);
    assert_true(marina_storage_pool_is_active(pool));
}

static void
test_undefined_default_stays_gone(void **state)
{
    Fixture *x = *state;
    MarinaStoragePool *pool;
    g_autoptr(GError) error = NULL;

    pool = marina_storage_registry_lookup(x->registry, "default");
    assert_false(marina_storage_registry_undefine(x->registry, pool, &error));
    storage_fixture_assert_error(error, MARINA_ERROR_ALREADY_RUNNING, "stop it first");
    g_clear_error(&error);
    assert_null(storage_fixture_stop(pool));
    assert_true(marina_storage_registry_undefine(x->registry, pool, &error));
    assert_null(marina_storage_registry_lookup(x->registry, "default"));
    assert_false(state_file(x, "default.xml"));
    assert_false(state_file(x, "default.autostart"));

    reload(x);
    assert_int_equal(g_hash_table_size(marina_storage_registry_get_pools(x->registry)), 0);
}

static void
test_definitions_survive_a_reload(void **state)
{
    Fixture *x = *state;
    g_autofree char *target = storage_fixture_path(x->f, "data");
    MarinaStoragePool *pool;

    define(x, "data", UUID_A, "data");
    assert_true(state_file(x, "data.xml"));
    assert_false(state_file(x, "data.autostart"));

    reload(x);
    pool = marina_storage_registry_lookup(x->registry, "data");
    assert_non_null(pool);
    assert_string_equal(marina_storage_pool_get_config(pool)->uuid, UUID_A);
    assert_string_equal(marina_storage_pool_get_config(pool)->target_path, target);
    assert_false(marina_storage_pool_is_active(pool));
    assert_false(marina_storage_pool_get_autostart(pool));
}

static void
test_redefine_keeps_the_uuid_and_waits_for_stop(void **state)
{
    Fixture *x = *state;
    g_autofree char *moved = storage_fixture_path(x->f, "moved");
    g_autofree char *xml = pool_xml(x, "data", NULL, "again");
    g_autoptr(GError) error = NULL;
    MarinaStoragePool *pool = define(x, "data", UUID_A, "data");

    assert_true(define(x, "data", NULL, "moved") == pool);
    assert_string_equal(marina_storage_pool_get_config(pool)->uuid, UUID_A);
    assert_string_equal(marina_storage_pool_get_config(pool)->target_path, moved);

    assert_null(storage_fixture_start(pool));
    assert_null(marina_storage_registry_define(x->registry, xml, &error));
    storage_fixture_assert_error(error, MARINA_ERROR_ALREADY_RUNNING,
                                 "stop it before redefining it");
    assert_string_equal(marina_storage_pool_get_config(pool)->target_path, moved);

    reload(x);
    pool = marina_storage_registry_lookup(x->registry, "data");
    assert_string_equal(marina_storage_pool_get_config(pool)->uuid, UUID_A);
    assert_string_equal(marina_storage_pool_get_config(pool)->target_path, moved);
}

static void
test_duplicate_uuid_is_refused(void **state)
{
    Fixture *x = *state;
    g_autofree char *xml = pool_xml(x, "b", UUID_A, "b");
    g_autoptr(GError) error = NULL;

    define(x, "a", UUID_A, "a");
    assert_null(marina_storage_registry_define(x->registry, xml, &error));
    storage_fixture_assert_error(error, MARINA_ERROR_ALREADY_EXISTS, "already used by pool 'a'");
    assert_null(marina_storage_registry_lookup(x->registry, "b"));
    assert_false(state_file(x, "b.xml"));
    define(x, "b", UUID_B, "b");
}

static void
test_bad_definitions_are_refused(void **state)
{
    Fixture *x = *state;
    g_autofree char *long_name = g_strnfill(300, 'p');
    g_autofree char *too_long = g_strdup_printf(
        "<pool type='dir'><name>%s</name><target><path>/srv/x</path></target></pool>", long_name);
    const char *bad[] = {
        "",
        "<pool",
        "not xml at all",
        "<pool type='dir'><name>x</name><target><path>/srv/x</path></target>",
        "<pool type='iscsi'><name>x</name><target><path>/srv/x</path></target></pool>",
        "<pool type='dir'><name>a/b</name><target><path>/srv/x</path></target></pool>",
        "<pool type='dir'><name>..</name><target><path>/srv/x</path></target></pool>",
        "<pool type='dir'><name></name><target><path>/srv/x</path></target></pool>",
        "<pool type='dir'><name>x</name></pool>",
        "<pool type='dir'><name>x</name><target><path>relative</path></target></pool>",
        "<!DOCTYPE p [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
        "<pool type='dir'><name>&e;</name><target><path>/srv/x</path></target></pool>",
        too_long,
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        assert_null(marina_storage_registry_define(x->registry, bad[i], &error));
        assert_non_null(error);
        assert_true(error->domain == MARINA_ERROR);
        assert_true(error->message[0] != '\0');
    }
    /* Only the default pool, and only its files. */
    assert_int_equal(g_hash_table_size(marina_storage_registry_get_pools(x->registry)), 1);
    {
        g_autofree char *dir = g_build_filename(x->f->dir, "pools", NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *file;

        while ((file = g_dir_read_name(d)) != NULL)
            assert_true(g_str_has_prefix(file, "default."));
    }
}

static void
test_autostart_is_kept_and_starts_the_pool(void **state)
{
    Fixture *x = *state;
    MarinaStoragePool *pool = define(x, "data", UUID_A, "data");
    g_autoptr(GError) error = NULL;

    assert_true(marina_storage_registry_set_autostart(x->registry, pool, TRUE, &error));
    assert_true(state_file(x, "data.autostart"));
    reload(x);
    pool = marina_storage_registry_lookup(x->registry, "data");
    assert_true(marina_storage_pool_get_autostart(pool));
    assert_true(marina_storage_pool_is_active(pool));

    assert_true(marina_storage_registry_set_autostart(x->registry, pool, FALSE, &error));
    assert_false(state_file(x, "data.autostart"));
    reload(x);
    pool = marina_storage_registry_lookup(x->registry, "data");
    assert_false(marina_storage_pool_get_autostart(pool));
    assert_false(marina_storage_pool_is_active(pool));
}

static void
test_stray_files_are_not_pools(void **state)
{
    Fixture *x = *state;
    g_autofree char *pools = g_build_filename(x->f->dir, "pools", NULL);
    g_autofree char *stray = g_build_filename(pools, "notes~.xml", NULL);
    g_autofree char *renamed = g_build_filename(pools, "other.xml", NULL);
    g_autofree char *broken = g_build_filename(pools, "broken.xml", NULL);
    g_autofree char *xml = pool_xml(x, "different", UUID_B, "d");

    define(x, "data", UUID_A, "data");
    assert_true(g_file_set_contents(stray, xml, -1, NULL));
    assert_true(g_file_set_contents(renamed, xml, -1, NULL));
    assert_true(g_file_set_contents(broken, "<pool type='dir'><name>broken", -1, NULL));
    reload(x);
    assert_int_equal(g_hash_table_size(marina_storage_registry_get_pools(x->registry)), 2);
    assert_non_null(marina_storage_registry_lookup(x->registry, "data"));
    assert_non_null(marina_storage_registry_lookup(x->registry, "default"));
}

static void
on_added(MarinaStoragePool *pool, gpointer data)
{
    ((Fixture *)data)->added++;
}

static void
on_removed(MarinaStoragePool *pool, gpointer data)
{
    ((Fixture *)data)->removed++;
}

static void
test_listener_hears_pools_come_and_go(void **state)
{
    Fixture *x = *state;
    const MarinaStorageListener listener = {on_added, on_removed, x};
    g_autoptr(GError) error = NULL;
    MarinaStoragePool *pool;

    marina_storage_registry_set_listener(x->registry, &listener);
    pool = define(x, "data", UUID_A, "data");
    define(x, "data", UUID_A, "data");
    assert_int_equal(x->added, 1);
    assert_true(marina_storage_registry_undefine(x->registry, pool, &error));
    assert_int_equal(x->removed, 1);
    assert_false(state_file(x, "data.xml"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_load_makes_the_default_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefined_default_stays_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_definitions_survive_a_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redefine_keeps_the_uuid_and_waits_for_stop, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_uuid_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_definitions_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autostart_is_kept_and_starts_the_pool, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stray_files_are_not_pools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listener_hears_pools_come_and_go, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
