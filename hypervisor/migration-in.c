#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "migration-in-private.h"
#include "qemu-vm-migrate.h"
#include "qemu-vm.h"

/*
 * This host receives a guest (MIGRATION.md steps 2 and 4): MigratePrepare
 * checks, creates the volumes of copied disks, starts QEMU waiting for the
 * guest (a transient guest, paused, reason migration), exports the copied
 * disks over NBD and opens the listener; the streams arrive (listener or
 * OpenMigrationStream); MigrateFinish waits for the guest and lets it run,
 * or rolls everything back. So does the client's connection closing before
 * MigrateFinish.
 */

static void rollback(Incoming *in);

static void
incoming_free(Incoming *in)
{
    g_clear_handle_id(&in->sockets_wait, g_source_remove);
    marina_migration_in_stop_exporters(in);
    marina_migration_listener_free(in->listener);
    g_clear_pointer(&in->relays, g_ptr_array_unref);
    if (in->nbd_path != NULL)
        g_unlink(in->nbd_path);
    g_free(in->nbd_path);
    marina_migration_params_clear(&in->params);
    marina_domain_config_free(in->def);
    g_clear_pointer(&in->disks, g_array_unref);
    g_free(in->connected);
    g_clear_pointer(&in->created, g_ptr_array_unref);
    g_clear_pointer(&in->disk_paths, g_variant_unref);
    g_clear_object(&in->invocation);
    g_free(in->token);
    g_free(in);
}

const char *
marina_migration_in_source_name(Incoming *in)
{
    return in->params.source_host && *in->params.source_host ? in->params.source_host
                                                             : _("the source host");
}

/* Everything the migration made here goes: QEMU, the transient guest, the
 * volumes, the NBD socket, the listener. */
static void
rollback(Incoming *in)
{
    MarinaMigration *m = in->m;
    MarinaVm *vm = m->vm;

    if (in->preparing) {
        /* The step in flight finishes the undo. */
        in->aborted = TRUE;
        return;
    }
    g_info("Rolling back the incoming migration of '%s'", marina_vm_get_name(vm));
    g_clear_pointer(&in->listener, marina_migration_listener_free);
    if (in->relays != NULL)
        g_ptr_array_set_size(in->relays, 0);
    if (marina_vm_is_active(vm)) {
        /* A transient guest leaves the registry once QEMU has gone. */
        marina_qemu_vm_kill(vm);
    } else if (!marina_vm_is_persistent(vm) &&
               marina_vm_registry_get(in->methods->context->registry, marina_vm_get_uuid(vm)) ==
                   vm) {
        marina_vm_registry_remove(in->methods->context->registry, vm);
    }
    marina_migration_in_remove_volumes(in);
    marina_migration_registry_remove(in->methods->migrations, m);
}

static void
on_owner_closed(MarinaMigration *m)
{
    Incoming *in = m->data;

    /* Until Finish, a guest nobody will finish is only a leftover. */
    if (!in->finishing)
        rollback(in);
}

/* Prepare failed after the migration was registered: undo, then answer. */
void
marina_migration_in_prepare_failed(Incoming *in, GError *error)
{
    GDBusMethodInvocation *invocation = g_steal_pointer(&in->invocation);

    in->preparing = FALSE;
    g_info("Incoming migration refused: %s", error->message);
    rollback(in);
    g_dbus_method_invocation_take_error(invocation, error);
    g_object_unref(invocation);
}

/* After each step of Prepare: FALSE (and everything undone) when the
 * client went away meanwhile. */
gboolean
marina_migration_in_prepare_goes_on(Incoming *in)
{
    if (!in->aborted)
        return TRUE;
    marina_migration_in_prepare_failed(in,
                                       g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                                   _("The client went away during the migration")));
    return FALSE;
}

static void
prepare_reply(Incoming *in)
{
    GDBusMethodInvocation *invocation = g_steal_pointer(&in->invocation);
    GVariantDict reply;

    in->preparing = FALSE;
    g_variant_dict_init(&reply, NULL);
    g_variant_dict_insert(&reply, "address", "s",
                          in->listener ? marina_migration_listener_get_address(in->listener) : "");
    g_variant_dict_insert(&reply, "port", "q",
                          in->listener ? marina_migration_listener_get_port(in->listener) : 0);
    g_variant_dict_insert(&reply, "streams", "u", in->n_streams);
    g_variant_dict_insert_value(&reply, "disk-paths", in->disk_paths);
    g_info("Ready to receive guest '%s' from %s (%u stream(s)%s)", in->def->name,
           marina_migration_in_source_name(in), in->n_streams,
           in->params.tunnelled ? ", tunnelled" : "");
    marina_dbus_host_complete_migrate_prepare(in->methods->host, invocation, in->m->token,
                                              g_variant_dict_end(&reply));
    g_object_unref(invocation);
}

void
marina_migration_in_open_listener(Incoming *in)
{
    GError *error = NULL;

    if (!in->params.tunnelled && in->n_streams > 0) {
        in->listener = marina_migration_listener_new(
            in->methods->config, marina_migration_in_listener_stream, in->methods, &error);
        if (in->listener == NULL) {
            marina_migration_in_prepare_failed(in, error);
            return;
        }
    }
    prepare_reply(in);
}

static void
on_nbd_started(GObject *source, GAsyncResult *result, gpointer data)
{
    Incoming *in = data;
    GError *error = NULL;

    if (!marina_migration_in_prepare_goes_on(in))
        return;
    if (!marina_qemu_vm_nbd_start_finish(MARINA_VM(source), result, &error)) {
        g_prefix_error(&error, _("Cannot export the disks for the copy: "));
        marina_migration_in_prepare_failed(in, error);
        return;
    }
    marina_migration_in_open_listener(in);
}

static void
on_incoming_setup(GObject *source, GAsyncResult *result, gpointer data)
{
    Incoming *in = data;
    GError *error = NULL;
    g_autoptr(GPtrArray) targets = NULL;

    if (!marina_migration_in_prepare_goes_on(in))
        return;
    if (!marina_qemu_vm_migrate_in_setup_finish(MARINA_VM(source), result, &error)) {
        marina_migration_in_prepare_failed(in, error);
        return;
    }
    if (in->disks->len == 0 || !in->params.copy_storage) {
        marina_migration_in_open_listener(in);
        return;
    }
    targets = g_ptr_array_new();
    for (guint i = 0; i < in->disks->len; i++)
        g_ptr_array_add(targets, (char *)g_array_index(in->disks, MarinaMigrationDisk, i).target);
    g_ptr_array_add(targets, NULL);
    in->nbd_path =
        g_strdup_printf("%s/migration-%.8s.nbd", in->methods->config->runtime_dir, in->m->token);
    g_unlink(in->nbd_path);
    marina_qemu_vm_nbd_start_async(MARINA_VM(source), in->nbd_path, (char **)targets->pdata,
                                   on_nbd_started, in);
}

static void
on_incoming_started(GObject *source, GAsyncResult *result, gpointer data)
{
    Incoming *in = data;
    GError *error = NULL;

    if (!marina_vm_start_finish(MARINA_VM(source), result, &error)) {
        if (in->aborted)
            g_clear_error(&error);
        marina_migration_in_prepare_failed(
            in, error ? error
                      : g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                    _("The client went away during the migration")));
        return;
    }
    if (!marina_migration_in_prepare_goes_on(in))
        return;
    marina_qemu_vm_migrate_in_setup_async(MARINA_VM(source), in->params.postcopy, on_incoming_setup,
                                          in);
}

static GVariant *
disk_paths(const MarinaDomainConfig *def)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
    for (guint i = 0; i < def->disks->len; i++) {
        const MarinaDiskConfig *d = def->disks->pdata[i];
        if (d->source != NULL)
            g_variant_builder_add(&b, "{ss}", d->target_dev, d->source);
    }
    return g_variant_ref_sink(g_variant_builder_end(&b));
}

/* The guest exists here from now on (listed, transient, paused). */
void
marina_migration_in_create_guest(Incoming *in)
{
    MarinaMigrationMethods *methods = in->methods;
    MarinaVm *vm = marina_vm_new(methods->vm_type, methods->context,
                                 marina_domain_config_copy(in->def), FALSE);
    in->disk_paths = disk_paths(in->def);
    marina_vm_registry_add(methods->context->registry, vm);
    marina_dbus_host_emit_domain_added(methods->host, marina_vm_get_object_path(vm),
                                       marina_vm_get_name(vm), marina_vm_get_uuid(vm));
    in->m = marina_migration_registry_add(methods->migrations, TRUE, in->token, vm,
                                          g_dbus_method_invocation_get_connection(in->invocation),
                                          on_owner_closed, in, (GDestroyNotify)incoming_free);
    if (in->offline && in->disks->len > 0) {
        marina_migration_in_start_exporters(in);
        return;
    }
    if (in->offline) {
        prepare_reply(in);
        return;
    }
    marina_vm_start_async(vm, MARINA_VM_START_INCOMING, NULL, on_incoming_started, in);
}

/* Refused before anything was made: answer and forget. */
void
marina_migration_in_refuse(Incoming *in, GError *error)
{
    GDBusMethodInvocation *invocation = g_steal_pointer(&in->invocation);

    g_info("Incoming migration refused: %s", error->message);
    marina_migration_in_remove_volumes(in);
    g_dbus_method_invocation_take_error(invocation, error);
    g_object_unref(invocation);
    incoming_free(in);
}

static void
on_emulator_checked(GObject *source, GAsyncResult *result, gpointer data)
{
    Incoming *in = data;
    GError *error = NULL;

    if (!marina_migration_check_emulator_finish(result, &error)) {
        marina_migration_in_refuse(in, error);
        return;
    }
    /* Checked again: another migration may have brought the same guest meanwhile. */
    if (marina_vm_registry_get(in->methods->context->registry, in->def->uuid) != NULL ||
        marina_vm_registry_has_name(in->methods->context->registry, in->def->name)) {
        marina_migration_in_refuse(
            in, g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                            _("Cannot migrate '%s' to %s: a guest of that name or UUID "
                              "is already there."),
                            in->def->name, marina_migration_this_host()));
        return;
    }
    marina_migration_in_make_volumes(in);
}

static Incoming *
incoming_new(MarinaMigrationMethods *methods, GDBusMethodInvocation *invocation)
{
    Incoming *in = g_new0(Incoming, 1);

    in->methods = methods;
    in->token = marina_migration_token_new();
    in->invocation = g_object_ref(invocation);
    in->preparing = TRUE;
    in->relays = g_ptr_array_new_with_free_func((GDestroyNotify)marina_migration_relay_free);
    in->disks = marina_migration_disks_new();
    return in;
}

void
marina_migration_in_prepare(MarinaMigrationMethods *methods, GDBusMethodInvocation *invocation,
                            const char *xml, GVariant *params)
{
    Incoming *in = incoming_new(methods, invocation);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    GError *error = NULL;
    MarinaMigrationCheck check = {0};
    guint state;

    if (!marina_migration_params_parse(params, &in->params, &error) ||
        !marina_migration_info_disks(in->params.info, in->disks, &error) ||
        (in->def = marina_domain_config_parse(xml, -1, warnings, &error)) == NULL)
        goto refuse;
    state = marina_migration_info_uint32(in->params.info, "state", MARINA_DOMAIN_RUNNING);
    in->offline = state == MARINA_DOMAIN_SHUTOFF;
    in->run_after = state != MARINA_DOMAIN_PAUSED;
    if (!in->params.copy_storage)
        g_array_set_size(in->disks, 0);
    in->n_streams = in->offline && !in->params.copy_storage ? 0 : 1 + in->disks->len;
    in->connected = g_new0(gboolean, in->n_streams + 1);
    check = (MarinaMigrationCheck){
        .config = methods->config,
        .guests = methods->context->registry,
        .def = in->def,
        .params = &in->params,
        .disks = in->disks,
        .host_name = marina_migration_this_host(),
        .find_pool = methods->find_pool,
        .find_pool_data = methods->find_pool_data,
        .networks = methods->context->networks,
    };
    if (!marina_migration_check_destination(&check, &error))
        goto refuse;
    if (in->offline && !in->params.copy_storage) {
        in->created = g_ptr_array_new_with_free_func(g_free);
        marina_migration_in_create_guest(in);
        return;
    }
    marina_migration_check_emulator_async(methods->config->emulator, in->def,
                                          marina_migration_this_host(), on_emulator_checked, in);
    return;

refuse:
    marina_migration_in_refuse(in, error);
}

void
marina_migration_in_finish_done(Incoming *in)
{
    GDBusMethodInvocation *invocation = g_steal_pointer(&in->invocation);
    MarinaMigration *m = in->m;
    g_autoptr(MarinaVm) vm = g_object_ref(m->vm);
    g_autoptr(GError) error = NULL;
    MarinaMigrationMethods *methods = in->methods;

    if (in->params.persistent || in->offline) {
        /* The definition as it runs here: the disk paths of this host. */
        if (!marina_vm_save_definition(vm, marina_domain_config_copy(in->def), &error))
            g_warning("Guest '%s' arrived but its definition could not be written: %s",
                      marina_vm_get_name(vm), error->message);
        else
            marina_vm_emit_event(vm, "defined", "migrated");
    }
    /* The volumes are the guest's now. */
    g_ptr_array_set_size(in->created, 0);
    marina_migration_in_record_volumes(in);
    g_info("Guest '%s' arrived from %s", marina_vm_get_name(vm),
           marina_migration_in_source_name(in));
    marina_migration_registry_remove(methods->migrations, m);
    marina_dbus_host_complete_migrate_finish(methods->host, invocation,
                                             marina_vm_get_object_path(vm));
    g_object_unref(invocation);
}

static void
on_arrived(GObject *source, GAsyncResult *result, gpointer data)
{
    MarinaMigrationMethods *methods = data;
    MarinaVm *vm = MARINA_VM(source);
    MarinaMigration *m = marina_migration_registry_lookup_vm(methods->migrations, vm);
    Incoming *in = m && m->incoming ? m->data : NULL;
    GError *error = NULL;
    GDBusMethodInvocation *invocation;

    if (in == NULL)
        return;
    if (marina_qemu_vm_migrate_in_finish_finish(vm, result, &error)) {
        if (in->nbd_path != NULL)
            marina_qemu_vm_nbd_stop(vm);
        marina_migration_in_finish_done(in);
        return;
    }
    invocation = g_steal_pointer(&in->invocation);
    in->finishing = FALSE;
    rollback(in);
    g_dbus_method_invocation_take_error(invocation, error);
    g_object_unref(invocation);
}

static void
on_rolled_back(GObject *source, GAsyncResult *result, gpointer data)
{
    marina_dbus_host_complete_migrate_finish(NULL, data, "/");
}

void
marina_migration_in_finish_failed(Incoming *in, GError *error)
{
    GDBusMethodInvocation *invocation = g_steal_pointer(&in->invocation);

    in->finishing = FALSE;
    rollback(in);
    g_dbus_method_invocation_take_error(invocation, error);
    g_object_unref(invocation);
}

void
marina_migration_in_finish(MarinaMigrationMethods *methods, GDBusMethodInvocation *invocation,
                           const char *token, gboolean ok)
{
    MarinaMigration *m = marina_migration_registry_lookup(methods->migrations, TRUE, token);
    Incoming *in = m ? m->data : NULL;

    if (in == NULL) {
        marina_migration_return_no_such(invocation, token);
        return;
    }
    if (in->finishing || in->preparing) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            in->preparing ? _("Migration %s is still being prepared.")
                          : _("Migration %s is already finishing."),
            token);
        return;
    }
    if (!ok) {
        g_autoptr(MarinaVm) vm = g_object_ref(m->vm);
        /* Answered once the guest's QEMU has gone: the client may check. */
        if (marina_vm_is_active(vm)) {
            GTask *wait = g_task_new(vm, NULL, on_rolled_back, invocation);
            marina_vm_add_stop_waiter(vm, wait);
            g_object_unref(wait);
            rollback(in);
            return;
        }
        rollback(in);
        marina_dbus_host_complete_migrate_finish(methods->host, invocation, "/");
        return;
    }
    /* From here the guest is this host's to finish, whoever watches. */
    marina_migration_unbind(m);
    in->finishing = TRUE;
    /* Answered when the guest has arrived (with the one reference GDBus
     * gave us; ours goes after, as for Prepare). */
    in->invocation = g_object_ref(invocation);
    if (in->offline && in->exporters == NULL) {
        marina_migration_in_finish_done(in);
        return;
    }
    if (in->offline) {
        marina_migration_in_wait_exporters(in);
        return;
    }
    if (!in->connected[0]) {
        GDBusMethodInvocation *inv = g_steal_pointer(&in->invocation);
        GError *error = g_error_new(
            MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("The guest never arrived: %s did not send it. Nothing of it was kept here."),
            marina_migration_in_source_name(in));
        in->finishing = FALSE;
        rollback(in);
        g_dbus_method_invocation_take_error(inv, error);
        g_object_unref(inv);
        return;
    }
    marina_qemu_vm_migrate_in_finish_async(m->vm, in->run_after, on_arrived, methods);
}

GVariant *
marina_migration_in_job_info(MarinaMigration *m)
{
    Incoming *in = m->data;
    GVariantDict d;

    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "type", "s", "migration");
    g_variant_dict_insert(&d, "phase", "s",
                          in->preparing ? "setup"
                          : in->connected != NULL && in->n_streams > 0 && in->connected[0]
                              ? "memory"
                              : "setup");
    return g_variant_dict_end(&d);
}
