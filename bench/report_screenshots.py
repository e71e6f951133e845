"""The report's screenshots in docs/report/: each family's first prediction page (and the overview of one),
taken in headless Chromium from the same exports the browser tests use (tests/explain/report_cases.py).

    .venv/bin/python bench/report_screenshots.py [--only protopnet cem ...]

Needs Debian's chromium and chromium-driver (as the browser tests do)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "explain")]

from browser import browser, open_page, screenshot  # noqa: E402
from report_cases import CASES, exported  # noqa: E402

from explain.report.context import read_records, record_page  # noqa: E402

HEIGHT = 1800  # px of each page kept


def shrink(path: Path) -> None:
    """A palette PNG: a page's few colours fit in 256, at a third of the size (the repository keeps these)."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=sorted(CASES))
    parser.add_argument("--out", default=str(ROOT / "docs" / "report"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with browser() as driver:
        for name in args.only or CASES:
            root = exported(name)
            first = next(read_records(root))
            open_page(driver, root / record_page(first))
            shrink(screenshot(driver, out / f"{name}.png", max_height=HEIGHT))
            if name == "protopnet":
                open_page(driver, root / "index.html")
                shrink(screenshot(driver, out / "overview.png", max_height=HEIGHT))
            print(f"{name}: {out / (name + '.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
