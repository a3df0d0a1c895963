#define G_LOG_DOMAIN "marina-uri"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/un.h>

#include "error.h"
#include "paths.h"
#include "uri.h"

#define ACCEPTED_FORMS                                                                             \
    "Use marina:///session, marina:///system, marina+ssh://host/system or "                        \
    "marina+unix:///path."

/* sun_path holds this many bytes including the terminating NUL. */
#define SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

typedef struct {
    const char *scheme;
    MarinaUriTransport transport;
} SchemeEntry;

static const SchemeEntry schemes[] = {
    {"marina", MARINA_URI_TRANSPORT_LOCAL},
    {"marina+ssh", MARINA_URI_TRANSPORT_SSH},
    {"marina+unix", MARINA_URI_TRANSPORT_UNIX},
    /* virsh habits: same meaning as the marina spellings. */
    {"qemu", MARINA_URI_TRANSPORT_LOCAL},
    {"qemu+ssh", MARINA_URI_TRANSPORT_SSH},
};

/* Which query parameters each transport understands (NULL-terminated). */
static const char *const local_params[] = {"socket", NULL};
static const char *const ssh_params[] = {"socket",  "keyfile",     "no_verify", "no_tty",
                                         "command", "known_hosts", NULL};
static const char *const unix_params[] = {NULL};

static const char *const *
params_for(MarinaUriTransport transport)
{
    switch (transport) {
    case MARINA_URI_TRANSPORT_LOCAL:
        return local_params;
    case MARINA_URI_TRANSPORT_SSH:
        return ssh_params;
    case MARINA_URI_TRANSPORT_UNIX:
    default:
        return unix_params;
    }
}

static const char *
canonical_scheme(MarinaUriTransport transport)
{
    switch (transport) {
    case MARINA_URI_TRANSPORT_SSH:
        return "marina+ssh";
    case MARINA_URI_TRANSPORT_UNIX:
        return "marina+unix";
    case MARINA_URI_TRANSPORT_LOCAL:
    default:
        return "marina";
    }
}

static gboolean invalid(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static gboolean
invalid(GError **error, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    g_autofree char *msg = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, msg);
    return FALSE;
}

void
marina_uri_free(MarinaUri *uri)
{
    if (uri == NULL)
        return;
    g_free(uri->user);
    g_free(uri->host);
    g_free(uri->path);
    g_clear_pointer(&uri->params, g_hash_table_unref);
    g_free(uri->original);
    g_free(uri);
}

static MarinaUri *
uri_new(void)
{
    MarinaUri *uri = g_new0(MarinaUri, 1);

    uri->params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return uri;
}

MarinaUri *
marina_uri_copy(const MarinaUri *uri)
{
    MarinaUri *copy;
    GHashTableIter iter;
    gpointer key, value;

    g_return_val_if_fail(uri != NULL, NULL);
    copy = uri_new();
    copy->transport = uri->transport;
    copy->user = g_strdup(uri->user);
    copy->host = g_strdup(uri->host);
    copy->port = uri->port;
    copy->path = g_strdup(uri->path);
    copy->original = g_strdup(uri->original);
    g_hash_table_iter_init(&iter, uri->params);
    while (g_hash_table_iter_next(&iter, &key, &value))
        g_hash_table_insert(copy->params, g_strdup(key), g_strdup(value));
    return copy;
}

static gboolean
has_control_chars(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((guchar)*s < 0x20 || (guchar)*s == 0x7f)
            return TRUE;
    }
    return FALSE;
}

static gboolean
lookup_scheme(const char *str, const char *scheme, MarinaUriTransport *transport, GError **error)
{
    g_autofree char *lower = NULL;

    if (scheme == NULL || *scheme == '\0')
        return invalid(error, _("'%s' is not a connection URI. %s"), str, ACCEPTED_FORMS);
    lower = g_ascii_strdown(scheme, -1);
    for (gsize i = 0; i < G_N_ELEMENTS(schemes); i++) {
        if (strcmp(lower, schemes[i].scheme) == 0) {
            *transport = schemes[i].transport;
            return TRUE;
        }
    }
    return invalid(error, _("Unknown connection URI scheme '%s'. %s"), scheme, ACCEPTED_FORMS);
}

/* A socket path must fit in sockaddr_un and be absolute; say so instead of
 * letting connect() fail with a puzzling ENAMETOOLONG. */
static gboolean
check_socket_path(const char *str, const char *path, GError **error)
{
    if (!g_path_is_absolute(path) || strcmp(path, "/") == 0)
        return invalid(error,
                       _("Connection URI '%s': the socket path '%s' must be an absolute path "
                         "to a socket, e.g. /run/marina/marinad.sock."),
                       str, path);
    if (strlen(path) > SOCKET_PATH_MAX)
        return invalid(error,
                       _("Connection URI '%s': the socket path is too long (%zu bytes; unix "
                         "sockets allow at most %zu). Use a shorter path."),
                       str, strlen(path), (gsize)SOCKET_PATH_MAX);
    return TRUE;
}

static gboolean
is_boolean_param(const char *name)
{
    return strcmp(name, "no_verify") == 0 || strcmp(name, "no_tty") == 0;
}

static gboolean
check_param(const char *str, MarinaUriTransport transport, const char *name, const char *value,
            GError **error)
{
    const char *const *known = params_for(transport);

    if (!g_strv_contains(known, name)) {
        g_autofree char *list = g_strjoinv(", ", (char **)known);
        if (*list == '\0')
            return invalid(error,
                           _("Connection URI '%s': unknown parameter '%s'; %s URIs take no "
                             "parameters."),
                           str, name, canonical_scheme(transport));
        return invalid(error,
                       _("Connection URI '%s': unknown parameter '%s'. Known parameters "
                         "for %s URIs: %s."),
                       str, name, canonical_scheme(transport), list);
    }
    if (has_control_chars(value))
        return invalid(error,
                       _("Connection URI '%s': parameter '%s' contains a control character."), str,
                       name);
    if (is_boolean_param(name) && strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
        return invalid(error, _("Connection URI '%s': parameter '%s' must be 0 or 1, not '%s'."),
                       str, name, value);
    if (strcmp(name, "socket") == 0)
        return check_socket_path(str, value, error);
    if ((strcmp(name, "keyfile") == 0 || strcmp(name, "command") == 0 ||
         strcmp(name, "known_hosts") == 0) &&
        *value == '\0')
        return invalid(error, _("Connection URI '%s': parameter '%s' is empty."), str, name);
    return TRUE;
}

/* Parameters one at a time, so a repeated name is refused rather than the
 * last one silently winning. */
static gboolean
parse_params(MarinaUri *uri, const char *str, const char *query, GError **error)
{
    GUriParamsIter iter;
    g_autoptr(GError) local_error = NULL;
    char *name = NULL, *value = NULL;

    if (query == NULL || *query == '\0')
        return TRUE;
    g_uri_params_iter_init(&iter, query, -1, "&", G_URI_PARAMS_NONE);
    while (g_uri_params_iter_next(&iter, &name, &value, &local_error)) {
        g_autofree char *n = name;
        g_autofree char *v = value;

        if (*n == '\0')
            return invalid(error, _("Connection URI '%s': a parameter has no name."), str);
        if (g_hash_table_contains(uri->params, n))
            return invalid(error, _("Connection URI '%s': parameter '%s' is given twice."), str, n);
        if (!check_param(str, uri->transport, n, v, error))
            return FALSE;
        g_hash_table_insert(uri->params, g_steal_pointer(&n), g_steal_pointer(&v));
    }
    if (local_error != NULL)
        return invalid(error, _("Connection URI '%s': the parameters cannot be read: %s"), str,
                       local_error->message);
    return TRUE;
}

/* "/session", "session/" -> "session"; NULL for anything else. */
static char *
session_or_system(const char *path)
{
    g_autofree char *p = g_strdup(path != NULL ? path : "");
    const char *start = p;
    gsize len;

    while (*start == '/')
        start++;
    len = strlen(start);
    while (len > 0 && start[len - 1] == '/')
        len--;
    if (len == strlen("session") && strncmp(start, "session", len) == 0)
        return g_strdup("session");
    if (len == strlen("system") && strncmp(start, "system", len) == 0)
        return g_strdup("system");
    return NULL;
}

static gboolean
parse_mode_path(MarinaUri *uri, const char *str, const char *path, GError **error)
{
    uri->path = session_or_system(path);
    if (uri->path == NULL) {
        if (path == NULL || *path == '\0' || strcmp(path, "/") == 0)
            return invalid(error,
                           _("Connection URI '%s' does not say which daemon to use: end it "
                             "with /system or /session. %s"),
                           str, ACCEPTED_FORMS);
        return invalid(error,
                       _("Connection URI '%s': unknown path '%s'; use /system or /session. "
                         "%s"),
                       str, path, ACCEPTED_FORMS);
    }
    return TRUE;
}

static gboolean
parse_local(MarinaUri *uri, const char *str, const char *userinfo, const char *host, int port,
            const char *path, GError **error)
{
    if ((host != NULL && *host != '\0') || userinfo != NULL || port != -1)
        return invalid(error,
                       _("Connection URI '%s' names a host, but plain marina:// URIs are "
                         "local. For a remote host use marina+ssh://%s/system."),
                       str, host != NULL && *host != '\0' ? host : "HOST");
    return parse_mode_path(uri, str, path, error);
}

static gboolean
parse_unix(MarinaUri *uri, const char *str, const char *userinfo, const char *host, int port,
           const char *path, GError **error)
{
    if ((host != NULL && *host != '\0') || userinfo != NULL || port != -1)
        return invalid(error,
                       _("Connection URI '%s': marina+unix URIs take no host; write "
                         "marina+unix:///path/to/marinad.sock (three slashes)."),
                       str);
    if (path == NULL || *path == '\0')
        return invalid(error,
                       _("Connection URI '%s' names no socket; write "
                         "marina+unix:///path/to/marinad.sock."),
                       str);
    if (!check_socket_path(str, path, error))
        return FALSE;
    uri->path = g_strdup(path);
    return TRUE;
}

static gboolean
valid_host_char(char c)
{
    /* Host names and IPv4/IPv6 literals (GUri has removed IPv6 brackets). */
    return g_ascii_isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
}

static gboolean
parse_ssh_host(MarinaUri *uri, const char *str, const char *host, GError **error)
{
    if (host == NULL || *host == '\0')
        return invalid(error,
                       _("Connection URI '%s' names no host; write "
                         "marina+ssh://[user@]host[:port]/system."),
                       str);
    if (strlen(host) > 253)
        return invalid(error, _("Connection URI '%s': the host name is too long."), str);
    /* A leading '-' would reach ssh as an option (-oProxyCommand=...). */
    if (host[0] == '-')
        return invalid(error, _("Connection URI '%s': the host name '%s' may not start with '-'."),
                       str, host);
    for (const char *c = host; *c != '\0'; c++) {
        if (!valid_host_char(*c))
            return invalid(error,
                           _("Connection URI '%s': the host name '%s' contains '%c', which "
                             "is not allowed in a host name."),
                           str, host, *c);
    }
    uri->host = g_strdup(host);
    return TRUE;
}

static gboolean
parse_ssh_user(MarinaUri *uri, const char *str, const char *userinfo, GError **error)
{
    if (userinfo == NULL)
        return TRUE;
    if (*userinfo == '\0')
        return invalid(error, _("Connection URI '%s': the user name before '@' is empty."), str);
    if (strchr(userinfo, ':') != NULL)
        return invalid(error,
                       _("Connection URI '%s': passwords in URIs are not supported; remove "
                         "':password' and let ssh ask, or use a key (?keyfile=PATH)."),
                       str);
    if (userinfo[0] == '-' || strlen(userinfo) > 256)
        return invalid(error, _("Connection URI '%s': the user name '%s' is not valid."), str,
                       userinfo);
    for (const char *c = userinfo; *c != '\0'; c++) {
        if (g_ascii_isspace(*c) || *c == '/')
            return invalid(error, _("Connection URI '%s': the user name '%s' is not valid."), str,
                           userinfo);
    }
    uri->user = g_strdup(userinfo);
    return TRUE;
}

static gboolean
parse_ssh(MarinaUri *uri, const char *str, const char *userinfo, const char *host, int port,
          const char *path, GError **error)
{
    if (!parse_ssh_user(uri, str, userinfo, error) || !parse_ssh_host(uri, str, host, error))
        return FALSE;
    if (port == 0)
        return invalid(error,
                       _("Connection URI '%s': port 0 is not valid; use 1-65535 or leave "
                         "it out for ssh's default."),
                       str);
    if (port > 0)
        uri->port = (guint16)port;
    return parse_mode_path(uri, str, path, error);
}

/* Checks made on the raw string, before GUri sees it. */
static gboolean
check_raw(const char *str, GError **error)
{
    if (str == NULL || *str == '\0')
        return invalid(error, _("The connection URI is empty. %s"), ACCEPTED_FORMS);
    if (strlen(str) > MARINA_URI_MAX_LENGTH)
        return invalid(error, _("The connection URI is too long (%zu bytes; at most %d)."),
                       strlen(str), MARINA_URI_MAX_LENGTH);
    if (!g_utf8_validate(str, -1, NULL) || has_control_chars(str))
        return invalid(error,
                       _("The connection URI contains control characters or invalid text. "
                         "%s"),
                       ACCEPTED_FORMS);
    for (const char *c = str; *c != '\0'; c++) {
        if (*c == ' ')
            return invalid(error, _("Connection URI '%s' contains a space; write it as %%20."),
                           str);
    }
    return TRUE;
}

static gboolean
check_parts(const char *str, const char *host, const char *path, const char *fragment,
            GError **error)
{
    if (host == NULL)
        return invalid(error, _("Connection URI '%s' lacks '//'. %s"), str, ACCEPTED_FORMS);
    if (fragment != NULL)
        return invalid(error, _("Connection URI '%s': a '#' part is not allowed."), str);
    if (path != NULL && has_control_chars(path))
        return invalid(error, _("Connection URI '%s': the path contains a control character."),
                       str);
    return TRUE;
}

MarinaUri *
marina_uri_parse(const char *str, GError **error)
{
    g_autofree char *scheme = NULL;
    g_autofree char *userinfo = NULL;
    g_autofree char *host = NULL;
    g_autofree char *path = NULL;
    g_autofree char *query = NULL;
    g_autofree char *fragment = NULL;
    g_autoptr(GError) local_error = NULL;
    g_autoptr(MarinaUri) uri = NULL;
    int port = -1;
    gboolean ok;

    if (!check_raw(str, error))
        return NULL;
    /* The query stays encoded: parse_params() decodes each value on its own,
     * so an encoded '&' or '=' in a value cannot split it. */
    if (!g_uri_split(str, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, &scheme, &userinfo,
                     &host, &port, &path, &query, &fragment, &local_error)) {
        invalid(error, _("Connection URI '%s' cannot be parsed (%s). %s"), str,
                local_error->message, ACCEPTED_FORMS);
        return NULL;
    }
    uri = uri_new();
    uri->original = g_strdup(str);
    if (!lookup_scheme(str, scheme, &uri->transport, error))
        return NULL;
    if (!check_parts(str, host, path, fragment, error))
        return NULL;

    switch (uri->transport) {
    case MARINA_URI_TRANSPORT_LOCAL:
        ok = parse_local(uri, str, userinfo, host, port, path, error);
        break;
    case MARINA_URI_TRANSPORT_UNIX:
        ok = parse_unix(uri, str, userinfo, host, port, path, error);
        break;
    case MARINA_URI_TRANSPORT_SSH:
    default:
        ok = parse_ssh(uri, str, userinfo, host, port, path, error);
        break;
    }
    if (!ok || !parse_params(uri, str, query, error))
        return NULL;
    return g_steal_pointer(&uri);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
append_query(GString *out, GHashTable *params)
{
    g_autofree gpointer *keys = NULL;
    guint n = 0;

    keys = g_hash_table_get_keys_as_array(params, &n);
    if (n == 0)
        return;
    qsort(keys, n, sizeof(gpointer), compare_strings);
    for (guint i = 0; i < n; i++) {
        g_autofree char *k = g_uri_escape_string(keys[i], NULL, FALSE);
        g_autofree char *v = g_uri_escape_string(g_hash_table_lookup(params, keys[i]), "/", FALSE);

        g_string_append_printf(out, "%c%s=%s", i == 0 ? '?' : '&', k, v);
    }
}

char *
marina_uri_to_string(const MarinaUri *uri)
{
    GString *out;

    g_return_val_if_fail(uri != NULL, NULL);
    out = g_string_new(canonical_scheme(uri->transport));
    g_string_append(out, "://");
    if (uri->transport == MARINA_URI_TRANSPORT_SSH) {
        if (uri->user != NULL) {
            g_autofree char *u = g_uri_escape_string(uri->user, NULL, FALSE);
            g_string_append_printf(out, "%s@", u);
        }
        if (strchr(uri->host, ':') != NULL)
            g_string_append_printf(out, "[%s]", uri->host);
        else
            g_string_append(out, uri->host);
        if (uri->port != 0)
            g_string_append_printf(out, ":%u", (guint)uri->port);
    }
    if (uri->transport == MARINA_URI_TRANSPORT_UNIX) {
        g_autofree char *p = g_uri_escape_string(uri->path, "/", FALSE);
        g_string_append(out, p);
    } else {
        g_string_append_printf(out, "/%s", uri->path);
    }
    append_query(out, uri->params);
    return g_string_free(out, FALSE);
}

const char *
marina_uri_get_param(const MarinaUri *uri, const char *name)
{
    g_return_val_if_fail(uri != NULL && name != NULL, NULL);
    return g_hash_table_lookup(uri->params, name);
}

gboolean
marina_uri_is_session(const MarinaUri *uri)
{
    return uri->transport != MARINA_URI_TRANSPORT_UNIX && g_strcmp0(uri->path, "session") == 0;
}

gboolean
marina_uri_is_system(const MarinaUri *uri)
{
    return uri->transport != MARINA_URI_TRANSPORT_UNIX && g_strcmp0(uri->path, "system") == 0;
}

char *
marina_uri_socket_path(const MarinaUri *uri)
{
    const char *socket;

    g_return_val_if_fail(uri != NULL, NULL);
    switch (uri->transport) {
    case MARINA_URI_TRANSPORT_UNIX:
        return g_strdup(uri->path);
    case MARINA_URI_TRANSPORT_LOCAL:
        socket = marina_uri_get_param(uri, "socket");
        if (socket != NULL)
            return g_strdup(socket);
        if (marina_uri_is_system(uri))
            return g_strdup(MARINA_SYSTEM_SOCKET);
        return marina_paths_session_socket();
    case MARINA_URI_TRANSPORT_SSH:
    default:
        return NULL;
    }
}
