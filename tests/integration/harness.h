#pragma once

#include <gio/gio.h>

#include "core/domain-state.h"
#include "marina-dbus.h"

/*
 * Integration test harness: each test gets its own marinad ("host") on a
 * private socket and state directory, real QEMU guests under TCG (the tiny
 * guest from tests/guest), and cleans everything up in teardown, even when
 * a check failed.
 */
typedef struct {
    char *dir;       /* temporary root, removed at the end */
    char *socket;    /* the daemon's socket */
    char *state_dir; /* --state-dir */
    char *uri;       /* marina+unix://<socket> */
    GPid daemon_pid;
    GDBusConnection *conn;
    MarinaDBusHost *host;
} Harness;

Harness *harness_new(void);
void harness_free(Harness *h);
/* cmocka group fixtures: one host for the tests of a file. */
int harness_group_setup(void **state);
int harness_group_teardown(void **state);

void harness_start_daemon(Harness *h);
/* Kill the daemon with @sig and wait for it to go (guests keep running). */
void harness_stop_daemon(Harness *h, int sig);
void harness_connect(Harness *h);
/* A second, independent client connection. */
GDBusConnection *harness_new_connection(Harness *h);

/* Domain XML for the test guest: direct kernel boot, serial console,
 * @extra_devices inserted into <devices> (may be NULL). */
char *harness_guest_xml(const char *name, const char *extra_devices);
const char *harness_guest_dir(void);

MarinaDBusDomain *harness_define(Harness *h, const char *xml);
MarinaDBusDomain *harness_domain(Harness *h, GDBusConnection *conn, const char *object_path);

/* Open serial console 0: returns the fd; appends the scrollback to @acc. */
int harness_open_serial(Harness *h, MarinaDBusDomain *dom, GString *acc);
/* Read from @fd into @acc until @pattern appears (searching from @from) or
 * @timeout_ms passes. Returns TRUE if found. */
gboolean harness_wait_output(int fd, GString *acc, gsize from, const char *pattern, int timeout_ms);
/* Type a line and wait for its output @expect. */
gboolean harness_type_and_wait(int fd, GString *acc, const char *line, const char *expect,
                               int timeout_ms);

/* Wait until the domain's state (GetInfo) is @state; returns the final state. */
guint harness_wait_state(MarinaDBusDomain *dom, guint state, int timeout_ms, guint *reason);

/* Run marinactl -c <uri> ARGS...; returns the exit status. */
int harness_marinactl(Harness *h, char **out, char **err, ...) G_GNUC_NULL_TERMINATED;

/* Files directly in <state>/domains (to prove nothing was written). */
guint harness_count_definitions(Harness *h);

/* Let the main context run for a while (signals arrive). */
void harness_iterate(int ms);
/* Lets the main context run until @cond holds or @timeout_ms passes; the
 * value of @cond at the end. */
#define HARNESS_WAIT_FOR(cond, timeout_ms)                                                         \
    ({                                                                                             \
        gint64 end_ = g_get_monotonic_time() + (gint64)(timeout_ms)*1000;                          \
        while (!(cond) && g_get_monotonic_time() < end_)                                           \
            harness_iterate(10);                                                                   \
        (cond);                                                                                    \
    })

/* Like harness_new(), with more marinad arguments (NULL-terminated), e.g.
 * {"--driver", "test", "--test-file", path, NULL}. */
Harness *harness_new_with_args(const char *const *args);
/* A D-Bus server in this process standing in for marinad (replies and
 * signals the real one never sends), started on a socket in @dir; *uri is
 * what clients open. Connect to its "new-connection" signal. */
GDBusServer *harness_stand_in_server(const char *dir, char **uri);
/* Run marinad with @args (NULL-terminated) on a private socket and state
 * directory and wait (at most @timeout_ms) for it to exit, as for a daemon
 * that must refuse to start. Returns the exit status (-1: still running,
 * killed); @err gets its standard error. */
int harness_run_daemon_expect_exit(const char *const *args, char **err, int timeout_ms);
