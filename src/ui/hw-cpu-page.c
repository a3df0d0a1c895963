/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-cpu-page.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "hw-page.h"

/* QEMU's pc / q35 machines take at most this many vCPUs without extra setup. */
#define MAX_VCPUS 255

struct _MarinaHwCpuPage {
    GtkScrolledWindow parent_instance;

    GtkSpinButton *vcpus_spin;
    GtkSpinButton *max_vcpus_spin;
    GtkComboBox *mode_combo;
    GtkComboBox *model_combo;
    GtkEntry *cpuset_entry;
    GtkCheckButton *topology_check;
    GtkSpinButton *sockets_spin;
    GtkSpinButton *cores_spin;
    GtkSpinButton *threads_spin;
    guint dies; /* kept as the definition has it (no field: rarely anything but 1) */
};

MARINA_HW_PAGE_DEFINE(MarinaHwCpuPage, marina_hw_cpu_page, MARINA_TYPE_HW_CPU_PAGE,
                      cpu_page_iface_init)

static void
update_model_sensitivity(MarinaHwCpuPage *self)
{
    gtk_widget_set_sensitive(GTK_WIDGET(self->model_combo),
                             g_strcmp0(gtk_combo_box_get_active_id(self->mode_combo), "custom") ==
                                 0);
}

static void
update_topology_sensitivity(MarinaHwCpuPage *self)
{
    gboolean manual = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->topology_check));

    gtk_widget_set_sensitive(GTK_WIDGET(self->sockets_spin), manual);
    gtk_widget_set_sensitive(GTK_WIDGET(self->cores_spin), manual);
    gtk_widget_set_sensitive(GTK_WIDGET(self->threads_spin), manual);
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwCpuPage *self = MARINA_HW_CPU_PAGE(page);

    (void)index;
    gtk_spin_button_set_value(self->vcpus_spin, config->current_vcpus);
    gtk_spin_button_set_value(self->max_vcpus_spin, config->vcpus);
    marina_hw_page_combo_set(self->mode_combo, config->cpu_mode, "default");
    marina_hw_page_combo_set(self->model_combo, config->cpu_model, NULL);
    marina_hw_page_entry_set(self->cpuset_entry, config->cpuset);
    /* Without a topology QEMU gives one socket per vCPU: shown that way. */
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->topology_check), config->cpu_sockets != 0);
    gtk_spin_button_set_value(self->sockets_spin,
                              config->cpu_sockets != 0 ? config->cpu_sockets : config->vcpus);
    gtk_spin_button_set_value(self->cores_spin, config->cpu_cores != 0 ? config->cpu_cores : 1);
    gtk_spin_button_set_value(self->threads_spin,
                              config->cpu_threads != 0 ? config->cpu_threads : 1);
    self->dies = config->cpu_dies;
    update_topology_sensitivity(self);
    marina_hw_page_mark_pending(GTK_WIDGET(self->topology_check),
                                live != NULL && (live->cpu_sockets != config->cpu_sockets ||
                                                 live->cpu_cores != config->cpu_cores ||
                                                 live->cpu_threads != config->cpu_threads));
    update_model_sensitivity(self);
    marina_hw_page_mark_pending(GTK_WIDGET(self->vcpus_spin),
                                live != NULL && live->current_vcpus != config->current_vcpus);
    marina_hw_page_mark_pending(GTK_WIDGET(self->max_vcpus_spin),
                                live != NULL && live->vcpus != config->vcpus);
    marina_hw_page_mark_pending(GTK_WIDGET(self->cpuset_entry),
                                live != NULL && g_strcmp0(live->cpuset, config->cpuset) != 0);
    marina_hw_page_mark_pending(GTK_WIDGET(self->mode_combo),
                                live != NULL && (g_strcmp0(live->cpu_mode, config->cpu_mode) != 0 ||
                                                 g_strcmp0(live->cpu_model, config->cpu_model)));
}

static gboolean
read_count(GtkSpinButton *spin, const char *field, guint *out, GError **error)
{
    double value = 0;

    if (!marina_form_spin_text_value(spin, &value)) {
        marina_hw_page_set_error(error, field, _("“%s” is not a number of vCPUs."),
                                 gtk_entry_get_text(GTK_ENTRY(spin)));
        return FALSE;
    }
    if (value < 1 || value > MAX_VCPUS) {
        marina_hw_page_set_error(error, field, _("%.0f is not allowed; give 1 to %d vCPUs."), value,
                                 MAX_VCPUS);
        return FALSE;
    }
    *out = (guint)value;
    return TRUE;
}

/* The manual topology: every part at least 1, their product the maximum. */
static gboolean
store_topology(MarinaHwCpuPage *self, MarinaDomainConfig *config, guint maximum, GError **error)
{
    GtkSpinButton *spins[] = {self->sockets_spin, self->cores_spin, self->threads_spin};
    const char *names[] = {_("Sockets"), _("Cores"), _("Threads")};
    guint values[3];
    guint dies = self->dies != 0 ? self->dies : 1;

    if (!gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->topology_check))) {
        config->cpu_sockets = config->cpu_dies = config->cpu_cores = config->cpu_threads = 0;
        return TRUE;
    }
    for (guint i = 0; i < G_N_ELEMENTS(spins); i++) {
        double value = 0;

        if (!marina_form_spin_text_value(spins[i], &value) || value < 1 || value > MAX_VCPUS) {
            marina_hw_page_set_error(error, names[i], _("“%s” is not allowed; give 1 to %d."),
                                     gtk_entry_get_text(GTK_ENTRY(spins[i])), MAX_VCPUS);
            return FALSE;
        }
        values[i] = (guint)value;
    }
    if ((guint64)values[0] * dies * values[1] * values[2] != maximum) {
        marina_hw_page_set_error(error, _("Topology"),
                                 _("%u sockets × %u cores × %u threads make %llu vCPUs, not the "
                                   "maximum of %u. Change one of them so they match."),
                                 values[0], values[1], values[2],
                                 (unsigned long long)values[0] * dies * values[1] * values[2],
                                 maximum);
        return FALSE;
    }
    config->cpu_sockets = values[0];
    config->cpu_dies = self->dies;
    config->cpu_cores = values[1];
    config->cpu_threads = values[2];
    return TRUE;
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwCpuPage *self = MARINA_HW_CPU_PAGE(page);
    const char *mode = gtk_combo_box_get_active_id(self->mode_combo);
    g_autofree char *model = marina_hw_page_combo_get(self->model_combo);
    guint current = 0, maximum = 0;

    if (!read_count(self->vcpus_spin, _("vCPU allocation"), &current, error) ||
        !read_count(self->max_vcpus_spin, _("Maximum vCPUs"), &maximum, error))
        return FALSE;
    if (current > maximum) {
        marina_hw_page_set_error(error, _("vCPU allocation"),
                                 _("%u vCPUs are more than the maximum of %u. Raise the maximum "
                                   "or give fewer."),
                                 current, maximum);
        return FALSE;
    }
    if (!store_topology(self, config, maximum, error))
        return FALSE;
    if (g_strcmp0(mode, "custom") == 0 && model == NULL) {
        marina_hw_page_set_error(error, _("Named CPU model"),
                                 _("choose a model from the list or type its name."));
        return FALSE;
    }
    config->current_vcpus = current;
    config->vcpus = maximum;
    g_free(config->cpu_mode);
    config->cpu_mode = g_strcmp0(mode, "default") == 0 || mode == NULL ? NULL : g_strdup(mode);
    g_free(config->cpu_model);
    config->cpu_model = g_strcmp0(mode, "custom") == 0 ? g_steal_pointer(&model) : NULL;
    g_free(config->cpuset);
    config->cpuset = marina_hw_page_entry_get(self->cpuset_entry);
    return TRUE;
}

static void
cpu_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_cpu_page_class_init(MarinaHwCpuPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-cpu-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, vcpus_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, max_vcpus_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, mode_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, model_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, cpuset_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, topology_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, sockets_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, cores_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwCpuPage, threads_spin);
}

static void
marina_hw_cpu_page_init(MarinaHwCpuPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(self->mode_combo, "changed", G_CALLBACK(update_model_sensitivity),
                             self);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->vcpus_spin);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->max_vcpus_spin);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->mode_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->model_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->cpuset_entry);
    g_signal_connect_swapped(self->topology_check, "toggled",
                             G_CALLBACK(update_topology_sensitivity), self);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->topology_check);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->sockets_spin);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->cores_spin);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->threads_spin);
}
