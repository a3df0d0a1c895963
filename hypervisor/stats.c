#define G_LOG_DOMAIN "marinad-stats"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "host-info.h"
#include "stats.h"
#include "vm-registry.h"

/* Memory a simulated host keeps for itself. */
#define TEST_HOST_BASE_KIB (G_GUINT64_CONSTANT(1024) * 1024)

struct _MarinaStats {
    GObject parent_instance;

    MarinaVmRegistry *guests; /* outlives us */
    MarinaDBusHost *host;
    guint interval_ms;
    guint kinds; /* MarinaStatsKind bits clients asked for */
    guint timer;
    gboolean active;
    gboolean collecting;
    char *emulator_version;

    /* Host CPU: /proc/stat counters at the previous round */
    guint64 last_busy;
    guint64 last_total;
    const MarinaTestNode *test_node;
    double test_noise;
    MarinaStatsSink sink; /* who sends each round; NULL: Host.StatsUpdated to all */
    gpointer sink_data;
};

G_DEFINE_FINAL_TYPE(MarinaStats, marina_stats, G_TYPE_OBJECT)

typedef struct {
    MarinaStats *stats;
    GVariantBuilder builder;
    guint pending;
    double guest_cpu;      /* sum of the guests' cpu-percent */
    guint64 guest_rss_kib; /* sum of the guests' memory-rss-kib */
} Round;

/* ---------------------------------------------------------------------- */
/* Host figures                                                            */

static void
real_host_figures(MarinaStats *self, GVariantDict *d)
{
    MarinaHostMemory memory;
    guint64 busy, total;
    double pct = 0;

    if (marina_host_cpu_counters_read(&busy, &total)) {
        if (self->last_total > 0 && total > self->last_total && busy >= self->last_busy)
            pct = (double)(busy - self->last_busy) / (double)(total - self->last_total) * 100.0;
        self->last_busy = busy;
        self->last_total = total;
    }
    marina_host_memory_read(&memory);
    g_variant_dict_insert(d, "host-cpu-percent", "d", CLAMP(pct, 0.0, 100.0));
    g_variant_dict_insert(d, "host-cpus", "u", marina_host_online_cpus());
    g_variant_dict_insert(d, "host-memory-kib", "t", memory.total_kib);
    g_variant_dict_insert(
        d, "host-memory-used-kib", "t",
        memory.total_kib > memory.available_kib ? memory.total_kib - memory.available_kib : 0);
}

/* A simulated host is as busy as its guests make it, plus a little of
 * its own. */
static void
test_host_figures(MarinaStats *self, Round *r, GVariantDict *d)
{
    const MarinaTestNode *node = self->test_node;
    double noise = self->test_noise + g_random_double_range(-0.5, 0.5);
    double pct;
    guint64 used;

    self->test_noise = CLAMP(noise, 0.5, 4.0); /* CLAMP evaluates twice: draw first */
    pct = r->guest_cpu / MAX(node->cpus, 1) + self->test_noise;
    used = MIN(node->memory_kib, TEST_HOST_BASE_KIB + r->guest_rss_kib);
    g_variant_dict_insert(d, "host-cpu-percent", "d", CLAMP(pct, 0.0, 100.0));
    g_variant_dict_insert(d, "host-cpus", "u", node->cpus);
    g_variant_dict_insert(d, "host-memory-kib", "t", node->memory_kib);
    g_variant_dict_insert(d, "host-memory-used-kib", "t", used);
}

static void
add_host_entry(MarinaStats *self, Round *r)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    if (self->test_node != NULL)
        test_host_figures(self, r, &d);
    else
        real_host_figures(self, &d);
    g_variant_dict_insert(&d, "timestamp-us", "x", g_get_real_time());
    g_variant_builder_add(&r->builder, "(s@a{sv})", "", g_variant_dict_end(&d));
}

/* ---------------------------------------------------------------------- */
/* Rounds                                                                  */

static void
round_finish(Round *r)
{
    MarinaStats *self = r->stats;
    g_autoptr(GVariant) all = NULL;

    add_host_entry(self, r);
    all = g_variant_ref_sink(g_variant_builder_end(&r->builder));
    /* Sent even with no guest running: the host graph lives on. */
    if (self->active && self->sink != NULL)
        self->sink(all, self->sink_data);
    else if (self->active)
        marina_dbus_host_emit_stats_updated(self->host, all);
    self->collecting = FALSE;
    g_object_unref(self);
    g_free(r);
}

static void
round_add(Round *r, MarinaVm *vm, GVariant *stats)
{
    double pct = 0;
    guint64 rss = 0;

    if (g_variant_lookup(stats, "cpu-percent", "d", &pct))
        r->guest_cpu += pct;
    if (g_variant_lookup(stats, "memory-rss-kib", "t", &rss))
        r->guest_rss_kib += rss;
    g_variant_builder_add(&r->builder, "(s@a{sv})", marina_vm_get_uuid(vm), stats);
}

/* The figures are at hand: no dictionary lookups. */
static void
round_add_sample(Round *r, MarinaVm *vm, const MarinaVmStats *stats)
{
    if (stats->kinds & MARINA_STATS_CPU)
        r->guest_cpu += stats->cpu_percent;
    if (stats->kinds & MARINA_STATS_MEMORY)
        r->guest_rss_kib += stats->memory_rss_kib;
    g_variant_builder_add(&r->builder, "(s@a{sv})", marina_vm_get_uuid(vm),
                          marina_vm_stats_to_variant(stats));
}

static void
on_vm_stats(GObject *source, GAsyncResult *result, gpointer data)
{
    Round *r = data;
    g_autoptr(GVariant) stats = marina_vm_collect_stats_finish(MARINA_VM(source), result, NULL);

    if (stats != NULL)
        round_add(r, MARINA_VM(source), stats);
    if (--r->pending == 0)
        round_finish(r);
}

/* Only the guests that may be running are visited: a round costs the same
 * with 1000 running guests among 100 or among 10 000. */
static gboolean
on_tick(gpointer data)
{
    MarinaStats *self = data;
    g_autoptr(GPtrArray) vms = NULL;
    Round *r;

    /* A slow guest must not make rounds pile up: skip a tick instead. */
    if (self->collecting)
        return G_SOURCE_CONTINUE;
    vms = marina_vm_registry_list_active(self->guests);
    r = g_new0(Round, 1);
    r->stats = g_object_ref(self);
    g_variant_builder_init(&r->builder, G_VARIANT_TYPE("a(sa{sv})"));
    r->pending = 1; /* held until every request is out */
    self->collecting = TRUE;
    for (guint i = 0; i < vms->len; i++) {
        MarinaVm *vm = vms->pdata[i];

        if (!marina_vm_is_active(vm))
            continue;
        if (marina_vm_has_stats_at_hand(vm)) {
            MarinaVmStats stats;
            if (marina_vm_sample_stats(vm, self->kinds, &stats))
                round_add_sample(r, vm, &stats);
            continue;
        }
        r->pending++;
        marina_vm_collect_stats_async(vm, self->kinds, on_vm_stats, r);
    }
    if (--r->pending == 0)
        round_finish(r);
    return G_SOURCE_CONTINUE;
}

static void
restart_timer(MarinaStats *self)
{
    g_clear_handle_id(&self->timer, g_source_remove);
    if (self->active && self->interval_ms > 0)
        self->timer = g_timeout_add(self->interval_ms, on_tick, self);
}

void
marina_stats_set_active(MarinaStats *self, gboolean active)
{
    if (self->active == active)
        return;
    self->active = active;
    restart_timer(self);
}

void
marina_stats_set_kinds(MarinaStats *self, guint kinds)
{
    self->kinds = kinds;
}

void
marina_stats_set_interval(MarinaStats *self, guint interval_ms)
{
    if (self->interval_ms == interval_ms)
        return;
    g_info("Statistics every %u ms", interval_ms);
    self->interval_ms = interval_ms;
    marina_dbus_host_set_stats_interval(self->host, interval_ms);
    restart_timer(self);
}

void
marina_stats_set_test_node(MarinaStats *self, const MarinaTestNode *node)
{
    self->test_node = node;
}

void
marina_stats_set_sink(MarinaStats *self, MarinaStatsSink sink, gpointer user_data)
{
    self->sink = sink;
    self->sink_data = user_data;
}

const char *
marina_stats_get_emulator_version(MarinaStats *self)
{
    return self->emulator_version ? self->emulator_version : "";
}

static void
on_version(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(MarinaStats) self = data;
    g_autofree char *out = NULL;
    const char *v;

    if (!g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, &out, NULL, NULL) ||
        out == NULL)
        return;
    /* "QEMU emulator version 7.2.22 (Debian ...)" */
    v = strstr(out, "version ");
    if (v != NULL) {
        g_free(self->emulator_version);
        self->emulator_version = g_strndup(v + 8, strcspn(v + 8, " \n"));
    }
}

static void
query_emulator_version(MarinaStats *self, const char *emulator)
{
    g_autoptr(GSubprocess) proc =
        g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL,
                         emulator, "--version", NULL);

    if (proc != NULL)
        g_subprocess_communicate_utf8_async(proc, NULL, NULL, on_version, g_object_ref(self));
}

static void
marina_stats_finalize(GObject *object)
{
    MarinaStats *self = MARINA_STATS(object);

    g_clear_handle_id(&self->timer, g_source_remove);
    g_free(self->emulator_version);
    G_OBJECT_CLASS(marina_stats_parent_class)->finalize(object);
}

static void
marina_stats_class_init(MarinaStatsClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = marina_stats_finalize;
}

static void
marina_stats_init(MarinaStats *self)
{
}

MarinaStats *
marina_stats_new(MarinaVmRegistry *guests, MarinaDBusHost *host, const MarinaDaemonConfig *config)
{
    MarinaStats *self = g_object_new(MARINA_TYPE_STATS, NULL);

    self->guests = guests;
    self->host = host;
    self->interval_ms = config->stats_interval_ms;
    self->kinds = MARINA_STATS_ALL;
    self->test_noise = 1.5;
    /* A first sample, so the first round already has a CPU delta. */
    marina_host_cpu_counters_read(&self->last_busy, &self->last_total);
    if (g_str_equal(config->driver, "qemu"))
        query_emulator_version(self, config->emulator);
    return self;
}
