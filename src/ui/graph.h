/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small widget drawing one or two series (e.g. read/write) over time. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MARINA_TYPE_GRAPH (marina_graph_get_type())
G_DECLARE_FINAL_TYPE(MarinaGraph, marina_graph, MARINA, GRAPH, GtkDrawingArea)

GtkWidget *marina_graph_new(void);
/* Copies the series; the last element is the newest. @max 0 = scale to the data. */
void marina_graph_set_data(MarinaGraph *self, const double *a, guint n_a, const double *b,
                           guint n_b, double max /* 0 = auto */);
/* How many samples the width holds (e.g. MARINA_GUEST_HISTORY), so a short
 * history fills in from the right instead of stretching. 0 (default): the
 * longest series spans the width. */
void marina_graph_set_capacity(MarinaGraph *self, guint n_samples);
/* Text drawn in a corner, e.g. "12 %". */
void marina_graph_set_label(MarinaGraph *self, const char *text);

G_END_DECLS
