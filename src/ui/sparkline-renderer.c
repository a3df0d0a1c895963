/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-sparkline"

#include "config.h"

#include "sparkline-renderer.h"

#include <glib/gi18n.h>
#include <math.h>

#define PREFERRED_WIDTH 120
#define PREFERRED_HEIGHT 24
/* The last minute at the default interval: enough to see a trend in a narrow cell. */
#define VISIBLE_SAMPLES 60

struct _MarinaSparklineRenderer {
    GtkCellRenderer parent_instance;

    MarinaGuest *guest;
    int series;
    int series2; /* -1 = none */
    /* Reused for every draw so drawing allocates nothing of ours. */
    PangoLayout *layout;
    PangoContext *layout_context;
    int text_reserve; /* width of the widest value text, so graphs line up */
};

G_DEFINE_FINAL_TYPE(MarinaSparklineRenderer, marina_sparkline_renderer, GTK_TYPE_CELL_RENDERER)

enum { PROP_0, PROP_GUEST, PROP_SERIES, PROP_SERIES2, N_PROPS };

static GParamSpec *properties[N_PROPS];

static gboolean
series_is_percent(int series)
{
    return series == MARINA_GUEST_SERIES_CPU || series == MARINA_GUEST_SERIES_HOST_CPU ||
           series == MARINA_GUEST_SERIES_MEMORY;
}

/* "12 %" or "1.5 MB/s" into @buf, without allocating. */
static void
format_value(char *buf, gsize size, int series, double value)
{
    static const char *const units[] = {N_("B/s"), N_("KB/s"), N_("MB/s"), N_("GB/s")};
    guint unit = 0;

    if (series_is_percent(series)) {
        g_snprintf(buf, size, _("%.0f %%"), value);
        return;
    }
    while (value >= 1000.0 && unit + 1 < G_N_ELEMENTS(units)) {
        value /= 1000.0;
        unit++;
    }
    g_snprintf(buf, size, unit > 0 && value < 10.0 ? "%.1f %s" : "%.0f %s", value, _(units[unit]));
}

static double
history_max(const double *values, guint n)
{
    double max = 0.0;

    for (guint i = 0; i < n; i++)
        max = MAX(max, values[i]);
    return max;
}

static void
lookup_color(GtkStyleContext *context, const char *name, const char *fallback, GdkRGBA *rgba)
{
    if (!gtk_style_context_lookup_color(context, name, rgba))
        gdk_rgba_parse(rgba, fallback);
}

/* The newest sample at the right edge; VISIBLE_SAMPLES span the width, so
 * every row and column shares one time scale. */
static void
draw_series(cairo_t *cr, const double *values, guint n, double max, const GdkRGBA *color,
            const GdkRectangle *area, gboolean fill)
{
    double step = (double)area->width / (VISIBLE_SAMPLES - 1);
    double bottom = area->y + area->height - 0.5;
    double right = area->x + area->width;

    if (n == 0 || max <= 0.0)
        return;
    if (n > VISIBLE_SAMPLES) {
        values += n - VISIBLE_SAMPLES;
        n = VISIBLE_SAMPLES;
    }

    cairo_new_path(cr);
    for (guint i = 0; i < n; i++) {
        double x = right - (double)(n - 1 - i) * step;
        double v = CLAMP(values[i] / max, 0.0, 1.0);
        double y = bottom - v * (area->height - 1);

        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    if (n == 1)
        cairo_rel_line_to(cr, -step, 0);

    cairo_set_source_rgba(cr, color->red, color->green, color->blue, color->alpha);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke_preserve(cr);

    if (fill) {
        double first_x = right - (double)(MAX(n, 2) - 1) * step;
        cairo_line_to(cr, right, bottom);
        cairo_line_to(cr, first_x, bottom);
        cairo_close_path(cr);
        cairo_set_source_rgba(cr, color->red, color->green, color->blue, color->alpha * 0.25);
        cairo_fill(cr);
    }
    cairo_new_path(cr);
}

static PangoLayout *
get_layout(MarinaSparklineRenderer *self, GtkWidget *widget)
{
    PangoContext *context = gtk_widget_get_pango_context(widget);

    if (self->layout == NULL || self->layout_context != context) {
        PangoFontDescription *font;
        PangoFontDescription *base =
            pango_font_description_copy(pango_context_get_font_description(context));

        g_clear_object(&self->layout);
        self->layout = pango_layout_new(context);
        self->layout_context = context;
        /* Smaller than the row text: the graph is the point, the number a hint. */
        font = base;
        if (pango_font_description_get_size(base) > 0)
            pango_font_description_set_size(font, pango_font_description_get_size(base) * 8 / 10);
        pango_layout_set_font_description(self->layout, font);
        pango_font_description_free(font);
        pango_layout_set_text(self->layout, series_is_percent(self->series) ? "100 %" : "8.8 MB/s",
                              -1);
        pango_layout_get_pixel_size(self->layout, &self->text_reserve, NULL);
    } else {
        pango_layout_context_changed(self->layout);
    }
    return self->layout;
}

static void
marina_sparkline_renderer_render(GtkCellRenderer *cell, cairo_t *cr, GtkWidget *widget,
                                 const GdkRectangle *background_area, const GdkRectangle *cell_area,
                                 GtkCellRendererState flags)
{
    MarinaSparklineRenderer *self = MARINA_SPARKLINE_RENDERER(cell);
    GtkStyleContext *context = gtk_widget_get_style_context(widget);
    GtkStateFlags state = gtk_cell_renderer_get_state(cell, widget, flags);
    const double *a, *b = NULL;
    guint n_a = 0, n_b = 0;
    int xpad, ypad, text_w, text_h;
    double max;
    char text[32];
    GdkRGBA fg, color_a, color_b;
    GdkRectangle graph;
    PangoLayout *layout;

    if (self->guest == NULL)
        return;
    a = marina_guest_get_history(self->guest, self->series, &n_a);
    if (self->series2 >= 0)
        b = marina_guest_get_history(self->guest, self->series2, &n_b);
    if (n_a == 0 && n_b == 0)
        return;

    gtk_cell_renderer_get_padding(cell, &xpad, &ypad);
    gtk_style_context_save(context);
    gtk_style_context_set_state(context, state);
    gtk_style_context_get_color(context, state, &fg);
    if (flags & GTK_CELL_RENDERER_SELECTED) {
        color_a = fg;
        color_b = fg;
        color_b.alpha *= 0.6;
    } else {
        lookup_color(context, "theme_selected_bg_color", "#3584e4", &color_a);
        lookup_color(context, "warning_color", "#f57900", &color_b);
    }

    /* The latest value (both series added up) as text at the right. */
    format_value(text, sizeof text, self->series,
                 (n_a ? a[n_a - 1] : 0.0) + (n_b ? b[n_b - 1] : 0.0));
    layout = get_layout(self, widget);
    pango_layout_set_text(layout, text, -1);
    pango_layout_get_pixel_size(layout, &text_w, &text_h);

    graph.x = cell_area->x + xpad;
    graph.y = cell_area->y + ypad + 2;
    graph.height = MAX(cell_area->height - 2 * ypad - 4, 4);
    graph.width = MAX(cell_area->width - 2 * xpad - MAX(text_w, self->text_reserve) - 6, 8);

    if (series_is_percent(self->series))
        max = 100.0;
    else /* a floor so an idle disk is a flat line, not magnified noise */
        max = MAX(MAX(history_max(a, n_a), history_max(b, n_b)), 64.0 * 1024.0);

    cairo_save(cr);
    cairo_rectangle(cr, graph.x, graph.y, graph.width, graph.height);
    cairo_clip(cr);
    /* A faint baseline so an idle graph still reads as a graph. */
    cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, fg.alpha * 0.15);
    cairo_rectangle(cr, graph.x, graph.y + graph.height - 1, graph.width, 1);
    cairo_fill(cr);
    draw_series(cr, a, n_a, max, &color_a, &graph, TRUE);
    draw_series(cr, b, n_b, max, &color_b, &graph, n_a == 0);
    cairo_restore(cr);

    cairo_save(cr);
    cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, fg.alpha * 0.8);
    cairo_move_to(cr, cell_area->x + cell_area->width - xpad - text_w,
                  cell_area->y + (cell_area->height - text_h) / 2.0);
    pango_cairo_show_layout(cr, layout);
    cairo_restore(cr);
    gtk_style_context_restore(context);
}

static void
marina_sparkline_renderer_get_preferred_width(GtkCellRenderer *cell, GtkWidget *widget,
                                              int *minimum, int *natural)
{
    int xpad;

    gtk_cell_renderer_get_padding(cell, &xpad, NULL);
    if (minimum)
        *minimum = 60 + 2 * xpad;
    if (natural)
        *natural = PREFERRED_WIDTH + 2 * xpad;
}

static void
marina_sparkline_renderer_get_preferred_height(GtkCellRenderer *cell, GtkWidget *widget,
                                               int *minimum, int *natural)
{
    int ypad;

    gtk_cell_renderer_get_padding(cell, NULL, &ypad);
    if (minimum)
        *minimum = PREFERRED_HEIGHT + 2 * ypad;
    if (natural)
        *natural = PREFERRED_HEIGHT + 2 * ypad;
}

static void
marina_sparkline_renderer_get_property(GObject *object, guint prop_id, GValue *value,
                                       GParamSpec *pspec)
{
    MarinaSparklineRenderer *self = MARINA_SPARKLINE_RENDERER(object);

    switch (prop_id) {
    case PROP_GUEST:
        g_value_set_object(value, self->guest);
        break;
    case PROP_SERIES:
        g_value_set_int(value, self->series);
        break;
    case PROP_SERIES2:
        g_value_set_int(value, self->series2);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
marina_sparkline_renderer_set_property(GObject *object, guint prop_id, const GValue *value,
                                       GParamSpec *pspec)
{
    MarinaSparklineRenderer *self = MARINA_SPARKLINE_RENDERER(object);

    switch (prop_id) {
    case PROP_GUEST: {
        /* Set for every row drawn: plain pointer swap, no notify. */
        GObject *object = g_value_get_object(value);
        MarinaGuest *guest =
            object != NULL && MARINA_IS_GUEST(object) ? MARINA_GUEST(object) : NULL;
        g_set_object(&self->guest, guest);
        break;
    }
    case PROP_SERIES:
        self->series = g_value_get_int(value);
        break;
    case PROP_SERIES2:
        self->series2 = g_value_get_int(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
marina_sparkline_renderer_dispose(GObject *object)
{
    MarinaSparklineRenderer *self = MARINA_SPARKLINE_RENDERER(object);

    g_clear_object(&self->guest);
    g_clear_object(&self->layout);
    self->layout_context = NULL;
    G_OBJECT_CLASS(marina_sparkline_renderer_parent_class)->dispose(object);
}

static void
marina_sparkline_renderer_class_init(MarinaSparklineRendererClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkCellRendererClass *cell_class = GTK_CELL_RENDERER_CLASS(klass);

    object_class->get_property = marina_sparkline_renderer_get_property;
    object_class->set_property = marina_sparkline_renderer_set_property;
    object_class->dispose = marina_sparkline_renderer_dispose;
    cell_class->render = marina_sparkline_renderer_render;
    cell_class->get_preferred_width = marina_sparkline_renderer_get_preferred_width;
    cell_class->get_preferred_height = marina_sparkline_renderer_get_preferred_height;

    /* G_TYPE_OBJECT, not MARINA_TYPE_GUEST, so a G_TYPE_OBJECT model column binds directly. */
    properties[PROP_GUEST] =
        g_param_spec_object("guest", NULL, NULL, G_TYPE_OBJECT,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_SERIES] = g_param_spec_int(
        "series", NULL, NULL, 0, MARINA_GUEST_N_SERIES - 1, MARINA_GUEST_SERIES_CPU,
        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_SERIES2] =
        g_param_spec_int("series2", NULL, NULL, -1, MARINA_GUEST_N_SERIES - 1, -1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
marina_sparkline_renderer_init(MarinaSparklineRenderer *self)
{
    self->series = MARINA_GUEST_SERIES_CPU;
    self->series2 = -1;
    gtk_cell_renderer_set_padding(GTK_CELL_RENDERER(self), 4, 2);
}

GtkCellRenderer *
marina_sparkline_renderer_new(MarinaGuestSeries series, int series2)
{
    return g_object_new(MARINA_TYPE_SPARKLINE_RENDERER, "series", (int)series, "series2", series2,
                        NULL);
}
