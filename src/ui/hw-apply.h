/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What Apply and Remove send for a guest's hardware pages: the persistent
 * definition first (every change goes there), then the autostart flag, then
 * what a running guest can take at once. */
#pragma once

#include <gio/gio.h>

#include "domain-config.h"
#include "domain-device-edit.h"
#include "domain.h"
#include "hw-device-list.h"

G_BEGIN_DECLS

typedef struct _MarinaHwChange MarinaHwChange;

MarinaHwChange *marina_hw_change_new(void);
void marina_hw_change_free(MarinaHwChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaHwChange, marina_hw_change_free)

/* The new persistent definition (copied as XML). */
void marina_hw_change_set_definition(MarinaHwChange *change, const MarinaDomainConfig *config);
/* Rename the guest (shut off only) before anything else is sent. */
void marina_hw_change_set_rename(MarinaHwChange *change, const char *name);
void marina_hw_change_set_autostart(MarinaHwChange *change, gboolean autostart);
/* The live part, for a running guest (the definition has the same already):
 * balloon to @kib; bring the online vCPUs to @count; change @device in place
 * (a CD-ROM's media, a link state, a display password); unplug @device. */
void marina_hw_change_set_live_memory(MarinaHwChange *change, guint64 kib);
void marina_hw_change_set_live_vcpus(MarinaHwChange *change, guint count);
void marina_hw_change_set_live_update(MarinaHwChange *change, const MarinaDevice *device);
void marina_hw_change_set_live_detach(MarinaHwChange *change, const MarinaDevice *device);
/* Adds what of the new definition @config a running guest (@live) can take
 * at once for the page @kind / @index: the balloon, the vCPU count, a
 * CD-ROM's media, a link state, a display password. The rest of what
 * differs waits for the next boot. */
void marina_hw_change_add_live(MarinaHwChange *change, MarinaHwKind kind, guint index,
                               const MarinaDomainConfig *config, const MarinaDomainConfig *live);
/* Adds the unplugging of device @index of @kind of @config (the definition
 * before it was removed) when the running guest (@live) has it. */
void marina_hw_change_add_live_removal(MarinaHwChange *change, MarinaHwKind kind, guint index,
                                       const MarinaDomainConfig *config,
                                       const MarinaDomainConfig *live);
/* Whether the change has a live part. */
gboolean marina_hw_change_has_live(const MarinaHwChange *change);
gboolean marina_hw_change_is_empty(const MarinaHwChange *change);

/* Sends @change (taken) for @domain. */
void marina_hw_apply_async(MarinaDomain *domain, MarinaHwChange *change, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
/* FALSE with the daemon's error when the definition or the autostart flag
 * was refused (nothing live was tried then). Otherwise TRUE, with @notes
 * (may be NULL) saying what the daemon ignored and which live part QEMU
 * refused (that part waits for the next boot), and @live_done TRUE when
 * every live part was done. */
gboolean marina_hw_apply_finish(GAsyncResult *result, char **notes, gboolean *live_done,
                                GError **error);

G_END_DECLS
