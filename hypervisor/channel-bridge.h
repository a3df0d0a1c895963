#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * `marinad --connect-channel KIND ARGS...`: what ssh runs on a remote host to
 * carry one stream of the daemon, since file descriptors do not cross ssh.
 * It connects to the daemon's socket as the SSH user (D-Bus peer to peer,
 * EXTERNAL authentication, descriptor passing), asks for the stream
 *
 *   serial UUID INDEX    Domain.OpenSerial (with its scrollback)
 *   graphics UUID        Domain.OpenGraphics
 *   migration TOKEN INDEX  Host.OpenMigrationStream
 *
 * writes the status line of src/core/ssh-channel.h ("OK <n>\n" and n bytes
 * of scrollback, or "ERROR <name> <message>\n" and exit 1) and then relays
 * the stream and its standard input and output both ways until the stream
 * is closed, or both directions have ended. @argv holds KIND and its
 * arguments. Returns the process exit status.
 */
int marina_channel_bridge_run(const char *socket_path, int argc, char **argv);

/* The relay alone, for tests: @stream <-> @in / @out until done. Half-closes
 * what ends (shutdown(SHUT_WR) on sockets, close on pipes); returns when the
 * stream was closed by its peer or both directions ended. */
void marina_channel_bridge_relay(int stream, int in, int out);

G_END_DECLS
