/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-wizard-source"

#include "config.h"

#include "wizard-source-page.h"

#include <glib/gi18n.h>

#include "error.h"
#include "file-check.h"
#include "form-util.h"
#include "ui-util.h"
#include "volume-picker.h"

struct _MarinaWizardSourcePage {
    GtkBox parent_instance;

    MarinaWizardHost *host;
    gboolean setting; /* the combo is being filled by the page, not by a person */

    /* template children */
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
};

enum { SIGNAL_CONNECTION_CHANGED, SIGNAL_METHOD_CHANGED, SIGNAL_BUSY, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaWizardSourcePage, marina_wizard_source_page, GTK_TYPE_BOX)

MarinaInstallMethod
marina_wizard_source_page_get_method(MarinaWizardSourcePage *self)
{
    static const struct {
        gsize offset;
        MarinaInstallMethod method;
    } radios[] = {
        {G_STRUCT_OFFSET(MarinaWizardSourcePage, location_radio), MARINA_INSTALL_LOCATION},
        {G_STRUCT_OFFSET(MarinaWizardSourcePage, pxe_radio), MARINA_INSTALL_PXE},
        {G_STRUCT_OFFSET(MarinaWizardSourcePage, import_radio), MARINA_INSTALL_IMPORT},
        {G_STRUCT_OFFSET(MarinaWizardSourcePage, kernel_radio), MARINA_INSTALL_KERNEL},
        {G_STRUCT_OFFSET(MarinaWizardSourcePage, manual_radio), MARINA_INSTALL_MANUAL},
    };

    g_return_val_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self), MARINA_INSTALL_MEDIA);
    for (guint i = 0; i < G_N_ELEMENTS(radios); i++) {
        GtkToggleButton *radio = G_STRUCT_MEMBER(GtkToggleButton *, self, radios[i].offset);

        if (gtk_toggle_button_get_active(radio))
            return radios[i].method;
    }
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

/* A local file chooser only makes sense when the files are here. */
static void
update_browse_buttons(MarinaWizardSourcePage *self)
{
    gboolean local = self->host != NULL && marina_wizard_host_is_local(self->host);

    marina_form_set_browse_local(self->media_browse, local);
    marina_form_set_browse_local(self->import_browse, local);
    marina_form_set_browse_local(self->kernel_browse, local);
    marina_form_set_browse_local(self->initrd_browse, local);
}

static void
on_host_changed(MarinaWizardHost *host, guint what, MarinaWizardSourcePage *self)
{
    if (what & MARINA_WIZARD_HOST_CONNECTION)
        update_browse_buttons(self);
}

void
marina_wizard_source_page_set_host(MarinaWizardSourcePage *self, MarinaWizardHost *host)
{
    g_return_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self));
    g_return_if_fail(self->host == NULL);
    self->host = g_object_ref(host);
    g_signal_connect_object(host, "changed", G_CALLBACK(on_host_changed), self, 0);
}

void
marina_wizard_source_page_add_connection(MarinaWizardSourcePage *self, const char *label)
{
    g_return_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self));
    self->setting = TRUE;
    gtk_combo_box_text_append_text(self->connection_combo, label);
    self->setting = FALSE;
}

int
marina_wizard_source_page_get_connection(MarinaWizardSourcePage *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self), -1);
    return gtk_combo_box_get_active(GTK_COMBO_BOX(self->connection_combo));
}

void
marina_wizard_source_page_set_connection(MarinaWizardSourcePage *self, int index)
{
    g_return_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self));
    gtk_combo_box_set_active(GTK_COMBO_BOX(self->connection_combo), index);
}

char *
marina_wizard_source_page_get_import_path(MarinaWizardSourcePage *self)
{
    g_return_val_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self), NULL);
    return marina_form_entry_text(self->import_entry);
}

char *
marina_wizard_source_page_describe(MarinaWizardSourcePage *self)
{
    g_autofree char *text = NULL;

    g_return_val_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self), NULL);
    switch (marina_wizard_source_page_get_method(self)) {
    case MARINA_INSTALL_MEDIA:
        text = marina_form_entry_text(self->media_entry);
        return g_strdup_printf(_("Local install media: %s"), text);
    case MARINA_INSTALL_LOCATION:
        text = marina_form_entry_text(self->location_entry);
        return g_strdup_printf(_("Network install: %s"), text);
    case MARINA_INSTALL_PXE:
        return g_strdup(_("Network boot (PXE)"));
    case MARINA_INSTALL_IMPORT:
        text = marina_form_entry_text(self->import_entry);
        return g_strdup_printf(_("Import of %s"), text);
    case MARINA_INSTALL_KERNEL:
        text = marina_form_entry_text(self->kernel_entry);
        return g_strdup_printf(_("Direct kernel boot: %s"), text);
    case MARINA_INSTALL_MANUAL:
    default:
        return g_strdup(_("Manual install"));
    }
}

/* @entry's text, or NULL when it is empty (an optional field left out). */
static char *
optional_text(GtkEntry *entry)
{
    g_autofree char *text = marina_form_entry_text(entry);

    return *text != '\0' ? g_steal_pointer(&text) : NULL;
}

void
marina_wizard_source_page_fill_spec(MarinaWizardSourcePage *self, MarinaInstallSpec *spec)
{
    MarinaInstallMethod method = marina_wizard_source_page_get_method(self);

    g_return_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self));
    spec->method = method;
    switch (method) {
    case MARINA_INSTALL_MEDIA:
        spec->media = marina_form_entry_text(self->media_entry);
        break;
    case MARINA_INSTALL_LOCATION:
        spec->location = marina_form_entry_text(self->location_entry);
        spec->cmdline = optional_text(self->location_args_entry);
        break;
    case MARINA_INSTALL_KERNEL:
        spec->kernel = marina_form_entry_text(self->kernel_entry);
        spec->initrd = optional_text(self->initrd_entry);
        spec->cmdline = optional_text(self->kernel_args_entry);
        break;
    case MARINA_INSTALL_IMPORT: {
        MarinaInstallDisk *disk = marina_install_disk_new(MARINA_INSTALL_DISK_EXISTING);

        disk->path = marina_form_entry_text(self->import_entry);
        g_ptr_array_add(spec->disks, disk);
        break;
    }
    default:
        break;
    }
}

/* ------------------------------------------------------------- Forward */

static gboolean
url_scheme_ok(const char *url)
{
    g_autofree char *scheme = g_uri_parse_scheme(url);

    return scheme != NULL &&
           (g_ascii_strcasecmp(scheme, "http") == 0 || g_ascii_strcasecmp(scheme, "https") == 0 ||
            g_ascii_strcasecmp(scheme, "ftp") == 0);
}

/* Ends Forward's check with @error (shown, unless it is a cancellation). */
static void
check_failed(GTask *task, GError *error)
{
    MarinaWizardSourcePage *self = g_task_get_source_object(task);

    if (!marina_ui_is_cancelled(error))
        marina_form_set_message(self->source_error, marina_error_message(error));
    g_task_return_error(task, error);
}

static void
check_passed(GTask *task, GVariant *source_info)
{
    MarinaWizardSourcePage *self = g_task_get_source_object(task);

    marina_form_set_message(self->source_error, NULL);
    g_task_return_pointer(task, source_info,
                          source_info != NULL ? (GDestroyNotify)g_variant_unref : NULL);
}

static void
on_source_inspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    GError *error = NULL;
    GVariant *info = marina_wizard_host_inspect_finish(MARINA_WIZARD_HOST(source), result, &error);

    if (info == NULL)
        check_failed(task, error);
    else
        check_passed(task, info);
}

static void
on_files_checked(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    GError *error = NULL;

    if (!marina_check_files_finish(result, &error))
        check_failed(task, error);
    else
        check_passed(task, NULL);
}

static void
inspect(GTask *task, gboolean tree, const char *source, const char *message)
{
    MarinaWizardSourcePage *self = g_task_get_source_object(task);

    g_signal_emit(self, signals[SIGNAL_BUSY], 0, message);
    marina_wizard_host_inspect_async(self->host, tree, source, g_task_get_cancellable(task),
                                     on_source_inspected, task);
}

/* Why the answers cannot be used, or NULL; adds the local files to check to
 * @files, or starts the inspection of the source (returning NULL, @task taken). */
static char *
source_problem(MarinaWizardSourcePage *self, GTask **task, GPtrArray *files)
{
    char *problem = NULL;

    switch (marina_wizard_source_page_get_method(self)) {
    case MARINA_INSTALL_MEDIA: {
        g_autofree char *path = marina_form_entry_text(self->media_entry);

        problem = marina_form_path_problem(path, _("ISO image"));
        if (problem == NULL)
            inspect(g_steal_pointer(task), FALSE, path, _("Checking the install media…"));
        break;
    }
    case MARINA_INSTALL_LOCATION: {
        g_autofree char *url = marina_form_entry_text(self->location_entry);

        if (*url == '\0')
            problem =
                g_strdup(_("Enter the URL of an install tree (http://, https:// or ftp://)."));
        else if (!url_scheme_ok(url))
            problem = g_strdup_printf(_("“%s” is not an HTTP, HTTPS or FTP URL. Enter an address "
                                        "such as https://host/path/to/tree/."),
                                      url);
        else
            inspect(g_steal_pointer(task), TRUE, url, _("Looking at the install tree…"));
        break;
    }
    case MARINA_INSTALL_IMPORT: {
        g_autofree char *path = marina_form_entry_text(self->import_entry);

        problem = marina_form_path_problem(path, _("disk image"));
        if (problem == NULL)
            g_ptr_array_add(files, g_steal_pointer(&path));
        break;
    }
    case MARINA_INSTALL_KERNEL: {
        g_autofree char *kernel = marina_form_entry_text(self->kernel_entry);
        g_autofree char *initrd = marina_form_entry_text(self->initrd_entry);

        problem = marina_form_path_problem(kernel, _("kernel"));
        if (problem == NULL && *initrd != '\0')
            problem = marina_form_path_problem(initrd, _("initrd"));
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
    return problem;
}

void
marina_wizard_source_page_check_async(MarinaWizardSourcePage *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *problem = NULL;

    g_return_if_fail(MARINA_IS_WIZARD_SOURCE_PAGE(self));
    g_task_set_source_tag(task, marina_wizard_source_page_check_async);
    if (marina_wizard_host_get_connection(self->host) == NULL) {
        check_failed(g_steal_pointer(&task),
                     g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                         _("There is no connected host. Connect to one in the "
                                           "manager first.")));
        return;
    }
    problem = source_problem(self, &task, files);
    if (task == NULL)
        return; /* the host looks at the source */
    if (problem != NULL) {
        check_failed(g_steal_pointer(&task),
                     g_error_new_literal(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, problem));
        return;
    }
    /* Files on another host are checked when the guest starts. */
    if (files->len > 0 && marina_wizard_host_is_local(self->host)) {
        g_signal_emit(self, signals[SIGNAL_BUSY], 0, _("Checking the files…"));
        marina_check_files_async(self, files, cancellable, on_files_checked,
                                 g_steal_pointer(&task));
        return;
    }
    check_passed(g_steal_pointer(&task), NULL);
}

gboolean
marina_wizard_source_page_check_finish(MarinaWizardSourcePage *self, GAsyncResult *result,
                                       GVariant **source_info, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    GVariant *info;

    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    info = g_task_propagate_pointer(G_TASK(result), &local_error);
    if (local_error != NULL) {
        g_propagate_error(error, g_steal_pointer(&local_error));
        return FALSE;
    }
    if (source_info != NULL)
        *source_info = info;
    else if (info != NULL)
        g_variant_unref(info);
    return TRUE;
}

/* ------------------------------------------------------------- signals */

static GtkEntry *
entry_for_button(MarinaWizardSourcePage *self, GtkWidget *button)
{
    if (button == self->media_browse || button == self->media_volumes)
        return self->media_entry;
    if (button == self->import_browse || button == self->import_volumes)
        return self->import_entry;
    if (button == self->kernel_browse)
        return self->kernel_entry;
    return self->initrd_entry;
}

static void
on_browse_clicked(GtkButton *button, MarinaWizardSourcePage *self)
{
    GtkEntry *target = entry_for_button(self, GTK_WIDGET(button));

    if (self->host == NULL || !marina_wizard_host_is_local(self->host))
        return;
    marina_form_choose_file(GTK_WIDGET(self), target, target == self->media_entry);
}

static void
on_volumes_clicked(GtkButton *button, MarinaWizardSourcePage *self)
{
    marina_volume_picker_choose_into(GTK_WIDGET(button), self->host,
                                     entry_for_button(self, GTK_WIDGET(button)));
}

/* The connection combo and the method's radio buttons. */
static void
on_changed(MarinaWizardSourcePage *self, GtkWidget *widget)
{
    if (self->setting || gtk_widget_in_destruction(GTK_WIDGET(self)))
        return;
    if (widget == GTK_WIDGET(self->connection_combo)) {
        g_signal_emit(self, signals[SIGNAL_CONNECTION_CHANGED], 0);
    } else {
        MarinaInstallMethod method = marina_wizard_source_page_get_method(self);

        gtk_stack_set_visible_child_name(self->method_stack, method_page(method));
        g_signal_emit(self, signals[SIGNAL_METHOD_CHANGED], 0);
    }
    marina_form_set_message(self->source_error, NULL);
}

static void
on_entry_changed(GtkEditable *editable, MarinaWizardSourcePage *self)
{
    if (!gtk_widget_in_destruction(GTK_WIDGET(self)))
        marina_form_set_message(self->source_error, NULL);
}

static void
marina_wizard_source_page_dispose(GObject *object)
{
    MarinaWizardSourcePage *self = MARINA_WIZARD_SOURCE_PAGE(object);

    g_clear_object(&self->host);
    G_OBJECT_CLASS(marina_wizard_source_page_parent_class)->dispose(object);
}

static void
marina_wizard_source_page_class_init(MarinaWizardSourcePageClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_wizard_source_page_dispose;
    signals[SIGNAL_CONNECTION_CHANGED] =
        g_signal_new("connection-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                     NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_METHOD_CHANGED] =
        g_signal_new("method-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_BUSY] = g_signal_new("busy", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/wizard-source-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaWizardSourcePage, name)
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
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_changed);
    gtk_widget_class_bind_template_callback(widget_class, on_browse_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_volumes_clicked);
}

static void
marina_wizard_source_page_init(MarinaWizardSourcePage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    /* The template children exist only now: name them for assistive technology. */
    marina_form_set_accessible_name(self->connection_combo, _("Connection"));
    marina_form_set_accessible_name(self->media_entry, _("ISO image path"));
    marina_form_set_accessible_name(self->location_entry, _("Install tree URL"));
    marina_form_set_accessible_name(self->location_args_entry, _("Kernel arguments"));
    marina_form_set_accessible_name(self->import_entry, _("Disk image path"));
    marina_form_set_accessible_name(self->kernel_entry, _("Kernel path"));
    marina_form_set_accessible_name(self->initrd_entry, _("Initrd path"));
    marina_form_set_accessible_name(self->kernel_args_entry, _("Kernel arguments"));
    marina_form_set_accessible_name(self->source_error, _("Install source error"));
    {
        GtkEntry *entries[] = {self->media_entry, self->location_entry, self->import_entry,
                               self->kernel_entry, self->initrd_entry};

        for (guint i = 0; i < G_N_ELEMENTS(entries); i++)
            g_signal_connect(entries[i], "changed", G_CALLBACK(on_entry_changed), self);
    }
    marina_form_set_message(self->source_error, NULL);
}
