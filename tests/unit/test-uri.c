#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "paths.h"
#include "uri.h"

static MarinaUri *
parse_ok(const char *str)
{
    g_autoptr(GError) error = NULL;
    MarinaUri *uri = marina_uri_parse(str, &error);

    if (uri == NULL)
        fail_msg("'%s' did not parse: %s", str, error->message);
    assert_null(error);
    return uri;
}

/* Parsing @str fails with INVALID_ARGUMENT and a message containing @needle. */
static void
assert_refused(const char *str, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaUri) uri = marina_uri_parse(str, &error);

    if (uri != NULL)
        fail_msg("'%s' parsed but should have been refused", str);
    assert_non_null(error);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (strstr(error->message, needle) == NULL)
        fail_msg("error for '%s' is \"%s\", expected it to mention \"%s\"", str, error->message,
                 needle);
}

static void
assert_canonical(const char *str, const char *expected)
{
    g_autoptr(MarinaUri) uri = parse_ok(str);
    g_autofree char *out = marina_uri_to_string(uri);

    assert_string_equal(out, expected);
}

static void
test_local_session_and_system(void **state)
{
    g_autoptr(MarinaUri) session = parse_ok("marina:///session");
    g_autoptr(MarinaUri) system = parse_ok("marina:///system");

    assert_int_equal(session->transport, MARINA_URI_TRANSPORT_LOCAL);
    assert_string_equal(session->path, "session");
    assert_null(session->host);
    assert_null(session->user);
    assert_int_equal(session->port, 0);
    assert_string_equal(session->original, "marina:///session");
    assert_true(marina_uri_is_session(session));
    assert_false(marina_uri_is_system(session));

    assert_int_equal(system->transport, MARINA_URI_TRANSPORT_LOCAL);
    assert_string_equal(system->path, "system");
    assert_true(marina_uri_is_system(system));
}

static void
test_qemu_aliases_mean_the_same(void **state)
{
    g_autoptr(MarinaUri) local = parse_ok("qemu:///system");
    g_autoptr(MarinaUri) ssh = parse_ok("qemu+ssh://root@h1/session");

    assert_int_equal(local->transport, MARINA_URI_TRANSPORT_LOCAL);
    assert_string_equal(local->path, "system");
    assert_int_equal(ssh->transport, MARINA_URI_TRANSPORT_SSH);
    assert_string_equal(ssh->host, "h1");
    assert_string_equal(ssh->user, "root");
    assert_canonical("qemu:///session", "marina:///session");
    assert_canonical("QEMU+SSH://h1/system", "marina+ssh://h1/system");
}

static void
test_trailing_slash_accepted(void **state)
{
    assert_canonical("marina:///system/", "marina:///system");
    assert_canonical("marina+ssh://h/session/", "marina+ssh://h/session");
}

static void
test_ssh_full(void **state)
{
    g_autoptr(MarinaUri) uri = parse_ok("marina+ssh://alice@host.example:2222/system"
                                        "?keyfile=/home/alice/.ssh/id_ed25519&no_verify=1"
                                        "&command=/opt/marina/sbin/marinad");

    assert_int_equal(uri->transport, MARINA_URI_TRANSPORT_SSH);
    assert_string_equal(uri->user, "alice");
    assert_string_equal(uri->host, "host.example");
    assert_int_equal(uri->port, 2222);
    assert_string_equal(uri->path, "system");
    assert_string_equal(marina_uri_get_param(uri, "keyfile"), "/home/alice/.ssh/id_ed25519");
    assert_string_equal(marina_uri_get_param(uri, "no_verify"), "1");
    assert_string_equal(marina_uri_get_param(uri, "command"), "/opt/marina/sbin/marinad");
    assert_null(marina_uri_get_param(uri, "socket"));
    assert_null(marina_uri_socket_path(uri));
}

static void
test_ssh_ipv6_literal(void **state)
{
    g_autoptr(MarinaUri) uri = parse_ok("marina+ssh://[::1]:22/session");

    assert_string_equal(uri->host, "::1");
    assert_int_equal(uri->port, 22);
    assert_canonical("marina+ssh://[::1]:22/session", "marina+ssh://[::1]:22/session");
}

static void
test_param_values_are_decoded(void **state)
{
    g_autoptr(MarinaUri) uri =
        parse_ok("marina+ssh://h/system?command=sudo%20marinad&keyfile=/k%26ey");

    assert_string_equal(marina_uri_get_param(uri, "command"), "sudo marinad");
    assert_string_equal(marina_uri_get_param(uri, "keyfile"), "/k&ey");
}

static void
test_unix_socket(void **state)
{
    g_autoptr(MarinaUri) uri = parse_ok("marina+unix:///tmp/h1/marinad.sock");
    g_autoptr(MarinaUri) ambiguous = parse_ok("marina+unix:///system");
    g_autofree char *socket = marina_uri_socket_path(uri);
    g_autofree char *ambiguous_socket = marina_uri_socket_path(ambiguous);

    assert_int_equal(uri->transport, MARINA_URI_TRANSPORT_UNIX);
    assert_string_equal(uri->path, "/tmp/h1/marinad.sock");
    assert_string_equal(socket, "/tmp/h1/marinad.sock");
    /* The path IS the socket, even when it reads like a mode. */
    assert_string_equal(ambiguous_socket, "/system");
    assert_false(marina_uri_is_system(ambiguous));
}

static void
test_socket_path_defaults_and_override(void **state)
{
    g_autoptr(MarinaUri) session = parse_ok("marina:///session");
    g_autoptr(MarinaUri) system = parse_ok("marina:///system");
    g_autoptr(MarinaUri) override = parse_ok("marina:///system?socket=/run/marina/marinad-ro.sock");
    g_autofree char *session_socket = NULL;
    g_autofree char *system_socket = marina_uri_socket_path(system);
    g_autofree char *override_socket = marina_uri_socket_path(override);

    g_setenv("XDG_RUNTIME_DIR", "/run/user/4242", TRUE);
    session_socket = marina_uri_socket_path(session);
    assert_string_equal(session_socket, "/run/user/4242/marina/marinad.sock");
    assert_string_equal(system_socket, MARINA_SYSTEM_SOCKET);
    assert_string_equal(override_socket, MARINA_SYSTEM_RO_SOCKET);
}

static void
test_canonical_form(void **state)
{
    assert_canonical("marina:///session", "marina:///session");
    assert_canonical("MARINA:///system", "marina:///system");
    assert_canonical("marina+unix:///tmp/a%20b.sock", "marina+unix:///tmp/a%20b.sock");
    /* Parameters come out sorted, so two spellings compare equal. */
    assert_canonical("marina+ssh://u@h:2200/system?no_verify=1&keyfile=/k",
                     "marina+ssh://u@h:2200/system?keyfile=/k&no_verify=1");
    assert_canonical("marina+ssh://h/system?command=sudo%20marinad",
                     "marina+ssh://h/system?command=sudo%20marinad");
}

static void
test_canonical_round_trips(void **state)
{
    const char *const inputs[] = {
        "marina+ssh://bob@[fe80::1]:65535/session?no_tty=1&socket=/tmp/s.sock",
        "marina+unix:///var/tmp/x.sock",
        "qemu:///system?socket=/tmp/y.sock",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
        g_autoptr(MarinaUri) a = parse_ok(inputs[i]);
        g_autofree char *s1 = marina_uri_to_string(a);
        g_autoptr(MarinaUri) b = parse_ok(s1);
        g_autofree char *s2 = marina_uri_to_string(b);

        assert_string_equal(s1, s2);
    }
}

static void
test_copy(void **state)
{
    g_autoptr(MarinaUri) a = parse_ok("marina+ssh://u@h:22/system?keyfile=/k");
    g_autoptr(MarinaUri) b = marina_uri_copy(a);
    g_autofree char *sa = marina_uri_to_string(a);
    g_autofree char *sb = marina_uri_to_string(b);

    assert_string_equal(sa, sb);
    assert_string_equal(b->original, a->original);
}

static void
test_unknown_scheme_names_it_and_the_forms(void **state)
{
    assert_refused("foo:///system", "Unknown connection URI scheme 'foo'. Use marina:///session, "
                                    "marina:///system, marina+ssh://host/system or "
                                    "marina+unix:///path.");
    assert_refused("xen+ssh://h/system", "'xen+ssh'");
    assert_refused("session", "is not a connection URI");
}

static void
test_empty_and_malformed(void **state)
{
    assert_refused("", "empty");
    assert_refused("marina:session", "lacks '//'");
    assert_refused("marina:///", "does not say which daemon");
    assert_refused("marina:///sessions", "unknown path '/sessions'");
    assert_refused("marina:///system#frag", "'#'");
    assert_refused("marina:///sys tem", "space");
    assert_refused("marina:///system\n", "control");
    assert_refused("marina:///sys%00tem", "cannot be parsed");
}

static void
test_local_uri_with_host_suggests_ssh(void **state)
{
    assert_refused("marina://h1/system", "marina+ssh://h1/system");
    assert_refused("marina://:22/system", "local");
}

static void
test_ssh_host_checks(void **state)
{
    assert_refused("marina+ssh:///system", "names no host");
    assert_refused("marina+ssh://-oProxyCommand=x/system", "may not start with '-'");
    assert_refused("marina+ssh://h%3Bls/system", "contains ';'");
    assert_refused("marina+ssh://h", "does not say which daemon");
    assert_refused("marina+ssh://u:pw@h/system", "passwords");
    assert_refused("marina+ssh://@h/system", "user name before '@' is empty");
    assert_refused("marina+ssh://-l@h/system", "user name '-l'");
}

static void
test_port_range(void **state)
{
    assert_refused("marina+ssh://h:0/system", "port 0");
    assert_refused("marina+ssh://h:65536/system", "cannot be parsed");
    assert_refused("marina+ssh://h:99999999999/system", "cannot be parsed");
    assert_refused("marina+ssh://h:-1/system", "cannot be parsed");
    assert_refused("marina+ssh://h:2x/system", "cannot be parsed");

    g_autoptr(MarinaUri) max = parse_ok("marina+ssh://h:65535/system");
    assert_int_equal(max->port, 65535);
}

static void
test_params_refused(void **state)
{
    assert_refused("marina:///system?bogus=1", "unknown parameter 'bogus'");
    assert_refused("marina:///system?keyfile=/k", "unknown parameter 'keyfile'");
    assert_refused("marina+unix:///tmp/s.sock?socket=/x", "take no parameters");
    assert_refused("marina+ssh://h/system?no_verify=yes", "must be 0 or 1");
    assert_refused("marina+ssh://h/system?keyfile=/a&keyfile=/b", "given twice");
    assert_refused("marina+ssh://h/system?command=", "is empty");
    assert_refused("marina+ssh://h/system?=1", "has no name");
    assert_refused("marina:///system?socket=relative.sock", "must be an absolute path");
    assert_refused("marina+ssh://h/system?command=a%0Ab", "control character");
}

static void
test_unix_checks(void **state)
{
    g_autofree char *long_path = g_strnfill(200, 'a');
    g_autofree char *long_uri = g_strdup_printf("marina+unix:///%s", long_path);

    assert_refused("marina+unix://host/tmp/s.sock", "take no host");
    assert_refused("marina+unix://", "names no socket");
    assert_refused("marina+unix:///", "must be an absolute path");
    assert_refused(long_uri, "too long");
}

static void
test_length_limit(void **state)
{
    g_autofree char *pad = g_strnfill(MARINA_URI_MAX_LENGTH, 'a');
    g_autofree char *uri = g_strdup_printf("marina+ssh://%s/system", pad);

    assert_refused(uri, "too long");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_session_and_system),
        cmocka_unit_test(test_qemu_aliases_mean_the_same),
        cmocka_unit_test(test_trailing_slash_accepted),
        cmocka_unit_test(test_ssh_full),
        cmocka_unit_test(test_ssh_ipv6_literal),
        cmocka_unit_test(test_param_values_are_decoded),
        cmocka_unit_test(test_unix_socket),
        cmocka_unit_test(test_socket_path_defaults_and_override),
        cmocka_unit_test(test_canonical_form),
        cmocka_unit_test(test_canonical_round_trips),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_unknown_scheme_names_it_and_the_forms),
        cmocka_unit_test(test_empty_and_malformed),
        cmocka_unit_test(test_local_uri_with_host_suggests_ssh),
        cmocka_unit_test(test_ssh_host_checks),
        cmocka_unit_test(test_port_range),
        cmocka_unit_test(test_params_refused),
        cmocka_unit_test(test_unix_checks),
        cmocka_unit_test(test_length_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
