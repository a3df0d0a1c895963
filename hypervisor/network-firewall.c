#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "core/error.h"
#include "network-driver-private.h"

/* QEMU / libvirt's source ports for masquerading when <nat><port> is absent. */
#define NAT_PORT_START 1024
#define NAT_PORT_END 65535

char *
marina_net_firewall_table_name(const char *bridge)
{
    return g_strconcat("marina-net-", bridge, NULL);
}

/* "ip" or "ip6": nftables' word for the family of @ip. */
static const char *
family(gboolean ipv6)
{
    return ipv6 ? "ip6" : "ip";
}

/* DHCP and DNS from the guests to dnsmasq, whatever the host's own rules
 * accept (as libvirt does). */
static void
append_input(GString *s, const MarinaNetworkConfig *config, const char *bridge)
{
    g_string_append_printf(s,
                           "    chain input {\n"
                           "        type filter hook input priority filter; policy accept;\n"
                           "        iifname \"%s\" udp dport { 53, 67 } accept\n"
                           "        iifname \"%s\" tcp dport 53 accept\n",
                           bridge, bridge);
    if (marina_net_config_ip(config, TRUE) != NULL)
        g_string_append_printf(s, "        iifname \"%s\" udp dport 547 accept\n", bridge);
    g_string_append(s, "    }\n");
}

/* "oifname \"eth0\" " when NAT / routing is limited to <forward dev>. */
static char *
out_dev(const MarinaNetworkConfig *config)
{
    if (config->forward_dev == NULL || !marina_net_ifname_is_valid(config->forward_dev))
        return g_strdup("");
    return g_strdup_printf("oifname \"%s\" ", config->forward_dev);
}

static char *
in_dev(const MarinaNetworkConfig *config)
{
    if (config->forward_dev == NULL || !marina_net_ifname_is_valid(config->forward_dev))
        return g_strdup("");
    return g_strdup_printf("iifname \"%s\" ", config->forward_dev);
}

/* Whether @pf can be written as rules: a guest address, tcp / udp, ports
 * in range; *@ipv6 set to the guest's family. */
static gboolean
port_forward_ok(const MarinaNetPortForward *pf, gboolean *ipv6)
{
    *ipv6 = pf->guest != NULL && strchr(pf->guest, ':') != NULL;
    if (pf->guest == NULL || !marina_net_address_is_valid(pf->guest, *ipv6) || pf->proto == NULL ||
        !(g_str_equal(pf->proto, "tcp") || g_str_equal(pf->proto, "udp")))
        return FALSE;
    if (pf->start == 0 || pf->end < pf->start || pf->to == 0 ||
        pf->to + (pf->end - pf->start) > 65535)
        return FALSE;
    /* The host address must be of the guest's family. */
    return pf->address == NULL || marina_net_address_is_valid(pf->address, *ipv6);
}

/* Port forwards: the guest's port let through, before the rejects. */
static void
append_forward_ports(GString *s, const MarinaNetworkConfig *config, const char *bridge)
{
    for (guint i = 0; config->port_forwards != NULL && i < config->port_forwards->len; i++) {
        const MarinaNetPortForward *pf = g_ptr_array_index(config->port_forwards, i);
        gboolean ipv6;
        guint last;

        if (!port_forward_ok(pf, &ipv6))
            continue;
        last = pf->to + (pf->end - pf->start);
        g_string_append_printf(s,
                               "        oifname \"%s\" %s daddr %s %s dport %u-%u ct status dnat "
                               "accept\n",
                               bridge, family(ipv6), pf->guest, pf->proto, pf->to, last);
    }
}

/* The forward chain: what may cross the bridge for each mode. */
static void
append_forward(GString *s, const MarinaNetworkConfig *config, const char *bridge)
{
    g_autofree char *out = out_dev(config);
    g_autofree char *in = in_dev(config);

    g_string_append(s, "    chain forward {\n"
                       "        type filter hook forward priority filter; policy accept;\n");
    /* Guests on the same bridge always reach each other. */
    g_string_append_printf(s, "        iifname \"%s\" oifname \"%s\" accept\n", bridge, bridge);
    /* (An isolated network has no port forwards.) */
    if (config->forward == MARINA_NET_FORWARD_NAT || config->forward == MARINA_NET_FORWARD_ROUTE)
        append_forward_ports(s, config, bridge);
    for (guint i = 0; config->ips != NULL && i < config->ips->len; i++) {
        const MarinaNetIp *ip = g_ptr_array_index(config->ips, i);
        g_autofree char *subnet = marina_net_ip_subnet(ip);
        const char *f = family(ip->ipv6);

        if (subnet == NULL)
            continue;
        if (config->forward == MARINA_NET_FORWARD_NAT && !ip->ipv6) {
            /* Masqueraded: only answers come back in. */
            g_string_append_printf(s,
                                   "        %soifname \"%s\" %s daddr %s ct state "
                                   "established,related accept\n",
                                   in, bridge, f, subnet);
            g_string_append_printf(s, "        iifname \"%s\" %s%s saddr %s accept\n", bridge, out,
                                   f, subnet);
        } else if (config->forward == MARINA_NET_FORWARD_NAT ||
                   config->forward == MARINA_NET_FORWARD_ROUTE) {
            /* Routed (and IPv6 on a NAT network, which libvirt routes too). */
            g_string_append_printf(s, "        %soifname \"%s\" %s daddr %s accept\n", in, bridge,
                                   f, subnet);
            g_string_append_printf(s, "        iifname \"%s\" %s%s saddr %s accept\n", bridge, out,
                                   f, subnet);
        }
    }
    /* Everything else to or from the bridge is refused. */
    g_string_append_printf(s,
                           "        oifname \"%s\" reject\n"
                           "        iifname \"%s\" reject\n"
                           "    }\n",
                           bridge, bridge);
}

gboolean
marina_net_firewall_forwards_ipv4(const MarinaNetworkConfig *config)
{
    gboolean ipv6;

    if (config->forward != MARINA_NET_FORWARD_NAT && config->forward != MARINA_NET_FORWARD_ROUTE)
        return FALSE;
    for (guint i = 0; config->port_forwards != NULL && i < config->port_forwards->len; i++) {
        if (port_forward_ok(g_ptr_array_index(config->port_forwards, i), &ipv6) && !ipv6)
            return TRUE;
    }
    return FALSE;
}

static void
append_postrouting(GString *s, const MarinaNetworkConfig *config, const char *bridge)
{
    const MarinaNetIp *ip = marina_net_config_ip(config, FALSE);
    g_autofree char *subnet = ip != NULL ? marina_net_ip_subnet(ip) : NULL;
    g_autofree char *out = out_dev(config);
    guint start = config->nat_port_start != 0 ? config->nat_port_start : NAT_PORT_START;
    guint end = config->nat_port_end != 0 ? config->nat_port_end : NAT_PORT_END;
    gboolean nat = config->forward == MARINA_NET_FORWARD_NAT && subnet != NULL;
    gboolean local = marina_net_firewall_forwards_ipv4(config);

    if (!nat && !local)
        return;
    if (end < start || end > 65535)
        end = NAT_PORT_END, start = NAT_PORT_START;
    g_string_append(s, "    chain postrouting {\n"
                       "        type nat hook postrouting priority srcnat; policy accept;\n");
    /* A forwarded port used from the host's loopback address: the guest
     * answers the bridge's address instead (with route_localnet on). */
    if (local)
        g_string_append_printf(s, "        oifname \"%s\" ip saddr 127.0.0.0/8 masquerade\n",
                               bridge);
    if (nat)
        g_string_append_printf(
            s,
            /* Multicast and broadcast stay as they are (as libvirt has it). */
            "        ip saddr %s ip daddr 224.0.0.0/24 return\n"
            "        ip saddr %s ip daddr 255.255.255.255 return\n"
            "        %sip saddr %s ip daddr != %s meta l4proto { tcp, udp } masquerade to "
            ":%u-%u\n"
            "        %sip saddr %s ip daddr != %s masquerade\n",
            subnet, subnet, out, subnet, subnet, start, end, out, subnet, subnet);
    g_string_append(s, "    }\n");
}

gboolean
marina_net_localnet_enable(const char *bridge, GError **error)
{
    g_autofree char *path = NULL;

    if (!marina_net_ifname_is_valid(bridge))
        return TRUE;
    path = g_strdup_printf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
    return marina_net_write_sysctl(path, "1\n", error);
}

/* DNAT rules for the port forwards, in a chain of @hook. */
static void
append_dnat(GString *s, const MarinaNetworkConfig *config, const char *chain, const char *hook,
            const char *priority)
{
    gboolean any = FALSE;

    for (guint i = 0; config->port_forwards != NULL && i < config->port_forwards->len; i++) {
        const MarinaNetPortForward *pf = g_ptr_array_index(config->port_forwards, i);
        gboolean ipv6;
        g_autofree char *match = NULL;
        g_autofree char *target = NULL;

        if (!port_forward_ok(pf, &ipv6))
            continue;
        if (!any)
            g_string_append_printf(s,
                                   "    chain %s {\n"
                                   "        type nat hook %s priority %s; policy accept;\n",
                                   chain, hook, priority);
        any = TRUE;
        match = pf->address != NULL ? g_strdup_printf("%s daddr %s", family(ipv6), pf->address)
                                    : g_strdup("fib daddr type local");
        if (pf->to == pf->start) {
            target = ipv6 ? g_strdup_printf("[%s]", pf->guest) : g_strdup(pf->guest);
        } else {
            /* Each host port to its own guest port. */
            GString *map = g_string_new(NULL);

            for (guint p = pf->start; p <= pf->end; p++)
                g_string_append_printf(map, "%s%u : %u", p == pf->start ? "" : ", ", p,
                                       pf->to + (p - pf->start));
            target = g_strdup_printf("%s : %s dport map { %s }", pf->guest, pf->proto, map->str);
            g_string_free(map, TRUE);
        }
        if (pf->start == pf->end)
            g_string_append_printf(s, "        %s %s dport %u dnat %s to %s\n", match, pf->proto,
                                   pf->start, family(ipv6), target);
        else
            g_string_append_printf(s, "        %s %s dport %u-%u dnat %s to %s\n", match, pf->proto,
                                   pf->start, pf->end, family(ipv6), target);
    }
    if (any)
        g_string_append(s, "    }\n");
}

char *
marina_net_firewall_ruleset(const MarinaNetworkConfig *config, const char *bridge)
{
    g_autofree char *table = NULL;
    GString *s;

    if (config->forward == MARINA_NET_FORWARD_OPEN ||
        config->forward == MARINA_NET_FORWARD_BRIDGE || !marina_net_ifname_is_valid(bridge))
        return NULL;
    table = marina_net_firewall_table_name(bridge);
    /* Adding then deleting makes the load replace an old table in one
     * transaction, or make a new one. */
    s = g_string_new(NULL);
    g_string_append_printf(s, "table inet %s\ndelete table inet %s\ntable inet %s {\n", table,
                           table, table);
    append_input(s, config, bridge);
    append_forward(s, config, bridge);
    append_postrouting(s, config, bridge);
    if (config->forward != MARINA_NET_FORWARD_NONE) {
        append_dnat(s, config, "prerouting", "prerouting", "dstnat");
        /* Connections from the host itself to a forwarded port. */
        append_dnat(s, config, "output", "output", "-100");
    }
    g_string_append(s, "}\n");
    return g_string_free(s, FALSE);
}

static void
on_firewall_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    g_autofree char *err = NULL;
    GError *error = NULL;

    if (marina_net_command_finish(result, NULL, &err, &error)) {
        g_task_return_boolean(task, TRUE);
        return;
    }
    /* Deleting a table that is gone already is what was wanted. */
    if (g_task_get_source_tag(task) == marina_net_firewall_delete_async && err != NULL &&
        strstr(err, "No such file or directory") != NULL) {
        g_clear_error(&error);
        g_task_return_boolean(task, TRUE);
        return;
    }
    g_task_return_error(task, error);
}

/* Runs `nft -f -` on @input for @task, or fails it when nft is missing. */
static void
run_nft(GTask *task, const char *input, const char *what)
{
    g_autofree char *nft = marina_net_find_program("nft");

    if (nft == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                _("nft is not installed: install the nftables package."));
        g_object_unref(task);
        return;
    }
    marina_net_command_async((const char *const[]){nft, "-f", "-", NULL}, input, what,
                             g_task_get_cancellable(task), on_firewall_done, task);
}

void
marina_net_firewall_apply_async(const char *table, const char *ruleset, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_autofree char *what = g_strdup_printf(_("Could not load the firewall rules %s"), table);

    g_task_set_source_tag(task, marina_net_firewall_apply_async);
    run_nft(task, ruleset, what);
}

gboolean
marina_net_firewall_apply_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

void
marina_net_firewall_delete_async(const char *table, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_autofree char *what = g_strdup_printf(_("Could not remove the firewall rules %s"), table);
    g_autofree char *input = g_strdup_printf("delete table inet %s\n", table);

    g_task_set_source_tag(task, marina_net_firewall_delete_async);
    run_nft(task, input, what);
}

gboolean
marina_net_firewall_delete_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* The kernel's RTF_ADDRCONF: a route learnt from a router advertisement. */
#define RTF_ADDRCONF_FLAG 0x00040000u

char **
marina_net_ra_route_devices(const char *ipv6_route)
{
    g_auto(GStrv) lines = g_strsplit(ipv6_route != NULL ? ipv6_route : "", "\n", 0);
    GPtrArray *devices = g_ptr_array_new();

    for (char **l = lines; *l != NULL; l++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(*l), " \t", 0);
        GPtrArray *fields = g_ptr_array_new();
        guint64 flags = 0;
        const char *dev;

        for (char **w = f; *w != NULL; w++) {
            if (**w != '\0')
                g_ptr_array_add(fields, *w);
        }
        /* dest plen src plen next-hop metric refcnt use flags device */
        if (fields->len == 10 &&
            g_ascii_string_to_unsigned(g_ptr_array_index(fields, 8), 16, 0, G_MAXUINT32, &flags,
                                       NULL) &&
            (flags & RTF_ADDRCONF_FLAG) != 0) {
            dev = g_ptr_array_index(fields, 9);
            if (marina_net_ifname_is_valid(dev) &&
                !g_ptr_array_find_with_equal_func(devices, dev, g_str_equal, NULL))
                g_ptr_array_add(devices, g_strdup(dev));
        }
        g_ptr_array_unref(fields);
    }
    g_ptr_array_add(devices, NULL);
    return (char **)g_ptr_array_free(devices, FALSE);
}

/* Turning IPv6 forwarding on makes the kernel drop what it learnt from
 * router advertisements on interfaces with accept_ra 1: the host could
 * lose its own IPv6 routes. Refuse then, as libvirt does, naming them. */
static gboolean
check_ipv6_forwarding_safe(const MarinaNetworkConfig *config, GError **error)
{
    g_autofree char *forwarding = NULL;
    g_autofree char *routes = NULL;
    g_auto(GStrv) devices = NULL;
    g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *list = NULL;

    if (g_file_get_contents("/proc/sys/net/ipv6/conf/all/forwarding", &forwarding, NULL, NULL) &&
        g_str_equal(g_strstrip(forwarding), "1"))
        return TRUE;
    if (!g_file_get_contents("/proc/net/ipv6_route", &routes, NULL, NULL))
        return TRUE;
    devices = marina_net_ra_route_devices(routes);
    for (char **dev = devices; *dev != NULL; dev++) {
        g_autofree char *path = g_strdup_printf("/proc/sys/net/ipv6/conf/%s/accept_ra", *dev);
        g_autofree char *value = NULL;

        if (g_file_get_contents(path, &value, NULL, NULL) && !g_str_equal(g_strstrip(value), "2"))
            g_ptr_array_add(bad, g_strdup(*dev));
    }
    if (bad->len == 0)
        return TRUE;
    g_ptr_array_add(bad, NULL);
    list = g_strjoinv(", ", (char **)bad->pdata);
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                _("Network '%s' needs IPv6 forwarding, which would make this host drop the "
                  "routes it learnt from router advertisements on %s. Set accept_ra to 2 on "
                  "those interfaces first (sysctl net.ipv6.conf.<interface>.accept_ra=2), or "
                  "give the network no IPv6 address."),
                config->name, list);
    return FALSE;
}

gboolean
marina_net_forwarding_enable(const MarinaNetworkConfig *config, GError **error)
{
    gboolean ipv6 = marina_net_config_ip(config, TRUE) != NULL;

    if (config->forward != MARINA_NET_FORWARD_NAT && config->forward != MARINA_NET_FORWARD_ROUTE)
        return TRUE;
    if (ipv6 && !check_ipv6_forwarding_safe(config, error))
        return FALSE;
    if (!marina_net_write_sysctl("/proc/sys/net/ipv4/ip_forward", "1\n", error))
        return FALSE;
    if (ipv6 && !marina_net_write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1\n", error))
        return FALSE;
    return TRUE;
}
