#pragma once

/*
 * The status line of an ssh channel (see ssh-channel.h): before the raw
 * bytes of the stream, `marinad --connect-channel` writes
 *
 *   "OK <n>\n" and n bytes of scrollback (serial; 0 for the other kinds), or
 *   "ERROR <D-Bus error name> <message>\n" (and exits 1),
 *
 * so that a remote "no such serial port" is the same GError as a local one.
 * Shared by marinad's bridge (writing) and the client (reading); not for use
 * outside src/core and marinad.
 */

#include <gio/gio.h>

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

G_END_DECLS
