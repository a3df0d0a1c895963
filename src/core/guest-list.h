#pragma once

#include <gio/gio.h>

#include "connection.h"
#include "guest.h"
#include "host-stats.h"

G_BEGIN_DECLS

/*
 * Every guest of one connection as a GListModel of MarinaGuest, filled by
 * one Host.ListDomains call and kept current by Host.DomainAdded,
 * DomainRemoved, DomainEvent and StatsUpdated (as StatsUpdatedPacked: the
 * list asks its connection for the packed encoding, which a daemon older
 * than SetStatsEncoding ignores). Items keep their identity
 * (the same MarinaGuest object) for as long as the guest exists, so views
 * can hold on to them. Order: as the daemon listed them, new ones appended.
 *
 * Signals:
 *   "loaded" ()            -- the first complete list arrived
 *   "stats-updated" ()     -- a StatsUpdated signal was applied (once per interval)
 *   "error" (GError*)      -- listing failed; the message is for people
 *
 * Guests learn of statistics silently (no GObject notify per sample, which
 * a thousand guests a second would make costly): redraw on "stats-updated".
 * State and configuration changes notify the guest's properties as usual.
 *
 * When the connection closes, the list stops updating and keeps its items
 * as last known; it emits no "error" of its own, since the connection's
 * "closed" signal already carries the reason to show. A new connection
 * needs a new list.
 *
 * Host history: "host-cpu-percent" (of the whole host) and
 * "host-memory-kib" / "host-memory-used-kib" from the statistics entry
 * with the empty UUID; empty when the daemon sends no such entry.
 */
#define MARINA_TYPE_GUEST_LIST (marina_guest_list_get_type())
G_DECLARE_FINAL_TYPE(MarinaGuestList, marina_guest_list, MARINA, GUEST_LIST, GObject)

/* Starts listing at once (asynchronously). */
MarinaGuestList *marina_guest_list_new(MarinaConnection *connection);

MarinaConnection *marina_guest_list_get_connection(MarinaGuestList *self);
gboolean marina_guest_list_is_loaded(MarinaGuestList *self);
MarinaGuest *marina_guest_list_lookup(MarinaGuestList *self, const char *uuid); /* not reffed */
guint marina_guest_list_get_host_cpus(MarinaGuestList *self);

/* Host-wide history: the host's CPU use (0..100) and memory use (0..100),
 * sampled when statistics arrive. Oldest first. */
const double *marina_guest_list_get_host_history(MarinaGuestList *self, gboolean memory,
                                                 guint *n_values);
/* The host's figures from the newest statistics batch; FALSE before any. */
gboolean marina_guest_list_get_host_stats(MarinaGuestList *self, MarinaHostStats *out);

G_END_DECLS
