#pragma once

#include "test-node.h"
#include "vm-registry.h"

G_BEGIN_DECLS

/*
 * What the daemon does with its guests when it starts: read the stored
 * definitions, re-attach to guests still running from before a restart,
 * sweep install files nobody needs and start the autostart guests (qemu
 * driver); or make the simulated guests of a node file (test driver).
 * Guests of type @type are made with @context and go into its registry.
 */

void marina_guest_startup_load_definitions(const MarinaVmContext *context, GType type);
void marina_guest_startup_reattach(const MarinaVmContext *context, GType type);
void marina_guest_startup_clean_installs(const MarinaVmContext *context);
/* Like xendomains: guests with a managed save come back first (Start
 * restores them), then the other autostart guests, one after another. */
void marina_guest_startup_autostart(const MarinaVmContext *context);
/* The test driver's guests, their configurations taken out of @node. */
void marina_guest_startup_load_test(const MarinaVmContext *context, GType type,
                                    MarinaTestNode *node);

G_END_DECLS
