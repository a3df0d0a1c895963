/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-host-networks"

#include "config.h"

#include "host-networks-page.h"

#include <glib/gi18n.h>

#include "create-network-assistant.h"
#include "error.h"
#include "form-util.h"
#include "host.h"
#include "network.h"
#include "tree-util.h"
#include "ui-util.h"

enum { N_PATH, N_NAME, N_ACTIVE, N_AUTOSTART, N_STATE_TEXT, N_AUTOSTART_TEXT, N_N_COLUMNS };

enum { L_MAC, L_ADDRESS, L_HOSTNAME, L_EXPIRY, L_N_COLUMNS };

struct _MarinaHostNetworksPage {
    GtkPaned parent_instance;

    MarinaConnection *connection;
    MarinaHost *host;
    GCancellable *cancellable; /* the page's lifetime */
    gboolean disposed;
    char *label;

    GtkListStore *networks;
    GtkListStore *leases;
    char *network_name; /* the selected network, or NULL */
    char *network_path;
    guint list_generation;
    guint info_generation;
    char *pending_network; /* select once listed (just created) */
    gboolean transient;    /* the network shown has no persistent definition */

    /* template children */
    GtkTreeView *network_view;
    GtkWidget *add_network_button;
    GtkWidget *start_network_button;
    GtkWidget *stop_network_button;
    GtkWidget *delete_network_button;
    GtkStack *network_stack;
    GtkLabel *name_value;
    GtkLabel *state_value;
    GtkToggleButton *autostart_check;
    GtkLabel *bridge_value;
    GtkLabel *forward_value;
    GtkLabel *ipv4_value;
    GtkLabel *dhcp_value;
    GtkLabel *ipv6_value;
    GtkLabel *dhcp6_value;
    GtkLabel *mtu_value;
    GtkLabel *how_value;
    GtkLabel *guests_value;
    GtkTreeView *lease_view;
    GtkLabel *leases_message;
};

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaHostNetworksPage, marina_host_networks_page, GTK_TYPE_PANED)

static void reload_networks(MarinaHostNetworksPage *self);
static void reload_network_info(MarinaHostNetworksPage *self);
static void update_buttons(MarinaHostNetworksPage *self);

static void
show_error(MarinaHostNetworksPage *self, const char *prefix, const GError *error)
{
    g_autofree char *text = marina_ui_error_text(prefix, error);

    g_signal_emit(self, signals[SIGNAL_ERROR], 0, text);
}

static gboolean
connected(MarinaHostNetworksPage *self)
{
    return !self->disposed && self->connection != NULL &&
           !marina_connection_is_closed(self->connection);
}

/* ---------------------------------------------------------------- calls */

typedef gboolean (*NetworkFinish)(MarinaNetwork *network, GAsyncResult *result, GError **error);

/* One call of this page to the daemon: the page stays alive until it answers. */
typedef struct {
    MarinaHostNetworksPage *self;
    char *name;             /* of the network */
    MarinaNetwork *network; /* the network acted on, or NULL */
    guint generation;
    const char *what;     /* N_() message of a failure, with the name's %s */
    NetworkFinish finish; /* of the network action */
} Call;

static Call *
call_new(MarinaHostNetworksPage *self, const char *name, const char *path)
{
    Call *c = g_new0(Call, 1);

    c->self = g_object_ref(self);
    c->name = g_strdup(name);
    if (path != NULL)
        c->network = marina_network_new(self->connection, path);
    return c;
}

static void
call_free(Call *c)
{
    g_object_unref(c->self);
    g_free(c->name);
    g_clear_object(&c->network);
    g_free(c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Call, call_free)

/* Whether the reply of @c no longer matters: it was cancelled, or the page is gone. */
static gboolean
call_dropped(Call *c, const GError *error)
{
    return c->self->disposed || marina_ui_is_cancelled(error);
}

static void
show_call_error(Call *c, const GError *error)
{
    g_autofree char *prefix = g_strdup_printf(_(c->what), c->name);

    show_error(c->self, prefix, error);
}

/* ------------------------------------------------------------- networks */

static gboolean
selected_iter(MarinaHostNetworksPage *self, GtkTreeIter *iter)
{
    return gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->network_view), NULL,
                                           iter);
}

static gboolean
selected_active(MarinaHostNetworksPage *self)
{
    GtkTreeIter iter;
    gboolean active = FALSE;

    if (selected_iter(self, &iter))
        gtk_tree_model_get(GTK_TREE_MODEL(self->networks), &iter, N_ACTIVE, &active, -1);
    return active;
}

static const char *
network_name_of(gconstpointer item)
{
    return ((const MarinaNetworkRecord *)item)->name;
}

static void
set_network_row(GtkListStore *store, GtkTreeIter *iter, gconstpointer item)
{
    const MarinaNetworkRecord *net = item;

    gtk_list_store_set(store, iter, N_PATH, net->object_path, N_NAME, net->name, N_ACTIVE,
                       net->active, N_AUTOSTART, net->autostart, N_STATE_TEXT,
                       net->active ? _("Active") : _("Inactive"), N_AUTOSTART_TEXT,
                       net->autostart ? _("On boot") : _("Never"), -1);
}

static void
on_networks_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostNetworksPage *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list =
        marina_host_list_networks_finish(MARINA_HOST(source), result, &error);
    g_autofree char *shown = NULL;
    GtkTreeSelection *selection;
    GtkTreeIter iter;

    if (list == NULL || self->disposed) {
        if (!call_dropped(c, error))
            show_error(self, _("Could not list the virtual networks:"), error);
        return;
    }
    if (c->generation != self->list_generation)
        return; /* a newer listing is on its way */
    shown = g_strdup(self->network_name);
    marina_tree_merge_rows(self->networks, N_NAME, list, network_name_of, set_network_row);
    marina_tree_select_pending(self->network_view, self->networks, N_NAME, &self->pending_network);
    /* The first network is shown at once, as virt-manager does. */
    selection = gtk_tree_view_get_selection(self->network_view);
    if (!gtk_tree_selection_get_selected(selection, NULL, NULL) &&
        gtk_tree_model_get_iter_first(GTK_TREE_MODEL(self->networks), &iter))
        gtk_tree_selection_select_iter(selection, &iter);
    /* A network newly selected was loaded by the selection handler; the one
     * still shown is brought up to date. */
    if (self->network_name != NULL && g_strcmp0(self->network_name, shown) == 0)
        reload_network_info(self);
    update_buttons(self);
}

static void
reload_networks(MarinaHostNetworksPage *self)
{
    Call *c;

    if (!connected(self))
        return;
    c = call_new(self, NULL, NULL);
    c->generation = ++self->list_generation;
    marina_host_list_networks_async(self->host, self->cancellable, on_networks_listed, c);
}

/* -------------------------------------------------------------- details */

static char *
forward_text(const char *forward, const char *dev)
{
    gboolean any = dev == NULL || *dev == '\0';

    if (g_strcmp0(forward, "nat") == 0)
        return any ? g_strdup(_("NAT to any physical device"))
                   /* Translators: %s is a host network interface, e.g. eth0 */
                   : g_strdup_printf(_("NAT to %s"), dev);
    if (g_strcmp0(forward, "route") == 0)
        return any ? g_strdup(_("Routed to any physical device"))
                   : g_strdup_printf(_("Routed to %s"), dev);
    if (g_strcmp0(forward, "open") == 0)
        return g_strdup(_("Open (no firewall rules)"));
    if (g_strcmp0(forward, "bridge") == 0)
        return g_strdup(_("Host bridge"));
    return g_strdup(_("Isolated (no forwarding)"));
}

static char *
range_text(const char *start, const char *end)
{
    if (start == NULL || *start == '\0')
        return g_strdup(_("Off"));
    /* Translators: a DHCP range, e.g. "192.168.122.2 – 192.168.122.254" */
    return g_strdup_printf(_("%s – %s"), start, end);
}

static const char *
or_none(const char *text)
{
    return text != NULL && *text != '\0' ? text : _("None");
}

static void on_autostart_toggled(GtkToggleButton *button, MarinaHostNetworksPage *self);

static void
show_info(MarinaHostNetworksPage *self, const MarinaNetworkInfo *info)
{
    g_autofree char *forward = forward_text(info->forward, info->forward_dev);
    g_autofree char *dhcp = range_text(info->dhcp_start, info->dhcp_end);
    g_autofree char *dhcp6 = range_text(info->ipv6_dhcp_start, info->ipv6_dhcp_end);
    g_autofree char *mtu =
        info->mtu != 0 ? g_strdup_printf("%u", info->mtu) : g_strdup(_("Default"));
    g_autofree char *guests =
        info->guests[0] != NULL ? g_strjoinv(", ", info->guests) : g_strdup(_("None"));

    gtk_label_set_text(self->name_value, info->name);
    gtk_label_set_text(self->state_value, !info->active ? _("Inactive")
                                          : info->persistent
                                              ? _("Active")
                                              : _("Active (transient: it is gone once stopped)"));
    /* A transient network has no definition to start on boot. */
    self->transient = !info->persistent;
    update_buttons(self);
    g_signal_handlers_block_by_func(self->autostart_check, on_autostart_toggled, self);
    gtk_toggle_button_set_active(self->autostart_check, info->autostart);
    g_signal_handlers_unblock_by_func(self->autostart_check, on_autostart_toggled, self);
    gtk_label_set_text(self->bridge_value, *info->bridge != '\0' ? info->bridge
                                           : info->active
                                               ? _("None (this daemon makes no bridge for it)")
                                               : _("Chosen by the daemon when it starts"));
    gtk_label_set_text(self->forward_value, forward);
    gtk_label_set_text(self->ipv4_value, *info->ipv4 != '\0' ? info->ipv4 : _("Off"));
    gtk_label_set_text(self->dhcp_value, dhcp);
    gtk_label_set_text(self->ipv6_value, *info->ipv6 != '\0' ? info->ipv6 : _("Off"));
    gtk_label_set_text(self->dhcp6_value, dhcp6);
    gtk_label_set_text(self->mtu_value, mtu);
    gtk_label_set_text(self->how_value, or_none(info->how_detail));
    gtk_label_set_text(self->guests_value, guests);
    gtk_stack_set_visible_child_name(self->network_stack, "details");
}

static char *
expiry_text(gint64 expiry)
{
    g_autoptr(GDateTime) when = NULL;

    if (expiry == 0)
        return g_strdup(_("Never"));
    when = g_date_time_new_from_unix_local(expiry);
    return when != NULL ? g_date_time_format(when, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
}

static void
on_leases(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostNetworksPage *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) leases =
        marina_network_get_dhcp_leases_finish(MARINA_NETWORK(source), result, &error);

    if (call_dropped(c, error) || c->generation != self->info_generation)
        return;
    gtk_list_store_clear(self->leases);
    if (leases == NULL) {
        g_autofree char *text = marina_ui_error_text(_("Could not read the DHCP leases:"), error);
        marina_form_set_message(self->leases_message, text);
        return;
    }
    for (guint i = 0; i < leases->len; i++) {
        const MarinaDhcpLease *lease = g_ptr_array_index(leases, i);
        g_autofree char *address = g_strdup_printf("%s/%u", lease->address, lease->prefix);
        g_autofree char *expiry = expiry_text(lease->expiry);

        gtk_list_store_insert_with_values(self->leases, NULL, -1, L_MAC, lease->mac, L_ADDRESS,
                                          address, L_HOSTNAME, lease->hostname, L_EXPIRY, expiry,
                                          -1);
    }
    marina_form_set_message(self->leases_message,
                            leases->len == 0 ? _("No guest holds a DHCP lease on this network.")
                                             : NULL);
}

static void
on_network_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;
    MarinaHostNetworksPage *self = c->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetworkInfo) info =
        marina_network_get_info_finish(MARINA_NETWORK(source), result, &error);
    Call *leases;

    if (info == NULL || self->disposed) {
        if (!call_dropped(c, error) && c->generation == self->info_generation)
            g_debug("GetInfo of network %s: %s", c->name, error->message);
        return;
    }
    if (c->generation != self->info_generation || g_strcmp0(c->name, self->network_name) != 0)
        return;
    show_info(self, info);
    if (!info->active) {
        gtk_list_store_clear(self->leases);
        marina_form_set_message(self->leases_message,
                                _("The network is not running: it hands out no addresses."));
        return;
    }
    leases = call_new(self, c->name, NULL);
    leases->generation = c->generation;
    marina_network_get_dhcp_leases_async(c->network, NULL, self->cancellable, on_leases, leases);
}

static void
reload_network_info(MarinaHostNetworksPage *self)
{
    Call *c;

    if (!connected(self) || self->network_path == NULL)
        return;
    c = call_new(self, self->network_name, self->network_path);
    c->generation = ++self->info_generation;
    marina_network_get_info_async(c->network, self->cancellable, on_network_info, c);
}

static void
update_buttons(MarinaHostNetworksPage *self)
{
    gboolean have, active, online;

    if (self->disposed)
        return;
    online = self->connection != NULL && !marina_connection_is_closed(self->connection);
    have = selected_iter(self, NULL);
    active = selected_active(self);
    gtk_widget_set_sensitive(self->add_network_button, online);
    gtk_widget_set_sensitive(self->start_network_button, online && have && !active);
    gtk_widget_set_sensitive(self->stop_network_button, online && have && active);
    /* As virt-manager: a running network is stopped before it can be deleted. */
    gtk_widget_set_sensitive(self->delete_network_button, online && have && !active);
    gtk_widget_set_tooltip_text(self->delete_network_button,
                                active ? _("Stop the network before deleting it")
                                       : _("Delete the network"));
    gtk_widget_set_sensitive(GTK_WIDGET(self->autostart_check), online && have && !self->transient);
}

static void
on_selection_changed(GtkTreeSelection *selection, MarinaHostNetworksPage *self)
{
    GtkTreeIter iter;
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;

    if (self->disposed)
        return;
    if (gtk_tree_selection_get_selected(selection, NULL, &iter))
        gtk_tree_model_get(GTK_TREE_MODEL(self->networks), &iter, N_NAME, &name, N_PATH, &path, -1);
    if (g_strcmp0(name, self->network_name) != 0) {
        g_free(self->network_name);
        g_free(self->network_path);
        self->network_name = g_steal_pointer(&name);
        self->network_path = g_steal_pointer(&path);
        gtk_list_store_clear(self->leases);
        self->transient = FALSE; /* until its details say otherwise */
        if (self->network_name == NULL) {
            self->info_generation++;
            gtk_stack_set_visible_child_name(self->network_stack, "empty");
        } else {
            reload_network_info(self);
        }
    }
    update_buttons(self);
}

/* ---------------------------------------------------------- host signals */

static void
on_network_event(MarinaHost *host, const char *path, const char *name, const char *event,
                 MarinaHostNetworksPage *self)
{
    if (self->disposed)
        return;
    g_debug("network %s: %s", name, event);
    reload_networks(self);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, MarinaHostNetworksPage *self)
{
    update_buttons(self);
}

/* ------------------------------------------------------- network actions */

static gboolean
action_failed(GObject *source, GAsyncResult *result, Call *c)
{
    g_autoptr(GError) error = NULL;

    if (c->finish(MARINA_NETWORK(source), result, &error) || call_dropped(c, error))
        return FALSE;
    show_call_error(c, error);
    return TRUE;
}

static void
on_call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(Call) c = user_data;

    /* Failed: e.g. the autostart check goes back. Succeeded: the list
     * follows (an autostart change sends no network event). */
    if (!c->self->disposed)
        action_failed(source, result, c);
    reload_networks(c->self);
}

static Call *
network_action(MarinaHostNetworksPage *self, const char *what, NetworkFinish finish)
{
    Call *c;

    if (!connected(self) || self->network_path == NULL)
        return NULL;
    c = call_new(self, self->network_name, self->network_path);
    c->what = what;
    c->finish = finish;
    return c;
}

static void
on_start_network(GtkButton *button, MarinaHostNetworksPage *self)
{
    Call *c =
        network_action(self, N_("Could not start network '%s':"), marina_network_start_finish);

    if (c != NULL)
        marina_network_start_async(c->network, self->cancellable, on_call_done, c);
}

static void
on_stop_network(GtkButton *button, MarinaHostNetworksPage *self)
{
    Call *c = network_action(self, N_("Could not stop network '%s':"), marina_network_stop_finish);

    if (c != NULL)
        marina_network_stop_async(c->network, self->cancellable, on_call_done, c);
}

static void
on_autostart_toggled(GtkToggleButton *button, MarinaHostNetworksPage *self)
{
    Call *c = network_action(self, N_("Could not change the autostart of network '%s':"),
                             marina_network_set_autostart_finish);

    if (c != NULL)
        marina_network_set_autostart_async(c->network, gtk_toggle_button_get_active(button),
                                           self->cancellable, on_call_done, c);
}

static void
on_delete_response(GtkDialog *dialog, int response, gpointer user_data)
{
    Call *c = user_data;

    gtk_widget_destroy(GTK_WIDGET(dialog));
    if (response != GTK_RESPONSE_ACCEPT || !connected(c->self)) {
        call_free(c);
        return;
    }
    marina_network_undefine_async(c->network, c->self->cancellable, on_call_done, c);
}

static GtkWindow *
parent_window(MarinaHostNetworksPage *self)
{
    GtkWidget *toplevel = gtk_widget_get_toplevel(GTK_WIDGET(self));

    return GTK_IS_WINDOW(toplevel) ? GTK_WINDOW(toplevel) : NULL;
}

static void
on_delete_network(GtkButton *button, MarinaHostNetworksPage *self)
{
    g_autofree char *title = NULL;
    g_autofree char *detail = NULL;
    GtkWidget *dialog;
    Call *c;

    if (selected_active(self))
        return; /* the button is insensitive then; a stale click does nothing */
    c = network_action(self, N_("Could not delete network '%s':"), marina_network_undefine_finish);
    if (c == NULL)
        return;
    title = g_strdup_printf(_("Delete network '%s'?"), self->network_name);
    detail = g_strdup_printf(_("Its definition is removed from %s. Guests whose interfaces use "
                               "it will not start until they are given another network."),
                             self->label);
    dialog = marina_ui_confirm_dialog(parent_window(self), title, detail, _("_Delete"));
    g_signal_connect(dialog, "response", G_CALLBACK(on_delete_response), c);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
on_network_created(MarinaCreateNetworkAssistant *assistant, const char *name,
                   MarinaHostNetworksPage *self)
{
    g_free(self->pending_network);
    self->pending_network = g_strdup(name);
    reload_networks(self);
}

static void
on_add_network(GtkButton *button, MarinaHostNetworksPage *self)
{
    g_autoptr(GPtrArray) names = NULL;
    MarinaCreateNetworkAssistant *assistant;

    if (!connected(self))
        return;
    names = marina_tree_column_strings(self->networks, N_NAME);
    assistant = marina_create_network_assistant_new(parent_window(self), self->host,
                                                    (const char *const *)names->pdata);
    g_signal_connect_object(assistant, "network-created", G_CALLBACK(on_network_created), self, 0);
    gtk_window_present(GTK_WINDOW(assistant));
}

/* ------------------------------------------------------------ lifecycle */

static void
setup_views(MarinaHostNetworksPage *self)
{
    self->networks = gtk_list_store_new(N_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN,
                                        G_TYPE_BOOLEAN, G_TYPE_STRING, G_TYPE_STRING);
    gtk_tree_view_set_model(self->network_view, GTK_TREE_MODEL(self->networks));
    gtk_tree_view_column_set_min_width(
        marina_tree_add_text_column(self->network_view, _("Name"), N_NAME, TRUE), 80);
    marina_tree_add_text_column(self->network_view, _("State"), N_STATE_TEXT, FALSE);
    marina_tree_add_text_column(self->network_view, _("Autostart"), N_AUTOSTART_TEXT, FALSE);
    gtk_tree_sortable_set_sort_column_id(GTK_TREE_SORTABLE(self->networks), N_NAME,
                                         GTK_SORT_ASCENDING);
    g_signal_connect(gtk_tree_view_get_selection(self->network_view), "changed",
                     G_CALLBACK(on_selection_changed), self);

    self->leases =
        gtk_list_store_new(L_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    gtk_tree_view_set_model(self->lease_view, GTK_TREE_MODEL(self->leases));
    marina_tree_add_text_column(self->lease_view, _("MAC address"), L_MAC, FALSE);
    marina_tree_add_text_column(self->lease_view, _("IP address"), L_ADDRESS, FALSE);
    marina_tree_add_text_column(self->lease_view, _("Hostname"), L_HOSTNAME, TRUE);
    marina_tree_add_text_column(self->lease_view, _("Expires"), L_EXPIRY, FALSE);
}

static void
release_host(MarinaHostNetworksPage *self)
{
    g_cancellable_cancel(self->cancellable);
    if (self->host != NULL)
        g_signal_handlers_disconnect_by_data(self->host, self);
    if (self->connection != NULL)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    g_clear_object(&self->host);
    g_clear_object(&self->connection);
}

void
marina_host_networks_page_set_host(MarinaHostNetworksPage *self, MarinaHost *host,
                                   const char *label)
{
    MarinaConnection *connection = marina_host_get_connection(host);

    g_return_if_fail(MARINA_IS_HOST_NETWORKS_PAGE(self));
    g_return_if_fail(MARINA_IS_HOST(host));

    release_host(self);
    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    /* The network shown is selected again once the new host lists it. */
    if (self->network_name != NULL && self->pending_network == NULL)
        self->pending_network = g_strdup(self->network_name);
    gtk_list_store_clear(self->networks);
    self->connection = g_object_ref(connection);
    self->host = g_object_ref(host);
    g_free(self->label);
    self->label = g_strdup(label);
    g_signal_connect_object(self->host, "network-event", G_CALLBACK(on_network_event), self, 0);
    g_signal_connect_object(connection, "closed", G_CALLBACK(on_connection_closed), self, 0);
    reload_networks(self);
    update_buttons(self);
}

static void
marina_host_networks_page_dispose(GObject *object)
{
    MarinaHostNetworksPage *self = MARINA_HOST_NETWORKS_PAGE(object);

    self->disposed = TRUE;
    release_host(self);
    if (self->network_view != NULL)
        gtk_tree_view_set_model(self->network_view, NULL);
    if (self->lease_view != NULL)
        gtk_tree_view_set_model(self->lease_view, NULL);
    g_clear_object(&self->networks);
    g_clear_object(&self->leases);
    G_OBJECT_CLASS(marina_host_networks_page_parent_class)->dispose(object);
}

static void
marina_host_networks_page_finalize(GObject *object)
{
    MarinaHostNetworksPage *self = MARINA_HOST_NETWORKS_PAGE(object);

    g_clear_object(&self->cancellable);
    g_free(self->label);
    g_free(self->network_name);
    g_free(self->network_path);
    g_free(self->pending_network);
    G_OBJECT_CLASS(marina_host_networks_page_parent_class)->finalize(object);
}

static void
marina_host_networks_page_class_init(MarinaHostNetworksPageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_host_networks_page_dispose;
    object_class->finalize = marina_host_networks_page_finalize;
    signals[SIGNAL_ERROR] = g_signal_new("error", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/host-networks-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHostNetworksPage, name)
    BIND(network_view);
    BIND(add_network_button);
    BIND(start_network_button);
    BIND(stop_network_button);
    BIND(delete_network_button);
    BIND(network_stack);
    BIND(name_value);
    BIND(state_value);
    BIND(autostart_check);
    BIND(bridge_value);
    BIND(forward_value);
    BIND(ipv4_value);
    BIND(dhcp_value);
    BIND(ipv6_value);
    BIND(dhcp6_value);
    BIND(mtu_value);
    BIND(how_value);
    BIND(guests_value);
    BIND(lease_view);
    BIND(leases_message);
#undef BIND
}

static void
marina_host_networks_page_init(MarinaHostNetworksPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();
    marina_form_set_accessible_name(self->network_view, _("Virtual networks"));
    marina_form_set_accessible_name(self->add_network_button, _("Add Network"));
    marina_form_set_accessible_name(self->start_network_button, _("Start Network"));
    marina_form_set_accessible_name(self->stop_network_button, _("Stop Network"));
    marina_form_set_accessible_name(self->delete_network_button, _("Delete Network"));
    marina_form_set_accessible_name(self->autostart_check, _("Start network automatically"));
    marina_form_set_accessible_name(self->lease_view, _("DHCP leases"));
    setup_views(self);
    g_signal_connect(self->autostart_check, "toggled", G_CALLBACK(on_autostart_toggled), self);
    g_signal_connect(self->add_network_button, "clicked", G_CALLBACK(on_add_network), self);
    g_signal_connect(self->start_network_button, "clicked", G_CALLBACK(on_start_network), self);
    g_signal_connect(self->stop_network_button, "clicked", G_CALLBACK(on_stop_network), self);
    g_signal_connect(self->delete_network_button, "clicked", G_CALLBACK(on_delete_network), self);
}
