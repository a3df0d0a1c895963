#pragma once

#include <gio/gio.h>

#include "domain-state.h"
#include "marina-dbus.h"

G_BEGIN_DECLS

/*
 * One guest as a client sees it: what Host.ListDomains says about it, kept
 * current by the daemon's signals (DomainEvent, StatsUpdated), plus a short
 * history of its statistics for graphs. No D-Bus round trip per guest: the
 * list fills from one call and updates from batched signals.
 *
 * Properties (all read-only, notify on change): "name", "uuid", "title",
 * "object-path", "id" (int, -1 when off), "state" (MarinaDomainState),
 * "reason" (uint), "persistent", "autostart", "max-memory-kib" (uint64),
 * "vcpus" (uint).
 * Signal "stats-changed": a new statistics sample arrived (or the figures
 * were cleared because the guest stopped). Statistics do not notify
 * properties; a view of many guests redraws on the list's "stats-updated".
 * The "state" property holds the MarinaDomainState number (a guint).
 */
#define MARINA_TYPE_GUEST (marina_guest_get_type())
G_DECLARE_FINAL_TYPE(MarinaGuest, marina_guest, MARINA, GUEST, GObject)

/* Samples of history kept per guest and series. */
#define MARINA_GUEST_HISTORY 120

typedef enum {
    MARINA_GUEST_SERIES_CPU,        /* guest CPU %, 0..100 of its vCPUs */
    MARINA_GUEST_SERIES_HOST_CPU,   /* share of the host's CPUs, 0..100 */
    MARINA_GUEST_SERIES_MEMORY,     /* % of its configured memory in use (RSS) */
    MARINA_GUEST_SERIES_DISK_READ,  /* bytes/s */
    MARINA_GUEST_SERIES_DISK_WRITE, /* bytes/s */
    MARINA_GUEST_SERIES_NET_RX,     /* bytes/s */
    MARINA_GUEST_SERIES_NET_TX,     /* bytes/s */
    MARINA_GUEST_N_SERIES
} MarinaGuestSeries;

const char *marina_guest_get_name(MarinaGuest *self);
const char *marina_guest_get_uuid(MarinaGuest *self);
const char *marina_guest_get_title(MarinaGuest *self);
const char *marina_guest_get_object_path(MarinaGuest *self);
int marina_guest_get_id(MarinaGuest *self);
MarinaDomainState marina_guest_get_state(MarinaGuest *self, guint *reason);
gboolean marina_guest_is_active(MarinaGuest *self); /* running, paused, crashed, ... not shut off */
gboolean marina_guest_get_persistent(MarinaGuest *self);
gboolean marina_guest_get_autostart(MarinaGuest *self);
guint64 marina_guest_get_max_memory_kib(MarinaGuest *self);
guint marina_guest_get_vcpus(MarinaGuest *self);

/* A key that sorts like g_utf8_collate() on the names (strcmp() two keys), made once per name:
 * sorting thousands of guests by name collates each name once, not at every comparison. */
const char *marina_guest_get_name_collate_key(MarinaGuest *self);

/* "running", "paused", "shut off", ... translated, for people. */
const char *marina_guest_get_state_label(MarinaGuest *self);

/*
 * History of @series, oldest first; *n_values samples (at most
 * MARINA_GUEST_HISTORY; 0 when none). The pointer stays valid until the
 * next sample arrives. Values for series the daemon cannot measure for this
 * guest (e.g. network with user-mode networking) are absent: *n_values 0.
 */
const double *marina_guest_get_history(MarinaGuest *self, MarinaGuestSeries series,
                                       guint *n_values);
/* The newest value of @series, or 0. */
double marina_guest_get_latest(MarinaGuest *self, MarinaGuestSeries series);

/* Used by MarinaGuestList. */
MarinaGuest *marina_guest_new_from_variant(GVariant *entry); /* one "(oissuubbtus)" */
void marina_guest_update_from_variant(MarinaGuest *self, GVariant *entry);
void marina_guest_set_state(MarinaGuest *self, MarinaDomainState state, guint reason);
/* One StatsUpdated dictionary; @host_cpus converts to host share. */
void marina_guest_add_stats(MarinaGuest *self, GVariant *stats, guint host_cpus);
/* A guest that stopped: its running figures drop to nothing. */
void marina_guest_clear_stats(MarinaGuest *self);

/*
 * A history ring that reads back oldest first without copying: each sample
 * is stored twice, at i and i + MARINA_GUEST_HISTORY, so the newest
 * MARINA_GUEST_HISTORY samples always sit side by side. Shared with
 * MarinaGuestList for the host's figures.
 */
typedef struct {
    double values[2 * MARINA_GUEST_HISTORY];
    guint head;  /* where the next sample goes, 0..MARINA_GUEST_HISTORY-1 */
    guint count; /* samples kept, 0..MARINA_GUEST_HISTORY */
} MarinaHistory;

void marina_history_push(MarinaHistory *history, double value);
/* Oldest first; never NULL (an empty array when *n_values is 0). */
const double *marina_history_get(const MarinaHistory *history, guint *n_values);
void marina_history_clear(MarinaHistory *history);

G_END_DECLS
