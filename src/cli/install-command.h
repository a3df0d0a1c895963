#pragma once

#include "commands.h"

G_BEGIN_DECLS

/*
 * `marinactl install` needs the OS catalog (libosinfo, and with it libsoup, ICU, Kerberos and
 * SQLite); no other command does. So marinactl itself does not link it: its `install` entry
 * (install-exec.c) replaces the process with marinactl-install, a marinactl that also holds
 * the install code (commands-install.c), with the same arguments. Both programs share the
 * table in install-command.c, so `marinactl help` lists the command without loading anything.
 */

/* Runs `install` (argv[0] is "install"). */
int cli_install_main(CliContext *ctx, int argc, char **argv);

G_END_DECLS
