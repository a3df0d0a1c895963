#define G_LOG_DOMAIN "marina-install-spec"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "error.h"
#include "install-spec.h"
#include "os-catalog.h"

#define MIN_MEMORY_MIB 64
#define MAX_MEMORY_MIB (G_GUINT64_CONSTANT(16) << 20) /* 16 TiB, as the domain model */
#define MAX_VCPUS 255
/* vda..vdz / sda..sdz: more disks than this is a mistake in a new guest. */
#define MAX_DISKS 26
#define MAX_DISK_BYTES (G_GUINT64_CONSTANT(1) << 50) /* 1 PiB, as the volume model */
#define MAX_NETWORK_NAME 64
#define MAX_BRIDGE_NAME 15 /* IFNAMSIZ - 1 */
#define MAX_URL_LEN 4096
#define MAX_TEXT_LEN 4096

#define LIBOSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

static gboolean G_GNUC_PRINTF(2, 3) fail(GError **error, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, message);
    return FALSE;
}

MarinaInstallSpec *
marina_install_spec_new(void)
{
    MarinaInstallSpec *spec = g_new0(MarinaInstallSpec, 1);

    spec->memory_mib = 1024;
    spec->vcpus = 1;
    spec->virtio = TRUE;
    spec->method = MARINA_INSTALL_MANUAL;
    spec->disks = g_ptr_array_new_with_free_func((GDestroyNotify)marina_install_disk_free);
    return spec;
}

void
marina_install_spec_free(MarinaInstallSpec *spec)
{
    if (spec == NULL)
        return;
    g_free(spec->name);
    g_free(spec->title);
    g_free(spec->media);
    g_free(spec->location);
    g_free(spec->kernel);
    g_free(spec->initrd);
    g_free(spec->cmdline);
    g_clear_pointer(&spec->disks, g_ptr_array_unref);
    g_free(spec->network);
    g_free(spec->os_variant);
    g_free(spec->machine);
    g_free(spec->arch);
    g_free(spec->firmware);
    g_free(spec);
}

MarinaInstallDisk *
marina_install_disk_new(MarinaInstallDiskKind kind)
{
    MarinaInstallDisk *disk = g_new0(MarinaInstallDisk, 1);

    disk->kind = kind;
    disk->sparse = TRUE;
    return disk;
}

void
marina_install_disk_free(MarinaInstallDisk *disk)
{
    if (disk == NULL)
        return;
    g_free(disk->pool);
    g_free(disk->volume);
    g_free(disk->format);
    g_free(disk->path);
    g_free(disk);
}

/* ---------------------------------------------------------------------------------------------
 * Small checks
 */

static gboolean
has_control_chars(const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f)
            return TRUE;
    }
    return FALSE;
}

/* Free text that ends up in the XML or on a kernel command line. */
static gboolean
check_text(const char *what, const char *text, GError **error)
{
    if (text == NULL)
        return TRUE;
    if (!g_utf8_validate(text, -1, NULL) || has_control_chars(text))
        return fail(error, _("%s contains control characters or invalid text; type it again."),
                    what);
    if (strlen(text) > MAX_TEXT_LEN)
        return fail(error, _("%s is longer than %d characters; shorten it."), what, MAX_TEXT_LEN);
    return TRUE;
}

static gboolean
check_abs_path(const char *what, const char *path, const char *example, GError **error)
{
    if (path == NULL || *path == '\0')
        return fail(error, _("%s is missing; give the full path of a file on the host, e.g. %s."),
                    what, example);
    if (!g_path_is_absolute(path))
        return fail(error, _("%s '%s' is not a full path; give it from the root, e.g. %s."), what,
                    path, example);
    return check_text(what, path, error);
}

static gboolean
is_network_char(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
}

gboolean
marina_install_parse_network(const char *text, char **kind, char **source, GError **error)
{
    const char *name = NULL;
    const char *k;
    gsize max;

    if (kind != NULL)
        *kind = NULL;
    if (source != NULL)
        *source = NULL;
    if (text == NULL || *text == '\0' || g_str_equal(text, "user")) {
        k = "user";
    } else if (g_str_equal(text, "none")) {
        k = "none";
    } else if (g_str_has_prefix(text, "network=")) {
        k = "network";
        name = text + strlen("network=");
        max = MAX_NETWORK_NAME;
    } else if (g_str_has_prefix(text, "bridge=")) {
        k = "bridge";
        name = text + strlen("bridge=");
        max = MAX_BRIDGE_NAME;
    } else {
        return fail(error,
                    _("Network '%s' is not understood; use 'user', 'network=NAME', "
                      "'bridge=NAME' or 'none'."),
                    text);
    }
    if (name != NULL) {
        if (*name == '\0')
            return fail(error, _("Network '%s' names no %s; write e.g. %sdefault."), text, k,
                        g_str_equal(k, "network") ? "network=" : "bridge=");
        if (strlen(name) > max)
            return fail(error,
                        _("The %s name '%s' is longer than %zu characters; use a shorter "
                          "name."),
                        k, name, max);
        for (const char *p = name; *p != '\0'; p++) {
            if (!is_network_char(*p))
                return fail(error,
                            _("The %s name '%s' may only contain letters, digits and '-', '_', "
                              "'.', ':'."),
                            k, name);
        }
    }
    if (kind != NULL)
        *kind = g_strdup(k);
    if (source != NULL)
        *source = g_strdup(name);
    return TRUE;
}

static gboolean
check_url(const char *url, GError **error)
{
    g_autofree char *scheme = NULL;
    g_autoptr(GUri) uri = NULL;

    if (url == NULL || *url == '\0')
        return fail(error, _("The install location is missing; give the URL of an install tree, "
                             "e.g. http://deb.debian.org/debian/dists/stable/main/"
                             "installer-amd64/."));
    if (strlen(url) > MAX_URL_LEN || has_control_chars(url))
        return fail(error, _("The install location is not a usable URL; check what was typed."));
    uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    scheme = uri != NULL ? g_ascii_strdown(g_uri_get_scheme(uri), -1) : NULL;
    if (uri == NULL || (!g_str_equal(scheme, "http") && !g_str_equal(scheme, "https") &&
                        !g_str_equal(scheme, "ftp")))
        return fail(error,
                    _("The install location '%s' is not an http://, https:// or ftp:// URL; give "
                      "the URL of an install tree."),
                    url);
    if (g_uri_get_host(uri) == NULL || *g_uri_get_host(uri) == '\0')
        return fail(error,
                    _("The install location '%s' names no host; write it as "
                      "http://HOST/PATH."),
                    url);
    return TRUE;
}

static gboolean
check_volume_name(const char *name, GError **error)
{
    if (name == NULL)
        return TRUE;
    if (*name == '\0' || strlen(name) > 255 || strchr(name, '/') != NULL || name[0] == '.' ||
        !g_utf8_validate(name, -1, NULL) || has_control_chars(name))
        return fail(error,
                    _("The volume name '%s' is not usable; use a file name without '/' that "
                      "does not start with '.'."),
                    name);
    return TRUE;
}

static gboolean
check_format(const char *what, const char *format, GError **error)
{
    if (format == NULL || g_str_equal(format, "qcow2") || g_str_equal(format, "raw"))
        return TRUE;
    return fail(error, _("%s: the format '%s' is not supported; use qcow2 or raw."), what, format);
}

static gboolean
validate_disk(const MarinaInstallDisk *disk, guint index, GError **error)
{
    g_autofree char *what = g_strdup_printf(_("Disk %u"), index + 1);

    if (!check_format(what, disk->format, error))
        return FALSE;
    switch (disk->kind) {
    case MARINA_INSTALL_DISK_NEW:
        if (disk->pool == NULL || *disk->pool == '\0')
            return fail(error,
                        _("%s: no storage pool is chosen; pick the pool to create it in, "
                          "e.g. default."),
                        what);
        if (!check_text(what, disk->pool, error) || !check_volume_name(disk->volume, error))
            return FALSE;
        if (disk->size == 0)
            return fail(error, _("%s: the size is 0; give the size of the new disk, e.g. 10 GiB."),
                        what);
        if (disk->size > MAX_DISK_BYTES)
            return fail(error, _("%s: the size is larger than 1 PiB; give a smaller size."), what);
        return TRUE;
    case MARINA_INSTALL_DISK_EXISTING:
        return check_abs_path(what, disk->path, "/var/lib/marina/images/disk.qcow2", error);
    default:
        return fail(error, _("%s: the kind of disk is out of range."), what);
    }
}

static gboolean
validate_method(const MarinaInstallSpec *spec, GError **error)
{
    switch (spec->method) {
    case MARINA_INSTALL_MEDIA:
        if (spec->media == NULL || *spec->media == '\0')
            return fail(error, _("No install media is chosen; pick an ISO image or a volume to "
                                 "install from."));
        return check_abs_path(_("The install media"), spec->media, "/srv/iso/debian.iso", error);
    case MARINA_INSTALL_LOCATION:
        return check_url(spec->location, error) &&
               check_text(_("The kernel arguments"), spec->cmdline, error);
    case MARINA_INSTALL_PXE:
        if (spec->network != NULL && g_str_equal(spec->network, "none"))
            return fail(error, _("A network (PXE) install needs a network; choose one instead of "
                                 "'none'."));
        return TRUE;
    case MARINA_INSTALL_IMPORT: {
        const MarinaInstallDisk *first = spec->disks->len > 0 ? spec->disks->pdata[0] : NULL;
        if (first == NULL || first->kind != MARINA_INSTALL_DISK_EXISTING)
            return fail(error, _("Importing needs an existing disk image as the first disk; "
                                 "choose the image to boot."));
        return TRUE;
    }
    case MARINA_INSTALL_KERNEL:
        return check_abs_path(_("The kernel"), spec->kernel, "/var/lib/marina/boot/vmlinuz",
                              error) &&
               (spec->initrd == NULL || check_abs_path(_("The initrd"), spec->initrd,
                                                       "/var/lib/marina/boot/initrd.img", error)) &&
               check_text(_("The kernel arguments"), spec->cmdline, error);
    case MARINA_INSTALL_MANUAL:
        return TRUE;
    default:
        return fail(error, _("The install method is out of range."));
    }
}

gboolean
marina_install_spec_validate(const MarinaInstallSpec *spec, GError **error)
{
    g_autoptr(GError) local = NULL;

    g_return_val_if_fail(spec != NULL, FALSE);

    if (spec->name == NULL || *spec->name == '\0')
        return fail(error, _("The guest has no name; give it one, e.g. web1."));
    if (!marina_domain_name_is_valid(spec->name, &local))
        return fail(error, _("Name: %s"), marina_error_message(local));
    if (!check_text(_("The title"), spec->title, error))
        return FALSE;
    if (spec->memory_mib < MIN_MEMORY_MIB)
        return fail(error, _("Memory of %" PRIu64 " MiB is too little; give at least %d MiB."),
                    spec->memory_mib, MIN_MEMORY_MIB);
    if (spec->memory_mib > MAX_MEMORY_MIB)
        return fail(error,
                    _("Memory of %" PRIu64 " MiB is more than Marina supports "
                      "(16 TiB); give less."),
                    spec->memory_mib);
    if (spec->vcpus < 1 || spec->vcpus > MAX_VCPUS)
        return fail(error, _("%u vCPUs is not possible; give 1 to %d."), spec->vcpus, MAX_VCPUS);
    if (!validate_method(spec, error))
        return FALSE;
    if (spec->disks == NULL)
        return fail(error, _("The disk list is missing; create the choices with "
                             "marina_install_spec_new()."));
    if (spec->disks->len > MAX_DISKS)
        return fail(error, _("%u disks is more than a new guest can have (%d); remove some."),
                    spec->disks->len, MAX_DISKS);
    for (guint i = 0; i < spec->disks->len; i++) {
        if (!validate_disk(spec->disks->pdata[i], i, error))
            return FALSE;
    }
    if (!marina_install_parse_network(spec->network, NULL, NULL, error))
        return FALSE;
    if (spec->os_variant != NULL && *spec->os_variant == '\0')
        return fail(error, _("The OS variant is empty; pick an operating system or 'generic'."));
    if (!check_text(_("The OS variant"), spec->os_variant, error))
        return FALSE;
    if (spec->arch != NULL && !g_str_equal(spec->arch, "x86_64") &&
        !g_str_equal(spec->arch, "i686"))
        return fail(error, _("The architecture '%s' is not supported; use x86_64 or i686."),
                    spec->arch);
    if (spec->firmware != NULL && !g_str_equal(spec->firmware, "bios") &&
        !g_str_equal(spec->firmware, "efi"))
        return fail(error, _("The firmware '%s' is not supported; use bios or efi."),
                    spec->firmware);
    if (spec->machine != NULL) {
        if (*spec->machine == '\0' || strlen(spec->machine) > 64 ||
            strspn(spec->machine, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789-_.") != strlen(spec->machine))
            return fail(error, _("The machine type '%s' is not valid; use e.g. pc or q35."),
                        spec->machine);
    }
    return TRUE;
}

/* ---------------------------------------------------------------------------------------------
 * The definition
 */

char *
marina_install_disk_volume_name(const MarinaInstallSpec *spec, guint index)
{
    const MarinaInstallDisk *disk;
    const char *ext;

    g_return_val_if_fail(spec != NULL && index < spec->disks->len, NULL);
    disk = spec->disks->pdata[index];
    if (disk->volume != NULL)
        return g_strdup(disk->volume);
    ext = g_strcmp0(disk->format, "raw") == 0 ? "img" : "qcow2";
    /* virt-install's names: web1.qcow2, web1-1.qcow2, ... */
    if (index == 0)
        return g_strdup_printf("%s.%s", spec->name, ext);
    return g_strdup_printf("%s-%u.%s", spec->name, index, ext);
}

static char *
target_name(const char *prefix, guint index)
{
    return g_strdup_printf("%s%c", prefix, 'a' + index);
}

static const char *
disk_format(const MarinaInstallDisk *disk)
{
    if (disk->format != NULL)
        return disk->format;
    if (disk->kind == MARINA_INSTALL_DISK_NEW)
        return "qcow2";
    return disk->path != NULL && g_str_has_suffix(disk->path, ".qcow2") ? "qcow2" : "raw";
}

static gboolean
add_disks(MarinaDomainConfig *c, const MarinaInstallSpec *spec, gboolean q35, GError **error)
{
    for (guint i = 0; i < spec->disks->len; i++) {
        const MarinaInstallDisk *disk = spec->disks->pdata[i];
        MarinaDiskConfig *d;

        if (disk->path == NULL)
            return fail(error, _("Disk %u has no path yet; create its volume in pool '%s' first."),
                        i + 1, disk->pool != NULL ? disk->pool : "");
        d = g_new0(MarinaDiskConfig, 1);
        d->type =
            g_str_has_prefix(disk->path, "/dev/") ? MARINA_DISK_TYPE_BLOCK : MARINA_DISK_TYPE_FILE;
        d->device = MARINA_DISK_DEVICE_DISK;
        d->source = g_strdup(disk->path);
        d->format = g_strdup(disk_format(disk));
        d->bus = spec->virtio ? MARINA_DISK_BUS_VIRTIO : MARINA_DISK_BUS_SATA;
        d->target_dev = target_name(spec->virtio ? "vd" : "sd", i);
        g_ptr_array_add(c->disks, d);
    }
    if (spec->method == MARINA_INSTALL_MEDIA) {
        MarinaDiskConfig *d = g_new0(MarinaDiskConfig, 1);

        d->type =
            g_str_has_prefix(spec->media, "/dev/") ? MARINA_DISK_TYPE_BLOCK : MARINA_DISK_TYPE_FILE;
        d->device = MARINA_DISK_DEVICE_CDROM;
        d->source = g_strdup(spec->media);
        d->format = g_strdup("raw");
        d->readonly = TRUE;
        if (q35) {
            /* q35's built-in AHCI; after the SATA disks when they are there. */
            d->bus = MARINA_DISK_BUS_SATA;
            d->target_dev = target_name("sd", spec->virtio ? 0 : spec->disks->len);
        } else {
            /* pc: the secondary IDE master, as virt-install does; SATA on pc needs an
             * AHCI driver in the installer's kernel, which not every one has. */
            d->bus = MARINA_DISK_BUS_IDE;
            d->target_dev = g_strdup("hdc");
        }
        g_ptr_array_add(c->disks, d);
    }
    return TRUE;
}

static gboolean
add_interface(MarinaDomainConfig *c, const MarinaInstallSpec *spec, GError **error)
{
    g_autofree char *kind = NULL;
    g_autofree char *source = NULL;
    MarinaInterfaceConfig *n;

    if (!marina_install_parse_network(spec->network, &kind, &source, error))
        return FALSE;
    if (g_str_equal(kind, "none"))
        return TRUE;
    n = g_new0(MarinaInterfaceConfig, 1);
    n->type = g_str_equal(kind, "network")  ? MARINA_NET_TYPE_NETWORK
              : g_str_equal(kind, "bridge") ? MARINA_NET_TYPE_BRIDGE
                                            : MARINA_NET_TYPE_USER;
    n->source = g_steal_pointer(&source);
    n->mac = marina_mac_generate();
    n->mac_generated = TRUE;
    n->model = g_strdup(spec->virtio ? "virtio" : "e1000");
    g_ptr_array_add(c->interfaces, n);
    return TRUE;
}

static void
add_char_devices(MarinaDomainConfig *c)
{
    MarinaCharConfig *serial = g_new0(MarinaCharConfig, 1);
    MarinaCharConfig *console = g_new0(MarinaCharConfig, 1);

    serial->kind = MARINA_CHAR_SERIAL;
    serial->type = g_strdup("pty");
    serial->target_type = g_strdup("isa-serial");
    serial->port = 0;
    g_ptr_array_add(c->serials, serial);
    console->kind = MARINA_CHAR_CONSOLE;
    console->type = g_strdup("pty");
    console->target_type = g_strdup("serial");
    console->port = 0;
    g_ptr_array_add(c->consoles, console);
}

static void
add_display_devices(MarinaDomainConfig *c, const MarinaInstallSpec *spec)
{
    MarinaGraphicsConfig *g = g_new0(MarinaGraphicsConfig, 1);
    MarinaVideoConfig *v = g_new0(MarinaVideoConfig, 1);
    MarinaInputConfig *tablet = g_new0(MarinaInputConfig, 1);

    g->type = g_strdup("vnc");
    g->port = -1;
    g_ptr_array_add(c->graphics, g);
    /* virtio-gpu wants a guest driver; VGA works everywhere. */
    v->model = g_strdup(spec->virtio ? "virtio" : "vga");
    g_ptr_array_add(c->videos, v);
    /* An absolute pointer: the VNC cursor and the guest's stay together. */
    tablet->type = g_strdup("tablet");
    tablet->bus = g_strdup("usb");
    g_ptr_array_add(c->inputs, tablet);
    if (spec->virtio) {
        MarinaRngConfig *rng = g_new0(MarinaRngConfig, 1);
        rng->model = g_strdup("virtio");
        rng->backend = g_strdup("/dev/urandom");
        g_ptr_array_add(c->rngs, rng);
    }
}

/* The libosinfo id for the metadata: a full id as it is, a short id
 * through the catalog when one has been loaded; "generic" records nothing,
 * as virt-install does. */
static char *
os_full_id(const char *variant)
{
    MarinaOsCatalog *catalog;
    const MarinaOsInfo *info;

    if (variant == NULL || g_str_equal(variant, "generic"))
        return NULL;
    if (strstr(variant, "://") != NULL)
        return g_strdup(variant);
    catalog = marina_os_catalog_peek_loaded();
    info = catalog != NULL ? marina_os_catalog_lookup(catalog, variant) : NULL;
    if (info == NULL || g_str_equal(info->short_id, "generic")) {
        g_debug("OS variant '%s' is not resolved to a libosinfo id (catalog %s)", variant,
                catalog != NULL ? "loaded" : "not loaded");
        return NULL;
    }
    return g_strdup(info->id);
}

static char *
os_metadata(const char *variant)
{
    g_autofree char *id = os_full_id(variant);
    g_autofree char *escaped = NULL;

    if (id == NULL)
        return NULL;
    escaped = g_markup_escape_text(id, -1);
    return g_strdup_printf("<libosinfo:libosinfo xmlns:libosinfo=\"%s\">"
                           "<libosinfo:os id=\"%s\"/></libosinfo:libosinfo>",
                           LIBOSINFO_NS, escaped);
}

MarinaDomainConfig *
marina_install_spec_to_config(const MarinaInstallSpec *spec, GError **error)
{
    g_autoptr(MarinaDomainConfig) c = NULL;
    const char *machine;
    gboolean q35;

    g_return_val_if_fail(spec != NULL, NULL);
    if (!marina_install_spec_validate(spec, error))
        return NULL;
    machine = spec->machine != NULL ? spec->machine : "pc";
    q35 = g_str_has_prefix(machine, "q35") || g_str_has_prefix(machine, "pc-q35");

    c = marina_domain_config_new();
    c->name = g_strdup(spec->name);
    c->uuid = marina_uuid_generate();
    c->title = g_strdup(spec->title);
    c->metadata_xml = os_metadata(spec->os_variant);
    c->memory_kib = spec->memory_mib * 1024;
    c->current_memory_kib = c->memory_kib;
    c->vcpus = spec->vcpus;
    c->current_vcpus = spec->vcpus;
    g_free(c->arch);
    c->arch = g_strdup(spec->arch != NULL ? spec->arch : "x86_64");
    c->machine = g_strdup(machine);
    c->firmware = g_strdup(spec->firmware != NULL ? spec->firmware : "bios");
    c->clock_offset = g_strdup("utc");
    c->acpi = TRUE;
    c->apic = TRUE;
    c->on_poweroff = MARINA_LIFECYCLE_DESTROY;
    c->on_reboot = MARINA_LIFECYCLE_RESTART;
    c->on_crash = MARINA_LIFECYCLE_DESTROY;

    if (spec->method == MARINA_INSTALL_KERNEL) {
        c->kernel = g_strdup(spec->kernel);
        c->initrd = g_strdup(spec->initrd);
        c->cmdline = g_strdup(spec->cmdline);
    } else {
        /* After the install boot the guest starts from its disk; the media stays
         * second so a person can boot it again from the boot menu order. */
        g_ptr_array_add(c->boot_devs, g_strdup("hd"));
        if (spec->method == MARINA_INSTALL_MEDIA)
            g_ptr_array_add(c->boot_devs, g_strdup("cdrom"));
        else if (spec->method == MARINA_INSTALL_PXE)
            g_ptr_array_add(c->boot_devs, g_strdup("network"));
    }
    if (!add_disks(c, spec, q35, error) || !add_interface(c, spec, error))
        return NULL;
    add_char_devices(c);
    add_display_devices(c, spec);
    if (!marina_domain_config_validate(c, error))
        return NULL;
    return g_steal_pointer(&c);
}

GVariant *
marina_install_spec_install_boot(const MarinaInstallSpec *spec)
{
    GVariantBuilder b;

    g_return_val_if_fail(spec != NULL, NULL);
    switch (spec->method) {
    case MARINA_INSTALL_MEDIA: {
        const char *const boot[] = {"cdrom", "hd"};
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "boot", g_variant_new_strv(boot, G_N_ELEMENTS(boot)));
        return g_variant_builder_end(&b);
    }
    case MARINA_INSTALL_LOCATION:
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "location",
                              g_variant_new_string(spec->location != NULL ? spec->location : ""));
        if (spec->cmdline != NULL && *spec->cmdline != '\0')
            g_variant_builder_add(&b, "{sv}", "cmdline", g_variant_new_string(spec->cmdline));
        return g_variant_builder_end(&b);
    case MARINA_INSTALL_PXE: {
        const char *const boot[] = {"network"};
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "boot", g_variant_new_strv(boot, G_N_ELEMENTS(boot)));
        return g_variant_builder_end(&b);
    }
    default:
        return NULL;
    }
}
