/* A 'logical' pool: an LVM volume group on a loop device, built by the
 * daemon when the pool starts. Volumes need device-mapper in the kernel;
 * where it is missing, the test checks that the daemon says so clearly and
 * leaves nothing behind. The volume group's name is unique per run and is
 * removed, with the loop device, in the teardown whatever happened. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char *loop_device;
static char *vg;

static char *
run_status(const char *cmd, int *status)
{
    char *out = NULL;
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out, NULL, status, NULL));
    return g_strstrip(out);
}

static char *
run(const char *cmd)
{
    int status = -1;
    char *out = run_status(cmd, &status);

    if (status != 0)
        fail_msg("'%s' failed", cmd);
    return out;
}

static void
assert_contains(const char *text, const char *fragment)
{
    if (text == NULL || strstr(text, fragment) == NULL)
        fail_msg("'%s' not in:\n%s", fragment, text ? text : "(null)");
}

static gboolean
have_device_mapper(void)
{
    int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

static char *
write_pool(Harness *h, const char *file, const char *xml)
{
    char *path = g_build_filename(h->dir, file, NULL);

    assert_true(g_file_set_contents(path, xml, -1, NULL));
    return path;
}

static gboolean
vg_exists(const char *name)
{
    g_autofree char *cmd = g_strdup_printf("vgs --noheadings -o vg_name '%s' 2>/dev/null", name);
    int status = -1;
    g_autofree char *out = run_status(cmd, &status);

    return status == 0 && g_str_equal(out, name);
}

static void
on_pool_event(MarinaDBusHost *host, const char *path, const char *name, const char *event,
              GString *seen)
{
    g_string_append_printf(seen, "%s:%s;", name, event);
}

static void
on_volume_event(MarinaDBusHost *host, const char *path, const char *pool, const char *name,
                const char *event, GString *seen)
{
    g_string_append_printf(seen, "%s/%s:%s;", pool, name, event);
}

static void
wait_for(GString *seen, const char *fragment)
{
    for (int i = 0; i < 250 && strstr(seen->str, fragment) == NULL; i++)
        harness_iterate(20);
    assert_contains(seen->str, fragment);
}

/* qemu-img info of a logical volume: raw, @size bytes. */
static void
assert_lv_image(const char *name, guint64 size)
{
    g_autofree char *cmd =
        g_strdup_printf("qemu-img info --output=json -f raw '/dev/%s/%s'", vg, name);
    g_autofree char *out = run(cmd);
    g_autofree char *s = g_strdup_printf("\"virtual-size\": %" G_GUINT64_FORMAT ",", size);

    assert_contains(out, "\"format\": \"raw\"");
    assert_contains(out, s);
}

/* A guest naming the logical volume by its device-mapper node (/dev/dm-N,
 * not /dev/VG/disk1 as the pool does) uses it. */
static void
used_by_a_guest(Harness *h)
{
    g_autofree char *cmd = g_strdup_printf("readlink -f '/dev/%s/disk1'", vg);
    g_autofree char *node = run(cmd);
    g_autofree char *disk = g_strdup_printf("    <disk type='block' device='disk'>\n"
                                            "      <driver name='qemu' type='raw'/>\n"
                                            "      <source dev='%s'/>\n"
                                            "      <target dev='vda' bus='virtio'/>\n"
                                            "    </disk>\n",
                                            node);
    g_autofree char *xml = harness_guest_xml("lv-user", disk);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GError) error = NULL;
    g_autofree char *list = NULL, *info = NULL;

    assert_int_equal(harness_marinactl(h, &list, NULL, "vol-list", "lv", "--details", NULL), 0);
    assert_true(g_regex_match_simple("disk1 .* lv-user\n", list, 0, 0));
    assert_int_equal(harness_marinactl(h, &info, NULL, "vol-info", "--pool", "lv", "disk1", NULL),
                     0);
    assert_contains(info, "Used by:        lv-user\n");
    if (!marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error))
        fail_msg("Undefine: %s", error->message);
}

static void
volume_operations(Harness *h)
{
    g_autofree char *out = NULL, *err = NULL, *list = NULL, *info = NULL;
    g_autoptr(GString) seen = g_string_new(NULL);
    gulong id = g_signal_connect(h->host, "volume-event", G_CALLBACK(on_volume_event), seen);

    assert_int_equal(harness_marinactl(h, &out, NULL, "vol-create-as", "lv", "disk1", "16M", NULL),
                     0);
    assert_lv_image("disk1", 16ULL << 20);
    assert_int_equal(harness_marinactl(h, &list, NULL, "vol-list", "lv", NULL), 0);
    assert_contains(list, "disk1");
    assert_int_equal(harness_marinactl(h, &info, NULL, "vol-info", "--pool", "lv", "disk1", NULL),
                     0);
    assert_contains(info, "Format:         raw");
    used_by_a_guest(h);

    assert_int_equal(
        harness_marinactl(h, NULL, NULL, "vol-resize", "--pool", "lv", "disk1", "24M", NULL), 0);
    assert_lv_image("disk1", 24ULL << 20);
    assert_int_equal(
        harness_marinactl(h, NULL, &err, "vol-resize", "--pool", "lv", "disk1", "8M", NULL), 1);
    assert_contains(err, "can only grow");

    /* 24 + 24 MiB: both fit in the 60 MiB group. */
    assert_int_equal(
        harness_marinactl(h, NULL, NULL, "vol-clone", "--pool", "lv", "disk1", "disk2", NULL), 0);
    assert_lv_image("disk2", 24ULL << 20);

    assert_int_equal(harness_marinactl(h, NULL, NULL, "vol-delete", "--pool", "lv", "disk2", NULL),
                     0);
    assert_int_equal(harness_marinactl(h, NULL, NULL, "vol-delete", "--pool", "lv", "disk1", NULL),
                     0);
    g_clear_pointer(&list, g_free);
    assert_int_equal(harness_marinactl(h, &list, NULL, "vol-list", "lv", NULL), 0);
    assert_null(strstr(list, "disk1"));
    wait_for(seen, "lv/disk1:deleted;");
    assert_string_equal(seen->str, "lv/disk1:created;lv/disk1:resized;lv/disk2:created;"
                                   "lv/disk2:deleted;lv/disk1:deleted;");
    g_signal_handler_disconnect(h->host, id);
}

static void
no_device_mapper(Harness *h)
{
    g_autofree char *err = NULL, *list = NULL, *cmd = NULL, *lvs = NULL;

    printf("skipping logical volume operations: no device-mapper in this kernel\n");
    assert_int_not_equal(
        harness_marinactl(h, NULL, &err, "vol-create-as", "lv", "disk1", "16M", NULL), 0);
    assert_contains(err, "Cannot create logical volume 'disk1'");
    assert_contains(err, "the kernel has no device-mapper support");
    /* Nothing half made: not in the pool, not in the volume group. */
    assert_int_equal(harness_marinactl(h, &list, NULL, "vol-list", "lv", NULL), 0);
    assert_null(strstr(list, "disk1"));
    cmd = g_strdup_printf("lvs --noheadings -o lv_name '%s'", vg);
    lvs = run(cmd);
    assert_string_equal(lvs, "");
}

static void
test_logical_pool_life_cycle(void **state)
{
    Harness *h = *state;
    g_autoptr(GString) seen = g_string_new(NULL);
    gulong id = g_signal_connect(h->host, "pool-event", G_CALLBACK(on_pool_event), seen);
    g_autofree char *xml = g_strdup_printf(
        "<pool type='logical'><name>lv</name><source><device path='%s'/><name>%s</name>"
        "<format type='lvm2'/></source><target><path>/dev/%s</path></target></pool>",
        loop_device, vg, vg);
    g_autofree char *file = write_pool(h, "lv.xml", xml);
    g_autofree char *info = NULL, *dump = NULL, *err = NULL, *list = NULL;

    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-define", file, NULL), 0);
    assert_false(vg_exists(vg));
    /* Starting builds the volume group on the device. */
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-start", "lv", NULL), 0);
    assert_true(vg_exists(vg));
    assert_int_equal(harness_marinactl(h, &info, NULL, "pool-info", "lv", NULL), 0);
    assert_contains(info, "State:          running");
    /* The 64 MiB device less LVM's metadata, all free. */
    assert_true(g_regex_match_simple("Capacity: +(5[6-9]|6[0-3])\\.[0-9]+ MiB", info, 0, 0));
    assert_true(g_regex_match_simple("Available: +(5[6-9]|6[0-3])\\.[0-9]+ MiB", info, 0, 0));
    assert_true(g_regex_match_simple("Allocation: +0 B", info, 0, 0));
    assert_int_equal(harness_marinactl(h, &dump, NULL, "pool-dumpxml", "lv", NULL), 0);
    assert_contains(dump, loop_device);
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-refresh", "lv", NULL), 0);
    assert_int_equal(harness_marinactl(h, &list, NULL, "vol-list", "lv", NULL), 0);

    /* A logical volume is a raw block device: qcow2 is refused at once. */
    assert_int_not_equal(harness_marinactl(h, NULL, &err, "vol-create-as", "lv", "q.qcow2", "16M",
                                           "--format", "qcow2", NULL),
                         0);
    assert_contains(err, "raw block devices");
    g_clear_pointer(&err, g_free);
    assert_int_not_equal(harness_marinactl(h, NULL, &err, "vol-create-as", "lv", "big", "1G", NULL),
                         0);
    assert_contains(err, "bytes free");
    if (have_device_mapper())
        volume_operations(h);
    else
        no_device_mapper(h);

    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-destroy", "lv", NULL), 0);
    /* Started again, the existing volume group is used as it is. */
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-start", "lv", NULL), 0);
    g_clear_pointer(&info, g_free);
    assert_int_equal(harness_marinactl(h, &info, NULL, "pool-info", "lv", NULL), 0);
    assert_true(g_regex_match_simple("Capacity: +(5[6-9]|6[0-3])\\.[0-9]+ MiB", info, 0, 0));
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-destroy", "lv", NULL), 0);
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-undefine", "lv", NULL), 0);
    /* Undefining keeps the volume group, as libvirt does without pool-delete. */
    assert_true(vg_exists(vg));

    /* Every change was announced to the clients, in order. */
    wait_for(seen, "lv:undefined;");
    assert_string_equal(seen->str, "lv:defined;lv:started;lv:refreshed;lv:stopped;lv:started;"
                                   "lv:stopped;lv:undefined;");
    g_signal_handler_disconnect(h->host, id);
}

static void
test_missing_device_is_named(void **state)
{
    Harness *h = *state;
    g_autofree char *name = g_strdup_printf("%sx", vg);
    g_autofree char *xml =
        g_strdup_printf("<pool type='logical'><name>gone</name><source>"
                        "<device path='/dev/marina-no-such-disk'/><name>%s</name></source></pool>",
                        name);
    g_autofree char *file = write_pool(h, "gone.xml", xml);
    g_autofree char *err = NULL, *info = NULL;

    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-define", file, NULL), 0);
    assert_int_equal(harness_marinactl(h, NULL, &err, "pool-start", "gone", NULL), 1);
    assert_contains(err, "/dev/marina-no-such-disk");
    assert_contains(err, "does not exist");
    assert_false(vg_exists(name));
    assert_int_equal(harness_marinactl(h, &info, NULL, "pool-info", "gone", NULL), 0);
    assert_contains(info, "State:          inactive");
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-undefine", "gone", NULL), 0);
}

static void
test_missing_group_without_devices(void **state)
{
    Harness *h = *state;
    g_autofree char *name = g_strdup_printf("%sy", vg);
    g_autofree char *xml = g_strdup_printf(
        "<pool type='logical'><name>nodev</name><source><name>%s</name></source></pool>", name);
    g_autofree char *file = write_pool(h, "nodev.xml", xml);
    g_autofree char *err = NULL;

    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-define", file, NULL), 0);
    assert_int_equal(harness_marinactl(h, NULL, &err, "pool-start", "nodev", NULL), 1);
    assert_contains(err, "does not exist");
    assert_contains(err, "<device path=");
    assert_int_equal(harness_marinactl(h, NULL, NULL, "pool-undefine", "nodev", NULL), 0);
}

static int
setup(void **state)
{
    Harness *h;
    g_autofree char *img = NULL, *cmd = NULL;
    int status = -1;

    if (harness_group_setup(state) != 0)
        return -1;
    h = *state;
    img = g_build_filename(h->dir, "lvm.img", NULL);
    cmd = g_strdup_printf("truncate -s 64M '%s' && losetup -f --show '%s'", img, img);
    loop_device = run_status(cmd, &status);
    if (status != 0 || !g_str_has_prefix(loop_device, "/dev/loop")) {
        fprintf(stderr, "cannot set up a loop device: %s\n", loop_device);
        g_clear_pointer(&loop_device, g_free);
        return -1;
    }
    return 0;
}

static void
quietly(const char *format, const char *arg)
{
    g_autofree char *cmd = g_strdup_printf(format, arg);
    int status = -1;
    g_autofree char *out = run_status(cmd, &status);
}

static int
teardown(void **state)
{
    /* Whatever a failed check left: the volume groups, the label, the loop. */
    if (vg != NULL) {
        g_autofree char *x = g_strdup_printf("%sx", vg), *y = g_strdup_printf("%sy", vg);
        quietly("vgremove -f '%s' >/dev/null 2>&1", vg);
        quietly("vgremove -f '%s' >/dev/null 2>&1", x);
        quietly("vgremove -f '%s' >/dev/null 2>&1", y);
    }
    if (loop_device != NULL) {
        quietly("pvremove -ff -y '%s' >/dev/null 2>&1", loop_device);
        quietly("losetup -d '%s'", loop_device);
        if (vg != NULL && vg_exists(vg))
            fprintf(stderr, "could not remove the volume group %s\n", vg);
    }
    return harness_group_teardown(state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logical_pool_life_cycle),
        cmocka_unit_test(test_missing_device_is_named),
        cmocka_unit_test(test_missing_group_without_devices),
    };

    /* LVM needs root, loop devices and its tools; 77 tells meson "skipped". */
    if (geteuid() != 0 || access("/dev/loop-control", W_OK) != 0 ||
        !g_file_test("/sbin/vgcreate", G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "skipped: needs root, loop devices and lvm2\n");
        return 77;
    }
    g_setenv("LVM_SUPPRESS_FD_WARNINGS", "1", TRUE);
    /* Unique per run, so a run never meets a group another one left. */
    vg = g_strdup_printf("marinatest%d", (int)getpid());
    return cmocka_run_group_tests(tests, setup, teardown);
}
