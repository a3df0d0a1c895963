/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-migrate"

#include "config.h"

#include "migrate-dialog.h"

#include <glib/gi18n.h>

#include "domain.h"
#include "error.h"
#include "form-util.h"
#include "host.h"
#include "migrate-figures.h"
#include "migration.h"
#include "ui-util.h"

/* The destination combo's id of "Another host (URI)". */
#define OTHER_HOST_ID ""

struct _MarinaMigrateDialog {
    GtkDialog parent_instance;

    MarinaConnectionManager *manager;
    MarinaConnectionEntry *source;
    MarinaGuest *guest;
    char *name;                         /* the guest's, for messages */
    char *uuid;                         /* the guest's, for finding it on the destination */
    MarinaConnectionEntry *destination; /* chosen, while it connects and the guest moves */
    MarinaMigrationOptions options;
    MarinaMigration *migration;
    GCancellable *cancellable; /* the run; Cancel cancels it */
    gboolean running;
    gboolean finished;
    gboolean definition_only; /* shut off: only its definition moves */
    gboolean disposed;

    GtkWidget *migrate_button;
    GtkWidget *cancel_button;
    GtkWidget *close_button;

    /* template children */
    GtkStack *stack;
    GtkLabel *guest_label;
    GtkLabel *source_label;
    GtkComboBoxText *destination_combo;
    GtkWidget *uri_caption;
    GtkEntry *uri_entry;
    GtkToggleButton *live_radio;
    GtkToggleButton *offline_radio;
    GtkToggleButton *tunnelled_check;
    GtkToggleButton *shared_radio;
    GtkToggleButton *copy_radio;
    GtkToggleButton *temporary_check;
    GtkExpander *advanced_expander;
    GtkSpinButton *downtime_spin;
    GtkSpinButton *bandwidth_spin;
    GtkToggleButton *auto_converge_check;
    GtkToggleButton *postcopy_check;
    GtkLabel *options_message;
    GtkLabel *stage_label;
    GtkProgressBar *progress_bar;
    GtkLabel *sent_value;
    GtkLabel *remaining_value;
    GtkLabel *speed_value;
    GtkLabel *dirty_value;
    GtkLabel *expected_value;
    GtkLabel *downtime_value;
    GtkLabel *result_label;
};

enum { SIGNAL_STARTED, SIGNAL_FINISHED, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaMigrateDialog, marina_migrate_dialog, GTK_TYPE_DIALOG)

static void start_migration(MarinaMigrateDialog *self);

/* ------------------------------------------------------------ the form */

static void
fill_destinations(MarinaMigrateDialog *self)
{
    GListModel *model = G_LIST_MODEL(self->manager);
    const char *active = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->destination_combo));
    g_autofree char *keep = g_strdup(active);
    guint n = 0;

    gtk_combo_box_text_remove_all(self->destination_combo);
    for (guint i = 0; i < g_list_model_get_n_items(model); i++) {
        g_autoptr(MarinaConnectionEntry) entry = g_list_model_get_item(model, i);

        if (entry == self->source || !marina_connection_entry_is_connected(entry))
            continue;
        gtk_combo_box_text_append(self->destination_combo, marina_connection_entry_get_uri(entry),
                                  marina_connection_entry_get_label(entry));
        n++;
    }
    gtk_combo_box_text_append(self->destination_combo, OTHER_HOST_ID, _("Another host (URI)…"));
    if (keep == NULL || !gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->destination_combo), keep))
        gtk_combo_box_set_active(GTK_COMBO_BOX(self->destination_combo), 0);
    (void)n;
}

static gboolean
other_host_chosen(MarinaMigrateDialog *self)
{
    return g_strcmp0(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->destination_combo)),
                     OTHER_HOST_ID) == 0;
}

static void
on_destination_changed(GtkComboBox *combo, MarinaMigrateDialog *self)
{
    gboolean other = other_host_chosen(self);

    (void)combo;
    gtk_widget_set_visible(self->uri_caption, other);
    gtk_widget_set_visible(GTK_WIDGET(self->uri_entry), other);
    marina_form_set_message(self->options_message, NULL);
}

static void
on_manager_changed(GListModel *model, guint position, guint removed, guint added,
                   MarinaMigrateDialog *self)
{
    (void)model;
    (void)position;
    (void)removed;
    (void)added;
    if (!self->running && !self->finished)
        fill_destinations(self);
}

static void
read_choices(MarinaMigrateDialog *self)
{
    MarinaMigrateChoices choices = {0};
    double value = 0;

    choices.offline = gtk_toggle_button_get_active(self->offline_radio);
    choices.tunnelled = gtk_toggle_button_get_active(self->tunnelled_check);
    choices.copy_storage = gtk_toggle_button_get_active(self->copy_radio);
    choices.temporary = gtk_toggle_button_get_active(self->temporary_check);
    choices.auto_converge = gtk_toggle_button_get_active(self->auto_converge_check);
    choices.postcopy = gtk_toggle_button_get_active(self->postcopy_check);
    /* What is typed counts even before the spin button takes it. */
    choices.max_downtime_ms = marina_form_spin_text_value(self->downtime_spin, &value) && value >= 1
                                  ? (guint64)value
                                  : MARINA_MIGRATE_DEFAULT_DOWNTIME_MS;
    choices.bandwidth_mibps =
        marina_form_spin_text_value(self->bandwidth_spin, &value) ? (guint64)value : 0;
    marina_migrate_choices_to_options(&choices, &self->options);
}

/* The entry the guest goes to (not reffed), or NULL with the reason shown. */
static MarinaConnectionEntry *
chosen_destination(MarinaMigrateDialog *self)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    g_autoptr(MarinaUri) uri = NULL;
    g_autofree char *canonical = NULL;
    MarinaConnectionEntry *entry;

    if (!other_host_chosen(self)) {
        entry = marina_connection_manager_lookup(
            self->manager, gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->destination_combo)));
        if (entry == NULL)
            marina_form_set_message(self->options_message,
                                    _("Choose the host to move the guest to."));
        return entry;
    }
    text = marina_form_entry_text(self->uri_entry);
    if (*text == '\0') {
        marina_form_set_message(self->options_message,
                                _("Type the URI of the host to move the guest to, e.g. "
                                  "marina+ssh://root@hostb/system."));
        gtk_widget_grab_focus(GTK_WIDGET(self->uri_entry));
        return NULL;
    }
    uri = marina_uri_parse(text, &error);
    if (uri == NULL) {
        marina_form_set_message(self->options_message, marina_error_message(error));
        gtk_widget_grab_focus(GTK_WIDGET(self->uri_entry));
        return NULL;
    }
    canonical = marina_uri_to_string(uri);
    entry = marina_connection_manager_lookup(self->manager, canonical);
    if (entry == self->source) {
        g_autofree char *message =
            g_strdup_printf(_("“%s” is already on %s: choose another host to move it to."),
                            self->name, marina_connection_entry_get_label(self->source));
        marina_form_set_message(self->options_message, message);
        return NULL;
    }
    /* A new host shows in the manager too, like one added there. */
    return entry != NULL ? entry : marina_connection_manager_add(self->manager, canonical);
}

/* ------------------------------------------------------------ progress */

static void
set_value(GtkLabel *label, char *text)
{
    gtk_label_set_text(label, text);
    g_free(text);
}

static void
show_figures(MarinaMigrateDialog *self, const MarinaJobInfo *info)
{
    g_autofree char *fraction_text = marina_migrate_progress_text(info);

    gtk_progress_bar_set_fraction(self->progress_bar, marina_migrate_progress_fraction(info));
    gtk_progress_bar_set_text(self->progress_bar, fraction_text);
    set_value(self->sent_value, marina_migrate_format_bytes(info->data_processed));
    set_value(self->remaining_value, marina_migrate_format_bytes(info->data_remaining));
    set_value(self->speed_value, marina_migrate_format_rate(info->memory_bps));
    set_value(self->dirty_value, marina_migrate_format_rate(info->dirty_rate));
    if (info->expected_downtime_ms > 0)
        set_value(self->expected_value, marina_migrate_format_ms(info->expected_downtime_ms));
    if (info->has_downtime)
        set_value(self->downtime_value, marina_migrate_format_ms(info->downtime_ms));
}

static void
on_progress(MarinaMigration *migration, const MarinaJobInfo *info, MarinaMigrateDialog *self)
{
    (void)migration;
    if (!self->disposed && info != NULL)
        show_figures(self, info);
}

static void
on_stage_changed(MarinaMigration *migration, MarinaMigrationStage stage, MarinaMigrateDialog *self)
{
    (void)migration;
    if (self->disposed || stage == MARINA_MIGRATION_STAGE_DONE)
        return;
    /* After Cancel, the stage says what is being undone, not what was being done. */
    if (g_cancellable_is_cancelled(self->cancellable) &&
        stage != MARINA_MIGRATION_STAGE_ROLLING_BACK)
        return;
    gtk_label_set_text(self->stage_label, marina_migrate_stage_text(stage));
    if (stage >= MARINA_MIGRATION_STAGE_FINISH && stage != MARINA_MIGRATION_STAGE_ROLLING_BACK)
        /* The destination has the guest: cancelling now would change nothing. */
        gtk_widget_set_sensitive(self->cancel_button, FALSE);
}

/* The run ended: the outcome stays shown until the dialog is closed. */
static void
show_outcome(MarinaMigrateDialog *self, const char *stage, const char *result, gboolean failed)
{
    GtkStyleContext *style = gtk_widget_get_style_context(GTK_WIDGET(self->result_label));

    self->running = FALSE;
    self->finished = TRUE;
    gtk_label_set_text(self->stage_label, stage);
    gtk_label_set_text(self->result_label, result);
    gtk_widget_show(GTK_WIDGET(self->result_label));
    if (failed)
        gtk_style_context_add_class(style, "error");
    gtk_widget_hide(self->cancel_button);
    gtk_widget_show(self->close_button);
    gtk_widget_grab_default(self->close_button);
    gtk_widget_grab_focus(self->close_button);
}

static void
finish_run(MarinaMigrateDialog *self, MarinaDomain *moved, const GError *error)
{
    const char *source = marina_connection_entry_get_label(self->source);
    g_autofree char *result = NULL;

    if (moved != NULL) {
        const MarinaJobInfo *info = marina_migration_get_job_info(self->migration);
        const char *destination = marina_connection_entry_get_label(self->destination);

        if (info != NULL)
            show_figures(self, info);
        gtk_progress_bar_set_fraction(self->progress_bar, 1);
        gtk_progress_bar_set_text(self->progress_bar, _("Done"));
        if (self->definition_only) {
            result = g_strdup_printf(_("“%s” is now defined on %s (shut off)."), self->name,
                                     destination);
        } else if (info != NULL && info->has_downtime) {
            g_autofree char *downtime = marina_migrate_format_ms(info->downtime_ms);
            result = g_strdup_printf(_("“%s” now runs on %s. It was paused for %s."), self->name,
                                     destination, downtime);
        } else {
            result = g_strdup_printf(_("“%s” is now on %s."), self->name, destination);
        }
        show_outcome(self, _("Migration complete"), result, FALSE);
        g_signal_emit(self, signals[SIGNAL_FINISHED], 0, self->destination, self->uuid);
        return;
    }
    if (marina_ui_is_cancelled(error)) {
        result = g_strdup_printf(_("Nothing was moved: “%s” goes on running on %s."), self->name,
                                 source);
        show_outcome(self, _("Migration cancelled"), result, FALSE);
    } else {
        /* The daemon's words name the problem and what to do. */
        g_debug("migration of '%s' failed: %s", self->name, error->message);
        result = g_strdup_printf(_("%s\n\n“%s” stays on %s."), marina_error_message(error),
                                 self->name, source);
        show_outcome(self, _("Migration failed"), result, TRUE);
    }
    g_signal_emit(self, signals[SIGNAL_FINISHED], 0, NULL, self->uuid);
}

static void
on_migrated(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigrateDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDomain) moved =
        marina_migration_run_finish(MARINA_MIGRATION(source), result, &error);

    if (!self->disposed)
        finish_run(self, moved, error);
}

static void
on_source_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaMigrateDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    MarinaDomain *domain = MARINA_DOMAIN(source);
    MarinaConnection *destination = marina_connection_entry_get_connection(self->destination);
    g_autoptr(MarinaHost) host = NULL;

    if (self->disposed)
        return;
    if (!marina_domain_load_finish(domain, result, &error)) {
        finish_run(self, NULL, error);
        return;
    }
    if (destination == NULL) {
        g_autoptr(GError) lost = g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                                             _("The connection to %s closed. Connect again."),
                                             marina_connection_entry_get_label(self->destination));
        finish_run(self, NULL, lost);
        return;
    }
    host = marina_host_new(destination);
    self->migration = marina_migration_new(domain, host, &self->options);
    g_signal_connect(self->migration, "progress", G_CALLBACK(on_progress), self);
    g_signal_connect(self->migration, "stage-changed", G_CALLBACK(on_stage_changed), self);
    marina_migration_run_async(self->migration, self->cancellable, on_migrated, g_object_ref(self));
}

/* Both hosts are connected: read the guest's properties (its name for the
 * daemons' messages), then move it. */
static void
start_migration(MarinaMigrateDialog *self)
{
    MarinaConnection *connection = marina_connection_entry_get_connection(self->source);
    g_autoptr(MarinaDomain) domain = NULL;

    g_signal_handlers_disconnect_by_data(self->destination, self);
    if (g_cancellable_is_cancelled(self->cancellable)) {
        g_autoptr(GError) cancelled =
            g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Migration cancelled"));
        finish_run(self, NULL, cancelled);
        return;
    }
    if (connection == NULL) {
        g_autoptr(GError) lost = g_error_new(MARINA_ERROR, MARINA_ERROR_NO_CONNECTION,
                                             _("The connection to %s closed. Connect again."),
                                             marina_connection_entry_get_label(self->source));
        finish_run(self, NULL, lost);
        return;
    }
    gtk_label_set_text(self->stage_label, marina_migrate_stage_text(MARINA_MIGRATION_STAGE_BEGIN));
    domain = marina_domain_new(connection, marina_guest_get_object_path(self->guest));
    marina_domain_load_async(domain, self->cancellable, on_source_loaded, g_object_ref(self));
}

static void
on_destination_state(MarinaConnectionEntry *entry, int old_state, MarinaMigrateDialog *self)
{
    (void)old_state;
    if (marina_connection_entry_is_connected(entry))
        start_migration(self);
}

static void
on_destination_failed(MarinaConnectionEntry *entry, GError *error, MarinaMigrateDialog *self)
{
    g_signal_handlers_disconnect_by_data(entry, self);
    finish_run(self, NULL, error);
}

static void
begin(MarinaMigrateDialog *self)
{
    MarinaConnectionEntry *entry;
    g_autofree char *connecting = NULL;

    marina_form_set_message(self->options_message, NULL);
    entry = chosen_destination(self);
    if (entry == NULL)
        return;
    read_choices(self);
    self->definition_only = !marina_guest_is_active(self->guest);
    self->destination = g_object_ref(entry);
    self->running = TRUE;
    self->cancellable = g_cancellable_new();
    gtk_widget_hide(self->migrate_button);
    gtk_progress_bar_set_fraction(self->progress_bar, 0);
    gtk_progress_bar_set_text(self->progress_bar, "");
    gtk_stack_set_visible_child_name(self->stack, "progress");
    gtk_window_set_title(GTK_WINDOW(self), _("Migrating"));
    g_signal_emit(self, signals[SIGNAL_STARTED], 0);
    if (marina_connection_entry_is_connected(entry)) {
        start_migration(self);
        return;
    }
    /* A host typed in, or one not connected yet: connect first. */
    connecting = g_strdup_printf(_("Connecting to %s…"), marina_connection_entry_get_label(entry));
    gtk_label_set_text(self->stage_label, connecting);
    g_signal_connect_object(entry, "state-changed", G_CALLBACK(on_destination_state), self, 0);
    g_signal_connect_object(entry, "connect-failed", G_CALLBACK(on_destination_failed), self, 0);
    marina_connection_entry_connect(entry);
}

static void
cancel_run(MarinaMigrateDialog *self)
{
    if (g_cancellable_is_cancelled(self->cancellable))
        return;
    gtk_label_set_text(self->stage_label, _("Cancelling…"));
    gtk_widget_set_sensitive(self->cancel_button, FALSE);
    g_cancellable_cancel(self->cancellable);
    /* Still connecting: there is nothing to undo. */
    if (self->migration == NULL && !marina_connection_entry_is_connected(self->destination))
        start_migration(self);
}

static void
marina_migrate_dialog_response(GtkDialog *dialog, int response)
{
    MarinaMigrateDialog *self = MARINA_MIGRATE_DIALOG(dialog);

    if (self->running) {
        /* Closing or Cancel while the guest moves: stop it; the outcome shows. */
        if (response == GTK_RESPONSE_CANCEL || response == GTK_RESPONSE_DELETE_EVENT)
            cancel_run(self);
        return;
    }
    if (response == GTK_RESPONSE_ACCEPT && !self->finished) {
        begin(self);
        return;
    }
    gtk_widget_destroy(GTK_WIDGET(self));
}

static gboolean
marina_migrate_dialog_delete_event(GtkWidget *widget, GdkEventAny *event)
{
    MarinaMigrateDialog *self = MARINA_MIGRATE_DIALOG(widget);

    (void)event;
    if (self->running) {
        cancel_run(self);
        return GDK_EVENT_STOP; /* it closes once the guest is safe */
    }
    return GDK_EVENT_PROPAGATE;
}

/* ------------------------------------------------------------ lifecycle */

MarinaMigrateDialog *
marina_migrate_dialog_new(GtkWindow *parent, MarinaConnectionManager *manager,
                          MarinaConnectionEntry *source, MarinaGuest *guest)
{
    MarinaMigrateDialog *self;
    g_autofree char *title = NULL;
    gboolean active;

    g_return_val_if_fail(MARINA_IS_CONNECTION_MANAGER(manager), NULL);
    g_return_val_if_fail(MARINA_IS_CONNECTION_ENTRY(source), NULL);
    g_return_val_if_fail(MARINA_IS_GUEST(guest), NULL);

    self = g_object_new(MARINA_TYPE_MIGRATE_DIALOG, "transient-for", parent, "use-header-bar", TRUE,
                        NULL);
    self->manager = g_object_ref(manager);
    self->source = g_object_ref(source);
    self->guest = g_object_ref(guest);
    self->name = g_strdup(marina_guest_get_name(guest));
    self->uuid = g_strdup(marina_guest_get_uuid(guest));
    title = g_strdup_printf(_("Migrate “%s”"), self->name);
    gtk_window_set_title(GTK_WINDOW(self), title);
    gtk_label_set_text(self->guest_label, self->name);
    gtk_label_set_text(self->source_label, marina_connection_entry_get_label(source));

    /* A shut-off guest: only its definition moves, for good. */
    active = marina_guest_is_active(guest);
    gtk_widget_set_sensitive(GTK_WIDGET(self->live_radio), active);
    gtk_widget_set_sensitive(GTK_WIDGET(self->offline_radio), active);
    gtk_widget_set_sensitive(GTK_WIDGET(self->temporary_check), active);
    gtk_widget_set_sensitive(GTK_WIDGET(self->advanced_expander), active);

    g_signal_connect_object(manager, "items-changed", G_CALLBACK(on_manager_changed), self, 0);
    fill_destinations(self);
    on_destination_changed(GTK_COMBO_BOX(self->destination_combo), self);
    return self;
}

static void
marina_migrate_dialog_dispose(GObject *object)
{
    MarinaMigrateDialog *self = MARINA_MIGRATE_DIALOG(object);

    self->disposed = TRUE;
    /* Going while the guest moves (the application quits): both sides roll back. */
    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    if (self->migration != NULL)
        g_signal_handlers_disconnect_by_data(self->migration, self);
    if (self->destination != NULL)
        g_signal_handlers_disconnect_by_data(self->destination, self);
    g_clear_object(&self->migration);
    g_clear_object(&self->destination);
    g_clear_object(&self->guest);
    g_clear_object(&self->source);
    g_clear_object(&self->manager);
    G_OBJECT_CLASS(marina_migrate_dialog_parent_class)->dispose(object);
}

static void
marina_migrate_dialog_finalize(GObject *object)
{
    MarinaMigrateDialog *self = MARINA_MIGRATE_DIALOG(object);

    g_clear_object(&self->cancellable);
    g_free(self->name);
    g_free(self->uuid);
    G_OBJECT_CLASS(marina_migrate_dialog_parent_class)->finalize(object);
}

static void
marina_migrate_dialog_class_init(MarinaMigrateDialogClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    GtkDialogClass *dialog_class = GTK_DIALOG_CLASS(klass);

    object_class->dispose = marina_migrate_dialog_dispose;
    object_class->finalize = marina_migrate_dialog_finalize;
    widget_class->delete_event = marina_migrate_dialog_delete_event;
    dialog_class->response = marina_migrate_dialog_response;

    signals[SIGNAL_STARTED] = g_signal_new("migration-started", G_TYPE_FROM_CLASS(klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_FINISHED] =
        g_signal_new("migration-finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 2, MARINA_TYPE_CONNECTION_ENTRY, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/migrate-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaMigrateDialog, name)
    BIND(stack);
    BIND(guest_label);
    BIND(source_label);
    BIND(destination_combo);
    BIND(uri_caption);
    BIND(uri_entry);
    BIND(live_radio);
    BIND(offline_radio);
    BIND(tunnelled_check);
    BIND(shared_radio);
    BIND(copy_radio);
    BIND(temporary_check);
    BIND(advanced_expander);
    BIND(downtime_spin);
    BIND(bandwidth_spin);
    BIND(auto_converge_check);
    BIND(postcopy_check);
    BIND(options_message);
    BIND(stage_label);
    BIND(progress_bar);
    BIND(sent_value);
    BIND(remaining_value);
    BIND(speed_value);
    BIND(dirty_value);
    BIND(expected_value);
    BIND(downtime_value);
    BIND(result_label);
#undef BIND
}

static void
name_widgets(MarinaMigrateDialog *self)
{
    const struct {
        gpointer widget;
        const char *name;
    } names[] = {
        {self->guest_label, _("Guest")},
        {self->source_label, _("Current host")},
        {self->destination_combo, _("Destination host")},
        {self->uri_entry, _("Destination URI")},
        {self->live_radio, _("Live")},
        {self->offline_radio, _("Offline")},
        {self->tunnelled_check, _("Tunnelled")},
        {self->shared_radio, _("Shared storage")},
        {self->copy_radio, _("Copy disks to the destination")},
        {self->temporary_check, _("Temporary move")},
        {self->advanced_expander, _("Advanced")},
        {self->downtime_spin, _("Maximum downtime (ms)")},
        {self->bandwidth_spin, _("Bandwidth limit (MiB/s)")},
        {self->auto_converge_check, _("Auto-converge")},
        {self->postcopy_check, _("Switch to post-copy")},
        {self->options_message, _("Problem")},
        {self->stage_label, _("Migration stage")},
        {self->progress_bar, _("Migration progress")},
        {self->sent_value, _("Data sent")},
        {self->remaining_value, _("Remaining")},
        {self->speed_value, _("Speed")},
        {self->dirty_value, _("Dirty rate")},
        {self->expected_value, _("Expected downtime")},
        {self->downtime_value, _("Downtime")},
        {self->result_label, _("Migration result")},
        {self->migrate_button, _("Migrate")},
        {self->cancel_button, _("Cancel")},
        {self->close_button, _("Close")},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
        marina_form_set_accessible_name(names[i].widget, names[i].name);
}

static void
marina_migrate_dialog_init(MarinaMigrateDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->options = (MarinaMigrationOptions)MARINA_MIGRATION_OPTIONS_INIT;
    self->cancel_button =
        gtk_dialog_add_button(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL);
    self->migrate_button =
        gtk_dialog_add_button(GTK_DIALOG(self), _("_Migrate"), GTK_RESPONSE_ACCEPT);
    self->close_button = gtk_dialog_add_button(GTK_DIALOG(self), _("C_lose"), GTK_RESPONSE_CLOSE);
    gtk_widget_hide(self->close_button);
    gtk_style_context_add_class(gtk_widget_get_style_context(self->migrate_button),
                                "suggested-action");
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
    name_widgets(self);
    g_signal_connect(self->destination_combo, "changed", G_CALLBACK(on_destination_changed), self);
    gtk_stack_set_visible_child_name(self->stack, "options");
}
