#define G_LOG_DOMAIN "marina-network-config"

#include "config.h"

#include <glib/gi18n.h>
#include <libxml/tree.h>
#include <string.h>

#include "domain-config.h"
#include "error.h"
#include "network-config-private.h"
#include "xml-util.h"

/* libvirt network XML (formatnetwork) to MarinaNetworkConfig. What Marina
 * does not run is reported as a warning naming the element or attribute;
 * what cannot be read fails naming the element. Validation follows
 * (network-config-validate.c). */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/* ---- the top-level elements ---------------------------------------------- */

typedef struct {
    MarinaNcParser base;
    MarinaNetworkConfig *cfg;
    guint seen; /* bit per singleton element */
} Parser;

static gboolean
take_text(xmlNode *node, char **slot, GError **error)
{
    g_free(*slot);
    *slot = marina_xml_text(node);
    return TRUE;
}

static gboolean
parse_name(Parser *p, xmlNode *node, GError **error)
{
    return take_text(node, &p->cfg->name, error);
}

static gboolean
parse_uuid(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *text = marina_xml_text(node);

    p->cfg->uuid = marina_uuid_canonicalize(text);
    if (p->cfg->uuid == NULL)
        return marina_nc_fail(error,
                              _("<uuid> '%s' is not a valid UUID; write 32 hexadecimal digits, "
                                "or leave <uuid> out to have one generated."),
                              text != NULL ? text : "");
    return TRUE;
}

static gboolean
parse_title(Parser *p, xmlNode *node, GError **error)
{
    return take_text(node, &p->cfg->title, error);
}

static gboolean
parse_description(Parser *p, xmlNode *node, GError **error)
{
    return take_text(node, &p->cfg->description, error);
}

static const char *const forward_modes[] = {"none", "nat", "route", "open", "bridge", NULL};

static gboolean
parse_forward_mode(Parser *p, const char *mode, GError **error)
{
    for (guint i = 1; forward_modes[i] != NULL; i++) {
        if (g_str_equal(mode, forward_modes[i])) {
            p->cfg->forward = (MarinaNetForwardMode)i;
            return TRUE;
        }
    }
    return marina_nc_fail(error,
                          _("<forward mode='%s'> is not supported by Marina; use nat, route, "
                            "open or bridge, or leave out <forward> for an isolated network."),
                          mode);
}

static gboolean
parse_nat(Parser *p, xmlNode *node, GError **error)
{
    marina_nc_warn_attrs(&p->base, node, "<forward>/<nat>", NULL, NULL);
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        if (!marina_nc_node_is(child, "port")) {
            marina_nc_warn_element(&p->base, "<forward>/<nat>", child);
            continue;
        }
        marina_nc_warn_attrs(&p->base, child, "<nat>/<port>", MARINA_NC_ATTRS("start", "end"),
                             NULL);
        if (!marina_nc_read_uint(child, "start", "<nat>/<port>", 1, 65535, &p->cfg->nat_port_start,
                                 error) ||
            !marina_nc_read_uint(child, "end", "<nat>/<port>", 1, 65535, &p->cfg->nat_port_end,
                                 error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_forward(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *mode = marina_nc_prop(node, "mode");
    gboolean have_interface = FALSE;

    marina_nc_warn_attrs(&p->base, node, "<forward>", MARINA_NC_ATTRS("mode", "dev"), NULL);
    p->cfg->forward = MARINA_NET_FORWARD_NAT; /* libvirt's default mode */
    if (mode != NULL && !parse_forward_mode(p, mode, error))
        return FALSE;
    p->cfg->forward_dev = marina_nc_prop(node, "dev");
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        if (marina_nc_node_is(child, "nat")) {
            if (!parse_nat(p, child, error))
                return FALSE;
        } else if (marina_nc_node_is(child, "interface")) {
            g_autofree char *dev = marina_nc_prop(child, "dev");

            /* libvirt writes connections= on a running network's interfaces. */
            marina_nc_warn_attrs(&p->base, child, "<forward>/<interface>", MARINA_NC_ATTRS("dev"),
                                 MARINA_NC_ATTRS("connections"));
            if (have_interface) {
                marina_nc_warn(&p->base,
                               _("Ignoring <forward>/<interface dev='%s'>: Marina forwards "
                                 "through one device, the first listed."),
                               dev != NULL ? dev : "");
                continue;
            }
            have_interface = TRUE;
            if (p->cfg->forward_dev == NULL)
                p->cfg->forward_dev = g_steal_pointer(&dev);
        } else {
            marina_nc_warn_element(&p->base, "<forward>", child);
        }
    }
    return TRUE;
}

static gboolean
parse_bridge(Parser *p, xmlNode *node, GError **error)
{
    marina_nc_warn_attrs(&p->base, node, "<bridge>", MARINA_NC_ATTRS("name", "stp", "delay"), NULL);
    p->cfg->bridge = marina_nc_prop(node, "name");
    return marina_nc_read_yes_no(node, "stp", "<bridge>", "on", "off", &p->cfg->stp, error) &&
           marina_nc_read_uint(node, "delay", "<bridge>", 0, MARINA_NC_MAX_BRIDGE_DELAY,
                               &p->cfg->delay, error);
}

static gboolean
parse_mac(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *mac = marina_nc_prop(node, "address");

    marina_nc_warn_attrs(&p->base, node, "<mac>", MARINA_NC_ATTRS("address"), NULL);
    if (mac == NULL)
        return marina_nc_fail(error, _("<mac> has no address; write e.g. <mac "
                                       "address='52:54:00:0a:0b:0c'/> or remove it."));
    p->cfg->mac = marina_mac_canonicalize(g_strstrip(mac));
    if (p->cfg->mac == NULL)
        return marina_nc_fail(error,
                              _("<mac address='%s'> is not a unicast MAC address; write e.g. "
                                "52:54:00:0a:0b:0c."),
                              mac);
    return TRUE;
}

static gboolean
parse_mtu(Parser *p, xmlNode *node, GError **error)
{
    marina_nc_warn_attrs(&p->base, node, "<mtu>", MARINA_NC_ATTRS("size"), NULL);
    return marina_nc_read_uint(node, "size", "<mtu>", MARINA_NC_MIN_MTU, MARINA_NC_MAX_MTU,
                               &p->cfg->mtu, error);
}

static gboolean
parse_domain(Parser *p, xmlNode *node, GError **error)
{
    marina_nc_warn_attrs(&p->base, node, "<domain>", MARINA_NC_ATTRS("name", "localOnly"), NULL);
    p->cfg->domain = marina_nc_prop(node, "name");
    if (p->cfg->domain == NULL)
        return marina_nc_fail(error, _("<domain> has no name; write e.g. <domain "
                                       "name='lab.example'/> or remove it."));
    return marina_nc_read_yes_no(node, "localOnly", "<domain>", "yes", "no", &p->cfg->domain_local,
                                 error);
}

static gboolean
parse_forwarder(Parser *p, xmlNode *node, GError **error)
{
    g_autofree char *domain = marina_nc_prop(node, "domain");
    g_autofree char *addr = NULL;

    /* A per-domain forwarder would change meaning if kept as a general one. */
    if (domain != NULL) {
        marina_nc_warn(&p->base,
                       _("Ignoring <dns>/<forwarder domain='%s'>: Marina forwards every "
                         "query to the same servers."),
                       domain);
        return TRUE;
    }
    marina_nc_warn_attrs(&p->base, node, "<dns>/<forwarder>", MARINA_NC_ATTRS("addr"), NULL);
    if (!marina_nc_read_addr(node, "addr", "<dns>/<forwarder>", TRUE, &addr, error))
        return FALSE;
    if (p->cfg->dns_forwarders->len == MARINA_NC_MAX_FORWARDERS)
        return marina_nc_fail(error, _("<dns> has more than %d <forwarder> elements."),
                              MARINA_NC_MAX_FORWARDERS);
    g_ptr_array_add(p->cfg->dns_forwarders, g_steal_pointer(&addr));
    return TRUE;
}

static gboolean
parse_dns(Parser *p, xmlNode *node, GError **error)
{
    marina_nc_warn_attrs(&p->base, node, "<dns>", MARINA_NC_ATTRS("enable"), NULL);
    if (!marina_nc_read_yes_no(node, "enable", "<dns>", "yes", "no", &p->cfg->dns_enabled, error))
        return FALSE;
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        if (marina_nc_node_is(child, "forwarder")) {
            if (!parse_forwarder(p, child, error))
                return FALSE;
        } else if (marina_nc_node_is(child, "host")) {
            MarinaNetDnsHost *h;

            if (p->cfg->dns_hosts->len == MARINA_NC_MAX_DNS_HOSTS)
                return marina_nc_fail(error, _("<dns> has more than %d <host> elements."),
                                      MARINA_NC_MAX_DNS_HOSTS);
            h = marina_nc_parse_dns_host(&p->base, child, error);
            if (h == NULL)
                return FALSE;
            g_ptr_array_add(p->cfg->dns_hosts, h);
        } else {
            marina_nc_warn_element(&p->base, "<dns>", child);
        }
    }
    return TRUE;
}

static gboolean
parse_dhcp(Parser *p, MarinaNetIp *ip, xmlNode *node, GError **error)
{
    marina_nc_warn_attrs(&p->base, node, "<ip>/<dhcp>", NULL, NULL);
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        if (marina_nc_node_is(child, "range")) {
            MarinaNetDhcpRange *r;

            if (ip->ranges->len == MARINA_NC_MAX_RANGES)
                return marina_nc_fail(error, _("<dhcp> has more than %d <range> elements."),
                                      MARINA_NC_MAX_RANGES);
            if ((r = marina_nc_parse_dhcp_range(&p->base, child, error)) == NULL)
                return FALSE;
            g_ptr_array_add(ip->ranges, r);
        } else if (marina_nc_node_is(child, "host")) {
            MarinaNetDhcpHost *h;

            if (ip->hosts->len == MARINA_NC_MAX_HOSTS)
                return marina_nc_fail(error, _("<dhcp> has more than %d <host> elements."),
                                      MARINA_NC_MAX_HOSTS);
            if ((h = marina_nc_parse_dhcp_host(&p->base, child, error)) == NULL)
                return FALSE;
            g_ptr_array_add(ip->hosts, h);
        } else if (marina_nc_node_is(child, "bootp")) {
            marina_nc_warn_attrs(&p->base, child, "<dhcp>/<bootp>", MARINA_NC_ATTRS("file"), NULL);
            g_free(ip->bootp_file);
            ip->bootp_file = marina_nc_prop(child, "file");
        } else {
            marina_nc_warn_element(&p->base, "<ip>/<dhcp>", child);
        }
    }
    return TRUE;
}

/* <ip family= address= prefix= | netmask=>: the family must match the address. */
static gboolean
parse_ip_address(Parser *p, MarinaNetIp *ip, xmlNode *node, GError **error)
{
    g_autofree char *family = marina_nc_prop(node, "family");
    g_autofree char *netmask = marina_nc_prop(node, "netmask");
    g_autofree char *prefix = marina_nc_prop(node, "prefix");
    MarinaNetAddr a;

    if (!marina_nc_read_addr(node, "address", "<ip>", TRUE, &ip->address, error))
        return FALSE;
    marina_nc_addr_parse(ip->address, &a);
    ip->ipv6 = a.ipv6;
    if (family != NULL && !g_str_equal(family, "ipv4") && !g_str_equal(family, "ipv6"))
        return marina_nc_fail(error, _("<ip family='%s'> is not valid; use 'ipv4' or 'ipv6'."),
                              family);
    if (family != NULL && g_str_equal(family, "ipv6") != ip->ipv6)
        return marina_nc_fail(error,
                              _("<ip family='%s'> does not match its address %s; correct the "
                                "family or the address."),
                              family, ip->address);
    if (netmask != NULL && prefix != NULL)
        return marina_nc_fail(error,
                              _("<ip address='%s'> has both netmask and prefix; keep "
                                "one."),
                              ip->address);
    if (netmask != NULL) {
        if (ip->ipv6)
            return marina_nc_fail(error,
                                  _("<ip address='%s'> is IPv6, which has no netmask; write "
                                    "prefix='64' instead."),
                                  ip->address);
        if (!marina_nc_netmask_to_prefix(g_strstrip(netmask), &ip->prefix) || ip->prefix == 0)
            return marina_nc_fail(error,
                                  _("<ip netmask='%s'> is not a valid netmask; write e.g. "
                                    "255.255.255.0."),
                                  netmask);
        ip->netmask = TRUE;
        return TRUE;
    }
    if (prefix == NULL) {
        /* libvirt's default for IPv4 without a mask is the address's class;
         * every real network gives one, so ask for it instead of guessing. */
        return marina_nc_fail(error,
                              _("<ip address='%s'> has no prefix or netmask; add e.g. "
                                "prefix='%s'."),
                              ip->address, ip->ipv6 ? "64" : "24");
    }
    return marina_nc_read_uint(node, "prefix", "<ip>", 1, marina_nc_addr_max_prefix(ip->ipv6),
                               &ip->prefix, error);
}

static gboolean
parse_ip(Parser *p, xmlNode *node, GError **error)
{
    g_autoptr(MarinaNetIp) ip = marina_nc_ip_new();

    if (p->cfg->ips->len == MARINA_NC_MAX_IPS)
        return marina_nc_fail(error, _("The network has more than %d <ip> elements."),
                              MARINA_NC_MAX_IPS);
    marina_nc_warn_attrs(&p->base, node, "<ip>",
                         MARINA_NC_ATTRS("family", "address", "netmask", "prefix"), NULL);
    if (!parse_ip_address(p, ip, node, error))
        return FALSE;
    MARINA_NC_FOR_EACH_ELEMENT(child, node)
    {
        if (marina_nc_node_is(child, "dhcp")) {
            if (!parse_dhcp(p, ip, child, error))
                return FALSE;
        } else if (marina_nc_node_is(child, "tftp")) {
            marina_nc_warn_attrs(&p->base, child, "<ip>/<tftp>", MARINA_NC_ATTRS("root"), NULL);
            g_free(ip->tftp_root);
            ip->tftp_root = marina_nc_prop(child, "root");
        } else {
            marina_nc_warn_element(&p->base, "<ip>", child);
        }
    }
    g_ptr_array_add(p->cfg->ips, g_steal_pointer(&ip));
    return TRUE;
}

static gboolean
parse_route(Parser *p, xmlNode *node, GError **error)
{
    g_autoptr(MarinaNetRoute) r = g_new0(MarinaNetRoute, 1);
    g_autofree char *family = marina_nc_prop(node, "family");
    g_autofree char *netmask = marina_nc_prop(node, "netmask");
    MarinaNetAddr a;

    if (p->cfg->routes->len == MARINA_NC_MAX_ROUTES)
        return marina_nc_fail(error, _("The network has more than %d <route> elements."),
                              MARINA_NC_MAX_ROUTES);
    marina_nc_warn_attrs(&p->base, node, "<route>",
                         MARINA_NC_ATTRS("family", "address", "prefix", "netmask", "gateway"),
                         NULL);
    if (!marina_nc_read_addr(node, "address", "<route>", TRUE, &r->address, error) ||
        !marina_nc_read_addr(node, "gateway", "<route>", TRUE, &r->gateway, error))
        return FALSE;
    marina_nc_addr_parse(r->address, &a);
    r->ipv6 = a.ipv6;
    if (family != NULL && g_str_equal(family, "ipv6") != r->ipv6)
        return marina_nc_fail(error,
                              _("<route family='%s'> does not match its address %s; correct "
                                "the family or the address."),
                              family, r->address);
    if (netmask != NULL) {
        if (r->ipv6 || !marina_nc_netmask_to_prefix(g_strstrip(netmask), &r->prefix))
            return marina_nc_fail(error,
                                  _("<route netmask='%s'> is not a valid netmask; write e.g. "
                                    "prefix='24' instead."),
                                  netmask);
    } else {
        r->prefix = marina_nc_addr_max_prefix(r->ipv6); /* a host route unless given */
        if (!marina_nc_read_uint(node, "prefix", "<route>", 0, marina_nc_addr_max_prefix(r->ipv6),
                                 &r->prefix, error))
            return FALSE;
    }
    g_ptr_array_add(p->cfg->routes, g_steal_pointer(&r));
    return TRUE;
}

static gboolean
parse_port_forward(Parser *p, xmlNode *node, GError **error)
{
    MarinaNetPortForward *f;

    if (p->cfg->port_forwards->len == MARINA_NC_MAX_PORT_FORWARDS)
        return marina_nc_fail(error, _("The network has more than %d <portForward> elements."),
                              MARINA_NC_MAX_PORT_FORWARDS);
    if ((f = marina_nc_parse_port_forward(&p->base, node, error)) == NULL)
        return FALSE;
    g_ptr_array_add(p->cfg->port_forwards, f);
    return TRUE;
}

typedef gboolean (*ElementParser)(Parser *p, xmlNode *node, GError **error);

typedef struct {
    const char *name;
    ElementParser parse;
    gboolean repeats;
} ElementEntry;

static const ElementEntry network_elements[] = {
    {"name", parse_name, FALSE},
    {"uuid", parse_uuid, FALSE},
    {"title", parse_title, FALSE},
    {"description", parse_description, FALSE},
    {"forward", parse_forward, FALSE},
    {"bridge", parse_bridge, FALSE},
    {"mac", parse_mac, FALSE},
    {"mtu", parse_mtu, FALSE},
    {"domain", parse_domain, FALSE},
    {"dns", parse_dns, FALSE},
    {"ip", parse_ip, TRUE},
    {"route", parse_route, TRUE},
    {"portForward", parse_port_forward, TRUE},
};

static gboolean
parse_network(Parser *p, xmlNode *root, GError **error)
{
    /* connections= is the running network's guest count in libvirt's live XML. */
    marina_nc_warn_attrs(&p->base, root, "<network>", MARINA_NC_ATTRS("ipv6"),
                         MARINA_NC_ATTRS("connections"));
    if (!marina_nc_read_yes_no(root, "ipv6", "<network>", "yes", "no", &p->cfg->ipv6_internal,
                               error))
        return FALSE;
    MARINA_NC_FOR_EACH_ELEMENT(child, root)
    {
        guint i;

        for (i = 0; i < G_N_ELEMENTS(network_elements); i++) {
            if (marina_nc_node_is(child, network_elements[i].name))
                break;
        }
        if (i == G_N_ELEMENTS(network_elements)) {
            marina_nc_warn_element(&p->base, NULL, child);
            continue;
        }
        if (!network_elements[i].repeats && (p->seen & (1u << i)))
            return marina_nc_fail(error, _("<%s> appears more than once; keep one."), child->name);
        p->seen |= 1u << i;
        if (!network_elements[i].parse(p, child, error))
            return FALSE;
    }
    return TRUE;
}

MarinaNetworkConfig *
marina_network_config_parse(const char *xml, gssize len, GPtrArray *warnings, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) local_warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(MarinaNetworkConfig) cfg = marina_network_config_new();
    Parser p = {.base.warnings = local_warnings, .cfg = cfg};
    xmlNode *root;

    g_return_val_if_fail(xml != NULL, NULL);
    doc = marina_nc_read_xml(xml, len, error);
    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !marina_nc_node_is(root, "network")) {
        marina_nc_fail(error,
                       _("The root element is <%s>; a network description starts with "
                         "<network>."),
                       root != NULL ? (const char *)root->name : "?");
        return NULL;
    }
    if (!parse_network(&p, root, error) || !marina_network_config_validate(cfg, error))
        return NULL;
    if (cfg->uuid == NULL)
        cfg->uuid = marina_uuid_generate();
    for (guint i = 0; warnings != NULL && i < local_warnings->len; i++)
        g_ptr_array_add(warnings, g_strdup(local_warnings->pdata[i]));
    return g_steal_pointer(&cfg);
}
