#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include "host-info.h"
#include "qemu-vm-private.h"

/*
 * Statistics of a running QEMU guest for the batched StatsUpdated signal:
 * CPU time and memory of its process (host-info.h), disk figures from QMP
 * query-blockstats, network figures from its taps' counters in sysfs.
 */

typedef struct {
    GVariantDict dict;
} StatsData;

static void
stats_data_free(StatsData *s)
{
    g_variant_dict_clear(&s->dict);
    g_free(s);
}

static void
add_u64(GVariantDict *d, const char *key, guint64 v)
{
    g_variant_dict_insert_value(d, key, g_variant_new_uint64(v));
}

static void
add_net_stats(MarinaQemuVm *self, GVariantDict *d)
{
    guint64 rx = 0, tx = 0;
    gboolean any = FALSE;

    /* Only tap devices have host-side counters; user-mode networking has
     * none, so the keys are left out rather than reported as zero. */
    for (guint i = 0; i < LIVE(self)->interfaces->len; i++) {
        MarinaInterfaceConfig *nic = LIVE(self)->interfaces->pdata[i];
        g_autofree char *rxp = NULL, *txp = NULL, *rxs = NULL, *txs = NULL;

        if (nic->target_dev == NULL)
            continue;
        rxp = g_strdup_printf("/sys/class/net/%s/statistics/tx_bytes", nic->target_dev);
        txp = g_strdup_printf("/sys/class/net/%s/statistics/rx_bytes", nic->target_dev);
        /* The tap's transmit is the guest's receive. */
        if (g_file_get_contents(rxp, &rxs, NULL, NULL) &&
            g_file_get_contents(txp, &txs, NULL, NULL)) {
            rx += g_ascii_strtoull(rxs, NULL, 10);
            tx += g_ascii_strtoull(txs, NULL, 10);
            any = TRUE;
        }
    }
    if (any) {
        add_u64(d, "net-rx-bytes", rx);
        add_u64(d, "net-tx-bytes", tx);
    }
}

static void
on_blockstats(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    StatsData *s = g_task_get_task_data(task);
    g_autoptr(JsonNode) node = NULL;
    guint64 rd = 0, wr = 0, rdr = 0, wrr = 0;

    node = marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, NULL);
    if (node != NULL && JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *devs = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(devs); i++) {
            JsonObject *dev = json_array_get_object_element(devs, i);
            JsonObject *st = dev && json_object_has_member(dev, "stats")
                                 ? json_object_get_object_member(dev, "stats")
                                 : NULL;
            if (st == NULL)
                continue;
            rd += json_object_get_int_member_with_default(st, "rd_bytes", 0);
            wr += json_object_get_int_member_with_default(st, "wr_bytes", 0);
            rdr += json_object_get_int_member_with_default(st, "rd_operations", 0);
            wrr += json_object_get_int_member_with_default(st, "wr_operations", 0);
        }
        add_u64(&s->dict, "disk-rd-bytes", rd);
        add_u64(&s->dict, "disk-wr-bytes", wr);
        add_u64(&s->dict, "disk-rd-reqs", rdr);
        add_u64(&s->dict, "disk-wr-reqs", wrr);
    }
    g_task_return_pointer(task, g_variant_ref_sink(g_variant_dict_end(&s->dict)),
                          (GDestroyNotify)g_variant_unref);
    g_object_unref(task);
}

void
marina_qemu_vm_collect_stats(MarinaVm *vm, guint kinds, GTask *task)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);
    StatsData *s = g_new0(StatsData, 1);
    gint64 now = g_get_monotonic_time();
    guint64 cpu_ns;

    g_variant_dict_init(&s->dict, NULL);
    g_task_set_task_data(task, s, (GDestroyNotify)stats_data_free);
    if (kinds & MARINA_STATS_CPU) {
        cpu_ns = marina_host_process_cpu_ns(self->pid);
        add_u64(&s->dict, "cpu-time-ns", cpu_ns);
        if (self->last_sample_us > 0 && now > self->last_sample_us && cpu_ns >= self->last_cpu_ns) {
            double pct = (double)(cpu_ns - self->last_cpu_ns) / 1000.0 /
                         (double)(now - self->last_sample_us) * 100.0;
            g_variant_dict_insert(&s->dict, "cpu-percent", "d", pct);
        }
        self->last_cpu_ns = cpu_ns;
        self->last_sample_us = now;
    }
    g_variant_dict_insert(&s->dict, "vcpus", "u", LIVE(self)->current_vcpus);
    add_u64(&s->dict, "memory-kib", LIVE(self)->current_memory_kib);
    if (kinds & MARINA_STATS_MEMORY)
        add_u64(&s->dict, "memory-rss-kib", marina_host_process_rss_kib(self->pid));
    g_variant_dict_insert(&s->dict, "timestamp-us", "x", g_get_real_time());
    if (kinds & MARINA_STATS_NETWORK)
        add_net_stats(self, &s->dict);
    if (!(kinds & MARINA_STATS_DISK)) {
        /* No QMP round trip for figures nobody asked for. */
        g_task_return_pointer(task, g_variant_ref_sink(g_variant_dict_end(&s->dict)),
                              (GDestroyNotify)g_variant_unref);
        g_object_unref(task);
        return;
    }
    marina_qmp_client_execute_async(self->qmp, "query-blockstats", NULL, -1, NULL, on_blockstats,
                                    task);
}

void
marina_qemu_vm_add_info(MarinaVm *vm, GVariantDict *info)
{
    MarinaQemuVm *self = MARINA_QEMU_VM(vm);

    g_variant_dict_insert(info, "cpu-time-ns", "t", marina_host_process_cpu_ns(self->pid));
    g_variant_dict_insert(info, "pid", "i", (gint32)self->pid);
}
