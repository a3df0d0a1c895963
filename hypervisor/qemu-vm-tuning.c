#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "cpu-list.h"
#include "qemu-vm-private.h"

/*
 * Memory and vCPUs of a running QEMU guest (the tuning hooks of MarinaVmClass,
 * see vm-tuning-methods.c for the checks made before them):
 * - memory through the virtio balloon (QMP balloon, in bytes);
 * - vCPU hot-plug with device_add / device_del of the CPUs that
 *   query-hotpluggable-cpus offers (the guest was started with
 *   -smp current,maxcpus=maximum, see qemu-command.c);
 * - pinning with sched_setaffinity() on the vCPU threads query-cpus-fast names;
 * - vCPU figures from /proc/<pid>/task/<tid>/stat and sched_getaffinity().
 */

/* How long a guest may take to release an unplugged vCPU, and how often we look. */
#define UNPLUG_TIMEOUT_MS 15000
#define UNPLUG_POLL_MS 200

static void
fail_task(GTask *task, GError *error)
{
    g_task_return_error(task, error);
    g_object_unref(task);
}

static void
succeed_task(GTask *task, JsonNode *reply)
{
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static MarinaQemuVm *
task_vm(GTask *task)
{
    return MARINA_QEMU_VM(g_task_get_source_object(task));
}

/* ---- Memory --------------------------------------------------------------------------------- */

static void
balloon_failed(GTask *task, GError *error)
{
    MarinaQemuVm *self = task_vm(task);

    /* QEMU: "No balloon device has been activated" (DeviceNotActive). */
    if (strstr(error->message, "balloon") != NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                _("Guest '%s' has no memory balloon (QEMU: %s); its memory can "
                                  "change only in its definition (--config), from the next "
                                  "start."),
                                vm_name(self), error->message);
        g_error_free(error);
        g_object_unref(task);
        return;
    }
    fail_task(task, error);
}

void
marina_qemu_vm_set_memory(MarinaVm *vm, guint64 kib, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    const char *model = LIVE(self)->memballoon_model;
    JsonObject *args;

    if (model != NULL && !g_str_equal(model, "virtio")) {
        fail_task(task, g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                    _("Guest '%s' has no memory balloon (<memballoon "
                                      "model='%s'>); its memory can change only in its "
                                      "definition (--config), from the next start."),
                                    vm_name(self), model));
        return;
    }
    args = json_object_new();
    json_object_set_int_member(args, "value", (gint64)(kib * 1024));
    marina_qemu_vm_qmp_step(task, "balloon", args, -1, succeed_task, balloon_failed);
}

/* ---- vCPU hot-plug -------------------------------------------------------------------------- */

/* One CPU slot of query-hotpluggable-cpus. */
typedef struct {
    char *type;
    JsonObject *props;
    char *qom_path; /* NULL while the slot is empty */
    guint index;    /* its vCPU number: its place in topology order */
} CpuSlot;

static void
cpu_slot_free(CpuSlot *slot)
{
    g_free(slot->type);
    if (slot->props != NULL)
        json_object_unref(slot->props);
    g_free(slot->qom_path);
    g_free(slot);
}

static const char *const topology_keys[] = {"node-id", "drawer-id",  "book-id", "socket-id",
                                            "die-id",  "cluster-id", "core-id", "thread-id"};

static gint
compare_slots(gconstpointer a, gconstpointer b)
{
    const CpuSlot *x = *(CpuSlot *const *)a, *y = *(CpuSlot *const *)b;

    /* node-id does not order CPUs; the rest, outermost first, does. */
    for (guint i = 1; i < G_N_ELEMENTS(topology_keys); i++) {
        gint64 u = json_object_get_int_member_with_default(x->props, topology_keys[i], 0);
        gint64 v = json_object_get_int_member_with_default(y->props, topology_keys[i], 0);

        if (u != v)
            return u < v ? -1 : 1;
    }
    return 0;
}

/* The slots in vCPU order, or NULL with @error when QEMU's answer is not what we know. */
static GPtrArray *
parse_slots(JsonNode *reply, GError **error)
{
    g_autoptr(GPtrArray) slots = g_ptr_array_new_with_free_func((GDestroyNotify)cpu_slot_free);
    JsonArray *list;

    if (!JSON_NODE_HOLDS_ARRAY(reply))
        goto bad;
    list = json_node_get_array(reply);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonNode *node = json_array_get_element(list, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
        CpuSlot *slot;

        if (o == NULL || !json_object_has_member(o, "type") ||
            !json_object_has_member(o, "props") ||
            json_object_get_object_member(o, "props") == NULL)
            goto bad;
        if (json_object_get_int_member_with_default(o, "vcpus-count", 1) != 1) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED, "%s",
                        _("This machine adds vCPUs in groups; Marina adds them one at a time. "
                          "Change the count in the definition (--config)."));
            return NULL;
        }
        slot = g_new0(CpuSlot, 1);
        slot->type = g_strdup(json_object_get_string_member_with_default(o, "type", ""));
        slot->props = json_object_ref(json_object_get_object_member(o, "props"));
        slot->qom_path = g_strdup(json_object_get_string_member_with_default(o, "qom-path", NULL));
        g_ptr_array_add(slots, slot);
    }
    g_ptr_array_sort(slots, compare_slots);
    for (guint i = 0; i < slots->len; i++)
        ((CpuSlot *)slots->pdata[i])->index = i;
    return g_steal_pointer(&slots);
bad:
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s",
                _("QEMU's list of CPU slots (query-hotpluggable-cpus) was not understood."));
    return NULL;
}

static guint
count_plugged(GPtrArray *slots)
{
    guint n = 0;

    for (guint i = 0; i < slots->len; i++)
        n += ((CpuSlot *)slots->pdata[i])->qom_path != NULL;
    return n;
}

typedef struct {
    guint target;
    GPtrArray *pending; /* CpuSlot*: still to add or remove, in order */
    gint64 deadline_us; /* unplug: when we stop waiting for the guest */
    guint poll;
} VcpuChange;

static void
vcpu_change_free(VcpuChange *c)
{
    g_clear_handle_id(&c->poll, g_source_remove);
    g_clear_pointer(&c->pending, g_ptr_array_unref);
    g_free(c);
}

static char *
slot_id(const CpuSlot *slot)
{
    return g_strdup_printf("vcpu%u", slot->index);
}

static void plug_next(GTask *task, JsonNode *reply);

static void
plug_next(GTask *task, JsonNode *reply)
{
    VcpuChange *c = g_task_get_task_data(task);
    g_autofree char *id = NULL;
    JsonObject *args;
    GList *members;
    CpuSlot *slot;

    if (c->pending->len == 0) {
        succeed_task(task, NULL);
        return;
    }
    slot = g_ptr_array_steal_index(c->pending, 0);
    id = slot_id(slot);
    args = json_object_new();
    json_object_set_string_member(args, "driver", slot->type);
    json_object_set_string_member(args, "id", id);
    /* The slot's topology properties (socket-id, core-id, thread-id ...) place the CPU. */
    members = json_object_get_members(slot->props);
    for (GList *m = members; m != NULL; m = m->next)
        json_object_set_member(args, m->data,
                               json_node_copy(json_object_get_member(slot->props, m->data)));
    g_list_free(members);
    cpu_slot_free(slot);
    marina_qemu_vm_qmp_step(task, "device_add", args, -1, plug_next, fail_task);
}

static void on_unplug_poll_reply(GTask *task, JsonNode *reply);

static gboolean
on_unplug_poll(gpointer data)
{
    GTask *task = data;
    VcpuChange *c = g_task_get_task_data(task);

    c->poll = 0;
    marina_qemu_vm_qmp_step(task, "query-hotpluggable-cpus", NULL, -1, on_unplug_poll_reply,
                            fail_task);
    return G_SOURCE_REMOVE;
}

/* device_del only asks the guest: the CPU is gone once its slot is empty again. */
static void
on_unplug_poll_reply(GTask *task, JsonNode *reply)
{
    VcpuChange *c = g_task_get_task_data(task);
    g_autoptr(GPtrArray) slots = NULL;
    GError *error = NULL;

    slots = parse_slots(reply, &error);
    if (slots == NULL) {
        fail_task(task, error);
        return;
    }
    if (count_plugged(slots) <= c->target) {
        succeed_task(task, NULL);
        return;
    }
    if (g_get_monotonic_time() > c->deadline_us) {
        fail_task(task, g_error_new(MARINA_ERROR, MARINA_ERROR_TIMEOUT,
                                    _("Guest '%s' did not release its vCPUs within %d s; its "
                                      "system may not support taking CPUs away while it runs."),
                                    vm_name(task_vm(task)), UNPLUG_TIMEOUT_MS / 1000));
        return;
    }
    c->poll = g_timeout_add(UNPLUG_POLL_MS, on_unplug_poll, task);
}

static void
unplug_next(GTask *task, JsonNode *reply)
{
    VcpuChange *c = g_task_get_task_data(task);
    g_autofree char *id = NULL;
    CpuSlot *slot;

    if (c->pending->len == 0) {
        c->deadline_us = g_get_monotonic_time() + (gint64)UNPLUG_TIMEOUT_MS * 1000;
        on_unplug_poll(task);
        return;
    }
    slot = g_ptr_array_steal_index(c->pending, 0);
    id = slot_id(slot);
    cpu_slot_free(slot);
    marina_qemu_vm_qmp_step(task, "device_del", marina_qemu_json_args("id", id, NULL), -1,
                            unplug_next, fail_task);
}

static void
on_cpu_slots(GTask *task, JsonNode *reply)
{
    MarinaQemuVm *self = task_vm(task);
    VcpuChange *c = g_task_get_task_data(task);
    g_autoptr(GPtrArray) slots = NULL;
    GError *error = NULL;
    guint plugged;

    slots = parse_slots(reply, &error);
    if (slots == NULL) {
        fail_task(task, error);
        return;
    }
    plugged = count_plugged(slots);
    c->pending = g_ptr_array_new_with_free_func((GDestroyNotify)cpu_slot_free);
    if (c->target >= plugged) {
        /* The lowest empty slots, in order. */
        for (guint i = 0; i < slots->len && plugged + c->pending->len < c->target; i++)
            if (((CpuSlot *)slots->pdata[i])->qom_path == NULL)
                g_ptr_array_add(c->pending, g_ptr_array_steal_index(slots, i--));
        if (plugged + c->pending->len < c->target) {
            fail_task(task, g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                        _("QEMU offers guest '%s' no slot for more vCPUs."),
                                        vm_name(self)));
            return;
        }
        plug_next(task, NULL);
        return;
    }
    /* The highest plugged vCPUs go first. Only those added while the guest ran have a device
     * id to remove (the ones it started with are part of the machine). */
    for (guint i = slots->len; i-- > 0 && plugged - c->pending->len > c->target;) {
        CpuSlot *slot = slots->pdata[i];

        if (slot->qom_path == NULL)
            continue;
        if (!g_str_has_prefix(slot->qom_path, "/machine/peripheral/")) {
            fail_task(task, g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                        _("Guest '%s' started with vCPU %u: only vCPUs added "
                                          "while it runs can be taken away. Lower the count in "
                                          "its definition (--config) for the next start."),
                                        vm_name(self), slot->index));
            return;
        }
        g_ptr_array_add(c->pending, g_ptr_array_steal_index(slots, i));
    }
    unplug_next(task, NULL);
}

void
marina_qemu_vm_set_vcpus(MarinaVm *vm, guint count, GTask *task)
{
    VcpuChange *c = g_new0(VcpuChange, 1);

    c->target = count;
    g_task_set_task_data(task, c, (GDestroyNotify)vcpu_change_free);
    marina_qemu_vm_qmp_step(task, "query-hotpluggable-cpus", NULL, -1, on_cpu_slots, fail_task);
}

/* ---- vCPU threads --------------------------------------------------------------------------- */

typedef struct {
    gint64 vcpu;
    gint64 tid;
} VcpuThread;

/* query-cpus-fast: the vCPUs' host threads (VcpuThread), or NULL. */
static GArray *
parse_vcpu_threads(JsonNode *reply, GError **error)
{
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(VcpuThread));
    JsonArray *list;

    if (!JSON_NODE_HOLDS_ARRAY(reply)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s",
                    _("QEMU's list of vCPUs (query-cpus-fast) was not understood."));
        return NULL;
    }
    list = json_node_get_array(reply);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonNode *node = json_array_get_element(list, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
        VcpuThread t;

        if (o == NULL)
            continue;
        t.vcpu = json_object_get_int_member_with_default(o, "cpu-index", -1);
        t.tid = json_object_get_int_member_with_default(o, "thread-id", -1);
        if (t.vcpu >= 0 && t.vcpu <= G_MAXUINT && t.tid > 0 && t.tid <= G_MAXINT)
            g_array_append_val(out, t);
    }
    return g_steal_pointer(&out);
}

/* The thread is one of our QEMU's (a thread id QEMU names is checked before we touch it). */
static gboolean
thread_of_guest(MarinaQemuVm *self, gint64 tid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/task/%" G_GINT64_FORMAT, (int)self->pid, tid);

    return self->pid > 0 && g_file_test(path, G_FILE_TEST_IS_DIR);
}

typedef struct {
    guint vcpu;
    cpu_set_t cpus;
} PinRequest;

static void
on_pin_threads(GTask *task, JsonNode *reply)
{
    MarinaQemuVm *self = task_vm(task);
    PinRequest *req = g_task_get_task_data(task);
    g_autoptr(GArray) threads = NULL;
    GError *error = NULL;

    threads = parse_vcpu_threads(reply, &error);
    if (threads == NULL) {
        fail_task(task, error);
        return;
    }
    for (guint i = 0; i < threads->len; i++) {
        const VcpuThread *t = &g_array_index(threads, VcpuThread, i);

        if (t->vcpu != req->vcpu)
            continue;
        if (!thread_of_guest(self, t->tid))
            break;
        if (sched_setaffinity((pid_t)t->tid, sizeof req->cpus, &req->cpus) != 0) {
            int saved = errno;
            g_autofree char *list = marina_cpu_list_format(&req->cpus);

            fail_task(task,
                      g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                  saved == EINVAL
                                      ? _("vCPU %u of guest '%s' cannot run on CPUs %s: none of "
                                          "them is online or allowed here.")
                                      : _("vCPU %u of guest '%s' could not be pinned to CPUs %s: "
                                          "%s"),
                                  req->vcpu, vm_name(self), list, g_strerror(saved)));
            return;
        }
        succeed_task(task, NULL);
        return;
    }
    fail_task(task, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                _("QEMU names no thread for vCPU %u of guest '%s'."), req->vcpu,
                                vm_name(self)));
}

void
marina_qemu_vm_pin_vcpu(MarinaVm *vm, guint vcpu, const cpu_set_t *cpus, GTask *task)
{
    PinRequest *req = g_new0(PinRequest, 1);

    req->vcpu = vcpu;
    req->cpus = *cpus;
    g_task_set_task_data(task, req, g_free);
    marina_qemu_vm_qmp_step(task, "query-cpus-fast", NULL, -1, on_pin_threads, fail_task);
}

/* /proc/<pid>/task/<tid>/stat: the CPU it last ran on and its CPU time. */
static void
read_thread_stat(MarinaQemuVm *self, gint64 tid, MarinaVmVcpuInfo *info)
{
    g_autofree char *path =
        g_strdup_printf("/proc/%d/task/%" G_GINT64_FORMAT "/stat", (int)self->pid, tid);
    g_autofree char *text = NULL;
    g_auto(GStrv) f = NULL;
    const char *rest;
    long ticks = sysconf(_SC_CLK_TCK);

    if (!g_file_get_contents(path, &text, NULL, NULL) || (rest = strrchr(text, ')')) == NULL)
        return;
    /* After "pid (comm)": field 3 (state) onwards; utime 14, stime 15, processor 39. */
    f = g_strsplit(rest + 2, " ", -1);
    if (g_strv_length(f) < 37 || ticks <= 0)
        return;
    info->cpu_time_ns =
        (g_ascii_strtoull(f[14 - 3], NULL, 10) + g_ascii_strtoull(f[15 - 3], NULL, 10)) *
        (G_GUINT64_CONSTANT(1000000000) / (guint64)ticks);
    info->cpu = (int)g_ascii_strtoll(f[39 - 3], NULL, 10);
}

static void
on_info_threads(GTask *task, JsonNode *reply)
{
    MarinaQemuVm *self = task_vm(task);
    g_autoptr(GArray) threads = NULL;
    GPtrArray *out;
    GError *error = NULL;
    gboolean paused = STATE(self) == MARINA_DOMAIN_PAUSED;

    threads = parse_vcpu_threads(reply, &error);
    if (threads == NULL) {
        fail_task(task, error);
        return;
    }
    out = g_ptr_array_new_with_free_func((GDestroyNotify)marina_vm_vcpu_info_free);
    for (guint i = 0; i < threads->len; i++) {
        const VcpuThread *t = &g_array_index(threads, VcpuThread, i);
        MarinaVmVcpuInfo *info;
        cpu_set_t set;

        if (!thread_of_guest(self, t->tid))
            continue;
        info = marina_vm_vcpu_info_new((guint)t->vcpu);
        info->online = TRUE;
        info->state = paused ? "halted" : "running";
        info->thread_id = (int)t->tid;
        read_thread_stat(self, t->tid, info);
        if (sched_getaffinity((pid_t)t->tid, sizeof set, &set) == 0)
            info->affinity = marina_cpu_list_format(&set);
        g_ptr_array_add(out, info);
    }
    g_task_return_pointer(task, out, (GDestroyNotify)g_ptr_array_unref);
    g_object_unref(task);
}

void
marina_qemu_vm_get_vcpu_info(MarinaVm *vm, GTask *task)
{
    marina_qemu_vm_qmp_step(task, "query-cpus-fast", NULL, -1, on_info_threads, fail_task);
}
