#pragma once

#include <gio/gio.h>

#include "connection.h"
#include "domain.h"
#include "network.h"
#include "pool.h"
#include "records.h"

G_BEGIN_DECLS

/*
 * The daemon as a whole: node information, the guest and pool listings,
 * defining and restoring guests, statistics preferences, install media.
 *
 *   g_autoptr(MarinaHost) host = marina_host_new(connection);
 *   marina_host_list_domains_async(host, cancellable, on_listed, self);
 *   static void on_listed(GObject *source, GAsyncResult *result, gpointer data) {
 *       g_autoptr(GError) error = NULL;
 *       g_autoptr(GPtrArray) domains =   // MarinaDomainRecord*
 *           marina_host_list_domains_finish(MARINA_HOST(source), result, &error);
 *   }
 *
 * Creating one is cheap (it wraps the connection's Host proxy); keep one
 * per window or command. Every action is an _async / _finish pair with a
 * GCancellable and the timeouts of call-timeouts.h; daemon errors arrive as
 * MARINA_ERROR codes (show marina_error_message()).
 *
 * Signals (the daemon's, typed):
 *   "domain-added"   (const char *path, const char *name, const char *uuid)
 *   "domain-removed" (const char *path, const char *name, const char *uuid)
 *   "domain-event"   (const char *path, const char *name, const char *uuid,
 *                     guint state, guint reason, const char *event, const char *detail)
 *   "stats-updated"  (GVariant *stats)  -- a(sa{sv}), see the D-Bus XML; also
 *                     StatsUpdatedPacked decoded, on a connection whose guest
 *                     list chose the packed encoding
 *   "pool-event"     (const char *path, const char *name, const char *event)
 *   "volume-event"   (const char *path, const char *pool, const char *name, const char *event)
 *   "network-event"  (const char *path, const char *name, const char *event) -- event
 *                     "defined", "undefined", "started", "stopped", "updated"
 */

#define MARINA_TYPE_HOST (marina_host_get_type())
G_DECLARE_FINAL_TYPE(MarinaHost, marina_host, MARINA, HOST, GObject)

MarinaHost *marina_host_new(MarinaConnection *connection);
MarinaConnection *marina_host_get_connection(MarinaHost *self);

/* ---- The host ---- */

void marina_host_get_node_info_async(MarinaHost *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
MarinaNodeInfo *marina_host_get_node_info_finish(MarinaHost *self, GAsyncResult *result,
                                                 GError **error);

/* Version, driver, mode, hostname and statistics interval, in one call. */
void marina_host_get_properties_async(MarinaHost *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
MarinaHostProperties *marina_host_get_properties_finish(MarinaHost *self, GAsyncResult *result,
                                                        GError **error);

/* StatsUpdated every @interval_ms (100..60000) for this connection. */
void marina_host_set_stats_interval_async(MarinaHost *self, guint interval_ms,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data);
gboolean marina_host_set_stats_interval_finish(MarinaHost *self, GAsyncResult *result,
                                               GError **error);

/* Which statistics this client wants: any of "cpu", "memory", "disk",
 * "network" (NULL or empty: none). */
void marina_host_set_stats_collection_async(MarinaHost *self, const char *const *kinds,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean marina_host_set_stats_collection_finish(MarinaHost *self, GAsyncResult *result,
                                                 GError **error);

/* ---- Guests ---- */

/* Every guest in one call: a GPtrArray of MarinaDomainRecord, in the
 * daemon's order. */
void marina_host_list_domains_async(MarinaHost *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *marina_host_list_domains_finish(MarinaHost *self, GAsyncResult *result, GError **error);

/* A guest by name, UUID or running id, with its properties loaded
 * (marina_domain_get_name() etc. answer at once). MARINA_ERROR_NO_SUCH_DOMAIN
 * when there is none. */
void marina_host_lookup_domain_async(MarinaHost *self, const char *name_or_uuid,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
MarinaDomain *marina_host_lookup_domain_finish(MarinaHost *self, GAsyncResult *result,
                                               GError **error);

/* Defines (or redefines) a persistent guest from libvirt domain XML.
 * *warnings (may be NULL) lists what Marina ignored. Properties not loaded. */
void marina_host_define_domain_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
MarinaDomain *marina_host_define_domain_finish(MarinaHost *self, GAsyncResult *result,
                                               char ***warnings, GError **error);

/* Creates and starts a transient guest (flags: MARINA_DOMAIN_START_PAUSED). */
void marina_host_create_domain_async(MarinaHost *self, const char *xml,
                                     MarinaDomainStartFlags flags, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
MarinaDomain *marina_host_create_domain_finish(MarinaHost *self, GAsyncResult *result,
                                               char ***warnings, GError **error);

/* Restores a guest from a file Save wrote (a path on the daemon's host;
 * flags: MARINA_DOMAIN_START_PAUSED). */
void marina_host_restore_domain_async(MarinaHost *self, const char *file,
                                      MarinaDomainStartFlags flags, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
MarinaDomain *marina_host_restore_domain_finish(MarinaHost *self, GAsyncResult *result,
                                                GError **error);

/* The QEMU command line the daemon would run for @xml. */
void marina_host_domain_xml_to_native_async(MarinaHost *self, const char *xml,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
char **marina_host_domain_xml_to_native_finish(MarinaHost *self, GAsyncResult *result,
                                               char ***warnings, GError **error);

/* ---- Install media ---- */

/* An ISO on the daemon's host / a network install tree, described as the
 * dictionary MarinaOsCatalog identifies (marina_os_catalog_identify_media /
 * _tree take it as it is). */
void marina_host_inspect_media_async(MarinaHost *self, const char *path, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
GVariant *marina_host_inspect_media_finish(MarinaHost *self, GAsyncResult *result, GError **error);

void marina_host_inspect_install_tree_async(MarinaHost *self, const char *url,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
GVariant *marina_host_inspect_install_tree_finish(MarinaHost *self, GAsyncResult *result,
                                                  GError **error);

/* ---- Storage pools ---- */

/* Every pool in one call: a GPtrArray of MarinaPoolInfo (see records.h for
 * the fields a listing fills). */
void marina_host_list_pools_async(MarinaHost *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *marina_host_list_pools_finish(MarinaHost *self, GAsyncResult *result, GError **error);

/* Defines (or redefines) a persistent pool from libvirt pool XML. */
void marina_host_define_pool_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
MarinaPool *marina_host_define_pool_finish(MarinaHost *self, GAsyncResult *result, GError **error);

void marina_host_lookup_pool_async(MarinaHost *self, const char *name, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
MarinaPool *marina_host_lookup_pool_finish(MarinaHost *self, GAsyncResult *result, GError **error);

/* ---- Migration streams ---- */

/* Tunnelled migration: this host's end of stream @index of migration
 * @token (after MigratePrepare on the destination, MigratePerform on the
 * source), as a socket to copy bytes to and from. Over ssh it comes through
 * a channel of the shared connection. Returns the descriptor (the caller
 * closes it), -1 on error. */
void marina_host_open_migration_stream_async(MarinaHost *self, const char *token, guint index,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
int marina_host_open_migration_stream_finish(MarinaHost *self, GAsyncResult *result,
                                             GError **error);

/* ---- Virtual networks and host devices (host-networks.c) ---- */

/* Every virtual network in one call: a GPtrArray of MarinaNetworkRecord. */
void marina_host_list_networks_async(MarinaHost *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *marina_host_list_networks_finish(MarinaHost *self, GAsyncResult *result, GError **error);

/* Defines (or redefines) a persistent network from libvirt network XML.
 * *warnings (may be NULL) lists what Marina ignored. */
void marina_host_define_network_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
MarinaNetwork *marina_host_define_network_finish(MarinaHost *self, GAsyncResult *result,
                                                 char ***warnings, GError **error);

/* Creates and starts a transient network (gone when stopped). */
void marina_host_create_network_async(MarinaHost *self, const char *xml, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
MarinaNetwork *marina_host_create_network_finish(MarinaHost *self, GAsyncResult *result,
                                                 char ***warnings, GError **error);

/* A network by name or UUID; MARINA_ERROR_NO_SUCH_NETWORK when there is none. */
void marina_host_lookup_network_async(MarinaHost *self, const char *name_or_uuid,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
MarinaNetwork *marina_host_lookup_network_finish(MarinaHost *self, GAsyncResult *result,
                                                 GError **error);

/* The host's network interfaces, sorted by name: a GPtrArray of MarinaHostInterface. */
void marina_host_list_host_interfaces_async(MarinaHost *self, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *marina_host_list_host_interfaces_finish(MarinaHost *self, GAsyncResult *result,
                                                   GError **error);

/* The host's USB (@type "usb") or PCI ("pci") devices a guest can be given:
 * a GPtrArray of MarinaHostDevice. */
void marina_host_list_host_devices_async(MarinaHost *self, const char *type,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
GPtrArray *marina_host_list_host_devices_finish(MarinaHost *self, GAsyncResult *result,
                                                GError **error);

G_END_DECLS
