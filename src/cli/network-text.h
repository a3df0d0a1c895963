#pragma once

#include <gio/gio.h>

#include "records.h"

G_BEGIN_DECLS

/*
 * What the network commands (commands-network.c) read from the command line
 * and print, kept apart from the commands so unit tests reach them without a
 * daemon. Tables are virsh's: a leading space, columns three spaces apart, a
 * line of dashes under the header, an empty line at the end.
 */

/* A table of @n_columns: @headers, then @rows (each a GStrv of @n_columns). */
char *cli_table_format(const char *const *headers, guint n_columns, GPtrArray *rows);

/* net-list: Name, State, Autostart, Persistent, sorted by name. Active
 * networks only; @inactive: inactive only; @all: both. */
char *cli_net_list_format(GPtrArray *records /* MarinaNetworkRecord* */, gboolean all,
                          gboolean inactive);

/* net-dhcp-leases: Expiry Time, MAC address, Protocol, IP address, Hostname,
 * Client ID or DUID; expiry in @tz ("never" for 0), "-" for empty fields. */
char *cli_net_leases_format(GPtrArray *leases /* MarinaDhcpLease* */, GTimeZone *tz);

/* net-info: "Name:           default" lines. */
char *cli_net_info_format(const MarinaNetworkInfo *info);

/* iface-list: Name, State, MAC Address (and Addresses); up interfaces only
 * unless @all or @inactive, as net-list. */
char *cli_iface_list_format(GPtrArray *interfaces /* MarinaHostInterface* */, gboolean all,
                            gboolean inactive);

/* nodedev-list: one device name per line, sorted. */
char *cli_nodedev_list_format(GPtrArray *devices /* MarinaHostDevice* */);
/* --cap: "usb_device" (or "usb") and "pci" to the daemon's "usb" / "pci";
 * NULL with a usage message otherwise. */
const char *cli_nodedev_cap_type(const char *cap, GError **error);

/* net-update's arguments checked before the daemon is asked: @command and
 * @section among those Marina supports, --current alone or --live and / or
 * --config (flags for Network.Update), and the element: @xml_or_file as it
 * is when it starts with '<' (after white space), else the file it names.
 * FALSE with MARINA_ERROR_INVALID_ARGUMENT for a usage error (or the file's
 * read error). */
gboolean cli_net_update_args(const char *command, const char *section, const char *xml_or_file,
                             gboolean live, gboolean config, gboolean current, guint *flags,
                             char **xml, GError **error);

G_END_DECLS
