#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The virtual network model: libvirt network XML (formatnetwork) parsed into
 * plain structs, validated, and written back. Shared by marinad (which builds
 * bridges, dnsmasq and nftables rules from it) and the clients (the
 * create-network assistant builds one, marinactl net-update edits one).
 *
 * Strings are owned (g_free), lists are GPtrArrays that own their elements,
 * optional strings are NULL when absent. Addresses are kept in the textual
 * form inet_pton accepts, canonicalised (inet_ntop) after parsing.
 *
 * What Marina runs (see hypervisor/network-driver.h):
 *   forward none (no <forward>): isolated; guests reach each other and the
 *     host's address on the bridge, nothing else.
 *   nat: isolated plus masquerading out of any host interface, or only
 *     <forward dev=>; <nat><port start= end=/></nat> limits source ports.
 *   route: forwarded without NAT (the outside needs a route back).
 *   open: Marina adds no firewall rules at all.
 *   bridge: guests join an existing host bridge <bridge name=>; Marina makes
 *     no bridge, no dnsmasq, no rules (no <ip> allowed).
 * <portForward> is Marina's own element (not libvirt's; written back as is):
 *   <portForward proto='tcp' address='HOSTADDR' guest='192.168.122.10'>
 *     <range start='2222' end='2222' to='22'/>
 *   </portForward>
 * forwards host ports start..end (address optional: every host address) to
 * the guest's ports to..to+(end-start). On the system daemon a DNAT rule; in
 * a session, user-mode networking's hostfwd on the interface whose static
 * DHCP host has address @guest (or every interface when @guest is NULL).
 */

typedef enum {
    MARINA_NET_FORWARD_NONE, /* isolated: no <forward> */
    MARINA_NET_FORWARD_NAT,
    MARINA_NET_FORWARD_ROUTE,
    MARINA_NET_FORWARD_OPEN,
    MARINA_NET_FORWARD_BRIDGE,
} MarinaNetForwardMode;

typedef struct {
    char *mac;  /* canonical lower-case, or NULL (IPv6 hosts by id or name) */
    char *id;   /* IPv6 DUID, or NULL */
    char *name; /* hostname, or NULL */
    char *ip;   /* address, or NULL */
} MarinaNetDhcpHost;

typedef struct {
    char *start;
    char *end;
} MarinaNetDhcpRange;

typedef struct {
    gboolean ipv6;     /* <ip family='ipv6'> */
    char *address;     /* the host's address on the bridge */
    guint prefix;      /* from prefix= or netmask= */
    gboolean netmask;  /* written as netmask= (IPv4 given so) instead of prefix= */
    GPtrArray *ranges; /* MarinaNetDhcpRange*: <dhcp><range> */
    GPtrArray *hosts;  /* MarinaNetDhcpHost*: <dhcp><host> */
    char *tftp_root;   /* <tftp root=>, or NULL */
    char *bootp_file;  /* <dhcp><bootp file=>, or NULL */
} MarinaNetIp;

typedef struct {
    char *ip;
    GPtrArray *hostnames; /* char* */
} MarinaNetDnsHost;

typedef struct {
    gboolean ipv6; /* family */
    char *address; /* destination network */
    guint prefix;
    char *gateway;
} MarinaNetRoute;

typedef struct {
    char *proto;   /* "tcp" or "udp" */
    char *address; /* host address to listen on, or NULL for all */
    char *guest;   /* guest address, or NULL (session: every guest interface) */
    guint start;   /* host ports start..end (end = start when absent) */
    guint end;
    guint to; /* first guest port (= start when absent) */
} MarinaNetPortForward;

typedef struct {
    char *name;
    char *uuid; /* canonical; generated if absent */
    char *title;
    char *description;
    gboolean ipv6_internal; /* <network ipv6='yes'>: guest-to-guest IPv6 without <ip> */

    MarinaNetForwardMode forward;
    char *forward_dev;    /* <forward dev=>: the only host interface to NAT / route to */
    guint nat_port_start; /* <nat><port start= end=/>; 0 = QEMU/libvirt default 1024-65535 */
    guint nat_port_end;

    char *bridge; /* <bridge name=>; NULL = the daemon picks virbrN / mbrN */
    gboolean stp; /* <bridge stp=>, default on */
    guint delay;  /* <bridge delay=> seconds */
    char *mac;    /* <mac address=> of the bridge, or NULL */
    guint mtu;    /* <mtu size=>, 0 = default */

    char *domain;              /* <domain name=> DNS domain, or NULL */
    gboolean domain_local;     /* <domain localOnly='yes'> */
    gboolean dns_enabled;      /* <dns enable=>, default on */
    GPtrArray *dns_hosts;      /* MarinaNetDnsHost* */
    GPtrArray *dns_forwarders; /* char* addresses: <dns><forwarder addr=> */

    GPtrArray *ips;           /* MarinaNetIp* (at most one IPv4 and one IPv6 with DHCP) */
    GPtrArray *routes;        /* MarinaNetRoute* */
    GPtrArray *port_forwards; /* MarinaNetPortForward* */
} MarinaNetworkConfig;

/* Largest network XML document accepted, in bytes. */
#define MARINA_NETWORK_XML_MAX (256 * 1024)

/* Parse and validate; warnings (char*, may be NULL) as for domains: one
 * sentence per element or attribute ignored, naming it. Errors
 * MARINA_ERROR_INVALID_CONFIG name the element and the reason, e.g. "DHCP
 * range 192.168.122.2 - 192.168.123.254 is outside the network
 * 192.168.122.0/24." Hardened like the domain reader (no network, no
 * entities, size limit). */
MarinaNetworkConfig *marina_network_config_parse(const char *xml, gssize len, GPtrArray *warnings,
                                                 GError **error);
gboolean marina_network_config_validate(const MarinaNetworkConfig *config, GError **error);
char *marina_network_config_to_xml(const MarinaNetworkConfig *config);

MarinaNetworkConfig *marina_network_config_new(void);
MarinaNetworkConfig *marina_network_config_copy(const MarinaNetworkConfig *config);
void marina_network_config_free(MarinaNetworkConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetworkConfig, marina_network_config_free)

/* Names as libvirt takes them for networks: 1..64 bytes of UTF-8, no '/',
 * no control characters, not "." or "..". */
gboolean marina_network_name_is_valid(const char *name, GError **error);

/* "nat", "route", "open", "bridge", "none". */
const char *marina_net_forward_mode_name(MarinaNetForwardMode mode);

/* The first IPv4 / IPv6 <ip>, or NULL. */
MarinaNetIp *marina_network_config_get_ipv4(const MarinaNetworkConfig *config);
MarinaNetIp *marina_network_config_get_ipv6(const MarinaNetworkConfig *config);

/* Whether two networks cannot both run: overlapping subnets or the same
 * bridge name. Sets MARINA_ERROR_ALREADY_EXISTS naming both networks and what
 * they share ("Network 'lab' uses 192.168.122.0/24, which overlaps network
 * 'default' (192.168.122.0/24). Choose another address range."). */
gboolean marina_network_config_check_conflict(const MarinaNetworkConfig *config,
                                              const MarinaNetworkConfig *other, GError **error);

/* Whether @address lies in @ip's subnet. */
gboolean marina_net_ip_contains(const MarinaNetIp *ip, const char *address);

/* The static DHCP host with @mac (any <ip>), or NULL. */
const MarinaNetDhcpHost *marina_network_config_find_host(const MarinaNetworkConfig *config,
                                                         const char *mac);

/*
 * virsh net-update on a config: @command "add-first", "add-last", "add",
 * "delete", "modify"; @section "ip-dhcp-host", "ip-dhcp-range", "dns-host",
 * "port-forward"; @parent_index the <ip> (-1: the first of the family the
 * element's address belongs to); @xml one <host>, <range> or <portForward>.
 * Matching for delete / modify: a host by MAC (else id, else name), a range
 * by start and end, a DNS host by ip, a port forward by proto and start. The
 * result is validated; on error @config is unchanged.
 */
gboolean marina_network_config_update(MarinaNetworkConfig *config, const char *command,
                                      const char *section, int parent_index, const char *xml,
                                      GError **error);

/* The default network every daemon defines on first start: "default",
 * NAT, bridge virbr0 on the system daemon, 192.168.122.1/24 with DHCP
 * .2 - .254 (the same as libvirt's). */
MarinaNetworkConfig *marina_network_config_new_default(void);

G_END_DECLS
