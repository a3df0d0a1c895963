/* A running guest's hardware changed through the daemon (Domain.AttachDevice,
 * DetachDevice, UpdateDevice, ResizeDisk) and seen from inside the guest: a
 * qcow2 disk plugged in and out (/sys/block), a user-mode NIC plugged in
 * (/sys/class/net), a CD-ROM's medium inserted and ejected on the pc
 * machine's IDE bus, a disk grown; a --config change seen only in the
 * definition; invalid and duplicate devices refused with the definition
 * unchanged; ConfigChanged sent; marinactl's domblklist / domiflist. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/client.h"
#include "core/domain-state.h"
#include "core/error.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"
#define LIVE 1
#define CONFIG 2
#define NIC_MAC "52:54:00:7a:00:01"
#define HOTPLUG_MAC "52:54:00:7a:00:02"

typedef struct {
    Harness *h;
    MarinaDBusDomain *dom;
    GString *acc;
    int fd;
    char *data_disk; /* a fresh qcow2 the tests plug in */
    guint config_changed;
    char *last_event;
    char *last_device;
} Fixture;

static void
on_config_changed(MarinaDBusDomain *dom, const char *event, const char *device, gpointer data)
{
    Fixture *f = data;

    f->config_changed++;
    g_free(f->last_event);
    g_free(f->last_device);
    f->last_event = g_strdup(event);
    f->last_device = g_strdup(device);
}

static void
run_or_fail(const char *const *argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *err = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err,
                      &status, &error) ||
        !g_spawn_check_wait_status(status, NULL))
        fail_msg("%s failed: %s", argv[0], error != NULL ? error->message : err);
}

static int
group_setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    g_autofree char *base = g_build_filename(harness_guest_dir(), "data.qcow2", NULL);
    g_autofree char *devices = g_strdup_printf(
        "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/><readonly/></disk>\n"
        "    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>\n"
        "    <interface type='user'><mac address='" NIC_MAC "'/><model type='virtio'/>"
        "</interface>\n"
        "    <graphics type='vnc' passwd='first'/>\n",
        base);
    g_autofree char *xml = harness_guest_xml("hotplug", devices);
    g_autoptr(GError) error = NULL;

    f->h = harness_new();
    harness_start_daemon(f->h);
    harness_connect(f->h);
    f->data_disk = g_build_filename(f->h->dir, "hot.qcow2", NULL);
    run_or_fail((const char *const[]){"qemu-img", "create", "-q", "-f", "qcow2", f->data_disk,
                                      "16M", NULL});
    f->dom = harness_define(f->h, xml);
    g_signal_connect(f->dom, "config-changed", G_CALLBACK(on_config_changed), f);
    if (!marina_dbus_domain_call_start_sync(f->dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    f->acc = g_string_new(NULL);
    f->fd = harness_open_serial(f->h, f->dom, f->acc);
    assert_true(harness_wait_output(f->fd, f->acc, 0, READY, 60000));
    *state = f;
    return 0;
}

static int
group_teardown(void **state)
{
    Fixture *f = *state;

    if (f->fd >= 0)
        close(f->fd);
    if (f->dom != NULL)
        marina_dbus_domain_call_destroy_sync(f->dom, NULL, NULL);
    g_clear_object(&f->dom);
    harness_free(f->h);
    g_string_free(f->acc, TRUE);
    g_free(f->data_disk);
    g_free(f->last_event);
    g_free(f->last_device);
    g_free(f);
    return 0;
}

/* Asks the guest, for up to ~20 s, whether @path exists until the answer is
 * @want; TRUE when it is. */
static gboolean
guest_sees(Fixture *f, const char *path, gboolean want)
{
    g_autofree char *line = g_strdup_printf(
        "i=0; while [ $i -lt 80 ]; do [ %s -e %s ] && break; sleep 0.25; i=$((i+1)); done; "
        "[ -e %s ] && echo HAS-$((1+0))-END || echo HAS-$((0+0))-END",
        want ? "" : "!", path, path);

    return harness_type_and_wait(f->fd, f->acc, line, want ? "HAS-1-END" : "HAS-0-END", 30000);
}

static char *
get_xml(Fixture *f, guint flags)
{
    g_autoptr(GError) error = NULL;
    char *xml = NULL;

    if (!marina_dbus_domain_call_get_xml_sync(f->dom, flags, &xml, NULL, &error))
        fail_msg("GetXML: %s", error->message);
    return xml;
}

static void
attach(Fixture *f, const char *xml, guint flags)
{
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;

    if (!marina_dbus_domain_call_attach_device_sync(f->dom, xml, flags, &warnings, NULL, &error))
        fail_msg("AttachDevice %s: %s", xml, error->message);
}

static void
detach(Fixture *f, const char *xml, guint flags)
{
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_detach_device_sync(f->dom, xml, flags, NULL, &error))
        fail_msg("DetachDevice %s: %s", xml, error->message);
}

static void
update(Fixture *f, const char *xml, guint flags)
{
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;

    if (!marina_dbus_domain_call_update_device_sync(f->dom, xml, flags, &warnings, NULL, &error))
        fail_msg("UpdateDevice %s: %s", xml, error->message);
}

static char *
hot_disk_xml(Fixture *f, const char *target)
{
    return g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                           "<source file='%s'/><target dev='%s' bus='virtio'/></disk>",
                           f->data_disk, target);
}

static void
test_disk_plug_and_unplug(void **state)
{
    Fixture *f = *state;
    g_autofree char *disk = hot_disk_xml(f, "vdb");
    g_autofree char *live = NULL;
    g_autofree char *inactive = NULL;
    guint before = f->config_changed;

    assert_true(guest_sees(f, "/sys/block/vda", TRUE));
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
    attach(f, disk, LIVE);
    assert_true(guest_sees(f, "/sys/block/vdb", TRUE));
    live = get_xml(f, 0);
    inactive = get_xml(f, 1);
    assert_non_null(strstr(live, "dev=\"vdb\"") ?: strstr(live, "dev='vdb'"));
    /* Live only: the definition does not have it. */
    assert_null(strstr(inactive, "vdb"));
    assert_true(HARNESS_WAIT_FOR(f->config_changed > before, 5000));
    assert_string_equal(f->last_event, "device-attached");
    assert_string_equal(f->last_device, "vdb");

    detach(f, disk, LIVE);
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
    g_free(live);
    live = get_xml(f, 0);
    assert_null(strstr(live, "vdb"));
    assert_true(HARNESS_WAIT_FOR(
        f->last_event != NULL && g_str_equal(f->last_event, "device-detached"), 5000));
}

static void
test_disk_grows_live(void **state)
{
    Fixture *f = *state;
    g_autofree char *disk = hot_disk_xml(f, "vdc");
    g_autoptr(GError) error = NULL;

    /* The guest names its disks in the order they come: vdb is free again. */
    attach(f, disk, LIVE);
    assert_true(guest_sees(f, "/sys/block/vdb", TRUE));
    /* 16 MiB = 32768 sectors; grown to 32 MiB = 65536. */
    assert_true(harness_type_and_wait(f->fd, f->acc, "echo SZ-$(cat /sys/block/vdb/size)-END",
                                      "SZ-32768-END", 10000));
    assert_true(marina_dbus_domain_call_resize_disk_sync(f->dom, "vdc", 32 << 20, NULL, &error));
    assert_true(harness_type_and_wait(
        f->fd, f->acc,
        "i=0; while [ $i -lt 40 ] && [ $(cat /sys/block/vdb/size) != 65536 ]; do sleep 0.25; "
        "i=$((i+1)); done; echo SZ-$(cat /sys/block/vdb/size)-END",
        "SZ-65536-END", 15000));
    /* Shrinking is refused. */
    assert_false(marina_dbus_domain_call_resize_disk_sync(f->dom, "vdc", 8 << 20, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    assert_false(marina_dbus_domain_call_resize_disk_sync(f->dom, "vdz", 8 << 20, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE));
    detach(f, disk, LIVE);
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
}

/* Waits (~10 s) for /sys/class/net/@dev/carrier to read @want. */
static gboolean
guest_carrier(Fixture *f, const char *dev, int want)
{
    g_autofree char *line = g_strdup_printf(
        "i=0; while [ $i -lt 40 ] && [ \"$(cat /sys/class/net/%s/carrier)\" != %d ]; do "
        "sleep 0.25; i=$((i+1)); done; echo CARRIER-$(cat /sys/class/net/%s/carrier)-END",
        dev, want, dev);
    g_autofree char *expect = g_strdup_printf("CARRIER-%d-END", want);

    if (harness_type_and_wait(f->fd, f->acc, line, expect, 15000))
        return TRUE;
    g_file_set_contents("/tmp/devlive/console.txt", f->acc->str, -1, NULL);
    return FALSE;
}

static void
test_nic_plug_and_unplug(void **state)
{
    Fixture *f = *state;
    const char *nic = "<interface type='user'><mac address='" HOTPLUG_MAC "'/>"
                      "<model type='virtio'/></interface>";

    assert_true(guest_sees(f, "/sys/class/net/eth0", TRUE));
    attach(f, nic, LIVE);
    assert_true(guest_sees(f, "/sys/class/net/eth1", TRUE));
    assert_true(harness_type_and_wait(f->fd, f->acc, "echo MAC-$(cat /sys/class/net/eth1/address)",
                                      "MAC-" HOTPLUG_MAC, 5000));
    detach(f, nic, LIVE);
    assert_true(guest_sees(f, "/sys/class/net/eth1", FALSE));
    /* The one from the start (net0) unplugs too, found by its MAC. */
    detach(f, "<interface type='user'><mac address='" NIC_MAC "'/></interface>", LIVE);
    assert_true(guest_sees(f, "/sys/class/net/eth0", FALSE));
    attach(f,
           "<interface type='user'><mac address='" NIC_MAC "'/><model type='virtio'/>"
           "</interface>",
           LIVE);
    assert_true(guest_sees(f, "/sys/class/net/eth0", TRUE));

    /* Its link, down and up again: the guest sees the carrier go and come. */
    assert_true(harness_type_and_wait(f->fd, f->acc, "ip link set eth0 up; echo UP-$((2+3))",
                                      "UP-5", 5000));
    assert_true(guest_carrier(f, "eth0", 1));
    update(f,
           "<interface type='user'><mac address='" NIC_MAC "'/><model type='virtio'/>"
           "<link state='down'/></interface>",
           LIVE);
    assert_true(guest_carrier(f, "eth0", 0));
    update(f,
           "<interface type='user'><mac address='" NIC_MAC "'/><model type='virtio'/>"
           "<link state='up'/></interface>",
           LIVE);
    assert_true(guest_carrier(f, "eth0", 1));
}

static char *
test_iso_path(void)
{
    char *path = g_build_filename(harness_guest_dir(), "marina-test.iso", NULL);

    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        fail_msg("%s is missing: build the test-iso target (meson test builds it)", path);
    return path;
}

/* Whether the guest's sr0 holds a medium of @sectors 512-byte sectors
 * (@want): it can read from the drive and the size is the image's. Opening
 * the drive makes the kernel look at the medium. (The size of an empty
 * drive is what it was, or a made-up capacity: only reading tells.) */
static gboolean
guest_cd_holds(Fixture *f, guint64 sectors, gboolean want)
{
    const char *line =
        "i=0; while [ $i -lt 40 ]; do r=0; dd if=/dev/sr0 of=/dev/null bs=2048 count=1 "
        "2>/dev/null && [ $(cat /sys/block/sr0/size) = %llu ] && r=1; [ $r = %d ] && break; "
        "sleep 0.25; i=$((i+1)); done; echo CD-$r-END";
    g_autofree char *typed = g_strdup_printf(line, (unsigned long long)sectors, want ? 1 : 0);

    if (harness_type_and_wait(f->fd, f->acc, typed, want ? "CD-1-END" : "CD-0-END", 20000))
        return TRUE;
    g_file_set_contents("/tmp/devlive/console.txt", f->acc->str, -1, NULL);
    return FALSE;
}

static void
test_cdrom_media_live(void **state)
{
    Fixture *f = *state;
    g_autofree char *iso = test_iso_path();
    g_autofree char *insert = g_strdup_printf(
        "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='%s'/>"
        "<target dev='hdc' bus='ide'/><readonly/></disk>",
        iso);
    g_autofree char *live = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;

    struct stat st;
    guint64 sectors;

    assert_int_equal(stat(iso, &st), 0);
    sectors = (guint64)st.st_size / 512;
    assert_true(guest_sees(f, "/sys/block/sr0", TRUE));
    assert_true(guest_cd_holds(f, sectors, FALSE));
    update(f, insert, LIVE);
    assert_true(HARNESS_WAIT_FOR(
        f->last_event != NULL && g_str_equal(f->last_event, "media-changed"), 5000));
    assert_true(guest_cd_holds(f, sectors, TRUE));
    live = get_xml(f, 0);
    assert_non_null(strstr(live, iso));
    /* The guest holds the drive open, so its tray is locked: ejecting needs force. */
    assert_true(harness_type_and_wait(f->fd, f->acc, "exec 3</dev/sr0; echo HELD-$((4+4))",
                                      "HELD-8", 5000));
    assert_false(marina_dbus_domain_call_update_device_sync(
        f->dom, "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>",
        LIVE, &warnings, NULL, &error));
    assert_non_null(strstr(error->message, "locked"));
    g_clear_error(&error);
    live = (g_free(live), get_xml(f, 0));
    assert_non_null(strstr(live, iso));
    update(f, "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>",
           LIVE | 4);
    assert_true(
        harness_type_and_wait(f->fd, f->acc, "exec 3<&-; echo FREE-$((4+5))", "FREE-9", 5000));
    assert_true(guest_cd_holds(f, sectors, FALSE));
    g_free(live);
    live = get_xml(f, 0);
    assert_null(strstr(live, iso));

    /* A live change of the drive's bus cannot be made. */
    assert_false(marina_dbus_domain_call_update_device_sync(
        f->dom, "<disk type='file' device='cdrom'><target dev='hdc' bus='scsi'/><readonly/></disk>",
        LIVE, &warnings, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED) ||
                g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
}

static void
test_config_only_and_refusals(void **state)
{
    Fixture *f = *state;
    g_autofree char *disk = hot_disk_xml(f, "vdd");
    g_autofree char *dup = hot_disk_xml(f, "vda");
    g_autofree char *before_def = get_xml(f, 1);
    g_autofree char *before_live = get_xml(f, 0);
    g_autofree char *def = NULL;
    g_autofree char *live = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;

    /* Refused: not XML, not a device, a duplicate target, bad flags. */
    assert_false(marina_dbus_domain_call_attach_device_sync(f->dom, "<disk", LIVE | CONFIG,
                                                            &warnings, NULL, &error));
    g_clear_error(&error);
    assert_false(marina_dbus_domain_call_attach_device_sync(
        f->dom, "<domain><name>x</name></domain>", CONFIG, &warnings, NULL, &error));
    g_clear_error(&error);
    assert_false(marina_dbus_domain_call_attach_device_sync(f->dom, dup, LIVE | CONFIG, &warnings,
                                                            NULL, &error));
    g_clear_error(&error);
    assert_false(
        marina_dbus_domain_call_attach_device_sync(f->dom, disk, 8, &warnings, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    /* Not live-pluggable (an IDE disk): refused, and with config nothing saved. */
    assert_false(marina_dbus_domain_call_attach_device_sync(
        f->dom,
        "<disk type='file' device='disk'><source file='/tmp/x.img'/>"
        "<target dev='hdb' bus='ide'/></disk>",
        LIVE | CONFIG, &warnings, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    assert_non_null(strstr(error->message, "--config"));
    g_clear_error(&error);
    /* A definition QEMU could not start (the pc machine's IDE bus has four
     * places), --config alone: refused as DefineDomain refuses it. */
    assert_false(marina_dbus_domain_call_attach_device_sync(
        f->dom,
        "<disk type='file' device='disk'><source file='/tmp/x.img'/>"
        "<target dev='hde' bus='ide'/></disk>",
        CONFIG, &warnings, NULL, &error));
    assert_non_null(strstr(error->message, "hde"));
    g_clear_error(&error);
    /* No USB controller, so no USB host device live. */
    assert_false(marina_dbus_domain_call_attach_device_sync(
        f->dom,
        "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1d6b'/>"
        "<product id='0x0f0f'/></source></hostdev>",
        LIVE, &warnings, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    assert_non_null(strstr(error->message, "USB"));
    g_clear_error(&error);
    /* A display's password changes live; removing it cannot. */
    update(f, "<graphics type='vnc' passwd='second'/>", LIVE);
    assert_false(marina_dbus_domain_call_update_device_sync(f->dom, "<graphics type='vnc'/>", LIVE,
                                                            &warnings, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    g_clear_error(&error);
    g_clear_pointer(&warnings, g_strfreev);
    /* Detaching what is not there. */
    assert_false(marina_dbus_domain_call_detach_device_sync(
        f->dom,
        "<disk type='file' device='disk'><source file='/tmp/q.img'/>"
        "<target dev='vdq' bus='virtio'/></disk>",
        LIVE, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE));
    g_clear_error(&error);
    def = get_xml(f, 1);
    live = get_xml(f, 0);
    assert_string_equal(def, before_def);
    assert_non_null(strstr(live, "second"));
    g_free(before_live);
    before_live = g_strdup(live);

    /* --config alone: in the definition, not in the running guest. */
    attach(f, disk, CONFIG);
    g_free(def);
    g_free(live);
    def = get_xml(f, 1);
    live = get_xml(f, 0);
    assert_non_null(strstr(def, "vdd"));
    assert_null(strstr(live, "vdd"));
    assert_true(guest_sees(f, "/sys/block/vdd", FALSE));
    detach(f, disk, CONFIG);
    g_free(def);
    def = get_xml(f, 1);
    assert_null(strstr(def, "vdd"));

    /* Both at once: the guest has it and so has the definition, then neither. */
    attach(f, disk, LIVE | CONFIG);
    assert_true(guest_sees(f, "/sys/block/vdb", TRUE));
    g_free(def);
    g_free(live);
    def = get_xml(f, 1);
    live = get_xml(f, 0);
    assert_non_null(strstr(def, "vdd"));
    assert_non_null(strstr(live, "vdd"));
    detach(f, disk, LIVE | CONFIG);
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
    g_free(def);
    g_free(live);
    def = get_xml(f, 1);
    live = get_xml(f, 0);
    assert_null(strstr(def, "vdd"));
    assert_null(strstr(live, "vdd"));
}

static int
ctl_status(int status, const char *out, const char *err)
{
    if (status != 0)
        print_message("marinactl exited with %d: %s%s\n", status, out ? out : "", err ? err : "");
    return status;
}

/* The status, and what marinactl said when it is not 0 (the argument order
 * of a call is unspecified: the output is read after the run). */
#define harness_marinactl(h, out, err, ...)                                                        \
    ({                                                                                             \
        int status_ = harness_marinactl(h, out, err, __VA_ARGS__);                                 \
        ctl_status(status_, *(out), *(err));                                                       \
    })

/* marinactl domblklist / domiflist print virsh's tables. */
static void
test_marinactl_lists(void **state)
{
    Fixture *f = *state;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *data = g_build_filename(harness_guest_dir(), "data.qcow2", NULL);
    g_autofree char *row = NULL;

    assert_int_equal(harness_marinactl(f->h, &out, &err, "domblklist", "hotplug", NULL), 0);
    assert_non_null(strstr(out, " Target   Source\n"));
    row = g_strdup_printf(" vda      %s\n", data);
    assert_non_null(strstr(out, row));
    assert_non_null(strstr(out, " hdc      -\n"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(
        harness_marinactl(f->h, &out, &err, "domblklist", "hotplug", "--details", NULL), 0);
    assert_non_null(strstr(out, " Type   Device   Target   Source\n"));
    assert_non_null(strstr(out, " file   cdrom    hdc      -\n"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(harness_marinactl(f->h, &out, &err, "domiflist", "hotplug", NULL), 0);
    assert_non_null(strstr(out, " Interface   Type   Source   Model    MAC\n"));
    assert_non_null(strstr(out, " -           user   -        virtio   " NIC_MAC "\n"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    /* attach-disk / detach-disk through marinactl, live. */
    assert_int_equal(harness_marinactl(f->h, &out, &err, "attach-disk", "hotplug", f->data_disk,
                                       "vde", "--subdriver", "qcow2", "--live", NULL),
                     0);
    assert_true(guest_sees(f, "/sys/block/vdb", TRUE));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(harness_marinactl(f->h, &out, &err, "detach-disk", "hotplug", "vde", NULL), 0);
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    /* change-media: insert, then eject, the test guest's CD-ROM. */
    {
        g_autofree char *iso = test_iso_path();
        g_autofree char *live = NULL;
        struct stat st;

        assert_int_equal(stat(iso, &st), 0);
        assert_int_equal(harness_marinactl(f->h, &out, &err, "change-media", "hotplug", "hdc", iso,
                                           "--insert", "--live", NULL),
                         0);
        assert_non_null(strstr(out, "Successfully inserted media."));
        assert_true(guest_cd_holds(f, (guint64)st.st_size / 512, TRUE));
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        /* Inserting into a full drive is refused. */
        assert_int_equal(harness_marinactl(f->h, &out, &err, "change-media", "hotplug", "hdc", iso,
                                           "--insert", NULL),
                         1);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        assert_int_equal(harness_marinactl(f->h, &out, &err, "change-media", "hotplug", "hdc",
                                           "--eject", "--force", NULL),
                         0);
        assert_non_null(strstr(out, "Successfully ejected media."));
        assert_true(guest_cd_holds(f, (guint64)st.st_size / 512, FALSE));
        live = get_xml(f, 0);
        assert_null(strstr(live, iso));
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
    }
    /* blockresize: vde grown (KiB by default), then refused smaller. */
    assert_int_equal(harness_marinactl(f->h, &out, &err, "attach-disk", "hotplug", f->data_disk,
                                       "vde", "--subdriver", "qcow2", NULL),
                     0);
    assert_true(guest_sees(f, "/sys/block/vdb", TRUE));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(
        harness_marinactl(f->h, &out, &err, "blockresize", "hotplug", "vde", "65536", NULL), 0);
    assert_non_null(strstr(out, "resized"));
    assert_true(harness_type_and_wait(
        f->fd, f->acc,
        "i=0; while [ $i -lt 40 ] && [ $(cat /sys/block/vdb/size) != 131072 ]; do sleep 0.25; "
        "i=$((i+1)); done; echo SZ-$(cat /sys/block/vdb/size)-END",
        "SZ-131072-END", 15000));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(
        harness_marinactl(f->h, &out, &err, "blockresize", "hotplug", "vde", "1M", NULL), 1);
    assert_non_null(strstr(err, "shrink"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(harness_marinactl(f->h, &out, &err, "detach-disk", "hotplug", "vde", NULL), 0);
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    /* --current with --live is a usage error. */
    assert_int_equal(harness_marinactl(f->h, &out, &err, "detach-disk", "hotplug", "vda",
                                       "--current", "--live", NULL),
                     2);
}

/* The test driver simulates the same calls: its guests run no QEMU. */
static void
test_test_driver(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("marina-hotplug-XXXXXX", NULL);
    g_autofree char *node = g_build_filename(dir, "node.xml", NULL);
    const char *args[] = {"--driver", "test", "--test-file", node, NULL};
    const char *disk = "<disk type='file' device='disk'><source file='/img/t.qcow2'/>"
                       "<driver name='qemu' type='qcow2'/><target dev='vdb' bus='virtio'/></disk>";
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autofree char *path = NULL;
    g_autofree char *live = NULL;
    g_autofree char *def = NULL;
    Harness *h;

    assert_true(g_file_set_contents(
        node,
        "<node><domain type='test'><name>t1</name><memory>65536</memory>"
        "<os><type>hvm</type></os><devices>"
        "<disk type='file' device='disk'><source file='/img/a.img'/>"
        "<target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>"
        "</devices></domain></node>",
        -1, NULL));
    h = harness_new_with_args(args);
    assert_true(marina_dbus_host_call_lookup_domain_sync(h->host, "t1", &path, NULL, &error));
    dom = harness_domain(h, NULL, path);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, NULL),
                     MARINA_DOMAIN_RUNNING);

    /* Live and config together: both have it. */
    if (!marina_dbus_domain_call_attach_device_sync(dom, disk, LIVE | CONFIG, &warnings, NULL,
                                                    &error))
        fail_msg("AttachDevice: %s", error->message);
    g_clear_pointer(&warnings, g_strfreev);
    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 0, &live, NULL, &error));
    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 1, &def, NULL, &error));
    assert_non_null(strstr(live, "vdb"));
    assert_non_null(strstr(def, "vdb"));
    /* What a running guest cannot take: refused, nothing saved. */
    assert_false(marina_dbus_domain_call_attach_device_sync(
        dom,
        "<disk type='file' device='disk'><source file='/img/i.img'/>"
        "<target dev='hdb' bus='ide'/></disk>",
        LIVE | CONFIG, &warnings, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    g_clear_error(&error);
    g_clear_pointer(&def, g_free);
    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 1, &def, NULL, &error));
    assert_null(strstr(def, "hdb"));
    /* Media, and growing a disk but not shrinking it. */
    assert_true(marina_dbus_domain_call_update_device_sync(
        dom,
        "<disk type='file' device='cdrom'><source file='/img/x.iso'/>"
        "<target dev='hdc' bus='ide'/><readonly/></disk>",
        0, &warnings, NULL, &error));
    g_clear_pointer(&warnings, g_strfreev);
    assert_true(marina_dbus_domain_call_resize_disk_sync(dom, "vdb", 1 << 30, NULL, &error));
    assert_false(marina_dbus_domain_call_resize_disk_sync(dom, "vdb", 1 << 20, NULL, &error));
    g_clear_error(&error);

    /* Shut off: live is refused, current means the definition. */
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 5000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
    assert_false(marina_dbus_domain_call_detach_device_sync(dom, disk, LIVE, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    g_clear_error(&error);
    assert_true(marina_dbus_domain_call_detach_device_sync(dom, disk, 0, NULL, &error));
    g_clear_pointer(&def, g_free);
    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 1, &def, NULL, &error));
    assert_null(strstr(def, "vdb"));
    harness_free(h);
    g_unlink(node);
    g_rmdir(dir);
}

/* On q35 a device goes into an empty PCIe root port; with none left, the
 * refusal says what to add. */
static void
test_q35_root_port(void **state)
{
    Fixture *f = *state;
    g_autofree char *base = harness_guest_xml("q35hp", NULL);
    g_autoptr(GString) xml = g_string_new(base);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autofree char *disk = hot_disk_xml(f, "vdg");
    Fixture q = {0};
    char *at;

    at = strstr(xml->str, "machine='pc'");
    g_string_erase(xml, at - xml->str, strlen("machine='pc'"));
    g_string_insert(xml, at - xml->str, "machine='q35'");
    at = strstr(xml->str, "</devices>");
    g_string_insert(xml, at - xml->str,
                    "    <controller type='pci' index='0' model='pcie-root'/>\n"
                    "    <controller type='pci' index='1' model='pcie-root-port'/>\n"
                    "    <controller type='usb' model='qemu-xhci'/>\n");
    dom = harness_define(f->h, xml->str);
    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    q.dom = dom;
    q.acc = acc;
    q.fd = harness_open_serial(f->h, dom, acc);
    assert_true(harness_wait_output(q.fd, acc, 0, READY, 60000));

    /* The guest finds it behind the root port (bus 1). (Whether its driver
     * binds is the test guest's business: with acpi=noirq, its q35 INTx
     * routing clashes with the serial port's interrupt.) */
    attach(&q, disk, LIVE);
    assert_true(guest_sees(&q, "/sys/bus/pci/devices/0000:01:00.0", TRUE));
    /* The one port is taken now. */
    assert_false(marina_dbus_domain_call_attach_device_sync(
        dom,
        "<interface type='user'><mac address='52:54:00:7a:00:0a'/><model type='virtio'/>"
        "</interface>",
        LIVE, &warnings, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    assert_non_null(strstr(error->message, "pcie-root-port"));
    g_clear_error(&error);
    detach(&q, disk, LIVE);
    assert_true(guest_sees(&q, "/sys/bus/pci/devices/0000:01:00.0", FALSE));

    /* A USB host device (by ID; QEMU waits for it to be plugged into the host). */
    {
        const char *usb = "<hostdev mode='subsystem' type='usb'><source>"
                          "<vendor id='0x1d6b'/><product id='0x0f0f'/></source></hostdev>";
        g_autofree char *live = NULL;

        attach(&q, usb, LIVE);
        live = get_xml(&q, 0);
        assert_non_null(strstr(live, "0x0f0f"));
        detach(&q, usb, LIVE);
        g_free(live);
        live = get_xml(&q, 0);
        assert_null(strstr(live, "0x0f0f"));
    }
    close(q.fd);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

/* A guest that does not let go in time (paused here): the unplug fails with
 * Timeout and nothing changes; once the guest lets go (resumed), the unplug
 * completes and the running configuration follows. */
static void
test_unplug_timeout_then_late_release(void **state)
{
    Fixture *f = *state;
    g_autofree char *disk = hot_disk_xml(f, "vdi");
    g_autofree char *live = NULL;
    g_autofree char *def = NULL;
    g_autoptr(GError) error = NULL;

    attach(f, disk, LIVE);
    assert_true(guest_sees(f, "/sys/block/vdb", TRUE));
    assert_true(marina_dbus_domain_call_suspend_sync(f->dom, NULL, &error));
    assert_false(marina_dbus_domain_call_detach_device_sync(f->dom, disk, LIVE, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_TIMEOUT));
    assert_non_null(strstr(error->message, "vdi"));
    g_clear_error(&error);
    live = get_xml(f, 0);
    assert_non_null(strstr(live, "vdi"));

    g_free(f->last_event);
    f->last_event = NULL;
    assert_true(marina_dbus_domain_call_resume_sync(f->dom, NULL, &error));
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
    assert_true(HARNESS_WAIT_FOR(
        f->last_event != NULL && g_str_equal(f->last_event, "device-detached"), 10000));
    g_free(live);
    live = get_xml(f, 0);
    assert_null(strstr(live, "vdi"));
    def = get_xml(f, 1);
    assert_null(strstr(def, "vdi"));
    /* The nodes went too: the same target plugs in again. */
    attach(f, disk, LIVE);
    assert_true(guest_sees(f, "/sys/block/vdb", TRUE));
    detach(f, disk, LIVE);
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
}

/* A shut-off guest's disk grows through qemu-img. */
static void
test_resize_shut_off(void **state)
{
    Fixture *f = *state;
    g_autofree char *image = g_build_filename(f->h->dir, "off.qcow2", NULL);
    g_autofree char *devices =
        g_strdup_printf("    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>\n",
                        image);
    g_autofree char *xml = harness_guest_xml("resizeoff", devices);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *info = NULL;
    int status = 0;

    run_or_fail(
        (const char *const[]){"qemu-img", "create", "-q", "-f", "qcow2", image, "16M", NULL});
    dom = harness_define(f->h, xml);
    assert_true(marina_dbus_domain_call_resize_disk_sync(dom, "vda", 48 << 20, NULL, &error));
    assert_true(g_spawn_sync(NULL, (char *[]){"qemu-img", "info", "-U", image, NULL}, NULL,
                             G_SPAWN_SEARCH_PATH, NULL, NULL, &info, NULL, &status, NULL));
    assert_non_null(strstr(info, "virtual size: 48 MiB"));
    assert_false(marina_dbus_domain_call_resize_disk_sync(dom, "vda", 32 << 20, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    assert_non_null(strstr(error->message, "shrink"));
    g_clear_error(&error);
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
}

/* ---- The client API (domain-hardware.c) and MarinaDomain's "config-changed" ---- */

static void
on_domain_config_changed(MarinaDomain *domain, const char *event, const char *device, gpointer data)
{
    GString *seen = data;

    g_string_append_printf(seen, "%s:%s;", event, device);
}

#define AWAIT(result, call)                                                                        \
    do {                                                                                           \
        g_clear_object(&(result));                                                                 \
        call;                                                                                      \
        marina_sync_wait(&(result));                                                               \
    } while (0)

static void
test_client_api(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) connection = marina_connection_open_sync(f->h->uri, NULL, &error);
    g_autoptr(MarinaHost) host = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GString) seen = g_string_new(NULL);
    g_autofree char *disk = hot_disk_xml(f, "vdf");
    g_auto(GStrv) warnings = NULL;

    assert_non_null(connection);
    host = marina_host_new(connection);
    AWAIT(r, marina_host_lookup_domain_async(host, "hotplug", NULL, marina_sync_wait_ready, &r));
    domain = marina_host_lookup_domain_finish(host, r, &error);
    assert_non_null(domain);
    AWAIT(r, marina_domain_load_async(domain, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_domain_load_finish(domain, r, &error));
    g_signal_connect(domain, "config-changed", G_CALLBACK(on_domain_config_changed), seen);

    AWAIT(r, marina_domain_attach_device_async(domain, disk, MARINA_DOMAIN_AFFECT_CONFIG, NULL,
                                               marina_sync_wait_ready, &r));
    assert_true(marina_domain_attach_device_finish(domain, r, &warnings, &error));
    assert_non_null(warnings);
    assert_true(HARNESS_WAIT_FOR(strstr(seen->str, "device-attached:vdf;") != NULL, 5000));
    /* The same again: a duplicate target, refused with the daemon's error. */
    AWAIT(r, marina_domain_attach_device_async(domain, disk, MARINA_DOMAIN_AFFECT_CONFIG, NULL,
                                               marina_sync_wait_ready, &r));
    assert_false(marina_domain_attach_device_finish(domain, r, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    g_clear_error(&error);
    AWAIT(r, marina_domain_detach_device_async(domain, disk, MARINA_DOMAIN_AFFECT_CONFIG, NULL,
                                               marina_sync_wait_ready, &r));
    assert_true(marina_domain_detach_device_finish(domain, r, &error));
    assert_true(HARNESS_WAIT_FOR(strstr(seen->str, "device-detached:vdf;") != NULL, 5000));
    AWAIT(r, marina_domain_update_device_async(
                 domain,
                 "<interface type='user'><mac address='" NIC_MAC "'/><model type='virtio'/>"
                 "<link state='up'/></interface>",
                 MARINA_DOMAIN_AFFECT_LIVE, NULL, marina_sync_wait_ready, &r));
    assert_true(marina_domain_update_device_finish(domain, r, NULL, &error));
    assert_true(HARNESS_WAIT_FOR(strstr(seen->str, "device-updated:" NIC_MAC ";") != NULL, 5000));
    AWAIT(r, marina_domain_resize_disk_async(domain, "vdz", 1 << 20, NULL, marina_sync_wait_ready,
                                             &r));
    assert_false(marina_domain_resize_disk_finish(domain, r, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE));
    g_clear_object(&r);
    marina_connection_close(connection);
}

/* Hot-plugged devices outlive a daemon restart: the re-attached daemon's
 * running configuration has them, and unplugs them (found in QEMU by id and
 * MAC, not by their place in the list). */
static void
test_survives_daemon_restart(void **state)
{
    Fixture *f = *state;
    g_autofree char *disk = hot_disk_xml(f, "vdh");
    const char *nic = "<interface type='user'><mac address='" HOTPLUG_MAC "'/>"
                      "<model type='virtio'/></interface>";
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_autofree char *live = NULL;

    attach(f, disk, LIVE);
    attach(f, nic, LIVE);
    assert_true(guest_sees(f, "/sys/block/vdb", TRUE));
    assert_true(guest_sees(f, "/sys/class/net/eth1", TRUE));

    g_clear_object(&f->dom);
    harness_stop_daemon(f->h, SIGKILL);
    close(f->fd);
    harness_start_daemon(f->h);
    harness_connect(f->h);
    assert_true(
        marina_dbus_host_call_lookup_domain_sync(f->h->host, "hotplug", &path, NULL, &error));
    f->dom = harness_domain(f->h, NULL, path);
    g_signal_connect(f->dom, "config-changed", G_CALLBACK(on_config_changed), f);
    assert_int_equal(harness_wait_state(f->dom, MARINA_DOMAIN_RUNNING, 10000, NULL),
                     MARINA_DOMAIN_RUNNING);
    f->fd = harness_open_serial(f->h, f->dom, f->acc);
    live = get_xml(f, 0);
    assert_non_null(strstr(live, "vdh"));
    assert_non_null(strstr(live, HOTPLUG_MAC));

    detach(f, nic, LIVE);
    detach(f, disk, LIVE);
    assert_true(guest_sees(f, "/sys/class/net/eth1", FALSE));
    assert_true(guest_sees(f, "/sys/block/vdb", FALSE));
}

/* ---- A bridged NIC on the system daemon, inside a network namespace ---- */

typedef struct {
    char *ns;   /* "marina-devlive-<random>" */
    char *root; /* sockets, configuration, state */
    GPid daemon;
} BridgeHost;

static BridgeHost bridge_host;

static gboolean
ns_run(const char *command, char **out)
{
    g_autofree char *full = g_strdup_printf("ip netns exec %s %s", bridge_host.ns, command);
    int status = -1;

    return g_spawn_command_line_sync(full, out, NULL, &status, NULL) &&
           g_spawn_check_wait_status(status, NULL);
}

static int
bridge_setup(void **state)
{
    g_autofree char *add = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *text = NULL;
    g_autofree char *st = NULL;
    g_autofree char *sock = NULL;

    if (getuid() != 0)
        return 0;
    bridge_host.ns = g_strdup_printf("marina-devlive-%08x", g_random_int());
    bridge_host.root = g_dir_make_tmp("marina-hpbr-XXXXXX", NULL);
    add = g_strdup_printf("ip netns add %s", bridge_host.ns);
    run_or_fail((const char *const[]){"sh", "-c", add, NULL});
    assert_true(ns_run("ip link add brhp0 type bridge", NULL));
    assert_true(ns_run("ip link set brhp0 up", NULL));
    conf = g_build_filename(bridge_host.root, "marinad.conf", NULL);
    sock = g_build_filename(bridge_host.root, "rw.sock", NULL);
    st = g_build_filename(bridge_host.root, "st", NULL);
    text = g_strdup_printf("[marinad]\nunix-socket-path=%s\nstats-interval-ms=0\n", sock);
    assert_true(g_file_set_contents(conf, text, -1, NULL));
    {
        const char *argv[] = {"ip",       "netns",    "exec", bridge_host.ns, g_getenv("MARINAD"),
                              "--system", "--config", conf,   "--state-dir",  st,
                              NULL};
        assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                  G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                      G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &bridge_host.daemon, NULL));
    }
    for (int i = 0; i < 250 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(20000);
    assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
    return 0;
}

static int
bridge_teardown(void **state)
{
    g_autofree char *del = NULL;
    g_autofree char *rm = NULL;
    int status;

    if (bridge_host.daemon > 0) {
        /* The guest's QEMU goes with the namespace's taps; stop it first. */
        kill(bridge_host.daemon, SIGTERM);
        waitpid(bridge_host.daemon, &status, 0);
        bridge_host.daemon = 0;
    }
    if (bridge_host.ns != NULL) {
        g_autofree char *pids = NULL;
        g_autofree char *kill_cmd = g_strdup_printf("ip netns pids %s", bridge_host.ns);

        /* QEMU processes left in the namespace (the daemon leaves guests running). */
        if (g_spawn_command_line_sync(kill_cmd, &pids, NULL, NULL, NULL) && pids != NULL) {
            g_auto(GStrv) lines = g_strsplit(pids, "\n", -1);
            for (guint i = 0; lines[i] != NULL; i++)
                if (*lines[i] != '\0')
                    kill((pid_t)g_ascii_strtoll(lines[i], NULL, 10), SIGKILL);
        }
        del = g_strdup_printf("ip netns del %s", bridge_host.ns);
        g_spawn_command_line_sync(del, NULL, NULL, NULL, NULL);
        g_clear_pointer(&bridge_host.ns, g_free);
    }
    if (bridge_host.root != NULL) {
        rm = g_strdup_printf("rm -rf '%s'", bridge_host.root);
        g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL);
        g_clear_pointer(&bridge_host.root, g_free);
    }
    return 0;
}

static void
test_bridge_nic(void **state)
{
    g_autofree char *sock = NULL;
    g_autofree char *escaped = NULL;
    g_autofree char *address = NULL;
    g_autofree char *xml = harness_guest_xml("brhp", NULL);
    g_autofree char *path = NULL;
    g_autofree char *links = NULL;
    g_autoptr(GDBusConnection) conn = NULL;
    g_autoptr(MarinaDBusHost) host = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    const char *nic = "<interface type='bridge'><mac address='52:54:00:7a:00:09'/>"
                      "<source bridge='brhp0'/><model type='virtio'/></interface>";
    Fixture f = {0};

    if (getuid() != 0) {
        print_message("bridged NICs need the system daemon (root); skipped\n");
        return;
    }
    sock = g_build_filename(bridge_host.root, "rw.sock", NULL);
    escaped = g_dbus_address_escape_value(sock);
    address = g_strconcat("unix:path=", escaped, NULL);
    conn = g_dbus_connection_new_for_address_sync(
        address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);
    assert_non_null(conn);
    host = marina_dbus_host_proxy_new_sync(conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                                           "/org/marinavm/Marina1", NULL, &error);
    assert_true(
        marina_dbus_host_call_define_domain_sync(host, xml, &path, &warnings, NULL, &error));
    dom = marina_dbus_domain_proxy_new_sync(conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, path,
                                            NULL, &error);
    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    f.dom = dom;
    f.acc = acc;
    f.fd = harness_open_serial(NULL, dom, acc);
    assert_true(harness_wait_output(f.fd, acc, 0, READY, 60000));

    attach(&f, nic, LIVE);
    assert_true(guest_sees(&f, "/sys/class/net/eth0", TRUE));
    /* Its tap is on the bridge, up. */
    assert_true(ns_run("ip -o link show master brhp0", &links));
    assert_non_null(strstr(links, "vnet"));
    assert_non_null(strstr(links, "UP"));
    detach(&f, nic, LIVE);
    assert_true(guest_sees(&f, "/sys/class/net/eth0", FALSE));
    g_clear_pointer(&links, g_free);
    assert_true(HARNESS_WAIT_FOR(
        ns_run("ip -o link show master brhp0", &links) && strstr(links, "vnet") == NULL, 5000));
    close(f.fd);
    marina_dbus_domain_call_destroy_sync(dom, NULL, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disk_plug_and_unplug),
        cmocka_unit_test(test_disk_grows_live),
        cmocka_unit_test(test_nic_plug_and_unplug),
        cmocka_unit_test(test_cdrom_media_live),
        cmocka_unit_test(test_config_only_and_refusals),
        cmocka_unit_test(test_marinactl_lists),
        cmocka_unit_test(test_unplug_timeout_then_late_release),
        cmocka_unit_test(test_q35_root_port),
        cmocka_unit_test(test_resize_shut_off),
        cmocka_unit_test(test_client_api),
        cmocka_unit_test(test_survives_daemon_restart),
        cmocka_unit_test(test_test_driver),
        cmocka_unit_test_setup_teardown(test_bridge_nic, bridge_setup, bridge_teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
