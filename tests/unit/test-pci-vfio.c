/* Moving a PCI device to vfio-pci and back (pci-vfio.c), against a fake
 * sysfs tree in a temporary directory: the test writes what the kernel
 * would (the driver symlink) and reads what the code wrote. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "pci-vfio.h"

#define ADDR "0000:01:00.0"

typedef struct {
    char *root;
} Fixture;

static char *
path(Fixture *f, const char *relative)
{
    return g_build_filename(f->root, relative, NULL);
}

static void
make_dir(Fixture *f, const char *relative)
{
    g_autofree char *p = path(f, relative);

    assert_int_equal(g_mkdir_with_parents(p, 0700), 0);
}

/* Plays the kernel: the device's driver link now names @driver. */
static void
bind_to(Fixture *f, const char *driver)
{
    g_autofree char *link = path(f, "bus/pci/devices/" ADDR "/driver");
    g_autofree char *target = g_strconcat("../../drivers/", driver, NULL);

    g_unlink(link);
    if (driver != NULL)
        assert_int_equal(symlink(target, link), 0);
}

static char *
read_back(Fixture *f, const char *relative)
{
    g_autofree char *p = path(f, relative);
    char *contents = NULL;

    if (!g_file_get_contents(p, &contents, NULL, NULL))
        return g_strdup("(missing)");
    return contents;
}

/* An attribute file the kernel provides (empty until written). */
static void
make_attr(Fixture *f, const char *relative)
{
    g_autofree char *p = path(f, relative);

    assert_true(g_file_set_contents(p, "", 0, NULL));
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->root = g_dir_make_tmp("pci-vfio-XXXXXX", NULL);
    assert_non_null(f->root);
    make_dir(f, "bus/pci/devices/" ADDR);
    make_dir(f, "bus/pci/drivers/e1000e");
    make_dir(f, "bus/pci/drivers/vfio-pci");
    for (guint i = 0; i < 2; i++) {
        const char *driver = i == 0 ? "e1000e" : "vfio-pci";
        g_autofree char *bind = g_strdup_printf("bus/pci/drivers/%s/bind", driver);
        g_autofree char *unbind = g_strdup_printf("bus/pci/drivers/%s/unbind", driver);

        make_attr(f, bind);
        make_attr(f, unbind);
    }
    make_attr(f, "bus/pci/drivers_probe");
    make_attr(f, "bus/pci/devices/" ADDR "/driver_override");
    bind_to(f, "e1000e");
    *state = f;
    return 0;
}

static void
remove_tree(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *child = g_build_filename(dir, name, NULL);

        if (!g_file_test(child, G_FILE_TEST_IS_SYMLINK) && g_file_test(child, G_FILE_TEST_IS_DIR))
            remove_tree(child);
        else
            g_unlink(child);
    }
    g_rmdir(dir);
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    remove_tree(f->root);
    g_free(f->root);
    g_free(f);
    return 0;
}

static void
test_bind_then_give_back(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *driver = marina_pci_current_driver(f->root, ADDR);
    g_autofree char *s = NULL;

    assert_true(marina_pci_device_exists(f->root, ADDR));
    assert_string_equal(driver, "e1000e");

    /* To vfio-pci: override, unbind from e1000e, probe. */
    assert_true(marina_pci_bind_vfio(f->root, ADDR, driver, &error));
    assert_null(error);
    s = read_back(f, "bus/pci/devices/" ADDR "/driver_override");
    assert_string_equal(s, "vfio-pci");
    g_free(s);
    s = read_back(f, "bus/pci/drivers/e1000e/unbind");
    assert_string_equal(s, ADDR);
    g_free(s);
    s = read_back(f, "bus/pci/drivers_probe");
    assert_string_equal(s, ADDR);
    g_free(s);
    bind_to(f, "vfio-pci");
    g_free(driver);
    driver = marina_pci_current_driver(f->root, ADDR);
    assert_string_equal(driver, "vfio-pci");

    /* Back to e1000e: override cleared, unbound from vfio-pci, bound to e1000e. */
    assert_true(marina_pci_release_vfio(f->root, ADDR, "e1000e", &error));
    assert_null(error);
    s = read_back(f, "bus/pci/devices/" ADDR "/driver_override");
    assert_string_equal(s, "\n");
    g_free(s);
    s = read_back(f, "bus/pci/drivers/vfio-pci/unbind");
    assert_string_equal(s, ADDR);
    g_free(s);
    s = read_back(f, "bus/pci/drivers/e1000e/bind");
    assert_string_equal(s, ADDR);
}

static void
test_unbound_device(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *driver = NULL;
    g_autofree char *s = NULL;

    bind_to(f, NULL);
    driver = marina_pci_current_driver(f->root, ADDR);
    assert_string_equal(driver, "");
    /* Nothing to unbind from. */
    assert_true(marina_pci_bind_vfio(f->root, ADDR, driver, &error));
    s = read_back(f, "bus/pci/drivers/e1000e/unbind");
    assert_string_equal(s, "");
    g_free(s);
    bind_to(f, "vfio-pci");
    /* Given back to no driver: only unbound from vfio-pci. */
    assert_true(marina_pci_release_vfio(f->root, ADDR, "", &error));
    s = read_back(f, "bus/pci/drivers/vfio-pci/unbind");
    assert_string_equal(s, ADDR);
    g_free(s);
    s = read_back(f, "bus/pci/drivers/e1000e/bind");
    assert_string_equal(s, "");
}

static void
test_driver_gone_probes(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *s = NULL;

    bind_to(f, "vfio-pci");
    /* The original driver's module was unloaded meanwhile: the kernel chooses. */
    assert_true(marina_pci_release_vfio(f->root, ADDR, "igb", &error));
    s = read_back(f, "bus/pci/drivers_probe");
    assert_string_equal(s, ADDR);
    g_free(s);
    s = read_back(f, "bus/pci/drivers/igb/bind");
    assert_string_equal(s, "(missing)");
}

static void
test_hostile_input(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    assert_false(marina_pci_address_is_valid("../../etc"));
    assert_false(marina_pci_address_is_valid("0000:01:00.8"));
    assert_false(marina_pci_address_is_valid(NULL));
    assert_true(marina_pci_address_is_valid(ADDR));
    assert_false(marina_pci_device_exists(f->root, "0000:02:00.0"));
    assert_false(marina_pci_bind_vfio(f->root, "../x", "", &error));
    assert_non_null(error);
    g_clear_error(&error);
    /* A driver name with a slash never becomes a path. */
    bind_to(f, "vfio-pci");
    assert_true(marina_pci_release_vfio(f->root, ADDR, "../../devices", &error));
    assert_false(g_file_test(f->root, G_FILE_TEST_IS_REGULAR));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bind_then_give_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unbound_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_driver_gone_probes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_input, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
