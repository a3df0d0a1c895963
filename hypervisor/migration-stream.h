#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The migration streams between two daemons (MIGRATION.md, "Streams"). Every
 * stream starts with a handshake on the raw socket, before any QEMU data:
 *   source -> destination  "MARINA-MIGRATION 1 <token> <index>\n"
 *   destination -> source  "OK\n" or "ERROR <message for a person>\n"
 * Both sides read byte by byte: whatever follows the line (QEMU's stream, an
 * NBD greeting) belongs to someone else.
 */

#define MARINA_MIGRATION_HANDSHAKE_MAX 256
#define MARINA_MIGRATION_HANDSHAKE_TIMEOUT_S 10

/* A token as MigratePrepare makes them: 32 lower-case hexadecimal digits. */
gboolean marina_migration_token_is_valid(const char *token);
char *marina_migration_token_new(void);

/* Source: send the request for stream @index of @token on @fd (a connected
 * stream socket, not taken) and read the answer; an "ERROR" answer fails
 * with the destination's message. */
void marina_migration_stream_offer_async(int fd, const char *token, guint index,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean marina_migration_stream_offer_finish(GAsyncResult *result, GError **error);

/* Source, direct mode: connect to @address:@port and offer the stream.
 * Returns a blocking socket descriptor for QEMU (the caller's), or -1. */
void marina_migration_stream_connect_async(const char *address, guint16 port, const char *token,
                                           guint index, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
int marina_migration_stream_connect_finish(GAsyncResult *result, GError **error);

/* Destination: read a request from @fd (not taken) within the time limit. */
void marina_migration_stream_read_request_async(int fd, GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_migration_stream_read_request_finish(GAsyncResult *result, char **token,
                                                     guint *index, GError **error);

/* Destination: answer "OK" (@refusal NULL) or "ERROR @refusal". The line is
 * a few bytes into an empty socket buffer: it never waits. */
gboolean marina_migration_stream_reply(int fd, const char *refusal);

/* Make @fd blocking (QEMU's migration thread writes with blocking calls). */
void marina_migration_fd_set_blocking(int fd);

/*
 * Copies bytes both ways between two stream sockets (a disk stream and the
 * NBD server's unix socket), without blocking, until both directions have
 * ended or one fails. Takes both descriptors.
 */
typedef struct _MarinaMigrationRelay MarinaMigrationRelay;
MarinaMigrationRelay *marina_migration_relay_new(int a, int b);
void marina_migration_relay_free(MarinaMigrationRelay *relay);

G_END_DECLS
