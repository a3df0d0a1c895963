/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Add Connection: this computer or a host over SSH (user, host, port), the
 * session or system daemon, autoconnect; the URI they make is shown as it
 * is built and can be edited (the URI typed wins, the fields follow it).
 * A URI that does not parse is explained in the dialog and cannot be
 * connected to. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_ADD_CONNECTION_DIALOG (marina_add_connection_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaAddConnectionDialog, marina_add_connection_dialog, MARINA,
                     ADD_CONNECTION_DIALOG, GtkDialog)

/* Signal "connection-chosen" (const char *canonical_uri, gboolean autoconnect):
 * Connect was pressed with a URI that parses; the dialog then closes. */
MarinaAddConnectionDialog *marina_add_connection_dialog_new(GtkWindow *parent);

G_END_DECLS
