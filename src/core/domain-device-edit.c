#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <libxml/tree.h>
#include <string.h>

#include "domain-config-private.h"
#include "domain-device-edit.h"
#include "error.h"
#include "xml-util.h"

/*
 * One device of a guest on its own: read with the device tables of the whole
 * domain (domain-devices.c), written the same way, and added to, removed
 * from or replaced in a config. Every change is first made on a copy of
 * the config and validated whole; only when the copy is valid is the same
 * change made in the config itself, so a refused change leaves the config
 * exactly as it was, and pointers to its other devices stay valid.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

/* A device element is small; a megabyte-sized one is hostile. */
#define MAX_DEVICE_XML (64 * 1024)

/* The description behind each kind; NULL for the memory balloon, which is
 * the config's memballoon_model string. Single devices (watchdog, TPM) have
 * a description without a list. */
static const MarinaDeviceType *
kind_type(MarinaDeviceKind kind)
{
    switch (kind) {
    case MARINA_DEVICE_DISK:
        return &marina_dc_disk_type;
    case MARINA_DEVICE_CONTROLLER:
        return &marina_dc_controller_type;
    case MARINA_DEVICE_INTERFACE:
        return &marina_dc_interface_type;
    case MARINA_DEVICE_SERIAL:
        return &marina_dc_serial_type;
    case MARINA_DEVICE_CONSOLE:
        return &marina_dc_console_type;
    case MARINA_DEVICE_GRAPHICS:
        return &marina_dc_graphics_type;
    case MARINA_DEVICE_VIDEO:
        return &marina_dc_video_type;
    case MARINA_DEVICE_INPUT:
        return &marina_dc_input_type;
    case MARINA_DEVICE_SOUND:
        return &marina_dc_sound_type;
    case MARINA_DEVICE_HOSTDEV:
        return &marina_dc_hostdev_type;
    case MARINA_DEVICE_WATCHDOG:
        return &marina_dc_watchdog_type;
    case MARINA_DEVICE_RNG:
        return &marina_dc_rng_type;
    case MARINA_DEVICE_TPM:
        return &marina_dc_tpm_type;
    case MARINA_DEVICE_MEMBALLOON:
        return NULL;
    }
    return NULL;
}

static gboolean
kind_is_valid(MarinaDeviceKind kind)
{
    return (guint)kind <= MARINA_DEVICE_MEMBALLOON;
}

/* The config's pointer for a single device (watchdog, TPM). */
static gpointer *
single_slot(MarinaDomainConfig *config, MarinaDeviceKind kind)
{
    switch (kind) {
    case MARINA_DEVICE_WATCHDOG:
        return (gpointer *)&config->watchdog;
    case MARINA_DEVICE_TPM:
        return (gpointer *)&config->tpm;
    default:
        return NULL;
    }
}

static const char *
guest_name(const MarinaDomainConfig *config)
{
    return config->name != NULL ? config->name : "";
}

/* ---- lifetime ----------------------------------------------------------- */

void
marina_device_free(MarinaDevice *device)
{
    if (device == NULL)
        return;
    if (device->kind == MARINA_DEVICE_MEMBALLOON)
        g_free(device->config);
    else if (kind_is_valid(device->kind))
        marina_dc_device_free(kind_type(device->kind), device->config);
    g_free(device);
}

static MarinaDevice *
device_new(MarinaDeviceKind kind, gpointer config)
{
    MarinaDevice *device = g_new0(MarinaDevice, 1);

    device->kind = kind;
    device->config = config;
    return device;
}

MarinaDevice *
marina_device_copy(const MarinaDevice *device)
{
    g_return_val_if_fail(device != NULL && kind_is_valid(device->kind), NULL);
    if (device->kind == MARINA_DEVICE_MEMBALLOON)
        return device_new(device->kind, g_strdup(device->config));
    return device_new(device->kind,
                      device->config != NULL
                          ? marina_dc_device_copy(kind_type(device->kind), device->config)
                          : NULL);
}

/* ---- parsing ------------------------------------------------------------ */

/* The one device the parser put into @cfg, taken out of it. */
static MarinaDevice *
take_parsed_device(MarinaDomainConfig *cfg)
{
    for (guint k = 0; k <= MARINA_DEVICE_MEMBALLOON; k++) {
        const MarinaDeviceType *type = kind_type(k);
        gpointer *slot = single_slot(cfg, k);
        GPtrArray *list;

        if (k == MARINA_DEVICE_MEMBALLOON) {
            if (cfg->memballoon_model != NULL)
                return device_new(k, g_steal_pointer(&cfg->memballoon_model));
            continue;
        }
        if (slot != NULL) {
            if (*slot != NULL)
                return device_new(k, g_steal_pointer(slot));
            continue;
        }
        list = marina_dc_device_list(cfg, type);
        if (list->len > 0)
            return device_new(k, g_ptr_array_steal_index(list, 0));
    }
    return NULL;
}

static gboolean
validate_device(const MarinaDomainConfig *config, const MarinaDevice *device, guint index,
                GError **error)
{
    if (device->kind == MARINA_DEVICE_MEMBALLOON)
        return marina_dc_check_enum("<memballoon model>", device->config,
                                    marina_dc_memballoon_models, error);
    return marina_dc_device_validate(config, kind_type(device->kind), device->config, index, error);
}

MarinaDevice *
marina_device_parse(const char *xml, gssize len, GPtrArray *warnings, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) local_warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaDomainConfig) cfg = marina_domain_config_new();
    g_autoptr(MarinaDevice) device = NULL;
    MarinaDcParser p = {.warnings = local_warnings, .cfg = cfg};
    xmlNode *root;

    g_return_val_if_fail(xml != NULL, NULL);
    doc = marina_xml_read_hardened(xml, len, MAX_DEVICE_XML, _("The device XML"), error);
    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (root == NULL) {
        marina_dc_fail(error, _("The device XML has no element; give one device, e.g. "
                                "<disk>…</disk>."));
        return NULL;
    }
    if (!marina_dc_parse_device_element(&p, root, error))
        return NULL;
    device = take_parsed_device(cfg);
    if (device == NULL) {
        g_autofree char *label = marina_dc_node_label(root);

        marina_dc_fail(error,
                       _("%s is not a device Marina supports; give one of <disk>, "
                         "<interface>, <controller>, <serial>, <console>, <graphics>, <video>, "
                         "<input>, <sound>, <hostdev>, <watchdog>, <rng>, <tpm> or "
                         "<memballoon>."),
                       label);
        return NULL;
    }
    if (!validate_device(cfg, device, 0, error))
        return NULL;
    for (guint i = 0; warnings != NULL && i < local_warnings->len; i++)
        g_ptr_array_add(warnings, g_strdup(local_warnings->pdata[i]));
    return g_steal_pointer(&device);
}

/* ---- writing ------------------------------------------------------------ */

char *
marina_device_to_xml(const MarinaDevice *device)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();
    xmlNode *devices = xmlNewDocNode(doc, NULL, BAD_CAST "devices", NULL);
    xmlNode *node;

    g_return_val_if_fail(device != NULL && kind_is_valid(device->kind), NULL);
    g_return_val_if_fail(device->config != NULL, NULL);
    xmlDocSetRootElement(doc, devices);
    if (device->kind == MARINA_DEVICE_MEMBALLOON)
        marina_dc_add_attr_child(devices, "memballoon", "model", device->config);
    else
        marina_dc_device_write(devices, kind_type(device->kind), device->config);
    node = devices->children;
    xmlNodeDump(buf, doc, node, 0, 1);
    return g_strdup_printf("%s\n", (const char *)xmlBufferContent(buf));
}

/* ---- describing --------------------------------------------------------- */

static char *
describe_disk(const MarinaDiskConfig *d)
{
    const char *target = d->target_dev != NULL ? d->target_dev : "";

    switch (d->device) {
    case MARINA_DISK_DEVICE_CDROM:
        return g_strdup_printf(_("CD-ROM '%s'"), target);
    case MARINA_DISK_DEVICE_FLOPPY:
        return g_strdup_printf(_("Floppy '%s'"), target);
    default:
        return g_strdup_printf(_("Disk '%s'"), target);
    }
}

char *
marina_device_describe(const MarinaDevice *device)
{
    gconstpointer c;

    g_return_val_if_fail(device != NULL && kind_is_valid(device->kind), NULL);
    c = device->config;
    if (c == NULL)
        return g_strdup(_("Device"));
    switch (device->kind) {
    case MARINA_DEVICE_DISK:
        return describe_disk(c);
    case MARINA_DEVICE_CONTROLLER:
        return g_strdup_printf(_("Controller %s %u"), ((const MarinaControllerConfig *)c)->type,
                               ((const MarinaControllerConfig *)c)->index);
    case MARINA_DEVICE_INTERFACE:
        return g_strdup_printf(_("Network interface %s"), ((const MarinaInterfaceConfig *)c)->mac);
    case MARINA_DEVICE_SERIAL:
        return g_strdup_printf(_("Serial port %u"), ((const MarinaCharConfig *)c)->port);
    case MARINA_DEVICE_CONSOLE:
        return g_strdup_printf(_("Console %u"), ((const MarinaCharConfig *)c)->port);
    case MARINA_DEVICE_GRAPHICS: {
        g_autofree char *type = g_ascii_strup(((const MarinaGraphicsConfig *)c)->type, -1);

        return g_strdup_printf(_("Graphics (%s)"), type);
    }
    case MARINA_DEVICE_VIDEO:
        return g_strdup_printf(_("Video (%s)"), ((const MarinaVideoConfig *)c)->model);
    case MARINA_DEVICE_INPUT:
        return g_strdup_printf(_("Input (%s, %s)"), ((const MarinaInputConfig *)c)->type,
                               ((const MarinaInputConfig *)c)->bus);
    case MARINA_DEVICE_SOUND:
        return g_strdup_printf(_("Sound (%s)"), ((const MarinaSoundConfig *)c)->model);
    case MARINA_DEVICE_HOSTDEV:
        return marina_dc_hostdev_name(c);
    case MARINA_DEVICE_WATCHDOG:
        return g_strdup_printf(_("Watchdog (%s)"), ((const MarinaWatchdogConfig *)c)->model);
    case MARINA_DEVICE_RNG:
        return g_strdup_printf(_("Random number generator (%s)"),
                               ((const MarinaRngConfig *)c)->backend);
    case MARINA_DEVICE_TPM:
        return g_strdup_printf(
            _("TPM (%s)"),
            marina_dc_enum_name(marina_dc_tpm_models, ((const MarinaTpmConfig *)c)->model));
    case MARINA_DEVICE_MEMBALLOON:
        return g_strdup_printf(_("Memory balloon (%s)"), (const char *)c);
    }
    g_return_val_if_reached(NULL);
}

/* ---- finding ------------------------------------------------------------ */

static gboolean
mac_equal(const char *a, const char *b)
{
    g_autofree char *ca = marina_mac_canonicalize(a);
    g_autofree char *cb = marina_mac_canonicalize(b);

    return ca != NULL && g_strcmp0(ca, cb) == 0;
}

/* Every described field equal: "the first equal one" for devices that have
 * no name of their own. */
static gboolean
fields_equal(const MarinaDeviceType *type, gconstpointer a, gconstpointer b)
{
    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];
        const guint8 *fa = (const guint8 *)a + f->offset;
        const guint8 *fb = (const guint8 *)b + f->offset;

        switch (f->kind) {
        case MARINA_FIELD_FIXED:
            break;
        case MARINA_FIELD_STRING:
        case MARINA_FIELD_TOKEN:
        case MARINA_FIELD_PATH:
        case MARINA_FIELD_NAME:
        case MARINA_FIELD_MAC:
            if (g_strcmp0(*(char *const *)fa, *(char *const *)fb) != 0)
                return FALSE;
            break;
        case MARINA_FIELD_FLAG:
            if (!*(const gboolean *)fa != !*(const gboolean *)fb)
                return FALSE;
            break;
        default: /* guint, int and enums are int-sized */
            if (*(const int *)fa != *(const int *)fb)
                return FALSE;
            break;
        }
    }
    return TRUE;
}

/* Whether @candidate is the device @wanted names, by libvirt's rules. */
static gboolean
device_matches(MarinaDeviceKind kind, gconstpointer candidate, gconstpointer wanted)
{
    switch (kind) {
    case MARINA_DEVICE_DISK:
        return g_strcmp0(((const MarinaDiskConfig *)candidate)->target_dev,
                         ((const MarinaDiskConfig *)wanted)->target_dev) == 0;
    case MARINA_DEVICE_INTERFACE: {
        const MarinaInterfaceConfig *have = candidate, *want = wanted;

        /* Without a MAC of its own: the interface on the same kind of source. */
        if (want->mac_generated)
            return have->type == want->type &&
                   (want->source == NULL || g_strcmp0(have->source, want->source) == 0);
        return mac_equal(have->mac, want->mac);
    }
    case MARINA_DEVICE_CONTROLLER: {
        const MarinaControllerConfig *have = candidate, *want = wanted;

        return g_strcmp0(have->type, want->type) == 0 &&
               (want->index_auto || have->index == want->index);
    }
    case MARINA_DEVICE_SERIAL:
    case MARINA_DEVICE_CONSOLE:
        return ((const MarinaCharConfig *)candidate)->port ==
               ((const MarinaCharConfig *)wanted)->port;
    case MARINA_DEVICE_HOSTDEV:
        return marina_dc_hostdev_same_source(candidate, wanted);
    default:
        return fields_equal(kind_type(kind), candidate, wanted);
    }
}

/* Looked up by MAC address or index only when the XML names one; otherwise
 * a match must be the only one, as libvirt refuses to guess. */
static gboolean
needs_unique_match(const MarinaDevice *device)
{
    if (device->kind == MARINA_DEVICE_INTERFACE)
        return ((const MarinaInterfaceConfig *)device->config)->mac_generated;
    if (device->kind == MARINA_DEVICE_CONTROLLER)
        return ((const MarinaControllerConfig *)device->config)->index_auto;
    return FALSE;
}

static void
set_not_found(const MarinaDomainConfig *config, const MarinaDevice *device, GError **error)
{
    gconstpointer c = device->config;
    const char *name = guest_name(config);

    switch (device->kind) {
    case MARINA_DEVICE_DISK:
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                    _("Guest '%s' has no disk '%s'."), name,
                    ((const MarinaDiskConfig *)c)->target_dev);
        return;
    case MARINA_DEVICE_INTERFACE:
        if (((const MarinaInterfaceConfig *)c)->mac_generated)
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                        _("Guest '%s' has no network interface of that type."), name);
        else
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                        _("Guest '%s' has no network interface with MAC address %s."), name,
                        ((const MarinaInterfaceConfig *)c)->mac);
        return;
    case MARINA_DEVICE_WATCHDOG:
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                    _("Guest '%s' has no watchdog."), name);
        return;
    case MARINA_DEVICE_TPM:
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE, _("Guest '%s' has no TPM."),
                    name);
        return;
    default: {
        g_autofree char *what = marina_device_describe(device);

        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                    _("Guest '%s' has no device matching %s."), name, what);
        return;
    }
    }
}

int
marina_domain_config_find_device(const MarinaDomainConfig *config, const MarinaDevice *device,
                                 GError **error)
{
    gpointer *slot;
    GPtrArray *list;
    int found = -1;

    g_return_val_if_fail(config != NULL && device != NULL, -1);
    g_return_val_if_fail(kind_is_valid(device->kind) && device->config != NULL, -1);
    if (device->kind == MARINA_DEVICE_MEMBALLOON)
        return 0; /* every guest has one, "none" included */
    slot = single_slot((MarinaDomainConfig *)config, device->kind);
    if (slot != NULL) {
        if (*slot != NULL)
            return 0;
        set_not_found(config, device, error);
        return -1;
    }
    list = marina_dc_device_list(config, kind_type(device->kind));
    for (guint i = 0; list != NULL && i < list->len; i++) {
        if (!device_matches(device->kind, list->pdata[i], device->config))
            continue;
        if (!needs_unique_match(device))
            return (int)i;
        if (found >= 0) {
            g_autofree char *what = marina_device_describe(device);

            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("Guest '%s' has more than one device matching %s; name it by its "
                          "MAC address or index."),
                        guest_name(config), what);
            return -1;
        }
        found = (int)i;
    }
    if (found < 0)
        set_not_found(config, device, error);
    return found;
}

/* ---- changing ----------------------------------------------------------- */

/* What the element left to assign: a generated MAC that is already taken
 * is drawn again, a controller gets the next free index of its type, a
 * serial port or console the lowest free port. */
static gboolean
assign_rest(const MarinaDomainConfig *config, MarinaDevice *device, GError **error)
{
    switch (device->kind) {
    case MARINA_DEVICE_DISK:
        if (((MarinaDiskConfig *)device->config)->target_dev == NULL)
            return marina_dc_fail(error, _("The new disk has no <target dev=…>; add one, e.g. "
                                           "<target dev='vdb' bus='virtio'/>."));
        return TRUE;
    case MARINA_DEVICE_INTERFACE: {
        MarinaInterfaceConfig *n = device->config;

        for (guint tries = 0; n->mac_generated && tries < 100; tries++) {
            gboolean taken = FALSE;

            for (guint i = 0; i < config->interfaces->len && !taken; i++)
                taken =
                    mac_equal(((MarinaInterfaceConfig *)config->interfaces->pdata[i])->mac, n->mac);
            if (!taken)
                break;
            g_free(n->mac);
            n->mac = marina_mac_generate();
        }
        return TRUE;
    }
    case MARINA_DEVICE_CONTROLLER: {
        MarinaControllerConfig *ctl = device->config;

        if (ctl->index_auto) {
            ctl->index = marina_dc_controller_free_index(config, ctl->type, NULL);
            ctl->index_auto = FALSE;
        }
        return TRUE;
    }
    case MARINA_DEVICE_SERIAL:
    case MARINA_DEVICE_CONSOLE: {
        MarinaCharConfig *ch = device->config;
        GPtrArray *list = device->kind == MARINA_DEVICE_SERIAL ? config->serials : config->consoles;

        if (!ch->port_auto)
            return TRUE;
        for (ch->port = 0;; ch->port++) {
            gboolean used = FALSE;

            for (guint i = 0; i < list->len && !used; i++)
                used = ((MarinaCharConfig *)list->pdata[i])->port == ch->port;
            if (!used)
                break;
        }
        ch->port_auto = FALSE;
        return TRUE;
    }
    default:
        return TRUE;
    }
}

/* A second single device is refused: there is only one place for it. */
static gboolean
check_room(const MarinaDomainConfig *config, const MarinaDevice *device, GError **error)
{
    const char *name = guest_name(config);

    switch (device->kind) {
    case MARINA_DEVICE_WATCHDOG:
        if (config->watchdog != NULL)
            return marina_dc_fail(error,
                                  _("Guest '%s' already has a watchdog, and a guest has at most "
                                    "one; change or remove it instead."),
                                  name);
        return TRUE;
    case MARINA_DEVICE_TPM:
        if (config->tpm != NULL)
            return marina_dc_fail(error,
                                  _("Guest '%s' already has a TPM, and a guest has at most one; "
                                    "change or remove it instead."),
                                  name);
        return TRUE;
    case MARINA_DEVICE_MEMBALLOON:
        if (g_strcmp0(config->memballoon_model, "none") != 0)
            return marina_dc_fail(
                error, _("Guest '%s' already has a memory balloon; change it instead."), name);
        return TRUE;
    default:
        return TRUE;
    }
}

/* Puts @device (owned) in @config at @index (-1: appended). */
static void
put_device(MarinaDomainConfig *config, MarinaDevice *device, int index)
{
    gpointer dev = g_steal_pointer(&device->config);
    gpointer *slot = single_slot(config, device->kind);
    GPtrArray *list;

    if (device->kind == MARINA_DEVICE_MEMBALLOON) {
        g_free(config->memballoon_model);
        config->memballoon_model = dev;
        return;
    }
    if (slot != NULL) {
        marina_dc_device_free(kind_type(device->kind), *slot);
        *slot = dev;
        return;
    }
    list = marina_dc_device_list(config, kind_type(device->kind));
    if (index < 0) {
        g_ptr_array_add(list, dev);
    } else {
        /* The list frees what it drops: put the new one beside, drop the old. */
        g_ptr_array_insert(list, index, dev);
        g_ptr_array_remove_index(list, (guint)index + 1);
    }
}

static void
take_device_out(MarinaDomainConfig *config, MarinaDeviceKind kind, int index)
{
    gpointer *slot = single_slot(config, kind);

    if (kind == MARINA_DEVICE_MEMBALLOON) {
        g_free(config->memballoon_model);
        config->memballoon_model = g_strdup("none");
    } else if (slot != NULL) {
        marina_dc_device_free(kind_type(kind), *slot);
        *slot = NULL;
    } else {
        g_ptr_array_remove_index(marina_dc_device_list(config, kind_type(kind)), (guint)index);
    }
}

/* Checks @work, @config with the change made, naming the device in the message. */
static gboolean
check_changed(const MarinaDomainConfig *work, const MarinaDevice *device, GError **error)
{
    if (!marina_domain_config_validate(work, error)) {
        g_autofree char *what = marina_device_describe(device);

        g_prefix_error(error, "%s: ", what);
        return FALSE;
    }
    return TRUE;
}

/* Puts a copy of @device at @index (-1: appended) in a copy of @config; if
 * the result is valid, makes the same change in @config itself. Only the
 * device replaced is freed: pointers to the config's other devices stay
 * valid. */
static gboolean
put_checked(MarinaDomainConfig *config, const MarinaDevice *device, int index, GError **error)
{
    g_autoptr(MarinaDomainConfig) work = marina_domain_config_copy(config);
    g_autoptr(MarinaDevice) trial = marina_device_copy(device);
    g_autoptr(MarinaDevice) kept = marina_device_copy(device);

    put_device(work, trial, index);
    if (!check_changed(work, device, error))
        return FALSE;
    put_device(config, kept, index);
    return TRUE;
}

gboolean
marina_domain_config_add_device(MarinaDomainConfig *config, const MarinaDevice *device,
                                GError **error)
{
    g_autoptr(MarinaDevice) copy = NULL;

    g_return_val_if_fail(config != NULL && device != NULL, FALSE);
    g_return_val_if_fail(kind_is_valid(device->kind) && device->config != NULL, FALSE);
    if (!check_room(config, device, error))
        return FALSE;
    copy = marina_device_copy(device);
    if (!assign_rest(config, copy, error))
        return FALSE;
    return put_checked(config, copy, -1, error);
}

gboolean
marina_domain_config_remove_device(MarinaDomainConfig *config, const MarinaDevice *device,
                                   GError **error)
{
    g_autoptr(MarinaDomainConfig) work = NULL;
    int index;

    g_return_val_if_fail(config != NULL && device != NULL, FALSE);
    index = marina_domain_config_find_device(config, device, error);
    if (index < 0)
        return FALSE;
    work = marina_domain_config_copy(config);
    take_device_out(work, device->kind, index);
    if (!check_changed(work, device, error))
        return FALSE;
    take_device_out(config, device->kind, index);
    return TRUE;
}

gboolean
marina_domain_config_replace_device(MarinaDomainConfig *config, const MarinaDevice *device,
                                    GError **error)
{
    g_autoptr(MarinaDevice) copy = NULL;
    int index;

    g_return_val_if_fail(config != NULL && device != NULL, FALSE);
    index = marina_domain_config_find_device(config, device, error);
    if (index < 0)
        return FALSE;
    copy = marina_device_copy(device);
    /* The device keeps what it had: its MAC, index or port are how it was found. */
    if (device->kind == MARINA_DEVICE_INTERFACE) {
        MarinaInterfaceConfig *n = copy->config;
        const MarinaInterfaceConfig *old = config->interfaces->pdata[index];

        if (n->mac_generated) {
            g_free(n->mac);
            n->mac = g_strdup(old->mac);
            n->mac_generated = old->mac_generated;
        }
    } else if (device->kind == MARINA_DEVICE_CONTROLLER) {
        MarinaControllerConfig *ctl = copy->config;

        ctl->index = ((MarinaControllerConfig *)config->controllers->pdata[index])->index;
        ctl->index_auto = FALSE;
    } else if (device->kind == MARINA_DEVICE_SERIAL || device->kind == MARINA_DEVICE_CONSOLE) {
        ((MarinaCharConfig *)copy->config)->port_auto = FALSE;
    }
    return put_checked(config, copy, index, error);
}
