/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection Details: one host's overview (node information, live CPU and
 * memory graphs, autoconnect), its virtual networks and its storage pools and
 * volumes, kept current from the daemon's signals and across reconnects. */
#pragma once

#include <gtk/gtk.h>

#include "connection-entry.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HOST_DETAILS_WINDOW (marina_host_details_window_get_type())
G_DECLARE_FINAL_TYPE(MarinaHostDetailsWindow, marina_host_details_window, MARINA,
                     HOST_DETAILS_WINDOW, GtkApplicationWindow)

/* The window of the connection manager's @entry (connected), which it
 * follows: after a reconnect it shows the new connection; while the entry is
 * disconnected it says so and keeps what it showed.
 * @settings: the org.marinavm.Marina settings (the autoconnect list). */
MarinaHostDetailsWindow *marina_host_details_window_new(GtkApplication *app,
                                                        MarinaConnectionEntry *entry,
                                                        GSettings *settings);

G_END_DECLS
