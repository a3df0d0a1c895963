/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Browse Volumes…: the volumes of a host's active storage pools, with their
 * size, format and the guests that use them; Choose hands the chosen
 * volume's path (on the host) over. */
#pragma once

#include <gtk/gtk.h>

#include "wizard-host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_VOLUME_PICKER (marina_volume_picker_get_type())
G_DECLARE_FINAL_TYPE(MarinaVolumePicker, marina_volume_picker, MARINA, VOLUME_PICKER, GtkDialog)

/* A modal picker over @parent listing the volumes of @host's active pools; it
 * destroys itself when answered. NULL when @host has no connection. */
MarinaVolumePicker *marina_volume_picker_new(GtkWindow *parent, MarinaWizardHost *host);

/* Opens a picker for @button's window whose chosen path goes into @target. */
void marina_volume_picker_choose_into(GtkWidget *button, MarinaWizardHost *host, GtkEntry *target);

/* Signal "volume-chosen" (const char *path): Choose was pressed on a volume. */

G_END_DECLS
