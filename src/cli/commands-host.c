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

static GVariant *
node_info_or_report(MarinaConnection *connection, int *status)
{
    g_autoptr(GError) error = NULL;
    GVariant *info = NULL;

    if (!marina_dbus_host_call_get_node_info_sync(marina_connection_get_host(connection), &info,
                                                  NULL, &error))
        *status = cli_report_error(error);
    return info;
}

/* A Host property as a string (Version, Hostname, ...). */
static char *
host_string_or_report(MarinaConnection *connection, const char *property, int *status)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) value = NULL;

    value = marina_connection_get_host_property_sync(connection, property, NULL, &error);
    if (value == NULL) {
        *status = cli_report_error(error);
        return NULL;
    }
    if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
        return g_strdup("");
    return g_variant_dup_string(value, NULL);
}

static void
print_node_field(const char *label, const char *value)
{
    printf("%-20s %s\n", label, value);
}

static void
print_node_number(GVariant *info, const char *key, const char *label, const char *unit)
{
    guint32 value = 0;
    g_autofree char *text = NULL;

    if (!g_variant_lookup(info, key, "u", &value))
        return;
    text = unit != NULL ? g_strdup_printf("%u %s", value, unit) : g_strdup_printf("%u", value);
    print_node_field(label, text);
}

/* virsh's nodeinfo layout, plus the accelerator (KVM or TCG) Marina uses. */
static void
print_nodeinfo(GVariant *info)
{
    const char *model = NULL;
    const char *accel = NULL;
    guint64 memory = 0;

    if (g_variant_lookup(info, "arch", "&s", &model) ||
        g_variant_lookup(info, "cpu-model", "&s", &model))
        print_node_field(_("CPU model:"), model);
    print_node_number(info, "cpus", _("CPU(s):"), NULL);
    print_node_number(info, "mhz", _("CPU frequency:"), "MHz");
    print_node_number(info, "sockets", _("CPU socket(s):"), NULL);
    print_node_number(info, "cores", _("Core(s) per socket:"), NULL);
    print_node_number(info, "threads", _("Thread(s) per core:"), NULL);
    if (g_variant_lookup(info, "memory-kib", "t", &memory)) {
        g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT " KiB", memory);
        print_node_field(_("Memory size:"), text);
    }
    if (g_variant_lookup(info, "accelerator", "&s", &accel))
        print_node_field(_("Accelerator:"), accel);
    printf("\n");
    fflush(stdout);
}

static int
cmd_nodeinfo(CliContext *ctx, int argc, char **argv)
{
    g_autoptr(GVariant) info = NULL;
    MarinaConnection *connection;
    int status;

    if ((connection = parse_and_connect(ctx, argc, argv, &status)) == NULL)
        return status;
    if ((info = node_info_or_report(connection, &status)) == NULL)
        return status;
    print_nodeinfo(info);
    return CLI_OK;
}

static int
cmd_version(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GVariant) info = NULL;
    g_autofree char *daemon_version = NULL;
    const char *emulator_version = NULL;
    MarinaConnection *connection;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 0, 0, &args, &status))
        return status;
    printf(_("Client: marinactl %s\n"), PACKAGE_VERSION);
    fflush(stdout);
    if ((connection = connect_or_report(ctx, &status)) == NULL)
        return status;
    if ((daemon_version = host_string_or_report(connection, "Version", &status)) == NULL)
        return status;
    printf(_("Daemon: marinad %s\n"), daemon_version);
    if ((info = node_info_or_report(connection, &status)) == NULL)
        return status;
    if (g_variant_lookup(info, "emulator-version", "&s", &emulator_version))
        printf(_("Running hypervisor: QEMU %s\n"), emulator_version);
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
    g_autofree char *hostname = NULL;
    MarinaConnection *connection;
    int status;

    if ((connection = parse_and_connect(ctx, argc, argv, &status)) == NULL)
        return status;
    if ((hostname = host_string_or_report(connection, "Hostname", &status)) == NULL)
        return status;
    cli_print("%s", hostname);
    return CLI_OK;
}

const CliCommand cli_host_commands[] = {
    {"nodeinfo", cmd_nodeinfo, "", N_("Print information about the host")},
    {"version", cmd_version, "", N_("Print the client, daemon and QEMU versions")},
    {"uri", cmd_uri, "", N_("Print the connection URI")},
    {"hostname", cmd_hostname, "", N_("Print the host's name")},
    {NULL},
};
