/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-add-pool"

#include "config.h"

#include "add-pool-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "form-util.h"
#include "host.h"
#include "pool-config.h"
#include "pool.h"
#include "ui-util.h"

struct _MarinaAddPoolDialog {
    GtkDialog parent_instance;

    MarinaConnection *connection;
    MarinaHost *host;
    GCancellable *cancellable;
    GStrv taken;
    gboolean local;
    gboolean busy;
    char *name;       /* of the pool being added */
    MarinaPool *pool; /* once defined */
    GtkWidget *add_button;

    /* template children */
    GtkEntry *name_entry;
    GtkComboBoxText *type_combo;
    GtkWidget *target_label;
    GtkEntry *target_entry;
    GtkWidget *browse_button;
    GtkWidget *device_label;
    GtkEntry *device_entry;
    GtkWidget *host_label;
    GtkEntry *host_entry;
    GtkWidget *export_label;
    GtkEntry *export_entry;
    GtkWidget *vg_label;
    GtkEntry *vg_entry;
    GtkToggleButton *start_check;
    GtkToggleButton *autostart_check;
    GtkSpinner *spinner;
    GtkLabel *error_label;
};

enum { SIGNAL_POOL_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaAddPoolDialog, marina_add_pool_dialog, GTK_TYPE_DIALOG)

static void
show_error(MarinaAddPoolDialog *self, const char *message)
{
    gtk_label_set_text(self->error_label, message != NULL ? message : "");
}

static const char *
pool_type(MarinaAddPoolDialog *self)
{
    const char *id = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->type_combo));

    return id != NULL ? id : "dir";
}

/* The name as typed: NULL when it is fine, else what is wrong with it
 * (an empty name is not an error yet, just incomplete). */
static char *
name_problem(MarinaAddPoolDialog *self, const char *name)
{
    g_autoptr(GError) error = NULL;

    if (*name == '\0')
        return NULL;
    if (!marina_storage_name_is_valid(name, _("pool"), &error))
        return g_strdup(error->message);
    if (self->taken != NULL && g_strv_contains((const char *const *)self->taken, name))
        return g_strdup_printf(_("A pool called '%s' already exists on this host; choose another "
                                 "name."),
                               name);
    return NULL;
}

static void
update_state(MarinaAddPoolDialog *self)
{
    g_autofree char *name = marina_form_entry_text(self->name_entry);
    g_autofree char *problem = name_problem(self, name);

    show_error(self, problem);
    gtk_widget_set_sensitive(self->add_button, !self->busy && *name != '\0' && problem == NULL);
}

static void
on_name_changed(GtkEditable *editable, MarinaAddPoolDialog *self)
{
    update_state(self);
}

/* Each type shows only the fields it uses. */
static void
on_type_changed(GtkComboBox *combo, MarinaAddPoolDialog *self)
{
    const char *type = pool_type(self);
    gboolean logical = g_str_equal(type, "logical");
    gboolean device = g_str_equal(type, "fs") || logical;
    gboolean netfs = g_str_equal(type, "netfs");

    gtk_widget_set_visible(self->target_label, !logical);
    gtk_widget_set_visible(GTK_WIDGET(self->target_entry), !logical);
    gtk_widget_set_visible(self->browse_button, !logical);
    gtk_widget_set_visible(self->device_label, device);
    gtk_widget_set_visible(GTK_WIDGET(self->device_entry), device);
    gtk_widget_set_visible(self->host_label, netfs);
    gtk_widget_set_visible(GTK_WIDGET(self->host_entry), netfs);
    gtk_widget_set_visible(self->export_label, netfs);
    gtk_widget_set_visible(GTK_WIDGET(self->export_entry), netfs);
    gtk_widget_set_visible(self->vg_label, logical);
    gtk_widget_set_visible(GTK_WIDGET(self->vg_entry), logical);
    gtk_label_set_text_with_mnemonic(GTK_LABEL(self->device_label),
                                     logical ? _("Physical _volume (optional)")
                                             : _("Source _device"));
    marina_form_set_accessible_name(self->device_entry,
                                    logical ? _("Physical volume") : _("Source device"));
    update_state(self);
}

static void
on_folder_response(GtkDialog *chooser, int response, MarinaAddPoolDialog *self)
{
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autofree char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
        if (path != NULL)
            gtk_entry_set_text(self->target_entry, path);
    }
    gtk_widget_destroy(GTK_WIDGET(chooser));
}

static void
on_browse(GtkButton *button, MarinaAddPoolDialog *self)
{
    GtkWidget *chooser = gtk_file_chooser_dialog_new(
        _("Choose the Pool's Directory"), GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
        _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Select"), GTK_RESPONSE_ACCEPT, NULL);
    g_autofree char *current = marina_form_entry_text(self->target_entry);

    gtk_window_set_modal(GTK_WINDOW(chooser), TRUE);
    gtk_file_chooser_set_create_folders(GTK_FILE_CHOOSER(chooser), TRUE);
    if (*current != '\0' && g_file_test(current, G_FILE_TEST_IS_DIR))
        gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(chooser), current);
    g_signal_connect(chooser, "response", G_CALLBACK(on_folder_response), self);
    gtk_window_present(GTK_WINDOW(chooser));
}

/* Builds the pool from the fields; NULL (with @message for people) when
 * something is missing or wrong. */
static MarinaPoolConfig *
build_config(MarinaAddPoolDialog *self, char **message)
{
    g_autoptr(MarinaPoolConfig) config = g_new0(MarinaPoolConfig, 1);
    g_autoptr(GError) error = NULL;
    g_autofree char *problem = NULL;
    const char *type = pool_type(self);

    config->type = g_strdup(type);
    config->name = marina_form_entry_text(self->name_entry);
    if (*config->name == '\0') {
        *message = g_strdup(_("Enter a name for the pool."));
        return NULL;
    }
    if ((problem = name_problem(self, config->name)) != NULL) {
        *message = g_steal_pointer(&problem);
        return NULL;
    }
    if (g_str_equal(type, "logical")) {
        config->source_name = marina_form_entry_text(self->vg_entry);
        config->source_device = marina_form_entry_text(self->device_entry);
        if (*config->source_name == '\0') {
            *message = g_strdup(_("Enter the name of the LVM volume group, e.g. vg0."));
            return NULL;
        }
        if (*config->source_device == '\0')
            g_clear_pointer(&config->source_device, g_free);
        /* Its volumes appear under /dev/<group>. */
        config->target_path = g_build_filename("/dev", config->source_name, NULL);
    } else {
        config->target_path = marina_form_entry_text(self->target_entry);
        if (*config->target_path == '\0' || !g_path_is_absolute(config->target_path)) {
            *message = g_strdup(_("Enter the pool's target path as an absolute path, e.g. "
                                  "/var/lib/marina/images."));
            return NULL;
        }
    }
    if (g_str_equal(type, "fs")) {
        config->source_device = marina_form_entry_text(self->device_entry);
        if (!g_path_is_absolute(config->source_device)) {
            *message = g_strdup(_("Enter the block device that holds the file system, e.g. "
                                  "/dev/sdb1."));
            return NULL;
        }
    } else if (g_str_equal(type, "netfs")) {
        config->source_host = marina_form_entry_text(self->host_entry);
        config->source_dir = marina_form_entry_text(self->export_entry);
        config->source_format = g_strdup("nfs");
        if (*config->source_host == '\0' || strpbrk(config->source_host, " \t/") != NULL) {
            *message = g_strdup(_("Enter the host name of the NFS server, e.g. nfs.example.org."));
            return NULL;
        }
        if (!g_path_is_absolute(config->source_dir)) {
            *message = g_strdup(_("Enter the exported directory as an absolute path, e.g. "
                                  "/export/images."));
            return NULL;
        }
    }
    if (!marina_pool_config_validate(config, &error)) {
        *message = g_strdup(marina_error_message(error));
        return NULL;
    }
    return g_steal_pointer(&config);
}

static void
set_busy(MarinaAddPoolDialog *self, gboolean busy)
{
    self->busy = busy;
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), busy);
    if (busy)
        gtk_spinner_start(self->spinner);
    else
        gtk_spinner_stop(self->spinner);
    update_state(self);
}

/* Ends a step that failed: the dialog stays open with the reason. */
static void
fail(MarinaAddPoolDialog *self, const char *format, const GError *error)
{
    g_autofree char *message = NULL;

    g_debug("adding pool %s: %s", self->name, error->message);
    message = g_strdup_printf(format, self->name, marina_error_message(error));
    set_busy(self, FALSE);
    show_error(self, message);
}

/* Ends a step: TRUE when it succeeded, else the failure is said with
 * @format (which takes the pool's name and the reason), unless cancelled. */
static gboolean
step_succeeded(MarinaAddPoolDialog *self, gboolean ok, GError *error, const char *format)
{
    if (!ok && !marina_ui_is_cancelled(error))
        fail(self, format, error);
    return ok;
}

static void
done(MarinaAddPoolDialog *self)
{
    set_busy(self, FALSE);
    g_signal_emit(self, signals[SIGNAL_POOL_ADDED], 0, self->name);
    gtk_widget_destroy(GTK_WIDGET(self));
}

static void
on_autostart_set(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddPoolDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    gboolean ok = marina_pool_set_autostart_finish(MARINA_POOL(source), result, &error);

    if (step_succeeded(
            self, ok, error,
            _("Pool '%s' was added, but it could not be set to start automatically: %s")))
        done(self);
}

static void
set_autostart(MarinaAddPoolDialog *self)
{
    if (!gtk_toggle_button_get_active(self->autostart_check)) {
        done(self);
        return;
    }
    marina_pool_set_autostart_async(self->pool, TRUE, self->cancellable, on_autostart_set,
                                    g_object_ref(self));
}

static void
on_started(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddPoolDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    gboolean ok = marina_pool_start_finish(MARINA_POOL(source), result, &error);

    if (step_succeeded(self, ok, error, _("Pool '%s' was added but could not be started: %s")))
        set_autostart(self);
}

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddPoolDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaPool) pool =
        marina_host_define_pool_finish(MARINA_HOST(source), result, &error);

    if (!step_succeeded(self, pool != NULL, error, _("Pool '%s' could not be added: %s")))
        return;
    g_set_object(&self->pool, pool);
    if (!gtk_toggle_button_get_active(self->start_check)) {
        set_autostart(self);
        return;
    }
    marina_pool_start_async(self->pool, self->cancellable, on_started, g_object_ref(self));
}

static void
on_response(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaAddPoolDialog *self = MARINA_ADD_POOL_DIALOG(dialog);
    g_autoptr(MarinaPoolConfig) config = NULL;
    g_autofree char *message = NULL;
    g_autofree char *xml = NULL;

    if (response != GTK_RESPONSE_ACCEPT) {
        gtk_widget_destroy(GTK_WIDGET(dialog));
        return;
    }
    if (self->busy)
        return;
    if ((config = build_config(self, &message)) == NULL) {
        show_error(self, message);
        return;
    }
    if (marina_connection_is_closed(self->connection)) {
        show_error(self, _("The connection to the host is closed. Reconnect, then try again."));
        return;
    }
    g_free(self->name);
    self->name = g_strdup(config->name);
    xml = marina_pool_config_format(config);
    show_error(self, NULL);
    set_busy(self, TRUE);
    marina_host_define_pool_async(self->host, xml, self->cancellable, on_defined,
                                  g_object_ref(self));
}

static void
marina_add_pool_dialog_dispose(GObject *object)
{
    MarinaAddPoolDialog *self = MARINA_ADD_POOL_DIALOG(object);

    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->connection);
    g_clear_object(&self->host);
    g_clear_object(&self->pool);
    G_OBJECT_CLASS(marina_add_pool_dialog_parent_class)->dispose(object);
}

static void
marina_add_pool_dialog_finalize(GObject *object)
{
    MarinaAddPoolDialog *self = MARINA_ADD_POOL_DIALOG(object);

    g_clear_object(&self->cancellable);
    g_strfreev(self->taken);
    g_free(self->name);
    G_OBJECT_CLASS(marina_add_pool_dialog_parent_class)->finalize(object);
}

static void
marina_add_pool_dialog_class_init(MarinaAddPoolDialogClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_add_pool_dialog_dispose;
    object_class->finalize = marina_add_pool_dialog_finalize;

    signals[SIGNAL_POOL_ADDED] =
        g_signal_new("pool-added", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/add-pool-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, name_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, type_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, target_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, target_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, browse_button);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, device_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, device_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, host_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, host_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, export_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, export_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, vg_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, vg_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, start_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, autostart_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, spinner);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddPoolDialog, error_label);
}

static void
marina_add_pool_dialog_init(MarinaAddPoolDialog *self)
{
    GtkWidget *cancel;

    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();

    cancel = gtk_dialog_add_button(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL);
    self->add_button = gtk_dialog_add_button(GTK_DIALOG(self), _("_Add"), GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(self->add_button), "suggested-action");
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);

    marina_form_set_accessible_name(cancel, _("Cancel"));
    marina_form_set_accessible_name(self->add_button, _("Add"));
    marina_form_set_accessible_name(self->name_entry, _("Pool name"));
    marina_form_set_accessible_name(self->type_combo, _("Pool type"));
    marina_form_set_accessible_name(self->target_entry, _("Target path"));
    marina_form_set_accessible_name(self->browse_button, _("Browse for the target path"));
    marina_form_set_accessible_name(self->device_entry, _("Source device"));
    marina_form_set_accessible_name(self->host_entry, _("NFS host"));
    marina_form_set_accessible_name(self->export_entry, _("Export path"));
    marina_form_set_accessible_name(self->vg_entry, _("Volume group"));
    marina_form_set_accessible_name(self->start_check, _("Start the pool now"));
    marina_form_set_accessible_name(self->autostart_check, _("Start automatically"));

    g_signal_connect(self->name_entry, "changed", G_CALLBACK(on_name_changed), self);
    g_signal_connect(self->type_combo, "changed", G_CALLBACK(on_type_changed), self);
    g_signal_connect(self->browse_button, "clicked", G_CALLBACK(on_browse), self);
    g_signal_connect(self, "response", G_CALLBACK(on_response), NULL);
}

MarinaAddPoolDialog *
marina_add_pool_dialog_new(GtkWindow *parent, MarinaConnection *connection,
                           const char *const *taken, gboolean local)
{
    MarinaAddPoolDialog *self;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    self = g_object_new(MARINA_TYPE_ADD_POOL_DIALOG, "transient-for", parent, "use-header-bar",
                        TRUE, NULL);
    self->connection = g_object_ref(connection);
    self->host = marina_host_new(connection);
    self->taken = g_strdupv((char **)taken);
    self->local = local;
    /* A remote host's folders are not this computer's: type the path there. */
    gtk_widget_set_sensitive(self->browse_button, local);
    if (!local)
        gtk_widget_set_tooltip_text(self->browse_button,
                                    _("The host is remote: type the path on the host."));
    on_type_changed(GTK_COMBO_BOX(self->type_combo), self);
    set_busy(self, FALSE);
    return self;
}
