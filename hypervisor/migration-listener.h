#pragma once

#include <gio/gio.h>

#include "daemon-config.h"

G_BEGIN_DECLS

/*
 * The TCP listener of one incoming migration in direct mode (like xend's
 * relocation server, but one per migration): bound to migration-address on
 * the first free port of migration-port-min..max, it lets in only hosts that
 * migration-hosts-allow accepts, reads each stream's handshake and asks
 * @accept whether the token and index are wanted. A refused peer gets
 * "ERROR <why>" and is closed.
 *
 * @accept takes @fd (a connected socket, the handshake done, not yet
 * answered) when it returns NULL; otherwise it returns the refusal, which
 * the listener sends and frees.
 */
typedef char *(*MarinaMigrationAcceptFunc)(int fd, const char *token, guint index,
                                           gpointer user_data);

typedef struct _MarinaMigrationListener MarinaMigrationListener;

MarinaMigrationListener *marina_migration_listener_new(const MarinaDaemonConfig *config,
                                                       MarinaMigrationAcceptFunc accept,
                                                       gpointer user_data, GError **error);
guint16 marina_migration_listener_get_port(MarinaMigrationListener *self);
/* The address the Prepare reply names: the configured one, "" for a wildcard. */
const char *marina_migration_listener_get_address(MarinaMigrationListener *self);
void marina_migration_listener_free(MarinaMigrationListener *self);

/* Whether @peer (an address text) or @name (may be NULL) matches one of
 * @patterns (NULL or empty: everyone). */
gboolean marina_migration_host_allowed(char *const *patterns, const char *peer, const char *name);

G_END_DECLS
