#pragma once

#include <glib.h>

#include "daemon-config.h"

G_BEGIN_DECLS

/*
 * Where one daemon keeps what must survive it:
 *   <state>/domains/<uuid>.xml         persistent definitions
 *   <state>/domains/<uuid>.autostart   present = start with the daemon
 *   <state>/save/<uuid>.save           managed save images
 *   <runtime>/domains/<uuid>.xml       live configuration of a running guest
 *   <runtime>/domains/<uuid>.state     runtime state (pid, id, sockets) for re-attaching
 *   <runtime>/guests/<uuid>/           QMP, serial and VNC sockets
 * Every write is atomic (temporary file, fsync, rename), so a crash leaves
 * either the old or the new file, never half of one.
 */

gboolean marina_write_file_atomic(const char *path, const void *data, gsize len, int mode,
                                  GError **error);
/* The same without fsync: for runtime state, which need not outlive the
 * machine, and is written on a guest's start-up path. */
gboolean marina_write_file_replace(const char *path, const void *data, gsize len, int mode,
                                   GError **error);

/* Create the daemon's directories (0700). */
gboolean marina_state_store_prepare(const MarinaDaemonConfig *config, GError **error);

char *marina_state_definition_path(const MarinaDaemonConfig *config, const char *uuid);
char *marina_state_autostart_path(const MarinaDaemonConfig *config, const char *uuid);
char *marina_state_managed_save_path(const MarinaDaemonConfig *config, const char *uuid);
char *marina_state_live_xml_path(const MarinaDaemonConfig *config, const char *uuid);
char *marina_state_runtime_path(const MarinaDaemonConfig *config, const char *uuid);
char *marina_state_guest_dir(const MarinaDaemonConfig *config, const char *uuid);
char *marina_state_log_path(const MarinaDaemonConfig *config, const char *name, const char *suffix);

/* UUIDs (file names without extension) of files in @dir ending in @ext. */
GPtrArray *marina_state_list_uuids(const char *dir, const char *ext);

/* Remove a directory and the files directly in it (guest socket dirs). */
void marina_state_remove_dir(const char *path);

G_END_DECLS
