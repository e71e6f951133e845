"""The classification-by-components pages (shallow robust CBC / RBF, deep CBC / RBF), from the shipped releases:
the outputs are agreements and no page calls them probabilities; each component's reasoning for the explained
class and the runner-up is on the page; a component that was not detected gets no map and is marked absent; the
deep models' components have pictures; the global page labels the reasoning matrices and draws the certified
accuracy against the radius from the records."""

from __future__ import annotations

import json
import math

import pytest
from browser import (  # noqa: F401 (browser_driver_fixture registers the fixture)
    broken_images,
    browser_driver_fixture,
    console_errors,
    open_page,
)
from report_cases import exported

from explain.report.context import read_records, record_page
from explain.report.html import num

pytestmark = pytest.mark.slow


def _json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _text(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).text


def _agreement_parts(section: dict, prefix: str) -> list[float]:
    d = section["detection"]
    return [d[i] * section[prefix + "positive"][i] + (1 - d[i]) * section[prefix + "negative"][i]
            for i in range(len(d))]


# ---- robust CBC: agreements, reasoning, the certificate of a wrong prediction ---------------------------------
def test_cbc_outputs_are_labelled_agreements_and_never_probabilities(browser_driver):
    from selenium.webdriver.common.by import By

    root = exported("robust_cbc")
    manifest = _json(root / "manifest.json")
    assert manifest["output_label"] == "agreement" and manifest["output_is_distribution"] is False
    records = list(read_records(root))
    assert all("probability" not in t for r in records for t in r["top"])  # the JSONL derives none either
    assert sum(t["output"] for t in records[0]["top"]) > 1  # the five highest agreements alone exceed 1

    open_page(browser_driver, root / "index.html")
    headers = [th.text for th in browser_driver.find_elements(By.CSS_SELECTOR, "table.predictions th")]
    assert "agreement" in headers and not any("probab" in h.lower() for h in headers)
    for row in browser_driver.find_elements(By.CSS_SELECTOR, "#rows-body tr"):
        assert len(row.find_elements(By.TAG_NAME, "td")) == len(headers)  # no stray probability cell
    first = browser_driver.find_elements(By.CSS_SELECTOR, "#rows-body tr")[0].find_elements(By.TAG_NAME, "td")
    assert first[headers.index("agreement")].text == num(records[0]["value"])

    record = records[0]
    open_page(browser_driver, root / record_page(record))
    assert console_errors(browser_driver) == []
    verdict = _text(browser_driver, "#prediction")
    assert "probab" not in verdict.lower()
    runner = manifest["class_names"][record["runner_up"]]
    assert f"(agreement {num(record['value'], 3)})" in verdict
    assert f"Runner-up {runner}; margin {num(record['margin'], signed=True)} (agreement)" in verdict
    columns = [th.text for th in browser_driver.find_elements(By.CSS_SELECTOR, "#prediction table th")]
    assert columns == ["class", "agreement"]


def test_cbc_page_shows_each_components_reasoning_for_the_class_and_the_runner_up(browser_driver):
    from selenium.webdriver.common.by import By

    root = exported("robust_cbc")
    names = _json(root / "manifest.json")["class_names"]
    for record in read_records(root):
        section = record["reasoning"]
        assert section["units"] == list(range(record["num_units"]))  # 20 components: every one is listed
        ours, theirs = _agreement_parts(section, ""), _agreement_parts(section, "runner_up_")
        assert math.fsum(ours) == pytest.approx(record["value"], abs=1e-6)
        assert math.fsum(ours) - math.fsum(theirs) == pytest.approx(record["margin"], abs=1e-6)
        contributions = dict(zip(record["contributions"]["units"], record["contributions"]["values"]))
        for u, part in zip(section["units"], ours):
            assert part == pytest.approx(contributions.get(u, 0.0), abs=1e-6)

    record = next(read_records(root))
    section, runner = record["reasoning"], names[record["runner_up"]]
    open_page(browser_driver, root / record_page(record))
    header = [th.text for th in browser_driver.find_elements(By.CSS_SELECTOR, "table.evidence th")]
    assert header[4].startswith(f"reasoning for {names[record['explained_class']]}") and runner in header[4]
    rows = browser_driver.find_elements(By.CSS_SELECTOR, "table.evidence tbody tr")
    shown = [r for r in rows if r.get_attribute("class") not in ("group", "total")]
    assert len(shown) >= len(record["evidence"])
    by_name = {f"component {u}": i for i, u in enumerate(section["units"])}
    for row in shown:  # every unit row: its detection and its r+ / r- for both classes
        cells = row.find_elements(By.TAG_NAME, "td")
        i = by_name[cells[0].text]
        assert cells[3].text == num(section["detection"][i])
        assert f"r+ {num(section['positive'][i])} · r− {num(section['negative'][i])}" in cells[4].text
        assert (f"for {runner}: r+ {num(section['runner_up_positive'][i])} · "
                f"r− {num(section['runner_up_negative'][i])}") in cells[4].text
    table = _text(browser_driver, "#reasoning table.reasoning")
    assert "(explained)" in table and f"{runner} (runner-up)" in table and "part of the margin" in table
    total = _text(browser_driver, "#reasoning tr.total")
    assert num(record["value"]) in total and num(record["margin"], signed=True) in total


def test_a_wrong_predictions_radius_is_said_to_certify_the_wrong_class(browser_driver):
    root = exported("robust_cbc")
    names = _json(root / "manifest.json")["class_names"]
    wrong = [r for r in read_records(root) if r["target"] is not None and r["target"] != r["prediction"]]
    right = [r for r in read_records(root) if r["target"] == r["prediction"]]
    assert wrong and right, "the case explains a wrong and a right prediction"
    open_page(browser_driver, root / record_page(wrong[0]))
    text = _text(browser_driver, "#certificate")
    assert f"the target is {names[wrong[0]['target']]}" in text and "certifies a wrong class" in text
    open_page(browser_driver, root / record_page(right[0]))
    assert "wrong" not in _text(browser_driver, "#certificate")


# ---- deep CBC / RBF: absent components, component pictures ----------------------------------------------------
@pytest.mark.parametrize("case", ["deep_cbc", "deep_rbf"])
def test_a_component_that_was_not_detected_gets_no_map_and_is_marked_absent(case, browser_driver):
    from selenium.webdriver.common.by import By

    root = exported(case)
    score = _json(root / "manifest.json")["unit_score"]
    assert score["name"] == "detection" and score["absent_below"] == pytest.approx(0.1)
    assert ("RBF" in score["about"]) == (case == "deep_rbf")  # the deep RBF says how it reads the detection
    records = list(read_records(root))
    absent_seen = 0
    for record in records:
        overlays = (record.get("assets") or {}).get("overlays") or {}
        for e in record["evidence"]:
            if e["score"] < score["absent_below"]:
                absent_seen += 1
                assert str(e["index"]) not in overlays, f"{record['input_id']}: a map of an absent component"
            else:
                assert str(e["index"]) in overlays
    if case == "deep_cbc":  # its evidence leads with components required absent (negative reasoning)
        assert absent_seen > 0

    record = next(r for r in records if any(e["score"] < 0.1 for e in r["evidence"])) if absent_seen else records[0]
    open_page(browser_driver, root / record_page(record))
    assert console_errors(browser_driver) == [] and broken_images(browser_driver) == []
    for row in browser_driver.find_elements(By.CSS_SELECTOR, "table.evidence tr.absent"):
        where = row.find_elements(By.TAG_NAME, "td")[2]
        assert "absent (detection below 0.1)" in where.text and not where.find_elements(By.TAG_NAME, "img")


@pytest.mark.parametrize("case", ["deep_cbc", "deep_rbf"])
def test_deep_components_have_a_picture_from_their_best_training_patch(case, browser_driver):
    from selenium.webdriver.common.by import By

    root = exported(case)
    units = _json(root / "global_explanation.json")["units"]
    pictures = {e["unit"]: e for e in _json(root / "units" / "index.json")}
    for unit in units:
        if unit["source"] is None:  # only a component never detected on the training data goes without
            assert unit["details"]["never detected in training"] is True
            assert unit["details"]["best training detection"] < 0.1
            continue
        assert unit["source"]["split"] == "train" and unit["source"]["details"]["detection"] >= 0.1
        assert pictures[unit["index"]]["source_index"] == unit["source"]["index"]
    assert len(pictures) >= 0.75 * len(units)
    open_page(browser_driver, root / "global.html")
    assert console_errors(browser_driver) == [] and broken_images(browser_driver) == []
    gallery = browser_driver.find_elements(By.CSS_SELECTOR, "#units tbody tr")
    drawn = [r for r in gallery if r.find_elements(By.CSS_SELECTOR, "img.thumb")]
    assert len(drawn) == len(pictures)


# ---- the global page: labelled reasoning, certified accuracy ------------------------------------------------
@pytest.mark.parametrize("case", ["robust_cbc", "robust_rbf", "deep_cbc", "deep_rbf"])
def test_global_page_labels_the_reasoning_matrices_and_shows_each_classs_reasoning(case, browser_driver):
    from selenium.webdriver.common.by import By

    root = exported(case)
    manifest, explanation = _json(root / "manifest.json"), _json(root / "global_explanation.json")
    axes = explanation["details"]["matrix_axes"]
    for name in ("positive_reasoning", "negative_reasoning"):
        rows, columns = len(explanation["matrices"][name]), len(explanation["matrices"][name][0])
        assert axes[name]["rows"] == manifest["unit_names"][:rows]
        assert len(axes[name]["columns"]) == columns and axes[name]["row_title"] == "components"
        per_class = columns // len(manifest["class_names"])
        assert [c.rsplit(" (", 1)[0] if per_class > 1 else c for c in axes[name]["columns"]] == [
            manifest["class_names"][c] for c in explanation["details"]["concept_classes"]]
    open_page(browser_driver, root / "global.html")
    captions = _text(browser_driver, "#matrices")
    assert "positive_reasoning" in captions and "rows components, columns" in captions
    reasoning = browser_driver.find_elements(By.CSS_SELECTOR, "#reasoning table.class-reasoning tbody tr")
    assert [r.find_element(By.TAG_NAME, "td").text for r in reasoning] == axes["positive_reasoning"]["columns"]
    assert "Details" in browser_driver.page_source and "matrix_axes" not in _text(browser_driver, "#details")


@pytest.mark.parametrize("case", ["robust_cbc", "robust_rbf"])
def test_global_page_draws_certified_accuracy_against_the_radius_from_the_records(case, browser_driver):
    from selenium.webdriver.common.by import By

    from explain.report.views.cbc import certified_at

    root = exported(case)
    records = list(read_records(root))
    assert all(r.get("certificate") for r in records)
    open_page(browser_driver, root / "global.html")
    assert console_errors(browser_driver) == [] and broken_images(browser_driver) == []
    assert browser_driver.find_elements(By.CSS_SELECTOR, "#certified img.plot")
    rows = browser_driver.find_elements(By.CSS_SELECTOR, "#certified table.certified tbody tr")
    metrics = _json(root / "manifest.json")["card"]["metrics"]
    assert len(rows) == 1 + sum(1 for k in metrics if k.startswith("test/certified_acc_eps"))
    for row in rows:
        eps, here, release = (c.text for c in row.find_elements(By.TAG_NAME, "td"))
        assert here == num(certified_at(records, float(eps)))
        if float(eps) == 0:
            right = sum(r["target"] == r["prediction"] for r in records)
            assert here == num(right / len(records)) and release == num(metrics["test/acc"])
    assert (root / "plots" / "certified_accuracy.png").is_file()


@pytest.mark.parametrize("case", ["deep_cbc", "deep_rbf"])
def test_no_certified_accuracy_without_certificates(case):
    root = exported(case)
    assert not any(r.get("certificate") for r in read_records(root))
    assert 'id="certified"' not in (root / "global.html").read_text(encoding="utf-8")


def test_certified_curve_counts_right_predictions_certified_at_least_eps():
    from explain.report.views.cbc import certified_at, certified_curve

    def record(target, prediction, radius):
        return {"target": target, "prediction": prediction, "certificate": {"radius": radius, "norm": "l2"}}

    records = [record(0, 0, 0.5), record(1, 1, 1.5), record(2, 0, 9.0), record(None, 1, 3.0), record(1, 1, 0.0)]
    points, total, norm = certified_curve(records)
    assert total == 4 and norm == "l2"  # the unlabelled record does not count
    assert points == [(0.0, 0.75), (0.0, 0.5), (0.5, 0.25), (1.5, 0.0)]
    assert certified_at(records, 0.0) == 0.75 and certified_at(records, 0.5) == 0.5  # a radius of eps counts
    assert certified_at(records, 1.0) == 0.25 and certified_at(records, 5.0) == 0.0  # the wrong one never does
