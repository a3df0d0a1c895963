/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The new-guest wizard: install source, operating system, memory and vCPUs, storage, summary. */
#pragma once

#include <gtk/gtk.h>

#include "connection-entry.h"
#include "guest-list.h"
#include "installer.h"

G_BEGIN_DECLS

#define MARINA_TYPE_NEW_VM_WIZARD (marina_new_vm_wizard_get_type())
G_DECLARE_FINAL_TYPE(MarinaNewVmWizard, marina_new_vm_wizard, MARINA, NEW_VM_WIZARD, GtkWindow)

/* A wizard transient for @parent (not modal: the manager stays usable). */
MarinaNewVmWizard *marina_new_vm_wizard_new(GtkWindow *parent);

/* Offers the connection manager's @entry in the Connection combo (its label;
 * its files are on this computer when it is local: a local file chooser and
 * file checks make sense). The wizard follows the entry: a reconnect reads
 * the host again; while it is disconnected, Forward and Finish say so.
 * @selected preselects it. */
void marina_new_vm_wizard_add_connection(MarinaNewVmWizard *self, MarinaConnectionEntry *entry,
                                         gboolean selected);

/* Signal "guest-created" (MarinaGuestList *list, MarinaGuest *guest,
 * MarinaInstaller *customize): Finish made the guest and it is in @list; the
 * wizard closes after the handlers ran. @customize is NULL when the guest was
 * started (open its console), else the installer of a prepare-only run that
 * the guest's details page begins or abandons. */

G_END_DECLS
