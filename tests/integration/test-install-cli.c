/* marinactl install against a real marinad and real QEMU: guests made the
 * virt-install way, and failures that leave nothing behind. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "core/connection.h"
#include "core/error.h"
#include "core/installer.h"
#include "harness.h"

#define GUEST_CMDLINE "console=ttyS0 quiet panic=-1 acpi=noirq cryptomgr.notests"
#define READY "MARINA-GUEST-READY"

static char *
boot_option(void)
{
    const char *dir = harness_guest_dir();

    return g_strdup_printf("kernel=%s/vmlinuz,initrd=%s/initrd.img,kernel_args=%s", dir, dir,
                           GUEST_CMDLINE);
}

static char *
test_iso(void)
{
    return g_build_filename(harness_guest_dir(), "marina-test.iso", NULL);
}

static char *
image_path(Harness *h, const char *name)
{
    return g_build_filename(h->state_dir, "images", name, NULL);
}

/* Files in the default pool's directory. */
static guint
count_images(Harness *h)
{
    g_autofree char *dir = g_build_filename(h->state_dir, "images", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    while (d != NULL && g_dir_read_name(d) != NULL)
        n++;
    return n;
}

static MarinaDBusDomain *
lookup(Harness *h, const char *name, GError **error)
{
    g_autofree char *path = NULL;

    if (!marina_dbus_host_call_lookup_domain_sync(h->host, name, &path, NULL, error))
        return NULL;
    return harness_domain(h, NULL, path);
}

static void
assert_no_domain(Harness *h, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusDomain) dom = lookup(h, name, &error);

    assert_null(dom);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DOMAIN));
}

static void
destroy_and_undefine(MarinaDBusDomain *dom)
{
    marina_dbus_domain_call_destroy_sync(dom, NULL, NULL);
    marina_dbus_domain_call_undefine_sync(dom, 1, NULL, NULL);
}

/* qemu-img's view of an image, as JSON text. */
static char *
image_info(const char *path)
{
    const char *argv[] = {"qemu-img", "info", "--output=json", "-U", path, NULL};
    char *out = NULL;
    int status = -1;

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                             &status, NULL));
    assert_int_equal(status, 0);
    return out;
}

static void
wait_ready(Harness *h, MarinaDBusDomain *dom, const char *disks_line)
{
    g_autoptr(GString) acc = g_string_new(NULL);
    int fd = harness_open_serial(h, dom, acc);

    assert_true(fd >= 0);
    if (!harness_wait_output(fd, acc, 0, READY, 90000))
        fail_msg("no ready line; console:\n%s", acc->str);
    if (disks_line != NULL && strstr(acc->str, disks_line) == NULL)
        fail_msg("'%s' not on the console:\n%s", disks_line, acc->str);
    close(fd);
}

static void
test_kernel_boot_with_new_disk(void **state)
{
    Harness *h = *state;
    g_autofree char *boot = boot_option();
    g_autofree char *out = NULL, *err = NULL, *info = NULL, *xml = NULL;
    g_autofree char *image = image_path(h, "t1.qcow2");
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    status =
        harness_marinactl(h, &out, &err, "install", "--name", "t1", "--memory", "256", "--boot",
                          boot, "--disk", "pool=default,size=1", "--noautoconsole", NULL);
    if (status != 0)
        fail_msg("exit %d: %s", status, err);
    /* Progress went to stderr, the way to connect to stdout. */
    assert_non_null(strstr(err, "Creating disk t1.qcow2 in pool default"));
    assert_non_null(strstr(out, "console t1"));

    dom = lookup(h, "t1", &error);
    assert_non_null(dom);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 10000, NULL),
                     MARINA_DOMAIN_RUNNING);
    wait_ready(h, dom, "MARINA-GUEST-DISKS vda");

    assert_true(g_file_test(image, G_FILE_TEST_IS_REGULAR));
    info = image_info(image);
    if (strstr(info, "\"format\": \"qcow2\"") == NULL ||
        strstr(info, "\"virtual-size\": 1073741824,") == NULL)
        fail_msg("not a 1 GiB qcow2:\n%s", info);

    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 1, &xml, NULL, &error));
    assert_non_null(strstr(xml, image));
    assert_non_null(strstr(xml, "<kernel>"));
    assert_non_null(strstr(xml, "type=\"vnc\""));
    assert_non_null(strstr(xml, "type=\"tablet\""));
    /* This test leaves t1 for the taken-name test below. */
}

static void
test_taken_name_makes_no_volume(void **state)
{
    Harness *h = *state;
    g_autofree char *err = NULL;
    guint images = count_images(h);
    guint defs = harness_count_definitions(h);

    assert_int_equal(harness_marinactl(h, NULL, &err, "install", "--name", "t1", "--no-install",
                                       "--disk", "pool=default,size=1,name=other.qcow2", NULL),
                     1);
    assert_non_null(strstr(err, "A guest named 't1' already exists"));
    assert_int_equal(count_images(h), images);
    assert_int_equal(harness_count_definitions(h), defs);
}

static void
test_import_existing_disk(void **state)
{
    Harness *h = *state;
    g_autofree char *image = g_build_filename(h->dir, "imported.qcow2", NULL);
    g_autofree char *disk = g_strdup_printf("path=%s", image);
    const char *create[] = {"qemu-img", "create", "-q", "-f", "qcow2", image, "64M", NULL};
    g_autofree char *err = NULL, *xml = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    guint images = count_images(h);
    int status = -1;

    assert_true(g_spawn_sync(NULL, (char **)create, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                             NULL, &status, NULL));
    assert_int_equal(status, 0);
    status =
        harness_marinactl(h, NULL, &err, "install", "--name", "imp", "--memory", "128", "--import",
                          "--disk", disk, "--network", "none", "--noautoconsole", NULL);
    if (status != 0)
        fail_msg("exit %d: %s", status, err);
    dom = lookup(h, "imp", &error);
    assert_non_null(dom);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 10000, NULL),
                     MARINA_DOMAIN_RUNNING);
    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 1, &xml, NULL, &error));
    assert_non_null(strstr(xml, image));
    assert_non_null(strstr(xml, "type=\"qcow2\""));
    assert_null(strstr(xml, "<interface"));
    /* Nothing was created in the pool. */
    assert_int_equal(count_images(h), images);
    destroy_and_undefine(dom);
}

static void
test_disk_larger_than_pool(void **state)
{
    Harness *h = *state;
    g_autofree char *boot = boot_option();
    g_autofree char *err = NULL;
    guint images = count_images(h);
    guint defs = harness_count_definitions(h);

    /* ~1 PiB: more than any test machine's disk. */
    assert_int_equal(harness_marinactl(h, NULL, &err, "install", "--name", "big", "--boot", boot,
                                       "--disk", "pool=default,size=1000000", "--noautoconsole",
                                       NULL),
                     1);
    assert_non_null(strstr(err, "Pool 'default' has"));
    assert_non_null(strstr(err, "free"));
    assert_no_domain(h, "big");
    assert_int_equal(count_images(h), images);
    assert_int_equal(harness_count_definitions(h), defs);
}

static void
test_failed_start_rolls_back(void **state)
{
    Harness *h = *state;
    g_autofree char *err = NULL;
    g_autofree char *image = image_path(h, "bad1.qcow2");
    guint images = count_images(h);
    guint defs = harness_count_definitions(h);

    /* The ISO is not there: the guest is defined and the disk made, then the
     * start fails, and both must go again. */
    assert_int_equal(harness_marinactl(h, NULL, &err, "install", "--name", "bad1", "--memory",
                                       "128", "--cdrom", "/nonexistent/marina-missing.iso",
                                       "--disk", "pool=default,size=1", "--noautoconsole", NULL),
                     1);
    assert_non_null(strstr(err, "Creating disk bad1.qcow2"));
    assert_non_null(strstr(err, "Removing what was made for guest bad1"));
    assert_non_null(strstr(err, "error:"));
    assert_no_domain(h, "bad1");
    assert_false(g_file_test(image, G_FILE_TEST_EXISTS));
    assert_int_equal(count_images(h), images);
    assert_int_equal(harness_count_definitions(h), defs);
}

static void
test_print_xml_makes_nothing(void **state)
{
    Harness *h = *state;
    g_autofree char *iso = test_iso();
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *image = image_path(h, "px.qcow2");
    guint images = count_images(h);
    guint defs = harness_count_definitions(h);

    assert_int_equal(harness_marinactl(h, &out, &err, "install", "--name", "px", "--cdrom", iso,
                                       "--os-variant", "debian11", "--disk", "pool=default",
                                       "--print-xml", NULL),
                     0);
    assert_true(g_str_has_prefix(out, "<domain"));
    assert_non_null(strstr(out, image));
    assert_non_null(strstr(out, "dev=\"hdc\""));
    assert_non_null(strstr(out, "http://debian.org/debian/11"));
    /* debian11's recommended memory. */
    assert_non_null(strstr(out, "<memory unit=\"KiB\">1048576</memory>"));
    assert_no_domain(h, "px");
    assert_int_equal(count_images(h), images);
    assert_int_equal(harness_count_definitions(h), defs);

    /* An unknown OS: a usage error with close matches. */
    g_clear_pointer(&err, g_free);
    assert_int_equal(harness_marinactl(h, NULL, &err, "install", "--name", "px", "--no-install",
                                       "--os-variant", "debain11", "--disk", "none", NULL),
                     2);
    assert_non_null(strstr(err, "debian11"));
    assert_no_domain(h, "px");
}

static void
test_cdrom_install(void **state)
{
    Harness *h = *state;
    g_autofree char *iso = test_iso();
    g_autofree char *err = NULL, *xml = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    status =
        harness_marinactl(h, NULL, &err, "install", "--name", "cd1", "--memory", "256", "--cdrom",
                          iso, "--disk", "pool=default,size=1", "--noautoconsole", NULL);
    if (status != 0)
        fail_msg("exit %d: %s", status, err);
    dom = lookup(h, "cd1", &error);
    assert_non_null(dom);
    /* Booted from the CD-ROM (the live CD of the test guest) with the new disk. */
    wait_ready(h, dom, "vda");
    /* The definition boots from the disk after the install. */
    assert_true(marina_dbus_domain_call_get_xml_sync(dom, 1, &xml, NULL, &error));
    assert_non_null(strstr(xml, "<boot dev=\"hd\"/>\n    <boot dev=\"cdrom\"/>"));
    destroy_and_undefine(dom);
}

static void
test_autoconsole(void **state)
{
    Harness *h = *state;
    g_autofree char *boot = boot_option();
    const char *argv[] = {g_getenv("MARINACTL"),
                          "-c",
                          h->uri,
                          "install",
                          "--name",
                          "con1",
                          "--memory",
                          "256",
                          "--boot",
                          boot,
                          "--disk",
                          "none",
                          NULL};
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    const char *line = "echo install-$((6*7))\n";
    int in_fd, out_fd, status = -1;
    GPid pid;

    assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                         NULL, &pid, &in_fd, &out_fd, NULL, &error));
    /* Without --noautoconsole marinactl stays on the guest's serial console. */
    if (!harness_wait_output(out_fd, acc, 0, READY, 90000))
        fail_msg("no ready line through marinactl:\n%s", acc->str);
    assert_int_equal(write(in_fd, line, strlen(line)), (ssize_t)strlen(line));
    assert_true(harness_wait_output(out_fd, acc, 0, "install-42", 20000));
    close(in_fd);
    waitpid(pid, &status, 0);
    close(out_fd);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    dom = lookup(h, "con1", &error);
    assert_non_null(dom);
    destroy_and_undefine(dom);
}

/* A Debian-layout install tree served over loopback HTTP by a helper we start. */
static GPid
serve_tree(Harness *h, int *port)
{
    g_autofree char *root = g_build_filename(h->dir, "tree", NULL);
    g_autofree char *images =
        g_build_filename(root, "current/images/netboot/debian-installer/amd64", NULL);
    g_autofree char *kernel = g_build_filename(harness_guest_dir(), "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(harness_guest_dir(), "initrd.img", NULL);
    g_autofree char *linux_path = g_build_filename(images, "linux", NULL);
    g_autofree char *initrd_path = g_build_filename(images, "initrd.gz", NULL);
    g_autofree char *port_text = NULL;
    g_autofree char *contents = NULL;
    gsize len = 0;
    GPid pid;

    assert_int_equal(g_mkdir_with_parents(images, 0700), 0);
    assert_true(g_file_get_contents(kernel, &contents, &len, NULL));
    assert_true(g_file_set_contents(linux_path, contents, (gssize)len, NULL));
    g_clear_pointer(&contents, g_free);
    assert_true(g_file_get_contents(initrd, &contents, &len, NULL));
    assert_true(g_file_set_contents(initrd_path, contents, (gssize)len, NULL));
    *port = 20000 + (int)(getpid() % 20000);
    port_text = g_strdup_printf("%d", *port);
    {
        /* The system Python itself, not a wrapper script: killing this pid ends it. */
        const char *argv[] = {"/usr/bin/python3", "-m",          "http.server", port_text, "--bind",
                              "127.0.0.1",        "--directory", root,          NULL};
        assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                      G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &pid, NULL));
    }
    /* Until it listens. */
    for (int i = 0; i < 100; i++) {
        g_autoptr(GSocketClient) client = g_socket_client_new();
        g_autoptr(GSocketConnection) c =
            g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)*port, NULL, NULL);
        if (c != NULL)
            break;
        g_usleep(100000);
    }
    return pid;
}

static void
test_location_install(void **state)
{
    Harness *h = *state;
    g_autofree char *url = NULL, *err = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    int port, status;
    GPid server = serve_tree(h, &port);

    url = g_strdup_printf("http://127.0.0.1:%d/", port);
    status = harness_marinactl(h, NULL, &err, "install", "--name", "loc1", "--memory", "256",
                               "--location", url, "--extra-args", GUEST_CMDLINE, "--disk",
                               "pool=default,size=1", "--noautoconsole", NULL);
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    if (status != 0)
        fail_msg("exit %d: %s", status, err);
    assert_non_null(strstr(err, "Downloading the installer from"));
    dom = lookup(h, "loc1", &error);
    assert_non_null(dom);
    wait_ready(h, dom, "vda");
    destroy_and_undefine(dom);
}

static void
test_no_install_defines_only(void **state)
{
    Harness *h = *state;
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) info = NULL;
    guint st = 0;
    int status;

    status = harness_marinactl(h, &out, &err, "install", "--name", "man1", "--no-install", "--disk",
                               "pool=default,size=0.25,format=raw", NULL);
    if (status != 0)
        fail_msg("exit %d: %s", status, err);
    assert_non_null(strstr(out, "marinactl start man1"));
    dom = lookup(h, "man1", &error);
    assert_non_null(dom);
    assert_true(marina_dbus_domain_call_get_info_sync(dom, &info, NULL, &error));
    assert_true(g_variant_lookup(info, "state", "u", &st));
    assert_int_equal(st, MARINA_DOMAIN_SHUTOFF);
    {
        g_autofree char *image = image_path(h, "man1.img");
        g_autofree char *text = image_info(image);
        assert_non_null(strstr(text, "\"format\": \"raw\""));
        assert_non_null(strstr(text, "\"virtual-size\": 268435456,"));
    }
    destroy_and_undefine(dom);
    {
        g_autofree char *image = image_path(h, "man1.img");
        const char *argv[] = {g_getenv("MARINACTL"),
                              "-c",
                              h->uri,
                              "vol-delete",
                              "--pool",
                              "default",
                              "man1.img",
                              NULL};
        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL,
                     NULL);
        assert_false(g_file_test(image, G_FILE_TEST_EXISTS));
    }
}

/* The library under marinactl and the wizard: prepare, begin, abandon, cancel. */

typedef struct {
    GMainLoop *loop;
    GAsyncResult *result;
    GCancellable *cancel_at_defining;
    GString *steps;
} Wait;

static void
on_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Wait *w = user_data;

    w->result = g_object_ref(result);
    g_main_loop_quit(w->loop);
}

static void
on_progress(MarinaInstaller *installer, int step, const char *message, double fraction, Wait *w)
{
    g_string_append_printf(w->steps, "%d ", step);
    if (step == MARINA_INSTALLER_DEFINING && w->cancel_at_defining != NULL)
        g_cancellable_cancel(w->cancel_at_defining);
}

static void
wait_result(Wait *w)
{
    g_clear_object(&w->result);
    g_main_loop_run(w->loop);
}

static MarinaInstallSpec *
kernel_spec(const char *name)
{
    MarinaInstallSpec *spec = marina_install_spec_new();
    MarinaInstallDisk *disk = marina_install_disk_new(MARINA_INSTALL_DISK_NEW);

    spec->name = g_strdup(name);
    spec->memory_mib = 256;
    spec->method = MARINA_INSTALL_KERNEL;
    spec->kernel = g_build_filename(harness_guest_dir(), "vmlinuz", NULL);
    spec->initrd = g_build_filename(harness_guest_dir(), "initrd.img", NULL);
    spec->cmdline = g_strdup(GUEST_CMDLINE);
    disk->pool = g_strdup("default");
    disk->size = 64 << 20;
    g_ptr_array_add(spec->disks, disk);
    return spec;
}

static void
test_installer_prepare_begin_abandon(void **state)
{
    Harness *h = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) conn = marina_connection_open_sync(h->uri, NULL, &error);
    g_autoptr(MarinaInstaller) a = NULL, b = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autofree char *path = NULL;
    g_autofree char *image_a = image_path(h, "prep1.qcow2");
    Wait w = {.loop = g_main_loop_new(NULL, FALSE), .steps = g_string_new(NULL)};
    guint images = count_images(h);

    assert_non_null(conn);
    /* Prepare, then abandon: nothing is left. */
    a = marina_installer_new(conn, kernel_spec("prep1"));
    g_signal_connect(a, "progress", G_CALLBACK(on_progress), &w);
    marina_installer_run_async(a, TRUE, NULL, on_done, &w);
    wait_result(&w);
    path = marina_installer_run_finish(a, w.result, &error);
    assert_non_null(path);
    assert_true(g_file_test(image_a, G_FILE_TEST_EXISTS));
    assert_string_equal(
        marina_installer_get_spec(a)->disks->len > 0
            ? ((MarinaInstallDisk *)marina_installer_get_spec(a)->disks->pdata[0])->path
            : "",
        image_a);
    dom = lookup(h, "prep1", &error);
    assert_non_null(dom);
    g_clear_object(&dom);
    marina_installer_abandon_async(a, on_done, &w);
    wait_result(&w);
    assert_true(marina_installer_abandon_finish(a, w.result, &error));
    assert_no_domain(h, "prep1");
    assert_false(g_file_test(image_a, G_FILE_TEST_EXISTS));
    assert_int_equal(count_images(h), images);

    /* Prepare, then begin: the guest runs. */
    g_clear_pointer(&path, g_free);
    b = marina_installer_new(conn, kernel_spec("prep2"));
    marina_installer_run_async(b, TRUE, NULL, on_done, &w);
    wait_result(&w);
    path = marina_installer_run_finish(b, w.result, &error);
    assert_non_null(path);
    marina_installer_begin_async(b, NULL, on_done, &w);
    wait_result(&w);
    assert_true(marina_installer_begin_finish(b, w.result, &error));
    dom = lookup(h, "prep2", &error);
    assert_non_null(dom);
    wait_ready(h, dom, "vda");
    destroy_and_undefine(dom);

    g_clear_object(&w.result);
    g_main_loop_unref(w.loop);
    g_string_free(w.steps, TRUE);
}

static void
test_installer_cancel_rolls_back(void **state)
{
    Harness *h = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) conn = marina_connection_open_sync(h->uri, NULL, &error);
    g_autoptr(MarinaInstaller) installer = NULL;
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autofree char *path = NULL;
    Wait w = {.loop = g_main_loop_new(NULL, FALSE), .steps = g_string_new(NULL)};
    guint images = count_images(h);
    guint defs = harness_count_definitions(h);

    assert_non_null(conn);
    /* Cancelled while the guest is being defined: the disk was made, the
     * definition goes through, and both are taken away again. */
    w.cancel_at_defining = cancellable;
    installer = marina_installer_new(conn, kernel_spec("cancel1"));
    g_signal_connect(installer, "progress", G_CALLBACK(on_progress), &w);
    marina_installer_run_async(installer, FALSE, cancellable, on_done, &w);
    wait_result(&w);
    path = marina_installer_run_finish(installer, w.result, &error);
    assert_null(path);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    /* checking, creating disks, defining, cleaning up */
    assert_non_null(strstr(w.steps->str, "1 "));
    assert_non_null(strstr(w.steps->str, "5 "));
    assert_no_domain(h, "cancel1");
    assert_int_equal(count_images(h), images);
    assert_int_equal(harness_count_definitions(h), defs);

    g_clear_object(&w.result);
    g_main_loop_unref(w.loop);
    g_string_free(w.steps, TRUE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_boot_with_new_disk),
        cmocka_unit_test(test_taken_name_makes_no_volume),
        cmocka_unit_test(test_import_existing_disk),
        cmocka_unit_test(test_disk_larger_than_pool),
        cmocka_unit_test(test_failed_start_rolls_back),
        cmocka_unit_test(test_print_xml_makes_nothing),
        cmocka_unit_test(test_cdrom_install),
        cmocka_unit_test(test_autoconsole),
        cmocka_unit_test(test_no_install_defines_only),
        cmocka_unit_test(test_location_install),
        cmocka_unit_test(test_installer_prepare_begin_abandon),
        cmocka_unit_test(test_installer_cancel_rolls_back),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
