#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "domain-config.h"
#include "error.h"

/* A valid minimal domain with @extra inserted inside <domain>. */
static char *
minimal_domain(const char *extra)
{
    return g_strdup_printf("<domain type='kvm'>\n  <name>t1</name>\n"
                           "  <memory unit='MiB'>512</memory>\n%s\n</domain>\n",
                           extra);
}

static char *
with_devices(const char *devices)
{
    g_autofree char *wrapped = g_strdup_printf("<devices>%s</devices>", devices);
    return minimal_domain(wrapped);
}

static char *
load_fixture(const char *name)
{
    g_autofree char *path = g_build_filename(MARINA_TEST_DATA, name, NULL);
    g_autoptr(GError) error = NULL;
    char *contents = NULL;

    if (!g_file_get_contents(path, &contents, NULL, &error))
        fail_msg("cannot read %s: %s", path, error->message);
    return contents;
}

static MarinaDomainConfig *
parse_ok(const char *xml, GPtrArray *warnings)
{
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *config = marina_domain_config_parse(xml, -1, warnings, &error);

    if (config == NULL)
        fail_msg("parse failed: %s\n%s", error->message, xml);
    return config;
}

/* Parsing fails with InvalidConfig and the message contains every @needle. */
static void
assert_parse_error(const char *xml, ...)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomainConfig) config = marina_domain_config_parse(xml, -1, NULL, &error);
    va_list args;
    const char *needle;

    if (config != NULL)
        fail_msg("parse unexpectedly succeeded:\n%s", xml);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    va_start(args, xml);
    while ((needle = va_arg(args, const char *)) != NULL) {
        if (strstr(error->message, needle) == NULL)
            fail_msg("error '%s' does not mention '%s'", error->message, needle);
    }
    va_end(args);
}

static void
assert_devices_error(const char *devices, const char *needle)
{
    g_autofree char *xml = with_devices(devices);
    assert_parse_error(xml, needle, NULL);
}

static gboolean
has_warning(GPtrArray *warnings, const char *needle)
{
    for (guint i = 0; i < warnings->len; i++) {
        if (strstr(warnings->pdata[i], needle) != NULL)
            return TRUE;
    }
    return FALSE;
}

static guint
count_warnings(GPtrArray *warnings, const char *needle)
{
    guint n = 0;
    for (guint i = 0; i < warnings->len; i++)
        n += strstr(warnings->pdata[i], needle) != NULL;
    return n;
}

static void
assert_warning(GPtrArray *warnings, const char *needle)
{
    if (!has_warning(warnings, needle)) {
        for (guint i = 0; i < warnings->len; i++)
            print_message("warning: %s\n", (const char *)warnings->pdata[i]);
        fail_msg("no warning mentions '%s'", needle);
    }
}

/* ---------------------------------------------------------------------- */
/* Round trips                                                            */

static void
test_full_domain_parses_every_field(void **state)
{
    g_autofree char *xml = load_fixture("full.xml");
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, warnings);
    MarinaDiskConfig *d;
    MarinaInterfaceConfig *n;
    MarinaGraphicsConfig *g;

    for (guint i = 0; i < warnings->len; i++)
        print_message("unexpected warning: %s\n", (const char *)warnings->pdata[i]);
    assert_int_equal(warnings->len, 0);

    assert_string_equal(c->domain_type, "qemu");
    assert_string_equal(c->name, "web-1.example+test_x");
    assert_string_equal(c->uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
    assert_string_equal(c->title, "Web server & \"friends\" <1>");
    assert_non_null(strstr(c->description, "line two with 'quotes' & <brackets>"));
    assert_int_equal(c->memory_kib, 4 * 1024 * 1024);
    assert_int_equal(c->current_memory_kib, 2048 * 1024);
    assert_int_equal(c->vcpus, 4);
    assert_int_equal(c->current_vcpus, 2);
    assert_string_equal(c->cpuset, "0-3,^2,5");
    assert_string_equal(c->os_type, "hvm");
    assert_string_equal(c->arch, "x86_64");
    assert_string_equal(c->machine, "q35");
    assert_string_equal(c->firmware, "efi");
    assert_string_equal(c->loader, "/usr/share/OVMF/OVMF_CODE.fd");
    assert_string_equal(c->nvram, "/var/lib/marina/nvram/web_VARS.fd");
    assert_string_equal(c->kernel, "/boot/vmlinuz, with comma & amp");
    assert_string_equal(c->cmdline, "console=ttyS0 root=/dev/vda1 quiet");
    assert_true(c->boot_menu);
    assert_int_equal(c->boot_devs->len, 0);
    assert_true(c->acpi && c->apic && c->pae);
    assert_string_equal(c->cpu_mode, "custom");
    assert_string_equal(c->cpu_model, "qemu64");
    assert_string_equal(c->clock_offset, "localtime");
    assert_int_equal(c->on_poweroff, MARINA_LIFECYCLE_PRESERVE);
    assert_int_equal(c->on_reboot, MARINA_LIFECYCLE_DESTROY);
    assert_int_equal(c->on_crash, MARINA_LIFECYCLE_RESTART);
    assert_string_equal(c->emulator, "/usr/bin/qemu-system-x86_64");

    assert_int_equal(c->disks->len, 4);
    d = marina_domain_config_find_disk(c, "vda");
    assert_non_null(d);
    assert_string_equal(d->source, "/var/lib/marina/images/a,b & <c> 'd' \"e\".qcow2");
    assert_string_equal(d->format, "qcow2");
    assert_string_equal(d->cache, "none");
    assert_string_equal(d->serial, "SERIAL-01");
    assert_int_equal(d->bus, MARINA_DISK_BUS_VIRTIO);
    assert_int_equal(d->boot_order, 1);
    d = marina_domain_config_find_disk(c, "sdb");
    assert_int_equal(d->type, MARINA_DISK_TYPE_BLOCK);
    assert_string_equal(d->source, "/dev/vg0/data");
    assert_int_equal(d->bus, MARINA_DISK_BUS_SATA);
    assert_true(d->shareable);
    d = marina_domain_config_find_disk(c, "hdc");
    assert_int_equal(d->device, MARINA_DISK_DEVICE_CDROM);
    assert_int_equal(d->bus, MARINA_DISK_BUS_IDE);
    assert_true(d->readonly);
    d = marina_domain_config_find_disk(c, "fda");
    assert_int_equal(d->device, MARINA_DISK_DEVICE_FLOPPY);
    assert_int_equal(d->bus, MARINA_DISK_BUS_FDC);
    assert_null(d->source);
    assert_null(marina_domain_config_find_disk(c, "vdz"));

    assert_int_equal(c->controllers->len, 2);
    assert_int_equal(c->interfaces->len, 3);
    n = c->interfaces->pdata[0];
    assert_string_equal(n->mac, "52:54:00:aa:bb:0c");
    assert_false(n->mac_generated);
    assert_int_equal(n->type, MARINA_NET_TYPE_NETWORK);
    assert_string_equal(n->source, "default");
    assert_int_equal(n->boot_order, 3);
    n = c->interfaces->pdata[1];
    assert_int_equal(n->type, MARINA_NET_TYPE_BRIDGE);
    assert_string_equal(n->source, "br0");
    assert_string_equal(n->target_dev, "tap-web1");
    assert_string_equal(n->model, "e1000e");
    n = c->interfaces->pdata[2];
    assert_int_equal(n->type, MARINA_NET_TYPE_USER);
    assert_null(n->source);

    assert_int_equal(c->serials->len, 2);
    assert_string_equal(((MarinaCharConfig *)c->serials->pdata[0])->target_type, "isa-serial");
    assert_int_equal(((MarinaCharConfig *)c->serials->pdata[1])->port, 1);
    assert_string_equal(((MarinaCharConfig *)c->consoles->pdata[0])->target_type, "virtio");
    g = c->graphics->pdata[0];
    assert_string_equal(g->type, "vnc");
    assert_int_equal(g->port, 5901);
    assert_string_equal(g->listen, "0.0.0.0");
    assert_string_equal(g->password, "s&cr<t");
    assert_string_equal(g->keymap, "en-us");
    assert_int_equal(((MarinaVideoConfig *)c->videos->pdata[0])->vram_kib, 65536);
    assert_int_equal(((MarinaVideoConfig *)c->videos->pdata[0])->heads, 2);
    assert_int_equal(c->inputs->len, 2);
    assert_string_equal(((MarinaSoundConfig *)c->sounds->pdata[0])->model, "ich9");
    assert_string_equal(c->watchdog->action, "poweroff");
    assert_string_equal(c->memballoon_model, "none");
    assert_string_equal(((MarinaRngConfig *)c->rngs->pdata[0])->backend, "/dev/random");
    assert_non_null(c->metadata_xml);
}

static void
test_full_domain_round_trips(void **state)
{
    g_autofree char *xml = load_fixture("full.xml");
    g_autoptr(MarinaDomainConfig) first = parse_ok(xml, NULL);
    g_autofree char *out1 = marina_domain_config_to_xml(first);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) second = parse_ok(out1, warnings);
    g_autofree char *out2 = marina_domain_config_to_xml(second);

    assert_int_equal(warnings->len, 0);
    assert_string_equal(out1, out2);
    assert_string_equal(second->title, first->title);
    assert_string_equal(second->description, first->description);
    assert_string_equal(second->metadata_xml, first->metadata_xml);
    assert_string_equal(marina_domain_config_find_disk(second, "vda")->source,
                        marina_domain_config_find_disk(first, "vda")->source);
    assert_string_equal(second->kernel, first->kernel);
    assert_int_equal(second->memory_kib, first->memory_kib);
    assert_int_equal(second->current_vcpus, first->current_vcpus);
    assert_string_equal(((MarinaGraphicsConfig *)second->graphics->pdata[0])->password, "s&cr<t");
}

static void
test_to_xml_is_libvirt_style(void **state)
{
    g_autofree char *xml = load_fixture("full.xml");
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);
    g_autofree char *out = marina_domain_config_to_xml(c);

    assert_true(g_str_has_prefix(out, "<domain type=\"qemu\">\n  <name>"));
    assert_non_null(strstr(out, "\n  <memory unit=\"KiB\">4194304</memory>\n"));
    assert_non_null(strstr(out, "\n  <currentMemory unit=\"KiB\">2097152</currentMemory>\n"));
    assert_non_null(strstr(out, "\n    <disk type=\"file\" device=\"disk\">\n"));
    /* Everything a user wrote is escaped, never copied raw into markup. */
    assert_non_null(strstr(out, "a,b &amp; &lt;c&gt; 'd' &quot;e&quot;.qcow2"));
    assert_non_null(strstr(out, "<title>Web server &amp; \"friends\" &lt;1&gt;</title>"));
    assert_null(strstr(out, "<c>"));
}

static void
test_metadata_is_kept_verbatim(void **state)
{
    g_autofree char *xml = load_fixture("full.xml");
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);
    g_autofree char *out = marina_domain_config_to_xml(c);

    assert_non_null(strstr(c->metadata_xml, "<app:owner name=\"o'brien &amp; co\">x &lt; "
                                            "y</app:owner>"));
    assert_non_null(strstr(c->metadata_xml, "xmlns:app=\"http://example.org/app/1\""));
    assert_non_null(strstr(c->metadata_xml, "<other xmlns=\"http://example.org/other\"/>"));
    assert_non_null(strstr(out, "<app:tags><app:tag>a</app:tag></app:tags>"));
}

static void
test_metadata_keeps_namespace_declared_on_domain(void **state)
{
    const char *xml = "<domain type='kvm' xmlns:m='urn:m'><name>a</name><memory>1024</memory>"
                      "<metadata><m:x v='1'/></metadata></domain>";
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);
    g_autofree char *out = marina_domain_config_to_xml(c);
    g_autoptr(MarinaDomainConfig) again = parse_ok(out, NULL);

    assert_non_null(strstr(c->metadata_xml, "xmlns:m=\"urn:m\""));
    assert_string_equal(again->metadata_xml, c->metadata_xml);
}

static void
test_rom_loader_round_trips_as_bios(void **state)
{
    g_autofree char *xml = minimal_domain("<os><loader type='rom'>/usr/share/seabios/bios.bin"
                                          "</loader></os>");
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);
    g_autofree char *out = marina_domain_config_to_xml(c);
    g_autoptr(MarinaDomainConfig) again = parse_ok(out, NULL);
    g_autofree char *efi_xml = minimal_domain("<os><loader>/usr/share/OVMF/OVMF_CODE.fd</loader>"
                                              "</os>");
    g_autoptr(MarinaDomainConfig) efi = parse_ok(efi_xml, NULL);

    assert_string_equal(c->firmware, "bios");
    assert_string_equal(again->firmware, "bios");
    assert_string_equal(efi->firmware, "efi");
}

/* parse → write → parse → write gives the same text, with no warnings. */
static MarinaDomainConfig *
round_trip(const char *xml)
{
    g_autoptr(MarinaDomainConfig) first = parse_ok(xml, NULL);
    g_autofree char *out1 = marina_domain_config_to_xml(first);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    MarinaDomainConfig *second = parse_ok(out1, warnings);
    g_autofree char *out2 = marina_domain_config_to_xml(second);
    g_autoptr(MarinaDomainConfig) copy = marina_domain_config_copy(second);
    g_autofree char *out3 = marina_domain_config_to_xml(copy);

    if (warnings->len > 0)
        fail_msg("the written XML warns: %s\n%s", (char *)warnings->pdata[0], out1);
    assert_string_equal(out1, out2);
    assert_string_equal(out1, out3);
    return second;
}

static void
test_uefi_firmware_round_trips(void **state)
{
    g_autofree char *xml = minimal_domain(
        "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>"
        "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"
        "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/marina/nvram/t1_VARS.fd"
        "</nvram><bootmenu enable='yes'/></os>");
    g_autofree char *template_only = minimal_domain(
        "<os firmware='efi'><nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'/></os>");
    g_autoptr(MarinaDomainConfig) c = round_trip(xml);
    g_autoptr(MarinaDomainConfig) t = round_trip(template_only);
    g_autofree char *out = marina_domain_config_to_xml(c);

    assert_string_equal(c->firmware, "efi");
    assert_string_equal(c->loader, "/usr/share/OVMF/OVMF_CODE_4M.fd");
    assert_string_equal(c->nvram, "/var/lib/marina/nvram/t1_VARS.fd");
    assert_string_equal(c->nvram_template, "/usr/share/OVMF/OVMF_VARS_4M.fd");
    assert_true(c->boot_menu);
    assert_non_null(strstr(out, "<loader readonly=\"yes\" type=\"pflash\">"));
    assert_null(t->nvram);
    assert_string_equal(t->nvram_template, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
    {
        g_autofree char *bad = minimal_domain("<os><nvram template='vars.fd'/></os>");

        assert_parse_error(bad, "<os>/<nvram template>", "absolute", NULL);
    }
}

static void
test_cpu_topology_round_trips_and_is_checked(void **state)
{
    g_autofree char *xml =
        minimal_domain("<vcpu current='2'>8</vcpu><cpu mode='custom'><model>Skylake-Client</model>"
                       "<topology sockets='2' dies='1' cores='2' threads='2'/></cpu>");
    g_autoptr(MarinaDomainConfig) c = round_trip(xml);
    g_autofree char *no_dies =
        minimal_domain("<vcpu>4</vcpu><cpu mode='host-passthrough'><topology sockets='1' cores='4' "
                       "threads='1'/></cpu>");
    g_autoptr(MarinaDomainConfig) d = round_trip(no_dies);
    g_autofree char *wrong =
        minimal_domain("<vcpu>6</vcpu><cpu><topology sockets='1' cores='4' threads='1'/></cpu>");
    g_autofree char *partial =
        minimal_domain("<vcpu>4</vcpu><cpu><topology sockets='1' cores='4'/></cpu>");
    g_autofree char *zero =
        minimal_domain("<vcpu>4</vcpu><cpu><topology sockets='0' cores='4' threads='1'/></cpu>");

    assert_int_equal(c->cpu_sockets, 2);
    assert_int_equal(c->cpu_dies, 1);
    assert_int_equal(c->cpu_cores, 2);
    assert_int_equal(c->cpu_threads, 2);
    assert_string_equal(c->cpu_model, "Skylake-Client");
    assert_int_equal(d->cpu_dies, 0);
    assert_int_equal(d->cpu_cores, 4);
    assert_parse_error(wrong, "<cpu>/<topology>", "= 4 vCPUs", "<vcpu> is 6", NULL);
    assert_parse_error(partial, "<cpu>/<topology>", "threads", NULL);
    assert_parse_error(zero, "<cpu>/<topology sockets>", NULL);
    /* A config built in code is held to the same rule. */
    c->cpu_threads = 1;
    {
        g_autoptr(GError) error = NULL;

        assert_false(marina_domain_config_validate(c, &error));
        assert_non_null(strstr(error->message, "<vcpu> is 8"));
    }
}

static void
test_vcpupin_round_trips_and_is_checked(void **state)
{
    g_autofree char *xml =
        minimal_domain("<vcpu>4</vcpu><cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='3' "
                       "cpuset='1-3,^2'/></cputune>");
    g_autoptr(MarinaDomainConfig) c = round_trip(xml);
    static const struct {
        const char *cputune;
        const char *needle;
    } bad[] = {
        {"<cputune><vcpupin vcpu='4' cpuset='0'/></cputune>", "vCPUs 0 to 3"},
        {"<cputune><vcpupin vcpu='0' cpuset='x'/></cputune>", "<cputune>/<vcpupin cpuset='x'>"},
        {"<cputune><vcpupin vcpu='0' cpuset='1,^1'/></cputune>", "names no CPU"},
        {"<cputune><vcpupin vcpu='1' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/></cputune>",
         "pins vCPU 1 twice"},
        {"<cputune><vcpupin cpuset='0'/></cputune>", "needs vcpu and cpuset"},
        {"<cputune><vcpupin vcpu='0'/></cputune>", "has no cpuset"},
        {"<cputune><vcpupin vcpu='-1' cpuset='0'/></cputune>", "<cputune>/<vcpupin vcpu>"},
    };
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *shares = minimal_domain("<cputune><shares>1024</shares></cputune>");
    g_autoptr(MarinaDomainConfig) s = parse_ok(shares, warnings);

    assert_int_equal(c->vcpupins->len, 2);
    assert_int_equal(((MarinaVcpuPin *)c->vcpupins->pdata[1])->vcpu, 3);
    assert_string_equal(((MarinaVcpuPin *)c->vcpupins->pdata[1])->cpuset, "1-3,^2");
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *body = g_strdup_printf("<vcpu>4</vcpu>%s", bad[i].cputune);
        g_autofree char *doc = minimal_domain(body);

        assert_parse_error(doc, bad[i].needle, NULL);
    }
    assert_true(has_warning(warnings, "<cputune>/<shares>"));
    assert_int_equal(s->vcpupins->len, 0);
}

static void
test_host_devices_tpm_and_nic_settings_round_trip(void **state)
{
    g_autofree char *xml = with_devices(
        "<disk type='file' device='disk'><driver name='qemu' type='raw' discard='ignore'/>"
        "<source file='/var/lib/marina/a.img'/><target dev='vda' bus='virtio'/></disk>"
        "<interface type='user'><mac address='52:54:00:00:00:0a'/><link state='down'/>"
        "<mtu size='1500'/></interface>"
        "<interface type='user'><mac address='52:54:00:00:00:0b'/><link state='up'/>"
        "</interface>"
        "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>"
        "<hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x046d'/>"
        "<product id='0xc52b'/><address bus='3' device='7'/></source></hostdev>"
        "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' "
        "bus='0x01' slot='0x00' function='0x1'/></source><address type='pci' domain='0x0000' "
        "bus='0x00' slot='0x07' function='0x0'/></hostdev>");
    g_autoptr(MarinaDomainConfig) c = round_trip(xml);
    const MarinaHostdevConfig *usb, *pci;
    const MarinaInterfaceConfig *down, *up;

    assert_string_equal(((MarinaDiskConfig *)c->disks->pdata[0])->discard, "ignore");
    down = c->interfaces->pdata[0];
    up = c->interfaces->pdata[1];
    assert_true(down->link_down);
    assert_int_equal(down->mtu, 1500);
    assert_false(up->link_down);
    assert_int_equal(up->mtu, 0);
    assert_non_null(c->tpm);
    assert_int_equal(c->tpm->model, MARINA_TPM_MODEL_CRB);
    assert_int_equal(c->hostdevs->len, 2);
    usb = c->hostdevs->pdata[0];
    pci = c->hostdevs->pdata[1];
    assert_int_equal(usb->vendor_id, 0x046d);
    assert_int_equal(usb->usb_bus, 3);
    assert_int_equal(usb->usb_device, 7);
    assert_int_equal(pci->type, MARINA_HOSTDEV_PCI);
    assert_int_equal(pci->pci_bus, 1);
    assert_int_equal(pci->pci_function, 1);
}

static void
test_host_devices_and_tpm_are_checked(void **state)
{
    assert_devices_error("<tpm><backend type='emulator'/></tpm><tpm><backend "
                         "type='emulator'/></tpm>",
                         "<devices>/<tpm> appears more than once");
    assert_devices_error("<hostdev mode='subsystem' type='pci'><source><address bus='0x01'/>"
                         "</source></hostdev><hostdev mode='subsystem' type='pci'><source>"
                         "<address domain='0' bus='1' slot='0' function='0'/></source></hostdev>",
                         "PCI host device 0000:01:00.0 is given to the guest twice");
    assert_devices_error("<hostdev mode='subsystem' type='usb'><source><vendor id='0x10000'/>"
                         "<product id='1'/></source></hostdev>",
                         "<hostdev>/<source>/<vendor>");
    assert_devices_error("<hostdev mode='subsystem' type='usb'><source><vendor id='0'/>"
                         "<product id='1'/></source></hostdev>",
                         "0 is not a USB ID");
    assert_devices_error("<hostdev mode='subsystem' type='pci'><source><address "
                         "function='8'/></source></hostdev>",
                         "<address function>");
    assert_devices_error("<hostdev mode='subsystem' type='usb' managed='sometimes'><source>"
                         "<address bus='1' device='2'/></source></hostdev>",
                         "<hostdev managed>");
    assert_devices_error("<interface type='user'><mtu size='65536'/></interface>",
                         "<interface>/<mtu size>");
}

static void
test_controller_without_index_gets_the_next_free_one(void **state)
{
    g_autofree char *xml = with_devices("<controller type='usb' index='0'/>"
                                        "<controller type='pci' model='pci-root'/>"
                                        "<controller type='usb' model='qemu-xhci'/>");
    g_autoptr(MarinaDomainConfig) c = round_trip(xml);

    assert_int_equal(((MarinaControllerConfig *)c->controllers->pdata[1])->index, 0);
    assert_int_equal(((MarinaControllerConfig *)c->controllers->pdata[2])->index, 1);
    assert_false(((MarinaControllerConfig *)c->controllers->pdata[2])->index_auto);
}

static void
test_copy_is_deep_and_equal(void **state)
{
    g_autofree char *xml = load_fixture("full.xml");
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);
    g_autoptr(MarinaDomainConfig) copy = marina_domain_config_copy(c);
    g_autofree char *a = marina_domain_config_to_xml(c);
    g_autofree char *b = NULL;

    b = marina_domain_config_to_xml(copy);
    assert_string_equal(a, b);
    assert_ptr_not_equal(copy->disks->pdata[0], c->disks->pdata[0]);
    marina_domain_config_free(g_steal_pointer(&c));
    g_free(b);
    b = marina_domain_config_to_xml(copy);
    assert_string_equal(a, b);
}

/* ---------------------------------------------------------------------- */
/* virsh dumpxml input                                                    */

static void
test_virsh_dumpxml_parses_with_warnings_naming_ignored_parts(void **state)
{
    g_autofree char *xml = load_fixture("libvirt-dumpxml.xml");
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, warnings);
    MarinaInterfaceConfig *n;

    assert_warning(warnings, "<seclabel>");
    assert_warning(warnings, "<resource>");
    assert_warning(warnings, "<on_lockfailure>");
    assert_warning(warnings, "<pm>");
    assert_warning(warnings, "<qemu:commandline>");
    assert_false(has_warning(warnings, "<hostdev>"));
    assert_int_equal(c->hostdevs->len, 1);
    assert_int_equal(((MarinaHostdevConfig *)c->hostdevs->pdata[0])->vendor_id, 0x046d);
    assert_int_equal(((MarinaHostdevConfig *)c->hostdevs->pdata[0])->product_id, 0xc52b);
    assert_true(((MarinaHostdevConfig *)c->hostdevs->pdata[0])->managed);
    assert_warning(warnings, "<devices>/<channel>");
    assert_warning(warnings, "<devices>/<audio>");
    assert_warning(warnings, "<features>/<vmport>");
    assert_warning(warnings, "<clock>/<timer>");
    assert_warning(warnings, "<memballoon>/<stats>");
    assert_false(has_warning(warnings, "'discard'"));
    assert_string_equal(((MarinaDiskConfig *)c->disks->pdata[0])->discard, "unmap");
    assert_warning(warnings, "'ports'");
    assert_warning(warnings, "'check' of <cpu>");
    /* Repeated elements warn once. */
    assert_int_equal(count_warnings(warnings, "<seclabel>"), 1);
    assert_int_equal(count_warnings(warnings, "<clock>/<timer>"), 1);
    /* Addresses, aliases and runtime state of a running guest are quiet. */
    assert_false(has_warning(warnings, "<address>"));
    assert_false(has_warning(warnings, "<alias>"));
    assert_false(has_warning(warnings, "'id'"));
    assert_false(has_warning(warnings, "'index'"));
    assert_false(has_warning(warnings, "'tty'"));
    assert_false(has_warning(warnings, "portid"));
    assert_false(has_warning(warnings, "<backingStore>"));
    assert_false(has_warning(warnings, "<controller>/<model>"));
    assert_false(has_warning(warnings, "<serial>/<target>/<model>"));

    assert_string_equal(c->name, "debian12");
    assert_string_equal(c->uuid, "5a1c3e2f-8b2d-4a4f-9c1b-2d6e0f7a9b31");
    assert_int_equal(c->memory_kib, 2097152);
    assert_int_equal(c->vcpus, 2);
    assert_string_equal(c->machine, "pc-q35-7.2");
    assert_string_equal(c->cpu_mode, "host-passthrough");
    assert_int_equal(c->disks->len, 2);
    assert_null(marina_domain_config_find_disk(c, "sda")->source);
    assert_int_equal(c->controllers->len, 5);
    n = c->interfaces->pdata[0];
    assert_string_equal(n->mac, "52:54:00:6b:3c:58");
    assert_string_equal(n->source, "default");
    assert_null(n->target_dev); /* vnetN names belong to the old host */
    assert_int_equal(((MarinaGraphicsConfig *)c->graphics->pdata[0])->port, -1);
    assert_string_equal(((MarinaGraphicsConfig *)c->graphics->pdata[0])->listen, "127.0.0.1");
    assert_int_equal(c->inputs->len, 3);
    assert_string_equal(c->watchdog->model, "itco");
    assert_non_null(strstr(c->metadata_xml, "libosinfo:os"));
}

static void
test_parse_warns_about_spice_graphics(void **state)
{
    g_autofree char *xml = with_devices("<graphics type='spice' autoport='yes'/>"
                                        "<graphics type='vnc'/>");
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, warnings);

    assert_warning(warnings, "only supports VNC");
    assert_int_equal(c->graphics->len, 1);
    assert_int_equal(((MarinaGraphicsConfig *)c->graphics->pdata[0])->port, -1);
}

static void
test_parse_maps_unsupported_lifecycle_actions_with_warning(void **state)
{
    g_autofree char *xml = minimal_domain("<on_reboot>rename-restart</on_reboot>"
                                          "<on_crash>coredump-destroy</on_crash>"
                                          "<on_poweroff>coredump-restart</on_poweroff>");
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, warnings);

    assert_int_equal(c->on_reboot, MARINA_LIFECYCLE_RESTART);
    assert_int_equal(c->on_crash, MARINA_LIFECYCLE_DESTROY);
    assert_int_equal(c->on_poweroff, MARINA_LIFECYCLE_RESTART);
    assert_warning(warnings, "<on_reboot> 'rename-restart'");
    assert_warning(warnings, "<on_crash> 'coredump-destroy'");
}

static void
test_parse_rejects_unknown_lifecycle_action(void **state)
{
    g_autofree char *xml = minimal_domain("<on_crash>explode</on_crash>");
    assert_parse_error(xml, "<on_crash>", "explode", "destroy, restart, preserve", NULL);
}

static void
test_parse_warns_about_unknown_elements_and_attributes(void **state)
{
    g_autofree char *xml = minimal_domain("<sysinfo type='smbios'/><devices><disk type='file' "
                                          "device='disk' snapshot='no'><source file='/a'/>"
                                          "<target dev='vda'/><iotune/></disk></devices>");
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, warnings);

    assert_warning(warnings, "Ignoring <sysinfo>: not supported by Marina yet");
    assert_warning(warnings, "Ignoring <devices>/<disk>/<iotune>");
    assert_warning(warnings, "'snapshot' of <devices>/<disk>");
}

static void
test_parse_accepts_null_warnings(void **state)
{
    g_autofree char *xml = load_fixture("libvirt-dumpxml.xml");
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);

    assert_string_equal(c->name, "debian12");
}

/* ---------------------------------------------------------------------- */
/* Defaults                                                               */

static void
test_parse_fills_defaults(void **state)
{
    const char *xml =
        "<domain><name>d</name><memory unit='MiB'>256</memory><devices>"
        "<disk type='file' device='disk'><source file='/a.img'/><target dev='vda'/></disk>"
        "<disk type='file' device='disk'><source file='/b.img'/><target dev='sdb'/></disk>"
        "<disk type='file' device='cdrom'><target dev='hdc'/></disk>"
        "<interface type='user'/><serial type='pty'/><serial type='pty'/>"
        "<console type='pty'/><input type='tablet'/></devices></domain>";
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);
    g_autofree char *uuid = NULL;
    MarinaInterfaceConfig *n = c->interfaces->pdata[0];

    assert_string_equal(c->domain_type, "kvm");
    uuid = marina_uuid_canonicalize(c->uuid);
    assert_string_equal(uuid, c->uuid);
    assert_int_equal(c->memory_kib, 262144);
    assert_int_equal(c->current_memory_kib, 262144);
    assert_int_equal(c->vcpus, 1);
    assert_int_equal(c->current_vcpus, 1);
    assert_string_equal(c->os_type, "hvm");
    assert_string_equal(c->arch, "x86_64");
    assert_string_equal(c->firmware, "bios");
    assert_string_equal(c->clock_offset, "utc");
    assert_int_equal(c->on_poweroff, MARINA_LIFECYCLE_DESTROY);
    assert_int_equal(c->on_reboot, MARINA_LIFECYCLE_RESTART);
    assert_int_equal(c->on_crash, MARINA_LIFECYCLE_DESTROY);
    assert_int_equal(marina_domain_config_find_disk(c, "vda")->bus, MARINA_DISK_BUS_VIRTIO);
    assert_int_equal(marina_domain_config_find_disk(c, "sdb")->bus, MARINA_DISK_BUS_SATA);
    assert_int_equal(marina_domain_config_find_disk(c, "hdc")->bus, MARINA_DISK_BUS_IDE);
    assert_true(n->mac_generated);
    assert_true(g_str_has_prefix(n->mac, "52:54:00:"));
    assert_int_equal(((MarinaCharConfig *)c->serials->pdata[1])->port, 1);
    assert_string_equal(((MarinaCharConfig *)c->consoles->pdata[0])->target_type, "serial");
    assert_string_equal(((MarinaInputConfig *)c->inputs->pdata[0])->bus, "usb");
}

static void
test_parse_canonicalizes_uuid_without_dashes(void **state)
{
    g_autofree char *xml = minimal_domain("<uuid>4DEA22B31D52D8F32516782E98AB3FA0</uuid>");
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);

    assert_string_equal(c->uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
}

static void
test_generated_uuids_and_macs_are_valid_and_distinct(void **state)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (int i = 0; i < 500; i++) {
        char *uuid = marina_uuid_generate();
        g_autofree char *canonical = marina_uuid_canonicalize(uuid);
        assert_string_equal(canonical, uuid);
        assert_int_equal(uuid[14], '4'); /* version 4 */
        assert_non_null(strchr("89ab", uuid[19]));
        assert_true(g_hash_table_add(seen, uuid));
    }
    g_hash_table_remove_all(seen);
    for (int i = 0; i < 200; i++) {
        char *mac = marina_mac_generate();
        g_autofree char *canonical = marina_mac_canonicalize(mac);
        assert_string_equal(canonical, mac);
        assert_true(g_str_has_prefix(mac, "52:54:00:"));
        /* 200 draws from 2^24: a collision would be a broken generator. */
        assert_true(g_hash_table_add(seen, mac));
    }
}

static void
test_uuid_canonicalize_accepts_forms_and_rejects_garbage(void **state)
{
    const char *good[] = {"4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
                          "4DEA22B3-1D52-D8F3-2516-782E98AB3FA0",
                          "4dea22b31d52d8f32516782e98ab3fa0"};
    const char *bad[] = {"",
                         "4dea22b3-1d52-d8f3-2516-782e98ab3fa",
                         "4dea22b3-1d52-d8f3-2516-782e98ab3fa0a",
                         "4dea22b3x1d52-d8f3-2516-782e98ab3fa0",
                         "gdea22b3-1d52-d8f3-2516-782e98ab3fa0",
                         "00000000-0000-0000-0000-000000000000",
                         "4dea22b3-1d52-d8f3-2516-782e98ab3fa0\n"};

    for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *c = marina_uuid_canonicalize(good[i]);
        assert_string_equal(c, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
    }
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        assert_null(marina_uuid_canonicalize(bad[i]));
    assert_null(marina_uuid_canonicalize(NULL));
}

static void
test_mac_canonicalize_accepts_unicast_only(void **state)
{
    g_autofree char *a = marina_mac_canonicalize("52:54:00:AB:cd:0E");
    g_autofree char *b = marina_mac_canonicalize("52:54:0:1:2:3");

    assert_string_equal(a, "52:54:00:ab:cd:0e");
    assert_string_equal(b, "52:54:00:01:02:03");
    assert_null(marina_mac_canonicalize("01:00:5e:00:00:01")); /* multicast */
    assert_null(marina_mac_canonicalize("ff:ff:ff:ff:ff:ff"));
    assert_null(marina_mac_canonicalize("00:00:00:00:00:00"));
    assert_null(marina_mac_canonicalize("52:54:00:12:34"));
    assert_null(marina_mac_canonicalize("52:54:00:12:34:56:78"));
    assert_null(marina_mac_canonicalize("52-54-00-12-34-56"));
    assert_null(marina_mac_canonicalize("52:54:00:123:4:5"));
    assert_null(marina_mac_canonicalize(NULL));
}

/* ---------------------------------------------------------------------- */
/* Memory units                                                           */

static void
test_parse_memory_units(void **state)
{
    const struct {
        const char *value, *unit;
        guint64 kib;
    } cases[] = {
        {"1024", NULL, 1024},   {"1024", "", 1024},     {"2048", "b", 2},
        {"1", "bytes", 1},   /* rounded up to a whole KiB */
        {"1000", "KB", 977}, /* 1,000,000 bytes */
        {"1", "k", 1},          {"1", "KiB", 1},        {"1", "MB", 977}, /* 1,000,000 bytes */
        {"1", "M", 1024},       {"1", "MiB", 1024},     {"1", "mib", 1024},
        {"1", "GB", 976563},    {"2", "G", 2097152},    {"2", "GiB", 2097152},
        {"1", "TB", 976562500}, {"1", "T", 1073741824}, {"1", "TiB", 1073741824},
        {" 42 ", "KiB", 42},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        guint64 kib = 0;
        if (!marina_parse_memory(cases[i].value, cases[i].unit, &kib, &error))
            fail_msg("%s %s: %s", cases[i].value, cases[i].unit, error->message);
        if (kib != cases[i].kib)
            fail_msg("%s %s: got %" G_GUINT64_FORMAT ", want %" G_GUINT64_FORMAT, cases[i].value,
                     cases[i].unit, kib, cases[i].kib);
    }
}

static void
test_parse_memory_rejects_bad_values(void **state)
{
    const char *values[][2] = {{"abc", "KiB"},
                               {"-1", "KiB"},
                               {"1.5", "GiB"},
                               {"", "KiB"},
                               {"1", "parsec"},
                               {"1", "KiBB"},
                               {"99999999999999999999", "KiB"},
                               {"18446744073709551615", "EiB"},
                               {"17179869184", "GiB"}};

    for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
        g_autoptr(GError) error = NULL;
        guint64 kib;
        if (marina_parse_memory(values[i][0], values[i][1], &kib, &error))
            fail_msg("'%s %s' was accepted", values[i][0], values[i][1]);
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    }
}

static void
test_parse_rejects_huge_memory(void **state)
{
    g_autofree char *xml = g_strdup("<domain><name>a</name><memory unit='EiB'>15</memory>"
                                    "</domain>");
    assert_parse_error(xml, "<memory>", NULL);
}

/* ---------------------------------------------------------------------- */
/* Validation errors                                                      */

static void
test_parse_rejects_missing_name(void **state)
{
    assert_parse_error("<domain type='kvm'><memory>1024</memory></domain>", "no name", NULL);
}

static void
test_parse_rejects_name_with_comma_or_equals(void **state)
{
    const struct {
        const char *name, *shown;
    } cases[] = {
        {"a,b", "','"},
        {"a=b", "'='"},
        {"a/b", "'/'"},
        {"a b", "a space"},
        {"a;b", "';'"},
        {"-ab", "must not start"},
        {".ab", "must not start"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>%s</name>"
                                               "<memory>1024</memory></domain>",
                                               cases[i].name);
        assert_parse_error(xml, cases[i].name, cases[i].shown, NULL);
    }
}

static void
test_name_rules(void **state)
{
    g_autoptr(GError) error = NULL;
    char long_name[66];

    assert_true(marina_domain_name_is_valid("web_1.example-a+b", NULL));
    assert_true(marina_domain_name_is_valid("A", NULL));
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    assert_true(marina_domain_name_is_valid(long_name, NULL));
    long_name[64] = 'a';
    long_name[65] = '\0';
    assert_false(marina_domain_name_is_valid(long_name, &error));
    assert_non_null(strstr(error->message, "64"));
    g_clear_error(&error);
    assert_false(marina_domain_name_is_valid("", &error));
    g_clear_error(&error);
    assert_false(marina_domain_name_is_valid("tab\tname", &error));
    assert_non_null(strstr(error->message, "0x09"));
    g_clear_error(&error);
    assert_false(marina_domain_name_is_valid("caf\xc3\xa9", &error));
}

static void
test_parse_accepts_name_with_plus(void **state)
{
    g_autoptr(MarinaDomainConfig) c =
        parse_ok("<domain type='kvm'><name>a+b</name><memory>1024</memory></domain>", NULL);
    g_autofree char *out = marina_domain_config_to_xml(c);

    assert_non_null(strstr(out, "<name>a+b</name>"));
}

static void
test_parse_rejects_invalid_uuid(void **state)
{
    g_autofree char *xml = minimal_domain("<uuid>not-a-uuid</uuid>");
    assert_parse_error(xml, "<uuid>", "not-a-uuid", NULL);
}

static void
test_parse_rejects_zero_or_missing_memory(void **state)
{
    assert_parse_error("<domain><name>a</name></domain>", "no memory", NULL);
    assert_parse_error("<domain><name>a</name><memory>0</memory></domain>", "no memory", NULL);
    assert_parse_error("<domain><name>a</name><memory unit='MiB'>lots</memory></domain>",
                       "<memory>", "lots", NULL);
}

static void
test_parse_rejects_current_memory_above_memory(void **state)
{
    g_autofree char *xml = minimal_domain("<currentMemory unit='GiB'>1</currentMemory>");
    assert_parse_error(xml, "<currentMemory>", "<memory>", NULL);
}

static void
test_parse_rejects_bad_vcpu_counts(void **state)
{
    g_autofree char *zero = minimal_domain("<vcpu>0</vcpu>");
    g_autofree char *many = minimal_domain("<vcpu>256</vcpu>");
    g_autofree char *current = minimal_domain("<vcpu current='4'>2</vcpu>");
    g_autofree char *text = minimal_domain("<vcpu>two</vcpu>");
    g_autofree char *negative = minimal_domain("<vcpu>-1</vcpu>");
    g_autofree char *ok = minimal_domain("<vcpu>255</vcpu>");
    g_autoptr(MarinaDomainConfig) c = NULL;

    assert_parse_error(zero, "<vcpu>", "1 to 255", NULL);
    assert_parse_error(many, "<vcpu>", "256", NULL);
    assert_parse_error(current, "current='4'", NULL);
    assert_parse_error(text, "<vcpu>", "'two' is not a whole number", NULL);
    assert_parse_error(negative, "<vcpu>", NULL);
    c = parse_ok(ok, NULL);
    assert_int_equal(c->vcpus, 255);
}

static void
test_parse_checks_cpuset_syntax(void **state)
{
    const char *good[] = {"0", "0-3", "0-3,^2,5", " 1 , 2 ", "0-4095"};
    const char *bad[] = {"", "a", "0-", "3-1", "^1", "1,,2", "0-4096", "1-2-3", "^1-2"};

    for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *vcpu = g_strdup_printf("<vcpu cpuset='%s'>2</vcpu>", good[i]);
        g_autofree char *xml = minimal_domain(vcpu);
        g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);
        assert_string_equal(c->cpuset, good[i]);
    }
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *vcpu = g_strdup_printf("<vcpu cpuset='%s'>2</vcpu>", bad[i]);
        g_autofree char *xml = minimal_domain(vcpu);
        assert_parse_error(xml, "cpuset", NULL);
    }
}

static void
test_parse_rejects_multicast_mac(void **state)
{
    assert_devices_error("<interface type='user'><mac address='01:00:5e:00:00:01'/></interface>",
                         "multicast");
}

static void
test_parse_rejects_malformed_mac(void **state)
{
    assert_devices_error("<interface type='user'><mac address='52:54:00:zz:00:01'/></interface>",
                         "52:54:00:zz:00:01");
}

static void
test_parse_rejects_duplicate_mac(void **state)
{
    assert_devices_error("<interface type='user'><mac address='52:54:00:ab:00:01'/></interface>"
                         "<interface type='user'><mac address='52:54:00:AB:00:01'/></interface>",
                         "52:54:00:ab:00:01");
}

static void
test_parse_rejects_duplicate_disk_target(void **state)
{
    assert_devices_error("<disk type='file'><source file='/a'/><target dev='vda'/></disk>"
                         "<disk type='file'><source file='/b'/><target dev='vda'/></disk>",
                         "'vda'");
}

static void
test_parse_rejects_disk_without_target(void **state)
{
    assert_devices_error("<disk type='file'><source file='/a'/></disk>", "<target dev=");
}

static void
test_parse_rejects_disk_without_source(void **state)
{
    assert_devices_error("<disk type='file' device='disk'><target dev='vda'/></disk>",
                         "no <source>");
}

static void
test_parse_rejects_relative_paths(void **state)
{
    g_autofree char *kernel = minimal_domain("<os><type>hvm</type><kernel>vmlinuz</kernel></os>");
    g_autofree char *initrd = minimal_domain("<os><initrd>boot/initrd</initrd></os>");
    g_autofree char *loader = minimal_domain("<os><loader>OVMF.fd</loader></os>");
    g_autofree char *emulator = with_devices("<emulator>qemu-system-x86_64</emulator>");

    assert_devices_error("<disk type='file'><source file='images/a.qcow2'/><target dev='vda'/>"
                         "</disk>",
                         "must be absolute");
    assert_parse_error(kernel, "<kernel>", "must be absolute", NULL);
    assert_parse_error(initrd, "<initrd>", "must be absolute", NULL);
    assert_parse_error(loader, "<loader>", "must be absolute", NULL);
    assert_parse_error(emulator, "<emulator>", "must be absolute", NULL);
}

static void
test_parse_rejects_path_with_newline(void **state)
{
    assert_devices_error("<disk type='file'><source file='/a&#10;b'/><target dev='vda'/></disk>",
                         "line break");
    assert_devices_error("<disk type='file'><source file='/a&#13;b'/><target dev='vda'/></disk>",
                         "line break");
}

static void
test_parse_accepts_path_with_comma(void **state)
{
    g_autofree char *xml = with_devices("<disk type='file'><source file='/srv/a,b=c.img'/>"
                                        "<target dev='vda'/></disk>");
    g_autoptr(MarinaDomainConfig) c = parse_ok(xml, NULL);

    assert_string_equal(marina_domain_config_find_disk(c, "vda")->source, "/srv/a,b=c.img");
}

static void
test_parse_rejects_unknown_enum_values_listing_allowed_ones(void **state)
{
    g_autofree char *domain = g_strdup("<domain type='xen'><name>a</name><memory>1024</memory>"
                                       "</domain>");

    assert_parse_error(domain, "'xen'", "kvm, qemu", NULL);
    assert_devices_error("<disk type='network'><target dev='vda'/></disk>", "file, block");
    assert_devices_error("<disk type='file' device='lun'><target dev='vda'/></disk>",
                         "disk, cdrom, floppy");
    assert_devices_error("<disk type='file'><source file='/a'/><target dev='vda' bus='xen'/>"
                         "</disk>",
                         "virtio, sata, ide, scsi, usb, fdc");
    assert_devices_error("<disk type='file'><driver name='qemu' type='vmdk'/><source file='/a'/>"
                         "<target dev='vda'/></disk>",
                         "raw, qcow2");
    assert_devices_error("<disk type='file'><driver name='qemu' cache='fast'/><source file='/a'/>"
                         "<target dev='vda'/></disk>",
                         "writeback");
    assert_devices_error("<interface type='direct'/>", "user, network, bridge");
    assert_devices_error("<interface type='user'><model type='virtio-net'/></interface>",
                         "virtio, e1000");
    assert_devices_error("<controller type='ccid' index='0'/>", "virtio-serial");
    assert_devices_error("<video><model type='vmvga'/></video>", "cirrus");
    assert_devices_error("<input type='joystick'/>", "tablet, mouse, keyboard");
    assert_devices_error("<sound model='gus'/>", "ich9");
    assert_devices_error("<watchdog model='i6300esb' action='dance'/>", "inject-nmi");
    assert_devices_error("<memballoon model='xen'/>", "virtio, none");
    assert_devices_error("<graphics type='nonsense'/>", "vnc");
    assert_devices_error("<console type='pty'><target type='sclp'/></console>", "serial, virtio");
    assert_devices_error("<rng model='virtio'><backend model='egd'/></rng>", "random");
}

static void
test_parse_rejects_os_boot_with_device_boot_order(void **state)
{
    g_autofree char *xml = minimal_domain("<os><boot dev='hd'/></os><devices><disk type='file'>"
                                          "<source file='/a'/><target dev='vda'/>"
                                          "<boot order='1'/></disk></devices>");
    assert_parse_error(xml, "<os>/<boot", "per-device <boot order", NULL);
}

static void
test_parse_rejects_duplicate_boot_order(void **state)
{
    assert_devices_error("<disk type='file'><source file='/a'/><target dev='vda'/>"
                         "<boot order='1'/></disk><interface type='user'><boot order='1'/>"
                         "</interface>",
                         "<boot order='1'>");
}

static void
test_parse_rejects_bad_boot_entries(void **state)
{
    g_autofree char *bad_dev = minimal_domain("<os><boot dev='usb'/></os>");
    g_autofree char *twice = minimal_domain("<os><boot dev='hd'/><boot dev='hd'/></os>");

    assert_parse_error(bad_dev, "hd, cdrom, network, fd", NULL);
    assert_parse_error(twice, "appears twice", NULL);
    assert_devices_error("<disk type='file'><source file='/a'/><target dev='vda'/>"
                         "<boot order='0'/></disk>",
                         "out of range");
}

static void
test_parse_rejects_non_numeric_numbers(void **state)
{
    assert_devices_error("<controller type='usb' index='0x1'/>", "'0x1' is not a whole number");
    assert_devices_error("<graphics type='vnc' port='59o0'/>", "not a whole number");
    assert_devices_error("<serial type='pty'><target port='99999999999999999999'/></serial>",
                         "not a whole number");
}

static void
test_parse_rejects_too_many_disks(void **state)
{
    g_autoptr(GString) devices = g_string_new(NULL);
    g_autofree char *xml = NULL;

    for (int i = 0; i < 257; i++)
        g_string_append_printf(devices,
                               "<disk type='file'><source file='/d%d'/><target dev='vd%c%c'/>"
                               "</disk>",
                               i, 'a' + i / 26, 'a' + i % 26);
    xml = with_devices(devices->str);
    assert_parse_error(xml, "at most 256", NULL);
}

static void
test_parse_rejects_too_many_interfaces(void **state)
{
    g_autoptr(GString) devices = g_string_new(NULL);
    g_autofree char *xml = NULL;

    for (int i = 0; i < 65; i++)
        g_string_append(devices, "<interface type='user'/>");
    xml = with_devices(devices->str);
    assert_parse_error(xml, "at most 64", NULL);
}

static void
test_parse_rejects_duplicate_top_level_element(void **state)
{
    assert_parse_error("<domain><name>a</name><name>b</name><memory>1</memory></domain>",
                       "<name> appears more than once", NULL);
}

static void
test_parse_rejects_other_root_element(void **state)
{
    assert_parse_error("<network><name>default</name></network>", "<network>", "<domain", NULL);
}

static void
test_parse_rejects_floppy_and_cdrom_bus_mismatch(void **state)
{
    assert_devices_error("<disk type='file' device='floppy'><target dev='vdb'/></disk>", "fdc");
    assert_devices_error("<disk type='file' device='cdrom'><target dev='vdb'/></disk>", "cdrom");
}

/* ---------------------------------------------------------------------- */
/* Hostile documents                                                      */

static void
test_parse_refuses_external_entity(void **state)
{
    const char *xml = "<?xml version='1.0'?>\n"
                      "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                      "<domain type='kvm'><name>a</name><memory>1024</memory>"
                      "<description>&x;</description></domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomainConfig) c = marina_domain_config_parse(xml, -1, NULL, &error);

    assert_null(c);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    assert_non_null(strstr(error->message, "<!ENTITY>"));
    assert_non_null(strstr(error->message, "remove the DOCTYPE"));
    assert_null(strstr(error->message, "root:"));
}

static void
test_parse_refuses_parameter_entity(void **state)
{
    const char *xml = "<!DOCTYPE d [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x.dtd\"> %p;]>"
                      "<domain><name>a</name><memory>1024</memory></domain>";
    assert_parse_error(xml, "<!ENTITY>", NULL);
}

static void
test_parse_refuses_billion_laughs_quickly(void **state)
{
    g_autoptr(GString) xml = g_string_new("<?xml version='1.0'?>\n<!DOCTYPE lolz [\n"
                                          "<!ENTITY lol \"lol\">\n");
    gint64 start;

    for (int i = 1; i <= 9; i++)
        g_string_append_printf(xml, "<!ENTITY lol%d \"%s\">\n", i,
                               "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;");
    g_string_append(xml, "]>\n<domain><name>&lol9;</name><memory>1024</memory></domain>");
    start = g_get_monotonic_time();
    assert_parse_error(xml->str, "<!ENTITY>", NULL);
    assert_true(g_get_monotonic_time() - start < G_USEC_PER_SEC / 2);
}

static void
test_parse_accepts_doctype_without_entities(void **state)
{
    g_autoptr(MarinaDomainConfig) c =
        parse_ok("<!DOCTYPE domain><domain><name>a</name><memory>1024</memory></domain>", NULL);
    assert_string_equal(c->name, "a");
}

static void
test_parse_refuses_oversized_document(void **state)
{
    gsize size = 2 * 1024 * 1024;
    g_autoptr(GString) xml = g_string_sized_new(size + 100);
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomainConfig) c = NULL;

    g_string_append(xml, "<domain><name>a</name><memory>1024</memory><description>");
    while (xml->len < size)
        g_string_append(xml, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    g_string_append(xml, "</description></domain>");
    c = marina_domain_config_parse(xml->str, (gssize)xml->len, NULL, &error);
    assert_null(c);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
    assert_non_null(strstr(error->message, "the most Marina accepts"));
    g_clear_error(&error);
    /* Same with len = -1 (NUL-terminated). */
    c = marina_domain_config_parse(xml->str, -1, NULL, &error);
    assert_null(c);
    assert_non_null(strstr(error->message, "the most Marina accepts"));
}

static void
test_parse_reports_line_of_malformed_xml(void **state)
{
    const char *xml = "<domain type='kvm'>\n  <name>a</name>\n  <memory>1024</memroy>\n</domain>";
    assert_parse_error(xml, "line 3", "memory", NULL);
    assert_parse_error("", "not well-formed", NULL);
    assert_parse_error("<domain>", "not well-formed", NULL);
}

static void
test_parse_survives_deep_nesting(void **state)
{
    g_autoptr(GString) xml = g_string_new("<domain><name>a</name><memory>1024</memory><metadata>");

    for (int i = 0; i < 5000; i++)
        g_string_append(xml, "<x>");
    for (int i = 0; i < 5000; i++)
        g_string_append(xml, "</x>");
    g_string_append(xml, "</metadata></domain>");
    assert_parse_error(xml->str, "line 1", NULL);
}

static void
test_parse_caps_number_of_warnings(void **state)
{
    g_autoptr(GString) extra = g_string_new(NULL);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDomainConfig) c = NULL;

    for (int i = 0; i < 1000; i++)
        g_string_append_printf(extra, "<unknown%d/>", i);
    xml = minimal_domain(extra->str);
    c = parse_ok(xml, warnings);
    assert_true(warnings->len <= 101);
    assert_warning(warnings, "only the first ones");
}

/* ---------------------------------------------------------------------- */
/* Configs built in code                                                  */

static MarinaDomainConfig *
code_config(void)
{
    MarinaDomainConfig *c = marina_domain_config_new();
    MarinaDiskConfig *d = g_new0(MarinaDiskConfig, 1);
    MarinaInterfaceConfig *n = g_new0(MarinaInterfaceConfig, 1);

    c->name = g_strdup("built");
    c->uuid = marina_uuid_generate();
    c->memory_kib = c->current_memory_kib = 1024 * 1024;
    c->vcpus = c->current_vcpus = 2;
    d->source = g_strdup("/var/lib/marina/images/built.qcow2");
    d->format = g_strdup("qcow2");
    d->target_dev = g_strdup("vda");
    g_ptr_array_add(c->disks, d);
    n->mac = marina_mac_generate();
    g_ptr_array_add(c->interfaces, n);
    return c;
}

static void
test_validate_accepts_config_built_in_code(void **state)
{
    g_autoptr(MarinaDomainConfig) c = code_config();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDomainConfig) back = NULL;

    if (!marina_domain_config_validate(c, &error))
        fail_msg("%s", error->message);
    xml = marina_domain_config_to_xml(c);
    back = parse_ok(xml, NULL);
    assert_string_equal(back->uuid, c->uuid);
    assert_string_equal(((MarinaInterfaceConfig *)back->interfaces->pdata[0])->mac,
                        ((MarinaInterfaceConfig *)c->interfaces->pdata[0])->mac);
    assert_int_equal(back->memory_kib, c->memory_kib);
}

static void
test_validate_applies_parser_rules(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomainConfig) c = code_config();
    MarinaDiskConfig *d = c->disks->pdata[0];

    g_free(d->source);
    d->source = g_strdup("relative.qcow2");
    assert_false(marina_domain_config_validate(c, &error));
    assert_non_null(strstr(error->message, "Disk 'vda'"));
    assert_non_null(strstr(error->message, "absolute"));
    g_clear_error(&error);

    g_free(d->source);
    d->source = g_strdup("/ok");
    g_free(c->name);
    c->name = g_strdup("a,b");
    assert_false(marina_domain_config_validate(c, &error));
    g_clear_error(&error);

    g_free(c->name);
    c->name = g_strdup("ok");
    g_free(c->uuid);
    c->uuid = g_strdup("4DEA22B3-1D52-D8F3-2516-782E98AB3FA0");
    assert_false(marina_domain_config_validate(c, &error));
    g_clear_error(&error);

    g_free(c->uuid);
    c->uuid = marina_uuid_generate();
    c->current_memory_kib = c->memory_kib + 1;
    assert_false(marina_domain_config_validate(c, &error));
    g_clear_error(&error);

    c->current_memory_kib = c->memory_kib;
    c->metadata_xml = g_strdup("<unclosed>");
    assert_false(marina_domain_config_validate(c, &error));
    assert_non_null(strstr(error->message, "<metadata>"));
    g_clear_error(&error);

    g_clear_pointer(&c->metadata_xml, g_free);
    g_free(c->title);
    c->title = g_strdup("bad\x01title");
    assert_false(marina_domain_config_validate(c, &error));
    g_clear_error(&error);

    g_clear_pointer(&c->title, g_free);
    assert_true(marina_domain_config_validate(c, NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_domain_parses_every_field),
        cmocka_unit_test(test_full_domain_round_trips),
        cmocka_unit_test(test_to_xml_is_libvirt_style),
        cmocka_unit_test(test_metadata_is_kept_verbatim),
        cmocka_unit_test(test_metadata_keeps_namespace_declared_on_domain),
        cmocka_unit_test(test_rom_loader_round_trips_as_bios),
        cmocka_unit_test(test_uefi_firmware_round_trips),
        cmocka_unit_test(test_cpu_topology_round_trips_and_is_checked),
        cmocka_unit_test(test_vcpupin_round_trips_and_is_checked),
        cmocka_unit_test(test_host_devices_tpm_and_nic_settings_round_trip),
        cmocka_unit_test(test_host_devices_and_tpm_are_checked),
        cmocka_unit_test(test_controller_without_index_gets_the_next_free_one),
        cmocka_unit_test(test_copy_is_deep_and_equal),
        cmocka_unit_test(test_virsh_dumpxml_parses_with_warnings_naming_ignored_parts),
        cmocka_unit_test(test_parse_warns_about_spice_graphics),
        cmocka_unit_test(test_parse_maps_unsupported_lifecycle_actions_with_warning),
        cmocka_unit_test(test_parse_rejects_unknown_lifecycle_action),
        cmocka_unit_test(test_parse_warns_about_unknown_elements_and_attributes),
        cmocka_unit_test(test_parse_accepts_null_warnings),
        cmocka_unit_test(test_parse_fills_defaults),
        cmocka_unit_test(test_parse_canonicalizes_uuid_without_dashes),
        cmocka_unit_test(test_generated_uuids_and_macs_are_valid_and_distinct),
        cmocka_unit_test(test_uuid_canonicalize_accepts_forms_and_rejects_garbage),
        cmocka_unit_test(test_mac_canonicalize_accepts_unicast_only),
        cmocka_unit_test(test_parse_memory_units),
        cmocka_unit_test(test_parse_memory_rejects_bad_values),
        cmocka_unit_test(test_parse_rejects_huge_memory),
        cmocka_unit_test(test_parse_rejects_missing_name),
        cmocka_unit_test(test_parse_rejects_name_with_comma_or_equals),
        cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_parse_accepts_name_with_plus),
        cmocka_unit_test(test_parse_rejects_invalid_uuid),
        cmocka_unit_test(test_parse_rejects_zero_or_missing_memory),
        cmocka_unit_test(test_parse_rejects_current_memory_above_memory),
        cmocka_unit_test(test_parse_rejects_bad_vcpu_counts),
        cmocka_unit_test(test_parse_checks_cpuset_syntax),
        cmocka_unit_test(test_parse_rejects_multicast_mac),
        cmocka_unit_test(test_parse_rejects_malformed_mac),
        cmocka_unit_test(test_parse_rejects_duplicate_mac),
        cmocka_unit_test(test_parse_rejects_duplicate_disk_target),
        cmocka_unit_test(test_parse_rejects_disk_without_target),
        cmocka_unit_test(test_parse_rejects_disk_without_source),
        cmocka_unit_test(test_parse_rejects_relative_paths),
        cmocka_unit_test(test_parse_rejects_path_with_newline),
        cmocka_unit_test(test_parse_accepts_path_with_comma),
        cmocka_unit_test(test_parse_rejects_unknown_enum_values_listing_allowed_ones),
        cmocka_unit_test(test_parse_rejects_os_boot_with_device_boot_order),
        cmocka_unit_test(test_parse_rejects_duplicate_boot_order),
        cmocka_unit_test(test_parse_rejects_bad_boot_entries),
        cmocka_unit_test(test_parse_rejects_non_numeric_numbers),
        cmocka_unit_test(test_parse_rejects_too_many_disks),
        cmocka_unit_test(test_parse_rejects_too_many_interfaces),
        cmocka_unit_test(test_parse_rejects_duplicate_top_level_element),
        cmocka_unit_test(test_parse_rejects_other_root_element),
        cmocka_unit_test(test_parse_rejects_floppy_and_cdrom_bus_mismatch),
        cmocka_unit_test(test_parse_refuses_external_entity),
        cmocka_unit_test(test_parse_refuses_parameter_entity),
        cmocka_unit_test(test_parse_refuses_billion_laughs_quickly),
        cmocka_unit_test(test_parse_accepts_doctype_without_entities),
        cmocka_unit_test(test_parse_refuses_oversized_document),
        cmocka_unit_test(test_parse_reports_line_of_malformed_xml),
        cmocka_unit_test(test_parse_survives_deep_nesting),
        cmocka_unit_test(test_parse_caps_number_of_warnings),
        cmocka_unit_test(test_validate_accepts_config_built_in_code),
        cmocka_unit_test(test_validate_applies_parser_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
