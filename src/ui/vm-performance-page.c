/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-vm-window"

#include "config.h"

#include "vm-performance-page.h"

#include <glib/gi18n.h>

#include "graph.h"
#include "ui-util.h"

enum { GRAPH_CPU, GRAPH_MEMORY, GRAPH_DISK, GRAPH_NET, N_GRAPHS };

struct _MarinaVmPerformancePage {
    GtkGrid parent_instance;

    MarinaGuest *guest;
    GtkWidget *graphs[N_GRAPHS];
};

G_DEFINE_FINAL_TYPE(MarinaVmPerformancePage, marina_vm_performance_page, GTK_TYPE_GRID)

static GtkWidget *
add_graph(MarinaVmPerformancePage *self, int row, int column, const char *heading,
          const char *accessible_name)
{
    GtkWidget *label = gtk_label_new(NULL);
    GtkWidget *graph = marina_graph_new();

    gtk_label_set_markup(GTK_LABEL(label), heading);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_widget_set_margin_top(label, row > 0 ? 12 : 0);
    gtk_widget_set_hexpand(graph, TRUE);
    gtk_widget_set_vexpand(graph, TRUE);
    marina_graph_set_capacity(MARINA_GRAPH(graph), MARINA_GUEST_HISTORY);
    atk_object_set_name(gtk_widget_get_accessible(graph), accessible_name);
    gtk_grid_attach(GTK_GRID(self), label, column, row * 2, 1, 1);
    gtk_grid_attach(GTK_GRID(self), graph, column, row * 2 + 1, 1, 1);
    gtk_widget_show(label);
    gtk_widget_show(graph);
    return graph;
}

static void
build_graphs(MarinaVmPerformancePage *self)
{
    g_autofree char *cpu = g_strdup_printf("<b>%s</b>", _("CPU usage"));
    g_autofree char *memory = g_strdup_printf("<b>%s</b>", _("Memory usage"));
    /* The colours match the graph's two series (blue first, orange second). */
    g_autofree char *disk = g_strdup_printf(
        "<b>%s</b>  <span foreground='#3385e3'>■</span> %s  <span foreground='#e66100'>■</span> "
        "%s",
        _("Disk I/O"), _("read"), _("write"));
    g_autofree char *net = g_strdup_printf(
        "<b>%s</b>  <span foreground='#3385e3'>■</span> %s  <span foreground='#e66100'>■</span> "
        "%s",
        _("Network I/O"), _("received"), _("sent"));

    self->graphs[GRAPH_CPU] = add_graph(self, 0, 0, cpu, _("CPU usage graph"));
    self->graphs[GRAPH_MEMORY] = add_graph(self, 0, 1, memory, _("Memory usage graph"));
    self->graphs[GRAPH_DISK] = add_graph(self, 1, 0, disk, _("Disk I/O graph"));
    self->graphs[GRAPH_NET] = add_graph(self, 1, 1, net, _("Network I/O graph"));
}

static char *
format_rate(double bytes_per_s)
{
    g_autofree char *size = g_format_size((guint64)MAX(bytes_per_s, 0));

    /* Translators: a transfer rate, e.g. "1.2 MB/s" */
    return g_strdup_printf(_("%s/s"), size);
}

static void
set_pair_graph(MarinaVmPerformancePage *self, int graph, MarinaGuestSeries a, MarinaGuestSeries b,
               const char *format)
{
    guint n_a = 0, n_b = 0;
    const double *va = marina_guest_get_history(self->guest, a, &n_a);
    const double *vb = marina_guest_get_history(self->guest, b, &n_b);
    g_autofree char *ra = format_rate(marina_guest_get_latest(self->guest, a));
    g_autofree char *rb = format_rate(marina_guest_get_latest(self->guest, b));
    g_autofree char *label = NULL;

    if (n_a == 0 && n_b == 0) {
        label = g_strdup(_("Not measured"));
    } else {
        label = g_strdup_printf(format, ra, rb);
    }
    marina_graph_set_data(MARINA_GRAPH(self->graphs[graph]), va, n_a, vb, n_b, 0);
    marina_graph_set_label(MARINA_GRAPH(self->graphs[graph]), label);
}

void
marina_vm_performance_page_update(MarinaVmPerformancePage *self)
{
    guint n = 0;
    const double *v;
    g_autofree char *cpu = NULL;
    g_autofree char *mem = NULL;
    g_autofree char *total = NULL;

    g_return_if_fail(MARINA_IS_VM_PERFORMANCE_PAGE(self));
    if (self->guest == NULL)
        return;
    v = marina_guest_get_history(self->guest, MARINA_GUEST_SERIES_CPU, &n);
    cpu = g_strdup_printf(_("%.0f %%"),
                          marina_guest_get_latest(self->guest, MARINA_GUEST_SERIES_CPU));
    marina_graph_set_data(MARINA_GRAPH(self->graphs[GRAPH_CPU]), v, n, NULL, 0, 100);
    marina_graph_set_label(MARINA_GRAPH(self->graphs[GRAPH_CPU]), n > 0 ? cpu : "");

    v = marina_guest_get_history(self->guest, MARINA_GUEST_SERIES_MEMORY, &n);
    total = marina_ui_format_bytes(marina_guest_get_max_memory_kib(self->guest) * 1024);
    /* Translators: memory in use, e.g. "34 % of 128.0 MiB" */
    mem = g_strdup_printf(_("%.0f %% of %s"),
                          marina_guest_get_latest(self->guest, MARINA_GUEST_SERIES_MEMORY), total);
    marina_graph_set_data(MARINA_GRAPH(self->graphs[GRAPH_MEMORY]), v, n, NULL, 0, 100);
    marina_graph_set_label(MARINA_GRAPH(self->graphs[GRAPH_MEMORY]), n > 0 ? mem : "");

    /* Translators: disk rates, e.g. "read 1.2 MB/s, write 40 kB/s" */
    set_pair_graph(self, GRAPH_DISK, MARINA_GUEST_SERIES_DISK_READ, MARINA_GUEST_SERIES_DISK_WRITE,
                   _("read %s, write %s"));
    /* Translators: network rates, e.g. "in 1.2 MB/s, out 40 kB/s" */
    set_pair_graph(self, GRAPH_NET, MARINA_GUEST_SERIES_NET_RX, MARINA_GUEST_SERIES_NET_TX,
                   _("in %s, out %s"));
}

void
marina_vm_performance_page_set_guest(MarinaVmPerformancePage *self, MarinaGuest *guest)
{
    g_return_if_fail(MARINA_IS_VM_PERFORMANCE_PAGE(self));
    g_set_object(&self->guest, guest);
}

GtkWidget *
marina_vm_performance_page_new(void)
{
    return g_object_new(MARINA_TYPE_VM_PERFORMANCE_PAGE, "margin", 18, "row-spacing", 6,
                        "column-spacing", 18, "column-homogeneous", TRUE, NULL);
}

static void
marina_vm_performance_page_dispose(GObject *object)
{
    g_clear_object(&MARINA_VM_PERFORMANCE_PAGE(object)->guest);
    G_OBJECT_CLASS(marina_vm_performance_page_parent_class)->dispose(object);
}

static void
marina_vm_performance_page_class_init(MarinaVmPerformancePageClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = marina_vm_performance_page_dispose;
}

static void
marina_vm_performance_page_init(MarinaVmPerformancePage *self)
{
    build_graphs(self);
}
