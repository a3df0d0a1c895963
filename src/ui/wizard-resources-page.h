/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Step 3 of the new-guest wizard: memory and vCPUs, checked against the host
 * and the operating system as they are typed. */
#pragma once

#include <gtk/gtk.h>

#include "os-catalog.h"
#include "wizard-host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_WIZARD_RESOURCES_PAGE (marina_wizard_resources_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaWizardResourcesPage, marina_wizard_resources_page, MARINA,
                     WIZARD_RESOURCES_PAGE, GtkBox)

/* The host whose CPUs and memory bound the answers. */
void marina_wizard_resources_page_set_host(MarinaWizardResourcesPage *self, MarinaWizardHost *host);
/* @os's memory and vCPUs, unless the person set them (within the host's). */
void marina_wizard_resources_page_apply_os(MarinaWizardResourcesPage *self, const MarinaOsInfo *os);

/* Shows errors and warnings; FALSE when something blocks Forward. */
gboolean marina_wizard_resources_page_check(MarinaWizardResourcesPage *self);
/* Forward: TRUE when the answers are fine (the typed numbers become the values). */
gboolean marina_wizard_resources_page_forward(MarinaWizardResourcesPage *self);

double marina_wizard_resources_page_get_memory_mib(MarinaWizardResourcesPage *self);
int marina_wizard_resources_page_get_vcpus(MarinaWizardResourcesPage *self);

G_END_DECLS
