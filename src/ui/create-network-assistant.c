/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-create-network"

#include "config.h"

#include "create-network-assistant.h"

#include <glib/gi18n.h>

#include "error.h"
#include "form-util.h"
#include "host.h"
#include "network-config.h"
#include "network-form.h"
#include "network.h"
#include "ui-util.h"

typedef enum {
    PAGE_NAME,
    PAGE_IPV4,
    PAGE_DHCP,
    PAGE_IPV6,
    PAGE_FORWARD,
    PAGE_SUMMARY,
    N_PAGES
} Page;

static const char *const page_ids[N_PAGES] = {"name", "ipv4", "dhcp", "ipv6", "forward", "summary"};

static const char *const page_titles[N_PAGES] = {
    N_("Name"), N_("IPv4 address space"), N_("DHCP range"),
    N_("IPv6"), N_("Forwarding"),         N_("Summary"),
};

enum { RESPONSE_BACK = 1, RESPONSE_NEXT = 2 };

struct _MarinaCreateNetworkAssistant {
    GtkDialog parent_instance;

    MarinaHost *host;
    MarinaConnection *connection;
    GCancellable *cancellable;
    GStrv taken;
    Page page;
    gboolean busy;
    char *name;             /* of the network being made */
    char *xml;              /* its definition */
    MarinaNetwork *network; /* once defined */
    char *start_error;      /* why starting failed (the network is then undefined) */
    char *dhcp_filled_for;  /* the IPv4 network the DHCP range was filled from */
    char *dhcp6_filled_for;
    GPtrArray *running; /* MarinaNetworkConfig* of the networks running when it opened */
    GtkWidget *back_button;
    GtkWidget *cancel_button;
    GtkWidget *next_button;

    /* template children */
    GtkInfoBar *error_bar;
    GtkLabel *error_label;
    GtkStack *stack;
    GtkSpinner *spinner;
    GtkEntry *name_entry;
    GtkToggleButton *ipv4_check;
    GtkEntry *ipv4_entry;
    GtkLabel *ipv4_hint;
    GtkToggleButton *dhcp_check;
    GtkEntry *dhcp_start_entry;
    GtkEntry *dhcp_end_entry;
    GtkLabel *dhcp_hint;
    GtkToggleButton *ipv6_check;
    GtkEntry *ipv6_entry;
    GtkToggleButton *dhcp6_check;
    GtkEntry *dhcp6_start_entry;
    GtkEntry *dhcp6_end_entry;
    GtkToggleButton *nat_radio;
    GtkToggleButton *route_radio;
    GtkToggleButton *isolated_radio;
    GtkToggleButton *open_radio;
    GtkComboBoxText *dev_combo;
    GtkLabel *forward_hint;
    GtkEntry *bridge_entry;
    GtkLabel *summary_label;
    GtkToggleButton *start_check;
    GtkToggleButton *autostart_check;
};

enum { SIGNAL_NETWORK_CREATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaCreateNetworkAssistant, marina_create_network_assistant, GTK_TYPE_DIALOG)

static void
show_error(MarinaCreateNetworkAssistant *self, const char *message)
{
    if (message == NULL || *message == '\0') {
        gtk_info_bar_set_revealed(self->error_bar, FALSE);
        gtk_label_set_text(self->error_label, "");
        return;
    }
    g_debug("page %s: %s", page_ids[self->page], message);
    marina_ui_show_info_bar(self->error_bar, self->error_label, GTK_MESSAGE_ERROR, message);
}

/* ------------------------------------------------------------ addresses */

/* Reads @entry as an address of the family: NULL when it is one, else why
 * not (naming @field); its text in @text either way. */
static char *
address_problem(GtkEntry *entry, gboolean ipv6, const char *field, char **text)
{
    *text = marina_form_entry_text(entry);
    return marina_net_address_problem(*text, ipv6, field);
}

/* --------------------------------------------------------- the network */

static const char *
forward_mode(MarinaCreateNetworkAssistant *self)
{
    if (gtk_toggle_button_get_active(self->route_radio))
        return "route";
    if (gtk_toggle_button_get_active(self->isolated_radio))
        return "none";
    if (gtk_toggle_button_get_active(self->open_radio))
        return "open";
    return "nat";
}

/* The device NAT / routing goes out of, or NULL for any. */
static const char *
forward_dev(MarinaCreateNetworkAssistant *self)
{
    const char *id = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->dev_combo));
    const char *mode = forward_mode(self);

    if (id == NULL || *id == '\0' || !(g_str_equal(mode, "nat") || g_str_equal(mode, "route")))
        return NULL;
    return id;
}

/* The network the pages up to @upto describe, as libvirt network XML;
 * NULL with @message (naming the field) when a field is wrong. Pages
 * after @upto count as not filled in yet (defaults). */
static char *
build_xml(MarinaCreateNetworkAssistant *self, Page upto, char **message)
{
    g_autofree char *name = marina_form_entry_text(self->name_entry);
    g_autofree char *start = NULL, *end = NULL, *start6 = NULL, *end6 = NULL;
    g_autofree char *bridge = NULL;
    MarinaNetSubnet v4 = {0}, v6 = {0};
    MarinaNetForm form = {.name = name};

    if ((*message = marina_net_name_problem(name, (const char *const *)self->taken)) != NULL)
        return NULL;
    if (upto >= PAGE_IPV4 && gtk_toggle_button_get_active(self->ipv4_check)) {
        g_autofree char *text = marina_form_entry_text(self->ipv4_entry);
        if ((*message = marina_net_subnet_parse(text, FALSE, _("IPv4 network"), &v4)) != NULL)
            return NULL;
        form.ipv4 = &v4;
    }
    if (upto >= PAGE_DHCP && form.ipv4 != NULL && gtk_toggle_button_get_active(self->dhcp_check)) {
        if ((*message = address_problem(self->dhcp_start_entry, FALSE, _("DHCP start"), &start)) !=
                NULL ||
            (*message = address_problem(self->dhcp_end_entry, FALSE, _("DHCP end"), &end)) != NULL)
            return NULL;
        form.dhcp_start = start;
        form.dhcp_end = end;
    }
    if (upto >= PAGE_IPV6 && gtk_toggle_button_get_active(self->ipv6_check)) {
        g_autofree char *text = marina_form_entry_text(self->ipv6_entry);
        if ((*message = marina_net_subnet_parse(text, TRUE, _("IPv6 network"), &v6)) != NULL)
            return NULL;
        form.ipv6 = &v6;
        if (gtk_toggle_button_get_active(self->dhcp6_check)) {
            if ((*message = address_problem(self->dhcp6_start_entry, TRUE, _("DHCPv6 start"),
                                            &start6)) != NULL ||
                (*message = address_problem(self->dhcp6_end_entry, TRUE, _("DHCPv6 end"), &end6)) !=
                    NULL)
                return NULL;
            form.dhcp6_start = start6;
            form.dhcp6_end = end6;
        }
    }
    if (upto >= PAGE_FORWARD) {
        form.forward = forward_mode(self);
        form.forward_dev = forward_dev(self);
        bridge = marina_form_entry_text(self->bridge_entry);
        form.bridge = *bridge != '\0' ? bridge : NULL;
    }
    return marina_net_form_to_xml(&form);
}

/* The pages up to @upto as network XML the model accepts (parse,
 * validate, no conflict with a running network); NULL with @message. */
static char *
checked_xml(MarinaCreateNetworkAssistant *self, Page upto, char **message)
{
    g_autofree char *xml = build_xml(self, upto, message);

    if (xml == NULL || (*message = marina_net_form_check(xml, self->running)) != NULL)
        return NULL;
    return g_steal_pointer(&xml);
}

/* ---------------------------------------------------------- the pages */

/* Fills the DHCP range from the IPv4 network when that changed since
 * (virt-manager's default: the upper half, up to the last address before
 * the broadcast address). */
static void
prefill_dhcp(MarinaCreateNetworkAssistant *self)
{
    g_autofree char *text = marina_form_entry_text(self->ipv4_entry);
    MarinaNetSubnet v4 = {0};
    g_autofree char *problem = marina_net_subnet_parse(text, FALSE, "", &v4);
    g_autofree char *start = NULL, *end = NULL;

    if (problem != NULL || g_strcmp0(text, self->dhcp_filled_for) == 0)
        return;
    marina_net_subnet_dhcp_range(&v4, &start, &end);
    gtk_entry_set_text(self->dhcp_start_entry, start);
    gtk_entry_set_text(self->dhcp_end_entry, end);
    g_free(self->dhcp_filled_for);
    self->dhcp_filled_for = g_steal_pointer(&text);
}

static void
prefill_dhcp6(MarinaCreateNetworkAssistant *self)
{
    g_autofree char *text = marina_form_entry_text(self->ipv6_entry);
    MarinaNetSubnet v6 = {0};
    g_autofree char *problem = marina_net_subnet_parse(text, TRUE, "", &v6);
    g_autofree char *start = NULL, *end = NULL;

    if (problem != NULL || g_strcmp0(text, self->dhcp6_filled_for) == 0)
        return;
    marina_net_subnet_dhcp_range(&v6, &start, &end);
    gtk_entry_set_text(self->dhcp6_start_entry, start);
    gtk_entry_set_text(self->dhcp6_end_entry, end);
    g_free(self->dhcp6_filled_for);
    self->dhcp6_filled_for = g_steal_pointer(&text);
}

static void
update_ipv4_hint(MarinaCreateNetworkAssistant *self)
{
    g_autofree char *text = marina_form_entry_text(self->ipv4_entry);
    MarinaNetSubnet v4 = {0};
    g_autofree char *problem = marina_net_subnet_parse(text, FALSE, "", &v4);
    g_autofree char *gateway = NULL, *hint = NULL;

    if (problem == NULL) {
        gateway = marina_net_subnet_address(&v4, 1);
        hint = g_strdup_printf(_("The host takes %s on the network; %llu addresses in all."),
                               gateway, (unsigned long long)marina_net_subnet_size(&v4));
    }
    gtk_label_set_text(self->ipv4_hint, hint != NULL ? hint : "");
}

static void
update_sensitivity(MarinaCreateNetworkAssistant *self)
{
    gboolean v4 = gtk_toggle_button_get_active(self->ipv4_check);
    gboolean dhcp = v4 && gtk_toggle_button_get_active(self->dhcp_check);
    gboolean v6 = gtk_toggle_button_get_active(self->ipv6_check);
    gboolean dhcp6 = v6 && gtk_toggle_button_get_active(self->dhcp6_check);
    const char *mode = forward_mode(self);
    gboolean dev = g_str_equal(mode, "nat") || g_str_equal(mode, "route");

    gtk_widget_set_sensitive(GTK_WIDGET(self->ipv4_entry), v4);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dhcp_check), v4);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dhcp_start_entry), dhcp);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dhcp_end_entry), dhcp);
    gtk_label_set_text(self->dhcp_hint, v4 ? "" : _("IPv4 is off: there is nothing to hand out."));
    gtk_widget_set_sensitive(GTK_WIDGET(self->ipv6_entry), v6);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dhcp6_check), v6);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dhcp6_start_entry), dhcp6);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dhcp6_end_entry), dhcp6);
    gtk_widget_set_sensitive(GTK_WIDGET(self->dev_combo), dev);
    gtk_label_set_text(self->forward_hint,
                       g_str_equal(mode, "route")
                           ? _("Hosts outside need a route to the network's addresses via this "
                               "host.")
                       : g_str_equal(mode, "open")
                           ? _("Marina adds no firewall rules: the host's own firewall decides.")
                       : g_str_equal(mode, "none") ? _("No traffic leaves the network.")
                                                   : "");
}

/* The DHCPv6 range on the same page follows the IPv6 network as it is typed. */
static void
on_ipv6_changed(GtkEditable *editable, MarinaCreateNetworkAssistant *self)
{
    prefill_dhcp6(self);
}

static void
on_field_changed(gpointer widget, MarinaCreateNetworkAssistant *self)
{
    update_sensitivity(self);
    update_ipv4_hint(self);
}

static char *
summary_text(MarinaCreateNetworkAssistant *self)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *name = marina_form_entry_text(self->name_entry);
    const char *mode = forward_mode(self);
    const char *dev = forward_dev(self);

    g_string_append_printf(text, _("Name: %s\n"), name);
    if (gtk_toggle_button_get_active(self->ipv4_check)) {
        g_autofree char *net = marina_form_entry_text(self->ipv4_entry);
        g_string_append_printf(text, _("IPv4 network: %s\n"), net);
        if (gtk_toggle_button_get_active(self->dhcp_check)) {
            g_autofree char *s = marina_form_entry_text(self->dhcp_start_entry);
            g_autofree char *e = marina_form_entry_text(self->dhcp_end_entry);
            g_string_append_printf(text, _("DHCP range: %s – %s\n"), s, e);
        } else {
            g_string_append(text, _("DHCP: off\n"));
        }
    } else {
        g_string_append(text, _("IPv4: off\n"));
    }
    if (gtk_toggle_button_get_active(self->ipv6_check)) {
        g_autofree char *net = marina_form_entry_text(self->ipv6_entry);
        g_string_append_printf(text, _("IPv6 network: %s\n"), net);
        if (gtk_toggle_button_get_active(self->dhcp6_check)) {
            g_autofree char *s = marina_form_entry_text(self->dhcp6_start_entry);
            g_autofree char *e = marina_form_entry_text(self->dhcp6_end_entry);
            g_string_append_printf(text, _("DHCPv6 range: %s – %s\n"), s, e);
        }
    } else {
        g_string_append(text, _("IPv6: off\n"));
    }
    {
        g_autofree char *bridge = marina_form_entry_text(self->bridge_entry);
        if (*bridge != '\0')
            g_string_append_printf(text, _("Bridge: %s\n"), bridge);
    }
    if (g_str_equal(mode, "nat"))
        g_string_append_printf(text, _("Forwarding: NAT to %s"),
                               dev != NULL ? dev : _("any physical device"));
    else if (g_str_equal(mode, "route"))
        g_string_append_printf(text, _("Forwarding: routed to %s"),
                               dev != NULL ? dev : _("any physical device"));
    else if (g_str_equal(mode, "open"))
        g_string_append(text, _("Forwarding: open (no firewall rules)"));
    else
        g_string_append(text, _("Forwarding: none (isolated)"));
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static void
show_page(MarinaCreateNetworkAssistant *self, Page page)
{
    GtkWidget *bar = gtk_dialog_get_header_bar(GTK_DIALOG(self));
    g_autofree char *subtitle = NULL;
    gboolean last = page == PAGE_SUMMARY;

    self->page = page;
    if (page == PAGE_DHCP)
        prefill_dhcp(self);
    if (last) {
        g_autofree char *summary = summary_text(self);
        gtk_label_set_text(self->summary_label, summary);
    }
    gtk_stack_set_visible_child_name(self->stack, page_ids[page]);
    /* Translators: the assistant's subtitle, e.g. "Step 2 of 6: IPv4 address space" */
    subtitle = g_strdup_printf(_("Step %d of %d: %s"), page + 1, N_PAGES, _(page_titles[page]));
    if (GTK_IS_HEADER_BAR(bar))
        gtk_header_bar_set_subtitle(GTK_HEADER_BAR(bar), subtitle);
    gtk_button_set_label(GTK_BUTTON(self->next_button), last ? _("_Finish") : _("_Next"));
    marina_form_set_accessible_name(self->next_button, last ? _("Finish") : _("Next"));
    gtk_widget_set_sensitive(self->back_button, page > PAGE_NAME && !self->busy);
    gtk_widget_set_sensitive(self->next_button, !self->busy);
    /* Once the daemon is asked, the steps run to their end (or are undone). */
    gtk_widget_set_sensitive(self->cancel_button, !self->busy);
    update_sensitivity(self);
}

/* ------------------------------------------------------------- finishing */

static void
set_busy(MarinaCreateNetworkAssistant *self, gboolean busy)
{
    self->busy = busy;
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), busy);
    if (busy)
        gtk_spinner_start(self->spinner);
    else
        gtk_spinner_stop(self->spinner);
    gtk_widget_set_sensitive(GTK_WIDGET(self->stack), !busy);
    show_page(self, self->page);
}

static void
fail(MarinaCreateNetworkAssistant *self, const char *message)
{
    set_busy(self, FALSE);
    g_clear_object(&self->network);
    show_error(self, message);
}

static void
done(MarinaCreateNetworkAssistant *self)
{
    set_busy(self, FALSE);
    g_signal_emit(self, signals[SIGNAL_NETWORK_CREATED], 0, self->name);
    gtk_widget_destroy(GTK_WIDGET(self));
}

/* After a failed start or autostart the network was undefined (so nothing
 * is half-made) or, when that failed too, stays defined and stopped. */
static void
on_undefined_after_failure(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCreateNetworkAssistant) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;

    if (marina_network_undefine_finish(MARINA_NETWORK(source), result, &error))
        message = g_strdup_printf(_("%s Network '%s' was not kept: change its settings and "
                                    "press Finish again."),
                                  self->start_error, self->name);
    else if (marina_ui_is_cancelled(error))
        return;
    else {
        message = g_strdup_printf(_("%s Network '%s' stays defined but stopped (removing it "
                                    "failed: %s); delete it in Connection Details or fix it "
                                    "there."),
                                  self->start_error, self->name, marina_error_message(error));
        /* It is there to see in the list. */
        g_signal_emit(self, signals[SIGNAL_NETWORK_CREATED], 0, self->name);
    }
    fail(self, message);
}

static void
undo_define(MarinaCreateNetworkAssistant *self, const char *what, const GError *error)
{
    g_free(self->start_error);
    /* @what (translated) with the daemon's reason, a sentence of its own. */
    self->start_error = g_strdup_printf(what, marina_error_message(error));
    marina_network_undefine_async(self->network, self->cancellable, on_undefined_after_failure,
                                  g_object_ref(self));
}

static void
on_started(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCreateNetworkAssistant) self = user_data;
    g_autoptr(GError) error = NULL;

    if (marina_network_start_finish(MARINA_NETWORK(source), result, &error)) {
        done(self);
        return;
    }
    if (marina_ui_is_cancelled(error))
        return;
    g_debug("starting network %s: %s", self->name, error->message);
    /* The daemon says "Network 'NAME' cannot start: why." */
    undo_define(self, "%s", error);
}

static void
start(MarinaCreateNetworkAssistant *self)
{
    if (!gtk_toggle_button_get_active(self->start_check)) {
        done(self);
        return;
    }
    marina_network_start_async(self->network, self->cancellable, on_started, g_object_ref(self));
}

static void
on_autostart_set(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCreateNetworkAssistant) self = user_data;
    g_autoptr(GError) error = NULL;

    if (marina_network_set_autostart_finish(MARINA_NETWORK(source), result, &error)) {
        start(self);
        return;
    }
    if (marina_ui_is_cancelled(error))
        return;
    g_debug("autostart of network %s: %s", self->name, error->message);
    undo_define(self, _("Automatic start could not be set: %s"), error);
}

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCreateNetworkAssistant) self = user_data;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(MarinaNetwork) network =
        marina_host_define_network_finish(MARINA_HOST(source), result, &warnings, &error);

    if (network == NULL) {
        g_autofree char *message = NULL;

        if (marina_ui_is_cancelled(error))
            return;
        g_debug("defining network %s: %s", self->name, error->message);
        message = g_strdup_printf(_("Network '%s' could not be created: %s"), self->name,
                                  marina_error_message(error));
        fail(self, message);
        return;
    }
    for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
        g_debug("network %s: %s", self->name, warnings[i]);
    g_set_object(&self->network, network);
    /* Autostart before the start: a failure of either undefines the network. */
    if (gtk_toggle_button_get_active(self->autostart_check))
        marina_network_set_autostart_async(self->network, TRUE, self->cancellable, on_autostart_set,
                                           g_object_ref(self));
    else
        start(self);
}

/* Defining a name that exists replaces that network's definition (as
 * virsh net-define does): a network made by someone else since the
 * assistant opened is looked up first and left alone. */
static void
on_looked_up(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCreateNetworkAssistant) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaNetwork) existing =
        marina_host_lookup_network_finish(MARINA_HOST(source), result, &error);
    g_autofree char *message = NULL;

    if (existing != NULL) {
        message = g_strdup_printf(_("Name: a network called '%s' already exists on this "
                                    "connection; choose another name."),
                                  self->name);
        fail(self, message);
        return;
    }
    if (marina_ui_is_cancelled(error))
        return;
    if (!g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_NETWORK)) {
        message = g_strdup_printf(_("Network '%s' could not be created: %s"), self->name,
                                  marina_error_message(error));
        fail(self, message);
        return;
    }
    g_debug("defining:\n%s", self->xml);
    marina_host_define_network_async(self->host, self->xml, self->cancellable, on_defined,
                                     g_object_ref(self));
}

static void
finish(MarinaCreateNetworkAssistant *self)
{
    g_autofree char *message = NULL;
    g_autofree char *xml = checked_xml(self, PAGE_SUMMARY, &message);

    if (xml == NULL) {
        show_error(self, message);
        return;
    }
    if (marina_connection_is_closed(self->connection)) {
        show_error(self, _("The connection to the host is closed. Reconnect, then try again."));
        return;
    }
    g_free(self->name);
    self->name = marina_form_entry_text(self->name_entry);
    show_error(self, NULL);
    set_busy(self, TRUE);
    g_free(self->xml);
    self->xml = g_steal_pointer(&xml);
    marina_host_lookup_network_async(self->host, self->name, self->cancellable, on_looked_up,
                                     g_object_ref(self));
}

static void
on_response(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaCreateNetworkAssistant *self = MARINA_CREATE_NETWORK_ASSISTANT(dialog);
    g_autofree char *message = NULL;
    g_autofree char *xml = NULL;

    /* While the daemon works, closing would leave a network half-made. */
    if (self->busy)
        return;
    if (response != RESPONSE_BACK && response != RESPONSE_NEXT) {
        gtk_widget_destroy(GTK_WIDGET(dialog));
        return;
    }
    if (response == RESPONSE_BACK) {
        show_error(self, NULL);
        if (self->page > PAGE_NAME)
            show_page(self, self->page - 1);
        return;
    }
    if (self->page == PAGE_SUMMARY) {
        finish(self);
        return;
    }
    /* Every page is checked, with the pages before it, before Next. */
    if ((xml = checked_xml(self, self->page, &message)) == NULL) {
        show_error(self, message);
        return;
    }
    show_error(self, NULL);
    show_page(self, self->page + 1);
}

/* ---------------------------------------------------- host interfaces */

static void
on_interfaces(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCreateNetworkAssistant) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list =
        marina_host_list_host_interfaces_finish(MARINA_HOST(source), result, &error);

    if (list == NULL) {
        if (!marina_ui_is_cancelled(error))
            g_debug("host interfaces: %s", error->message);
        return;
    }
    for (guint i = 0; i < list->len; i++) {
        const MarinaHostInterface *iface = g_ptr_array_index(list, i);
        g_autofree char *text = NULL;

        /* Loopback and the virtual networks' own bridges lead nowhere. */
        if (g_strcmp0(iface->kind, "loopback") == 0 || *iface->marina_network != '\0')
            continue;
        /* Translators: a host interface in a list, e.g. "eth0 (ethernet, up)" */
        text = g_strdup_printf(_("%s (%s, %s)"), iface->name, iface->kind, iface->state);
        gtk_combo_box_text_append(self->dev_combo, iface->name, text);
    }
}

/* ------------------------------------------------ the running networks */

static void
on_running_xml(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCreateNetworkAssistant) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = marina_network_get_xml_finish(MARINA_NETWORK(source), result, &error);
    MarinaNetworkConfig *config;

    if (xml == NULL) {
        if (!marina_ui_is_cancelled(error))
            g_debug("XML of a running network: %s", error->message);
        return;
    }
    config = marina_network_config_parse(xml, -1, NULL, &error);
    if (config == NULL) {
        g_debug("XML of a running network: %s", error->message);
        return;
    }
    g_ptr_array_add(self->running, config);
}

static void
on_networks_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaCreateNetworkAssistant) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list =
        marina_host_list_networks_finish(MARINA_HOST(source), result, &error);

    if (list == NULL) {
        if (!marina_ui_is_cancelled(error))
            g_debug("listing networks: %s", error->message);
        return;
    }
    for (guint i = 0; i < list->len; i++) {
        const MarinaNetworkRecord *record = g_ptr_array_index(list, i);
        g_autoptr(MarinaNetwork) network = NULL;

        if (!record->active)
            continue;
        network = marina_network_new(self->connection, record->object_path);
        marina_network_get_xml_async(network, 0, self->cancellable, on_running_xml,
                                     g_object_ref(self));
    }
}

/* ------------------------------------------------------------ lifecycle */

static void
marina_create_network_assistant_dispose(GObject *object)
{
    MarinaCreateNetworkAssistant *self = MARINA_CREATE_NETWORK_ASSISTANT(object);

    if (self->cancellable != NULL)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->host);
    g_clear_object(&self->connection);
    g_clear_object(&self->network);
    G_OBJECT_CLASS(marina_create_network_assistant_parent_class)->dispose(object);
}

static void
marina_create_network_assistant_finalize(GObject *object)
{
    MarinaCreateNetworkAssistant *self = MARINA_CREATE_NETWORK_ASSISTANT(object);

    g_clear_object(&self->cancellable);
    g_strfreev(self->taken);
    g_free(self->name);
    g_free(self->start_error);
    g_free(self->xml);
    g_free(self->dhcp_filled_for);
    g_free(self->dhcp6_filled_for);
    g_clear_pointer(&self->running, g_ptr_array_unref);
    G_OBJECT_CLASS(marina_create_network_assistant_parent_class)->finalize(object);
}

static void
marina_create_network_assistant_class_init(MarinaCreateNetworkAssistantClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_create_network_assistant_dispose;
    object_class->finalize = marina_create_network_assistant_finalize;
    signals[SIGNAL_NETWORK_CREATED] =
        g_signal_new("network-created", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(
        widget_class, "/org/marinavm/Marina/ui/create-network-assistant.ui");
#define BIND(name)                                                                                 \
    gtk_widget_class_bind_template_child(widget_class, MarinaCreateNetworkAssistant, name)
    BIND(error_bar);
    BIND(error_label);
    BIND(stack);
    BIND(spinner);
    BIND(name_entry);
    BIND(ipv4_check);
    BIND(ipv4_entry);
    BIND(ipv4_hint);
    BIND(dhcp_check);
    BIND(dhcp_start_entry);
    BIND(dhcp_end_entry);
    BIND(dhcp_hint);
    BIND(ipv6_check);
    BIND(ipv6_entry);
    BIND(dhcp6_check);
    BIND(dhcp6_start_entry);
    BIND(dhcp6_end_entry);
    BIND(nat_radio);
    BIND(route_radio);
    BIND(isolated_radio);
    BIND(open_radio);
    BIND(dev_combo);
    BIND(forward_hint);
    BIND(bridge_entry);
    BIND(summary_label);
    BIND(start_check);
    BIND(autostart_check);
#undef BIND
}

static void
set_accessible_names(MarinaCreateNetworkAssistant *self)
{
    marina_form_set_accessible_name(self->error_bar, _("Error"));
    marina_form_set_accessible_name(self->name_entry, _("Network name"));
    marina_form_set_accessible_name(self->ipv4_check, _("Enable IPv4"));
    marina_form_set_accessible_name(self->ipv4_entry, _("IPv4 network"));
    marina_form_set_accessible_name(self->dhcp_check, _("Enable DHCPv4"));
    marina_form_set_accessible_name(self->dhcp_start_entry, _("DHCP start"));
    marina_form_set_accessible_name(self->dhcp_end_entry, _("DHCP end"));
    marina_form_set_accessible_name(self->ipv6_check, _("Enable IPv6"));
    marina_form_set_accessible_name(self->ipv6_entry, _("IPv6 network"));
    marina_form_set_accessible_name(self->dhcp6_check, _("Enable DHCPv6"));
    marina_form_set_accessible_name(self->dhcp6_start_entry, _("DHCPv6 start"));
    marina_form_set_accessible_name(self->dhcp6_end_entry, _("DHCPv6 end"));
    marina_form_set_accessible_name(self->nat_radio, _("NAT"));
    marina_form_set_accessible_name(self->route_radio, _("Routed"));
    marina_form_set_accessible_name(self->isolated_radio, _("Isolated"));
    marina_form_set_accessible_name(self->open_radio, _("Open"));
    marina_form_set_accessible_name(self->dev_combo, _("Forward to device"));
    marina_form_set_accessible_name(self->bridge_entry, _("Bridge name"));
    marina_form_set_accessible_name(self->summary_label, _("Summary"));
    marina_form_set_accessible_name(self->start_check, _("Start the network now"));
    marina_form_set_accessible_name(self->autostart_check, _("Start network automatically"));
    marina_form_set_accessible_name(self->back_button, _("Back"));
}

static void
marina_create_network_assistant_init(MarinaCreateNetworkAssistant *self)
{
    GtkWidget *cancel;

    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();
    self->running = g_ptr_array_new_with_free_func((GDestroyNotify)marina_network_config_free);

    cancel = gtk_dialog_add_button(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL);
    self->cancel_button = cancel;
    /* Next first: the header bar packs from the end, so Back lands left of it. */
    self->next_button = gtk_dialog_add_button(GTK_DIALOG(self), _("_Next"), RESPONSE_NEXT);
    self->back_button = gtk_dialog_add_button(GTK_DIALOG(self), _("_Back"), RESPONSE_BACK);
    gtk_style_context_add_class(gtk_widget_get_style_context(self->next_button),
                                "suggested-action");
    gtk_dialog_set_default_response(GTK_DIALOG(self), RESPONSE_NEXT);
    marina_form_set_accessible_name(cancel, _("Cancel"));
    set_accessible_names(self);

    gtk_entry_set_text(self->ipv4_entry, "192.168.100.0/24");
    gtk_combo_box_text_append(self->dev_combo, "", _("Any physical device"));
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->dev_combo), "");

    g_signal_connect(self, "response", G_CALLBACK(on_response), NULL);
    g_signal_connect(self->ipv4_check, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->dhcp_check, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->ipv6_check, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->dhcp6_check, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->nat_radio, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->route_radio, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->isolated_radio, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->open_radio, "toggled", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->ipv4_entry, "changed", G_CALLBACK(on_field_changed), self);
    g_signal_connect(self->ipv6_entry, "changed", G_CALLBACK(on_ipv6_changed), self);
}

MarinaCreateNetworkAssistant *
marina_create_network_assistant_new(GtkWindow *parent, MarinaHost *host, const char *const *taken)
{
    MarinaCreateNetworkAssistant *self;

    g_return_val_if_fail(MARINA_IS_HOST(host), NULL);

    self = g_object_new(MARINA_TYPE_CREATE_NETWORK_ASSISTANT, "transient-for", parent,
                        "use-header-bar", TRUE, NULL);
    self->host = g_object_ref(host);
    self->connection = g_object_ref(marina_host_get_connection(host));
    self->taken = g_strdupv((char **)taken);
    gtk_entry_set_text(self->ipv6_entry, "fd00:100::/64");
    show_page(self, PAGE_NAME);
    update_ipv4_hint(self);
    marina_host_list_host_interfaces_async(host, self->cancellable, on_interfaces,
                                           g_object_ref(self));
    marina_host_list_networks_async(host, self->cancellable, on_networks_listed,
                                    g_object_ref(self));
    return self;
}
