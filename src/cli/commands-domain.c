/* marinactl domain commands: listing, defining, lifecycle, information. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "domain-config.h"
#include "domain-state.h"
#include "error.h"

/* shutdown --wait without --timeout. */
#define CLI_DEFAULT_SHUTDOWN_WAIT_S 300

static MarinaHost *
host_or_report(CliContext *ctx, int *status)
{
    g_autoptr(GError) error = NULL;
    MarinaHost *host = cli_host(ctx, &error);

    if (host == NULL)
        *status = cli_report_error(error);
    return host;
}

/* ---------------------------------------------------------------------------------------------
 * list
 */

static int
compare_list_entries(gconstpointer a, gconstpointer b)
{
    const MarinaDomainRecord *x = *(MarinaDomainRecord *const *)a;
    const MarinaDomainRecord *y = *(MarinaDomainRecord *const *)b;

    /* virsh's order: running domains by id, then the others by name. */
    if ((x->id >= 0) != (y->id >= 0))
        return x->id >= 0 ? -1 : 1;
    if (x->id >= 0 && x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return g_strcmp0(x->name, y->name);
}

/* The records to list (not owned: they stay in @domains), in virsh's order. */
static GPtrArray *
collect_list_entries(GPtrArray *domains, gboolean want_active, gboolean want_inactive)
{
    GPtrArray *entries = g_ptr_array_sized_new(domains->len);

    for (guint i = 0; i < domains->len; i++) {
        MarinaDomainRecord *e = domains->pdata[i];
        gboolean active = e->id >= 0;
        if ((active && want_active) || (!active && want_inactive))
            g_ptr_array_add(entries, e);
    }
    g_ptr_array_sort(entries, compare_list_entries);
    return entries;
}

static void
print_padded(const char *cell, gsize width)
{
    gsize len = g_utf8_strlen(cell, -1);

    fputs(cell, stdout);
    for (gsize i = len; i < width; i++)
        fputc(' ', stdout);
}

/* virsh's table: " cell" columns, two spaces after the widest cell, and a
 * dashed line of (width + 3) per column. */
static void
print_table(char ***rows, gsize n_rows, gsize n_cols)
{
    g_autofree gsize *widths = g_new0(gsize, n_cols);

    for (gsize r = 0; r < n_rows; r++)
        for (gsize c = 0; c < n_cols; c++)
            widths[c] = MAX(widths[c], (gsize)g_utf8_strlen(rows[r][c], -1));
    for (gsize r = 0; r < n_rows; r++) {
        for (gsize c = 0; c < n_cols; c++) {
            fputc(' ', stdout);
            if (c + 1 < n_cols)
                print_padded(rows[r][c], widths[c] + 2);
            else
                fputs(rows[r][c], stdout);
        }
        fputc('\n', stdout);
        if (r == 0) {
            for (gsize c = 0; c < n_cols; c++)
                for (gsize i = 0; i < widths[c] + 3; i++)
                    fputc('-', stdout);
            fputc('\n', stdout);
        }
    }
}

static void
print_list_table(GPtrArray *entries)
{
    gsize n = entries->len + 1;
    g_autofree char ***rows = g_new0(char **, n);

    rows[0] = g_strdupv((char *[]){_("Id"), _("Name"), _("State"), NULL});
    for (guint i = 0; i < entries->len; i++) {
        MarinaDomainRecord *e = entries->pdata[i];
        char **row = g_new0(char *, 4);

        row[0] = e->id >= 0 ? g_strdup_printf("%d", e->id) : g_strdup("-");
        row[1] = g_strdup(e->name);
        row[2] = g_strdup(marina_domain_state_to_string(e->state));
        rows[i + 1] = row;
    }
    print_table(rows, n, 3);
    for (gsize i = 0; i < n; i++)
        g_strfreev(rows[i]);
}

static void
print_list_plain(GPtrArray *entries, gboolean name, gboolean uuid)
{
    for (guint i = 0; i < entries->len; i++) {
        MarinaDomainRecord *e = entries->pdata[i];

        if (name && uuid)
            printf("%-36s  %s\n", e->uuid, e->name);
        else
            printf("%s\n", uuid ? e->uuid : e->name);
    }
}

static int
cmd_list(CliContext *ctx, int argc, char **argv)
{
    gboolean all = FALSE, inactive = FALSE, name = FALSE, uuid = FALSE;
    const GOptionEntry entries[] = {
        {"all", 0, 0, G_OPTION_ARG_NONE, &all, N_("List inactive and active domains"), NULL},
        {"inactive", 0, 0, G_OPTION_ARG_NONE, &inactive, N_("List inactive domains only"), NULL},
        {"name", 0, 0, G_OPTION_ARG_NONE, &name, N_("Print domain names only"), NULL},
        {"uuid", 0, 0, G_OPTION_ARG_NONE, &uuid, N_("Print domain UUIDs only"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GPtrArray) domains = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 0, 0, &args, &status))
        return status;
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    /* One call: ListDomains returns every domain with its state. */
    marina_host_list_domains_async(host, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((domains = marina_host_list_domains_finish(host, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    list = collect_list_entries(domains, !inactive, all || inactive);
    if (name || uuid)
        print_list_plain(list, name, uuid);
    else
        print_list_table(list);
    printf("\n");
    fflush(stdout);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * define, create, restore, domxml-to-native
 */

/* The name of a domain the daemon just returned, or @fallback. */
static char *
name_of(MarinaDomain *domain, const char *fallback)
{
    g_autoptr(GAsyncResult) r = NULL;

    marina_domain_load_async(domain, NULL, marina_sync_wait_ready, cli_slot(&r));
    marina_domain_load_finish(domain, cli_wait(&r), NULL);
    return g_strdup(cli_domain_name(domain, fallback));
}

/* The XML file is read before connecting: a wrong file name is reported
 * without waiting for a daemon. NULL with *status set. */
static MarinaHost *
read_xml_and_host(CliContext *ctx, const char *file, char **xml, int *status)
{
    g_autoptr(GError) error = NULL;

    if ((*xml = cli_read_text_file(file, &error)) == NULL) {
        *status = cli_report_error(error);
        return NULL;
    }
    return host_or_report(ctx, status);
}

/* define and create: the warnings, then "Domain 'NAME' ... from FILE". */
static int
report_new_domain(MarinaDomain *domain, char **warnings, const char *format, const char *file)
{
    g_autofree char *name = NULL;

    cli_print_warnings((const char *const *)warnings);
    name = name_of(domain, marina_domain_get_object_path(domain));
    cli_print(format, name, file);
    return CLI_OK;
}

static int
cmd_define(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GError) error = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((host = read_xml_and_host(ctx, args[0], &xml, &status)) == NULL)
        return status;
    marina_host_define_domain_async(host, xml, NULL, marina_sync_wait_ready, cli_slot(&r));
    domain = marina_host_define_domain_finish(host, cli_wait(&r), &warnings, &error);
    if (domain == NULL)
        return cli_report_error(error);
    return report_new_domain(domain, warnings, _("Domain '%s' defined from %s"), args[0]);
}

static int
cmd_create(CliContext *ctx, int argc, char **argv)
{
    gboolean paused = FALSE;
    const GOptionEntry entries[] = {
        {"paused", 0, 0, G_OPTION_ARG_NONE, &paused, N_("Leave the guest paused"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GError) error = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 1, 1, &args, &status))
        return status;
    if ((host = read_xml_and_host(ctx, args[0], &xml, &status)) == NULL)
        return status;
    marina_host_create_domain_async(host, xml, paused ? MARINA_DOMAIN_START_PAUSED : 0, NULL,
                                    marina_sync_wait_ready, cli_slot(&r));
    domain = marina_host_create_domain_finish(host, cli_wait(&r), &warnings, &error);
    if (domain == NULL)
        return cli_report_error(error);
    return report_new_domain(domain, warnings, _("Domain '%s' created from %s"), args[0]);
}

static int
cmd_restore(CliContext *ctx, int argc, char **argv)
{
    gboolean paused = FALSE;
    const GOptionEntry entries[] = {
        {"paused", 0, 0, G_OPTION_ARG_NONE, &paused, N_("Leave the guest paused"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autofree char *file = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GError) error = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 1, 1, &args, &status))
        return status;
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    file = cli_absolute_path(args[0]);
    marina_host_restore_domain_async(host, file, paused ? MARINA_DOMAIN_START_PAUSED : 0, NULL,
                                     marina_sync_wait_ready, cli_slot(&r));
    if ((domain = marina_host_restore_domain_finish(host, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    cli_print(_("Domain restored from %s"), args[0]);
    return CLI_OK;
}

/* Quotes only what the shell would misread, so the line stays readable. */
static char *
shell_quote_if_needed(const char *arg)
{
    if (*arg == '\0')
        return g_strdup("''");
    for (const char *c = arg; *c != '\0'; c++) {
        if (!g_ascii_isalnum(*c) && strchr("_@%+=:,./-", *c) == NULL)
            return g_shell_quote(arg);
    }
    return g_strdup(arg);
}

static int
cmd_domxml_to_native(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_auto(GStrv) native = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) line = g_string_new(NULL);
    MarinaHost *host;
    const char *file;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 2, &args, &status))
        return status;
    /* virsh spells it "domxml-to-native qemu-argv FILE"; accept that too. */
    if (args[1] != NULL && strcmp(args[0], "qemu-argv") != 0 && strcmp(args[0], "native") != 0)
        return cli_usage_error(ctx, _("Unknown format '%s'; the only format is qemu-argv."),
                               args[0]);
    file = args[1] != NULL ? args[1] : args[0];
    if ((host = read_xml_and_host(ctx, file, &xml, &status)) == NULL)
        return status;
    marina_host_domain_xml_to_native_async(host, xml, NULL, marina_sync_wait_ready, cli_slot(&r));
    native = marina_host_domain_xml_to_native_finish(host, cli_wait(&r), &warnings, &error);
    if (native == NULL)
        return cli_report_error(error);
    cli_print_warnings((const char *const *)warnings);
    for (gsize i = 0; native[i] != NULL; i++) {
        g_autofree char *quoted = shell_quote_if_needed(native[i]);
        g_string_append_printf(line, "%s%s", i > 0 ? " " : "", quoted);
    }
    cli_print("%s", line->str);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Lifecycle
 */

static int
cmd_start(CliContext *ctx, int argc, char **argv)
{
    gboolean paused = FALSE, force_boot = FALSE;
    const GOptionEntry entries[] = {
        {"paused", 0, 0, G_OPTION_ARG_NONE, &paused, N_("Leave the guest paused"), NULL},
        {"force-boot", 0, 0, G_OPTION_ARG_NONE, &force_boot,
         N_("Discard the managed save image and boot afresh"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    MarinaDomainStartFlags flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    flags = (paused ? MARINA_DOMAIN_START_PAUSED : 0) |
            (force_boot ? MARINA_DOMAIN_START_FORCE_BOOT : 0);
    marina_domain_start_async(domain, flags, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_start_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_("Domain '%s' started"), cli_domain_name(domain, args[0]));
    return CLI_OK;
}

static int
cmd_shutdown(CliContext *ctx, int argc, char **argv)
{
    gboolean wait = FALSE;
    int timeout = -1;
    const GOptionEntry entries[] = {
        {"wait", 0, 0, G_OPTION_ARG_NONE, &wait, N_("Wait until the guest has stopped"), NULL},
        {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
         N_("With --wait, give up after this many seconds (default 300)"), N_("SECONDS")},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    guint wait_s;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 1, 1, &args, &status))
        return status;
    if (timeout != -1 && (timeout <= 0 || timeout > 86400))
        return cli_usage_error(ctx, _("--timeout must be between 1 and 86400 seconds."));
    if (timeout != -1)
        wait = TRUE; /* a timeout only means something when waiting */
    wait_s = wait ? (timeout > 0 ? (guint)timeout : CLI_DEFAULT_SHUTDOWN_WAIT_S) : 0;
    if ((domain = cli_lookup_domain_or_report(ctx, args[0], &status)) == NULL)
        return status;
    marina_domain_shutdown_async(domain, wait_s, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_shutdown_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    if (wait)
        cli_print(_("Domain '%s' is shut off"), cli_domain_name(domain, args[0]));
    else
        cli_print(_("Domain '%s' is being shutdown"), cli_domain_name(domain, args[0]));
    return CLI_OK;
}

/* Commands that are one argument-less action and a message. */
typedef struct {
    const char *command;
    void (*action_async)(MarinaDomain *, GCancellable *, GAsyncReadyCallback, gpointer);
    gboolean (*action_finish)(MarinaDomain *, GAsyncResult *, GError **);
    const char *done; /* printf format with the domain name */
} SimpleAction;

static const SimpleAction simple_actions[] = {
    {"destroy", marina_domain_destroy_async, marina_domain_destroy_finish,
     N_("Domain '%s' destroyed")},
    {"reboot", marina_domain_reboot_async, marina_domain_reboot_finish,
     N_("Domain '%s' is being rebooted")},
    {"reset", marina_domain_reset_async, marina_domain_reset_finish, N_("Domain '%s' was reset")},
    {"suspend", marina_domain_suspend_async, marina_domain_suspend_finish,
     N_("Domain '%s' suspended")},
    {"resume", marina_domain_resume_async, marina_domain_resume_finish, N_("Domain '%s' resumed")},
    {"managedsave", marina_domain_managed_save_async, marina_domain_managed_save_finish,
     N_("Domain '%s' state saved by Marina")},
    {"managedsave-remove", marina_domain_managed_save_remove_async,
     marina_domain_managed_save_remove_finish, N_("Removed managedsave image for domain '%s'")},
};

static const SimpleAction *
find_simple_action(const char *command)
{
    for (gsize i = 0; i < G_N_ELEMENTS(simple_actions); i++) {
        if (strcmp(simple_actions[i].command, command) == 0)
            return &simple_actions[i];
    }
    g_assert_not_reached();
}

static int
cmd_simple_action(CliContext *ctx, int argc, char **argv)
{
    const SimpleAction *action = find_simple_action(ctx->command->name);
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    domain = cli_parse_domain(ctx, NULL, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    action->action_async(domain, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!action->action_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_(action->done), cli_domain_name(domain, args[0]));
    return CLI_OK;
}

/* Whether the guest's definition names a UEFI NVRAM file: the daemon writes
 * the path there when it makes the file (at the first start). */
static gboolean
has_nvram(MarinaDomain *domain, gboolean *nvram, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDomainConfig) config = NULL;

    marina_domain_get_xml_async(domain, MARINA_DOMAIN_XML_INACTIVE, NULL, marina_sync_wait_ready,
                                cli_slot(&r));
    if ((xml = marina_domain_get_xml_finish(domain, cli_wait(&r), error)) == NULL)
        return FALSE;
    config = marina_domain_config_parse(xml, -1, NULL, error);
    if (config == NULL)
        return FALSE;
    *nvram = config->nvram != NULL;
    return TRUE;
}

static int
cmd_undefine(CliContext *ctx, int argc, char **argv)
{
    gboolean managed_save = FALSE, nvram = FALSE, keep_nvram = FALSE, keep_tpm = FALSE;
    const GOptionEntry entries[] = {
        {"managed-save", 0, 0, G_OPTION_ARG_NONE, &managed_save,
         N_("Also remove the managed save image"), NULL},
        {"nvram", 0, 0, G_OPTION_ARG_NONE, &nvram, N_("Also remove the UEFI NVRAM file"), NULL},
        {"keep-nvram", 0, 0, G_OPTION_ARG_NONE, &keep_nvram, N_("Keep the UEFI NVRAM file"), NULL},
        {"keep-tpm", 0, 0, G_OPTION_ARG_NONE, &keep_tpm,
         N_("Keep the TPM state (removed by default)"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    guint flags = MARINA_DOMAIN_UNDEFINE_NONE;
    gboolean exists = FALSE;
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *name = NULL;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    name = g_strdup(cli_domain_name(domain, args[0]));
    if (nvram && keep_nvram)
        return cli_usage_error(ctx, _("Options --nvram and --keep-nvram are mutually exclusive"));
    /* As virsh: the variables of a UEFI guest are not thrown away unasked. */
    if (!nvram && !keep_nvram) {
        if (!has_nvram(domain, &exists, &error))
            return cli_report_error(error);
        if (exists) {
            g_printerr(_("error: Refusing to undefine while nvram exists. Use --nvram to remove "
                         "it or --keep-nvram to keep it.\n"));
            return CLI_FAILED;
        }
    }
    flags |= managed_save ? MARINA_DOMAIN_UNDEFINE_MANAGED_SAVE : 0;
    flags |= nvram ? MARINA_DOMAIN_UNDEFINE_NVRAM : 0;
    flags |= keep_tpm ? MARINA_DOMAIN_UNDEFINE_KEEP_TPM : 0;
    marina_domain_undefine_async(domain, flags, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_undefine_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_("Domain '%s' has been undefined"), name);
    return CLI_OK;
}

static int
cmd_domrename(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    domain = cli_parse_domain(ctx, NULL, argc, argv, 2, 2, &args, &status);
    if (domain == NULL)
        return status;
    marina_domain_rename_async(domain, args[1], NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_rename_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_("Domain successfully renamed"));
    return CLI_OK;
}

static int
cmd_save(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *file = NULL;
    int status;

    domain = cli_parse_domain(ctx, NULL, argc, argv, 2, 2, &args, &status);
    if (domain == NULL)
        return status;
    file = cli_absolute_path(args[1]);
    marina_domain_save_async(domain, file, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_save_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(_("Domain '%s' saved to %s"), cli_domain_name(domain, args[0]), args[1]);
    return CLI_OK;
}

static int
cmd_autostart(CliContext *ctx, int argc, char **argv)
{
    gboolean disable = FALSE;
    const GOptionEntry entries[] = {
        {"disable", 0, 0, G_OPTION_ARG_NONE, &disable, N_("Turn autostart off"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    marina_domain_set_autostart_async(domain, !disable, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_set_autostart_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    if (disable)
        cli_print(_("Domain '%s' unmarked as autostarted"), cli_domain_name(domain, args[0]));
    else
        cli_print(_("Domain '%s' marked as autostarted"), cli_domain_name(domain, args[0]));
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Information
 */

static int
cmd_dumpxml(CliContext *ctx, int argc, char **argv)
{
    gboolean inactive = FALSE;
    const GOptionEntry entries[] = {
        {"inactive", 0, 0, G_OPTION_ARG_NONE, &inactive,
         N_("The persistent definition, even while running"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    marina_domain_get_xml_async(domain, inactive ? MARINA_DOMAIN_XML_INACTIVE : 0, NULL,
                                marina_sync_wait_ready, cli_slot(&r));
    if ((xml = marina_domain_get_xml_finish(domain, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    fputs(xml, stdout);
    if (!g_str_has_suffix(xml, "\n"))
        fputc('\n', stdout);
    fflush(stdout);
    return CLI_OK;
}

static void
print_field(const char *label, const char *value)
{
    printf("%-15s %s\n", label, value);
}

static const char *
yes_no(gboolean value)
{
    return value ? _("yes") : _("no");
}

static void
print_dominfo(MarinaDomain *domain, const MarinaDomainInfo *info)
{
    g_autofree char *id_text = NULL;
    g_autofree char *max_text = NULL;
    g_autofree char *mem_text = NULL;
    g_autofree char *cpus_text = NULL;

    id_text = info->id >= 0 ? g_strdup_printf("%d", info->id) : g_strdup("-");
    cpus_text = g_strdup_printf("%u", info->vcpus);
    max_text = g_strdup_printf("%" G_GUINT64_FORMAT " KiB", info->max_memory_kib);
    mem_text = g_strdup_printf("%" G_GUINT64_FORMAT " KiB", info->memory_kib);
    print_field(_("Id:"), id_text);
    print_field(_("Name:"), cli_domain_name(domain, ""));
    print_field(_("UUID:"), marina_domain_get_uuid(domain) ?: "");
    print_field(_("OS Type:"), info->os_type);
    print_field(_("State:"), marina_domain_state_to_string(info->state));
    print_field(_("CPU(s):"), cpus_text);
    if (info->cpu_time_ns != 0) {
        g_autofree char *cpu_text = g_strdup_printf("%.1lfs", (double)info->cpu_time_ns / 1e9);
        print_field(_("CPU time:"), cpu_text);
    }
    print_field(_("Max memory:"), max_text);
    print_field(_("Used memory:"), mem_text);
    print_field(_("Persistent:"), yes_no(info->persistent));
    print_field(_("Autostart:"), info->autostart ? _("enable") : _("disable"));
    print_field(_("Managed save:"), yes_no(info->managed_save));
    printf("\n");
    fflush(stdout);
}

static int
cmd_dominfo(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(MarinaDomainInfo) info = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    domain = cli_parse_domain(ctx, NULL, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    marina_domain_get_info_async(domain, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((info = marina_domain_get_info_finish(domain, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    print_dominfo(domain, info);
    return CLI_OK;
}

static int
cmd_domstate(CliContext *ctx, int argc, char **argv)
{
    gboolean reason = FALSE;
    const GOptionEntry entries[] = {
        {"reason", 0, 0, G_OPTION_ARG_NONE, &reason, N_("Also say why it is in that state"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    MarinaDomainState state;
    guint why;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    /* The lookup loaded the properties: no further call. */
    state = marina_domain_get_state(domain, &why);
    if (reason)
        printf("%s (%s)\n\n", marina_domain_state_to_string(state),
               marina_domain_state_reason_to_string(state, why));
    else
        printf("%s\n\n", marina_domain_state_to_string(state));
    fflush(stdout);
    return CLI_OK;
}

/* domid, domname, domuuid: one property, as virsh prints it. */
static int
cmd_domid_name_uuid(CliContext *ctx, int argc, char **argv)
{
    const char *which = ctx->command->name;
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    int status;

    domain = cli_parse_domain(ctx, NULL, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    if (strcmp(which, "domid") == 0) {
        int id = marina_domain_get_id(domain);
        if (id >= 0)
            printf("%d\n\n", id);
        else
            printf("-\n\n");
    } else if (strcmp(which, "domname") == 0) {
        printf("%s\n\n", cli_domain_name(domain, args[0]));
    } else {
        printf("%s\n\n", marina_domain_get_uuid(domain) ?: "");
    }
    fflush(stdout);
    return CLI_OK;
}

static gboolean
looks_like_png(const guint8 *data, gsize size)
{
    static const guint8 signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    return size >= sizeof(signature) && memcmp(data, signature, sizeof(signature)) == 0;
}

static int
cmd_screenshot(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GBytes) png = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    const guint8 *data;
    gsize size = 0;
    int status;

    domain = cli_parse_domain(ctx, NULL, argc, argv, 2, 2, &args, &status);
    if (domain == NULL)
        return status;
    marina_domain_screenshot_async(domain, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((png = marina_domain_screenshot_finish(domain, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    data = g_bytes_get_data(png, &size);
    if (!looks_like_png(data, size)) {
        g_set_error(&error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("The daemon sent no PNG image for domain '%s'; %s was not written."),
                    cli_domain_name(domain, args[0]), args[1]);
        return cli_report_error(error);
    }
    /* Temporary file + rename: a reader never sees half an image. */
    if (!g_file_set_contents_full(args[1], (const char *)data, (gssize)size,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
        return cli_report_error(error);
    cli_print(_("Screenshot saved to %s"), args[1]);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The table
 */

const CliCommand cli_domain_commands[] = {
    {"list", cmd_list, "[--all] [--inactive] [--name] [--uuid]", N_("List domains")},
    {"define", cmd_define, "FILE", N_("Define (but do not start) a domain from an XML file")},
    {"create", cmd_create, "FILE [--paused]", N_("Create and start a transient domain from XML")},
    {"undefine", cmd_undefine, "NAME [--managed-save] [--nvram|--keep-nvram] [--keep-tpm]",
     N_("Undefine a domain")},
    {"domrename", cmd_domrename, "NAME NEW_NAME", N_("Rename a shut-off domain")},
    {"start", cmd_start, "NAME [--paused] [--force-boot]", N_("Start a defined domain")},
    {"shutdown", cmd_shutdown, "NAME [--wait] [--timeout SECONDS]",
     N_("Ask a domain to shut down (ACPI power button)")},
    {"destroy", cmd_simple_action, "NAME", N_("Stop a domain at once (pull the plug)")},
    {"reboot", cmd_simple_action, "NAME", N_("Ask a domain to reboot")},
    {"reset", cmd_simple_action, "NAME", N_("Reset a domain (press the reset button)")},
    {"suspend", cmd_simple_action, "NAME", N_("Pause a running domain")},
    {"resume", cmd_simple_action, "NAME", N_("Resume a paused domain")},
    {"save", cmd_save, "NAME FILE", N_("Save a domain's state to a file and stop it")},
    {"restore", cmd_restore, "FILE [--paused]", N_("Restore a domain from a saved state file")},
    {"managedsave", cmd_simple_action, "NAME",
     N_("Save a domain's state; the next start resumes it")},
    {"managedsave-remove", cmd_simple_action, "NAME", N_("Remove a domain's managed save image")},
    {"dumpxml", cmd_dumpxml, "NAME [--inactive]", N_("Print a domain's XML definition")},
    {"domxml-to-native", cmd_domxml_to_native, "[qemu-argv] FILE",
     N_("Print the QEMU command line for a domain XML file")},
    {"dominfo", cmd_dominfo, "NAME", N_("Print information about a domain")},
    {"domstate", cmd_domstate, "NAME [--reason]", N_("Print a domain's state")},
    {"domid", cmd_domid_name_uuid, "NAME", N_("Print a domain's id")},
    {"domname", cmd_domid_name_uuid, "NAME", N_("Print a domain's name")},
    {"domuuid", cmd_domid_name_uuid, "NAME", N_("Print a domain's UUID")},
    {"autostart", cmd_autostart, "NAME [--disable]",
     N_("Start a domain when the daemon starts (or stop doing so)")},
    {"screenshot", cmd_screenshot, "NAME FILE.png", N_("Save a domain's screen as PNG")},
    {"event", cli_cmd_event, "[NAME] [--all] [--loop] [--timeout SECONDS] [--count N]",
     N_("Print domain lifecycle events")},
    {NULL},
};
