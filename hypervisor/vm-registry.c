#define G_LOG_DOMAIN "marinad"

#include "config.h"

#include <glib/gi18n.h>

#include "core/error.h"
#include "vm-registry.h"

struct _MarinaVmRegistry {
    GObject parent_instance;

    GHashTable *by_uuid; /* uuid -> MarinaVm* (owned) */
    GHashTable *by_name; /* name -> MarinaVm* */
    /* The guests that may be running (a running configuration or a state
     * other than shut off): what a statistics round visits, so its cost
     * follows the running guests, not all of them. */
    GHashTable *active; /* MarinaVm* set */
    int next_id;
};

enum { GUEST_EVENT, GUEST_CHANGED, GUEST_REMOVED, GUEST_CONFIG_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(MarinaVmRegistry, marina_vm_registry, G_TYPE_OBJECT)

static void
marina_vm_registry_dispose(GObject *object)
{
    MarinaVmRegistry *self = MARINA_VM_REGISTRY(object);

    g_clear_pointer(&self->active, g_hash_table_unref);
    g_clear_pointer(&self->by_name, g_hash_table_unref);
    g_clear_pointer(&self->by_uuid, g_hash_table_unref);
    G_OBJECT_CLASS(marina_vm_registry_parent_class)->dispose(object);
}

/* The arguments live through the emission: no copies (events are many
 * when thousands of guests start at once). */
static void
marina_vm_registry_class_init(MarinaVmRegistryClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = marina_vm_registry_dispose;
    signals[GUEST_EVENT] = g_signal_new("guest-event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 3, MARINA_TYPE_VM,
                                        G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                                        G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
    signals[GUEST_CHANGED] = g_signal_new(
        "guest-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
        G_TYPE_NONE, 2, MARINA_TYPE_VM, G_TYPE_VARIANT | G_SIGNAL_TYPE_STATIC_SCOPE);
    signals[GUEST_REMOVED] =
        g_signal_new("guest-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, MARINA_TYPE_VM);
    signals[GUEST_CONFIG_CHANGED] = g_signal_new(
        "guest-config-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
        G_TYPE_NONE, 3, MARINA_TYPE_VM, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
        G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static gboolean
unref_guest(gpointer vm)
{
    g_object_unref(vm);
    return G_SOURCE_REMOVE;
}

/* A guest leaving the registry lives on until the main loop is idle: GDBus
 * looks up a call's object (subtree.c's dispatch) one main loop iteration
 * before it runs the call, and a call already looked up must find its guest
 * (the call then answers for a guest that has just gone). */
static void
release_guest(gpointer vm)
{
    g_idle_add_full(G_PRIORITY_LOW, unref_guest, vm, NULL);
}

static void
marina_vm_registry_init(MarinaVmRegistry *self)
{
    self->by_uuid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, release_guest);
    self->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->active = g_hash_table_new(NULL, NULL);
    self->next_id = 1;
}

MarinaVmRegistry *
marina_vm_registry_new(void)
{
    return g_object_new(MARINA_TYPE_VM_REGISTRY, NULL);
}

void
marina_vm_registry_add(MarinaVmRegistry *self, MarinaVm *vm)
{
    g_hash_table_insert(self->by_uuid, g_strdup(marina_vm_get_uuid(vm)), vm);
    g_hash_table_insert(self->by_name, g_strdup(marina_vm_get_name(vm)), vm);
    marina_vm_registry_note_activity(self, vm);
}

void
marina_vm_registry_remove(MarinaVmRegistry *self, MarinaVm *vm)
{
    g_autoptr(MarinaVm) keep = g_object_ref(vm);

    if (g_hash_table_lookup(self->by_uuid, marina_vm_get_uuid(vm)) != vm)
        return;
    g_hash_table_remove(self->active, vm);
    g_hash_table_remove(self->by_name, marina_vm_get_name(vm));
    g_hash_table_remove(self->by_uuid, marina_vm_get_uuid(vm));
    g_signal_emit(self, signals[GUEST_REMOVED], 0, vm);
}

void
marina_vm_registry_renamed(MarinaVmRegistry *self, MarinaVm *vm, const char *old_name)
{
    if (g_hash_table_lookup(self->by_name, old_name) == vm)
        g_hash_table_remove(self->by_name, old_name);
    g_hash_table_insert(self->by_name, g_strdup(marina_vm_get_name(vm)), vm);
}

static gboolean
has_id(gpointer key, gpointer value, gpointer id)
{
    return marina_vm_get_id(value) == GPOINTER_TO_INT(id);
}

MarinaVm *
marina_vm_registry_lookup(MarinaVmRegistry *self, const char *key)
{
    MarinaVm *vm = g_hash_table_lookup(self->by_name, key);
    g_autofree char *uuid = NULL;
    guint64 id;

    if (vm != NULL)
        return vm;
    uuid = marina_uuid_canonicalize(key);
    if (uuid != NULL && (vm = g_hash_table_lookup(self->by_uuid, uuid)) != NULL)
        return vm;
    if (g_ascii_string_to_unsigned(key, 10, 1, G_MAXINT, &id, NULL))
        return g_hash_table_find(self->by_uuid, has_id, GINT_TO_POINTER((int)id));
    return NULL;
}

MarinaVm *
marina_vm_registry_get(MarinaVmRegistry *self, const char *uuid)
{
    return g_hash_table_lookup(self->by_uuid, uuid);
}

gboolean
marina_vm_registry_has_name(MarinaVmRegistry *self, const char *name)
{
    return g_hash_table_contains(self->by_name, name);
}

guint
marina_vm_registry_size(MarinaVmRegistry *self)
{
    return g_hash_table_size(self->by_uuid);
}

void
marina_vm_registry_foreach(MarinaVmRegistry *self, MarinaVmFunc func, gpointer user_data)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->by_uuid);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        func(value, user_data);
}

void
marina_vm_registry_note_activity(MarinaVmRegistry *self, MarinaVm *vm)
{
    gboolean maybe_running =
        marina_vm_get_live(vm) != NULL || marina_vm_get_state(vm, NULL) != MARINA_DOMAIN_SHUTOFF;

    if (maybe_running && g_hash_table_lookup(self->by_uuid, marina_vm_get_uuid(vm)) == vm)
        g_hash_table_add(self->active, vm);
    else
        g_hash_table_remove(self->active, vm);
}

GPtrArray *
marina_vm_registry_list_active(MarinaVmRegistry *self)
{
    GPtrArray *list = g_ptr_array_sized_new(g_hash_table_size(self->active));
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, self->active);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(list, key);
    return list;
}

int
marina_vm_registry_allocate_id(MarinaVmRegistry *self)
{
    return self->next_id++;
}

void
marina_vm_registry_reserve_id(MarinaVmRegistry *self, int id)
{
    self->next_id = MAX(self->next_id, id + 1);
}

/* MACs must be unique on the host: two NICs with one MAC break both. */
static gboolean
check_macs(MarinaDomainConfig *config, const MarinaDomainConfig *other, GError **error)
{
    for (guint i = 0; i < config->interfaces->len; i++) {
        MarinaInterfaceConfig *nic = config->interfaces->pdata[i];
        for (guint j = 0; j < other->interfaces->len; j++) {
            MarinaInterfaceConfig *o = other->interfaces->pdata[j];
            if (!g_str_equal(nic->mac, o->mac))
                continue;
            if (nic->mac_generated) {
                g_free(nic->mac);
                nic->mac = marina_mac_generate();
                i--; /* check the new one again */
                break;
            }
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                        _("MAC address %s is already used by guest '%s'. Remove the <mac> "
                          "element to get a new one."),
                        nic->mac, other->name);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
marina_vm_registry_check_unique(MarinaVmRegistry *self, MarinaDomainConfig *config,
                                MarinaVm *except, GError **error)
{
    MarinaVm *same_name = g_hash_table_lookup(self->by_name, config->name);
    MarinaVm *same_uuid = g_hash_table_lookup(self->by_uuid, config->uuid);
    GHashTableIter iter;
    gpointer value;

    if (same_name != NULL && same_name != except &&
        !g_str_equal(marina_vm_get_uuid(same_name), config->uuid)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("A guest named '%s' already exists (UUID %s). Choose another name."),
                    config->name, marina_vm_get_uuid(same_name));
        return FALSE;
    }
    if (same_uuid != NULL && same_uuid != except &&
        !g_str_equal(marina_vm_get_name(same_uuid), config->name)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("UUID %s is already used by guest '%s'. Remove the <uuid> element to get a "
                      "new one."),
                    config->uuid, marina_vm_get_name(same_uuid));
        return FALSE;
    }
    g_hash_table_iter_init(&iter, self->by_uuid);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const MarinaDomainConfig *other = marina_vm_get_config(value);
        if (!g_str_equal(other->uuid, config->uuid) && !check_macs(config, other, error))
            return FALSE;
    }
    return TRUE;
}

MarinaDiskUsers *
marina_vm_registry_collect_disk_users(MarinaVmRegistry *self)
{
    MarinaDiskUsers *users = marina_disk_users_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, self->by_uuid);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        MarinaVm *vm = value;
        const MarinaDomainConfig *live = marina_vm_get_live(vm);

        /* A guest that is starting has its running configuration already:
         * its disks are about to be opened. */
        marina_disk_users_add_guest(users, marina_vm_get_name(vm),
                                    marina_vm_is_active(vm) || live != NULL,
                                    marina_vm_get_definition(vm), live);
    }
    return users;
}

void
marina_vm_registry_emit_event(MarinaVmRegistry *self, MarinaVm *vm, const char *event,
                              const char *detail)
{
    g_signal_emit(self, signals[GUEST_EVENT], 0, vm, event, detail ? detail : "");
}

void
marina_vm_registry_emit_changed(MarinaVmRegistry *self, MarinaVm *vm, GVariant *properties)
{
    g_signal_emit(self, signals[GUEST_CHANGED], 0, vm, properties);
}

void
marina_vm_registry_emit_config_changed(MarinaVmRegistry *self, MarinaVm *vm, const char *event,
                                       const char *device)
{
    g_signal_emit(self, signals[GUEST_CONFIG_CHANGED], 0, vm, event, device ? device : "");
}
