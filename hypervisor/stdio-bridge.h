#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * `marinad --connect-stdio`: what ssh runs on a remote host. It connects to
 * the daemon's socket as the SSH user and authenticates there with EXTERNAL
 * (the daemon trusts the kernel's word about that user, SO_PEERCRED); toward
 * the client at the other end of ssh, which has no socket credentials to
 * offer, it completes the D-Bus handshake itself (ANONYMOUS). After that it
 * relays bytes both ways untouched. Returns the process exit status.
 */
int marina_stdio_bridge_run(const char *socket_path);

G_END_DECLS
