"""What the map page is told about a dataset: places, arcs, categories, at run time.

Qt-free and Folium-free: the page itself (`viewer/web/page.html`) is built once by
`viewer.mapbuilder` and knows nothing of the data; `Atlas.load(page_config(dataset))`
puts the places on it. So a start-up never imports Folium (or numpy), the page can
start loading before the data file has been read, and any dataset fits the same page.
"""

from __future__ import annotations

from typing import Any

from .causality import drawable_links
from .model import Dataset
from .style import CATEGORIES

#: Places known less precisely than this are drawn as a translucent area of their radius...
AREA_THRESHOLD_M = 1500.0
#: ...up to this size: beyond it the "place" is a whole country or region, named by its label.
AREA_MAX_M = 60_000.0


def draws_area(radius_m: float) -> bool:
    return AREA_THRESHOLD_M <= radius_m <= AREA_MAX_M


def page_config(
    dataset: Dataset, online: bool = True, links: list[dict[str, object]] | None = None
) -> dict[str, Any]:
    """The argument of `Atlas.load`: everything the page shows that comes from the data.

    `online=False` withdraws the online tile layers from the page's layer switcher.
    `links`: `drawable_links(dataset)` if the caller has it already.
    """
    return {
        "title": dataset.title,
        "online": online,
        "categories": {
            k: {"label": v.label, "color": v.color, "shape": v.shape} for k, v in CATEGORIES.items()
        },
        "places": [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "lat": p.lat,
                "lon": p.lon,
                "radius": p.radius_m,
                "area": draws_area(p.radius_m),
            }
            for p in dataset.places
        ],
        "links": drawable_links(dataset) if links is None else links,
    }
