#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include "guest-startup.h"
#include "install-tree.h"
#include "state-store.h"
#include "test-vm.h"

static MarinaDomainConfig *
load_definition(const MarinaDaemonConfig *settings, const char *uuid)
{
    g_autofree char *path = marina_state_definition_path(settings, uuid);
    g_autofree char *xml = NULL;
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *config;
    gsize len;

    if (!g_file_get_contents(path, &xml, &len, &error)) {
        g_warning("Skipping %s: %s", path, error->message);
        return NULL;
    }
    config = marina_domain_config_parse(xml, (gssize)len, NULL, &error);
    if (config == NULL) {
        /* Never delete what a person may want back: log it and leave it. */
        g_warning("Skipping the definition %s: %s", path, error->message);
        return NULL;
    }
    if (!g_str_equal(config->uuid, uuid)) {
        g_warning("Skipping %s: its <uuid> is %s", path, config->uuid);
        marina_domain_config_free(config);
        return NULL;
    }
    return config;
}

void
marina_guest_startup_load_definitions(const MarinaVmContext *context, GType type)
{
    g_autofree char *dir = g_build_filename(context->config->state_dir, "domains", NULL);
    g_autoptr(GPtrArray) uuids = marina_state_list_uuids(dir, ".xml");

    for (guint i = 0; i < uuids->len; i++) {
        MarinaDomainConfig *config = load_definition(context->config, uuids->pdata[i]);
        MarinaVm *vm;

        if (config == NULL)
            continue;
        if (marina_vm_registry_has_name(context->registry, config->name)) {
            g_warning("Skipping guest %s: the name '%s' is taken", config->uuid, config->name);
            marina_domain_config_free(config);
            continue;
        }
        vm = marina_vm_new(type, context, config, TRUE);
        marina_vm_load_flags(vm);
        marina_vm_registry_add(context->registry, vm);
    }
    g_info("Loaded %u guest definitions", marina_vm_registry_size(context->registry));
}

/* Kernels and initrds of install boots that ended while the daemon was not
 * running (or crashed mid-download) are of no use to anyone. */
void
marina_guest_startup_clean_installs(const MarinaVmContext *context)
{
    g_autofree char *root = g_build_filename(context->config->state_dir, "install", NULL);
    g_autoptr(GDir) dir = g_dir_open(root, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        MarinaVm *vm = marina_vm_registry_get(context->registry, name);
        g_autofree char *path = NULL;

        if (vm != NULL && marina_vm_is_installing(vm))
            continue;
        path = g_build_filename(root, name, NULL);
        marina_install_tree_remove_dir(path);
    }
}

void
marina_guest_startup_reattach(const MarinaVmContext *context, GType type)
{
    g_autofree char *dir = g_build_filename(context->config->runtime_dir, "domains", NULL);
    g_autoptr(GPtrArray) uuids = marina_state_list_uuids(dir, ".state");

    for (guint i = 0; i < uuids->len; i++) {
        const char *uuid = uuids->pdata[i];
        MarinaVm *vm = marina_vm_registry_get(context->registry, uuid);
        gboolean created = FALSE;
        g_autoptr(GError) error = NULL;

        if (vm == NULL) {
            /* A transient guest: its live XML is its only definition. */
            g_autofree char *xml_path = marina_state_live_xml_path(context->config, uuid);
            g_autofree char *xml = NULL;
            MarinaDomainConfig *config = NULL;

            if (g_file_get_contents(xml_path, &xml, NULL, NULL))
                config = marina_domain_config_parse(xml, -1, NULL, NULL);
            if (config == NULL) {
                g_warning("Cannot re-attach guest %s: no readable configuration", uuid);
                continue;
            }
            vm = marina_vm_new(type, context, config, FALSE);
            created = TRUE;
        }
        if (marina_vm_reattach(vm, &error)) {
            if (created)
                marina_vm_registry_add(context->registry, vm);
            marina_vm_registry_reserve_id(context->registry, marina_vm_get_id(vm));
        } else {
            g_info("%s", error->message);
            if (created)
                g_object_unref(vm);
        }
    }
}

typedef struct {
    guint delay_ms;
    GPtrArray *queue; /* MarinaVm* to start, in order */
} AutostartData;

static void autostart_next(AutostartData *ad);

static void
on_autostarted(GObject *source, GAsyncResult *result, gpointer data)
{
    AutostartData *ad = data;
    g_autoptr(GError) error = NULL;

    if (!marina_vm_start_finish(MARINA_VM(source), result, &error))
        g_warning("Autostart of guest '%s' failed: %s", marina_vm_get_name(MARINA_VM(source)),
                  error->message);
    if (ad->delay_ms > 0)
        g_timeout_add_once(ad->delay_ms, (GSourceOnceFunc)autostart_next, ad);
    else
        autostart_next(ad);
}

static void
autostart_next(AutostartData *ad)
{
    while (ad->queue->len > 0) {
        MarinaVm *vm = g_ptr_array_steal_index(ad->queue, 0);
        gboolean startable = !marina_vm_is_active(vm);

        if (startable) {
            g_info("Autostarting guest '%s'", marina_vm_get_name(vm));
            marina_vm_start_async(vm, 0, NULL, on_autostarted, ad);
            g_object_unref(vm);
            return;
        }
        g_object_unref(vm);
    }
    g_ptr_array_unref(ad->queue);
    g_free(ad);
}

typedef struct {
    GPtrArray *queue;
    gboolean saved; /* this pass takes the guests with a managed save */
} AutostartPass;

static void
queue_autostart(MarinaVm *vm, gpointer data)
{
    AutostartPass *pass = data;
    gboolean saved = marina_vm_has_managed_save(vm);

    if (marina_vm_get_autostart(vm) && !marina_vm_is_active(vm) && saved == pass->saved)
        g_ptr_array_add(pass->queue, g_object_ref(vm));
}

void
marina_guest_startup_autostart(const MarinaVmContext *context)
{
    AutostartData *ad = g_new0(AutostartData, 1);

    ad->delay_ms = context->config->autostart_delay_ms;
    ad->queue = g_ptr_array_new_with_free_func(g_object_unref);
    marina_vm_registry_foreach(context->registry, queue_autostart,
                               &(AutostartPass){ad->queue, TRUE});
    marina_vm_registry_foreach(context->registry, queue_autostart,
                               &(AutostartPass){ad->queue, FALSE});
    autostart_next(ad);
}

/* The test driver's guests: all persistent, in memory only. Each takes its
 * configuration out of @node (a copy would double the memory of 10 000
 * guests); the node's domain list is empty afterwards. */
void
marina_guest_startup_load_test(const MarinaVmContext *context, GType type, MarinaTestNode *node)
{
    GPtrArray *domains = node->domains;
    guint n = domains->len;

    for (guint i = 0; i < n; i++) {
        MarinaTestDomain *d = domains->pdata[i];
        MarinaVm *vm = marina_vm_new(type, context, g_steal_pointer(&d->config), TRUE);

        marina_vm_registry_add(context->registry, vm);
        marina_test_vm_set_initial_state(MARINA_TEST_VM(vm), d->state);
    }
    g_ptr_array_set_size(domains, 0);
    g_info("Loaded %u simulated guests", n);
}
