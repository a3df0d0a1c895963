/* marinactl: a guest's devices (virsh attach-device, attach-disk, change-media, domblklist ...). */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "commands.h"
#include "device-args.h"
#include "sync-wait.h"

/* --live / --config / --current, and --persistent where virsh has it. */
typedef struct {
    gboolean live;
    gboolean config;
    gboolean current;
    gboolean persistent;
    gboolean force; /* change-media */
} Affect;

#define AFFECT_ENTRIES(a)                                                                          \
    {"live", 0, 0, G_OPTION_ARG_NONE, &(a).live, N_("Change the running guest"), NULL},            \
        {"config",    0,                                                                           \
         0,           G_OPTION_ARG_NONE,                                                           \
         &(a).config, N_("Change the persistent definition (from the next boot)"),                 \
         NULL},                                                                                    \
    {                                                                                              \
        "current", 0, 0, G_OPTION_ARG_NONE, &(a).current,                                          \
            N_("The running guest if it runs, else the definition"), NULL                          \
    }

#define PERSISTENT_ENTRY(a)                                                                        \
    {                                                                                              \
        "persistent", 0, 0, G_OPTION_ARG_NONE, &(a).persistent,                                    \
            N_("Change the definition, and the running guest if it runs"), NULL                    \
    }

static gboolean
domain_running(MarinaDomain *domain)
{
    MarinaDomainState state = marina_domain_get_state(domain, NULL);

    return state != MARINA_DOMAIN_SHUTOFF && state != MARINA_DOMAIN_NOSTATE &&
           state != MARINA_DOMAIN_CRASHED;
}

/* The flags of @a for @domain, or a usage error in *status. */
static gboolean
affect_flags(CliContext *ctx, MarinaDomain *domain, const Affect *a, guint *flags, int *status)
{
    g_autoptr(GError) error = NULL;

    if (cli_affect_flags(a->live, a->config, a->current, a->persistent, domain_running(domain),
                         flags, &error))
        return TRUE;
    *status = cli_usage_error(ctx, "%s", error->message);
    return FALSE;
}

typedef enum {
    DEVICE_ATTACH,
    DEVICE_DETACH,
    DEVICE_UPDATE,
} DeviceCommand;

/* One device call; prints the warnings and, on success, @done_message. */
static int
device_call(MarinaDomain *domain, DeviceCommand which, const char *xml, guint flags,
            const char *done_message)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    gboolean ok;

    switch (which) {
    case DEVICE_ATTACH:
        marina_domain_attach_device_async(domain, xml, flags, NULL, marina_sync_wait_ready,
                                          cli_slot(&r));
        ok = marina_domain_attach_device_finish(domain, cli_wait(&r), &warnings, &error);
        break;
    case DEVICE_DETACH:
        marina_domain_detach_device_async(domain, xml, flags, NULL, marina_sync_wait_ready,
                                          cli_slot(&r));
        ok = marina_domain_detach_device_finish(domain, cli_wait(&r), &error);
        break;
    default:
        marina_domain_update_device_async(domain, xml, flags, NULL, marina_sync_wait_ready,
                                          cli_slot(&r));
        ok = marina_domain_update_device_finish(domain, cli_wait(&r), &warnings, &error);
        break;
    }
    if (!ok)
        return cli_report_error(error);
    cli_print_warnings((const char *const *)warnings);
    cli_print("%s", done_message);
    return CLI_OK;
}

/* The configuration the command looks at: the definition for --config
 * alone, else what runs (or the definition of a shut-off guest). */
static MarinaDomainConfig *
domain_config(MarinaDomain *domain, gboolean inactive, int *status)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    MarinaDomainConfig *config;

    marina_domain_get_xml_async(domain, inactive ? MARINA_DOMAIN_XML_INACTIVE : 0, NULL,
                                marina_sync_wait_ready, cli_slot(&r));
    xml = marina_domain_get_xml_finish(domain, cli_wait(&r), &error);
    if (xml == NULL || (config = marina_domain_config_parse(xml, -1, NULL, &error)) == NULL) {
        *status = cli_report_error(error);
        return NULL;
    }
    return config;
}

static gboolean
config_only(guint flags)
{
    return flags == MARINA_DOMAIN_AFFECT_CONFIG;
}

/* ---------------------------------------------------------------------------------------------
 * attach-device, detach-device, update-device
 */

static int
cmd_device_file(CliContext *ctx, int argc, char **argv)
{
    Affect a = {0};
    const GOptionEntry entries[] = {
        AFFECT_ENTRIES(a),
        PERSISTENT_ENTRY(a),
        {"force", 0, 0, G_OPTION_ARG_NONE, &a.force,
         N_("update-device: change a CD-ROM's medium even if the guest locked it"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    DeviceCommand which = g_str_equal(argv[0], "attach-device")   ? DEVICE_ATTACH
                          : g_str_equal(argv[0], "detach-device") ? DEVICE_DETACH
                                                                  : DEVICE_UPDATE;
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    guint flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 2, 2, &args, &status);
    if (domain == NULL)
        return status;
    if (!affect_flags(ctx, domain, &a, &flags, &status))
        return status;
    if (a.force && which == DEVICE_UPDATE)
        flags |= MARINA_DOMAIN_UPDATE_FORCE;
    if ((xml = cli_read_text_file(args[1], &error)) == NULL)
        return cli_report_error(error);
    return device_call(domain, which, xml, flags,
                       which == DEVICE_ATTACH   ? _("Device attached successfully")
                       : which == DEVICE_DETACH ? _("Device detached successfully")
                                                : _("Device updated successfully"));
}

/* ---------------------------------------------------------------------------------------------
 * attach-disk, attach-interface
 */

static int
attach_built(MarinaDomain *domain, MarinaDevice *device, guint flags, const char *done)
{
    g_autofree char *xml = marina_device_to_xml(device);

    return device_call(domain, DEVICE_ATTACH, xml, flags, done);
}

static int
cmd_attach_disk(CliContext *ctx, int argc, char **argv)
{
    Affect a = {0};
    CliDiskArgs d = {0};
    g_autofree char *targetbus = NULL, *driver = NULL, *subdriver = NULL, *type = NULL;
    g_autofree char *mode = NULL, *cache = NULL, *sourcetype = NULL, *source = NULL;
    const GOptionEntry entries[] = {
        AFFECT_ENTRIES(a),
        PERSISTENT_ENTRY(a),
        {"targetbus", 0, 0, G_OPTION_ARG_STRING, &targetbus,
         N_("Bus: virtio, scsi, ide, sata, usb or fdc"), "BUS"},
        {"driver", 0, 0, G_OPTION_ARG_STRING, &driver, N_("Driver (qemu)"), "DRIVER"},
        {"subdriver", 0, 0, G_OPTION_ARG_STRING, &subdriver, N_("Image format: raw or qcow2"),
         "FORMAT"},
        {"type", 0, 0, G_OPTION_ARG_STRING, &type, N_("disk, cdrom or floppy"), "TYPE"},
        {"mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_("readonly or shareable"), "MODE"},
        {"cache", 0, 0, G_OPTION_ARG_STRING, &cache, N_("Cache mode"), "MODE"},
        {"sourcetype", 0, 0, G_OPTION_ARG_STRING, &sourcetype, N_("file or block"), "TYPE"},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDevice) device = NULL;
    g_autoptr(GError) error = NULL;
    guint flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 3, 3, &args, &status);
    if (domain == NULL)
        return status;
    if (!affect_flags(ctx, domain, &a, &flags, &status))
        return status;
    source = *args[1] != '\0' ? cli_absolute_path(args[1]) : g_strdup("");
    d = (CliDiskArgs){.source = source,
                      .target = args[2],
                      .targetbus = targetbus,
                      .driver = driver,
                      .subdriver = subdriver,
                      .type = type,
                      .mode = mode,
                      .cache = cache,
                      .sourcetype = sourcetype};
    if ((device = cli_build_disk(&d, &error)) == NULL)
        return cli_usage_error(ctx, "%s", marina_error_message(error));
    return attach_built(domain, device, flags, _("Disk attached successfully"));
}

static int
cmd_attach_interface(CliContext *ctx, int argc, char **argv)
{
    Affect a = {0};
    g_autofree char *mac = NULL, *model = NULL, *target = NULL;
    const GOptionEntry entries[] = {
        AFFECT_ENTRIES(a),
        PERSISTENT_ENTRY(a),
        {"mac", 0, 0, G_OPTION_ARG_STRING, &mac, N_("MAC address"), "MAC"},
        {"model", 0, 0, G_OPTION_ARG_STRING, &model, N_("Model: virtio, e1000, rtl8139 ..."),
         "MODEL"},
        {"target", 0, 0, G_OPTION_ARG_STRING, &target, N_("Host-side device name"), "NAME"},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDevice) device = NULL;
    g_autoptr(GError) error = NULL;
    guint flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 2, 3, &args, &status);
    if (domain == NULL)
        return status;
    if (!affect_flags(ctx, domain, &a, &flags, &status))
        return status;
    device = cli_build_interface(args[1], args[2], mac, model, target, &error);
    if (device == NULL)
        return cli_usage_error(ctx, "%s", marina_error_message(error));
    return attach_built(domain, device, flags, _("Interface attached successfully"));
}

/* ---------------------------------------------------------------------------------------------
 * detach-disk, detach-interface
 */

static int
cmd_detach_disk(CliContext *ctx, int argc, char **argv)
{
    Affect a = {0};
    const GOptionEntry entries[] = {
        AFFECT_ENTRIES(a),
        PERSISTENT_ENTRY(a),
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autofree char *xml = NULL;
    MarinaDiskConfig *disk;
    guint flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 2, 2, &args, &status);
    if (domain == NULL)
        return status;
    if (!affect_flags(ctx, domain, &a, &flags, &status))
        return status;
    if ((config = domain_config(domain, config_only(flags), &status)) == NULL)
        return status;
    if ((disk = cli_find_disk(config, args[1])) == NULL) {
        fprintf(stderr, _("error: No disk found whose source path or target is %s\n"), args[1]);
        return CLI_FAILED;
    }
    xml = marina_device_to_xml(&(MarinaDevice){MARINA_DEVICE_DISK, disk});
    return device_call(domain, DEVICE_DETACH, xml, flags, _("Disk detached successfully"));
}

static int
cmd_detach_interface(CliContext *ctx, int argc, char **argv)
{
    static const char *const types[] = {"user", "network", "bridge"};
    Affect a = {0};
    g_autofree char *mac = NULL;
    const GOptionEntry entries[] = {
        AFFECT_ENTRIES(a),
        PERSISTENT_ENTRY(a),
        {"mac", 0, 0, G_OPTION_ARG_STRING, &mac, N_("MAC address of the interface"), "MAC"},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *want_mac = NULL;
    MarinaInterfaceConfig *found = NULL;
    guint flags, matches = 0;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 2, 2, &args, &status);
    if (domain == NULL)
        return status;
    if (!affect_flags(ctx, domain, &a, &flags, &status))
        return status;
    if (mac != NULL && (want_mac = marina_mac_canonicalize(mac)) == NULL)
        return cli_usage_error(ctx, _("MAC address '%s' is not valid."), mac);
    if ((config = domain_config(domain, config_only(flags), &status)) == NULL)
        return status;
    for (guint i = 0; i < config->interfaces->len; i++) {
        MarinaInterfaceConfig *iface = config->interfaces->pdata[i];
        if (!g_str_equal(types[MIN((guint)iface->type, 2u)], args[1]) ||
            (want_mac != NULL && g_ascii_strcasecmp(iface->mac, want_mac) != 0))
            continue;
        found = iface;
        matches++;
    }
    if (matches == 0) {
        fprintf(stderr, _("error: No interface of type %s%s%s found\n"), args[1],
                want_mac != NULL ? _(" with MAC ") : "", want_mac != NULL ? want_mac : "");
        return CLI_FAILED;
    }
    if (matches > 1) {
        fprintf(stderr,
                _("error: Guest has several interfaces of type %s; say which with "
                  "--mac\n"),
                args[1]);
        return CLI_FAILED;
    }
    xml = marina_device_to_xml(&(MarinaDevice){MARINA_DEVICE_INTERFACE, found});
    return device_call(domain, DEVICE_DETACH, xml, flags, _("Interface detached successfully"));
}

/* ---------------------------------------------------------------------------------------------
 * change-media
 */

static int
cmd_change_media(CliContext *ctx, int argc, char **argv)
{
    Affect a = {0};
    gboolean eject = FALSE, insert = FALSE, update = FALSE;
    const GOptionEntry entries[] = {
        AFFECT_ENTRIES(a),
        {"eject", 0, 0, G_OPTION_ARG_NONE, &eject, N_("Eject the medium"), NULL},
        {"insert", 0, 0, G_OPTION_ARG_NONE, &insert, N_("Insert SOURCE into an empty drive"), NULL},
        {"update", 0, 0, G_OPTION_ARG_NONE, &update, N_("Put SOURCE in (or eject, without SOURCE)"),
         NULL},
        {"force", 0, 0, G_OPTION_ARG_NONE, &a.force, N_("Even if the guest has locked the tray"),
         NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autoptr(MarinaDevice) device = NULL;
    g_autofree char *source = NULL;
    g_autofree char *xml = NULL;
    MarinaDiskConfig *disk;
    guint flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 2, 3, &args, &status);
    if (domain == NULL)
        return status;
    if (eject + insert + update > 1)
        return cli_usage_error(ctx, _("Give only one of --eject, --insert and --update."));
    if (eject && args[2] != NULL)
        return cli_usage_error(ctx, _("--eject takes no SOURCE."));
    if (insert && args[2] == NULL)
        return cli_usage_error(ctx, _("--insert needs a SOURCE."));
    if (!affect_flags(ctx, domain, &a, &flags, &status))
        return status;
    if (a.force)
        flags |= MARINA_DOMAIN_UPDATE_FORCE;
    if ((config = domain_config(domain, config_only(flags & 3), &status)) == NULL)
        return status;
    disk = cli_find_disk(config, args[1]);
    if (disk == NULL || disk->device == MARINA_DISK_DEVICE_DISK) {
        fprintf(stderr,
                _("error: No CD-ROM or floppy drive found whose source path or target "
                  "is %s\n"),
                args[1]);
        return CLI_FAILED;
    }
    if (insert && disk->source != NULL) {
        fprintf(stderr,
                _("error: Drive %s is not empty (it holds %s); use --update to change "
                  "the medium\n"),
                disk->target_dev, disk->source);
        return CLI_FAILED;
    }
    if (args[2] != NULL)
        source = cli_absolute_path(args[2]);
    device = cli_media_device(disk, source);
    xml = marina_device_to_xml(device);
    return device_call(domain, DEVICE_UPDATE, xml, flags,
                       source == NULL ? _("Successfully ejected media.")
                       : insert       ? _("Successfully inserted media.")
                                      : _("Successfully updated media."));
}

/* ---------------------------------------------------------------------------------------------
 * domblklist, domiflist, blockresize
 */

static int
cmd_domblklist(CliContext *ctx, int argc, char **argv)
{
    gboolean inactive = FALSE, details = FALSE;
    const GOptionEntry entries[] = {
        {"inactive", 0, 0, G_OPTION_ARG_NONE, &inactive,
         N_("The persistent definition, even while running"), NULL},
        {"details", 0, 0, G_OPTION_ARG_NONE, &details, N_("Also the type and device"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autofree char *table = NULL;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    if ((config = domain_config(domain, inactive, &status)) == NULL)
        return status;
    table = cli_format_domblklist(config, details);
    fputs(table, stdout);
    fflush(stdout);
    return CLI_OK;
}

static int
cmd_domiflist(CliContext *ctx, int argc, char **argv)
{
    gboolean inactive = FALSE;
    const GOptionEntry entries[] = {
        {"inactive", 0, 0, G_OPTION_ARG_NONE, &inactive,
         N_("The persistent definition, even while running"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autofree char *table = NULL;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    if ((config = domain_config(domain, inactive, &status)) == NULL)
        return status;
    table = cli_format_domiflist(config);
    fputs(table, stdout);
    fflush(stdout);
    return CLI_OK;
}

static int
cmd_blockresize(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    MarinaDiskConfig *disk;
    guint64 bytes;
    int status;

    domain = cli_parse_domain(ctx, NULL, argc, argv, 3, 3, &args, &status);
    if (domain == NULL)
        return status;
    if (!cli_parse_resize(args[2], &bytes, &error))
        return cli_usage_error(ctx, "%s", marina_error_message(error));
    if ((config = domain_config(domain, FALSE, &status)) == NULL)
        return status;
    if ((disk = cli_find_disk(config, args[1])) == NULL) {
        fprintf(stderr, _("error: No disk found whose source path or target is %s\n"), args[1]);
        return CLI_FAILED;
    }
    marina_domain_resize_disk_async(domain, disk->target_dev, bytes, NULL, marina_sync_wait_ready,
                                    cli_slot(&r));
    if (!marina_domain_resize_disk_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_("Block device '%s' is resized"), args[1]);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The table
 */

#define AFFECT_USAGE "[--live] [--config] [--current]"

const CliCommand cli_device_commands[] = {
    {"attach-device", cmd_device_file, "NAME FILE " AFFECT_USAGE " [--persistent]",
     N_("Add a device from an XML file")},
    {"detach-device", cmd_device_file, "NAME FILE " AFFECT_USAGE " [--persistent]",
     N_("Remove the device an XML file describes")},
    {"update-device", cmd_device_file, "NAME FILE " AFFECT_USAGE " [--force]",
     N_("Change a device in place from an XML file (media, link state)")},
    {"attach-disk", cmd_attach_disk,
     "NAME SOURCE TARGET [--targetbus BUS] [--driver qemu] [--subdriver raw|qcow2] "
     "[--type disk|cdrom|floppy] [--mode readonly|shareable] [--cache MODE] "
     "[--sourcetype file|block] " AFFECT_USAGE " [--persistent]",
     N_("Add a disk")},
    {"attach-interface", cmd_attach_interface,
     "NAME TYPE [SOURCE] [--mac MAC] [--model MODEL] [--target NAME] " AFFECT_USAGE
     " [--persistent]",
     N_("Add a network interface (TYPE user, network or bridge)")},
    {"detach-disk", cmd_detach_disk, "NAME TARGET " AFFECT_USAGE " [--persistent]",
     N_("Remove a disk")},
    {"detach-interface", cmd_detach_interface,
     "NAME TYPE [--mac MAC] " AFFECT_USAGE " [--persistent]", N_("Remove a network interface")},
    {"change-media", cmd_change_media,
     "NAME PATH [SOURCE] [--eject|--insert|--update] [--force] " AFFECT_USAGE,
     N_("Insert, change or eject a CD-ROM's or floppy's medium")},
    {"domblklist", cmd_domblklist, "NAME [--inactive] [--details]", N_("List a domain's disks")},
    {"domiflist", cmd_domiflist, "NAME [--inactive]", N_("List a domain's network interfaces")},
    {"blockresize", cmd_blockresize, "NAME PATH SIZE",
     N_("Grow a disk (SIZE in KiB, or with a unit: 20G)")},
    {NULL},
};
