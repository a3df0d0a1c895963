/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-watchdog-page.h"

#include <glib/gi18n.h>

#include "hw-page.h"

struct _MarinaHwWatchdogPage {
    GtkScrolledWindow parent_instance;

    GtkComboBox *model_combo;
    GtkComboBox *action_combo;
};

MARINA_HW_PAGE_DEFINE(MarinaHwWatchdogPage, marina_hw_watchdog_page, MARINA_TYPE_HW_WATCHDOG_PAGE,
                      watchdog_page_iface_init)

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwWatchdogPage *self = MARINA_HW_WATCHDOG_PAGE(page);
    const MarinaWatchdogConfig *w = config->watchdog;
    const MarinaWatchdogConfig *running = live != NULL ? live->watchdog : NULL;

    (void)index;
    if (w == NULL)
        return;
    marina_hw_page_combo_set(self->model_combo, w->model, "i6300esb");
    marina_hw_page_combo_set(self->action_combo, w->action, "reset");
    marina_hw_page_mark_pending(GTK_WIDGET(self->action_combo),
                                live != NULL && (running == NULL ||
                                                 g_strcmp0(running->action, w->action) != 0 ||
                                                 g_strcmp0(running->model, w->model) != 0));
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwWatchdogPage *self = MARINA_HW_WATCHDOG_PAGE(page);
    MarinaWatchdogConfig *w = config->watchdog;

    if (w == NULL) {
        marina_hw_page_set_error(error, _("Watchdog"),
                                 _("the guest has no watchdog any more. Choose another device."));
        return FALSE;
    }
    g_free(w->model);
    w->model = marina_hw_page_combo_get(self->model_combo);
    g_free(w->action);
    w->action = marina_hw_page_combo_get(self->action_combo);
    return TRUE;
}

static void
watchdog_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_watchdog_page_class_init(MarinaHwWatchdogPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-watchdog-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwWatchdogPage, model_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwWatchdogPage, action_combo);
}

static void
marina_hw_watchdog_page_init(MarinaHwWatchdogPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->model_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->action_combo);
}
