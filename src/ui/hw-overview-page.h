/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): the guest's name, title, description, and what identifies it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_OVERVIEW_PAGE (marina_hw_overview_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwOverviewPage, marina_hw_overview_page, MARINA, HW_OVERVIEW_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_overview_page_new(void);
/* The state as the guest list shows it ("Running", "Shut off" ...). */
void marina_hw_overview_page_set_state(MarinaHwOverviewPage *self, const char *state);

G_END_DECLS
