#pragma once

#include <gio/gio.h>

#include "core/domain-config.h"
#include "core/network-config.h"
#include "daemon-config.h"
#include "marina-dbus.h"
#include "network-driver.h"
#include "vm-registry.h"

G_BEGIN_DECLS

/*
 * The daemon's virtual networks, kept as storage pools are
 * (storage-registry.c): persistent definitions in <state>/networks/<name>.xml
 * (+ <name>.autostart), the running state of each active network (its live
 * definition and what network-driver.c made for it) in
 * <runtime>/network-state/<name>.state, so a restarted daemon adopts running
 * networks without touching their guests. The network 'default' is defined
 * and autostarted on the very first start (empty state directory).
 *
 * On the system daemon a running network is real (bridge, dnsmasq, nftables:
 * network-driver.h). The per-user daemon cannot make bridges: there a network
 * is a definition guests attach to with user-mode networking (its port
 * forwards become hostfwd=) or through qemu-bridge-helper when the host allows
 * it for the network's bridge; "running" only says guests may attach.
 *
 * No D-Bus here: network-methods.c and network-object.c serve what it holds.
 * Events go out as Host.NetworkEvent on @events.
 */
typedef struct _MarinaNetworkRegistry MarinaNetworkRegistry;
typedef struct _MarinaDaemonNetwork MarinaDaemonNetwork;

/* Who wants to know when networks come and go (the D-Bus face). */
typedef struct {
    void (*added)(MarinaDaemonNetwork *network, gpointer user_data);
    /* The network is let go from an idle after this. */
    void (*removed)(MarinaDaemonNetwork *network, gpointer user_data);
    gpointer user_data;
} MarinaNetworkListener;

/* How an asynchronous operation ended (@error NULL: it worked). */
typedef void (*MarinaNetworkDone)(MarinaDaemonNetwork *network, const GError *error,
                                  gpointer user_data);

/* @config, @events and @guests must outlive the registry; @guests may be NULL
 * (unit tests: no guest is attached to anything). */
MarinaNetworkRegistry *marina_network_registry_new(const MarinaDaemonConfig *config,
                                                   MarinaDBusHost *events,
                                                   MarinaVmRegistry *guests);
void marina_network_registry_free(MarinaNetworkRegistry *self);
/* For the test driver (before load): nothing is read or written and no
 * bridge, dnsmasq or firewall rule is made, even on --system; networks are
 * definitions that start and stop, 'default' among them. */
void marina_network_registry_keep_in_memory(MarinaNetworkRegistry *self);
/* @listener is copied; NULL stops telling. */
void marina_network_registry_set_listener(MarinaNetworkRegistry *self,
                                          const MarinaNetworkListener *listener);

/* Load definitions (or define 'default' on the first start), adopt networks
 * still running from before a restart, start the autostart ones; @loaded
 * (may be NULL) is called once all of that has settled, so guests that
 * start with the daemon find their networks running. */
typedef void (*MarinaNetworkLoaded)(gpointer user_data);
void marina_network_registry_load(MarinaNetworkRegistry *self, MarinaNetworkLoaded loaded,
                                  gpointer user_data);
gboolean marina_network_registry_is_system(MarinaNetworkRegistry *self);

/* By name, then by UUID (any case); NULL when none. */
MarinaDaemonNetwork *marina_network_registry_lookup(MarinaNetworkRegistry *self, const char *key);
/* The networks, sorted by name (the array is the caller's, the networks not). */
GPtrArray *marina_network_registry_list(MarinaNetworkRegistry *self);

/* Define (or redefine: same name and UUID) a persistent network from @xml;
 * @warnings (char*) gets what was ignored. A running network keeps its
 * running definition until its next start. */
MarinaDaemonNetwork *marina_network_registry_define(MarinaNetworkRegistry *self, const char *xml,
                                                    GPtrArray *warnings, GError **error);
/* Create and start a transient network; @done gets it (or the error, and no
 * network is left behind). */
void marina_network_registry_create(MarinaNetworkRegistry *self, const char *xml,
                                    GPtrArray *warnings, MarinaNetworkDone done,
                                    gpointer user_data);
void marina_network_registry_start(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                   MarinaNetworkDone done, gpointer user_data);
/* Stops it even while guests use it (as libvirt's net-destroy): their
 * interfaces lose the bridge; the names of those guests are logged. A
 * transient network is gone afterwards. */
void marina_network_registry_stop(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                  MarinaNetworkDone done, gpointer user_data);
/* A running network becomes transient; an inactive one is gone. */
gboolean marina_network_registry_undefine(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                          GError **error);
gboolean marina_network_registry_set_autostart(MarinaNetworkRegistry *self,
                                               MarinaDaemonNetwork *network, gboolean autostart,
                                               GError **error);
/* virsh net-update (see marina_network_config_update); @flags: 1 live,
 * 2 config, 0 current (live when running, else config). */
void marina_network_registry_update(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                    const char *command, const char *section, int parent_index,
                                    const char *xml, guint flags, MarinaNetworkDone done,
                                    gpointer user_data);

/* Host.NetworkEvent(path, name, @event). */
void marina_network_registry_emit(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                  const char *event);

/* One network */
const char *marina_daemon_network_get_name(MarinaDaemonNetwork *network);
const char *marina_daemon_network_get_object_path(MarinaDaemonNetwork *network);
gboolean marina_daemon_network_is_active(MarinaDaemonNetwork *network);
gboolean marina_daemon_network_is_persistent(MarinaDaemonNetwork *network);
gboolean marina_daemon_network_get_autostart(MarinaDaemonNetwork *network);
/* The running definition while active, else the persistent one. */
const MarinaNetworkConfig *marina_daemon_network_get_config(MarinaDaemonNetwork *network);
/* The bridge guests join: the running one, else the one named, else "". */
const char *marina_daemon_network_get_bridge(MarinaDaemonNetwork *network);
/* GetXML: the running definition, or with @inactive the persistent one. */
char *marina_daemon_network_get_xml(MarinaDaemonNetwork *network, gboolean inactive);
/* The running guests with an interface on @network, sorted (g_strfreev). */
GStrv marina_network_registry_list_guests(MarinaNetworkRegistry *self,
                                          MarinaDaemonNetwork *network);
/* How guests attach to @network on this daemon: "bridge", "bridge-helper"
 * or "user" (GetInfo's "how"), and in @detail one sentence for people. */
const char *marina_network_registry_how(MarinaNetworkRegistry *self, MarinaDaemonNetwork *network,
                                        char **detail);
/* The current DHCP leases (MarinaNetLease*), only those of @mac when not
 * NULL; empty when the network hands out none here (a session). */
GPtrArray *marina_network_registry_get_leases(MarinaNetworkRegistry *self,
                                              MarinaDaemonNetwork *network, const char *mac,
                                              GError **error);

/* Object path element for a network name: as for pools (storage-pool.h). */
char *marina_network_object_path(const char *name);

/*
 * For other parts of the daemon
 * ------------------------------
 *
 * Leases for @mac in any running network (MarinaNetLease*), *network_name
 * set to the network's name; NULL and no error when none (devtune's
 * Domain.GetInterfaceAddresses with source "lease").
 */
GPtrArray *marina_network_registry_find_leases(MarinaNetworkRegistry *self, const char *mac,
                                               char **network_name, GError **error);

/* How a guest interface joins a virtual network on this daemon. */
typedef enum {
    MARINA_NET_ATTACH_TAP,           /* system daemon: a tap on the network's bridge */
    MARINA_NET_ATTACH_BRIDGE_HELPER, /* session: qemu-bridge-helper joins the bridge */
    MARINA_NET_ATTACH_USER,          /* session: user-mode networking, port forwards */
} MarinaNetAttachKind;

typedef struct {
    MarinaNetAttachKind kind;
    /* TAP: an open tap on @bridge (close-on-exec; the caller owns it and
     * hands it to QEMU) and its name ("vnet3"); else -1 and NULL. */
    int tap_fd;
    char *tap_name;
    /* BRIDGE_HELPER and USER: QEMU's -netdev value without its id, e.g.
     * "user,hostfwd=tcp::2222-:22" or
     * "bridge,br=virbr0,helper=/usr/lib/qemu/qemu-bridge-helper"; for QMP's
     * netdev_add the parts are below. NULL for TAP. */
    char *netdev;
    char *bridge;   /* TAP and BRIDGE_HELPER: the bridge joined */
    char *helper;   /* BRIDGE_HELPER: the helper's path */
    char **hostfwd; /* USER: each "tcp:127.0.0.1:2222-:22" (NULL-terminated, maybe empty) */
    guint mtu;      /* the network's <mtu>, 0 = default */
    char *detail;   /* one sentence for the guest's log: what was done and why */
} MarinaNetAttachment;

/* Releases what @attachment holds (closes a tap fd still in it). */
void marina_net_attachment_clear(MarinaNetAttachment *attachment);

/*
 * Attach @iface (type network, source the network's name) of a guest that is
 * starting, or hot-plugging the interface into a running guest (devlive):
 * fills @out as the daemon's mode and the host allow (see above). The tap is
 * named @iface->target_dev unless that is empty or one of the generated
 * "vnetN" names (libvirt's rule), in which case the kernel picks vnetN.
 * Fails, naming the network and what to do, when there is no such network
 * or it is not running.
 */
gboolean marina_network_registry_attach(MarinaNetworkRegistry *self,
                                        const MarinaInterfaceConfig *iface,
                                        MarinaNetAttachment *out, GError **error);

G_END_DECLS
