/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-vm-window"

#include "config.h"

#include "vm-details-page.h"

#include <glib/gi18n.h>

#include "add-hardware-dialog.h"
#include "domain-config.h"
#include "error.h"
#include "hw-apply.h"
#include "hw-boot-page.h"
#include "hw-char-page.h"
#include "hw-controller-page.h"
#include "hw-cpu-page.h"
#include "hw-device-list.h"
#include "hw-disk-page.h"
#include "hw-graphics-page.h"
#include "hw-hostdev-page.h"
#include "hw-input-page.h"
#include "hw-memory-page.h"
#include "hw-nic-page.h"
#include "hw-os-page.h"
#include "hw-overview-page.h"
#include "hw-page.h"
#include "hw-rng-page.h"
#include "hw-sound-page.h"
#include "hw-tpm-page.h"
#include "hw-video-page.h"
#include "hw-watchdog-page.h"
#include "ui-util.h"
#include "vm-performance-page.h"
#include "xml-editor.h"

#define ENTRY_KEY "marina-hw-entry"

struct _MarinaVmDetailsPage {
    GtkPaned parent_instance;

    MarinaGuest *guest;
    MarinaDomain *domain;
    GCancellable *cancellable;
    MarinaVmPerformancePage *performance;
    MarinaXmlEditor *xml_editor;
    GtkWidget *pages[MARINA_HW_N_KINDS]; /* a MarinaHwPage per kind; NULL for the others */

    MarinaDomainConfig *config; /* the persistent definition shown */
    MarinaDomainConfig *live;   /* the running guest's, NULL when shut off */
    gboolean loading;           /* reading the definitions */
    gboolean reload_again;      /* something changed while reading them */
    gboolean busy;              /* applying or removing */
    GtkListBoxRow *current_row;
    GtkListBoxRow *leave_to; /* where to go once the asked-about change is applied */
    gboolean selecting;      /* the selection changes by code, not by the person */
    char *announce; /* notes of a change QEMU took live, said once the definitions are read */

    /* Template children */
    GtkListBox *details_list;
    GtkStack *details_stack;
    GtkWidget *footer;
    GtkLabel *message_label;
    GtkWidget *remove_button;
    GtkWidget *apply_button;
    GtkWidget *revert_button;
};

G_DEFINE_FINAL_TYPE(MarinaVmDetailsPage, marina_vm_details_page, GTK_TYPE_PANED)

static void reload(MarinaVmDetailsPage *self);
static void announce(MarinaVmDetailsPage *self);

static gboolean
guest_shut_off(MarinaVmDetailsPage *self)
{
    MarinaDomainState state;

    if (self->guest == NULL)
        return TRUE; /* not known yet: nothing is sent before it is */
    state = marina_guest_get_state(self->guest, NULL);
    return state == MARINA_DOMAIN_SHUTOFF || state == MARINA_DOMAIN_CRASHED;
}

static const MarinaHwEntry *
row_entry(GtkListBoxRow *row)
{
    return row != NULL ? g_object_get_data(G_OBJECT(row), ENTRY_KEY) : NULL;
}

static MarinaHwPage *
row_page(MarinaVmDetailsPage *self, GtkListBoxRow *row)
{
    const MarinaHwEntry *entry = row_entry(row);

    return entry != NULL && self->pages[entry->kind] != NULL
               ? MARINA_HW_PAGE(self->pages[entry->kind])
               : NULL;
}

static MarinaHwPage *
current_page(MarinaVmDetailsPage *self)
{
    return row_page(self, self->current_row);
}

static gboolean
has_unapplied(MarinaVmDetailsPage *self)
{
    MarinaHwPage *page = current_page(self);

    return page != NULL && marina_hw_page_is_modified(page);
}

/* ---------------------------------------------------------------- message */

static void
show_message(MarinaVmDetailsPage *self, GtkMessageType type, const char *text)
{
    GtkStyleContext *style = gtk_widget_get_style_context(GTK_WIDGET(self->message_label));

    gtk_style_context_remove_class(style, "error");
    gtk_style_context_remove_class(style, "warning");
    if (type == GTK_MESSAGE_ERROR)
        gtk_style_context_add_class(style, "error");
    else if (type == GTK_MESSAGE_WARNING)
        gtk_style_context_add_class(style, "warning");
    gtk_label_set_text(self->message_label, text != NULL ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(self->message_label), text != NULL && *text != '\0');
}

static void
update_buttons(MarinaVmDetailsPage *self)
{
    const MarinaHwEntry *entry = row_entry(self->current_row);
    MarinaHwPage *page = current_page(self);
    gboolean modified = page != NULL && marina_hw_page_is_modified(page);
    gboolean editable = page != NULL && self->config != NULL && !self->busy;

    /* The XML tab and the graphs have their own ways. */
    gtk_widget_set_visible(self->footer, page != NULL);
    gtk_widget_set_sensitive(self->apply_button, editable && modified);
    gtk_widget_set_sensitive(self->revert_button, editable && modified);
    gtk_widget_set_visible(self->remove_button,
                           entry != NULL && marina_hw_kind_is_device(entry->kind));
    gtk_widget_set_sensitive(self->remove_button, editable && !modified);
}

static gboolean
performance_visible(MarinaVmDetailsPage *self)
{
    GdkWindow *window = gtk_widget_get_window(gtk_widget_get_toplevel(GTK_WIDGET(self)));

    if (window == NULL || (gdk_window_get_state(window) & GDK_WINDOW_STATE_ICONIFIED)) {
        return FALSE;
    }
    /* Mapped: the window shows Details (the other view unmaps it). */
    return gtk_widget_get_mapped(GTK_WIDGET(self)) &&
           g_strcmp0(gtk_stack_get_visible_child_name(self->details_stack), "performance") == 0;
}

/* ------------------------------------------------------------------ pages */

static void on_page_changed(MarinaHwPage *page, MarinaVmDetailsPage *self);

static void
build_pages(MarinaVmDetailsPage *self)
{
    self->performance = MARINA_VM_PERFORMANCE_PAGE(marina_vm_performance_page_new());
    gtk_widget_show(GTK_WIDGET(self->performance));
    gtk_stack_add_named(self->details_stack, GTK_WIDGET(self->performance), "performance");
    self->pages[MARINA_HW_OVERVIEW] = marina_hw_overview_page_new();
    self->pages[MARINA_HW_OS] = marina_hw_os_page_new();
    self->pages[MARINA_HW_CPU] = marina_hw_cpu_page_new();
    self->pages[MARINA_HW_MEMORY] = marina_hw_memory_page_new();
    self->pages[MARINA_HW_BOOT] = marina_hw_boot_page_new();
    self->pages[MARINA_HW_DISK] = marina_hw_disk_page_new();
    self->pages[MARINA_HW_NIC] = marina_hw_nic_page_new();
    self->pages[MARINA_HW_INPUT] = marina_hw_input_page_new();
    self->pages[MARINA_HW_GRAPHICS] = marina_hw_graphics_page_new();
    self->pages[MARINA_HW_SOUND] = marina_hw_sound_page_new();
    self->pages[MARINA_HW_CHAR] = marina_hw_char_page_new();
    self->pages[MARINA_HW_VIDEO] = marina_hw_video_page_new();
    self->pages[MARINA_HW_CONTROLLER] = marina_hw_controller_page_new();
    self->pages[MARINA_HW_WATCHDOG] = marina_hw_watchdog_page_new();
    self->pages[MARINA_HW_RNG] = marina_hw_rng_page_new();
    self->pages[MARINA_HW_HOSTDEV] = marina_hw_hostdev_page_new();
    self->pages[MARINA_HW_TPM] = marina_hw_tpm_page_new();
    for (guint k = 0; k < MARINA_HW_N_KINDS; k++) {
        if (self->pages[k] == NULL)
            continue;
        g_signal_connect(self->pages[k], "changed", G_CALLBACK(on_page_changed), self);
        gtk_stack_add_named(self->details_stack, self->pages[k], marina_hw_kind_name(k));
    }
    self->xml_editor = MARINA_XML_EDITOR(marina_xml_editor_new());
    gtk_widget_show(GTK_WIDGET(self->xml_editor));
    gtk_stack_add_named(self->details_stack, GTK_WIDGET(self->xml_editor), "xml");
}

static void
update_overview(MarinaVmDetailsPage *self)
{
    if (self->guest != NULL)
        marina_hw_overview_page_set_state(MARINA_HW_OVERVIEW_PAGE(self->pages[MARINA_HW_OVERVIEW]),
                                          marina_guest_get_state_label(self->guest));
}

/* Fills the page of @row from the definitions (its edits are dropped). */
static void
load_page(MarinaVmDetailsPage *self, GtkListBoxRow *row)
{
    const MarinaHwEntry *entry = row_entry(row);
    MarinaHwPage *page = row_page(self, row);

    if (page == NULL || self->config == NULL)
        return;
    marina_hw_page_load(page, self->config, self->live, entry->index);
    if (entry->kind == MARINA_HW_BOOT && self->domain != NULL)
        marina_hw_boot_page_set_autostart(MARINA_HW_BOOT_PAGE(page),
                                          marina_domain_get_autostart(self->domain));
    if (entry->kind == MARINA_HW_OVERVIEW)
        update_overview(self);
}

/* Shows the page of @row; @keep_message: the row was rebuilt, not chosen
 * (what the last Apply said still holds). */
static void
show_row_full(MarinaVmDetailsPage *self, GtkListBoxRow *row, gboolean keep_message)
{
    const MarinaHwEntry *entry = row_entry(row);

    if (entry == NULL)
        return;
    if (row != self->current_row && !keep_message)
        show_message(self, GTK_MESSAGE_INFO, NULL);
    self->current_row = row;
    gtk_stack_set_visible_child_name(self->details_stack, marina_hw_kind_name(entry->kind));
    if (entry->kind == MARINA_HW_PERFORMANCE)
        marina_vm_performance_page_update(self->performance);
    else if (entry->kind == MARINA_HW_XML)
        marina_xml_editor_reload(self->xml_editor);
    else
        load_page(self, row);
    update_buttons(self);
}

static void
show_row(MarinaVmDetailsPage *self, GtkListBoxRow *row)
{
    show_row_full(self, row, FALSE);
}

static void
on_page_changed(MarinaHwPage *page, MarinaVmDetailsPage *self)
{
    if (page == current_page(self)) {
        /* A new edit: the last "Applied." no longer describes the page. */
        show_message(self, GTK_MESSAGE_INFO, NULL);
        update_buttons(self);
    }
}

/* ------------------------------------------------------------------- rows */

static GtkWidget *
new_row(const MarinaHwEntry *entry)
{
    GtkWidget *row = gtk_list_box_row_new();
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    GtkWidget *label = gtk_label_new(entry->label);
    MarinaHwEntry *copy = g_new0(MarinaHwEntry, 1);

    *copy = *entry;
    copy->label = g_strdup(entry->label);
    g_object_set_data_full(G_OBJECT(row), ENTRY_KEY, copy, (GDestroyNotify)marina_hw_entry_free);
    g_object_set(box, "margin", 6, NULL);
    gtk_box_pack_start(GTK_BOX(box),
                       gtk_image_new_from_icon_name(entry->icon, GTK_ICON_SIZE_BUTTON), FALSE,
                       FALSE, 0);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
    gtk_box_pack_start(GTK_BOX(box), label, TRUE, TRUE, 0);
    gtk_container_add(GTK_CONTAINER(row), box);
    atk_object_set_name(gtk_widget_get_accessible(row), entry->label);
    gtk_widget_show_all(row);
    return row;
}

static gboolean
same_entry(const MarinaHwEntry *a, const MarinaHwEntry *b)
{
    return a != NULL && b != NULL && a->kind == b->kind && a->index == b->index &&
           g_strcmp0(a->label, b->label) == 0;
}

/* The list for @config; the selected row stays selected when it is still
 * there (the same kind and index), else the first of its kind, else the row
 * now at its place (not XML: it would drop into the editor). */
static void
rebuild_rows(MarinaVmDetailsPage *self)
{
    g_autoptr(GPtrArray) entries = marina_hw_device_list(self->config);
    g_autoptr(GList) old = gtk_container_get_children(GTK_CONTAINER(self->details_list));
    const MarinaHwEntry *selected = row_entry(self->current_row);
    MarinaHwEntry keep = {0};
    int position = self->current_row != NULL ? gtk_list_box_row_get_index(self->current_row) : 0;
    GtkListBoxRow *select = NULL;
    GtkListBoxRow *same_kind = NULL;
    gboolean unchanged = g_list_length(old) == entries->len;
    guint i = 0;

    for (GList *l = old; unchanged && l != NULL; l = l->next, i++)
        unchanged = same_entry(row_entry(l->data), entries->pdata[i]);
    if (unchanged)
        return;
    if (selected != NULL) {
        keep = *selected;
        keep.label = NULL;
    }
    self->selecting = TRUE;
    for (GList *l = old; l != NULL; l = l->next)
        gtk_widget_destroy(l->data);
    self->current_row = NULL;
    for (i = 0; i < entries->len; i++) {
        const MarinaHwEntry *entry = entries->pdata[i];
        GtkWidget *row = new_row(entry);

        gtk_container_add(GTK_CONTAINER(self->details_list), row);
        if (selected != NULL && entry->kind == keep.kind && entry->index == keep.index)
            select = GTK_LIST_BOX_ROW(row);
        if (selected != NULL && entry->kind == keep.kind && same_kind == NULL)
            same_kind = GTK_LIST_BOX_ROW(row);
    }
    /* A removed device: its neighbour, as a list of files does. */
    if (select == NULL)
        select = same_kind != NULL
                     ? same_kind
                     : gtk_list_box_get_row_at_index(self->details_list,
                                                     MIN(MAX(position, 0), (int)entries->len - 2));
    gtk_list_box_select_row(self->details_list, select);
    self->selecting = FALSE;
    show_row_full(self, select, TRUE);
}

/* ---------------------------------------------------------------- loading */

typedef struct {
    MarinaVmDetailsPage *self;
    MarinaDomainConfig *config;
} LoadOp;

static void
load_op_free(LoadOp *op)
{
    g_object_unref(op->self);
    if (op->config != NULL)
        marina_domain_config_free(op->config);
    g_free(op);
}

static void
loaded(MarinaVmDetailsPage *self, MarinaDomainConfig *config, MarinaDomainConfig *live)
{
    gboolean keep_edits = has_unapplied(self);

    self->loading = FALSE;
    g_clear_pointer(&self->config, marina_domain_config_free);
    g_clear_pointer(&self->live, marina_domain_config_free);
    self->config = config;
    self->live = live;
    if (keep_edits) {
        /* The person is editing: the list follows, the page waits for Apply or Revert. */
        update_buttons(self);
    } else {
        rebuild_rows(self);
        load_page(self, self->current_row);
        update_buttons(self);
    }
    if (self->reload_again) {
        self->reload_again = FALSE;
        reload(self);
    } else if (self->announce != NULL) {
        announce(self);
    }
}

static MarinaDomainConfig *
parse_definition(MarinaVmDetailsPage *self, GObject *source, GAsyncResult *result)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = marina_domain_get_xml_finish(MARINA_DOMAIN(source), result, &error);
    MarinaDomainConfig *config = NULL;

    if (xml != NULL)
        config = marina_domain_config_parse(xml, -1, NULL, &error);
    if (config == NULL && !marina_ui_is_cancelled(error)) {
        self->loading = FALSE;
        show_message(self, GTK_MESSAGE_ERROR, marina_error_message(error));
    }
    return config;
}

static void
on_live_xml(GObject *source, GAsyncResult *result, gpointer user_data)
{
    LoadOp *op = user_data;
    MarinaDomainConfig *live = parse_definition(op->self, source, result);

    if (live != NULL)
        loaded(op->self, g_steal_pointer(&op->config), live);
    load_op_free(op);
}

static void
on_inactive_xml(GObject *source, GAsyncResult *result, gpointer user_data)
{
    LoadOp *op = user_data;

    op->config = parse_definition(op->self, source, result);
    if (op->config == NULL) {
        load_op_free(op);
        return;
    }
    if (guest_shut_off(op->self)) {
        loaded(op->self, g_steal_pointer(&op->config), NULL);
        load_op_free(op);
        return;
    }
    /* Running: what runs now, to mark what waits for the next boot. */
    marina_domain_get_xml_async(MARINA_DOMAIN(source), MARINA_DOMAIN_XML_NONE,
                                op->self->cancellable, on_live_xml, op);
}

/* Reads the definitions again; the page shown follows unless it has edits. */
static void
reload(MarinaVmDetailsPage *self)
{
    LoadOp *op;

    if (self->domain == NULL || self->guest == NULL)
        return;
    if (self->loading) {
        self->reload_again = TRUE;
        return;
    }
    self->loading = TRUE;
    op = g_new0(LoadOp, 1);
    op->self = g_object_ref(self);
    marina_domain_get_xml_async(self->domain, MARINA_DOMAIN_XML_INACTIVE, self->cancellable,
                                on_inactive_xml, op);
}

/* ---------------------------------------------------------------- applying */

typedef struct {
    MarinaVmDetailsPage *self;
    GtkListBoxRow *then;     /* the row to show afterwards (leaving a page), or NULL */
    gboolean running;        /* the guest ran when Apply was pressed */
    gboolean new_definition; /* the persistent definition changed */
    gboolean removal;        /* Remove, not Apply */
} ApplyOp;

static void
show_result(MarinaVmDetailsPage *self, const char *done, const char *notes)
{
    g_autofree char *text = notes != NULL ? g_strdup_printf("%s\n%s", done, notes) : NULL;

    show_message(self, notes != NULL ? GTK_MESSAGE_WARNING : GTK_MESSAGE_INFO,
                 text != NULL ? text : done);
}

/* After a change QEMU took live: what still differs from the running guest
 * waits for the next boot, the page's marks say whether anything does. */
static void
announce(MarinaVmDetailsPage *self)
{
    MarinaHwPage *page = current_page(self);
    g_autofree char *notes = g_steal_pointer(&self->announce);

    show_result(self,
                page != NULL && marina_hw_page_has_pending(page)
                    ? _("Applied. The change takes effect at the next boot.")
                    : _("Applied."),
                *notes != '\0' ? notes : NULL);
}

static void
on_applied(GObject *source, GAsyncResult *result, gpointer user_data)
{
    ApplyOp *op = user_data;
    MarinaVmDetailsPage *self = op->self;
    MarinaHwPage *page = current_page(self);
    g_autofree char *notes = NULL;
    gboolean live_done = FALSE;
    g_autoptr(GError) error = NULL;

    (void)source;
    self->busy = FALSE;
    if (!marina_hw_apply_finish(result, &notes, &live_done, &error)) {
        if (!marina_ui_is_cancelled(error)) {
            show_message(self, GTK_MESSAGE_ERROR, marina_error_message(error));
            update_buttons(self);
        }
        goto out;
    }
    /* The page is no longer edited: the reload shows what the daemon stored. */
    if (page != NULL)
        marina_hw_page_load(page, self->config, self->live, row_entry(self->current_row)->index);
    if (op->then != NULL && gtk_widget_get_parent(GTK_WIDGET(op->then)) != NULL) {
        self->selecting = TRUE;
        gtk_list_box_select_row(self->details_list, op->then);
        self->selecting = FALSE;
        show_row(self, op->then);
    }
    if (live_done && op->removal) {
        show_result(self, _("Removed from the running guest and its definition."), notes);
    } else if (live_done) {
        g_free(self->announce);
        self->announce = g_strdup(notes != NULL ? notes : "");
    } else {
        /* Everything went to the persistent definition; a running guest
         * sees it when it boots next. */
        show_result(self,
                    op->running && op->new_definition
                        ? _("Applied. The change takes effect at the next boot.")
                        : _("Applied."),
                    notes);
    }
    update_buttons(self);
    reload(self);
out:
    g_clear_object(&op->then);
    g_object_unref(self);
    g_free(op);
}

/* Sends @change (taken); @then: the row to show once it is applied. */
static void
send(MarinaVmDetailsPage *self, MarinaHwChange *change, gboolean new_definition,
     GtkListBoxRow *then, gboolean removal)
{
    ApplyOp *op = g_new0(ApplyOp, 1);

    op->removal = removal;
    /* Held: the list may be rebuilt while the change is sent. */
    op->then = then != NULL ? g_object_ref(then) : NULL;
    op->self = g_object_ref(self);
    op->running = !guest_shut_off(self);
    op->new_definition = new_definition;
    self->busy = TRUE;
    show_message(self, GTK_MESSAGE_INFO, NULL);
    update_buttons(self);
    marina_hw_apply_async(self->domain, change, self->cancellable, on_applied, op);
}

static void
apply(MarinaVmDetailsPage *self, GtkListBoxRow *then)
{
    MarinaHwPage *page = current_page(self);
    const MarinaHwEntry *entry = row_entry(self->current_row);
    g_autoptr(MarinaDomainConfig) copy = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    MarinaHwChange *change;
    gboolean new_definition;

    if (page == NULL || self->config == NULL || self->domain == NULL || self->busy)
        return;
    copy = marina_domain_config_copy(self->config);
    /* Refused values never reach the daemon: the message names the field. */
    if (!marina_hw_page_store(page, copy, &error) || !marina_domain_config_validate(copy, &error)) {
        show_message(self, GTK_MESSAGE_ERROR, error->message);
        return;
    }
    change = marina_hw_change_new();
    /* A new name goes by Domain.Rename first; the definition after it has
     * the new name too. */
    if (g_strcmp0(copy->name, self->config->name) != 0)
        marina_hw_change_set_rename(change, copy->name);
    before = marina_domain_config_to_xml(self->config);
    {
        g_autofree char *new_name = g_steal_pointer(&copy->name);

        copy->name = g_strdup(self->config->name);
        after = marina_domain_config_to_xml(copy);
        g_free(copy->name);
        copy->name = g_steal_pointer(&new_name);
    }
    new_definition = g_strcmp0(before, after) != 0;
    if (new_definition)
        marina_hw_change_set_definition(change, copy);
    /* What QEMU can change in the running guest goes there too. */
    marina_hw_change_add_live(change, entry->kind, entry->index, copy, self->live);
    if (entry->kind == MARINA_HW_BOOT) {
        gboolean autostart = marina_hw_boot_page_get_autostart(MARINA_HW_BOOT_PAGE(page));

        if (autostart != marina_domain_get_autostart(self->domain))
            marina_hw_change_set_autostart(change, autostart);
    }
    send(self, change, new_definition, then, FALSE);
}

static void
on_apply_clicked(MarinaVmDetailsPage *self)
{
    apply(self, NULL);
}

static void
on_revert_clicked(MarinaVmDetailsPage *self)
{
    show_message(self, GTK_MESSAGE_INFO, NULL);
    load_page(self, self->current_row);
    update_buttons(self);
    reload(self);
}

/* ---------------------------------------------------------------- removing */

static void
on_remove_response(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaVmDetailsPage *self = user_data;
    const MarinaHwEntry *entry = row_entry(self->current_row);
    g_autoptr(MarinaDomainConfig) copy = NULL;
    g_autoptr(GError) error = NULL;
    MarinaHwChange *change;

    gtk_widget_destroy(GTK_WIDGET(dialog));
    if (response != GTK_RESPONSE_ACCEPT || entry == NULL || self->config == NULL || self->busy)
        goto out;
    copy = marina_domain_config_copy(self->config);
    if (!marina_hw_remove_device(copy, entry->kind, entry->index)) {
        show_message(self, GTK_MESSAGE_ERROR,
                     _("The device is no longer in the guest's definition."));
        goto out;
    }
    if (!marina_domain_config_validate(copy, &error)) {
        show_message(self, GTK_MESSAGE_ERROR, error->message);
        goto out;
    }
    change = marina_hw_change_new();
    marina_hw_change_set_definition(change, copy);
    /* Hot-unplug: the running guest loses it now where QEMU can do that. */
    marina_hw_change_add_live_removal(change, entry->kind, entry->index, self->config, self->live);
    send(self, change, TRUE, NULL, TRUE);
out:
    g_object_unref(self);
}

static void
on_remove_clicked(MarinaVmDetailsPage *self)
{
    const MarinaHwEntry *entry = row_entry(self->current_row);
    g_autofree char *title = NULL;
    const char *detail;
    GtkWidget *dialog;

    if (entry == NULL || !marina_hw_kind_is_device(entry->kind))
        return;
    title = g_strdup_printf(_("Remove %s?"), entry->label);
    detail = guest_shut_off(self)
                 ? _("The device is removed from the guest's definition. Files it uses stay.")
                 : _("The device is removed from the guest's definition and unplugged from the "
                     "running guest where that is possible (otherwise the guest keeps it until "
                     "it is shut off). Files it uses stay.");
    dialog = marina_ui_confirm_dialog(GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(self))), title,
                                      detail, _("_Remove"));
    g_signal_connect(dialog, "response", G_CALLBACK(on_remove_response), g_object_ref(self));
    gtk_widget_show(dialog);
}

/* ------------------------------------------------------------ adding */

static void
on_device_added(MarinaAddHardwareDialog *dialog, const char *message, MarinaVmDetailsPage *self)
{
    (void)dialog;
    show_message(self, GTK_MESSAGE_INFO, message);
    reload(self);
}

static void
on_add_hardware_clicked(MarinaVmDetailsPage *self)
{
    MarinaAddHardwareDialog *dialog;

    if (self->guest == NULL || self->domain == NULL)
        return;
    dialog = marina_add_hardware_dialog_new(
        GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(self))), self->guest, self->domain);
    g_signal_connect_object(dialog, "device-added", G_CALLBACK(on_device_added), self, 0);
    gtk_widget_show(GTK_WIDGET(dialog));
}

/* ------------------------------------------------------ leaving a page */

enum { RESPONSE_APPLY = 1, RESPONSE_DISCARD = 2 };

static void
on_leave_response(GtkDialog *dialog, int response, gpointer user_data)
{
    MarinaVmDetailsPage *self = user_data;
    GtkListBoxRow *target = self->leave_to;

    gtk_widget_destroy(GTK_WIDGET(dialog));
    self->leave_to = NULL;
    if (target != NULL && gtk_widget_get_parent(GTK_WIDGET(target)) != NULL) {
        if (response == RESPONSE_APPLY) {
            apply(self, target);
        } else if (response == RESPONSE_DISCARD) {
            load_page(self, self->current_row);
            self->selecting = TRUE;
            gtk_list_box_select_row(self->details_list, target);
            self->selecting = FALSE;
            show_row(self, target);
        }
    }
    g_clear_object(&target);
    g_object_unref(self);
}

static void
ask_before_leaving(MarinaVmDetailsPage *self, GtkListBoxRow *target)
{
    const MarinaHwEntry *entry = row_entry(self->current_row);
    GtkWidget *dialog = gtk_message_dialog_new(
        GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(self))),
        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
        _("Apply the changes to %s?"), entry->label);

    gtk_message_dialog_format_secondary_text(
        GTK_MESSAGE_DIALOG(dialog), "%s",
        _("This page has changes that are not applied yet. Discard drops them."));
    gtk_dialog_add_buttons(GTK_DIALOG(dialog), _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Discard"),
                           RESPONSE_DISCARD, _("_Apply"), RESPONSE_APPLY, NULL);
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), RESPONSE_APPLY);
    g_set_object(&self->leave_to, target);
    g_signal_connect(dialog, "response", G_CALLBACK(on_leave_response), g_object_ref(self));
    gtk_widget_show(dialog);
}

static void
on_details_row_selected(GtkListBox *box, GtkListBoxRow *row, MarinaVmDetailsPage *self)
{
    GtkListBoxRow *from = self->current_row;

    (void)box;
    if (row == NULL || self->selecting || row == from)
        return;
    if (has_unapplied(self) || self->busy) {
        /* Stay on the page until the person says what becomes of its changes. */
        self->selecting = TRUE;
        gtk_list_box_select_row(self->details_list, from);
        self->selecting = FALSE;
        if (!self->busy)
            ask_before_leaving(self, row);
        return;
    }
    show_row(self, row);
    /* The definition may have changed elsewhere (the XML tab, marinactl
     * edit): read it again, the page follows when nothing is edited. */
    reload(self);
}

/* ---------------------------------------------------------------- public */

static void
on_guest_changed(MarinaGuest *guest, GParamSpec *pspec, MarinaVmDetailsPage *self)
{
    (void)guest;
    update_overview(self);
    if (g_strcmp0(pspec->name, "state") == 0) {
        marina_xml_editor_set_shut_off(self->xml_editor, guest_shut_off(self));
        /* Started or stopped: what waits for the next boot changed. */
        reload(self);
    }
}

void
marina_vm_details_page_set_guest(MarinaVmDetailsPage *self, MarinaGuest *guest)
{
    static const char *const watched[] = {"notify::state", "notify::name", "notify::title",
                                          "notify::vcpus", "notify::max-memory-kib"};

    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    g_return_if_fail(MARINA_IS_GUEST(guest));
    /* Another guest object: the same guest on its new host after a migration. */
    if (self->guest != NULL) {
        g_signal_handlers_disconnect_by_data(self->guest, self);
        g_clear_object(&self->guest);
    }
    self->guest = g_object_ref(guest);
    marina_vm_performance_page_set_guest(self->performance, guest);
    for (guint i = 0; i < G_N_ELEMENTS(watched); i++)
        g_signal_connect(guest, watched[i], G_CALLBACK(on_guest_changed), self);
    update_overview(self);
    reload(self);
}

static void
on_domain_changed(MarinaDomain *domain, MarinaVmDetailsPage *self)
{
    (void)domain;
    reload(self);
}

static void
on_config_changed(MarinaDomain *domain, const char *event, const char *device,
                  MarinaVmDetailsPage *self)
{
    (void)domain;
    (void)event;
    (void)device;
    reload(self);
}

void
marina_vm_details_page_set_domain(MarinaVmDetailsPage *self, MarinaDomain *domain)
{
    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    if (self->domain != NULL)
        g_signal_handlers_disconnect_by_data(self->domain, self);
    g_set_object(&self->domain, domain);
    if (domain != NULL) {
        g_signal_connect(domain, "changed", G_CALLBACK(on_domain_changed), self);
        /* A device or tuning change, from here, marinactl or another client. */
        g_signal_connect(domain, "config-changed", G_CALLBACK(on_config_changed), self);
    }
    marina_hw_nic_page_set_domain(MARINA_HW_NIC_PAGE(self->pages[MARINA_HW_NIC]), domain);
    marina_hw_disk_page_set_domain(MARINA_HW_DISK_PAGE(self->pages[MARINA_HW_DISK]), domain);
    marina_xml_editor_set_domain(self->xml_editor, domain);
    if (self->guest != NULL)
        marina_xml_editor_set_shut_off(self->xml_editor, guest_shut_off(self));
    reload(self);
}

/* The window read the guest's definition again (its description may be
 * new): the pages follow unless one is being edited. */
void
marina_vm_details_page_set_description(MarinaVmDetailsPage *self, const char *description)
{
    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    if (self->config != NULL && g_strcmp0(self->config->description, description) != 0)
        reload(self);
}

/* Drawing costs only when someone looks. */
void
marina_vm_details_page_stats_updated(MarinaVmDetailsPage *self)
{
    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    if (performance_visible(self))
        marina_vm_performance_page_update(self->performance);
}

void
marina_vm_details_page_show_xml(MarinaVmDetailsPage *self)
{
    g_autoptr(GList) rows = NULL;

    g_return_if_fail(MARINA_IS_VM_DETAILS_PAGE(self));
    rows = gtk_container_get_children(GTK_CONTAINER(self->details_list));
    for (GList *l = g_list_last(rows); l != NULL; l = l->prev) {
        const MarinaHwEntry *entry = row_entry(l->data);

        if (entry != NULL && entry->kind == MARINA_HW_XML) {
            gtk_list_box_select_row(self->details_list, l->data);
            return;
        }
    }
}

/* Shown again (the window switched to Details, or was restored): the
 * graphs catch up. */
static void
marina_vm_details_page_map(GtkWidget *widget)
{
    MarinaVmDetailsPage *self = MARINA_VM_DETAILS_PAGE(widget);

    GTK_WIDGET_CLASS(marina_vm_details_page_parent_class)->map(widget);
    if (self->guest != NULL && performance_visible(self))
        marina_vm_performance_page_update(self->performance);
}

static void
marina_vm_details_page_dispose(GObject *object)
{
    MarinaVmDetailsPage *self = MARINA_VM_DETAILS_PAGE(object);

    g_cancellable_cancel(self->cancellable);
    if (self->guest != NULL)
        g_signal_handlers_disconnect_by_data(self->guest, self);
    if (self->domain != NULL)
        g_signal_handlers_disconnect_by_data(self->domain, self);
    g_clear_object(&self->guest);
    g_clear_object(&self->domain);
    g_clear_object(&self->leave_to);
    G_OBJECT_CLASS(marina_vm_details_page_parent_class)->dispose(object);
}

static void
marina_vm_details_page_finalize(GObject *object)
{
    MarinaVmDetailsPage *self = MARINA_VM_DETAILS_PAGE(object);

    g_clear_pointer(&self->config, marina_domain_config_free);
    g_clear_pointer(&self->live, marina_domain_config_free);
    g_clear_object(&self->cancellable);
    g_free(self->announce);
    G_OBJECT_CLASS(marina_vm_details_page_parent_class)->finalize(object);
}

static void
marina_vm_details_page_class_init(MarinaVmDetailsPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = marina_vm_details_page_dispose;
    G_OBJECT_CLASS(klass)->finalize = marina_vm_details_page_finalize;
    widget_class->map = marina_vm_details_page_map;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/marinavm/Marina/ui/vm-details-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, MarinaVmDetailsPage, name)
    BIND(details_list);
    BIND(details_stack);
    BIND(footer);
    BIND(message_label);
    BIND(remove_button);
    BIND(apply_button);
    BIND(revert_button);
#undef BIND
    gtk_widget_class_bind_template_callback(widget_class, on_details_row_selected);
    gtk_widget_class_bind_template_callback(widget_class, on_apply_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_revert_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_remove_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_add_hardware_clicked);
}

static void
marina_vm_details_page_init(MarinaVmDetailsPage *self)
{
    self->cancellable = g_cancellable_new();
    gtk_widget_init_template(GTK_WIDGET(self));
    build_pages(self);
    /* Until the definition is read: the guest's own rows. */
    rebuild_rows(self);
}
