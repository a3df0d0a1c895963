/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one controller: type, index, model. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_CONTROLLER_PAGE (marina_hw_controller_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwControllerPage, marina_hw_controller_page, MARINA, HW_CONTROLLER_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_controller_page_new(void);

G_END_DECLS
