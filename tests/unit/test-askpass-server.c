/* The askpass server: questions arrive with their login's URI and attempt
 * number, answers and cancels reach the peer, hostile peers are dropped. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "askpass-server.h"

typedef struct {
    char *runtime;
    MarinaAskpassServer *server;
    GPtrArray *questions; /* MarinaAskpassQuestion, as received */
    guint closed;
} Fixture;

static void
on_question(MarinaAskpassServer *server, MarinaAskpassQuestion *question, Fixture *f)
{
    g_ptr_array_add(f->questions, g_object_ref(question));
}

static void
on_closed(MarinaAskpassQuestion *question, Fixture *f)
{
    f->closed++;
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    g_autoptr(GError) error = NULL;

    f->runtime = g_dir_make_tmp("askpass-server-XXXXXX", NULL);
    g_setenv("XDG_RUNTIME_DIR", f->runtime, TRUE);
    /* Any executable stands in for the helper: these tests speak the protocol themselves. */
    g_setenv("MARINA_ASKPASS", "/bin/true", TRUE);
    f->server = marina_askpass_server_new(&error);
    assert_non_null(f->server);
    f->questions = g_ptr_array_new_with_free_func(g_object_unref);
    g_signal_connect(f->server, "question", G_CALLBACK(on_question), f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    g_autofree char *dir = g_path_get_dirname(marina_askpass_server_get_socket_path(f->server));
    g_autofree char *marina_dir = g_build_filename(f->runtime, "marina", NULL);

    g_ptr_array_unref(f->questions);
    g_object_unref(f->server);
    /* The private directory goes with the server. */
    assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
    g_rmdir(marina_dir);
    g_rmdir(f->runtime);
    g_free(f->runtime);
    g_free(f);
    return 0;
}

static void
iterate_until(gboolean (*done)(Fixture *f, gpointer data), Fixture *f, gpointer data)
{
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (!done(f, data) && g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, FALSE), g_usleep(1000);
    assert_true(done(f, data));
}

static gboolean
have_questions(Fixture *f, gpointer n)
{
    return f->questions->len >= GPOINTER_TO_UINT(n);
}

static GSocketConnection *
dial(Fixture *f)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) address =
        g_unix_socket_address_new(marina_askpass_server_get_socket_path(f->server));
    GSocketConnection *conn =
        g_socket_client_connect(client, G_SOCKET_CONNECTABLE(address), NULL, NULL);

    assert_non_null(conn);
    return conn;
}

static void
send_raw(GSocketConnection *conn, const void *data, gsize len)
{
    assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), data,
                                          len, NULL, NULL, NULL));
}

static GSocketConnection *
ask(Fixture *f, const char *token, const char *prompt)
{
    GSocketConnection *conn = dial(f);
    g_autoptr(GBytes) request = marina_askpass_encode_request(token, prompt, "");

    send_raw(conn, g_bytes_get_data(request, NULL), g_bytes_get_size(request));
    return conn;
}

typedef struct {
    gboolean done;
    gboolean answered;
    char *answer;
    gboolean eof;
} Reply;

/* Reads the reply in a thread (the server needs this one's main loop). */
static gpointer
read_reply_thread(gpointer data)
{
    GSocketConnection *conn = data;
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
    Reply *reply = g_new0(Reply, 1);
    guint8 header[MARINA_ASKPASS_HEADER_SIZE], body[1 + MARINA_ASKPASS_MAX_ANSWER];
    gsize got = 0, len = 0;

    if (!g_input_stream_read_all(in, header, sizeof header, &got, NULL, NULL) || got == 0) {
        reply->eof = TRUE;
        return reply;
    }
    assert_true(marina_askpass_parse_header(header, got, &len, NULL));
    assert_true(g_input_stream_read_all(in, body, len, &got, NULL, NULL));
    assert_true(marina_askpass_decode_reply(body, len, &reply->answered, &reply->answer, NULL));
    return reply;
}

static gboolean
thread_done(Fixture *f, gpointer data)
{
    return g_atomic_int_get((int *)data) != 0;
}

static gpointer
run_reader(gpointer data)
{
    gpointer *args = data;
    gpointer result = read_reply_thread(args[0]);

    args[1] = result;
    g_atomic_int_set((int *)&args[2], 1);
    return NULL;
}

static Reply *
wait_reply(Fixture *f, GSocketConnection *conn, void (*act)(Fixture *f))
{
    gpointer args[3] = {conn, NULL, NULL};
    GThread *thread = g_thread_new("reader", run_reader, args);

    act(f);
    iterate_until(thread_done, f, &args[2]);
    g_thread_join(thread);
    return args[1];
}

static void
nothing(Fixture *f)
{
}

static void
answer_first(Fixture *f)
{
    marina_askpass_question_reply(g_ptr_array_index(f->questions, 0), "hunter2");
}

static void
test_question_carries_login_and_is_answered(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaUri) uri = marina_uri_parse("marina+ssh://alice@db1:2222/system", NULL);
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(0);
    g_autoptr(GSocketConnection) conn = NULL;
    MarinaAskpassQuestion *question;
    const char *token;
    Reply *reply;

    assert_true(marina_askpass_server_prepare_launcher(f->server, launcher, uri));
    assert_string_equal(g_subprocess_launcher_getenv(launcher, "SSH_ASKPASS_REQUIRE"), "force");
    assert_string_equal(g_subprocess_launcher_getenv(launcher, "SSH_ASKPASS"), "/bin/true");
    assert_string_equal(g_subprocess_launcher_getenv(launcher, "MARINA_ASKPASS_SOCKET"),
                        marina_askpass_server_get_socket_path(f->server));
    token = g_subprocess_launcher_getenv(launcher, "MARINA_ASKPASS_TOKEN");
    assert_int_equal(strlen(token), 32);

    conn = ask(f, token, "alice@db1's password: ");
    iterate_until(have_questions, f, GUINT_TO_POINTER(1));
    question = g_ptr_array_index(f->questions, 0);
    assert_int_equal(marina_askpass_question_get_kind(question), MARINA_ASKPASS_KIND_PASSWORD);
    assert_string_equal(marina_askpass_question_get_uri(question),
                        "marina+ssh://alice@db1:2222/system");
    assert_string_equal(marina_askpass_question_get_host(question), "db1");
    assert_int_equal(marina_askpass_question_get_attempt(question), 1);
    reply = wait_reply(f, conn, answer_first);
    assert_true(reply->answered);
    assert_string_equal(reply->answer, "hunter2");
    assert_false(marina_askpass_question_is_pending(question));
    g_free(reply->answer);
    g_free(reply);

    /* ssh asks again in the same login: the first answer was refused. */
    g_clear_object(&conn);
    conn = ask(f, token, "alice@db1's password: ");
    iterate_until(have_questions, f, GUINT_TO_POINTER(2));
    assert_int_equal(marina_askpass_question_get_attempt(g_ptr_array_index(f->questions, 1)), 2);
    marina_askpass_question_cancel(g_ptr_array_index(f->questions, 1));

    /* ssh asks once more after a cancel: no is the answer, without asking. */
    g_clear_object(&conn);
    conn = ask(f, token, "alice@db1's password: ");
    reply = wait_reply(f, conn, nothing);
    assert_false(reply->answered);
    assert_int_equal(f->questions->len, 2);
    g_free(reply);
}

static void
drop_questions(Fixture *f)
{
    /* Nobody holds the question: that is a cancel, not a hang. */
    g_ptr_array_set_size(f->questions, 0);
}

static void
test_unknown_token_and_dropped_question(void **state)
{
    Fixture *f = *state;
    g_autoptr(GSocketConnection) conn = ask(f, "not-a-token", "Password: ");
    Reply *reply;

    iterate_until(have_questions, f, GUINT_TO_POINTER(1));
    assert_null(marina_askpass_question_get_uri(g_ptr_array_index(f->questions, 0)));
    reply = wait_reply(f, conn, drop_questions);
    assert_true(reply->eof || !reply->answered);
    g_free(reply);
}

static gboolean
closed_once(Fixture *f, gpointer data)
{
    return f->closed == 1;
}

static void
test_helper_gone_closes_question(void **state)
{
    Fixture *f = *state;
    GSocketConnection *conn = ask(f, "t", "Enter passphrase for key '/k': ");
    MarinaAskpassQuestion *question;

    iterate_until(have_questions, f, GUINT_TO_POINTER(1));
    question = g_ptr_array_index(f->questions, 0);
    assert_int_equal(marina_askpass_question_get_kind(question), MARINA_ASKPASS_KIND_PASSPHRASE);
    g_signal_connect(question, "closed", G_CALLBACK(on_closed), f);
    g_object_unref(conn); /* ssh was killed */
    iterate_until(closed_once, f, NULL);
    assert_false(marina_askpass_question_is_pending(question));
    marina_askpass_question_reply(question, "late"); /* harmless */
}

static gboolean
peer_closed(Fixture *f, gpointer data)
{
    GSocketConnection *conn = data;
    guint8 byte;
    gssize n = g_pollable_input_stream_read_nonblocking(
        G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(G_IO_STREAM(conn))), &byte, 1, NULL,
        NULL);

    return n == 0;
}

static void
test_hostile_peers_are_dropped(void **state)
{
    Fixture *f = *state;
    static const char garbage[] = "GET / HTTP/1.0\r\n\r\n";
    guint8 header[MARINA_ASKPASS_HEADER_SIZE];
    g_autoptr(GSocketConnection) a = dial(f);
    g_autoptr(GSocketConnection) b = dial(f);
    g_autoptr(GSocketConnection) c = dial(f);
    static const guint8 body[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

    send_raw(a, garbage, sizeof garbage - 1);
    /* Announces 4 GiB. */
    marina_askpass_write_header(header, 0xffffffffu);
    send_raw(b, header, sizeof header);
    /* A right header, then a body that is no a{ss}. */
    marina_askpass_write_header(header, sizeof body);
    send_raw(c, header, sizeof header);
    send_raw(c, body, sizeof body);
    iterate_until(peer_closed, f, a);
    iterate_until(peer_closed, f, b);
    iterate_until(peer_closed, f, c);
    assert_int_equal(f->questions->len, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_question_carries_login_and_is_answered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_token_and_dropped_question, setup, teardown),
        cmocka_unit_test_setup_teardown(test_helper_gone_closes_question, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_peers_are_dropped, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
