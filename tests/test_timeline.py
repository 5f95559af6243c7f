"""Time queries at their edges: exact start, end, between events, outside, time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from viewer.clocks import clocks, cursor_text
from viewer.dataset import load_dataset
from viewer.model import Precision
from viewer.timeline import PlaceState, TimeIndex

BAGHDAD = timezone(timedelta(hours=3))


@pytest.fixture
def index(dataset_file: Path) -> TimeIndex:
    return TimeIndex(load_dataset(dataset_file))


def at(day: int, hour: int = 0, month: int = 12, year: int = 2019) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BAGHDAD)


def ids(events: list) -> list[str]:  # type: ignore[type-arg]
    return [e.id for e in events]


def test_active_at_edges(index: TimeIndex) -> None:
    # "strikes" is dated to the day 29 Dec: current for that whole day, end exclusive.
    assert ids(index.active_at(at(28, 23))) == []
    assert ids(index.active_at(at(29, 0))) == ["strikes"]
    assert ids(index.active_at(at(29, 23))) == ["strikes"]
    assert ids(index.active_at(at(30, 0))) == []
    # "march" has an explicit end: 31 Dec 00:00 to 2 Jan 00:00.
    assert ids(index.active_at(at(31, 0))) == ["march"]
    assert ids(index.active_at(at(1, 23, 1, 2020))) == ["march"]
    assert ids(index.active_at(at(2, 0, 1, 2020))) == []


def test_before_first_and_after_last(index: TimeIndex) -> None:
    early = at(1, 0, 1, 1979)
    assert index.active_at(early) == []
    assert index.happened_count(early) == 0
    assert index.previous_event(early) is None
    assert index.next_event(early).id == "strikes"
    late = at(1, 0, 1, 2030)
    assert index.happened_count(late) == 2
    assert index.next_event(late) is None
    assert index.previous_event(late).id == "march"


def test_next_and_previous_are_strict(index: TimeIndex) -> None:
    start = at(29, 0)
    assert index.next_event(start).id == "march"
    assert index.previous_event(start) is None
    assert ids(index.happened_before(start)) == ["strikes"]


def test_time_zones_compare_as_instants(index: TimeIndex) -> None:
    # 28 Dec 21:00 UTC is 29 Dec 00:00 in Baghdad: the strikes' day has begun.
    assert ids(index.active_at(datetime(2019, 12, 28, 21, tzinfo=UTC))) == ["strikes"]
    # ...and 28 Dec 16:00 in Washington (UTC-5) is the same instant.
    washington = timezone(timedelta(hours=-5))
    assert ids(index.active_at(datetime(2019, 12, 28, 16, tzinfo=washington))) == ["strikes"]
    with pytest.raises(ValueError, match="UTC offset"):
        index.active_at(datetime(2019, 12, 29))


def test_place_states(index: TimeIndex) -> None:
    snap = index.snapshot(at(29, 12))
    assert snap.places == {"embassy": PlaceState.FUTURE, "border": PlaceState.CURRENT}
    snap = index.snapshot(at(30, 12))
    assert snap.places == {"embassy": PlaceState.FUTURE, "border": PlaceState.PAST}
    snap = index.snapshot(at(31, 12))
    assert snap.places["embassy"] is PlaceState.CURRENT and snap.current == ("march",)
    assert ids(index.events_at_place("border")) == ["strikes"]
    assert index.latest_at_place("border", at(28)) is None
    assert index.latest_at_place("border", at(30)).id == "strikes"


def test_long_events_are_found(dataset_file: Path) -> None:
    """Year-long background events take the linear path; short ones the bisect path."""
    index = TimeIndex(load_dataset(dataset_file))
    assert index._max_short <= 2 * 86400


def test_clocks_show_three_zones_and_respect_precision() -> None:
    # The airport strike: after midnight in Baghdad, still 2 Jan in Washington.
    moment = datetime(2020, 1, 3, 1, 0, tzinfo=BAGHDAD)
    c = clocks(moment, "Asia/Baghdad", Precision.HOUR)
    assert c.local == "Fri 3 Jan 2020, 01:00"
    assert c.washington == "Thu 2 Jan 2020, 17:00"
    assert c.utc == "Thu 2 Jan 2020, 22:00"
    day = clocks(moment, "Asia/Baghdad", Precision.DAY)
    assert day.local == "Fri 3 Jan 2020" and day.washington == "—"
    assert clocks(moment, "Asia/Baghdad", Precision.YEAR).local == "2020"
    assert "Baghdad" in cursor_text(moment, "Asia/Baghdad")


def test_dates_are_in_english_whatever_the_locale() -> None:
    """Qt sets the C library's locale from the environment; dates in the English window
    must not come out as, say, "Di 31 Dez 2019" there."""
    import locale

    others = [
        name
        for name in ("de_DE.UTF-8", "fr_FR.UTF-8", "es_ES.UTF-8", "ru_RU.UTF-8", "ar_IQ.UTF-8")
        if _can_set_time_locale(name)
    ]
    saved = locale.setlocale(locale.LC_TIME)
    try:
        for name in ["C", *others]:
            locale.setlocale(locale.LC_TIME, name)
            moment = datetime(2019, 12, 31, 14, 5, tzinfo=BAGHDAD)
            assert (
                clocks(moment, "Asia/Baghdad", Precision.MINUTE).local == "Tue 31 Dec 2019, 14:05"
            )
            assert clocks(moment, "Asia/Baghdad", Precision.MONTH).local == "December 2019"
            names = {
                clocks(moment + timedelta(days=d), "Asia/Baghdad", Precision.DAY).local[:3]
                for d in range(7)
            }
            assert names == {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
    finally:
        locale.setlocale(locale.LC_TIME, saved)


def _can_set_time_locale(name: str) -> bool:
    import locale

    saved = locale.setlocale(locale.LC_TIME)
    try:
        locale.setlocale(locale.LC_TIME, name)
        return True
    except locale.Error:
        return False
    finally:
        locale.setlocale(locale.LC_TIME, saved)


def test_place_queries_agree_with_snapshot(tmp_path: Path) -> None:
    """The window tells each place's state from `current_at_place_t` and
    `latest_at_place_t` alone (without the snapshot's set of every current event's
    places): the same states as `snapshot`, at moments all over a synthetic dataset."""
    from benches.synth import generate

    index = TimeIndex(load_dataset(generate(3000, tmp_path, n_places=60)))
    first, last = index.starts[0], max(index.ends)
    for k in range(301):
        t = first + (last - first) * k / 300 + (k % 7) * 997.0
        moment = datetime.fromtimestamp(t, UTC)
        snap = index.snapshot(moment)
        for place in index.dataset.places:
            current = index.current_at_place_t(place.id, t)
            latest = index.latest_at_place_t(place.id, t)
            state = (
                PlaceState.CURRENT
                if current is not None
                else PlaceState.FUTURE
                if latest is None
                else PlaceState.PAST
            )
            assert state is snap.places[place.id], (moment, place.id)
            assert current == index.current_at_place(place.id, moment)
            assert latest == index.latest_at_place(place.id, moment)
