/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-add-hardware"

#include "config.h"

#include "add-hardware-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "add-hardware-pages.h"
#include "device-target.h"
#include "domain-config.h"
#include "domain-device-edit.h"
#include "error.h"
#include "form-util.h"
#include "guest-list.h"
#include "host.h"
#include "job-watcher.h"
#include "pool.h"
#include "ui-util.h"
#include "volume-config.h"
#include "volume.h"
#include "wizard-host.h"

struct _MarinaAddHardwareDialog {
    GtkDialog parent_instance;

    MarinaGuest *guest;
    MarinaDomain *domain;
    MarinaHost *host;
    MarinaGuestList *list;         /* for the volume picker's host */
    MarinaWizardHost *wizard_host; /* pools and the daemon's mode */
    GCancellable *cancellable;
    MarinaAddHwPages *pages;
    MarinaDomainConfig *config; /* the persistent definition */
    MarinaDomainConfig *live;   /* what runs, NULL when shut off */
    GtkWidget *finish_button;
    gboolean busy;

    /* Finishing */
    MarinaVolume *new_volume; /* made for this device: deleted if it is not attached */
    char *xml;
    char *description;
    guint flags;
    gboolean next_boot; /* the device waits for the next boot */

    /* Template children */
    GtkListBox *kind_list;
    GtkStack *page_stack;
    GtkLabel *message_label;
};

G_DEFINE_FINAL_TYPE(MarinaAddHardwareDialog, marina_add_hardware_dialog, GTK_TYPE_DIALOG)

enum { SIGNAL_DEVICE_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
show_message(MarinaAddHardwareDialog *self, const char *text)
{
    marina_form_set_message(self->message_label, text);
}

static void
set_busy(MarinaAddHardwareDialog *self, gboolean busy)
{
    self->busy = busy;
    gtk_widget_set_sensitive(self->finish_button, !busy && self->config != NULL);
}

static gboolean
guest_running(MarinaAddHardwareDialog *self)
{
    MarinaDomainState state = marina_guest_get_state(self->guest, NULL);

    return state != MARINA_DOMAIN_SHUTOFF && state != MARINA_DOMAIN_CRASHED;
}

/* ------------------------------------------------------------- reading */

static MarinaDomainConfig *
parse_xml(MarinaAddHardwareDialog *self, GObject *source, GAsyncResult *result)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = marina_domain_get_xml_finish(MARINA_DOMAIN(source), result, &error);
    MarinaDomainConfig *config =
        xml != NULL ? marina_domain_config_parse(xml, -1, NULL, &error) : NULL;

    if (config == NULL && !marina_ui_is_cancelled(error)) {
        g_autofree char *text =
            marina_ui_error_text(_("Could not read the guest's definition"), error);

        show_message(self, text);
    }
    return config;
}

static void
on_live_xml(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddHardwareDialog) self = user_data;

    self->live = parse_xml(self, source, result);
}

static void
on_inactive_xml(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddHardwareDialog) self = user_data;

    self->config = parse_xml(self, source, result);
    if (self->config == NULL)
        return;
    marina_add_hw_pages_set_config(self->pages, self->config);
    set_busy(self, self->busy);
}

static void
on_networks(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddHardwareDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) networks =
        marina_host_list_networks_finish(MARINA_HOST(source), result, &error);
    g_autofree char *text = NULL;

    if (marina_ui_is_cancelled(error))
        return;
    if (networks == NULL)
        text = marina_ui_error_text(_("Could not list the virtual networks"), error);
    marina_add_hw_pages_set_networks(self->pages, networks, text);
}

static void
on_host_devices(GObject *source, GAsyncResult *result, gpointer user_data, const char *type)
{
    g_autoptr(MarinaAddHardwareDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) devices =
        marina_host_list_host_devices_finish(MARINA_HOST(source), result, &error);
    g_autofree char *text = NULL;

    if (marina_ui_is_cancelled(error))
        return;
    if (devices == NULL)
        text = marina_ui_error_text(_("Could not list the host's devices"), error);
    marina_add_hw_pages_set_host_devices(self->pages, type, devices, text);
}

static void
on_usb_devices(GObject *source, GAsyncResult *result, gpointer user_data)
{
    on_host_devices(source, result, user_data, "usb");
}

static void
on_pci_devices(GObject *source, GAsyncResult *result, gpointer user_data)
{
    on_host_devices(source, result, user_data, "pci");
}

static void
read_guest_and_host(MarinaAddHardwareDialog *self)
{
    MarinaConnection *connection = marina_domain_get_connection(self->domain);
    const MarinaUri *uri = marina_connection_get_uri(connection);

    marina_domain_get_xml_async(self->domain, MARINA_DOMAIN_XML_INACTIVE, self->cancellable,
                                on_inactive_xml, g_object_ref(self));
    if (guest_running(self))
        marina_domain_get_xml_async(self->domain, MARINA_DOMAIN_XML_NONE, self->cancellable,
                                    on_live_xml, g_object_ref(self));
    self->host = marina_host_new(connection);
    marina_host_list_networks_async(self->host, self->cancellable, on_networks, g_object_ref(self));
    marina_host_list_host_devices_async(self->host, "usb", self->cancellable, on_usb_devices,
                                        g_object_ref(self));
    marina_host_list_host_devices_async(self->host, "pci", self->cancellable, on_pci_devices,
                                        g_object_ref(self));
    /* The pools, the daemon's mode and the volume picker come from here. */
    self->list = marina_guest_list_new(connection);
    self->wizard_host = marina_wizard_host_new();
    marina_wizard_host_set_list(self->wizard_host, self->list,
                                uri != NULL && uri->transport != MARINA_URI_TRANSPORT_SSH);
    marina_add_hw_pages_set_host(self->pages, self->wizard_host);
}

/* ------------------------------------------------------------- checking */

/* The device of @xml as the model reads it, refused when the guest cannot
 * take it (the message names the field). */
static MarinaDevice *
check_device(MarinaAddHardwareDialog *self, const char *xml, GError **error)
{
    g_autoptr(MarinaDevice) device = marina_device_parse(xml, -1, NULL, error);

    if (device == NULL || !marina_device_check_new(self->config, device, error))
        return NULL;
    /* A running guest may have devices its definition lacks (plugged live only). */
    if (self->live != NULL && marina_device_can_hotplug(device) && guest_running(self) &&
        !marina_device_check_new(self->live, device, error))
        return NULL;
    return g_steal_pointer(&device);
}

/* ------------------------------------------------------------- finishing */

static void attach(MarinaAddHardwareDialog *self);

static void
done(MarinaAddHardwareDialog *self)
{
    g_autofree char *message =
        self->next_boot
            ? g_strdup_printf(_("Added %s. It takes effect at the next boot."), self->description)
            : g_strdup_printf(_("Added %s."), self->description);

    g_clear_object(&self->new_volume);
    g_signal_emit(self, signals[SIGNAL_DEVICE_ADDED], 0, message);
    gtk_widget_destroy(GTK_WIDGET(self));
}

typedef struct {
    MarinaAddHardwareDialog *self;
    char *message;
} Failure;

static void
on_volume_deleted(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Failure *failure = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    if (marina_volume_delete_finish(MARINA_VOLUME(source), result, &error))
        text = g_strdup_printf(_("%s The new disk image was deleted again."), failure->message);
    else
        text = g_strdup_printf(_("%s The new disk image could not be deleted (%s): delete it "
                                 "in Connection Details > Storage."),
                               failure->message, marina_error_message(error));
    if (!marina_ui_is_cancelled(error)) {
        show_message(failure->self, text);
        set_busy(failure->self, FALSE);
    }
    g_object_unref(failure->self);
    g_free(failure->message);
    g_free(failure);
}

/* Says what went wrong; a disk image made for the device goes again. */
static void
fail(MarinaAddHardwareDialog *self, const char *message)
{
    Failure *failure;

    if (self->new_volume == NULL) {
        show_message(self, message);
        set_busy(self, FALSE);
        return;
    }
    failure = g_new0(Failure, 1);
    failure->self = g_object_ref(self);
    failure->message = g_strdup(message);
    marina_volume_delete_async(self->new_volume, NULL, on_volume_deleted, failure);
    g_clear_object(&self->new_volume);
}

static void
fail_error(MarinaAddHardwareDialog *self, const char *prefix, const GError *error)
{
    g_autofree char *text = marina_ui_error_text(prefix, error);

    fail(self, text);
}

static void
on_attached(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddHardwareDialog) self = user_data;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(GError) error = NULL;

    if (marina_domain_attach_device_finish(MARINA_DOMAIN(source), result, &warnings, &error)) {
        done(self);
        return;
    }
    if (marina_ui_is_cancelled(error))
        return;
    /* QEMU cannot plug this one in: the definition takes it for the next boot. */
    if ((self->flags & MARINA_DOMAIN_AFFECT_LIVE) &&
        g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED)) {
        g_message("Attaching live refused (%s): for the next boot", error->message);
        self->flags = MARINA_DOMAIN_AFFECT_CONFIG;
        self->next_boot = TRUE;
        attach(self);
        return;
    }
    fail_error(self, _("Could not add the device"), error);
}

static void
attach(MarinaAddHardwareDialog *self)
{
    marina_domain_attach_device_async(self->domain, self->xml, self->flags, self->cancellable,
                                      on_attached, g_object_ref(self));
}

/* @device is checked: how it goes in, then in it goes. */
static void
attach_device(MarinaAddHardwareDialog *self, const MarinaDevice *device, const char *xml)
{
    g_free(self->xml);
    self->xml = g_strdup(xml);
    g_free(self->description);
    self->description = marina_device_describe(device);
    if (!guest_running(self)) {
        self->flags = MARINA_DOMAIN_AFFECT_CONFIG;
        self->next_boot = FALSE;
    } else if (marina_device_can_hotplug(device)) {
        self->flags = MARINA_DOMAIN_AFFECT_LIVE | MARINA_DOMAIN_AFFECT_CONFIG;
        self->next_boot = FALSE;
    } else {
        self->flags = MARINA_DOMAIN_AFFECT_CONFIG;
        self->next_boot = TRUE;
    }
    attach(self);
}

static void
on_volume_info(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddHardwareDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaVolumeInfo) info =
        marina_volume_get_info_finish(MARINA_VOLUME(source), result, &error);
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDevice) device = NULL;

    if (info == NULL) {
        if (!marina_ui_is_cancelled(error))
            fail_error(self, _("Could not read the new disk image"), error);
        return;
    }
    /* The device again, with the image where the pool put it. */
    xml = marina_add_hw_pages_build_xml(self->pages, self->config, info->path, &error);
    device = xml != NULL ? check_device(self, xml, &error) : NULL;
    if (device == NULL) {
        fail(self, error->message);
        return;
    }
    attach_device(self, device, xml);
}

static void
on_volume_allocated(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddHardwareDialog) self = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_job_watcher_wait_finish(MARINA_JOB_WATCHER(source), result, &error)) {
        if (!marina_ui_is_cancelled(error))
            fail_error(self, _("Could not create the disk image"), error);
        return;
    }
    marina_volume_get_info_async(self->new_volume, self->cancellable, on_volume_info,
                                 g_object_ref(self));
}

static void
on_volume_created(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(MarinaAddHardwareDialog) self = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MarinaJobWatcher) job = NULL;
    MarinaVolume *volume =
        marina_pool_create_volume_finish(MARINA_POOL(source), result, &job, &error);

    if (volume == NULL) {
        if (!marina_ui_is_cancelled(error)) {
            show_message(self, marina_error_message(error));
            set_busy(self, FALSE);
        }
        return;
    }
    self->new_volume = volume;
    if (job == NULL) {
        marina_volume_get_info_async(volume, self->cancellable, on_volume_info, g_object_ref(self));
        return;
    }
    marina_job_watcher_wait_async(job, self->cancellable, on_volume_allocated, g_object_ref(self));
}

/* A disk image to make once the pool's volumes are known. */
typedef struct {
    MarinaAddHardwareDialog *self;
    MarinaPool *pool;
    char *base; /* "<guest>-<target>" */
    char *format;
    guint64 capacity;
} NewImage;

static void
new_image_free(NewImage *image)
{
    g_object_unref(image->self);
    g_object_unref(image->pool);
    g_free(image->base);
    g_free(image->format);
    g_free(image);
}

static void
on_volumes_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    NewImage *image = user_data;
    MarinaAddHardwareDialog *self = image->self;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) volumes =
        marina_pool_list_volumes_finish(MARINA_POOL(source), result, &error);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(MarinaVolumeConfig) volume = NULL;
    g_autofree char *xml = NULL;

    if (volumes == NULL) {
        if (!marina_ui_is_cancelled(error)) {
            g_autofree char *text =
                marina_ui_error_text(_("Could not list the volumes of the pool"), error);

            show_message(self, text);
            set_busy(self, FALSE);
        }
        new_image_free(image);
        return;
    }
    /* A disk image left from a device removed earlier keeps its name. */
    for (guint i = 0; i < volumes->len; i++)
        g_ptr_array_add(names, ((MarinaVolumeInfo *)g_ptr_array_index(volumes, i))->name);
    g_ptr_array_add(names, NULL);
    volume = g_new0(MarinaVolumeConfig, 1);
    volume->name =
        marina_volume_free_name(image->base, image->format, (const char *const *)names->pdata);
    volume->capacity = image->capacity;
    volume->format = g_strdup(image->format);
    xml = marina_volume_config_format(volume);
    marina_pool_create_volume_async(image->pool, xml, self->cancellable, on_volume_created,
                                    g_object_ref(self));
    new_image_free(image);
}

static void
create_volume(MarinaAddHardwareDialog *self, const char *pool_path, const char *name,
              guint64 capacity, const char *format)
{
    NewImage *image = g_new0(NewImage, 1);
    g_autofree char *suffix = g_strconcat(".", format, NULL);

    image->self = g_object_ref(self);
    image->pool = marina_pool_new(marina_domain_get_connection(self->domain), pool_path);
    image->base = g_str_has_suffix(name, suffix) ? g_strndup(name, strlen(name) - strlen(suffix))
                                                 : g_strdup(name);
    image->format = g_strdup(format);
    image->capacity = capacity;
    marina_pool_list_volumes_async(image->pool, self->cancellable, on_volumes_listed, image);
}

static void
finish(MarinaAddHardwareDialog *self)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *pool_path = NULL;
    g_autofree char *name = NULL;
    g_autofree char *format = NULL;
    g_autofree char *path = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDevice) device = NULL;
    guint64 capacity = 0;
    gboolean create;

    if (self->busy || self->config == NULL)
        return;
    show_message(self, NULL);
    create = marina_add_hw_pages_new_volume(self->pages, self->config, &pool_path, &name, &capacity,
                                            &format, &path, &error);
    if (error == NULL)
        xml = marina_add_hw_pages_build_xml(self->pages, self->config, path, &error);
    /* Checked whole (with the image's future path) before anything is made. */
    if (xml != NULL)
        device = check_device(self, xml, &error);
    if (device == NULL) {
        show_message(self, error->message);
        return;
    }
    set_busy(self, TRUE);
    if (create)
        create_volume(self, pool_path, name, capacity, format);
    else
        attach_device(self, device, xml);
}

static void
on_response(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaAddHardwareDialog *self = MARINA_ADD_HARDWARE_DIALOG(dialog);

    (void)user_data;
    if (response == GTK_RESPONSE_ACCEPT) {
        finish(self);
        return;
    }
    /* Cancel while a disk image is being made: the image goes too. */
    if (self->busy && self->new_volume != NULL)
        marina_volume_delete_async(self->new_volume, NULL, NULL, NULL);
    gtk_widget_destroy(GTK_WIDGET(self));
}

static void
on_kind_selected(GtkListBox *box, GtkListBoxRow *row, MarinaAddHardwareDialog *self)
{
    (void)box;
    if (row == NULL)
        return;
    show_message(self, NULL);
    marina_add_hw_pages_show(self->pages, marina_add_hw_pages_row_kind(row));
}

/* -------------------------------------------------------------- object */

static void
marina_add_hardware_dialog_dispose(GObject *object)
{
    MarinaAddHardwareDialog *self = MARINA_ADD_HARDWARE_DIALOG(object);

    g_cancellable_cancel(self->cancellable);
    if (self->wizard_host != NULL) {
        marina_wizard_host_close(self->wizard_host);
        g_signal_handlers_disconnect_by_data(self->wizard_host, self->pages);
    }
    g_clear_object(&self->wizard_host);
    g_clear_object(&self->list);
    g_clear_object(&self->host);
    g_clear_object(&self->guest);
    g_clear_object(&self->domain);
    g_clear_object(&self->new_volume);
    G_OBJECT_CLASS(marina_add_hardware_dialog_parent_class)->dispose(object);
}

static void
marina_add_hardware_dialog_finalize(GObject *object)
{
    MarinaAddHardwareDialog *self = MARINA_ADD_HARDWARE_DIALOG(object);

    /* The pages' widgets are gone by now: nothing calls into them. */
    g_clear_pointer(&self->pages, marina_add_hw_pages_free);
    g_clear_pointer(&self->config, marina_domain_config_free);
    g_clear_pointer(&self->live, marina_domain_config_free);
    g_clear_object(&self->cancellable);
    g_free(self->xml);
    g_free(self->description);
    G_OBJECT_CLASS(marina_add_hardware_dialog_parent_class)->finalize(object);
}

static void
marina_add_hardware_dialog_class_init(MarinaAddHardwareDialogClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = marina_add_hardware_dialog_dispose;
    object_class->finalize = marina_add_hardware_dialog_finalize;
    signals[SIGNAL_DEVICE_ADDED] =
        g_signal_new("device-added", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/add-hardware-dialog.ui");
    gtk_widget_class_bind_template_child(widget_class, MarinaAddHardwareDialog, kind_list);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddHardwareDialog, page_stack);
    gtk_widget_class_bind_template_child(widget_class, MarinaAddHardwareDialog, message_label);
    gtk_widget_class_bind_template_callback(widget_class, on_kind_selected);
}

static void
marina_add_hardware_dialog_init(MarinaAddHardwareDialog *self)
{
    GtkWidget *cancel;

    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();
    self->pages = marina_add_hw_pages_new(self->page_stack, self->kind_list);
    cancel = gtk_dialog_add_button(GTK_DIALOG(self), _("_Cancel"), GTK_RESPONSE_CANCEL);
    self->finish_button =
        gtk_dialog_add_button(GTK_DIALOG(self), _("_Finish"), GTK_RESPONSE_ACCEPT);
    marina_form_set_accessible_name(cancel, _("Cancel"));
    marina_form_set_accessible_name(self->finish_button, _("Finish"));
    gtk_style_context_add_class(gtk_widget_get_style_context(self->finish_button),
                                "suggested-action");
    gtk_dialog_set_default_response(GTK_DIALOG(self), GTK_RESPONSE_ACCEPT);
    gtk_widget_set_sensitive(self->finish_button, FALSE);
    gtk_list_box_select_row(self->kind_list, gtk_list_box_get_row_at_index(self->kind_list, 0));
    g_signal_connect(self, "response", G_CALLBACK(on_response), NULL);
}

MarinaAddHardwareDialog *
marina_add_hardware_dialog_new(GtkWindow *parent, MarinaGuest *guest, MarinaDomain *domain)
{
    MarinaAddHardwareDialog *self;

    g_return_val_if_fail(MARINA_IS_GUEST(guest), NULL);
    g_return_val_if_fail(MARINA_IS_DOMAIN(domain), NULL);
    /* One dialog style throughout Marina: the buttons in a header bar. */
    self = g_object_new(MARINA_TYPE_ADD_HARDWARE_DIALOG, "transient-for", parent, "use-header-bar",
                        TRUE, NULL);
    self->guest = g_object_ref(guest);
    self->domain = g_object_ref(domain);
    read_guest_and_host(self);
    return self;
}
