"""The headless-browser helpers (tests/browser.py) find exactly the problems planted in a page, and none in a good one.

The report tests rely on these helpers to say an exported report is fine; each check here is shown to fail on a bad
page as well as to pass on a good one.
"""

from __future__ import annotations

import base64
import html
import io
import os

import pytest
from browser import (  # noqa: F401  (browser_driver_fixture registers the fixture browser_driver)
    alert_text,
    broken_images,
    broken_links,
    browser,
    browser_driver_fixture,
    console_errors,
    external_links,
    external_resources,
    open_page,
    require_chromium,
    screenshot,
)
from PIL import Image


def _png_data_uri(size=(4, 3)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _page(title: str, body: str, head: str = "") -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body>{body}</body></html>")


@pytest.fixture
def report(tmp_path):
    """A two-page good report and one bad page in a report folder, as an export lays them out."""
    root = tmp_path / "report"
    (root / "units").mkdir(parents=True)
    (root / "units" / "unit_0.html").write_text(_page("unit 0", '<a href="../index.html#top">back</a>'))
    (root / "index.html").write_text(_page("good", (
        f'<h1 id="top">Report</h1><img id="inline" src="{_png_data_uri()}" alt="overlay">'
        '<a href="units/unit_0.html">unit 0</a> <a href="units/unit_0.html?view=1#evidence">evidence</a>'
        ' <a href="#top">top</a>')))
    (root / "bad.html").write_text(_page("bad", (
        '<img src="missing.png" alt="gone"><a href="units/unit_9.html#x">dead</a>'
        ' <a href="https://example.com/docs">docs</a><script>console.error("boom")</script>'),
        head='<script src="http://cdn.example.com/lib.js"></script>'))
    return root


def test_a_good_page_has_no_problems(browser_driver, report):
    url = open_page(browser_driver, report / "index.html")
    assert url == (report / "index.html").as_uri()
    assert browser_driver.title == "good"
    assert browser_driver.execute_script("return document.getElementById('inline').naturalWidth") == 4
    assert console_errors(browser_driver) == []
    assert broken_images(browser_driver) == []
    assert broken_links(browser_driver, report) == []
    assert external_links(browser_driver) == []
    assert external_resources(browser_driver) == []
    assert alert_text(browser_driver) is None


def test_a_bad_page_shows_exactly_the_planted_problems(browser_driver, report):
    open_page(browser_driver, report / "bad.html")
    errors = console_errors(browser_driver)
    assert len(errors) == 3, errors
    assert any("missing.png" in e and "ERR_FILE_NOT_FOUND" in e for e in errors), errors
    assert any("cdn.example.com/lib.js" in e for e in errors), errors  # no DNS in the test browser: fails at once
    assert any('"boom"' in e for e in errors), errors
    assert console_errors(browser_driver) == errors  # reading them does not lose them
    assert broken_images(browser_driver) == ["missing.png"]
    assert broken_links(browser_driver, report) == ["units/unit_9.html#x"]
    assert external_links(browser_driver) == ["https://example.com/docs"]
    assert external_resources(browser_driver) == ["http://cdn.example.com/lib.js"]

    open_page(browser_driver, report / "index.html")  # the next page starts clean
    assert console_errors(browser_driver) == []


def test_more_ways_a_page_can_break(browser_driver, tmp_path):
    root = tmp_path / "report"
    root.mkdir()
    (tmp_path / "outside.html").write_text(_page("outside", ""))
    (root / "not_an_image.png").write_text("plain text")
    (root / "page.html").write_text(_page("more", (
        '<img src="not_an_image.png"><img loading="lazy" style="margin-top:5000px" src="lazy_missing.png">'
        '<object data="missing.svg"></object><a href="../outside.html">escapes the folder</a>'
        '<a href="//cdn.example.com/x.html">protocol-relative</a><a href="mailto:a@b.c">mail</a>'
        '<div style="background:url(https://cdn.example.com/bg.png)">x</div>'
        '<img srcset="https://cdn.example.com/a.png 2x">'
        '<script>undefined_function()</script>')))
    open_page(browser_driver, root / "page.html")
    assert broken_images(browser_driver) == ["not_an_image.png", "lazy_missing.png", "https://cdn.example.com/a.png",
                                             "missing.svg"]
    assert broken_links(browser_driver, root) == ["../outside.html", "//cdn.example.com/x.html"]
    assert external_links(browser_driver) == ["mailto:a@b.c"]
    assert sorted(external_resources(browser_driver)) == ["https://cdn.example.com/a.png",
                                                          "https://cdn.example.com/bg.png"]
    assert any("undefined_function is not defined" in e for e in console_errors(browser_driver))


def test_escaped_markup_is_shown_as_text_and_runs_nothing(browser_driver, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    hostile = "<img src=x onerror=alert(1)>"
    (tmp_path / "escaped.html").write_text(_page("escaped", f'<p id="name">{html.escape(hostile)}</p>'))
    open_page(browser_driver, tmp_path / "escaped.html")
    assert browser_driver.find_element(By.ID, "name").text == hostile
    assert browser_driver.find_elements(By.CSS_SELECTOR, "#name img") == []
    with pytest.raises(NoAlertPresentException):
        browser_driver.switch_to.alert  # noqa: B018  (the property raises when no dialog is open)
    assert console_errors(browser_driver) == []

    # The same text unescaped does run: the check above can fail.
    (tmp_path / "raw.html").write_text(_page("raw", f'<p id="name">{hostile}</p>'))
    open_page(browser_driver, tmp_path / "raw.html")
    assert alert_text(browser_driver) == "1"
    assert alert_text(browser_driver) is None  # dismissed; the next open_page starts clean as well


def test_screenshot_is_full_page_and_restores_the_window(browser_driver, tmp_path):
    (tmp_path / "tall.html").write_text(_page("tall", '<div style="height:3000px;background:#39c">tall</div>',
                                              head="<style>body{margin:0}</style>"))
    open_page(browser_driver, tmp_path / "tall.html")
    before = browser_driver.get_window_size()
    with Image.open(screenshot(browser_driver, tmp_path / "shots" / "tall.png")) as png:
        assert png.size == (1280, 3000)
    assert browser_driver.get_window_size() == before

    (tmp_path / "huge.html").write_text(_page("huge", '<div style="height:20000px">huge</div>'))
    open_page(browser_driver, tmp_path / "huge.html")
    with Image.open(screenshot(browser_driver, tmp_path / "huge.png", max_height=2000)) as png:
        assert png.size == (1280, 2000)


def test_browser_starts_offline_without_selenium_manager_and_cleans_up(monkeypatch, tmp_path):
    """A fresh browser() (under the conftest network guard): chromedriver on localhost is allowed, selenium-manager
    (which would download a browser) never runs, and the temporary profile is gone afterwards."""
    from selenium.webdriver.common.selenium_manager import SeleniumManager

    require_chromium()

    def refuse(*args, **kwargs):
        raise AssertionError("selenium-manager must not run")

    monkeypatch.setattr(SeleniumManager, "binary_paths", refuse)
    (tmp_path / "p.html").write_text(_page("p", "<p>hi</p>"))
    with browser(window=(800, 600)) as driver:
        profile = driver.capabilities["chrome"]["userDataDir"]
        assert os.path.isdir(profile)
        open_page(driver, tmp_path / "p.html")
        assert driver.execute_script("return innerWidth") == 800
        assert driver.execute_script("return navigator.webdriver") is True
    assert not os.path.exists(profile)


def test_missing_chromium_fails_with_the_install_command_unless_skipped(monkeypatch):
    import browser as harness

    monkeypatch.setattr(harness, "CHROMEDRIVER", "/nonexistent/chromedriver")
    assert not harness.chromium_available()
    monkeypatch.delenv("ZOO_SKIP_BROWSER", raising=False)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium chromium-driver"):
        harness.require_chromium()
    monkeypatch.setenv("ZOO_SKIP_BROWSER", "1")
    with pytest.raises(pytest.skip.Exception, match="ZOO_SKIP_BROWSER=1"):
        harness.require_chromium()
