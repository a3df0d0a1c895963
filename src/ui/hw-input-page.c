/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-input-page.h"

#include <glib/gi18n.h>

#include "hw-page.h"

struct _MarinaHwInputPage {
    GtkScrolledWindow parent_instance;

    guint index;

    GtkComboBox *type_combo;
    GtkComboBox *bus_combo;
};

MARINA_HW_PAGE_DEFINE(MarinaHwInputPage, marina_hw_input_page, MARINA_TYPE_HW_INPUT_PAGE,
                      input_page_iface_init)

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwInputPage *self = MARINA_HW_INPUT_PAGE(page);
    const MarinaInputConfig *in = index < config->inputs->len ? config->inputs->pdata[index] : NULL;
    const MarinaInputConfig *running =
        live != NULL && index < live->inputs->len ? live->inputs->pdata[index] : NULL;

    if (in == NULL)
        return;
    self->index = index;
    marina_hw_page_combo_set(self->type_combo, in->type, "tablet");
    marina_hw_page_combo_set(self->bus_combo, in->bus, "usb");
    marina_hw_page_mark_pending(GTK_WIDGET(self->bus_combo),
                                running != NULL && (g_strcmp0(running->bus, in->bus) != 0 ||
                                                    g_strcmp0(running->type, in->type) != 0));
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwInputPage *self = MARINA_HW_INPUT_PAGE(page);
    MarinaInputConfig *in =
        self->index < config->inputs->len ? config->inputs->pdata[self->index] : NULL;
    g_autofree char *type = marina_hw_page_combo_get(self->type_combo);
    g_autofree char *bus = marina_hw_page_combo_get(self->bus_combo);

    if (in == NULL) {
        marina_hw_page_set_error(error, _("Input"),
                                 _("the guest has no such input device any more. Choose another "
                                   "device."));
        return FALSE;
    }
    /* QEMU has no PS/2 tablet: a tablet needs absolute pointing (USB or virtio). */
    if (g_strcmp0(type, "tablet") == 0 && g_strcmp0(bus, "ps2") == 0) {
        marina_hw_page_set_error(error, _("Input bus"),
                                 _("a tablet cannot be on PS/2. Choose USB or VirtIO."));
        return FALSE;
    }
    g_free(in->type);
    in->type = g_steal_pointer(&type);
    g_free(in->bus);
    in->bus = g_steal_pointer(&bus);
    return TRUE;
}

static void
input_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_input_page_class_init(MarinaHwInputPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-input-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwInputPage, type_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwInputPage, bus_combo);
}

static void
marina_hw_input_page_init(MarinaHwInputPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->type_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->bus_combo);
}
