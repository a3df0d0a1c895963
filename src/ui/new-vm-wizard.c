/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-new-vm-wizard"

#include "config.h"

#include "new-vm-wizard.h"

#include <glib/gi18n.h>

#include "error.h"
#include "form-util.h"
#include "install-spec.h"
#include "os-catalog-cache.h"
#include "ui-util.h"
#include "wizard-host.h"
#include "wizard-os-page.h"
#include "wizard-resources-page.h"
#include "wizard-source-page.h"
#include "wizard-storage-page.h"
#include "wizard-summary-page.h"

/* How long Finish waits for the new guest to show in the connection's list. */
#define APPEAR_TIMEOUT_S 20

enum { PAGE_SOURCE, PAGE_OS, PAGE_RESOURCES, PAGE_STORAGE, PAGE_SUMMARY, N_PAGES };

static const char *const page_names[N_PAGES] = {"source", "os", "resources", "storage", "summary"};

typedef struct {
    MarinaConnectionEntry *entry;
} WizardConn;

enum { SIGNAL_GUEST_CREATED, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _MarinaNewVmWizard {
    GtkWindow parent_instance;

    GArray *conns;                   /* WizardConn, in the Connection combo's order */
    MarinaWizardHost *host;          /* the selected connection's */
    GCancellable *check_cancellable; /* Forward's checks, while they run */
    GCancellable *install_cancellable;
    MarinaInstaller *installer;
    gboolean installing;
    gboolean close_requested;
    guint pulse_id;
    guint appear_timeout_id;
    gulong appear_handler;
    MarinaGuestList *appear_list;
    char *created_path;
    gboolean created_customize;
    int page;
    const MarinaOsInfo *applied_os; /* whose defaults the later pages show */

    /* template children */
    GtkLabel *step_label;
    GtkLabel *title_label;
    GtkStack *stack;
    MarinaWizardSourcePage *source_page;
    MarinaWizardOsPage *os_page;
    MarinaWizardResourcesPage *resources_page;
    MarinaWizardStoragePage *storage_page;
    MarinaWizardSummaryPage *summary_page;
    GtkWidget *progress_box;
    GtkProgressBar *progress_bar;
    GtkLabel *progress_label;
    GtkSpinner *spinner;
    GtkLabel *busy_label;
    GtkWidget *cancel_button;
    GtkWidget *back_button;
    GtkWidget *forward_button;
    GtkWidget *finish_button;
};

G_DEFINE_FINAL_TYPE(MarinaNewVmWizard, marina_new_vm_wizard, GTK_TYPE_WINDOW)

static void go_to_page(MarinaNewVmWizard *self, int page);

static WizardConn *
current_conn(MarinaNewVmWizard *self)
{
    int index = marina_wizard_source_page_get_connection(self->source_page);

    if (self->conns == NULL || index < 0 || (guint)index >= self->conns->len)
        return NULL;
    return &g_array_index(self->conns, WizardConn, index);
}

static const MarinaOsInfo *
chosen_os(MarinaNewVmWizard *self)
{
    return self->applied_os != NULL ? self->applied_os : marina_os_catalog_cache_generic();
}

/* ------------------------------------------------ busy (checks, install) */

static void
update_buttons(MarinaNewVmWizard *self, gboolean busy)
{
    gtk_widget_set_sensitive(self->back_button, !busy && self->page > PAGE_SOURCE);
    gtk_widget_set_sensitive(self->forward_button, !busy);
    gtk_widget_set_visible(self->forward_button, self->page < PAGE_SUMMARY);
    gtk_widget_set_visible(self->finish_button, self->page == PAGE_SUMMARY);
    gtk_window_set_default(GTK_WINDOW(self),
                           self->page == PAGE_SUMMARY ? self->finish_button : self->forward_button);
    gtk_widget_set_sensitive(GTK_WIDGET(self->stack), !busy);
    if (self->page == PAGE_SUMMARY) {
        gtk_widget_set_sensitive(self->finish_button,
                                 !busy && marina_wizard_summary_page_name_ok(self->summary_page));
    }
}

static gboolean
is_busy(MarinaNewVmWizard *self)
{
    return self->check_cancellable != NULL || self->installing;
}

static void
show_spinner(MarinaNewVmWizard *self, const char *message)
{
    gtk_label_set_text(self->busy_label, message);
    gtk_widget_show(GTK_WIDGET(self->spinner));
    gtk_spinner_start(self->spinner);
    update_buttons(self, TRUE);
}

/* A page's Forward check begins; it may say it is busy (the spinner shows). */
static GCancellable *
begin_check(MarinaNewVmWizard *self)
{
    g_clear_object(&self->check_cancellable);
    self->check_cancellable = g_cancellable_new();
    return self->check_cancellable;
}

static void
end_busy(MarinaNewVmWizard *self)
{
    g_clear_object(&self->check_cancellable);
    gtk_label_set_text(self->busy_label, "");
    gtk_spinner_stop(self->spinner);
    gtk_widget_hide(GTK_WIDGET(self->spinner));
    update_buttons(self, FALSE);
}

static void
on_page_busy(GtkWidget *page, const char *message, MarinaNewVmWizard *self)
{
    show_spinner(self, message);
}

/* Whether a page's check ended in a way the wizard no longer follows: it
 * was cancelled (Cancel ended the busy state already) or the wizard closes. */
static gboolean
check_abandoned(MarinaNewVmWizard *self, const GError *error)
{
    return marina_ui_is_cancelled(error) || gtk_widget_in_destruction(GTK_WIDGET(self));
}

/* ----------------------------------------------------------- forward */

static void
on_source_checked(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVmWizard) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) info = NULL;
    gboolean ok = marina_wizard_source_page_check_finish(MARINA_WIZARD_SOURCE_PAGE(source), result,
                                                         &info, &error);

    if (!ok && check_abandoned(self, error))
        return;
    if (info != NULL)
        marina_wizard_os_page_set_source_info(self->os_page, info);
    end_busy(self);
    if (ok)
        go_to_page(self, PAGE_OS);
}

static void
forward_from_source(MarinaNewVmWizard *self)
{
    GCancellable *cancellable = begin_check(self);

    marina_wizard_os_page_set_source_info(self->os_page, NULL);
    marina_wizard_source_page_check_async(self->source_page, cancellable, on_source_checked,
                                          g_object_ref(self));
}

/* The chosen OS sets memory, vCPUs, disk size: unless the person set them. */
static void
forward_from_os(MarinaNewVmWizard *self)
{
    const MarinaOsInfo *os = marina_wizard_os_page_check(self->os_page);

    if (os == NULL)
        return;
    if (os != self->applied_os) {
        self->applied_os = os;
        marina_wizard_resources_page_apply_os(self->resources_page, os);
        marina_wizard_storage_page_apply_os(self->storage_page, os);
    }
    go_to_page(self, PAGE_RESOURCES);
}

static void
on_storage_checked(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVmWizard) self = user_data;
    g_autoptr(GError) error = NULL;
    gboolean ok =
        marina_wizard_storage_page_check_finish(MARINA_WIZARD_STORAGE_PAGE(source), result, &error);

    if (!ok && check_abandoned(self, error))
        return;
    end_busy(self);
    if (ok)
        go_to_page(self, PAGE_SUMMARY);
}

static void
forward_from_storage(MarinaNewVmWizard *self)
{
    GCancellable *cancellable = begin_check(self);

    marina_wizard_storage_page_check_async(self->storage_page, cancellable, on_storage_checked,
                                           g_object_ref(self));
}

/* ----------------------------------------------------------- pages */

static void
show_summary(MarinaNewVmWizard *self)
{
    g_autofree char *install = marina_wizard_source_page_describe(self->source_page);
    g_autofree char *storage = marina_wizard_storage_page_describe(self->storage_page);

    marina_wizard_summary_page_show(
        self->summary_page, chosen_os(self), install,
        marina_wizard_resources_page_get_memory_mib(self->resources_page),
        marina_wizard_resources_page_get_vcpus(self->resources_page), storage);
}

static void
go_to_page(MarinaNewVmWizard *self, int page)
{
    static const char *const titles[N_PAGES] = {
        N_("Choose the connection and how to install the operating system"),
        N_("Choose the operating system"),
        N_("Choose memory and CPU settings"),
        N_("Choose the storage"),
        N_("Ready to begin the installation"),
    };
    g_autofree char *step = NULL;
    g_autofree char *title = NULL;

    self->page = page;
    /* Translators: the plural follows the number of steps (the second number). */
    step = g_strdup_printf(ngettext("Step %d of %d", "Step %d of %d", N_PAGES), page + 1, N_PAGES);
    title = g_markup_printf_escaped("<b><big>%s</big></b>", _(titles[page]));
    gtk_label_set_text(self->step_label, step);
    gtk_label_set_markup(self->title_label, title);
    gtk_stack_set_visible_child_name(self->stack, page_names[page]);
    switch (page) {
    case PAGE_OS:
        marina_wizard_os_page_update(self->os_page);
        break;
    case PAGE_RESOURCES:
        marina_wizard_resources_page_check(self->resources_page);
        break;
    case PAGE_STORAGE: {
        g_autofree char *import = NULL;

        if (marina_wizard_source_page_get_method(self->source_page) == MARINA_INSTALL_IMPORT)
            import = marina_wizard_source_page_get_import_path(self->source_page);
        marina_wizard_storage_page_set_import_path(self->storage_page, import);
        marina_wizard_storage_page_update(self->storage_page);
        break;
    }
    case PAGE_SUMMARY:
        show_summary(self);
        break;
    default:
        break;
    }
    update_buttons(self, is_busy(self));
}

static void
on_forward_clicked(GtkButton *button, MarinaNewVmWizard *self)
{
    if (is_busy(self))
        return;
    switch (self->page) {
    case PAGE_SOURCE:
        forward_from_source(self);
        break;
    case PAGE_OS:
        forward_from_os(self);
        break;
    case PAGE_RESOURCES:
        if (marina_wizard_resources_page_forward(self->resources_page))
            go_to_page(self, PAGE_STORAGE);
        break;
    case PAGE_STORAGE:
        forward_from_storage(self);
        break;
    default:
        break;
    }
}

static void
on_back_clicked(GtkButton *button, MarinaNewVmWizard *self)
{
    if (is_busy(self) || self->page == PAGE_SOURCE)
        return;
    go_to_page(self, self->page - 1);
}

/* The host of the selected connection, as its entry has it now. */
static void
follow_selected_entry(MarinaNewVmWizard *self)
{
    WizardConn *conn = current_conn(self);
    MarinaGuestList *list =
        conn != NULL ? marina_connection_entry_get_guest_list(conn->entry) : NULL;

    marina_wizard_host_set_list(self->host, list,
                                conn != NULL && marina_connection_entry_is_local(conn->entry));
}

static void
on_connection_changed(MarinaWizardSourcePage *page, MarinaNewVmWizard *self)
{
    follow_selected_entry(self);
    marina_wizard_os_page_set_source_info(self->os_page, NULL);
}

/* A reconnect brings a new guest list (a loss takes it away): the host's
 * facts are read again, what was typed stays. */
static void
on_entry_state_changed(MarinaConnectionEntry *entry, MarinaConnectionState old_state,
                       MarinaNewVmWizard *self)
{
    WizardConn *conn = current_conn(self);

    if (conn == NULL || conn->entry != entry || self->installing)
        return;
    if (marina_connection_entry_get_guest_list(entry) != marina_wizard_host_get_list(self->host))
        follow_selected_entry(self);
}

static void
on_method_changed(MarinaWizardSourcePage *page, MarinaNewVmWizard *self)
{
    MarinaInstallMethod method = marina_wizard_source_page_get_method(page);

    marina_wizard_os_page_set_can_detect(self->os_page, method == MARINA_INSTALL_MEDIA ||
                                                            method == MARINA_INSTALL_LOCATION);
}

static void
on_name_checked(MarinaWizardSummaryPage *page, MarinaNewVmWizard *self)
{
    update_buttons(self, is_busy(self));
}

/* --------------------------------------------------------------- finish */

static void
stop_pulse(MarinaNewVmWizard *self)
{
    g_clear_handle_id(&self->pulse_id, g_source_remove);
}

static gboolean
on_pulse(gpointer user_data)
{
    MarinaNewVmWizard *self = user_data;

    gtk_progress_bar_pulse(self->progress_bar);
    return G_SOURCE_CONTINUE;
}

static void
on_installer_progress(MarinaInstaller *installer, int step, const char *message, double fraction,
                      MarinaNewVmWizard *self)
{
    (void)installer;
    (void)step;
    gtk_label_set_text(self->progress_label, message != NULL ? message : "");
    if (fraction < 0) {
        if (self->pulse_id == 0)
            self->pulse_id = g_timeout_add(150, on_pulse, self);
    } else {
        stop_pulse(self);
        gtk_progress_bar_set_fraction(self->progress_bar, CLAMP(fraction, 0.0, 1.0));
    }
}

static void
finish_install_ui(MarinaNewVmWizard *self)
{
    self->installing = FALSE;
    stop_pulse(self);
    gtk_widget_hide(self->progress_box);
    gtk_widget_set_sensitive(self->cancel_button, TRUE);
    end_busy(self);
}

static void
stop_waiting_for_guest(MarinaNewVmWizard *self)
{
    g_clear_handle_id(&self->appear_timeout_id, g_source_remove);
    if (self->appear_list != NULL && self->appear_handler != 0)
        g_signal_handler_disconnect(self->appear_list, self->appear_handler);
    self->appear_handler = 0;
    g_clear_object(&self->appear_list);
}

/* Hands the new guest over (its window opens) once its list has it. */
static gboolean
emit_created(MarinaNewVmWizard *self)
{
    GListModel *model = G_LIST_MODEL(self->appear_list);

    for (guint i = 0; i < g_list_model_get_n_items(model); i++) {
        g_autoptr(MarinaGuest) guest = g_list_model_get_item(model, i);
        g_autoptr(MarinaGuestList) list = NULL;
        g_autoptr(MarinaInstaller) installer = NULL;

        if (g_strcmp0(marina_guest_get_object_path(guest), self->created_path) != 0)
            continue;
        list = g_object_ref(self->appear_list);
        installer = g_steal_pointer(&self->installer);
        stop_waiting_for_guest(self);
        g_signal_emit(self, signals[SIGNAL_GUEST_CREATED], 0, list, guest,
                      self->created_customize ? installer : NULL);
        gtk_widget_destroy(GTK_WIDGET(self));
        return TRUE;
    }
    return FALSE;
}

static void
on_appear_items_changed(GListModel *model, guint position, guint removed, guint added,
                        MarinaNewVmWizard *self)
{
    if (added > 0)
        emit_created(self);
}

static gboolean
on_appear_timeout(gpointer user_data)
{
    MarinaNewVmWizard *self = user_data;

    self->appear_timeout_id = 0;
    stop_waiting_for_guest(self);
    /* Made, but the list did not hear of it: the manager shows it when it does. */
    gtk_widget_destroy(GTK_WIDGET(self));
    return G_SOURCE_REMOVE;
}

static void
on_install_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVmWizard) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = marina_installer_run_finish(MARINA_INSTALLER(source), result, &error);
    WizardConn *conn;
    MarinaGuestList *list;

    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    finish_install_ui(self);
    if (path == NULL) {
        g_clear_object(&self->installer);
        if (self->close_requested) {
            gtk_widget_destroy(GTK_WIDGET(self));
            return;
        }
        marina_wizard_summary_page_set_finish_error(
            self->summary_page, marina_ui_is_cancelled(error)
                                    ? _("The installation was cancelled; nothing was left behind.")
                                    : marina_error_message(error));
        return;
    }
    conn = current_conn(self);
    list = conn != NULL ? marina_connection_entry_get_guest_list(conn->entry) : NULL;
    if (list == NULL || self->close_requested) {
        gtk_widget_destroy(GTK_WIDGET(self));
        return;
    }
    gtk_widget_hide(GTK_WIDGET(self));
    self->created_path = g_steal_pointer(&path);
    self->appear_list = g_object_ref(list);
    if (emit_created(self))
        return;
    self->appear_handler = g_signal_connect(self->appear_list, "items-changed",
                                            G_CALLBACK(on_appear_items_changed), self);
    self->appear_timeout_id = g_timeout_add_seconds(APPEAR_TIMEOUT_S, on_appear_timeout, self);
}

static MarinaInstallSpec *
build_spec(MarinaNewVmWizard *self, const char *network)
{
    g_autoptr(MarinaInstallSpec) spec = marina_install_spec_new();
    const MarinaOsInfo *os = chosen_os(self);

    spec->name = marina_wizard_summary_page_get_name(self->summary_page);
    spec->memory_mib = (guint64)marina_wizard_resources_page_get_memory_mib(self->resources_page);
    spec->vcpus = (guint)marina_wizard_resources_page_get_vcpus(self->resources_page);
    spec->os_variant = g_strdup(os->short_id);
    spec->virtio = os->virtio;
    spec->network = g_strdup(network);
    marina_wizard_source_page_fill_spec(self->source_page, spec);
    marina_wizard_storage_page_fill_spec(self->storage_page, spec);
    marina_wizard_summary_page_fill_spec(self->summary_page, spec);
    return g_steal_pointer(&spec);
}

static void
show_install_progress(MarinaNewVmWizard *self, gboolean customize)
{
    gtk_progress_bar_set_fraction(self->progress_bar, 0);
    gtk_label_set_text(self->progress_label,
                       customize ? _("Preparing the guest…") : _("Creating the guest…"));
    gtk_widget_show(self->progress_box);
    gtk_widget_show(GTK_WIDGET(self->progress_bar));
    gtk_widget_show(GTK_WIDGET(self->progress_label));
    show_spinner(self, "");
}

static void
on_finish_clicked(GtkButton *button, MarinaNewVmWizard *self)
{
    MarinaConnection *connection = marina_wizard_host_get_connection(self->host);
    g_autofree char *network = NULL;
    g_autoptr(MarinaInstallSpec) spec = NULL;
    g_autoptr(GError) error = NULL;
    gboolean customize = marina_wizard_summary_page_get_customize(self->summary_page);

    if (is_busy(self) || !marina_wizard_summary_page_check_name(self->summary_page))
        return;
    marina_wizard_summary_page_set_finish_error(self->summary_page, NULL);
    if (connection == NULL || marina_connection_is_closed(connection)) {
        marina_wizard_summary_page_set_finish_error(
            self->summary_page, _("The connection to the host is closed. Reconnect in the "
                                  "manager, then try again."));
        return;
    }
    network = marina_wizard_summary_page_get_network(self->summary_page);
    if (network == NULL)
        return;
    spec = build_spec(self, network);
    if (!marina_install_spec_validate(spec, &error)) {
        marina_wizard_summary_page_set_finish_error(self->summary_page, error->message);
        return;
    }

    self->installer = marina_installer_new(connection, g_steal_pointer(&spec));
    self->created_customize = customize;
    g_signal_connect_object(self->installer, "progress", G_CALLBACK(on_installer_progress), self,
                            0);
    g_clear_object(&self->install_cancellable);
    self->install_cancellable = g_cancellable_new();
    self->installing = TRUE;
    show_install_progress(self, customize);
    marina_installer_run_async(self->installer, customize, self->install_cancellable,
                               on_install_done, g_object_ref(self));
}

static void
on_cancel_clicked(GtkButton *button, MarinaNewVmWizard *self)
{
    if (self->installing) {
        /* The installer removes what it made before it reports back. */
        g_cancellable_cancel(self->install_cancellable);
        gtk_label_set_text(self->progress_label, _("Cancelling: removing what was made so far…"));
        gtk_widget_set_sensitive(self->cancel_button, FALSE);
        return;
    }
    if (self->check_cancellable != NULL) {
        g_cancellable_cancel(self->check_cancellable);
        end_busy(self);
        return;
    }
    gtk_widget_destroy(GTK_WIDGET(self));
}

static gboolean
marina_new_vm_wizard_delete_event(GtkWidget *widget, GdkEventAny *event)
{
    MarinaNewVmWizard *self = MARINA_NEW_VM_WIZARD(widget);

    if (self->installing) {
        /* Close once the installer has rolled back. */
        self->close_requested = TRUE;
        g_cancellable_cancel(self->install_cancellable);
        gtk_widget_set_sensitive(self->cancel_button, FALSE);
        return TRUE;
    }
    return FALSE;
}

/* ---------------------------------------------------------------- public */

MarinaNewVmWizard *
marina_new_vm_wizard_new(GtkWindow *parent)
{
    return g_object_new(MARINA_TYPE_NEW_VM_WIZARD, "transient-for", parent, "application",
                        parent != NULL ? gtk_window_get_application(parent) : NULL, NULL);
}

void
marina_new_vm_wizard_add_connection(MarinaNewVmWizard *self, MarinaConnectionEntry *entry,
                                    gboolean selected)
{
    WizardConn conn;

    g_return_if_fail(MARINA_IS_NEW_VM_WIZARD(self));
    g_return_if_fail(MARINA_IS_CONNECTION_ENTRY(entry));

    conn.entry = g_object_ref(entry);
    g_array_append_val(self->conns, conn);
    g_signal_connect_object(entry, "state-changed", G_CALLBACK(on_entry_state_changed), self, 0);
    marina_wizard_source_page_add_connection(self->source_page,
                                             marina_connection_entry_get_label(entry));
    if (selected || marina_wizard_source_page_get_connection(self->source_page) < 0)
        marina_wizard_source_page_set_connection(self->source_page, (int)self->conns->len - 1);
}

static void
wizard_conn_clear(WizardConn *conn)
{
    g_clear_object(&conn->entry);
}

static void
marina_new_vm_wizard_dispose(GObject *object)
{
    MarinaNewVmWizard *self = MARINA_NEW_VM_WIZARD(object);

    g_cancellable_cancel(self->check_cancellable);
    if (self->host != NULL)
        marina_wizard_host_close(self->host);
    stop_pulse(self);
    stop_waiting_for_guest(self);
    g_clear_object(&self->installer);
    g_clear_pointer(&self->conns, g_array_unref);
    G_OBJECT_CLASS(marina_new_vm_wizard_parent_class)->dispose(object);
    g_clear_object(&self->host);
}

static void
marina_new_vm_wizard_finalize(GObject *object)
{
    MarinaNewVmWizard *self = MARINA_NEW_VM_WIZARD(object);

    g_clear_object(&self->check_cancellable);
    g_clear_object(&self->install_cancellable);
    g_free(self->created_path);
    G_OBJECT_CLASS(marina_new_vm_wizard_parent_class)->finalize(object);
}

static void
marina_new_vm_wizard_class_init(MarinaNewVmWizardClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_new_vm_wizard_dispose;
    object_class->finalize = marina_new_vm_wizard_finalize;
    widget_class->delete_event = marina_new_vm_wizard_delete_event;

    signals[SIGNAL_GUEST_CREATED] = g_signal_new(
        "guest-created", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
        G_TYPE_NONE, 3, MARINA_TYPE_GUEST_LIST, MARINA_TYPE_GUEST, MARINA_TYPE_INSTALLER);

    g_type_ensure(MARINA_TYPE_WIZARD_SOURCE_PAGE);
    g_type_ensure(MARINA_TYPE_WIZARD_OS_PAGE);
    g_type_ensure(MARINA_TYPE_WIZARD_RESOURCES_PAGE);
    g_type_ensure(MARINA_TYPE_WIZARD_STORAGE_PAGE);
    g_type_ensure(MARINA_TYPE_WIZARD_SUMMARY_PAGE);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/new-vm-wizard.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaNewVmWizard, name)
    BIND(step_label);
    BIND(title_label);
    BIND(stack);
    BIND(source_page);
    BIND(os_page);
    BIND(resources_page);
    BIND(storage_page);
    BIND(summary_page);
    BIND(progress_box);
    BIND(progress_bar);
    BIND(progress_label);
    BIND(spinner);
    BIND(busy_label);
    BIND(cancel_button);
    BIND(back_button);
    BIND(forward_button);
    BIND(finish_button);
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_cancel_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_back_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_forward_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_finish_clicked);
}

static void
connect_pages(MarinaNewVmWizard *self)
{
    marina_wizard_source_page_set_host(self->source_page, self->host);
    marina_wizard_resources_page_set_host(self->resources_page, self->host);
    marina_wizard_storage_page_set_host(self->storage_page, self->host);
    marina_wizard_summary_page_set_host(self->summary_page, self->host);
    g_signal_connect(self->source_page, "connection-changed", G_CALLBACK(on_connection_changed),
                     self);
    g_signal_connect(self->source_page, "method-changed", G_CALLBACK(on_method_changed), self);
    g_signal_connect(self->source_page, "busy", G_CALLBACK(on_page_busy), self);
    g_signal_connect(self->storage_page, "busy", G_CALLBACK(on_page_busy), self);
    g_signal_connect(self->summary_page, "name-checked", G_CALLBACK(on_name_checked), self);
}

static void
marina_new_vm_wizard_init(MarinaNewVmWizard *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->conns = g_array_new(FALSE, TRUE, sizeof(WizardConn));
    g_array_set_clear_func(self->conns, (GDestroyNotify)wizard_conn_clear);
    self->host = marina_wizard_host_new();
    connect_pages(self);

    /* The template children exist only now: name them for assistive technology. */
    marina_form_set_accessible_name(self->step_label, _("Step"));
    marina_form_set_accessible_name(self->progress_bar, _("Install progress"));
    marina_form_set_accessible_name(self->progress_label, _("Install progress message"));
    marina_form_set_accessible_name(self->busy_label, _("Status"));
    marina_form_set_accessible_name(self->spinner, _("Working"));
    marina_form_set_accessible_name(self->cancel_button, _("Cancel"));
    marina_form_set_accessible_name(self->back_button, _("Back"));
    marina_form_set_accessible_name(self->forward_button, _("Forward"));
    marina_form_set_accessible_name(self->finish_button, _("Finish"));

    gtk_widget_set_can_default(self->forward_button, TRUE);
    gtk_widget_set_can_default(self->finish_button, TRUE);
    go_to_page(self, PAGE_SOURCE);
}
