#define G_LOG_DOMAIN "marina-network-config"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "network-config-private.h"

/* Validation rules of the network's services: DNS (domain, hosts,
 * forwarders) and port forwards. The rest is in network-config-validate.c. */

gboolean
marina_nc_check_dns(const MarinaNetworkConfig *c, GError **error)
{
    if (c->domain != NULL && !marina_nc_dns_name_is_valid(c->domain))
        return marina_nc_fail(error,
                              _("<domain name='%s'> is not a valid DNS domain; use letters, "
                                "digits, '-' and dots, e.g. lab.example."),
                              c->domain);
    if (c->domain_local && c->domain == NULL)
        return marina_nc_fail(error, _("<domain localOnly='yes'> needs a name; add e.g. "
                                       "name='lab.example'."));
    /* dnsmasq answers no DNS at all then: hosts and forwarders would be ignored silently. */
    if (!c->dns_enabled && (c->dns_hosts->len > 0 || c->dns_forwarders->len > 0))
        return marina_nc_fail(error, _("<dns enable='no'> cannot have <host> or <forwarder> "
                                       "entries; remove them or enable DNS."));
    if (c->dns_hosts->len > MARINA_NC_MAX_DNS_HOSTS ||
        c->dns_forwarders->len > MARINA_NC_MAX_FORWARDERS)
        return marina_nc_fail(error, _("<dns> has too many <host> or <forwarder> elements."));
    for (guint i = 0; i < c->dns_hosts->len; i++) {
        const MarinaNetDnsHost *h = c->dns_hosts->pdata[i];
        MarinaNetAddr a;

        if (!marina_nc_addr_parse(h->ip, &a))
            return marina_nc_fail(error, _("<dns>/<host ip='%s'> is not an IP address."),
                                  h->ip != NULL ? h->ip : "");
        if (h->hostnames == NULL || h->hostnames->len == 0)
            return marina_nc_fail(error,
                                  _("<dns>/<host ip='%s'> has no <hostname>; add one, e.g. "
                                    "<hostname>web1</hostname>."),
                                  h->ip);
        for (guint j = 0; j < h->hostnames->len; j++) {
            const char *name = h->hostnames->pdata[j];
            if (!marina_nc_dns_name_is_valid(name))
                return marina_nc_fail(error,
                                      _("<dns>/<host ip='%s'>/<hostname> '%s' is not a valid "
                                        "host name; use letters, digits, '-' and dots."),
                                      h->ip, name);
        }
        for (guint j = 0; j < i; j++) {
            if (g_strcmp0(((MarinaNetDnsHost *)c->dns_hosts->pdata[j])->ip, h->ip) == 0)
                return marina_nc_fail(error,
                                      _("<dns>/<host ip='%s'> appears twice; list every "
                                        "<hostname> of that address in one <host>."),
                                      h->ip);
        }
    }
    for (guint i = 0; i < c->dns_forwarders->len; i++) {
        MarinaNetAddr a;
        if (!marina_nc_addr_parse(c->dns_forwarders->pdata[i], &a))
            return marina_nc_fail(error, _("<dns>/<forwarder addr='%s'> is not an IP address."),
                                  (const char *)c->dns_forwarders->pdata[i]);
    }
    return TRUE;
}

gboolean
marina_nc_check_port_forward(const MarinaNetworkConfig *c, guint index, GError **error)
{
    const MarinaNetPortForward *f = c->port_forwards->pdata[index];
    MarinaNetAddr a, g;
    gboolean inside = FALSE;

    if (g_strcmp0(f->proto, "tcp") != 0 && g_strcmp0(f->proto, "udp") != 0)
        return marina_nc_fail(error,
                              _("<portForward proto='%s'> is not supported; use tcp or udp."),
                              f->proto != NULL ? f->proto : "");
    if (f->address != NULL && !marina_nc_addr_parse(f->address, &a))
        return marina_nc_fail(error, _("<portForward address='%s'> is not an IP address."),
                              f->address);
    if (f->start < 1 || f->start > 65535 || f->end < f->start || f->end > 65535)
        return marina_nc_fail(error,
                              _("<portForward> ports %u - %u are not valid; use ports 1 to 65535 "
                                "with start <= end."),
                              f->start, f->end);
    if (f->to < 1 || f->to + (f->end - f->start) > 65535)
        return marina_nc_fail(error,
                              _("<portForward> to='%u' is not valid: the guest ports %u - %u must "
                                "lie in 1 to 65535."),
                              f->to, f->to, f->to + (f->end - f->start));
    if (f->guest != NULL && f->address != NULL && marina_nc_addr_parse(f->guest, &g) &&
        g.ipv6 != a.ipv6)
        return marina_nc_fail(error,
                              _("<portForward address='%s' guest='%s'> mixes IPv4 and IPv6; "
                                "forward to a guest address of the same family."),
                              f->address, f->guest);
    if (f->guest != NULL) {
        for (guint j = 0; j < c->ips->len; j++)
            inside = inside || marina_net_ip_contains(c->ips->pdata[j], f->guest);
        if (!inside)
            return marina_nc_fail(error,
                                  _("<portForward guest='%s'> is not inside any <ip> of the "
                                    "network; give the guest's address on this network."),
                                  f->guest);
    }
    for (guint j = 0; j < index; j++) {
        const MarinaNetPortForward *o = c->port_forwards->pdata[j];
        gboolean same_addr =
            f->address == NULL || o->address == NULL || g_str_equal(f->address, o->address);
        if (g_str_equal(f->proto, o->proto) && same_addr && f->start <= o->end &&
            o->start <= f->end)
            return marina_nc_fail(error,
                                  _("<portForward> %s ports %u - %u overlap another forward of "
                                    "ports %u - %u; each host port can be forwarded once."),
                                  f->proto, f->start, f->end, o->start, o->end);
    }
    return TRUE;
}
