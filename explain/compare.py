"""Compare: the same inputs explained by several models, side by side, in one offline page.

    python -m explain.compare --checkpoint protopnet_small.mnist5k --checkpoint robust_cbc_shallow.mnist5k \
        --checkpoint prototype_ae.mnist5k --checkpoint prob_psenn.mnist5k --data mnist5k --limit 40 --out cmp/

Each model is exported as usual into ``DIR/<n>-<model>/`` (its own full report), then ``DIR/index.html`` puts
them together: the models with their accuracy on the shared inputs, how often each pair agrees, and one row per
input with each model's prediction, its margin over its runner-up and the unit that moved that margin most
(with its picture), linked to the model's own page for that prediction. Every argument after the ones below is
the export command's (``python -m explain --help``). The folder is written whole or not at all, and replaces
only an earlier comparison or export (``--overwrite``: any folder).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.release import atomic_path

from . import __main__ as export_command
from .export import check_export_target, write_json
from .images import file_stem
from .report.context import ReportContext, read_records, record_page
from .report.html import esc, img, labelled, link, page, section, table
from .report.static import CSS

MANIFEST_FORMAT = "intrinsic-zoo/explanations-compare-v1"
MAX_ROWS = 1_000  # inputs shown; the page says how many more the exports hold


def _folder_name(number: int, checkpoint: str) -> str:
    return f"{number}-{file_stem(Path(checkpoint).name)}"


def _top_unit(record: dict[str, Any]) -> tuple[int, float] | None:
    entry = record.get("contrast") or record.get("contributions") or {}
    pairs = list(zip(entry.get("units", []), entry.get("values", [])))
    return max(pairs, key=lambda p: abs(p[1])) if pairs else None


def comparison_page(root: Path, folders: list[str]) -> str:
    contexts = [ReportContext.read(root / f, f) for f in folders]
    records = [{r["input_id"]: r for r in read_records(root / f)} for f in folders]
    shared = [i for i in records[0] if all(i in other for other in records[1:])]
    models = []
    for folder, ctx, by_id in zip(folders, contexts, records):
        labelled_inputs = [by_id[i] for i in shared if by_id[i].get("target") is not None]
        right = sum(r["target"] == r["prediction"] for r in labelled_inputs)
        accuracy = f"{right / len(labelled_inputs):.1%} of {len(labelled_inputs)}" if labelled_inputs else "—"
        card = ctx.manifest.get("card") or {}
        models.append([link(f"{folder}/index.html", esc(ctx.manifest.get("model"))),
                       esc(ctx.manifest.get("model_class")), esc(card.get("paper") or "—"), esc(ctx.output_label),
                       esc(ctx.unit_score.name), esc(accuracy)])
    names = [esc(ctx.manifest.get("model")) for ctx in contexts]
    agreement = []
    for a, by_a in enumerate(records):
        cells = [names[a]]
        for by_b in records:
            same = sum(by_a[i]["prediction"] == by_b[i]["prediction"] for i in shared)
            cells.append(f"{same / len(shared):.0%}" if shared else "—")
        agreement.append(cells)
    rows = []
    for input_id in shared[:MAX_ROWS]:
        first = records[0][input_id]
        picture = next(((f, by_id[input_id]["assets"]["input"]) for f, by_id in zip(folders, records)
                        if (by_id[input_id].get("assets") or {}).get("input")), None)
        cells = [esc(input_id) + ("<br>" + img(f"{picture[0]}/{picture[1]}", "the input", "thumb") if picture else ""),
                 esc(contexts[0].class_name(first.get("target")) or "—")]
        for folder, ctx, by_id in zip(folders, contexts, records):
            record = by_id[input_id]
            predicted = ctx.class_name(record["prediction"])
            verdict = "" if record.get("target") is None else (
                ' <span class="badge ok">right</span>' if record["target"] == record["prediction"]
                else ' <span class="badge bad">wrong</span>')
            text = link(f"{folder}/{record_page(record)}", f"<b>{esc(predicted)}</b>") + verdict
            if record.get("margin") is not None:
                text += (f"<br>margin over {esc(ctx.class_name(record.get('runner_up')))}: "
                         f"{labelled(record['margin'], ctx.output_label, signed=True)}")
            top = _top_unit(record)
            if top is not None:
                unit, value = int(top[0]), float(top[1])
                pic = ctx.unit_pictures.get(unit)
                text += (f"<br>most: {esc(ctx.unit_name(unit))} "
                         f"{labelled(value, 'part of the margin' if 'contrast' in record else 'part', signed=True)}")
                if pic:
                    text += " " + img(f"{folder}/units/{pic['png']}", ctx.unit_name(unit), "thumb")
            cells.append(text)
        rows.append(cells)
    more = len(shared) - min(len(shared), MAX_ROWS)
    note = f"{len(shared)} input(s) explained by every model" + (f"; the first {MAX_ROWS} are shown" if more else "")
    body = (section("models", "Models", table(["model", "architecture", "paper", "outputs", "unit score",
                                                "accuracy on the shared inputs"], models))
            + section("agreement", "How often two models predict the same class",
                      table([""] + [ctx.manifest.get("model") for ctx in contexts], agreement))
            + section("inputs", "Inputs", table(["input", "target"] + [ctx.manifest.get("model") for ctx in contexts],
                                                rows), note + ". Each cell links to that model's page."))
    return page("The same inputs, several models", body,
                nav=[(f"{f}/index.html", ctx.manifest.get("model")) for f, ctx in zip(folders, contexts)],
                toc=[("models", "Models"), ("agreement", "Agreement"), ("inputs", "Inputs")])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explain.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", action="append", required=True, help="a model to compare (repeat, 2+)")
    parser.add_argument("--out", required=True, help="output folder: new, empty or an earlier comparison")
    parser.add_argument("--overwrite", action="store_true", help="let --out replace a folder of something else")
    args, rest = parser.parse_known_args(argv)
    try:
        if len(args.checkpoint) < 2:
            raise export_command.ExportError("--checkpoint: name two or more models to compare")
        out = Path(args.out)
        check_export_target(out, args.overwrite, [p for flag in ("--images", "--text") for p in _values(rest, flag)])
        with atomic_path(out, is_dir=True) as tmp:
            folders = []
            for number, checkpoint in enumerate(args.checkpoint, 1):
                folders.append(_folder_name(number, checkpoint))
                with contextlib.redirect_stdout(io.StringIO()):  # its paths are the temporary folder's
                    export_command.run(export_command.parse_args(
                        [*rest, "--checkpoint", checkpoint, "--out", str(tmp / folders[-1])]))
                print(f"explained with {checkpoint}: {out / folders[-1] / 'index.html'}")
            (tmp / "assets").mkdir()
            (tmp / "assets" / "report.css").write_text(CSS, encoding="utf-8")
            (tmp / "index.html").write_text(comparison_page(tmp, folders), encoding="utf-8")
            write_json(tmp / "manifest.json", {"format": MANIFEST_FORMAT, "models": args.checkpoint,
                                               "folders": folders})
        print(f"compared {len(folders)} models: {out / 'index.html'}")
    except export_command.USER_ERRORS as err:
        print(f"error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    return 0


def _values(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


if __name__ == "__main__":
    sys.exit(main())
