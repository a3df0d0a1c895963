/* marinactl host commands: nodeinfo, version, uri, hostname. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "commands.h"

static MarinaConnection *
connect_or_report(CliContext *ctx, int *status)
{
    g_autoptr(GError) error = NULL;
    MarinaConnection *connection = cli_connect(ctx, &error);

    if (connection == NULL)
        *status = cli_report_error(error);
    return connection;
}

/* Host commands take no arguments; connect once that is checked. */
static MarinaConnection *
parse_and_connect(CliContext *ctx, int argc, char **argv, int *status)
{
    g_auto(GStrv) args = NULL;

    if (!cli_parse(ctx, NULL, argc, argv, 0, 0, &args, status))
        return NULL;
    return connect_or_report(ctx, status);
}

static MarinaNodeInfo *
node_info_or_report(CliContext *ctx, int *status)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    MarinaHost *host = cli_host(ctx, &error);
    MarinaNodeInfo *info = NULL;

    if (host != NULL) {
        marina_host_get_node_info_async(host, NULL, marina_sync_wait_ready, cli_slot(&r));
        info = marina_host_get_node_info_finish(host, cli_wait(&r), &error);
    }
    if (info == NULL)
        *status = cli_report_error(error);
    return info;
}

/* The Host's properties (version, hostname, ...). */
static MarinaHostProperties *
host_properties_or_report(CliContext *ctx, int *status)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    MarinaHost *host = cli_host(ctx, &error);
    MarinaHostProperties *properties = NULL;

    if (host != NULL) {
        marina_host_get_properties_async(host, NULL, marina_sync_wait_ready, cli_slot(&r));
        properties = marina_host_get_properties_finish(host, cli_wait(&r), &error);
    }
    if (properties == NULL)
        *status = cli_report_error(error);
    return properties;
}

static void
print_node_field(const char *label, const char *value)
{
    printf("%-20s %s\n", label, value);
}

static void
print_node_number(const MarinaNodeInfo *info, const char *key, guint value, const char *label,
                  const char *unit)
{
    g_autofree char *text = NULL;

    if (!marina_node_info_has(info, key))
        return;
    text = unit != NULL ? g_strdup_printf("%u %s", value, unit) : g_strdup_printf("%u", value);
    print_node_field(label, text);
}

/* virsh's nodeinfo layout, plus the accelerator (KVM or TCG) Marina uses. */
static void
print_nodeinfo(const MarinaNodeInfo *info)
{
    if (marina_node_info_has(info, "arch"))
        print_node_field(_("CPU model:"), info->arch);
    else if (marina_node_info_has(info, "cpu-model"))
        print_node_field(_("CPU model:"), info->cpu_model);
    print_node_number(info, "cpus", info->cpus, _("CPU(s):"), NULL);
    print_node_number(info, "mhz", info->mhz, _("CPU frequency:"), "MHz");
    print_node_number(info, "sockets", info->sockets, _("CPU socket(s):"), NULL);
    print_node_number(info, "cores", info->cores, _("Core(s) per socket:"), NULL);
    print_node_number(info, "threads", info->threads, _("Thread(s) per core:"), NULL);
    if (marina_node_info_has(info, "memory-kib")) {
        g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT " KiB", info->memory_kib);
        print_node_field(_("Memory size:"), text);
    }
    if (marina_node_info_has(info, "accelerator"))
        print_node_field(_("Accelerator:"), info->accelerator);
    printf("\n");
    fflush(stdout);
}

static int
cmd_nodeinfo(CliContext *ctx, int argc, char **argv)
{
    g_autoptr(MarinaNodeInfo) info = NULL;
    int status;

    if (parse_and_connect(ctx, argc, argv, &status) == NULL)
        return status;
    if ((info = node_info_or_report(ctx, &status)) == NULL)
        return status;
    print_nodeinfo(info);
    return CLI_OK;
}

static int
cmd_version(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(MarinaNodeInfo) info = NULL;
    g_autoptr(MarinaHostProperties) properties = NULL;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 0, 0, &args, &status))
        return status;
    printf(_("Client: marinactl %s\n"), PACKAGE_VERSION);
    fflush(stdout);
    if (connect_or_report(ctx, &status) == NULL)
        return status;
    if ((properties = host_properties_or_report(ctx, &status)) == NULL)
        return status;
    printf(_("Daemon: marinad %s\n"), properties->version);
    if ((info = node_info_or_report(ctx, &status)) == NULL)
        return status;
    if (marina_node_info_has(info, "emulator-version"))
        printf(_("Running hypervisor: QEMU %s\n"), info->emulator_version);
    fflush(stdout);
    return CLI_OK;
}

static int
cmd_uri(CliContext *ctx, int argc, char **argv)
{
    MarinaConnection *connection;
    int status;

    /* Connect, as virsh does: the URI printed is one that works. */
    if ((connection = parse_and_connect(ctx, argc, argv, &status)) == NULL)
        return status;
    cli_print("%s", marina_connection_get_uri_string(connection));
    return CLI_OK;
}

static int
cmd_hostname(CliContext *ctx, int argc, char **argv)
{
    g_autoptr(MarinaHostProperties) properties = NULL;
    int status;

    if (parse_and_connect(ctx, argc, argv, &status) == NULL)
        return status;
    if ((properties = host_properties_or_report(ctx, &status)) == NULL)
        return status;
    cli_print("%s", properties->hostname);
    return CLI_OK;
}

const CliCommand cli_host_commands[] = {
    {"nodeinfo", cmd_nodeinfo, "", N_("Print information about the host")},
    {"version", cmd_version, "", N_("Print the client, daemon and QEMU versions")},
    {"uri", cmd_uri, "", N_("Print the connection URI")},
    {"hostname", cmd_hostname, "", N_("Print the host's name")},
    {NULL},
};
