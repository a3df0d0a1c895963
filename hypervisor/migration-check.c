#define G_LOG_DOMAIN "marinad-migration"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "host-info.h"
#include "migration-check.h"

static gboolean
refuse(GError **error, gint code, const MarinaMigrationCheck *c, const char *problem,
       const char *advice)
{
    g_set_error(error, MARINA_ERROR, code, _("Cannot migrate '%s' to %s: %s %s"), c->def->name,
                c->host_name, problem, advice);
    return FALSE;
}

static gboolean
check_unique(const MarinaMigrationCheck *c, GError **error)
{
    MarinaVm *vm = marina_vm_registry_get(c->guests, c->def->uuid);
    g_autofree char *problem = NULL;
    g_autoptr(MarinaDomainConfig) copy = NULL;

    if (vm != NULL) {
        problem = g_strdup_printf(_("a guest with its UUID %s is already there ('%s')."),
                                  c->def->uuid, marina_vm_get_name(vm));
        return refuse(error, MARINA_ERROR_ALREADY_EXISTS, c, problem,
                      _("Remove that guest there first, or migrate another one."));
    }
    if (marina_vm_registry_has_name(c->guests, c->def->name)) {
        problem = g_strdup_printf(_("a guest named '%s' is already there."), c->def->name);
        return refuse(error, MARINA_ERROR_ALREADY_EXISTS, c, problem,
                      _("Rename or remove that guest there first."));
    }
    /* MAC addresses too (the copy: a generated one may be made again). */
    copy = marina_domain_config_copy(c->def);
    if (!marina_vm_registry_check_unique(c->guests, copy, NULL, error)) {
        g_prefix_error(error, _("Cannot migrate '%s' to %s: "), c->def->name, c->host_name);
        (*error)->code = MARINA_ERROR_ALREADY_EXISTS;
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_memory(const MarinaMigrationCheck *c, GError **error)
{
    MarinaHostMemory memory;
    guint64 need = c->def->memory_kib + c->config->min_mem_kib;
    g_autofree char *problem = NULL;

    if (!marina_host_memory_read(&memory) || !memory.has_available || memory.available_kib >= need)
        return TRUE;
    problem = g_strdup_printf(_("not enough memory there: the guest needs %" PRIu64
                                " MiB, and %s has %" PRIu64 " MiB available and keeps %" PRIu64
                                " MiB for itself (min-mem)."),
                              c->def->memory_kib / 1024, c->host_name, memory.available_kib / 1024,
                              c->config->min_mem_kib / 1024);
    return refuse(error, MARINA_ERROR_INVALID_CONFIG, c, problem,
                  _("Stop guests there, or give this guest less memory before migrating."));
}

/* The URI people give marinactl on the destination for this daemon. */
static const char *
this_uri(const MarinaMigrationCheck *c)
{
    return c->config->system ? "marina:///system" : "marina:///session";
}

/* As libvirt: a guest on a virtual network needs that network defined and
 * running on the destination (its guests attach when it starts there). */
static gboolean
check_network(const MarinaMigrationCheck *c, const MarinaInterfaceConfig *iface, GError **error)
{
    const char *name = iface->source != NULL ? iface->source : "";
    MarinaDaemonNetwork *network =
        c->networks != NULL ? marina_network_registry_lookup(c->networks, name) : NULL;
    g_autofree char *problem = NULL;
    g_autofree char *advice = NULL;

    if (network == NULL) {
        problem = g_strdup_printf(_("network '%s' does not exist there."), name);
        advice = g_strdup_printf(_("Define it on %s (marinactl -c %s net-define FILE), or change "
                                   "the guest's interface before migrating."),
                                 c->host_name, this_uri(c));
        return refuse(error, MARINA_ERROR_INVALID_CONFIG, c, problem, advice);
    }
    if (!marina_daemon_network_is_active(network)) {
        problem = g_strdup_printf(_("network '%s' is not active there."), name);
        advice = g_strdup_printf(_("Start it there first (marinactl -c %s net-start %s)."),
                                 this_uri(c), name);
        return refuse(error, MARINA_ERROR_INVALID_CONFIG, c, problem, advice);
    }
    return TRUE;
}

static gboolean
check_interfaces(const MarinaMigrationCheck *c, GError **error)
{
    for (guint i = 0; i < c->def->interfaces->len; i++) {
        const MarinaInterfaceConfig *iface = c->def->interfaces->pdata[i];
        g_autofree char *problem = NULL;
        g_autofree char *advice = NULL;
        g_autofree char *sys = NULL;

        if (iface->type == MARINA_NET_TYPE_NETWORK) {
            if (!check_network(c, iface, error))
                return FALSE;
            continue;
        }
        if (iface->type != MARINA_NET_TYPE_BRIDGE || iface->source == NULL)
            continue;
        sys = g_build_filename("/sys/class/net", iface->source, "bridge", NULL);
        if (strchr(iface->source, '/') == NULL && g_file_test(sys, G_FILE_TEST_IS_DIR))
            continue;
        problem = g_strdup_printf(_("bridge '%s' does not exist there."), iface->source);
        advice = g_strdup_printf(_("Create it on %s, or change the guest's interface before "
                                   "migrating."),
                                 c->host_name);
        return refuse(error, MARINA_ERROR_INVALID_CONFIG, c, problem, advice);
    }
    return TRUE;
}

/* Shared storage: the same path must be there, usable by this daemon. */
static gboolean
check_shared_disks(const MarinaMigrationCheck *c, GError **error)
{
    for (guint i = 0; i < c->def->disks->len; i++) {
        const MarinaDiskConfig *disk = c->def->disks->pdata[i];
        int mode = disk->readonly || disk->device == MARINA_DISK_DEVICE_CDROM ? R_OK : R_OK | W_OK;
        g_autofree char *problem = NULL;
        int saved;

        if (disk->source == NULL || g_access(disk->source, mode) == 0)
            continue;
        saved = errno;
        problem = g_strdup_printf(_("its disk %s (%s) is not reachable there (%s)."),
                                  disk->target_dev, disk->source, g_strerror(saved));
        return refuse(error, MARINA_ERROR_INVALID_CONFIG, c, problem,
                      _("Put it on storage both hosts share at the same path, or migrate with "
                        "copy-storage."));
    }
    return TRUE;
}

char *
marina_migration_check_pick_pool(const MarinaMigrationCheck *c, const MarinaMigrationDisk *disk,
                                 char **dir, GError **error)
{
    const char *names[] = {disk->pool, "default"};
    g_autofree char *problem = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        guint64 available = 0;
        gboolean active = FALSE;
        g_autofree char *where = NULL;

        if (names[i] == NULL || *names[i] == '\0' || c->find_pool == NULL ||
            !c->find_pool(names[i], &where, &available, &active, c->find_pool_data))
            continue;
        if (!active) {
            problem = g_strdup_printf(_("its storage pool '%s' is not active there."), names[i]);
            refuse(error, MARINA_ERROR_INVALID_CONFIG, c, problem,
                   _("Start the pool there first."));
            return NULL;
        }
        if (available < disk->capacity) {
            problem = g_strdup_printf(
                _("pool '%s' there has %" PRIu64 " MiB free; disk %s needs %" PRIu64 " MiB."),
                names[i], available / (1024 * 1024), disk->target, disk->capacity / (1024 * 1024));
            refuse(error, MARINA_ERROR_INVALID_CONFIG, c, problem,
                   _("Free space in the pool there, or choose shared storage."));
            return NULL;
        }
        *dir = g_steal_pointer(&where);
        return g_strdup(names[i]);
    }
    problem = g_strdup_printf(_("neither pool '%s' nor the pool 'default' exists there for disk "
                                "%s."),
                              disk->pool, disk->target);
    refuse(error, MARINA_ERROR_INVALID_CONFIG, c, problem,
           _("Create a storage pool of that name there (or a 'default' pool)."));
    return NULL;
}

static gboolean
check_copied_disks(const MarinaMigrationCheck *c, GError **error)
{
    for (guint i = 0; i < c->disks->len; i++) {
        const MarinaMigrationDisk *disk = &g_array_index(c->disks, MarinaMigrationDisk, i);
        g_autofree char *dir = NULL;
        g_autofree char *pool = NULL;

        if (disk->readonly)
            continue;
        pool = marina_migration_check_pick_pool(c, disk, &dir, error);
        if (pool == NULL)
            return FALSE;
    }
    return TRUE;
}

gboolean
marina_migration_check_destination(const MarinaMigrationCheck *c, GError **error)
{
    return check_unique(c, error) && check_memory(c, error) && check_interfaces(c, error) &&
           (c->params->copy_storage ? check_copied_disks(c, error) : check_shared_disks(c, error));
}

/* ---------------------------------------------------------------------- */
/* What this host's QEMU offers                                            */

typedef struct {
    GPtrArray *machines; /* char*, NULL until asked */
    GPtrArray *cpus;
} Offer;

static GHashTable *offers; /* emulator -> Offer* */

typedef struct {
    char *emulator;
    MarinaDomainConfig *def;
    char *host_name;
    Offer *offer;
    guint pending;
} EmulatorCheck;

static void
emulator_check_free(EmulatorCheck *ec)
{
    g_free(ec->emulator);
    marina_domain_config_free(ec->def);
    g_free(ec->host_name);
    g_free(ec);
}

static GPtrArray *
parse_names(const char *text, gboolean cpus)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; lines[i] != NULL; i++) {
        g_auto(GStrv) words = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
        guint w = 0;

        if (cpus) {
            /* "x86 Broadwell   Intel Core Processor (Broadwell)" */
            if (words[0] == NULL || !g_str_equal(words[0], "x86"))
                continue;
            for (w = 1; words[w] != NULL && *words[w] == '\0'; w++)
                ;
        } else if (i == 0) {
            continue; /* "Supported machines are:" */
        }
        if (words[w] != NULL && *words[w] != '\0')
            g_ptr_array_add(names, g_strdup(words[w]));
    }
    return names;
}

static gboolean
offered(GPtrArray *names, const char *name)
{
    for (guint i = 0; i < names->len; i++)
        if (g_str_equal(names->pdata[i], name))
            return TRUE;
    return FALSE;
}

static void
emulator_check_conclude(GTask *task)
{
    EmulatorCheck *ec = g_task_get_task_data(task);
    const char *machine = ec->def->machine ? ec->def->machine : "pc";
    const char *model = ec->def->cpu_model;

    if (ec->offer->machines->len > 0 && !offered(ec->offer->machines, machine)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                                _("Cannot migrate '%s' to %s: its machine type '%s' is not "
                                  "offered by QEMU there (%s). Update QEMU there, or migrate to "
                                  "a host with the same QEMU version."),
                                ec->def->name, ec->host_name, machine, ec->emulator);
    } else if (model != NULL && g_strcmp0(ec->def->cpu_mode, "custom") == 0 &&
               ec->offer->cpus->len > 0 && !offered(ec->offer->cpus, model)) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                                _("Cannot migrate '%s' to %s: its CPU model '%s' is not offered "
                                  "by QEMU there (%s). Choose a CPU model both hosts offer."),
                                ec->def->name, ec->host_name, model, ec->emulator);
    } else {
        g_task_return_boolean(task, TRUE);
    }
    g_object_unref(task);
}

static void
on_help(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data;
    EmulatorCheck *ec = g_task_get_task_data(task);
    gboolean cpus = GPOINTER_TO_INT(g_object_get_data(source, "cpus"));
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    GPtrArray **slot = cpus ? &ec->offer->cpus : &ec->offer->machines;

    /* Unknown (QEMU missing or odd): let the start say what is wrong. */
    if (!g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, &out, NULL, &error))
        g_debug("%s help: %s", ec->emulator, error->message);
    if (*slot == NULL)
        *slot = out ? parse_names(out, cpus) : g_ptr_array_new_with_free_func(g_free);
    if (--ec->pending == 0)
        emulator_check_conclude(task);
}

static void
ask(GTask *task, const char *option, gboolean cpus)
{
    EmulatorCheck *ec = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) proc =
        g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                         ec->emulator, option, "help", NULL);

    ec->pending++;
    if (proc == NULL) {
        GPtrArray **slot = cpus ? &ec->offer->cpus : &ec->offer->machines;
        if (*slot == NULL)
            *slot = g_ptr_array_new_with_free_func(g_free);
        ec->pending--;
        return;
    }
    g_object_set_data(G_OBJECT(proc), "cpus", GINT_TO_POINTER(cpus));
    g_subprocess_communicate_utf8_async(proc, NULL, NULL, on_help, task);
}

void
marina_migration_check_emulator_async(const char *emulator, const MarinaDomainConfig *def,
                                      const char *host_name, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
    GTask *task = g_task_new(NULL, NULL, callback, user_data);
    EmulatorCheck *ec = g_new0(EmulatorCheck, 1);

    ec->emulator = g_strdup(def->emulator ? def->emulator : emulator);
    ec->def = marina_domain_config_copy(def);
    ec->host_name = g_strdup(host_name);
    g_task_set_task_data(task, ec, (GDestroyNotify)emulator_check_free);
    if (offers == NULL)
        offers = g_hash_table_new(g_str_hash, g_str_equal);
    ec->offer = g_hash_table_lookup(offers, ec->emulator);
    if (ec->offer == NULL) {
        ec->offer = g_new0(Offer, 1);
        g_hash_table_insert(offers, g_strdup(ec->emulator), ec->offer);
    }
    ec->pending = 1; /* until both are asked */
    if (ec->offer->machines == NULL)
        ask(task, "-machine", FALSE);
    if (ec->offer->cpus == NULL)
        ask(task, "-cpu", TRUE);
    if (--ec->pending == 0)
        emulator_check_conclude(task);
}

gboolean
marina_migration_check_emulator_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}
