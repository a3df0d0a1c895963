/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The wire protocol between marina-askpass (the SSH_ASKPASS program ssh runs)
 * and the running application's MarinaAskpassServer, over a private unix
 * socket. One question per connection:
 *
 *   helper -> app   header, then a GVariant a{ss}: "token" (which login),
 *                   "prompt" (ssh's argv[1]), "hint" (SSH_ASKPASS_PROMPT)
 *   app -> helper   header, then 'Y' + the answer bytes, or 'N' (cancelled)
 *
 * header = the 4 bytes "MAP1" and the body's length as 4 bytes big-endian.
 * Both ends trust nothing: lengths are bounded, strings must be UTF-8 of a
 * bounded size, answers may not contain a newline or NUL (ssh reads one
 * line). Closing the socket without a reply means "cancelled".
 */

#define MARINA_ASKPASS_HEADER_SIZE 8
#define MARINA_ASKPASS_MAX_BODY 16384
#define MARINA_ASKPASS_MAX_PROMPT 8192
#define MARINA_ASKPASS_MAX_ANSWER 1024
#define MARINA_ASKPASS_MAX_TOKEN 64
#define MARINA_ASKPASS_MAX_HINT 32

/* What ssh asks. */
typedef enum {
    MARINA_ASKPASS_KIND_OTHER,      /* a secret whose kind is unknown: masked entry */
    MARINA_ASKPASS_KIND_PASSWORD,   /* the login password (password or keyboard-interactive) */
    MARINA_ASKPASS_KIND_PASSPHRASE, /* the passphrase of a key file */
    MARINA_ASKPASS_KIND_HOST_KEY,   /* an unknown host key: continue connecting? */
    MARINA_ASKPASS_KIND_CONFIRM,    /* a yes/no question (SSH_ASKPASS_PROMPT=confirm) */
} MarinaAskpassKind;

/* The header for a body of @body_len bytes. */
void marina_askpass_write_header(guint8 header[MARINA_ASKPASS_HEADER_SIZE], gsize body_len);
/* The body length a header announces; FALSE (with @error) for a wrong magic
 * or a length over MARINA_ASKPASS_MAX_BODY. */
gboolean marina_askpass_parse_header(const guint8 *header, gsize len, gsize *body_len,
                                     GError **error);

/* A whole request (header and body). */
GBytes *marina_askpass_encode_request(const char *token, const char *prompt, const char *hint);
/* Parses a request body; the out strings are NULL on failure. @hint may be "". */
gboolean marina_askpass_decode_request(const guint8 *body, gsize len, char **token, char **prompt,
                                       char **hint, GError **error);

/* A whole reply; @answer NULL means cancelled. NULL when @answer is too
 * long or has a newline or NUL. The caller wipes the bytes after sending. */
GBytes *marina_askpass_encode_reply(const char *answer);
/* Parses a reply body: TRUE with *answered and *answer (NULL when cancelled;
 * wipe it with marina_askpass_free_secret()). */
gboolean marina_askpass_decode_reply(const guint8 *body, gsize len, gboolean *answered,
                                     char **answer, GError **error);

/* Overwrites and frees a secret string. */
void marina_askpass_free_secret(char *secret);

/* @prompt made safe to show: valid UTF-8, at most MARINA_ASKPASS_MAX_PROMPT
 * bytes, control characters other than newline replaced. */
char *marina_askpass_sanitize_prompt(const char *prompt);

/* What a (sanitized) prompt asks, from its text and the SSH_ASKPASS_PROMPT
 * @hint. @host (the host ssh names, for a password or a host key) and
 * @fingerprint (of an unknown host key) are set when found, else NULL. */
MarinaAskpassKind marina_askpass_classify(const char *prompt, const char *hint, char **host,
                                          char **fingerprint);

/* "password", "passphrase", ... (for logs and the wire of tests). */
const char *marina_askpass_kind_to_string(MarinaAskpassKind kind);

G_END_DECLS
