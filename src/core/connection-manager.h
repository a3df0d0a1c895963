/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "connection-entry.h"

G_BEGIN_DECLS

/*
 * Every connection the user has added, as a GListModel of
 * MarinaConnectionEntry in the order they were added. The application owns
 * one; the manager window, VM windows, Connection Details and the wizard
 * find their connection's entry here:
 *
 *   MarinaConnectionManager *manager =
 *       marina_application_get_connection_manager(MARINA_APPLICATION(app));
 *   MarinaConnectionEntry *entry = marina_connection_manager_lookup(manager, uri);
 *   // or, from a guest list you were handed:
 *   entry = marina_connection_manager_lookup_list(manager, list);
 *
 * Keep a reference to the ENTRY (not to its connection or guest list), read
 * marina_connection_entry_get_label() / _is_local() for what people see,
 * and connect to its "state-changed" with g_signal_connect_object(): on
 * each emission drop whatever came from the old connection and, when the
 * state is MARINA_CONNECTION_STATE_CONNECTED, take the new
 * marina_connection_entry_get_connection() / _get_guest_list() (see
 * connection-entry.h).
 *
 * An entry is looked up by URI in any accepted spelling
 * (qemu:///session finds marina:///session). Statistics preferences set
 * here apply to every entry, present and future.
 */

#define MARINA_TYPE_CONNECTION_MANAGER (marina_connection_manager_get_type())
G_DECLARE_FINAL_TYPE(MarinaConnectionManager, marina_connection_manager, MARINA, CONNECTION_MANAGER,
                     GObject)

MarinaConnectionManager *marina_connection_manager_new(void);

/* The entry for @uri, added (idle) unless there is one; not reffed. */
MarinaConnectionEntry *marina_connection_manager_add(MarinaConnectionManager *self,
                                                     const char *uri);
/* Forgets @entry and closes its connection (no retry follows). */
void marina_connection_manager_remove(MarinaConnectionManager *self, MarinaConnectionEntry *entry);
/* The entry for @uri, or NULL; not reffed. */
MarinaConnectionEntry *marina_connection_manager_lookup(MarinaConnectionManager *self,
                                                        const char *uri);
/* The entry whose current guest list is @list, or NULL; not reffed. */
MarinaConnectionEntry *marina_connection_manager_lookup_list(MarinaConnectionManager *self,
                                                             MarinaGuestList *list);

/* The first connected entry in the list, or NULL; not reffed. */
MarinaConnectionEntry *marina_connection_manager_get_first_connected(MarinaConnectionManager *self);

/* See marina_connection_entry_set_stats_preferences(). */
void marina_connection_manager_set_stats_preferences(MarinaConnectionManager *self,
                                                     guint interval_ms, const char *const *kinds);

G_END_DECLS
