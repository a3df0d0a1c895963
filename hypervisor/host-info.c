#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "host-info.h"

/* 2^54 KiB is 2^64 bytes: larger is not a figure of any real machine. */
#define KIB_MAX (G_GUINT64_CONSTANT(1) << 54)

/* The number after "@key" at the start of a line of @text ("MemTotal:").
 * FALSE when no line starts with it or its number is malformed or huge. */
static gboolean
meminfo_value(const char *text, const char *key, guint64 *value)
{
    gsize key_len = strlen(key);

    for (const char *line = text; line != NULL && *line != '\0';
         line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        const char *p;
        char *end;
        guint64 v;

        if (strncmp(line, key, key_len) != 0)
            continue;
        p = line + key_len;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!g_ascii_isdigit(*p))
            return FALSE;
        errno = 0;
        v = g_ascii_strtoull(p, &end, 10);
        if (errno != 0 || v > KIB_MAX)
            return FALSE;
        *value = v;
        return TRUE;
    }
    return FALSE;
}

void
marina_host_memory_parse(const char *text, MarinaHostMemory *memory)
{
    *memory = (MarinaHostMemory){0};
    if (text == NULL)
        return;
    memory->has_total = meminfo_value(text, "MemTotal:", &memory->total_kib);
    memory->has_available = meminfo_value(text, "MemAvailable:", &memory->available_kib);
}

gboolean
marina_host_memory_read(MarinaHostMemory *memory)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents("/proc/meminfo", &text, NULL, NULL)) {
        marina_host_memory_parse(NULL, memory);
        return FALSE;
    }
    marina_host_memory_parse(text, memory);
    return TRUE;
}

/* A frequency that is not a number of MHz a CPU could have is unknown (0). */
static guint
mhz_value(const char *text)
{
    double v = g_ascii_strtod(text, NULL);

    return v >= 1 && v < 1e6 ? (guint)v : 0;
}

char *
marina_host_cpu_model_parse(const char *text, guint *mhz)
{
    g_auto(GStrv) lines = NULL;
    char *model = NULL;

    *mhz = 0;
    if (text == NULL)
        return g_strdup("unknown");
    lines = g_strsplit(text, "\n", 0);
    for (guint i = 0; lines[i] != NULL; i++) {
        char *colon = strchr(lines[i], ':');
        if (colon == NULL)
            continue;
        if (model == NULL && g_str_has_prefix(lines[i], "model name"))
            model = g_strstrip(g_strdup(colon + 1));
        else if (*mhz == 0 && g_str_has_prefix(lines[i], "cpu MHz"))
            *mhz = mhz_value(colon + 1);
    }
    return model ? model : g_strdup("unknown");
}

char *
marina_host_cpu_model_read(guint *mhz)
{
    g_autofree char *text = NULL;

    g_file_get_contents("/proc/cpuinfo", &text, NULL, NULL);
    return marina_host_cpu_model_parse(text, mhz);
}

guint
marina_host_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (guint)n : 1;
}

gboolean
marina_host_cpu_counters_parse(const char *text, guint64 *busy, guint64 *total)
{
    g_autofree char *line = NULL;
    g_auto(GStrv) fields = NULL;
    guint64 v[8] = {0};
    guint n = 0;

    if (text == NULL || !g_str_has_prefix(text, "cpu "))
        return FALSE;
    line = g_strndup(text + 4, strcspn(text + 4, "\n"));
    fields = g_strsplit_set(line, " ", 0);
    for (guint i = 0; fields[i] != NULL && n < G_N_ELEMENTS(v); i++) {
        if (*fields[i] != '\0')
            v[n++] = g_ascii_strtoull(fields[i], NULL, 10);
    }
    /* user nice system idle iowait irq softirq steal (guest is within user). */
    *total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
    *busy = *total - v[3] - v[4];
    return n >= 4;
}

gboolean
marina_host_cpu_counters_read(guint64 *busy, guint64 *total)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents("/proc/stat", &text, NULL, NULL))
        return FALSE;
    return marina_host_cpu_counters_parse(text, busy, total);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* sysfs is memory-backed: reading it is instant. */
GVariant *
marina_host_bridges(void)
{
    g_autoptr(GDir) dir = g_dir_open("/sys/class/net", 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *bridge = g_build_filename("/sys/class/net", name, "bridge", NULL);
        if (g_file_test(bridge, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, compare_names);
    return g_variant_new_strv((const char *const *)names->pdata, names->len);
}

void
marina_host_add_node_info(GVariantDict *d)
{
    MarinaHostMemory memory;
    g_autofree char *model = NULL;
    guint mhz;
    guint cpus = marina_host_online_cpus();

    marina_host_memory_read(&memory);
    model = marina_host_cpu_model_read(&mhz);
    g_variant_dict_insert(d, "hostname", "s", g_get_host_name());
    g_variant_dict_insert(d, "cpu-model", "s", model);
    g_variant_dict_insert(d, "arch", "s", "x86_64");
    g_variant_dict_insert(d, "cpus", "u", cpus);
    g_variant_dict_insert(d, "sockets", "u", 1);
    g_variant_dict_insert(d, "cores", "u", cpus);
    g_variant_dict_insert(d, "threads", "u", 1);
    g_variant_dict_insert(d, "mhz", "u", mhz);
    g_variant_dict_insert(d, "memory-kib", "t", memory.total_kib);
    g_variant_dict_insert(d, "free-memory-kib", "t", memory.available_kib);
    g_variant_dict_insert_value(d, "bridges", marina_host_bridges());
}

void
marina_host_add_test_node_info(GVariantDict *d, const MarinaTestNode *n, guint64 guest_memory_kib)
{
    guint64 used = guest_memory_kib;

    g_variant_dict_insert(d, "hostname", "s", g_get_host_name());
    g_variant_dict_insert(d, "cpu-model", "s", n->cpu_model);
    g_variant_dict_insert(d, "arch", "s", "x86_64");
    g_variant_dict_insert(d, "cpus", "u", n->cpus);
    g_variant_dict_insert(d, "nodes", "u", n->nodes);
    g_variant_dict_insert(d, "sockets", "u", n->sockets);
    g_variant_dict_insert(d, "cores", "u", n->cores);
    g_variant_dict_insert(d, "threads", "u", n->threads);
    g_variant_dict_insert(d, "mhz", "u", n->mhz);
    g_variant_dict_insert(d, "memory-kib", "t", n->memory_kib);
    g_variant_dict_insert(d, "free-memory-kib", "t",
                          n->memory_kib > used ? n->memory_kib - used : 0);
    g_variant_dict_insert(d, "networks", "u", n->networks->len);
    g_variant_dict_insert(d, "pools", "u", n->pools->len);
}

/* The fields of /proc/<pid>/stat after the command name, which may contain
 * spaces: they start after the last ')'. fields[0] is field 3 (state). */
static GStrv
process_stat_fields(GPid pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *text = NULL;
    const char *rparen;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    rparen = strrchr(text, ')');
    if (rparen == NULL || rparen[1] == '\0')
        return NULL;
    return g_strsplit(rparen + 2, " ", 0);
}

gboolean
marina_host_process_start_ticks(GPid pid, guint64 *ticks)
{
    g_auto(GStrv) fields = process_stat_fields(pid);

    /* starttime is field 22. */
    if (fields == NULL || g_strv_length(fields) < 20)
        return FALSE;
    *ticks = g_ascii_strtoull(fields[19], NULL, 10);
    return TRUE;
}

guint64
marina_host_process_cpu_ns(GPid pid)
{
    static long ticks = 0;
    g_auto(GStrv) fields = process_stat_fields(pid);

    if (ticks == 0)
        ticks = sysconf(_SC_CLK_TCK);
    if (fields == NULL || g_strv_length(fields) < 13)
        return 0;
    /* utime and stime: fields 14 and 15. */
    return (g_ascii_strtoull(fields[11], NULL, 10) + g_ascii_strtoull(fields[12], NULL, 10)) *
           (G_GUINT64_CONSTANT(1000000000) / (guint64)ticks);
}

guint64
marina_host_process_rss_kib(GPid pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/statm", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    fields = g_strsplit(text, " ", 3);
    if (g_strv_length(fields) < 2)
        return 0;
    return g_ascii_strtoull(fields[1], NULL, 10) * (guint64)(sysconf(_SC_PAGESIZE) / 1024);
}
