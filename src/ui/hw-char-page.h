/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one serial port or console: type, port, target.
 * Its load() index counts the serial ports first, then the consoles. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_CHAR_PAGE (marina_hw_char_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwCharPage, marina_hw_char_page, MARINA, HW_CHAR_PAGE, GtkScrolledWindow)

GtkWidget *marina_hw_char_page_new(void);

G_END_DECLS
