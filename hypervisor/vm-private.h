#pragma once

/*
 * Shared by the parts of the guest base class: vm.c (object, state,
 * persistence, start and stop), vm-methods.c (the D-Bus methods) and
 * vm-install.c (the install boot). Drivers use vm.h only.
 */

#include "vm-registry.h"
#include "vm.h"

G_BEGIN_DECLS

typedef struct _InstallRun InstallRun;

/* The property values clients were last told of (see PropertiesChanged). */
typedef struct {
    char *name;
    char *title; /* NULL for "" */
    int id;
    guint reason;
    guint8 state;
    gboolean persistent : 1;
    gboolean autostart : 1;
    gboolean has_managed_save : 1;
    gboolean installing : 1;
} MarinaVmAnnounced;

typedef struct {
    MarinaVmContext ctx;
    MarinaDomainConfig *def;  /* persistent definition, or the transient config */
    MarinaDomainConfig *live; /* configuration of the running guest */
    char *path;
    gboolean persistent;
    gboolean autostart;
    gboolean has_managed_save;

    MarinaDomainState state;
    guint reason;
    int id;

    /* Install boot (StartInstall) */
    InstallRun *install;       /* being prepared (download, start), or NULL */
    gboolean installing;       /* the running guest is on its install boot */
    gboolean install_rebooted; /* ... and that boot ended with a reboot */

    GList *stop_waiters; /* GTask*: complete when the guest has stopped */
    guint props_idle;    /* PropertiesChanged pending */
    MarinaVmAnnounced announced;
} MarinaVmPrivate;

MarinaVmPrivate *marina_vm_get_private(MarinaVm *self);

#define PRIV(self) marina_vm_get_private(self)
#define KLASS(self) MARINA_VM_GET_CLASS(self)

/* State, flags or configuration may have changed: tell clients of the
 * properties that did (PropertiesChanged, from an idle callback). */
void marina_vm_sync_properties(MarinaVm *self);
/* Let the driver record a change of state, reason or persistence. */
void marina_vm_notify_state_changed(MarinaVm *self);
/* FALSE (with @error) while the guest runs or is being prepared. */
gboolean marina_vm_check_startable(MarinaVm *self, GError **error);
/* After Undefine forgot the definition (vm-rename.c): the NVRAM the daemon
 * made (MARINA_VM_UNDEFINE_NVRAM) and the swtpm state (unless
 * MARINA_VM_UNDEFINE_KEEP_TPM). */
void marina_vm_remove_host_state(MarinaVm *self, guint flags);

/* vm-tuning-methods.c: SetMemory, SetVcpus, PinVcpu, GetVcpuInfo, GetInterfaceAddresses. */
void marina_vm_handle_set_memory(MarinaVm *self, GDBusMethodInvocation *invocation,
                                 GVariant *params);
void marina_vm_handle_set_vcpus(MarinaVm *self, GDBusMethodInvocation *invocation,
                                GVariant *params);
void marina_vm_handle_pin_vcpu(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params);
void marina_vm_handle_get_vcpu_info(MarinaVm *self, GDBusMethodInvocation *invocation,
                                    GVariant *params);
void marina_vm_handle_get_interface_addresses(MarinaVm *self, GDBusMethodInvocation *invocation,
                                              GVariant *params);
/* The guest has just started (or been restored): balloon it to its <currentMemory> when that
 * is below its maximum (the driver pins its vCPUs as it starts it). */
void marina_vm_apply_start_tuning(MarinaVm *self);
/* vm-device-methods.c: AttachDevice, DetachDevice, UpdateDevice, ResizeDisk. */
void marina_vm_handle_attach_device(MarinaVm *self, GDBusMethodInvocation *invocation,
                                    GVariant *params);
void marina_vm_handle_detach_device(MarinaVm *self, GDBusMethodInvocation *invocation,
                                    GVariant *params);
void marina_vm_handle_update_device(MarinaVm *self, GDBusMethodInvocation *invocation,
                                    GVariant *params);
void marina_vm_handle_resize_disk(MarinaVm *self, GDBusMethodInvocation *invocation,
                                  GVariant *params);

/* vm-install.c: the StartInstall method. */
void marina_vm_handle_start_install(MarinaVm *self, GDBusMethodInvocation *invocation,
                                    GVariant *options, guint flags);
/* The install run is over, however it ended: its files go. */
void marina_vm_end_install_boot(MarinaVm *self);
/* An idle callback (@data: a guest reference): boot the definition after
 * the install boot ended with a reboot. */
gboolean marina_vm_boot_after_install(gpointer data);

G_END_DECLS
