#pragma once

#include <gio/gio.h>

#include "client.h"

G_BEGIN_DECLS

/* Exit statuses, as virsh: 0 success, 1 failure, 2 usage error. */
enum {
    CLI_OK = 0,
    CLI_FAILED = 1,
    CLI_USAGE = 2,
};

typedef struct _CliContext CliContext;
typedef int (*CliHandler)(CliContext *ctx, int argc, char **argv);

typedef struct {
    const char *name;
    CliHandler handler;
    const char *usage;   /* arguments after the command name, e.g. "NAME [--paused]" */
    const char *summary; /* one line */
} CliCommand;

struct _CliContext {
    const char *uri; /* -c/--connect, or NULL for the default */
    MarinaConnection *connection;
    MarinaHost *host;
    const CliCommand *command; /* the command being run */
};

/* Command tables, each ending with a {NULL} entry. */
extern const CliCommand cli_domain_commands[];
extern const CliCommand cli_host_commands[];
extern const CliCommand cli_console_commands[];
extern const CliCommand cli_storage_commands[];
extern const CliCommand cli_install_commands[];
extern const CliCommand cli_migrate_commands[];
extern const CliCommand cli_network_commands[];

/* `event` (commands-event.c), listed with the domain commands. */
int cli_cmd_event(CliContext *ctx, int argc, char **argv);

/* Parses @argv (argv[0] is the command name) against @entries and checks
 * that between @min_args and @max_args (-1: any) positional arguments
 * remain, returned in @args. Handles --help. On FALSE, *status is the exit
 * status to return (0 after --help, CLI_USAGE on a usage error). */
gboolean cli_parse(CliContext *ctx, const GOptionEntry *entries, int argc, char **argv,
                   int min_args, int max_args, GStrv *args, int *status);
/* Prints "error: MESSAGE" plus a --help hint; returns CLI_USAGE. */
int cli_usage_error(CliContext *ctx, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* Prints "error: MESSAGE" (without D-Bus decoration); returns CLI_FAILED. */
int cli_report_error(const GError *error);

/* The connection, opened on first use. */
MarinaConnection *cli_connect(CliContext *ctx, GError **error);
/* Its host (the client API's MarinaHost), made on first use. */
MarinaHost *cli_host(CliContext *ctx, GError **error);
/* A domain by name, UUID or id, its properties loaded. */
MarinaDomain *cli_lookup_domain(CliContext *ctx, const char *name, GError **error);
/* cli_lookup_domain(), a failure reported: NULL with *status the exit status. */
MarinaDomain *cli_lookup_domain_or_report(CliContext *ctx, const char *name, int *status);
/* The start of most domain commands: cli_parse(), then the domain the first argument names
 * (@min_args >= 1). NULL with *status the exit status. */
MarinaDomain *cli_parse_domain(CliContext *ctx, const GOptionEntry *entries, int argc, char **argv,
                               int min_args, int max_args, GStrv *args, int *status);
/* The domain's name, or @fallback when it is unknown. */
const char *cli_domain_name(MarinaDomain *domain, const char *fallback);

/*
 * marinactl is synchronous: each call of the client API runs to completion
 * on the default main context (marina_sync_wait), one at a time:
 *   g_autoptr(GAsyncResult) r = NULL;
 *   marina_domain_start_async(domain, 0, NULL, marina_sync_wait_ready, cli_slot(&r));
 *   if (!marina_domain_start_finish(domain, cli_wait(&r), &error)) ...
 * cli_slot() empties the slot for the next call; cli_wait() returns the result.
 */
gpointer cli_slot(GAsyncResult **result);
GAsyncResult *cli_wait(GAsyncResult **result);

/* Reads a domain XML file the user named (size-limited). */
char *cli_read_text_file(const char *path, GError **error);
/* @path made absolute against the current directory (the daemon opens it,
 * and its current directory is not ours). */
char *cli_absolute_path(const char *path);
/* "warning: ..." on stderr for each. */
void cli_print_warnings(const char *const *warnings);
/* Prints a line to stdout and flushes it. */
void cli_print(const char *format, ...) G_GNUC_PRINTF(1, 2);

G_END_DECLS
