/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Preferences: statistics, confirmations and console settings, bound to GSettings. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_PREFERENCES_DIALOG (marina_preferences_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaPreferencesDialog, marina_preferences_dialog, MARINA, PREFERENCES_DIALOG,
                     GtkDialog)

GtkWidget *marina_preferences_dialog_new(GtkWindow *parent);

G_END_DECLS
