/* The daemon's sockets: one daemon per socket, a stale socket replaced,
 * and each accepted client handed over with whether it came in on the
 * read-only socket. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"
#include "server.h"

typedef struct {
    char *dir;
    MarinaDaemonConfig config;
    GPtrArray *clients; /* GDBusConnection* the server handed over */
    GArray *read_only;  /* gboolean per client */
} Fixture;

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->dir = g_dir_make_tmp("test-server-XXXXXX", NULL);
    f->config.socket_path = g_build_filename(f->dir, "rw.sock", NULL);
    f->config.ro_socket_path = g_build_filename(f->dir, "ro.sock", NULL);
    f->config.socket_mode = 0600;
    f->clients = g_ptr_array_new_with_free_func(g_object_unref);
    f->read_only = g_array_new(FALSE, FALSE, sizeof(gboolean));
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    g_ptr_array_unref(f->clients);
    g_array_unref(f->read_only);
    g_unlink(f->config.socket_path);
    g_unlink(f->config.ro_socket_path);
    g_rmdir(f->dir);
    g_free(f->config.socket_path);
    g_free(f->config.ro_socket_path);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static gboolean
on_new_client(MarinaServer *server, GDBusConnection *connection, gboolean read_only, Fixture *f)
{
    g_ptr_array_add(f->clients, g_object_ref(connection));
    g_array_append_val(f->read_only, read_only);
    return TRUE;
}

static void
on_connected(GObject *source, GAsyncResult *result, gpointer data)
{
    GDBusConnection **slot = data;
    g_autoptr(GError) error = NULL;

    *slot = g_dbus_connection_new_for_address_finish(result, &error);
    assert_null(error);
}

/* Connect as a client would and wait until the server has handed it over. */
static GDBusConnection *
connect_to(Fixture *f, const char *path)
{
    g_autofree char *address = g_strconcat("unix:path=", path, NULL);
    GDBusConnection *connection = NULL;
    guint before = f->clients->len;

    g_dbus_connection_new_for_address(address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL,
                                      NULL, on_connected, &connection);
    while (connection == NULL || f->clients->len == before)
        g_main_context_iteration(NULL, TRUE);
    return connection;
}

static void
test_clients_are_handed_over_with_their_socket(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaServer) server = marina_server_new(&f->config);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) writer = NULL;
    g_autoptr(GDBusConnection) reader = NULL;

    g_signal_connect(server, "new-client", G_CALLBACK(on_new_client), f);
    assert_true(marina_server_start(server, &error));
    writer = connect_to(f, f->config.socket_path);
    reader = connect_to(f, f->config.ro_socket_path);
    assert_int_equal(f->clients->len, 2);
    assert_false(g_array_index(f->read_only, gboolean, 0));
    assert_true(g_array_index(f->read_only, gboolean, 1));

    marina_server_stop(server);
    /* The sockets go with the server; the clients stay. */
    assert_false(g_file_test(f->config.socket_path, G_FILE_TEST_EXISTS));
    assert_false(g_file_test(f->config.ro_socket_path, G_FILE_TEST_EXISTS));
    assert_false(g_dbus_connection_is_closed(writer));
    g_dbus_connection_close_sync(writer, NULL, NULL);
    g_dbus_connection_close_sync(reader, NULL, NULL);
}

static void
test_one_daemon_per_socket(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaServer) first = marina_server_new(&f->config);
    g_autoptr(MarinaServer) second = marina_server_new(&f->config);
    g_autoptr(GError) error = NULL;

    assert_true(marina_server_start(first, &error));
    assert_false(marina_server_start(second, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING));
    assert_non_null(strstr(error->message, f->config.socket_path));
    /* The refused one left the first one's socket alone. */
    g_clear_object(&second);
    assert_true(g_file_test(f->config.socket_path, G_FILE_TEST_EXISTS));
}

static void
test_stale_socket_is_replaced(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaServer) server = marina_server_new(&f->config);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) client = NULL;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    /* A socket file nobody listens on: what a daemon that died leaves. */
    g_strlcpy(addr.sun_path, f->config.socket_path, sizeof(addr.sun_path));
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    close(fd);
    assert_true(g_file_test(f->config.socket_path, G_FILE_TEST_EXISTS));

    g_signal_connect(server, "new-client", G_CALLBACK(on_new_client), f);
    assert_true(marina_server_start(server, &error));
    client = connect_to(f, f->config.socket_path);
    assert_int_equal(f->clients->len, 1);
    g_dbus_connection_close_sync(client, NULL, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clients_are_handed_over_with_their_socket, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_daemon_per_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_socket_is_replaced, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
