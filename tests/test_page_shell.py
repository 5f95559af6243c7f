"""The map page the app ships (viewer/web/page.html) is what Folium builds today, holds
no dataset, and the page and its data come together in the real window."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import minimal_dataset, write_dataset

from viewer import paths
from viewer.dataset import load_dataset
from viewer.mapbuilder import (
    BASEMAP_LAYERS,
    WORLD_LAYER,
    WORLD_PANE,
    build_shell_html,
    inline_script_hashes,
)
from viewer.pageconfig import AREA_MAX_M, AREA_THRESHOLD_M, draws_area, page_config


def test_shipped_page_is_what_the_builder_makes() -> None:
    """Change mapbuilder.py or the basemap, then run scripts/build_page.py."""
    built = build_shell_html(paths.basemap_dir())
    assert paths.shell_page().read_text(encoding="utf-8") == built, (
        "viewer/web/page.html is out of date: run .venv/bin/python scripts/build_page.py"
    )


def test_building_is_repeatable() -> None:
    """Folium names its variables randomly; the builder numbers them instead."""
    assert build_shell_html(paths.basemap_dir()) == build_shell_html(paths.basemap_dir())


def test_page_holds_no_data_from_the_dataset() -> None:
    page = paths.shell_page().read_text(encoding="utf-8")
    data = load_dataset(paths.default_dataset())
    for event in data.events:  # (place names may be town names of the basemap too)
        assert event.title not in page, event.title
    assert data.title not in page
    # One boot call with Folium's layers, after Leaflet and atlas.js are loaded.
    assert page.count("Atlas.boot(") == 1
    assert page.index("web/atlas.js") < page.index("Atlas.boot(")


def test_page_without_basemap_still_builds(tmp_path: Path) -> None:
    page = build_shell_html(tmp_path, online_layers=False)
    boot = re.search(r"Atlas\.boot\((\{map:\w+,online:\{\},control:null\})", page)
    assert boot, "a page with no online layers boots with none"
    assert '<script type="application/json" id="atlas-basemap">{"layers":[]}</script>' in page


def test_basemap_is_data_the_world_split_for_drawing_near_the_view_first() -> None:
    """The basemap is a JSON block (never run, so not in the CSP), bottom layer first;
    only the world layer's polygons carry a bbox (atlas.js may draw those later), and
    together they hold every point of world.geojson."""
    page = paths.shell_page().read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="atlas-basemap">(.*?)</script>', page)
    assert block
    layers = json.loads(block[1])["layers"]
    assert [layer["name"] for layer in layers] == [
        name.removesuffix(".geojson") for name, _label, _style in BASEMAP_LAYERS
    ]
    world = layers[0]
    assert world["pane"] == WORLD_PANE and all(layer["pane"] is None for layer in layers[1:])
    for feature in world["features"]:
        assert feature["geometry"]["type"] == "Polygon" and len(feature["bbox"]) == 4
    assert not any("bbox" in f for layer in layers[1:] for f in layer["features"])
    source = json.loads((paths.basemap_dir() / WORLD_LAYER).read_text(encoding="utf-8"))

    def points(features: list[dict[str, Any]]) -> int:
        return len(re.findall(r"\[-?[\d.]+, ?-?[\d.]+\]", json.dumps(features)))

    assert points(world["features"]) == points(source["features"])
    assert block[1] not in "".join(inline_script_hashes(page))
    assert len(inline_script_hashes(page)) == 2  # Folium's setup and the boot call


def test_page_config_carries_places_and_areas(tmp_path: Path) -> None:
    data = load_dataset(write_dataset(tmp_path, minimal_dataset()))
    config = page_config(data, online=False)
    assert config["online"] is False
    assert [p["id"] for p in config["places"]] == [p.id for p in data.places]
    for entry, place in zip(config["places"], data.places, strict=True):
        assert entry["area"] == draws_area(place.radius_m)
    assert draws_area(AREA_THRESHOLD_M) and draws_area(AREA_MAX_M)
    assert not draws_area(AREA_THRESHOLD_M - 1) and not draws_area(AREA_MAX_M + 1)
