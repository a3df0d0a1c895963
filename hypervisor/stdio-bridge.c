#define G_LOG_DOMAIN "marinad-bridge"

#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "core/protocol.h"
#include "stdio-bridge.h"

/* A D-Bus auth line is short; anything longer is not a D-Bus client. */
#define MAX_AUTH_LINE 16384
#define MAX_AUTH_LINES 32

static char *
read_line(GDataInputStream *in, GError **error)
{
    gsize len = 0;
    char *line = g_data_input_stream_read_line(in, &len, NULL, error);

    if (line == NULL) {
        if (error != NULL && *error == NULL)
            g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the peer hung up");
        return NULL;
    }
    if (len > MAX_AUTH_LINE) {
        g_free(line);
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "auth line too long");
        return NULL;
    }
    if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
    return line;
}

static gboolean
write_text(GOutputStream *out, const char *text, GError **error)
{
    return g_output_stream_write_all(out, text, strlen(text), NULL, NULL, error) &&
           g_output_stream_flush(out, NULL, error);
}

/* Authenticate to the daemon as the user we run as; returns the daemon's GUID. */
static char *
auth_to_daemon(GIOStream *conn, GDataInputStream *in, GError **error)
{
    GOutputStream *out = g_io_stream_get_output_stream(conn);
    g_autofree char *uid = g_strdup_printf("%u", (guint)getuid());
    g_autoptr(GString) hex = g_string_new(NULL);
    g_autofree char *request = NULL;
    g_autofree char *reply = NULL;

    for (const char *p = uid; *p; p++)
        g_string_append_printf(hex, "%02x", (guint)(guchar)*p);
    request = g_strdup_printf("AUTH EXTERNAL %s\r\n", hex->str);
    if (!g_output_stream_write_all(out, "\0", 1, NULL, NULL, error) ||
        !write_text(out, request, error))
        return NULL;
    reply = read_line(in, error);
    if (reply == NULL)
        return NULL;
    if (!g_str_has_prefix(reply, "OK ")) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "the daemon refused user %s (%s)", uid, reply);
        return NULL;
    }
    if (!write_text(out, "BEGIN\r\n", error))
        return NULL;
    return g_strdup(reply + 3);
}

/* Play the server side of the handshake toward the client. */
static gboolean
auth_client(GDataInputStream *in, GOutputStream *out, const char *guid, GError **error)
{
    g_autofree char *ok = g_strdup_printf("OK %s\r\n", guid);
    guint8 nul;

    if (g_input_stream_read(G_INPUT_STREAM(in), &nul, 1, NULL, error) != 1 || nul != 0) {
        if (error != NULL && *error == NULL)
            g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a D-Bus client");
        return FALSE;
    }
    for (guint i = 0; i < MAX_AUTH_LINES; i++) {
        g_autofree char *line = read_line(in, error);
        const char *reply;

        if (line == NULL)
            return FALSE;
        if (g_str_equal(line, "BEGIN"))
            return TRUE;
        if (g_str_has_prefix(line, "AUTH ANONYMOUS"))
            reply = ok;
        else if (g_str_equal(line, "NEGOTIATE_UNIX_FD"))
            reply = "ERROR \"file descriptors do not cross ssh\"\r\n";
        else if (g_str_has_prefix(line, "AUTH") || g_str_has_prefix(line, "CANCEL") ||
                 g_str_has_prefix(line, "ERROR"))
            reply = "REJECTED ANONYMOUS\r\n";
        else
            reply = "ERROR \"unknown command\"\r\n";
        if (!write_text(out, reply, error))
            return FALSE;
    }
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "too many auth attempts");
    return FALSE;
}

/* Hand on what a line reader buffered past the handshake, and return the
 * raw stream for the rest. (Splicing from the buffered stream itself would
 * stall: a buffered read that holds a little waits for more before it
 * returns, while the peer waits for an answer to what it already sent.) */
static gboolean
flush_buffered(GDataInputStream *in, GOutputStream *to, GError **error)
{
    gsize n = 0;
    const void *data = g_buffered_input_stream_peek_buffer(G_BUFFERED_INPUT_STREAM(in), &n);

    return n == 0 || g_output_stream_write_all(to, data, n, NULL, NULL, error);
}

static void
on_splice_done(GObject *source, GAsyncResult *result, gpointer loop)
{
    g_output_stream_splice_finish(G_OUTPUT_STREAM(source), result, NULL);
    g_main_loop_quit(loop);
}

/* The greeting first, before the daemon is even reached, so the client
 * learns which marinad answers whatever happens next; then the refusal of a
 * client of another protocol, on standard error, which the client shows. */
static gboolean
greet(GOutputStream *out, int client_protocol)
{
    g_autofree char *hello = marina_protocol_hello();
    g_autoptr(GError) error = NULL;

    if (!write_text(out, hello, &error)) {
        g_printerr("marinad: %s\n", error->message);
        return FALSE;
    }
    if (client_protocol != MARINA_PROTOCOL_VERSION) {
        g_printerr(_("marinad: marinad %s speaks protocol %u, the client speaks protocol %d. "
                     "Install the same Marina version on both hosts.\n"),
                   PACKAGE_VERSION, (guint)MARINA_PROTOCOL_VERSION, client_protocol);
        return FALSE;
    }
    return TRUE;
}

int
marina_stdio_bridge_run(const char *socket_path, int client_protocol)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(socket_path);
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocketConnection) conn = NULL;
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    g_autoptr(GInputStream) raw_in = g_unix_input_stream_new(STDIN_FILENO, FALSE);
    g_autoptr(GOutputStream) out = g_unix_output_stream_new(STDOUT_FILENO, FALSE);
    g_autoptr(GDataInputStream) in = g_data_input_stream_new(raw_in);
    g_autoptr(GDataInputStream) daemon_in = NULL;
    g_autofree char *guid = NULL;

    if (client_protocol != MARINA_STDIO_BRIDGE_NO_PROTOCOL && !greet(out, client_protocol))
        return MARINA_PROTOCOL_EXIT_REFUSED;
    conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, &error);
    if (conn == NULL) {
        g_printerr(_("marinad: no daemon listens on %s (%s). Start it: 'systemctl start "
                     "marinad', or 'marinad --session --daemonize' for your own.\n"),
                   socket_path, error->message);
        return 1;
    }
    daemon_in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
    g_data_input_stream_set_newline_type(daemon_in, G_DATA_STREAM_NEWLINE_TYPE_LF);
    g_data_input_stream_set_newline_type(in, G_DATA_STREAM_NEWLINE_TYPE_LF);
    guid = auth_to_daemon(G_IO_STREAM(conn), daemon_in, &error);
    if (guid == NULL || !auth_client(in, out, guid, &error)) {
        g_printerr("marinad: %s\n", error->message);
        return 1;
    }
    if (!flush_buffered(in, g_io_stream_get_output_stream(G_IO_STREAM(conn)), &error) ||
        !flush_buffered(daemon_in, out, &error)) {
        g_printerr("marinad: %s\n", error->message);
        return 1;
    }
    g_output_stream_splice_async(g_io_stream_get_output_stream(G_IO_STREAM(conn)), raw_in,
                                 G_OUTPUT_STREAM_SPLICE_NONE, G_PRIORITY_DEFAULT, NULL,
                                 on_splice_done, loop);
    g_output_stream_splice_async(out, g_io_stream_get_input_stream(G_IO_STREAM(conn)),
                                 G_OUTPUT_STREAM_SPLICE_NONE, G_PRIORITY_DEFAULT, NULL,
                                 on_splice_done, loop);
    g_main_loop_run(loop);
    return 0;
}
