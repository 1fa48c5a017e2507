#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-ids.sh APP_ID BUILT_DESKTOP BUILT_METAINFO BUILT_MIME_XML DATA_SOURCE_DIR
#
# The desktop-visible files must agree on the application id, also in a development build
# (APP_ID ending in .Devel): desktop file name, Icon key, metainfo id and launchable, the icons
# that are installed under that name, and the MIME types the desktop file claims to open.

set -u

if [ $# -ne 5 ]; then
  echo "usage: $0 APP_ID BUILT_DESKTOP BUILT_METAINFO BUILT_MIME_XML DATA_SOURCE_DIR" >&2
  exit 2
fi

app_id=$1 desktop=$2 metainfo=$3 mime=$4 datadir=$5
base_id=${app_id%.Devel}
failed=0

fail ()
{
  echo "FAIL: $*"
  failed=1
}

# desktop_key KEY: the untranslated value of KEY in the [Desktop Entry] group.
desktop_key ()
{
  sed -n "/^\[Desktop Entry\]/,/^\[/s/^$1=//p" "$desktop" | head -n 1
}

[ "$(basename "$desktop")" = "$app_id.desktop" ] \
  || fail "desktop file is named $(basename "$desktop"), expected $app_id.desktop"
[ "$(desktop_key Icon)" = "$app_id" ] || fail "Icon=$(desktop_key Icon), expected $app_id"

id=$(sed -n 's:.*<id>\(.*\)</id>.*:\1:p' "$metainfo")
[ "$id" = "$app_id" ] || fail "metainfo id is '$id', expected $app_id"
launchable=$(sed -n 's:.*<launchable type="desktop-id">\(.*\)</launchable>.*:\1:p' "$metainfo")
[ "$launchable" = "$app_id.desktop" ] \
  || fail "metainfo launchable is '$launchable', expected $app_id.desktop"
grep -q '@[A-Z_]*@' "$desktop" "$metainfo" && fail "an @VARIABLE@ was left unsubstituted"

# The same categories in the desktop file and the metainfo, in any order.
desktop_categories=$(desktop_key Categories | tr ';' '\n' | sed '/^$/d' | LC_ALL=C sort)
metainfo_categories=$(sed -n 's:.*<category>\(.*\)</category>.*:\1:p' "$metainfo" | LC_ALL=C sort)
[ "$desktop_categories" = "$metainfo_categories" ] \
  || fail "categories differ: desktop '$(echo $desktop_categories)', metainfo '$(echo $metainfo_categories)'"

# Icons: the sources installed (renamed to app_id) exist, are SVG and have the HIG sizes.
check_icon ()
{
  file=$datadir/icons/hicolor/$1/apps/$2
  if [ ! -f "$file" ]; then
    fail "icon $file is missing"
    return
  fi
  if command -v xmllint > /dev/null; then
    xmllint --noout "$file" || fail "$file is not well-formed XML"
  fi
  grep -q "viewBox=\"0 0 $3 $3\"" "$file" || fail "$file has no viewBox of $3x$3"
  grep -q '<text' "$file" && fail "$file contains text; app icons must not"
}
check_icon scalable "$base_id.svg" 128
check_icon symbolic "$base_id-symbolic.svg" 16

# Every MIME type in MimeType= is defined by us or by the system's shared-mime-info.
for type in $(desktop_key MimeType | tr ';' ' '); do
  if grep -q "<mime-type type=\"$type\"" "$mime"; then
    continue
  fi
  found=
  for dir in $(echo "${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" | tr ':' ' ') /usr/share; do
    [ -f "$dir/mime/$type.xml" ] && found=1
  done
  [ -n "$found" ] || fail "MimeType $type is defined neither in $mime nor by shared-mime-info"
done

[ $failed -eq 0 ] && echo "ok: $app_id is consistent"
exit $failed
