#define G_LOG_DOMAIN "marina-qemu-command"

#include "config.h"

#include <glib/gi18n.h>
#include <stdarg.h>
#include <string.h>

#include "core/error.h"
#include "qemu-command-private.h"

/* Disks, network interfaces, and the balloon, RNG, watchdog and panic devices. */

/* "vda" -> 0, "sdb" -> 1, "hdc" -> 2, "vdaa" -> 26 (libvirt's numbering);
 * -1 if @dev does not have that shape. */
static int
disk_index(const char *dev)
{
    const char *p = dev;
    gint64 index = 0;

    if (g_str_has_prefix(dev, "vd") || g_str_has_prefix(dev, "sd") || g_str_has_prefix(dev, "hd") ||
        g_str_has_prefix(dev, "fd"))
        p = dev + 2;
    else if (g_str_has_prefix(dev, "xvd"))
        p = dev + 3;
    else
        return -1;
    if (*p == '\0' || strlen(p) > 4)
        return -1;
    for (; *p != '\0'; p++) {
        if (*p < 'a' || *p > 'z')
            return -1;
        index = index * 26 + (*p - 'a' + 1);
    }
    return (int)(index - 1);
}

/* QOM ids and node names are built from target devs: keep them plain. */
static gboolean
is_plain_name(const char *name)
{
    if (name == NULL || *name == '\0' || strlen(name) > 16 || !g_ascii_isalpha(*name))
        return FALSE;
    for (const char *p = name; *p != '\0'; p++)
        if (!g_ascii_isalnum(*p))
            return FALSE;
    return TRUE;
}

/* ---- disks -------------------------------------------------------------- */

typedef struct {
    gboolean direct;
    gboolean no_flush;
    gboolean write_cache_off;
    gboolean set;
} CacheMode;

static gboolean
parse_cache(const MarinaDiskConfig *disk, CacheMode *mode, GError **error)
{
    memset(mode, 0, sizeof(*mode));
    if (disk->cache == NULL || marina_qemu_str_eq(disk->cache, "default"))
        return TRUE;
    mode->set = TRUE;
    if (marina_qemu_str_eq(disk->cache, "none")) {
        mode->direct = TRUE;
    } else if (marina_qemu_str_eq(disk->cache, "writeback")) {
    } else if (marina_qemu_str_eq(disk->cache, "writethrough")) {
        mode->write_cache_off = TRUE;
    } else if (marina_qemu_str_eq(disk->cache, "directsync")) {
        mode->direct = TRUE;
        mode->write_cache_off = TRUE;
    } else if (marina_qemu_str_eq(disk->cache, "unsafe")) {
        mode->no_flush = TRUE;
    } else {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk '%s': cache mode '%s' is not known; use none, writeback, "
                      "writethrough, directsync, unsafe or default."),
                    disk->target_dev, disk->cache);
        return FALSE;
    }
    return TRUE;
}

static const char *
disk_format(const MarinaDiskConfig *disk, GError **error)
{
    static const char *const formats[] = {"raw", "qcow2", "qed", "vmdk", "vdi", "vpc", "vhdx"};

    if (disk->format == NULL)
        return "raw";
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
        if (marina_qemu_str_eq(disk->format, formats[i]))
            return formats[i];
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                _("Disk '%s': image format '%s' is not supported; use raw or qcow2."),
                disk->target_dev, disk->format);
    return NULL;
}

/* Returns the "bus=...,unit=..." part of the device for @disk. */
static char *
disk_bus_address(MarinaQemuBuilder *b, const MarinaDiskConfig *disk, int index, GError **error)
{
    switch (disk->bus) {
    case MARINA_DISK_BUS_VIRTIO:
        return g_strdup("");
    case MARINA_DISK_BUS_IDE:
        if (b->q35) {
            /* q35's built-in AHCI, one device per port. */
            if (index < 6)
                return g_strdup_printf(",bus=ide.%d", index);
        } else if (index < 4) {
            return g_strdup_printf(",bus=ide.%d,unit=%d", index / 2, index % 2);
        }
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Disk '%s': the IDE bus has %d places (hda to %s); use another target or "
                      "bus='sata'."),
                    disk->target_dev, b->q35 ? 6 : 4, b->q35 ? "hdf" : "hdd");
        return NULL;
    case MARINA_DISK_BUS_SATA:
        if (index < 6)
            return g_strdup_printf(",bus=%s.%d", b->q35 ? "ide" : "sata0", index);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Disk '%s': the SATA controller has 6 ports (sda to sdf); use bus='scsi' or "
                      "'virtio' for more disks."),
                    disk->target_dev);
        return NULL;
    case MARINA_DISK_BUS_SCSI:
        if (index < 256)
            return g_strdup_printf(",bus=scsi0.0,channel=0,scsi-id=%d,lun=0", index);
        break;
    case MARINA_DISK_BUS_USB:
        return g_strdup(",bus=usb.0");
    case MARINA_DISK_BUS_FDC:
        if (b->q35) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Disk '%s': the q35 machine has no floppy controller; use the 'pc' "
                          "machine or remove the floppy."),
                        disk->target_dev);
            return NULL;
        }
        if (index < 2)
            return g_strdup_printf(",unit=%d", index);
        break;
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                _("Disk '%s': there is no place for this target on its bus."), disk->target_dev);
    return NULL;
}

static const char *
disk_device_model(const MarinaDiskConfig *disk, GError **error)
{
    gboolean cdrom = disk->device == MARINA_DISK_DEVICE_CDROM;
    gboolean floppy = disk->device == MARINA_DISK_DEVICE_FLOPPY;

    if (floppy != (disk->bus == MARINA_DISK_BUS_FDC)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk '%s': floppy drives go on bus 'fdc' (target fda or fdb), and only "
                      "floppy drives do."),
                    disk->target_dev);
        return NULL;
    }
    switch (disk->bus) {
    case MARINA_DISK_BUS_VIRTIO:
        if (!cdrom)
            return "virtio-blk-pci";
        break;
    case MARINA_DISK_BUS_IDE:
    case MARINA_DISK_BUS_SATA:
        return cdrom ? "ide-cd" : "ide-hd";
    case MARINA_DISK_BUS_SCSI:
        return cdrom ? "scsi-cd" : "scsi-hd";
    case MARINA_DISK_BUS_USB:
        if (!cdrom)
            return "usb-storage";
        break;
    case MARINA_DISK_BUS_FDC:
        return "floppy";
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                _("Disk '%s': a CD-ROM cannot be on this bus; use bus='sata', 'ide' or 'scsi'."),
                disk->target_dev);
    return NULL;
}

gboolean
marina_qemu_add_disk(MarinaQemuBuilder *b, const MarinaDiskConfig *disk, GError **error)
{
    const char *target = disk->target_dev;
    const char *model;
    const char *format = NULL;
    g_autofree char *address = NULL;
    g_autofree char *serial = NULL;
    gboolean cdrom = disk->device == MARINA_DISK_DEVICE_CDROM;
    gboolean readonly = disk->readonly || cdrom;
    CacheMode cache;
    GString *dev;
    int index;

    if (!is_plain_name(target) || (index = disk_index(target)) < 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk target '%s' is not valid; use a name like vda, sda, hdc or fda."),
                    target != NULL ? target : "");
        return FALSE;
    }
    if ((model = disk_device_model(disk, error)) == NULL)
        return FALSE;
    if ((address = disk_bus_address(b, disk, index, error)) == NULL)
        return FALSE;
    if (!parse_cache(disk, &cache, error))
        return FALSE;
    if (disk->source == NULL && disk->device == MARINA_DISK_DEVICE_DISK) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk '%s' has no source. Add <source file='...'/>, e.g. "
                      "/var/lib/marina/images/%s.qcow2."),
                    target, target);
        return FALSE;
    }
    if (disk->source == NULL && disk->bus == MARINA_DISK_BUS_USB) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Disk '%s': a USB disk needs a source."), target);
        return FALSE;
    }
    if (disk->source != NULL && !g_path_is_absolute(disk->source)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Disk '%s': the path must be absolute, e.g. /var/lib/marina/images/%s.qcow2"),
                    target, target);
        return FALSE;
    }
    if (disk->readonly && !cdrom &&
        (disk->bus == MARINA_DISK_BUS_IDE || disk->bus == MARINA_DISK_BUS_SATA)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Disk '%s': IDE and SATA disks cannot be read-only; use bus='virtio' or "
                      "'scsi', or remove <readonly/>."),
                    target);
        return FALSE;
    }

    if (disk->source != NULL) {
        g_autofree char *path = marina_qemu_escape_opt(disk->source);
        GString *node = g_string_new(NULL);
        g_autofree char *cache_opts = NULL;

        if ((format = disk_format(disk, error)) == NULL) {
            g_string_free(node, TRUE);
            return FALSE;
        }
        if (cache.set)
            cache_opts =
                g_strdup_printf(",cache.direct=%s,cache.no-flush=%s", cache.direct ? "on" : "off",
                                cache.no_flush ? "on" : "off");
        g_string_append_printf(node, "driver=%s,node-name=file-%s,filename=%s,read-only=%s%s",
                               disk->type == MARINA_DISK_TYPE_BLOCK ? "host_device" : "file",
                               target, path, readonly ? "on" : "off",
                               cache_opts != NULL ? cache_opts : "");
        marina_qemu_add_gstring(b, "-blockdev", node);
        marina_qemu_addf(b, "-blockdev", "driver=%s,node-name=drive-%s,file=file-%s,read-only=%s%s",
                         format, target, target, readonly ? "on" : "off",
                         cache_opts != NULL ? cache_opts : "");
    }

    dev = g_string_new(model);
    g_string_append(dev, address);
    if (disk->source != NULL)
        g_string_append_printf(dev, ",drive=drive-%s", target);
    g_string_append_printf(dev, ",id=disk-%s", target);
    if (disk->boot_order > 0)
        g_string_append_printf(dev, ",bootindex=%u", disk->boot_order);
    if (disk->serial != NULL) {
        serial = marina_qemu_escape_opt(disk->serial);
        if (disk->bus == MARINA_DISK_BUS_FDC)
            marina_qemu_warn(
                b, _("Disk '%s': floppy drives have no serial number; <serial> is ignored."),
                target);
        else
            g_string_append_printf(dev, ",serial=%s", serial);
    }
    if (cache.write_cache_off && disk->bus != MARINA_DISK_BUS_USB)
        g_string_append(dev, ",write-cache=off");
    if (disk->shareable)
        g_string_append(dev, ",share-rw=on");
    marina_qemu_add_gstring(b, "-device", dev);
    return TRUE;
}

/* ---- network ------------------------------------------------------------ */

gboolean
marina_qemu_add_interface(MarinaQemuBuilder *b, const MarinaInterfaceConfig *iface, guint i,
                          GError **error)
{
    static const char *const models[][2] = {
        {"virtio", "virtio-net-pci"}, {"e1000", "e1000"},       {"e1000e", "e1000e"},
        {"rtl8139", "rtl8139"},       {"ne2k_pci", "ne2k_pci"}, {"pcnet", "pcnet"},
    };
    const char *model = NULL;
    const char *wanted = iface->model != NULL ? iface->model : "virtio";
    g_autofree char *mac = marina_mac_canonicalize(iface->mac);
    int tap_fd = -1;
    const char *netdev = NULL;
    GString *dev;

    if (mac == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Interface %u: MAC address '%s' is not valid; use the form "
                      "52:54:00:12:34:56."),
                    i, iface->mac != NULL ? iface->mac : "");
        return FALSE;
    }
    for (guint m = 0; m < G_N_ELEMENTS(models); m++)
        if (marina_qemu_str_eq(wanted, models[m][0]))
            model = models[m][1];
    if (model == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Interface %s: model '%s' is not supported; use virtio, e1000, e1000e, "
                      "rtl8139, ne2k_pci or pcnet."),
                    mac, wanted);
        return FALSE;
    }

    if (b->options->tap_fds != NULL && i < b->options->n_tap_fds)
        tap_fd = b->options->tap_fds[i];
    if (b->options->netdevs != NULL && i < b->options->n_netdevs)
        netdev = b->options->netdevs[i];
    if (iface->type == MARINA_NET_TYPE_USER) {
        marina_qemu_addf(b, "-netdev", "user,id=hostnet%u", i);
    } else if (tap_fd >= 0) {
        marina_qemu_addf(b, "-netdev", "tap,id=hostnet%u,fd=%d", i, tap_fd);
    } else if (netdev != NULL && iface->type == MARINA_NET_TYPE_NETWORK) {
        /* The daemon chose user-mode or the bridge helper (network-attach.c). */
        marina_qemu_addf(b, "-netdev", "%s,id=hostnet%u", netdev, i);
    } else if (iface->type == MARINA_NET_TYPE_NETWORK) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Interface %s: virtual network '%s' is attached by the daemon when the "
                      "guest starts; its command line has no way to join it."),
                    mac, iface->source != NULL ? iface->source : "");
        return FALSE;
    } else {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Interface %s: type '%s' needs the system daemon (marina:///system) "
                      "to set up its tap device. Connect to marina:///system, or use "
                      "<interface type='user'> in a session."),
                    mac, "bridge");
        return FALSE;
    }
    dev = g_string_new(model);
    g_string_append_printf(dev, ",netdev=hostnet%u,id=net%u,mac=%s", i, i, mac);
    if (iface->boot_order > 0)
        g_string_append_printf(dev, ",bootindex=%u", iface->boot_order);
    marina_qemu_add_gstring(b, "-device", dev);
    return TRUE;
}

/* ---- balloon, rng, watchdog, panic -------------------------------------- */

gboolean
marina_qemu_add_misc(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;

    if (c->memballoon_model == NULL || marina_qemu_str_eq(c->memballoon_model, "virtio"))
        marina_qemu_addf(b, "-device", "virtio-balloon-pci,id=balloon0");
    else if (!marina_qemu_str_eq(c->memballoon_model, "none"))
        marina_qemu_warn(b,
                         _("Memory balloon model '%s' is not supported; the guest has no balloon."),
                         c->memballoon_model);

    for (guint i = 0; c->rngs != NULL && i < c->rngs->len; i++) {
        const MarinaRngConfig *rng = c->rngs->pdata[i];
        const char *source = rng->backend != NULL ? rng->backend : "/dev/urandom";

        if (rng->model != NULL && !marina_qemu_str_eq(rng->model, "virtio")) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("RNG model '%s' is not supported; use model='virtio'."), rng->model);
            return FALSE;
        }
        /* Same rule as libvirt: only real entropy sources. */
        if (!marina_qemu_str_eq(source, "/dev/urandom") &&
            !marina_qemu_str_eq(source, "/dev/random") &&
            !marina_qemu_str_eq(source, "/dev/hwrng")) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("RNG backend '%s' is not allowed; use /dev/urandom, /dev/random or "
                          "/dev/hwrng."),
                        source);
            return FALSE;
        }
        marina_qemu_addf(b, "-object", "rng-random,id=objrng%u,filename=%s", i, source);
        marina_qemu_addf(b, "-device", "virtio-rng-pci,rng=objrng%u,id=rng%u", i, i);
    }

    if (c->watchdog != NULL) {
        const char *model = c->watchdog->model;
        const char *action = c->watchdog->action != NULL ? c->watchdog->action : "reset";

        if (marina_qemu_str_eq(model, "i6300esb") || marina_qemu_str_eq(model, "ib700")) {
            marina_qemu_addf(b, "-device", "%s,id=watchdog0", model);
        } else if (marina_qemu_str_eq(model, "itco") && b->q35) {
            /* Part of q35's ICH9 LPC bridge; just let it act. */
            marina_qemu_addf(b, "-global", "ICH9-LPC.noreboot=off");
        } else {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                        _("Watchdog model '%s' is not supported on this machine; use i6300esb, "
                          "ib700, or itco with a q35 machine."),
                        model != NULL ? model : "");
            return FALSE;
        }
        if (marina_qemu_str_eq(action, "dump")) {
            marina_qemu_warn(
                b, "%s",
                _("Watchdog action 'dump' is not supported; the guest is paused instead."));
            action = "pause";
        } else if (!marina_qemu_str_eq(action, "reset") &&
                   !marina_qemu_str_eq(action, "shutdown") &&
                   !marina_qemu_str_eq(action, "poweroff") &&
                   !marina_qemu_str_eq(action, "pause") && !marina_qemu_str_eq(action, "none") &&
                   !marina_qemu_str_eq(action, "inject-nmi")) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("Watchdog action '%s' is not known; use reset, shutdown, poweroff, "
                          "pause, none or inject-nmi."),
                        action);
            return FALSE;
        }
        marina_qemu_addf(b, "-action", "watchdog=%s", action);
    }

    /* Lets the guest report a kernel panic (GUEST_PANICKED over QMP). */
    marina_qemu_addf(b, "-device", "pvpanic");
    return TRUE;
}
