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

static const struct {
    const char *id;
    const char *label;
} boot_devices[] = {
    {"hd", N_("Hard disk")},
    {"cdrom", N_("CD-ROM")},
    {"network", N_("Network (PXE)")},
    {"fd", N_("Floppy")},
};

#define DEVICE_KEY "marina-boot-device"

static GtkWidget *
row_check(GtkListBoxRow *row)
{
    return gtk_bin_get_child(GTK_BIN(row));
}

static void
add_row(MarinaHwBootPage *self, guint device, gboolean enabled)
{
    GtkWidget *row = gtk_list_box_row_new();
    GtkWidget *check = gtk_check_button_new_with_label(_(boot_devices[device].label));
    g_autofree char *name = g_strdup_printf(_("Boot from %s"), _(boot_devices[device].label));

    g_object_set_data(G_OBJECT(row), DEVICE_KEY, (gpointer)boot_devices[device].id);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(check), enabled);
    g_object_set(check, "margin", 4, NULL);
    marina_form_set_accessible_name(check, name);
    marina_form_set_accessible_name(row, _(boot_devices[device].label));
    marina_hw_page_watch(MARINA_HW_PAGE(self), check);
    gtk_container_add(GTK_CONTAINER(row), check);
    gtk_widget_show_all(row);
    gtk_container_add(GTK_CONTAINER(self->boot_list), row);
}

static void
fill_boot_list(MarinaHwBootPage *self, GPtrArray *boot_devs)
{
    gboolean listed[G_N_ELEMENTS(boot_devices)] = {FALSE};
    g_autoptr(GList) rows = gtk_container_get_children(GTK_CONTAINER(self->boot_list));

    for (GList *l = rows; l != NULL; l = l->next)
        gtk_widget_destroy(l->data);
    /* The enabled devices in their order, then the others. */
    for (guint i = 0; boot_devs != NULL && i < boot_devs->len; i++) {
        for (guint d = 0; d < G_N_ELEMENTS(boot_devices); d++) {
            if (!listed[d] && g_strcmp0(boot_devs->pdata[i], boot_devices[d].id) == 0) {
                add_row(self, d, TRUE);
                listed[d] = TRUE;
            }
        }
    }
    for (guint d = 0; d < G_N_ELEMENTS(boot_devices); d++)
        if (!listed[d])
            add_row(self, d, FALSE);
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

static gboolean
same_boot_order(GPtrArray *a, GPtrArray *b)
{
    if (a->len != b->len)
        return FALSE;
    for (guint i = 0; i < a->len; i++)
        if (g_strcmp0(a->pdata[i], b->pdata[i]) != 0)
            return FALSE;
    return TRUE;
}

static void
load(MarinaHwPage *page, const MarinaDomainConfig *config, const MarinaDomainConfig *live,
     guint index)
{
    MarinaHwBootPage *self = MARINA_HW_BOOT_PAGE(page);

    (void)index;
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->menu_check), config->boot_menu);
    fill_boot_list(self, config->boot_devs);
    marina_hw_page_entry_set(self->kernel_entry, config->kernel);
    marina_hw_page_entry_set(self->initrd_entry, config->initrd);
    marina_hw_page_entry_set(self->cmdline_entry, config->cmdline);
    marina_hw_page_mark_pending(GTK_WIDGET(self->boot_list),
                                live != NULL &&
                                    !same_boot_order(live->boot_devs, config->boot_devs));
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
    g_ptr_array_set_size(config->boot_devs, 0);
    for (GList *l = rows; l != NULL; l = l->next) {
        if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(row_check(l->data))))
            g_ptr_array_add(config->boot_devs,
                            g_strdup(g_object_get_data(G_OBJECT(l->data), DEVICE_KEY)));
    }
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
