/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-ssh-question"

#include "config.h"

#include "ssh-question-dialog.h"

#include <glib/gi18n.h>

struct _MarinaSshQuestionDialog {
    GtkDialog parent_instance;

    MarinaAskpassKind kind;

    /* template children */
    GtkImage *icon;
    GtkLabel *heading_label;
    GtkLabel *detail_label;
    GtkLabel *fingerprint_label;
    GtkEntry *entry;
    GtkToggleButton *remember_check;
};

G_DEFINE_FINAL_TYPE(MarinaSshQuestionDialog, marina_ssh_question_dialog, GTK_TYPE_DIALOG)

static void
marina_ssh_question_dialog_class_init(MarinaSshQuestionDialogClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/ssh-question-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaSshQuestionDialog, icon);
    gtk_widget_class_bind_template_child(widget_class, MarinaSshQuestionDialog, heading_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaSshQuestionDialog, detail_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaSshQuestionDialog, fingerprint_label);
    gtk_widget_class_bind_template_child(widget_class, MarinaSshQuestionDialog, entry);
    gtk_widget_class_bind_template_child(widget_class, MarinaSshQuestionDialog, remember_check);
}

static void
marina_ssh_question_dialog_init(MarinaSshQuestionDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

static void
set_accessible_name(GtkWidget *widget, const char *name)
{
    atk_object_set_name(gtk_widget_get_accessible(widget), name);
}

/* A secret typed into a masked entry: password, passphrase or another. */
static void
ask_secret(MarinaSshQuestionDialog *self, MarinaAskpassQuestion *question, const char *label,
           gboolean refused, gboolean offer_remember)
{
    g_autofree char *heading = NULL;
    const char *what;

    switch (self->kind) {
    case MARINA_ASKPASS_KIND_PASSWORD:
        heading = g_strdup_printf(_("Password for %s"), label);
        what = _("Password");
        break;
    case MARINA_ASKPASS_KIND_PASSPHRASE:
        heading = g_strdup_printf(_("Passphrase for the SSH key of %s"), label);
        what = _("Passphrase");
        gtk_image_set_from_icon_name(self->icon, "channel-secure-symbolic", GTK_ICON_SIZE_DIALOG);
        break;
    default:
        heading = g_strdup_printf(_("SSH asks a question for %s"), label);
        what = _("Answer");
        break;
    }
    gtk_window_set_title(GTK_WINDOW(self), heading);
    gtk_label_set_text(self->heading_label,
                       refused ? _("The password was refused. Type it again.") : heading);
    /* ssh's own words, which name the user and the key file. */
    gtk_label_set_text(self->detail_label, marina_askpass_question_get_prompt(question));
    set_accessible_name(GTK_WIDGET(self->entry), what);
    gtk_widget_show(GTK_WIDGET(self->entry));
    gtk_widget_set_visible(GTK_WIDGET(self->remember_check), offer_remember);
    gtk_dialog_add_buttons(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Log In"),
                           GTK_RESPONSE_ACCEPT, NULL);
    gtk_widget_grab_focus(GTK_WIDGET(self->entry));
}

static void
ask_host_key(MarinaSshQuestionDialog *self, MarinaAskpassQuestion *question, const char *label)
{
    const char *host = marina_askpass_question_get_host(question);
    const char *fingerprint = marina_askpass_question_get_fingerprint(question);
    g_autofree char *heading =
        g_strdup_printf(_("Unknown host key of %s"), host != NULL ? host : label);

    gtk_window_set_title(GTK_WINDOW(self), heading);
    gtk_image_set_from_icon_name(self->icon, "dialog-warning-symbolic", GTK_ICON_SIZE_DIALOG);
    gtk_label_set_text(self->heading_label, heading);
    if (fingerprint != NULL) {
        gtk_label_set_text(self->detail_label,
                           _("This computer has never connected to this host. Compare the "
                             "fingerprint below with the one its administrator gives you; accept "
                             "only if they are the same. Its key will be remembered."));
        gtk_label_set_text(self->fingerprint_label, fingerprint);
        set_accessible_name(GTK_WIDGET(self->fingerprint_label), _("Fingerprint"));
        gtk_widget_show(GTK_WIDGET(self->fingerprint_label));
    } else {
        /* A question we could not take apart: show ssh's own words. */
        gtk_label_set_text(self->detail_label, marina_askpass_question_get_prompt(question));
    }
    gtk_dialog_add_buttons(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Accept"),
                           GTK_RESPONSE_ACCEPT, NULL);
}

static void
ask_confirm(MarinaSshQuestionDialog *self, MarinaAskpassQuestion *question, const char *label)
{
    g_autofree char *heading = g_strdup_printf(_("SSH asks for %s"), label);

    gtk_window_set_title(GTK_WINDOW(self), heading);
    gtk_image_set_from_icon_name(self->icon, "dialog-question-symbolic", GTK_ICON_SIZE_DIALOG);
    gtk_label_set_text(self->heading_label, heading);
    gtk_label_set_text(self->detail_label, marina_askpass_question_get_prompt(question));
    gtk_dialog_add_buttons(GTK_DIALOG(self), _("_No"), GTK_RESPONSE_CANCEL, _("_Yes"),
                           GTK_RESPONSE_ACCEPT, NULL);
}

MarinaSshQuestionDialog *
marina_ssh_question_dialog_new(GtkWindow *parent, MarinaAskpassQuestion *question,
                               const char *label, gboolean refused, gboolean offer_remember)
{
    MarinaSshQuestionDialog *self = g_object_new(MARINA_TYPE_SSH_QUESTION_DIALOG, "use-header-bar",
                                                 TRUE, "transient-for", parent, NULL);

    self->kind = marina_askpass_question_get_kind(question);
    switch (self->kind) {
    case MARINA_ASKPASS_KIND_HOST_KEY:
        ask_host_key(self, question, label);
        break;
    case MARINA_ASKPASS_KIND_CONFIRM:
        ask_confirm(self, question, label);
        break;
    default:
        ask_secret(self, question, label, refused, offer_remember);
        break;
    }
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
    return self;
}

const char *
marina_ssh_question_dialog_get_answer(MarinaSshQuestionDialog *self)
{
    g_return_val_if_fail(MARINA_IS_SSH_QUESTION_DIALOG(self), NULL);
    switch (self->kind) {
    case MARINA_ASKPASS_KIND_HOST_KEY:
        return "yes";
    case MARINA_ASKPASS_KIND_CONFIRM:
        return "";
    default:
        return gtk_entry_get_text(self->entry);
    }
}

gboolean
marina_ssh_question_dialog_get_remember(MarinaSshQuestionDialog *self)
{
    g_return_val_if_fail(MARINA_IS_SSH_QUESTION_DIALOG(self), FALSE);
    return gtk_widget_get_visible(GTK_WIDGET(self->remember_check)) &&
           gtk_toggle_button_get_active(self->remember_check);
}
