#pragma once

/*
 * Shared by the files of the network model, not for use elsewhere:
 *   network-config.c           new / free / copy, lookups, the default network, conflicts
 *   network-config-addr.c      addresses, prefixes, interface and DNS names
 *   network-config-read.c      the hardened reader, warnings, attributes; the elements
 *                              net-update reads on their own
 *   network-config-parse.c     XML to config (warnings for what is ignored)
 *   network-config-validate.c  the rules a config must follow
 *   network-config-check.c     ... for DNS and port forwards
 *   network-config-format.c    config to XML
 *   network-config-update.c    net-update: one <host>, <range> or <portForward> at a time
 */

#include <glib.h>
#include <libxml/tree.h>

#include "network-config.h"

G_BEGIN_DECLS

/* Hostile-input bounds: a pasted document may be anything. */
#define MARINA_NC_MAX_IPS 16
#define MARINA_NC_MAX_RANGES 64
#define MARINA_NC_MAX_HOSTS 4096
#define MARINA_NC_MAX_DNS_HOSTS 1024
#define MARINA_NC_MAX_HOSTNAMES 16
#define MARINA_NC_MAX_FORWARDERS 16
#define MARINA_NC_MAX_ROUTES 256
#define MARINA_NC_MAX_PORT_FORWARDS 256
#define MARINA_NC_MAX_WARNINGS 100
#define MARINA_NC_MAX_TEXT 4096 /* title, description, paths, file names */
#define MARINA_NC_IFNAME_MAX 15 /* IFNAMSIZ - 1 */
#define MARINA_NC_MAX_BRIDGE_DELAY 300
#define MARINA_NC_MIN_MTU 68
#define MARINA_NC_MAX_MTU 65535

/* An address in binary form: 4 bytes used for IPv4, 16 for IPv6. */
typedef struct {
    gboolean ipv6;
    guint8 bytes[16];
} MarinaNetAddr;

/* inet_pton for either family; FALSE when @text is neither. */
gboolean marina_nc_addr_parse(const char *text, MarinaNetAddr *out);
/* inet_ntop of @addr. */
char *marina_nc_addr_to_string(const MarinaNetAddr *addr);
/* The canonical text of @text, or NULL when it is not an address. */
char *marina_nc_addr_canonical(const char *text);
/* 4 or 16. */
guint marina_nc_addr_len(const MarinaNetAddr *addr);
guint marina_nc_addr_max_prefix(gboolean ipv6);
/* @addr with the bits after @prefix cleared (network) or set (broadcast). */
void marina_nc_addr_mask(const MarinaNetAddr *addr, guint prefix, gboolean set, MarinaNetAddr *out);
/* Whether the first @prefix bits of @a and @b agree (same family assumed). */
gboolean marina_nc_addr_same_prefix(const MarinaNetAddr *a, const MarinaNetAddr *b, guint prefix);
/* memcmp-style order of two addresses of the same family. */
int marina_nc_addr_compare(const MarinaNetAddr *a, const MarinaNetAddr *b);
/* "192.168.122.0/24" for @ip. */
char *marina_nc_ip_subnet_text(const MarinaNetIp *ip);

/* An IPv4 netmask to a prefix length; FALSE when not contiguous. */
gboolean marina_nc_netmask_to_prefix(const char *netmask, guint *prefix);
char *marina_nc_prefix_to_netmask(guint prefix);

/* Linux interface names: 1..15 bytes, no '/', ':', white space or control characters. */
gboolean marina_nc_ifname_is_valid(const char *name);
/* DNS names: labels of letters, digits, '-' and '_' separated by dots, at most 253 bytes. */
gboolean marina_nc_dns_name_is_valid(const char *name);

/* Validation of <domain> / <dns> and of port forward @index (network-config-check.c). */
gboolean marina_nc_check_dns(const MarinaNetworkConfig *config, GError **error);
gboolean marina_nc_check_port_forward(const MarinaNetworkConfig *config, guint index,
                                      GError **error);

/* Sets MARINA_ERROR_INVALID_CONFIG; returns FALSE. */
gboolean marina_nc_fail(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* Element constructors and destructors, for the lists. */
MarinaNetIp *marina_nc_ip_new(void);
void marina_nc_ip_free(gpointer ip);
void marina_nc_dhcp_range_free(gpointer range);
void marina_nc_dhcp_host_free(gpointer host);
void marina_nc_dns_host_free(gpointer host);
void marina_nc_route_free(gpointer route);
void marina_nc_port_forward_free(gpointer forward);
MarinaNetDhcpRange *marina_nc_dhcp_range_copy(const MarinaNetDhcpRange *range);
MarinaNetDhcpHost *marina_nc_dhcp_host_copy(const MarinaNetDhcpHost *host);
MarinaNetDnsHost *marina_nc_dns_host_copy(const MarinaNetDnsHost *host);
MarinaNetPortForward *marina_nc_port_forward_copy(const MarinaNetPortForward *forward);

/* ---- reading (network-config-read.c) ------------------------------------- */

typedef struct {
    GPtrArray *warnings; /* char*, owned; NULL: warnings are dropped */
} MarinaNcParser;

#define MARINA_NC_ATTRS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define MARINA_NC_FOR_EACH_ELEMENT(child, node)                                                    \
    for (xmlNode *child = (node)->children; child != NULL; child = child->next)                    \
        if (child->type == XML_ELEMENT_NODE)

/* A warning for the user, once per text, at most MARINA_NC_MAX_WARNINGS. */
void marina_nc_warn(MarinaNcParser *p, const char *format, ...) G_GNUC_PRINTF(2, 3);
gboolean marina_nc_node_is(const xmlNode *node, const char *name);
/* Every attribute of @node not in @allowed or @quiet (NULL-terminated, may be NULL) is reported. */
void marina_nc_warn_attrs(MarinaNcParser *p, const xmlNode *node, const char *path,
                          const char *const *allowed, const char *const *quiet);
void marina_nc_warn_element(MarinaNcParser *p, const char *parent, const xmlNode *node);
char *marina_nc_prop(const xmlNode *node, const char *name);
/* Attribute readers: absent leaves *out alone; invalid fails naming @path and @attr. */
gboolean marina_nc_read_uint(const xmlNode *node, const char *attr, const char *path, guint min,
                             guint max, guint *out, GError **error);
gboolean marina_nc_read_yes_no(const xmlNode *node, const char *attr, const char *path,
                               const char *yes, const char *no, gboolean *out, GError **error);
/* An address, canonicalised; @required fails when it is absent. */
gboolean marina_nc_read_addr(const xmlNode *node, const char *attr, const char *path,
                             gboolean required, char **out, GError **error);

/* One element of a section net-update edits; the result is not validated
 * against the rest of the network (the caller validates the whole config). */
MarinaNetDhcpHost *marina_nc_parse_dhcp_host(MarinaNcParser *p, xmlNode *node, GError **error);
MarinaNetDhcpRange *marina_nc_parse_dhcp_range(MarinaNcParser *p, xmlNode *node, GError **error);
MarinaNetDnsHost *marina_nc_parse_dns_host(MarinaNcParser *p, xmlNode *node, GError **error);
MarinaNetPortForward *marina_nc_parse_port_forward(MarinaNcParser *p, xmlNode *node,
                                                   GError **error);

/* The hardened reader for network XML and net-update fragments. */
xmlDoc *marina_nc_read_xml(const char *xml, gssize len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetIp, marina_nc_ip_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetDhcpHost, marina_nc_dhcp_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetDhcpRange, marina_nc_dhcp_range_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetDnsHost, marina_nc_dns_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetRoute, marina_nc_route_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetPortForward, marina_nc_port_forward_free)

G_END_DECLS
