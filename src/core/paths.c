#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <unistd.h>

#include "paths.h"

char *
marina_paths_session_runtime_dir(void)
{
    const char *xdg = g_getenv("XDG_RUNTIME_DIR");

    if (xdg != NULL && *xdg != '\0')
        return g_build_filename(xdg, "marina", NULL);
    /* No systemd user session (a container, a cron job): fall back to a
     * per-user directory the daemon creates 0700. */
    g_autofree char *name = g_strdup_printf("marina-%u", (guint)getuid());
    return g_build_filename(g_get_tmp_dir(), name, NULL);
}

char *
marina_paths_session_socket(void)
{
    g_autofree char *dir = marina_paths_session_runtime_dir();

    return g_build_filename(dir, "marinad.sock", NULL);
}

char *
marina_paths_session_state_dir(void)
{
    return g_build_filename(g_get_user_data_dir(), "marina", NULL);
}

gboolean
marina_paths_running_uninstalled(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);

    return self != NULL && g_str_has_prefix(self, MARINA_BUILD_ROOT "/");
}

char *
marina_paths_daemon_binary(void)
{
    const char *env = g_getenv("MARINAD");

    if (env != NULL && *env != '\0')
        return g_strdup(env);

    /* Uninstalled: a program built in this tree finds the daemon built beside it. */
    if (marina_paths_running_uninstalled()) {
        char *built = g_build_filename(MARINA_BUILD_ROOT, "hypervisor", "marinad", NULL);
        if (g_file_test(built, G_FILE_TEST_IS_EXECUTABLE))
            return built;
        g_free(built);
    }
    return g_build_filename(MARINA_SBINDIR, "marinad", NULL);
}

char *
marina_paths_locale_dir(void)
{
    /* meson compiles the catalogs to build/po/LANG/LC_MESSAGES/marina.mo. */
    if (marina_paths_running_uninstalled())
        return g_build_filename(MARINA_BUILD_ROOT, "po", NULL);
    return g_build_filename(MARINA_DATADIR, "locale", NULL);
}

void
marina_paths_init_i18n(void)
{
    g_autofree char *dir = marina_paths_locale_dir();

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, dir);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
}
