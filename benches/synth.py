"""Deterministic synthetic datasets for the scale benchmarks.

`generate(n_events, folder)` writes `folder/places.json` and the source texts it cites
(`folder/sources/*.txt`). The same arguments always give byte-identical files: one fixed
seed drives everything, and nothing depends on the clock or on dict/set ordering.

The shape follows the real dataset (places.json), scaled up:

- a few hundred places around Iraq and Syria; about one in six is known only to
  1.5-60 km, so it is drawn as an area as well as a marker;
- 85 % of the events fall in the two crisis weeks (the core period), the rest are
  background spread over 1979-2019;
- precision mix (core): minute 15 %, hour 25 %, part-of-day 15 %, day 45 %; one event in
  ten has an explicit end 1-72 h later; background events are dated to the year, month
  or day;
- every citation and claim quote is a real span (3-14 whole words) of a generated
  sentence of the source it names, so the loader's verbatim-quote check passes;
- one link per three events, always from an earlier event to a later one.

Run it alone to write a dataset: `python benches/synth.py 10000 /tmp/synth-10k`.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

#: Bump when the output changes, so cached datasets are regenerated.
GENERATOR_VERSION = 1
SEED = 20191231

BAGHDAD = timezone(timedelta(hours=3))
CORE_START = datetime(2019, 12, 27, tzinfo=BAGHDAD)
CORE_END = datetime(2020, 1, 10, tzinfo=BAGHDAD)
BACKGROUND_START = datetime(1979, 1, 1, tzinfo=UTC)
BACKGROUND_END = datetime(2019, 12, 1, tzinfo=UTC)

CATEGORIES = (
    "attack",
    "strike",
    "protest",
    "deployment",
    "statement",
    "casualties",
    "diplomacy",
    "background",
)
CORE_PRECISIONS = (("minute", 15), ("hour", 25), ("part-of-day", 15), ("day", 45))
BACKGROUND_PRECISIONS = (("year", 40), ("month", 30), ("day", 30))

_WORD_TEXT = (
    "militia supporters officials embassy compound protesters gate reception guards "
    "ministry statement spokesman rocket base airport convoy strike drone border "
    "province capital commander council parliament troops advisers security forces "
    "witnesses crowd funeral march fire smoke walls sit-in tents night morning evening "
    "reported said confirmed denied announced gathered withdrew arrived attacked "
    "burned stormed retreated demanded condemned warned killed wounded several dozens "
    "hundreds local foreign regional official unofficial early late near outside "
    "inside across along after before during while Baghdad Kirkuk Anbar Qaim Tehran "
    "Washington Damascus Erbil Basra Mosul Karbala Najaf Tigris Euphrates"
)
_WORDS = _WORD_TEXT.split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 24))]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + "."


class _Source:
    """A generated article: paragraphs of sentences; quotes are spans of its sentences."""

    def __init__(self, ident: str, rng: random.Random, sentences: int) -> None:
        self.ident = ident
        self.sentences = [_sentence(rng) for _ in range(sentences)]

    def text(self) -> str:
        paragraphs = [" ".join(self.sentences[i : i + 6]) for i in range(0, len(self.sentences), 6)]
        return "\n\n".join(paragraphs) + "\n"

    def quote(self, rng: random.Random) -> str:
        words = rng.choice(self.sentences).split()
        length = min(len(words), rng.randint(3, 14))
        start = rng.randint(0, len(words) - length)
        return " ".join(words[start : start + length])


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _instant(moment: datetime) -> str:
    return moment.astimezone(BAGHDAD).isoformat(timespec="minutes")


def _places(rng: random.Random, count: int) -> list[dict[str, Any]]:
    places = []
    for i in range(count):
        area = i % 6 == 0
        places.append(
            {
                "id": f"place-{i:04d}",
                "name": f"Place {i} ({rng.choice(_WORDS)})",
                "kind": "area" if area else rng.choice(("base", "compound", "town", "office")),
                "country": rng.choice(("Iraq", "Syria", "Iran")),
                "lat": round(rng.uniform(29.5, 37.3), 4),
                "lon": round(rng.uniform(38.5, 48.5), 4),
                "radius_m": rng.randint(2_000, 50_000) if area else rng.randint(50, 1_200),
                "coord_source": "synthetic",
            }
        )
    return places


def _event(
    rng: random.Random, i: int, places: list[dict[str, Any]], sources: list[_Source]
) -> dict[str, Any]:
    if rng.random() < 0.85:
        span = (CORE_END - CORE_START).total_seconds()
        start = CORE_START + timedelta(seconds=rng.uniform(0, span))
        precision = _weighted(rng, CORE_PRECISIONS)
    else:
        span = (BACKGROUND_END - BACKGROUND_START).total_seconds()
        start = BACKGROUND_START + timedelta(seconds=rng.uniform(0, span))
        precision = _weighted(rng, BACKGROUND_PRECISIONS)
    # Truncate the start to its precision, as a real dataset records it.
    start = start.astimezone(BAGHDAD).replace(second=0, microsecond=0)
    if precision != "minute":
        start = start.replace(minute=0)
    if precision in ("day", "month", "year"):
        start = start.replace(hour=0)
    if precision in ("month", "year"):
        start = start.replace(day=1)
    if precision == "year":
        start = start.replace(month=1)
    event: dict[str, Any] = {
        "id": f"event-{i:06d}",
        "start": _instant(start),
        "precision": precision,
        "places": sorted({rng.choice(places)["id"] for _ in range(rng.choice((1, 1, 1, 2, 3)))}),
        "category": rng.choice(CATEGORIES),
        "actors": [rng.choice(_WORDS) for _ in range(rng.randint(0, 2))],
        "title": " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 8))).capitalize(),
        "summary": " ".join(_sentence(rng) for _ in range(rng.randint(1, 3))),
        "citations": [],
    }
    if precision in ("minute", "hour", "part-of-day", "day") and rng.random() < 0.1:
        event["end"] = _instant(start + timedelta(hours=rng.randint(1, 72)))
    for _ in range(rng.randint(1, 3)):
        source = rng.choice(sources)
        event["citations"].append({"source": source.ident, "quote": source.quote(rng)})
    if rng.random() < 0.05:
        a, b = rng.sample(sources, 2)
        event["claims"] = [
            {
                "topic": "Casualties",
                "values": [
                    {"source": s.ident, "value": str(rng.randint(1, 40)), "quote": s.quote(rng)}
                    for s in (a, b)
                ],
            }
        ]
    return event


def build(
    n_events: int, n_places: int = 300, n_sources: int = 5
) -> tuple[dict[str, Any], dict[str, str]]:
    """The dataset as a JSON-able dict, and {relative path: text} of its sources."""
    rng = random.Random(f"{SEED}-{n_events}-{n_places}-{n_sources}")
    sources = [_Source(f"source-{k}", rng, sentences=400) for k in range(n_sources)]
    places = _places(rng, n_places)
    events = [_event(rng, i, places, sources) for i in range(n_events)]
    order = sorted(range(n_events), key=lambda i: _key(events[i]))
    links = []
    for _ in range(n_events // 3):
        a, b = sorted(rng.sample(range(n_events), 2))  # in time order: the cause comes first
        links.append(
            {
                "cause": events[order[a]]["id"],
                "effect": events[order[b]]["id"],
                "type": rng.choice(("led to", "retaliation for", "response to")),
            }
        )
    data = {
        "format": "embassy-crisis-atlas/1",
        "title": f"Synthetic benchmark dataset: {n_events:,} events",
        "description": "Generated by benches/synth.py; not real events.",
        "display_timezone": "Asia/Baghdad",
        "core_period": {"start": _instant(CORE_START), "end": _instant(CORE_END)},
        "sources": [
            {
                "id": s.ident,
                "file": f"sources/{s.ident}.txt",
                "outlet": f"Synthetic Outlet {k}",
                "title": f"Generated report {k}",
                "published": "2020-01-05",
                "url": f"https://example.invalid/{s.ident}",
            }
            for k, s in enumerate(sources)
        ],
        "places": places,
        "events": events,
        "links": links,
    }
    texts = {f"sources/{s.ident}.txt": s.text() for s in sources}
    return data, texts


def _key(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["start"])


def generate(n_events: int, folder: Path, n_places: int = 300) -> Path:
    """Write the dataset (if not already there from the same generator) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "places.json"
    stamp = folder / "generator.json"
    wanted = {"version": GENERATOR_VERSION, "seed": SEED, "events": n_events, "places": n_places}
    if path.exists() and stamp.exists():
        try:
            if json.loads(stamp.read_text(encoding="utf-8")) == wanted:
                return path
        except ValueError:
            pass
    data, texts = build(n_events, n_places)
    for rel, text in texts.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    stamp.write_text(json.dumps(wanted), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--places", type=int, default=300)
    args = parser.parse_args()
    print(generate(args.events, args.folder, args.places))


if __name__ == "__main__":
    main()
