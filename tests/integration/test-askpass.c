/* ssh's password question answered through marina-askpass: a real sshd on
 * loopback that only takes passwords, a throw-away local user (removed in
 * teardown) running its own test-driver marinad, and a client whose askpass
 * server has a test handler in place of the dialogs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "askpass-server.h"
#include "connection-private.h"
#include "connection.h"
#include "error.h"
#include "host.h"
#include "sshd-fixture.h"

#define PASSWORD "c0rrect horse"

typedef struct {
    char *dir; /* 0755: the user's daemon lives below it */
    char *user;
    gboolean user_added;
    uid_t uid;
    int port;
    SshdFixture *sshd;
    GPid daemon;
    char *uri;
    char *runtime; /* this test's XDG_RUNTIME_DIR (ssh's ControlPath) */
    MarinaAskpassServer *server;
    GPtrArray *asked;   /* MarinaAskpassQuestion received */
    const char *answer; /* what the handler says; NULL: cancel */
} Fixture;

static void
on_question(MarinaAskpassServer *server, MarinaAskpassQuestion *question, Fixture *f)
{
    g_ptr_array_add(f->asked, g_object_ref(question));
    if (marina_askpass_question_get_kind(question) == MARINA_ASKPASS_KIND_HOST_KEY)
        marina_askpass_question_reply(question, "yes");
    else if (f->answer != NULL)
        marina_askpass_question_reply(question, f->answer);
    else
        marina_askpass_question_cancel(question);
}

static void
start_sshd(Fixture *f)
{
    /* Passwords only, checked against /etc/shadow (UsePAM no), for this user only. */
    g_autofree char *config =
        g_strdup_printf("PasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
                        "PubkeyAuthentication no\nPermitRootLogin no\nAllowUsers %s\n",
                        f->user);

    f->sshd = sshd_fixture_new(f->dir, f->port);
    sshd_fixture_start(f->sshd, config);
}

/* The user's own daemon, with the test driver's two simulated guests. */
static char *
start_user_daemon(Fixture *f)
{
    g_autofree char *home = g_build_filename(f->dir, "u", NULL);
    g_autofree char *node = g_build_filename(home, "node.xml", NULL);
    g_autofree char *socket = g_build_filename(home, "sock", NULL);
    g_autofree char *state = g_build_filename(home, "st", NULL);
    g_autofree char *run = g_build_filename(home, "run", NULL);
    g_autofree char *script =
        g_build_filename(MARINA_SOURCE_ROOT, "tests", "data", "make-test-node.py", NULL);
    g_autofree char *xml = NULL;
    const char *make[] = {"python3", script, "2", "1", NULL};
    struct passwd *pw = getpwnam(f->user);

    assert_non_null(pw);
    f->uid = pw->pw_uid;
    g_mkdir_with_parents(home, 0755);
    {
        g_autoptr(GSubprocess) p = g_subprocess_newv(make, G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL);
        assert_non_null(p);
        assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &xml, NULL, NULL));
    }
    assert_true(g_file_set_contents(node, xml, -1, NULL));
    assert_int_equal(chown(home, pw->pw_uid, pw->pw_gid), 0);
    assert_int_equal(chown(node, pw->pw_uid, pw->pw_gid), 0);
    {
        const char *argv[] = {"/usr/sbin/runuser",
                              "-u",
                              f->user,
                              "--",
                              "env",
                              "-u",
                              "XDG_RUNTIME_DIR",
                              g_getenv("MARINAD"),
                              "--driver",
                              "test",
                              "--test-file",
                              node,
                              "--socket",
                              socket,
                              "--state-dir",
                              state,
                              "--runtime-dir",
                              run,
                              NULL};
        assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                      G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &f->daemon, NULL));
    }
    for (int i = 0; i < 200 && !g_file_test(socket, G_FILE_TEST_EXISTS); i++)
        g_usleep(50000);
    assert_true(g_file_test(socket, G_FILE_TEST_EXISTS));
    return g_steal_pointer(&socket);
}

/* Called from each test, not from cmocka's setup: teardown runs only after
 * a test, and must remove the user and stop sshd however far this got. */
static void
prepare(Fixture *f)
{
    g_autofree char *socket = NULL, *escaped_socket = NULL, *escaped_command = NULL;
    g_autofree char *credentials = NULL;
    g_autoptr(GError) error = NULL;

    f->port = 20000 + (int)((getpid() * 7) % 20000);
    f->user = g_strdup_printf("marina-ap%d", (int)(getpid() % 100000));
    f->dir = g_dir_make_tmp("mia-XXXXXX", NULL);
    assert_non_null(f->dir);
    g_chmod(f->dir, 0755);
    {
        const char *add[] = {"useradd", "-M", "-d", f->dir, "-s", "/bin/sh", f->user, NULL};
        const char *pw[] = {"chpasswd", NULL};
        assert_true(sshd_fixture_run_quiet(add, NULL));
        f->user_added = TRUE;
        credentials = g_strdup_printf("%s:%s\n", f->user, PASSWORD);
        assert_true(sshd_fixture_run_quiet(pw, credentials));
    }
    start_sshd(f);
    socket = start_user_daemon(f);
    escaped_socket = g_uri_escape_string(socket, NULL, FALSE);
    escaped_command = g_uri_escape_string(g_getenv("MARINAD"), NULL, FALSE);
    f->uri = g_strdup_printf("marina+ssh://%s@127.0.0.1:%d/session?no_verify=1&socket=%s"
                             "&command=%s",
                             f->user, f->port, escaped_socket, escaped_command);
    /* A fresh ssh ControlPath per test: a shared login would ask nothing. */
    f->runtime = g_build_filename(f->dir, "rt", NULL);
    g_mkdir_with_parents(f->runtime, 0700);
    g_setenv("XDG_RUNTIME_DIR", f->runtime, TRUE);
    g_unsetenv("DISPLAY");
    f->server = marina_askpass_server_new(&error);
    assert_non_null(f->server);
    f->asked = g_ptr_array_new_with_free_func(g_object_unref);
    g_signal_connect(f->server, "question", G_CALLBACK(on_question), f);
    marina_askpass_server_install(f->server);
}

static int
setup(void **state)
{
    *state = g_new0(Fixture, 1);
    return 0;
}

/* Ends the shared ssh login ControlPersist keeps in the background. */
static void
stop_ssh_master(Fixture *f)
{
    g_autoptr(MarinaUri) uri = marina_uri_parse(f->uri, NULL);
    g_auto(GStrv) argv = NULL;
    guint n;

    if (uri == NULL)
        return;
    argv = marina_connection_build_ssh_argv(uri, NULL);
    if (argv == NULL)
        return;
    /* ssh ... -T -e none -- HOST COMMAND  ->  ssh ... -O exit -- HOST */
    n = g_strv_length(argv);
    g_free(argv[n - 1]);
    argv[n - 1] = NULL;
    {
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();
        g_auto(GStrv) stop = NULL;
        for (guint i = 0; argv[i] != NULL; i++) {
            if (g_str_equal(argv[i], "--"))
                g_strv_builder_add_many(b, "-O", "exit", NULL);
            g_strv_builder_add(b, argv[i]);
        }
        stop = g_strv_builder_end(b);
        sshd_fixture_run_quiet((const char *const *)stop, NULL);
    }
}

/* Every process still running as the throw-away user is one this test
 * started (its daemon, sshd's session for it): end each by its pid. */
static void
kill_user_processes(uid_t uid)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *name;

    while (proc != NULL && (name = g_dir_read_name(proc)) != NULL) {
        g_autofree char *path = g_build_filename("/proc", name, NULL);
        GStatBuf st;

        if (!g_ascii_isdigit(name[0]) || g_stat(path, &st) != 0 || st.st_uid != uid)
            continue;
        kill((pid_t)atoi(name), SIGKILL);
    }
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    if (f == NULL)
        return 0;
    marina_askpass_server_install(NULL);
    if (f->uri != NULL)
        stop_ssh_master(f);
    sshd_fixture_free(f->sshd);
    if (f->daemon > 0) {
        kill(f->daemon, SIGTERM);
        waitpid(f->daemon, NULL, 0);
    }
    if (f->uid > 0)
        kill_user_processes(f->uid);
    if (f->user_added) {
        const char *del[] = {"userdel", "-f", f->user, NULL};
        sshd_fixture_run_quiet(del, NULL);
    }
    if (f->dir != NULL) {
        const char *rm[] = {"rm", "-rf", f->dir, NULL};
        sshd_fixture_run_quiet(rm, NULL);
    }
    g_clear_pointer(&f->asked, g_ptr_array_unref);
    g_clear_object(&f->server);
    g_free(f->uri);
    g_free(f->runtime);
    g_free(f->user);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static void
on_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    *(GAsyncResult **)user_data = g_object_ref(result);
}

static GAsyncResult *
wait_result(GAsyncResult **slot, int seconds)
{
    gint64 end = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;

    while (*slot == NULL && g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, TRUE);
    assert_non_null(*slot);
    return *slot;
}

static MarinaConnection *
open_connection(Fixture *f, GError **error)
{
    g_autoptr(GAsyncResult) result = NULL;

    marina_connection_open_async(f->uri, NULL, on_done, &result);
    return marina_connection_open_finish(wait_result(&result, 30), error);
}

static void
test_password_answered_by_the_application(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) conn = NULL;
    g_autoptr(MarinaHost) host = NULL;
    g_autoptr(GAsyncResult) listed = NULL;
    g_autoptr(GPtrArray) guests = NULL;
    g_autoptr(MarinaUri) uri = NULL;
    g_autofree char *canonical = NULL;
    MarinaAskpassQuestion *question;

    prepare(f);
    uri = marina_uri_parse(f->uri, NULL);
    canonical = marina_uri_to_string(uri);

    f->answer = PASSWORD;
    conn = open_connection(f, &error);
    if (conn == NULL)
        fail_msg("connecting with the password failed: %s", error->message);
    assert_int_equal(f->asked->len, 1);
    question = g_ptr_array_index(f->asked, 0);
    assert_int_equal(marina_askpass_question_get_kind(question), MARINA_ASKPASS_KIND_PASSWORD);
    assert_string_equal(marina_askpass_question_get_uri(question), canonical);
    assert_string_equal(marina_askpass_question_get_host(question), "127.0.0.1");
    assert_int_equal(marina_askpass_question_get_attempt(question), 1);
    /* The daemon behind the password answers. */
    host = marina_host_new(conn);
    marina_host_list_domains_async(host, NULL, on_done, &listed);
    guests = marina_host_list_domains_finish(host, wait_result(&listed, 10), &error);
    assert_non_null(guests);
    assert_int_equal(guests->len, 2);
    marina_connection_close(conn);
}

static void
test_wrong_password_is_refused(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) conn = NULL;
    gint64 t0 = g_get_monotonic_time();

    prepare(f);

    f->answer = "not the password";
    conn = open_connection(f, &error);
    assert_null(conn);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_AUTH_FAILED));
    g_print("# refused: %s\n", error->message);
    /* ssh asked again after each refusal: the handler saw the attempts counted. */
    assert_true(f->asked->len >= 2);
    for (guint i = 0; i < f->asked->len; i++)
        assert_int_equal(marina_askpass_question_get_attempt(g_ptr_array_index(f->asked, i)),
                         i + 1);
    assert_true(g_get_monotonic_time() - t0 < 20 * G_USEC_PER_SEC);
}

static void
test_cancel_ends_the_login(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaConnection) conn = NULL;

    prepare(f);

    f->answer = NULL;
    conn = open_connection(f, &error);
    assert_null(conn);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_AUTH_FAILED));
    /* One Cancel is enough: ssh's retries are refused without asking again. */
    assert_int_equal(f->asked->len, 1);
}

/* marinactl installs no askpass server: without a terminal it must fail at
 * once with a message, not wait for a password nobody can type. */
static void
child_new_session(gpointer data)
{
    setsid();
}

static void
test_marinactl_without_terminal_fails_at_once(void **state)
{
    Fixture *f = *state;
    const char *argv[] = {g_getenv("MARINACTL"), "-c", NULL, "list", NULL};
    g_autofree char *out = NULL, *err = NULL;
    gint64 t0;
    int status = -1;

    prepare(f);
    argv[2] = f->uri;
    t0 = g_get_monotonic_time();

    marina_askpass_server_install(NULL);
    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDIN_FROM_DEV_NULL,
                             child_new_session, NULL, &out, &err, &status, NULL));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    assert_true(g_get_monotonic_time() - t0 < 15 * G_USEC_PER_SEC);
    g_print("# marinactl said: %s", err);
    assert_non_null(strstr(err, "127.0.0.1"));
    assert_int_equal(f->asked->len, 0);
}

/* ssh's own question about an unknown host key reaches the application
 * with the host and the fingerprint, which match the host's real key. */
static void
test_unknown_host_key_shows_its_fingerprint(void **state)
{
    Fixture *f = *state;
    g_autofree char *verified_uri = NULL, *known = NULL, *pub = NULL, *listing = NULL;
    g_autofree char *out = NULL, *expected_host = NULL;
    g_autoptr(MarinaUri) uri = NULL;
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) ssh = NULL;
    g_autoptr(GAsyncResult) done = NULL;
    g_autoptr(GStrvBuilder) argv = g_strv_builder_new();
    g_auto(GStrv) base = NULL, full = NULL;
    g_auto(GStrv) words = NULL;
    MarinaAskpassQuestion *q;

    prepare(f);
    f->answer = PASSWORD;
    /* The same host, checked this time, against an empty known_hosts of our own
     * (never the user's). */
    verified_uri = g_strdup_printf("marina+ssh://%s@127.0.0.1:%d/session", f->user, f->port);
    uri = marina_uri_parse(verified_uri, NULL);
    known = g_build_filename(f->dir, "known_hosts", NULL);
    base = marina_ssh_build_argv(uri, "echo askpass-ok", NULL);
    assert_non_null(base);
    for (guint i = 0; base[i] != NULL; i++) {
        if (g_str_equal(base[i], "--")) {
            g_autofree char *opt = g_strdup_printf("UserKnownHostsFile=%s", known);
            g_strv_builder_add_many(argv, "-o", opt, "-o", "StrictHostKeyChecking=ask", NULL);
        }
        g_strv_builder_add(argv, base[i]);
    }
    full = g_strv_builder_end(argv);
    launcher = marina_ssh_launcher_new(uri, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
    ssh = g_subprocess_launcher_spawnv(launcher, (const char *const *)full, NULL);
    assert_non_null(ssh);
    g_subprocess_communicate_utf8_async(ssh, NULL, NULL, on_done, &done);
    assert_true(
        g_subprocess_communicate_utf8_finish(ssh, wait_result(&done, 30), &out, NULL, NULL));
    assert_non_null(strstr(out, "askpass-ok"));
    assert_true(f->asked->len >= 2);
    q = g_ptr_array_index(f->asked, 0);
    assert_int_equal(marina_askpass_question_get_kind(q), MARINA_ASKPASS_KIND_HOST_KEY);
    expected_host = g_strdup_printf("[127.0.0.1]:%d", f->port);
    assert_string_equal(marina_askpass_question_get_host(q), expected_host);
    /* ssh-keygen -l: "256 SHA256:... comment (ED25519)" */
    pub = g_build_filename(f->dir, "host.pub", NULL);
    {
        const char *keygen[] = {"ssh-keygen", "-l", "-E", "sha256", "-f", pub, NULL};
        g_autoptr(GSubprocess) p = g_subprocess_newv(keygen, G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL);
        assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &listing, NULL, NULL));
    }
    words = g_strsplit(listing, " ", 3);
    assert_non_null(marina_askpass_question_get_fingerprint(q));
    assert_string_equal(marina_askpass_question_get_fingerprint(q), words[1]);
    assert_int_equal(marina_askpass_question_get_kind(g_ptr_array_index(f->asked, 1)),
                     MARINA_ASKPASS_KIND_PASSWORD);
    /* Accepted: ssh remembered the key. */
    assert_true(g_file_test(known, G_FILE_TEST_IS_REGULAR));
}

/* marinactl in a terminal: ssh asks for the password there (no askpass). */
static void
test_marinactl_asks_on_its_terminal(void **state)
{
    Fixture *f = *state;
    g_autofree char *q_ctl = NULL, *q_uri = NULL, *command = NULL;
    g_autoptr(GSubprocess) script = NULL;
    g_autoptr(GString) seen = g_string_new(NULL);
    GPollableInputStream *out;
    gboolean typed = FALSE;
    gint64 end;

    prepare(f);
    marina_askpass_server_install(NULL);
    q_ctl = g_shell_quote(g_getenv("MARINACTL"));
    q_uri = g_shell_quote(f->uri);
    command = g_strdup_printf("%s -c %s list --all", q_ctl, q_uri);
    {
        /* script(1) gives marinactl a terminal of its own. */
        const char *argv[] = {"script", "-qec", command, "/dev/null", NULL};
        script = g_subprocess_newv(argv,
                                   G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                       G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                   NULL);
    }
    assert_non_null(script);
    out = G_POLLABLE_INPUT_STREAM(g_subprocess_get_stdout_pipe(script));
    end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < end) {
        char buf[512];
        gssize n = g_pollable_input_stream_read_nonblocking(out, buf, sizeof buf, NULL, NULL);

        if (n == 0)
            break;
        if (n > 0)
            g_string_append_len(seen, buf, n);
        else
            g_usleep(20000);
        /* Type only once the prompt is there: ssh flushes what came before. */
        if (!typed && strstr(seen->str, "password:") != NULL) {
            GOutputStream *in = g_subprocess_get_stdin_pipe(script);
            assert_true(g_output_stream_write_all(in, PASSWORD "\n", strlen(PASSWORD) + 1, NULL,
                                                  NULL, NULL));
            typed = TRUE;
        }
    }
    g_print("# terminal: %s\n", seen->str);
    assert_true(typed);
    assert_non_null(strstr(seen->str, "guest-0001"));
    assert_null(strstr(seen->str, PASSWORD)); /* not echoed */
    assert_int_equal(f->asked->len, 0);
    g_subprocess_wait(script, NULL, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_password_answered_by_the_application, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_ends_the_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_marinactl_without_terminal_fails_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_host_key_shows_its_fingerprint, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_marinactl_asks_on_its_terminal, setup, teardown),
    };

    if (!g_file_test("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr, "sshd is not installed (openssh-server); tools/test installs it\n");
        return 1;
    }
    if (getuid() != 0) {
        fprintf(stderr, "test-askpass makes a throw-away user: run it as root\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
