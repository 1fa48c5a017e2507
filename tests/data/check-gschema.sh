#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-gschema.sh SCHEMA_DIR
#
# Checks the compiled schema in SCHEMA_DIR (what the UI tests see through GSETTINGS_SCHEMA_DIR):
# the keys the application relies on exist with their documented ranges and defaults, and values
# outside a range are refused. Runs with the memory backend, nothing is stored.

set -u

if [ $# -ne 1 ] || [ ! -f "$1/gschemas.compiled" ]; then
  echo "usage: $0 SCHEMA_DIR (containing gschemas.compiled)" >&2
  exit 2
fi

schema=io.github.quartier.Quartier
failed=0
GSETTINGS_BACKEND=memory
export GSETTINGS_BACKEND

fail ()
{
  echo "FAIL: $*"
  failed=1
}

gs ()
{
  gsettings --schemadir "$1" "$2" "$schema" "$3" ${4+"$4"}
}

keys=$(gsettings --schemadir "$1" list-keys "$schema" 2>&1) || {
  fail "schema $schema is not in $1/gschemas.compiled: $keys"
  exit 1
}

# key TYPE-AND-RANGE DEFAULT (as printed by gsettings range/get)
check_key ()
{
  name=$1 range=$2 default=$3
  if ! printf '%s\n' "$keys" | grep -Fxq "$name"; then
    fail "key $name is missing"
    return
  fi
  got=$(gs "$schemadir" range "$name" | tr '\n' ' ' | sed 's/ *$//')
  [ "$got" = "$range" ] || fail "range of $name is '$got', expected '$range'"
  got=$(gs "$schemadir" get "$name")
  [ "$got" = "$default" ] || fail "default of $name is '$got', expected '$default'"
}

schemadir=$1
check_key window-width 'range i 360 32767' 1280
check_key window-height 'range i 294 32767' 800
check_key window-maximized 'type b' false
check_key sidebar-visible 'type b' true
check_key recent-projects 'type as' '@as []'

# accepts KEY VALUE / refuses KEY VALUE: gsettings validates against the range before writing.
accepts ()
{
  gs "$schemadir" set "$1" "$2" 2>/dev/null || fail "$1 refuses the valid value $2"
}
refuses ()
{
  if gs "$schemadir" set "$1" "$2" 2>/dev/null; then
    fail "$1 accepts the out-of-range value $2"
  fi
}
accepts window-width 360
refuses window-width 359
accepts window-width 32767
refuses window-width 32768
accepts window-height 294
refuses window-height 293
accepts recent-projects "['/home/planer/Quartier/Altstadt.gpkg']"
refuses recent-projects "[1, 2]"

# Every key is documented (summaries are shown by dconf-editor and translated).
for name in $keys; do
  desc=$(gsettings --schemadir "$schemadir" describe "$schema" "$name")
  [ -n "$desc" ] || fail "key $name has no description"
done

[ $failed -eq 0 ] && echo "ok: schema $schema"
exit $failed
