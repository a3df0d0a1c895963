/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM window's Details view, as virt-manager has it: the guest's
 * hardware listed on the left (Overview, OS information, Performance, CPUs,
 * Memory, Boot options, then one row per device, XML last) and a page per
 * kind on the right (hw-*-page.c) with Apply / Revert, and Remove for
 * devices. Apply stores the change in the persistent definition and, on a
 * running guest, makes live what QEMU can (hw-apply.c). */
#pragma once

#include <gtk/gtk.h>

#include "domain.h"
#include "guest.h"

G_BEGIN_DECLS

#define MARINA_TYPE_VM_DETAILS_PAGE (marina_vm_details_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaVmDetailsPage, marina_vm_details_page, MARINA, VM_DETAILS_PAGE, GtkPaned)

/* The guest shown; its state changes reload the pages. Set again after a
 * migration (the same guest on its new host). */
void marina_vm_details_page_set_guest(MarinaVmDetailsPage *self, MarinaGuest *guest);
/* The guest's daemon object: its definitions are read and changed through
 * it (and the XML editor's); its config-changed reloads the pages. */
void marina_vm_details_page_set_domain(MarinaVmDetailsPage *self, MarinaDomain *domain);
/* The description from the guest's configuration (NULL: none): when it is
 * not the one shown, the pages read the definition again. */
void marina_vm_details_page_set_description(MarinaVmDetailsPage *self, const char *description);
/* New statistics arrived: redraws the graphs if they are on screen. */
void marina_vm_details_page_stats_updated(MarinaVmDetailsPage *self);
/* Selects the XML tab. */
void marina_vm_details_page_show_xml(MarinaVmDetailsPage *self);

G_END_DECLS
