#pragma once

#include <gio/gio.h>

#include "core/domain-config.h"
#include "daemon-config.h"
#include "disk-users.h"
#include "job.h"

G_BEGIN_DECLS

typedef struct _MarinaVm MarinaVm;

/*
 * The daemon: owns the guests (MarinaVm), serves the D-Bus API on its
 * unix socket(s), broadcasts events and statistics to every client.
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

/* A fresh running id (1, 2, ...), never reused while the daemon runs. */
int marina_daemon_allocate_id(MarinaDaemon *self);

/* A new job (org.marinavm.Marina1.Job, numbered host-wide) served on every
 * client connection, new ones too. The daemon owns it; take a reference to
 * keep it. */
MarinaJob *marina_daemon_new_job(MarinaDaemon *self, guint64 total);
/* Finish @job (@error NULL: success); clients can still read it for a while. */
void marina_daemon_end_job(MarinaDaemon *self, MarinaJob *job, const GError *error);

/* FALSE (and the invocation answered with Error.ReadOnly) when the caller
 * came in on the read-only socket. */
gboolean marina_daemon_check_writable(MarinaDaemon *self, GDBusMethodInvocation *invocation);

/* Tell every client: Host.DomainEvent and Domain.StateChanged. */
void marina_daemon_emit_domain_event(MarinaDaemon *self, MarinaVm *vm, const char *event,
                                     const char *detail);

/* Tell every client the domain's properties (a{sv}) changed. */
void marina_daemon_emit_properties_changed(MarinaDaemon *self, MarinaVm *vm, GVariant *properties);

/* A guest is gone (undefined, or a transient guest stopped). */
void marina_daemon_remove_vm(MarinaDaemon *self, MarinaVm *vm);

/* Name, UUID and MAC uniqueness against every other guest of this host. */
gboolean marina_daemon_check_unique(MarinaDaemon *self, MarinaDomainConfig *config,
                                    MarinaVm *except, GError **error);

/* The MarinaVm subclass of this daemon's driver (qemu or test). */
GType marina_daemon_get_vm_type(MarinaDaemon *self);

/* Every guest (the list is the caller's; the guests are not). */
GList *marina_daemon_get_vms(MarinaDaemon *self);

/* Which guests use which files as disks (a volume's Used By), from one pass
 * over every guest's definition and running configuration. */
MarinaDiskUsers *marina_daemon_collect_disk_users(MarinaDaemon *self);

G_END_DECLS
