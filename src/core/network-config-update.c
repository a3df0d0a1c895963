#define G_LOG_DOMAIN "marina-network-config"

#include "config.h"

#include <glib/gi18n.h>
#include <libxml/tree.h>
#include <string.h>

#include "error.h"
#include "network-config-private.h"

/* virsh net-update on a config: one <host>, <range>, DNS <host> or
 * <portForward> added, deleted or replaced. The edit is made on a copy,
 * validated as a whole, and only then swapped in: on error nothing changes. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

typedef enum { CMD_ADD_FIRST, CMD_ADD_LAST, CMD_DELETE, CMD_MODIFY } Command;

typedef gboolean (*MatchFunc)(gconstpointer a, gconstpointer b);

static gboolean
parse_command(const char *command, Command *out, GError **error)
{
    static const struct {
        const char *name;
        Command cmd;
    } commands[] = {
        {"add-first", CMD_ADD_FIRST}, {"add-last", CMD_ADD_LAST}, {"add", CMD_ADD_LAST},
        {"delete", CMD_DELETE},       {"modify", CMD_MODIFY},
    };

    for (guint i = 0; command != NULL && i < G_N_ELEMENTS(commands); i++) {
        if (g_str_equal(command, commands[i].name)) {
            *out = commands[i].cmd;
            return TRUE;
        }
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' is not an update command; use add-first, add-last, add, delete or "
                  "modify."),
                command != NULL ? command : "");
    return FALSE;
}

static gboolean
match_dhcp_host(gconstpointer a, gconstpointer b)
{
    const MarinaNetDhcpHost *x = a, *y = b;

    if (y->mac != NULL)
        return g_strcmp0(x->mac, y->mac) == 0;
    if (y->id != NULL)
        return g_strcmp0(x->id, y->id) == 0;
    return g_strcmp0(x->name, y->name) == 0;
}

static gboolean
match_dhcp_range(gconstpointer a, gconstpointer b)
{
    const MarinaNetDhcpRange *x = a, *y = b;

    return g_strcmp0(x->start, y->start) == 0 && g_strcmp0(x->end, y->end) == 0;
}

static gboolean
match_dns_host(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(((const MarinaNetDnsHost *)a)->ip, ((const MarinaNetDnsHost *)b)->ip) == 0;
}

static gboolean
match_port_forward(gconstpointer a, gconstpointer b)
{
    const MarinaNetPortForward *x = a, *y = b;

    return g_strcmp0(x->proto, y->proto) == 0 && x->start == y->start;
}

/* Adds, deletes or replaces @item (owned) in @list; @what names the entry in messages. */
static gboolean
apply(GPtrArray *list, gpointer item, GDestroyNotify free_item, MatchFunc match, Command cmd,
      const char *what, GError **error)
{
    guint index;
    gboolean found = FALSE;

    for (index = 0; index < list->len && !found; index++)
        found = match(list->pdata[index], item);
    index--;
    if ((cmd == CMD_ADD_FIRST || cmd == CMD_ADD_LAST) && found) {
        free_item(item);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("The network already has %s; use modify to change it."), what);
        return FALSE;
    }
    if ((cmd == CMD_DELETE || cmd == CMD_MODIFY) && !found) {
        free_item(item);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    cmd == CMD_DELETE ? _("The network has no %s to delete; check the entry "
                                          "(net-dumpxml shows them).")
                                      : _("The network has no %s to modify; check the entry "
                                          "(net-dumpxml shows them)."),
                    what);
        return FALSE;
    }
    switch (cmd) {
    case CMD_ADD_FIRST:
        g_ptr_array_insert(list, 0, item);
        break;
    case CMD_ADD_LAST:
        g_ptr_array_add(list, item);
        break;
    case CMD_DELETE:
        g_ptr_array_remove_index(list, index);
        free_item(item);
        break;
    case CMD_MODIFY:
        free_item(g_steal_pointer(&list->pdata[index]));
        list->pdata[index] = item;
        break;
    }
    return TRUE;
}

/* The <ip> an element goes into: @parent_index, or the first of @ipv6's family. */
static MarinaNetIp *
find_parent(MarinaNetworkConfig *c, int parent_index, gboolean ipv6, GError **error)
{
    if (parent_index >= 0) {
        if ((guint)parent_index >= c->ips->len) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("The network has no <ip> number %d (it has %u, counted from 0); "
                          "correct --parent-index."),
                        parent_index, c->ips->len);
            return NULL;
        }
        return c->ips->pdata[parent_index];
    }
    for (guint i = 0; i < c->ips->len; i++) {
        MarinaNetIp *ip = c->ips->pdata[i];
        if (ip->ipv6 == ipv6)
            return ip;
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                ipv6 ? _("The network has no IPv6 <ip> for this entry; add an IPv6 address "
                         "to the network first.")
                     : _("The network has no IPv4 <ip> for this entry; add an IPv4 address "
                         "to the network first."));
    return NULL;
}

static gboolean
is_ipv6_text(const char *address)
{
    MarinaNetAddr a;

    return marina_nc_addr_parse(address, &a) && a.ipv6;
}

static gboolean
update_dhcp_host(MarinaNetworkConfig *c, Command cmd, int parent_index, xmlNode *node,
                 GError **error)
{
    MarinaNcParser p = {NULL};
    MarinaNetDhcpHost *h = marina_nc_parse_dhcp_host(&p, node, error);
    g_autofree char *what = NULL;
    MarinaNetIp *ip;

    if (h == NULL)
        return FALSE;
    /* An IPv6 host is known by its DUID or an IPv6 address. */
    ip = find_parent(c, parent_index, h->ip != NULL ? is_ipv6_text(h->ip) : h->id != NULL, error);
    if (ip == NULL) {
        marina_nc_dhcp_host_free(h);
        return FALSE;
    }
    what = g_strdup_printf(_("DHCP host %s"), h->mac ? h->mac : h->id ? h->id : h->name);
    return apply(ip->hosts, h, marina_nc_dhcp_host_free, match_dhcp_host, cmd, what, error);
}

static gboolean
update_dhcp_range(MarinaNetworkConfig *c, Command cmd, int parent_index, xmlNode *node,
                  GError **error)
{
    MarinaNcParser p = {NULL};
    MarinaNetDhcpRange *r = marina_nc_parse_dhcp_range(&p, node, error);
    g_autofree char *what = NULL;
    MarinaNetIp *ip;

    if (r == NULL)
        return FALSE;
    ip = find_parent(c, parent_index, is_ipv6_text(r->start), error);
    if (ip == NULL) {
        marina_nc_dhcp_range_free(r);
        return FALSE;
    }
    what = g_strdup_printf(_("DHCP range %s - %s"), r->start, r->end);
    return apply(ip->ranges, r, marina_nc_dhcp_range_free, match_dhcp_range, cmd, what, error);
}

static gboolean
update_dns_host(MarinaNetworkConfig *c, Command cmd, xmlNode *node, GError **error)
{
    MarinaNcParser p = {NULL};
    MarinaNetDnsHost *h = marina_nc_parse_dns_host(&p, node, error);
    g_autofree char *what = NULL;

    if (h == NULL)
        return FALSE;
    what = g_strdup_printf(_("DNS host %s"), h->ip);
    return apply(c->dns_hosts, h, marina_nc_dns_host_free, match_dns_host, cmd, what, error);
}

static gboolean
update_port_forward(MarinaNetworkConfig *c, Command cmd, xmlNode *node, GError **error)
{
    MarinaNcParser p = {NULL};
    MarinaNetPortForward *f = marina_nc_parse_port_forward(&p, node, error);
    g_autofree char *what = NULL;

    if (f == NULL)
        return FALSE;
    what = g_strdup_printf(_("%s port forward from port %u"), f->proto, f->start);
    return apply(c->port_forwards, f, marina_nc_port_forward_free, match_port_forward, cmd, what,
                 error);
}

static const struct {
    const char *section;
    const char *element;
} sections[] = {
    {"ip-dhcp-host", "host"},
    {"ip-dhcp-range", "range"},
    {"dns-host", "host"},
    {"port-forward", "portForward"},
};

static gboolean
edit(MarinaNetworkConfig *c, Command cmd, guint section, int parent_index, xmlNode *node,
     GError **error)
{
    switch (section) {
    case 0:
        return update_dhcp_host(c, cmd, parent_index, node, error);
    case 1:
        return update_dhcp_range(c, cmd, parent_index, node, error);
    case 2:
        return update_dns_host(c, cmd, node, error);
    default:
        return update_port_forward(c, cmd, node, error);
    }
}

static gboolean
find_section(const char *section, guint *out, GError **error)
{
    for (guint i = 0; section != NULL && i < G_N_ELEMENTS(sections); i++) {
        if (g_str_equal(section, sections[i].section)) {
            *out = i;
            return TRUE;
        }
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("'%s' is not a section Marina can update; use ip-dhcp-host, ip-dhcp-range, "
                  "dns-host or port-forward."),
                section != NULL ? section : "");
    return FALSE;
}

gboolean
marina_network_config_update(MarinaNetworkConfig *config, const char *command, const char *section,
                             int parent_index, const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(MarinaNetworkConfig) copy = NULL;
    MarinaNetworkConfig tmp;
    Command cmd;
    guint sec;
    xmlNode *root;

    g_return_val_if_fail(config != NULL, FALSE);
    if (!parse_command(command, &cmd, error) || !find_section(section, &sec, error))
        return FALSE;
    if (xml == NULL || (doc = marina_nc_read_xml(xml, -1, error)) == NULL) {
        if (xml == NULL)
            marina_nc_fail(error, _("No XML was given for the %s entry."), section);
        return FALSE;
    }
    root = xmlDocGetRootElement(doc);
    if (root == NULL || root->ns != NULL ||
        strcmp((const char *)root->name, sections[sec].element) != 0)
        return marina_nc_fail(
            error, _("The %s section takes one <%s> element, not <%s>; e.g. %s"), section,
            sections[sec].element, root != NULL ? (const char *)root->name : "?",
            sec == 0   ? "<host mac='52:54:00:12:34:56' ip='192.168.122.10'/>"
            : sec == 1 ? "<range start='192.168.122.100' end='192.168.122.200'/>"
            : sec == 2 ? "<host ip='192.168.122.10'><hostname>web</hostname></host>"
                       : "<portForward proto='tcp'><range start='2222' "
                         "to='22'/></portForward>");
    copy = marina_network_config_copy(config);
    if (!edit(copy, cmd, sec, parent_index, root, error) ||
        !marina_network_config_validate(copy, error))
        return FALSE;
    /* Swap the contents: @config keeps its address, the old contents are freed with @copy. */
    tmp = *config;
    *config = *copy;
    *copy = tmp;
    return TRUE;
}
