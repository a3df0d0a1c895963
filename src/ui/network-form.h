/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the create-network assistant's fields mean, without GTK: subnets as
 * typed ("192.168.100.0/24"), addresses in them, the default DHCP range,
 * the network XML the fields make, and its check by the network model.
 * Every problem comes back as a message for people that names the field. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A network as typed: its network address (host bits zero) and prefix. */
typedef struct {
    gboolean ipv6;
    guint8 bytes[16];
    gsize len; /* 4 or 16 */
    guint prefix;
} MarinaNetSubnet;

/* Parses @text ("192.168.100.0/24", "fd00:100::/64") of the family @ipv6
 * into @out: NULL when it is fine, else what is wrong, starting with
 * "@field: ". Prefixes /8 to /30 (IPv4) or /120 (IPv6) are usable. */
char *marina_net_subnet_parse(const char *text, gboolean ipv6, const char *field,
                              MarinaNetSubnet *out);

/* The address @offset into @subnet (1: the host's own address). */
char *marina_net_subnet_address(const MarinaNetSubnet *subnet, guint64 offset);

/* The number of addresses in @subnet, capped at 2^32. */
guint64 marina_net_subnet_size(const MarinaNetSubnet *subnet);

/* The DHCP range offered for @subnet, as virt-manager does: IPv4 the upper
 * half up to the last address before the broadcast address (.128 - .254 in
 * a /24); IPv6 ::100 - ::1ff (or the whole subnet past the host when it is
 * smaller). */
void marina_net_subnet_dhcp_range(const MarinaNetSubnet *subnet, char **start, char **end);

/* NULL when @text is an address of the family @ipv6, else what is wrong,
 * starting with "@field: ". */
char *marina_net_address_problem(const char *text, gboolean ipv6, const char *field);

/* NULL when @name can name a new network (valid, not in @taken), else why
 * not, starting with "Name: ". */
char *marina_net_name_problem(const char *name, const char *const *taken);

/* The fields of the assistant, checked one by one already. */
typedef struct {
    const char *name;
    const MarinaNetSubnet *ipv4; /* NULL: no IPv4 */
    const char *dhcp_start;      /* NULL: no DHCP on IPv4 */
    const char *dhcp_end;
    const MarinaNetSubnet *ipv6; /* NULL: no IPv6 */
    const char *dhcp6_start;     /* NULL: no DHCPv6 */
    const char *dhcp6_end;
    const char *forward;     /* "nat", "route", "open"; NULL or "none": isolated */
    const char *forward_dev; /* NULL: any device */
    const char *bridge;      /* NULL: the daemon picks one */
} MarinaNetForm;

/* The network @form describes, as libvirt network XML (the host takes the
 * first address of each subnet). */
char *marina_net_form_to_xml(const MarinaNetForm *form);

/* Reads @xml back with the network model (parse and validate) and checks it
 * against @running (MarinaNetworkConfig* of running networks, may be NULL):
 * NULL when it is fine, else the model's message (it names the element, the
 * address or the network it overlaps). */
char *marina_net_form_check(const char *xml, GPtrArray *running);

G_END_DECLS
