/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "device-target.h"

#include <glib/gi18n.h>

#include "error.h"

const char *
marina_disk_bus_prefix(MarinaDiskBus bus)
{
    switch (bus) {
    case MARINA_DISK_BUS_VIRTIO:
        return "vd";
    case MARINA_DISK_BUS_IDE:
        return "hd";
    case MARINA_DISK_BUS_FDC:
        return "fd";
    case MARINA_DISK_BUS_SATA:
    case MARINA_DISK_BUS_SCSI:
    case MARINA_DISK_BUS_USB:
    default:
        return "sd";
    }
}

/* libvirt's disk names: index 0 is "a", 25 "z", 26 "aa" ... */
static char *
target_name(const char *prefix, guint index)
{
    GString *suffix = g_string_new(NULL);
    guint n = index + 1;

    while (n > 0) {
        n--;
        g_string_prepend_c(suffix, (char)('a' + n % 26));
        n /= 26;
    }
    g_string_prepend(suffix, prefix);
    return g_string_free(suffix, FALSE);
}

/* How many targets a bus offers: IDE two channels of two, the floppy
 * controller two drives; the others as many as the model allows. */
static guint
bus_targets(MarinaDiskBus bus)
{
    switch (bus) {
    case MARINA_DISK_BUS_IDE:
        return 4;
    case MARINA_DISK_BUS_FDC:
        return 2;
    default:
        return 26 * 27;
    }
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
    case MARINA_DISK_BUS_FDC:
    default:
        return _("floppy");
    }
}

char *
marina_disk_free_target(const MarinaDomainConfig *config, MarinaDiskBus bus, GError **error)
{
    const char *prefix = marina_disk_bus_prefix(bus);
    guint limit = bus_targets(bus);

    g_return_val_if_fail(config != NULL, NULL);
    for (guint i = 0; i < limit; i++) {
        g_autofree char *name = target_name(prefix, i);

        if (marina_domain_config_find_disk(config, name) == NULL)
            return g_steal_pointer(&name);
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                _("Every %s disk target of guest '%s' is in use. Choose another bus."),
                bus_label(bus), config->name != NULL ? config->name : "");
    return NULL;
}

static gboolean
check_disk(const MarinaDomainConfig *config, const MarinaDiskConfig *disk, GError **error)
{
    if (disk->target_dev != NULL && marina_domain_config_find_disk(config, disk->target_dev)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Target device: '%s' is already used by another disk of this guest. "
                      "Choose another target."),
                    disk->target_dev);
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_interface(const MarinaDomainConfig *config, const MarinaInterfaceConfig *iface,
                GError **error)
{
    for (guint i = 0; config->interfaces != NULL && i < config->interfaces->len; i++) {
        const MarinaInterfaceConfig *other = g_ptr_array_index(config->interfaces, i);

        if (iface->mac != NULL && g_ascii_strcasecmp(other->mac, iface->mac) == 0) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                        _("MAC address: %s is already used by another network interface of "
                          "this guest. Choose another address."),
                        iface->mac);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
marina_device_check_new(const MarinaDomainConfig *config, const MarinaDevice *device,
                        GError **error)
{
    g_autoptr(MarinaDomainConfig) copy = NULL;

    g_return_val_if_fail(config != NULL && device != NULL, FALSE);
    if (device->kind == MARINA_DEVICE_DISK && !check_disk(config, device->config, error))
        return FALSE;
    if (device->kind == MARINA_DEVICE_INTERFACE && !check_interface(config, device->config, error))
        return FALSE;
    /* The rest of the model's rules, on a copy the guest never sees. */
    copy = marina_domain_config_copy(config);
    return marina_domain_config_add_device(copy, device, error);
}

gboolean
marina_device_can_hotplug(const MarinaDevice *device)
{
    g_return_val_if_fail(device != NULL, FALSE);
    switch (device->kind) {
    case MARINA_DEVICE_DISK: {
        const MarinaDiskConfig *disk = device->config;

        return disk->device == MARINA_DISK_DEVICE_DISK &&
               (disk->bus == MARINA_DISK_BUS_VIRTIO || disk->bus == MARINA_DISK_BUS_SCSI ||
                disk->bus == MARINA_DISK_BUS_USB);
    }
    case MARINA_DEVICE_INTERFACE:
        return TRUE;
    case MARINA_DEVICE_INPUT:
        return g_strcmp0(((const MarinaInputConfig *)device->config)->bus, "usb") == 0;
    case MARINA_DEVICE_HOSTDEV:
        return ((const MarinaHostdevConfig *)device->config)->type == MARINA_HOSTDEV_USB;
    default:
        return FALSE;
    }
}

char *
marina_volume_free_name(const char *base, const char *ext, const char *const *taken)
{
    g_return_val_if_fail(base != NULL && ext != NULL, NULL);
    for (guint i = 0;; i++) {
        g_autofree char *name = i == 0 ? g_strdup_printf("%s.%s", base, ext)
                                       : g_strdup_printf("%s-%u.%s", base, i, ext);

        if (taken == NULL || !g_strv_contains(taken, name))
            return g_steal_pointer(&name);
    }
}
