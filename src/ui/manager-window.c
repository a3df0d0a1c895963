/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-manager"

#include "config.h"

#include "manager-window.h"

#include <glib/gi18n.h>

#include "connection.h"
#include "domain-config.h"
#include "error.h"
#include "guest-list.h"
#include "host-details-window.h"
#include "sparkline-renderer.h"
#include "ui-util.h"
#include "new-vm-wizard.h"
#include "vm-window.h"

/* How often a vanished local daemon is looked for again. */
#define RETRY_SECONDS 5
#define DOMAIN_INTERFACE "org.marinavm.Marina1.Domain"
#define HOST_INTERFACE "org.marinavm.Marina1.Host"
/* Saving, restoring and starting can take a while under TCG. */
#define LONG_CALL_TIMEOUT_MS (10 * 60 * 1000)
/* Above this many row changes at once, the view is detached while the store changes. */
#define BULK_THRESHOLD 32

enum { COL_KIND, COL_GUEST, COL_CONN, N_COLUMNS };

typedef enum { ROW_CONNECTION, ROW_GUEST, ROW_PLACEHOLDER } RowKind;

typedef enum { CONN_IDLE, CONN_CONNECTING, CONN_CONNECTED, CONN_DISCONNECTED } ConnState;

enum { SORT_NAME, SORT_STATE, SORT_CPU, SORT_HOST_CPU, SORT_MEMORY, SORT_DISK, SORT_NET };

typedef struct {
    MarinaManagerWindow *window;
    char *uri;   /* canonical spelling when it parses */
    char *label; /* for people: "This computer (session)", "alice@db1 (system)" */
    char *state_text;
    gboolean auto_retry; /* a local daemon that may come back */
    gboolean local;      /* its guests' files are on this computer */
    ConnState state;
    char *reason; /* why it is disconnected, for people */
    gboolean opening;
    gboolean report_failure; /* show the next failure to open in the info bar */
    gboolean collapsed;
    guint retry_id;
    GCancellable *cancellable;
    MarinaConnection *connection;
    MarinaGuestList *list;
    GtkTreeIter iter;  /* GtkTreeStore iters persist */
    GPtrArray *guests; /* MarinaGuest* (reffed), mirrors the list's order */
    GHashTable *rows;  /* MarinaGuest* -> GtkTreeIter* */
    gboolean filled;
    gboolean has_placeholder;
    GtkTreeIter placeholder;
    GPtrArray *reopen;  /* UUIDs whose VM windows were open when the connection dropped */
    GtkWidget *details; /* its Connection Details window, or NULL */
} Conn;

struct _MarinaManagerWindow {
    GtkApplicationWindow parent_instance;

    GSettings *settings;
    GCancellable *cancellable; /* window-wide operations; cancelled on dispose */
    GPtrArray *conns;          /* Conn*, owned, in display order */
    GtkTreeStore *store;
    GtkTreeModel *filter; /* over store */
    GtkTreeModel *sort;   /* over filter; what the view shows */
    int sort_column;
    GtkSortType sort_order;
    gboolean attaching;
    char *search;           /* case-folded; NULL shows everything */
    GHashTable *vm_windows; /* MarinaGuest* -> MarinaVmWindow* (not reffed) */
    char *pending_console_uri;
    char *pending_console_name;
    GtkTreeViewColumn *graph_columns[5];
    GtkWidget *guest_menu;
    GtkWidget *connection_menu;
    GdkRGBA dim_color;
    int width, height;

    /* template children */
    GtkHeaderBar *header_bar;
    GtkButton *new_button;
    GtkButton *open_button;
    GtkButton *run_button;
    GtkButton *pause_button;
    GtkImage *pause_image;
    GtkMenuButton *shutdown_button;
    GtkButton *restore_button;
    GtkButton *delete_button;
    GtkMenuButton *menu_button;
    GtkSearchEntry *search_entry;
    GtkInfoBar *info_bar;
    GtkLabel *info_label;
    GtkTreeView *tree_view;
    GtkWidget *empty_box;
};

G_DEFINE_FINAL_TYPE(MarinaManagerWindow, marina_manager_window, GTK_TYPE_APPLICATION_WINDOW)

static void conn_open(Conn *conn, gboolean quietly);
static void update_actions(MarinaManagerWindow *self);

/* ---------------------------------------------------------------- helpers */

static void
set_accessible_name(GtkWidget *widget, const char *name)
{
    atk_object_set_name(gtk_widget_get_accessible(widget), name);
}

static gboolean
is_cancelled(const GError *error)
{
    return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

void
marina_manager_window_show_message(MarinaManagerWindow *self, GtkMessageType type,
                                   const char *message)
{
    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));

    gtk_info_bar_set_message_type(self->info_bar, type);
    gtk_label_set_text(self->info_label, message);
    gtk_info_bar_set_revealed(self->info_bar, TRUE);
}

static void
show_error(MarinaManagerWindow *self, const char *prefix, const GError *error)
{
    g_autofree char *text = NULL;

    g_debug("%s: %s", prefix ? prefix : "error", error->message);
    if (prefix != NULL)
        text = g_strdup_printf("%s %s", prefix, marina_error_message(error));
    else
        text = g_strdup(marina_error_message(error));
    marina_manager_window_show_message(self, GTK_MESSAGE_ERROR, text);
}

static const char *
state_text(MarinaDomainState state)
{
    switch (state) {
    case MARINA_DOMAIN_RUNNING:
    case MARINA_DOMAIN_BLOCKED:
        return _("Running");
    case MARINA_DOMAIN_PAUSED:
        return _("Paused");
    case MARINA_DOMAIN_SHUTDOWN:
        return _("Shutting down");
    case MARINA_DOMAIN_SHUTOFF:
        return _("Shut off");
    case MARINA_DOMAIN_CRASHED:
        return _("Crashed");
    case MARINA_DOMAIN_PMSUSPENDED:
        return _("Suspended");
    default:
        return _("Unknown");
    }
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

/* ------------------------------------------------------- model plumbing */

static void
store_row_changed(MarinaManagerWindow *self, GtkTreeIter *iter)
{
    g_autoptr(GtkTreePath) path = gtk_tree_model_get_path(GTK_TREE_MODEL(self->store), iter);

    gtk_tree_model_row_changed(GTK_TREE_MODEL(self->store), path, iter);
}

/* Store iter of the selected row. */
static gboolean
get_selected_iter(MarinaManagerWindow *self, GtkTreeIter *store_iter)
{
    GtkTreeSelection *selection = gtk_tree_view_get_selection(self->tree_view);
    GtkTreeIter sort_iter, filter_iter;

    if (self->sort == NULL || !gtk_tree_selection_get_selected(selection, NULL, &sort_iter))
        return FALSE;
    gtk_tree_model_sort_convert_iter_to_child_iter(GTK_TREE_MODEL_SORT(self->sort), &filter_iter,
                                                   &sort_iter);
    gtk_tree_model_filter_convert_iter_to_child_iter(GTK_TREE_MODEL_FILTER(self->filter),
                                                     store_iter, &filter_iter);
    return TRUE;
}

/* What is selected: the row kind, its connection and (for guest rows) the guest (reffed). */
static gboolean
get_selected(MarinaManagerWindow *self, RowKind *kind, Conn **conn, MarinaGuest **guest)
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

/* The selected connection row's connection, or NULL when a guest or nothing is selected. */
static Conn *
selected_connection(MarinaManagerWindow *self)
{
    RowKind kind;
    Conn *conn;

    if (!get_selected(self, &kind, &conn, NULL) || kind != ROW_CONNECTION)
        return NULL;
    return conn;
}

static gboolean
select_store_iter(MarinaManagerWindow *self, GtkTreeIter *store_iter)
{
    GtkTreeIter filter_iter, sort_iter;
    g_autoptr(GtkTreePath) path = NULL;

    if (self->sort == NULL || !gtk_tree_model_filter_convert_child_iter_to_iter(
                                  GTK_TREE_MODEL_FILTER(self->filter), &filter_iter, store_iter))
        return FALSE;
    gtk_tree_model_sort_convert_child_iter_to_iter(GTK_TREE_MODEL_SORT(self->sort), &sort_iter,
                                                   &filter_iter);
    path = gtk_tree_model_get_path(self->sort, &sort_iter);
    gtk_tree_view_expand_to_path(self->tree_view, path);
    gtk_tree_view_set_cursor(self->tree_view, path, NULL, FALSE);
    return TRUE;
}

static gboolean
guest_matches(MarinaManagerWindow *self, MarinaGuest *guest)
{
    g_autofree char *name = NULL;
    g_autofree char *state = NULL;

    if (self->search == NULL)
        return TRUE;
    name = g_utf8_casefold(marina_guest_get_name(guest), -1);
    if (strstr(name, self->search) != NULL)
        return TRUE;
    state = g_utf8_casefold(state_text(guest_state(guest)), -1);
    return strstr(state, self->search) != NULL;
}

static gboolean
filter_visible(GtkTreeModel *model, GtkTreeIter *iter, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(GObject) object = NULL;
    int kind;

    gtk_tree_model_get(model, iter, COL_KIND, &kind, COL_GUEST, &object, -1);
    switch (kind) {
    case ROW_CONNECTION:
        return TRUE; /* connections stay, so their state stays visible while searching */
    case ROW_PLACEHOLDER:
        return self->search == NULL;
    default:
        return object != NULL && guest_matches(self, MARINA_GUEST(object));
    }
}

static guint
conn_index(MarinaManagerWindow *self, Conn *conn)
{
    guint index = 0;

    g_ptr_array_find(self->conns, conn, &index);
    return index;
}

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

static int
compare_rows(GtkTreeModel *model, GtkTreeIter *a, GtkTreeIter *b, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(GObject) object_a = NULL;
    g_autoptr(GObject) object_b = NULL;
    int kind_a, kind_b, column = SORT_NAME, result = 0;
    GtkSortType order = GTK_SORT_ASCENDING;
    Conn *conn_a, *conn_b;

    gtk_tree_model_get(model, a, COL_KIND, &kind_a, COL_GUEST, &object_a, COL_CONN, &conn_a, -1);
    gtk_tree_model_get(model, b, COL_KIND, &kind_b, COL_GUEST, &object_b, COL_CONN, &conn_b, -1);
    if (self->sort != NULL)
        gtk_tree_sortable_get_sort_column_id(GTK_TREE_SORTABLE(self->sort), &column, &order);

    if (kind_a != ROW_GUEST || kind_b != ROW_GUEST || object_a == NULL || object_b == NULL) {
        /* Connections keep the order they were added in, whatever the sort. */
        int index = (int)conn_index(self, conn_a) - (int)conn_index(self, conn_b);
        result = index != 0 ? index : kind_a - kind_b;
        return order == GTK_SORT_DESCENDING ? -result : result;
    }
    if (column != SORT_NAME) {
        double va = sort_value(MARINA_GUEST(object_a), column);
        double vb = sort_value(MARINA_GUEST(object_b), column);
        result = va < vb ? -1 : va > vb ? 1 : 0;
    }
    if (result == 0)
        result = g_utf8_collate(marina_guest_get_name(MARINA_GUEST(object_a)),
                                marina_guest_get_name(MARINA_GUEST(object_b)));
    return result;
}

/* The view is detached while many rows change at once: a GtkTreeModelSort and
 * GtkTreeModelFilter that see 1000 single inserts cost far more than building
 * them once over the filled store. */
static void
detach_models(MarinaManagerWindow *self)
{
    if (self->sort == NULL)
        return;
    gtk_tree_sortable_get_sort_column_id(GTK_TREE_SORTABLE(self->sort), &self->sort_column,
                                         &self->sort_order);
    gtk_tree_view_set_model(self->tree_view, NULL);
    g_clear_object(&self->sort);
    g_clear_object(&self->filter);
}

static void
expand_connections(MarinaManagerWindow *self)
{
    if (self->filter == NULL)
        return; /* detached: attach_models() expands them */
    self->attaching = TRUE;
    for (guint i = 0; i < self->conns->len; i++) {
        Conn *conn = g_ptr_array_index(self->conns, i);
        GtkTreeIter filter_iter, sort_iter;
        g_autoptr(GtkTreePath) path = NULL;

        if (conn->collapsed || !gtk_tree_model_filter_convert_child_iter_to_iter(
                                   GTK_TREE_MODEL_FILTER(self->filter), &filter_iter, &conn->iter))
            continue;
        gtk_tree_model_sort_convert_child_iter_to_iter(GTK_TREE_MODEL_SORT(self->sort), &sort_iter,
                                                       &filter_iter);
        path = gtk_tree_model_get_path(self->sort, &sort_iter);
        gtk_tree_view_expand_row(self->tree_view, path, FALSE);
    }
    self->attaching = FALSE;
}

static void
attach_models(MarinaManagerWindow *self)
{
    static const int columns[] = {SORT_NAME,   SORT_STATE, SORT_CPU, SORT_HOST_CPU,
                                  SORT_MEMORY, SORT_DISK,  SORT_NET};

    if (self->sort != NULL)
        return;
    self->filter = gtk_tree_model_filter_new(GTK_TREE_MODEL(self->store), NULL);
    gtk_tree_model_filter_set_visible_func(GTK_TREE_MODEL_FILTER(self->filter), filter_visible,
                                           self, NULL);
    self->sort = gtk_tree_model_sort_new_with_model(self->filter);
    for (guint i = 0; i < G_N_ELEMENTS(columns); i++)
        gtk_tree_sortable_set_sort_func(GTK_TREE_SORTABLE(self->sort), columns[i], compare_rows,
                                        self, NULL);
    gtk_tree_sortable_set_sort_column_id(GTK_TREE_SORTABLE(self->sort), self->sort_column,
                                         self->sort_order);
    gtk_tree_view_set_model(self->tree_view, self->sort);
    expand_connections(self);
}

/* Replaces the view's models around a bulk change, keeping the selection. */
typedef struct {
    Conn *conn;
    MarinaGuest *guest;
} Selection;

static Selection
begin_bulk(MarinaManagerWindow *self)
{
    Selection selection = {NULL, NULL};
    RowKind kind;

    if (get_selected(self, &kind, &selection.conn, &selection.guest) && kind != ROW_CONNECTION &&
        selection.guest == NULL)
        selection.conn = NULL; /* a placeholder: nothing worth restoring */
    detach_models(self);
    return selection;
}

static void
end_bulk(MarinaManagerWindow *self, Selection *selection)
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
    update_actions(self);
}

/* --------------------------------------------------------- connection rows */

static gboolean
any_graph_visible(MarinaManagerWindow *self)
{
    for (guint i = 0; i < G_N_ELEMENTS(self->graph_columns); i++)
        if (gtk_tree_view_column_get_visible(self->graph_columns[i]))
            return TRUE;
    return FALSE;
}

static void
conn_update_row(Conn *conn)
{
    g_free(conn->state_text);
    switch (conn->state) {
    case CONN_IDLE:
        conn->state_text = g_strdup(_("Not connected"));
        break;
    case CONN_CONNECTING:
        conn->state_text = g_strdup(_("Connecting…"));
        break;
    case CONN_CONNECTED:
        conn->state_text = g_strdup(_("Connected"));
        break;
    case CONN_DISCONNECTED:
        conn->state_text = conn->reason != NULL
                               ? g_strdup_printf(_("Disconnected: %s"), conn->reason)
                               : g_strdup(_("Disconnected"));
        break;
    }
    store_row_changed(conn->window, &conn->iter);
}

static void
conn_update_placeholder(Conn *conn)
{
    MarinaManagerWindow *self = conn->window;
    gboolean want = conn->filled && conn->guests->len == 0;

    if (want && !conn->has_placeholder) {
        gtk_tree_store_insert_with_values(self->store, &conn->placeholder, &conn->iter, -1,
                                          COL_KIND, ROW_PLACEHOLDER, COL_CONN, conn, -1);
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
    store_row_changed(conn->window, iter);
    if (get_selected(conn->window, NULL, NULL, &selected) && selected == guest)
        update_actions(conn->window);
    g_clear_object(&selected);
}

static void
conn_insert_guest(Conn *conn, MarinaGuest *guest, guint position)
{
    GtkTreeIter iter;

    gtk_tree_store_insert_with_values(conn->window->store, &iter, &conn->iter, -1, COL_KIND,
                                      ROW_GUEST, COL_GUEST, guest, COL_CONN, conn, -1);
    g_hash_table_insert(conn->rows, guest, g_memdup2(&iter, sizeof iter));
    g_ptr_array_insert(conn->guests, (int)position, g_object_ref(guest));
    g_signal_connect(guest, "notify", G_CALLBACK(on_guest_notify), conn);
}

static void
conn_remove_guest_at(Conn *conn, guint position)
{
    MarinaGuest *guest = g_ptr_array_index(conn->guests, position);
    GtkTreeIter *iter = g_hash_table_lookup(conn->rows, guest);

    g_signal_handlers_disconnect_by_data(guest, conn);
    if (iter != NULL)
        gtk_tree_store_remove(conn->window->store, iter);
    g_hash_table_remove(conn->rows, guest);
    g_ptr_array_remove_index(conn->guests, position);
}

static void
conn_clear_guests(Conn *conn)
{
    while (conn->guests->len > 0)
        conn_remove_guest_at(conn, conn->guests->len - 1);
    conn->filled = FALSE;
    conn_update_placeholder(conn);
}

static void open_vm_window(MarinaManagerWindow *self, Conn *conn, MarinaGuest *guest,
                           gboolean console);

static void
check_pending_console(MarinaManagerWindow *self, Conn *conn)
{
    g_autofree char *name = NULL;

    if (self->pending_console_name == NULL || !conn->filled)
        return;
    if (self->pending_console_uri != NULL && g_strcmp0(self->pending_console_uri, conn->uri) != 0)
        return;
    name = g_steal_pointer(&self->pending_console_name);
    g_clear_pointer(&self->pending_console_uri, g_free);
    for (guint i = 0; i < conn->guests->len; i++) {
        MarinaGuest *guest = g_ptr_array_index(conn->guests, i);
        if (g_strcmp0(marina_guest_get_name(guest), name) == 0) {
            open_vm_window(self, conn, guest, TRUE);
            return;
        }
    }
    {
        g_autofree char *message = g_strdup_printf(
            _("There is no guest called '%s' on %s. Check the name with “marinactl list --all”."),
            name, conn->label);
        marina_manager_window_show_message(self, GTK_MESSAGE_ERROR, message);
    }
}

static void
conn_fill(Conn *conn)
{
    MarinaManagerWindow *self = conn->window;
    GListModel *model = G_LIST_MODEL(conn->list);
    guint n = g_list_model_get_n_items(model);
    gint64 start = g_get_monotonic_time();
    Selection selection = begin_bulk(self);

    while (conn->guests->len > 0)
        conn_remove_guest_at(conn, conn->guests->len - 1);
    for (guint i = 0; i < n; i++) {
        g_autoptr(MarinaGuest) guest = g_list_model_get_item(model, i);
        conn_insert_guest(conn, guest, i);
    }
    conn->filled = TRUE;
    conn_update_placeholder(conn);
    end_bulk(self, &selection);
    g_debug("Listed %u guests of %s in %.1f ms", n, conn->uri,
            (g_get_monotonic_time() - start) / 1000.0);
    check_pending_console(self, conn);
}

static MarinaVmWindow *
find_vm_window_by_uuid(MarinaManagerWindow *self, const char *uuid)
{
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, self->vm_windows);
    while (g_hash_table_iter_next(&iter, &key, &value))
        if (g_strcmp0(marina_guest_get_uuid(key), uuid) == 0)
            return value;
    return NULL;
}

/* The windows of a connection that dropped hold its old guest list: once
 * the connection is back, give each guest a window on the new one. The new
 * window opens before the old closes, so a hidden manager stays alive. */
static void
conn_reopen_windows(Conn *conn)
{
    MarinaManagerWindow *self = conn->window;

    for (guint i = 0; conn->reopen != NULL && i < conn->reopen->len; i++) {
        const char *uuid = g_ptr_array_index(conn->reopen, i);
        MarinaVmWindow *old = find_vm_window_by_uuid(self, uuid);
        MarinaGuest *guest = marina_guest_list_lookup(conn->list, uuid);

        if (guest != NULL)
            open_vm_window(self, conn, guest, TRUE);
        if (old != NULL && (guest == NULL || marina_vm_window_get_guest(old) != guest))
            gtk_widget_destroy(GTK_WIDGET(old));
    }
    g_clear_pointer(&conn->reopen, g_ptr_array_unref);
}

static void
remember_open_windows(Conn *conn)
{
    for (guint i = 0; i < conn->guests->len; i++) {
        MarinaGuest *guest = g_ptr_array_index(conn->guests, i);

        if (g_hash_table_lookup(conn->window->vm_windows, guest) == NULL)
            continue;
        if (conn->reopen == NULL)
            conn->reopen = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(conn->reopen, g_strdup(marina_guest_get_uuid(guest)));
    }
}

static void
on_list_loaded(MarinaGuestList *list, gpointer user_data)
{
    conn_fill(user_data);
    conn_reopen_windows(user_data);
}

static void
on_list_items_changed(GListModel *model, guint position, guint removed, guint added,
                      gpointer user_data)
{
    Conn *conn = user_data;
    MarinaManagerWindow *self = conn->window;
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
    update_actions(self);
}

static void
on_list_stats_updated(MarinaGuestList *list, gpointer user_data)
{
    Conn *conn = user_data;

    /* No store change: the sparklines read the history when drawn, so only the
     * rows on screen cost anything. */
    if (any_graph_visible(conn->window))
        gtk_widget_queue_draw(GTK_WIDGET(conn->window->tree_view));
}

static void
on_list_error(MarinaGuestList *list, GError *error, gpointer user_data)
{
    Conn *conn = user_data;
    g_autofree char *prefix = g_strdup_printf(_("Could not list the guests of %s:"), conn->label);

    show_error(conn->window, prefix, error);
}

static gboolean
on_retry(gpointer user_data)
{
    Conn *conn = user_data;

    conn->retry_id = 0;
    conn_open(conn, TRUE);
    return G_SOURCE_REMOVE;
}

static void
conn_schedule_retry(Conn *conn)
{
    if (conn->auto_retry && conn->retry_id == 0)
        conn->retry_id = g_timeout_add_seconds(RETRY_SECONDS, on_retry, conn);
}

/* Closes and forgets the connection, without hearing its "closed". */
static void
conn_close(Conn *conn)
{
    if (conn->connection != NULL) {
        g_signal_handlers_disconnect_by_data(conn->connection, conn);
        marina_connection_close(conn->connection);
        g_clear_object(&conn->connection);
    }
}

/* Forgets the connection and its guest list (not the row). */
static void
conn_drop(Conn *conn)
{
    if (conn->list != NULL) {
        g_signal_handlers_disconnect_by_data(conn->list, conn);
        conn_clear_guests(conn);
        g_clear_object(&conn->list);
    }
    conn_close(conn);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, gpointer user_data)
{
    Conn *conn = user_data;
    MarinaManagerWindow *self = conn->window;
    Selection selection = begin_bulk(self);

    g_clear_pointer(&conn->reason, g_free);
    if (reason != NULL)
        conn->reason = g_strdup(marina_error_message(reason));
    conn->state = CONN_DISCONNECTED;
    remember_open_windows(conn);
    conn_drop(conn);
    conn_update_row(conn);
    end_bulk(self, &selection);
    if (reason != NULL)
        conn_schedule_retry(conn);
}

static void
on_stats_pref_sent(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    /* An older daemon without these methods still sends everything. */
    if (!g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error))
        g_debug("statistics preferences not applied: %s", error->message);
}

/* Preferences say how often and which statistics the daemon collects for
 * this window; the daemon serves every client the most any one asks for. */
static void
conn_send_stats_prefs(Conn *conn)
{
    static const struct {
        const char *key;
        const char *kind;
    } kinds[] = {{"stats-cpu", "cpu"},
                 {"stats-memory", "memory"},
                 {"stats-disk", "disk"},
                 {"stats-network", "network"}};
    GSettings *settings = conn->window->settings;
    g_autoptr(GStrvBuilder) wanted = g_strv_builder_new();
    g_auto(GStrv) list = NULL;
    MarinaDBusHost *host;

    if (conn->connection == NULL || marina_connection_is_closed(conn->connection))
        return;
    host = marina_connection_get_host(conn->connection);
    for (guint i = 0; i < G_N_ELEMENTS(kinds); i++)
        if (g_settings_get_boolean(settings, kinds[i].key))
            g_strv_builder_add(wanted, kinds[i].kind);
    list = g_strv_builder_end(wanted);
    g_dbus_proxy_call(G_DBUS_PROXY(host), "SetStatsInterval",
                      g_variant_new("(u)", g_settings_get_uint(settings, "stats-interval") * 1000),
                      G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_stats_pref_sent, NULL);
    g_dbus_proxy_call(G_DBUS_PROXY(host), "SetStatsCollection", g_variant_new("(^as)", list),
                      G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_stats_pref_sent, NULL);
}

static void
on_stats_settings_changed(GSettings *settings, const char *key, MarinaManagerWindow *self)
{
    if (!g_str_has_prefix(key, "stats-"))
        return;
    for (guint i = 0; i < self->conns->len; i++)
        conn_send_stats_prefs(g_ptr_array_index(self->conns, i));
}

static void
on_connection_opened(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) connection = marina_connection_open_finish(result, &error);
    Conn *conn;

    if (connection == NULL && is_cancelled(error))
        return; /* the row is gone */
    conn = user_data;
    conn->opening = FALSE;
    if (connection == NULL) {
        gboolean changed = conn->state != CONN_DISCONNECTED ||
                           g_strcmp0(conn->reason, marina_error_message(error)) != 0;
        g_clear_pointer(&conn->reason, g_free);
        conn->reason = g_strdup(marina_error_message(error));
        conn->state = CONN_DISCONNECTED;
        if (changed)
            conn_update_row(conn);
        if (conn->report_failure)
            show_error(conn->window, NULL, error);
        conn->report_failure = FALSE;
        conn_schedule_retry(conn);
        update_actions(conn->window);
        return;
    }

    conn->connection = g_steal_pointer(&connection);
    conn->state = CONN_CONNECTED;
    conn->report_failure = FALSE;
    g_clear_pointer(&conn->reason, g_free);
    g_signal_connect(conn->connection, "closed", G_CALLBACK(on_connection_closed), conn);
    conn_send_stats_prefs(conn);
    conn->list = marina_guest_list_new(conn->connection);
    g_signal_connect(conn->list, "loaded", G_CALLBACK(on_list_loaded), conn);
    g_signal_connect(conn->list, "items-changed", G_CALLBACK(on_list_items_changed), conn);
    g_signal_connect(conn->list, "stats-updated", G_CALLBACK(on_list_stats_updated), conn);
    g_signal_connect(conn->list, "error", G_CALLBACK(on_list_error), conn);
    conn_update_row(conn);
    if (marina_guest_list_is_loaded(conn->list))
        conn_fill(conn);
    update_actions(conn->window);
}

/* Opens the connection; @quietly (automatic retries) keeps the row saying why
 * it is disconnected until it is back. */
static void
conn_open(Conn *conn, gboolean quietly)
{
    if (conn->opening || conn->connection != NULL)
        return;
    g_clear_handle_id(&conn->retry_id, g_source_remove);
    conn->opening = TRUE;
    if (!quietly) {
        conn->state = CONN_CONNECTING;
        conn_update_row(conn);
    }
    marina_connection_open_async(conn->uri, conn->cancellable, on_connection_opened, conn);
}

static char *
conn_label_for(const char *text, gboolean *auto_retry, gboolean *local, char **canonical)
{
    g_autoptr(MarinaUri) uri = marina_uri_parse(text, NULL);

    *auto_retry = FALSE;
    *local = FALSE;
    if (uri == NULL) {
        *canonical = g_strdup(text);
        return g_strdup(text);
    }
    *canonical = marina_uri_to_string(uri);
    switch (uri->transport) {
    case MARINA_URI_TRANSPORT_LOCAL:
        *local = TRUE;
        *auto_retry = marina_uri_is_session(uri);
        return g_strdup(marina_uri_is_session(uri) ? _("This computer (session)")
                                                   : _("This computer (system)"));
    case MARINA_URI_TRANSPORT_UNIX:
        *local = TRUE;
        *auto_retry = TRUE;
        return g_strdup(*canonical);
    case MARINA_URI_TRANSPORT_SSH:
    default:
        if (uri->user != NULL)
            return g_strdup_printf("%s@%s (%s)", uri->user, uri->host, uri->path);
        return g_strdup_printf("%s (%s)", uri->host, uri->path);
    }
}

static void
conn_free(Conn *conn)
{
    g_cancellable_cancel(conn->cancellable);
    g_clear_object(&conn->cancellable);
    g_clear_handle_id(&conn->retry_id, g_source_remove);
    if (conn->list != NULL)
        g_signal_handlers_disconnect_by_data(conn->list, conn);
    for (guint i = 0; i < conn->guests->len; i++)
        g_signal_handlers_disconnect_by_data(g_ptr_array_index(conn->guests, i), conn);
    g_clear_object(&conn->list);
    conn_close(conn);
    g_ptr_array_unref(conn->guests);
    g_hash_table_unref(conn->rows);
    g_free(conn->uri);
    g_free(conn->label);
    g_free(conn->state_text);
    g_free(conn->reason);
    g_clear_pointer(&conn->reopen, g_ptr_array_unref);
    /* Connection Details closes with its connection. */
    if (conn->details != NULL) {
        g_signal_handlers_disconnect_by_data(conn->details, conn);
        gtk_widget_destroy(g_steal_pointer(&conn->details));
    }
    g_free(conn);
}

static Conn *
find_conn(MarinaManagerWindow *self, const char *uri)
{
    for (guint i = 0; i < self->conns->len; i++) {
        Conn *conn = g_ptr_array_index(self->conns, i);
        if (g_strcmp0(conn->uri, uri) == 0)
            return conn;
    }
    return NULL;
}

static Conn *
find_conn_of_guest(MarinaManagerWindow *self, MarinaGuest *guest)
{
    for (guint i = 0; i < self->conns->len; i++) {
        Conn *conn = g_ptr_array_index(self->conns, i);
        if (g_hash_table_contains(conn->rows, guest))
            return conn;
    }
    return NULL;
}

static void
update_empty_state(MarinaManagerWindow *self)
{
    gtk_widget_set_visible(self->empty_box, self->conns->len == 0);
}

void
marina_manager_window_add_connection(MarinaManagerWindow *self, const char *uri, gboolean open)
{
    g_autofree char *canonical = NULL;
    g_autofree char *label = NULL;
    gboolean auto_retry, local;
    Conn *conn;

    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));
    g_return_if_fail(uri != NULL);

    label = conn_label_for(uri, &auto_retry, &local, &canonical);
    conn = find_conn(self, canonical);
    if (conn == NULL) {
        conn = g_new0(Conn, 1);
        conn->window = self;
        conn->uri = g_steal_pointer(&canonical);
        conn->label = g_steal_pointer(&label);
        conn->auto_retry = auto_retry;
        conn->local = local;
        conn->cancellable = g_cancellable_new();
        conn->guests = g_ptr_array_new_with_free_func(g_object_unref);
        conn->rows = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        g_ptr_array_add(self->conns, conn);
        gtk_tree_store_insert_with_values(self->store, &conn->iter, NULL, -1, COL_KIND,
                                          ROW_CONNECTION, COL_CONN, conn, -1);
        conn_update_row(conn);
        update_empty_state(self);
    }
    if (open) {
        conn->report_failure = TRUE;
        conn_open(conn, FALSE);
    }
    update_actions(self);
}

static void
remove_conn(MarinaManagerWindow *self, Conn *conn)
{
    Selection selection = begin_bulk(self);

    conn_drop(conn);
    gtk_tree_store_remove(self->store, &conn->iter);
    g_ptr_array_remove(self->conns, conn); /* frees it */
    end_bulk(self, &selection);
    update_empty_state(self);
}

void
marina_manager_window_show_domain_console(MarinaManagerWindow *self, const char *uri,
                                          const char *name)
{
    g_autoptr(MarinaUri) parsed = NULL;

    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));
    g_free(self->pending_console_name);
    g_free(self->pending_console_uri);
    self->pending_console_name = g_strdup(name);
    self->pending_console_uri = NULL;
    if (uri != NULL && (parsed = marina_uri_parse(uri, NULL)) != NULL)
        self->pending_console_uri = marina_uri_to_string(parsed);
    for (guint i = 0; i < self->conns->len && self->pending_console_name != NULL; i++)
        check_pending_console(self, g_ptr_array_index(self->conns, i));
}

/* ------------------------------------------------------------ VM windows */

static void
on_vm_window_destroy(GtkWidget *window, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, self->vm_windows);
    while (g_hash_table_iter_next(&iter, &key, &value))
        if (value == window)
            g_hash_table_iter_remove(&iter);

    /* The manager was only hidden because a VM window was still open. */
    if (!gtk_widget_get_visible(GTK_WIDGET(self)) && g_hash_table_size(self->vm_windows) == 0)
        gtk_widget_destroy(GTK_WIDGET(self));
}

static void
open_vm_window(MarinaManagerWindow *self, Conn *conn, MarinaGuest *guest, gboolean console)
{
    MarinaVmWindow *window = g_hash_table_lookup(self->vm_windows, guest);

    if (window == NULL) {
        GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));

        if (conn->list == NULL)
            return;
        window = marina_vm_window_new(app, conn->list, guest);
        g_hash_table_insert(self->vm_windows, guest, window);
        g_signal_connect(window, "destroy", G_CALLBACK(on_vm_window_destroy), self);
    }
    if (console)
        marina_vm_window_show_console(window);
    gtk_window_present(GTK_WINDOW(window));
}

/* ------------------------------------------------------------ cell data */

static void
icon_data_func(GtkTreeViewColumn *column, GtkCellRenderer *cell, GtkTreeModel *model,
               GtkTreeIter *iter, gpointer user_data)
{
    g_autoptr(GObject) object = NULL;
    const char *icon = NULL;
    int kind;
    Conn *conn;

    gtk_tree_model_get(model, iter, COL_KIND, &kind, COL_GUEST, &object, COL_CONN, &conn, -1);
    if (kind == ROW_GUEST && object != NULL)
        icon = state_icon(guest_state(MARINA_GUEST(object)));
    else if (kind == ROW_CONNECTION)
        icon = conn->local ? "computer-symbolic" : "network-server-symbolic";
    g_object_set(cell, "icon-name", icon, "stock-size",
                 kind == ROW_CONNECTION ? GTK_ICON_SIZE_LARGE_TOOLBAR : GTK_ICON_SIZE_MENU, NULL);
}

static void
name_data_func(GtkTreeViewColumn *column, GtkCellRenderer *cell, GtkTreeModel *model,
               GtkTreeIter *iter, gpointer user_data)
{
    g_autoptr(GObject) object = NULL;
    int kind;
    Conn *conn;

    gtk_tree_model_get(model, iter, COL_KIND, &kind, COL_GUEST, &object, COL_CONN, &conn, -1);
    switch (kind) {
    case ROW_CONNECTION:
        g_object_set(cell, "text", conn->label, "weight", PANGO_WEIGHT_BOLD, "style",
                     PANGO_STYLE_NORMAL, NULL);
        break;
    case ROW_PLACEHOLDER:
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
    MarinaManagerWindow *self = user_data;
    g_autoptr(GObject) object = NULL;
    GtkTreeSelection *selection = gtk_tree_view_get_selection(self->tree_view);
    const char *text = "";
    int kind;
    Conn *conn;

    gtk_tree_model_get(model, iter, COL_KIND, &kind, COL_GUEST, &object, COL_CONN, &conn, -1);
    if (kind == ROW_CONNECTION)
        text = conn->state_text;
    else if (kind == ROW_GUEST && object != NULL)
        text = state_text(guest_state(MARINA_GUEST(object)));
    /* Dimmed, except on the selection's background where dim is unreadable. */
    g_object_set(cell, "text", text, "foreground-rgba", &self->dim_color, "foreground-set",
                 !gtk_tree_selection_iter_is_selected(selection, iter), NULL);
}

static void
on_tree_style_updated(GtkWidget *widget, MarinaManagerWindow *self)
{
    GtkStyleContext *context = gtk_widget_get_style_context(widget);

    gtk_style_context_get_color(context, GTK_STATE_FLAG_NORMAL, &self->dim_color);
    self->dim_color.alpha *= 0.6;
}

/* ----------------------------------------------------------- the columns */

static GtkTreeViewColumn *
add_graph_column(MarinaManagerWindow *self, const char *title, MarinaGuestSeries series,
                 int series2, int sort_id, const char *key)
{
    GtkCellRenderer *cell = marina_sparkline_renderer_new(series, series2);
    GtkTreeViewColumn *column =
        gtk_tree_view_column_new_with_attributes(title, cell, "guest", COL_GUEST, NULL);

    gtk_tree_view_column_set_sizing(column, GTK_TREE_VIEW_COLUMN_FIXED);
    gtk_tree_view_column_set_fixed_width(column, 120);
    gtk_tree_view_column_set_resizable(column, TRUE);
    gtk_tree_view_column_set_sort_column_id(column, sort_id);
    gtk_tree_view_append_column(self->tree_view, column);
    g_settings_bind(self->settings, key, column, "visible", G_SETTINGS_BIND_GET);
    return column;
}

static void
setup_columns(MarinaManagerWindow *self)
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
    gtk_tree_view_column_set_cell_data_func(icon_column, icon, icon_data_func, self, NULL);
    gtk_tree_view_append_column(self->tree_view, icon_column);
    gtk_tree_view_set_expander_column(self->tree_view, icon_column);

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
    gtk_tree_view_column_set_cell_data_func(name_column, name, name_data_func, self, NULL);
    gtk_tree_view_column_set_cell_data_func(name_column, state, state_data_func, self, NULL);
    gtk_tree_view_append_column(self->tree_view, name_column);

    self->graph_columns[0] = add_graph_column(self, _("Guest CPU"), MARINA_GUEST_SERIES_CPU, -1,
                                              SORT_CPU, "column-guest-cpu");
    self->graph_columns[1] = add_graph_column(self, _("Host CPU"), MARINA_GUEST_SERIES_HOST_CPU, -1,
                                              SORT_HOST_CPU, "column-host-cpu");
    self->graph_columns[2] = add_graph_column(self, _("Memory"), MARINA_GUEST_SERIES_MEMORY, -1,
                                              SORT_MEMORY, "column-memory");
    self->graph_columns[3] =
        add_graph_column(self, _("Disk I/O"), MARINA_GUEST_SERIES_DISK_READ,
                         MARINA_GUEST_SERIES_DISK_WRITE, SORT_DISK, "column-disk");
    self->graph_columns[4] =
        add_graph_column(self, _("Network I/O"), MARINA_GUEST_SERIES_NET_RX,
                         MARINA_GUEST_SERIES_NET_TX, SORT_NET, "column-network");
}

/* ------------------------------------------------------------- actions */

static gboolean
conn_is_connected(Conn *conn)
{
    return conn != NULL && conn->state == CONN_CONNECTED && conn->connection != NULL;
}

/* The connection New and Restore act on: the selected row's, else the first connected. */
static Conn *
target_conn(MarinaManagerWindow *self)
{
    Conn *conn = NULL;

    if (get_selected(self, NULL, &conn, NULL) && conn_is_connected(conn))
        return conn;
    for (guint i = 0; i < self->conns->len; i++)
        if (conn_is_connected(g_ptr_array_index(self->conns, i)))
            return g_ptr_array_index(self->conns, i);
    return NULL;
}

static void
update_actions(MarinaManagerWindow *self)
{
    g_autoptr(MarinaGuest) guest = NULL;
    RowKind kind = ROW_PLACEHOLDER;
    Conn *conn = NULL;
    MarinaDomainState state = MARINA_DOMAIN_NOSTATE;
    gboolean have_guest, active, running, paused;
    GActionMap *actions = G_ACTION_MAP(self);

    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    get_selected(self, &kind, &conn, &guest);
    have_guest = kind == ROW_GUEST && guest != NULL && conn_is_connected(conn);
    if (have_guest)
        state = guest_state(guest);
    active = have_guest && marina_guest_is_active(guest);
    running = have_guest && (state == MARINA_DOMAIN_RUNNING || state == MARINA_DOMAIN_BLOCKED);
    paused = have_guest && state == MARINA_DOMAIN_PAUSED;

    marina_ui_set_action_enabled(actions, "open", have_guest);
    marina_ui_set_action_enabled(actions, "run", have_guest && !active);
    marina_ui_set_action_enabled(actions, "pause", running);
    marina_ui_set_action_enabled(actions, "resume", paused);
    marina_ui_set_action_enabled(actions, "shutdown", running);
    marina_ui_set_action_enabled(actions, "reboot", running);
    marina_ui_set_action_enabled(actions, "reset", active);
    marina_ui_set_action_enabled(actions, "force-off", active);
    marina_ui_set_action_enabled(actions, "save", running || paused);
    marina_ui_set_action_enabled(actions, "delete", have_guest);
    marina_ui_set_action_enabled(actions, "new", target_conn(self) != NULL);
    marina_ui_set_action_enabled(actions, "define-xml", target_conn(self) != NULL);
    marina_ui_set_action_enabled(actions, "restore", target_conn(self) != NULL);
    marina_ui_set_action_enabled(actions, "reconnect",
                                 kind == ROW_CONNECTION && conn != NULL && !conn->opening);
    marina_ui_set_action_enabled(actions, "disconnect",
                                 kind == ROW_CONNECTION && conn_is_connected(conn));
    marina_ui_set_action_enabled(actions, "remove-connection",
                                 kind == ROW_CONNECTION && conn != NULL);
    marina_ui_set_action_enabled(actions, "connection-details", target_conn(self) != NULL);
    gtk_widget_set_sensitive(GTK_WIDGET(self->shutdown_button), active);

    /* One button, two faces: Pause for a running guest, Resume for a paused one. */
    gtk_actionable_set_action_name(GTK_ACTIONABLE(self->pause_button),
                                   paused ? "win.resume" : "win.pause");
    marina_ui_set_pause_face(GTK_WIDGET(self->pause_button), self->pause_image, paused,
                             paused ? _("Resume the guest") : _("Pause the guest"));
}

/* A guest action in flight: which guest, for the error message. */
typedef struct {
    MarinaManagerWindow *self;
    char *name;
    const char *what; /* untranslated "Could not start '%s':", ... */
} CallData;

static void
call_data_free(CallData *data)
{
    g_free(data->name);
    g_free(data);
}

static void
on_domain_call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    CallData *data = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL && !is_cancelled(error)) {
        g_autofree char *prefix = g_strdup_printf(_(data->what), data->name);
        show_error(data->self, prefix, error);
    }
    call_data_free(data);
}

/* Calls a Domain method directly: one round trip, no proxy to build first. */
static void
call_domain(MarinaManagerWindow *self, Conn *conn, MarinaGuest *guest, const char *method,
            GVariant *params, const char *what, GAsyncReadyCallback callback, gpointer user_data)
{
    CallData *data;

    if (!conn_is_connected(conn)) {
        if (params != NULL)
            g_variant_unref(g_variant_ref_sink(params));
        return;
    }
    if (callback == NULL) {
        data = g_new0(CallData, 1);
        data->self = self;
        data->name = g_strdup(marina_guest_get_name(guest));
        data->what = what;
        callback = on_domain_call_done;
        user_data = data;
    }
    g_dbus_connection_call(marina_connection_get_dbus_connection(conn->connection), NULL,
                           marina_guest_get_object_path(guest), DOMAIN_INTERFACE, method, params,
                           NULL, G_DBUS_CALL_FLAGS_NONE, LONG_CALL_TIMEOUT_MS, self->cancellable,
                           callback, user_data);
}

static gboolean
selected_guest(MarinaManagerWindow *self, Conn **conn, MarinaGuest **guest)
{
    RowKind kind;

    if (!get_selected(self, &kind, conn, guest))
        return FALSE;
    if (kind != ROW_GUEST || *guest == NULL || !conn_is_connected(*conn)) {
        g_clear_object(guest);
        return FALSE;
    }
    return TRUE;
}

#define GUEST_ACTION(func, method, params, what)                                                   \
    static void func(GSimpleAction *action, GVariant *param, gpointer user_data)                   \
    {                                                                                              \
        MarinaManagerWindow *self = user_data;                                                     \
        g_autoptr(MarinaGuest) guest = NULL;                                                       \
        Conn *conn;                                                                                \
        if (selected_guest(self, &conn, &guest))                                                   \
            call_domain(self, conn, guest, method, params, what, NULL, NULL);                      \
    }

GUEST_ACTION(on_run, "Start", g_variant_new("(u)", 0), N_("Could not start '%s':"))
GUEST_ACTION(on_pause, "Suspend", NULL, N_("Could not pause '%s':"))
GUEST_ACTION(on_resume, "Resume", NULL, N_("Could not resume '%s':"))
GUEST_ACTION(on_shutdown, "Shutdown", g_variant_new("(u)", 0), N_("Could not shut down '%s':"))
GUEST_ACTION(on_reboot, "Reboot", NULL, N_("Could not reboot '%s':"))
GUEST_ACTION(on_reset, "Reset", NULL, N_("Could not reset '%s':"))
/* Save as virt-manager does it: a managed save, resumed by the next Run. */
GUEST_ACTION(on_save, "ManagedSave", NULL, N_("Could not save '%s':"))

static void
on_open(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(MarinaGuest) guest = NULL;
    Conn *conn;

    if (selected_guest(self, &conn, &guest))
        open_vm_window(self, conn, guest, FALSE);
}

/* Force off, after asking unless Preferences says not to. */
typedef struct {
    MarinaManagerWindow *self;
    MarinaGuest *guest;
} GuestRef;

static void
guest_ref_free(GuestRef *ref)
{
    g_clear_object(&ref->guest);
    g_free(ref);
}

static void
force_off(MarinaManagerWindow *self, MarinaGuest *guest)
{
    Conn *conn = find_conn_of_guest(self, guest);

    if (conn != NULL)
        call_domain(self, conn, guest, "Destroy", NULL, N_("Could not force off '%s':"), NULL,
                    NULL);
}

static void
on_force_off_response(GtkDialog *dialog, int response, gpointer user_data)
{
    GuestRef *ref = user_data;

    if (response == GTK_RESPONSE_ACCEPT)
        force_off(ref->self, ref->guest);
    guest_ref_free(ref);
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static GtkWidget *
confirm_dialog(MarinaManagerWindow *self, const char *title, const char *detail,
               const char *accept_label)
{
    GtkWidget *dialog =
        gtk_message_dialog_new(GTK_WINDOW(self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                               GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s", title);
    GtkWidget *accept;

    gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(dialog), "%s", detail);
    gtk_dialog_add_button(GTK_DIALOG(dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
    accept = gtk_dialog_add_button(GTK_DIALOG(dialog), accept_label, GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(accept), "destructive-action");
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_CANCEL);
    return dialog;
}

static void
on_force_off(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(MarinaGuest) guest = NULL;
    g_autofree char *title = NULL;
    GuestRef *ref;
    GtkWidget *dialog;
    Conn *conn;

    if (!selected_guest(self, &conn, &guest))
        return;
    if (!g_settings_get_boolean(self->settings, "confirm-force-off")) {
        force_off(self, guest);
        return;
    }
    title = g_strdup_printf(_("Force off '%s'?"), marina_guest_get_name(guest));
    dialog = confirm_dialog(self, title,
                            _("The guest stops at once, as if its power cord were pulled. "
                              "Anything it has not saved to disk is lost."),
                            _("_Force Off"));
    ref = g_new0(GuestRef, 1);
    ref->self = self;
    ref->guest = g_steal_pointer(&guest);
    g_signal_connect(dialog, "response", G_CALLBACK(on_force_off_response), ref);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* ---------------------------------------------------------------- delete */

typedef struct {
    MarinaManagerWindow *self;
    MarinaGuest *guest;
    char *name;
    GPtrArray *files; /* char*: disk image files of <disk type='file' device='disk'> */
    gboolean delete_storage;
    GtkWidget *storage_check;
    guint pending;
    GString *failures;
} DeleteOp;

static void
delete_op_free(DeleteOp *op)
{
    g_clear_object(&op->guest);
    g_free(op->name);
    g_clear_pointer(&op->files, g_ptr_array_unref);
    if (op->failures != NULL)
        g_string_free(op->failures, TRUE);
    g_free(op);
}

static void
delete_op_done_file(DeleteOp *op)
{
    if (--op->pending > 0)
        return;
    if (op->failures != NULL && op->failures->len > 0)
        marina_manager_window_show_message(op->self, GTK_MESSAGE_ERROR, op->failures->str);
    delete_op_free(op);
}

static void
on_file_deleted(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;

    if (!g_file_delete_finish(G_FILE(source), result, &error) &&
        !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
        g_autofree char *path = g_file_get_path(G_FILE(source));
        if (is_cancelled(error)) {
            delete_op_done_file(op);
            return;
        }
        if (op->failures == NULL)
            op->failures = g_string_new(NULL);
        if (op->failures->len > 0)
            g_string_append_c(op->failures, '\n');
        g_string_append_printf(op->failures,
                               _("'%s' was deleted, but its disk %s could not be: %s. "
                                 "Delete the file yourself."),
                               op->name, path, error->message);
    }
    delete_op_done_file(op);
}

/* Ends a delete that failed; a cancelled one (the window closing) says nothing. */
static void
delete_op_fail(DeleteOp *op, const GError *error)
{
    if (!is_cancelled(error)) {
        g_autofree char *prefix = g_strdup_printf(_("Could not delete '%s':"), op->name);
        show_error(op->self, prefix, error);
    }
    delete_op_free(op);
}

static void
on_undefined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL) {
        delete_op_fail(op, error);
        return;
    }
    if (!op->delete_storage || op->files == NULL || op->files->len == 0) {
        delete_op_free(op);
        return;
    }
    /* Only now: a guest that could not be undefined keeps its disks. */
    op->pending = op->files->len;
    for (guint i = 0; i < op->files->len; i++) {
        g_autoptr(GFile) file = g_file_new_for_path(g_ptr_array_index(op->files, i));
        g_file_delete_async(file, G_PRIORITY_DEFAULT, op->self->cancellable, on_file_deleted, op);
    }
}

static void
delete_undefine(DeleteOp *op)
{
    Conn *conn = find_conn_of_guest(op->self, op->guest);

    if (!conn_is_connected(conn)) {
        delete_op_free(op);
        return;
    }
    /* 1: also remove a managed save image, which nothing could use any more. */
    call_domain(op->self, conn, op->guest, "Undefine", g_variant_new("(u)", 1), NULL, on_undefined,
                op);
}

static void
on_destroyed_for_delete(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL && !g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING)) {
        delete_op_fail(op, error);
        return;
    }
    delete_undefine(op);
}

static void
delete_start(DeleteOp *op)
{
    Conn *conn = find_conn_of_guest(op->self, op->guest);

    if (conn == NULL || !conn_is_connected(conn)) {
        delete_op_free(op);
        return;
    }
    if (op->delete_storage && !conn->local)
        op->delete_storage = FALSE; /* never delete a remote host's files from here */
    /* A running guest is stopped first, as virt-manager does. */
    if (marina_guest_is_active(op->guest))
        call_domain(op->self, conn, op->guest, "Destroy", NULL, NULL, on_destroyed_for_delete, op);
    else
        delete_undefine(op);
}

static void
on_delete_response(GtkDialog *dialog, int response, gpointer user_data)
{
    DeleteOp *op = user_data;

    op->delete_storage = op->storage_check != NULL && gtk_widget_get_sensitive(op->storage_check) &&
                         gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(op->storage_check));
    op->storage_check = NULL;
    gtk_widget_destroy(GTK_WIDGET(dialog));
    if (response == GTK_RESPONSE_ACCEPT)
        delete_start(op);
    else
        delete_op_free(op);
}

static void
delete_confirm(DeleteOp *op)
{
    MarinaManagerWindow *self = op->self;
    Conn *conn = find_conn_of_guest(self, op->guest);
    g_autofree char *title = g_strdup_printf(_("Delete '%s'?"), op->name);
    g_autofree char *detail = NULL;
    GtkWidget *dialog, *area, *check, *files_label;
    GString *list = g_string_new(NULL);

    if (conn == NULL) {
        delete_op_free(op);
        return;
    }
    detail = g_strdup_printf(marina_guest_is_active(op->guest)
                                 ? _("It is running and will be forced off. Its configuration "
                                     "is removed from %s.")
                                 : _("Its configuration is removed from %s."),
                             conn->label);
    dialog = confirm_dialog(self, title, detail, _("_Delete"));
    area = gtk_message_dialog_get_message_area(GTK_MESSAGE_DIALOG(dialog));

    check = gtk_check_button_new_with_mnemonic(_("Also delete its _storage"));
    op->storage_check = check;
    for (guint i = 0; op->files != NULL && i < op->files->len; i++)
        g_string_append_printf(list, "%s%s", i ? "\n" : "",
                               (char *)g_ptr_array_index(op->files, i));
    if (!conn->local) {
        gtk_widget_set_sensitive(check, FALSE);
        gtk_widget_set_tooltip_text(
            check, _("Marina cannot delete files on a remote host yet. Delete the disk images "
                     "on the host itself."));
    } else if (list->len == 0) {
        gtk_widget_set_sensitive(check, FALSE);
        gtk_widget_set_tooltip_text(check, _("The guest has no disk image files."));
    }
    gtk_widget_show(check);
    gtk_container_add(GTK_CONTAINER(area), check);
    if (list->len > 0) {
        files_label = gtk_label_new(list->str);
        gtk_label_set_xalign(GTK_LABEL(files_label), 0.0);
        gtk_label_set_selectable(GTK_LABEL(files_label), TRUE);
        gtk_label_set_ellipsize(GTK_LABEL(files_label), PANGO_ELLIPSIZE_MIDDLE);
        gtk_widget_set_margin_start(files_label, 24);
        gtk_style_context_add_class(gtk_widget_get_style_context(files_label), "dim-label");
        g_object_bind_property(check, "active", files_label, "sensitive", G_BINDING_SYNC_CREATE);
        gtk_widget_show(files_label);
        gtk_container_add(GTK_CONTAINER(area), files_label);
    }
    g_string_free(list, TRUE);
    g_signal_connect(dialog, "response", G_CALLBACK(on_delete_response), op);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_delete_xml(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL && is_cancelled(error)) {
        delete_op_free(op);
        return;
    }
    op->files = g_ptr_array_new_with_free_func(g_free);
    if (reply != NULL) {
        const char *xml = NULL;
        g_autoptr(MarinaDomainConfig) config = NULL;

        g_variant_get(reply, "(&s)", &xml);
        config = marina_domain_config_parse(xml, -1, NULL, &error);
        for (guint i = 0; config != NULL && i < config->disks->len; i++) {
            MarinaDiskConfig *disk = g_ptr_array_index(config->disks, i);
            if (disk->type == MARINA_DISK_TYPE_FILE && disk->device == MARINA_DISK_DEVICE_DISK &&
                disk->source != NULL && g_path_is_absolute(disk->source))
                g_ptr_array_add(op->files, g_strdup(disk->source));
        }
    }
    if (error != NULL) /* the dialog still works, just without the storage list */
        g_debug("Could not read the disks of '%s': %s", op->name, error->message);
    delete_confirm(op);
}

static void
on_delete(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    g_autoptr(MarinaGuest) guest = NULL;
    DeleteOp *op;
    Conn *conn;

    if (!selected_guest(self, &conn, &guest))
        return;
    op = g_new0(DeleteOp, 1);
    op->self = self;
    op->name = g_strdup(marina_guest_get_name(guest));
    op->guest = g_steal_pointer(&guest);
    if (!g_settings_get_boolean(self->settings, "confirm-delete")) {
        delete_start(op);
        return;
    }
    /* The inactive definition lists the disks the guest boots with. */
    call_domain(self, conn, op->guest, "GetXML", g_variant_new("(u)", 1), NULL, on_delete_xml, op);
}

/* ----------------------------------------------------- New (define from XML) */

typedef struct {
    MarinaManagerWindow *self;
    char *uri;
    char *file;
} HostOp;

static void
host_op_free(HostOp *op)
{
    g_free(op->uri);
    g_free(op->file);
    g_free(op);
}

static void
call_host(MarinaManagerWindow *self, Conn *conn, const char *method, GVariant *params,
          const GVariantType *reply_type, GAsyncReadyCallback callback, gpointer user_data)
{
    g_dbus_connection_call(marina_connection_get_dbus_connection(conn->connection), NULL,
                           MARINA_DBUS_HOST_PATH, HOST_INTERFACE, method, params, reply_type,
                           G_DBUS_CALL_FLAGS_NONE, LONG_CALL_TIMEOUT_MS, self->cancellable,
                           callback, user_data);
}

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    HostOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
    g_autofree const char **warnings = NULL;
    g_autofree char *basename = g_path_get_basename(op->file);

    if (reply == NULL) {
        if (!is_cancelled(error)) {
            g_autofree char *prefix =
                g_strdup_printf(_("Could not define a guest from %s:"), basename);
            show_error(op->self, prefix, error);
        }
        host_op_free(op);
        return;
    }
    g_variant_get(reply, "(&o^a&s)", NULL, &warnings);
    if (warnings != NULL && warnings[0] != NULL) {
        g_autofree char *joined = g_strjoinv("\n• ", (char **)warnings);
        g_autofree char *message = g_strdup_printf(
            _("The guest from %s is defined. Marina ignored what it does not support:\n• %s"),
            basename, joined);
        marina_manager_window_show_message(op->self, GTK_MESSAGE_WARNING, message);
    }
    host_op_free(op);
}

static void
on_xml_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    HostOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *contents = NULL;
    gsize length = 0;
    Conn *conn;

    if (!g_file_load_contents_finish(G_FILE(source), result, &contents, &length, NULL, &error)) {
        if (!is_cancelled(error)) {
            g_autofree char *prefix = g_strdup_printf(_("Could not read %s:"), op->file);
            show_error(op->self, prefix, error);
        }
        host_op_free(op);
        return;
    }
    conn = find_conn(op->self, op->uri);
    if (length > MARINA_DOMAIN_XML_MAX || !g_utf8_validate(contents, (gssize)length, NULL) ||
        strlen(contents) != length) {
        g_autofree char *message = g_strdup_printf(
            _("%s is not a guest definition: choose a libvirt domain XML file (UTF-8 text, at "
              "most 1 MiB), e.g. the output of “virsh dumpxml”."),
            op->file);
        marina_manager_window_show_message(op->self, GTK_MESSAGE_ERROR, message);
        host_op_free(op);
        return;
    }
    if (!conn_is_connected(conn)) {
        host_op_free(op);
        return;
    }
    call_host(op->self, conn, "DefineDomain", g_variant_new("(s)", contents),
              G_VARIANT_TYPE("(oas)"), on_defined, op);
}

static void
on_new_response(GtkDialog *dialog, int response, gpointer user_data)
{
    HostOp *op = user_data;

    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        op->file = g_file_get_parse_name(file);
        g_file_load_contents_async(file, op->self->cancellable, on_xml_loaded, op);
    } else {
        host_op_free(op);
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static void
on_define_xml(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    Conn *conn = target_conn(self);
    g_autofree char *title = NULL;
    GtkFileFilter *filter;
    GtkWidget *dialog;
    HostOp *op;

    if (conn == NULL)
        return;
    title = g_strdup_printf(_("Define a Guest from an XML File on %s"), conn->label);
    dialog = gtk_file_chooser_dialog_new(title, GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Define"),
                                         GTK_RESPONSE_ACCEPT, NULL);
    gtk_window_set_modal(GTK_WINDOW(dialog), TRUE);
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
    filter = gtk_file_filter_new();
    gtk_file_filter_set_name(filter, _("Guest definitions (XML)"));
    gtk_file_filter_add_pattern(filter, "*.xml");
    gtk_file_filter_add_mime_type(filter, "application/xml");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), filter);
    filter = gtk_file_filter_new();
    gtk_file_filter_set_name(filter, _("All files"));
    gtk_file_filter_add_pattern(filter, "*");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), filter);
    op = g_new0(HostOp, 1);
    op->self = self;
    op->uri = g_strdup(conn->uri);
    g_signal_connect(dialog, "response", G_CALLBACK(on_new_response), op);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* ------------------------------------------------------ New (the wizard) */

static Conn *
find_conn_of_list(MarinaManagerWindow *self, MarinaGuestList *list)
{
    for (guint i = 0; i < self->conns->len; i++) {
        Conn *conn = g_ptr_array_index(self->conns, i);
        if (conn->list == list)
            return conn;
    }
    return NULL;
}

/* The wizard made a guest: show its console, or its details to customize it first. */
static void
on_wizard_guest_created(MarinaNewVmWizard *wizard, MarinaGuestList *list, MarinaGuest *guest,
                        MarinaInstaller *customize, MarinaManagerWindow *self)
{
    Conn *conn = find_conn_of_list(self, list);
    MarinaVmWindow *window;

    (void)wizard;
    if (conn == NULL)
        return;
    open_vm_window(self, conn, guest, customize == NULL);
    window = g_hash_table_lookup(self->vm_windows, guest);
    if (window != NULL && customize != NULL)
        marina_vm_window_customize(window, customize);
}

static void
on_new(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    Conn *target = target_conn(self);
    MarinaNewVmWizard *wizard;

    if (target == NULL)
        return;
    wizard = marina_new_vm_wizard_new(GTK_WINDOW(self));
    for (guint i = 0; i < self->conns->len; i++) {
        Conn *conn = g_ptr_array_index(self->conns, i);

        if (conn_is_connected(conn) && conn->list != NULL)
            marina_new_vm_wizard_add_connection(wizard, conn->label, conn->list, conn->local,
                                                conn == target);
    }
    g_signal_connect_object(wizard, "guest-created", G_CALLBACK(on_wizard_guest_created), self, 0);
    gtk_window_present(GTK_WINDOW(wizard));
}

/* --------------------------------------------------------------- restore */

static void
on_restored(GObject *source, GAsyncResult *result, gpointer user_data)
{
    HostOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply == NULL && !is_cancelled(error)) {
        g_autofree char *prefix = g_strdup_printf(_("Could not restore %s:"), op->file);
        show_error(op->self, prefix, error);
    }
    host_op_free(op);
}

static void
restore_file(MarinaManagerWindow *self, HostOp *op)
{
    Conn *conn = find_conn(self, op->uri);

    if (!conn_is_connected(conn) || op->file == NULL || *op->file == '\0') {
        host_op_free(op);
        return;
    }
    call_host(self, conn, "RestoreDomain", g_variant_new("(su)", op->file, 0),
              G_VARIANT_TYPE("(o)"), on_restored, op);
}

static void
on_restore_response(GtkDialog *dialog, int response, gpointer user_data)
{
    HostOp *op = user_data;
    GtkWidget *entry = g_object_get_data(G_OBJECT(dialog), "path-entry");

    if (response == GTK_RESPONSE_ACCEPT) {
        if (entry != NULL) {
            op->file = g_strdup(gtk_entry_get_text(GTK_ENTRY(entry)));
        } else {
            op->file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(dialog));
        }
        gtk_widget_destroy(GTK_WIDGET(dialog));
        restore_file(op->self, op);
        return;
    }
    host_op_free(op);
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

/* A remote host's files cannot be browsed from here: ask for the path there. */
static GtkWidget *
remote_path_dialog(MarinaManagerWindow *self, Conn *conn)
{
    GtkWidget *dialog = gtk_dialog_new_with_buttons(
        _("Restore Saved Machine"), GTK_WINDOW(self),
        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT | GTK_DIALOG_USE_HEADER_BAR, _("_Cancel"),
        GTK_RESPONSE_CANCEL, _("_Restore"), GTK_RESPONSE_ACCEPT, NULL);
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
    g_autofree char *text = g_strdup_printf(
        _("The saved file must be on %s, the host the guest will run on. Enter its path there, "
          "e.g. /var/lib/marina/save/web1.save."),
        conn->label);
    GtkWidget *label = gtk_label_new(text);
    GtkWidget *entry = gtk_entry_new();

    gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 50);
    gtk_label_set_xalign(GTK_LABEL(label), 0.0);
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    set_accessible_name(entry, _("Path of the saved machine"));
    gtk_container_set_border_width(GTK_CONTAINER(box), 18);
    gtk_container_add(GTK_CONTAINER(box), label);
    gtk_container_add(GTK_CONTAINER(box), entry);
    gtk_widget_show_all(box);
    gtk_container_add(GTK_CONTAINER(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), box);
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
    g_object_set_data(G_OBJECT(dialog), "path-entry", entry);
    return dialog;
}

void
marina_manager_window_restore_dialog(MarinaManagerWindow *self)
{
    Conn *conn = target_conn(self);
    GtkWidget *dialog;
    HostOp *op;

    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));
    if (conn == NULL) {
        marina_manager_window_show_message(
            self, GTK_MESSAGE_ERROR,
            _("There is no open connection to restore a saved machine on. Connect first."));
        return;
    }
    if (conn->local) {
        g_autofree char *title = g_strdup_printf(_("Restore Saved Machine on %s"), conn->label);
        dialog = gtk_file_chooser_dialog_new(title, GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                             _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Restore"),
                                             GTK_RESPONSE_ACCEPT, NULL);
        gtk_window_set_modal(GTK_WINDOW(dialog), TRUE);
        gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
    } else {
        dialog = remote_path_dialog(self, conn);
    }
    op = g_new0(HostOp, 1);
    op->self = self;
    op->uri = g_strdup(conn->uri);
    g_signal_connect(dialog, "response", G_CALLBACK(on_restore_response), op);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_restore(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    marina_manager_window_restore_dialog(user_data);
}

/* ----------------------------------------------------------- connections */

static void
on_reconnect(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    Conn *conn = selected_connection(self);

    if (conn == NULL)
        return;
    if (conn->connection != NULL) {
        /* Closing emits "closed" without a reason: no automatic retry, we open now. */
        marina_connection_close(conn->connection);
    }
    conn->report_failure = TRUE;
    conn_open(conn, FALSE);
}

static void
on_disconnect(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    Conn *conn;
    RowKind kind;

    if (get_selected(self, &kind, &conn, NULL) && kind == ROW_CONNECTION &&
        conn->connection != NULL) {
        g_clear_handle_id(&conn->retry_id, g_source_remove);
        marina_connection_close(conn->connection);
    }
}

static void
strv_remove(GSettings *settings, const char *key, const char *uri)
{
    g_auto(GStrv) old = g_settings_get_strv(settings, key);
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_auto(GStrv) updated = NULL;

    for (guint i = 0; old[i] != NULL; i++) {
        g_autoptr(MarinaUri) parsed = marina_uri_parse(old[i], NULL);
        g_autofree char *canonical = parsed ? marina_uri_to_string(parsed) : g_strdup(old[i]);
        if (g_strcmp0(canonical, uri) != 0)
            g_strv_builder_add(builder, old[i]);
    }
    updated = g_strv_builder_end(builder);
    if (g_strv_length(updated) != g_strv_length(old))
        g_settings_set_strv(settings, key, (const char *const *)updated);
}

static void
strv_add(GSettings *settings, const char *key, const char *uri)
{
    g_auto(GStrv) old = g_settings_get_strv(settings, key);
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_auto(GStrv) updated = NULL;

    if (g_strv_contains((const char *const *)old, uri))
        return;
    g_strv_builder_addv(builder, (const char **)old);
    g_strv_builder_add(builder, uri);
    updated = g_strv_builder_end(builder);
    g_settings_set_strv(settings, key, (const char *const *)updated);
}

static void
on_remove_connection(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    Conn *conn = selected_connection(self);

    if (conn == NULL)
        return;
    strv_remove(self->settings, "connections", conn->uri);
    strv_remove(self->settings, "autoconnect", conn->uri);
    remove_conn(self, conn);
}

/* Add Connection: the common choices, or any URI. */
typedef struct {
    MarinaManagerWindow *self;
    GtkWidget *session, *system, *ssh, *custom;
    GtkWidget *user, *host, *uri, *autoconnect, *error;
} AddDialog;

static char *
add_dialog_uri(AddDialog *d)
{
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->session)))
        return g_strdup("marina:///session");
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->system)))
        return g_strdup("marina:///system");
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->ssh))) {
        const char *user = gtk_entry_get_text(GTK_ENTRY(d->user));
        const char *host = gtk_entry_get_text(GTK_ENTRY(d->host));
        gboolean v6 = strchr(host, ':') != NULL && host[0] != '[';

        return g_strdup_printf("marina+ssh://%s%s%s%s%s/system", *user ? user : "",
                               *user ? "@" : "", v6 ? "[" : "", host, v6 ? "]" : "");
    }
    return g_strdup(gtk_entry_get_text(GTK_ENTRY(d->uri)));
}

static void
on_add_dialog_toggled(GtkToggleButton *button, AddDialog *d)
{
    gboolean ssh = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->ssh));
    gboolean custom = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->custom));

    gtk_widget_set_sensitive(d->user, ssh);
    gtk_widget_set_sensitive(d->host, ssh);
    gtk_widget_set_sensitive(d->uri, custom);
}

static void
on_add_response(GtkDialog *dialog, int response, gpointer user_data)
{
    AddDialog *d = user_data;
    g_autofree char *text = NULL;
    g_autofree char *canonical = NULL;
    g_autoptr(MarinaUri) uri = NULL;
    g_autoptr(GError) error = NULL;

    if (response != GTK_RESPONSE_ACCEPT) {
        gtk_widget_destroy(GTK_WIDGET(dialog));
        return;
    }
    text = add_dialog_uri(d);
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->ssh)) &&
        *gtk_entry_get_text(GTK_ENTRY(d->host)) == '\0') {
        gtk_label_set_text(GTK_LABEL(d->error), _("Enter the host name of the remote machine."));
        gtk_widget_show(d->error);
        return;
    }
    uri = marina_uri_parse(text, &error);
    if (uri == NULL) {
        gtk_label_set_text(GTK_LABEL(d->error), marina_error_message(error));
        gtk_widget_show(d->error);
        return; /* the dialog stays open for a correction */
    }
    canonical = marina_uri_to_string(uri);
    strv_add(d->self->settings, "connections", canonical);
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->autoconnect)))
        strv_add(d->self->settings, "autoconnect", canonical);
    marina_manager_window_add_connection(d->self, canonical, TRUE);
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

void
marina_manager_window_add_connection_dialog(MarinaManagerWindow *self)
{
    GtkWidget *dialog = gtk_dialog_new_with_buttons(
        _("Add Connection"), GTK_WINDOW(self),
        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT | GTK_DIALOG_USE_HEADER_BAR, _("_Cancel"),
        GTK_RESPONSE_CANCEL, _("C_onnect"), GTK_RESPONSE_ACCEPT, NULL);
    GtkWidget *grid = gtk_grid_new();
    AddDialog *d = g_new0(AddDialog, 1);
    GtkWidget *label;
    int row = 0;

    g_return_if_fail(MARINA_IS_MANAGER_WINDOW(self));
    d->self = self;
    g_object_set_data_full(G_OBJECT(dialog), "add-dialog", d, g_free);
    gtk_grid_set_row_spacing(GTK_GRID(grid), 8);
    gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
    gtk_container_set_border_width(GTK_CONTAINER(grid), 18);

    d->session = gtk_radio_button_new_with_mnemonic(
        NULL, _("_Session on this computer (marina:///session)"));
    d->system = gtk_radio_button_new_with_mnemonic_from_widget(
        GTK_RADIO_BUTTON(d->session), _("S_ystem on this computer (marina:///system)"));
    d->ssh = gtk_radio_button_new_with_mnemonic_from_widget(GTK_RADIO_BUTTON(d->session),
                                                            _("_Remote host over SSH"));
    d->custom = gtk_radio_button_new_with_mnemonic_from_widget(GTK_RADIO_BUTTON(d->session),
                                                               _("Other _URI"));
    d->user = gtk_entry_new();
    d->host = gtk_entry_new();
    d->uri = gtk_entry_new();
    gtk_entry_set_placeholder_text(GTK_ENTRY(d->user), g_get_user_name());
    gtk_entry_set_placeholder_text(GTK_ENTRY(d->host), _("host.example.org"));
    gtk_entry_set_placeholder_text(GTK_ENTRY(d->uri), "marina+ssh://user@host/system");
    set_accessible_name(d->user, _("User"));
    set_accessible_name(d->host, _("Host"));
    set_accessible_name(d->uri, _("URI"));
    for (GtkWidget **e = (GtkWidget *[]){d->user, d->host, d->uri}, **end = e + 3; e < end; e++) {
        gtk_entry_set_activates_default(GTK_ENTRY(*e), TRUE);
        gtk_widget_set_hexpand(*e, TRUE);
    }
    d->autoconnect = gtk_check_button_new_with_mnemonic(_("Connect _automatically at start"));
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(d->autoconnect), TRUE);
    d->error = gtk_label_new(NULL);
    gtk_label_set_line_wrap(GTK_LABEL(d->error), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(d->error), 50);
    gtk_label_set_xalign(GTK_LABEL(d->error), 0.0);
    gtk_style_context_add_class(gtk_widget_get_style_context(d->error), "error");

    gtk_grid_attach(GTK_GRID(grid), d->session, 0, row++, 2, 1);
    gtk_grid_attach(GTK_GRID(grid), d->system, 0, row++, 2, 1);
    gtk_grid_attach(GTK_GRID(grid), d->ssh, 0, row++, 2, 1);
    label = gtk_label_new_with_mnemonic(_("U_ser"));
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), d->user);
    gtk_label_set_xalign(GTK_LABEL(label), 1.0);
    gtk_widget_set_margin_start(label, 24);
    gtk_grid_attach(GTK_GRID(grid), label, 0, row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), d->user, 1, row++, 1, 1);
    label = gtk_label_new_with_mnemonic(_("_Host"));
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), d->host);
    gtk_label_set_xalign(GTK_LABEL(label), 1.0);
    gtk_grid_attach(GTK_GRID(grid), label, 0, row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), d->host, 1, row++, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), d->custom, 0, row++, 2, 1);
    gtk_widget_set_margin_start(d->uri, 24);
    gtk_grid_attach(GTK_GRID(grid), d->uri, 0, row++, 2, 1);
    gtk_grid_attach(GTK_GRID(grid), d->autoconnect, 0, row++, 2, 1);
    gtk_grid_attach(GTK_GRID(grid), d->error, 0, row++, 2, 1);

    for (GtkWidget **r = (GtkWidget *[]){d->session, d->system, d->ssh, d->custom}, **end = r + 4;
         r < end; r++)
        g_signal_connect(*r, "toggled", G_CALLBACK(on_add_dialog_toggled), d);
    on_add_dialog_toggled(NULL, d);

    gtk_widget_show_all(grid);
    gtk_widget_hide(d->error);
    gtk_container_add(GTK_CONTAINER(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), grid);
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
    g_signal_connect(dialog, "response", G_CALLBACK(on_add_response), d);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* ---------------------------------------------------- connection details */

static void
on_details_destroy(GtkWidget *window, gpointer user_data)
{
    Conn *conn = user_data;

    if (conn->details == window)
        conn->details = NULL;
}

/* One Connection Details window per connection; a window left from before a
 * reconnect shows the old connection, so it makes way for a new one. */
static void
on_connection_details(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;
    Conn *conn = target_conn(self);

    if (conn == NULL || conn->list == NULL)
        return;
    if (conn->details != NULL &&
        marina_host_details_window_get_connection(MARINA_HOST_DETAILS_WINDOW(conn->details)) !=
            conn->connection) {
        g_signal_handlers_disconnect_by_data(conn->details, conn);
        gtk_widget_destroy(g_steal_pointer(&conn->details));
    }
    if (conn->details == NULL) {
        conn->details = GTK_WIDGET(
            marina_host_details_window_new(gtk_window_get_application(GTK_WINDOW(self)), conn->list,
                                           conn->label, self->settings, conn->local));
        g_signal_connect(conn->details, "destroy", G_CALLBACK(on_details_destroy), conn);
    }
    gtk_window_present(GTK_WINDOW(conn->details));
}

static void
on_search_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaManagerWindow *self = user_data;

    gtk_widget_grab_focus(GTK_WIDGET(self->search_entry));
}

static const GActionEntry win_actions[] = {
    {"new", on_new},
    {"define-xml", on_define_xml},
    {"open", on_open},
    {"run", on_run},
    {"pause", on_pause},
    {"resume", on_resume},
    {"shutdown", on_shutdown},
    {"reboot", on_reboot},
    {"reset", on_reset},
    {"force-off", on_force_off},
    {"save", on_save},
    {"restore", on_restore},
    {"delete", on_delete},
    {"reconnect", on_reconnect},
    {"disconnect", on_disconnect},
    {"remove-connection", on_remove_connection},
    {"connection-details", on_connection_details},
    {"search", on_search_action},
};

/* ------------------------------------------------------------- signals */

static void
on_search_changed(GtkSearchEntry *entry, MarinaManagerWindow *self)
{
    const char *text = gtk_entry_get_text(GTK_ENTRY(entry));

    g_clear_pointer(&self->search, g_free);
    if (text != NULL && *text != '\0')
        self->search = g_utf8_casefold(text, -1);
    if (self->filter != NULL) {
        gtk_tree_model_filter_refilter(GTK_TREE_MODEL_FILTER(self->filter));
        expand_connections(self);
    }
    update_actions(self);
}

static void
on_stop_search(GtkSearchEntry *entry, MarinaManagerWindow *self)
{
    gtk_entry_set_text(GTK_ENTRY(entry), "");
}

static void
on_row_activated(GtkTreeView *view, GtkTreePath *path, GtkTreeViewColumn *column,
                 MarinaManagerWindow *self)
{
    g_autoptr(MarinaGuest) guest = NULL;
    RowKind kind;
    Conn *conn;

    if (!get_selected(self, &kind, &conn, &guest))
        return;
    if (kind == ROW_GUEST && guest != NULL && conn_is_connected(conn)) {
        open_vm_window(self, conn, guest, FALSE);
    } else if (kind == ROW_CONNECTION && conn->connection == NULL) {
        conn->report_failure = TRUE;
        conn_open(conn, FALSE);
    } else if (kind == ROW_CONNECTION) {
        if (gtk_tree_view_row_expanded(view, path))
            gtk_tree_view_collapse_row(view, path);
        else
            gtk_tree_view_expand_row(view, path, FALSE);
    }
}

/* Remember what the user folded so that expand_connections() leaves it
 * folded; its own expanding (while attaching) does not count. */
static void
remember_collapsed(MarinaManagerWindow *self, GtkTreeView *view, GtkTreeIter *iter,
                   gboolean collapsed)
{
    Conn *conn = NULL;

    if (self->attaching)
        return;
    gtk_tree_model_get(gtk_tree_view_get_model(view), iter, COL_CONN, &conn, -1);
    if (conn != NULL)
        conn->collapsed = collapsed;
}

static void
on_row_expanded(GtkTreeView *view, GtkTreeIter *iter, GtkTreePath *path, gpointer user_data)
{
    remember_collapsed(user_data, view, iter, FALSE);
}

static void
on_row_collapsed(GtkTreeView *view, GtkTreeIter *iter, GtkTreePath *path, gpointer user_data)
{
    remember_collapsed(user_data, view, iter, TRUE);
}

static void
popup_menu(MarinaManagerWindow *self, const GdkEvent *event)
{
    RowKind kind;
    GtkWidget *menu;

    if (!get_selected(self, &kind, NULL, NULL) || kind == ROW_PLACEHOLDER)
        return;
    menu = kind == ROW_CONNECTION ? self->connection_menu : self->guest_menu;
    if (event != NULL)
        gtk_menu_popup_at_pointer(GTK_MENU(menu), event);
    else
        gtk_menu_popup_at_widget(GTK_MENU(menu), GTK_WIDGET(self->tree_view), GDK_GRAVITY_CENTER,
                                 GDK_GRAVITY_NORTH_WEST, NULL);
}

static gboolean
on_tree_button_press(GtkWidget *widget, GdkEventButton *event, MarinaManagerWindow *self)
{
    g_autoptr(GtkTreePath) path = NULL;

    if (!gdk_event_triggers_context_menu((GdkEvent *)event) ||
        event->window != gtk_tree_view_get_bin_window(self->tree_view))
        return GDK_EVENT_PROPAGATE;
    if (!gtk_tree_view_get_path_at_pos(self->tree_view, (int)event->x, (int)event->y, &path, NULL,
                                       NULL, NULL))
        return GDK_EVENT_PROPAGATE;
    gtk_tree_view_set_cursor(self->tree_view, path, NULL, FALSE);
    popup_menu(self, (GdkEvent *)event);
    return GDK_EVENT_STOP;
}

static gboolean
on_tree_popup_menu(GtkWidget *widget, MarinaManagerWindow *self)
{
    popup_menu(self, NULL);
    return TRUE;
}

static gboolean
on_tree_query_tooltip(GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                      MarinaManagerWindow *self)
{
    GtkTreeModel *model;
    GtkTreeIter iter;
    g_autoptr(GtkTreePath) path = NULL;
    int kind;
    Conn *conn;

    if (!gtk_tree_view_get_tooltip_context(self->tree_view, &x, &y, keyboard, &model, &path, &iter))
        return FALSE;
    gtk_tree_model_get(model, &iter, COL_KIND, &kind, COL_CONN, &conn, -1);
    if (kind != ROW_CONNECTION)
        return FALSE;
    gtk_tooltip_set_text(tooltip, conn->uri);
    gtk_tree_view_set_tooltip_row(self->tree_view, tooltip, path);
    return TRUE;
}

static void
on_info_bar_response(GtkInfoBar *bar, int response, MarinaManagerWindow *self)
{
    gtk_info_bar_set_revealed(bar, FALSE);
}

static gboolean
on_delete_event(GtkWidget *widget, GdkEventAny *event, MarinaManagerWindow *self)
{
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));

    /* With VM windows open, closing the manager only hides it: it owns their connections. */
    if (app != NULL && g_hash_table_size(self->vm_windows) > 0) {
        gtk_widget_hide(widget);
        return GDK_EVENT_STOP;
    }
    return GDK_EVENT_PROPAGATE;
}

static void
marina_manager_window_size_allocate(GtkWidget *widget, GtkAllocation *allocation)
{
    MarinaManagerWindow *self = MARINA_MANAGER_WINDOW(widget);

    GTK_WIDGET_CLASS(marina_manager_window_parent_class)->size_allocate(widget, allocation);
    if (!gtk_window_is_maximized(GTK_WINDOW(self)))
        gtk_window_get_size(GTK_WINDOW(self), &self->width, &self->height);
}

/* ------------------------------------------------------------ lifecycle */

static void
marina_manager_window_dispose(GObject *object)
{
    MarinaManagerWindow *self = MARINA_MANAGER_WINDOW(object);

    if (self->settings != NULL && self->width > 0 && self->height > 0)
        g_settings_set(self->settings, "window-size", "(ii)", self->width, self->height);
    self->width = self->height = 0;
    g_cancellable_cancel(self->cancellable);
    if (self->vm_windows != NULL) {
        GHashTableIter iter;
        gpointer window;

        g_hash_table_iter_init(&iter, self->vm_windows);
        while (g_hash_table_iter_next(&iter, NULL, &window))
            g_signal_handlers_disconnect_by_data(window, self);
        g_clear_pointer(&self->vm_windows, g_hash_table_unref);
    }
    if (self->tree_view != NULL)
        gtk_tree_view_set_model(self->tree_view, NULL);
    g_clear_object(&self->sort);
    g_clear_object(&self->filter);
    g_clear_pointer(&self->conns, g_ptr_array_unref);
    g_clear_object(&self->store);
    g_clear_pointer(&self->guest_menu, gtk_widget_destroy);
    g_clear_pointer(&self->connection_menu, gtk_widget_destroy);
    g_clear_object(&self->settings);
    G_OBJECT_CLASS(marina_manager_window_parent_class)->dispose(object);
}

static void
marina_manager_window_finalize(GObject *object)
{
    MarinaManagerWindow *self = MARINA_MANAGER_WINDOW(object);

    g_clear_object(&self->cancellable);
    g_free(self->search);
    g_free(self->pending_console_uri);
    g_free(self->pending_console_name);
    G_OBJECT_CLASS(marina_manager_window_parent_class)->finalize(object);
}

static void
marina_manager_window_class_init(MarinaManagerWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_manager_window_dispose;
    object_class->finalize = marina_manager_window_finalize;
    widget_class->size_allocate = marina_manager_window_size_allocate;

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/manager-window.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, header_bar);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, new_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, open_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, run_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, pause_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, pause_image);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, shutdown_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, restore_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, delete_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, menu_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, search_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, info_bar);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, info_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, tree_view);
    gtk_widget_class_bind_template_child(widget_class, MarinaManagerWindow, empty_box);
}

static void
marina_manager_window_init(MarinaManagerWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    self->cancellable = g_cancellable_new();
    self->conns = g_ptr_array_new_with_free_func((GDestroyNotify)conn_free);
    self->vm_windows = g_hash_table_new(g_direct_hash, g_direct_equal);
    self->store = gtk_tree_store_new(N_COLUMNS, G_TYPE_INT, G_TYPE_OBJECT, G_TYPE_POINTER);
    self->sort_column = SORT_NAME;
    self->sort_order = GTK_SORT_ASCENDING;

    set_accessible_name(GTK_WIDGET(self->tree_view), _("Guests"));
    set_accessible_name(GTK_WIDGET(self->search_entry), _("Search guests"));
    set_accessible_name(GTK_WIDGET(self->new_button), _("New"));
    set_accessible_name(GTK_WIDGET(self->open_button), _("Open"));
    set_accessible_name(GTK_WIDGET(self->run_button), _("Run"));
    set_accessible_name(GTK_WIDGET(self->pause_button), _("Pause"));
    set_accessible_name(GTK_WIDGET(self->shutdown_button), _("Shut Down"));
    set_accessible_name(GTK_WIDGET(self->restore_button), _("Restore"));
    set_accessible_name(GTK_WIDGET(self->delete_button), _("Delete"));
    set_accessible_name(GTK_WIDGET(self->menu_button), _("Main Menu"));
    set_accessible_name(GTK_WIDGET(self->info_bar), _("Error"));

    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions),
                                    self);

    g_signal_connect(self->search_entry, "search-changed", G_CALLBACK(on_search_changed), self);
    g_signal_connect(self->search_entry, "stop-search", G_CALLBACK(on_stop_search), self);
    g_signal_connect(self->tree_view, "row-activated", G_CALLBACK(on_row_activated), self);
    g_signal_connect(self->tree_view, "row-expanded", G_CALLBACK(on_row_expanded), self);
    g_signal_connect(self->tree_view, "row-collapsed", G_CALLBACK(on_row_collapsed), self);
    g_signal_connect(self->tree_view, "button-press-event", G_CALLBACK(on_tree_button_press), self);
    g_signal_connect(self->tree_view, "popup-menu", G_CALLBACK(on_tree_popup_menu), self);
    g_signal_connect(self->tree_view, "style-updated", G_CALLBACK(on_tree_style_updated), self);
    g_signal_connect(self->tree_view, "query-tooltip", G_CALLBACK(on_tree_query_tooltip), self);
    gtk_widget_set_has_tooltip(GTK_WIDGET(self->tree_view), TRUE);
    g_signal_connect_swapped(gtk_tree_view_get_selection(self->tree_view), "changed",
                             G_CALLBACK(update_actions), self);
    g_signal_connect(self->info_bar, "response", G_CALLBACK(on_info_bar_response), self);
    g_signal_connect(self, "delete-event", G_CALLBACK(on_delete_event), self);
    on_tree_style_updated(GTK_WIDGET(self->tree_view), self);
}

static void
setup_menus(MarinaManagerWindow *self)
{
    g_autoptr(GtkBuilder) builder =
        gtk_builder_new_from_resource("/org/marinavm/Marina/ui/menus.ui");

    gtk_menu_button_set_menu_model(self->menu_button,
                                   G_MENU_MODEL(gtk_builder_get_object(builder, "primary-menu")));
    gtk_menu_button_set_menu_model(self->shutdown_button,
                                   G_MENU_MODEL(gtk_builder_get_object(builder, "shutdown-menu")));
    /* The main menu opens leftwards from its button at the window's right edge. */
    gtk_widget_set_halign(GTK_WIDGET(gtk_menu_button_get_popup(self->menu_button)), GTK_ALIGN_END);
    self->guest_menu =
        gtk_menu_new_from_model(G_MENU_MODEL(gtk_builder_get_object(builder, "guest-menu")));
    self->connection_menu =
        gtk_menu_new_from_model(G_MENU_MODEL(gtk_builder_get_object(builder, "connection-menu")));
    /* Attached, so the menus find the window's actions. */
    gtk_menu_attach_to_widget(GTK_MENU(self->guest_menu), GTK_WIDGET(self->tree_view), NULL);
    gtk_menu_attach_to_widget(GTK_MENU(self->connection_menu), GTK_WIDGET(self->tree_view), NULL);
    g_object_ref_sink(self->guest_menu);
    g_object_ref_sink(self->connection_menu);
}

MarinaManagerWindow *
marina_manager_window_new(MarinaApplication *app)
{
    MarinaManagerWindow *self = g_object_new(MARINA_TYPE_MANAGER_WINDOW, "application", app, NULL);
    static const char *const column_keys[] = {"column-guest-cpu", "column-host-cpu",
                                              "column-memory", "column-disk", "column-network"};
    int width = 0, height = 0;

    self->settings = g_object_ref(marina_application_get_settings(app));
    g_signal_connect_object(self->settings, "changed", G_CALLBACK(on_stats_settings_changed), self,
                            0);
    for (guint i = 0; i < G_N_ELEMENTS(column_keys); i++) {
        g_autoptr(GAction) action = g_settings_create_action(self->settings, column_keys[i]);
        g_action_map_add_action(G_ACTION_MAP(self), action);
    }
    g_settings_get(self->settings, "window-size", "(ii)", &width, &height);
    if (width > 0 && height > 0)
        gtk_window_set_default_size(GTK_WINDOW(self), width, height);

    setup_columns(self);
    setup_menus(self);
    attach_models(self);
    update_empty_state(self);
    update_actions(self);
    return self;
}
