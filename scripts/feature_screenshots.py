"""Screenshots of the reading features for the README: the source reader at a quote,
the disagreements view, and a traced cause-and-effect chain.

Run: xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/feature_screenshots.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from viewer.app import create_application

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def main() -> int:
    app = create_application(sys.argv)
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from viewer.dataset import load_dataset
    from viewer.paths import default_dataset
    from viewer.window import MainWindow

    settings = QSettings("EmbassyCrisisAtlas", "screenshots")
    settings.clear()
    window = MainWindow(load_dataset(default_dataset()), settings=settings)
    window.resize(1440, 900)
    window.show()
    loop = QEventLoop()
    window.ready.connect(loop.quit)
    loop.exec()

    def pause(ms: int) -> None:
        wait = QEventLoop()
        QTimer.singleShot(ms, wait.quit)
        wait.exec()

    def shot(name: str, *steps: Callable[[], None]) -> None:
        for step in steps:
            step()
            pause(800)  # the page applies and paints; the detail panel settles
        window.grab().save(str(OUT / f"{name}.png"))
        print(OUT / f"{name}.png")

    event = window.index.by_id["reception-area-stormed"]

    def reader() -> None:
        citation = next((c for c in event.citations if c.source == "nyt"), event.citations[0])
        window.open_source(citation.source, citation.start, citation.end)

    def disagreements() -> None:
        window.time_state.go_to_event(window.index.by_id["us-strikes-kataib-hezbollah"])
        window.tabs.setCurrentWidget(window.disagreements)

    def trace() -> None:
        window.time_state.go_to_event(window.index.by_id["iran-missiles-al-asad"])
        window.set_trace("embassy-siege")

    shot("reader", lambda: window.time_state.go_to_event(event), reader)
    shot("disagreements", disagreements)
    shot("trace", trace)
    window.close()
    app.quit()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
