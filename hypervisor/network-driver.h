#pragma once

#include <gio/gio.h>

#include "core/network-config.h"

G_BEGIN_DECLS

/*
 * What makes a virtual network real on the system daemon (root): its bridge,
 * its dnsmasq, its nftables table and IP forwarding. Nothing here keeps
 * state of its own: what was made is described by a MarinaNetRuntime, which
 * the network registry (network-registry.c) keeps with the network and
 * saves in the state directory, so a restarted daemon can adopt a running
 * network without touching its guests.
 *
 * Files: network-bridge.c (the bridge and its addresses, via `ip`),
 * network-dnsmasq.c (configuration, hosts file, process, leases),
 * network-firewall.c (one nftables table per network, `nft -f -`),
 * network-driver.c (start / stop / adopt / update in order, undoing what a
 * failed start made). Every command runs as an async GSubprocess; nothing
 * blocks the main loop.
 *
 * Names on the host: bridge as configured, else the first free "virbrN"
 * (N from 0); nftables table "inet marina-net-<bridge>"; dnsmasq files
 * <run_dir>/networks/<bridge>.{conf,hosts,pid,leases}; tap devices
 * "vnetN" (tap-device.c).
 */

typedef struct {
    char *bridge;         /* the bridge device guests' taps join */
    gboolean made_bridge; /* we created it (not forward=bridge) */
    GPid dnsmasq_pid;     /* 0 when none runs */
    char *dnsmasq_conf;   /* paths of its files, NULL when none */
    char *leases_file;
    char *firewall_table; /* "marina-net-virbr0", NULL when no rules */
} MarinaNetRuntime;

void marina_net_runtime_free(MarinaNetRuntime *runtime);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetRuntime, marina_net_runtime_free)

/* Saved with the network's state (GKeyFile group "runtime"). */
void marina_net_runtime_save(const MarinaNetRuntime *runtime, GKeyFile *file);
MarinaNetRuntime *marina_net_runtime_load(GKeyFile *file, GError **error);

/* Brings @config up: bridge (unless forward=bridge, where the bridge must
 * exist), addresses, MTU, dnsmasq when any <ip> has DHCP or DNS is on,
 * firewall rules for the forward mode and port forwards, forwarding sysctls.
 * @in_use: bridge names other networks hold (so "virbrN" picks a free one).
 * On failure everything made so far is removed again. */
void marina_net_driver_start_async(const MarinaNetworkConfig *config, const char *run_dir,
                                   const char *const *in_use, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
MarinaNetRuntime *marina_net_driver_start_finish(GAsyncResult *result, GError **error);

/* Removes everything @runtime names: dnsmasq (TERM, then KILL), the
 * firewall table, the bridge if made (taps still on it go with it), files. */
void marina_net_driver_stop_async(const MarinaNetworkConfig *config,
                                  const MarinaNetRuntime *runtime, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_net_driver_stop_finish(GAsyncResult *result, GError **error);

/* After a daemon restart: checks that the bridge still exists, re-creates
 * what is missing (a dead dnsmasq is started again with the same lease
 * file; a missing table is re-added), never removes the bridge, so running
 * guests keep their connection. Fails only when the bridge is gone. */
void marina_net_driver_adopt_async(const MarinaNetworkConfig *config, MarinaNetRuntime *runtime,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean marina_net_driver_adopt_finish(GAsyncResult *result, GError **error);

/* After net-update (static hosts, ranges, DNS hosts, port forwards) on a
 * running network: rewrites dnsmasq's files and SIGHUPs it (restarting it
 * when a range changed), and reloads the firewall table. */
void marina_net_driver_update_async(const MarinaNetworkConfig *config, MarinaNetRuntime *runtime,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean marina_net_driver_update_finish(GAsyncResult *result, GError **error);

typedef struct {
    gint64 expiry; /* unix seconds, 0 = never */
    char *mac;
    char *address;
    guint prefix;
    gboolean ipv6;
    char *hostname;  /* NULL when unknown */
    char *client_id; /* NULL when none */
} MarinaNetLease;

void marina_net_lease_free(MarinaNetLease *lease);

/* The current leases from dnsmasq's lease file (expired ones left out);
 * MarinaNetLease*. Reading a small file: synchronous is fine. */
GPtrArray *marina_net_driver_read_leases(const MarinaNetworkConfig *config,
                                         const MarinaNetRuntime *runtime, GError **error);

G_END_DECLS
