/* Live migration between two daemons ("hosts"), driven step by step through
 * the D-Bus methods as the client does (MIGRATION.md): Begin on the source,
 * Prepare on the destination, Perform (a job), Finish, Confirm. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "core/domain-state.h"
#include "core/error.h"
#include "harness.h"

typedef struct {
    Harness *src;
    Harness *dst;
    char *shared; /* a directory both hosts see at the same path */
} Hosts;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/* a{sv} from key, type, value triples ("b" gboolean, "t" guint64, "s"
 * string, "q" guint16 as int, "u" guint, "@" GVariant a{sv}), NULL-ended. */
static GVariant *
params(const char *key, ...)
{
    GVariantDict d;
    va_list ap;

    g_variant_dict_init(&d, NULL);
    va_start(ap, key);
    while (key != NULL) {
        const char *type = va_arg(ap, const char *);
        switch (type[0]) {
        case 'b':
            g_variant_dict_insert(&d, key, "b", va_arg(ap, gboolean));
            break;
        case 't':
            g_variant_dict_insert(&d, key, "t", va_arg(ap, guint64));
            break;
        case 's':
            g_variant_dict_insert(&d, key, "s", va_arg(ap, const char *));
            break;
        case 'q':
            g_variant_dict_insert(&d, key, "q", (guint16)va_arg(ap, int));
            break;
        case 'u':
            g_variant_dict_insert(&d, key, "u", va_arg(ap, guint));
            break;
        case '@':
            g_variant_dict_insert_value(&d, key, va_arg(ap, GVariant *));
            break;
        }
        key = va_arg(ap, const char *);
    }
    va_end(ap);
    return g_variant_ref_sink(g_variant_dict_end(&d));
}

static char *
make_disk(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    g_autofree char *cmd = g_strdup_printf("qemu-img create -q -f raw '%s' 16M", path);

    assert_int_equal(system(cmd), 0);
    return path;
}

static char *
guest_xml(const char *name, const char *disk)
{
    g_autofree char *dev =
        disk ? g_strdup_printf("    <disk type='file' device='disk'><driver name='qemu' "
                               "type='raw'/><source file='%s'/><target dev='vda' "
                               "bus='virtio'/></disk>\n",
                               disk)
             : NULL;

    return harness_guest_xml(name, dev);
}

/* Define and start @name on @h, wait for its shell and set X=@value there. */
static MarinaDBusDomain *
start_guest(Harness *h, const char *name, const char *disk, const char *value)
{
    g_autofree char *xml = guest_xml(name, disk);
    MarinaDBusDomain *dom = harness_define(h, xml);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *set = g_strdup_printf("X=%s; echo set-$X", value);
    g_autofree char *expect = g_strdup_printf("set-%s", value);
    int fd;

    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, "MARINA-GUEST-READY", 60000));
    assert_true(harness_type_and_wait(fd, acc, set, expect, 20000));
    close(fd);
    return dom;
}

/* The guest's shell on @h answers and still has X=@value. */
static void
assert_guest_answers(Harness *h, const char *path, const char *value)
{
    g_autoptr(MarinaDBusDomain) dom = harness_domain(h, NULL, path);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autofree char *expect = g_strdup_printf("got-%s", value);
    int fd = harness_open_serial(h, dom, acc);

    assert_true(harness_type_and_wait(fd, acc, "echo got-$X", expect, 20000));
    close(fd);
}

static gboolean
has_guest(Harness *h, const char *name)
{
    g_autofree char *path = NULL;

    return marina_dbus_host_call_lookup_domain_sync(h->host, name, &path, NULL, NULL);
}

/* Any QEMU process whose command line names @uuid. */
static gboolean
qemu_running(const char *uuid)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *name;

    while ((name = g_dir_read_name(proc)) != NULL) {
        g_autofree char *path = g_build_filename("/proc", name, "cmdline", NULL);
        g_autofree char *text = NULL;
        gsize len;

        if (!g_ascii_isdigit(name[0]) || !g_file_get_contents(path, &text, &len, NULL))
            continue;
        for (gsize i = 0; i + 1 < len; i++)
            if (text[i] == '\0')
                text[i] = ' ';
        if (strstr(text, "qemu-system") != NULL && strstr(text, uuid) != NULL)
            return TRUE;
    }
    return FALSE;
}

static gboolean
wait_no_qemu(const char *uuid, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (qemu_running(uuid)) {
        if (g_get_monotonic_time() > end)
            return FALSE;
        harness_iterate(50);
    }
    return TRUE;
}

/* ---- Tunnelled streams: the test is the client and relays them -------- */

typedef struct {
    int a, b;
} Pipe2;

static gpointer
relay_thread(gpointer data)
{
    Pipe2 *p = data;
    gboolean open_a = TRUE, open_b = TRUE;
    char buf[65536];

    while (open_a || open_b) {
        struct pollfd fds[2] = {{.fd = open_a ? p->a : -1, .events = POLLIN},
                                {.fd = open_b ? p->b : -1, .events = POLLIN}};
        if (poll(fds, 2, 1000) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            int from = i == 0 ? p->a : p->b, to = i == 0 ? p->b : p->a;
            gboolean *open = i == 0 ? &open_a : &open_b;
            ssize_t n;

            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(from, buf, sizeof buf);
            if (n <= 0) {
                *open = FALSE;
                shutdown(to, SHUT_WR);
                continue;
            }
            for (ssize_t done = 0; done < n;) {
                ssize_t w = send(to, buf + done, n - done, MSG_NOSIGNAL);
                if (w <= 0) {
                    open_a = open_b = FALSE;
                    break;
                }
                done += w;
            }
        }
    }
    close(p->a);
    close(p->b);
    g_free(p);
    return NULL;
}

static int
open_stream(Harness *h, const char *token, guint index)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) handle = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    int fd;

    if (!marina_dbus_host_call_open_migration_stream_sync(h->host, token, index, NULL, &handle,
                                                          &fds, NULL, &error))
        fprintf(stderr, "OpenMigrationStream: %s\n", error->message);
    assert_non_null(fds);
    fd = g_unix_fd_list_get(fds, g_variant_get_handle(handle), NULL);
    assert_true(fd >= 0);
    return fd;
}

/* ---- One migration, step by step --------------------------------------- */

typedef struct {
    gboolean tunnelled;
    gboolean copy;
    gboolean persistent;
    gboolean undefine;
    guint64 bandwidth;
    /* Called once the job runs (cancel, kill...); may be NULL. */
    void (*meanwhile)(Hosts *hosts, MarinaDBusDomain *dom, const char *token, gpointer data);
    gpointer data;
} Plan;

/* The job at @path on @h to its end: TRUE when it succeeded; @message gets
 * the error otherwise. */
static gboolean
wait_job(Harness *h, const char *path, char **message, int timeout_ms)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusJob) job = marina_dbus_job_proxy_new_sync(
        h->conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, path, NULL, &error);
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    assert_non_null(job);
    for (;;) {
        const char *phase = marina_dbus_job_get_phase(job);
        if (g_strcmp0(phase, "done") == 0)
            return TRUE;
        if (g_strcmp0(phase, "failed") == 0 || g_strcmp0(phase, "cancelled") == 0) {
            if (message != NULL)
                *message = g_strdup(marina_dbus_job_get_error(job));
            return FALSE;
        }
        if (g_get_monotonic_time() > end) {
            if (message != NULL)
                *message = g_strdup("timeout");
            return FALSE;
        }
        harness_iterate(20);
    }
}

/* Migrate @dom from hosts->src to hosts->dst. Returns the guest's path on
 * the destination, or NULL (after the client's rollback) with @message. */
static char *
migrate(Hosts *hosts, Harness *src, Harness *dst, MarinaDBusDomain *dom, const Plan *plan,
        char **message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) p = params("live", "b", TRUE, "persistent", "b", plan->persistent,
                                   "copy-storage", "b", plan->copy, "tunnelled", "b",
                                   plan->tunnelled, "undefine-source", "b", plan->undefine, NULL);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) prep = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) perf = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *token = NULL;
    g_autofree char *job = NULL;
    g_autofree char *path = NULL;
    const char *address = "";
    guint16 port = 0;
    guint streams = 0;
    gboolean ok;

    if (!marina_dbus_domain_call_migrate_begin_sync(dom, p, &xml, &info, NULL, &error)) {
        *message = g_strdup(error->message);
        return NULL;
    }
    prep = params("live", "b", TRUE, "persistent", "b", plan->persistent, "copy-storage", "b",
                  plan->copy, "tunnelled", "b", plan->tunnelled, "source-host", "s", "src-host",
                  "info", "@", info, NULL);
    if (!marina_dbus_host_call_migrate_prepare_sync(dst->host, xml, prep, &token, &reply, NULL,
                                                    &error)) {
        *message = g_strdup(error->message);
        return NULL;
    }
    g_variant_lookup(reply, "address", "&s", &address);
    g_variant_lookup(reply, "port", "q", &port);
    g_variant_lookup(reply, "streams", "u", &streams);
    assert_int_equal(streams, plan->copy ? 2 : 1);
    assert_true(plan->tunnelled ? port == 0 : port >= 49152);
    perf = params("live", "b", TRUE, "persistent", "b", plan->persistent, "copy-storage", "b",
                  plan->copy, "tunnelled", "b", plan->tunnelled, "undefine-source", "b",
                  plan->undefine, "address", "s", *address ? address : "127.0.0.1", "port", "q",
                  (int)port, "streams", "u", streams, "bandwidth", "t", plan->bandwidth, NULL);
    if (!marina_dbus_domain_call_migrate_perform_sync(dom, token, perf, &job, NULL, &error)) {
        *message = g_strdup(error->message);
        marina_dbus_host_call_migrate_finish_sync(dst->host, token, FALSE, NULL, NULL, NULL);
        return NULL;
    }
    if (plan->tunnelled) {
        for (guint i = 0; i < streams; i++) {
            Pipe2 *pipe = g_new0(Pipe2, 1);
            pipe->a = open_stream(src, token, i);
            pipe->b = open_stream(dst, token, i);
            g_thread_unref(g_thread_new("relay", relay_thread, pipe));
        }
    }
    if (plan->meanwhile != NULL)
        plan->meanwhile(hosts, dom, token, plan->data);
    ok = wait_job(src, job, message, 120000);
    if (ok &&
        marina_dbus_host_call_migrate_finish_sync(dst->host, token, TRUE, &path, NULL, &error) &&
        marina_dbus_domain_call_migrate_confirm_sync(dom, token, TRUE, NULL, &error))
        return g_steal_pointer(&path);
    if (ok)
        *message = g_strdup(error ? error->message : "?");
    /* The client's rollback: each side ignores "no such migration". */
    if (dst->host != NULL)
        marina_dbus_host_call_migrate_finish_sync(dst->host, token, FALSE, NULL, NULL, NULL);
    marina_dbus_domain_call_migrate_confirm_sync(dom, token, FALSE, NULL, NULL);
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

/* Live, shared storage, direct: the guest runs on the destination with its
 * shell state; the source keeps it defined, shut off (reason migrated).
 * Then back, tunnelled through this test's relay, undefining the source. */
static void
test_live_shared_and_back_tunnelled(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "live.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-live", disk, "42");
    g_autoptr(MarinaDBusDomain) back = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    g_autofree char *path2 = NULL;
    Plan plan = {.persistent = TRUE};
    guint reason = 0;

    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    if (path == NULL)
        fprintf(stderr, "migration failed: %s\n", message);
    assert_non_null(path);
    back = harness_domain(hosts->dst, NULL, path);
    assert_int_equal(harness_wait_state(back, MARINA_DOMAIN_RUNNING, 5000, &reason),
                     MARINA_DOMAIN_RUNNING);
    assert_int_equal(reason, MARINA_RUNNING_MIGRATED);
    assert_true(marina_dbus_domain_get_persistent(back));
    assert_guest_answers(hosts->dst, path, "42");
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 10000, &reason),
                     MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(reason, MARINA_SHUTOFF_MIGRATED);

    /* Back, tunnelled; the source's stale definition goes first (the name
     * is taken there otherwise) and the destination's with undefine-source. */
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
    plan = (Plan){.tunnelled = TRUE, .undefine = TRUE};
    path2 = migrate(hosts, hosts->dst, hosts->src, back, &plan, &message);
    if (path2 == NULL)
        fprintf(stderr, "migration back failed: %s\n", message);
    assert_non_null(path2);
    assert_guest_answers(hosts->src, path2, "42");
    assert_false(has_guest(hosts->dst, "mig-live"));
    {
        g_autoptr(MarinaDBusDomain) home = harness_domain(hosts->src, NULL, path2);
        /* Not persistent: the first hop was defined, this one a temporary move. */
        assert_false(marina_dbus_domain_get_persistent(home));
        assert_true(marina_dbus_domain_call_destroy_sync(home, NULL, &error));
    }
}

/* ---------------------------------------------------------------------- */

static int
setup(void **state)
{
    Hosts *hosts = g_new0(Hosts, 1);

    hosts->src = harness_new();
    hosts->dst = harness_new();
    hosts->shared = g_dir_make_tmp("mig-shared-XXXXXX", NULL);
    assert_non_null(hosts->shared);
    *state = hosts;
    return 0;
}

static int
teardown(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", hosts->shared);

    harness_free(hosts->src);
    harness_free(hosts->dst);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", hosts->shared);
    g_free(hosts->shared);
    g_free(hosts);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_shared_and_back_tunnelled),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
