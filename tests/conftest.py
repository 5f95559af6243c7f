"""Shared test set-up: QtWebEngine environment, our URL scheme, settings in a temp dir."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_SOURCES = REPO.parent / "shared" / "sources"

# QtWebEngine needs these before the QApplication exists (pytest-qt creates it lazily):
# the same environment the app sets up for itself.
from viewer.app import prepare_environment  # noqa: E402

prepare_environment()

try:  # GUI tests only: a machine without Qt still runs the data-layer tests
    from viewer.mapview import register_scheme

    register_scheme()
except ImportError:  # pragma: no cover
    pass


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """QSettings go to a temporary folder, never the developer's own."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # pragma: no cover
        return
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


SOURCE_TEXT = (
    "On Tuesday protesters marched to the embassy. “It was loud,” a witness said.\n\n"
    "The strikes killed 24 fighters near the border.\n"
)


def minimal_dataset() -> dict[str, Any]:
    """A small valid dataset (write it with `write_dataset`)."""
    return {
        "format": "embassy-crisis-atlas/1",
        "title": "Test incident",
        "display_timezone": "Asia/Baghdad",
        "core_period": {"start": "2019-12-27T00:00:00+03:00", "end": "2020-01-10T00:00:00+03:00"},
        "sources": [
            {
                "id": "src",
                "file": "sources/a.txt",
                "outlet": "Test Outlet",
                "title": "A report",
                "published": "2019-12-31",
                "url": "https://example.com/a",
            }
        ],
        "places": [
            {
                "id": "embassy",
                "name": "Embassy",
                "kind": "compound",
                "lat": 33.2986,
                "lon": 44.3958,
                "radius_m": 300,
                "coord_source": "test",
            },
            {
                "id": "border",
                "name": "Border area",
                "kind": "region",
                "lat": 34.4,
                "lon": 41.0,
                "radius_m": 20000,
                "coord_source": "test",
            },
        ],
        "events": [
            {
                "id": "strikes",
                "start": "2019-12-29T00:00:00+03:00",
                "precision": "day",
                "places": ["border"],
                "category": "strike",
                "actors": ["U.S."],
                "title": "Strikes",
                "summary": "Strikes hit the border.",
                "citations": [{"source": "src", "quote": "The strikes killed 24 fighters"}],
            },
            {
                "id": "march",
                "start": "2019-12-31T00:00:00+03:00",
                "end": "2020-01-02T00:00:00+03:00",
                "precision": "day",
                "places": ["embassy"],
                "category": "protest",
                "actors": [],
                "title": "March",
                "summary": "People marched.",
                "citations": [{"source": "src", "quote": '"It was loud," a witness'}],
                "claims": [
                    {
                        "topic": "Deaths",
                        "values": [{"source": "src", "value": "24", "quote": "killed 24 fighters"}],
                    }
                ],
            },
        ],
        "links": [{"cause": "strikes", "effect": "march", "type": "led to"}],
    }


def write_dataset(folder: Path, data: Any, text: str = SOURCE_TEXT) -> Path:
    (folder / "sources").mkdir(exist_ok=True)
    (folder / "sources" / "a.txt").write_text(text, encoding="utf-8")
    path = folder / "data.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    return write_dataset(tmp_path, minimal_dataset())


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the real dataset and its sources, safe to break."""
    shutil.copy(REPO / "places.json", tmp_path / "places.json")
    shutil.copytree(REPO / "assets" / "sources", tmp_path / "assets" / "sources")
    return tmp_path / "places.json"


@pytest.fixture(scope="session", autouse=True)
def _delete_windows_before_the_web_profile() -> Any:
    """Web pages must go before the shared QWebEngineProfile does, at the end."""
    yield
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError:  # pragma: no cover
        return
    app = QApplication.instance()
    if app is None:
        return
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    for _ in range(3):
        app.processEvents()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


# ---- the real window, shared by the GUI test files ------------------------------------


def show_until_ready(qtbot: Any, win: Any, timeout_ms: int = 60_000) -> Any:
    """Show `win` (a MainWindow) and wait until its map has painted the first state."""
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.ready, timeout=timeout_ms):
        win.show()
    return win


def close_window(qtbot: Any, win: Any) -> None:
    win.player.pause()
    win.close()
    win.deleteLater()
    qtbot.wait(50)


def run_js(qtbot: Any, window: Any, script: str) -> Any:
    """Run `script` in the page and return its value (objects: JSON.stringify them)."""
    with qtbot.waitCallback(timeout=10_000) as callback:
        window.map_view.page().runJavaScript(script, 0, callback)
    return callback.args[0]


def move_and_wait(qtbot: Any, window: Any, moment: Any) -> dict[str, Any]:
    """Move time and wait until the page confirms it applied that very state; returns the
    page's answer."""
    return wait_applied(qtbot, window, lambda: window.time_state.set_moment(moment))


def wait_applied(qtbot: Any, window: Any, act: Any) -> dict[str, Any]:
    """Do `act` (which must send the map a state) and wait until the page confirms the
    last state sent; returns the page's answer. Several updates may be in flight, and
    their confirmations can arrive together: every one is recorded as it comes, so none
    is missed between two waits."""
    seen: dict[int, dict[str, Any]] = {}

    def record(state: dict[str, Any]) -> None:
        seen[state["seq"]] = state

    window.map_view.updateApplied.connect(record)
    try:
        assert act() is not False
        qtbot.waitUntil(lambda: window._seq in seen, timeout=10_000)
    finally:
        window.map_view.updateApplied.disconnect(record)
    return seen[window._seq]


def page_query(qtbot: Any, window: Any) -> dict[str, Any]:
    """What the page shows (`Atlas.query()`)."""
    return dict(json.loads(run_js(qtbot, window, "Atlas.query()")))


def settle(qtbot: Any, window: Any) -> dict[str, Any]:
    """The page's state once it applied the latest update and painted it (the canvases
    are drawn in the frame after an update)."""
    qtbot.waitUntil(lambda: page_query(qtbot, window)["seq"] == window._seq, timeout=10_000)
    with qtbot.waitSignal(window.map_view.bridge.paintedReported, timeout=10_000):
        run_js(qtbot, window, f"Atlas.afterPaint({window._seq})")
    return page_query(qtbot, window)


@pytest.fixture
def real_window(qtbot: Any) -> Any:
    """The real dataset (places.json) in a shown window at 27 Dec 2019, 00:00 Baghdad."""
    from datetime import datetime, timedelta, timezone

    from PySide6.QtCore import QSettings

    from viewer.dataset import load_dataset
    from viewer.window import MainWindow

    at = datetime(2019, 12, 27, 0, tzinfo=timezone(timedelta(hours=3)))
    win = MainWindow(load_dataset(REPO / "places.json"), at=at, settings=QSettings())
    yield show_until_ready(qtbot, win)
    close_window(qtbot, win)
