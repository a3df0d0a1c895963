#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "access.h"
#include "core/error.h"
#include "cpu-list.h"
#include "network-driver.h"
#include "vm-private.h"

/*
 * The Domain methods that tune a guest's memory and vCPUs (SetMemory,
 * SetVcpus, PinVcpu, GetVcpuInfo) and report its addresses
 * (GetInterfaceAddresses). Each decides, as libvirt does, whether a change
 * goes to the running guest (live: the driver's hook, then the running
 * configuration), to the persistent definition (config: checked, then
 * saved), or to both; with neither flag, to the running guest when it runs,
 * else to the definition. A definition is checked before the live change
 * and saved only after it succeeded, so a failure leaves both as they were.
 */

enum {
    AFFECT_LIVE = 1 << 0,
    AFFECT_CONFIG = 1 << 1,
    AFFECT_MAXIMUM = 1 << 2,
};

/* No ARP table or lease list this large is real: stop reading there. */
#define MAX_ARP_TABLE_SIZE (4 * 1024 * 1024)

typedef enum {
    TUNE_MEMORY,
    TUNE_VCPUS,
    TUNE_PIN,
} TuneKind;

/* One change on its way through the driver. */
typedef struct {
    GDBusMethodInvocation *invocation;
    TuneKind kind;
    MarinaDomainConfig *new_def; /* to save once the live change succeeded, or NULL */
    guint64 kib;
    guint count;   /* vCPUs, or the vCPU pinned */
    char *cpulist; /* pinned to these host CPUs (NULL: anywhere) */
} TuneCall;

static void
tune_call_free(TuneCall *call)
{
    g_clear_object(&call->invocation);
    marina_domain_config_free(call->new_def);
    g_free(call->cpulist);
    g_free(call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TuneCall, tune_call_free)

MarinaVmVcpuInfo *
marina_vm_vcpu_info_new(guint vcpu)
{
    MarinaVmVcpuInfo *info = g_new0(MarinaVmVcpuInfo, 1);

    info->vcpu = vcpu;
    info->cpu = -1;
    info->thread_id = -1;
    info->state = "offline";
    return info;
}

void
marina_vm_vcpu_info_free(MarinaVmVcpuInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->affinity);
    g_free(info);
}

/* <cputune><vcpupin> of @vcpu in @c set to @cpulist, or removed (NULL). */
static void
set_vcpu_pin(MarinaDomainConfig *c, guint vcpu, const char *cpulist)
{
    MarinaVcpuPin *pin;

    for (guint i = 0; i < c->vcpupins->len; i++) {
        pin = c->vcpupins->pdata[i];
        if (pin->vcpu != vcpu)
            continue;
        if (cpulist == NULL) {
            g_ptr_array_remove_index(c->vcpupins, i);
        } else {
            g_free(pin->cpuset);
            pin->cpuset = g_strdup(cpulist);
        }
        return;
    }
    if (cpulist == NULL)
        return;
    pin = g_new0(MarinaVcpuPin, 1);
    pin->vcpu = vcpu;
    pin->cpuset = g_strdup(cpulist);
    g_ptr_array_add(c->vcpupins, pin);
}

/* Pins of vCPUs at or above @vcpus go (libvirt does the same when the maximum drops). */
static void
drop_vcpu_pins_from(MarinaDomainConfig *c, guint vcpus)
{
    for (guint i = c->vcpupins->len; i-- > 0;)
        if (((MarinaVcpuPin *)c->vcpupins->pdata[i])->vcpu >= vcpus)
            g_ptr_array_remove_index(c->vcpupins, i);
}

static const char *
event_of(TuneKind kind)
{
    return kind == TUNE_MEMORY ? "memory-changed" : "vcpus-changed";
}

/* Which of the running guest and the definition the call changes: FALSE with the invocation
 * answered when the flags are unknown or ask for what the guest does not have. */
static gboolean
resolve_affect(MarinaVm *self, GDBusMethodInvocation *invocation, guint flags, guint allowed,
               gboolean *live, gboolean *config)
{
    const char *name = marina_vm_get_name(self);

    if (flags & ~allowed) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR,
                                              MARINA_ERROR_INVALID_ARGUMENT,
                                              _("Unknown flags 0x%x."), flags & ~allowed);
        return FALSE;
    }
    *live = (flags & AFFECT_LIVE) != 0;
    *config = (flags & AFFECT_CONFIG) != 0;
    if (!*live && !*config) {
        *live = marina_vm_is_active(self);
        *config = !*live;
    }
    if (*live && !KLASS(self)->is_controllable(self)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
            _("Guest '%s' is not running: change its definition instead (--config); it applies "
              "from the next start."),
            name);
        return FALSE;
    }
    if (*config && !marina_vm_is_persistent(self)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Guest '%s' is transient: it has no definition to change. Change the running "
              "guest only (--live)."),
            name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
fail(GDBusMethodInvocation *invocation, GError *error)
{
    g_dbus_method_invocation_take_error(invocation, error);
    return FALSE;
}

/* Saves call->new_def (if any), tells clients and answers. */
static void
finish_call(MarinaVm *self, TuneCall *call)
{
    GError *error = NULL;

    if (call->new_def != NULL) {
        if (!marina_vm_save_definition(self, call->new_def, &error)) {
            g_dbus_method_invocation_take_error(g_steal_pointer(&call->invocation), error);
            return;
        }
        call->new_def = NULL; /* the guest's definition now */
    }
    marina_vm_emit_config_changed(self, event_of(call->kind), "");
    g_dbus_method_invocation_return_value(g_steal_pointer(&call->invocation), NULL);
}

static void
on_live_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(TuneCall) call = data;
    MarinaVm *self = MARINA_VM(source);
    MarinaDomainConfig *live;
    GError *error = NULL;

    if (!g_task_propagate_boolean(G_TASK(result), &error)) {
        g_dbus_method_invocation_take_error(g_steal_pointer(&call->invocation), error);
        return;
    }
    /* The guest may have stopped meanwhile: then there is no running configuration. */
    live = marina_vm_get_live(self);
    if (live != NULL && call->kind == TUNE_MEMORY)
        live->current_memory_kib = call->kib;
    else if (live != NULL && call->kind == TUNE_VCPUS)
        live->current_vcpus = call->count;
    else if (live != NULL && call->kind == TUNE_PIN)
        set_vcpu_pin(live, call->count, call->cpulist);
    finish_call(self, call);
}

static gboolean
require_hook(MarinaVm *self, GDBusMethodInvocation *invocation, gpointer hook)
{
    if (hook != NULL)
        return TRUE;
    g_dbus_method_invocation_return_error(
        invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
        _("Guest '%s' cannot be changed while it runs; change its definition (--config)."),
        marina_vm_get_name(self));
    return FALSE;
}

/* A copy of the definition, changed by the caller, then checked. */
static MarinaDomainConfig *
copy_definition(MarinaVm *self)
{
    return marina_domain_config_copy(marina_vm_get_definition(self));
}

/* As any definition: the model's rules, then the driver's (what it could never start). */
static gboolean
check_definition(MarinaVm *self, const MarinaDomainConfig *def, GDBusMethodInvocation *invocation)
{
    GError *error = NULL;

    if (!marina_domain_config_validate(def, &error))
        return fail(invocation, error);
    if (KLASS(self)->check_definition != NULL && !KLASS(self)->check_definition(self, def, &error))
        return fail(invocation, error);
    return TRUE;
}

/* ---- SetMemory ------------------------------------------------------------------------------ */

static gboolean
check_memory(MarinaVm *self, const MarinaDomainConfig *c, guint64 kib, gboolean live,
             GDBusMethodInvocation *invocation)
{
    if (kib == 0)
        return fail(invocation, g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                                            _("The memory size must be more than 0.")));
    if (kib > c->memory_kib)
        return fail(invocation,
                    g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                live ? _("%llu KiB is more than the maximum memory of guest '%s' "
                                         "(%llu KiB), which cannot change while it runs.")
                                     : _("%llu KiB is more than the maximum memory of guest '%s' "
                                         "(%llu KiB); raise the maximum first (setmaxmem)."),
                                (unsigned long long)kib, marina_vm_get_name(self),
                                (unsigned long long)c->memory_kib));
    return TRUE;
}

void
marina_vm_handle_set_memory(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    g_autoptr(TuneCall) call = g_new0(TuneCall, 1);
    gboolean live, config;
    guint flags;

    g_variant_get(params, "(tu)", &call->kib, &flags);
    call->kind = TUNE_MEMORY;
    if (!marina_access_check_writable(invocation) ||
        !resolve_affect(self, invocation, flags, AFFECT_LIVE | AFFECT_CONFIG | AFFECT_MAXIMUM,
                        &live, &config))
        return;
    if ((flags & AFFECT_MAXIMUM) && live) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
            _("The maximum memory of guest '%s' cannot change while it runs: change it in the "
              "definition (--config); it applies from the next start."),
            marina_vm_get_name(self));
        return;
    }
    if (call->kib == 0) {
        check_memory(self, marina_vm_get_definition(self), 0, FALSE, invocation);
        return;
    }
    if (config) {
        call->new_def = copy_definition(self);
        if (flags & AFFECT_MAXIMUM) {
            /* As libvirt: the current memory follows a lower maximum down. */
            call->new_def->memory_kib = call->kib;
            call->new_def->current_memory_kib = MIN(call->new_def->current_memory_kib, call->kib);
        } else {
            if (!check_memory(self, call->new_def, call->kib, FALSE, invocation))
                return;
            call->new_def->current_memory_kib = call->kib;
        }
        if (!check_definition(self, call->new_def, invocation))
            return;
    }
    if (!live) {
        call->invocation = invocation; /* GDBus's reference, answered once */
        finish_call(self, call);
        return;
    }
    if (!check_memory(self, marina_vm_get_live(self), call->kib, TRUE, invocation) ||
        !require_hook(self, invocation, KLASS(self)->set_memory))
        return;
    call->invocation = invocation; /* GDBus's reference, answered once */
    KLASS(self)->set_memory(self, call->kib, g_task_new(self, NULL, on_live_done, call));
    call = NULL; /* the task's callback owns it */
}

/* ---- SetVcpus ------------------------------------------------------------------------------- */

static gboolean
check_vcpus(MarinaVm *self, const MarinaDomainConfig *c, guint count, gboolean live,
            GDBusMethodInvocation *invocation)
{
    if (count == 0)
        return fail(invocation, g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                                            _("A guest needs at least one vCPU.")));
    if (count > c->vcpus)
        return fail(invocation,
                    g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                live ? _("Guest '%s' can have at most %u vCPUs while it runs (its "
                                         "maximum). Raise the maximum in the definition "
                                         "(--maximum --config); it applies from the next start.")
                                     : _("Guest '%s' can have at most %u vCPUs (its maximum). "
                                         "Raise the maximum first (--maximum --config)."),
                                marina_vm_get_name(self), c->vcpus));
    return TRUE;
}

void
marina_vm_handle_set_vcpus(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    g_autoptr(TuneCall) call = g_new0(TuneCall, 1);
    gboolean live, config;
    guint flags;

    g_variant_get(params, "(uu)", &call->count, &flags);
    call->kind = TUNE_VCPUS;
    if (!marina_access_check_writable(invocation) ||
        !resolve_affect(self, invocation, flags, AFFECT_LIVE | AFFECT_CONFIG | AFFECT_MAXIMUM,
                        &live, &config))
        return;
    if ((flags & AFFECT_MAXIMUM) && live) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
            _("The maximum vCPU count of guest '%s' cannot change while it runs: change it in "
              "the definition (--config); it applies from the next start."),
            marina_vm_get_name(self));
        return;
    }
    if (call->count == 0) {
        check_vcpus(self, marina_vm_get_definition(self), 0, FALSE, invocation);
        return;
    }
    if (config) {
        call->new_def = copy_definition(self);
        if (flags & AFFECT_MAXIMUM) {
            call->new_def->vcpus = call->count;
            call->new_def->current_vcpus = MIN(call->new_def->current_vcpus, call->count);
            drop_vcpu_pins_from(call->new_def, call->count);
        } else {
            if (!check_vcpus(self, call->new_def, call->count, FALSE, invocation))
                return;
            call->new_def->current_vcpus = call->count;
        }
        if (!check_definition(self, call->new_def, invocation))
            return;
    }
    if (!live) {
        call->invocation = invocation; /* GDBus's reference, answered once */
        finish_call(self, call);
        return;
    }
    if (!check_vcpus(self, marina_vm_get_live(self), call->count, TRUE, invocation) ||
        !require_hook(self, invocation, KLASS(self)->set_vcpus))
        return;
    call->invocation = invocation; /* GDBus's reference, answered once */
    KLASS(self)->set_vcpus(self, call->count, g_task_new(self, NULL, on_live_done, call));
    call = NULL;
}

/* ---- PinVcpu -------------------------------------------------------------------------------- */

static gboolean
check_vcpu_index(MarinaVm *self, const MarinaDomainConfig *c, guint vcpu,
                 GDBusMethodInvocation *invocation)
{
    if (vcpu < c->vcpus)
        return TRUE;
    return fail(
        invocation,
        g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    g_dngettext(GETTEXT_PACKAGE, "Guest '%s' has no vCPU %u; it has %u (0).",
                                "Guest '%s' has no vCPU %u; it has %u (0-%u).", c->vcpus),
                    marina_vm_get_name(self), vcpu, c->vcpus, c->vcpus - 1));
}

void
marina_vm_handle_pin_vcpu(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    g_autoptr(TuneCall) call = g_new0(TuneCall, 1);
    const char *cpulist;
    cpu_set_t cpus, all;
    gboolean live, config;
    GError *error = NULL;
    guint flags;

    g_variant_get(params, "(u&su)", &call->count, &cpulist, &flags);
    call->kind = TUNE_PIN;
    if (!marina_access_check_writable(invocation) ||
        !resolve_affect(self, invocation, flags, AFFECT_LIVE | AFFECT_CONFIG, &live, &config))
        return;
    if (!marina_cpu_list_parse(cpulist, marina_cpu_list_host_cpus(), &cpus, &error)) {
        fail(invocation, error);
        return;
    }
    /* Every CPU of the host is no pinning at all (libvirt drops such a <vcpupin>). */
    marina_cpu_list_all(&all);
    if (!CPU_EQUAL(&cpus, &all))
        call->cpulist = marina_cpu_list_format(&cpus);
    if (config) {
        call->new_def = copy_definition(self);
        if (!check_vcpu_index(self, call->new_def, call->count, invocation))
            return;
        set_vcpu_pin(call->new_def, call->count, call->cpulist);
        if (!check_definition(self, call->new_def, invocation))
            return;
    }
    if (!live) {
        call->invocation = invocation; /* GDBus's reference, answered once */
        finish_call(self, call);
        return;
    }
    if (!check_vcpu_index(self, marina_vm_get_live(self), call->count, invocation))
        return;
    if (call->count >= marina_vm_get_live(self)->current_vcpus) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("vCPU %u of guest '%s' is offline; bring it online first (setvcpus), or pin it in "
              "the definition (--config)."),
            call->count, marina_vm_get_name(self));
        return;
    }
    if (!require_hook(self, invocation, KLASS(self)->pin_vcpu))
        return;
    call->invocation = invocation; /* GDBus's reference, answered once */
    KLASS(self)->pin_vcpu(self, call->count, &cpus, g_task_new(self, NULL, on_live_done, call));
    call = NULL;
}

/* ---- Memory of the definition, at start ------------------------------------------------------ */

static void
on_start_balloon_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!g_task_propagate_boolean(G_TASK(result), &error))
        g_warning("Guest '%s' keeps all its memory, not its <currentMemory>: %s",
                  marina_vm_get_name(MARINA_VM(source)), error->message);
}

void
marina_vm_apply_start_tuning(MarinaVm *self)
{
    const MarinaDomainConfig *live = marina_vm_get_live(self);

    if (live == NULL || !KLASS(self)->is_controllable(self))
        return;
    /* QEMU gives a guest its maximum; <currentMemory> is what the balloon leaves it. */
    if (live->current_memory_kib > 0 && live->current_memory_kib < live->memory_kib &&
        KLASS(self)->set_memory != NULL)
        KLASS(self)->set_memory(self, live->current_memory_kib,
                                g_task_new(self, NULL, on_start_balloon_done, NULL));
}

/* ---- GetVcpuInfo ---------------------------------------------------------------------------- */

/* Where vCPU @vcpu may run by the configuration: its <vcpupin>, else <vcpu cpuset>, else
 * anywhere. */
static char *
configured_affinity(const MarinaDomainConfig *c, guint vcpu)
{
    const char *list = c->cpuset;
    cpu_set_t set;

    for (guint i = 0; i < c->vcpupins->len; i++)
        if (((MarinaVcpuPin *)c->vcpupins->pdata[i])->vcpu == vcpu)
            list = ((MarinaVcpuPin *)c->vcpupins->pdata[i])->cpuset;
    if (list == NULL || !marina_cpu_list_parse(list, marina_cpu_list_host_cpus(), &set, NULL))
        marina_cpu_list_all(&set);
    return marina_cpu_list_format(&set);
}

static GVariant *
vcpu_info_to_variant(const MarinaVmVcpuInfo *info)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "vcpu", "u", info->vcpu);
    g_variant_dict_insert(&d, "online", "b", info->online);
    g_variant_dict_insert(&d, "cpu", "i", info->cpu);
    g_variant_dict_insert(&d, "state", "s", info->state);
    g_variant_dict_insert(&d, "cpu-time-ns", "t", info->cpu_time_ns);
    g_variant_dict_insert(&d, "affinity", "s", info->affinity != NULL ? info->affinity : "");
    g_variant_dict_insert(&d, "thread-id", "i", info->thread_id);
    return g_variant_dict_end(&d);
}

/* The driver's online vCPUs (may be NULL), completed with every other vCPU of @c as offline
 * (a shut-off guest: all of them, online as configured). */
static void
reply_vcpu_info(MarinaVm *self, GDBusMethodInvocation *invocation, GPtrArray *online,
                const MarinaDomainConfig *c)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    for (guint v = 0; v < c->vcpus; v++) {
        g_autoptr(MarinaVmVcpuInfo) own = NULL;
        const MarinaVmVcpuInfo *info = NULL;

        for (guint i = 0; online != NULL && i < online->len && info == NULL; i++)
            if (((MarinaVmVcpuInfo *)online->pdata[i])->vcpu == v)
                info = online->pdata[i];
        if (info == NULL) {
            own = marina_vm_vcpu_info_new(v);
            own->online = online == NULL && v < c->current_vcpus;
            own->affinity = configured_affinity(c, v);
            info = own;
        }
        g_variant_builder_add_value(&b, vcpu_info_to_variant(info));
    }
    marina_dbus_domain_complete_get_vcpu_info(NULL, invocation, g_variant_builder_end(&b));
}

static void
on_vcpu_info(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GDBusMethodInvocation) invocation = data;
    MarinaVm *self = MARINA_VM(source);
    g_autoptr(GPtrArray) online = NULL;
    GError *error = NULL;

    online = g_task_propagate_pointer(G_TASK(result), &error);
    if (online == NULL) {
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    reply_vcpu_info(self, invocation, online, marina_vm_get_config(self));
}

void
marina_vm_handle_get_vcpu_info(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    if (KLASS(self)->get_vcpu_info != NULL && KLASS(self)->is_controllable(self) &&
        marina_vm_get_live(self) != NULL) {
        KLASS(self)->get_vcpu_info(self,
                                   g_task_new(self, NULL, on_vcpu_info, g_object_ref(invocation)));
        return;
    }
    reply_vcpu_info(self, invocation, NULL, marina_vm_get_config(self));
}

/* ---- GetInterfaceAddresses ------------------------------------------------------------------ */

/* The IPv4 neighbours of @mac in the host's ARP table (complete entries only). */
static void
add_arp_addresses(const char *mac, GVariantBuilder *addresses, guint *count)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    gsize len = 0;

    if (!g_file_get_contents("/proc/net/arp", &text, &len, NULL) || len > MAX_ARP_TABLE_SIZE)
        return;
    lines = g_strsplit(text, "\n", -1);
    /* "IP address  HW type  Flags  HW address  Mask  Device"; the first line is the header. */
    for (guint i = 1; lines[i] != NULL; i++) {
        g_auto(GStrv) f = g_strsplit_set(lines[i], " \t", -1);
        const char *cols[6];
        guint n = 0;
        guint64 flags;

        for (guint j = 0; f[j] != NULL && n < G_N_ELEMENTS(cols); j++)
            if (*f[j] != '\0')
                cols[n++] = f[j];
        if (n < 4 || g_ascii_strcasecmp(cols[3], mac) != 0)
            continue;
        flags = g_ascii_strtoull(cols[2], NULL, 16);
        if (!(flags & 0x2) || !g_hostname_is_ip_address(cols[0])) /* ATF_COM: complete */
            continue;
        g_variant_builder_add(addresses, "(sus)", "ipv4", 0u, cols[0]);
        (*count)++;
    }
}

/* The DHCP leases of @mac in Marina's running virtual networks; *network set to the network
 * that handed them out. FALSE with @error when the registry could not read them. */
static gboolean
add_lease_addresses(MarinaVm *self, const char *mac, GVariantBuilder *addresses, guint *count,
                    char **network, GError **error)
{
    g_autoptr(GPtrArray) leases = NULL;
    GError *local = NULL;

    if (KLASS(self)->find_leases == NULL)
        return TRUE;
    leases = KLASS(self)->find_leases(self, mac, network, &local);
    if (leases == NULL) {
        if (local == NULL)
            return TRUE;
        g_propagate_error(error, local);
        return FALSE;
    }
    for (guint i = 0; i < leases->len; i++) {
        const MarinaNetLease *lease = leases->pdata[i];

        g_variant_builder_add(addresses, "(sus)", lease->ipv6 ? "ipv6" : "ipv4", lease->prefix,
                              lease->address);
        (*count)++;
    }
    return TRUE;
}

static const char *
interface_name(const MarinaInterfaceConfig *nic, guint index, char *buf, gsize size)
{
    if (nic->target_dev != NULL)
        return nic->target_dev;
    g_snprintf(buf, size, "net%u", index);
    return buf;
}

void
marina_vm_handle_get_interface_addresses(MarinaVm *self, GDBusMethodInvocation *invocation,
                                         GVariant *params)
{
    const MarinaDomainConfig *live = marina_vm_get_live(self);
    const char *source;
    GVariantBuilder b;

    g_variant_get(params, "(&s)", &source);
    if (!g_str_equal(source, "lease") && !g_str_equal(source, "arp") &&
        !g_str_equal(source, "agent")) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Unknown address source; use \"lease\", \"arp\" or \"agent\"."));
        return;
    }
    if (!marina_vm_is_active(self) || live == NULL) {
        g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                              _("Guest '%s' is not running: it has no addresses."),
                                              marina_vm_get_name(self));
        return;
    }
    if (g_str_equal(source, "agent")) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
            _("Guest '%s' has no guest agent channel; ask the DHCP leases (lease) or the host's "
              "ARP table (arp) instead."),
            marina_vm_get_name(self));
        return;
    }
    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    for (guint i = 0; i < live->interfaces->len; i++) {
        const MarinaInterfaceConfig *nic = live->interfaces->pdata[i];
        g_autofree char *network = NULL;
        GVariantBuilder addresses;
        GError *error = NULL;
        GVariantDict d;
        char buf[32];
        guint count = 0;

        g_variant_builder_init(&addresses, G_VARIANT_TYPE("a(sus)"));
        if (g_str_equal(source, "arp")) {
            add_arp_addresses(nic->mac, &addresses, &count);
        } else if (!add_lease_addresses(self, nic->mac, &addresses, &count, &network, &error)) {
            g_variant_builder_clear(&addresses);
            g_variant_builder_clear(&b);
            g_dbus_method_invocation_take_error(invocation, error);
            return;
        }
        if (count == 0) {
            /* As libvirt: only interfaces with an address are listed. */
            g_variant_builder_clear(&addresses);
            continue;
        }
        g_variant_dict_init(&d, NULL);
        g_variant_dict_insert(&d, "name", "s", interface_name(nic, i, buf, sizeof buf));
        g_variant_dict_insert(&d, "mac", "s", nic->mac);
        g_variant_dict_insert(&d, "network", "s",
                              network != NULL                                       ? network
                              : nic->type == MARINA_NET_TYPE_NETWORK && nic->source ? nic->source
                                                                                    : "");
        g_variant_dict_insert_value(&d, "addresses", g_variant_builder_end(&addresses));
        g_variant_builder_add_value(&b, g_variant_dict_end(&d));
    }
    marina_dbus_domain_complete_get_interface_addresses(NULL, invocation,
                                                        g_variant_builder_end(&b));
}
