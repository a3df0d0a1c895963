/* Hardware that lives beside QEMU or is set over QMP at start: the swtpm TPM
 * emulator (started before QEMU, gone with it, its state kept), UEFI with a
 * per-guest NVRAM made from the template, a network link that starts down,
 * and vCPU pinning. Real QEMU under TCG, the test guest. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"
#define BOOT_TIMEOUT 60000
#define OVMF_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"

static void
start(MarinaDBusDomain *dom)
{
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 10000, NULL),
                     MARINA_DOMAIN_RUNNING);
}

static void
destroy(MarinaDBusDomain *dom)
{
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_destroy_sync(dom, NULL, &error))
        fail_msg("destroy: %s", error->message);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 10000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
}

static int
boot(Harness *h, MarinaDBusDomain *dom, GString *acc)
{
    int fd;

    start(dom);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, BOOT_TIMEOUT));
    return fd;
}

static int
qemu_pid(MarinaDBusDomain *dom)
{
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GError) error = NULL;
    int pid = 0;

    if (!marina_dbus_domain_call_get_info_sync(dom, &info, NULL, &error))
        fail_msg("GetInfo: %s", error->message);
    assert_true(g_variant_lookup(info, "pid", "i", &pid));
    assert_true(pid > 0);
    return pid;
}

/* The pid of the one process whose command line holds @needle, or 0. */
static int
find_process(const char *needle)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *entry;

    while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
        g_autofree char *path = g_build_filename("/proc", entry, "cmdline", NULL);
        g_autofree char *cmdline = NULL;
        gsize len = 0;

        if (!g_ascii_isdigit(entry[0]) || !g_file_get_contents(path, &cmdline, &len, NULL))
            continue;
        for (gsize i = 0; i + 1 < len; i++) /* arguments are NUL-separated */
            if (cmdline[i] == '\0')
                cmdline[i] = ' ';
        if (strstr(cmdline, needle) != NULL)
            return atoi(entry);
    }
    return 0;
}

static gboolean
process_alive(int pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *status = NULL;

    /* A zombie has exited: only its parent's reaping is left. */
    return g_file_get_contents(path, &status, NULL, NULL) && strstr(status, "State:\tZ") == NULL;
}

static char *
inactive_xml(MarinaDBusDomain *dom)
{
    g_autoptr(GError) error = NULL;
    char *xml = NULL;

    if (!marina_dbus_domain_call_get_xml_sync(dom, 1, &xml, NULL, &error))
        fail_msg("GetXML: %s", error->message);
    return xml;
}

static void
test_tpm_emulator_lives_and_dies_with_the_guest(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml(
        "dev-tpm", "    <tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>\n");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *tpm_dir = NULL;
    g_autofree char *needle = NULL;
    g_autoptr(GDir) dir = NULL;
    int swtpm;

    if (g_find_program_in_path("swtpm") == NULL) {
        print_message("swtpm not installed, skipping\n");
        skip();
    }
    start(dom);
    tpm_dir = g_build_filename(
        h->state_dir, "tpm",
        marina_dbus_domain_get_uuid(dom) != NULL ? marina_dbus_domain_get_uuid(dom) : "", NULL);
    needle = g_strdup_printf("swtpm socket --tpmstate dir=%s", tpm_dir);
    swtpm = find_process(needle);
    if (swtpm <= 0)
        fail_msg("no process runs '%s'", needle);
    assert_true(process_alive(swtpm));

    destroy(dom);
    assert_true(HARNESS_WAIT_FOR(!process_alive(swtpm), 10000));
    /* The TPM's state stays for the next start. */
    assert_true(g_file_test(tpm_dir, G_FILE_TEST_IS_DIR));
    dir = g_dir_open(tpm_dir, 0, NULL);
    assert_non_null(dir);
    assert_non_null(g_dir_read_name(dir));

    /* A second start uses the same state. */
    start(dom);
    assert_true(find_process(needle) > 0);
    destroy(dom);
}

static void
test_uefi_guest_gets_nvram_from_template(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autofree char *nvram = NULL;
    g_autofree char *def = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *made = NULL;
    g_autofree char *template = NULL;
    gsize made_len = 0, template_len = 0;

    if (!g_file_test(OVMF_VARS, G_FILE_TEST_EXISTS)) {
        print_message("ovmf not installed, skipping\n");
        skip();
    }
    xml = harness_guest_xml("dev-uefi", NULL);
    /* firmware='efi' on <os> */
    {
        g_autofree char *with_efi = NULL;
        char *os = strstr(xml, "<os>");

        assert_non_null(os);
        *os = '\0';
        with_efi = g_strdup_printf("%s<os firmware='efi'>%s", xml, os + 4);
        g_free(xml);
        xml = g_steal_pointer(&with_efi);
    }
    dom = harness_define(h, xml);
    start(dom);
    assert_true(qemu_pid(dom) > 0);

    def = inactive_xml(dom);
    nvram = g_build_filename(h->state_dir, "nvram", NULL);
    expected =
        g_strdup_printf("<nvram>%s/%s_VARS.fd</nvram>", nvram, marina_dbus_domain_get_uuid(dom));
    if (strstr(def, expected) == NULL)
        fail_msg("the definition does not name its NVRAM (%s):\n%s", expected, def);
    g_free(nvram);
    nvram = g_strdup_printf("%s/nvram/%s_VARS.fd", h->state_dir, marina_dbus_domain_get_uuid(dom));
    assert_true(g_file_get_contents(nvram, &made, &made_len, NULL));
    assert_true(g_file_get_contents(OVMF_VARS, &template, &template_len, NULL));
    assert_int_equal(made_len, template_len);
    destroy(dom);
    /* The variables survive the guest. */
    assert_true(g_file_test(nvram, G_FILE_TEST_IS_REGULAR));
}

static void
test_link_down_at_start(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml(
        "dev-link", "    <interface type='user'><mac address='52:54:00:00:11:01'/>"
                    "<model type='virtio'/><link state='down'/></interface>\n");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GString) acc = g_string_new(NULL);
    int fd = boot(h, dom, acc);

    assert_true(harness_type_and_wait(fd, acc,
                                      "ip link set eth0 up; echo carrier-$(cat "
                                      "/sys/class/net/eth0/carrier)-end",
                                      "carrier-0-end", 20000));
    close(fd);
    destroy(dom);
}

static void
test_vcpupin_applied(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("dev-pin", NULL);
    g_autofree char *pinned = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GDir) tasks = NULL;
    g_autofree char *task_dir = NULL;
    const char *tid;
    guint vcpu_threads = 0;
    int pid;

    /* Two vCPUs, both pinned to CPU 0 (the machine may have only two). */
    {
        char *vcpu = strstr(xml, "<vcpu>1</vcpu>");

        assert_non_null(vcpu);
        *vcpu = '\0';
        pinned = g_strdup_printf("%s<vcpu>2</vcpu>\n  <cputune><vcpupin vcpu='0' cpuset='0'/>"
                                 "<vcpupin vcpu='1' cpuset='0'/></cputune>%s",
                                 xml, vcpu + strlen("<vcpu>1</vcpu>"));
    }
    dom = harness_define(h, pinned);
    start(dom);
    pid = qemu_pid(dom);
    task_dir = g_strdup_printf("/proc/%d/task", pid);
    /* The pins land right after QMP answers, before the guest runs. */
    harness_iterate(500);
    tasks = g_dir_open(task_dir, 0, NULL);
    assert_non_null(tasks);
    while ((tid = g_dir_read_name(tasks)) != NULL) {
        g_autofree char *comm_path = g_build_filename(task_dir, tid, "comm", NULL);
        g_autofree char *status_path = g_build_filename(task_dir, tid, "status", NULL);
        g_autofree char *comm = NULL;
        g_autofree char *status = NULL;

        if (!g_file_get_contents(comm_path, &comm, NULL, NULL) || !g_str_has_prefix(comm, "CPU ") ||
            !g_file_get_contents(status_path, &status, NULL, NULL))
            continue;
        vcpu_threads++;
        if (strstr(status, "Cpus_allowed_list:\t0\n") == NULL)
            fail_msg("vCPU thread %s (%s) is not pinned to CPU 0:\n%s", tid, g_strstrip(comm),
                     status);
    }
    assert_int_equal(vcpu_threads, 2);
    destroy(dom);
}

static void
test_definition_keeps_the_new_hardware(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml(
        "dev-def", "    <hostdev mode='subsystem' type='usb' managed='no'><source>"
                   "<vendor id='0x1d6b'/><product id='0x0104'/></source></hostdev>\n"
                   "    <interface type='user'><link state='down'/><mtu size='1400'/>"
                   "</interface>\n");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *def = inactive_xml(dom);

    assert_non_null(strstr(def, "<vendor id=\"0x1d6b\"/>"));
    assert_non_null(strstr(def, "<link state=\"down\"/>"));
    assert_non_null(strstr(def, "<mtu size=\"1400\"/>"));
}

/* The session daemon cannot open VFIO: refused at define, saying why. */
static void
test_pci_host_device_needs_the_system_daemon(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml(
        "dev-pci", "    <hostdev mode='subsystem' type='pci' managed='yes'><source>"
                   "<address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>"
                   "</hostdev>\n");
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_autofree char *mode = marina_dbus_host_dup_mode(h->host);

    if (g_strcmp0(mode, "session") != 0) {
        print_message("not a session daemon, skipping\n");
        skip();
    }
    assert_false(marina_dbus_host_call_define_domain_sync(h->host, xml, &path, NULL, NULL, &error));
    assert_non_null(error);
    assert_non_null(strstr(error->message, "PCI host devices need the system daemon"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tpm_emulator_lives_and_dies_with_the_guest),
        cmocka_unit_test(test_uefi_guest_gets_nvram_from_template),
        cmocka_unit_test(test_link_down_at_start),
        cmocka_unit_test(test_vcpupin_applied),
        cmocka_unit_test(test_definition_keeps_the_new_hardware),
        cmocka_unit_test(test_pci_host_device_needs_the_system_daemon),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
