#define G_LOG_DOMAIN "marina-network-config"

#include "config.h"

#include <glib/gi18n.h>
#include <libxml/tree.h>
#include <string.h>

#include "domain-config.h"
#include "error.h"
#include "network-config-private.h"
#include "xml-util.h"

/* Reading network XML: the hardened reader, warnings, attribute helpers, and
 * the elements net-update also reads on their own (a DHCP <host> or <range>,
 * a DNS <host>, a <portForward>). */

xmlDoc *
marina_nc_read_xml(const char *xml, gssize len, GError **error)
{
    return marina_xml_read_hardened(xml, len, MARINA_NETWORK_XML_MAX, _("The network XML"), error);
}

void
marina_nc_warn(MarinaNcParser *p, const char *format, ...)
{
    va_list args;
    char *message;

    if (p == NULL || p->warnings == NULL)
        return;
    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    marina_xml_add_warning(p->warnings, MARINA_NC_MAX_WARNINGS, message);
}

gboolean
marina_nc_node_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           strcmp((const char *)node->name, name) == 0;
}

static gboolean
in_list(const char *name, const char *const *list)
{
    return list != NULL && g_strv_contains(list, name);
}

/* Every attribute of @node not in @allowed or @quiet is reported. */
void
marina_nc_warn_attrs(MarinaNcParser *p, const xmlNode *node, const char *path,
                     const char *const *allowed, const char *const *quiet)
{
    for (const xmlAttr *a = node->properties; a != NULL; a = a->next) {
        const char *name = (const char *)a->name;

        if (a->ns == NULL && (in_list(name, allowed) || in_list(name, quiet)))
            continue;
        marina_nc_warn(p, _("Ignoring attribute '%s' of %s: not supported by Marina."), name, path);
    }
}

void
marina_nc_warn_element(MarinaNcParser *p, const char *parent, const xmlNode *node)
{
    if (parent != NULL)
        marina_nc_warn(p, _("Ignoring %s/<%s>: not supported by Marina."), parent, node->name);
    else
        marina_nc_warn(p, _("Ignoring <%s>: not supported by Marina."), node->name);
}

char *
marina_nc_prop(const xmlNode *node, const char *name)
{
    return marina_xml_prop((xmlNode *)node, name);
}

/* A port, a size: a whole number in @min..@max. */
gboolean
marina_nc_read_uint(const xmlNode *node, const char *attr, const char *path, guint min, guint max,
                    guint *out, GError **error)
{
    g_autofree char *text = marina_nc_prop(node, attr);
    guint64 v;

    if (text == NULL)
        return TRUE;
    g_strstrip(text);
    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT, &v, NULL) || v < min || v > max)
        return marina_nc_fail(error,
                              _("%s %s='%s' is not valid; use a whole number from %u to %u."), path,
                              attr, text, min, max);
    *out = (guint)v;
    return TRUE;
}

gboolean
marina_nc_read_yes_no(const xmlNode *node, const char *attr, const char *path, const char *yes,
                      const char *no, gboolean *out, GError **error)
{
    g_autofree char *text = marina_nc_prop(node, attr);

    if (text == NULL)
        return TRUE;
    if (g_str_equal(text, yes) || g_str_equal(text, no)) {
        *out = g_str_equal(text, yes);
        return TRUE;
    }
    return marina_nc_fail(error, _("%s %s='%s' is not valid; use '%s' or '%s'."), path, attr, text,
                          yes, no);
}

/* An address attribute, canonicalised; @required fails when it is absent. */
gboolean
marina_nc_read_addr(const xmlNode *node, const char *attr, const char *path, gboolean required,
                    char **out, GError **error)
{
    g_autofree char *text = marina_nc_prop(node, attr);

    if (text == NULL) {
        if (required)
            return marina_nc_fail(error, _("%s has no %s attribute; add one, e.g. %s='%s'."), path,
                                  attr, attr, "192.168.122.10");
        return TRUE;
    }
    g_strstrip(text);
    g_free(*out);
    *out = marina_nc_addr_canonical(text);
    if (*out == NULL)
        return marina_nc_fail(
            error, _("%s %s='%s' is not an IP address; write e.g. 192.168.122.10 or 2001:db8::10."),
            path, attr, text);
    return TRUE;
}

/* marina_nc_fail() for functions returning a pointer. */
static gpointer fail_null(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static gpointer
fail_null(GError **error, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, message);
    return NULL;
}

/* ---- elements that net-update edits one at a time ----------------------- */

MarinaNetDhcpHost *
marina_nc_parse_dhcp_host(MarinaNcParser *p, xmlNode *node, GError **error)
{
    g_autoptr(MarinaNetDhcpHost) h = g_new0(MarinaNetDhcpHost, 1);
    g_autofree char *mac = marina_nc_prop(node, "mac");
    const char *path = "<dhcp>/<host>";

    marina_nc_warn_attrs(p, node, path, MARINA_NC_ATTRS("mac", "id", "name", "ip"), NULL);
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        marina_nc_warn_element(p, path, child);
    }
    if (mac != NULL) {
        h->mac = marina_mac_canonicalize(g_strstrip(mac));
        if (h->mac == NULL)
            return fail_null(error,
                             _("%s mac='%s' is not a unicast MAC address; write e.g. "
                               "52:54:00:12:34:56."),
                             path, mac);
    }
    h->id = marina_nc_prop(node, "id");
    h->name = marina_nc_prop(node, "name");
    if (!marina_nc_read_addr(node, "ip", path, FALSE, &h->ip, error))
        return NULL;
    if (h->mac == NULL && h->id == NULL && h->name == NULL)
        return fail_null(error,
                         _("A %s has neither mac, id nor name; give the guest's MAC "
                           "address, e.g. mac='52:54:00:12:34:56'."),
                         path);
    return g_steal_pointer(&h);
}

MarinaNetDhcpRange *
marina_nc_parse_dhcp_range(MarinaNcParser *p, xmlNode *node, GError **error)
{
    g_autoptr(MarinaNetDhcpRange) r = g_new0(MarinaNetDhcpRange, 1);
    const char *path = "<dhcp>/<range>";

    marina_nc_warn_attrs(p, node, path, MARINA_NC_ATTRS("start", "end"), NULL);
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        marina_nc_warn_element(p, path, child);
    }
    if (!marina_nc_read_addr(node, "start", path, TRUE, &r->start, error) ||
        !marina_nc_read_addr(node, "end", path, TRUE, &r->end, error))
        return NULL;
    return g_steal_pointer(&r);
}

MarinaNetDnsHost *
marina_nc_parse_dns_host(MarinaNcParser *p, xmlNode *node, GError **error)
{
    g_autoptr(MarinaNetDnsHost) h = g_new0(MarinaNetDnsHost, 1);
    const char *path = "<dns>/<host>";

    h->hostnames = g_ptr_array_new_with_free_func(g_free);
    marina_nc_warn_attrs(p, node, path, MARINA_NC_ATTRS("ip"), NULL);
    if (!marina_nc_read_addr(node, "ip", path, TRUE, &h->ip, error))
        return NULL;
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        char *name;

        if (!marina_nc_node_is(child, "hostname")) {
            marina_nc_warn_element(p, path, child);
            continue;
        }
        name = marina_xml_text(child);
        if (name == NULL)
            return fail_null(error, _("%s/<hostname> is empty; write a host name."), path);
        if (h->hostnames->len == MARINA_NC_MAX_HOSTNAMES) {
            g_free(name);
            return fail_null(error, _("A %s has more than %d <hostname> elements."), path,
                             MARINA_NC_MAX_HOSTNAMES);
        }
        g_ptr_array_add(h->hostnames, name);
    }
    return g_steal_pointer(&h);
}

MarinaNetPortForward *
marina_nc_parse_port_forward(MarinaNcParser *p, xmlNode *node, GError **error)
{
    g_autoptr(MarinaNetPortForward) f = g_new0(MarinaNetPortForward, 1);
    const char *path = "<portForward>";
    gboolean have_range = FALSE;

    marina_nc_warn_attrs(p, node, path, MARINA_NC_ATTRS("proto", "address", "guest"), NULL);
    f->proto = marina_nc_prop(node, "proto");
    if (f->proto == NULL)
        f->proto = g_strdup("tcp");
    if (!marina_nc_read_addr(node, "address", path, FALSE, &f->address, error) ||
        !marina_nc_read_addr(node, "guest", path, FALSE, &f->guest, error))
        return NULL;
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        if (!marina_nc_node_is(child, "range")) {
            marina_nc_warn_element(p, path, child);
            continue;
        }
        if (have_range)
            return fail_null(error, _("A <portForward> has more than one <range>; write one "
                                      "<portForward> per port range."));
        have_range = TRUE;
        marina_nc_warn_attrs(p, child, "<portForward>/<range>",
                             MARINA_NC_ATTRS("start", "end", "to"), NULL);
        if (!xmlHasProp(child, BAD_CAST "start"))
            return fail_null(error, _("<portForward>/<range> has no start port; write e.g. "
                                      "<range start='2222' to='22'/>."));
        if (!marina_nc_read_uint(child, "start", "<portForward>/<range>", 1, 65535, &f->start,
                                 error) ||
            !marina_nc_read_uint(child, "end", "<portForward>/<range>", 1, 65535, &f->end, error) ||
            !marina_nc_read_uint(child, "to", "<portForward>/<range>", 1, 65535, &f->to, error))
            return NULL;
    }
    if (!have_range)
        return fail_null(error, _("A <portForward> has no <range>; add one, e.g. <range "
                                  "start='2222' to='22'/>."));
    if (f->end == 0)
        f->end = f->start;
    if (f->to == 0)
        f->to = f->start;
    return g_steal_pointer(&f);
}
