#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "migration-listener.h"
#include "migration-stream.h"

struct _MarinaMigrationListener {
    GSocketService *service;
    GCancellable *cancel; /* handshakes in progress end with the listener */
    guint16 port;
    char *address;
    char **patterns;
    MarinaMigrationAcceptFunc accept;
    gpointer user_data;
};

/* One connection being looked at: the peer's name, then its handshake. */
typedef struct {
    MarinaMigrationListener *listener; /* NULL once it is gone (cancelled) */
    GSocketConnection *conn;
    char *peer;
    char *name;
    GCancellable *cancel;
} Peer;

static void
peer_free(Peer *p)
{
    g_clear_object(&p->conn);
    g_clear_object(&p->cancel);
    g_free(p->peer);
    g_free(p->name);
    g_free(p);
}

gboolean
marina_migration_host_allowed(char *const *patterns, const char *peer, const char *name)
{
    if (patterns == NULL || patterns[0] == NULL)
        return TRUE;
    for (guint i = 0; patterns[i] != NULL; i++) {
        g_autoptr(GRegex) re = g_regex_new(patterns[i], G_REGEX_ANCHORED, 0, NULL);
        if (re == NULL)
            continue;
        if (g_regex_match(re, peer, 0, NULL) || (name && g_regex_match(re, name, 0, NULL)))
            return TRUE;
    }
    return FALSE;
}

static int
peer_fd(Peer *p)
{
    return g_socket_get_fd(g_socket_connection_get_socket(p->conn));
}

static void
on_request(GObject *source, GAsyncResult *result, gpointer data)
{
    Peer *p = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL;
    g_autofree char *refusal = NULL;
    guint index = 0;

    if (!marina_migration_stream_read_request_finish(result, &token, &index, &error) ||
        g_cancellable_is_cancelled(p->cancel)) {
        if (error == NULL) {
            peer_free(p);
            return;
        }
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_info("Migration stream from %s refused: %s", p->peer, error->message);
            marina_migration_stream_reply(peer_fd(p), error->message);
        }
        peer_free(p);
        return;
    }
    if (!marina_migration_host_allowed(p->listener->patterns, p->peer, p->name)) {
        refusal = g_strdup_printf(_("host %s is not allowed to migrate guests to this host "
                                    "(migration-hosts-allow)"),
                                  p->peer);
    } else {
        int fd = dup(peer_fd(p));
        refusal = p->listener->accept(fd, token, index, p->listener->user_data);
    }
    if (refusal != NULL) {
        g_info("Migration stream from %s refused: %s", p->peer, refusal);
        marina_migration_stream_reply(peer_fd(p), refusal);
    }
    peer_free(p);
}

static void
read_request(Peer *p)
{
    marina_migration_stream_read_request_async(peer_fd(p), p->cancel, on_request, p);
}

static void
on_peer_name(GObject *source, GAsyncResult *result, gpointer data)
{
    Peer *p = data;

    p->name = g_resolver_lookup_by_address_finish(G_RESOLVER(source), result, NULL);
    if (g_cancellable_is_cancelled(p->cancel)) {
        peer_free(p);
        return;
    }
    read_request(p);
}

/* "::ffff:127.0.0.1" is 127.0.0.1 to a person writing patterns. */
static char *
peer_text(GInetAddress *address)
{
    g_autofree char *text = g_inet_address_to_string(address);

    if (g_str_has_prefix(text, "::ffff:") && strchr(text + 7, '.') != NULL)
        return g_strdup(text + 7);
    return g_steal_pointer(&text);
}

static gboolean
on_incoming(GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
    MarinaMigrationListener *self = data;
    g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address(conn, NULL);
    Peer *p = g_new0(Peer, 1);

    p->listener = self;
    p->conn = g_object_ref(conn);
    p->cancel = g_object_ref(self->cancel);
    p->peer = remote && G_IS_INET_SOCKET_ADDRESS(remote)
                  ? peer_text(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)))
                  : g_strdup("?");
    /* The name is looked up only when a pattern could need it. */
    if (!marina_migration_host_allowed(self->patterns, p->peer, NULL)) {
        g_autoptr(GResolver) resolver = g_resolver_get_default();
        g_resolver_lookup_by_address_async(
            resolver, g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)), p->cancel,
            on_peer_name, p);
    } else {
        read_request(p);
    }
    return TRUE;
}

static gboolean
add_port(GSocketListener *listener, const char *address, guint16 port, GError **error)
{
    g_autoptr(GInetAddress) inet = NULL;
    g_autoptr(GSocketAddress) sa = NULL;

    if (address == NULL)
        return g_socket_listener_add_inet_port(listener, port, NULL, error);
    inet = g_inet_address_new_from_string(address);
    if (inet == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("migration-address '%s' is not an IP address. Set it to an address of "
                      "this host in marinad.conf, or leave it empty."),
                    address);
        return FALSE;
    }
    sa = g_inet_socket_address_new(inet, port);
    return g_socket_listener_add_address(listener, sa, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                         NULL, NULL, error);
}

MarinaMigrationListener *
marina_migration_listener_new(const MarinaDaemonConfig *config, MarinaMigrationAcceptFunc accept,
                              gpointer user_data, GError **error)
{
    MarinaMigrationListener *self = g_new0(MarinaMigrationListener, 1);

    self->accept = accept;
    self->user_data = user_data;
    self->cancel = g_cancellable_new();
    self->patterns = g_strdupv(config->migration_hosts_allow);
    self->address = g_strdup(config->migration_address ? config->migration_address : "");
    for (guint port = config->migration_port_min; port <= config->migration_port_max; port++) {
        g_autoptr(GError) local = NULL;
        GSocketService *service = g_socket_service_new();

        if (add_port(G_SOCKET_LISTENER(service), config->migration_address, (guint16)port,
                     &local)) {
            self->service = service;
            self->port = (guint16)port;
            break;
        }
        g_socket_listener_close(G_SOCKET_LISTENER(service));
        g_object_unref(service);
        if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                       _("Cannot listen for the migration: "));
            marina_migration_listener_free(self);
            return NULL;
        }
    }
    if (self->service == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("No port is free for the migration in %u-%u. Finish or cancel other "
                      "migrations, or widen migration-port-min/max in marinad.conf."),
                    config->migration_port_min, config->migration_port_max);
        marina_migration_listener_free(self);
        return NULL;
    }
    g_signal_connect(self->service, "incoming", G_CALLBACK(on_incoming), self);
    g_socket_service_start(self->service);
    g_debug("Migration listener on port %u", self->port);
    return self;
}

guint16
marina_migration_listener_get_port(MarinaMigrationListener *self)
{
    return self->port;
}

const char *
marina_migration_listener_get_address(MarinaMigrationListener *self)
{
    /* A wildcard names no address a source could use. */
    if (g_str_equal(self->address, "0.0.0.0") || g_str_equal(self->address, "::"))
        return "";
    return self->address;
}

void
marina_migration_listener_free(MarinaMigrationListener *self)
{
    if (self == NULL)
        return;
    g_cancellable_cancel(self->cancel);
    if (self->service != NULL) {
        g_socket_service_stop(self->service);
        g_socket_listener_close(G_SOCKET_LISTENER(self->service));
        g_signal_handlers_disconnect_by_data(self->service, self);
        g_object_unref(self->service);
    }
    g_object_unref(self->cancel);
    g_strfreev(self->patterns);
    g_free(self->address);
    g_free(self);
}
