"""Finding verbatim quotes in source documents.

Matching allows exactly two kinds of difference, and no others:
- any run of whitespace (spaces, tabs, newlines) matches any other run;
- curly quotes and apostrophes match straight ones (“ ” „ ″ -> ", ‘ ’ ′ -> ').
Everything else (case, punctuation, dashes, ellipses) must be exact.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_QUOTE_CHARS = str.maketrans({"“": '"', "”": '"', "„": '"', "″": '"', "‘": "'", "’": "'", "′": "'"})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text with whitespace runs folded and quote characters straightened.

    `offsets[i]` is the index in the original text of normalized character `i`, so a
    match in the normalized text maps back to an exact span of the original.
    """

    text: str
    offsets: tuple[int, ...]
    original_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of normalized [start, end)."""
        if end <= start:
            return (self.offsets[start] if start < len(self.offsets) else self.original_length,) * 2
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize(text: str) -> NormalizedText:
    out: list[str] = []
    offsets: list[int] = []
    translated = text.translate(_QUOTE_CHARS)
    pos = 0
    for match in _SPACE.finditer(translated):  # copied a run at a time, not per character
        out.append(translated[pos : match.start()])
        offsets.extend(range(pos, match.start()))
        out.append(" ")
        offsets.append(match.start())
        pos = match.end()
    out.append(translated[pos:])
    offsets.extend(range(pos, len(translated)))
    return NormalizedText("".join(out), tuple(offsets), len(text))


def normalize_quote(quote: str) -> str:
    if not quote.isascii():  # the quote characters to straighten are all non-ASCII
        quote = quote.translate(_QUOTE_CHARS)
    return " ".join(quote.split())  # split() takes the same whitespace as `\s` (faster)


def find_quote(source: NormalizedText, quote: str) -> tuple[int, int] | None:
    """The [start, end) span of `quote` in the original text, or None if absent."""
    needle = normalize_quote(quote)
    if not needle:
        return None
    index = source.text.find(needle)
    if index < 0:
        return None
    return source.original_span(index, index + len(needle))


class QuoteFinder:
    """`find_quote` for many quotes in one source, each answer kept: validating and
    building a dataset look up the same quotes, and large datasets repeat many of them."""

    def __init__(self, source: NormalizedText) -> None:
        self.source = source
        self._found: dict[str, tuple[int, int] | None] = {}

    def find(self, quote: str) -> tuple[int, int] | None:
        """The [start, end) span of `quote` in the original text, or None if absent."""
        if quote not in self._found:
            self._found[quote] = find_quote(self.source, quote)
        return self._found[quote]


def closest_passage(source: NormalizedText, quote: str, context: int = 0) -> str:
    """The passage of the source most like `quote`, to show next to a failed match."""
    needle = normalize_quote(quote)
    text = source.text
    if not needle or not text:
        return ""
    width = len(needle)
    best_ratio, best_start = -1.0, 0
    starts = [0, *(m.end() for m in re.finditer(r"\s", text))]
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)
    for start in starts:
        window = text[start : start + width]
        matcher.set_seq1(window)
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best_ratio, best_start = ratio, start
    return text[max(0, best_start - context) : best_start + width + context]
