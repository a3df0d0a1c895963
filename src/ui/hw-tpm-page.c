/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-tpm-page.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "hw-page.h"

struct _MarinaHwTpmPage {
    GtkScrolledWindow parent_instance;

    GtkComboBox *model_combo;
    GtkComboBox *backend_combo;
    GtkComboBox *version_combo;
    GtkEntry *path_entry;
};

MARINA_HW_PAGE_DEFINE(MarinaHwTpmPage, marina_hw_tpm_page, MARINA_TYPE_HW_TPM_PAGE,
                      tpm_page_iface_init)

static gboolean
passthrough(MarinaHwTpmPage *self)
{
    return g_strcmp0(gtk_combo_box_get_active_id(self->backend_combo), "passthrough") == 0;
}

static void
update_backend(MarinaHwTpmPage *self)
{
    gtk_widget_set_sensitive(GTK_WIDGET(self->version_combo), !passthrough(self));
    gtk_widget_set_sensitive(GTK_WIDGET(self->path_entry), passthrough(self));
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwTpmPage *self = MARINA_HW_TPM_PAGE(page);
    const MarinaTpmConfig *tpm = config->tpm;

    (void)index;
    if (tpm == NULL)
        return;
    marina_hw_page_combo_set(self->model_combo,
                             tpm->model == MARINA_TPM_MODEL_CRB ? "tpm-crb" : "tpm-tis", NULL);
    marina_hw_page_combo_set(
        self->backend_combo,
        tpm->backend == MARINA_TPM_BACKEND_PASSTHROUGH ? "passthrough" : "emulator", NULL);
    marina_hw_page_combo_set(self->version_combo, tpm->version, "2.0");
    marina_hw_page_entry_set(self->path_entry,
                             tpm->device_path != NULL ? tpm->device_path : "/dev/tpm0");
    update_backend(self);
    marina_hw_page_mark_pending(GTK_WIDGET(self->model_combo),
                                live != NULL &&
                                    (live->tpm == NULL || live->tpm->model != tpm->model ||
                                     live->tpm->backend != tpm->backend ||
                                     g_strcmp0(live->tpm->version, tpm->version) != 0));
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwTpmPage *self = MARINA_HW_TPM_PAGE(page);
    MarinaTpmConfig *tpm = config->tpm;
    gboolean crb = g_strcmp0(gtk_combo_box_get_active_id(self->model_combo), "tpm-crb") == 0;
    g_autofree char *version = marina_hw_page_combo_get(self->version_combo);
    g_autofree char *path = marina_hw_page_entry_get(self->path_entry);

    if (tpm == NULL) {
        marina_hw_page_set_error(error, _("TPM"),
                                 _("the guest has no TPM any more. Choose another device."));
        return FALSE;
    }
    if (passthrough(self) && (path == NULL || !g_str_has_prefix(path, "/dev/"))) {
        marina_hw_page_set_error(error, _("TPM host device"),
                                 _("“%s” is not a device of the host. Enter its path, such as "
                                   "/dev/tpm0."),
                                 path != NULL ? path : "");
        return FALSE;
    }
    /* QEMU's CRB interface is TPM 2.0 only. */
    if (crb && !passthrough(self) && g_strcmp0(version, "1.2") == 0) {
        marina_hw_page_set_error(error, _("TPM model"),
                                 _("CRB works with TPM 2.0 only. Choose version 2.0 or the TIS "
                                   "model."));
        return FALSE;
    }
    tpm->model = crb ? MARINA_TPM_MODEL_CRB : MARINA_TPM_MODEL_TIS;
    tpm->backend = passthrough(self) ? MARINA_TPM_BACKEND_PASSTHROUGH : MARINA_TPM_BACKEND_EMULATOR;
    g_free(tpm->version);
    tpm->version = passthrough(self) ? NULL : g_steal_pointer(&version);
    g_free(tpm->device_path);
    tpm->device_path = passthrough(self) ? g_steal_pointer(&path) : NULL;
    return TRUE;
}

static void
tpm_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_tpm_page_class_init(MarinaHwTpmPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-tpm-page.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaHwTpmPage, model_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwTpmPage, backend_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwTpmPage, version_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaHwTpmPage, path_entry);
}

static void
marina_hw_tpm_page_init(MarinaHwTpmPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(self->backend_combo, "changed", G_CALLBACK(update_backend), self);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->model_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->backend_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->version_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->path_entry);
}
