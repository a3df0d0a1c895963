/* What marinactl's network commands parse and print (network-text.h). */

#define G_LOG_DOMAIN "marinactl"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "error.h"
#include "network-text.h"
#include "network.h"

/* The XML of one net-update element; a file larger than this is a mistake. */
#define UPDATE_XML_MAX (256 * 1024)

/* Column width in characters, not bytes: names may be UTF-8. */
static int
text_width(const char *text)
{
    return (int)g_utf8_strlen(text, -1);
}

static void
append_padded(GString *s, const char *text, int width)
{
    g_string_append(s, text);
    for (int i = text_width(text); i < width; i++)
        g_string_append_c(s, ' ');
}

char *
cli_table_format(const char *const *headers, guint n_columns, GPtrArray *rows)
{
    g_autofree int *widths = g_new0(int, n_columns);
    GString *s = g_string_new(NULL);
    gsize table_len;

    for (guint c = 0; c < n_columns; c++)
        widths[c] = text_width(headers[c]);
    for (guint r = 0; rows != NULL && r < rows->len; r++) {
        char **row = rows->pdata[r];
        for (guint c = 0; c < n_columns; c++)
            widths[c] = MAX(widths[c], text_width(row[c]));
    }
    /* The dashes span the widest line, as virsh's do. */
    table_len = 1 + widths[n_columns - 1];
    for (guint c = 0; c + 1 < n_columns; c++)
        table_len += widths[c] + 3;
    for (guint r = 0; r <= (rows != NULL ? rows->len : 0); r++) {
        const char *const *row = r == 0 ? headers : (const char *const *)rows->pdata[r - 1];

        g_string_append_c(s, ' ');
        for (guint c = 0; c < n_columns; c++) {
            if (c + 1 == n_columns) {
                g_string_append(s, row[c]);
                break;
            }
            append_padded(s, row[c], widths[c] + 3);
        }
        /* No trailing spaces when the last column is empty. */
        while (s->len > 0 && s->str[s->len - 1] == ' ')
            g_string_truncate(s, s->len - 1);
        g_string_append_c(s, '\n');
        if (r == 0) {
            for (gsize i = 0; i < table_len + 2; i++)
                g_string_append_c(s, '-');
            g_string_append_c(s, '\n');
        }
    }
    g_string_append_c(s, '\n');
    return g_string_free(s, FALSE);
}

static char **
row_new(guint n, ...)
{
    char **row = g_new0(char *, n + 1);
    va_list args;

    va_start(args, n);
    for (guint i = 0; i < n; i++) {
        const char *v = va_arg(args, const char *);
        row[i] = g_strdup(v != NULL && *v != '\0' ? v : "-");
    }
    va_end(args);
    return row;
}

static gint
compare_rows(gconstpointer a, gconstpointer b)
{
    char **x = *(char ***)a, **y = *(char ***)b;

    return g_utf8_collate(x[0], y[0]);
}

/* Whether a row for something @active is shown under net-list's options. */
static gboolean
shown(gboolean active, gboolean all, gboolean inactive)
{
    return all || (inactive ? !active : active);
}

char *
cli_net_list_format(GPtrArray *records, gboolean all, gboolean inactive)
{
    const char *headers[] = {_("Name"), _("State"), _("Autostart"), _("Persistent")};
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    for (guint i = 0; i < records->len; i++) {
        MarinaNetworkRecord *n = records->pdata[i];

        if (!shown(n->active, all, inactive))
            continue;
        g_ptr_array_add(rows, row_new(4, n->name, n->active ? _("active") : _("inactive"),
                                      n->autostart ? _("yes") : _("no"),
                                      n->persistent ? _("yes") : _("no")));
    }
    g_ptr_array_sort(rows, compare_rows);
    return cli_table_format(headers, G_N_ELEMENTS(headers), rows);
}

static char *
format_expiry(gint64 expiry, GTimeZone *tz)
{
    g_autoptr(GDateTime) t = NULL;

    if (expiry <= 0)
        return g_strdup(_("never"));
    t = g_date_time_new_from_unix_utc(expiry);
    if (t == NULL)
        return g_strdup("-");
    if (tz != NULL) {
        g_autoptr(GDateTime) local = g_date_time_to_timezone(t, tz);
        return g_date_time_format(local, "%Y-%m-%d %H:%M:%S");
    }
    return g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
}

char *
cli_net_leases_format(GPtrArray *leases, GTimeZone *tz)
{
    const char *headers[] = {_("Expiry Time"), _("MAC address"), _("Protocol"),
                             _("IP address"),  _("Hostname"),    _("Client ID or DUID")};
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    for (guint i = 0; i < leases->len; i++) {
        MarinaDhcpLease *l = leases->pdata[i];
        g_autofree char *expiry = format_expiry(l->expiry, tz);
        g_autofree char *address =
            l->prefix > 0 ? g_strdup_printf("%s/%u", l->address, l->prefix) : g_strdup(l->address);

        g_ptr_array_add(rows,
                        row_new(6, expiry, l->mac, l->type, address, l->hostname, l->client_id));
    }
    return cli_table_format(headers, G_N_ELEMENTS(headers), rows);
}

static void
info_line(GString *s, const char *label, const char *value)
{
    append_padded(s, label, 16);
    g_string_append(s, value != NULL && *value != '\0' ? value : "-");
    g_string_append_c(s, '\n');
}

static void
range_line(GString *s, const char *label, const char *start, const char *end)
{
    g_autofree char *range = NULL;

    if (*start == '\0')
        return;
    range = g_strdup_printf("%s - %s", start, end);
    info_line(s, label, range);
}

char *
cli_net_info_format(const MarinaNetworkInfo *info)
{
    GString *s = g_string_new(NULL);
    g_autofree char *guests = NULL;

    info_line(s, _("Name:"), info->name);
    info_line(s, _("UUID:"), info->uuid);
    info_line(s, _("Active:"), info->active ? _("yes") : _("no"));
    info_line(s, _("Persistent:"), info->persistent ? _("yes") : _("no"));
    info_line(s, _("Autostart:"), info->autostart ? _("yes") : _("no"));
    info_line(s, _("Bridge:"), info->bridge);
    info_line(s, _("Forward:"), info->forward);
    if (*info->forward_dev != '\0')
        info_line(s, _("Forward dev:"), info->forward_dev);
    if (*info->ipv4 != '\0')
        info_line(s, _("IPv4:"), info->ipv4);
    range_line(s, _("DHCP range:"), info->dhcp_start, info->dhcp_end);
    if (*info->ipv6 != '\0')
        info_line(s, _("IPv6:"), info->ipv6);
    range_line(s, _("DHCPv6 range:"), info->ipv6_dhcp_start, info->ipv6_dhcp_end);
    if (info->mtu != 0) {
        g_autofree char *mtu = g_strdup_printf("%u", info->mtu);
        info_line(s, _("MTU:"), mtu);
    }
    if (*info->how_detail != '\0' || *info->how != '\0')
        info_line(s, _("Guests attach:"), *info->how_detail != '\0' ? info->how_detail : info->how);
    if (info->guests != NULL && info->guests[0] != NULL) {
        guests = g_strjoinv(", ", info->guests);
        info_line(s, _("Guests:"), guests);
    }
    g_string_append_c(s, '\n');
    return g_string_free(s, FALSE);
}

char *
cli_iface_list_format(GPtrArray *interfaces, gboolean all, gboolean inactive)
{
    const char *headers[] = {_("Name"), _("State"), _("MAC Address"), _("Addresses")};
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    for (guint i = 0; i < interfaces->len; i++) {
        MarinaHostInterface *iface = interfaces->pdata[i];
        gboolean up = g_str_equal(iface->state, "up");
        g_autofree char *addresses = g_strjoinv(", ", iface->addresses);

        if (!shown(up, all, inactive))
            continue;
        g_ptr_array_add(
            rows, row_new(4, iface->name, up ? _("active") : _("inactive"), iface->mac, addresses));
    }
    g_ptr_array_sort(rows, compare_rows);
    return cli_table_format(headers, G_N_ELEMENTS(headers), rows);
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char **)a, *(const char **)b);
}

char *
cli_nodedev_list_format(GPtrArray *devices)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < devices->len; i++)
        g_ptr_array_add(names, ((MarinaHostDevice *)devices->pdata[i])->name);
    g_ptr_array_sort(names, compare_strings);
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s\n", (const char *)names->pdata[i]);
    return g_string_free(s, FALSE);
}

const char *
cli_nodedev_cap_type(const char *cap, GError **error)
{
    if (g_strcmp0(cap, "usb_device") == 0 || g_strcmp0(cap, "usb") == 0)
        return "usb";
    if (g_strcmp0(cap, "pci") == 0)
        return "pci";
    g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                _("--cap '%s' is not supported; use usb_device or pci."), cap != NULL ? cap : "");
    return NULL;
}

static const char *const update_commands[] = {"add-first", "add-last", "add",
                                              "delete",    "modify",   NULL};
static const char *const update_sections[] = {"ip-dhcp-host", "ip-dhcp-range", "dns-host",
                                              "port-forward", NULL};

static gboolean
read_update_file(const char *path, char **xml, GError **error)
{
    g_autofree char *contents = NULL;
    g_autoptr(GError) local = NULL;
    gsize len;

    if (!g_file_get_contents(path, &contents, &len, &local)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is neither XML (which starts with '<') nor a file that can be read: "
                      "%s"),
                    path, local->message);
        return FALSE;
    }
    if (len > UPDATE_XML_MAX || strlen(contents) != len || !g_utf8_validate(contents, len, NULL)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("%s is not a small UTF-8 text file; give one XML element, e.g. <host "
                      "mac='52:54:00:12:34:56' ip='192.168.122.10'/>."),
                    path);
        return FALSE;
    }
    *xml = g_steal_pointer(&contents);
    return TRUE;
}

gboolean
cli_net_update_args(const char *command, const char *section, const char *xml_or_file,
                    gboolean live, gboolean config, gboolean current, guint *flags, char **xml,
                    GError **error)
{
    const char *p = xml_or_file;

    if (!g_strv_contains(update_commands, command)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not an update command; use add-first, add-last, add, delete or "
                      "modify."),
                    command);
        return FALSE;
    }
    if (!g_strv_contains(update_sections, section)) {
        g_set_error(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                    _("'%s' is not a section Marina can update; use ip-dhcp-host, ip-dhcp-range, "
                      "dns-host or port-forward."),
                    section);
        return FALSE;
    }
    if (current && (live || config)) {
        g_set_error_literal(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT,
                            _("--current cannot be combined with --live or --config."));
        return FALSE;
    }
    *flags = (live ? MARINA_NETWORK_UPDATE_LIVE : 0) | (config ? MARINA_NETWORK_UPDATE_CONFIG : 0);
    while (g_ascii_isspace(*p))
        p++;
    if (*p == '<') {
        *xml = g_strdup(xml_or_file);
        return TRUE;
    }
    return read_update_file(xml_or_file, xml, error);
}
