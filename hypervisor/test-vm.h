#pragma once

#include "vm.h"

G_BEGIN_DECLS

/*
 * The test driver's guest: no process, only state. Lifecycle actions take
 * effect at once (shutdown after a short delay, as a guest would), the
 * serial console is a small simulated terminal, and statistics are
 * plausible random walks. Nothing is written to the state directory.
 */
#define MARINA_TYPE_TEST_VM (marina_test_vm_get_type())
G_DECLARE_FINAL_TYPE(MarinaTestVm, marina_test_vm, MARINA, TEST_VM, MarinaVm)

/* A guest from the node file that is already running or paused when the
 * daemon starts (no events). */
void marina_test_vm_set_initial_state(MarinaTestVm *self, MarinaDomainState state);

G_END_DECLS
