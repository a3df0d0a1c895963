#pragma once

#include <gio/gio.h>

#include "marina-dbus.h"
#include "storage-registry.h"

G_BEGIN_DECLS

/*
 * A pool as clients see it: org.marinavm.Marina1.StoragePool at the pool's
 * object path (storage-pool-object.c), its volumes as
 * org.marinavm.Marina1.StorageVolume below it (storage-volume-object.c),
 * their skeletons made when a client first calls one. The method handlers
 * check access, call the pool, and answer.
 */
typedef struct _MarinaPoolObject MarinaPoolObject;

MarinaPoolObject *marina_pool_object_new(MarinaStoragePool *pool, MarinaStorageRegistry *registry,
                                         const MarinaStorageHost *host);
void marina_pool_object_free(MarinaPoolObject *object);

MarinaStoragePool *marina_pool_object_get_pool(MarinaPoolObject *object);
GDBusInterfaceSkeleton *marina_pool_object_get_skeleton(MarinaPoolObject *object);
/* FALSE (and @invocation answered) when its caller may not change things. */
gboolean marina_pool_object_check_writable(MarinaPoolObject *object,
                                           GDBusMethodInvocation *invocation);
/* Whether a client has called volume @name (its skeleton is served). */
gboolean marina_pool_object_serves_volume(MarinaPoolObject *object, const char *name);
/* The skeleton of volume @name, made on first use; the object keeps it. */
GDBusInterfaceSkeleton *marina_pool_object_get_volume(MarinaPoolObject *object, const char *name);
void marina_pool_object_forget_volume(MarinaPoolObject *object, const char *name);

/* "as": the guests (sorted) in @users that use @path. */
GVariant *marina_storage_used_by_variant(MarinaDiskUsers *users, const char *path);

/* storage-volume-object.c: a new skeleton serving volume @name of @object. */
MarinaDBusStorageVolume *marina_volume_object_new(MarinaPoolObject *object, const char *name);

G_END_DECLS
