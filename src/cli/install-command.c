/* The `install` command's entry, shared by marinactl (where it runs marinactl-install) and
 * marinactl-install (where it runs the install code): see install-command.h. */

#include "config.h"

#include <glib/gi18n.h>

#include "install-command.h"

const CliCommand cli_install_commands[] = {
    {"install", cli_install_main,
     "--name NAME (--cdrom ISO | --location URL | --pxe | --import | --boot kernel=... | "
     "--no-install) [--disk ...] [--memory MiB] [--vcpus N] [--os-variant ID] [--network NET] "
     "[--noautoconsole] [--print-xml]",
     N_("Create a guest and start its installation (like virt-install)")},
    {NULL},
};
