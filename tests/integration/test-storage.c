/* Storage pools and volumes: what a user does with marinactl, every volume
 * checked with qemu-img info; cancelled and refused operations leave nothing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "harness.h"

static char *
images_dir(Harness *h)
{
    return g_build_filename(h->state_dir, "images", NULL);
}

static char *
image(Harness *h, const char *name)
{
    return g_build_filename(h->state_dir, "images", name, NULL);
}

/* qemu-img info --output=json of a file in the default pool. */
static char *
qemu_img_info(Harness *h, const char *name)
{
    g_autofree char *path = image(h, name);
    const char *argv[] = {"qemu-img", "info", "--output=json", path, NULL};
    char *out = NULL;
    int status = -1;

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                             &status, NULL));
    assert_int_equal(status, 0);
    return out;
}

static void
assert_image(Harness *h, const char *name, const char *format, guint64 size)
{
    g_autofree char *info = qemu_img_info(h, name);
    g_autofree char *f = g_strdup_printf("\"format\": \"%s\"", format);
    g_autofree char *s = g_strdup_printf("\"virtual-size\": %" G_GUINT64_FORMAT ",", size);

    if (strstr(info, f) == NULL || strstr(info, s) == NULL)
        fail_msg("%s is not %s of %" G_GUINT64_FORMAT " bytes:\n%s", name, format, size, info);
}

/* A number member of qemu-img's JSON ("actual-size": 123,). */
static guint64
info_number(const char *info, const char *member)
{
    g_autofree char *pattern = g_strdup_printf("\"%s\": ([0-9]+)", member);
    g_autoptr(GRegex) re = g_regex_new(pattern, 0, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;
    g_autofree char *digits = NULL;

    if (!g_regex_match(re, info, 0, &match))
        fail_msg("no %s in:\n%s", member, info);
    digits = g_match_info_fetch(match, 1);
    return g_ascii_strtoull(digits, NULL, 10);
}

static int
ctl(Harness *h, char **out, char **err, const char *a, const char *b, const char *c, const char *d,
    const char *e, const char *f)
{
    return harness_marinactl(h, out, err, a, b, c, d, e, f, NULL);
}

static void
assert_contains(const char *text, const char *fragment)
{
    if (text == NULL || strstr(text, fragment) == NULL)
        fail_msg("'%s' not in:\n%s", fragment, text ? text : "(null)");
}

static guint
count_files(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    while (d != NULL && g_dir_read_name(d) != NULL)
        n++;
    return n;
}

static void
test_default_pool_is_active(void **state)
{
    Harness *h = *state;
    g_autofree char *out = NULL, *info = NULL, *dir = images_dir(h);
    g_autoptr(GVariant) pools = NULL;
    g_autoptr(GError) error = NULL;
    gboolean found = FALSE, active = FALSE, autostart = FALSE;
    guint64 capacity = 0;
    GVariantIter iter;
    const char *name;

    assert_true(marina_dbus_host_call_list_pools_sync(h->host, &pools, NULL, &error));
    g_variant_iter_init(&iter, pools);
    while (g_variant_iter_next(&iter, "(o&sbbttt)", NULL, &name, &active, &autostart, &capacity,
                               NULL, NULL))
        if (g_str_equal(name, "default")) {
            found = TRUE;
            break;
        }
    assert_true(found);
    assert_true(active);
    assert_true(autostart);
    assert_true(capacity > 0);
    assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
    assert_int_equal(ctl(h, &out, NULL, "pool-list", NULL, NULL, NULL, NULL, NULL), 0);
    assert_true(g_regex_match_simple("default +active +yes", out, 0, 0));
    assert_int_equal(ctl(h, &info, NULL, "pool-info", "default", NULL, NULL, NULL, NULL), 0);
    assert_contains(info, "State:          running");
}

static void
test_create_qcow2_and_raw(void **state)
{
    Harness *h = *state;
    g_autofree char *out = NULL, *list = NULL, *info = NULL;

    assert_int_equal(ctl(h, &out, NULL, "vol-create-as", "default", "a.qcow2", "1G", NULL, NULL),
                     0);
    assert_contains(out, "Vol a.qcow2 created");
    assert_image(h, "a.qcow2", "qcow2", 1ULL << 30);
    assert_int_equal(harness_marinactl(h, NULL, NULL, "vol-create-as", "default", "b.raw", "64M",
                                       "--format", "raw", "--allocation=64M", NULL),
                     0);
    assert_image(h, "b.raw", "raw", 64ULL << 20);
    {
        /* Allocated now, not sparse. */
        g_autofree char *path = image(h, "b.raw");
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_true((guint64)st.st_blocks * 512 >= 64ULL << 20);
    }
    assert_int_equal(ctl(h, &list, NULL, "vol-list", "default", NULL, NULL, NULL, NULL), 0);
    assert_contains(list, "a.qcow2");
    assert_contains(list, "b.raw");
    assert_int_equal(ctl(h, &info, NULL, "vol-info", "--pool", "default", "a.qcow2", NULL, NULL),
                     0);
    assert_contains(info, "Capacity:       1.00 GiB");
    assert_contains(info, "Format:         qcow2");
}

static void
test_preallocated_and_sparse(void **state)
{
    Harness *h = *state;
    g_autofree char *full = NULL, *sparse = NULL;

    /* --allocation equal to the size: every byte written now (qcow2 too). */
    assert_int_equal(harness_marinactl(h, NULL, NULL, "vol-create-as", "default", "p.qcow2", "32M",
                                       "--allocation=32M", NULL),
                     0);
    assert_image(h, "p.qcow2", "qcow2", 32ULL << 20);
    full = qemu_img_info(h, "p.qcow2");
    assert_true(info_number(full, "actual-size") >= 32ULL << 20);
    /* No allocation: sparse, nearly nothing on disk. */
    assert_int_equal(harness_marinactl(h, NULL, NULL, "vol-create-as", "default", "s.raw", "64M",
                                       "--format", "raw", NULL),
                     0);
    assert_image(h, "s.raw", "raw", 64ULL << 20);
    sparse = qemu_img_info(h, "s.raw");
    assert_true(info_number(sparse, "actual-size") < 1ULL << 20);
    assert_int_equal(ctl(h, NULL, NULL, "vol-delete", "--pool", "default", "p.qcow2", NULL, NULL),
                     0);
    assert_int_equal(ctl(h, NULL, NULL, "vol-delete", "--pool", "default", "s.raw", NULL, NULL), 0);
}

static void
test_resize_grows_and_refuses_shrink(void **state)
{
    Harness *h = *state;
    g_autofree char *err = NULL;

    assert_int_equal(ctl(h, NULL, NULL, "vol-resize", "--pool", "default", "a.qcow2", "2G", NULL),
                     0);
    assert_image(h, "a.qcow2", "qcow2", 2ULL << 30);
    assert_int_equal(ctl(h, NULL, &err, "vol-resize", "--pool", "default", "a.qcow2", "1G", NULL),
                     1);
    assert_contains(err, "can only grow");
    assert_image(h, "a.qcow2", "qcow2", 2ULL << 30);
}

static void
test_clone_is_an_independent_copy(void **state)
{
    Harness *h = *state;
    g_autofree char *out = NULL, *a = image(h, "a.qcow2"), *c = image(h, "c.qcow2");
    g_autofree char *info = NULL;
    struct stat sa, sc;

    assert_int_equal(
        ctl(h, &out, NULL, "vol-clone", "--pool", "default", "a.qcow2", "c.qcow2", NULL), 0);
    assert_contains(out, "Vol c.qcow2 cloned from a.qcow2");
    assert_image(h, "c.qcow2", "qcow2", 2ULL << 30);
    info = qemu_img_info(h, "c.qcow2");
    assert_null(strstr(info, "backing-filename"));
    assert_int_equal(stat(a, &sa), 0);
    assert_int_equal(stat(c, &sc), 0);
    assert_true(sa.st_ino != sc.st_ino);
}

static void
test_backing_volume(void **state)
{
    Harness *h = *state;
    g_autofree char *base = image(h, "a.qcow2"), *overlay = image(h, "o.qcow2");
    g_autofree char *info = NULL, *vol = NULL, *err = NULL, *expect = NULL;
    guint64 own_size;

    assert_int_equal(harness_marinactl(h, NULL, NULL, "vol-create-as", "default", "o.qcow2", "2G",
                                       "--backing-vol", base, NULL),
                     0);
    assert_image(h, "o.qcow2", "qcow2", 2ULL << 30);
    info = qemu_img_info(h, "o.qcow2");
    expect = g_strdup_printf("\"backing-filename\": \"%s\"", base);
    assert_contains(info, expect);
    assert_contains(info, "\"backing-filename-format\": \"qcow2\"");
    /* Copy-on-write: the overlay holds almost nothing of its own. */
    own_size = info_number(info, "actual-size");
    assert_true(own_size < 1ULL << 20);
    assert_int_equal(ctl(h, &vol, NULL, "vol-info", "--pool", "default", "o.qcow2", NULL, NULL), 0);
    assert_contains(vol, base);
    /* The base is untouched. */
    assert_image(h, "a.qcow2", "qcow2", 2ULL << 30);
    assert_int_equal(ctl(h, NULL, NULL, "vol-delete", "--pool", "default", "o.qcow2", NULL, NULL),
                     0);
    assert_false(g_file_test(overlay, G_FILE_TEST_EXISTS));
    assert_true(g_file_test(base, G_FILE_TEST_EXISTS));

    /* A backing file that is not there is refused, and nothing is written. */
    assert_int_not_equal(harness_marinactl(h, NULL, &err, "vol-create-as", "default", "o2.qcow2",
                                           "1G", "--backing-vol", "/nonexistent/base.qcow2", NULL),
                         0);
    assert_contains(err, "/nonexistent/base.qcow2");
    g_free(overlay);
    overlay = image(h, "o2.qcow2");
    assert_false(g_file_test(overlay, G_FILE_TEST_EXISTS));
}

static void
on_finished(MarinaDBusJob *job, gboolean ok, const char *error, int *result)
{
    *result = ok ? 1 : 0;
}

static void
test_cancelled_clone_leaves_nothing(void **state)
{
    Harness *h = *state;
    g_autofree char *big = image(h, "big.raw"), *copy = image(h, "big2.raw");
    g_autofree char *pool_path = NULL, *job_path = NULL, *vol_path = NULL;
    g_autofree char *cmd = g_strdup_printf("head -c 768M /dev/urandom > '%s'", big);
    g_autoptr(MarinaDBusStorageVolume) vol = NULL;
    g_autoptr(MarinaDBusJob) job = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *err = NULL;
    int result = -1;

    /* Random data: qemu-img must copy every byte, so the clone lasts long
     * enough to be cancelled. */
    assert_int_equal(system(cmd), 0);
    assert_true(
        marina_dbus_host_call_lookup_pool_sync(h->host, "default", &pool_path, NULL, &error));
    vol_path = g_strdup_printf("%s/volume/big_2eraw", pool_path);
    vol = marina_dbus_storage_volume_proxy_new_sync(h->conn, G_DBUS_PROXY_FLAGS_NONE, NULL,
                                                    vol_path, NULL, &error);
    assert_non_null(vol);
    assert_true(
        marina_dbus_storage_volume_call_clone_sync(vol, "big2.raw", &job_path, NULL, &error));
    job = marina_dbus_job_proxy_new_sync(h->conn, G_DBUS_PROXY_FLAGS_NONE, NULL, job_path, NULL,
                                         &error);
    assert_non_null(job);
    g_signal_connect(job, "finished", G_CALLBACK(on_finished), &result);
    assert_true(marina_dbus_job_call_cancel_sync(job, NULL, &error));
    for (int i = 0; i < 1000 && result < 0; i++)
        harness_iterate(20);
    assert_int_equal(result, 0);
    assert_string_equal(marina_dbus_job_get_phase(job), "cancelled");
    assert_false(g_file_test(copy, G_FILE_TEST_EXISTS));
    {
        /* Not even a hidden partial file. */
        g_autofree char *dir = images_dir(h);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL)
            assert_null(strstr(name, "big2"));
    }
    /* And the name is free again. */
    assert_int_equal(ctl(h, NULL, &err, "vol-info", "--pool", "default", "big2.raw", NULL, NULL),
                     1);
    assert_contains(err, "no volume 'big2.raw'");
    unlink(big);
}

static void
on_volume_event(MarinaDBusHost *host, const char *path, const char *pool, const char *name,
                const char *event, GString *seen)
{
    g_string_append_printf(seen, "%s/%s:%s;", pool, name, event);
}

static void
test_delete_removes_the_file(void **state)
{
    Harness *h = *state;
    g_autofree char *c = image(h, "c.qcow2");
    g_autofree char *out = NULL, *list = NULL;
    g_autoptr(GString) seen = g_string_new(NULL);
    gulong id = g_signal_connect(h->host, "volume-event", G_CALLBACK(on_volume_event), seen);

    assert_true(g_file_test(c, G_FILE_TEST_EXISTS));
    assert_int_equal(ctl(h, &out, NULL, "vol-delete", "--pool", "default", "c.qcow2", NULL, NULL),
                     0);
    assert_contains(out, "Vol c.qcow2 deleted");
    assert_false(g_file_test(c, G_FILE_TEST_EXISTS));
    assert_int_equal(ctl(h, &list, NULL, "vol-list", "default", NULL, NULL, NULL, NULL), 0);
    assert_null(strstr(list, "c.qcow2"));
    /* Every client hears of it. */
    for (int i = 0; i < 250 && strstr(seen->str, "default/c.qcow2:deleted") == NULL; i++)
        harness_iterate(20);
    assert_contains(seen->str, "default/c.qcow2:deleted;");
    g_signal_handler_disconnect(h->host, id);
}

static void
on_pool_event(MarinaDBusHost *host, const char *path, const char *name, const char *event,
              GString *seen)
{
    g_string_append_printf(seen, "%s:%s;", name, event);
}

static void
wait_seen(GString *seen, const char *fragment)
{
    for (int i = 0; i < 250 && strstr(seen->str, fragment) == NULL; i++)
        harness_iterate(20);
    assert_contains(seen->str, fragment);
}

static char *write_file(Harness *h, const char *name, const char *text);

/* The Host Details window follows pools and volumes by these signals alone. */
static void
test_events_for_every_change(void **state)
{
    Harness *h = *state;
    g_autoptr(GString) pools = g_string_new(NULL);
    g_autoptr(GString) volumes = g_string_new(NULL);
    gulong pool_id = g_signal_connect(h->host, "pool-event", G_CALLBACK(on_pool_event), pools);
    gulong vol_id = g_signal_connect(h->host, "volume-event", G_CALLBACK(on_volume_event), volumes);
    g_autofree char *target = g_build_filename(h->dir, "ev", NULL);
    g_autofree char *xml = g_strdup_printf("<pool type='dir'><name>ev</name><target><path>%s"
                                           "</path></target></pool>",
                                           target);
    g_autofree char *file = write_file(h, "ev.xml", xml);

    assert_int_equal(ctl(h, NULL, NULL, "pool-define", file, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "pool-start", "ev", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "vol-create-as", "ev", "v.qcow2", "16M", NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "vol-resize", "--pool", "ev", "v.qcow2", "32M", NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "vol-clone", "--pool", "ev", "v.qcow2", "w.qcow2", NULL),
                     0);
    assert_int_equal(ctl(h, NULL, NULL, "vol-delete", "--pool", "ev", "w.qcow2", NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "vol-delete", "--pool", "ev", "v.qcow2", NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "pool-refresh", "ev", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "pool-destroy", "ev", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "pool-undefine", "ev", NULL, NULL, NULL, NULL), 0);

    wait_seen(pools, "ev:undefined;");
    assert_string_equal(pools->str, "ev:defined;ev:started;ev:refreshed;ev:stopped;ev:undefined;");
    wait_seen(volumes, "ev/v.qcow2:deleted;");
    /* A clone is a created volume. */
    assert_string_equal(volumes->str, "ev/v.qcow2:created;ev/v.qcow2:resized;ev/w.qcow2:created;"
                                      "ev/w.qcow2:deleted;ev/v.qcow2:deleted;");
    g_signal_handler_disconnect(h->host, pool_id);
    g_signal_handler_disconnect(h->host, vol_id);
}

static char *
write_file(Harness *h, const char *name, const char *text)
{
    char *path = g_build_filename(h->dir, name, NULL);

    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static void
expect_define_refused(Harness *h, const char *xml, const char *fragment)
{
    g_autofree char *file = write_file(h, "bad-pool.xml", xml);
    g_autofree char *pools = g_build_filename(h->state_dir, "pools", NULL);
    g_autofree char *err = NULL;
    guint before = count_files(pools);

    assert_int_equal(ctl(h, NULL, &err, "pool-define", file, NULL, NULL, NULL, NULL), 1);
    assert_contains(err, fragment);
    assert_int_equal(count_files(pools), before);
}

static void
expect_create_refused(Harness *h, const char *name, const char *size, const char *fragment)
{
    g_autofree char *dir = images_dir(h);
    g_autofree char *err = NULL;
    guint before = count_files(dir);

    assert_int_not_equal(ctl(h, NULL, &err, "vol-create-as", "default", name, size, NULL, NULL), 0);
    assert_contains(err, fragment);
    assert_int_equal(count_files(dir), before);
}

static void
test_bad_input_is_refused_and_writes_nothing(void **state)
{
    Harness *h = *state;

    expect_define_refused(h,
                          "<!DOCTYPE pool [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                          "<pool type='dir'><name>&x;</name><target><path>/tmp/x</path>"
                          "</target></pool>",
                          "error:");
    expect_define_refused(h,
                          "<pool type='dir'><name>rel</name><target><path>images</path>"
                          "</target></pool>",
                          "must be absolute");
    expect_define_refused(h, "<pool type='dir'><name>a/b</name></pool>", "a/b");
    expect_create_refused(h, "x/y.qcow2", "1G", "not allowed");
    expect_create_refused(h, "../escape", "1G", "not allowed");
    expect_create_refused(h, "zero.qcow2", "0", "<capacity>");
    expect_create_refused(h, "huge.qcow2", "100000T", "1 PiB");
    expect_create_refused(h, "word.qcow2", "lots", "is not a size");
    expect_create_refused(h, "a.qcow2", "1G", "already has a volume");
}

static void
test_pool_persists_across_restart(void **state)
{
    Harness *h = *state;
    g_autofree char *target = g_build_filename(h->dir, "extra", NULL);
    g_autofree char *xml = g_strdup_printf("<pool type='dir'><name>extra</name><target><path>%s"
                                           "</path></target></pool>",
                                           target);
    g_autofree char *file = write_file(h, "extra.xml", xml);
    g_autofree char *out = NULL, *list = NULL, *dump = NULL, *err = NULL;

    assert_int_equal(ctl(h, &out, NULL, "pool-define", file, NULL, NULL, NULL, NULL), 0);
    assert_contains(out, "Pool extra defined");
    assert_int_equal(ctl(h, NULL, NULL, "pool-start", "extra", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "pool-autostart", "extra", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "vol-create-as", "extra", "e.qcow2", "16M", NULL, NULL), 0);

    harness_stop_daemon(h, SIGTERM);
    harness_start_daemon(h);
    harness_connect(h);

    assert_int_equal(ctl(h, &list, NULL, "pool-list", "--all", NULL, NULL, NULL, NULL), 0);
    assert_true(g_regex_match_simple("extra +active +yes", list, 0, 0));
    assert_true(g_regex_match_simple("default +active +yes", list, 0, 0));
    assert_int_equal(ctl(h, &dump, NULL, "pool-dumpxml", "extra", NULL, NULL, NULL, NULL), 0);
    assert_contains(dump, target);
    assert_int_equal(ctl(h, NULL, NULL, "vol-info", "--pool", "extra", "e.qcow2", NULL, NULL), 0);

    /* Undefining an active pool is refused; stopped, it goes (its files stay). */
    assert_int_equal(ctl(h, NULL, &err, "pool-undefine", "extra", NULL, NULL, NULL, NULL), 1);
    assert_contains(err, "pool-destroy extra");
    assert_int_equal(ctl(h, NULL, NULL, "pool-destroy", "extra", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "pool-undefine", "extra", NULL, NULL, NULL, NULL), 0);
    g_clear_pointer(&list, g_free);
    assert_int_equal(ctl(h, &list, NULL, "pool-list", "--all", NULL, NULL, NULL, NULL), 0);
    assert_null(strstr(list, "extra"));
}

/* An NFS pool that cannot be mounted says which export and why: the helper is
 * missing (no nfs-common), or mount(8)'s own reason — never just "see dmesg".
 * Nothing listens for NFS on loopback here, so the mount always fails. */
static void
test_netfs_failure_names_the_export(void **state)
{
    Harness *h = *state;
    g_autofree char *target = g_build_filename(h->dir, "nfs", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<pool type='netfs'><name>nfs1</name><source><host name='127.0.0.1'/>"
        "<dir path='/srv/export'/><format type='nfs'/></source><target><path>%s</path>"
        "</target></pool>",
        target);
    g_autofree char *file = write_file(h, "nfs1.xml", xml);
    g_autofree char *err = NULL, *list = NULL;
    g_autofree char *helper = g_find_program_in_path("mount.nfs");

    assert_int_equal(ctl(h, NULL, NULL, "pool-define", file, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, &err, "pool-start", "nfs1", NULL, NULL, NULL, NULL), 1);
    assert_contains(err, "127.0.0.1:/srv/export");
    assert_null(strstr(err, "dmesg"));
    if (helper == NULL && !g_file_test("/sbin/mount.nfs", G_FILE_TEST_EXISTS))
        assert_contains(err, "nfs-common");
    assert_int_equal(ctl(h, &list, NULL, "pool-list", "--all", NULL, NULL, NULL, NULL), 0);
    assert_true(g_regex_match_simple("nfs1 +inactive", list, 0, 0));
    assert_int_equal(ctl(h, NULL, NULL, "pool-undefine", "nfs1", NULL, NULL, NULL, NULL), 0);
}

/* ---------------------------------------------------------------------------------------------
 * Used By: which guests have a volume as a disk, and no deleting it under a running one.
 */

static MarinaDBusStoragePool *
default_pool(Harness *h)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    MarinaDBusStoragePool *pool;

    assert_true(marina_dbus_host_call_lookup_pool_sync(h->host, "default", &path, NULL, &error));
    pool = marina_dbus_storage_pool_proxy_new_sync(h->conn, G_DBUS_PROXY_FLAGS_NONE, NULL, path,
                                                   NULL, &error);
    assert_non_null(pool);
    return pool;
}

/* ListVolumes' used-by of volume @name of the default pool, "a,b"; its object
 * path in @object_path (may be NULL). Fails when the volume is not listed. */
static char *
listed_users(Harness *h, const char *name, char **object_path)
{
    g_autoptr(MarinaDBusStoragePool) pool = default_pool(h);
    g_autoptr(GVariant) volumes = NULL;
    g_autoptr(GError) error = NULL;
    GVariantIter iter;
    const char *path, *vname;
    GVariant *users;

    if (!marina_dbus_storage_pool_call_list_volumes_sync(pool, &volumes, NULL, &error))
        fail_msg("ListVolumes: %s", error->message);
    assert_true(g_variant_is_of_type(volumes, G_VARIANT_TYPE("a(ossttsas)")));
    g_variant_iter_init(&iter, volumes);
    while (g_variant_iter_next(&iter, "(&o&s&stt&s@as)", &path, &vname, NULL, NULL, NULL, NULL,
                               &users)) {
        g_autoptr(GVariant) owned = users;
        g_autofree const char **names = NULL;
        if (!g_str_equal(vname, name))
            continue;
        if (object_path != NULL)
            *object_path = g_strdup(path);
        names = g_variant_get_strv(users, NULL);
        return g_strjoinv(",", (char **)names);
    }
    fail_msg("volume %s is not listed", name);
    return NULL;
}

static MarinaDBusStorageVolume *
volume_proxy(Harness *h, const char *name)
{
    g_autofree char *path = NULL;
    g_autofree char *users = listed_users(h, name, &path);
    g_autoptr(GError) error = NULL;
    MarinaDBusStorageVolume *vol = marina_dbus_storage_volume_proxy_new_sync(
        h->conn, G_DBUS_PROXY_FLAGS_NONE, NULL, path, NULL, &error);

    assert_non_null(vol);
    return vol;
}

/* GetInfo's used-by, "a,b". */
static char *
info_users(Harness *h, const char *name)
{
    g_autoptr(MarinaDBusStorageVolume) vol = volume_proxy(h, name);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree const char **names = NULL;

    if (!marina_dbus_storage_volume_call_get_info_sync(vol, &info, NULL, &error))
        fail_msg("GetInfo of %s: %s", name, error->message);
    assert_true(g_variant_lookup(info, "used-by", "^a&s", &names));
    return g_strjoinv(",", (char **)names);
}

static void
assert_users_are(Harness *h, const char *volume, const char *expect)
{
    g_autofree char *listed = listed_users(h, volume, NULL);
    g_autofree char *info = info_users(h, volume);

    assert_string_equal(listed, expect);
    assert_string_equal(info, expect);
}

static char *
disk_xml(const char *path, const char *format, const char *dev)
{
    return g_strdup_printf("    <disk type='file' device='disk'>\n"
                           "      <driver name='qemu' type='%s'/>\n"
                           "      <source file='%s'/>\n"
                           "      <target dev='%s' bus='virtio'/>\n"
                           "    </disk>\n",
                           format, path, dev);
}

static MarinaDBusDomain *
define_guest_with(Harness *h, const char *name, const char *devices)
{
    g_autofree char *xml = harness_guest_xml(name, devices);

    return harness_define(h, xml);
}

static void
undefine(MarinaDBusDomain *dom)
{
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error))
        fail_msg("Undefine: %s", error->message);
}

static void
test_used_by_shut_off_guests(void **state)
{
    Harness *h = *state;
    g_autofree char *dir = images_dir(h);
    /* Spelled another way than the pool spells it: paths are compared canonically. */
    g_autofree char *odd_spelling = g_strdup_printf("%s/.//u1.qcow2", dir);
    g_autofree char *base = image(h, "u-base.qcow2");
    g_autofree char *overlay = g_build_filename(h->dir, "overlay.qcow2", NULL);
    g_autofree char *d1 = disk_xml(odd_spelling, "qcow2", "vda");
    g_autofree char *d2 = disk_xml(overlay, "qcow2", "vda");
    g_autofree char *devices = NULL;
    g_autofree char *details = NULL, *plain = NULL, *info = NULL, *out = NULL;
    g_autoptr(MarinaDBusDomain) user1 = NULL;
    g_autoptr(MarinaDBusDomain) user2 = NULL;
    g_autoptr(MarinaDBusDomain) user3 = NULL;
    const char *qemu_img[] = {"qemu-img", "create", "-q",    "-f",    "qcow2", "-b",
                              base,       "-F",     "qcow2", overlay, NULL};
    int status = -1;

    assert_int_equal(ctl(h, NULL, NULL, "vol-create-as", "default", "u1.qcow2", "16M", NULL, NULL),
                     0);
    assert_int_equal(
        ctl(h, NULL, NULL, "vol-create-as", "default", "u-base.qcow2", "16M", NULL, NULL), 0);
    assert_users_are(h, "u1.qcow2", "");

    user1 = define_guest_with(h, "user1", d1);
    assert_users_are(h, "u1.qcow2", "user1");
    /* A second guest: names come sorted. */
    devices = disk_xml(odd_spelling, "qcow2", "vdb");
    user3 = define_guest_with(h, "a-user3", devices);
    assert_users_are(h, "u1.qcow2", "a-user3,user1");

    /* An overlay outside the pool whose backing file is a pool volume. */
    assert_true(g_spawn_sync(NULL, (char **)qemu_img, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                             NULL, &status, NULL));
    assert_int_equal(status, 0);
    user2 = define_guest_with(h, "user2", d2);
    assert_users_are(h, "u-base.qcow2", "user2");

    /* marinactl: --details has the column, plain vol-list stays Name / Path. */
    assert_int_equal(harness_marinactl(h, &details, NULL, "vol-list", "default", "--details", NULL),
                     0);
    assert_true(g_regex_match_simple("Used by", details, 0, 0));
    assert_true(g_regex_match_simple("u1\\.qcow2 .* a-user3, user1\\n", details, 0, 0));
    assert_true(g_regex_match_simple("u-base\\.qcow2 .* user2\\n", details, 0, 0));
    assert_int_equal(ctl(h, &plain, NULL, "vol-list", "default", NULL, NULL, NULL, NULL), 0);
    assert_true(g_regex_match_simple("^ Name +Path\\n", plain, 0, 0));
    assert_null(strstr(plain, "user1"));
    assert_null(strstr(plain, "Used by"));
    assert_int_equal(ctl(h, &info, NULL, "vol-info", "--pool", "default", "u1.qcow2", NULL, NULL),
                     0);
    assert_contains(info, "Used by:        a-user3, user1\n");
    g_clear_pointer(&info, g_free);
    assert_int_equal(
        ctl(h, &info, NULL, "vol-info", "--pool", "default", "u-base.qcow2", NULL, NULL), 0);
    assert_contains(info, "Used by:        user2\n");

    /* Only shut-off guests use it: deleting is the user's call. */
    assert_int_equal(ctl(h, &out, NULL, "vol-delete", "--pool", "default", "u1.qcow2", NULL, NULL),
                     0);
    assert_contains(out, "Vol u1.qcow2 deleted");
    {
        g_autofree char *gone = image(h, "u1.qcow2");
        assert_false(g_file_test(gone, G_FILE_TEST_EXISTS));
    }
    undefine(user1);
    undefine(user2);
    undefine(user3);
    assert_users_are(h, "u-base.qcow2", "");
    assert_int_equal(
        ctl(h, NULL, NULL, "vol-delete", "--pool", "default", "u-base.qcow2", NULL, NULL), 0);
    unlink(overlay);
}

static void
assert_delete_refused(Harness *h, const char *volume, const char *guest)
{
    g_autoptr(MarinaDBusStorageVolume) vol = volume_proxy(h, volume);
    g_autoptr(GError) error = NULL;
    g_autofree char *expect = g_strdup_printf("Volume '%s' is in use by running guest '%s'. Shut "
                                              "the guest down first, or remove the disk from it.",
                                              volume, guest);
    g_autofree char *err = NULL;
    g_autofree char *path = image(h, volume);

    assert_false(marina_dbus_storage_volume_call_delete_sync(vol, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_IN_USE));
    assert_contains(error->message, expect);
    /* marinactl says the daemon's words. */
    assert_int_equal(ctl(h, NULL, &err, "vol-delete", "--pool", "default", volume, NULL, NULL), 1);
    assert_contains(err, expect);
    assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
}

/* The real test guest runs with the volume as an extra disk. */
static void
test_running_guest_blocks_delete(void **state)
{
    Harness *h = *state;
    g_autofree char *path = image(h, "run.qcow2");
    g_autofree char *disk = disk_xml(path, "qcow2", "vda");
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *info = NULL;

    assert_int_equal(ctl(h, NULL, NULL, "vol-create-as", "default", "run.qcow2", "16M", NULL, NULL),
                     0);
    dom = define_guest_with(h, "runner", disk);
    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 30000, NULL),
                     MARINA_DOMAIN_RUNNING);
    assert_users_are(h, "run.qcow2", "runner");
    assert_delete_refused(h, "run.qcow2", "runner");
    assert_int_equal(ctl(h, &info, NULL, "vol-info", "--pool", "default", "run.qcow2", NULL, NULL),
                     0);
    assert_contains(info, "Used by:        runner\n");

    /* Paused is still running as far as its disks are concerned. */
    if (!marina_dbus_domain_call_suspend_sync(dom, NULL, &error))
        fail_msg("suspend: %s", error->message);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_PAUSED, 10000, NULL),
                     MARINA_DOMAIN_PAUSED);
    assert_delete_refused(h, "run.qcow2", "runner");

    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 10000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
    /* Shut off, it still uses the volume, but deleting is allowed now. */
    assert_users_are(h, "run.qcow2", "runner");
    assert_int_equal(ctl(h, NULL, NULL, "vol-delete", "--pool", "default", "run.qcow2", NULL, NULL),
                     0);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    undefine(dom);
}

/* Guests whose disks name odd things do not upset listing or GetInfo. */
static void
test_odd_disk_paths_are_harmless(void **state)
{
    Harness *h = *state;
    g_autofree char *fifo = g_build_filename(h->dir, "fifo.qcow2", NULL);
    g_autofree char *dir = images_dir(h);
    g_autofree char *long_name = g_strnfill(3000, 'x');
    g_autofree char *long_path = g_strconcat("/nonexistent/", long_name, NULL);
    g_autofree char *devices = NULL;
    g_autofree char *relative = disk_xml("images/odd.qcow2", "qcow2", "vda");
    g_autofree char *xml = harness_guest_xml("relative", relative);
    g_autofree char *path = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) all = g_string_new(NULL);
    const char *odd[] = {"/nonexistent/dir/../disk.qcow2", fifo, dir, "/dev/null", long_path, "/"};

    /* A relative path never gets into a definition. */
    assert_false(
        marina_dbus_host_call_define_domain_sync(h->host, xml, &path, &warnings, NULL, &error));
    assert_contains(error->message, "must be absolute");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    for (guint i = 0; i < G_N_ELEMENTS(odd); i++) {
        g_autofree char *dev = g_strdup_printf("vd%c", 'a' + i);
        g_autofree char *d = disk_xml(odd[i], "qcow2", dev);
        g_string_append(all, d);
    }
    devices = g_string_free(g_steal_pointer(&all), FALSE);
    dom = define_guest_with(h, "odd", devices);

    assert_int_equal(
        ctl(h, NULL, NULL, "vol-create-as", "default", "plain.raw", "1M", "--format", "raw"), 0);
    assert_users_are(h, "plain.raw", "");
    assert_int_equal(ctl(h, NULL, NULL, "vol-delete", "--pool", "default", "plain.raw", NULL, NULL),
                     0);
    /* The daemon still answers. */
    assert_int_equal(ctl(h, NULL, NULL, "pool-info", "default", NULL, NULL, NULL, NULL), 0);
    undefine(dom);
    unlink(fifo);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_pool_is_active),
        cmocka_unit_test(test_create_qcow2_and_raw),
        cmocka_unit_test(test_preallocated_and_sparse),
        cmocka_unit_test(test_resize_grows_and_refuses_shrink),
        cmocka_unit_test(test_clone_is_an_independent_copy),
        cmocka_unit_test(test_backing_volume),
        cmocka_unit_test(test_cancelled_clone_leaves_nothing),
        cmocka_unit_test(test_delete_removes_the_file),
        cmocka_unit_test(test_events_for_every_change),
        cmocka_unit_test(test_bad_input_is_refused_and_writes_nothing),
        cmocka_unit_test(test_pool_persists_across_restart),
        cmocka_unit_test(test_netfs_failure_names_the_export),
        cmocka_unit_test(test_used_by_shut_off_guests),
        cmocka_unit_test(test_running_guest_blocks_delete),
        cmocka_unit_test(test_odd_disk_paths_are_harmless),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
