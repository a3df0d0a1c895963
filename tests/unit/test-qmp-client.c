#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "qmp-client.h"

/* ---- main loop helpers -------------------------------------------------- */

#define WAIT_SECONDS 30

static gboolean
on_deadline(gpointer user_data)
{
    *(gboolean *)user_data = TRUE;
    return G_SOURCE_REMOVE;
}

/* Iterate the main context until *@flag is set; fails the test on timeout
 * so nothing hangs. */
static void
wait_for(const gboolean *flag)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add_seconds(WAIT_SECONDS, on_deadline, &expired);

    while (!*flag && !expired)
        g_main_context_iteration(NULL, TRUE);
    if (!expired)
        g_source_remove(id);
    if (expired)
        fail_msg("timed out after %d s", WAIT_SECONDS);
}

static void
spin(guint ms)
{
    gboolean done = FALSE;

    g_timeout_add(ms, on_deadline, &done);
    while (!done)
        g_main_context_iteration(NULL, TRUE);
}

typedef struct {
    gboolean done;
    GAsyncResult *result;
} AsyncWait;

static void
on_async_done(G_GNUC_UNUSED GObject *source, GAsyncResult *result, gpointer user_data)
{
    AsyncWait *wait = user_data;

    wait->result = g_object_ref(result);
    wait->done = TRUE;
}

static JsonNode *
execute(MarinaQmpClient *client, const char *command, JsonObject *arguments, int fd, GError **error)
{
    AsyncWait wait = {0};
    JsonNode *ret;

    marina_qmp_client_execute_async(client, command, arguments, fd, NULL, on_async_done, &wait);
    wait_for(&wait.done);
    ret = marina_qmp_client_execute_finish(client, wait.result, error);
    g_object_unref(wait.result);
    return ret;
}

static char *
query_status(MarinaQmpClient *client)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = execute(client, "query-status", NULL, -1, &error);

    assert_null(error);
    assert_non_null(ret);
    assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    return g_strdup(json_object_get_string_member(json_node_get_object(ret), "status"));
}

typedef struct {
    GPtrArray *events; /* char* names */
    gboolean closed;
    GError *close_reason;
} Observer;

static void
on_event(G_GNUC_UNUSED MarinaQmpClient *client, const char *name, G_GNUC_UNUSED JsonObject *data,
         gint64 timestamp, gpointer user_data)
{
    Observer *observer = user_data;

    assert_true(timestamp > 0);
    g_ptr_array_add(observer->events, g_strdup(name));
}

static void
on_closed(G_GNUC_UNUSED MarinaQmpClient *client, const GError *reason, gpointer user_data)
{
    Observer *observer = user_data;

    observer->closed = TRUE;
    g_clear_error(&observer->close_reason);
    if (reason != NULL)
        observer->close_reason = g_error_copy(reason);
}

static void
observe(MarinaQmpClient *client, Observer *observer)
{
    observer->events = g_ptr_array_new_with_free_func(g_free);
    g_signal_connect(client, "event", G_CALLBACK(on_event), observer);
    g_signal_connect(client, "closed", G_CALLBACK(on_closed), observer);
}

static void
observer_clear(Observer *observer)
{
    g_clear_pointer(&observer->events, g_ptr_array_unref);
    g_clear_error(&observer->close_reason);
}

static gboolean
has_event(Observer *observer, const char *name)
{
    for (guint i = 0; i < observer->events->len; i++)
        if (g_str_equal(observer->events->pdata[i], name))
            return TRUE;
    return FALSE;
}

static void
wait_for_event(Observer *observer, const char *name)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add_seconds(WAIT_SECONDS, on_deadline, &expired);

    while (!has_event(observer, name) && !expired)
        g_main_context_iteration(NULL, TRUE);
    if (!expired)
        g_source_remove(id);
    if (expired)
        fail_msg("no %s event within %d s", name, WAIT_SECONDS);
}

/* ---- a real QEMU -------------------------------------------------------- */

typedef struct {
    char *dir;
    char *socket_path;
    GSubprocess *qemu;
    MarinaQmpClient *client;
} Fixture;

static gboolean
have_qemu(void)
{
    g_autofree char *path = g_find_program_in_path("qemu-system-x86_64");

    return path != NULL;
}

/* Starts QEMU the way marinad does: the daemon owns the listening socket and
 * QEMU inherits it as fd 3 (so the client can connect at once). */
static int
setup_qemu(void **state)
{
    Fixture *fixture;
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) listener = NULL;
    g_autoptr(GSocketAddress) address = NULL;
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    AsyncWait wait = {0};

    if (!have_qemu()) {
        *state = NULL;
        return 0;
    }
    fixture = g_new0(Fixture, 1);
    fixture->dir = g_dir_make_tmp("marina-qmp-XXXXXX", &error);
    assert_non_null(fixture->dir);
    fixture->socket_path = g_build_filename(fixture->dir, "qmp.sock", NULL);

    listener =
        g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
    assert_non_null(listener);
    address = g_unix_socket_address_new(fixture->socket_path);
    assert_true(g_socket_bind(listener, address, FALSE, &error));
    assert_true(g_socket_listen(listener, &error));

    launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_subprocess_launcher_take_fd(launcher, dup(g_socket_get_fd(listener)), 3);
    fixture->qemu = g_subprocess_launcher_spawn(
        launcher, &error, "qemu-system-x86_64", "-accel", "tcg", "-nodefaults", "-display", "none",
        "-S", "-chardev", "socket,id=charmonitor,fd=3,server=on,wait=off", "-mon",
        "chardev=charmonitor,id=monitor,mode=control", NULL);
    assert_non_null(fixture->qemu);

    marina_qmp_client_connect_async(fixture->socket_path, NULL, on_async_done, &wait);
    wait_for(&wait.done);
    fixture->client = marina_qmp_client_connect_finish(wait.result, &error);
    g_object_unref(wait.result);
    if (fixture->client == NULL)
        fail_msg("connect: %s", error->message);
    *state = fixture;
    return 0;
}

static int
teardown_qemu(void **state)
{
    Fixture *fixture = *state;

    if (fixture == NULL)
        return 0;
    if (fixture->client != NULL) {
        marina_qmp_client_close(fixture->client);
        g_object_unref(fixture->client);
    }
    if (fixture->qemu != NULL) {
        g_subprocess_force_exit(fixture->qemu);
        g_subprocess_wait(fixture->qemu, NULL, NULL);
        g_object_unref(fixture->qemu);
    }
    g_unlink(fixture->socket_path);
    g_rmdir(fixture->dir);
    g_free(fixture->socket_path);
    g_free(fixture->dir);
    g_free(fixture);
    return 0;
}

#define SKIP_WITHOUT_QEMU(state)                                                                   \
    do {                                                                                           \
        if (*(state) == NULL) {                                                                    \
            print_message("qemu-system-x86_64 not found, skipping\n");                             \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static void
test_connect_reports_version_and_prelaunch(void **state)
{
    Fixture *fixture = *state;
    g_autofree char *status = NULL;

    SKIP_WITHOUT_QEMU(state);
    assert_true(g_str_has_prefix(marina_qmp_client_get_version(fixture->client), "7."));
    status = query_status(fixture->client);
    assert_string_equal(status, "prelaunch");
    assert_false(marina_qmp_client_is_closed(fixture->client));
}

static void
test_cont_runs_the_guest_and_stop_emits_event(void **state)
{
    Fixture *fixture = *state;
    Observer observer = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(JsonNode) ret2 = NULL;
    g_autofree char *status = NULL;
    g_autofree char *status2 = NULL;

    SKIP_WITHOUT_QEMU(state);
    observe(fixture->client, &observer);
    ret = execute(fixture->client, "cont", NULL, -1, &error);
    assert_null(error);
    assert_non_null(ret);
    status = query_status(fixture->client);
    assert_string_equal(status, "running");
    wait_for_event(&observer, "RESUME");

    ret2 = execute(fixture->client, "stop", NULL, -1, &error);
    assert_null(error);
    wait_for_event(&observer, "STOP");
    status2 = query_status(fixture->client);
    assert_string_equal(status2, "paused");
    g_signal_handlers_disconnect_by_data(fixture->client, &observer);
    observer_clear(&observer);
}

static void
test_error_reply_carries_qemu_description(void **state)
{
    Fixture *fixture = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) ret = NULL;
    g_autofree char *status = NULL;

    SKIP_WITHOUT_QEMU(state);
    json_object_set_string_member(args, "node-name", "nope");
    ret = execute(fixture->client, "blockdev-del", args, -1, &error);
    assert_null(ret);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    /* QEMU: "Failed to find node with node-name='nope'" */
    assert_non_null(strstr(error->message, "nope"));
    /* The connection survives a failed command. */
    status = query_status(fixture->client);
    assert_string_equal(status, "prelaunch");
}

typedef struct {
    guint done;
    guint order[8];
    GAsyncResult *results[8];
} Pipeline;

typedef struct {
    Pipeline *pipeline;
    guint index;
} PipelineSlot;

static void
on_pipelined(G_GNUC_UNUSED GObject *source, GAsyncResult *result, gpointer user_data)
{
    PipelineSlot *slot = user_data;

    slot->pipeline->results[slot->index] = g_object_ref(result);
    slot->pipeline->order[slot->pipeline->done++] = slot->index;
}

static void
test_pipelined_commands_match_replies(void **state)
{
    Fixture *fixture = *state;
    Pipeline pipeline = {0};
    PipelineSlot slots[6];
    const char *commands[6] = {"query-status", "query-name",   "query-version",
                               "query-uuid",   "query-status", "query-kvm"};

    SKIP_WITHOUT_QEMU(state);
    for (guint i = 0; i < 6; i++) {
        slots[i] = (PipelineSlot){&pipeline, i};
        marina_qmp_client_execute_async(fixture->client, commands[i], NULL, -1, NULL, on_pipelined,
                                        &slots[i]);
    }
    while (pipeline.done < 6)
        g_main_context_iteration(NULL, TRUE);
    for (guint i = 0; i < 6; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) ret =
            marina_qmp_client_execute_finish(fixture->client, pipeline.results[i], &error);

        assert_null(error);
        assert_true(JSON_NODE_HOLDS_OBJECT(ret));
        if (g_str_equal(commands[i], "query-status"))
            assert_true(json_object_has_member(json_node_get_object(ret), "status"));
        if (g_str_equal(commands[i], "query-version"))
            assert_true(json_object_has_member(json_node_get_object(ret), "qemu"));
        if (g_str_equal(commands[i], "query-kvm"))
            assert_true(json_object_has_member(json_node_get_object(ret), "enabled"));
        g_object_unref(pipeline.results[i]);
    }
}

static void
test_getfd_passes_a_descriptor(void **state)
{
    Fixture *fixture = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(JsonNode) ret2 = NULL;
    g_autoptr(JsonNode) ret3 = NULL;
    int fd;

    SKIP_WITHOUT_QEMU(state);
    fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    json_object_set_string_member(args, "fdname", "marina-test");
    ret = execute(fixture->client, "getfd", args, fd, &error);
    assert_null(error);
    /* The caller keeps its copy. */
    assert_true(fcntl(fd, F_GETFD) >= 0);
    close(fd);

    ret2 = execute(fixture->client, "closefd", args, -1, &error);
    assert_null(error);
    /* Closing it again fails: proves QEMU really held it. */
    ret3 = execute(fixture->client, "closefd", args, -1, &error);
    assert_null(ret3);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    assert_non_null(strstr(error->message, "marina-test"));
}

static void
test_getfd_without_descriptor_fails(void **state)
{
    Fixture *fixture = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) ret = NULL;

    SKIP_WITHOUT_QEMU(state);
    json_object_set_string_member(args, "fdname", "nothing");
    ret = execute(fixture->client, "getfd", args, -1, &error);
    assert_null(ret);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
}

static void
test_killed_qemu_closes_and_fails_pending(void **state)
{
    Fixture *fixture = *state;
    Observer observer = {0};
    AsyncWait wait = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) error2 = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(JsonNode) ret2 = NULL;
    const char *pid;

    SKIP_WITHOUT_QEMU(state);
    observe(fixture->client, &observer);
    pid = g_subprocess_get_identifier(fixture->qemu);
    /* Freeze QEMU so the command is certainly still pending when it dies. */
    kill(atoi(pid), SIGSTOP);
    marina_qmp_client_execute_async(fixture->client, "query-status", NULL, -1, NULL, on_async_done,
                                    &wait);
    spin(200);
    assert_false(wait.done);
    g_subprocess_force_exit(fixture->qemu);
    wait_for(&wait.done);
    ret = marina_qmp_client_execute_finish(fixture->client, wait.result, &error);
    g_object_unref(wait.result);
    assert_null(ret);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    assert_string_equal(error->message, "The guest's QEMU process has gone away");
    assert_true(observer.closed);
    assert_true(marina_qmp_client_is_closed(fixture->client));

    /* Later commands fail at once. */
    ret2 = execute(fixture->client, "query-status", NULL, -1, &error2);
    assert_null(ret2);
    assert_true(g_error_matches(error2, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    g_signal_handlers_disconnect_by_data(fixture->client, &observer);
    observer_clear(&observer);
}

static void
test_cancelled_command_reports_cancellation(void **state)
{
    Fixture *fixture = *state;
    AsyncWait wait = {0};
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_autofree char *status = NULL;

    SKIP_WITHOUT_QEMU(state);
    marina_qmp_client_execute_async(fixture->client, "query-status", NULL, -1, cancellable,
                                    on_async_done, &wait);
    g_cancellable_cancel(cancellable);
    wait_for(&wait.done);
    ret = marina_qmp_client_execute_finish(fixture->client, wait.result, &error);
    g_object_unref(wait.result);
    assert_null(ret);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    /* The late reply is dropped and the connection keeps working. */
    status = query_status(fixture->client);
    assert_string_equal(status, "prelaunch");
    assert_false(marina_qmp_client_is_closed(fixture->client));
}

/* ---- a fake peer -------------------------------------------------------- */

#define GREETING                                                                                   \
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "              \
    "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n"
#define CAPS_REPLY "{\"return\": {}, \"id\": 1}\r\n"

typedef struct {
    int peer_fd;
    GSocketConnection *connection;
} FakePeer;

static FakePeer
fake_peer_new(void)
{
    FakePeer peer = {-1, NULL};
    int fds[2];
    g_autoptr(GSocket) socket = NULL;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    socket = g_socket_new_from_fd(fds[0], NULL);
    assert_non_null(socket);
    peer.connection = g_socket_connection_factory_create_connection(socket);
    peer.peer_fd = fds[1];
    return peer;
}

static void
peer_write(FakePeer *peer, const char *text)
{
    gsize len = strlen(text);

    assert_int_equal(send(peer->peer_fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

static MarinaQmpClient *
fake_client_new(FakePeer *peer, GError **error)
{
    AsyncWait wait = {0};
    MarinaQmpClient *client;

    marina_qmp_client_new_async(peer->connection, NULL, on_async_done, &wait);
    wait_for(&wait.done);
    client = marina_qmp_client_new_finish(wait.result, error);
    g_object_unref(wait.result);
    return client;
}

static void
test_peer_without_greeting_is_refused(G_GNUC_UNUSED void **state)
{
    FakePeer peer = fake_peer_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaQmpClient) client = NULL;

    peer_write(&peer, "{\"hello\": 1}\r\n");
    client = fake_client_new(&peer, &error);
    assert_null(client);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    close(peer.peer_fd);
}

static void
test_peer_hanging_up_during_greeting_fails(G_GNUC_UNUSED void **state)
{
    FakePeer peer = fake_peer_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaQmpClient) client = NULL;

    peer_write(&peer, "{\"QMP\": ");
    close(peer.peer_fd);
    client = fake_client_new(&peer, &error);
    assert_null(client);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
}

/* Connects to a fake peer, then feeds it @hostile and expects a close with
 * an error; a pending command must fail too. */
static void
expect_close_on(const char *hostile, gsize len)
{
    FakePeer peer = fake_peer_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) cmd_error = NULL;
    g_autoptr(MarinaQmpClient) client = NULL;
    g_autoptr(JsonNode) ret = NULL;
    Observer observer = {0};
    AsyncWait wait = {0};
    gsize written = 0;

    peer_write(&peer, GREETING CAPS_REPLY);
    client = fake_client_new(&peer, &error);
    assert_null(error);
    assert_string_equal(marina_qmp_client_get_version(client), "7.2.0");
    observe(client, &observer);

    marina_qmp_client_execute_async(client, "query-status", NULL, -1, NULL, on_async_done, &wait);
    /* Large payloads: write what fits, let the client read, repeat. */
    g_unix_set_fd_nonblocking(peer.peer_fd, TRUE, NULL);
    while (written < len && !observer.closed) {
        ssize_t n = send(peer.peer_fd, hostile + written, len - written, MSG_NOSIGNAL);

        if (n > 0)
            written += n;
        g_main_context_iteration(NULL, FALSE);
    }
    wait_for(&observer.closed);
    assert_non_null(observer.close_reason);
    assert_true(
        g_error_matches(observer.close_reason, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    wait_for(&wait.done);
    ret = marina_qmp_client_execute_finish(client, wait.result, &cmd_error);
    g_object_unref(wait.result);
    assert_null(ret);
    assert_true(g_error_matches(cmd_error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    assert_true(marina_qmp_client_is_closed(client));
    observer_clear(&observer);
    close(peer.peer_fd);
}

static void
test_garbage_closes_the_connection(G_GNUC_UNUSED void **state)
{
    static const char garbage[] = "this is not json\r\n";

    expect_close_on(garbage, strlen(garbage));
}

static void
test_non_object_closes_the_connection(G_GNUC_UNUSED void **state)
{
    static const char text[] = "[1, 2, 3]\r\n";

    expect_close_on(text, strlen(text));
}

static void
test_nul_byte_closes_the_connection(G_GNUC_UNUSED void **state)
{
    static const char text[] = "{\"return\": {}, \0\"id\": 2}\r\n";

    expect_close_on(text, sizeof(text) - 1);
}

static void
test_unknown_id_closes_the_connection(G_GNUC_UNUSED void **state)
{
    static const char text[] = "{\"return\": {}, \"id\": 999}\r\n";

    expect_close_on(text, strlen(text));
}

static void
test_wrongly_typed_members_close_the_connection(G_GNUC_UNUSED void **state)
{
    /* An event with a numeric name and a reply whose id is an object. */
    static const char text[] = "{\"event\": 5, \"timestamp\": \"x\"}\r\n";
    static const char text2[] = "{\"return\": 1, \"id\": {\"a\": 1}}\r\n";

    expect_close_on(text, strlen(text));
    expect_close_on(text2, strlen(text2));
}

static void
test_overlong_line_closes_the_connection(G_GNUC_UNUSED void **state)
{
    gsize len = 17 * 1024 * 1024;
    g_autofree char *text = g_malloc(len);

    /* A string that never ends: 17 MiB without a newline. */
    memset(text, 'a', len);
    text[0] = '"';
    expect_close_on(text, len);
}

static void
test_deep_nesting_does_not_crash(G_GNUC_UNUSED void **state)
{
    gsize depth = 200000;
    g_autofree char *text = g_malloc(depth + 3);

    memset(text, '[', depth);
    memcpy(text + depth, "\r\n", 3);
    expect_close_on(text, depth + 2);
}

static void
test_fake_peer_error_without_desc_and_events(G_GNUC_UNUSED void **state)
{
    FakePeer peer = fake_peer_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaQmpClient) client = NULL;
    g_autoptr(JsonNode) ret = NULL;
    Observer observer = {0};
    AsyncWait wait = {0};

    peer_write(&peer, GREETING CAPS_REPLY);
    client = fake_client_new(&peer, &error);
    assert_null(error);
    observe(client, &observer);
    marina_qmp_client_execute_async(client, "frobnicate", NULL, -1, NULL, on_async_done, &wait);
    peer_write(&peer, "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true}, "
                      "\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}}\r\n"
                      "{\"error\": {\"class\": \"GenericError\"}, \"id\": 2}\r\n");
    wait_for(&wait.done);
    ret = marina_qmp_client_execute_finish(client, wait.result, &error);
    g_object_unref(wait.result);
    assert_null(ret);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED));
    assert_true(has_event(&observer, "SHUTDOWN"));
    assert_false(marina_qmp_client_is_closed(client));

    /* Peer hangs up: "closed" with a reason, NOT_RUNNING. */
    close(peer.peer_fd);
    wait_for(&observer.closed);
    assert_true(g_error_matches(observer.close_reason, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    observer_clear(&observer);
}

static void
test_fd_travels_with_the_first_byte(G_GNUC_UNUSED void **state)
{
    FakePeer peer = fake_peer_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaQmpClient) client = NULL;
    g_autoptr(JsonObject) args = json_object_new();
    AsyncWait wait = {0};
    char buf[4096];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {buf, 1}; /* read a single byte: the fd must come with it */
    struct msghdr msg = {0};
    struct cmsghdr *cmsg;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int received = -1;
    ssize_t n;

    peer_write(&peer, GREETING CAPS_REPLY);
    client = fake_client_new(&peer, &error);
    assert_null(error);
    /* Drain qmp_capabilities. */
    n = recv(peer.peer_fd, buf, sizeof(buf), 0);
    assert_true(n > 0);

    json_object_set_string_member(args, "fdname", "x");
    marina_qmp_client_execute_async(client, "getfd", args, devnull, NULL, on_async_done, &wait);
    spin(50);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    n = recvmsg(peer.peer_fd, &msg, MSG_CMSG_CLOEXEC);
    assert_int_equal(n, 1);
    assert_int_equal(buf[0], '{');
    cmsg = CMSG_FIRSTHDR(&msg);
    assert_non_null(cmsg);
    assert_int_equal(cmsg->cmsg_type, SCM_RIGHTS);
    memcpy(&received, CMSG_DATA(cmsg), sizeof(int));
    assert_true(received >= 0);
    close(received);
    close(devnull);

    n = recv(peer.peer_fd, buf, sizeof(buf) - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"execute\":\"getfd\""));
    assert_non_null(strstr(buf, "\"id\":2"));
    peer_write(&peer, "{\"return\": {}, \"id\": 2}\r\n");
    wait_for(&wait.done);
    {
        g_autoptr(JsonNode) ret = marina_qmp_client_execute_finish(client, wait.result, &error);

        assert_null(error);
        assert_non_null(ret);
    }
    g_object_unref(wait.result);
    marina_qmp_client_close(client);
    close(peer.peer_fd);
}

static void
test_connect_to_missing_socket_fails(G_GNUC_UNUSED void **state)
{
    AsyncWait wait = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaQmpClient) client = NULL;

    marina_qmp_client_connect_async("/nonexistent/marina/qmp.sock", NULL, on_async_done, &wait);
    wait_for(&wait.done);
    client = marina_qmp_client_connect_finish(wait.result, &error);
    g_object_unref(wait.result);
    assert_null(client);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    assert_non_null(strstr(error->message, "/nonexistent/marina/qmp.sock"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect_reports_version_and_prelaunch, setup_qemu,
                                        teardown_qemu),
        cmocka_unit_test_setup_teardown(test_cont_runs_the_guest_and_stop_emits_event, setup_qemu,
                                        teardown_qemu),
        cmocka_unit_test_setup_teardown(test_error_reply_carries_qemu_description, setup_qemu,
                                        teardown_qemu),
        cmocka_unit_test_setup_teardown(test_pipelined_commands_match_replies, setup_qemu,
                                        teardown_qemu),
        cmocka_unit_test_setup_teardown(test_getfd_passes_a_descriptor, setup_qemu, teardown_qemu),
        cmocka_unit_test_setup_teardown(test_getfd_without_descriptor_fails, setup_qemu,
                                        teardown_qemu),
        cmocka_unit_test_setup_teardown(test_cancelled_command_reports_cancellation, setup_qemu,
                                        teardown_qemu),
        cmocka_unit_test_setup_teardown(test_killed_qemu_closes_and_fails_pending, setup_qemu,
                                        teardown_qemu),
        cmocka_unit_test(test_peer_without_greeting_is_refused),
        cmocka_unit_test(test_peer_hanging_up_during_greeting_fails),
        cmocka_unit_test(test_garbage_closes_the_connection),
        cmocka_unit_test(test_non_object_closes_the_connection),
        cmocka_unit_test(test_nul_byte_closes_the_connection),
        cmocka_unit_test(test_unknown_id_closes_the_connection),
        cmocka_unit_test(test_wrongly_typed_members_close_the_connection),
        cmocka_unit_test(test_overlong_line_closes_the_connection),
        cmocka_unit_test(test_deep_nesting_does_not_crash),
        cmocka_unit_test(test_fake_peer_error_without_desc_and_events),
        cmocka_unit_test(test_fd_travels_with_the_first_byte),
        cmocka_unit_test(test_connect_to_missing_socket_fails),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
