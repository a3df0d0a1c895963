#define G_LOG_DOMAIN "marinad-network"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "network-driver-private.h"

/* What a program may print on standard error that we keep. */
#define REASON_MAX 400

char *
marina_net_find_program(const char *name)
{
    static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
    char *path = g_find_program_in_path(name);

    /* The daemon may run with a PATH without the sbin directories. */
    for (guint i = 0; path == NULL && i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *candidate = g_build_filename(dirs[i], name, NULL);

        if (g_file_test(candidate, G_FILE_TEST_IS_EXECUTABLE))
            path = g_steal_pointer(&candidate);
    }
    return path;
}

char *
marina_net_command_reason(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);
    GString *s = g_string_new(NULL);

    /* nft repeats the offending input under its message: keep the message. */
    for (char **l = lines; *l != NULL && s->len < REASON_MAX; l++) {
        g_strstrip(*l);
        if (**l == '\0' || g_str_has_prefix(*l, "^"))
            continue;
        if (s->len > 0)
            g_string_append(s, " ");
        g_string_append(s, *l);
    }
    if (s->len > REASON_MAX)
        g_string_truncate(s, REASON_MAX);
    while (s->len > 0 && s->str[s->len - 1] == '.')
        g_string_truncate(s, s->len - 1);
    if (s->len == 0)
        g_string_append(s, _("the program gave no reason"));
    return g_string_free(s, FALSE);
}

typedef struct {
    char *what_failed;
    char *command;
    char *out; /* what it printed, once done */
    char *err;
} CommandRun;

static void
command_run_free(CommandRun *run)
{
    g_free(run->what_failed);
    g_free(run->command);
    g_free(run->out);
    g_free(run->err);
    g_free(run);
}

static void
on_command_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    CommandRun *run = g_task_get_task_data(task);
    GSubprocess *process = G_SUBPROCESS(source);
    g_autoptr(GError) error = NULL;
    g_autofree char *reason = NULL;

    if (!g_subprocess_communicate_utf8_finish(process, result, &run->out, &run->err, &error)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s: %s",
                                run->what_failed, error->message);
        return;
    }
    if (g_subprocess_get_if_exited(process) && g_subprocess_get_exit_status(process) == 0) {
        g_debug("%s: ok", run->command);
        g_task_return_boolean(task, TRUE);
        return;
    }
    reason = marina_net_command_reason(run->err != NULL && *run->err != '\0' ? run->err : run->out);
    g_debug("%s: failed: %s", run->command, reason);
    g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s: %s.",
                            run->what_failed, reason);
}

void
marina_net_command_async(const char *const *argv, const char *input, const char *what_failed,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) process = NULL;
    g_autoptr(GError) error = NULL;
    CommandRun *run = g_new0(CommandRun, 1);

    g_task_set_source_tag(task, marina_net_command_async);
    run->what_failed = g_strdup(what_failed);
    run->command = g_strjoinv(" ", (char **)argv);
    g_task_set_task_data(task, run, (GDestroyNotify)command_run_free);
    launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                  G_SUBPROCESS_FLAGS_STDERR_PIPE);
    /* Messages in a known language: a few are matched. */
    g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
    g_debug("running %s", run->command);
    process = g_subprocess_launcher_spawnv(launcher, argv, &error);
    if (process == NULL) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s: %s",
                                what_failed, error->message);
        return;
    }
    g_subprocess_communicate_utf8_async(process, input != NULL ? input : "", cancellable,
                                        on_command_done, g_steal_pointer(&task));
}

gboolean
marina_net_command_finish(GAsyncResult *result, char **out, char **err, GError **error)
{
    GTask *task = G_TASK(result);
    CommandRun *run = g_task_get_task_data(task);

    if (out != NULL)
        *out = g_strdup(run->out != NULL ? run->out : "");
    if (err != NULL)
        *err = g_strdup(run->err != NULL ? run->err : "");
    return g_task_propagate_boolean(task, error);
}

const MarinaNetIp *
marina_net_config_ip(const MarinaNetworkConfig *config, gboolean ipv6)
{
    for (guint i = 0; config->ips != NULL && i < config->ips->len; i++) {
        const MarinaNetIp *ip = g_ptr_array_index(config->ips, i);

        if (ip->ipv6 == ipv6)
            return ip;
    }
    return NULL;
}

gboolean
marina_net_address_is_valid(const char *address, gboolean ipv6)
{
    guint8 buf[16];

    return address != NULL && strlen(address) < INET6_ADDRSTRLEN &&
           inet_pton(ipv6 ? AF_INET6 : AF_INET, address, buf) == 1;
}

/* @address as bytes with only its first @prefix bits kept. */
static gboolean
masked(const char *address, gboolean ipv6, guint prefix, guint8 out[16])
{
    guint len = ipv6 ? 16 : 4;

    memset(out, 0, 16);
    if (!marina_net_address_is_valid(address, ipv6) || prefix > len * 8)
        return FALSE;
    inet_pton(ipv6 ? AF_INET6 : AF_INET, address, out);
    for (guint bit = prefix; bit < len * 8; bit++)
        out[bit / 8] &= (guint8) ~(0x80u >> (bit % 8));
    return TRUE;
}

char *
marina_net_ip_subnet(const MarinaNetIp *ip)
{
    guint8 net[16];
    char text[INET6_ADDRSTRLEN];

    if (!masked(ip->address, ip->ipv6, ip->prefix, net) ||
        inet_ntop(ip->ipv6 ? AF_INET6 : AF_INET, net, text, sizeof text) == NULL)
        return NULL;
    return g_strdup_printf("%s/%u", text, ip->prefix);
}

char *
marina_net_prefix_netmask(guint prefix)
{
    guint32 mask = prefix == 0 ? 0 : (prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));

    return g_strdup_printf("%u.%u.%u.%u", mask >> 24, (mask >> 16) & 0xff, (mask >> 8) & 0xff,
                           mask & 0xff);
}

gboolean
marina_net_ip_has(const MarinaNetIp *ip, const char *address)
{
    guint8 a[16];
    guint8 b[16];

    return masked(ip->address, ip->ipv6, ip->prefix, a) &&
           masked(address, ip->ipv6, ip->prefix, b) && memcmp(a, b, 16) == 0;
}

gboolean
marina_net_token_is_safe(const char *text)
{
    gsize len = text != NULL ? strlen(text) : 0;

    if (len == 0 || len > 255)
        return FALSE;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c <= ' ' || *c >= 0x7f || strchr("\"',#=\\{};$`", *c) != NULL)
            return FALSE;
    }
    return TRUE;
}

gboolean
marina_net_ifname_is_valid(const char *name)
{
    gsize len = name != NULL ? strlen(name) : 0;

    if (len == 0 || len > 15 || g_str_equal(name, ".") || g_str_equal(name, ".."))
        return FALSE;
    for (const char *c = name; *c != '\0'; c++) {
        if (!g_ascii_isalnum(*c) && *c != '_' && *c != '.' && *c != '-')
            return FALSE;
    }
    return TRUE;
}

gboolean
marina_net_mac_is_valid(const char *mac)
{
    if (mac == NULL || strlen(mac) != 17)
        return FALSE;
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? mac[i] != ':' : !g_ascii_isxdigit(mac[i]))
            return FALSE;
    }
    return TRUE;
}

gboolean
marina_net_write_sysctl(const char *path, const char *text, GError **error)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    gssize n;
    int saved;

    if (fd < 0) {
        saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Could not open %s: %s."),
                    path, g_strerror(saved));
        return FALSE;
    }
    n = write(fd, text, strlen(text));
    saved = errno;
    close(fd);
    if (n != (gssize)strlen(text)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Could not write %s: %s."), path, g_strerror(n < 0 ? saved : EIO));
        return FALSE;
    }
    return TRUE;
}
