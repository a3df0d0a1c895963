/* marinactl: a virsh-like command line for marinad. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "error.h"
#include "paths.h"

/* Domain XML larger than this is not a domain definition. */
#define CLI_MAX_FILE_SIZE (16 * 1024 * 1024)

/* clang-format off: one group per line, titles beside their tables. */
static const CliCommand *const command_groups[] = {
    cli_domain_commands,  cli_install_commands, cli_console_commands,
    cli_migrate_commands, cli_host_commands,    cli_storage_commands,
    cli_tuning_commands,  cli_device_commands,  cli_network_commands,
};

static const char *const group_titles[] = {
    N_("Domain commands"),
    N_("Making new guests"),
    N_("Console"),
    N_("Migration"),
    N_("Host and connection"),
    N_("Storage pools and volumes"),
    N_("Memory, vCPUs and editing"),
    N_("Devices"),
    N_("Virtual networks and host devices"),
};
/* clang-format on */

/* ---------------------------------------------------------------------------------------------
 * Output helpers
 */

void
cli_print(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vfprintf(stdout, format, args);
    va_end(args);
    fputc('\n', stdout);
    fflush(stdout);
}

int
cli_report_error(const GError *error)
{
    fflush(stdout);
    fprintf(stderr, _("error: %s\n"), marina_error_message(error));
    return CLI_FAILED;
}

int
cli_usage_error(CliContext *ctx, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    fprintf(stderr, _("error: %s\n"), message);
    if (ctx != NULL && ctx->command != NULL)
        fprintf(stderr, _("Run 'marinactl %s --help' for usage.\n"), ctx->command->name);
    else
        fprintf(stderr, _("Run 'marinactl help' for a list of commands.\n"));
    return CLI_USAGE;
}

void
cli_print_warnings(const char *const *warnings)
{
    for (gsize i = 0; warnings != NULL && warnings[i] != NULL; i++)
        fprintf(stderr, _("warning: %s\n"), warnings[i]);
}

/* ---------------------------------------------------------------------------------------------
 * Help
 */

static void
print_option(const GOptionEntry *entry)
{
    g_autofree char *left = NULL;

    left = g_strdup_printf("%s%s%s--%s%s%s", entry->short_name ? "-" : "",
                           entry->short_name ? (char[]){entry->short_name, '\0'} : "",
                           entry->short_name ? ", " : "", entry->long_name,
                           entry->arg_description ? " " : "",
                           entry->arg_description ? _(entry->arg_description) : "");
    printf("  %-24s %s\n", left, entry->description ? _(entry->description) : "");
}

static void
print_command_help(const CliCommand *command, const GOptionEntry *entries)
{
    printf(_("Usage: marinactl %s%s%s\n\n%s\n"), command->name, *command->usage ? " " : "",
           command->usage, _(command->summary));
    printf(_("\nOptions:\n"));
    for (gsize i = 0; entries != NULL && entries[i].long_name != NULL; i++)
        print_option(&entries[i]);
    printf("  %-24s %s\n", "-h, --help", _("Show this help"));
    fflush(stdout);
}

static void
print_main_help(FILE *out)
{
    fprintf(out, _("Usage: marinactl [-c URI] COMMAND [ARGS]\n\n"));
    fprintf(out, _("Options:\n"
                   "  -c, --connect URI   the daemon to talk to (default: $MARINA_DEFAULT_URI or\n"
                   "                      marina:///session); e.g. marina:///system,\n"
                   "                      marina+ssh://host/system, marina+unix:///path.sock\n"
                   "  -h, --help          show this help\n"
                   "  -v, --version       show the version\n"));
    for (gsize g = 0; g < G_N_ELEMENTS(command_groups); g++) {
        fprintf(out, "\n%s:\n", _(group_titles[g]));
        for (const CliCommand *c = command_groups[g]; c->name != NULL; c++)
            fprintf(out, "  %-20s %s\n", c->name, _(c->summary));
    }
    fprintf(out, "  %-20s %s\n", "help", _("Show this list, or the help of one command"));
    fprintf(out, _("\nRun 'marinactl COMMAND --help' for the options of a command.\n"));
}

/* ---------------------------------------------------------------------------------------------
 * Argument parsing
 */

static gboolean
check_utf8_args(CliContext *ctx, char **args, int *status)
{
    /* Arguments travel as D-Bus strings, which must be UTF-8. */
    for (gsize i = 0; args[i] != NULL; i++) {
        if (!g_utf8_validate(args[i], -1, NULL)) {
            *status = cli_usage_error(ctx, _("Argument %zu is not valid UTF-8 text."), i + 1);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
check_arg_count(CliContext *ctx, char **args, int min_args, int max_args, int *status)
{
    int n = (int)g_strv_length(args);

    if (n < min_args) {
        *status = cli_usage_error(ctx, _("Missing argument. Usage: marinactl %s %s"),
                                  ctx->command->name, ctx->command->usage);
        return FALSE;
    }
    if (max_args >= 0 && n > max_args) {
        *status = cli_usage_error(ctx, _("Unexpected argument '%s'. Usage: marinactl %s %s"),
                                  args[max_args], ctx->command->name, ctx->command->usage);
        return FALSE;
    }
    return TRUE;
}

gboolean
cli_parse(CliContext *ctx, const GOptionEntry *entries, int argc, char **argv, int min_args,
          int max_args, GStrv *args, int *status)
{
    gboolean help = FALSE;
    const GOptionEntry help_entries[] = {
        {"help", 'h', 0, G_OPTION_ARG_NONE, &help, NULL, NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) options = g_option_context_new(NULL);
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) strv = g_new0(char *, argc + 1);

    for (int i = 0; i < argc; i++)
        strv[i] = g_strdup(argv[i]);
    g_option_context_set_help_enabled(options, FALSE);
    g_option_context_add_main_entries(options, help_entries, NULL);
    if (entries != NULL)
        g_option_context_add_main_entries(options, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse_strv(options, &strv, &error)) {
        *status = cli_usage_error(ctx, "%s", error->message);
        return FALSE;
    }
    if (help) {
        print_command_help(ctx->command, entries);
        *status = CLI_OK;
        return FALSE;
    }
    if (!check_utf8_args(ctx, strv + 1, status) ||
        !check_arg_count(ctx, strv + 1, min_args, max_args, status))
        return FALSE;
    *args = g_strdupv(strv + 1);
    return TRUE;
}

/* ---------------------------------------------------------------------------------------------
 * Connection and domain helpers
 */

MarinaConnection *
cli_connect(CliContext *ctx, GError **error)
{
    if (ctx->connection == NULL)
        ctx->connection = marina_connection_open_sync(ctx->uri, NULL, error);
    return ctx->connection;
}

MarinaHost *
cli_host(CliContext *ctx, GError **error)
{
    if (ctx->host == NULL && cli_connect(ctx, error) != NULL)
        ctx->host = marina_host_new(ctx->connection);
    return ctx->host;
}

gpointer
cli_slot(GAsyncResult **result)
{
    g_clear_object(result);
    return result;
}

GAsyncResult *
cli_wait(GAsyncResult **result)
{
    marina_sync_wait(result);
    return *result;
}

MarinaDomain *
cli_lookup_domain(CliContext *ctx, const char *name, GError **error)
{
    g_autoptr(GAsyncResult) result = NULL;
    MarinaHost *host = cli_host(ctx, error);

    if (host == NULL)
        return NULL;
    marina_host_lookup_domain_async(host, name, NULL, marina_sync_wait_ready, cli_slot(&result));
    return marina_host_lookup_domain_finish(host, cli_wait(&result), error);
}

MarinaDomain *
cli_lookup_domain_or_report(CliContext *ctx, const char *name, int *status)
{
    g_autoptr(GError) error = NULL;
    MarinaDomain *domain = cli_lookup_domain(ctx, name, &error);

    if (domain == NULL)
        *status = cli_report_error(error);
    return domain;
}

MarinaDomain *
cli_parse_domain(CliContext *ctx, const GOptionEntry *entries, int argc, char **argv, int min_args,
                 int max_args, GStrv *args, int *status)
{
    g_assert(min_args >= 1);
    if (!cli_parse(ctx, entries, argc, argv, min_args, max_args, args, status))
        return NULL;
    return cli_lookup_domain_or_report(ctx, (*args)[0], status);
}

const char *
cli_domain_name(MarinaDomain *domain, const char *fallback)
{
    const char *name = domain != NULL ? marina_domain_get_name(domain) : NULL;

    return name != NULL && *name != '\0' ? name : fallback;
}

/* Reads at most CLI_MAX_FILE_SIZE bytes, so /dev/zero or a FIFO cannot
 * exhaust memory. */
static GString *
read_limited(const char *path, GError **error)
{
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GFileInputStream) in = g_file_read(file, NULL, error);
    g_autoptr(GString) contents = g_string_new(NULL);
    char buf[65536];
    gssize n;

    if (in == NULL)
        return NULL;
    while ((n = g_input_stream_read(G_INPUT_STREAM(in), buf, sizeof(buf), NULL, error)) > 0) {
        if (contents->len + (gsize)n > CLI_MAX_FILE_SIZE) {
            g_clear_error(error);
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("%s is too large (over %d MiB) to be a domain definition."), path,
                        CLI_MAX_FILE_SIZE / (1024 * 1024));
            return NULL;
        }
        g_string_append_len(contents, buf, n);
    }
    if (n < 0)
        return NULL;
    return g_steal_pointer(&contents);
}

char *
cli_read_text_file(const char *path, GError **error)
{
    g_autoptr(GString) contents = read_limited(path, error);

    if (contents == NULL)
        return NULL;
    if (strlen(contents->str) != contents->len ||
        !g_utf8_validate(contents->str, (gssize)contents->len, NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("%s is not a UTF-8 text file; give a domain XML file."), path);
        return NULL;
    }
    return g_string_free(g_steal_pointer(&contents), FALSE);
}

char *
cli_absolute_path(const char *path)
{
    return g_canonicalize_filename(path, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * main
 */

static const CliCommand *
find_command(const char *name)
{
    for (gsize g = 0; g < G_N_ELEMENTS(command_groups); g++) {
        for (const CliCommand *c = command_groups[g]; c->name != NULL; c++) {
            if (strcmp(c->name, name) == 0)
                return c;
        }
    }
    return NULL;
}

static int
run_help(CliContext *ctx, int argc, char **argv)
{
    const CliCommand *command;
    char *help_argv[] = {NULL, "--help", NULL};

    if (argc < 2) {
        print_main_help(stdout);
        return CLI_OK;
    }
    command = find_command(argv[1]);
    if (command == NULL)
        return cli_usage_error(NULL, _("Unknown command '%s'."), argv[1]);
    ctx->command = command;
    help_argv[0] = (char *)command->name;
    return command->handler(ctx, 2, help_argv);
}

static int
run_command(CliContext *ctx, int argc, char **argv)
{
    if (strcmp(argv[0], "help") == 0)
        return run_help(ctx, argc, argv);
    ctx->command = find_command(argv[0]);
    if (ctx->command == NULL)
        return cli_usage_error(NULL, _("Unknown command '%s'."), argv[0]);
    return ctx->command->handler(ctx, argc, argv);
}

/* Global options come before the command: [-c URI] [-h] [-v]. Returns the
 * index of the command, or -1 with *status set. */
static int
parse_global_options(CliContext *ctx, int argc, char **argv, int *status)
{
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "-c") == 0 || strcmp(arg, "--connect") == 0) {
            if (i + 1 >= argc) {
                *status = cli_usage_error(NULL, _("Option %s needs a URI."), arg);
                return -1;
            }
            ctx->uri = argv[++i];
        } else if (g_str_has_prefix(arg, "--connect=")) {
            ctx->uri = arg + strlen("--connect=");
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            print_main_help(stdout);
            *status = CLI_OK;
            return -1;
        } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--version") == 0) {
            printf("%s\n", PACKAGE_VERSION);
            *status = CLI_OK;
            return -1;
        } else {
            *status = cli_usage_error(NULL, _("Unknown option '%s'."), arg);
            return -1;
        }
    }
    if (i >= argc) {
        print_main_help(stderr);
        *status = CLI_USAGE;
        return -1;
    }
    return i;
}

int
main(int argc, char **argv)
{
    CliContext ctx = {0};
    int status = CLI_OK;
    int first;

    marina_paths_init_i18n();
    /* A closed pipe (marinactl list | head) must end with EPIPE, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    g_set_prgname("marinactl");

    first = parse_global_options(&ctx, argc, argv, &status);
    if (first >= 0)
        status = run_command(&ctx, argc - first, argv + first);
    g_clear_object(&ctx.host);
    if (ctx.connection != NULL) {
        marina_connection_close(ctx.connection);
        g_clear_object(&ctx.connection);
    }
    fflush(stdout);
    return status;
}
