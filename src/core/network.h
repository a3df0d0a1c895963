#pragma once

#include <gio/gio.h>

#include "connection.h"
#include "records.h"

G_BEGIN_DECLS

/*
 * One virtual network to act on. Cheap to create (no round trip):
 *   from a listing:  marina_network_new(connection, record->object_path)
 *                    (record from marina_host_list_networks_finish)
 *   by name or UUID: marina_host_lookup_network_async(host, "default", ...)
 *
 * Every action is an _async / _finish pair with a GCancellable and the
 * timeouts of call-timeouts.h; daemon errors arrive as MARINA_ERROR codes
 * (MARINA_ERROR_NO_SUCH_NETWORK when the network is gone).
 */

#define MARINA_TYPE_NETWORK (marina_network_get_type())
G_DECLARE_FINAL_TYPE(MarinaNetwork, marina_network, MARINA, NETWORK, GObject)

/* Network.GetXML flags. */
typedef enum {
    MARINA_NETWORK_XML_INACTIVE = 1 << 0, /* the persistent definition even while running */
} MarinaNetworkXmlFlags;

/* Network.Update flags (0: the current state, as virsh's --current). */
typedef enum {
    MARINA_NETWORK_UPDATE_CURRENT = 0,
    MARINA_NETWORK_UPDATE_LIVE = 1 << 0,
    MARINA_NETWORK_UPDATE_CONFIG = 1 << 1,
} MarinaNetworkUpdateFlags;

MarinaNetwork *marina_network_new(MarinaConnection *connection, const char *object_path);
MarinaConnection *marina_network_get_connection(MarinaNetwork *self);
const char *marina_network_get_object_path(MarinaNetwork *self);

/* Makes the bridge, dnsmasq and firewall rules (system daemon). */
void marina_network_start_async(MarinaNetwork *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_network_start_finish(MarinaNetwork *self, GAsyncResult *result, GError **error);

/* virsh net-destroy: stops the network; a transient one is gone. */
void marina_network_stop_async(MarinaNetwork *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_network_stop_finish(MarinaNetwork *self, GAsyncResult *result, GError **error);

void marina_network_undefine_async(MarinaNetwork *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_network_undefine_finish(MarinaNetwork *self, GAsyncResult *result, GError **error);

void marina_network_set_autostart_async(MarinaNetwork *self, gboolean autostart,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean marina_network_set_autostart_finish(MarinaNetwork *self, GAsyncResult *result,
                                             GError **error);

/* @flags: MarinaNetworkXmlFlags. */
void marina_network_get_xml_async(MarinaNetwork *self, guint flags, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
char *marina_network_get_xml_finish(MarinaNetwork *self, GAsyncResult *result, GError **error);

void marina_network_get_info_async(MarinaNetwork *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
MarinaNetworkInfo *marina_network_get_info_finish(MarinaNetwork *self, GAsyncResult *result,
                                                  GError **error);

/* The leases dnsmasq handed out, for @mac only or (NULL) all: a GPtrArray
 * of MarinaDhcpLease. */
void marina_network_get_dhcp_leases_async(MarinaNetwork *self, const char *mac,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data);
GPtrArray *marina_network_get_dhcp_leases_finish(MarinaNetwork *self, GAsyncResult *result,
                                                 GError **error);

/* virsh net-update: @command "add-first", "add-last", "add", "delete",
 * "modify"; @section "ip-dhcp-host", "ip-dhcp-range", "dns-host",
 * "port-forward"; @parent_index which <ip> (-1: the first that fits); @xml
 * one element; @flags MarinaNetworkUpdateFlags. */
void marina_network_update_async(MarinaNetwork *self, const char *command, const char *section,
                                 int parent_index, const char *xml, guint flags,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean marina_network_update_finish(MarinaNetwork *self, GAsyncResult *result, GError **error);

G_END_DECLS
