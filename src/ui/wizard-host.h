/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the new-guest wizard knows of the host of its selected connection:
 * CPUs, memory, bridges, the daemon's mode and the storage pools, read when
 * the connection is chosen, and the guests already there (for the name). */
#pragma once

#include <gio/gio.h>

#include "guest-list.h"
#include "host.h"

G_BEGIN_DECLS

/* What a "changed" signal says changed (flags). */
typedef enum {
    MARINA_WIZARD_HOST_CONNECTION = 1 << 0, /* another connection: everything was reset */
    MARINA_WIZARD_HOST_NODE = 1 << 1,       /* CPUs, memory and bridges */
    MARINA_WIZARD_HOST_MODE = 1 << 2,       /* session or system daemon */
    MARINA_WIZARD_HOST_POOLS = 1 << 3,      /* the pools, or why they could not be listed */
} MarinaWizardHostChange;

#define MARINA_WIZARD_HOST_ALL                                                                     \
    (MARINA_WIZARD_HOST_CONNECTION | MARINA_WIZARD_HOST_NODE | MARINA_WIZARD_HOST_MODE |           \
     MARINA_WIZARD_HOST_POOLS)

#define MARINA_TYPE_WIZARD_HOST (marina_wizard_host_get_type())
G_DECLARE_FINAL_TYPE(MarinaWizardHost, marina_wizard_host, MARINA, WIZARD_HOST, GObject)

MarinaWizardHost *marina_wizard_host_new(void);

/* Another connection (its guest list; NULL: none): forgets what was known and
 * reads the new host's facts. @local: its files are on this computer. */
void marina_wizard_host_set_list(MarinaWizardHost *self, MarinaGuestList *list, gboolean local);
/* Stops reading (the wizard closes). */
void marina_wizard_host_close(MarinaWizardHost *self);

MarinaGuestList *marina_wizard_host_get_list(MarinaWizardHost *self);
/* The connection, or NULL when there is none. */
MarinaConnection *marina_wizard_host_get_connection(MarinaWizardHost *self);
gboolean marina_wizard_host_is_local(MarinaWizardHost *self);
gboolean marina_wizard_host_has_guest(MarinaWizardHost *self, const char *name);

/* 0 / NULL: not known (yet). */
guint marina_wizard_host_get_cpus(MarinaWizardHost *self);
guint64 marina_wizard_host_get_memory_mib(MarinaWizardHost *self);
const char *const *marina_wizard_host_get_bridges(MarinaWizardHost *self);
/* The host's architecture ("x86_64"), from its QEMU; NULL until known. */
const char *marina_wizard_host_get_arch(MarinaWizardHost *self);
gboolean marina_wizard_host_is_system(MarinaWizardHost *self);

/* MarinaPoolInfo* as Host.ListPools fills them; empty until listed. */
GPtrArray *marina_wizard_host_get_pools(MarinaWizardHost *self);
const MarinaPoolInfo *marina_wizard_host_find_pool(MarinaWizardHost *self, const char *name);
/* Why the pools could not be listed, or NULL. */
const char *marina_wizard_host_get_pools_error(MarinaWizardHost *self);

/* Asks the host what an install source holds: an ISO image (@tree FALSE) or
 * an install tree's URL (@tree TRUE). Completes with its a{sv} description. */
void marina_wizard_host_inspect_async(MarinaWizardHost *self, gboolean tree, const char *source,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
GVariant *marina_wizard_host_inspect_finish(MarinaWizardHost *self, GAsyncResult *result,
                                            GError **error);

/* Signal "changed" (guint what: MarinaWizardHostChange flags). */

G_END_DECLS
