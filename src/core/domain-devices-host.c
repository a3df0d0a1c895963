#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain-config-private.h"
#include "error.h"

/*
 * The descriptions of devices that reach into the host: host devices
 * (<hostdev>, USB and PCI) and the TPM (<tpm>, swtpm or the host's own).
 * See domain-devices.c for how a description reads.
 */

#define HOSTDEV(member) MARINA_DC_AT(MarinaHostdevConfig, member)
#define TPM(member) MARINA_DC_AT(MarinaTpmConfig, member)

MARINA_DC_DEVICE_FREE_FUNC(hostdev)

/* ---- hostdev ------------------------------------------------------------ */

/* libvirt reads these numbers with base 0: "0x1f" is hex, "31" decimal. A
 * leading 0 is read as decimal here, not octal, as nobody means octal. */
static gboolean
parse_number(const char *what, const char *text, guint max, guint *out, GError **error)
{
    g_autofree char *copy = g_strstrip(g_strdup(text));
    g_autoptr(GError) local = NULL;
    gboolean hex = g_str_has_prefix(copy, "0x") || g_str_has_prefix(copy, "0X");
    const char *digits = hex ? copy + 2 : copy;
    guint64 value;

    if (digits[0] == '\0' ||
        !g_ascii_string_to_unsigned(digits, hex ? 16 : 10, 0, max, &value, &local))
        return marina_dc_fail(error,
                              _("%s: '%s' is not a number from 0 to %u (0x%x); write it in "
                                "decimal or as hexadecimal with 0x."),
                              what, copy, max, max);
    *out = (guint)value;
    return TRUE;
}

/* @attr of @node, when present, into @out. */
static gboolean
read_number(const xmlNode *node, const char *attr, const char *what, guint max, guint *out,
            GError **error)
{
    g_autofree char *text = marina_dc_get_prop(node, attr);

    return text == NULL || parse_number(what, text, max, out, error);
}

static gboolean
read_usb_id(MarinaDcParser *p, const xmlNode *node, const char *what, guint *out, GError **error)
{
    g_autofree char *text = marina_dc_get_prop(node, "id");

    marina_dc_warn_attrs(p, node, what, MARINA_DC_ATTRS("id"), NULL);
    if (text == NULL)
        return marina_dc_fail(error, _("%s needs an id, e.g. id='0x046d'."), what);
    if (!parse_number(what, text, 0xffff, out, error))
        return FALSE;
    if (*out == 0)
        return marina_dc_fail(error, _("%s: 0 is not a USB ID; use 0x0001 to 0xffff."), what);
    return TRUE;
}

static gboolean
read_source_address(MarinaDcParser *p, MarinaHostdevConfig *h, const xmlNode *node, GError **error)
{
    if (h->type == MARINA_HOSTDEV_USB) {
        marina_dc_warn_attrs(p, node, "<hostdev>/<source>/<address>",
                             MARINA_DC_ATTRS("bus", "device"), NULL);
        return read_number(node, "bus", "<hostdev>/<source>/<address bus>", 0xffff, &h->usb_bus,
                           error) &&
               read_number(node, "device", "<hostdev>/<source>/<address device>", 0xffff,
                           &h->usb_device, error);
    }
    /* type='pci' restates what the hostdev's type says. */
    marina_dc_warn_attrs(p, node, "<hostdev>/<source>/<address>",
                         MARINA_DC_ATTRS("domain", "bus", "slot", "function"),
                         MARINA_DC_ATTRS("type"));
    return read_number(node, "domain", "<hostdev>/<source>/<address domain>", 0xffff,
                       &h->pci_domain, error) &&
           read_number(node, "bus", "<hostdev>/<source>/<address bus>", 0xff, &h->pci_bus, error) &&
           read_number(node, "slot", "<hostdev>/<source>/<address slot>", 0x1f, &h->pci_slot,
                       error) &&
           read_number(node, "function", "<hostdev>/<source>/<address function>", 7,
                       &h->pci_function, error);
}

static gboolean
hostdev_source_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaHostdevConfig *h = dev;
    gboolean usb = h->type == MARINA_HOSTDEV_USB;

    /* startupPolicy and guestReset tune behaviour Marina does not offer. */
    marina_dc_warn_attrs(p, node, "<hostdev>/<source>", NULL, NULL);
    p->hostdev_source_seen = TRUE;
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        gboolean ok = TRUE;

        if (usb && marina_dc_node_is(child, "vendor"))
            ok = read_usb_id(p, child, "<hostdev>/<source>/<vendor>", &h->vendor_id, error);
        else if (usb && marina_dc_node_is(child, "product"))
            ok = read_usb_id(p, child, "<hostdev>/<source>/<product>", &h->product_id, error);
        else if (marina_dc_node_is(child, "address"))
            ok = read_source_address(p, h, child, error);
        else
            marina_dc_warn_element(p, "<hostdev>/<source>", child);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

static void
set_prop_hex(xmlNode *node, const char *name, const char *format, guint value)
{
    g_autofree char *text = g_strdup_printf(format, value);

    marina_dc_set_prop(node, name, text);
}

static void
hostdev_source_format(xmlNode *node, gconstpointer dev)
{
    const MarinaHostdevConfig *h = dev;
    xmlNode *source = marina_dc_add_child(node, "source");
    xmlNode *address;

    if (h->type == MARINA_HOSTDEV_PCI) {
        address = marina_dc_add_child(source, "address");
        set_prop_hex(address, "domain", "0x%04x", h->pci_domain);
        set_prop_hex(address, "bus", "0x%02x", h->pci_bus);
        set_prop_hex(address, "slot", "0x%02x", h->pci_slot);
        set_prop_hex(address, "function", "0x%x", h->pci_function);
        return;
    }
    if (h->vendor_id != 0) {
        set_prop_hex(marina_dc_add_child(source, "vendor"), "id", "0x%04x", h->vendor_id);
        set_prop_hex(marina_dc_add_child(source, "product"), "id", "0x%04x", h->product_id);
    }
    if (h->usb_bus != 0 || h->usb_device != 0) {
        address = marina_dc_add_child(source, "address");
        marina_dc_set_prop_uint(address, "bus", h->usb_bus);
        marina_dc_set_prop_uint(address, "device", h->usb_device);
    }
}

gboolean
marina_dc_hostdev_same_source(const MarinaHostdevConfig *a, const MarinaHostdevConfig *b)
{
    if (a->type != b->type)
        return FALSE;
    if (a->type == MARINA_HOSTDEV_PCI)
        return a->pci_domain == b->pci_domain && a->pci_bus == b->pci_bus &&
               a->pci_slot == b->pci_slot && a->pci_function == b->pci_function;
    /* By ID when both name one, else by bus and device. */
    if (a->vendor_id != 0 && b->vendor_id != 0)
        return a->vendor_id == b->vendor_id && a->product_id == b->product_id;
    return a->usb_bus == b->usb_bus && a->usb_device == b->usb_device &&
           (a->usb_bus != 0 || a->usb_device != 0);
}

char *
marina_dc_hostdev_name(const MarinaHostdevConfig *h)
{
    if (h->type == MARINA_HOSTDEV_PCI)
        return g_strdup_printf(_("PCI host device %04x:%02x:%02x.%x"), h->pci_domain, h->pci_bus,
                               h->pci_slot, h->pci_function);
    if (h->vendor_id != 0)
        return g_strdup_printf(_("USB host device %04x:%04x"), h->vendor_id, h->product_id);
    return g_strdup_printf(_("USB host device %03u.%03u"), h->usb_bus, h->usb_device);
}

static gboolean
hostdev_validate_usb(const MarinaHostdevConfig *h, const char *name, GError **error)
{
    if (h->pci_domain != 0 || h->pci_bus != 0 || h->pci_slot != 0 || h->pci_function != 0)
        return marina_dc_fail(error, _("%s: a USB device has no PCI address."), name);
    if ((h->vendor_id == 0) != (h->product_id == 0))
        return marina_dc_fail(error,
                              _("%s: give both <vendor id=…> and <product id=…> in <source>, "
                                "or neither."),
                              name);
    if (h->vendor_id > 0xffff || h->product_id > 0xffff)
        return marina_dc_fail(error, _("%s: a USB ID is 0x0001 to 0xffff."), name);
    if (h->vendor_id == 0 && (h->usb_bus == 0 || h->usb_device == 0))
        return marina_dc_fail(error,
                              _("A USB <hostdev> names no device; add <source><vendor "
                                "id='0x046d'/><product id='0xc52b'/></source> or <source><address "
                                "bus='1' device='4'/></source>."));
    if (h->usb_bus > 0xffff || h->usb_device > 0xffff)
        return marina_dc_fail(error, _("%s: the bus or device number is out of range."), name);
    return TRUE;
}

static gboolean
hostdev_validate(const MarinaDomainConfig *c, gconstpointer dev, guint index, GError **error)
{
    const MarinaHostdevConfig *h = dev;
    g_autofree char *name = NULL;

    if ((guint)h->type > MARINA_HOSTDEV_PCI)
        return marina_dc_fail(error, _("<hostdev type> is out of range."));
    name = marina_dc_hostdev_name(h);
    if (h->type == MARINA_HOSTDEV_USB) {
        if (!hostdev_validate_usb(h, name, error))
            return FALSE;
    } else if (h->vendor_id != 0 || h->product_id != 0 || h->usb_bus != 0 || h->usb_device != 0) {
        return marina_dc_fail(error, _("%s: a PCI device is named by its address only."), name);
    } else if (h->pci_domain > 0xffff || h->pci_bus > 0xff || h->pci_slot > 0x1f ||
               h->pci_function > 7) {
        return marina_dc_fail(error,
                              _("%s: the address is out of range; domain 0 to 0xffff, bus to "
                                "0xff, slot to 0x1f, function to 7."),
                              name);
    }
    for (guint j = 0; j < index; j++) {
        if (marina_dc_hostdev_same_source(c->hostdevs->pdata[j], h))
            return marina_dc_fail(error, _("%s is given to the guest twice; keep one."), name);
    }
    return TRUE;
}

static const MarinaField hostdev_fields[] = {
    {NULL, "mode", MARINA_FIELD_FIXED, .example = "subsystem",
     .invalid = N_("<hostdev mode='%s'> is not supported; use mode='subsystem'.")},
    {NULL, "type", MARINA_FIELD_ENUM, HOSTDEV(type),
     MARINA_FIELD_REQUIRED | MARINA_FIELD_HAND_CHECKED, .label = "<hostdev type>",
     .values = marina_dc_hostdev_types,
     .missing = N_("A <hostdev> has no type; use type='usb' or type='pci'.")},
    {NULL, "managed", MARINA_FIELD_BOOL, HOSTDEV(managed), .label = "<hostdev managed>"},
    /* vendor_id ... pci_function, checked by hostdev_validate */
    {"source", NULL, MARINA_FIELD_HOOK, .parse = hostdev_source_parse,
     .format = hostdev_source_format},
};

static void
hostdev_init(MarinaDcParser *p, gpointer dev, GPtrArray *list)
{
    p->hostdev_source_seen = FALSE;
}

/* A PCI address of all zeros is the host bridge: a real one must be written. */
static gboolean
hostdev_finish(MarinaDcParser *p, gpointer dev, GError **error)
{
    if (((MarinaHostdevConfig *)dev)->type == MARINA_HOSTDEV_PCI && !p->hostdev_source_seen)
        return marina_dc_fail(error, _("A PCI <hostdev> names no device; add <source><address "
                                       "domain='0x0000' bus='0x01' slot='0x00' "
                                       "function='0x0'/></source>."));
    return TRUE;
}

const MarinaDeviceType marina_dc_hostdev_type = {
    .element = "hostdev",
    .path = "<devices>/<hostdev>",
    .short_path = "<hostdev>",
    .size = sizeof(MarinaHostdevConfig),
    MARINA_DC_LIST(hostdevs),
    .max = MARINA_DC_MAX_HOSTDEVS,
    .plural = N_("host devices"),
    MARINA_DC_FIELDS(hostdev_fields),
    .free_func = hostdev_free,
    .init = hostdev_init,
    .finish = hostdev_finish,
    .validate = hostdev_validate,
};

/* ---- tpm ---------------------------------------------------------------- */

static gboolean
tpm_backend_child(MarinaDcParser *p, MarinaTpmConfig *t, xmlNode *child, GError **error)
{
    g_autofree char *path = NULL;

    if (!marina_dc_node_is(child, "device")) {
        marina_dc_warn_element(p, "<tpm>/<backend>", child);
        return TRUE;
    }
    marina_dc_warn_attrs(p, child, "<tpm>/<backend>/<device>", MARINA_DC_ATTRS("path"), NULL);
    path = marina_dc_get_prop(child, "path");
    if (path == NULL)
        return marina_dc_fail(error, _("<tpm>/<backend>/<device> needs a path, e.g. "
                                       "path='/dev/tpm0'."));
    g_free(t->device_path);
    t->device_path = g_steal_pointer(&path);
    return TRUE;
}

/* The backend's type, version and <device path>. A backend is required: an
 * emulator always has a version, which marks it present (tpm_finish). */
static gboolean
tpm_backend_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaTpmConfig *t = dev;
    g_autofree char *type = marina_dc_get_prop(node, "type");
    int index = -1;

    /* persistent_state and debug tune swtpm in ways Marina does not offer. */
    marina_dc_warn_attrs(p, node, "<tpm>/<backend>", MARINA_DC_ATTRS("type", "version"), NULL);
    if (type == NULL)
        return marina_dc_fail(error, _("<tpm>/<backend> has no type; use type='emulator' or "
                                       "type='passthrough'."));
    if (!marina_dc_parse_enum("<tpm>/<backend type>", type, marina_dc_tpm_backends, &index, error))
        return FALSE;
    t->backend = (MarinaTpmBackend)index;
    g_free(t->version);
    t->version = marina_dc_get_prop(node, "version");
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        if (!tpm_backend_child(p, t, child, error))
            return FALSE;
    }
    if (t->backend == MARINA_TPM_BACKEND_EMULATOR && t->version == NULL)
        t->version = g_strdup("2.0");
    return TRUE;
}

static void
tpm_backend_format(xmlNode *node, gconstpointer dev)
{
    const MarinaTpmConfig *t = dev;
    xmlNode *backend = marina_dc_add_child(node, "backend");

    marina_dc_set_prop(backend, "type", marina_dc_enum_name(marina_dc_tpm_backends, t->backend));
    marina_dc_set_prop(backend, "version", t->version);
    marina_dc_add_attr_child(backend, "device", "path", t->device_path);
}

/* Written by tpm_backend_format. */
static void
tpm_written_with_backend(xmlNode *node, gconstpointer dev)
{
}

static gboolean
tpm_finish(MarinaDcParser *p, gpointer dev, GError **error)
{
    const MarinaTpmConfig *t = dev;

    if (t->backend == MARINA_TPM_BACKEND_EMULATOR && t->version == NULL)
        return marina_dc_fail(error, _("<tpm> has no <backend>; add e.g. <backend "
                                       "type='emulator' version='2.0'/>."));
    return TRUE;
}

static const MarinaField tpm_fields[] = {
    {NULL, "model", MARINA_FIELD_ENUM, TPM(model), .label = "<tpm model>",
     .values = marina_dc_tpm_models},
    {"backend", "type", MARINA_FIELD_ENUM, TPM(backend), .label = "<tpm>/<backend type>",
     .values = marina_dc_tpm_backends, .parse = tpm_backend_parse, .format = tpm_backend_format},
    {"backend", "version", MARINA_FIELD_NAME, TPM(version), MARINA_FIELD_HAND_PARSED,
     .label = "<tpm>/<backend version>", .values = marina_dc_tpm_versions,
     .format = tpm_written_with_backend},
    /* <backend><device path=>: read and written with the backend. */
    {NULL, NULL, MARINA_FIELD_PATH, TPM(device_path), MARINA_FIELD_HAND_PARSED,
     .label = "<tpm>/<backend>/<device path>", .example = "/dev/tpm0",
     .format = tpm_written_with_backend},
};

/* One at most: MarinaDomainConfig.tpm. */
const MarinaDeviceType marina_dc_tpm_type = {
    .element = "tpm",
    .path = "<devices>/<tpm>",
    .short_path = "<tpm>",
    .size = sizeof(MarinaTpmConfig),
    MARINA_DC_FIELDS(tpm_fields),
    .finish = tpm_finish,
};
