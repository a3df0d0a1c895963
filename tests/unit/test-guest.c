#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guest.h"

#define UUID1 "6f1c2f53-5d36-4b8e-9a57-2f4d0d1e7a11"
#define PATH1 "/org/marinavm/Marina1/domain/6f1c2f53_5d36_4b8e_9a57_2f4d0d1e7a11"

static GVariant *
entry(const char *name, const char *uuid, int id, guint state, guint reason, guint64 memory_kib,
      guint vcpus, const char *title)
{
    g_autofree char *path = g_strdup_printf("/org/marinavm/Marina1/domain/%s", uuid);

    g_strdelimit(path + strlen("/org/marinavm/Marina1/domain/"), "-", '_');
    return g_variant_ref_sink(g_variant_new("(oissuubbtus)", path, id, name, uuid, state, reason,
                                            TRUE, FALSE, memory_kib, vcpus, title));
}

static MarinaGuest *
guest_new(guint state, guint64 memory_kib, guint vcpus)
{
    g_autoptr(GVariant) e = entry("web", UUID1, state == MARINA_DOMAIN_RUNNING ? 3 : -1, state, 1,
                                  memory_kib, vcpus, "Web server");
    MarinaGuest *guest = marina_guest_new_from_variant(e);

    assert_non_null(guest);
    return guest;
}

/* One StatsUpdated dictionary as the daemon builds it; negative numbers
 * leave the key out. */
typedef struct {
    gint64 timestamp_us;
    double cpu_percent; /* < 0: absent */
    gint64 cpu_time_ns;
    gint64 rss_kib;
    gint64 memory_kib;
    gint64 disk_rd, disk_wr, net_rx, net_tx;
    int vcpus;
} S;

static GVariant *
stats(const S *s)
{
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    if (s->timestamp_us > 0)
        g_variant_dict_insert(&d, "timestamp-us", "x", s->timestamp_us);
    if (s->cpu_percent >= 0)
        g_variant_dict_insert(&d, "cpu-percent", "d", s->cpu_percent);
    if (s->cpu_time_ns >= 0)
        g_variant_dict_insert(&d, "cpu-time-ns", "t", (guint64)s->cpu_time_ns);
    if (s->rss_kib >= 0)
        g_variant_dict_insert(&d, "memory-rss-kib", "t", (guint64)s->rss_kib);
    if (s->memory_kib >= 0)
        g_variant_dict_insert(&d, "memory-kib", "t", (guint64)s->memory_kib);
    if (s->disk_rd >= 0)
        g_variant_dict_insert(&d, "disk-rd-bytes", "t", (guint64)s->disk_rd);
    if (s->disk_wr >= 0)
        g_variant_dict_insert(&d, "disk-wr-bytes", "t", (guint64)s->disk_wr);
    if (s->net_rx >= 0)
        g_variant_dict_insert(&d, "net-rx-bytes", "t", (guint64)s->net_rx);
    if (s->net_tx >= 0)
        g_variant_dict_insert(&d, "net-tx-bytes", "t", (guint64)s->net_tx);
    if (s->vcpus >= 0)
        g_variant_dict_insert(&d, "vcpus", "u", (guint)s->vcpus);
    return g_variant_ref_sink(g_variant_dict_end(&d));
}

/* Every key absent: fill in what a test needs (designated initialisers that
 * override NONE's are the point, so GCC need not warn about them). */
#pragma GCC diagnostic ignored "-Woverride-init"
#define NONE                                                                                       \
    .timestamp_us = 0, .cpu_percent = -1, .cpu_time_ns = -1, .rss_kib = -1, .memory_kib = -1,      \
    .disk_rd = -1, .disk_wr = -1, .net_rx = -1, .net_tx = -1, .vcpus = -1

static void
add(MarinaGuest *guest, const S *s, guint host_cpus)
{
    g_autoptr(GVariant) v = stats(s);

    marina_guest_add_stats(guest, v, host_cpus);
}

static guint
n_history(MarinaGuest *guest, MarinaGuestSeries series)
{
    guint n = 99;

    (void)marina_guest_get_history(guest, series, &n);
    return n;
}

#define T0 1700000000000000LL /* a plausible real time, in µs */

/* ---------------------------------------------------------------------------------------------
 * The listing entry
 */

static void
test_entry_fills_every_field(void **state)
{
    g_autoptr(GVariant) e = entry("web", UUID1, 7, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_BOOTED,
                                  2097152, 4, "Web server");
    g_autoptr(MarinaGuest) guest = marina_guest_new_from_variant(e);
    guint reason = 99;

    assert_non_null(guest);
    assert_string_equal(marina_guest_get_name(guest), "web");
    assert_string_equal(marina_guest_get_uuid(guest), UUID1);
    assert_string_equal(marina_guest_get_object_path(guest), PATH1);
    assert_string_equal(marina_guest_get_title(guest), "Web server");
    assert_int_equal(marina_guest_get_id(guest), 7);
    assert_int_equal(marina_guest_get_state(guest, &reason), MARINA_DOMAIN_RUNNING);
    assert_int_equal(reason, MARINA_RUNNING_BOOTED);
    assert_true(marina_guest_is_active(guest));
    assert_true(marina_guest_get_persistent(guest));
    assert_false(marina_guest_get_autostart(guest));
    assert_int_equal(marina_guest_get_max_memory_kib(guest), 2097152);
    assert_int_equal(marina_guest_get_vcpus(guest), 4);
    assert_string_equal(marina_guest_get_state_label(guest), "Running");
}

static void
test_entry_of_wrong_type_is_refused(void **state)
{
    g_autoptr(GVariant) bad = g_variant_ref_sink(g_variant_new("(ss)", "web", UUID1));
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_SHUTOFF, 1024, 1);

    assert_null(marina_guest_new_from_variant(bad));
    marina_guest_update_from_variant(guest, bad); /* ignored */
    assert_string_equal(marina_guest_get_name(guest), "web");
}

static void
count_notify(GObject *object, GParamSpec *pspec, GHashTable *counts)
{
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, pspec->name));

    g_hash_table_insert(counts, (gpointer)pspec->name, GUINT_TO_POINTER(n + 1));
}

static guint
notified(GHashTable *counts, const char *name)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(counts, name));
}

static void
test_update_notifies_only_what_changed(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_SHUTOFF, 1048576, 2);
    g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GVariant) same =
        entry("web", UUID1, -1, MARINA_DOMAIN_SHUTOFF, 1, 1048576, 2, "Web server");
    g_autoptr(GVariant) changed =
        entry("web2", UUID1, -1, MARINA_DOMAIN_SHUTOFF, 1, 2097152, 2, "Web server");
    g_autoptr(GVariant) other_uuid = entry("web", "00000000-0000-0000-0000-000000000001", -1,
                                           MARINA_DOMAIN_SHUTOFF, 1, 4096, 2, "");

    g_signal_connect(guest, "notify", G_CALLBACK(count_notify), counts);
    marina_guest_update_from_variant(guest, same);
    assert_int_equal(g_hash_table_size(counts), 0);

    marina_guest_update_from_variant(guest, changed);
    assert_int_equal(notified(counts, "name"), 1);
    assert_int_equal(notified(counts, "max-memory-kib"), 1);
    assert_int_equal(notified(counts, "vcpus"), 0);
    assert_int_equal(notified(counts, "state"), 0);
    assert_int_equal(g_hash_table_size(counts), 2);
    assert_int_equal(marina_guest_get_max_memory_kib(guest), 2097152);

    /* The UUID is the identity: an entry for another guest changes nothing. */
    marina_guest_update_from_variant(guest, other_uuid);
    assert_string_equal(marina_guest_get_uuid(guest), UUID1);
    assert_int_equal(marina_guest_get_max_memory_kib(guest), 2097152);
}

/* The name's collation key sorts as g_utf8_collate() does, and follows a rename. */
static void
test_name_collate_key(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_SHUTOFF, 1048576, 2);
    g_autoptr(GVariant) renamed =
        entry("alpha", UUID1, -1, MARINA_DOMAIN_SHUTOFF, 1, 1048576, 2, "Web server");
    g_autofree char *web = g_utf8_collate_key("web", -1);
    g_autofree char *mail = g_utf8_collate_key("mail", -1);

    assert_string_equal(marina_guest_get_name_collate_key(guest), web);
    assert_true(strcmp(mail, marina_guest_get_name_collate_key(guest)) < 0);
    marina_guest_update_from_variant(guest, renamed);
    assert_true(strcmp(marina_guest_get_name_collate_key(guest), mail) < 0);
}

static void
test_state_change_notifies(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_SHUTOFF, 1048576, 2);
    g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
    guint reason;

    g_signal_connect(guest, "notify", G_CALLBACK(count_notify), counts);
    assert_false(marina_guest_is_active(guest));
    assert_string_equal(marina_guest_get_state_label(guest), "Shut off");

    marina_guest_set_state(guest, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_BOOTED);
    assert_int_equal(notified(counts, "state"), 1);
    assert_int_equal(marina_guest_get_state(guest, &reason), MARINA_DOMAIN_RUNNING);
    assert_int_equal(reason, MARINA_RUNNING_BOOTED);
    assert_true(marina_guest_is_active(guest));

    marina_guest_set_state(guest, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_BOOTED);
    assert_int_equal(notified(counts, "state"), 1); /* no change, no notify */

    marina_guest_set_state(guest, MARINA_DOMAIN_PAUSED, MARINA_PAUSED_SAVE);
    assert_int_equal(notified(counts, "state"), 2);
    assert_int_equal(notified(counts, "reason"), 1);
    assert_true(marina_guest_is_active(guest));
    assert_string_equal(marina_guest_get_state_label(guest), "Paused");

    /* A number from a newer daemon reads as "no state", not as garbage. */
    marina_guest_set_state(guest, 42, 0);
    assert_int_equal(marina_guest_get_state(guest, NULL), MARINA_DOMAIN_NOSTATE);
}

static void
test_stop_clears_id_and_figures(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 2);
    g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);

    add(guest, &(S){NONE, .timestamp_us = T0, .cpu_percent = 50, .rss_kib = 524288}, 4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_CPU), 1);
    assert_int_equal(marina_guest_get_id(guest), 3);

    g_signal_connect(guest, "notify", G_CALLBACK(count_notify), counts);
    marina_guest_set_state(guest, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_DESTROYED);
    assert_int_equal(notified(counts, "state"), 1);
    assert_int_equal(notified(counts, "id"), 1);
    assert_int_equal(marina_guest_get_id(guest), -1);
    for (int s = 0; s < MARINA_GUEST_N_SERIES; s++) {
        assert_int_equal(n_history(guest, s), 0);
        assert_true(marina_guest_get_latest(guest, s) == 0);
    }
    /* The next run starts afresh: no rate computed against the old run. */
    marina_guest_set_state(guest, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_BOOTED);
    add(guest, &(S){NONE, .timestamp_us = T0 + 5000000, .disk_rd = 1000}, 4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_DISK_READ), 0);
}

/* ---------------------------------------------------------------------------------------------
 * Statistics
 */

static void
test_cpu_percent_is_shared_by_vcpus_and_host_cpus(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 2);

    /* 150 % of one core: 75 % of two vCPUs, 18.75 % of an 8-CPU host. */
    add(guest, &(S){NONE, .timestamp_us = T0, .cpu_percent = 150}, 8);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_CPU), 75.0, 1e-9);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_HOST_CPU), 18.75, 1e-9);

    /* The sample's own vcpus (after a hot-plug) wins over the definition. */
    add(guest, &(S){NONE, .timestamp_us = T0 + 1000000, .cpu_percent = 150, .vcpus = 3}, 8);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_CPU), 50.0, 1e-9);

    /* Never above 100 %, whatever the measurement says. */
    add(guest, &(S){NONE, .timestamp_us = T0 + 2000000, .cpu_percent = 900}, 8);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_CPU), 100.0, 1e-9);

    /* Host CPU count unknown yet: no host share rather than a wrong one. */
    {
        g_autoptr(MarinaGuest) other = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 2);
        add(other, &(S){NONE, .timestamp_us = T0, .cpu_percent = 10}, 0);
        assert_int_equal(n_history(other, MARINA_GUEST_SERIES_CPU), 1);
        assert_int_equal(n_history(other, MARINA_GUEST_SERIES_HOST_CPU), 0);
    }
}

static void
test_cpu_from_cpu_time_when_percent_missing(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 1);

    add(guest, &(S){NONE, .timestamp_us = T0, .cpu_time_ns = 1000000000}, 4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_CPU), 0);
    /* 0.5 s of CPU in 2 s: 25 % of its one vCPU, 6.25 % of 4 host CPUs. */
    add(guest, &(S){NONE, .timestamp_us = T0 + 2000000, .cpu_time_ns = 1500000000}, 4);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_CPU), 25.0, 1e-9);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_HOST_CPU), 6.25, 1e-9);
}

static void
test_io_rates_from_counter_deltas(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 1);
    const double *h;
    guint n;

    /* The first sample only sets the baseline. */
    add(guest,
        &(S){NONE, .timestamp_us = T0, .disk_rd = 1000, .disk_wr = 0, .net_rx = 10, .net_tx = 20},
        4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_DISK_READ), 0);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_NET_RX), 0);

    /* 2 s later: rates in bytes per second. */
    add(guest,
        &(S){NONE, .timestamp_us = T0 + 2000000, .disk_rd = 5000, .disk_wr = 2048, .net_rx = 110,
             .net_tx = 20},
        4);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_DISK_READ), 2000, 1e-9);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_DISK_WRITE), 1024, 1e-9);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_NET_RX), 50, 1e-9);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_NET_TX), 0, 1e-9);

    /* A counter that went back (QEMU restarted) gives no bogus huge rate,
     * and becomes the new baseline. */
    add(guest, &(S){NONE, .timestamp_us = T0 + 3000000, .disk_rd = 100}, 4);
    add(guest, &(S){NONE, .timestamp_us = T0 + 4000000, .disk_rd = 600}, 4);
    h = marina_guest_get_history(guest, MARINA_GUEST_SERIES_DISK_READ, &n);
    assert_int_equal(n, 2);
    assert_float_equal(h[0], 2000, 1e-9);
    assert_float_equal(h[1], 500, 1e-9);

    /* Same timestamp twice: no division by zero, no sample. */
    add(guest, &(S){NONE, .timestamp_us = T0 + 4000000, .disk_rd = 700}, 4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_DISK_READ), 2);
}

static void
test_unmeasured_series_stay_empty(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 1);

    /* User-mode networking: no net-* keys at all. */
    for (int i = 0; i < 5; i++)
        add(guest,
            &(S){NONE, .timestamp_us = T0 + i * 1000000, .cpu_percent = 10, .disk_rd = i * 10,
                 .disk_wr = 0},
            4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_CPU), 5);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_DISK_READ), 4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_NET_RX), 0);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_NET_TX), 0);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_MEMORY), 0);
    assert_true(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_NET_RX) == 0);
    assert_non_null(marina_guest_get_history(guest, MARINA_GUEST_SERIES_NET_RX, NULL));
}

static void
test_memory_is_share_of_configured(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 1);

    add(guest, &(S){NONE, .timestamp_us = T0, .rss_kib = 262144}, 4);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_MEMORY), 25.0, 1e-9);
    /* The sample's configured memory (after ballooning) wins. */
    add(guest, &(S){NONE, .timestamp_us = T0 + 1, .rss_kib = 262144, .memory_kib = 524288}, 4);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_MEMORY), 50.0, 1e-9);
    /* QEMU's own overhead can exceed a small guest's memory: capped. */
    add(guest, &(S){NONE, .timestamp_us = T0 + 2, .rss_kib = 4194304}, 4);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_MEMORY), 100.0, 1e-9);
}

static void
test_history_is_oldest_first_and_wraps(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 1);
    const guint total = 2 * MARINA_GUEST_HISTORY + 37;
    const double *h;
    guint n;

    for (guint i = 0; i < total; i++) {
        add(guest, &(S){NONE, .timestamp_us = T0 + i * 1000000LL, .cpu_percent = i % 100}, 4);
        h = marina_guest_get_history(guest, MARINA_GUEST_SERIES_CPU, &n);
        assert_int_equal(n, MIN(i + 1, MARINA_GUEST_HISTORY));
        /* Contiguous, oldest first, newest last, at every step. */
        for (guint k = 0; k < n; k++)
            assert_float_equal(h[k], (double)((i + 1 - n + k) % 100), 1e-9);
    }
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_CPU),
                       (double)((total - 1) % 100), 1e-9);
}

static void
test_history_ring_alone(void **state)
{
    MarinaHistory ring = {0};
    const double *h;
    guint n = 99;

    h = marina_history_get(&ring, &n);
    assert_non_null(h);
    assert_int_equal(n, 0);
    for (int i = 1; i <= MARINA_GUEST_HISTORY + 1; i++)
        marina_history_push(&ring, i);
    h = marina_history_get(&ring, &n);
    assert_int_equal(n, MARINA_GUEST_HISTORY);
    assert_float_equal(h[0], 2, 0);
    assert_float_equal(h[n - 1], MARINA_GUEST_HISTORY + 1, 0);
    marina_history_clear(&ring);
    (void)marina_history_get(&ring, &n);
    assert_int_equal(n, 0);
}

static void
count_stats_changed(MarinaGuest *guest, guint *count)
{
    (*count)++;
}

static void
test_stats_changed_is_emitted_to_listeners(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 1);
    g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
    guint changed = 0;
    gulong id;

    /* Statistics never go through GObject notify. */
    g_signal_connect(guest, "notify", G_CALLBACK(count_notify), counts);
    id = g_signal_connect(guest, "stats-changed", G_CALLBACK(count_stats_changed), &changed);
    add(guest, &(S){NONE, .timestamp_us = T0, .cpu_percent = 10}, 4);
    add(guest, &(S){NONE, .timestamp_us = T0 + 1000000, .cpu_percent = 10, .vcpus = 4}, 4);
    assert_int_equal(changed, 2);
    assert_int_equal(g_hash_table_size(counts), 0);

    g_signal_handler_block(guest, id);
    add(guest, &(S){NONE, .timestamp_us = T0 + 2000000, .cpu_percent = 10}, 4);
    g_signal_handler_unblock(guest, id);
    assert_int_equal(changed, 2);

    marina_guest_clear_stats(guest); /* views drop the figures */
    assert_int_equal(changed, 3);
}

static void
test_hostile_statistics_are_ignored(void **state)
{
    g_autoptr(MarinaGuest) guest = guest_new(MARINA_DOMAIN_RUNNING, 1048576, 1);
    g_autoptr(GVariant) not_a_dict = g_variant_ref_sink(g_variant_new_string("cpu-percent"));
    GVariantDict d;
    g_autoptr(GVariant) wrong = NULL;

    marina_guest_add_stats(guest, not_a_dict, 4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_CPU), 0);

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "cpu-percent", "s", "lots");
    g_variant_dict_insert(&d, "memory-rss-kib", "d", NAN);
    g_variant_dict_insert(&d, "disk-rd-bytes", "x", (gint64)-5);
    g_variant_dict_insert(&d, "vcpus", "u", 0);
    g_variant_dict_insert(&d, "timestamp-us", "s", "now");
    wrong = g_variant_ref_sink(g_variant_dict_end(&d));
    marina_guest_add_stats(guest, wrong, 4);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_CPU), 0);
    assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_MEMORY), 0);

    /* NaN would poison every graph. */
    {
        g_autoptr(GVariant) nan = NULL;
        g_variant_dict_init(&d, NULL);
        g_variant_dict_insert(&d, "cpu-percent", "d", NAN);
        nan = g_variant_ref_sink(g_variant_dict_end(&d));
        marina_guest_add_stats(guest, nan, 4);
        assert_int_equal(n_history(guest, MARINA_GUEST_SERIES_CPU), 0);
    }
    /* vcpus 0 in the sample: the definition's count divides instead. */
    add(guest, &(S){NONE, .timestamp_us = T0, .cpu_percent = 40, .vcpus = 0}, 4);
    assert_float_equal(marina_guest_get_latest(guest, MARINA_GUEST_SERIES_CPU), 40.0, 1e-9);
}

/* ---------------------------------------------------------------------------------------------
 * Benchmark: the work MarinaGuestList does for one StatsUpdated signal of a
 * 1000-guest host (hash lookup and add_stats per entry). GDBus hands a
 * signal's arguments over in tree form (its message parser builds each
 * value), the cheap case; a batch in serialised form (every child made on
 * access) is the costly one: both are measured. Prints, does not assert on
 * time.
 */

#define BENCH_GUESTS 1000
#define BENCH_ROUNDS 20

static GVariant *
bench_batch(char uuids[][37], guint round, gboolean serialised)
{
    GVariantBuilder b;
    g_autoptr(GVariant) tree = NULL;
    g_autoptr(GBytes) bytes = NULL;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sa{sv})"));
    for (guint i = 0; i < BENCH_GUESTS; i++) {
        g_autoptr(GVariant) s = stats(&(S){
            .timestamp_us = T0 + round * 1000000LL,
            .cpu_percent = (i + round) % 100,
            .cpu_time_ns = round * 1000000000LL,
            .rss_kib = 100000 + i,
            .memory_kib = 1048576,
            .disk_rd = round * 4096LL,
            .disk_wr = round * 8192LL,
            .net_rx = round * 1000LL,
            .net_tx = round * 2000LL,
            .vcpus = 2,
        });
        g_variant_builder_add(&b, "(s@a{sv})", uuids[i], s);
    }
    tree = g_variant_ref_sink(g_variant_builder_end(&b));
    if (!serialised)
        return g_steal_pointer(&tree);
    bytes = g_variant_get_data_as_bytes(tree);
    return g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("a(sa{sv})"), bytes, FALSE));
}

/* Applies @rounds batches to @guests; returns the best and mean time in µs. */
static void
bench_apply(GHashTable *by_uuid, char uuids[][37], guint first_round, guint rounds,
            gboolean serialised, gint64 *best, gint64 *mean)
{
    g_autofree GVariant **batches = g_new0(GVariant *, rounds);
    gint64 total = 0;

    *best = G_MAXINT64;
    for (guint r = 0; r < rounds; r++)
        batches[r] = bench_batch(uuids, first_round + r, serialised);
    for (guint r = 0; r < rounds; r++) {
        g_autoptr(GVariant) batch = g_steal_pointer(&batches[r]);
        GVariantIter iter;
        const char *uuid;
        GVariant *s;
        gint64 start = g_get_monotonic_time(), took;

        /* The loop of guest-list.c's on_stats_updated(). */
        g_variant_iter_init(&iter, batch);
        while (g_variant_iter_next(&iter, "(&s@a{sv})", &uuid, &s)) {
            MarinaGuest *guest = g_hash_table_lookup(by_uuid, uuid);
            if (guest != NULL && marina_guest_is_active(guest))
                marina_guest_add_stats(guest, s, 8);
            g_variant_unref(s);
        }
        took = g_get_monotonic_time() - start;
        *best = MIN(*best, took);
        total += took;
    }
    *mean = total / rounds;
}

static void
test_benchmark_1000_guests(void **state)
{
    static char uuids[BENCH_GUESTS][37];
    g_autoptr(GHashTable) by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func(g_object_unref);
    g_autoptr(GVariant) listing = NULL;
    GVariantBuilder lb;
    GVariantIter iter;
    GVariant *e;
    gint64 start, load_us, best, mean, best_ser, mean_ser;

    g_variant_builder_init(&lb, G_VARIANT_TYPE("a(oissuubbtus)"));
    for (guint i = 0; i < BENCH_GUESTS; i++) {
        g_autoptr(GVariant) one = NULL;
        g_autofree char *name = g_strdup_printf("guest-%04u", i);
        g_snprintf(uuids[i], sizeof uuids[i], "%08x-0000-4000-8000-%012x", i, i);
        one = entry(name, uuids[i], (int)i + 1, MARINA_DOMAIN_RUNNING, 1, 1048576, 2, "");
        g_variant_builder_add_value(&lb, one);
    }
    listing = g_variant_ref_sink(g_variant_builder_end(&lb));

    /* Loading: a guest per listing entry, indexed by UUID. */
    start = g_get_monotonic_time();
    g_variant_iter_init(&iter, listing);
    while ((e = g_variant_iter_next_value(&iter)) != NULL) {
        MarinaGuest *guest = marina_guest_new_from_variant(e);
        g_hash_table_insert(by_uuid, (gpointer)marina_guest_get_uuid(guest), guest);
        g_ptr_array_add(guests, guest);
        g_variant_unref(e);
    }
    load_us = g_get_monotonic_time() - start;
    assert_int_equal(g_hash_table_size(by_uuid), BENCH_GUESTS);

    bench_apply(by_uuid, uuids, 0, BENCH_ROUNDS, FALSE, &best, &mean);
    bench_apply(by_uuid, uuids, BENCH_ROUNDS, BENCH_ROUNDS, TRUE, &best_ser, &mean_ser);

    assert_int_equal(n_history(guests->pdata[0], MARINA_GUEST_SERIES_CPU), 2 * BENCH_ROUNDS);
    assert_int_equal(n_history(guests->pdata[0], MARINA_GUEST_SERIES_DISK_WRITE),
                     2 * BENCH_ROUNDS - 1);
    assert_float_equal(marina_guest_get_latest(guests->pdata[0], MARINA_GUEST_SERIES_DISK_WRITE),
                       8192, 1e-9);
    printf("# benchmark: load %u guests from a listing: %.2f ms\n", BENCH_GUESTS, load_us / 1000.0);
    printf("# benchmark: apply a %u-guest stats batch as GDBus delivers it: best %.2f ms, "
           "mean %.2f ms\n",
           BENCH_GUESTS, best / 1000.0, mean / 1000.0);
    printf("# benchmark: same, batch in serialised form: best %.2f ms, mean %.2f ms\n",
           best_ser / 1000.0, mean_ser / 1000.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_fills_every_field),
        cmocka_unit_test(test_entry_of_wrong_type_is_refused),
        cmocka_unit_test(test_update_notifies_only_what_changed),
        cmocka_unit_test(test_name_collate_key),
        cmocka_unit_test(test_state_change_notifies),
        cmocka_unit_test(test_stop_clears_id_and_figures),
        cmocka_unit_test(test_cpu_percent_is_shared_by_vcpus_and_host_cpus),
        cmocka_unit_test(test_cpu_from_cpu_time_when_percent_missing),
        cmocka_unit_test(test_io_rates_from_counter_deltas),
        cmocka_unit_test(test_unmeasured_series_stay_empty),
        cmocka_unit_test(test_memory_is_share_of_configured),
        cmocka_unit_test(test_history_is_oldest_first_and_wraps),
        cmocka_unit_test(test_history_ring_alone),
        cmocka_unit_test(test_stats_changed_is_emitted_to_listeners),
        cmocka_unit_test(test_hostile_statistics_are_ignored),
        cmocka_unit_test(test_benchmark_1000_guests),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
