#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "core/error.h"
#include "install-tree.h"
#include "vm-private.h"

/* ---------------------------------------------------------------------- */
/* Install boot: StartInstall boots the guest once from an install source  */
/* (a network tree's kernel, a kernel on the host, or a boot order), then  */
/* the guest's first reboot brings it back on its definition.              */

#define INSTALL_STRING_MAX 4096
#define INSTALL_FLAGS MARINA_VM_START_PAUSED

typedef struct {
    char *location;
    char *kernel;
    char *initrd;
    char *cmdline;
    GPtrArray *boot; /* char*, or NULL */
} InstallSpec;

struct _InstallRun {
    MarinaVm *vm;
    MarinaJob *job;
    InstallSpec spec;
    guint flags;
    char *kernel; /* what boots: spec.kernel or the downloaded file */
    char *initrd;
};

static void
install_spec_clear(InstallSpec *spec)
{
    g_free(spec->location);
    g_free(spec->kernel);
    g_free(spec->initrd);
    g_free(spec->cmdline);
    g_clear_pointer(&spec->boot, g_ptr_array_unref);
}

static void
install_run_free(InstallRun *run)
{
    install_spec_clear(&run->spec);
    g_free(run->kernel);
    g_free(run->initrd);
    g_clear_object(&run->job);
    g_clear_object(&run->vm);
    g_free(run);
}

static char *
install_dir(MarinaVm *self)
{
    return g_build_filename(PRIV(self)->ctx.config->state_dir, "install", PRIV(self)->def->uuid,
                            NULL);
}

gboolean
marina_vm_is_installing(MarinaVm *self)
{
    return PRIV(self)->installing;
}

void
marina_vm_set_installing(MarinaVm *self, gboolean installing)
{
    PRIV(self)->installing = installing;
    marina_vm_sync_properties(self);
}

void
marina_vm_note_install_reboot(MarinaVm *self)
{
    if (PRIV(self)->installing)
        PRIV(self)->install_rebooted = TRUE;
}

/* The install run is over, however it ended: its files are of no more use. */
void
marina_vm_end_install_boot(MarinaVm *self)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *dir = install_dir(self);

    p->installing = FALSE;
    p->install_rebooted = FALSE;
    marina_install_tree_remove_dir(dir);
    marina_vm_sync_properties(self);
}

static void
on_booted_after_install(GObject *source, GAsyncResult *result, gpointer data)
{
    MarinaVm *self = MARINA_VM(source);
    g_autoptr(GError) error = NULL;

    if (marina_vm_start_finish(self, result, &error))
        marina_vm_emit_event(self, "rebooted", "install finished");
    else
        g_warning("Guest '%s' finished its installation but cannot start from its definition: "
                  "%s",
                  marina_vm_get_name(self), error->message);
}

gboolean
marina_vm_boot_after_install(gpointer data)
{
    MarinaVm *self = data;

    if (!marina_vm_is_active(self) && PRIV(self)->install == NULL && PRIV(self)->persistent) {
        g_info("Guest '%s' rebooted after its install boot; starting it from its definition",
               marina_vm_get_name(self));
        marina_vm_start_async(self, 0, NULL, on_booted_after_install, NULL);
    }
    return G_SOURCE_REMOVE;
}

static gboolean
install_string_ok(const char *value)
{
    if (strlen(value) > INSTALL_STRING_MAX || !g_utf8_validate(value, -1, NULL))
        return FALSE;
    for (const guchar *c = (const guchar *)value; *c != '\0'; c++)
        if (*c < 0x20 || *c == 0x7f)
            return FALSE;
    return TRUE;
}

static gboolean
check_host_file(const char *key, const char *path, GError **error)
{
    if (!g_path_is_absolute(path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install %s '%s' must be an absolute path on the host (starting with "
                      "/)."),
                    key, path);
        return FALSE;
    }
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) || access(path, R_OK) != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install %s %s does not exist or cannot be read. Choose an existing "
                      "file."),
                    key, path);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_boot_list(GVariant *value, InstallSpec *spec, GError **error)
{
    static const char *const known[] = {"cdrom", "hd", "network", "fd"};
    g_autofree const char **devs = g_variant_get_strv(value, NULL);

    if (devs[0] == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("The install boot order is empty. Give at least one of cdrom, hd, network "
                      "or fd."));
        return FALSE;
    }
    spec->boot = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; devs[i] != NULL; i++) {
        gboolean ok = FALSE;

        for (guint k = 0; k < G_N_ELEMENTS(known); k++)
            ok = ok || g_str_equal(devs[i], known[k]);
        if (!ok) {
            g_autofree char *shown = g_utf8_make_valid(devs[i], 64);
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("'%s' is not a boot device. Use cdrom, hd, network or fd."), shown);
            return FALSE;
        }
        for (guint k = 0; k < spec->boot->len; k++) {
            if (g_str_equal(spec->boot->pdata[k], devs[i])) {
                g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("The boot device '%s' is listed twice in the install boot order."),
                            devs[i]);
                return FALSE;
            }
        }
        g_ptr_array_add(spec->boot, g_strdup(devs[i]));
    }
    return TRUE;
}

/* The a{sv} of StartInstall, checked as the hostile input it may be. */
static gboolean
parse_install_spec(GVariant *dict, InstallSpec *spec, GError **error)
{
    static const char *const string_keys[] = {"location", "kernel", "initrd", "cmdline"};
    GVariantIter iter;
    const char *key;
    GVariant *raw;

    g_variant_iter_init(&iter, dict);
    while (g_variant_iter_next(&iter, "{&sv}", &key, &raw)) {
        g_autoptr(GVariant) value = raw;
        char **slot = NULL;
        g_autofree char *shown = g_utf8_make_valid(key, 64);

        if (g_str_equal(key, "boot")) {
            if (spec->boot != NULL) {
                g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("The install option 'boot' is given twice."));
                return FALSE;
            }
            if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING_ARRAY)) {
                g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("The install option 'boot' must be a list of strings (as)."));
                return FALSE;
            }
            if (!parse_boot_list(value, spec, error))
                return FALSE;
            continue;
        }
        for (guint i = 0; i < G_N_ELEMENTS(string_keys); i++) {
            if (g_str_equal(key, string_keys[i]))
                slot = i == 0   ? &spec->location
                       : i == 1 ? &spec->kernel
                       : i == 2 ? &spec->initrd
                                : &spec->cmdline;
        }
        if (slot == NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("'%s' is not an install option. Use location, kernel, initrd, cmdline "
                          "or boot."),
                        shown);
            return FALSE;
        }
        if (*slot != NULL) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("The install option '%s' is given twice."), key);
            return FALSE;
        }
        if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("The install option '%s' must be a string (s), not %s."), key,
                        g_variant_get_type_string(value));
            return FALSE;
        }
        if (!install_string_ok(g_variant_get_string(value, NULL))) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                        _("The install option '%s' is too long or contains control "
                          "characters."),
                        key);
            return FALSE;
        }
        *slot = g_variant_dup_string(value, NULL);
    }

    if (spec->location != NULL && spec->kernel != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Give either location (a network install tree) or kernel (a file on the "
                      "host), not both."));
        return FALSE;
    }
    if (spec->location != NULL && spec->initrd != NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("With location the initrd comes from the install tree; do not give initrd "
                      "as well."));
        return FALSE;
    }
    if (spec->initrd != NULL && spec->kernel == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("An install initrd needs a kernel: give kernel as well."));
        return FALSE;
    }
    if (spec->cmdline != NULL && spec->location == NULL && spec->kernel == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Kernel arguments (cmdline) need location or kernel to go with them."));
        return FALSE;
    }
    if (spec->location == NULL && spec->kernel == NULL && spec->boot == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Nothing to install from: give location (a network install tree), kernel "
                      "(with initrd) or boot (e.g. [\"cdrom\", \"hd\"])."));
        return FALSE;
    }
    if (spec->location != NULL && !marina_install_tree_check_url(spec->location, error))
        return FALSE;
    if (spec->kernel != NULL && !check_host_file("kernel", spec->kernel, error))
        return FALSE;
    if (spec->initrd != NULL && !check_host_file("initrd", spec->initrd, error))
        return FALSE;
    return TRUE;
}

typedef struct {
    guint old_order;
    guint index;
    guint *slot;
} BootCandidate;

static gint
compare_candidates(gconstpointer a, gconstpointer b)
{
    const BootCandidate *x = a, *y = b;

    /* Devices that had a place keep their relative order, then the rest in
     * the order they are written. */
    if ((x->old_order == 0) != (y->old_order == 0))
        return x->old_order == 0 ? 1 : -1;
    if (x->old_order != y->old_order)
        return x->old_order < y->old_order ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Boot order for the install run. Devices with their own <boot order=>
 * would make QEMU ignore the <os><boot> list, so when the definition uses
 * them, they are renumbered by the requested device classes instead. */
static void
apply_install_boot(MarinaDomainConfig *c, GPtrArray *boot)
{
    g_autoptr(GArray) placed = NULL;
    gboolean per_device = FALSE;

    g_ptr_array_set_size(c->boot_devs, 0);
    for (guint i = 0; i < boot->len; i++)
        g_ptr_array_add(c->boot_devs, g_strdup(boot->pdata[i]));
    for (guint i = 0; i < c->disks->len; i++)
        per_device = per_device || ((MarinaDiskConfig *)c->disks->pdata[i])->boot_order > 0;
    for (guint i = 0; i < c->interfaces->len; i++)
        per_device =
            per_device || ((MarinaInterfaceConfig *)c->interfaces->pdata[i])->boot_order > 0;
    if (!per_device)
        return;

    placed = g_array_new(FALSE, FALSE, sizeof(BootCandidate));
    for (guint b = 0; b < boot->len; b++) {
        const char *cls = boot->pdata[b];
        g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(BootCandidate));

        for (guint i = 0; i < c->disks->len; i++) {
            MarinaDiskConfig *d = c->disks->pdata[i];
            gboolean match = (g_str_equal(cls, "hd") && d->device == MARINA_DISK_DEVICE_DISK) ||
                             (g_str_equal(cls, "cdrom") && d->device == MARINA_DISK_DEVICE_CDROM) ||
                             (g_str_equal(cls, "fd") && d->device == MARINA_DISK_DEVICE_FLOPPY);
            if (match)
                g_array_append_val(found, ((BootCandidate){d->boot_order, i, &d->boot_order}));
        }
        for (guint i = 0; g_str_equal(cls, "network") && i < c->interfaces->len; i++) {
            MarinaInterfaceConfig *n = c->interfaces->pdata[i];
            g_array_append_val(found, ((BootCandidate){n->boot_order, i, &n->boot_order}));
        }
        g_array_sort(found, compare_candidates);
        g_array_append_vals(placed, found->data, found->len);
    }
    /* Devices of classes not in the list do not boot at all. */
    for (guint i = 0; i < c->disks->len; i++)
        ((MarinaDiskConfig *)c->disks->pdata[i])->boot_order = 0;
    for (guint i = 0; i < c->interfaces->len; i++)
        ((MarinaInterfaceConfig *)c->interfaces->pdata[i])->boot_order = 0;
    for (guint i = 0; i < placed->len; i++)
        *g_array_index(placed, BootCandidate, i).slot = i + 1;
}

/* The running configuration of the install boot: the definition with the
 * install source in place, and a reboot or power-off ending the run. */
static MarinaDomainConfig *
install_config(MarinaVm *self, InstallRun *run)
{
    MarinaDomainConfig *c = marina_domain_config_copy(PRIV(self)->def);

    g_clear_pointer(&c->kernel, g_free);
    g_clear_pointer(&c->initrd, g_free);
    g_clear_pointer(&c->cmdline, g_free);
    if (run->kernel != NULL) {
        c->kernel = g_strdup(run->kernel);
        c->initrd = g_strdup(run->initrd);
        c->cmdline = g_strdup(run->spec.cmdline);
    }
    if (run->spec.boot != NULL)
        apply_install_boot(c, run->spec.boot);
    c->on_reboot = MARINA_LIFECYCLE_DESTROY;
    c->on_poweroff = MARINA_LIFECYCLE_DESTROY;
    return c;
}

static void
install_failed(InstallRun *run, GError *error)
{
    MarinaVm *self = run->vm;
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *dir = install_dir(self);

    g_info("Installation of guest '%s' did not start: %s", marina_vm_get_name(self),
           error->message);
    if (p->install == run)
        p->install = NULL;
    if (!marina_vm_is_active(self) && p->installing) {
        p->installing = FALSE;
        marina_vm_sync_properties(self);
    }
    marina_install_tree_remove_dir(dir);
    marina_job_registry_end_job(p->ctx.jobs, run->job, error);
    g_error_free(error);
    install_run_free(run);
}

static void
on_install_started(GObject *source, GAsyncResult *result, gpointer data)
{
    InstallRun *run = data;
    MarinaVmPrivate *p = PRIV(run->vm);
    GError *error = NULL;

    if (!g_task_propagate_boolean(G_TASK(result), &error)) {
        install_failed(run, error);
        return;
    }
    g_info("Guest '%s' runs its install boot", marina_vm_get_name(run->vm));
    p->install = NULL;
    marina_job_registry_end_job(p->ctx.jobs, run->job, NULL);
    install_run_free(run);
}

static void
install_launch(InstallRun *run)
{
    MarinaVm *self = run->vm;
    MarinaVmPrivate *p = PRIV(self);
    GTask *task;

    if (marina_vm_is_active(self)) {
        install_failed(run,
                       g_error_new(MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                                   _("Guest '%s' is already running."), marina_vm_get_name(self)));
        return;
    }
    task = g_task_new(self, NULL, on_install_started, run);
    g_task_set_source_tag(task, install_launch);
    p->installing = TRUE;
    p->install_rebooted = FALSE;
    marina_vm_sync_properties(self);
    marina_vm_set_live(self, install_config(self, run));
    KLASS(self)->start(self, run->flags, task);
}

static void
on_install_progress(guint64 processed, guint64 total, gpointer data)
{
    MarinaJob *job = data;

    if (marina_job_is_finished(job))
        return;
    marina_job_set_total(job, total);
    marina_job_set_progress(job, processed);
}

static void
on_install_downloaded(GObject *source, GAsyncResult *result, gpointer data)
{
    InstallRun *run = data;
    GError *error = NULL;

    if (!marina_install_tree_download_finish(result, &run->kernel, &run->initrd, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_clear_error(&error);
            error = g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                _("The download of the install kernel and initrd of guest '%s' "
                                  "was cancelled."),
                                marina_vm_get_name(run->vm));
        }
        install_failed(run, error);
        return;
    }
    install_launch(run);
}

void
marina_vm_handle_start_install(MarinaVm *self, GDBusMethodInvocation *invocation, GVariant *options,
                               guint flags)
{
    MarinaVmPrivate *p = PRIV(self);
    InstallRun *run;
    GError *error = NULL;

    if (!marina_access_check_writable(invocation))
        return;
    run = g_new0(InstallRun, 1);
    if (!parse_install_spec(options, &run->spec, &error))
        goto refused;
    if (flags & ~(guint)INSTALL_FLAGS) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("Unknown StartInstall flags 0x%x; only 1 (start paused) is known."),
                            flags & ~(guint)INSTALL_FLAGS);
        goto refused;
    }
    if (!p->persistent) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("Guest '%s' is not defined. Define it before installing it."),
                            marina_vm_get_name(self));
        goto refused;
    }
    if (!marina_vm_check_startable(self, &error))
        goto refused;
    if (p->has_managed_save) {
        error = g_error_new(MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                            _("Guest '%s' has a managed save image. Remove it first "
                              "(managedsave-remove) to install the guest afresh."),
                            marina_vm_get_name(self));
        goto refused;
    }

    run->vm = g_object_ref(self);
    run->flags = flags;
    run->job = g_object_ref(marina_job_registry_new_job(p->ctx.jobs, 0));
    p->install = run;
    /* The generated function only formats the reply: no skeleton needed. */
    marina_dbus_domain_complete_start_install(NULL, invocation,
                                              marina_job_get_object_path(run->job));
    if (run->spec.location != NULL) {
        g_autofree char *dir = install_dir(self);
        g_info("Guest '%s': downloading the install kernel and initrd from %s",
               marina_vm_get_name(self), run->spec.location);
        marina_install_tree_download_async(
            run->spec.location, dir, marina_job_get_cancellable(run->job), on_install_progress,
            g_object_ref(run->job), g_object_unref, on_install_downloaded, run);
    } else {
        run->kernel = g_strdup(run->spec.kernel);
        run->initrd = g_strdup(run->spec.initrd);
        install_launch(run);
    }
    return;

refused:
    g_dbus_method_invocation_take_error(invocation, error);
    install_run_free(run);
}
