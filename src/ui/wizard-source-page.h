/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Step 1 of the new-guest wizard: the connection, and how the operating
 * system is installed (install media, network install tree, PXE, an existing
 * disk image, a kernel, or by hand later), with the source's paths checked
 * before Forward. */
#pragma once

#include <gtk/gtk.h>

#include "install-spec.h"
#include "wizard-host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_WIZARD_SOURCE_PAGE (marina_wizard_source_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaWizardSourcePage, marina_wizard_source_page, MARINA, WIZARD_SOURCE_PAGE,
                     GtkBox)

/* The host of the selected connection (file choosers, volumes, checks). */
void marina_wizard_source_page_set_host(MarinaWizardSourcePage *self, MarinaWizardHost *host);

/* The Connection combo: entries by index, as the wizard added them. */
void marina_wizard_source_page_add_connection(MarinaWizardSourcePage *self, const char *label);
int marina_wizard_source_page_get_connection(MarinaWizardSourcePage *self);
void marina_wizard_source_page_set_connection(MarinaWizardSourcePage *self, int index);

MarinaInstallMethod marina_wizard_source_page_get_method(MarinaWizardSourcePage *self);
/* The disk image of an import. */
char *marina_wizard_source_page_get_import_path(MarinaWizardSourcePage *self);
/* The summary's Install line ("Direct kernel boot: /boot/vmlinuz"). */
char *marina_wizard_source_page_describe(MarinaWizardSourcePage *self);
/* Sets the install method and source of @spec (an import's disk too). */
void marina_wizard_source_page_fill_spec(MarinaWizardSourcePage *self, MarinaInstallSpec *spec);

/* Forward's checks: the paths, then (taking time: the page emits "busy"
 * first) what the host says of the install source or that local files exist.
 * Completes with TRUE and, for install media or a tree, @source_info (the
 * host's description of it, for OS detection); or with an error that the page
 * shows already (cancelled: nothing shown). */
void marina_wizard_source_page_check_async(MarinaWizardSourcePage *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_wizard_source_page_check_finish(MarinaWizardSourcePage *self, GAsyncResult *result,
                                                GVariant **source_info, GError **error);

/* Signals:
 *   "connection-changed": another connection was chosen in the combo.
 *   "method-changed": another install method was chosen.
 *   "busy" (const char *message): a check that takes time began.
 */

G_END_DECLS
