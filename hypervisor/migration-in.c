#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "migration-listener.h"
#include "migration-private.h"
#include "migration-stream.h"
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

typedef struct {
    MarinaMigrationMethods *methods;
    char *token;
    MarinaMigration *m; /* back pointer, set once registered */
    MarinaMigrationParams params;
    MarinaDomainConfig *def; /* as it runs here (disk paths of this host) */
    GArray *disks;           /* MarinaMigrationDisk (copy mode: the copied ones) */
    guint n_streams;
    gboolean *connected;
    MarinaMigrationListener *listener;
    GPtrArray *relays;    /* MarinaMigrationRelay* */
    char *nbd_path;       /* copy mode: the NBD server's socket */
    GPtrArray *created;   /* paths of volumes made for this migration */
    GVariant *disk_paths; /* a{ss} for the reply */
    gboolean run_after;   /* the guest ran on the source */
    gboolean offline;     /* a shut-off guest: only the definition moves */
    gboolean preparing;   /* MigratePrepare has not answered yet */
    gboolean aborted;     /* rolled back while preparing: finish the undo */
    gboolean finishing;
    GDBusMethodInvocation *invocation; /* Prepare or Finish, while it waits */
} Incoming;

static void rollback(Incoming *in);

static void
incoming_free(Incoming *in)
{
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

static const char *
source_name(Incoming *in)
{
    return in->params.source_host && *in->params.source_host ? in->params.source_host
                                                             : _("the source host");
}

/* ---------------------------------------------------------------------- */
/* Streams                                                                 */

static void
on_memory_accepted(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GError) error = NULL;

    /* A failure shows as QEMU stopping: Finish reports it. */
    if (!marina_qemu_vm_migrate_in_accept_finish(MARINA_VM(source), result, &error))
        g_warning("Guest '%s': QEMU did not take the migration stream: %s",
                  marina_vm_get_name(MARINA_VM(source)), error->message);
}

static int
connect_nbd(Incoming *in, GError **error)
{
    g_autoptr(GSocket) sock =
        g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
    g_autoptr(GSocketAddress) addr = NULL;

    if (sock == NULL)
        return -1;
    addr = g_unix_socket_address_new(in->nbd_path);
    /* A local unix socket QEMU listens on: connect() completes at once. */
    if (!g_socket_connect(sock, addr, NULL, error))
        return -1;
    return dup(g_socket_get_fd(sock));
}

/* A stream's handshake was read: take it (answer OK, hand it on) or say why
 * not. Takes @fd. */
static char *
accept_stream(MarinaMigrationMethods *methods, int fd, const char *token, guint index)
{
    MarinaMigration *m = marina_migration_registry_lookup(methods->migrations, TRUE, token);
    Incoming *in = m ? m->data : NULL;
    g_autoptr(GError) error = NULL;
    int nbd;

    if (in == NULL || in->preparing || in->aborted) {
        close(fd);
        return g_strdup_printf(_("there is no migration %s on %s (it ended or was rolled back)"),
                               token, marina_migration_this_host());
    }
    if (index >= in->n_streams) {
        close(fd);
        return g_strdup_printf(_("stream %u is out of range: this migration has %u"), index,
                               in->n_streams);
    }
    if (in->connected[index]) {
        close(fd);
        return g_strdup_printf(_("stream %u of this migration is already connected"), index);
    }
    if (index == 0) {
        int pair[2];

        /* QEMU reads the guest through the daemon, not from the socket
         * itself: if this daemon dies, the stream breaks, the source keeps
         * its guest and this QEMU, its input gone, exits. */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            int saved = errno;
            close(fd);
            return g_strdup_printf(_("cannot relay the stream: %s"), g_strerror(saved));
        }
        in->connected[0] = TRUE;
        marina_migration_stream_reply(fd, NULL);
        g_ptr_array_add(in->relays, marina_migration_relay_new(fd, pair[1]));
        marina_qemu_vm_migrate_in_accept_async(m->vm, pair[0], on_memory_accepted, NULL);
        return NULL;
    }
    nbd = connect_nbd(in, &error);
    if (nbd < 0) {
        close(fd);
        return g_strdup_printf(_("the disk export is not available: %s"), error->message);
    }
    in->connected[index] = TRUE;
    /* OK first: the NBD greeting that follows is the source QEMU's to read. */
    marina_migration_stream_reply(fd, NULL);
    g_ptr_array_add(in->relays, marina_migration_relay_new(fd, nbd));
    return NULL;
}

static char *
on_listener_stream(int fd, const char *token, guint index, gpointer data)
{
    return accept_stream(data, fd, token, index);
}

typedef struct {
    MarinaMigrationMethods *methods;
    int fd;
} TunnelEnd;

static void
on_tunnel_request(GObject *source, GAsyncResult *result, gpointer data)
{
    TunnelEnd *te = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL;
    g_autofree char *refusal = NULL;
    guint index;

    if (!marina_migration_stream_read_request_finish(result, &token, &index, &error)) {
        marina_migration_stream_reply(te->fd, error->message);
        close(te->fd);
    } else {
        /* accept_stream takes its own copy; ours answers a refusal. */
        refusal = accept_stream(te->methods, dup(te->fd), token, index);
        if (refusal != NULL)
            marina_migration_stream_reply(te->fd, refusal);
        close(te->fd);
    }
    g_free(te);
}

void
marina_migration_in_open_stream(MarinaMigrationMethods *methods, GDBusMethodInvocation *invocation,
                                MarinaMigration *m, guint index)
{
    Incoming *in = m->data;
    int pair[2];
    TunnelEnd *te;

    if (in->preparing || index >= in->n_streams) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
            _("Migration %s has no stream %u (it has %u)."), m->token, index, in->n_streams);
        return;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        int saved = errno;
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Cannot open a migration stream: %s"), g_strerror(saved));
        return;
    }
    /* The source daemon's handshake comes through the client's relay. */
    te = g_new0(TunnelEnd, 1);
    te->methods = methods;
    te->fd = pair[0];
    marina_migration_stream_read_request_async(pair[0], NULL, on_tunnel_request, te);
    marina_migration_return_fd(invocation, pair[1]);
}

/* ---------------------------------------------------------------------- */
/* Rollback                                                                */

/* The volumes made for a migration are written down until it ends, so a
 * daemon that died meanwhile removes them when it starts again. */
static char *
record_path(const MarinaDaemonConfig *config, const char *token)
{
    return g_strdup_printf("%s/migrations/%s.volumes", config->runtime_dir, token);
}

static void
record_volumes(Incoming *in)
{
    g_autofree char *path = record_path(in->methods->config, in->token);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GString) text = g_string_new(NULL);
    g_autoptr(GError) error = NULL;

    if (in->created == NULL || in->created->len == 0) {
        g_unlink(path);
        return;
    }
    for (guint i = 0; i < in->created->len; i++)
        g_string_append_printf(text, "%s\n", (char *)in->created->pdata[i]);
    if (g_mkdir_with_parents(dir, 0700) != 0 ||
        !g_file_set_contents(path, text->str, (gssize)text->len, &error))
        g_warning("Cannot write down the volumes of a migration in %s: %s", path,
                  error ? error->message : g_strerror(errno));
}

void
marina_migration_in_cleanup(const MarinaDaemonConfig *config)
{
    g_autofree char *dir = g_build_filename(config->runtime_dir, "migrations", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        if (!g_str_has_suffix(name, ".volumes") || !g_file_get_contents(path, &text, NULL, NULL))
            continue;
        lines = g_strsplit(text, "\n", -1);
        for (guint i = 0; lines[i] != NULL; i++) {
            if (!g_path_is_absolute(lines[i]) || !g_file_test(lines[i], G_FILE_TEST_IS_REGULAR))
                continue;
            g_info("Removing %s: the migration it was made for ended with the daemon", lines[i]);
            g_unlink(lines[i]);
        }
        g_unlink(path);
    }
}

static void
remove_created_volumes(Incoming *in)
{
    for (guint i = 0; in->created != NULL && i < in->created->len; i++) {
        const char *path = in->created->pdata[i];
        if (g_unlink(path) != 0 && errno != ENOENT)
            g_warning("Cannot remove %s after the migration failed: %s", path, g_strerror(errno));
        else
            g_info("Removed %s (the migration did not complete)", path);
    }
    if (in->created != NULL)
        g_ptr_array_set_size(in->created, 0);
    record_volumes(in);
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
    remove_created_volumes(in);
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

/* ---------------------------------------------------------------------- */
/* Prepare                                                                 */

/* Prepare failed after the migration was registered: undo, then answer. */
static void
prepare_failed(Incoming *in, GError *error)
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
static gboolean
prepare_goes_on(Incoming *in)
{
    if (!in->aborted)
        return TRUE;
    prepare_failed(in, g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
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
    g_info("Ready to receive guest '%s' from %s (%u stream(s)%s)", in->def->name, source_name(in),
           in->n_streams, in->params.tunnelled ? ", tunnelled" : "");
    marina_dbus_host_complete_migrate_prepare(in->methods->host, invocation, in->m->token,
                                              g_variant_dict_end(&reply));
    g_object_unref(invocation);
}

static void
open_listener(Incoming *in)
{
    GError *error = NULL;

    if (!in->params.tunnelled && in->n_streams > 0) {
        in->listener = marina_migration_listener_new(in->methods->config, on_listener_stream,
                                                     in->methods, &error);
        if (in->listener == NULL) {
            prepare_failed(in, error);
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

    if (!prepare_goes_on(in))
        return;
    if (!marina_qemu_vm_nbd_start_finish(MARINA_VM(source), result, &error)) {
        g_prefix_error(&error, _("Cannot export the disks for the copy: "));
        prepare_failed(in, error);
        return;
    }
    open_listener(in);
}

static void
on_incoming_setup(GObject *source, GAsyncResult *result, gpointer data)
{
    Incoming *in = data;
    GError *error = NULL;
    g_autoptr(GPtrArray) targets = NULL;

    if (!prepare_goes_on(in))
        return;
    if (!marina_qemu_vm_migrate_in_setup_finish(MARINA_VM(source), result, &error)) {
        prepare_failed(in, error);
        return;
    }
    if (in->disks->len == 0 || !in->params.copy_storage) {
        open_listener(in);
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
        prepare_failed(in, error ? error
                                 : g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                               _("The client went away during the migration")));
        return;
    }
    if (!prepare_goes_on(in))
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
static void
create_guest(Incoming *in)
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
    if (in->offline) {
        prepare_reply(in);
        return;
    }
    marina_vm_start_async(vm, MARINA_VM_START_INCOMING, NULL, on_incoming_started, in);
}

/* Refused before anything was made: answer and forget. */
static void
refuse_early(Incoming *in, GError *error)
{
    GDBusMethodInvocation *invocation = g_steal_pointer(&in->invocation);

    g_info("Incoming migration refused: %s", error->message);
    remove_created_volumes(in);
    g_dbus_method_invocation_take_error(invocation, error);
    g_object_unref(invocation);
    incoming_free(in);
}

/* ---- Copy mode: the volumes ------------------------------------------- */

typedef struct {
    Incoming *in;
    guint next;
} VolumeMaking;

static void make_next_volume(VolumeMaking *vm);

static void
on_volume_made(GObject *source, GAsyncResult *result, gpointer data)
{
    VolumeMaking *vmk = data;
    Incoming *in = vmk->in;
    g_autoptr(GError) error = NULL;

    if (!g_subprocess_wait_check_finish(G_SUBPROCESS(source), result, &error)) {
        g_free(vmk);
        refuse_early(in,
                     g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                                 _("Cannot migrate '%s' to %s: the volume %s could not be "
                                   "created (%s)."),
                                 in->def->name, marina_migration_this_host(),
                                 (char *)in->created->pdata[in->created->len - 1], error->message));
        return;
    }
    record_volumes(in);
    make_next_volume(vmk);
}

static MarinaDiskConfig *
def_disk(MarinaDomainConfig *def, const char *target)
{
    for (guint i = 0; i < def->disks->len; i++) {
        MarinaDiskConfig *d = def->disks->pdata[i];
        if (g_strcmp0(d->target_dev, target) == 0)
            return d;
    }
    return NULL;
}

static void
make_next_volume(VolumeMaking *vmk)
{
    Incoming *in = vmk->in;
    MarinaMigrationCheck check = {
        .config = in->methods->config,
        .guests = in->methods->context->registry,
        .def = in->def,
        .params = &in->params,
        .disks = in->disks,
        .host_name = marina_migration_this_host(),
        .find_pool = in->methods->find_pool,
        .find_pool_data = in->methods->find_pool_data,
    };
    const MarinaMigrationDisk *disk;
    g_autofree char *dir = NULL;
    g_autofree char *pool = NULL;
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    g_autofree char *size = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    MarinaDiskConfig *d;
    GError *error = NULL;

    if (vmk->next == in->disks->len) {
        g_free(vmk);
        create_guest(in);
        return;
    }
    disk = &g_array_index(in->disks, MarinaMigrationDisk, vmk->next++);
    d = def_disk(in->def, disk->target);
    pool = marina_migration_check_pick_pool(&check, disk, &dir, &error);
    if (pool != NULL && d == NULL)
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("Migration info names disk %s, which the guest does not have."),
                            disk->target);
    if (error == NULL) {
        name = *disk->volume ? g_strdup(disk->volume) : g_path_get_basename(disk->path);
        path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            error = g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                                _("Cannot migrate '%s' to %s: a volume named '%s' is already "
                                  "in pool '%s' there. Remove or rename it there first."),
                                in->def->name, marina_migration_this_host(), name, pool);
    }
    if (error == NULL) {
        size = g_strdup_printf("%" G_GUINT64_FORMAT, disk->capacity);
        proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                &error, "qemu-img", "create", "-q", "-f", disk->format, path, size,
                                NULL);
    }
    if (proc == NULL) {
        g_free(vmk);
        refuse_early(in, error);
        return;
    }
    g_ptr_array_add(in->created, g_strdup(path));
    g_free(d->source);
    d->source = g_strdup(path);
    g_subprocess_wait_check_async(proc, NULL, on_volume_made, vmk);
}

static void
on_emulator_checked(GObject *source, GAsyncResult *result, gpointer data)
{
    Incoming *in = data;
    GError *error = NULL;
    VolumeMaking *vmk;

    if (!marina_migration_check_emulator_finish(result, &error)) {
        refuse_early(in, error);
        return;
    }
    /* Checked again: another migration may have brought the same guest meanwhile. */
    if (marina_vm_registry_get(in->methods->context->registry, in->def->uuid) != NULL ||
        marina_vm_registry_has_name(in->methods->context->registry, in->def->name)) {
        refuse_early(in, g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                                     _("Cannot migrate '%s' to %s: a guest of that name or UUID "
                                       "is already there."),
                                     in->def->name, marina_migration_this_host()));
        return;
    }
    vmk = g_new0(VolumeMaking, 1);
    vmk->in = in;
    if (!in->params.copy_storage)
        vmk->next = in->disks->len;
    in->created = g_ptr_array_new_with_free_func(g_free);
    make_next_volume(vmk);
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
    if (in->offline && in->params.copy_storage) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                            _("Cannot migrate '%s' to %s: copying the disks of a shut-off guest "
                              "is not available yet. Copy them with the storage tools, or start "
                              "the guest and migrate it live."),
                            in->def->name, marina_migration_this_host());
        goto refuse;
    }
    if (!in->params.copy_storage)
        g_array_set_size(in->disks, 0);
    in->n_streams = in->offline ? 0 : 1 + in->disks->len;
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
    };
    if (!marina_migration_check_destination(&check, &error))
        goto refuse;
    if (in->offline) {
        in->created = g_ptr_array_new_with_free_func(g_free);
        create_guest(in);
        return;
    }
    marina_migration_check_emulator_async(methods->config->emulator, in->def,
                                          marina_migration_this_host(), on_emulator_checked, in);
    return;

refuse:
    refuse_early(in, error);
}

/* ---------------------------------------------------------------------- */
/* Finish                                                                  */

static void
finish_done(Incoming *in)
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
    record_volumes(in);
    g_info("Guest '%s' arrived from %s", marina_vm_get_name(vm), source_name(in));
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
        finish_done(in);
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
    if (in->offline) {
        finish_done(in);
        return;
    }
    if (!in->connected[0]) {
        GDBusMethodInvocation *inv = g_steal_pointer(&in->invocation);
        GError *error = g_error_new(
            MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("The guest never arrived: %s did not send it. Nothing of it was kept here."),
            source_name(in));
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
