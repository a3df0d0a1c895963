/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-host-details"

#include "config.h"

#include "host-details-window.h"

#include <glib/gi18n.h>
#include <math.h>

#include "add-pool-dialog.h"
#include "error.h"
#include "graph.h"
#include "new-volume-dialog.h"
#include "uri.h"
#include "volume-config.h"

#define HOST_INTERFACE "org.marinavm.Marina1.Host"
#define POOL_INTERFACE "org.marinavm.Marina1.StoragePool"
#define VOLUME_INTERFACE "org.marinavm.Marina1.StorageVolume"
/* Starting or stopping a pool may mount or unmount a file system. */
#define CALL_TIMEOUT_MS (2 * 60 * 1000)
#define GIB (1024.0 * 1024.0 * 1024.0)

enum {
    P_PATH,
    P_NAME,
    P_ACTIVE,
    P_AUTOSTART,
    P_CAPACITY,
    P_ALLOCATION,
    P_AVAILABLE,
    P_USAGE,
    P_USAGE_TEXT,
    P_STATE_TEXT,
    P_AUTOSTART_TEXT,
    P_N_COLUMNS
};

enum {
    V_PATH,
    V_NAME,
    V_TARGET,
    V_CAPACITY,
    V_ALLOCATION,
    V_FORMAT,
    V_SIZE_TEXT,
    V_USERS,        /* GStrv: the guests that use the volume */
    V_USED_BY_TEXT, /* the same, "a, b" */
    V_N_COLUMNS
};

struct _MarinaHostDetailsWindow {
    GtkApplicationWindow parent_instance;

    MarinaGuestList *list;
    MarinaConnection *connection;
    MarinaDBusHost *host;
    GSettings *settings;
    GCancellable *cancellable; /* the window's lifetime */
    gboolean disposed;
    gboolean local;
    char *label;

    /* latest host statistics */
    gboolean have_stats;
    double cpu_percent;
    guint64 memory_kib;
    guint64 memory_used_kib;

    GtkListStore *pools;
    GtkListStore *volumes;
    char *pool_name; /* the selected pool, or NULL */
    char *pool_path;
    guint pools_generation;
    guint volumes_generation;
    guint info_generation;
    char *pending_pool;   /* select once listed (just added) */
    char *pending_volume; /* select once listed (just created) */
    guint volumes_reload; /* a coming reload after guests changed, or 0 */

    /* template children */
    GtkInfoBar *info_bar;
    GtkLabel *info_label;
    GtkNotebook *notebook;
    GtkLabel *hostname_value;
    GtkLabel *uri_value;
    GtkLabel *driver_value;
    GtkLabel *accel_value;
    GtkLabel *cpu_model_value;
    GtkLabel *cpus_value;
    GtkLabel *memory_value;
    GtkToggleButton *autoconnect_check;
    MarinaGraph *cpu_graph;
    MarinaGraph *memory_graph;
    GtkTreeView *pool_view;
    GtkWidget *add_pool_button;
    GtkWidget *start_pool_button;
    GtkWidget *stop_pool_button;
    GtkWidget *delete_pool_button;
    GtkWidget *refresh_pool_button;
    GtkStack *pool_stack;
    GtkLabel *pool_name_value;
    GtkLabel *pool_type_value;
    GtkLabel *pool_path_value;
    GtkLabel *pool_state_value;
    GtkLabel *pool_capacity_value;
    GtkLabel *pool_allocation_value;
    GtkLabel *pool_available_value;
    GtkLevelBar *pool_usage_bar;
    GtkLabel *pool_usage_value;
    GtkToggleButton *pool_autostart_check;
    GtkTreeView *volume_view;
    GtkWidget *new_volume_button;
    GtkWidget *resize_volume_button;
    GtkWidget *delete_volume_button;
};

G_DEFINE_FINAL_TYPE(MarinaHostDetailsWindow, marina_host_details_window,
                    GTK_TYPE_APPLICATION_WINDOW)

static void reload_pools(MarinaHostDetailsWindow *self);
static void reload_volumes(MarinaHostDetailsWindow *self);
static void reload_pool_info(MarinaHostDetailsWindow *self);
static void update_buttons(MarinaHostDetailsWindow *self);

/* ---------------------------------------------------------------- helpers */

static void
set_accessible_name(gpointer widget, const char *name)
{
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(widget)), name);
}

static gboolean
is_cancelled(const GError *error)
{
    return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static char *
format_bytes(guint64 bytes)
{
    return g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static void
show_message(MarinaHostDetailsWindow *self, GtkMessageType type, const char *message)
{
    gtk_info_bar_set_message_type(self->info_bar, type);
    gtk_label_set_text(self->info_label, message);
    gtk_info_bar_set_revealed(self->info_bar, TRUE);
}

/* @prefix: what failed, e.g. "Could not start pool 'images':". */
static void
show_error(MarinaHostDetailsWindow *self, const char *prefix, const GError *error)
{
    g_autofree char *text = g_strdup_printf("%s %s", prefix, marina_error_message(error));

    g_debug("%s %s", prefix, error->message);
    show_message(self, GTK_MESSAGE_ERROR, text);
}

static gboolean
connected(MarinaHostDetailsWindow *self)
{
    return !self->disposed && !marina_connection_is_closed(self->connection);
}

/* One D-Bus call of this window: the window stays alive until it answers. */
typedef struct {
    MarinaHostDetailsWindow *self;
    char *name;
    char *path;
    guint generation;
    const char *what; /* N_() message of a failure, with the name's %s */
} Call;

static Call *
call_new(MarinaHostDetailsWindow *self, const char *name, const char *path)
{
    Call *c = g_new0(Call, 1);

    c->self = g_object_ref(self);
    c->name = g_strdup(name);
    c->path = g_strdup(path);
    return c;
}

static void
call_free(Call *c)
{
    g_object_unref(c->self);
    g_free(c->name);
    g_free(c->path);
    g_free(c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Call, call_free)

static void
call(MarinaHostDetailsWindow *self, const char *path, const char *interface, const char *method,
     GVariant *params, const GVariantType *reply_type, GAsyncReadyCallback callback,
     gpointer user_data)
{
    g_dbus_connection_call(marina_connection_get_dbus_connection(self->connection), NULL, path,
                           interface, method, params, reply_type, G_DBUS_CALL_FLAGS_NONE,
                           CALL_TIMEOUT_MS, self->cancellable, callback, user_data);
}

/* Finishes a call: NULL when it failed (@error set) or the window is gone. */
static GVariant *
call_finish(GObject *source, GAsyncResult *result, Call *c, GError **error)
{
    GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, error);

    if (c->self->disposed) {
        g_clear_pointer(&reply, g_variant_unref);
        g_clear_error(error);
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "window closed");
    }
    return reply;
}

/* A name the daemon reports and how it reads to a person. */
typedef struct {
    const char *name;
    const char *text; /* N_() */
} Label;

/* @name in words from @labels (ended by a NULL name); @fallback when it is not there. */
static const char *
label_text(const Label *labels, const char *name, const char *fallback)
{
    for (; labels->name != NULL; labels++) {
        if (g_strcmp0(name, labels->name) == 0)
            return _(labels->text);
    }
    return fallback;
}

/* ---------------------------------------------------------------- overview */

static const Label accelerators[] = {
    {"kvm", N_("KVM (hardware virtualization)")},
    {"tcg", N_("TCG (software emulation)")},
    {"none", N_("None (simulated guests)")},
    {NULL, NULL},
};

static const char *
accelerator_text(const char *accel)
{
    return label_text(accelerators, accel, accel != NULL && *accel != '\0' ? accel : _("Unknown"));
}

static const char *
lookup_string(GVariantDict *dict, const char *key)
{
    const char *value = NULL;

    if (!g_variant_dict_lookup(dict, key, "&s", &value))
        return NULL;
    return value;
}

static guint
lookup_uint(GVariantDict *dict, const char *key)
{
    guint value = 0;

    g_variant_dict_lookup(dict, key, "u", &value);
    return value;
}

static void
on_node_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostDetailsWindow *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call_finish(source, result, c, &error);
    g_autoptr(GVariant) info = NULL;
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(NULL);
    const char *driver, *version, *arch, *model;
    g_autofree char *driver_text = NULL;
    g_autofree char *cpus = NULL;
    g_autofree char *memory = NULL;
    guint mhz, sockets, cores, threads;
    guint64 memory_kib = 0;

    if (reply == NULL) {
        if (!is_cancelled(error))
            show_error(self, _("Could not read the host's details:"), error);
        return;
    }
    info = g_variant_get_child_value(reply, 0);
    g_variant_dict_init(&dict, info);

    gtk_label_set_text(self->hostname_value, lookup_string(&dict, "hostname") ?: _("Unknown"));
    driver = lookup_string(&dict, "driver");
    version = lookup_string(&dict, "emulator-version");
    arch = lookup_string(&dict, "arch");
    if (g_strcmp0(driver, "test") == 0)
        driver_text = g_strdup(_("Test driver (simulated guests)"));
    else
        /* Translators: hypervisor, version and architecture, e.g. "QEMU 8.2.2 (x86_64)" */
        driver_text = g_strdup_printf(_("QEMU %s (%s)"), version ?: "", arch ?: "");
    gtk_label_set_text(self->driver_value, driver_text);
    gtk_label_set_text(self->accel_value, accelerator_text(lookup_string(&dict, "accelerator")));

    model = lookup_string(&dict, "cpu-model");
    mhz = lookup_uint(&dict, "mhz");
    if (mhz > 0) {
        g_autofree char *text = g_strdup_printf(_("%s, %u MHz"), model ?: _("Unknown"), mhz);
        gtk_label_set_text(self->cpu_model_value, text);
    } else {
        gtk_label_set_text(self->cpu_model_value, model ?: _("Unknown"));
    }
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->cpu_model_value), model);
    sockets = lookup_uint(&dict, "sockets");
    cores = lookup_uint(&dict, "cores");
    threads = lookup_uint(&dict, "threads");
    if (sockets > 0 && cores > 0 && threads > 0)
        /* Translators: CPU count and topology, e.g. "8 (sockets: 1, cores: 4, threads: 2)" */
        cpus = g_strdup_printf(_("%u (sockets: %u, cores: %u, threads: %u)"),
                               lookup_uint(&dict, "cpus"), sockets, cores, threads);
    else
        cpus = g_strdup_printf("%u", lookup_uint(&dict, "cpus"));
    gtk_label_set_text(self->cpus_value, cpus);
    g_variant_dict_lookup(&dict, "memory-kib", "t", &memory_kib);
    memory = format_bytes(memory_kib * 1024);
    gtk_label_set_text(self->memory_value, memory);
    if (self->memory_kib == 0)
        self->memory_kib = memory_kib;
}

static void
update_graphs(MarinaHostDetailsWindow *self)
{
    guint n_cpu = 0, n_mem = 0;
    const double *cpu = marina_guest_list_get_host_history(self->list, FALSE, &n_cpu);
    const double *mem = marina_guest_list_get_host_history(self->list, TRUE, &n_mem);
    g_autofree char *cpu_text = NULL;
    g_autofree char *mem_text = NULL;

    marina_graph_set_data(self->cpu_graph, cpu, n_cpu, NULL, 0, 100);
    marina_graph_set_data(self->memory_graph, mem, n_mem, NULL, 0, 100);
    if (!self->have_stats) {
        marina_graph_set_label(self->cpu_graph, _("Waiting for statistics…"));
        marina_graph_set_label(self->memory_graph, _("Waiting for statistics…"));
        return;
    }
    cpu_text = g_strdup_printf(_("%.0f %%"), self->cpu_percent);
    if (self->memory_kib > 0) {
        g_autofree char *used = format_bytes(self->memory_used_kib * 1024);
        g_autofree char *total = format_bytes(self->memory_kib * 1024);
        /* Translators: host memory in use, e.g. "3.1 GiB of 7.8 GiB (40 %)" */
        mem_text =
            g_strdup_printf(_("%s of %s (%.0f %%)"), used, total,
                            100.0 * (double)self->memory_used_kib / (double)self->memory_kib);
    } else {
        mem_text = g_strdup("");
    }
    marina_graph_set_label(self->cpu_graph, cpu_text);
    marina_graph_set_label(self->memory_graph, mem_text);
}

/* The host's own entry of StatsUpdated (empty UUID) holds its figures. */
static void
on_host_stats(MarinaDBusHost *host, GVariant *stats, MarinaHostDetailsWindow *self)
{
    GVariantIter iter;
    const char *uuid;
    GVariant *values;

    if (self->disposed || !g_variant_is_of_type(stats, G_VARIANT_TYPE("a(sa{sv})")))
        return;
    g_variant_iter_init(&iter, stats);
    while (g_variant_iter_next(&iter, "(&s@a{sv})", &uuid, &values)) {
        if (*uuid == '\0') {
            g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(values);
            guint64 total = 0;

            if (g_variant_dict_lookup(&dict, "host-cpu-percent", "d", &self->cpu_percent))
                self->have_stats = TRUE;
            if (g_variant_dict_lookup(&dict, "host-memory-kib", "t", &total) && total > 0)
                self->memory_kib = total;
            g_variant_dict_lookup(&dict, "host-memory-used-kib", "t", &self->memory_used_kib);
        }
        g_variant_unref(values);
    }
    if (gtk_widget_get_mapped(GTK_WIDGET(self)))
        update_graphs(self);
}

static void
on_list_stats_updated(MarinaGuestList *list, MarinaHostDetailsWindow *self)
{
    if (!self->disposed && gtk_widget_get_mapped(GTK_WIDGET(self)))
        update_graphs(self);
}

/* ------------------------------------------------------------- autoconnect */

static char *
canonical_uri(const char *text)
{
    g_autoptr(MarinaUri) uri = marina_uri_parse(text, NULL);

    return uri != NULL ? marina_uri_to_string(uri) : g_strdup(text);
}

static gboolean
autoconnect_contains(MarinaHostDetailsWindow *self)
{
    g_auto(GStrv) list = g_settings_get_strv(self->settings, "autoconnect");
    const char *uri = marina_connection_get_uri_string(self->connection);

    for (guint i = 0; list[i] != NULL; i++) {
        g_autofree char *canonical = canonical_uri(list[i]);
        if (g_strcmp0(canonical, uri) == 0)
            return TRUE;
    }
    return FALSE;
}

static void on_autoconnect_toggled(GtkToggleButton *button, MarinaHostDetailsWindow *self);

static void
sync_autoconnect(MarinaHostDetailsWindow *self)
{
    g_signal_handlers_block_by_func(self->autoconnect_check, on_autoconnect_toggled, self);
    gtk_toggle_button_set_active(self->autoconnect_check, autoconnect_contains(self));
    g_signal_handlers_unblock_by_func(self->autoconnect_check, on_autoconnect_toggled, self);
}

static void
on_autoconnect_toggled(GtkToggleButton *button, MarinaHostDetailsWindow *self)
{
    g_auto(GStrv) old = g_settings_get_strv(self->settings, "autoconnect");
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_auto(GStrv) updated = NULL;
    const char *uri = marina_connection_get_uri_string(self->connection);
    gboolean want = gtk_toggle_button_get_active(button);

    for (guint i = 0; old[i] != NULL; i++) {
        g_autofree char *canonical = canonical_uri(old[i]);
        if (g_strcmp0(canonical, uri) != 0)
            g_strv_builder_add(builder, old[i]);
    }
    if (want)
        g_strv_builder_add(builder, uri);
    updated = g_strv_builder_end(builder);
    g_settings_set_strv(self->settings, "autoconnect", (const char *const *)updated);
}

static void
on_settings_changed(GSettings *settings, const char *key, MarinaHostDetailsWindow *self)
{
    if (!self->disposed)
        sync_autoconnect(self);
}

/* ------------------------------------------------------------------ pools */

/* Store iter of the selected pool. */
static gboolean
selected_pool_iter(MarinaHostDetailsWindow *self, GtkTreeIter *iter)
{
    return gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->pool_view), NULL,
                                           iter);
}

static gboolean
selected_pool_active(MarinaHostDetailsWindow *self)
{
    GtkTreeIter iter;
    gboolean active = FALSE;

    if (selected_pool_iter(self, &iter))
        gtk_tree_model_get(GTK_TREE_MODEL(self->pools), &iter, P_ACTIVE, &active, -1);
    return active;
}

static char *
usage_text(gboolean active, guint64 capacity, guint64 allocation)
{
    g_autofree char *used = NULL;
    g_autofree char *total = NULL;

    if (!active)
        return g_strdup(_("Inactive"));
    if (capacity == 0)
        return g_strdup(_("Size unknown"));
    used = format_bytes(allocation);
    total = format_bytes(capacity);
    /* Translators: pool usage, e.g. "12.4 GiB of 40.0 GiB used" */
    return g_strdup_printf(_("%s of %s used"), used, total);
}

static void
set_pool_row(MarinaHostDetailsWindow *self, GtkTreeIter *iter, GVariant *entry)
{
    const char *path, *name;
    gboolean active, autostart;
    guint64 capacity, allocation, available;
    g_autofree char *usage = NULL;
    int percent;

    g_variant_get(entry, "(&o&sbbttt)", &path, &name, &active, &autostart, &capacity, &allocation,
                  &available);
    usage = usage_text(active, capacity, allocation);
    percent = active && capacity > 0 ? (int)MIN(100.0 * allocation / capacity, 100.0) : 0;
    gtk_list_store_set(self->pools, iter, P_PATH, path, P_NAME, name, P_ACTIVE, active, P_AUTOSTART,
                       autostart, P_CAPACITY, capacity, P_ALLOCATION, allocation, P_AVAILABLE,
                       available, P_USAGE, percent, P_USAGE_TEXT, usage, P_STATE_TEXT,
                       active ? _("Active") : _("Inactive"), P_AUTOSTART_TEXT,
                       autostart ? _("On boot") : _("Never"), -1);
}

static gboolean
find_row(GtkListStore *store, int column, const char *name, GtkTreeIter *iter)
{
    gboolean valid = gtk_tree_model_get_iter_first(GTK_TREE_MODEL(store), iter);

    while (valid) {
        g_autofree char *value = NULL;

        gtk_tree_model_get(GTK_TREE_MODEL(store), iter, column, &value, -1);
        if (g_strcmp0(value, name) == 0)
            return TRUE;
        valid = gtk_tree_model_iter_next(GTK_TREE_MODEL(store), iter);
    }
    return FALSE;
}

/* Updates @store in place from @entries (rows keyed by the name in
 * @name_column, member @name_index of each tuple), so the selection stays. */
static void
merge_rows(MarinaHostDetailsWindow *self, GtkListStore *store, int name_column, GVariant *entries,
           guint name_index, void (*set_row)(MarinaHostDetailsWindow *, GtkTreeIter *, GVariant *))
{
    gsize n = g_variant_n_children(entries);
    g_autoptr(GHashTable) fresh = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree gboolean *placed = g_new0(gboolean, n + 1);
    GtkTreeIter iter;
    gboolean valid;

    for (gsize i = 0; i < n; i++) {
        g_autoptr(GVariant) child = g_variant_get_child_value(entries, i);
        const char *name = NULL;

        g_variant_get_child(child, name_index, "&s", &name);
        g_hash_table_insert(fresh, (gpointer)name, GSIZE_TO_POINTER(i + 1));
    }
    valid = gtk_tree_model_get_iter_first(GTK_TREE_MODEL(store), &iter);
    while (valid) {
        g_autofree char *name = NULL;
        gsize index;

        gtk_tree_model_get(GTK_TREE_MODEL(store), &iter, name_column, &name, -1);
        index = GPOINTER_TO_SIZE(g_hash_table_lookup(fresh, name));
        if (index == 0 || placed[index - 1]) {
            valid = gtk_list_store_remove(store, &iter);
            continue;
        }
        {
            g_autoptr(GVariant) child = g_variant_get_child_value(entries, index - 1);
            set_row(self, &iter, child);
        }
        placed[index - 1] = TRUE;
        valid = gtk_tree_model_iter_next(GTK_TREE_MODEL(store), &iter);
    }
    for (gsize i = 0; i < n; i++) {
        g_autoptr(GVariant) child = NULL;

        if (placed[i])
            continue;
        child = g_variant_get_child_value(entries, i);
        gtk_list_store_append(store, &iter);
        set_row(self, &iter, child);
    }
}

static void
select_by_name(GtkTreeView *view, GtkListStore *store, int column, char **pending)
{
    GtkTreeIter iter;

    if (*pending == NULL || !find_row(store, column, *pending, &iter))
        return;
    gtk_tree_selection_select_iter(gtk_tree_view_get_selection(view), &iter);
    {
        g_autoptr(GtkTreePath) path = gtk_tree_model_get_path(GTK_TREE_MODEL(store), &iter);
        gtk_tree_view_scroll_to_cell(view, path, NULL, FALSE, 0, 0);
    }
    g_clear_pointer(pending, g_free);
}

static void
on_pools_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostDetailsWindow *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call_finish(source, result, c, &error);
    g_autoptr(GVariant) entries = NULL;
    GtkTreeSelection *selection;
    GtkTreeIter iter;

    if (reply == NULL) {
        if (!is_cancelled(error))
            show_error(self, _("Could not list the storage pools:"), error);
        return;
    }
    if (c->generation != self->pools_generation)
        return; /* a newer listing is on its way */
    entries = g_variant_get_child_value(reply, 0);
    merge_rows(self, self->pools, P_NAME, entries, 1, set_pool_row);
    select_by_name(self->pool_view, self->pools, P_NAME, &self->pending_pool);
    /* The first pool is shown at once, as virt-manager does. */
    selection = gtk_tree_view_get_selection(self->pool_view);
    if (!gtk_tree_selection_get_selected(selection, NULL, NULL) &&
        gtk_tree_model_get_iter_first(GTK_TREE_MODEL(self->pools), &iter))
        gtk_tree_selection_select_iter(selection, &iter);
    if (self->pool_name != NULL)
        reload_pool_info(self);
    update_buttons(self);
}

static void
reload_pools(MarinaHostDetailsWindow *self)
{
    Call *c;

    if (!connected(self))
        return;
    c = call_new(self, NULL, NULL);
    c->generation = ++self->pools_generation;
    call(self, MARINA_DBUS_HOST_PATH, HOST_INTERFACE, "ListPools", NULL,
         G_VARIANT_TYPE("(a(osbbttt))"), on_pools_listed, c);
}

static const Label pool_types[] = {
    {"dir", N_("Directory (dir)")},
    {"fs", N_("Block device file system (fs)")},
    {"netfs", N_("Network file system (netfs)")},
    {"logical", N_("LVM volume group (logical)")},
    {NULL, NULL},
};

static const char *
pool_type_text(const char *type)
{
    return label_text(pool_types, type, type != NULL ? type : "");
}

static void on_pool_autostart_toggled(GtkToggleButton *button, MarinaHostDetailsWindow *self);

static void
on_pool_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostDetailsWindow *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call_finish(source, result, c, &error);
    g_autoptr(GVariant) info = NULL;
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(NULL);
    gboolean active = FALSE, autostart = FALSE;
    guint64 capacity = 0, allocation = 0, available = 0;
    g_autofree char *cap = NULL, *alloc = NULL, *avail = NULL, *usage = NULL;

    if (reply == NULL) {
        if (!is_cancelled(error) && c->generation == self->info_generation)
            g_debug("GetInfo of pool %s: %s", c->name, error->message);
        return;
    }
    if (c->generation != self->info_generation || g_strcmp0(c->name, self->pool_name) != 0)
        return;
    info = g_variant_get_child_value(reply, 0);
    g_variant_dict_init(&dict, info);
    g_variant_dict_lookup(&dict, "active", "b", &active);
    g_variant_dict_lookup(&dict, "autostart", "b", &autostart);
    g_variant_dict_lookup(&dict, "capacity", "t", &capacity);
    g_variant_dict_lookup(&dict, "allocation", "t", &allocation);
    g_variant_dict_lookup(&dict, "available", "t", &available);

    gtk_label_set_text(self->pool_name_value, c->name);
    gtk_label_set_text(self->pool_type_value, pool_type_text(lookup_string(&dict, "type")));
    gtk_label_set_text(self->pool_path_value, lookup_string(&dict, "path") ?: "");
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->pool_path_value), lookup_string(&dict, "path"));
    gtk_label_set_text(self->pool_state_value, active ? _("Active") : _("Inactive"));
    cap = format_bytes(capacity);
    alloc = format_bytes(allocation);
    avail = format_bytes(available);
    gtk_label_set_text(self->pool_capacity_value, active ? cap : "—");
    gtk_label_set_text(self->pool_allocation_value, active ? alloc : "—");
    gtk_label_set_text(self->pool_available_value, active ? avail : "—");
    usage = usage_text(active, capacity, allocation);
    gtk_label_set_text(self->pool_usage_value, usage);
    gtk_level_bar_set_value(self->pool_usage_bar,
                            active && capacity > 0 ? MIN((double)allocation / capacity, 1.0) : 0);
    g_signal_handlers_block_by_func(self->pool_autostart_check, on_pool_autostart_toggled, self);
    gtk_toggle_button_set_active(self->pool_autostart_check, autostart);
    g_signal_handlers_unblock_by_func(self->pool_autostart_check, on_pool_autostart_toggled, self);
    gtk_stack_set_visible_child_name(self->pool_stack, "details");
}

static void
reload_pool_info(MarinaHostDetailsWindow *self)
{
    Call *c;

    if (!connected(self) || self->pool_path == NULL)
        return;
    c = call_new(self, self->pool_name, self->pool_path);
    c->generation = ++self->info_generation;
    call(self, self->pool_path, POOL_INTERFACE, "GetInfo", NULL, G_VARIANT_TYPE("(a{sv})"),
         on_pool_info, c);
}

/* ---------------------------------------------------------------- volumes */

static void
set_volume_row(MarinaHostDetailsWindow *self, GtkTreeIter *iter, GVariant *entry)
{
    const char *path, *name, *target, *format;
    g_auto(GStrv) users = NULL;
    guint64 capacity, allocation;
    g_autofree char *size = NULL;
    g_autofree char *used_by = NULL;

    g_variant_get(entry, "(&o&s&stt&s^as)", &path, &name, &target, &capacity, &allocation, &format,
                  &users);
    size = format_bytes(capacity);
    used_by = g_strjoinv(", ", users);
    gtk_list_store_set(self->volumes, iter, V_PATH, path, V_NAME, name, V_TARGET, target,
                       V_CAPACITY, capacity, V_ALLOCATION, allocation, V_FORMAT, format,
                       V_SIZE_TEXT, size, V_USERS, users, V_USED_BY_TEXT, used_by, -1);
}

static void
on_volumes_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostDetailsWindow *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call_finish(source, result, c, &error);
    g_autoptr(GVariant) entries = NULL;

    if (reply == NULL && is_cancelled(error))
        return;
    if (c->generation != self->volumes_generation || g_strcmp0(c->name, self->pool_name) != 0)
        return;
    if (reply == NULL) {
        /* An inactive pool lists nothing; the pool's state says why. */
        g_debug("ListVolumes of pool %s: %s", c->name, error->message);
        gtk_list_store_clear(self->volumes);
        update_buttons(self);
        return;
    }
    entries = g_variant_get_child_value(reply, 0);
    merge_rows(self, self->volumes, V_NAME, entries, 1, set_volume_row);
    select_by_name(self->volume_view, self->volumes, V_NAME, &self->pending_volume);
    update_buttons(self);
}

static void
reload_volumes(MarinaHostDetailsWindow *self)
{
    Call *c;

    if (!connected(self) || self->pool_path == NULL)
        return;
    c = call_new(self, self->pool_name, self->pool_path);
    c->generation = ++self->volumes_generation;
    if (!selected_pool_active(self)) {
        gtk_list_store_clear(self->volumes);
        call_free(c);
        return;
    }
    call(self, self->pool_path, POOL_INTERFACE, "ListVolumes", NULL,
         G_VARIANT_TYPE("(a(ossttsas))"), on_volumes_listed, c);
}

static gboolean
selected_volume(MarinaHostDetailsWindow *self, char **path, char **name, guint64 *capacity)
{
    GtkTreeIter iter;

    if (!gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->volume_view), NULL,
                                         &iter))
        return FALSE;
    gtk_tree_model_get(GTK_TREE_MODEL(self->volumes), &iter, V_PATH, path, V_NAME, name, V_CAPACITY,
                       capacity, -1);
    return TRUE;
}

/* The guests that use the selected volume (NULL-terminated; empty when none). */
static GStrv
selected_volume_users(MarinaHostDetailsWindow *self)
{
    GtkTreeIter iter;
    GStrv users = NULL;

    if (gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->volume_view), NULL,
                                        &iter))
        gtk_tree_model_get(GTK_TREE_MODEL(self->volumes), &iter, V_USERS, &users, -1);
    return users != NULL ? users : g_new0(char *, 1);
}

static gboolean
on_volumes_reload_due(gpointer user_data)
{
    MarinaHostDetailsWindow *self = user_data;

    self->volumes_reload = 0;
    reload_volumes(self);
    return G_SOURCE_REMOVE;
}

/* Guests came, went or were redefined: the Used By column follows. Events
 * come in bursts (a guest started, then its state changes), so they are
 * gathered into one listing. */
static void
schedule_volumes_reload(MarinaHostDetailsWindow *self)
{
    if (self->disposed || self->pool_path == NULL || self->volumes_reload != 0)
        return;
    self->volumes_reload = g_timeout_add(300, on_volumes_reload_due, self);
}

/* ------------------------------------------------------------- selection */

static void
update_buttons(MarinaHostDetailsWindow *self)
{
    GtkTreeIter iter;
    gboolean have_pool, active = FALSE, have_volume, online;

    if (self->disposed)
        return;
    online = !marina_connection_is_closed(self->connection);
    have_pool = selected_pool_iter(self, &iter);
    if (have_pool)
        gtk_tree_model_get(GTK_TREE_MODEL(self->pools), &iter, P_ACTIVE, &active, -1);
    have_volume =
        gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->volume_view), NULL, NULL);
    gtk_widget_set_sensitive(self->add_pool_button, online);
    gtk_widget_set_sensitive(self->start_pool_button, online && have_pool && !active);
    gtk_widget_set_sensitive(self->stop_pool_button, online && have_pool && active);
    gtk_widget_set_sensitive(self->delete_pool_button, online && have_pool);
    gtk_widget_set_sensitive(self->refresh_pool_button, online && have_pool && active);
    gtk_widget_set_sensitive(GTK_WIDGET(self->pool_autostart_check), online && have_pool);
    gtk_widget_set_sensitive(self->new_volume_button, online && have_pool && active);
    gtk_widget_set_sensitive(self->resize_volume_button, online && active && have_volume);
    gtk_widget_set_sensitive(self->delete_volume_button, online && active && have_volume);
}

static void
on_pool_selection_changed(GtkTreeSelection *selection, MarinaHostDetailsWindow *self)
{
    GtkTreeIter iter;
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;

    if (self->disposed)
        return;
    if (gtk_tree_selection_get_selected(selection, NULL, &iter))
        gtk_tree_model_get(GTK_TREE_MODEL(self->pools), &iter, P_NAME, &name, P_PATH, &path, -1);
    if (g_strcmp0(name, self->pool_name) != 0) {
        g_free(self->pool_name);
        g_free(self->pool_path);
        self->pool_name = g_steal_pointer(&name);
        self->pool_path = g_steal_pointer(&path);
        gtk_list_store_clear(self->volumes);
        if (self->pool_name == NULL) {
            gtk_stack_set_visible_child_name(self->pool_stack, "empty");
        } else {
            reload_pool_info(self);
            reload_volumes(self);
        }
    }
    update_buttons(self);
}

static void
on_volume_selection_changed(GtkTreeSelection *selection, MarinaHostDetailsWindow *self)
{
    update_buttons(self);
}

/* ---------------------------------------------------------- host signals */

static void
on_pool_event(MarinaDBusHost *host, const char *path, const char *name, const char *event,
              MarinaHostDetailsWindow *self)
{
    if (self->disposed)
        return;
    g_debug("pool %s: %s", name, event);
    reload_pools(self);
    /* Started, stopped or refreshed: its volumes changed with it. */
    if (g_strcmp0(name, self->pool_name) == 0 && g_strcmp0(event, "undefined") != 0)
        reload_volumes(self);
}

static void
on_volume_event(MarinaDBusHost *host, const char *path, const char *pool, const char *name,
                const char *event, MarinaHostDetailsWindow *self)
{
    if (self->disposed)
        return;
    g_debug("volume %s/%s: %s", pool, name, event);
    /* The pool's usage changes with its volumes. */
    reload_pools(self);
    if (g_strcmp0(pool, self->pool_name) == 0)
        reload_volumes(self);
}

static void
on_domain_added_or_removed(MarinaDBusHost *host, const char *path, const char *name,
                           const char *uuid, MarinaHostDetailsWindow *self)
{
    schedule_volumes_reload(self);
}

static void
on_domain_event(MarinaDBusHost *host, const char *path, const char *name, const char *uuid,
                guint state, guint reason, const char *event, const char *detail,
                MarinaHostDetailsWindow *self)
{
    /* Which disks a guest has changes with its definition, and with its
     * running configuration, which starts and stops with it. */
    if (g_strcmp0(event, "defined") == 0 || g_strcmp0(event, "undefined") == 0 ||
        g_strcmp0(event, "started") == 0 || g_strcmp0(event, "stopped") == 0)
        schedule_volumes_reload(self);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, MarinaHostDetailsWindow *self)
{
    g_autofree char *text = NULL;

    if (self->disposed)
        return;
    if (reason != NULL)
        text = g_strdup_printf(_("The connection to %s was lost: %s. What is shown here may be "
                                 "out of date; open Connection Details again once it is back."),
                               self->label, marina_error_message(reason));
    else
        text = g_strdup_printf(_("The connection to %s is closed. What is shown here may be out "
                                 "of date; open Connection Details again once it is connected."),
                               self->label);
    show_message(self, GTK_MESSAGE_WARNING, text);
    update_buttons(self);
}

/* ---------------------------------------------------------- pool actions */

/* Says that @c failed: c->what (N_()) with its name, then the reason. */
static void
show_call_error(Call *c, const GError *error)
{
    g_autofree char *prefix = g_strdup_printf(_(c->what), c->name);

    show_error(c->self, prefix, error);
}

/* Finishes an action's call: TRUE when it failed, which is then shown. */
static gboolean
action_failed(GObject *source, GAsyncResult *result, Call *c)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call_finish(source, result, c, &error);

    if (reply != NULL || is_cancelled(error))
        return FALSE;
    show_call_error(c, error);
    return TRUE;
}

static void
on_action_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;

    action_failed(source, result, c);
}

static void
on_pool_call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;

    if (action_failed(source, result, c))
        reload_pools(c->self); /* e.g. the autostart check goes back */
}

/* Calls @method of the selected pool; @what (N_()) says what failed. */
static void
pool_call(MarinaHostDetailsWindow *self, const char *method, GVariant *params, const char *what)
{
    Call *c;

    if (!connected(self) || self->pool_path == NULL) {
        if (params != NULL)
            g_variant_unref(g_variant_ref_sink(params));
        return;
    }
    c = call_new(self, self->pool_name, self->pool_path);
    c->what = what;
    call(self, self->pool_path, POOL_INTERFACE, method, params, NULL, on_pool_call_done, c);
}

static void
on_start_pool(GtkButton *button, MarinaHostDetailsWindow *self)
{
    pool_call(self, "Start", NULL, N_("Could not start pool '%s':"));
}

static void
on_stop_pool(GtkButton *button, MarinaHostDetailsWindow *self)
{
    pool_call(self, "Stop", NULL, N_("Could not stop pool '%s':"));
}

static void
on_refresh_pool(GtkButton *button, MarinaHostDetailsWindow *self)
{
    pool_call(self, "Refresh", NULL, N_("Could not refresh pool '%s':"));
}

static void
on_pool_autostart_toggled(GtkToggleButton *button, MarinaHostDetailsWindow *self)
{
    pool_call(self, "SetAutostart", g_variant_new("(b)", gtk_toggle_button_get_active(button)),
              N_("Could not change the autostart of pool '%s':"));
}

static GtkWidget *
confirm_dialog(MarinaHostDetailsWindow *self, const char *title, const char *detail,
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

/* The answer to a confirm_dialog(): TRUE to go on with @c; otherwise @c is freed. */
static gboolean
confirmed(GtkDialog *dialog, int response, Call *c)
{
    gtk_widget_destroy(GTK_WIDGET(dialog));
    if (response == GTK_RESPONSE_ACCEPT && connected(c->self))
        return TRUE;
    call_free(c);
    return FALSE;
}

static void
undefine_pool(Call *c)
{
    c->what = N_("Could not delete pool '%s':");
    call(c->self, c->path, POOL_INTERFACE, "Undefine", NULL, NULL, on_action_done, c);
}

static void
on_pool_stopped_for_delete(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Call *c = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call_finish(source, result, c, &error);

    if (reply == NULL && !g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING)) {
        if (!is_cancelled(error))
            show_call_error(c, error);
        call_free(c);
        return;
    }
    undefine_pool(c);
}

static void
on_delete_pool_response(GtkDialog *dialog, int response, gpointer user_data)
{
    Call *c = user_data;

    if (!confirmed(dialog, response, c))
        return;
    /* An active pool is stopped first; its volumes stay on disk. */
    if (c->generation) {
        c->what = N_("Could not stop pool '%s' to delete it:");
        call(c->self, c->path, POOL_INTERFACE, "Stop", NULL, NULL, on_pool_stopped_for_delete, c);
    } else {
        undefine_pool(c);
    }
}

static void
on_delete_pool(GtkButton *button, MarinaHostDetailsWindow *self)
{
    g_autofree char *title = NULL;
    g_autofree char *detail = NULL;
    GtkWidget *dialog;
    Call *c;

    if (self->pool_path == NULL)
        return;
    title = g_strdup_printf(_("Delete pool '%s'?"), self->pool_name);
    detail = g_strdup_printf(selected_pool_active(self)
                                 ? _("The pool is stopped and its definition removed from %s. "
                                     "Its directory and the volumes in it stay on disk.")
                                 : _("Its definition is removed from %s. Its directory and the "
                                     "volumes in it stay on disk."),
                             self->label);
    dialog = confirm_dialog(self, title, detail, _("_Delete"));
    c = call_new(self, self->pool_name, self->pool_path);
    c->generation = selected_pool_active(self); /* here: whether to stop it first */
    g_signal_connect(dialog, "response", G_CALLBACK(on_delete_pool_response), c);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_pool_added(MarinaAddPoolDialog *dialog, const char *name, MarinaHostDetailsWindow *self)
{
    g_free(self->pending_pool);
    self->pending_pool = g_strdup(name);
    reload_pools(self);
}

/* The strings of @column in @store, NULL-terminated: the names a new one must not take. */
static GPtrArray *
column_strings(GtkListStore *store, int column)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GtkTreeIter iter;
    gboolean valid = gtk_tree_model_get_iter_first(GTK_TREE_MODEL(store), &iter);

    while (valid) {
        char *name = NULL;

        gtk_tree_model_get(GTK_TREE_MODEL(store), &iter, column, &name, -1);
        g_ptr_array_add(names, name);
        valid = gtk_tree_model_iter_next(GTK_TREE_MODEL(store), &iter);
    }
    g_ptr_array_add(names, NULL);
    return names;
}

static void
on_add_pool(GtkButton *button, MarinaHostDetailsWindow *self)
{
    g_autoptr(GPtrArray) names = NULL;
    MarinaAddPoolDialog *dialog;

    if (!connected(self))
        return;
    names = column_strings(self->pools, P_NAME);
    dialog = marina_add_pool_dialog_new(GTK_WINDOW(self), self->connection,
                                        (const char *const *)names->pdata, self->local);
    g_signal_connect_object(dialog, "pool-added", G_CALLBACK(on_pool_added), self, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* -------------------------------------------------------- volume actions */

static void
on_volume_created(MarinaNewVolumeDialog *dialog, const char *name, MarinaHostDetailsWindow *self)
{
    g_free(self->pending_volume);
    self->pending_volume = g_strdup(name);
    reload_volumes(self);
    reload_pools(self);
}

static void
on_new_volume(GtkButton *button, MarinaHostDetailsWindow *self)
{
    g_autoptr(GPtrArray) names = NULL;
    GtkTreeIter iter;
    guint64 available = 0;
    MarinaNewVolumeDialog *dialog;

    if (!connected(self) || !selected_pool_iter(self, &iter))
        return;
    gtk_tree_model_get(GTK_TREE_MODEL(self->pools), &iter, P_AVAILABLE, &available, -1);
    names = column_strings(self->volumes, V_NAME);
    dialog =
        marina_new_volume_dialog_new(GTK_WINDOW(self), self->connection, self->pool_path,
                                     self->pool_name, available, (const char *const *)names->pdata);
    g_signal_connect_object(dialog, "volume-created", G_CALLBACK(on_volume_created), self, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_delete_volume_response(GtkDialog *dialog, int response, gpointer user_data)
{
    Call *c = user_data;

    if (!confirmed(dialog, response, c))
        return;
    c->what = N_("Could not delete volume '%s':");
    call(c->self, c->path, VOLUME_INTERFACE, "Delete", NULL, NULL, on_action_done, c);
}

static void
on_delete_volume(GtkButton *button, MarinaHostDetailsWindow *self)
{
    g_autofree char *path = NULL;
    g_autofree char *name = NULL;
    g_autofree char *title = NULL;
    g_autofree char *detail = NULL;
    g_auto(GStrv) users = NULL;
    guint n_users;
    guint64 capacity = 0;
    GtkWidget *dialog;

    if (!selected_volume(self, &path, &name, &capacity))
        return;
    users = selected_volume_users(self);
    n_users = g_strv_length(users);
    title = g_strdup_printf(_("Delete volume '%s'?"), name);
    if (n_users == 0) {
        detail = g_strdup_printf(_("Its file is deleted from pool '%s'; a guest that uses it "
                                   "loses that disk and everything stored on it."),
                                 self->pool_name);
    } else {
        /* A running user makes the daemon refuse; the reason then shows in the info bar. */
        g_autofree char *names = g_strjoinv(", ", users);
        detail = g_strdup_printf(
            ngettext("Volume '%s' is used by guest %s. It will no longer start until the disk is "
                     "removed from it, and everything stored on the volume is lost.",
                     "Volume '%s' is used by guests %s. They will no longer start until the disk "
                     "is removed from them, and everything stored on the volume is lost.",
                     n_users),
            name, names);
    }
    dialog = confirm_dialog(self, title, detail, _("_Delete"));
    g_signal_connect(dialog, "response", G_CALLBACK(on_delete_volume_response),
                     call_new(self, name, path));
    gtk_window_present(GTK_WINDOW(dialog));
}

/* Resize: a small dialog of its own; it stays open with the reason when the
 * size is refused. */
typedef struct {
    MarinaHostDetailsWindow *self;
    char *path;
    char *name;
    guint64 capacity;
    gboolean closed;
    gboolean busy;
    GtkWidget *dialog;
    GtkWidget *spin;
    GtkWidget *error;
    GtkWidget *button;
} ResizeOp;

static void
resize_op_clear(ResizeOp *op)
{
    g_object_unref(op->self);
    g_free(op->path);
    g_free(op->name);
}

static void
resize_op_release(ResizeOp *op)
{
    g_atomic_rc_box_release_full(op, (GDestroyNotify)resize_op_clear);
}

/* The size typed in GiB, in bytes; 0 when it is not a number. */
static guint64
parse_gib(const char *text)
{
    g_autofree char *copy = g_strstrip(g_strdup(text));
    char *end = NULL;
    double gib;

    g_strdelimit(copy, ",", '.');
    gib = g_ascii_strtod(copy, &end);
    if (*copy == '\0' || end == NULL || *end != '\0' || !isfinite(gib) || gib <= 0)
        return 0;
    if (gib * GIB > (double)MARINA_VOLUME_MAX_CAPACITY)
        return MARINA_VOLUME_MAX_CAPACITY + 1;
    return (guint64)(gib * GIB + 0.5);
}

static void
resize_show_error(ResizeOp *op, const char *message)
{
    gtk_label_set_text(GTK_LABEL(op->error), message != NULL ? message : "");
}

static void
on_volume_resized(GObject *source, GAsyncResult *result, gpointer user_data)
{
    ResizeOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (!op->closed) {
        op->busy = FALSE;
        gtk_widget_set_sensitive(op->button, TRUE);
        if (reply != NULL) {
            gtk_widget_destroy(op->dialog);
        } else if (!is_cancelled(error)) {
            g_autofree char *text = g_strdup_printf(_("Volume '%s' could not be resized: %s"),
                                                    op->name, marina_error_message(error));
            resize_show_error(op, text);
        }
    }
    resize_op_release(op);
}

static void
on_resize_response(GtkDialog *dialog, int response, gpointer user_data)
{
    ResizeOp *op = user_data;
    guint64 capacity;
    g_autofree char *current = NULL;

    if (response != GTK_RESPONSE_ACCEPT) {
        gtk_widget_destroy(GTK_WIDGET(dialog));
        return;
    }
    if (op->busy)
        return;
    capacity = parse_gib(gtk_entry_get_text(GTK_ENTRY(op->spin)));
    current = format_bytes(op->capacity);
    if (capacity == 0) {
        resize_show_error(op, _("Enter the new capacity in GiB, e.g. 20 or 2.5."));
        return;
    }
    if (capacity > MARINA_VOLUME_MAX_CAPACITY) {
        resize_show_error(op, _("The capacity is larger than 1 PiB; check the size."));
        return;
    }
    if (capacity <= op->capacity) {
        g_autofree char *text = g_strdup_printf(
            _("Volume '%s' is %s. Volumes can only grow (shrinking would destroy the data at "
              "the end): enter a larger capacity."),
            op->name, current);
        resize_show_error(op, text);
        return;
    }
    if (!connected(op->self)) {
        resize_show_error(op, _("The connection to the host is closed. Reconnect, then try "
                                "again."));
        return;
    }
    resize_show_error(op, NULL);
    op->busy = TRUE;
    gtk_widget_set_sensitive(op->button, FALSE);
    call(op->self, op->path, VOLUME_INTERFACE, "Resize", g_variant_new("(t)", capacity), NULL,
         on_volume_resized, g_atomic_rc_box_acquire(op));
}

static void
on_resize_destroy(GtkWidget *dialog, gpointer user_data)
{
    ResizeOp *op = user_data;

    op->closed = TRUE;
    resize_op_release(op);
}

static void
on_resize_volume(GtkButton *button, MarinaHostDetailsWindow *self)
{
    g_autofree char *title = NULL;
    g_autofree char *current = NULL;
    g_autofree char *text = NULL;
    GtkWidget *grid, *label, *unit, *cancel;
    ResizeOp *op = g_atomic_rc_box_new0(ResizeOp);

    if (!selected_volume(self, &op->path, &op->name, &op->capacity)) {
        g_atomic_rc_box_release(op);
        return;
    }
    op->self = g_object_ref(self);
    title = g_strdup_printf(_("Resize Volume '%s'"), op->name);
    op->dialog = gtk_dialog_new_with_buttons(
        title, GTK_WINDOW(self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, NULL, NULL);
    cancel = gtk_dialog_add_button(GTK_DIALOG(op->dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
    op->button = gtk_dialog_add_button(GTK_DIALOG(op->dialog), _("_Resize"), GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(op->button), "suggested-action");
    gtk_dialog_set_default_response(GTK_DIALOG(op->dialog), GTK_RESPONSE_ACCEPT);
    set_accessible_name(cancel, _("Cancel"));
    set_accessible_name(op->button, _("Resize"));

    grid = gtk_grid_new();
    gtk_grid_set_row_spacing(GTK_GRID(grid), 8);
    gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
    gtk_container_set_border_width(GTK_CONTAINER(grid), 18);
    current = format_bytes(op->capacity);
    text = g_strdup_printf(_("Volume '%s' is %s. It can only grow: the guest then extends its "
                             "partitions into the new space."),
                           op->name, current);
    label = gtk_label_new(text);
    gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 50);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_grid_attach(GTK_GRID(grid), label, 0, 0, 3, 1);
    label = gtk_label_new_with_mnemonic(_("New _capacity"));
    gtk_label_set_xalign(GTK_LABEL(label), 1);
    gtk_grid_attach(GTK_GRID(grid), label, 0, 1, 1, 1);
    op->spin = gtk_spin_button_new_with_range(0.01, MARINA_VOLUME_MAX_CAPACITY / GIB, 1);
    gtk_spin_button_set_digits(GTK_SPIN_BUTTON(op->spin), 2);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(op->spin), op->capacity / GIB);
    gtk_entry_set_activates_default(GTK_ENTRY(op->spin), TRUE);
    gtk_widget_set_hexpand(op->spin, TRUE);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), op->spin);
    set_accessible_name(op->spin, _("New capacity in GiB"));
    gtk_grid_attach(GTK_GRID(grid), op->spin, 1, 1, 1, 1);
    unit = gtk_label_new(_("GiB"));
    gtk_grid_attach(GTK_GRID(grid), unit, 2, 1, 1, 1);
    op->error = gtk_label_new(NULL);
    gtk_label_set_line_wrap(GTK_LABEL(op->error), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(op->error), 50);
    gtk_label_set_xalign(GTK_LABEL(op->error), 0);
    gtk_label_set_selectable(GTK_LABEL(op->error), TRUE);
    gtk_style_context_add_class(gtk_widget_get_style_context(op->error), "error");
    gtk_grid_attach(GTK_GRID(grid), op->error, 0, 2, 3, 1);
    gtk_widget_show_all(grid);
    gtk_container_add(GTK_CONTAINER(gtk_dialog_get_content_area(GTK_DIALOG(op->dialog))), grid);

    g_signal_connect(op->dialog, "response", G_CALLBACK(on_resize_response), op);
    g_signal_connect(op->dialog, "destroy", G_CALLBACK(on_resize_destroy), op);
    gtk_window_present(GTK_WINDOW(op->dialog));
}

/* ------------------------------------------------------------ the views */

static GtkTreeViewColumn *
add_text_column(GtkTreeView *view, const char *title, int column, gboolean expand)
{
    GtkCellRenderer *cell = gtk_cell_renderer_text_new();
    GtkTreeViewColumn *col =
        gtk_tree_view_column_new_with_attributes(title, cell, "text", column, NULL);

    g_object_set(cell, "ellipsize", expand ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_NONE, NULL);
    gtk_tree_view_column_set_resizable(col, TRUE);
    gtk_tree_view_column_set_expand(col, expand);
    gtk_tree_view_column_set_sort_column_id(col, column);
    gtk_tree_view_append_column(view, col);
    return col;
}

static void
setup_views(MarinaHostDetailsWindow *self)
{
    GtkCellArea *area = gtk_cell_area_box_new();
    GtkTreeViewColumn *usage, *used_by;
    g_autoptr(GList) cells = NULL;
    GtkCellRenderer *bar = gtk_cell_renderer_progress_new();
    GtkCellRenderer *text = gtk_cell_renderer_text_new();

    self->pools = gtk_list_store_new(P_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN,
                                     G_TYPE_BOOLEAN, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64,
                                     G_TYPE_INT, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    gtk_tree_view_set_model(self->pool_view, GTK_TREE_MODEL(self->pools));
    gtk_tree_view_column_set_min_width(add_text_column(self->pool_view, _("Name"), P_NAME, FALSE),
                                       80);
    /* The bar over its text, so screen readers read the text cell. */
    gtk_orientable_set_orientation(GTK_ORIENTABLE(area), GTK_ORIENTATION_VERTICAL);
    usage = gtk_tree_view_column_new_with_area(area);
    gtk_tree_view_column_set_title(usage, _("Usage"));
    gtk_tree_view_column_set_expand(usage, TRUE);
    g_object_set(bar, "text", "", "ypad", 2, NULL);
    g_object_set(text, "scale", PANGO_SCALE_SMALL, "ypad", 0, NULL);
    gtk_tree_view_column_pack_start(usage, bar, TRUE);
    gtk_tree_view_column_pack_start(usage, text, TRUE);
    gtk_tree_view_column_add_attribute(usage, bar, "value", P_USAGE);
    gtk_tree_view_column_add_attribute(usage, text, "text", P_USAGE_TEXT);
    gtk_tree_view_append_column(self->pool_view, usage);
    add_text_column(self->pool_view, _("State"), P_STATE_TEXT, FALSE);
    add_text_column(self->pool_view, _("Autostart"), P_AUTOSTART_TEXT, FALSE);
    gtk_tree_sortable_set_sort_column_id(GTK_TREE_SORTABLE(self->pools), P_NAME,
                                         GTK_SORT_ASCENDING);

    self->volumes =
        gtk_list_store_new(V_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64,
                           G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV, G_TYPE_STRING);
    gtk_tree_view_set_model(self->volume_view, GTK_TREE_MODEL(self->volumes));
    add_text_column(self->volume_view, _("Name"), V_NAME, FALSE);
    gtk_tree_view_column_set_sort_column_id(
        add_text_column(self->volume_view, _("Size"), V_SIZE_TEXT, FALSE), V_CAPACITY);
    add_text_column(self->volume_view, _("Format"), V_FORMAT, FALSE);
    used_by = add_text_column(self->volume_view, _("Used By"), V_USED_BY_TEXT, FALSE);
    /* Many guests on one volume (a shared base image) must not push Path away. */
    cells = gtk_cell_layout_get_cells(GTK_CELL_LAYOUT(used_by));
    g_object_set(cells->data, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
    gtk_tree_view_column_set_max_width(used_by, 240);
    add_text_column(self->volume_view, _("Path"), V_TARGET, TRUE);
    gtk_tree_sortable_set_sort_column_id(GTK_TREE_SORTABLE(self->volumes), V_NAME,
                                         GTK_SORT_ASCENDING);

    g_signal_connect(gtk_tree_view_get_selection(self->pool_view), "changed",
                     G_CALLBACK(on_pool_selection_changed), self);
    g_signal_connect(gtk_tree_view_get_selection(self->volume_view), "changed",
                     G_CALLBACK(on_volume_selection_changed), self);
}

/* ------------------------------------------------------------ lifecycle */

static void
on_info_bar_response(GtkInfoBar *bar, int response, MarinaHostDetailsWindow *self)
{
    gtk_info_bar_set_revealed(bar, FALSE);
}

static void
on_map(GtkWidget *widget, MarinaHostDetailsWindow *self)
{
    update_graphs(self);
}

static void
marina_host_details_window_dispose(GObject *object)
{
    MarinaHostDetailsWindow *self = MARINA_HOST_DETAILS_WINDOW(object);

    self->disposed = TRUE;
    g_clear_handle_id(&self->volumes_reload, g_source_remove);
    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    if (self->host != NULL)
        g_signal_handlers_disconnect_by_data(self->host, self);
    if (self->list != NULL)
        g_signal_handlers_disconnect_by_data(self->list, self);
    if (self->connection != NULL)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    if (self->settings != NULL)
        g_signal_handlers_disconnect_by_data(self->settings, self);
    g_clear_object(&self->host);
    g_clear_object(&self->list);
    g_clear_object(&self->connection);
    g_clear_object(&self->settings);
    if (self->pool_view != NULL)
        gtk_tree_view_set_model(self->pool_view, NULL);
    if (self->volume_view != NULL)
        gtk_tree_view_set_model(self->volume_view, NULL);
    g_clear_object(&self->pools);
    g_clear_object(&self->volumes);
    G_OBJECT_CLASS(marina_host_details_window_parent_class)->dispose(object);
}

static void
marina_host_details_window_finalize(GObject *object)
{
    MarinaHostDetailsWindow *self = MARINA_HOST_DETAILS_WINDOW(object);

    g_clear_object(&self->cancellable);
    g_free(self->label);
    g_free(self->pool_name);
    g_free(self->pool_path);
    g_free(self->pending_pool);
    g_free(self->pending_volume);
    G_OBJECT_CLASS(marina_host_details_window_parent_class)->finalize(object);
}

static void
marina_host_details_window_class_init(MarinaHostDetailsWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_host_details_window_dispose;
    object_class->finalize = marina_host_details_window_finalize;

    g_type_ensure(MARINA_TYPE_GRAPH);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/host-details-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHostDetailsWindow, name)
    BIND(info_bar);
    BIND(info_label);
    BIND(notebook);
    BIND(hostname_value);
    BIND(uri_value);
    BIND(driver_value);
    BIND(accel_value);
    BIND(cpu_model_value);
    BIND(cpus_value);
    BIND(memory_value);
    BIND(autoconnect_check);
    BIND(cpu_graph);
    BIND(memory_graph);
    BIND(pool_view);
    BIND(add_pool_button);
    BIND(start_pool_button);
    BIND(stop_pool_button);
    BIND(delete_pool_button);
    BIND(refresh_pool_button);
    BIND(pool_stack);
    BIND(pool_name_value);
    BIND(pool_type_value);
    BIND(pool_path_value);
    BIND(pool_state_value);
    BIND(pool_capacity_value);
    BIND(pool_allocation_value);
    BIND(pool_available_value);
    BIND(pool_usage_bar);
    BIND(pool_usage_value);
    BIND(pool_autostart_check);
    BIND(volume_view);
    BIND(new_volume_button);
    BIND(resize_volume_button);
    BIND(delete_volume_button);
#undef BIND
}

static void
marina_host_details_window_init(MarinaHostDetailsWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();

    set_accessible_name(self->info_bar, _("Error"));
    set_accessible_name(self->notebook, _("Connection details"));
    set_accessible_name(self->autoconnect_check, _("Connect automatically"));
    set_accessible_name(self->cpu_graph, _("Host CPU usage graph"));
    set_accessible_name(self->memory_graph, _("Host memory usage graph"));
    set_accessible_name(self->pool_view, _("Storage pools"));
    set_accessible_name(self->add_pool_button, _("Add Pool"));
    set_accessible_name(self->start_pool_button, _("Start Pool"));
    set_accessible_name(self->stop_pool_button, _("Stop Pool"));
    set_accessible_name(self->delete_pool_button, _("Delete Pool"));
    set_accessible_name(self->refresh_pool_button, _("Refresh Pool"));
    set_accessible_name(self->pool_autostart_check, _("Start pool automatically"));
    set_accessible_name(self->pool_usage_bar, _("Pool usage"));
    set_accessible_name(self->volume_view, _("Volumes"));
    set_accessible_name(self->new_volume_button, _("New Volume"));
    set_accessible_name(self->resize_volume_button, _("Resize Volume"));
    set_accessible_name(self->delete_volume_button, _("Delete Volume"));

    marina_graph_set_capacity(self->cpu_graph, MARINA_GUEST_HISTORY);
    marina_graph_set_capacity(self->memory_graph, MARINA_GUEST_HISTORY);
    setup_views(self);

    g_signal_connect(self->info_bar, "response", G_CALLBACK(on_info_bar_response), self);
    g_signal_connect(self->autoconnect_check, "toggled", G_CALLBACK(on_autoconnect_toggled), self);
    g_signal_connect(self->pool_autostart_check, "toggled", G_CALLBACK(on_pool_autostart_toggled),
                     self);
    g_signal_connect(self->add_pool_button, "clicked", G_CALLBACK(on_add_pool), self);
    g_signal_connect(self->start_pool_button, "clicked", G_CALLBACK(on_start_pool), self);
    g_signal_connect(self->stop_pool_button, "clicked", G_CALLBACK(on_stop_pool), self);
    g_signal_connect(self->delete_pool_button, "clicked", G_CALLBACK(on_delete_pool), self);
    g_signal_connect(self->refresh_pool_button, "clicked", G_CALLBACK(on_refresh_pool), self);
    g_signal_connect(self->new_volume_button, "clicked", G_CALLBACK(on_new_volume), self);
    g_signal_connect(self->resize_volume_button, "clicked", G_CALLBACK(on_resize_volume), self);
    g_signal_connect(self->delete_volume_button, "clicked", G_CALLBACK(on_delete_volume), self);
    g_signal_connect(self, "map", G_CALLBACK(on_map), self);
}

MarinaHostDetailsWindow *
marina_host_details_window_new(GtkApplication *app, MarinaGuestList *list, const char *label,
                               GSettings *settings, gboolean local)
{
    MarinaHostDetailsWindow *self;
    g_autofree char *title = NULL;

    g_return_val_if_fail(MARINA_IS_GUEST_LIST(list), NULL);
    g_return_val_if_fail(G_IS_SETTINGS(settings), NULL);

    self = g_object_new(MARINA_TYPE_HOST_DETAILS_WINDOW, "application", app, NULL);
    self->list = g_object_ref(list);
    self->connection = g_object_ref(marina_guest_list_get_connection(list));
    self->host = g_object_ref(marina_connection_get_host(self->connection));
    self->settings = g_object_ref(settings);
    self->label = g_strdup(label);
    self->local = local;

    /* Translators: window title, e.g. "This computer (session) – Connection Details" */
    title = g_strdup_printf(_("%s – Connection Details"), label);
    gtk_window_set_title(GTK_WINDOW(self), title);
    gtk_label_set_text(self->uri_value, marina_connection_get_uri_string(self->connection));

    g_signal_connect(self->host, "stats-updated", G_CALLBACK(on_host_stats), self);
    g_signal_connect(self->host, "pool-event", G_CALLBACK(on_pool_event), self);
    g_signal_connect(self->host, "volume-event", G_CALLBACK(on_volume_event), self);
    g_signal_connect(self->host, "domain-added", G_CALLBACK(on_domain_added_or_removed), self);
    g_signal_connect(self->host, "domain-removed", G_CALLBACK(on_domain_added_or_removed), self);
    g_signal_connect(self->host, "domain-event", G_CALLBACK(on_domain_event), self);
    g_signal_connect(self->list, "stats-updated", G_CALLBACK(on_list_stats_updated), self);
    g_signal_connect(self->connection, "closed", G_CALLBACK(on_connection_closed), self);
    g_signal_connect(self->settings, "changed::autoconnect", G_CALLBACK(on_settings_changed), self);
    sync_autoconnect(self);

    call(self, MARINA_DBUS_HOST_PATH, HOST_INTERFACE, "GetNodeInfo", NULL,
         G_VARIANT_TYPE("(a{sv})"), on_node_info, call_new(self, NULL, NULL));
    reload_pools(self);
    update_graphs(self);
    update_buttons(self);
    if (marina_connection_is_closed(self->connection))
        on_connection_closed(self->connection, NULL, self);
    return self;
}

MarinaConnection *
marina_host_details_window_get_connection(MarinaHostDetailsWindow *self)
{
    g_return_val_if_fail(MARINA_IS_HOST_DETAILS_WINDOW(self), NULL);
    return self->connection;
}
