"""The one place that knows where the app's files live: source tree or PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

#: True when running from a PyInstaller bundle.
IS_FROZEN = bool(getattr(sys, "frozen", False))


def app_root() -> Path:
    """The folder holding places.json and assets/ (the repo root, or the bundle's data dir)."""
    if IS_FROZEN:
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def package_dir() -> Path:
    """The `viewer` package folder (holds the schema and the page's web files)."""
    if IS_FROZEN:
        return app_root() / "viewer"
    return Path(__file__).resolve().parent


def default_dataset() -> Path:
    return app_root() / "places.json"


def assets_dir() -> Path:
    return app_root() / "assets"


def basemap_dir() -> Path:
    return assets_dir() / "basemap"


def web_dir() -> Path:
    """Scripts and styles of the map page written by us (atlas.js, atlas.css)."""
    return package_dir() / "web"


def shell_page() -> Path:
    """The map page built by scripts/build_page.py (Folium), the same for every dataset."""
    return web_dir() / "page.html"


def leaflet_dir() -> Path:
    """Leaflet's dist folder, shipped by the XStatic-Leaflet package."""
    if IS_FROZEN:
        return app_root() / "xstatic" / "leaflet"
    import xstatic.pkg.leaflet as leaflet

    return Path(leaflet.BASE_DIR)
