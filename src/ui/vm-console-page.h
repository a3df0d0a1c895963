/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM window's Console view: the graphical console (VNC) or a serial
 * port, opened from the daemon while the guest runs, reconnected after a
 * reboot, with pages that say why there is nothing to show. */
#pragma once

#include <gtk/gtk.h>

#include "guest.h"
#include "domain.h"
#include "vnc-console.h"

G_BEGIN_DECLS

#define MARINA_TYPE_VM_CONSOLE_PAGE (marina_vm_console_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaVmConsolePage, marina_vm_console_page, MARINA, VM_CONSOLE_PAGE, GtkStack)

/* Signals:
 *   "changed" ()  what the page can do changed (connected, disconnected,
 *       the guest's state): the window updates its actions
 *   "console-selected" (const char *target)  the console shown now:
 *       "graphical", "serial-N" or "none" (the window's "console" action state) */

/* The guest shown; set again after a migration (the same guest on its new host). */
void marina_vm_console_page_set_guest(MarinaVmConsolePage *self, MarinaGuest *guest);
/* The guest's daemon object; consoles open through it. */
void marina_vm_console_page_set_domain(MarinaVmConsolePage *self, MarinaDomain *domain);
/* What the configuration offers (a display, @n_serials serial ports);
 * builds the serial pages and picks the console to show. */
void marina_vm_console_page_set_config(MarinaVmConsolePage *self, gboolean has_graphics,
                                       guint n_serials);
/* The Console View menu (radio items for win.console) for the current configuration. */
GtkWidget *marina_vm_console_page_build_view_menu(MarinaVmConsolePage *self);
/* Shows @target ("graphical", "serial-N"), chosen by the user; FALSE when
 * there is no such console. */
gboolean marina_vm_console_page_select(MarinaVmConsolePage *self, const char *target);
/* "Connect Again": forget failed attempts and open the console now. */
void marina_vm_console_page_reconnect(MarinaVmConsolePage *self);
/* The daemon connection is gone: close the consoles and say so. */
void marina_vm_console_page_connection_lost(MarinaVmConsolePage *self);
/* This window's scaling of the graphical console: "fit" (scaled to the
 * window, aspect kept), "100" (the guest's size, with scrollbars; scaled in
 * fullscreen when Preferences say "fullscreen") or "resize" (the guest's
 * display resized to the window). A new page starts with the last choice
 * (console-scaling / console-resize-guest); the window keeps its own. */
void marina_vm_console_page_set_scaling(MarinaVmConsolePage *self, const char *mode);
const char *marina_vm_console_page_get_scaling(MarinaVmConsolePage *self);
/* Scaling follows the window's fullscreen state. */
void marina_vm_console_page_set_fullscreen(MarinaVmConsolePage *self, gboolean fullscreen);
/* Gives the keyboard to the console shown, if it is attached. */
void marina_vm_console_page_focus(MarinaVmConsolePage *self);

gboolean marina_vm_console_page_has_graphics(MarinaVmConsolePage *self);
/* The graphical console is shown and connected (keys can be sent). */
gboolean marina_vm_console_page_can_send_keys(MarinaVmConsolePage *self);
void marina_vm_console_page_send_keys(MarinaVmConsolePage *self, MarinaVncKeys keys);
/* The graphical console's picture, or NULL when it is not open. */
GdkPixbuf *marina_vm_console_page_get_pixbuf(MarinaVmConsolePage *self);

G_END_DECLS
