/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): autostart, boot menu, boot order, direct kernel boot. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_BOOT_PAGE (marina_hw_boot_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwBootPage, marina_hw_boot_page, MARINA, HW_BOOT_PAGE, GtkScrolledWindow)

GtkWidget *marina_hw_boot_page_new(void);
/* Autostart is the guest's property, not part of its definition: the
 * Details view shows it here and applies it with Domain.SetAutostart. */
void marina_hw_boot_page_set_autostart(MarinaHwBootPage *self, gboolean autostart);
gboolean marina_hw_boot_page_get_autostart(MarinaHwBootPage *self);

G_END_DECLS
