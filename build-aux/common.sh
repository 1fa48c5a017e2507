# Shared by build-aux/run and build-aux/test: Debian packages and the build.
# shellcheck shell=bash

# What building and running Quartier needs on Debian 12. meson.build's post-install step
# looks for update-desktop-database and update-mime-database when the build is set up.
RUN_PACKAGES=(
  build-essential pkg-config meson ninja-build gettext
  libglib2.0-dev libglib2.0-dev-bin libglib2.0-bin
  libgtk-4-dev libadwaita-1-dev libshumate-dev
  libgdal-dev gdal-data libgeos-dev libsqlite3-dev libsoup-3.0-dev libjson-glib-dev
  libcairo2-dev libpango1.0-dev
  adwaita-icon-theme fonts-cantarell hicolor-icon-theme
  desktop-file-utils shared-mime-info
)

# What the tests need on top: a virtual display and session bus for the UI tests, the
# metainfo validator, GDAL's GeoPackage validator, the sanitizer runtimes, and
# MapServer 8 under lighttpd: a real OGC API Features / WFS server the data-space tests start
# on 127.0.0.1 (QGIS Server is tested too when qgis-server is installed; CI leaves it out).
TEST_PACKAGES=(
  "${RUN_PACKAGES[@]}"
  xvfb xauth dbus at-spi2-core
  appstream
  python3 python3-gdal gdal-bin
  libasan8 libubsan1
  cgi-mapserver mapserver-bin lighttpd
)

# Installs whatever of "$@" is missing: as root with apt-get, otherwise says the command.
ensure_packages () {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  if [ "$(id -u)" -ne 0 ]; then
    echo "Quartier needs these Debian packages. Install them as root, then run this again:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# configure_and_build BUILDDIR [meson options…]
configure_and_build () {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@"
  else
    meson configure "$dir" "$@" >/dev/null
  fi
  ninja -C "$dir"
}

# The environment of an uninstalled Quartier run from the build tree.
uninstalled_env () {
  local build=$1
  export GSETTINGS_SCHEMA_DIR="$PWD/$build/data"
  export QUARTIER_LOCALEDIR="$PWD/$build/po"
  export XDG_DATA_DIRS="$PWD/$build/data:$PWD/data:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
}
