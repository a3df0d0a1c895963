#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "migration-in-private.h"
#include "qemu-vm-migrate.h"

/*
 * The streams of an incoming migration arriving, through the listener or
 * OpenMigrationStream: each handshake checked against the migration, stream
 * 0 relayed to the guest's QEMU, the disk streams to their NBD exports.
 */

static void
on_memory_accepted(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GError) error = NULL;

    /* A failure shows as QEMU stopping: Finish reports it. */
    if (!marina_qemu_vm_migrate_in_accept_finish(MARINA_VM(source), result, &error))
        g_warning("Guest '%s': QEMU did not take the migration stream: %s",
                  marina_vm_get_name(MARINA_VM(source)), error->message);
}

/* Where disk stream @index (1..) is served: the guest's QEMU's NBD server,
 * or for a shut-off guest the qemu-nbd of that disk. */
char *
marina_migration_in_nbd_socket(Incoming *in, guint index)
{
    if (!in->offline)
        return g_strdup(in->nbd_path);
    return g_strdup_printf("%s/migration-%.8s-%u.nbd", in->methods->config->runtime_dir, in->token,
                           index);
}

static int
connect_nbd(Incoming *in, guint index, GError **error)
{
    g_autoptr(GSocket) sock =
        g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
    g_autoptr(GSocketAddress) addr = NULL;
    g_autofree char *path = NULL;

    if (sock == NULL)
        return -1;
    path = marina_migration_in_nbd_socket(in, index);
    addr = g_unix_socket_address_new(path);
    /* A local unix socket QEMU listens on: connect() completes at once. */
    if (!g_socket_connect(sock, addr, NULL, error))
        return -1;
    return dup(g_socket_get_fd(sock));
}

/* A stream's handshake was read: take it (answer OK, hand it on) or say why
 * not. Takes @fd. */
static char *
accept_stream(MarinaMigrationMethods *methods, int fd, const char *token, guint index)
{
    MarinaMigration *m = marina_migration_registry_lookup(methods->migrations, TRUE, token);
    Incoming *in = m ? m->data : NULL;
    g_autoptr(GError) error = NULL;
    int nbd;

    if (in == NULL || in->preparing || in->aborted) {
        close(fd);
        return g_strdup_printf(_("there is no migration %s on %s (it ended or was rolled back)"),
                               token, marina_migration_this_host());
    }
    if (index >= in->n_streams) {
        close(fd);
        return g_strdup_printf(_("stream %u is out of range: this migration has %u"), index,
                               in->n_streams);
    }
    if (in->connected[index]) {
        close(fd);
        return g_strdup_printf(_("stream %u of this migration is already connected"), index);
    }
    if (index == 0 && in->offline) {
        /* A shut-off guest has no memory to send: the stream only says hello. */
        in->connected[0] = TRUE;
        marina_migration_stream_reply(fd, NULL);
        close(fd);
        return NULL;
    }
    if (index == 0) {
        int pair[2];

        /* QEMU reads the guest through the daemon, not from the socket
         * itself: if this daemon dies, the stream breaks, the source keeps
         * its guest and this QEMU, its input gone, exits. */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            int saved = errno;
            close(fd);
            return g_strdup_printf(_("cannot relay the stream: %s"), g_strerror(saved));
        }
        in->connected[0] = TRUE;
        marina_migration_stream_reply(fd, NULL);
        g_ptr_array_add(in->relays, marina_migration_relay_new(fd, pair[1]));
        marina_qemu_vm_migrate_in_accept_async(m->vm, pair[0], in->run_after, on_memory_accepted,
                                               NULL);
        return NULL;
    }
    nbd = connect_nbd(in, index, &error);
    if (nbd < 0) {
        close(fd);
        return g_strdup_printf(_("the disk export is not available: %s"), error->message);
    }
    in->connected[index] = TRUE;
    /* OK first: the NBD greeting that follows is the source QEMU's to read. */
    marina_migration_stream_reply(fd, NULL);
    g_ptr_array_add(in->relays, marina_migration_relay_new(fd, nbd));
    return NULL;
}

char *
marina_migration_in_listener_stream(int fd, const char *token, guint index, gpointer data)
{
    return accept_stream(data, fd, token, index);
}

typedef struct {
    MarinaMigrationMethods *methods;
    int fd;
} TunnelEnd;

static void
on_tunnel_request(GObject *source, GAsyncResult *result, gpointer data)
{
    TunnelEnd *te = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL;
    g_autofree char *refusal = NULL;
    guint index;

    if (!marina_migration_stream_read_request_finish(result, &token, &index, &error)) {
        marina_migration_stream_reply(te->fd, error->message);
        close(te->fd);
    } else {
        /* accept_stream takes its own copy; ours answers a refusal. */
        refusal = accept_stream(te->methods, dup(te->fd), token, index);
        if (refusal != NULL)
            marina_migration_stream_reply(te->fd, refusal);
        close(te->fd);
    }
    g_free(te);
}

void
marina_migration_in_open_stream(MarinaMigrationMethods *methods, GDBusMethodInvocation *invocation,
                                MarinaMigration *m, guint index)
{
    Incoming *in = m->data;
    int pair[2];
    TunnelEnd *te;

    if (in->preparing || index >= in->n_streams) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Migration %s has no stream %u (it has %u)."), m->token, index, in->n_streams);
        return;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        int saved = errno;
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Cannot open a migration stream: %s"), g_strerror(saved));
        return;
    }
    /* The source daemon's handshake comes through the client's relay. */
    te = g_new0(TunnelEnd, 1);
    te->methods = methods;
    te->fd = pair[0];
    marina_migration_stream_read_request_async(pair[0], NULL, on_tunnel_request, te);
    marina_migration_return_fd(invocation, pair[1]);
}
