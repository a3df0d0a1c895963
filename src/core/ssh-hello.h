#pragma once

/* Reading marinad's greeting (protocol.h) from ssh's output before the
 * D-Bus handshake starts on it. Not for use outside src/core. */

#include <gio/gio.h>

#include "uri.h"

G_BEGIN_DECLS

/* The whole wait: ssh's ConnectTimeout, sshd's LoginGraceTime (120 s, in
 * which a person types a password) and a margin. A marinad greets at once;
 * only a program that is not marinad and says nothing takes this long. */
#define MARINA_SSH_HELLO_TIMEOUT_S 180
/* Once the greeting has begun, the rest of its line must follow within this. */
#define MARINA_SSH_HELLO_LINE_TIMEOUT_S 10

/* Reads one line (at most MARINA_PROTOCOL_HELLO_MAX bytes) from @in, byte by
 * byte so that nothing after it is taken from the D-Bus handshake, and checks
 * it with marina_ssh_check_hello(). Fails with that check's error, with
 * G_IO_ERROR_CONNECTION_CLOSED when @in ended before a byte came, with
 * MARINA_ERROR_NO_CONNECTION when it timed out, or cancelled. */
void marina_ssh_hello_read_async(const MarinaUri *uri, GInputStream *in, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_ssh_hello_read_finish(GAsyncResult *result, GError **error);
/* On a private main context: nothing else runs meanwhile. */
gboolean marina_ssh_hello_read_sync(const MarinaUri *uri, GInputStream *in,
                                    GCancellable *cancellable, GError **error);

G_END_DECLS
