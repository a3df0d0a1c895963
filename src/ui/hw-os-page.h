/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): the operating system the guest was installed with (libosinfo). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_OS_PAGE (marina_hw_os_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwOsPage, marina_hw_os_page, MARINA, HW_OS_PAGE, GtkScrolledWindow)

GtkWidget *marina_hw_os_page_new(void);

G_END_DECLS
