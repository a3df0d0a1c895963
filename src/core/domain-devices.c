#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain-config-private.h"
#include "error.h"

/*
 * One description per device type: where each field lives in the XML, what
 * kind of value it holds, where it is stored, and how it is checked. Parsing,
 * writing, validation, free and copy are generic over these tables
 * (domain-fields.c). The devices a person uses the guest through (serial
 * ports, consoles, graphics, video, input, sound) are in domain-devices-io.c.
 *
 * A new field: add the member to the struct in domain-config.h and one line
 * to its device's table below; that line is all parsing, writing, checking,
 * freeing and copying need. E.g. a disk's <driver discard='unmap'>, next to
 * the other <driver> fields:
 *
 *   {"driver", "discard", MARINA_FIELD_NAME, DISK(discard),
 *    .label = "<disk>/<driver discard>", .values = marina_dc_disk_discards},
 *
 * (with the table of allowed values in domain-check.c). The columns are: the
 * child element holding the field (NULL: the device element itself), the
 * attribute (NULL: the element's text), the kind of value, where it is
 * stored, flags; then what the kind needs (MarinaField in
 * domain-config-private.h). Fields on the same child element sit next to each
 * other: they are written as one element, in table order. tests/unit/
 * test-domain-devices.c checks every field of every table without changes.
 *
 * What does not fit the pattern keeps a hook: a field's parse/format, or
 * the device's init/parse_child/finish/validate.
 */

#define DISK(member) MARINA_DC_AT(MarinaDiskConfig, member)
#define CONTROLLER(member) MARINA_DC_AT(MarinaControllerConfig, member)
#define IFACE(member) MARINA_DC_AT(MarinaInterfaceConfig, member)
#define RNG(member) MARINA_DC_AT(MarinaRngConfig, member)
#define WATCHDOG(member) MARINA_DC_AT(MarinaWatchdogConfig, member)

MARINA_DC_DEVICE_FREE_FUNC(disk)
MARINA_DC_DEVICE_FREE_FUNC(controller)
MARINA_DC_DEVICE_FREE_FUNC(interface)
MARINA_DC_DEVICE_FREE_FUNC(rng)

/* ---- disk --------------------------------------------------------------- */

/* The path attribute is file= or dev= by disk type. */
static gboolean
disk_source_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaDiskConfig *d = dev;
    const char *attr = d->type == MARINA_DISK_TYPE_BLOCK ? "dev" : "file";

    /* index is libvirt's runtime numbering of the backing chain. */
    marina_dc_warn_attrs(p, node, "<disk>/<source>", MARINA_DC_ATTRS(attr),
                         MARINA_DC_ATTRS("index"));
    marina_dc_warn_children(p, node, "<disk>/<source>");
    g_free(d->source);
    d->source = marina_dc_get_prop(node, attr);
    if (d->source == NULL)
        return marina_dc_fail(error,
                              _("<disk type='%s'>/<source> needs a %s attribute with the path."),
                              marina_dc_enum_name(marina_dc_disk_types, d->type), attr);
    return TRUE;
}

static void
disk_source_format(xmlNode *node, gconstpointer dev)
{
    const MarinaDiskConfig *d = dev;

    marina_dc_add_attr_child(node, "source", d->type == MARINA_DISK_TYPE_BLOCK ? "dev" : "file",
                             d->source);
}

static void
disk_init(MarinaDcParser *p, gpointer dev, GPtrArray *list)
{
    /* Not set: derived from the target name when <target bus> is absent. */
    ((MarinaDiskConfig *)dev)->bus = (MarinaDiskBus)-1;
}

static gboolean
disk_parse_child(MarinaDcParser *p, gpointer dev, xmlNode *child, gboolean *handled, GError **error)
{
    /* libvirt's empty "no backing chain" marker on running guests */
    *handled = marina_dc_node_is(child, "backingStore") && child->children == NULL;
    return TRUE;
}

static gboolean
bus_from_target(const char *dev, MarinaDiskBus *bus)
{
    static const struct {
        const char *prefix;
        MarinaDiskBus bus;
    } prefixes[] = {
        {"vd", MARINA_DISK_BUS_VIRTIO},
        {"sd", MARINA_DISK_BUS_SATA},
        {"hd", MARINA_DISK_BUS_IDE},
        {"fd", MARINA_DISK_BUS_FDC},
    };

    for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        if (g_str_has_prefix(dev, prefixes[i].prefix)) {
            *bus = prefixes[i].bus;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
disk_finish(MarinaDcParser *p, gpointer dev, GError **error)
{
    MarinaDiskConfig *d = dev;

    if (d->target_dev == NULL)
        return marina_dc_fail(error, _("A <disk> has no <target dev=…>; add one, e.g. "
                                       "<target dev='vda' bus='virtio'/>."));
    if ((int)d->bus == -1 && !bus_from_target(d->target_dev, &d->bus))
        return marina_dc_fail(
            error,
            _("Disk '%s': the bus cannot be derived from the name; add bus='virtio' "
              "(or sata, ide, scsi, usb, fdc) to <target>, or name it vdX, sdX, hdX or "
              "fdX."),
            d->target_dev);
    return TRUE;
}

static gboolean
disk_validate(const MarinaDomainConfig *c, gconstpointer dev, guint index, GError **error)
{
    const MarinaDiskConfig *d = dev;
    g_autofree char *what = NULL;
    g_autofree char *src_what = NULL;

    if (d->target_dev == NULL)
        return marina_dc_fail(error, _("A <disk> has no <target dev=…>; add one, e.g. "
                                       "<target dev='vda' bus='virtio'/>."));
    if (!marina_dc_check_token("<disk>/<target dev>", d->target_dev, 32, error))
        return FALSE;
    what = g_strdup_printf(_("Disk '%s'"), d->target_dev);
    for (guint j = 0; j < index; j++) {
        const MarinaDiskConfig *other = c->disks->pdata[j];
        if (g_strcmp0(other->target_dev, d->target_dev) == 0)
            return marina_dc_fail(error,
                                  _("Two disks use the target '%s'; give each a different "
                                    "<target dev=…>."),
                                  d->target_dev);
    }
    if ((guint)d->type > MARINA_DISK_TYPE_BLOCK || (guint)d->device > MARINA_DISK_DEVICE_FLOPPY ||
        (guint)d->bus > MARINA_DISK_BUS_FDC)
        return marina_dc_fail(error, _("%s: type, device or bus is out of range."), what);
    if (d->source == NULL && d->device == MARINA_DISK_DEVICE_DISK)
        return marina_dc_fail(error, _("%s has no <source>; only a cdrom or floppy may be empty."),
                              what);
    if ((d->device == MARINA_DISK_DEVICE_FLOPPY) != (d->bus == MARINA_DISK_BUS_FDC))
        return marina_dc_fail(
            error, _("%s: a floppy needs bus 'fdc', and bus 'fdc' is only for floppies."), what);
    if (d->device == MARINA_DISK_DEVICE_CDROM && d->bus == MARINA_DISK_BUS_VIRTIO)
        return marina_dc_fail(
            error, _("%s: a cdrom cannot use the virtio bus; use sata, ide or scsi."), what);
    if (d->serial != NULL &&
        strspn(d->serial, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789_.+- ") != strlen(d->serial))
        return marina_dc_fail(error,
                              _("%s: the <serial> '%s' may only contain letters, digits, spaces "
                                "and '_', '.', '+', '-'."),
                              what, d->serial);
    src_what = g_strdup_printf(_("%s <source>"), what);
    return marina_dc_check_path(src_what, d->source, "/var/lib/marina/images/vda.qcow2", error);
}

static const MarinaField disk_fields[] = {
    {NULL, "type", MARINA_FIELD_ENUM, DISK(type), MARINA_FIELD_HAND_CHECKED, .label = "<disk type>",
     .values = marina_dc_disk_types},
    {NULL, "device", MARINA_FIELD_ENUM, DISK(device), MARINA_FIELD_HAND_CHECKED,
     .label = "<disk device>", .values = marina_dc_disk_devices},
    {"driver", "name", MARINA_FIELD_FIXED, .example = "qemu",
     .invalid = N_("<disk>/<driver name='%s'> is not supported; use name='qemu'.")},
    {"driver", "type", MARINA_FIELD_NAME, DISK(format), MARINA_FIELD_DEVICE_LABEL,
     .label = N_("%s: <driver> type"), .values = marina_dc_disk_formats},
    {"driver", "cache", MARINA_FIELD_NAME, DISK(cache), MARINA_FIELD_DEVICE_LABEL,
     .label = N_("%s: <driver> cache"), .values = marina_dc_disk_caches},
    {"driver", "discard", MARINA_FIELD_NAME, DISK(discard), MARINA_FIELD_DEVICE_LABEL,
     .label = N_("%s: <driver> discard"), .values = marina_dc_disk_discards},
    /* Checked by disk_validate (before <driver>, as the path matters most). */
    {"source", "file", MARINA_FIELD_PATH, DISK(source), MARINA_FIELD_HAND_CHECKED,
     .parse = disk_source_parse, .format = disk_source_format},
    {"target", "dev", MARINA_FIELD_TOKEN, DISK(target_dev), MARINA_FIELD_HAND_CHECKED,
     .label = "<disk>/<target dev>", .max = 32},
    {"target", "bus", MARINA_FIELD_ENUM, DISK(bus), MARINA_FIELD_HAND_CHECKED,
     .label = "<disk>/<target bus>", .values = marina_dc_disk_buses},
    {"serial", NULL, MARINA_FIELD_STRING, DISK(serial), MARINA_FIELD_HAND_CHECKED},
    {"boot", "order", MARINA_FIELD_BOOT_ORDER, DISK(boot_order)},
    {"readonly", NULL, MARINA_FIELD_FLAG, DISK(readonly)},
    {"shareable", NULL, MARINA_FIELD_FLAG, DISK(shareable)},
};

const MarinaDeviceType marina_dc_disk_type = {
    .element = "disk",
    .path = "<devices>/<disk>",
    .short_path = "<disk>",
    .size = sizeof(MarinaDiskConfig),
    MARINA_DC_LIST(disks),
    .max = MARINA_DC_MAX_DISKS,
    .plural = N_("disks"),
    .name_format = N_("Disk '%s'"),
    .name_offset = G_STRUCT_OFFSET(MarinaDiskConfig, target_dev),
    MARINA_DC_FIELDS(disk_fields),
    .free_func = disk_free,
    .init = disk_init,
    .parse_child = disk_parse_child,
    .finish = disk_finish,
    .validate = disk_validate,
};

/* ---- controller --------------------------------------------------------- */

static void
controller_init(MarinaDcParser *p, gpointer dev, GPtrArray *list)
{
    ((MarinaControllerConfig *)dev)->index_auto = TRUE;
}

/* An absent index is assigned later (the next free one of its type), as libvirt does. */
static gboolean
controller_index_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaControllerConfig *ctl = dev;
    g_autofree char *index = marina_dc_get_prop(node, "index");

    if (index == NULL)
        return TRUE;
    ctl->index_auto = FALSE;
    return marina_dc_parse_guint("<controller index>", index, 0, 255, &ctl->index, error);
}

static gboolean
controller_validate(const MarinaDomainConfig *c, gconstpointer dev, guint index, GError **error)
{
    const MarinaControllerConfig *ctl = dev;

    for (guint j = 0; j < index; j++) {
        const MarinaControllerConfig *other = c->controllers->pdata[j];
        if (g_strcmp0(other->type, ctl->type) == 0 && other->index == ctl->index)
            return marina_dc_fail(error,
                                  _("Two <controller type='%s' index='%u'>; give each a "
                                    "different index."),
                                  ctl->type, ctl->index);
    }
    return TRUE;
}

static const MarinaField controller_fields[] = {
    {NULL, "type", MARINA_FIELD_NAME, CONTROLLER(type), MARINA_FIELD_REQUIRED,
     .label = "<controller type>", .values = marina_dc_controller_types,
     .missing = N_("A <controller> has no type; add e.g. type='usb'.")},
    {NULL, "index", MARINA_FIELD_UINT, CONTROLLER(index), MARINA_FIELD_ALWAYS,
     .label = "<controller index>", .min = 0, .max = 255,
     .invalid = N_("<controller index='%u'> is out of range; use 0 to 255."),
     .parse = controller_index_parse},
    {NULL, "model", MARINA_FIELD_TOKEN, CONTROLLER(model), .label = "<controller model>",
     .max = 64},
};

const MarinaDeviceType marina_dc_controller_type = {
    .element = "controller",
    .path = "<devices>/<controller>",
    .short_path = "<controller>",
    .size = sizeof(MarinaControllerConfig),
    MARINA_DC_LIST(controllers),
    .max = MARINA_DC_MAX_CONTROLLERS,
    .plural = N_("controllers"),
    /* <model>, <target> and <master> describe PCI/USB topology, which
     * Marina lays out itself, like addresses. */
    .quiet_children = MARINA_DC_ATTRS("model", "target", "master"),
    MARINA_DC_FIELDS(controller_fields),
    .free_func = controller_free,
    .init = controller_init,
    .validate = controller_validate,
};

/* ---- interface ---------------------------------------------------------- */

/* The attribute is network= or bridge= by interface type; user has none. */
static gboolean
interface_source_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaInterfaceConfig *n = dev;
    const char *attr = n->type == MARINA_NET_TYPE_BRIDGE ? "bridge" : "network";

    if (n->type == MARINA_NET_TYPE_USER) {
        marina_dc_warn_attrs(p, node, "<interface type='user'>/<source>", NULL, NULL);
        return TRUE;
    }
    /* portid and bridge are filled in by libvirt on running guests of type network. */
    marina_dc_warn_attrs(p, node, "<interface>/<source>", MARINA_DC_ATTRS(attr),
                         n->type == MARINA_NET_TYPE_NETWORK ? MARINA_DC_ATTRS("portid", "bridge")
                                                            : NULL);
    g_free(n->source);
    n->source = marina_dc_get_prop(node, attr);
    if (n->source == NULL)
        return marina_dc_fail(error, _("<interface type='%s'>/<source> needs a %s attribute."),
                              marina_dc_enum_name(marina_dc_net_types, n->type), attr);
    return TRUE;
}

static void
interface_source_format(xmlNode *node, gconstpointer dev)
{
    const MarinaInterfaceConfig *n = dev;

    marina_dc_add_attr_child(node, "source",
                             n->type == MARINA_NET_TYPE_BRIDGE ? "bridge" : "network", n->source);
}

static gboolean
interface_target_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaInterfaceConfig *n = dev;
    g_autofree char *name = marina_dc_get_prop(node, "dev");

    marina_dc_warn_attrs(p, node, "<interface>/<target>", MARINA_DC_ATTRS("dev"), NULL);
    /* Like libvirt, drop the auto-generated names of a running guest
     * (vnetN) so that pasting dumpxml output does not pin them. */
    g_free(n->target_dev);
    n->target_dev =
        (name != NULL && !g_str_has_prefix(name, "vnet")) ? g_steal_pointer(&name) : NULL;
    return TRUE;
}

/* <link state='up|down'/>: only "down" is written, up being the default. */
static gboolean
interface_link_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaInterfaceConfig *n = dev;
    g_autofree char *state = marina_dc_get_prop(node, "state");
    static const char *const states[] = {"up", "down", NULL};
    int index = 0;

    marina_dc_warn_attrs(p, node, "<interface>/<link>", MARINA_DC_ATTRS("state"), NULL);
    if (!marina_dc_parse_enum("<interface>/<link state>", state, states, &index, error))
        return FALSE;
    n->link_down = index == 1;
    return TRUE;
}

static void
interface_link_format(xmlNode *node, gconstpointer dev)
{
    if (((const MarinaInterfaceConfig *)dev)->link_down)
        marina_dc_add_attr_child(node, "link", "state", "down");
}

static gboolean
interface_validate(const MarinaDomainConfig *c, gconstpointer dev, guint index, GError **error)
{
    const MarinaInterfaceConfig *n = dev;
    gboolean bridge = n->type == MARINA_NET_TYPE_BRIDGE;
    g_autofree char *canonical = NULL;

    if ((guint)n->type > MARINA_NET_TYPE_BRIDGE)
        return marina_dc_fail(error, _("<interface> type is out of range."));
    if (!marina_dc_check_mac(n->mac, error))
        return FALSE;
    canonical = marina_mac_canonicalize(n->mac);
    for (guint j = 0; j < index; j++) {
        const MarinaInterfaceConfig *other = c->interfaces->pdata[j];
        g_autofree char *theirs = marina_mac_canonicalize(other->mac);
        if (g_strcmp0(theirs, canonical) == 0)
            return marina_dc_fail(error,
                                  _("Two network interfaces use the MAC address %s; each needs "
                                    "its own (leave <mac> out to have one generated)."),
                                  canonical);
    }
    if (n->type != MARINA_NET_TYPE_USER && n->source == NULL)
        return marina_dc_fail(error, _("<interface type='%s'> needs a <source %s='…'/>."),
                              marina_dc_enum_name(marina_dc_net_types, n->type),
                              bridge ? "bridge" : "network");
    return marina_dc_check_enum("<interface>/<model type>", n->model, marina_dc_net_models,
                                error) &&
           marina_dc_check_token(bridge ? "<interface>/<source bridge>"
                                        : "<interface>/<source network>",
                                 n->source, bridge ? 15 : 64, error);
}

static const MarinaField interface_fields[] = {
    {NULL, "type", MARINA_FIELD_ENUM, IFACE(type),
     MARINA_FIELD_REQUIRED | MARINA_FIELD_HAND_CHECKED, .label = "<interface type>",
     .values = marina_dc_net_types,
     .missing = N_("An <interface> has no type; use type='user', 'network' or 'bridge'.")},
    {"mac", "address", MARINA_FIELD_MAC, IFACE(mac),
     MARINA_FIELD_ALWAYS | MARINA_FIELD_HAND_CHECKED},
    /* network= or bridge= by type (the hooks), checked by interface_validate */
    {"source", "network", MARINA_FIELD_TOKEN, IFACE(source), MARINA_FIELD_HAND_CHECKED,
     .parse = interface_source_parse, .format = interface_source_format},
    {"target", "dev", MARINA_FIELD_TOKEN, IFACE(target_dev), .label = "<interface>/<target dev>",
     .max = 15, .parse = interface_target_parse},
    {"model", "type", MARINA_FIELD_NAME, IFACE(model), MARINA_FIELD_HAND_CHECKED,
     .label = "<interface>/<model type>", .values = marina_dc_net_models},
    {"boot", "order", MARINA_FIELD_BOOT_ORDER, IFACE(boot_order)},
    {"link", "state", MARINA_FIELD_BOOL, IFACE(link_down), .label = "<interface>/<link state>",
     .parse = interface_link_parse, .format = interface_link_format},
    {"mtu", "size", MARINA_FIELD_UINT, IFACE(mtu), .label = "<interface>/<mtu size>", .min = 68,
     .max = 65535, .invalid = N_("<interface>/<mtu size='%u'> is out of range; use 68 to 65535.")},
};

const MarinaDeviceType marina_dc_interface_type = {
    .element = "interface",
    .path = "<devices>/<interface>",
    .short_path = "<interface>",
    .size = sizeof(MarinaInterfaceConfig),
    MARINA_DC_LIST(interfaces),
    .max = MARINA_DC_MAX_INTERFACES,
    .plural = N_("network interfaces"),
    MARINA_DC_FIELDS(interface_fields),
    .free_func = interface_free,
    .validate = interface_validate,
};

/* ---- rng, watchdog ------------------------------------------------------ */

static gboolean
rng_backend_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaRngConfig *r = dev;
    g_autofree char *model = marina_dc_get_prop(node, "model");

    marina_dc_warn_attrs(p, node, "<rng>/<backend>", MARINA_DC_ATTRS("model"), NULL);
    if (!marina_dc_check_enum("<rng>/<backend model>", model != NULL ? model : "",
                              marina_dc_rng_backend_models, error))
        return FALSE;
    g_free(r->backend);
    r->backend = g_strstrip(marina_dc_get_text(node));
    if (r->backend[0] == '\0') {
        g_free(r->backend);
        r->backend = g_strdup("/dev/urandom");
    }
    return TRUE;
}

static void
rng_backend_format(xmlNode *node, gconstpointer dev)
{
    const MarinaRngConfig *r = dev;

    marina_dc_set_prop(marina_dc_add_text(node, "backend", r->backend), "model", "random");
}

static gboolean
rng_finish(MarinaDcParser *p, gpointer dev, GError **error)
{
    MarinaRngConfig *r = dev;

    if (r->backend == NULL)
        r->backend = g_strdup("/dev/urandom");
    return TRUE;
}

static const MarinaField rng_fields[] = {
    {NULL, "model", MARINA_FIELD_NAME, RNG(model), MARINA_FIELD_REQUIRED, .label = "<rng model>",
     .values = marina_dc_rng_models, .missing = N_("<rng> has no model; use model='virtio'.")},
    {"backend", NULL, MARINA_FIELD_PATH, RNG(backend), .label = "<rng>/<backend>",
     .example = "/dev/urandom", .parse = rng_backend_parse, .format = rng_backend_format},
};

const MarinaDeviceType marina_dc_rng_type = {
    .element = "rng",
    .path = "<devices>/<rng>",
    .short_path = "<rng>",
    .size = sizeof(MarinaRngConfig),
    MARINA_DC_LIST(rngs),
    .max = MARINA_DC_MAX_OTHER_DEVICES,
    .plural = N_("random number generators"),
    MARINA_DC_FIELDS(rng_fields),
    .free_func = rng_free,
    .finish = rng_finish,
};

static const MarinaField watchdog_fields[] = {
    {NULL, "model", MARINA_FIELD_NAME, WATCHDOG(model), MARINA_FIELD_REQUIRED,
     .label = "<watchdog model>", .values = marina_dc_watchdog_models,
     .missing = N_("<watchdog> has no model; add e.g. model='i6300esb'.")},
    {NULL, "action", MARINA_FIELD_NAME, WATCHDOG(action), .label = "<watchdog action>",
     .values = marina_dc_watchdog_actions},
};

/* One at most: MarinaDomainConfig.watchdog. */
const MarinaDeviceType marina_dc_watchdog_type = {
    .element = "watchdog",
    .path = "<devices>/<watchdog>",
    .short_path = "<watchdog>",
    .size = sizeof(MarinaWatchdogConfig),
    MARINA_DC_FIELDS(watchdog_fields),
};

const MarinaDeviceType *const marina_dc_list_types[] = {
    &marina_dc_disk_type,   &marina_dc_controller_type, &marina_dc_interface_type,
    &marina_dc_serial_type, &marina_dc_console_type,    &marina_dc_graphics_type,
    &marina_dc_video_type,  &marina_dc_input_type,      &marina_dc_sound_type,
    &marina_dc_rng_type,    &marina_dc_hostdev_type,
};

const guint marina_dc_n_list_types = G_N_ELEMENTS(marina_dc_list_types);
