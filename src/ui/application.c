/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-application"

#include "config.h"

#include "application.h"

#include <glib/gi18n.h>

#include "askpass-handler.h"
#include "connection-manager.h"
#include "manager-window.h"
#include "paths.h"
#include "preferences-dialog.h"

struct _MarinaApplication {
    GtkApplication parent_instance;

    GSettings *settings;
    MarinaConnectionManager *connections; /* every window's connections */
    MarinaManagerWindow *manager;         /* strong: closing it only hides it */
    MarinaAskpassHandler *askpass;        /* ssh's questions as dialogs; NULL: on the terminal */
};

G_DEFINE_FINAL_TYPE(MarinaApplication, marina_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
    {"connect", 'c', 0, G_OPTION_ARG_STRING_ARRAY, NULL,
     N_("Connect to the daemon at URI (e.g. marina:///session, marina+ssh://user@host/system)"),
     N_("URI")},
    {"show-domain-console", 0, 0, G_OPTION_ARG_STRING, NULL,
     N_("Open the console of the guest called NAME (on the --connect connection)"), N_("NAME")},
    {"version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL},
    {NULL},
};

GSettings *
marina_application_get_settings(MarinaApplication *app)
{
    g_return_val_if_fail(MARINA_IS_APPLICATION(app), NULL);
    return app->settings;
}

MarinaConnectionManager *
marina_application_get_connection_manager(MarinaApplication *app)
{
    g_return_val_if_fail(MARINA_IS_APPLICATION(app), NULL);
    return app->connections;
}

static GtkWindow *
active_window(MarinaApplication *self)
{
    GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(self));

    return window != NULL ? window : GTK_WINDOW(self->manager);
}

/* The manager window; created (with the saved connections) the first time. */
static MarinaManagerWindow *
ensure_manager(MarinaApplication *self, gboolean open_saved)
{
    if (self->manager != NULL)
        return self->manager;

    self->manager = g_object_ref_sink(marina_manager_window_new(self));
    if (open_saved) {
        g_auto(GStrv) known = g_settings_get_strv(self->settings, "connections");
        g_auto(GStrv) autoconnect = g_settings_get_strv(self->settings, "autoconnect");

        for (guint i = 0; autoconnect[i] != NULL; i++)
            marina_manager_window_add_connection(self->manager, autoconnect[i], TRUE);
        /* Known but not automatic ones are listed, to be opened with a double click. */
        for (guint i = 0; known[i] != NULL; i++)
            marina_manager_window_add_connection(self->manager, known[i], FALSE);
    }
    return self->manager;
}

static void
marina_application_activate(GApplication *app)
{
    MarinaApplication *self = MARINA_APPLICATION(app);

    gtk_window_present(GTK_WINDOW(ensure_manager(self, TRUE)));
}

static int
marina_application_handle_local_options(GApplication *app, GVariantDict *options)
{
    if (g_variant_dict_contains(options, "version")) {
        g_print("marina %s\n", PACKAGE_VERSION);
        return 0;
    }
    return -1; /* go on: the primary instance handles the rest */
}

static int
marina_application_command_line(GApplication *app, GApplicationCommandLine *cmdline)
{
    MarinaApplication *self = MARINA_APPLICATION(app);
    GVariantDict *options = g_application_command_line_get_options_dict(cmdline);
    g_autofree const char **connect = NULL;
    const char *console = NULL;
    MarinaManagerWindow *manager;

    g_variant_dict_lookup(options, "connect", "^a&s", &connect);
    g_variant_dict_lookup(options, "show-domain-console", "&s", &console);

    /* With --connect, a first start opens just that connection (as a test or a
     * script asked for), not every saved one as well. */
    manager = ensure_manager(self, connect == NULL || connect[0] == NULL);
    for (guint i = 0; connect != NULL && connect[i] != NULL; i++)
        marina_manager_window_add_connection(manager, connect[i], TRUE);
    if (console != NULL && *console != '\0')
        marina_manager_window_show_domain_console(manager, connect != NULL ? connect[0] : NULL,
                                                  console);
    gtk_window_present(GTK_WINDOW(manager));
    return 0;
}

static void
on_add_connection(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaApplication *self = MARINA_APPLICATION(user_data);
    MarinaManagerWindow *manager = ensure_manager(self, TRUE);

    gtk_window_present(GTK_WINDOW(manager));
    marina_manager_window_add_connection_dialog(manager);
}

static void
on_preferences(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaApplication *self = MARINA_APPLICATION(user_data);
    GtkWidget *dialog = marina_preferences_dialog_new(active_window(self));

    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_about(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaApplication *self = MARINA_APPLICATION(user_data);
    static const char *authors[] = {"The Marina developers", NULL};

    gtk_show_about_dialog(active_window(self), "program-name", _("Marina"), "logo-icon-name",
                          MARINA_APPLICATION_ID, "version", PACKAGE_VERSION, "comments",
                          _("Manage virtual machines on this computer and on remote hosts"),
                          "license-type", GTK_LICENSE_GPL_2_0, "authors", authors, NULL);
}

static void
on_quit(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    MarinaApplication *self = MARINA_APPLICATION(user_data);
    GList *windows = g_list_copy(gtk_application_get_windows(GTK_APPLICATION(self)));

    /* Destroying the windows lets each one save its state (size, ...). */
    for (GList *l = windows; l != NULL; l = l->next)
        gtk_widget_destroy(GTK_WIDGET(l->data));
    g_list_free(windows);
    g_application_quit(G_APPLICATION(self));
}

static const GActionEntry app_actions[] = {
    {"add-connection", on_add_connection},
    {"preferences", on_preferences},
    {"about", on_about},
    {"quit", on_quit},
};

/* Preferences say how often and which statistics the daemon collects for
 * this program; every connection sends them (again after a reconnect). */
static void
send_stats_preferences(MarinaApplication *self)
{
    static const struct {
        const char *key;
        const char *kind;
    } kinds[] = {{"stats-cpu", "cpu"},
                 {"stats-memory", "memory"},
                 {"stats-disk", "disk"},
                 {"stats-network", "network"}};
    g_autoptr(GStrvBuilder) wanted = g_strv_builder_new();
    g_auto(GStrv) list = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(kinds); i++)
        if (g_settings_get_boolean(self->settings, kinds[i].key))
            g_strv_builder_add(wanted, kinds[i].kind);
    list = g_strv_builder_end(wanted);
    marina_connection_manager_set_stats_preferences(
        self->connections, g_settings_get_uint(self->settings, "stats-interval") * 1000,
        (const char *const *)list);
}

static void
on_settings_changed(GSettings *settings, const char *key, MarinaApplication *self)
{
    if (g_str_has_prefix(key, "stats-"))
        send_stats_preferences(self);
}

static void
marina_application_startup(GApplication *app)
{
    MarinaApplication *self = MARINA_APPLICATION(app);
    static const char *quit_accels[] = {"<Primary>q", NULL};
    static const char *prefs_accels[] = {"<Primary>comma", NULL};
    static const char *find_accels[] = {"<Primary>f", NULL};

    G_APPLICATION_CLASS(marina_application_parent_class)->startup(app);

    self->settings = g_settings_new(MARINA_APPLICATION_ID);
    g_signal_connect(self->settings, "changed", G_CALLBACK(on_settings_changed), self);
    send_stats_preferences(self);
    self->askpass = marina_askpass_handler_new(GTK_APPLICATION(self));
    g_action_map_add_action_entries(G_ACTION_MAP(self), app_actions, G_N_ELEMENTS(app_actions),
                                    self);
    gtk_application_set_accels_for_action(GTK_APPLICATION(self), "app.quit", quit_accels);
    gtk_application_set_accels_for_action(GTK_APPLICATION(self), "app.preferences", prefs_accels);
    gtk_application_set_accels_for_action(GTK_APPLICATION(self), "win.search", find_accels);
    gtk_window_set_default_icon_name(MARINA_APPLICATION_ID);
    g_set_application_name(_("Marina"));

    /* Uninstalled, the app icon lives in the source tree. */
    if (marina_paths_running_uninstalled())
        gtk_icon_theme_append_search_path(gtk_icon_theme_get_default(),
                                          MARINA_SOURCE_ROOT "/data/icons");
}

static void
marina_application_shutdown(GApplication *app)
{
    MarinaApplication *self = MARINA_APPLICATION(app);

    if (self->manager != NULL)
        gtk_widget_destroy(GTK_WIDGET(self->manager));
    g_clear_object(&self->manager);
    /* Dropping the entries closes their connections. */
    g_clear_object(&self->connections);
    g_clear_object(&self->askpass);
    /* Writes to dconf are asynchronous: flush them before the process ends. */
    g_settings_sync();
    G_APPLICATION_CLASS(marina_application_parent_class)->shutdown(app);
}

static void
marina_application_dispose(GObject *object)
{
    MarinaApplication *self = MARINA_APPLICATION(object);

    g_clear_object(&self->manager);
    g_clear_object(&self->connections);
    g_clear_object(&self->askpass);
    g_clear_object(&self->settings);
    G_OBJECT_CLASS(marina_application_parent_class)->dispose(object);
}

static void
marina_application_class_init(MarinaApplicationClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GApplicationClass *app_class = G_APPLICATION_CLASS(klass);

    object_class->dispose = marina_application_dispose;
    app_class->startup = marina_application_startup;
    app_class->shutdown = marina_application_shutdown;
    app_class->activate = marina_application_activate;
    app_class->command_line = marina_application_command_line;
    app_class->handle_local_options = marina_application_handle_local_options;
}

static void
marina_application_init(MarinaApplication *self)
{
    self->connections = marina_connection_manager_new();
    g_application_add_main_option_entries(G_APPLICATION(self), option_entries);
    g_application_set_option_context_parameter_string(G_APPLICATION(self), NULL);
    g_application_set_option_context_summary(G_APPLICATION(self),
                                             _("Manage virtual machines with Marina."));
}

MarinaApplication *
marina_application_new(void)
{
    return g_object_new(MARINA_TYPE_APPLICATION, "application-id", MARINA_APPLICATION_ID, "flags",
                        G_APPLICATION_HANDLES_COMMAND_LINE, NULL);
}
