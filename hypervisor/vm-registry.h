#pragma once

#include <gio/gio.h>

#include "core/domain-config.h"
#include "disk-users.h"
#include "vm.h"

G_BEGIN_DECLS

/*
 * The guests of this host: found by UUID, name or running id; running ids
 * handed out once each; name, UUID and MAC uniqueness. The guests report
 * to the registry they were handed (marina_vm_new) and it tells whoever
 * serves clients through its signals, one connection for all guests:
 *
 *   "guest-event" (MarinaVm *vm, const char *event, const char *detail)
 *       a lifecycle event (started, stopped, defined, ...); the guest's
 *       state is already the new one
 *   "guest-changed" (MarinaVm *vm, GVariant *properties)
 *       the org.marinavm.Marina1.Domain properties (a{sv}) after a change
 *   "guest-config-changed" (MarinaVm *vm, const char *event, const char *device)
 *       the definition or running configuration changed (ConfigChanged)
 *   "guest-removed" (MarinaVm *vm)
 *       the guest left the registry (undefined, or a transient guest
 *       stopped); the registry has let it go
 */
#define MARINA_TYPE_VM_REGISTRY (marina_vm_registry_get_type())
G_DECLARE_FINAL_TYPE(MarinaVmRegistry, marina_vm_registry, MARINA, VM_REGISTRY, GObject)

MarinaVmRegistry *marina_vm_registry_new(void);

/* Takes ownership of @vm. */
void marina_vm_registry_add(MarinaVmRegistry *self, MarinaVm *vm);
/* Let @vm go and emit "guest-removed". */
void marina_vm_registry_remove(MarinaVmRegistry *self, MarinaVm *vm);
/* @vm, in the registry, is now called by its new name (was @old_name). */
void marina_vm_registry_renamed(MarinaVmRegistry *self, MarinaVm *vm, const char *old_name);

/* By name, then UUID (any spelling), then running id. */
MarinaVm *marina_vm_registry_lookup(MarinaVmRegistry *self, const char *key);
MarinaVm *marina_vm_registry_get(MarinaVmRegistry *self, const char *uuid);
gboolean marina_vm_registry_has_name(MarinaVmRegistry *self, const char *name);
guint marina_vm_registry_size(MarinaVmRegistry *self);

typedef void (*MarinaVmFunc)(MarinaVm *vm, gpointer user_data);
/* Call @func for every guest (none may be added or removed meanwhile). */
void marina_vm_registry_foreach(MarinaVmRegistry *self, MarinaVmFunc func, gpointer user_data);
/* The guests that may be running: each one running, perhaps a few starting
 * or stopping (the array is the caller's; the guests are not). */
GPtrArray *marina_vm_registry_list_active(MarinaVmRegistry *self);
/* For guests: the running configuration or the state changed. */
void marina_vm_registry_note_activity(MarinaVmRegistry *self, MarinaVm *vm);

/* A fresh running id (1, 2, ...), never reused while the registry lives. */
int marina_vm_registry_allocate_id(MarinaVmRegistry *self);
/* A guest re-attached after a restart keeps @id: later ids come after it. */
void marina_vm_registry_reserve_id(MarinaVmRegistry *self, int id);

/* Name, UUID and MAC uniqueness of @config against every guest but @except
 * (a generated MAC that collides is generated again). */
gboolean marina_vm_registry_check_unique(MarinaVmRegistry *self, MarinaDomainConfig *config,
                                         MarinaVm *except, GError **error);

/* Which guests use which files as disks (a volume's Used By). */
MarinaDiskUsers *marina_vm_registry_collect_disk_users(MarinaVmRegistry *self);

/* For guests: report upward (see the signals above). */
void marina_vm_registry_emit_event(MarinaVmRegistry *self, MarinaVm *vm, const char *event,
                                   const char *detail);
void marina_vm_registry_emit_changed(MarinaVmRegistry *self, MarinaVm *vm, GVariant *properties);
void marina_vm_registry_emit_config_changed(MarinaVmRegistry *self, MarinaVm *vm, const char *event,
                                            const char *device);

G_END_DECLS
