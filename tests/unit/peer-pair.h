#pragma once

#include <gio/gio.h>

/* Two ends of a peer-to-peer D-Bus connection over a socketpair, as the
 * daemon and one client see it: no bus, no daemon process. */
typedef struct {
    GDBusConnection *server; /* the daemon's end */
    GDBusConnection *client;
} PeerPair;

PeerPair peer_pair_new(void);
void peer_pair_clear(PeerPair *pair);

/* Call @method on @path from the client end, running the main loop until
 * the reply; NULL (and @error) when the call failed. */
GVariant *peer_pair_call(PeerPair *pair, const char *path, const char *interface,
                         const char *method, GVariant *parameters, GError **error);
