#pragma once

/*
 * Shared by the migration layer: migration-methods.c (dispatch, access,
 * driver), migration-in.c (this host receives) and migration-out.c (this
 * host sends).
 */

#include "migration-methods.h"
#include "migration-params.h"

G_BEGIN_DECLS

/* A host name for messages: this one's. */
const char *marina_migration_this_host(void);

/* migration-in.c */
void marina_migration_in_prepare(MarinaMigrationMethods *self, GDBusMethodInvocation *invocation,
                                 const char *xml, GVariant *params);
void marina_migration_in_finish(MarinaMigrationMethods *self, GDBusMethodInvocation *invocation,
                                const char *token, gboolean ok);
/* An incoming stream's end for the client to relay (tunnelled mode). */
void marina_migration_in_open_stream(MarinaMigrationMethods *self,
                                     GDBusMethodInvocation *invocation, MarinaMigration *m,
                                     guint index);
GVariant *marina_migration_in_job_info(MarinaMigration *m);

/* migration-begin.c */
/* Whether copy-storage copies @disk: a writable, unshared disk image. */
gboolean marina_migration_disk_is_copied(const MarinaDiskConfig *disk);
/* What stops @vm from moving at all, from this side (Begin and Perform). */
gboolean marina_migration_out_check_source(MarinaMigrationMethods *self, MarinaVm *vm,
                                           const MarinaMigrationParams *params, GError **error);

/* migration-out.c */
void marina_migration_out_begin(MarinaMigrationMethods *self, MarinaVm *vm,
                                GDBusMethodInvocation *invocation, GVariant *params);
void marina_migration_out_perform(MarinaMigrationMethods *self, MarinaVm *vm,
                                  GDBusMethodInvocation *invocation, const char *token,
                                  GVariant *params);
void marina_migration_out_confirm(MarinaMigrationMethods *self, MarinaVm *vm,
                                  GDBusMethodInvocation *invocation, const char *token,
                                  gboolean ok);
void marina_migration_out_open_stream(MarinaMigrationMethods *self,
                                      GDBusMethodInvocation *invocation, MarinaMigration *m,
                                      guint index);
GVariant *marina_migration_out_job_info(MarinaMigration *m);
/* AbortJob: FALSE with @error when there is nothing to cancel. */
gboolean marina_migration_out_abort(MarinaMigration *m, GError **error);

/* Answer @invocation with a (h) holding @fd (taken). */
void marina_migration_return_fd(GDBusMethodInvocation *invocation, int fd);
/* Error for a token that names no migration here. */
void marina_migration_return_no_such(GDBusMethodInvocation *invocation, const char *token);

G_END_DECLS
