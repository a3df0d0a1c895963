#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "domain-config.h"
#include "domain-device-edit.h"
#include "error.h"

/*
 * One device as its own XML element (domain-device-edit.c): every kind is
 * read, written and read back the same; found by libvirt's matching rules;
 * added, removed and replaced with the whole config validated, and a refused
 * change leaves the config exactly as it was.
 */

/* One element of every kind, each valid on its own. */
static const struct {
    MarinaDeviceKind kind;
    const char *xml;
} every_kind[] = {
    {MARINA_DEVICE_DISK, "<disk type='file' device='disk'><driver name='qemu' type='qcow2' "
                         "cache='none' discard='unmap'/><source file='/var/lib/marina/b.qcow2'/>"
                         "<target dev='vdb' bus='virtio'/><serial>S1</serial><readonly/></disk>"},
    {MARINA_DEVICE_DISK, "<disk type='file' device='cdrom'><target dev='sdb' bus='sata'/></disk>"},
    {MARINA_DEVICE_CONTROLLER, "<controller type='scsi' index='1' model='virtio-scsi'/>"},
    {MARINA_DEVICE_INTERFACE, "<interface type='bridge'><mac address='52:54:00:aa:bb:cc'/>"
                              "<source bridge='br0'/><model type='e1000'/><link state='down'/>"
                              "<mtu size='9000'/></interface>"},
    {MARINA_DEVICE_SERIAL, "<serial type='pty'><target port='1'/></serial>"},
    {MARINA_DEVICE_CONSOLE, "<console type='pty'><target type='virtio' port='1'/></console>"},
    {MARINA_DEVICE_GRAPHICS, "<graphics type='vnc' port='5905' listen='127.0.0.1'/>"},
    {MARINA_DEVICE_VIDEO, "<video><model type='vga' vram='16384' heads='1'/></video>"},
    {MARINA_DEVICE_INPUT, "<input type='keyboard' bus='virtio'/>"},
    {MARINA_DEVICE_SOUND, "<sound model='ac97'/>"},
    {MARINA_DEVICE_HOSTDEV, "<hostdev mode='subsystem' type='usb' managed='no'><source>"
                            "<address bus='1' device='4'/></source></hostdev>"},
    {MARINA_DEVICE_HOSTDEV, "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
                            "<address domain='0x0000' bus='0x03' slot='0x1f' function='0x7'/>"
                            "</source></hostdev>"},
    {MARINA_DEVICE_WATCHDOG, "<watchdog model='ib700' action='poweroff'/>"},
    {MARINA_DEVICE_RNG, "<rng model='virtio'><backend model='random'>/dev/random</backend></rng>"},
    {MARINA_DEVICE_TPM, "<tpm model='tpm-crb'><backend type='emulator' version='1.2'/></tpm>"},
    {MARINA_DEVICE_TPM, "<tpm model='tpm-tis'><backend type='passthrough'><device "
                        "path='/dev/tpm0'/></backend></tpm>"},
    {MARINA_DEVICE_MEMBALLOON, "<memballoon model='none'/>"},
};

static const char guest_xml[] =
    "<domain type='kvm'>\n"
    "  <name>web1</name>\n"
    "  <memory unit='MiB'>512</memory>\n"
    "  <vcpu>2</vcpu>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'><source file='/var/lib/marina/a.qcow2'/>"
    "<target dev='vda' bus='virtio'/></disk>\n"
    "    <controller type='usb' index='0' model='qemu-xhci'/>\n"
    "    <interface type='user'><mac address='52:54:00:00:00:01'/></interface>\n"
    "    <serial type='pty'><target port='0'/></serial>\n"
    "    <input type='tablet' bus='usb'/>\n"
    "    <graphics type='vnc' port='-1'/>\n"
    "    <video><model type='virtio'/></video>\n"
    "    <hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/>"
    "<product id='0xc52b'/></source></hostdev>\n"
    "    <watchdog model='i6300esb'/>\n"
    "  </devices>\n"
    "</domain>\n";

static MarinaDomainConfig *
guest(void)
{
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *c = marina_domain_config_parse(guest_xml, -1, NULL, &error);

    if (c == NULL)
        fail_msg("the guest does not parse: %s", error->message);
    return c;
}

static MarinaDevice *
parse_ok(const char *xml)
{
    g_autoptr(GError) error = NULL;
    MarinaDevice *device = marina_device_parse(xml, -1, NULL, &error);

    if (device == NULL)
        fail_msg("%s does not parse: %s", xml, error->message);
    return device;
}

static void
assert_error_mentions(const GError *error, const char *needle)
{
    assert_non_null(error);
    if (strstr(error->message, needle) == NULL)
        fail_msg("error '%s' does not mention '%s'", error->message, needle);
}

/* parse → write → parse gives the same XML, and the kind is the element's. */
static void
test_every_kind_round_trips(void **state)
{
    for (guint i = 0; i < G_N_ELEMENTS(every_kind); i++) {
        g_autoptr(MarinaDevice) device = parse_ok(every_kind[i].xml);
        g_autoptr(MarinaDevice) back = NULL;
        g_autoptr(MarinaDevice) copy = NULL;
        g_autofree char *xml = NULL;
        g_autofree char *again = NULL;
        g_autofree char *copied = NULL;
        g_autofree char *name = NULL;

        assert_int_equal(device->kind, every_kind[i].kind);
        xml = marina_device_to_xml(device);
        back = parse_ok(xml);
        again = marina_device_to_xml(back);
        assert_string_equal(xml, again);
        copy = marina_device_copy(device);
        assert_ptr_not_equal(copy->config, device->config);
        copied = marina_device_to_xml(copy);
        assert_string_equal(xml, copied);
        name = marina_device_describe(device);
        assert_true(name != NULL && name[0] != '\0');
    }
}

static void
test_written_xml_is_the_element_alone(void **state)
{
    g_autoptr(MarinaDevice) disk = parse_ok(every_kind[0].xml);
    g_autoptr(MarinaDevice) nic = parse_ok(every_kind[3].xml);
    g_autofree char *xml = marina_device_to_xml(disk);
    g_autofree char *nic_xml = marina_device_to_xml(nic);

    assert_true(g_str_has_prefix(xml, "<disk type=\"file\" device=\"disk\">\n  <driver"));
    assert_non_null(strstr(xml, "discard=\"unmap\""));
    assert_true(g_str_has_suffix(xml, "</disk>\n"));
    assert_non_null(strstr(nic_xml, "<link state=\"down\"/>"));
    assert_non_null(strstr(nic_xml, "<mtu size=\"9000\"/>"));
}

static void
test_parsed_fields(void **state)
{
    g_autoptr(MarinaDevice) pci = parse_ok(every_kind[11].xml);
    g_autoptr(MarinaDevice) usb = parse_ok(every_kind[10].xml);
    g_autoptr(MarinaDevice) tpm = parse_ok(every_kind[14].xml);
    g_autoptr(MarinaDevice) nic = parse_ok("<interface type='user'/>");
    const MarinaHostdevConfig *h = pci->config;
    const MarinaTpmConfig *t = tpm->config;
    const MarinaInterfaceConfig *n = nic->config;
    g_autofree char *pci_name = marina_device_describe(pci);
    g_autofree char *usb_name = marina_device_describe(usb);

    assert_int_equal(h->type, MARINA_HOSTDEV_PCI);
    assert_true(h->managed);
    assert_int_equal(h->pci_bus, 3);
    assert_int_equal(h->pci_slot, 0x1f);
    assert_int_equal(h->pci_function, 7);
    assert_string_equal(pci_name, "PCI host device 0000:03:1f.7");
    assert_string_equal(usb_name, "USB host device 001.004");
    assert_int_equal(t->model, MARINA_TPM_MODEL_CRB);
    assert_int_equal(t->backend, MARINA_TPM_BACKEND_EMULATOR);
    assert_string_equal(t->version, "1.2");
    /* Defaults as in a whole domain: a generated MAC. */
    assert_true(n->mac_generated);
    assert_non_null(n->mac);
    assert_false(n->link_down);
}

static void
test_bad_devices_are_refused_by_name(void **state)
{
    static const struct {
        const char *xml;
        const char *needle;
    } bad[] = {
        {"<disk type='file' device='disk'><source file='rel.img'/><target dev='vdb'/></disk>",
         "absolute"},
        {"<disk type='file' device='disk'><source file='/a.img'/></disk>", "<target dev"},
        {"<disk type='file'><driver discard='sometimes'/><source file='/a'/><target dev='vdc'/>"
         "</disk>",
         "discard"},
        {"<interface type='user'><link state='sideways'/></interface>", "<link state>"},
        {"<interface type='user'><mtu size='20'/></interface>", "mtu"},
        {"<hostdev mode='capabilities' type='usb'/>", "mode"},
        {"<hostdev mode='subsystem' type='usb'/>", "names no device"},
        {"<hostdev mode='subsystem' type='pci' managed='yes'/>", "A PCI <hostdev> names no device"},
        {"<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/></source></hostdev>",
         "product"},
        {"<hostdev mode='subsystem' type='pci'><source><address bus='0x100'/></source></hostdev>",
         "<address bus>"},
        {"<hostdev mode='subsystem' type='pci'><source><address slot='0x20'/></source></hostdev>",
         "<address slot>"},
        {"<hostdev mode='subsystem' type='scsi'/>", "<hostdev type>"},
        {"<tpm model='tpm-spapr'><backend type='emulator'/></tpm>", "<tpm model>"},
        {"<tpm model='tpm-tis'/>", "<backend>"},
        {"<tpm><backend type='emulator' version='3.0'/></tpm>", "version"},
        {"<tpm><backend type='passthrough'><device path='tpm0'/></backend></tpm>", "absolute"},
        {"<memballoon model='xen'/>", "memballoon"},
        {"<emulator>/usr/bin/qemu</emulator>", "<emulator>"},
        {"<channel type='unix'/>", "<channel>"},
        {"<graphics type='spice'/>", "spice"},
        {"not xml", "well-formed"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(MarinaDevice) device = marina_device_parse(bad[i].xml, -1, NULL, &error);

        if (device != NULL)
            fail_msg("%s was accepted", bad[i].xml);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
        assert_error_mentions(error, bad[i].needle);
    }
}

static void
test_hostile_input_is_refused(void **state)
{
    g_autoptr(GString) huge = g_string_new("<disk type='file'><serial>");
    g_autoptr(GString) deep = g_string_new("<disk type='file'>");
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDevice) device = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    static const char entity[] =
        "<!DOCTYPE disk [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        "<disk type='file'><source file='/a'/><target dev='vdb'/><serial>&x;</serial></disk>";

    for (guint i = 0; i < 100000; i++)
        g_string_append(huge, "AAAAAAAAAA");
    g_string_append(huge, "</serial><source file='/a'/><target dev='vdb'/></disk>");
    device = marina_device_parse(huge->str, -1, NULL, &error);
    assert_null(device);
    assert_error_mentions(error, "larger than");
    g_clear_error(&error);

    for (guint i = 0; i < 5000; i++)
        g_string_append(deep, "<a>");
    for (guint i = 0; i < 5000; i++)
        g_string_append(deep, "</a>");
    g_string_append(deep, "<source file='/a'/><target dev='vdb'/></disk>");
    device = marina_device_parse(deep->str, -1, warnings, &error);
    assert_null(device);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    g_clear_error(&error);

    device = marina_device_parse(entity, -1, NULL, &error);
    assert_null(device);
    assert_error_mentions(error, "ENTITY");
    g_clear_error(&error);

    /* Two elements: not one device. */
    device = marina_device_parse("<sound model='ac97'/><sound model='ac97'/>", -1, NULL, &error);
    assert_null(device);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
}

/* ---- find ----------------------------------------------------------------- */

static int
find(const MarinaDomainConfig *c, const char *xml, GError **error)
{
    g_autoptr(MarinaDevice) device = parse_ok(xml);

    return marina_domain_config_find_device(c, device, error);
}

static void
test_find_by_libvirt_rules(void **state)
{
    g_autoptr(MarinaDomainConfig) c = guest();
    g_autoptr(GError) error = NULL;

    /* A disk by target, whatever its source says. */
    assert_int_equal(
        find(c, "<disk type='file'><source file='/other'/><target dev='vda'/></disk>", NULL), 0);
    /* An interface by MAC, in any spelling. */
    assert_int_equal(find(c,
                          "<interface type='bridge'><mac address='52:54:0:0:0:1'/>"
                          "<source bridge='br0'/></interface>",
                          NULL),
                     0);
    /* Without a MAC: the only interface of that type. */
    assert_int_equal(find(c, "<interface type='user'/>", NULL), 0);
    assert_int_equal(find(c, "<controller type='usb' index='0'/>", NULL), 0);
    assert_int_equal(find(c, "<serial type='pty'><target port='0'/></serial>", NULL), 0);
    assert_int_equal(find(c,
                          "<hostdev mode='subsystem' type='usb'><source><vendor id='0x46D'/>"
                          "<product id='0xC52B'/></source></hostdev>",
                          NULL),
                     0);
    assert_int_equal(find(c, "<watchdog model='ib700'/>", NULL), 0);
    assert_int_equal(find(c, "<input type='tablet' bus='usb'/>", NULL), 0);
    assert_int_equal(find(c, "<memballoon model='virtio'/>", NULL), 0);

    assert_int_equal(
        find(c, "<disk type='file'><source file='/a'/><target dev='vdb'/></disk>", &error), -1);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE));
    assert_string_equal(error->message, "Guest 'web1' has no disk 'vdb'.");
    g_clear_error(&error);
    assert_int_equal(find(c, "<input type='mouse' bus='ps2'/>", &error), -1);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE));
    g_clear_error(&error);
    assert_int_equal(find(c, "<tpm><backend type='emulator'/></tpm>", &error), -1);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE));
    g_clear_error(&error);
    assert_int_equal(find(c, "<controller type='usb' index='1'/>", &error), -1);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE));
}

/* ---- add / remove / replace ----------------------------------------------- */

/* The config is unchanged when @xml is written the same before and after. */
static void
assert_refused_unchanged(MarinaDomainConfig *c,
                         gboolean (*edit)(MarinaDomainConfig *, const MarinaDevice *, GError **),
                         const char *device_xml, const char *needle)
{
    g_autofree char *before = marina_domain_config_to_xml(c);
    g_autofree char *after = NULL;
    g_autoptr(MarinaDevice) device = parse_ok(device_xml);
    g_autoptr(GError) error = NULL;

    if (edit(c, device, &error))
        fail_msg("%s was accepted", device_xml);
    assert_error_mentions(error, needle);
    after = marina_domain_config_to_xml(c);
    assert_string_equal(before, after);
}

static void
test_add_every_kind(void **state)
{
    for (guint i = 0; i < G_N_ELEMENTS(every_kind); i++) {
        g_autoptr(MarinaDomainConfig) c = guest();
        g_autoptr(MarinaDevice) device = parse_ok(every_kind[i].xml);
        g_autoptr(GError) error = NULL;
        g_autoptr(MarinaDomainConfig) back = NULL;
        g_autofree char *xml = NULL;

        if (device->kind == MARINA_DEVICE_WATCHDOG) /* one at most: make room */
            assert_true(marina_domain_config_remove_device(c, device, NULL));
        if (device->kind == MARINA_DEVICE_MEMBALLOON) {
            g_free(c->memballoon_model);
            c->memballoon_model = g_strdup("none");
        }
        if (!marina_domain_config_add_device(c, device, &error))
            fail_msg("adding %s failed: %s", every_kind[i].xml, error->message);
        assert_int_equal(marina_domain_config_find_device(c, device, NULL) >= 0, TRUE);
        xml = marina_domain_config_to_xml(c);
        back = marina_domain_config_parse(xml, -1, NULL, &error);
        if (back == NULL)
            fail_msg("the config with %s does not parse back: %s", every_kind[i].xml,
                     error->message);
    }
}

static void
test_add_assigns_what_is_left(void **state)
{
    g_autoptr(MarinaDomainConfig) c = guest();
    g_autoptr(MarinaDevice) serial = parse_ok("<serial type='pty'/>");
    g_autoptr(MarinaDevice) usb = parse_ok("<controller type='usb' model='qemu-xhci'/>");
    g_autoptr(MarinaDevice) nic = parse_ok("<interface type='user'/>");
    MarinaInterfaceConfig *first;
    MarinaInterfaceConfig *second;

    assert_true(marina_domain_config_add_device(c, serial, NULL));
    assert_int_equal(((MarinaCharConfig *)c->serials->pdata[1])->port, 1);
    assert_true(marina_domain_config_add_device(c, usb, NULL));
    assert_int_equal(((MarinaControllerConfig *)c->controllers->pdata[1])->index, 1);
    /* A generated MAC that is taken is drawn again. */
    first = c->interfaces->pdata[0];
    g_free(((MarinaInterfaceConfig *)nic->config)->mac);
    ((MarinaInterfaceConfig *)nic->config)->mac = g_strdup(first->mac);
    assert_true(marina_domain_config_add_device(c, nic, NULL));
    second = c->interfaces->pdata[1];
    assert_string_not_equal(first->mac, second->mac);
}

static void
test_add_refuses_duplicates_unchanged(void **state)
{
    g_autoptr(MarinaDomainConfig) c = guest();

    assert_refused_unchanged(c, marina_domain_config_add_device,
                             "<disk type='file'><source file='/b'/><target dev='vda'/></disk>",
                             "vda");
    assert_refused_unchanged(c, marina_domain_config_add_device,
                             "<interface type='user'><mac address='52:54:00:00:00:01'/>"
                             "</interface>",
                             "52:54:00:00:00:01");
    assert_refused_unchanged(c, marina_domain_config_add_device,
                             "<controller type='usb' index='0'/>", "index='0'");
    assert_refused_unchanged(c, marina_domain_config_add_device, "<watchdog model='ib700'/>",
                             "already has a watchdog");
    assert_refused_unchanged(c, marina_domain_config_add_device, "<memballoon model='virtio'/>",
                             "memory balloon");
    assert_refused_unchanged(c, marina_domain_config_add_device,
                             "<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/>"
                             "<product id='0xc52b'/></source></hostdev>",
                             "twice");
    /* Boot orders are checked across devices: a second order 1 is refused. */
    {
        g_autoptr(MarinaDevice) first = parse_ok(
            "<disk type='file'><source file='/b'/><target dev='vdb'/><boot order='1'/></disk>");

        assert_true(marina_domain_config_add_device(c, first, NULL));
    }
    assert_refused_unchanged(
        c, marina_domain_config_add_device,
        "<disk type='file'><source file='/c'/><target dev='vdc'/><boot order='1'/></disk>",
        "order='1'");
}

static void
test_add_refuses_too_many(void **state)
{
    g_autoptr(MarinaDomainConfig) c = guest();
    guint added = 0;

    for (guint i = 0; i < 64; i++) {
        g_autoptr(MarinaDevice) sound = parse_ok("<sound model='ich9'/>");
        g_autoptr(GError) error = NULL;

        if (!marina_domain_config_add_device(c, sound, &error)) {
            assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
            break;
        }
        added++;
    }
    assert_int_equal(added, 32);
    assert_int_equal(c->sounds->len, 32);
}

static void
test_remove(void **state)
{
    g_autoptr(MarinaDomainConfig) c = guest();
    g_autoptr(MarinaDevice) disk =
        parse_ok("<disk type='file'><source file='/x'/><target dev='vda'/></disk>");
    g_autoptr(MarinaDevice) watchdog = parse_ok("<watchdog model='i6300esb'/>");
    g_autoptr(MarinaDevice) hostdev =
        parse_ok("<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/>"
                 "<product id='0xc52b'/></source></hostdev>");
    g_autoptr(GError) error = NULL;

    assert_true(marina_domain_config_remove_device(c, disk, NULL));
    assert_int_equal(c->disks->len, 0);
    assert_true(marina_domain_config_remove_device(c, watchdog, NULL));
    assert_null(c->watchdog);
    assert_true(marina_domain_config_remove_device(c, hostdev, NULL));
    assert_int_equal(c->hostdevs->len, 0);
    assert_refused_unchanged(c, marina_domain_config_remove_device,
                             "<disk type='file'><source file='/x'/><target dev='vda'/></disk>",
                             "has no disk 'vda'");
    assert_false(marina_domain_config_remove_device(c, watchdog, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE));
}

static void
test_replace(void **state)
{
    g_autoptr(MarinaDomainConfig) c = guest();
    g_autoptr(MarinaDevice) disk =
        parse_ok("<disk type='file'><driver name='qemu' discard='unmap'/><source file='/new'/>"
                 "<target dev='vda'/></disk>");
    g_autoptr(MarinaDevice) nic = parse_ok("<interface type='user'><link state='down'/>"
                                           "</interface>");
    MarinaDiskConfig *d;
    MarinaInterfaceConfig *n;

    assert_true(marina_domain_config_replace_device(c, disk, NULL));
    d = c->disks->pdata[0];
    assert_string_equal(d->source, "/new");
    assert_string_equal(d->discard, "unmap");
    /* Found without a MAC, it keeps the one it had. */
    assert_true(marina_domain_config_replace_device(c, nic, NULL));
    n = c->interfaces->pdata[0];
    assert_true(n->link_down);
    assert_string_equal(n->mac, "52:54:00:00:00:01");

    /* Invalid as a whole (a boot order another disk has): refused, unchanged. */
    {
        g_autoptr(MarinaDevice) other = parse_ok(
            "<disk type='file'><source file='/b'/><target dev='vdb'/><boot order='1'/></disk>");

        assert_true(marina_domain_config_add_device(c, other, NULL));
    }
    assert_refused_unchanged(
        c, marina_domain_config_replace_device,
        "<disk type='file'><source file='/a'/><target dev='vda'/><boot order='1'/></disk>",
        "Disk 'vda': Two devices have <boot order='1'>");
    assert_refused_unchanged(c, marina_domain_config_replace_device,
                             "<disk type='file'><source file='/y'/><target dev='vdz'/></disk>",
                             "no disk 'vdz'");
}

static void
test_ambiguous_match_is_refused(void **state)
{
    g_autoptr(MarinaDomainConfig) c = guest();
    g_autoptr(MarinaDevice) second =
        parse_ok("<interface type='user'><mac address='52:54:00:00:00:02'/></interface>");
    g_autoptr(MarinaDevice) unnamed = parse_ok("<interface type='user'/>");
    g_autoptr(GError) error = NULL;

    assert_true(marina_domain_config_add_device(c, second, NULL));
    assert_false(marina_domain_config_remove_device(c, unnamed, &error));
    assert_error_mentions(error, "more than one");
    assert_int_equal(c->interfaces->len, 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_round_trips),
        cmocka_unit_test(test_written_xml_is_the_element_alone),
        cmocka_unit_test(test_parsed_fields),
        cmocka_unit_test(test_bad_devices_are_refused_by_name),
        cmocka_unit_test(test_hostile_input_is_refused),
        cmocka_unit_test(test_find_by_libvirt_rules),
        cmocka_unit_test(test_add_every_kind),
        cmocka_unit_test(test_add_assigns_what_is_left),
        cmocka_unit_test(test_add_refuses_duplicates_unchanged),
        cmocka_unit_test(test_add_refuses_too_many),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_ambiguous_match_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
