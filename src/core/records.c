#define G_LOG_DOMAIN "marina-records"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "records.h"

/* The daemon is trusted for content, not for shape: a missing or mistyped
 * key leaves the default. */

static char *
lookup_string(GVariant *dict, const char *key, const char *fallback)
{
    const char *value = NULL;

    if (!g_variant_lookup(dict, key, "&s", &value))
        value = fallback;
    return g_strdup(value);
}

static guint
lookup_uint(GVariant *dict, const char *key)
{
    guint32 value = 0;

    g_variant_lookup(dict, key, "u", &value);
    return value;
}

static guint64
lookup_uint64(GVariant *dict, const char *key)
{
    guint64 value = 0;

    g_variant_lookup(dict, key, "t", &value);
    return value;
}

static gboolean
lookup_boolean(GVariant *dict, const char *key)
{
    gboolean value = FALSE;

    g_variant_lookup(dict, key, "b", &value);
    return value;
}

static int
lookup_int(GVariant *dict, const char *key, int fallback)
{
    gint32 value = fallback;

    g_variant_lookup(dict, key, "i", &value);
    return value;
}

static char **
lookup_strv(GVariant *dict, const char *key)
{
    char **value = NULL;

    if (!g_variant_lookup(dict, key, "^as", &value))
        value = g_new0(char *, 1);
    return value;
}

/* ---------------------------------------------------------------------------------------------
 * Domains
 */

void
marina_domain_record_free(MarinaDomainRecord *record)
{
    if (record == NULL)
        return;
    g_free(record->object_path);
    g_free(record->name);
    g_free(record->uuid);
    g_free(record->title);
    g_free(record);
}

static char *
child_string(GVariant *row, gsize index)
{
    g_autoptr(GVariant) child = g_variant_get_child_value(row, index);

    return g_strdup(g_variant_get_string(child, NULL));
}

static guint32
child_uint32(GVariant *row, gsize index)
{
    g_autoptr(GVariant) child = g_variant_get_child_value(row, index);

    return g_variant_get_uint32(child);
}

static gboolean
child_boolean(GVariant *row, gsize index)
{
    g_autoptr(GVariant) child = g_variant_get_child_value(row, index);

    return g_variant_get_boolean(child);
}

/* One (oissuubbtus) row, field by field: cheaper than a format string per
 * row, which parsing a thousand rows showed. */
static MarinaDomainRecord *
domain_record_from_row(GVariant *row)
{
    MarinaDomainRecord *r = g_new0(MarinaDomainRecord, 1);
    g_autoptr(GVariant) id = g_variant_get_child_value(row, 1);
    g_autoptr(GVariant) memory = g_variant_get_child_value(row, 8);

    r->object_path = child_string(row, 0);
    r->id = g_variant_get_int32(id);
    r->name = child_string(row, 2);
    r->uuid = child_string(row, 3);
    r->state = child_uint32(row, 4);
    r->reason = child_uint32(row, 5);
    r->persistent = child_boolean(row, 6);
    r->autostart = child_boolean(row, 7);
    r->max_memory_kib = g_variant_get_uint64(memory);
    r->vcpus = child_uint32(row, 9);
    r->title = child_string(row, 10);
    return r;
}

GPtrArray *
marina_domain_records_from_variant(GVariant *domains)
{
    gsize n = g_variant_n_children(domains);
    GPtrArray *records = g_ptr_array_new_full((guint)n, (GDestroyNotify)marina_domain_record_free);

    for (gsize i = 0; i < n; i++) {
        g_autoptr(GVariant) row = g_variant_get_child_value(domains, i);
        g_ptr_array_add(records, domain_record_from_row(row));
    }
    return records;
}

GVariant *
marina_variant_to_packed(GVariant *value)
{
    g_autoptr(GVariant) little = NULL;
    g_autoptr(GBytes) bytes = NULL;

    little = G_BYTE_ORDER == G_BIG_ENDIAN ? g_variant_byteswap(value) : g_variant_ref(value);
    bytes = g_variant_get_data_as_bytes(little);
    return g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

GVariant *
marina_variant_from_packed(GVariant *packed, const GVariantType *type)
{
    g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes(packed);
    GVariant *value = g_variant_ref_sink(g_variant_new_from_bytes(type, bytes, FALSE));

    /* Reading children of untrusted data checks the offsets before each one
     * (quadratic in GLib 2.74: 30 M instructions for 1000 rows); checked once
     * here in one pass, the same bytes are read as trusted. Data the daemon
     * got wrong is read through its normal form, whose bad values are
     * defaults: garbage costs a copy, never a crash. */
    if (g_variant_is_normal_form(value)) {
        g_variant_unref(value);
        value = g_variant_ref_sink(g_variant_new_from_bytes(type, bytes, TRUE));
    } else {
        GVariant *normal = g_variant_get_normal_form(value);
        g_variant_unref(value);
        value = normal;
    }
    if (G_BYTE_ORDER == G_BIG_ENDIAN) {
        GVariant *native = g_variant_byteswap(value);
        g_variant_unref(value);
        value = native;
    }
    return value;
}

GPtrArray *
marina_domain_records_from_packed(GVariant *packed)
{
    g_autoptr(GVariant) domains =
        marina_variant_from_packed(packed, G_VARIANT_TYPE("a(oissuubbtus)"));

    return marina_domain_records_from_variant(domains);
}

void
marina_domain_info_free(MarinaDomainInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->os_type);
    g_free(info->title);
    g_free(info);
}

MarinaDomainInfo *
marina_domain_info_from_variant(GVariant *dict)
{
    MarinaDomainInfo *info = g_new0(MarinaDomainInfo, 1);

    info->state = lookup_uint(dict, "state");
    info->reason = lookup_uint(dict, "reason");
    info->max_memory_kib = lookup_uint64(dict, "max-memory-kib");
    info->memory_kib = lookup_uint64(dict, "memory-kib");
    info->vcpus = lookup_uint(dict, "vcpus");
    info->cpu_time_ns = lookup_uint64(dict, "cpu-time-ns");
    info->persistent = lookup_boolean(dict, "persistent");
    info->autostart = lookup_boolean(dict, "autostart");
    info->managed_save = lookup_boolean(dict, "managed-save");
    info->id = lookup_int(dict, "id", -1);
    info->os_type = lookup_string(dict, "os-type", "hvm");
    info->title = lookup_string(dict, "title", "");
    info->pid = lookup_int(dict, "pid", -1);
    return info;
}

/* ---------------------------------------------------------------------------------------------
 * The host
 */

void
marina_node_info_free(MarinaNodeInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->hostname);
    g_free(info->cpu_model);
    g_free(info->accelerator);
    g_free(info->emulator);
    g_free(info->emulator_version);
    g_free(info->arch);
    g_free(info->driver);
    g_strfreev(info->bridges);
    g_clear_pointer(&info->dict, g_variant_dict_unref);
    g_free(info);
}

MarinaNodeInfo *
marina_node_info_from_variant(GVariant *dict)
{
    MarinaNodeInfo *info = g_new0(MarinaNodeInfo, 1);

    info->hostname = lookup_string(dict, "hostname", "");
    info->cpu_model = lookup_string(dict, "cpu-model", "");
    info->cpus = lookup_uint(dict, "cpus");
    info->sockets = lookup_uint(dict, "sockets");
    info->cores = lookup_uint(dict, "cores");
    info->threads = lookup_uint(dict, "threads");
    info->mhz = lookup_uint(dict, "mhz");
    info->memory_kib = lookup_uint64(dict, "memory-kib");
    info->free_memory_kib = lookup_uint64(dict, "free-memory-kib");
    info->accelerator = lookup_string(dict, "accelerator", "");
    info->emulator = lookup_string(dict, "emulator", "");
    info->emulator_version = lookup_string(dict, "emulator-version", "");
    info->arch = lookup_string(dict, "arch", "");
    info->driver = lookup_string(dict, "driver", "");
    info->bridges = lookup_strv(dict, "bridges");
    info->nodes = lookup_uint(dict, "nodes");
    info->networks = lookup_uint(dict, "networks");
    info->pools = lookup_uint(dict, "pools");
    info->dict = g_variant_dict_new(dict);
    return info;
}

gboolean
marina_node_info_has(const MarinaNodeInfo *info, const char *key)
{
    g_return_val_if_fail(info != NULL && key != NULL, FALSE);
    return g_variant_dict_contains(info->dict, key);
}

void
marina_host_properties_free(MarinaHostProperties *properties)
{
    if (properties == NULL)
        return;
    g_free(properties->version);
    g_free(properties->driver);
    g_free(properties->mode);
    g_free(properties->hostname);
    g_free(properties);
}

MarinaHostProperties *
marina_host_properties_from_variant(GVariant *dict)
{
    MarinaHostProperties *p = g_new0(MarinaHostProperties, 1);

    p->version = lookup_string(dict, "Version", "");
    p->driver = lookup_string(dict, "Driver", "");
    p->mode = lookup_string(dict, "Mode", "");
    p->hostname = lookup_string(dict, "Hostname", "");
    p->stats_interval_ms = lookup_uint(dict, "StatsInterval");
    return p;
}

/* ---------------------------------------------------------------------------------------------
 * Storage
 */

void
marina_pool_info_free(MarinaPoolInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->object_path);
    g_free(info->name);
    g_free(info->uuid);
    g_free(info->type);
    g_free(info->path);
    g_free(info);
}

GPtrArray *
marina_pool_infos_from_variant(GVariant *pools)
{
    GPtrArray *infos = g_ptr_array_new_with_free_func((GDestroyNotify)marina_pool_info_free);
    GVariantIter iter;
    const char *path, *name;
    gboolean active, autostart;
    guint64 capacity, allocation, available;

    g_variant_iter_init(&iter, pools);
    while (g_variant_iter_next(&iter, "(&o&sbbttt)", &path, &name, &active, &autostart, &capacity,
                               &allocation, &available)) {
        MarinaPoolInfo *p = g_new0(MarinaPoolInfo, 1);

        p->object_path = g_strdup(path);
        p->name = g_strdup(name);
        p->uuid = g_strdup("");
        p->type = g_strdup("");
        p->path = g_strdup("");
        p->active = active;
        p->autostart = autostart;
        p->persistent = TRUE;
        p->capacity = capacity;
        p->allocation = allocation;
        p->available = available;
        g_ptr_array_add(infos, p);
    }
    return infos;
}

MarinaPoolInfo *
marina_pool_info_from_variant(GVariant *dict, const char *object_path)
{
    MarinaPoolInfo *p = g_new0(MarinaPoolInfo, 1);

    p->object_path = g_strdup(object_path);
    p->name = lookup_string(dict, "name", "");
    p->uuid = lookup_string(dict, "uuid", "");
    p->type = lookup_string(dict, "type", "");
    p->active = lookup_boolean(dict, "active");
    p->autostart = lookup_boolean(dict, "autostart");
    p->persistent = lookup_boolean(dict, "persistent");
    p->capacity = lookup_uint64(dict, "capacity");
    p->allocation = lookup_uint64(dict, "allocation");
    p->available = lookup_uint64(dict, "available");
    p->path = lookup_string(dict, "path", "");
    return p;
}

void
marina_volume_info_free(MarinaVolumeInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->object_path);
    g_free(info->name);
    g_free(info->pool);
    g_free(info->path);
    g_free(info->format);
    g_free(info->backing);
    g_strfreev(info->used_by);
    g_free(info);
}

GPtrArray *
marina_volume_infos_from_variant(GVariant *volumes)
{
    GPtrArray *infos = g_ptr_array_new_with_free_func((GDestroyNotify)marina_volume_info_free);
    GVariantIter iter;
    const char *path, *name, *target, *format;
    guint64 capacity, allocation;
    char **used_by;

    g_variant_iter_init(&iter, volumes);
    while (g_variant_iter_next(&iter, "(&o&s&stt&s^as)", &path, &name, &target, &capacity,
                               &allocation, &format, &used_by)) {
        MarinaVolumeInfo *v = g_new0(MarinaVolumeInfo, 1);

        v->object_path = g_strdup(path);
        v->name = g_strdup(name);
        v->pool = g_strdup("");
        v->path = g_strdup(target);
        v->capacity = capacity;
        v->allocation = allocation;
        v->format = g_strdup(format);
        v->backing = g_strdup("");
        v->used_by = used_by;
        g_ptr_array_add(infos, v);
    }
    return infos;
}

MarinaVolumeInfo *
marina_volume_info_from_variant(GVariant *dict, const char *object_path)
{
    MarinaVolumeInfo *v = g_new0(MarinaVolumeInfo, 1);

    v->object_path = g_strdup(object_path);
    v->name = lookup_string(dict, "name", "");
    v->pool = lookup_string(dict, "pool", "");
    v->path = lookup_string(dict, "path", "");
    v->format = lookup_string(dict, "format", "");
    v->capacity = lookup_uint64(dict, "capacity");
    v->allocation = lookup_uint64(dict, "allocation");
    v->backing = lookup_string(dict, "backing", "");
    v->used_by = lookup_strv(dict, "used-by");
    return v;
}

/* ---------------------------------------------------------------------------------------------
 * Jobs
 */

static const struct {
    const char *name;
    MarinaJobPhase phase;
    const char *label;
} job_phases[] = {
    {"none", MARINA_JOB_PHASE_NONE, N_("none")},
    {"setup", MARINA_JOB_PHASE_SETUP, N_("setting up")},
    {"storage", MARINA_JOB_PHASE_STORAGE, N_("copying disks")},
    {"memory", MARINA_JOB_PHASE_MEMORY, N_("copying memory")},
    {"postcopy", MARINA_JOB_PHASE_POSTCOPY, N_("post-copy")},
    {"completed", MARINA_JOB_PHASE_COMPLETED, N_("completed")},
    {"failed", MARINA_JOB_PHASE_FAILED, N_("failed")},
    {"cancelled", MARINA_JOB_PHASE_CANCELLED, N_("cancelled")},
};

const char *
marina_job_phase_to_string(MarinaJobPhase phase)
{
    for (gsize i = 0; i < G_N_ELEMENTS(job_phases); i++) {
        if (job_phases[i].phase == phase)
            return _(job_phases[i].label);
    }
    return _("unknown");
}

static MarinaJobPhase
job_phase_from_name(const char *name)
{
    if (*name == '\0')
        return MARINA_JOB_PHASE_NONE;
    for (gsize i = 0; i < G_N_ELEMENTS(job_phases); i++) {
        if (strcmp(job_phases[i].name, name) == 0)
            return job_phases[i].phase;
    }
    return MARINA_JOB_PHASE_UNKNOWN;
}

void
marina_job_info_free(MarinaJobInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->type);
    g_free(info->phase_name);
    g_free(info);
}

MarinaJobInfo *
marina_job_info_copy(const MarinaJobInfo *info)
{
    MarinaJobInfo *copy;

    g_return_val_if_fail(info != NULL, NULL);
    copy = g_memdup2(info, sizeof(*info));
    copy->type = g_strdup(info->type);
    copy->phase_name = g_strdup(info->phase_name);
    return copy;
}

/* Letters, digits, '-' and '_', at most 32: what may be printed to a terminal as it is. */
static gboolean
is_word(const char *text)
{
    gsize length = strlen(text);

    if (length > 32)
        return FALSE;
    for (gsize i = 0; i < length; i++) {
        if (!g_ascii_isalnum(text[i]) && text[i] != '-' && text[i] != '_')
            return FALSE;
    }
    return TRUE;
}

MarinaJobInfo *
marina_job_info_from_variant(GVariant *dict)
{
    MarinaJobInfo *info = g_new0(MarinaJobInfo, 1);

    /* g_variant_lookup() asserts a dictionary: anything else is "no job". */
    if (dict == NULL || !g_variant_is_of_type(dict, G_VARIANT_TYPE_VARDICT)) {
        info->type = g_strdup("none");
        info->phase_name = g_strdup("");
        return info;
    }
    info->type = lookup_string(dict, "type", "none");
    if (!is_word(info->type)) {
        g_free(info->type);
        info->type = g_strdup("?");
    }
    /* A phase is a word: a longer or odd value is shown as "?", not printed. */
    info->phase_name = lookup_string(dict, "phase", "");
    if (!is_word(info->phase_name)) {
        g_free(info->phase_name);
        info->phase_name = g_strdup("?");
    }
    info->phase = job_phase_from_name(info->phase_name);
    info->elapsed_ms = lookup_uint64(dict, "elapsed-ms");
    info->data_total = lookup_uint64(dict, "data-total");
    info->data_processed = lookup_uint64(dict, "data-processed");
    info->data_remaining = lookup_uint64(dict, "data-remaining");
    info->memory_total = lookup_uint64(dict, "memory-total");
    info->memory_processed = lookup_uint64(dict, "memory-processed");
    info->memory_remaining = lookup_uint64(dict, "memory-remaining");
    info->memory_bps = lookup_uint64(dict, "memory-bps");
    info->dirty_rate = lookup_uint64(dict, "dirty-rate");
    info->iterations = lookup_uint64(dict, "iterations");
    info->expected_downtime_ms = lookup_uint64(dict, "expected-downtime-ms");
    info->has_downtime = g_variant_lookup(dict, "downtime-ms", "t", &info->downtime_ms);
    info->setup_ms = lookup_uint64(dict, "setup-ms");
    info->disk_total = lookup_uint64(dict, "disk-total");
    info->disk_processed = lookup_uint64(dict, "disk-processed");
    info->bandwidth = lookup_uint64(dict, "bandwidth");
    info->max_downtime_ms = lookup_uint64(dict, "max-downtime-ms");
    return info;
}

double
marina_job_info_get_fraction(const MarinaJobInfo *info)
{
    g_return_val_if_fail(info != NULL, -1);
    if (info->phase == MARINA_JOB_PHASE_COMPLETED)
        return 1;
    if (info->data_total == 0)
        return -1;
    /* Dirtied memory is sent again, so processed may pass total. */
    return (double)MIN(info->data_processed, info->data_total) / (double)info->data_total;
}

gboolean
marina_job_info_is_active(const MarinaJobInfo *info)
{
    g_return_val_if_fail(info != NULL, FALSE);
    return info->phase == MARINA_JOB_PHASE_SETUP || info->phase == MARINA_JOB_PHASE_STORAGE ||
           info->phase == MARINA_JOB_PHASE_MEMORY || info->phase == MARINA_JOB_PHASE_POSTCOPY;
}

/* ---------------------------------------------------------------------------------------------
 * Virtual networks and host devices
 */

static guint16
lookup_uint16(GVariant *dict, const char *key)
{
    guint16 value = 0;

    g_variant_lookup(dict, key, "q", &value);
    return value;
}

static gint64
lookup_int64(GVariant *dict, const char *key)
{
    gint64 value = 0;

    g_variant_lookup(dict, key, "x", &value);
    return value;
}

void
marina_network_record_free(MarinaNetworkRecord *record)
{
    if (record == NULL)
        return;
    g_free(record->object_path);
    g_free(record->name);
    g_free(record->bridge);
    g_free(record->forward);
    g_free(record);
}

GPtrArray *
marina_network_records_from_variant(GVariant *networks)
{
    GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)marina_network_record_free);
    GVariantIter iter;
    const char *path, *name, *bridge, *forward;
    gboolean active, autostart, persistent;

    if (networks == NULL || !g_variant_is_of_type(networks, G_VARIANT_TYPE("a(osbbbss)")))
        return records;
    g_variant_iter_init(&iter, networks);
    while (g_variant_iter_next(&iter, "(&o&sbbb&s&s)", &path, &name, &active, &autostart,
                               &persistent, &bridge, &forward)) {
        MarinaNetworkRecord *r = g_new0(MarinaNetworkRecord, 1);

        r->object_path = g_strdup(path);
        r->name = g_strdup(name);
        r->active = active;
        r->autostart = autostart;
        r->persistent = persistent;
        r->bridge = g_strdup(bridge);
        r->forward = g_strdup(forward);
        g_ptr_array_add(records, r);
    }
    return records;
}

void
marina_network_info_free(MarinaNetworkInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->name);
    g_free(info->uuid);
    g_free(info->bridge);
    g_free(info->forward);
    g_free(info->forward_dev);
    g_free(info->ipv4);
    g_free(info->ipv6);
    g_free(info->dhcp_start);
    g_free(info->dhcp_end);
    g_free(info->ipv6_dhcp_start);
    g_free(info->ipv6_dhcp_end);
    g_free(info->how);
    g_free(info->how_detail);
    g_strfreev(info->guests);
    g_free(info);
}

MarinaNetworkInfo *
marina_network_info_from_variant(GVariant *dict)
{
    MarinaNetworkInfo *n = g_new0(MarinaNetworkInfo, 1);

    n->name = lookup_string(dict, "name", "");
    n->uuid = lookup_string(dict, "uuid", "");
    n->active = lookup_boolean(dict, "active");
    n->autostart = lookup_boolean(dict, "autostart");
    n->persistent = lookup_boolean(dict, "persistent");
    n->bridge = lookup_string(dict, "bridge", "");
    n->forward = lookup_string(dict, "forward", "");
    n->forward_dev = lookup_string(dict, "forward-dev", "");
    n->ipv4 = lookup_string(dict, "ipv4", "");
    n->ipv6 = lookup_string(dict, "ipv6", "");
    n->dhcp_start = lookup_string(dict, "dhcp-start", "");
    n->dhcp_end = lookup_string(dict, "dhcp-end", "");
    n->ipv6_dhcp_start = lookup_string(dict, "ipv6-dhcp-start", "");
    n->ipv6_dhcp_end = lookup_string(dict, "ipv6-dhcp-end", "");
    n->mtu = lookup_uint(dict, "mtu");
    n->how = lookup_string(dict, "how", "");
    n->how_detail = lookup_string(dict, "how-detail", "");
    n->guests = lookup_strv(dict, "guests");
    return n;
}

void
marina_dhcp_lease_free(MarinaDhcpLease *lease)
{
    if (lease == NULL)
        return;
    g_free(lease->mac);
    g_free(lease->address);
    g_free(lease->type);
    g_free(lease->hostname);
    g_free(lease->client_id);
    g_free(lease);
}

/* Each a{sv} of an aa{sv} reply made into a record by @make. */
static GPtrArray *
records_from_dicts(GVariant *dicts, gpointer (*make)(GVariant *dict, gconstpointer data),
                   gconstpointer data, GDestroyNotify free_func)
{
    GPtrArray *records = g_ptr_array_new_with_free_func(free_func);
    GVariantIter iter;
    GVariant *dict;

    if (dicts == NULL || !g_variant_is_of_type(dicts, G_VARIANT_TYPE("aa{sv}")))
        return records;
    g_variant_iter_init(&iter, dicts);
    while ((dict = g_variant_iter_next_value(&iter)) != NULL) {
        g_ptr_array_add(records, make(dict, data));
        g_variant_unref(dict);
    }
    return records;
}

static gpointer
lease_from_dict(GVariant *dict, gconstpointer unused)
{
    MarinaDhcpLease *l = g_new0(MarinaDhcpLease, 1);

    l->expiry = lookup_int64(dict, "expiry");
    l->mac = lookup_string(dict, "mac", "");
    l->address = lookup_string(dict, "address", "");
    l->prefix = lookup_uint(dict, "prefix");
    l->type = lookup_string(dict, "type", "");
    l->hostname = lookup_string(dict, "hostname", "");
    l->client_id = lookup_string(dict, "client-id", "");
    return l;
}

GPtrArray *
marina_dhcp_leases_from_variant(GVariant *leases)
{
    return records_from_dicts(leases, lease_from_dict, NULL,
                              (GDestroyNotify)marina_dhcp_lease_free);
}

void
marina_host_interface_free(MarinaHostInterface *iface)
{
    if (iface == NULL)
        return;
    g_free(iface->name);
    g_free(iface->mac);
    g_free(iface->state);
    g_free(iface->kind);
    g_strfreev(iface->addresses);
    g_free(iface->marina_network);
    g_free(iface);
}

static gpointer
interface_from_dict(GVariant *dict, gconstpointer unused)
{
    MarinaHostInterface *i = g_new0(MarinaHostInterface, 1);

    i->name = lookup_string(dict, "name", "");
    i->mac = lookup_string(dict, "mac", "");
    i->state = lookup_string(dict, "state", "");
    i->kind = lookup_string(dict, "kind", "");
    i->mtu = lookup_uint(dict, "mtu");
    i->addresses = lookup_strv(dict, "addresses");
    i->marina_network = lookup_string(dict, "marina-network", "");
    return i;
}

GPtrArray *
marina_host_interfaces_from_variant(GVariant *interfaces)
{
    return records_from_dicts(interfaces, interface_from_dict, NULL,
                              (GDestroyNotify)marina_host_interface_free);
}

void
marina_host_device_free(MarinaHostDevice *device)
{
    if (device == NULL)
        return;
    g_free(device->type);
    g_free(device->name);
    g_free(device->vendor);
    g_free(device->product);
    g_free(device->address);
    g_free(device->pci_class);
    g_free(device->driver);
    g_free(device->used_by);
    g_free(device);
}

static gpointer
device_from_dict(GVariant *dict, gconstpointer type)
{
    MarinaHostDevice *d = g_new0(MarinaHostDevice, 1);

    d->type = g_strdup(type);
    d->name = lookup_string(dict, "name", "");
    d->vendor_id = lookup_uint16(dict, "vendor-id");
    d->product_id = lookup_uint16(dict, "product-id");
    d->vendor = lookup_string(dict, "vendor", "");
    d->product = lookup_string(dict, "product", "");
    d->bus = lookup_uint(dict, "bus");
    d->device = lookup_uint(dict, "device");
    d->address = lookup_string(dict, "address", "");
    d->pci_class = lookup_string(dict, "class", "");
    d->driver = lookup_string(dict, "driver", "");
    d->iommu_group = lookup_int(dict, "iommu-group", -1);
    d->used_by = lookup_string(dict, "used-by", "");
    return d;
}

GPtrArray *
marina_host_devices_from_variant(const char *type, GVariant *devices)
{
    return records_from_dicts(devices, device_from_dict, type != NULL ? type : "",
                              (GDestroyNotify)marina_host_device_free);
}
