/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-host-overview"

#include "config.h"

#include "host-overview-page.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "graph.h"
#include "host.h"
#include "ui-util.h"

struct _MarinaHostOverviewPage {
    GtkGrid parent_instance;

    MarinaGuestList *list;
    MarinaConnection *connection;
    MarinaHost *host;
    GSettings *settings;
    GCancellable *cancellable; /* the page's lifetime */

    /* latest host statistics */
    gboolean have_stats;
    double cpu_percent;
    guint64 memory_kib;
    guint64 memory_used_kib;

    /* template children */
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
};

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaHostOverviewPage, marina_host_overview_page, GTK_TYPE_GRID)

/* ------------------------------------------------------------ node info */

static const char *
accelerator_text(const char *accel)
{
    if (g_strcmp0(accel, "kvm") == 0)
        return _("KVM (hardware virtualization)");
    if (g_strcmp0(accel, "tcg") == 0)
        return _("TCG (software emulation)");
    if (g_strcmp0(accel, "none") == 0)
        return _("None (simulated guests)");
    return accel != NULL && *accel != '\0' ? accel : _("Unknown");
}

/* @value of @key, or NULL when the daemon left it out. */
static const char *
reported(MarinaNodeInfo *info, const char *key, const char *value)
{
    return g_variant_dict_contains(info->dict, key) ? value : NULL;
}

static void
show_hypervisor(MarinaHostOverviewPage *self, MarinaNodeInfo *info)
{
    g_autofree char *text = NULL;

    if (g_strcmp0(info->driver, "test") == 0)
        text = g_strdup(_("Test driver (simulated guests)"));
    else
        /* Translators: hypervisor, version and architecture, e.g. "QEMU 8.2.2 (x86_64)" */
        text = g_strdup_printf(_("QEMU %s (%s)"), info->emulator_version, info->arch);
    gtk_label_set_text(self->driver_value, text);
    gtk_label_set_text(self->accel_value, accelerator_text(info->accelerator));
}

static void
show_cpus(MarinaHostOverviewPage *self, MarinaNodeInfo *info)
{
    const char *model = reported(info, "cpu-model", info->cpu_model);
    g_autofree char *cpus = NULL;

    if (info->mhz > 0) {
        g_autofree char *text = g_strdup_printf(_("%s, %u MHz"), model ?: _("Unknown"), info->mhz);
        gtk_label_set_text(self->cpu_model_value, text);
    } else {
        gtk_label_set_text(self->cpu_model_value, model ?: _("Unknown"));
    }
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->cpu_model_value), model);
    if (info->sockets > 0 && info->cores > 0 && info->threads > 0)
        /* Translators: CPU count and topology, e.g. "8 (sockets: 1, cores: 4, threads: 2)" */
        cpus = g_strdup_printf(_("%u (sockets: %u, cores: %u, threads: %u)"), info->cpus,
                               info->sockets, info->cores, info->threads);
    else
        cpus = g_strdup_printf("%u", info->cpus);
    gtk_label_set_text(self->cpus_value, cpus);
}

static void
on_node_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaHostOverviewPage) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNodeInfo) info =
        marina_host_get_node_info_finish(MARINA_HOST(source), result, &error);
    g_autofree char *memory = NULL;
    const char *hostname;

    if (info == NULL) {
        if (!marina_ui_is_cancelled(error)) {
            g_autofree char *text =
                marina_ui_error_text(_("Could not read the host's details:"), error);
            g_signal_emit(self, signals[SIGNAL_ERROR], 0, text);
        }
        return;
    }
    hostname = reported(info, "hostname", info->hostname);
    gtk_label_set_text(self->hostname_value, hostname ?: _("Unknown"));
    show_hypervisor(self, info);
    show_cpus(self, info);
    memory = marina_ui_format_bytes(info->memory_kib * 1024);
    gtk_label_set_text(self->memory_value, memory);
    if (self->memory_kib == 0)
        self->memory_kib = info->memory_kib;
}

/* ------------------------------------------------------------ the graphs */

static void
update_graphs(MarinaHostOverviewPage *self)
{
    guint n_cpu = 0, n_mem = 0;
    const double *cpu, *mem;
    g_autofree char *cpu_text = NULL;
    g_autofree char *mem_text = NULL;

    if (self->list == NULL)
        return;
    cpu = marina_guest_list_get_host_history(self->list, FALSE, &n_cpu);
    mem = marina_guest_list_get_host_history(self->list, TRUE, &n_mem);
    marina_graph_set_data(self->cpu_graph, cpu, n_cpu, NULL, 0, 100);
    marina_graph_set_data(self->memory_graph, mem, n_mem, NULL, 0, 100);
    if (!self->have_stats) {
        marina_graph_set_label(self->cpu_graph, _("Waiting for statistics…"));
        marina_graph_set_label(self->memory_graph, _("Waiting for statistics…"));
        return;
    }
    cpu_text = g_strdup_printf(_("%.0f %%"), self->cpu_percent);
    if (self->memory_kib > 0) {
        g_autofree char *used = marina_ui_format_bytes(self->memory_used_kib * 1024);
        g_autofree char *total = marina_ui_format_bytes(self->memory_kib * 1024);
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

/* The host's own figures, as the guest list read them from the batch (one
 * decoding of the statistics for the whole window). */
static void
on_list_stats_updated(MarinaGuestList *list, MarinaHostOverviewPage *self)
{
    MarinaHostStats figures;

    if (marina_guest_list_get_host_stats(list, &figures)) {
        if (figures.has_cpu_percent) {
            self->cpu_percent = figures.cpu_percent;
            self->have_stats = TRUE;
        }
        if (figures.memory_kib > 0)
            self->memory_kib = figures.memory_kib;
        if (figures.has_memory_used)
            self->memory_used_kib = figures.memory_used_kib;
    }
    if (gtk_widget_get_mapped(GTK_WIDGET(self)))
        update_graphs(self);
}

static void
marina_host_overview_page_map(GtkWidget *widget)
{
    GTK_WIDGET_CLASS(marina_host_overview_page_parent_class)->map(widget);
    update_graphs(MARINA_HOST_OVERVIEW_PAGE(widget));
}

/* ------------------------------------------------------------- autoconnect */

static void on_autoconnect_toggled(GtkToggleButton *button, MarinaHostOverviewPage *self);

static void
sync_autoconnect(MarinaHostOverviewPage *self)
{
    g_signal_handlers_block_by_func(self->autoconnect_check, on_autoconnect_toggled, self);
    gtk_toggle_button_set_active(
        self->autoconnect_check,
        marina_ui_settings_has_uri(self->settings, "autoconnect",
                                   marina_connection_get_uri_string(self->connection)));
    g_signal_handlers_unblock_by_func(self->autoconnect_check, on_autoconnect_toggled, self);
}

static void
on_autoconnect_toggled(GtkToggleButton *button, MarinaHostOverviewPage *self)
{
    const char *uri;

    if (self->settings == NULL || self->connection == NULL)
        return;
    /* Every spelling of the URI goes; the canonical one comes back when wanted. */
    uri = marina_connection_get_uri_string(self->connection);
    marina_ui_settings_remove_uri(self->settings, "autoconnect", uri);
    if (gtk_toggle_button_get_active(button))
        marina_ui_settings_add_uri(self->settings, "autoconnect", uri);
}

static void
on_settings_changed(GSettings *settings, const char *key, MarinaHostOverviewPage *self)
{
    sync_autoconnect(self);
}

/* ------------------------------------------------------------- lifecycle */

/* Forgets the host shown so far (its signals, its calls in flight, its figures). */
static void
forget_host(MarinaHostOverviewPage *self)
{
    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    if (self->host != NULL)
        g_signal_handlers_disconnect_by_data(self->host, self);
    if (self->list != NULL)
        g_signal_handlers_disconnect_by_data(self->list, self);
    if (self->settings != NULL)
        g_signal_handlers_disconnect_by_data(self->settings, self);
    g_clear_object(&self->host);
    g_clear_object(&self->list);
    g_clear_object(&self->connection);
    g_clear_object(&self->settings);
    self->have_stats = FALSE;
    self->cpu_percent = 0;
    self->memory_kib = 0;
    self->memory_used_kib = 0;
}

void
marina_host_overview_page_set_host(MarinaHostOverviewPage *self, MarinaHost *host,
                                   MarinaGuestList *list, GSettings *settings)
{
    g_return_if_fail(MARINA_IS_HOST_OVERVIEW_PAGE(self));
    g_return_if_fail(MARINA_IS_HOST(host));

    forget_host(self);
    self->list = g_object_ref(list);
    self->host = g_object_ref(host);
    self->connection = g_object_ref(marina_host_get_connection(host));
    self->settings = g_object_ref(settings);
    gtk_label_set_text(self->uri_value, marina_connection_get_uri_string(self->connection));
    g_signal_connect_object(self->list, "stats-updated", G_CALLBACK(on_list_stats_updated), self,
                            0);
    g_signal_connect_object(self->settings, "changed::autoconnect", G_CALLBACK(on_settings_changed),
                            self, 0);
    sync_autoconnect(self);
    marina_host_get_node_info_async(self->host, self->cancellable, on_node_info,
                                    g_object_ref(self));
    update_graphs(self);
}

static void
marina_host_overview_page_dispose(GObject *object)
{
    forget_host(MARINA_HOST_OVERVIEW_PAGE(object));
    G_OBJECT_CLASS(marina_host_overview_page_parent_class)->dispose(object);
}

static void
marina_host_overview_page_finalize(GObject *object)
{
    MarinaHostOverviewPage *self = MARINA_HOST_OVERVIEW_PAGE(object);

    g_clear_object(&self->cancellable);
    G_OBJECT_CLASS(marina_host_overview_page_parent_class)->finalize(object);
}

static void
marina_host_overview_page_class_init(MarinaHostOverviewPageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_host_overview_page_dispose;
    object_class->finalize = marina_host_overview_page_finalize;
    widget_class->map = marina_host_overview_page_map;
    signals[SIGNAL_ERROR] = g_signal_new("error", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    g_type_ensure(MARINA_TYPE_GRAPH);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/host-overview-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHostOverviewPage, name)
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
#undef BIND
}

static void
marina_host_overview_page_init(MarinaHostOverviewPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();
    marina_form_set_accessible_name(self->autoconnect_check, _("Connect automatically"));
    marina_form_set_accessible_name(self->cpu_graph, _("Host CPU usage graph"));
    marina_form_set_accessible_name(self->memory_graph, _("Host memory usage graph"));
    marina_graph_set_capacity(self->cpu_graph, MARINA_GUEST_HISTORY);
    marina_graph_set_capacity(self->memory_graph, MARINA_GUEST_HISTORY);
    g_signal_connect(self->autoconnect_check, "toggled", G_CALLBACK(on_autoconnect_toggled), self);
}
