/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-wizard-os"

#include "config.h"

#include "wizard-os-page.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "form-util.h"
#include "os-catalog-cache.h"
#include "ui-util.h"

enum { OS_COL_NAME, OS_COL_SHORT_ID, OS_COL_KEY, OS_N_COLUMNS };

struct _MarinaWizardOsPage {
    GtkBox parent_instance;

    gboolean disposed;
    gboolean setting; /* the entry is being set by the page, not by a person */
    gboolean can_detect;
    GVariant *source_info; /* InspectMedia / InspectInstallTree reply, or NULL */
    const MarinaOsInfo *detected;
    GtkListStore *os_store;

    /* template children */
    GtkToggleButton *detect_check;
    GtkLabel *detect_label;
    GtkEntry *os_entry;
    GtkWidget *generic_button;
    GtkLabel *os_info_label;
    GtkLabel *os_error;
};

G_DEFINE_FINAL_TYPE(MarinaWizardOsPage, marina_wizard_os_page, GTK_TYPE_BOX)

static gboolean
detecting(MarinaWizardOsPage *self)
{
    return self->can_detect && gtk_toggle_button_get_active(self->detect_check);
}

static const MarinaOsInfo *
effective_os(MarinaWizardOsPage *self)
{
    g_autofree char *text = NULL;

    if (detecting(self) && self->detected != NULL)
        return self->detected;
    text = marina_form_entry_text(self->os_entry);
    return marina_os_catalog_cache_find(text);
}

static void
set_os_text(MarinaWizardOsPage *self, const char *text)
{
    self->setting = TRUE;
    gtk_entry_set_text(self->os_entry, text);
    self->setting = FALSE;
}

void
marina_wizard_os_page_update(MarinaWizardOsPage *self)
{
    gboolean detect = detecting(self);
    gboolean choose = !detect || self->detected == NULL;
    const MarinaOsInfo *os;

    g_return_if_fail(MARINA_IS_WIZARD_OS_PAGE(self));
    gtk_widget_set_sensitive(GTK_WIDGET(self->detect_check), self->can_detect);
    if (!detect) {
        marina_form_set_message(self->detect_label, NULL);
    } else if (marina_os_catalog_cache_get() == NULL && marina_os_catalog_cache_is_loading()) {
        marina_form_set_message(self->detect_label, _("Loading the list of operating systems…"));
    } else if (self->detected != NULL) {
        g_autofree char *text = g_strdup_printf(_("Detected: %s"), self->detected->name);
        marina_form_set_message(self->detect_label, text);
        set_os_text(self, self->detected->name);
    } else {
        marina_form_set_message(self->detect_label,
                                _("Could not detect the operating system; choose it below"));
    }
    gtk_widget_set_sensitive(GTK_WIDGET(self->os_entry), choose);
    gtk_widget_set_sensitive(self->generic_button, choose);

    os = effective_os(self);
    if (os != NULL) {
        g_autofree char *disk = marina_ui_format_bytes(os->disk_bytes);
        g_autofree char *vcpus =
            g_strdup_printf(ngettext("%u vCPU", "%u vCPUs", os->vcpus), os->vcpus);
        /* Translators: "Debian 12: 1024 MiB of memory, 2 vCPUs and a 20 GiB disk suggested,
         * with virtio devices." */
        g_autofree char *text = g_strdup_printf(
            _("%s: %llu MiB of memory, %s and a %s disk suggested%s."), os->name,
            (unsigned long long)os->memory_mib, vcpus, disk,
            os->virtio ? _(", with virtio devices") : _(", with emulated (non-virtio) devices"));
        marina_form_set_message(self->os_info_label, text);
    } else {
        marina_form_set_message(self->os_info_label, NULL);
    }
}

/* The source may have been checked before the catalog arrived. */
static void
detect(MarinaWizardOsPage *self)
{
    self->detected = marina_os_catalog_cache_identify(self->source_info);
    marina_wizard_os_page_update(self);
}

void
marina_wizard_os_page_set_can_detect(MarinaWizardOsPage *self, gboolean can_detect)
{
    g_return_if_fail(MARINA_IS_WIZARD_OS_PAGE(self));
    self->can_detect = can_detect;
}

void
marina_wizard_os_page_set_source_info(MarinaWizardOsPage *self, GVariant *source_info)
{
    g_return_if_fail(MARINA_IS_WIZARD_OS_PAGE(self));
    g_clear_pointer(&self->source_info, g_variant_unref);
    self->detected = NULL;
    if (source_info == NULL)
        return;
    self->source_info = g_variant_ref(source_info);
    detect(self);
}

const MarinaOsInfo *
marina_wizard_os_page_check(MarinaWizardOsPage *self)
{
    const MarinaOsInfo *os;

    g_return_val_if_fail(MARINA_IS_WIZARD_OS_PAGE(self), NULL);
    os = effective_os(self);
    if (os == NULL) {
        g_autofree char *text = marina_form_entry_text(self->os_entry);
        g_autofree char *message =
            *text == '\0' ? g_strdup(_("Choose an operating system from the list, or Generic "
                                       "when it is not there."))
                          : g_strdup_printf(_("“%s” is not an operating system Marina knows. "
                                              "Choose one from the list, or Generic."),
                                            text);
        marina_form_set_message(self->os_error, message);
        return NULL;
    }
    marina_form_set_message(self->os_error, NULL);
    return os;
}

/* ------------------------------------------------------------ the catalog */

static void
fill_os_store(MarinaWizardOsPage *self)
{
    MarinaOsCatalog *catalog = marina_os_catalog_cache_get();
    GPtrArray *list;

    gtk_list_store_clear(self->os_store);
    if (catalog == NULL)
        return;
    list = marina_os_catalog_list(catalog);
    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *os = g_ptr_array_index(list, i);
        g_autofree char *both = g_strdup_printf("%s %s", os->name, os->short_id);
        g_autofree char *key = g_utf8_casefold(both, -1);

        gtk_list_store_insert_with_values(self->os_store, NULL, -1, OS_COL_NAME, os->name,
                                          OS_COL_SHORT_ID, os->short_id, OS_COL_KEY, key, -1);
    }
}

static void
on_catalog_ready(gpointer object)
{
    MarinaWizardOsPage *self = object;

    if (self->disposed)
        return;
    fill_os_store(self);
    detect(self);
}

static gboolean
os_completion_match(GtkEntryCompletion *completion, const char *key, GtkTreeIter *iter,
                    gpointer user_data)
{
    MarinaWizardOsPage *self = user_data;
    g_autofree char *row_key = NULL;
    g_autofree char *folded = g_utf8_casefold(key, -1);

    gtk_tree_model_get(GTK_TREE_MODEL(self->os_store), iter, OS_COL_KEY, &row_key, -1);
    return row_key != NULL && strstr(row_key, folded) != NULL;
}

/* ------------------------------------------------------------- signals */

static void
on_changed(MarinaWizardOsPage *self, GtkWidget *widget)
{
    if (!gtk_widget_in_destruction(GTK_WIDGET(self)))
        marina_wizard_os_page_update(self);
}

static void
on_os_entry_changed(GtkEditable *editable, MarinaWizardOsPage *self)
{
    if (self->setting || gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    marina_form_set_message(self->os_error, NULL);
    marina_wizard_os_page_update(self);
}

static void
on_generic_clicked(GtkButton *button, MarinaWizardOsPage *self)
{
    gtk_entry_set_text(self->os_entry, marina_os_catalog_cache_generic()->name);
}

static void
marina_wizard_os_page_dispose(GObject *object)
{
    MarinaWizardOsPage *self = MARINA_WIZARD_OS_PAGE(object);

    self->disposed = TRUE;
    g_clear_pointer(&self->source_info, g_variant_unref);
    g_clear_object(&self->os_store);
    G_OBJECT_CLASS(marina_wizard_os_page_parent_class)->dispose(object);
}

static void
marina_wizard_os_page_class_init(MarinaWizardOsPageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_wizard_os_page_dispose;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/wizard-os-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaWizardOsPage, name)
    BIND(detect_check);
    BIND(detect_label);
    BIND(os_entry);
    BIND(generic_button);
    BIND(os_info_label);
    BIND(os_error);
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_changed);
    gtk_widget_class_bind_template_callback(widget_class, on_generic_clicked);
}

static void
marina_wizard_os_page_init(MarinaWizardOsPage *self)
{
    GtkEntryCompletion *completion;

    gtk_widget_init_template(GTK_WIDGET(self));
    self->can_detect = TRUE; /* install media, the first method */
    marina_form_set_accessible_name(self->detect_label, _("Detected operating system"));
    marina_form_set_accessible_name(self->os_entry, _("Operating system"));
    marina_form_set_accessible_name(self->os_info_label, _("Operating system defaults"));
    marina_form_set_accessible_name(self->os_error, _("Operating system error"));

    self->os_store = gtk_list_store_new(OS_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    completion = gtk_entry_completion_new();
    gtk_entry_completion_set_model(completion, GTK_TREE_MODEL(self->os_store));
    gtk_entry_completion_set_text_column(completion, OS_COL_NAME);
    gtk_entry_completion_set_match_func(completion, os_completion_match, self, NULL);
    gtk_entry_completion_set_minimum_key_length(completion, 1);
    gtk_entry_set_completion(self->os_entry, completion);
    g_object_unref(completion);
    g_signal_connect(self->os_entry, "changed", G_CALLBACK(on_os_entry_changed), self);

    marina_form_set_message(self->detect_label, NULL);
    marina_form_set_message(self->os_error, NULL);
    marina_os_catalog_cache_request(self, on_catalog_ready);
}
