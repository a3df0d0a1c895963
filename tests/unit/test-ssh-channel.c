/* The client's ssh channel (ssh-channel.c) with a real ssh: a host that
 * cannot be reached, a host that never answers and a cancel. (The channel
 * through a real sshd is in tests/integration/test-ssh.c.) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gio/gio.h>

#include "error.h"
#include "ssh-channel.h"
#include "sync-wait.h"

/* A real ssh that cannot reach its host: a clear message, not a hang. */
static void
test_ssh_that_cannot_connect(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaUri) uri = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    const char *const args[] = {"serial", "00000000-0000-0000-0000-000000000000", "0", NULL};
    gint64 t0 = g_get_monotonic_time();
    int fd;

    if (g_find_program_in_path("ssh") == NULL) {
        skip();
        return;
    }
    /* Port 1 on loopback: nothing listens there. */
    uri = marina_uri_parse("marina+ssh://127.0.0.1:1/session?no_verify=1&no_tty=1", &error);
    assert_non_null(uri);
    marina_ssh_channel_open_async(uri, args, NULL, marina_sync_wait_ready, &result);
    marina_sync_wait(&result);
    fd = marina_ssh_channel_open_finish(result, NULL, &error);
    assert_int_equal(fd, -1);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_CONNECTION));
    if (strstr(error->message, "ssh could not reach 127.0.0.1") == NULL)
        fail_msg("unexpected message: %s", error->message);
    assert_true(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC);
}

static guint
count_ssh_to_port(guint16 port)
{
    g_autoptr(GDir) dir = g_dir_open("/proc", 0, NULL);
    g_autofree char *needle = g_strdup_printf(" -p %u ", port);
    const char *name;
    guint n = 0;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = NULL, *cmdline = NULL;
        gsize len = 0;

        if (!g_ascii_isdigit(name[0]))
            continue;
        path = g_build_filename("/proc", name, "cmdline", NULL);
        if (!g_file_get_contents(path, &cmdline, &len, NULL) || len == 0)
            continue;
        for (gsize i = 0; i + 1 < len; i++)
            if (cmdline[i] == '\0')
                cmdline[i] = ' ';
        if (g_str_has_prefix(cmdline, "ssh ") && strstr(cmdline, needle) != NULL)
            n++;
    }
    return n;
}

static guint16 cancel_port;
static guint ssh_before_cancel;

static gboolean
on_cancel_now(gpointer cancellable)
{
    ssh_before_cancel = count_ssh_to_port(cancel_port);
    g_cancellable_cancel(cancellable);
    return G_SOURCE_REMOVE;
}

/* A host that accepts the connection and then says nothing: cancelling
 * answers at once and ends the ssh it started. */
static void
test_cancel_ends_ssh(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocketListener) listener = g_socket_listener_new();
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(MarinaUri) uri = NULL;
    g_autofree char *text = NULL;
    const char *const args[] = {"graphics", "00000000-0000-0000-0000-000000000000", NULL};
    guint16 port;
    gint64 t0;

    if (g_find_program_in_path("ssh") == NULL) {
        skip();
        return;
    }
    /* Listening is enough: the kernel completes the handshake, ssh waits for a banner. */
    {
        g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
        g_autoptr(GSocketAddress) bound = NULL;
        assert_true(g_socket_listener_add_address(listener, any, G_SOCKET_TYPE_STREAM,
                                                  G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
        port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    }
    cancel_port = port;
    text = g_strdup_printf("marina+ssh://127.0.0.1:%u/session?no_verify=1&no_tty=1", port);
    uri = marina_uri_parse(text, &error);
    assert_non_null(uri);
    marina_ssh_channel_open_async(uri, args, cancellable, marina_sync_wait_ready, &result);
    g_timeout_add(300, on_cancel_now, cancellable);
    t0 = g_get_monotonic_time();
    marina_sync_wait(&result);
    assert_int_equal(marina_ssh_channel_open_finish(result, NULL, &error), -1);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    assert_true(g_get_monotonic_time() - t0 < 3 * G_USEC_PER_SEC);
    assert_int_equal(ssh_before_cancel, 1); /* it was there, waiting */
    for (int i = 0; i < 100 && count_ssh_to_port(port) > 0; i++)
        g_usleep(20000);
    assert_int_equal(count_ssh_to_port(port), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ssh_that_cannot_connect),
        cmocka_unit_test(test_cancel_ends_ssh),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
