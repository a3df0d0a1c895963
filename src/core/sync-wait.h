#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Running an async pair to completion from synchronous code (marinactl,
 * tests): the one helper, instead of a _sync twin of every action.
 *
 *   g_autoptr(GAsyncResult) result = NULL;
 *   marina_domain_start_async(domain, 0, NULL, marina_sync_wait_ready, &result);
 *   marina_sync_wait(&result);
 *   if (!marina_domain_start_finish(domain, result, &error)) ...
 *
 * marina_sync_wait() iterates the thread-default main context (the one the
 * connection's proxies were made in) until the callback stored the result,
 * so signals (job progress, events) are delivered meanwhile. Never call it
 * from a callback of a main loop that must stay responsive.
 */

/* A GAsyncReadyCallback: stores a reference to @result in *(GAsyncResult **)user_data. */
void marina_sync_wait_ready(GObject *source, GAsyncResult *result, gpointer user_data);
/* Iterates the thread-default main context until *@result is set. */
void marina_sync_wait(GAsyncResult **result);

G_END_DECLS
