/* MarinaInstaller's rollback: whatever step fails or is cancelled, what the
 * earlier steps made (the new volumes, the definition) is taken away again
 * before the error is returned. Against a real marinad with its default
 * storage pool; no guest ever boots. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/client.h"
#include "core/installer.h"
#include "harness.h"

typedef struct {
    Harness *h;
    MarinaConnection *connection;
    MarinaHost *host;
} Fixture;

typedef struct {
    GString *steps;          /* "step " for each progress signal */
    GCancellable *cancel_at; /* cancelled at the second disk's creation */
    guint disks_seen;        /* CREATING_DISKS signals with fraction 0 */
} Watch;

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    g_autoptr(GError) error = NULL;

    f->h = harness_new();
    f->connection = marina_connection_open_sync(f->h->uri, NULL, &error);
    assert_non_null(f->connection);
    f->host = marina_host_new(f->connection);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    g_clear_object(&f->host);
    marina_connection_close(f->connection);
    g_clear_object(&f->connection);
    harness_free(f->h);
    g_free(f);
    return 0;
}

static guint
count_images(Fixture *f)
{
    g_autofree char *dir = g_build_filename(f->h->state_dir, "images", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    while (d != NULL && g_dir_read_name(d) != NULL)
        n++;
    return n;
}

static gboolean
image_exists(Fixture *f, const char *name)
{
    g_autofree char *path = g_build_filename(f->h->state_dir, "images", name, NULL);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static void
assert_no_guest(Fixture *f, const char *name)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomain) domain = NULL;

    marina_host_lookup_domain_async(f->host, name, NULL, marina_sync_wait_ready, &r);
    marina_sync_wait(&r);
    domain = marina_host_lookup_domain_finish(f->host, r, &error);
    assert_null(domain);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DOMAIN));
}

static void
on_progress(MarinaInstaller *installer, int step, const char *message, double fraction, Watch *w)
{
    g_string_append_printf(w->steps, "%d ", step);
    if (step == MARINA_INSTALLER_CREATING_DISKS && fraction == 0 && ++w->disks_seen == 2 &&
        w->cancel_at != NULL)
        g_cancellable_cancel(w->cancel_at);
}

/* Two new disks in the default pool, booting once from @iso. */
static MarinaInstallSpec *
two_disk_spec(const char *name, const char *iso)
{
    MarinaInstallSpec *spec = marina_install_spec_new();

    spec->name = g_strdup(name);
    spec->memory_mib = 128;
    spec->method = MARINA_INSTALL_MEDIA;
    spec->media = g_strdup(iso);
    for (int i = 0; i < 2; i++) {
        MarinaInstallDisk *disk = marina_install_disk_new(MARINA_INSTALL_DISK_NEW);
        disk->pool = g_strdup("default");
        disk->size = 16 << 20;
        g_ptr_array_add(spec->disks, disk);
    }
    return spec;
}

static char *
run(MarinaInstaller *installer, GCancellable *cancellable, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;

    marina_installer_run_async(installer, FALSE, cancellable, marina_sync_wait_ready, &r);
    marina_sync_wait(&r);
    return marina_installer_run_finish(installer, r, error);
}

/* Nothing of guest @name is left: no guest, neither disk image, and as many
 * images and stored definitions as before the run. */
static void
assert_nothing_left(Fixture *f, const char *name, guint images, guint definitions)
{
    g_autofree char *first = g_strdup_printf("%s.qcow2", name);
    g_autofree char *second = g_strdup_printf("%s-1.qcow2", name);

    assert_no_guest(f, name);
    assert_false(image_exists(f, first));
    assert_false(image_exists(f, second));
    assert_int_equal(count_images(f), images);
    assert_int_equal(harness_count_definitions(f->h), definitions);
}

/* The guest is defined and both disks made, then the start fails (the ISO
 * is missing): the guest is undefined and both volumes deleted. */
static void
test_failed_start_undefines_and_deletes(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaInstaller) installer =
        marina_installer_new(f->connection, two_disk_spec("rb1", "/nonexistent/missing.iso"));
    Watch w = {.steps = g_string_new(NULL)};
    guint images = count_images(f);
    guint definitions = harness_count_definitions(f->h);
    g_autofree char *path = NULL;
    g_autofree char *steps = NULL;

    g_signal_connect(installer, "progress", G_CALLBACK(on_progress), &w);
    path = run(installer, NULL, &error);
    steps = g_string_free(w.steps, FALSE);
    assert_null(path);
    assert_non_null(error);
    assert_false(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    /* The message names what went wrong, without D-Bus decoration. */
    assert_non_null(strstr(error->message, "missing.iso"));
    assert_null(strstr(error->message, "GDBus.Error"));
    /* It got as far as starting, then cleaned up. */
    assert_non_null(strstr(steps, "2 "));
    assert_non_null(strstr(steps, "4 "));
    assert_non_null(strstr(steps, "5 "));
    assert_nothing_left(f, "rb1", images, definitions);
}

/* Cancelled while the second disk is being created: the first disk, and
 * the second once its job has ended, are deleted; nothing is defined. */
static void
test_cancel_during_disks_deletes_them(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(MarinaInstaller) installer =
        marina_installer_new(f->connection, two_disk_spec("rb2", "/nonexistent/missing.iso"));
    Watch w = {.steps = g_string_new(NULL), .cancel_at = cancellable};
    guint images = count_images(f);
    guint definitions = harness_count_definitions(f->h);
    g_autofree char *path = NULL;
    g_autofree char *steps = NULL;

    g_signal_connect(installer, "progress", G_CALLBACK(on_progress), &w);
    path = run(installer, cancellable, &error);
    steps = g_string_free(w.steps, FALSE);
    assert_null(path);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    assert_int_equal(w.disks_seen, 2);
    assert_null(strstr(steps, "2 ")); /* never defined */
    assert_non_null(strstr(steps, "5 "));
    assert_nothing_left(f, "rb2", images, definitions);
}

/* A check that fails before anything is made leaves nothing to undo. */
static void
test_missing_pool_makes_nothing(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    MarinaInstallSpec *spec = two_disk_spec("rb3", "/nonexistent/missing.iso");
    g_autoptr(MarinaInstaller) installer = NULL;
    Watch w = {.steps = g_string_new(NULL)};
    guint images = count_images(f);
    guint definitions = harness_count_definitions(f->h);
    g_autofree char *path = NULL;
    g_autofree char *steps = NULL;

    g_free(((MarinaInstallDisk *)spec->disks->pdata[1])->pool);
    ((MarinaInstallDisk *)spec->disks->pdata[1])->pool = g_strdup("no-such-pool");
    installer = marina_installer_new(f->connection, spec);
    g_signal_connect(installer, "progress", G_CALLBACK(on_progress), &w);
    path = run(installer, NULL, &error);
    steps = g_string_free(w.steps, FALSE);
    assert_null(path);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    assert_non_null(strstr(error->message, "no-such-pool"));
    assert_null(strstr(steps, "1 ")); /* no disk was created */
    assert_null(strstr(steps, "5 ")); /* nothing to clean up */
    assert_nothing_left(f, "rb3", images, definitions);
}

/* Abandon takes away only what a prepare-only run made: after a run that
 * completed, the guest and its disks are the person's and stay. */
static void
test_abandon_after_run_keeps_the_guest(void **state)
{
    Fixture *f = *state;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    MarinaInstallSpec *spec = two_disk_spec("rb4", NULL);
    g_autoptr(MarinaInstaller) installer = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autofree char *path = NULL;

    spec->method = MARINA_INSTALL_MANUAL;
    installer = marina_installer_new(f->connection, spec);
    path = run(installer, NULL, &error);
    if (path == NULL)
        fail_msg("run: %s", error->message);
    marina_installer_abandon_async(installer, marina_sync_wait_ready, &r);
    marina_sync_wait(&r);
    assert_false(marina_installer_abandon_finish(installer, r, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_FAILED));
    assert_non_null(strstr(error->message, "rb4"));
    assert_true(image_exists(f, "rb4.qcow2"));
    assert_true(image_exists(f, "rb4-1.qcow2"));

    g_clear_object(&r);
    domain = marina_domain_new(f->connection, path);
    marina_domain_undefine_async(domain, MARINA_DOMAIN_UNDEFINE_NONE, NULL, marina_sync_wait_ready,
                                 &r);
    marina_sync_wait(&r);
    assert_true(marina_domain_undefine_finish(domain, r, &error));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_start_undefines_and_deletes),
        cmocka_unit_test(test_cancel_during_disks_deletes_them),
        cmocka_unit_test(test_missing_pool_makes_nothing),
        cmocka_unit_test(test_abandon_after_run_keeps_the_guest),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
