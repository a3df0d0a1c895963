/* The greeting of `marinad --connect-stdio`: its one format, written by the
 * daemon and read by clients (see protocol.h). */

#include "config.h"

#include <string.h>

#include "protocol.h"

#define HELLO_WORD "MARINAD"
#define PROTOCOL_WORD "PROTOCOL"

char *
marina_protocol_hello(void)
{
    return g_strdup_printf(HELLO_WORD " %s " PROTOCOL_WORD " %u\n", PACKAGE_VERSION,
                           (guint)MARINA_PROTOCOL_VERSION);
}

/* Characters a package version is made of ("0.1.0", "1.2~rc1+deb12u1"). */
static gboolean
is_version_char(char c)
{
    return g_ascii_isalnum(c) || strchr(".+~_-", c) != NULL;
}

static gboolean
valid_version(const char *text)
{
    gsize len = strlen(text);

    if (len == 0 || len > MARINA_PROTOCOL_VERSION_MAX)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!is_version_char(text[i]))
            return FALSE;
    return TRUE;
}

/* A protocol number: decimal digits only (no sign, no space), 1 to G_MAXINT. */
static gboolean
parse_number(const char *text, guint *number)
{
    guint64 value = 0;

    if (*text == '\0' || strlen(text) > 10)
        return FALSE;
    for (const char *p = text; *p != '\0'; p++)
        if (!g_ascii_isdigit(*p))
            return FALSE;
    if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT, &value, NULL))
        return FALSE;
    *number = (guint)value;
    return TRUE;
}

gboolean
marina_protocol_parse_hello(const char *line, gsize len, char **version, guint *protocol)
{
    g_autofree char *copy = NULL;
    g_auto(GStrv) words = NULL;
    guint number = 0;

    g_return_val_if_fail(version != NULL && protocol != NULL, FALSE);
    if (line == NULL)
        return FALSE;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    /* The newline is not counted in @len. */
    if (len == 0 || len >= MARINA_PROTOCOL_HELLO_MAX || memchr(line, '\0', len) != NULL)
        return FALSE;
    copy = g_strndup(line, len);
    /* Exactly four words split by single spaces: split_set keeps empty
     * words, so doubled, leading or trailing spaces fail the count. */
    words = g_strsplit(copy, " ", 5);
    if (g_strv_length(words) != 4 || strcmp(words[0], HELLO_WORD) != 0 ||
        strcmp(words[2], PROTOCOL_WORD) != 0 || !valid_version(words[1]) ||
        !parse_number(words[3], &number))
        return FALSE;
    *version = g_strdup(words[1]);
    *protocol = number;
    return TRUE;
}
