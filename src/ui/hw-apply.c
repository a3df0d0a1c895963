/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-apply.h"

#include <glib/gi18n.h>

#include "error.h"
#include "host.h"

struct _MarinaHwChange {
    char *rename; /* the new name (Domain.Rename, before the definition), or NULL */
    char *xml;    /* the new definition, or NULL */
    gboolean set_autostart;
    gboolean autostart;
    /* The live part */
    gboolean live_memory;
    guint64 memory_kib;
    gboolean live_vcpus;
    guint vcpus;
    char *update_xml; /* a device changed in place */
    char *detach_xml; /* a device unplugged */
};

typedef struct {
    MarinaDomain *domain;
    MarinaHwChange *change;
    guint step;
    gboolean renamed;
    GString *notes;
    gboolean live_failed;
} Apply;

MarinaHwChange *
marina_hw_change_new(void)
{
    return g_new0(MarinaHwChange, 1);
}

void
marina_hw_change_free(MarinaHwChange *change)
{
    if (change == NULL)
        return;
    g_free(change->rename);
    g_free(change->xml);
    g_free(change->update_xml);
    g_free(change->detach_xml);
    g_free(change);
}

void
marina_hw_change_set_definition(MarinaHwChange *change, const MarinaDomainConfig *config)
{
    g_free(change->xml);
    change->xml = marina_domain_config_to_xml(config);
}

void
marina_hw_change_set_rename(MarinaHwChange *change, const char *name)
{
    g_free(change->rename);
    change->rename = g_strdup(name);
}

void
marina_hw_change_set_autostart(MarinaHwChange *change, gboolean autostart)
{
    change->set_autostart = TRUE;
    change->autostart = autostart;
}

void
marina_hw_change_set_live_memory(MarinaHwChange *change, guint64 kib)
{
    change->live_memory = TRUE;
    change->memory_kib = kib;
}

void
marina_hw_change_set_live_vcpus(MarinaHwChange *change, guint count)
{
    change->live_vcpus = TRUE;
    change->vcpus = count;
}

void
marina_hw_change_set_live_update(MarinaHwChange *change, const MarinaDevice *device)
{
    g_free(change->update_xml);
    change->update_xml = marina_device_to_xml(device);
}

void
marina_hw_change_set_live_detach(MarinaHwChange *change, const MarinaDevice *device)
{
    g_free(change->detach_xml);
    change->detach_xml = marina_device_to_xml(device);
}

/* The running guest's own copy of @device, or NULL. */
static MarinaDevice *
live_copy(const MarinaDomainConfig *live, const MarinaDevice *device)
{
    int index = marina_domain_config_find_device(live, device, NULL);
    g_autoptr(MarinaDevice) found = NULL;
    MarinaDevice pointer = {0};

    if (index < 0)
        return NULL;
    switch (device->kind) {
    case MARINA_DEVICE_DISK:
        pointer = (MarinaDevice){device->kind, live->disks->pdata[index]};
        break;
    case MARINA_DEVICE_INTERFACE:
        pointer = (MarinaDevice){device->kind, live->interfaces->pdata[index]};
        break;
    case MARINA_DEVICE_GRAPHICS:
        pointer = (MarinaDevice){device->kind, live->graphics->pdata[index]};
        break;
    default:
        return NULL;
    }
    return marina_device_copy(&pointer);
}

/* A device of the running guest with one field from the new definition:
 * only what QEMU changes in place is sent, the rest waits for the boot. */
static void
add_live_device(MarinaHwChange *change, const MarinaDevice *device, const MarinaDomainConfig *live)
{
    g_autoptr(MarinaDevice) running = live_copy(live, device);
    gboolean differs = FALSE;

    if (running == NULL)
        return;
    if (device->kind == MARINA_DEVICE_DISK) {
        MarinaDiskConfig *now = running->config;
        const MarinaDiskConfig *want = device->config;

        if (want->device == MARINA_DISK_DEVICE_DISK || g_strcmp0(now->source, want->source) == 0)
            return;
        differs = TRUE;
        g_free(now->source);
        now->source = g_strdup(want->source);
    } else if (device->kind == MARINA_DEVICE_INTERFACE) {
        MarinaInterfaceConfig *now = running->config;
        const MarinaInterfaceConfig *want = device->config;

        differs = now->link_down != want->link_down;
        now->link_down = want->link_down;
    } else if (device->kind == MARINA_DEVICE_GRAPHICS) {
        MarinaGraphicsConfig *now = running->config;
        const MarinaGraphicsConfig *want = device->config;

        differs = g_strcmp0(now->password, want->password) != 0;
        g_free(now->password);
        now->password = g_strdup(want->password);
    }
    if (differs)
        marina_hw_change_set_live_update(change, running);
}

void
marina_hw_change_add_live(MarinaHwChange *change, MarinaHwKind kind, guint index,
                          const MarinaDomainConfig *config, const MarinaDomainConfig *live)
{
    MarinaDevice device = {0};

    if (live == NULL)
        return;
    switch (kind) {
    case MARINA_HW_MEMORY:
        /* The balloon gives back up to the maximum the guest started with. */
        if (config->current_memory_kib != live->current_memory_kib &&
            config->current_memory_kib <= live->memory_kib &&
            g_strcmp0(live->memballoon_model, "none") != 0)
            marina_hw_change_set_live_memory(change, config->current_memory_kib);
        return;
    case MARINA_HW_CPU:
        if (config->current_vcpus != live->current_vcpus && config->current_vcpus <= live->vcpus)
            marina_hw_change_set_live_vcpus(change, config->current_vcpus);
        return;
    case MARINA_HW_DISK:
    case MARINA_HW_NIC:
    case MARINA_HW_GRAPHICS:
        if (marina_hw_device_at(config, kind, index, &device))
            add_live_device(change, &device, live);
        return;
    default:
        return;
    }
}

void
marina_hw_change_add_live_removal(MarinaHwChange *change, MarinaHwKind kind, guint index,
                                  const MarinaDomainConfig *config, const MarinaDomainConfig *live)
{
    MarinaDevice device = {0};

    if (live == NULL || !marina_hw_device_at(config, kind, index, &device))
        return;
    if (marina_domain_config_find_device(live, &device, NULL) >= 0)
        marina_hw_change_set_live_detach(change, &device);
}

gboolean
marina_hw_change_has_live(const MarinaHwChange *change)
{
    return change->live_memory || change->live_vcpus || change->update_xml != NULL ||
           change->detach_xml != NULL;
}

gboolean
marina_hw_change_is_empty(const MarinaHwChange *change)
{
    return change->rename == NULL && change->xml == NULL && !change->set_autostart &&
           !marina_hw_change_has_live(change);
}

static void
apply_free(Apply *apply)
{
    g_clear_object(&apply->domain);
    marina_hw_change_free(apply->change);
    g_string_free(apply->notes, TRUE);
    g_free(apply);
}

static void
add_note(Apply *apply, const char *note)
{
    if (apply->notes->len > 0)
        g_string_append_c(apply->notes, '\n');
    g_string_append(apply->notes, note);
}

static void next_step(GTask *task);

/* A live part QEMU refused: the definition has it, the guest gets it at its
 * next boot; the person reads why. */
static void
live_step_done(GTask *task, gboolean ok, GError *error)
{
    Apply *apply = g_task_get_task_data(task);

    if (!ok) {
        g_autofree char *note = NULL;

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_task_return_error(task, error);
            g_object_unref(task);
            return;
        }
        /* Translators: %s is the daemon's reason */
        note = g_strdup_printf(_("The running guest keeps its old setting until its next boot: %s"),
                               marina_error_message(error));
        add_note(apply, note);
        apply->live_failed = TRUE;
        g_error_free(error);
    }
    next_step(task);
}

static void
on_memory_set(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GError *error = NULL;
    gboolean ok = marina_domain_set_memory_finish(MARINA_DOMAIN(source), result, &error);

    live_step_done(user_data, ok, error);
}

static void
on_vcpus_set(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GError *error = NULL;
    gboolean ok = marina_domain_set_vcpus_finish(MARINA_DOMAIN(source), result, &error);

    live_step_done(user_data, ok, error);
}

static void
on_device_updated(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GError *error = NULL;
    g_auto(GStrv) warnings = NULL;
    gboolean ok =
        marina_domain_update_device_finish(MARINA_DOMAIN(source), result, &warnings, &error);

    live_step_done(user_data, ok, error);
}

static void
on_device_detached(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GError *error = NULL;
    gboolean ok = marina_domain_detach_device_finish(MARINA_DOMAIN(source), result, &error);

    live_step_done(user_data, ok, error);
}

static void
on_autostart_set(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    GError *error = NULL;

    if (!marina_domain_set_autostart_finish(MARINA_DOMAIN(source), result, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    next_step(task);
}

static void
on_renamed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    GError *error = NULL;

    if (!marina_domain_rename_finish(MARINA_DOMAIN(source), result, &error)) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    next_step(task);
}

static void
on_defined(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GTask *task = user_data;
    Apply *apply = g_task_get_task_data(task);
    GError *error = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(MarinaDomain) defined =
        marina_host_define_domain_finish(MARINA_HOST(source), result, &warnings, &error);

    if (defined == NULL) {
        g_task_return_error(task, error);
        g_object_unref(task);
        return;
    }
    if (warnings != NULL && warnings[0] != NULL) {
        g_autofree char *joined = g_strjoinv("\n• ", warnings);
        g_autofree char *note =
            g_strdup_printf(_("Marina ignored what it does not support:\n• %s"), joined);

        add_note(apply, note);
    }
    next_step(task);
}

/* The steps in order; each one is skipped when the change has no such part. */
static void
next_step(GTask *task)
{
    Apply *apply = g_task_get_task_data(task);
    GCancellable *cancellable = g_task_get_cancellable(task);

    /* The name first: the definition that follows carries it (same UUID). */
    if (apply->change->rename != NULL && !apply->renamed) {
        apply->renamed = TRUE;
        marina_domain_rename_async(apply->domain, apply->change->rename, cancellable, on_renamed,
                                   task);
        return;
    }
    switch (apply->step++) {
    case 0:
        if (apply->change->xml != NULL) {
            g_autoptr(MarinaHost) host =
                marina_host_new(marina_domain_get_connection(apply->domain));

            marina_host_define_domain_async(host, apply->change->xml, cancellable, on_defined,
                                            task);
            return;
        }
        next_step(task);
        return;
    case 1:
        if (apply->change->set_autostart) {
            marina_domain_set_autostart_async(apply->domain, apply->change->autostart, cancellable,
                                              on_autostart_set, task);
            return;
        }
        next_step(task);
        return;
    /* The definition is stored: the live parts touch the running guest only. */
    case 2:
        if (apply->change->live_memory) {
            marina_domain_set_memory_async(apply->domain, apply->change->memory_kib,
                                           MARINA_DOMAIN_AFFECT_LIVE, cancellable, on_memory_set,
                                           task);
            return;
        }
        next_step(task);
        return;
    case 3:
        if (apply->change->live_vcpus) {
            marina_domain_set_vcpus_async(apply->domain, apply->change->vcpus,
                                          MARINA_DOMAIN_AFFECT_LIVE, cancellable, on_vcpus_set,
                                          task);
            return;
        }
        next_step(task);
        return;
    case 4:
        if (apply->change->update_xml != NULL) {
            marina_domain_update_device_async(apply->domain, apply->change->update_xml,
                                              MARINA_DOMAIN_AFFECT_LIVE, cancellable,
                                              on_device_updated, task);
            return;
        }
        next_step(task);
        return;
    case 5:
        if (apply->change->detach_xml != NULL) {
            marina_domain_detach_device_async(apply->domain, apply->change->detach_xml,
                                              MARINA_DOMAIN_AFFECT_LIVE, cancellable,
                                              on_device_detached, task);
            return;
        }
        next_step(task);
        return;
    default:
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
}

void
marina_hw_apply_async(MarinaDomain *domain, MarinaHwChange *change, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    Apply *apply = g_new0(Apply, 1);

    g_task_set_source_tag(task, marina_hw_apply_async);
    apply->domain = g_object_ref(domain);
    apply->change = change;
    apply->notes = g_string_new(NULL);
    g_task_set_task_data(task, apply, (GDestroyNotify)apply_free);
    next_step(task);
}

gboolean
marina_hw_apply_finish(GAsyncResult *result, char **notes, gboolean *live_done, GError **error)
{
    Apply *apply = g_task_get_task_data(G_TASK(result));

    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    if (!g_task_propagate_boolean(G_TASK(result), error))
        return FALSE;
    if (notes != NULL)
        *notes = apply->notes->len > 0 ? g_strdup(apply->notes->str) : NULL;
    if (live_done != NULL)
        *live_done = marina_hw_change_has_live(apply->change) && !apply->live_failed;
    return TRUE;
}
