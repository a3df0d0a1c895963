/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-sound-page.h"

#include <glib/gi18n.h>

#include "hw-page.h"

struct _MarinaHwSoundPage {
    GtkScrolledWindow parent_instance;

    guint index;

    GtkComboBox *model_combo;
};

MARINA_HW_PAGE_DEFINE(MarinaHwSoundPage, marina_hw_sound_page, MARINA_TYPE_HW_SOUND_PAGE,
                      sound_page_iface_init)

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwSoundPage *self = MARINA_HW_SOUND_PAGE(page);
    const MarinaSoundConfig *s = index < config->sounds->len ? config->sounds->pdata[index] : NULL;
    const MarinaSoundConfig *running =
        live != NULL && index < live->sounds->len ? live->sounds->pdata[index] : NULL;

    if (s == NULL)
        return;
    self->index = index;
    marina_hw_page_combo_set(self->model_combo, s->model, "ich9");
    marina_hw_page_mark_pending(GTK_WIDGET(self->model_combo),
                                running != NULL && g_strcmp0(running->model, s->model) != 0);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwSoundPage *self = MARINA_HW_SOUND_PAGE(page);
    MarinaSoundConfig *s =
        self->index < config->sounds->len ? config->sounds->pdata[self->index] : NULL;

    if (s == NULL) {
        marina_hw_page_set_error(error, _("Sound"),
                                 _("the guest has no such sound device any more. Choose another "
                                   "device."));
        return FALSE;
    }
    g_free(s->model);
    s->model = marina_hw_page_combo_get(self->model_combo);
    return TRUE;
}

static void
sound_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_sound_page_class_init(MarinaHwSoundPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-sound-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwSoundPage, model_combo);
}

static void
marina_hw_sound_page_init(MarinaHwSoundPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->model_combo);
}
