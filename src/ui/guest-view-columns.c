/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-guest-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "guest-view-private.h"
#include "sparkline-renderer.h"

const char *
marina_guest_view_state_text(MarinaDomainState state)
{
    return marina_domain_state_label(state);
}

static const char *
state_icon(MarinaDomainState state)
{
    switch (state) {
    case MARINA_DOMAIN_RUNNING:
    case MARINA_DOMAIN_BLOCKED:
        return "media-playback-start-symbolic";
    case MARINA_DOMAIN_PAUSED:
    case MARINA_DOMAIN_PMSUSPENDED:
        return "media-playback-pause-symbolic";
    case MARINA_DOMAIN_SHUTDOWN:
        return "system-shutdown-symbolic";
    case MARINA_DOMAIN_SHUTOFF:
        return "media-playback-stop-symbolic";
    case MARINA_DOMAIN_CRASHED:
        return "dialog-error-symbolic";
    default:
        return "dialog-question-symbolic";
    }
}

static MarinaDomainState
guest_state(MarinaGuest *guest)
{
    return marina_guest_get_state(guest, NULL);
}

/* ------------------------------------------------------------- sorting */

static double
sort_value(MarinaGuest *guest, int column)
{
    switch (column) {
    case SORT_CPU:
        return marina_guest_get_latest(guest, MARINA_GUEST_SERIES_CPU);
    case SORT_HOST_CPU:
        return marina_guest_get_latest(guest, MARINA_GUEST_SERIES_HOST_CPU);
    case SORT_MEMORY:
        return marina_guest_get_latest(guest, MARINA_GUEST_SERIES_MEMORY);
    case SORT_DISK:
        return marina_guest_get_latest(guest, MARINA_GUEST_SERIES_DISK_READ) +
               marina_guest_get_latest(guest, MARINA_GUEST_SERIES_DISK_WRITE);
    case SORT_NET:
        return marina_guest_get_latest(guest, MARINA_GUEST_SERIES_NET_RX) +
               marina_guest_get_latest(guest, MARINA_GUEST_SERIES_NET_TX);
    case SORT_STATE:
        /* Running first, then paused, ..., shut off last. */
        switch (guest_state(guest)) {
        case MARINA_DOMAIN_RUNNING:
        case MARINA_DOMAIN_BLOCKED:
            return 0;
        case MARINA_DOMAIN_PAUSED:
        case MARINA_DOMAIN_PMSUSPENDED:
            return 1;
        case MARINA_DOMAIN_SHUTDOWN:
            return 2;
        case MARINA_DOMAIN_CRASHED:
            return 3;
        default:
            return 4;
        }
    default:
        return 0;
    }
}

int
marina_guest_view_compare_guests(MarinaGuest *a, MarinaGuest *b, int column)
{
    int result = 0;

    if (column != SORT_NAME) {
        double va = sort_value(a, column);
        double vb = sort_value(b, column);
        result = va < vb ? -1 : va > vb ? 1 : 0;
    }
    if (result == 0) /* by name, with keys made once per name */
        result = strcmp(marina_guest_get_name_collate_key(a), marina_guest_get_name_collate_key(b));
    return result;
}

/* ------------------------------------------------------------ cell data */

static void
icon_data_func(GtkTreeViewColumn *column, GtkCellRenderer *cell, GtkTreeModel *model,
               GtkTreeIter *iter, gpointer user_data)
{
    g_autoptr(GObject) object = NULL;
    const char *icon = NULL;
    int kind;
    GuestViewConn *conn;

    gtk_tree_model_get(model, iter, COL_KIND, &kind, COL_GUEST, &object, COL_CONN, &conn, -1);
    if (kind == MARINA_GUEST_VIEW_ROW_GUEST && object != NULL)
        icon = state_icon(guest_state(MARINA_GUEST(object)));
    else if (kind == MARINA_GUEST_VIEW_ROW_CONNECTION)
        icon = marina_connection_entry_is_local(conn->entry) ? "computer-symbolic"
                                                             : "network-server-symbolic";
    g_object_set(cell, "icon-name", icon, "stock-size",
                 kind == MARINA_GUEST_VIEW_ROW_CONNECTION ? GTK_ICON_SIZE_LARGE_TOOLBAR
                                                          : GTK_ICON_SIZE_MENU,
                 NULL);
}

static void
name_data_func(GtkTreeViewColumn *column, GtkCellRenderer *cell, GtkTreeModel *model,
               GtkTreeIter *iter, gpointer user_data)
{
    g_autoptr(GObject) object = NULL;
    int kind;
    GuestViewConn *conn;

    gtk_tree_model_get(model, iter, COL_KIND, &kind, COL_GUEST, &object, COL_CONN, &conn, -1);
    switch (kind) {
    case MARINA_GUEST_VIEW_ROW_CONNECTION:
        g_object_set(cell, "text", marina_connection_entry_get_label(conn->entry), "weight",
                     PANGO_WEIGHT_BOLD, "style", PANGO_STYLE_NORMAL, NULL);
        break;
    case MARINA_GUEST_VIEW_ROW_PLACEHOLDER:
        g_object_set(cell, "text", _("No guests yet. Click New to define one."), "weight",
                     PANGO_WEIGHT_NORMAL, "style", PANGO_STYLE_ITALIC, NULL);
        break;
    default:
        g_object_set(cell, "text", object ? marina_guest_get_name(MARINA_GUEST(object)) : "",
                     "weight", PANGO_WEIGHT_NORMAL, "style", PANGO_STYLE_NORMAL, NULL);
    }
}

static void
state_data_func(GtkTreeViewColumn *column, GtkCellRenderer *cell, GtkTreeModel *model,
                GtkTreeIter *iter, gpointer user_data)
{
    const GdkRGBA *dim_color = user_data;
    g_autoptr(GObject) object = NULL;
    GtkTreeSelection *selection =
        gtk_tree_view_get_selection(GTK_TREE_VIEW(gtk_tree_view_column_get_tree_view(column)));
    const char *text = "";
    int kind;
    GuestViewConn *conn;

    gtk_tree_model_get(model, iter, COL_KIND, &kind, COL_GUEST, &object, COL_CONN, &conn, -1);
    if (kind == MARINA_GUEST_VIEW_ROW_CONNECTION)
        text = conn->state_text;
    else if (kind == MARINA_GUEST_VIEW_ROW_GUEST && object != NULL)
        text = marina_guest_view_state_text(guest_state(MARINA_GUEST(object)));
    /* Dimmed, except on the selection's background where dim is unreadable. */
    g_object_set(cell, "text", text, "foreground-rgba", dim_color, "foreground-set",
                 !gtk_tree_selection_iter_is_selected(selection, iter), NULL);
}

/* ----------------------------------------------------------- the columns */

static GtkTreeViewColumn *
add_graph_column(GtkTreeView *view, GSettings *settings, const char *title,
                 MarinaGuestSeries series, int series2, int sort_id, const char *key)
{
    GtkCellRenderer *cell = marina_sparkline_renderer_new(series, series2);
    GtkTreeViewColumn *column =
        gtk_tree_view_column_new_with_attributes(title, cell, "guest", COL_GUEST, NULL);

    gtk_tree_view_column_set_sizing(column, GTK_TREE_VIEW_COLUMN_FIXED);
    gtk_tree_view_column_set_fixed_width(column, 120);
    gtk_tree_view_column_set_resizable(column, TRUE);
    gtk_tree_view_column_set_sort_column_id(column, sort_id);
    gtk_tree_view_append_column(view, column);
    g_settings_bind(settings, key, column, "visible", G_SETTINGS_BIND_GET);
    return column;
}

void
marina_guest_view_add_columns(GtkTreeView *view, GSettings *settings, const GdkRGBA *dim_color,
                              GtkTreeViewColumn *graph_columns[N_GRAPH_COLUMNS])
{
    GtkCellArea *area = gtk_cell_area_box_new();
    GtkTreeViewColumn *icon_column = gtk_tree_view_column_new();
    GtkTreeViewColumn *name_column;
    GtkCellRenderer *icon = gtk_cell_renderer_pixbuf_new();
    GtkCellRenderer *name = gtk_cell_renderer_text_new();
    GtkCellRenderer *state = gtk_cell_renderer_text_new();

    /* The expander and the state icon share the first, narrow column. */
    gtk_tree_view_column_set_sizing(icon_column, GTK_TREE_VIEW_COLUMN_FIXED);
    gtk_tree_view_column_set_fixed_width(icon_column, 64);
    g_object_set(icon, "stock-size", GTK_ICON_SIZE_LARGE_TOOLBAR, "xalign", 1.0, "xpad", 6, NULL);
    gtk_tree_view_column_pack_start(icon_column, icon, TRUE);
    gtk_tree_view_column_set_cell_data_func(icon_column, icon, icon_data_func, NULL, NULL);
    gtk_tree_view_append_column(view, icon_column);
    gtk_tree_view_set_expander_column(view, icon_column);

    /* Name above state, as virt-manager shows them; two text cells so AT-SPI
     * reads each on its own. */
    gtk_orientable_set_orientation(GTK_ORIENTABLE(area), GTK_ORIENTATION_VERTICAL);
    name_column = gtk_tree_view_column_new_with_area(area);
    gtk_tree_view_column_set_title(name_column, _("Name"));
    gtk_tree_view_column_set_sizing(name_column, GTK_TREE_VIEW_COLUMN_FIXED);
    gtk_tree_view_column_set_fixed_width(name_column, 200);
    gtk_tree_view_column_set_resizable(name_column, TRUE);
    gtk_tree_view_column_set_expand(name_column, TRUE);
    gtk_tree_view_column_set_sort_column_id(name_column, SORT_NAME);
    g_object_set(name, "ellipsize", PANGO_ELLIPSIZE_END, "ypad", 0, NULL);
    g_object_set(state, "ellipsize", PANGO_ELLIPSIZE_END, "scale", PANGO_SCALE_SMALL, "ypad", 0,
                 NULL);
    gtk_tree_view_column_pack_start(name_column, name, TRUE);
    gtk_tree_view_column_pack_start(name_column, state, TRUE);
    gtk_tree_view_column_set_cell_data_func(name_column, name, name_data_func, NULL, NULL);
    gtk_tree_view_column_set_cell_data_func(name_column, state, state_data_func,
                                            (gpointer)dim_color, NULL);
    gtk_tree_view_append_column(view, name_column);

    graph_columns[0] = add_graph_column(view, settings, _("Guest CPU"), MARINA_GUEST_SERIES_CPU, -1,
                                        SORT_CPU, "column-guest-cpu");
    graph_columns[1] = add_graph_column(view, settings, _("Host CPU"), MARINA_GUEST_SERIES_HOST_CPU,
                                        -1, SORT_HOST_CPU, "column-host-cpu");
    graph_columns[2] = add_graph_column(view, settings, _("Memory"), MARINA_GUEST_SERIES_MEMORY, -1,
                                        SORT_MEMORY, "column-memory");
    graph_columns[3] =
        add_graph_column(view, settings, _("Disk I/O"), MARINA_GUEST_SERIES_DISK_READ,
                         MARINA_GUEST_SERIES_DISK_WRITE, SORT_DISK, "column-disk");
    graph_columns[4] =
        add_graph_column(view, settings, _("Network I/O"), MARINA_GUEST_SERIES_NET_RX,
                         MARINA_GUEST_SERIES_NET_TX, SORT_NET, "column-network");
}
