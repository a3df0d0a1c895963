/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Step 4 of the new-guest wizard: the guest's disk: a new one in a storage
 * pool (size, format, allocation), an existing volume or path, or none; an
 * import's disk image instead. */
#pragma once

#include <gtk/gtk.h>

#include "install-spec.h"
#include "os-catalog.h"
#include "wizard-host.h"

G_BEGIN_DECLS

#define MARINA_TYPE_WIZARD_STORAGE_PAGE (marina_wizard_storage_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaWizardStoragePage, marina_wizard_storage_page, MARINA,
                     WIZARD_STORAGE_PAGE, GtkBox)

/* The host whose pools are offered. */
void marina_wizard_storage_page_set_host(MarinaWizardStoragePage *self, MarinaWizardHost *host);
/* @os's disk size, unless the person set one. */
void marina_wizard_storage_page_apply_os(MarinaWizardStoragePage *self, const MarinaOsInfo *os);
/* The disk image of an import (the guest's disk then), or NULL when the
 * install is not an import. */
void marina_wizard_storage_page_set_import_path(MarinaWizardStoragePage *self, const char *path);

/* Shows the page's state and its problems (the page is shown). */
void marina_wizard_storage_page_update(MarinaWizardStoragePage *self);

/* Forward's checks; an existing disk on this computer is looked at (taking
 * time: the page emits "busy" first). Completes with TRUE, or with an error
 * the page shows already (cancelled: nothing shown). */
void marina_wizard_storage_page_check_async(MarinaWizardStoragePage *self,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean marina_wizard_storage_page_check_finish(MarinaWizardStoragePage *self,
                                                 GAsyncResult *result, GError **error);

/* The summary's Storage line. */
char *marina_wizard_storage_page_describe(MarinaWizardStoragePage *self);
/* Adds the chosen disk (none for an import) to @spec. */
void marina_wizard_storage_page_fill_spec(MarinaWizardStoragePage *self, MarinaInstallSpec *spec);

/* Signal "busy" (const char *message): a check that takes time began. */

G_END_DECLS
