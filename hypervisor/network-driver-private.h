#pragma once

#include <gio/gio.h>

#include "network-driver.h"

G_BEGIN_DECLS

/*
 * The pieces network-driver.c puts together. The text builders (dnsmasq
 * configuration, hosts files, nftables ruleset, lease parsing) are pure so
 * they are tested without root; the rest runs programs (async GSubprocess).
 */

/* ---- network-util.c: programs, addresses, safe text ---- */

/* Full path of @name in PATH or the sbin directories, or NULL. */
char *marina_net_find_program(const char *name);

/* Runs @argv (argv[0] a full path) with @input on its standard input (NULL:
 * none). Fails when it does not exit with 0: "@what_failed: <what the
 * program said>". finish: @out and @err (each may be NULL) get what it
 * printed on standard output and error, whether it failed or not. */
void marina_net_command_async(const char *const *argv, const char *input, const char *what_failed,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean marina_net_command_finish(GAsyncResult *result, char **out, char **err, GError **error);

/* What a program said, as one line (its last non-empty lines joined, at
 * most a few hundred bytes), without a trailing period. */
char *marina_net_command_reason(const char *text);

/* The first IPv4 / IPv6 <ip> of @config, or NULL. */
const MarinaNetIp *marina_net_config_ip(const MarinaNetworkConfig *config, gboolean ipv6);

/* "192.168.122.0/24" for @ip (the network, not the host's address), or NULL
 * when its address does not parse. */
char *marina_net_ip_subnet(const MarinaNetIp *ip);
/* "255.255.255.0" for an IPv4 prefix. */
char *marina_net_prefix_netmask(guint prefix);
/* Whether @address is a valid IPv4 (@ipv6 FALSE) or IPv6 address. */
gboolean marina_net_address_is_valid(const char *address, gboolean ipv6);
/* Whether @address lies in @ip's subnet (same family). */
gboolean marina_net_ip_has(const MarinaNetIp *ip, const char *address);
/* Whether @text is a word safe to put in a configuration line: 1..255
 * printable ASCII bytes without spaces, quotes, ',', '#', '=', '\\', '{', '}',
 * ';' (nothing that could start another option or rule). */
gboolean marina_net_token_is_safe(const char *text);
/* Whether @name can be a Linux interface name: 1..15 bytes of
 * [A-Za-z0-9_.-], not "." or "..". */
gboolean marina_net_ifname_is_valid(const char *name);
/* Whether @mac is "xx:xx:xx:xx:xx:xx" (hex, either case). */
gboolean marina_net_mac_is_valid(const char *mac);

/* Writes @text to an existing /proc/sys file; FALSE with errno-style @error. */
gboolean marina_net_write_sysctl(const char *path, const char *text, GError **error);

/* ---- network-bridge.c ---- */

/* Whether a network interface @name exists on the host; its index or 0. */
guint marina_net_link_index(const char *name);
/* The first "virbrN" not in @in_use and not on the host. */
char *marina_net_bridge_pick_name(const char *const *in_use);
/* The `ip -batch` lines that set the bridge up after `ip link add`: STP,
 * MAC, MTU, addresses (IPv6 with nodad), up. */
char *marina_net_bridge_setup_text(const MarinaNetworkConfig *config, const char *bridge);
/* Whether `ip -j -d link show` printed @json for a bridge. */
gboolean marina_net_link_json_is_bridge(const char *json);
/* Creates @bridge and sets it up; fails clearly when it exists already. */
void marina_net_bridge_create_async(const MarinaNetworkConfig *config, const char *bridge,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean marina_net_bridge_create_finish(GAsyncResult *result, GError **error);
/* Deletes @bridge; one already gone is no error, an interface that is not
 * a bridge is left alone (an error). */
void marina_net_bridge_delete_async(const char *bridge, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_net_bridge_delete_finish(GAsyncResult *result, GError **error);

/* ---- network-dnsmasq.c ---- */

typedef struct {
    char *conf;
    char *hosts;      /* dhcp-hostsfile */
    char *addn_hosts; /* DNS hosts */
    char *pid;
    char *leases;
} MarinaNetDnsmasqPaths;

/* The files of dnsmasq for the configuration file @conf ("<dir>/<bridge>.conf"). */
void marina_net_dnsmasq_paths_init(MarinaNetDnsmasqPaths *paths, const char *conf);
void marina_net_dnsmasq_paths_clear(MarinaNetDnsmasqPaths *paths);

/* Whether @config needs a dnsmasq: DNS on, or any <ip> with DHCP. */
gboolean marina_net_dnsmasq_needed(const MarinaNetworkConfig *config);
/* dnsmasq's configuration, as libvirt writes it. @as_root: add user=root
 * (when the files are not readable by dnsmasq's unprivileged user). */
char *marina_net_dnsmasq_conf_text(const MarinaNetworkConfig *config, const char *bridge,
                                   const MarinaNetDnsmasqPaths *paths, gboolean as_root);
/* dhcp-hostsfile: one static host a line ("mac,ip,name"; IPv6 "id:duid,[ip],name"). */
char *marina_net_dnsmasq_hosts_text(const MarinaNetworkConfig *config);
/* addn-hosts: "ip name ..." for each DNS host. */
char *marina_net_dnsmasq_addn_hosts_text(const MarinaNetworkConfig *config);
/* Writes the three files for @config (the directory made if needed); with
 * @conf_changed set to whether the configuration file differed. */
gboolean marina_net_dnsmasq_write_files(const MarinaNetworkConfig *config, const char *bridge,
                                        const MarinaNetDnsmasqPaths *paths, gboolean *conf_changed,
                                        GError **error);
/* Removes every file of @paths; missing ones are fine. */
void marina_net_dnsmasq_remove_files(const MarinaNetDnsmasqPaths *paths);

/* Starts dnsmasq on @paths->conf; finish gives the daemon's pid (from the
 * pid file). */
void marina_net_dnsmasq_spawn_async(const MarinaNetDnsmasqPaths *paths, const char *bridge,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
GPid marina_net_dnsmasq_spawn_finish(GAsyncResult *result, GError **error);
/* Whether @pid is a live dnsmasq started on @conf. */
gboolean marina_net_dnsmasq_is_ours(GPid pid, const char *conf);
/* TERM, then KILL after a few seconds; done at once when @pid is not ours. */
void marina_net_dnsmasq_kill_async(GPid pid, const char *conf, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_net_dnsmasq_kill_finish(GAsyncResult *result, GError **error);

/* Leases in dnsmasq's lease file text, those expired at @now left out;
 * lines that do not parse are skipped. @config (may be NULL) gives prefixes. */
GPtrArray *marina_net_leases_parse(const char *text, gint64 now, const MarinaNetworkConfig *config);

/* ---- network-firewall.c ---- */

/* "marina-net-<bridge>". */
char *marina_net_firewall_table_name(const char *bridge);
/* The whole table for @config on @bridge as `nft -f` text (replacing any
 * table of that name atomically), or NULL when the mode needs none (open,
 * bridge). */
char *marina_net_firewall_ruleset(const MarinaNetworkConfig *config, const char *bridge);
void marina_net_firewall_apply_async(const char *table, const char *ruleset,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean marina_net_firewall_apply_finish(GAsyncResult *result, GError **error);
/* Deletes the table; one already gone is no error. */
void marina_net_firewall_delete_async(const char *table, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_net_firewall_delete_finish(GAsyncResult *result, GError **error);
/* Whether @config has IPv4 port forwards the table carries (nat / route). */
gboolean marina_net_firewall_forwards_ipv4(const MarinaNetworkConfig *config);
/* Lets connections from the host's loopback address to a forwarded port
 * go out to the guests on @bridge (route_localnet), for IPv4 port forwards. */
gboolean marina_net_localnet_enable(const char *bridge, GError **error);
/* The interfaces with routes learnt from router advertisements in the
 * text of /proc/net/ipv6_route (RTF_ADDRCONF), each once. */
char **marina_net_ra_route_devices(const char *ipv6_route);
/* Turns IPv4 (and, with an IPv6 <ip>, IPv6) forwarding on for nat / route;
 * refuses IPv6 forwarding that would make the host drop routes learnt from
 * router advertisements (interfaces with accept_ra other than 2). */
gboolean marina_net_forwarding_enable(const MarinaNetworkConfig *config, GError **error);

G_END_DECLS
