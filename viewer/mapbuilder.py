"""Build the map page with Folium: the map, the offline basemap, the online tile layers
and their switcher, and a registry that hands those layers to `atlas.js` by name.

The page holds no data from a dataset: `Atlas.load(page_config(dataset))` puts the places
on it at run time (`viewer.pageconfig`). So it is built once, by `scripts/build_page.py`,
and shipped as `viewer/web/page.html`; the app never imports Folium (nor numpy) to
start, and a test proves the shipped page is what this module builds today.

Qt-free: scripts and styles all come from `asset_base` (the app's own URL scheme), so
the page needs no network. The page carries its own Content-Security-Policy: scripts
only from the app and the page's own inline scripts (by hash), so text that somehow
became markup still could not run.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_text
import itertools
import json
import logging
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from .jsvalue import to_js

log = logging.getLogger(__name__)

#: What the map shows first: Iraq and the Syrian border, where the events happened.
HOME_BOUNDS = ((29.0, 38.2), (37.6, 48.8))

#: Offline basemap layers, bottom to top: (file, display name, Leaflet style).
BASEMAP_LAYERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "world.geojson",
        "World",
        {"color": "#b9ae98", "weight": 0.6, "fillColor": "#efe9dc", "fillOpacity": 1},
    ),
    (
        "region_countries.geojson",
        "Countries",
        {"color": "#9c907a", "weight": 1.1, "fillColor": "#f3eee3", "fillOpacity": 1},
    ),
    (
        "iraq_governorates.geojson",
        "Iraqi governorates",
        {"color": "#b3a58b", "weight": 0.8, "dashArray": "4 3", "fill": False},
    ),
    (
        "lakes.geojson",
        "Lakes",
        {"color": "#8fb5d6", "weight": 0.5, "fillColor": "#b7d1e8", "fillOpacity": 1},
    ),
    ("rivers.geojson", "Rivers", {"color": "#6d9fcf", "weight": 1.6, "fill": False}),
)

#: The bottom layer, drawn in a Leaflet pane of its own beneath the other overlays. It is
#: most of the basemap's weight (34,000 points) and mostly off-screen at the home view, so
#: it is split into its polygons, each with its bounding box, and `atlas.js` draws only
#: those near the first view before the first paint, the rest just after it. (In its own
#: pane, the parts drawn later still lie beneath everything else.)
WORLD_LAYER = "world.geojson"
WORLD_PANE = "atlasWorld"

ONLINE_LAYERS = (
    (
        "OpenStreetMap (online)",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap contributors",
    ),
    (
        "Satellite imagery (online)",
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Imagery &copy; Esri",
    ),
)


#: Where online tiles come from: the only network origins the page's CSP allows.
ONLINE_ORIGINS = tuple(
    sorted({f"{urlsplit(url).scheme}://{urlsplit(url).hostname}" for _, url, _ in ONLINE_LAYERS})
)

_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.DOTALL | re.I)
_SRC = re.compile(r"\ssrc\s*=", re.I)
#: A <script> of this type is data the browser never runs (the basemap): no hash needed.
_DATA_BLOCK = re.compile(r"""\stype\s*=\s*["']?application/json""", re.I)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_CHARSET = re.compile(r"\s*<meta\b[^>]*charset[^>]*>", re.I)


def inline_script_hashes(page: str) -> list[str]:
    """CSP hash sources (``'sha256-…'``) of every inline <script> that runs, in order."""
    hashes: list[str] = []
    for match in _SCRIPT.finditer(page):
        if _SRC.search(match["attrs"]) or _DATA_BLOCK.search(match["attrs"]):
            continue
        # The browser hashes the script's text after HTML's newline normalization.
        body = match["body"].replace("\r\n", "\n").replace("\r", "\n")
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        source = f"'sha256-{digest}'"
        if source not in hashes:
            hashes.append(source)
    return hashes


def content_security_policy(page: str, online_layers: bool) -> str:
    """The policy for `page`: our scripts and the page's own inline ones, nothing else.

    Styles may be inline (Leaflet positions everything with style attributes); images
    come from the app, data: URLs and, if offered, the online tile servers. No fetch, no
    frames, no plugins, no forms, no <base>.
    """
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'", *inline_script_hashes(page)],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *(ONLINE_ORIGINS if online_layers else ())],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'none'"],
        "media-src": ["'none'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "worker-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def with_content_security_policy(page: str, online_layers: bool) -> str:
    """`page` with its CSP at the top of <head> (after the charset, before any script)."""
    head = _HEAD.search(page)
    if head is None:
        raise ValueError("the map page has no <head> to put its security policy in")
    at = head.end()
    if charset := _CHARSET.match(page, at):  # it must stay within the first 1024 bytes
        at = charset.end()
    policy = html_text.escape(content_security_policy(page, online_layers), quote=False)
    meta = f'\n    <meta http-equiv="Content-Security-Policy" content="{policy}">'
    return page[:at] + meta + page[at:]


class _Registry(MacroElement):
    """Emits `Atlas.init(...)` after every layer exists, naming them by our ids.

    Never give it data: branca turns a macro's output into a new Jinja template and
    renders that again, so `{{ ... }}` in a place name would run as template code. The
    data goes in after rendering, in place of a placeholder (see `build_shell_html`).
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.js }}{% endmacro %}")

    def __init__(self, js: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "AtlasRegistry"
        self.js = js


def _load_geojson(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("basemap layer %s not loaded: %s", path.name, exc)
        return None
    return data


def _bbox(ring: list[list[float]]) -> list[float]:
    lons = [point[0] for point in ring]
    lats = [point[1] for point in ring]
    return [min(lons), min(lats), max(lons), max(lats)]


def _polygons_with_bbox(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each polygon of `data`'s (multi)polygons as a feature of its own, with its bbox."""
    features = []
    for feature in data.get("features", []):
        geometry = feature.get("geometry") or {}
        kind, coordinates = str(geometry.get("type")), geometry.get("coordinates")
        polygons: list[Any] | None = {"Polygon": [coordinates], "MultiPolygon": coordinates}.get(
            kind
        )
        if not polygons:
            features.append(feature)  # drawn before the first paint, like any other
            continue
        for polygon in polygons:
            features.append(
                {
                    "type": "Feature",
                    "properties": feature.get("properties", {}),
                    "geometry": {"type": "Polygon", "coordinates": polygon},
                    "bbox": _bbox(polygon[0]),
                }
            )
    return features


def basemap_layers(basemap_dir: Path) -> list[dict[str, Any]]:
    """The offline basemap for the page, bottom layer first: name, Leaflet style, pane
    (null: Leaflet's overlay pane) and features. Missing or broken files are left out."""
    layers = []
    for filename, _label, style in BASEMAP_LAYERS:
        data = _load_geojson(basemap_dir / filename)
        if data is None:
            continue
        world = filename == WORLD_LAYER
        layers.append(
            {
                "name": filename.removesuffix(".geojson"),
                "style": style,
                "pane": WORLD_PANE if world else None,
                "features": _polygons_with_bbox(data) if world else data.get("features", []),
            }
        )
    return layers


def _towns(basemap_dir: Path) -> list[dict[str, Any]]:
    data = _load_geojson(basemap_dir / "towns.geojson")
    if not data:
        return []
    towns = []
    for feature in data.get("features", []):
        props = feature.get("properties", {})
        lon, lat = feature["geometry"]["coordinates"][:2]
        towns.append(
            {"name": props.get("name", ""), "lat": lat, "lon": lon, "rank": props.get("rank", 10)}
        )
    return towns


def _number_elements(root: Element) -> None:
    """Give every element a fixed id, in tree order: Folium's are random (os.urandom), and
    the shipped page must be the same bytes each time it is built."""
    counter = itertools.count()

    def visit(element: Element) -> None:
        element._id = f"{next(counter):04d}"
        for child in element._children.values():
            visit(child)

    visit(root)


def build_shell_html(
    basemap_dir: Path,
    asset_base: str = "atlas://app/",
    online_layers: bool = True,
) -> str:
    """The map page as HTML, the same for every dataset. Scripts/styles come from `asset_base`."""
    fmap = folium.Map(
        location=(33.3, 44.0),
        zoom_start=6,
        tiles=None,
        control_scale=True,
        zoom_control=True,
        keyboard=False,  # arrow keys step through events, not pan the map
    )
    # Instance lists, not Map.add_js_link (which changes a list shared by every map).
    fmap.default_js = [
        ("leaflet", f"{asset_base}leaflet/leaflet.js"),
        ("qwebchannel", f"{asset_base}qwebchannel.js"),
        ("atlas", f"{asset_base}web/atlas.js"),
    ]
    fmap.default_css = [
        ("leaflet_css", f"{asset_base}leaflet/leaflet.css"),
        ("atlas_css", f"{asset_base}web/atlas.css"),
    ]

    # The basemap is data, not script: a JSON block that atlas.js parses and draws (see
    # basemap_layers). JSON.parse reads it faster than V8 compiles the same literal.
    basemap = basemap_layers(basemap_dir)
    basemap_placeholder = f"__atlas_basemap_{secrets.token_hex(8)}__"
    block = f'<script type="application/json" id="atlas-basemap">{basemap_placeholder}</script>'
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium.Map's root is the page
    root.html.add_child(Element(block), name="atlas_basemap")

    online: dict[str, Element] = {}
    control: Element | None = None
    if online_layers:
        for name, url, attribution in ONLINE_LAYERS:
            tiles = folium.TileLayer(
                tiles=url, attr=attribution, name=name, overlay=True, show=False, max_zoom=18
            )
            tiles.add_to(fmap)
            online[name] = tiles
        # The layer switcher offers the online layers; the offline basemap is always on.
        control = folium.LayerControl(position="topright", collapsed=True)
        control.add_to(fmap)

    # Data must not pass through Jinja (see _Registry): render with a placeholder, then
    # put the JSON in. It is escaped for a <script> by to_js, and hashed by the CSP below.
    placeholder = f"__atlas_boot_{secrets.token_hex(8)}__"
    fmap.add_child(_Registry(f"Atlas.boot({placeholder});"))
    _number_elements(fmap.get_root())

    # Folium's variable names are its own: hand the page a registry of them.
    def names(mapping: dict[str, Element]) -> str:
        return "{" + ",".join(f"{to_js(k)}:{v.get_name()}" for k, v in mapping.items()) + "}"

    registry = (
        f"{{map:{fmap.get_name()},online:{names(online)},"
        f"control:{control.get_name() if control is not None else 'null'}}}"
    )
    boot = {"home": HOME_BOUNDS, "towns": _towns(basemap_dir)}
    html: str = fmap.get_root().render()
    if html.count(placeholder) != 1:
        raise RuntimeError("the map page template lost the Atlas.boot call")
    if html.count(basemap_placeholder) != 1:
        raise RuntimeError("the map page template lost the basemap block")
    html = html.replace(placeholder, f"{registry},{to_js(boot)}")
    html = html.replace(basemap_placeholder, to_js({"layers": basemap}))
    return with_content_security_policy(html, online_layers)
