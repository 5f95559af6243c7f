"""The project's own error type: every problem with a data file, with where it is."""

from __future__ import annotations

from dataclasses import dataclass

#: A message or JSON path longer than this is cut (a hostile file can hold huge strings).
MAX_MESSAGE_CHARS = 600
MAX_PATH_CHARS = 300


def shorten(text: str, limit: int) -> str:
    """`text`, cut in the middle with "…" if it is longer than `limit` characters."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    tail = limit - 1 - head
    return f"{text[:head]}…{text[len(text) - tail :]}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a data file.

    `path` is a JSON path such as ``$.events[3].citations[0].quote`` (``$`` for the
    whole file); `line`/`column` (1-based) say where in the file, when known.
    Over-long messages and paths are shortened, so a report always stays readable.
    """

    file: str
    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", shorten(self.path, MAX_PATH_CHARS))
        object.__setattr__(self, "message", shorten(self.message, MAX_MESSAGE_CHARS))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}"


class DatasetError(Exception):
    """A data file could not be loaded. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self, limit: int = 200) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)
