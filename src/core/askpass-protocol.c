/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The askpass wire protocol and what ssh's prompts ask (see askpass-protocol.h).
 * Shared by marina-askpass and the application; no GIO, no GTK. */
#define G_LOG_DOMAIN "marina-askpass"

#include "config.h"

#include "askpass-protocol.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"

static const guint8 magic[4] = {'M', 'A', 'P', '1'};

/* Longest host name or fingerprint taken from a prompt. */
#define MAX_FIELD 256

void
marina_askpass_write_header(guint8 header[MARINA_ASKPASS_HEADER_SIZE], gsize body_len)
{
    guint32 len = GUINT32_TO_BE((guint32)body_len);

    memcpy(header, magic, sizeof magic);
    memcpy(header + 4, &len, sizeof len);
}

gboolean
marina_askpass_parse_header(const guint8 *header, gsize len, gsize *body_len, GError **error)
{
    guint32 be;

    if (len != MARINA_ASKPASS_HEADER_SIZE || memcmp(header, magic, sizeof magic) != 0) {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            "not a marina-askpass message");
        return FALSE;
    }
    memcpy(&be, header + 4, sizeof be);
    *body_len = GUINT32_FROM_BE(be);
    if (*body_len == 0 || *body_len > MARINA_ASKPASS_MAX_BODY) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    "askpass message of %" G_GSIZE_FORMAT " bytes (at most %d)", *body_len,
                    MARINA_ASKPASS_MAX_BODY);
        return FALSE;
    }
    return TRUE;
}

static GBytes *
frame(const void *body, gsize len)
{
    guint8 *data = g_malloc(MARINA_ASKPASS_HEADER_SIZE + len);

    marina_askpass_write_header(data, len);
    memcpy(data + MARINA_ASKPASS_HEADER_SIZE, body, len);
    return g_bytes_new_take(data, MARINA_ASKPASS_HEADER_SIZE + len);
}

GBytes *
marina_askpass_encode_request(const char *token, const char *prompt, const char *hint)
{
    g_autofree char *safe_prompt = marina_askpass_sanitize_prompt(prompt != NULL ? prompt : "");
    g_autofree char *safe_token = g_utf8_make_valid(token != NULL ? token : "", -1);
    g_autofree char *safe_hint = g_utf8_make_valid(hint != NULL ? hint : "", -1);
    g_autoptr(GVariant) body = NULL;
    GVariantBuilder builder;

    if (strlen(safe_token) > MARINA_ASKPASS_MAX_TOKEN)
        safe_token[MARINA_ASKPASS_MAX_TOKEN] = '\0';
    if (strlen(safe_hint) > MARINA_ASKPASS_MAX_HINT)
        safe_hint[0] = '\0'; /* no known hint is that long */
    g_variant_builder_init(&builder, G_VARIANT_TYPE("a{ss}"));
    g_variant_builder_add(&builder, "{ss}", "token", safe_token);
    g_variant_builder_add(&builder, "{ss}", "prompt", safe_prompt);
    g_variant_builder_add(&builder, "{ss}", "hint", safe_hint);
    body = g_variant_ref_sink(g_variant_builder_end(&builder));
    return frame(g_variant_get_data(body), g_variant_get_size(body));
}

static gboolean
take_field(GVariant *dict, const char *key, gsize max, char **out, GError **error)
{
    const char *value = NULL;

    if (!g_variant_lookup(dict, key, "&s", &value)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    "askpass request without '%s'", key);
        return FALSE;
    }
    if (strlen(value) > max) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    "askpass request: '%s' longer than %" G_GSIZE_FORMAT " bytes", key, max);
        return FALSE;
    }
    *out = g_strdup(value);
    return TRUE;
}

gboolean
marina_askpass_decode_request(const guint8 *body, gsize len, char **token, char **prompt,
                              char **hint, GError **error)
{
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GVariant) dict = NULL;
    g_autofree char *t = NULL, *p = NULL, *h = NULL;

    *token = *prompt = *hint = NULL;
    if (len == 0 || len > MARINA_ASKPASS_MAX_BODY) {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            "askpass request of a wrong size");
        return FALSE;
    }
    bytes = g_bytes_new(body, len);
    dict = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("a{ss}"), bytes, FALSE));
    /* Normal form: every offset in range and every string NUL-terminated,
     * valid UTF-8; anything else is a forged or broken message. */
    if (!g_variant_is_normal_form(dict)) {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            "askpass request is not a well-formed a{ss}");
        return FALSE;
    }
    if (!take_field(dict, "token", MARINA_ASKPASS_MAX_TOKEN, &t, error) ||
        !take_field(dict, "prompt", MARINA_ASKPASS_MAX_PROMPT, &p, error) ||
        !take_field(dict, "hint", MARINA_ASKPASS_MAX_HINT, &h, error))
        return FALSE;
    *token = g_steal_pointer(&t);
    *prompt = g_steal_pointer(&p);
    *hint = g_steal_pointer(&h);
    return TRUE;
}

typedef struct {
    guint8 *data;
    gsize len;
} Wiped;

static void
wiped_free(gpointer p)
{
    Wiped *w = p;

    explicit_bzero(w->data, w->len);
    g_free(w->data);
    g_free(w);
}

/* Bytes holding a secret: overwritten when freed. */
static GBytes *
wiped_bytes(guint8 *data, gsize len)
{
    Wiped *w = g_new(Wiped, 1);

    w->data = data;
    w->len = len;
    return g_bytes_new_with_free_func(data, len, wiped_free, w);
}

GBytes *
marina_askpass_encode_reply(const char *answer)
{
    gsize len = answer != NULL ? strlen(answer) : 0;
    guint8 *data;

    if (len > MARINA_ASKPASS_MAX_ANSWER || (answer != NULL && strchr(answer, '\n') != NULL))
        return NULL;
    data = g_malloc(MARINA_ASKPASS_HEADER_SIZE + 1 + len);
    marina_askpass_write_header(data, 1 + len);
    data[MARINA_ASKPASS_HEADER_SIZE] = answer != NULL ? 'Y' : 'N';
    if (len > 0)
        memcpy(data + MARINA_ASKPASS_HEADER_SIZE + 1, answer, len);
    return wiped_bytes(data, MARINA_ASKPASS_HEADER_SIZE + 1 + len);
}

gboolean
marina_askpass_decode_reply(const guint8 *body, gsize len, gboolean *answered, char **answer,
                            GError **error)
{
    *answered = FALSE;
    *answer = NULL;
    if (len == 0 || len > 1 + MARINA_ASKPASS_MAX_ANSWER || (body[0] != 'Y' && body[0] != 'N') ||
        (body[0] == 'N' && len != 1) || memchr(body + 1, '\n', len - 1) != NULL ||
        memchr(body + 1, '\0', len - 1) != NULL) {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            "malformed askpass reply");
        return FALSE;
    }
    *answered = body[0] == 'Y';
    if (*answered)
        *answer = g_strndup((const char *)body + 1, len - 1);
    return TRUE;
}

void
marina_askpass_free_secret(char *secret)
{
    if (secret == NULL)
        return;
    explicit_bzero(secret, strlen(secret));
    g_free(secret);
}

/* ------------------------------------------------------------------ prompts */

char *
marina_askpass_sanitize_prompt(const char *prompt)
{
    g_autofree char *valid = NULL;
    GString *out;

    if (prompt == NULL)
        return g_strdup("");
    valid = g_utf8_make_valid(prompt, MIN(strlen(prompt), (gsize)MARINA_ASKPASS_MAX_PROMPT));
    out = g_string_sized_new(strlen(valid));
    for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        /* Escape sequences could redraw a terminal or fake a dialog's text. */
        if (c == '\n' || (!g_unichar_iscntrl(c) && c != 0x2028 && c != 0x2029))
            g_string_append_unichar(out, c);
        else if (c != '\r')
            g_string_append_c(out, '?');
    }
    /* A character boundary at the limit may have grown the text a little. */
    while (out->len > MARINA_ASKPASS_MAX_PROMPT) {
        const char *last = g_utf8_find_prev_char(out->str, out->str + out->len);
        g_string_truncate(out, last - out->str);
    }
    return g_string_free(out, FALSE);
}

/* The text of @haystack between @start and the first of @stops after it,
 * or NULL; at most MAX_FIELD bytes. */
static char *
between(const char *haystack, const char *start, const char *stops)
{
    const char *from = strstr(haystack, start);
    gsize len;

    if (from == NULL)
        return NULL;
    from += strlen(start);
    len = strcspn(from, stops);
    if (len == 0 || len > MAX_FIELD || from[len] == '\0')
        return NULL;
    return g_strndup(from, len);
}

static char *
host_key_host(const char *prompt)
{
    g_autofree char *quoted = between(prompt, "authenticity of host '", "'\n");
    char *paren;

    if (quoted == NULL)
        return NULL;
    /* "host (address)": the name the user typed comes first. */
    paren = strstr(quoted, " (");
    if (paren != NULL && paren != quoted)
        *paren = '\0';
    return g_steal_pointer(&quoted);
}

static char *
host_key_fingerprint(const char *prompt)
{
    const char *from = strstr(prompt, "key fingerprint is ");
    gsize len;

    if (from == NULL)
        return NULL;
    from += strlen("key fingerprint is ");
    len = strspn(from, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=:");
    if (len == 0 || len > MAX_FIELD)
        return NULL;
    return g_strndup(from, len);
}

/* "alice@db1's password: " or "(alice@db1) Password: ": db1. */
static char *
password_host(const char *prompt)
{
    g_autofree char *who = NULL;
    const char *at;

    if (prompt[0] == '(')
        who = between(prompt, "(", ")\n");
    else if (strstr(prompt, "'s password") != NULL &&
             strstr(prompt, "'s password") - prompt <= MAX_FIELD)
        who = g_strndup(prompt, strstr(prompt, "'s password") - prompt);
    if (who == NULL)
        return NULL;
    at = strrchr(who, '@');
    if (at == NULL || at[1] == '\0' || strpbrk(at + 1, " \n'") != NULL)
        return NULL;
    return g_strdup(at + 1);
}

MarinaAskpassKind
marina_askpass_classify(const char *prompt, const char *hint, char **host, char **fingerprint)
{
    g_autofree char *lower = g_ascii_strdown(prompt != NULL ? prompt : "", -1);

    *host = *fingerprint = NULL;
    if (g_strcmp0(hint, "confirm") == 0)
        return MARINA_ASKPASS_KIND_CONFIRM;
    if (strstr(lower, "authenticity of host") != NULL ||
        strstr(lower, "continue connecting") != NULL ||
        strstr(lower, "please type 'yes', 'no' or the fingerprint") != NULL) {
        *host = host_key_host(prompt);
        *fingerprint = host_key_fingerprint(prompt);
        return MARINA_ASKPASS_KIND_HOST_KEY;
    }
    if (strstr(lower, "passphrase") != NULL)
        return MARINA_ASKPASS_KIND_PASSPHRASE;
    if (strstr(lower, "password") != NULL) {
        *host = password_host(prompt);
        return MARINA_ASKPASS_KIND_PASSWORD;
    }
    return MARINA_ASKPASS_KIND_OTHER;
}

const char *
marina_askpass_kind_to_string(MarinaAskpassKind kind)
{
    switch (kind) {
    case MARINA_ASKPASS_KIND_PASSWORD:
        return "password";
    case MARINA_ASKPASS_KIND_PASSPHRASE:
        return "passphrase";
    case MARINA_ASKPASS_KIND_HOST_KEY:
        return "host-key";
    case MARINA_ASKPASS_KIND_CONFIRM:
        return "confirm";
    case MARINA_ASKPASS_KIND_OTHER:
    default:
        return "other";
    }
}
