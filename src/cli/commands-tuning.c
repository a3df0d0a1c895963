/* marinactl's memory and vCPU commands (setmem, setmaxmem, setvcpus, vcpupin, vcpuinfo),
 * domifaddr, and edit (the definition through $EDITOR, editor.h). */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "commands.h"
#include "domain-config.h"
#include "editor.h"
#include "error.h"
#include "sync-wait.h"
#include "tuning-text.h"

/* The largest vCPU number or count a command line may name (the daemon checks the guest's). */
#define CLI_MAX_VCPUS 4096

/* --live / --config / --current, shared by the commands that change something. */
typedef struct {
    gboolean live, config, current;
} AffectOptions;

#define AFFECT_ENTRIES(o)                                                                          \
    {"live", 0, 0, G_OPTION_ARG_NONE, &(o).live, N_("Change the running guest"), NULL},            \
        {"config",    0,                                                                           \
         0,           G_OPTION_ARG_NONE,                                                           \
         &(o).config, N_("Change the definition (from the next start)"),                           \
         NULL},                                                                                    \
    {                                                                                              \
        "current", 0, 0, G_OPTION_ARG_NONE, &(o).current,                                          \
            N_("The running guest if it runs, else the definition (the default)"), NULL            \
    }

static gboolean
affect_flags(CliContext *ctx, const AffectOptions *o, guint *flags, int *status)
{
    g_autoptr(GError) error = NULL;

    if (cli_tuning_affect_flags(o->live, o->config, o->current, flags, &error))
        return TRUE;
    *status = cli_usage_error(ctx, "%s", error->message);
    return FALSE;
}

/* ---------------------------------------------------------------------------------------------
 * setmem, setmaxmem
 */

static int
set_memory(CliContext *ctx, int argc, char **argv, guint extra_flags)
{
    AffectOptions o = {0};
    const GOptionEntry entries[] = {AFFECT_ENTRIES(o), G_OPTION_ENTRY_NULL};
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    guint64 kib;
    guint flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 2, 2, &args, &status);
    if (domain == NULL)
        return status;
    if (!affect_flags(ctx, &o, &flags, &status))
        return status;
    if (!cli_tuning_parse_size(args[1], &kib, &error))
        return cli_usage_error(ctx, "%s", error->message);
    marina_domain_set_memory_async(domain, kib, flags | extra_flags, NULL, marina_sync_wait_ready,
                                   cli_slot(&r));
    if (!marina_domain_set_memory_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    return CLI_OK;
}

static int
cmd_setmem(CliContext *ctx, int argc, char **argv)
{
    return set_memory(ctx, argc, argv, 0);
}

static int
cmd_setmaxmem(CliContext *ctx, int argc, char **argv)
{
    return set_memory(ctx, argc, argv, MARINA_DOMAIN_AFFECT_MAXIMUM);
}

/* ---------------------------------------------------------------------------------------------
 * setvcpus, vcpupin, vcpuinfo
 */

static int
cmd_setvcpus(CliContext *ctx, int argc, char **argv)
{
    AffectOptions o = {0};
    gboolean maximum = FALSE;
    const GOptionEntry entries[] = {
        AFFECT_ENTRIES(o),
        {"maximum", 0, 0, G_OPTION_ARG_NONE, &maximum,
         N_("Change the maximum (with --config: from the next start)"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    guint count, flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 2, 2, &args, &status);
    if (domain == NULL)
        return status;
    if (!affect_flags(ctx, &o, &flags, &status))
        return status;
    if (!cli_tuning_parse_number(args[1], CLI_MAX_VCPUS, _("vCPU count"), &count, &error))
        return cli_usage_error(ctx, "%s", error->message);
    if (maximum)
        flags |= MARINA_DOMAIN_AFFECT_MAXIMUM;
    marina_domain_set_vcpus_async(domain, count, flags, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!marina_domain_set_vcpus_finish(domain, cli_wait(&r), &error))
        return cli_report_error(error);
    return CLI_OK;
}

static GPtrArray *
get_vcpus(MarinaDomain *domain, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;

    marina_domain_get_vcpu_info_async(domain, NULL, marina_sync_wait_ready, cli_slot(&r));
    return marina_domain_get_vcpu_info_finish(domain, cli_wait(&r), error);
}

static char *inactive_xml(MarinaDomain *domain, GError **error);

/* The pinning the definition holds (vcpupin --config): each vCPU's <vcpupin>, else
 * <vcpu cpuset>, else every CPU of the daemon's host. */
static GPtrArray *
config_vcpus(CliContext *ctx, MarinaDomain *domain, GError **error)
{
    g_autofree char *xml = inactive_xml(domain, error);
    g_autoptr(MarinaDomainConfig) config = NULL;
    g_autoptr(MarinaNodeInfo) node = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autofree char *all = NULL;
    GPtrArray *out;
    MarinaHost *host;

    if (xml == NULL || (config = marina_domain_config_parse(xml, -1, NULL, error)) == NULL ||
        (host = cli_host(ctx, error)) == NULL)
        return NULL;
    marina_host_get_node_info_async(host, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((node = marina_host_get_node_info_finish(host, cli_wait(&r), error)) == NULL)
        return NULL;
    all = node->cpus > 1 ? g_strdup_printf("0-%u", node->cpus - 1) : g_strdup("0");
    out = g_ptr_array_new_with_free_func((GDestroyNotify)marina_vcpu_info_free);
    for (guint v = 0; v < config->vcpus; v++) {
        MarinaVcpuInfo *info = g_new0(MarinaVcpuInfo, 1);
        const char *affinity = config->cpuset != NULL ? config->cpuset : all;

        for (guint i = 0; i < config->vcpupins->len; i++)
            if (((MarinaVcpuPin *)config->vcpupins->pdata[i])->vcpu == v)
                affinity = ((MarinaVcpuPin *)config->vcpupins->pdata[i])->cpuset;
        info->vcpu = v;
        info->online = v < config->current_vcpus;
        info->cpu = -1;
        info->thread_id = -1;
        info->state = g_strdup("offline");
        info->affinity = g_strdup(affinity);
        g_ptr_array_add(out, info);
    }
    return out;
}

static int
cmd_vcpupin(CliContext *ctx, int argc, char **argv)
{
    AffectOptions o = {0};
    const GOptionEntry entries[] = {AFFECT_ENTRIES(o), G_OPTION_ENTRY_NULL};
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) vcpus = NULL;
    g_autofree char *table = NULL;
    guint vcpu = 0, flags;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 3, &args, &status);
    if (domain == NULL)
        return status;
    if (!affect_flags(ctx, &o, &flags, &status))
        return status;
    if (args[1] != NULL &&
        !cli_tuning_parse_number(args[1], CLI_MAX_VCPUS - 1, _("vCPU number"), &vcpu, &error))
        return cli_usage_error(ctx, "%s", error->message);
    if (args[1] != NULL && args[2] != NULL) {
        marina_domain_pin_vcpu_async(domain, vcpu, args[2], flags, NULL, marina_sync_wait_ready,
                                     cli_slot(&r));
        if (!marina_domain_pin_vcpu_finish(domain, cli_wait(&r), &error))
            return cli_report_error(error);
        return CLI_OK;
    }
    /* No CPU list: the table, as virsh prints it (with --config, the definition's). */
    vcpus = o.config ? config_vcpus(ctx, domain, &error) : get_vcpus(domain, &error);
    if (vcpus == NULL)
        return cli_report_error(error);
    if (args[1] != NULL && vcpu >= vcpus->len) {
        g_set_error(&error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Domain '%s' has no vCPU %u."), cli_domain_name(domain, args[0]), vcpu);
        return cli_report_error(error);
    }
    table = cli_format_vcpupin(vcpus, args[1] != NULL ? (int)vcpu : -1);
    fputs(table, stdout);
    return CLI_OK;
}

static int
cmd_vcpuinfo(CliContext *ctx, int argc, char **argv)
{
    gboolean pretty = FALSE;
    const GOptionEntry entries[] = {
        {"pretty", 0, 0, G_OPTION_ARG_NONE, &pretty, N_("Print the CPU affinity as a list of CPUs"),
         NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) vcpus = NULL;
    g_autoptr(MarinaNodeInfo) node = NULL;
    g_autofree char *text = NULL;
    MarinaHost *host;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    if ((vcpus = get_vcpus(domain, &error)) == NULL)
        return cli_report_error(error);
    /* The y/- map has one place per CPU of the daemon's host. */
    if ((host = cli_host(ctx, &error)) == NULL)
        return cli_report_error(error);
    marina_host_get_node_info_async(host, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((node = marina_host_get_node_info_finish(host, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    text = cli_format_vcpuinfo(vcpus, MAX(node->cpus, 1), pretty);
    fputs(text, stdout);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * domifaddr
 */

static int
cmd_domifaddr(CliContext *ctx, int argc, char **argv)
{
    const char *source = "lease", *iface = NULL;
    gboolean full = FALSE;
    const GOptionEntry entries[] = {
        {"interface", 0, 0, G_OPTION_ARG_STRING, &iface,
         N_("Only this interface (its name or MAC address)"), N_("NAME")},
        {"full", 0, 0, G_OPTION_ARG_NONE, &full, N_("Print the name and MAC address on every line"),
         NULL},
        {"source", 0, 0, G_OPTION_ARG_STRING, &source,
         N_("Where the addresses come from: lease (default), arp or agent"), N_("SOURCE")},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) interfaces = NULL;
    g_autofree char *table = NULL;
    int status;

    domain = cli_parse_domain(ctx, entries, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    if (!g_str_equal(source, "lease") && !g_str_equal(source, "arp") &&
        !g_str_equal(source, "agent"))
        return cli_usage_error(ctx, _("Unknown source '%s'; use lease, arp or agent."), source);
    marina_domain_get_interface_addresses_async(domain, source, NULL, marina_sync_wait_ready,
                                                cli_slot(&r));
    interfaces = marina_domain_get_interface_addresses_finish(domain, cli_wait(&r), &error);
    if (interfaces == NULL)
        return cli_report_error(error);
    table = cli_format_domifaddr(interfaces, iface, full);
    fputs(table, stdout);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * edit
 */

typedef struct {
    CliContext *ctx;
    MarinaDomain *domain;
} EditTarget;

static char *
inactive_xml(MarinaDomain *domain, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;

    marina_domain_get_xml_async(domain, MARINA_DOMAIN_XML_INACTIVE, NULL, marina_sync_wait_ready,
                                cli_slot(&r));
    return marina_domain_get_xml_finish(domain, cli_wait(&r), error);
}

static char *
edit_reread(gpointer user_data, GError **error)
{
    EditTarget *target = user_data;

    return inactive_xml(target->domain, error);
}

/* The edited text becomes the definition (DefineDomain checks it); its warnings printed. */
static gboolean
edit_apply(const char *text, gpointer user_data, GError **error)
{
    EditTarget *target = user_data;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaDomain) defined = NULL;
    g_auto(GStrv) warnings = NULL;
    MarinaHost *host = cli_host(target->ctx, error);

    if (host == NULL)
        return FALSE;
    marina_host_define_domain_async(host, text, NULL, marina_sync_wait_ready, cli_slot(&r));
    defined = marina_host_define_domain_finish(host, cli_wait(&r), &warnings, error);
    if (defined == NULL)
        return FALSE;
    cli_print_warnings((const char *const *)warnings);
    return TRUE;
}

static int
cmd_edit(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaDomain) domain = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL, *unchanged = NULL, *edited = NULL;
    EditTarget target;
    CliEdit edit = {0};
    const char *name;
    int status;

    domain = cli_parse_domain(ctx, NULL, argc, argv, 1, 1, &args, &status);
    if (domain == NULL)
        return status;
    if ((xml = inactive_xml(domain, &error)) == NULL)
        return cli_report_error(error);
    name = cli_domain_name(domain, args[0]);
    unchanged = g_strdup_printf(_("Domain '%s' XML configuration not changed."), name);
    edited = g_strdup_printf(_("Domain '%s' XML configuration edited."), name);
    target = (EditTarget){.ctx = ctx, .domain = domain};
    edit.original = xml;
    edit.unchanged_message = unchanged;
    edit.edited_message = edited;
    edit.apply = edit_apply;
    edit.reread = edit_reread;
    edit.user_data = &target;
    switch (cli_edit_run(&edit, NULL)) {
    case CLI_EDIT_APPLIED:
    case CLI_EDIT_UNCHANGED:
        return CLI_OK;
    default:
        return CLI_FAILED;
    }
}

/* ---------------------------------------------------------------------------------------------
 * The table
 */

const CliCommand cli_tuning_commands[] = {
    {"setmem", cmd_setmem, "DOMAIN SIZE [--live] [--config] [--current]",
     N_("Change a domain's memory (KiB, or with a unit: 512M, 2G)")},
    {"setmaxmem", cmd_setmaxmem, "DOMAIN SIZE [--config] [--current]",
     N_("Change a domain's maximum memory (in its definition)")},
    {"setvcpus", cmd_setvcpus, "DOMAIN COUNT [--maximum] [--live] [--config] [--current]",
     N_("Change a domain's number of virtual CPUs")},
    {"vcpupin", cmd_vcpupin, "DOMAIN [VCPU] [CPULIST] [--live] [--config] [--current]",
     N_("Pin a virtual CPU to host CPUs, or show the pinning")},
    {"vcpuinfo", cmd_vcpuinfo, "DOMAIN [--pretty]", N_("Print a domain's virtual CPUs")},
    {"domifaddr", cmd_domifaddr, "DOMAIN [--interface NAME] [--full] [--source lease|arp|agent]",
     N_("Print a running domain's network addresses")},
    {"edit", cmd_edit, "DOMAIN", N_("Edit a domain's XML definition in $EDITOR")},
    {NULL},
};
