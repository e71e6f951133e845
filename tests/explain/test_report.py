"""The HTML report (explain/report): built from an export's files, a page per prediction whatever the image
limit, evidence rows that add up to the output and to the margin over the runner-up, an honest count, and
nothing from a record, a class name or a file name ever read as markup."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import torch

from datamodules.base import DataSpec
from explain import export_explanations, write_report
from explain.report.context import ReportContext, read_records, record_page
from explain.report.prediction import evidence_rows
from models import create_model

EVIL = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    model = create_model("linear_small8")
    torch.manual_seed(0)
    x, y = torch.rand(30, 1, 8, 8), torch.arange(30) % 10
    out = tmp_path_factory.mktemp("report") / "out"
    export_explanations(model, (x, y), out, image_limit=4, top_k=3)
    return out


def test_every_record_gets_a_page_and_the_count_is_honest(export):
    records = list(read_records(export))
    assert len(records) == 30
    for record in records:
        assert (export / record_page(record)).is_file()
    assert sum(1 for r in records if "input" in r.get("assets", {})) == 4  # pictures: the image limit
    rows = []
    for chunk in sorted((export / "assets").glob("rows-*.js")):
        rows += json.loads(re.search(r"\.concat\((.*)\);\s*$", chunk.read_text(), re.S).group(1))
    assert len(rows) == 30 and [r["page"] for r in rows] == [record_page(r) for r in records]
    index = (export / "index.html").read_text()
    assert "30 prediction(s) explained" in index and "Accuracy on the 30 with a target" in index
    later = (export / record_page(records[10])).read_text()
    assert "drew the first 4 only" in later  # said, not silently missing


def test_evidence_rows_add_up_to_the_output_and_the_margin(export):
    ctx = ReportContext.read(export, "t")
    for record in read_records(export):
        units, remainders = evidence_rows(record, ctx)
        parts = units + remainders
        total = math.fsum(r["contribution"] for r in parts) + record["bias"]
        assert total == pytest.approx(record["value"], abs=1e-6)
        margin = math.fsum(r["contrast"] for r in parts) + record["contrast"]["bias"]
        assert margin == pytest.approx(record["margin"], abs=1e-6)
        assert record["margin"] == pytest.approx(record["value"] - max(
            t["output"] for t in record["top"] if t["class"] != record["explained_class"]), abs=1e-6)


def test_the_report_is_rebuilt_from_the_export_alone(export, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(export, copy)
    for page in (copy / "predictions").iterdir():
        page.unlink()
    write_report(copy, title="again")
    assert len(list((copy / "predictions").iterdir())) == 30


def test_markup_in_class_names_and_ids_is_text(tmp_path):
    spec = DataSpec(name="evil", input_shape=(1, 8, 8), num_classes=2, class_names=[EVIL, "</script><b>x"])
    model = create_model("linear_small8", spec=spec)
    out = tmp_path / "out"
    export_explanations(model, torch.rand(3, 1, 8, 8), out, ids=[EVIL, "a&b", "<b>bold</b>"])
    for page in [out / "index.html", out / "global.html", *(out / "predictions").iterdir()]:
        text = page.read_text()
        assert "<img src=x" not in text and "<b>bold</b>" not in text and "</script><b>" not in text
    rows = (out / "assets" / "rows-0.js").read_text()
    assert "<" not in rows  # the table's data carries markup only as \u003c escapes
