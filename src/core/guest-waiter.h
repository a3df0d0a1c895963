#pragma once

#include <gio/gio.h>

#include "connection-entry.h"
#include "guest-list.h"

G_BEGIN_DECLS

/*
 * Waits for a guest to be listed on a connection entry's host, e.g. a guest
 * that was just migrated there. It follows the entry across reconnects (each
 * brings a new guest list) and looks again whenever guests are added.
 *
 *   waiter = marina_guest_waiter_new(entry, uuid, 30);
 *   g_signal_connect(waiter, "found", G_CALLBACK(on_found), self);
 *   g_signal_connect(waiter, "timed-out", G_CALLBACK(on_timed_out), self);
 *   marina_guest_waiter_start(waiter);
 *
 * Signals:
 *   "found" (MarinaGuestList *list, MarinaGuest *guest): once; the waiter
 *     stops watching.
 *   "timed-out" (): not listed after @timeout_s seconds; it goes on waiting.
 */
#define MARINA_TYPE_GUEST_WAITER (marina_guest_waiter_get_type())
G_DECLARE_FINAL_TYPE(MarinaGuestWaiter, marina_guest_waiter, MARINA, GUEST_WAITER, GObject)

MarinaGuestWaiter *marina_guest_waiter_new(MarinaConnectionEntry *entry, const char *uuid,
                                           guint timeout_s);
/* Looks at once (may emit "found" before it returns), then watches. */
void marina_guest_waiter_start(MarinaGuestWaiter *self);
MarinaConnectionEntry *marina_guest_waiter_get_entry(MarinaGuestWaiter *self);

G_END_DECLS
