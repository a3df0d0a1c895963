/* The dir backend through its pool: image files made, listed, sized, read,
 * grown, copied and deleted with qemu-img, in a temporary directory; names
 * that could escape it refused. No daemon, no D-Bus connection. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <cmocka.h>

#include "core/error.h"
#include "storage-fixture.h"

#define MIB (G_GUINT64_CONSTANT(1) << 20)

typedef struct {
    StorageFixture *f;
    MarinaStoragePool *pool;
    char *target;
} Fixture;

static MarinaStoragePool *
new_dir_pool(StorageFixture *f, const char *target)
{
    MarinaPoolConfig *c = g_new0(MarinaPoolConfig, 1);

    c->type = g_strdup("dir");
    c->name = g_strdup("images");
    c->uuid = g_strdup("4b5d2c3e-6a7b-4c8d-9e0f-112233445566");
    c->target_path = g_strdup(target);
    return marina_storage_pool_new(&f->host, f->events, c);
}

static int
setup(void **state)
{
    Fixture *x = g_new0(Fixture, 1);

    x->f = storage_fixture_new();
    x->target = storage_fixture_path(x->f, "pool");
    x->pool = new_dir_pool(x->f, x->target);
    *state = x;
    return 0;
}

static int
setup_started(void **state)
{
    Fixture *x;

    setup(state);
    x = *state;
    assert_null(storage_fixture_start(x->pool));
    storage_fixture_clear_seen(x->f);
    return 0;
}

static int
teardown(void **state)
{
    Fixture *x = *state;

    marina_storage_pool_free(x->pool);
    storage_fixture_free(x->f);
    g_free(x->target);
    g_free(x);
    return 0;
}

static void
create_ok(MarinaStoragePool *pool, const char *name, const char *format, guint64 capacity)
{
    g_autoptr(MarinaVolumeConfig) c = storage_fixture_volume(name, format, capacity);
    g_autoptr(GError) error = storage_fixture_create(pool, c);

    assert_null(error);
}

static gboolean
listed(MarinaStoragePool *pool, const char *name)
{
    g_auto(GStrv) names = marina_storage_pool_list_volumes(pool);

    return g_strv_contains((const char *const *)names, name);
}

typedef struct {
    gboolean done;
    MarinaVolumeConfig *info;
    GError *error;
} InfoResult;

static void
on_info(MarinaStoragePool *pool, const MarinaVolumeConfig *info, const GError *error, gpointer data)
{
    InfoResult *result = data;

    result->done = TRUE;
    if (info != NULL) {
        result->info = g_new0(MarinaVolumeConfig, 1);
        result->info->name = g_strdup(info->name);
        result->info->path = g_strdup(info->path);
        result->info->format = g_strdup(info->format);
        result->info->capacity = info->capacity;
        result->info->backing_path = g_strdup(info->backing_path);
    }
    result->error = error != NULL ? g_error_copy(error) : NULL;
}

static MarinaVolumeConfig *
info(MarinaStoragePool *pool, const char *name, GError **error)
{
    InfoResult result = {0};

    marina_storage_pool_volume_info(pool, name, on_info, &result);
    while (!result.done)
        g_main_context_iteration(NULL, TRUE);
    *error = result.error;
    return result.info;
}

/* ---------------------------------------------------------------------- */

static void
test_start_makes_directory_and_sweeps_leftovers(void **state)
{
    Fixture *x = *state;
    g_autofree char *part = g_build_filename(x->target, ".old.img.part", NULL);
    const MarinaPoolConfig *c = marina_storage_pool_get_config(x->pool);

    assert_int_equal(g_mkdir_with_parents(x->target, 0700), 0);
    assert_true(g_file_set_contents(part, "half", -1, NULL));
    assert_null(storage_fixture_start(x->pool));
    assert_false(g_file_test(part, G_FILE_TEST_EXISTS));
    assert_true(storage_fixture_saw(x->f, "pool-event images started"));
    assert_true(c->capacity > 0 && c->available <= c->capacity);

    assert_null(storage_fixture_stop(x->pool));
    assert_false(marina_storage_pool_is_active(x->pool));
    assert_true(storage_fixture_saw(x->f, "pool-event images stopped"));
}

static void
test_create_raw_volume(void **state)
{
    Fixture *x = *state;
    g_autofree char *path = g_build_filename(x->target, "a.img", NULL);
    g_autofree char *part = g_build_filename(x->target, ".a.img.part", NULL);
    MarinaVolumeStat stat;

    create_ok(x->pool, "a.img", "raw", MIB);
    assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    assert_false(g_file_test(part, G_FILE_TEST_EXISTS));
    assert_true(listed(x->pool, "a.img"));
    assert_true(marina_storage_pool_stat_volume(x->pool, "a.img", &stat));
    assert_string_equal(stat.format, "raw");
    assert_true(stat.capacity == MIB);
    /* Sparse: nothing written yet. */
    assert_true(stat.allocation < MIB);
    assert_true(storage_fixture_saw(x->f, "volume-event a.img created"));
}

static void
test_create_qcow2_by_default_and_read_it_back(void **state)
{
    Fixture *x = *state;
    g_autoptr(MarinaVolumeConfig) c = storage_fixture_volume("disk.qcow2", NULL, 2 * MIB);
    g_autoptr(GError) error = storage_fixture_create(x->pool, c);
    g_autoptr(MarinaVolumeConfig) read = NULL;
    g_autofree char *path = g_build_filename(x->target, "disk.qcow2", NULL);
    MarinaVolumeStat stat;

    assert_null(error);
    assert_string_equal(c->format, "qcow2");
    assert_true(marina_storage_pool_stat_volume(x->pool, "disk.qcow2", &stat));
    assert_string_equal(stat.format, "qcow2");
    assert_true(stat.capacity == 2 * MIB);
    read = info(x->pool, "disk.qcow2", &error);
    assert_null(error);
    assert_string_equal(read->format, "qcow2");
    assert_string_equal(read->path, path);
    assert_true(read->capacity == 2 * MIB);
}

static void
test_create_with_backing_volume(void **state)
{
    Fixture *x = *state;
    g_autofree char *base = g_build_filename(x->target, "base.qcow2", NULL);
    g_autoptr(MarinaVolumeConfig) c = storage_fixture_volume("top.qcow2", "qcow2", MIB);
    g_autoptr(MarinaVolumeConfig) missing = storage_fixture_volume("lost.qcow2", "qcow2", MIB);
    g_autoptr(MarinaVolumeConfig) read = NULL;
    g_autoptr(GError) error = NULL;

    create_ok(x->pool, "base.qcow2", "qcow2", MIB);
    c->backing_path = g_strdup(base);
    error = storage_fixture_create(x->pool, c);
    assert_null(error);
    assert_string_equal(c->backing_format, "qcow2");
    read = info(x->pool, "top.qcow2", &error);
    assert_null(error);
    assert_string_equal(read->backing_path, base);

    missing->backing_path = g_build_filename(x->target, "nothing.qcow2", NULL);
    error = storage_fixture_create(x->pool, missing);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_CONFIG, "does not exist");
}

static void
test_names_taken_or_busy_are_refused(void **state)
{
    Fixture *x = *state;
    g_autoptr(MarinaVolumeConfig) c = storage_fixture_volume("a.img", "raw", MIB);
    g_autoptr(MarinaVolumeConfig) again = storage_fixture_volume("a.img", "raw", MIB);
    g_autoptr(MarinaJob) job = NULL;
    g_autoptr(GError) error = NULL;

    assert_true(
        marina_storage_pool_create_volume(x->pool, c, storage_fixture_on_job, &job, &error));
    /* While the job writes it, the name is taken but the volume not listed. */
    assert_true(marina_storage_pool_is_busy(x->pool, "a.img"));
    assert_true(marina_storage_pool_volume_exists(x->pool, "a.img"));
    assert_false(listed(x->pool, "a.img"));
    assert_false(
        marina_storage_pool_create_volume(x->pool, again, storage_fixture_on_job, NULL, &error));
    storage_fixture_assert_error(error, MARINA_ERROR_ALREADY_EXISTS,
                                 "already has a volume 'a.img'");
    g_clear_error(&error);
    error = storage_fixture_delete(x->pool, "a.img");
    storage_fixture_assert_error(error, MARINA_ERROR_OPERATION_FAILED, "being written by a job");
    g_clear_error(&error);

    error = storage_fixture_wait_job(job);
    assert_null(error);
    assert_false(marina_storage_pool_is_busy(x->pool, "a.img"));
    error = storage_fixture_create(x->pool, again);
    storage_fixture_assert_error(error, MARINA_ERROR_ALREADY_EXISTS,
                                 "already has a volume 'a.img'");
}

static void
test_hostile_names_are_refused(void **state)
{
    Fixture *x = *state;
    g_autofree char *long_name = g_strnfill(201, 'a');
    const char *names[] = {"", "a/b", "..", "../escape", ".hidden", "-rf", "a b", "x\n", long_name};
    g_autofree char *outside = storage_fixture_path(x->f, "escape");

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(MarinaVolumeConfig) c = storage_fixture_volume(names[i], "raw", MIB);
        g_autoptr(GError) error = storage_fixture_create(x->pool, c);

        assert_non_null(error);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    }
    assert_false(g_file_test(outside, G_FILE_TEST_EXISTS));
    {
        g_auto(GStrv) left = marina_storage_pool_list_volumes(x->pool);
        assert_int_equal(g_strv_length(left), 0);
    }
}

static void
test_path_outside_the_pool_is_refused(void **state)
{
    Fixture *x = *state;
    g_autoptr(MarinaVolumeConfig) c = storage_fixture_volume("a.img", "raw", MIB);
    g_autoptr(GError) error = NULL;

    c->path = storage_fixture_path(x->f, "a.img");
    error = storage_fixture_create(x->pool, c);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_CONFIG, "<target><path> must be");
    assert_false(g_file_test(c->path, G_FILE_TEST_EXISTS));
}

static void
test_preallocation_beyond_free_space_is_refused(void **state)
{
    Fixture *x = *state;
    g_autoptr(MarinaVolumeConfig) c =
        storage_fixture_volume("big.img", "raw", G_GUINT64_CONSTANT(1) << 49);
    g_autoptr(GError) error = NULL;

    c->has_allocation = TRUE;
    c->allocation = c->capacity;
    error = storage_fixture_create(x->pool, c);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "bytes free");
}

static void
test_delete(void **state)
{
    Fixture *x = *state;
    g_autofree char *path = g_build_filename(x->target, "a.img", NULL);
    g_autoptr(GError) error = NULL;

    create_ok(x->pool, "a.img", "raw", MIB);
    error = storage_fixture_delete(x->pool, "a.img");
    assert_null(error);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    assert_true(storage_fixture_saw(x->f, "volume-event a.img deleted"));
    error = storage_fixture_delete(x->pool, "a.img");
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT,
                                 "There is no volume 'a.img'");
}

static void
test_delete_refused_while_a_running_guest_uses_it(void **state)
{
    Fixture *x = *state;
    g_autofree char *path = g_build_filename(x->target, "a.img", NULL);
    g_autoptr(GError) error = NULL;

    create_ok(x->pool, "a.img", "raw", MIB);
    storage_fixture_add_running_guest(x->f, path);
    error = storage_fixture_delete(x->pool, "a.img");
    storage_fixture_assert_error(error, MARINA_ERROR_IN_USE, "running guest 'guest-1'");
    assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
}

static void
test_resize_grows_only(void **state)
{
    Fixture *x = *state;
    g_autoptr(GError) error = NULL;
    MarinaVolumeStat stat;

    create_ok(x->pool, "a.img", "raw", 2 * MIB);
    create_ok(x->pool, "b.qcow2", "qcow2", 2 * MIB);
    assert_null(storage_fixture_resize(x->pool, "a.img", 3 * MIB));
    assert_null(storage_fixture_resize(x->pool, "b.qcow2", 4 * MIB));
    assert_true(marina_storage_pool_stat_volume(x->pool, "a.img", &stat));
    assert_true(stat.capacity == 3 * MIB);
    assert_true(marina_storage_pool_stat_volume(x->pool, "b.qcow2", &stat));
    assert_true(stat.capacity == 4 * MIB);
    assert_true(storage_fixture_saw(x->f, "volume-event b.qcow2 resized"));

    error = storage_fixture_resize(x->pool, "a.img", MIB);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "Volumes can only grow");
    g_clear_error(&error);
    error = storage_fixture_resize(x->pool, "a.img", G_GUINT64_CONSTANT(1) << 51);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "larger than 1 PiB");
    g_clear_error(&error);
    error = storage_fixture_resize(x->pool, "missing.img", 4 * MIB);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT, "There is no volume");
    assert_true(marina_storage_pool_stat_volume(x->pool, "a.img", &stat));
    assert_true(stat.capacity == 3 * MIB);
}

static void
test_clone(void **state)
{
    Fixture *x = *state;
    g_autoptr(MarinaJob) job = NULL;
    g_autoptr(GError) error = NULL;
    MarinaVolumeStat stat;

    create_ok(x->pool, "a.qcow2", "qcow2", 3 * MIB);
    assert_true(marina_storage_pool_clone_volume(x->pool, "a.qcow2", "b.qcow2",
                                                 storage_fixture_on_job, &job, &error));
    assert_false(listed(x->pool, "b.qcow2"));
    error = storage_fixture_wait_job(job);
    assert_null(error);
    assert_true(marina_storage_pool_stat_volume(x->pool, "b.qcow2", &stat));
    assert_string_equal(stat.format, "qcow2");
    assert_true(stat.capacity == 3 * MIB);
    assert_true(storage_fixture_saw(x->f, "volume-event b.qcow2 created"));

    assert_false(marina_storage_pool_clone_volume(x->pool, "a.qcow2", "b.qcow2",
                                                  storage_fixture_on_job, NULL, &error));
    storage_fixture_assert_error(error, MARINA_ERROR_ALREADY_EXISTS,
                                 "already has a volume 'b.qcow2'");
    g_clear_error(&error);
    assert_false(marina_storage_pool_clone_volume(x->pool, "none.qcow2", "c.qcow2",
                                                  storage_fixture_on_job, NULL, &error));
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT,
                                 "There is no volume 'none.qcow2'");
    g_clear_error(&error);
    assert_false(marina_storage_pool_clone_volume(x->pool, "a.qcow2", "../c.qcow2",
                                                  storage_fixture_on_job, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
}

static void
test_only_regular_files_with_valid_names_are_volumes(void **state)
{
    Fixture *x = *state;
    g_autofree char *link = g_build_filename(x->target, "link.img", NULL);
    g_autofree char *hidden = g_build_filename(x->target, ".hidden", NULL);
    g_autofree char *sub = g_build_filename(x->target, "sub", NULL);
    g_auto(GStrv) names = NULL;
    g_autoptr(MarinaVolumeConfig) read = NULL;
    g_autoptr(GError) error = NULL;

    create_ok(x->pool, "a.img", "raw", MIB);
    assert_int_equal(symlink("/etc/hostname", link), 0);
    assert_true(g_file_set_contents(hidden, "x", -1, NULL));
    assert_int_equal(g_mkdir(sub, 0700), 0);
    names = marina_storage_pool_list_volumes(x->pool);
    assert_int_equal(g_strv_length(names), 1);
    assert_string_equal(names[0], "a.img");
    /* A symbolic link could point anywhere: never read as a volume. */
    read = info(x->pool, "link.img", &error);
    assert_null(read);
    storage_fixture_assert_error(error, MARINA_ERROR_INVALID_ARGUMENT,
                                 "There is no volume 'link.img'");
}

static void
test_inactive_pool_refuses_volume_operations(void **state)
{
    Fixture *x = *state;
    g_autoptr(MarinaVolumeConfig) c = storage_fixture_volume("a.img", "raw", MIB);
    g_autoptr(GError) error = storage_fixture_create(x->pool, c);

    storage_fixture_assert_error(error, MARINA_ERROR_NOT_RUNNING, "Pool 'images' is not active");
    g_clear_error(&error);
    error = storage_fixture_delete(x->pool, "a.img");
    storage_fixture_assert_error(error, MARINA_ERROR_NOT_RUNNING, "marinactl pool-start images");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_makes_directory_and_sweeps_leftovers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_create_raw_volume, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_create_qcow2_by_default_and_read_it_back,
                                        setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_create_with_backing_volume, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_names_taken_or_busy_are_refused, setup_started,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hostile_names_are_refused, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_path_outside_the_pool_is_refused, setup_started,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_preallocation_beyond_free_space_is_refused,
                                        setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_delete_refused_while_a_running_guest_uses_it,
                                        setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_resize_grows_only, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_clone, setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_only_regular_files_with_valid_names_are_volumes,
                                        setup_started, teardown),
        cmocka_unit_test_setup_teardown(test_inactive_pool_refuses_volume_operations, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
