/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-add-hardware"

#include "config.h"

#include "add-hardware-pages.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "device-target.h"
#include "error.h"
#include "form-util.h"
#include "records.h"
#include "volume-config.h"
#include "volume-picker.h"

#define KIND_KEY "marina-add-hw-kind"

/* VFIO needs the system daemon's privileges. */
#define PCI_SESSION_NOTE                                                                           \
    N_("PCI host devices can be given to a guest only on the system daemon (QEMU/KVM): this "      \
       "connection is a user session.")

/* One choice of a combo box: its id and (untranslated) label. */
typedef struct {
    const char *id;
    const char *label;
} Choice;

typedef struct {
    GtkToggleButton *new_radio;
    GtkToggleButton *existing_radio;
    GtkComboBoxText *pool;
    GtkSpinButton *size;
    GtkComboBoxText *format;
    GtkEntry *path;
    GtkWidget *browse_volume;
    GtkWidget *browse_file;
    GtkComboBoxText *device;
    GtkComboBoxText *bus;
    GtkComboBoxText *cache;
    GtkToggleButton *readonly;
    GtkToggleButton *shareable;
    GtkLabel *target;
    GtkLabel *pool_status;
} StoragePage;

typedef struct {
    GtkComboBoxText *source;
    GtkEntry *bridge;
    GtkComboBoxText *model;
    GtkEntry *mac;
    GtkLabel *status;
} NetworkPage;

typedef struct {
    GtkComboBoxText *devices;
    GtkLabel *status;
    GPtrArray *list; /* MarinaHostDevice*, in the combo's order */
} HostdevPage;

struct _MarinaAddHwPages {
    GtkStack *stack;
    GtkListBox *list;
    MarinaDomainConfig *config;
    MarinaWizardHost *host;
    StoragePage storage;
    NetworkPage network;
    GtkComboBoxText *input_type, *input_bus;
    GtkComboBoxText *listen;
    GtkToggleButton *autoport;
    GtkSpinButton *port;
    GtkEntry *password;
    GtkComboBoxText *sound_model;
    GtkComboBoxText *console_target;
    HostdevPage usb, pci;
    GtkComboBoxText *video_model;
    GtkComboBoxText *watchdog_model, *watchdog_action;
    GtkEntry *rng_source;
    GtkComboBoxText *tpm_version, *tpm_model;
    GtkComboBoxText *controller_type, *controller_model;
};

static const char *const kind_names[MARINA_ADD_HW_N_KINDS] = {
    "storage", "network", "input", "graphics", "sound", "serial", "console",
    "usb",     "pci",     "video", "watchdog", "rng",   "tpm",    "controller",
};

static const Choice kinds[MARINA_ADD_HW_N_KINDS] = {
    {"drive-harddisk-symbolic", N_("Storage")},
    {"network-wired-symbolic", N_("Network")},
    {"input-mouse-symbolic", N_("Input")},
    {"video-display-symbolic", N_("Graphics")},
    {"audio-card-symbolic", N_("Sound")},
    {"utilities-terminal-symbolic", N_("Serial")},
    {"utilities-terminal-symbolic", N_("Console")},
    {"media-removable-symbolic", N_("USB Host Device")},
    {"drive-multidisk-symbolic", N_("PCI Host Device")},
    {"preferences-desktop-display-symbolic", N_("Video")},
    {"security-high-symbolic", N_("Watchdog")},
    {"dialog-password-symbolic", N_("RNG")},
    {"channel-secure-symbolic", N_("TPM")},
    {"drive-multidisk-symbolic", N_("Controller")},
};

/* ---------------------------------------------------------------- widgets */

static GtkGrid *
grid_new(const char *heading)
{
    GtkGrid *grid = GTK_GRID(gtk_grid_new());
    GtkWidget *title = gtk_label_new(NULL);
    g_autofree char *markup = g_markup_printf_escaped("<b>%s</b>", heading);

    gtk_grid_set_row_spacing(grid, 8);
    gtk_grid_set_column_spacing(grid, 12);
    gtk_label_set_markup(GTK_LABEL(title), markup);
    gtk_label_set_xalign(GTK_LABEL(title), 0);
    gtk_grid_attach(grid, title, 0, 0, 2, 1);
    return grid;
}

/* Appends "label  widget" to @grid; the label names the widget for
 * assistive technologies too. */
static GtkWidget *
grid_add(GtkGrid *grid, const char *label, gpointer widget)
{
    int row = 1;
    GtkWidget *caption = gtk_label_new(label);

    while (gtk_grid_get_child_at(grid, 0, row) != NULL || gtk_grid_get_child_at(grid, 1, row))
        row++;
    gtk_label_set_xalign(GTK_LABEL(caption), 1);
    gtk_label_set_mnemonic_widget(GTK_LABEL(caption), widget);
    gtk_widget_set_hexpand(widget, TRUE);
    gtk_grid_attach(grid, caption, 0, row, 1, 1);
    gtk_grid_attach(grid, widget, 1, row, 1, 1);
    marina_form_set_accessible_name(widget, label);
    return widget;
}

/* A widget across both columns (check boxes, radio buttons, notes). */
static gpointer
grid_add_wide(GtkGrid *grid, gpointer widget)
{
    int row = 1;

    while (gtk_grid_get_child_at(grid, 0, row) != NULL || gtk_grid_get_child_at(grid, 1, row))
        row++;
    gtk_grid_attach(grid, widget, 0, row, 2, 1);
    return widget;
}

static GtkLabel *
note_new(void)
{
    GtkLabel *label = GTK_LABEL(gtk_label_new(NULL));

    gtk_label_set_xalign(label, 0);
    gtk_label_set_line_wrap(label, TRUE);
    gtk_label_set_max_width_chars(label, 50);
    gtk_widget_set_no_show_all(GTK_WIDGET(label), TRUE);
    return label;
}

static void
note_set(GtkLabel *label, const char *text)
{
    marina_form_set_message(label, text);
}

static void
combo_fill(GtkComboBoxText *combo, const Choice *choices, gsize n, const char *active)
{
    gtk_combo_box_text_remove_all(combo);
    for (gsize i = 0; i < n; i++)
        gtk_combo_box_text_append(combo, choices[i].id, _(choices[i].label));
    if (active == NULL || !gtk_combo_box_set_active_id(GTK_COMBO_BOX(combo), active))
        gtk_combo_box_set_active(GTK_COMBO_BOX(combo), 0);
}

static GtkComboBoxText *
combo_new(const Choice *choices, gsize n, const char *active)
{
    GtkComboBoxText *combo = GTK_COMBO_BOX_TEXT(gtk_combo_box_text_new());

    combo_fill(combo, choices, n, active);
    return combo;
}

#define COMBO(choices, active) combo_new(choices, G_N_ELEMENTS(choices), active)

static const char *
combo_id(GtkComboBoxText *combo)
{
    const char *id = gtk_combo_box_get_active_id(GTK_COMBO_BOX(combo));

    return id != NULL ? id : "";
}

static GtkEntry *
entry_new(const char *text)
{
    GtkEntry *entry = GTK_ENTRY(gtk_entry_new());

    gtk_entry_set_text(entry, text != NULL ? text : "");
    gtk_entry_set_activates_default(entry, TRUE);
    return entry;
}

static void
add_page(MarinaAddHwPages *self, MarinaAddHwKind kind, GtkGrid *grid)
{
    GtkWidget *row = gtk_list_box_row_new();
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    const char *label = _(kinds[kind].label);

    gtk_widget_set_valign(GTK_WIDGET(grid), GTK_ALIGN_START);
    gtk_widget_show_all(GTK_WIDGET(grid));
    gtk_stack_add_named(self->stack, GTK_WIDGET(grid), kind_names[kind]);
    g_object_set(box, "margin", 6, NULL);
    gtk_box_pack_start(GTK_BOX(box),
                       gtk_image_new_from_icon_name(kinds[kind].id, GTK_ICON_SIZE_BUTTON), FALSE,
                       FALSE, 0);
    gtk_box_pack_start(GTK_BOX(box), gtk_label_new(label), FALSE, FALSE, 0);
    gtk_container_add(GTK_CONTAINER(row), box);
    g_object_set_data(G_OBJECT(row), KIND_KEY, GUINT_TO_POINTER(kind));
    atk_object_set_name(gtk_widget_get_accessible(row), label);
    gtk_widget_show_all(row);
    gtk_container_add(GTK_CONTAINER(self->list), row);
}

/* ---------------------------------------------------------------- storage */

static const Choice disk_devices[] = {
    {"disk", N_("Disk device")},
    {"cdrom", N_("CD-ROM device")},
    {"floppy", N_("Floppy device")},
};

static const Choice disk_formats[] = {{"qcow2", "qcow2"}, {"raw", "raw"}};

static const Choice cache_modes[] = {
    {"", N_("Hypervisor default")}, {"none", "none"},
    {"writeback", "writeback"},     {"writethrough", "writethrough"},
    {"directsync", "directsync"},   {"unsafe", "unsafe"},
};

static const Choice disk_buses[] = {
    {"virtio", "VirtIO"}, {"sata", "SATA"}, {"scsi", "SCSI"},
    {"usb", "USB"},       {"ide", "IDE"},   {"fdc", N_("Floppy")},
};

static MarinaDiskBus
bus_from_id(const char *id)
{
    static const char *const ids[] = {"virtio", "sata", "ide", "scsi", "usb", "fdc"};

    for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
        if (g_strcmp0(ids[i], id) == 0)
            return (MarinaDiskBus)i;
    }
    return MARINA_DISK_BUS_VIRTIO;
}

/* Q35 has no IDE controller; libvirt refuses IDE disks there. */
static gboolean
machine_is_q35(const MarinaDomainConfig *config)
{
    return config != NULL && config->machine != NULL && strstr(config->machine, "q35") != NULL;
}

static char *
storage_target(MarinaAddHwPages *self, GError **error)
{
    if (self->config == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG, "%s",
                    _("The guest's definition is not read yet. Wait a moment."));
        return NULL;
    }
    return marina_disk_free_target(self->config, bus_from_id(combo_id(self->storage.bus)), error);
}

static void
update_target(MarinaAddHwPages *self)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *target = storage_target(self, &error);
    g_autofree char *text =
        target != NULL ? g_strdup_printf(_("Target: %s"), target) : g_strdup(error->message);

    gtk_label_set_text(self->storage.target, text);
}

/* The buses a kind of drive may use on this machine, with the usual one first. */
static void
fill_buses(MarinaAddHwPages *self)
{
    StoragePage *s = &self->storage;
    const char *device = combo_id(s->device);
    gboolean q35 = machine_is_q35(self->config);
    const char *previous = combo_id(s->bus);
    g_autofree char *keep = g_strdup(previous);

    gtk_combo_box_text_remove_all(s->bus);
    for (guint i = 0; i < G_N_ELEMENTS(disk_buses); i++) {
        const char *id = disk_buses[i].id;
        gboolean fdc = g_str_equal(id, "fdc");

        if (g_str_equal(device, "floppy") != fdc)
            continue;
        if (g_str_equal(id, "ide") && q35)
            continue;
        if (g_str_equal(id, "virtio") && g_str_equal(device, "cdrom"))
            continue;
        gtk_combo_box_text_append(s->bus, id, _(disk_buses[i].label));
    }
    if (!gtk_combo_box_set_active_id(GTK_COMBO_BOX(s->bus), keep))
        gtk_combo_box_set_active_id(GTK_COMBO_BOX(s->bus), g_str_equal(device, "disk") ? "virtio"
                                                           : g_str_equal(device, "floppy") ? "fdc"
                                                           : q35                           ? "sata"
                                                                                           : "ide");
}

static void
update_storage(MarinaAddHwPages *self)
{
    StoragePage *s = &self->storage;
    gboolean disk = g_str_equal(combo_id(s->device), "disk");
    gboolean create;

    /* A new image only for a disk: a CD-ROM or floppy holds a file that exists. */
    gtk_widget_set_sensitive(GTK_WIDGET(s->new_radio), disk);
    if (!disk && gtk_toggle_button_get_active(s->new_radio))
        gtk_toggle_button_set_active(s->existing_radio, TRUE);
    create = gtk_toggle_button_get_active(s->new_radio);
    gtk_widget_set_sensitive(GTK_WIDGET(s->pool), create);
    gtk_widget_set_sensitive(GTK_WIDGET(s->size), create);
    gtk_widget_set_sensitive(GTK_WIDGET(s->format), create);
    gtk_widget_set_sensitive(GTK_WIDGET(s->path), !create);
    gtk_widget_set_sensitive(s->browse_volume, !create && self->host != NULL);
    /* A remote host's files are not this computer's. */
    marina_form_set_browse_local(
        s->browse_file, !create && (self->host == NULL || marina_wizard_host_is_local(self->host)));
    update_target(self);
}

static void
on_device_changed(GtkComboBox *combo, MarinaAddHwPages *self)
{
    (void)combo;
    fill_buses(self);
    if (!g_str_equal(combo_id(self->storage.device), "disk"))
        gtk_toggle_button_set_active(self->storage.readonly,
                                     g_str_equal(combo_id(self->storage.device), "cdrom"));
    update_storage(self);
}

static void
on_storage_changed(gpointer widget, MarinaAddHwPages *self)
{
    (void)widget;
    update_storage(self);
}

static void
on_browse_volume(GtkWidget *button, MarinaAddHwPages *self)
{
    marina_volume_picker_choose_into(button, self->host, self->storage.path);
}

static void
on_browse_file(GtkWidget *button, MarinaAddHwPages *self)
{
    marina_form_choose_file(button, self->storage.path,
                            g_str_equal(combo_id(self->storage.device), "cdrom"));
}

static void
build_storage(MarinaAddHwPages *self)
{
    StoragePage *s = &self->storage;
    GtkGrid *grid = grid_new(_("Storage"));
    GtkWidget *browse = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkAdjustment *size = gtk_adjustment_new(10, 0.1, 1048576, 1, 10, 0);

    s->new_radio = grid_add_wide(grid, gtk_radio_button_new_with_mnemonic(
                                           NULL, _("_Create a disk image in a storage pool")));
    s->pool = GTK_COMBO_BOX_TEXT(grid_add(grid, _("Storage pool"), gtk_combo_box_text_new()));
    s->pool_status = grid_add_wide(grid, note_new());
    s->size =
        GTK_SPIN_BUTTON(grid_add(grid, _("Disk size (GiB)"), gtk_spin_button_new(size, 1, 1)));
    s->format = GTK_COMBO_BOX_TEXT(grid_add(grid, _("Disk format"), COMBO(disk_formats, "qcow2")));
    s->existing_radio = grid_add_wide(
        grid, gtk_radio_button_new_with_mnemonic_from_widget(GTK_RADIO_BUTTON(s->new_radio),
                                                             _("Use an _existing file or volume")));
    s->path = GTK_ENTRY(grid_add(grid, _("Disk path"), entry_new(NULL)));
    s->browse_volume = gtk_button_new_with_mnemonic(_("Browse _Volumes…"));
    s->browse_file = gtk_button_new_with_mnemonic(_("Browse _Local…"));
    marina_form_set_accessible_name(s->browse_volume, _("Browse volumes"));
    marina_form_set_accessible_name(s->browse_file, _("Browse local files"));
    gtk_box_pack_start(GTK_BOX(browse), s->browse_volume, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(browse), s->browse_file, FALSE, FALSE, 0);
    grid_add_wide(grid, browse);
    marina_form_set_accessible_name(s->new_radio, _("Create a disk image in a storage pool"));
    marina_form_set_accessible_name(s->existing_radio, _("Use an existing file or volume"));

    s->device = GTK_COMBO_BOX_TEXT(grid_add(grid, _("Device type"), COMBO(disk_devices, "disk")));
    s->bus = GTK_COMBO_BOX_TEXT(grid_add(grid, _("Bus"), gtk_combo_box_text_new()));
    s->target = grid_add_wide(grid, note_new());
    gtk_widget_set_no_show_all(GTK_WIDGET(s->target), FALSE);
    s->cache = GTK_COMBO_BOX_TEXT(grid_add(grid, _("Cache mode"), COMBO(cache_modes, "")));
    s->readonly = grid_add_wide(grid, gtk_check_button_new_with_mnemonic(_("_Read-only")));
    s->shareable = grid_add_wide(grid, gtk_check_button_new_with_mnemonic(_("_Shareable")));
    marina_form_set_accessible_name(s->readonly, _("Read-only"));
    marina_form_set_accessible_name(s->shareable, _("Shareable"));
    fill_buses(self);

    g_signal_connect(s->device, "changed", G_CALLBACK(on_device_changed), self);
    g_signal_connect(s->bus, "changed", G_CALLBACK(on_storage_changed), self);
    g_signal_connect(s->new_radio, "toggled", G_CALLBACK(on_storage_changed), self);
    g_signal_connect(s->browse_volume, "clicked", G_CALLBACK(on_browse_volume), self);
    g_signal_connect(s->browse_file, "clicked", G_CALLBACK(on_browse_file), self);
    add_page(self, MARINA_ADD_HW_STORAGE, grid);
    update_storage(self);
}

static const MarinaPoolInfo *
chosen_pool(MarinaAddHwPages *self)
{
    GPtrArray *pools = self->host != NULL ? marina_wizard_host_get_pools(self->host) : NULL;
    const char *name = combo_id(self->storage.pool);

    for (guint i = 0; pools != NULL && i < pools->len; i++) {
        const MarinaPoolInfo *info = g_ptr_array_index(pools, i);

        if (info->active && g_strcmp0(info->name, name) == 0)
            return info;
    }
    return NULL;
}

static void
fill_pools(MarinaAddHwPages *self)
{
    StoragePage *s = &self->storage;
    GPtrArray *pools = marina_wizard_host_get_pools(self->host);
    const char *error = marina_wizard_host_get_pools_error(self->host);
    g_autofree char *keep = g_strdup(combo_id(s->pool));
    guint n = 0;

    gtk_combo_box_text_remove_all(s->pool);
    for (guint i = 0; i < pools->len; i++) {
        const MarinaPoolInfo *info = g_ptr_array_index(pools, i);
        g_autofree char *free_text = NULL;
        g_autofree char *label = NULL;

        if (!info->active)
            continue;
        free_text = g_format_size_full(info->available, G_FORMAT_SIZE_IEC_UNITS);
        label = g_strdup_printf(_("%s (%s free)"), info->name, free_text);
        gtk_combo_box_text_append(s->pool, info->name, label);
        n++;
    }
    if (!gtk_combo_box_set_active_id(GTK_COMBO_BOX(s->pool), keep) &&
        !gtk_combo_box_set_active_id(GTK_COMBO_BOX(s->pool), "default"))
        gtk_combo_box_set_active(GTK_COMBO_BOX(s->pool), 0);
    note_set(s->pool_status, error != NULL ? error
                             : n == 0      ? _("The host has no active storage pool: start one "
                                                    "in Connection Details, or use an existing file.")
                                           : NULL);
}

gboolean
marina_add_hw_pages_new_volume(MarinaAddHwPages *self, const MarinaDomainConfig *config,
                               char **pool_path, char **name, guint64 *capacity, char **format,
                               char **path, GError **error)
{
    StoragePage *s = &self->storage;
    const MarinaPoolInfo *pool;
    g_autofree char *target = NULL;
    double gib = 0;

    if (marina_add_hw_pages_get_kind(self) != MARINA_ADD_HW_STORAGE ||
        !gtk_toggle_button_get_active(s->new_radio))
        return FALSE;
    pool = chosen_pool(self);
    if (pool == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                    _("Storage pool: choose an active pool for the new disk image."));
        return FALSE;
    }
    if (!marina_form_spin_text_value(s->size, &gib) || gib <= 0 ||
        gib * 1024 * 1024 * 1024 > (double)MARINA_VOLUME_MAX_CAPACITY) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                    _("Disk size: give a size in GiB above 0 and up to 1048576."));
        return FALSE;
    }
    if (gib * 1024 * 1024 * 1024 > (double)pool->available) {
        g_autofree char *free_text = g_format_size_full(pool->available, G_FORMAT_SIZE_IEC_UNITS);

        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Disk size: pool '%s' has only %s free. Choose a smaller size or another "
                      "pool."),
                    pool->name, free_text);
        return FALSE;
    }
    target = marina_disk_free_target(config, bus_from_id(combo_id(s->bus)), error);
    if (target == NULL)
        return FALSE;
    *pool_path = g_strdup(pool->object_path);
    *format = g_strdup(combo_id(s->format));
    *name = g_strdup_printf("%s-%s.%s", config->name, target, *format);
    *capacity = (guint64)(gib * 1024 * 1024 * 1024);
    *path =
        g_build_filename(pool->path != NULL && *pool->path != '\0' ? pool->path : "/", *name, NULL);
    return TRUE;
}

static char *
storage_xml(MarinaAddHwPages *self, const MarinaDomainConfig *config, const char *volume_path,
            GError **error)
{
    StoragePage *s = &self->storage;
    const char *device = combo_id(s->device);
    const char *bus = combo_id(s->bus);
    g_autofree char *target = marina_disk_free_target(config, bus_from_id(bus), error);
    g_autofree char *path = NULL;
    g_autofree char *source = NULL;
    g_autofree char *driver = NULL;
    const char *format = "raw";

    if (target == NULL)
        return NULL;
    if (gtk_toggle_button_get_active(s->new_radio)) {
        path = g_strdup(volume_path);
        format = combo_id(s->format);
    } else {
        path = marina_form_entry_text(s->path);
        if (path != NULL && g_str_has_suffix(path, ".qcow2"))
            format = "qcow2";
    }
    if (path == NULL && g_str_equal(device, "disk")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                    _("Disk path: give the file or volume the disk uses, or create a new "
                      "disk image."));
        return NULL;
    }
    if (path != NULL && !g_path_is_absolute(path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Disk path: '%s' is not an absolute path on the host."), path);
        return NULL;
    }
    if (path != NULL)
        source = g_markup_printf_escaped("<source %s='%s'/>",
                                         g_str_has_prefix(path, "/dev/") ? "dev" : "file", path);
    driver = *combo_id(s->cache) != '\0'
                 ? g_markup_printf_escaped("<driver name='qemu' type='%s' cache='%s'/>", format,
                                           combo_id(s->cache))
                 : g_markup_printf_escaped("<driver name='qemu' type='%s'/>", format);
    /* The parts are escaped already (ids, paths); only the frame is added. */
    return g_strdup_printf("<disk type='%s' device='%s'>%s%s<target dev='%s' bus='%s'/>%s%s</disk>",
                           path != NULL && g_str_has_prefix(path, "/dev/") ? "block" : "file",
                           device, driver, source != NULL ? source : "", target, bus,
                           gtk_toggle_button_get_active(s->readonly) ? "<readonly/>" : "",
                           gtk_toggle_button_get_active(s->shareable) ? "<shareable/>" : "");
}

/* ---------------------------------------------------------------- network */

static const Choice nic_models[] = {
    {"virtio", "virtio"},   {"e1000", "e1000"},       {"e1000e", "e1000e"},
    {"rtl8139", "rtl8139"}, {"ne2k_pci", "ne2k_pci"}, {"pcnet", "pcnet"},
};

static void
update_network(MarinaAddHwPages *self)
{
    gtk_widget_set_sensitive(GTK_WIDGET(self->network.bridge),
                             g_str_equal(combo_id(self->network.source), "bridge"));
}

static void
on_network_changed(GtkComboBox *combo, MarinaAddHwPages *self)
{
    (void)combo;
    update_network(self);
}

static void
fill_network_sources(MarinaAddHwPages *self, GPtrArray *networks)
{
    NetworkPage *n = &self->network;
    g_autofree char *keep = g_strdup(combo_id(n->source));

    gtk_combo_box_text_remove_all(n->source);
    for (guint i = 0; networks != NULL && i < networks->len; i++) {
        const MarinaNetworkRecord *record = g_ptr_array_index(networks, i);
        g_autofree char *id = g_strconcat("network:", record->name, NULL);
        g_autofree char *label =
            record->active ? g_strdup_printf(_("Virtual network '%s'"), record->name)
                           : g_strdup_printf(_("Virtual network '%s' (inactive)"), record->name);

        gtk_combo_box_text_append(n->source, id, label);
    }
    gtk_combo_box_text_append(n->source, "bridge", _("Bridge device"));
    gtk_combo_box_text_append(n->source, "user", _("User-mode networking"));
    if (!gtk_combo_box_set_active_id(GTK_COMBO_BOX(n->source), keep) &&
        !gtk_combo_box_set_active_id(GTK_COMBO_BOX(n->source), "network:default"))
        gtk_combo_box_set_active_id(GTK_COMBO_BOX(n->source), "user");
    update_network(self);
}

static void
build_network(MarinaAddHwPages *self)
{
    NetworkPage *n = &self->network;
    GtkGrid *grid = grid_new(_("Network"));
    g_autofree char *mac = marina_mac_generate();

    n->source = GTK_COMBO_BOX_TEXT(grid_add(grid, _("Network source"), gtk_combo_box_text_new()));
    n->status = grid_add_wide(grid, note_new());
    n->bridge = GTK_ENTRY(grid_add(grid, _("Bridge name"), entry_new(NULL)));
    n->model = GTK_COMBO_BOX_TEXT(grid_add(grid, _("Device model"), COMBO(nic_models, "virtio")));
    n->mac = GTK_ENTRY(grid_add(grid, _("MAC address"), entry_new(mac)));
    fill_network_sources(self, NULL);
    g_signal_connect(n->source, "changed", G_CALLBACK(on_network_changed), self);
    add_page(self, MARINA_ADD_HW_NETWORK, grid);
}

static char *
network_xml(MarinaAddHwPages *self, GError **error)
{
    NetworkPage *n = &self->network;
    const char *source = combo_id(n->source);
    g_autofree char *typed = marina_form_entry_text(n->mac);
    g_autofree char *mac = typed != NULL ? marina_mac_canonicalize(typed) : NULL;
    g_autofree char *bridge = marina_form_entry_text(n->bridge);
    g_autofree char *source_xml = NULL;
    const char *type = "user";

    if (mac == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("MAC address: '%s' is not a unicast MAC address such as "
                      "52:54:00:12:34:56."),
                    typed != NULL ? typed : "");
        return NULL;
    }
    if (g_str_has_prefix(source, "network:")) {
        type = "network";
        source_xml = g_markup_printf_escaped("<source network='%s'/>", source + 8);
    } else if (g_str_equal(source, "bridge")) {
        if (bridge == NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                        _("Bridge name: give the host bridge the guest joins, such as br0."));
            return NULL;
        }
        type = "bridge";
        source_xml = g_markup_printf_escaped("<source bridge='%s'/>", bridge);
    }
    return g_strdup_printf("<interface type='%s'><mac address='%s'/>%s<model type='%s'/>"
                           "</interface>",
                           type, mac, source_xml != NULL ? source_xml : "", combo_id(n->model));
}

/* ------------------------------------------------------------ small pages */

static const Choice input_types[] = {
    {"tablet", N_("EvTouch USB Graphics Tablet")},
    {"mouse", N_("Mouse")},
    {"keyboard", N_("Keyboard")},
};
static const Choice input_buses[] = {{"usb", "USB"}, {"ps2", "PS/2"}, {"virtio", "VirtIO"}};
static const Choice listen_choices[] = {
    {"127.0.0.1", N_("Localhost only (127.0.0.1)")},
    {"0.0.0.0", N_("All interfaces (0.0.0.0)")},
};
static const Choice sound_models[] = {
    {"ich9", "HDA (ICH9)"}, {"ich6", "HDA (ICH6)"},   {"ac97", "AC97"},
    {"es1370", "ES1370"},   {"usb", N_("USB audio")},
};
static const Choice console_targets[] = {{"virtio", N_("VirtIO console")},
                                         {"serial", N_("Serial port")}};
static const Choice video_models[] = {
    {"virtio", "Virtio"}, {"vga", "VGA"},       {"bochs", "Bochs"},
    {"qxl", "QXL"},       {"cirrus", "Cirrus"}, {"ramfb", "ramfb"},
};
static const Choice watchdog_models[] = {
    {"i6300esb", "i6300esb"}, {"ib700", "ib700"}, {"itco", "iTCO"}};
static const Choice watchdog_actions[] = {
    {"reset", N_("Forcefully reset the guest")},
    {"shutdown", N_("Gracefully shut down the guest")},
    {"poweroff", N_("Forcefully power off the guest")},
    {"pause", N_("Pause the guest")},
    {"none", N_("No action")},
    {"inject-nmi", N_("Send a non-maskable interrupt")},
};
static const Choice tpm_versions[] = {{"2.0", "2.0"}, {"1.2", "1.2"}};
static const Choice tpm_models[] = {{"tpm-tis", "TIS"}, {"tpm-crb", "CRB"}};
static const Choice controller_types[] = {
    {"usb", "USB"},
    {"scsi", "SCSI"},
    {"virtio-serial", "VirtIO Serial"},
    {"sata", "SATA"},
};
static const Choice usb_models[] = {{"qemu-xhci", "USB 3 (qemu-xhci)"},
                                    {"ich9-ehci1", "USB 2 (ich9-ehci1)"},
                                    {"piix3-uhci", "USB 1 (piix3-uhci)"}};
static const Choice scsi_models[] = {{"virtio-scsi", "VirtIO SCSI"}, {"lsilogic", "LSI Logic"}};
static const Choice default_model[] = {{"", N_("Default")}};

static void
on_autoport_toggled(GtkToggleButton *button, MarinaAddHwPages *self)
{
    gtk_widget_set_sensitive(GTK_WIDGET(self->port), !gtk_toggle_button_get_active(button));
}

static void
on_controller_type(GtkComboBox *combo, MarinaAddHwPages *self)
{
    const char *type = combo_id(GTK_COMBO_BOX_TEXT(combo));

    if (g_str_equal(type, "usb"))
        combo_fill(self->controller_model, usb_models, G_N_ELEMENTS(usb_models), NULL);
    else if (g_str_equal(type, "scsi"))
        combo_fill(self->controller_model, scsi_models, G_N_ELEMENTS(scsi_models), NULL);
    else
        combo_fill(self->controller_model, default_model, 1, NULL);
}

static void
build_small_pages(MarinaAddHwPages *self)
{
    GtkGrid *grid;
    GtkAdjustment *port = gtk_adjustment_new(5900, 5900, 65535, 1, 10, 0);

    grid = grid_new(_("Input"));
    self->input_type =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Input type"), COMBO(input_types, NULL)));
    self->input_bus = GTK_COMBO_BOX_TEXT(grid_add(grid, _("Input bus"), COMBO(input_buses, NULL)));
    add_page(self, MARINA_ADD_HW_INPUT, grid);

    grid = grid_new(_("Graphics"));
    grid_add_wide(grid, gtk_label_new(_("Type: VNC server")));
    self->listen =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Listen address"), COMBO(listen_choices, "127.0.0.1")));
    self->autoport = grid_add_wide(grid, gtk_check_button_new_with_mnemonic(_("_Automatic port")));
    marina_form_set_accessible_name(self->autoport, _("Automatic port"));
    gtk_toggle_button_set_active(self->autoport, TRUE);
    self->port = GTK_SPIN_BUTTON(grid_add(grid, _("Port"), gtk_spin_button_new(port, 1, 0)));
    gtk_widget_set_sensitive(GTK_WIDGET(self->port), FALSE);
    self->password = GTK_ENTRY(grid_add(grid, _("Password"), entry_new(NULL)));
    gtk_entry_set_visibility(self->password, FALSE);
    g_signal_connect(self->autoport, "toggled", G_CALLBACK(on_autoport_toggled), self);
    add_page(self, MARINA_ADD_HW_GRAPHICS, grid);

    grid = grid_new(_("Sound"));
    self->sound_model =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Sound model"), COMBO(sound_models, "ich9")));
    add_page(self, MARINA_ADD_HW_SOUND, grid);

    grid = grid_new(_("Serial"));
    grid_add_wide(grid, gtk_label_new(_("Device type: pseudo terminal (pty), ISA serial port "
                                        "on the next free port")));
    add_page(self, MARINA_ADD_HW_SERIAL, grid);

    grid = grid_new(_("Console"));
    grid_add_wide(grid, gtk_label_new(_("Device type: pseudo terminal (pty)")));
    self->console_target =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Console target"), COMBO(console_targets, "virtio")));
    add_page(self, MARINA_ADD_HW_CONSOLE, grid);
}

static void
build_hostdev(MarinaAddHwPages *self, MarinaAddHwKind kind, HostdevPage *page)
{
    gboolean usb = kind == MARINA_ADD_HW_USB_HOST;
    GtkGrid *grid = grid_new(usb ? _("USB Host Device") : _("PCI Host Device"));

    page->devices = GTK_COMBO_BOX_TEXT(grid_add(
        grid, usb ? _("USB host device") : _("PCI host device"), gtk_combo_box_text_new()));
    page->status = grid_add_wide(grid, note_new());
    page->list = g_ptr_array_new_with_free_func((GDestroyNotify)marina_host_device_free);
    note_set(page->status, _("Listing the host's devices…"));
    add_page(self, kind, grid);
}

static void
build_more_pages(MarinaAddHwPages *self)
{
    GtkGrid *grid;

    build_hostdev(self, MARINA_ADD_HW_USB_HOST, &self->usb);
    build_hostdev(self, MARINA_ADD_HW_PCI_HOST, &self->pci);

    grid = grid_new(_("Video"));
    self->video_model =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Video model"), COMBO(video_models, "virtio")));
    add_page(self, MARINA_ADD_HW_VIDEO, grid);

    grid = grid_new(_("Watchdog"));
    self->watchdog_model =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Watchdog model"), COMBO(watchdog_models, NULL)));
    self->watchdog_action =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Watchdog action"), COMBO(watchdog_actions, "reset")));
    add_page(self, MARINA_ADD_HW_WATCHDOG, grid);

    grid = grid_new(_("Random Number Generator"));
    self->rng_source = GTK_ENTRY(grid_add(grid, _("Host device"), entry_new("/dev/urandom")));
    add_page(self, MARINA_ADD_HW_RNG, grid);

    grid = grid_new(_("TPM"));
    grid_add_wide(grid, gtk_label_new(_("Backend: emulated TPM (swtpm)")));
    self->tpm_version =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("TPM version"), COMBO(tpm_versions, "2.0")));
    self->tpm_model =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("TPM model"), COMBO(tpm_models, "tpm-crb")));
    add_page(self, MARINA_ADD_HW_TPM, grid);

    grid = grid_new(_("Controller"));
    self->controller_type =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Controller type"), COMBO(controller_types, "usb")));
    self->controller_model =
        GTK_COMBO_BOX_TEXT(grid_add(grid, _("Controller model"), gtk_combo_box_text_new()));
    g_signal_connect(self->controller_type, "changed", G_CALLBACK(on_controller_type), self);
    on_controller_type(GTK_COMBO_BOX(self->controller_type), self);
    add_page(self, MARINA_ADD_HW_CONTROLLER, grid);
}

/* ----------------------------------------------------------- host devices */

static char *
host_device_label(const MarinaHostDevice *device)
{
    const char *vendor = device->vendor != NULL && *device->vendor ? device->vendor : "";
    const char *product = device->product != NULL && *device->product ? device->product : "";
    g_autofree char *used = device->used_by != NULL && *device->used_by
                                ? g_strdup_printf(_(" (used by %s)"), device->used_by)
                                : g_strdup("");

    if (g_strcmp0(device->type, "pci") == 0)
        return g_strdup_printf("%s %s %s%s", device->address, vendor, product, used);
    return g_strdup_printf(_("Bus %03u Device %03u: %s %s (%04x:%04x)%s"), device->bus,
                           device->device, vendor, product, device->vendor_id, device->product_id,
                           used);
}

void
marina_add_hw_pages_set_host_devices(MarinaAddHwPages *self, const char *type, GPtrArray *devices,
                                     const char *error)
{
    HostdevPage *page = g_strcmp0(type, "pci") == 0 ? &self->pci : &self->usb;

    g_return_if_fail(self != NULL);
    gtk_combo_box_text_remove_all(page->devices);
    g_ptr_array_set_size(page->list, 0);
    for (guint i = 0; devices != NULL && i < devices->len; i++) {
        MarinaHostDevice *device = g_ptr_array_index(devices, i);
        g_autofree char *label = host_device_label(device);
        g_autofree char *id = g_strdup_printf("%u", page->list->len);

        gtk_combo_box_text_append(page->devices, id, label);
        g_ptr_array_add(page->list, g_ptr_array_steal_index(devices, i--));
    }
    gtk_combo_box_set_active(GTK_COMBO_BOX(page->devices), 0);
    if (page == &self->pci && self->host != NULL && !marina_wizard_host_is_system(self->host))
        note_set(page->status, _(PCI_SESSION_NOTE));
    else if (error != NULL)
        note_set(page->status, error);
    else if (page->list->len == 0)
        note_set(page->status, _("The host has no such device to give to a guest."));
    else
        note_set(page->status, NULL);
}

static char *
hostdev_xml(MarinaAddHwPages *self, MarinaAddHwKind kind, GError **error)
{
    gboolean usb = kind == MARINA_ADD_HW_USB_HOST;
    HostdevPage *page = usb ? &self->usb : &self->pci;
    int active = gtk_combo_box_get_active(GTK_COMBO_BOX(page->devices));
    const MarinaHostDevice *device;
    guint domain, bus, slot, function;

    if (!usb && self->host != NULL && !marina_wizard_host_is_system(self->host)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED, "%s", _(PCI_SESSION_NOTE));
        return NULL;
    }
    if (active < 0 || (guint)active >= page->list->len) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                    usb ? _("USB host device: choose a device of the host.")
                        : _("PCI host device: choose a device of the host."));
        return NULL;
    }
    device = g_ptr_array_index(page->list, active);
    if (usb)
        return g_strdup_printf("<hostdev mode='subsystem' type='usb' managed='yes'><source>"
                               "<vendor id='0x%04x'/><product id='0x%04x'/>"
                               "<address bus='%u' device='%u'/></source></hostdev>",
                               device->vendor_id, device->product_id, device->bus, device->device);
    if (device->address == NULL ||
        sscanf(device->address, "%x:%x:%x.%x", &domain, &bus, &slot, &function) != 4) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("PCI host device: the host gave an address Marina cannot read ('%s')."),
                    device->address != NULL ? device->address : "");
        return NULL;
    }
    return g_strdup_printf("<hostdev mode='subsystem' type='pci' managed='yes'><source>"
                           "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                           "function='0x%x'/></source></hostdev>",
                           domain, bus, slot, function);
}

/* ------------------------------------------------------------------- XML */

static char *
graphics_xml(MarinaAddHwPages *self)
{
    g_autofree char *password = marina_form_entry_text(self->password);
    g_autofree char *passwd =
        password != NULL ? g_markup_printf_escaped(" passwd='%s'", password) : g_strdup("");
    g_autofree char *port = gtk_toggle_button_get_active(self->autoport)
                                ? g_strdup("autoport='yes'")
                                : g_strdup_printf("port='%d' autoport='no'",
                                                  gtk_spin_button_get_value_as_int(self->port));

    return g_strdup_printf("<graphics type='vnc' %s listen='%s'%s/>", port, combo_id(self->listen),
                           passwd);
}

static char *
rng_xml(MarinaAddHwPages *self, GError **error)
{
    g_autofree char *source = marina_form_entry_text(self->rng_source);

    if (source == NULL || !g_str_has_prefix(source, "/dev/")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                    _("Host device: give the host's random device, such as /dev/urandom."));
        return NULL;
    }
    return g_markup_printf_escaped("<rng model='virtio'><backend model='random'>%s</backend></rng>",
                                   source);
}

static char *
controller_xml(MarinaAddHwPages *self)
{
    const char *model = combo_id(self->controller_model);

    if (*model == '\0')
        return g_markup_printf_escaped("<controller type='%s'/>", combo_id(self->controller_type));
    return g_markup_printf_escaped("<controller type='%s' model='%s'/>",
                                   combo_id(self->controller_type), model);
}

char *
marina_add_hw_pages_build_xml(MarinaAddHwPages *self, const MarinaDomainConfig *config,
                              const char *volume_path, GError **error)
{
    g_return_val_if_fail(self != NULL && config != NULL, NULL);
    switch (marina_add_hw_pages_get_kind(self)) {
    case MARINA_ADD_HW_STORAGE:
        return storage_xml(self, config, volume_path, error);
    case MARINA_ADD_HW_NETWORK:
        return network_xml(self, error);
    case MARINA_ADD_HW_INPUT:
        return g_strdup_printf("<input type='%s' bus='%s'/>", combo_id(self->input_type),
                               combo_id(self->input_bus));
    case MARINA_ADD_HW_GRAPHICS:
        return graphics_xml(self);
    case MARINA_ADD_HW_SOUND:
        return g_strdup_printf("<sound model='%s'/>", combo_id(self->sound_model));
    case MARINA_ADD_HW_SERIAL:
        return g_strdup("<serial type='pty'><target type='isa-serial'/></serial>");
    case MARINA_ADD_HW_CONSOLE:
        return g_strdup_printf("<console type='pty'><target type='%s'/></console>",
                               combo_id(self->console_target));
    case MARINA_ADD_HW_USB_HOST:
        return hostdev_xml(self, MARINA_ADD_HW_USB_HOST, error);
    case MARINA_ADD_HW_PCI_HOST:
        return hostdev_xml(self, MARINA_ADD_HW_PCI_HOST, error);
    case MARINA_ADD_HW_VIDEO:
        return g_strdup_printf("<video><model type='%s'/></video>", combo_id(self->video_model));
    case MARINA_ADD_HW_WATCHDOG:
        return g_strdup_printf("<watchdog model='%s' action='%s'/>", combo_id(self->watchdog_model),
                               combo_id(self->watchdog_action));
    case MARINA_ADD_HW_RNG:
        return rng_xml(self, error);
    case MARINA_ADD_HW_TPM:
        return g_strdup_printf("<tpm model='%s'><backend type='emulator' version='%s'/></tpm>",
                               combo_id(self->tpm_model), combo_id(self->tpm_version));
    case MARINA_ADD_HW_CONTROLLER:
        return controller_xml(self);
    default:
        break;
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT, "%s",
                _("Choose the kind of hardware to add."));
    return NULL;
}

/* ---------------------------------------------------------------- public */

MarinaAddHwPages *
marina_add_hw_pages_new(GtkStack *stack, GtkListBox *list)
{
    MarinaAddHwPages *self = g_new0(MarinaAddHwPages, 1);

    self->stack = stack;
    self->list = list;
    build_storage(self);
    build_network(self);
    build_small_pages(self);
    build_more_pages(self);
    return self;
}

void
marina_add_hw_pages_free(MarinaAddHwPages *self)
{
    if (self == NULL)
        return;
    if (self->host != NULL)
        g_signal_handlers_disconnect_by_data(self->host, self);
    g_clear_object(&self->host);
    g_clear_pointer(&self->config, marina_domain_config_free);
    g_clear_pointer(&self->usb.list, g_ptr_array_unref);
    g_clear_pointer(&self->pci.list, g_ptr_array_unref);
    g_free(self);
}

MarinaAddHwKind
marina_add_hw_pages_row_kind(GtkListBoxRow *row)
{
    return row != NULL ? GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(row), KIND_KEY))
                       : MARINA_ADD_HW_N_KINDS;
}

void
marina_add_hw_pages_show(MarinaAddHwPages *self, MarinaAddHwKind kind)
{
    g_return_if_fail(self != NULL && kind < MARINA_ADD_HW_N_KINDS);
    gtk_stack_set_visible_child_name(self->stack, kind_names[kind]);
}

MarinaAddHwKind
marina_add_hw_pages_get_kind(MarinaAddHwPages *self)
{
    const char *name = gtk_stack_get_visible_child_name(self->stack);

    for (guint k = 0; k < MARINA_ADD_HW_N_KINDS; k++) {
        if (g_strcmp0(name, kind_names[k]) == 0)
            return (MarinaAddHwKind)k;
    }
    return MARINA_ADD_HW_N_KINDS;
}

void
marina_add_hw_pages_set_config(MarinaAddHwPages *self, const MarinaDomainConfig *config)
{
    g_return_if_fail(self != NULL);
    g_clear_pointer(&self->config, marina_domain_config_free);
    self->config = config != NULL ? marina_domain_config_copy(config) : NULL;
    fill_buses(self);
    update_storage(self);
}

static void
on_host_changed(MarinaWizardHost *host, guint what, MarinaAddHwPages *self)
{
    (void)host;
    if (what & MARINA_WIZARD_HOST_POOLS)
        fill_pools(self);
    if (what & MARINA_WIZARD_HOST_MODE) {
        gboolean system = marina_wizard_host_is_system(self->host);

        if (!system)
            note_set(self->pci.status, _(PCI_SESSION_NOTE));
        else if (self->pci.list->len == 0)
            note_set(self->pci.status, _("The host has no such device to give to a guest."));
        else
            note_set(self->pci.status, NULL);
        gtk_widget_set_sensitive(GTK_WIDGET(self->pci.devices),
                                 marina_wizard_host_is_system(self->host));
    }
    update_storage(self);
}

void
marina_add_hw_pages_set_host(MarinaAddHwPages *self, MarinaWizardHost *host)
{
    g_return_if_fail(self != NULL && MARINA_IS_WIZARD_HOST(host));
    g_set_object(&self->host, host);
    g_signal_connect(host, "changed", G_CALLBACK(on_host_changed), self);
    on_host_changed(host, MARINA_WIZARD_HOST_ALL, self);
}

void
marina_add_hw_pages_set_networks(MarinaAddHwPages *self, GPtrArray *networks, const char *error)
{
    g_return_if_fail(self != NULL);
    fill_network_sources(self, networks);
    note_set(self->network.status, error);
}
