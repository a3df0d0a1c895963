#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "access.h"
#include "core/error.h"
#include "cpu-list.h"
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
    guint count; /* vCPUs, or the vCPU pinned */
} TuneCall;

static void
tune_call_free(TuneCall *call)
{
    g_clear_object(&call->invocation);
    marina_domain_config_free(call->new_def);
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
        if (!marina_vm_save_definition(self, g_steal_pointer(&call->new_def), &error)) {
            g_dbus_method_invocation_take_error(g_steal_pointer(&call->invocation), error);
            return;
        }
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

static gboolean
check_definition(const MarinaDomainConfig *def, GDBusMethodInvocation *invocation)
{
    GError *error = NULL;

    return marina_domain_config_validate(def, &error) || fail(invocation, error);
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
        if (!check_definition(call->new_def, invocation))
            return;
    }
    if (!live) {
        call->invocation = g_object_ref(invocation);
        finish_call(self, call);
        return;
    }
    if (!check_memory(self, marina_vm_get_live(self), call->kib, TRUE, invocation) ||
        !require_hook(self, invocation, KLASS(self)->set_memory))
        return;
    call->invocation = g_object_ref(invocation);
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
        } else {
            if (!check_vcpus(self, call->new_def, call->count, FALSE, invocation))
                return;
            call->new_def->current_vcpus = call->count;
        }
        if (!check_definition(call->new_def, invocation))
            return;
    }
    if (!live) {
        call->invocation = g_object_ref(invocation);
        finish_call(self, call);
        return;
    }
    if (!check_vcpus(self, marina_vm_get_live(self), call->count, TRUE, invocation) ||
        !require_hook(self, invocation, KLASS(self)->set_vcpus))
        return;
    call->invocation = g_object_ref(invocation);
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
    cpu_set_t cpus;
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
    if (config) {
        /* The definition has no place for per-vCPU pinning (<cputune><vcpupin>) yet. */
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
            _("vCPU pinning cannot be kept in the definition of guest '%s' yet; pin the running "
              "guest (--live), or set the CPUs of all its vCPUs with <vcpu cpuset='...'>."),
            marina_vm_get_name(self));
        return;
    }
    if (!check_vcpu_index(self, marina_vm_get_live(self), call->count, invocation))
        return;
    if (call->count >= marina_vm_get_live(self)->current_vcpus) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("vCPU %u of guest '%s' is offline; bring it online first (setvcpus)."), call->count,
            marina_vm_get_name(self));
        return;
    }
    if (!require_hook(self, invocation, KLASS(self)->pin_vcpu))
        return;
    call->invocation = g_object_ref(invocation);
    KLASS(self)->pin_vcpu(self, call->count, &cpus, g_task_new(self, NULL, on_live_done, call));
    call = NULL;
}

/* ---- GetVcpuInfo ---------------------------------------------------------------------------- */

/* Where a vCPU may run by the configuration: <vcpu cpuset>, else anywhere. */
static char *
configured_affinity(const MarinaDomainConfig *c)
{
    cpu_set_t set;

    if (c->cpuset == NULL ||
        !marina_cpu_list_parse(c->cpuset, marina_cpu_list_host_cpus(), &set, NULL))
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
    g_autofree char *affinity = configured_affinity(c);
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
            own->affinity = g_strdup(affinity);
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
        g_dbus_method_invocation_take_error(g_steal_pointer(&invocation), error);
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
        g_variant_builder_add(addresses, "(sus)", "ipv4", cols[0], 0u);
        (*count)++;
    }
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
        GVariantBuilder addresses;
        GVariantDict d;
        char buf[32];
        guint count = 0;

        g_variant_builder_init(&addresses, G_VARIANT_TYPE("a(sus)"));
        /* "lease": Marina's virtual networks hand out the leases; none runs in this daemon
         * yet, so there are none to report. */
        if (g_str_equal(source, "arp"))
            add_arp_addresses(nic->mac, &addresses, &count);
        if (count == 0) {
            /* As libvirt: only interfaces with an address are listed. */
            g_variant_builder_clear(&addresses);
            continue;
        }
        g_variant_dict_init(&d, NULL);
        g_variant_dict_insert(&d, "name", "s", interface_name(nic, i, buf, sizeof buf));
        g_variant_dict_insert(&d, "mac", "s", nic->mac);
        g_variant_dict_insert(&d, "network", "s",
                              nic->type == MARINA_NET_TYPE_NETWORK && nic->source ? nic->source
                                                                                  : "");
        g_variant_dict_insert_value(&d, "addresses", g_variant_builder_end(&addresses));
        g_variant_builder_add_value(&b, g_variant_dict_end(&d));
    }
    marina_dbus_domain_complete_get_interface_addresses(NULL, invocation,
                                                        g_variant_builder_end(&b));
}
