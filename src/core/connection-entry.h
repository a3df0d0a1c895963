/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "connection.h"
#include "guest-list.h"

G_BEGIN_DECLS

/*
 * One connection a person works with: its URI, the label people read, and
 * its life (connect, automatic retry, reconnect). While connected it holds
 * the MarinaConnection and the live MarinaGuestList of that host; both are
 * NEW objects after every reconnect, so never keep them past a
 * "state-changed": ask the entry again.
 *
 * How a window follows an entry (Connection Details, the wizard, VM windows):
 *
 *   g_signal_connect_object(entry, "state-changed", G_CALLBACK(on_state), self, 0);
 *
 *   static void on_state(MarinaConnectionEntry *entry, MarinaConnectionState old, Self *self)
 *   {
 *       // drop what came from the old connection / list (proxies, rows, calls in flight) ...
 *       if (marina_connection_entry_get_state(entry) == MARINA_CONNECTION_STATE_CONNECTED)
 *           // ... and take the new ones:
 *           use(marina_connection_entry_get_connection(entry),
 *               marina_connection_entry_get_guest_list(entry));
 *   }
 *
 * States: IDLE (never opened, or closed on request), CONNECTING (an open
 * the user asked for is under way), CONNECTED (connection and guest list
 * set), DISCONNECTED (the peer went away or opening failed; the reason
 * says why, for people). Entries of a local daemon that may come back
 * (marina:///session, marina+unix://) retry on their own every
 * MARINA_CONNECTION_ENTRY_RETRY_SECONDS after an unexpected loss or a failed
 * open. Entries of an ssh host retry the same way after an unexpected loss of
 * an established connection (the remote daemon restarted, the network
 * blinked), but not after a failed first open or a disconnect on request;
 * they stop after MARINA_CONNECTION_ENTRY_REMOTE_RETRY_SECONDS, or at once
 * when the failure needs a person (login refused, host key, no marinad,
 * another protocol: marina_ssh_error_is_transient()). Automatic retries never
 * ask anything (MARINA_CONNECTION_OPEN_QUIET: no password or host-key
 * dialog, no terminal); they do not pass through CONNECTING, so the entry
 * keeps saying why it is disconnected until it is back.
 *
 * Signals:
 *   "state-changed" (MarinaConnectionState old_state): the state, the reason
 *       or (on reconnect) the connection and guest list changed. Emitted
 *       after all of them are updated.
 *   "connect-failed" (GError *error): a connect that someone asked for
 *       (marina_connection_entry_connect()) failed; show the error. Quiet
 *       automatic retries do not emit it.
 */

#define MARINA_CONNECTION_ENTRY_RETRY_SECONDS 5
/* How long an ssh entry keeps retrying after it lost its connection. */
#define MARINA_CONNECTION_ENTRY_REMOTE_RETRY_SECONDS 300

typedef enum {
    MARINA_CONNECTION_STATE_IDLE,
    MARINA_CONNECTION_STATE_CONNECTING,
    MARINA_CONNECTION_STATE_CONNECTED,
    MARINA_CONNECTION_STATE_DISCONNECTED,
} MarinaConnectionState;

#define MARINA_TYPE_CONNECTION_ENTRY (marina_connection_entry_get_type())
G_DECLARE_FINAL_TYPE(MarinaConnectionEntry, marina_connection_entry, MARINA, CONNECTION_ENTRY,
                     GObject)

/* An idle entry for @uri (any accepted spelling; kept as given when it does
 * not parse, so that opening it explains what is wrong). */
MarinaConnectionEntry *marina_connection_entry_new(const char *uri);

/* The canonical spelling (marina_uri_to_string()) when the URI parses. */
const char *marina_connection_entry_get_uri(MarinaConnectionEntry *self);
/* For people, as virt-manager names them: "QEMU/KVM" (marina:///system),
 * "QEMU/KVM user session" (marina:///session), "db1 (SSH)", "alice@db1 (SSH)",
 * "alice@db1 (SSH, user session)", a socket's URI. */
const char *marina_connection_entry_get_label(MarinaConnectionEntry *self);
/* Whether its guests' files are on this computer (local or unix socket). */
gboolean marina_connection_entry_is_local(MarinaConnectionEntry *self);
/* Whether it retries on its own whenever it is disconnected unexpectedly,
 * for as long as it takes (a local daemon that may come back). ssh entries
 * answer FALSE: they retry only for a while after a loss (see above). */
gboolean marina_connection_entry_get_auto_retry(MarinaConnectionEntry *self);

MarinaConnectionState marina_connection_entry_get_state(MarinaConnectionEntry *self);
/* Why it is disconnected (for people), or NULL. */
const char *marina_connection_entry_get_reason(MarinaConnectionEntry *self);
/* The reason without the URI its first sentence names ("No daemon is
 * listening on ..."), for places that show the connection's name beside it;
 * NULL when there is no reason. */
const char *marina_connection_entry_get_short_reason(MarinaConnectionEntry *self);
/* TRUE while an open is under way (requested or an automatic retry). */
gboolean marina_connection_entry_is_opening(MarinaConnectionEntry *self);
/* TRUE when connected (connection and guest list set). */
gboolean marina_connection_entry_is_connected(MarinaConnectionEntry *self);
/* The open connection and its guest list, or NULL; not reffed. */
MarinaConnection *marina_connection_entry_get_connection(MarinaConnectionEntry *self);
MarinaGuestList *marina_connection_entry_get_guest_list(MarinaConnectionEntry *self);

/* Opens the connection unless it is open or opening; a failure emits
 * "connect-failed" (also the failure of an open already under way). */
void marina_connection_entry_connect(MarinaConnectionEntry *self);
/* Closes an open connection and opens it again at once. */
void marina_connection_entry_reconnect(MarinaConnectionEntry *self);
/* Closes the connection on request (or abandons an open under way): no
 * automatic retry follows. */
void marina_connection_entry_disconnect(MarinaConnectionEntry *self);

/* How often (milliseconds) and which statistics ("cpu", "memory", "disk",
 * "network") the daemon should collect for this client; sent now when
 * connected and again after every reconnect. @kinds NULL: the daemon's
 * default, nothing is sent. */
void marina_connection_entry_set_stats_preferences(MarinaConnectionEntry *self, guint interval_ms,
                                                   const char *const *kinds);

/* The label and locality for @uri without making an entry; @canonical
 * (out, nullable) receives the canonical spelling. */
char *marina_connection_entry_label_for_uri(const char *uri, gboolean *local, gboolean *auto_retry,
                                            char **canonical);

G_END_DECLS
