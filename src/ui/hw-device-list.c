/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-device-list.h"

#include <glib/gi18n.h>
#include <string.h>

void
marina_hw_entry_free(MarinaHwEntry *entry)
{
    if (entry == NULL)
        return;
    g_free(entry->label);
    g_free(entry);
}

static void
add(GPtrArray *rows, MarinaHwKind kind, guint index, const char *icon, char *label)
{
    MarinaHwEntry *entry = g_new0(MarinaHwEntry, 1);

    entry->kind = kind;
    entry->index = index;
    entry->icon = icon;
    entry->label = label;
    g_ptr_array_add(rows, entry);
}

static const char *
bus_label(MarinaDiskBus bus)
{
    switch (bus) {
    case MARINA_DISK_BUS_VIRTIO:
        return "VirtIO";
    case MARINA_DISK_BUS_SATA:
        return "SATA";
    case MARINA_DISK_BUS_IDE:
        return "IDE";
    case MARINA_DISK_BUS_SCSI:
        return "SCSI";
    case MARINA_DISK_BUS_USB:
        return "USB";
    default:
        return NULL;
    }
}

/* "VirtIO Disk 1", "SATA CD-ROM 1", "Floppy 1": numbered per bus and kind. */
static void
add_disks(GPtrArray *rows, const MarinaDomainConfig *config)
{
    guint counts[MARINA_DISK_BUS_FDC + 1][MARINA_DISK_DEVICE_FLOPPY + 1] = {{0}};

    for (guint i = 0; i < config->disks->len; i++) {
        const MarinaDiskConfig *d = config->disks->pdata[i];
        guint n =
            ++counts[MIN(d->bus, MARINA_DISK_BUS_FDC)][MIN(d->device, MARINA_DISK_DEVICE_FLOPPY)];
        const char *bus = bus_label(d->bus);

        if (d->device == MARINA_DISK_DEVICE_FLOPPY || bus == NULL)
            /* Translators: a floppy drive in the hardware list, e.g. "Floppy 1" */
            add(rows, MARINA_HW_DISK, i, "media-floppy-symbolic",
                g_strdup_printf(_("Floppy %u"), n));
        else if (d->device == MARINA_DISK_DEVICE_CDROM)
            /* Translators: a CD-ROM drive on a bus, e.g. "SATA CD-ROM 1" */
            add(rows, MARINA_HW_DISK, i, "media-optical-symbolic",
                g_strdup_printf(_("%s CD-ROM %u"), bus, n));
        else
            /* Translators: a disk on a bus, e.g. "VirtIO Disk 1" */
            add(rows, MARINA_HW_DISK, i, "drive-harddisk-symbolic",
                g_strdup_printf(_("%s Disk %u"), bus, n));
    }
}

static void
add_inputs(GPtrArray *rows, const MarinaDomainConfig *config)
{
    for (guint i = 0; i < config->inputs->len; i++) {
        const MarinaInputConfig *in = config->inputs->pdata[i];

        if (g_strcmp0(in->type, "tablet") == 0)
            add(rows, MARINA_HW_INPUT, i, "input-tablet-symbolic", g_strdup(_("Tablet")));
        else if (g_strcmp0(in->type, "keyboard") == 0)
            add(rows, MARINA_HW_INPUT, i, "input-keyboard-symbolic", g_strdup(_("Keyboard")));
        else
            add(rows, MARINA_HW_INPUT, i, "input-mouse-symbolic", g_strdup(_("Mouse")));
    }
}

static void
add_chars(GPtrArray *rows, const MarinaDomainConfig *config)
{
    for (guint i = 0; i < config->serials->len; i++) {
        const MarinaCharConfig *c = config->serials->pdata[i];

        /* Translators: a serial port in the hardware list, e.g. "Serial 1" */
        add(rows, MARINA_HW_CHAR, i, "utilities-terminal-symbolic",
            g_strdup_printf(_("Serial %u"), c->port + 1));
    }
    for (guint i = 0; i < config->consoles->len; i++)
        add(rows, MARINA_HW_CHAR, config->serials->len + i, "utilities-terminal-symbolic",
            i == 0 ? g_strdup(_("Console"))
                   /* Translators: a second, third ... console, e.g. "Console 2" */
                   : g_strdup_printf(_("Console %u"), i + 1));
}

static char *
upper(const char *text, const char *fallback)
{
    return g_ascii_strup(text != NULL ? text : fallback, -1);
}

static void
add_devices(GPtrArray *rows, const MarinaDomainConfig *config)
{
    add_disks(rows, config);
    for (guint i = 0; i < config->interfaces->len; i++) {
        const MarinaInterfaceConfig *n = config->interfaces->pdata[i];
        size_t len = n->mac != NULL ? strlen(n->mac) : 0;

        /* virt-manager's name: the MAC's last three bytes ("NIC :a1:b2:c3"). */
        add(rows, MARINA_HW_NIC, i, "network-wired-symbolic",
            g_strdup_printf(_("NIC %s"), len >= 9 ? n->mac + len - 9 : ""));
    }
    add_inputs(rows, config);
    for (guint i = 0; i < config->graphics->len; i++) {
        const MarinaGraphicsConfig *g = config->graphics->pdata[i];
        g_autofree char *type = upper(g->type, "vnc");

        /* Translators: a display server, e.g. "Display VNC" */
        add(rows, MARINA_HW_GRAPHICS, i, "video-display-symbolic",
            g_strdup_printf(_("Display %s"), type));
    }
    for (guint i = 0; i < config->sounds->len; i++) {
        const MarinaSoundConfig *s = config->sounds->pdata[i];

        /* Translators: a sound device and its model, e.g. "Sound ich9" */
        add(rows, MARINA_HW_SOUND, i, "audio-card-symbolic",
            g_strdup_printf(_("Sound %s"), s->model != NULL ? s->model : "ich9"));
    }
    add_chars(rows, config);
    for (guint i = 0; i < config->videos->len; i++) {
        const MarinaVideoConfig *v = config->videos->pdata[i];
        g_autofree char *model = upper(v->model, "vga");

        /* Translators: a video device and its model, e.g. "Video VGA" */
        add(rows, MARINA_HW_VIDEO, i, "preferences-desktop-display-symbolic",
            g_strdup_printf(_("Video %s"), model));
    }
    for (guint i = 0; i < config->controllers->len; i++) {
        const MarinaControllerConfig *c = config->controllers->pdata[i];
        g_autofree char *type = upper(c->type, "");

        /* Translators: a controller, its type and index, e.g. "Controller USB 0" */
        add(rows, MARINA_HW_CONTROLLER, i, "drive-multidisk-symbolic",
            g_strdup_printf(_("Controller %s %u"), type, c->index));
    }
    if (config->watchdog != NULL)
        add(rows, MARINA_HW_WATCHDOG, 0, "security-high-symbolic", g_strdup(_("Watchdog")));
    for (guint i = 0; i < config->rngs->len; i++) {
        const MarinaRngConfig *r = config->rngs->pdata[i];

        /* Translators: a random number generator and its host device, e.g. "RNG /dev/urandom" */
        add(rows, MARINA_HW_RNG, i, "dialog-password-symbolic",
            g_strdup_printf(_("RNG %s"), r->backend != NULL ? r->backend : "/dev/urandom"));
    }
    for (guint i = 0; i < config->hostdevs->len; i++) {
        g_autofree char *name = marina_hw_hostdev_name(config->hostdevs->pdata[i]);

        add(rows, MARINA_HW_HOSTDEV, i, "media-removable-symbolic", g_steal_pointer(&name));
    }
    if (config->tpm != NULL)
        /* Translators: the TPM and its version, e.g. "TPM v2.0" */
        add(rows, MARINA_HW_TPM, 0, "auth-sim-symbolic",
            g_strdup_printf(_("TPM v%s"), config->tpm->backend == MARINA_TPM_BACKEND_PASSTHROUGH
                                              ? _("(host)")
                                          : config->tpm->version != NULL ? config->tpm->version
                                                                         : "2.0"));
}

char *
marina_hw_hostdev_name(const MarinaHostdevConfig *h)
{
    if (h->type == MARINA_HOSTDEV_PCI)
        /* Translators: a host PCI device given to the guest, e.g. "PCI 0000:01:00.0" */
        return g_strdup_printf(_("PCI %04x:%02x:%02x.%x"), h->pci_domain, h->pci_bus, h->pci_slot,
                               h->pci_function);
    if (h->vendor_id != 0)
        /* Translators: a host USB device given to the guest, e.g. "USB 046d:c52b" */
        return g_strdup_printf(_("USB %04x:%04x"), h->vendor_id, h->product_id);
    /* Translators: a host USB device by its place, e.g. "USB bus 1 device 4" */
    return g_strdup_printf(_("USB bus %u device %u"), h->usb_bus, h->usb_device);
}

GPtrArray *
marina_hw_device_list(const MarinaDomainConfig *config)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)marina_hw_entry_free);

    add(rows, MARINA_HW_OVERVIEW, 0, "dialog-information-symbolic", g_strdup(_("Overview")));
    add(rows, MARINA_HW_OS, 0, "computer-symbolic", g_strdup(_("OS information")));
    add(rows, MARINA_HW_PERFORMANCE, 0, "power-profile-performance-symbolic",
        g_strdup(_("Performance")));
    if (config != NULL) {
        add(rows, MARINA_HW_CPU, 0, "system-run-symbolic", g_strdup(_("CPUs")));
        add(rows, MARINA_HW_MEMORY, 0, "media-flash-symbolic", g_strdup(_("Memory")));
        add(rows, MARINA_HW_BOOT, 0, "system-reboot-symbolic", g_strdup(_("Boot options")));
        add_devices(rows, config);
    }
    add(rows, MARINA_HW_XML, 0, "text-x-generic-symbolic", g_strdup(_("XML")));
    return rows;
}

gboolean
marina_hw_kind_is_device(MarinaHwKind kind)
{
    return kind >= MARINA_HW_DISK && kind <= MARINA_HW_TPM;
}

const char *
marina_hw_kind_name(MarinaHwKind kind)
{
    static const char *const names[MARINA_HW_N_KINDS] = {
        [MARINA_HW_OVERVIEW] = "overview",
        [MARINA_HW_OS] = "os",
        [MARINA_HW_PERFORMANCE] = "performance",
        [MARINA_HW_CPU] = "cpu",
        [MARINA_HW_MEMORY] = "memory",
        [MARINA_HW_BOOT] = "boot",
        [MARINA_HW_DISK] = "disk",
        [MARINA_HW_NIC] = "nic",
        [MARINA_HW_INPUT] = "input",
        [MARINA_HW_GRAPHICS] = "graphics",
        [MARINA_HW_SOUND] = "sound",
        [MARINA_HW_CHAR] = "char",
        [MARINA_HW_VIDEO] = "video",
        [MARINA_HW_CONTROLLER] = "controller",
        [MARINA_HW_HOSTDEV] = "hostdev",
        [MARINA_HW_TPM] = "tpm",
        [MARINA_HW_WATCHDOG] = "watchdog",
        [MARINA_HW_RNG] = "rng",
        [MARINA_HW_XML] = "xml",
    };

    return kind < MARINA_HW_N_KINDS ? names[kind] : NULL;
}

static gboolean
point_at(GPtrArray *list, guint index, MarinaDeviceKind kind, MarinaDevice *out)
{
    if (index >= list->len)
        return FALSE;
    out->kind = kind;
    out->config = list->pdata[index];
    return TRUE;
}

gboolean
marina_hw_device_at(const MarinaDomainConfig *config, MarinaHwKind kind, guint index,
                    MarinaDevice *out)
{
    switch (kind) {
    case MARINA_HW_DISK:
        return point_at(config->disks, index, MARINA_DEVICE_DISK, out);
    case MARINA_HW_NIC:
        return point_at(config->interfaces, index, MARINA_DEVICE_INTERFACE, out);
    case MARINA_HW_INPUT:
        return point_at(config->inputs, index, MARINA_DEVICE_INPUT, out);
    case MARINA_HW_GRAPHICS:
        return point_at(config->graphics, index, MARINA_DEVICE_GRAPHICS, out);
    case MARINA_HW_SOUND:
        return point_at(config->sounds, index, MARINA_DEVICE_SOUND, out);
    case MARINA_HW_CHAR:
        if (index < config->serials->len)
            return point_at(config->serials, index, MARINA_DEVICE_SERIAL, out);
        return point_at(config->consoles, index - config->serials->len, MARINA_DEVICE_CONSOLE, out);
    case MARINA_HW_VIDEO:
        return point_at(config->videos, index, MARINA_DEVICE_VIDEO, out);
    case MARINA_HW_CONTROLLER:
        return point_at(config->controllers, index, MARINA_DEVICE_CONTROLLER, out);
    case MARINA_HW_RNG:
        return point_at(config->rngs, index, MARINA_DEVICE_RNG, out);
    case MARINA_HW_WATCHDOG:
        if (config->watchdog == NULL)
            return FALSE;
        out->kind = MARINA_DEVICE_WATCHDOG;
        out->config = config->watchdog;
        return TRUE;
    case MARINA_HW_HOSTDEV:
        return point_at(config->hostdevs, index, MARINA_DEVICE_HOSTDEV, out);
    case MARINA_HW_TPM:
        if (config->tpm == NULL)
            return FALSE;
        out->kind = MARINA_DEVICE_TPM;
        out->config = config->tpm;
        return TRUE;
    default:
        return FALSE;
    }
}

static gboolean
remove_at(GPtrArray *list, guint index)
{
    if (index >= list->len)
        return FALSE;
    g_ptr_array_remove_index(list, index);
    return TRUE;
}

/* A device the definition has at most one of (watchdog, TPM): freed as the
 * model frees it, the field left NULL. */
static gboolean
take_single(MarinaDeviceKind kind, gpointer *field)
{
    MarinaDevice *device;

    if (*field == NULL)
        return FALSE;
    device = g_new0(MarinaDevice, 1);
    device->kind = kind;
    device->config = g_steal_pointer(field);
    marina_device_free(device);
    return TRUE;
}

gboolean
marina_hw_remove_device(MarinaDomainConfig *config, MarinaHwKind kind, guint index)
{
    switch (kind) {
    case MARINA_HW_DISK:
        return remove_at(config->disks, index);
    case MARINA_HW_NIC:
        return remove_at(config->interfaces, index);
    case MARINA_HW_INPUT:
        return remove_at(config->inputs, index);
    case MARINA_HW_GRAPHICS:
        return remove_at(config->graphics, index);
    case MARINA_HW_SOUND:
        return remove_at(config->sounds, index);
    case MARINA_HW_CHAR:
        if (index < config->serials->len)
            return remove_at(config->serials, index);
        return remove_at(config->consoles, index - config->serials->len);
    case MARINA_HW_VIDEO:
        return remove_at(config->videos, index);
    case MARINA_HW_CONTROLLER:
        return remove_at(config->controllers, index);
    case MARINA_HW_RNG:
        return remove_at(config->rngs, index);
    case MARINA_HW_WATCHDOG:
        return take_single(MARINA_DEVICE_WATCHDOG, (gpointer *)&config->watchdog);
    case MARINA_HW_HOSTDEV:
        return remove_at(config->hostdevs, index);
    case MARINA_HW_TPM:
        return take_single(MARINA_DEVICE_TPM, (gpointer *)&config->tpm);
    default:
        return FALSE;
    }
}
