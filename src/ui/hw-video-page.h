/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Details page (MarinaHwPage): one video device: model, video RAM, heads. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_HW_VIDEO_PAGE (marina_hw_video_page_get_type())
G_DECLARE_FINAL_TYPE(MarinaHwVideoPage, marina_hw_video_page, MARINA, HW_VIDEO_PAGE,
                     GtkScrolledWindow)

GtkWidget *marina_hw_video_page_new(void);

G_END_DECLS
