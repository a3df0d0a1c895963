#define G_LOG_DOMAIN "marina-guest"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "guest.h"

/* ---------------------------------------------------------------------------------------------
 * History ring
 */

void
marina_history_push(MarinaHistory *history, double value)
{
    history->values[history->head] = value;
    history->values[history->head + MARINA_GUEST_HISTORY] = value;
    history->head = (history->head + 1) % MARINA_GUEST_HISTORY;
    if (history->count < MARINA_GUEST_HISTORY)
        history->count++;
}

const double *
marina_history_get(const MarinaHistory *history, guint *n_values)
{
    static const double empty[1];

    if (history == NULL || history->count == 0) {
        if (n_values != NULL)
            *n_values = 0;
        return empty;
    }
    if (n_values != NULL)
        *n_values = history->count;
    /* The window [head + N - count, head + N) holds the newest samples in order. */
    return history->values + history->head + MARINA_GUEST_HISTORY - history->count;
}

void
marina_history_clear(MarinaHistory *history)
{
    history->head = 0;
    history->count = 0;
}

/* ---------------------------------------------------------------------------------------------
 * The guest
 */

/* The counters of the previous sample, to turn them into rates. */
typedef struct {
    gint64 timestamp_us; /* 0: no previous sample */
    guint64 cpu_time_ns;
    guint64 disk_rd, disk_wr, net_rx, net_tx;
    guint has_cpu_time : 1;
    guint has_disk_rd : 1;
    guint has_disk_wr : 1;
    guint has_net_rx : 1;
    guint has_net_tx : 1;
} Counters;

struct _MarinaGuest {
    GObject parent_instance;

    char *object_path;
    char *name;
    char *name_key; /* g_utf8_collate_key(name), made when first asked for */
    char *uuid;
    char *title;
    int id;
    MarinaDomainState state;
    guint reason;
    gboolean persistent;
    gboolean autostart;
    guint64 max_memory_kib;
    guint vcpus;

    /* Allocated on the first sample and freed when the guest stops: most
     * guests of a big host are off and need no history. */
    MarinaHistory *history; /* [MARINA_GUEST_N_SERIES] */
    Counters last;
};

enum {
    PROP_0,
    PROP_NAME,
    PROP_UUID,
    PROP_TITLE,
    PROP_OBJECT_PATH,
    PROP_ID,
    PROP_STATE,
    PROP_REASON,
    PROP_PERSISTENT,
    PROP_AUTOSTART,
    PROP_MAX_MEMORY_KIB,
    PROP_VCPUS,
    N_PROPS
};

enum { SIGNAL_STATS_CHANGED, N_SIGNALS };

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaGuest, marina_guest, G_TYPE_OBJECT)

#define ENTRY_TYPE "(oissuubbtus)"

static void
marina_guest_finalize(GObject *object)
{
    MarinaGuest *self = MARINA_GUEST(object);

    g_free(self->object_path);
    g_free(self->name);
    g_free(self->name_key);
    g_free(self->uuid);
    g_free(self->title);
    g_free(self->history);
    G_OBJECT_CLASS(marina_guest_parent_class)->finalize(object);
}

static void
marina_guest_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    MarinaGuest *self = MARINA_GUEST(object);

    switch (prop_id) {
    case PROP_NAME:
        g_value_set_string(value, self->name);
        break;
    case PROP_UUID:
        g_value_set_string(value, self->uuid);
        break;
    case PROP_TITLE:
        g_value_set_string(value, self->title);
        break;
    case PROP_OBJECT_PATH:
        g_value_set_string(value, self->object_path);
        break;
    case PROP_ID:
        g_value_set_int(value, self->id);
        break;
    case PROP_STATE:
        g_value_set_uint(value, self->state);
        break;
    case PROP_REASON:
        g_value_set_uint(value, self->reason);
        break;
    case PROP_PERSISTENT:
        g_value_set_boolean(value, self->persistent);
        break;
    case PROP_AUTOSTART:
        g_value_set_boolean(value, self->autostart);
        break;
    case PROP_MAX_MEMORY_KIB:
        g_value_set_uint64(value, self->max_memory_kib);
        break;
    case PROP_VCPUS:
        g_value_set_uint(value, self->vcpus);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
marina_guest_class_init(MarinaGuestClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

    object_class->finalize = marina_guest_finalize;
    object_class->get_property = marina_guest_get_property;

    props[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, ro);
    props[PROP_UUID] = g_param_spec_string("uuid", NULL, NULL, NULL, ro);
    props[PROP_TITLE] = g_param_spec_string("title", NULL, NULL, NULL, ro);
    props[PROP_OBJECT_PATH] = g_param_spec_string("object-path", NULL, NULL, NULL, ro);
    props[PROP_ID] = g_param_spec_int("id", NULL, NULL, -1, G_MAXINT, -1, ro);
    /* MarinaDomainState has no GType; the property carries its number. */
    props[PROP_STATE] = g_param_spec_uint("state", NULL, NULL, 0, MARINA_DOMAIN_STATE_LAST - 1,
                                          MARINA_DOMAIN_SHUTOFF, ro);
    props[PROP_REASON] = g_param_spec_uint("reason", NULL, NULL, 0, G_MAXUINT, 0, ro);
    props[PROP_PERSISTENT] = g_param_spec_boolean("persistent", NULL, NULL, FALSE, ro);
    props[PROP_AUTOSTART] = g_param_spec_boolean("autostart", NULL, NULL, FALSE, ro);
    props[PROP_MAX_MEMORY_KIB] =
        g_param_spec_uint64("max-memory-kib", NULL, NULL, 0, G_MAXUINT64, 0, ro);
    props[PROP_VCPUS] = g_param_spec_uint("vcpus", NULL, NULL, 0, G_MAXUINT, 0, ro);
    g_object_class_install_properties(object_class, N_PROPS, props);

    /* Emitted only when someone listens (see marina_guest_add_stats()). */
    signals[SIGNAL_STATS_CHANGED] =
        g_signal_new("stats-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
}

static void
marina_guest_init(MarinaGuest *self)
{
    self->id = -1;
    self->state = MARINA_DOMAIN_SHUTOFF;
    self->object_path = g_strdup("");
    self->name = g_strdup("");
    self->uuid = g_strdup("");
    self->title = g_strdup("");
}

/* ---------------------------------------------------------------------------------------------
 * Setters that notify only on change
 */

static void
set_string(MarinaGuest *self, char **field, const char *value, guint prop)
{
    if (value == NULL)
        value = "";
    if (g_strcmp0(*field, value) == 0)
        return;
    g_free(*field);
    *field = g_strdup(value);
    g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

#define SET_FIELD(self, field, value, prop)                                                        \
    G_STMT_START                                                                                   \
    {                                                                                              \
        if ((self)->field != (value)) {                                                            \
            (self)->field = (value);                                                               \
            g_object_notify_by_pspec(G_OBJECT(self), props[prop]);                                 \
        }                                                                                          \
    }                                                                                              \
    G_STMT_END

static gboolean
state_is_active(MarinaDomainState state, int id)
{
    if (state == MARINA_DOMAIN_SHUTOFF)
        return FALSE;
    /* "no state" is what a hypervisor says when it cannot tell; the running id decides. */
    if (state == MARINA_DOMAIN_NOSTATE || state >= MARINA_DOMAIN_STATE_LAST)
        return id >= 0;
    return TRUE;
}

static void
apply_state(MarinaGuest *self, MarinaDomainState state, guint reason)
{
    if (state >= MARINA_DOMAIN_STATE_LAST)
        state = MARINA_DOMAIN_NOSTATE; /* an unknown number from a newer daemon */
    SET_FIELD(self, state, state, PROP_STATE);
    SET_FIELD(self, reason, reason, PROP_REASON);
    if (!state_is_active(self->state, self->id)) {
        SET_FIELD(self, id, -1, PROP_ID);
        marina_guest_clear_stats(self);
    }
}

MarinaGuest *
marina_guest_new_from_variant(GVariant *entry)
{
    MarinaGuest *self;
    gint32 id;
    guint32 state;
    gboolean persistent, autostart;

    g_return_val_if_fail(entry != NULL, NULL);
    if (!g_variant_is_of_type(entry, G_VARIANT_TYPE(ENTRY_TYPE))) {
        g_warning("Ignoring a guest entry of type %s (expected %s)",
                  g_variant_get_type_string(entry), ENTRY_TYPE);
        return NULL;
    }
    self = g_object_new(MARINA_TYPE_GUEST, NULL);
    /* Straight into the fields: nobody can listen to a guest not yet
     * returned, and a thousand guests load faster without notify. */
    g_free(self->object_path);
    g_free(self->name);
    g_free(self->uuid);
    g_free(self->title);
    g_variant_get(entry, "(oissuubbtus)", &self->object_path, &id, &self->name, &self->uuid, &state,
                  &self->reason, &persistent, &autostart, &self->max_memory_kib, &self->vcpus,
                  &self->title);
    self->id = id < 0 ? -1 : id;
    self->persistent = !!persistent;
    self->autostart = !!autostart;
    self->state = state < MARINA_DOMAIN_STATE_LAST ? state : MARINA_DOMAIN_NOSTATE;
    if (!state_is_active(self->state, self->id))
        self->id = -1;
    return self;
}

void
marina_guest_update_from_variant(MarinaGuest *self, GVariant *entry)
{
    const char *path, *name, *uuid, *title;
    gint32 id;
    guint32 state, reason, vcpus;
    gboolean persistent, autostart;
    guint64 memory;

    g_return_if_fail(MARINA_IS_GUEST(self));
    g_return_if_fail(entry != NULL);
    if (!g_variant_is_of_type(entry, G_VARIANT_TYPE(ENTRY_TYPE))) {
        g_warning("Ignoring a guest entry of type %s (expected %s)",
                  g_variant_get_type_string(entry), ENTRY_TYPE);
        return;
    }
    g_variant_get(entry, "(&oi&s&suubbtu&s)", &path, &id, &name, &uuid, &state, &reason,
                  &persistent, &autostart, &memory, &vcpus, &title);
    /* The UUID is the guest's identity: set once, never changed afterwards. */
    if (*self->uuid != '\0' && strcmp(self->uuid, uuid) != 0) {
        g_warning("Ignoring an update for guest %s that names UUID %s", self->uuid, uuid);
        return;
    }
    g_object_freeze_notify(G_OBJECT(self));
    set_string(self, &self->uuid, uuid, PROP_UUID);
    set_string(self, &self->object_path, path, PROP_OBJECT_PATH);
    if (g_strcmp0(self->name, name) != 0)
        g_clear_pointer(&self->name_key, g_free);
    set_string(self, &self->name, name, PROP_NAME);
    set_string(self, &self->title, title, PROP_TITLE);
    SET_FIELD(self, id, id < 0 ? -1 : id, PROP_ID);
    SET_FIELD(self, persistent, !!persistent, PROP_PERSISTENT);
    SET_FIELD(self, autostart, !!autostart, PROP_AUTOSTART);
    SET_FIELD(self, max_memory_kib, memory, PROP_MAX_MEMORY_KIB);
    SET_FIELD(self, vcpus, vcpus, PROP_VCPUS);
    apply_state(self, state, reason);
    g_object_thaw_notify(G_OBJECT(self));
}

void
marina_guest_set_state(MarinaGuest *self, MarinaDomainState state, guint reason)
{
    g_return_if_fail(MARINA_IS_GUEST(self));
    g_object_freeze_notify(G_OBJECT(self));
    apply_state(self, state, reason);
    g_object_thaw_notify(G_OBJECT(self));
}

/* ---------------------------------------------------------------------------------------------
 * Getters
 */

const char *
marina_guest_get_name(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), NULL);
    return self->name;
}

const char *
marina_guest_get_name_collate_key(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), NULL);
    if (self->name_key == NULL)
        self->name_key = g_utf8_collate_key(self->name, -1);
    return self->name_key;
}

const char *
marina_guest_get_uuid(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), NULL);
    return self->uuid;
}

const char *
marina_guest_get_title(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), NULL);
    return self->title;
}

const char *
marina_guest_get_object_path(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), NULL);
    return self->object_path;
}

int
marina_guest_get_id(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), -1);
    return self->id;
}

MarinaDomainState
marina_guest_get_state(MarinaGuest *self, guint *reason)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), MARINA_DOMAIN_NOSTATE);
    if (reason != NULL)
        *reason = self->reason;
    return self->state;
}

gboolean
marina_guest_is_active(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), FALSE);
    return state_is_active(self->state, self->id);
}

gboolean
marina_guest_get_persistent(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), FALSE);
    return self->persistent;
}

gboolean
marina_guest_get_autostart(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), FALSE);
    return self->autostart;
}

guint64
marina_guest_get_max_memory_kib(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), 0);
    return self->max_memory_kib;
}

guint
marina_guest_get_vcpus(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), 0);
    return self->vcpus;
}

const char *
marina_guest_get_state_label(MarinaGuest *self)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), "");
    /* One wording of the states everywhere (domain-state.c). */
    return marina_domain_state_label(self->state);
}

const double *
marina_guest_get_history(MarinaGuest *self, MarinaGuestSeries series, guint *n_values)
{
    g_return_val_if_fail(MARINA_IS_GUEST(self), marina_history_get(NULL, n_values));
    if ((guint)series >= MARINA_GUEST_N_SERIES || self->history == NULL)
        return marina_history_get(NULL, n_values);
    return marina_history_get(&self->history[series], n_values);
}

double
marina_guest_get_latest(MarinaGuest *self, MarinaGuestSeries series)
{
    const double *values;
    guint n;

    g_return_val_if_fail(MARINA_IS_GUEST(self), 0);
    values = marina_guest_get_history(self, series, &n);
    return n > 0 ? values[n - 1] : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Statistics
 */

/* What one StatsUpdated dictionary says; has_* says whether a key was there. */
typedef struct {
    gint64 timestamp_us;
    guint64 cpu_time_ns, memory_kib, rss_kib;
    guint64 disk_rd, disk_wr, net_rx, net_tx;
    double cpu_percent;
    guint vcpus;
    guint has_timestamp : 1;
    guint has_cpu_time : 1;
    guint has_cpu_percent : 1;
    guint has_rss : 1;
    guint has_disk_rd : 1;
    guint has_disk_wr : 1;
    guint has_net_rx : 1;
    guint has_net_tx : 1;
} Sample;

/* Any integer type as guint64 (negative numbers are refused): a daemon may
 * widen a counter's type without breaking older clients. */
static gboolean
as_u64(GVariant *v, guint64 *out)
{
    switch (*g_variant_get_type_string(v)) {
    case 't':
        *out = g_variant_get_uint64(v);
        return TRUE;
    case 'u':
        *out = g_variant_get_uint32(v);
        return TRUE;
    case 'x': {
        gint64 x = g_variant_get_int64(v);
        *out = (guint64)x;
        return x >= 0;
    }
    case 'i': {
        gint32 i = g_variant_get_int32(v);
        *out = (guint64)i;
        return i >= 0;
    }
    default:
        return FALSE;
    }
}

static gboolean
as_double(GVariant *v, double *out)
{
    guint64 u;

    if (g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE)) {
        *out = g_variant_get_double(v);
        /* NaN and infinities would poison every graph that draws them. */
        return isfinite(*out) && *out >= 0;
    }
    if (as_u64(v, &u)) {
        *out = (double)u;
        return TRUE;
    }
    return FALSE;
}

#define KEY_IS(key, literal) (strcmp((key), (literal)) == 0)

/* One walk over the dictionary (rather than a lookup per key). */
static void
parse_sample(GVariant *stats, Sample *s)
{
    GVariantIter iter;
    GVariant *entry;
    const char *key;
    GVariant *value;
    guint64 u;

    g_variant_iter_init(&iter, stats);
    /* Children by hand, not with a "{&sv}" format: parsing the format string
     * for each entry costs more than the rest of the work. */
    while ((entry = g_variant_iter_next_value(&iter)) != NULL) {
        g_autoptr(GVariant) key_v = g_variant_get_child_value(entry, 0);
        g_autoptr(GVariant) boxed = g_variant_get_child_value(entry, 1);

        key = g_variant_get_string(key_v, NULL);
        value = g_variant_get_variant(boxed);
        g_variant_unref(entry);
        switch (key[0]) {
        case 'c':
            if (KEY_IS(key, "cpu-time-ns"))
                s->has_cpu_time = as_u64(value, &s->cpu_time_ns);
            else if (KEY_IS(key, "cpu-percent"))
                s->has_cpu_percent = as_double(value, &s->cpu_percent);
            break;
        case 'd':
            if (KEY_IS(key, "disk-rd-bytes"))
                s->has_disk_rd = as_u64(value, &s->disk_rd);
            else if (KEY_IS(key, "disk-wr-bytes"))
                s->has_disk_wr = as_u64(value, &s->disk_wr);
            break;
        case 'm':
            if (KEY_IS(key, "memory-kib"))
                (void)as_u64(value, &s->memory_kib);
            else if (KEY_IS(key, "memory-rss-kib"))
                s->has_rss = as_u64(value, &s->rss_kib);
            break;
        case 'n':
            if (KEY_IS(key, "net-rx-bytes"))
                s->has_net_rx = as_u64(value, &s->net_rx);
            else if (KEY_IS(key, "net-tx-bytes"))
                s->has_net_tx = as_u64(value, &s->net_tx);
            break;
        case 't':
            if (KEY_IS(key, "timestamp-us") && as_u64(value, &u) && u > 0 && u < G_MAXINT64) {
                s->timestamp_us = (gint64)u;
                s->has_timestamp = TRUE;
            }
            break;
        case 'v':
            if (KEY_IS(key, "vcpus") && as_u64(value, &u) && u <= G_MAXUINT)
                s->vcpus = (guint)u;
            break;
        default:
            break;
        }
        g_variant_unref(value);
    }
}

static double
clamp_percent(double v)
{
    return CLAMP(v, 0.0, 100.0);
}

/* Bytes per second from two readings of a counter; FALSE when there is no
 * earlier reading or the counter went back (the guest's QEMU restarted). */
static gboolean
rate(gboolean had, guint64 before, gboolean has, guint64 now, double seconds, double *out)
{
    if (!had || !has || now < before || seconds <= 0)
        return FALSE;
    *out = (double)(now - before) / seconds;
    return TRUE;
}

static void
push(MarinaGuest *self, MarinaGuestSeries series, double value)
{
    marina_history_push(&self->history[series], value);
}

static void
push_rate(MarinaGuest *self, MarinaGuestSeries series, gboolean had, guint64 before, gboolean has,
          guint64 now, double seconds)
{
    double v;

    if (rate(had, before, has, now, seconds, &v))
        push(self, series, v);
}

void
marina_guest_add_stats(MarinaGuest *self, GVariant *stats, guint host_cpus)
{
    Sample s = {0};
    Counters *last = &self->last;
    double seconds = 0, one_core = 0;
    gboolean have_cpu = FALSE;
    guint vcpus;
    guint64 memory_kib;

    g_return_if_fail(MARINA_IS_GUEST(self));
    g_return_if_fail(stats != NULL);
    if (!g_variant_is_of_type(stats, G_VARIANT_TYPE_VARDICT)) {
        g_debug("Ignoring statistics of type %s for guest %s", g_variant_get_type_string(stats),
                self->uuid);
        return;
    }
    parse_sample(stats, &s);
    if (!s.has_timestamp)
        s.timestamp_us = g_get_real_time();
    if (last->timestamp_us > 0 && s.timestamp_us > last->timestamp_us)
        seconds = (double)(s.timestamp_us - last->timestamp_us) / G_USEC_PER_SEC;
    if (self->history == NULL)
        self->history = g_new0(MarinaHistory, MARINA_GUEST_N_SERIES);

    /* cpu-percent is of one host core; without it, derive it from the CPU time. */
    if (s.has_cpu_percent) {
        one_core = s.cpu_percent;
        have_cpu = TRUE;
    } else if (s.has_cpu_time && last->has_cpu_time && seconds > 0 &&
               s.cpu_time_ns >= last->cpu_time_ns) {
        one_core = (double)(s.cpu_time_ns - last->cpu_time_ns) / 1e9 / seconds * 100.0;
        have_cpu = TRUE;
    }
    if (have_cpu) {
        vcpus = s.vcpus > 0 ? s.vcpus : MAX(self->vcpus, 1);
        push(self, MARINA_GUEST_SERIES_CPU, clamp_percent(one_core / vcpus));
        if (host_cpus > 0)
            push(self, MARINA_GUEST_SERIES_HOST_CPU, clamp_percent(one_core / host_cpus));
    }
    memory_kib = s.memory_kib > 0 ? s.memory_kib : self->max_memory_kib;
    if (s.has_rss && memory_kib > 0)
        push(self, MARINA_GUEST_SERIES_MEMORY,
             clamp_percent((double)s.rss_kib * 100.0 / (double)memory_kib));
    push_rate(self, MARINA_GUEST_SERIES_DISK_READ, last->has_disk_rd, last->disk_rd, s.has_disk_rd,
              s.disk_rd, seconds);
    push_rate(self, MARINA_GUEST_SERIES_DISK_WRITE, last->has_disk_wr, last->disk_wr, s.has_disk_wr,
              s.disk_wr, seconds);
    push_rate(self, MARINA_GUEST_SERIES_NET_RX, last->has_net_rx, last->net_rx, s.has_net_rx,
              s.net_rx, seconds);
    push_rate(self, MARINA_GUEST_SERIES_NET_TX, last->has_net_tx, last->net_tx, s.has_net_tx,
              s.net_tx, seconds);

    /* A sample from the past (clock stepped back) resets the baseline too. */
    *last = (Counters){
        .timestamp_us = s.timestamp_us,
        .cpu_time_ns = s.cpu_time_ns,
        .disk_rd = s.disk_rd,
        .disk_wr = s.disk_wr,
        .net_rx = s.net_rx,
        .net_tx = s.net_tx,
        .has_cpu_time = s.has_cpu_time,
        .has_disk_rd = s.has_disk_rd,
        .has_disk_wr = s.has_disk_wr,
        .has_net_rx = s.has_net_rx,
        .has_net_tx = s.has_net_tx,
    };
    /* With a thousand guests a sample per second, an emission nobody hears
     * is not free: views redraw from the list's "stats-updated" instead. */
    if (g_signal_has_handler_pending(self, signals[SIGNAL_STATS_CHANGED], 0, FALSE))
        g_signal_emit(self, signals[SIGNAL_STATS_CHANGED], 0);
}

void
marina_guest_clear_stats(MarinaGuest *self)
{
    g_return_if_fail(MARINA_IS_GUEST(self));
    memset(&self->last, 0, sizeof self->last);
    if (self->history == NULL)
        return;
    g_clear_pointer(&self->history, g_free);
    if (g_signal_has_handler_pending(self, signals[SIGNAL_STATS_CHANGED], 0, FALSE))
        g_signal_emit(self, signals[SIGNAL_STATS_CHANGED], 0);
}
