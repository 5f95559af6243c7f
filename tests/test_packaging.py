"""build_app.spec ships every file the app reads at run time, where viewer/paths.py looks.

No build and no GUI: the spec's data section is executed on its own, the bundle's data
layout is laid out in a temporary folder, and viewer.paths is pointed at it as if frozen.
Building and starting the real bundle is scripts/build_app.sh's job.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from viewer import APP_NAME, __version__, paths
from viewer.dataset import load_dataset

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "build_app.spec"
ICONS = REPO / "assets" / "icons"
SLUG = "embassy-crisis-atlas"

#: Modules the spec sections may import: they must run without PyInstaller or Qt.
PURE_IMPORTS = {"pathlib", "fnmatch"}


def spec_section(name: str) -> str:
    """The text between '# --- BEGIN <name>' and '# --- END <name>' in the spec."""
    text = SPEC.read_text(encoding="utf-8")
    match = re.search(rf"^# --- BEGIN {name}\b.*?$(.*?)^# --- END {name}\b", text, re.M | re.S)
    assert match, f"build_app.spec has no '{name}' section"
    return match.group(1)


def imported_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The spec's DATA FILES and QT TRIM sections, executed with pathlib in scope."""
    namespace: dict[str, Any] = {"Path": Path, "sys": sys}
    for name in ("DATA FILES", "QT TRIM"):
        source = spec_section(name)
        tree = ast.parse(source)
        assert imported_modules(tree) <= PURE_IMPORTS, f"{name} section must stay pure"
        exec(compile(tree, f"build_app.spec[{name}]", "exec"), namespace)
    return namespace


def leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as leaflet

    return Path(leaflet.BASE_DIR)


@pytest.fixture(scope="module")
def bundled(spec: dict[str, Any]) -> dict[str, Path]:
    """Bundle path ('viewer/web/atlas.js') -> source file, from the spec's data list."""
    out: dict[str, Path] = {}
    for src, dest_dir in spec["app_datas"](REPO, leaflet_dir()):
        source = Path(src)
        dest = source.name if dest_dir in ("", ".") else f"{dest_dir}/{source.name}"
        assert dest not in out, f"two files land at {dest}: {out[dest]} and {source}"
        out[dest] = source
    return out


@pytest.fixture(scope="module")
def frozen_root(bundled: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle's data files laid out as PyInstaller would under sys._MEIPASS."""
    root = tmp_path_factory.mktemp("meipass")
    for dest, source in bundled.items():
        target = root / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return root


@pytest.fixture
def as_frozen(frozen_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """viewer.paths answers as in the built app, whose _MEIPASS is frozen_root."""
    monkeypatch.setattr(paths, "IS_FROZEN", True)
    monkeypatch.setattr(sys, "_MEIPASS", str(frozen_root), raising=False)
    yield frozen_root


def repo_files(folder: Path) -> list[Path]:
    """Files the app could read from `folder`: everything but hidden files and caches."""
    if not folder.is_dir():
        return []
    skipped = (".", "__pycache__")
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(skipped) for part in p.relative_to(folder).parts)
    )


def test_every_listed_file_exists(bundled: dict[str, Path]) -> None:
    missing = [str(src) for src in bundled.values() if not src.is_file()]
    assert not missing


def test_dataset_and_every_source_it_names(bundled: dict[str, Path]) -> None:
    assert bundled["places.json"] == REPO / "places.json"
    data = json.loads((REPO / "places.json").read_text(encoding="utf-8"))
    assert data["sources"], "places.json names no sources"
    for source in data["sources"]:
        # Sources are resolved relative to places.json, which sits at the bundle root.
        assert source["file"] in bundled, f"source {source['id']} ({source['file']}) not bundled"


@pytest.mark.parametrize("folder", ["assets/sources", "assets/basemap", "assets"])
def test_asset_folders_are_covered_by_globs(bundled: dict[str, Path], folder: str) -> None:
    """A file added to assets/ later (a new basemap layer, say) is shipped without edits."""
    for path in repo_files(REPO / folder):
        if path.suffix == ".py":  # assets/icons/make_icons.py generates the icons
            continue
        rel = path.relative_to(REPO).as_posix()
        assert bundled.get(rel) == path, f"{rel} is not in the bundle"


def test_the_built_page_is_shipped(bundled: dict[str, Path]) -> None:
    """The basemap reaches the app inside viewer/web/page.html (built by Folium)."""
    assert bundled.get("viewer/web/page.html") == REPO / "viewer" / "web" / "page.html"


def test_package_data(bundled: dict[str, Path]) -> None:
    assert "viewer/places.schema.json" in bundled
    web = repo_files(REPO / "viewer" / "web")
    assert {p.name for p in web} >= {"atlas.js", "atlas.css"}
    for path in web:
        assert f"viewer/web/{path.relative_to(REPO / 'viewer' / 'web').as_posix()}" in bundled


def test_leaflet_files_and_the_images_its_css_names(bundled: dict[str, Path]) -> None:
    for name in ("leaflet.js", "leaflet.css"):
        assert bundled[f"xstatic/leaflet/{name}"] == leaflet_dir() / name
    images = sorted((leaflet_dir() / "images").iterdir())
    assert images
    for image in images:
        assert f"xstatic/leaflet/images/{image.name}" in bundled
    css = (leaflet_dir() / "leaflet.css").read_text(encoding="utf-8")
    for ref in re.findall(r"url\(['\"]?(images/[^)'\"]+)", css):
        assert f"xstatic/leaflet/{ref}" in bundled, f"leaflet.css needs {ref}"


def test_frozen_paths_find_everything(as_frozen: Path) -> None:
    """viewer.paths, asked as the built app would ask it, finds each file in the layout."""
    assert paths.app_root() == as_frozen
    assert paths.default_dataset().is_file()
    assert (paths.package_dir() / "places.schema.json").is_file()
    for name in ("atlas.js", "atlas.css"):
        assert (paths.web_dir() / name).is_file()
    assert (paths.leaflet_dir() / "leaflet.js").is_file()
    assert (paths.leaflet_dir() / "leaflet.css").is_file()
    if (REPO / "assets" / "basemap").is_dir():
        assert paths.basemap_dir().is_dir()


def test_dataset_loads_from_the_bundle_layout(as_frozen: Path) -> None:
    """Every source text resolves: load_dataset fails on a missing one."""
    data = load_dataset(paths.default_dataset())
    assert data.sources and data.events


def test_page_assets_resolve_in_the_bundle_layout(as_frozen: Path) -> None:
    """Every atlas://app/... address in the rendered page names a bundled file."""
    texts = [paths.shell_page().read_text(encoding="utf-8")]
    for name in ("atlas.js", "atlas.css"):
        texts.append((paths.web_dir() / name).read_text(encoding="utf-8"))
    refs = {ref for text in texts for ref in re.findall(r"atlas://app/([\w./-]+)", text)}
    # The URL scheme handler's roots (viewer/mapview.py); qwebchannel.js is a Qt resource.
    roots = {"leaflet": paths.leaflet_dir(), "web": paths.web_dir()}
    checked = 0
    for ref in sorted(refs):
        head, _, rest = ref.partition("/")
        if head not in roots or not rest:
            continue
        assert (roots[head] / rest).is_file(), f"the page loads atlas://app/{ref}, not bundled"
        checked += 1
    assert checked >= 4, f"expected leaflet.js/.css and atlas.js/.css among {sorted(refs)}"


# --- the Qt trim ------------------------------------------------------------------------

#: Bundle paths the app cannot run without (Linux, Windows and macOS wheel layouts).
NEEDED_BUNDLE_PATHS = [
    "PySide6/Qt/libexec/QtWebEngineProcess",
    "PySide6/QtWebEngineProcess.exe",
    "PySide6/Qt/resources/qtwebengine_resources.pak",
    "PySide6/Qt/resources/qtwebengine_resources_100p.pak",
    "PySide6/Qt/resources/icudtl.dat",
    "PySide6/Qt/resources/v8_context_snapshot.bin",
    "PySide6/Qt/translations/qtwebengine_locales/en-US.pak",
    "PySide6/translations/qtwebengine_locales/en-US.pak",
    "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
    "PySide6/Qt/lib/libQt6Quick.so.6",
    "PySide6/Qt/lib/libQt6Qml.so.6",
    "PySide6/Qt/lib/libQt6Positioning.so.6",
    "PySide6/Qt/lib/libQt6OpenGL.so.6",
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
    "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
    "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "PySide6/Qt/plugins/imageformats/libqjpeg.so",
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
]

#: Bundle paths the trim exists to remove.
UNNEEDED_BUNDLE_PATHS = [
    "PySide6/Qt/translations/qt_de.qm",
    "PySide6/Qt/translations/qtwebengine_de.qm",
    "PySide6/translations/qtbase_fr.qm",
    "PySide6/Qt/translations/qtwebengine_locales/de.pak",
    "PySide6/Qt/resources/qtwebengine_devtools_resources.pak",
    "PySide6/Qt/plugins/imageformats/libqpdf.so",
    "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
]


@pytest.mark.parametrize("dest", NEEDED_BUNDLE_PATHS)
def test_trim_keeps_what_qtwebengine_needs(spec: dict[str, Any], dest: str) -> None:
    assert not spec["bundle_path_dropped"](dest)


@pytest.mark.parametrize("dest", UNNEEDED_BUNDLE_PATHS)
def test_trim_drops_what_it_is_for(spec: dict[str, Any], dest: str) -> None:
    assert spec["bundle_path_dropped"](dest)


def test_trim_never_drops_app_data(spec: dict[str, Any], bundled: dict[str, Path]) -> None:
    assert not [dest for dest in bundled if spec["bundle_path_dropped"](dest)]


def app_imports(skip: tuple[str, ...] = ()) -> set[str]:
    """Every module name viewer/ imports (relative imports by their bare name)."""
    used: set[str] = set()
    for path in (REPO / "viewer").rglob("*.py"):
        if path.name not in skip:
            used |= imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    return used


def test_build_time_modules_are_not_imported_by_the_app(spec: dict[str, Any]) -> None:
    """mapbuilder.py (Folium) builds viewer/web/page.html ahead; the app never imports it."""
    skip = spec["BUILD_TIME_MODULES"]
    assert skip == ("mapbuilder.py",)
    used = app_imports(skip)
    assert "mapbuilder" not in used and "viewer.mapbuilder" not in used
    assert not {name.split(".")[0] for name in used} & set(spec["FOLIUM_ONLY_MODULES"])


def test_excluded_modules_are_not_imported_by_the_app(spec: dict[str, Any]) -> None:
    """An exclude that the app (or a colleague's new code) imports would break the bundle."""
    used = app_imports()
    clashes = sorted(
        f"{module} (excluded as {excluded})"
        for module in used
        for excluded in spec["EXCLUDED_MODULES"]
        if module == excluded or module.startswith(excluded + ".")
    )
    assert not clashes
    assert "PySide6.QtWebEngineWidgets" in used  # the scan itself works


def test_folium_only_packages_go_exactly_when_the_app_stops_importing_them(
    spec: dict[str, Any],
) -> None:
    """The spec leaves folium, numpy & co. out once viewer/ imports none of them (issue #7)."""
    folium_only = set(spec["FOLIUM_ONLY_MODULES"])
    excludes = spec["folium_only_excludes"]
    used = {name.split(".")[0] for name in app_imports(spec["BUILD_TIME_MODULES"])}
    assert bool(excludes(used)) == (not used & folium_only)
    assert excludes(used)  # the app imports none of them: they are left out
    assert excludes({"folium", "PySide6.QtCore"}) == []
    assert excludes({"jsonschema", "PySide6.QtCore"}) == spec["FOLIUM_ONLY_MODULES"]
    assert excludes({"folium"}, "exclude") == spec["FOLIUM_ONLY_MODULES"]
    assert excludes({"jsonschema"}, "keep") == []
    with pytest.raises(ValueError):
        excludes(set(), "sometimes")


def test_folium_only_list_spares_what_the_app_needs_without_folium(spec: dict[str, Any]) -> None:
    """jsonschema (error messages) and its helpers, geopy and Qt are never on the list."""
    folium_only = set(spec["FOLIUM_ONLY_MODULES"])
    kept = {"jsonschema", "jsonschema_rs", "referencing", "rpds", "attrs", "attr", "geopy"}
    assert not folium_only & kept
    assert not {name for name in folium_only if name.startswith(("PySide6", "shiboken"))}
    assert not folium_only & set(spec["EXCLUDED_MODULES"])  # one list says why, not two


# --- the ICU data trim ------------------------------------------------------------------


def icu_trim_module() -> Any:
    import importlib.util

    loaded = importlib.util.spec_from_file_location("icu_trim", REPO / "scripts" / "icu_trim.py")
    assert loaded and loaded.loader
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return module


def qt_icu_data() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found or not sys.platform.startswith("linux"):
        pytest.skip("no libicudata beside Qt here (the trim is for Linux)")
    return found[0]


def test_icu_repack_is_byte_exact_and_trim_keeps_what_qt_reads() -> None:
    icu_trim = icu_trim_module()
    library = qt_icu_data()
    if not shutil.which("nm"):
        pytest.skip("nm (binutils) missing")
    _symbol, offset, size = icu_trim._data_symbol(library)
    blob = library.read_bytes()[offset : offset + size]
    header, items = icu_trim.parse(blob)
    assert icu_trim.pack(header, items) == blob  # the format is understood in full
    header2, kept = icu_trim.parse(icu_trim.trim(blob))
    assert header2 == header
    names = {name.split("/", 1)[1] for name, _ in kept}
    prefix = items[0][0].split("/", 1)[0]
    # Collation, time-zone names and rules, locale and supplemental data stay.
    for needed in ("coll/root.res", "coll/ucadata.icu", "coll/de.res", "zone/root.res",
                   "zone/de.res", "metaZones.res", "zoneinfo64.res", "timezoneTypes.res",
                   "supplementalData.res", "likelySubtags.res", "root.res",
                   "en.res", "pool.res"):  # fmt: skip
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("brkitr/", "curr/", "lang/", "region/"))]
    assert not [n for n in names if n.endswith(".cnv") or n == "cnvalias.icu"]
    assert all(name.startswith(prefix + "/") for name, _ in kept)
    assert len(icu_trim.pack(header, kept)) < 0.6 * len(blob)


#: Qt calls that reach ICU (ucol_*, ucal_*, ucnv_*, u_strTo*); printed as JSON.
ICU_PROBE = """
import functools, json, sys
from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QStringConverter, QTimeZone
out = {}
words = ["Ärger", "apple", "Zebra", "öl", "Ol", "ı", "I", "İ", "čaj", "cukor", "Ångström",
         "file10", "file9", "北京", "東京", "بغداد", "Москва"]
for loc in ("en_US", "de_DE", "sv_SE", "tr_TR", "ar_IQ", "zh_CN", "ja_JP", "cs_CZ", "C"):
    locale = QLocale(loc)
    out["coll " + loc] = sorted(words, key=functools.cmp_to_key(QCollator(locale).compare))
    out["case " + loc] = [locale.toUpper("istanbul ıi straße"), locale.toLower("İSTANBUL IÌ ΣΑΣ")]
    for zone in (b"Asia/Baghdad", b"America/New_York", b"Europe/Berlin", b"Asia/Tehran"):
        tz = QTimeZone(zone)
        for name_type in QTimeZone.NameType:
            for time_type in QTimeZone.TimeType:
                key = f"tz {zone.decode()} {loc} {name_type.name} {time_type.name}"
                out[key] = tz.displayName(time_type, name_type, locale)
out["codecs"] = sorted(QStringConverter.availableCodecs())
legacy = ("Shift_JIS", "GB18030", "KOI8-R", "windows-1256")
out["legacy decoders"] = [QStringDecoder(codec).isValid() for codec in legacy]
out["own decoders"] = [
    [QStringDecoder(codec).isValid(), QStringDecoder(codec).name()]
    for codec in ("UTF-8", "UTF-16LE", "ISO-8859-1", "Locale")
]
json.dump(out, sys.stdout, ensure_ascii=False, sort_keys=True)
"""


def test_trimmed_icu_library_gives_qt_the_same_answers(tmp_path: Path) -> None:
    """Qt with the rebuilt libicudata (preloaded) answers exactly as with the original,
    except that it has no legacy codecs (dropped on purpose: see icu_trim.DROPPED_ITEMS)."""
    import os
    import subprocess

    icu_trim = icu_trim_module()
    library = qt_icu_data()
    if not all(shutil.which(tool) for tool in ("nm", "as", "ld")):
        pytest.skip("binutils missing: the build keeps the original library")
    trimmed = tmp_path / library.name
    before, after = icu_trim.rebuild_library(library, trimmed)
    assert after < 0.6 * before
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    original = subprocess.run(
        [sys.executable, "-c", ICU_PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout
    env["LD_PRELOAD"] = str(trimmed)  # satisfies libicuuc's NEEDED libicudata.so.NN
    with_trimmed = subprocess.run(
        [sys.executable, "-c", ICU_PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout
    before_trim, after_trim = json.loads(original), json.loads(with_trimmed)
    assert before_trim["legacy decoders"] == [True] * 4
    assert after_trim.pop("legacy decoders") == [False] * 4
    assert len(before_trim.pop("codecs")) > 100 and after_trim.pop("codecs") == ["Locale"]
    before_trim.pop("legacy decoders")
    # Collation, case mapping, time-zone names and Qt's own codecs are unchanged.
    assert after_trim == before_trim


# --- identity and icons -----------------------------------------------------------------


def test_spec_reads_name_and_version_from_the_package() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert "viewer.APP_NAME" in text and "viewer.__version__" in text
    assert APP_NAME.lower().replace(" ", "-") == SLUG
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    # One folder (binaries beside the exe, gathered by COLLECT), never UPX.
    assert "exclude_binaries=True" in text and "COLLECT(" in text
    assert "upx=True" not in text


def test_icons_exist_in_every_container() -> None:
    ico = (ICONS / f"{SLUG}.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and int.from_bytes(ico[4:6], "little") >= 5
    icns = (ICONS / f"{SLUG}.icns").read_bytes()
    assert icns[:4] == b"icns" and int.from_bytes(icns[4:8], "big") == len(icns)
    png = (ICONS / f"{SLUG}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
