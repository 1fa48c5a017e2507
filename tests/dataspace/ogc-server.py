#!/usr/bin/python3
"""Start/stop a real OGC API - Features server (Debian 12 packages) on
127.0.0.1 for integration tests, and generate the test GeoPackage.

Subcommands:
  make-gpkg --out FILE [--count N]
      Write a deterministic GeoPackage (EPSG:25832) with layers `buildings`
      and `districts`; print one JSON line with the expected totals.
  start --kind mapserver|qgis --gpkg FILE --workdir DIR [--timeout S]
      Write the server config into DIR, start the server detached on a free
      loopback port, wait for the landing page, print one JSON line:
      {"url": ..., "pid": N, "collections": [...], "wfs_url": ..., ...}
      Exit 1 on failure (reason on stderr), 77 if the Debian packages are
      missing (so a test can skip).
  stop --workdir DIR
      Kill the server's process group (pid recorded in DIR/server.pid).

Only the Python standard library is used, plus osgeo (python3-gdal) for
make-gpkg.  Debian's python3-gdal lives in /usr/bin/python3; if another
python3 runs this script, make-gpkg re-executes itself with /usr/bin/python3.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from xml.sax.saxutils import escape as xml_escape, quoteattr

EXIT_SKIP = 77

# --------------------------------------------------------------------------
# Test data: deterministic formulas (a test may import this file or recompute)
# --------------------------------------------------------------------------

EPSG = 25832
X0 = 690000.0          # lower left corner of the building grid (EPSG:25832)
Y0 = 5334000.0
COLS = 50              # buildings per grid row
STEP = 25.0            # grid spacing in metres
STREETS = ["Hauptstraße", "Müllerstraße", "Königsallee", "Äußere Wiener Straße"]
DISTRICTS = ["Altstadt Süd", "Schöneberg", "Nördliche Vorstadt", "Überfeld"]


def building(i):
    """Attributes and ring of the building with 0-based index i."""
    fid = i + 1
    w = 8.5 + (i % 5)              # width in metres
    h = 10.25 + (i % 3)            # height in metres (exact binary fractions)
    x = X0 + (i % COLS) * STEP
    y = Y0 + (i // COLS) * STEP
    return {
        "id": fid,
        "name": "%s Nr. %d" % (STREETS[i % len(STREETS)], fid),
        "floors": 1 + (i % 7),
        "residents": (i * 7) % 23,
        "area": w * h,
        "ring": [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)],
    }


def districts(count):
    """Four quadrants covering the building grid (no building straddles)."""
    rows = max(1, (count + COLS - 1) // COLS)
    split_col = COLS // 2
    split_row = rows // 2 if rows > 1 else 1
    xs = [X0 - STEP, X0 + split_col * STEP, X0 + COLS * STEP]
    ys = [Y0 - STEP, Y0 + split_row * STEP, Y0 + max(rows, split_row + 1) * STEP]
    out = []
    k = 0
    for r in range(2):
        for c in range(2):
            x1, x2, y1, y2 = xs[c], xs[c + 1], ys[r], ys[r + 1]
            out.append({
                "id": k + 1,
                "name": DISTRICTS[k],
                "ring": [(x1, y1), (x2, y1), (x2, y2), (x1, y2), (x1, y1)],
            })
            k += 1
    return out


def _ensure_osgeo():
    try:
        from osgeo import ogr, osr  # noqa: F401
        return
    except ImportError:
        pass
    sysp = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(sysp) \
            and os.path.exists(sysp) and not os.environ.get("OGC_SERVER_REEXEC"):
        os.environ["OGC_SERVER_REEXEC"] = "1"
        os.execv(sysp, [sysp, os.path.abspath(__file__)] + sys.argv[1:])
    die("python module osgeo not found: apt-get install python3-gdal",
        EXIT_SKIP)


def cmd_make_gpkg(args):
    _ensure_osgeo()
    from osgeo import ogr, osr
    ogr.UseExceptions()
    osr.UseExceptions()
    if args.count < 1:
        die("--count must be >= 1")
    if os.path.exists(args.out):
        os.unlink(args.out)
    drv = ogr.GetDriverByName("GPKG")
    ds = drv.CreateDataSource(args.out)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)

    def mkpoly(ring):
        lr = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in ring:
            lr.AddPoint_2D(x, y)
        g = ogr.Geometry(ogr.wkbPolygon)
        g.AddGeometry(lr)
        return g

    lyr = ds.CreateLayer("buildings", srs, ogr.wkbPolygon,
                         options=["FID=fid", "IDENTIFIER=Gebäude",
                                  "DESCRIPTION=Test buildings"])
    for name, t in (("id", ogr.OFTInteger), ("name", ogr.OFTString),
                    ("floors", ogr.OFTInteger), ("residents", ogr.OFTInteger),
                    ("area", ogr.OFTReal)):
        lyr.CreateField(ogr.FieldDefn(name, t))
    sums = {"floors": 0, "residents": 0, "area": 0.0}
    minx = miny = float("inf")
    maxx = maxy = float("-inf")
    ds.StartTransaction()
    for i in range(args.count):
        b = building(i)
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetFID(b["id"])
        for k in ("id", "name", "floors", "residents", "area"):
            f.SetField(k, b[k])
        f.SetGeometry(mkpoly(b["ring"]))
        lyr.CreateFeature(f)
        for k in sums:
            sums[k] += b[k]
        for x, y in b["ring"]:
            minx, maxx = min(minx, x), max(maxx, x)
            miny, maxy = min(miny, y), max(maxy, y)
    ds.CommitTransaction()

    dl = ds.CreateLayer("districts", srs, ogr.wkbPolygon,
                        options=["FID=fid", "IDENTIFIER=Stadtteile"])
    dl.CreateField(ogr.FieldDefn("id", ogr.OFTInteger))
    dl.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    dists = districts(args.count)
    per = {d["name"]: {"count": 0, "sum_residents": 0, "sum_floors": 0,
                       "sum_area": 0.0} for d in dists}
    for i in range(args.count):
        b = building(i)
        for d in dists:
            if d["ring"][0][0] <= b["ring"][0][0] < d["ring"][1][0] and \
                    d["ring"][0][1] <= b["ring"][0][1] < d["ring"][2][1]:
                agg = per[d["name"]]
                agg["count"] += 1
                agg["sum_residents"] += b["residents"]
                agg["sum_floors"] += b["floors"]
                agg["sum_area"] += b["area"]
                break
    for d in dists:
        f = ogr.Feature(dl.GetLayerDefn())
        f.SetFID(d["id"])
        f.SetField("id", d["id"])
        f.SetField("name", d["name"])
        f.SetGeometry(mkpoly(d["ring"]))
        dl.CreateFeature(f)
    ds = None
    print(json.dumps({
        "gpkg": os.path.abspath(args.out), "epsg": EPSG,
        "buildings": {"count": args.count, "sum_floors": sums["floors"],
                      "sum_residents": sums["residents"],
                      "sum_area": sums["area"],
                      "bbox": [minx, miny, maxx, maxy]},
        "districts": {"count": len(dists),
                      "names": [d["name"] for d in dists],
                      "buildings_within": per},
    }, ensure_ascii=False))
    return 0


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

class Failure(Exception):
    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


def die(msg, code=1):
    raise Failure(msg, code)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def http_get(url, accept=None, timeout=5):
    req = urllib.request.Request(url)
    if accept:
        req.add_header("Accept", accept)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read()


def tail(path, n=30):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return "(no log)"


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as dead
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
    except OSError:
        pass
    return True


def group_alive(pgid):
    """True while a non-zombie process of process group pgid exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True
    for e in entries:
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields: state ppid pgrp ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def kill_group(pid, wait=10.0):
    """SIGTERM the process group led by pid, SIGKILL it after `wait` s.
    Zombies count as gone (their reaper may be slow)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        deadline = time.monotonic() + (wait if sig == signal.SIGTERM else 5)
        while time.monotonic() < deadline:
            try:
                os.waitpid(pid, os.WNOHANG)   # reap it if it is our child
            except ChildProcessError:
                pass
            if not group_alive(pid):
                return True
            time.sleep(0.05)
    return not group_alive(pid)


def spawn(argv, workdir, env):
    log = open(os.path.join(workdir, "server.log"), "ab")
    try:
        p = subprocess.Popen(argv, cwd=workdir, env=env,
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True, close_fds=True)
    finally:
        log.close()
    with open(os.path.join(workdir, "server.pid"), "w") as f:
        f.write("%d\n" % p.pid)
    return p


def logs_text(paths):
    out = []
    for p in paths:
        if os.path.exists(p) and os.path.getsize(p) > 0:
            out.append("--- %s (tail) ---\n%s" % (p, tail(p)))
    return "\n".join(out) or "(logs empty)"


def wait_ready(proc, url, accept, timeout, logs):
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure("server exited with status %s during startup\n%s"
                          % (proc.returncode, logs_text(logs)))
        try:
            st, ct, body = http_get(url, accept=accept, timeout=3)
            if st == 200:
                try:
                    return json.loads(body.decode("utf-8"))
                except ValueError:
                    last = "landing page is not JSON (%s): %r" % (ct, body[:200])
        except urllib.error.HTTPError as e:
            last = "HTTP %d: %r" % (e.code, e.read()[:300])
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.1)
    raise Failure("server did not answer %s within %g s (last: %s)\n%s"
                  % (url, timeout, last, logs_text(logs)))


def need(paths, pkgs):
    missing = [p for p in paths if not (os.path.exists(p) and
                                        os.access(p, os.X_OK))]
    if missing:
        die("missing %s; install the Debian packages: apt-get install -y "
            "--no-install-recommends %s" % (", ".join(missing), " ".join(pkgs)),
            EXIT_SKIP)


def gpkg_layers(path):
    """Layer names of a GeoPackage via sqlite3 (stdlib)."""
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = con.execute(
            "SELECT c.table_name, g.srs_id, c.min_x, c.min_y, c.max_x, "
            "c.max_y, c.identifier, g.geometry_type_name, s.definition, "
            "s.organization, s.organization_coordsys_id FROM gpkg_contents c "
            "LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = c.srs_id JOIN "
            "gpkg_geometry_columns g ON g.table_name = c.table_name "
            "WHERE c.data_type = 'features' ORDER BY c.table_name").fetchall()
    finally:
        con.close()
    return [{"name": r[0], "srid": r[1], "extent": list(r[2:6]), "title": r[6],
             "geomtype": (r[7] or "").upper(), "wkt": r[8],
             "auth": "%s:%s" % (r[9], r[10]) if r[9] else None}
            for r in rows]


# --------------------------------------------------------------------------
# MapServer 8 (cgi-mapserver) behind lighttpd mod_cgi
# --------------------------------------------------------------------------

MAPSERV = "/usr/lib/cgi-bin/mapserv"
LIGHTTPD = "/usr/sbin/lighttpd"
MS_ALIAS = "quartier"


def ms_type(gpkg_type):
    t = gpkg_type.replace("MULTI", "")
    if t == "POINT":
        return "POINT"
    if t in ("LINESTRING", "CURVE", "COMPOUNDCURVE", "CIRCULARSTRING"):
        return "LINE"
    return "POLYGON"


def mapserver_files(workdir, gpkg, port, layers):
    base = "http://127.0.0.1:%d" % port
    cgi = base + "/cgi-bin/mapserv"
    mapfile = os.path.join(workdir, "quartier.map")
    conf = os.path.join(workdir, "mapserver.conf")
    tmpl = "/usr/share/mapserver/ogcapi/templates/html-plain/"

    def q(s):
        return '"%s"' % str(s).replace("\\", "\\\\").replace('"', '\\"')

    lyr_txt = []
    all_ext = None
    for l in layers:
        ext = l["extent"]
        if None in ext:
            ext = None
        elif all_ext is None:
            all_ext = list(ext)
        else:
            all_ext = [min(all_ext[0], ext[0]), min(all_ext[1], ext[1]),
                       max(all_ext[2], ext[2]), max(all_ext[3], ext[3])]
        # MapServer 8.0.0 (Debian 12) ignores the OGC API `offset` for GPKG
        # layers it can query with native SQL (GPKG with R-tree + SpatiaLite):
        # every page repeats the first one (MapServer issue #6613, fixed in
        # 8.0.1 by PR #6617).  Reading the table through an OGR VRT disables
        # native SQL, so MapServer skips `offset` features itself.
        vrt = os.path.join(workdir, "layer-%s.vrt" % l["name"])
        with open(vrt, "w", encoding="utf-8") as f:
            f.write("<OGRVRTDataSource>\n"
                    "  <OGRVRTLayer name=%s>\n"
                    "    <SrcDataSource>%s</SrcDataSource>\n"
                    "    <SrcLayer>%s</SrcLayer>\n"
                    "  </OGRVRTLayer>\n"
                    "</OGRVRTDataSource>\n" % (
                        quoteattr(l["name"]), xml_escape(gpkg),
                        xml_escape(l["name"])))
        ext_txt = ""
        if ext:
            ext_txt = ('    EXTENT %r %r %r %r\n' % tuple(ext))
        lyr_txt.append("""
  LAYER
    NAME {name}
    TYPE {mstype}
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION {vrt}
    DATA {name}
{ext}    TEMPLATE "dummy.html"
    PROJECTION
      "init=epsg:{srid}"
    END
    METADATA
      "ows_title" {title}
      "ows_abstract" {abstract}
      "gml_include_items" "all"
      "gml_featureid" "id"
      "gml_types" "auto"
      "wfs_getfeature_formatlist" "geojson"
    END
    CLASS
      STYLE
        COLOR 200 200 200
        OUTLINECOLOR 0 0 0
      END
    END
  END""".format(name=q(l["name"]), vrt=q(vrt), srid=l["srid"] or EPSG,
                title=q(l["title"] or l["name"]),
                abstract=q("Layer %s of %s" % (l["name"],
                                               os.path.basename(gpkg))),
                ext=ext_txt, mstype=ms_type(l["geomtype"])))
    if all_ext is None:
        all_ext = [0.0, 0.0, 1.0, 1.0]

    with open(mapfile, "w", encoding="utf-8") as f:
        f.write("""MAP
  NAME "quartier"
  STATUS ON
  SIZE 400 400
  EXTENT {e0!r} {e1!r} {e2!r} {e3!r}
  UNITS METERS
  PROJECTION
    "init=epsg:{epsg}"
  END
  OUTPUTFORMAT
    NAME "geojson"
    DRIVER "OGR/GEOJSON"
    MIMETYPE "application/json; subtype=geojson"
    FORMATOPTION "STORAGE=stream"
    FORMATOPTION "FORM=SIMPLE"
    FORMATOPTION "LCO:RFC7946=NO"
  END
  WEB
    METADATA
      "ows_title" "Quartier test data"
      "ows_abstract" "Generated test GeoPackage"
      "ows_enable_request" "*"
      "ows_srs" "EPSG:{epsg} EPSG:4326 EPSG:3857"
      "ows_encoding" "UTF-8"
      "oga_enable_request" "*"
      "oga_onlineresource" "{cgi}/{alias}/ogcapi"
      "oga_srs" "EPSG:{epsg} EPSG:4326 EPSG:3857"
      "wfs_enable_request" "*"
      "wfs_onlineresource" "{cgi}?map={aliasu}&"
      "wfs_getfeature_formatlist" "geojson"
      "wfs_maxfeatures" "100000"
    END
  END
{layers}
END
""".format(e0=all_ext[0], e1=all_ext[1], e2=all_ext[2], e3=all_ext[3],
           epsg=EPSG, cgi=cgi, alias=MS_ALIAS, aliasu=MS_ALIAS.upper(), layers="\n".join(lyr_txt)))

    with open(conf, "w", encoding="utf-8") as f:
        f.write("""CONFIG
  ENV
    MS_MAP_NO_PATH "1"
    MS_ERRORFILE "{err}"
    OGCAPI_HTML_TEMPLATE_DIRECTORY "{tmpl}"
  END
  MAPS
    {alias} "{mapfile}"
  END
END
""".format(err=os.path.join(workdir, "mapserver-error.log"), tmpl=tmpl,
           alias=MS_ALIAS.upper(), mapfile=mapfile))

    lconf = os.path.join(workdir, "lighttpd.conf")
    docroot = os.path.join(workdir, "htdocs")
    os.makedirs(os.path.join(docroot, "cgi-bin"), exist_ok=True)
    with open(lconf, "w", encoding="utf-8") as f:
        f.write("""server.modules = ( "mod_alias", "mod_cgi", "mod_setenv" )
server.bind = "127.0.0.1"
server.port = {port}
server.document-root = "{docroot}"
server.errorlog = "{workdir}/lighttpd-error.log"
server.pid-file = "{workdir}/lighttpd.pid"
server.max-request-size = 65536
mimetype.assign = ( ".html" => "text/html" )
alias.url = ( "/cgi-bin/mapserv" => "{mapserv}" )
$HTTP["url"] =~ "^/cgi-bin/mapserv" {{
  cgi.assign = ( "" => "" )
}}
setenv.add-environment = ( "MAPSERVER_CONFIG_FILE" => "{conf}" )
""".format(port=port, docroot=docroot, workdir=workdir, mapserv=MAPSERV,
           conf=conf))
    return lconf, cgi


def start_mapserver(args, workdir, gpkg, port, layers):
    need([MAPSERV, LIGHTTPD], ["cgi-mapserver", "lighttpd"])
    lconf, cgi = mapserver_files(workdir, gpkg, port, layers)
    env = dict(os.environ)
    env["MAPSERVER_CONFIG_FILE"] = os.path.join(workdir, "mapserver.conf")
    argv = [LIGHTTPD, "-D", "-f", lconf]
    # lighttpd refuses to run as root unless told which user to be; as root
    # it keeps root (fine for a throw-away test server on loopback)
    res = {
        "url": "%s/%s/ogcapi" % (cgi, MS_ALIAS),
        "wfs_url": "%s?map=%s&" % (cgi, MS_ALIAS.upper()),
        "accept": "application/json",
        "logs": ["lighttpd-error.log", "mapserver-error.log"],
    }
    return argv, env, res


# --------------------------------------------------------------------------
# QGIS Server (qgis-server: qgis_mapserver development server)
# --------------------------------------------------------------------------

QGIS_MAPSERVER = "/usr/bin/qgis_mapserver"


def qgis_project(workdir, gpkg, layers):
    """Write a minimal QGIS 3 project publishing every layer via WFS/OAPIF."""
    path = os.path.join(workdir, "quartier.qgs")
    def srs_xml(l):
        auth = l.get("auth") or "EPSG:%d" % (l["srid"] or EPSG)
        wkt = l.get("wkt") or ""
        if wkt in ("", "undefined"):
            wkt = ""
        return ("<spatialrefsys><wkt>%s</wkt><authid>%s</authid>"
                "</spatialrefsys>" % (xml_escape(wkt), xml_escape(auth)))
    tree, maplayers, ids = [], [], []
    for l in layers:
        lid = "lyr_%s" % "".join(c if c.isalnum() else "_" for c in l["name"])
        ids.append(lid)
        src = "%s|layername=%s" % (gpkg, l["name"])
        gt = {"POINT": "Point", "LINE": "Line"}.get(ms_type(l["geomtype"]),
                                                   "Polygon")
        ext = l["extent"] if None not in l["extent"] else [0, 0, 0, 0]
        tree.append('    <layer-tree-layer id=%s name=%s source=%s '
                    'providerKey="ogr" checked="Qt::Checked" expanded="1"/>'
                    % (quoteattr(lid), quoteattr(l["name"]), quoteattr(src)))
        maplayers.append("""    <maplayer type="vector" geometry="{gt}">
      <extent><xmin>{e[0]!r}</xmin><ymin>{e[1]!r}</ymin><xmax>{e[2]!r}</xmax><ymax>{e[3]!r}</ymax></extent>
      <id>{lid}</id>
      <datasource>{src}</datasource>
      <shortname>{name}</shortname>
      <title>{title}</title>
      <layername>{name}</layername>
      <srs>{srs}</srs>
      <provider encoding="UTF-8">ogr</provider>
    </maplayer>""".format(gt=gt, e=ext, lid=xml_escape(lid), src=xml_escape(src),
                          name=xml_escape(l["name"]),
                          title=xml_escape(l["title"] or l["name"]),
                          srs=srs_xml(l)))
    values = "".join("<value>%s</value>" % xml_escape(i) for i in ids)
    prec = "".join("<%s type=\"int\">8</%s>" % (i, i) for i in ids)
    with open(path, "w", encoding="utf-8") as f:
        f.write("""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis projectname="Quartier test data" version="3.22.16-Białowieża">
  <homePath path=""/>
  <title>Quartier test data</title>
  <projectCrs>{srs}</projectCrs>
  <layer-tree-group>
{tree}
  </layer-tree-group>
  <projectlayers>
{maplayers}
  </projectlayers>
  <properties>
    <WMSServiceCapabilities type="bool">true</WMSServiceCapabilities>
    <WMSServiceTitle type="QString">Quartier test data</WMSServiceTitle>
    <WMSCrsList type="QStringList"><value>EPSG:{epsg}</value><value>EPSG:4326</value><value>EPSG:3857</value></WMSCrsList>
    <WFSLayers type="QStringList">{values}</WFSLayers>
    <WFSLayersPrecision>{prec}</WFSLayersPrecision>
    <WFSUrl type="QString"></WFSUrl>
  </properties>
</qgis>
""".format(srs=srs_xml(layers[0]), epsg=EPSG, tree="\n".join(tree),
           maplayers="\n".join(maplayers), values=values, prec=prec))
    return path


def start_qgis(args, workdir, gpkg, port, layers):
    need([QGIS_MAPSERVER], ["qgis-server"])
    project = qgis_project(workdir, gpkg, layers)
    home = os.path.join(workdir, "qgis-home")
    for d in ("", "config", "cache", "data", "runtime", "tmp"):
        os.makedirs(os.path.join(home, d), mode=0o700, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "QGIS_PROJECT_FILE": project,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": home,
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_RUNTIME_DIR": os.path.join(home, "runtime"),
        "TMPDIR": os.path.join(home, "tmp"),
        "QGIS_SERVER_LOG_STDERR": "1",
        "QGIS_SERVER_LOG_LEVEL": "0",
        "QGIS_OPTIONS_PATH": os.path.join(home, "config"),
        "QGIS_CUSTOM_CONFIG_PATH": os.path.join(home, "config"),
        "QGIS_SERVER_PARALLEL_RENDERING": "false",
    })
    env.pop("DISPLAY", None)
    base = "http://127.0.0.1:%d" % port
    argv = [QGIS_MAPSERVER, "-l", "0", "-p", project, "127.0.0.1:%d" % port]
    res = {
        "url": base + "/wfs3",
        "wfs_url": base + "/?",
        "accept": "application/json",
    }
    return argv, env, res


# --------------------------------------------------------------------------
# start / stop
# --------------------------------------------------------------------------

def cmd_start(args):
    gpkg = os.path.abspath(args.gpkg)
    if not os.path.isfile(gpkg):
        die("GeoPackage not found: %s" % gpkg)
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    pidfile = os.path.join(workdir, "server.pid")
    if os.path.exists(pidfile):
        try:
            old = int(open(pidfile).read().strip())
        except ValueError:
            old = 0
        if old > 0 and pid_alive(old):
            die("a server is already running from %s (pid %d); stop it first"
                % (workdir, old))
        os.unlink(pidfile)
    try:
        layers = gpkg_layers(gpkg)
    except Exception as e:  # sqlite3.Error and friends
        die("cannot read GeoPackage %s: %s" % (gpkg, e))
    if not layers:
        die("GeoPackage %s has no feature tables" % gpkg)
    starter = {"mapserver": start_mapserver, "qgis": start_qgis}[args.kind]
    last_err = None
    for attempt in range(3):          # port race: retry with a fresh port
        port = free_port()
        argv, env, res = starter(args, workdir, gpkg, port, layers)
        logs = [os.path.join(workdir, n) for n in res.pop("logs", [])]
        logs.insert(0, os.path.join(workdir, "server.log"))
        for lp in logs:               # fresh logs for every attempt
            if os.path.exists(lp):
                os.unlink(lp)
        t0 = time.monotonic()
        proc = spawn(argv, workdir, env)
        ok = False
        try:
            landing = wait_ready(proc, res["url"], res.get("accept"),
                                 args.timeout, logs)
            st, ct, body = http_get(res["url"] + "/collections",
                                    accept="application/json", timeout=10)
            cols = json.loads(body.decode("utf-8")).get("collections", [])
            if not cols:
                raise Failure("server runs but publishes no collections\n%s"
                              % logs_text(logs))
            ok = True
        except Failure as e:
            last_err = e
        except Exception as e:        # HTTP errors, bad JSON
            last_err = Failure("%s server failed to start: %s\n%s"
                               % (args.kind, e, logs_text(logs)))
        finally:
            if not ok:                # also on KeyboardInterrupt
                kill_group(proc.pid)
                try:
                    os.unlink(pidfile)
                except OSError:
                    pass
        if not ok:
            if "already in use" in logs_text(logs):
                continue
            raise last_err
        res.update({
            "pid": proc.pid, "port": port, "kind": args.kind,
            "collections": [c.get("id") for c in cols],
            "startup_seconds": round(time.monotonic() - t0, 3),
            "title": landing.get("title"),
        })
        with open(os.path.join(workdir, "server.json"), "w") as f:
            json.dump(res, f)
        print(json.dumps(res))
        sys.stdout.flush()
        return 0
    raise last_err


def cmd_stop(args):
    workdir = os.path.abspath(args.workdir)
    pidfile = os.path.join(workdir, "server.pid")
    try:
        pid = int(open(pidfile).read().strip())
    except (OSError, ValueError):
        print("no server recorded in %s" % workdir, file=sys.stderr)
        return 0
    ok = kill_group(pid) if pid > 0 else True
    if not ok:
        die("could not stop server process group %d" % pid)
    try:
        os.unlink(pidfile)
    except OSError:
        pass
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("start")
    p.add_argument("--kind", choices=["mapserver", "qgis"], required=True)
    p.add_argument("--gpkg", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--timeout", type=float, default=20.0)
    p = sub.add_parser("stop")
    p.add_argument("--workdir", required=True)
    p = sub.add_parser("make-gpkg")
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, default=1234)
    args = ap.parse_args(argv)
    try:
        return {"start": cmd_start, "stop": cmd_stop,
                "make-gpkg": cmd_make_gpkg}[args.cmd](args)
    except Failure as e:
        print("ogc-server.py %s: %s" % (args.cmd, e), file=sys.stderr)
        return e.code


if __name__ == "__main__":
    sys.exit(main())
