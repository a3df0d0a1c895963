/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one input device (tablet, mouse, keyboard). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_INPUT_PAGE (marina_hw_input_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwInputPage, marina_hw_input_page, MARINA, HW_INPUT_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_input_page_new(void);

G_END_DECLS
