#define G_LOG_DOMAIN "marina-qemu-command"

#include "config.h"

#include <glib/gi18n.h>

#include "core/error.h"
#include "qemu-command-private.h"

/* Devices that reach into the host: USB and PCI host devices, and the TPM
 * (swtpm, which the daemon starts before QEMU, or the host's own). */

gboolean
marina_qemu_hostdevs_need_usb(const MarinaDomainConfig *config)
{
    for (guint i = 0; config->hostdevs != NULL && i < config->hostdevs->len; i++) {
        if (((const MarinaHostdevConfig *)config->hostdevs->pdata[i])->type == MARINA_HOSTDEV_USB)
            return TRUE;
    }
    return FALSE;
}

static void
add_usb_hostdev(MarinaQemuBuilder *b, const MarinaHostdevConfig *h, guint i)
{
    GString *dev = g_string_new("usb-host,bus=usb.0");

    /* By ID when given (the device may move between ports), else by address. */
    if (h->vendor_id != 0)
        g_string_append_printf(dev, ",vendorid=0x%04x,productid=0x%04x", h->vendor_id,
                               h->product_id);
    if (h->usb_bus != 0 || h->usb_device != 0)
        g_string_append_printf(dev, ",hostbus=%u,hostaddr=%u", h->usb_bus, h->usb_device);
    g_string_append_printf(dev, ",id=hostdev%u", i);
    marina_qemu_add_gstring(b, "-device", dev);
}

static gboolean
add_pci_hostdev(MarinaQemuBuilder *b, const MarinaHostdevConfig *h, guint i, GError **error)
{
    if (!b->options->privileged) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED,
                    _("PCI host devices need the system daemon: PCI host device "
                      "%04x:%02x:%02x.%x cannot be given to a guest of the user session. "
                      "Define the guest on marina:///system."),
                    h->pci_domain, h->pci_bus, h->pci_slot, h->pci_function);
        return FALSE;
    }
    marina_qemu_addf(b, "-device", "vfio-pci,host=%04x:%02x:%02x.%x,id=hostdev%u", h->pci_domain,
                     h->pci_bus, h->pci_slot, h->pci_function, i);
    return TRUE;
}

gboolean
marina_qemu_add_hostdevs(MarinaQemuBuilder *b, GError **error)
{
    const MarinaDomainConfig *c = b->config;

    for (guint i = 0; c->hostdevs != NULL && i < c->hostdevs->len; i++) {
        const MarinaHostdevConfig *h = c->hostdevs->pdata[i];

        if (h->type == MARINA_HOSTDEV_USB)
            add_usb_hostdev(b, h, i);
        else if (!add_pci_hostdev(b, h, i, error))
            return FALSE;
    }
    return TRUE;
}

static const char *
tpm_device_model(const MarinaTpmConfig *tpm)
{
    return tpm->model == MARINA_TPM_MODEL_CRB ? "tpm-crb" : "tpm-tis";
}

gboolean
marina_qemu_add_tpm(MarinaQemuBuilder *b, GError **error)
{
    const MarinaTpmConfig *tpm = b->config->tpm;

    if (tpm == NULL)
        return TRUE;
    if (tpm->backend == MARINA_TPM_BACKEND_EMULATOR) {
        g_autofree char *path = marina_qemu_escape_opt(b->options->tpm_socket);

        if (path == NULL) {
            g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                                "internal error: no swtpm socket for the guest's TPM");
            return FALSE;
        }
        marina_qemu_addf(b, "-chardev", "socket,id=chrtpm,path=%s", path);
        marina_qemu_addf(b, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm");
    } else {
        g_autofree char *path =
            marina_qemu_escape_opt(tpm->device_path != NULL ? tpm->device_path : "/dev/tpm0");

        if (!b->options->privileged) {
            g_set_error(error, MARINA_ERROR, MARINA_ERROR_UNSUPPORTED, "%s",
                        _("The host's TPM (<backend type='passthrough'>) needs the system "
                          "daemon; in the user session use <backend type='emulator'/>."));
            return FALSE;
        }
        marina_qemu_addf(b, "-tpmdev", "passthrough,id=tpm0,path=%s", path);
    }
    marina_qemu_addf(b, "-device", "%s,tpmdev=tpm0,id=tpm0dev", tpm_device_model(tpm));
    return TRUE;
}
