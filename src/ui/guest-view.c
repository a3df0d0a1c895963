/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-guest-view"

#include "config.h"

#include "guest-view-private.h"

#include <glib/gi18n.h>

/* Above this many row changes at once, the view is detached while the store changes. */
#define BULK_THRESHOLD 32

enum { SIGNAL_SELECTION_UPDATED, SIGNAL_CONNECTION_FILLED, N_SIGNALS };

static guint signals[N_SIGNALS];

typedef GuestViewConn Conn;

struct _MarinaGuestView {
    GtkTreeView parent_instance;

    MarinaConnectionManager *manager;
    GPtrArray *conns; /* Conn*, owned, in the manager's order */
    GtkTreeStore *store;
    GtkTreeModel *filter; /* over store */
    GtkTreeModel *sort;   /* over filter; what the view shows */
    int sort_column;
    GtkSortType sort_order;
    gboolean attaching;
    char *search; /* case-folded; NULL shows everything */
    GtkTreeViewColumn *graph_columns[N_GRAPH_COLUMNS];
    GtkWidget *guest_menu;
    GtkWidget *connection_menu;
    GdkRGBA dim_color;
};

G_DEFINE_FINAL_TYPE(MarinaGuestView, marina_guest_view, GTK_TYPE_TREE_VIEW)

static void
selection_updated(MarinaGuestView *self)
{
    if (!gtk_widget_in_destruction(GTK_WIDGET(self)))
        g_signal_emit(self, signals[SIGNAL_SELECTION_UPDATED], 0);
}

static MarinaDomainState
guest_state(MarinaGuest *guest)
{
    return marina_guest_get_state(guest, NULL);
}

/* ------------------------------------------------------- model plumbing */

static void
store_row_changed(MarinaGuestView *self, GtkTreeIter *iter)
{
    g_autoptr(GtkTreePath) path = gtk_tree_model_get_path(GTK_TREE_MODEL(self->store), iter);

    gtk_tree_model_row_changed(GTK_TREE_MODEL(self->store), path, iter);
}

/* The view shows the sort model, over the filter while searching and over the store
 * otherwise (see attach_models()). */
static void
view_iter_to_store(MarinaGuestView *self, GtkTreeIter *sort_iter, GtkTreeIter *store_iter)
{
    GtkTreeIter child;

    gtk_tree_model_sort_convert_iter_to_child_iter(GTK_TREE_MODEL_SORT(self->sort), &child,
                                                   sort_iter);
    if (self->filter != NULL)
        gtk_tree_model_filter_convert_iter_to_child_iter(GTK_TREE_MODEL_FILTER(self->filter),
                                                         store_iter, &child);
    else
        *store_iter = child;
}

/* FALSE when the row is not in the view (detached, or filtered out). */
static gboolean
store_iter_to_view(MarinaGuestView *self, GtkTreeIter *store_iter, GtkTreeIter *sort_iter)
{
    GtkTreeIter child = *store_iter;

    if (self->sort == NULL)
        return FALSE;
    if (self->filter != NULL && !gtk_tree_model_filter_convert_child_iter_to_iter(
                                    GTK_TREE_MODEL_FILTER(self->filter), &child, store_iter))
        return FALSE;
    return gtk_tree_model_sort_convert_child_iter_to_iter(GTK_TREE_MODEL_SORT(self->sort),
                                                          sort_iter, &child);
}

/* Store iter of the selected row. */
static gboolean
get_selected_iter(MarinaGuestView *self, GtkTreeIter *store_iter)
{
    GtkTreeSelection *selection = gtk_tree_view_get_selection(GTK_TREE_VIEW(self));
    GtkTreeIter sort_iter;

    if (self->sort == NULL || !gtk_tree_selection_get_selected(selection, NULL, &sort_iter))
        return FALSE;
    view_iter_to_store(self, &sort_iter, store_iter);
    return TRUE;
}

static gboolean
get_selected(MarinaGuestView *self, MarinaGuestViewRow *kind, Conn **conn, MarinaGuest **guest)
{
    GtkTreeIter iter;
    GObject *object = NULL;
    int k;
    Conn *c;

    if (!get_selected_iter(self, &iter))
        return FALSE;
    gtk_tree_model_get(GTK_TREE_MODEL(self->store), &iter, COL_KIND, &k, COL_GUEST, &object,
                       COL_CONN, &c, -1);
    if (kind)
        *kind = k;
    if (conn)
        *conn = c;
    if (guest)
        *guest = object ? MARINA_GUEST(object) : NULL;
    else
        g_clear_object(&object);
    return TRUE;
}

gboolean
marina_guest_view_get_selected(MarinaGuestView *self, MarinaGuestViewRow *kind,
                               MarinaConnectionEntry **entry, MarinaGuest **guest)
{
    Conn *conn = NULL;

    g_return_val_if_fail(MARINA_IS_GUEST_VIEW(self), FALSE);
    if (!get_selected(self, kind, &conn, guest))
        return FALSE;
    if (entry != NULL)
        *entry = conn != NULL ? conn->entry : NULL;
    return TRUE;
}

static gboolean
select_store_iter(MarinaGuestView *self, GtkTreeIter *store_iter)
{
    GtkTreeIter sort_iter;
    g_autoptr(GtkTreePath) path = NULL;

    if (!store_iter_to_view(self, store_iter, &sort_iter))
        return FALSE;
    path = gtk_tree_model_get_path(self->sort, &sort_iter);
    gtk_tree_view_expand_to_path(GTK_TREE_VIEW(self), path);
    gtk_tree_view_set_cursor(GTK_TREE_VIEW(self), path, NULL, FALSE);
    return TRUE;
}

static gboolean
guest_matches(MarinaGuestView *self, MarinaGuest *guest)
{
    g_autofree char *name = NULL;
    g_autofree char *state = NULL;

    if (self->search == NULL)
        return TRUE;
    name = g_utf8_casefold(marina_guest_get_name(guest), -1);
    if (strstr(name, self->search) != NULL)
        return TRUE;
    state = g_utf8_casefold(marina_guest_view_state_text(guest_state(guest)), -1);
    return strstr(state, self->search) != NULL;
}

static gboolean
filter_visible(GtkTreeModel *model, GtkTreeIter *iter, gpointer user_data)
{
    MarinaGuestView *self = user_data;
    g_autoptr(GObject) object = NULL;
    int kind;

    gtk_tree_model_get(model, iter, COL_KIND, &kind, COL_GUEST, &object, -1);
    switch (kind) {
    case MARINA_GUEST_VIEW_ROW_CONNECTION:
        return TRUE; /* connections stay, so their state stays visible while searching */
    case MARINA_GUEST_VIEW_ROW_PLACEHOLDER:
        return self->search == NULL;
    default:
        return object != NULL && guest_matches(self, MARINA_GUEST(object));
    }
}

static guint
conn_index(MarinaGuestView *self, Conn *conn)
{
    guint index = 0;

    g_ptr_array_find(self->conns, conn, &index);
    return index;
}

/* Rows that are not two guests: connections keep the order they were added in, whatever the
 * sort, and a placeholder follows its connection. */
static int
compare_other_rows(MarinaGuestView *self, GtkTreeModel *model, GtkTreeIter *a, GtkTreeIter *b,
                   GtkSortType order)
{
    int kind_a, kind_b, result;
    Conn *conn_a, *conn_b;

    gtk_tree_model_get(model, a, COL_KIND, &kind_a, COL_CONN, &conn_a, -1);
    gtk_tree_model_get(model, b, COL_KIND, &kind_b, COL_CONN, &conn_b, -1);
    result = (int)conn_index(self, conn_a) - (int)conn_index(self, conn_b);
    if (result == 0)
        result = kind_a - kind_b;
    return order == GTK_SORT_DESCENDING ? -result : result;
}

/* Called some n log n times when thousands of rows are sorted: one model read per row, and
 * names compared by their collation keys. */
static int
compare_rows(GtkTreeModel *model, GtkTreeIter *a, GtkTreeIter *b, gpointer user_data)
{
    MarinaGuestView *self = user_data;
    g_auto(GValue) value_a = G_VALUE_INIT;
    g_auto(GValue) value_b = G_VALUE_INIT;
    int column = SORT_NAME;
    GtkSortType order = GTK_SORT_ASCENDING;
    MarinaGuest *guest_a, *guest_b;

    if (self->sort != NULL)
        gtk_tree_sortable_get_sort_column_id(GTK_TREE_SORTABLE(self->sort), &column, &order);
    /* Only guest rows hold a guest. (get_value: gtk_tree_model_get would copy each twice.) */
    gtk_tree_model_get_value(model, a, COL_GUEST, &value_a);
    gtk_tree_model_get_value(model, b, COL_GUEST, &value_b);
    guest_a = g_value_get_object(&value_a);
    guest_b = g_value_get_object(&value_b);
    if (guest_a == NULL || guest_b == NULL)
        return compare_other_rows(self, model, a, b, order);
    return marina_guest_view_compare_guests(guest_a, guest_b, column);
}

/* The view is detached while many rows change at once: a GtkTreeModelSort and
 * GtkTreeModelFilter that see 1000 single inserts cost far more than building
 * them once over the filled store. */
static void
detach_models(MarinaGuestView *self)
{
    if (self->sort == NULL)
        return;
    gtk_tree_sortable_get_sort_column_id(GTK_TREE_SORTABLE(self->sort), &self->sort_column,
                                         &self->sort_order);
    gtk_tree_view_set_model(GTK_TREE_VIEW(self), NULL);
    g_clear_object(&self->sort);
    g_clear_object(&self->filter);
}

static void
expand_connections(MarinaGuestView *self)
{
    if (self->sort == NULL)
        return; /* detached: attach_models() expands them */
    self->attaching = TRUE;
    for (guint i = 0; i < self->conns->len; i++) {
        Conn *conn = g_ptr_array_index(self->conns, i);
        GtkTreeIter sort_iter;
        g_autoptr(GtkTreePath) path = NULL;

        if (conn->collapsed || !store_iter_to_view(self, &conn->iter, &sort_iter))
            continue;
        path = gtk_tree_model_get_path(self->sort, &sort_iter);
        gtk_tree_view_expand_row(GTK_TREE_VIEW(self), path, FALSE);
    }
    self->attaching = FALSE;
}

static void
attach_models(MarinaGuestView *self)
{
    static const int columns[] = {SORT_NAME,   SORT_STATE, SORT_CPU, SORT_HOST_CPU,
                                  SORT_MEMORY, SORT_DISK,  SORT_NET};

    if (self->sort != NULL)
        return;
    /* A filter only while searching: its iters do not persist, so a GtkTreeModelSort over it
     * looks both rows up again at every comparison, and 10 000 guests sort in n log n of them.
     * Over the store the sort keeps the rows' iters. */
    if (self->search != NULL) {
        self->filter = gtk_tree_model_filter_new(GTK_TREE_MODEL(self->store), NULL);
        gtk_tree_model_filter_set_visible_func(GTK_TREE_MODEL_FILTER(self->filter), filter_visible,
                                               self, NULL);
    }
    self->sort = gtk_tree_model_sort_new_with_model(
        self->filter != NULL ? self->filter : GTK_TREE_MODEL(self->store));
    for (guint i = 0; i < G_N_ELEMENTS(columns); i++)
        gtk_tree_sortable_set_sort_func(GTK_TREE_SORTABLE(self->sort), columns[i], compare_rows,
                                        self, NULL);
    gtk_tree_sortable_set_sort_column_id(GTK_TREE_SORTABLE(self->sort), self->sort_column,
                                         self->sort_order);
    gtk_tree_view_set_model(GTK_TREE_VIEW(self), self->sort);
    expand_connections(self);
}

/* Replaces the view's models around a bulk change, keeping the selection. */
typedef struct {
    Conn *conn;
    MarinaGuest *guest;
} Selection;

static Selection
begin_bulk(MarinaGuestView *self)
{
    Selection selection = {NULL, NULL};
    MarinaGuestViewRow kind;

    if (get_selected(self, &kind, &selection.conn, &selection.guest) &&
        kind != MARINA_GUEST_VIEW_ROW_CONNECTION && selection.guest == NULL)
        selection.conn = NULL; /* a placeholder: nothing worth restoring */
    detach_models(self);
    return selection;
}

static void
end_bulk(MarinaGuestView *self, Selection *selection)
{
    attach_models(self);
    if (selection->guest != NULL) {
        for (guint i = 0; i < self->conns->len; i++) {
            Conn *conn = g_ptr_array_index(self->conns, i);
            GtkTreeIter *iter = g_hash_table_lookup(conn->rows, selection->guest);
            if (iter != NULL) {
                select_store_iter(self, iter);
                break;
            }
        }
    } else if (selection->conn != NULL && g_ptr_array_find(self->conns, selection->conn, NULL)) {
        select_store_iter(self, &selection->conn->iter);
    }
    g_clear_object(&selection->guest);
    selection_updated(self);
}

/* --------------------------------------------------------- connection rows */

static gboolean
any_graph_visible(MarinaGuestView *self)
{
    for (guint i = 0; i < G_N_ELEMENTS(self->graph_columns); i++)
        if (self->graph_columns[i] != NULL &&
            gtk_tree_view_column_get_visible(self->graph_columns[i]))
            return TRUE;
    return FALSE;
}

static void
conn_update_row(Conn *conn)
{
    /* The row names the connection: the reason need not repeat its URI. */
    const char *reason = marina_connection_entry_get_short_reason(conn->entry);

    g_free(conn->state_text);
    switch (marina_connection_entry_get_state(conn->entry)) {
    case MARINA_CONNECTION_STATE_IDLE:
        conn->state_text = g_strdup(_("Not connected"));
        break;
    case MARINA_CONNECTION_STATE_CONNECTING:
        conn->state_text = g_strdup(_("Connecting…"));
        break;
    case MARINA_CONNECTION_STATE_CONNECTED:
        conn->state_text = g_strdup(_("Connected"));
        break;
    case MARINA_CONNECTION_STATE_DISCONNECTED:
        conn->state_text = reason != NULL ? g_strdup_printf(_("Disconnected: %s"), reason)
                                          : g_strdup(_("Disconnected"));
        break;
    }
    store_row_changed(conn->view, &conn->iter);
}

static void
conn_update_placeholder(Conn *conn)
{
    MarinaGuestView *self = conn->view;
    gboolean want = conn->filled && conn->guests->len == 0;

    if (want && !conn->has_placeholder) {
        gtk_tree_store_insert_with_values(self->store, &conn->placeholder, &conn->iter, -1,
                                          COL_KIND, MARINA_GUEST_VIEW_ROW_PLACEHOLDER, COL_CONN,
                                          conn, -1);
        conn->has_placeholder = TRUE;
        expand_connections(self);
    } else if (!want && conn->has_placeholder) {
        gtk_tree_store_remove(self->store, &conn->placeholder);
        conn->has_placeholder = FALSE;
    }
}

static void
on_guest_notify(MarinaGuest *guest, GParamSpec *pspec, gpointer user_data)
{
    Conn *conn = user_data;
    GtkTreeIter *iter = g_hash_table_lookup(conn->rows, guest);
    MarinaGuest *selected = NULL;

    if (iter == NULL)
        return;
    /* Row-changed lets the filter, the sort and AT-SPI see the new state. */
    store_row_changed(conn->view, iter);
    if (get_selected(conn->view, NULL, NULL, &selected) && selected == guest)
        selection_updated(conn->view);
    g_clear_object(&selected);
}

/* A row for @guest among @conn's rows at @store_position (-1: last). The rows' order in the
 * store does not matter (the sort model orders them), but appending walks every sibling, and
 * so does the path of the "row-inserted" it emits: 10 000 appends cost 10 000² steps. Filling
 * inserts each row first instead, which costs the same whatever the count. */
static void
conn_add_row(Conn *conn, MarinaGuest *guest, int store_position)
{
    GtkTreeIter iter;

    gtk_tree_store_insert_with_values(conn->view->store, &iter, &conn->iter, store_position,
                                      COL_KIND, MARINA_GUEST_VIEW_ROW_GUEST, COL_GUEST, guest,
                                      COL_CONN, conn, -1);
    g_hash_table_insert(conn->rows, guest, g_memdup2(&iter, sizeof iter));
    g_signal_connect(guest, "notify", G_CALLBACK(on_guest_notify), conn);
}

static void
conn_insert_guest(Conn *conn, MarinaGuest *guest, guint position)
{
    conn_add_row(conn, guest, -1);
    g_ptr_array_insert(conn->guests, (int)position, g_object_ref(guest));
}

static void
conn_remove_guest_at(Conn *conn, guint position)
{
    MarinaGuest *guest = g_ptr_array_index(conn->guests, position);
    GtkTreeIter *iter = g_hash_table_lookup(conn->rows, guest);

    g_signal_handlers_disconnect_by_data(guest, conn);
    if (iter != NULL)
        gtk_tree_store_remove(conn->view->store, iter);
    g_hash_table_remove(conn->rows, guest);
    g_ptr_array_remove_index(conn->guests, position);
}

/* Removes every guest row. First row first: removing the last of many walks every sibling
 * to its path, as appending does. */
static void
conn_clear_guests(Conn *conn)
{
    GtkTreeModel *store = GTK_TREE_MODEL(conn->view->store);
    GtkTreeIter child;

    if (conn->guests->len == 0)
        return; /* (the placeholder, if any, stays) */
    for (guint i = 0; i < conn->guests->len; i++)
        g_signal_handlers_disconnect_by_data(g_ptr_array_index(conn->guests, i), conn);
    while (gtk_tree_model_iter_children(store, &child, &conn->iter))
        gtk_tree_store_remove(conn->view->store, &child);
    g_hash_table_remove_all(conn->rows);
    g_ptr_array_set_size(conn->guests, 0);
}

static void
conn_fill(Conn *conn)
{
    MarinaGuestView *self = conn->view;
    GListModel *model = G_LIST_MODEL(conn->list);
    guint n = g_list_model_get_n_items(model);
    gint64 start = g_get_monotonic_time();
    Selection selection = begin_bulk(self);

    conn_clear_guests(conn);
    /* Backwards, each row inserted first: the store ends up in the list's order. */
    g_ptr_array_set_size(conn->guests, n);
    for (guint i = n; i-- > 0;) {
        MarinaGuest *guest = g_list_model_get_item(model, i); /* the array's reference */

        conn->guests->pdata[i] = guest;
        conn_add_row(conn, guest, 0);
    }
    conn->filled = TRUE;
    conn_update_placeholder(conn);
    end_bulk(self, &selection);
    g_debug("Listed %u guests of %s in %.1f ms", n, marina_connection_entry_get_uri(conn->entry),
            (g_get_monotonic_time() - start) / 1000.0);
    g_signal_emit(self, signals[SIGNAL_CONNECTION_FILLED], 0, conn->entry);
}

static void
on_list_loaded(MarinaGuestList *list, gpointer user_data)
{
    conn_fill(user_data);
}

static void
on_list_items_changed(GListModel *model, guint position, guint removed, guint added,
                      gpointer user_data)
{
    Conn *conn = user_data;
    MarinaGuestView *self = conn->view;
    gboolean bulk = removed + added > BULK_THRESHOLD;
    Selection selection = {NULL, NULL};

    if (!conn->filled)
        return; /* the "loaded" signal fills everything in one go */
    if (bulk)
        selection = begin_bulk(self);
    for (guint i = 0; i < removed && position < conn->guests->len; i++)
        conn_remove_guest_at(conn, position);
    for (guint i = 0; i < added; i++) {
        g_autoptr(MarinaGuest) guest = g_list_model_get_item(model, position + i);
        if (guest != NULL)
            conn_insert_guest(conn, guest, MIN(position + i, conn->guests->len));
    }
    conn_update_placeholder(conn);
    if (bulk)
        end_bulk(self, &selection);
    selection_updated(self);
}

static void
on_list_stats_updated(MarinaGuestList *list, gpointer user_data)
{
    Conn *conn = user_data;

    /* No store change: the sparklines read the history when drawn, so only the
     * rows on screen cost anything. */
    if (any_graph_visible(conn->view))
        gtk_widget_queue_draw(GTK_WIDGET(conn->view));
}

/* Forgets the guest list the rows mirror, and its rows. */
static void
conn_unfollow_list(Conn *conn)
{
    if (conn->list == NULL)
        return;
    g_signal_handlers_disconnect_by_data(conn->list, conn);
    conn_clear_guests(conn);
    conn->filled = FALSE;
    conn_update_placeholder(conn);
    g_clear_object(&conn->list);
}

static void
conn_follow_list(Conn *conn, MarinaGuestList *list)
{
    conn->list = g_object_ref(list);
    g_signal_connect(list, "loaded", G_CALLBACK(on_list_loaded), conn);
    g_signal_connect(list, "items-changed", G_CALLBACK(on_list_items_changed), conn);
    g_signal_connect(list, "stats-updated", G_CALLBACK(on_list_stats_updated), conn);
}

/* A reconnect brings a new guest list: the rows follow it. */
static void
on_entry_state_changed(MarinaConnectionEntry *entry, int old_state, gpointer user_data)
{
    Conn *conn = user_data;
    MarinaGuestView *self = conn->view;
    MarinaGuestList *list = marina_connection_entry_get_guest_list(entry);

    if (list == conn->list) {
        conn_update_row(conn);
        selection_updated(self);
        return;
    }
    if (conn->list != NULL) {
        Selection selection = begin_bulk(self);

        conn_unfollow_list(conn);
        conn_update_row(conn);
        end_bulk(self, &selection);
    } else {
        conn_update_row(conn);
    }
    if (list != NULL) {
        conn_follow_list(conn, list);
        if (marina_guest_list_is_loaded(list))
            conn_fill(conn);
    }
    selection_updated(self);
}

static void
conn_free(Conn *conn)
{
    g_signal_handlers_disconnect_by_data(conn->entry, conn);
    if (conn->list != NULL)
        g_signal_handlers_disconnect_by_data(conn->list, conn);
    for (guint i = 0; i < conn->guests->len; i++)
        g_signal_handlers_disconnect_by_data(g_ptr_array_index(conn->guests, i), conn);
    g_clear_object(&conn->list);
    g_clear_object(&conn->entry);
    g_ptr_array_unref(conn->guests);
    g_hash_table_unref(conn->rows);
    g_free(conn->state_text);
    g_free(conn);
}

static void
add_conn(MarinaGuestView *self, MarinaConnectionEntry *entry, guint position)
{
    Conn *conn = g_new0(Conn, 1);

    conn->view = self;
    conn->entry = g_object_ref(entry);
    conn->guests = g_ptr_array_new_with_free_func(g_object_unref);
    conn->rows = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_ptr_array_insert(self->conns, (int)position, conn);
    gtk_tree_store_insert_with_values(self->store, &conn->iter, NULL, -1, COL_KIND,
                                      MARINA_GUEST_VIEW_ROW_CONNECTION, COL_CONN, conn, -1);
    g_signal_connect(entry, "state-changed", G_CALLBACK(on_entry_state_changed), conn);
    conn_update_row(conn);
    if (marina_connection_entry_get_guest_list(entry) != NULL)
        on_entry_state_changed(entry, marina_connection_entry_get_state(entry), conn);
}

static void
remove_conn_at(MarinaGuestView *self, guint position)
{
    Conn *conn = g_ptr_array_index(self->conns, position);
    Selection selection = begin_bulk(self);

    conn_unfollow_list(conn);
    gtk_tree_store_remove(self->store, &conn->iter);
    g_ptr_array_remove_index(self->conns, position); /* frees it */
    end_bulk(self, &selection);
}

static void
on_manager_items_changed(GListModel *model, guint position, guint removed, guint added,
                         MarinaGuestView *self)
{
    for (guint i = 0; i < removed; i++)
        remove_conn_at(self, position);
    for (guint i = 0; i < added; i++) {
        g_autoptr(MarinaConnectionEntry) entry = g_list_model_get_item(model, position + i);
        add_conn(self, entry, position + i);
    }
    selection_updated(self);
}

void
marina_guest_view_set_search(MarinaGuestView *self, const char *text)
{
    gboolean was_searching;

    g_return_if_fail(MARINA_IS_GUEST_VIEW(self));

    was_searching = self->search != NULL;
    g_clear_pointer(&self->search, g_free);
    if (text != NULL && *text != '\0')
        self->search = g_utf8_casefold(text, -1);
    if (self->sort != NULL && was_searching != (self->search != NULL)) {
        /* The filter comes or goes with the search (see attach_models()). */
        Selection selection = begin_bulk(self);

        end_bulk(self, &selection);
        return;
    }
    if (self->filter != NULL) {
        gtk_tree_model_filter_refilter(GTK_TREE_MODEL_FILTER(self->filter));
        expand_connections(self);
    }
    selection_updated(self);
}

/* ------------------------------------------------------------- signals */

static void
on_style_updated(GtkWidget *widget, gpointer user_data)
{
    MarinaGuestView *self = MARINA_GUEST_VIEW(widget);
    GtkStyleContext *context = gtk_widget_get_style_context(widget);

    gtk_style_context_get_color(context, GTK_STATE_FLAG_NORMAL, &self->dim_color);
    self->dim_color.alpha *= 0.6;
}

/* Remember what the user folded so that expand_connections() leaves it
 * folded; its own expanding (while attaching) does not count. */
static void
remember_collapsed(MarinaGuestView *self, GtkTreeIter *iter, gboolean collapsed)
{
    Conn *conn = NULL;

    if (self->attaching)
        return;
    gtk_tree_model_get(gtk_tree_view_get_model(GTK_TREE_VIEW(self)), iter, COL_CONN, &conn, -1);
    if (conn != NULL)
        conn->collapsed = collapsed;
}

static void
on_row_expanded(GtkTreeView *view, GtkTreeIter *iter, GtkTreePath *path, gpointer user_data)
{
    remember_collapsed(MARINA_GUEST_VIEW(view), iter, FALSE);
}

static void
on_row_collapsed(GtkTreeView *view, GtkTreeIter *iter, GtkTreePath *path, gpointer user_data)
{
    remember_collapsed(MARINA_GUEST_VIEW(view), iter, TRUE);
}

static gboolean
on_query_tooltip(GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                 gpointer user_data)
{
    GtkTreeView *view = GTK_TREE_VIEW(widget);
    GtkTreeModel *model;
    GtkTreeIter iter;
    g_autoptr(GtkTreePath) path = NULL;
    int kind;
    Conn *conn;

    if (!gtk_tree_view_get_tooltip_context(view, &x, &y, keyboard, &model, &path, &iter))
        return FALSE;
    gtk_tree_model_get(model, &iter, COL_KIND, &kind, COL_CONN, &conn, -1);
    if (kind != MARINA_GUEST_VIEW_ROW_CONNECTION)
        return FALSE;
    /* The URI the friendly name stands for, and the whole reason when the
     * row shows a shortened one. */
    if (marina_connection_entry_get_state(conn->entry) == MARINA_CONNECTION_STATE_DISCONNECTED &&
        marina_connection_entry_get_reason(conn->entry) != NULL) {
        g_autofree char *text =
            g_strdup_printf("%s\n%s", marina_connection_entry_get_uri(conn->entry),
                            marina_connection_entry_get_reason(conn->entry));
        gtk_tooltip_set_text(tooltip, text);
        g_debug("connection row tooltip: %s", text);
    } else {
        gtk_tooltip_set_text(tooltip, marina_connection_entry_get_uri(conn->entry));
        /* Tooltips are not on AT-SPI: the UI tests read them here. */
        g_debug("connection row tooltip: %s", marina_connection_entry_get_uri(conn->entry));
    }
    gtk_tree_view_set_tooltip_row(view, tooltip, path);
    return TRUE;
}

/* --------------------------------------------------------- context menus */

static void
popup_menu(MarinaGuestView *self, const GdkEvent *event)
{
    MarinaGuestViewRow kind;
    GtkWidget *menu;

    if (!get_selected(self, &kind, NULL, NULL) || kind == MARINA_GUEST_VIEW_ROW_PLACEHOLDER)
        return;
    menu = kind == MARINA_GUEST_VIEW_ROW_CONNECTION ? self->connection_menu : self->guest_menu;
    if (menu == NULL)
        return;
    if (event != NULL)
        gtk_menu_popup_at_pointer(GTK_MENU(menu), event);
    else
        gtk_menu_popup_at_widget(GTK_MENU(menu), GTK_WIDGET(self), GDK_GRAVITY_CENTER,
                                 GDK_GRAVITY_NORTH_WEST, NULL);
}

static gboolean
on_button_press(GtkWidget *widget, GdkEventButton *event, gpointer user_data)
{
    GtkTreeView *view = GTK_TREE_VIEW(widget);
    g_autoptr(GtkTreePath) path = NULL;

    if (!gdk_event_triggers_context_menu((GdkEvent *)event) ||
        event->window != gtk_tree_view_get_bin_window(view))
        return GDK_EVENT_PROPAGATE;
    if (!gtk_tree_view_get_path_at_pos(view, (int)event->x, (int)event->y, &path, NULL, NULL, NULL))
        return GDK_EVENT_PROPAGATE;
    gtk_tree_view_set_cursor(view, path, NULL, FALSE);
    popup_menu(MARINA_GUEST_VIEW(widget), (GdkEvent *)event);
    return GDK_EVENT_STOP;
}

static gboolean
on_popup_menu(GtkWidget *widget, gpointer user_data)
{
    popup_menu(MARINA_GUEST_VIEW(widget), NULL);
    return TRUE;
}

static GtkWidget *
menu_new(MarinaGuestView *self, GMenuModel *model)
{
    GtkWidget *menu = gtk_menu_new_from_model(model);

    /* Attached, so the menu finds the window's actions. */
    gtk_menu_attach_to_widget(GTK_MENU(menu), GTK_WIDGET(self), NULL);
    return g_object_ref_sink(menu);
}

void
marina_guest_view_set_menus(MarinaGuestView *self, GMenuModel *guest_menu,
                            GMenuModel *connection_menu)
{
    g_return_if_fail(MARINA_IS_GUEST_VIEW(self));

    g_clear_pointer(&self->guest_menu, gtk_widget_destroy);
    g_clear_pointer(&self->connection_menu, gtk_widget_destroy);
    self->guest_menu = menu_new(self, guest_menu);
    self->connection_menu = menu_new(self, connection_menu);
}

/* ------------------------------------------------------------ lifecycle */

void
marina_guest_view_setup(MarinaGuestView *self, MarinaConnectionManager *manager,
                        GSettings *settings)
{
    g_return_if_fail(MARINA_IS_GUEST_VIEW(self));
    g_return_if_fail(self->manager == NULL);

    marina_guest_view_add_columns(GTK_TREE_VIEW(self), settings, &self->dim_color,
                                  self->graph_columns);
    attach_models(self);
    self->manager = g_object_ref(manager);
    g_signal_connect(manager, "items-changed", G_CALLBACK(on_manager_items_changed), self);
    on_manager_items_changed(G_LIST_MODEL(manager), 0, 0,
                             g_list_model_get_n_items(G_LIST_MODEL(manager)), self);
}

static void
marina_guest_view_dispose(GObject *object)
{
    MarinaGuestView *self = MARINA_GUEST_VIEW(object);

    if (self->manager != NULL)
        g_signal_handlers_disconnect_by_data(self->manager, self);
    g_clear_object(&self->manager);
    g_clear_pointer(&self->guest_menu, gtk_widget_destroy);
    g_clear_pointer(&self->connection_menu, gtk_widget_destroy);
    gtk_tree_view_set_model(GTK_TREE_VIEW(self), NULL);
    g_clear_object(&self->sort);
    g_clear_object(&self->filter);
    g_clear_pointer(&self->conns, g_ptr_array_unref);
    g_clear_object(&self->store);
    G_OBJECT_CLASS(marina_guest_view_parent_class)->dispose(object);
}

static void
marina_guest_view_finalize(GObject *object)
{
    g_free(MARINA_GUEST_VIEW(object)->search);
    G_OBJECT_CLASS(marina_guest_view_parent_class)->finalize(object);
}

static void
marina_guest_view_class_init(MarinaGuestViewClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = marina_guest_view_dispose;
    object_class->finalize = marina_guest_view_finalize;

    signals[SIGNAL_SELECTION_UPDATED] =
        g_signal_new("selection-updated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_CONNECTION_FILLED] =
        g_signal_new("connection-filled", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 1, MARINA_TYPE_CONNECTION_ENTRY);
}

static void
marina_guest_view_init(MarinaGuestView *self)
{
    self->conns = g_ptr_array_new_with_free_func((GDestroyNotify)conn_free);
    self->store = gtk_tree_store_new(N_COLUMNS, G_TYPE_INT, G_TYPE_OBJECT, G_TYPE_POINTER);
    self->sort_column = SORT_NAME;
    self->sort_order = GTK_SORT_ASCENDING;
    g_signal_connect(self, "row-expanded", G_CALLBACK(on_row_expanded), NULL);
    g_signal_connect(self, "row-collapsed", G_CALLBACK(on_row_collapsed), NULL);
    g_signal_connect(self, "style-updated", G_CALLBACK(on_style_updated), NULL);
    g_signal_connect(self, "button-press-event", G_CALLBACK(on_button_press), NULL);
    g_signal_connect(self, "popup-menu", G_CALLBACK(on_popup_menu), NULL);
    g_signal_connect(self, "query-tooltip", G_CALLBACK(on_query_tooltip), NULL);
    gtk_widget_set_has_tooltip(GTK_WIDGET(self), TRUE);
    g_signal_connect_swapped(gtk_tree_view_get_selection(GTK_TREE_VIEW(self)), "changed",
                             G_CALLBACK(selection_updated), self);
    on_style_updated(GTK_WIDGET(self), NULL);
}
