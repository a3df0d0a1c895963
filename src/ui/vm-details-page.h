/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM window's Details view: Overview (name, state, vCPUs, memory, ...),
 * Performance (live graphs, drawn only while shown) and the XML editor. */
#pragma once

#include <gtk/gtk.h>

#include "domain.h"
#include "guest.h"

G_BEGIN_DECLS

#define MARINA_TYPE_VM_DETAILS_PAGE (marina_vm_details_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaVmDetailsPage, marina_vm_details_page, MARINA, VM_DETAILS_PAGE, GtkPaned)

/* The guest shown; its property changes update the overview. Set again
 * after a migration (the same guest on its new host). */
void marina_vm_details_page_set_guest(MarinaVmDetailsPage *self, MarinaGuest *guest);
/* The guest's daemon object, for the XML editor. */
void marina_vm_details_page_set_domain(MarinaVmDetailsPage *self, MarinaDomain *domain);
/* The description from the guest's configuration (NULL: none). */
void marina_vm_details_page_set_description(MarinaVmDetailsPage *self, const char *description);
/* New statistics arrived: redraws the graphs if they are on screen. */
void marina_vm_details_page_stats_updated(MarinaVmDetailsPage *self);
/* Selects the XML tab. */
void marina_vm_details_page_show_xml(MarinaVmDetailsPage *self);

G_END_DECLS
