#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <glib/gi18n.h>

#include "core/error.h"
#include "migration-private.h"
#include "qemu-img.h"
#include "qemu-vm-migrate.h"

/*
 * MigrateBegin (MIGRATION.md step 1): what stops a guest from moving at all
 * from this side, and the definition and facts the destination checks it
 * with (memory, machine, CPU, networks, bridges, the disks copy-storage
 * copies with their sizes from qemu-img).
 */

typedef struct {
    MarinaMigrationMethods *methods;
    GDBusMethodInvocation *invocation;
    MarinaVm *vm;
    char *xml;
    GVariantDict info;
    GVariantBuilder disks;
    MarinaDomainConfig *config;
    guint next;
} Begin;

static void begin_next_disk(Begin *b);

static void
begin_free(Begin *b)
{
    g_object_unref(b->invocation);
    g_object_unref(b->vm);
    g_free(b->xml);
    g_variant_dict_clear(&b->info);
    g_variant_builder_clear(&b->disks);
    marina_domain_config_free(b->config);
    g_free(b);
}

/* A disk that moves with copy-storage: a writable image of the guest. */
gboolean
marina_migration_disk_is_copied(const MarinaDiskConfig *d)
{
    return d->source != NULL && !d->readonly && !d->shareable &&
           d->device == MARINA_DISK_DEVICE_DISK;
}

static void
add_disk(Begin *b, const MarinaDiskConfig *d, guint64 capacity)
{
    g_autofree char *volume = g_path_get_basename(d->source);
    g_autofree char *pool = b->methods->pool_of_path != NULL
                                ? b->methods->pool_of_path(d->source, b->methods->find_pool_data)
                                : NULL;
    GVariantDict disk;

    g_variant_dict_init(&disk, NULL);
    g_variant_dict_insert(&disk, "target", "s", d->target_dev);
    g_variant_dict_insert(&disk, "path", "s", d->source);
    g_variant_dict_insert(&disk, "format", "s", d->format ? d->format : "raw");
    g_variant_dict_insert(&disk, "capacity", "t", capacity);
    g_variant_dict_insert(&disk, "readonly", "b", d->readonly);
    /* The destination puts it in its pool of that name, else its "default". */
    g_variant_dict_insert(&disk, "pool", "s", pool ? pool : "");
    g_variant_dict_insert(&disk, "volume", "s", volume);
    g_variant_builder_add_value(&b->disks, g_variant_dict_end(&disk));
}

static void
on_disk_info(MarinaVolumeConfig *info, const GError *error, gpointer data)
{
    Begin *b = data;
    const MarinaDiskConfig *d = b->config->disks->pdata[b->next - 1];

    if (info == NULL) {
        g_dbus_method_invocation_return_error(
            b->invocation, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
            _("Cannot migrate '%s': its disk %s (%s) cannot be read: %s"), b->config->name,
            d->target_dev, d->source, error ? error->message : "?");
        begin_free(b);
        return;
    }
    add_disk(b, d, info->capacity);
    begin_next_disk(b);
}

static void
begin_next_disk(Begin *b)
{
    const MarinaDiskConfig *d;

    while (b->next < b->config->disks->len &&
           !marina_migration_disk_is_copied(b->config->disks->pdata[b->next]))
        b->next++;
    if (b->next == b->config->disks->len) {
        g_variant_dict_insert_value(&b->info, "disks", g_variant_builder_end(&b->disks));
        marina_dbus_domain_complete_migrate_begin(NULL, b->invocation, b->xml,
                                                  g_variant_dict_end(&b->info));
        begin_free(b);
        return;
    }
    d = b->config->disks->pdata[b->next++];
    marina_qemu_img_info(d->target_dev, d->source, d->format ? d->format : "raw", on_disk_info, b);
}

static GVariant *
interface_sources(const MarinaDomainConfig *c, MarinaNetType type)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_STRING_ARRAY);
    for (guint i = 0; i < c->interfaces->len; i++) {
        const MarinaInterfaceConfig *iface = c->interfaces->pdata[i];
        if (iface->type == type && iface->source != NULL)
            g_variant_builder_add(&b, "s", iface->source);
    }
    return g_variant_builder_end(&b);
}

/* What stops a guest from moving at all, from this side. */
gboolean
marina_migration_out_check_source(MarinaMigrationMethods *methods, MarinaVm *vm,
                                  const MarinaMigrationParams *p, GError **error)
{
    guint reason;
    MarinaDomainState state = marina_vm_get_state(vm, &reason);
    const char *name = marina_vm_get_name(vm);

    if (marina_vm_is_installing(vm)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' is being installed. Let the installation finish before "
                      "migrating it."),
                    name);
        return FALSE;
    }
    if (marina_migration_registry_lookup_vm(methods->migrations, vm) != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' is already migrating. Wait for it, or cancel it with "
                      "AbortJob."),
                    name);
        return FALSE;
    }
    if (marina_vm_is_active(vm) && state != MARINA_DOMAIN_RUNNING &&
        state != MARINA_DOMAIN_PAUSED) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' is %s; only a running or paused guest can move live."), name,
                    marina_domain_state_to_string(state));
        return FALSE;
    }
    if (marina_vm_is_active(vm) && state == MARINA_DOMAIN_PAUSED &&
        reason == MARINA_PAUSED_MIGRATION) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' is paused after a migration that was not confirmed; it may "
                      "already run on the other host. Check there, then resume or stop it "
                      "here."),
                    name);
        return FALSE;
    }
    return TRUE;
}

void
marina_migration_out_begin(MarinaMigrationMethods *methods, MarinaVm *vm,
                           GDBusMethodInvocation *invocation, GVariant *params)
{
    MarinaMigrationParams p;
    GError *error = NULL;
    const MarinaDomainConfig *c = marina_vm_get_config(vm);
    Begin *b;

    if (!marina_migration_params_parse(params, &p, &error) ||
        !marina_migration_out_check_source(methods, vm, &p, &error)) {
        marina_migration_params_clear(&p);
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    b = g_new0(Begin, 1);
    b->methods = methods;
    b->invocation = g_object_ref(invocation); /* the reply takes GDBus' own */
    b->vm = g_object_ref(vm);
    b->config = marina_domain_config_copy(c);
    b->xml = marina_domain_config_to_xml(c);
    g_variant_dict_init(&b->info, NULL);
    g_variant_dict_insert(&b->info, "name", "s", c->name);
    g_variant_dict_insert(&b->info, "uuid", "s", c->uuid);
    g_variant_dict_insert(&b->info, "state", "u", marina_vm_get_state(vm, NULL));
    g_variant_dict_insert(&b->info, "memory-kib", "t", c->memory_kib);
    g_variant_dict_insert(&b->info, "vcpus", "u", c->vcpus);
    g_variant_dict_insert(&b->info, "machine", "s", c->machine ? c->machine : "pc");
    g_variant_dict_insert(&b->info, "cpu-mode", "s", c->cpu_mode ? c->cpu_mode : "");
    g_variant_dict_insert(&b->info, "cpu-model", "s", c->cpu_model ? c->cpu_model : "");
    g_variant_dict_insert(&b->info, "emulator-version", "s",
                          marina_qemu_vm_get_emulator_version(vm));
    g_variant_dict_insert(&b->info, "source-host", "s", marina_migration_this_host());
    g_variant_dict_insert_value(&b->info, "networks",
                                interface_sources(c, MARINA_NET_TYPE_NETWORK));
    g_variant_dict_insert_value(&b->info, "bridges", interface_sources(c, MARINA_NET_TYPE_BRIDGE));
    g_variant_builder_init(&b->disks, G_VARIANT_TYPE("aa{sv}"));
    marina_migration_params_clear(&p);
    begin_next_disk(b);
}
