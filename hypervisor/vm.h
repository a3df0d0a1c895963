#pragma once

#include <gio/gio.h>

#include "core/domain-config.h"
#include "core/domain-state.h"
#include "daemon.h"
#include "marina-dbus.h"

G_BEGIN_DECLS

/*
 * One guest of this host: its definition, its QEMU process while it runs,
 * the QMP connection, serial relays, and the org.marinavm.Marina1.Domain
 * object clients call.
 */
#define MARINA_TYPE_VM (marina_vm_get_type())
G_DECLARE_FINAL_TYPE(MarinaVm, marina_vm, MARINA, VM, GObject)

enum {
    MARINA_VM_START_PAUSED = 1 << 0,
    MARINA_VM_START_FORCE_BOOT = 1 << 1,
};

/* Takes ownership of @def. */
MarinaVm *marina_vm_new(MarinaDaemon *daemon, MarinaDomainConfig *def, gboolean persistent);

const char *marina_vm_get_uuid(MarinaVm *self);
const char *marina_vm_get_name(MarinaVm *self);
const char *marina_vm_get_object_path(MarinaVm *self);
/* The running configuration while active, else the definition. */
const MarinaDomainConfig *marina_vm_get_config(MarinaVm *self);
MarinaDomainState marina_vm_get_state(MarinaVm *self, guint *reason);
int marina_vm_get_id(MarinaVm *self);
gboolean marina_vm_is_active(MarinaVm *self);
gboolean marina_vm_is_persistent(MarinaVm *self);
gboolean marina_vm_get_autostart(MarinaVm *self);
MarinaDBusDomain *marina_vm_get_skeleton(MarinaVm *self);

/* Write the definition (and make the guest persistent). While the guest
 * runs, the new definition applies from its next start. */
gboolean marina_vm_save_definition(MarinaVm *self, MarinaDomainConfig *def, GError **error);
/* Read the autostart flag and managed-save presence from disk. */
void marina_vm_load_flags(MarinaVm *self);

void marina_vm_start_async(MarinaVm *self, guint flags, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_vm_start_finish(MarinaVm *self, GAsyncResult *result, GError **error);

/* Restore from a save image (the guest must not be running). */
void marina_vm_restore_async(MarinaVm *self, const char *file, guint flags, gboolean delete_after,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean marina_vm_restore_finish(MarinaVm *self, GAsyncResult *result, GError **error);

/* Re-attach to a QEMU still running from before the daemon restarted. */
gboolean marina_vm_reattach(MarinaVm *self, GError **error);

/* Statistics of a running guest as a{sv} (see StatsUpdated in the D-Bus XML). */
void marina_vm_collect_stats_async(MarinaVm *self, GAsyncReadyCallback callback,
                                   gpointer user_data);
GVariant *marina_vm_collect_stats_finish(MarinaVm *self, GAsyncResult *result, GError **error);

/* Read the header of a save image: the domain configuration it holds. */
MarinaDomainConfig *marina_vm_read_save_image(const char *file, GError **error);

G_END_DECLS
