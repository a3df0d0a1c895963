#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where daemons listen and keep their data. Every function returns a new string. */

/* $XDG_RUNTIME_DIR/marina (or $TMPDIR/marina-$UID when there is none). */
char *marina_paths_session_runtime_dir(void);
/* <session runtime dir>/marinad.sock */
char *marina_paths_session_socket(void);
/* $XDG_DATA_HOME/marina, usually ~/.local/share/marina */
char *marina_paths_session_state_dir(void);

#define MARINA_SYSTEM_RUNTIME_DIR "/run/marina"
#define MARINA_SYSTEM_SOCKET "/run/marina/marinad.sock"
#define MARINA_SYSTEM_RO_SOCKET "/run/marina/marinad-ro.sock"
#define MARINA_SYSTEM_STATE_DIR "/var/lib/marina"
#define MARINA_SYSTEM_CONFIG_FILE "/etc/marina/marinad.conf"

/* Whether this program runs from the build tree rather than installed:
 * then it uses the daemon, schemas, icons and translations built beside it. */
gboolean marina_paths_running_uninstalled(void);

/* The marinad binary clients start on demand: $MARINAD if set, else the one
 * in this build tree when running uninstalled, else the installed one. */
char *marina_paths_daemon_binary(void);

/* Where the translations are: the build tree's po/ when running
 * uninstalled, else $datadir/locale. */
char *marina_paths_locale_dir(void);
/* setlocale() and the "marina" text domain, for every program's main(). */
void marina_paths_init_i18n(void);

G_END_DECLS
