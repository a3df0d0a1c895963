/* A real sshd on loopback for the integration tests (see sshd-fixture.h). */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sshd-fixture.h"

gboolean
sshd_fixture_run_quiet(const char *const *argv, const char *input)
{
    g_autoptr(GSubprocess) p =
        g_subprocess_newv(argv,
                          G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                              G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          NULL);

    return p != NULL && g_subprocess_communicate_utf8(p, input, NULL, NULL, NULL, NULL) &&
           g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0;
}

static gboolean
port_open(int port)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, NULL);

    return conn != NULL;
}

SshdFixture *
sshd_fixture_new(const char *dir, int port)
{
    SshdFixture *sshd = g_new0(SshdFixture, 1);

    sshd->dir = g_strdup(dir);
    sshd->port = port;
    sshd->authorized_keys = g_build_filename(dir, "authorized_keys", NULL);
    g_mkdir_with_parents(dir, 0700);
    sshd->host_key = sshd_fixture_new_key(sshd, "host", "");
    return sshd;
}

char *
sshd_fixture_new_key(SshdFixture *sshd, const char *name, const char *passphrase)
{
    char *path = g_build_filename(sshd->dir, name, NULL);
    const char *argv[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", path, NULL};

    assert_true(sshd_fixture_run_quiet(argv, NULL));
    return path;
}

void
sshd_fixture_authorize(SshdFixture *sshd, const char *key)
{
    g_autofree char *pub = g_strconcat(key, ".pub", NULL);
    g_autofree char *text = NULL, *old = NULL, *keys = NULL;

    assert_true(g_file_get_contents(pub, &text, NULL, NULL));
    if (!g_file_get_contents(sshd->authorized_keys, &old, NULL, NULL))
        old = g_strdup("");
    keys = g_strconcat(old, text, NULL);
    assert_true(g_file_set_contents(sshd->authorized_keys, keys, -1, NULL));
}

void
sshd_fixture_start(SshdFixture *sshd, const char *extra_config)
{
    g_autofree char *cfg = g_build_filename(sshd->dir, "sshd_config", NULL);
    g_autofree char *config = NULL;
    const char *argv[] = {"/usr/sbin/sshd", "-D", "-e", "-f", cfg, NULL};

    g_assert(sshd->pid == 0);
    config = g_strdup_printf("ListenAddress 127.0.0.1\nPort %d\nHostKey %s\n"
                             "AuthorizedKeysFile %s\nStrictModes no\nUsePAM no\nPidFile none\n%s",
                             sshd->port, sshd->host_key, sshd->authorized_keys, extra_config);
    assert_true(g_file_set_contents(cfg, config, -1, NULL));
    g_mkdir_with_parents("/run/sshd", 0755); /* sshd's privilege separation directory */
    assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                  G_SPAWN_STDERR_TO_DEV_NULL,
                              NULL, NULL, &sshd->pid, NULL));
    for (int i = 0; i < 100 && !port_open(sshd->port); i++)
        g_usleep(50000);
    assert_true(port_open(sshd->port));
}

void
sshd_fixture_free(SshdFixture *sshd)
{
    if (sshd == NULL)
        return;
    if (sshd->pid > 0) {
        kill(sshd->pid, SIGTERM);
        waitpid(sshd->pid, NULL, 0);
    }
    g_free(sshd->dir);
    g_free(sshd->host_key);
    g_free(sshd->authorized_keys);
    g_free(sshd);
}
