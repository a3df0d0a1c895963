#define G_LOG_DOMAIN "marina-domain-config"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain-config-private.h"
#include "error.h"
#include "xml-util.h"

/* Reading and writing the XML of a domain: the small steps every element
 * and device parser takes (warnings for what Marina ignores, attributes,
 * text), and their counterparts for writing. */

void
marina_dc_warn(MarinaDcParser *p, const char *format, ...)
{
    va_list args;
    char *message;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    marina_xml_add_warning(p->warnings, MARINA_DC_MAX_WARNINGS, message);
}

gboolean
marina_dc_node_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           strcmp((const char *)node->name, name) == 0;
}

char *
marina_dc_node_label(const xmlNode *node)
{
    if (node->ns != NULL && node->ns->prefix != NULL)
        return g_strdup_printf("<%s:%s>", node->ns->prefix, node->name);
    return g_strdup_printf("<%s>", node->name);
}

char *
marina_dc_get_prop(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, BAD_CAST name);
    char *ret = value != NULL ? g_strdup((const char *)value) : NULL;

    xmlFree(value);
    return ret;
}

char *
marina_dc_get_text(const xmlNode *node)
{
    xmlChar *value = xmlNodeGetContent(node);
    char *ret = g_strdup(value != NULL ? (const char *)value : "");

    xmlFree(value);
    return ret;
}

/* Replace *slot with the element's text, refusing a second occurrence. */
gboolean
marina_dc_take_text(const xmlNode *node, const char *path, char **slot, GError **error)
{
    if (*slot != NULL)
        return marina_dc_fail(error, _("%s appears more than once; keep one."), path);
    *slot = marina_dc_get_text(node);
    return TRUE;
}

void
marina_dc_warn_element(MarinaDcParser *p, const char *parent, const xmlNode *node)
{
    g_autofree char *label = marina_dc_node_label(node);

    if (parent != NULL)
        marina_dc_warn(p, _("Ignoring %s/%s: not supported by Marina yet."), parent, label);
    else
        marina_dc_warn(p, _("Ignoring %s: not supported by Marina yet."), label);
}

/* Every attribute not in @allowed (NULL-terminated) or @quiet is reported. */
void
marina_dc_warn_attrs(MarinaDcParser *p, const xmlNode *node, const char *path,
                     const char *const *allowed, const char *const *quiet)
{
    for (const xmlAttr *a = node->properties; a != NULL; a = a->next) {
        const char *name = (const char *)a->name;

        if (a->ns == NULL && allowed != NULL && marina_dc_enum_index(name, allowed) >= 0)
            continue;
        if (a->ns == NULL && quiet != NULL && marina_dc_enum_index(name, quiet) >= 0)
            continue;
        if (a->ns != NULL && a->ns->prefix != NULL)
            marina_dc_warn(p, _("Ignoring attribute '%s:%s' of %s: not supported by Marina yet."),
                           a->ns->prefix, name, path);
        else
            marina_dc_warn(p, _("Ignoring attribute '%s' of %s: not supported by Marina yet."),
                           name, path);
    }
}

/* libvirt writes <address> and <alias> on nearly every device of a running
 * guest. Marina assigns its own PCI/drive addresses and device ids, so these
 * are ignored quietly: one warning per device would bury the useful ones. */
gboolean
marina_dc_is_quietly_ignored(const xmlNode *node)
{
    return marina_dc_node_is(node, "address") || marina_dc_node_is(node, "alias");
}

void
marina_dc_warn_children(MarinaDcParser *p, xmlNode *node, const char *path)
{
    MARINA_DC_FOR_EACH_ELEMENT(child, node)
    {
        if (!marina_dc_is_quietly_ignored(child))
            marina_dc_warn_element(p, path, child);
    }
}

gboolean
marina_dc_parse_yes_no(const char *what, const char *value, gboolean *out, GError **error)
{
    int v = -1;

    if (!marina_dc_parse_enum(what, value, marina_dc_yes_no, &v, error))
        return FALSE;
    if (v >= 0)
        *out = v == 1;
    return TRUE;
}

gboolean
marina_dc_parse_boot_order(MarinaDcParser *p, const xmlNode *node, const char *path, guint *out,
                           GError **error)
{
    g_autofree char *order = marina_dc_get_prop(node, "order");
    g_autofree char *what = g_strdup_printf("%s/<boot order>", path);

    marina_dc_warn_attrs(p, node, what, MARINA_DC_ATTRS("order"), NULL);
    if (order == NULL)
        return marina_dc_fail(
            error, _("%s/<boot> needs an order attribute, e.g. <boot order='1'/>."), path);
    return marina_dc_parse_guint(what, order, 1, MARINA_DC_MAX_BOOT_ORDER, out, error);
}

gboolean
marina_dc_check_count(GPtrArray *array, guint max, const char *what, GError **error)
{
    if (array->len >= max)
        return marina_dc_fail(
            error, _("The domain has more than %u %s; Marina accepts at most %u."), max, what, max);
    return TRUE;
}

/* ---- writing ----------------------------------------------------------- */

void
marina_dc_set_prop(xmlNode *node, const char *name, const char *value)
{
    if (value != NULL)
        xmlNewProp(node, BAD_CAST name, BAD_CAST value);
}

void
marina_dc_set_prop_uint(xmlNode *node, const char *name, guint64 value)
{
    char buf[32];

    g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, value);
    xmlNewProp(node, BAD_CAST name, BAD_CAST buf);
}

xmlNode *
marina_dc_add_child(xmlNode *parent, const char *name)
{
    return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

/* xmlNewTextChild escapes &, < and > (xmlNewChild would not). */
xmlNode *
marina_dc_add_text(xmlNode *parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

void
marina_dc_add_attr_child(xmlNode *parent, const char *name, const char *attr, const char *value)
{
    if (value != NULL)
        marina_dc_set_prop(marina_dc_add_child(parent, name), attr, value);
}
