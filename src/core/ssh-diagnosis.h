#pragma once

/* Why a connection over ssh failed, told from what ssh left behind: its
 * exit status, its standard error and marinad's greeting (protocol.h).
 * Pure functions, so hostile or odd input is tested without a network; the
 * process handling is in ssh-transport.c. Not for use outside src/core. */

#include <glib.h>

#include "uri.h"

G_BEGIN_DECLS

typedef struct {
    int exit_status;         /* -1: unknown (killed, or still running) */
    const char *stderr_text; /* the last part of ssh's standard error; may be NULL */
    gboolean could_ask;      /* ssh could ask questions: a terminal or an askpass */
} MarinaSshOutcome;

/* Sets @error (a MARINA_ERROR code, see error.h) to why connecting to @uri
 * failed, naming the host and what to do. @cause is what the connection
 * itself saw: a greeting refused by marina_ssh_check_hello(), the D-Bus
 * handshake's error, or a cancellation (passed on as it is). What ssh
 * reports (unreachable, login refused, host key, no marinad, a marinad that
 * refused this client) comes first: it explains any odd answer. */
void marina_ssh_explain_failure(const MarinaUri *uri, const MarinaSshOutcome *outcome,
                                const GError *cause, GError **error);

/* Whether a failure to connect over ssh may go away by itself, so that
 * trying again later without asking anything can succeed (an unreachable
 * host, a daemon that is not back yet); FALSE for what needs a person (a
 * refused login, a host key, no marinad, another protocol version). */
gboolean marina_ssh_error_is_transient(const GError *error);

/* Checks marinad's greeting, the first line @uri's host sent (@len bytes,
 * without its newline; @complete: the newline came). TRUE if it is
 * marinad's greeting with this client's protocol; else @error is
 * MARINA_ERROR_PROTOCOL_MISMATCH saying which versions differ, or quoting
 * what answered instead of marinad. */
gboolean marina_ssh_check_hello(const MarinaUri *uri, const char *line, gsize len,
                                gboolean complete, GError **error);

/* The last line of @stderr_text that says something (not "Warning:
 * Permanently added..."), quoted; NULL if there is none. */
char *marina_ssh_last_message(const char *stderr_text);

/* Text from the other end made safe to show: valid UTF-8, no control or
 * direction-changing characters, at most @max_chars characters ("…" marks a
 * cut). @len -1: NUL-terminated. */
char *marina_ssh_quote_foreign(const char *text, gssize len, gsize max_chars);

G_END_DECLS
