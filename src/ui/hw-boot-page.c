/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-boot-page.h"

#include <glib/gi18n.h>

#include "form-util.h"
#include "hw-page.h"

struct _MarinaHwBootPage {
    GtkScrolledWindow parent_instance;

    GtkCheckButton *autostart_check;
    GtkCheckButton *menu_check;
    GtkListBox *boot_list;
    GtkWidget *up_button;
    GtkWidget *down_button;
    GtkEntry *kernel_entry;
    GtkEntry *initrd_entry;
    GtkEntry *cmdline_entry;
};

MARINA_HW_PAGE_DEFINE(MarinaHwBootPage, marina_hw_boot_page, MARINA_TYPE_HW_BOOT_PAGE,
                      boot_page_iface_init)

/* The boot list (as virt-manager's): one row per bootable device of the
 * guest, disks, CD-ROMs, floppies and NICs, each with a check box; the
 * checked ones boot in the list's order, written as <boot order='N'/> on
 * each device. libvirt refuses that beside <os><boot dev>, so the old form
 * is shown converted and dropped when the page is applied. */
typedef enum {
    BOOT_DISK,
    BOOT_NIC,
} BootKind;

#define KIND_KEY "marina-boot-kind"
#define INDEX_KEY "marina-boot-index"

static GtkWidget *
row_check(GtkListBoxRow *row)
{
    return gtk_bin_get_child(GTK_BIN(row));
}

static char *
device_label(const MarinaDomainConfig *config, BootKind kind, guint index)
{
    if (kind == BOOT_NIC) {
        const MarinaInterfaceConfig *nic = config->interfaces->pdata[index];

        /* Translators: a network card in the boot order, %s its MAC address */
        return g_strdup_printf(_("NIC %s"), nic->mac != NULL ? nic->mac : "");
    } else {
        const MarinaDiskConfig *disk = config->disks->pdata[index];

        switch (disk->device) {
        case MARINA_DISK_DEVICE_CDROM:
            /* Translators: %s is the device's target, e.g. sda */
            return g_strdup_printf(_("CD-ROM %s"), disk->target_dev);
        case MARINA_DISK_DEVICE_FLOPPY:
            return g_strdup_printf(_("Floppy %s"), disk->target_dev);
        case MARINA_DISK_DEVICE_DISK:
        default:
            return g_strdup_printf(_("Disk %s"), disk->target_dev);
        }
    }
}

static void
add_row(MarinaHwBootPage *self, const MarinaDomainConfig *config, BootKind kind, guint index,
        gboolean enabled)
{
    GtkWidget *row = gtk_list_box_row_new();
    g_autofree char *label = device_label(config, kind, index);
    GtkWidget *check = gtk_check_button_new_with_label(label);
    g_autofree char *name = g_strdup_printf(_("Boot from %s"), label);

    g_object_set_data(G_OBJECT(row), KIND_KEY, GUINT_TO_POINTER(kind));
    g_object_set_data(G_OBJECT(row), INDEX_KEY, GUINT_TO_POINTER(index));
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(check), enabled);
    g_object_set(check, "margin", 4, NULL);
    marina_form_set_accessible_name(check, name);
    marina_form_set_accessible_name(row, label);
    marina_hw_page_watch(MARINA_HW_PAGE(self), check);
    gtk_container_add(GTK_CONTAINER(row), check);
    gtk_widget_show_all(row);
    gtk_container_add(GTK_CONTAINER(self->boot_list), row);
}

typedef struct {
    BootKind kind;
    guint index;
    guint order; /* 0: not booted from */
} BootEntry;

static gint
by_order(gconstpointer a, gconstpointer b)
{
    const BootEntry *x = a, *y = b;

    /* Checked ones by their order, then the others as the guest lists them. */
    if ((x->order == 0) != (y->order == 0))
        return x->order == 0 ? 1 : -1;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Whether device @entry is what <boot dev=@dev> means: the first device of
 * that kind (BIOS tries the first disk, CD-ROM, floppy or NIC). */
static gboolean
is_first_of(const MarinaDomainConfig *config, const BootEntry *entry, const char *dev)
{
    MarinaDiskDevice want;

    if (g_str_equal(dev, "network"))
        return entry->kind == BOOT_NIC && entry->index == 0;
    if (entry->kind != BOOT_DISK)
        return FALSE;
    want = g_str_equal(dev, "cdrom") ? MARINA_DISK_DEVICE_CDROM
           : g_str_equal(dev, "fd")  ? MARINA_DISK_DEVICE_FLOPPY
                                     : MARINA_DISK_DEVICE_DISK;
    for (guint i = 0; i < config->disks->len; i++) {
        const MarinaDiskConfig *disk = config->disks->pdata[i];

        if (disk->device == want)
            return i == entry->index;
    }
    return FALSE;
}

static GArray *
boot_entries(const MarinaDomainConfig *config)
{
    GArray *entries = g_array_new(FALSE, TRUE, sizeof(BootEntry));
    gboolean per_device = FALSE;

    for (guint i = 0; i < config->disks->len; i++) {
        const MarinaDiskConfig *disk = config->disks->pdata[i];
        BootEntry e = {BOOT_DISK, i, disk->boot_order};

        per_device |= disk->boot_order > 0;
        g_array_append_val(entries, e);
    }
    for (guint i = 0; i < config->interfaces->len; i++) {
        const MarinaInterfaceConfig *nic = config->interfaces->pdata[i];
        BootEntry e = {BOOT_NIC, i, nic->boot_order};

        per_device |= nic->boot_order > 0;
        g_array_append_val(entries, e);
    }
    /* <os><boot dev>: converted to the devices it means. */
    for (guint d = 0; !per_device && config->boot_devs != NULL && d < config->boot_devs->len; d++) {
        for (guint i = 0; i < entries->len; i++) {
            BootEntry *e = &g_array_index(entries, BootEntry, i);

            if (e->order == 0 && is_first_of(config, e, config->boot_devs->pdata[d])) {
                e->order = d + 1;
                break;
            }
        }
    }
    g_array_sort(entries, by_order);
    return entries;
}

static void
fill_boot_list(MarinaHwBootPage *self, const MarinaDomainConfig *config)
{
    g_autoptr(GList) rows = gtk_container_get_children(GTK_CONTAINER(self->boot_list));
    g_autoptr(GArray) entries = boot_entries(config);

    for (GList *l = rows; l != NULL; l = l->next)
        gtk_widget_destroy(l->data);
    for (guint i = 0; i < entries->len; i++) {
        const BootEntry *e = &g_array_index(entries, BootEntry, i);

        add_row(self, config, e->kind, e->index, e->order > 0);
    }
}

/* What decides the boot order of @config, to compare two configs. */
static char *
boot_signature(const MarinaDomainConfig *config)
{
    g_autoptr(GArray) entries = boot_entries(config);
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < entries->len; i++) {
        const BootEntry *e = &g_array_index(entries, BootEntry, i);

        if (e->order > 0)
            g_string_append_printf(s, "%u:%u,", e->kind, e->index);
    }
    return g_string_free(s, FALSE);
}

static void
move_selected(MarinaHwBootPage *self, int delta)
{
    GtkListBoxRow *row = gtk_list_box_get_selected_row(self->boot_list);
    int index, n;
    g_autoptr(GList) rows = gtk_container_get_children(GTK_CONTAINER(self->boot_list));

    if (row == NULL)
        return;
    n = (int)g_list_length(rows);
    index = gtk_list_box_row_get_index(row) + delta;
    if (index < 0 || index >= n)
        return;
    g_object_ref(row);
    gtk_container_remove(GTK_CONTAINER(self->boot_list), GTK_WIDGET(row));
    gtk_list_box_insert(self->boot_list, GTK_WIDGET(row), index);
    gtk_list_box_select_row(self->boot_list, row);
    g_object_unref(row);
    marina_hw_page_changed(MARINA_HW_PAGE(self));
}

static void
on_up_clicked(MarinaHwBootPage *self)
{
    move_selected(self, -1);
}

static void
on_down_clicked(MarinaHwBootPage *self)
{
    move_selected(self, 1);
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwBootPage *self = MARINA_HW_BOOT_PAGE(page);

    (void)index;
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->menu_check), config->boot_menu);
    fill_boot_list(self, config);
    marina_hw_page_entry_set(self->kernel_entry, config->kernel);
    marina_hw_page_entry_set(self->initrd_entry, config->initrd);
    marina_hw_page_entry_set(self->cmdline_entry, config->cmdline);
    if (live != NULL) {
        g_autofree char *now = boot_signature(live);
        g_autofree char *next = boot_signature(config);

        marina_hw_page_mark_pending(GTK_WIDGET(self->boot_list), g_strcmp0(now, next) != 0);
    } else {
        marina_hw_page_mark_pending(GTK_WIDGET(self->boot_list), FALSE);
    }
    marina_hw_page_mark_pending(GTK_WIDGET(self->menu_check),
                                live != NULL && live->boot_menu != config->boot_menu);
    marina_hw_page_mark_pending(GTK_WIDGET(self->kernel_entry),
                                live != NULL && (g_strcmp0(live->kernel, config->kernel) != 0 ||
                                                 g_strcmp0(live->initrd, config->initrd) != 0 ||
                                                 g_strcmp0(live->cmdline, config->cmdline) != 0));
}

static gboolean
read_path(GtkEntry *entry, const char *field, const char *what, char **out, GError **error)
{
    g_autofree char *path = marina_hw_page_entry_get(entry);
    g_autofree char *problem = path != NULL ? marina_form_path_problem(path, what) : NULL;

    if (problem != NULL) {
        marina_hw_page_set_error(error, field, "%s", problem);
        return FALSE;
    }
    g_free(*out);
    *out = g_steal_pointer(&path);
    return TRUE;
}

/* Each checked row's device gets its place (1, 2, ...), the others none;
 * <os><boot dev> goes (libvirt does not allow both). */
static void
store_boot_order(GList *rows, MarinaDomainConfig *config)
{
    guint order = 0;

    for (guint i = 0; i < config->disks->len; i++)
        ((MarinaDiskConfig *)config->disks->pdata[i])->boot_order = 0;
    for (guint i = 0; i < config->interfaces->len; i++)
        ((MarinaInterfaceConfig *)config->interfaces->pdata[i])->boot_order = 0;
    if (config->boot_devs != NULL)
        g_ptr_array_set_size(config->boot_devs, 0);
    for (GList *l = rows; l != NULL; l = l->next) {
        BootKind kind = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(l->data), KIND_KEY));
        guint index = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(l->data), INDEX_KEY));

        if (!gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(row_check(l->data))))
            continue;
        if (kind == BOOT_NIC && index < config->interfaces->len)
            ((MarinaInterfaceConfig *)config->interfaces->pdata[index])->boot_order = ++order;
        else if (kind == BOOT_DISK && index < config->disks->len)
            ((MarinaDiskConfig *)config->disks->pdata[index])->boot_order = ++order;
    }
}

static gboolean
store(MarinaHwPage *page, MarinaDomainConfig *config, GError **error)
{
    MarinaHwBootPage *self = MARINA_HW_BOOT_PAGE(page);
    g_autoptr(GList) rows = gtk_container_get_children(GTK_CONTAINER(self->boot_list));
    g_autofree char *kernel = NULL;
    g_autofree char *initrd = NULL;

    if (!read_path(self->kernel_entry, _("Kernel path"), _("kernel"), &kernel, error) ||
        !read_path(self->initrd_entry, _("Initrd path"), _("initrd"), &initrd, error))
        return FALSE;
    if (kernel == NULL && initrd != NULL) {
        marina_hw_page_set_error(error, _("Initrd path"),
                                 _("an initrd needs a kernel. Give the kernel path too, or clear "
                                   "the initrd."));
        return FALSE;
    }
    store_boot_order(rows, config);
    config->boot_menu = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->menu_check));
    g_free(config->kernel);
    config->kernel = g_steal_pointer(&kernel);
    g_free(config->initrd);
    config->initrd = g_steal_pointer(&initrd);
    g_free(config->cmdline);
    config->cmdline = marina_hw_page_entry_get(self->cmdline_entry);
    return TRUE;
}

void
marina_hw_boot_page_set_autostart(MarinaHwBootPage *self, gboolean autostart)
{
    g_return_if_fail(MARINA_IS_HW_BOOT_PAGE(self));
    g_signal_handlers_block_matched(self->autostart_check, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                    self);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->autostart_check), autostart);
    g_signal_handlers_unblock_matched(self->autostart_check, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                      self);
}

gboolean
marina_hw_boot_page_get_autostart(MarinaHwBootPage *self)
{
    g_return_val_if_fail(MARINA_IS_HW_BOOT_PAGE(self), FALSE);
    return gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(self->autostart_check));
}

static void
boot_page_iface_init(MarinaHwPageInterface *iface)
{
    iface->load = load;
    iface->store = store;
}

static void
marina_hw_boot_page_class_init(MarinaHwBootPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/hw-boot-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaHwBootPage, name)
    BIND(autostart_check);
    BIND(menu_check);
    BIND(boot_list);
    BIND(up_button);
    BIND(down_button);
    BIND(kernel_entry);
    BIND(initrd_entry);
    BIND(cmdline_entry);
#undef BIND
}

static void
marina_hw_boot_page_init(MarinaHwBootPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(self->up_button, "clicked", G_CALLBACK(on_up_clicked), self);
    g_signal_connect_swapped(self->down_button, "clicked", G_CALLBACK(on_down_clicked), self);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->autostart_check);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->menu_check);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->kernel_entry);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->initrd_entry);
    marina_hw_page_watch(MARINA_HW_PAGE(self), self->cmdline_entry);
}
