/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-controller-page.h"

#include <glib/gi18n.h>

#include "hw-page.h"

struct _MarinaHwControllerPage {
    GtkScrolledWindow parent_instance;

    guint index;

    GtkLabel *type_value;
    GtkLabel *index_value;
    GtkComboBox *model_combo;
};

MARINA_HW_PAGE_DEFINE(MarinaHwControllerPage, marina_hw_controller_page,
                      MARINA_TYPE_HW_CONTROLLER_PAGE, controller_page_iface_init)

/* The models QEMU offers per controller type, for the list (others can be typed). */
static const char *const *
models_of(const char *type)
{
    static const char *const usb[] = {"qemu-xhci",  "nec-xhci", "ich9-ehci1",
                                      "piix3-uhci", "none",     NULL};
    static const char *const scsi[] = {"virtio-scsi", "lsilogic", NULL};
    static const char *const pci[] = {"pci-root", "pcie-root", "pcie-root-port", NULL};
    static const char *const none[] = {NULL};

    if (g_strcmp0(type, "usb") == 0)
        return usb;
    if (g_strcmp0(type, "scsi") == 0)
        return scsi;
    if (g_strcmp0(type, "pci") == 0)
        return pci;
    return none;
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwControllerPage *self = MARINA_HW_CONTROLLER_PAGE(page);
    const MarinaControllerConfig *c =
        index < config->controllers->len ? config->controllers->pdata[index] : NULL;
    const MarinaControllerConfig *running =
        live != NULL && index < live->controllers->len ? live->controllers->pdata[index] : NULL;
    const char *const *models;
    g_autofree char *number = NULL;

    if (c == NULL)
        return;
    self->index = index;
    number = g_strdup_printf("%u", c->index);
    gtk_label_set_text(self->type_value, c->type);
    gtk_label_set_text(self->index_value, number);
    gtk_combo_box_text_remove_all(GTK_COMBO_BOX_TEXT(self->model_combo));
    models = models_of(c->type);
    for (guint i = 0; models[i] != NULL; i++)
        gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(self->model_combo), models[i], models[i]);
    marina_hw_page_combo_set(self->model_combo, c->model, NULL);
    marina_hw_page_mark_pending(GTK_WIDGET(self->model_combo),
                                running != NULL && g_strcmp0(running->model, c->model) != 0);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwControllerPage *self = MARINA_HW_CONTROLLER_PAGE(page);
    MarinaControllerConfig *c =
        self->index < config->controllers->len ? config->controllers->pdata[self->index] : NULL;

    if (c == NULL) {
        marina_hw_page_set_error(error, _("Controller"),
                                 _("the guest has no such controller any more. Choose another "
                                   "device."));
        return FALSE;
    }
    g_free(c->model);
    c->model = marina_hw_page_combo_get(self->model_combo);
    return TRUE;
}

static void
controller_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_controller_page_class_init(MarinaHwControllerPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-controller-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwControllerPage, type_value);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwControllerPage, index_value);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwControllerPage, model_combo);
}

static void
marina_hw_controller_page_init(MarinaHwControllerPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->model_combo);
}
