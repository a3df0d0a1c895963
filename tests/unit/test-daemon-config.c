/* marinad.conf's migration keys: defaults, values read, and mistakes
 * stopping the daemon with a reason that names the key. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/error.h"
#include "daemon-config.h"

static MarinaDaemonConfig *
load(const char *text, GError **error)
{
    g_autofree char *dir = g_dir_make_tmp("mdc-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "marinad.conf", NULL);
    g_autofree char *state = g_build_filename(dir, "st", NULL);
    g_autofree char *sock = g_build_filename(dir, "sock", NULL);
    MarinaDaemonConfig *c;

    assert_true(g_file_set_contents(file, text, -1, NULL));
    g_setenv("MARINA_ACCEL", "tcg", TRUE);
    c = marina_daemon_config_load(FALSE, file, sock, state, NULL, error);
    g_unlink(file);
    g_rmdir(dir);
    return c;
}

static void
test_defaults(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDaemonConfig) c = load("[marinad]\n", &error);

    assert_non_null(c);
    assert_null(c->migration_address);
    assert_int_equal(c->migration_port_min, 49152);
    assert_int_equal(c->migration_port_max, 49215);
    assert_true(c->migration_hosts_allow == NULL || c->migration_hosts_allow[0] == NULL);
}

static void
test_values(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDaemonConfig) c =
        load("[marinad]\nmigration-address=192.168.1.5\nmigration-port-min=50000\n"
             "migration-port-max=50010\nmigration-hosts-allow=^node[0-9]+$  10\\.0\\.0\\.\n",
             &error);

    assert_non_null(c);
    assert_string_equal(c->migration_address, "192.168.1.5");
    assert_int_equal(c->migration_port_min, 50000);
    assert_int_equal(c->migration_port_max, 50010);
    assert_int_equal(g_strv_length(c->migration_hosts_allow), 2);
    assert_string_equal(c->migration_hosts_allow[0], "^node[0-9]+$");
    assert_string_equal(c->migration_hosts_allow[1], "10\\.0\\.0\\.");
}

static void
assert_refused(const char *text, const char *key)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaDaemonConfig) c = load(text, &error);

    assert_null(c);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (strstr(error->message, key) == NULL)
        fail_msg("'%s' not in '%s'", key, error->message);
}

static void
test_mistakes(void **state)
{
    assert_refused("[marinad]\nmigration-port-min=0\n", "migration-port-min");
    assert_refused("[marinad]\nmigration-port-max=70000\n", "migration-port-max");
    assert_refused("[marinad]\nmigration-port-min=50010\nmigration-port-max=50000\n",
                   "migration-port-min");
    assert_refused("[marinad]\nmigration-hosts-allow=(unclosed\n", "migration-hosts-allow");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_mistakes),
    };

    (void)marina_error_quark();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
