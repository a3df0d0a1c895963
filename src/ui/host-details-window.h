/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection Details: one host's overview (node information, live CPU and
 * memory graphs, autoconnect), its virtual networks and its storage pools and
 * volumes, kept current from the daemon's signals. */
#pragma once

#include <gtk/gtk.h>

#include "connection.h"
#include "guest-list.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HOST_DETAILS_WINDOW (marina_host_details_window_get_type())
G_DECLARE_FINAL_TYPE(MarinaHostDetailsWindow, marina_host_details_window, MARINA,
                     HOST_DETAILS_WINDOW, GtkApplicationWindow)

/* @list: the connection's guest list (its host statistics feed the graphs).
 * @label: the connection's name for people ("This computer (session)").
 * @settings: the org.marinavm.Marina settings (the autoconnect list).
 * @local: the host is this computer (its folders can be browsed here). */
MarinaHostDetailsWindow *marina_host_details_window_new(GtkApplication *app, MarinaGuestList *list,
                                                        const char *label, GSettings *settings,
                                                        gboolean local);

MarinaConnection *marina_host_details_window_get_connection(MarinaHostDetailsWindow *self);

G_END_DECLS
