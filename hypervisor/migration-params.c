#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "core/error.h"
#include "migration-params.h"

#define MAX_STRING 4096

static gboolean
wrong_type(const char *key, const char *expected, GError **error)
{
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Migration parameter '%s' must be of type '%s'."), key, expected);
    return FALSE;
}

static gboolean
read_bool(GVariant *value, const char *key, gboolean *out, GError **error)
{
    if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
        return wrong_type(key, "b", error);
    *out = g_variant_get_boolean(value);
    return TRUE;
}

static gboolean
read_string(GVariant *value, const char *key, char **out, GError **error)
{
    if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
        return wrong_type(key, "s", error);
    if (strlen(g_variant_get_string(value, NULL)) > MAX_STRING) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Migration parameter '%s' is too long."), key);
        return FALSE;
    }
    g_free(*out);
    *out = g_variant_dup_string(value, NULL);
    return TRUE;
}

static gboolean
read_uint64(GVariant *value, const char *key, guint64 max, guint64 *out, GError **error)
{
    if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64))
        return wrong_type(key, "t", error);
    *out = g_variant_get_uint64(value);
    if (*out > max) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Migration parameter '%s' is %" G_GUINT64_FORMAT
                      ", more than the largest allowed, %" G_GUINT64_FORMAT "."),
                    key, *out, max);
        return FALSE;
    }
    return TRUE;
}

static gboolean
read_key(MarinaMigrationParams *p, const char *key, GVariant *value, GError **error)
{
    static const struct {
        const char *key;
        gsize offset;
    } bools[] = {
        {"live", G_STRUCT_OFFSET(MarinaMigrationParams, live)},
        {"persistent", G_STRUCT_OFFSET(MarinaMigrationParams, persistent)},
        {"copy-storage", G_STRUCT_OFFSET(MarinaMigrationParams, copy_storage)},
        {"tunnelled", G_STRUCT_OFFSET(MarinaMigrationParams, tunnelled)},
        {"postcopy", G_STRUCT_OFFSET(MarinaMigrationParams, postcopy)},
        {"undefine-source", G_STRUCT_OFFSET(MarinaMigrationParams, undefine_source)},
        {"auto-converge", G_STRUCT_OFFSET(MarinaMigrationParams, auto_converge)},
    };
    guint64 v;

    for (guint i = 0; i < G_N_ELEMENTS(bools); i++)
        if (g_str_equal(key, bools[i].key))
            return read_bool(value, key, G_STRUCT_MEMBER_P(p, bools[i].offset), error);
    if (g_str_equal(key, "source-host"))
        return read_string(value, key, &p->source_host, error);
    if (g_str_equal(key, "address"))
        return read_string(value, key, &p->address, error);
    if (g_str_equal(key, "port")) {
        if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
            return wrong_type(key, "q", error);
        p->port = g_variant_get_uint16(value);
        return TRUE;
    }
    if (g_str_equal(key, "streams")) {
        if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
            return wrong_type(key, "u", error);
        p->streams = g_variant_get_uint32(value);
        if (p->streams > MARINA_MIGRATION_MAX_DISKS + 1) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("Migration parameter 'streams' is %u; a migration has at most %u."),
                        p->streams, MARINA_MIGRATION_MAX_DISKS + 1);
            return FALSE;
        }
        return TRUE;
    }
    if (g_str_equal(key, "max-downtime-ms")) {
        if (!read_uint64(value, key, MARINA_MIGRATION_MAX_DOWNTIME_MS, &v, error))
            return FALSE;
        p->max_downtime_ms = v;
        return TRUE;
    }
    if (g_str_equal(key, "bandwidth"))
        return read_uint64(value, key, MARINA_MIGRATION_MAX_BANDWIDTH, &p->bandwidth, error);
    if (g_str_equal(key, "info")) {
        if (!g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT))
            return wrong_type(key, "a{sv}", error);
        g_clear_pointer(&p->info, g_variant_unref);
        p->info = g_variant_ref(value);
        return TRUE;
    }
    /* A newer client's wish this daemon does not know: it cannot matter here. */
    g_debug("Ignoring unknown migration parameter '%s'", key);
    return TRUE;
}

gboolean
marina_migration_params_parse(GVariant *dict, MarinaMigrationParams *p, GError **error)
{
    GVariantIter iter;
    const char *key;
    GVariant *value;

    memset(p, 0, sizeof *p);
    p->live = TRUE;
    g_variant_iter_init(&iter, dict);
    while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
        gboolean ok = read_key(p, key, value, error);
        g_variant_unref(value);
        if (!ok)
            return FALSE;
    }
    if (p->info != NULL) {
        g_autoptr(GArray) disks = marina_migration_disks_new();
        if (!marina_migration_info_disks(p->info, disks, error))
            return FALSE;
    }
    return TRUE;
}

void
marina_migration_params_clear(MarinaMigrationParams *p)
{
    g_clear_pointer(&p->source_host, g_free);
    g_clear_pointer(&p->address, g_free);
    g_clear_pointer(&p->info, g_variant_unref);
}

const char *
marina_migration_info_string(GVariant *info, const char *key, const char *fallback)
{
    const char *s = NULL;

    if (info != NULL && g_variant_lookup(info, key, "&s", &s))
        return s;
    return fallback;
}

guint64
marina_migration_info_uint64(GVariant *info, const char *key)
{
    guint64 v = 0;

    if (info != NULL && !g_variant_lookup(info, key, "t", &v))
        v = 0;
    return v;
}

guint
marina_migration_info_uint32(GVariant *info, const char *key, guint fallback)
{
    guint32 v = fallback;

    if (info != NULL && !g_variant_lookup(info, key, "u", &v))
        v = fallback;
    return v;
}

static void
disk_clear(MarinaMigrationDisk *d)
{
    g_free(d->target);
    g_free(d->path);
    g_free(d->format);
    g_free(d->pool);
    g_free(d->volume);
}

GArray *
marina_migration_disks_new(void)
{
    GArray *disks = g_array_new(FALSE, TRUE, sizeof(MarinaMigrationDisk));

    g_array_set_clear_func(disks, (GDestroyNotify)disk_clear);
    return disks;
}

static gboolean
bad_disk(guint i, const char *what, GError **error)
{
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Migration info: disk %u %s."), i, what);
    return FALSE;
}

gboolean
marina_migration_info_disks(GVariant *info, GArray *disks, GError **error)
{
    g_autoptr(GVariant) list = NULL;
    gsize n;

    if (info == NULL)
        return TRUE;
    list = g_variant_lookup_value(info, "disks", NULL);
    if (list == NULL)
        return TRUE;
    if (!g_variant_is_of_type(list, G_VARIANT_TYPE("aa{sv}")))
        return wrong_type("info.disks", "aa{sv}", error);
    n = g_variant_n_children(list);
    if (n > MARINA_MIGRATION_MAX_DISKS) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Migration info: %" G_GSIZE_FORMAT " disks; at most %u can move."), n,
                    MARINA_MIGRATION_MAX_DISKS);
        return FALSE;
    }
    for (gsize i = 0; i < n; i++) {
        g_autoptr(GVariant) d = g_variant_get_child_value(list, i);
        const char *target = NULL, *path = "", *format = "raw", *pool = "", *volume = "";
        MarinaMigrationDisk disk = {0};

        if (!g_variant_lookup(d, "target", "&s", &target) || *target == '\0' ||
            strlen(target) > 32 || strchr(target, '/') || strchr(target, ','))
            return bad_disk((guint)i, _("has no valid target"), error);
        g_variant_lookup(d, "path", "&s", &path);
        g_variant_lookup(d, "format", "&s", &format);
        if (!g_str_equal(format, "raw") && !g_str_equal(format, "qcow2"))
            return bad_disk((guint)i, _("has a format other than raw or qcow2"), error);
        g_variant_lookup(d, "pool", "&s", &pool);
        g_variant_lookup(d, "volume", "&s", &volume);
        if (strchr(volume, '/') || g_str_equal(volume, "..") || g_str_equal(volume, "."))
            return bad_disk((guint)i, _("has a volume name that is not a plain file name"), error);
        g_variant_lookup(d, "capacity", "t", &disk.capacity);
        g_variant_lookup(d, "readonly", "b", &disk.readonly);
        disk.target = g_strdup(target);
        disk.path = g_strdup(path);
        disk.format = g_strdup(format);
        disk.pool = g_strdup(pool);
        disk.volume = g_strdup(volume);
        g_array_append_val(disks, disk);
    }
    return TRUE;
}
