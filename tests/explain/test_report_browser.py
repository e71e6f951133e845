"""Every family's report in a real browser (Debian's Chromium, tests/browser.py): it opens offline with no
console error, every image loads, every link resolves, the overview and the prediction pages link both ways,
the table counts every record, and the numbers a prediction page shows are the record's (the total and the
margin, to the digits shown)."""

from __future__ import annotations

import json

import pytest
from browser import (  # noqa: F401 (browser_driver_fixture registers the fixture)
    broken_images,
    broken_links,
    browser_driver_fixture,
    console_errors,
    external_resources,
    open_page,
)
from report_cases import CASES, exported

from explain.report.context import read_records, record_page
from explain.report.html import num

PAGES_CHECKED = 3  # prediction pages opened per family (all of them are checked on disk)


def _clean(driver, root) -> None:
    assert console_errors(driver) == []
    assert broken_images(driver) == []
    assert broken_links(driver, root) == []
    assert external_resources(driver) == []


@pytest.mark.slow
@pytest.mark.parametrize("family", list(CASES))
def test_every_familys_report_opens_and_shows_the_records_numbers(family, browser_driver):
    from selenium.webdriver.common.by import By

    root = exported(family)
    records = list(read_records(root))
    assert records, f"{family}: nothing explained"
    open_page(browser_driver, root / "index.html")
    _clean(browser_driver, root)
    status = browser_driver.find_element(By.ID, "rows-count").text
    assert f"{len(records)} in all" in status
    links = {a.get_attribute("href").split("/predictions/")[-1]
             for a in browser_driver.find_elements(By.CSS_SELECTOR, "#rows-body a")}
    assert f"predictions/{next(iter(links))}" in {record_page(r) for r in records}
    for record in records[:PAGES_CHECKED]:
        open_page(browser_driver, root / record_page(record))
        _clean(browser_driver, root)
        hrefs = [a.get_attribute("href") for a in browser_driver.find_elements(By.TAG_NAME, "a")]
        assert any(h.endswith("/index.html") for h in hrefs), "a prediction page links back to the overview"
        total = browser_driver.find_element(By.CSS_SELECTOR, "table.evidence tr.total").text
        # the total is what the rows add up to: the output, or the number a record says its parts sum to
        summed = record.get("sums_to") or record
        assert num(summed["value"]) in total
        if record.get("margin") is not None:
            assert num(summed["margin"], signed=True) in total
    open_page(browser_driver, root / "global.html")
    _clean(browser_driver, root)
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["records"] == len(records)
    largest = max(root.rglob("*.html"), key=lambda p: p.stat().st_size)
    assert largest.stat().st_size < 5e6, f"{largest} is over 5 MB"
