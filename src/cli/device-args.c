#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>

#include "device-args.h"
#include "domain.h"
#include "error.h"

static gboolean
pick(const char *value, const char *const *names, const char *what, int *out, GError **error)
{
    g_autofree char *choices = g_strjoinv(", ", (char **)names);

    for (int i = 0; names[i] != NULL; i++) {
        if (g_str_equal(value, names[i])) {
            *out = i;
            return TRUE;
        }
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Unknown %s '%s'; choose one of %s."), what, value, choices);
    return FALSE;
}

/* Written, then read back as the daemon will read it: the reader fills in
 * the defaults and its checks name the field that is wrong. */
static MarinaDevice *
checked(MarinaDevice *device, GError **error)
{
    g_autofree char *xml = marina_device_to_xml(device);

    marina_device_free(device);
    return marina_device_parse(xml, -1, NULL, error);
}

static MarinaDiskBus
bus_from_target(const char *target)
{
    if (g_str_has_prefix(target, "sd"))
        return MARINA_DISK_BUS_SCSI;
    if (g_str_has_prefix(target, "hd"))
        return MARINA_DISK_BUS_IDE;
    if (g_str_has_prefix(target, "fd"))
        return MARINA_DISK_BUS_FDC;
    return MARINA_DISK_BUS_VIRTIO;
}

static gboolean
disk_type_from_args(const CliDiskArgs *args, MarinaDiskConfig *disk, GError **error)
{
    static const char *const devices[] = {"disk", "cdrom", "floppy", NULL};
    static const char *const types[] = {"file", "block", NULL};
    int value;

    if (args->type != NULL) {
        if (!pick(args->type, devices, _("disk type"), &value, error))
            return FALSE;
        disk->device = (MarinaDiskDevice)value;
    }
    if (args->sourcetype != NULL) {
        if (!pick(args->sourcetype, types, _("source type"), &value, error))
            return FALSE;
        disk->type = value == 1 ? MARINA_DISK_TYPE_BLOCK : MARINA_DISK_TYPE_FILE;
    } else if (disk->source != NULL) {
        /* As virsh: a block device is a block disk. */
        struct stat st;
        if (stat(disk->source, &st) == 0 && S_ISBLK(st.st_mode))
            disk->type = MARINA_DISK_TYPE_BLOCK;
    }
    return TRUE;
}

static gboolean
disk_bus_from_args(const CliDiskArgs *args, MarinaDiskConfig *disk, GError **error)
{
    static const char *const buses[] = {"virtio", "sata", "ide", "scsi", "usb", "fdc", NULL};
    int value;

    if (args->targetbus == NULL) {
        disk->bus = bus_from_target(disk->target_dev);
        return TRUE;
    }
    if (!pick(args->targetbus, buses, _("target bus"), &value, error))
        return FALSE;
    disk->bus = (MarinaDiskBus)value;
    return TRUE;
}

static gboolean
disk_driver_from_args(const CliDiskArgs *args, MarinaDiskConfig *disk, GError **error)
{
    static const char *const modes[] = {"readonly", "shareable", NULL};
    int value;

    if (args->driver != NULL && !g_str_equal(args->driver, "qemu")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Unknown driver '%s'; Marina's disks use driver 'qemu'."), args->driver);
        return FALSE;
    }
    disk->format = g_strdup(args->subdriver);
    disk->cache = g_strdup(args->cache);
    if (args->mode != NULL) {
        if (!pick(args->mode, modes, _("mode"), &value, error))
            return FALSE;
        disk->readonly = value == 0;
        disk->shareable = value == 1;
    }
    return TRUE;
}

MarinaDevice *
cli_build_disk(const CliDiskArgs *args, GError **error)
{
    g_autoptr(MarinaDevice) device = g_new0(MarinaDevice, 1);
    MarinaDiskConfig *disk = g_new0(MarinaDiskConfig, 1);

    device->kind = MARINA_DEVICE_DISK;
    device->config = disk;
    if (args->target == NULL || *args->target == '\0') {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("A disk needs a target, like vdb or sdb."));
        return NULL;
    }
    disk->target_dev = g_strdup(args->target);
    /* An empty CD-ROM or floppy drive: source "". */
    disk->source = args->source != NULL && *args->source != '\0' ? g_strdup(args->source) : NULL;
    if (!disk_type_from_args(args, disk, error) || !disk_bus_from_args(args, disk, error) ||
        !disk_driver_from_args(args, disk, error))
        return NULL;
    if (disk->source == NULL && disk->device == MARINA_DISK_DEVICE_DISK) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Disk '%s' needs a source: the image file or block device."),
                    disk->target_dev);
        return NULL;
    }
    return checked(g_steal_pointer(&device), error);
}

MarinaDevice *
cli_build_interface(const char *type, const char *source, const char *mac, const char *model,
                    const char *target, GError **error)
{
    static const char *const types[] = {"user", "network", "bridge", NULL};
    g_autoptr(MarinaDevice) device = g_new0(MarinaDevice, 1);
    MarinaInterfaceConfig *iface = g_new0(MarinaInterfaceConfig, 1);
    int value;

    device->kind = MARINA_DEVICE_INTERFACE;
    device->config = iface;
    if (!pick(type, types, _("interface type"), &value, error))
        return NULL;
    iface->type = (MarinaNetType)value;
    if (iface->type != MARINA_NET_TYPE_USER) {
        if (source == NULL || *source == '\0') {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        iface->type == MARINA_NET_TYPE_NETWORK
                            ? _("An interface of type network needs the network's name.")
                            : _("An interface of type bridge needs the bridge's name."));
            return NULL;
        }
        iface->source = g_strdup(source);
    }
    if (mac != NULL) {
        iface->mac = marina_mac_canonicalize(mac);
        if (iface->mac == NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("MAC address '%s' is not valid; use the form 52:54:00:12:34:56."), mac);
            return NULL;
        }
    } else {
        iface->mac = marina_mac_generate();
        iface->mac_generated = TRUE;
    }
    iface->model = g_strdup(model);
    iface->target_dev = g_strdup(target);
    return checked(g_steal_pointer(&device), error);
}

gboolean
cli_affect_flags(gboolean live, gboolean config, gboolean current, gboolean persistent,
                 gboolean running, guint *flags, GError **error)
{
    if (current && (live || config || persistent)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("--current cannot be given with --live, --config or --persistent."));
        return FALSE;
    }
    *flags = MARINA_DOMAIN_AFFECT_CURRENT;
    if (live)
        *flags |= MARINA_DOMAIN_AFFECT_LIVE;
    if (config || persistent)
        *flags |= MARINA_DOMAIN_AFFECT_CONFIG;
    if (persistent && running)
        *flags |= MARINA_DOMAIN_AFFECT_LIVE;
    return TRUE;
}

MarinaDevice *
cli_media_device(const MarinaDiskConfig *current, const char *source)
{
    MarinaDevice view = {MARINA_DEVICE_DISK, (gpointer)current};
    MarinaDevice *device = marina_device_copy(&view);
    MarinaDiskConfig *disk = device->config;

    g_free(disk->source);
    disk->source = source != NULL ? g_strdup(source) : NULL;
    /* A new medium is read as raw (an ISO image), as virsh does. */
    g_clear_pointer(&disk->format, g_free);
    if (source != NULL)
        disk->format = g_strdup("raw");
    return device;
}

MarinaDiskConfig *
cli_find_disk(const MarinaDomainConfig *config, const char *path)
{
    for (guint i = 0; i < config->disks->len; i++) {
        MarinaDiskConfig *disk = config->disks->pdata[i];
        if (g_strcmp0(disk->target_dev, path) == 0 || g_strcmp0(disk->source, path) == 0)
            return disk;
    }
    return NULL;
}

gboolean
cli_parse_resize(const char *text, guint64 *bytes, GError **error)
{
    static const struct {
        const char *suffix;
        guint64 factor;
    } units[] = {
        {"b", 1},
        {"kb", 1000},
        {"mb", 1000 * 1000},
        {"gb", 1000 * 1000 * 1000},
        {"tb", G_GUINT64_CONSTANT(1000) * 1000 * 1000 * 1000},
        {"", 1024},
        {"k", 1024},
        {"kib", 1024},
        {"m", 1024 * 1024},
        {"mib", 1024 * 1024},
        {"g", 1024 * 1024 * 1024},
        {"gib", 1024 * 1024 * 1024},
        {"t", G_GUINT64_CONSTANT(1) << 40},
        {"tib", G_GUINT64_CONSTANT(1) << 40},
    };
    const char *end = text;
    guint64 value;

    while (g_ascii_isdigit(*end))
        end++;
    if (end == text || end - text > 19) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Size '%s' is not valid; give a whole number with an optional unit, like "
                      "20G or 1048576 (KiB)."),
                    text);
        return FALSE;
    }
    value = g_ascii_strtoull(text, NULL, 10);
    for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
        if (g_ascii_strcasecmp(end, units[i].suffix) != 0)
            continue;
        if (value > G_MAXUINT64 / units[i].factor) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("Size '%s' is too large."), text);
            return FALSE;
        }
        *bytes = value * units[i].factor;
        return TRUE;
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Unknown unit in size '%s'; use B, K, M, G, T (KiB...) or KB, MB, GB, TB."),
                text);
    return FALSE;
}

/* ---- tables, laid out as virsh's ---------------------------------------- */

static char *
format_table(const char *const *headers, guint ncols, GPtrArray *cells)
{
    g_autofree gsize *width = g_new0(gsize, ncols);
    GString *out = g_string_new(NULL);
    gsize total = 0;

    for (guint c = 0; c < ncols; c++)
        width[c] = (gsize)g_utf8_strlen(headers[c], -1);
    for (guint i = 0; i < cells->len; i++)
        width[i % ncols] = MAX(width[i % ncols], (gsize)g_utf8_strlen(cells->pdata[i], -1));
    for (guint c = 0; c < ncols; c++)
        total += width[c] + 3;
    for (guint row = 0; row <= cells->len / ncols; row++) {
        for (guint c = 0; c < ncols; c++) {
            const char *text = row == 0 ? headers[c] : cells->pdata[(row - 1) * ncols + c];
            g_string_append_c(out, ' ');
            g_string_append(out, text);
            if (c + 1 < ncols)
                for (gsize pad = (gsize)g_utf8_strlen(text, -1); pad < width[c] + 2; pad++)
                    g_string_append_c(out, ' ');
        }
        g_string_append_c(out, '\n');
        if (row == 0) {
            for (gsize i = 0; i < total; i++)
                g_string_append_c(out, '-');
            g_string_append_c(out, '\n');
        }
    }
    return g_string_free(out, FALSE);
}

static const char *
or_dash(const char *value)
{
    return value != NULL && *value != '\0' ? value : "-";
}

char *
cli_format_domblklist(const MarinaDomainConfig *config, gboolean details)
{
    static const char *const devices[] = {"disk", "cdrom", "floppy"};
    const char *headers[] = {_("Type"), _("Device"), _("Target"), _("Source")};
    g_autoptr(GPtrArray) cells = g_ptr_array_new();

    for (guint i = 0; i < config->disks->len; i++) {
        const MarinaDiskConfig *disk = config->disks->pdata[i];
        if (details) {
            g_ptr_array_add(cells, disk->type == MARINA_DISK_TYPE_BLOCK ? "block" : "file");
            g_ptr_array_add(cells, (gpointer)devices[MIN((guint)disk->device, 2u)]);
        }
        g_ptr_array_add(cells, (gpointer)or_dash(disk->target_dev));
        g_ptr_array_add(cells, (gpointer)or_dash(disk->source));
    }
    return details ? format_table(headers, 4, cells) : format_table(headers + 2, 2, cells);
}

char *
cli_format_domiflist(const MarinaDomainConfig *config)
{
    static const char *const types[] = {"user", "network", "bridge"};
    const char *headers[] = {_("Interface"), _("Type"), _("Source"), _("Model"), _("MAC")};
    g_autoptr(GPtrArray) cells = g_ptr_array_new();

    for (guint i = 0; i < config->interfaces->len; i++) {
        const MarinaInterfaceConfig *iface = config->interfaces->pdata[i];
        g_ptr_array_add(cells, (gpointer)or_dash(iface->target_dev));
        g_ptr_array_add(cells, (gpointer)types[MIN((guint)iface->type, 2u)]);
        g_ptr_array_add(cells, (gpointer)or_dash(iface->source));
        g_ptr_array_add(cells, (gpointer)(iface->model != NULL ? iface->model : "virtio"));
        g_ptr_array_add(cells, (gpointer)or_dash(iface->mac));
    }
    return format_table(headers, 5, cells);
}
