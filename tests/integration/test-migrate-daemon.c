/* Live migration between two daemons ("hosts"), driven step by step through
 * the D-Bus methods as the client does (MIGRATION.md): Begin on the source,
 * Prepare on the destination, Perform (a job), Finish, Confirm. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

/* Any QEMU process of host @h (its log, stderr, is in @h's directory)
 * whose command line names @uuid. */
static gboolean
qemu_running(Harness *h, const char *uuid)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *name;

    while ((name = g_dir_read_name(proc)) != NULL) {
        g_autofree char *path = g_build_filename("/proc", name, "cmdline", NULL);
        g_autofree char *err = g_build_filename("/proc", name, "fd", "2", NULL);
        g_autofree char *log = NULL;
        g_autofree char *text = NULL;
        gsize len;

        if (!g_ascii_isdigit(name[0]) || !g_file_get_contents(path, &text, &len, NULL))
            continue;
        for (gsize i = 0; i + 1 < len; i++)
            if (text[i] == '\0')
                text[i] = ' ';
        if (strstr(text, "qemu-system") == NULL || strstr(text, uuid) == NULL)
            continue;
        log = g_file_read_link(err, NULL);
        if (log != NULL && g_str_has_prefix(log, h->dir))
            return TRUE;
    }
    return FALSE;
}

static gboolean
wait_no_qemu(Harness *h, const char *uuid, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (qemu_running(h, uuid)) {
        if (g_get_monotonic_time() > end)
            return FALSE;
        harness_iterate(50);
    }
    return TRUE;
}

/* kill -9 the daemon of @h while its client is still connected (the
 * harness closes the connection first, which the daemon would see as its
 * client going away), then forget the connection. */
static void
kill_daemon(Harness *h)
{
    int status;

    assert_int_equal(kill(h->daemon_pid, SIGKILL), 0);
    waitpid(h->daemon_pid, &status, 0);
    h->daemon_pid = 0;
    harness_stop_daemon(h, SIGKILL);
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
    gboolean offline;
    gboolean paused_move; /* live = false */
    gboolean postcopy;
    gboolean auto_converge;
    guint64 max_downtime_ms;
    guint64 bandwidth;
    /* Called once the job runs (cancel, kill...); may be NULL. */
    void (*meanwhile)(Hosts *hosts, MarinaDBusDomain *dom, const char *token, gpointer data);
    gpointer data;
    GVariant *reply; /* out: Prepare's reply (the caller unrefs) */
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
migrate(Hosts *hosts, Harness *src, Harness *dst, MarinaDBusDomain *dom, Plan *plan, char **message)
{
    g_autoptr(GError) error = NULL;
    gboolean live = !plan->paused_move;
    g_autoptr(GVariant) p = params("live", "b", live, "persistent", "b", plan->persistent,
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
    prep = params("live", "b", live, "persistent", "b", plan->persistent, "copy-storage", "b",
                  plan->copy, "tunnelled", "b", plan->tunnelled, "postcopy", "b", plan->postcopy,
                  "source-host", "s", "src-host", "info", "@", info, NULL);
    if (!marina_dbus_host_call_migrate_prepare_sync(dst->host, xml, prep, &token, &reply, NULL,
                                                    &error)) {
        *message = g_strdup(error->message);
        return NULL;
    }
    plan->reply = g_variant_ref(reply);
    g_variant_lookup(reply, "address", "&s", &address);
    g_variant_lookup(reply, "port", "q", &port);
    g_variant_lookup(reply, "streams", "u", &streams);
    assert_int_equal(streams, plan->copy ? 2 : plan->offline ? 0 : 1);
    assert_true(plan->tunnelled || streams == 0 ? port == 0 : port >= 49152);
    perf = params("live", "b", live, "persistent", "b", plan->persistent, "copy-storage", "b",
                  plan->copy, "tunnelled", "b", plan->tunnelled, "undefine-source", "b",
                  plan->undefine, "address", "s", *address ? address : "127.0.0.1", "port", "q",
                  (int)port, "streams", "u", streams, "bandwidth", "t", plan->bandwidth, "postcopy",
                  "b", plan->postcopy, "auto-converge", "b", plan->auto_converge, "max-downtime-ms",
                  "t", plan->max_downtime_ms, NULL);
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

/* Copied storage: the disk is mirrored into a new volume in the
 * destination's default pool, with what the guest wrote to it. */
static void
test_copy_storage(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *dir = g_dir_make_tmp("mig-own-XXXXXX", NULL);
    g_autofree char *disk = make_disk(dir, "copied.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-copy", disk, "77");
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    g_autofree char *contents = NULL;
    g_autoptr(GError) error = NULL;
    const char *new_disk = NULL;
    Plan plan = {.copy = TRUE, .undefine = TRUE};
    int fd = harness_open_serial(hosts->src, dom, acc);

    assert_true(harness_type_and_wait(fd, acc, "printf diskmark-77 > /dev/vda; sync; echo synced",
                                      "\nsynced", 20000));
    close(fd);
    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    if (path == NULL)
        fprintf(stderr, "migration failed: %s\n", message);
    assert_non_null(path);
    assert_guest_answers(hosts->dst, path, "77");
    {
        g_autoptr(GVariant) paths = g_variant_lookup_value(plan.reply, "disk-paths", NULL);
        assert_true(g_variant_lookup(paths, "vda", "&s", &new_disk));
        assert_string_not_equal(new_disk, disk);
        assert_true(g_str_has_prefix(new_disk, hosts->dst->state_dir));
        assert_true(g_file_get_contents(new_disk, &contents, NULL, &error));
        assert_memory_equal(contents, "diskmark-77", 11);
    }
    /* A temporary move with undefine-source: the source lists it no more. */
    assert_false(has_guest(hosts->src, "mig-copy"));
    {
        g_autoptr(MarinaDBusDomain) moved = harness_domain(hosts->dst, NULL, path);
        assert_false(marina_dbus_domain_get_persistent(moved));
        assert_true(marina_dbus_domain_call_destroy_sync(moved, NULL, &error));
    }
    g_variant_unref(plan.reply);
    g_unlink(disk);
    g_rmdir(dir);
}

/* ---- Failure: nothing lost ---------------------------------------------- */

/* Once some of the guest has moved, @data says what to do. */
static void
wait_some_progress(MarinaDBusDomain *dom)
{
    gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < end) {
        g_autoptr(GVariant) info = NULL;
        guint64 done = 0;
        const char *phase = "";

        assert_true(marina_dbus_domain_call_get_job_info_sync(dom, &info, NULL, NULL));
        g_variant_lookup(info, "data-processed", "t", &done);
        g_variant_lookup(info, "phase", "&s", &phase);
        if (done > 0 && (g_str_equal(phase, "memory") || g_str_equal(phase, "storage")))
            return;
        harness_iterate(50);
    }
    fail_msg("the migration made no progress");
}

static void
abort_meanwhile(Hosts *hosts, MarinaDBusDomain *dom, const char *token, gpointer data)
{
    g_autoptr(GError) error = NULL;

    wait_some_progress(dom);
    assert_true(marina_dbus_domain_call_abort_job_sync(dom, NULL, &error));
}

/* The destination's QEMU dies (not its daemon). */
static void
kill_qemu_meanwhile(Hosts *hosts, MarinaDBusDomain *dom, const char *token, gpointer data)
{
    g_autofree char *path = NULL;
    g_autoptr(MarinaDBusDomain) there = NULL;
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GError) error = NULL;
    gint32 pid = 0;

    wait_some_progress(dom);
    assert_true(marina_dbus_host_call_lookup_domain_sync(
        hosts->dst->host, marina_dbus_domain_get_name(dom), &path, NULL, &error));
    there = harness_domain(hosts->dst, NULL, path);
    assert_true(marina_dbus_domain_call_get_info_sync(there, &info, NULL, &error));
    assert_true(g_variant_lookup(info, "pid", "i", &pid));
    assert_true(pid > 1);
    assert_int_equal(kill(pid, SIGKILL), 0);
}

static void
kill_meanwhile(Hosts *hosts, MarinaDBusDomain *dom, const char *token, gpointer data)
{
    wait_some_progress(dom);
    kill_daemon(hosts->dst);
}

/* The guest runs on at the source, answering; the destination keeps no
 * guest, no QEMU, no volume. */
static void
assert_nothing_lost(Hosts *hosts, MarinaDBusDomain *dom, const char *value, const char *volume)
{
    g_autofree char *images = g_build_filename(hosts->dst->state_dir, "images", volume, NULL);
    /* A copy: the proxy's cached property goes when the guest's properties
     * change while this test waits. */
    g_autofree char *uuid = marina_dbus_domain_dup_uuid(dom);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autofree char *expect = g_strdup_printf("got-%s", value);
    guint reason = 0;
    int fd;

    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 10000, &reason),
                     MARINA_DOMAIN_RUNNING);
    fd = harness_open_serial(hosts->src, dom, acc);
    assert_true(harness_type_and_wait(fd, acc, "echo got-$X", expect, 20000));
    close(fd);
    assert_true(wait_no_qemu(hosts->dst, uuid, 15000));
    assert_false(has_guest(hosts->dst, marina_dbus_domain_get_name(dom)));
    if (volume != NULL)
        assert_false(g_file_test(images, G_FILE_TEST_EXISTS));
    assert_int_equal(harness_count_definitions(hosts->dst), 0);
}

/* Cancel half-way through a copy (bandwidth limited so there is time). */
static void
test_cancel_half_way(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *dir = g_dir_make_tmp("mig-own-XXXXXX", NULL);
    g_autofree char *disk = make_disk(dir, "cancel.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-cancel", disk, "5");
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    Plan plan = {.copy = TRUE, .bandwidth = 512 * 1024, .meanwhile = abort_meanwhile};

    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    assert_null(path);
    assert_non_null(strstr(message, "cancelled"));
    assert_nothing_lost(hosts, dom, "5", "cancel.img");
    g_clear_pointer(&plan.reply, g_variant_unref);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    g_unlink(disk);
    g_rmdir(dir);
}

static void
abort_soon(Hosts *hosts, MarinaDBusDomain *dom, const char *token, gpointer data)
{
    g_autoptr(GError) error = NULL;

    g_usleep(GPOINTER_TO_UINT(data) * 1000);
    /* The job may have ended already (nothing to abort): that is fine too. */
    marina_dbus_domain_call_abort_job_sync(dom, NULL, &error);
}

/* Cancelled at once, with no bandwidth limit: the cancel may come while
 * QEMU's "migrate" is on its way. That migration must be cancelled too, or
 * QEMU sends the guest unwatched and leaves it paused here (postmigrate)
 * while the daemon says it runs. A few delays, to land before and after. */
static void
test_cancel_at_once(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "atonce.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-atonce", disk, "8");
    g_autoptr(GError) error = NULL;
    static const guint delays_ms[] = {0, 10, 30, 60};

    for (guint i = 0; i < G_N_ELEMENTS(delays_ms); i++) {
        g_autofree char *message = NULL;
        g_autofree char *path = NULL;
        Plan plan = {.meanwhile = abort_soon, .data = GUINT_TO_POINTER(delays_ms[i])};

        path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
        g_clear_pointer(&plan.reply, g_variant_unref);
        if (path != NULL) {
            /* It was faster than the cancel: bring it back for the next round. */
            g_autoptr(MarinaDBusDomain) there = harness_domain(hosts->dst, NULL, path);
            g_autofree char *back = NULL;
            Plan home = {0};

            assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
            back = migrate(hosts, hosts->dst, hosts->src, there, &home, &message);
            g_clear_pointer(&home.reply, g_variant_unref);
            assert_non_null(back);
            g_object_unref(dom);
            dom = harness_domain(hosts->src, NULL, back);
            continue;
        }
        /* Long enough for an unwatched migration to have completed. */
        harness_iterate(1500);
        assert_nothing_lost(hosts, dom, "8", NULL);
    }
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

/* The destination daemon dies half-way: the stream breaks, the source
 * keeps its guest, and the destination's QEMU goes with its daemon. */
static void
test_destination_killed(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "killed.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-killed", disk, "9");
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    g_autofree char *uuid = NULL;
    Plan plan = {.bandwidth = 1024 * 1024, .meanwhile = kill_meanwhile};

    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    assert_null(path);
    g_clear_pointer(&plan.reply, g_variant_unref);
    uuid = marina_dbus_domain_dup_uuid(dom); /* see assert_nothing_lost */
    assert_true(wait_no_qemu(hosts->dst, uuid, 15000));
    harness_start_daemon(hosts->dst);
    harness_connect(hosts->dst);
    assert_nothing_lost(hosts, dom, "9", NULL);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

/* The destination's QEMU is killed half-way: the same. */
static void
test_destination_qemu_dies(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "dies.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-dies", disk, "17");
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    Plan plan = {.bandwidth = 1024 * 1024, .meanwhile = kill_qemu_meanwhile};

    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    assert_null(path);
    g_clear_pointer(&plan.reply, g_variant_unref);
    assert_nothing_lost(hosts, dom, "17", NULL);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

/* The destination daemon dies after Prepare, before any stream came: its
 * QEMU waits for a guest that never comes. The daemon, started again,
 * removes it and the volume made for it. */
static void
test_destination_restart_after_prepare(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *dir = g_dir_make_tmp("mig-own-XXXXXX", NULL);
    g_autofree char *disk = make_disk(dir, "orphan.img");
    g_autofree char *xml = guest_xml("mig-orphan", disk);
    g_autofree char *images = g_build_filename(hosts->dst->state_dir, "images", "orphan.img", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(hosts->src, xml);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) prep = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *out_xml = NULL;
    g_autofree char *token = NULL;
    /* A copy: the proxy's cached property goes when the guest's properties
     * change while this test waits. */
    g_autofree char *uuid = marina_dbus_domain_dup_uuid(dom);

    /* Begin needs a running guest for a live move; the info is made here. */
    {
        g_autoptr(GVariant) disks = NULL;
        GVariantDict d, i;
        GVariantBuilder b;

        g_variant_dict_init(&d, NULL);
        g_variant_dict_insert(&d, "target", "s", "vda");
        g_variant_dict_insert(&d, "path", "s", disk);
        g_variant_dict_insert(&d, "format", "s", "raw");
        g_variant_dict_insert(&d, "capacity", "t", (guint64)16 << 20);
        g_variant_dict_insert(&d, "volume", "s", "orphan.img");
        g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
        g_variant_builder_add_value(&b, g_variant_dict_end(&d));
        g_variant_dict_init(&i, NULL);
        g_variant_dict_insert(&i, "state", "u", (guint)MARINA_DOMAIN_RUNNING);
        g_variant_dict_insert_value(&i, "disks", g_variant_builder_end(&b));
        info = g_variant_ref_sink(g_variant_dict_end(&i));
    }
    prep = params("copy-storage", "b", TRUE, "info", "@", info, NULL);
    /* The definition with its UUID, as MigrateBegin gives it. */
    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 0, &out_xml, NULL, &error));
    assert_true(marina_dbus_host_call_migrate_prepare_sync(hosts->dst->host, out_xml, prep, &token,
                                                           &reply, NULL, &error));
    assert_true(g_file_test(images, G_FILE_TEST_EXISTS));
    assert_true(qemu_running(hosts->dst, uuid));
    kill_daemon(hosts->dst);
    assert_true(qemu_running(hosts->dst, uuid));
    harness_start_daemon(hosts->dst);
    harness_connect(hosts->dst);
    assert_true(wait_no_qemu(hosts->dst, uuid, 15000));
    assert_false(g_file_test(images, G_FILE_TEST_EXISTS));
    harness_iterate(200);
    assert_false(has_guest(hosts->dst, "mig-orphan"));
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
    g_unlink(disk);
    g_rmdir(dir);
}

/* A shut-off guest: only its definition moves. */
static void
test_offline(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *xml = guest_xml("mig-offline", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(hosts->src, xml);
    g_autoptr(MarinaDBusDomain) moved = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    Plan plan = {.persistent = TRUE, .undefine = TRUE, .offline = TRUE};

    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    if (path == NULL)
        fprintf(stderr, "offline migration failed: %s\n", message);
    assert_non_null(path);
    g_clear_pointer(&plan.reply, g_variant_unref);
    moved = harness_domain(hosts->dst, NULL, path);
    assert_true(marina_dbus_domain_get_persistent(moved));
    assert_int_equal(marina_dbus_domain_get_state(moved), MARINA_DOMAIN_SHUTOFF);
    assert_false(has_guest(hosts->src, "mig-offline"));
    assert_true(marina_dbus_domain_call_undefine_sync(moved, 0, NULL, &error));
}

/* A shut-off guest with copy-storage: its disk is written into a new volume
 * there (qemu-img through the stream into a qemu-nbd), the definition
 * names the new path. */
static void
test_offline_copy(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *dir = g_dir_make_tmp("mig-own-XXXXXX", NULL);
    g_autofree char *disk = make_disk(dir, "cold.img");
    g_autofree char *xml = guest_xml("mig-cold", disk);
    g_autoptr(MarinaDBusDomain) dom = harness_define(hosts->src, xml);
    g_autoptr(MarinaDBusDomain) moved = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    g_autofree char *contents = NULL;
    g_autofree char *moved_xml = NULL;
    g_autoptr(GVariant) paths = NULL;
    const char *new_disk = NULL;
    Plan plan = {.persistent = TRUE, .undefine = TRUE, .offline = TRUE, .copy = TRUE};
    int fd = open(disk, O_WRONLY);

    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "cold-mark", 9, 4096), 9);
    close(fd);
    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    if (path == NULL)
        fprintf(stderr, "offline copy failed: %s\n", message);
    assert_non_null(path);
    paths = g_variant_lookup_value(plan.reply, "disk-paths", NULL);
    assert_true(g_variant_lookup(paths, "vda", "&s", &new_disk));
    assert_true(g_str_has_prefix(new_disk, hosts->dst->state_dir));
    assert_true(g_file_get_contents(new_disk, &contents, NULL, &error));
    assert_memory_equal(contents + 4096, "cold-mark", 9);
    moved = harness_domain(hosts->dst, NULL, path);
    assert_true(marina_dbus_domain_get_persistent(moved));
    assert_true(marina_dbus_domain_call_get_xml_sync(moved, 0, &moved_xml, NULL, &error));
    assert_non_null(strstr(moved_xml, new_disk));
    assert_false(has_guest(hosts->src, "mig-cold"));
    assert_true(marina_dbus_domain_call_undefine_sync(moved, 0, NULL, &error));
    g_clear_pointer(&plan.reply, g_variant_unref);
    g_unlink(new_disk);
    g_unlink(disk);
    g_rmdir(dir);
}

/* ---- Checks before anything moves --------------------------------------- */

static GVariant *
running_info(void)
{
    return params("state", "u", (guint)MARINA_DOMAIN_RUNNING, NULL);
}

/* Prepare on @h refuses @xml with a message holding @expect. */
static void
assert_prepare_refused(Harness *h, const char *xml, gboolean copy, const char *expect)
{
    g_autoptr(GVariant) info = running_info();
    g_autoptr(GVariant) p = params("copy-storage", "b", copy, "info", "@", info, NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL;
    g_autoptr(GVariant) reply = NULL;

    assert_false(
        marina_dbus_host_call_migrate_prepare_sync(h->host, xml, p, &token, &reply, NULL, &error));
    assert_non_null(error);
    if (strstr(error->message, expect) == NULL)
        fprintf(stderr, "expected '%s' in: %s\n", expect, error->message);
    assert_non_null(strstr(error->message, expect));
    assert_non_null(strstr(error->message, "Cannot migrate"));
}

/* Replace the first @from in @xml with @to. */
static char *
edit(const char *xml, const char *from, const char *to)
{
    const char *at = strstr(xml, from);

    assert_non_null(at);
    return g_strdup_printf("%.*s%s%s", (int)(at - xml), xml, to, at + strlen(from));
}

static void
test_checks(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *base = guest_xml("mig-check", NULL);
    g_autofree char *taken = guest_xml("mig-taken", NULL);
    g_autofree char *bridge =
        edit(base, "</devices>",
             "<interface type='bridge'><source bridge='nobr0'/></interface></devices>");
    g_autofree char *network =
        edit(base, "</devices>",
             "<interface type='network'><source network='nonet'/></interface></devices>");
    g_autofree char *machine = edit(base, "machine='pc'", "machine='pc-i440fx-0.1-nosuch'");
    g_autofree char *cpu =
        edit(base, "<features>", "<cpu mode='custom'><model>NoSuchCPU</model></cpu><features>");
    g_autofree char *gone = edit(base, "</devices>",
                                 "<disk type='file' device='disk'><source "
                                 "file='/nonexistent/x.img'/><target dev='vda' "
                                 "bus='virtio'/></disk></devices>");
    g_autoptr(MarinaDBusDomain) there = harness_define(hosts->dst, taken);
    g_autoptr(GError) error = NULL;

    assert_prepare_refused(hosts->dst, taken, FALSE, "already there");
    assert_prepare_refused(hosts->dst, bridge, FALSE, "bridge 'nobr0' does not exist there");
    assert_prepare_refused(hosts->dst, network, FALSE, "network 'nonet' does not exist there");
    assert_prepare_refused(hosts->dst, machine, FALSE, "machine type 'pc-i440fx-0.1-nosuch'");
    assert_prepare_refused(hosts->dst, cpu, FALSE, "CPU model 'NoSuchCPU'");
    assert_prepare_refused(hosts->dst, gone, FALSE, "is not reachable there");
    assert_true(marina_dbus_domain_call_undefine_sync(there, 0, NULL, &error));
    /* Nothing was made for any of them. */
    assert_int_equal(harness_count_definitions(hosts->dst), 0);
    assert_false(has_guest(hosts->dst, "mig-check"));
}

/* A guest on the virtual network 'default' (both session daemons have it)
 * moves live and answers there; a network the destination has but does not
 * run is refused, naming it and how to start it. */
static void
test_network_guest(void **state)
{
    Hosts *hosts = *state;
    const char *nic = "<interface type='network'><source network='default'/>"
                      "<mac address='52:54:00:4d:16:01'/><model type='virtio'/></interface></devices>";
    g_autofree char *base = guest_xml("mig-net", NULL);
    g_autofree char *xml = edit(base, "</devices>", nic);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(MarinaDBusDomain) moved = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    g_autofree char *net_path = NULL;
    g_autofree char *stopped = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    Plan plan = {.persistent = TRUE, .undefine = TRUE};
    guint reason = 0;
    int fd;

    dom = harness_define(hosts->src, xml);
    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    fd = harness_open_serial(hosts->src, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, "MARINA-GUEST-READY", 60000));
    assert_true(harness_type_and_wait(fd, acc, "X=7; echo set-$X", "set-7", 20000));
    close(fd);

    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    if (path == NULL)
        fprintf(stderr, "migration failed: %s\n", message);
    assert_non_null(path);
    moved = harness_domain(hosts->dst, NULL, path);
    assert_int_equal(harness_wait_state(moved, MARINA_DOMAIN_RUNNING, 5000, &reason),
                     MARINA_DOMAIN_RUNNING);
    assert_guest_answers(hosts->dst, path, "7");
    assert_true(marina_dbus_domain_call_destroy_sync(moved, NULL, &error));
    assert_true(marina_dbus_domain_call_undefine_sync(moved, 0, NULL, &error));

    /* Defined but not running on the destination. */
    assert_true(marina_dbus_host_call_define_network_sync(
        hosts->dst->host, "<network><name>mig-lab</name><bridge name='mnetmig0'/></network>",
        &net_path, &warnings, NULL, &error));
    stopped = edit(xml, "network='default'", "network='mig-lab'");
    assert_prepare_refused(hosts->dst, stopped, FALSE, "network 'mig-lab' is not active there");
    assert_prepare_refused(hosts->dst, stopped, FALSE, "net-start mig-lab");
    {
        g_autoptr(MarinaDBusNetwork) net = marina_dbus_network_proxy_new_sync(
            hosts->dst->conn, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, NULL, net_path, NULL,
            &error);

        assert_non_null(net);
        assert_true(marina_dbus_network_call_undefine_sync(net, NULL, &error));
    }
    assert_false(has_guest(hosts->dst, "mig-net"));
}

/* A destination whose marinad.conf says @conf. */
static Harness *
host_with_config(const char *conf)
{
    g_autofree char *file = NULL;
    g_autofree char *dir = g_dir_make_tmp("mig-conf-XXXXXX", NULL);
    const char *args[] = {"--config", NULL, NULL};
    Harness *h;

    file = g_build_filename(dir, "marinad.conf", NULL);
    assert_true(g_file_set_contents(file, conf, -1, NULL));
    args[1] = file;
    h = harness_new_with_args(args);
    g_unlink(file);
    g_rmdir(dir);
    return h;
}

static void
test_check_memory(void **state)
{
    Harness *dst = host_with_config("[marinad]\nmin-mem=4000000000\n");
    g_autofree char *xml = guest_xml("mig-mem", NULL);

    assert_prepare_refused(dst, xml, FALSE, "not enough memory there");
    harness_free(dst);
}

/* hosts-allow: the handshake is refused with the destination's reason,
 * the source's job fails with it, and the guest runs on. */
static void
test_hosts_allow(void **state)
{
    Hosts *hosts = *state;
    Harness *dst = host_with_config("[marinad]\nmigration-hosts-allow=^10\\.9\\.9\\.9$\n");
    g_autofree char *disk = make_disk(hosts->shared, "allow.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-allow", disk, "3");
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    Plan plan = {0};

    path = migrate(hosts, hosts->src, dst, dom, &plan, &message);
    assert_null(path);
    g_clear_pointer(&plan.reply, g_variant_unref);
    if (strstr(message, "host 127.0.0.1 is not allowed") == NULL)
        fprintf(stderr, "message: %s\n", message);
    assert_non_null(
        strstr(message, "host 127.0.0.1 is not allowed to migrate guests to this host"));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, NULL),
                     MARINA_DOMAIN_RUNNING);
    assert_false(has_guest(dst, "mig-allow"));
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    harness_free(dst);
}

/* A destination that cannot see the source's image directory (its own
 * mount namespace, a tmpfs over it): shared storage is refused there. */
static void
test_disk_not_visible(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *wrapper_dir = g_dir_make_tmp("mig-ns-XXXXXX", NULL);
    g_autofree char *wrapper = g_build_filename(wrapper_dir, "marinad-ns", NULL);
    g_autofree char *real = g_strdup(g_getenv("MARINAD"));
    g_autofree char *script = g_strdup_printf(
        "#!/bin/sh\nexec unshare -m --propagation private sh -c 'mount -t tmpfs none \"%s\" && "
        "exec \"$0\" \"$@\"' \"%s\" \"$@\"\n",
        hosts->shared, real);
    g_autofree char *disk = make_disk(hosts->shared, "hidden.img");
    g_autofree char *xml = guest_xml("mig-hidden", disk);
    Harness *dst;

    assert_true(g_file_set_contents(wrapper, script, -1, NULL));
    assert_int_equal(g_chmod(wrapper, 0755), 0);
    g_setenv("MARINAD", wrapper, TRUE);
    dst = harness_new();
    g_setenv("MARINAD", real, TRUE);
    assert_prepare_refused(dst, xml, FALSE, "its disk vda");
    assert_prepare_refused(dst, xml, FALSE, "is not reachable there");
    harness_free(dst);
    g_unlink(wrapper);
    g_rmdir(wrapper_dir);
}

/* ---- Options ------------------------------------------------------------ */

/* live = false (paused while it moves, running again there), with
 * auto-converge and a maximum downtime. */
static void
test_paused_move_options(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "paused.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-paused", disk, "11");
    g_autoptr(MarinaDBusDomain) moved = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    Plan plan = {.paused_move = TRUE, .auto_converge = TRUE, .max_downtime_ms = 500};
    guint reason = 0;

    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    if (path == NULL)
        fprintf(stderr, "migration failed: %s\n", message);
    assert_non_null(path);
    g_clear_pointer(&plan.reply, g_variant_unref);
    moved = harness_domain(hosts->dst, NULL, path);
    assert_int_equal(harness_wait_state(moved, MARINA_DOMAIN_RUNNING, 5000, &reason),
                     MARINA_DOMAIN_RUNNING);
    assert_int_equal(reason, MARINA_RUNNING_MIGRATED);
    assert_guest_answers(hosts->dst, path, "11");
    /* Transient there, and the source's definition stays (shut off). */
    assert_false(marina_dbus_domain_get_persistent(moved));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 5000, &reason),
                     MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(reason, MARINA_SHUTOFF_MIGRATED);
    assert_true(marina_dbus_domain_call_destroy_sync(moved, NULL, &error));
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
}

static void
postcopy_meanwhile(Hosts *hosts, MarinaDBusDomain *dom, const char *token, gpointer data)
{
    gboolean *saw_postcopy = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) info = NULL;
    guint64 bandwidth = 0, downtime = 0;
    gint64 end;

    wait_some_progress(dom);
    /* The limits change while it runs, and GetJobInfo says so. */
    assert_true(marina_dbus_domain_call_migrate_set_max_downtime_sync(dom, 250, NULL, &error));
    assert_true(marina_dbus_domain_call_migrate_set_speed_sync(dom, 2 * 1024 * 1024, NULL, &error));
    assert_true(marina_dbus_domain_call_get_job_info_sync(dom, &info, NULL, &error));
    assert_true(g_variant_lookup(info, "bandwidth", "t", &bandwidth));
    assert_true(g_variant_lookup(info, "max-downtime-ms", "t", &downtime));
    assert_int_equal(bandwidth, 2 * 1024 * 1024);
    assert_int_equal(downtime, 250);
    assert_true(marina_dbus_domain_call_migrate_start_postcopy_sync(dom, NULL, &error));
    assert_true(marina_dbus_domain_call_migrate_set_speed_sync(dom, 0, NULL, &error));
    end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < end) {
        g_autoptr(GVariant) now = NULL;
        const char *phase = "";
        if (!marina_dbus_domain_call_get_job_info_sync(dom, &now, NULL, NULL))
            break;
        g_variant_lookup(now, "phase", "&s", &phase);
        if (g_str_equal(phase, "postcopy")) {
            *saw_postcopy = TRUE;
            break;
        }
        if (!g_str_equal(phase, "memory"))
            break;
        harness_iterate(20);
    }
}

/* Post-copy, switched by MigrateStartPostcopy once memory is moving. */
static void
test_postcopy(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "post.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-post", disk, "13");
    g_autoptr(MarinaDBusDomain) moved = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    gboolean saw_postcopy = FALSE;
    Plan plan = {.postcopy = TRUE,
                 .undefine = TRUE,
                 .bandwidth = 1024 * 1024,
                 .meanwhile = postcopy_meanwhile,
                 .data = &saw_postcopy};

    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    if (path == NULL)
        fprintf(stderr, "migration failed: %s\n", message);
    assert_non_null(path);
    g_clear_pointer(&plan.reply, g_variant_unref);
    assert_true(saw_postcopy);
    assert_guest_answers(hosts->dst, path, "13");
    assert_false(has_guest(hosts->src, "mig-post"));
    moved = harness_domain(hosts->dst, NULL, path);
    assert_true(marina_dbus_domain_call_destroy_sync(moved, NULL, &error));
}

/* The destination lets the guest run when post-copy begins: "resumed",
 * detail "post-copy". */
static void
on_domain_event(MarinaDBusHost *host, const char *path, const char *name, const char *uuid,
                guint state, guint reason, const char *event, const char *detail, gpointer data)
{
    if (g_str_equal(event, "resumed") && g_str_equal(detail, "post-copy"))
        *(gboolean *)data = TRUE;
}

/* A guest that dirties its memory faster than the bandwidth allows never
 * converges: with post-copy allowed, the switch comes by itself after the
 * first pass, and the guest arrives. */
static void
test_postcopy_automatic(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "busy.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-busy", disk, "29");
    g_autoptr(MarinaDBusDomain) moved = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;
    g_autofree char *path = NULL;
    gboolean saw_postcopy = FALSE;
    Plan plan = {.postcopy = TRUE, .bandwidth = 8 * 1024 * 1024};
    int fd = harness_open_serial(hosts->src, dom, acc);
    gulong id = g_signal_connect(hosts->dst->host, "domain-event", G_CALLBACK(on_domain_event),
                                 &saw_postcopy);

    assert_true(harness_type_and_wait(
        fd, acc,
        "(while :; do dd if=/dev/urandom of=/dev/shm/d bs=1M count=16 2>/dev/null; done &) ; "
        "echo dirtying",
        "\ndirtying", 20000));
    close(fd);
    path = migrate(hosts, hosts->src, hosts->dst, dom, &plan, &message);
    if (path == NULL)
        fprintf(stderr, "migration failed: %s\n", message);
    assert_non_null(path);
    g_clear_pointer(&plan.reply, g_variant_unref);
    harness_iterate(200);
    g_signal_handler_disconnect(hosts->dst->host, id);
    assert_true(saw_postcopy);
    assert_guest_answers(hosts->dst, path, "29");
    moved = harness_domain(hosts->dst, NULL, path);
    assert_true(marina_dbus_domain_call_destroy_sync(moved, NULL, &error));
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
}

/* The source daemon restarts while its guest waits, paused, after Perform:
 * it comes back paused (reason migration), and the destination can still
 * finish the move. */
static void
test_source_restart_after_perform(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "restart.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-restart", disk, "21");
    g_autoptr(MarinaDBusDomain) again = NULL;
    g_autoptr(GVariant) p = params("live", "b", TRUE, NULL);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) prep = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) perf = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *token = NULL;
    g_autofree char *job = NULL;
    g_autofree char *src_path = NULL;
    g_autofree char *path = NULL;
    guint16 port = 0;
    guint reason = 0;

    assert_true(marina_dbus_domain_call_migrate_begin_sync(dom, p, &xml, &info, NULL, &error));
    prep = params("info", "@", info, NULL);
    assert_true(marina_dbus_host_call_migrate_prepare_sync(hosts->dst->host, xml, prep, &token,
                                                           &reply, NULL, &error));
    assert_true(g_variant_lookup(reply, "port", "q", &port));
    perf = params("address", "s", "127.0.0.1", "port", "q", (int)port, "streams", "u", 1u, NULL);
    assert_true(marina_dbus_domain_call_migrate_perform_sync(dom, token, perf, &job, NULL, &error));
    assert_true(wait_job(hosts->src, job, NULL, 60000));
    g_clear_object(&dom);

    /* Neither the kill nor the client's connection going makes it run here. */
    kill_daemon(hosts->src);
    harness_start_daemon(hosts->src);
    harness_connect(hosts->src);
    assert_true(marina_dbus_host_call_lookup_domain_sync(hosts->src->host, "mig-restart", &src_path,
                                                         NULL, &error));
    again = harness_domain(hosts->src, NULL, src_path);
    assert_int_equal(harness_wait_state(again, MARINA_DOMAIN_PAUSED, 5000, &reason),
                     MARINA_DOMAIN_PAUSED);
    assert_int_equal(reason, MARINA_PAUSED_MIGRATION);
    /* A new migration of it is refused until someone decides. */
    {
        g_autoptr(GVariant) p2 = params("live", "b", TRUE, NULL);
        g_autofree char *xml2 = NULL;
        g_autoptr(GVariant) info2 = NULL;
        g_autoptr(GError) refused = NULL;
        assert_false(
            marina_dbus_domain_call_migrate_begin_sync(again, p2, &xml2, &info2, NULL, &refused));
        assert_non_null(strstr(refused->message, "may already run on the other host"));
    }
    assert_true(marina_dbus_host_call_migrate_finish_sync(hosts->dst->host, token, TRUE, &path,
                                                          NULL, &error));
    assert_guest_answers(hosts->dst, path, "21");
    assert_true(marina_dbus_domain_call_destroy_sync(again, NULL, &error));
    {
        g_autoptr(MarinaDBusDomain) moved = harness_domain(hosts->dst, NULL, path);
        assert_true(marina_dbus_domain_call_destroy_sync(moved, NULL, &error));
    }
    assert_true(marina_dbus_domain_call_undefine_sync(again, 0, NULL, &error));
}

/* Perform completed, then the client rolls back (Finish failed, say): the
 * destination drops its copy and the source's guest runs on from where it
 * stopped. */
static void
test_rollback_after_perform(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "back.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-back", disk, "23");
    g_autoptr(GVariant) p = params("live", "b", TRUE, NULL);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) prep = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) perf = NULL;
    g_autoptr(GVariant) job_info = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *token = NULL;
    g_autofree char *job = NULL;
    g_autofree char *out = NULL;
    const char *phase = NULL;
    guint64 downtime_ms = 0;
    guint16 port = 0;
    guint reason = 0;

    assert_true(marina_dbus_domain_call_migrate_begin_sync(dom, p, &xml, &info, NULL, &error));
    prep = params("info", "@", info, NULL);
    assert_true(marina_dbus_host_call_migrate_prepare_sync(hosts->dst->host, xml, prep, &token,
                                                           &reply, NULL, &error));
    assert_true(g_variant_lookup(reply, "port", "q", &port));
    perf = params("address", "s", "127.0.0.1", "port", "q", (int)port, "streams", "u", 1u, NULL);
    assert_true(marina_dbus_domain_call_migrate_perform_sync(dom, token, perf, &job, NULL, &error));
    assert_true(wait_job(hosts->src, job, NULL, 60000));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_PAUSED, 5000, &reason),
                     MARINA_DOMAIN_PAUSED);
    assert_int_equal(reason, MARINA_PAUSED_MIGRATION);
    assert_true(marina_dbus_domain_call_get_job_info_sync(dom, &job_info, NULL, &error));
    assert_true(g_variant_lookup(job_info, "phase", "&s", &phase));
    assert_string_equal(phase, "completed");
    /* QEMU's own downtime, not the 0 it shows for a moment after "completed". */
    assert_true(g_variant_lookup(job_info, "downtime-ms", "t", &downtime_ms));
    assert_true(downtime_ms > 0);
    assert_true(marina_dbus_host_call_migrate_finish_sync(hosts->dst->host, token, FALSE, &out,
                                                          NULL, &error));
    assert_string_equal(out, "/");
    assert_true(marina_dbus_domain_call_migrate_confirm_sync(dom, token, FALSE, NULL, &error));
    assert_nothing_lost(hosts, dom, "23", NULL);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

/* Hostile or mistaken arguments are refused with a message naming them. */
static void
test_bad_input(void **state)
{
    Hosts *hosts = *state;
    Harness *dst = hosts->dst;
    g_autofree char *xml = guest_xml("mig-bad", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(hosts->src, xml);
    g_autoptr(GVariant) wrong = params("live", "s", "yes", NULL);
    g_autoptr(GVariant) big = params("max-downtime-ms", "t", G_GUINT64_CONSTANT(1) << 40, NULL);
    g_autoptr(GVariant) info = running_info();
    g_autoptr(GVariant) tunnel = params("tunnelled", "b", TRUE, "info", "@", info, NULL);
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) job_info = NULL;
    g_autoptr(GVariant) handle = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    g_autofree char *token = NULL;
    g_autofree char *out = NULL;
    const char *type = NULL;
    GError *error = NULL;

    assert_false(marina_dbus_host_call_migrate_prepare_sync(dst->host, xml, wrong, &token, &reply,
                                                            NULL, &error));
    assert_non_null(strstr(error->message, "'live'"));
    g_clear_error(&error);
    assert_false(marina_dbus_host_call_migrate_prepare_sync(dst->host, xml, big, &token, &reply,
                                                            NULL, &error));
    assert_non_null(strstr(error->message, "max-downtime-ms"));
    g_clear_error(&error);
    assert_false(marina_dbus_host_call_migrate_prepare_sync(dst->host, "<domain", tunnel, &token,
                                                            &reply, NULL, &error));
    g_clear_error(&error);
    assert_false(
        marina_dbus_host_call_migrate_finish_sync(dst->host, "../../x", TRUE, &out, NULL, &error));
    assert_non_null(strstr(error->message, "not a migration token"));
    g_clear_error(&error);
    assert_false(marina_dbus_host_call_migrate_finish_sync(
        dst->host, "0123456789abcdef0123456789abcdef", TRUE, &out, NULL, &error));
    assert_non_null(strstr(error->message, "no migration"));
    g_clear_error(&error);
    assert_false(marina_dbus_domain_call_migrate_set_max_downtime_sync(dom, 0, NULL, &error));
    g_clear_error(&error);
    assert_false(marina_dbus_domain_call_migrate_set_speed_sync(dom, G_MAXUINT64, NULL, &error));
    g_clear_error(&error);
    assert_false(marina_dbus_domain_call_abort_job_sync(dom, NULL, &error));
    g_clear_error(&error);
    assert_false(marina_dbus_domain_call_migrate_confirm_sync(
        dom, "0123456789abcdef0123456789abcdef", TRUE, NULL, &error));
    g_clear_error(&error);
    assert_true(marina_dbus_domain_call_get_job_info_sync(dom, &job_info, NULL, NULL));
    assert_true(g_variant_lookup(job_info, "type", "&s", &type));
    assert_string_equal(type, "none");

    /* A prepared tunnelled migration: only its streams, each once. */
    assert_true(marina_dbus_host_call_migrate_prepare_sync(dst->host, xml, tunnel, &token, &reply,
                                                           NULL, &error));
    assert_false(marina_dbus_host_call_open_migration_stream_sync(dst->host, token, 7, NULL,
                                                                  &handle, &fds, NULL, &error));
    assert_non_null(strstr(error->message, "no stream 7"));
    g_clear_error(&error);
    assert_true(
        marina_dbus_host_call_migrate_finish_sync(dst->host, token, FALSE, &out, NULL, &error));
    assert_false(has_guest(dst, "mig-bad"));
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
}

static MarinaDBusHost *
host_proxy(GDBusConnection *conn)
{
    g_autoptr(GError) error = NULL;
    MarinaDBusHost *host = marina_dbus_host_proxy_new_sync(
        conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, "/org/marinavm/Marina1", NULL, &error);

    assert_non_null(host);
    return host;
}

/* Each side is bound to the connection of the client that drives it: the
 * destination rolls back when it closes before Finish, the source cancels
 * during Perform and its guest runs on. */
static void
test_client_goes_away(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *disk = make_disk(hosts->shared, "away.img");
    g_autoptr(MarinaDBusDomain) dom = start_guest(hosts->src, "mig-away", disk, "31");
    /* A copy: the proxy's cached property goes when the guest's properties
     * change while this test waits. */
    g_autofree char *uuid = marina_dbus_domain_dup_uuid(dom);
    g_autoptr(GDBusConnection) dst_conn = harness_new_connection(hosts->dst);
    g_autoptr(MarinaDBusHost) dst_host = host_proxy(dst_conn);
    g_autoptr(GDBusConnection) src_conn = harness_new_connection(hosts->src);
    g_autoptr(MarinaDBusDomain) src_dom =
        harness_domain(hosts->src, src_conn, g_dbus_proxy_get_object_path(G_DBUS_PROXY(dom)));
    g_autoptr(GVariant) p = params("live", "b", TRUE, NULL);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) prep = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) perf = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *token = NULL;
    g_autofree char *token2 = NULL;
    g_autofree char *job = NULL;
    g_autofree char *message = NULL;
    guint16 port = 0;
    guint reason = 0;

    /* Destination: prepared, then its client goes. */
    assert_true(marina_dbus_domain_call_migrate_begin_sync(dom, p, &xml, &info, NULL, &error));
    prep = params("info", "@", info, NULL);
    assert_true(marina_dbus_host_call_migrate_prepare_sync(dst_host, xml, prep, &token, &reply,
                                                           NULL, &error));
    assert_true(has_guest(hosts->dst, "mig-away"));
    assert_true(qemu_running(hosts->dst, uuid));
    g_clear_object(&dst_host);
    g_dbus_connection_close_sync(dst_conn, NULL, NULL);
    assert_true(wait_no_qemu(hosts->dst, uuid, 15000));
    harness_iterate(200);
    assert_false(has_guest(hosts->dst, "mig-away"));

    /* Source: its client goes during Perform. */
    g_clear_pointer(&reply, g_variant_unref);
    assert_true(marina_dbus_host_call_migrate_prepare_sync(hosts->dst->host, xml, prep, &token2,
                                                           &reply, NULL, &error));
    assert_true(g_variant_lookup(reply, "port", "q", &port));
    perf = params("address", "s", "127.0.0.1", "port", "q", (int)port, "streams", "u", 1u,
                  "bandwidth", "t", (guint64)1024 * 1024, NULL);
    assert_true(
        marina_dbus_domain_call_migrate_perform_sync(src_dom, token2, perf, &job, NULL, &error));
    wait_some_progress(dom);
    g_clear_object(&src_dom);
    g_dbus_connection_close_sync(src_conn, NULL, NULL);
    assert_false(wait_job(hosts->src, job, &message, 30000));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 10000, &reason),
                     MARINA_DOMAIN_RUNNING);
    assert_int_equal(reason, MARINA_RUNNING_MIGRATION_CANCELED);
    /* The rest of the client's rollback, on the side still driven. */
    marina_dbus_host_call_migrate_finish_sync(hosts->dst->host, token2, FALSE, NULL, NULL, NULL);
    assert_nothing_lost(hosts, dom, "31", NULL);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

/* The test driver's guests are simulated: migration is refused. */
static void
test_test_driver_refuses(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("mig-node-XXXXXX", NULL);
    g_autofree char *node = g_build_filename(dir, "node.xml", NULL);
    g_autofree char *xml = guest_xml("sim", NULL);
    g_autofree char *text =
        g_strdup_printf("<node><cpu><mhz>2000</mhz></cpu><memory>8388608</memory>%s</node>", xml);
    const char *args[] = {"--driver", "test", "--test-file", node, NULL};
    g_autoptr(GVariant) p = params("live", "b", TRUE, NULL);
    g_autofree char *token = NULL;
    g_autoptr(GVariant) reply = NULL;
    GError *error = NULL;
    Harness *h;

    assert_true(g_file_set_contents(node, text, -1, NULL));
    h = harness_new_with_args(args);
    assert_false(
        marina_dbus_host_call_migrate_prepare_sync(h->host, xml, p, &token, &reply, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    assert_non_null(strstr(error->message, "cannot migrate guests"));
    g_clear_error(&error);
    harness_free(h);
    g_unlink(node);
    g_rmdir(dir);
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
        cmocka_unit_test(test_copy_storage),
        cmocka_unit_test(test_cancel_half_way),
        cmocka_unit_test(test_cancel_at_once),
        cmocka_unit_test(test_destination_killed),
        cmocka_unit_test(test_destination_qemu_dies),
        cmocka_unit_test(test_destination_restart_after_prepare),
        cmocka_unit_test(test_offline),
        cmocka_unit_test(test_offline_copy),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_network_guest),
        cmocka_unit_test(test_check_memory),
        cmocka_unit_test(test_hosts_allow),
        cmocka_unit_test(test_disk_not_visible),
        cmocka_unit_test(test_paused_move_options),
        cmocka_unit_test(test_postcopy),
        cmocka_unit_test(test_postcopy_automatic),
        cmocka_unit_test(test_source_restart_after_perform),
        cmocka_unit_test(test_rollback_after_perform),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_client_goes_away),
        cmocka_unit_test(test_test_driver_refuses),
    };

    /* MARINA_TEST_FILTER=test_cancel* runs some of them. */
    if (g_getenv("MARINA_TEST_FILTER") != NULL)
        cmocka_set_test_filter(g_getenv("MARINA_TEST_FILTER"));
    return cmocka_run_group_tests(tests, setup, teardown);
}
