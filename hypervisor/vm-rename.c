#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/error.h"
#include "state-store.h"
#include "vm-private.h"

/*
 * Domain.Rename (virsh domrename) and what Domain.Undefine removes besides
 * the definition (the NVRAM the daemon made, the swtpm state). Everything a
 * guest keeps on disk is stored by UUID except its logs, which are named
 * after it (state-store.h): those follow the name.
 */

/* The log files of guest @name that exist in @log_dir: "<name>.log",
 * "<name>-swtpm.log", "<name>-serialN.log", each also rotated (".1"). */
static GPtrArray *
list_logs(const char *log_dir, const char *name)
{
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = g_dir_open(log_dir, 0, NULL);
    gsize len = strlen(name);
    const char *entry;

    while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
        const char *rest = entry + len;
        g_autofree char *stem = NULL;

        if (strncmp(entry, name, len) != 0)
            continue;
        stem = g_str_has_suffix(rest, ".1") ? g_strndup(rest, strlen(rest) - 2) : g_strdup(rest);
        if (g_str_equal(stem, ".log") || g_str_equal(stem, "-swtpm.log")) {
            g_ptr_array_add(found, g_strdup(rest));
            continue;
        }
        if (g_str_has_prefix(stem, "-serial") && g_str_has_suffix(stem, ".log")) {
            const char *digits = stem + strlen("-serial");
            gsize n = strlen(digits) - strlen(".log");

            if (n > 0 && n <= 3 && strspn(digits, "0123456789") == n)
                g_ptr_array_add(found, g_strdup(rest));
        }
    }
    return found;
}

/* Move the logs of @from to @to (the suffixes in @suffixes); on a failure
 * the ones already moved go back, so the old name keeps its logs. */
static gboolean
move_logs(const char *log_dir, const char *from, const char *to, GPtrArray *suffixes,
          GError **error)
{
    for (guint i = 0; i < suffixes->len; i++) {
        g_autofree char *a = g_strconcat(from, suffixes->pdata[i], NULL);
        g_autofree char *b = g_strconcat(to, suffixes->pdata[i], NULL);
        g_autofree char *src = g_build_filename(log_dir, a, NULL);
        g_autofree char *dst = g_build_filename(log_dir, b, NULL);

        if (g_rename(src, dst) == 0)
            continue;
        int saved = errno;
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Cannot rename the log %s to %s: %s. The guest keeps its name '%s'."), src,
                    dst, g_strerror(saved), from);
        while (i-- > 0) {
            g_autofree char *ra = g_strconcat(from, suffixes->pdata[i], NULL);
            g_autofree char *rb = g_strconcat(to, suffixes->pdata[i], NULL);
            g_autofree char *rsrc = g_build_filename(log_dir, ra, NULL);
            g_autofree char *rdst = g_build_filename(log_dir, rb, NULL);

            g_rename(rdst, rsrc);
        }
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_renamable(MarinaVm *self, const char *new_name, GError **error)
{
    MarinaVmPrivate *p = PRIV(self);
    const char *name = marina_vm_get_name(self);

    if (!p->persistent) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("Guest '%s' is transient: only a defined guest can be renamed."), name);
        return FALSE;
    }
    if (p->install != NULL || p->installing) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' is being installed. Rename it once the installation has "
                      "finished."),
                    name);
        return FALSE;
    }
    if (marina_vm_is_active(self) || p->state != MARINA_DOMAIN_SHUTOFF) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING,
                    _("Guest '%s' is running. Shut it down to rename it."), name);
        return FALSE;
    }
    if (!marina_domain_name_is_valid(new_name, error))
        return FALSE;
    if (!g_str_equal(new_name, name) && marina_vm_registry_has_name(p->ctx.registry, new_name)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS,
                    _("A guest named '%s' already exists. Choose another name."), new_name);
        return FALSE;
    }
    return TRUE;
}

gboolean
marina_vm_rename(MarinaVm *self, const char *new_name, GError **error)
{
    MarinaVmPrivate *p = PRIV(self);
    g_autofree char *old_name = g_strdup(marina_vm_get_name(self));
    const char *log_dir = p->ctx.config->log_dir;
    g_autoptr(GPtrArray) logs = NULL;
    g_autoptr(MarinaDomainConfig) def = NULL;

    if (!check_renamable(self, new_name, error))
        return FALSE;
    if (g_str_equal(new_name, old_name))
        return TRUE;
    /* Logs first: they can be moved back; the definition, written
     * atomically, is the step that makes the new name real. */
    logs = log_dir != NULL ? list_logs(log_dir, old_name) : g_ptr_array_new();
    if (!move_logs(log_dir, old_name, new_name, logs, error))
        return FALSE;
    def = marina_domain_config_copy(p->def);
    g_free(def->name);
    def->name = g_strdup(new_name);
    if (!KLASS(self)->store_definition(self, def, error)) {
        g_autoptr(GError) ignored = NULL;

        move_logs(log_dir, new_name, old_name, logs, &ignored);
        return FALSE;
    }
    marina_domain_config_free(p->def);
    p->def = g_steal_pointer(&def);
    marina_vm_registry_renamed(p->ctx.registry, self, old_name);
    marina_vm_sync_properties(self);
    marina_vm_notify_state_changed(self);
    g_info("Renamed guest '%s' to '%s' (%s)", old_name, new_name, marina_vm_get_uuid(self));
    marina_vm_emit_event(self, "defined", "renamed");
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Undefine: the host-side state of the guest                              */

void
marina_vm_remove_host_state(MarinaVm *self, guint flags)
{
    MarinaVmPrivate *p = PRIV(self);
    const char *state_dir = p->ctx.config->state_dir;
    const char *uuid = marina_vm_get_uuid(self);

    if (flags & MARINA_VM_UNDEFINE_NVRAM) {
        /* Only the file the daemon made (qemu-vm-helpers.c): one the
         * definition names elsewhere is the user's. */
        g_autofree char *file = g_strdup_printf("%s_VARS.fd", uuid);
        g_autofree char *nvram = g_build_filename(state_dir, "nvram", file, NULL);

        if (g_unlink(nvram) == 0)
            g_info("Guest '%s': removed its UEFI NVRAM %s", marina_vm_get_name(self), nvram);
        else if (errno != ENOENT)
            g_warning("Guest '%s': cannot remove its UEFI NVRAM %s: %s", marina_vm_get_name(self),
                      nvram, g_strerror(errno));
    }
    /* A running guest's swtpm still uses its state. */
    if (!(flags & MARINA_VM_UNDEFINE_KEEP_TPM) && !marina_vm_is_active(self)) {
        g_autofree char *tpm = g_build_filename(state_dir, "tpm", uuid, NULL);

        if (g_file_test(tpm, G_FILE_TEST_IS_DIR)) {
            marina_state_remove_dir(tpm);
            g_info("Guest '%s': removed its TPM state %s", marina_vm_get_name(self), tpm);
        }
    }
}
