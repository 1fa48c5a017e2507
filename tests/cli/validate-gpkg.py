#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo project is a valid GeoPackage: GDAL's validator accepts it and every table
Quartier writes is registered in gpkg_contents (qrt_* tables as 'attributes')."""

import os
import sqlite3
import subprocess
import sys
import tempfile

VALIDATORS = [
    "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
    "/usr/share/doc/python3-gdal/examples/validate_gpkg.py",
]


def main():
    cli = sys.argv[1]
    validator = next((p for p in VALIDATORS if os.path.exists(p)), None)
    if validator is None:
        print("validate_gpkg.py not found: install python3-gdal")
        return 77  # meson: skipped

    with tempfile.TemporaryDirectory() as tmp:
        gpkg = os.path.join(tmp, "demo.gpkg")
        subprocess.run([cli, "demo", "--out", gpkg], check=True, stdout=subprocess.DEVNULL)

        result = subprocess.run(["/usr/bin/python3", validator, gpkg],
                                capture_output=True, text=True)
        print(result.stdout, result.stderr)
        if result.returncode != 0:
            print("validate_gpkg.py rejected the demo project")
            return 1

        db = sqlite3.connect(gpkg)
        contents = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents"))
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        internal = ("gpkg_", "rtree_", "sqlite_")
        user_tables = [t for t in tables if not t.startswith(internal)]
        missing = [t for t in user_tables if t not in contents]
        if missing:
            print("tables not registered in gpkg_contents:", missing)
            return 1
        for table in ("qrt_project", "qrt_layer_sources", "qrt_styles"):
            if contents.get(table) != "attributes":
                print(f"{table} is {contents.get(table)!r} in gpkg_contents, not 'attributes'")
                return 1
        features = [t for t, kind in contents.items() if kind == "features"]
        for layer in ("districts", "buildings", "landcover", "streets", "water"):
            if layer not in features:
                print(f"feature table {layer} missing; have {features}")
                return 1
        synthetic = db.execute("SELECT value FROM qrt_project WHERE key = 'synthetic'").fetchone()
        if synthetic is None or synthetic[0] != "true":
            print("the demo is not labelled as synthetic in qrt_project")
            return 1
        print(f"valid GeoPackage; {len(user_tables)} tables, all registered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
