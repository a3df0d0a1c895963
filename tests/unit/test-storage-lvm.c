/* The logical backend against a stand-in for LVM (data/fake-lvm on PATH):
 * starting on an existing volume group, logical volumes created, read,
 * grown, copied with qemu-img and removed, LVM's refusals passed on, and the
 * checks the pool makes before LVM is asked. Needs no root, no
 * device-mapper: the "devices" are sparse files. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "lvm-command.h"
#include "storage-fixture.h"

#define MIB (G_GUINT64_CONSTANT(1) << 20)

typedef struct {
    StorageFixture *f;
    MarinaStoragePool *pool;
    char *state; /* the fake LVM's */
    char *dev;   /* where logical volumes appear */
    char *saved_path;
} Fixture;

static const char *const commands[] = {"vgs",      "lvs",      "vgchange", "lvcreate",
                                       "lvremove", "lvresize", NULL};

/* A volume group @vg of @size bytes in the fake LVM's state. */
static void
make_vg(Fixture *x, const char *vg, guint64 size)
{
    g_autofree char *vg_file = g_build_filename(x->state, "vg", NULL);
    g_autofree char *size_file = g_build_filename(x->state, "size", NULL);
    g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT, size);

    assert_true(g_file_set_contents(vg_file, vg, -1, NULL));
    assert_true(g_file_set_contents(size_file, text, -1, NULL));
}

static void
put_fake_lvm_on_path(Fixture *x)
{
    g_autofree char *bin = storage_fixture_path(x->f, "bin");
    g_autofree char *lv = g_build_filename(x->state, "lv", NULL);
    g_autofree char *path = g_strdup_printf("%s:%s", bin, g_getenv("PATH"));

    assert_int_equal(g_mkdir_with_parents(bin, 0700), 0);
    assert_int_equal(g_mkdir_with_parents(lv, 0700), 0);
    assert_int_equal(g_mkdir_with_parents(x->dev, 0700), 0);
    for (const char *const *c = commands; *c != NULL; c++) {
        g_autofree char *link = g_build_filename(bin, *c, NULL);
        assert_int_equal(symlink(MARINA_TEST_DATA "/fake-lvm", link), 0);
    }
    g_setenv("PATH", path, TRUE);
    g_setenv("FAKE_LVM_STATE", x->state, TRUE);
    g_setenv("FAKE_LVM_DEV", x->dev, TRUE);
    g_unsetenv("FAKE_LVM_FAIL");
}

static MarinaStoragePool *
new_logical_pool(Fixture *x)
{
    MarinaPoolConfig *c = g_new0(MarinaPoolConfig, 1);

    c->type = g_strdup("logical");
    c->name = g_strdup("lv");
    c->uuid = g_strdup("4b5d2c3e-6a7b-4c8d-9e0f-112233445566");
    c->source_name = g_strdup("vg0");
    c->target_path = g_strdup(x->dev);
    return marina_storage_pool_new(&x->f->host, x->f->events, c);
}

static int
setup(void **state)
{
    Fixture *x = g_new0(Fixture, 1);

    x->saved_path = g_strdup(g_getenv("PATH"));
    x->f = storage_fixture_new();
    x->state = storage_fixture_path(x->f, "lvm");
    x->dev = storage_fixture_path(x->f, "dev");
    put_fake_lvm_on_path(x);
    x->pool = new_logical_pool(x);
    *state = x;
    return 0;
}

static int
setup_started(void **state)
{
    Fixture *x;

    setup(state);
    x = *state;
    make_vg(x, "vg0", 64 * MIB);
    assert_null(storage_fixture_start(x->pool));
    storage_fixture_clear_seen(x->f);
    return 0;
}

static int
teardown(void **state)
{
    Fixture *x = *state;

    g_setenv("PATH", x->saved_path, TRUE);
    marina_storage_pool_free(x->pool);
    storage_fixture_free(x->f);
    g_free(x->state);
    g_free(x->dev);
    g_free(x->saved_path);
    g_free(x);
    return 0;
}

static GError *
create(MarinaStoragePool *pool, const char *name, const char *format, guint64 capacity)
{
    g_autoptr(MarinaVolumeConfig) c = storage_fixture_volume(name, format, capacity);

    return storage_fixture_create(pool, c);
}

static guint64
capacity_of(MarinaStoragePool *pool, const char *name)
{
    MarinaVolumeStat stat;

    assert_true(marina_storage_pool_stat_volume(pool, name, &stat));
    assert_string_equal(stat.format, "raw");
    assert_true(stat.allocation == stat.capacity);
    return stat.capacity;
}

/* ---------------------------------------------------------------------- */

static void
test_start_reads_the_volume_group(void **state)
{
    Fixture *x = *state;
    const MarinaPoolConfig *c = marina_storage_pool_get_config(x->pool);

    make_vg(x, "vg0", 64 * MIB);
    assert_null(storage_fixture_start(x->pool));
    assert_true(marina_storage_pool_is_active(x->pool));
    assert_true(c->capacity == 64 * MIB);
    assert_true(c->available == 64 * MIB);
    assert_true(c->allocation == 0);
    assert_true(storage_fixture_saw(x->f, "pool-event lv started"));
}

static void
test_start_without_the_group_says_how_to_make_it(void **state)
{
    Fixture *x = *state;
    g_autoptr(GError) error = storage_fixture_start(x->pool);

    storage_fixture_assert_error(error, MARINA_ERROR_OPERATION_FAILED,
                                 "the volume group 'vg0' does not exist");
    assert_false(marina_storage_pool_is_active(x->pool));
}

static void
test_create_read_and_delete_a_logical_volume(void **state)
{
    Fixture *x = *state;
    g_autofree char *device = g_build_filename(x->dev, "disk1", NULL);
    g_autoptr(GError) error = create(x->pool, "disk1", NULL, 8 * MIB);
    g_auto(GStrv) names = NULL;

    assert_null(error);
    assert_true(g_file_test(device, G_FILE_TEST_IS_REGULAR));
    names = marina_storage_pool_list_volumes(x->pool);
    assert_int_equal(g_strv_length(names), 1);
    assert_string_equal(names[0], "disk1");
    assert_true(capacity_of(x->pool, "disk1") == 8 * MIB);
    assert_true(marina_storage_pool_get_config(x->pool)->available == 56 * MIB);
    assert_true(storage_fixture_saw(x->f, "volume-event disk1 created"));

    error = storage_fixture_delete(x->pool, "disk1");
    assert_null(error);
    assert_false(g_file_test(device, G_FILE_TEST_EXISTS));
    assert_false(marina_storage_pool_volume_exists(x->pool, "disk1"));
    assert_true(storage_fixture_saw(x->f, "volume-event disk1 deleted"));
    error = storage_fixture_delete(x->pool, "disk1");
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT,
                                 "There is no volume 'disk1'");
}

static void
test_refused_before_lvm_is_asked(void **state)
{
    Fixture *x = *state;
    g_autoptr(MarinaVolumeConfig) backed = storage_fixture_volume("b", NULL, MIB);
    g_autoptr(MarinaJob) job = NULL;
    g_autoptr(GError) error = create(x->pool, "q", "qcow2", MIB);

    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "raw block devices");
    g_clear_error(&error);
    error = create(x->pool, "snapshot", NULL, MIB);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "LVM reserves it");
    g_clear_error(&error);
    error = create(x->pool, "data_tmeta", NULL, MIB);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "LVM reserves it");
    g_clear_error(&error);
    error = create(x->pool, "big", NULL, 65 * MIB);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "bytes free");
    g_clear_error(&error);
    error = create(x->pool, "../escape", NULL, MIB);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_CONFIG, "not allowed");
    g_clear_error(&error);
    backed->backing_path = g_strdup("/srv/base.img");
    assert_false(
        marina_storage_pool_create_volume(x->pool, backed, storage_fixture_on_job, &job, &error));
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "cannot have a backing");
    assert_null(job);
    {
        g_autofree char *log = NULL;
        g_autofree char *log_file = g_build_filename(x->state, "log", NULL);

        assert_true(g_file_get_contents(log_file, &log, NULL, NULL));
        assert_null(strstr(log, "lvcreate"));
    }
}

static void
test_lvm_refusal_fails_the_job(void **state)
{
    Fixture *x = *state;
    g_autoptr(GError) error = NULL;

    g_setenv("FAKE_LVM_FAIL", "lvcreate", TRUE);
    error = create(x->pool, "disk1", NULL, MIB);
    g_unsetenv("FAKE_LVM_FAIL");
    /* Without device-mapper that is the reason given, whatever LVM said. */
    if (!marina_lvm_lacks_device_mapper(""))
        storage_fixture_assert_error(
            error, MARINA_ERROR_OPERATION_FAILED,
            "Cannot create logical volume 'disk1' in volume group 'vg0': lvcreate "
            "failed as the test asked.");
    else
        storage_fixture_assert_error(
            error, MARINA_ERROR_UNSUPPORTED,
            "Cannot create logical volume 'disk1' in volume group 'vg0': the kernel has "
            "no device-mapper support.");
    assert_false(marina_storage_pool_is_busy(x->pool, "disk1"));
    assert_false(marina_storage_pool_volume_exists(x->pool, "disk1"));
    assert_false(storage_fixture_saw(x->f, "volume-event disk1 created"));
}

static void
test_resize_grows_only(void **state)
{
    Fixture *x = *state;
    g_autoptr(GError) error = create(x->pool, "disk1", NULL, 4 * MIB);

    assert_null(error);
    assert_null(storage_fixture_resize(x->pool, "disk1", 12 * MIB));
    assert_true(capacity_of(x->pool, "disk1") == 12 * MIB);
    assert_true(storage_fixture_saw(x->f, "volume-event disk1 resized"));
    /* LVM rounds to extents: a size it already has is no failure. */
    assert_null(storage_fixture_resize(x->pool, "disk1", 12 * MIB));
    error = storage_fixture_resize(x->pool, "disk1", 4 * MIB);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "Volumes can only grow");
    g_clear_error(&error);
    g_setenv("FAKE_LVM_FAIL", "lvresize", TRUE);
    error = storage_fixture_resize(x->pool, "disk1", 16 * MIB);
    g_unsetenv("FAKE_LVM_FAIL");
    storage_fixture_assert_error(error, MARINA_ERROR_OPERATION_FAILED,
                                 "Logical volume 'disk1' could not be resized: lvresize failed");
    assert_false(marina_storage_pool_is_busy(x->pool, "disk1"));
}

static void
test_clone_copies_the_data(void **state)
{
    Fixture *x = *state;
    g_autofree char *source = g_build_filename(x->dev, "disk1", NULL);
    g_autofree char *copy = g_build_filename(x->dev, "disk2", NULL);
    g_autofree char *data = NULL;
    g_autoptr(MarinaJob) job = NULL;
    g_autoptr(GError) error = create(x->pool, "disk1", NULL, MIB);
    gsize len = 0;
    FILE *f;

    assert_null(error);
    f = fopen(source, "r+");
    assert_non_null(f);
    fputs("marina was here", f);
    fclose(f);
    assert_true(marina_storage_pool_clone_volume(x->pool, "disk1", "disk2", storage_fixture_on_job,
                                                 &job, &error));
    error = storage_fixture_wait_job(job);
    assert_null(error);
    assert_true(capacity_of(x->pool, "disk2") == MIB);
    assert_true(g_file_get_contents(copy, &data, &len, NULL));
    assert_true(len == MIB);
    assert_string_equal(data, "marina was here");
    assert_true(storage_fixture_saw(x->f, "volume-event disk2 created"));
}

static void
test_refresh_sees_what_changed_behind_our_back(void **state)
{
    Fixture *x = *state;
    g_autofree char *lv = g_build_filename(x->state, "lv", "outside", NULL);
    StorageResult result = {0};

    assert_false(marina_storage_pool_volume_exists(x->pool, "outside"));
    assert_true(g_file_set_contents(lv, "2097152", -1, NULL));
    marina_storage_pool_refresh(x->pool, storage_fixture_on_done, &result);
    assert_null(storage_fixture_wait_done(&result));
    assert_true(capacity_of(x->pool, "outside") == 2 * MIB);
    assert_true(storage_fixture_saw(x->f, "pool-event lv refreshed"));
}

static void
test_stop_forgets_the_volumes(void **state)
{
    Fixture *x = *state;
    g_autoptr(GError) error = create(x->pool, "disk1", NULL, MIB);
    g_auto(GStrv) names = NULL;

    assert_null(error);
    assert_null(storage_fixture_stop(x->pool));
    assert_false(marina_storage_pool_is_active(x->pool));
    names = marina_storage_pool_list_volumes(x->pool);
    assert_int_equal(g_strv_length(names), 0);
    assert_true(storage_fixture_saw(x->f, "pool-event lv stopped"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_reads_the_volume_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_without_the_group_says_how_to_make_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_create_read_and_delete_a_logical_volume, setup_started,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refused_before_lvm_is_asked, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_lvm_refusal_fails_the_job, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_resize_grows_only, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_clone_copies_the_data, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_sees_what_changed_behind_our_back,
                                        setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_stop_forgets_the_volumes, setup_started, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
