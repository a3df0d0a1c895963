/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-new-vm-wizard"

#include "config.h"

#include <inttypes.h>

#include "new-vm-wizard.h"

#include <glib/gi18n.h>
#include <string.h>

#include "connection.h"
#include "domain-config.h"
#include "error.h"
#include "install-spec.h"
#include "os-catalog.h"

#define HOST_INTERFACE "org.marinavm.Marina1.Host"
#define POOL_INTERFACE "org.marinavm.Marina1.StoragePool"
/* InspectInstallTree fetches from the network; a slow mirror takes a while. */
#define CHECK_TIMEOUT_MS (2 * 60 * 1000)
#define MIN_MEMORY_MIB 64
#define MAX_VCPUS 255
#define GIB (1024.0 * 1024.0 * 1024.0)
/* How long Finish waits for the new guest to show in the connection's list. */
#define APPEAR_TIMEOUT_S 20

enum { PAGE_SOURCE, PAGE_OS, PAGE_RESOURCES, PAGE_STORAGE, PAGE_SUMMARY, N_PAGES };

static const char *const page_names[N_PAGES] = {"source", "os", "resources", "storage", "summary"};

typedef struct {
    char *label;
    MarinaGuestList *list;
    gboolean local;
} WizardConn;

typedef struct {
    char *path; /* object path */
    char *name;
    gboolean active;
    guint64 available;
} PoolInfo;

enum { SIGNAL_GUEST_CREATED, N_SIGNALS };
static guint signals[N_SIGNALS];

struct _MarinaNewVmWizard {
    GtkWindow parent_instance;

    GPtrArray *conns;               /* WizardConn* */
    GCancellable *cancellable;      /* the wizard's lifetime */
    GCancellable *conn_cancellable; /* facts of the selected connection */
    GCancellable *check_cancellable;
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
    gboolean setting; /* widgets are being set by the wizard, not by a person */

    /* The selected connection's host. */
    guint host_cpus;         /* 0: not known yet */
    guint64 host_memory_mib; /* 0: not known yet */
    GStrv host_bridges;      /* the host's bridge devices; NULL: not known yet */
    gboolean system_mode;
    GPtrArray *pools; /* PoolInfo* */

    /* The install source as checked on Forward, and what it says of itself. */
    GVariant *source_info; /* InspectMedia / InspectInstallTree reply, or NULL */
    const MarinaOsInfo *detected;
    const MarinaOsInfo *applied_os; /* whose defaults the later pages show */
    GtkListStore *os_store;
    gboolean memory_touched, vcpus_touched, disk_touched, name_touched;

    /* template children */
    GtkLabel *step_label;
    GtkLabel *title_label;
    GtkStack *stack;
    GtkComboBoxText *connection_combo;
    GtkRadioButton *media_radio;
    GtkRadioButton *location_radio;
    GtkRadioButton *pxe_radio;
    GtkRadioButton *import_radio;
    GtkRadioButton *kernel_radio;
    GtkRadioButton *manual_radio;
    GtkStack *method_stack;
    GtkEntry *media_entry;
    GtkWidget *media_browse;
    GtkWidget *media_volumes;
    GtkEntry *location_entry;
    GtkEntry *location_args_entry;
    GtkEntry *import_entry;
    GtkWidget *import_browse;
    GtkWidget *import_volumes;
    GtkEntry *kernel_entry;
    GtkWidget *kernel_browse;
    GtkEntry *initrd_entry;
    GtkWidget *initrd_browse;
    GtkEntry *kernel_args_entry;
    GtkLabel *source_error;
    GtkToggleButton *detect_check;
    GtkLabel *detect_label;
    GtkEntry *os_entry;
    GtkWidget *generic_button;
    GtkLabel *os_info_label;
    GtkLabel *os_error;
    GtkSpinButton *memory_spin;
    GtkLabel *memory_hint;
    GtkSpinButton *vcpus_spin;
    GtkLabel *vcpus_hint;
    GtkLabel *resources_warning;
    GtkLabel *resources_error;
    GtkToggleButton *storage_check;
    GtkWidget *storage_box;
    GtkToggleButton *new_disk_radio;
    GtkWidget *new_disk_grid;
    GtkComboBoxText *pool_combo;
    GtkSpinButton *size_spin;
    GtkComboBoxText *format_combo;
    GtkToggleButton *allocate_check;
    GtkToggleButton *existing_radio;
    GtkWidget *existing_grid;
    GtkEntry *existing_entry;
    GtkWidget *existing_browse;
    GtkWidget *existing_volumes;
    GtkLabel *import_disk_label;
    GtkLabel *storage_warning;
    GtkLabel *storage_error;
    GtkEntry *name_entry;
    GtkLabel *name_error;
    GtkLabel *summary_os;
    GtkLabel *summary_install;
    GtkLabel *summary_memory;
    GtkLabel *summary_vcpus;
    GtkLabel *summary_storage;
    GtkComboBoxText *network_combo;
    GtkWidget *bridge_label;
    GtkEntry *bridge_entry;
    GtkLabel *network_error;
    GtkToggleButton *customize_check;
    GtkLabel *finish_error;
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

static void update_os_page(MarinaNewVmWizard *self);
static void go_to_page(MarinaNewVmWizard *self, int page);

/* ---------------------------------------------------------------- helpers */

static void
wizard_conn_free(WizardConn *conn)
{
    g_free(conn->label);
    g_clear_object(&conn->list);
    g_free(conn);
}

static void
pool_info_free(PoolInfo *pool)
{
    g_free(pool->path);
    g_free(pool->name);
    g_free(pool);
}

static gboolean
is_cancelled(const GError *error)
{
    return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
set_accessible_name(gpointer widget, const char *name)
{
    atk_object_set_name(gtk_widget_get_accessible(GTK_WIDGET(widget)), name);
}

/* An inline message: shown while it says something. */
static void
set_message(GtkLabel *label, const char *text)
{
    gtk_label_set_text(label, text != NULL ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(label), text != NULL && *text != '\0');
}

static char *
entry_text(GtkEntry *entry)
{
    return g_strstrip(g_strdup(gtk_entry_get_text(entry)));
}

static void
set_entry_text(MarinaNewVmWizard *self, GtkEntry *entry, const char *text)
{
    self->setting = TRUE;
    gtk_entry_set_text(entry, text);
    self->setting = FALSE;
}

static void
set_spin_value(MarinaNewVmWizard *self, GtkSpinButton *spin, double value)
{
    self->setting = TRUE;
    gtk_spin_button_set_value(spin, value);
    self->setting = FALSE;
}

/* The number typed into @spin (which keeps its old value until it is
 * activated or loses focus), so checks see what the person sees. */
static gboolean
spin_text_value(GtkSpinButton *spin, double *value)
{
    g_autofree char *text = entry_text(GTK_ENTRY(spin));
    char *end = NULL;
    double v;

    if (*text == '\0')
        return FALSE;
    v = g_ascii_strtod(text, &end);
    if (end == NULL || *end != '\0' || v != v || v < 0)
        return FALSE;
    *value = v;
    return TRUE;
}

static WizardConn *
current_conn(MarinaNewVmWizard *self)
{
    int index = gtk_combo_box_get_active(GTK_COMBO_BOX(self->connection_combo));

    if (index < 0 || (guint)index >= self->conns->len)
        return NULL;
    return g_ptr_array_index(self->conns, index);
}

static MarinaConnection *
current_connection(MarinaNewVmWizard *self)
{
    WizardConn *conn = current_conn(self);

    return conn != NULL ? marina_guest_list_get_connection(conn->list) : NULL;
}

static MarinaInstallMethod
current_method(MarinaNewVmWizard *self)
{
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->location_radio)))
        return MARINA_INSTALL_LOCATION;
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->pxe_radio)))
        return MARINA_INSTALL_PXE;
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->import_radio)))
        return MARINA_INSTALL_IMPORT;
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->kernel_radio)))
        return MARINA_INSTALL_KERNEL;
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->manual_radio)))
        return MARINA_INSTALL_MANUAL;
    return MARINA_INSTALL_MEDIA;
}

static const char *
method_page(MarinaInstallMethod method)
{
    switch (method) {
    case MARINA_INSTALL_LOCATION:
        return "location";
    case MARINA_INSTALL_PXE:
        return "pxe";
    case MARINA_INSTALL_IMPORT:
        return "import";
    case MARINA_INSTALL_KERNEL:
        return "kernel";
    case MARINA_INSTALL_MANUAL:
        return "manual";
    case MARINA_INSTALL_MEDIA:
    default:
        return "media";
    }
}

static gboolean
name_is_taken(MarinaNewVmWizard *self, const char *name)
{
    WizardConn *conn = current_conn(self);
    GListModel *model;

    if (conn == NULL)
        return FALSE;
    model = G_LIST_MODEL(conn->list);
    for (guint i = 0; i < g_list_model_get_n_items(model); i++) {
        g_autoptr(MarinaGuest) guest = g_list_model_get_item(model, i);

        if (g_strcmp0(marina_guest_get_name(guest), name) == 0)
            return TRUE;
    }
    return FALSE;
}

static char *
format_size(guint64 bytes)
{
    return g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* ------------------------------------------------------ the OS catalog */

/* Loaded once per process (a few hundred milliseconds in a thread), then shared. */
static MarinaOsCatalog *os_catalog;
static gboolean os_catalog_loading;
static GPtrArray *os_catalog_waiters; /* MarinaNewVmWizard*, reffed */

/* Without osinfo-db the wizard still offers a generic guest. Its name is
 * set at first use, when gettext knows the language. */
static MarinaOsInfo generic_fallback = {
    .short_id = (char *)"generic",
    .id = (char *)"generic",
    .family = (char *)"",
    .distro = (char *)"",
    .vendor = (char *)"",
    .version = (char *)"",
    .memory_mib = 1024,
    .vcpus = 1,
    .disk_bytes = 10ULL * 1024 * 1024 * 1024,
    .virtio = TRUE,
};

enum { OS_COL_NAME, OS_COL_SHORT_ID, OS_COL_KEY, OS_N_COLUMNS };

static void
fill_os_store(MarinaNewVmWizard *self)
{
    GPtrArray *list;

    gtk_list_store_clear(self->os_store);
    if (os_catalog == NULL)
        return;
    list = marina_os_catalog_list(os_catalog);
    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *os = g_ptr_array_index(list, i);
        g_autofree char *both = g_strdup_printf("%s %s", os->name, os->short_id);
        g_autofree char *key = g_utf8_casefold(both, -1);

        gtk_list_store_insert_with_values(self->os_store, NULL, -1, OS_COL_NAME, os->name,
                                          OS_COL_SHORT_ID, os->short_id, OS_COL_KEY, key, -1);
    }
}

static void
catalog_ready(MarinaNewVmWizard *self)
{
    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    fill_os_store(self);
    /* The source may have been checked before the catalog arrived. */
    self->detected = NULL;
    if (os_catalog != NULL && self->source_info != NULL) {
        if (g_variant_lookup_value(self->source_info, "layout", NULL) != NULL)
            self->detected = marina_os_catalog_identify_tree(os_catalog, self->source_info);
        else
            self->detected = marina_os_catalog_identify_media(os_catalog, self->source_info);
    }
    update_os_page(self);
}

static void
on_catalog_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) waiters = g_steal_pointer(&os_catalog_waiters);

    (void)source;
    (void)user_data;
    os_catalog_loading = FALSE;
    os_catalog = marina_os_catalog_load_finish(result, &error);
    if (os_catalog == NULL)
        g_warning("Could not load the operating system list: %s", error->message);
    for (guint i = 0; waiters != NULL && i < waiters->len; i++)
        catalog_ready(g_ptr_array_index(waiters, i));
}

static void
request_catalog(MarinaNewVmWizard *self)
{
    if (os_catalog != NULL) {
        catalog_ready(self);
        return;
    }
    if (os_catalog_waiters == NULL)
        os_catalog_waiters = g_ptr_array_new_with_free_func(g_object_unref);
    g_ptr_array_add(os_catalog_waiters, g_object_ref(self));
    if (!os_catalog_loading) {
        os_catalog_loading = TRUE;
        marina_os_catalog_load_async(NULL, on_catalog_loaded, NULL);
    }
}

/* The OS the person typed: a short id, or a name from the list. */
static const MarinaOsInfo *generic_os(void);

static const MarinaOsInfo *
os_from_text(const char *text)
{
    g_autofree char *folded = NULL;
    GPtrArray *list;

    if (text == NULL || *text == '\0')
        return NULL;
    folded = g_utf8_casefold(text, -1);
    if (os_catalog == NULL)
        return g_strcmp0(folded, "generic") == 0 ? generic_os() : NULL;
    {
        const MarinaOsInfo *os = marina_os_catalog_lookup(os_catalog, text);
        if (os == NULL)
            os = marina_os_catalog_lookup(os_catalog, folded);
        if (os != NULL)
            return os;
    }
    list = marina_os_catalog_list(os_catalog);
    for (guint i = 0; i < list->len; i++) {
        const MarinaOsInfo *os = g_ptr_array_index(list, i);
        g_autofree char *name = g_utf8_casefold(os->name, -1);

        if (g_strcmp0(name, folded) == 0)
            return os;
    }
    return NULL;
}

static const MarinaOsInfo *
generic_os(void)
{
    const MarinaOsInfo *os =
        os_catalog != NULL ? marina_os_catalog_lookup(os_catalog, "generic") : NULL;

    if (os != NULL)
        return os;
    if (generic_fallback.name == NULL)
        generic_fallback.name = (char *)_("Generic or unknown OS");
    return &generic_fallback;
}

static gboolean
can_detect(MarinaNewVmWizard *self)
{
    MarinaInstallMethod method = current_method(self);

    return method == MARINA_INSTALL_MEDIA || method == MARINA_INSTALL_LOCATION;
}

static gboolean
detecting(MarinaNewVmWizard *self)
{
    return can_detect(self) && gtk_toggle_button_get_active(self->detect_check);
}

static const MarinaOsInfo *
effective_os(MarinaNewVmWizard *self)
{
    g_autofree char *text = NULL;

    if (detecting(self) && self->detected != NULL)
        return self->detected;
    text = entry_text(self->os_entry);
    return os_from_text(text);
}

static void
update_os_page(MarinaNewVmWizard *self)
{
    gboolean detect = detecting(self);
    gboolean choose = !detect || self->detected == NULL;
    const MarinaOsInfo *os;

    gtk_widget_set_sensitive(GTK_WIDGET(self->detect_check), can_detect(self));
    if (!detect) {
        set_message(self->detect_label, NULL);
    } else if (os_catalog == NULL && os_catalog_loading) {
        set_message(self->detect_label, _("Loading the list of operating systems…"));
    } else if (self->detected != NULL) {
        g_autofree char *text = g_strdup_printf(_("Detected: %s"), self->detected->name);
        set_message(self->detect_label, text);
        set_entry_text(self, self->os_entry, self->detected->name);
    } else {
        set_message(self->detect_label,
                    _("Could not detect the operating system; choose it below"));
    }
    gtk_widget_set_sensitive(GTK_WIDGET(self->os_entry), choose);
    gtk_widget_set_sensitive(self->generic_button, choose);

    os = effective_os(self);
    if (os != NULL) {
        g_autofree char *disk = format_size(os->disk_bytes);
        g_autofree char *text = g_strdup_printf(
            _("%s: %" PRIu64 " MiB of memory, %u vCPUs and a %s disk suggested%s."), os->name,
            os->memory_mib, os->vcpus, disk,
            os->virtio ? _(", with virtio devices") : _(", with emulated (non-virtio) devices"));
        set_message(self->os_info_label, text);
    } else {
        set_message(self->os_info_label, NULL);
    }
}

/* The chosen OS sets memory, vCPUs, disk size: unless the person set them. */
static void
apply_os_defaults(MarinaNewVmWizard *self, const MarinaOsInfo *os)
{
    if (os == self->applied_os)
        return;
    self->applied_os = os;
    if (!self->memory_touched) {
        guint64 memory = MAX(os->memory_mib, MIN_MEMORY_MIB);

        if (self->host_memory_mib > 0 && memory > self->host_memory_mib / 2)
            memory = MAX(self->host_memory_mib / 2, MIN_MEMORY_MIB);
        set_spin_value(self, self->memory_spin, (double)memory);
    }
    if (!self->vcpus_touched) {
        guint vcpus = CLAMP(os->vcpus, 1, MAX_VCPUS);

        if (self->host_cpus > 0)
            vcpus = MIN(vcpus, self->host_cpus);
        set_spin_value(self, self->vcpus_spin, vcpus);
    }
    if (!self->disk_touched && os->disk_bytes > 0)
        set_spin_value(self, self->size_spin, MAX(1.0, (double)os->disk_bytes / GIB));
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
                                 !busy && *gtk_label_get_text(self->name_error) == '\0');
    }
}

static void
begin_busy(MarinaNewVmWizard *self, const char *message)
{
    g_clear_object(&self->check_cancellable);
    self->check_cancellable = g_cancellable_new();
    gtk_label_set_text(self->busy_label, message);
    gtk_widget_show(GTK_WIDGET(self->spinner));
    gtk_spinner_start(self->spinner);
    update_buttons(self, TRUE);
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

static gboolean
is_busy(MarinaNewVmWizard *self)
{
    return self->check_cancellable != NULL || self->installing;
}

/* ------------------------------------------ local file checks (async) */

typedef void (*FilesCheckedFunc)(MarinaNewVmWizard *self, const char *error);

typedef struct {
    MarinaNewVmWizard *self; /* reffed */
    GPtrArray *paths;
    guint index;
    FilesCheckedFunc done;
} FileCheck;

static void
file_check_free(FileCheck *check)
{
    g_object_unref(check->self);
    g_ptr_array_unref(check->paths);
    g_free(check);
}

static void file_check_next(FileCheck *check);

static void
on_file_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    FileCheck *check = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GFileInfo) info = g_file_query_info_finish(G_FILE(source), result, &error);
    const char *path = g_ptr_array_index(check->paths, check->index);
    g_autofree char *message = NULL;

    if (is_cancelled(error)) {
        file_check_free(check);
        return;
    }
    if (info == NULL) {
        message = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
                      ? g_strdup_printf(_("The file %s does not exist. Check the path."), path)
                      : g_strdup_printf(_("Cannot read %s: %s."), path, error->message);
    } else if (g_file_info_get_file_type(info) == G_FILE_TYPE_DIRECTORY) {
        message = g_strdup_printf(_("%s is a folder. Choose a file."), path);
    }
    if (message != NULL) {
        check->done(check->self, message);
        file_check_free(check);
        return;
    }
    check->index++;
    file_check_next(check);
}

static void
file_check_next(FileCheck *check)
{
    g_autoptr(GFile) file = NULL;

    if (check->index >= check->paths->len) {
        check->done(check->self, NULL);
        file_check_free(check);
        return;
    }
    file = g_file_new_for_path(g_ptr_array_index(check->paths, check->index));
    g_file_query_info_async(file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                            G_PRIORITY_DEFAULT, check->self->check_cancellable, on_file_info,
                            check);
}

/* Checks that each path (on this computer) is an existing file; calls
 * @done with the first problem, or NULL. Needs begin_busy() first. */
static void
check_files(MarinaNewVmWizard *self, GPtrArray *paths, FilesCheckedFunc done)
{
    FileCheck *check = g_new0(FileCheck, 1);

    check->self = g_object_ref(self);
    check->paths = g_ptr_array_ref(paths);
    check->done = done;
    file_check_next(check);
}

/* Whether the paths of the selected connection are on this computer. */
static gboolean
conn_is_local(MarinaNewVmWizard *self)
{
    WizardConn *conn = current_conn(self);

    return conn != NULL && conn->local;
}

/* Checks @path is absolute; the message says what is wrong otherwise. */
static char *
path_problem(const char *path, const char *what)
{
    if (*path == '\0')
        return g_strdup_printf(_("Enter the path of the %s."), what);
    if (!g_path_is_absolute(path))
        return g_strdup_printf(_("The %s path “%s” is not absolute: enter the full path on the "
                                 "host, starting with /."),
                               what, path);
    return NULL;
}

/* --------------------------------------------------------- page 1: source */

static void
source_checked(MarinaNewVmWizard *self, const char *error)
{
    end_busy(self);
    if (error != NULL) {
        set_message(self->source_error, error);
        return;
    }
    set_message(self->source_error, NULL);
    go_to_page(self, PAGE_OS);
}

static void
on_source_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVmWizard) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (is_cancelled(error) || gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (reply == NULL) {
        source_checked(self, marina_error_message(error));
        return;
    }
    g_clear_pointer(&self->source_info, g_variant_unref);
    g_variant_get(reply, "(@a{sv})", &self->source_info);
    catalog_ready(self);
    source_checked(self, NULL);
}

static void
inspect_source(MarinaNewVmWizard *self, const char *method, const char *argument,
               const char *message)
{
    MarinaConnection *connection = current_connection(self);

    begin_busy(self, message);
    g_dbus_connection_call(marina_connection_get_dbus_connection(connection), NULL,
                           MARINA_DBUS_HOST_PATH, HOST_INTERFACE, method,
                           g_variant_new("(s)", argument), G_VARIANT_TYPE("(a{sv})"),
                           G_DBUS_CALL_FLAGS_NONE, CHECK_TIMEOUT_MS, self->check_cancellable,
                           on_source_inspected, g_object_ref(self));
}

static gboolean
url_scheme_ok(const char *url)
{
    g_autofree char *scheme = g_uri_parse_scheme(url);

    return scheme != NULL &&
           (g_ascii_strcasecmp(scheme, "http") == 0 || g_ascii_strcasecmp(scheme, "https") == 0 ||
            g_ascii_strcasecmp(scheme, "ftp") == 0);
}

static void
forward_from_source(MarinaNewVmWizard *self)
{
    MarinaInstallMethod method = current_method(self);
    g_autofree char *problem = NULL;
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

    if (current_connection(self) == NULL) {
        set_message(self->source_error,
                    _("There is no connected host. Connect to one in the manager first."));
        return;
    }
    g_clear_pointer(&self->source_info, g_variant_unref);
    self->detected = NULL;

    switch (method) {
    case MARINA_INSTALL_MEDIA: {
        g_autofree char *path = entry_text(self->media_entry);

        problem = path_problem(path, _("ISO image"));
        if (problem == NULL) {
            inspect_source(self, "InspectMedia", path, _("Checking the install media…"));
            return;
        }
        break;
    }
    case MARINA_INSTALL_LOCATION: {
        g_autofree char *url = entry_text(self->location_entry);

        if (*url == '\0') {
            problem =
                g_strdup(_("Enter the URL of an install tree (http://, https:// or ftp://)."));
        } else if (!url_scheme_ok(url)) {
            problem = g_strdup_printf(_("“%s” is not an HTTP, HTTPS or FTP URL. Enter an address "
                                        "such as https://host/path/to/tree/."),
                                      url);
        } else {
            inspect_source(self, "InspectInstallTree", url, _("Looking at the install tree…"));
            return;
        }
        break;
    }
    case MARINA_INSTALL_IMPORT: {
        g_autofree char *path = entry_text(self->import_entry);

        problem = path_problem(path, _("disk image"));
        if (problem == NULL)
            g_ptr_array_add(files, g_steal_pointer(&path));
        break;
    }
    case MARINA_INSTALL_KERNEL: {
        g_autofree char *kernel = entry_text(self->kernel_entry);
        g_autofree char *initrd = entry_text(self->initrd_entry);

        problem = path_problem(kernel, _("kernel"));
        if (problem == NULL && *initrd != '\0')
            problem = path_problem(initrd, _("initrd"));
        if (problem == NULL) {
            g_ptr_array_add(files, g_steal_pointer(&kernel));
            if (*initrd != '\0')
                g_ptr_array_add(files, g_steal_pointer(&initrd));
        }
        break;
    }
    case MARINA_INSTALL_PXE:
    case MARINA_INSTALL_MANUAL:
    default:
        break;
    }
    if (problem != NULL) {
        set_message(self->source_error, problem);
        return;
    }
    /* Files on another host are checked when the guest starts. */
    if (files->len > 0 && conn_is_local(self)) {
        begin_busy(self, _("Checking the files…"));
        check_files(self, files, source_checked);
        return;
    }
    source_checked(self, NULL);
}

/* --------------------------------------------------- page 3: resources */

/* Returns FALSE when something blocks Forward; shows errors and warnings. */
static gboolean
check_resources(MarinaNewVmWizard *self)
{
    g_autoptr(GString) warnings = g_string_new(NULL);
    g_autofree char *error = NULL;
    double memory = 0, vcpus = 0;
    const MarinaOsInfo *os = self->applied_os;

    if (!spin_text_value(self->memory_spin, &memory) || memory != (guint64)memory) {
        error = g_strdup(_("Enter the memory as a whole number of MiB, e.g. 1024."));
    } else if (memory < MIN_MEMORY_MIB) {
        error = g_strdup_printf(_("%.0f MiB is too little memory: a guest needs at least %d MiB."),
                                memory, MIN_MEMORY_MIB);
    } else if (self->host_memory_mib > 0 && memory > (double)self->host_memory_mib) {
        error = g_strdup_printf(
            _("%.0f MiB is more memory than the host has (%" PRIu64 " MiB). Enter at most that."),
            memory, self->host_memory_mib);
    } else {
        if (self->host_memory_mib > 0 && memory > 0.9 * (double)self->host_memory_mib)
            g_string_append_printf(warnings,
                                   _("%.0f MiB is more than 90%% of the host's memory (%" PRIu64
                                     " MiB): the host and other guests may run short.\n"),
                                   memory, self->host_memory_mib);
        if (os != NULL && os->min_memory_mib > 0 && memory < (double)os->min_memory_mib)
            g_string_append_printf(warnings, _("%s needs at least %" PRIu64 " MiB of memory.\n"),
                                   os->name, os->min_memory_mib);
    }
    if (error == NULL) {
        if (!spin_text_value(self->vcpus_spin, &vcpus) || vcpus != (guint)vcpus) {
            error = g_strdup(_("Enter the number of vCPUs as a whole number, e.g. 2."));
        } else if (vcpus < 1 || vcpus > MAX_VCPUS) {
            error = g_strdup_printf(_("A guest has between 1 and %d vCPUs."), MAX_VCPUS);
        } else if (self->host_cpus > 0 && vcpus > self->host_cpus) {
            g_string_append_printf(warnings,
                                   _("%.0f vCPUs is more than the host's %u CPUs: the guest will "
                                     "run slower, not faster.\n"),
                                   vcpus, self->host_cpus);
        }
    }
    if (warnings->len > 0)
        g_string_truncate(warnings, warnings->len - 1);
    set_message(self->resources_warning, warnings->str);
    set_message(self->resources_error, error);
    return error == NULL;
}

static void
update_host_hints(MarinaNewVmWizard *self)
{
    g_autofree char *memory = NULL;
    g_autofree char *cpus = NULL;

    if (self->host_memory_mib > 0)
        memory = g_strdup_printf(_("Up to %" PRIu64 " MiB on the host"), self->host_memory_mib);
    if (self->host_cpus > 0)
        cpus = g_strdup_printf(
            ngettext("The host has %u CPU", "The host has %u CPUs", self->host_cpus),
            self->host_cpus);
    gtk_label_set_text(self->memory_hint, memory != NULL ? memory : "");
    gtk_label_set_text(self->vcpus_hint, cpus != NULL ? cpus : "");
}

/* ----------------------------------------------------- page 4: storage */

static PoolInfo *
current_pool(MarinaNewVmWizard *self)
{
    const char *name = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->pool_combo));

    for (guint i = 0; name != NULL && i < self->pools->len; i++) {
        PoolInfo *pool = g_ptr_array_index(self->pools, i);
        if (g_strcmp0(pool->name, name) == 0)
            return pool;
    }
    return NULL;
}

static gboolean
storage_enabled(MarinaNewVmWizard *self)
{
    return current_method(self) != MARINA_INSTALL_IMPORT &&
           gtk_toggle_button_get_active(self->storage_check);
}

static void
update_storage_page(MarinaNewVmWizard *self)
{
    gboolean import = current_method(self) == MARINA_INSTALL_IMPORT;
    gboolean enabled = gtk_toggle_button_get_active(self->storage_check);
    gboolean new_disk = gtk_toggle_button_get_active(self->new_disk_radio);

    gtk_widget_set_visible(GTK_WIDGET(self->storage_check), !import);
    gtk_widget_set_visible(self->storage_box, !import);
    gtk_widget_set_sensitive(self->storage_box, enabled);
    gtk_widget_set_sensitive(self->new_disk_grid, new_disk);
    gtk_widget_set_sensitive(self->existing_grid, !new_disk);
    if (import) {
        g_autofree char *path = entry_text(self->import_entry);
        g_autofree char *text =
            g_strdup_printf(_("The imported disk image %s is the guest's disk."), path);
        set_message(self->import_disk_label, text);
    } else {
        set_message(self->import_disk_label, NULL);
    }
}

static gboolean
check_storage(MarinaNewVmWizard *self)
{
    g_autofree char *error = NULL;
    g_autofree char *warning = NULL;

    if (storage_enabled(self) && gtk_toggle_button_get_active(self->new_disk_radio)) {
        PoolInfo *pool = current_pool(self);
        double gib = 0;

        if (pool == NULL) {
            error =
                g_strdup(self->pools->len == 0
                             ? _("The host has no storage pool. Add one in Connection Details, or "
                                 "choose an existing volume or path.")
                             : _("Choose the storage pool for the new disk."));
        } else if (!pool->active) {
            error = g_strdup_printf(_("The storage pool '%s' is not active. Start it in "
                                      "Connection Details or choose another pool."),
                                    pool->name);
        } else if (!spin_text_value(self->size_spin, &gib) || gib <= 0) {
            error = g_strdup(_("Enter a disk size larger than 0 GiB."));
        } else if (gib * GIB > (double)pool->available) {
            g_autofree char *have = format_size(pool->available);

            if (gtk_toggle_button_get_active(self->allocate_check))
                error = g_strdup_printf(_("The storage pool '%s' has only %s available; the "
                                          "disk needs %.1f GiB. Choose a smaller size or another "
                                          "pool."),
                                        pool->name, have, gib);
            else
                warning = g_strdup_printf(_("The disk may grow beyond the %s available in the "
                                            "storage pool '%s'."),
                                          have, pool->name);
        }
    } else if (storage_enabled(self)) {
        g_autofree char *path = entry_text(self->existing_entry);
        error = path_problem(path, _("disk"));
    }
    set_message(self->storage_warning, warning);
    set_message(self->storage_error, error);
    return error == NULL;
}

static void
storage_checked(MarinaNewVmWizard *self, const char *error)
{
    end_busy(self);
    set_message(self->storage_error, error);
    if (error == NULL)
        go_to_page(self, PAGE_SUMMARY);
}

static void
forward_from_storage(MarinaNewVmWizard *self)
{
    if (!check_storage(self))
        return;
    /* The typed size becomes the spin button's value (it keeps the old one until then). */
    gtk_spin_button_update(self->size_spin);
    if (storage_enabled(self) && !gtk_toggle_button_get_active(self->new_disk_radio) &&
        conn_is_local(self)) {
        g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

        g_ptr_array_add(files, entry_text(self->existing_entry));
        begin_busy(self, _("Checking the disk…"));
        check_files(self, files, storage_checked);
        return;
    }
    go_to_page(self, PAGE_SUMMARY);
}

static void
fill_pool_combo(MarinaNewVmWizard *self)
{
    g_autofree char *previous =
        g_strdup(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->pool_combo)));

    self->setting = TRUE;
    gtk_combo_box_text_remove_all(self->pool_combo);
    for (guint i = 0; i < self->pools->len; i++) {
        PoolInfo *pool = g_ptr_array_index(self->pools, i);
        g_autofree char *free_text = format_size(pool->available);
        g_autofree char *text = pool->active
                                    ? g_strdup_printf(_("%s (%s available)"), pool->name, free_text)
                                    : g_strdup_printf(_("%s (inactive)"), pool->name);

        gtk_combo_box_text_append(self->pool_combo, pool->name, text);
    }
    if (previous == NULL ||
        !gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->pool_combo), previous)) {
        if (!gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->pool_combo), "default"))
            gtk_combo_box_set_active(GTK_COMBO_BOX(self->pool_combo), 0);
    }
    self->setting = FALSE;
}

/* --------------------------------------------------------- the volume picker */

enum {
    VOL_COL_POOL,
    VOL_COL_NAME,
    VOL_COL_SIZE,
    VOL_COL_FORMAT,
    VOL_COL_USED_BY,
    VOL_COL_PATH,
    VOL_N_COLUMNS
};

typedef struct {
    GtkListStore *store;
    GtkLabel *status; /* reffed */
    GCancellable *cancellable;
    guint pending;
    char *pool;
} VolumeListing;

typedef struct {
    GtkEntry *target; /* reffed */
    GtkTreeView *view;
    GCancellable *cancellable;
} VolumePicker;

static void
on_volumes_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    VolumeListing *listing = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

    if (reply != NULL) {
        g_autoptr(GVariantIter) iter = NULL;
        const char *name, *path, *format;
        const char **used_by;
        guint64 capacity, allocation;

        g_variant_get(reply, "(a(ossttsas))", &iter);
        while (g_variant_iter_next(iter, "(&o&s&stt&s^a&s)", NULL, &name, &path, &capacity,
                                   &allocation, &format, &used_by)) {
            g_autofree char *size = format_size(capacity);
            g_autofree char *users = g_strjoinv(", ", (char **)used_by);

            /* A disk another guest uses is shown, not hidden: sharing it
             * can be meant (a shareable disk), the user decides. */
            gtk_list_store_insert_with_values(listing->store, NULL, -1, VOL_COL_POOL, listing->pool,
                                              VOL_COL_NAME, name, VOL_COL_SIZE, size,
                                              VOL_COL_FORMAT, format, VOL_COL_USED_BY, users,
                                              VOL_COL_PATH, path, -1);
            g_free(used_by);
        }
        gtk_label_set_text(listing->status, "");
    } else if (!is_cancelled(error)) {
        g_autofree char *text = g_strdup_printf(_("Could not list the volumes of pool '%s': %s"),
                                                listing->pool, marina_error_message(error));
        gtk_label_set_text(listing->status, text);
    }
    g_object_unref(listing->store);
    g_object_unref(listing->status);
    g_object_unref(listing->cancellable);
    g_free(listing->pool);
    g_free(listing);
}

static void
on_volume_picker_response(GtkDialog *dialog, int response, gpointer user_data)
{
    VolumePicker *picker = user_data;

    if (response == GTK_RESPONSE_ACCEPT) {
        GtkTreeModel *model;
        GtkTreeIter iter;

        if (gtk_tree_selection_get_selected(gtk_tree_view_get_selection(picker->view), &model,
                                            &iter)) {
            g_autofree char *path = NULL;

            gtk_tree_model_get(model, &iter, VOL_COL_PATH, &path, -1);
            gtk_entry_set_text(picker->target, path);
        }
    }
    g_cancellable_cancel(picker->cancellable);
    g_object_unref(picker->cancellable);
    g_object_unref(picker->target);
    g_free(picker);
    gtk_widget_destroy(GTK_WIDGET(dialog));
}

static void
on_volume_row_activated(GtkTreeView *view, GtkTreePath *path, GtkTreeViewColumn *column,
                        GtkDialog *dialog)
{
    gtk_dialog_response(dialog, GTK_RESPONSE_ACCEPT);
}

/* A list of the volumes of the host's active pools; the chosen volume's
 * path goes into @target. */
static void
pick_volume(MarinaNewVmWizard *self, GtkEntry *target)
{
    MarinaConnection *connection = current_connection(self);
    g_autoptr(GtkListStore) store =
        gtk_list_store_new(VOL_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                           G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    GtkWidget *dialog, *content, *scrolled, *view, *status;
    VolumePicker *picker;
    static const struct {
        const char *title;
        int column;
    } columns[] = {{N_("Pool"), VOL_COL_POOL},       {N_("Volume"), VOL_COL_NAME},
                   {N_("Size"), VOL_COL_SIZE},       {N_("Format"), VOL_COL_FORMAT},
                   {N_("Used By"), VOL_COL_USED_BY}, {N_("Path"), VOL_COL_PATH}};

    if (connection == NULL)
        return;
    dialog = gtk_dialog_new_with_buttons(
        _("Choose a Volume"), GTK_WINDOW(self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
        _("_Cancel"), GTK_RESPONSE_CANCEL, _("C_hoose"), GTK_RESPONSE_ACCEPT, NULL);
    gtk_window_set_default_size(GTK_WINDOW(dialog), 640, 360);
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_ACCEPT);
    content = gtk_dialog_get_content_area(GTK_DIALOG(dialog));
    gtk_container_set_border_width(GTK_CONTAINER(content), 12);
    gtk_box_set_spacing(GTK_BOX(content), 6);
    scrolled = gtk_scrolled_window_new(NULL, NULL);
    gtk_widget_set_vexpand(scrolled, TRUE);
    gtk_scrolled_window_set_shadow_type(GTK_SCROLLED_WINDOW(scrolled), GTK_SHADOW_IN);
    view = gtk_tree_view_new_with_model(GTK_TREE_MODEL(store));
    set_accessible_name(view, _("Volumes"));
    for (guint i = 0; i < G_N_ELEMENTS(columns); i++) {
        GtkTreeViewColumn *column = gtk_tree_view_column_new_with_attributes(
            _(columns[i].title), gtk_cell_renderer_text_new(), "text", columns[i].column, NULL);
        gtk_tree_view_column_set_resizable(column, TRUE);
        gtk_tree_view_append_column(GTK_TREE_VIEW(view), column);
    }
    g_signal_connect(view, "row-activated", G_CALLBACK(on_volume_row_activated), dialog);
    gtk_container_add(GTK_CONTAINER(scrolled), view);
    gtk_box_pack_start(GTK_BOX(content), scrolled, TRUE, TRUE, 0);
    status = gtk_label_new(_("Loading volumes…"));
    gtk_label_set_xalign(GTK_LABEL(status), 0);
    gtk_label_set_line_wrap(GTK_LABEL(status), TRUE);
    set_accessible_name(status, _("Volume list status"));
    gtk_box_pack_start(GTK_BOX(content), status, FALSE, FALSE, 0);

    picker = g_new0(VolumePicker, 1);
    picker->target = g_object_ref(target);
    picker->view = GTK_TREE_VIEW(view);
    picker->cancellable = g_cancellable_new();
    g_signal_connect(dialog, "response", G_CALLBACK(on_volume_picker_response), picker);

    if (self->pools->len == 0)
        gtk_label_set_text(GTK_LABEL(status), _("The host has no storage pools."));
    for (guint i = 0; i < self->pools->len; i++) {
        PoolInfo *pool = g_ptr_array_index(self->pools, i);
        VolumeListing *listing;

        if (!pool->active)
            continue;
        listing = g_new0(VolumeListing, 1);
        listing->store = g_object_ref(store);
        listing->status = g_object_ref(GTK_LABEL(status));
        listing->cancellable = g_object_ref(picker->cancellable);
        listing->pool = g_strdup(pool->name);
        g_dbus_connection_call(marina_connection_get_dbus_connection(connection), NULL, pool->path,
                               POOL_INTERFACE, "ListVolumes", NULL, G_VARIANT_TYPE("(a(ossttsas))"),
                               G_DBUS_CALL_FLAGS_NONE, -1, picker->cancellable, on_volumes_listed,
                               listing);
    }
    gtk_widget_show_all(dialog);
}

/* --------------------------------------------------------- host facts */

static void fill_network_combo(MarinaNewVmWizard *self);

static void
on_node_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVmWizard) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
    g_autoptr(GVariant) info = NULL;
    guint64 memory_kib = 0;
    guint32 cpus = 0;

    if (reply == NULL) {
        if (!is_cancelled(error))
            g_message("Could not read the host's CPUs and memory: %s", marina_error_message(error));
        return;
    }
    g_variant_get(reply, "(@a{sv})", &info);
    if (g_variant_lookup(info, "memory-kib", "t", &memory_kib))
        self->host_memory_mib = memory_kib / 1024;
    if (g_variant_lookup(info, "cpus", "u", &cpus))
        self->host_cpus = cpus;
    g_strfreev(self->host_bridges);
    if (!g_variant_lookup(info, "bridges", "^as", &self->host_bridges))
        self->host_bridges = NULL;
    fill_network_combo(self);
    update_host_hints(self);
    if (self->page == PAGE_RESOURCES)
        check_resources(self);
}

static void
fill_network_combo(MarinaNewVmWizard *self)
{
    g_autofree char *previous =
        g_strdup(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->network_combo)));

    self->setting = TRUE;
    gtk_combo_box_text_remove_all(self->network_combo);
    gtk_combo_box_text_append(self->network_combo, "user", _("Usermode networking (NAT)"));
    if (self->system_mode) {
        /* The host's bridges by name, then any other name typed in. */
        for (char **b = self->host_bridges; b != NULL && *b != NULL; b++) {
            g_autofree char *id = g_strdup_printf("bridge=%s", *b);
            g_autofree char *label = g_strdup_printf(_("Bridge %s (host device)"), *b);
            gtk_combo_box_text_append(self->network_combo, id, label);
        }
        gtk_combo_box_text_append(self->network_combo, "bridge", _("Specify bridge device…"));
    }
    gtk_combo_box_text_append(self->network_combo, "none", _("No network"));
    if (previous == NULL ||
        !gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->network_combo), previous))
        gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->network_combo), "user");
    self->setting = FALSE;
}

static void
on_mode(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVmWizard) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
    g_autoptr(GVariant) value = NULL;

    if (reply == NULL) {
        if (!is_cancelled(error))
            g_message("Could not read the daemon's mode: %s", marina_error_message(error));
        return;
    }
    g_variant_get(reply, "(v)", &value);
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
        self->system_mode = g_strcmp0(g_variant_get_string(value, NULL), "system") == 0;
    fill_network_combo(self);
}

static void
on_pools(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaNewVmWizard) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
    g_autoptr(GVariantIter) iter = NULL;
    const char *path, *name;
    gboolean active, autostart;
    guint64 capacity, allocation, available;

    if (reply == NULL) {
        if (!is_cancelled(error)) {
            g_autofree char *text = g_strdup_printf(_("Could not list the storage pools: %s"),
                                                    marina_error_message(error));
            set_message(self->storage_error, text);
        }
        return;
    }
    g_ptr_array_set_size(self->pools, 0);
    g_variant_get(reply, "(a(osbbttt))", &iter);
    while (g_variant_iter_next(iter, "(&o&sbbttt)", &path, &name, &active, &autostart, &capacity,
                               &allocation, &available)) {
        PoolInfo *pool = g_new0(PoolInfo, 1);

        pool->path = g_strdup(path);
        pool->name = g_strdup(name);
        pool->active = active;
        pool->available = available;
        g_ptr_array_add(self->pools, pool);
    }
    fill_pool_combo(self);
    if (self->page == PAGE_STORAGE)
        check_storage(self);
}

static void
connection_changed(MarinaNewVmWizard *self)
{
    MarinaConnection *connection = current_connection(self);
    WizardConn *conn = current_conn(self);
    GDBusConnection *bus;

    g_cancellable_cancel(self->conn_cancellable);
    g_clear_object(&self->conn_cancellable);
    self->conn_cancellable = g_cancellable_new();
    self->host_cpus = 0;
    self->host_memory_mib = 0;
    g_clear_pointer(&self->host_bridges, g_strfreev);
    self->system_mode = FALSE;
    g_ptr_array_set_size(self->pools, 0);
    fill_pool_combo(self);
    fill_network_combo(self);
    update_host_hints(self);
    g_clear_pointer(&self->source_info, g_variant_unref);
    self->detected = NULL;

    /* A local file chooser only makes sense when the files are here. */
    {
        gboolean local = conn != NULL && conn->local;
        GtkWidget *browse[] = {self->media_browse, self->import_browse, self->kernel_browse,
                               self->initrd_browse, self->existing_browse};

        for (guint i = 0; i < G_N_ELEMENTS(browse); i++) {
            gtk_widget_set_sensitive(browse[i], local);
            gtk_widget_set_tooltip_text(
                browse[i], local ? NULL
                                 : _("The path is on the remote host: type it, or choose one "
                                     "of its volumes with Browse Volumes…"));
        }
    }
    if (connection == NULL || marina_connection_is_closed(connection))
        return;
    bus = marina_connection_get_dbus_connection(connection);
    g_dbus_connection_call(bus, NULL, MARINA_DBUS_HOST_PATH, HOST_INTERFACE, "GetNodeInfo", NULL,
                           G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1,
                           self->conn_cancellable, on_node_info, g_object_ref(self));
    g_dbus_connection_call(bus, NULL, MARINA_DBUS_HOST_PATH, "org.freedesktop.DBus.Properties",
                           "Get", g_variant_new("(ss)", HOST_INTERFACE, "Mode"),
                           G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                           self->conn_cancellable, on_mode, g_object_ref(self));
    g_dbus_connection_call(bus, NULL, MARINA_DBUS_HOST_PATH, HOST_INTERFACE, "ListPools", NULL,
                           G_VARIANT_TYPE("(a(osbbttt))"), G_DBUS_CALL_FLAGS_NONE, -1,
                           self->conn_cancellable, on_pools, g_object_ref(self));
}

/* ------------------------------------------------------ page 5: summary */

static char *
name_problem(MarinaNewVmWizard *self, const char *name)
{
    g_autoptr(GError) error = NULL;

    if (*name == '\0')
        return g_strdup(_("Enter a name for the guest."));
    if (!marina_domain_name_is_valid(name, &error))
        return g_strdup(error->message);
    if (name_is_taken(self, name))
        return g_strdup_printf(_("A guest named '%s' already exists. Choose another name."), name);
    return NULL;
}

static gboolean
check_name(MarinaNewVmWizard *self)
{
    g_autofree char *name = entry_text(self->name_entry);
    g_autofree char *problem = name_problem(self, name);

    set_message(self->name_error, problem);
    update_buttons(self, is_busy(self));
    return problem == NULL;
}

static char *
unique_name(MarinaNewVmWizard *self, const char *base)
{
    if (name_problem(self, base) == NULL)
        return g_strdup(base);
    for (guint i = 2; i < 1000; i++) {
        g_autofree char *name = g_strdup_printf("%s-%u", base, i);
        g_autofree char *problem = name_problem(self, name);

        if (problem == NULL)
            return g_steal_pointer(&name);
    }
    return g_strdup(base);
}

static char *
install_text(MarinaNewVmWizard *self)
{
    g_autofree char *text = NULL;

    switch (current_method(self)) {
    case MARINA_INSTALL_MEDIA:
        text = entry_text(self->media_entry);
        return g_strdup_printf(_("Local install media: %s"), text);
    case MARINA_INSTALL_LOCATION:
        text = entry_text(self->location_entry);
        return g_strdup_printf(_("Network install: %s"), text);
    case MARINA_INSTALL_PXE:
        return g_strdup(_("Network boot (PXE)"));
    case MARINA_INSTALL_IMPORT:
        text = entry_text(self->import_entry);
        return g_strdup_printf(_("Import of %s"), text);
    case MARINA_INSTALL_KERNEL:
        text = entry_text(self->kernel_entry);
        return g_strdup_printf(_("Direct kernel boot: %s"), text);
    case MARINA_INSTALL_MANUAL:
    default:
        return g_strdup(_("Manual install"));
    }
}

static char *
storage_text(MarinaNewVmWizard *self)
{
    g_autofree char *path = NULL;

    if (current_method(self) == MARINA_INSTALL_IMPORT) {
        path = entry_text(self->import_entry);
        return g_strdup_printf(_("The imported disk %s"), path);
    }
    if (!storage_enabled(self))
        return g_strdup(_("No disk"));
    if (gtk_toggle_button_get_active(self->new_disk_radio)) {
        PoolInfo *pool = current_pool(self);
        const char *format = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->format_combo));

        return g_strdup_printf(
            gtk_toggle_button_get_active(self->allocate_check)
                ? _("A new %.1f GiB %s disk in pool '%s', allocated now")
                : _("A new %.1f GiB %s disk in pool '%s', allocated as it fills"),
            gtk_spin_button_get_value(self->size_spin), format != NULL ? format : "qcow2",
            pool != NULL ? pool->name : "?");
    }
    path = entry_text(self->existing_entry);
    return g_strdup_printf(_("The existing disk %s"), path);
}

static void
fill_summary(MarinaNewVmWizard *self)
{
    const MarinaOsInfo *os = self->applied_os != NULL ? self->applied_os : generic_os();
    g_autofree char *install = install_text(self);
    g_autofree char *storage = storage_text(self);
    g_autofree char *memory =
        g_strdup_printf(_("%.0f MiB"), gtk_spin_button_get_value(self->memory_spin));
    g_autofree char *vcpus =
        g_strdup_printf("%d", gtk_spin_button_get_value_as_int(self->vcpus_spin));

    gtk_label_set_text(self->summary_os, os->name);
    gtk_label_set_text(self->summary_install, install);
    gtk_label_set_text(self->summary_memory, memory);
    gtk_label_set_text(self->summary_vcpus, vcpus);
    gtk_label_set_text(self->summary_storage, storage);
    if (!self->name_touched) {
        g_autofree char *name = unique_name(self, os->short_id);
        set_entry_text(self, self->name_entry, name);
    }
    check_name(self);
}

static void
update_network(MarinaNewVmWizard *self)
{
    gboolean bridge =
        g_strcmp0(gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->network_combo)), "bridge") == 0;

    gtk_widget_set_visible(self->bridge_label, bridge);
    gtk_widget_set_visible(GTK_WIDGET(self->bridge_entry), bridge);
    set_message(self->network_error, NULL);
}

/* "user", "bridge=NAME" or "none"; NULL (with the message shown) when a typed bridge name
 * is wrong. A listed host bridge's id is already "bridge=NAME". */
static char *
network_choice(MarinaNewVmWizard *self)
{
    const char *id = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->network_combo));
    g_autofree char *bridge = NULL;

    if (g_strcmp0(id, "bridge") != 0)
        return g_strdup(id != NULL ? id : "user");
    bridge = entry_text(self->bridge_entry);
    if (*bridge == '\0' || strlen(bridge) > 15 ||
        strspn(bridge, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
            strlen(bridge)) {
        set_message(self->network_error,
                    _("Enter the name of a bridge device on the host, e.g. br0 (letters, digits, "
                      "'.', '-' and '_', at most 15)."));
        return NULL;
    }
    return g_strdup_printf("bridge=%s", bridge);
}

/* ----------------------------------------------------------- pages */

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
    step = g_strdup_printf(_("Step %d of %d"), page + 1, N_PAGES);
    title = g_markup_printf_escaped("<b><big>%s</big></b>", _(titles[page]));
    gtk_label_set_text(self->step_label, step);
    gtk_label_set_markup(self->title_label, title);
    gtk_stack_set_visible_child_name(self->stack, page_names[page]);
    switch (page) {
    case PAGE_OS:
        update_os_page(self);
        break;
    case PAGE_RESOURCES:
        check_resources(self);
        break;
    case PAGE_STORAGE:
        update_storage_page(self);
        check_storage(self);
        break;
    case PAGE_SUMMARY:
        set_message(self->finish_error, NULL);
        fill_summary(self);
        update_network(self);
        break;
    default:
        break;
    }
    update_buttons(self, is_busy(self));
}

static void
forward_from_os(MarinaNewVmWizard *self)
{
    const MarinaOsInfo *os = effective_os(self);

    if (os == NULL) {
        g_autofree char *text = entry_text(self->os_entry);
        g_autofree char *message =
            *text == '\0' ? g_strdup(_("Choose an operating system from the list, or Generic "
                                       "when it is not there."))
                          : g_strdup_printf(_("“%s” is not an operating system Marina knows. "
                                              "Choose one from the list, or Generic."),
                                            text);
        set_message(self->os_error, message);
        return;
    }
    set_message(self->os_error, NULL);
    apply_os_defaults(self, os);
    go_to_page(self, PAGE_RESOURCES);
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
        if (check_resources(self)) {
            gtk_spin_button_update(self->memory_spin);
            gtk_spin_button_update(self->vcpus_spin);
            go_to_page(self, PAGE_STORAGE);
        }
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

        if (g_strcmp0(marina_guest_get_object_path(guest), self->created_path) != 0)
            continue;
        {
            g_autoptr(MarinaGuestList) list = g_object_ref(self->appear_list);
            g_autoptr(MarinaInstaller) installer = g_steal_pointer(&self->installer);

            stop_waiting_for_guest(self);
            g_signal_emit(self, signals[SIGNAL_GUEST_CREATED], 0, list, guest,
                          self->created_customize ? installer : NULL);
            gtk_widget_destroy(GTK_WIDGET(self));
        }
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

    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    finish_install_ui(self);
    if (path == NULL) {
        g_clear_object(&self->installer);
        if (self->close_requested) {
            gtk_widget_destroy(GTK_WIDGET(self));
            return;
        }
        set_message(self->finish_error,
                    is_cancelled(error)
                        ? _("The installation was cancelled; nothing was left behind.")
                        : marina_error_message(error));
        return;
    }
    conn = current_conn(self);
    if (conn == NULL || self->close_requested) {
        gtk_widget_destroy(GTK_WIDGET(self));
        return;
    }
    gtk_widget_hide(GTK_WIDGET(self));
    self->created_path = g_steal_pointer(&path);
    self->appear_list = g_object_ref(conn->list);
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
    const MarinaOsInfo *os = self->applied_os != NULL ? self->applied_os : generic_os();
    MarinaInstallMethod method = current_method(self);
    g_autofree char *args = NULL;

    spec->name = entry_text(self->name_entry);
    spec->memory_mib = (guint64)gtk_spin_button_get_value(self->memory_spin);
    spec->vcpus = (guint)gtk_spin_button_get_value_as_int(self->vcpus_spin);
    spec->method = method;
    spec->os_variant = g_strdup(os->short_id);
    spec->virtio = os->virtio;
    spec->network = g_strdup(network);
    switch (method) {
    case MARINA_INSTALL_MEDIA:
        spec->media = entry_text(self->media_entry);
        break;
    case MARINA_INSTALL_LOCATION:
        spec->location = entry_text(self->location_entry);
        args = entry_text(self->location_args_entry);
        spec->cmdline = *args != '\0' ? g_steal_pointer(&args) : NULL;
        break;
    case MARINA_INSTALL_KERNEL: {
        g_autofree char *initrd = entry_text(self->initrd_entry);

        spec->kernel = entry_text(self->kernel_entry);
        spec->initrd = *initrd != '\0' ? g_steal_pointer(&initrd) : NULL;
        args = entry_text(self->kernel_args_entry);
        spec->cmdline = *args != '\0' ? g_steal_pointer(&args) : NULL;
        break;
    }
    case MARINA_INSTALL_IMPORT: {
        MarinaInstallDisk *disk = marina_install_disk_new(MARINA_INSTALL_DISK_EXISTING);

        disk->path = entry_text(self->import_entry);
        g_ptr_array_add(spec->disks, disk);
        break;
    }
    default:
        break;
    }
    if (storage_enabled(self)) {
        if (gtk_toggle_button_get_active(self->new_disk_radio)) {
            MarinaInstallDisk *disk = marina_install_disk_new(MARINA_INSTALL_DISK_NEW);
            PoolInfo *pool = current_pool(self);
            const char *format = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->format_combo));

            disk->pool = g_strdup(pool != NULL ? pool->name : "default");
            disk->size = (guint64)(gtk_spin_button_get_value(self->size_spin) * GIB);
            disk->format = g_strdup(format != NULL ? format : "qcow2");
            disk->sparse = !gtk_toggle_button_get_active(self->allocate_check);
            g_ptr_array_add(spec->disks, disk);
        } else {
            MarinaInstallDisk *disk = marina_install_disk_new(MARINA_INSTALL_DISK_EXISTING);

            disk->path = entry_text(self->existing_entry);
            g_ptr_array_add(spec->disks, disk);
        }
    }
    return g_steal_pointer(&spec);
}

static void
on_finish_clicked(GtkButton *button, MarinaNewVmWizard *self)
{
    MarinaConnection *connection = current_connection(self);
    g_autofree char *network = NULL;
    g_autoptr(MarinaInstallSpec) spec = NULL;
    g_autoptr(GError) error = NULL;
    gboolean customize = gtk_toggle_button_get_active(self->customize_check);

    if (is_busy(self) || !check_name(self))
        return;
    set_message(self->finish_error, NULL);
    if (connection == NULL || marina_connection_is_closed(connection)) {
        set_message(self->finish_error,
                    _("The connection to the host is closed. Reconnect in the manager, then "
                      "try again."));
        return;
    }
    network = network_choice(self);
    if (network == NULL)
        return;
    spec = build_spec(self, network);
    if (!marina_install_spec_validate(spec, &error)) {
        set_message(self->finish_error, error->message);
        return;
    }

    self->installer = marina_installer_new(connection, g_steal_pointer(&spec));
    self->created_customize = customize;
    g_signal_connect_object(self->installer, "progress", G_CALLBACK(on_installer_progress), self,
                            0);
    g_clear_object(&self->install_cancellable);
    self->install_cancellable = g_cancellable_new();
    self->installing = TRUE;
    gtk_progress_bar_set_fraction(self->progress_bar, 0);
    gtk_label_set_text(self->progress_label,
                       customize ? _("Preparing the guest…") : _("Creating the guest…"));
    gtk_widget_show(self->progress_box);
    gtk_widget_show(GTK_WIDGET(self->progress_bar));
    gtk_widget_show(GTK_WIDGET(self->progress_label));
    gtk_label_set_text(self->busy_label, "");
    gtk_widget_show(GTK_WIDGET(self->spinner));
    gtk_spinner_start(self->spinner);
    update_buttons(self, TRUE);
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

/* ----------------------------------------------------------- signals */

static void
on_browse_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
    GtkEntry *target = user_data;

    if (response == GTK_RESPONSE_ACCEPT) {
        g_autofree char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));

        if (path != NULL)
            gtk_entry_set_text(target, path);
    }
    g_object_unref(target);
    g_object_unref(chooser);
}

static GtkEntry *
entry_for_button(MarinaNewVmWizard *self, GtkWidget *button)
{
    if (button == self->media_browse || button == self->media_volumes)
        return self->media_entry;
    if (button == self->import_browse || button == self->import_volumes)
        return self->import_entry;
    if (button == self->kernel_browse)
        return self->kernel_entry;
    if (button == self->initrd_browse)
        return self->initrd_entry;
    return self->existing_entry;
}

static void
on_browse_clicked(GtkButton *button, MarinaNewVmWizard *self)
{
    GtkEntry *target = entry_for_button(self, GTK_WIDGET(button));
    GtkFileChooserNative *chooser;

    if (!conn_is_local(self))
        return;
    chooser = gtk_file_chooser_native_new(_("Choose a File"), GTK_WINDOW(self),
                                          GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
    if (target == self->media_entry) {
        GtkFileFilter *filter = gtk_file_filter_new();

        gtk_file_filter_set_name(filter, _("ISO images"));
        gtk_file_filter_add_pattern(filter, "*.iso");
        gtk_file_filter_add_pattern(filter, "*.ISO");
        gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
        filter = gtk_file_filter_new();
        gtk_file_filter_set_name(filter, _("All files"));
        gtk_file_filter_add_pattern(filter, "*");
        gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
    }
    g_signal_connect(chooser, "response", G_CALLBACK(on_browse_response), g_object_ref(target));
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static void
on_volumes_clicked(GtkButton *button, MarinaNewVmWizard *self)
{
    pick_volume(self, entry_for_button(self, GTK_WIDGET(button)));
}

static void
on_generic_clicked(GtkButton *button, MarinaNewVmWizard *self)
{
    gtk_entry_set_text(self->os_entry, generic_os()->name);
}

/* Radio buttons, check buttons and combos. */
static void
on_changed(MarinaNewVmWizard *self, GtkWidget *widget)
{
    if (self->setting || gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (widget == GTK_WIDGET(self->connection_combo)) {
        connection_changed(self);
        set_message(self->source_error, NULL);
    } else if (GTK_IS_RADIO_BUTTON(widget) && widget != GTK_WIDGET(self->new_disk_radio) &&
               widget != GTK_WIDGET(self->existing_radio)) {
        gtk_stack_set_visible_child_name(self->method_stack, method_page(current_method(self)));
        set_message(self->source_error, NULL);
    } else if (widget == GTK_WIDGET(self->detect_check)) {
        update_os_page(self);
    } else if (widget == GTK_WIDGET(self->network_combo)) {
        update_network(self);
    }
    if (self->page == PAGE_STORAGE) {
        update_storage_page(self);
        check_storage(self);
    }
}

static void
on_entry_changed(GtkEditable *editable, MarinaNewVmWizard *self)
{
    GtkWidget *widget = GTK_WIDGET(editable);

    if (gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (widget == GTK_WIDGET(self->name_entry)) {
        if (!self->setting)
            self->name_touched = TRUE;
        check_name(self);
    } else if (widget == GTK_WIDGET(self->memory_spin) || widget == GTK_WIDGET(self->vcpus_spin)) {
        if (!self->setting) {
            if (widget == GTK_WIDGET(self->memory_spin))
                self->memory_touched = TRUE;
            else
                self->vcpus_touched = TRUE;
        }
        if (self->page == PAGE_RESOURCES)
            check_resources(self);
    } else if (widget == GTK_WIDGET(self->size_spin)) {
        if (!self->setting)
            self->disk_touched = TRUE;
        if (self->page == PAGE_STORAGE)
            check_storage(self);
    } else if (widget == GTK_WIDGET(self->os_entry)) {
        if (self->setting)
            return;
        set_message(self->os_error, NULL);
        update_os_page(self);
    } else if (widget == GTK_WIDGET(self->existing_entry)) {
        if (self->page == PAGE_STORAGE)
            check_storage(self);
    } else if (widget == GTK_WIDGET(self->bridge_entry)) {
        set_message(self->network_error, NULL);
    } else {
        set_message(self->source_error, NULL);
    }
}

static gboolean
os_completion_match(GtkEntryCompletion *completion, const char *key, GtkTreeIter *iter,
                    gpointer user_data)
{
    MarinaNewVmWizard *self = user_data;
    g_autofree char *row_key = NULL;
    g_autofree char *folded = g_utf8_casefold(key, -1);

    gtk_tree_model_get(GTK_TREE_MODEL(self->os_store), iter, OS_COL_KEY, &row_key, -1);
    return row_key != NULL && strstr(row_key, folded) != NULL;
}

/* ---------------------------------------------------------------- public */

MarinaNewVmWizard *
marina_new_vm_wizard_new(GtkWindow *parent)
{
    return g_object_new(MARINA_TYPE_NEW_VM_WIZARD, "transient-for", parent, "application",
                        parent != NULL ? gtk_window_get_application(parent) : NULL, NULL);
}

void
marina_new_vm_wizard_add_connection(MarinaNewVmWizard *self, const char *label,
                                    MarinaGuestList *list, gboolean local, gboolean selected)
{
    WizardConn *conn;

    g_return_if_fail(MARINA_IS_NEW_VM_WIZARD(self));
    g_return_if_fail(MARINA_IS_GUEST_LIST(list));

    conn = g_new0(WizardConn, 1);
    conn->label = g_strdup(label);
    conn->list = g_object_ref(list);
    conn->local = local;
    g_ptr_array_add(self->conns, conn);
    self->setting = TRUE;
    gtk_combo_box_text_append_text(self->connection_combo, label);
    self->setting = FALSE;
    if (selected || gtk_combo_box_get_active(GTK_COMBO_BOX(self->connection_combo)) < 0)
        gtk_combo_box_set_active(GTK_COMBO_BOX(self->connection_combo), (int)self->conns->len - 1);
}

static void
marina_new_vm_wizard_dispose(GObject *object)
{
    MarinaNewVmWizard *self = MARINA_NEW_VM_WIZARD(object);

    g_cancellable_cancel(self->cancellable);
    g_cancellable_cancel(self->conn_cancellable);
    g_cancellable_cancel(self->check_cancellable);
    stop_pulse(self);
    stop_waiting_for_guest(self);
    g_clear_object(&self->installer);
    g_clear_pointer(&self->conns, g_ptr_array_unref);
    g_clear_pointer(&self->pools, g_ptr_array_unref);
    g_clear_pointer(&self->source_info, g_variant_unref);
    g_clear_object(&self->os_store);
    G_OBJECT_CLASS(marina_new_vm_wizard_parent_class)->dispose(object);
}

static void
marina_new_vm_wizard_finalize(GObject *object)
{
    MarinaNewVmWizard *self = MARINA_NEW_VM_WIZARD(object);

    g_clear_object(&self->cancellable);
    g_clear_object(&self->conn_cancellable);
    g_clear_object(&self->check_cancellable);
    g_clear_object(&self->install_cancellable);
    g_free(self->created_path);
    g_strfreev(self->host_bridges);
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

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/new-vm-wizard.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaNewVmWizard, name)
    BIND(step_label);
    BIND(title_label);
    BIND(stack);
    BIND(connection_combo);
    BIND(media_radio);
    BIND(location_radio);
    BIND(pxe_radio);
    BIND(import_radio);
    BIND(kernel_radio);
    BIND(manual_radio);
    BIND(method_stack);
    BIND(media_entry);
    BIND(media_browse);
    BIND(media_volumes);
    BIND(location_entry);
    BIND(location_args_entry);
    BIND(import_entry);
    BIND(import_browse);
    BIND(import_volumes);
    BIND(kernel_entry);
    BIND(kernel_browse);
    BIND(initrd_entry);
    BIND(initrd_browse);
    BIND(kernel_args_entry);
    BIND(source_error);
    BIND(detect_check);
    BIND(detect_label);
    BIND(os_entry);
    BIND(generic_button);
    BIND(os_info_label);
    BIND(os_error);
    BIND(memory_spin);
    BIND(memory_hint);
    BIND(vcpus_spin);
    BIND(vcpus_hint);
    BIND(resources_warning);
    BIND(resources_error);
    BIND(storage_check);
    BIND(storage_box);
    BIND(new_disk_radio);
    BIND(new_disk_grid);
    BIND(pool_combo);
    BIND(size_spin);
    BIND(format_combo);
    BIND(allocate_check);
    BIND(existing_radio);
    BIND(existing_grid);
    BIND(existing_entry);
    BIND(existing_browse);
    BIND(existing_volumes);
    BIND(import_disk_label);
    BIND(storage_warning);
    BIND(storage_error);
    BIND(name_entry);
    BIND(name_error);
    BIND(summary_os);
    BIND(summary_install);
    BIND(summary_memory);
    BIND(summary_vcpus);
    BIND(summary_storage);
    BIND(network_combo);
    BIND(bridge_label);
    BIND(bridge_entry);
    BIND(network_error);
    BIND(customize_check);
    BIND(finish_error);
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
    gtk_widget_class_bind_template_callback(widget_class, on_changed);
    gtk_widget_class_bind_template_callback(widget_class, on_browse_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_volumes_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_generic_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_cancel_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_back_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_forward_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_finish_clicked);
}

static void
marina_new_vm_wizard_init(MarinaNewVmWizard *self)
{
    GtkEntryCompletion *completion;
    /* Accessible names, in the order of the widgets below. */
    static const char *const names[] = {
        N_("Connection"),
        N_("ISO image path"),
        N_("Install tree URL"),
        N_("Kernel arguments"),
        N_("Disk image path"),
        N_("Kernel path"),
        N_("Initrd path"),
        N_("Kernel arguments"),
        N_("Install source error"),
        N_("Detected operating system"),
        N_("Operating system"),
        N_("Operating system defaults"),
        N_("Operating system error"),
        N_("Memory (MiB)"),
        N_("Host memory"),
        N_("vCPUs"),
        N_("Host CPUs"),
        N_("Memory and vCPUs warning"),
        N_("Memory and vCPUs error"),
        N_("Storage pool"),
        N_("Disk size (GiB)"),
        N_("Disk format"),
        N_("Existing volume or path"),
        N_("Imported disk"),
        N_("Storage warning"),
        N_("Storage error"),
        N_("Name"),
        N_("Name error"),
        N_("Summary: operating system"),
        N_("Summary: install"),
        N_("Summary: memory"),
        N_("Summary: vCPUs"),
        N_("Summary: storage"),
        N_("Network"),
        N_("Bridge device"),
        N_("Network error"),
        N_("Finish error"),
        N_("Step"),
        N_("Install progress"),
        N_("Install progress message"),
        N_("Status"),
        N_("Working"),
        N_("Cancel"),
        N_("Back"),
        N_("Forward"),
        N_("Finish"),
    };

    gtk_widget_init_template(GTK_WIDGET(self));
    self->conns = g_ptr_array_new_with_free_func((GDestroyNotify)wizard_conn_free);
    self->pools = g_ptr_array_new_with_free_func((GDestroyNotify)pool_info_free);
    self->cancellable = g_cancellable_new();
    self->conn_cancellable = g_cancellable_new();

    /* The template children exist only now: name them for assistive technology. */
    {
        gpointer widgets[] = {
            self->connection_combo, self->media_entry,
            self->location_entry,   self->location_args_entry,
            self->import_entry,     self->kernel_entry,
            self->initrd_entry,     self->kernel_args_entry,
            self->source_error,     self->detect_label,
            self->os_entry,         self->os_info_label,
            self->os_error,         self->memory_spin,
            self->memory_hint,      self->vcpus_spin,
            self->vcpus_hint,       self->resources_warning,
            self->resources_error,  self->pool_combo,
            self->size_spin,        self->format_combo,
            self->existing_entry,   self->import_disk_label,
            self->storage_warning,  self->storage_error,
            self->name_entry,       self->name_error,
            self->summary_os,       self->summary_install,
            self->summary_memory,   self->summary_vcpus,
            self->summary_storage,  self->network_combo,
            self->bridge_entry,     self->network_error,
            self->finish_error,     self->step_label,
            self->progress_bar,     self->progress_label,
            self->busy_label,       self->spinner,
            self->cancel_button,    self->back_button,
            self->forward_button,   self->finish_button,
        };
        G_STATIC_ASSERT(G_N_ELEMENTS(widgets) == G_N_ELEMENTS(names));
        for (guint i = 0; i < G_N_ELEMENTS(widgets); i++)
            set_accessible_name(widgets[i], _(names[i]));
    }

    gtk_combo_box_text_append(self->format_combo, "qcow2",
                              _("qcow2 (grows as it fills, snapshots)"));
    gtk_combo_box_text_append(self->format_combo, "raw", _("raw (plain, fastest)"));
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->format_combo), "qcow2");
    fill_network_combo(self);

    self->os_store = gtk_list_store_new(OS_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    completion = gtk_entry_completion_new();
    gtk_entry_completion_set_model(completion, GTK_TREE_MODEL(self->os_store));
    gtk_entry_completion_set_text_column(completion, OS_COL_NAME);
    gtk_entry_completion_set_match_func(completion, os_completion_match, self, NULL);
    gtk_entry_completion_set_minimum_key_length(completion, 1);
    gtk_entry_set_completion(self->os_entry, completion);
    g_object_unref(completion);

    {
        GtkWidget *entries[] = {
            GTK_WIDGET(self->media_entry),  GTK_WIDGET(self->location_entry),
            GTK_WIDGET(self->import_entry), GTK_WIDGET(self->kernel_entry),
            GTK_WIDGET(self->initrd_entry), GTK_WIDGET(self->os_entry),
            GTK_WIDGET(self->memory_spin),  GTK_WIDGET(self->vcpus_spin),
            GTK_WIDGET(self->size_spin),    GTK_WIDGET(self->existing_entry),
            GTK_WIDGET(self->name_entry),   GTK_WIDGET(self->bridge_entry),
        };
        for (guint i = 0; i < G_N_ELEMENTS(entries); i++)
            g_signal_connect(entries[i], "changed", G_CALLBACK(on_entry_changed), self);
    }

    set_message(self->source_error, NULL);
    set_message(self->detect_label, NULL);
    set_message(self->os_error, NULL);
    set_message(self->resources_warning, NULL);
    set_message(self->resources_error, NULL);
    set_message(self->storage_warning, NULL);
    set_message(self->storage_error, NULL);
    set_message(self->import_disk_label, NULL);
    set_message(self->network_error, NULL);
    set_message(self->finish_error, NULL);
    gtk_widget_set_can_default(self->forward_button, TRUE);
    gtk_widget_set_can_default(self->finish_button, TRUE);
    go_to_page(self, PAGE_SOURCE);
    update_network(self);
    request_catalog(self);
}
