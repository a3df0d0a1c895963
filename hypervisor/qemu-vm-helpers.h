#pragma once

#include <json-glib/json-glib.h>

#include "qemu-vm-private.h"

G_BEGIN_DECLS

/*
 * What a guest's start needs besides QEMU itself (qemu-vm-helpers.c):
 * UEFI firmware and its per-guest NVRAM, the swtpm TPM emulator, and the
 * settings QMP applies once QEMU answers (link state, vCPU pinning).
 */

/* Before QEMU is spawned, after the guest's socket directory exists: the
 * NVRAM of a UEFI guest (copied from the firmware's template the first time,
 * its path written into the live config and the definition, as libvirt
 * does) and the swtpm of a guest with an emulated TPM. Errors name the
 * missing package (ovmf, swtpm). */
gboolean marina_qemu_vm_prepare_host_side(MarinaQemuVm *self, GError **error);
/* For DefineDomain: a UEFI guest needs the OVMF firmware (its <loader>, or
 * the ovmf package's) on this host; the error says what to install. */
gboolean marina_qemu_check_firmware(const MarinaDomainConfig *config, GError **error);
/* The socket QEMU's TPM chardev connects to, or NULL when no swtpm runs. */
const char *marina_qemu_vm_tpm_socket(MarinaQemuVm *self);
/* Stops the guest's swtpm, when QEMU did not start (it ends by itself with QEMU). */
void marina_qemu_vm_stop_swtpm(MarinaQemuVm *self);

/* When the guest has stopped (or its start failed): the PCI host devices
 * its start moved to vfio-pci go back to their host drivers. */
void marina_qemu_vm_release_pci_hostdevs(MarinaQemuVm *self);
/* Those drivers in / from the runtime state (group "pci-drivers"), so a
 * restarted daemon still gives the devices back. */
void marina_qemu_vm_save_pci_drivers(MarinaQemuVm *self, GKeyFile *kf);
void marina_qemu_vm_load_pci_drivers(MarinaQemuVm *self, GKeyFile *kf);

/* Whether QEMU should wait (-S) for the settings QMP applies at start. */
gboolean marina_qemu_vm_has_start_settings(const MarinaDomainConfig *config);
/* Once QMP answers, before the guest runs: links that are down, vCPU pins. */
void marina_qemu_vm_apply_start_settings(MarinaQemuVm *self);

/* ---- vCPU pinning, also for live pinning (PinVcpu) ---- */

/* Applies the live config's <vcpupin>s to the vCPU threads QEMU has now
 * (again after vCPUs are hot-plugged); failures are logged. */
void marina_qemu_vm_pin_vcpus(MarinaQemuVm *self);
/* Thread id of vCPU @vcpu in a QMP query-cpus-fast reply, or -1. */
int marina_qemu_vcpu_thread_id(JsonNode *query_cpus_fast, guint vcpu);
/* Pins thread @tid of QEMU to the CPUs of @cpulist (libvirt syntax,
 * "0-3,^2,5"); fails naming the list when it is invalid or names no CPU of
 * this host. */
gboolean marina_qemu_pin_thread(int tid, const char *cpulist, GError **error);

G_END_DECLS
