/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-graph"

#include "config.h"

#include "graph.h"

#include <math.h>

#define GRAPH_MIN_WIDTH 160
#define GRAPH_MIN_HEIGHT 60
#define GRAPH_PADDING 2.0

struct _MarinaGraph {
    GtkDrawingArea parent_instance;

    GArray *a; /* double; the last element is the newest */
    GArray *b;
    double max;
    guint capacity;
    char *label;
};

G_DEFINE_FINAL_TYPE(MarinaGraph, marina_graph, GTK_TYPE_DRAWING_AREA)

static double
series_max(GArray *series)
{
    double m = 0;

    for (guint i = 0; i < series->len; i++) {
        double v = g_array_index(series, double, i);

        if (isfinite(v) && v > m) {
            m = v;
        }
    }
    return m;
}

/* The newest sample sits at the right edge; older ones scroll left. The
 * width holds as many samples as the longest series, at least 2. */
static void
trace_series(cairo_t *cr, GArray *series, guint slots, double x0, double y0, double w, double h,
             double max)
{
    double step = w / (double)(MAX(slots, 2) - 1);
    double right = x0 + w;

    if (series->len == 0) {
        return;
    }
    for (guint i = 0; i < series->len; i++) {
        double v = g_array_index(series, double, i);
        double x = right - (double)(series->len - 1 - i) * step;
        double y;

        if (!isfinite(v) || v < 0) {
            v = 0;
        }
        y = y0 + h - MIN(v / max, 1.0) * h;
        if (i == 0) {
            cairo_move_to(cr, x, y0 + h);
        }
        cairo_line_to(cr, x, y);
    }
    cairo_line_to(cr, right, y0 + h);
    cairo_close_path(cr);
}

static void
draw_series(cairo_t *cr, GArray *series, guint slots, const GdkRGBA *color, double x0, double y0,
            double w, double h, double max)
{
    trace_series(cr, series, slots, x0, y0, w, h, max);
    cairo_set_source_rgba(cr, color->red, color->green, color->blue, 0.25);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, color->red, color->green, color->blue, 1.0);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
}

static void
draw_label(MarinaGraph *self, GtkWidget *widget, cairo_t *cr, double width, const GdkRGBA *fg)
{
    PangoLayout *layout;
    int lw, lh;

    if (self->label == NULL || *self->label == '\0') {
        return;
    }
    layout = gtk_widget_create_pango_layout(widget, self->label);
    pango_layout_get_pixel_size(layout, &lw, &lh);
    cairo_set_source_rgba(cr, fg->red, fg->green, fg->blue, fg->alpha);
    cairo_move_to(cr, width - lw - 4 - GRAPH_PADDING, GRAPH_PADDING + 2);
    pango_cairo_show_layout(cr, layout);
    g_object_unref(layout);
}

static gboolean
marina_graph_draw(GtkWidget *widget, cairo_t *cr)
{
    MarinaGraph *self = MARINA_GRAPH(widget);
    GtkStyleContext *style = gtk_widget_get_style_context(widget);
    double width = gtk_widget_get_allocated_width(widget);
    double height = gtk_widget_get_allocated_height(widget);
    double x0 = GRAPH_PADDING, y0 = GRAPH_PADDING;
    double w = width - 2 * GRAPH_PADDING, h = height - 2 * GRAPH_PADDING;
    GdkRGBA fg, color_a = {0.20, 0.52, 0.89, 1.0}, color_b = {0.90, 0.38, 0.0, 1.0};
    guint slots = MAX(MAX(self->a->len, self->b->len), self->capacity);
    double max = self->max;

    gtk_render_background(style, cr, 0, 0, width, height);
    gtk_style_context_get_color(style, gtk_style_context_get_state(style), &fg);

    /* Frame and a mid line, faint, so an idle graph still reads as a graph. */
    cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.25);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, x0 + 0.5, y0 + 0.5, w - 1, h - 1);
    cairo_stroke(cr);
    cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.10);
    cairo_move_to(cr, x0, floor(y0 + h / 2) + 0.5);
    cairo_line_to(cr, x0 + w, floor(y0 + h / 2) + 0.5);
    cairo_stroke(cr);

    if (max <= 0) {
        max = MAX(series_max(self->a), series_max(self->b)) * 1.1;
    }
    if (max <= 0) {
        max = 1;
    }
    if (w > 2 && h > 2) {
        cairo_save(cr);
        cairo_rectangle(cr, x0, y0, w, h);
        cairo_clip(cr);
        draw_series(cr, self->a, slots, &color_a, x0, y0, w, h, max);
        draw_series(cr, self->b, slots, &color_b, x0, y0, w, h, max);
        cairo_restore(cr);
    }
    draw_label(self, widget, cr, width, &fg);
    return GDK_EVENT_PROPAGATE;
}

static void
marina_graph_get_preferred_width(GtkWidget *widget, int *minimum, int *natural)
{
    (void)widget;
    *minimum = GRAPH_MIN_WIDTH / 2;
    *natural = GRAPH_MIN_WIDTH * 2;
}

static void
marina_graph_get_preferred_height(GtkWidget *widget, int *minimum, int *natural)
{
    (void)widget;
    *minimum = GRAPH_MIN_HEIGHT;
    *natural = GRAPH_MIN_HEIGHT * 3 / 2;
}

GtkWidget *
marina_graph_new(void)
{
    return g_object_new(MARINA_TYPE_GRAPH, NULL);
}

static void
set_series(GArray *series, const double *values, guint n)
{
    g_array_set_size(series, 0);
    if (values != NULL && n > 0) {
        g_array_append_vals(series, values, n);
    }
}

void
marina_graph_set_data(MarinaGraph *self, const double *a, guint n_a, const double *b, guint n_b,
                      double max)
{
    g_return_if_fail(MARINA_IS_GRAPH(self));

    set_series(self->a, a, n_a);
    set_series(self->b, b, n_b);
    self->max = isfinite(max) && max > 0 ? max : 0;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
marina_graph_set_capacity(MarinaGraph *self, guint n_samples)
{
    g_return_if_fail(MARINA_IS_GRAPH(self));
    self->capacity = n_samples;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void
marina_graph_set_label(MarinaGraph *self, const char *text)
{
    g_return_if_fail(MARINA_IS_GRAPH(self));

    if (g_strcmp0(self->label, text) == 0) {
        return;
    }
    g_free(self->label);
    self->label = g_strdup(text);
    atk_object_set_description(gtk_widget_get_accessible(GTK_WIDGET(self)), text ? text : "");
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void
marina_graph_finalize(GObject *object)
{
    MarinaGraph *self = MARINA_GRAPH(object);

    g_array_unref(self->a);
    g_array_unref(self->b);
    g_free(self->label);
    G_OBJECT_CLASS(marina_graph_parent_class)->finalize(object);
}

static void
marina_graph_class_init(MarinaGraphClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->finalize = marina_graph_finalize;
    widget_class->draw = marina_graph_draw;
    widget_class->get_preferred_width = marina_graph_get_preferred_width;
    widget_class->get_preferred_height = marina_graph_get_preferred_height;
    gtk_widget_class_set_css_name(widget_class, "marina-graph");
}

static void
marina_graph_init(MarinaGraph *self)
{
    self->a = g_array_new(FALSE, FALSE, sizeof(double));
    self->b = g_array_new(FALSE, FALSE, sizeof(double));
}
