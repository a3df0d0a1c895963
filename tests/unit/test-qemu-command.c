#include "config.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/domain-config.h"
#include "core/error.h"
#include "qemu-command.h"

/* ---- building configs in code ------------------------------------------- */

static void
push(GPtrArray **array, gpointer item)
{
    if (*array == NULL)
        *array = g_ptr_array_new();
    g_ptr_array_add(*array, item);
}

static MarinaDomainConfig *
base_config(void)
{
    MarinaDomainConfig *c = marina_domain_config_new();

    g_free(c->name);
    c->name = g_strdup("web1");
    g_free(c->uuid);
    c->uuid = g_strdup("c7a5fdbd-cdaf-9455-926a-d65c16db1809");
    c->memory_kib = 131072;
    c->current_memory_kib = 131072;
    c->vcpus = 2;
    c->current_vcpus = 1;
    c->acpi = TRUE;
    c->on_poweroff = MARINA_LIFECYCLE_DESTROY;
    c->on_reboot = MARINA_LIFECYCLE_RESTART;
    c->on_crash = MARINA_LIFECYCLE_DESTROY;
    return c;
}

static MarinaDiskConfig *
add_disk(MarinaDomainConfig *c, MarinaDiskDevice device, MarinaDiskBus bus, const char *target,
         const char *source, const char *format)
{
    MarinaDiskConfig *disk = g_new0(MarinaDiskConfig, 1);

    disk->type = MARINA_DISK_TYPE_FILE;
    disk->device = device;
    disk->bus = bus;
    disk->target_dev = g_strdup(target);
    disk->source = g_strdup(source);
    disk->format = g_strdup(format);
    push(&c->disks, disk);
    return disk;
}

static MarinaInterfaceConfig *
add_interface(MarinaDomainConfig *c, MarinaNetType type, const char *mac, const char *model)
{
    MarinaInterfaceConfig *iface = g_new0(MarinaInterfaceConfig, 1);

    iface->type = type;
    iface->mac = g_strdup(mac);
    iface->model = g_strdup(model);
    if (type != MARINA_NET_TYPE_USER)
        iface->source = g_strdup(type == MARINA_NET_TYPE_BRIDGE ? "br0" : "default");
    push(&c->interfaces, iface);
    return iface;
}

static MarinaCharConfig *
add_char(GPtrArray **array, MarinaCharKind kind, guint port, const char *target_type)
{
    MarinaCharConfig *chr = g_new0(MarinaCharConfig, 1);

    chr->kind = kind;
    chr->type = g_strdup("pty");
    chr->port = port;
    chr->target_type = g_strdup(target_type);
    push(array, chr);
    return chr;
}

static const int chardev_fds[] = {10, 11, 12, 13, 14, 15};

static MarinaQemuCommandOptions
base_options(void)
{
    MarinaQemuCommandOptions options = {0};

    options.accel = "tcg";
    options.qmp_fd = 3;
    options.chardev_fds = chardev_fds;
    options.n_chardev_fds = G_N_ELEMENTS(chardev_fds);
    return options;
}

/* ---- argv assertions ---------------------------------------------------- */

static gboolean
has_arg(char **argv, const char *arg)
{
    return g_strv_contains((const char *const *)argv, arg);
}

/* TRUE if "@flag @value" appears as a pair. */
static gboolean
has_pair(char **argv, const char *flag, const char *value)
{
    for (guint i = 0; argv[i] != NULL && argv[i + 1] != NULL; i++)
        if (g_str_equal(argv[i], flag) && g_str_equal(argv[i + 1], value))
            return TRUE;
    return FALSE;
}

static guint
count_pairs_with_prefix(char **argv, const char *flag, const char *prefix)
{
    guint n = 0;

    for (guint i = 0; argv[i] != NULL && argv[i + 1] != NULL; i++)
        if (g_str_equal(argv[i], flag) && g_str_has_prefix(argv[i + 1], prefix))
            n++;
    return n;
}

static void
assert_pair(char **argv, const char *flag, const char *value)
{
    if (!has_pair(argv, flag, value)) {
        g_autofree char *joined = g_strjoinv(" ", argv);

        fail_msg("missing \"%s %s\" in: %s", flag, value, joined);
    }
}

static gboolean
warnings_mention(GPtrArray *warnings, const char *text)
{
    for (guint i = 0; i < warnings->len; i++)
        if (strstr(warnings->pdata[i], text) != NULL)
            return TRUE;
    return FALSE;
}

/* ---- pure tests --------------------------------------------------------- */

static void
test_escape_doubles_commas(G_GNUC_UNUSED void **state)
{
    g_autofree char *a = marina_qemu_escape_opt("/tmp/x,y/disk.qcow2");
    g_autofree char *b = marina_qemu_escape_opt(",,");
    g_autofree char *c = marina_qemu_escape_opt("plain");
    g_autofree char *d = marina_qemu_escape_opt("");

    assert_string_equal(a, "/tmp/x,,y/disk.qcow2");
    assert_string_equal(b, ",,,,");
    assert_string_equal(c, "plain");
    assert_string_equal(d, "");
    assert_null(marina_qemu_escape_opt(NULL));
}

static void
test_basic_command_line(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;

    options.start_paused = TRUE;
    options.incoming = TRUE;
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    assert_non_null(argv);
    assert_string_equal(argv[0], "qemu-system-x86_64");
    assert_pair(argv, "-name", "guest=web1,debug-threads=on");
    assert_pair(argv, "-uuid", "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
    assert_true(has_arg(argv, "-nodefaults"));
    assert_true(has_arg(argv, "-no-user-config"));
    assert_pair(argv, "-display", "none");
    assert_pair(argv, "-msg", "timestamp=on");
    assert_pair(argv, "-machine", "pc,accel=tcg,usb=off");
    assert_pair(argv, "-m", "size=131072k");
    assert_pair(argv, "-smp", "1,maxcpus=2");
    assert_pair(argv, "-rtc", "base=utc");
    assert_true(has_arg(argv, "-no-shutdown"));
    assert_pair(argv, "-action", "reboot=reset");
    assert_pair(argv, "-action", "panic=shutdown");
    assert_pair(argv, "-device", "pvpanic");
    assert_pair(argv, "-boot", "order=c,menu=off");
    assert_pair(argv, "-chardev", "socket,id=charmonitor,fd=3,server=on,wait=off");
    assert_pair(argv, "-mon", "chardev=charmonitor,id=monitor,mode=control");
    assert_pair(argv, "-device", "virtio-balloon-pci,id=balloon0");
    assert_true(has_arg(argv, "-S"));
    assert_pair(argv, "-incoming", "defer");
    /* No USB device asked for: no controller. */
    assert_int_equal(count_pairs_with_prefix(argv, "-device", "qemu-xhci"), 0);
    /* No cpu mode: QEMU's default. */
    assert_false(has_arg(argv, "-cpu"));
}

static void
test_emulator_choice(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_auto(GStrv) argv = NULL;
    g_auto(GStrv) argv2 = NULL;

    options.emulator = "/opt/qemu/bin/qemu-system-x86_64";
    argv = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_string_equal(argv[0], "/opt/qemu/bin/qemu-system-x86_64");
    c->emulator = g_strdup("/usr/bin/kvm");
    argv2 = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_string_equal(argv2[0], "/usr/bin/kvm");
}

static void
test_lifecycle_actions(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_auto(GStrv) argv = NULL;

    c->on_reboot = MARINA_LIFECYCLE_DESTROY;
    c->on_crash = MARINA_LIFECYCLE_PRESERVE;
    c->on_poweroff = MARINA_LIFECYCLE_RESTART;
    c->clock_offset = g_strdup("localtime");
    c->acpi = FALSE;
    argv = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_pair(argv, "-action", "reboot=shutdown");
    assert_pair(argv, "-action", "panic=pause");
    /* The daemon handles poweroff itself, whatever on_poweroff says. */
    assert_true(has_arg(argv, "-no-shutdown"));
    assert_pair(argv, "-rtc", "base=localtime");
    assert_pair(argv, "-machine", "pc,accel=tcg,usb=off,acpi=off");
}

static void
test_cpu_modes(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) warnings2 = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) argv = NULL;
    g_auto(GStrv) argv2 = NULL;
    g_auto(GStrv) argv3 = NULL;

    c->cpu_mode = g_strdup("host-passthrough");
    argv = marina_qemu_command_build(c, &options, warnings, NULL);
    assert_pair(argv, "-cpu", "max");
    assert_true(warnings_mention(warnings, "host-passthrough"));

    options.accel = "kvm";
    argv2 = marina_qemu_command_build(c, &options, warnings2, NULL);
    assert_pair(argv2, "-cpu", "host");
    assert_pair(argv2, "-machine", "pc,accel=kvm,usb=off");
    assert_int_equal(warnings2->len, 0);

    g_free(c->cpu_mode);
    c->cpu_mode = g_strdup("custom");
    c->cpu_model = g_strdup("Skylake-Client");
    argv3 = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_pair(argv3, "-cpu", "Skylake-Client");
}

static void
test_user_strings_are_escaped(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_auto(GStrv) argv = NULL;
    MarinaDiskConfig *disk;
    MarinaGraphicsConfig *vnc = g_new0(MarinaGraphicsConfig, 1);

    g_free(c->name);
    c->name = g_strdup("a,b");
    disk = add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vda",
                    "/tmp/x,y/disk.qcow2", "qcow2");
    disk->serial = g_strdup("SER,1");
    vnc->type = g_strdup("vnc");
    vnc->port = -1;
    push(&c->graphics, vnc);
    options.vnc_socket = "/run/user/1000/marina/a,b/vnc.sock";
    argv = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_pair(argv, "-name", "guest=a,,b,debug-threads=on");
    assert_pair(argv, "-blockdev",
                "driver=file,node-name=file-vda,filename=/tmp/x,,y/disk.qcow2,read-only=off");
    assert_pair(argv, "-blockdev", "driver=qcow2,node-name=drive-vda,file=file-vda,read-only=off");
    assert_pair(argv, "-device", "virtio-blk-pci,drive=drive-vda,id=disk-vda,serial=SER,,1");
    assert_pair(argv, "-vnc", "unix:/run/user/1000/marina/a,,b/vnc.sock");
}

static void
test_disk_bus_wiring_and_bootindex(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;
    MarinaDiskConfig *vda, *sda, *hdc, *sdb;
    MarinaInterfaceConfig *net;

    vda = add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vda", "/img/a.qcow2",
                   "qcow2");
    vda->boot_order = 2;
    sda = add_disk(c, MARINA_DISK_DEVICE_CDROM, MARINA_DISK_BUS_SATA, "sda", NULL, NULL);
    sda->boot_order = 1;
    hdc = add_disk(c, MARINA_DISK_DEVICE_CDROM, MARINA_DISK_BUS_IDE, "hdc", "/iso/d.iso", "raw");
    sdb = add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_SATA, "sdb", "/img/b.raw", NULL);
    add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_SCSI, "sdc", "/dev/sdz", "raw")->type =
        MARINA_DISK_TYPE_BLOCK;
    add_disk(c, MARINA_DISK_DEVICE_FLOPPY, MARINA_DISK_BUS_FDC, "fda", NULL, NULL);
    add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_IDE, "hdb", "/img/c.raw", "raw");
    net = add_interface(c, MARINA_NET_TYPE_USER, "52:54:00:aa:bb:cc", "e1000");
    net->boot_order = 3;
    g_ptr_array_add(c->boot_devs, g_strdup("cdrom"));
    c->boot_menu = TRUE;
    (void)hdc;
    (void)sdb;

    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    /* Per-device boot order wins over <os><boot dev>. */
    assert_pair(argv, "-boot", "menu=on");
    assert_int_equal(count_pairs_with_prefix(argv, "-boot", "order="), 0);
    assert_pair(argv, "-device", "virtio-blk-pci,drive=drive-vda,id=disk-vda,bootindex=2");
    /* An empty CD-ROM: a device without a drive. */
    assert_pair(argv, "-device", "ide-cd,bus=sata0.0,id=disk-sda,bootindex=1");
    assert_int_equal(count_pairs_with_prefix(argv, "-blockdev", "driver=file,node-name=file-sda"),
                     0);
    assert_int_equal(count_pairs_with_prefix(argv, "-device", "ich9-ahci,id=sata0"), 1);
    assert_pair(argv, "-device", "ide-cd,bus=ide.1,unit=0,drive=drive-hdc,id=disk-hdc");
    assert_pair(argv, "-blockdev",
                "driver=file,node-name=file-hdc,filename=/iso/d.iso,read-only=on");
    assert_pair(argv, "-device", "ide-hd,bus=sata0.1,drive=drive-sdb,id=disk-sdb");
    assert_pair(argv, "-device", "ide-hd,bus=ide.0,unit=1,drive=drive-hdb,id=disk-hdb");
    assert_pair(argv, "-device", "virtio-scsi-pci,id=scsi0");
    assert_pair(argv, "-blockdev",
                "driver=host_device,node-name=file-sdc,filename=/dev/sdz,read-only=off");
    assert_pair(argv, "-device",
                "scsi-hd,bus=scsi0.0,channel=0,scsi-id=2,lun=0,drive=drive-sdc,id=disk-sdc");
    assert_pair(argv, "-device", "floppy,unit=0,id=disk-fda");
    assert_pair(argv, "-netdev", "user,id=hostnet0");
    assert_pair(argv, "-device", "e1000,netdev=hostnet0,id=net0,mac=52:54:00:aa:bb:cc,bootindex=3");
}

static void
test_q35_uses_builtin_ahci(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;

    c->machine = g_strdup("q35");
    add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_SATA, "sda", "/img/a.qcow2", "qcow2");
    add_disk(c, MARINA_DISK_DEVICE_CDROM, MARINA_DISK_BUS_SATA, "sdb", NULL, NULL);
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    assert_pair(argv, "-machine", "q35,accel=tcg,usb=off");
    assert_int_equal(count_pairs_with_prefix(argv, "-device", "ich9-ahci"), 0);
    assert_pair(argv, "-device", "ide-hd,bus=ide.0,drive=drive-sda,id=disk-sda");
    assert_pair(argv, "-device", "ide-cd,bus=ide.1,id=disk-sdb");
}

static void
test_boot_devs_become_boot_order(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_auto(GStrv) argv = NULL;

    g_ptr_array_add(c->boot_devs, g_strdup("network"));
    g_ptr_array_add(c->boot_devs, g_strdup("cdrom"));
    g_ptr_array_add(c->boot_devs, g_strdup("hd"));
    g_ptr_array_add(c->boot_devs, g_strdup("fd"));
    argv = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_pair(argv, "-boot", "order=ndca,menu=off");
}

static void
test_cache_modes(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_auto(GStrv) argv = NULL;

    add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vda", "/a", NULL)->cache =
        g_strdup("none");
    add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vdb", "/b", NULL)->cache =
        g_strdup("unsafe");
    add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vdc", "/c", NULL)->cache =
        g_strdup("directsync");
    add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vdd", "/d", NULL)->readonly =
        TRUE;
    argv = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_pair(argv, "-blockdev",
                "driver=file,node-name=file-vda,filename=/a,read-only=off,cache.direct=on,"
                "cache.no-flush=off");
    assert_pair(argv, "-blockdev",
                "driver=raw,node-name=drive-vda,file=file-vda,read-only=off,cache.direct=on,"
                "cache.no-flush=off");
    assert_pair(argv, "-blockdev",
                "driver=file,node-name=file-vdb,filename=/b,read-only=off,cache.direct=off,"
                "cache.no-flush=on");
    assert_pair(argv, "-device", "virtio-blk-pci,drive=drive-vdc,id=disk-vdc,write-cache=off");
    assert_pair(argv, "-blockdev", "driver=raw,node-name=drive-vdd,file=file-vdd,read-only=on");
}

static void
test_serial_console_slots(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    g_autoptr(MarinaDomainConfig) c2 = base_config();
    g_autoptr(MarinaDomainConfig) c3 = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;
    g_auto(GStrv) argv2 = NULL;
    g_auto(GStrv) argv3 = NULL;

    /* <serial port=1>, <serial port=0>, <console type=serial> (alias of 0),
     * <console type=virtio>: three slots, ordered by port. */
    add_char(&c->serials, MARINA_CHAR_SERIAL, 1, NULL);
    add_char(&c->serials, MARINA_CHAR_SERIAL, 0, "isa-serial");
    add_char(&c->consoles, MARINA_CHAR_CONSOLE, 0, "serial");
    add_char(&c->consoles, MARINA_CHAR_CONSOLE, 0, "virtio");
    assert_int_equal(marina_qemu_command_n_chardevs(c), 3);
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    assert_pair(argv, "-chardev", "socket,id=charserial0,fd=10,server=on,wait=on");
    assert_pair(argv, "-device", "isa-serial,chardev=charserial0,id=serial0,index=0");
    assert_pair(argv, "-chardev", "socket,id=charserial1,fd=11,server=on,wait=on");
    assert_pair(argv, "-device", "isa-serial,chardev=charserial1,id=serial1,index=1");
    assert_int_equal(count_pairs_with_prefix(argv, "-device", "isa-serial"), 2);
    assert_pair(argv, "-device", "virtio-serial-pci,id=virtio-serial0");
    assert_pair(argv, "-chardev", "socket,id=charconsole0,fd=12,server=on,wait=on");
    assert_pair(argv, "-device", "virtconsole,chardev=charconsole0,id=console0");

    /* A console alone is serial port 0. */
    add_char(&c2->consoles, MARINA_CHAR_CONSOLE, 0, "serial");
    assert_int_equal(marina_qemu_command_n_chardevs(c2), 1);
    argv2 = marina_qemu_command_build(c2, &options, NULL, NULL);
    assert_pair(argv2, "-device", "isa-serial,chardev=charserial0,id=serial0,index=0");

    /* Too few sockets is a caller bug, reported, not a crash. */
    options.n_chardev_fds = 0;
    argv3 = marina_qemu_command_build(c2, &options, NULL, &error);
    assert_null(argv3);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    assert_int_equal(marina_qemu_command_n_chardevs(c3), 0);
}

static void
test_duplicate_serial_port_is_refused(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;

    add_char(&c->serials, MARINA_CHAR_SERIAL, 0, NULL);
    add_char(&c->serials, MARINA_CHAR_SERIAL, 0, NULL);
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(argv);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_CONFIG));
}

static void
test_network_types(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;
    g_auto(GStrv) argv2 = NULL;
    const int taps[] = {-1, 42};

    add_interface(c, MARINA_NET_TYPE_USER, "52:54:00:00:00:01", NULL);
    add_interface(c, MARINA_NET_TYPE_BRIDGE, "52:54:00:00:00:02", "virtio");
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(argv);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    assert_non_null(strstr(error->message, "52:54:00:00:00:02"));
    assert_non_null(strstr(error->message, "'bridge'"));
    assert_non_null(strstr(error->message, "marina:///system"));

    options.tap_fds = taps;
    options.n_tap_fds = G_N_ELEMENTS(taps);
    argv2 = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_pair(argv2, "-netdev", "user,id=hostnet0");
    assert_pair(argv2, "-device", "virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:00:00:01");
    assert_pair(argv2, "-netdev", "tap,id=hostnet1,fd=42");
    assert_pair(argv2, "-device", "virtio-net-pci,netdev=hostnet1,id=net1,mac=52:54:00:00:00:02");
}

static void
test_graphics_video_input_sound(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;
    g_auto(GStrv) argv2 = NULL;
    MarinaGraphicsConfig *vnc = g_new0(MarinaGraphicsConfig, 1);
    MarinaGraphicsConfig *spice = g_new0(MarinaGraphicsConfig, 1);
    MarinaInputConfig *tablet = g_new0(MarinaInputConfig, 1);
    MarinaInputConfig *mouse = g_new0(MarinaInputConfig, 1);
    MarinaSoundConfig *sound = g_new0(MarinaSoundConfig, 1);
    MarinaSoundConfig *ac97 = g_new0(MarinaSoundConfig, 1);

    vnc->type = g_strdup("vnc");
    vnc->listen = g_strdup("0.0.0.0");
    vnc->port = 5901;
    vnc->password = g_strdup("secret");
    push(&c->graphics, vnc);
    spice->type = g_strdup("spice");
    spice->port = -1;
    push(&c->graphics, spice);
    tablet->type = g_strdup("tablet");
    tablet->bus = g_strdup("usb");
    push(&c->inputs, tablet);
    mouse->type = g_strdup("mouse");
    mouse->bus = g_strdup("ps2");
    push(&c->inputs, mouse);
    sound->model = g_strdup("ich9");
    push(&c->sounds, sound);
    ac97->model = g_strdup("ac97");
    push(&c->sounds, ac97);
    options.vnc_socket = "/run/marina/web1/vnc.sock";

    argv = marina_qemu_command_build(c, &options, warnings, &error);
    assert_null(error);
    assert_pair(argv, "-vnc", "unix:/run/marina/web1/vnc.sock,password=on");
    assert_true(warnings_mention(warnings, "listen address and port"));
    assert_true(warnings_mention(warnings, "'spice'"));
    /* Graphics without <video>: a VGA card. */
    assert_pair(argv, "-device", "VGA");
    assert_pair(argv, "-device", "qemu-xhci,id=usb");
    assert_pair(argv, "-device", "usb-tablet,bus=usb.0,id=input0");
    assert_int_equal(count_pairs_with_prefix(argv, "-device", "usb-mouse"), 0);
    assert_pair(argv, "-audiodev", "none,id=audio0");
    assert_pair(argv, "-device", "ich9-intel-hda,id=sound0");
    assert_pair(argv, "-device", "hda-duplex,id=sound0-codec0,bus=sound0.0,cad=0,audiodev=audio0");
    assert_pair(argv, "-device", "AC97,id=sound1,audiodev=audio0");

    /* Without a VNC socket from the daemon: no -vnc at all. */
    options.vnc_socket = NULL;
    argv2 = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_false(has_arg(argv2, "-vnc"));
}

static void
test_videos(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_auto(GStrv) argv = NULL;
    MarinaVideoConfig *qxl = g_new0(MarinaVideoConfig, 1);
    MarinaVideoConfig *virtio = g_new0(MarinaVideoConfig, 1);

    qxl->model = g_strdup("vga");
    qxl->vram_kib = 16384;
    push(&c->videos, qxl);
    virtio->model = g_strdup("virtio");
    virtio->heads = 2;
    push(&c->videos, virtio);
    argv = marina_qemu_command_build(c, &options, NULL, NULL);
    assert_pair(argv, "-device", "VGA,vgamem_mb=16");
    assert_pair(argv, "-device", "virtio-gpu-pci,max_outputs=2");
}

static void
test_rng_watchdog_balloon_efi(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;
    MarinaRngConfig *rng = g_new0(MarinaRngConfig, 1);

    rng->model = g_strdup("virtio");
    push(&c->rngs, rng);
    c->watchdog = g_new0(MarinaWatchdogConfig, 1);
    c->watchdog->model = g_strdup("i6300esb");
    c->watchdog->action = g_strdup("poweroff");
    c->memballoon_model = g_strdup("none");
    c->firmware = g_strdup("efi");
    c->nvram = g_strdup("/var/lib/marina/nvram/web1,VARS.fd");
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    assert_pair(argv, "-object", "rng-random,id=objrng0,filename=/dev/urandom");
    assert_pair(argv, "-device", "virtio-rng-pci,rng=objrng0,id=rng0");
    assert_pair(argv, "-device", "i6300esb,id=watchdog0");
    assert_pair(argv, "-action", "watchdog=poweroff");
    assert_int_equal(count_pairs_with_prefix(argv, "-device", "virtio-balloon"), 0);
    assert_pair(argv, "-drive",
                "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd");
    assert_pair(argv, "-drive",
                "if=pflash,format=raw,unit=1,file=/var/lib/marina/nvram/web1,,VARS.fd");
}

static MarinaHostdevConfig *
add_hostdev(MarinaDomainConfig *c, MarinaHostdevType type)
{
    MarinaHostdevConfig *h = g_new0(MarinaHostdevConfig, 1);

    h->type = type;
    push(&c->hostdevs, h);
    return h;
}

static void
test_host_devices(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;
    MarinaHostdevConfig *by_id = add_hostdev(c, MARINA_HOSTDEV_USB);
    MarinaHostdevConfig *by_address = add_hostdev(c, MARINA_HOSTDEV_USB);
    MarinaHostdevConfig *pci;

    by_id->vendor_id = 0x046d;
    by_id->product_id = 0xc52b;
    by_address->usb_bus = 1;
    by_address->usb_device = 4;
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    /* A USB host device brings the USB controller. */
    assert_pair(argv, "-device", "qemu-xhci,id=usb");
    assert_pair(argv, "-device", "usb-host,bus=usb.0,vendorid=0x046d,productid=0xc52b,id=hostdev0");
    assert_pair(argv, "-device", "usb-host,bus=usb.0,hostbus=1,hostaddr=4,id=hostdev1");
    g_clear_pointer(&argv, g_strfreev);

    /* PCI: the system daemon only. */
    pci = add_hostdev(c, MARINA_HOSTDEV_PCI);
    pci->pci_bus = 1;
    pci->pci_slot = 0x1f;
    pci->pci_function = 3;
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(argv);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    assert_non_null(strstr(error->message, "PCI host devices need the system daemon"));
    g_clear_error(&error);
    options.privileged = TRUE;
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    assert_pair(argv, "-device", "vfio-pci,host=0000:01:1f.3,id=hostdev2");
}

static void
test_tpm(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;

    c->tpm = g_new0(MarinaTpmConfig, 1);
    c->tpm->model = MARINA_TPM_MODEL_CRB;
    c->tpm->version = g_strdup("2.0");
    /* No swtpm socket: the daemon did not start swtpm; refused, not run without a TPM. */
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(argv);
    g_clear_error(&error);
    options.tpm_socket = "/run/marina/web1,-swtpm.sock";
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    assert_pair(argv, "-chardev", "socket,id=chrtpm,path=/run/marina/web1,,-swtpm.sock");
    assert_pair(argv, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm");
    assert_pair(argv, "-device", "tpm-crb,tpmdev=tpm0,id=tpm0dev");
    g_clear_pointer(&argv, g_strfreev);

    c->tpm->model = MARINA_TPM_MODEL_TIS;
    c->tpm->backend = MARINA_TPM_BACKEND_PASSTHROUGH;
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(argv);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED));
    g_clear_error(&error);
    options.privileged = TRUE;
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    assert_pair(argv, "-tpmdev", "passthrough,id=tpm0,path=/dev/tpm0");
    assert_pair(argv, "-device", "tpm-tis,tpmdev=tpm0,id=tpm0dev");
}

static void
test_topology_discard_mtu(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) argv = NULL;
    MarinaDiskConfig *disk;

    c->vcpus = 8;
    c->current_vcpus = 4;
    c->cpu_sockets = 2;
    c->cpu_cores = 2;
    c->cpu_threads = 2;
    disk = add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vda", "/images/a.qcow2",
                    "qcow2");
    disk->discard = g_strdup("unmap");
    add_interface(c, MARINA_NET_TYPE_USER, "52:54:00:12:34:56", "virtio")->mtu = 9000;
    add_interface(c, MARINA_NET_TYPE_USER, "52:54:00:12:34:57", "e1000")->mtu = 1400;
    argv = marina_qemu_command_build(c, &options, warnings, &error);
    assert_null(error);
    assert_pair(argv, "-smp", "cpus=4,maxcpus=8,sockets=2,cores=2,threads=2");
    assert_pair(argv, "-blockdev",
                "driver=file,node-name=file-vda,filename=/images/a.qcow2,read-only=off,"
                "discard=unmap");
    assert_pair(argv, "-blockdev",
                "driver=qcow2,node-name=drive-vda,file=file-vda,read-only=off,discard=unmap");
    assert_pair(argv, "-device",
                "virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:12:34:56,host_mtu=9000");
    assert_pair(argv, "-device", "e1000,netdev=hostnet1,id=net1,mac=52:54:00:12:34:57");
    assert_true(warnings_mention(warnings, "MTU"));
    g_clear_pointer(&argv, g_strfreev);

    c->cpu_dies = 2;
    c->cpu_sockets = 1;
    argv = marina_qemu_command_build(c, &options, NULL, &error);
    assert_null(error);
    assert_pair(argv, "-smp", "cpus=4,maxcpus=8,sockets=1,dies=2,cores=2,threads=2");
}

static void
test_kernel_boot(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaQemuCommandOptions options = base_options();
    g_auto(GStrv) argv = NULL;

    c->kernel = g_strdup("/boot/vmlinuz,1");
    c->initrd = g_strdup("/boot/initrd.img");
    c->cmdline = g_strdup("console=ttyS0,115200 quiet");
    argv = marina_qemu_command_build(c, &options, NULL, NULL);
    /* These take their value verbatim: no escaping. */
    assert_pair(argv, "-kernel", "/boot/vmlinuz,1");
    assert_pair(argv, "-initrd", "/boot/initrd.img");
    assert_pair(argv, "-append", "console=ttyS0,115200 quiet");
}

static void
expect_build_error(MarinaDomainConfig *c, MarinaError code, const char *mention)
{
    MarinaQemuCommandOptions options = base_options();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = marina_qemu_command_build(c, &options, NULL, &error);

    assert_null(argv);
    if (!g_error_matches(error, MARINA_ERROR, code))
        fail_msg("expected code %d, got: %s", code, error != NULL ? error->message : "success");
    if (mention != NULL && strstr(error->message, mention) == NULL)
        fail_msg("'%s' not in: %s", mention, error->message);
}

static void
test_configs_that_cannot_run(G_GNUC_UNUSED void **state)
{
    g_autoptr(MarinaDomainConfig) c1 = base_config();
    g_autoptr(MarinaDomainConfig) c2 = base_config();
    g_autoptr(MarinaDomainConfig) c3 = base_config();
    g_autoptr(MarinaDomainConfig) c4 = base_config();
    g_autoptr(MarinaDomainConfig) c5 = base_config();
    g_autoptr(MarinaDomainConfig) c6 = base_config();
    g_autoptr(MarinaDomainConfig) c7 = base_config();
    MarinaControllerConfig *usb_none = g_new0(MarinaControllerConfig, 1);
    MarinaInputConfig *tablet = g_new0(MarinaInputConfig, 1);

    add_disk(c1, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_IDE, "hda", "/a", NULL)->readonly = TRUE;
    expect_build_error(c1, MARINA_ERROR_UNSUPPORTED, "'hda'");

    add_disk(c2, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vda", NULL, NULL);
    expect_build_error(c2, MARINA_ERROR_INVALID_CONFIG, "'vda'");

    add_disk(c3, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vda", "/a", NULL)->boot_order =
        1;
    add_interface(c3, MARINA_NET_TYPE_USER, "52:54:00:00:00:01", NULL)->boot_order = 1;
    expect_build_error(c3, MARINA_ERROR_INVALID_CONFIG, "Boot order 1");

    c4->memory_kib = 0;
    expect_build_error(c4, MARINA_ERROR_INVALID_CONFIG, "<memory>");

    usb_none->type = g_strdup("usb");
    usb_none->model = g_strdup("none");
    push(&c5->controllers, usb_none);
    tablet->type = g_strdup("tablet");
    tablet->bus = g_strdup("usb");
    push(&c5->inputs, tablet);
    expect_build_error(c5, MARINA_ERROR_INVALID_CONFIG, "USB");

    add_disk(c6, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vda", "relative.qcow2", NULL);
    expect_build_error(c6, MARINA_ERROR_INVALID_CONFIG, "absolute");

    add_disk(c7, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_IDE, "hde", "/a", NULL);
    expect_build_error(c7, MARINA_ERROR_UNSUPPORTED, "'hde'");
}

/* ---- the real QEMU ------------------------------------------------------ */

typedef struct {
    GSocket *socket;
    GDataInputStream *in;
    GOutputStream *out;
} Qmp;

static GSocket *
listen_unix(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);
    GSocket *listener =
        g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);

    assert_non_null(listener);
    assert_true(g_socket_bind(listener, address, FALSE, &error));
    assert_true(g_socket_listen(listener, &error));
    return listener;
}

static GSocketConnection *
connect_unix(const char *path)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);
    g_autoptr(GError) error = NULL;
    GSocketConnection *connection =
        g_socket_client_connect(client, G_SOCKET_CONNECTABLE(address), NULL, &error);

    if (connection == NULL)
        fail_msg("connect %s: %s", path, error->message);
    /* Never hang the test on a silent QEMU. */
    g_socket_set_timeout(g_socket_connection_get_socket(connection), 20);
    return connection;
}

/* One QMP exchange (blocking is fine in a test). Skips events. */
static JsonNode *
qmp_call(GDataInputStream *in, GOutputStream *out, const char *command, JsonObject **error_out)
{
    g_autoptr(GError) error = NULL;

    if (command != NULL)
        assert_true(g_output_stream_write_all(out, command, strlen(command), NULL, NULL, &error));
    for (;;) {
        g_autofree char *line = g_data_input_stream_read_line(in, NULL, NULL, &error);
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonObject *reply;

        if (line == NULL)
            fail_msg("QMP read failed: %s", error != NULL ? error->message : "EOF");
        assert_true(json_parser_load_from_data(parser, line, -1, NULL));
        reply = json_node_get_object(json_parser_get_root(parser));
        if (json_object_has_member(reply, "event"))
            continue;
        if (error_out != NULL && json_object_has_member(reply, "error"))
            *error_out = json_object_ref(json_object_get_object_member(reply, "error"));
        if (json_object_has_member(reply, "QMP") || json_object_has_member(reply, "error"))
            return json_node_copy(json_parser_get_root(parser));
        return json_node_copy(json_object_get_member(reply, "return"));
    }
}

static char *
qmp_text(GDataInputStream *in, GOutputStream *out, const char *command)
{
    JsonObject *error = NULL;
    g_autoptr(JsonNode) ret = qmp_call(in, out, command, &error);

    if (error != NULL) {
        g_autofree char *dump = json_to_string(ret, FALSE);

        json_object_unref(error);
        fail_msg("%s failed: %s", command, dump);
    }
    return json_to_string(ret, FALSE);
}

/* What QEMU reported about the machine it built, for the caller to check. */
typedef struct {
    char *block;       /* query-block */
    char *chardevs;    /* query-chardev */
    char *peripherals; /* qom-list /machine/peripheral */
} QemuReport;

static void
qemu_report_clear(QemuReport *report)
{
    g_free(report->block);
    g_free(report->chardevs);
    g_free(report->peripherals);
}

static void
run_real_qemu(MarinaDomainConfig *c, const char *dir, QemuReport *report)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *vnc_path = g_build_filename(dir, "v,nc.sock", NULL);
    g_autoptr(GSocket) qmp_listener = listen_unix(qmp_path);
    g_autoptr(GPtrArray) serial_listeners = g_ptr_array_new_with_free_func(g_object_unref);
    g_autoptr(GPtrArray) serial_conns = g_ptr_array_new_with_free_func(g_object_unref);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_autoptr(GSubprocess) qemu = NULL;
    g_autoptr(GSocketConnection) qmp = NULL;
    g_autoptr(GDataInputStream) in = NULL;
    g_autofree char *status = NULL;
    g_autofree char *status2 = NULL;
    g_autofree char *vnc = NULL;
    g_autoptr(JsonNode) greeting = NULL;
    g_autoptr(JsonNode) caps = NULL;
    g_autoptr(JsonNode) cont = NULL;
    g_auto(GStrv) argv = NULL;
    MarinaQemuCommandOptions options = {0};
    guint n_slots = marina_qemu_command_n_chardevs(c);
    g_autofree int *fds = g_new0(int, MAX(n_slots, 1));
    GOutputStream *out;

    /* Numbered as the daemon would hand them over. */
    options.accel = "tcg";
    options.qmp_fd = 3;
    options.vnc_socket = vnc_path;
    options.start_paused = TRUE;
    g_subprocess_launcher_take_fd(launcher, dup(g_socket_get_fd(qmp_listener)), 3);
    for (guint i = 0; i < n_slots; i++) {
        g_autofree char *name = g_strdup_printf("serial%u.sock", i);
        g_autofree char *path = g_build_filename(dir, name, NULL);
        GSocket *listener = listen_unix(path);

        g_ptr_array_add(serial_listeners, listener);
        fds[i] = 4 + i;
        g_subprocess_launcher_take_fd(launcher, dup(g_socket_get_fd(listener)), fds[i]);
    }
    options.chardev_fds = fds;
    options.n_chardev_fds = n_slots;
    argv = marina_qemu_command_build(c, &options, warnings, &error);
    if (argv == NULL)
        fail_msg("build: %s", error->message);
    {
        g_autofree char *joined = g_strjoinv(" ", argv);

        print_message("%s\n", joined);
    }
    qemu = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv, &error);
    assert_non_null(qemu);

    /* QEMU waits (wait=on) for each serial slot before starting. */
    for (guint i = 0; i < n_slots; i++) {
        g_autofree char *name = g_strdup_printf("serial%u.sock", i);
        g_autofree char *path = g_build_filename(dir, name, NULL);

        g_ptr_array_add(serial_conns, connect_unix(path));
    }
    qmp = connect_unix(qmp_path);
    in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(qmp)));
    g_data_input_stream_set_newline_type(in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
    out = g_io_stream_get_output_stream(G_IO_STREAM(qmp));
    greeting = qmp_call(in, out, NULL, NULL);
    if (greeting == NULL || !JSON_NODE_HOLDS_OBJECT(greeting) ||
        !json_object_has_member(json_node_get_object(greeting), "QMP"))
        fail_msg("QEMU exited or sent no greeting (see its stderr above)");
    caps = qmp_call(in, out, "{\"execute\":\"qmp_capabilities\"}\n", NULL);

    status = qmp_text(in, out, "{\"execute\":\"query-status\"}\n");
    assert_non_null(strstr(status, "\"prelaunch\""));
    report->block = qmp_text(in, out, "{\"execute\":\"query-block\"}\n");
    report->chardevs = qmp_text(in, out, "{\"execute\":\"query-chardev\"}\n");
    assert_non_null(strstr(report->chardevs, "\"label\":\"charmonitor\""));
    report->peripherals = qmp_text(in, out,
                                   "{\"execute\":\"qom-list\",\"arguments\":{\"path\":"
                                   "\"/machine/peripheral\"}}\n");
    vnc = qmp_text(in, out, "{\"execute\":\"query-vnc\"}\n");
    assert_non_null(strstr(vnc, "\"enabled\":true"));
    /* The socket path with a comma reached QEMU intact. */
    assert_true(g_file_test(vnc_path, G_FILE_TEST_EXISTS));
    cont = qmp_call(in, out, "{\"execute\":\"cont\"}\n", NULL);
    status2 = qmp_text(in, out, "{\"execute\":\"query-status\"}\n");
    assert_non_null(strstr(status2, "\"running\""));

    g_subprocess_force_exit(qemu);
    g_subprocess_wait(qemu, NULL, NULL);
}

static gboolean
have_qemu(void)
{
    g_autofree char *path = g_find_program_in_path("qemu-system-x86_64");

    return path != NULL;
}

static void
test_real_qemu_accepts_pc_command_line(G_GNUC_UNUSED void **state)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *disk_dir = NULL;
    g_autofree char *disk_path = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *disk2_path = NULL;
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaDiskConfig *vda;
    MarinaGraphicsConfig *vnc = g_new0(MarinaGraphicsConfig, 1);
    MarinaInputConfig *tablet = g_new0(MarinaInputConfig, 1);
    MarinaSoundConfig *sound = g_new0(MarinaSoundConfig, 1);
    MarinaRngConfig *rng = g_new0(MarinaRngConfig, 1);
    int exit_status = 0;
    QemuReport report = {0};

    if (!have_qemu()) {
        print_message("qemu-system-x86_64 not found, skipping\n");
        skip();
    }
    dir = g_dir_make_tmp("marina-qcmd-XXXXXX", &error);
    assert_non_null(dir);
    disk_dir = g_build_filename(dir, "x,y", NULL);
    assert_int_equal(g_mkdir(disk_dir, 0700), 0);
    disk_path = g_build_filename(disk_dir, "disk.qcow2", NULL);
    disk2_path = g_build_filename(dir, "scsi.qcow2", NULL);
    for (guint i = 0; i < 2; i++) {
        const char *img_argv[] = {"qemu-img", "create", "-q",
                                  "-f",       "qcow2",  i == 0 ? disk_path : disk2_path,
                                  "16M",      NULL};

        assert_true(g_spawn_sync(NULL, (char **)img_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 NULL, NULL, &exit_status, &error));
        assert_true(g_spawn_check_wait_status(exit_status, &error));
    }

    g_free(c->name);
    c->name = g_strdup("real,guest");
    vda = add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_VIRTIO, "vda", disk_path, "qcow2");
    vda->boot_order = 1;
    vda->serial = g_strdup("S,1");
    vda->cache = g_strdup("writeback");
    vda->discard = g_strdup("unmap");
    c->cpu_sockets = 1;
    c->cpu_cores = 2;
    c->cpu_threads = 1;
    add_interface(c, MARINA_NET_TYPE_USER, "52:54:00:12:34:57", "virtio")->mtu = 9000;
    add_interface(c, MARINA_NET_TYPE_USER, "52:54:00:12:34:58", "virtio")->link_down = TRUE;
    {
        MarinaHostdevConfig *usb = add_hostdev(c, MARINA_HOSTDEV_USB);

        usb->vendor_id = 0x1d6b; /* absent or not: QEMU waits for it */
        usb->product_id = 0x0104;
    }
    add_disk(c, MARINA_DISK_DEVICE_CDROM, MARINA_DISK_BUS_SATA, "sda", NULL, NULL);
    add_disk(c, MARINA_DISK_DEVICE_CDROM, MARINA_DISK_BUS_IDE, "hdc", NULL, NULL)->boot_order = 2;
    add_disk(c, MARINA_DISK_DEVICE_DISK, MARINA_DISK_BUS_SCSI, "sdb", disk2_path, "qcow2")
        ->readonly = TRUE;
    add_disk(c, MARINA_DISK_DEVICE_FLOPPY, MARINA_DISK_BUS_FDC, "fda", NULL, NULL);
    add_interface(c, MARINA_NET_TYPE_USER, "52:54:00:12:34:56", "e1000")->boot_order = 3;
    add_char(&c->serials, MARINA_CHAR_SERIAL, 0, "isa-serial");
    add_char(&c->consoles, MARINA_CHAR_CONSOLE, 0, "serial");
    add_char(&c->consoles, MARINA_CHAR_CONSOLE, 0, "virtio");
    vnc->type = g_strdup("vnc");
    vnc->port = -1;
    vnc->password = g_strdup("pw");
    push(&c->graphics, vnc);
    tablet->type = g_strdup("tablet");
    tablet->bus = g_strdup("usb");
    push(&c->inputs, tablet);
    sound->model = g_strdup("ich6");
    push(&c->sounds, sound);
    rng->model = g_strdup("virtio");
    push(&c->rngs, rng);
    c->watchdog = g_new0(MarinaWatchdogConfig, 1);
    c->watchdog->model = g_strdup("i6300esb");
    c->on_crash = MARINA_LIFECYCLE_PRESERVE;

    run_real_qemu(c, dir, &report);
    /* The comma in the path reached QEMU intact. */
    expected = g_strdup_printf("\"file\":\"%s\"", disk_path);
    assert_non_null(strstr(report.block, expected));
    assert_non_null(strstr(report.block, "\"node-name\":\"drive-vda\""));
    assert_non_null(strstr(report.chardevs, "\"label\":\"charserial0\""));
    assert_non_null(strstr(report.chardevs, "\"label\":\"charconsole0\""));
    assert_non_null(strstr(report.peripherals, "\"name\":\"disk-vda\""));
    assert_non_null(strstr(report.peripherals, "\"name\":\"disk-sda\""));
    assert_non_null(strstr(report.peripherals, "\"name\":\"net0\""));
    assert_non_null(strstr(report.peripherals, "\"name\":\"hostdev0\""));

    qemu_report_clear(&report);
    g_unlink(disk_path);
    g_rmdir(disk_dir);
    {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
            g_autofree char *path = g_build_filename(dir, name, NULL);

            g_unlink(path);
        }
    }
    g_rmdir(dir);
}

static void
test_real_qemu_accepts_q35_command_line(G_GNUC_UNUSED void **state)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    g_autoptr(MarinaDomainConfig) c = base_config();
    MarinaVideoConfig *video = g_new0(MarinaVideoConfig, 1);
    MarinaGraphicsConfig *vnc = g_new0(MarinaGraphicsConfig, 1);
    MarinaSoundConfig *sound = g_new0(MarinaSoundConfig, 1);
    QemuReport report = {0};
    g_autofree char *vars = NULL;
    g_autofree char *nvram = NULL;
    gsize vars_len = 0;

    if (!have_qemu()) {
        print_message("qemu-system-x86_64 not found, skipping\n");
        skip();
    }
    dir = g_dir_make_tmp("marina-qcmd-XXXXXX", &error);
    assert_non_null(dir);
    c->machine = g_strdup("q35");
    c->cpu_mode = g_strdup("host-model");
    c->acpi = FALSE;
    add_disk(c, MARINA_DISK_DEVICE_CDROM, MARINA_DISK_BUS_SATA, "sda", NULL, NULL);
    add_char(&c->consoles, MARINA_CHAR_CONSOLE, 0, "serial");
    for (guint i = 0; i < 3; i++) {
        MarinaControllerConfig *ctrl = g_new0(MarinaControllerConfig, 1);

        ctrl->type = g_strdup("pci");
        ctrl->index = i;
        ctrl->model = g_strdup(i == 0 ? "pcie-root" : "pcie-root-port");
        push(&c->controllers, ctrl);
    }
    video->model = g_strdup("virtio");
    push(&c->videos, video);
    vnc->type = g_strdup("vnc");
    vnc->port = -1;
    push(&c->graphics, vnc);
    sound->model = g_strdup("ich9");
    push(&c->sounds, sound);
    c->watchdog = g_new0(MarinaWatchdogConfig, 1);
    c->watchdog->model = g_strdup("itco");
    c->watchdog->action = g_strdup("dump");
    g_ptr_array_add(c->boot_devs, g_strdup("cdrom"));
    g_ptr_array_add(c->boot_devs, g_strdup("hd"));

    /* UEFI with a writable variable store whose path has a comma. */
    if (g_file_get_contents("/usr/share/OVMF/OVMF_VARS_4M.fd", &vars, &vars_len, NULL)) {
        nvram = g_build_filename(dir, "VA,RS.fd", NULL);
        assert_true(g_file_set_contents(nvram, vars, vars_len, &error));
        c->firmware = g_strdup("efi");
        c->nvram = g_strdup(nvram);
    }

    run_real_qemu(c, dir, &report);
    assert_non_null(strstr(report.chardevs, "\"label\":\"charserial0\""));
    assert_non_null(strstr(report.peripherals, "\"name\":\"pci.2\""));
    if (nvram != NULL) {
        g_autofree char *expected = g_strdup_printf("\"file\":\"%s\"", nvram);

        assert_non_null(strstr(report.block, expected));
        assert_non_null(strstr(report.block, "OVMF_CODE_4M.fd"));
    }
    qemu_report_clear(&report);
    {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
            g_autofree char *path = g_build_filename(dir, name, NULL);

            g_unlink(path);
        }
    }
    g_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_doubles_commas),
        cmocka_unit_test(test_basic_command_line),
        cmocka_unit_test(test_emulator_choice),
        cmocka_unit_test(test_lifecycle_actions),
        cmocka_unit_test(test_cpu_modes),
        cmocka_unit_test(test_user_strings_are_escaped),
        cmocka_unit_test(test_disk_bus_wiring_and_bootindex),
        cmocka_unit_test(test_q35_uses_builtin_ahci),
        cmocka_unit_test(test_boot_devs_become_boot_order),
        cmocka_unit_test(test_cache_modes),
        cmocka_unit_test(test_serial_console_slots),
        cmocka_unit_test(test_duplicate_serial_port_is_refused),
        cmocka_unit_test(test_network_types),
        cmocka_unit_test(test_graphics_video_input_sound),
        cmocka_unit_test(test_videos),
        cmocka_unit_test(test_rng_watchdog_balloon_efi),
        cmocka_unit_test(test_kernel_boot),
        cmocka_unit_test(test_host_devices),
        cmocka_unit_test(test_tpm),
        cmocka_unit_test(test_topology_discard_mtu),
        cmocka_unit_test(test_configs_that_cannot_run),
        cmocka_unit_test(test_real_qemu_accepts_pc_command_line),
        cmocka_unit_test(test_real_qemu_accepts_q35_command_line),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
