#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "core/error.h"
#include "host-device-users.h"
#include "network-methods.h"

/*
 * Host.ListHostDevices (virsh nodedev-list): USB devices from
 * /sys/bus/usb/devices and PCI functions from /sys/bus/pci/devices, named
 * from the usb.ids / pci.ids databases when the host has them (hwdata,
 * usbutils, pciutils), else from what the device says, else by their hex ids.
 *
 * used-by names the guests whose definition or running configuration has a
 * <hostdev> for the device (host-device-users.c).
 */

#define USB_DEVICES "/sys/bus/usb/devices"
#define PCI_DEVICES "/sys/bus/pci/devices"
#define DEVICES_MAX 4096
#define ID_NAME_MAX 256

static const char *const usb_ids_files[] = {"/usr/share/hwdata/usb.ids", "/usr/share/misc/usb.ids",
                                            "/var/lib/usbutils/usb.ids", NULL};
static const char *const pci_ids_files[] = {"/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids",
                                            NULL};

/* ---------------------------------------------------------------------- */
/* The ids databases: "vvvv  Vendor", "\tpppp  Product", "C cc  Class".   */

/* @len hex digits, then a space and a name. */
static gboolean
is_hex_id(const char *line, gsize len)
{
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isxdigit(line[i]))
            return FALSE;
    return line[len] == ' ' && line[len + 1] != '\0';
}

/* "vvvv" -> vendor, "vvvv:pppp" -> product, "C:cc" -> class, "C:ccss" -> subclass */
static GHashTable *
load_ids(const char *const *files)
{
    GHashTable *ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autofree char *text = NULL;
    g_autofree char *vendor = NULL;
    gboolean in_class = FALSE;
    char *line, *next;

    for (guint i = 0; files[i] != NULL && text == NULL; i++)
        if (!g_file_get_contents(files[i], &text, NULL, NULL))
            text = NULL;
    for (line = text; line != NULL && *line != '\0'; line = next) {
        char *name;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (*line == '#' || *line == '\0')
            continue;
        if (line[0] == '\t' && line[1] == '\t')
            continue; /* subsystems and programming interfaces */
        if (line[0] != '\t') {
            g_free(vendor);
            vendor = NULL;
            in_class = line[0] == 'C' && line[1] == ' ';
            if (in_class && strlen(line) > 6 && g_ascii_isxdigit(line[2])) {
                vendor = g_strdup_printf("C:%.2s", line + 2);
                name = g_strstrip(line + 4);
            } else if (!in_class && is_hex_id(line, 4)) {
                vendor = g_ascii_strdown(line, 4);
                name = g_strstrip(line + 4);
            } else {
                continue; /* other sections: languages, HID usages ... */
            }
            g_hash_table_insert(ids, g_strdup(vendor), g_strndup(name, ID_NAME_MAX));
        } else if (vendor != NULL) {
            gsize id_len = in_class ? 2 : 4;
            g_autofree char *id = NULL;
            if (!is_hex_id(line + 1, id_len))
                continue;
            id = g_ascii_strdown(line + 1, id_len);
            name = g_strstrip(line + 1 + id_len);
            g_hash_table_insert(ids, g_strdup_printf("%s%s%s", vendor, in_class ? "" : ":", id),
                                g_strndup(name, ID_NAME_MAX));
        }
    }
    return ids;
}

static GHashTable *
ids_for(const char *type)
{
    static GHashTable *usb, *pci;
    GHashTable **table = g_str_equal(type, "usb") ? &usb : &pci;

    /* Read once: the files change only when packages do. */
    if (*table == NULL)
        *table = load_ids(g_str_equal(type, "usb") ? usb_ids_files : pci_ids_files);
    return *table;
}

/* ---------------------------------------------------------------------- */
/* sysfs                                                                  */

static char *
read_attr(const char *dir, const char *name, const char *attr)
{
    g_autofree char *path = g_build_filename(dir, name, attr, NULL);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    g_strstrip(text);
    if (!g_utf8_validate(text, -1, NULL) || strlen(text) > ID_NAME_MAX) {
        g_free(text);
        return NULL;
    }
    return text;
}

static guint
read_hex(const char *dir, const char *name, const char *attr)
{
    g_autofree char *text = read_attr(dir, name, attr);

    return text != NULL ? (guint)g_ascii_strtoull(text, NULL, 16) : 0;
}

static guint
read_dec(const char *dir, const char *name, const char *attr)
{
    g_autofree char *text = read_attr(dir, name, attr);

    return text != NULL ? (guint)g_ascii_strtoull(text, NULL, 10) : 0;
}

/* The last element of the symbolic link @attr (a driver, an IOMMU group). */
static char *
link_name(const char *dir, const char *name, const char *attr)
{
    g_autofree char *path = g_build_filename(dir, name, attr, NULL);
    g_autofree char *target = g_file_read_link(path, NULL);

    return target != NULL ? g_path_get_basename(target) : NULL;
}

static char *
node_name(const char *prefix, const char *sysfs_name)
{
    char *name = g_strconcat(prefix, sysfs_name, NULL);

    return g_strcanon(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", '_');
}

static const char *
lookup_id(GHashTable *ids, const char *key, const char *fallback)
{
    const char *name = g_hash_table_lookup(ids, key);

    return name != NULL ? name : fallback;
}

static GPtrArray *
list_dir(const char *path)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL && names->len < DEVICES_MAX)
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
    return names;
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---------------------------------------------------------------------- */

static GVariant *
usb_device(GHashTable *ids, const char *name, const GPtrArray *guests)
{
    guint vendor_id = read_hex(USB_DEVICES, name, "idVendor");
    guint product_id = read_hex(USB_DEVICES, name, "idProduct");
    g_autofree char *vendor_key = g_strdup_printf("%04x", vendor_id);
    g_autofree char *product_key = g_strdup_printf("%04x:%04x", vendor_id, product_id);
    g_autofree char *own_vendor = read_attr(USB_DEVICES, name, "manufacturer");
    g_autofree char *own_product = read_attr(USB_DEVICES, name, "product");
    g_autofree char *hex_product = g_strdup_printf("%04x", product_id);
    g_autofree char *node = node_name("usb_", name);
    MarinaHostDeviceId id = {
        .type = MARINA_HOSTDEV_USB,
        .vendor_id = vendor_id,
        .product_id = product_id,
        .usb_bus = read_dec(USB_DEVICES, name, "busnum"),
        .usb_device = read_dec(USB_DEVICES, name, "devnum"),
    };
    g_autofree char *users = marina_host_device_users(guests, &id);
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", node);
    g_variant_dict_insert(&d, "bus", "u", id.usb_bus);
    g_variant_dict_insert(&d, "device", "u", id.usb_device);
    g_variant_dict_insert(&d, "vendor-id", "q", (guint16)vendor_id);
    g_variant_dict_insert(&d, "product-id", "q", (guint16)product_id);
    g_variant_dict_insert(&d, "vendor", "s",
                          lookup_id(ids, vendor_key, own_vendor ? own_vendor : vendor_key));
    g_variant_dict_insert(&d, "product", "s",
                          lookup_id(ids, product_key, own_product ? own_product : hex_product));
    g_variant_dict_insert(&d, "used-by", "s", users);
    return g_variant_dict_end(&d);
}

static GVariant *
pci_device(GHashTable *ids, const char *name, const GPtrArray *guests)
{
    guint vendor_id = read_hex(PCI_DEVICES, name, "vendor");
    guint product_id = read_hex(PCI_DEVICES, name, "device");
    guint class_code = read_hex(PCI_DEVICES, name, "class");
    g_autofree char *vendor_key = g_strdup_printf("%04x", vendor_id);
    g_autofree char *product_key = g_strdup_printf("%04x:%04x", vendor_id, product_id);
    g_autofree char *hex_product = g_strdup_printf("%04x", product_id);
    g_autofree char *class_key =
        g_strdup_printf("C:%02x%02x", class_code >> 16, (class_code >> 8) & 0xff);
    g_autofree char *base_key = g_strdup_printf("C:%02x", class_code >> 16);
    g_autofree char *hex_class = g_strdup_printf("0x%06x", class_code);
    g_autofree char *driver = link_name(PCI_DEVICES, name, "driver");
    g_autofree char *group = link_name(PCI_DEVICES, name, "iommu_group");
    g_autofree char *node = node_name("pci_", name);
    MarinaHostDeviceId id;
    g_autofree char *users =
        marina_host_device_parse_pci(name, &id) ? marina_host_device_users(guests, &id) : NULL;
    guint64 group_nr = 0;
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", node);
    g_variant_dict_insert(&d, "address", "s", name);
    g_variant_dict_insert(&d, "vendor-id", "q", (guint16)vendor_id);
    g_variant_dict_insert(&d, "product-id", "q", (guint16)product_id);
    g_variant_dict_insert(&d, "vendor", "s", lookup_id(ids, vendor_key, vendor_key));
    g_variant_dict_insert(&d, "product", "s", lookup_id(ids, product_key, hex_product));
    g_variant_dict_insert(&d, "class", "s",
                          lookup_id(ids, class_key, lookup_id(ids, base_key, hex_class)));
    g_variant_dict_insert(&d, "driver", "s", driver != NULL ? driver : "");
    g_variant_dict_insert(
        &d, "iommu-group", "i",
        group != NULL && g_ascii_string_to_unsigned(group, 10, 0, G_MAXINT32, &group_nr, NULL)
            ? (gint32)group_nr
            : -1);
    g_variant_dict_insert(&d, "used-by", "s", users != NULL ? users : "");
    return g_variant_dict_end(&d);
}

static void
add_configs(MarinaVm *vm, gpointer user_data)
{
    GPtrArray *configs = user_data;
    const MarinaDomainConfig *live = marina_vm_get_live(vm);

    g_ptr_array_add(configs, (gpointer)marina_vm_get_definition(vm));
    if (live != NULL)
        g_ptr_array_add(configs, (gpointer)live);
}

GVariant *
marina_host_devices_list(const char *type, MarinaVmRegistry *guests, GError **error)
{
    gboolean usb = g_str_equal(type, "usb");
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GPtrArray) configs = g_ptr_array_new();
    GHashTable *ids;
    GVariantBuilder b;

    if (!usb && !g_str_equal(type, "pci")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Unknown kind of host device '%.32s'. Choose usb or pci."), type);
        return NULL;
    }
    /* The guests' definitions and running configs, held by the guests
     * while this (synchronous) listing runs. */
    if (guests != NULL)
        marina_vm_registry_foreach(guests, add_configs, configs);
    ids = ids_for(type);
    names = list_dir(usb ? USB_DEVICES : PCI_DEVICES);
    g_ptr_array_sort(names, compare_strings);
    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    for (guint i = 0; i < names->len; i++) {
        const char *name = names->pdata[i];
        /* USB interfaces ("1-4:1.0") are parts of a device, not devices. */
        if (usb && strchr(name, ':') != NULL)
            continue;
        g_variant_builder_add_value(&b, usb ? usb_device(ids, name, configs)
                                            : pci_device(ids, name, configs));
    }
    return g_variant_builder_end(&b);
}
