#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Network install trees (http://, https://, ftp://), the way virt-install
 * reads them: .treeinfo when the tree has one, else the known layouts of
 * Debian, Ubuntu, Fedora / RHEL (images/pxeboot) and SUSE. All transfers run
 * in worker threads with libcurl; nothing here blocks the main loop.
 */
typedef struct {
    char *url;    /* the tree's base URL, without trailing '/' */
    char *layout; /* "treeinfo", "debian", "ubuntu", "pxeboot", "suse" */
    char *kernel; /* relative to url */
    char *initrd; /* relative to url */
    /* What the tree says of itself (.treeinfo), or NULL. */
    char *family;
    char *name;
    char *version;
    char *arch;
    char *variant;
} MarinaInstallTree;

void marina_install_tree_free(MarinaInstallTree *tree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaInstallTree, marina_install_tree_free)

/* The a{sv} of Host.InspectInstallTree. */
GVariant *marina_install_tree_to_variant(const MarinaInstallTree *tree);

/* FALSE (Error.InvalidArgument) unless @url is an http, https or ftp URL
 * with a host and no query or fragment. */
gboolean marina_install_tree_check_url(const char *url, GError **error);

/* A path from a .treeinfo (or any relative path below a tree): FALSE for
 * absolute paths, "..", schemes and other ways out of the tree. */
gboolean marina_install_tree_path_is_safe(const char *path);

void marina_install_tree_inspect_async(const char *url, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
MarinaInstallTree *marina_install_tree_inspect_finish(GAsyncResult *result, GError **error);

/* Called on the caller's main context while a download runs. */
typedef void (*MarinaInstallProgress)(guint64 processed, guint64 total, gpointer user_data);

/*
 * Inspect the tree at @url and download its kernel and initrd into @dir
 * (created 0700; previous content removed) as "vmlinuz" and "initrd".
 * Files are written under temporary names and renamed when complete; on
 * failure or cancellation nothing is left in @dir. @progress (may be NULL)
 * gets byte counts of both files together; @progress_data is released with
 * @progress_destroy on the caller's context once no call is pending.
 */
void marina_install_tree_download_async(const char *url, const char *dir, GCancellable *cancellable,
                                        MarinaInstallProgress progress, gpointer progress_data,
                                        GDestroyNotify progress_destroy,
                                        GAsyncReadyCallback callback, gpointer user_data);
/* On success @kernel and @initrd (may be NULL) get the downloaded files' paths. */
gboolean marina_install_tree_download_finish(GAsyncResult *result, char **kernel, char **initrd,
                                             GError **error);

/* Remove @dir and the files directly in it. */
void marina_install_tree_remove_dir(const char *dir);

G_END_DECLS
