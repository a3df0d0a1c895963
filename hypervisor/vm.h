#pragma once

#include <gio/gio.h>
#include <sched.h>

#include "core/domain-config.h"
#include "core/domain-device-edit.h"
#include "core/domain-state.h"
#include "daemon-config.h"
#include "job-registry.h"
#include "marina-dbus.h"

G_BEGIN_DECLS

/*
 * One guest of this host: its definition, its state, the
 * org.marinavm.Marina1.Domain object clients call, and the events it
 * sends. How a guest actually runs belongs to a driver subclass:
 * MarinaQemuVm (a QEMU process) or MarinaTestVm (simulated).
 */
#define MARINA_TYPE_VM (marina_vm_get_type())
G_DECLARE_DERIVABLE_TYPE(MarinaVm, marina_vm, MARINA, VM, GObject)

typedef struct _MarinaVmRegistry MarinaVmRegistry;
typedef struct _MarinaNetworkRegistry MarinaNetworkRegistry;

/* One guest's statistics (see StatsUpdated); @kinds (MarinaStatsKind bits)
 * says which groups beyond vcpus, memory-kib and the timestamp are set. */
typedef struct {
    guint kinds;
    guint vcpus;
    guint64 memory_kib;
    guint64 cpu_time_ns;
    double cpu_percent;
    guint64 memory_rss_kib;
    guint64 disk_rd_bytes, disk_wr_bytes, disk_rd_reqs, disk_wr_reqs;
    guint64 net_rx_bytes, net_tx_bytes;
    gint64 timestamp_us;
} MarinaVmStats;

/*
 * What a guest is handed when it is made (by daemon.c, or a unit test): the
 * daemon's settings, the guest registry it reports to (running ids, leaving,
 * events and property changes for clients) and the job registry (an install
 * boot is a job). Borrowed: all three outlive every guest.
 */
typedef void (*MarinaVmMethodFunc)(MarinaVm *vm, const char *method, GVariant *params,
                                   GDBusMethodInvocation *invocation, gpointer user_data);

typedef struct {
    const MarinaDaemonConfig *config;
    MarinaVmRegistry *registry;
    MarinaJobRegistry *jobs;
    /* The Domain methods of migration (MigrateBegin, MigratePerform, ...,
     * see vm-methods.c) are answered by the layer above the guests
     * (migration-methods.c), which daemon.c hands down here; NULL: refused. */
    MarinaVmMethodFunc migration_method;
    gpointer migration_data;
    /* The virtual networks guests' <interface type='network'> attach to
     * (network-registry.h); NULL (unit tests, the test driver): none. */
    MarinaNetworkRegistry *networks;
} MarinaVmContext;

/*
 * What a driver implements. Actions get a GTask they must complete with a
 * boolean (or an error); the base class has already checked the state the
 * action needs (vm-actions.c; who may call is vm-methods.c's concern) and
 * hands the outcome to whoever asked. A driver reports that its guest
 * stopped with marina_vm_stopped().
 */
struct _MarinaVmClass {
    GObjectClass parent_class;

    /* Running at all (a process exists / the simulation runs). */
    gboolean (*is_active)(MarinaVm *self);
    /* Ready for control actions (e.g. QEMU's monitor is connected). */
    gboolean (*is_controllable)(MarinaVm *self);

    /* Boot the definition; marina_vm_get_live() already holds the running
     * configuration. Completes once the guest runs (or is paused). */
    void (*start)(MarinaVm *self, guint flags, GTask *task);
    /* Restore from @file (NULL: from the managed save). */
    void (*restore)(MarinaVm *self, const char *file, guint flags, gboolean delete_after,
                    GTask *task);
    /* Ask the guest to power off; completes when the request is delivered. */
    void (*shutdown)(MarinaVm *self, GTask *task);
    /* Stop now; completion comes through marina_vm_stopped(). */
    void (*destroy)(MarinaVm *self);
    void (*reboot)(MarinaVm *self, GTask *task);
    void (*reset)(MarinaVm *self, GTask *task);
    void (*suspend)(MarinaVm *self, GTask *task);
    void (*resume)(MarinaVm *self, GTask *task);
    /* Save to @file (NULL: managed save) and stop; completes once stopped. */
    void (*save)(MarinaVm *self, const char *file, GTask *task);
    /* Answer the D-Bus calls that hand out consoles and pictures. */
    void (*open_serial)(MarinaVm *self, guint index, GDBusMethodInvocation *invocation);
    void (*open_graphics)(MarinaVm *self, GDBusMethodInvocation *invocation);
    void (*screenshot)(MarinaVm *self, GDBusMethodInvocation *invocation);
    /* Complete @task with a floating-free a{sv} GVariant (see StatsUpdated)
     * holding the figures of @kinds (MarinaStatsKind bits). A driver with
     * sample_stats may leave it NULL. */
    void (*collect_stats)(MarinaVm *self, guint kinds, GTask *task);
    /* Optional: the same figures at once, for a driver that has them at hand
     * (the test driver). A statistics round then costs no task, no idle
     * callback and no dictionary per guest. Called only while the guest is
     * controllable. */
    void (*sample_stats)(MarinaVm *self, guint kinds, MarinaVmStats *stats);
    /* Extra GetInfo keys of a running guest (cpu-time-ns, pid). */
    void (*add_info)(MarinaVm *self, GVariantDict *info);
    gboolean (*reattach)(MarinaVm *self, GError **error);
    /* State, reason or persistence changed (e.g. to record runtime state). */
    void (*state_changed)(MarinaVm *self);

    /* Where definitions and flags live. The defaults keep them on disk
     * (state-store.h); the test driver keeps them in memory. */
    gboolean (*store_definition)(MarinaVm *self, const MarinaDomainConfig *def, GError **error);
    gboolean (*forget_definition)(MarinaVm *self, GError **error);
    gboolean (*store_autostart)(MarinaVm *self, gboolean on, GError **error);
    void (*load_flags)(MarinaVm *self, gboolean *autostart, gboolean *managed_save);
    void (*discard_managed_save)(MarinaVm *self);

    /* ---- Tuning of the running guest (vm-tuning-methods.c) ----
     * The base class has checked the values against the running
     * configuration and updates it after success; each completes @task with
     * TRUE or an error (MARINA_ERROR_UNSUPPORTED when the guest cannot do it
     * live). NULL: nothing can be changed live. */
    /* Balloon the guest to @kib (at most its maximum memory). */
    void (*set_memory)(MarinaVm *self, guint64 kib, GTask *task);
    /* Bring the guest's online vCPUs to @count (1 .. its maximum). */
    void (*set_vcpus)(MarinaVm *self, guint count, GTask *task);
    /* Run online vCPU @vcpu on the host CPUs of @cpus only. */
    void (*pin_vcpu)(MarinaVm *self, guint vcpu, const cpu_set_t *cpus, GTask *task);
    /* Complete @task with a GPtrArray (g_ptr_array_unref) of MarinaVmVcpuInfo*,
     * one per online vCPU. */
    void (*get_vcpu_info)(MarinaVm *self, GTask *task);
    /* The DHCP leases (MarinaNetLease*) of the guest interface @mac in the
     * daemon's virtual networks, *network set to the network's name; NULL
     * and no error when none. NULL hook: the driver has no networks. */
    GPtrArray *(*find_leases)(MarinaVm *self, const char *mac, char **network, GError **error);
    /* Hardware of the running guest (vm-device-methods.c). Each completes
     * @task with TRUE once the guest has the change, or an error:
     * MARINA_ERROR_UNSUPPORTED when it cannot be made live. The devices are
     * the caller's and live until @task completes; the base class updates
     * the running configuration only after success. NULL: nothing live. */
    void (*attach_device)(MarinaVm *self, const MarinaDevice *device, GTask *task);
    /* @device is the running configuration's own entry. */
    void (*detach_device)(MarinaVm *self, const MarinaDevice *device, GTask *task);
    /* @current: the running configuration's entry that @device replaces.
     * @force: change a CD-ROM's medium even when the guest locked the tray. */
    void (*update_device)(MarinaVm *self, const MarinaDevice *current, const MarinaDevice *device,
                          gboolean force, GTask *task);
    /* Optional: refuse a definition this driver could never start, as
     * DefineDomain does (checked before a device change is saved). */
    gboolean (*check_definition)(MarinaVm *self, const MarinaDomainConfig *def, GError **error);
    /* Grow @disk to @bytes: live when the guest runs, else its image.
     * Shrinking is refused. */
    void (*resize_disk)(MarinaVm *self, const MarinaDiskConfig *disk, guint64 bytes, GTask *task);
};

/* One vCPU of a running guest (GetVcpuInfo). */
typedef struct {
    guint vcpu;
    gboolean online;
    int cpu;           /* host CPU it last ran on, -1 unknown */
    const char *state; /* "running", "halted", "offline" (static) */
    guint64 cpu_time_ns;
    char *affinity; /* host CPU list */
    int thread_id;  /* -1 unknown */
} MarinaVmVcpuInfo;

MarinaVmVcpuInfo *marina_vm_vcpu_info_new(guint vcpu);
void marina_vm_vcpu_info_free(MarinaVmVcpuInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaVmVcpuInfo, marina_vm_vcpu_info_free)

enum {
    MARINA_VM_START_PAUSED = 1 << 0,
    MARINA_VM_START_FORCE_BOOT = 1 << 1,
    /* Wait paused for an incoming migration (QEMU's -incoming defer); never
     * from a client's Start. */
    MARINA_VM_START_INCOMING = 1 << 2,
};

/* A guest of the driver @type (a MarinaVm subclass). Takes ownership of
 * @def; @context is copied. */
MarinaVm *marina_vm_new(GType type, const MarinaVmContext *context, MarinaDomainConfig *def,
                        gboolean persistent);

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

/* The org.marinavm.Marina1.Domain interface of every guest (vm-methods.c):
 * register it with the guest as user data. */
const GDBusInterfaceVTable *marina_vm_get_dbus_vtable(void);
/* The guest's Domain properties as a floating a{sv}. */
GVariant *marina_vm_get_dbus_properties(MarinaVm *self);

/* Write the definition (and make the guest persistent). While the guest
 * runs, the new definition applies from its next start. */
gboolean marina_vm_save_definition(MarinaVm *self, MarinaDomainConfig *def, GError **error);
/* Read the autostart flag and managed-save presence from the driver's store. */
void marina_vm_load_flags(MarinaVm *self);

void marina_vm_start_async(MarinaVm *self, guint flags, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_vm_start_finish(MarinaVm *self, GAsyncResult *result, GError **error);

/* Restore from a save image (the guest must not be running). */
void marina_vm_restore_async(MarinaVm *self, const char *file, guint flags, gboolean delete_after,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean marina_vm_restore_finish(MarinaVm *self, GAsyncResult *result, GError **error);

/*
 * Lifecycle actions (vm-actions.c). Each refuses what the guest's state does
 * not allow with a MARINA_ERROR whose message names the guest, and completes
 * through marina_vm_action_finish.
 */
/* Ask the guest to power off. With @timeout_s > 0, complete once it has
 * stopped (Error.Timeout after that many seconds); else once asked. */
void marina_vm_shutdown_async(MarinaVm *self, guint timeout_s, GAsyncReadyCallback callback,
                              gpointer user_data);
/* Stop now; completes once stopped. */
void marina_vm_destroy_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data);
void marina_vm_reboot_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data);
void marina_vm_reset_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data);
void marina_vm_suspend_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data);
void marina_vm_resume_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data);
/* Save to the absolute path @file (NULL: the managed save) and stop. */
void marina_vm_save_async(MarinaVm *self, const char *file, GAsyncReadyCallback callback,
                          gpointer user_data);
/* The managed save of a defined guest. */
void marina_vm_managed_save_async(MarinaVm *self, GAsyncReadyCallback callback, gpointer user_data);
gboolean marina_vm_action_finish(MarinaVm *self, GAsyncResult *result, GError **error);

gboolean marina_vm_remove_managed_save(MarinaVm *self, GError **error);

enum {
    MARINA_VM_UNDEFINE_MANAGED_SAVE = 1 << 0, /* remove a managed save too */
    MARINA_VM_UNDEFINE_NVRAM = 1 << 1,        /* remove the UEFI NVRAM the daemon made */
    MARINA_VM_UNDEFINE_KEEP_TPM = 1 << 2,     /* keep the swtpm state */
};
/* Forget the definition: a stopped guest leaves the registry, a running
 * one stays, transient, until it stops. */
gboolean marina_vm_undefine(MarinaVm *self, guint flags, GError **error);
gboolean marina_vm_set_autostart(MarinaVm *self, gboolean on, GError **error);
/* Rename a defined, shut-off guest (vm-rename.c): the definition and the
 * logs follow; on a failure nothing changed. */
gboolean marina_vm_rename(MarinaVm *self, const char *new_name, GError **error);

/* The running guest is on its one-shot install boot (Domain.StartInstall). */
gboolean marina_vm_is_installing(MarinaVm *self);

/* Re-attach to a QEMU still running from before the daemon restarted. */
gboolean marina_vm_reattach(MarinaVm *self, GError **error);

/* What clients want collected (Host.SetStatsCollection). */
typedef enum {
    MARINA_STATS_CPU = 1 << 0,
    MARINA_STATS_MEMORY = 1 << 1,
    MARINA_STATS_DISK = 1 << 2,
    MARINA_STATS_NETWORK = 1 << 3,
    MARINA_STATS_ALL = 0xf,
} MarinaStatsKind;

/* Statistics of a running guest as a{sv} (see StatsUpdated in the D-Bus XML). */
void marina_vm_collect_stats_async(MarinaVm *self, guint kinds, GAsyncReadyCallback callback,
                                   gpointer user_data);
GVariant *marina_vm_collect_stats_finish(MarinaVm *self, GAsyncResult *result, GError **error);
/* Whether the driver has statistics at hand: marina_vm_sample_stats() then
 * answers without waiting. */
gboolean marina_vm_has_stats_at_hand(MarinaVm *self);
/* The statistics of a running guest at once; FALSE when it is not running. */
gboolean marina_vm_sample_stats(MarinaVm *self, guint kinds, MarinaVmStats *stats);
/* @stats as the a{sv} of StatsUpdated (floating). */
GVariant *marina_vm_stats_to_variant(const MarinaVmStats *stats);

/* Read the header of a save image: the domain configuration it holds. */
MarinaDomainConfig *marina_vm_read_save_image(const char *file, GError **error);

/* ---- For drivers ---------------------------------------------------- */

const MarinaDaemonConfig *marina_vm_get_daemon_config(MarinaVm *self);
/* The daemon's virtual networks (MarinaVmContext.networks), or NULL. */
MarinaNetworkRegistry *marina_vm_get_networks(MarinaVm *self);
/* Give the guest, which has just started, a fresh running id. */
void marina_vm_assign_id(MarinaVm *self);
/* Tell clients (through the registry) of an event without a change of
 * state (e.g. "rebooted", "crashed", "defined"). */
void marina_vm_emit_event(MarinaVm *self, const char *event, const char *detail);
/* The persistent definition (or the transient config). */
const MarinaDomainConfig *marina_vm_get_definition(MarinaVm *self);
/* The running configuration, or NULL. */
MarinaDomainConfig *marina_vm_get_live(MarinaVm *self);
/* Takes ownership of @live (NULL clears it). */
void marina_vm_set_live(MarinaVm *self, MarinaDomainConfig *live);
void marina_vm_set_id(MarinaVm *self, int id);
gboolean marina_vm_has_managed_save(MarinaVm *self);
/* Set state and reason; with @event, tell every client. */
void marina_vm_set_state(MarinaVm *self, MarinaDomainState state, guint reason, const char *event,
                         const char *detail);
/* The running guest is (re-attached: was) on its install boot. */
void marina_vm_set_installing(MarinaVm *self, gboolean installing);
/* The guest rebooted during its install boot and its run is stopping: once
 * it has stopped the base class boots it again from its definition. */
void marina_vm_note_install_reboot(MarinaVm *self);
/* The driver's guest has stopped for @reason: forget the running
 * configuration, announce "stopped", answer waiters, drop a transient guest. */
void marina_vm_stopped(MarinaVm *self, guint reason);
/* Complete @task once the guest has stopped (destroy, shutdown with timeout). */
void marina_vm_add_stop_waiter(MarinaVm *self, GTask *task);
/* Take back a waiter that failed before the guest stopped; TRUE if it was waiting. */
gboolean marina_vm_remove_stop_waiter(MarinaVm *self, GTask *task);
/* Open a save image of this guest and read its header: returns the descriptor
 * (the caller closes it) just after the header, sets @config (owned by the
 * caller) and @running (may be NULL); -1 with @error when the file cannot be
 * read or holds another guest. */
int marina_vm_open_save_image(MarinaVm *self, const char *file, MarinaDomainConfig **config,
                              gboolean *running, GError **error);
/* The guest's definition or running configuration changed (ConfigChanged):
 * @event as in the D-Bus XML, @device as the user names it, or "". */
void marina_vm_emit_config_changed(MarinaVm *self, const char *event, const char *device);
/* For open_serial: FALSE (and @invocation answered) when the guest has no
 * console @index among its @count. */
gboolean marina_vm_check_serial_index(MarinaVm *self, GDBusMethodInvocation *invocation,
                                      guint index, guint count);
/* For open_serial: hand @fd (closed here) and the console's @scrollback to the
 * caller; with @fd < 0 answer with @error (taken) instead. */
void marina_vm_complete_open_serial(MarinaVm *self, GDBusMethodInvocation *invocation, int fd,
                                    GBytes *scrollback, GError *error);

G_END_DECLS
