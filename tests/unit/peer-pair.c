#include "config.h"

#include <sys/socket.h>

#include "peer-pair.h"

static void
on_connection(GObject *source, GAsyncResult *result, gpointer data)
{
    GDBusConnection **slot = data;
    g_autoptr(GError) error = NULL;

    *slot = g_dbus_connection_new_finish(result, &error);
    if (*slot == NULL)
        g_error("cannot connect the peer pair: %s", error->message);
}

static GIOStream *
socket_stream(int fd)
{
    g_autoptr(GSocket) socket = g_socket_new_from_fd(fd, NULL);

    g_assert_nonnull(socket);
    return G_IO_STREAM(g_socket_connection_factory_create_connection(socket));
}

PeerPair
peer_pair_new(void)
{
    int fds[2];
    g_autofree char *guid = g_dbus_generate_guid();
    g_autoptr(GIOStream) a = NULL;
    g_autoptr(GIOStream) b = NULL;
    PeerPair pair = {0};

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
    a = socket_stream(fds[0]);
    b = socket_stream(fds[1]);
    g_dbus_connection_new(a, guid,
                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_ALLOW_ANONYMOUS,
                          NULL, NULL, on_connection, &pair.server);
    g_dbus_connection_new(b, NULL, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL,
                          on_connection, &pair.client);
    while (pair.server == NULL || pair.client == NULL)
        g_main_context_iteration(NULL, TRUE);
    return pair;
}

void
peer_pair_clear(PeerPair *pair)
{
    g_dbus_connection_close_sync(pair->client, NULL, NULL);
    g_clear_object(&pair->client);
    g_clear_object(&pair->server);
}

typedef struct {
    gboolean done;
    GVariant *reply;
    GError *error;
} Call;

static void
on_reply(GObject *source, GAsyncResult *result, gpointer data)
{
    Call *call = data;

    call->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &call->error);
    call->done = TRUE;
}

GVariant *
peer_pair_call(PeerPair *pair, const char *path, const char *interface, const char *method,
               GVariant *parameters, GError **error)
{
    Call call = {0};

    g_dbus_connection_call(pair->client, NULL, path, interface, method, parameters, NULL,
                           G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_reply, &call);
    while (!call.done)
        g_main_context_iteration(NULL, TRUE);
    if (call.error != NULL)
        g_propagate_error(error, call.error);
    return call.reply;
}
