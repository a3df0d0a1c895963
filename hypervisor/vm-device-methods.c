#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "access.h"
#include "core/error.h"
#include "vm-private.h"

/*
 * Domain.AttachDevice / DetachDevice / UpdateDevice / ResizeDisk: one device
 * of a guest changed in its running configuration (through the driver: QMP
 * hot-plug, media change, link state) and / or in its persistent
 * definition. Everything that can be checked is checked before anything
 * changes; the live change comes first and, when it fails, nothing is saved.
 */

/* A device element is small; a whole domain is at most 1 MiB. */
#define DEVICE_XML_MAX (64 * 1024)
#define AFFECT_LIVE 1u
#define AFFECT_CONFIG 2u
/* UpdateDevice only: a CD-ROM's medium changes even if the guest locked the tray. */
#define UPDATE_FORCE 4u
/* 1 PiB: far beyond any real disk, small enough for every QEMU size field. */
#define RESIZE_MAX (G_GUINT64_CONSTANT(1) << 50)

typedef enum {
    OP_ATTACH,
    OP_DETACH,
    OP_UPDATE,
} DeviceOp;

typedef struct {
    MarinaVm *vm;
    GDBusMethodInvocation *invocation;
    DeviceOp op;
    MarinaDevice *device;        /* what the caller sent, parsed */
    MarinaDevice *current;       /* the running configuration's entry (detach, update) */
    MarinaDomainConfig *new_def; /* the definition to save, or NULL */
    GPtrArray *warnings;
    char *name; /* the device as ConfigChanged names it */
    gboolean force;
} DeviceCall;

static void
device_call_free(DeviceCall *call)
{
    g_object_unref(call->vm);
    g_object_unref(call->invocation);
    g_clear_pointer(&call->device, marina_device_free);
    g_clear_pointer(&call->current, marina_device_free);
    g_clear_pointer(&call->new_def, marina_domain_config_free);
    g_ptr_array_unref(call->warnings);
    g_free(call->name);
    g_free(call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DeviceCall, device_call_free)

/* The list of @config that holds devices of @kind, or NULL for the single
 * devices (watchdog, balloon, TPM, host devices). */
static GPtrArray *
device_list(const MarinaDomainConfig *config, MarinaDeviceKind kind)
{
    switch (kind) {
    case MARINA_DEVICE_DISK:
        return config->disks;
    case MARINA_DEVICE_CONTROLLER:
        return config->controllers;
    case MARINA_DEVICE_INTERFACE:
        return config->interfaces;
    case MARINA_DEVICE_SERIAL:
        return config->serials;
    case MARINA_DEVICE_CONSOLE:
        return config->consoles;
    case MARINA_DEVICE_GRAPHICS:
        return config->graphics;
    case MARINA_DEVICE_VIDEO:
        return config->videos;
    case MARINA_DEVICE_INPUT:
        return config->inputs;
    case MARINA_DEVICE_SOUND:
        return config->sounds;
    case MARINA_DEVICE_RNG:
        return config->rngs;
    default:
        return NULL;
    }
}

static const char *
kind_word(MarinaDeviceKind kind)
{
    static const char *const words[] = {
        [MARINA_DEVICE_DISK] = "disk",         [MARINA_DEVICE_CONTROLLER] = "controller",
        [MARINA_DEVICE_INTERFACE] = "net",     [MARINA_DEVICE_SERIAL] = "serial",
        [MARINA_DEVICE_CONSOLE] = "console",   [MARINA_DEVICE_GRAPHICS] = "graphics",
        [MARINA_DEVICE_VIDEO] = "video",       [MARINA_DEVICE_INPUT] = "input",
        [MARINA_DEVICE_SOUND] = "sound",       [MARINA_DEVICE_HOSTDEV] = "hostdev",
        [MARINA_DEVICE_WATCHDOG] = "watchdog", [MARINA_DEVICE_RNG] = "rng",
        [MARINA_DEVICE_TPM] = "tpm",           [MARINA_DEVICE_MEMBALLOON] = "memballoon",
    };

    return (guint)kind < G_N_ELEMENTS(words) && words[kind] != NULL ? words[kind] : "device";
}

/* How ConfigChanged names it: a disk's target, an interface's MAC, else the
 * kind and its place ("graphics0"). */
static char *
device_event_name(const MarinaDevice *device, int index)
{
    if (device->kind == MARINA_DEVICE_DISK)
        return g_strdup(((const MarinaDiskConfig *)device->config)->target_dev);
    if (device->kind == MARINA_DEVICE_INTERFACE)
        return g_strdup(((const MarinaInterfaceConfig *)device->config)->mac);
    return g_strdup_printf("%s%d", kind_word(device->kind), MAX(index, 0));
}

static gboolean
is_media_device(const MarinaDevice *device)
{
    const MarinaDiskConfig *disk = device->config;

    return device->kind == MARINA_DEVICE_DISK &&
           (disk->device == MARINA_DISK_DEVICE_CDROM || disk->device == MARINA_DISK_DEVICE_FLOPPY);
}

static const char *
op_event(const DeviceCall *call)
{
    switch (call->op) {
    case OP_ATTACH:
        return "device-attached";
    case OP_DETACH:
        return "device-detached";
    case OP_UPDATE:
        return is_media_device(call->device) ? "media-changed" : "device-updated";
    }
    return "device-updated";
}

/* The entry of @config @device names. An update names a display by its
 * type, as libvirt does: what changes (the password) cannot also be what
 * finds it. */
static int
find_index(const MarinaDomainConfig *config, DeviceOp op, const MarinaDevice *device,
           GError **error)
{
    const MarinaGraphicsConfig *want = device->config;

    if (op != OP_UPDATE || device->kind != MARINA_DEVICE_GRAPHICS)
        return marina_domain_config_find_device(config, device, error);
    for (guint i = 0; i < config->graphics->len; i++) {
        const MarinaGraphicsConfig *g = config->graphics->pdata[i];
        if (g_strcmp0(g->type, want->type) == 0)
            return (int)i;
    }
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                _("Guest '%s' has no %s display."), config->name, want->type ? want->type : "");
    return -1;
}

/* UpdateDevice of a display (see find_index), checked as a whole config. */
static gboolean
replace_graphics(MarinaDomainConfig *config, const MarinaDevice *device, GError **error)
{
    int index = find_index(config, OP_UPDATE, device, error);
    MarinaDevice *copy;
    gpointer old;

    if (index < 0)
        return FALSE;
    copy = marina_device_copy(device);
    old = config->graphics->pdata[index];
    config->graphics->pdata[index] = copy->config;
    if (!marina_domain_config_validate(config, error)) {
        config->graphics->pdata[index] = old;
        marina_device_free(copy);
        return FALSE;
    }
    copy->config = old;
    marina_device_free(copy);
    return TRUE;
}

static gboolean
apply_op_checked(MarinaDomainConfig *config, DeviceOp op, const MarinaDevice *device,
                 GError **error)
{
    if (op == OP_UPDATE && device->kind == MARINA_DEVICE_GRAPHICS)
        return replace_graphics(config, device, error);
    switch (op) {
    case OP_ATTACH:
        return marina_domain_config_add_device(config, device, error);
    case OP_DETACH:
        return marina_domain_config_remove_device(config, device, error);
    case OP_UPDATE:
        return marina_domain_config_replace_device(config, device, error);
    }
    g_return_val_if_reached(FALSE);
}

/* The test driver's guests say <domain type='test'>, which the model's
 * checks (written for guests QEMU runs) refuse whatever the device: their
 * devices are checked as those of a 'qemu' guest. */
static gboolean
apply_op(MarinaDomainConfig *config, DeviceOp op, const MarinaDevice *device, GError **error)
{
    gboolean ok;
    char *type;

    if (g_strcmp0(config->domain_type, "test") != 0)
        return apply_op_checked(config, op, device, error);
    type = config->domain_type;
    config->domain_type = (char *)"qemu";
    ok = apply_op_checked(config, op, device, error);
    config->domain_type = type;
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Checks before anything changes                                          */

static gboolean
check_input(const char *xml, guint flags, GError **error)
{
    if (flags > (AFFECT_LIVE | AFFECT_CONFIG)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Unknown flags %u: use 1 (live), 2 (config), both (3) or 0 (current)."),
                    flags);
        return FALSE;
    }
    if (strlen(xml) > DEVICE_XML_MAX) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The device XML is larger than %u KiB; give one device element."),
                    DEVICE_XML_MAX / 1024);
        return FALSE;
    }
    return TRUE;
}

/* Current (0) means the running guest when there is one, else the
 * definition; whatever is asked for must exist. */
static gboolean
resolve_flags(MarinaVm *self, guint *flags, GError **error)
{
    gboolean running = KLASS(self)->is_controllable(self);

    if (*flags == 0)
        *flags = running ? AFFECT_LIVE : AFFECT_CONFIG;
    if ((*flags & AFFECT_LIVE) && !running) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NOT_RUNNING,
                    _("Guest '%s' is not running, so nothing can change live. Use --config to "
                      "change its definition (it applies at the next boot)."),
                    marina_vm_get_name(self));
        return FALSE;
    }
    if ((*flags & AFFECT_CONFIG) && !PRIV(self)->persistent) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Guest '%s' is transient: it has no definition to change. Use --live, or "
                      "define it first."),
                    marina_vm_get_name(self));
        return FALSE;
    }
    return TRUE;
}

/* The new definition, made and checked (uniqueness of MACs across guests
 * as DefineDomain checks it), not yet saved. */
static gboolean
prepare_config(DeviceCall *call, GError **error)
{
    MarinaVmPrivate *p = PRIV(call->vm);
    g_autoptr(MarinaDomainConfig) def = marina_domain_config_copy(p->def);

    if (!apply_op(def, call->op, call->device, error))
        return FALSE;
    if (call->op != OP_DETACH &&
        !marina_vm_registry_check_unique(p->ctx.registry, def, call->vm, error))
        return FALSE;
    if (KLASS(call->vm)->check_definition != NULL &&
        !KLASS(call->vm)->check_definition(call->vm, def, error))
        return FALSE;
    call->new_def = g_steal_pointer(&def);
    return TRUE;
}

/* Tries the change on a copy of the running configuration (a duplicate
 * target, a device that is not there) and keeps the entry it changes. */
static gboolean
prepare_live(DeviceCall *call, GError **error)
{
    const MarinaDomainConfig *live = marina_vm_get_live(call->vm);
    g_autoptr(MarinaDomainConfig) trial = marina_domain_config_copy(live);
    int index = -1;

    if (call->op != OP_ATTACH) {
        GPtrArray *list;

        index = find_index(live, call->op, call->device, error);
        if (index < 0)
            return FALSE;
        list = device_list(live, call->device->kind);
        if (list != NULL && (guint)index < list->len) {
            MarinaDevice view = {call->device->kind, list->pdata[index]};
            call->current = marina_device_copy(&view);
        } else {
            call->current = marina_device_copy(call->device);
        }
    }
    if (!apply_op(trial, call->op, call->device, error))
        return FALSE;
    if (call->op == OP_ATTACH) {
        GPtrArray *list = device_list(trial, call->device->kind);
        index = list != NULL ? (int)list->len - 1 : 0;
    }
    if (call->name == NULL)
        call->name = device_event_name(call->current ? call->current : call->device, index);
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Doing it                                                                */

static void
finish_call(DeviceCall *call, gboolean changed_live)
{
    MarinaVm *self = call->vm;
    GError *error = NULL;
    const char *event = op_event(call);

    if (call->new_def != NULL) {
        MarinaDomainConfig *def;

        /* The definition may have changed while QEMU worked (another call, a
         * DefineDomain): the change goes onto the one there is now. */
        if (changed_live) {
            g_clear_pointer(&call->new_def, marina_domain_config_free);
            prepare_config(call, &error);
        }
        def = g_steal_pointer(&call->new_def);
        if (def == NULL || !marina_vm_save_definition(self, def, &error)) {
            g_clear_pointer(&def, marina_domain_config_free);
            if (changed_live) {
                g_prefix_error(&error,
                               _("The running guest '%s' has the change, but its definition "
                                 "could not be saved: "),
                               marina_vm_get_name(self));
                marina_vm_emit_config_changed(self, event, call->name);
            }
            g_dbus_method_invocation_take_error(call->invocation, error);
            return;
        }
    }
    g_info("Guest '%s': %s %s", marina_vm_get_name(self), event, call->name);
    marina_vm_emit_config_changed(self, event, call->name);
    g_ptr_array_add(call->warnings, NULL);
    if (call->op == OP_DETACH)
        g_dbus_method_invocation_return_value(call->invocation, NULL);
    else
        g_dbus_method_invocation_return_value(
            call->invocation, g_variant_new("(^as)", (const char *const *)call->warnings->pdata));
}

static void
on_live_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(DeviceCall) call = data;
    MarinaDomainConfig *live;
    GError *error = NULL;

    if (!g_task_propagate_boolean(G_TASK(result), &error)) {
        g_dbus_method_invocation_take_error(call->invocation, error);
        return;
    }
    /* QEMU has it: now the running configuration says so (the guest may
     * have stopped meanwhile: then there is none). */
    live = marina_vm_get_live(call->vm);
    if (live != NULL) {
        if (!apply_op(live, call->op, call->device, &error)) {
            g_warning("Guest '%s': the running configuration does not take the change: %s",
                      marina_vm_get_name(call->vm), error->message);
            g_clear_error(&error);
        }
        marina_vm_registry_note_activity(PRIV(call->vm)->ctx.registry, call->vm);
        marina_vm_notify_state_changed(call->vm);
    }
    finish_call(call, TRUE);
}

static void
run_live(DeviceCall *call)
{
    MarinaVm *self = call->vm;
    MarinaVmClass *klass = KLASS(self);
    GTask *task = g_task_new(self, NULL, on_live_done, call);
    gboolean have = call->op == OP_ATTACH   ? klass->attach_device != NULL
                    : call->op == OP_DETACH ? klass->detach_device != NULL
                                            : klass->update_device != NULL;

    if (!have) {
        g_task_return_new_error(task, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                                _("Guest '%s' cannot change its hardware while it runs. Use "
                                  "--config: it applies at the next boot."),
                                marina_vm_get_name(self));
        g_object_unref(task);
        return;
    }
    if (call->op == OP_ATTACH)
        klass->attach_device(self, call->device, task);
    else if (call->op == OP_DETACH)
        klass->detach_device(self, call->current, task);
    else
        klass->update_device(self, call->current, call->device, call->force, task);
    g_object_unref(task);
}

static void
handle_device_call(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params, DeviceOp op)
{
    g_autoptr(DeviceCall) call = NULL;
    GError *error = NULL;
    const char *xml;
    guint flags;

    g_variant_get(params, "(&su)", &xml, &flags);
    if (!marina_access_check_writable(invocation))
        return;
    call = g_new0(DeviceCall, 1);
    call->vm = g_object_ref(self);
    call->invocation = g_object_ref(invocation);
    call->op = op;
    call->warnings = g_ptr_array_new_with_free_func(g_free);
    if (op == OP_UPDATE && (flags & UPDATE_FORCE)) {
        call->force = TRUE;
        flags &= ~UPDATE_FORCE;
    }
    if (!check_input(xml, flags, &error) || !resolve_flags(self, &flags, &error) ||
        (call->device = marina_device_parse(xml, -1, call->warnings, &error)) == NULL ||
        ((flags & AFFECT_LIVE) && !prepare_live(call, &error)) ||
        ((flags & AFFECT_CONFIG) && !prepare_config(call, &error))) {
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    if (call->name == NULL) {
        int index = op == OP_ATTACH ? -1 : find_index(PRIV(self)->def, op, call->device, NULL);
        call->name = device_event_name(call->device, index);
    }
    if (flags & AFFECT_LIVE)
        run_live(g_steal_pointer(&call));
    else
        finish_call(call, FALSE);
}

void
marina_vm_handle_attach_device(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    handle_device_call(self, invocation, params, OP_ATTACH);
}

void
marina_vm_handle_detach_device(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    handle_device_call(self, invocation, params, OP_DETACH);
}

void
marina_vm_handle_update_device(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    handle_device_call(self, invocation, params, OP_UPDATE);
}

/* ---------------------------------------------------------------------- */
/* ResizeDisk                                                              */

typedef struct {
    MarinaVm *vm;
    GDBusMethodInvocation *invocation;
    MarinaDevice *disk;
} ResizeCall;

static void
on_resized(GObject *source, GAsyncResult *result, gpointer data)
{
    ResizeCall *call = data;
    const MarinaDiskConfig *disk = call->disk->config;
    GError *error = NULL;

    if (g_task_propagate_boolean(G_TASK(result), &error)) {
        marina_vm_emit_config_changed(call->vm, "device-updated", disk->target_dev);
        g_dbus_method_invocation_return_value(call->invocation, NULL);
    } else {
        g_dbus_method_invocation_take_error(call->invocation, error);
    }
    g_object_unref(call->vm);
    g_object_unref(call->invocation);
    marina_device_free(call->disk);
    g_free(call);
}

static gboolean
check_resize(MarinaVm *self, const char *target, guint64 bytes, MarinaDiskConfig **out,
             GError **error)
{
    MarinaDiskConfig *disk;

    if (strlen(target) > 32 || !g_utf8_validate(target, -1, NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The disk target is not valid; give one like vda or sdb."));
        return FALSE;
    }
    if (bytes == 0 || bytes > RESIZE_MAX) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("A disk size must be more than 0 and at most 1 PiB, not %llu bytes."),
                    (unsigned long long)bytes);
        return FALSE;
    }
    disk = marina_domain_config_find_disk(marina_vm_get_config(self), target);
    if (disk == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_DEVICE,
                    _("Guest '%s' has no disk '%s'."), marina_vm_get_name(self), target);
        return FALSE;
    }
    if (disk->device != MARINA_DISK_DEVICE_DISK || disk->source == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' of guest '%s' is not a disk with an image; only disks can grow."),
                    target, marina_vm_get_name(self));
        return FALSE;
    }
    *out = disk;
    return TRUE;
}

void
marina_vm_handle_resize_disk(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *params)
{
    MarinaDiskConfig *disk = NULL;
    ResizeCall *call;
    GError *error = NULL;
    const char *target;
    guint64 bytes;
    GTask *task;

    g_variant_get(params, "(&st)", &target, &bytes);
    if (!marina_access_check_writable(invocation))
        return;
    if (!check_resize(self, target, bytes, &disk, &error)) {
        g_dbus_method_invocation_take_error(invocation, error);
        return;
    }
    if (KLASS(self)->resize_disk == NULL) {
        g_dbus_method_invocation_return_error(
            invocation, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
            _("Disks of guest '%s' cannot be resized by this daemon."), marina_vm_get_name(self));
        return;
    }
    call = g_new0(ResizeCall, 1);
    call->vm = g_object_ref(self);
    call->invocation = g_object_ref(invocation);
    call->disk = marina_device_copy(&(MarinaDevice){MARINA_DEVICE_DISK, disk});
    task = g_task_new(self, NULL, on_resized, call);
    KLASS(self)->resize_disk(self, call->disk->config, bytes, task);
    g_object_unref(task);
}
