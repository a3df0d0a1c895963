/* The status line of an ssh channel (channel-header.c): what the remote
 * bridge writes and the client reads, with hostile input. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gio/gio.h>

#include "channel-header.h"
#include "error.h"

/* Feeds @data in pieces of @chunk bytes (0: all at once) and returns the
 * status; *consumed_total counts what the header took. */
static MarinaChannelHeaderStatus
feed(MarinaChannelHeader *header, const char *data, gsize len, gsize chunk, gsize *consumed_total,
     GError **error)
{
    MarinaChannelHeaderStatus status = MARINA_CHANNEL_HEADER_MORE;
    gsize off = 0;

    *consumed_total = 0;
    if (chunk == 0)
        chunk = len;
    while (off < len && status == MARINA_CHANNEL_HEADER_MORE) {
        gsize piece = MIN(chunk, len - off);
        gsize consumed = 0;

        status =
            marina_channel_header_feed(header, (const guint8 *)data + off, piece, &consumed, error);
        assert_true(consumed <= piece);
        *consumed_total += consumed;
        /* A piece is taken whole unless the header ends inside it. */
        if (status == MARINA_CHANNEL_HEADER_MORE)
            assert_int_equal(consumed, piece);
        off += piece;
    }
    return status;
}

static void
test_ok_takes_the_scrollback_and_leaves_the_stream(void **state)
{
    static const char input[] = "OK 11\nboot output$ RFB 003.008\n";
    const gsize chunks[] = {0, 1, 3, 7};

    for (guint i = 0; i < G_N_ELEMENTS(chunks); i++) {
        g_autoptr(MarinaChannelHeader) header = marina_channel_header_new();
        g_autoptr(GBytes) scrollback = NULL;
        g_autoptr(GError) error = NULL;
        gsize consumed;

        assert_int_equal(feed(header, input, strlen(input), chunks[i], &consumed, &error),
                         MARINA_CHANNEL_HEADER_OK);
        assert_null(error);
        /* Exactly the line and 11 bytes: the stream's greeting stays unread. */
        assert_int_equal(consumed, strlen("OK 11\n") + 11);
        scrollback = marina_channel_header_take_scrollback(header);
        assert_int_equal(g_bytes_get_size(scrollback), 11);
        assert_memory_equal(g_bytes_get_data(scrollback, NULL), "boot output", 11);
    }
}

static void
test_ok_zero_has_empty_scrollback(void **state)
{
    g_autoptr(MarinaChannelHeader) header = marina_channel_header_new();
    g_autoptr(GBytes) scrollback = NULL;
    gsize consumed;

    assert_int_equal(feed(header, "OK 0\nRFB", 8, 0, &consumed, NULL), MARINA_CHANNEL_HEADER_OK);
    assert_int_equal(consumed, 5);
    scrollback = marina_channel_header_take_scrollback(header);
    assert_int_equal(g_bytes_get_size(scrollback), 0);
}

static void
test_error_line_maps_to_the_same_gerror(void **state)
{
    static const char line[] = "ERROR org.marinavm.Marina1.Error.InvalidArgument Guest 'web1' has "
                               "no serial console 5 (it has 1).\n";
    g_autoptr(MarinaChannelHeader) header = marina_channel_header_new();
    g_autoptr(GError) error = NULL;
    gsize consumed;

    assert_int_equal(feed(header, line, strlen(line), 0, &consumed, &error),
                     MARINA_CHANNEL_HEADER_ERROR);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    assert_string_equal(marina_error_message(error),
                        "Guest 'web1' has no serial console 5 (it has 1).");
}

static void
test_error_line_of_other_names(void **state)
{
    static const char unknown[] =
        "ERROR org.freedesktop.DBus.Error.UnknownMethod No such method 'OpenMigrationStream'\n";
    static const char foreign[] = "ERROR com.example.Weird Something odd\n";
    g_autoptr(MarinaChannelHeader) h1 = marina_channel_header_new();
    g_autoptr(MarinaChannelHeader) h2 = marina_channel_header_new();
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    gsize consumed;

    assert_int_equal(feed(h1, unknown, strlen(unknown), 0, &consumed, &e1),
                     MARINA_CHANNEL_HEADER_ERROR);
    assert_true(g_error_matches(e1, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD));
    assert_int_equal(feed(h2, foreign, strlen(foreign), 0, &consumed, &e2),
                     MARINA_CHANNEL_HEADER_ERROR);
    assert_string_equal(marina_error_message(e2), "Something odd");
}

static void
assert_invalid(const char *input, gsize len)
{
    g_autoptr(MarinaChannelHeader) header = marina_channel_header_new();
    g_autoptr(GError) error = NULL;
    gsize consumed;

    if (feed(header, input, len, 0, &consumed, &error) != MARINA_CHANNEL_HEADER_INVALID)
        fail_msg("'%.*s' was accepted", (int)MIN(len, 60), input);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
}

static void
test_bad_lengths_are_refused(void **state)
{
    const char *const bad[] = {
        "OK -1\n",
        "OK +5\n",
        "OK 0x10\n",
        "OK \n",
        "OK 1 2\n",
        "OK  1\n",
        "OK 1\r\n",
        "OK 16777217\n",
        "OK 99999999999999999999999\n",
        "OK 18446744073709551617\n",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        assert_invalid(bad[i], strlen(bad[i]));
}

static void
test_garbage_is_refused(void **state)
{
    const char *const bad[] = {
        "HTTP/1.1 200 OK\n",
        "ok 1\n",
        "ERROR\n",
        "ERROR not-a-name message\n",
        "ERROR .bad.Name message\n",
        "--connect-channel serial 1234 0 --session\n",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        assert_invalid(bad[i], strlen(bad[i]));
    assert_invalid("OK\0 5\n", 6);
}

static void
test_overlong_line_is_refused(void **state)
{
    g_autofree char *endless = g_strnfill(MARINA_CHANNEL_MAX_LINE + 1, 'A');
    g_autoptr(MarinaChannelHeader) header = marina_channel_header_new();
    g_autoptr(GError) error = NULL;
    gsize consumed;

    /* Without a newline it is refused once the limit is passed, in pieces too. */
    assert_int_equal(feed(header, endless, MARINA_CHANNEL_MAX_LINE + 1, 100, &consumed, &error),
                     MARINA_CHANNEL_HEADER_INVALID);
    assert_true(consumed <= MARINA_CHANNEL_MAX_LINE);
}

static void
test_longest_line_is_accepted(void **state)
{
    g_autoptr(GString) line = g_string_new("ERROR org.marinavm.Marina1.Error.Failed ");
    g_autoptr(MarinaChannelHeader) header = marina_channel_header_new();
    g_autoptr(GError) error = NULL;
    gsize consumed;

    while (line->len < MARINA_CHANNEL_MAX_LINE - 1)
        g_string_append_c(line, 'x');
    g_string_append_c(line, '\n');
    assert_int_equal(feed(header, line->str, line->len, 0, &consumed, &error),
                     MARINA_CHANNEL_HEADER_ERROR);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_FAILED));
}

static void
test_truncated_scrollback_waits(void **state)
{
    g_autoptr(MarinaChannelHeader) header = marina_channel_header_new();
    gsize consumed;

    /* The stream ended here: the reader sees MORE and then end of file,
     * which the channel reports as a failure (see ssh-channel.c). */
    assert_int_equal(feed(header, "OK 10\nabc", 9, 0, &consumed, NULL), MARINA_CHANNEL_HEADER_MORE);
    assert_int_equal(consumed, 9);
}

static void
test_error_line_round_trip(void **state)
{
    g_autoptr(GString) message = g_string_new("first line\nsecond line\r\n");
    g_autoptr(GError) original = NULL;
    g_autoptr(GError) back = NULL;
    g_autoptr(MarinaChannelHeader) header = marina_channel_header_new();
    g_autofree char *line = NULL;
    gsize consumed;

    /* Long, multi-line, with characters of several bytes at the cut. */
    while (message->len < 3 * MARINA_CHANNEL_MAX_LINE)
        g_string_append(message, "ゲスト");
    g_string_append(message, "\xff\xfe invalid");
    original = g_error_new_literal(MARINA_ERROR, MARINA_ERROR_NOT_RUNNING, message->str);
    line = marina_channel_error_line(original);
    assert_true(strlen(line) <= MARINA_CHANNEL_MAX_LINE);
    assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
    assert_true(g_utf8_validate(line, -1, NULL));
    assert_int_equal(feed(header, line, strlen(line), 0, &consumed, &back),
                     MARINA_CHANNEL_HEADER_ERROR);
    assert_true(g_error_matches(back, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    assert_true(g_str_has_prefix(marina_error_message(back), "first line second line"));
}

static void
test_error_line_of_a_remote_error(void **state)
{
    g_autoptr(GError) remote = NULL;
    g_autofree char *line = NULL;

    (void)marina_error_quark();
    remote = g_dbus_error_new_for_dbus_error("org.freedesktop.DBus.Error.UnknownMethod",
                                             "No such method");
    line = marina_channel_error_line(remote);
    assert_string_equal(line, "ERROR org.freedesktop.DBus.Error.UnknownMethod No such method\n");
    g_clear_pointer(&line, g_free);
    g_clear_error(&remote);
    /* A name no domain here is registered for keeps its name too. */
    remote = g_dbus_error_new_for_dbus_error("com.example.Unknown.Thing", "odd");
    line = marina_channel_error_line(remote);
    assert_string_equal(line, "ERROR com.example.Unknown.Thing odd\n");
    g_clear_pointer(&line, g_free);
    g_clear_error(&remote);
    remote = g_dbus_error_new_for_dbus_error("org.marinavm.Marina1.Error.NotRunning", "stopped");
    assert_true(g_error_matches(remote, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING));
    line = marina_channel_error_line(remote);
    assert_string_equal(line, "ERROR org.marinavm.Marina1.Error.NotRunning stopped\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_takes_the_scrollback_and_leaves_the_stream),
        cmocka_unit_test(test_ok_zero_has_empty_scrollback),
        cmocka_unit_test(test_error_line_maps_to_the_same_gerror),
        cmocka_unit_test(test_error_line_of_other_names),
        cmocka_unit_test(test_bad_lengths_are_refused),
        cmocka_unit_test(test_garbage_is_refused),
        cmocka_unit_test(test_overlong_line_is_refused),
        cmocka_unit_test(test_longest_line_is_accepted),
        cmocka_unit_test(test_truncated_scrollback_waits),
        cmocka_unit_test(test_error_line_round_trip),
        cmocka_unit_test(test_error_line_of_a_remote_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
