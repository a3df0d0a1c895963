/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): the TPM: model, emulated (swtpm) or the host's. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_TPM_PAGE (marina_hw_tpm_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwTpmPage, marina_hw_tpm_page, MARINA, HW_TPM_PAGE, GtkScrolledWindow)

GtkWidget *marina_hw_tpm_page_new(void);

G_END_DECLS
