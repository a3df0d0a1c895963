/* marinactl event: domain lifecycle events as virsh prints them. */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>

#include "commands.h"

typedef struct {
    GMainLoop *loop;
    char *path; /* only this domain's events, or NULL for all */
    gboolean forever;
    int max_count; /* 0: no limit */
    guint timeout_id;
    int count;
    int status;
} EventWatch;

static char *
capitalized(const char *word)
{
    char *copy = g_strdup(word != NULL ? word : "");

    if (*copy != '\0')
        copy[0] = g_ascii_toupper(copy[0]);
    return copy;
}

static void
on_domain_event(MarinaHost *host, const char *path, const char *name, const char *uuid, guint state,
                guint reason, const char *event, const char *detail, gpointer user_data)
{
    EventWatch *watch = user_data;
    g_autofree char *event_text = capitalized(event);
    g_autofree char *detail_text = capitalized(detail);

    if (watch->path != NULL && g_strcmp0(watch->path, path) != 0)
        return;
    cli_print("event 'lifecycle' for domain '%s': %s %s", name, event_text, detail_text);
    watch->count++;
    if ((watch->max_count > 0 && watch->count >= watch->max_count) ||
        (watch->max_count == 0 && !watch->forever))
        g_main_loop_quit(watch->loop);
}

static void
on_connection_closed(MarinaConnection *connection, GError *reason, gpointer user_data)
{
    EventWatch *watch = user_data;

    if (reason != NULL)
        watch->status = cli_report_error(reason);
    g_main_loop_quit(watch->loop);
}

static gboolean
on_event_timeout(gpointer user_data)
{
    EventWatch *watch = user_data;

    watch->timeout_id = 0;
    fprintf(stderr, _("event loop timed out\n"));
    g_main_loop_quit(watch->loop);
    return G_SOURCE_REMOVE;
}

static gboolean
on_event_interrupt(gpointer user_data)
{
    EventWatch *watch = user_data;

    g_main_loop_quit(watch->loop);
    return G_SOURCE_CONTINUE;
}

static int
run_event_loop(CliContext *ctx, EventWatch *watch, int timeout_s)
{
    MarinaHost *host = ctx->host;
    gulong event_id, closed_id;
    guint int_id, term_id;

    watch->loop = g_main_loop_new(NULL, FALSE);
    event_id = g_signal_connect(host, "domain-event", G_CALLBACK(on_domain_event), watch);
    closed_id =
        g_signal_connect(ctx->connection, "closed", G_CALLBACK(on_connection_closed), watch);
    if (timeout_s > 0)
        watch->timeout_id = g_timeout_add_seconds((guint)timeout_s, on_event_timeout, watch);
    int_id = g_unix_signal_add(SIGINT, on_event_interrupt, watch);
    term_id = g_unix_signal_add(SIGTERM, on_event_interrupt, watch);
    g_main_loop_run(watch->loop);
    g_signal_handler_disconnect(host, event_id);
    g_signal_handler_disconnect(ctx->connection, closed_id);
    g_clear_handle_id(&watch->timeout_id, g_source_remove);
    g_source_remove(int_id);
    g_source_remove(term_id);
    g_main_loop_unref(watch->loop);
    return watch->status;
}

int
cli_cmd_event(CliContext *ctx, int argc, char **argv)
{
    gboolean all = FALSE, loop = FALSE;
    int timeout = 0, count = 0;
    const GOptionEntry entries[] = {
        {"all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Every event type (only lifecycle exists)"),
         NULL},
        {"loop", 0, 0, G_OPTION_ARG_NONE, &loop, N_("Keep printing events until interrupted"),
         NULL},
        {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout, N_("Stop after this many seconds"),
         N_("SECONDS")},
        {"count", 0, 0, G_OPTION_ARG_INT, &count, N_("Stop after this many events"), N_("N")},
        G_OPTION_ENTRY_NULL,
    };
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) error = NULL;
    EventWatch watch = {0};
    int status;

    if (!cli_parse(ctx, entries, argc, argv, 0, 1, &args, &status))
        return status;
    if (timeout < 0 || count < 0)
        return cli_usage_error(ctx, _("--timeout and --count must not be negative."));
    if (cli_host(ctx, &error) == NULL)
        return cli_report_error(error);
    if (args[0] != NULL) {
        g_autoptr(MarinaDomain) domain = cli_lookup_domain(ctx, args[0], &error);
        if (domain == NULL)
            return cli_report_error(error);
        watch.path = g_strdup(marina_domain_get_object_path(domain));
    }
    watch.forever = loop;
    watch.max_count = count;
    status = run_event_loop(ctx, &watch, timeout);
    g_free(watch.path);
    return status;
}
