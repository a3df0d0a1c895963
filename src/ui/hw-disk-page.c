/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-disk-page.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "hw-grow-disk-dialog.h"
#include "hw-page.h"
#include "hw-volume-lookup.h"
#include "resize-volume-dialog.h"
#include "ui-util.h"
#include "volume.h"

struct _MarinaHwDiskPage {
    GtkScrolledWindow parent_instance;

    MarinaDiskDevice device;
    MarinaDomain *domain;
    MarinaConnection *connection; /* where to look for the disk's volume */
    GCancellable *lookup;         /* the volume lookup of the disk shown */
    MarinaVolumeInfo *volume;     /* the pool volume the disk is, or NULL */
    gboolean running;

    GtkEntry *source_entry;
    GtkLabel *device_value;
    GtkLabel *target_value;
    GtkComboBox *bus_combo;
    GtkComboBox *cache_combo;
    GtkComboBox *discard_combo;
    GtkLabel *format_value;
    GtkCheckButton *readonly_check;
    GtkCheckButton *shareable_check;
    GtkWidget *eject_button;
    GtkLabel *volume_label;
    GtkLabel *volume_value;
    GtkWidget *grow_button;
};

MARINA_HW_PAGE_DEFINE(MarinaHwDiskPage, marina_hw_disk_page, MARINA_TYPE_HW_DISK_PAGE,
                      disk_page_iface_init)

static const char *const bus_ids[] = {
    [MARINA_DISK_BUS_VIRTIO] = "virtio", [MARINA_DISK_BUS_SATA] = "sata",
    [MARINA_DISK_BUS_IDE] = "ide",       [MARINA_DISK_BUS_SCSI] = "scsi",
    [MARINA_DISK_BUS_USB] = "usb",       [MARINA_DISK_BUS_FDC] = "fdc",
};

static const char *
device_label(MarinaDiskDevice device)
{
    switch (device) {
    case MARINA_DISK_DEVICE_CDROM:
        return _("CD-ROM");
    case MARINA_DISK_DEVICE_FLOPPY:
        return _("Floppy");
    default:
        return _("Disk");
    }
}

static const MarinaDiskConfig *
disk_at(const MarinaDomainConfig *config, guint index)
{
    return index < config->disks->len ? config->disks->pdata[index] : NULL;
}

static void
update_eject(MarinaHwDiskPage *self)
{
    g_autofree char *source = marina_hw_page_entry_get(self->source_entry);

    gtk_widget_set_visible(self->eject_button, self->device != MARINA_DISK_DEVICE_DISK);
    gtk_widget_set_sensitive(self->eject_button, source != NULL);
}

static void
show_volume(MarinaHwDiskPage *self)
{
    g_autofree char *capacity = NULL;
    g_autofree char *text = NULL;
    g_autofree char *source = marina_hw_page_entry_get(self->source_entry);

    /* Any disk with an image grows through the daemon; a volume's size shows. */
    gtk_widget_set_sensitive(self->grow_button, self->domain != NULL && source != NULL);
    if (self->volume == NULL) {
        gtk_label_set_text(self->volume_value,
                           _("None: the disk is not a volume of a storage pool"));
        return;
    }
    capacity = marina_ui_format_bytes(self->volume->capacity);
    /* Translators: a disk's volume: "<pool>/<volume>, <capacity>" */
    text = g_strdup_printf(_("%s/%s, %s"), self->volume->pool, self->volume->name, capacity);
    gtk_label_set_text(self->volume_value, text);
}

static void
on_volume_found(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    MarinaVolumeInfo *volume = marina_hw_volume_lookup_finish(result, &error);
    MarinaHwDiskPage *self;

    (void)source;
    if (marina_ui_is_cancelled(error))
        return;
    self = MARINA_HW_DISK_PAGE(user_data);
    if (error != NULL)
        g_debug("Could not look for the disk's volume: %s", error->message);
    g_clear_pointer(&self->volume, marina_volume_info_free);
    self->volume = volume;
    show_volume(self);
}

static void
look_up_volume(MarinaHwDiskPage *self, const char *source)
{
    g_cancellable_cancel(self->lookup);
    g_clear_object(&self->lookup);
    g_clear_pointer(&self->volume, marina_volume_info_free);
    show_volume(self);
    if (self->connection == NULL || source == NULL || self->device != MARINA_DISK_DEVICE_DISK)
        return;
    gtk_label_set_text(self->volume_value, _("Looking for it in the storage pools…"));
    self->lookup = g_cancellable_new();
    /* The page outlives the lookup: dispose cancels it first. */
    marina_hw_volume_lookup_async(self->connection, source, self->lookup, on_volume_found, self);
}

static void
on_resize_closed(MarinaHwDiskPage *self)
{
    g_autofree char *source = marina_hw_page_entry_get(self->source_entry);

    /* Read the capacity again: it grew, or the dialog was cancelled. */
    look_up_volume(self, source);
}

static void
on_grow_clicked(MarinaHwDiskPage *self)
{
    g_autoptr(MarinaVolume) volume = NULL;
    MarinaResizeVolumeDialog *dialog;

    if (self->domain == NULL)
        return;
    /* A running guest must see its disk grow: QEMU does it (ResizeDisk).
     * Otherwise a pool's volume grows as the pool's own, the rest as images. */
    if (self->running || self->volume == NULL) {
        GtkWidget *grow = marina_hw_grow_disk_dialog_new(
            GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(self))), self->domain,
            gtk_label_get_text(self->target_value),
            self->volume != NULL ? self->volume->capacity : 0, self->running);

        g_signal_connect_object(grow, "destroy", G_CALLBACK(on_resize_closed), self,
                                G_CONNECT_SWAPPED);
        gtk_widget_show(grow);
        return;
    }
    volume = marina_volume_new(self->connection, self->volume->object_path);
    dialog = marina_resize_volume_dialog_new(GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(self))),
                                             volume, self->volume->name, self->volume->capacity);
    g_signal_connect_object(dialog, "destroy", G_CALLBACK(on_resize_closed), self,
                            G_CONNECT_SWAPPED);
    gtk_widget_show(GTK_WIDGET(dialog));
}

void
marina_hw_disk_page_set_domain(MarinaHwDiskPage *self, MarinaDomain *domain)
{
    g_return_if_fail(MARINA_IS_HW_DISK_PAGE(self));
    g_set_object(&self->domain, domain);
    if (domain != NULL)
        g_set_object(&self->connection, marina_domain_get_connection(domain));
    else
        g_clear_object(&self->connection);
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwDiskPage *self = MARINA_HW_DISK_PAGE(page);
    const MarinaDiskConfig *disk = disk_at(config, index);
    const MarinaDiskConfig *running = NULL;

    if (disk == NULL)
        return;
    self->device = disk->device;
    self->running = live != NULL;
    running = live != NULL ? marina_domain_config_find_disk(live, disk->target_dev) : NULL;
    marina_hw_page_entry_set(self->source_entry, disk->source);
    gtk_label_set_text(self->device_value, device_label(disk->device));
    gtk_label_set_text(self->target_value, disk->target_dev);
    marina_hw_page_combo_set(self->bus_combo, bus_ids[disk->bus], "virtio");
    marina_hw_page_combo_set(self->cache_combo, disk->cache, "default");
    marina_hw_page_combo_set(self->discard_combo, disk->discard, "default");
    gtk_label_set_text(self->format_value, disk->format != NULL ? disk->format : "raw");
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->readonly_check), disk->readonly);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->shareable_check), disk->shareable);
    update_eject(self);
    /* Only a disk is a volume to grow; media and floppies are images as they are. */
    gtk_widget_set_visible(GTK_WIDGET(self->volume_label), disk->device == MARINA_DISK_DEVICE_DISK);
    gtk_widget_set_visible(GTK_WIDGET(self->volume_value), disk->device == MARINA_DISK_DEVICE_DISK);
    gtk_widget_set_visible(self->grow_button, disk->device == MARINA_DISK_DEVICE_DISK);
    look_up_volume(self, disk->source);
    marina_hw_page_mark_pending(GTK_WIDGET(self->source_entry),
                                running != NULL && g_strcmp0(running->source, disk->source) != 0);
    marina_hw_page_mark_pending(GTK_WIDGET(self->cache_combo),
                                running != NULL && g_strcmp0(running->cache, disk->cache) != 0);
    marina_hw_page_mark_pending(GTK_WIDGET(self->discard_combo),
                                running != NULL && g_strcmp0(running->discard, disk->discard) != 0);
    marina_hw_page_mark_pending(GTK_WIDGET(self->bus_combo),
                                running != NULL && running->bus != disk->bus);
    marina_hw_page_mark_pending(GTK_WIDGET(self->readonly_check),
                                running != NULL && running->readonly != disk->readonly);
    marina_hw_page_mark_pending(GTK_WIDGET(self->shareable_check),
                                running != NULL && running->shareable != disk->shareable);
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwDiskPage *self = MARINA_HW_DISK_PAGE(page);
    g_autofree char *source = marina_hw_page_entry_get(self->source_entry);
    g_autofree char *cache = marina_hw_page_combo_get(self->cache_combo);
    g_autofree char *discard = marina_hw_page_combo_get(self->discard_combo);
    const char *bus = gtk_combo_box_get_active_id(self->bus_combo);
    const char *target = gtk_label_get_text(self->target_value);
    MarinaDiskConfig *disk = marina_domain_config_find_disk(config, target);

    if (disk == NULL) {
        marina_hw_page_set_error(error, _("Disk"),
                                 _("the guest has no disk '%s' any more. Choose another device."),
                                 target);
        return FALSE;
    }
    if (source == NULL && disk->device == MARINA_DISK_DEVICE_DISK) {
        marina_hw_page_set_error(
            error, _("Source path"),
            _("a disk needs an image file or a block device. Enter its path."));
        return FALSE;
    }
    if (source != NULL && !g_path_is_absolute(source)) {
        marina_hw_page_set_error(
            error, _("Source path"),
            _("“%s” is not absolute: enter the full path on the host, starting "
              "with /."),
            source);
        return FALSE;
    }
    for (guint b = 0; bus != NULL && b < G_N_ELEMENTS(bus_ids); b++)
        if (g_strcmp0(bus, bus_ids[b]) == 0)
            disk->bus = b;
    g_free(disk->source);
    disk->source = g_steal_pointer(&source);
    g_free(disk->cache);
    disk->cache = g_strcmp0(cache, "default") == 0 ? NULL : g_steal_pointer(&cache);
    g_free(disk->discard);
    disk->discard = g_strcmp0(discard, "default") == 0 ? NULL : g_steal_pointer(&discard);
    disk->readonly = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->readonly_check));
    disk->shareable = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->shareable_check));
    return TRUE;
}

/* Disconnect: the drive stays, empty, once applied (eject). */
static void
on_eject_clicked(MarinaHwDiskPage *self)
{
    gtk_entry_set_text(self->source_entry, "");
}

static void
disk_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_disk_page_dispose(GObject *object)
{
    MarinaHwDiskPage *self = MARINA_HW_DISK_PAGE(object);

    g_cancellable_cancel(self->lookup);
    g_clear_object(&self->lookup);
    g_clear_object(&self->connection);
    g_clear_object(&self->domain);
    g_clear_pointer(&self->volume, marina_volume_info_free);
    G_OBJECT_CLASS(marina_hw_disk_page_parent_class)->dispose(object);
}

static void
marina_hw_disk_page_class_init(MarinaHwDiskPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = marina_hw_disk_page_dispose;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-disk-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHwDiskPage, name)
    BIND(source_entry);
    BIND(device_value);
    BIND(target_value);
    BIND(bus_combo);
    BIND(cache_combo);
    BIND(discard_combo);
    BIND(format_value);
    BIND(readonly_check);
    BIND(shareable_check);
    BIND(eject_button);
    BIND(volume_label);
    BIND(volume_value);
    BIND(grow_button);
#undef BIND
}

static void
marina_hw_disk_page_init(MarinaHwDiskPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(self->eject_button, "clicked", G_CALLBACK(on_eject_clicked), self);
    g_signal_connect_swapped(self->grow_button, "clicked", G_CALLBACK(on_grow_clicked), self);
    g_signal_connect_swapped(self->source_entry, "changed", G_CALLBACK(update_eject), self);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->source_entry);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->bus_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->cache_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->discard_combo);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->readonly_check);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->shareable_check);
}
