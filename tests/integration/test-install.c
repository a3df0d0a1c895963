/* Installing a guest: StartInstall's one-shot install boot (a kernel on the
 * host, or a network install tree served over HTTP on loopback), the reboot
 * that brings the guest back on its definition, InspectInstallTree, and the
 * errors and cancellation a client can run into. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "core/error.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"
#define CMDLINE "console=ttyS0 quiet panic=-1 acpi=noirq cryptomgr.notests"

typedef struct {
    Harness *h;
    char *trees;      /* served directory */
    GPid server;      /* tree-server.py, full speed */
    GPid slow_server; /* tree-server.py --throttle */
    char *url;        /* http://127.0.0.1:<port> */
    char *slow_url;
    GPtrArray *events; /* "event/detail" strings of DomainEvent */
} Fixture;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

static void
on_domain_event(MarinaDBusHost *host, const char *path, const char *name, const char *uuid,
                guint state, guint reason, const char *event, const char *detail, gpointer data)
{
    Fixture *f = data;

    g_ptr_array_add(f->events, g_strdup_printf("%s:%s/%s", name, event, detail));
}

static gboolean
saw_event(Fixture *f, const char *what, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    do {
        for (guint i = 0; i < f->events->len; i++)
            if (g_str_equal(f->events->pdata[i], what))
                return TRUE;
        harness_iterate(50);
    } while (g_get_monotonic_time() < end);
    return FALSE;
}

/* tree-server.py on @root with @option ("--throttle", "--ftp" or NULL) and its
 * @value; @url is set to "<scheme>://127.0.0.1:<port>". */
static GPid
start_server(const char *root, const char *option, const char *value, char **url)
{
    const char *script = g_getenv("MARINA_TREE_SERVER");
    const char *argv[] = {"/usr/bin/python3", script, root, option, value, NULL};
    g_autoptr(GError) error = NULL;
    GPid pid = 0;
    int out = -1;
    char line[32] = {0};
    gsize len = 0;

    assert_non_null(script);
    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &pid, NULL, &out, NULL, &error))
        fail_msg("tree-server: %s", error->message);
    /* The first line is the port, written once the socket listens. */
    while (len < sizeof line - 1) {
        ssize_t n = read(out, line + len, 1);
        if (n <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(out);
    assert_true(len > 0);
    *url = g_strdup_printf("%s://127.0.0.1:%s", g_strcmp0(option, "--ftp") == 0 ? "ftp" : "http",
                           line);
    return pid;
}

static void
stop_server(GPid pid)
{
    int status;

    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
}

static void
copy_file(const char *from, const char *to)
{
    g_autofree char *data = NULL;
    g_autofree char *dir = g_path_get_dirname(to);
    gsize len;

    assert_true(g_file_get_contents(from, &data, &len, NULL));
    assert_int_equal(g_mkdir_with_parents(dir, 0700), 0);
    assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
}

static guint64
file_size(const char *path)
{
    GStatBuf st;

    assert_int_equal(g_stat(path, &st), 0);
    return (guint64)st.st_size;
}

/* The test guest without a kernel: it has nothing to boot from on its own. */
static char *
bare_guest_xml(const char *name)
{
    return g_strdup_printf("<domain type='kvm'>\n"
                           "  <name>%s</name>\n"
                           "  <memory unit='MiB'>128</memory>\n"
                           "  <vcpu>1</vcpu>\n"
                           "  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
                           "  <features><acpi/><apic/></features>\n"
                           "  <devices>\n"
                           "    <serial type='pty'><target port='0'/></serial>\n"
                           "    <console type='pty'><target type='serial' port='0'/></console>\n"
                           "    <memballoon model='none'/>\n"
                           "  </devices>\n"
                           "</domain>\n",
                           name);
}

static GVariant *
get_property(Harness *h, const char *path, const char *iface, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_sync(h->conn, NULL, path, "org.freedesktop.DBus.Properties", "Get",
                                    g_variant_new("(ss)", iface, name), G_VARIANT_TYPE("(v)"),
                                    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    GVariant *value = NULL;

    if (reply == NULL)
        fail_msg("Get %s.%s: %s", iface, name, error->message);
    g_variant_get(reply, "(v)", &value);
    return value;
}

static gboolean
is_installing(Harness *h, MarinaDBusDomain *dom)
{
    g_autoptr(GVariant) v = get_property(h, g_dbus_proxy_get_object_path(G_DBUS_PROXY(dom)),
                                         "org.marinavm.Marina1.Domain", "Installing");
    return g_variant_get_boolean(v);
}

static char *
job_phase(Harness *h, const char *job, guint64 *processed, guint64 *total, char **error)
{
    g_autoptr(GVariant) phase = get_property(h, job, "org.marinavm.Marina1.Job", "Phase");

    if (processed != NULL) {
        g_autoptr(GVariant) v = get_property(h, job, "org.marinavm.Marina1.Job", "Processed");
        *processed = g_variant_get_uint64(v);
    }
    if (total != NULL) {
        g_autoptr(GVariant) v = get_property(h, job, "org.marinavm.Marina1.Job", "Total");
        *total = g_variant_get_uint64(v);
    }
    if (error != NULL) {
        g_autoptr(GVariant) v = get_property(h, job, "org.marinavm.Marina1.Job", "Error");
        *error = g_variant_dup_string(v, NULL);
    }
    return g_variant_dup_string(phase, NULL);
}

/* Wait until the job is no longer running; returns its phase. */
static char *
wait_job(Harness *h, const char *job, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        g_autofree char *error = NULL;
        char *phase = job_phase(h, job, NULL, NULL, &error);

        if (!g_str_equal(phase, "running") && !g_str_equal(phase, "cancelling")) {
            if (!g_str_equal(phase, "done"))
                fprintf(stderr, "job %s: %s: %s\n", job, phase, error);
            return phase;
        }
        g_free(phase);
        if (g_get_monotonic_time() > end)
            return g_strdup("timeout");
        harness_iterate(100);
    }
}

static char *
start_install(MarinaDBusDomain *dom, GVariant *options, GError **error)
{
    char *job = NULL;

    if (!marina_dbus_domain_call_start_install_sync(dom, options, 0, &job, NULL, error))
        return NULL;
    return job;
}

/* Starts the install of @options; a refusal fails the test. Returns the job. */
static char *
start_install_ok(MarinaDBusDomain *dom, GVariant *options)
{
    g_autoptr(GError) error = NULL;
    char *job = start_install(dom, options, &error);

    if (job == NULL)
        fail_msg("StartInstall: %s", error->message);
    return job;
}

/* Starts the install of @options and waits up to @timeout_ms for its job to be done. */
static char *
install_done(Harness *h, MarinaDBusDomain *dom, GVariant *options, int timeout_ms)
{
    char *job = start_install_ok(dom, options);
    g_autofree char *phase = wait_job(h, job, timeout_ms);

    assert_string_equal(phase, "done");
    return job;
}

/* The string @key of an InspectInstallTree answer is @expected. */
static void
assert_info_string(GVariant *info, const char *key, const char *expected)
{
    const char *s = NULL;

    if (!g_variant_lookup(info, key, "&s", &s))
        fail_msg("InspectInstallTree: no %s", key);
    assert_string_equal(s, expected);
}

/* StartInstall refuses @options as invalid, naming @needle unless it is NULL. */
static void
assert_install_refused(MarinaDBusDomain *dom, GVariant *options, const char *needle)
{
    g_autoptr(GError) error = NULL;

    assert_null(start_install(dom, options, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (needle != NULL)
        assert_non_null(strstr(error->message, needle));
}

/* InspectInstallTree refuses @url as invalid with a message naming each of
 * the strings that follow, up to NULL. */
static void assert_inspect_refused(Harness *h, const char *url, ...) G_GNUC_NULL_TERMINATED;

static void
assert_inspect_refused(Harness *h, const char *url, ...)
{
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GError) error = NULL;
    const char *needle;
    va_list args;

    assert_false(
        marina_dbus_host_call_inspect_install_tree_sync(h->host, url, &info, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    va_start(args, url);
    while ((needle = va_arg(args, const char *)) != NULL)
        assert_non_null(strstr(error->message, needle));
    va_end(args);
}

static GVariant *
kernel_install(const char *kernel, const char *initrd, const char *cmdline)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "kernel", g_variant_new_string(kernel));
    if (initrd != NULL)
        g_variant_builder_add(&b, "{sv}", "initrd", g_variant_new_string(initrd));
    if (cmdline != NULL)
        g_variant_builder_add(&b, "{sv}", "cmdline", g_variant_new_string(cmdline));
    return g_variant_builder_end(&b);
}

static GVariant *
location_install(const char *url)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "location", g_variant_new_string(url));
    g_variant_builder_add(&b, "{sv}", "cmdline", g_variant_new_string(CMDLINE));
    return g_variant_builder_end(&b);
}

static char *
install_dir(Harness *h, MarinaDBusDomain *dom)
{
    return g_build_filename(h->state_dir, "install", marina_dbus_domain_get_uuid(dom), NULL);
}

/* Files (not directories) left under @dir. */
static guint
count_files(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    guint n = 0;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL)
        n++;
    return n;
}

static char *
get_xml(MarinaDBusDomain *dom, guint flags)
{
    g_autoptr(GError) error = NULL;
    char *xml = NULL;

    if (!marina_dbus_domain_call_get_xml_sync(dom, flags, &xml, NULL, &error))
        fail_msg("GetXML: %s", error->message);
    return xml;
}

static void
destroy_and_wait(MarinaDBusDomain *dom)
{
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_destroy_sync(dom, NULL, &error))
        fail_msg("destroy: %s", error->message);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 10000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
}

/* Like harness_open_serial, for a guest just re-attached: its monitor
 * connects a moment after the daemon answers, and consoles wait for it. */
static int
open_serial_reattached(MarinaDBusDomain *dom)
{
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    for (;;) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) fd_index = NULL;
        g_autoptr(GVariant) scrollback = NULL;
        g_autoptr(GUnixFDList) fds = NULL;

        if (marina_dbus_domain_call_open_serial_sync(dom, 0, NULL, &fd_index, &scrollback, &fds,
                                                     NULL, &error))
            return g_unix_fd_list_get(fds, g_variant_get_handle(fd_index), NULL);
        if (!g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING) ||
            g_get_monotonic_time() > end)
            fail_msg("OpenSerial: %s", error->message);
        harness_iterate(100);
    }
}

/* ---------------------------------------------------------------------- */
/* Fixture: one host, one tree server at full speed and one throttled      */

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    const char *guest = harness_guest_dir();
    g_autofree char *vmlinuz = g_build_filename(guest, "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(guest, "initrd.img", NULL);
    g_autofree char *p = NULL;
    const char *treeinfo = "[general]\n"
                           "family = Fedora\n"
                           "name = Fedora 39\n"
                           "version = 39\n"
                           "arch = x86_64\n"
                           "variant = Server\n"
                           "\n"
                           "[images-x86_64]\n"
                           "kernel = isolinux/vmlinuz\n"
                           "initrd = isolinux/initrd.img\n"
                           "\n"
                           "[checksums]\n"
                           "isolinux/vmlinuz = sha256:0\n";

    f->h = harness_new();
    f->events = g_ptr_array_new_with_free_func(g_free);
    g_signal_connect(f->h->host, "domain-event", G_CALLBACK(on_domain_event), f);
    f->trees = g_build_filename(f->h->dir, "trees", NULL);

    /* tree1: a .treeinfo naming its kernel and initrd. */
    p = g_build_filename(f->trees, "tree1", "isolinux", "vmlinuz", NULL);
    copy_file(vmlinuz, p);
    g_free(p);
    p = g_build_filename(f->trees, "tree1", "isolinux", "initrd.img", NULL);
    copy_file(initrd, p);
    g_free(p);
    p = g_build_filename(f->trees, "tree1", ".treeinfo", NULL);
    assert_true(g_file_set_contents(p, treeinfo, -1, NULL));
    g_free(p);
    /* tree2: Fedora's layout without .treeinfo, found by probing. */
    p = g_build_filename(f->trees, "tree2", "images", "pxeboot", "vmlinuz", NULL);
    copy_file(vmlinuz, p);
    g_free(p);
    p = g_build_filename(f->trees, "tree2", "images", "pxeboot", "initrd.img", NULL);
    copy_file(initrd, p);
    g_free(p);
    /* tree3: a .treeinfo pointing out of the tree. */
    p = g_build_filename(f->trees, "tree3", "images", "pxeboot", "vmlinuz", NULL);
    copy_file(vmlinuz, p);
    g_free(p);
    p = g_build_filename(f->trees, "tree3", ".treeinfo", NULL);
    assert_true(g_file_set_contents(p,
                                    "[images-x86_64]\n"
                                    "kernel = ../tree1/isolinux/vmlinuz\n"
                                    "initrd = images/pxeboot/initrd.img\n",
                                    -1, NULL));
    g_free(p);
    /* empty: nothing at all. */
    p = g_build_filename(f->trees, "empty", NULL);
    assert_int_equal(g_mkdir_with_parents(p, 0700), 0);

    f->server = start_server(f->trees, NULL, NULL, &f->url);
    f->slow_server = start_server(f->trees, "--throttle", "65536", &f->slow_url);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    stop_server(f->server);
    stop_server(f->slow_server);
    harness_free(f->h);
    g_ptr_array_unref(f->events);
    g_free(f->trees);
    g_free(f->url);
    g_free(f->slow_url);
    g_free(f);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

static void
test_kernel_install_then_reboot_boots_definition(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autofree char *xml = bare_guest_xml("inst1");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *kernel = g_build_filename(harness_guest_dir(), "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(harness_guest_dir(), "initrd.img", NULL);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *job = NULL;
    g_autofree char *inactive = NULL;
    g_autofree char *live = NULL;
    g_autofree char *after = NULL;
    int fd;

    assert_false(is_installing(h, dom));
    job = install_done(h, dom, kernel_install(kernel, initrd, CMDLINE), 60000);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, NULL),
                     MARINA_DOMAIN_RUNNING);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, 60000));
    assert_true(is_installing(h, dom));

    /* The install boot lives in the running configuration only. */
    inactive = get_xml(dom, 1);
    assert_null(strstr(inactive, "<kernel>"));
    live = get_xml(dom, 0);
    assert_non_null(strstr(live, "<kernel>"));

    /* Starting again while it runs is refused. */
    assert_null(start_install(dom, kernel_install(kernel, initrd, NULL), &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING));
    assert_non_null(strstr(error->message, "inst1"));
    g_clear_error(&error);

    /* The guest reboots: its install boot is over, it runs from its definition. */
    assert_true(harness_type_and_wait(fd, acc, "reboot -f", "", 1000));
    assert_true(saw_event(f, "inst1:rebooted/install finished", 30000));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, NULL),
                     MARINA_DOMAIN_RUNNING);
    assert_false(is_installing(h, dom));
    after = get_xml(dom, 0);
    assert_null(strstr(after, "<kernel>"));
    close(fd);
    destroy_and_wait(dom);
}

static void
test_inspect_trees(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autofree char *tree1 = g_strconcat(f->url, "/tree1/", NULL);
    g_autofree char *tree2 = g_strconcat(f->url, "/tree2", NULL);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) info2 = NULL;
    g_autoptr(GError) error = NULL;
    const char *s;

    if (!marina_dbus_host_call_inspect_install_tree_sync(h->host, tree1, &info, NULL, &error))
        fail_msg("InspectInstallTree: %s", error->message);
    assert_info_string(info, "layout", "treeinfo");
    assert_info_string(info, "kernel", "isolinux/vmlinuz");
    assert_info_string(info, "initrd", "isolinux/initrd.img");
    assert_info_string(info, "family", "Fedora");
    assert_info_string(info, "name", "Fedora 39");
    assert_info_string(info, "version", "39");
    assert_info_string(info, "variant", "Server");
    assert_true(g_variant_lookup(info, "url", "&s", &s));
    assert_true(g_str_has_prefix(s, f->url));

    /* No .treeinfo: the Fedora / RHEL layout is found by probing. */
    if (!marina_dbus_host_call_inspect_install_tree_sync(h->host, tree2, &info2, NULL, &error))
        fail_msg("InspectInstallTree: %s", error->message);
    assert_info_string(info2, "layout", "pxeboot");
    assert_info_string(info2, "kernel", "images/pxeboot/vmlinuz");
    assert_info_string(info2, "initrd", "images/pxeboot/initrd.img");
    assert_false(g_variant_lookup(info2, "family", "&s", &s));
}

static void
test_network_install_downloads_then_cleans_up(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autofree char *xml = bare_guest_xml("inst2");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *tree = g_strconcat(f->url, "/tree1", NULL);
    g_autofree char *k = g_build_filename(f->trees, "tree1", "isolinux", "vmlinuz", NULL);
    g_autofree char *i = g_build_filename(f->trees, "tree1", "isolinux", "initrd.img", NULL);
    g_autofree char *dir = install_dir(h, dom);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autofree char *job = NULL;
    guint64 processed = 0, total = 0;
    int fd;

    job = install_done(h, dom, location_install(tree), 60000);
    g_free(job_phase(h, job, &processed, &total, NULL));
    assert_true(total == file_size(k) + file_size(i));
    assert_true(processed == total);

    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, 60000));
    assert_true(is_installing(h, dom));
    assert_int_equal(count_files(dir), 2); /* vmlinuz, initrd */
    close(fd);

    /* Destroy ends the install boot, and the downloaded files go with it. */
    destroy_and_wait(dom);
    assert_false(is_installing(h, dom));
    assert_int_equal(count_files(dir), 0);
    assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

/* The same over FTP: probing the layout without .treeinfo, then the download. */
static void
test_ftp_install(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autofree char *ftp = NULL;
    GPid server = start_server(f->trees, "--ftp", NULL, &ftp);
    g_autofree char *tree = g_strconcat(ftp, "/tree2/", NULL);
    g_autofree char *xml = bare_guest_xml("inst-ftp");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autofree char *job = NULL;
    int fd;

    if (!marina_dbus_host_call_inspect_install_tree_sync(h->host, tree, &info, NULL, &error))
        fail_msg("InspectInstallTree over FTP: %s", error->message);
    assert_info_string(info, "layout", "pxeboot");
    assert_info_string(info, "kernel", "images/pxeboot/vmlinuz");
    job = install_done(h, dom, location_install(tree), 60000);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, 60000));
    close(fd);
    destroy_and_wait(dom);
    stop_server(server);
}

static void
test_inspect_errors(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autofree char *empty = g_strconcat(f->url, "/empty", NULL);
    g_autofree char *tree3 = g_strconcat(f->url, "/tree3", NULL);

    /* Nothing there: the message names the URL and what was looked for. */
    assert_inspect_refused(h, empty, empty, ".treeinfo", "images/pxeboot/vmlinuz", NULL);
    /* A .treeinfo naming files outside its tree is not followed. */
    assert_inspect_refused(h, tree3, "outside the tree", NULL);
    /* Other schemes are refused before anything is fetched. */
    assert_inspect_refused(h, "file:///etc", "file:///etc", NULL);
    /* A host that does not answer. */
    assert_inspect_refused(h, "http://127.0.0.1:1/x", "http://127.0.0.1:1/x", NULL);
}

static void
test_start_install_refuses_bad_options(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autofree char *xml = bare_guest_xml("inst3");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *kernel = g_build_filename(harness_guest_dir(), "vmlinuz", NULL);
    g_autoptr(GError) error = NULL;
    GVariantBuilder b;

    /* An unknown key. */
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "kernle", g_variant_new_string(kernel));
    assert_install_refused(dom, g_variant_builder_end(&b), "kernle");

    /* A value of the wrong type. */
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "kernel", g_variant_new_uint32(7));
    assert_install_refused(dom, g_variant_builder_end(&b), NULL);

    /* A relative kernel path. */
    assert_install_refused(dom, kernel_install("vmlinuz", NULL, NULL), "absolute");

    /* Both location and kernel. */
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "kernel", g_variant_new_string(kernel));
    g_variant_builder_add(&b, "{sv}", "location", g_variant_new_string(f->url));
    assert_install_refused(dom, g_variant_builder_end(&b), NULL);

    /* A location of another scheme. */
    assert_install_refused(dom, location_install("file:///srv/tree"), NULL);

    /* An empty boot list, and an unknown boot device. */
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "boot", g_variant_new_strv(NULL, 0));
    assert_install_refused(dom, g_variant_builder_end(&b), NULL);
    {
        const char *devs[] = {"cdrom", "usb"};
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "boot", g_variant_new_strv(devs, 2));
        assert_install_refused(dom, g_variant_builder_end(&b), "usb");
    }

    /* Nothing was started, nothing was written. */
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 100, NULL),
                     MARINA_DOMAIN_SHUTOFF);
    assert_false(is_installing(h, dom));
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
}

static void
test_cancel_slow_download(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autofree char *xml = bare_guest_xml("inst4");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *tree = g_strconcat(f->slow_url, "/tree2", NULL);
    g_autofree char *dir = install_dir(h, dom);
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusJob) proxy = NULL;
    g_autofree char *job = NULL;
    g_autofree char *phase = NULL;
    guint64 processed = 0, total = 0;
    gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    job = start_install_ok(dom, location_install(tree));
    /* Wait until bytes are flowing, then cancel. */
    do {
        g_autofree char *p = job_phase(h, job, &processed, &total, NULL);
        assert_string_equal(p, "running");
        if (processed > 0)
            break;
        harness_iterate(100);
    } while (g_get_monotonic_time() < end);
    assert_true(processed > 0);
    assert_true(total > processed);
    /* Starting it another way meanwhile is refused. */
    assert_false(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING));
    g_clear_error(&error);

    proxy = marina_dbus_job_proxy_new_sync(h->conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, job,
                                           NULL, &error);
    assert_non_null(proxy);
    assert_true(marina_dbus_job_call_cancel_sync(proxy, NULL, &error));
    phase = wait_job(h, job, 20000);
    assert_string_equal(phase, "cancelled");
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 100, NULL),
                     MARINA_DOMAIN_SHUTOFF);
    assert_false(is_installing(h, dom));
    assert_int_equal(count_files(dir), 0);

    /* The guest can be installed again afterwards (here: quickly, from a kernel). */
    g_free(job);
    {
        g_autofree char *kernel = g_build_filename(harness_guest_dir(), "vmlinuz", NULL);
        g_autofree char *initrd = g_build_filename(harness_guest_dir(), "initrd.img", NULL);
        job = install_done(h, dom, kernel_install(kernel, initrd, CMDLINE), 60000);
    }
    /* A guest powering off during its install boot just stops. */
    {
        g_autoptr(GString) acc = g_string_new(NULL);
        guint reason = 0;
        int fd = harness_open_serial(h, dom, acc);
        assert_true(harness_wait_output(fd, acc, 0, READY, 60000));
        assert_true(harness_type_and_wait(fd, acc, "poweroff -f", "", 1000));
        assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 20000, &reason),
                         MARINA_DOMAIN_SHUTOFF);
        assert_int_equal(reason, MARINA_SHUTOFF_SHUTDOWN);
        close(fd);
        harness_iterate(500);
        assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 100, NULL),
                         MARINA_DOMAIN_SHUTOFF);
        assert_false(is_installing(h, dom));
    }
}

static void
test_daemon_restart_keeps_install_boot(void **state)
{
    Fixture *f = *state;
    Harness *h = f->h;
    g_autofree char *xml = bare_guest_xml("inst5");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(MarinaDBusDomain) again = NULL;
    g_autofree char *tree = g_strconcat(f->url, "/tree2", NULL);
    g_autofree char *dir = install_dir(h, dom);
    g_autofree char *path = g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(dom)));
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autofree char *job = NULL;
    int fd;

    job = install_done(h, dom, location_install(tree), 60000);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, 60000));
    close(fd);

    /* The daemon goes away and comes back: the guest is still installing. */
    g_clear_object(&dom);
    harness_stop_daemon(h, SIGKILL);
    harness_start_daemon(h);
    harness_connect(h);
    g_signal_connect(h->host, "domain-event", G_CALLBACK(on_domain_event), f);
    again = harness_domain(h, NULL, path);
    assert_int_equal(harness_wait_state(again, MARINA_DOMAIN_RUNNING, 5000, NULL),
                     MARINA_DOMAIN_RUNNING);
    assert_true(is_installing(h, again));
    assert_int_equal(count_files(dir), 2);

    /* Its reboot still ends the install boot. */
    g_string_truncate(acc, 0);
    fd = open_serial_reattached(again);
    assert_true(fd >= 0);
    assert_true(harness_type_and_wait(fd, acc, "reboot -f", "", 1000));
    assert_true(saw_event(f, "inst5:rebooted/install finished", 30000));
    assert_false(is_installing(h, again));
    assert_int_equal(count_files(dir), 0);
    close(fd);
    destroy_and_wait(again);
}

/* The test driver's simulated guests install too: StartInstall just starts. */
static void
test_test_driver_start_install(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("mti-XXXXXX", &error);
    g_autofree char *node = g_build_filename(dir, "node.xml", NULL);
    g_autofree char *kernel = g_build_filename(harness_guest_dir(), "vmlinuz", NULL);
    const char *args[] = {"--driver", "test", "--test-file", node, NULL};
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autofree char *path = NULL;
    g_autofree char *job = NULL;
    g_autofree char *cmd = NULL;
    Harness *h;

    assert_true(g_file_set_contents(
        node,
        "<node><domain type='test'><name>tinst</name><memory unit='MiB'>128</memory>"
        "<vcpu>1</vcpu><os><type>hvm</type></os></domain></node>",
        -1, &error));
    h = harness_new_with_args(args);
    assert_true(marina_dbus_host_call_lookup_domain_sync(h->host, "tinst", &path, NULL, &error));
    dom = harness_domain(h, NULL, path);
    if (harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 100, NULL) != MARINA_DOMAIN_SHUTOFF)
        destroy_and_wait(dom);
    job = install_done(h, dom, kernel_install(kernel, NULL, CMDLINE), 10000);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, NULL),
                     MARINA_DOMAIN_RUNNING);
    assert_true(is_installing(h, dom));
    destroy_and_wait(dom);
    assert_false(is_installing(h, dom));
    g_clear_object(&dom);
    harness_free(h);
    cmd = g_strdup_printf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_install_then_reboot_boots_definition),
        cmocka_unit_test(test_inspect_trees),
        cmocka_unit_test(test_network_install_downloads_then_cleans_up),
        cmocka_unit_test(test_ftp_install),
        cmocka_unit_test(test_inspect_errors),
        cmocka_unit_test(test_start_install_refuses_bad_options),
        cmocka_unit_test(test_cancel_slow_download),
        cmocka_unit_test(test_daemon_restart_keeps_install_boot),
        cmocka_unit_test(test_test_driver_start_install),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
