#!/usr/bin/env bash
# The translations test (meson suite "data"):
#  - POTFILES.in names every source file with translatable text, and only
#    files that exist;
#  - every catalog in LINGUAS compiles, with its format strings checked
#    against the English ones (a wrong %s would crash at run time);
#  - every catalog translates at least MIN_PERCENT of today's strings.
# Usage: check-po.sh PO_DIR SOURCE_ROOT
set -euo pipefail
po_dir=$1
root=$2
MIN_PERCENT=90
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

listed=$tmp/listed
grep -v '^#' "$po_dir/POTFILES.in" | sed '/^$/d' | sort >"$listed"
while read -r f; do
    [ -f "$root/$f" ] || { echo "POTFILES.in names $f, which does not exist"; status=1; }
done <"$listed"

cd "$root"
{
    grep -rlE '(^|[^A-Za-z0-9_])(N?C?_|ngettext)\(' src hypervisor --include='*.c'
    grep -rl 'translatable="yes"' data/ui
} | sort >"$tmp/wanted"
missing=$(comm -13 "$listed" "$tmp/wanted")
if [ -n "$missing" ]; then
    echo "These files have translatable text but are not in po/POTFILES.in:"
    echo "$missing" | sed 's/^/  /'
    status=1
fi

xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --keyword=g_dngettext:2,3 --flag=g_strdup_printf:1:c-format --flag=g_set_error:4:c-format \
    -f "$listed" -D "$root" -o "$tmp/marina.pot" 2>"$tmp/xgettext.log" ||
    { cat "$tmp/xgettext.log"; exit 1; }

while read -r lang; do
    [ -n "$lang" ] || continue
    po=$po_dir/$lang.po
    if [ ! -f "$po" ]; then
        echo "$lang is in LINGUAS but $po is missing"
        status=1
        continue
    fi
    if ! msgfmt --check -o /dev/null "$po" 2>"$tmp/msgfmt.log"; then
        echo "$po does not compile:"
        cat "$tmp/msgfmt.log"
        status=1
        continue
    fi
    msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "$po" "$tmp/marina.pot"
    # "N translated messages, M fuzzy translations, K untranslated messages."
    stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$tmp/$lang.po" 2>&1)
    done_=$(echo "$stats" | grep -o '^[0-9]* translated' | grep -o '[0-9]*' || echo 0)
    fuzzy=$(echo "$stats" | grep -o '[0-9]* fuzzy' | grep -o '[0-9]*' || echo 0)
    untranslated=$(echo "$stats" | grep -o '[0-9]* untranslated' | grep -o '[0-9]*' || echo 0)
    total=$((done_ + fuzzy + untranslated))
    percent=$((done_ * 100 / (total > 0 ? total : 1)))
    echo "$lang: $done_ of $total strings translated ($percent%)"
    if [ "$percent" -lt "$MIN_PERCENT" ]; then
        echo "  $lang translates fewer than $MIN_PERCENT% of the strings: run"
        echo "  'ninja -C build marina-update-po' and translate the new ones in $po"
        status=1
    fi
done <"$po_dir/LINGUAS"
exit $status
