#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "access.h"
#include "core/error.h"
#include "migration-private.h"
#include "migration-stream.h"
#include "qemu-vm-migrate.h"
#include "qemu-vm.h"

/*
 * Where the migration methods come in: who may call (every one changes
 * something: the read-only socket is refused), which driver can migrate
 * (the qemu driver; the test driver says so), and the arguments GDBus does
 * not check (token shapes, ranges). Then migration-in.c or migration-out.c.
 */

const char *
marina_migration_this_host(void)
{
    return g_get_host_name();
}

void
marina_migration_return_fd(GDBusMethodInvocation *invocation, int fd)
{
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();

    g_unix_fd_list_append(fds, fd, NULL);
    close(fd);
    g_dbus_method_invocation_return_value_with_unix_fd_list(invocation, g_variant_new("(h)", 0),
                                                            fds);
}

void
marina_migration_return_no_such(GDBusMethodInvocation *invocation, const char *token)
{
    /* The client's rollback ignores this one: nothing is left to undo. */
    g_dbus_method_invocation_return_error(
        invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
        _("There is no migration %s on this host (it ended or was rolled back)."), token);
}

static gboolean
require_qemu(MarinaMigrationMethods *self, GDBusMethodInvocation *invocation)
{
    if (g_type_is_a(self->vm_type, MARINA_TYPE_QEMU_VM))
        return TRUE;
    g_dbus_method_invocation_return_error(
        invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
        _("The %s driver cannot migrate guests: its guests are simulated. Use hosts that run the "
          "qemu driver."),
        self->config->driver);
    return FALSE;
}

static gboolean
require_token(GDBusMethodInvocation *invocation, const char *token)
{
    if (marina_migration_token_is_valid(token))
        return TRUE;
    g_dbus_method_invocation_return_error(
        invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
        _("'%.40s' is not a migration token (32 hexadecimal digits from MigratePrepare)."), token);
    return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Host                                                                    */

static gboolean
handle_prepare(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *xml,
               GVariant *params, MarinaMigrationMethods *self)
{
    if (marina_access_check_writable(invocation) && require_qemu(self, invocation))
        marina_migration_in_prepare(self, invocation, xml, params);
    return TRUE;
}

static gboolean
handle_finish(MarinaDBusHost *host, GDBusMethodInvocation *invocation, const char *token,
              gboolean ok, MarinaMigrationMethods *self)
{
    if (marina_access_check_writable(invocation) && require_qemu(self, invocation) &&
        require_token(invocation, token))
        marina_migration_in_finish(self, invocation, token, ok);
    return TRUE;
}

static gboolean
handle_open_stream(MarinaDBusHost *host, GDBusMethodInvocation *invocation, GUnixFDList *fds,
                   const char *token, guint index, MarinaMigrationMethods *self)
{
    GDBusConnection *conn = g_dbus_method_invocation_get_connection(invocation);
    MarinaMigration *m;

    if (!marina_access_check_writable(invocation) || !require_qemu(self, invocation) ||
        !require_token(invocation, token))
        return TRUE;
    if (!(g_dbus_connection_get_capabilities(conn) & G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING)) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
            _("Migration streams are file descriptors; this connection cannot carry them. Open "
              "them on the host itself (marinad --connect-channel migration)."));
        return TRUE;
    }
    if ((m = marina_migration_registry_lookup(self->migrations, TRUE, token)) != NULL)
        marina_migration_in_open_stream(self, invocation, m, index);
    else if ((m = marina_migration_registry_lookup(self->migrations, FALSE, token)) != NULL)
        marina_migration_out_open_stream(self, invocation, m, index);
    else
        marina_migration_return_no_such(invocation, token);
    return TRUE;
}

void
marina_migration_methods_connect(MarinaMigrationMethods *self)
{
    g_signal_connect(self->host, "handle-migrate-prepare", G_CALLBACK(handle_prepare), self);
    g_signal_connect(self->host, "handle-migrate-finish", G_CALLBACK(handle_finish), self);
    g_signal_connect(self->host, "handle-open-migration-stream", G_CALLBACK(handle_open_stream),
                     self);
}

/* ---------------------------------------------------------------------- */
/* Domain                                                                  */

static gboolean
require_migrating(MarinaMigration *m, MarinaVm *vm, GDBusMethodInvocation *invocation)
{
    if (m != NULL && !m->incoming)
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                          _("Guest '%s' is not migrating from this host."),
                                          marina_vm_get_name(vm));
    return FALSE;
}

static gboolean
require_running(MarinaVm *vm, GDBusMethodInvocation *invocation)
{
    if (marina_vm_is_active(vm))
        return TRUE;
    g_dbus_method_invocation_return_error(invocation, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                                          _("Guest '%s' is not running."), marina_vm_get_name(vm));
    return FALSE;
}

static void
job_info(MarinaMigrationMethods *self, MarinaVm *vm, GDBusMethodInvocation *invocation)
{
    MarinaMigration *m = marina_migration_registry_lookup_vm(self->migrations, vm);
    GVariant *info = m == NULL     ? marina_migration_stats_to_variant(NULL)
                     : m->incoming ? marina_migration_in_job_info(m)
                                   : marina_migration_out_job_info(m);

    marina_dbus_domain_complete_get_job_info(NULL, invocation, info);
}

static void
set_downtime(MarinaVm *vm, GDBusMethodInvocation *invocation, GVariant *params)
{
    guint64 ms;

    g_variant_get(params, "(t)", &ms);
    if (ms == 0 || ms > MARINA_MIGRATION_MAX_DOWNTIME_MS) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("The maximum downtime must be from 1 to %u milliseconds, not %" G_GUINT64_FORMAT "."),
            MARINA_MIGRATION_MAX_DOWNTIME_MS, ms);
        return;
    }
    if (!require_running(vm, invocation))
        return;
    marina_qemu_vm_migrate_set_downtime(vm, ms);
    marina_dbus_domain_complete_migrate_set_max_downtime(NULL, invocation);
}

static void
set_speed(MarinaVm *vm, GDBusMethodInvocation *invocation, GVariant *params)
{
    guint64 bps;

    g_variant_get(params, "(t)", &bps);
    if (bps > MARINA_MIGRATION_MAX_BANDWIDTH) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("The bandwidth must be at most %" G_GUINT64_FORMAT
              " bytes per second (0 = unlimited), not %" G_GUINT64_FORMAT "."),
            MARINA_MIGRATION_MAX_BANDWIDTH, bps);
        return;
    }
    if (!require_running(vm, invocation))
        return;
    marina_qemu_vm_migrate_set_speed(vm, bps);
    marina_dbus_domain_complete_migrate_set_speed(NULL, invocation);
}

void
marina_migration_domain_method(MarinaVm *vm, const char *method, GVariant *params,
                               GDBusMethodInvocation *invocation, gpointer user_data)
{
    MarinaMigrationMethods *self = user_data;
    MarinaMigration *m = NULL;
    GError *error = NULL;
    const char *token;
    gboolean ok;

    /* Reading a job's figures changes nothing (virsh domjobinfo on a
     * read-only connection); a simulated guest never has a job. */
    if (g_str_equal(method, "GetJobInfo")) {
        if (g_type_is_a(self->vm_type, MARINA_TYPE_QEMU_VM))
            job_info(self, vm, invocation);
        else
            marina_dbus_domain_complete_get_job_info(NULL, invocation,
                                                     marina_migration_stats_to_variant(NULL));
        return;
    }
    if (!marina_access_check_writable(invocation) || !require_qemu(self, invocation))
        return;
    m = marina_migration_registry_lookup_vm(self->migrations, vm);
    if (g_str_equal(method, "MigrateBegin")) {
        g_autoptr(GVariant) dict = g_variant_get_child_value(params, 0);
        marina_migration_out_begin(self, vm, invocation, dict);
    } else if (g_str_equal(method, "MigratePerform")) {
        g_autoptr(GVariant) dict = NULL;
        g_variant_get(params, "(&s@a{sv})", &token, &dict);
        if (require_token(invocation, token))
            marina_migration_out_perform(self, vm, invocation, token, dict);
    } else if (g_str_equal(method, "MigrateConfirm")) {
        g_variant_get(params, "(&sb)", &token, &ok);
        if (require_token(invocation, token))
            marina_migration_out_confirm(self, vm, invocation, token, ok);
    } else if (g_str_equal(method, "AbortJob")) {
        if (!require_migrating(m, vm, invocation))
            return;
        if (marina_migration_out_abort(m, &error))
            marina_dbus_domain_complete_abort_job(NULL, invocation);
        else
            g_dbus_method_invocation_take_error(invocation, error);
    } else if (g_str_equal(method, "MigrateSetMaxDowntime")) {
        set_downtime(vm, invocation, params);
    } else if (g_str_equal(method, "MigrateSetSpeed")) {
        set_speed(vm, invocation, params);
    } else if (g_str_equal(method, "MigrateStartPostcopy")) {
        if (!require_migrating(m, vm, invocation))
            return;
        if (marina_qemu_vm_migrate_start_postcopy(vm, &error))
            marina_dbus_domain_complete_migrate_start_postcopy(NULL, invocation);
        else
            g_dbus_method_invocation_take_error(invocation, error);
    } else {
        g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                              "Method %s is not implemented", method);
    }
}
