/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Restore Saved Machine: a file chooser for this computer, and for a remote
 * host (whose files cannot be browsed from here) MarinaRestoreDialog, which
 * asks for the path on that host. */
#pragma once

#include <gtk/gtk.h>

#include "connection-entry.h"
#include "manager-window.h"

G_BEGIN_DECLS

#define MARINA_TYPE_RESTORE_DIALOG (marina_restore_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaRestoreDialog, marina_restore_dialog, MARINA, RESTORE_DIALOG, GtkDialog)

/* The path entered (valid after GTK_RESPONSE_ACCEPT). */
const char *marina_restore_dialog_get_path(MarinaRestoreDialog *self);

/* Asks for the saved file and restores it on @entry's host; failures show
 * in @window's info bar. */
void marina_restore_dialog_present(MarinaManagerWindow *window, MarinaConnectionEntry *entry);

G_END_DECLS
