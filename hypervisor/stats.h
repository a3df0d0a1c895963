#pragma once

#include <gio/gio.h>

#include "daemon-config.h"
#include "marina-dbus.h"
#include "test-node.h"
#include "vm.h"

G_BEGIN_DECLS

/*
 * Collects statistics of every running guest once per interval and sends
 * them to every client as one Host.StatsUpdated signal (one signal per
 * interval whatever the number of guests), with one more entry (uuid "")
 * for the host itself. Collection pauses while no client is connected.
 */
#define MARINA_TYPE_STATS (marina_stats_get_type())
G_DECLARE_FINAL_TYPE(MarinaStats, marina_stats, MARINA, STATS, GObject)

/* Collects from the running guests of @guests (borrowed: outlives us). */
MarinaStats *marina_stats_new(MarinaVmRegistry *guests, MarinaDBusHost *host,
                              const MarinaDaemonConfig *config);
void marina_stats_set_active(MarinaStats *self, gboolean active);
/* Collect every @interval_ms from now on (0 = off); updates Host.StatsInterval. */
void marina_stats_set_interval(MarinaStats *self, guint interval_ms);
/* Which figures to collect (MarinaStatsKind bits). */
void marina_stats_set_kinds(MarinaStats *self, guint kinds);
/* The test driver: host figures are simulated from @node (borrowed). */
void marina_stats_set_test_node(MarinaStats *self, const MarinaTestNode *node);
/* Each round's a(sa{sv}) goes to @sink instead of Host.StatsUpdated on every
 * connection: the daemon sends it to each client in the encoding it chose. */
typedef void (*MarinaStatsSink)(GVariant *all, gpointer user_data);
void marina_stats_set_sink(MarinaStats *self, MarinaStatsSink sink, gpointer user_data);
/* "7.2.22" once known, "" before. */
const char *marina_stats_get_emulator_version(MarinaStats *self);

G_END_DECLS
