/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Create a Virtual Network: name → IPv4 address space → DHCP range → IPv6
 * → forwarding → summary, each page checked with the network model before
 * Next; Finish defines the network (then starts it and sets autostart when
 * asked). A failure leaves nothing half-made and the reason in the
 * assistant's error bar. */
#pragma once

#include <gtk/gtk.h>

#include "host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_CREATE_NETWORK_ASSISTANT (marina_create_network_assistant_get_type())
G_DECLARE_FINAL_TYPE(MarinaCreateNetworkAssistant, marina_create_network_assistant, MARINA,
                     CREATE_NETWORK_ASSISTANT, GtkDialog)

/* @taken: the names of the networks already on @host (NULL-terminated). */
MarinaCreateNetworkAssistant *
marina_create_network_assistant_new(GtkWindow *parent, MarinaHost *host, const char *const *taken);

/* Signal "network-created" (const char *name): the network was defined
 * (and started / set to autostart as asked); the assistant then closes. */

G_END_DECLS
