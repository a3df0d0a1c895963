/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection Details' Storage page: the host's storage pools with their
 * usage and state (Add, Start, Stop, Delete, Refresh, autostart), the
 * selected pool's details and its volumes, kept current from the daemon's
 * signals. */
#pragma once

#include <gtk/gtk.h>

#include "host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HOST_STORAGE_PAGE (marina_host_storage_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHostStoragePage, marina_host_storage_page, MARINA, HOST_STORAGE_PAGE,
                     GtkPaned)

/* Shows the pools of @host (again after a reconnect: the page then forgets
 * the old one), whose name for people is @label; @local: the host is this
 * computer (its folders can be browsed here). */
void marina_host_storage_page_set_host(MarinaHostStoragePage *self, MarinaHost *host,
                                       const char *label, gboolean local);

/* Signal "error" (const char *message): an action failed; the message says why. */

G_END_DECLS
