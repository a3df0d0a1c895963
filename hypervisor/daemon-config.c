#define G_LOG_DOMAIN "marinad-config"

#include "config.h"

#include <fcntl.h>
#include <glib/gi18n.h>
#include <inttypes.h>
#include <unistd.h>

#include "core/error.h"
#include "core/paths.h"
#include "daemon-config.h"

#define GROUP "marinad"

const char *
marina_daemon_config_detect_accel(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return "tcg";
    close(fd);
    return "kvm";
}

static void
set_defaults(MarinaDaemonConfig *c, gboolean system)
{
    c->system = system;
    if (system) {
        c->socket_path = g_strdup(MARINA_SYSTEM_SOCKET);
        c->ro_socket_path = g_strdup(MARINA_SYSTEM_RO_SOCKET);
        c->socket_mode = 0700;
        c->state_dir = g_strdup(MARINA_SYSTEM_STATE_DIR);
        c->runtime_dir = g_strdup(MARINA_SYSTEM_RUNTIME_DIR);
    } else {
        c->socket_path = marina_paths_session_socket();
        c->socket_mode = 0700;
        c->state_dir = marina_paths_session_state_dir();
        c->runtime_dir = marina_paths_session_runtime_dir();
    }
    c->log_level = g_strdup("info");
    c->accel_setting = g_strdup("auto");
    c->emulator = g_strdup("qemu-system-x86_64");
    c->stats_interval_ms = 1000;
    c->console_limit = 1024 * 1024; /* xend's console-limit default: 1 MiB */
    c->log_max = 8 * 1024 * 1024;
    c->min_mem_kib = 0;
    c->destroy_grace_ms = 3000;
    c->autostart_delay_ms = 0;
    c->driver = g_strdup("qemu");
    c->migration_port_min = 49152;
    c->migration_port_max = 49215;
}

static gboolean
read_uint(GKeyFile *kf, const char *key, guint64 min, guint64 max, guint64 *out, GError **error)
{
    g_autofree char *text = g_key_file_get_string(kf, GROUP, key, NULL);
    g_autoptr(GError) local = NULL;

    if (text == NULL)
        return TRUE;
    g_strstrip(text);
    if (!g_ascii_string_to_unsigned(text, 10, min, max, out, &local)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Configuration key '%s': %s (expected a whole number from %" PRIu64
                      " to %" PRIu64 ")."),
                    key, local->message, min, max);
        return FALSE;
    }
    return TRUE;
}

static void
read_string(GKeyFile *kf, const char *key, char **field)
{
    g_autofree char *text = g_key_file_get_string(kf, GROUP, key, NULL);

    if (text == NULL)
        return;
    g_strstrip(text);
    g_free(*field);
    *field = *text ? g_steal_pointer(&text) : NULL;
}

static gboolean
check_choice(const char *key, const char *value, const char *const *allowed, GError **error)
{
    if (value == NULL || g_strv_contains(allowed, value))
        return TRUE;
    g_autofree char *list = g_strjoinv(", ", (char **)allowed);
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("Configuration key '%s': '%s' is not one of %s."), key, value, list);
    return FALSE;
}

/* migration-hosts-allow: space-separated regular expressions, each checked
 * here so a typo stops the daemon with its reason instead of refusing every
 * migration later. */
static gboolean
read_hosts_allow(GKeyFile *kf, MarinaDaemonConfig *c, GError **error)
{
    g_autofree char *text = g_key_file_get_string(kf, GROUP, "migration-hosts-allow", NULL);
    g_auto(GStrv) words = NULL;
    g_autoptr(GPtrArray) patterns = g_ptr_array_new_with_free_func(g_free);

    if (text == NULL)
        return TRUE;
    words = g_strsplit_set(g_strstrip(text), " \t", -1);
    for (guint i = 0; words[i] != NULL; i++) {
        g_autoptr(GRegex) re = NULL;
        g_autoptr(GError) local = NULL;

        if (*words[i] == '\0')
            continue;
        re = g_regex_new(words[i], G_REGEX_ANCHORED, 0, &local);
        if (re == NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("Configuration key 'migration-hosts-allow': '%s' is not a valid "
                          "regular expression: %s"),
                        words[i], local->message);
            return FALSE;
        }
        g_ptr_array_add(patterns, g_strdup(words[i]));
    }
    g_ptr_array_add(patterns, NULL);
    g_strfreev(c->migration_hosts_allow);
    c->migration_hosts_allow = (char **)g_ptr_array_free(g_steal_pointer(&patterns), FALSE);
    return TRUE;
}

static gboolean
read_migration_keys(GKeyFile *kf, MarinaDaemonConfig *c, GError **error)
{
    guint64 lo = c->migration_port_min, hi = c->migration_port_max;

    read_string(kf, "migration-address", &c->migration_address);
    if (!read_uint(kf, "migration-port-min", 1, 65535, &lo, error) ||
        !read_uint(kf, "migration-port-max", 1, 65535, &hi, error))
        return FALSE;
    if (lo > hi) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Configuration keys 'migration-port-min' (%u) and 'migration-port-max' "
                      "(%u): the minimum is above the maximum."),
                    (guint)lo, (guint)hi);
        return FALSE;
    }
    c->migration_port_min = (guint)lo;
    c->migration_port_max = (guint)hi;
    return read_hosts_allow(kf, c, error);
}

static gboolean
apply_key_file(MarinaDaemonConfig *c, const char *path, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    static const char *const accels[] = {"auto", "kvm", "tcg", NULL};
    static const char *const levels[] = {"debug", "info", "warning", "error", NULL};
    guint64 v;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Cannot read the configuration file %s: %s"), path, local->message);
        return FALSE;
    }
    read_string(kf, "unix-socket-path", &c->socket_path);
    read_string(kf, "unix-socket-ro-path", &c->ro_socket_path);
    read_string(kf, "state-dir", &c->state_dir);
    read_string(kf, "log-file", &c->log_file);
    read_string(kf, "log-level", &c->log_level);
    read_string(kf, "accel", &c->accel_setting);
    read_string(kf, "emulator", &c->emulator);
    if (!check_choice("accel", c->accel_setting, accels, error) ||
        !check_choice("log-level", c->log_level, levels, error))
        return FALSE;

    v = c->socket_mode;
    if (g_key_file_has_key(kf, GROUP, "unix-socket-mode", NULL)) {
        g_autofree char *text = g_key_file_get_string(kf, GROUP, "unix-socket-mode", NULL);
        if (!g_ascii_string_to_unsigned(g_strstrip(text), 8, 0, 0777, &v, NULL)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("Configuration key 'unix-socket-mode': '%s' is not an octal mode such "
                          "as 0770."),
                        text);
            return FALSE;
        }
        c->socket_mode = (guint)v;
    }
    v = c->stats_interval_ms;
    if (!read_uint(kf, "stats-interval-ms", 0, 3600000, &v, error))
        return FALSE;
    c->stats_interval_ms = (guint)v;
    v = c->console_limit / 1024;
    if (!read_uint(kf, "console-limit", 4, 1024 * 1024, &v, error)) /* KiB, as in xend */
        return FALSE;
    c->console_limit = v * 1024;
    v = c->log_max / (1024 * 1024);
    if (!read_uint(kf, "log-max-size", 1, 4096, &v, error)) /* MiB */
        return FALSE;
    c->log_max = v * 1024 * 1024;
    v = c->min_mem_kib / 1024;
    if (!read_uint(kf, "min-mem", 0, G_MAXUINT32, &v, error)) /* MiB, as in xend */
        return FALSE;
    c->min_mem_kib = v * 1024;
    v = c->autostart_delay_ms;
    if (!read_uint(kf, "autostart-delay-ms", 0, 600000, &v, error))
        return FALSE;
    c->autostart_delay_ms = (guint)v;
    return read_migration_keys(kf, c, error);
}

static char *
default_config_file(gboolean system)
{
    if (system)
        return g_strdup(MARINA_SYSTEM_CONFIG_FILE);
    return g_build_filename(g_get_user_config_dir(), "marina", "marinad.conf", NULL);
}

static void
replace(char **field, const char *value)
{
    if (value == NULL)
        return;
    g_free(*field);
    *field = g_strdup(value);
}

MarinaDaemonConfig *
marina_daemon_config_load(gboolean system, const char *config_file, const char *socket_path,
                          const char *state_dir, const char *runtime_dir, GError **error)
{
    g_autoptr(MarinaDaemonConfig) c = g_new0(MarinaDaemonConfig, 1);
    g_autofree char *file = NULL;
    const char *env_accel = g_getenv("MARINA_ACCEL");
    static const char *const accels[] = {"auto", "kvm", "tcg", NULL};

    set_defaults(c, system);
    file = config_file ? g_strdup(config_file) : default_config_file(system);
    if (config_file != NULL || g_file_test(file, G_FILE_TEST_EXISTS)) {
        if (!apply_key_file(c, file, error))
            return NULL;
        c->config_file = g_steal_pointer(&file);
    }

    replace(&c->socket_path, socket_path);
    if (state_dir != NULL) {
        replace(&c->state_dir, state_dir);
        /* A private state directory means a private "host" (tests run
         * several): keep its runtime files beside it unless told otherwise. */
        if (runtime_dir == NULL) {
            g_free(c->runtime_dir);
            c->runtime_dir = g_build_filename(state_dir, "run", NULL);
        }
        if (socket_path != NULL)
            g_clear_pointer(&c->ro_socket_path, g_free);
    }
    replace(&c->runtime_dir, runtime_dir);
    c->log_dir = g_build_filename(c->state_dir, "log", NULL);

    if (env_accel != NULL && *env_accel != '\0') {
        if (!check_choice("MARINA_ACCEL", env_accel, accels, error))
            return NULL;
        replace(&c->accel_setting, env_accel);
    }
    if (g_str_equal(c->accel_setting, "auto"))
        c->accel = g_strdup(marina_daemon_config_detect_accel());
    else
        c->accel = g_strdup(c->accel_setting);
    if (g_str_equal(c->accel, "kvm") && g_str_equal(marina_daemon_config_detect_accel(), "tcg")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("KVM was requested but /dev/kvm cannot be opened. Load the kvm module and "
                      "check the permissions of /dev/kvm, or set accel=tcg (MARINA_ACCEL=tcg)."));
        return NULL;
    }
    return g_steal_pointer(&c);
}

void
marina_daemon_config_free(MarinaDaemonConfig *c)
{
    if (c == NULL)
        return;
    g_free(c->config_file);
    g_free(c->socket_path);
    g_free(c->ro_socket_path);
    g_free(c->state_dir);
    g_free(c->runtime_dir);
    g_free(c->log_dir);
    g_free(c->log_file);
    g_free(c->log_level);
    g_free(c->accel_setting);
    g_free(c->accel);
    g_free(c->emulator);
    g_free(c->driver);
    g_free(c->test_file);
    g_free(c->migration_address);
    g_strfreev(c->migration_hosts_allow);
    g_free(c);
}

gboolean
marina_daemon_config_set_driver(MarinaDaemonConfig *c, const char *driver, const char *test_file,
                                GError **error)
{
    static const char *const drivers[] = {"qemu", "test", NULL};

    if (driver == NULL)
        driver = test_file != NULL ? "test" : "qemu";
    if (!g_strv_contains(drivers, driver)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Unknown driver '%s': use --driver qemu (real guests) or --driver test "
                      "(simulated guests from --test-file)."),
                    driver);
        return FALSE;
    }
    if (g_str_equal(driver, "test") && test_file == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The test driver needs a node file: add --test-file PATH (a libvirt "
                      "test-driver style <node> XML file)."));
        return FALSE;
    }
    if (g_str_equal(driver, "qemu") && test_file != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("--test-file belongs to the test driver; add --driver test."));
        return FALSE;
    }
    g_free(c->driver);
    c->driver = g_strdup(driver);
    g_free(c->test_file);
    c->test_file = g_strdup(test_file);
    return TRUE;
}
