/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-wizard-storage"

#include "config.h"

#include "wizard-storage-page.h"

#include <glib/gi18n.h>

#include "file-check.h"
#include "form-util.h"
#include "ui-util.h"
#include "volume-picker.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

struct _MarinaWizardStoragePage {
    GtkBox parent_instance;

    MarinaWizardHost *host;
    char *import_path; /* an import's disk image, or NULL */
    gboolean setting;  /* widgets are being set by the page, not by a person */
    gboolean disk_touched;

    /* template children */
    GtkToggleButton *storage_check;
    GtkWidget *storage_box;
    GtkToggleButton *new_disk_radio;
    GtkWidget *new_disk_grid;
    GtkComboBoxText *pool_combo;
    GtkSpinButton *size_spin;
    GtkComboBoxText *format_combo;
    GtkToggleButton *allocate_check;
    GtkToggleButton *existing_radio;
    GtkWidget *existing_grid;
    GtkEntry *existing_entry;
    GtkWidget *existing_browse;
    GtkWidget *existing_volumes;
    GtkLabel *import_disk_label;
    GtkLabel *storage_warning;
    GtkLabel *storage_error;
};

enum { SIGNAL_BUSY, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaWizardStoragePage, marina_wizard_storage_page, GTK_TYPE_BOX)

static const MarinaPoolInfo *
current_pool(MarinaWizardStoragePage *self)
{
    const char *name = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->pool_combo));

    return self->host != NULL ? marina_wizard_host_find_pool(self->host, name) : NULL;
}

static gboolean
storage_enabled(MarinaWizardStoragePage *self)
{
    return self->import_path == NULL && gtk_toggle_button_get_active(self->storage_check);
}

static gboolean
new_disk(MarinaWizardStoragePage *self)
{
    return gtk_toggle_button_get_active(self->new_disk_radio);
}

static void
show_state(MarinaWizardStoragePage *self)
{
    gboolean import = self->import_path != NULL;

    gtk_widget_set_visible(GTK_WIDGET(self->storage_check), !import);
    gtk_widget_set_visible(self->storage_box, !import);
    gtk_widget_set_sensitive(self->storage_box, gtk_toggle_button_get_active(self->storage_check));
    gtk_widget_set_sensitive(self->new_disk_grid, new_disk(self));
    gtk_widget_set_sensitive(self->existing_grid, !new_disk(self));
    if (import) {
        g_autofree char *text = g_strdup_printf(
            _("The imported disk image %s is the guest's disk."), self->import_path);
        marina_form_set_message(self->import_disk_label, text);
    } else {
        marina_form_set_message(self->import_disk_label, NULL);
    }
}

/* Why a new disk cannot be made as asked (NULL: it can); a warning for a
 * disk that may outgrow its pool goes to @warning. */
static char *
new_disk_problem(MarinaWizardStoragePage *self, char **warning)
{
    const MarinaPoolInfo *pool = current_pool(self);
    GPtrArray *pools = self->host != NULL ? marina_wizard_host_get_pools(self->host) : NULL;
    g_autofree char *have = NULL;
    double gib = 0;

    if (pool == NULL)
        return g_strdup(pools == NULL || pools->len == 0
                            ? _("The host has no storage pool. Add one in Connection Details, or "
                                "choose an existing volume or path.")
                            : _("Choose the storage pool for the new disk."));
    if (!pool->active)
        return g_strdup_printf(_("The storage pool '%s' is not active. Start it in "
                                 "Connection Details or choose another pool."),
                               pool->name);
    if (!marina_form_spin_text_value(self->size_spin, &gib) || gib <= 0)
        return g_strdup(_("Enter a disk size larger than 0 GiB."));
    if (gib * GIB <= (double)pool->available)
        return NULL;
    have = marina_ui_format_bytes(pool->available);
    if (gtk_toggle_button_get_active(self->allocate_check))
        return g_strdup_printf(_("The storage pool '%s' has only %s available; the disk needs "
                                 "%.1f GiB. Choose a smaller size or another pool."),
                               pool->name, have, gib);
    *warning = g_strdup_printf(_("The disk may grow beyond the %s available in the storage "
                                 "pool '%s'."),
                               have, pool->name);
    return NULL;
}

/* Shows what is wrong; FALSE when something blocks Forward. */
static gboolean
check(MarinaWizardStoragePage *self)
{
    g_autofree char *error = NULL;
    g_autofree char *warning = NULL;

    if (storage_enabled(self) && new_disk(self)) {
        error = new_disk_problem(self, &warning);
    } else if (storage_enabled(self)) {
        g_autofree char *path = marina_form_entry_text(self->existing_entry);
        error = marina_form_path_problem(path, _("disk"));
    }
    marina_form_set_message(self->storage_warning, warning);
    marina_form_set_message(self->storage_error, error);
    return error == NULL;
}

void
marina_wizard_storage_page_update(MarinaWizardStoragePage *self)
{
    g_return_if_fail(MARINA_IS_WIZARD_STORAGE_PAGE(self));
    show_state(self);
    check(self);
}

void
marina_wizard_storage_page_set_import_path(MarinaWizardStoragePage *self, const char *path)
{
    g_return_if_fail(MARINA_IS_WIZARD_STORAGE_PAGE(self));
    g_free(self->import_path);
    self->import_path = g_strdup(path);
}

void
marina_wizard_storage_page_apply_os(MarinaWizardStoragePage *self, const MarinaOsInfo *os)
{
    g_return_if_fail(MARINA_IS_WIZARD_STORAGE_PAGE(self));
    if (self->disk_touched || os->disk_bytes == 0)
        return;
    self->setting = TRUE;
    gtk_spin_button_set_value(self->size_spin, MAX(1.0, (double)os->disk_bytes / GIB));
    self->setting = FALSE;
}

/* ------------------------------------------------------------- Forward */

static void
on_disk_checked(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    MarinaWizardStoragePage *self = g_task_get_source_object(task);
    GError *error = NULL;

    if (!marina_check_files_finish(result, &error)) {
        if (!marina_ui_is_cancelled(error))
            marina_form_set_message(self->storage_error, error->message);
        g_task_return_error(task, error);
        return;
    }
    marina_form_set_message(self->storage_error, NULL);
    g_task_return_boolean(task, TRUE);
}

void
marina_wizard_storage_page_check_async(MarinaWizardStoragePage *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);

    g_return_if_fail(MARINA_IS_WIZARD_STORAGE_PAGE(self));
    g_task_set_source_tag(task, marina_wizard_storage_page_check_async);
    if (!check(self)) {
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s",
                                gtk_label_get_text(self->storage_error));
        return;
    }
    /* The typed size becomes the spin button's value (it keeps the old one until then). */
    gtk_spin_button_update(self->size_spin);
    if (storage_enabled(self) && !new_disk(self) && marina_wizard_host_is_local(self->host)) {
        g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

        g_ptr_array_add(files, marina_form_entry_text(self->existing_entry));
        g_signal_emit(self, signals[SIGNAL_BUSY], 0, _("Checking the disk…"));
        marina_check_files_async(self, files, cancellable, on_disk_checked, g_steal_pointer(&task));
        return;
    }
    g_task_return_boolean(task, TRUE);
}

gboolean
marina_wizard_storage_page_check_finish(MarinaWizardStoragePage *self, GAsyncResult *result,
                                        GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ------------------------------------------------------------- results */

static const char *
disk_format(MarinaWizardStoragePage *self)
{
    const char *format = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->format_combo));

    return format != NULL ? format : "qcow2";
}

char *
marina_wizard_storage_page_describe(MarinaWizardStoragePage *self)
{
    g_autofree char *path = NULL;

    g_return_val_if_fail(MARINA_IS_WIZARD_STORAGE_PAGE(self), NULL);
    if (self->import_path != NULL)
        return g_strdup_printf(_("The imported disk %s"), self->import_path);
    if (!storage_enabled(self))
        return g_strdup(_("No disk"));
    if (new_disk(self)) {
        const MarinaPoolInfo *pool = current_pool(self);

        return g_strdup_printf(
            gtk_toggle_button_get_active(self->allocate_check)
                ? _("A new %.1f GiB %s disk in pool '%s', allocated now")
                : _("A new %.1f GiB %s disk in pool '%s', allocated as it fills"),
            gtk_spin_button_get_value(self->size_spin), disk_format(self),
            pool != NULL ? pool->name : "?");
    }
    path = marina_form_entry_text(self->existing_entry);
    return g_strdup_printf(_("The existing disk %s"), path);
}

void
marina_wizard_storage_page_fill_spec(MarinaWizardStoragePage *self, MarinaInstallSpec *spec)
{
    MarinaInstallDisk *disk;

    g_return_if_fail(MARINA_IS_WIZARD_STORAGE_PAGE(self));
    if (!storage_enabled(self))
        return;
    if (new_disk(self)) {
        const MarinaPoolInfo *pool = current_pool(self);

        disk = marina_install_disk_new(MARINA_INSTALL_DISK_NEW);
        disk->pool = g_strdup(pool != NULL ? pool->name : "default");
        disk->size = (guint64)(gtk_spin_button_get_value(self->size_spin) * GIB);
        disk->format = g_strdup(disk_format(self));
        disk->sparse = !gtk_toggle_button_get_active(self->allocate_check);
    } else {
        disk = marina_install_disk_new(MARINA_INSTALL_DISK_EXISTING);
        disk->path = marina_form_entry_text(self->existing_entry);
    }
    g_ptr_array_add(spec->disks, disk);
}

/* ------------------------------------------------------------- the host */

static void
fill_pool_combo(MarinaWizardStoragePage *self)
{
    GPtrArray *pools = marina_wizard_host_get_pools(self->host);
    g_autofree char *previous =
        g_strdup(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->pool_combo)));

    self->setting = TRUE;
    gtk_combo_box_text_remove_all(self->pool_combo);
    for (guint i = 0; i < pools->len; i++) {
        const MarinaPoolInfo *pool = g_ptr_array_index(pools, i);
        g_autofree char *free_text = marina_ui_format_bytes(pool->available);
        g_autofree char *text = pool->active
                                    ? g_strdup_printf(_("%s (%s available)"), pool->name, free_text)
                                    : g_strdup_printf(_("%s (inactive)"), pool->name);

        gtk_combo_box_text_append(self->pool_combo, pool->name, text);
    }
    if (previous == NULL ||
        !gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->pool_combo), previous)) {
        if (!gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->pool_combo), "default"))
            gtk_combo_box_set_active(GTK_COMBO_BOX(self->pool_combo), 0);
    }
    self->setting = FALSE;
}

static void
on_host_changed(MarinaWizardHost *host, guint what, MarinaWizardStoragePage *self)
{
    const char *error = marina_wizard_host_get_pools_error(host);

    if (what & MARINA_WIZARD_HOST_CONNECTION) {
        marina_form_set_browse_local(self->existing_browse, marina_wizard_host_is_local(host));
        fill_pool_combo(self);
    }
    if (!(what & MARINA_WIZARD_HOST_POOLS) || (what & MARINA_WIZARD_HOST_CONNECTION))
        return;
    if (error != NULL) {
        marina_form_set_message(self->storage_error, error);
        return;
    }
    fill_pool_combo(self);
    if (marina_form_is_current_page(GTK_WIDGET(self)))
        check(self);
}

void
marina_wizard_storage_page_set_host(MarinaWizardStoragePage *self, MarinaWizardHost *host)
{
    g_return_if_fail(MARINA_IS_WIZARD_STORAGE_PAGE(self));
    g_return_if_fail(self->host == NULL);
    self->host = g_object_ref(host);
    g_signal_connect_object(host, "changed", G_CALLBACK(on_host_changed), self, 0);
}

/* ------------------------------------------------------------- signals */

static void
on_browse_clicked(GtkButton *button, MarinaWizardStoragePage *self)
{
    if (self->host != NULL && marina_wizard_host_is_local(self->host))
        marina_form_choose_file(GTK_WIDGET(self), self->existing_entry, FALSE);
}

static void
on_volumes_clicked(GtkButton *button, MarinaWizardStoragePage *self)
{
    marina_volume_picker_choose_into(GTK_WIDGET(button), self->host, self->existing_entry);
}

/* Check buttons, radio buttons and combos. */
static void
on_changed(MarinaWizardStoragePage *self, GtkWidget *widget)
{
    if (self->setting || gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (marina_form_is_current_page(GTK_WIDGET(self)))
        marina_wizard_storage_page_update(self);
}

static void
on_entry_changed(GtkEditable *editable, MarinaWizardStoragePage *self)
{
    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (GTK_WIDGET(editable) == GTK_WIDGET(self->size_spin) && !self->setting)
        self->disk_touched = TRUE;
    if (marina_form_is_current_page(GTK_WIDGET(self)))
        check(self);
}

static void
marina_wizard_storage_page_dispose(GObject *object)
{
    MarinaWizardStoragePage *self = MARINA_WIZARD_STORAGE_PAGE(object);

    g_clear_object(&self->host);
    G_OBJECT_CLASS(marina_wizard_storage_page_parent_class)->dispose(object);
}

static void
marina_wizard_storage_page_finalize(GObject *object)
{
    MarinaWizardStoragePage *self = MARINA_WIZARD_STORAGE_PAGE(object);

    g_free(self->import_path);
    G_OBJECT_CLASS(marina_wizard_storage_page_parent_class)->finalize(object);
}

static void
marina_wizard_storage_page_class_init(MarinaWizardStoragePageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_wizard_storage_page_dispose;
    object_class->finalize = marina_wizard_storage_page_finalize;
    signals[SIGNAL_BUSY] = g_signal_new("busy", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/wizard-storage-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaWizardStoragePage, name)
    BIND(storage_check);
    BIND(storage_box);
    BIND(new_disk_radio);
    BIND(new_disk_grid);
    BIND(pool_combo);
    BIND(size_spin);
    BIND(format_combo);
    BIND(allocate_check);
    BIND(existing_radio);
    BIND(existing_grid);
    BIND(existing_entry);
    BIND(existing_browse);
    BIND(existing_volumes);
    BIND(import_disk_label);
    BIND(storage_warning);
    BIND(storage_error);
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_changed);
    gtk_widget_class_bind_template_callback(widget_class, on_browse_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_volumes_clicked);
}

static void
marina_wizard_storage_page_init(MarinaWizardStoragePage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    marina_form_set_accessible_name(self->pool_combo, _("Storage pool"));
    marina_form_set_accessible_name(self->size_spin, _("Disk size (GiB)"));
    marina_form_set_accessible_name(self->format_combo, _("Disk format"));
    marina_form_set_accessible_name(self->existing_entry, _("Existing volume or path"));
    marina_form_set_accessible_name(self->import_disk_label, _("Imported disk"));
    marina_form_set_accessible_name(self->storage_warning, _("Storage warning"));
    marina_form_set_accessible_name(self->storage_error, _("Storage error"));

    gtk_combo_box_text_append(self->format_combo, "qcow2",
                              _("qcow2 (grows as it fills, snapshots)"));
    gtk_combo_box_text_append(self->format_combo, "raw", _("raw (plain, fastest)"));
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->format_combo), "qcow2");
    g_signal_connect(self->size_spin, "changed", G_CALLBACK(on_entry_changed), self);
    g_signal_connect(self->existing_entry, "changed", G_CALLBACK(on_entry_changed), self);
    marina_form_set_message(self->storage_warning, NULL);
    marina_form_set_message(self->storage_error, NULL);
    marina_form_set_message(self->import_disk_label, NULL);
}
