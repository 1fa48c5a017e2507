#!/usr/bin/env bash
# Cold start of `quartier --demo` to the first painted map, under Xvfb: the app prints
# "first-map-paint-ms: N" and quits when its first screenful of tiles is rendered
# (QUARTIER_EXIT_AFTER_FIRST_PAINT=1). The demo is generated once beforehand, so the figure is
# start-up + project load + first tiles, not generation. Prints each run and the median.
#   bench/startup.sh [BUILDDIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source build-aux/common.sh
build=${1:-_build}
runs=${2:-7}
uninstalled_env "$build"

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_CACHE_HOME="$home/cache"
export GSETTINGS_BACKEND=memory

# First run generates the demo into XDG_DATA_HOME; it is not counted.
QUARTIER_EXIT_AFTER_FIRST_PAINT=1 xvfb-run -a -s "-screen 0 1400x900x24" \
  "$build/src/quartier" --demo >/dev/null

times=()
for i in $(seq "$runs"); do
  line=$(QUARTIER_EXIT_AFTER_FIRST_PAINT=1 xvfb-run -a -s "-screen 0 1400x900x24" \
           "$build/src/quartier" --demo | grep '^first-map-paint-ms:')
  ms=${line#first-map-paint-ms: }
  echo "run $i: $ms ms"
  times+=("$ms")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "median cold start to first map: %d ms over %d runs\n", m, NR}'
