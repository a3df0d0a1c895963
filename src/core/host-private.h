#pragma once

/* Shared by host.c and host-networks.c; not for use outside src/core. */

#include "host.h"
#include "marina-dbus.h"

G_BEGIN_DECLS

/* The Host proxy for calls, with @timeout_ms for the next call. */
MarinaDBusHost *marina_host_caller(MarinaHost *self, int timeout_ms);

G_END_DECLS
