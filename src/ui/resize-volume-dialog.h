/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resize Volume: grows a storage volume to a capacity typed in GiB; the
 * dialog stays open with the reason when the size is refused. */
#pragma once

#include <gtk/gtk.h>

#include "volume.h"

G_BEGIN_DECLS

#define MARINA_TYPE_RESIZE_VOLUME_DIALOG (marina_resize_volume_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaResizeVolumeDialog, marina_resize_volume_dialog, MARINA,
                     RESIZE_VOLUME_DIALOG, GtkDialog)

/* A modal dialog over @parent for @volume, named @name, of @capacity bytes;
 * it closes itself once the volume grew. */
MarinaResizeVolumeDialog *marina_resize_volume_dialog_new(GtkWindow *parent, MarinaVolume *volume,
                                                          const char *name, guint64 capacity);

G_END_DECLS
