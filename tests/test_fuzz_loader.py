"""Random and mutated JSON fed to the loader: it loads or raises DatasetError, nothing else."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from conftest import minimal_dataset, write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viewer.dataset import load_dataset
from viewer.errors import DatasetError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def load_or_own_error(path: Path) -> None:
    try:
        load_dataset(path)
    except DatasetError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values)
def test_random_json(tmp_path: Path, value: Any) -> None:
    load_or_own_error(write_dataset(tmp_path, value))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), replacement=json_values)
def test_mutated_dataset(tmp_path: Path, data: st.DataObject, replacement: Any) -> None:
    """Replace one node anywhere in a valid dataset with a random value."""
    doc = copy.deepcopy(minimal_dataset())
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, child in items:
            paths.append((node, key))
            walk(child)

    walk(doc)
    parent, key = data.draw(st.sampled_from(paths))
    parent[key] = replacement
    load_or_own_error(write_dataset(tmp_path, doc))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mangled_bytes(tmp_path: Path, data: st.DataObject) -> None:
    """Truncate or flip bytes of a valid file."""
    raw = json.dumps(minimal_dataset()).encode()
    cut = data.draw(st.integers(0, len(raw)))
    flip = data.draw(st.integers(0, len(raw) - 1))
    mangled = bytearray(raw[:cut] if data.draw(st.booleans()) else raw)
    if mangled and flip < len(mangled):
        mangled[flip] = data.draw(st.integers(0, 255))
    path = write_dataset(tmp_path, {})
    path.write_bytes(bytes(mangled))
    load_or_own_error(path)
