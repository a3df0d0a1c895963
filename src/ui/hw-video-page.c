/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-video-page.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "hw-page.h"

struct _MarinaHwVideoPage {
    GtkScrolledWindow parent_instance;

    guint index;

    GtkComboBox *model_combo;
    GtkSpinButton *vram_spin;
    GtkSpinButton *heads_spin;
};

MARINA_HW_PAGE_DEFINE(MarinaHwVideoPage, marina_hw_video_page, MARINA_TYPE_HW_VIDEO_PAGE,
                      video_page_iface_init)

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwVideoPage *self = MARINA_HW_VIDEO_PAGE(page);
    const MarinaVideoConfig *v = index < config->videos->len ? config->videos->pdata[index] : NULL;
    const MarinaVideoConfig *running =
        live != NULL && index < live->videos->len ? live->videos->pdata[index] : NULL;

    if (v == NULL)
        return;
    self->index = index;
    marina_hw_page_combo_set(self->model_combo, v->model, "vga");
    gtk_spin_button_set_value(self->vram_spin, v->vram_kib);
    gtk_spin_button_set_value(self->heads_spin, v->heads);
    marina_hw_page_mark_pending(GTK_WIDGET(self->model_combo),
                                running != NULL && g_strcmp0(running->model, v->model) != 0);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwVideoPage *self = MARINA_HW_VIDEO_PAGE(page);
    MarinaVideoConfig *v =
        self->index < config->videos->len ? config->videos->pdata[self->index] : NULL;
    double vram = 0, heads = 0;

    if (v == NULL) {
        marina_hw_page_set_error(error, _("Video"),
                                 _("the guest has no such video device any more. Choose another "
                                   "device."));
        return FALSE;
    }
    /* The numbers typed, not the ones the spin buttons still hold. */
    if (!marina_form_spin_text_value(self->vram_spin, &vram) || vram > 1048576) {
        marina_hw_page_set_error(error, _("Video RAM"),
                                 _("“%s” is not allowed; give 0 (the model's default) to "
                                   "1048576 KiB."),
                                 gtk_entry_get_text(GTK_ENTRY(self->vram_spin)));
        return FALSE;
    }
    if (!marina_form_spin_text_value(self->heads_spin, &heads) || heads > 16) {
        marina_hw_page_set_error(error, _("Heads"),
                                 _("“%s” is not allowed; give 0 (the model's default) to 16."),
                                 gtk_entry_get_text(GTK_ENTRY(self->heads_spin)));
        return FALSE;
    }
    g_free(v->model);
    v->model = marina_hw_page_combo_get(self->model_combo);
    v->vram_kib = (guint)vram;
    v->heads = (guint)heads;
    return TRUE;
}

static void
video_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_video_page_class_init(MarinaHwVideoPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-video-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwVideoPage, model_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwVideoPage, vram_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwVideoPage, heads_spin);
}

static void
marina_hw_video_page_init(MarinaHwVideoPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->model_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->vram_spin);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->heads_spin);
}
