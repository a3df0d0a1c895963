/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Add New Virtual Hardware: a device of any kind built on its page, checked
 * with the domain model before anything touches the guest, then attached
 * (live and to the definition where QEMU can, else to the definition for the
 * next boot). A disk image made for the device is deleted again when the
 * device cannot be attached. */
#pragma once

#include <gtk/gtk.h>

#include "domain.h"
#include "guest.h"

G_BEGIN_DECLS

#define MARINA_TYPE_ADD_HARDWARE_DIALOG (marina_add_hardware_dialog_get_type())
G_DECLARE_FINAL_TYPE(MarinaAddHardwareDialog, marina_add_hardware_dialog, MARINA,
                     ADD_HARDWARE_DIALOG, GtkDialog)

/* A modal dialog over @parent for @guest (@domain: its daemon object); it
 * destroys itself when cancelled or once the device is added.
 *
 * Signal "device-added" (const char *message): the device is in the guest;
 * @message says so and whether it waits for the next boot. */
MarinaAddHardwareDialog *marina_add_hardware_dialog_new(GtkWindow *parent, MarinaGuest *guest,
                                                        MarinaDomain *domain);

G_END_DECLS
