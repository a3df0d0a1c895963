/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager's tree: one row per connection, its guests below, with state,
 * live graphs, sorting and search. It follows a MarinaConnectionManager:
 * rows come and go with its entries and their guest lists. */
#pragma once

#include <gtk/gtk.h>

#include "connection-manager.h"
#include "guest.h"

G_BEGIN_DECLS

typedef enum {
    MARINA_GUEST_VIEW_ROW_CONNECTION,
    MARINA_GUEST_VIEW_ROW_GUEST,
    MARINA_GUEST_VIEW_ROW_PLACEHOLDER, /* "No guests yet" */
} MarinaGuestViewRow;

#define MARINA_TYPE_GUEST_VIEW (marina_guest_view_get_type())
G_DECLARE_FINAL_TYPE(MarinaGuestView, marina_guest_view, MARINA, GUEST_VIEW, GtkTreeView)

/* Shows @manager's entries; @settings binds the graph columns' visibility. */
void marina_guest_view_setup(MarinaGuestView *self, MarinaConnectionManager *manager,
                             GSettings *settings);

/* The context menus of guest rows and connection rows (their actions are
 * the window's). */
void marina_guest_view_set_menus(MarinaGuestView *self, GMenuModel *guest_menu,
                                 GMenuModel *connection_menu);

/* What is selected: the row kind, its connection entry (not reffed) and,
 * for a guest row, the guest (reffed). FALSE when nothing is. */
gboolean marina_guest_view_get_selected(MarinaGuestView *self, MarinaGuestViewRow *kind,
                                        MarinaConnectionEntry **entry, MarinaGuest **guest);

/* Shows only guests whose name or state contains @text (NULL or "": all). */
void marina_guest_view_set_search(MarinaGuestView *self, const char *text);

/* Signals:
 *   "selection-updated" ()  the selected row changed, or what it shows did
 *   "connection-filled" (MarinaConnectionEntry *entry)  the guests of
 *       @entry's (new) guest list are all in the view */

G_END_DECLS
