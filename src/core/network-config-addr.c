#define G_LOG_DOMAIN "marina-network-config"

#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "network-config-private.h"

/* Address arithmetic (inet_pton / inet_ntop, prefixes, netmasks) and the
 * names a network uses: Linux interface names and DNS names. */

gboolean
marina_nc_addr_parse(const char *text, MarinaNetAddr *out)
{
    memset(out, 0, sizeof *out);
    if (text == NULL)
        return FALSE;
    if (inet_pton(AF_INET, text, out->bytes) == 1)
        return TRUE;
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        out->ipv6 = TRUE;
        return TRUE;
    }
    return FALSE;
}

char *
marina_nc_addr_to_string(const MarinaNetAddr *addr)
{
    char buf[INET6_ADDRSTRLEN];

    if (inet_ntop(addr->ipv6 ? AF_INET6 : AF_INET, addr->bytes, buf, sizeof buf) == NULL)
        return NULL;
    return g_strdup(buf);
}

char *
marina_nc_addr_canonical(const char *text)
{
    MarinaNetAddr a;

    if (!marina_nc_addr_parse(text, &a))
        return NULL;
    return marina_nc_addr_to_string(&a);
}

guint
marina_nc_addr_len(const MarinaNetAddr *addr)
{
    return addr->ipv6 ? 16 : 4;
}

guint
marina_nc_addr_max_prefix(gboolean ipv6)
{
    return ipv6 ? 128 : 32;
}

void
marina_nc_addr_mask(const MarinaNetAddr *addr, guint prefix, gboolean set, MarinaNetAddr *out)
{
    *out = *addr;
    for (guint bit = prefix; bit < marina_nc_addr_len(addr) * 8; bit++) {
        guint8 m = (guint8)(0x80u >> (bit % 8));
        if (set)
            out->bytes[bit / 8] |= m;
        else
            out->bytes[bit / 8] &= (guint8)~m;
    }
}

gboolean
marina_nc_addr_same_prefix(const MarinaNetAddr *a, const MarinaNetAddr *b, guint prefix)
{
    MarinaNetAddr na, nb;

    if (a->ipv6 != b->ipv6)
        return FALSE;
    marina_nc_addr_mask(a, prefix, FALSE, &na);
    marina_nc_addr_mask(b, prefix, FALSE, &nb);
    return memcmp(na.bytes, nb.bytes, marina_nc_addr_len(a)) == 0;
}

int
marina_nc_addr_compare(const MarinaNetAddr *a, const MarinaNetAddr *b)
{
    return memcmp(a->bytes, b->bytes, marina_nc_addr_len(a));
}

char *
marina_nc_ip_subnet_text(const MarinaNetIp *ip)
{
    MarinaNetAddr a, net;
    g_autofree char *text = NULL;

    if (!marina_nc_addr_parse(ip->address, &a))
        return g_strdup_printf("%s/%u", ip->address != NULL ? ip->address : "?", ip->prefix);
    marina_nc_addr_mask(&a, MIN(ip->prefix, marina_nc_addr_max_prefix(a.ipv6)), FALSE, &net);
    text = marina_nc_addr_to_string(&net);
    return g_strdup_printf("%s/%u", text, ip->prefix);
}

gboolean
marina_nc_netmask_to_prefix(const char *netmask, guint *prefix)
{
    struct in_addr in;
    guint32 mask;
    guint n = 0;

    if (netmask == NULL || inet_pton(AF_INET, netmask, &in) != 1)
        return FALSE;
    mask = ntohl(in.s_addr);
    while (n < 32 && (mask & (0x80000000u >> n)) != 0)
        n++;
    /* Contiguous: nothing set after the first zero bit. */
    if (n < 32 && (mask & (0xffffffffu >> n)) != 0)
        return FALSE;
    *prefix = n;
    return TRUE;
}

char *
marina_nc_prefix_to_netmask(guint prefix)
{
    MarinaNetAddr a = {0};

    memset(a.bytes, 0xff, 4);
    marina_nc_addr_mask(&a, MIN(prefix, 32), FALSE, &a);
    return marina_nc_addr_to_string(&a);
}

gboolean
marina_net_ip_contains(const MarinaNetIp *ip, const char *address)
{
    MarinaNetAddr net, a;

    if (ip == NULL || !marina_nc_addr_parse(ip->address, &net) ||
        !marina_nc_addr_parse(address, &a) || net.ipv6 != a.ipv6 ||
        ip->prefix > marina_nc_addr_max_prefix(a.ipv6))
        return FALSE;
    return marina_nc_addr_same_prefix(&net, &a, ip->prefix);
}

/* ---- names --------------------------------------------------------------- */

gboolean
marina_nc_ifname_is_valid(const char *name)
{
    gsize len = name != NULL ? strlen(name) : 0;

    if (len == 0 || len > MARINA_NC_IFNAME_MAX || g_str_equal(name, ".") || g_str_equal(name, ".."))
        return FALSE;
    for (const char *c = name; *c != '\0'; c++) {
        guchar u = (guchar)*c;
        if (u <= 0x20 || u >= 0x7f || *c == '/' || *c == ':')
            return FALSE;
    }
    return TRUE;
}

gboolean
marina_nc_dns_name_is_valid(const char *name)
{
    gsize len = name != NULL ? strlen(name) : 0;
    gsize label = 0;

    if (len == 0 || len > 253 || name[0] == '.' || name[0] == '-')
        return FALSE;
    for (const char *c = name; *c != '\0'; c++) {
        if (*c == '.') {
            if (label == 0 || c[-1] == '-')
                return FALSE;
            label = 0;
            continue;
        }
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_')
            return FALSE;
        if (++label > 63)
            return FALSE;
    }
    return TRUE;
}
