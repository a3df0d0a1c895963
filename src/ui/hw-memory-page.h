/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): current and maximum memory. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_MEMORY_PAGE (marina_hw_memory_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwMemoryPage, marina_hw_memory_page, MARINA, HW_MEMORY_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_memory_page_new(void);

G_END_DECLS
