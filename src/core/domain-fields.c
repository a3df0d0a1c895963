#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "domain-config-private.h"
#include "error.h"

/*
 * Parse, write, check, free and copy a device from its description
 * (domain-devices.c): each field says where it lives in the XML, what kind
 * of value it holds and where it is stored, so these steps are written once
 * for every device type.
 */

#define FIELD_AT(dev, f) ((guint8 *)(dev) + (f)->offset)
#define STRING_AT(dev, f) ((char **)FIELD_AT(dev, f))
#define UINT_AT(dev, f) ((guint *)FIELD_AT(dev, f))
/* C enums of these tables are int-sized. */
#define ENUM_AT(dev, f) ((int *)FIELD_AT(dev, f))
#define BOOL_AT(dev, f) ((gboolean *)FIELD_AT(dev, f))

static gboolean
kind_is_string(MarinaFieldKind kind)
{
    return kind == MARINA_FIELD_STRING || kind == MARINA_FIELD_TOKEN || kind == MARINA_FIELD_PATH ||
           kind == MARINA_FIELD_NAME || kind == MARINA_FIELD_MAC;
}

GPtrArray *
marina_dc_device_list(const MarinaDomainConfig *config, const MarinaDeviceType *type)
{
    g_return_val_if_fail(type->list_offset != 0, NULL);
    return *(GPtrArray **)((guint8 *)config + type->list_offset);
}

/* ---- free / copy -------------------------------------------------------- */

void
marina_dc_device_free(const MarinaDeviceType *type, gpointer dev)
{
    if (dev == NULL)
        return;
    for (guint i = 0; i < type->n_fields; i++) {
        if (kind_is_string(type->fields[i].kind))
            g_free(*STRING_AT(dev, &type->fields[i]));
    }
    g_free(dev);
}

gpointer
marina_dc_device_copy(const MarinaDeviceType *type, gconstpointer src)
{
    gpointer dev = g_memdup2(src, type->size);

    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];

        if (kind_is_string(f->kind))
            *STRING_AT(dev, f) = g_strdup(*STRING_AT(src, f));
    }
    return dev;
}

/* ---- parsing ------------------------------------------------------------ */

static gboolean
same_element(const MarinaField *f, const char *element)
{
    return g_strcmp0(f->element, element) == 0;
}

/* The attributes the fields on @element (NULL: the device element) read,
 * NULL-terminated, for the warnings about all others. */
static GPtrArray *
element_attrs(const MarinaDeviceType *type, const char *element)
{
    GPtrArray *names = g_ptr_array_new();

    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];

        if (same_element(f, element) && f->attribute != NULL &&
            !(f->flags & MARINA_FIELD_HAND_PARSED))
            g_ptr_array_add(names, (gpointer)f->attribute);
    }
    g_ptr_array_add(names, NULL);
    return names;
}

static gboolean
read_value(const MarinaField *f, gpointer dev, char *value, GError **error)
{
    switch (f->kind) {
    case MARINA_FIELD_FIXED:
        if (value != NULL && !g_str_equal(value, f->example))
            return marina_dc_fail(error, _(f->invalid), value);
        return TRUE;
    case MARINA_FIELD_ENUM: {
        int index = -1;

        if (!marina_dc_parse_enum(f->label, value, f->values, &index, error))
            return FALSE;
        if (index >= 0)
            *ENUM_AT(dev, f) = index;
        return TRUE;
    }
    case MARINA_FIELD_UINT:
        return value == NULL || marina_dc_parse_guint(f->label, value, (guint)f->min, (guint)f->max,
                                                      UINT_AT(dev, f), error);
    case MARINA_FIELD_MAC:
        if (!marina_dc_check_mac(value, error))
            return FALSE;
        g_free(*STRING_AT(dev, f));
        *STRING_AT(dev, f) = marina_mac_canonicalize(value);
        return TRUE;
    case MARINA_FIELD_BOOL:
        return marina_dc_parse_yes_no(f->label, value, BOOL_AT(dev, f), error);
    case MARINA_FIELD_INT:
    case MARINA_FIELD_FLAG:
    case MARINA_FIELD_BOOT_ORDER:
    case MARINA_FIELD_HOOK:
        return TRUE; /* read by hooks, or by read_field */
    case MARINA_FIELD_STRING:
    case MARINA_FIELD_TOKEN:
    case MARINA_FIELD_PATH:
    case MARINA_FIELD_NAME:
        g_free(*STRING_AT(dev, f));
        *STRING_AT(dev, f) = value != NULL ? g_strdup(value) : g_strdup(f->default_text);
        return TRUE;
    }
    g_return_val_if_reached(FALSE);
}

/* One field from @node, the element holding it. */
static gboolean
read_field(MarinaDcParser *p, const MarinaDeviceType *type, const MarinaField *f, gpointer dev,
           xmlNode *node, GError **error)
{
    g_autofree char *value = NULL;

    if (f->parse != NULL)
        return f->parse(p, dev, node, error);
    if (f->kind == MARINA_FIELD_FLAG) {
        *BOOL_AT(dev, f) = TRUE;
        return TRUE;
    }
    if (f->kind == MARINA_FIELD_BOOT_ORDER)
        return marina_dc_parse_boot_order(p, node, type->short_path, UINT_AT(dev, f), error);
    if (f->attribute == NULL) {
        g_autofree char *path = g_strdup_printf("%s/<%s>", type->short_path, f->element);

        g_return_val_if_fail(kind_is_string(f->kind), FALSE);
        return marina_dc_take_text(node, path, STRING_AT(dev, f), error);
    }
    value = marina_dc_get_prop(node, f->attribute);
    if (value == NULL && (f->flags & MARINA_FIELD_REQUIRED) && f->missing != NULL)
        return marina_dc_fail(error, "%s", _(f->missing));
    return read_value(f, dev, value, error);
}

/* A child element that holds fields; *handled says whether it did. */
static gboolean
read_child(MarinaDcParser *p, const MarinaDeviceType *type, gpointer dev, xmlNode *child,
           gboolean *handled, GError **error)
{
    g_autofree char *path = NULL;
    g_autoptr(GPtrArray) allowed = NULL;
    const char *const *quiet = NULL;
    gboolean warn_children = FALSE;
    const char *element = NULL;

    for (guint i = 0; i < type->n_fields && element == NULL; i++) {
        const MarinaField *f = &type->fields[i];

        if (f->element != NULL && !(f->flags & MARINA_FIELD_HAND_PARSED) &&
            marina_dc_node_is(child, f->element)) {
            element = f->element;
            /* A field with its own reader (or a <boot order>) takes the whole element. */
            if (f->parse != NULL || f->kind == MARINA_FIELD_BOOT_ORDER) {
                *handled = TRUE;
                return read_field(p, type, f, dev, child, error);
            }
        }
    }
    if (element == NULL)
        return TRUE;
    *handled = TRUE;
    path = g_strdup_printf("%s/<%s>", type->short_path, element);
    allowed = element_attrs(type, element);
    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];

        if (same_element(f, element)) {
            quiet = f->quiet != NULL ? f->quiet : quiet;
            warn_children = warn_children || (f->flags & MARINA_FIELD_WARN_CHILDREN);
        }
    }
    /* Text-only and marker elements (<serial>, <readonly/>) take no attributes to report. */
    if (allowed->len > 1)
        marina_dc_warn_attrs(p, child, path, (const char *const *)allowed->pdata, quiet);
    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];

        if (same_element(f, element) && !(f->flags & MARINA_FIELD_HAND_PARSED) &&
            !read_field(p, type, f, dev, child, error))
            return FALSE;
    }
    if (warn_children)
        marina_dc_warn_children(p, child, path);
    return TRUE;
}

static gboolean
is_quiet_child(const MarinaDeviceType *type, const xmlNode *child)
{
    if (marina_dc_is_quietly_ignored(child))
        return TRUE;
    for (guint i = 0; type->quiet_children != NULL && type->quiet_children[i] != NULL; i++) {
        if (marina_dc_node_is(child, type->quiet_children[i]))
            return TRUE;
    }
    return FALSE;
}

/* Required values held by child elements can only be missed once all are read. */
static gboolean
check_required_children(const MarinaDeviceType *type, gconstpointer dev, GError **error)
{
    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];

        if (f->element != NULL && (f->flags & MARINA_FIELD_REQUIRED) && f->missing != NULL &&
            kind_is_string(f->kind) && *STRING_AT(dev, f) == NULL)
            return marina_dc_fail(error, "%s", _(f->missing));
    }
    return TRUE;
}

gboolean
marina_dc_device_parse(MarinaDcParser *p, const MarinaDeviceType *type, gpointer dev, xmlNode *node,
                       GError **error)
{
    g_autoptr(GPtrArray) allowed = element_attrs(type, NULL);

    marina_dc_warn_attrs(p, node, type->path, (const char *const *)allowed->pdata,
                         type->other_attrs);
    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];

        if (f->element == NULL && !(f->flags & MARINA_FIELD_HAND_PARSED) &&
            !read_field(p, type, f, dev, node, error))
            return FALSE;
    }
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        gboolean handled = FALSE;

        if (type->parse_child != NULL && !type->parse_child(p, dev, child, &handled, error))
            return FALSE;
        if (!handled && !read_child(p, type, dev, child, &handled, error))
            return FALSE;
        if (!handled && !is_quiet_child(type, child))
            marina_dc_warn_element(p, type->path, child);
    }
    if (!check_required_children(type, dev, error))
        return FALSE;
    return type->finish == NULL || type->finish(p, dev, error);
}

gboolean
marina_dc_device_parse_into_list(MarinaDcParser *p, const MarinaDeviceType *type, xmlNode *node,
                                 GError **error)
{
    GPtrArray *list = marina_dc_device_list(p->cfg, type);
    gpointer dev;

    if (!marina_dc_check_count(list, type->max, _(type->plural), error))
        return FALSE;
    dev = g_malloc0(type->size);
    if (type->init != NULL)
        type->init(p, dev, list);
    g_ptr_array_add(list, dev);
    return marina_dc_device_parse(p, type, dev, node, error);
}

/* ---- writing ------------------------------------------------------------ */

static gboolean
field_is_set(const MarinaField *f, gconstpointer dev)
{
    switch (f->kind) {
    case MARINA_FIELD_ENUM:
        return TRUE;
    case MARINA_FIELD_UINT:
    case MARINA_FIELD_BOOT_ORDER:
        return *UINT_AT(dev, f) > 0 || (f->flags & MARINA_FIELD_ALWAYS);
    case MARINA_FIELD_FLAG:
        return *BOOL_AT(dev, f);
    case MARINA_FIELD_BOOL:
        return *BOOL_AT(dev, f) || (f->flags & MARINA_FIELD_ALWAYS);
    case MARINA_FIELD_FIXED:
    case MARINA_FIELD_INT:
    case MARINA_FIELD_HOOK:
        return FALSE;
    default:
        return *STRING_AT(dev, f) != NULL || (f->flags & MARINA_FIELD_ALWAYS);
    }
}

static void
write_attr(xmlNode *node, const MarinaField *f, gconstpointer dev)
{
    switch (f->kind) {
    case MARINA_FIELD_FIXED:
        marina_dc_set_prop(node, f->attribute, f->example);
        break;
    case MARINA_FIELD_ENUM:
        marina_dc_set_prop(node, f->attribute, marina_dc_enum_name(f->values, *ENUM_AT(dev, f)));
        break;
    case MARINA_FIELD_UINT:
        if (field_is_set(f, dev))
            marina_dc_set_prop_uint(node, f->attribute, *UINT_AT(dev, f));
        break;
    case MARINA_FIELD_BOOL:
        if (field_is_set(f, dev))
            marina_dc_set_prop(node, f->attribute, *BOOL_AT(dev, f) ? "yes" : "no");
        break;
    case MARINA_FIELD_INT:
    case MARINA_FIELD_FLAG:
    case MARINA_FIELD_BOOT_ORDER:
    case MARINA_FIELD_HOOK:
        break;
    default:
        marina_dc_set_prop(node, f->attribute, *STRING_AT(dev, f));
        break;
    }
}

/* The @n fields held by one child element: written when any of them is set. */
static void
write_element(xmlNode *node, const MarinaField *fields, guint n, gconstpointer dev)
{
    const char *text = NULL;
    gboolean any = FALSE;
    xmlNode *child;

    for (guint i = 0; i < n; i++) {
        any = any || field_is_set(&fields[i], dev);
        if (fields[i].attribute == NULL && kind_is_string(fields[i].kind))
            text = *STRING_AT(dev, &fields[i]);
    }
    if (!any)
        return;
    if (fields[0].kind == MARINA_FIELD_BOOT_ORDER) {
        marina_dc_set_prop_uint(marina_dc_add_child(node, "boot"), "order", *UINT_AT(dev, fields));
        return;
    }
    child = text != NULL ? marina_dc_add_text(node, fields[0].element, text)
                         : marina_dc_add_child(node, fields[0].element);
    for (guint i = 0; i < n; i++) {
        if (fields[i].attribute != NULL)
            write_attr(child, &fields[i], dev);
    }
}

void
marina_dc_device_write(xmlNode *devices, const MarinaDeviceType *type, gconstpointer dev)
{
    xmlNode *node = marina_dc_add_child(devices, type->element);

    for (guint i = 0; i < type->n_fields;) {
        const MarinaField *f = &type->fields[i];
        guint end = i + 1;

        if (f->format != NULL) {
            f->format(node, dev);
            i++;
            continue;
        }
        if (f->element == NULL) {
            write_attr(node, f, dev);
            i++;
            continue;
        }
        while (end < type->n_fields && type->fields[end].format == NULL &&
               same_element(&type->fields[end], f->element))
            end++;
        write_element(node, f, end - i, dev);
        i = end;
    }
}

/* ---- checking ----------------------------------------------------------- */

static gboolean
check_field(const MarinaField *f, const char *label, gconstpointer dev, GError **error)
{
    const char *text = kind_is_string(f->kind) ? *STRING_AT(dev, f) : NULL;

    switch (f->kind) {
    case MARINA_FIELD_STRING:
        return marina_dc_check_text(label, text, FALSE, error);
    case MARINA_FIELD_TOKEN:
        return marina_dc_check_token(label, text, f->max, error);
    case MARINA_FIELD_PATH:
        return marina_dc_check_path(label, text, f->example, error);
    case MARINA_FIELD_NAME:
        if (text == NULL && (f->flags & MARINA_FIELD_REQUIRED))
            text = "";
        return marina_dc_check_enum(label, text, f->values, error);
    case MARINA_FIELD_MAC:
        return marina_dc_check_mac(text, error);
    case MARINA_FIELD_ENUM:
        if ((guint)*ENUM_AT(dev, f) >= g_strv_length((char **)f->values))
            return marina_dc_fail(error, _("%s: the value %d is out of range."), label,
                                  *ENUM_AT(dev, f));
        return TRUE;
    case MARINA_FIELD_UINT: {
        guint value = *UINT_AT(dev, f);
        g_autofree char *shown = NULL;

        if ((value == 0 && !(f->flags & MARINA_FIELD_ALWAYS)) ||
            (value >= f->min && value <= f->max))
            return TRUE;
        if (f->invalid != NULL)
            return marina_dc_fail(error, _(f->invalid), value);
        shown = g_strdup_printf("%u", value);
        return marina_dc_fail(error, _("%s: %s is out of range; use %" PRIu64 " to %" PRIu64 "."),
                              label, shown, f->min, f->max);
    }
    default:
        return TRUE;
    }
}

gboolean
marina_dc_device_validate(const MarinaDomainConfig *config, const MarinaDeviceType *type,
                          gconstpointer dev, guint index, GError **error)
{
    g_autofree char *name = NULL;

    if (type->validate != NULL && !type->validate(config, dev, index, error))
        return FALSE;
    if (type->name_format != NULL) {
        const char *value = *(char **)((guint8 *)dev + type->name_offset);

        name = g_strdup_printf(_(type->name_format), value != NULL ? value : "");
    }
    for (guint i = 0; i < type->n_fields; i++) {
        const MarinaField *f = &type->fields[i];
        g_autofree char *label = NULL;

        if (f->flags & MARINA_FIELD_HAND_CHECKED)
            continue;
        if (f->flags & MARINA_FIELD_DEVICE_LABEL)
            label = g_strdup_printf(_(f->label), name);
        if (!check_field(f, label != NULL ? label : f->label, dev, error))
            return FALSE;
    }
    return TRUE;
}
