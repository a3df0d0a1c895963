/* Memory and vCPUs of a real QEMU guest (TCG) through marinactl: the balloon seen inside the
 * guest, the maximum changed in the definition only, a vCPU hot-plugged and pinned (seen in the
 * guest, in vcpuinfo and in the thread's affinity on the host), `marinactl edit` with a script
 * as $EDITOR (a change applied; invalid XML refused, the text kept, the definition unchanged),
 * and domifaddr. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "core/error.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"
#define BOOT_TIMEOUT 60000

/* The test guest with a virtio balloon, a user-mode NIC and room for a second vCPU. */
static char *
tuning_guest_xml(const char *name)
{
    g_autofree char *xml =
        harness_guest_xml(name, "    <interface type='user'><model type='virtio'/></interface>\n");
    g_autoptr(GString) s = g_string_new(xml);

    g_assert_cmpint(
        g_string_replace(s, "<memballoon model='none'/>", "<memballoon model='virtio'/>", 1), ==,
        1);
    g_assert_cmpint(g_string_replace(s, "<vcpu>1</vcpu>", "<vcpu current='1'>2</vcpu>", 1), ==, 1);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static int
boot(Harness *h, MarinaDBusDomain *dom, GString *acc)
{
    g_autoptr(GError) error = NULL;
    int fd;

    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, BOOT_TIMEOUT));
    assert_true(harness_type_and_wait(fd, acc, "echo marina-$((40+2))", "marina-42", 20000));
    return fd;
}

/* Runs @command in the guest's shell; its output. Markers only the output can contain (the
 * echoed command line has them quoted, and may be wrapped anywhere by the terminal) enclose it. */
static char *
guest_run(int fd, GString *acc, const char *command)
{
    g_autofree char *line = g_strdup_printf("echo BEG\"\"-MARK; %s; echo END\"\"-MARK", command);
    gsize from = acc->len;
    const char *start, *end;

    if (!harness_type_and_wait(fd, acc, line, "END-MARK", 20000))
        fail_msg("no answer from the guest to '%s': %s", command, acc->str + from);
    start = strstr(acc->str + from, "BEG-MARK");
    start = start != NULL ? strchr(start, '\n') : NULL;
    end = g_strrstr(acc->str + from, "END-MARK");
    if (start == NULL || end == NULL || end < start)
        fail_msg("no output markers in the guest's answer to '%s': %s", command, acc->str + from);
    return g_strndup(start + 1, end - start - 1);
}

static guint64
guest_mem_total_kib(int fd, GString *acc)
{
    g_autofree char *out = guest_run(fd, acc, "grep MemTotal /proc/meminfo");
    const char *p = strstr(out, "MemTotal:");

    if (p == NULL)
        fail_msg("no MemTotal in '%s'", out);
    return g_ascii_strtoull(p + strlen("MemTotal:"), NULL, 10);
}

static GVariant *
domain_info(MarinaDBusDomain *dom)
{
    g_autoptr(GError) error = NULL;
    GVariant *info = NULL;

    if (!marina_dbus_domain_call_get_info_sync(dom, &info, NULL, &error))
        fail_msg("GetInfo: %s", error->message);
    return info;
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

/* marinactl, failing the test unless it exits with @expect; its stdout and stderr. */
static void
ctl(Harness *h, int expect, char **out, char **err, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *o = NULL, *e = NULL;
    va_list ap;
    const char *arg;
    int status;

    g_ptr_array_add(argv, (char *)g_getenv("MARINACTL"));
    g_ptr_array_add(argv, "-c");
    g_ptr_array_add(argv, h->uri);
    va_start(ap, err);
    while ((arg = va_arg(ap, const char *)) != NULL)
        g_ptr_array_add(argv, (char *)arg);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    /* stdin is never a terminal here (edit must not ask). */
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &o,
                      &e, &status, NULL))
        fail_msg("marinactl did not run");
    status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (status != expect)
        fail_msg("marinactl %s ...: exit %d, expected %d\nstdout: %s\nstderr: %s",
                 (char *)argv->pdata[3], status, expect, o, e);
    if (out != NULL)
        *out = g_steal_pointer(&o);
    if (err != NULL)
        *err = g_steal_pointer(&e);
}

static void
test_balloon_and_maximum(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = tuning_guest_xml("tune-mem");
    g_autoptr(GString) mem_xml = g_string_new(xml);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GVariant) info = NULL;
    g_autofree char *err = NULL, *def = NULL;
    guint64 booted, before = 0, after = 0, kib = 0;
    gint64 end;
    int fd;

    /* <currentMemory> below the maximum: the guest boots ballooned to 112 of its 128 MiB. */
    g_assert_cmpint(g_string_replace(mem_xml, "<memory unit='MiB'>128</memory>",
                                     "<memory unit='MiB'>128</memory>"
                                     "<currentMemory unit='MiB'>112</currentMemory>",
                                     1),
                    ==, 1);
    dom = harness_define(h, mem_xml->str);
    fd = boot(h, dom, acc);
    booted = guest_mem_total_kib(fd, acc);

    /* Given all 128 MiB: MemTotal grows by about 16 MiB. */
    ctl(h, 0, NULL, NULL, "setmem", "tune-mem", "128M", NULL);
    end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    do {
        harness_iterate(500);
        before = guest_mem_total_kib(fd, acc);
    } while (before < booted + 12 * 1024 && g_get_monotonic_time() < end);
    if (before < booted + 12 * 1024)
        fail_msg("MemTotal %llu kB at boot (112 MiB), %llu kB with 128 MiB",
                 (unsigned long long)booted, (unsigned long long)before);

    /* 128 MiB -> 96 MiB through the balloon: the guest's MemTotal drops by about 32 MiB. */
    ctl(h, 0, NULL, NULL, "setmem", "tune-mem", "96M", "--live", NULL);
    end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    do {
        harness_iterate(500);
        after = guest_mem_total_kib(fd, acc);
    } while (after + 24 * 1024 > before && g_get_monotonic_time() < end);
    if (after + 24 * 1024 > before)
        fail_msg("MemTotal %llu kB before, %llu kB after ballooning to 96 MiB",
                 (unsigned long long)before, (unsigned long long)after);
    /* What the guest has now (QEMU's BALLOON_CHANGE), once the balloon has settled. */
    assert_true(HARNESS_WAIT_FOR(({
                                     g_autoptr(GVariant) i = domain_info(dom);
                                     g_variant_lookup(i, "memory-kib", "t", &kib);
                                     kib == 96 * 1024;
                                 }),
                                 10000));

    /* More than the maximum is refused while it runs; so is a new maximum for the running
     * guest. */
    ctl(h, 1, NULL, &err, "setmem", "tune-mem", "256M", NULL);
    assert_non_null(strstr(err, "maximum"));
    g_clear_pointer(&err, g_free);
    ctl(h, 1, NULL, &err, "setmaxmem", "tune-mem", "256M", NULL);
    assert_non_null(strstr(err, "--config"));
    g_clear_pointer(&err, g_free);

    /* The maximum in the definition: the running guest keeps its 128 MiB. */
    ctl(h, 0, NULL, NULL, "setmaxmem", "tune-mem", "256M", "--config", NULL);
    def = inactive_xml(dom);
    assert_non_null(strstr(def, "<memory unit=\"KiB\">262144</memory>"));
    g_clear_pointer(&info, g_variant_unref);
    info = domain_info(dom);
    assert_true(g_variant_lookup(info, "max-memory-kib", "t", &kib));
    assert_int_equal(kib, 128 * 1024);

    close(fd);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, NULL));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 10000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
}

/* The vCPU entry @vcpu of GetVcpuInfo: its thread and affinity. */
static void
vcpu_thread(MarinaDBusDomain *dom, guint vcpu, gint32 *tid, char **affinity, gboolean *online)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) vcpus = NULL;
    GVariantIter iter;
    GVariant *d;

    if (!marina_dbus_domain_call_get_vcpu_info_sync(dom, &vcpus, NULL, &error))
        fail_msg("GetVcpuInfo: %s", error->message);
    g_variant_iter_init(&iter, vcpus);
    while ((d = g_variant_iter_next_value(&iter)) != NULL) {
        guint v = G_MAXUINT;

        g_variant_lookup(d, "vcpu", "u", &v);
        if (v == vcpu) {
            assert_true(g_variant_lookup(d, "thread-id", "i", tid));
            assert_true(g_variant_lookup(d, "affinity", "s", affinity));
            assert_true(g_variant_lookup(d, "online", "b", online));
        }
        g_variant_unref(d);
    }
}

static char *
thread_cpus_allowed(MarinaDBusDomain *dom, gint32 tid)
{
    g_autoptr(GVariant) info = domain_info(dom);
    g_autofree char *path = NULL, *status = NULL;
    gint32 pid = 0;
    const char *p;

    assert_true(g_variant_lookup(info, "pid", "i", &pid));
    path = g_strdup_printf("/proc/%d/task/%d/status", pid, tid);
    assert_true(g_file_get_contents(path, &status, NULL, NULL));
    p = strstr(status, "Cpus_allowed_list:");
    assert_non_null(p);
    p += strlen("Cpus_allowed_list:");
    while (*p == ' ' || *p == '\t')
        p++;
    return g_strndup(p, strcspn(p, "\n"));
}

static void
test_vcpu_hotplug_and_pin(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = tuning_guest_xml("tune-cpu");
    g_autoptr(GString) cpu_xml = g_string_new(xml);
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autofree char *present = NULL, *online = NULL, *out = NULL, *err = NULL;
    g_autofree char *affinity = NULL, *allowed = NULL;
    gboolean is_online = FALSE;
    gint32 tid = -1;
    gint64 end;
    int fd;

    /* Pinning to host CPU 1 and then 0 needs two of them. */
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        skip();
        return;
    }
    /* CPU hot-plug arrives as an ACPI event: without acpi=noirq (with it the kernel sees no
     * CPU slot beyond the ones it booted with). */
    g_assert_cmpint(g_string_replace(cpu_xml, " acpi=noirq", "", 1), ==, 1);
    dom = harness_define(h, cpu_xml->str);
    /* vCPU 1, offline at boot, pinned in the definition: it runs there once plugged in. */
    ctl(h, 0, NULL, NULL, "vcpupin", "tune-cpu", "1", "1", NULL);
    ctl(h, 0, &out, NULL, "vcpupin", "tune-cpu", "--config", NULL);
    assert_non_null(strstr(out, " 1      1\n"));
    g_clear_pointer(&out, g_free);
    fd = boot(h, dom, acc);
    online = guest_run(fd, acc, "cat /sys/devices/system/cpu/online");
    assert_non_null(strstr(online, "0"));
    assert_null(strstr(online, "0-1"));

    /* A second vCPU plugged in: the guest sees it arrive and brings it online. */
    ctl(h, 0, NULL, NULL, "setvcpus", "tune-cpu", "2", "--live", NULL);
    end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    do {
        g_free(present);
        harness_iterate(300);
        present = guest_run(fd, acc, "cat /sys/devices/system/cpu/present");
    } while (strstr(present, "0-1") == NULL && g_get_monotonic_time() < end);
    if (strstr(present, "0-1") == NULL)
        fail_msg("the guest's present CPUs after setvcpus 2: '%s'", present);
    g_free(online);
    online = guest_run(fd, acc,
                       "[ \"$(cat /sys/devices/system/cpu/cpu1/online)\" = 1 ] || "
                       "echo 1 > /sys/devices/system/cpu/cpu1/online; "
                       "cat /sys/devices/system/cpu/online; nproc");
    if (strstr(online, "0-1") == NULL || strstr(online, "\n2") == NULL)
        fail_msg("vCPU 1 did not come online in the guest: '%s'", online);
    ctl(h, 0, &out, NULL, "vcpuinfo", "tune-cpu", "--pretty", NULL);
    assert_non_null(strstr(out, "VCPU:           1\n"));
    g_clear_pointer(&out, g_free);
    vcpu_thread(dom, 1, &tid, &affinity, &is_online);
    assert_true(is_online);
    assert_string_equal(affinity, "1");
    g_clear_pointer(&affinity, g_free);
    allowed = thread_cpus_allowed(dom, tid);
    assert_string_equal(allowed, "1");
    g_clear_pointer(&allowed, g_free);
    ctl(h, 1, NULL, &err, "setvcpus", "tune-cpu", "3", "--live", NULL);
    assert_non_null(strstr(err, "at most 2"));
    g_clear_pointer(&err, g_free);

    /* vCPU 1 pinned to host CPU 0: vcpuinfo, vcpupin and the thread's affinity say so. */
    ctl(h, 0, NULL, NULL, "vcpupin", "tune-cpu", "1", "0", "--live", NULL);
    vcpu_thread(dom, 1, &tid, &affinity, &is_online);
    assert_true(is_online);
    assert_true(tid > 0);
    assert_string_equal(affinity, "0");
    allowed = thread_cpus_allowed(dom, tid);
    assert_string_equal(allowed, "0");
    ctl(h, 0, &out, NULL, "vcpuinfo", "tune-cpu", "--pretty", NULL);
    assert_non_null(strstr(out, "VCPU:           1\nCPU:            0\n"));
    assert_non_null(strstr(out, "CPU Affinity:   0\n"));
    g_clear_pointer(&out, g_free);
    ctl(h, 0, &out, NULL, "vcpupin", "tune-cpu", NULL);
    assert_non_null(strstr(out, " 1      0\n"));
    g_clear_pointer(&out, g_free);
    /* Hostile CPU lists are refused with the reason. */
    ctl(h, 1, NULL, &err, "vcpupin", "tune-cpu", "1", "0-70000", NULL);
    assert_non_null(strstr(err, "0-70000"));
    g_clear_pointer(&err, g_free);
    ctl(h, 1, NULL, &err, "vcpupin", "tune-cpu", "1", "1-0", NULL);
    g_clear_pointer(&err, g_free);

    /* Taken away again: the guest releases the vCPU it was given (the one it booted with
     * cannot go). */
    ctl(h, 0, NULL, NULL, "setvcpus", "tune-cpu", "1", "--live", NULL);
    g_free(present);
    present = guest_run(fd, acc, "cat /sys/devices/system/cpu/present");
    assert_null(strstr(present, "0-1"));
    ctl(h, 0, &out, NULL, "vcpuinfo", "tune-cpu", NULL);
    assert_null(strstr(out, "VCPU:           1\n"));
    g_clear_pointer(&out, g_free);

    /* The definition is untouched by live changes. */
    g_free(out);
    out = inactive_xml(dom);
    assert_non_null(strstr(out, "current=\"1\">2</vcpu>"));
    assert_non_null(strstr(out, "<vcpupin vcpu=\"1\" cpuset=\"1\"/>"));

    close(fd);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, NULL));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 10000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
}

static void
test_domifaddr(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = tuning_guest_xml("tune-net");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autofree char *out = NULL, *err = NULL;
    int fd;

    /* Not running: no addresses to ask for. */
    ctl(h, 1, NULL, &err, "domifaddr", "tune-net", "--source", "arp", NULL);
    assert_non_null(strstr(err, "not running"));
    g_clear_pointer(&err, g_free);

    fd = boot(h, dom, acc);
    ctl(h, 0, &out, NULL, "domifaddr", "tune-net", "--source", "arp", NULL);
    assert_true(g_str_has_prefix(out, " Name       MAC address          Protocol     Address\n"));
    g_clear_pointer(&out, g_free);
    ctl(h, 0, &out, NULL, "domifaddr", "tune-net", NULL);
    assert_true(g_str_has_prefix(out, " Name"));
    ctl(h, 1, NULL, &err, "domifaddr", "tune-net", "--source", "agent", NULL);
    assert_non_null(strstr(err, "guest agent"));
    g_clear_pointer(&err, g_free);
    ctl(h, 2, NULL, &err, "domifaddr", "tune-net", "--source", "dns", NULL);
    close(fd);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, NULL));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 10000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
}

/* An $EDITOR script in the harness directory running @body on "$1". */
static char *
editor_script(Harness *h, const char *name, const char *body)
{
    char *path = g_build_filename(h->dir, name, NULL);
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);

    assert_true(g_file_set_contents(path, text, -1, NULL));
    assert_int_equal(g_chmod(path, 0700), 0);
    return path;
}

static void
test_edit(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = tuning_guest_xml("tune-edit");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *grow = NULL, *bad = NULL, *same = NULL;
    g_autofree char *out = NULL, *err = NULL, *def = NULL, *before = NULL, *kept = NULL;
    g_autofree char *kept_text = NULL;
    const char *p;

    g_unsetenv("VISUAL");

    /* Saved as it was: nothing changes. */
    same = editor_script(h, "same.sh", "exit 0");
    g_setenv("EDITOR", same, TRUE);
    ctl(h, 0, &out, NULL, "edit", "tune-edit", NULL);
    assert_non_null(strstr(out, "Domain 'tune-edit' XML configuration not changed."));
    g_clear_pointer(&out, g_free);

    /* The memory changed in the editor: the definition has it. */
    grow = editor_script(h, "grow.sh",
                         "sed -i -e 's|<memory unit=\"KiB\">131072</memory>|"
                         "<memory unit=\"KiB\">196608</memory>|' \"$1\"");
    g_setenv("EDITOR", grow, TRUE);
    ctl(h, 0, &out, NULL, "edit", "tune-edit", NULL);
    assert_non_null(strstr(out, "Domain 'tune-edit' XML configuration edited."));
    def = inactive_xml(dom);
    assert_non_null(strstr(def, "<memory unit=\"KiB\">196608</memory>"));

    /* Invalid XML: refused, the definition as it was, the edited text kept (no terminal to
     * ask on). */
    before = g_steal_pointer(&def);
    bad = editor_script(h, "bad.sh", "printf '<domain><name>broken</nam>' > \"$1\"");
    g_setenv("EDITOR", bad, TRUE);
    ctl(h, 1, NULL, &err, "edit", "tune-edit", NULL);
    p = strstr(err, "kept in ");
    if (p == NULL)
        fail_msg("no kept file named: %s", err);
    kept = g_strndup(p + strlen("kept in "), strcspn(p + strlen("kept in "), "\n"));
    assert_true(g_file_get_contents(kept, &kept_text, NULL, NULL));
    assert_string_equal(kept_text, "<domain><name>broken</nam>");
    g_unlink(kept);
    def = inactive_xml(dom);
    assert_string_equal(def, before);
    g_unsetenv("EDITOR");
}

/* A D-Bus call that must fail with @code and leave the definition as it was. */
#define ASSERT_REFUSED(call, code)                                                                 \
    do {                                                                                           \
        g_autoptr(GError) e_ = NULL;                                                               \
        g_autofree char *after_ = NULL;                                                            \
        if ((call))                                                                                \
            fail_msg("%s succeeded", #call);                                                       \
        if (!g_error_matches(e_, MARINA_ERROR, (code)))                                            \
            fail_msg("%s: %s, expected code %d", #call, e_ ? e_->message : "(no error)", (code));  \
        after_ = inactive_xml(dom);                                                                \
        assert_string_equal(after_, before);                                                       \
    } while (0)

static void
on_config_changed(GDBusConnection *conn, const char *sender, const char *path,
                  const char *interface, const char *signal, GVariant *params, gpointer data)
{
    GPtrArray *events = data;
    const char *event, *device;

    g_variant_get(params, "(&s&s)", &event, &device);
    g_ptr_array_add(events, g_strdup(event));
}

static void
test_hostile_calls_and_events(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = tuning_guest_xml("tune-bad");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *before = inactive_xml(dom);
    g_autofree char *long_list = g_strnfill(5000, '1');
    g_autofree char *def = NULL;
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GVariant) vcpus = NULL;
    g_autoptr(GError) error = NULL;
    const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(dom));
    gboolean online = FALSE;
    guint sub;

    /* Sizes, counts, flags and CPU lists a client may send: each refused with its reason,
     * nothing written. */
    ASSERT_REFUSED(marina_dbus_domain_call_set_memory_sync(dom, 0, 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_set_memory_sync(dom, 1024, 8, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_set_memory_sync(dom, G_MAXUINT64, 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_set_memory_sync(dom, G_MAXUINT64, 6, NULL, &e_),
                   MARINA_ERROR_INVALID_CONFIG);
    ASSERT_REFUSED(marina_dbus_domain_call_set_memory_sync(dom, 65536, 1, NULL, &e_),
                   MARINA_ERROR_NOT_RUNNING);
    ASSERT_REFUSED(marina_dbus_domain_call_set_vcpus_sync(dom, 0, 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_set_vcpus_sync(dom, 3, 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_set_vcpus_sync(dom, G_MAXUINT32, 6, NULL, &e_),
                   MARINA_ERROR_INVALID_CONFIG);
    ASSERT_REFUSED(marina_dbus_domain_call_set_vcpus_sync(dom, 2, 0xffffffff, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_pin_vcpu_sync(dom, 99, "0", 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_pin_vcpu_sync(dom, G_MAXUINT32, "0", 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_pin_vcpu_sync(dom, 0, "0-99999", 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_pin_vcpu_sync(dom, 0, long_list, 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_pin_vcpu_sync(dom, 0, "0;reboot", 2, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_pin_vcpu_sync(dom, 0, "0", 4, NULL, &e_),
                   MARINA_ERROR_INVALID_ARGUMENT);
    ASSERT_REFUSED(marina_dbus_domain_call_pin_vcpu_sync(dom, 0, "0", 1, NULL, &e_),
                   MARINA_ERROR_NOT_RUNNING);
    {
        g_autoptr(GVariant) ifaces = NULL;

        ASSERT_REFUSED(
            marina_dbus_domain_call_get_interface_addresses_sync(dom, "dns", &ifaces, NULL, &e_),
            MARINA_ERROR_INVALID_ARGUMENT);
        ASSERT_REFUSED(
            marina_dbus_domain_call_get_interface_addresses_sync(dom, "arp", &ifaces, NULL, &e_),
            MARINA_ERROR_NOT_RUNNING);
    }

    /* A shut-off guest lists its configured vCPUs: 0 online at boot, 1 not. */
    assert_true(marina_dbus_domain_call_get_vcpu_info_sync(dom, &vcpus, NULL, &error));
    assert_int_equal(g_variant_n_children(vcpus), 2);
    {
        g_autoptr(GVariant) v1 = g_variant_get_child_value(vcpus, 1);
        assert_true(g_variant_lookup(v1, "online", "b", &online));
        assert_false(online);
    }

    /* Changes to the definition: saved, and every client told (ConfigChanged). */
    sub = g_dbus_connection_signal_subscribe(h->conn, NULL, "org.marinavm.Marina1.Domain",
                                             "ConfigChanged", path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                             on_config_changed, events, NULL);
    assert_true(marina_dbus_domain_call_set_memory_sync(dom, 65536, 0, NULL, &error));
    assert_true(marina_dbus_domain_call_pin_vcpu_sync(dom, 1, "0", 2, NULL, &error));
    assert_true(HARNESS_WAIT_FOR(events->len >= 2, 5000));
    assert_string_equal(events->pdata[0], "memory-changed");
    assert_string_equal(events->pdata[1], "vcpus-changed");
    g_dbus_connection_signal_unsubscribe(h->conn, sub);
    def = inactive_xml(dom);
    assert_non_null(strstr(def, "<currentMemory unit=\"KiB\">65536</currentMemory>"));
    assert_non_null(strstr(def, "<vcpupin vcpu=\"1\" cpuset=\"0\"/>"));
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_balloon_and_maximum),
        cmocka_unit_test(test_vcpu_hotplug_and_pin),
        cmocka_unit_test(test_domifaddr),
        cmocka_unit_test(test_edit),
        cmocka_unit_test(test_hostile_calls_and_events),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
