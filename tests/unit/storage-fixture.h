#pragma once

/* What the storage unit tests share: a temporary directory, a daemon stand-in
 * (MarinaStorageHost) that makes real jobs and records how they end, the
 * PoolEvent and VolumeEvent signals seen, and waiting on the main loop. */

#include <gio/gio.h>

#include "storage-pool.h"

typedef struct {
    char *dir;              /* removed with everything in it */
    MarinaDBusHost *events; /* never exported: its signals are only recorded */
    MarinaStorageHost host; /* jobs numbered from 1; disk users from guests */
    GPtrArray *seen;        /* "pool-event NAME EVENT", "volume-event NAME EVENT" */
    GPtrArray *guests;      /* MarinaDomainConfig*: "guest-N", running, one disk */
    guint next_job;
} StorageFixture;

StorageFixture *storage_fixture_new(void);
void storage_fixture_free(StorageFixture *f);

/* @name in the fixture's directory. */
char *storage_fixture_path(StorageFixture *f, const char *name);

/* A running guest uses @path as its disk from now on. */
void storage_fixture_add_running_guest(StorageFixture *f, const char *path);

/* Whether @line (e.g. "volume-event a.img created") was seen; forgets what
 * was seen when @clear. */
gboolean storage_fixture_saw(StorageFixture *f, const char *line);
void storage_fixture_clear_seen(StorageFixture *f);

/* Runs the main loop until @job ends; its error (NULL: success) is the caller's. */
GError *storage_fixture_wait_job(MarinaJob *job);

/* What a MarinaStorageDone reported, for storage_fixture_wait_done(). */
typedef struct {
    gboolean done;
    GError *error;
} StorageResult;

void storage_fixture_on_done(MarinaStoragePool *pool, const GError *error, gpointer data);
/* Runs the main loop until @result is done; returns its error (the caller's). */
GError *storage_fixture_wait_done(StorageResult *result);

/* Pool operations run to their end: their error, NULL on success (the caller's). */
GError *storage_fixture_start(MarinaStoragePool *pool);
GError *storage_fixture_stop(MarinaStoragePool *pool);
/* A new volume from @c (completed in place), its job waited for. */
GError *storage_fixture_create(MarinaStoragePool *pool, MarinaVolumeConfig *c);
GError *storage_fixture_delete(MarinaStoragePool *pool, const char *name);
GError *storage_fixture_resize(MarinaStoragePool *pool, const char *name, guint64 capacity);

/* A volume description; @format NULL: the pool's default. */
MarinaVolumeConfig *storage_fixture_volume(const char *name, const char *format, guint64 capacity);

/* Fails the test unless @error is MARINA_ERROR @code with @part in its message. */
void storage_fixture_assert_error(const GError *error, int code, const char *part);

/* Job-ready callback that keeps a reference to the job in *@data (MarinaJob **). */
void storage_fixture_on_job(MarinaStoragePool *pool, MarinaJob *job, gpointer data);
