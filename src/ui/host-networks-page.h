/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection Details' Virtual Networks page: the connection's networks with
 * their state and autostart (Add, Start, Stop, Delete), the selected one's
 * addresses, DHCP range, forwarding, how guests attach on this daemon and
 * its DHCP leases, kept current from the daemon's network events. */
#pragma once

#include <gtk/gtk.h>

#include "host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HOST_NETWORKS_PAGE (marina_host_networks_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHostNetworksPage, marina_host_networks_page, MARINA, HOST_NETWORKS_PAGE,
                     GtkPaned)

/* Shows the networks of @host (again after a reconnect: the page then
 * forgets the old one), whose name for people is @label. */
void marina_host_networks_page_set_host(MarinaHostNetworksPage *self, MarinaHost *host,
                                        const char *label);

/* Signal "error" (const char *message): an action failed; the message says why. */

G_END_DECLS
