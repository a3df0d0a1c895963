/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one sound device's model. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_SOUND_PAGE (marina_hw_sound_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwSoundPage, marina_hw_sound_page, MARINA, HW_SOUND_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_sound_page_new(void);

G_END_DECLS
