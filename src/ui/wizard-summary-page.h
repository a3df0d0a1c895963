/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Step 5 of the new-guest wizard: the guest's name (checked as it is typed),
 * what Finish makes, the network, and whether to customize before install. */
#pragma once

#include <gtk/gtk.h>

#include "install-spec.h"
#include "os-catalog.h"
#include "wizard-host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_WIZARD_SUMMARY_PAGE (marina_wizard_summary_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaWizardSummaryPage, marina_wizard_summary_page, MARINA,
                     WIZARD_SUMMARY_PAGE, GtkBox)

/* The host whose guests the name must not take, and whose networks are offered. */
void marina_wizard_summary_page_set_host(MarinaWizardSummaryPage *self, MarinaWizardHost *host);

/* Shows what Finish makes (the page is shown); proposes a free name after
 * @os unless the person typed one. */
void marina_wizard_summary_page_show(MarinaWizardSummaryPage *self, const MarinaOsInfo *os,
                                     const char *install, double memory_mib, int vcpus,
                                     const char *storage);

/* Shows what is wrong with the name; TRUE when it is fine. Emits "name-checked". */
gboolean marina_wizard_summary_page_check_name(MarinaWizardSummaryPage *self);
/* Whether the name was fine when last checked. */
gboolean marina_wizard_summary_page_name_ok(MarinaWizardSummaryPage *self);
char *marina_wizard_summary_page_get_name(MarinaWizardSummaryPage *self);
/* "user", "bridge=NAME" or "none"; NULL (with the reason shown) when a typed
 * bridge name is wrong. */
char *marina_wizard_summary_page_get_network(MarinaWizardSummaryPage *self);
gboolean marina_wizard_summary_page_get_customize(MarinaWizardSummaryPage *self);
/* The firmware, chipset (machine) and architecture chosen for a customized
 * guest into @spec; nothing when it is not customized (the defaults). */
void marina_wizard_summary_page_fill_spec(MarinaWizardSummaryPage *self, MarinaInstallSpec *spec);
/* Why Finish failed (NULL: clears it). */
void marina_wizard_summary_page_set_finish_error(MarinaWizardSummaryPage *self,
                                                 const char *message);

/* Signal "name-checked": the name was checked (Finish follows it). */

G_END_DECLS
