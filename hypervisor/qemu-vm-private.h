#pragma once

/*
 * Shared by the parts of the qemu driver's guest: qemu-vm.c (the process,
 * its QMP events, actions and consoles), qemu-vm-start.c (starting QEMU and
 * re-attaching to it), qemu-vm-save.c (save and restore through QEMU's
 * migration stream), qemu-vm-migrate*.c (live migration's QMP side) and
 * qemu-vm-stats.c (statistics).
 */

#include <json-glib/json-glib.h>
#include <sched.h>

#include "qemu-vm.h"
#include "qmp-client.h"

G_BEGIN_DECLS

#define MIGRATION_POLL_MS 20

struct _MarinaQemuVm {
    MarinaVm parent_instance;

    /* The running QEMU */
    GPid pid;
    guint64 pid_start_ticks; /* /proc/<pid>/stat starttime: guards against pid reuse */
    GSubprocess *proc;       /* when we spawned it */
    int pidfd;               /* when we re-attached to it */
    guint pidfd_watch;
    MarinaQmpClient *qmp;
    GPtrArray *relays; /* MarinaSerialRelay*, one per chardev slot */
    char *guest_dir;
    GCancellable *run_cancel;
    guint kill_timer;

    /* What the current stop means */
    gboolean destroy_requested;
    gboolean reboot_requested;
    gboolean guest_shutdown;
    gboolean crashed;
    gboolean saved;
    gboolean starting; /* between spawn and the guest running */
    gboolean start_failed;

    /* Migration (qemu-vm-migrate-out.c, qemu-vm-migrate-in.c) */
    gboolean migrating;     /* QEMU's STOP and RESUME are the migration's doing */
    gboolean migrated;      /* the coming stop ends a migration (reason migrated) */
    gpointer migrate_out;   /* the outgoing migration's run, or NULL */
    gboolean incoming_left; /* re-attached: it was arriving and nobody will finish it */

    /* Statistics */
    guint64 last_cpu_ns;
    gint64 last_sample_us;
};

#define VM(self) MARINA_VM(self)
#define LIVE(self) marina_vm_get_live(VM(self))
#define DEF(self) marina_vm_get_definition(VM(self))
#define CFG(self) marina_vm_get_daemon_config(VM(self))
#define STATE(self) marina_vm_get_state(VM(self), NULL)

static inline const char *
vm_name(MarinaQemuVm *self)
{
    return marina_vm_get_config(VM(self))->name;
}

/* What a start (a boot or a restore) carries from step to step. */
typedef struct {
    guint flags;
    char *log_path;
    goffset log_offset;
    int restore_fd; /* save image positioned at QEMU's stream, or -1 */
    gboolean restore_running;
    char *restore_file;
    gboolean delete_after;
    guint pending_relays;
    GError *relay_error;
    cpu_set_t cpus;
    gboolean pin;
    gboolean held; /* QEMU started with -S: the daemon says when the guest runs */
} StartData;

/* qemu-vm.c: small helpers */
JsonObject *marina_qemu_json_args(const char *key, ...) G_GNUC_NULL_TERMINATED;
/* Fire and forget: failures show up as state changes or process exit. */
void marina_qemu_vm_qmp_fire(MarinaQemuVm *self, const char *command);
/* One step of a QMP conversation that belongs to @task (whose source is the
 * guest): on success @next gets the reply, on failure @fail gets the error
 * (and owns it). */
typedef void (*StepNext)(GTask *task, JsonNode *reply);
typedef void (*StepFail)(GTask *task, GError *error);
void marina_qemu_vm_qmp_step(GTask *task, const char *command, JsonObject *arguments, int fd,
                             StepNext next, StepFail fail);
char *marina_qemu_log_tail_since(const char *log_path, goffset offset);
char *marina_qemu_vm_socket_path(MarinaQemuVm *self, const char *name);

/* qemu-vm.c: the process */
void marina_qemu_vm_write_runtime_state(MarinaQemuVm *self);
void marina_qemu_vm_remove_runtime_state(MarinaQemuVm *self, const char *uuid);
gboolean marina_qemu_vm_watch_pid(MarinaQemuVm *self, GError **error);
void marina_qemu_vm_on_subprocess_exited(GObject *source, GAsyncResult *result, gpointer data);
void marina_qemu_vm_terminate(MarinaQemuVm *self);
void marina_qemu_vm_guest_poweroff(MarinaQemuVm *self, const char *qemu_reason);
void marina_qemu_vm_adopt_qmp(MarinaQemuVm *self, MarinaQmpClient *qmp);

/* qemu-vm-start.c */
StartData *marina_qemu_vm_start_data_new(GTask *task, guint flags);
void marina_qemu_vm_launch(GTask *task);
void marina_qemu_vm_start(MarinaVm *vm, guint flags, GTask *task);
gboolean marina_qemu_vm_reattach(MarinaVm *vm, GError **error);

/* qemu-vm-save.c */
void marina_qemu_vm_save(MarinaVm *vm, const char *file, GTask *task);
void marina_qemu_vm_restore(MarinaVm *vm, const char *file, guint flags, gboolean delete_after,
                            GTask *task);

/* qemu-vm-migrate-out.c */
JsonObject *marina_qemu_migrate_capabilities(gboolean auto_converge, gboolean postcopy);

/* qemu-vm-hotplug.c: MarinaVmClass's attach_device ... resize_disk */
void marina_qemu_vm_attach_device(MarinaVm *vm, const MarinaDevice *device, GTask *task);
void marina_qemu_vm_detach_device(MarinaVm *vm, const MarinaDevice *device, GTask *task);
void marina_qemu_vm_update_device(MarinaVm *vm, const MarinaDevice *current,
                                  const MarinaDevice *device, gboolean force, GTask *task);
void marina_qemu_vm_resize_disk(MarinaVm *vm, const MarinaDiskConfig *disk, guint64 bytes,
                                GTask *task);
gboolean marina_qemu_vm_check_definition(MarinaVm *vm, const MarinaDomainConfig *def,
                                         GError **error);

/* qemu-vm-stats.c */
void marina_qemu_vm_collect_stats(MarinaVm *vm, guint kinds, GTask *task);
void marina_qemu_vm_add_info(MarinaVm *vm, GVariantDict *info);

/* qemu-vm-tuning.c: the tuning hooks (balloon, vCPU hot-plug, pinning, vCPU figures) */
void marina_qemu_vm_set_memory(MarinaVm *vm, guint64 kib, GTask *task);
void marina_qemu_vm_set_vcpus(MarinaVm *vm, guint count, GTask *task);
void marina_qemu_vm_pin_vcpu(MarinaVm *vm, guint vcpu, const cpu_set_t *cpus, GTask *task);
void marina_qemu_vm_get_vcpu_info(MarinaVm *vm, GTask *task);
void marina_qemu_vm_balloon_changed(MarinaQemuVm *self, JsonObject *data);
GPtrArray *marina_qemu_vm_find_leases(MarinaVm *vm, const char *mac, char **network,
                                      GError **error);

G_END_DECLS
