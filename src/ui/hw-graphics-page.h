/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one display server (VNC): listen address, port, password. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_GRAPHICS_PAGE (marina_hw_graphics_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwGraphicsPage, marina_hw_graphics_page, MARINA, HW_GRAPHICS_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_graphics_page_new(void);

G_END_DECLS
