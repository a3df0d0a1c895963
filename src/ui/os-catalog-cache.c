/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-os-catalog-cache"

#include "config.h"

#include "os-catalog-cache.h"

#include <glib/gi18n.h>

typedef struct {
    GObject *object;
    MarinaOsCatalogReadyFunc ready;
} Waiter;

static MarinaOsCatalog *os_catalog;
static gboolean os_catalog_loading;
static GArray *os_catalog_waiters; /* Waiter */

/* Without osinfo-db the wizard still offers a generic guest. Its name is
 * set at first use, when gettext knows the language. */
static MarinaOsInfo generic_fallback = {
    .short_id = (char *)"generic",
    .id = (char *)"generic",
    .family = (char *)"",
    .distro = (char *)"",
    .vendor = (char *)"",
    .version = (char *)"",
    .memory_mib = 1024,
    .vcpus = 1,
    .disk_bytes = 10ULL * 1024 * 1024 * 1024,
    .virtio = TRUE,
};

MarinaOsCatalog *
marina_os_catalog_cache_get(void)
{
    return os_catalog;
}

gboolean
marina_os_catalog_cache_is_loading(void)
{
    return os_catalog_loading;
}

static void
on_catalog_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) waiters = g_steal_pointer(&os_catalog_waiters);

    (void)source;
    (void)user_data;
    os_catalog_loading = FALSE;
    os_catalog = marina_os_catalog_load_finish(result, &error);
    if (os_catalog == NULL)
        g_warning("Could not load the operating system list: %s", error->message);
    for (guint i = 0; waiters != NULL && i < waiters->len; i++) {
        Waiter *waiter = &g_array_index(waiters, Waiter, i);

        waiter->ready(waiter->object);
        g_object_unref(waiter->object);
    }
}

void
marina_os_catalog_cache_request(gpointer object, MarinaOsCatalogReadyFunc ready)
{
    Waiter waiter = {g_object_ref(object), ready};

    if (os_catalog != NULL) {
        ready(object);
        g_object_unref(object);
        return;
    }
    if (os_catalog_waiters == NULL)
        os_catalog_waiters = g_array_new(FALSE, FALSE, sizeof(Waiter));
    g_array_append_val(os_catalog_waiters, waiter);
    if (!os_catalog_loading) {
        os_catalog_loading = TRUE;
        marina_os_catalog_load_async(NULL, on_catalog_loaded, NULL);
    }
}

const MarinaOsInfo *
marina_os_catalog_cache_generic(void)
{
    const MarinaOsInfo *os =
        os_catalog != NULL ? marina_os_catalog_lookup(os_catalog, "generic") : NULL;

    if (os != NULL)
        return os;
    if (generic_fallback.name == NULL)
        generic_fallback.name = (char *)_("Generic or unknown OS");
    return &generic_fallback;
}

const MarinaOsInfo *
marina_os_catalog_cache_find(const char *text)
{
    g_autofree char *folded = NULL;
    const MarinaOsInfo *os;
    GPtrArray *list;

    if (text == NULL || *text == '\0')
        return NULL;
    folded = g_utf8_casefold(text, -1);
    if (os_catalog == NULL)
        return g_strcmp0(folded, "generic") == 0 ? marina_os_catalog_cache_generic() : NULL;
    os = marina_os_catalog_lookup(os_catalog, text);
    if (os == NULL)
        os = marina_os_catalog_lookup(os_catalog, folded);
    if (os != NULL)
        return os;
    list = marina_os_catalog_list(os_catalog);
    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *candidate = g_ptr_array_index(list, i);
        g_autofree char *name = g_utf8_casefold(candidate->name, -1);

        if (g_strcmp0(name, folded) == 0)
            return candidate;
    }
    return NULL;
}

const MarinaOsInfo *
marina_os_catalog_cache_identify(GVariant *source_info)
{
    g_autoptr(GVariant) layout = NULL;

    if (os_catalog == NULL || source_info == NULL)
        return NULL;
    /* An install tree has a layout; install media do not. */
    layout = g_variant_lookup_value(source_info, "layout", NULL);
    if (layout != NULL)
        return marina_os_catalog_identify_tree(os_catalog, source_info);
    return marina_os_catalog_identify_media(os_catalog, source_info);
}
