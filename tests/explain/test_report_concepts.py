"""The concept families' report pages (explain/report/views/concepts.py) on their shipped releases, in Chromium:
concepts named and led by their part in the margin over the runner-up, an intervention shown before and after,
a vector input by its features' names, a concept transformer's spatial concepts drawn as each patch's part in the
margin (never as attention maps), and on the global page the labelled concept-to-class matrix and the
intervention curve the release's card holds."""

from __future__ import annotations

import json

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


def _by(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def _first(family: str) -> tuple:
    root = exported(family)
    manifest = json.loads((root / "manifest.json").read_text())
    return root, manifest, list(read_records(root))


def _name(cell: str) -> str:
    """A concept's name in its table cell (a concept set from outside carries a badge that says so)."""
    return cell.replace("set from outside", "").strip()


def _contrast(record: dict) -> dict[int, float]:
    return dict(zip(record["contrast"]["units"], record["contrast"]["values"]))


def _table(driver, css: str) -> tuple[list[str], list[list[str]], list]:
    (element,) = _by(driver, css)
    header = [th.text for th in element.find_elements("css selector", "thead th")]
    rows = element.find_elements("css selector", "tbody tr")
    return header, [[td.text for td in row.find_elements("css selector", "td")] for row in rows], rows


@pytest.mark.parametrize("family", ["cbm", "cem", "ct", "cct"])
def test_concepts_are_named_and_led_by_their_part_in_the_margin(family, browser_driver):
    root, manifest, records = _first(family)
    names = manifest["concept_names"]
    for record in records[:2]:
        open_page(browser_driver, root / record_page(record))
        assert console_errors(browser_driver) == []
        explained, runner = (manifest["class_names"][record[k]] for k in ("explained_class", "runner_up"))
        header, rows, _ = _table(browser_driver, "table.concepts")
        assert header[:4] == ["concept", f"part of the margin over {runner}", f"part of the logit of {explained}",
                              f"part of the logit of {runner}"]
        assert sorted(r[0] for r in rows) == sorted(names)  # every concept, by its name
        contrast, contributions = _contrast(record), record["concepts"]["contributions"]
        margins = [contrast.get(names.index(r[0]), 0.0) for r in rows]
        assert margins == sorted(margins, key=abs, reverse=True)  # the rows lead with what decides
        for row, margin in zip(rows, margins):
            i = names.index(row[0])
            assert row[1].strip() == num(margin, signed=True)
            assert row[2] == num(contributions[i], signed=True)
            assert row[3] == num(contributions[i] - margin, signed=True)  # the runner-up's logit gets the rest
        lead = _by(browser_driver, "#concepts p")[0].text
        assert num(record["margin"], signed=True) in lead and rows[0][0] in lead
        # what the concepts add up to in the margin, beside the bias's part
        assert f"Together the concepts add {num(sum(margins), signed=True)}" in lead
        assert f"the bias {num(record['contrast']['bias'], signed=True)}" in lead


def test_an_intervention_is_marked_and_shown_before_and_after(browser_driver):
    root, manifest, records = _first("cbm_intervened")
    names, classes = manifest["concept_names"], manifest["class_names"]
    record = records[0]  # the input: "has red" and "has green" set, the logit of busy 6.48 -> 7.60
    section = record["concepts"]
    assert section["intervened"] == [3, 4] and section["intervened_values"] == [section["true"][i] for i in (3, 4)]
    before = section["outputs_before"][record["explained_class"]]
    assert (round(before, 2), round(record["value"], 2)) == (6.48, 7.60)
    open_page(browser_driver, root / record_page(record))
    assert console_errors(browser_driver) == [] and broken_images(browser_driver) == []
    header, rows, elements = _table(browser_driver, "table.concepts")
    marked = {_name(row[0]) for row, element in zip(rows, elements) if "hit" in element.get_attribute("class")}
    assert marked == {"has red", "has green"}
    set_to = header.index("set to")
    for row in rows:
        name = _name(row[0])
        assert ("set from outside" in row[0]) == (name in marked)
        expected = section["true"][names.index(name)] if name in marked else None
        assert row[set_to] == num(expected)
    _, changes, _ = _table(browser_driver, "#concepts table:not(.concepts)")
    by_what = {row[0]: row[1:] for row in changes}
    assert by_what["prediction"] == [classes[section["prediction_before"]], classes[record["prediction"]]]
    explained = classes[record["explained_class"]]
    assert by_what[f"logit of {explained}"] == [num(before), num(record["value"])]
    runner_before = section["outputs_before"][record["runner_up"]]
    assert by_what[f"margin over {classes[record['runner_up']]}"] == [num(before - runner_before, signed=True),
                                                                       num(record["margin"], signed=True)]
    for i in (3, 4):
        assert by_what[f"{names[i]}: its part of the logit of {explained}"] == [
            num(section["contributions_before"][i], signed=True), num(section["contributions"][i], signed=True)]


def test_a_vector_input_is_shown_by_its_features_names(browser_driver, tmp_path):
    from datamodules import create_datamodule
    from explain import export_explanations
    from models import load_any

    root, manifest, records = _first("cem")  # cem_mlp.xor: the input (x1, x2)
    open_page(browser_driver, root / record_page(records[0]))
    shown = [[td.text for td in tr.find_elements("css selector", "th, td")] for tr in _by(browser_driver, "#input tr")]
    assert shown == [[name, num(v)] for name, v in zip(["x1", "x2"], records[0]["inputs"])]
    # the synthetic tasks name their features in the spec (the release's card holds the same spec)
    for task, first in (("trig", "sin h1 + h1"), ("dot", "(v1 + v2)_1")):
        names = create_datamodule(task).spec.preprocessing["feature_names"]
        assert names[0] == first and len(names) == create_datamodule(task).spec.input_shape[0]
    dm = create_datamodule("trig")
    dm.setup("test")
    export_explanations(load_any("cem_mlp.trig"), dm.eval_dataloader("test"), tmp_path / "trig", limit=1,
                        formats=["html"])
    (record,) = read_records(tmp_path / "trig")
    open_page(browser_driver, tmp_path / "trig" / record_page(record))
    shown = [[td.text for td in tr.find_elements("css selector", "th, td")] for tr in _by(browser_driver, "#input tr")]
    assert shown == [[name, num(v)] for name, v in zip(dm.spec.preprocessing["feature_names"], record["inputs"])]


@pytest.mark.parametrize("family", ["ct", "cct"])
def test_spatial_concepts_are_drawn_as_each_patchs_part_in_the_margin_not_as_attention(family, browser_driver):
    root, manifest, records = _first(family)
    assert not (root / "overlays").exists()  # attention maps are not drawn as a concept's evidence
    for record in records[:2]:
        maps = record["concepts"]["patch_contrast"]
        assert "overlays" not in record.get("assets", {}) and maps
        open_page(browser_driver, root / record_page(record))
        assert console_errors(browser_driver) == [] and broken_images(browser_driver) == []
        assert not [i for i in _by(browser_driver, "img") if "/overlays/" in i.get_attribute("src")]
        figures = _by(browser_driver, "#concepts figure[data-concept]")
        assert sorted(f.get_attribute("data-concept") for f in figures) == sorted(maps)
        contrast = _contrast(record)
        for figure in figures:
            unit = int(figure.get_attribute("data-concept"))
            cells = [float(c.get_attribute("data-value")) for c in figure.find_elements("css selector", ".cell")]
            assert cells == [v for line in maps[str(unit)] for v in line]
            assert sum(cells) == pytest.approx(contrast.get(unit, 0.0), abs=1e-5)  # the map adds up to its row
            assert num(sum(cells), signed=True) in figure.text
        text = _by(browser_driver, "#concepts")[0].text
        assert "These are not attention maps" in text
        explained, runner = (manifest["class_names"][record[k]] for k in ("explained_class", "runner_up"))
        assert f"part in the margin of {explained} over {runner}, patch by patch" in text
        # the evidence says what its score is: attention, not a part
        assert "attention" in [th.text for th in _by(browser_driver, "table.evidence thead th")]


def test_global_page_labels_the_concept_to_class_weights_and_draws_the_intervention_curve(browser_driver):
    root, manifest, _ = _first("cbm")
    explanation = json.loads((root / "global_explanation.json").read_text())
    open_page(browser_driver, root / "global.html")
    assert console_errors(browser_driver) == [] and broken_images(browser_driver) == []
    header, rows, _ = _table(browser_driver, "table.weights")
    assert header[: 1 + len(manifest["class_names"])] == ["concept"] + manifest["class_names"]
    weights = explanation["matrices"]["concept_to_class"]  # (classes, concepts)
    assert [r[0] for r in rows] == manifest["concept_names"]
    for j, row in enumerate(rows):
        assert row[1: 1 + len(weights)] == [num(weights[c][j], signed=True) for c in range(len(weights))]
    # no unlabelled heat map of the same weights
    sources = [i.get_attribute("src") for i in _by(browser_driver, "img")]
    assert not any("matrix_concept_to_class" in s for s in sources)
    # the curve the release's card holds, drawn and listed
    curves = manifest["card"]["checks"]["intervention_curves"]
    assert set(curves) == {"random", "uncertainty"}
    assert any(s.endswith("plots/intervention_curve.png") for s in sources)
    listed = [[td.get_attribute("textContent") for td in tr.find_elements("css selector", "td")]
              for tr in _by(browser_driver, "#intervention_curve details tbody tr")]
    expected = [[policy, num(g), num(m), num(s)] for policy, c in curves.items()
                for g, m, s in zip(c["groups"], c["accuracy_mean"], c["accuracy_std"])]
    assert listed == expected


@pytest.mark.parametrize("family", ["ct", "cem"])
def test_global_page_labels_concept_values_of_transformers_and_weight_norms_of_embeddings(family, browser_driver):
    root, manifest, _ = _first(family)
    explanation = json.loads((root / "global_explanation.json").read_text())
    open_page(browser_driver, root / "global.html")
    assert console_errors(browser_driver) == []
    tables = _by(browser_driver, "table.weights")
    assert tables and all([th.text for th in t.find_elements("css selector", "thead th")] ==
                          ["concept"] + manifest["class_names"] for t in tables)
    names = [td.text for t in tables for td in t.find_elements("css selector", "tbody td:first-child")]
    if family == "ct":  # a row per concept and head, the values of the release's per-head matrices
        per_head = explanation["matrices"]["spatial_concept_to_class_per_head"]
        assert "has blue (head 2)" in names
        assert len(names) == sum(len(m) * len(m[0]) for k, m in explanation["matrices"].items()
                                 if k.endswith("_per_head"))
        row = next(tr for t in tables for tr in t.find_elements("css selector", "tbody tr")
                   if tr.text.startswith("has blue (head 2)"))
        cells = [td.text for td in row.find_elements("css selector", "td")][1:]
        assert cells == [num(v, signed=True) for v in per_head[1][5]]
    else:  # no signed weight per concept: the norms of the weights on each concept's embedding, said so
        assert names == manifest["concept_names"]
        assert "unsigned" in _by(browser_driver, "#concept_weights")[0].text
