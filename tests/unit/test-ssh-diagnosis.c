/* Telling why a connection over ssh failed (src/core/ssh-diagnosis.c) from
 * OpenSSH's real messages (OpenSSH 9.2, captured on loopback) and from
 * hostile text; keeping ssh's standard error (ssh-stderr.c); the ssh
 * command line's new options (ssh-transport.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gio/gio.h>

#include "connection.h"
#include "error.h"
#include "protocol.h"
#include "ssh-diagnosis.h"
#include "ssh-stderr.h"
#include "uri.h"

#define URI "marina+ssh://alice@server.example:2222/system?no_tty=1"

static const char CHANGED[] =
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
    "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
    "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
    "Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n"
    "It is also possible that a host key has just been changed.\n"
    "The fingerprint for the ED25519 key sent by the remote host is\n"
    "SHA256:GR30XXjwoNZG9tI04DZM7DbSoESB5Av1OjrHHJytxRo.\n"
    "Please contact your system administrator.\n"
    "Add correct host key in /home/alice/.ssh/known_hosts to get rid of this message.\n"
    "Offending ED25519 key in /home/alice/.ssh/known_hosts:1\n"
    "  remove with:\n"
    "  ssh-keygen -f \"/home/alice/.ssh/known_hosts\" -R \"[server.example]:2222\"\n"
    "Host key for [server.example]:2222 has changed and you have requested strict checking.\n"
    "Host key verification failed.\n";

static MarinaUri *
uri_for(const char *text)
{
    g_autoptr(GError) error = NULL;
    MarinaUri *uri = marina_uri_parse(text, &error);

    if (uri == NULL)
        fail_msg("%s: %s", text, error->message);
    return uri;
}

/* Explains @status / @text for @uri_text; returns the error (free it). */
static GError *
explain_full(const char *uri_text, int status, const char *text, gboolean could_ask,
             const GError *cause)
{
    g_autoptr(MarinaUri) uri = uri_for(uri_text);
    MarinaSshOutcome outcome = {status, text, could_ask};
    GError *error = NULL;

    marina_ssh_explain_failure(uri, &outcome, cause, &error);
    assert_non_null(error);
    assert_true(g_utf8_validate(error->message, -1, NULL));
    return error;
}

static GError *
explain(int status, const char *text)
{
    return explain_full(URI, status, text, FALSE, NULL);
}

static void
assert_says(const GError *error, const char *needle)
{
    if (strstr(error->message, needle) == NULL)
        fail_msg("\"%s\" does not say \"%s\"", error->message, needle);
}

static void
assert_code(const GError *error, MarinaError code)
{
    if (!g_error_matches(error, MARINA_ERROR, (gint)code))
        fail_msg("code %d, expected %d: %s", error->code, code, error->message);
    assert_true(marina_error_is_no_connection(error));
}

/* ------------------------------------------------------------------ unreachable */

static void
test_unreachable(void **state)
{
    static const struct {
        const char *text;
        const char *says;
    } cases[] = {
        {"ssh: connect to host server.example port 2222: Connection refused\n", "port 2222"},
        {"ssh: connect to host server.example port 2222: No route to host\n", "No route to host"},
        {"ssh: connect to host server.example port 2222: Connection timed out\n",
         "Connection timed out"},
        {"ssh: connect to host server.example port 2222: Network is unreachable\n",
         "Network is unreachable"},
        {"Connection timed out during banner exchange\n", "unreachable"},
        {"ssh: Could not resolve hostname server.example: Name or service not known\n",
         "Name or service not known"},
        {"ssh: Could not resolve hostname server.example: Temporary failure in name "
         "resolution\r\n",
         "Temporary failure in name resolution"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = explain(255, cases[i].text);

        assert_code(error, MARINA_ERROR_HOST_UNREACHABLE);
        assert_says(error, "server.example");
        assert_says(error, cases[i].says);
        assert_says(error, "Check");
    }
}

/* --------------------------------------------------------------- authentication */

static void
test_authentication_refused(void **state)
{
    g_autoptr(GError) error =
        explain(255, "alice@server.example: Permission denied (publickey,password).\n");
    g_autoptr(GError) asked = NULL;
    g_autoptr(GError) keys_only = NULL;
    g_autoptr(GError) too_many = NULL;

    assert_code(error, MARINA_ERROR_AUTH_FAILED);
    assert_says(error, "authentication refused");
    assert_says(error, "alice@server.example");
    assert_says(error, "publickey,password");
    assert_says(error, "?keyfile=PATH");
    /* No terminal, and the host takes passwords: say that none can be asked. */
    assert_says(error, "cannot be asked");
    asked = explain_full(URI, 255, "alice@server.example: Permission denied (publickey,password).",
                         TRUE, NULL);
    assert_null(strstr(asked->message, "cannot be asked"));
    keys_only = explain(255, "alice@server.example: Permission denied (publickey).\n");
    assert_null(strstr(keys_only->message, "cannot be asked"));
    too_many = explain(255, "Received disconnect from 10.0.0.1 port 2222:2: Too many "
                            "authentication failures\nDisconnected from 10.0.0.1 port 2222\n");
    assert_code(too_many, MARINA_ERROR_AUTH_FAILED);
}

/* ---------------------------------------------------------------------- host keys */

static void
test_host_key_changed(void **state)
{
    g_autoptr(GError) error = explain(255, CHANGED);
    g_autoptr(GError) own = NULL;
    g_autoptr(GError) default_port = NULL;

    assert_code(error, MARINA_ERROR_HOST_KEY_CHANGED);
    assert_says(error, "host key of server.example has changed");
    assert_says(error, "SHA256:GR30XXjwoNZG9tI04DZM7DbSoESB5Av1OjrHHJytxRo)");
    assert_says(error,
                "ssh-keygen -f \"/home/alice/.ssh/known_hosts\" -R \"[server.example]:2222\"");
    /* Without ssh's suggestion: one made here, in known_hosts' spelling. */
    own = explain(255, "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
                       "Host key verification failed.\n");
    assert_code(own, MARINA_ERROR_HOST_KEY_CHANGED);
    assert_says(own, "ssh-keygen -R '[server.example]:2222'");
    default_port = explain_full("marina+ssh://server.example/system", 255,
                                "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!\n", FALSE, NULL);
    assert_says(default_port, "ssh-keygen -R server.example'");
}

static void
test_host_key_unknown(void **state)
{
    g_autoptr(GError) batch = explain(255, "Host key verification failed.\n");
    g_autoptr(GError) declined =
        explain_full(URI, 255, "Host key verification failed.\n", TRUE, NULL);
    g_autoptr(GError) strict =
        explain(255, "No ED25519 host key is known for [server.example]:2222 and you have "
                     "requested strict checking.\nHost key verification failed.\n");

    assert_code(batch, MARINA_ERROR_HOST_KEY_UNKNOWN);
    assert_says(batch, "without a terminal");
    assert_says(batch, "ssh -p 2222 -l alice server.example");
    assert_code(declined, MARINA_ERROR_HOST_KEY_UNKNOWN);
    assert_says(declined, "was not accepted");
    g_autoptr(GError) no_askpass =
        explain_full(URI, 255,
                     "ssh_askpass: exec(/usr/bin/ssh-askpass): No such file or directory\n"
                     "Host key verification failed.\n",
                     TRUE, NULL);

    assert_code(strict, MARINA_ERROR_HOST_KEY_UNKNOWN);
    /* ssh meant to ask, but had no askpass program to ask with. */
    assert_code(no_askpass, MARINA_ERROR_HOST_KEY_UNKNOWN);
    assert_says(no_askpass, "without a terminal");
}

/* ------------------------------------------------------------- the remote side */

static void
test_marinad_not_installed(void **state)
{
    g_autoptr(GError) bash = explain(127, "bash: line 1: marinad: command not found\n");
    g_autoptr(GError) path =
        explain_full("marina+ssh://h/system?command=/opt/marina/marinad", 127,
                     "bash: /opt/marina/marinad: No such file or directory\n", FALSE, NULL);
    g_autoptr(GError) sudo = explain_full("marina+ssh://h/system?command=sudo%20marinad", 1,
                                          "sudo: marinad: command not found\n", FALSE, NULL);
    g_autoptr(GError) bashrc = NULL;
    g_autoptr(GError) no_socket = NULL;

    assert_code(bash, MARINA_ERROR_NOT_INSTALLED);
    assert_says(bash, "marinad is not installed on server.example");
    assert_says(bash, "?command=PATH");
    assert_code(path, MARINA_ERROR_NOT_INSTALLED);
    assert_says(path, "'/opt/marina/marinad'");
    assert_code(sudo, MARINA_ERROR_NOT_INSTALLED);
    /* A startup file's own "not found", then marinad failing otherwise. */
    bashrc = explain(1, "bash: fortune: command not found\nmarinad: no daemon listens on "
                        "/run/marina/marinad.sock (Could not connect: No such file or "
                        "directory).\n");
    assert_code(bashrc, MARINA_ERROR_NO_CONNECTION);
    assert_says(bashrc, "exit status 1");
    assert_says(bashrc, "“marinad: no daemon listens on /run/marina/marinad.sock");
    /* "No such file or directory" from marinad itself is not a missing marinad. */
    no_socket = explain(1, "marinad: no daemon listens on /x.sock (No such file or directory)");
    assert_code(no_socket, MARINA_ERROR_NO_CONNECTION);
}

static void
test_protocol_refusals(void **state)
{
    g_autoptr(GError) old =
        explain(2, "marinad: Unknown option --protocol=1\nRun 'marinad --help' to see the "
                   "options.\n");
    g_autoptr(GError) refused = explain(MARINA_PROTOCOL_EXIT_REFUSED,
                                        "marinad: marinad 2.0 speaks protocol 2, the client "
                                        "speaks protocol 1. Install the same Marina version on "
                                        "both hosts.\n");

    assert_code(old, MARINA_ERROR_PROTOCOL_MISMATCH);
    assert_says(old, "protocol version mismatch");
    assert_says(old, "older marinad");
    assert_code(refused, MARINA_ERROR_PROTOCOL_MISMATCH);
    assert_says(refused, "“marinad: marinad 2.0 speaks protocol 2");
}

/* ssh's patterns count only with ssh's own exit status: the remote side
 * writes to the same standard error. */
static void
test_patterns_need_their_status(void **state)
{
    g_autoptr(GError) error = explain(1, "alice@server.example: Permission denied (publickey).\n"
                                         "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!\n"
                                         "ssh: connect to host x port 22: Connection refused\n");
    g_autoptr(GError) unknown = explain(255, "kex_exchange_identification: read: Connection "
                                             "reset by peer\n");

    assert_code(error, MARINA_ERROR_NO_CONNECTION);
    assert_says(error, "exit status 1");
    assert_code(unknown, MARINA_ERROR_NO_CONNECTION);
    assert_says(unknown, "“kex_exchange_identification: read: Connection reset by peer”");
    assert_says(unknown, "ssh -p 2222 -l alice server.example");
}

/* What the connection saw (@cause) against what ssh says. */
static void
test_cause_precedence(void **state)
{
    g_autoptr(GError) mismatch = g_error_new_literal(MARINA_ERROR, MARINA_ERROR_PROTOCOL_MISMATCH,
                                                     "the greeting said protocol 7");
    g_autoptr(GError) cancelled = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "stop");
    g_autoptr(GError) handshake = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "bad auth");
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL;

    /* A greeting of another protocol outweighs the refusal that follows it. */
    e1 = explain_full(URI, MARINA_PROTOCOL_EXIT_REFUSED, "marinad: refused\n", FALSE, mismatch);
    assert_string_equal(e1->message, "the greeting said protocol 7");
    /* A banner, then no marinad: the missing marinad is the news. */
    e2 = explain_full(URI, 127, "bash: marinad: command not found\n", FALSE, mismatch);
    assert_code(e2, MARINA_ERROR_NOT_INSTALLED);
    e3 = explain_full(URI, 255, "Host key verification failed.\n", FALSE, cancelled);
    assert_true(g_error_matches(e3, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    e4 = explain_full(URI, 0, "", FALSE, handshake);
    assert_code(e4, MARINA_ERROR_NO_CONNECTION);
    assert_says(e4, "did not answer (bad auth)");
    e5 = explain_full(URI, -1, NULL, FALSE, NULL);
    assert_code(e5, MARINA_ERROR_NO_CONNECTION);
    e6 = explain_full(URI, 255, "", FALSE, NULL);
    assert_says(e6, "no message");
}

/* --------------------------------------------------------------- hostile text */

static gboolean
has_control(const char *text)
{
    for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_iscntrl(c) || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
            return TRUE;
    }
    return FALSE;
}

static void
test_quote_foreign(void **state)
{
    g_autofree char *colours = marina_ssh_quote_foreign("\033[1;31mWelcome\033[0m to \033]0;"
                                                        "title\007host",
                                                        -1, 100);
    g_autofree char *bidi = marina_ssh_quote_foreign("abc\u202Edcba\u2066x", -1, 100);
    g_autofree char *invalid = marina_ssh_quote_foreign("ok\xff\xfe\tend\r", -1, 100);
    g_autofree char *cut = marina_ssh_quote_foreign("0123456789", -1, 4);
    g_autofree char *exact = marina_ssh_quote_foreign("0123", -1, 4);
    g_autofree char *lone_escape = marina_ssh_quote_foreign("a\033", -1, 10);
    g_autofree char *open_csi = marina_ssh_quote_foreign("a\033[1;2;3", -1, 10);

    assert_string_equal(colours, "Welcome to host");
    assert_string_equal(bidi, "abcdcbax");
    assert_true(g_utf8_validate(invalid, -1, NULL));
    assert_false(has_control(invalid));
    assert_non_null(strstr(invalid, "end"));
    assert_string_equal(cut, "0123…");
    assert_string_equal(exact, "0123");
    assert_string_equal(lone_escape, "a");
    assert_string_equal(open_csi, "a");
}

/* Whatever ssh or the remote side writes, the message stays short, valid
 * and free of terminal controls. */
static void
test_hostile_stderr(void **state)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(7);
    g_autoptr(MarinaSshStderr) kept = marina_ssh_stderr_new(NULL);
    g_autoptr(GError) quoted = NULL;
    char chunk[4096];

    for (guint round = 0; round < 256; round++) {
        for (gsize i = 0; i < sizeof chunk; i++)
            chunk[i] = (char)g_rand_int_range(rand, 0, 256);
        marina_ssh_stderr_append(kept, chunk, sizeof chunk);
    }
    assert_true(strlen(marina_ssh_stderr_get_text(kept)) <= MARINA_SSH_STDERR_KEEP);
    for (int status = -1; status < 256; status++) {
        g_autoptr(GError) error = explain(status, marina_ssh_stderr_get_text(kept));

        assert_true(strlen(error->message) < 2000);
        assert_false(has_control(error->message));
    }
    quoted = explain(255, "ssh: connect to host x port 22: \033[2J\033[HGotcha\u202E\n");
    assert_says(quoted, "(Gotcha)");
    assert_false(has_control(quoted->message));
}

/* ------------------------------------------------------------------- greeting */

static void
test_check_hello(void **state)
{
    g_autoptr(MarinaUri) uri = uri_for(URI);
    g_autofree char *own = g_strdup_printf("MARINAD 0.1.0 PROTOCOL %u", MARINA_PROTOCOL_VERSION);
    g_autofree char *other =
        g_strdup_printf("MARINAD 7.0 PROTOCOL %u", MARINA_PROTOCOL_VERSION + 1);
    const char motd[] = "Welcome to \033[31mDebian\033[0m GNU/Linux 12";
    char binary[64];
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL;

    assert_true(marina_ssh_check_hello(uri, own, strlen(own), TRUE, NULL));
    /* Without its newline a greeting is not one. */
    assert_false(marina_ssh_check_hello(uri, own, strlen(own), FALSE, &e1));
    assert_code(e1, MARINA_ERROR_PROTOCOL_MISMATCH);
    assert_false(marina_ssh_check_hello(uri, other, strlen(other), TRUE, &e2));
    assert_code(e2, MARINA_ERROR_PROTOCOL_MISMATCH);
    assert_says(e2, "protocol version mismatch: server.example runs marinad 7.0 (protocol 2), "
                    "this client speaks protocol 1");
    assert_says(e2, "Install the same Marina version on both hosts");
    assert_false(marina_ssh_check_hello(uri, motd, strlen(motd), TRUE, &e3));
    assert_code(e3, MARINA_ERROR_PROTOCOL_MISMATCH);
    assert_says(e3, "answered “Welcome to Debian GNU/Linux 12” instead of marinad's greeting");
    assert_says(e3, "~/.bashrc");
    assert_false(marina_ssh_check_hello(uri, "", 0, TRUE, &e4));
    assert_code(e4, MARINA_ERROR_PROTOCOL_MISMATCH);
    for (gsize i = 0; i < sizeof binary; i++)
        binary[i] = (char)(i * 37 + 1);
    binary[10] = '\0';
    assert_false(marina_ssh_check_hello(uri, binary, sizeof binary, TRUE, &e5));
    assert_false(has_control(e5->message));
    assert_true(g_utf8_validate(e5->message, -1, NULL));
    assert_false(marina_ssh_check_hello(uri, "", 0, FALSE, &e6));
    assert_code(e6, MARINA_ERROR_NO_CONNECTION);
}

/* --------------------------------------------------------------- kept stderr */

static void
test_stderr_keeps_whole_last_lines(void **state)
{
    g_autoptr(MarinaSshStderr) kept = marina_ssh_stderr_new(NULL);
    g_autofree char *line = g_strnfill(99, 'x');

    for (guint i = 0; i < 1000; i++) {
        g_autofree char *numbered = g_strdup_printf("%04u %s\n", i, line);
        marina_ssh_stderr_append(kept, numbered, strlen(numbered));
    }
    marina_ssh_stderr_append(kept, "last\0word\n", 10);
    assert_true(strlen(marina_ssh_stderr_get_text(kept)) <= MARINA_SSH_STDERR_KEEP);
    /* It starts at a line, and ends with what came last (NULs shown as '?'). */
    assert_true(g_ascii_isdigit(marina_ssh_stderr_get_text(kept)[0]));
    assert_true(g_str_has_suffix(marina_ssh_stderr_get_text(kept), "x\nlast?word\n"));
    assert_non_null(strstr(marina_ssh_stderr_get_text(kept), "0999 "));
}

/* A real pipe: read as it comes on the main context, and drained at the end. */
static void
test_stderr_reads_a_pipe(void **state)
{
    const char *argv[] = {"/bin/sh", "-c", "echo one >&2; echo two >&2", NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) process =
        g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
    g_autoptr(MarinaSshStderr) kept = NULL;

    assert_non_null(process);
    kept = marina_ssh_stderr_new(g_subprocess_get_stderr_pipe(process));
    assert_true(g_subprocess_wait(process, NULL, NULL));
    marina_ssh_stderr_drain(kept);
    assert_string_equal(marina_ssh_stderr_get_text(kept), "one\ntwo\n");
    /* Draining again after the end is harmless. */
    marina_ssh_stderr_drain(kept);
    assert_string_equal(marina_ssh_stderr_get_text(kept), "one\ntwo\n");
}

/* ------------------------------------------------------- errors and command line */

static void
test_error_codes_cross_dbus(void **state)
{
    static const struct {
        MarinaError code;
        const char *name;
    } codes[] = {
        {MARINA_ERROR_HOST_UNREACHABLE, "org.marinavm.Marina1.Error.HostUnreachable"},
        {MARINA_ERROR_AUTH_FAILED, "org.marinavm.Marina1.Error.AuthFailed"},
        {MARINA_ERROR_HOST_KEY_CHANGED, "org.marinavm.Marina1.Error.HostKeyChanged"},
        {MARINA_ERROR_HOST_KEY_UNKNOWN, "org.marinavm.Marina1.Error.HostKeyUnknown"},
        {MARINA_ERROR_NOT_INSTALLED, "org.marinavm.Marina1.Error.NotInstalled"},
        {MARINA_ERROR_PROTOCOL_MISMATCH, "org.marinavm.Marina1.Error.ProtocolMismatch"},
    };
    g_autoptr(GError) other = g_error_new_literal(MARINA_ERROR, MARINA_ERROR_IN_USE, "x");

    for (guint i = 0; i < G_N_ELEMENTS(codes); i++) {
        g_autoptr(GError) error = g_error_new_literal(MARINA_ERROR, (gint)codes[i].code, "m");
        g_autofree char *name = g_dbus_error_encode_gerror(error);
        g_autoptr(GError) back = g_dbus_error_new_for_dbus_error(codes[i].name, "m");

        assert_string_equal(name, codes[i].name);
        assert_true(g_error_matches(back, MARINA_ERROR, (gint)codes[i].code));
        assert_true(marina_error_is_no_connection(error));
    }
    assert_false(marina_error_is_no_connection(other));
    assert_false(marina_error_is_no_connection(NULL));
}

static gboolean
argv_has(GStrv argv, const char *word)
{
    return g_strv_contains((const char *const *)argv, word);
}

static void
test_ssh_command_line(void **state)
{
    g_autoptr(MarinaUri) uri = uri_for("marina+ssh://h/system?known_hosts=/tmp/k%20h%25d");
    g_autoptr(MarinaUri) quote = uri_for("marina+ssh://h/system?known_hosts=/tmp/k%22");
    g_autoptr(GError) quote_error = NULL;
    g_auto(GStrv) refused = marina_connection_build_ssh_argv(quote, &quote_error);
    g_autoptr(MarinaUri) no_verify = uri_for("marina+ssh://h/system?known_hosts=/k&no_verify=1");
    g_auto(GStrv) argv = marina_connection_build_ssh_argv(uri, NULL);
    g_auto(GStrv) argv2 = marina_connection_build_ssh_argv(no_verify, NULL);
    g_autofree char *protocol = g_strdup_printf("--protocol=%u", MARINA_PROTOCOL_VERSION);
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaUri) empty = marina_uri_parse("marina+ssh://h/system?known_hosts=", &error);

    /* One file, whatever its name: quoted, '%' doubled. */
    assert_true(argv_has(argv, "UserKnownHostsFile=\"/tmp/k h%%d\""));
    assert_null(refused);
    assert_true(g_error_matches(quote_error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    assert_true(argv_has(argv, "ConnectTimeout=30"));
    assert_non_null(strstr(argv[g_strv_length(argv) - 1], "--connect-stdio"));
    assert_non_null(strstr(argv[g_strv_length(argv) - 1], protocol));
    /* no_verify wins: nothing is remembered anywhere. */
    assert_true(argv_has(argv2, "UserKnownHostsFile=/dev/null"));
    assert_false(argv_has(argv2, "UserKnownHostsFile=/k"));
    assert_null(empty);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
}

/* What a quiet automatic retry may wait out, and what it leaves to a person. */
static void
test_transient_failures(void **state)
{
    const struct {
        int status;
        const char *text;
        MarinaError code;
        gboolean transient;
    } cases[] = {
        {255, "ssh: connect to host server.example port 2222: Connection refused\n",
         MARINA_ERROR_HOST_UNREACHABLE, TRUE},
        {1, "marinad: cannot connect to /run/marina/marinad.sock\n", MARINA_ERROR_NO_CONNECTION,
         TRUE},
        {255, "alice@server.example: Permission denied (publickey).\n", MARINA_ERROR_AUTH_FAILED,
         FALSE},
        {255, CHANGED, MARINA_ERROR_HOST_KEY_CHANGED, FALSE},
        {255, "Host key verification failed.\n", MARINA_ERROR_HOST_KEY_UNKNOWN, FALSE},
        {127, "sh: 1: marinad: not found\n", MARINA_ERROR_NOT_INSTALLED, FALSE},
        /* A marinad older than console channels refuses --connect-channel. */
        {2, "Unknown option --connect-channel\n", MARINA_ERROR_PROTOCOL_MISMATCH, FALSE},
    };
    g_autoptr(GError) timeout = g_error_new_literal(MARINA_ERROR, MARINA_ERROR_TIMEOUT, "slow");

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = explain(cases[i].status, cases[i].text);

        if (!g_error_matches(error, MARINA_ERROR, (gint)cases[i].code))
            fail_msg("case %u: code %d, expected %d: %s", i, error->code, cases[i].code,
                     error->message);
        assert_int_equal(marina_ssh_error_is_transient(error), cases[i].transient);
    }
    assert_true(marina_ssh_error_is_transient(timeout));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_authentication_refused),
        cmocka_unit_test(test_host_key_changed),
        cmocka_unit_test(test_host_key_unknown),
        cmocka_unit_test(test_marinad_not_installed),
        cmocka_unit_test(test_protocol_refusals),
        cmocka_unit_test(test_patterns_need_their_status),
        cmocka_unit_test(test_cause_precedence),
        cmocka_unit_test(test_quote_foreign),
        cmocka_unit_test(test_hostile_stderr),
        cmocka_unit_test(test_check_hello),
        cmocka_unit_test(test_stderr_keeps_whole_last_lines),
        cmocka_unit_test(test_stderr_reads_a_pipe),
        cmocka_unit_test(test_error_codes_cross_dbus),
        cmocka_unit_test(test_ssh_command_line),
        cmocka_unit_test(test_transient_failures),
    };

    (void)marina_error_quark();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
