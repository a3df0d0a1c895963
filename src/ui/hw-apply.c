/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "marina-hw-page"

#include "config.h"

#include "hw-apply.h"

#include <glib/gi18n.h>

#include "error.h"
#include "host.h"

struct _MarinaHwChange {
    char *xml; /* the new definition, or NULL */
    gboolean set_autostart;
    gboolean autostart;
};

typedef struct {
    MarinaDomain *domain;
    MarinaHwChange *change;
    guint step;
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
    g_free(change->xml);
    g_free(change);
}

void
marina_hw_change_set_definition(MarinaHwChange *change, const MarinaDomainConfig *config)
{
    g_free(change->xml);
    change->xml = marina_domain_config_to_xml(config);
}

void
marina_hw_change_set_autostart(MarinaHwChange *change, gboolean autostart)
{
    change->set_autostart = TRUE;
    change->autostart = autostart;
}

gboolean
marina_hw_change_has_live(const MarinaHwChange *change)
{
    (void)change;
    return FALSE;
}

gboolean
marina_hw_change_is_empty(const MarinaHwChange *change)
{
    return change->xml == NULL && !change->set_autostart && !marina_hw_change_has_live(change);
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
