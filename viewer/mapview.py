"""The map page: served from the app's own URL scheme, owned by one class.

`MapView` waits for the page to say it is ready (through QWebChannel, which proves the
scripts ran, unlike `loadFinished`), queues calls made before that, routes the page's
console to the log, keeps navigation inside the app, and coalesces updates so the
slider never outruns the page.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineScript,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from . import paths
from .jsvalue import js_call

log = logging.getLogger(__name__)

SCHEME = b"atlas"
PAGE_URL = QUrl("atlas://app/page.html")
#: Hosts the page may reach, only once the reader turns an online layer on.
ONLINE_HOSTS = ("tile.openstreetmap.org", "server.arcgisonline.com")
_MAX_ID = 100


def register_scheme() -> None:
    """Declare atlas:// to QtWebEngine. Must run before the QApplication exists."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == SCHEME:
        return
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(
        QWebEngineUrlScheme.Flag.SecureScheme
        | QWebEngineUrlScheme.Flag.LocalScheme
        | QWebEngineUrlScheme.Flag.LocalAccessAllowed
    )
    QWebEngineUrlScheme.registerScheme(scheme)


def _read_qt_resource(name: str) -> bytes:
    file = QFile(name)
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        return b""
    data = bytes(file.readAll().data())
    file.close()
    return data


class AssetSchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves atlas://app/...: the page itself and the files it needs, nothing else."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.page_html = b""
        self.roots: dict[str, Path] = {"leaflet": paths.leaflet_dir(), "web": paths.web_dir()}

    def resolve(self, url_path: str) -> tuple[bytes, bytes] | None:
        """(content, mime type) for a path under atlas://app, or None."""
        if url_path == "/page.html":
            return self.page_html, b"text/html"
        if url_path == "/qwebchannel.js":
            return _read_qt_resource(":/qtwebchannel/qwebchannel.js"), b"application/javascript"
        parts = url_path.lstrip("/").split("/")
        if (
            len(parts) < 2
            or parts[0] not in self.roots
            or any(p in ("", ".", "..") for p in parts[1:])
        ):
            return None
        root = self.roots[parts[0]].resolve()
        target = root.joinpath(*parts[1:]).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".js":
            mime = "application/javascript"
        return target.read_bytes(), mime.encode()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        found = self.resolve(url.path()) if url.host() == "app" else None
        if found is None:
            log.warning("page asked for a missing asset: %s", url.toString())
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        content, mime = found
        buffer = QBuffer(parent=job)  # lives as long as the request
        buffer.setData(QByteArray(content))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime, buffer)


class RequestGuard(QWebEngineUrlRequestInterceptor):
    """Records every request the page makes and blocks the network unless allowed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.seen: list[str] = []
        self.allow_online = False

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        self.seen.append(url.toString())
        if url.scheme() in ("atlas", "data", "qrc", "blob"):
            return
        if self.allow_online and url.scheme() == "https" and url.host().endswith(ONLINE_HOSTS):
            return
        log.info("blocked request to %s", url.toString())
        info.block(True)


class _Shared:
    """The app-wide web profile and the objects installed on it (kept alive here)."""

    profile: QWebEngineProfile | None = None
    handler: AssetSchemeHandler | None = None
    guard: RequestGuard | None = None


def shared_profile() -> QWebEngineProfile:
    """One off-the-record profile for the app, with our scheme and request guard."""
    if _Shared.profile is None:
        from PySide6.QtWidgets import QApplication

        profile = QWebEngineProfile(QApplication.instance())  # off the record: no disk cache
        _Shared.handler = AssetSchemeHandler(profile)
        profile.installUrlSchemeHandler(SCHEME, _Shared.handler)
        _Shared.guard = RequestGuard(profile)
        profile.setUrlRequestInterceptor(_Shared.guard)
        _Shared.profile = profile
    return _Shared.profile


def scheme_handler() -> AssetSchemeHandler:
    shared_profile()
    assert _Shared.handler is not None
    return _Shared.handler


def request_guard() -> RequestGuard:
    shared_profile()
    assert _Shared.guard is not None
    return _Shared.guard


class Bridge(QObject):
    """The only object the page can call. Every argument is checked before use."""

    # Signals to Python; the slots below (same idea, JS-facing names) are what the page calls.
    readyReported = Signal(dict)
    paintedReported = Signal(int)
    clicked = Signal(str)
    opened = Signal(str)

    def __init__(self, place_ids: set[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.place_ids = place_ids

    def _known(self, place_id: object) -> str | None:
        if isinstance(place_id, str) and len(place_id) <= _MAX_ID and place_id in self.place_ids:
            return place_id
        log.warning("page sent an unknown place id: %.100r", place_id)
        return None

    @Slot(str)
    def pageReady(self, info: str) -> None:
        try:
            parsed = json.loads(info) if len(info) < 10_000 else {}
        except ValueError:
            parsed = {}
        self.readyReported.emit(parsed if isinstance(parsed, dict) else {})

    @Slot(int)
    def painted(self, seq: int) -> None:
        self.paintedReported.emit(int(seq))

    @Slot(str)
    def placeClicked(self, place_id: str) -> None:
        if (known := self._known(place_id)) is not None:
            self.clicked.emit(known)

    @Slot(str)
    def openPlace(self, place_id: str) -> None:
        if (known := self._known(place_id)) is not None:
            self.opened.emit(known)


class MapPage(QWebEnginePage):
    """Keeps navigation inside the app and sends the page's console to our log."""

    _levels: ClassVar[dict[QWebEnginePage.JavaScriptConsoleMessageLevel, int]] = {
        QWebEnginePage.JavaScriptConsoleMessageLevel.InfoMessageLevel: logging.INFO,
        QWebEnginePage.JavaScriptConsoleMessageLevel.WarningMessageLevel: logging.WARNING,
        QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel: logging.ERROR,
    }
    jsError = Signal(str)

    def javaScriptConsoleMessage(
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line: int,
        source: str,
    ) -> None:
        log.log(self._levels.get(level, logging.INFO), "page %s:%d: %s", source, line, message)
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            self.jsError.emit(message)

    def acceptNavigationRequest(
        self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        url = QUrl(url)
        if url == PAGE_URL:
            return True
        if nav_type == QWebEnginePage.NavigationType.NavigationTypeLinkClicked and url.scheme() in (
            "http",
            "https",
        ):
            QDesktopServices.openUrl(url)  # the system browser, never inside the app
        log.info("navigation to %s refused", url.toString())
        return False


class MapView(QWebEngineView):
    """The map. Call `show_page(html)` once, then `update_map(state)` as time moves."""

    ready = Signal()
    updateApplied = Signal(dict)

    def __init__(self, place_ids: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._page = MapPage(shared_profile(), self)
        self.setPage(self._page)
        settings = self._page.settings()
        settings.setAttribute(
            QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False
        )
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False)
        self.bridge = Bridge(place_ids, self)
        self._channel = QWebChannel(self)
        self._channel.registerObject("atlasBridge", self.bridge)
        self._page.setWebChannel(self._channel)
        self.bridge.readyReported.connect(self._on_page_ready)
        self.is_ready = False
        self._queue: list[tuple[str, Callable[[Any], None] | None]] = []
        self._in_flight = False
        self._pending_state: dict[str, Any] | None = None
        self.setContextMenuPolicy(self.contextMenuPolicy().NoContextMenu)

    def show_page(self, html: str) -> None:
        self.is_ready = False
        scheme_handler().page_html = html.encode("utf-8")
        self._page.load(PAGE_URL)

    def _on_page_ready(self, info: dict[str, Any]) -> None:
        log.info("map page ready: %s", info)
        self.is_ready = True
        queued, self._queue = self._queue, []
        for script, callback in queued:
            self._run(script, callback)
        self.ready.emit()

    def _run(self, script: str, callback: Callable[[Any], None] | None) -> None:
        if callback is None:
            self._page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld)
        else:
            self._page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld, callback)

    def call(
        self, function: str, *args: Any, callback: Callable[[Any], None] | None = None
    ) -> None:
        """Call page function `function(*args)`; `callback` gets the parsed JSON result."""
        script = js_call(function, *args)

        def parse(result: Any) -> None:
            if callback is not None:
                try:
                    callback(json.loads(result) if isinstance(result, str) and result else result)
                except ValueError:
                    callback(result)

        if self.is_ready:
            self._run(script, parse if callback else None)
        else:
            self._queue.append((script, parse if callback else None))

    def update_map(self, state: dict[str, Any]) -> None:
        """Send a new state; if one is still being applied, only the latest waits."""
        if self._in_flight:
            self._pending_state = state
            return
        self._in_flight = True
        self.call("Atlas.update", state, callback=self._on_update_applied)

    def _on_update_applied(self, result: Any) -> None:
        self._in_flight = False
        if self._pending_state is not None:
            state, self._pending_state = self._pending_state, None
            self.update_map(state)
        if isinstance(result, dict):
            self.updateApplied.emit(result)
