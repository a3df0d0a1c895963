#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Operating systems known to libosinfo (osinfo-db): the wizard's OS step
 * and `marinactl install --os-variant`. Loading the database takes a few
 * hundred milliseconds, so it happens once, in a thread
 * (marina_os_catalog_load_async), and the catalog is shared after that.
 */

typedef struct {
    char *short_id; /* "debian12" */
    char *id;       /* "http://debian.org/debian/12" */
    char *name;     /* "Debian 12" */
    char *family;   /* "linux", "winnt", ... as libosinfo says; "" when unknown */
    char *distro;   /* "debian", "fedora", "win", ... ; "" when unknown */
    char *vendor;   /* may be "" */
    char *version;  /* may be "" */
    gboolean eol;   /* past its end of life (the wizard hides these unless asked) */
    /* Defaults for a new guest: recommended, else minimum, else generic. */
    guint64 memory_mib;
    guint vcpus;
    guint64 disk_bytes;
    guint64 min_memory_mib; /* 0 when libosinfo says nothing */
    gboolean virtio;        /* supports virtio block and network devices */
} MarinaOsInfo;

void marina_os_info_free(MarinaOsInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaOsInfo, marina_os_info_free)

#define MARINA_TYPE_OS_CATALOG (marina_os_catalog_get_type())
G_DECLARE_FINAL_TYPE(MarinaOsCatalog, marina_os_catalog, MARINA, OS_CATALOG, GObject)

/* Load osinfo-db (system paths, or $OSINFO_DB_PATH) in a worker thread. A
 * missing database is not an error: the catalog then holds only "generic". */
void marina_os_catalog_load_async(GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
MarinaOsCatalog *marina_os_catalog_load_finish(GAsyncResult *result, GError **error);
MarinaOsCatalog *marina_os_catalog_load_sync(GCancellable *cancellable, GError **error);
/* The catalog loaded last in this process and still alive, or NULL (transfer
 * none). marina_install_spec_to_config() uses it to turn a short id into
 * the full id recorded in the guest's metadata without loading anything. */
MarinaOsCatalog *marina_os_catalog_peek_loaded(void);

/* Every OS, sorted by distro then version (newest first), with "generic"
 * (1 GiB, 1 vCPU, 10 GiB disk, virtio) first. (transfer none) */
GPtrArray *marina_os_catalog_list(MarinaOsCatalog *self);
/* By short id ("debian12") or full id; "generic" always exists; NULL when
 * unknown. (transfer none) */
const MarinaOsInfo *marina_os_catalog_lookup(MarinaOsCatalog *self, const char *id);
/* Case-insensitive search in names and short ids, for the OS entry's
 * completion; at most @limit results, non-EOL first. (container transfer) */
GPtrArray *marina_os_catalog_search(MarinaOsCatalog *self, const char *text, guint limit);

/* Match what Host.InspectMedia returned (volume-id, system-id,
 * publisher-id, application-id) to an OS; NULL when nothing matches. */
const MarinaOsInfo *marina_os_catalog_identify_media(MarinaOsCatalog *self, GVariant *media_info);
/* Match what Host.InspectInstallTree returned (family, version, arch,
 * variant, name, url) to an OS; NULL when nothing matches. */
const MarinaOsInfo *marina_os_catalog_identify_tree(MarinaOsCatalog *self, GVariant *tree_info);

G_END_DECLS
