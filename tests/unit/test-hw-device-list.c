/* The rows of Details' hardware list (src/ui/hw-device-list.c): their
 * names as virt-manager gives them, their order, and removing a device. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "hw-device-list.h"

static const char guest_xml[] =
    "<domain type='kvm'><name>rows</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
    "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
    "<disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>"
    "<disk type='file' device='disk'><source file='/b.img'/><target dev='vdb' bus='virtio'/></disk>"
    "<disk type='file' device='disk'><source file='/c.img'/><target dev='sdb' bus='sata'/></disk>"
    "<controller type='usb' index='0' model='qemu-xhci'/>"
    "<interface type='user'><mac address='52:54:00:a1:b2:c3'/></interface>"
    "<serial type='pty'><target port='0'/></serial>"
    "<console type='pty'><target type='serial' port='0'/></console>"
    "<input type='tablet' bus='usb'/><input type='keyboard' bus='ps2'/>"
    "<graphics type='vnc'/><sound model='ich9'/><video><model type='vga'/></video>"
    "<watchdog model='i6300esb' action='reset'/>"
    "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
    "<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/>"
    "<product id='0xc52b'/></source></hostdev>"
    "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
    "<address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source></hostdev>"
    "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>"
    "</devices></domain>";

static MarinaDomainConfig *
parse(void)
{
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *config = marina_domain_config_parse(guest_xml, -1, NULL, &error);

    if (config == NULL)
        fail_msg("the test guest does not parse: %s", error->message);
    return config;
}

static char *
labels(GPtrArray *rows)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < rows->len; i++) {
        const MarinaHwEntry *entry = rows->pdata[i];

        g_string_append_printf(out, "%s%s", i > 0 ? "|" : "", entry->label);
    }
    return g_string_free(out, FALSE);
}

static void
assert_labels(GPtrArray *rows, const char *want)
{
    g_autofree char *got = labels(rows);

    if (strcmp(got, want) != 0)
        fail_msg("rows\n  %s\nwant\n  %s", got, want);
}

/* The guest's own pages first, then each device, numbered per bus and
 * kind ("VirtIO Disk 2" is the second VirtIO disk), XML last. */
static void
test_rows_name_every_device(void **state)
{
    g_autoptr(MarinaDomainConfig) config = parse();
    g_autoptr(GPtrArray) rows = marina_hw_device_list(config);

    (void)state;
    assert_labels(rows, "Overview|OS information|Performance|CPUs|Memory|Boot options|"
                        "VirtIO Disk 1|SATA CD-ROM 1|VirtIO Disk 2|SATA Disk 1|NIC :a1:b2:c3|"
                        "Tablet|Keyboard|Display VNC|Sound ich9|Serial 1|Console|Video VGA|"
                        "Controller USB 0|Watchdog|RNG /dev/urandom|USB 046d:c52b|"
                        "PCI 0000:01:00.1|TPM v2.0|XML");
}

/* Each device row knows its place in its kind's list; serial ports come
 * before consoles in the character devices' numbering. */
static void
test_rows_carry_kind_and_index(void **state)
{
    g_autoptr(MarinaDomainConfig) config = parse();
    g_autoptr(GPtrArray) rows = marina_hw_device_list(config);
    const MarinaHwEntry *second_virtio = rows->pdata[8];
    const MarinaHwEntry *console = rows->pdata[16];

    (void)state;
    assert_int_equal(second_virtio->kind, MARINA_HW_DISK);
    assert_int_equal(second_virtio->index, 2);
    assert_int_equal(console->kind, MARINA_HW_CHAR);
    assert_int_equal(console->index, 1);
    assert_true(marina_hw_kind_is_device(MARINA_HW_DISK));
    assert_true(marina_hw_kind_is_device(MARINA_HW_RNG));
    assert_false(marina_hw_kind_is_device(MARINA_HW_MEMORY));
    assert_false(marina_hw_kind_is_device(MARINA_HW_XML));
    assert_true(marina_hw_kind_is_device(MARINA_HW_TPM));
    assert_string_equal(marina_hw_kind_name(MARINA_HW_NIC), "nic");
}

/* Before the definition is read: only the rows that need none. */
static void
test_rows_without_definition(void **state)
{
    g_autoptr(GPtrArray) rows = marina_hw_device_list(NULL);

    (void)state;
    assert_labels(rows, "Overview|OS information|Performance|XML");
}

/* Removing takes exactly that device; the rest keep their names. */
static void
test_remove_device(void **state)
{
    g_autoptr(MarinaDomainConfig) config = parse();
    g_autoptr(GPtrArray) rows = NULL;

    (void)state;
    assert_true(marina_hw_remove_device(config, MARINA_HW_DISK, 1));
    assert_true(marina_hw_remove_device(config, MARINA_HW_CHAR, 1)); /* the console */
    assert_true(marina_hw_remove_device(config, MARINA_HW_WATCHDOG, 0));
    assert_false(marina_hw_remove_device(config, MARINA_HW_WATCHDOG, 0));
    assert_true(marina_hw_remove_device(config, MARINA_HW_HOSTDEV, 0));
    assert_true(marina_hw_remove_device(config, MARINA_HW_TPM, 0));
    assert_null(config->tpm);
    assert_false(marina_hw_remove_device(config, MARINA_HW_NIC, 5));
    assert_false(marina_hw_remove_device(config, MARINA_HW_MEMORY, 0));
    assert_true(marina_domain_config_validate(config, NULL));
    rows = marina_hw_device_list(config);
    assert_labels(rows, "Overview|OS information|Performance|CPUs|Memory|Boot options|"
                        "VirtIO Disk 1|VirtIO Disk 2|SATA Disk 1|NIC :a1:b2:c3|Tablet|Keyboard|"
                        "Display VNC|Sound ich9|Serial 1|Video VGA|Controller USB 0|"
                        "RNG /dev/urandom|PCI 0000:01:00.1|XML");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_name_every_device),
        cmocka_unit_test(test_rows_carry_kind_and_index),
        cmocka_unit_test(test_rows_without_definition),
        cmocka_unit_test(test_remove_device),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
