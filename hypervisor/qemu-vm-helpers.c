#define G_LOG_DOMAIN "marinad-vm"

#include "config.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"
#include "pci-vfio.h"
#include "qemu-vm-helpers.h"
#include "state-store.h"

/*
 * The parts of a guest's start that live beside QEMU: UEFI firmware with a
 * per-guest NVRAM, the swtpm TPM emulator, and what QMP sets before the
 * guest runs (links that start down, vCPU pins).
 */

#define DEFAULT_OVMF_CODE "/usr/share/OVMF/OVMF_CODE_4M.fd"
#define DEFAULT_OVMF_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"
#define SWTPM_KEY "marina-swtpm"
#define SWTPM_SOCKET_KEY "marina-swtpm-socket"

/* ---- UEFI --------------------------------------------------------------- */

static gboolean
is_uefi(const MarinaDomainConfig *c)
{
    return g_strcmp0(c->firmware, "efi") == 0;
}

/* The variables template that fits the firmware: the 4 MiB build's for the
 * 4 MiB code, the 2 MiB one's otherwise (they cannot be mixed). */
static char *
vars_template(const MarinaDomainConfig *c)
{
    g_autofree char *dir = NULL;
    g_autofree char *base = NULL;

    if (c->nvram_template != NULL)
        return g_strdup(c->nvram_template);
    if (c->loader == NULL)
        return g_strdup(DEFAULT_OVMF_VARS);
    dir = g_path_get_dirname(c->loader);
    base = g_path_get_basename(c->loader);
    return g_build_filename(dir, strstr(base, "_4M") != NULL ? "OVMF_VARS_4M.fd" : "OVMF_VARS.fd",
                            NULL);
}

static gboolean
copy_template(MarinaQemuVm *self, const char *template, const char *nvram, GError **error)
{
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_autoptr(GError) local = NULL;

    if (!g_file_get_contents(template, &contents, &len, &local)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' cannot start: the UEFI variables template %s cannot be read "
                      "(%s). Install the ovmf package, or give <nvram template='…'>."),
                    vm_name(self), template, local->message);
        return FALSE;
    }
    if (!marina_write_file_atomic(nvram, contents, len, 0600, error)) {
        g_prefix_error(error, _("Guest '%s' cannot start: "), vm_name(self));
        return FALSE;
    }
    return TRUE;
}

/* libvirt writes the NVRAM path it chose into the definition: the next
 * start, a migration or dumpxml then name the same file. */
static void
remember_nvram(MarinaQemuVm *self, const char *nvram)
{
    const MarinaDomainConfig *def = DEF(self);
    g_autoptr(GError) error = NULL;
    MarinaDomainConfig *copy;

    if (!marina_vm_is_persistent(VM(self)) || def->nvram != NULL || !is_uefi(def))
        return;
    copy = marina_domain_config_copy(def);
    copy->nvram = g_strdup(nvram);
    if (!marina_vm_save_definition(VM(self), copy, &error)) {
        g_warning("Guest '%s': cannot record its NVRAM %s in the definition: %s", vm_name(self),
                  nvram, error->message);
        marina_domain_config_free(copy);
    }
}

gboolean
marina_qemu_check_firmware(const MarinaDomainConfig *config, GError **error)
{
    const char *code = config->loader != NULL ? config->loader : DEFAULT_OVMF_CODE;

    if (!is_uefi(config) || g_access(code, R_OK) == 0)
        return TRUE;
    if (config->loader != NULL)
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Guest '%s': its UEFI firmware %s does not exist on this host. Give a "
                      "<loader> file that does, or choose BIOS."),
                    config->name, code);
    else
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG,
                    _("Guest '%s' cannot use UEFI: this host has no OVMF firmware (%s). Install "
                      "the ovmf package on the host, or choose BIOS."),
                    config->name, code);
    return FALSE;
}

static gboolean
prepare_uefi(MarinaQemuVm *self, GError **error)
{
    MarinaDomainConfig *live = LIVE(self);
    const char *code = live->loader != NULL ? live->loader : DEFAULT_OVMF_CODE;
    g_autofree char *template = NULL;

    if (!is_uefi(live))
        return TRUE;
    if (g_access(code, R_OK) != 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' cannot start: its UEFI firmware %s is missing. Install the "
                      "ovmf package, or give another file in <loader>."),
                    vm_name(self), code);
        return FALSE;
    }
    if (live->nvram == NULL) {
        g_autofree char *dir = g_build_filename(CFG(self)->state_dir, "nvram", NULL);
        g_autofree char *name = g_strdup_printf("%s_VARS.fd", live->uuid);

        if (g_mkdir_with_parents(dir, 0700) != 0) {
            int saved = errno;

            g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                        _("Cannot create %s: %s"), dir, g_strerror(saved));
            return FALSE;
        }
        live->nvram = g_build_filename(dir, name, NULL);
    }
    if (!g_file_test(live->nvram, G_FILE_TEST_EXISTS)) {
        template = vars_template(live);
        if (!copy_template(self, template, live->nvram, error))
            return FALSE;
        g_info("Guest '%s': new UEFI NVRAM %s from %s", vm_name(self), live->nvram, template);
    }
    remember_nvram(self, live->nvram);
    return TRUE;
}

/* ---- PCI host devices ---------------------------------------------------- */

/* The host drivers of the PCI devices this guest's start moved to vfio-pci
 * (address -> driver, "" for none), given back when the guest stops. Kept in
 * the runtime state so a restarted daemon still knows them. */
#define PCI_DRIVERS_KEY "marina-pci-original-drivers"

static GHashTable *
pci_originals(MarinaQemuVm *self)
{
    GHashTable *map = g_object_get_data(G_OBJECT(self), PCI_DRIVERS_KEY);

    if (map == NULL) {
        map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_object_set_data_full(G_OBJECT(self), PCI_DRIVERS_KEY, map,
                               (GDestroyNotify)g_hash_table_unref);
    }
    return map;
}

static gboolean
prepare_pci_hostdev(MarinaQemuVm *self, const MarinaHostdevConfig *h, GError **error)
{
    const char *root = MARINA_SYSFS_ROOT;
    g_autofree char *address = g_strdup_printf("%04x:%02x:%02x.%x", h->pci_domain, h->pci_bus,
                                               h->pci_slot, h->pci_function);
    g_autofree char *driver = NULL;
    g_autofree char *now = NULL;
    g_autoptr(GError) local = NULL;

    if (!marina_pci_device_exists(root, address)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' cannot start: this host has no PCI device %s."), vm_name(self),
                    address);
        return FALSE;
    }
    driver = marina_pci_current_driver(root, address);
    if (g_str_equal(driver, "vfio-pci"))
        return TRUE;
    if (!h->managed) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' cannot start: PCI host device %s is used by the host driver "
                      "'%s'. Bind it to vfio-pci, or set managed='yes' on its <hostdev> to have "
                      "Marina do it."),
                    vm_name(self), address, driver[0] != '\0' ? driver : _("(none)"));
        return FALSE;
    }
    /* Remembered before the move: a half-done move is undone too. */
    g_hash_table_replace(pci_originals(self), g_strdup(address), g_strdup(driver));
    if (marina_pci_bind_vfio(root, address, driver, &local))
        now = marina_pci_current_driver(root, address);
    if (now == NULL || !g_str_equal(now, "vfio-pci")) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' cannot start: PCI host device %s could not be bound to "
                      "vfio-pci (%s). Load the vfio-pci module (modprobe vfio-pci) and check "
                      "that the IOMMU is on."),
                    vm_name(self), address,
                    local != NULL ? local->message : _("the driver did not take it"));
        return FALSE;
    }
    g_info("Guest '%s': PCI host device %s moved from driver '%s' to vfio-pci", vm_name(self),
           address, driver);
    return TRUE;
}

void
marina_qemu_vm_release_pci_hostdevs(MarinaQemuVm *self)
{
    GHashTable *map = g_object_get_data(G_OBJECT(self), PCI_DRIVERS_KEY);
    GHashTableIter iter;
    gpointer address, driver;

    if (map == NULL)
        return;
    g_hash_table_iter_init(&iter, map);
    while (g_hash_table_iter_next(&iter, &address, &driver)) {
        g_autoptr(GError) error = NULL;

        if (marina_pci_release_vfio(MARINA_SYSFS_ROOT, address, driver, &error))
            g_info("Guest '%s': PCI host device %s given back to driver '%s'", vm_name(self),
                   (char *)address, (char *)driver);
        else
            g_warning("Guest '%s': cannot give PCI host device %s back to driver '%s': %s",
                      vm_name(self), (char *)address, (char *)driver, error->message);
    }
    g_object_set_data(G_OBJECT(self), PCI_DRIVERS_KEY, NULL);
}

void
marina_qemu_vm_save_pci_drivers(MarinaQemuVm *self, GKeyFile *kf)
{
    GHashTable *map = g_object_get_data(G_OBJECT(self), PCI_DRIVERS_KEY);
    GHashTableIter iter;
    gpointer address, driver;

    if (map == NULL)
        return;
    g_hash_table_iter_init(&iter, map);
    while (g_hash_table_iter_next(&iter, &address, &driver))
        g_key_file_set_string(kf, "pci-drivers", address, driver);
}

void
marina_qemu_vm_load_pci_drivers(MarinaQemuVm *self, GKeyFile *kf)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, "pci-drivers", NULL, NULL);

    for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
        g_autofree char *driver = g_key_file_get_string(kf, "pci-drivers", keys[i], NULL);

        /* The file is ours, but checked as any input. */
        if (driver != NULL && marina_pci_address_is_valid(keys[i]) && strchr(driver, '/') == NULL)
            g_hash_table_replace(pci_originals(self), g_strdup(keys[i]), g_steal_pointer(&driver));
    }
}

/* Only the system daemon can give PCI devices; the command line refuses
 * them in a session with its own message. */
static gboolean
prepare_pci_hostdevs(MarinaQemuVm *self, GError **error)
{
    const GPtrArray *hostdevs = LIVE(self)->hostdevs;

    for (guint i = 0; CFG(self)->system && i < hostdevs->len; i++) {
        const MarinaHostdevConfig *h = hostdevs->pdata[i];

        if (h->type == MARINA_HOSTDEV_PCI && !prepare_pci_hostdev(self, h, error))
            return FALSE;
    }
    return TRUE;
}

/* ---- TPM emulator ------------------------------------------------------- */

static void
swtpm_child_setup(gpointer data)
{
    /* Like QEMU, it must outlive a daemon restart and not get its signals. */
    setsid();
}

/* A listening socket swtpm serves: QEMU's connection waits in the backlog
 * until swtpm accepts it, so QEMU can start at once. */
static int
listen_socket(const char *path, GError **error)
{
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) addr = NULL;

    if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("The socket path %s is too long for a unix socket. Use a shorter runtime "
                      "directory."),
                    path);
        return -1;
    }
    g_unlink(path);
    sock =
        g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
    if (sock == NULL)
        return -1;
    addr = g_unix_socket_address_new(path);
    if (!g_socket_bind(sock, addr, FALSE, error) || !g_socket_listen(sock, error))
        return -1;
    return dup(g_socket_get_fd(sock));
}

static char *
tpm_state_dir(MarinaQemuVm *self, GError **error)
{
    char *dir = g_build_filename(CFG(self)->state_dir, "tpm", LIVE(self)->uuid, NULL);

    if (g_mkdir_with_parents(dir, 0700) != 0) {
        int saved = errno;

        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, _("Cannot create %s: %s"),
                    dir, g_strerror(saved));
        g_free(dir);
        return NULL;
    }
    return dir;
}

static gboolean
start_swtpm(MarinaQemuVm *self, GError **error)
{
    const MarinaTpmConfig *tpm = LIVE(self)->tpm;
    g_autofree char *swtpm = g_find_program_in_path("swtpm");
    g_autofree char *state = NULL;
    g_autofree char *socket = marina_qemu_vm_socket_path(self, "tpm");
    g_autofree char *log = marina_state_log_path(CFG(self), LIVE(self)->name, "-swtpm.log");
    g_autofree char *state_arg = NULL;
    g_autofree char *log_arg = NULL;
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    GSubprocess *proc;
    int fd;

    if (tpm == NULL || tpm->backend != MARINA_TPM_BACKEND_EMULATOR)
        return TRUE;
    if (swtpm == NULL) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    _("Guest '%s' cannot start: it has an emulated TPM, and swtpm is not "
                      "installed. Install the swtpm package, or remove the <tpm>."),
                    vm_name(self));
        return FALSE;
    }
    if ((state = tpm_state_dir(self, error)) == NULL || (fd = listen_socket(socket, error)) < 0)
        return FALSE;
    state_arg = g_strdup_printf("dir=%s", state);
    log_arg = g_strdup_printf("file=%s", log);
    launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                         G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_subprocess_launcher_take_fd(launcher, fd, 3);
    g_subprocess_launcher_set_child_setup(launcher, swtpm_child_setup, NULL, NULL);
    /* --terminate: it ends when QEMU, its one client, hangs up. TPM 1.2
     * is swtpm's default; 2.0 needs --tpm2. */
    {
        const char *argv[] = {swtpm,         "socket",
                              "--tpmstate",  state_arg,
                              "--ctrl",      "type=unixio,fd=3",
                              "--log",       log_arg,
                              "--terminate", g_strcmp0(tpm->version, "1.2") == 0 ? NULL : "--tpm2",
                              NULL};

        proc = g_subprocess_launcher_spawnv(launcher, argv, error);
    }
    if (proc == NULL) {
        g_prefix_error(error, _("Guest '%s' cannot start its TPM emulator: "), vm_name(self));
        return FALSE;
    }
    g_info("Guest '%s': swtpm pid %s, state in %s", vm_name(self),
           g_subprocess_get_identifier(proc), state);
    g_object_set_data_full(G_OBJECT(self), SWTPM_KEY, proc, g_object_unref);
    g_object_set_data_full(G_OBJECT(self), SWTPM_SOCKET_KEY, g_steal_pointer(&socket), g_free);
    return TRUE;
}

const char *
marina_qemu_vm_tpm_socket(MarinaQemuVm *self)
{
    return g_object_get_data(G_OBJECT(self), SWTPM_SOCKET_KEY);
}

void
marina_qemu_vm_stop_swtpm(MarinaQemuVm *self)
{
    GSubprocess *proc = g_object_get_data(G_OBJECT(self), SWTPM_KEY);

    if (proc != NULL && g_subprocess_get_identifier(proc) != NULL)
        g_subprocess_force_exit(proc);
    g_object_set_data(G_OBJECT(self), SWTPM_KEY, NULL);
    g_object_set_data(G_OBJECT(self), SWTPM_SOCKET_KEY, NULL);
}

gboolean
marina_qemu_vm_prepare_host_side(MarinaQemuVm *self, GError **error)
{
    /* A swtpm of an earlier start that never reached QEMU is not reused. */
    marina_qemu_vm_stop_swtpm(self);
    return prepare_uefi(self, error) && prepare_pci_hostdevs(self, error) &&
           start_swtpm(self, error);
}

/* ---- settings applied over QMP at start ---------------------------------- */

gboolean
marina_qemu_vm_has_start_settings(const MarinaDomainConfig *config)
{
    if (config->vcpupins != NULL && config->vcpupins->len > 0)
        return TRUE;
    for (guint i = 0; i < config->interfaces->len; i++) {
        if (((const MarinaInterfaceConfig *)config->interfaces->pdata[i])->link_down)
            return TRUE;
    }
    return FALSE;
}

int
marina_qemu_vcpu_thread_id(JsonNode *reply, guint vcpu)
{
    JsonArray *cpus;

    if (reply == NULL || !JSON_NODE_HOLDS_ARRAY(reply))
        return -1;
    cpus = json_node_get_array(reply);
    for (guint i = 0; i < json_array_get_length(cpus); i++) {
        JsonObject *cpu = json_array_get_object_element(cpus, i);

        if (cpu != NULL && json_object_get_int_member_with_default(cpu, "cpu-index", -1) == vcpu)
            return (int)json_object_get_int_member_with_default(cpu, "thread-id", -1);
    }
    return -1;
}

/* libvirt's CPU list syntax ("0-3,^2,5") into a cpu_set_t: inclusions
 * first, then exclusions. */
static gboolean
parse_cpulist(const char *text, cpu_set_t *set)
{
    g_auto(GStrv) parts = g_strsplit(text, ",", 0);

    CPU_ZERO(set);
    for (guint pass = 0; pass < 2; pass++) {
        for (guint i = 0; parts[i] != NULL; i++) {
            g_autofree char *item = g_strstrip(g_strdup(parts[i]));
            gboolean negate = item[0] == '^';
            g_auto(GStrv) range = g_strsplit(negate ? item + 1 : item, "-", 2);
            guint64 lo, hi;

            if ((pass == 0) == negate)
                continue;
            if (!g_ascii_string_to_unsigned(range[0], 10, 0, CPU_SETSIZE - 1, &lo, NULL))
                return FALSE;
            hi = lo;
            if (range[1] != NULL && (negate || !g_ascii_string_to_unsigned(
                                                   range[1], 10, lo, CPU_SETSIZE - 1, &hi, NULL)))
                return FALSE;
            for (guint64 c = lo; c <= hi; c++) {
                if (negate)
                    CPU_CLR(c, set);
                else
                    CPU_SET(c, set);
            }
        }
    }
    return CPU_COUNT(set) > 0;
}

gboolean
marina_qemu_pin_thread(int tid, const char *cpulist, GError **error)
{
    cpu_set_t set;

    if (cpulist == NULL || !parse_cpulist(cpulist, &set)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not a valid CPU list; write CPUs like '0-3,^2,5'."),
                    cpulist != NULL ? cpulist : "");
        return FALSE;
    }
    if (tid <= 0) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED, "%s",
                    _("QEMU did not report the thread of this virtual CPU."));
        return FALSE;
    }
    if (sched_setaffinity(tid, sizeof set, &set) != 0) {
        int saved = errno;

        g_set_error(error, MARINA_ERROR, MARINA_ERROR_OPERATION_FAILED,
                    saved == EINVAL ? _("CPU list '%s' names no CPU this host has online.")
                                    : _("Cannot pin to CPUs '%s': %s"),
                    cpulist, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

static void
on_vcpus_listed(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(MarinaQemuVm) self = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);
    const MarinaDomainConfig *live = LIVE(self);

    if (reply == NULL || live == NULL) {
        if (error != NULL)
            g_warning("Guest '%s': cannot list its vCPU threads to pin them: %s", vm_name(self),
                      error->message);
        return;
    }
    for (guint i = 0; i < live->vcpupins->len; i++) {
        const MarinaVcpuPin *pin = live->vcpupins->pdata[i];
        int tid = marina_qemu_vcpu_thread_id(reply, pin->vcpu);
        g_autoptr(GError) pin_error = NULL;

        /* A vCPU that is not online yet has no thread; it is pinned when it comes. */
        if (tid < 0)
            continue;
        if (!marina_qemu_pin_thread(tid, pin->cpuset, &pin_error))
            g_warning("Guest '%s': vCPU %u: %s", vm_name(self), pin->vcpu, pin_error->message);
    }
}

static void
on_link_set(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) reply =
        marina_qmp_client_execute_finish(MARINA_QMP_CLIENT(source), result, &error);

    if (reply == NULL)
        g_warning("Cannot set a guest's network link down: %s", error->message);
}

void
marina_qemu_vm_apply_start_settings(MarinaQemuVm *self)
{
    const MarinaDomainConfig *live = LIVE(self);

    if (self->qmp == NULL || live == NULL)
        return;
    /* QMP runs commands in order: these land before the "cont" that follows. */
    for (guint i = 0; i < live->interfaces->len; i++) {
        const MarinaInterfaceConfig *iface = live->interfaces->pdata[i];
        g_autofree char *id = NULL;
        JsonObject *args;

        if (!iface->link_down)
            continue;
        id = g_strdup_printf("net%u", i); /* qemu-command.c's device ids */
        args = marina_qemu_json_args("name", id, NULL);
        json_object_set_boolean_member(args, "up", FALSE);
        marina_qmp_client_execute_async(self->qmp, "set_link", args, -1, NULL, on_link_set, NULL);
    }
    marina_qemu_vm_pin_vcpus(self);
}

void
marina_qemu_vm_pin_vcpus(MarinaQemuVm *self)
{
    const MarinaDomainConfig *live = LIVE(self);

    if (self->qmp != NULL && live != NULL && live->vcpupins->len > 0)
        marina_qmp_client_execute_async(self->qmp, "query-cpus-fast", NULL, -1, NULL,
                                        on_vcpus_listed, g_object_ref(self));
}
