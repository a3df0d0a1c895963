#pragma once

#include <gio/gio.h>

#include "marina-dbus.h"
#include "network-registry.h"
#include "vm-registry.h"

G_BEGIN_DECLS

/*
 * The daemon's networks as clients see them: the Host's methods
 * (ListNetworks, DefineNetwork, CreateNetwork, LookupNetwork,
 * ListHostInterfaces, ListHostDevices) and one org.marinavm.Marina1.Network
 * object per network (network-object.c), served on every client connection
 * through a subtree. The networks live in a MarinaNetworkRegistry.
 */
typedef struct _MarinaNetworks MarinaNetworks;

/* @registry, @host and @guests (may be NULL) must outlive the result. */
MarinaNetworks *marina_networks_new(MarinaNetworkRegistry *registry, MarinaDBusHost *host,
                                    MarinaVmRegistry *guests);
void marina_networks_free(MarinaNetworks *self);
gboolean marina_networks_add_peer(MarinaNetworks *self, GDBusConnection *connection,
                                  GError **error);
void marina_networks_remove_peer(MarinaNetworks *self, GDBusConnection *connection);

/* network-object.c */
typedef struct _MarinaNetworkObject MarinaNetworkObject;
MarinaNetworkObject *marina_network_object_new(MarinaDaemonNetwork *network,
                                               MarinaNetworkRegistry *registry);
void marina_network_object_free(MarinaNetworkObject *object);
GDBusInterfaceSkeleton *marina_network_object_get_skeleton(MarinaNetworkObject *object);

/* host-interfaces.c: ListHostInterfaces' aa{sv}; @networks (may be NULL)
 * names the bridges virtual networks made. */
GVariant *marina_host_interfaces_list(MarinaNetworkRegistry *networks);
/* host-devices.c: ListHostDevices' aa{sv} for @type "usb" or "pci";
 * @guests (may be NULL) for used-by. */
GVariant *marina_host_devices_list(const char *type, MarinaVmRegistry *guests, GError **error);

G_END_DECLS
