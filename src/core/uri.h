#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Connection URIs, in libvirt's shape:
 *
 *   marina:///session                        the per-user daemon (started on demand)
 *   marina:///system                         the root daemon
 *   marina+ssh://[user@]host[:port]/system   a remote daemon through ssh (also /session)
 *   marina+unix:///path/to.sock              an explicit socket; the path IS the socket
 *
 * qemu:///session, qemu:///system and qemu+ssh://... are accepted as aliases
 * (virsh habits) and mean the same as their marina spellings.
 *
 * Query parameters: socket= (local and ssh: the daemon socket to use instead
 * of the default), and for ssh keyfile=, no_verify=1, no_tty=1, command=.
 */

/* Longest URI accepted; anything longer is refused, not truncated. */
#define MARINA_URI_MAX_LENGTH 4096

typedef enum {
    MARINA_URI_TRANSPORT_LOCAL, /* marina:///session, marina:///system */
    MARINA_URI_TRANSPORT_SSH,   /* marina+ssh://host/... */
    MARINA_URI_TRANSPORT_UNIX,  /* marina+unix:///path/to.sock */
} MarinaUriTransport;

typedef struct {
    MarinaUriTransport transport;
    char *user;         /* ssh only; NULL when not given */
    char *host;         /* ssh only; NULL otherwise. IPv6 literals without brackets */
    guint16 port;       /* ssh only; 0 = ssh's default */
    char *path;         /* "session" / "system", or the absolute socket path (unix) */
    GHashTable *params; /* char* -> char*, decoded; never NULL */
    char *original;     /* the string as given */
} MarinaUri;

/* Parses @str; on failure sets a MARINA_ERROR_INVALID_ARGUMENT error that
 * names what is wrong and lists the accepted forms. */
MarinaUri *marina_uri_parse(const char *str, GError **error);
MarinaUri *marina_uri_copy(const MarinaUri *uri);
void marina_uri_free(MarinaUri *uri);

/* The canonical spelling: marina schemes (aliases rewritten), parameters
 * sorted and escaped. */
char *marina_uri_to_string(const MarinaUri *uri);

/* A query parameter, or NULL. */
const char *marina_uri_get_param(const MarinaUri *uri, const char *name);

/* TRUE for "session" URIs (local or remote). */
gboolean marina_uri_is_session(const MarinaUri *uri);
/* TRUE for "system" URIs (local or remote). */
gboolean marina_uri_is_system(const MarinaUri *uri);

/* The unix socket a local or unix URI connects to: the unix path itself,
 * ?socket= when given, else the session socket or MARINA_SYSTEM_SOCKET.
 * NULL for ssh URIs (the socket is on the remote host). */
char *marina_uri_socket_path(const MarinaUri *uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaUri, marina_uri_free)

G_END_DECLS
