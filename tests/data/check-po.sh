#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-po.sh SOURCE_ROOT
#
# Fails when the translations are incomplete or when a file with translatable strings is missing
# from po/POTFILES.in:
#   1. every file listed in po/POTFILES.in exists (and the list is sorted);
#   2. every file under src/, resources/ and data/ that has translatable strings is listed;
#   3. every language in po/LINGUAS has a .po file that passes `msgfmt --check` with no
#      untranslated or fuzzy message, both as written and merged with a template freshly
#      extracted from the sources (so a string added to the code but not to de.po counts as
#      untranslated).
# All problems are printed before the script exits with status 1.

set -u

if [ $# -ne 1 ] || [ ! -d "$1/po" ]; then
  echo "usage: $0 SOURCE_ROOT" >&2
  exit 2
fi

srcroot=$1
podir=$srcroot/po
package=quartier
failed=0

# msgfmt's statistics must be in English to be parsed.
LC_ALL=C.UTF-8
export LC_ALL

tmpdir=$(mktemp -d) || exit 2
trap 'rm -rf "$tmpdir"' EXIT

fail ()
{
  echo "FAIL: $*"
  failed=1
}

# POTFILES.in without comments and blank lines.
potfiles=$tmpdir/POTFILES
if [ ! -f "$podir/POTFILES.in" ]; then
  fail "po/POTFILES.in does not exist"
  : > "$potfiles"
else
  sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$podir/POTFILES.in" > "$potfiles"
fi

# 1. Listed files exist; the list is sorted (po/POTFILES.in is kept sorted by convention).
while IFS= read -r f; do
  [ -f "$srcroot/$f" ] || fail "po/POTFILES.in lists $f, which does not exist"
done < "$potfiles"
if ! LC_ALL=C sort -c "$potfiles" 2>/dev/null; then
  fail "po/POTFILES.in is not sorted (LC_ALL=C sort)"
fi

# 2. Files with translatable strings are listed. Desktop entries, metainfo, schemas and MIME
# packages are translatable by nature; code and UI files when they use a gettext marker.
has_strings ()
{
  case $1 in
    *.desktop.in)
      grep -Eq '^(Name|GenericName|Comment|Keywords)=' "$1" ;;
    *.metainfo.xml.in|*.appdata.xml.in)
      true ;;
    *.gschema.xml)
      grep -Eq '<(summary|description)[ >]' "$1" ;;
    *.mime.xml)
      grep -Eq '<comment[ >]' "$1" ;;
    *.c|*.h)
      grep -Eq '(^|[^A-Za-z0-9_])(_|N_|C_|NC_) ?\(|ngettext|g_dpgettext2? ?\(|g_dcgettext ?\(' "$1" ;;
    *)
      grep -Eq 'translatable="(yes|true|1)"|<_[A-Za-z]' "$1" ;;
  esac
}

candidates=$tmpdir/candidates
(
  cd "$srcroot" || exit 2
  for dir in src resources data; do
    [ -d "$dir" ] || continue
    find -H "$dir" -type f \( -name '*.c' -o -name '*.h' -o -name '*.ui' -o -name '*.xml.in' \
      -o -name '*.desktop.in' -o -name '*.gschema.xml' -o -name '*.mime.xml' \) -print
  done
) | LC_ALL=C sort > "$candidates"

while IFS= read -r f; do
  if has_strings "$srcroot/$f" && ! grep -Fxq "$f" "$potfiles"; then
    fail "$f has translatable strings but is not listed in po/POTFILES.in"
  fi
done < "$candidates"

# 3. Every language is complete.
if [ ! -s "$potfiles" ]; then
  fail "po/POTFILES.in lists no file, cannot extract a template"
  pot=
else
  pot=$tmpdir/$package.pot
  # The keywords and flags of meson's i18n.gettext(preset: 'glib').
  if ! (cd "$srcroot" && xgettext --package-name="$package" --from-code=UTF-8 --add-comments \
        --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
        --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
        --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
        --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
        --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
        --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
        --flag=g_markup_printf_escaped:1:c-format \
        --files-from="$potfiles" --output="$pot"); then
    fail "xgettext could not extract the strings of the files in po/POTFILES.in"
    pot=
  elif [ ! -f "$pot" ]; then
    fail "the files in po/POTFILES.in contain no translatable string"
    pot=
  fi
fi

# check_catalog LABEL FILE: msgfmt must succeed and report neither untranslated nor fuzzy ones.
check_catalog ()
{
  if ! stats=$(msgfmt --check --statistics -o /dev/null "$2" 2>&1); then
    fail "$1: msgfmt --check failed:"
    printf '%s\n' "$stats" | sed 's/^/    /'
    return 1
  fi
  case $stats in
    *untranslated*|*fuzzy*)
      fail "$1 is incomplete: $stats"
      return 1 ;;
    *)
      echo "ok: $1: $stats" ;;
  esac
}

langs=$(sed -e 's/#.*//' "$podir/LINGUAS" 2>/dev/null)
[ -n "$langs" ] || fail "po/LINGUAS lists no language"
for lang in $langs; do
  po=$podir/$lang.po
  if [ ! -f "$po" ]; then
    fail "po/LINGUAS lists $lang but po/$lang.po does not exist"
    continue
  fi
  check_catalog "po/$lang.po" "$po"
  [ -n "$pot" ] || continue
  merged=$tmpdir/$lang.merged.po
  if ! msgmerge --quiet --output-file="$merged" "$po" "$pot"; then
    fail "msgmerge of po/$lang.po with the extracted template failed"
    continue
  fi
  if ! check_catalog "po/$lang.po merged with the strings of po/POTFILES.in" "$merged"; then
    # What needs a translation, as it would appear after `ninja -C <build> quartier-update-po`.
    {
      msgattrib --only-fuzzy --no-obsolete --no-wrap "$merged" | grep '^msgid "[^"]' \
        | sed 's/^/    fuzzy: /'
      msgattrib --untranslated --no-obsolete --no-wrap "$merged" | grep '^msgid "[^"]' \
        | sed 's/^/    untranslated: /'
    } > "$tmpdir/todo"
    if [ -s "$tmpdir/todo" ]; then
      echo "  to translate in po/$lang.po:"
      cat "$tmpdir/todo"
    fi
  fi
done

exit $failed
