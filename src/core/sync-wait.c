#define G_LOG_DOMAIN "marina-sync-wait"

#include "config.h"

#include "sync-wait.h"

void
marina_sync_wait_ready(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GAsyncResult **out = user_data;

    g_assert(*out == NULL);
    *out = g_object_ref(result);
}

void
marina_sync_wait(GAsyncResult **result)
{
    GMainContext *context = g_main_context_ref_thread_default();

    while (*result == NULL)
        g_main_context_iteration(context, TRUE);
    g_main_context_unref(context);
}
