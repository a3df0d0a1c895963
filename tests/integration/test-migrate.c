/* Migration between two hosts: two marinad on this machine, each with its
 * own socket and state directory, the tiny test guest under TCG. Driven
 * through marinactl (and the client API in one test), as a user would:
 * shared and copied storage, tunnelled streams, cancel, a destination that
 * dies, a pre-check refusal, domjobinfo and migrate-setspeed while it runs.
 * After a failure the guest still runs on the source and the destination
 * keeps nothing: no guest, no definition, no QEMU process. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"

/* Slow enough that a migration of the test guest lasts well over the few
 * seconds a test needs to look at it or cancel it. */
#define SLOW_MIBPS "0.25"

typedef struct {
    Harness *src;
    Harness *dst;
    GPid sshd; /* test_over_ssh's, stopped in teardown if a check failed */
} Hosts;

static int
setup(void **state)
{
    Hosts *hosts = g_new0(Hosts, 1);

    hosts->src = harness_new();
    hosts->dst = harness_new();
    *state = hosts;
    return 0;
}

static void kill_qemus_of(Harness *h);

static int
teardown(void **state)
{
    Hosts *hosts = *state;

    if (hosts->sshd > 0) {
        kill(hosts->sshd, SIGTERM);
        waitpid(hosts->sshd, NULL, 0);
    }
    /* A migrated guest's QEMU is the destination's; whatever the harness
     * finds to stop, none of either host's outlives the test. */
    kill_qemus_of(hosts->src);
    kill_qemus_of(hosts->dst);
    harness_free(hosts->src);
    harness_free(hosts->dst);
    g_free(hosts);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Helpers
 */

static char *
disk_xml(const char *path)
{
    return g_strdup_printf("    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                           "<source file='%s'/><target dev='vda' bus='virtio'/></disk>\n",
                           path);
}

static void
make_qcow2(const char *path)
{
    const char *argv[] = {"qemu-img", "create", "-q", "-f", "qcow2", path, "64M", NULL};
    int status = -1;

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                             &status, NULL));
    assert_int_equal(status, 0);
}

/* A guest running on @h and its serial console (ready for commands). */
static MarinaDBusDomain *
start_guest(Harness *h, const char *name, const char *devices, int *fd, GString *acc)
{
    g_autofree char *xml = harness_guest_xml(name, devices);
    g_autoptr(GError) error = NULL;
    MarinaDBusDomain *dom = harness_define(h, xml);

    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start %s: %s", name, error->message);
    *fd = harness_open_serial(h, dom, acc);
    if (!harness_wait_output(*fd, acc, 0, "MARINA-GUEST-READY", 60000))
        fail_msg("%s did not boot: %s", name, acc->str);
    return dom;
}

/* Types @line on the console and waits for @expect (which must not be in
 * the line itself: the console echoes it). */
static void
type(int fd, GString *acc, const char *line, const char *expect)
{
    if (!harness_type_and_wait(fd, acc, line, expect, 30000)) {
        /* Escaped: the console's carriage returns and escapes would hide it. */
        g_autofree char *tail = g_strescape(acc->str + MAX(acc->len, 600) - 600, NULL);
        fail_msg("'%s' did not answer '%s': %s", line, expect, tail);
    }
}

/* Something only this boot of the guest knows, kept in its memory. */
static void
write_marker(int fd, GString *acc)
{
    type(fd, acc, "echo MARK$((40+2)) > /tmp/marker; echo wrote$((1+1))", "wrote2");
}

static void
check_marker(int fd, GString *acc)
{
    type(fd, acc, "cat /tmp/marker", "MARK42");
}

/* The guest on @h named @name, or NULL when @h has none. */
static char *
lookup_path(Harness *h, const char *name)
{
    g_autofree char *path = NULL;

    if (!marina_dbus_host_call_lookup_domain_sync(h->host, name, &path, NULL, NULL))
        return NULL;
    return g_steal_pointer(&path);
}

static guint
state_of(Harness *h, const char *name, gboolean *persistent)
{
    g_autofree char *path = lookup_path(h, name);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GVariant) info = NULL;
    guint32 st = 0;

    assert_non_null(path);
    dom = harness_domain(h, NULL, path);
    assert_true(marina_dbus_domain_call_get_info_sync(dom, &info, NULL, NULL));
    g_variant_lookup(info, "state", "u", &st);
    if (persistent != NULL)
        g_variant_lookup(info, "persistent", "b", persistent);
    return st;
}

/* The guest's console on @h, answering, with the marker written on the source. */
static void
check_arrived(Harness *h, const char *name)
{
    g_autofree char *path = lookup_path(h, name);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    int fd;

    if (path == NULL)
        fail_msg("%s is not on the destination", name);
    dom = harness_domain(h, NULL, path);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 30000, NULL),
                     MARINA_DOMAIN_RUNNING);
    fd = harness_open_serial(h, dom, acc);
    check_marker(fd, acc);
    close(fd);
}

/* Whether process @pid is a QEMU that @h started: its output goes to a log
 * in @h's state directory (its command line names no path of @h's). */
static gboolean
is_qemu_of(Harness *h, const char *pid)
{
    g_autofree char *exe_link = g_build_filename("/proc", pid, "exe", NULL);
    g_autofree char *out_link = g_build_filename("/proc", pid, "fd", "1", NULL);
    g_autofree char *exe = g_file_read_link(exe_link, NULL);
    g_autofree char *out = g_file_read_link(out_link, NULL);

    return exe != NULL && strstr(exe, "qemu-system") != NULL && out != NULL &&
           g_str_has_prefix(out, h->state_dir);
}

static void
kill_qemus_of(Harness *h)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *pid;

    while (proc != NULL && (pid = g_dir_read_name(proc)) != NULL) {
        if (g_ascii_isdigit(*pid) && is_qemu_of(h, pid))
            kill((pid_t)g_ascii_strtoll(pid, NULL, 10), SIGKILL);
    }
}

/* No QEMU process of @h's is left (within @timeout_ms). */
static gboolean
no_qemu_of(Harness *h, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    do {
        g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
        const char *pid;
        gboolean found = FALSE;

        while (proc != NULL && (pid = g_dir_read_name(proc)) != NULL && !found)
            found = g_ascii_isdigit(*pid) && is_qemu_of(h, pid);
        if (!found)
            return TRUE;
        g_usleep(100000);
    } while (g_get_monotonic_time() < end);
    return FALSE;
}

/* Whether @h runs a QEMU at all (to prove no_qemu_of() can see one). */
static gboolean
has_qemu(Harness *h)
{
    return !no_qemu_of(h, 0);
}

/* The destination kept nothing of a failed migration. */
static void
check_nothing_on(Harness *h)
{
    g_autoptr(GVariant) domains = NULL;

    assert_true(marina_dbus_host_call_list_domains_sync(h->host, &domains, NULL, NULL));
    if (g_variant_n_children(domains) != 0) {
        g_autofree char *text = g_variant_print(domains, FALSE);
        fail_msg("the destination still lists %s", text);
    }
    assert_int_equal(harness_count_definitions(h), 0);
    assert_true(no_qemu_of(h, 10000));
}

/* The guest goes on running on the source and answers there: on a console
 * opened now, and on the one (@fd) that was open while it failed to move. */
static void
check_still_on_source(Harness *h, const char *name, int fd, GString *acc)
{
    g_autofree char *path = lookup_path(h, name);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) fresh_acc = g_string_new(NULL);
    int fresh;

    assert_int_equal(state_of(h, name, NULL), MARINA_DOMAIN_RUNNING);
    dom = harness_domain(h, NULL, path);
    fresh = harness_open_serial(h, dom, fresh_acc);
    type(fresh, fresh_acc, "echo fresh$((1+1))", "fresh2");
    check_marker(fresh, fresh_acc);
    close(fresh);
    if (!harness_type_and_wait(fd, acc, "echo alive$((1+1))", "alive2", 30000)) {
        g_autofree char *tail = g_strescape(acc->str + MAX(acc->len, 200) - 200, NULL);
        fail_msg("the console open during the migration no longer answers (a new one does): "
                 "%s",
                 tail);
    }
}

static int
migrate(Hosts *hosts, char **err, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    va_list ap;
    const char *arg;
    int status = -1;

    g_ptr_array_add(argv, (char *)g_getenv("MARINACTL"));
    g_ptr_array_add(argv, "-c");
    g_ptr_array_add(argv, hosts->src->uri);
    g_ptr_array_add(argv, "migrate");
    va_start(ap, err);
    while ((arg = va_arg(ap, const char *)) != NULL)
        g_ptr_array_add(argv, (char *)arg);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                             err, &status, &error));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A migration running in the background: marinactl, its stderr in a file. */
typedef struct {
    GPid pid;
    char *err_path;
} Background;

static Background *
migrate_between(Harness *src, const char *src_uri, const char *dst_uri, const char *const *options,
                const char *name)
{
    Background *bg = g_new0(Background, 1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    int fd;

    bg->err_path = g_build_filename(src->dir, "migrate.err", NULL);
    fd = open(bg->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    g_ptr_array_add(argv, (char *)g_getenv("MARINACTL"));
    g_ptr_array_add(argv, "-c");
    g_ptr_array_add(argv, (char *)src_uri);
    g_ptr_array_add(argv, "migrate");
    for (gsize i = 0; options[i] != NULL; i++)
        g_ptr_array_add(argv, (char *)options[i]);
    g_ptr_array_add(argv, (char *)name);
    g_ptr_array_add(argv, (char *)dst_uri);
    g_ptr_array_add(argv, NULL);
    assert_true(g_spawn_async_with_fds(NULL, (char **)argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                       NULL, NULL, &bg->pid, -1, -1, fd, NULL));
    close(fd);
    return bg;
}

static Background *
migrate_in_background(Hosts *hosts, const char *const *options, const char *name)
{
    return migrate_between(hosts->src, hosts->src->uri, hosts->dst->uri, options, name);
}

/* Waits for the background marinactl to end; its exit status, its stderr in *err. */
static int
background_wait(Background *bg, int timeout_ms, char **err)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    int status = 0;

    while (waitpid(bg->pid, &status, WNOHANG) != bg->pid) {
        if (g_get_monotonic_time() > end) {
            kill(bg->pid, SIGKILL);
            waitpid(bg->pid, &status, 0);
            g_file_get_contents(bg->err_path, err, NULL, NULL);
            fail_msg("marinactl migrate did not end: %s", *err);
        }
        g_usleep(20000);
    }
    assert_true(g_file_get_contents(bg->err_path, err, NULL, NULL));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
background_free(Background *bg)
{
    g_free(bg->err_path);
    g_free(bg);
}

/* Whether domjobinfo's table says a MiB or more went across: half-way,
 * not in the first instant (a cancel then is another case). */
static gboolean
well_under_way(const char *table)
{
    const char *line = strstr(table, "Data processed:");
    const char *end = line != NULL ? strchr(line, '\n') : NULL;
    g_autofree char *text = line != NULL && end != NULL ? g_strndup(line, end - line) : NULL;

    return text != NULL && (strstr(text, " MiB") != NULL || strstr(text, " GiB") != NULL);
}

/* Waits until domjobinfo on the source shows the memory being copied; returns its output.
 * Fails at once when the migration @bg ended before that. */
static char *
wait_copying_memory(Hosts *hosts, Background *bg, const char *name)
{
    gint64 end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < end) {
        g_autofree char *out = NULL, *err = NULL;
        int status;

        if (harness_marinactl(hosts->src, &out, &err, "domjobinfo", name, NULL) == 0 &&
            strstr(out, "copying memory") != NULL && well_under_way(out))
            return g_steal_pointer(&out);
        if (waitpid(bg->pid, &status, WNOHANG) == bg->pid) {
            g_clear_pointer(&err, g_free);
            g_file_get_contents(bg->err_path, &err, NULL, NULL);
            bg->pid = 0;
            fail_msg("the migration of %s ended before its memory phase: %s", name, err);
        }
        g_usleep(100000);
    }
    fail_msg("the migration of %s never reached the memory phase", name);
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Tests
 */

/* Shared storage: the disk is at the same path for both hosts. --persistent
 * without --undefine-source: defined on the destination, shut off (reason
 * migrated) on the source. */
static void
test_live_shared_storage(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *shared = g_build_filename(hosts->src->dir, "shared.qcow2", NULL);
    g_autofree char *devices = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    gboolean persistent = FALSE;
    int fd;

    make_qcow2(shared);
    devices = disk_xml(shared);
    dom = start_guest(hosts->src, "mshared", devices, &fd, acc);
    write_marker(fd, acc);
    if (migrate(hosts, &err, "--live", "--persistent", "mshared", hosts->dst->uri, NULL) != 0)
        fail_msg("migrate: %s", err);
    close(fd);
    check_arrived(hosts->dst, "mshared");
    assert_int_equal(state_of(hosts->dst, "mshared", &persistent), MARINA_DOMAIN_RUNNING);
    assert_true(persistent);
    assert_int_equal(harness_count_definitions(hosts->dst), 1);
    assert_int_equal(state_of(hosts->src, "mshared", NULL), MARINA_DOMAIN_SHUTOFF);
    assert_true(no_qemu_of(hosts->src, 10000));
}

/* A dir pool of the same name on each host; the disk is a volume of it. */
static void
define_pool(Harness *h, const char *name)
{
    g_autofree char *target = g_build_filename(h->dir, "pool", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>", name, target);
    g_autofree char *file = g_build_filename(h->dir, "pool.xml", NULL);
    g_autofree char *out = NULL, *err = NULL;

    g_mkdir_with_parents(target, 0700);
    assert_true(g_file_set_contents(file, xml, -1, NULL));
    if (harness_marinactl(h, &out, &err, "pool-define", file, NULL) != 0 ||
        harness_marinactl(h, NULL, NULL, "pool-start", name, NULL) != 0)
        fail_msg("pool on %s: %s", h->uri, err);
}

/* The path of the first disk of @name on @h, from its XML. */
static char *
disk_path_on(Harness *h, const char *name)
{
    g_autofree char *out = NULL;
    const char *start, *end;

    assert_int_equal(harness_marinactl(h, &out, NULL, "dumpxml", name, NULL), 0);
    start = strstr(out, "<source file=");
    if (start == NULL)
        fail_msg("no disk in %s", out);
    start += strlen("<source file=") + 1;
    end = strchr(start, start[-1]);
    assert_non_null(end);
    return g_strndup(start, (gsize)(end - start));
}

/* Copied storage: the disk is mirrored into a new volume of the
 * destination's pool; what the guest wrote to it is there. With
 * --undefine-source the source lists the guest no more. */
static void
test_live_copy_storage(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *src_volume = g_build_filename(hosts->src->dir, "pool", "mdisk.qcow2", NULL);
    g_autofree char *dst_disk = NULL;
    g_autofree char *devices = NULL;
    g_autofree char *err = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GString) dst_acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(MarinaDBusDomain) moved = NULL;
    int fd;

    define_pool(hosts->src, "migpool");
    define_pool(hosts->dst, "migpool");
    assert_int_equal(harness_marinactl(hosts->src, NULL, NULL, "vol-create-as", "migpool",
                                       "mdisk.qcow2", "64M", NULL),
                     0);
    devices = disk_xml(src_volume);
    dom = start_guest(hosts->src, "mcopy", devices, &fd, acc);
    write_marker(fd, acc);
    type(fd, acc,
         "echo DISK$((6*7)) | dd of=/dev/vda bs=512 count=1 conv=sync,fsync 2>/dev/null; "
         "echo disk$((2+2))",
         "disk4");
    if (migrate(hosts, &err, "--copy-storage-all", "--undefine-source", "mcopy", hosts->dst->uri,
                NULL) != 0)
        fail_msg("migrate: %s", err);
    close(fd);
    check_arrived(hosts->dst, "mcopy");
    /* The disk is a new volume of the destination's (its pool of the same
     * name, else its "default" pool), read from there with the page cache
     * dropped. */
    dst_disk = disk_path_on(hosts->dst, "mcopy");
    if (!g_str_has_prefix(dst_disk, hosts->dst->dir) || !g_file_test(dst_disk, G_FILE_TEST_EXISTS))
        fail_msg("the destination's disk is %s", dst_disk);
    path = lookup_path(hosts->dst, "mcopy");
    moved = harness_domain(hosts->dst, NULL, path);
    fd = harness_open_serial(hosts->dst, moved, dst_acc);
    type(
        fd, dst_acc,
        "echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda bs=512 count=1 2>/dev/null | head -c 6; "
        "echo",
        "DISK42");
    close(fd);
    assert_null(lookup_path(hosts->src, "mcopy"));
    assert_int_equal(harness_count_definitions(hosts->src), 0);
    assert_true(no_qemu_of(hosts->src, 10000));
}

/* Tunnelled: the streams go through marinactl, the destination opens no port. */
static void
test_tunnelled_local(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *err = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    int fd;

    dom = start_guest(hosts->src, "mtunnel", NULL, &fd, acc);
    write_marker(fd, acc);
    if (migrate(hosts, &err, "--tunnelled", "mtunnel", hosts->dst->uri, NULL) != 0)
        fail_msg("migrate --tunnelled: %s", err);
    close(fd);
    check_arrived(hosts->dst, "mtunnel");
    /* Transient there (no --persistent); shut off here (still defined). */
    assert_int_equal(harness_count_definitions(hosts->dst), 0);
    assert_int_equal(state_of(hosts->src, "mtunnel", NULL), MARINA_DOMAIN_SHUTOFF);
}

typedef struct {
    guint progress;
    guint stages;
    gboolean saw_memory;
} Seen;

static void
on_progress(MarinaMigration *migration, const MarinaJobInfo *info, Seen *seen)
{
    seen->progress++;
    seen->saw_memory |= info->phase == MARINA_JOB_PHASE_MEMORY;
}

static void
on_stage(MarinaMigration *migration, guint stage, Seen *seen)
{
    seen->stages++;
}

/* The client API the manager uses: progress signals, the guest on the
 * destination as the result, a second run refused. */
static void
test_client_api(void **state)
{
    Hosts *hosts = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(MarinaConnection) src = NULL, dst = NULL;
    g_autoptr(MarinaHost) src_host = NULL, dst_host = NULL;
    g_autoptr(MarinaDomain) domain = NULL, moved = NULL, again = NULL;
    g_autoptr(MarinaMigration) migration = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GAsyncResult) result2 = NULL;
    MarinaMigrationOptions options = MARINA_MIGRATION_OPTIONS_INIT;
    Seen seen = {0};
    int fd;

    dom = start_guest(hosts->src, "mapi", NULL, &fd, acc);
    write_marker(fd, acc);
    close(fd);
    src = marina_connection_open_sync(hosts->src->uri, NULL, &error);
    assert_non_null(src);
    dst = marina_connection_open_sync(hosts->dst->uri, NULL, &error);
    assert_non_null(dst);
    src_host = marina_host_new(src);
    dst_host = marina_host_new(dst);
    marina_host_lookup_domain_async(src_host, "mapi", NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    domain = marina_host_lookup_domain_finish(src_host, result, &error);
    assert_non_null(domain);
    g_clear_object(&result);

    options.flags = MARINA_MIGRATION_PERSISTENT | MARINA_MIGRATION_UNDEFINE_SOURCE;
    options.max_downtime_ms = 500;
    migration = marina_migration_new(domain, dst_host, &options);
    g_signal_connect(migration, "progress", G_CALLBACK(on_progress), &seen);
    g_signal_connect(migration, "stage-changed", G_CALLBACK(on_stage), &seen);
    marina_migration_run_async(migration, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    moved = marina_migration_run_finish(migration, result, &error);
    if (moved == NULL)
        fail_msg("migration: %s", error->message);
    assert_ptr_equal(marina_domain_get_connection(moved), dst);
    assert_int_equal(marina_migration_get_stage(migration), MARINA_MIGRATION_STAGE_DONE);
    assert_true(seen.stages >= 5);
    assert_true(seen.progress >= 1);
    assert_non_null(marina_migration_get_job_info(migration));
    check_arrived(hosts->dst, "mapi");
    assert_int_equal(harness_count_definitions(hosts->dst), 1);
    assert_null(lookup_path(hosts->src, "mapi"));

    /* A migration runs once. */
    marina_migration_run_async(migration, NULL, marina_sync_wait_ready, &result2);
    marina_sync_wait(&result2);
    again = marina_migration_run_finish(migration, result2, &error);
    assert_null(again);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    marina_connection_close(src);
    marina_connection_close(dst);
}

/* Ctrl+C half-way: the guest goes on running on the source, the
 * destination keeps nothing; marinactl says so and fails. Meanwhile
 * domjobinfo shows the phase and the figures. */
static void
test_cancel_half_way(void **state)
{
    Hosts *hosts = *state;
    const char *const options[] = {"--bandwidth", SLOW_MIBPS, NULL};
    g_autofree char *err = NULL;
    g_autofree char *jobinfo = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    Background *bg;
    int fd;

    dom = start_guest(hosts->src, "mcancel", NULL, &fd, acc);
    write_marker(fd, acc);
    assert_true(has_qemu(hosts->src));
    assert_false(has_qemu(hosts->dst));
    bg = migrate_in_background(hosts, options, "mcancel");
    jobinfo = wait_copying_memory(hosts, bg, "mcancel");
    assert_true(has_qemu(hosts->dst)); /* the incoming guest, waiting */
    assert_non_null(strstr(jobinfo, "Job type:           Migration"));
    assert_non_null(strstr(jobinfo, "Data remaining:"));
    assert_non_null(strstr(jobinfo, "Bandwidth limit:    256.0 KiB/s"));
    kill(bg->pid, SIGINT);
    assert_int_equal(background_wait(bg, 60000, &err), 1);
    background_free(bg);
    if (strstr(err, "Migration cancelled") == NULL)
        fail_msg("no 'Migration cancelled' in: %s", err);
    check_still_on_source(hosts->src, "mcancel", fd, acc);
    check_nothing_on(hosts->dst);
    close(fd);
}

/* The destination daemon killed half-way: the same. Once it is back, it
 * has nothing of the guest either (its orphaned QEMU is gone). */
static void
test_destination_dies(void **state)
{
    Hosts *hosts = *state;
    const char *const options[] = {"--bandwidth", SLOW_MIBPS, NULL};
    g_autofree char *err = NULL;
    g_autofree char *jobinfo = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    Background *bg;
    int fd;

    dom = start_guest(hosts->src, "mdies", NULL, &fd, acc);
    write_marker(fd, acc);
    bg = migrate_in_background(hosts, options, "mdies");
    jobinfo = wait_copying_memory(hosts, bg, "mdies");
    assert_true(has_qemu(hosts->dst));
    harness_stop_daemon(hosts->dst, SIGKILL);
    assert_int_equal(background_wait(bg, 60000, &err), 1);
    background_free(bg);
    assert_non_null(strstr(err, "error:"));
    check_still_on_source(hosts->src, "mdies", fd, acc);
    harness_start_daemon(hosts->dst);
    harness_connect(hosts->dst);
    check_nothing_on(hosts->dst);
    close(fd);
}

/* Checked before anything moves: the name is taken on the destination.
 * The daemon's message, as it worded it; exit status 1; nothing changed. */
static void
test_precheck_refused(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *xml = harness_guest_xml("mtaken", NULL);
    g_autofree char *err = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(MarinaDBusDomain) other = NULL;
    int fd;

    other = harness_define(hosts->dst, xml);
    dom = start_guest(hosts->src, "mtaken", NULL, &fd, acc);
    write_marker(fd, acc);
    assert_int_equal(migrate(hosts, &err, "mtaken", hosts->dst->uri, NULL), 1);
    if (strstr(err, "error: ") == NULL || strstr(err, "mtaken") == NULL ||
        strstr(err, "already") == NULL)
        fail_msg("not the daemon's refusal: %s", err);
    check_still_on_source(hosts->src, "mtaken", fd, acc);
    assert_int_equal(state_of(hosts->dst, "mtaken", NULL), MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(harness_count_definitions(hosts->dst), 1);
    assert_true(no_qemu_of(hosts->dst, 5000));
    close(fd);
}

/* migrate-setspeed lifts the limit of a running migration: it then ends in
 * seconds where the limit would have made it last minutes. */
static void
test_setspeed_speeds_up(void **state)
{
    Hosts *hosts = *state;
    const char *const options[] = {"--bandwidth", SLOW_MIBPS, NULL};
    g_autofree char *err = NULL;
    g_autofree char *jobinfo = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    Background *bg;
    gint64 t0;
    int fd;

    dom = start_guest(hosts->src, "mspeed", NULL, &fd, acc);
    write_marker(fd, acc);
    close(fd);
    bg = migrate_in_background(hosts, options, "mspeed");
    jobinfo = wait_copying_memory(hosts, bg, "mspeed");
    assert_int_equal(
        harness_marinactl(hosts->src, NULL, NULL, "migrate-setmaxdowntime", "mspeed", "500", NULL),
        0);
    t0 = g_get_monotonic_time();
    assert_int_equal(
        harness_marinactl(hosts->src, NULL, NULL, "migrate-setspeed", "mspeed", "0", NULL), 0);
    if (background_wait(bg, 60000, &err) != 0)
        fail_msg("migrate: %s", err);
    background_free(bg);
    assert_true(g_get_monotonic_time() - t0 < 30 * G_USEC_PER_SEC);
    check_arrived(hosts->dst, "mspeed");
}

/* Bad input is refused before anything is connected. */
static void
test_bad_arguments(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *e5 = NULL;

    assert_int_equal(migrate(hosts, &e1, "--bandwidth", "-5", "x", hosts->dst->uri, NULL), 2);
    assert_non_null(strstr(e1, "Invalid bandwidth '-5'"));
    assert_int_equal(migrate(hosts, &e2, "--max-downtime", "soon", "x", hosts->dst->uri, NULL), 2);
    assert_non_null(strstr(e2, "Invalid maximum downtime 'soon'"));
    assert_int_equal(migrate(hosts, &e3, "x", "ftp://elsewhere/", NULL), 2);
    assert_non_null(strstr(e3, "ftp"));
    assert_int_equal(migrate(hosts, &e4, "--live", "--offline", "x", hosts->dst->uri, NULL), 2);
    assert_int_equal(migrate(hosts, &e5, "nosuchguest", hosts->dst->uri, NULL), 1);
    assert_non_null(strstr(e5, "nosuchguest"));
}

/* The client killed half-way (the connection breaks): both daemons undo
 * what the migration made on their own, the guest goes on running on the
 * source. */
static void
client_killed(Hosts *hosts, gboolean interrupt_first)
{
    int status;
    const char *const options[] = {"--bandwidth", SLOW_MIBPS, NULL};
    g_autofree char *err = NULL;
    g_autofree char *jobinfo = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    Background *bg;
    int fd;

    dom = start_guest(hosts->src, "mkilled", NULL, &fd, acc);
    write_marker(fd, acc);
    bg = migrate_in_background(hosts, options, "mkilled");
    jobinfo = wait_copying_memory(hosts, bg, "mkilled");
    if (interrupt_first) {
        /* Ctrl+C, then killed while it rolls back. */
        kill(bg->pid, SIGINT);
        g_usleep(30000);
    }
    kill(bg->pid, SIGKILL);
    status = background_wait(bg, 10000, &err);
    /* Killed; or, after Ctrl+C, it may have finished rolling back first. */
    assert_true(status == -1 || (interrupt_first && status == 1));
    background_free(bg);
    /* The source daemon lives on and resumes the guest by itself. */
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 30000, NULL),
                     MARINA_DOMAIN_RUNNING);
    check_still_on_source(hosts->src, "mkilled", fd, acc);
    check_nothing_on(hosts->dst);
    close(fd);
}

static void
test_client_killed(void **state)
{
    client_killed(*state, FALSE);
}

static void
test_client_killed_while_cancelling(void **state)
{
    client_killed(*state, TRUE);
}

/* A destination whose migration-hosts-allow does not accept this host
 * refuses the direct stream with its reason; tunnelled streams come through
 * the management connection and are not subject to it. */
static void
test_hosts_allow(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *dir = g_dir_make_tmp("mic-XXXXXX", NULL);
    g_autofree char *conf = g_build_filename(dir, "marinad.conf", NULL);
    const char *const args[] = {"--config", conf, NULL};
    g_autofree char *err = NULL, *err2 = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    int fd;

    assert_true(g_file_set_contents(conf, "[marinad]\nmigration-hosts-allow=^192\\.0\\.2\\.1$\n",
                                    -1, NULL));
    harness_free(hosts->dst);
    hosts->dst = harness_new_with_args(args);
    dom = start_guest(hosts->src, "mallow", NULL, &fd, acc);
    write_marker(fd, acc);
    assert_int_equal(migrate(hosts, &err, "mallow", hosts->dst->uri, NULL), 1);
    if (strstr(err, "not allowed") == NULL || strstr(err, "migration-hosts-allow") == NULL)
        fail_msg("not the destination's reason: %s", err);
    check_still_on_source(hosts->src, "mallow", fd, acc);
    check_nothing_on(hosts->dst);
    if (migrate(hosts, &err2, "--tunnelled", "mallow", hosts->dst->uri, NULL) != 0)
        fail_msg("migrate --tunnelled: %s", err2);
    close(fd);
    check_arrived(hosts->dst, "mallow");
    g_unlink(conf);
    g_rmdir(dir);
}

/* A shut-off guest: only its definition moves (persistent implied). */
static void
test_offline_definition(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *xml = harness_guest_xml("moff", NULL);
    g_autofree char *err = NULL;
    g_autoptr(MarinaDBusDomain) dom = harness_define(hosts->src, xml);
    gboolean persistent = FALSE;

    if (migrate(hosts, &err, "--offline", "--undefine-source", "moff", hosts->dst->uri, NULL) != 0)
        fail_msg("migrate --offline: %s", err);
    assert_int_equal(state_of(hosts->dst, "moff", &persistent), MARINA_DOMAIN_SHUTOFF);
    assert_true(persistent);
    assert_int_equal(harness_count_definitions(hosts->dst), 1);
    assert_null(lookup_path(hosts->src, "moff"));
    assert_int_equal(harness_count_definitions(hosts->src), 0);
}

/* ---------------------------------------------------------------------------------------------
 * Over SSH: a real sshd on loopback with a throw-away key; each host is
 * reached as marina+ssh://...?socket=ITS_SOCKET
 */

typedef struct {
    GPid pid;
    int port;
    char *key;
} Sshd;

static gboolean
run_quiet(const char *const *argv)
{
    int status = -1;

    return g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                        NULL, NULL, NULL, NULL, &status, NULL) &&
           WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static gboolean
port_open(int port)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, NULL);

    return conn != NULL;
}

static void
sshd_start(Sshd *sshd, const char *dir)
{
    g_autofree char *host_key = g_build_filename(dir, "host", NULL);
    g_autofree char *pub = NULL, *auth = NULL, *cfg = NULL, *config = NULL, *pubkey = NULL;
    const char *hk[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key, NULL};

    sshd->key = g_build_filename(dir, "user", NULL);
    sshd->port = 20000 + (int)((getpid() + 7) % 20000);
    pub = g_strconcat(sshd->key, ".pub", NULL);
    auth = g_build_filename(dir, "authorized_keys", NULL);
    cfg = g_build_filename(dir, "sshd_config", NULL);
    g_mkdir_with_parents(dir, 0700);
    g_mkdir_with_parents("/run/sshd", 0755);
    {
        const char *uk[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", sshd->key, NULL};
        assert_true(run_quiet(hk));
        assert_true(run_quiet(uk));
    }
    assert_true(g_file_get_contents(pub, &pubkey, NULL, NULL));
    assert_true(g_file_set_contents(auth, pubkey, -1, NULL));
    config = g_strdup_printf("ListenAddress 127.0.0.1\nPort %d\nHostKey %s\n"
                             "AuthorizedKeysFile %s\nStrictModes no\nUsePAM no\n"
                             "PasswordAuthentication no\nPermitRootLogin prohibit-password\n"
                             "PidFile none\nMaxSessions 32\n",
                             sshd->port, host_key, auth);
    assert_true(g_file_set_contents(cfg, config, -1, NULL));
    {
        const char *argv[] = {"/usr/sbin/sshd", "-D", "-e", "-f", cfg, NULL};
        assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                  NULL, &sshd->pid, NULL));
    }
    for (int i = 0; i < 100 && !port_open(sshd->port); i++)
        g_usleep(50000);
    assert_true(port_open(sshd->port));
}

static void
sshd_stop(Sshd *sshd)
{
    if (sshd->pid > 0) {
        kill(sshd->pid, SIGTERM);
        waitpid(sshd->pid, NULL, 0);
    }
    g_free(sshd->key);
}

/* @host: "127.0.0.1" for one, "localhost" for the other, so that each host
 * has an ssh connection of its own as two real hosts would. Through one
 * shared connection (both channels of a stream multiplexed on one ssh
 * master), the master stops reading one channel while the other's output
 * waits for the client, and a tunnelled stream can stall. */
static char *
ssh_uri(Sshd *sshd, Harness *h, const char *host)
{
    return g_strdup_printf("marina+ssh://%s@%s:%d/session?keyfile=%s&no_verify=1"
                           "&socket=%s&command=%s",
                           g_get_user_name(), host, sshd->port, sshd->key, h->socket,
                           g_getenv("MARINAD"));
}

/* Both hosts reached over ssh: tunnelled (the streams are ssh channels of
 * marinactl's two connections; the source's definition removed), then back
 * in direct mode, where the source connects to the host named in the
 * destination's ssh URI. */
static void
test_over_ssh(void **state)
{
    Hosts *hosts = *state;
    g_autofree char *dir = g_build_filename(hosts->src->dir, "ssh", NULL);
    g_autofree char *src_uri = NULL, *dst_uri = NULL;
    const char *const tunnelled[] = {"--tunnelled", "--undefine-source", NULL};
    const char *const direct[] = {NULL};
    g_autofree char *err = NULL, *err2 = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    Background *bg;
    Sshd sshd = {0};
    int fd;

    if (!g_file_test("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE))
        skip();
    sshd_start(&sshd, dir);
    hosts->sshd = sshd.pid;
    src_uri = ssh_uri(&sshd, hosts->src, "127.0.0.1");
    dst_uri = ssh_uri(&sshd, hosts->dst, "localhost");
    dom = start_guest(hosts->src, "mssh", NULL, &fd, acc);
    write_marker(fd, acc);
    close(fd);
    /* In the background with a bound: a stalled stream fails the test, it
     * does not hang the suite (stderr to a file: ssh's shared connection
     * outlives marinactl and would hold a pipe open). */
    bg = migrate_between(hosts->src, src_uri, dst_uri, tunnelled, "mssh");
    if (background_wait(bg, 120000, &err) != 0)
        fail_msg("migrate --tunnelled over ssh: %s", err);
    background_free(bg);
    check_arrived(hosts->dst, "mssh");
    assert_null(lookup_path(hosts->src, "mssh"));

    /* Back, direct: the destination's address is the ssh URI's host. */
    bg = migrate_between(hosts->dst, dst_uri, src_uri, direct, "mssh");
    if (background_wait(bg, 120000, &err2) != 0)
        fail_msg("migrate back over ssh: %s", err2);
    background_free(bg);
    check_arrived(hosts->src, "mssh");
    assert_null(lookup_path(hosts->dst, "mssh"));
    sshd_stop(&sshd);
    hosts->sshd = 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_shared_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_copy_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tunnelled_local, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precheck_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_half_way, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destination_dies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setspeed_speeds_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_killed_while_cancelling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_allow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offline_definition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_over_ssh, setup, teardown),
    };

    /* MARINA_TEST_FILTER=test_cancel* runs some of them. */
    if (g_getenv("MARINA_TEST_FILTER") != NULL)
        cmocka_set_test_filter(g_getenv("MARINA_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
