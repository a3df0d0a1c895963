#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "domain-config.h"
#include "error.h"
#include "install-spec.h"
#include "os-catalog.h"

#define GIB (G_GUINT64_CONSTANT(1) << 30)

static MarinaInstallDisk *
new_disk(const char *pool, guint64 size, const char *path)
{
    MarinaInstallDisk *d = marina_install_disk_new(MARINA_INSTALL_DISK_NEW);

    d->pool = g_strdup(pool);
    d->size = size;
    d->path = g_strdup(path);
    return d;
}

static MarinaInstallDisk *
existing_disk(const char *path, const char *format)
{
    MarinaInstallDisk *d = marina_install_disk_new(MARINA_INSTALL_DISK_EXISTING);

    d->path = g_strdup(path);
    d->format = g_strdup(format);
    return d;
}

/* A valid MEDIA install with one created disk. */
static MarinaInstallSpec *
media_spec(void)
{
    MarinaInstallSpec *s = marina_install_spec_new();

    s->name = g_strdup("web1");
    s->method = MARINA_INSTALL_MEDIA;
    s->media = g_strdup("/srv/iso/debian-11.7.0-amd64-netinst.iso");
    g_ptr_array_add(s->disks, new_disk("default", 10 * GIB, "/var/lib/marina/images/web1.qcow2"));
    return s;
}

/* Validation fails with INVALID_ARGUMENT and a message containing @needle. */
static void
assert_invalid(const MarinaInstallSpec *s, const char *needle)
{
    g_autoptr(GError) error = NULL;

    assert_false(marina_install_spec_validate(s, &error));
    assert_non_null(error);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (strstr(error->message, needle) == NULL)
        fail_msg("'%s' does not contain '%s'", error->message, needle);
}

static void
test_new_defaults(void **state)
{
    g_autoptr(MarinaInstallSpec) s = marina_install_spec_new();
    g_autoptr(MarinaInstallDisk) d = marina_install_disk_new(MARINA_INSTALL_DISK_NEW);

    assert_true(s->virtio);
    assert_int_equal(s->vcpus, 1);
    assert_int_equal(s->memory_mib, 1024);
    assert_non_null(s->disks);
    assert_int_equal(s->disks->len, 0);
    assert_true(d->sparse);
}

static void
test_validate_name_memory_vcpus(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();

    assert_true(marina_install_spec_validate(s, NULL));
    g_clear_pointer(&s->name, g_free);
    assert_invalid(s, "no name");
    s->name = g_strdup("bad name/");
    assert_invalid(s, "Name:");
    g_free(s->name);
    s->name = g_strdup("web1");
    s->memory_mib = 32;
    assert_invalid(s, "at least 64 MiB");
    s->memory_mib = G_GUINT64_CONSTANT(1) << 40;
    assert_invalid(s, "16 TiB");
    s->memory_mib = 512;
    s->vcpus = 0;
    assert_invalid(s, "give 1 to 255");
    s->vcpus = 256;
    assert_invalid(s, "give 1 to 255");
    s->vcpus = 255;
    assert_true(marina_install_spec_validate(s, NULL));
    s->title = g_strdup("line\nbreak");
    assert_invalid(s, "title");
}

static void
test_validate_methods(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();

    g_clear_pointer(&s->media, g_free);
    assert_invalid(s, "No install media");
    s->media = g_strdup("debian.iso");
    assert_invalid(s, "not a full path");

    s->method = MARINA_INSTALL_LOCATION;
    assert_invalid(s, "location is missing");
    s->location = g_strdup("file:///srv/tree");
    assert_invalid(s, "not an http://, https:// or ftp:// URL");
    g_free(s->location);
    s->location = g_strdup("nonsense");
    assert_invalid(s, "not an http://");
    g_free(s->location);
    s->location = g_strdup("https://deb.debian.org/debian/dists/bullseye/main/installer-amd64/");
    assert_true(marina_install_spec_validate(s, NULL));
    s->cmdline = g_strdup("console=ttyS0\x01");
    assert_invalid(s, "kernel arguments");
    g_clear_pointer(&s->cmdline, g_free);

    s->method = MARINA_INSTALL_KERNEL;
    assert_invalid(s, "The kernel is missing");
    s->kernel = g_strdup("boot/vmlinuz");
    assert_invalid(s, "not a full path");
    g_free(s->kernel);
    s->kernel = g_strdup("/boot/vmlinuz");
    s->initrd = g_strdup("initrd.img");
    assert_invalid(s, "The initrd");
    g_free(s->initrd);
    s->initrd = g_strdup("/boot/initrd.img");
    assert_true(marina_install_spec_validate(s, NULL));

    s->method = MARINA_INSTALL_IMPORT;
    assert_invalid(s, "existing disk image");
    g_ptr_array_insert(s->disks, 0, existing_disk("/srv/images/old.qcow2", NULL));
    assert_true(marina_install_spec_validate(s, NULL));

    s->method = MARINA_INSTALL_PXE;
    assert_true(marina_install_spec_validate(s, NULL));
    s->network = g_strdup("none");
    assert_invalid(s, "needs a network");
    g_clear_pointer(&s->network, g_free);

    s->method = MARINA_INSTALL_MANUAL;
    assert_true(marina_install_spec_validate(s, NULL));
    s->method = (MarinaInstallMethod)99;
    assert_invalid(s, "out of range");
}

static void
test_validate_disks(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    MarinaInstallDisk *d = s->disks->pdata[0];

    d->size = 0;
    assert_invalid(s, "Disk 1: the size is 0");
    d->size = G_GUINT64_CONSTANT(1) << 51;
    assert_invalid(s, "1 PiB");
    d->size = GIB;
    g_clear_pointer(&d->pool, g_free);
    assert_invalid(s, "no storage pool");
    d->pool = g_strdup("default");
    d->format = g_strdup("vmdk");
    assert_invalid(s, "'vmdk' is not supported; use qcow2 or raw");
    g_free(d->format);
    d->format = g_strdup("raw");
    d->volume = g_strdup("../escape");
    assert_invalid(s, "volume name");
    g_clear_pointer(&d->volume, g_free);
    g_ptr_array_add(s->disks, existing_disk("relative.img", NULL));
    assert_invalid(s, "Disk 2");
    g_ptr_array_remove_index(s->disks, 1);
    for (int i = 0; i < 26; i++)
        g_ptr_array_add(s->disks, new_disk("default", GIB, "/x.qcow2"));
    assert_invalid(s, "27 disks");
}

static void
test_validate_other_fields(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();

    s->network = g_strdup("tap0");
    assert_invalid(s, "Network 'tap0' is not understood");
    g_free(s->network);
    s->network = g_strdup("network=default");
    assert_true(marina_install_spec_validate(s, NULL));
    s->os_variant = g_strdup("");
    assert_invalid(s, "OS variant is empty");
    g_free(s->os_variant);
    s->os_variant = g_strdup("debian11");
    s->arch = g_strdup("aarch64");
    assert_invalid(s, "architecture 'aarch64'");
    g_clear_pointer(&s->arch, g_free);
    s->machine = g_strdup("pc; rm -rf");
    assert_invalid(s, "machine type");
    g_free(s->machine);
    s->machine = g_strdup("q35");
    assert_true(marina_install_spec_validate(s, NULL));
    s->firmware = g_strdup("coreboot");
    assert_invalid(s, "firmware 'coreboot'");
    g_free(s->firmware);
    s->firmware = g_strdup("efi");
    assert_true(marina_install_spec_validate(s, NULL));
}

static void
test_parse_network(void **state)
{
    static const struct {
        const char *text;
        const char *kind;
        const char *source;
    } good[] = {
        {NULL, "user", NULL},
        {"", "user", NULL},
        {"user", "user", NULL},
        {"none", "none", NULL},
        {"network=default", "network", "default"},
        {"network=lab-net_2.0", "network", "lab-net_2.0"},
        {"bridge=br0", "bridge", "br0"},
    };
    static const struct {
        const char *text;
        const char *needle;
    } bad[] = {
        {"network=", "names no network"},
        {"bridge=", "names no bridge"},
        {"bridge=averyveryverylongbridge", "longer than 15"},
        {"network=a b", "may only contain"},
        {"network=x;y", "may only contain"},
        {"NAT", "not understood"},
        {"network", "not understood"},
        {"users", "not understood"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *kind = NULL, *source = NULL;
        assert_true(marina_install_parse_network(good[i].text, &kind, &source, NULL));
        assert_string_equal(kind, good[i].kind);
        if (good[i].source == NULL)
            assert_null(source);
        else
            assert_string_equal(source, good[i].source);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *kind = NULL, *source = NULL;
        assert_false(marina_install_parse_network(bad[i].text, &kind, &source, &error));
        assert_null(kind);
        assert_null(source);
        if (strstr(error->message, bad[i].needle) == NULL)
            fail_msg("'%s': '%s' lacks '%s'", bad[i].text, error->message, bad[i].needle);
    }
}

static const char *
boot_dev(const MarinaDomainConfig *c, guint i)
{
    return i < c->boot_devs->len ? c->boot_devs->pdata[i] : NULL;
}

static void
test_config_media(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autoptr(MarinaDomainConfig) c = NULL;
    g_autoptr(GError) error = NULL;
    MarinaDiskConfig *vda, *cd;
    MarinaInterfaceConfig *nic;

    s->vcpus = 2;
    s->memory_mib = 2048;
    s->title = g_strdup("Web server");
    c = marina_install_spec_to_config(s, &error);
    assert_non_null(c);
    assert_null(error);
    assert_string_equal(c->name, "web1");
    assert_string_equal(c->title, "Web server");
    assert_non_null(c->uuid);
    assert_true(c->memory_kib == 2048 * 1024);
    assert_int_equal(c->vcpus, 2);
    assert_string_equal(c->machine, "pc");
    assert_string_equal(c->arch, "x86_64");
    assert_string_equal(c->firmware, "bios");
    assert_int_equal(c->boot_devs->len, 2);
    assert_string_equal(boot_dev(c, 0), "hd");
    assert_string_equal(boot_dev(c, 1), "cdrom");
    assert_null(c->kernel);
    assert_int_equal(c->disks->len, 2);
    vda = marina_domain_config_find_disk(c, "vda");
    assert_non_null(vda);
    assert_int_equal(vda->bus, MARINA_DISK_BUS_VIRTIO);
    assert_int_equal(vda->device, MARINA_DISK_DEVICE_DISK);
    assert_string_equal(vda->format, "qcow2");
    assert_string_equal(vda->source, "/var/lib/marina/images/web1.qcow2");
    /* The CD-ROM on the IDE secondary master: the bus every installer kernel has. */
    cd = marina_domain_config_find_disk(c, "hdc");
    assert_non_null(cd);
    assert_int_equal(cd->device, MARINA_DISK_DEVICE_CDROM);
    assert_int_equal(cd->bus, MARINA_DISK_BUS_IDE);
    assert_true(cd->readonly);
    assert_string_equal(cd->source, "/srv/iso/debian-11.7.0-amd64-netinst.iso");
    assert_int_equal(c->interfaces->len, 1);
    nic = c->interfaces->pdata[0];
    assert_int_equal(nic->type, MARINA_NET_TYPE_USER);
    assert_string_equal(nic->model, "virtio");
    assert_non_null(nic->mac);
    assert_int_equal(c->serials->len, 1);
    assert_int_equal(c->consoles->len, 1);
    assert_string_equal(((MarinaCharConfig *)c->consoles->pdata[0])->target_type, "serial");
    assert_int_equal(c->graphics->len, 1);
    assert_string_equal(((MarinaGraphicsConfig *)c->graphics->pdata[0])->type, "vnc");
    assert_int_equal(((MarinaGraphicsConfig *)c->graphics->pdata[0])->port, -1);
    assert_int_equal(c->inputs->len, 1);
    assert_string_equal(((MarinaInputConfig *)c->inputs->pdata[0])->type, "tablet");
    assert_string_equal(((MarinaInputConfig *)c->inputs->pdata[0])->bus, "usb");
    assert_int_equal(c->rngs->len, 1);
    assert_true(c->acpi && c->apic);
    assert_null(c->metadata_xml);
    assert_true(marina_domain_config_validate(c, NULL));
}

static void
test_config_not_virtio_and_q35(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autoptr(MarinaDomainConfig) c = NULL;
    g_autoptr(MarinaDomainConfig) q = NULL;
    MarinaDiskConfig *d;

    s->virtio = FALSE;
    g_ptr_array_add(s->disks, existing_disk("/srv/data.img", NULL));
    c = marina_install_spec_to_config(s, NULL);
    assert_non_null(c);
    d = marina_domain_config_find_disk(c, "sda");
    assert_non_null(d);
    assert_int_equal(d->bus, MARINA_DISK_BUS_SATA);
    d = marina_domain_config_find_disk(c, "sdb");
    assert_non_null(d);
    assert_string_equal(d->format, "raw");
    assert_non_null(marina_domain_config_find_disk(c, "hdc"));
    assert_string_equal(((MarinaInterfaceConfig *)c->interfaces->pdata[0])->model, "e1000");
    assert_string_equal(((MarinaVideoConfig *)c->videos->pdata[0])->model, "vga");
    assert_int_equal(c->rngs->len, 0);

    /* q35 has AHCI built in: the CD-ROM goes after the SATA disks. */
    s->machine = g_strdup("q35");
    q = marina_install_spec_to_config(s, NULL);
    assert_non_null(q);
    d = marina_domain_config_find_disk(q, "sdc");
    assert_non_null(d);
    assert_int_equal(d->device, MARINA_DISK_DEVICE_CDROM);
    assert_int_equal(d->bus, MARINA_DISK_BUS_SATA);
    assert_string_equal(q->machine, "q35");
}

static void
test_config_uefi_and_i686(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autoptr(MarinaDomainConfig) c = NULL;

    s->firmware = g_strdup("efi");
    s->arch = g_strdup("i686");
    s->machine = g_strdup("q35");
    c = marina_install_spec_to_config(s, NULL);
    assert_non_null(c);
    assert_string_equal(c->firmware, "efi");
    assert_string_equal(c->arch, "i686");
    assert_string_equal(c->machine, "q35");
}

static void
test_config_methods(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autoptr(MarinaDomainConfig) loc = NULL, pxe = NULL, imp = NULL, ker = NULL, man = NULL;
    g_autoptr(GError) error = NULL;

    s->method = MARINA_INSTALL_LOCATION;
    s->location = g_strdup("http://deb.debian.org/debian/dists/bullseye/main/installer-amd64/");
    s->cmdline = g_strdup("console=ttyS0");
    loc = marina_install_spec_to_config(s, NULL);
    assert_non_null(loc);
    assert_int_equal(loc->disks->len, 1); /* no empty CD-ROM */
    assert_int_equal(loc->boot_devs->len, 1);
    assert_null(loc->cmdline); /* the install boot carries it, not the definition */

    s->method = MARINA_INSTALL_PXE;
    s->network = g_strdup("network=default");
    pxe = marina_install_spec_to_config(s, NULL);
    assert_non_null(pxe);
    assert_string_equal(boot_dev(pxe, 0), "hd");
    assert_string_equal(boot_dev(pxe, 1), "network");
    assert_int_equal(((MarinaInterfaceConfig *)pxe->interfaces->pdata[0])->type,
                     MARINA_NET_TYPE_NETWORK);
    assert_string_equal(((MarinaInterfaceConfig *)pxe->interfaces->pdata[0])->source, "default");

    s->method = MARINA_INSTALL_IMPORT;
    g_ptr_array_insert(s->disks, 0, existing_disk("/srv/images/old.qcow2", NULL));
    g_free(s->network);
    s->network = g_strdup("bridge=br0");
    imp = marina_install_spec_to_config(s, NULL);
    assert_non_null(imp);
    assert_string_equal(marina_domain_config_find_disk(imp, "vda")->source,
                        "/srv/images/old.qcow2");
    assert_string_equal(marina_domain_config_find_disk(imp, "vda")->format, "qcow2");
    assert_non_null(marina_domain_config_find_disk(imp, "vdb"));
    assert_int_equal(((MarinaInterfaceConfig *)imp->interfaces->pdata[0])->type,
                     MARINA_NET_TYPE_BRIDGE);

    s->method = MARINA_INSTALL_KERNEL;
    s->kernel = g_strdup("/boot/vmlinuz");
    s->initrd = g_strdup("/boot/initrd.img");
    g_free(s->network);
    s->network = g_strdup("none");
    ker = marina_install_spec_to_config(s, NULL);
    assert_non_null(ker);
    assert_string_equal(ker->kernel, "/boot/vmlinuz");
    assert_string_equal(ker->initrd, "/boot/initrd.img");
    assert_string_equal(ker->cmdline, "console=ttyS0");
    assert_int_equal(ker->boot_devs->len, 0);
    assert_int_equal(ker->interfaces->len, 0);

    s->method = MARINA_INSTALL_MANUAL;
    man = marina_install_spec_to_config(s, NULL);
    assert_non_null(man);
    assert_null(man->kernel);
    assert_int_equal(man->disks->len, 2);

    /* A new disk that was not created yet has no path. */
    g_clear_pointer(&((MarinaInstallDisk *)s->disks->pdata[1])->path, g_free);
    assert_null(marina_install_spec_to_config(s, &error));
    assert_non_null(strstr(error->message, "Disk 2 has no path yet"));
    assert_non_null(strstr(error->message, "'default'"));
}

static void
test_config_rejects_invalid_spec(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autoptr(GError) error = NULL;

    s->memory_mib = 1;
    assert_null(marina_install_spec_to_config(s, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
}

static void
test_os_metadata(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autoptr(MarinaDomainConfig) full = NULL, generic = NULL, unresolved = NULL, shortid = NULL;
    g_autoptr(MarinaOsCatalog) catalog = NULL;

    s->os_variant = g_strdup("http://debian.org/debian/11");
    full = marina_install_spec_to_config(s, NULL);
    assert_non_null(full);
    assert_non_null(full->metadata_xml);
    assert_non_null(strstr(full->metadata_xml, "libosinfo:os id=\"http://debian.org/debian/11\""));
    assert_non_null(strstr(full->metadata_xml,
                           "xmlns:libosinfo=\"http://libosinfo.org/xmlns/libvirt/domain/1.0\""));

    g_free(s->os_variant);
    s->os_variant = g_strdup("generic");
    generic = marina_install_spec_to_config(s, NULL);
    assert_null(generic->metadata_xml);

    /* A short id needs the catalog to find its full id. */
    g_free(s->os_variant);
    s->os_variant = g_strdup("debian11");
    if (marina_os_catalog_peek_loaded() == NULL) {
        unresolved = marina_install_spec_to_config(s, NULL);
        assert_null(unresolved->metadata_xml);
    }
    catalog = marina_os_catalog_load_sync(NULL, NULL);
    shortid = marina_install_spec_to_config(s, NULL);
    assert_non_null(shortid->metadata_xml);
    assert_non_null(strstr(shortid->metadata_xml, "http://debian.org/debian/11"));
}

static void
test_xml_round_trip(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autoptr(MarinaDomainConfig) c = NULL, back = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL, *again = NULL;

    s->os_variant = g_strdup("http://debian.org/debian/11");
    s->network = g_strdup("network=default");
    g_ptr_array_add(s->disks, existing_disk("/dev/vg0/data", "raw"));
    c = marina_install_spec_to_config(s, NULL);
    assert_non_null(c);
    xml = marina_domain_config_to_xml(c);
    back = marina_domain_config_parse(xml, -1, warnings, &error);
    if (back == NULL)
        fail_msg("%s\n%s", error->message, xml);
    for (guint i = 0; i < warnings->len; i++)
        print_message("warning: %s\n", (char *)warnings->pdata[i]);
    assert_int_equal(warnings->len, 0);
    assert_string_equal(back->name, c->name);
    assert_string_equal(back->uuid, c->uuid);
    assert_true(back->memory_kib == c->memory_kib);
    assert_int_equal(back->disks->len, 3);
    assert_int_equal(marina_domain_config_find_disk(back, "vdb")->type, MARINA_DISK_TYPE_BLOCK);
    assert_int_equal(marina_domain_config_find_disk(back, "hdc")->bus, MARINA_DISK_BUS_IDE);
    assert_string_equal(((MarinaInterfaceConfig *)back->interfaces->pdata[0])->mac,
                        ((MarinaInterfaceConfig *)c->interfaces->pdata[0])->mac);
    assert_non_null(strstr(back->metadata_xml, "http://debian.org/debian/11"));
    again = marina_domain_config_to_xml(back);
    assert_string_equal(again, xml);
}

static void
test_install_boot(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autoptr(GVariant) media = NULL, loc = NULL, pxe = NULL;
    g_autofree const char **boot = NULL;
    const char *location = NULL, *cmdline = NULL;

    media = g_variant_ref_sink(marina_install_spec_install_boot(s));
    assert_true(g_variant_lookup(media, "boot", "^a&s", &boot));
    assert_int_equal(g_strv_length((char **)boot), 2);
    assert_string_equal(boot[0], "cdrom");
    assert_string_equal(boot[1], "hd");
    g_clear_pointer(&boot, g_free);

    s->method = MARINA_INSTALL_LOCATION;
    s->location = g_strdup("http://mirror/tree/");
    s->cmdline = g_strdup("console=ttyS0");
    loc = g_variant_ref_sink(marina_install_spec_install_boot(s));
    assert_true(g_variant_lookup(loc, "location", "&s", &location));
    assert_string_equal(location, "http://mirror/tree/");
    assert_true(g_variant_lookup(loc, "cmdline", "&s", &cmdline));
    assert_string_equal(cmdline, "console=ttyS0");
    assert_false(g_variant_lookup(loc, "boot", "^a&s", &boot));

    s->method = MARINA_INSTALL_PXE;
    pxe = g_variant_ref_sink(marina_install_spec_install_boot(s));
    assert_true(g_variant_lookup(pxe, "boot", "^a&s", &boot));
    assert_int_equal(g_strv_length((char **)boot), 1);
    assert_string_equal(boot[0], "network");

    s->method = MARINA_INSTALL_IMPORT;
    assert_null(marina_install_spec_install_boot(s));
    s->method = MARINA_INSTALL_KERNEL;
    assert_null(marina_install_spec_install_boot(s));
    s->method = MARINA_INSTALL_MANUAL;
    assert_null(marina_install_spec_install_boot(s));
}

static void
test_volume_names(void **state)
{
    g_autoptr(MarinaInstallSpec) s = media_spec();
    g_autofree char *a = NULL, *b = NULL, *c = NULL;
    MarinaInstallDisk *raw = new_disk("default", GIB, NULL);

    raw->format = g_strdup("raw");
    g_ptr_array_add(s->disks, raw);
    g_ptr_array_add(s->disks, new_disk("default", GIB, NULL));
    ((MarinaInstallDisk *)s->disks->pdata[2])->volume = g_strdup("scratch.qcow2");
    a = marina_install_disk_volume_name(s, 0);
    b = marina_install_disk_volume_name(s, 1);
    c = marina_install_disk_volume_name(s, 2);
    assert_string_equal(a, "web1.qcow2");
    assert_string_equal(b, "web1-1.img");
    assert_string_equal(c, "scratch.qcow2");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_defaults),
        cmocka_unit_test(test_validate_name_memory_vcpus),
        cmocka_unit_test(test_validate_methods),
        cmocka_unit_test(test_validate_disks),
        cmocka_unit_test(test_validate_other_fields),
        cmocka_unit_test(test_parse_network),
        cmocka_unit_test(test_config_media),
        cmocka_unit_test(test_config_not_virtio_and_q35),
        cmocka_unit_test(test_config_uefi_and_i686),
        cmocka_unit_test(test_config_methods),
        cmocka_unit_test(test_config_rejects_invalid_spec),
        cmocka_unit_test(test_os_metadata),
        cmocka_unit_test(test_xml_round_trip),
        cmocka_unit_test(test_install_boot),
        cmocka_unit_test(test_volume_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
