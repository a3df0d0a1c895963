/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-delete-guest"

#include "config.h"

#include "delete-guest.h"

#include <glib/gi18n.h>

#include "domain-config.h"
#include "domain.h"
#include "error.h"
#include "host.h"
#include "pool.h"
#include "ui-util.h"
#include "volume.h"

/* One disk of the guest, a row of the dialog with its own check box. */
typedef struct {
    char *target; /* vda, sdb, ... */
    char *path;   /* the file or device, NULL for an empty drive */
    char *volume; /* the object path of the pool volume it is, or NULL */
    char *note;   /* why it is not checked by default, for people, or NULL */
    gboolean can_delete;
    gboolean preselect;
    GtkWidget *check;
} DeleteDisk;

typedef struct {
    MarinaManagerWindow *self;
    MarinaConnectionEntry *entry;
    MarinaGuest *guest;
    char *name;
    GPtrArray *disks;    /* DeleteDisk* of the inactive definition */
    GHashTable *volumes; /* path -> MarinaVolumeInfo* of every active pool's volumes */
    MarinaHost *host;    /* while the pools are listed */
    guint listing;       /* pools whose volumes are being listed */
    gboolean cancelled;  /* the manager closed while they were */
    GPtrArray *doomed;   /* DeleteDisk* the person checked */
    guint pending;
    GString *failures;
} DeleteOp;

static void
delete_disk_free(DeleteDisk *disk)
{
    g_free(disk->target);
    g_free(disk->path);
    g_free(disk->volume);
    g_free(disk->note);
    g_free(disk);
}

/* The guest's connection, while it is the one the guest came from (a
 * reconnect brings new guest objects: the delete then stops). */
static MarinaConnection *
op_connection(DeleteOp *op)
{
    MarinaGuestList *list = marina_connection_entry_get_guest_list(op->entry);

    if (list == NULL || !marina_connection_entry_is_connected(op->entry) ||
        marina_guest_list_lookup(list, marina_guest_get_uuid(op->guest)) != op->guest)
        return NULL;
    return marina_connection_entry_get_connection(op->entry);
}

/* The guest's daemon object, while its connection is the one it came from. */
static MarinaDomain *
op_domain(DeleteOp *op)
{
    MarinaConnection *connection = op_connection(op);

    if (connection == NULL)
        return NULL;
    return marina_domain_new(connection, marina_guest_get_object_path(op->guest));
}

static void
delete_op_free(DeleteOp *op)
{
    g_clear_object(&op->entry);
    g_clear_object(&op->guest);
    g_clear_object(&op->host);
    g_free(op->name);
    g_clear_pointer(&op->doomed, g_ptr_array_unref);
    g_clear_pointer(&op->disks, g_ptr_array_unref);
    g_clear_pointer(&op->volumes, g_hash_table_unref);
    if (op->failures != NULL)
        g_string_free(op->failures, TRUE);
    g_free(op);
}

/* ------------------------------------------------------------- deleting */

static void
add_failure(DeleteOp *op, const char *path, const GError *error)
{
    if (op->failures == NULL)
        op->failures = g_string_new(NULL);
    if (op->failures->len > 0)
        g_string_append_c(op->failures, '\n');
    g_string_append_printf(op->failures,
                           _("'%s' was deleted, but its disk %s could not be: %s. "
                             "Delete it yourself."),
                           op->name, path, marina_error_message(error));
}

static void
delete_op_done_disk(DeleteOp *op)
{
    if (--op->pending > 0)
        return;
    if (op->failures != NULL && op->failures->len > 0)
        marina_manager_window_show_message(op->self, GTK_MESSAGE_ERROR, op->failures->str);
    delete_op_free(op);
}

typedef struct {
    DeleteOp *op;
    char *path;
} DiskCall;

static void
disk_call_done(DiskCall *call, const GError *error)
{
    DeleteOp *op = call->op;

    if (error != NULL && !marina_ui_is_cancelled(error))
        add_failure(op, call->path, error);
    g_free(call->path);
    g_free(call);
    delete_op_done_disk(op);
}

static void
on_file_deleted(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    if (g_file_delete_finish(G_FILE(source), result, &error) ||
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_clear_error(&error);
    disk_call_done(user_data, error);
}

static void
on_volume_deleted(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;

    marina_volume_delete_finish(MARINA_VOLUME(source), result, &error);
    disk_call_done(user_data, error);
}

/* The checked disks, once the guest is gone: a pool's volume through its
 * pool (on any host), another file of this computer directly. */
static void
delete_disks(DeleteOp *op, MarinaConnection *connection)
{
    GCancellable *cancellable = marina_manager_window_get_cancellable(op->self);

    op->pending = op->doomed->len;
    for (guint i = 0; i < op->doomed->len; i++) {
        DeleteDisk *disk = g_ptr_array_index(op->doomed, i);
        DiskCall *call = g_new0(DiskCall, 1);

        call->op = op;
        call->path = g_strdup(disk->path);
        if (disk->volume != NULL) {
            g_autoptr(MarinaVolume) volume = marina_volume_new(connection, disk->volume);
            marina_volume_delete_async(volume, cancellable, on_volume_deleted, call);
        } else {
            g_autoptr(GFile) file = g_file_new_for_path(disk->path);
            g_file_delete_async(file, G_PRIORITY_DEFAULT, cancellable, on_file_deleted, call);
        }
    }
}

/* Ends a delete that failed; a cancelled one (the window closing) says nothing. */
static void
delete_op_fail(DeleteOp *op, const GError *error)
{
    if (!marina_ui_is_cancelled(error)) {
        g_autofree char *prefix = g_strdup_printf(_("Could not delete '%s':"), op->name);
        marina_manager_window_show_error(op->self, prefix, error);
    }
    delete_op_free(op);
}

static void
on_undefined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_domain_undefine_finish(MARINA_DOMAIN(source), result, &error)) {
        delete_op_fail(op, error);
        return;
    }
    if (op->doomed == NULL || op->doomed->len == 0) {
        delete_op_free(op);
        return;
    }
    /* Only now: a guest that could not be undefined keeps its disks. */
    delete_disks(op, marina_domain_get_connection(MARINA_DOMAIN(source)));
}

static void
delete_undefine(DeleteOp *op)
{
    g_autoptr(MarinaDomain) domain = op_domain(op);

    if (domain == NULL) {
        delete_op_free(op);
        return;
    }
    /* A managed save image goes too: nothing could use it any more. */
    /* As virt-manager: the UEFI variables the daemon made for the guest go
     * with it (the swtpm state too, the daemon's default). */
    marina_domain_undefine_async(domain,
                                 MARINA_DOMAIN_UNDEFINE_MANAGED_SAVE | MARINA_DOMAIN_UNDEFINE_NVRAM,
                                 marina_manager_window_get_cancellable(op->self), on_undefined, op);
}

static void
on_destroyed_for_delete(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;

    if (!marina_domain_destroy_finish(MARINA_DOMAIN(source), result, &error) &&
        !g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING)) {
        delete_op_fail(op, error);
        return;
    }
    delete_undefine(op);
}

static void
delete_start(DeleteOp *op)
{
    g_autoptr(MarinaDomain) domain = op_domain(op);

    if (domain == NULL) {
        delete_op_free(op);
        return;
    }
    /* A running or paused guest is forced off first, as virt-manager does. */
    if (marina_guest_is_active(op->guest))
        marina_domain_destroy_async(domain, marina_manager_window_get_cancellable(op->self),
                                    on_destroyed_for_delete, op);
    else
        delete_undefine(op);
}

/* --------------------------------------------------------------- asking */

static void
on_delete_response(GtkDialog *dialog, int response, gpointer user_data)
{
    DeleteOp *op = user_data;

    op->doomed = g_ptr_array_new();
    for (guint i = 0; op->disks != NULL && i < op->disks->len; i++) {
        DeleteDisk *disk = g_ptr_array_index(op->disks, i);

        if (disk->check != NULL && disk->can_delete &&
            gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(disk->check)))
            g_ptr_array_add(op->doomed, disk);
        disk->check = NULL;
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
    if (response == GTK_RESPONSE_ACCEPT)
        delete_start(op);
    else
        delete_op_free(op);
}

/* "“web” is paused. It is forced off, and its configuration removed from QEMU/KVM." */
static char *
state_sentence(DeleteOp *op)
{
    MarinaDomainState state = marina_guest_get_state(op->guest, NULL);
    const char *host = marina_connection_entry_get_label(op->entry);

    if (marina_guest_is_active(op->guest))
        /* Translators: "“web” is paused. It will be forced off, and its configuration
         * removed from QEMU/KVM." */
        return g_strdup_printf(_("“%s” is %s. It will be forced off, and its configuration "
                                 "removed from %s."),
                               op->name, marina_domain_state_label_in_sentence(state), host);
    return g_strdup_printf(_("“%s” is %s. Its configuration will be removed from %s."), op->name,
                           marina_domain_state_label_in_sentence(state), host);
}

static GtkWidget *
disk_row_label(const char *text, gboolean dim)
{
    GtkWidget *label = gtk_label_new(text);

    gtk_label_set_xalign(GTK_LABEL(label), 0.0);
    gtk_label_set_selectable(GTK_LABEL(label), TRUE);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_MIDDLE);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 48);
    if (dim)
        gtk_style_context_add_class(gtk_widget_get_style_context(label), "dim-label");
    return label;
}

/* The disks, one check box each, as virt-manager lists them: target, path,
 * and why one is not checked. */
static GtkWidget *
disk_grid(DeleteOp *op)
{
    GtkWidget *grid = gtk_grid_new();

    gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
    gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
    for (guint i = 0; i < op->disks->len; i++) {
        DeleteDisk *disk = g_ptr_array_index(op->disks, i);
        g_autofree char *name = g_strdup_printf(_("Delete %s (%s)"), disk->target,
                                                disk->path != NULL ? disk->path : _("no media"));
        GtkWidget *check = gtk_check_button_new_with_label(disk->target);

        disk->check = check;
        gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(check), disk->preselect);
        gtk_widget_set_sensitive(check, disk->can_delete);
        atk_object_set_name(gtk_widget_get_accessible(check), name);
        gtk_grid_attach(GTK_GRID(grid), check, 0, (int)i, 1, 1);
        gtk_grid_attach(GTK_GRID(grid),
                        disk_row_label(disk->path != NULL ? disk->path : _("(no media)"), FALSE), 1,
                        (int)i, 1, 1);
        if (disk->note != NULL) {
            gtk_grid_attach(GTK_GRID(grid), disk_row_label(disk->note, TRUE), 2, (int)i, 1, 1);
            gtk_widget_set_tooltip_text(check, disk->note);
        }
    }
    return grid;
}

static void
delete_confirm(DeleteOp *op)
{
    g_autofree char *title = g_strdup_printf(_("Delete '%s'?"), op->name);
    g_autofree char *sentence = NULL;
    GtkWidget *dialog, *area, *box, *label, *accept;

    if (op_connection(op) == NULL) {
        delete_op_free(op);
        return;
    }
    sentence = state_sentence(op);
    dialog = gtk_dialog_new_with_buttons(title, GTK_WINDOW(op->self),
                                         GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT |
                                             GTK_DIALOG_USE_HEADER_BAR,
                                         _("_Cancel"), GTK_RESPONSE_CANCEL, NULL);
    accept = gtk_dialog_add_button(GTK_DIALOG(dialog), _("_Delete"), GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(accept), "destructive-action");
    atk_object_set_name(gtk_widget_get_accessible(accept), _("Delete"));
    /* No default: Enter does not delete, and Cancel is not drawn as the suggestion. */
    gtk_window_set_resizable(GTK_WINDOW(dialog), FALSE);

    area = gtk_dialog_get_content_area(GTK_DIALOG(dialog));
    box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
    gtk_container_set_border_width(GTK_CONTAINER(box), 18);
    label = gtk_label_new(sentence);
    gtk_label_set_xalign(GTK_LABEL(label), 0.0);
    gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 60);
    atk_object_set_name(gtk_widget_get_accessible(label), _("Guest state"));
    gtk_container_add(GTK_CONTAINER(box), label);
    if (op->disks->len > 0) {
        label = gtk_label_new(_("Delete the checked disks too:"));
        gtk_label_set_xalign(GTK_LABEL(label), 0.0);
        gtk_container_add(GTK_CONTAINER(box), label);
        gtk_container_add(GTK_CONTAINER(box), disk_grid(op));
    }
    gtk_container_add(GTK_CONTAINER(area), box);
    gtk_widget_show_all(box);
    g_signal_connect(dialog, "response", G_CALLBACK(on_delete_response), op);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* ------------------------------------------------------- what to offer */

/* Whether the volume is some other guest's disk too. */
static gboolean
used_by_others(const MarinaVolumeInfo *info, const char *name)
{
    for (guint i = 0; info->used_by != NULL && info->used_by[i] != NULL; i++)
        if (g_strcmp0(info->used_by[i], name) != 0)
            return TRUE;
    return FALSE;
}

/* virt-manager's defaults: a writable disk image of a pool, used by no one
 * else, is checked; read-only, shared and removable media are not; what
 * cannot be deleted from here (a remote file outside the pools, a device)
 * is shown but cannot be checked. */
static void
classify_disks(DeleteOp *op)
{
    gboolean local = marina_connection_entry_is_local(op->entry);

    for (guint i = 0; i < op->disks->len; i++) {
        DeleteDisk *disk = g_ptr_array_index(op->disks, i);
        const MarinaVolumeInfo *info = disk->path != NULL && op->volumes != NULL
                                           ? g_hash_table_lookup(op->volumes, disk->path)
                                           : NULL;

        if (info != NULL)
            disk->volume = g_strdup(info->object_path);
        if (disk->path == NULL) {
            disk->note = g_strdup(_("No media"));
            continue;
        }
        if (disk->volume == NULL && (!local || g_str_has_prefix(disk->path, "/dev/"))) {
            disk->note = g_strdup(local ? _("A device, not a disk image")
                                        : _("Not in a storage pool: delete it on the host"));
            continue;
        }
        disk->can_delete = TRUE;
        if (disk->note != NULL)
            continue; /* read-only, shared or removable: said when it was read */
        if (info == NULL)
            disk->note = g_strdup(_("Not in a storage pool"));
        else if (used_by_others(info, op->name))
            disk->note = g_strdup(_("Used by other guests"));
        else
            disk->preselect = TRUE;
    }
}

static void
volumes_listed(DeleteOp *op)
{
    if (op->listing > 0)
        return;
    g_clear_object(&op->host);
    if (op->cancelled) {
        delete_op_free(op);
        return;
    }
    classify_disks(op);
    delete_confirm(op);
}

static void
on_volumes_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) volumes =
        marina_pool_list_volumes_finish(MARINA_POOL(source), result, &error);

    op->listing--;
    if (volumes == NULL && marina_ui_is_cancelled(error)) {
        op->cancelled = TRUE;
    } else if (volumes == NULL) {
        g_debug("Could not list the volumes of a pool: %s", error->message);
    } else {
        for (guint i = 0; i < volumes->len; i++) {
            MarinaVolumeInfo *info = g_ptr_array_index(volumes, i);
            if (info->path != NULL && *info->path != '\0')
                g_hash_table_replace(op->volumes, g_strdup(info->path),
                                     g_steal_pointer(&volumes->pdata[i]));
        }
    }
    volumes_listed(op);
}

static void
on_pools_listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) pools = marina_host_list_pools_finish(MARINA_HOST(source), result, &error);
    MarinaConnection *connection = op_connection(op);

    if (pools == NULL && marina_ui_is_cancelled(error)) {
        delete_op_free(op);
        return;
    }
    if (pools == NULL)
        g_debug("Could not list the pools: %s", error->message);
    op->listing = 1; /* held while the calls start */
    for (guint i = 0; pools != NULL && connection != NULL && i < pools->len; i++) {
        MarinaPoolInfo *info = g_ptr_array_index(pools, i);
        g_autoptr(MarinaPool) pool = NULL;

        if (!info->active)
            continue;
        pool = marina_pool_new(connection, info->object_path);
        op->listing++;
        marina_pool_list_volumes_async(pool, marina_manager_window_get_cancellable(op->self),
                                       on_volumes_listed, op);
    }
    op->listing--;
    volumes_listed(op);
}

static DeleteDisk *
disk_from_config(const MarinaDiskConfig *config)
{
    DeleteDisk *disk = g_new0(DeleteDisk, 1);

    disk->target = g_strdup(config->target_dev != NULL ? config->target_dev : "?");
    if (config->source != NULL && g_path_is_absolute(config->source))
        disk->path = g_strdup(config->source);
    if (config->device == MARINA_DISK_DEVICE_CDROM)
        disk->note = g_strdup(_("CD-ROM"));
    else if (config->device == MARINA_DISK_DEVICE_FLOPPY)
        disk->note = g_strdup(_("Floppy"));
    else if (config->readonly)
        disk->note = g_strdup(_("Read-only"));
    else if (config->shareable)
        disk->note = g_strdup(_("Shared"));
    return disk;
}

static void
on_delete_xml(GObject *source, GAsyncResult *result, gpointer user_data)
{
    DeleteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = marina_domain_get_xml_finish(MARINA_DOMAIN(source), result, &error);
    MarinaConnection *connection;

    if (xml == NULL && marina_ui_is_cancelled(error)) {
        delete_op_free(op);
        return;
    }
    op->disks = g_ptr_array_new_with_free_func((GDestroyNotify)delete_disk_free);
    if (xml != NULL) {
        g_autoptr(MarinaDomainConfig) config = marina_domain_config_parse(xml, -1, NULL, &error);

        for (guint i = 0; config != NULL && i < config->disks->len; i++)
            g_ptr_array_add(op->disks, disk_from_config(g_ptr_array_index(config->disks, i)));
    }
    if (error != NULL) /* the dialog still works, just without the disks */
        g_debug("Could not read the disks of '%s': %s", op->name, error->message);
    connection = op_connection(op);
    if (op->disks->len == 0 || connection == NULL) {
        volumes_listed(op);
        return;
    }
    /* Which disks are volumes of a pool: those are checked, and deleted through it. */
    op->volumes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)marina_volume_info_free);
    op->host = marina_host_new(connection);
    op->listing = 1;
    marina_host_list_pools_async(op->host, marina_manager_window_get_cancellable(op->self),
                                 on_pools_listed, op);
}

void
marina_delete_guest(MarinaManagerWindow *window, MarinaConnectionEntry *entry, MarinaGuest *guest,
                    gboolean confirm)
{
    DeleteOp *op = g_new0(DeleteOp, 1);
    g_autoptr(MarinaDomain) domain = NULL;

    op->self = window;
    op->entry = g_object_ref(entry);
    op->name = g_strdup(marina_guest_get_name(guest));
    op->guest = g_object_ref(guest);
    if (!confirm) {
        delete_start(op); /* its disks stay: nobody chose any */
        return;
    }
    domain = op_domain(op);
    if (domain == NULL) {
        delete_op_free(op);
        return;
    }
    /* The inactive definition lists the disks the guest boots with. */
    marina_domain_get_xml_async(domain, MARINA_DOMAIN_XML_INACTIVE,
                                marina_manager_window_get_cancellable(op->self), on_delete_xml, op);
}
