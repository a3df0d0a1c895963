/* An 'fs' pool: a file system on a block device (a loop device here),
 * mounted by the daemon when the pool starts. The test runs in its own mount
 * namespace (the daemon inherits it), so no mount leaks to the host. */
#include "config.h"

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "harness.h"

static char *loop_device;

static char *
run(const char *cmd)
{
    char *out = NULL;
    int status = -1;
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out, NULL, &status, NULL));
    if (status != 0)
        fail_msg("'%s' failed", cmd);
    return g_strstrip(out);
}

static gboolean
mounted(const char *dir)
{
    g_autofree char *text = NULL;
    g_autofree char *needle = g_strdup_printf(" %s ", dir);

    assert_true(g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL));
    return strstr(text, needle) != NULL;
}

static void
assert_contains(const char *text, const char *fragment)
{
    if (text == NULL || strstr(text, fragment) == NULL)
        fail_msg("'%s' not in:\n%s", fragment, text ? text : "(null)");
}

static void
test_fs_pool_mounts_and_holds_volumes(void **state)
{
    Harness *h = *state;
    g_autofree char *img = g_build_filename(h->dir, "fs.img", NULL);
    g_autofree char *target = g_build_filename(h->dir, "mnt", NULL);
    g_autofree char *vol = g_build_filename(target, "v.qcow2", NULL);
    g_autofree char *cmd = NULL, *xml = NULL, *file = NULL, *info = NULL, *out = NULL;

    cmd = g_strdup_printf("truncate -s 96M '%s' && losetup -f --show '%s'", img, img);
    loop_device = run(cmd);
    g_free(cmd);
    cmd = g_strdup_printf("mkfs.ext4 -q '%s'", loop_device);
    g_free(run(cmd));

    xml = g_strdup_printf("<pool type='fs'><name>disk</name><source><device path='%s'/>"
                          "<format type='ext4'/></source><target><path>%s</path></target>"
                          "</pool>",
                          loop_device, target);
    file = g_build_filename(h->dir, "fs-pool.xml", NULL);
    assert_true(g_file_set_contents(file, xml, -1, NULL));
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-define", file, NULL), 0);
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-start", "disk", NULL), 0);
    assert_true(mounted(target));
    assert_int_equal(harness_marinactl(h, &info, NULL, "pool-info", "disk", NULL), 0);
    /* The size of the file system, not of the host's. */
    assert_true(g_regex_match_simple("Capacity: +(8[0-9]|9[0-9])\\.[0-9]+ MiB", info, 0, 0));

    assert_int_equal(
        harness_marinactl(h, NULL, NULL, "vol-create-as", "disk", "v.qcow2", "32M", NULL), 0);
    g_free(cmd);
    cmd = g_strdup_printf("qemu-img info --output=json '%s'", vol);
    out = run(cmd);
    assert_contains(out, "\"virtual-size\": 33554432,");
    assert_contains(out, "\"format\": \"qcow2\"");

    /* Stopped, the file system is unmounted and the volume is out of sight... */
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-destroy", "disk", NULL), 0);
    assert_false(mounted(target));
    assert_false(g_file_test(vol, G_FILE_TEST_EXISTS));
    /* ...and back when it starts again. */
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-start", "disk", NULL), 0);
    assert_true(g_file_test(vol, G_FILE_TEST_EXISTS));
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-destroy", "disk", NULL), 0);
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-undefine", "disk", NULL), 0);
}

static void
test_fs_pool_refuses_a_file_as_device(void **state)
{
    Harness *h = *state;
    g_autofree char *target = g_build_filename(h->dir, "mnt2", NULL);
    g_autofree char *xml = g_strdup_printf("<pool type='fs'><name>notdev</name><source>"
                                           "<device path='/etc/hostname'/></source>"
                                           "<target><path>%s</path></target></pool>",
                                           target);
    g_autofree char *file = g_build_filename(h->dir, "notdev.xml", NULL);
    g_autofree char *err = NULL;

    assert_true(g_file_set_contents(file, xml, -1, NULL));
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-define", file, NULL), 0);
    assert_int_equal(harness_marinactl(h, NULL, &err, "pool-start", "notdev", NULL), 1);
    assert_contains(err, "not a block device");
    assert_false(mounted(target));
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-undefine", "notdev", NULL), 0);
}

static int
teardown(void **state)
{
    if (loop_device != NULL) {
        g_autofree char *cmd = g_strdup_printf("losetup -d '%s'", loop_device);
        if (system(cmd) != 0)
            fprintf(stderr, "could not detach %s\n", loop_device);
    }
    return harness_group_teardown(state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fs_pool_mounts_and_holds_volumes),
        cmocka_unit_test(test_fs_pool_refuses_a_file_as_device),
    };

    /* Mounting needs root and loop devices; 77 tells meson "skipped". */
    if (geteuid() != 0 || access("/dev/loop-control", W_OK) != 0) {
        fprintf(stderr, "skipped: needs root and loop devices\n");
        return 77;
    }
    if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        fprintf(stderr, "skipped: cannot make a private mount namespace\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, harness_group_setup, teardown);
}
