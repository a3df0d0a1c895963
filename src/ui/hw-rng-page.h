/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one random number generator: its host device. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_RNG_PAGE (marina_hw_rng_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwRngPage, marina_hw_rng_page, MARINA, HW_RNG_PAGE, GtkScrolledWindow)

GtkWidget *marina_hw_rng_page_new(void);

G_END_DECLS
