#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "server.h"

struct _MarinaServer {
    GObject parent_instance;

    const MarinaDaemonConfig *config;
    GDBusServer *server;
    GDBusServer *ro_server;
    GDBusAuthObserver *auth;
};

enum { NEW_CLIENT, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaServer, marina_server, G_TYPE_OBJECT)

static void
marina_server_dispose(GObject *object)
{
    MarinaServer *self = MARINA_SERVER(object);

    marina_server_stop(self);
    g_clear_object(&self->auth);
    G_OBJECT_CLASS(marina_server_parent_class)->dispose(object);
}

static void
marina_server_class_init(MarinaServerClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = marina_server_dispose;
    signals[NEW_CLIENT] = g_signal_new("new-client", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                       g_signal_accumulator_first_wins, NULL, NULL, G_TYPE_BOOLEAN,
                                       2, G_TYPE_DBUS_CONNECTION, G_TYPE_BOOLEAN);
}

static void
marina_server_init(MarinaServer *self)
{
}

/* Authorization rests on the kernel's word about the peer (SO_PEERCRED):
 * the session daemon serves its own user (and root); the system daemon
 * leaves it to the socket's permissions. */
static gboolean
on_authorize_peer(GDBusAuthObserver *observer, GIOStream *stream, GCredentials *credentials,
                  gpointer user_data)
{
    MarinaServer *self = user_data;
    uid_t uid;

    if (credentials == NULL)
        return FALSE;
    uid = g_credentials_get_unix_user(credentials, NULL);
    if (self->config->system)
        return TRUE;
    if (uid == getuid() || uid == 0)
        return TRUE;
    g_info("Refused a client of uid %u", (guint)uid);
    return FALSE;
}

static gboolean
on_allow_mechanism(GDBusAuthObserver *observer, const char *mechanism, gpointer user_data)
{
    return g_str_equal(mechanism, "EXTERNAL");
}

MarinaServer *
marina_server_new(const MarinaDaemonConfig *config)
{
    MarinaServer *self = g_object_new(MARINA_TYPE_SERVER, NULL);

    self->config = config;
    self->auth = g_dbus_auth_observer_new();
    g_signal_connect(self->auth, "authorize-authenticated-peer", G_CALLBACK(on_authorize_peer),
                     self);
    g_signal_connect(self->auth, "allow-mechanism", G_CALLBACK(on_allow_mechanism), self);
    return self;
}

static gboolean
on_new_connection(GDBusServer *server, GDBusConnection *connection, gpointer user_data)
{
    MarinaServer *self = user_data;
    gboolean served = FALSE;

    g_signal_emit(self, signals[NEW_CLIENT], 0, connection, server == self->ro_server, &served);
    return served;
}

static gboolean
socket_in_use(const char *path)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, NULL);

    return conn != NULL;
}

static GDBusServer *
listen_on(MarinaServer *self, const char *path, guint mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *escaped = g_dbus_address_escape_value(path);
    g_autofree char *address = g_strconcat("unix:path=", escaped, NULL);
    g_autofree char *guid = g_dbus_generate_guid();
    GDBusServer *server;

    if (g_mkdir_with_parents(dir, 0755) != 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot create %s: %s"),
                    dir, g_strerror(saved));
        return NULL;
    }
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        if (socket_in_use(path)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                        _("Another marinad is already listening on %s."), path);
            return NULL;
        }
        g_unlink(path); /* left behind by a daemon that died */
    }
    server =
        g_dbus_server_new_sync(address, G_DBUS_SERVER_FLAGS_NONE, guid, self->auth, NULL, error);
    if (server == NULL)
        return NULL;
    chmod(path, mode);
    g_signal_connect(server, "new-connection", G_CALLBACK(on_new_connection), self);
    g_dbus_server_start(server);
    g_info("Listening on %s", path);
    return server;
}

gboolean
marina_server_start(MarinaServer *self, GError **error)
{
    self->server = listen_on(self, self->config->socket_path, self->config->socket_mode, error);
    if (self->server == NULL)
        return FALSE;
    if (self->config->ro_socket_path != NULL) {
        self->ro_server = listen_on(self, self->config->ro_socket_path, 0777, error);
        if (self->ro_server == NULL)
            return FALSE;
    }
    return TRUE;
}

void
marina_server_stop(MarinaServer *self)
{
    if (self->server != NULL) {
        g_dbus_server_stop(self->server);
        g_unlink(self->config->socket_path);
        g_clear_object(&self->server);
    }
    if (self->ro_server != NULL) {
        g_dbus_server_stop(self->ro_server);
        g_unlink(self->config->ro_socket_path);
        g_clear_object(&self->ro_server);
    }
}
