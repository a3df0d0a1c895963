/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Grow a guest's disk (Domain.ResizeDisk): a running guest's through QEMU,
 * which it sees at once, a shut-off guest's image directly. The dialog stays open with the
 * reason when the size is refused, and closes itself once the disk grew. */
#pragma once

#include <gtk/gtk.h>

#include "domain.h"

G_BEGIN_DECLS

#define MARINA_TYPE_HW_GROW_DISK_DIALOG (marina_hw_grow_disk_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwGrowDiskDialog, marina_hw_grow_disk_dialog, MARINA,
                     HW_GROW_DISK_DIALOG, GtkDialog)

/* For disk @target (vda ...) of @domain, now @capacity bytes (0: unknown);
 * @running: the guest runs (it sees the growth at once). */
GtkWidget *marina_hw_grow_disk_dialog_new(GtkWindow *parent, MarinaDomain *domain,
                                          const char *target, guint64 capacity, gboolean running);

G_END_DECLS
