/* The test driver: 1000 simulated guests from a generated <node> file,
 * driven the way marina and the benchmarks drive them: listing, lifecycle,
 * batched statistics with the host entry, statistics preferences, the
 * simulated serial console, and hostile node files refused at start. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "core/error.h"
#include "harness.h"

#define N_GUESTS 1000
#define N_RUNNING 100

typedef struct {
    guint count;
    GVariant *last;
    gint64 since_us; /* count only batches whose host entry is this late */
} Stats;

typedef struct {
    Harness *h;
    char *dir;
    char *node_file;
    /* Lives in the fixture, not on a test's stack: a failed assertion
     * leaves the test early, and the signal handler must not write into
     * a dead frame while the next test runs. */
    Stats stats;
    gulong stats_handler;
} Fixture;

static char *
generate_node(const char *dir, int n, int running)
{
    g_autofree char *script =
        g_build_filename(MARINA_SOURCE_ROOT, "tests", "data", "make-test-node.py", NULL);
    g_autofree char *n_text = g_strdup_printf("%d", n);
    g_autofree char *r_text = g_strdup_printf("%d", running);
    const char *argv[] = {"python3", script, n_text, r_text, NULL};
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(dir, "node.xml", NULL);
    int status = -1;

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                             &status, &error));
    assert_int_equal(status, 0);
    assert_true(g_file_set_contents(path, out, -1, &error));
    return path;
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    const char *args[] = {"--driver", "test", "--test-file", NULL, NULL};

    f->dir = g_dir_make_tmp("mtd-XXXXXX", NULL);
    assert_non_null(f->dir);
    f->node_file = generate_node(f->dir, N_GUESTS, N_RUNNING);
    args[3] = f->node_file;
    f->h = harness_new_with_args(args);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    harness_free(f->h);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    g_free(f->dir);
    g_free(f->node_file);
    g_free(f);
    return 0;
}

static MarinaDBusDomain *
lookup(Harness *h, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;

    if (!marina_dbus_host_call_lookup_domain_sync(h->host, name, &path, NULL, &error))
        fail_msg("lookup %s: %s", name, error->message);
    return harness_domain(h, NULL, path);
}

static void
test_list_counts_and_states(void **state)
{
    Harness *h = ((Fixture *)*state)->h;
    g_autoptr(GVariant) list = NULL;
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GError) error = NULL;
    GVariantIter iter;
    const char *name;
    guint st, running = 0, paused = 0, off = 0, cpus = 0;
    gint32 id;
    const char *driver = NULL;
    guint64 mem = 0;

    assert_string_equal(marina_dbus_host_get_driver(h->host), "test");
    assert_true(marina_dbus_host_call_list_domains_sync(h->host, &list, NULL, &error));
    assert_int_equal(g_variant_n_children(list), N_GUESTS);
    g_variant_iter_init(&iter, list);
    while (g_variant_iter_next(&iter, "(&oi&s&suubbtu&s)", NULL, &id, &name, NULL, &st, NULL, NULL,
                               NULL, NULL, NULL, NULL)) {
        running += st == MARINA_DOMAIN_RUNNING;
        paused += st == MARINA_DOMAIN_PAUSED;
        off += st == MARINA_DOMAIN_SHUTOFF;
        /* Active guests have a running id, the others -1. */
        assert_true(st == MARINA_DOMAIN_SHUTOFF ? id == -1 : id > 0);
        if (g_str_equal(name, "guest-0001"))
            assert_int_equal(st, MARINA_DOMAIN_RUNNING);
        if (g_str_equal(name, "guest-0010"))
            assert_int_equal(st, MARINA_DOMAIN_PAUSED);
        if (g_str_equal(name, "guest-0101"))
            assert_int_equal(st, MARINA_DOMAIN_SHUTOFF);
    }
    assert_int_equal(running + paused, N_RUNNING);
    assert_int_equal(paused, N_RUNNING / 10);
    assert_int_equal(off, N_GUESTS - N_RUNNING);

    /* The node's figures, and nothing written to the state directory. */
    assert_true(marina_dbus_host_call_get_node_info_sync(h->host, &info, NULL, &error));
    assert_true(g_variant_lookup(info, "driver", "&s", &driver));
    assert_string_equal(driver, "test");
    assert_true(g_variant_lookup(info, "cpus", "u", &cpus));
    assert_int_equal(cpus, 64);
    assert_true(g_variant_lookup(info, "memory-kib", "t", &mem));
    assert_true(mem == G_GUINT64_CONSTANT(512) * 1024 * 1024);
    assert_int_equal(harness_count_definitions(h), 0);
}

typedef struct {
    GPtrArray *events; /* "event/detail" of the watched guest */
    const char *name;
} Events;

static void
on_event(MarinaDBusHost *host, const char *path, const char *name, const char *uuid, guint st,
         guint reason, const char *event, const char *detail, Events *ev)
{
    if (g_str_equal(name, ev->name))
        g_ptr_array_add(ev->events, g_strdup_printf("%s/%s", event, detail));
}

static gboolean
saw(Events *ev, const char *what)
{
    for (guint i = 0; i < ev->events->len; i++)
        if (g_str_equal(ev->events->pdata[i], what))
            return TRUE;
    return FALSE;
}

static void
expect_state(MarinaDBusDomain *dom, guint want, guint want_reason)
{
    guint reason = 0;

    assert_int_equal(harness_wait_state(dom, want, 3000, &reason), want);
    assert_int_equal(reason, want_reason);
}

static void
test_lifecycle(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autoptr(MarinaDBusDomain) dom = lookup(h, "guest-0200");
    g_autofree char *save = g_build_filename(f->dir, "g200.save", NULL);
    g_autofree char *restored = NULL;
    g_autofree char *header = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    Events ev = {g_ptr_array_new_with_free_func(g_free), "guest-0200"};
    gulong handler = g_signal_connect(h->host, "domain-event", G_CALLBACK(on_event), &ev);

    expect_state(dom, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_UNKNOWN);
    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_BOOTED);
    assert_false(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING));
    g_clear_error(&error);

    assert_true(marina_dbus_domain_call_suspend_sync(dom, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_PAUSED, MARINA_PAUSED_USER);
    assert_true(marina_dbus_domain_call_resume_sync(dom, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_UNPAUSED);
    assert_true(marina_dbus_domain_call_reboot_sync(dom, NULL, &error));
    assert_true(marina_dbus_domain_call_reset_sync(dom, NULL, &error));

    /* Shutdown takes a moment, as with a real guest. */
    assert_true(marina_dbus_domain_call_shutdown_sync(dom, 0, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_SHUTDOWN);

    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_DESTROYED);

    /* Save writes a real save image header; RestoreDomain reads it back. */
    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    assert_true(marina_dbus_domain_call_save_sync(dom, save, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_SAVED);
    assert_true(g_file_get_contents(save, &header, NULL, NULL));
    assert_true(g_str_has_prefix(header, "MarinaSaveImage\n"));
    if (!marina_dbus_host_call_restore_domain_sync(h->host, save, 0, &restored, NULL, &error))
        fail_msg("restore: %s", error->message);
    expect_state(dom, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_RESTORED);

    /* Managed save, in memory: Start resumes it. */
    assert_true(marina_dbus_domain_call_managed_save_sync(dom, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_SAVED);
    harness_iterate(100);
    assert_true(marina_dbus_domain_get_has_managed_save(dom));
    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_RUNNING, MARINA_RUNNING_RESTORED);

    /* No graphical display, said in words. */
    assert_false(marina_dbus_domain_call_open_graphics_sync(dom, NULL, NULL, &fds, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    assert_non_null(strstr(error->message, "no graphical display"));
    g_clear_error(&error);

    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    expect_state(dom, MARINA_DOMAIN_SHUTOFF, MARINA_SHUTOFF_DESTROYED);
    harness_iterate(100);
    assert_true(saw(&ev, "started/booted"));
    assert_true(saw(&ev, "suspended/paused"));
    assert_true(saw(&ev, "resumed/unpaused"));
    assert_true(saw(&ev, "rebooted/"));
    assert_true(saw(&ev, "stopped/shutdown"));
    assert_true(saw(&ev, "stopped/destroyed"));
    assert_true(saw(&ev, "stopped/saved"));
    assert_true(saw(&ev, "started/restored"));
    g_signal_handler_disconnect(h->host, handler);
    g_ptr_array_unref(ev.events);
    assert_int_equal(harness_count_definitions(h), 0);
}

static void
test_define_undefine_in_memory(void **state)
{
    Harness *h = ((Fixture *)*state)->h;
    const char *xml = "<domain type='test'><name>extra</name><memory unit='MiB'>64</memory>"
                      "<vcpu>1</vcpu><os><type>hvm</type></os></domain>";
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GVariant) list = NULL;
    g_autofree char *dumped = NULL;
    g_autoptr(GError) error = NULL;

    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 0, &dumped, NULL, &error));
    assert_non_null(strstr(dumped, "type=\"test\""));
    assert_true(marina_dbus_host_call_list_domains_sync(h->host, &list, NULL, &error));
    assert_int_equal(g_variant_n_children(list), N_GUESTS + 1);
    assert_int_equal(harness_count_definitions(h), 0);
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
    g_clear_pointer(&list, g_variant_unref);
    assert_true(marina_dbus_host_call_list_domains_sync(h->host, &list, NULL, &error));
    assert_int_equal(g_variant_n_children(list), N_GUESTS);
}

static GVariant *entry(GVariant *all, const char *uuid);

static void
on_stats(MarinaDBusHost *host, GVariant *all, Stats *s)
{
    g_autoptr(GVariant) host_entry = entry(all, "");
    gint64 stamp = 0;

    if (host_entry == NULL || !g_variant_lookup(host_entry, "timestamp-us", "x", &stamp) ||
        stamp < s->since_us)
        return;
    s->count++;
    g_clear_pointer(&s->last, g_variant_unref);
    s->last = g_variant_ref(all);
}

static void
unwatch_stats(Fixture *f)
{
    if (f->stats_handler != 0)
        g_signal_handler_disconnect(f->h->host, f->stats_handler);
    f->stats_handler = 0;
    g_clear_pointer(&f->stats.last, g_variant_unref);
    f->stats.count = 0;
}

/* Counts the StatsUpdated signals from now on and keeps the last. */
static Stats *
watch_stats(Fixture *f)
{
    unwatch_stats(f);
    f->stats_handler =
        g_signal_connect(f->h->host, "stats-updated", G_CALLBACK(on_stats), &f->stats);
    return &f->stats;
}

static int
stop_watching(void **state)
{
    unwatch_stats(*state);
    return 0;
}

static GVariant *
entry(GVariant *all, const char *uuid)
{
    GVariantIter iter;
    const char *u;
    GVariant *dict;

    g_variant_iter_init(&iter, all);
    while (g_variant_iter_next(&iter, "(&s@a{sv})", &u, &dict)) {
        if (g_str_equal(u, uuid))
            return dict;
        g_variant_unref(dict);
    }
    return NULL;
}

static void
test_stats_batch_with_host_entry(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autoptr(MarinaDBusDomain) first = lookup(h, "guest-0001");
    g_autoptr(GVariant) host = NULL;
    g_autoptr(GVariant) g1 = NULL;
    g_autoptr(GVariant) g1_later = NULL;
    Stats *s = watch_stats(f);
    guint64 net1 = 0, net2 = 0, mem = 0, rss = 0;
    double cpu = -1, pct = -1;
    guint cpus = 0;

    for (int i = 0; i < 150 && s->count == 0; i++)
        harness_iterate(20);
    assert_true(s->count > 0); /* within 3 s */
    assert_int_equal(g_variant_n_children(s->last), N_RUNNING + 1);
    host = entry(s->last, "");
    assert_non_null(host);
    assert_true(g_variant_lookup(host, "host-cpu-percent", "d", &cpu));
    assert_true(cpu >= 0 && cpu <= 100);
    assert_true(g_variant_lookup(host, "host-cpus", "u", &cpus));
    assert_int_equal(cpus, 64);
    assert_true(g_variant_lookup(host, "host-memory-kib", "t", &mem));
    assert_true(g_variant_lookup(host, "host-memory-used-kib", "t", &rss));
    assert_true(rss > 0 && rss <= mem);

    g1 = entry(s->last, marina_dbus_domain_get_uuid(first));
    assert_non_null(g1);
    assert_true(g_variant_lookup(g1, "cpu-percent", "d", &pct));
    assert_true(pct >= 0 && pct <= 100.0 * 8);
    assert_true(g_variant_lookup(g1, "memory-rss-kib", "t", &rss));
    assert_true(g_variant_lookup(g1, "net-rx-bytes", "t", &net1));

    /* Counters grow from one interval to the next. */
    s->count = 0;
    for (int i = 0; i < 150 && s->count == 0; i++)
        harness_iterate(20);
    assert_true(s->count > 0);
    g1_later = entry(s->last, marina_dbus_domain_get_uuid(first));
    assert_true(g_variant_lookup(g1_later, "net-rx-bytes", "t", &net2));
    assert_true(net2 >= net1);
}

/* Preferences choose what is collected: only CPU, then everything again. */
static void
test_stats_collection_choice(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autoptr(MarinaDBusDomain) first = lookup(h, "guest-0001");
    g_autoptr(GError) error = NULL;
    const char *cpu_only[] = {"cpu", NULL};
    const char *bogus[] = {"cpu", "gpu", NULL};
    const char *all[] = {"cpu", "memory", "disk", "network", NULL};
    Stats *s;
    double pct;
    guint64 v;

    assert_false(marina_dbus_host_call_set_stats_collection_sync(h->host, bogus, NULL, &error));
    assert_non_null(strstr(error->message, "gpu"));
    g_clear_error(&error);

    assert_true(marina_dbus_host_call_set_stats_collection_sync(h->host, cpu_only, NULL, &error));
    s = watch_stats(f);
    /* Batches collected before the change may still be queued, and one
     * round may have been under way: the second batch finished after the
     * change was started after it. */
    s->since_us = g_get_real_time();
    for (int i = 0; i < 250 && s->count < 2; i++)
        harness_iterate(20);
    assert_true(s->count >= 2);
    {
        g_autoptr(GVariant) g1 = entry(s->last, marina_dbus_domain_get_uuid(first));
        assert_non_null(g1);
        assert_true(g_variant_lookup(g1, "cpu-percent", "d", &pct));
        assert_false(g_variant_lookup(g1, "disk-rd-bytes", "t", &v));
        assert_false(g_variant_lookup(g1, "net-rx-bytes", "t", &v));
        assert_false(g_variant_lookup(g1, "memory-rss-kib", "t", &v));
    }
    assert_true(marina_dbus_host_call_set_stats_collection_sync(h->host, all, NULL, &error));
    s->count = 0;
    s->since_us = g_get_real_time();
    for (int i = 0; i < 250 && s->count < 2; i++)
        harness_iterate(20);
    assert_true(s->count >= 2);
    {
        g_autoptr(GVariant) g1 = entry(s->last, marina_dbus_domain_get_uuid(first));
        assert_non_null(g1);
        assert_true(g_variant_lookup(g1, "disk-rd-bytes", "t", &v));
    }
}

static guint
count_signals(Fixture *f, int ms)
{
    Stats *s = watch_stats(f);

    harness_iterate(ms);
    return s->count;
}

static guint
stats_interval(Harness *h, GDBusConnection *conn)
{
    g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
        conn ? conn : h->conn, NULL, "/org/marinavm/Marina1", "org.freedesktop.DBus.Properties",
        "Get", g_variant_new("(ss)", "org.marinavm.Marina1.Host", "StatsInterval"), NULL,
        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
    g_autoptr(GVariant) value = NULL;

    assert_non_null(reply);
    g_variant_get(reply, "(v)", &value);
    return g_variant_get_uint32(value);
}

static void
test_set_stats_interval(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) other = NULL;
    g_autoptr(MarinaDBusHost) other_host = NULL;

    assert_false(marina_dbus_host_call_set_stats_interval_sync(h->host, 99, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    assert_false(marina_dbus_host_call_set_stats_interval_sync(h->host, 60001, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);

    assert_true(marina_dbus_host_call_set_stats_interval_sync(h->host, 200, NULL, &error));
    assert_int_equal(stats_interval(h, NULL), 200);
    assert_true(count_signals(f, 1500) >= 3); /* at the old 1000 ms, two at most */
    harness_iterate(100);
    assert_int_equal(marina_dbus_host_get_stats_interval(h->host), 200); /* notified */

    /* Another client: the smallest wish wins, until that client leaves. */
    other = harness_new_connection(h);
    other_host = marina_dbus_host_proxy_new_sync(other, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                                                 "/org/marinavm/Marina1", NULL, &error);
    assert_non_null(other_host);
    assert_true(marina_dbus_host_call_set_stats_interval_sync(other_host, 5000, NULL, &error));
    assert_int_equal(stats_interval(h, NULL), 200);
    assert_true(marina_dbus_host_call_set_stats_interval_sync(other_host, 150, NULL, &error));
    assert_int_equal(stats_interval(h, NULL), 150);
    g_clear_object(&other_host);
    g_dbus_connection_close_sync(other, NULL, NULL);
    for (int i = 0; i < 100 && stats_interval(h, NULL) != 200; i++)
        harness_iterate(20);
    assert_int_equal(stats_interval(h, NULL), 200);

    assert_true(marina_dbus_host_call_set_stats_interval_sync(h->host, 1000, NULL, &error));
}

static void
test_serial_console_echo(void **state)
{
    Harness *h = ((Fixture *)*state)->h;
    g_autoptr(MarinaDBusDomain) dom = lookup(h, "guest-0002");
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GString) late = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) idx = NULL;
    g_autoptr(GVariant) sb = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    int fd, fd2;

    fd = harness_open_serial(h, dom, acc);
    assert_non_null(strstr(acc->str, "test-guest login:"));
    assert_true(harness_type_and_wait(fd, acc, "root", "# ", 3000));
    assert_true(harness_type_and_wait(fd, acc, "echo marina-ok", "\r\nmarina-ok\r\n", 3000));
    /* A console opened later sees what came before. */
    fd2 = harness_open_serial(h, dom, late);
    assert_non_null(strstr(late->str, "marina-ok"));
    close(fd2);
    close(fd);

    assert_false(
        marina_dbus_domain_call_open_serial_sync(dom, 1, NULL, &idx, &sb, &fds, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
}

static void
expect_refused(const char *node_file, const char *words)
{
    const char *args[] = {"--driver", "test", "--test-file", node_file, NULL};
    g_autofree char *err = NULL;
    int status = harness_run_daemon_expect_exit(args, &err, 20000);

    if (status == 0 || status == -1 || strstr(err, words) == NULL)
        fail_msg("%s: status %d, stderr: %s (expected '%s')", node_file, status, err, words);
}

static void
test_hostile_node_files(void **state)
{
    Fixture *f = *state;
    g_autofree char *bomb = g_build_filename(f->dir, "bomb.xml", NULL);
    g_autofree char *root = g_build_filename(f->dir, "root.xml", NULL);
    g_autofree char *huge = g_build_filename(f->dir, "huge.xml", NULL);
    g_autofree char *runstate = g_build_filename(f->dir, "runstate.xml", NULL);
    g_autofree char *missing = g_build_filename(f->dir, "missing.xml", NULL);
    const char *no_file[] = {"--driver", "test", NULL};
    g_autofree char *err = NULL;
    int fd;

    assert_true(g_file_set_contents(
        bomb,
        "<?xml version='1.0'?>\n<!DOCTYPE node [\n <!ENTITY a 'aaaaaaaaaa'>\n"
        " <!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>\n <!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>\n"
        "]>\n<node><domain type='test'><name>&c;</name></domain></node>\n",
        -1, NULL));
    expect_refused(bomb, "entities");

    assert_true(g_file_set_contents(root, "<domain type='test'><name>x</name></domain>", -1, NULL));
    expect_refused(root, "<node>");

    fd = open(huge, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "<node>", 6), 6);
    assert_int_equal(ftruncate(fd, 70 * 1024 * 1024), 0);
    close(fd);
    expect_refused(huge, "larger than 64 MiB");

    assert_true(g_file_set_contents(
        runstate,
        "<node><domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
        "<name>x</name><memory>65536</memory><os><type>hvm</type></os>"
        "<test:runstate>9</test:runstate></domain></node>",
        -1, NULL));
    expect_refused(runstate, "runstate");
    expect_refused(missing, "Cannot read the test node file");

    assert_int_equal(harness_run_daemon_expect_exit(no_file, &err, 10000), 2);
    assert_non_null(strstr(err, "--test-file"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_counts_and_states),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_define_undefine_in_memory),
        cmocka_unit_test_teardown(test_stats_batch_with_host_entry, stop_watching),
        cmocka_unit_test_teardown(test_set_stats_interval, stop_watching),
        cmocka_unit_test_teardown(test_stats_collection_choice, stop_watching),
        cmocka_unit_test(test_serial_console_echo),
        cmocka_unit_test(test_hostile_node_files),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
