#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-mime.sh BUILT_MIME_XML
#
# Compiles the built MIME package together with the system's freedesktop.org.xml into a private
# MIME database and checks with GIO that GeoPackages are recognised by name and by content, and
# that a plain SQLite database is not taken for one.

set -u

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 BUILT_MIME_XML" >&2
  exit 2
fi

gpkg_type=application/geopackage+sqlite3
failed=0
tmpdir=$(mktemp -d) || exit 2
trap 'rm -rf "$tmpdir"' EXIT

fail ()
{
  echo "FAIL: $*"
  failed=1
}

system_db=
for dir in $(echo "${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" | tr ':' ' ') /usr/share; do
  if [ -f "$dir/mime/packages/freedesktop.org.xml" ]; then
    system_db=$dir/mime/packages/freedesktop.org.xml
    break
  fi
done
if [ -z "$system_db" ]; then
  echo "freedesktop.org.xml not found (shared-mime-info); cannot test" >&2
  exit 77
fi

mkdir -p "$tmpdir/data/mime/packages" "$tmpdir/files"
cp "$system_db" "$tmpdir/data/mime/packages/"
cp "$1" "$tmpdir/data/mime/packages/quartier.xml"
if ! update-mime-database "$tmpdir/data/mime" > "$tmpdir/update.log" 2>&1; then
  fail "update-mime-database rejected the package:"
  sed 's/^/    /' "$tmpdir/update.log"
  exit 1
fi
if grep -q "$gpkg_type" "$tmpdir/update.log"; then
  fail "update-mime-database complained about $gpkg_type:"
  sed 's/^/    /' "$tmpdir/update.log"
fi

# write_sqlite FILE APPLICATION_ID: the first 100 bytes of an SQLite 3 header with the given
# four-byte application_id at offset 68, padded to one 1024-byte page.
write_sqlite ()
{
  {
    printf 'SQLite format 3\000'
    head -c 52 /dev/zero
    printf '%s' "$2"
    head -c 952 /dev/zero
  } > "$1"
}

write_sqlite "$tmpdir/files/project.gpkg" GPKG
write_sqlite "$tmpdir/files/project-without-suffix" GPKG
write_sqlite "$tmpdir/files/old-geopackage-1-0" GP10
write_sqlite "$tmpdir/files/old-geopackage-1-1" GP11
{ printf 'SQLite format 3\000'; head -c 1008 /dev/zero; } > "$tmpdir/files/plain-sqlite-database"

content_type ()
{
  XDG_DATA_HOME=$tmpdir/data XDG_DATA_DIRS=$tmpdir/none GIO_USE_VFS=local \
    gio info -a standard::content-type "$1" | sed -n 's/^ *standard::content-type: //p'
}

expect ()
{
  got=$(content_type "$tmpdir/files/$1")
  if [ "$got" = "$2" ]; then
    echo "ok: $1 is $got"
  else
    fail "$1 is '$got', expected $2"
  fi
}

expect project.gpkg "$gpkg_type"
expect project-without-suffix "$gpkg_type"
expect old-geopackage-1-0 "$gpkg_type"
expect old-geopackage-1-1 "$gpkg_type"
expect plain-sqlite-database application/vnd.sqlite3

exit $failed
