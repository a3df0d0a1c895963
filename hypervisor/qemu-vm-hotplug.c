#define G_LOG_DOMAIN "marinad-qemu"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "qemu-command.h"
#include "qemu-img.h"
#include "network-registry.h"
#include "qemu-vm-private.h"
#include "state-store.h"
#include "tap-device.h"

/*
 * Hardware of a running guest through QMP: disks and interfaces plugged and
 * unplugged, CD-ROM / floppy media, link state, disk growth. The ids are the
 * ones the start path gives (qemu-command-devices.c): a disk's nodes are
 * "file-<target>" and "drive-<target>", its device "disk-<target>"; an
 * interface is device "net<N>" on netdev "hostnet<N>".
 *
 * Each change is a plan of QMP commands run in order; a step that fails
 * undoes the steps before it that can be undone, so the guest is left as it
 * was. An unplug waits for QEMU's DEVICE_DELETED (the guest has to let go).
 */

/* How long a guest has to release an unplugged device. */
#define UNPLUG_TIMEOUT_S 15

typedef struct Step Step;
struct Step {
    char *command;
    JsonObject *args;
    int fd;             /* sent with the command, closed with the step; -1 for none */
    char *wait_deleted; /* after the command, wait for DEVICE_DELETED of this id */
    Step *undo;         /* run, errors ignored, when a later step fails */
};

typedef struct {
    GPtrArray *steps; /* Step* */
    guint next;
    MarinaQemuVm *vm;
    MarinaDevice *device; /* an unplug: what leaves the running configuration */
    char *what;           /* "Disk 'vdb'", for messages */
    MarinaQmpClient *qmp;
    gulong event_handler;
    guint timer;
    gboolean deleted; /* the awaited DEVICE_DELETED came */
    gboolean waiting;
    gboolean done; /* the task has its result: nothing more happens */
    GError *error; /* rolling back because of this */
    /* An interface on a virtual network: the port forwards it holds are let
     * go when the plug fails or the unplug works (release_on_success). */
    char *forward_mac;
    gboolean release_on_success;
    int undo_index;
} Plan;

static Step *
step_new(const char *command, JsonObject *args)
{
    Step *step = g_new0(Step, 1);

    step->command = g_strdup(command);
    step->args = args;
    step->fd = -1;
    return step;
}

static void
step_free(Step *step)
{
    if (step == NULL)
        return;
    g_free(step->command);
    if (step->args != NULL)
        json_object_unref(step->args);
    if (step->fd >= 0)
        close(step->fd);
    g_free(step->wait_deleted);
    step_free(step->undo);
    g_free(step);
}

static void
plan_free(Plan *plan)
{
    if (plan->event_handler != 0)
        g_signal_handler_disconnect(plan->qmp, plan->event_handler);
    g_clear_handle_id(&plan->timer, g_source_remove);
    g_clear_object(&plan->qmp);
    g_clear_object(&plan->vm);
    g_clear_pointer(&plan->device, marina_device_free);
    g_ptr_array_unref(plan->steps);
    g_free(plan->what);
    g_free(plan->forward_mac);
    g_clear_error(&plan->error);
    g_free(plan);
}

static Plan *
plan_new(const char *what)
{
    Plan *plan = g_new0(Plan, 1);

    plan->steps = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
    plan->what = g_strdup(what);
    return plan;
}

static Step *
plan_add(Plan *plan, const char *command, JsonObject *args)
{
    Step *step = step_new(command, args);

    g_ptr_array_add(plan->steps, step);
    return step;
}

static JsonObject *
args_new(void)
{
    return json_object_new();
}

static void plan_continue(GTask *task);
static void plan_undo(GTask *task);

/* The plan holds its task while it runs (the waits for QEMU's events have
 * no call in flight that would): let go once the result is in. */
static void
plan_return(GTask *task, GError *error)
{
    Plan *plan = g_task_get_task_data(task);

    plan->done = TRUE;
    if (plan->event_handler != 0)
        g_signal_handler_disconnect(plan->qmp, plan->event_handler);
    plan->event_handler = 0;
    g_clear_handle_id(&plan->timer, g_source_remove);
    if (plan->forward_mac != NULL && (error == NULL) == plan->release_on_success &&
        marina_vm_get_networks(VM(plan->vm)) != NULL)
        marina_network_registry_release_guest(marina_vm_get_networks(VM(plan->vm)),
                                              vm_name(plan->vm), plan->forward_mac);
    if (error != NULL)
        g_task_return_error(task, error);
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
execute(GTask *task, Step *step, GAsyncReadyCallback done)
{
    Plan *plan = g_task_get_task_data(task);

    marina_qmp_client_execute_async(plan->qmp, step->command, step->args, step->fd, NULL, done,
                                    g_object_ref(task));
}

static void
on_undo_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);

    if (reply == NULL)
        g_debug("undo step failed: %s", error->message);
    plan_undo(task);
}

/* Undo, newest first, what the steps before the failed one did. */
static void
plan_undo(GTask *task)
{
    Plan *plan = g_task_get_task_data(task);

    while (plan->undo_index >= 0) {
        Step *step = plan->steps->pdata[plan->undo_index--];
        if (step->undo != NULL) {
            execute(task, step->undo, on_undo_done);
            return;
        }
    }
    plan_return(task, g_steal_pointer(&plan->error));
}

static void
plan_fail(GTask *task, GError *error)
{
    Plan *plan = g_task_get_task_data(task);

    plan->error = error;
    plan->undo_index = (int)plan->next - 1;
    plan_undo(task);
}

static void
on_device_event(MarinaQmpClient *qmp, const char *name, JsonObject *data, gint64 ts,
                gpointer user_data)
{
    GTask *task = user_data;
    Plan *plan = g_task_get_task_data(task);
    Step *step;
    const char *id;

    if (plan->done || plan->next >= plan->steps->len || plan->error != NULL)
        return;
    step = plan->steps->pdata[plan->next];
    if (!g_str_equal(name, "DEVICE_DELETED") || data == NULL ||
        !json_object_has_member(data, "device"))
        return;
    id = json_object_get_string_member_with_default(data, "device", "");
    if (step->wait_deleted == NULL || g_strcmp0(id, step->wait_deleted) != 0)
        return;
    plan->deleted = TRUE;
    if (plan->waiting) {
        plan->waiting = FALSE;
        g_clear_handle_id(&plan->timer, g_source_remove);
        plan->next++;
        plan_continue(task);
    }
}

/* A guest that lets go of a device after the unplug stopped waiting: the
 * unplug is finished then (the steps after the wait), and the running
 * configuration follows, so it and QEMU agree again. */
typedef struct {
    MarinaQemuVm *vm; /* weak */
    MarinaQmpClient *qmp;
    gulong handler;
    char *id;
    MarinaDevice *device;
    GPtrArray *steps; /* Step*: what comes after the wait */
} LateUnplug;

static void
late_unplug_free(gpointer data, GClosure *closure)
{
    LateUnplug *late = data;

    if (late->vm != NULL)
        g_object_remove_weak_pointer(G_OBJECT(late->vm), (gpointer *)&late->vm);
    g_free(late->id);
    marina_device_free(late->device);
    g_ptr_array_unref(late->steps);
    g_free(late);
}

static void
on_late_event(MarinaQmpClient *qmp, const char *name, JsonObject *data, gint64 ts,
              gpointer user_data)
{
    LateUnplug *late = user_data;
    MarinaDomainConfig *live;

    if (!g_str_equal(name, "DEVICE_DELETED") || data == NULL ||
        g_strcmp0(json_object_get_string_member_with_default(data, "device", ""), late->id) != 0)
        return;
    for (guint i = 0; i < late->steps->len; i++) {
        Step *step = late->steps->pdata[i];
        marina_qmp_client_execute_async(qmp, step->command, step->args, -1, NULL, NULL, NULL);
    }
    live = late->vm != NULL ? LIVE(late->vm) : NULL;
    if (live != NULL && marina_domain_config_remove_device(live, late->device, NULL)) {
        g_autofree char *what = marina_device_describe(late->device);
        const char *event_name = late->device->kind == MARINA_DEVICE_DISK
                                     ? ((MarinaDiskConfig *)late->device->config)->target_dev
                                     : ((MarinaInterfaceConfig *)late->device->config)->mac;

        g_info("Guest '%s' released %s late; it is unplugged now", vm_name(late->vm), what);
        marina_qemu_vm_write_runtime_state(late->vm);
        marina_vm_emit_config_changed(VM(late->vm), "device-detached", event_name);
    }
    /* Frees @late. */
    g_signal_handler_disconnect(qmp, late->handler);
}

static void
watch_late_unplug(Plan *plan, const char *id)
{
    LateUnplug *late;

    if (plan->device == NULL || plan->vm == NULL)
        return;
    late = g_new0(LateUnplug, 1);
    late->vm = plan->vm;
    g_object_add_weak_pointer(G_OBJECT(late->vm), (gpointer *)&late->vm);
    late->qmp = plan->qmp;
    late->id = g_strdup(id);
    late->device = marina_device_copy(plan->device);
    late->steps = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
    for (guint i = plan->next + 1; i < plan->steps->len; i++) {
        Step *step = plan->steps->pdata[i];
        g_ptr_array_add(late->steps, step_new(step->command, json_object_ref(step->args)));
    }
    late->handler = g_signal_connect_data(plan->qmp, "event", G_CALLBACK(on_late_event), late,
                                          late_unplug_free, 0);
}

static gboolean
on_unplug_timeout(gpointer data)
{
    GTask *task = data;
    Plan *plan = g_task_get_task_data(task);
    Step *step = plan->steps->pdata[plan->next];

    plan->timer = 0;
    plan->waiting = FALSE;
    watch_late_unplug(plan, step->wait_deleted);
    /* Nothing to undo: the guest was asked and may still let go later. */
    plan->next = 0;
    plan_fail(task, g_error_new(MARINA_ERROR, MARINA_ERROR_TIMEOUT,
                                _("%s: the guest did not release it within %u seconds (it may be "
                                  "in use, or the guest may not support hot-unplug). The "
                                  "definition is unchanged; should the guest release it later, "
                                  "it is unplugged then. Try again, or use --config to remove "
                                  "it at the next boot."),
                                plan->what, UNPLUG_TIMEOUT_S));
    return G_SOURCE_REMOVE;
}

/* QEMU's answer when the guest holds a CD-ROM's tray shut and force was not
 * given: the medium cannot change. */
static gboolean
is_tray_locked(const Step *step, const GError *error)
{
    return (g_str_equal(step->command, "blockdev-remove-medium") ||
            g_str_equal(step->command, "blockdev-change-medium")) &&
           (strstr(error->message, "locked") != NULL || strstr(error->message, "not open") != NULL);
}

static void
on_step_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    Plan *plan = g_task_get_task_data(task);
    Step *step = plan->steps->pdata[plan->next];
    GError *error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);

    if (reply == NULL) {
        if (g_str_equal(step->command, "device_del") && strstr(error->message, "hotplug") != NULL) {
            g_clear_error(&error);
            error = g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                _("%s is on a bus without hot-plug (it was there when the guest "
                                  "started). Use --config: it applies at the next boot."),
                                plan->what);
        } else if (is_tray_locked(step, error)) {
            g_clear_error(&error);
            error = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("%s: the guest keeps the tray locked (is the disc mounted?). "
                                  "Unmount it in the guest and try again, or force it (virsh's "
                                  "--force)."),
                                plan->what);
        } else {
            g_prefix_error(&error, "%s: ", plan->what);
        }
        plan_fail(task, error);
        return;
    }
    if (step->wait_deleted != NULL && !plan->deleted) {
        plan->waiting = TRUE;
        plan->timer = g_timeout_add_seconds(UNPLUG_TIMEOUT_S, on_unplug_timeout, task);
        return;
    }
    plan->next++;
    plan_continue(task);
}

static void
plan_continue(GTask *task)
{
    Plan *plan = g_task_get_task_data(task);
    Step *step;

    if (plan->next >= plan->steps->len) {
        plan_return(task, NULL);
        return;
    }
    step = plan->steps->pdata[plan->next];
    plan->deleted = FALSE;
    execute(task, step, on_step_done);
}

/* Runs @plan (taken) for @task. */
static void
plan_run(MarinaQemuVm *self, Plan *plan, GTask *task)
{
    if (self->qmp == NULL) {
        plan_free(plan);
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                _("The guest's QEMU process has gone away"));
        return;
    }
    plan->qmp = g_object_ref(self->qmp);
    plan->vm = g_object_ref(self);
    g_task_set_task_data(task, plan, (GDestroyNotify)plan_free);
    g_object_ref(task); /* until plan_return() */
    plan->event_handler = g_signal_connect(plan->qmp, "event", G_CALLBACK(on_device_event), task);
    plan_continue(task);
}

/* ---------------------------------------------------------------------- */
/* What cannot change live                                                 */

static gboolean
is_q35(MarinaQemuVm *self)
{
    const char *machine = LIVE(self)->machine;

    return machine != NULL && strstr(machine, "q35") != NULL;
}

static void
return_unsupported(MarinaQemuVm *self, GTask *task, const MarinaDevice *device, const char *why)
{
    g_autofree char *what = marina_device_describe(device);

    g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                            _("%s cannot be changed this way while guest '%s' runs: %s Use "
                              "--config: it applies at the next boot."),
                            what, vm_name(self), why);
}

/* Where a PCI device goes: on the pc machine's root bus QEMU finds a free
 * slot itself (@bus NULL); q35's root bus takes no hot-plug, so a device
 * goes into an empty PCIe root port ("pci.<index>", see the start path). */
typedef void (*Placed)(MarinaQemuVm *self, const MarinaDevice *device, const char *bus,
                       GTask *task);

static const char *
free_root_port(JsonNode *reply)
{
    JsonArray *buses = JSON_NODE_HOLDS_ARRAY(reply) ? json_node_get_array(reply) : NULL;

    for (guint b = 0; buses != NULL && b < json_array_get_length(buses); b++) {
        JsonObject *bus = json_array_get_object_element(buses, b);
        JsonArray *devices = bus != NULL && json_object_has_member(bus, "devices")
                                 ? json_object_get_array_member(bus, "devices")
                                 : NULL;

        for (guint d = 0; devices != NULL && d < json_array_get_length(devices); d++) {
            JsonObject *dev = json_array_get_object_element(devices, d);
            const char *id =
                dev != NULL ? json_object_get_string_member_with_default(dev, "qdev_id", "") : "";
            JsonObject *bridge = dev != NULL && json_object_has_member(dev, "pci_bridge")
                                     ? json_object_get_object_member(dev, "pci_bridge")
                                     : NULL;
            JsonArray *below = bridge != NULL && json_object_has_member(bridge, "devices")
                                   ? json_object_get_array_member(bridge, "devices")
                                   : NULL;

            if (bridge != NULL && g_str_has_prefix(id, "pci.") &&
                (below == NULL || json_array_get_length(below) == 0))
                return id;
        }
    }
    return NULL;
}

static void
on_pci_listed(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    MarinaQemuVm *self = g_task_get_source_object(task);
    const MarinaDevice *device = g_object_get_data(G_OBJECT(task), "place-device");
    Placed placed = (Placed)g_object_get_data(G_OBJECT(task), "place-then");
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);
    const char *port = reply != NULL ? free_root_port(reply) : NULL;
    g_autofree char *bus = g_strdup(port);

    if (bus == NULL) {
        return_unsupported(self, task, device,
                           _("the q35 machine's root bus takes no hot-plug and no PCIe root port "
                             "is free. Add an empty one (<controller type='pci' "
                             "model='pcie-root-port'/>) for the next boot."));
        return;
    }
    placed(self, device, bus, task);
}

static void
place_pci(MarinaQemuVm *self, const MarinaDevice *device, GTask *task, Placed placed)
{
    if (!is_q35(self)) {
        placed(self, device, NULL, task);
        return;
    }
    if (self->qmp == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                _("The guest's QEMU process has gone away"));
        return;
    }
    g_object_set_data(G_OBJECT(task), "place-device", (gpointer)device);
    g_object_set_data(G_OBJECT(task), "place-then", (gpointer)placed);
    marina_qmp_client_execute_async(self->qmp, "query-pci", NULL, -1, NULL, on_pci_listed,
                                    g_object_ref(task));
}

/* ---------------------------------------------------------------------- */
/* Disks                                                                   */

static const char *
cache_flags(const MarinaDiskConfig *disk, gboolean *direct, gboolean *no_flush,
            gboolean *write_cache_off)
{
    const char *c = disk->cache;

    *direct = *no_flush = *write_cache_off = FALSE;
    if (c == NULL || g_str_equal(c, "default") || g_str_equal(c, "writeback"))
        return c;
    *direct = g_str_equal(c, "none") || g_str_equal(c, "directsync");
    *write_cache_off = g_str_equal(c, "writethrough") || g_str_equal(c, "directsync");
    *no_flush = g_str_equal(c, "unsafe");
    return c;
}

static JsonObject *
blockdev_args(const char *driver, const char *node, gboolean readonly, const char *cache)
{
    JsonObject *args = args_new();

    json_object_set_string_member(args, "driver", driver);
    json_object_set_string_member(args, "node-name", node);
    json_object_set_boolean_member(args, "read-only", readonly);
    (void)cache;
    return args;
}

static Step *
blockdev_del(const char *node)
{
    return step_new("blockdev-del", marina_qemu_json_args("node-name", node, NULL));
}

static void
set_cache(JsonObject *args, const MarinaDiskConfig *disk)
{
    gboolean direct, no_flush, wc_off;

    if (cache_flags(disk, &direct, &no_flush, &wc_off) == NULL)
        return;
    JsonObject *cache = json_object_new();
    json_object_set_boolean_member(cache, "direct", direct);
    json_object_set_boolean_member(cache, "no-flush", no_flush);
    json_object_set_object_member(args, "cache", cache);
}

static void attach_disk_at(MarinaQemuVm *self, const MarinaDevice *device, const char *bus,
                           GTask *task);

static void
attach_disk(MarinaQemuVm *self, const MarinaDevice *device, GTask *task)
{
    const MarinaDiskConfig *disk = device->config;
    g_autofree char *what = marina_device_describe(device);

    if (disk->device != MARINA_DISK_DEVICE_DISK ||
        (disk->bus != MARINA_DISK_BUS_VIRTIO && disk->bus != MARINA_DISK_BUS_SCSI)) {
        return_unsupported(self, task, device,
                           _("only virtio and SCSI disks can be plugged into a running guest "
                             "(CD-ROMs, floppies, IDE, SATA and USB disks cannot)."));
        return;
    }
    if (disk->source == NULL || !g_path_is_absolute(disk->source)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                                _("%s needs a source with an absolute path."), what);
        return;
    }
    if (disk->bus == MARINA_DISK_BUS_SCSI) {
        gboolean have_scsi = FALSE;
        for (guint i = 0; i < LIVE(self)->disks->len; i++)
            have_scsi |=
                ((MarinaDiskConfig *)LIVE(self)->disks->pdata[i])->bus == MARINA_DISK_BUS_SCSI;
        for (guint i = 0; i < LIVE(self)->controllers->len; i++)
            have_scsi |=
                g_strcmp0(((MarinaControllerConfig *)LIVE(self)->controllers->pdata[i])->type,
                          "scsi") == 0;
        if (!have_scsi) {
            return_unsupported(self, task, device,
                               _("the guest has no SCSI controller to plug it into."));
            return;
        }
        attach_disk_at(self, device, NULL, task);
        return;
    }
    place_pci(self, device, task, attach_disk_at);
}

/* The disk's nodes, then its device on @bus (NULL: where QEMU puts it). */
static void
attach_disk_at(MarinaQemuVm *self, const MarinaDevice *device, const char *bus, GTask *task)
{
    const MarinaDiskConfig *disk = device->config;
    const char *t = disk->target_dev;
    g_autofree char *what = marina_device_describe(device);
    g_autofree char *file_node = g_strconcat("file-", t, NULL);
    g_autofree char *drive_node = g_strconcat("drive-", t, NULL);
    g_autofree char *id = g_strconcat("disk-", t, NULL);
    const char *format = disk->format != NULL ? disk->format : "raw";
    gboolean direct, no_flush, wc_off;
    JsonObject *args;
    Plan *plan;
    Step *step;

    cache_flags(disk, &direct, &no_flush, &wc_off);
    plan = plan_new(what);

    args = blockdev_args(disk->type == MARINA_DISK_TYPE_BLOCK ? "host_device" : "file", file_node,
                         disk->readonly, disk->cache);
    json_object_set_string_member(args, "filename", disk->source);
    set_cache(args, disk);
    step = plan_add(plan, "blockdev-add", args);
    step->undo = blockdev_del(file_node);

    args = blockdev_args(format, drive_node, disk->readonly, disk->cache);
    json_object_set_string_member(args, "file", file_node);
    set_cache(args, disk);
    step = plan_add(plan, "blockdev-add", args);
    step->undo = blockdev_del(drive_node);

    args = args_new();
    json_object_set_string_member(
        args, "driver", disk->bus == MARINA_DISK_BUS_VIRTIO ? "virtio-blk-pci" : "scsi-hd");
    json_object_set_string_member(args, "drive", drive_node);
    json_object_set_string_member(args, "id", id);
    if (disk->bus == MARINA_DISK_BUS_SCSI) {
        /* Where the start path puts it: SCSI id from the target's letters. */
        int index = 0;
        for (const char *p = t + 2; *p != '\0'; p++)
            index = index * 26 + (*p - 'a' + 1);
        json_object_set_string_member(args, "bus", "scsi0.0");
        json_object_set_int_member(args, "channel", 0);
        json_object_set_int_member(args, "scsi-id", index - 1);
        json_object_set_int_member(args, "lun", 0);
    }
    if (bus != NULL)
        json_object_set_string_member(args, "bus", bus);
    if (disk->serial != NULL)
        json_object_set_string_member(args, "serial", disk->serial);
    if (wc_off)
        json_object_set_string_member(args, "write-cache", "off");
    if (disk->shareable)
        json_object_set_boolean_member(args, "share-rw", TRUE);
    plan_add(plan, "device_add", args);
    plan_run(self, plan, task);
}

static void
detach_disk(MarinaQemuVm *self, const MarinaDevice *device, GTask *task)
{
    const MarinaDiskConfig *disk = device->config;
    const char *t = disk->target_dev;
    g_autofree char *what = marina_device_describe(device);
    g_autofree char *id = g_strconcat("disk-", t, NULL);
    g_autofree char *file_node = g_strconcat("file-", t, NULL);
    g_autofree char *drive_node = g_strconcat("drive-", t, NULL);
    Plan *plan;
    Step *step;

    if (disk->device != MARINA_DISK_DEVICE_DISK ||
        (disk->bus != MARINA_DISK_BUS_VIRTIO && disk->bus != MARINA_DISK_BUS_SCSI)) {
        return_unsupported(self, task, device,
                           _("only virtio and SCSI disks can be unplugged from a running "
                             "guest; eject a CD-ROM's medium with change-media instead."));
        return;
    }
    plan = plan_new(what);
    plan->device = marina_device_copy(device);
    step = plan_add(plan, "device_del", marina_qemu_json_args("id", id, NULL));
    step->wait_deleted = g_strdup(id);
    plan_add(plan, "blockdev-del", marina_qemu_json_args("node-name", drive_node, NULL));
    plan_add(plan, "blockdev-del", marina_qemu_json_args("node-name", file_node, NULL));
    plan_run(self, plan, task);
}

/* A CD-ROM's or floppy's medium: inserted, changed or ejected. @force: even
 * when the guest keeps the tray locked (virsh change-media --force). */
static void
change_media(MarinaQemuVm *self, const MarinaDiskConfig *current, const MarinaDevice *device,
             gboolean force, GTask *task)
{
    const MarinaDiskConfig *disk = device->config;
    g_autofree char *what = marina_device_describe(device);
    g_autofree char *id = g_strconcat("disk-", disk->target_dev, NULL);
    Plan *plan = plan_new(what);
    JsonObject *args;

    if (disk->source == NULL) {
        args = marina_qemu_json_args("id", id, NULL);
        json_object_set_boolean_member(args, "force", force);
        plan_add(plan, "blockdev-open-tray", args);
        plan_add(plan, "blockdev-remove-medium", marina_qemu_json_args("id", id, NULL));
    } else {
        args = marina_qemu_json_args("id", id, "filename", disk->source, "format",
                                     disk->format != NULL ? disk->format : "raw", "read-only-mode",
                                     "read-only", NULL);
        json_object_set_boolean_member(args, "force", force);
        plan_add(plan, "blockdev-change-medium", args);
    }
    (void)current;
    plan_run(self, plan, task);
}

/* ---------------------------------------------------------------------- */
/* Interfaces                                                              */

static const char *
nic_model(const char *model)
{
    static const char *const models[][2] = {
        {"virtio", "virtio-net-pci"}, {"e1000", "e1000"},       {"e1000e", "e1000e"},
        {"rtl8139", "rtl8139"},       {"ne2k_pci", "ne2k_pci"}, {"pcnet", "pcnet"},
    };

    for (guint m = 0; m < G_N_ELEMENTS(models); m++)
        if (g_str_equal(model != NULL ? model : "virtio", models[m][0]))
            return models[m][1];
    return NULL;
}

/* Devices the start path numbers by their place ("net<N>", "hostdev<N>")
 * are found in QEMU by what they are (a MAC, a USB ID): plugging and
 * unplugging since the start has changed the places. */
typedef void (*ChildFound)(GTask *task, const char *id, GPtrArray *names);

typedef struct {
    MarinaQemuVm *vm;
    GTask *task;      /* the change this lookup is for */
    char *prefix;     /* "net", "hostdev" */
    char *props[2];   /* QOM properties compared, NULL-padded */
    char *wanted[2];  /* their values as text (numbers in decimal) */
    GPtrArray *names; /* "<prefix><N>" children of /machine/peripheral */
    guint next;       /* the child being looked at */
    guint prop;       /* its property being compared */
    ChildFound found;
} ChildLookup;

static void
child_lookup_free(ChildLookup *l)
{
    g_object_unref(l->task);
    g_free(l->prefix);
    for (guint i = 0; i < G_N_ELEMENTS(l->props); i++) {
        g_free(l->props[i]);
        g_free(l->wanted[i]);
    }
    g_ptr_array_unref(l->names);
    g_free(l);
}

static void child_lookup_next(ChildLookup *l);

static char *
value_text(JsonNode *node)
{
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
        return NULL;
    if (json_node_get_value_type(node) == G_TYPE_STRING)
        return g_strdup(json_node_get_string(node));
    if (json_node_get_value_type(node) == G_TYPE_INT64)
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    return NULL;
}

static void
on_child_property(GObject *source, GAsyncResult *result, gpointer data)
{
    ChildLookup *l = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);
    g_autofree char *value = value_text(reply);

    if (value != NULL && g_ascii_strcasecmp(value, l->wanted[l->prop]) == 0) {
        l->prop++;
        if (l->prop >= G_N_ELEMENTS(l->props) || l->props[l->prop] == NULL) {
            l->found(l->task, l->names->pdata[l->next], l->names);
            child_lookup_free(l);
            return;
        }
    } else {
        l->next++;
        l->prop = 0;
    }
    child_lookup_next(l);
}

static void
child_lookup_next(ChildLookup *l)
{
    g_autofree char *path = NULL;
    JsonObject *args;
    MarinaQmpClient *qmp = l->vm->qmp;

    if (l->next >= l->names->len || qmp == NULL) {
        l->found(l->task, NULL, l->names);
        child_lookup_free(l);
        return;
    }
    path = g_strconcat("/machine/peripheral/", (char *)l->names->pdata[l->next], NULL);
    args = marina_qemu_json_args("path", path, "property", l->props[l->prop], NULL);
    marina_qmp_client_execute_async(qmp, "qom-get", args, -1, NULL, on_child_property, l);
    json_object_unref(args);
}

static void
on_peripherals(GObject *source, GAsyncResult *result, gpointer data)
{
    ChildLookup *l = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);
    gsize plen = strlen(l->prefix);
    JsonArray *list;

    if (reply == NULL || !JSON_NODE_HOLDS_ARRAY(reply)) {
        g_task_return_new_error(l->task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Could not list the guest's devices: %s"),
                                error != NULL ? error->message : "?");
        child_lookup_free(l);
        return;
    }
    list = json_node_get_array(reply);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *child = json_array_get_object_element(list, i);
        const char *name =
            child != NULL ? json_object_get_string_member_with_default(child, "name", "") : "";
        if (g_str_has_prefix(name, l->prefix) && strlen(name) > plen &&
            strspn(name + plen, "0123456789") == strlen(name + plen))
            g_ptr_array_add(l->names, g_strdup(name));
    }
    if (l->props[0] == NULL) {
        /* Only the ids taken were asked for. */
        l->found(l->task, NULL, l->names);
        child_lookup_free(l);
        return;
    }
    child_lookup_next(l);
}

/* Calls @found with the id of the "<prefix><N>" device whose QOM property
 * @prop0 (and @prop1, unless NULL) read @want0 (@want1) (NULL: none), and
 * the ids of all of them. */
static void
find_child(MarinaQemuVm *self, GTask *task, const char *prefix, const char *prop0,
           const char *want0, const char *prop1, const char *want1, ChildFound found)
{
    ChildLookup *l = g_new0(ChildLookup, 1);
    JsonObject *args;

    l->vm = self;
    l->task = g_object_ref(task);
    l->prefix = g_strdup(prefix);
    l->props[0] = g_strdup(prop0);
    l->wanted[0] = g_strdup(want0);
    l->props[1] = g_strdup(prop1);
    l->wanted[1] = g_strdup(want1);
    l->names = g_ptr_array_new_with_free_func(g_free);
    l->found = found;
    if (self->qmp == NULL) {
        l->found(l->task, NULL, l->names);
        child_lookup_free(l);
        return;
    }
    args = marina_qemu_json_args("path", "/machine/peripheral", NULL);
    marina_qmp_client_execute_async(self->qmp, "qom-list", args, -1, NULL, on_peripherals, l);
    json_object_unref(args);
}

/* The interface with @mac ("net<N>"). */
static void
find_nic(MarinaQemuVm *self, GTask *task, const char *mac, ChildFound found)
{
    find_child(self, task, "net", "mac", mac, NULL, NULL, found);
}

/* "net<N>"'s netdev, "hostnet<N>", as the start path names it. */
static char *
netdev_of(const char *id)
{
    return g_strconcat("host", id, NULL);
}

/* The lowest "<prefix><N>" not in @names (g_free). */
static char *
free_id(const char *prefix, GPtrArray *names)
{
    for (guint n = 0;; n++) {
        char *candidate = g_strdup_printf("%s%u", prefix, n);
        if (!g_ptr_array_find_with_equal_func(names, candidate, g_str_equal, NULL))
            return candidate;
        g_free(candidate);
    }
}

/* What attach_interface needs once it knows the free ids. */
typedef struct {
    MarinaDevice *device;
    char *bus; /* the PCIe root port (q35), or NULL */
} NicAttach;

static void
nic_attach_free(NicAttach *a)
{
    marina_device_free(a->device);
    g_free(a->bus);
    g_free(a);
}

/* An open tap as netdev @netdev: getfd, then netdev_add (its step returned). */
static Step *
plan_add_tap(Plan *plan, const char *netdev, int fd)
{
    Step *step = plan_add(plan, "getfd", marina_qemu_json_args("fdname", netdev, NULL));

    step->fd = fd;
    step->undo = step_new("closefd", marina_qemu_json_args("fdname", netdev, NULL));
    return plan_add(plan, "netdev_add",
                    marina_qemu_json_args("type", "tap", "id", netdev, "fd", netdev, NULL));
}

/* The guest's log says how a hot-plugged interface joined its network, as
 * the start path does for the interfaces it starts with. */
static void
log_to_guest(MarinaQemuVm *self, const char *text)
{
    g_autofree char *path = marina_state_log_path(CFG(self), vm_name(self), ".log");
    g_autofree char *line = g_strdup_printf("marinad: %s\n", text);
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GFileOutputStream) out = g_file_append_to(file, G_FILE_CREATE_PRIVATE, NULL, NULL);

    if (out != NULL)
        g_output_stream_write_all(G_OUTPUT_STREAM(out), line, strlen(line), NULL, NULL, NULL);
}

/* An <interface type='network'>: as the network says here (network-registry.h):
 * a tap on its bridge, user-mode networking with the forwards it gets, or the
 * bridge helper. The netdev_add step, or NULL with @error. */
static Step *
plan_network_netdev(MarinaQemuVm *self, Plan *plan, const MarinaInterfaceConfig *iface,
                    const char *netdev, GError **error)
{
    MarinaNetworkRegistry *networks = marina_vm_get_networks(VM(self));
    MarinaNetAttachment att;
    JsonObject *args = NULL;
    Step *step;

    if (networks == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("Interface %s: this daemon has no virtual networks."), iface->mac);
        return NULL;
    }
    if (!marina_network_registry_attach_guest(networks, vm_name(self), iface, &att, error))
        return NULL;
    plan->forward_mac = g_strdup(iface->mac);
    g_info("Guest '%s': %s", vm_name(self), att.detail);
    log_to_guest(self, att.detail);
    switch (att.kind) {
    case MARINA_NET_ATTACH_TAP:
        step = plan_add_tap(plan, netdev, att.tap_fd);
        att.tap_fd = -1; /* the step closes it */
        marina_net_attachment_clear(&att);
        return step;
    case MARINA_NET_ATTACH_USER: {
        JsonArray *fwds = json_array_new();

        args = marina_qemu_json_args("type", "user", "id", netdev, NULL);
        for (guint i = 0; att.hostfwd != NULL && att.hostfwd[i] != NULL; i++)
            json_array_add_object_element(fwds, marina_qemu_json_args("str", att.hostfwd[i], NULL));
        if (json_array_get_length(fwds) > 0)
            json_object_set_array_member(args, "hostfwd", fwds);
        else
            json_array_unref(fwds);
        break;
    }
    case MARINA_NET_ATTACH_BRIDGE_HELPER:
        args = marina_qemu_json_args("type", "bridge", "id", netdev, "br", att.bridge, "helper",
                                     att.helper, NULL);
        break;
    }
    marina_net_attachment_clear(&att);
    return plan_add(plan, "netdev_add", args);
}

static void
attach_nic_with_ids(GTask *task, const char *existing, GPtrArray *names)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    NicAttach *a = g_object_get_data(G_OBJECT(task), "nic-attach");
    const MarinaInterfaceConfig *iface = a->device->config;
    g_autofree char *what = marina_device_describe(a->device);
    g_autofree char *id = NULL;
    g_autofree char *netdev = NULL;
    g_autofree char *mac = marina_mac_canonicalize(iface->mac);
    GError *error = NULL;
    JsonObject *args;
    Plan *plan;
    Step *step;

    if (existing != NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                                _("%s: the guest already has an interface with this MAC."), what);
        return;
    }
    id = free_id("net", names);
    netdev = netdev_of(id);
    plan = plan_new(what);
    if (iface->type == MARINA_NET_TYPE_USER) {
        step =
            plan_add(plan, "netdev_add", marina_qemu_json_args("type", "user", "id", netdev, NULL));
    } else if (iface->type == MARINA_NET_TYPE_NETWORK) {
        if ((step = plan_network_netdev(self, plan, iface, netdev, &error)) == NULL) {
            plan_free(plan);
            g_task_return_error(task, error);
            return;
        }
    } else {
        g_autofree char *tap_name = NULL;
        int fd = marina_tap_open_on_bridge(iface->source, iface->target_dev, &tap_name, &error);

        if (fd < 0) {
            plan_free(plan);
            g_task_return_error(task, error);
            return;
        }
        step = plan_add_tap(plan, netdev, fd);
        g_info("Guest '%s': tap %s on bridge %s for %s", vm_name(self), tap_name, iface->source,
               mac);
    }
    step->undo = step_new("netdev_del", marina_qemu_json_args("id", netdev, NULL));
    args = marina_qemu_json_args("driver", nic_model(iface->model), "netdev", netdev, "id", id,
                                 "mac", mac, NULL);
    if (a->bus != NULL)
        json_object_set_string_member(args, "bus", a->bus);
    plan_add(plan, "device_add", args);
    if (iface->link_down) {
        /* Plugged in with its cable out, as <link state='down'/> says. */
        args = marina_qemu_json_args("name", id, NULL);
        json_object_set_boolean_member(args, "up", FALSE);
        plan_add(plan, "set_link", args);
    }
    plan_run(self, plan, task);
}

/* Its place known: the ids still free, then the plan (attach_nic_with_ids). */
static void
attach_interface_at(MarinaQemuVm *self, const MarinaDevice *device, const char *bus, GTask *task)
{
    NicAttach *a = g_new0(NicAttach, 1);

    a->device = marina_device_copy(device);
    a->bus = g_strdup(bus);
    g_object_set_data_full(G_OBJECT(task), "nic-attach", a, (GDestroyNotify)nic_attach_free);
    find_nic(self, task, ((const MarinaInterfaceConfig *)device->config)->mac, attach_nic_with_ids);
}

static void
attach_interface(MarinaQemuVm *self, const MarinaDevice *device, GTask *task)
{
    const MarinaInterfaceConfig *iface = device->config;

    if (nic_model(iface->model) == NULL) {
        return_unsupported(self, task, device, _("its model is not one Marina runs."));
        return;
    }
    if (iface->type == MARINA_NET_TYPE_BRIDGE && !CFG(self)->system) {
        return_unsupported(self, task, device,
                           _("a bridged interface needs the system daemon (marina:///system) to "
                             "make its tap device."));
        return;
    }
    place_pci(self, device, task, attach_interface_at);
}

static void
detach_nic_found(GTask *task, const char *id, GPtrArray *names)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    const char *what = g_object_get_data(G_OBJECT(task), "what");
    g_autofree char *netdev = NULL;
    Plan *plan;
    Step *step;

    if (id == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                                _("%s is not in the running guest '%s'."), what, vm_name(self));
        return;
    }
    netdev = netdev_of(id);
    plan = plan_new(what);
    plan->device = marina_device_copy(g_object_get_data(G_OBJECT(task), "nic-device"));
    if (((const MarinaInterfaceConfig *)plan->device->config)->type == MARINA_NET_TYPE_NETWORK) {
        plan->forward_mac = g_strdup(((const MarinaInterfaceConfig *)plan->device->config)->mac);
        plan->release_on_success = TRUE;
    }
    step = plan_add(plan, "device_del", marina_qemu_json_args("id", id, NULL));
    step->wait_deleted = g_strdup(id);
    plan_add(plan, "netdev_del", marina_qemu_json_args("id", netdev, NULL));
    plan_run(self, plan, task);
}

static void
detach_interface(MarinaQemuVm *self, const MarinaDevice *device, GTask *task)
{
    const MarinaInterfaceConfig *iface = device->config;

    g_object_set_data_full(G_OBJECT(task), "what", marina_device_describe(device), g_free);
    g_object_set_data_full(G_OBJECT(task), "nic-device", marina_device_copy(device),
                           (GDestroyNotify)marina_device_free);
    find_nic(self, task, iface->mac, detach_nic_found);
}

/* ---------------------------------------------------------------------- */
/* USB host devices                                                        */

static void
attach_usb_with_ids(GTask *task, const char *unused, GPtrArray *names)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    const MarinaDevice *device = g_object_get_data(G_OBJECT(task), "usb-device");
    const MarinaHostdevConfig *h = device->config;
    g_autofree char *what = marina_device_describe(device);
    g_autofree char *id = free_id("hostdev", names);
    JsonObject *args = marina_qemu_json_args("driver", "usb-host", "bus", "usb.0", "id", id, NULL);
    Plan *plan = plan_new(what);

    /* As the start path: by ID when given, else by where it is plugged. */
    if (h->vendor_id != 0) {
        json_object_set_int_member(args, "vendorid", h->vendor_id);
        json_object_set_int_member(args, "productid", h->product_id);
    }
    if (h->usb_bus != 0 || h->usb_device != 0) {
        json_object_set_int_member(args, "hostbus", h->usb_bus);
        json_object_set_int_member(args, "hostaddr", h->usb_device);
    }
    plan_add(plan, "device_add", args);
    plan_run(self, plan, task);
}

static void
detach_usb_found(GTask *task, const char *id, GPtrArray *names)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    const MarinaDevice *device = g_object_get_data(G_OBJECT(task), "usb-device");
    g_autofree char *what = marina_device_describe(device);
    Plan *plan;
    Step *step;

    if (id == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                                _("%s is not in the running guest '%s'."), what, vm_name(self));
        return;
    }
    plan = plan_new(what);
    plan->device = marina_device_copy(device);
    step = plan_add(plan, "device_del", marina_qemu_json_args("id", id, NULL));
    step->wait_deleted = g_strdup(id);
    plan_run(self, plan, task);
}

static char **build_argv(MarinaVm *vm, const MarinaDomainConfig *def, GError **error);

/* Whatever made the start path create the USB bus (a controller, a tablet,
 * a USB disk), its command line says so. */
static gboolean
has_usb_bus(MarinaQemuVm *self)
{
    g_auto(GStrv) argv = build_argv(VM(self), LIVE(self), NULL);

    for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
        if (g_str_has_suffix(argv[i], ",id=usb"))
            return TRUE;
    return FALSE;
}

static void
hostdev(MarinaQemuVm *self, const MarinaDevice *device, GTask *task, gboolean attach)
{
    const MarinaHostdevConfig *h = device->config;
    g_autofree char *vendor = NULL, *product = NULL, *bus = NULL, *addr = NULL;

    if (h->type != MARINA_HOSTDEV_USB) {
        return_unsupported(self, task, device,
                           _("a PCI host device is handed to the guest when it starts (it has to "
                             "be bound to vfio-pci first)."));
        return;
    }
    if (attach && !has_usb_bus(self)) {
        return_unsupported(self, task, device,
                           _("the guest has no USB controller to plug it into."));
        return;
    }
    g_object_set_data_full(G_OBJECT(task), "usb-device", marina_device_copy(device),
                           (GDestroyNotify)marina_device_free);
    if (attach) {
        find_child(self, task, "hostdev", NULL, NULL, NULL, NULL, attach_usb_with_ids);
        return;
    }
    if (h->vendor_id != 0) {
        vendor = g_strdup_printf("%u", h->vendor_id);
        product = g_strdup_printf("%u", h->product_id);
        find_child(self, task, "hostdev", "vendorid", vendor, "productid", product,
                   detach_usb_found);
    } else {
        bus = g_strdup_printf("%u", h->usb_bus);
        addr = g_strdup_printf("%u", h->usb_device);
        find_child(self, task, "hostdev", "hostbus", bus, "hostaddr", addr, detach_usb_found);
    }
}

/* ---------------------------------------------------------------------- */
/* The driver's entry points                                               */

void
marina_qemu_vm_attach_device(MarinaVm *vm, const MarinaDevice *device, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    g_object_ref(task);
    if (device->kind == MARINA_DEVICE_DISK)
        attach_disk(self, device, task);
    else if (device->kind == MARINA_DEVICE_INTERFACE)
        attach_interface(self, device, task);
    else if (device->kind == MARINA_DEVICE_HOSTDEV)
        hostdev(self, device, task, TRUE);
    else
        return_unsupported(self, task, device,
                           _("only disks, network interfaces and USB host devices can be "
                             "plugged in live."));
    g_object_unref(task);
}

void
marina_qemu_vm_detach_device(MarinaVm *vm, const MarinaDevice *device, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    g_object_ref(task);
    if (device->kind == MARINA_DEVICE_DISK)
        detach_disk(self, device, task);
    else if (device->kind == MARINA_DEVICE_INTERFACE)
        detach_interface(self, device, task);
    else if (device->kind == MARINA_DEVICE_HOSTDEV)
        hostdev(self, device, task, FALSE);
    else
        return_unsupported(self, task, device,
                           _("only disks, network interfaces and USB host devices can be "
                             "unplugged live."));
    g_object_unref(task);
}

/* Whether @a and @b differ only where @b's field was set from @a (the
 * media's source and format); TRUE when the rest is the same. */
static gboolean
same_drive(const MarinaDiskConfig *a, const MarinaDiskConfig *b)
{
    return a->device == b->device && a->bus == b->bus && a->type == b->type &&
           a->readonly == b->readonly && g_strcmp0(a->target_dev, b->target_dev) == 0;
}

/* A VNC display's password: QEMU changes it when the display was started
 * with one (password=on); nothing else of a display changes live. */
static void
change_vnc_password(MarinaQemuVm *self, const MarinaDevice *current, const MarinaDevice *device,
                    GTask *task)
{
    const MarinaGraphicsConfig *a = current->config;
    g_autoptr(MarinaDevice) same = marina_device_copy(device);
    MarinaGraphicsConfig *b = same->config;
    g_autofree char *xml_a = NULL, *xml_b = NULL;
    g_autofree char *what = marina_device_describe(device);
    const char *password = b->password;
    Plan *plan;

    if (a->password == NULL || password == NULL) {
        return_unsupported(self, task, device,
                           _("a password can be changed live only on a display that was started "
                             "with one, and not removed."));
        return;
    }
    b->password = a->password;
    xml_a = marina_device_to_xml(current);
    xml_b = marina_device_to_xml(same);
    b->password = (char *)password;
    if (!g_str_equal(xml_a, xml_b)) {
        return_unsupported(self, task, device, _("only its password can change live."));
        return;
    }
    plan = plan_new(what);
    plan_add(plan, "set_password",
             marina_qemu_json_args("protocol", "vnc", "password", password, NULL));
    plan_run(self, plan, task);
}

/* @b is @a but for its <link state>. */
static gboolean
only_link_differs(const MarinaDevice *a, const MarinaDevice *b)
{
    g_autoptr(MarinaDevice) same = marina_device_copy(b);
    g_autofree char *xml_a = marina_device_to_xml(a);
    g_autofree char *xml_b = NULL;

    ((MarinaInterfaceConfig *)same->config)->link_down =
        ((const MarinaInterfaceConfig *)a->config)->link_down;
    xml_b = marina_device_to_xml(same);
    return g_str_equal(xml_a, xml_b);
}

static void
set_link_found(GTask *task, const char *id, GPtrArray *names)
{
    MarinaQemuVm *self = g_task_get_source_object(task);
    const MarinaDevice *device = g_object_get_data(G_OBJECT(task), "nic-device");
    g_autofree char *what = marina_device_describe(device);
    JsonObject *args;
    Plan *plan;

    if (id == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                                _("%s is not in the running guest '%s'."), what, vm_name(self));
        return;
    }
    plan = plan_new(what);
    args = marina_qemu_json_args("name", id, NULL);
    json_object_set_boolean_member(args, "up",
                                   !((const MarinaInterfaceConfig *)device->config)->link_down);
    plan_add(plan, "set_link", args);
    plan_run(self, plan, task);
}

/* The guest sees its interface's carrier go or come (set_link). */
static void
set_link(MarinaQemuVm *self, const MarinaDevice *device, GTask *task)
{
    g_object_set_data_full(G_OBJECT(task), "nic-device", marina_device_copy(device),
                           (GDestroyNotify)marina_device_free);
    find_nic(self, task, ((const MarinaInterfaceConfig *)device->config)->mac, set_link_found);
}

void
marina_qemu_vm_update_device(MarinaVm *vm, const MarinaDevice *current, const MarinaDevice *device,
                             gboolean force, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    g_autofree char *old_xml = marina_device_to_xml(current);
    g_autofree char *new_xml = marina_device_to_xml(device);

    g_object_ref(task);
    if (g_str_equal(old_xml, new_xml)) {
        g_task_return_boolean(task, TRUE);
    } else if (device->kind == MARINA_DEVICE_DISK) {
        const MarinaDiskConfig *a = current->config, *b = device->config;

        if (a->device == MARINA_DISK_DEVICE_DISK)
            return_unsupported(self, task, device,
                               _("only a CD-ROM's or floppy's medium can change live."));
        else if (!same_drive(a, b))
            return_unsupported(self, task, device,
                               _("only the medium can change live, not the drive's bus, "
                                 "type or target."));
        else
            change_media(self, a, device, force, task);
    } else if (device->kind == MARINA_DEVICE_INTERFACE && only_link_differs(current, device)) {
        set_link(self, device, task);
    } else if (device->kind == MARINA_DEVICE_GRAPHICS) {
        change_vnc_password(self, current, device, task);
    } else {
        return_unsupported(self, task, device,
                           _("only CD-ROM and floppy media and an interface's link state can "
                             "change live."));
    }
    g_object_unref(task);
}

/* ---------------------------------------------------------------------- */
/* Growing a disk                                                          */

typedef struct {
    char *node;
    char *target;
    char *path;
    char *format;
    guint64 bytes;
} Resize;

static void
resize_free(Resize *r)
{
    g_free(r->node);
    g_free(r->target);
    g_free(r->path);
    g_free(r->format);
    g_free(r);
}

static gboolean
refuse_shrink(GTask *task, Resize *r, guint64 size)
{
    if (r->bytes >= size)
        return FALSE;
    g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("Disk '%s' is %llu bytes; it cannot shrink to %llu bytes. Give a "
                              "size larger than now."),
                            r->target, (unsigned long long)size, (unsigned long long)r->bytes);
    return TRUE;
}

static void
on_block_resized(GTask *task, JsonNode *reply)
{
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void
on_resize_failed(GTask *task, GError *error)
{
    Resize *r = g_task_get_task_data(task);

    g_prefix_error(&error, _("Disk '%s' could not grow: "), r->target);
    g_task_return_error(task, error);
    g_object_unref(task);
}

static void
on_block_nodes(GTask *task, JsonNode *reply)
{
    Resize *r = g_task_get_task_data(task);
    JsonArray *nodes = JSON_NODE_HOLDS_ARRAY(reply) ? json_node_get_array(reply) : NULL;
    gint64 size = -1;
    JsonObject *args;

    for (guint i = 0; nodes != NULL && i < json_array_get_length(nodes); i++) {
        JsonObject *node = json_array_get_object_element(nodes, i);
        JsonObject *image;

        if (node == NULL ||
            g_strcmp0(json_object_get_string_member_with_default(node, "node-name", ""), r->node) !=
                0)
            continue;
        image = json_object_get_object_member(node, "image");
        if (image != NULL)
            size = json_object_get_int_member_with_default(image, "virtual-size", -1);
    }
    if (size < 0) {
        on_resize_failed(task, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                           _("QEMU does not know the disk's image.")));
        return;
    }
    if (refuse_shrink(task, r, (guint64)size)) {
        g_object_unref(task);
        return;
    }
    args = marina_qemu_json_args("node-name", r->node, NULL);
    json_object_set_int_member(args, "size", (gint64)r->bytes);
    marina_qemu_vm_qmp_step(task, "block_resize", args, -1, on_block_resized, on_resize_failed);
}

static void
on_img_resized(gboolean ok, const char *output, gpointer data)
{
    GTask *task = data;
    Resize *r = g_task_get_task_data(task);

    if (ok)
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Disk '%s' (%s) could not grow: %s"), r->target, r->path,
                                marina_storage_command_last_line(output));
    g_object_unref(task);
}

static void
on_img_info(MarinaVolumeConfig *info, const GError *error, gpointer data)
{
    GTask *task = data;
    Resize *r = g_task_get_task_data(task);

    if (info == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("Disk '%s' (%s) cannot be read: %s"), r->target, r->path,
                                error != NULL ? error->message : "?");
        g_object_unref(task);
        return;
    }
    if (refuse_shrink(task, r, info->capacity)) {
        g_object_unref(task);
        return;
    }
    marina_qemu_img_resize(r->path, r->format, r->bytes, on_img_resized, task);
}

void
marina_qemu_vm_resize_disk(MarinaVm *vm, const MarinaDiskConfig *disk, guint64 bytes, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    Resize *r = g_new0(Resize, 1);

    r->node = g_strconcat("drive-", disk->target_dev, NULL);
    r->target = g_strdup(disk->target_dev);
    r->path = g_strdup(disk->source);
    r->format = g_strdup(disk->format != NULL ? disk->format : "raw");
    r->bytes = bytes;
    g_task_set_task_data(task, r, (GDestroyNotify)resize_free);
    g_object_ref(task);
    if (marina_vm_is_active(vm)) {
        JsonObject *args = json_object_new();

        json_object_set_boolean_member(args, "flat", TRUE);
        (void)self;
        marina_qemu_vm_qmp_step(task, "query-named-block-nodes", args, -1, on_block_nodes,
                                on_resize_failed);
        return;
    }
    /* Shut off: the image itself (qemu-img; never while a guest holds it). */
    marina_qemu_img_info(r->target, r->path, r->format, on_img_info, task);
}

/* ---------------------------------------------------------------------- */
/* A changed definition                                                    */

/* @def's command line with stand-in descriptors (NULL-terminated), or NULL. */
static char **
build_argv(MarinaVm *vm, const MarinaDomainConfig *def, GError **error)
{
    const MarinaDaemonConfig *cfg = marina_vm_get_daemon_config(vm);
    MarinaQemuCommandOptions opts = {.accel = cfg->accel, .qmp_fd = 3, .vnc_socket = "/dev/null"};
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    int fds[64], taps[64];

    opts.n_chardev_fds = MIN(marina_qemu_command_n_chardevs(def), G_N_ELEMENTS(fds));
    for (guint i = 0; i < opts.n_chardev_fds; i++)
        fds[i] = 4 + (int)i;
    opts.chardev_fds = fds;
    opts.n_tap_fds = MIN(def->interfaces->len, G_N_ELEMENTS(taps));
    for (guint i = 0; i < opts.n_tap_fds; i++) {
        const MarinaInterfaceConfig *iface = def->interfaces->pdata[i];
        gboolean tap = iface->type == MARINA_NET_TYPE_NETWORK ||
                       (cfg->system && iface->type == MARINA_NET_TYPE_BRIDGE);
        taps[i] = tap ? 100 + (int)i : -1;
    }
    opts.tap_fds = taps;
    /* PCI host devices and the host's TPM are for the system daemon; swtpm's
     * socket is made at start. */
    opts.privileged = cfg->system;
    opts.tpm_socket = "/dev/null";
    return marina_qemu_command_build(def, &opts, warnings, error);
}

/* What DefineDomain checks (host-methods.c): the definition makes a QEMU
 * command line. Descriptors are stand-ins; an interface on a virtual network
 * is the network's business at start, so it gets one too. */
gboolean
marina_qemu_vm_check_definition(MarinaVm *vm, const MarinaDomainConfig *def, GError **error)
{
    g_auto(GStrv) argv = build_argv(vm, def, error);

    return argv != NULL;
}
