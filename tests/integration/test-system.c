/* The system daemon (root): a read-write socket only root reaches, and a
 * read-only socket anyone may use to watch guests but not change them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "marina-dbus.h"

static char *root;

static GDBusConnection *
connect_to(const char *path)
{
    g_autofree char *escaped = g_dbus_address_escape_value(path);
    g_autofree char *address = g_strconcat("unix:path=", escaped, NULL);

    return g_dbus_connection_new_for_address_sync(
        address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, NULL);
}

static MarinaDBusHost *
host_on(GDBusConnection *conn)
{
    return marina_dbus_host_proxy_new_sync(conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                                           "/org/marinavm/Marina1", NULL, NULL);
}

static void
test_read_only_socket(void **state)
{
    g_autofree char *rw = g_build_filename(root, "rw.sock", NULL);
    g_autofree char *ro = g_build_filename(root, "ro.sock", NULL);
    g_autofree char *conf = g_build_filename(root, "marinad.conf", NULL);
    g_autofree char *st = g_build_filename(root, "st", NULL);
    g_autofree char *text = g_strdup_printf("[marinad]\nunix-socket-path=%s\n"
                                            "unix-socket-ro-path=%s\nstats-interval-ms=0\n",
                                            rw, ro);
    const char *argv[] = {g_getenv("MARINAD"), "--system", "--config", conf,
                          "--state-dir",       st,         NULL};
    const char *xml = "<domain type='kvm'><name>sys1</name><memory unit='MiB'>64</memory>"
                      "<vcpu>1</vcpu></domain>";
    g_autoptr(GDBusConnection) rw_conn = NULL, ro_conn = NULL;
    g_autoptr(MarinaDBusHost) rw_host = NULL, ro_host = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GVariant) list = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_auto(GStrv) warnings = NULL;
    GStatBuf sb;
    GPid pid;
    int status;

    assert_true(g_file_set_contents(conf, text, -1, NULL));
    assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                              &pid, NULL));
    for (int i = 0;
         i < 200 && !(g_file_test(rw, G_FILE_TEST_EXISTS) && g_file_test(ro, G_FILE_TEST_EXISTS));
         i++)
        g_usleep(20000);
    assert_int_equal(g_stat(rw, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700); /* root only */
    assert_int_equal(g_stat(ro, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0777); /* anyone may watch */

    rw_conn = connect_to(rw);
    ro_conn = connect_to(ro);
    assert_non_null(rw_conn);
    assert_non_null(ro_conn);
    rw_host = host_on(rw_conn);
    ro_host = host_on(ro_conn);
    assert_true(
        marina_dbus_host_call_define_domain_sync(rw_host, xml, &path, &warnings, NULL, &error));

    /* The read-only socket sees everything... */
    assert_true(marina_dbus_host_call_list_domains_sync(ro_host, &list, NULL, &error));
    assert_int_equal(g_variant_n_children(list), 1);
    /* ...and changes nothing, with a message that says where to go instead. */
    assert_false(marina_dbus_host_call_define_domain_sync(ro_host, xml, NULL, NULL, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_READ_ONLY));
    assert_non_null(strstr(error->message, rw));
    g_clear_error(&error);
    dom = marina_dbus_domain_proxy_new_sync(ro_conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                                            path, NULL, NULL);
    assert_false(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_READ_ONLY));

    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_only_socket),
    };
    g_autofree char *cmd = NULL;
    int rc;

    if (getuid() != 0) {
        fprintf(stderr, "the system daemon needs root; skipped\n");
        return 77;
    }
    (void)marina_error_quark();
    root = g_dir_make_tmp("msys-XXXXXX", NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cmd = g_strdup_printf("rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return rc;
}
