/* marina:///session: the first client starts the per-user daemon, which
 * keeps its data in ~/.local/share/marina and its socket in
 * $XDG_RUNTIME_DIR/marina; a second client finds it running. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char *root;

/* The daemon behind a socket, by the kernel's word (SO_PEERCRED). */
static pid_t
daemon_pid(const char *sock)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct ucred cred = {0};
    socklen_t len = sizeof cred;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, sock, sizeof addr.sun_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        cred.pid = 0;
    if (fd >= 0)
        close(fd);
    return cred.pid;
}

static int
run(const char *const *args, char **out, char **err)
{
    g_autoptr(GError) error = NULL;
    int status = -1;

    if (!g_spawn_sync(NULL, (char **)args, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status,
                      &error))
        fail_msg("%s", error->message);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_session_daemon_started_on_demand(void **state)
{
    g_autofree char *runtime = g_build_filename(root, "run", NULL);
    g_autofree char *data = g_build_filename(root, "data", NULL);
    g_autofree char *sock = g_build_filename(runtime, "marina", "marinad.sock", NULL);
    g_autofree char *state_dir = g_build_filename(data, "marina", "domains", NULL);
    g_autofree char *xml = g_build_filename(root, "s1.xml", NULL);
    g_autofree char *out = NULL, *err = NULL;
    const char *ctl = g_getenv("MARINACTL");
    const char *list[] = {ctl, "list", "--all", "--name", NULL};
    const char *define[] = {ctl, "-c", "marina:///session", "define", xml, NULL};

    g_mkdir_with_parents(runtime, 0700);
    g_setenv("XDG_RUNTIME_DIR", runtime, TRUE);
    g_setenv("XDG_DATA_HOME", data, TRUE);
    g_unsetenv("MARINA_DEFAULT_URI");
    assert_true(g_file_set_contents(xml,
                                    "<domain type='kvm'><name>s1</name>"
                                    "<memory unit='MiB'>64</memory><vcpu>1</vcpu></domain>",
                                    -1, NULL));

    assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
    if (run(list, &out, &err) != 0)
        fail_msg("list: %s", err);
    assert_true(g_file_test(sock, G_FILE_TEST_EXISTS)); /* the daemon is up */
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(run(define, &out, &err), 0);
    g_clear_pointer(&out, g_free);
    assert_int_equal(run(list, &out, &err), 0);
    assert_string_equal(g_strstrip(out), "s1");
    assert_true(g_file_test(state_dir, G_FILE_TEST_IS_DIR));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_daemon_started_on_demand),
    };
    g_autoptr(GError) error = NULL;
    g_autofree char *cmd = NULL;
    int rc;

    root = g_dir_make_tmp("msess-XXXXXX", &error);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    {
        g_autofree char *sock = g_build_filename(root, "run", "marina", "marinad.sock", NULL);
        pid_t pid = daemon_pid(sock);
        if (pid > 0)
            kill(pid, SIGTERM);
    }
    cmd = g_strdup_printf("rm -rf '%s'", root);
    if (system(cmd) != 0)
        g_debug("cleanup incomplete");
    return rc;
}
