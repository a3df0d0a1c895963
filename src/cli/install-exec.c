/* marinactl's side of `marinactl install`: the same command line, run by
 * marinactl-install in this process (see install-command.h). */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "install-command.h"
#include "paths.h"

#define INSTALL_HELPER "marinactl-install"

/* Uninstalled, the helper built beside this marinactl; installed, the one in libexecdir. */
static char *
helper_path(void)
{
    if (marina_paths_running_uninstalled())
        return g_build_filename(MARINA_BUILD_ROOT, "src", "cli", INSTALL_HELPER, NULL);
    return g_build_filename(MARINA_LIBEXECDIR, INSTALL_HELPER, NULL);
}

int
cli_install_main(CliContext *ctx, int argc, char **argv)
{
    g_autofree char *helper = helper_path();
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    int saved;

    /* The helper parses the global options again: only -c reaches a command. */
    g_ptr_array_add(args, "marinactl");
    if (ctx->uri != NULL) {
        g_ptr_array_add(args, "-c");
        g_ptr_array_add(args, (char *)ctx->uri);
    }
    for (int i = 0; i < argc; i++)
        g_ptr_array_add(args, argv[i]);
    g_ptr_array_add(args, NULL);

    fflush(stdout);
    fflush(stderr);
    execv(helper, (char **)args->pdata);
    saved = errno;
    fprintf(stderr, _("error: Cannot run %s: %s. Reinstall Marina to restore it.\n"), helper,
            g_strerror(saved));
    return CLI_FAILED;
}
