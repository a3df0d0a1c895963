/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-vm-window"

#include "config.h"

#include "vm-details-page.h"

#include <glib/gi18n.h>

#include "graph.h"
#include "ui-util.h"
#include "xml-editor.h"

enum { GRAPH_CPU, GRAPH_MEMORY, GRAPH_DISK, GRAPH_NET, N_GRAPHS };

struct _MarinaVmDetailsPage {
    GtkPaned parent_instance;

    MarinaGuest *guest;
    GtkWidget *graphs[N_GRAPHS];
    GtkWidget *xml_row;
    MarinaXmlEditor *xml_editor;

    /* Template children */
    GtkListBox *details_list;
    GtkListBoxRow *overview_row;
    GtkListBoxRow *performance_row;
    GtkStack *details_stack;
    GtkLabel *name_value;
    GtkLabel *uuid_value;
    GtkLabel *state_value;
    GtkImage *state_icon;
    GtkLabel *vcpus_value;
    GtkLabel *memory_value;
    GtkLabel *title_value;
    GtkLabel *description_value;
    GtkGrid *performance_grid;
};

G_DEFINE_FINAL_TYPE(MarinaVmDetailsPage, marina_vm_details_page, GTK_TYPE_PANED)

static gboolean
guest_shut_off(MarinaVmDetailsPage *self)
{
    return marina_guest_get_state(self->guest, NULL) == MARINA_DOMAIN_SHUTOFF;
}

static const char *
state_icon_name(MarinaDomainState state)
{
    switch (state) {
    case MARINA_DOMAIN_RUNNING:
    case MARINA_DOMAIN_BLOCKED:
        return "media-playback-start-symbolic";
    case MARINA_DOMAIN_PAUSED:
    case MARINA_DOMAIN_PMSUSPENDED:
        return "media-playback-pause-symbolic";
    case MARINA_DOMAIN_CRASHED:
        return "dialog-error-symbolic";
    default:
        return "system-shutdown-symbolic";
    }
}

/* -------------------------------------------------------------- overview */

static void
update_overview(MarinaVmDetailsPage *self)
{
    MarinaGuest *g = self->guest;
    const char *title = marina_guest_get_title(g);
    g_autofree char *vcpus = g_strdup_printf("%u", marina_guest_get_vcpus(g));
    g_autofree char *memory = marina_ui_format_bytes(marina_guest_get_max_memory_kib(g) * 1024);

    gtk_label_set_text(self->name_value, marina_guest_get_name(g));
    gtk_label_set_text(self->uuid_value, marina_guest_get_uuid(g));
    gtk_label_set_text(self->state_value, marina_guest_get_state_label(g));
    gtk_image_set_from_icon_name(self->state_icon, state_icon_name(marina_guest_get_state(g, NULL)),
                                 GTK_ICON_SIZE_BUTTON);
    gtk_label_set_text(self->vcpus_value, vcpus);
    gtk_label_set_text(self->memory_value, memory);
    gtk_label_set_text(self->title_value, title != NULL && *title ? title : _("None"));
}

/* ----------------------------------------------------------- performance */

static GtkWidget *
add_graph(MarinaVmDetailsPage *self, int row, int column, const char *heading,
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
    gtk_grid_attach(self->performance_grid, label, column, row * 2, 1, 1);
    gtk_grid_attach(self->performance_grid, graph, column, row * 2 + 1, 1, 1);
    gtk_widget_show(label);
    gtk_widget_show(graph);
    return graph;
}

static void
build_performance_page(MarinaVmDetailsPage *self)
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
set_pair_graph(MarinaVmDetailsPage *self, int graph, MarinaGuestSeries a, MarinaGuestSeries b,
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

static void
update_graphs(MarinaVmDetailsPage *self)
{
    guint n = 0;
    const double *v;
    g_autofree char *cpu = NULL;
    g_autofree char *mem = NULL;
    g_autofree char *total = NULL;

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

static gboolean
performance_visible(MarinaVmDetailsPage *self)
{
    GdkWindow *window = gtk_widget_get_window(gtk_widget_get_toplevel(GTK_WIDGET(self)));

    if (window == NULL || (gdk_window_get_state(window) & GDK_WINDOW_STATE_ICONIFIED)) {
        return FALSE;
    }
    /* Mapped: the window shows Details (the other view unmaps it). */
    return gtk_widget_get_mapped(GTK_WIDGET(self)) &&
           g_strcmp0(gtk_stack_get_visible_child_name(self->details_stack), "performance") == 0;
}

static void
build_xml_page(MarinaVmDetailsPage *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    GtkWidget *label = gtk_label_new(_("XML"));

    self->xml_row = gtk_list_box_row_new();
    g_object_set(box, "margin", 8, NULL);
    gtk_box_pack_start(
        GTK_BOX(box), gtk_image_new_from_icon_name("text-x-generic-symbolic", GTK_ICON_SIZE_BUTTON),
        FALSE, FALSE, 0);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_box_pack_start(GTK_BOX(box), label, TRUE, TRUE, 0);
    gtk_container_add(GTK_CONTAINER(self->xml_row), box);
    atk_object_set_name(gtk_widget_get_accessible(self->xml_row), _("XML"));
    gtk_widget_show_all(self->xml_row);
    gtk_container_add(GTK_CONTAINER(self->details_list), self->xml_row);

    self->xml_editor = MARINA_XML_EDITOR(marina_xml_editor_new());
    gtk_widget_show(GTK_WIDGET(self->xml_editor));
    gtk_stack_add_named(self->details_stack, GTK_WIDGET(self->xml_editor), "xml");
}

static void
on_details_row_selected(GtkListBox *box, GtkListBoxRow *row, MarinaVmDetailsPage *self)
{
    (void)box;
    if (row == NULL) {
        return;
    }
    if (row == self->performance_row) {
        gtk_stack_set_visible_child_name(self->details_stack, "performance");
        update_graphs(self);
    } else if (row == GTK_LIST_BOX_ROW(self->xml_row)) {
        gtk_stack_set_visible_child_name(self->details_stack, "xml");
        marina_xml_editor_reload(self->xml_editor);
    } else {
        gtk_stack_set_visible_child_name(self->details_stack, "overview");
    }
}

/* ---------------------------------------------------------------- public */

static void
on_guest_changed(MarinaGuest *guest, GParamSpec *pspec, MarinaVmDetailsPage *self)
{
    update_overview(self);
    if (g_strcmp0(pspec->name, "state") == 0)
        marina_xml_editor_set_shut_off(self->xml_editor, guest_shut_off(self));
}

void
marina_vm_details_page_set_guest(MarinaVmDetailsPage *self, MarinaGuest *guest)
{
    static const char *const watched[] = {"notify::state", "notify::name", "notify::title",
                                          "notify::vcpus", "notify::max-memory-kib"};

    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    g_return_if_fail(MARINA_IS_GUEST(guest));
    /* Another guest object: the same guest on its new host after a migration. */
    if (self->guest != NULL) {
        g_signal_handlers_disconnect_by_data(self->guest, self);
        g_clear_object(&self->guest);
    }
    self->guest = g_object_ref(guest);
    for (guint i = 0; i < G_N_ELEMENTS(watched); i++)
        g_signal_connect(guest, watched[i], G_CALLBACK(on_guest_changed), self);
    update_overview(self);
}

void
marina_vm_details_page_set_domain(MarinaVmDetailsPage *self, MarinaDomain *domain)
{
    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    marina_xml_editor_set_domain(self->xml_editor, domain);
    marina_xml_editor_set_shut_off(self->xml_editor, guest_shut_off(self));
}

void
marina_vm_details_page_set_description(MarinaVmDetailsPage *self, const char *description)
{
    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    gtk_label_set_text(self->description_value,
                       description != NULL && *description ? description : _("None"));
}

/* Drawing costs only when someone looks. */
void
marina_vm_details_page_stats_updated(MarinaVmDetailsPage *self)
{
    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    if (performance_visible(self))
        update_graphs(self);
}

void
marina_vm_details_page_show_xml(MarinaVmDetailsPage *self)
{
    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    gtk_list_box_select_row(self->details_list, GTK_LIST_BOX_ROW(self->xml_row));
}

/* Shown again (the window switched to Details, or was restored): the
 * graphs catch up. */
static void
marina_vm_details_page_map(GtkWidget *widget)
{
    MarinaVmDetailsPage *self = MARINA_VM_DETAILS_PAGE(widget);

    GTK_WIDGET_CLASS(marina_vm_details_page_parent_class)->map(widget);
    if (self->guest != NULL && performance_visible(self))
        update_graphs(self);
}

static void
marina_vm_details_page_dispose(GObject *object)
{
    MarinaVmDetailsPage *self = MARINA_VM_DETAILS_PAGE(object);

    if (self->guest != NULL)
        g_signal_handlers_disconnect_by_data(self->guest, self);
    g_clear_object(&self->guest);
    G_OBJECT_CLASS(marina_vm_details_page_parent_class)->dispose(object);
}

static void
marina_vm_details_page_class_init(MarinaVmDetailsPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = marina_vm_details_page_dispose;
    widget_class->map = marina_vm_details_page_map;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/vm-details-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaVmDetailsPage, name)
    BIND(details_list);
    BIND(overview_row);
    BIND(performance_row);
    BIND(details_stack);
    BIND(name_value);
    BIND(uuid_value);
    BIND(state_value);
    BIND(state_icon);
    BIND(vcpus_value);
    BIND(memory_value);
    BIND(title_value);
    BIND(description_value);
    BIND(performance_grid);
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_details_row_selected);
}

static void
marina_vm_details_page_init(MarinaVmDetailsPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    build_performance_page(self);
    build_xml_page(self);
    gtk_list_box_select_row(self->details_list, self->overview_row);
}
