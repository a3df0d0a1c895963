#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * `marinad --connect-stdio`: what ssh runs on a remote host. Given the
 * client's protocol (--protocol=N), it first writes its greeting and refuses
 * a client of another protocol (see core/protocol.h). It then connects to
 * the daemon's socket as the SSH user and authenticates there with EXTERNAL
 * (the daemon trusts the kernel's word about that user, SO_PEERCRED); toward
 * the client at the other end of ssh, which has no socket credentials to
 * offer, it completes the D-Bus handshake itself (ANONYMOUS). After that it
 * relays bytes both ways untouched. Returns the process exit status.
 */
int marina_stdio_bridge_run(const char *socket_path, int client_protocol);

/* @client_protocol of a client that did not say (before the version
 * exchange): no greeting, which such a client would take for D-Bus. */
#define MARINA_STDIO_BRIDGE_NO_PROTOCOL 0

G_END_DECLS
