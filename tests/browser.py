"""Headless-Chromium helpers for browser tests of the HTML explanation report (a helper module, not a test file).

Reports are opened the way a user opens them: offline, from a ``file://`` URL, in Debian's ``chromium`` driven by
its ``chromedriver`` (both at fixed paths; selenium-manager never runs and nothing is downloaded). Chromium is
started with host resolution switched off (``--host-resolver-rules``), so a report that needs the network fails
here exactly as it would for a user without one.

Use it like ``tests/helpers.py`` (``tests/`` is on ``sys.path``)::

    from browser import broken_images, browser_driver_fixture, console_errors, open_page  # noqa: F401 (fixture)

    def test_report_opens(browser_driver, tmp_path):  # the fixture's name is browser_driver
        open_page(browser_driver, tmp_path / "index.html")
        assert console_errors(browser_driver) == []

Importing ``browser_driver_fixture`` registers the fixture ``browser_driver`` in the test module (the two names
differ so that ruff does not take the test's argument for a redefinition of the import). It is one Chromium shared
by the whole session (start-up takes a second or two); ``open_page`` puts it back in a clean state (no open
dialog, default window size, no buffered console messages) before each page.
Without Chromium the fixture fails with the install command; ``ZOO_SKIP_BROWSER=1`` turns that into a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pytest

CHROMIUM = os.environ.get("ZOO_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ZOO_CHROMEDRIVER", "/usr/bin/chromedriver")
WINDOW = (1280, 900)
SCREENSHOT_MAX_HEIGHT = 6000
INSTALL_HINT = "apt-get install -y chromium chromium-driver  (make test does this when they are missing)"

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    # No DNS at all: an http(s) reference fails at once (no waiting on a resolver) and nothing leaves the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
)

# Resolved URL schemes that stay on this machine; an <a> with any other scheme (http, https, mailto, ...) is external.
_LOCAL_SCHEMES = ("file", "data", "blob", "about", "javascript")


def chromium_available() -> bool:
    """True when both the Chromium binary and chromedriver are installed (executable at CHROMIUM / CHROMEDRIVER)."""
    return all(os.path.isfile(p) and os.access(p, os.X_OK) for p in (CHROMIUM, CHROMEDRIVER))


@contextlib.contextmanager
def browser(window: tuple[int, int] = WINDOW) -> Iterator:
    """Start a headless Chromium (fresh temporary profile, console log capture on); quit it and delete the profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not chromium_available():
        raise RuntimeError(f"Chromium/chromedriver not found at {CHROMIUM} / {CHROMEDRIVER}: {INSTALL_HINT}")
    os.environ.setdefault("SE_OFFLINE", "true")  # belt and braces: selenium-manager must never download anything
    profile = tempfile.mkdtemp(prefix="zoo-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Leave dialogs open so a test can see them (the default dismisses them and only raises on the next command).
    options.set_capability("unhandledPromptBehavior", "ignore")
    with warnings.catch_warnings():  # deprecated spelling, still the one that keeps localhost off HTTP(S)_PROXY
        warnings.simplefilter("ignore", DeprecationWarning)
        options.ignore_local_proxy_environment_variables()
    service = Service(executable_path=CHROMEDRIVER, log_output=subprocess.DEVNULL)
    driver = None
    try:
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        driver.set_window_size(*window)
        driver._zoo_window = window  # what open_page restores after a screenshot resized it
        yield driver
    finally:
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# One Chromium for the whole session, however many test modules import the fixture (each import makes pytest
# register its own session-scoped fixture; they all share this one and the last to finish closes it).
_shared: dict = {"cm": None, "driver": None, "users": 0}


def _shared_driver():
    if _shared["driver"] is None:
        cm = browser()
        _shared["driver"] = cm.__enter__()
        _shared["cm"] = cm
    _shared["users"] += 1
    return _shared["driver"]


def _release_shared_driver() -> None:
    _shared["users"] -= 1
    if _shared["users"] <= 0 and _shared["cm"] is not None:
        cm, _shared["cm"], _shared["driver"], _shared["users"] = _shared["cm"], None, None, 0
        cm.__exit__(None, None, None)


def require_chromium() -> None:
    """Fail the calling test with the install command when Chromium is missing; skip instead if ZOO_SKIP_BROWSER=1."""
    if chromium_available():
        return
    message = f"Chromium/chromedriver not found at {CHROMIUM} / {CHROMEDRIVER}; install with: {INSTALL_HINT}"
    if os.environ.get("ZOO_SKIP_BROWSER") == "1":
        pytest.skip(f"ZOO_SKIP_BROWSER=1: {message}")
    pytest.fail(message + "  (or set ZOO_SKIP_BROWSER=1 to skip browser tests)", pytrace=False)


@pytest.fixture(scope="session", name="browser_driver")
def browser_driver_fixture():
    """Session-wide headless Chromium webdriver; fails (skips with ZOO_SKIP_BROWSER=1) when Chromium is missing."""
    require_chromium()
    driver = _shared_driver()
    try:
        yield driver
    finally:
        _release_shared_driver()


# ----------------------------------------------------------------------------------------------------------- pages

_logs: dict[str, list[dict]] = {}  # session id -> console entries since the last open_page


def _drain_log(driver) -> list[dict]:
    entries = _logs.setdefault(driver.session_id, [])
    entries.extend(driver.get_log("browser"))
    return entries


def alert_text(driver) -> str | None:
    """Text of an open alert/confirm/prompt dialog, dismissing it; None when no dialog is open."""
    from selenium.common.exceptions import NoAlertPresentException

    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        return text
    except NoAlertPresentException:
        return None


def open_page(driver, path: str | os.PathLike, timeout: float = 30) -> str:
    """Load a local file as a file:// URL and wait for document.readyState == "complete"; returns the URL.

    Resets the driver first (dismisses a dialog left open, restores the window size, forgets console messages).
    If the page opens a dialog while loading, waiting stops there and the dialog is left open for alert_text().
    """
    from selenium.common.exceptions import UnexpectedAlertPresentException
    from selenium.webdriver.support.ui import WebDriverWait

    file = Path(path).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"no page to open at {file}")
    while alert_text(driver) is not None:
        pass
    window = getattr(driver, "_zoo_window", WINDOW)
    size = driver.get_window_size()
    if (size["width"], size["height"]) != tuple(window):
        driver.set_window_size(*window)
    _drain_log(driver).clear()
    url = file.as_uri()
    try:
        driver.get(url)
        WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")
    except UnexpectedAlertPresentException:
        pass  # a dialog is open: the caller asks alert_text()
    return url


def console_errors(driver) -> list[str]:
    """SEVERE browser-console messages (uncaught errors, console.error, failed loads) since open_page.

    Requests for favicon.ico are ignored. Calling it twice returns the same messages (plus any new ones).
    """
    entries = _drain_log(driver)
    return [e["message"] for e in entries if e.get("level") == "SEVERE" and "favicon.ico" not in e["message"]]


_BROKEN_IMAGES_JS = """
const done = arguments[arguments.length - 1];
const imgs = Array.from(document.images);
imgs.forEach(img => { if (img.loading === 'lazy') img.loading = 'eager'; });  // below the fold still counts
Promise.allSettled(imgs.map(img => img.decode())).then(results => done(results.map((r, i) => {
  const img = imgs[i];
  const ok = r.status === 'fulfilled' && img.complete && img.naturalWidth > 0;
  return ok ? null : (img.getAttribute('src') || img.currentSrc || img.getAttribute('srcset') || '');
}).filter(s => s !== null)));
"""

_EMBEDS_JS = """
return Array.from(document.querySelectorAll('object[data], embed[src]')).map(e =>
  [e.tagName === 'OBJECT' ? e.getAttribute('data') : e.getAttribute('src'),
   e.tagName === 'OBJECT' ? e.data : e.src]);
"""


def _local_file(url: str) -> Path | None:
    """The path a file: URL names (query and fragment dropped); None for any other URL or a file URL with a host."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(unquote(parts.path)))


def broken_images(driver) -> list[str]:
    """src of every <img> that did not load (decode fails, not complete, or naturalWidth 0), in document order.

    An <img> without src is named by the URL it tried (currentSrc) or its srcset.

    Also lists the data/src of <object>/<embed> elements whose file: target is missing on disk (their load failure
    cannot be seen from script under file://) or that point off this machine.
    """
    broken = list(driver.execute_async_script(_BROKEN_IMAGES_JS))
    for raw, resolved in driver.execute_script(_EMBEDS_JS):
        if urlsplit(resolved).scheme == "data":
            continue
        local = _local_file(resolved)
        if local is None or not local.exists():
            broken.append(raw)
    return broken


_ANCHORS_JS = "return Array.from(document.querySelectorAll('a[href]')).map(a => [a.getAttribute('href'), a.href]);"


def broken_links(driver, root: str | os.PathLike) -> list[str]:
    """href of every <a> whose local (relative or file:) target is missing on disk or lies outside root.

    ?query and #fragment are dropped before the check; a file:// URL with a host counts as broken. root is the
    report folder: a link out of it would break once the folder is copied elsewhere. http(s), mailto and other
    non-local schemes are not checked here: see external_links().
    """
    root = Path(root).resolve()
    broken = []
    for raw, resolved in driver.execute_script(_ANCHORS_JS):
        if urlsplit(resolved).scheme != "file":
            continue  # data:, javascript:, about: name no file; http(s), mailto, ... are external_links()
        local = _local_file(resolved)
        if local is None:
            broken.append(raw)
            continue
        local = local.resolve()
        if not local.exists() or not local.is_relative_to(root):
            broken.append(raw)
    return broken


def external_links(driver) -> list[str]:
    """href of every <a> that leaves the machine (http, https, mailto, ...: any scheme but file/data/blob/about/js)."""
    return [raw for raw, resolved in driver.execute_script(_ANCHORS_JS)
            if urlsplit(resolved).scheme not in _LOCAL_SCHEMES]


_EXTERNAL_RESOURCES_JS = """
const remote = /^\\s*(https?:)?\\/\\//i;   // http://, https:// and protocol-relative //host
const found = [];
const add = v => { if (v && remote.test(v) && !found.includes(v.trim())) found.push(v.trim()); };
const attrs = [['script', 'src'], ['link', 'href'], ['img', 'src'], ['source', 'src'], ['iframe', 'src'],
               ['video', 'src'], ['video', 'poster'], ['audio', 'src'], ['track', 'src'], ['object', 'data'],
               ['embed', 'src'], ['input', 'src'], ['image', 'href'], ['use', 'href'], ['image', 'xlink:href'],
               ['use', 'xlink:href']];
for (const el of document.querySelectorAll('*')) {
  const tag = el.tagName.toLowerCase();
  for (const [t, a] of attrs) if (t === tag) add(el.getAttribute(a));
  for (const a of ['srcset', 'imagesrcset'])
    if (el.hasAttribute(a)) el.getAttribute(a).split(',').forEach(c => add(c.trim().split(/\\s+/)[0]));
}
const urlsIn = text => (text.match(/url\\(\\s*['"]?[^'")]+/gi) || [])
  .concat(text.match(/@import\\s+['"][^'"]+/gi) || [])
  .map(m => m.replace(/^url\\(\\s*['"]?|^@import\\s+['"]/i, ''));
for (const el of document.querySelectorAll('[style]')) urlsIn(el.getAttribute('style')).forEach(add);
for (const el of document.querySelectorAll('style')) urlsIn(el.textContent).forEach(add);
for (const sheet of document.styleSheets) {
  try { for (const rule of sheet.cssRules) urlsIn(rule.cssText).forEach(add); } catch (e) { /* other file: origin */ }
}
performance.getEntriesByType('resource').forEach(e => add(e.name));
return found;
"""


def external_resources(driver) -> list[str]:
    """URLs the page loads (or tries to) from http(s) or //host: script/link/img/media/iframe/object sources,
    srcset candidates, CSS url()/@import in style attributes and sheets, and the resource-timing entries.

    An offline report must have none.
    """
    return list(driver.execute_script(_EXTERNAL_RESOURCES_JS))


def screenshot(driver, path: str | os.PathLike, max_height: int = SCREENSHOT_MAX_HEIGHT) -> Path:
    """Save a full-page PNG: the page area grows to the page height (at most max_height px), then is restored."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = driver.get_window_size()
    height, frame = driver.execute_script(
        "return [Math.max(document.body ? document.body.scrollHeight : 0, document.documentElement.scrollHeight),"
        " window.outerHeight - window.innerHeight]")  # the window is taller than the page area it shows
    driver.set_window_size(size["width"], max(min(int(height), max_height), 1) + max(int(frame), 0))
    try:
        if not driver.save_screenshot(str(path)):
            raise RuntimeError(f"could not save a screenshot to {path}")
    finally:
        driver.set_window_size(size["width"], size["height"])
    return path
