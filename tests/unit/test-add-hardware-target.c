#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "device-target.h"
#include "domain-config.h"
#include "domain-device-edit.h"
#include "error.h"

/*
 * What Add Hardware decides before it touches a guest (device-target.c):
 * the free target of a new disk per bus, refusals of a target or MAC in
 * use (naming the field, the config untouched), and which devices QEMU
 * takes while the guest runs.
 */

static MarinaDomainConfig *
guest_with(const char *devices)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>t</name><memory>131072</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>%s</devices></domain>",
        devices);
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *config = marina_domain_config_parse(xml, -1, NULL, &error);

    if (config == NULL)
        fail_msg("%s", error->message);
    return config;
}

static char *
disk(const char *target, const char *bus)
{
    return g_strdup_printf("<disk type='file' device='disk'><source file='/tmp/%s.img'/>"
                           "<target dev='%s' bus='%s'/></disk>",
                           target, target, bus);
}

static void
assert_target(const MarinaDomainConfig *config, MarinaDiskBus bus, const char *want)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *target = marina_disk_free_target(config, bus, &error);

    if (target == NULL)
        fail_msg("%s: %s", want, error->message);
    assert_string_equal(target, want);
}

static void
test_first_targets(void **state)
{
    g_autoptr(MarinaDomainConfig) config = guest_with("");

    (void)state;
    assert_target(config, MARINA_DISK_BUS_VIRTIO, "vda");
    assert_target(config, MARINA_DISK_BUS_SATA, "sda");
    assert_target(config, MARINA_DISK_BUS_SCSI, "sda");
    assert_target(config, MARINA_DISK_BUS_USB, "sda");
    assert_target(config, MARINA_DISK_BUS_IDE, "hda");
    assert_target(config, MARINA_DISK_BUS_FDC, "fda");
}

static void
test_next_free(void **state)
{
    g_autofree char *vda = disk("vda", "virtio");
    g_autofree char *vdc = disk("vdc", "virtio");
    g_autofree char *sda = disk("sda", "sata");
    g_autofree char *hda = disk("hda", "ide");
    g_autofree char *hdb = disk("hdb", "ide");
    g_autofree char *devices = g_strconcat(vda, vdc, sda, hda, hdb, NULL);
    g_autoptr(MarinaDomainConfig) config = guest_with(devices);

    (void)state;
    /* A gap is filled first; SATA, SCSI and USB share the sd names. */
    assert_target(config, MARINA_DISK_BUS_VIRTIO, "vdb");
    assert_target(config, MARINA_DISK_BUS_SATA, "sdb");
    assert_target(config, MARINA_DISK_BUS_SCSI, "sdb");
    assert_target(config, MARINA_DISK_BUS_IDE, "hdc");
}

static void
test_after_z(void **state)
{
    GString *devices = g_string_new(NULL);
    g_autoptr(MarinaDomainConfig) config = NULL;

    (void)state;
    for (char c = 'a'; c <= 'z'; c++) {
        g_autofree char *name = g_strdup_printf("sd%c", c);
        g_autofree char *one = disk(name, "scsi");

        g_string_append(devices, one);
    }
    config = guest_with(devices->str);
    g_string_free(devices, TRUE);
    assert_target(config, MARINA_DISK_BUS_SCSI, "sdaa");
}

static void
test_ide_full(void **state)
{
    g_autofree char *devices = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *target = NULL;
    const char *names[] = {"hda", "hdb", "hdc", "hdd"};
    GString *all = g_string_new(NULL);

    (void)state;
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *one = disk(names[i], "ide");

        g_string_append(all, one);
    }
    devices = g_string_free(all, FALSE);
    config = guest_with(devices);
    target = marina_disk_free_target(config, MARINA_DISK_BUS_IDE, &error);
    assert_null(target);
    assert_non_null(strstr(error->message, "IDE"));
    /* Another bus still has room. */
    assert_target(config, MARINA_DISK_BUS_SATA, "sda");
}

static MarinaDevice *
device(const char *xml)
{
    g_autoptr(GError) error = NULL;
    MarinaDevice *dev = marina_device_parse(xml, -1, NULL, &error);

    if (dev == NULL)
        fail_msg("%s", error->message);
    return dev;
}

static void
test_check_new(void **state)
{
    g_autofree char *vda = disk("vda", "virtio");
    g_autofree char *devices = g_strconcat(
        vda, "<interface type='user'><mac address='52:54:00:01:02:03'/></interface>", NULL);
    g_autoptr(MarinaDomainConfig) config = guest_with(devices);
    g_autofree char *before = marina_domain_config_to_xml(config);
    g_autofree char *after = NULL;
    g_autoptr(MarinaDevice) same_disk = device("<disk type='file' device='disk'>"
                                               "<source file='/tmp/x.img'/>"
                                               "<target dev='vda' bus='virtio'/></disk>");
    g_autoptr(MarinaDevice) new_disk = device("<disk type='file' device='disk'>"
                                              "<source file='/tmp/x.img'/>"
                                              "<target dev='vdb' bus='virtio'/></disk>");
    g_autoptr(MarinaDevice) same_mac = device("<interface type='user'>"
                                              "<mac address='52:54:00:01:02:03'/></interface>");
    g_autoptr(MarinaDevice) new_mac = device("<interface type='user'>"
                                             "<mac address='52:54:00:01:02:04'/></interface>");
    g_autoptr(MarinaDevice) watchdog = device("<watchdog model='i6300esb' action='reset'/>");
    g_autoptr(GError) error = NULL;

    (void)state;
    assert_false(marina_device_check_new(config, same_disk, &error));
    assert_non_null(strstr(error->message, "Target device"));
    assert_non_null(strstr(error->message, "vda"));
    g_clear_error(&error);
    assert_false(marina_device_check_new(config, same_mac, &error));
    assert_non_null(strstr(error->message, "MAC address"));
    assert_non_null(strstr(error->message, "52:54:00:01:02:03"));
    g_clear_error(&error);
    assert_true(marina_device_check_new(config, new_disk, &error));
    assert_true(marina_device_check_new(config, new_mac, &error));
    assert_true(marina_device_check_new(config, watchdog, &error));
    after = marina_domain_config_to_xml(config);
    assert_string_equal(before, after);
}

static void
test_second_watchdog(void **state)
{
    g_autoptr(MarinaDomainConfig) config =
        guest_with("<watchdog model='i6300esb' action='reset'/>");
    g_autoptr(MarinaDevice) watchdog = device("<watchdog model='ib700'/>");
    g_autoptr(GError) error = NULL;

    (void)state;
    assert_false(marina_device_check_new(config, watchdog, &error));
    assert_non_null(error);
    assert_non_null(config->watchdog);
    assert_string_equal(config->watchdog->model, "i6300esb");
}

static void
test_hotplug(void **state)
{
    static const struct {
        const char *xml;
        gboolean live;
    } cases[] = {
        {"<disk type='file' device='disk'><source file='/tmp/a'/>"
         "<target dev='vdb' bus='virtio'/></disk>",
         TRUE},
        {"<disk type='file' device='disk'><source file='/tmp/a'/>"
         "<target dev='sdb' bus='scsi'/></disk>",
         TRUE},
        {"<disk type='file' device='disk'><source file='/tmp/a'/>"
         "<target dev='sdb' bus='sata'/></disk>",
         FALSE},
        {"<disk type='file' device='cdrom'><target dev='sdb' bus='sata'/></disk>", FALSE},
        {"<disk type='file' device='disk'><source file='/tmp/a'/>"
         "<target dev='hdb' bus='ide'/></disk>",
         FALSE},
        {"<interface type='user'><model type='e1000'/></interface>", TRUE},
        {"<input type='tablet' bus='usb'/>", TRUE},
        {"<input type='mouse' bus='ps2'/>", FALSE},
        {"<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/>"
         "<product id='0xc52b'/></source></hostdev>",
         TRUE},
        {"<sound model='ich9'/>", FALSE},
        {"<watchdog model='i6300esb'/>", FALSE},
        {"<video><model type='vga'/></video>", FALSE},
    };

    (void)state;
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(MarinaDevice) dev = device(cases[i].xml);

        if (marina_device_can_hotplug(dev) != cases[i].live)
            fail_msg("%s: hot-plug %d, expected %d", cases[i].xml, !cases[i].live, cases[i].live);
    }
}

static void
test_volume_name(void **state)
{
    const char *const taken[] = {"web-vdb.qcow2", "web-vdb-1.qcow2", "web-vdc.raw", NULL};
    g_autofree char *first = marina_volume_free_name("web-vdc", "qcow2", taken);
    g_autofree char *second = marina_volume_free_name("web-vdb", "qcow2", taken);
    g_autofree char *none = marina_volume_free_name("web-vdb", "qcow2", NULL);

    (void)state;
    assert_string_equal(first, "web-vdc.qcow2");
    assert_string_equal(second, "web-vdb-2.qcow2");
    assert_string_equal(none, "web-vdb.qcow2");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_targets), cmocka_unit_test(test_next_free),
        cmocka_unit_test(test_after_z),       cmocka_unit_test(test_ide_full),
        cmocka_unit_test(test_check_new),     cmocka_unit_test(test_second_watchdog),
        cmocka_unit_test(test_hotplug),       cmocka_unit_test(test_volume_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
