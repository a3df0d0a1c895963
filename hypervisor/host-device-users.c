#include "config.h"

#include <string.h>

#include "host-device-users.h"

gboolean
marina_host_device_matches(const MarinaHostdevConfig *hostdev, const MarinaHostDeviceId *device)
{
    gboolean by_id, by_place;

    if (hostdev->type != device->type)
        return FALSE;
    if (hostdev->type == MARINA_HOSTDEV_PCI)
        return hostdev->pci_domain == device->pci_domain && hostdev->pci_bus == device->pci_bus &&
               hostdev->pci_slot == device->pci_slot &&
               hostdev->pci_function == device->pci_function;
    /* USB: what the definition gives must all match (libvirt's rule when
     * both the IDs and the address are there). */
    by_id = hostdev->vendor_id != 0;
    by_place = hostdev->usb_bus != 0 || hostdev->usb_device != 0;
    if (!by_id && !by_place)
        return FALSE;
    if (by_id &&
        (hostdev->vendor_id != device->vendor_id || hostdev->product_id != device->product_id))
        return FALSE;
    if (by_place &&
        (hostdev->usb_bus != device->usb_bus || hostdev->usb_device != device->usb_device))
        return FALSE;
    return TRUE;
}

static gboolean
config_uses(const MarinaDomainConfig *config, const MarinaHostDeviceId *device)
{
    for (guint i = 0; config->hostdevs != NULL && i < config->hostdevs->len; i++)
        if (marina_host_device_matches(config->hostdevs->pdata[i], device))
            return TRUE;
    return FALSE;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

char *
marina_host_device_users(const GPtrArray *guests, const MarinaHostDeviceId *device)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    GString *out = g_string_new(NULL);

    for (guint i = 0; guests != NULL && i < guests->len; i++) {
        const MarinaDomainConfig *config = guests->pdata[i];

        if (config->name != NULL && config_uses(config, device) &&
            !g_ptr_array_find_with_equal_func(names, config->name, g_str_equal, NULL))
            g_ptr_array_add(names, config->name);
    }
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(out, "%s%s", i ? ", " : "", (const char *)names->pdata[i]);
    return g_string_free(out, FALSE);
}

static gboolean
parse_hex(const char *text, gsize len, guint max, guint *out)
{
    guint64 value = 0;
    g_autofree char *part = g_strndup(text, len);

    if (len == 0 || strspn(part, "0123456789abcdefABCDEF") != len ||
        !g_ascii_string_to_unsigned(part, 16, 0, max, &value, NULL))
        return FALSE;
    *out = (guint)value;
    return TRUE;
}

gboolean
marina_host_device_parse_pci(const char *address, MarinaHostDeviceId *device)
{
    /* dddd:bb:ss.f, as /sys/bus/pci/devices names them */
    if (address == NULL || strlen(address) != 12 || address[4] != ':' || address[7] != ':' ||
        address[10] != '.')
        return FALSE;
    memset(device, 0, sizeof *device);
    device->type = MARINA_HOSTDEV_PCI;
    return parse_hex(address, 4, 0xffff, &device->pci_domain) &&
           parse_hex(address + 5, 2, 0xff, &device->pci_bus) &&
           parse_hex(address + 8, 2, 0x1f, &device->pci_slot) &&
           parse_hex(address + 11, 1, 7, &device->pci_function);
}
