#pragma once

#include "vm.h"

G_BEGIN_DECLS

/*
 * The qemu driver's guest: a QEMU process per running guest, its QMP
 * connection, serial relays and runtime state for re-attaching after the
 * daemon restarts.
 */
#define MARINA_TYPE_QEMU_VM (marina_qemu_vm_get_type())
G_DECLARE_FINAL_TYPE(MarinaQemuVm, marina_qemu_vm, MARINA, QEMU_VM, MarinaVm)

G_END_DECLS
