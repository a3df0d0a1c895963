/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-guest window: lifecycle header bar, consoles and details pages. */
#pragma once

#include <gtk/gtk.h>

#include "connection-entry.h"
#include "guest-list.h"
#include "guest.h"
#include "installer.h"

G_BEGIN_DECLS

#define MARINA_TYPE_VM_WINDOW (marina_vm_window_get_type())
G_DECLARE_FINAL_TYPE(MarinaVmWindow, marina_vm_window, MARINA, VM_WINDOW, GtkApplicationWindow)

MarinaVmWindow *marina_vm_window_new(GtkApplication *app, MarinaGuestList *list,
                                     MarinaGuest *guest);
MarinaGuest *marina_vm_window_get_guest(MarinaVmWindow *self);
/* Switch to the Console view. */
void marina_vm_window_show_console(MarinaVmWindow *self);
/* Switch to the Details view. */
void marina_vm_window_show_details(MarinaVmWindow *self);
/* The guest was prepared but not started (the wizard's "Customize
 * configuration before install"): show its details with a bar to begin or
 * cancel the installation. */
void marina_vm_window_customize(MarinaVmWindow *self, MarinaInstaller *installer);

/* Migration (the manager routes it here):
 * marina_vm_window_hold(TRUE) while the guest moves, so that its leaving this
 * host does not close the window; then either marina_vm_window_hold(FALSE)
 * (it stayed) or marina_vm_window_follow(): the guest @uuid is now on
 * @entry's host, and once it is listed there the window shows it there -- its
 * console reconnects there and the title names the new host -- and emits
 * "moved" (MarinaConnectionEntry *entry). */
void marina_vm_window_hold(MarinaVmWindow *self, gboolean held);
void marina_vm_window_follow(MarinaVmWindow *self, MarinaConnectionEntry *entry, const char *uuid);

/* Shows @message in the window's info bar (nothing once the window is going). */
void marina_vm_window_show_error(MarinaVmWindow *self, const char *message);

G_END_DECLS
