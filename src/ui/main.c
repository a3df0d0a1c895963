/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina"

#include "config.h"

#include <glib/gi18n.h>

#include "application.h"
#include "paths.h"

/*
 * Run from the build tree, marina finds the schema compiled beside it
 * (build/src/ui/gschemas.compiled), so it works without being installed. Must
 * happen before anything touches GSettings.
 */
static void
use_build_tree_schemas(void)
{
    g_autofree char *compiled = NULL;
    const char *dir = MARINA_BUILD_ROOT "/src/ui";

    if (g_getenv("GSETTINGS_SCHEMA_DIR") != NULL || !marina_paths_running_uninstalled())
        return;
    compiled = g_build_filename(dir, "gschemas.compiled", NULL);
    if (g_file_test(compiled, G_FILE_TEST_EXISTS))
        g_setenv("GSETTINGS_SCHEMA_DIR", dir, TRUE);
}

int
main(int argc, char **argv)
{
    g_autoptr(MarinaApplication) app = NULL;

    marina_paths_init_i18n();

    use_build_tree_schemas();

    app = marina_application_new();
    return g_application_run(G_APPLICATION(app), argc, argv);
}
