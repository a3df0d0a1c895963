#pragma once

#include <gio/gio.h>

#include "core/domain-config.h"
#include "daemon-config.h"
#include "disk-users.h"
#include "job.h"

G_BEGIN_DECLS

/*
 * The daemon: wires the layers together. It owns the guest and job
 * registries, the sockets (server.h), statistics and storage, hands each
 * guest what it needs (MarinaVmContext), serves the Host object and the
 * domain objects on every connection, and tells every client what the
 * guests report. Nothing below it calls back up.
 */
#define MARINA_TYPE_DAEMON (marina_daemon_get_type())
G_DECLARE_FINAL_TYPE(MarinaDaemon, marina_daemon, MARINA, DAEMON, GObject)

/* Takes ownership of @config. */
MarinaDaemon *marina_daemon_new(MarinaDaemonConfig *config);

/* Load definitions, re-attach to running guests, listen, start autostart
 * guests. Returns FALSE (with @error) if the daemon cannot serve. */
gboolean marina_daemon_start(MarinaDaemon *self, GError **error);

/* Close the listening sockets (guests keep running). */
void marina_daemon_stop(MarinaDaemon *self);

const MarinaDaemonConfig *marina_daemon_get_config(MarinaDaemon *self);

G_END_DECLS
