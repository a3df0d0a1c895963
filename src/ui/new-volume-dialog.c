/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-new-volume"

#include "config.h"

#include "new-volume-dialog.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "form-util.h"
#include "pool-config.h"
#include "pool.h"
#include "ui-util.h"
#include "volume-config.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

struct _MarinaNewVolumeDialog {
    GtkDialog parent_instance;

    MarinaConnection *connection;
    MarinaPool *pool;
    GCancellable *cancellable; /* the dialog's lifetime: closing it cancels the job */
    gboolean closed;
    char *pool_name;
    guint64 available;
    GStrv taken;
    char *name;            /* of the volume being created */
    MarinaJobWatcher *job; /* while it is written */
    gboolean busy;
    gboolean cancelling;
    GtkWidget *create_button;

    /* template children */
    GtkLabel *pool_label;
    GtkEntry *name_entry;
    GtkComboBoxText *format_combo;
    GtkSpinButton *capacity_spin;
    GtkLabel *free_label;
    GtkToggleButton *allocate_check;
    GtkProgressBar *progress_bar;
    GtkLabel *error_label;
};

enum { SIGNAL_VOLUME_CREATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaNewVolumeDialog, marina_new_volume_dialog, GTK_TYPE_DIALOG)

static void
show_error(MarinaNewVolumeDialog *self, const char *message)
{
    gtk_label_set_text(self->error_label, message != NULL ? message : "");
}

/* The capacity as typed (the spin button's value follows its text only when
 * it is activated or loses focus): bytes, or 0 when it is not a number. */
static guint64
typed_capacity(MarinaNewVolumeDialog *self)
{
    g_autofree char *text =
        g_strstrip(g_strdup(gtk_entry_get_text(GTK_ENTRY(self->capacity_spin))));
    char *end = NULL;
    double gib;

    g_strdelimit(text, ",", '.'); /* a decimal comma, as many locales write it */
    gib = g_ascii_strtod(text, &end);
    if (*text == '\0' || end == NULL || *end != '\0' || !isfinite(gib) || gib <= 0)
        return 0;
    if (gib * GIB >= (double)MARINA_VOLUME_MAX_CAPACITY * 2)
        return MARINA_VOLUME_MAX_CAPACITY + 1;
    return (guint64)(gib * GIB + 0.5);
}

/* What is wrong with the fields, for people; NULL when nothing. An empty
 * name is incomplete rather than wrong (@complete says which). */
static char *
check_fields(MarinaNewVolumeDialog *self, gboolean *complete)
{
    g_autofree char *name = g_strstrip(g_strdup(gtk_entry_get_text(self->name_entry)));
    g_autoptr(GError) error = NULL;
    guint64 capacity = typed_capacity(self);
    gboolean allocate = gtk_toggle_button_get_active(self->allocate_check);

    *complete = *name != '\0';
    if (*name != '\0' && !marina_storage_name_is_valid(name, _("volume"), &error))
        return g_strdup(error->message);
    if (*name != '\0' && self->taken != NULL &&
        g_strv_contains((const char *const *)self->taken, name))
        return g_strdup_printf(_("Pool '%s' already has a volume called '%s'; choose another "
                                 "name."),
                               self->pool_name, name);
    if (capacity == 0)
        return g_strdup(_("Enter the capacity in GiB, e.g. 10 or 2.5."));
    if (capacity > MARINA_VOLUME_MAX_CAPACITY)
        return g_strdup(_("The capacity is larger than 1 PiB; check the size."));
    if (allocate && capacity > self->available) {
        g_autofree char *want = marina_ui_format_bytes(capacity);
        g_autofree char *free_text = marina_ui_format_bytes(self->available);
        return g_strdup_printf(_("Pool '%s' has only %s free, not the %s to allocate now. Make "
                                 "the volume smaller, or do not allocate it all now."),
                               self->pool_name, free_text, want);
    }
    return NULL;
}

static void
update_free_label(MarinaNewVolumeDialog *self)
{
    g_autofree char *free_text = marina_ui_format_bytes(self->available);
    g_autofree char *text = NULL;
    guint64 capacity = typed_capacity(self);

    if (capacity > self->available && capacity <= MARINA_VOLUME_MAX_CAPACITY &&
        !gtk_toggle_button_get_active(self->allocate_check))
        /* Allowed, as a sparse volume only takes what the guest writes. */
        text = g_strdup_printf(_("%s free in the pool. The volume is larger: it can fill the "
                                 "pool as the guest writes to it."),
                               free_text);
    else
        text = g_strdup_printf(_("%s free in the pool"), free_text);
    gtk_label_set_text(self->free_label, text);
}

static void
update_state(MarinaNewVolumeDialog *self)
{
    gboolean complete = FALSE;
    g_autofree char *problem = check_fields(self, &complete);

    if (!self->busy)
        show_error(self, problem);
    update_free_label(self);
    gtk_widget_set_sensitive(self->create_button, !self->busy && complete && problem == NULL);
    gtk_widget_set_sensitive(GTK_WIDGET(self->name_entry), !self->busy);
    gtk_widget_set_sensitive(GTK_WIDGET(self->format_combo), !self->busy);
    gtk_widget_set_sensitive(GTK_WIDGET(self->capacity_spin), !self->busy);
    gtk_widget_set_sensitive(GTK_WIDGET(self->allocate_check), !self->busy);
}

static void
on_field_changed(gpointer widget, MarinaNewVolumeDialog *self)
{
    update_state(self);
}

static void
set_busy(MarinaNewVolumeDialog *self, gboolean busy)
{
    self->busy = busy;
    self->cancelling = FALSE;
    if (busy) {
        gtk_progress_bar_set_fraction(self->progress_bar, 0);
        gtk_progress_bar_set_text(self->progress_bar, _("Creating…"));
    }
    gtk_widget_set_visible(GTK_WIDGET(self->progress_bar), busy);
    update_state(self);
}

static void
clear_job(MarinaNewVolumeDialog *self)
{
    if (self->job != NULL)
        g_signal_handlers_disconnect_by_data(self->job, self);
    g_clear_object(&self->job);
}

static void
fail(MarinaNewVolumeDialog *self, const char *message)
{
    g_autofree char *text =
        g_strdup_printf(_("Volume '%s' could not be created: %s"), self->name, message);

    clear_job(self);
    set_busy(self, FALSE);
    show_error(self, text);
}

static void
update_progress(MarinaNewVolumeDialog *self)
{
    guint64 total = marina_job_watcher_get_total(self->job);
    guint64 done = marina_job_watcher_get_processed(self->job);
    g_autofree char *d = marina_ui_format_bytes(done);
    g_autofree char *t = marina_ui_format_bytes(total);
    g_autofree char *text = NULL;

    if (total == 0) {
        gtk_progress_bar_pulse(self->progress_bar);
        return;
    }
    gtk_progress_bar_set_fraction(self->progress_bar, MIN((double)done / (double)total, 1.0));
    /* Translators: progress of writing a volume, e.g. "1.0 GiB of 4.0 GiB written" */
    text = g_strdup_printf(_("%s of %s written"), d, t);
    gtk_progress_bar_set_text(self->progress_bar, self->cancelling ? _("Cancelling…") : text);
}

static void
on_job_progress(MarinaJobWatcher *job, guint64 processed, guint64 total, const char *phase,
                MarinaNewVolumeDialog *self)
{
    update_progress(self);
}

static void
on_job_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVolumeDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    gboolean ok = marina_job_watcher_wait_finish(MARINA_JOB_WATCHER(source), result, &error);

    if (self->closed)
        return; /* closed with its parent: the job was cancelled */
    if (ok) {
        clear_job(self);
        set_busy(self, FALSE);
        g_signal_emit(self, signals[SIGNAL_VOLUME_CREATED], 0, self->name);
        gtk_widget_destroy(GTK_WIDGET(self));
    } else if (marina_ui_is_cancelled(error) || self->cancelling) {
        /* Cancel was asked for: the daemon removed the partial file. */
        clear_job(self);
        gtk_widget_destroy(GTK_WIDGET(self));
    } else {
        fail(self, marina_error_message(error));
    }
}

static void
on_created(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVolumeDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaJobWatcher) job = NULL;
    g_autoptr(MarinaVolume) volume =
        marina_pool_create_volume_finish(MARINA_POOL(source), result, &job, &error);

    if (volume == NULL) {
        if (!marina_ui_is_cancelled(error) && !self->closed) {
            g_debug("CreateVolume %s: %s", self->name, error->message);
            fail(self, marina_error_message(error));
        }
        return;
    }
    if (self->closed)
        return;
    self->job = g_steal_pointer(&job);
    g_signal_connect(self->job, "progress", G_CALLBACK(on_job_progress), self);
    if (self->cancelling)
        marina_job_watcher_cancel_async(self->job, NULL, NULL, NULL);
    /* Closing the dialog cancels the wait, and with it the job. */
    marina_job_watcher_wait_async(self->job, self->cancellable, on_job_done, g_object_ref(self));
    update_progress(self);
}

static void
create(MarinaNewVolumeDialog *self)
{
    g_autoptr(MarinaVolumeConfig) config = g_new0(MarinaVolumeConfig, 1);
    g_autofree char *problem = NULL;
    g_autofree char *xml = NULL;
    gboolean complete = FALSE;

    problem = check_fields(self, &complete);
    if (problem == NULL && !complete)
        problem = g_strdup(_("Enter a name for the volume."));
    if (problem != NULL) {
        show_error(self, problem);
        return;
    }
    if (marina_connection_is_closed(self->connection)) {
        show_error(self, _("The connection to the host is closed. Reconnect, then try again."));
        return;
    }
    config->name = g_strstrip(g_strdup(gtk_entry_get_text(self->name_entry)));
    config->format = g_strdup(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->format_combo)));
    config->capacity = typed_capacity(self);
    config->has_allocation = TRUE;
    config->allocation = gtk_toggle_button_get_active(self->allocate_check) ? config->capacity : 0;
    g_free(self->name);
    self->name = g_strdup(config->name);
    xml = marina_volume_config_format(config);
    show_error(self, NULL);
    set_busy(self, TRUE);
    marina_pool_create_volume_async(self->pool, xml, self->cancellable, on_created,
                                    g_object_ref(self));
}

/* Cancel while writing stops the job; the dialog closes when it has. */
static void
cancel_job(MarinaNewVolumeDialog *self)
{
    self->cancelling = TRUE;
    gtk_progress_bar_set_text(self->progress_bar, _("Cancelling…"));
    if (self->job != NULL)
        marina_job_watcher_cancel_async(self->job, NULL, NULL, NULL);
}

static void
on_response(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaNewVolumeDialog *self = MARINA_NEW_VOLUME_DIALOG(dialog);

    if (response == GTK_RESPONSE_ACCEPT) {
        if (!self->busy)
            create(self);
        return;
    }
    if (self->busy) {
        cancel_job(self);
        return;
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static gboolean
on_delete_event(GtkWidget *widget, GdkEvent *event, gpointer user_data)
{
    MarinaNewVolumeDialog *self = MARINA_NEW_VOLUME_DIALOG(widget);

    if (!self->busy)
        return GDK_EVENT_PROPAGATE;
    cancel_job(self);
    return GDK_EVENT_STOP;
}

static void
marina_new_volume_dialog_dispose(GObject *object)
{
    MarinaNewVolumeDialog *self = MARINA_NEW_VOLUME_DIALOG(object);

    /* Closed with its parent while writing: cancelling the wait cancels the
     * job, so it is not left running. */
    self->closed = TRUE;
    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    clear_job(self);
    g_clear_object(&self->pool);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(marina_new_volume_dialog_parent_class)->dispose(object);
}

static void
marina_new_volume_dialog_finalize(GObject *object)
{
    MarinaNewVolumeDialog *self = MARINA_NEW_VOLUME_DIALOG(object);

    g_clear_object(&self->cancellable);
    g_free(self->pool_name);
    g_free(self->name);
    g_strfreev(self->taken);
    G_OBJECT_CLASS(marina_new_volume_dialog_parent_class)->finalize(object);
}

static void
marina_new_volume_dialog_class_init(MarinaNewVolumeDialogClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_new_volume_dialog_dispose;
    object_class->finalize = marina_new_volume_dialog_finalize;

    signals[SIGNAL_VOLUME_CREATED] =
        g_signal_new("volume-created", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/new-volume-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaNewVolumeDialog, pool_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaNewVolumeDialog, name_entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaNewVolumeDialog, format_combo);
    gtk_widget_class_bind_template_child(widget_class, MarinaNewVolumeDialog, capacity_spin);
    gtk_widget_class_bind_template_child(widget_class, MarinaNewVolumeDialog, free_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaNewVolumeDialog, allocate_check);
    gtk_widget_class_bind_template_child(widget_class, MarinaNewVolumeDialog, progress_bar);
    gtk_widget_class_bind_template_child(widget_class, MarinaNewVolumeDialog, error_label);
}

static void
marina_new_volume_dialog_init(MarinaNewVolumeDialog *self)
{
    GtkWidget *cancel;

    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();

    cancel = gtk_dialog_add_button(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL);
    self->create_button =
        gtk_dialog_add_button(GTK_DIALOG(self), _("C_reate"), GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(self->create_button),
                                "suggested-action");
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);

    marina_form_set_accessible_name(cancel, _("Cancel"));
    marina_form_set_accessible_name(self->create_button, _("Create"));
    marina_form_set_accessible_name(self->name_entry, _("Volume name"));
    marina_form_set_accessible_name(self->format_combo, _("Format"));
    marina_form_set_accessible_name(self->capacity_spin, _("Capacity in GiB"));
    marina_form_set_accessible_name(self->allocate_check, _("Allocate entire volume now"));
    marina_form_set_accessible_name(self->progress_bar, _("Progress"));

    g_signal_connect(self->name_entry, "changed", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->capacity_spin, "changed", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->allocate_check, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self, "response", G_CALLBACK(on_response), NULL);
    g_signal_connect(self, "delete-event", G_CALLBACK(on_delete_event), NULL);
}

MarinaNewVolumeDialog *
marina_new_volume_dialog_new(GtkWindow *parent, MarinaConnection *connection, const char *pool_path,
                             const char *pool_name, guint64 available, const char *const *taken)
{
    MarinaNewVolumeDialog *self;
    g_autofree char *text = NULL;

    g_return_val_if_fail(MARINA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(pool_path != NULL && pool_name != NULL, NULL);
    self = g_object_new(MARINA_TYPE_NEW_VOLUME_DIALOG, "transient-for", parent, "use-header-bar",
                        TRUE, NULL);
    self->connection = g_object_ref(connection);
    self->pool = marina_pool_new(connection, pool_path);
    self->pool_name = g_strdup(pool_name);
    self->available = available;
    self->taken = g_strdupv((char **)taken);
    text = g_strdup_printf(_("A new volume in pool '%s'."), pool_name);
    gtk_label_set_text(self->pool_label, text);
    /* A size that fits: 10 GiB, or what the pool still holds. */
    if (available > 0 && available < 10 * GIB)
        gtk_spin_button_set_value(self->capacity_spin,
                                  MAX((double)(guint64)(available / GIB * 100) / 100, 0.01));
    update_state(self);
    return self;
}
