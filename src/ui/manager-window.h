/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager window: every connection and its guests, with live graphs. */
#pragma once

#include <gtk/gtk.h>

#include "application.h"
#include "guest.h"
#include "vm-window.h"

G_BEGIN_DECLS

#define MARINA_TYPE_MANAGER_WINDOW (marina_manager_window_get_type())
G_DECLARE_FINAL_TYPE(MarinaManagerWindow, marina_manager_window, MARINA, MANAGER_WINDOW,
                     GtkApplicationWindow)

MarinaManagerWindow *marina_manager_window_new(MarinaApplication *app);

/* Shows @uri as a connection row (once); with @open, opens it unless it is
 * open or opening. */
void marina_manager_window_add_connection(MarinaManagerWindow *self, const char *uri,
                                          gboolean open);

/* Opens the VM window of the guest called @name on its Console view as soon
 * as the guest list of @uri (NULL: any connection) has loaded. */
void marina_manager_window_show_domain_console(MarinaManagerWindow *self, const char *uri,
                                               const char *name);

/* Shows @message in the window's info bar (an error unless @type says otherwise). */
void marina_manager_window_show_message(MarinaManagerWindow *self, GtkMessageType type,
                                        const char *message);

/* Shows "@prefix message" for @error in the info bar (see marina_ui_error_text()). */
void marina_manager_window_show_error(MarinaManagerWindow *self, const char *prefix,
                                      const GError *error);

/* Cancelled when the window goes: operations it started use it. */
GCancellable *marina_manager_window_get_cancellable(MarinaManagerWindow *self);

/* The VM window open for @guest, or NULL (migration routes to it). */
MarinaVmWindow *marina_manager_window_lookup_vm_window(MarinaManagerWindow *self,
                                                       MarinaGuest *guest);

/* The Add Connection dialog. */
void marina_manager_window_add_connection_dialog(MarinaManagerWindow *self);
/* The Restore Saved Machine dialog. */
void marina_manager_window_restore_dialog(MarinaManagerWindow *self);

G_END_DECLS
