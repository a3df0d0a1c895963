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
 * standard input and output, after a status line (channel-header.h).
 * Not for use outside src/core.
 */

#include <gio/gio.h>

#include "channel-header.h"
#include "uri.h"

G_BEGIN_DECLS

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
