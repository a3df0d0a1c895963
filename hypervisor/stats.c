#define G_LOG_DOMAIN "marinad-stats"

#include "config.h"

#include <string.h>

#include "stats.h"
#include "vm.h"

struct _MarinaStats {
    GObject parent_instance;

    MarinaDaemon *daemon; /* owns us */
    MarinaDBusHost *host;
    guint interval_ms;
    guint timer;
    gboolean collecting;
    char *emulator_version;
};

G_DEFINE_FINAL_TYPE(MarinaStats, marina_stats, G_TYPE_OBJECT)

typedef struct {
    MarinaStats *stats;
    GVariantBuilder builder;
    guint pending;
    guint count;
} Round;

static void
round_finish(Round *r)
{
    MarinaStats *self = r->stats;
    GVariant *all = g_variant_builder_end(&r->builder);

    g_variant_ref_sink(all);
    if (r->count > 0)
        marina_dbus_host_emit_stats_updated(self->host, all);
    g_variant_unref(all);
    self->collecting = FALSE;
    g_object_unref(self);
    g_free(r);
}

static void
on_vm_stats(GObject *source, GAsyncResult *result, gpointer data)
{
    Round *r = data;
    g_autoptr(GVariant) stats = marina_vm_collect_stats_finish(MARINA_VM(source), result, NULL);

    if (stats != NULL) {
        g_variant_builder_add(&r->builder, "(s@a{sv})", marina_vm_get_uuid(MARINA_VM(source)),
                              stats);
        r->count++;
    }
    if (--r->pending == 0)
        round_finish(r);
}

static gboolean
on_tick(gpointer data)
{
    MarinaStats *self = data;
    g_autoptr(GList) vms = NULL;
    Round *r;

    /* A slow guest must not make rounds pile up: skip a tick instead. */
    if (self->collecting)
        return G_SOURCE_CONTINUE;
    vms = marina_daemon_get_vms(self->daemon);
    r = g_new0(Round, 1);
    r->stats = g_object_ref(self);
    g_variant_builder_init(&r->builder, G_VARIANT_TYPE("a(sa{sv})"));
    r->pending = 1; /* held until every request is out */
    self->collecting = TRUE;
    for (GList *l = vms; l != NULL; l = l->next) {
        if (!marina_vm_is_active(l->data))
            continue;
        r->pending++;
        marina_vm_collect_stats_async(l->data, on_vm_stats, r);
    }
    if (--r->pending == 0)
        round_finish(r);
    return G_SOURCE_CONTINUE;
}

void
marina_stats_set_active(MarinaStats *self, gboolean active)
{
    if (self->interval_ms == 0)
        return;
    if (active && self->timer == 0)
        self->timer = g_timeout_add(self->interval_ms, on_tick, self);
    else if (!active)
        g_clear_handle_id(&self->timer, g_source_remove);
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
    g_autoptr(GSubprocess) proc = g_subprocess_new(
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL, emulator,
        "--version", NULL);

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
marina_stats_new(MarinaDaemon *daemon, MarinaDBusHost *host, const MarinaDaemonConfig *config)
{
    MarinaStats *self = g_object_new(MARINA_TYPE_STATS, NULL);

    self->daemon = daemon;
    self->host = host;
    self->interval_ms = config->stats_interval_ms;
    query_emulator_version(self, config->emulator);
    return self;
}
