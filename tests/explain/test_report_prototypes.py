"""The report of the prototype networks (ProtoPNet, the prototype autoencoder, Prob-PSENN) and the linear baseline,
on their shipped releases (``report_cases``): what a page says must be what the numbers are.

* ProtoPNet: background prototypes flagged (criterion in the global explanation, a badge wherever the prototype is
  drawn), the source image drawn beside the patch, patches never out of proportion, the score named for what it
  is (the log-similarity of Sec. 2.1), and rows on screen that add up to the total on screen;
* the prototype autoencoder: the score is a squared distance everywhere it is shown, the picture is called a
  decoded prototype, and no map is drawn over the image (its latent cells each see most of it);
* Prob-PSENN: the record holds the Monte Carlo mean logit the contributions add up to, the seed and the number
  of samples; the total row shows that sum, the mean probability is shown apart; entropies carry their unit;
* the linear baseline declares what its unit score is.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import torch
from browser import browser_driver_fixture, open_page  # noqa: F401 (browser_driver_fixture registers the fixture)
from PIL import Image
from report_cases import exported

from explain.images import BACKGROUND_TOLERANCE, is_background_patch
from explain.report.context import read_records, record_page
from explain.report.html import num
from models.explanation import record_sums_to_gaps

FAMILIES = ("protopnet", "prototype_ae", "prob_psenn", "linear_baseline")


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _visible_text(html: str) -> str:
    """A page's words as a reader sees them: no tags, no attributes, no raw record (it is folded away)."""
    html = re.sub(r"<details><summary>as exported.*?</details>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# ---- the declarations reach the manifest ---------------------------------------------------------------------
def test_each_family_declares_what_its_unit_score_is():
    expected = {"protopnet": ("log-similarity", False), "prototype_ae": ("squared distance", True),
                "prob_psenn": ("mean squared distance", True), "linear_baseline": ("mean channel activation", False)}
    for family, (name, distance) in expected.items():
        score = _json(exported(family) / "manifest.json")["unit_score"]
        assert (score["name"], score["distance"]) == (name, distance), family
        assert score["about"], f"{family}: the reader is told what a high or a low score means"


# ---- ProtoPNet ---------------------------------------------------------------------------------------------
def test_background_patches_are_recognised_by_the_documented_criterion():
    image = torch.zeros(1, 28, 28)
    image[0, 10:20, 12:14] = 1.0  # a stroke
    assert is_background_patch(image, (0, 8, 0, 8))
    assert not is_background_patch(image, (8, 16, 8, 16))
    image[0, 0:4, 0:4] = BACKGROUND_TOLERANCE / 2  # faint noise is still background
    assert is_background_patch(image, (0, 8, 0, 8))
    white = 1 - image  # the background level is the border's, whatever its colour
    assert is_background_patch(white, (0, 8, 0, 8)) and not is_background_patch(white, (8, 16, 8, 16))


def test_protopnet_background_prototypes_are_flagged_in_the_global_explanation():
    root = exported("protopnet")
    explanation = _json(root / "global_explanation.json")
    assert "no foreground pixel" in explanation["details"]["background_criterion"]
    flags = {u["index"]: u["details"]["background"] for u in explanation["units"]}
    assert len(flags) == 300 and sum(flags.values()) == 47  # the count on protopnet_small.mnist5k
    index = {e["unit"]: e for e in _json(root / "units" / "index.json")}
    for unit, background in flags.items():
        assert index[unit]["background"] == background
        # the drawn patch agrees: MNIST's background is 0, so a background patch has no pixel above the tolerance
        patch = np.asarray(Image.open(root / "units" / index[unit]["png"]).convert("L"), dtype=np.float64) / 255
        assert (patch.max() <= BACKGROUND_TOLERANCE + 1 / 255) == background, unit


def test_protopnet_score_is_the_log_similarity_of_the_closest_patch():
    root = exported("protopnet")
    for record in read_records(root):
        for e in record["evidence"]:
            d = e["details"]["distance"]
            assert e["score"] == pytest.approx(math.log((d + 1) / (d + 1e-4)), rel=1e-4, abs=1e-5)
        page = (root / record_page(record)).read_text()
        assert "<th>log-similarity</th>" in page and "log((d + 1) / (d + 0.0001))" in page
        assert "activation</th>" not in page
    index = (root / "index.html").read_text()
    assert "<td>log-similarity</td>" in index  # the model card


# ---- the prototype autoencoder -----------------------------------------------------------------------------
def test_autoencoder_pages_call_the_score_a_distance_and_draw_no_map():
    root = exported("prototype_ae")
    assert not (root / "overlays").exists(), "a 2 x 2 latent grid is no map of the image: nothing is drawn on it"
    for record in read_records(root):
        assert "overlays" not in record.get("assets", {})
        page = (root / record_page(record)).read_text()
        assert "<th>squared distance (lower = closer)</th>" in page and "<th>decoded prototype</th>" in page
        assert "no map over the image" in page.lower()
        words = _visible_text(page).lower()
        for misleading in ("similar", "activation", "looks like"):
            assert misleading not in words, misleading
    global_page = (root / "global.html").read_text()
    assert "lowest weight (closeness favours)" in global_page and "strongest weight" not in global_page
    assert 'alt="prototype 2: decoded prototype"' in global_page


# ---- Prob-PSENN ----------------------------------------------------------------------------------------------
def test_prob_psenn_record_holds_the_mean_logit_its_contributions_add_up_to_and_the_sampling():
    root = exported("prob_psenn")
    options = _json(root / "manifest.json")["card"].get("model_args") or {}
    for record in read_records(root):
        sums_to = record["sums_to"]
        assert sums_to["name"] == "Monte Carlo mean logit" and len(sums_to["outputs"]) == 10
        value_gap, margin_gap = record_sums_to_gaps(record)
        assert value_gap <= 1e-4 * max(1, abs(sums_to["value"]))
        assert margin_gap <= 1e-4 * max(1, abs(sums_to["margin"]))
        assert sums_to["value"] == pytest.approx(sums_to["outputs"][record["explained_class"]])
        assert sums_to["margin"] == pytest.approx(sums_to["value"] - sums_to["outputs"][record["runner_up"]])
        uncertainty = record["uncertainty"]
        assert uncertainty["seed"] == 0 and uncertainty["samples"] == options.get("eval_samples", 32)
        assert uncertainty["entropy_unit"] == "nats"


def test_prob_psenn_total_row_shows_the_sum_of_the_rows_and_the_mean_probability_apart():
    root = exported("prob_psenn")
    for record in read_records(root):
        page = (root / record_page(record)).read_text()
        total = re.search(r'<tr class="total">(.*?)</tr>', page, re.S).group(1)
        sums_to = record["sums_to"]
        assert "Monte Carlo mean logit of" in total
        assert f">{num(sums_to['value'])}<" in total and f">{num(sums_to['margin'], signed=True)}<" in total
        assert "mean probability" not in total and f">{num(record['value'])}<" not in total
        shown_apart = re.search(r'<span class="output-value">(.*?)</span></span>', page, re.S).group(1)
        assert 'title="mean probability"' in shown_apart and f">{num(record['value'])}" in shown_apart
        assert "<th>part of the Monte Carlo mean logit of" in page


def test_prob_psenn_entropies_carry_their_unit_and_the_seed_is_shown():
    root = exported("prob_psenn")
    for record in read_records(root):
        page = (root / record_page(record)).read_text()
        section = page[page.index('<section id="uncertainty">'):]
        section = section[:section.index("</section>")]
        for key in ("predictive", "aleatoric", "epistemic"):
            assert re.search(rf"{key}[^<]*\(nats\)</th><td><span[^>]*>{re.escape(num(record['uncertainty'][key]))}"
                             rf"</span> nats</td>", section), key
        assert "<th>Monte Carlo seed</th><td>0</td>" in section
        assert f"<th>Monte Carlo samples</th><td>{record['uncertainty']['samples']}</td>" in section


def test_prob_psenn_overview_shows_the_uncertainty_of_right_and_wrong_predictions():
    root = exported("prob_psenn")
    assert 'src="plots/uncertainty.png"' in (root / "index.html").read_text()
    assert (root / "plots" / "uncertainty.png").stat().st_size > 0


def test_prob_psenn_global_page_draws_the_decoded_samples():
    root = exported("prob_psenn")
    page = (root / "global.html").read_text()
    for unit in range(10):
        assert f'src="plots/prototype_{unit}_samples.png"' in page
        assert (root / "plots" / f"prototype_{unit}_samples.png").is_file()
    assert "lowest weight (closeness favours)" in page


def test_prototype_matrices_are_labelled_by_what_their_rows_and_columns_are():
    for family, caption in (("protopnet", "last_layer (10x300: rows classes, columns prototypes)"),
                            ("prototype_ae", "last_layer (15x10: rows prototypes, columns classes)")):
        assert caption in (exported(family) / "global.html").read_text()


# ---- in the browser ----------------------------------------------------------------------------------------
def _displayed_number(text: str) -> tuple[float, float]:
    """(value, half the unit of its last digit shown): how far the shown number may be from the true one."""
    text = text.strip().replace("−", "-")
    value = Decimal(text)
    return float(value), 0.5 * 10.0 ** value.as_tuple().exponent


_COLUMN_JS = """
const table = document.querySelector("table.evidence");
const heads = Array.from(table.querySelectorAll("thead th")).map(th => th.textContent);
const rows = Array.from(table.querySelectorAll("tbody tr"));
return [heads, rows.map(tr => [tr.className, Array.from(tr.children).map(td => {
    const n = td.querySelector("span.n"); return n ? n.textContent : null; })])];
"""


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_the_rows_on_screen_add_up_to_the_total_on_screen(family, browser_driver):
    """Read back from the page as drawn: the parts shown (units, grouped remainders, bias) add up to the total row,
    in the output column and in the margin column, within the rounding of the digits shown."""
    root = exported(family)
    for record in list(read_records(root))[:3]:
        open_page(browser_driver, root / record_page(record))
        heads, rows = browser_driver.execute_script(_COLUMN_JS)
        columns = [i for i, h in enumerate(heads) if h.startswith("part of the")]
        assert len(columns) == 2, heads
        for column in columns:
            parts = [_displayed_number(cells[column]) for cls, cells in rows if cls != "total"]
            total, total_error = _displayed_number(next(cells[column] for cls, cells in rows if cls == "total"))
            tolerance = sum(e for _, e in parts) + total_error
            assert abs(math.fsum(v for v, _ in parts) - total) <= tolerance * (1 + 1e-9), (family, heads[column])


@pytest.mark.slow
def test_protopnet_patches_keep_their_proportions_and_sources_are_drawn_beside_them(browser_driver):
    from selenium.webdriver.common.by import By

    root = exported("protopnet")
    pages = [root / record_page(r) for r in list(read_records(root))[:3]] + [root / "global.html"]
    for page in pages:
        open_page(browser_driver, page)
        pictures = browser_driver.execute_script("""
            return Array.from(document.querySelectorAll("img.unit-picture")).map(i => {
              const source = i.closest("td, div.proto").querySelector("img.unit-source");
              return [i.getAttribute("src"), i.naturalWidth, i.naturalHeight, i.clientWidth, i.clientHeight,
                      source ? [source.getAttribute("src"), source.naturalWidth, source.clientWidth] : null];
            });""")
        assert pictures, page
        for src, natural_w, natural_h, shown_w, shown_h, source in pictures:
            assert natural_w and natural_h and shown_w and shown_h, src
            assert max(shown_w, shown_h) >= 64, src  # drawn large enough to see
            # the displayed shape is the patch's, within the browser's rounding of each side to a whole pixel
            assert abs(shown_w * natural_h - shown_h * natural_w) <= 0.5 * (natural_w + natural_h), (
                src, natural_w, natural_h, shown_w, shown_h)
            unit = re.search(r"unit_(\d+)\.png", src).group(1)
            assert source is not None and source[0].endswith(f"unit_{unit}_source.png"), src
            assert source[1] > 0 and source[2] > 0, f"{source[0]} is drawn, not only linked"
        assert not browser_driver.find_elements(By.LINK_TEXT, "source"), "the source is an image, not a link"


@pytest.mark.slow
def test_protopnet_background_prototypes_carry_a_badge_wherever_they_are_drawn(browser_driver):
    root = exported("protopnet")
    explanation = _json(root / "global_explanation.json")
    background = {u["index"] for u in explanation["units"] if u["details"].get("background")}
    open_page(browser_driver, root / "global.html")
    badged = browser_driver.execute_script("""
        return Array.from(document.querySelectorAll("#prototypes_by_class div.proto")).map(d =>
          [Number(d.dataset.unit), d.querySelector('[data-flag="background"]') !== null]);""")
    assert len(badged) == 300 and {u for u, b in badged if b} == background
    table = browser_driver.execute_script("""
        return Array.from(document.querySelectorAll("#units tbody tr")).map(tr =>
          [Number(tr.children[0].textContent), tr.querySelector('[data-flag="background"]') !== null]);""")
    assert {u for u, b in table if b} == background
    assert browser_driver.execute_script("return document.getElementById('background-count').textContent") == "47"
    seen = 0
    for record in read_records(root):
        open_page(browser_driver, root / record_page(record))
        rows = browser_driver.execute_script("""
            return Array.from(document.querySelectorAll("table.evidence tbody tr")).map(tr =>
              [tr.children[0].textContent, tr.querySelector('[data-flag="background"]') !== null]);""")
        for name, badge in rows:
            found = re.match(r"prototype (\d+) ", name)
            if found:
                assert badge == (int(found.group(1)) in background), name
                seen += badge
    assert seen, "the shipped exports show at least one background prototype on a prediction page"
