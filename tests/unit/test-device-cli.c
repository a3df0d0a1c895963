#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "device-args.h"
#include "domain.h"
#include "error.h"

/*
 * marinactl's device commands (commands-device.c) turn their arguments into
 * a device with the domain model: attach-disk, attach-interface and
 * change-media; the --live / --config / --current rules; blockresize's
 * sizes; the domblklist and domiflist tables.
 */

static MarinaDiskConfig *
disk_of(MarinaDevice *device)
{
    assert_non_null(device);
    assert_int_equal(device->kind, MARINA_DEVICE_DISK);
    return device->config;
}

static void
test_disk_defaults_from_target(void **state)
{
    g_autoptr(MarinaDevice) vd = NULL, sd = NULL, hd = NULL;
    g_autoptr(GError) error = NULL;
    MarinaDiskConfig *disk;

    vd = cli_build_disk(
        &(CliDiskArgs){
            .source = "/img/a.qcow2", .target = "vdb", .subdriver = "qcow2", .driver = "qemu"},
        &error);
    disk = disk_of(vd);
    assert_int_equal(disk->bus, MARINA_DISK_BUS_VIRTIO);
    assert_int_equal(disk->device, MARINA_DISK_DEVICE_DISK);
    assert_int_equal(disk->type, MARINA_DISK_TYPE_FILE);
    assert_string_equal(disk->source, "/img/a.qcow2");
    assert_string_equal(disk->format, "qcow2");
    assert_false(disk->readonly);

    sd = cli_build_disk(
        &(CliDiskArgs){
            .source = "/img/b.raw", .target = "sdb", .mode = "shareable", .cache = "none"},
        &error);
    disk = disk_of(sd);
    assert_int_equal(disk->bus, MARINA_DISK_BUS_SCSI);
    assert_true(disk->shareable);
    assert_string_equal(disk->cache, "none");

    /* An empty CD-ROM drive: source "". */
    hd = cli_build_disk(
        &(CliDiskArgs){.source = "", .target = "hdc", .type = "cdrom", .mode = "readonly"}, &error);
    disk = disk_of(hd);
    assert_int_equal(disk->bus, MARINA_DISK_BUS_IDE);
    assert_int_equal(disk->device, MARINA_DISK_DEVICE_CDROM);
    assert_null(disk->source);
    assert_true(disk->readonly);
}

static void
test_disk_explicit_bus_and_block(void **state)
{
    g_autoptr(MarinaDevice) device = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    MarinaDiskConfig *disk;

    device = cli_build_disk(
        &(CliDiskArgs){
            .source = "/dev/vg/data", .target = "sdc", .targetbus = "sata", .sourcetype = "block"},
        &error);
    disk = disk_of(device);
    assert_int_equal(disk->bus, MARINA_DISK_BUS_SATA);
    assert_int_equal(disk->type, MARINA_DISK_TYPE_BLOCK);
    /* What is sent to the daemon: one <disk> element. */
    xml = marina_device_to_xml(device);
    assert_non_null(strstr(xml, "<disk"));
    assert_non_null(strstr(xml, "/dev/vg/data"));
    assert_non_null(strstr(xml, "sdc"));
}

static void
assert_disk_refused(const CliDiskArgs *args, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDevice) device = cli_build_disk(args, &error);

    assert_null(device);
    assert_non_null(error);
    if (needle != NULL && strstr(error->message, needle) == NULL)
        fail_msg("\"%s\" does not say \"%s\"", error->message, needle);
}

static void
test_disk_refusals(void **state)
{
    assert_disk_refused(&(CliDiskArgs){.source = "/a", .target = "vdb", .type = "tape"}, "tape");
    assert_disk_refused(&(CliDiskArgs){.source = "/a", .target = "vdb", .targetbus = "pcmcia"},
                        "pcmcia");
    assert_disk_refused(&(CliDiskArgs){.source = "/a", .target = "vdb", .driver = "xen"}, "xen");
    assert_disk_refused(&(CliDiskArgs){.source = "/a", .target = "vdb", .mode = "rw"}, "rw");
    assert_disk_refused(&(CliDiskArgs){.source = "/a", .target = "vdb", .sourcetype = "net"},
                        "net");
    assert_disk_refused(&(CliDiskArgs){.source = "", .target = "vdb"}, "source");
    assert_disk_refused(&(CliDiskArgs){.source = "/a", .target = NULL}, "target");
}

static void
test_interfaces(void **state)
{
    g_autoptr(MarinaDevice) user = NULL, net = NULL, bridge = NULL, bad = NULL;
    g_autoptr(GError) error = NULL;
    MarinaInterfaceConfig *iface;

    user = cli_build_interface("user", NULL, NULL, NULL, NULL, &error);
    assert_non_null(user);
    iface = user->config;
    assert_int_equal(iface->type, MARINA_NET_TYPE_USER);
    assert_non_null(iface->mac);
    assert_true(g_str_has_prefix(iface->mac, "52:54:00:"));

    net = cli_build_interface("network", "default", "52:54:00:AA:BB:CC", "e1000", NULL, &error);
    assert_non_null(net);
    iface = net->config;
    assert_int_equal(iface->type, MARINA_NET_TYPE_NETWORK);
    assert_string_equal(iface->source, "default");
    assert_string_equal(iface->mac, "52:54:00:aa:bb:cc");
    assert_string_equal(iface->model, "e1000");

    bridge = cli_build_interface("bridge", "br0", NULL, NULL, "tap7", &error);
    assert_non_null(bridge);
    iface = bridge->config;
    assert_string_equal(iface->source, "br0");
    assert_string_equal(iface->target_dev, "tap7");

    bad = cli_build_interface("network", NULL, NULL, NULL, NULL, &error);
    assert_null(bad);
    g_clear_error(&error);
    bad = cli_build_interface("direct", "eth0", NULL, NULL, NULL, &error);
    assert_null(bad);
    assert_non_null(strstr(error->message, "direct"));
    g_clear_error(&error);
    bad = cli_build_interface("user", NULL, "01:00:5e:00:00:01", NULL, NULL, &error);
    assert_null(bad);
    assert_non_null(strstr(error->message, "01:00:5e:00:00:01"));
}

static void
test_affect_flags(void **state)
{
    g_autoptr(GError) error = NULL;
    guint flags = 99;

    assert_true(cli_affect_flags(FALSE, FALSE, FALSE, FALSE, TRUE, &flags, &error));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_CURRENT);
    assert_true(cli_affect_flags(TRUE, FALSE, FALSE, FALSE, TRUE, &flags, &error));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_LIVE);
    assert_true(cli_affect_flags(TRUE, TRUE, FALSE, FALSE, TRUE, &flags, &error));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_LIVE | MARINA_DOMAIN_AFFECT_CONFIG);
    /* --persistent: config, and live while the guest runs. */
    assert_true(cli_affect_flags(FALSE, FALSE, FALSE, TRUE, TRUE, &flags, &error));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_LIVE | MARINA_DOMAIN_AFFECT_CONFIG);
    assert_true(cli_affect_flags(FALSE, FALSE, FALSE, TRUE, FALSE, &flags, &error));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_CONFIG);
    /* --current excludes the others. */
    assert_true(cli_affect_flags(FALSE, FALSE, TRUE, FALSE, FALSE, &flags, &error));
    assert_int_equal(flags, MARINA_DOMAIN_AFFECT_CURRENT);
    assert_false(cli_affect_flags(TRUE, FALSE, TRUE, FALSE, TRUE, &flags, &error));
    assert_non_null(strstr(error->message, "--current"));
    g_clear_error(&error);
    assert_false(cli_affect_flags(FALSE, TRUE, TRUE, FALSE, TRUE, &flags, &error));
    g_clear_error(&error);
    assert_false(cli_affect_flags(FALSE, FALSE, TRUE, TRUE, TRUE, &flags, &error));
}

static void
test_resize_sizes(void **state)
{
    g_autoptr(GError) error = NULL;
    guint64 bytes = 0;

    assert_true(cli_parse_resize("1024", &bytes, &error));
    assert_int_equal(bytes, 1024 * 1024); /* KiB by default, as virsh */
    assert_true(cli_parse_resize("10G", &bytes, &error));
    assert_int_equal(bytes, G_GUINT64_CONSTANT(10) << 30);
    assert_true(cli_parse_resize("10GiB", &bytes, &error));
    assert_int_equal(bytes, G_GUINT64_CONSTANT(10) << 30);
    assert_true(cli_parse_resize("512B", &bytes, &error));
    assert_int_equal(bytes, 512);
    assert_true(cli_parse_resize("3MB", &bytes, &error));
    assert_int_equal(bytes, 3000000);
    assert_true(cli_parse_resize("2t", &bytes, &error));
    assert_int_equal(bytes, G_GUINT64_CONSTANT(2) << 40);
    assert_false(cli_parse_resize("", &bytes, &error));
    g_clear_error(&error);
    assert_false(cli_parse_resize("-5G", &bytes, &error));
    g_clear_error(&error);
    assert_false(cli_parse_resize("10Q", &bytes, &error));
    g_clear_error(&error);
    assert_false(cli_parse_resize("99999999999999999T", &bytes, &error));
    g_clear_error(&error);
    assert_false(cli_parse_resize("123456789012345678901", &bytes, &error));
}

static const char domain_xml[] =
    "<domain type='kvm'><name>d</name><memory unit='MiB'>128</memory><devices>"
    "<disk type='file' device='disk'><source file='/img/root.qcow2'/>"
    "<driver name='qemu' type='qcow2'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>"
    "<disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='sdb' bus='scsi'/>"
    "</disk>"
    "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/>"
    "<target dev='vnet0'/><model type='e1000'/></interface>"
    "<interface type='user'><mac address='52:54:00:00:00:02'/></interface>"
    "</devices></domain>";

static void
test_tables(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomainConfig) config = marina_domain_config_parse(domain_xml, -1, NULL, &error);
    g_autofree char *blk = NULL, *details = NULL, *ifs = NULL;

    assert_non_null(config);
    blk = cli_format_domblklist(config, FALSE);
    assert_string_equal(blk, " Target   Source\n"
                             "---------------------------\n"
                             " vda      /img/root.qcow2\n"
                             " hdc      -\n"
                             " sdb      /dev/sdz\n");
    details = cli_format_domblklist(config, TRUE);
    assert_non_null(strstr(details, " Type    Device   Target   Source\n"));
    assert_non_null(strstr(details, " file    cdrom    hdc      -\n"));
    assert_non_null(strstr(details, " block   disk     sdb      /dev/sdz\n"));
    ifs = cli_format_domiflist(config);
    assert_non_null(strstr(ifs, " Interface   Type      Source    Model    MAC\n"));
    assert_non_null(strstr(ifs, " -           network   default   e1000    52:54:00:00:00:01\n"));
    assert_non_null(strstr(ifs, " -           user      -         virtio   52:54:00:00:00:02\n"));
}

static void
test_media_and_find(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomainConfig) config = marina_domain_config_parse(domain_xml, -1, NULL, &error);
    g_autoptr(MarinaDevice) inserted = NULL, ejected = NULL;
    MarinaDiskConfig *cd, *disk;

    assert_non_null(config);
    cd = cli_find_disk(config, "hdc");
    assert_non_null(cd);
    assert_ptr_equal(cli_find_disk(config, "/img/root.qcow2"), config->disks->pdata[0]);
    assert_null(cli_find_disk(config, "vdz"));

    inserted = cli_media_device(cd, "/iso/x.iso");
    disk = disk_of(inserted);
    assert_string_equal(disk->source, "/iso/x.iso");
    assert_string_equal(disk->format, "raw");
    assert_string_equal(disk->target_dev, "hdc");
    assert_int_equal(disk->device, MARINA_DISK_DEVICE_CDROM);
    assert_null(cd->source); /* the guest's own entry is left alone */

    ejected = cli_media_device(disk, NULL);
    assert_null(disk_of(ejected)->source);
    assert_null(disk_of(ejected)->format);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disk_defaults_from_target),
        cmocka_unit_test(test_disk_explicit_bus_and_block),
        cmocka_unit_test(test_disk_refusals),
        cmocka_unit_test(test_interfaces),
        cmocka_unit_test(test_affect_flags),
        cmocka_unit_test(test_resize_sizes),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_media_and_find),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
