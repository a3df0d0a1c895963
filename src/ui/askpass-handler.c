/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-askpass-handler"

#include "config.h"

#include "askpass-handler.h"

#include <glib/gi18n.h>

#include "askpass-server.h"
#include "connection-entry.h"
#include "secret-store.h"
#include "ssh-question-dialog.h"

struct _MarinaAskpassHandler {
    GObject parent_instance;

    GtkApplication *app; /* not reffed: the application owns us */
    MarinaAskpassServer *server;
};

G_DEFINE_FINAL_TYPE(MarinaAskpassHandler, marina_askpass_handler, G_TYPE_OBJECT)

/* What people call the connection asking: "alice@db1 (system)". */
static char *
connection_label(MarinaAskpassQuestion *question)
{
    const char *uri = marina_askpass_question_get_uri(question);
    const char *host = marina_askpass_question_get_host(question);

    if (uri != NULL)
        return marina_connection_entry_label_for_uri(uri, NULL, NULL, NULL);
    return g_strdup(host != NULL ? host : _("the remote host"));
}

static void
on_saved(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    if (!marina_secret_store_save_finish(result, &error))
        g_warning("The password could not be stored in the keyring: %s", error->message);
}

static void
on_forgotten(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    if (!marina_secret_store_forget_finish(result, &error))
        g_debug("The refused password could not be removed from the keyring: %s", error->message);
}

static void
remember_password(MarinaAskpassQuestion *question, const char *password)
{
    const char *uri = marina_askpass_question_get_uri(question);
    g_autofree char *label = g_strdup_printf(_("Marina: SSH password for %s"), uri);

    marina_secret_store_save_async(MARINA_SECRET_KIND_SSH, uri, NULL, label, password, NULL,
                                   on_saved, NULL);
}

static void
on_dialog_response(MarinaSshQuestionDialog *dialog, int response, gpointer user_data)
{
    MarinaAskpassQuestion *question = user_data;

    if (marina_askpass_question_is_pending(question)) {
        if (response == GTK_RESPONSE_ACCEPT) {
            const char *answer = marina_ssh_question_dialog_get_answer(dialog);

            if (marina_ssh_question_dialog_get_remember(dialog))
                remember_password(question, answer);
            marina_askpass_question_reply(question, answer);
        } else {
            marina_askpass_question_cancel(question);
        }
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static void
show_dialog(MarinaAskpassHandler *self, MarinaAskpassQuestion *question, gboolean refused)
{
    g_autofree char *label = connection_label(question);
    GtkWindow *parent = gtk_application_get_active_window(self->app);
    gboolean offer_remember =
        marina_askpass_question_get_kind(question) == MARINA_ASKPASS_KIND_PASSWORD &&
        marina_askpass_question_get_uri(question) != NULL;
    MarinaSshQuestionDialog *dialog =
        marina_ssh_question_dialog_new(parent, question, label, refused, offer_remember);

    /* ssh gave up meanwhile (the connection was abandoned): nothing to answer. */
    g_signal_connect_object(question, "closed", G_CALLBACK(gtk_widget_destroy), dialog,
                            G_CONNECT_SWAPPED);
    g_signal_connect_data(dialog, "response", G_CALLBACK(on_dialog_response),
                          g_object_ref(question), (GClosureNotify)(void (*)(void))g_object_unref,
                          0);
    gtk_window_present(GTK_WINDOW(dialog));
}

typedef struct {
    MarinaAskpassHandler *self;
    MarinaAskpassQuestion *question;
} Lookup;

static void
on_password_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Lookup *lookup = user_data;
    g_autoptr(MarinaAskpassHandler) self = lookup->self;
    g_autoptr(MarinaAskpassQuestion) question = lookup->question;
    char *password = marina_secret_store_lookup_finish(result, NULL);

    g_free(lookup);
    if (!marina_askpass_question_is_pending(question)) {
        marina_secret_store_free(password);
        return;
    }
    if (password != NULL) {
        g_debug("The keyring answers ssh's password question");
        marina_askpass_question_reply(question, password);
        marina_secret_store_free(password);
        return;
    }
    show_dialog(self, question, FALSE);
}

static void
on_question(MarinaAskpassServer *server, MarinaAskpassQuestion *question,
            MarinaAskpassHandler *self)
{
    const char *uri = marina_askpass_question_get_uri(question);
    gboolean password = marina_askpass_question_get_kind(question) == MARINA_ASKPASS_KIND_PASSWORD;
    guint attempt = marina_askpass_question_get_attempt(question);

    if (password && uri != NULL && attempt == 1) {
        Lookup *lookup = g_new0(Lookup, 1);

        lookup->self = g_object_ref(self);
        lookup->question = g_object_ref(question);
        marina_secret_store_lookup_async(MARINA_SECRET_KIND_SSH, uri, NULL, NULL,
                                         on_password_looked_up, lookup);
        return;
    }
    /* ssh asks again in the same login: the password it had was refused.
     * A remembered one is wrong (the password changed): never use it again. */
    if (password && uri != NULL)
        marina_secret_store_forget_async(MARINA_SECRET_KIND_SSH, uri, NULL, NULL, on_forgotten,
                                         NULL);
    show_dialog(self, question, password && attempt > 1);
}

static void
marina_askpass_handler_dispose(GObject *object)
{
    MarinaAskpassHandler *self = MARINA_ASKPASS_HANDLER(object);

    if (self->server != NULL) {
        g_autoptr(MarinaAskpassServer) installed = marina_askpass_server_dup_installed();

        if (installed == self->server)
            marina_askpass_server_install(NULL);
        g_signal_handlers_disconnect_by_data(self->server, self);
        g_clear_object(&self->server);
    }
    G_OBJECT_CLASS(marina_askpass_handler_parent_class)->dispose(object);
}

static void
marina_askpass_handler_class_init(MarinaAskpassHandlerClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = marina_askpass_handler_dispose;
}

static void
marina_askpass_handler_init(MarinaAskpassHandler *self)
{
}

MarinaAskpassHandler *
marina_askpass_handler_new(GtkApplication *app)
{
    g_autoptr(MarinaAskpassHandler) self = g_object_new(MARINA_TYPE_ASKPASS_HANDLER, NULL);
    g_autoptr(GError) error = NULL;

    self->app = app;
    self->server = marina_askpass_server_new(&error);
    if (self->server == NULL) {
        g_warning("SSH questions cannot be shown as dialogs: %s", error->message);
        return NULL;
    }
    g_signal_connect(self->server, "question", G_CALLBACK(on_question), self);
    marina_askpass_server_install(self->server);
    return g_steal_pointer(&self);
}
