#!/usr/bin/env bash
# The PostGIS peer of bench-zonal, in the same session: a throwaway PostgreSQL 15 cluster on
# 127.0.0.1, the shared municipality loaded by ogr2ogr (GiST indexes, ANALYZE), and
# ../shared/bench/sql/zonal_postgis.sql timed RUNS times; then bench-zonal on the same file,
# and the ratio of the medians.
#   bench/zonal-postgis.sh MUNI.gpkg [RUNS] [BUILDDIR]
# Needs the Debian packages postgresql-15, postgresql-15-postgis-3 and gdal-bin (not installed
# by build-aux: the benchmarks are not part of the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

muni=$(realpath "$1")
runs=${2:-5}
build=${3:-_build}
pg=/usr/lib/postgresql/15/bin
sql=../shared/bench/sql/zonal_postgis.sql

[ -x "$pg/initdb" ] || { echo "postgresql-15 is not installed" >&2; exit 1; }
[ -f "$sql" ] || { echo "$sql is missing (../shared beside the checkout)" >&2; exit 1; }

# PostgreSQL refuses to run as root: its own user then.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
fi

dir=$(mktemp -d)
chmod 755 "$dir"
[ ${#as_pg[@]} -gt 0 ] && chown postgres "$dir"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup () {
  "${as_pg[@]}" "$pg/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_pg[@]}" "$pg/initdb" -D "$dir/data" --auth=trust -U postgres >/dev/null
"${as_pg[@]}" "$pg/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c work_mem=64MB" \
  start >/dev/null

psql=(psql -h 127.0.0.1 -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -c "CREATE DATABASE muni" >/dev/null
"${psql[@]}" -d muni -c "CREATE EXTENSION postgis" >/dev/null
ogr2ogr -f PostgreSQL "PG:host=127.0.0.1 port=$port dbname=muni user=postgres" "$muni" \
  -lco GEOMETRY_NAME=geom -lco FID=id
"${psql[@]}" -d muni -c "ANALYZE" >/dev/null

times=()
for _ in $(seq "$runs"); do
  { echo '\timing on'; cat "$sql"; } | "${psql[@]}" -d muni -o /dev/null > "$dir/psql.log" 2>&1 ||
    { cat "$dir/psql.log" >&2; exit 1; }
  times+=("$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$dir/psql.log" | tail -1)")
done
postgis=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] / 1000 }')
echo "PostGIS SQL (PostgreSQL 15, PostGIS 3.3, loopback), median of $runs: $postgis s"

out=$("$build/bench/bench-zonal" "$muni" ../shared/bench/sql/zonal_gpkg.sql bench/muni-indicators.json "$runs")
echo "$out"
quartier=$(echo "$out" | sed -n 's/^  Quartier, all cores: *\([0-9.]*\) s.*/\1/p')
one=$(echo "$out" | sed -n 's/^  Quartier, one thread: *\([0-9.]*\) s.*/\1/p')
awk -v p="$postgis" -v q="$quartier" -v o="$one" \
  'BEGIN { printf "PostGIS / Quartier: %.1f× (all cores), %.1f× (one thread)\n", p / q, p / o }'
