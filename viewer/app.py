"""Start the Qt application: environment, data, window, and the --screenshot mode."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from pathlib import Path
from typing import Any

from . import APP_NAME, __version__, paths, startup
from .errors import DatasetError

log = logging.getLogger(__name__)

#: How long --screenshot waits for the map before giving up.
SCREENSHOT_TIMEOUT_MS = 60_000


def add_chromium_flag(flag: str) -> None:
    """Append `flag` to QTWEBENGINE_CHROMIUM_FLAGS unless that switch is there already.

    What the user set is kept as it is and wins: Chromium keeps one value per switch.
    """
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    switch = flag.split("=", 1)[0]
    if any(token.split("=", 1)[0] == switch for token in flags.split()):
        return
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} {flag}".strip()


def prepare_environment() -> None:
    """Settings QtWebEngine needs before it starts (tests call this too)."""
    # Chromium's sandbox refuses to run as root; ordinary users keep it.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    # QtWebEngine composites its page through Qt Quick. With OpenGL on a machine without a
    # GPU that means Mesa's llvmpipe: measured here (benches/run.py, Xvfb, 2 cores) it cost
    # ~37 ms of CPU per slider move and a p50 of 60 ms; Qt Quick's software backend took the
    # whole move to ~9 ms of CPU and a p50 of 12 ms. A 2-D map needs no GPU, so software is
    # the default; set QT_QUICK_BACKEND=opengl (or rhi) to composite on a GPU instead.
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    # No GPU on the machines this runs on headless; avoids noisy GL probing there.
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        add_chromium_flag("--disable-gpu")
    # The page's JavaScript engine (V8) tuned for memory over peak speed: it grows its heap
    # less before collecting. benches/run.py, real dataset, back to back with and without
    # (Xvfb, 2 cores, ~0.8 of them busy elsewhere): process tree after scrubbing 403 -> 379 MB
    # PSS (renderer 156 -> 131), scrub p50 5.5 -> 5.4 ms, p95 14.4 -> 13.8 ms, renderer CPU
    # per move 5.3 -> 5.6 ms. Earlier runs under heavier load saw up to +17 ms at p95
    # (docs/memory.md); users can override it through QTWEBENGINE_CHROMIUM_FLAGS.
    add_chromium_flag("--js-flags=--optimize-for-size")


def show_error(title: str, message: str, details: str, no_windows: bool) -> None:
    """Errors go to stderr always, and to a dialog unless told not to."""
    print(f"{title}: {message}\n{details}", file=sys.stderr)
    if no_windows:
        return
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None:
        return
    box = QMessageBox(QMessageBox.Icon.Critical, title, message)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText("The details below name the file, the place in it and the problem.")
    box.setDetailedText(details)
    box.exec()


def create_application(argv: list[str]) -> object:
    prepare_environment()
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from .mapview import register_scheme

    register_scheme()
    QCoreApplication.setOrganizationName("EmbassyCrisisAtlas")
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication(argv)
    from PySide6.QtGui import QIcon

    icon = paths.assets_dir() / "icons" / "embassy-crisis-atlas.png"
    if icon.is_file() and isinstance(app, QApplication):
        app.setWindowIcon(QIcon(str(icon)))
    return app


def _read_data(path: Path) -> Any:
    """The dataset, and the window's modules imported, on this (the GUI) thread.

    Doing both on another thread while this one ran Qt's event loop let the page load
    meanwhile, but one start in a CI run of a few dozen then crashed (SIGSEGV, before
    any of our code reported anything), most likely PySide6 modules being imported on
    one thread while another ran Qt. Pending events are handled in between, so the
    page's files are served before the data is read.
    """
    from PySide6.QtCore import QCoreApplication

    from . import window  # noqa: F401  (the import is the work: 0.1-0.3 s of Python)
    from .dataset import load_dataset

    startup.mark("window_modules_imported")
    QCoreApplication.processEvents()
    return load_dataset(path)


def run_app(options: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    startup.mark("python_started")
    app = create_application([sys.argv[0]])
    startup.mark("qapplication")
    from PySide6.QtCore import QTimer

    from .mapview import MapView

    # The map page first: QtWebEngine starts its renderer and loads the page (in other
    # processes and threads) while this process imports the window and reads the data.
    map_view = MapView(set())
    map_view.set_online_allowed(not options.offline)
    map_view.preload()
    startup.mark("page_load_started")

    no_windows = bool(options.no_err_windows or options.screenshot or options.self_test)
    data_path = options.data or paths.default_dataset()
    try:
        dataset = _read_data(data_path)
    except DatasetError as exc:
        count = len(exc.problems)
        show_error(
            f"{APP_NAME}: cannot open {Path(data_path).name}",
            f"{data_path} has {count} problem{'s' if count != 1 else ''}; nothing was loaded.",
            exc.report(),
            no_windows,
        )
        _delete_now(map_view)  # before the web profile it uses
        return 1
    startup.mark("dataset_loaded")
    # The dataset lives as long as the app: kept out of the collector's sight, later
    # collections walk only newer objects (at 100,000 events each full collection walked
    # millions of them: a quarter of MainWindow()'s time).
    gc.freeze()

    from PySide6.QtCore import QSettings

    from .window import MainWindow

    # Headless runs (screenshots, self-test) neither read nor overwrite the reader's settings.
    headless = bool(options.screenshot or options.self_test)
    settings = QSettings("EmbassyCrisisAtlas", "headless-run") if headless else QSettings()
    if headless:
        settings.clear()
    window = MainWindow(
        dataset, at=options.at, settings=settings, online=not options.offline, map_view=map_view
    )
    startup.mark("window_built")
    window.show()
    result = {"code": 0}

    if options.screenshot:
        target: Path = options.screenshot

        def capture() -> None:
            image = window.grab()
            if not image.save(str(target)):
                print(f"{APP_NAME}: could not write screenshot {target}", file=sys.stderr)
                result["code"] = 1
            app.quit()  # type: ignore[attr-defined]

        def give_up() -> None:
            print(f"{APP_NAME}: the map did not become ready; no screenshot taken", file=sys.stderr)
            result["code"] = 1
            app.quit()  # type: ignore[attr-defined]

        def settle() -> None:
            # Once more through the page's paint: on a busy machine the widget was seen
            # (1 grab in ~10) still showing a frame from before the places were added.
            window.map_view.bridge.paintedReported.connect(
                lambda _seq: QTimer.singleShot(120, capture)
            )
            window.map_view.call("Atlas.afterPaint", 0)

        window.ready.connect(settle)
        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)

    if options.self_test:
        from .selftest import start_self_test

        def finish(code: int) -> None:
            result["code"] = code
            app.quit()  # type: ignore[attr-defined]

        start_self_test(window, finish)

    code = app.exec()  # type: ignore[attr-defined]
    if not (options.screenshot or options.self_test):
        window.save_settings()
    # The page must be deleted before the web profile it uses (owned by the app).
    _delete_now(window)
    return result["code"] or int(code)


def _delete_now(widget: Any) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
