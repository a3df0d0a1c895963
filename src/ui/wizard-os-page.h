/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Step 2 of the new-guest wizard: the operating system, detected from the
 * install source or chosen from the catalog (or Generic), and the memory,
 * vCPUs and disk it suggests. */
#pragma once

#include <gtk/gtk.h>

#include "os-catalog.h"

G_BEGIN_DECLS

#define MARINA_TYPE_WIZARD_OS_PAGE (marina_wizard_os_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaWizardOsPage, marina_wizard_os_page, MARINA, WIZARD_OS_PAGE, GtkBox)

/* Whether the install method can say which OS it installs (media, a tree). */
void marina_wizard_os_page_set_can_detect(MarinaWizardOsPage *self, gboolean can_detect);
/* What the host said of the install source (NULL: nothing), to detect the OS from. */
void marina_wizard_os_page_set_source_info(MarinaWizardOsPage *self, GVariant *source_info);

/* Shows the detection and the chosen OS's suggestions (the page is shown). */
void marina_wizard_os_page_update(MarinaWizardOsPage *self);
/* Forward: the OS to install, or NULL with the reason shown. */
const MarinaOsInfo *marina_wizard_os_page_check(MarinaWizardOsPage *self);

G_END_DECLS
