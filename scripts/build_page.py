"""Build the map page (viewer/web/page.html) with Folium from the basemap in assets/.

    .venv/bin/python scripts/build_page.py [--check]

Run it after changing viewer/mapbuilder.py or assets/basemap/. The page holds no data
from a dataset, so the app ships it built and never imports Folium to start.
`--check` exits 1 if the committed page is not what the builder makes now
(tests/test_page_shell.py checks the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from viewer.mapbuilder import build_shell_html  # noqa: E402
from viewer.paths import basemap_dir, shell_page  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    html = build_shell_html(basemap_dir())
    target = shell_page()
    if args.check:
        same = target.is_file() and target.read_text(encoding="utf-8") == html
        print(f"{target}: {'up to date' if same else 'OUT OF DATE: run scripts/build_page.py'}")
        return 0 if same else 1
    target.write_text(html, encoding="utf-8", newline="\n")
    print(f"wrote {target} ({len(html.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
