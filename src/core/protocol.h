#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The version exchange of a remote connection (marina+ssh://), shared by
 * marinad and its clients.
 *
 * The client runs `marinad --connect-stdio --protocol=M` over ssh. Before
 * anything else that bridge writes one line on its standard output, its
 * greeting:
 *
 *   MARINAD <package version> PROTOCOL <N>\n
 *
 * then, if M is not a protocol it serves, it writes why to its standard
 * error and exits with MARINA_PROTOCOL_EXIT_REFUSED; otherwise the D-Bus
 * handshake follows on the same stream. The client reads the greeting
 * before it starts D-Bus and refuses a different N, or anything that is not
 * a greeting (a message of the day printed by the remote login, another
 * program), with a message that says which.
 *
 * MARINA_PROTOCOL_VERSION changes whenever a client and a daemon of
 * different versions can no longer work together (the D-Bus API lost or
 * changed a method, a signal or a type).
 */
#define MARINA_PROTOCOL_VERSION 1

/* The greeting's longest form, its newline included: a longer line is not one. */
#define MARINA_PROTOCOL_HELLO_MAX 256
/* The longest package version a greeting carries. */
#define MARINA_PROTOCOL_VERSION_MAX 64
/* `marinad --connect-stdio` refused the client's protocol. */
#define MARINA_PROTOCOL_EXIT_REFUSED 3

/* This program's greeting, the newline included. */
char *marina_protocol_hello(void);

/* Parses a greeting: @line holds @len bytes without the newline (a '\r'
 * before it is allowed). On success sets *version (free it) and *protocol;
 * anything else (other text, control characters, NUL bytes, a version or
 * number out of bounds) returns FALSE and sets nothing. */
gboolean marina_protocol_parse_hello(const char *line, gsize len, char **version, guint *protocol);

G_END_DECLS
