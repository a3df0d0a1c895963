/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Migrate: where a guest goes (a connected host, or a URI connected on
 * demand) and how (live or offline, direct or tunnelled, shared or copied
 * storage, temporary, the advanced limits); then the move itself with its
 * figures, Cancel, and the outcome -- the daemon's own words on failure. */
#pragma once

#include <gtk/gtk.h>

#include "connection-manager.h"
#include "guest.h"

G_BEGIN_DECLS

#define MARINA_TYPE_MIGRATE_DIALOG (marina_migrate_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaMigrateDialog, marina_migrate_dialog, MARINA, MIGRATE_DIALOG, GtkDialog)

/*
 * Signals:
 *   "migration-started" (): Migrate was pressed; the guest may move.
 *   "migration-finished" (MarinaConnectionEntry *destination, const char *uuid):
 *       the run ended. @destination is where the guest @uuid now is, or NULL
 *       when it stayed on its host (failed or cancelled).
 * The dialog stays open while the guest moves: closing it then cancels the
 * migration, and it closes once the outcome is known and seen.
 */

/* Migrate @guest of @source (connected); destinations are the other
 * connected entries of @manager, or a URI added to it. */
MarinaMigrateDialog *marina_migrate_dialog_new(GtkWindow *parent, MarinaConnectionManager *manager,
                                               MarinaConnectionEntry *source, MarinaGuest *guest);

G_END_DECLS
