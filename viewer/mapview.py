"""The map page: served from the app's own URL scheme, owned by one class.

`MapView` waits for the page to say it is ready (through QWebChannel, which proves the
scripts ran, unlike `loadFinished`), queues calls made before that, routes the page's
console to the log, keeps navigation inside the app, and coalesces updates so the
slider never outruns the page.

The page is treated as untrusted: it can reach only the app's own files (a whitelist of
folders, nothing outside them), no network unless the reader allows the online layers,
no other page, no window, no permission; and Python exposes to it one small object
whose four calls check every argument.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QFile,
    QIODevice,
    QObject,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QDesktopServices, QResizeEvent, QShowEvent
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEngineDownloadRequest,
    QWebEnginePage,
    QWebEnginePermission,
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

from . import paths, startup
from .jsvalue import js_call
from .mapstate import merge_updates

log = logging.getLogger(__name__)

SCHEME = b"atlas"
PAGE_URL = QUrl("atlas://app/page.html")
#: Hosts the page may reach, only once the reader turns an online layer on.
ONLINE_HOSTS = ("tile.openstreetmap.org", "server.arcgisonline.com")
#: The only pages a click in the map may open (in the system browser): the attributions.
LINK_HOSTS = ("leafletjs.com", "openstreetmap.org")
_MAX_ID = 100
#: The longest `pageReady` report the page may send, and the largest sequence number.
_MAX_READY_INFO = 10_000
_MAX_SEQ = 2**31 - 1
#: Directives for every response of atlas://app. The full policy (with the hashes of
#: the page's inline scripts) is in the page itself: QtWebEngine 6.11 lower-cases the
#: values of headers set with setAdditionalResponseHeaders, which breaks base64
#: hashes, so only case-insensitive directives go in the header.
HEADER_POLICY = (
    "object-src 'none'; base-uri 'none'; frame-src 'none'; frame-ancestors 'none'; "
    "form-action 'none'; connect-src 'none'; worker-src 'none'"
)


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


def _safe_part(part: str) -> bool:
    """A path segment that names a file or folder inside its parent, and nothing else."""
    return (
        bool(part)
        and not part.startswith(".")  # ".", "..", and hidden files
        and not any(c in part for c in "\\/:\x00")
        and part.isprintable()
    )


class AssetSchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves atlas://app/...: the page itself and the files it needs, nothing else.

    Files come only from the folders in `roots`, by name: no "..", no hidden files, no
    absolute paths, and no symlink that leads out of its root.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.page_html = b""
        self.roots: dict[str, Path] = {"leaflet": paths.leaflet_dir(), "web": paths.web_dir()}

    def resolve(self, url_path: str) -> tuple[bytes, bytes] | None:
        """(content, mime type) for a (decoded) path under atlas://app, or None."""
        if url_path == "/page.html":
            return self.page_html, b"text/html"
        if url_path == "/qwebchannel.js":
            return _read_qt_resource(":/qtwebchannel/qwebchannel.js"), b"application/javascript"
        if not url_path.startswith("/"):
            return None
        parts = url_path[1:].split("/")
        if len(parts) < 2 or parts[0] not in self.roots or not all(map(_safe_part, parts[1:])):
            return None
        try:
            root = self.roots[parts[0]].resolve()
            target = root.joinpath(*parts[1:]).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                return None
            content = target.read_bytes()
        except (OSError, RuntimeError, ValueError):  # unreadable, a symlink loop, ...
            return None
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".js":
            mime = "application/javascript"
        return content, mime.encode()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        try:
            found = None
            if url.host() == "app" and bytes(job.requestMethod().data()) == b"GET":
                found = self.resolve(url.path())
        except Exception:  # never leave a request hanging, whatever it asked for
            log.exception("serving %s failed", url.toString())
            found = None
        if found is None:
            log.warning("page asked for a missing asset: %.300s", url.toString())
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        content, mime = found
        headers = {QByteArray(b"X-Content-Type-Options"): [QByteArray(b"nosniff")]}
        if mime == b"text/html":
            headers[QByteArray(b"Content-Security-Policy")] = [QByteArray(HEADER_POLICY.encode())]
        job.setAdditionalResponseHeaders(headers)
        buffer = QBuffer(parent=job)  # lives as long as the request
        buffer.setData(QByteArray(content))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime, buffer)


def _host_in(host: str, hosts: tuple[str, ...]) -> bool:
    """`host` is one of `hosts` or a subdomain of one, not merely a name ending alike."""
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in hosts)


def online_host(host: str) -> bool:
    """One of the online tile servers."""
    return _host_in(host, ONLINE_HOSTS)


class RequestGuard(QWebEngineUrlRequestInterceptor):
    """Records the requests the page makes and blocks the network unless allowed.

    Allowed: the app's own scheme and data:/blob: URLs; with `allow_online`, images from
    the online tile servers over https. Everything else is blocked, whatever asked.
    """

    _KEEP = 2_000  # the latest requests are kept for tests and diagnosis

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.seen: deque[str] = deque(maxlen=self._KEEP)
        self.blocked: deque[str] = deque(maxlen=self._KEEP)
        self.allow_online = False

    def allows(self, url: QUrl, resource: QWebEngineUrlRequestInfo.ResourceType) -> bool:
        if url.scheme() in ("atlas", "data", "blob"):
            return True
        return (
            self.allow_online
            and url.scheme() == "https"
            and url.port(443) == 443
            and online_host(url.host())
            and resource == QWebEngineUrlRequestInfo.ResourceType.ResourceTypeImage
        )

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        text = url.toString()
        self.seen.append(text)
        if not self.allows(url, info.resourceType()):
            log.info("blocked request to %.300s", text)
            self.blocked.append(text)
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
        profile.downloadRequested.connect(_refuse_download)
        _Shared.handler = AssetSchemeHandler(profile)
        profile.installUrlSchemeHandler(SCHEME, _Shared.handler)
        _Shared.guard = RequestGuard(profile)
        profile.setUrlRequestInterceptor(_Shared.guard)
        _Shared.profile = profile
    return _Shared.profile


def _refuse_download(download: QWebEngineDownloadRequest) -> None:
    log.warning("page tried to download %.300s: refused", download.url().toString())
    download.cancel()


def scheme_handler() -> AssetSchemeHandler:
    shared_profile()
    assert _Shared.handler is not None
    return _Shared.handler


def request_guard() -> RequestGuard:
    shared_profile()
    assert _Shared.guard is not None
    return _Shared.guard


class Bridge(QObject):
    """What the page may ask of Python, checked before anything happens.

    The page does not see this object: it sees a `_PageEndpoint` with four calls that
    hand their arguments here untouched. A call with a value of the wrong type, too
    long, or an id the dataset does not have is logged and dropped: nothing is emitted.
    """

    readyReported = Signal(dict)
    paintedReported = Signal(int)
    clicked = Signal(str)
    opened = Signal(str)

    def __init__(self, place_ids: set[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.place_ids = place_ids
        self.endpoint = _PageEndpoint(self)

    def _known(self, place_id: object) -> str | None:
        if isinstance(place_id, str) and len(place_id) <= _MAX_ID and place_id in self.place_ids:
            return place_id
        log.warning("page sent an unknown place id: %.100r", place_id)
        return None

    def pageReady(self, info: object) -> None:
        """The page's scripts ran; `info` is a JSON object as text."""
        parsed: object = None
        if isinstance(info, str) and len(info) <= _MAX_READY_INFO:
            try:
                parsed = json.loads(info)
            except (ValueError, RecursionError):
                parsed = None
        if not isinstance(parsed, dict):
            log.warning("page sent a malformed ready report: %.100r", info)
            return
        self.readyReported.emit(parsed)

    def painted(self, seq: object) -> None:
        """The page has painted update number `seq`."""
        if isinstance(seq, float) and seq.is_integer():
            seq = int(seq)
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= _MAX_SEQ:
            log.warning("page sent a malformed paint report: %.100r", seq)
            return
        self.paintedReported.emit(seq)

    def placeClicked(self, place_id: object) -> None:
        if (known := self._known(place_id)) is not None:
            self.clicked.emit(known)

    def openPlace(self, place_id: object) -> None:
        if (known := self._known(place_id)) is not None:
            self.opened.emit(known)


class _PageEndpoint(QObject):
    """The one object registered with QWebChannel: `atlasBridge` in the page.

    Its slots take QVariant, so the page's values arrive as they are (a number, a dict,
    ...) for `Bridge` to check; typed slots would let Qt convert anything, sometimes to
    garbage. It has no signals or properties of its own, and ignores `deleteLater()`,
    which QWebChannel offers the page for every object.
    """

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self._bridge = bridge

    @Slot("QVariant")
    def pageReady(self, info: object) -> None:
        self._bridge.pageReady(info)

    @Slot("QVariant")
    def painted(self, seq: object) -> None:
        self._bridge.painted(seq)

    @Slot("QVariant")
    def placeClicked(self, place_id: object) -> None:
        self._bridge.placeClicked(place_id)

    @Slot("QVariant")
    def openPlace(self, place_id: object) -> None:
        self._bridge.openPlace(place_id)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.DeferredDelete:
            log.warning("page asked to delete the bridge: ignored")
            return True
        return super().event(event)


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
        if url == PAGE_URL and is_main_frame:
            return True
        # A script's `location.href = ...` also arrives as a "link click", so only the
        # attribution links may leave, and only for the system browser.
        if (
            nav_type == QWebEnginePage.NavigationType.NavigationTypeLinkClicked
            and is_main_frame
            and url.scheme() == "https"
            and _host_in(url.host(), LINK_HOSTS)
        ):
            QDesktopServices.openUrl(url)  # the system browser, never inside the app
        log.info("navigation to %.300s refused", url.toString())
        return False

    def createWindow(self, _type: QWebEnginePage.WebWindowType) -> QWebEnginePage | None:
        log.info("page tried to open a window: refused")
        return None

    def javaScriptAlert(self, _origin: QUrl, message: str) -> None:
        log.warning("page alert (not shown): %.300s", message)

    def javaScriptConfirm(self, _origin: QUrl, message: str) -> bool:
        log.warning("page confirm (refused): %.300s", message)
        return False

    def chooseFiles(
        self, _mode: QWebEnginePage.FileSelectionMode, _old: list[str], _types: list[str]
    ) -> list[str]:
        log.warning("page asked to choose files: refused")
        return []


#: What the page may do: run our scripts; not read files, open windows or reach the network
#: on its own, use the clipboard, plugins, the PDF viewer, storage, or navigate on a drop.
_PAGE_SETTINGS = {
    "JavascriptEnabled": True,
    "LocalContentCanAccessRemoteUrls": False,
    "LocalContentCanAccessFileUrls": False,
    "JavascriptCanOpenWindows": False,
    "JavascriptCanAccessClipboard": False,
    "JavascriptCanPaste": False,
    "AllowWindowActivationFromJavaScript": False,
    "PluginsEnabled": False,
    "PdfViewerEnabled": False,
    "LocalStorageEnabled": False,
    "NavigateOnDropEnabled": False,
    "HyperlinkAuditingEnabled": False,
    "AllowRunningInsecureContent": False,
    "AllowGeolocationOnInsecureOrigins": False,
    "ScreenCaptureEnabled": False,
    "DnsPrefetchEnabled": False,
    "AutoLoadIconsForPage": False,
}


def _deny_permission(permission: QWebEnginePermission) -> None:
    log.info("page asked for a permission (%s): denied", permission.permissionType())
    permission.deny()


class MapView(QWebEngineView):
    """The map. Call `show_atlas(config)` once, then `update_map(state)` as time moves."""

    ready = Signal()
    updateApplied = Signal(dict)

    def __init__(self, place_ids: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        profile = shared_profile()
        startup.mark("web_profile")
        self._page = MapPage(profile, self)
        self.setPage(self._page)
        settings = self._page.settings()
        attribute = QWebEngineSettings.WebAttribute
        for name, on in _PAGE_SETTINGS.items():
            settings.setAttribute(getattr(attribute, name), on)
        self._page.permissionRequested.connect(_deny_permission)
        self._page.fileSystemAccessRequested.connect(lambda request: request.reject())
        self._page.loadStarted.connect(self._forget_page)
        self.bridge = Bridge(place_ids, self)
        self._channel = QWebChannel(self)
        self._channel.registerObject("atlasBridge", self.bridge.endpoint)
        self._page.setWebChannel(self._channel)
        self.bridge.readyReported.connect(self._on_page_ready)
        self.is_ready = False
        self._queue: list[tuple[str, Callable[[Any], None] | None]] = []
        self._in_flight = False
        self._pending_state: dict[str, Any] | None = None
        self._config: dict[str, Any] | None = None
        self._preloading = False
        self._booted = False  # the page's scripts are up (see _on_page_ready)
        self._load_sent = False
        self._preview_sent = False
        self._first_state: dict[str, Any] | None = None  # the first update_map's, until ready
        self._told_size: tuple[int, int] | None = None
        self.setContextMenuPolicy(self.contextMenuPolicy().NoContextMenu)

    # A preloaded page sees a provisional size when its window is first shown (the view's
    # before the window's layout sized it); it waits for the real one, told here.
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._tell_size)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self._tell_size)

    def _tell_size(self) -> None:
        if not self._booted or self.is_ready or not self.isVisible():
            return
        size = (self.width(), self.height())
        if size != self._told_size:
            self._told_size = size
            self._run(js_call("Atlas.viewSize", *size), None)

    def set_online_allowed(self, allowed: bool) -> None:
        """Let the page fetch map tiles from the online tile servers, or not (the default).

        Only for a reader who asked for online layers (`--online-layers`). Even then the
        page's CSP and the request guard let through nothing but images from ONLINE_HOSTS.
        """
        settings = self._page.settings()
        remote = QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls
        settings.setAttribute(remote, allowed)
        request_guard().allow_online = allowed

    def preload(self) -> None:
        """Start loading the shipped map page before the data is known, so QtWebEngine
        loads it while Python reads the data and builds the window; `show_atlas(config)`
        then puts the places on it (at once if the page is up by then)."""
        self.show_page(paths.shell_page().read_bytes())
        self._preloading = True

    def show_atlas(self, config: dict[str, Any]) -> None:
        """Load the shipped map page; once it is up, `Atlas.load(config)` puts the places
        on it (viewer.pageconfig.page_config), before any call made meanwhile."""
        self._config = config
        if self._preloading:
            self._preloading = False
            if self._booted or self.is_ready:  # the page is up: it takes the places now
                self._send_load()
            return
        self.show_page(paths.shell_page().read_bytes())

    def show_page(self, html: str | bytes) -> None:
        self._forget_page()
        self._preloading = False
        scheme_handler().page_html = html.encode("utf-8") if isinstance(html, str) else html
        self._page.load(PAGE_URL)

    def _forget_page(self) -> None:
        """A page starts loading (ours, or a reload): it knows nothing yet, so it must be
        sent its places and first state again once its scripts are up (the window sends
        it everything again on `ready`: no update owed to the old page is kept)."""
        self.is_ready = False
        self._in_flight = False
        self._pending_state = None
        self._booted = False
        self._load_sent = False
        self._preview_sent = False
        self._first_state = None
        self._told_size = None

    def _send_load(self) -> None:
        """The places, to a page whose scripts are up. A page still without its view also
        gets the first state (`Atlas.preview`): it applies both with its view, so its first
        frame shows them. The state comes again as an update once the page is ready."""
        if not (self._booted or self.is_ready):
            return
        if not self._load_sent and self._config is not None:
            self._load_sent = True
            self._run(js_call("Atlas.load", self._config), None)
        if self._load_sent and not self.is_ready and self._first_state and not self._preview_sent:
            self._preview_sent = True
            self._run(js_call("Atlas.preview", self._first_state), None)

    def _on_page_ready(self, info: dict[str, Any]) -> None:
        """`info["view"]` False: the page's scripts are up but it has no size yet (it was
        loaded before the window was shown); it takes `Atlas.load` now and applies it
        with its view, and reports again, ready for everything, once it has one."""
        log.info("map page ready: %s", info)
        self._booted = True
        if info.get("view") is False:
            self._send_load()
            self._tell_size()
            return
        startup.mark("page_ready")
        self.is_ready = True
        self._send_load()  # a (re)loaded page knows no places yet
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
        """Send a new state; if one is still being applied, one update waits, holding the
        changes of every state sent meanwhile. The first state also goes with the places
        to a page still starting (see `_send_load`)."""
        if not self.is_ready and self._first_state is None:
            self._first_state = state
            self._send_load()
        if self._in_flight:
            pending = self._pending_state
            self._pending_state = state if pending is None else merge_updates(pending, state)
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
