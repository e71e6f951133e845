"""The HTML report of an export: ``DIR/index.html`` and the pages beside it, offline (no server, no CDN).

* ``index.html``: the overview: the model card, accuracy on what was explained, plots, and a table of every
  prediction (sorted, filtered and paged by ``assets/overview.js``, with an honest count);
* ``predictions/<id>.html``: one page per prediction (``prediction``): the input in its modality, the prediction
  against the runner-up, the evidence as parts of the output and of the margin, the family's sections;
* ``global.html``: what the model learned (``global_page``);
* ``plots/*.png`` (matplotlib) and ``assets/`` (style, script, the table's rows as data).

It reads only the export's files (manifest, records, global explanation, pictures): ``write_report(DIR)``
rebuilds it from any export folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.release import atomic_write_text

from . import plots, views  # noqa: F401 (views: importing registers the family views)
from .context import ReportContext, read_records, record_page
from .global_page import global_page
from .html import esc, img, key_values, link, num, page, section
from .prediction import prediction_page
from .static import CSS, OVERVIEW_JS

ROWS_PER_FILE = 5_000  # the table's rows ship as data in files of this many rows


def _row(i: int, record: dict[str, Any], ctx: ReportContext) -> dict[str, Any]:
    target, prediction = record.get("target"), record["prediction"]
    top = {int(t["class"]): t for t in record.get("top", [])}
    entropy = (record.get("uncertainty") or {}).get("predictive")
    correct = None if target is None else target == prediction
    return {"i": i, "id": str(record.get("input_id")), "page": record_page(record),
            "predicted": ctx.class_name(prediction), "target": ctx.class_name(target), "correct": correct,
            "wrong": None if correct is None else int(not correct),
            "probability": top.get(prediction, {}).get("probability"), "value": record.get("value"),
            "runner_up": ctx.class_name(record.get("runner_up")), "margin": record.get("margin"),
            "complete": bool(record.get("complete", True)), "target_index": target, "prediction_index": prediction,
            "predictive_entropy": entropy}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_report(root: str | Path, title: str = "Explanations", training_log: str | Path | list | None = None,
                 progress: bool = False) -> Path:
    """Build the report of the export in ``root``; returns ``root / "index.html"``."""
    from rich.progress import Progress

    root = Path(root)
    ctx = ReportContext.read(root, title)
    if ctx.manifest.get("records") is None:  # a manifest without counts: count once
        ctx.manifest["records"] = sum(1 for _ in read_records(root))
    _write(root / "assets" / "report.css", CSS)
    _write(root / "assets" / "overview.js", OVERVIEW_JS)
    rows: list[dict[str, Any]] = []
    nav_home = [("../index.html", "Overview"), ("../global.html", "Global")]
    total = ctx.manifest.get("records")

    def write_page(i: int, record: dict[str, Any], following: str | None) -> None:
        previous = "../" + rows[i - 1]["page"] if i else None
        body, toc = prediction_page(record, ctx, i + 1, total, previous, following and "../" + following)
        heading = f"{record.get('input_id')}: {ctx.class_name(record['prediction'])}"
        _write(root / rows[i]["page"], page(heading, body, depth=1, nav=nav_home, toc=toc))

    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("report pages", total=total)
        held: dict[str, Any] | None = None  # a page is written once the next record (its "next" link) is read
        for i, record in enumerate(read_records(root)):
            rows.append(_row(i, record, ctx))
            if held is not None:
                write_page(i - 1, held, rows[i]["page"])
                bar.advance(task)
            held = record
        if held is not None:
            write_page(len(rows) - 1, held, None)
    body, toc = global_page(ctx)
    _write(root / "global.html", page(f"{title}: what the model learned", body,
                                      nav=[("index.html", "Overview"), ("global.html", "Global")], toc=toc))
    for start in range(0, max(1, len(rows)), ROWS_PER_FILE):
        chunk = [{k: v for k, v in r.items() if k not in ("target_index", "prediction_index", "predictive_entropy")}
                 for r in rows[start:start + ROWS_PER_FILE]]
        method = "concat" if start else ""
        data = json.dumps(chunk, ensure_ascii=True, allow_nan=False)  # script data: no markup even as text
        data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        _write(root / "assets" / f"rows-{start // ROWS_PER_FILE}.js",
               f"window.ZOO_ROWS = (window.ZOO_ROWS || []){'.' + method if method else '.concat'}({data});\n")
    scripts = [f"assets/rows-{k}.js" for k in range(max(1, -(-len(rows) // ROWS_PER_FILE)))] + ["assets/overview.js"]
    body, toc = overview(rows, ctx, training_log)
    index = root / "index.html"
    atomic_write_text(index, page(title, body, nav=[("index.html", "Overview"), ("global.html", "Global")],
                                  scripts=scripts, toc=toc))
    return index


def model_card(ctx: ReportContext) -> str:
    card, manifest = ctx.manifest.get("card") or {}, ctx.manifest
    spec = ctx.spec
    items = [("model", esc(manifest.get("model"))), ("architecture", esc(manifest.get("model_class"))),
             ("paper", esc(card.get("paper") or "—")),
             ("data", esc(f"{spec.get('name')} ({spec.get('task')}, input {spec.get('input_shape')}, "
                          f"{spec.get('num_classes')} classes)")),
             ("outputs", esc(ctx.output_label)), ("unit score", esc(ctx.unit_score.heading))]
    for key, label in (("metrics", "metrics at release"), ("paper_metrics", "the paper's")):
        if card.get(key):
            items.append((label, ", ".join(f"{esc(k)} {num(v)}" for k, v in card[key].items())))
    if card.get("seed") is not None:
        items.append(("seed", esc(card["seed"])))
    if card.get("recipe"):
        recipe = json.dumps(card["recipe"], indent=1)
        items.append(("recipe", f"<details><summary>as trained</summary><pre>{esc(recipe[:20_000])}</pre></details>"))
    if card.get("training"):
        items.append(("training", esc(", ".join(f"{k} {v}" for k, v in card["training"].items()))))
    if not card:
        items.append(("card", '<span class="note">none (not loaded from a release)</span>'))
    return key_values(items)


def summary(rows: list[dict[str, Any]], ctx: ReportContext) -> str:
    labelled = [r for r in rows if r["correct"] is not None]
    right = sum(1 for r in labelled if r["correct"])
    inputs, records = ctx.manifest.get("inputs"), ctx.manifest.get("records", len(rows))
    text = [f"{len(rows)} prediction(s) explained" + (f" for {inputs} input(s)" if inputs not in (None, len(rows))
                                                      else "") + "."]
    if labelled:
        text.append(f"Accuracy on the {len(labelled)} with a target: <b>{right / len(labelled):.2%}</b> "
                    f"({right} right, {len(labelled) - right} wrong).")
    incomplete = sum(1 for r in rows if not r["complete"])
    if incomplete:
        text.append(f'<span class="warn">{incomplete} record(s) are not complete.</span>')
    if records != len(rows):
        text.append(f'<span class="warn">The manifest counts {records} record(s).</span>')
    return "<p>" + " ".join(text) + "</p>"


def prediction_table(ctx: ReportContext) -> str:
    options = "".join(f'<option value="{esc(c)}">{esc(c)}</option>' for c in ctx.class_names[:500])
    return (
        '<div class="controls">'
        '<label>show <select id="f-outcome"><option value="">all</option><option value="wrong">wrong</option>'
        '<option value="correct">right</option><option value="unlabelled">without a target</option>'
        '<option value="incomplete">not complete</option></select></label>'
        f'<label>class (predicted or target) <select id="f-class"><option value="">any</option>{options}</select>'
        '</label><label>input id <input id="f-search" type="search" size="14"></label>'
        '<button id="wrong-first" type="button">wrong first</button>'
        '<button id="least-certain" type="button">least certain first</button>'
        '<button id="in-order" type="button">in order</button></div>'
        '<p id="rows-count" role="status"></p>'
        '<table class="predictions"><thead><tr><th data-key="id">input</th><th data-key="predicted">predicted</th>'
        '<th data-key="target">target</th><th data-key="wrong">right?</th>'
        + ('<th data-key="probability" class="r">probability</th>' if ctx.output_is_distribution else '') +
        f'<th data-key="value" class="r">{esc(ctx.output_label)}</th>'
        '<th data-key="runner_up">runner-up</th><th data-key="margin" class="r">margin</th>'
        '<th data-key="complete">complete</th></tr></thead><tbody id="rows-body"></tbody></table>'
        '<div id="pager"><button id="prev" type="button">previous</button><button id="next" type="button">next'
        '</button><span id="page-info"></span></div>'
        '<noscript><p class="warn">The table needs JavaScript; the records are in explanations.jsonl.</p></noscript>')


def overview(rows: list[dict[str, Any]], ctx: ReportContext,
             training_log: str | Path | list | None) -> tuple[str, list[tuple[str, str]]]:
    figures, folder = [], ctx.root / "plots"
    for name, path in (("confusion matrix", plots.confusion(rows, ctx.class_names, folder / "confusion.png")),
                       ("margins", plots.margins(rows, ctx.output_label, folder / "margins.png")),
                       ("uncertainty", plots.uncertainty(rows, folder / "uncertainty.png")),
                       ("training curves", plots.training_curves(training_log, folder / "training.png"))):
        if path is not None:
            figures.append(f"<figure>{img(str(path.relative_to(ctx.root)), name, 'plot')}"
                           f"<figcaption>{esc(name)}</figcaption></figure>")
    parts = [section("summary", "Summary", summary(rows, ctx)), section("model", "The model", model_card(ctx))]
    toc = [("summary", "Summary"), ("model", "Model")]
    if figures:
        parts.append(section("plots", "Plots", "".join(figures)))
        toc.append(("plots", "Plots"))
    parts.append(section("predictions", "Predictions", prediction_table(ctx),
                         "Click a column to sort; every prediction has a page."))
    toc.append(("predictions", "Predictions"))
    parts.append(section("global", "What the model learned", link("global.html", "the global explanation")))
    toc.append(("global", "Global"))
    return "".join(parts), toc


__all__ = ["write_report"]
