/* Network configurations built in code for the network driver's tests (unit
 * and integration), so they do not depend on the XML reader. */
#pragma once

#include <glib.h>
#include <string.h>

#include "core/network-config.h"

static inline void
fixture_host_free(MarinaNetDhcpHost *h)
{
    g_free(h->mac);
    g_free(h->id);
    g_free(h->name);
    g_free(h->ip);
    g_free(h);
}

static inline void
fixture_range_free(MarinaNetDhcpRange *r)
{
    g_free(r->start);
    g_free(r->end);
    g_free(r);
}

static inline void
fixture_ip_free(MarinaNetIp *ip)
{
    g_free(ip->address);
    g_ptr_array_unref(ip->ranges);
    g_ptr_array_unref(ip->hosts);
    g_free(ip->tftp_root);
    g_free(ip->bootp_file);
    g_free(ip);
}

static inline void
fixture_dns_host_free(MarinaNetDnsHost *h)
{
    g_free(h->ip);
    g_ptr_array_unref(h->hostnames);
    g_free(h);
}

static inline void
fixture_route_free(MarinaNetRoute *r)
{
    g_free(r->address);
    g_free(r->gateway);
    g_free(r);
}

static inline void
fixture_add_route(MarinaNetworkConfig *c, const char *address, guint prefix, const char *gateway)
{
    MarinaNetRoute *r = g_new0(MarinaNetRoute, 1);

    r->ipv6 = strchr(address, ':') != NULL;
    r->address = g_strdup(address);
    r->prefix = prefix;
    r->gateway = g_strdup(gateway);
    g_ptr_array_add(c->routes, r);
}

static inline void
fixture_port_forward_free(MarinaNetPortForward *pf)
{
    g_free(pf->proto);
    g_free(pf->address);
    g_free(pf->guest);
    g_free(pf);
}

static inline void
fixture_config_free(MarinaNetworkConfig *c)
{
    g_free(c->name);
    g_free(c->uuid);
    g_free(c->title);
    g_free(c->description);
    g_free(c->forward_dev);
    g_free(c->bridge);
    g_free(c->mac);
    g_free(c->domain);
    g_ptr_array_unref(c->dns_hosts);
    g_ptr_array_unref(c->dns_forwarders);
    g_ptr_array_unref(c->ips);
    g_ptr_array_unref(c->routes);
    g_ptr_array_unref(c->port_forwards);
    g_free(c);
}

/* An <ip> with a DHCP range when @start is not NULL. */
static inline MarinaNetIp *
fixture_add_ip(MarinaNetworkConfig *c, const char *address, guint prefix, const char *start,
               const char *end)
{
    MarinaNetIp *ip = g_new0(MarinaNetIp, 1);

    ip->ipv6 = strchr(address, ':') != NULL;
    ip->address = g_strdup(address);
    ip->prefix = prefix;
    ip->ranges = g_ptr_array_new_with_free_func((GDestroyNotify)fixture_range_free);
    ip->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)fixture_host_free);
    if (start != NULL) {
        MarinaNetDhcpRange *r = g_new0(MarinaNetDhcpRange, 1);

        r->start = g_strdup(start);
        r->end = g_strdup(end);
        g_ptr_array_add(ip->ranges, r);
    }
    g_ptr_array_add(c->ips, ip);
    return ip;
}

static inline void
fixture_add_host(MarinaNetIp *ip, const char *mac, const char *id, const char *name,
                 const char *address)
{
    MarinaNetDhcpHost *h = g_new0(MarinaNetDhcpHost, 1);

    h->mac = g_strdup(mac);
    h->id = g_strdup(id);
    h->name = g_strdup(name);
    h->ip = g_strdup(address);
    g_ptr_array_add(ip->hosts, h);
}

static inline void
fixture_add_dns_host(MarinaNetworkConfig *c, const char *address, const char *name1,
                     const char *name2)
{
    MarinaNetDnsHost *h = g_new0(MarinaNetDnsHost, 1);

    h->ip = g_strdup(address);
    h->hostnames = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(h->hostnames, g_strdup(name1));
    if (name2 != NULL)
        g_ptr_array_add(h->hostnames, g_strdup(name2));
    g_ptr_array_add(c->dns_hosts, h);
}

static inline void
fixture_add_port_forward(MarinaNetworkConfig *c, const char *proto, const char *address,
                         const char *guest, guint start, guint end, guint to)
{
    MarinaNetPortForward *pf = g_new0(MarinaNetPortForward, 1);

    pf->proto = g_strdup(proto);
    pf->address = g_strdup(address);
    pf->guest = g_strdup(guest);
    pf->start = start;
    pf->end = end;
    pf->to = to;
    g_ptr_array_add(c->port_forwards, pf);
}

/* An empty network @name in @mode on @bridge (NULL: the driver picks). */
static inline MarinaNetworkConfig *
fixture_config_new(const char *name, MarinaNetForwardMode mode, const char *bridge)
{
    MarinaNetworkConfig *c = g_new0(MarinaNetworkConfig, 1);

    c->name = g_strdup(name);
    c->forward = mode;
    c->bridge = g_strdup(bridge);
    c->stp = TRUE;
    c->dns_enabled = TRUE;
    c->dns_hosts = g_ptr_array_new_with_free_func((GDestroyNotify)fixture_dns_host_free);
    c->dns_forwarders = g_ptr_array_new_with_free_func(g_free);
    c->ips = g_ptr_array_new_with_free_func((GDestroyNotify)fixture_ip_free);
    c->routes = g_ptr_array_new_with_free_func((GDestroyNotify)fixture_route_free);
    c->port_forwards = g_ptr_array_new_with_free_func((GDestroyNotify)fixture_port_forward_free);
    return c;
}

/* libvirt's default network: NAT, 192.168.122.1/24, DHCP .2 - .254. */
static inline MarinaNetworkConfig *
fixture_default_network(const char *bridge)
{
    MarinaNetworkConfig *c = fixture_config_new("default", MARINA_NET_FORWARD_NAT, bridge);

    fixture_add_ip(c, "192.168.122.1", 24, "192.168.122.2", "192.168.122.254");
    return c;
}
