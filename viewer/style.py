"""Colours and shapes of event categories, shared by the map page, the timeline and the list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CategoryStyle:
    label: str
    color: str  # CSS hex colour
    shape: str  # CSS class of the marker shape in web/atlas.css


#: Colour-blind-aware palette (Okabe-Ito based); shape tells categories apart without colour.
CATEGORIES: dict[str, CategoryStyle] = {
    "attack": CategoryStyle("Attack", "#d55e00", "triangle"),
    "strike": CategoryStyle("U.S. strike", "#e69f00", "star"),
    "protest": CategoryStyle("Protest / siege", "#cc79a7", "square"),
    "deployment": CategoryStyle("Deployment", "#0072b2", "diamond"),
    "statement": CategoryStyle("Statement", "#009e73", "circle"),
    "casualties": CategoryStyle("Casualties", "#a00000", "cross"),
    "diplomacy": CategoryStyle("Diplomacy", "#56b4e9", "hexagon"),
    "background": CategoryStyle("Background", "#8a8a8a", "dot"),
}

FALLBACK = CategoryStyle("Other", "#555555", "circle")


def category_style(category: str) -> CategoryStyle:
    return CATEGORIES.get(category, FALLBACK)
