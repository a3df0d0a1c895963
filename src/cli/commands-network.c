/* marinactl virtual network commands (net-*), host devices (nodedev-list) and
 * host interfaces (iface-list), with virsh's output layouts. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "editor.h"
#include "error.h"
#include "network-text.h"

static MarinaHost *
host_or_report(CliContext *ctx, int *status)
{
    g_autoptr(GError) error = NULL;
    MarinaHost *host = cli_host(ctx, &error);

    if (host == NULL)
        *status = cli_report_error(error);
    return host;
}

/* A network by name or UUID; NULL with the error reported and *status set. */
static MarinaNetwork *
lookup_network(CliContext *ctx, const char *name, int *status)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    MarinaHost *host = host_or_report(ctx, status);
    MarinaNetwork *network;

    if (host == NULL)
        return NULL;
    marina_host_lookup_network_async(host, name, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((network = marina_host_lookup_network_finish(host, cli_wait(&r), &error)) == NULL)
        *status = cli_report_error(error);
    return network;
}

/* cli_parse() and the network named by the first argument. */
static MarinaNetwork *
parse_network(CliContext *ctx, const GOptionEntry *entries, int argc, char **argv, int min_args,
              int max_args, GStrv *args, int *status)
{
    if (!cli_parse(ctx, entries, argc, argv, min_args, max_args, args, status))
        return NULL;
    return lookup_network(ctx, (*args)[0], status);
}

static MarinaNetworkInfo *
get_info(MarinaNetwork *network, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;

    marina_network_get_info_async(network, NULL, marina_sync_wait_ready, cli_slot(&r));
    return marina_network_get_info_finish(network, cli_wait(&r), error);
}

static void
print_text(const char *text)
{
    fputs(text, stdout);
    fflush(stdout);
}

/* ---------------------------------------------------------------------------------------------
 * Listing and defining
 */

static int
cmd_net_list(CliContext *ctx, int argc, char **argv)
{
    gboolean all = FALSE, inactive = FALSE;
    const GOptionEntry entries[] = {
        {"all", 0, 0, G_OPTION_ARG_NONE, &all, N_("List inactive and active networks"), NULL},
        {"inactive", 0, 0, G_OPTION_ARG_NONE, &inactive, N_("List inactive networks only"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GPtrArray) networks = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 0, 0, &args, &status))
        return status;
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    marina_host_list_networks_async(host, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((networks = marina_host_list_networks_finish(host, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    text = cli_net_list_format(networks, all, inactive);
    print_text(text);
    return CLI_OK;
}

typedef void (*MakeAsync)(MarinaHost *, const char *, GCancellable *, GAsyncReadyCallback,
                          gpointer);
typedef MarinaNetwork *(*MakeFinish)(MarinaHost *, GAsyncResult *, char ***, GError **);

/* net-define and net-create: the file's XML to the daemon, its warnings printed. */
static int
make_network(CliContext *ctx, int argc, char **argv, MakeAsync make_async, MakeFinish make_finish,
             const char *done)
{
    g_auto(GStrv) args = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    g_autoptr(MarinaNetworkInfo) info = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, NULL, argc, argv, 1, 1, &args, &status))
        return status;
    if ((xml = cli_read_text_file(args[0], &error)) == NULL)
        return cli_report_error(error);
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    make_async(host, xml, NULL, marina_sync_wait_ready, cli_slot(&r));
    network = make_finish(host, cli_wait(&r), &warnings, &error);
    if (network == NULL)
        return cli_report_error(error);
    cli_print_warnings((const char *const *)warnings);
    /* The name as the daemon has it. */
    info = get_info(network, NULL);
    cli_print(done, info != NULL ? info->name : marina_network_get_object_path(network), args[0]);
    return CLI_OK;
}

static int
cmd_net_define(CliContext *ctx, int argc, char **argv)
{
    return make_network(ctx, argc, argv, marina_host_define_network_async,
                        marina_host_define_network_finish, _("Network %s defined from %s"));
}

static int
cmd_net_create(CliContext *ctx, int argc, char **argv)
{
    return make_network(ctx, argc, argv, marina_host_create_network_async,
                        marina_host_create_network_finish, _("Network %s created from %s"));
}

/* ---------------------------------------------------------------------------------------------
 * Actions on one network
 */

typedef void (*NetworkAsync)(MarinaNetwork *, GCancellable *, GAsyncReadyCallback, gpointer);
typedef gboolean (*NetworkFinish)(MarinaNetwork *, GAsyncResult *, GError **);

static int
network_action(CliContext *ctx, int argc, char **argv, NetworkAsync action_async,
               NetworkFinish action_finish, const char *done)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    int status;

    if ((network = parse_network(ctx, NULL, argc, argv, 1, 1, &args, &status)) == NULL)
        return status;
    action_async(network, NULL, marina_sync_wait_ready, cli_slot(&r));
    if (!action_finish(network, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(done, args[0]);
    return CLI_OK;
}

static int
cmd_net_start(CliContext *ctx, int argc, char **argv)
{
    return network_action(ctx, argc, argv, marina_network_start_async, marina_network_start_finish,
                          _("Network %s started"));
}

static int
cmd_net_destroy(CliContext *ctx, int argc, char **argv)
{
    return network_action(ctx, argc, argv, marina_network_stop_async, marina_network_stop_finish,
                          _("Network %s destroyed"));
}

static int
cmd_net_undefine(CliContext *ctx, int argc, char **argv)
{
    return network_action(ctx, argc, argv, marina_network_undefine_async,
                          marina_network_undefine_finish, _("Network %s has been undefined"));
}

static int
cmd_net_autostart(CliContext *ctx, int argc, char **argv)
{
    gboolean disable = FALSE;
    const GOptionEntry entries[] = {
        {"disable", 0, 0, G_OPTION_ARG_NONE, &disable, N_("Do not start the network with the host"),
         NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    int status;

    if ((network = parse_network(ctx, entries, argc, argv, 1, 1, &args, &status)) == NULL)
        return status;
    marina_network_set_autostart_async(network, !disable, NULL, marina_sync_wait_ready,
                                       cli_slot(&r));
    if (!marina_network_set_autostart_finish(network, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(disable ? _("Network %s unmarked as autostarted")
                      : _("Network %s marked as autostarted"),
              args[0]);
    return CLI_OK;
}

static int
cmd_net_info(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    g_autoptr(MarinaNetworkInfo) info = NULL;
    g_autofree char *text = NULL;
    int status;

    if ((network = parse_network(ctx, NULL, argc, argv, 1, 1, &args, &status)) == NULL)
        return status;
    if ((info = get_info(network, &error)) == NULL)
        return cli_report_error(error);
    text = cli_net_info_format(info);
    print_text(text);
    return CLI_OK;
}

/* net-uuid NAME and net-name UUID: both look the network up by either. */
static int
print_identity(CliContext *ctx, int argc, char **argv, gboolean uuid)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    g_autoptr(MarinaNetworkInfo) info = NULL;
    int status;

    if ((network = parse_network(ctx, NULL, argc, argv, 1, 1, &args, &status)) == NULL)
        return status;
    if ((info = get_info(network, &error)) == NULL)
        return cli_report_error(error);
    cli_print("%s\n", uuid ? info->uuid : info->name);
    return CLI_OK;
}

static int
cmd_net_uuid(CliContext *ctx, int argc, char **argv)
{
    return print_identity(ctx, argc, argv, TRUE);
}

static int
cmd_net_name(CliContext *ctx, int argc, char **argv)
{
    return print_identity(ctx, argc, argv, FALSE);
}

static char *
get_xml(MarinaNetwork *network, guint flags, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;

    marina_network_get_xml_async(network, flags, NULL, marina_sync_wait_ready, cli_slot(&r));
    return marina_network_get_xml_finish(network, cli_wait(&r), error);
}

static int
cmd_net_dumpxml(CliContext *ctx, int argc, char **argv)
{
    gboolean inactive = FALSE;
    const GOptionEntry entries[] = {
        {"inactive", 0, 0, G_OPTION_ARG_NONE, &inactive,
         N_("The persistent definition, even while the network runs"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    g_autofree char *xml = NULL;
    int status;

    if ((network = parse_network(ctx, entries, argc, argv, 1, 1, &args, &status)) == NULL)
        return status;
    xml = get_xml(network, inactive ? MARINA_NETWORK_XML_INACTIVE : 0, &error);
    if (xml == NULL)
        return cli_report_error(error);
    print_text(xml);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * net-edit
 */

typedef struct {
    CliContext *ctx;
    MarinaNetwork *network;
} EditTarget;

/* Defines the edited XML; the daemon validates it and says what is wrong. */
static gboolean
apply_edit(const char *text, gpointer user_data, GError **error)
{
    EditTarget *t = user_data;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaNetwork) defined = NULL;
    g_auto(GStrv) warnings = NULL;
    MarinaHost *host = cli_host(t->ctx, error);

    if (host == NULL)
        return FALSE;
    marina_host_define_network_async(host, text, NULL, marina_sync_wait_ready, cli_slot(&r));
    defined = marina_host_define_network_finish(host, cli_wait(&r), &warnings, error);
    if (defined == NULL)
        return FALSE;
    cli_print_warnings((const char *const *)warnings);
    return TRUE;
}

static char *
reread_edit(gpointer user_data, GError **error)
{
    EditTarget *t = user_data;

    return get_xml(t->network, MARINA_NETWORK_XML_INACTIVE, error);
}

static int
cmd_net_edit(CliContext *ctx, int argc, char **argv)
{
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *unchanged = NULL;
    g_autofree char *edited = NULL;
    EditTarget target = {ctx, NULL};
    CliEdit edit = {0};
    int status;

    if ((network = parse_network(ctx, NULL, argc, argv, 1, 1, &args, &status)) == NULL)
        return status;
    /* As virsh: the persistent definition is what is edited. */
    if ((xml = get_xml(network, MARINA_NETWORK_XML_INACTIVE, &error)) == NULL)
        return cli_report_error(error);
    target.network = network;
    unchanged = g_strdup_printf(_("Network %s XML configuration not changed."), args[0]);
    edited = g_strdup_printf(_("Network %s XML configuration edited."), args[0]);
    edit.original = xml;
    edit.unchanged_message = unchanged;
    edit.edited_message = edited;
    edit.apply = apply_edit;
    edit.reread = reread_edit;
    edit.user_data = &target;
    switch (cli_edit_run(&edit, NULL)) {
    case CLI_EDIT_APPLIED:
    case CLI_EDIT_UNCHANGED:
        return CLI_OK;
    case CLI_EDIT_DISCARDED:
    case CLI_EDIT_FAILED:
    default:
        return CLI_FAILED;
    }
}

/* ---------------------------------------------------------------------------------------------
 * DHCP leases and net-update
 */

static int
cmd_net_dhcp_leases(CliContext *ctx, int argc, char **argv)
{
    g_autofree char *mac = NULL;
    const GOptionEntry entries[] = {
        {"mac", 0, 0, G_OPTION_ARG_STRING, &mac, N_("Only the leases of this MAC address"),
         N_("MAC")},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    g_autoptr(GPtrArray) leases = NULL;
    g_autoptr(GTimeZone) tz = g_time_zone_new_local();
    g_autofree char *text = NULL;
    int status;

    if ((network = parse_network(ctx, entries, argc, argv, 1, 1, &args, &status)) == NULL)
        return status;
    marina_network_get_dhcp_leases_async(network, mac, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((leases = marina_network_get_dhcp_leases_finish(network, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    text = cli_net_leases_format(leases, tz);
    print_text(text);
    return CLI_OK;
}

static const char *
update_done_message(guint flags)
{
    if ((flags & MARINA_NETWORK_UPDATE_LIVE) && (flags & MARINA_NETWORK_UPDATE_CONFIG))
        return _("Updated network %s live state and persistent config");
    if (flags & MARINA_NETWORK_UPDATE_LIVE)
        return _("Updated network %s live state");
    if (flags & MARINA_NETWORK_UPDATE_CONFIG)
        return _("Updated network %s persistent config");
    return _("Updated network %s");
}

static int
cmd_net_update(CliContext *ctx, int argc, char **argv)
{
    int parent_index = -1;
    gboolean live = FALSE, config = FALSE, current = FALSE;
    const GOptionEntry entries[] = {
        {"parent-index", 0, 0, G_OPTION_ARG_INT, &parent_index,
         N_("Which <ip> of the network, counted from 0 (default: the first that fits)"), "N"},
        {"live", 0, 0, G_OPTION_ARG_NONE, &live, N_("Change the running network"), NULL},
        {"config", 0, 0, G_OPTION_ARG_NONE, &config, N_("Change the persistent definition"), NULL},
        {"current", 0, 0, G_OPTION_ARG_NONE, &current,
         N_("Change the running network if it runs, else the definition"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(MarinaNetwork) network = NULL;
    g_autofree char *xml = NULL;
    guint flags = 0;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 4, 4, &args, &status))
        return status;
    if (parent_index < -1)
        return cli_usage_error(ctx, _("--parent-index %d is not valid; give 0 or more."),
                               parent_index);
    if (!cli_net_update_args(args[1], args[2], args[3], live, config, current, &flags, &xml,
                             &error))
        return cli_usage_error(ctx, "%s", error->message);
    if ((network = lookup_network(ctx, args[0], &status)) == NULL)
        return status;
    marina_network_update_async(network, args[1], args[2], parent_index, xml, flags, NULL,
                                marina_sync_wait_ready, cli_slot(&r));
    if (!marina_network_update_finish(network, cli_wait(&r), &error))
        return cli_report_error(error);
    cli_print(update_done_message(flags), args[0]);
    return CLI_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Host devices and interfaces
 */

static GPtrArray *
list_devices(MarinaHost *host, const char *type, GError **error)
{
    g_autoptr(GAsyncResult) r = NULL;

    marina_host_list_host_devices_async(host, type, NULL, marina_sync_wait_ready, cli_slot(&r));
    return marina_host_list_host_devices_finish(host, cli_wait(&r), error);
}

static int
cmd_nodedev_list(CliContext *ctx, int argc, char **argv)
{
    g_autofree char *cap = NULL;
    const GOptionEntry entries[] = {
        {"cap", 0, 0, G_OPTION_ARG_STRING, &cap, N_("Only devices of this kind: usb_device or pci"),
         N_("CAP")},
        G_OPTION_ENTRY_NULL,
    };
    static const char *const all_types[] = {"usb", "pci", NULL};
    const char *one_type[] = {NULL, NULL};
    const char *const *types = all_types;
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) devices =
        g_ptr_array_new_with_free_func((GDestroyNotify)marina_host_device_free);
    g_autofree char *text = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 0, 0, &args, &status))
        return status;
    if (cap != NULL) {
        if ((one_type[0] = cli_nodedev_cap_type(cap, &error)) == NULL)
            return cli_usage_error(ctx, "%s", error->message);
        types = one_type;
    }
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    for (guint i = 0; types[i] != NULL; i++) {
        g_autoptr(GPtrArray) some = list_devices(host, types[i], &error);

        if (some == NULL)
            return cli_report_error(error);
        g_ptr_array_extend_and_steal(devices, g_steal_pointer(&some));
    }
    text = cli_nodedev_list_format(devices);
    print_text(text);
    return CLI_OK;
}

static int
cmd_iface_list(CliContext *ctx, int argc, char **argv)
{
    gboolean all = FALSE, inactive = FALSE;
    const GOptionEntry entries[] = {
        {"all", 0, 0, G_OPTION_ARG_NONE, &all, N_("List interfaces that are down too"), NULL},
        {"inactive", 0, 0, G_OPTION_ARG_NONE, &inactive, N_("List interfaces that are down only"),
         NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GPtrArray) interfaces = NULL;
    g_autofree char *text = NULL;
    MarinaHost *host;
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 0, 0, &args, &status))
        return status;
    if ((host = host_or_report(ctx, &status)) == NULL)
        return status;
    marina_host_list_host_interfaces_async(host, NULL, marina_sync_wait_ready, cli_slot(&r));
    if ((interfaces = marina_host_list_host_interfaces_finish(host, cli_wait(&r), &error)) == NULL)
        return cli_report_error(error);
    text = cli_iface_list_format(interfaces, all, inactive);
    print_text(text);
    return CLI_OK;
}

const CliCommand cli_network_commands[] = {
    {"net-list", cmd_net_list, "[--all] [--inactive]", N_("List virtual networks")},
    {"net-define", cmd_net_define, "FILE", N_("Define a virtual network from an XML file")},
    {"net-create", cmd_net_create, "FILE",
     N_("Create and start a transient network from an XML file")},
    {"net-start", cmd_net_start, "NETWORK", N_("Start a defined network")},
    {"net-destroy", cmd_net_destroy, "NETWORK", N_("Stop a network (a transient one is gone)")},
    {"net-undefine", cmd_net_undefine, "NETWORK", N_("Remove a network's definition")},
    {"net-autostart", cmd_net_autostart, "NETWORK [--disable]",
     N_("Start a network with the host, or not")},
    {"net-info", cmd_net_info, "NETWORK", N_("Show a network's state and addresses")},
    {"net-uuid", cmd_net_uuid, "NETWORK", N_("Print a network's UUID")},
    {"net-name", cmd_net_name, "UUID", N_("Print a network's name")},
    {"net-dumpxml", cmd_net_dumpxml, "NETWORK [--inactive]", N_("Print a network's XML")},
    {"net-edit", cmd_net_edit, "NETWORK", N_("Edit a network's XML in $EDITOR")},
    {"net-dhcp-leases", cmd_net_dhcp_leases, "NETWORK [--mac MAC]",
     N_("List the DHCP leases a network handed out")},
    {"net-update", cmd_net_update,
     "NETWORK COMMAND SECTION XML|FILE [--parent-index N] [--live] [--config] [--current]",
     N_("Add, delete or modify a DHCP host or range, DNS host or port forward")},
    {"nodedev-list", cmd_nodedev_list, "[--cap usb_device|pci]",
     N_("List the host's USB and PCI devices")},
    {"iface-list", cmd_iface_list, "[--all] [--inactive]",
     N_("List the host's network interfaces")},
    {NULL},
};
