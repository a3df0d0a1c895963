/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A cell renderer drawing a guest's statistics history as a small filled line graph. */
#pragma once

#include <gtk/gtk.h>

#include "guest.h"

G_BEGIN_DECLS

#define MARINA_TYPE_SPARKLINE_RENDERER (marina_sparkline_renderer_get_type())
G_DECLARE_FINAL_TYPE(MarinaSparklineRenderer, marina_sparkline_renderer, MARINA, SPARKLINE_RENDERER,
                     GtkCellRenderer)

/*
 * Properties: "guest" (MarinaGuest, NULL draws nothing), "series" (int,
 * MarinaGuestSeries), "series2" (int, a second series drawn over the first,
 * e.g. disk writes over reads; -1 = none). The history is read at draw time,
 * so only visible rows cost anything.
 */
GtkCellRenderer *marina_sparkline_renderer_new(MarinaGuestSeries series, int series2);

G_END_DECLS
