"""Coverage-guided fuzzing of the dataset loader with atheris (libFuzzer for Python).

    python tests/fuzz_loader.py -runs=100000
    python tests/fuzz_loader.py -max_total_time=600 my-corpus/

`load_dataset` must either return a dataset or raise `DatasetError` with at least one
short problem; any other exception is a crash, and libFuzzer saves the input that caused
it (`-artifact_prefix=DIR/` says where). Without a corpus folder on the command line, a
temporary one is seeded with a small valid dataset and a few broken ones. Half of the
mutations are JSON-aware (they change one value, key or list of a parsed document), so
the fuzzer reaches the semantic checks, not only the JSON parser.

tests/test_hostile.py runs this for 20 seconds (ATLAS_FUZZ_SECONDS to change that).
"""

from __future__ import annotations

import copy
import json
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import atheris

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Libraries first, uninstrumented; then our own modules, instrumented for coverage.
import jsonschema  # noqa: E402, F401

with atheris.instrument_imports(include=["viewer"]):
    from viewer.dataset import load_dataset
    from viewer.errors import MAX_MESSAGE_CHARS, MAX_PATH_CHARS, DatasetError

SOURCE_TEXT = (
    "On Tuesday protesters marched to the embassy. “It was loud,” a witness said.\n\n"
    "The strikes killed 24 fighters near the border.\n"
)

SEED: dict[str, Any] = {
    "format": "embassy-crisis-atlas/1",
    "title": "Fuzz",
    "display_timezone": "Asia/Baghdad",
    "core_period": {"start": "2019-12-27T00:00:00+03:00", "end": "2020-01-10T00:00:00+03:00"},
    "sources": [
        {
            "id": "src",
            "file": "sources/a.txt",
            "outlet": "Outlet",
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
            "name": "Border",
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

#: Values a mutation may put anywhere in a document.
INTERESTING: list[Any] = [
    None,
    True,
    0,
    -1,
    91,
    -180.5,
    1e308,
    10**30,
    float("nan"),
    float("inf"),
    "",
    "x",
    "embassy",
    "src",
    "strikes",
    "../../../../etc/passwd",
    "/etc/passwd",
    "sources",
    "sources/a.txt\x00",
    "\ud800",
    "<script>alert(1)</script>",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+03:00",
    "2019-02-30T00:00:00+03:00",
    "Mars/Olympus",
    "x" * 3000,
    [],
    {},
    [[[[[[[[[[[[]]]]]]]]]]]],
]

#: A libFuzzer dictionary: byte strings the byte-level mutator may insert.
TOKENS = [
    b'"format"', b'"title"', b'"sources"', b'"places"', b'"events"', b'"links"', b'"id"',
    b'"file"', b'"quote"', b'"source"', b'"claims"', b'"values"', b'"citations"', b'"lat"',
    b'"lon"', b'"radius_m"', b'"start"', b'"end"', b'"precision"', b'"cause"', b'"effect"',
    b"NaN", b"Infinity", b"-Infinity", b"1e999", b"null", b"true", b"[", b"]", b"{", b"}",
    b'"\\ud800"', b'"\\u0000"', b"\xef\xbb\xbf", b"\xff", b"\xe2\x80\x9c",
]  # fmt: skip


def _dictionary_line(token: bytes) -> str:
    r"""`token` in libFuzzer's dictionary syntax: "..." with \\, \" and \xNN escapes."""
    out = []
    for byte in token:
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\x{byte:02X}")
    return '"' + "".join(out) + '"'


def _nodes(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key or index) for every value below the root."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in list(items):
            out.append((node, key))
            if isinstance(child, dict | list):
                stack.append(child)
    return out


def mutate_document(doc: Any, rng: random.Random) -> Any:
    """One structural change to a parsed JSON document."""
    nodes = _nodes(doc) if isinstance(doc, dict | list) else []
    if not nodes:
        return copy.deepcopy(SEED)
    parent, key = rng.choice(nodes)
    action = rng.randrange(7)
    if action == 0:
        parent[key] = copy.deepcopy(rng.choice(INTERESTING))
    elif action == 1 and isinstance(parent, dict):
        del parent[key]
    elif action == 2 and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    elif action == 3:
        other_parent, other_key = rng.choice(nodes)
        parent[key] = copy.deepcopy(other_parent[other_key])
    elif action == 4 and isinstance(parent[key], str):
        text = parent[key]
        cut = rng.randrange(len(text) + 1)
        parent[key] = text[:cut] + rng.choice(["", " ", "“", "'", "é", "\n"]) + text[cut:]
    elif action == 5 and isinstance(parent, dict):
        parent[rng.choice(["extra", "id", "<b>", "$schema", ""])] = rng.choice(INTERESTING)
    else:
        parent[key] = rng.choice([[parent[key]], {"k": parent[key]}])
    return doc


def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    if rng.random() < 0.5:
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            doc = None
        if doc is not None:
            try:
                out = json.dumps(mutate_document(doc, rng), ensure_ascii=rng.random() < 0.5)
                encoded = out.encode("utf-8", "surrogatepass")
            except (ValueError, RecursionError):
                encoded = b""
            if 0 < len(encoded) <= max_size:
                return encoded
    mutated: bytes = atheris.Mutate(data, max_size)
    return mutated


# libFuzzer ends the process without running atexit handlers, so a caller that wants
# no leftovers names the work folder (ATLAS_FUZZ_WORKDIR); otherwise a small one stays
# in the system's temporary folder.
WORK = Path(os.environ.get("ATLAS_FUZZ_WORKDIR") or tempfile.mkdtemp(prefix="atlas-fuzz-"))
WORK.mkdir(parents=True, exist_ok=True)
(WORK / "sources").mkdir(exist_ok=True)
(WORK / "sources" / "a.txt").write_text(SOURCE_TEXT, encoding="utf-8")
DATA = WORK / "data.json"


def TestOneInput(data: bytes) -> None:
    DATA.write_bytes(data)
    try:
        load_dataset(DATA)
    except DatasetError as exc:
        if not exc.problems:
            raise AssertionError("DatasetError without problems") from None
        for problem in exc.problems:
            if not problem.message:
                raise AssertionError(f"a problem without a message: {problem!r}") from None
            if len(problem.message) > MAX_MESSAGE_CHARS or len(problem.path) > MAX_PATH_CHARS:
                raise AssertionError(f"an over-long problem: {str(problem)[:200]}") from None


def _seed_corpus(folder: Path) -> None:
    valid = json.dumps(SEED, ensure_ascii=False, indent=1)
    seeds = {
        "valid.json": valid,
        "compact.json": json.dumps(SEED, separators=(",", ":")),
        "truncated.json": valid[: len(valid) // 2],
        "bad-quote.json": valid.replace("killed 24 fighters", "killed 25 fighters", 1),
        "nan.json": valid.replace('"lat": 34.4', '"lat": NaN'),
        "dup.json": valid.replace('"title": "March"', '"title": "March", "title": "X"'),
    }
    for name, text in seeds.items():
        (folder / name).write_bytes(text.encode("utf-8"))


def main(argv: list[str]) -> None:
    args = list(argv)
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus folder given
        corpus = WORK / "corpus"
        corpus.mkdir(exist_ok=True)
        _seed_corpus(corpus)
        args.append(str(corpus))
    if not any(a.startswith("-dict=") for a in args):
        dictionary = WORK / "json.dict"
        dictionary.write_text("\n".join(map(_dictionary_line, TOKENS)) + "\n", encoding="ascii")
        args.append(f"-dict={dictionary}")
    if not any(a.startswith("-max_len=") for a in args):
        args.append("-max_len=16384")
    atheris.Setup(args, TestOneInput, custom_mutator=custom_mutator)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
