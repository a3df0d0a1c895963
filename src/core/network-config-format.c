#define G_LOG_DOMAIN "marina-network-config"

#include "config.h"

#include <string.h>

#include "network-config-private.h"

/* MarinaNetworkConfig to libvirt network XML, in libvirt's element order and
 * indentation, so that net-dumpxml output reads like virsh's and parses back
 * to an equal config. */

/* Appends @format with every %s argument escaped for XML. */
static void append(GString *s, guint indent, const char *format, ...) G_GNUC_PRINTF(3, 4);

static void
append(GString *s, guint indent, const char *format, ...)
{
    va_list args;
    g_autofree char *text = NULL;

    va_start(args, format);
    text = g_markup_vprintf_escaped(format, args);
    va_end(args);
    for (guint i = 0; i < indent; i++)
        g_string_append(s, "  ");
    g_string_append(s, text);
    g_string_append_c(s, '\n');
}

/* " name='value'" with @value escaped; nothing when @value is NULL. */
static void
add_attr(GString *line, const char *name, const char *value)
{
    g_autofree char *escaped = NULL;

    if (value == NULL)
        return;
    escaped = g_markup_escape_text(value, -1);
    g_string_append_printf(line, " %s='%s'", name, escaped);
}

static void
add_uint_attr(GString *line, const char *name, guint value)
{
    g_string_append_printf(line, " %s='%u'", name, value);
}

/* Ends the element started in @line ("/>" or ">") and appends it at @indent. */
static void
finish_line(GString *s, guint indent, GString *line, gboolean empty)
{
    for (guint i = 0; i < indent; i++)
        g_string_append(s, "  ");
    g_string_append(s, line->str);
    g_string_append(s, empty ? "/>\n" : ">\n");
    g_string_truncate(line, 0);
}

static void
write_forward(GString *s, const MarinaNetworkConfig *c)
{
    g_autoptr(GString) line = g_string_new("<forward");
    gboolean has_nat = c->forward == MARINA_NET_FORWARD_NAT && c->nat_port_start != 0;

    if (c->forward == MARINA_NET_FORWARD_NONE)
        return;
    add_attr(line, "mode", marina_net_forward_mode_name(c->forward));
    add_attr(line, "dev", c->forward_dev);
    finish_line(s, 1, line, !has_nat);
    if (!has_nat)
        return;
    append(s, 2, "<nat>");
    append(s, 3, "<port start='%u' end='%u'/>", c->nat_port_start, c->nat_port_end);
    append(s, 2, "</nat>");
    append(s, 1, "</forward>");
}

static void
write_bridge(GString *s, const MarinaNetworkConfig *c)
{
    g_autoptr(GString) line = g_string_new("<bridge");

    /* A joined host bridge is not Marina's to configure. */
    if (c->forward == MARINA_NET_FORWARD_BRIDGE && c->bridge == NULL)
        return;
    add_attr(line, "name", c->bridge);
    if (c->forward != MARINA_NET_FORWARD_BRIDGE) {
        add_attr(line, "stp", c->stp ? "on" : "off");
        add_uint_attr(line, "delay", c->delay);
    }
    finish_line(s, 1, line, TRUE);
}

static void
write_dns(GString *s, const MarinaNetworkConfig *c)
{
    if (!c->dns_enabled) {
        append(s, 1, "<dns enable='no'/>");
        return;
    }
    if (c->dns_hosts->len == 0 && c->dns_forwarders->len == 0)
        return;
    append(s, 1, "<dns>");
    for (guint i = 0; i < c->dns_forwarders->len; i++)
        append(s, 2, "<forwarder addr='%s'/>", (const char *)c->dns_forwarders->pdata[i]);
    for (guint i = 0; i < c->dns_hosts->len; i++) {
        const MarinaNetDnsHost *h = c->dns_hosts->pdata[i];

        append(s, 2, "<host ip='%s'>", h->ip);
        for (guint j = 0; h->hostnames != NULL && j < h->hostnames->len; j++)
            append(s, 3, "<hostname>%s</hostname>", (const char *)h->hostnames->pdata[j]);
        append(s, 2, "</host>");
    }
    append(s, 1, "</dns>");
}

static void
write_dhcp_host(GString *s, const MarinaNetDhcpHost *h)
{
    g_autoptr(GString) line = g_string_new("<host");

    add_attr(line, "mac", h->mac);
    add_attr(line, "id", h->id);
    add_attr(line, "name", h->name);
    add_attr(line, "ip", h->ip);
    finish_line(s, 3, line, TRUE);
}

static void
write_ip(GString *s, const MarinaNetIp *ip)
{
    g_autoptr(GString) line = g_string_new("<ip");
    g_autofree char *mask = NULL;
    gboolean has_dhcp = ip->ranges->len > 0 || ip->hosts->len > 0 || ip->bootp_file != NULL;
    gboolean has_children = has_dhcp || ip->tftp_root != NULL;

    if (ip->ipv6)
        add_attr(line, "family", "ipv6");
    add_attr(line, "address", ip->address);
    if (ip->netmask && !ip->ipv6)
        add_attr(line, "netmask", (mask = marina_nc_prefix_to_netmask(ip->prefix)));
    else
        add_uint_attr(line, "prefix", ip->prefix);
    finish_line(s, 1, line, !has_children);
    if (!has_children)
        return;
    if (ip->tftp_root != NULL)
        append(s, 2, "<tftp root='%s'/>", ip->tftp_root);
    if (has_dhcp) {
        append(s, 2, "<dhcp>");
        for (guint i = 0; i < ip->ranges->len; i++) {
            const MarinaNetDhcpRange *r = ip->ranges->pdata[i];
            append(s, 3, "<range start='%s' end='%s'/>", r->start, r->end);
        }
        for (guint i = 0; i < ip->hosts->len; i++)
            write_dhcp_host(s, ip->hosts->pdata[i]);
        if (ip->bootp_file != NULL)
            append(s, 3, "<bootp file='%s'/>", ip->bootp_file);
        append(s, 2, "</dhcp>");
    }
    append(s, 1, "</ip>");
}

static void
write_route(GString *s, const MarinaNetRoute *r)
{
    if (r->ipv6)
        append(s, 1, "<route family='ipv6' address='%s' prefix='%u' gateway='%s'/>", r->address,
               r->prefix, r->gateway);
    else
        append(s, 1, "<route address='%s' prefix='%u' gateway='%s'/>", r->address, r->prefix,
               r->gateway);
}

static void
write_port_forward(GString *s, const MarinaNetPortForward *f)
{
    g_autoptr(GString) line = g_string_new("<portForward");

    add_attr(line, "proto", f->proto);
    add_attr(line, "address", f->address);
    add_attr(line, "guest", f->guest);
    finish_line(s, 1, line, FALSE);
    append(s, 2, "<range start='%u' end='%u' to='%u'/>", f->start, f->end, f->to);
    append(s, 1, "</portForward>");
}

char *
marina_network_config_to_xml(const MarinaNetworkConfig *c)
{
    GString *s = g_string_new(NULL);

    g_return_val_if_fail(c != NULL, NULL);
    g_string_append(s, c->ipv6_internal ? "<network ipv6='yes'>\n" : "<network>\n");
    append(s, 1, "<name>%s</name>", c->name != NULL ? c->name : "");
    if (c->uuid != NULL)
        append(s, 1, "<uuid>%s</uuid>", c->uuid);
    if (c->title != NULL)
        append(s, 1, "<title>%s</title>", c->title);
    if (c->description != NULL)
        append(s, 1, "<description>%s</description>", c->description);
    write_forward(s, c);
    write_bridge(s, c);
    if (c->mac != NULL)
        append(s, 1, "<mac address='%s'/>", c->mac);
    if (c->mtu != 0)
        append(s, 1, "<mtu size='%u'/>", c->mtu);
    if (c->domain != NULL)
        append(s, 1,
               c->domain_local ? "<domain name='%s' localOnly='yes'/>" : "<domain name='%s'/>",
               c->domain);
    write_dns(s, c);
    for (guint i = 0; i < c->ips->len; i++)
        write_ip(s, c->ips->pdata[i]);
    for (guint i = 0; i < c->routes->len; i++)
        write_route(s, c->routes->pdata[i]);
    for (guint i = 0; i < c->port_forwards->len; i++)
        write_port_forward(s, c->port_forwards->pdata[i]);
    g_string_append(s, "</network>\n");
    return g_string_free(s, FALSE);
}
