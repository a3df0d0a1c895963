#pragma once

/*
 * Streams of a remote daemon (consoles, migration streams) carried by an ssh
 * channel, since file descriptors do not cross ssh. The client runs
 *
 *   ssh HOST marinad --connect-channel KIND ARGS... [--session|--system] [--socket=P]
 *
 * over the shared OpenSSH connection (ControlMaster: no second login); on the
 * remote host that bridge asks its daemon for the stream (Domain.OpenSerial,
 * Domain.OpenGraphics, Host.OpenMigrationStream) and relays it over its
 * standard input and output. Before the raw bytes it writes one status line:
 *
 *   "OK <n>\n" and n bytes of scrollback (serial; 0 for the other kinds), or
 *   "ERROR <D-Bus error name> <message>\n" (then it exits 1),
 *
 * so that a remote "no such serial port" is the same GError as a local one.
 * Not for use outside src/core and marinad.
 */

#include <gio/gio.h>

#include "uri.h"

G_BEGIN_DECLS

/* The status line, newline included; a longer one is not from marinad. */
#define MARINA_CHANNEL_MAX_LINE 4096
/* The most scrollback a channel carries (the bridge sends the newest part). */
#define MARINA_CHANNEL_MAX_SCROLLBACK (16 * 1024 * 1024)
/* How long a channel may take to answer before the client gives up. */
#define MARINA_CHANNEL_TIMEOUT_S 60

/* The status line "ERROR <name> <message>\n" for @error (message on one
 * line, cut to fit MARINA_CHANNEL_MAX_LINE). */
char *marina_channel_error_line(const GError *error);

/* ---------------------------------------------------------------------------------------------
 * Reading the status line and scrollback, incrementally and never past them
 * (the raw stream follows at once).
 */
typedef struct _MarinaChannelHeader MarinaChannelHeader;

typedef enum {
    MARINA_CHANNEL_HEADER_MORE,    /* feed more bytes */
    MARINA_CHANNEL_HEADER_OK,      /* complete: take the scrollback */
    MARINA_CHANNEL_HEADER_ERROR,   /* the daemon's error (an ERROR line), in @error */
    MARINA_CHANNEL_HEADER_INVALID, /* not a channel header, in @error */
} MarinaChannelHeaderStatus;

MarinaChannelHeader *marina_channel_header_new(void);
void marina_channel_header_free(MarinaChannelHeader *header);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaChannelHeader, marina_channel_header_free)

/* Takes what belongs to the header from @data: *consumed says how many of
 * the @len bytes it used (the rest is the stream). Once it returned anything
 * but MORE, it must not be fed again. */
MarinaChannelHeaderStatus marina_channel_header_feed(MarinaChannelHeader *header,
                                                     const guint8 *data, gsize len, gsize *consumed,
                                                     GError **error);
/* After OK: the scrollback (empty for graphics and migration). */
GBytes *marina_channel_header_take_scrollback(MarinaChannelHeader *header);

/* ---------------------------------------------------------------------------------------------
 * Opening a channel
 */

/* Runs `marinad --connect-channel ARGS...` on @uri's host (an ssh URI),
 * @args being KIND and its arguments, e.g. {"serial", UUID, "0", NULL}.
 * Completes once the status line has arrived. */
void marina_ssh_channel_open_async(const MarinaUri *uri, const char *const *args,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
/* The stream's descriptor (a socket; the caller owns it, closing it ends the
 * ssh) and *scrollback (never NULL on success; may be NULL to ignore it), or
 * -1 with the daemon's own error, or MARINA_ERROR_NO_CONNECTION saying why
 * ssh failed. */
int marina_ssh_channel_open_finish(GAsyncResult *result, GBytes **scrollback, GError **error);

G_END_DECLS
