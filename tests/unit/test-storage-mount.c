/* fs and netfs pools: what is refused before anything is mounted (a source
 * that is not a block device, a file system with no mount helper), and how
 * a mount point is recognised. Nothing here mounts. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "storage-fixture.h"
#include "storage-mount.h"

typedef struct {
    StorageFixture *f;
    MarinaStoragePool *pool;
} Fixture;

static int
setup(void **state)
{
    Fixture *x = g_new0(Fixture, 1);

    x->f = storage_fixture_new();
    *state = x;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *x = *state;

    marina_storage_pool_free(x->pool);
    storage_fixture_free(x->f);
    g_free(x);
    return 0;
}

static MarinaStoragePool *
new_pool(Fixture *x, const char *type)
{
    MarinaPoolConfig *c = g_new0(MarinaPoolConfig, 1);

    c->type = g_strdup(type);
    c->name = g_strdup("disk");
    c->uuid = g_strdup("4b5d2c3e-6a7b-4c8d-9e0f-112233445566");
    c->target_path = storage_fixture_path(x->f, "mnt");
    x->pool = marina_storage_pool_new(&x->f->host, x->f->events, c);
    return x->pool;
}

/* The config is the pool's; the test fills in its source. */
static MarinaPoolConfig *
config_of(MarinaStoragePool *pool)
{
    return (MarinaPoolConfig *)marina_storage_pool_get_config(pool);
}

static void
test_fs_refuses_what_is_not_a_block_device(void **state)
{
    Fixture *x = *state;
    MarinaStoragePool *pool = new_pool(x, "fs");
    g_autofree char *file = storage_fixture_path(x->f, "disk.img");
    g_autoptr(GError) error = NULL;

    assert_true(g_file_set_contents(file, "not a disk", -1, NULL));
    config_of(pool)->source_device = g_strdup(file);
    error = storage_fixture_start(pool);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_CONFIG, "is not a block device");
    assert_false(marina_storage_pool_is_active(pool));
    assert_false(g_file_test(config_of(pool)->target_path, G_FILE_TEST_EXISTS));

    g_clear_error(&error);
    g_free(config_of(pool)->source_device);
    config_of(pool)->source_device = g_strdup("/nonexistent/sdz1");
    error = storage_fixture_start(pool);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_CONFIG, "/nonexistent/sdz1");
    assert_false(storage_fixture_saw(x->f, "pool-event disk started"));
}

static void
test_netfs_without_a_mount_helper_says_what_to_install(void **state)
{
    Fixture *x = *state;
    MarinaStoragePool *pool = new_pool(x, "netfs");
    g_autoptr(GError) error = NULL;

    config_of(pool)->source_host = g_strdup("nas.example");
    config_of(pool)->source_dir = g_strdup("/export/images");
    config_of(pool)->source_format = g_strdup("marinafs");
    error = storage_fixture_start(pool);
    storage_fixture_assert_error(error, MARINA_ERROR_UNSUPPORTED,
                                 "cannot mount nas.example:/export/images: this host has no "
                                 "mount.marinafs helper");
    assert_false(marina_storage_pool_is_active(pool));
}

static void
test_mount_points_are_recognised(void **state)
{
    Fixture *x = *state;

    assert_true(marina_storage_is_mounted("/"));
    assert_false(marina_storage_is_mounted(x->f->dir));
    assert_false(marina_storage_is_mounted(""));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fs_refuses_what_is_not_a_block_device, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_netfs_without_a_mount_helper_says_what_to_install,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_mount_points_are_recognised, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
