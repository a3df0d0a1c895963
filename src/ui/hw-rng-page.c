/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-rng-page.h"

#include <glib/gi18n.h>

#include "hw-page.h"

struct _MarinaHwRngPage {
    GtkScrolledWindow parent_instance;

    guint index;

    GtkLabel *model_value;
    GtkComboBox *backend_combo;
};

MARINA_HW_PAGE_DEFINE(MarinaHwRngPage, marina_hw_rng_page, MARINA_TYPE_HW_RNG_PAGE,
                      rng_page_iface_init)

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwRngPage *self = MARINA_HW_RNG_PAGE(page);
    const MarinaRngConfig *r = index < config->rngs->len ? config->rngs->pdata[index] : NULL;
    const MarinaRngConfig *running =
        live != NULL && index < live->rngs->len ? live->rngs->pdata[index] : NULL;

    if (r == NULL)
        return;
    self->index = index;
    gtk_label_set_text(self->model_value, r->model != NULL ? r->model : "virtio");
    marina_hw_page_combo_set(self->backend_combo, r->backend, "/dev/urandom");
    marina_hw_page_mark_pending(GTK_WIDGET(self->backend_combo),
                                running != NULL && g_strcmp0(running->backend, r->backend) != 0);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwRngPage *self = MARINA_HW_RNG_PAGE(page);
    MarinaRngConfig *r = self->index < config->rngs->len ? config->rngs->pdata[self->index] : NULL;
    g_autofree char *backend = marina_hw_page_combo_get(self->backend_combo);

    if (r == NULL) {
        marina_hw_page_set_error(error, _("RNG"),
                                 _("the guest has no such random number generator any more. "
                                   "Choose another device."));
        return FALSE;
    }
    if (backend == NULL || !g_str_has_prefix(backend, "/dev/")) {
        marina_hw_page_set_error(error, _("RNG host device"),
                                 _("“%s” is not a device of the host. Enter a path such as "
                                   "/dev/urandom."),
                                 backend != NULL ? backend : "");
        return FALSE;
    }
    g_free(r->backend);
    r->backend = g_steal_pointer(&backend);
    return TRUE;
}

static void
rng_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_rng_page_class_init(MarinaHwRngPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-rng-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwRngPage, model_value);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwRngPage, backend_combo);
}

static void
marina_hw_rng_page_init(MarinaHwRngPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->backend_combo);
}
