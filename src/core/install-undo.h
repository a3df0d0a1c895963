#pragma once

#include <gio/gio.h>

#include "domain.h"
#include "volume.h"

G_BEGIN_DECLS

/*
 * Taking away what an install made, for MarinaInstaller's rollback and
 * abandon: the guest stopped (when it may run), undefined with its managed
 * save image, then the volumes created for it deleted, newest first.
 * Every step is tried even when an earlier one failed; failures are logged
 * (a person cannot act on them better than the daemon's log says), so the
 * undo itself always succeeds. Not cancellable: half an undo is the state
 * it exists to prevent.
 */

/* @domain may be NULL (nothing defined yet); @volumes holds MarinaVolume*
 * in creation order and is emptied as they are deleted (the undo holds a
 * reference on it). @guest_name is for the log. */
void marina_install_undo_async(const char *guest_name, MarinaDomain *domain, gboolean may_run,
                               GPtrArray *volumes, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean marina_install_undo_finish(GAsyncResult *result, GError **error);

G_END_DECLS
