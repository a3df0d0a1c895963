#define G_LOG_DOMAIN "marina-network-config"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain-config.h"
#include "error.h"
#include "network-config-private.h"

/* The rules a network config follows, whether it came from XML, from the
 * create-network assistant or from net-update. Every message names the
 * element and says what to do. */

static gboolean
check_text(const char *what, const char *text, gboolean multi_line, GError **error)
{
    if (text == NULL)
        return TRUE;
    if (!g_utf8_validate(text, -1, NULL))
        return marina_nc_fail(error, _("%s is not valid UTF-8 text."), what);
    if (strlen(text) > MARINA_NC_MAX_TEXT)
        return marina_nc_fail(error, _("%s is longer than %d bytes; shorten it."), what,
                              MARINA_NC_MAX_TEXT);
    for (const char *c = text; *c != '\0'; c++) {
        guchar u = (guchar)*c;
        if (multi_line && (u == '\n' || u == '\t' || u == '\r'))
            continue;
        if (u < 0x20 || u == 0x7f)
            return marina_nc_fail(error,
                                  multi_line ? _("%s contains control characters; remove them.")
                                             : _("%s contains a line break or control "
                                                 "character; write it on one line."),
                                  what);
    }
    return TRUE;
}

static gboolean
check_ifname(const char *what, const char *name, GError **error)
{
    if (name == NULL || marina_nc_ifname_is_valid(name))
        return TRUE;
    return marina_nc_fail(error,
                          _("%s '%s' is not a valid interface name; use 1 to 15 characters "
                            "without '/', ':' or spaces, e.g. virbr1."),
                          what, name);
}

/* An address of the expected family; @ip_family_text names the family for the message. */
static gboolean
check_addr(const char *what, const char *text, gboolean ipv6, MarinaNetAddr *out, GError **error)
{
    MarinaNetAddr local;

    if (out == NULL)
        out = &local;
    if (!marina_nc_addr_parse(text, out))
        return marina_nc_fail(error, _("%s '%s' is not an IP address; write e.g. 192.168.122.10."),
                              what, text != NULL ? text : "");
    if (out->ipv6 != ipv6)
        return marina_nc_fail(error,
                              ipv6 ? _("%s %s is an IPv4 address in an IPv6 <ip>; use an IPv6 "
                                       "address.")
                                   : _("%s %s is an IPv6 address in an IPv4 <ip>; use an IPv4 "
                                       "address."),
                              what, text);
    return TRUE;
}

static gboolean
check_mac(const char *what, const char *mac, GError **error)
{
    g_autofree char *canonical = marina_mac_canonicalize(mac);

    if (mac == NULL || canonical != NULL)
        return TRUE;
    return marina_nc_fail(error,
                          _("%s '%s' is not a unicast MAC address; write e.g. "
                            "52:54:00:12:34:56."),
                          what, mac);
}

/* ---- <ip> ----------------------------------------------------------------- */

/* The host's address: in range for its family, not the subnet's own or broadcast address. */
static gboolean
check_ip_address(const MarinaNetIp *ip, MarinaNetAddr *addr, GError **error)
{
    guint max;
    MarinaNetAddr net, bcast;

    if (!check_addr("<ip address>", ip->address, ip->ipv6, addr, error))
        return FALSE;
    max = marina_nc_addr_max_prefix(ip->ipv6);
    if (ip->prefix < 1 || ip->prefix > max)
        return marina_nc_fail(error, _("<ip address='%s'> prefix %u is out of range; use 1 to %u."),
                              ip->address, ip->prefix, max);
    if (ip->netmask && ip->ipv6)
        return marina_nc_fail(error,
                              _("<ip address='%s'> is IPv6, which has no netmask; use a prefix."),
                              ip->address);
    marina_nc_addr_mask(addr, ip->prefix, FALSE, &net);
    marina_nc_addr_mask(addr, ip->prefix, TRUE, &bcast);
    if (!ip->ipv6 && ip->prefix <= 30 &&
        (marina_nc_addr_compare(addr, &net) == 0 || marina_nc_addr_compare(addr, &bcast) == 0)) {
        g_autofree char *subnet = marina_nc_ip_subnet_text(ip);
        return marina_nc_fail(error,
                              _("<ip address='%s'> is the network or broadcast address of %s; "
                                "give the host an address inside it, e.g. the first one."),
                              ip->address, subnet);
    }
    return TRUE;
}

static gboolean
check_in_subnet(const MarinaNetIp *ip, const char *what, const char *address, GError **error)
{
    g_autofree char *subnet = NULL;

    if (marina_net_ip_contains(ip, address))
        return TRUE;
    subnet = marina_nc_ip_subnet_text(ip);
    return marina_nc_fail(error, _("%s %s is outside the network %s; use an address inside it."),
                          what, address, subnet);
}

static gboolean
check_range(const MarinaNetIp *ip, const MarinaNetAddr *host, guint index, GError **error)
{
    const MarinaNetDhcpRange *r = ip->ranges->pdata[index];
    g_autofree char *subnet = marina_nc_ip_subnet_text(ip);
    MarinaNetAddr start, end, net, bcast;

    if (!check_addr("<dhcp>/<range start>", r->start, ip->ipv6, &start, error) ||
        !check_addr("<dhcp>/<range end>", r->end, ip->ipv6, &end, error))
        return FALSE;
    if (!marina_net_ip_contains(ip, r->start) || !marina_net_ip_contains(ip, r->end))
        return marina_nc_fail(error,
                              _("DHCP range %s - %s is outside the network %s. Choose a range "
                                "inside it."),
                              r->start, r->end, subnet);
    if (marina_nc_addr_compare(&start, &end) > 0)
        return marina_nc_fail(error,
                              _("DHCP range %s - %s starts after it ends; swap start and end."),
                              r->start, r->end);
    if (marina_nc_addr_compare(&start, host) <= 0 && marina_nc_addr_compare(host, &end) <= 0)
        return marina_nc_fail(error,
                              _("DHCP range %s - %s contains the host's own address %s; start "
                                "the range after it."),
                              r->start, r->end, ip->address);
    marina_nc_addr_mask(host, ip->prefix, FALSE, &net);
    marina_nc_addr_mask(host, ip->prefix, TRUE, &bcast);
    if (!ip->ipv6 && ip->prefix <= 30 &&
        (marina_nc_addr_compare(&start, &net) == 0 || marina_nc_addr_compare(&end, &bcast) == 0))
        return marina_nc_fail(error,
                              _("DHCP range %s - %s includes the network or broadcast address "
                                "of %s; leave them out."),
                              r->start, r->end, subnet);
    for (guint j = 0; j < index; j++) {
        const MarinaNetDhcpRange *o = ip->ranges->pdata[j];
        MarinaNetAddr os, oe;

        marina_nc_addr_parse(o->start, &os);
        marina_nc_addr_parse(o->end, &oe);
        if (marina_nc_addr_compare(&start, &oe) <= 0 && marina_nc_addr_compare(&os, &end) <= 0)
            return marina_nc_fail(error,
                                  _("DHCP range %s - %s overlaps the range %s - %s; make the "
                                    "ranges separate."),
                                  r->start, r->end, o->start, o->end);
    }
    return TRUE;
}

static gboolean
check_host(const MarinaNetIp *ip, const MarinaNetDhcpHost *h, GError **error)
{
    const char *who = h->mac ? h->mac : h->id ? h->id : h->name;

    if (!check_mac("<dhcp>/<host mac>", h->mac, error))
        return FALSE;
    if (h->name != NULL && !marina_nc_dns_name_is_valid(h->name))
        return marina_nc_fail(error,
                              _("<dhcp>/<host name='%s'> is not a valid host name; use letters, "
                                "digits and '-', e.g. web1."),
                              h->name);
    if (h->id != NULL && !check_text("<dhcp>/<host id>", h->id, FALSE, error))
        return FALSE;
    if (!ip->ipv6 && h->mac == NULL && h->name == NULL)
        return marina_nc_fail(error,
                              _("An IPv4 <dhcp>/<host> needs the guest's mac (or a name); add "
                                "mac='52:54:00:…'."));
    if (ip->ipv6 && h->mac != NULL)
        return marina_nc_fail(error,
                              _("<dhcp>/<host mac='%s'> is in an IPv6 <ip>, where guests are "
                                "identified by id (DUID) or name; use id= or name=."),
                              h->mac);
    if (ip->ipv6 && h->id == NULL && h->name == NULL)
        return marina_nc_fail(error, _("An IPv6 <dhcp>/<host> needs an id (DUID) or a name."));
    if (h->ip == NULL)
        return marina_nc_fail(error,
                              _("<dhcp>/<host> %s has no ip; add the address it gets, e.g. "
                                "ip='%s'."),
                              who, ip->ipv6 ? "2001:db8::10" : "192.168.122.10");
    if (!check_addr("<dhcp>/<host ip>", h->ip, ip->ipv6, NULL, error) ||
        !check_in_subnet(ip, "<dhcp>/<host ip>", h->ip, error))
        return FALSE;
    if (g_strcmp0(h->ip, ip->address) == 0)
        return marina_nc_fail(error,
                              _("<dhcp>/<host> %s has the host's own address %s; give it "
                                "another one."),
                              who, h->ip);
    return TRUE;
}

/* Each MAC, id, name and address belongs to one static host across every <ip>. */
static gboolean
check_hosts_unique(const MarinaNetworkConfig *c, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < c->ips->len; i++) {
        MarinaNetIp *ip = c->ips->pdata[i];
        for (guint j = 0; j < ip->hosts->len; j++) {
            MarinaNetDhcpHost *h = ip->hosts->pdata[j];
            const char *keys[] = {h->mac, h->id, h->ip};
            const char *fmt[] = {
                _("The MAC address %s is given to two <dhcp>/<host> entries; each guest "
                  "interface needs its own."),
                _("The DHCP id %s is given to two <dhcp>/<host> entries; keep one."),
                _("The address %s is given to two <dhcp>/<host> entries; give each its own."),
            };
            for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
                if (keys[k] == NULL)
                    continue;
                char *key = g_strdup_printf("%u:%s", k, keys[k]);
                if (!g_hash_table_add(seen, key))
                    return marina_nc_fail(error, fmt[k], keys[k]);
            }
        }
    }
    return TRUE;
}

static gboolean
check_ip(const MarinaNetIp *ip, GError **error)
{
    MarinaNetAddr host;

    if (!check_ip_address(ip, &host, error))
        return FALSE;
    if (ip->ranges->len > MARINA_NC_MAX_RANGES || ip->hosts->len > MARINA_NC_MAX_HOSTS)
        return marina_nc_fail(error, _("<ip address='%s'> has too many DHCP ranges or hosts."),
                              ip->address);
    for (guint i = 0; i < ip->ranges->len; i++) {
        if (!check_range(ip, &host, i, error))
            return FALSE;
    }
    for (guint i = 0; i < ip->hosts->len; i++) {
        if (!check_host(ip, ip->hosts->pdata[i], error))
            return FALSE;
    }
    if (ip->tftp_root != NULL &&
        (ip->ipv6 || ip->tftp_root[0] != '/' || strstr(ip->tftp_root, "..") != NULL))
        return marina_nc_fail(error,
                              ip->ipv6 ? _("<tftp> is for IPv4 only; move it to the IPv4 <ip>.")
                                       : _("<tftp root='%s'> must be an absolute path without "
                                           "'..', e.g. /var/lib/tftpboot."),
                              ip->tftp_root);
    if (!check_text("<tftp root>", ip->tftp_root, FALSE, error) ||
        !check_text("<dhcp>/<bootp file>", ip->bootp_file, FALSE, error))
        return FALSE;
    if (ip->bootp_file != NULL && (ip->ipv6 || ip->ranges->len + ip->hosts->len == 0))
        return marina_nc_fail(error,
                              _("<dhcp>/<bootp file='%s'> needs DHCP on an IPv4 <ip>: add a "
                                "<range> or move it there."),
                              ip->bootp_file);
    return TRUE;
}

/* Subnets of one network do not overlap, and DHCP runs on one <ip> per family. */
static gboolean
check_ips(const MarinaNetworkConfig *c, GError **error)
{
    gboolean dhcp[2] = {FALSE, FALSE};

    if (c->ips->len > MARINA_NC_MAX_IPS)
        return marina_nc_fail(error, _("The network has more than %d <ip> elements."),
                              MARINA_NC_MAX_IPS);
    for (guint i = 0; i < c->ips->len; i++) {
        const MarinaNetIp *ip = c->ips->pdata[i];
        gboolean has_dhcp = ip->ranges->len > 0 || ip->hosts->len > 0;

        if (!check_ip(ip, error))
            return FALSE;
        if (has_dhcp && dhcp[ip->ipv6])
            return marina_nc_fail(error,
                                  ip->ipv6 ? _("A second IPv6 <ip> (%s) has <dhcp>; DHCP runs on "
                                               "one IPv6 <ip> only, remove one <dhcp>.")
                                           : _("A second IPv4 <ip> (%s) has <dhcp>; DHCP runs on "
                                               "one IPv4 <ip> only, remove one <dhcp>."),
                                  ip->address);
        dhcp[ip->ipv6] = dhcp[ip->ipv6] || has_dhcp;
        for (guint j = 0; j < i; j++) {
            const MarinaNetIp *o = c->ips->pdata[j];
            MarinaNetAddr a, b;

            marina_nc_addr_parse(ip->address, &a);
            marina_nc_addr_parse(o->address, &b);
            if (a.ipv6 == b.ipv6 &&
                marina_nc_addr_same_prefix(&a, &b, MIN(ip->prefix, o->prefix))) {
                g_autofree char *s1 = marina_nc_ip_subnet_text(ip);
                g_autofree char *s2 = marina_nc_ip_subnet_text(o);
                return marina_nc_fail(error,
                                      _("<ip> %s overlaps <ip> %s of the same network; use "
                                        "separate subnets."),
                                      s1, s2);
            }
        }
    }
    return check_hosts_unique(c, error);
}

/* ---- the rest ------------------------------------------------------------- */

static gboolean
check_routes(const MarinaNetworkConfig *c, GError **error)
{
    for (guint i = 0; i < c->routes->len; i++) {
        const MarinaNetRoute *r = c->routes->pdata[i];
        gboolean reachable = FALSE;

        if (!check_addr("<route address>", r->address, r->ipv6, NULL, error) ||
            !check_addr("<route gateway>", r->gateway, r->ipv6, NULL, error))
            return FALSE;
        if (r->prefix > marina_nc_addr_max_prefix(r->ipv6))
            return marina_nc_fail(error, _("<route address='%s'> prefix %u is out of range."),
                                  r->address, r->prefix);
        for (guint j = 0; j < c->ips->len; j++)
            reachable = reachable || marina_net_ip_contains(c->ips->pdata[j], r->gateway);
        if (!reachable)
            return marina_nc_fail(error,
                                  _("<route gateway='%s'> is not inside any <ip> of the network; "
                                    "the gateway must be reachable on the network's bridge."),
                                  r->gateway);
    }
    return TRUE;
}

static gboolean
check_forward(const MarinaNetworkConfig *c, GError **error)
{
    if ((guint)c->forward > MARINA_NET_FORWARD_BRIDGE)
        return marina_nc_fail(error, _("The forward mode is not valid; use nat, route, open, "
                                       "bridge or none."));
    if (c->forward_dev != NULL && c->forward == MARINA_NET_FORWARD_NONE)
        return marina_nc_fail(error,
                              _("<forward dev='%s'> needs a forward mode; an isolated "
                                "network forwards to no device. Remove dev or add "
                                "mode='nat'."),
                              c->forward_dev);
    if (!check_ifname("<forward dev>", c->forward_dev, error) ||
        !check_ifname("<bridge name>", c->bridge, error))
        return FALSE;
    if ((c->nat_port_start != 0 || c->nat_port_end != 0) && c->forward != MARINA_NET_FORWARD_NAT)
        return marina_nc_fail(error, _("<nat>/<port> is only for <forward mode='nat'>; remove "
                                       "it."));
    if (c->nat_port_start != 0 || c->nat_port_end != 0) {
        if (c->nat_port_start == 0 || c->nat_port_end == 0 || c->nat_port_start > 65535 ||
            c->nat_port_end > 65535 || c->nat_port_start > c->nat_port_end)
            return marina_nc_fail(error,
                                  _("<nat>/<port start='%u' end='%u'> is not a valid port range; "
                                    "give both, 1 to 65535, start <= end, e.g. 1024 and 65535."),
                                  c->nat_port_start, c->nat_port_end);
    }
    if (c->forward != MARINA_NET_FORWARD_BRIDGE)
        return TRUE;
    /* Guests join an existing bridge: Marina makes nothing for it. */
    if (c->bridge == NULL)
        return marina_nc_fail(error, _("<forward mode='bridge'> needs the host bridge to join: add "
                                       "<bridge name='br0'/>."));
    if (c->forward_dev != NULL)
        return marina_nc_fail(error,
                              _("<forward mode='bridge' dev='%s'> (macvtap) is not supported; "
                                "name an existing host bridge with <bridge name='br0'/> "
                                "instead."),
                              c->forward_dev);
    if (c->ips->len > 0 || c->routes->len > 0 || c->port_forwards->len > 0)
        return marina_nc_fail(error,
                              _("A <forward mode='bridge'> network cannot have <ip>, <route> or "
                                "<portForward>: addresses come from the bridge's own LAN. "
                                "Remove them."));
    if (c->mac != NULL || c->dns_hosts->len > 0 || c->dns_forwarders->len > 0 || c->domain)
        return marina_nc_fail(error,
                              _("A <forward mode='bridge'> network cannot have <mac>, <domain> "
                                "or <dns> entries: Marina runs no bridge or DNS for it. Remove "
                                "them."));
    return TRUE;
}

gboolean
marina_network_config_validate(const MarinaNetworkConfig *c, GError **error)
{
    g_return_val_if_fail(c != NULL, FALSE);

    if (!marina_network_name_is_valid(c->name, error))
        return FALSE;
    if (c->uuid != NULL) {
        g_autofree char *uuid = marina_uuid_canonicalize(c->uuid);
        if (uuid == NULL)
            return marina_nc_fail(error,
                                  _("<uuid> '%s' is not a valid UUID; remove it to have one "
                                    "generated."),
                                  c->uuid);
    }
    if (!check_text("<title>", c->title, FALSE, error) ||
        !check_text("<description>", c->description, TRUE, error) || !check_forward(c, error) ||
        !check_mac("<mac address>", c->mac, error))
        return FALSE;
    if (c->mtu != 0 && (c->mtu < MARINA_NC_MIN_MTU || c->mtu > MARINA_NC_MAX_MTU))
        return marina_nc_fail(error, _("<mtu size='%u'> is out of range; use %d to %d."), c->mtu,
                              MARINA_NC_MIN_MTU, MARINA_NC_MAX_MTU);
    if (c->delay > MARINA_NC_MAX_BRIDGE_DELAY)
        return marina_nc_fail(error, _("<bridge delay='%u'> is out of range; use 0 to %d."),
                              c->delay, MARINA_NC_MAX_BRIDGE_DELAY);
    if (c->routes->len > MARINA_NC_MAX_ROUTES ||
        c->port_forwards->len > MARINA_NC_MAX_PORT_FORWARDS)
        return marina_nc_fail(error, _("The network has too many <route> or <portForward> "
                                       "elements."));
    if (!check_ips(c, error) || !marina_nc_check_dns(c, error) || !check_routes(c, error))
        return FALSE;
    for (guint i = 0; i < c->port_forwards->len; i++) {
        if (!marina_nc_check_port_forward(c, i, error))
            return FALSE;
    }
    return TRUE;
}
