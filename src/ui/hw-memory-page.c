/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-memory-page.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "hw-page.h"

/* Below this QEMU starts but no guest kernel boots: refuse it on the page. */
#define MIN_MEMORY_MIB 16

struct _MarinaHwMemoryPage {
    GtkScrolledWindow parent_instance;

    GtkSpinButton *current_spin;
    GtkSpinButton *max_spin;
    GtkLabel *balloon_value;
};

MARINA_HW_PAGE_DEFINE(MarinaHwMemoryPage, marina_hw_memory_page, MARINA_TYPE_HW_MEMORY_PAGE,
                      memory_page_iface_init)

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwMemoryPage *self = MARINA_HW_MEMORY_PAGE(page);
    gboolean balloon = g_strcmp0(config->memballoon_model, "none") != 0;

    (void)index;
    gtk_spin_button_set_value(self->current_spin, (double)(config->current_memory_kib / 1024));
    gtk_spin_button_set_value(self->max_spin, (double)(config->memory_kib / 1024));
    gtk_label_set_text(self->balloon_value,
                       balloon ? _("VirtIO balloon: the current allocation changes while the guest "
                                   "runs")
                               : _("None: memory changes take effect at the next boot"));
    marina_hw_page_mark_pending(GTK_WIDGET(self->current_spin),
                                live != NULL &&
                                    live->current_memory_kib != config->current_memory_kib);
    marina_hw_page_mark_pending(GTK_WIDGET(self->max_spin),
                                live != NULL && live->memory_kib != config->memory_kib);
}

static gboolean
read_mib(GtkSpinButton *spin, const char *field, guint64 *out, GError **error)
{
    double value = 0;

    if (!marina_form_spin_text_value(spin, &value)) {
        marina_hw_page_set_error(error, field, _("“%s” is not a number of MiB."),
                                 gtk_entry_get_text(GTK_ENTRY(spin)));
        return FALSE;
    }
    if (value < MIN_MEMORY_MIB) {
        marina_hw_page_set_error(error, field, _("%.0f MiB is not allowed; give at least %d MiB."),
                                 value, MIN_MEMORY_MIB);
        return FALSE;
    }
    *out = (guint64)value;
    return TRUE;
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwMemoryPage *self = MARINA_HW_MEMORY_PAGE(page);
    guint64 current = 0, maximum = 0;

    if (!read_mib(self->current_spin, _("Memory"), &current, error) ||
        !read_mib(self->max_spin, _("Maximum memory"), &maximum, error))
        return FALSE;
    if (current > maximum) {
        marina_hw_page_set_error(error, _("Memory"),
                                 _("the current allocation (%llu MiB) is more than the maximum "
                                   "(%llu MiB). Raise the maximum or give less."),
                                 (unsigned long long)current, (unsigned long long)maximum);
        return FALSE;
    }
    config->current_memory_kib = current * 1024;
    config->memory_kib = maximum * 1024;
    return TRUE;
}

static void
memory_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_memory_page_class_init(MarinaHwMemoryPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-memory-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwMemoryPage, current_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwMemoryPage, max_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwMemoryPage, balloon_value);
}

static void
marina_hw_memory_page_init(MarinaHwMemoryPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->current_spin);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->max_spin);
}
