/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Add Storage Pool: asks for a pool's name, type and source, defines it on
 * the host (Host.DefinePool), then starts it and sets its autostart as asked.
 * Mistakes and the daemon's errors show in the dialog, which stays open. */
#pragma once

#include <gtk/gtk.h>

#include "connection.h"

G_BEGIN_DECLS

#define MARINA_TYPE_ADD_POOL_DIALOG (marina_add_pool_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaAddPoolDialog, marina_add_pool_dialog, MARINA, ADD_POOL_DIALOG,
                     GtkDialog)

/* @taken: the names of the host's pools (a new pool must not replace one).
 * @local: the host is this computer, so its folders can be browsed here.
 *
 * Signal "pool-added" (const char *name): the pool was defined (and started
 * when asked); the dialog closes itself right after. */
MarinaAddPoolDialog *marina_add_pool_dialog_new(GtkWindow *parent, MarinaConnection *connection,
                                                const char *const *taken, gboolean local);

G_END_DECLS
