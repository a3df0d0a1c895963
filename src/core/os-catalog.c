#define G_LOG_DOMAIN "marina-os-catalog"

#include "config.h"

#include <glib/gi18n.h>
#include <osinfo/osinfo.h>
#include <string.h>

#include "error.h"
#include "os-catalog.h"

#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define MIB (G_GUINT64_CONSTANT(1) << 20)

#define GENERIC_MEMORY_MIB 1024
#define GENERIC_VCPUS 1
#define GENERIC_DISK_BYTES (10 * GIB)

/* Longest strings taken from an inspection reply (hostile input). */
#define MAX_FIELD_LEN 1024

struct _MarinaOsCatalog {
    GObject parent_instance;

    OsinfoDb *db;       /* NULL when no database was found */
    GPtrArray *list;    /* MarinaOsInfo*, owned, sorted, generic first */
    GHashTable *by_id;  /* short ids and full ids -> MarinaOsInfo* (borrowed) */
    GHashTable *by_os;  /* OsinfoOs* -> MarinaOsInfo* (borrowed) */
    GPtrArray *aliases; /* char*: the other short ids, keys of by_id */
};

G_DEFINE_FINAL_TYPE(MarinaOsCatalog, marina_os_catalog, G_TYPE_OBJECT)

/* The catalog loaded last, for marina_os_catalog_peek_loaded(). */
G_LOCK_DEFINE_STATIC(loaded);
static MarinaOsCatalog *loaded_catalog;

void
marina_os_info_free(MarinaOsInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->short_id);
    g_free(info->id);
    g_free(info->name);
    g_free(info->family);
    g_free(info->distro);
    g_free(info->vendor);
    g_free(info->version);
    g_free(info);
}

static void
marina_os_catalog_finalize(GObject *object)
{
    MarinaOsCatalog *self = MARINA_OS_CATALOG(object);

    G_LOCK(loaded);
    if (loaded_catalog == self)
        loaded_catalog = NULL;
    G_UNLOCK(loaded);
    g_clear_pointer(&self->by_id, g_hash_table_unref);
    g_clear_pointer(&self->by_os, g_hash_table_unref);
    g_clear_pointer(&self->list, g_ptr_array_unref);
    g_clear_pointer(&self->aliases, g_ptr_array_unref);
    g_clear_object(&self->db);
    G_OBJECT_CLASS(marina_os_catalog_parent_class)->finalize(object);
}

static void
marina_os_catalog_class_init(MarinaOsCatalogClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = marina_os_catalog_finalize;
}

static void
marina_os_catalog_init(MarinaOsCatalog *self)
{
    self->list = g_ptr_array_new_with_free_func((GDestroyNotify)marina_os_info_free);
    self->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    self->by_os = g_hash_table_new(NULL, NULL);
    self->aliases = g_ptr_array_new_with_free_func(g_free);
}

MarinaOsCatalog *
marina_os_catalog_peek_loaded(void)
{
    MarinaOsCatalog *catalog;

    G_LOCK(loaded);
    catalog = loaded_catalog;
    G_UNLOCK(loaded);
    return catalog;
}

static void
set_loaded(MarinaOsCatalog *catalog)
{
    G_LOCK(loaded);
    loaded_catalog = catalog;
    G_UNLOCK(loaded);
}

/* ---------------------------------------------------------------------------------------------
 * Building the list
 */

static MarinaOsInfo *
generic_info(void)
{
    MarinaOsInfo *info = g_new0(MarinaOsInfo, 1);

    info->short_id = g_strdup("generic");
    info->id = g_strdup("http://marinavm.org/os/generic");
    info->name = g_strdup(_("Generic or unknown OS"));
    info->family = g_strdup("");
    info->distro = g_strdup("");
    info->vendor = g_strdup("");
    info->version = g_strdup("");
    info->memory_mib = GENERIC_MEMORY_MIB;
    info->vcpus = GENERIC_VCPUS;
    info->disk_bytes = GENERIC_DISK_BYTES;
    info->virtio = TRUE;
    return info;
}

static char *
dup_or_empty(const char *text)
{
    return g_strdup(text != NULL ? text : "");
}

/* The resources for x86_64 (or for every architecture) from @list. */
static OsinfoResources *
pick_resources(OsinfoResourcesList *list)
{
    OsinfoResources *all = NULL;
    int n = list != NULL ? osinfo_list_get_length(OSINFO_LIST(list)) : 0;

    for (int i = 0; i < n; i++) {
        OsinfoResources *r = OSINFO_RESOURCES(osinfo_list_get_nth(OSINFO_LIST(list), i));
        const char *arch = osinfo_resources_get_architecture(r);

        if (g_strcmp0(arch, "x86_64") == 0)
            return r;
        if (g_strcmp0(arch, "all") == 0)
            all = r;
    }
    return all;
}

static void
fill_resources(MarinaOsInfo *info, OsinfoOs *os)
{
    g_autoptr(OsinfoResourcesList) rec_list = osinfo_os_get_recommended_resources(os);
    g_autoptr(OsinfoResourcesList) min_list = osinfo_os_get_minimum_resources(os);
    OsinfoResources *rec = pick_resources(rec_list);
    OsinfoResources *min = pick_resources(min_list);
    gint64 ram = -1, storage = -1, min_ram = -1;
    gint cpus = -1;

    if (rec != NULL) {
        ram = osinfo_resources_get_ram(rec);
        storage = osinfo_resources_get_storage(rec);
        cpus = osinfo_resources_get_n_cpus(rec);
    }
    if (min != NULL) {
        min_ram = osinfo_resources_get_ram(min);
        if (ram <= 0)
            ram = min_ram;
        if (storage <= 0)
            storage = osinfo_resources_get_storage(min);
        if (cpus <= 0)
            cpus = osinfo_resources_get_n_cpus(min);
    }
    info->memory_mib = ram > 0 ? MAX((guint64)ram / MIB, 64) : GENERIC_MEMORY_MIB;
    info->min_memory_mib = min_ram > 0 ? (guint64)min_ram / MIB : 0;
    info->vcpus = cpus > 0 ? (guint)MIN(cpus, 255) : GENERIC_VCPUS;
    info->disk_bytes = storage > 0 ? (guint64)storage : GENERIC_DISK_BYTES;
}

/* virtio-blk or virtio-net, legacy or modern PCI ids. */
static gboolean
os_supports_virtio(OsinfoOs *os)
{
    static const char *const ids[] = {
        "http://pcisig.com/pci/1af4/1001",
        "http://pcisig.com/pci/1af4/1042",
        "http://pcisig.com/pci/1af4/1000",
        "http://pcisig.com/pci/1af4/1041",
    };
    g_autoptr(OsinfoDeviceList) devices = osinfo_os_get_all_devices(os, NULL);
    int n = osinfo_list_get_length(OSINFO_LIST(devices));

    for (int i = 0; i < n; i++) {
        const char *id = osinfo_entity_get_id(osinfo_list_get_nth(OSINFO_LIST(devices), i));
        for (gsize j = 0; j < G_N_ELEMENTS(ids); j++) {
            if (g_strcmp0(id, ids[j]) == 0)
                return TRUE;
        }
    }
    return FALSE;
}

static gboolean
os_is_eol(OsinfoOs *os, GDate *today)
{
    GDate *eol = osinfo_product_get_eol_date(OSINFO_PRODUCT(os));

    return eol != NULL && g_date_compare(eol, today) < 0;
}

static MarinaOsInfo *
info_from_os(OsinfoOs *os, GDate *today)
{
    OsinfoProduct *product = OSINFO_PRODUCT(os);
    MarinaOsInfo *info;
    const char *short_id = osinfo_product_get_short_id(product);

    if (short_id == NULL || osinfo_entity_get_id(OSINFO_ENTITY(os)) == NULL)
        return NULL;
    info = g_new0(MarinaOsInfo, 1);
    info->short_id = g_strdup(short_id);
    info->id = g_strdup(osinfo_entity_get_id(OSINFO_ENTITY(os)));
    info->name = g_strdup(
        osinfo_product_get_name(product) != NULL ? osinfo_product_get_name(product) : short_id);
    info->family = dup_or_empty(osinfo_os_get_family(os));
    info->distro = dup_or_empty(osinfo_os_get_distro(os));
    info->vendor = dup_or_empty(osinfo_product_get_vendor(product));
    info->version = dup_or_empty(osinfo_product_get_version(product));
    info->eol = os_is_eol(os, today);
    fill_resources(info, os);
    info->virtio = os_supports_virtio(os);
    return info;
}

/* Version strings compared part by part, numbers as numbers ("10" > "9"). */
static int
compare_versions(const char *a, const char *b)
{
    while (*a != '\0' || *b != '\0') {
        if (g_ascii_isdigit(*a) && g_ascii_isdigit(*b)) {
            guint64 x = g_ascii_strtoull(a, (char **)&a, 10);
            guint64 y = g_ascii_strtoull(b, (char **)&b, 10);
            if (x != y)
                return x < y ? -1 : 1;
            continue;
        }
        if (*a != *b) {
            /* Words ("testing", "rawhide") after every number: they are the newest. */
            if (g_ascii_isdigit(*a) && *b != '\0')
                return -1;
            if (g_ascii_isdigit(*b) && *a != '\0')
                return 1;
            return (guchar)*a < (guchar)*b ? -1 : 1;
        }
        a++;
        b++;
    }
    return 0;
}

static int
compare_info(gconstpointer pa, gconstpointer pb)
{
    const MarinaOsInfo *a = *(const MarinaOsInfo *const *)pa;
    const MarinaOsInfo *b = *(const MarinaOsInfo *const *)pb;
    int c;

    if (g_str_equal(a->short_id, "generic") != g_str_equal(b->short_id, "generic"))
        return g_str_equal(a->short_id, "generic") ? -1 : 1;
    /* Some entries spell their distro with capitals ("Manjaro"). */
    c = g_ascii_strcasecmp(*a->distro ? a->distro : a->short_id,
                           *b->distro ? b->distro : b->short_id);
    if (c != 0)
        return c;
    c = compare_versions(b->version, a->version); /* newest first */
    return c != 0 ? c : g_strcmp0(a->short_id, b->short_id);
}

static void
index_info(MarinaOsCatalog *self, MarinaOsInfo *info, OsinfoOs *os)
{
    g_hash_table_insert(self->by_id, info->id, info);
    g_hash_table_insert(self->by_id, info->short_id, info);
    if (os != NULL) {
        GList *ids = osinfo_product_get_short_id_list(OSINFO_PRODUCT(os));
        /* The aliases ("debianbullseye") point at the same entry, unless another
         * entry has that as its own short id. */
        for (GList *l = ids; l != NULL; l = l->next) {
            if (!g_hash_table_contains(self->by_id, l->data)) {
                char *alias = g_strdup(l->data);
                g_ptr_array_add(self->aliases, alias);
                g_hash_table_insert(self->by_id, alias, info);
            }
        }
        g_list_free(ids);
        g_hash_table_insert(self->by_os, os, info);
    }
}

static MarinaOsCatalog *
catalog_build(OsinfoDb *db)
{
    MarinaOsCatalog *self = g_object_new(MARINA_TYPE_OS_CATALOG, NULL);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    GDate *today = g_date_new_dmy(g_date_time_get_day_of_month(now), g_date_time_get_month(now),
                                  g_date_time_get_year(now));
    g_autoptr(GPtrArray) oses = g_ptr_array_new();

    self->db = db;
    g_ptr_array_add(self->list, generic_info());
    if (db != NULL) {
        g_autoptr(OsinfoOsList) list = osinfo_db_get_os_list(db);
        int n = osinfo_list_get_length(OSINFO_LIST(list));

        for (int i = 0; i < n; i++) {
            OsinfoOs *os = OSINFO_OS(osinfo_list_get_nth(OSINFO_LIST(list), i));
            MarinaOsInfo *info = info_from_os(os, today);

            if (info == NULL)
                continue;
            /* Our "generic" wins over any entry of that name. */
            if (g_str_equal(info->short_id, "generic")) {
                marina_os_info_free(info);
                continue;
            }
            g_ptr_array_add(self->list, info);
            g_ptr_array_add(oses, os);
        }
    }
    g_ptr_array_sort(self->list, compare_info);
    /* Own short ids first, so aliases never shadow them. */
    for (guint i = 0; i < self->list->len; i++) {
        MarinaOsInfo *info = self->list->pdata[i];
        g_hash_table_insert(self->by_id, info->id, info);
        g_hash_table_insert(self->by_id, info->short_id, info);
    }
    for (guint i = 0; i < oses->len; i++) {
        OsinfoOs *os = oses->pdata[i];
        MarinaOsInfo *info =
            g_hash_table_lookup(self->by_id, osinfo_entity_get_id(OSINFO_ENTITY(os)));
        if (info != NULL)
            index_info(self, info, os);
    }
    g_date_free(today);
    g_debug("OS catalog: %u entries", self->list->len);
    return self;
}

static OsinfoDb *
load_db(void)
{
    g_autoptr(OsinfoLoader) loader = osinfo_loader_new();
    g_autoptr(GError) error = NULL;
    const char *path = g_getenv("OSINFO_DB_PATH");
    OsinfoDb *db;
    g_autoptr(OsinfoOsList) list = NULL;

    if (path != NULL && *path != '\0') {
        osinfo_loader_process_path(loader, path, &error);
    } else {
        osinfo_loader_process_default_path(loader, &error);
    }
    if (error != NULL)
        g_warning("Loading the osinfo database (%s): %s", path != NULL ? path : "system paths",
                  error->message);
    db = osinfo_loader_get_db(loader);
    if (db == NULL)
        return NULL;
    list = osinfo_db_get_os_list(db);
    if (osinfo_list_get_length(OSINFO_LIST(list)) == 0) {
        g_message("No osinfo database found; only the generic OS is known. Install osinfo-db.");
        return NULL;
    }
    return g_object_ref(db);
}

static void
load_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    g_autoptr(OsinfoDb) db = load_db();

    if (g_task_return_error_if_cancelled(task))
        return;
    g_task_return_pointer(task, catalog_build(g_steal_pointer(&db)), g_object_unref);
}

void
marina_os_catalog_load_async(GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);

    g_task_set_source_tag(task, marina_os_catalog_load_async);
    g_task_run_in_thread(task, load_thread);
}

MarinaOsCatalog *
marina_os_catalog_load_finish(GAsyncResult *result, GError **error)
{
    MarinaOsCatalog *catalog;

    g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
    catalog = g_task_propagate_pointer(G_TASK(result), error);
    if (catalog != NULL)
        set_loaded(catalog);
    return catalog;
}

MarinaOsCatalog *
marina_os_catalog_load_sync(GCancellable *cancellable, GError **error)
{
    g_autoptr(OsinfoDb) db = NULL;
    MarinaOsCatalog *catalog;

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
        return NULL;
    db = load_db();
    catalog = catalog_build(g_steal_pointer(&db));
    set_loaded(catalog);
    return catalog;
}

/* ---------------------------------------------------------------------------------------------
 * Queries
 */

GPtrArray *
marina_os_catalog_list(MarinaOsCatalog *self)
{
    g_return_val_if_fail(MARINA_IS_OS_CATALOG(self), NULL);
    return self->list;
}

const MarinaOsInfo *
marina_os_catalog_lookup(MarinaOsCatalog *self, const char *id)
{
    g_return_val_if_fail(MARINA_IS_OS_CATALOG(self), NULL);
    if (id == NULL)
        return NULL;
    return g_hash_table_lookup(self->by_id, id);
}

static gboolean
contains_casefold(const char *haystack, const char *needle)
{
    g_autofree char *h = g_utf8_casefold(haystack, -1);

    return strstr(h, needle) != NULL;
}

GPtrArray *
marina_os_catalog_search(MarinaOsCatalog *self, const char *text, guint limit)
{
    g_autoptr(GPtrArray) current = g_ptr_array_new();
    g_autoptr(GPtrArray) old = g_ptr_array_new();
    g_autofree char *needle = NULL;
    GPtrArray *result = g_ptr_array_new();

    g_return_val_if_fail(MARINA_IS_OS_CATALOG(self), result);
    if (text == NULL || !g_utf8_validate(text, -1, NULL))
        return result;
    needle = g_utf8_casefold(text, -1);
    g_strstrip(needle);
    for (guint i = 0; i < self->list->len; i++) {
        MarinaOsInfo *info = self->list->pdata[i];

        if (contains_casefold(info->name, needle) || contains_casefold(info->short_id, needle))
            g_ptr_array_add(info->eol ? old : current, info);
    }
    for (guint i = 0; i < current->len && result->len < limit; i++)
        g_ptr_array_add(result, current->pdata[i]);
    for (guint i = 0; i < old->len && result->len < limit; i++)
        g_ptr_array_add(result, old->pdata[i]);
    return result;
}

/* A string field of an inspection reply, or NULL when missing, empty or
 * not a sane string. */
static const char *
lookup_field(GVariant *dict, const char *key)
{
    const char *value = NULL;

    if (dict == NULL || !g_variant_is_of_type(dict, G_VARIANT_TYPE_VARDICT) ||
        !g_variant_lookup(dict, key, "&s", &value))
        return NULL;
    if (*value == '\0' || strlen(value) > MAX_FIELD_LEN)
        return NULL;
    return value;
}

static const MarinaOsInfo *
info_for_os(MarinaOsCatalog *self, OsinfoOs *os)
{
    return os != NULL ? g_hash_table_lookup(self->by_os, os) : NULL;
}

const MarinaOsInfo *
marina_os_catalog_identify_media(MarinaOsCatalog *self, GVariant *media_info)
{
    static const struct {
        const char *key;
        const char *prop;
    } fields[] = {
        {"volume-id", OSINFO_MEDIA_PROP_VOLUME_ID},
        {"system-id", OSINFO_MEDIA_PROP_SYSTEM_ID},
        {"publisher-id", OSINFO_MEDIA_PROP_PUBLISHER_ID},
        {"application-id", OSINFO_MEDIA_PROP_APPLICATION_ID},
    };
    g_autoptr(OsinfoMedia) media = NULL;
    gboolean any = FALSE;

    g_return_val_if_fail(MARINA_IS_OS_CATALOG(self), NULL);
    if (self->db == NULL)
        return NULL;
    /* No architecture: the volume id says it ("amd64", "x86_64") and the
     * database's media then match whatever it is. */
    media = osinfo_media_new("http://marinavm.org/media/inspected", NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
        const char *value = lookup_field(media_info, fields[i].key);
        if (value != NULL) {
            osinfo_entity_set_param(OSINFO_ENTITY(media), fields[i].prop, value);
            any = TRUE;
        }
    }
    if (!any || !osinfo_db_identify_media(self->db, media))
        return NULL;
    return info_for_os(self, osinfo_media_get_os(media));
}

/* "http://deb.debian.org/debian/dists/x/" -> "/debian/dists/x" */
static char *
url_path(const char *url)
{
    g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    char *path;
    gsize len;

    if (uri == NULL)
        return NULL;
    path = g_strdup(g_uri_get_path(uri));
    len = strlen(path);
    while (len > 0 && path[len - 1] == '/')
        path[--len] = '\0';
    return path;
}

/* The tree URL is one of the database's, on any mirror: the same path, or
 * for Debian-style archives the same part from "/dists/" on. */
static gboolean
tree_url_matches(const char *url_path_given, const char *tree_url)
{
    g_autofree char *known = url_path(tree_url);
    const char *a, *b;

    if (known == NULL || *known == '\0')
        return FALSE;
    if (g_str_equal(known, url_path_given))
        return TRUE;
    a = strstr(known, "/dists/");
    b = strstr(url_path_given, "/dists/");
    return a != NULL && b != NULL && g_str_equal(a, b);
}

static const MarinaOsInfo *
identify_tree_by_url(MarinaOsCatalog *self, const char *url, const char *arch)
{
    g_autoptr(OsinfoOsList) list = osinfo_db_get_os_list(self->db);
    g_autofree char *given = url_path(url);
    int n = osinfo_list_get_length(OSINFO_LIST(list));

    if (given == NULL || *given == '\0')
        return NULL;
    for (int i = 0; i < n; i++) {
        OsinfoOs *os = OSINFO_OS(osinfo_list_get_nth(OSINFO_LIST(list), i));
        g_autoptr(OsinfoTreeList) trees = osinfo_os_get_tree_list(os);
        int m = osinfo_list_get_length(OSINFO_LIST(trees));

        for (int j = 0; j < m; j++) {
            OsinfoTree *tree = OSINFO_TREE(osinfo_list_get_nth(OSINFO_LIST(trees), j));
            const char *tree_arch = osinfo_tree_get_architecture(tree);
            const char *tree_url = osinfo_tree_get_url(tree);

            if (arch != NULL && tree_arch != NULL && !g_str_equal(tree_arch, arch))
                continue;
            if (tree_url != NULL && tree_url_matches(given, tree_url))
                return info_for_os(self, os);
        }
    }
    return NULL;
}

static gboolean
same_casefold(const char *a, const char *b)
{
    g_autofree char *x = g_utf8_casefold(a, -1);
    g_autofree char *y = g_utf8_casefold(b, -1);

    return g_str_equal(x, y);
}

/* What the tree says of itself against names and versions: "Fedora" + "39",
 * "debian" + "12", or a name like "Fedora 39". */
static const MarinaOsInfo *
identify_tree_by_text(MarinaOsCatalog *self, const char *family, const char *version,
                      const char *name)
{
    for (guint i = 0; i < self->list->len; i++) {
        const MarinaOsInfo *info = self->list->pdata[i];

        if (g_str_equal(info->short_id, "generic"))
            continue;
        if (name != NULL && same_casefold(info->name, name))
            return info;
        if (family != NULL && version != NULL && g_str_equal(info->version, version)) {
            g_autofree char *joined = g_strdup_printf("%s %s", family, version);
            if ((*info->distro && same_casefold(info->distro, family)) ||
                same_casefold(info->name, joined))
                return info;
        }
    }
    return NULL;
}

static const char *
osinfo_arch(const char *arch)
{
    if (arch == NULL)
        return NULL;
    if (g_str_equal(arch, "amd64"))
        return "x86_64";
    if (g_str_equal(arch, "i386") || g_str_equal(arch, "i586"))
        return "i686";
    return arch;
}

const MarinaOsInfo *
marina_os_catalog_identify_tree(MarinaOsCatalog *self, GVariant *tree_info)
{
    const char *family = lookup_field(tree_info, "family");
    const char *version = lookup_field(tree_info, "version");
    const char *arch = osinfo_arch(lookup_field(tree_info, "arch"));
    const char *variant = lookup_field(tree_info, "variant");
    const char *name = lookup_field(tree_info, "name");
    const char *url = lookup_field(tree_info, "url");
    const MarinaOsInfo *found = NULL;

    g_return_val_if_fail(MARINA_IS_OS_CATALOG(self), NULL);
    if (self->db == NULL)
        return identify_tree_by_text(self, family, version, name);
    if (family != NULL) {
        g_autoptr(OsinfoTree) tree =
            osinfo_tree_new("http://marinavm.org/tree/inspected", arch != NULL ? arch : "x86_64");
        OsinfoEntity *e = OSINFO_ENTITY(tree);

        osinfo_entity_set_param_boolean(e, OSINFO_TREE_PROP_HAS_TREEINFO, TRUE);
        osinfo_entity_set_param(e, OSINFO_TREE_PROP_TREEINFO_FAMILY, family);
        if (version != NULL)
            osinfo_entity_set_param(e, OSINFO_TREE_PROP_TREEINFO_VERSION, version);
        if (variant != NULL)
            osinfo_entity_set_param(e, OSINFO_TREE_PROP_TREEINFO_VARIANT, variant);
        if (arch != NULL)
            osinfo_entity_set_param(e, OSINFO_TREE_PROP_TREEINFO_ARCH, arch);
        if (url != NULL)
            osinfo_entity_set_param(e, OSINFO_TREE_PROP_URL, url);
        if (osinfo_db_identify_tree(self->db, tree))
            found = info_for_os(self, osinfo_tree_get_os(tree));
    }
    if (found == NULL && url != NULL)
        found = identify_tree_by_url(self, url, arch);
    if (found == NULL)
        found = identify_tree_by_text(self, family, version, name);
    return found;
}
