"""What a cold start costs before the app does anything of its own: the floor.

    xvfb-run -a -s "-screen 0 1600x1000x24" python benches/floor.py blank|prototype

Spawned by benches/run.py with ECA_BENCH_SPAWN (the spawner's time.time()); prints
`FLOOR-RESULT {json}`: seconds from spawn to the first paint of

- `blank`: a QWebEngineView showing a one-line page (Python, PySide6, Qt, Chromium's
  browser side, one renderer process and one frame: nothing of ours);
- `prototype`: the bare prototype issue #7 compares with: a Folium map with five markers,
  rendered when the process starts and shown with `setHtml` (Leaflet from the local
  XStatic package instead of a CDN, so it runs offline; no data layer, no window).

Both use the app's Chromium settings (`viewer.app.prepare_environment`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

SPAWN = float(os.environ.get("ECA_BENCH_SPAWN", time.time()))
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RESULT_PREFIX = "FLOOR-RESULT "

#: Five places of the story, as the prototype had them.
PROTOTYPE_MARKERS = (
    ("U.S. embassy", 33.2981, 44.3955),
    ("K-1 air base", 35.5167, 44.2833),
    ("Al-Qa'im", 34.3686, 41.0944),
    ("Baghdad airport", 33.2625, 44.2346),
    ("Al Asad", 33.7856, 42.4412),
)


def prototype_html() -> tuple[str, float]:
    """The prototype's page, and how long importing Folium took."""
    started = time.time()
    import folium

    imported = time.time() - started
    from viewer import paths

    leaflet = paths.leaflet_dir().as_uri()
    fmap = folium.Map(location=(33.3, 43.5), zoom_start=6, tiles=None)
    fmap.default_js = [("leaflet", f"{leaflet}/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{leaflet}/leaflet.css")]
    for name, lat, lon in PROTOTYPE_MARKERS:
        folium.Marker((lat, lon), tooltip=name).add_to(fmap)
    return fmap.get_root().render(), imported


def main() -> int:
    kind = sys.argv[1] if len(sys.argv) > 1 else "blank"
    if kind not in ("blank", "prototype"):
        print("usage: floor.py blank|prototype", file=sys.stderr)
        return 2
    from viewer.app import prepare_environment

    prepare_environment()
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer, QUrl
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication

    result: dict[str, Any] = {"kind": kind, "imports_s": time.time() - SPAWN}
    app = QApplication([sys.argv[0]])
    result["qapplication_s"] = time.time() - SPAWN
    if kind == "blank":
        html, markers = "<!doctype html><p>Embassy Crisis Atlas</p>", 0
    else:
        html, result["folium_import_s"] = prototype_html()
        markers = len(PROTOTYPE_MARKERS)
    view = QWebEngineView()
    view.resize(1200, 800)
    result["view_s"] = time.time() - SPAWN

    def painted(title: str) -> None:
        if title.startswith("painted:") and "first_paint_s" not in result:
            result["first_paint_s"] = time.time() - SPAWN
            result["markers_shown"] = int(title.split(":", 1)[1])
            app.quit()

    def loaded(ok: bool) -> None:
        result["load_ok"] = ok
        # The page's next frame (its title then says so, with its markers counted).
        view.page().runJavaScript(
            "requestAnimationFrame(function () { setTimeout(function () {"
            " document.title = 'painted:' +"
            " document.querySelectorAll('.leaflet-marker-icon').length; }, 0); }); true"
        )

    view.titleChanged.connect(painted)
    view.loadFinished.connect(loaded)
    view.setHtml(html, QUrl.fromLocalFile(str(REPO) + "/"))
    view.show()
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    result["markers_expected"] = markers
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    view.deleteLater()  # the page before the profile it uses
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return 0 if "first_paint_s" in result else 1


if __name__ == "__main__":
    sys.exit(main())
