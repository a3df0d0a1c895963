/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): the watchdog: model, action. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_WATCHDOG_PAGE (marina_hw_watchdog_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwWatchdogPage, marina_hw_watchdog_page, MARINA, HW_WATCHDOG_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_watchdog_page_new(void);

G_END_DECLS
