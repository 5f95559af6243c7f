"""`python -m viewer geocode` against a fake Nominatim on 127.0.0.1, plus its pure parts."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import REPO
from geopy.location import Location
from hypothesis import given, settings
from hypothesis import strategies as st

from viewer import geocode
from viewer.cli import main as cli_main
from viewer.dataset import load_dataset
from viewer.geocode import (
    Point,
    apply_updates,
    compare,
    geocode_main,
    provenance,
    queries_for,
)
from viewer.geodesy import bearing_deg, compass_point, describe_offset, distance_m
from viewer.model import Place

# --------------------------------------------------------------------------- fixtures

BAGHDAD = (33.3152, 44.3661)
KIRKUK = (35.4681, 44.3922)
EMBASSY = (33.2987, 44.3950)
K1 = (35.5130, 44.2780)

SOURCE_TEXT = "Protesters gathered outside the U.S. embassy in Baghdad on 31 December 2019.\n"


def _place(
    pid: str, name: str, lat: float, lon: float, radius: float, **extra: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {"id": pid, "name": name}
    item.update(extra.pop("before", {}))
    item |= {
        "kind": "site",
        "lat": lat,
        "lon": lon,
        "radius_m": radius,
        "coord_source": "OpenStreetMap, checked by hand",
    }
    item.update(extra)
    return item


def dataset_dict() -> dict[str, Any]:
    return {
        "format": "embassy-crisis-atlas/1",
        "title": "Test atlas",
        "display_timezone": "Asia/Baghdad",
        "core_period": {"start": "2019-12-27T00:00:00+03:00", "end": "2020-01-09T00:00:00+03:00"},
        "sources": [
            {
                "id": "src-a",
                "file": "source-a.txt",
                "outlet": "Test Wire",
                "title": "Embassy protest",
                "published": "2019-12-31",
                "url": None,
            }
        ],
        "places": [
            _place("baghdad", "Baghdad", *BAGHDAD, 8000, country="Iraq"),
            _place(
                "embassy",
                "U.S. Embassy Baghdad",
                *EMBASSY,
                400,
                before={"alt_names": ["السفارة الأمريكية في بغداد"]},
                country="Iraq",
                notes="Green Zone, west bank of the Tigris",
            ),
            _place("k1", "K-1 Air Base", *K1, 1500, alt_names=["K1"], country="Iraq"),
        ],
        "events": [
            {
                "id": "protest",
                "start": "2019-12-31T10:00:00+03:00",
                "precision": "part-of-day",
                "places": ["embassy"],
                "category": "protest",
                "actors": ["protesters"],
                "title": "Protest at the embassy",
                "summary": "Protesters gather at the embassy.",
                "citations": [{"source": "src-a", "quote": "gathered outside the U.S. embassy"}],
            }
        ],
        "links": [],
    }


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    (tmp_path / "source-a.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    path = tmp_path / "places.json"
    path.write_text(json.dumps(dataset_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    load_dataset(path)  # the fixture itself must be valid
    return path


def nominatim_hit(lat: float, lon: float, display_name: str) -> dict[str, Any]:
    """One result as Nominatim's /search?format=json gives it (coordinates are strings)."""
    return {
        "place_id": 12345,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright",
        "osm_type": "node",
        "osm_id": 67890,
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "class": "place",
        "type": "city",
        "place_rank": 16,
        "importance": 0.6,
        "addresstype": "city",
        "name": display_name.split(",")[0],
        "display_name": display_name,
        "boundingbox": [
            f"{lat - 0.1:.7f}",
            f"{lat + 0.1:.7f}",
            f"{lon - 0.1:.7f}",
            f"{lon + 0.1:.7f}",
        ],
    }


@dataclass
class FakeNominatim:
    """Answers /search like Nominatim; records every request."""

    port: int = 0
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    on_request: Callable[[], object] | None = None

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def args(self, *extra: str) -> list[str]:
        return ["--domain", self.domain, "--scheme", "http", "--min-delay", "0", *extra]

    def queries(self) -> list[str]:
        return [r["params"]["q"][0] for r in self.requests]


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # e.g. a client that timed out and hung up: not the test's business


@pytest.fixture
def nominatim() -> Iterator[FakeNominatim]:
    fake = FakeNominatim()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            fake.requests.append(
                {"path": parts.path, "params": parse_qs(parts.query), "headers": dict(self.headers)}
            )
            if fake.on_request is not None:
                fake.on_request()
            if fake.status != 200:
                body = b'{"error": "refused"}'
                code = fake.status
            elif parts.path != "/search":
                body, code = b'{"error": "unknown endpoint"}', 404
            else:
                query = parse_qs(parts.query).get("q", [""])[0]
                body, code = json.dumps(fake.answers.get(query, [])).encode(), 200
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def answer_all_correctly(fake: FakeNominatim) -> None:
    fake.answers = {
        "Baghdad, Iraq": [nominatim_hit(33.3128, 44.3615, "Baghdad, Baghdad Governorate, Iraq")],
        "U.S. Embassy Baghdad, Iraq": [
            nominatim_hit(33.2990, 44.3955, "Embassy of the United States, Baghdad, Iraq")
        ],
        "K-1 Air Base, Iraq": [nominatim_hit(35.5140, 44.2790, "K1 Air Base, Kirkuk, Iraq")],
    }


# --------------------------------------------------------------------------- geodesy


def pt(lat: float, lon: float) -> Point:
    return Point(lat, lon)


def test_baghdad_to_kirkuk() -> None:
    metres = distance_m(pt(*BAGHDAD), pt(*KIRKUK))
    assert 230_000 < metres < 245_000  # ~239 km along the geodesic
    assert 0 <= bearing_deg(pt(*BAGHDAD), pt(*KIRKUK)) < 20  # Kirkuk is due north
    assert 175 < bearing_deg(pt(*KIRKUK), pt(*BAGHDAD)) < 200
    assert describe_offset(pt(*BAGHDAD), pt(*KIRKUK)) == "239 km N"


def test_one_degree_of_latitude_on_a_meridian() -> None:
    south, north = pt(0.0, 10.0), pt(1.0, 10.0)
    assert distance_m(south, north) == pytest.approx(110_574, abs=5)
    assert bearing_deg(south, north) == pytest.approx(0.0, abs=1e-9)
    assert bearing_deg(north, south) == pytest.approx(180.0, abs=1e-9)


def test_bearing_east_west_and_range() -> None:
    assert bearing_deg(pt(0, 0), pt(0, 1)) == pytest.approx(90.0)
    assert bearing_deg(pt(0, 0), pt(0, -1)) == pytest.approx(270.0)
    assert describe_offset(pt(33, 44), pt(33, 44)) == "0 m"


def test_place_objects_work_directly() -> None:
    a = Place("a", "A", (), "city", *BAGHDAD, 1000, "test")
    b = replace(a, id="b", lat=KIRKUK[0], lon=KIRKUK[1])
    assert distance_m(a, b) == distance_m(pt(*BAGHDAD), pt(*KIRKUK))


@pytest.mark.parametrize(
    ("bearing", "points", "name"),
    [
        (0, 8, "N"),
        (359, 8, "N"),
        (22.4, 8, "N"),
        (22.6, 8, "NE"),
        (315, 8, "NW"),
        (337.6, 8, "N"),
        (337.4, 16, "NNW"),
        (112.5, 16, "ESE"),
        (180, 4, "S"),
        (250, 4, "W"),
    ],
)
def test_compass_point(bearing: float, points: int, name: str) -> None:
    assert compass_point(bearing, points) == name


def test_describe_offset_units() -> None:
    base = pt(33.0, 44.0)
    assert re.fullmatch(r"\d{2,3} m N", describe_offset(base, pt(33.0005, 44.0)))
    assert re.fullmatch(r"\d\.\d km E", describe_offset(base, pt(33.0, 44.05)))
    assert describe_offset(base, pt(36.0, 41.0)).endswith(" km NW")


coords = st.tuples(st.floats(-89.9, 89.9, allow_nan=False), st.floats(-180, 180, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(coords, coords)
def test_bearing_range_and_distance_symmetry(
    a: tuple[float, float], b: tuple[float, float]
) -> None:
    pa, pb = pt(*a), pt(*b)
    assert 0.0 <= bearing_deg(pa, pb) < 360.0
    assert distance_m(pa, pb) == pytest.approx(distance_m(pb, pa), rel=1e-9, abs=1e-6)
    assert 0.0 <= distance_m(pa, pb) <= 20_004_000


@settings(max_examples=60, deadline=None)
@given(coords, coords)
def test_distance_is_geopys(a: tuple[float, float], b: tuple[float, float]) -> None:
    """viewer.geodesy calls geographiclib itself (geopy is slow to import): same answers."""
    from geopy.distance import geodesic

    expected = geodesic(a, b, ellipsoid="WGS-84").meters
    assert distance_m(pt(*a), pt(*b)) == pytest.approx(expected, rel=1e-12, abs=1e-6)


def test_the_window_imports_neither_geopy_nor_jsonschema() -> None:
    """Both are slow to import (~0.4 s and ~0.15 s) and the first paint needs neither."""
    code = (
        "import sys, viewer.window; "
        "print(sorted({'geopy', 'jsonschema'} & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- pure comparison


def make_place(**kw: Any) -> Place:
    base: dict[str, Any] = dict(
        id="p", name="Kirkuk", alt_names=(), kind="city", lat=KIRKUK[0], lon=KIRKUK[1],
        radius_m=5000.0, coord_source="test", country="Iraq",
    )  # fmt: skip
    base.update(kw)
    return Place(**base)


def test_queries_add_country_and_fall_back_to_alt_names() -> None:
    place = make_place(name="K-1 Air Base", alt_names=("K1", "K-1 Air Base", "Kirkuk, Iraq"))
    assert queries_for(place) == ("K-1 Air Base, Iraq", "K1, Iraq", "Kirkuk, Iraq")
    assert queries_for(place, with_country=False) == ("K-1 Air Base", "K1", "Kirkuk, Iraq")
    assert queries_for(make_place(country="")) == ("Kirkuk",)


def test_compare_with_a_fake_lookup() -> None:
    asked: list[str] = []
    table = {
        "Kirkuk, Iraq": Location("Kirkuk, Iraq", (35.47, 44.39), {}),
        "Far, Iraq": Location("Somewhere else", (30.0, 47.0), {}),
        "Alias, Iraq": Location("Alias", (33.0, 44.0), {}),
    }

    def lookup(query: str) -> Location | None:
        asked.append(query)
        return table.get(query)

    places = [
        make_place(id="ok"),
        make_place(id="far", name="Far"),
        make_place(id="alias", name="Unknown", alt_names=("Alias",), lat=33.0, lon=44.0),
        make_place(id="none", name="Nowhere", alt_names=("Nowhere Else",)),
    ]
    found = compare(places, lookup)
    assert [d.place.id for d in found] == ["far", "none"]
    far, none = found
    assert far.answer is not None and far.answer.display_name == "Somewhere else"
    assert far.distance_m is not None and far.distance_m > 500_000
    assert none.answer is None and none.queries == ("Nowhere, Iraq", "Nowhere Else, Iraq")
    assert asked == [
        "Kirkuk, Iraq", "Far, Iraq", "Unknown, Iraq", "Alias, Iraq",
        "Nowhere, Iraq", "Nowhere Else, Iraq",
    ]  # fmt: skip
    # A discrepancy is strictly beyond the radius.
    exact = distance_m(make_place(), Point(35.47, 44.39))
    assert compare([make_place(radius_m=exact)], lookup) == []
    assert len(compare([make_place(radius_m=exact * 0.999)], lookup)) == 1


def test_provenance_stays_within_the_schema_limit() -> None:
    today = date(2024, 5, 6)
    assert provenance("OSM", "Kirkuk, Iraq", "Nominatim", today) == (
        "OSM; updated from Nominatim (Kirkuk, Iraq) on 2024-05-06"
    )
    long = provenance("x" * 1990, "y" * 500, "Nominatim", today)
    assert len(long) <= geocode.MAX_TEXT and long.endswith(") on 2024-05-06")
    assert "\n" not in provenance("OSM", "evil\n\x1b[31mname", "Nominatim", today)


def test_apply_updates_touches_only_the_differing_place() -> None:
    raw = dataset_dict()
    far = compare(
        [make_place(id="k1", lat=K1[0], lon=K1[1], radius_m=1500)],
        lambda q: Location("Somewhere", (30.0, 47.0), {}),
    )
    new, changes = apply_updates(raw, far, "Nominatim", date(2024, 5, 6))
    assert raw == dataset_dict()  # the input is not modified
    assert [c.place_id for c in changes] == ["k1"]
    assert new["places"][2]["lat"] == 30.0 and new["places"][2]["lon"] == 47.0
    assert list(new["places"][2]) == list(raw["places"][2])  # key order kept
    assert new["places"][:2] == raw["places"][:2]


# --------------------------------------------------------------------------- the command


def test_all_within_radius_exits_0(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    answer_all_correctly(nominatim)
    before = data_file.read_bytes()
    status = geocode_main([str(data_file), *nominatim.args("--user-agent", "atlas-tests/1.0")])
    out, err = capsys.readouterr()
    assert status == 0, out + err
    assert "3 places checked" in out and "all within their radius" in out
    assert "DIFFERS" not in out and err == ""
    assert data_file.read_bytes() == before
    # What the server saw: a proper Nominatim search with our User-Agent.
    assert nominatim.queries() == [
        "Baghdad, Iraq",
        "U.S. Embassy Baghdad, Iraq",
        "K-1 Air Base, Iraq",
    ]
    first = nominatim.requests[0]
    assert first["path"] == "/search"
    assert first["params"]["format"] == ["json"] and first["params"]["limit"] == ["1"]
    assert first["headers"]["User-Agent"] == "atlas-tests/1.0"


def test_default_user_agent_identifies_the_app(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    answer_all_correctly(nominatim)
    assert geocode_main([str(data_file), *nominatim.args()]) == 0
    agent = nominatim.requests[0]["headers"]["User-Agent"]
    assert agent.startswith("embassy-crisis-atlas/") and "geopy" not in agent


def test_far_place_reported_file_unchanged(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    answer_all_correctly(nominatim)
    nominatim.answers["K-1 Air Base, Iraq"] = [
        nominatim_hit(35.9000, 43.9000, "K1, Nineveh Governorate, Iraq")
    ]
    before = data_file.read_bytes()
    status = geocode_main([str(data_file), *nominatim.args()])
    out = capsys.readouterr().out
    assert status == 1
    lines = [line for line in out.splitlines() if line.startswith("DIFFERS")]
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith('DIFFERS k1 "K-1 Air Base": stored 35.51300, 44.27800')
    assert "geocoder 35.90000, 43.90000" in line
    assert '"K1, Nineveh Governorate, Iraq"' in line
    assert re.search(r"; 5\d km NW of stored, beyond radius 1\.5 km$", line), line
    assert "1 beyond its radius" in out
    assert data_file.read_bytes() == before


def test_write_updates_only_that_place(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    answer_all_correctly(nominatim)
    nominatim.answers["K-1 Air Base, Iraq"] = [
        nominatim_hit(35.9000, 43.9000, "K1, Nineveh Governorate, Iraq")
    ]
    before = json.loads(data_file.read_text(encoding="utf-8"))
    mode = data_file.stat().st_mode
    status = geocode_main([str(data_file), "--write", *nominatim.args()])
    out, err = capsys.readouterr()
    assert status == 1, err  # the status describes what was found
    assert "updated k1: 35.51300, 44.27800 -> 35.90000, 43.90000" in out
    assert "wrote 1 updated place" in out

    text = data_file.read_text(encoding="utf-8")
    after = json.loads(text)
    assert "السفارة الأمريكية في بغداد" in text  # written as UTF-8, not \u escapes
    assert text.startswith('{\n  "format": ')  # indent=2
    assert list(after) == list(before)
    assert after["places"][:2] == before["places"][:2]
    k1_before, k1_after = before["places"][2], after["places"][2]
    assert list(k1_after) == list(k1_before)  # key order kept
    assert (k1_after["lat"], k1_after["lon"]) == (35.9, 43.9)
    assert re.fullmatch(
        r"OpenStreetMap, checked by hand; updated from Nominatim at 127\.0\.0\.1:\d+ "
        r"\(K1, Nineveh Governorate, Iraq\) on \d{4}-\d{2}-\d{2}",
        k1_after["coord_source"],
    )
    rest = {k: v for k, v in k1_after.items() if k not in ("lat", "lon", "coord_source")}
    assert rest == {k: v for k, v in k1_before.items() if k not in ("lat", "lon", "coord_source")}
    assert data_file.stat().st_mode == mode
    assert sorted(p.name for p in data_file.parent.iterdir()) == ["places.json", "source-a.txt"]

    loaded = load_dataset(data_file)  # still a valid dataset
    assert loaded.place("k1").lat == 35.9
    # A second run finds nothing left to fix.
    assert geocode_main([str(data_file), *nominatim.args()]) == 0


def test_no_result_reported_with_alt_name_fallback(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    answer_all_correctly(nominatim)
    del nominatim.answers["K-1 Air Base, Iraq"]
    del nominatim.answers["U.S. Embassy Baghdad, Iraq"]
    nominatim.answers["السفارة الأمريكية في بغداد, Iraq"] = [
        nominatim_hit(33.2990, 44.3955, "سفارة الولايات المتحدة، بغداد")
    ]
    before = data_file.read_bytes()
    status = geocode_main([str(data_file), "--write", *nominatim.args()])
    out = capsys.readouterr().out
    assert status == 1
    assert 'NOT FOUND k1 "K-1 Air Base": stored 35.51300, 44.27800; no result for ' in out
    assert '"K-1 Air Base, Iraq", "K1, Iraq"' in out
    assert " embassy " not in out  # found by its Arabic alternative name, within radius
    assert "1 not found" in out
    assert nominatim.queries() == [
        "Baghdad, Iraq",
        "U.S. Embassy Baghdad, Iraq",
        "السفارة الأمريكية في بغداد, Iraq",
        "K-1 Air Base, Iraq",
        "K1, Iraq",
    ]
    assert data_file.read_bytes() == before  # nothing to write


def test_no_country_option(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    geocode_main([str(data_file), "--no-country", *nominatim.args()])
    assert nominatim.queries()[:2] == ["Baghdad", "U.S. Embassy Baghdad"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there


def test_server_down_exits_2_with_one_clear_message(
    data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    before = data_file.read_bytes()
    args = [str(data_file), "--write", "--domain", f"127.0.0.1:{port}", "--scheme", "http"]
    status = geocode_main([*args, "--min-delay", "0"])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err == (
        f"geocode: cannot reach the geocoder at http://127.0.0.1:{port} (Connection refused). "
        "Check your network connection; no file was changed.\n"
    )
    assert "Traceback" not in out + err
    assert data_file.read_bytes() == before


def test_timeout_exits_2(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    nominatim.on_request = lambda: threading.Event().wait(0.5)
    status = geocode_main([str(data_file), *nominatim.args("--timeout", "0.1")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"geocode: cannot reach the geocoder at http://{nominatim.domain} (")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("status", "words"),
    [(403, "refuses the request"), (429, "too many requests"), (500, "failed")],
)
def test_http_errors_exit_2(
    data_file: Path,
    nominatim: FakeNominatim,
    capsys: pytest.CaptureFixture[str],
    status: int,
    words: str,
) -> None:
    nominatim.status = status
    assert geocode_main([str(data_file), *nominatim.args()]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"geocode: the geocoder at http://{nominatim.domain} ")
    assert words in err and "no file was changed" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_file_changed_during_lookup_is_not_overwritten(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    answer_all_correctly(nominatim)
    nominatim.answers["Baghdad, Iraq"] = [nominatim_hit(30.0, 47.0, "Basra, Iraq")]
    edited = data_file.read_text(encoding="utf-8").replace("Test atlas", "Edited atlas")

    def colleague_saves() -> None:
        if len(nominatim.requests) == 2:
            data_file.write_text(edited, encoding="utf-8")

    nominatim.on_request = colleague_saves
    assert geocode_main([str(data_file), "--write", *nominatim.args()]) == 2
    err = capsys.readouterr().err
    assert "changed while the places were being looked up" in err
    assert data_file.read_text(encoding="utf-8") == edited


def test_bad_data_file_exits_2(
    tmp_path: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "embassy-crisis-atlas/1",\n  "title": }', encoding="utf-8")
    assert geocode_main([str(bad), *nominatim.args()]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and "JSON syntax error" in err
    assert "Traceback" not in err
    assert nominatim.requests == []

    missing = tmp_path / "missing.json"
    assert geocode_main([str(missing), *nominatim.args()]) == 2
    assert "file not found" in capsys.readouterr().err


def test_public_server_requires_one_second_delay(
    data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        geocode_main([str(data_file), "--min-delay", "0.2"])
    assert exc.value.code == 2
    assert "one request per second" in capsys.readouterr().err


def test_bad_domain_rejected(data_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        geocode_main([str(data_file), "--domain", "http://127.0.0.1:1"])
    assert "no scheme" in capsys.readouterr().err


def test_cli_dispatches_to_geocode(
    data_file: Path, nominatim: FakeNominatim, capsys: pytest.CaptureFixture[str]
) -> None:
    answer_all_correctly(nominatim)
    assert cli_main(["geocode", str(data_file), *nominatim.args()]) == 0
    assert "all within their radius" in capsys.readouterr().out
