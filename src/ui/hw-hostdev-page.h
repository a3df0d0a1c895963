/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): a USB or PCI device of the host given to the guest. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_HOSTDEV_PAGE (marina_hw_hostdev_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwHostdevPage, marina_hw_hostdev_page, MARINA, HW_HOSTDEV_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_hostdev_page_new(void);

G_END_DECLS
