/* SPDX-License-Identifier: GPL-2.0-or-later */
/* New Storage Volume: name, format and capacity of a volume in one pool,
 * created with StoragePool.CreateVolume; the allocation job's progress shows
 * in the dialog and can be cancelled. Mistakes and errors show in the
 * dialog, which stays open. */
#pragma once

#include <gtk/gtk.h>

#include "connection.h"

G_BEGIN_DECLS

#define MARINA_TYPE_NEW_VOLUME_DIALOG (marina_new_volume_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaNewVolumeDialog, marina_new_volume_dialog, MARINA, NEW_VOLUME_DIALOG,
                     GtkDialog)

/* @pool_path: the pool's object path; @available: its free space in bytes;
 * @taken: the names of its volumes.
 *
 * Signal "volume-created" (const char *name): the volume exists; the dialog
 * closes itself right after. */
MarinaNewVolumeDialog *marina_new_volume_dialog_new(GtkWindow *parent, MarinaConnection *connection,
                                                    const char *pool_path, const char *pool_name,
                                                    guint64 available, const char *const *taken);

G_END_DECLS
