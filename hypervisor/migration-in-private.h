#pragma once

/*
 * Shared by the parts of an incoming migration: migration-in.c (Prepare,
 * Finish, rollback), migration-in-streams.c (the streams arriving) and
 * migration-in-disks.c (volumes of copied disks, their exports for a
 * shut-off guest, what a restarted daemon removes).
 */

#include "migration-listener.h"
#include "migration-private.h"
#include "migration-stream.h"

G_BEGIN_DECLS

typedef struct {
    MarinaMigrationMethods *methods;
    char *token;
    MarinaMigration *m; /* back pointer, set once registered */
    MarinaMigrationParams params;
    MarinaDomainConfig *def; /* as it runs here (disk paths of this host) */
    GArray *disks;           /* MarinaMigrationDisk (copy mode: the copied ones) */
    guint n_streams;
    gboolean *connected;
    MarinaMigrationListener *listener;
    GPtrArray *relays;    /* MarinaMigrationRelay* */
    char *nbd_path;       /* copy mode: the NBD server's socket */
    GPtrArray *exporters; /* offline copy: a qemu-nbd (GSubprocess*) per disk */
    guint sockets_wait;   /* offline copy: polls for their sockets */
    guint socket_polls;
    guint exits_pending; /* offline copy Finish: exporters still running */
    gboolean exit_failed;
    GPtrArray *created;   /* paths of volumes made for this migration */
    GVariant *disk_paths; /* a{ss} for the reply */
    gboolean run_after;   /* the guest ran on the source */
    gboolean offline;     /* a shut-off guest: only the definition moves */
    gboolean preparing;   /* MigratePrepare has not answered yet */
    gboolean aborted;     /* rolled back while preparing: finish the undo */
    gboolean finishing;
    GDBusMethodInvocation *invocation; /* Prepare or Finish, while it waits */
} Incoming;

/* migration-in.c */
const char *marina_migration_in_source_name(Incoming *in);
/* Prepare failed after the migration was registered: undo, then answer. */
void marina_migration_in_prepare_failed(Incoming *in, GError *error);
/* After each step of Prepare: FALSE (everything undone) when the client went away. */
gboolean marina_migration_in_prepare_goes_on(Incoming *in);
/* Prepare's last step: the listener (direct mode), then the reply. */
void marina_migration_in_open_listener(Incoming *in);
/* The guest exists here from now on; its QEMU starts (or its disks' exports). */
void marina_migration_in_create_guest(Incoming *in);
/* Refused before anything was made: answer and forget. */
void marina_migration_in_refuse(Incoming *in, GError *error);
void marina_migration_in_finish_done(Incoming *in);
void marina_migration_in_finish_failed(Incoming *in, GError *error);

/* migration-in-streams.c */
/* Where disk stream @index (1..) is served. */
char *marina_migration_in_nbd_socket(Incoming *in, guint index);
/* The listener's MarinaMigrationAcceptFunc (@data: the MarinaMigrationMethods). */
char *marina_migration_in_listener_stream(int fd, const char *token, guint index, gpointer data);

/* migration-in-disks.c */
/* Copy mode: make the volumes (in->disks), then create the guest. */
void marina_migration_in_make_volumes(Incoming *in);
void marina_migration_in_record_volumes(Incoming *in);
void marina_migration_in_remove_volumes(Incoming *in);
/* Offline copy: a qemu-nbd per new volume; Prepare goes on once they listen. */
void marina_migration_in_start_exporters(Incoming *in);
void marina_migration_in_stop_exporters(Incoming *in);
/* Offline copy Finish: every disk came and each qemu-nbd ended well. */
void marina_migration_in_wait_exporters(Incoming *in);

G_END_DECLS
