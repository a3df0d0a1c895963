#pragma once

#include <gio/gio.h>

#include "marina-dbus.h"
#include "storage-host.h"
#include "storage-pool.h"

G_BEGIN_DECLS

/*
 * The daemon's storage pools: defined from pool XML and kept in
 * <state>/pools/<name>.xml (+ <name>.autostart), the 'default' dir pool
 * (<state>/images) made on the very first start, autostart pools started on
 * load. No D-Bus here: storage.c serves what it holds.
 */
typedef struct _MarinaStorageRegistry MarinaStorageRegistry;

/* Who wants to know when pools come and go (the D-Bus face). */
typedef struct {
    void (*added)(MarinaStoragePool *pool, gpointer user_data);
    /* The pool is freed from an idle after this. */
    void (*removed)(MarinaStoragePool *pool, gpointer user_data);
    gpointer user_data;
} MarinaStorageListener;

/* @host and @events as for marina_storage_pool_new(); they must outlive the
 * registry. */
MarinaStorageRegistry *marina_storage_registry_new(const char *state_dir,
                                                   const MarinaStorageHost *host,
                                                   MarinaDBusHost *events);
void marina_storage_registry_free(MarinaStorageRegistry *registry);
/* @listener is copied; NULL stops telling. */
void marina_storage_registry_set_listener(MarinaStorageRegistry *registry,
                                          const MarinaStorageListener *listener);

/* Load the pools (or make the default one), start the autostart ones. */
void marina_storage_registry_load(MarinaStorageRegistry *registry);

MarinaStoragePool *marina_storage_registry_lookup(MarinaStorageRegistry *registry,
                                                  const char *name);
/* name -> MarinaStoragePool*, the registry's. */
GHashTable *marina_storage_registry_get_pools(MarinaStorageRegistry *registry);

/* Define a pool from @xml, or redefine an inactive one of that name (it keeps
 * its UUID), and save it. */
MarinaStoragePool *marina_storage_registry_define(MarinaStorageRegistry *registry, const char *xml,
                                                  GError **error);
/* Forget an inactive, settled pool and its files (its volumes stay). */
gboolean marina_storage_registry_undefine(MarinaStorageRegistry *registry, MarinaStoragePool *pool,
                                          GError **error);
gboolean marina_storage_registry_set_autostart(MarinaStorageRegistry *registry,
                                               MarinaStoragePool *pool, gboolean autostart,
                                               GError **error);

G_END_DECLS
