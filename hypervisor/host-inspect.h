#pragma once

#include "marina-dbus.h"

G_BEGIN_DECLS

/*
 * The Host methods that look at install sources for a client: InspectMedia
 * (an ISO image or CD drive, read in a worker thread) and
 * InspectInstallTree (a network install tree, fetched off the main loop).
 * Both are a privilege of writable connections.
 */
void marina_host_inspect_setup(MarinaDBusHost *host);

G_END_DECLS
