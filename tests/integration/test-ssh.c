/* A remote host over SSH: a real sshd on loopback, marinactl with a
 * marina+ssh:// URI, the daemon reached through `marinad --connect-stdio`. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

typedef struct {
    Harness *h;
    GPid sshd;
    char *uri;
} Ssh;

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

static int
setup(void **state)
{
    Ssh *s = g_new0(Ssh, 1);
    g_autofree char *dir = NULL, *host_key = NULL, *user_key = NULL, *pub = NULL;
    g_autofree char *auth = NULL, *cfg = NULL, *config = NULL, *pubkey = NULL;
    int port = 20000 + (int)(getpid() % 20000);

    s->h = harness_new();
    dir = g_build_filename(s->h->dir, "ssh", NULL);
    g_mkdir_with_parents(dir, 0700);
    g_mkdir_with_parents("/run/sshd", 0755); /* sshd's privilege separation directory */
    host_key = g_build_filename(dir, "host", NULL);
    user_key = g_build_filename(dir, "user", NULL);
    pub = g_strconcat(user_key, ".pub", NULL);
    auth = g_build_filename(dir, "authorized_keys", NULL);
    cfg = g_build_filename(dir, "sshd_config", NULL);
    {
        const char *hk[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key, NULL};
        const char *uk[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", user_key, NULL};
        assert_true(run_quiet(hk));
        assert_true(run_quiet(uk));
    }
    assert_true(g_file_get_contents(pub, &pubkey, NULL, NULL));
    assert_true(g_file_set_contents(auth, pubkey, -1, NULL));
    config = g_strdup_printf("ListenAddress 127.0.0.1\nPort %d\nHostKey %s\n"
                             "AuthorizedKeysFile %s\nStrictModes no\nUsePAM no\n"
                             "PasswordAuthentication no\nPermitRootLogin prohibit-password\n"
                             "PidFile none\n",
                             port, host_key, auth);
    assert_true(g_file_set_contents(cfg, config, -1, NULL));
    {
        const char *argv[] = {"/usr/sbin/sshd", "-D", "-e", "-f", cfg, NULL};
        assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                  NULL, &s->sshd, NULL));
    }
    for (int i = 0; i < 100 && !port_open(port); i++)
        g_usleep(50000);
    assert_true(port_open(port));
    s->uri = g_strdup_printf("marina+ssh://%s@127.0.0.1:%d/session?keyfile=%s&no_verify=1"
                             "&socket=%s&command=%s",
                             g_get_user_name(), port, user_key, s->h->socket, g_getenv("MARINAD"));
    *state = s;
    return 0;
}

static int
teardown(void **state)
{
    Ssh *s = *state;

    if (s == NULL)
        return 0;
    if (s->sshd > 0) {
        kill(s->sshd, SIGTERM);
        waitpid(s->sshd, NULL, 0);
    }
    harness_free(s->h);
    g_free(s->uri);
    g_free(s);
    return 0;
}

static int
ctl(Ssh *s, char **out, char **err, const char *a, const char *b)
{
    const char *argv[] = {g_getenv("MARINACTL"), "-c", s->uri, a, b, NULL};
    int status = -1;

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                             &status, NULL));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_remote_host_over_ssh(void **state)
{
    Ssh *s = *state;
    g_autofree char *xml = harness_guest_xml("remote1", NULL);
    g_autofree char *file = g_build_filename(s->h->dir, "remote1.xml", NULL);
    g_autofree char *out = NULL, *err = NULL;

    assert_true(g_file_set_contents(file, xml, -1, NULL));
    if (ctl(s, &out, &err, "define", file) != 0)
        fail_msg("define over ssh: %s", err);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    if (ctl(s, &out, &err, "start", "remote1") != 0)
        fail_msg("start over ssh: %s", err);
    g_clear_pointer(&out, g_free);
    assert_int_equal(ctl(s, &out, &err, "list", "--all"), 0);
    assert_non_null(strstr(out, "remote1"));
    assert_non_null(strstr(out, "running"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    /* Consoles need file descriptors, which do not cross ssh yet: a clear
     * answer at once, not a timeout. */
    {
        gint64 t0 = g_get_monotonic_time();
        assert_int_equal(ctl(s, &out, &err, "console", "remote1"), 1);
        assert_non_null(strstr(err, "SSH"));
        assert_true(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
    }
    assert_int_equal(ctl(s, &out, &err, "destroy", "remote1"), 0);
    g_clear_pointer(&out, g_free);
    assert_int_equal(ctl(s, &out, &err, "domstate", "remote1"), 0);
    assert_non_null(strstr(out, "shut off"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remote_host_over_ssh),
    };

    if (!g_file_test("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr, "sshd is not installed (openssh-server); tools/test installs it\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
