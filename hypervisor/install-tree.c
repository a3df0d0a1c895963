#define G_LOG_DOMAIN "marinad-install"

#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "install-tree.h"

/* A .treeinfo is a few KiB; anything larger is not one. */
#define TREEINFO_MAX (64 * 1024)
/* The largest installer kernels are ~15 MiB and initrds a few hundred MiB
 * (live images); the cap only stops a server from filling the disk. */
#define KERNEL_MAX ((curl_off_t)256 * 1024 * 1024)
#define INITRD_MAX ((curl_off_t)2048 * 1024 * 1024)
#define CONNECT_TIMEOUT_S 20L
/* A transfer slower than this for that long is considered dead. */
#define LOW_SPEED_BYTES 256L
#define LOW_SPEED_TIME_S 60L
/* A probe (HEAD) is small: it must not hang on a half-dead server. */
#define PROBE_TIMEOUT_S 60L
#define PROGRESS_INTERVAL_US (100 * 1000)
#define URL_MAX 4096
#define PROTOCOLS "http,https,ftp"

typedef enum {
    FETCH_OK,
    FETCH_MISSING, /* the server answered: no such file */
    FETCH_FAILED,  /* error set */
} FetchResult;

/* Known layouts, probed in order when there is no usable .treeinfo. */
static const struct {
    const char *layout;
    const char *kernel;
    const char *initrd;
} layouts[] = {
    {"debian", "install.amd/vmlinuz", "install.amd/initrd.gz"},
    {"debian", "main/installer-amd64/current/images/netboot/debian-installer/amd64/linux",
     "main/installer-amd64/current/images/netboot/debian-installer/amd64/initrd.gz"},
    /* A URL that already points into dists/<suite>/main/installer-amd64/. */
    {"debian", "current/images/netboot/debian-installer/amd64/linux",
     "current/images/netboot/debian-installer/amd64/initrd.gz"},
    {"ubuntu", "casper/vmlinuz", "casper/initrd"},
    {"pxeboot", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img"},
    {"suse", "boot/x86_64/loader/linux", "boot/x86_64/loader/initrd"},
};

/* ---------------------------------------------------------------------- */
/* Results                                                                 */

void
marina_install_tree_free(MarinaInstallTree *tree)
{
    if (tree == NULL)
        return;
    g_free(tree->url);
    g_free(tree->layout);
    g_free(tree->kernel);
    g_free(tree->initrd);
    g_free(tree->family);
    g_free(tree->name);
    g_free(tree->version);
    g_free(tree->arch);
    g_free(tree->variant);
    g_free(tree);
}

GVariant *
marina_install_tree_to_variant(const MarinaInstallTree *tree)
{
    GVariantDict d;
    const struct {
        const char *key;
        const char *value;
    } optional[] = {
        {"family", tree->family}, {"name", tree->name},       {"version", tree->version},
        {"arch", tree->arch},     {"variant", tree->variant},
    };

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "url", "s", tree->url);
    g_variant_dict_insert(&d, "layout", "s", tree->layout);
    g_variant_dict_insert(&d, "kernel", "s", tree->kernel);
    g_variant_dict_insert(&d, "initrd", "s", tree->initrd);
    for (guint i = 0; i < G_N_ELEMENTS(optional); i++)
        if (optional[i].value != NULL && *optional[i].value != '\0')
            g_variant_dict_insert(&d, optional[i].key, "s", optional[i].value);
    return g_variant_dict_end(&d);
}

/* ---------------------------------------------------------------------- */
/* URLs and paths                                                          */

static gboolean
has_control_or_space(const char *s)
{
    for (const guchar *p = (const guchar *)s; *p != '\0'; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return TRUE;
    return FALSE;
}

gboolean
marina_install_tree_check_url(const char *url, GError **error)
{
    g_autoptr(GUri) uri = NULL;
    const char *scheme;

    if (url == NULL || *url == '\0') {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("No install tree URL was given. Enter an http://, https:// or ftp:// URL."));
        return FALSE;
    }
    if (strlen(url) > URL_MAX || has_control_or_space(url) || !g_utf8_validate(url, -1, NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install tree URL is not valid: it is too long or contains spaces or "
                      "control characters."));
        return FALSE;
    }
    uri = g_uri_parse(url, G_URI_FLAGS_ENCODED, NULL);
    scheme = uri != NULL ? g_uri_get_scheme(uri) : NULL;
    if (scheme == NULL ||
        (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0 &&
         g_ascii_strcasecmp(scheme, "ftp") != 0)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not an install tree URL: install trees are read over http://, "
                      "https:// or ftp://."),
                    url);
        return FALSE;
    }
    if (g_uri_get_host(uri) == NULL || *g_uri_get_host(uri) == '\0') {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install tree URL '%s' names no host."), url);
        return FALSE;
    }
    if (g_uri_get_query(uri) != NULL || g_uri_get_fragment(uri) != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install tree URL '%s' has a query or fragment ('?' or '#'); give the "
                      "URL of the tree's top directory."),
                    url);
        return FALSE;
    }
    return TRUE;
}

gboolean
marina_install_tree_path_is_safe(const char *path)
{
    g_auto(GStrv) parts = NULL;

    if (path == NULL || *path == '\0' || strlen(path) > 1024 || path[0] == '/' ||
        has_control_or_space(path) || !g_utf8_validate(path, -1, NULL))
        return FALSE;
    /* No scheme ("http:", "file:"), no Windows drive, no escapes of any kind. */
    if (strpbrk(path, ":\\?#%") != NULL)
        return FALSE;
    parts = g_strsplit(path, "/", -1);
    for (guint i = 0; parts[i] != NULL; i++)
        if (g_str_equal(parts[i], ".."))
            return FALSE;
    return TRUE;
}

static char *
base_url(const char *url)
{
    gsize len = strlen(url);

    while (len > 0 && url[len - 1] == '/')
        len--;
    return g_strndup(url, len);
}

static char *
join_url(const char *base, const char *rel)
{
    while (g_str_has_prefix(rel, "./"))
        rel += 2;
    return g_strconcat(base, "/", rel, NULL);
}

/* ---------------------------------------------------------------------- */
/* Progress, marshalled to the caller's main context                       */

typedef struct {
    GMainContext *context;
    MarinaInstallProgress func;
    gpointer data;
    GDestroyNotify destroy;
} Progress;

typedef struct {
    Progress *progress;
    guint64 processed;
    guint64 total;
} ProgressReport;

static gboolean
call_destroy(gpointer data)
{
    Progress *p = data;

    if (p->destroy != NULL)
        p->destroy(p->data);
    g_main_context_unref(p->context);
    return G_SOURCE_REMOVE;
}

static void
progress_clear(gpointer data)
{
    Progress *p = data;
    Progress *copy = g_memdup2(p, sizeof *p);

    /* The last reference may go in the worker: release the caller's data
     * where the caller lives. */
    g_main_context_invoke_full(copy->context, G_PRIORITY_DEFAULT, call_destroy, copy, g_free);
}

static gboolean
deliver_progress(gpointer data)
{
    ProgressReport *r = data;

    r->progress->func(r->processed, r->total, r->progress->data);
    return G_SOURCE_REMOVE;
}

static void
report_free(ProgressReport *r)
{
    g_atomic_rc_box_release_full(r->progress, progress_clear);
    g_free(r);
}

static void
progress_post(Progress *p, guint64 processed, guint64 total)
{
    ProgressReport *r;

    if (p == NULL || p->func == NULL)
        return;
    r = g_new0(ProgressReport, 1);
    r->progress = g_atomic_rc_box_acquire(p);
    r->processed = processed;
    r->total = total;
    g_main_context_invoke_full(p->context, G_PRIORITY_DEFAULT, deliver_progress, r,
                               (GDestroyNotify)report_free);
}

/* ---------------------------------------------------------------------- */
/* One libcurl handle per worker                                           */

typedef struct {
    CURL *curl;
    GCancellable *cancellable;
    char curl_error[CURL_ERROR_SIZE];

    /* The body: to memory, or to a file, or nowhere (probes). */
    GByteArray *buffer;
    int fd;
    curl_off_t limit;
    curl_off_t received;
    gboolean too_big;
    int write_errno;
    gboolean stop_after_first; /* a GET used as a probe */

    /* Download progress */
    Progress *progress;
    guint64 base;
    guint64 total;
    gint64 last_report_us;
} Session;

static size_t
on_body(char *data, size_t size, size_t nmemb, void *user)
{
    Session *s = user;
    size_t len = size * nmemb;

    if (s->stop_after_first)
        return 0; /* it exists: that is all a probe needs */
    if (s->limit > 0 && s->received + (curl_off_t)len > s->limit) {
        s->too_big = TRUE;
        return 0;
    }
    if (s->buffer != NULL) {
        g_byte_array_append(s->buffer, (const guint8 *)data, (guint)len);
    } else if (s->fd >= 0) {
        for (size_t off = 0; off < len;) {
            ssize_t n = write(s->fd, data + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                s->write_errno = n < 0 ? errno : ENOSPC;
                return 0;
            }
            off += (size_t)n;
        }
    }
    s->received += (curl_off_t)len;
    return len;
}

static int
on_xfer(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    Session *s = user;
    gint64 now;

    if (g_cancellable_is_cancelled(s->cancellable))
        return 1; /* aborts the transfer */
    if (s->progress == NULL)
        return 0;
    now = g_get_monotonic_time();
    if (now - s->last_report_us >= PROGRESS_INTERVAL_US) {
        guint64 total = s->total;
        s->last_report_us = now;
        if (total < s->base + (guint64)MAX(dltotal, 0))
            total = s->base + (guint64)MAX(dltotal, 0);
        progress_post(s->progress, s->base + (guint64)MAX(dlnow, 0), total);
    }
    return 0;
}

static void
session_prepare(Session *s, const char *url, long timeout_s)
{
    CURL *c = s->curl;

    curl_easy_reset(c);
    s->curl_error[0] = '\0';
    s->buffer = NULL;
    s->fd = -1;
    s->limit = 0;
    s->received = 0;
    s->too_big = FALSE;
    s->write_errno = 0;
    s->stop_after_first = FALSE;
    curl_easy_setopt(c, CURLOPT_URL, url);
    /* Never file://, scp://, ... whatever a server redirects to. */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, PROTOCOLS);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, PROTOCOLS);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME_S);
    if (timeout_s > 0)
        curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "marinad/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
}

static gboolean
session_init(Session *s, GCancellable *cancellable, GError **error)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->cancellable = cancellable;
    s->curl = curl_easy_init();
    if (s->curl == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot set up a network transfer (libcurl failed to initialise)."));
        return FALSE;
    }
    return TRUE;
}

static void
session_clear(Session *s)
{
    if (s->curl != NULL)
        curl_easy_cleanup(s->curl);
    s->curl = NULL;
}

static gboolean
is_missing(Session *s, CURLcode rc)
{
    long status = 0;

    switch (rc) {
    case CURLE_REMOTE_FILE_NOT_FOUND:
    case CURLE_FTP_COULDNT_RETR_FILE:
    case CURLE_REMOTE_ACCESS_DENIED: /* FTP: no such directory */
        return TRUE;
    case CURLE_HTTP_RETURNED_ERROR:
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        return status >= 400;
    default:
        return FALSE;
    }
}

/* Turn a failed transfer into an error a person can act on. */
static FetchResult
transfer_failed(Session *s, CURLcode rc, const char *url, GError **error)
{
    const char *detail = s->curl_error[0] != '\0' ? s->curl_error : curl_easy_strerror(rc);

    if (g_cancellable_set_error_if_cancelled(s->cancellable, error))
        return FETCH_FAILED;
    if (is_missing(s, rc))
        return FETCH_MISSING;
    if (rc == CURLE_FILESIZE_EXCEEDED)
        s->too_big = TRUE; /* the server announced it */
    if (s->too_big) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("%s is larger than %" PRId64
                      " MiB, more than an install kernel or initrd can be. Check the URL."),
                    url, (gint64)(s->limit / (1024 * 1024)));
        return FETCH_FAILED;
    }
    if (s->write_errno != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot store the download of %s: %s"), url, g_strerror(s->write_errno));
        return FETCH_FAILED;
    }
    g_debug("transfer of %s failed: %s (%d)", url, detail, rc);
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Cannot read %s: %s. Check the URL and that the server can be reached from "
                  "this host."),
                url, detail);
    return FETCH_FAILED;
}

/* GET @url into memory, at most @limit bytes. */
static FetchResult
fetch_small(Session *s, const char *url, gsize limit, GBytes **out, GError **error)
{
    g_autoptr(GByteArray) buffer = g_byte_array_new();
    CURLcode rc;

    session_prepare(s, url, PROBE_TIMEOUT_S);
    s->buffer = buffer;
    s->limit = (curl_off_t)limit;
    curl_easy_setopt(s->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)limit);
    rc = curl_easy_perform(s->curl);
    s->buffer = NULL;
    if (rc != CURLE_OK)
        return transfer_failed(s, rc, url, error);
    *out = g_byte_array_free_to_bytes(g_steal_pointer(&buffer));
    return FETCH_OK;
}

/* Does @url exist? HEAD (FTP: SIZE), or a GET cut short for servers
 * that refuse HEAD. @size gets the length when the server says it (else -1). */
static FetchResult
probe(Session *s, const char *url, curl_off_t *size, GError **error)
{
    CURLcode rc;
    long status = 0;

    *size = -1;
    session_prepare(s, url, PROBE_TIMEOUT_S);
    curl_easy_setopt(s->curl, CURLOPT_NOBODY, 1L);
    rc = curl_easy_perform(s->curl);
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 405 || status == 501) {
            session_prepare(s, url, PROBE_TIMEOUT_S);
            s->stop_after_first = TRUE;
            rc = curl_easy_perform(s->curl);
            if (rc == CURLE_WRITE_ERROR && !g_cancellable_is_cancelled(s->cancellable))
                rc = CURLE_OK;
        }
    }
    if (rc != CURLE_OK)
        return transfer_failed(s, rc, url, error);
    curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, size);
    return FETCH_OK;
}

/* ---------------------------------------------------------------------- */
/* Inspection                                                              */

static char *
treeinfo_value(GKeyFile *kf, const char *group, const char *key)
{
    /* Raw values: .treeinfo is not written with GKeyFile's escapes. */
    g_autofree char *v = g_key_file_get_value(kf, group, key, NULL);

    if (v == NULL)
        return NULL;
    g_strstrip(v);
    if (*v == '\0' || !g_utf8_validate(v, -1, NULL) || strlen(v) > 256)
        return NULL;
    return g_steal_pointer(&v);
}

static char *
first_of(GKeyFile *kf, const char *g1, const char *k1, const char *g2, const char *k2)
{
    char *v = treeinfo_value(kf, g1, k1);

    return v != NULL ? v : treeinfo_value(kf, g2, k2);
}

/* Read what .treeinfo says; the kernel / initrd only when both are safe. */
static gboolean
parse_treeinfo(GBytes *bytes, MarinaInstallTree *tree, char **kernel, char **initrd,
               const char *url, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) parse_error = NULL;
    gsize len;
    const char *data = g_bytes_get_data(bytes, &len);
    g_autofree char *k = NULL;
    g_autofree char *i = NULL;

    *kernel = *initrd = NULL;
    if (memchr(data, '\0', len) != NULL ||
        !g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &parse_error)) {
        g_info("%s/.treeinfo cannot be read: %s", url,
               parse_error ? parse_error->message : "NUL byte");
        return TRUE; /* not a .treeinfo we understand: probe the layouts */
    }
    tree->family = first_of(kf, "general", "family", "release", "name");
    tree->name = first_of(kf, "general", "name", "release", "name");
    tree->version = first_of(kf, "general", "version", "release", "version");
    tree->arch = first_of(kf, "general", "arch", "tree", "arch");
    tree->variant = treeinfo_value(kf, "general", "variant");
    if (tree->variant == NULL) {
        g_autofree char *variants = treeinfo_value(kf, "tree", "variants");
        if (variants != NULL) {
            g_auto(GStrv) list = g_strsplit(variants, ",", 2);
            tree->variant = g_strdup(g_strstrip(list[0]));
        }
    }

    k = treeinfo_value(kf, "images-x86_64", "kernel");
    i = treeinfo_value(kf, "images-x86_64", "initrd");
    if (k == NULL || i == NULL)
        return TRUE;
    if (!marina_install_tree_path_is_safe(k) || !marina_install_tree_path_is_safe(i)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The .treeinfo of %s names a kernel or initrd outside the tree ('%s', "
                      "'%s'); it cannot be used. Use another mirror."),
                    url, k, i);
        return FALSE;
    }
    *kernel = g_steal_pointer(&k);
    *initrd = g_steal_pointer(&i);
    return TRUE;
}

/* Both files of a layout exist. Sizes go to @sizes (may be NULL). */
static FetchResult
probe_pair(Session *s, const char *base, const char *kernel, const char *initrd,
           curl_off_t sizes[2], GError **error)
{
    const char *rel[2] = {kernel, initrd};
    curl_off_t dummy[2];

    if (sizes == NULL)
        sizes = dummy;
    for (guint i = 0; i < 2; i++) {
        g_autofree char *url = join_url(base, rel[i]);
        FetchResult r = probe(s, url, &sizes[i], error);
        if (r != FETCH_OK)
            return r;
    }
    return FETCH_OK;
}

static MarinaInstallTree *
inspect(Session *s, const char *url, curl_off_t sizes[2], GError **error)
{
    g_autoptr(MarinaInstallTree) tree = g_new0(MarinaInstallTree, 1);
    g_autofree char *treeinfo_url = NULL;
    g_autofree char *kernel = NULL;
    g_autofree char *initrd = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GString) looked = g_string_new(NULL);
    FetchResult r;

    tree->url = base_url(url);
    treeinfo_url = join_url(tree->url, ".treeinfo");
    r = fetch_small(s, treeinfo_url, TREEINFO_MAX, &bytes, error);
    if (r == FETCH_FAILED) {
        if (s->too_big) {
            g_clear_error(error);
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("%s is larger than %d KiB, so it is not a .treeinfo. Check the URL."),
                        treeinfo_url, TREEINFO_MAX / 1024);
        }
        return NULL;
    }
    g_string_append(looked, ".treeinfo");
    if (r == FETCH_OK) {
        if (!parse_treeinfo(bytes, tree, &kernel, &initrd, tree->url, error))
            return NULL;
        if (kernel != NULL) {
            r = probe_pair(s, tree->url, kernel, initrd, sizes, error);
            if (r == FETCH_FAILED)
                return NULL;
            if (r == FETCH_OK) {
                tree->layout = g_strdup("treeinfo");
                tree->kernel = g_steal_pointer(&kernel);
                tree->initrd = g_steal_pointer(&initrd);
                return g_steal_pointer(&tree);
            }
            g_string_append_printf(looked, _(" (its kernel %s and initrd %s)"), kernel, initrd);
        }
    }
    for (guint i = 0; i < G_N_ELEMENTS(layouts); i++) {
        r = probe_pair(s, tree->url, layouts[i].kernel, layouts[i].initrd, sizes, error);
        if (r == FETCH_FAILED)
            return NULL;
        if (r == FETCH_OK) {
            tree->layout = g_strdup(layouts[i].layout);
            tree->kernel = g_strdup(layouts[i].kernel);
            tree->initrd = g_strdup(layouts[i].initrd);
            return g_steal_pointer(&tree);
        }
        g_string_append_printf(looked, ", %s", layouts[i].kernel);
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("No install tree was found at %s: looked for %s and found no kernel and "
                  "initrd. Give the URL of the tree's top directory (the one holding .treeinfo "
                  "or images/)."),
                tree->url, looked->str);
    return NULL;
}

static void
ensure_curl(void)
{
    static gsize once = 0;

    /* Not thread-safe in every libcurl: done once, before any worker. */
    if (g_once_init_enter(&once)) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        g_once_init_leave(&once, 1);
    }
}

static void
inspect_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    const char *url = data;
    Session s;
    GError *error = NULL;
    MarinaInstallTree *tree = NULL;
    curl_off_t sizes[2];

    if (session_init(&s, cancellable, &error)) {
        tree = inspect(&s, url, sizes, &error);
        session_clear(&s);
    }
    if (tree != NULL)
        g_task_return_pointer(task, tree, (GDestroyNotify)marina_install_tree_free);
    else
        g_task_return_error(task, error);
}

void
marina_install_tree_inspect_async(const char *url, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    GError *error = NULL;

    g_task_set_source_tag(task, marina_install_tree_inspect_async);
    if (!marina_install_tree_check_url(url, &error)) {
        g_task_return_error(task, error);
        return;
    }
    ensure_curl();
    g_task_set_task_data(task, g_strdup(url), g_free);
    g_task_run_in_thread(task, inspect_thread);
}

MarinaInstallTree *
marina_install_tree_inspect_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---------------------------------------------------------------------- */
/* Download                                                                */

typedef struct {
    char *url;
    char *dir;
    Progress *progress;
    char *kernel; /* results */
    char *initrd;
} DownloadData;

static void
download_data_free(DownloadData *d)
{
    g_free(d->url);
    g_free(d->dir);
    if (d->progress != NULL)
        g_atomic_rc_box_release_full(d->progress, progress_clear);
    g_free(d->kernel);
    g_free(d->initrd);
    g_free(d);
}

void
marina_install_tree_remove_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_unlink(path);
    }
    g_rmdir(dir);
}

/* GET @url into @dir/@name via a temporary file. */
static gboolean
download_file(Session *s, const char *url, const char *dir, const char *name, curl_off_t limit,
              GError **error)
{
    g_autofree char *part_name = g_strconcat(".", name, ".part", NULL);
    g_autofree char *part = g_build_filename(dir, part_name, NULL);
    g_autofree char *final = g_build_filename(dir, name, NULL);
    CURLcode rc;
    int fd;

    fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot create %s: %s"),
                    part, g_strerror(saved));
        return FALSE;
    }
    session_prepare(s, url, 0);
    s->fd = fd;
    s->limit = limit;
    curl_easy_setopt(s->curl, CURLOPT_MAXFILESIZE_LARGE, limit);
    rc = curl_easy_perform(s->curl);
    s->fd = -1;
    if (close(fd) != 0 && rc == CURLE_OK) {
        s->write_errno = errno;
        rc = CURLE_WRITE_ERROR;
    }
    if (rc != CURLE_OK) {
        g_unlink(part);
        if (transfer_failed(s, rc, url, error) == FETCH_MISSING)
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                        _("%s disappeared from the server during the download. Try again."), url);
        return FALSE;
    }
    if (g_rename(part, final) != 0) {
        int saved = errno;
        g_unlink(part);
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot store %s: %s"),
                    final, g_strerror(saved));
        return FALSE;
    }
    s->base += (guint64)s->received;
    return TRUE;
}

static gboolean
prepare_dir(const char *dir, GError **error)
{
    marina_install_tree_remove_dir(dir);
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot create %s: %s"),
                    dir, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

static void
download_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    DownloadData *d = data;
    g_autoptr(MarinaInstallTree) tree = NULL;
    g_autofree char *kernel_url = NULL;
    g_autofree char *initrd_url = NULL;
    curl_off_t sizes[2] = {-1, -1};
    GError *error = NULL;
    Session s;
    gboolean ok = FALSE;

    if (!session_init(&s, cancellable, &error)) {
        g_task_return_error(task, error);
        return;
    }
    tree = inspect(&s, d->url, sizes, &error);
    if (tree != NULL && prepare_dir(d->dir, &error)) {
        kernel_url = join_url(tree->url, tree->kernel);
        initrd_url = join_url(tree->url, tree->initrd);
        s.progress = d->progress;
        s.total = (guint64)MAX(sizes[0], 0) + (guint64)MAX(sizes[1], 0);
        progress_post(s.progress, 0, s.total);
        ok = download_file(&s, kernel_url, d->dir, "vmlinuz", KERNEL_MAX, &error) &&
             download_file(&s, initrd_url, d->dir, "initrd", INITRD_MAX, &error);
        if (ok) {
            progress_post(s.progress, s.base, MAX(s.total, s.base));
            d->kernel = g_build_filename(d->dir, "vmlinuz", NULL);
            d->initrd = g_build_filename(d->dir, "initrd", NULL);
        } else {
            marina_install_tree_remove_dir(d->dir);
        }
    }
    session_clear(&s);
    if (ok)
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
}

void
marina_install_tree_download_async(const char *url, const char *dir, GCancellable *cancellable,
                                   MarinaInstallProgress progress, gpointer progress_data,
                                   GDestroyNotify progress_destroy, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    DownloadData *d = g_new0(DownloadData, 1);
    GError *error = NULL;

    g_task_set_source_tag(task, marina_install_tree_download_async);
    d->url = g_strdup(url);
    d->dir = g_strdup(dir);
    d->progress = g_atomic_rc_box_new0(Progress);
    d->progress->context = g_main_context_ref_thread_default();
    d->progress->func = progress;
    d->progress->data = progress_data;
    d->progress->destroy = progress_destroy;
    g_task_set_task_data(task, d, (GDestroyNotify)download_data_free);
    if (!marina_install_tree_check_url(url, &error)) {
        g_task_return_error(task, error);
        return;
    }
    ensure_curl();
    /* Cancelling must not complete the task before the worker has removed
     * its partial files. */
    g_task_set_return_on_cancel(task, FALSE);
    g_task_run_in_thread(task, download_thread);
}

gboolean
marina_install_tree_download_finish(GAsyncResult *result, char **kernel, char **initrd,
                                    GError **error)
{
    DownloadData *d = g_task_get_task_data(G_TASK(result));

    if (!g_task_propagate_boolean(G_TASK(result), error))
        return FALSE;
    if (kernel != NULL)
        *kernel = g_strdup(d->kernel);
    if (initrd != NULL)
        *initrd = g_strdup(d->initrd);
    return TRUE;
}
