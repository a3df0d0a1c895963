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

/*
 * Marina draws nothing with OpenGL (cairo everywhere, gtk-vnc included), but
 * GDK on X11 asks GLX about every visual when it opens the display, and with
 * Mesa that loads the llvmpipe driver and LLVM: about 50 MB of the window's
 * 100 MB, and tens of milliseconds before the first frame. Someone who sets
 * GDK_GL keeps their choice. Before any thread starts, as setenv requires; the
 * only children (ssh, marinad) do not read it.
 */
static void
skip_gl_probe(void)
{
    g_setenv("GDK_GL", "disable", FALSE);
}

int
main(int argc, char **argv)
{
    g_autoptr(MarinaApplication) app = NULL;

    marina_paths_init_i18n();

    use_build_tree_schemas();
    skip_gl_probe();

    app = marina_application_new();
    return g_application_run(G_APPLICATION(app), argc, argv);
}
