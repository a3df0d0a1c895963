#define G_LOG_DOMAIN "marina-network-config"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain-config.h"
#include "error.h"
#include "network-config-private.h"

/* The network model: construction, copies, lookups, the default network,
 * and the conflicts between two networks. */

gboolean
marina_nc_fail(GError **error, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, message);
    return FALSE;
}

gboolean
marina_network_name_is_valid(const char *name, GError **error)
{
    if (name == NULL || name[0] == '\0')
        return marina_nc_fail(error,
                              _("The network has no <name>; add one, e.g. <name>lab</name>."));
    if (strlen(name) > 64)
        return marina_nc_fail(
            error, _("The network name '%.40s...' is longer than 64 bytes; shorten it."), name);
    if (!g_utf8_validate(name, -1, NULL))
        return marina_nc_fail(error, _("The network name is not valid UTF-8; rename it."));
    if (g_str_equal(name, ".") || g_str_equal(name, ".."))
        return marina_nc_fail(error, _("'%s' cannot be a network name; choose another <name>."),
                              name);
    for (const char *c = name; *c != '\0'; c++) {
        if (*c == '/')
            return marina_nc_fail(
                error, _("The network name '%s' contains '/', which is not allowed; remove it."),
                name);
        if ((guchar)*c < 0x20 || *c == 0x7f)
            return marina_nc_fail(error, _("The network name contains a control character; use "
                                           "letters, digits and punctuation."));
    }
    return TRUE;
}

const char *
marina_net_forward_mode_name(MarinaNetForwardMode mode)
{
    switch (mode) {
    case MARINA_NET_FORWARD_NAT:
        return "nat";
    case MARINA_NET_FORWARD_ROUTE:
        return "route";
    case MARINA_NET_FORWARD_OPEN:
        return "open";
    case MARINA_NET_FORWARD_BRIDGE:
        return "bridge";
    case MARINA_NET_FORWARD_NONE:
    default:
        return "none";
    }
}

/* ---- construction -------------------------------------------------------- */

MarinaNetIp *
marina_nc_ip_new(void)
{
    MarinaNetIp *ip = g_new0(MarinaNetIp, 1);

    ip->ranges = g_ptr_array_new_with_free_func(marina_nc_dhcp_range_free);
    ip->hosts = g_ptr_array_new_with_free_func(marina_nc_dhcp_host_free);
    return ip;
}

void
marina_nc_ip_free(gpointer data)
{
    MarinaNetIp *ip = data;

    if (ip == NULL)
        return;
    g_free(ip->address);
    g_ptr_array_unref(ip->ranges);
    g_ptr_array_unref(ip->hosts);
    g_free(ip->tftp_root);
    g_free(ip->bootp_file);
    g_free(ip);
}

void
marina_nc_dhcp_range_free(gpointer data)
{
    MarinaNetDhcpRange *r = data;

    if (r == NULL)
        return;
    g_free(r->start);
    g_free(r->end);
    g_free(r);
}

void
marina_nc_dhcp_host_free(gpointer data)
{
    MarinaNetDhcpHost *h = data;

    if (h == NULL)
        return;
    g_free(h->mac);
    g_free(h->id);
    g_free(h->name);
    g_free(h->ip);
    g_free(h);
}

void
marina_nc_dns_host_free(gpointer data)
{
    MarinaNetDnsHost *h = data;

    if (h == NULL)
        return;
    g_free(h->ip);
    g_ptr_array_unref(h->hostnames);
    g_free(h);
}

void
marina_nc_route_free(gpointer data)
{
    MarinaNetRoute *r = data;

    if (r == NULL)
        return;
    g_free(r->address);
    g_free(r->gateway);
    g_free(r);
}

void
marina_nc_port_forward_free(gpointer data)
{
    MarinaNetPortForward *f = data;

    if (f == NULL)
        return;
    g_free(f->proto);
    g_free(f->address);
    g_free(f->guest);
    g_free(f);
}

MarinaNetworkConfig *
marina_network_config_new(void)
{
    MarinaNetworkConfig *c = g_new0(MarinaNetworkConfig, 1);

    c->stp = TRUE;
    c->dns_enabled = TRUE;
    c->dns_hosts = g_ptr_array_new_with_free_func(marina_nc_dns_host_free);
    c->dns_forwarders = g_ptr_array_new_with_free_func(g_free);
    c->ips = g_ptr_array_new_with_free_func(marina_nc_ip_free);
    c->routes = g_ptr_array_new_with_free_func(marina_nc_route_free);
    c->port_forwards = g_ptr_array_new_with_free_func(marina_nc_port_forward_free);
    return c;
}

void
marina_network_config_free(MarinaNetworkConfig *c)
{
    if (c == NULL)
        return;
    g_free(c->name);
    g_free(c->uuid);
    g_free(c->title);
    g_free(c->description);
    g_free(c->forward_dev);
    g_free(c->bridge);
    g_free(c->mac);
    g_free(c->domain);
    g_clear_pointer(&c->dns_hosts, g_ptr_array_unref);
    g_clear_pointer(&c->dns_forwarders, g_ptr_array_unref);
    g_clear_pointer(&c->ips, g_ptr_array_unref);
    g_clear_pointer(&c->routes, g_ptr_array_unref);
    g_clear_pointer(&c->port_forwards, g_ptr_array_unref);
    g_free(c);
}

/* ---- copies -------------------------------------------------------------- */

MarinaNetDhcpRange *
marina_nc_dhcp_range_copy(const MarinaNetDhcpRange *r)
{
    MarinaNetDhcpRange *n = g_new0(MarinaNetDhcpRange, 1);

    n->start = g_strdup(r->start);
    n->end = g_strdup(r->end);
    return n;
}

MarinaNetDhcpHost *
marina_nc_dhcp_host_copy(const MarinaNetDhcpHost *h)
{
    MarinaNetDhcpHost *n = g_new0(MarinaNetDhcpHost, 1);

    n->mac = g_strdup(h->mac);
    n->id = g_strdup(h->id);
    n->name = g_strdup(h->name);
    n->ip = g_strdup(h->ip);
    return n;
}

MarinaNetDnsHost *
marina_nc_dns_host_copy(const MarinaNetDnsHost *h)
{
    MarinaNetDnsHost *n = g_new0(MarinaNetDnsHost, 1);

    n->ip = g_strdup(h->ip);
    n->hostnames = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; h->hostnames != NULL && i < h->hostnames->len; i++)
        g_ptr_array_add(n->hostnames, g_strdup(h->hostnames->pdata[i]));
    return n;
}

MarinaNetPortForward *
marina_nc_port_forward_copy(const MarinaNetPortForward *f)
{
    MarinaNetPortForward *n = g_memdup2(f, sizeof *f);

    n->proto = g_strdup(f->proto);
    n->address = g_strdup(f->address);
    n->guest = g_strdup(f->guest);
    return n;
}

static MarinaNetIp *
ip_copy(const MarinaNetIp *ip)
{
    MarinaNetIp *n = marina_nc_ip_new();

    n->ipv6 = ip->ipv6;
    n->address = g_strdup(ip->address);
    n->prefix = ip->prefix;
    n->netmask = ip->netmask;
    n->tftp_root = g_strdup(ip->tftp_root);
    n->bootp_file = g_strdup(ip->bootp_file);
    for (guint i = 0; i < ip->ranges->len; i++)
        g_ptr_array_add(n->ranges, marina_nc_dhcp_range_copy(ip->ranges->pdata[i]));
    for (guint i = 0; i < ip->hosts->len; i++)
        g_ptr_array_add(n->hosts, marina_nc_dhcp_host_copy(ip->hosts->pdata[i]));
    return n;
}

static MarinaNetRoute *
route_copy(const MarinaNetRoute *r)
{
    MarinaNetRoute *n = g_memdup2(r, sizeof *r);

    n->address = g_strdup(r->address);
    n->gateway = g_strdup(r->gateway);
    return n;
}

MarinaNetworkConfig *
marina_network_config_copy(const MarinaNetworkConfig *c)
{
    MarinaNetworkConfig *n = marina_network_config_new();

    n->name = g_strdup(c->name);
    n->uuid = g_strdup(c->uuid);
    n->title = g_strdup(c->title);
    n->description = g_strdup(c->description);
    n->ipv6_internal = c->ipv6_internal;
    n->forward = c->forward;
    n->forward_dev = g_strdup(c->forward_dev);
    n->nat_port_start = c->nat_port_start;
    n->nat_port_end = c->nat_port_end;
    n->bridge = g_strdup(c->bridge);
    n->stp = c->stp;
    n->delay = c->delay;
    n->mac = g_strdup(c->mac);
    n->mtu = c->mtu;
    n->domain = g_strdup(c->domain);
    n->domain_local = c->domain_local;
    n->dns_enabled = c->dns_enabled;
    for (guint i = 0; c->dns_hosts != NULL && i < c->dns_hosts->len; i++)
        g_ptr_array_add(n->dns_hosts, marina_nc_dns_host_copy(c->dns_hosts->pdata[i]));
    for (guint i = 0; c->dns_forwarders != NULL && i < c->dns_forwarders->len; i++)
        g_ptr_array_add(n->dns_forwarders, g_strdup(c->dns_forwarders->pdata[i]));
    for (guint i = 0; c->ips != NULL && i < c->ips->len; i++)
        g_ptr_array_add(n->ips, ip_copy(c->ips->pdata[i]));
    for (guint i = 0; c->routes != NULL && i < c->routes->len; i++)
        g_ptr_array_add(n->routes, route_copy(c->routes->pdata[i]));
    for (guint i = 0; c->port_forwards != NULL && i < c->port_forwards->len; i++)
        g_ptr_array_add(n->port_forwards, marina_nc_port_forward_copy(c->port_forwards->pdata[i]));
    return n;
}

/* ---- lookups ------------------------------------------------------------- */

static MarinaNetIp *
first_ip(const MarinaNetworkConfig *c, gboolean ipv6)
{
    for (guint i = 0; c->ips != NULL && i < c->ips->len; i++) {
        MarinaNetIp *ip = c->ips->pdata[i];
        if (ip->ipv6 == ipv6)
            return ip;
    }
    return NULL;
}

MarinaNetIp *
marina_network_config_get_ipv4(const MarinaNetworkConfig *c)
{
    return first_ip(c, FALSE);
}

MarinaNetIp *
marina_network_config_get_ipv6(const MarinaNetworkConfig *c)
{
    return first_ip(c, TRUE);
}

const MarinaNetDhcpHost *
marina_network_config_find_host(const MarinaNetworkConfig *c, const char *mac)
{
    g_autofree char *wanted = marina_mac_canonicalize(mac);

    if (wanted == NULL)
        return NULL;
    for (guint i = 0; c->ips != NULL && i < c->ips->len; i++) {
        MarinaNetIp *ip = c->ips->pdata[i];
        for (guint j = 0; j < ip->hosts->len; j++) {
            MarinaNetDhcpHost *h = ip->hosts->pdata[j];
            if (h->mac != NULL && g_ascii_strcasecmp(h->mac, wanted) == 0)
                return h;
        }
    }
    return NULL;
}

MarinaNetworkConfig *
marina_network_config_new_default(void)
{
    MarinaNetworkConfig *c = marina_network_config_new();
    MarinaNetIp *ip = marina_nc_ip_new();
    MarinaNetDhcpRange *range = g_new0(MarinaNetDhcpRange, 1);

    c->name = g_strdup("default");
    c->uuid = marina_uuid_generate();
    c->forward = MARINA_NET_FORWARD_NAT;
    c->bridge = g_strdup("virbr0");
    ip->address = g_strdup("192.168.122.1");
    ip->prefix = 24;
    ip->netmask = TRUE;
    range->start = g_strdup("192.168.122.2");
    range->end = g_strdup("192.168.122.254");
    g_ptr_array_add(ip->ranges, range);
    g_ptr_array_add(c->ips, ip);
    return c;
}

/* ---- conflicts between networks ----------------------------------------- */

gboolean
marina_network_config_check_conflict(const MarinaNetworkConfig *config,
                                     const MarinaNetworkConfig *other, GError **error)
{
    gboolean both_join =
        config->forward == MARINA_NET_FORWARD_BRIDGE && other->forward == MARINA_NET_FORWARD_BRIDGE;

    /* Names are unique: the same name is a new definition of the same network. */
    if (g_strcmp0(config->name, other->name) == 0)
        return FALSE;

    /* Several networks may join the same existing host bridge; a bridge Marina
     * makes belongs to one network. */
    if (config->bridge != NULL && other->bridge != NULL && !both_join &&
        g_str_equal(config->bridge, other->bridge)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("Network '%s' uses bridge %s, which network '%s' uses too. Choose another "
                      "bridge name."),
                    config->name, config->bridge, other->name);
        return TRUE;
    }
    for (guint i = 0; i < config->ips->len; i++) {
        const MarinaNetIp *a = config->ips->pdata[i];
        for (guint j = 0; j < other->ips->len; j++) {
            const MarinaNetIp *b = other->ips->pdata[j];
            MarinaNetAddr x, y;

            if (!marina_nc_addr_parse(a->address, &x) || !marina_nc_addr_parse(b->address, &y) ||
                x.ipv6 != y.ipv6 || !marina_nc_addr_same_prefix(&x, &y, MIN(a->prefix, b->prefix)))
                continue;
            g_autofree char *sa = marina_nc_ip_subnet_text(a);
            g_autofree char *sb = marina_nc_ip_subnet_text(b);
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                        _("Network '%s' uses %s, which overlaps network '%s' (%s). Choose another "
                          "address range."),
                        config->name, sa, other->name, sb);
            return TRUE;
        }
    }
    return FALSE;
}
