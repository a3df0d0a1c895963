#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain-config-private.h"
#include "error.h"

/*
 * The descriptions of the devices a person uses the guest through: serial
 * ports and consoles, graphics, video, input and sound (see domain-devices.c
 * for how a description reads).
 */

#define CHAR(member) MARINA_DC_AT(MarinaCharConfig, member)
#define GRAPHICS(member) MARINA_DC_AT(MarinaGraphicsConfig, member)
#define VIDEO(member) MARINA_DC_AT(MarinaVideoConfig, member)
#define INPUT(member) MARINA_DC_AT(MarinaInputConfig, member)
#define SOUND(member) MARINA_DC_AT(MarinaSoundConfig, member)

MARINA_DC_DEVICE_FREE_FUNC(serial)
MARINA_DC_DEVICE_FREE_FUNC(console)
MARINA_DC_DEVICE_FREE_FUNC(graphics)
MARINA_DC_DEVICE_FREE_FUNC(video)
MARINA_DC_DEVICE_FREE_FUNC(input)
MARINA_DC_DEVICE_FREE_FUNC(sound)

/* ---- serial and console ------------------------------------------------- */

#define CHAR_PORT_FLAGS (MARINA_FIELD_ALWAYS | MARINA_FIELD_HAND_PARSED | MARINA_FIELD_HAND_CHECKED)

static gboolean
char_target_parse(MarinaDcParser *p, MarinaCharConfig *ch, xmlNode *node, const char *path,
                  GError **error)
{
    g_autofree char *port = marina_dc_get_prop(node, "port");
    g_autofree char *what = g_strdup_printf("%s/<target port>", path);

    marina_dc_warn_attrs(p, node, what, MARINA_DC_ATTRS("type", "port"), NULL);
    g_free(ch->target_type);
    ch->target_type = marina_dc_get_prop(node, "type");
    if (port != NULL && !marina_dc_parse_guint(what, port, 0, 255, &ch->port, error))
        return FALSE;
    ch->port_auto = ch->port_auto && port == NULL;
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        g_autofree char *target = g_strdup_printf("%s/<target>", path);
        g_autofree char *model =
            marina_dc_node_is(child, "model") ? marina_dc_get_prop(child, "name") : NULL;

        /* libvirt writes <model name='isa-serial'/> under every isa-serial
         * target: it repeats the target type and says nothing new. */
        if (model != NULL && g_strcmp0(model, ch->target_type) == 0)
            continue;
        marina_dc_warn_element(p, target, child);
    }
    return TRUE;
}

static gboolean
char_parse_child(MarinaDcParser *p, gpointer dev, xmlNode *child, gboolean *handled, GError **error)
{
    MarinaCharConfig *ch = dev;
    const char *path =
        ch->kind == MARINA_CHAR_SERIAL ? "<devices>/<serial>" : "<devices>/<console>";

    if (marina_dc_node_is(child, "target")) {
        *handled = TRUE;
        return char_target_parse(p, ch, child, path, error);
    }
    /* The pty path of a running guest; Marina makes its own. */
    *handled = marina_dc_node_is(child, "source") && g_strcmp0(ch->type, "pty") == 0;
    return TRUE;
}

static void
serial_init(MarinaDcParser *p, gpointer dev, GPtrArray *list)
{
    MarinaCharConfig *ch = dev;

    ch->kind = MARINA_CHAR_SERIAL;
    ch->port = list->len; /* libvirt numbers serials in order */
    ch->port_auto = TRUE;
}

static void
console_init(MarinaDcParser *p, gpointer dev, GPtrArray *list)
{
    ((MarinaCharConfig *)dev)->kind = MARINA_CHAR_CONSOLE;
    ((MarinaCharConfig *)dev)->port_auto = TRUE;
}

static gboolean
char_finish(MarinaDcParser *p, gpointer dev, GError **error)
{
    MarinaCharConfig *ch = dev;

    if (ch->target_type == NULL)
        ch->target_type = g_strdup(ch->kind == MARINA_CHAR_SERIAL ? "isa-serial" : "serial");
    return TRUE;
}

static gboolean
char_validate(const MarinaDomainConfig *c, gconstpointer dev, guint index, GError **error)
{
    const MarinaCharConfig *ch = dev;

    if (ch->port > 255)
        return marina_dc_fail(error, _("%s/<target port='%u'> is out of range; use 0 to 255."),
                              ch->kind == MARINA_CHAR_SERIAL ? "<serial>" : "<console>", ch->port);
    return TRUE;
}

/* The same fields for both; target types and labels differ. The target is
 * read by char_parse_child, and its port checked by char_validate. */
static const MarinaField serial_fields[] = {
    {NULL, "type", MARINA_FIELD_NAME, CHAR(type), MARINA_FIELD_REQUIRED, .label = "<serial> type",
     .values = marina_dc_char_types, .default_text = "pty"},
    {"target", "type", MARINA_FIELD_NAME, CHAR(target_type), MARINA_FIELD_HAND_PARSED,
     .label = "<serial>/<target type>", .values = marina_dc_serial_target_types},
    {"target", "port", MARINA_FIELD_UINT, CHAR(port), CHAR_PORT_FLAGS, .max = 255},
};

static const MarinaField console_fields[] = {
    {NULL, "type", MARINA_FIELD_NAME, CHAR(type), MARINA_FIELD_REQUIRED, .label = "<console> type",
     .values = marina_dc_char_types, .default_text = "pty"},
    {"target", "type", MARINA_FIELD_NAME, CHAR(target_type), MARINA_FIELD_HAND_PARSED,
     .label = "<console>/<target type>", .values = marina_dc_console_target_types},
    {"target", "port", MARINA_FIELD_UINT, CHAR(port), CHAR_PORT_FLAGS, .max = 255},
};

const MarinaDeviceType marina_dc_serial_type = {
    .element = "serial",
    .path = "<devices>/<serial>",
    .short_path = "<serial>",
    .size = sizeof(MarinaCharConfig),
    MARINA_DC_LIST(serials),
    .max = MARINA_DC_MAX_OTHER_DEVICES,
    .plural = N_("serial ports"),
    /* tty is the pty path of a running guest: runtime state. */
    .other_attrs = MARINA_DC_ATTRS("tty"),
    MARINA_DC_FIELDS(serial_fields),
    .free_func = serial_free,
    .init = serial_init,
    .parse_child = char_parse_child,
    .finish = char_finish,
    .validate = char_validate,
};

const MarinaDeviceType marina_dc_console_type = {
    .element = "console",
    .path = "<devices>/<console>",
    .short_path = "<console>",
    .size = sizeof(MarinaCharConfig),
    MARINA_DC_LIST(consoles),
    .max = MARINA_DC_MAX_OTHER_DEVICES,
    .plural = N_("consoles"),
    .other_attrs = MARINA_DC_ATTRS("tty"),
    MARINA_DC_FIELDS(console_fields),
    .free_func = console_free,
    .init = console_init,
    .parse_child = char_parse_child,
    .finish = char_finish,
    .validate = char_validate,
};

/* ---- graphics ----------------------------------------------------------- */

static void
graphics_init(MarinaDcParser *p, gpointer dev, GPtrArray *list)
{
    ((MarinaGraphicsConfig *)dev)->port = -1;
}

/* port='-1' or autoport='yes' both mean "pick one". */
static gboolean
graphics_port_parse(MarinaDcParser *p, gpointer dev, xmlNode *node, GError **error)
{
    MarinaGraphicsConfig *g = dev;
    g_autofree char *port = marina_dc_get_prop(node, "port");
    g_autofree char *autoport = marina_dc_get_prop(node, "autoport");
    gboolean is_auto = FALSE;
    guint value;

    if (!marina_dc_parse_yes_no("<graphics autoport>", autoport, &is_auto, error))
        return FALSE;
    if (port == NULL || is_auto || g_str_equal(g_strstrip(port), "-1"))
        return TRUE;
    if (!marina_dc_parse_guint("<graphics port>", port, 0, 65535, &value, error))
        return FALSE;
    g->port = (int)value;
    return TRUE;
}

static void
graphics_port_format(xmlNode *node, gconstpointer dev)
{
    const MarinaGraphicsConfig *g = dev;
    char port[16];

    g_snprintf(port, sizeof port, "%d", g->port);
    marina_dc_set_prop(node, "port", port);
    marina_dc_set_prop(node, "autoport", g->port < 0 ? "yes" : "no");
}

/* listen= on the element, and libvirt's newer <listen> child with the same address. */
static void
graphics_listen_format(xmlNode *node, gconstpointer dev)
{
    const MarinaGraphicsConfig *g = dev;
    xmlNode *listen;

    if (g->listen == NULL)
        return;
    marina_dc_set_prop(node, "listen", g->listen);
    listen = marina_dc_add_child(node, "listen");
    marina_dc_set_prop(listen, "type", "address");
    marina_dc_set_prop(listen, "address", g->listen);
}

static gboolean
graphics_parse_child(MarinaDcParser *p, gpointer dev, xmlNode *child, gboolean *handled,
                     GError **error)
{
    MarinaGraphicsConfig *g = dev;
    g_autofree char *type = NULL;
    g_autofree char *address = NULL;

    if (marina_dc_is_quietly_ignored(child)) {
        /* Graphics have no address: an <address> here is worth a word. */
        *handled = TRUE;
        marina_dc_warn_element(p, "<devices>/<graphics>", child);
        return TRUE;
    }
    if (!marina_dc_node_is(child, "listen"))
        return TRUE;
    *handled = TRUE;
    type = marina_dc_get_prop(child, "type");
    address = marina_dc_get_prop(child, "address");
    marina_dc_warn_attrs(p, child, "<graphics>/<listen>", MARINA_DC_ATTRS("type", "address"), NULL);
    if (type != NULL && !g_str_equal(type, "address")) {
        marina_dc_warn(p,
                       _("Ignoring <graphics>/<listen type='%s'>: Marina only supports "
                         "type='address'."),
                       type);
        return TRUE;
    }
    if (address == NULL)
        return TRUE;
    if (g->listen != NULL && !g_str_equal(g->listen, address))
        return marina_dc_fail(error,
                              _("<graphics listen='%s'> and its <listen address='%s'> differ; "
                                "keep one."),
                              g->listen, address);
    g_free(g->listen);
    g->listen = g_steal_pointer(&address);
    return TRUE;
}

static gboolean
graphics_validate(const MarinaDomainConfig *c, gconstpointer dev, guint index, GError **error)
{
    const MarinaGraphicsConfig *g = dev;

    if (g->port < -1 || g->port > 65535)
        return marina_dc_fail(error,
                              _("<graphics port='%d'> is out of range; use -1 (automatic) or a "
                                "port up to 65535."),
                              g->port);
    return TRUE;
}

static const MarinaField graphics_fields[] = {
    {NULL, "type", MARINA_FIELD_NAME, GRAPHICS(type), MARINA_FIELD_REQUIRED,
     .label = "<graphics type>", .values = marina_dc_graphics_types,
     .missing = N_("A <graphics> element has no type; use type='vnc'.")},
    {NULL, "port", MARINA_FIELD_INT, GRAPHICS(port), MARINA_FIELD_HAND_CHECKED,
     .parse = graphics_port_parse, .format = graphics_port_format},
    {NULL, "listen", MARINA_FIELD_TOKEN, GRAPHICS(listen), .label = "<graphics listen>", .max = 255,
     .format = graphics_listen_format},
    {NULL, "passwd", MARINA_FIELD_STRING, GRAPHICS(password), .label = "<graphics passwd>"},
    {NULL, "keymap", MARINA_FIELD_TOKEN, GRAPHICS(keymap), .label = "<graphics keymap>", .max = 32},
};

const MarinaDeviceType marina_dc_graphics_type = {
    .element = "graphics",
    .path = "<devices>/<graphics>",
    .short_path = "<graphics>",
    .size = sizeof(MarinaGraphicsConfig),
    MARINA_DC_LIST(graphics),
    .max = MARINA_DC_MAX_OTHER_DEVICES,
    .plural = N_("graphics devices"),
    .other_attrs = MARINA_DC_ATTRS("autoport"), /* read with port */
    MARINA_DC_FIELDS(graphics_fields),
    .free_func = graphics_free,
    .init = graphics_init,
    .parse_child = graphics_parse_child,
    .validate = graphics_validate,
};

/* ---- video, input, sound ------------------------------------------------ */

static const MarinaField video_fields[] = {
    /* primary: Marina makes the first video device the primary one anyway. */
    {"model", "type", MARINA_FIELD_NAME, VIDEO(model),
     MARINA_FIELD_REQUIRED | MARINA_FIELD_WARN_CHILDREN, .label = "<video>/<model type>",
     .values = marina_dc_video_models, .quiet = MARINA_DC_ATTRS("primary"),
     .missing = N_("A <video> device has no <model type=…>; add e.g. <model type='virtio'/>.")},
    {"model", "vram", MARINA_FIELD_UINT, VIDEO(vram_kib), .label = "<video>/<model vram>",
     .max = 4u << 20},
    {"model", "heads", MARINA_FIELD_UINT, VIDEO(heads), .label = "<video>/<model heads>", .min = 1,
     .max = 16, .invalid = N_("<video>/<model heads='%u'> is out of range; use 1 to 16.")},
};

const MarinaDeviceType marina_dc_video_type = {
    .element = "video",
    .path = "<devices>/<video>",
    .short_path = "<video>",
    .size = sizeof(MarinaVideoConfig),
    MARINA_DC_LIST(videos),
    .max = MARINA_DC_MAX_OTHER_DEVICES,
    .plural = N_("video devices"),
    MARINA_DC_FIELDS(video_fields),
    .free_func = video_free,
};

static gboolean
input_finish(MarinaDcParser *p, gpointer dev, GError **error)
{
    MarinaInputConfig *in = dev;

    if (in->bus == NULL) /* libvirt's defaults */
        in->bus = g_strdup(g_str_equal(in->type, "tablet") ? "usb" : "ps2");
    return TRUE;
}

static const MarinaField input_fields[] = {
    {NULL, "type", MARINA_FIELD_NAME, INPUT(type), MARINA_FIELD_REQUIRED, .label = "<input type>",
     .values = marina_dc_input_types,
     .missing = N_("An <input> device has no type; use tablet, mouse or keyboard.")},
    {NULL, "bus", MARINA_FIELD_NAME, INPUT(bus), .label = "<input bus>",
     .values = marina_dc_input_buses},
};

const MarinaDeviceType marina_dc_input_type = {
    .element = "input",
    .path = "<devices>/<input>",
    .short_path = "<input>",
    .size = sizeof(MarinaInputConfig),
    MARINA_DC_LIST(inputs),
    .max = MARINA_DC_MAX_OTHER_DEVICES,
    .plural = N_("input devices"),
    MARINA_DC_FIELDS(input_fields),
    .free_func = input_free,
    .finish = input_finish,
};

static const MarinaField sound_fields[] = {
    {NULL, "model", MARINA_FIELD_NAME, SOUND(model), MARINA_FIELD_REQUIRED,
     .label = "<sound model>", .values = marina_dc_sound_models,
     .missing = N_("A <sound> device has no model; add e.g. model='ich9'.")},
};

const MarinaDeviceType marina_dc_sound_type = {
    .element = "sound",
    .path = "<devices>/<sound>",
    .short_path = "<sound>",
    .size = sizeof(MarinaSoundConfig),
    MARINA_DC_LIST(sounds),
    .max = MARINA_DC_MAX_OTHER_DEVICES,
    .plural = N_("sound devices"),
    MARINA_DC_FIELDS(sound_fields),
    .free_func = sound_free,
};
