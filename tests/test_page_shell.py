"""The map page the app ships (viewer/web/page.html) is what Folium builds today, holds
no dataset, and the page and its data come together in the real window."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import minimal_dataset, write_dataset

from viewer import paths
from viewer.dataset import load_dataset
from viewer.mapbuilder import build_shell_html
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
    boot = re.search(r"Atlas\.boot\((\{map:\w+,basemap:\{\},online:\{\},control:null\})", page)
    assert boot, "a page with no basemap files and no online layers boots with empty ones"


def test_page_config_carries_places_and_areas(tmp_path: Path) -> None:
    data = load_dataset(write_dataset(tmp_path, minimal_dataset()))
    config = page_config(data, online=False)
    assert config["online"] is False
    assert [p["id"] for p in config["places"]] == [p.id for p in data.places]
    for entry, place in zip(config["places"], data.places, strict=True):
        assert entry["area"] == draws_area(place.radius_m)
    assert draws_area(AREA_THRESHOLD_M) and draws_area(AREA_MAX_M)
    assert not draws_area(AREA_THRESHOLD_M - 1) and not draws_area(AREA_MAX_M + 1)
