/* The status line of a channel (see channel-header.h): written by the
 * remote bridge, read by the client, the reader hardened against anything
 * the other end of ssh may send. */

#define G_LOG_DOMAIN "marina-connection"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "channel-header.h"
#include "error.h"

/* ---------------------------------------------------------------------------------------------
 * The status line
 */

#define MAX_ERROR_NAME 255 /* the D-Bus limit on names */
#define FALLBACK_ERROR_NAME "org.marinavm.Marina1.Error.Failed"

/* @text cut to at most @max bytes without splitting a character. */
static void
truncate_utf8(GString *text, gsize max)
{
    if (text->len <= max)
        return;
    g_string_truncate(text, max);
    while (text->len > 0 && !g_utf8_validate(text->str, (gssize)text->len, NULL))
        g_string_truncate(text, text->len - 1);
}

char *
marina_channel_error_line(const GError *error)
{
    g_autoptr(GError) copy = g_error_copy(error);
    /* An error from the daemon keeps the name it had on the wire, even when
     * its domain is not registered here. */
    g_autofree char *name = g_dbus_error_get_remote_error(error);
    g_autofree char *valid = NULL;
    g_autoptr(GString) message = NULL;
    gsize room;

    if (name == NULL)
        name = g_dbus_error_encode_gerror(error);
    g_dbus_error_strip_remote_error(copy);
    if (strlen(name) > MAX_ERROR_NAME || !g_dbus_is_interface_name(name)) {
        g_free(name);
        name = g_strdup(FALLBACK_ERROR_NAME);
    }
    valid = g_utf8_make_valid(copy->message, -1);
    message = g_string_new(valid);
    /* One line: the reader takes the first newline as its end. */
    for (gsize i = 0; i < message->len; i++)
        if (message->str[i] == '\n' || message->str[i] == '\r')
            message->str[i] = ' ';
    room = MARINA_CHANNEL_MAX_LINE - strlen("ERROR  \n") - strlen(name);
    truncate_utf8(message, room);
    return g_strdup_printf("ERROR %s %s\n", name, message->str);
}

struct _MarinaChannelHeader {
    GByteArray *line; /* the status line so far, without its newline */
    gboolean line_done;
    gsize expected; /* scrollback bytes announced */
    GByteArray *scrollback;
};

MarinaChannelHeader *
marina_channel_header_new(void)
{
    MarinaChannelHeader *header = g_new0(MarinaChannelHeader, 1);

    header->line = g_byte_array_new();
    header->scrollback = g_byte_array_new();
    return header;
}

void
marina_channel_header_free(MarinaChannelHeader *header)
{
    if (header == NULL)
        return;
    g_byte_array_unref(header->line);
    g_byte_array_unref(header->scrollback);
    g_free(header);
}

static MarinaChannelHeaderStatus
invalid(GError **error, const char *why)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a channel header: %s", why);
    return MARINA_CHANNEL_HEADER_INVALID;
}

static MarinaChannelHeaderStatus
parse_ok(MarinaChannelHeader *header, const char *count, GError **error)
{
    guint64 n;

    /* Digits only: no sign, no space, no hex; g_ascii_string_to_unsigned() checks the rest. */
    for (const char *p = count; *p != '\0'; p++)
        if (!g_ascii_isdigit(*p))
            return invalid(error, "bad scrollback length");
    if (*count == '\0' || strlen(count) > 12 ||
        !g_ascii_string_to_unsigned(count, 10, 0, MARINA_CHANNEL_MAX_SCROLLBACK, &n, NULL))
        return invalid(error, "bad scrollback length");
    header->expected = (gsize)n;
    /* Allocate as the bytes come, not up front: the length is the peer's word. */
    return MARINA_CHANNEL_HEADER_MORE;
}

static MarinaChannelHeaderStatus
parse_error(const char *rest, GError **error)
{
    const char *space = strchr(rest, ' ');
    g_autofree char *name = g_strndup(rest, space != NULL ? (gsize)(space - rest) : strlen(rest));
    g_autofree char *message = g_utf8_make_valid(space != NULL ? space + 1 : "", -1);

    if (strlen(name) > MAX_ERROR_NAME || !g_dbus_is_interface_name(name))
        return invalid(error, "bad error name");
    /* Registers Marina's and GDBus's error names, so they map back to their codes. */
    (void)marina_error_quark();
    (void)G_DBUS_ERROR;
    /* What GDBus makes of the same error arriving on a local connection. */
    g_propagate_error(error, g_dbus_error_new_for_dbus_error(name, message));
    return MARINA_CHANNEL_HEADER_ERROR;
}

static MarinaChannelHeaderStatus
parse_line(MarinaChannelHeader *header, GError **error)
{
    const char *line = (const char *)header->line->data;

    if (memchr(header->line->data, '\0', header->line->len) != NULL)
        return invalid(error, "NUL in the status line");
    g_byte_array_append(header->line, (const guint8 *)"", 1);
    line = (const char *)header->line->data;
    if (g_str_has_prefix(line, "OK "))
        return parse_ok(header, line + 3, error);
    if (g_str_has_prefix(line, "ERROR "))
        return parse_error(line + 6, error);
    return invalid(error, "unknown status");
}

MarinaChannelHeaderStatus
marina_channel_header_feed(MarinaChannelHeader *header, const guint8 *data, gsize len,
                           gsize *consumed, GError **error)
{
    gsize take;

    g_return_val_if_fail(header != NULL && consumed != NULL, MARINA_CHANNEL_HEADER_INVALID);
    g_return_val_if_fail(data != NULL || len == 0, MARINA_CHANNEL_HEADER_INVALID);
    *consumed = 0;
    if (!header->line_done) {
        const guint8 *newline = memchr(data, '\n', len);
        MarinaChannelHeaderStatus status;

        take = newline != NULL ? (gsize)(newline - data) + 1 : len;
        if (header->line->len + take > MARINA_CHANNEL_MAX_LINE)
            return invalid(error, "status line too long");
        g_byte_array_append(header->line, data, (guint)(newline != NULL ? take - 1 : take));
        *consumed = take;
        if (newline == NULL)
            return MARINA_CHANNEL_HEADER_MORE;
        header->line_done = TRUE;
        status = parse_line(header, error);
        if (status != MARINA_CHANNEL_HEADER_MORE)
            return status;
        data += take;
        len -= take;
    }
    take = MIN(len, header->expected - header->scrollback->len);
    g_byte_array_append(header->scrollback, data, (guint)take);
    *consumed += take;
    return header->scrollback->len == header->expected ? MARINA_CHANNEL_HEADER_OK
                                                       : MARINA_CHANNEL_HEADER_MORE;
}

GBytes *
marina_channel_header_take_scrollback(MarinaChannelHeader *header)
{
    GByteArray *taken;

    g_return_val_if_fail(header != NULL, NULL);
    taken = g_steal_pointer(&header->scrollback);
    header->scrollback = g_byte_array_new();
    return g_byte_array_free_to_bytes(taken);
}
