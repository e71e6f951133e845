"""The reports of the sequence models (Transformer Programs, the language models on text and on chess): what the
records hold and what the pages draw, on the shipped releases (``report_cases``) and on small models.

* a Transformer Program's page shows the whole input and the output sequence, what the prediction read (every
  token: sort is not causal), where each head looked (arrows), every variable at every position and the program
  lines that fired; a position labelled ``<pad>`` (the BOS, the EOS) has no target and is never "wrong";
* a language model's page shows the end of its context as decoded text and tokens, a predicted space as a
  visible mark, the chess board of the game so far, and links its expert rows to their atlas pages;
* the expert atlas is opt-in past a size, and ``--text`` explains lines of any length on a byte-level model.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from browser import (  # noqa: F401 (browser_driver_fixture registers the fixture)
    broken_links,
    browser_driver_fixture,
    console_errors,
    open_page,
)
from report_cases import exported

from explain.report.context import ReportContext, read_records, record_page


def _records(case: str) -> list[dict]:
    return list(read_records(exported(case)))


def _texts(driver, selector: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, selector)]


# ---- Transformer Programs: records ----------------------------------------------------------------------
def test_a_program_record_holds_what_it_read_the_whole_input_and_the_output_sequence():
    records = _records("transformer_program")
    by_sequence: dict[int, list[dict]] = {}
    for r in records:
        by_sequence.setdefault(r["sequence"], []).append(r)
    for rows in by_sequence.values():
        sequence = [r["tokens"]["token"] for r in rows]  # one record per position, in order
        outputs = [r["predicted_label"] for r in rows]
        for r in rows:
            tokens = r["tokens"]
            assert tokens["sequence"] == sequence
            assert tokens["context"] == sequence, "sort is not causal: every prediction reads the whole sequence"
            assert tokens["predicted_sequence"] == outputs
            assert tokens["target_sequence"] == [x["target_label"] for x in rows]


def test_a_position_labelled_pad_has_no_target_and_is_never_counted_wrong():
    root = exported("transformer_program")
    records = list(read_records(root))
    ends = [r for r in records if r["tokens"]["token"] in ("<s>", "</s>")]
    assert ends, "the BOS and EOS positions are explained"
    assert all(r["target"] is None and r["target_label"] is None for r in ends)
    assert all(r["target_label"] != "<pad>" for r in records)
    labelled = [r for r in records if r["target"] is not None]
    assert len(labelled) == len(records) - len(ends)
    assert f"Accuracy on the {len(labelled)} with a target" in (root / "index.html").read_text()
    for r in ends:
        page = (root / record_page(r)).read_text()
        assert 'class="badge bad"' not in page and "target <b>" not in page


# ---- Transformer Programs: the page -----------------------------------------------------------------------
@pytest.mark.slow
def test_a_program_page_draws_the_sequences_the_heads_the_variables_and_the_lines_that_fired(browser_driver):
    from selenium.webdriver.common.by import By

    root = exported("transformer_program")
    records = list(read_records(root))
    record = next(r for r in records if r["position"] == 3)
    n = len(record["tokens"]["sequence"])
    open_page(browser_driver, root / record_page(record))
    assert console_errors(browser_driver) == [] and broken_links(browser_driver, root) == []
    # the input, the output and the targets, aligned by position; the explained position marked
    rows = browser_driver.find_elements(By.CSS_SELECTOR, "#input table.seq tbody tr")
    cells = {row.find_element(By.TAG_NAME, "th").text: [td.text for td in row.find_elements(By.TAG_NAME, "td")]
             for row in rows}
    assert cells["input"] == record["tokens"]["sequence"]
    assert cells["predicted"] == record["tokens"]["predicted_sequence"]
    assert cells["target"] == [t if t is not None else "—" for t in record["tokens"]["target_sequence"]]
    assert len(browser_driver.find_elements(By.CSS_SELECTOR, "#input table.seq td.here")) == 3
    # one lane per head, an arrow to every key it selected (a loop where it selected its own position)
    heads = record["program"]["heads"]
    svg = browser_driver.find_element(By.CSS_SELECTOR, "#program svg.heads")
    lanes = svg.find_elements(By.CSS_SELECTOR, "g")
    assert len(lanes) == len(heads)
    for lane, head in zip(lanes, heads):
        assert lane.find_element(By.CSS_SELECTOR, "text.head").text == head["name"]
        assert len(lane.find_elements(By.CSS_SELECTOR, "path")) == len(head["selected"])
    # every variable at every position, with its part of the logit here
    grid = browser_driver.find_elements(By.CSS_SELECTOR, "#program table.grid tbody tr")
    assert len(grid) == len(record["program"]["values"]) == len(record["extras"]["variables"])
    assert all(len(row.find_elements(By.TAG_NAME, "td")) == n + 1 for row in grid)
    # the lines that fired, linked to the program on the global page, which has them
    fired = browser_driver.find_elements(By.CSS_SELECTOR, "#program table.fired tbody tr")
    assert len(fired) == len(record["program"]["lines"]) > 0
    links = {a.get_attribute("href").rsplit("#", 1)[-1] for a in
             browser_driver.find_elements(By.CSS_SELECTOR, "#program table.fired a")}
    assert links and all(re.fullmatch(r"line-\d+", anchor) for anchor in links)
    program = (root / "global.html").read_text()
    assert all(f'id="{anchor}"' in program for anchor in links)
    assert all("return" in text for text in _texts(browser_driver, "#program table.fired pre.code"))


@pytest.mark.slow
def test_the_decompiled_program_reads_with_its_line_numbers_level_with_its_lines(browser_driver):
    """A prediction page cites the program by line number: on the global page every number must sit beside its
    own line (long lines scroll instead of wrapping and pushing the code below its numbers)."""
    root = exported("transformer_program")
    open_page(browser_driver, root / "global.html")
    count = browser_driver.execute_script("return document.querySelectorAll('td.code a[id^=line-]').length")
    source = json.loads((root / "global_explanation.json").read_text())["details"]["program"]
    assert count == len(source.splitlines()) > 100
    for n in range(1, count + 1, 7):
        line, number = browser_driver.execute_script(
            f"return [document.getElementById('line-{n}').getBoundingClientRect().top,"
            f" document.querySelector('td.linenos a[href=\"#line-{n}\"]').getBoundingClientRect().top]")
        assert abs(line - number) < 2, f"line {n} is drawn {line - number:+.0f} px from its number"


# ---- language models --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_language_model_page_shows_the_end_of_its_context_decoded(browser_driver):
    from selenium.webdriver.common.by import By

    root = exported("lm_moex")
    record = _records("lm_moex")[0]
    context = record["tokens"]["context"]
    assert len(context) > 100 and any(t.startswith("<0x") for t in context)
    open_page(browser_driver, root / record_page(record))
    cells = browser_driver.find_elements(By.CSS_SELECTOR, "#input .tokens .tok")
    assert not [c.text for c in cells if "<0x" in c.text], "byte tokens are drawn as their characters"
    here = browser_driver.find_element(By.CSS_SELECTOR, "#input .tokens .tok.here")
    assert here == cells[-1] and here.find_element(By.TAG_NAME, "small").text == str(record["position"])
    text = browser_driver.find_element(By.CSS_SELECTOR, "#input pre.text").text.replace("·", " ").replace("¶", "")
    tail = bytes(int(t[3:5], 16) if t.startswith("<0x") else ord(t) for t in context[-40:]).decode()
    assert text.replace("\n", "").endswith(tail.replace("\n", ""))


def test_whitespace_classes_are_visible_marks():
    ctx = ReportContext(Path("."), "t", {"class_names": ["<pad>", " ", "<0x20>", "<0x0A>", "a", "<0x41>"]})
    assert ctx.class_names == ["<pad>", "␣ (space)", "␣ (space)", "↵ (newline)", "a", "A"]
    assert ctx.class_name(1) == "␣ (space)"


@pytest.mark.slow
def test_a_predicted_space_is_visible_everywhere_it_is_shown(browser_driver):
    from selenium.webdriver.common.by import By

    root = exported("lm_monet")
    record = _records("lm_monet")[0]
    assert record["predicted_label"] == "<0x20>", "the shipped Monet predicts a space after this context"
    open_page(browser_driver, root / record_page(record))
    assert browser_driver.find_element(By.TAG_NAME, "h1").text.endswith(": ␣ (space)")
    assert "Predicted ␣ (space)" in browser_driver.find_element(By.CSS_SELECTOR, "#prediction p").text
    assert "␣ (space)" in _texts(browser_driver, "#prediction table td")
    assert "part of the logit of ␣ (space)" in _texts(browser_driver, "table.evidence th")
    assert "<0x20>" not in browser_driver.find_element(By.TAG_NAME, "main").text.split("The record")[0]
    open_page(browser_driver, root / "index.html")
    assert "␣ (space)" in _texts(browser_driver, "#rows-body td")


@pytest.mark.slow
def test_a_chess_page_draws_the_board_of_the_game_so_far(browser_driver):
    import chess
    from selenium.webdriver.common.by import By

    from datamodules.chess import parse_game

    root = exported("chess")
    record = _records("chess")[0]
    text = "".join(record["tokens"]["context"])
    played = text if text.endswith(" ") else text.rsplit(" ", 1)[0]
    board = chess.Board()
    for san in parse_game(played):
        board.push_san(san)
    open_page(browser_driver, root / record_page(record))
    assert console_errors(browser_driver) == []
    svg = browser_driver.find_element(By.CSS_SELECTOR, "#input .board svg")
    assert svg.size["width"] > 200 and svg.find_elements(By.TAG_NAME, "use")  # the pieces
    assert browser_driver.find_element(By.CSS_SELECTOR, "#input code.fen").text == board.fen()


@pytest.mark.slow
def test_expert_rows_link_to_their_atlas_pages(browser_driver):
    from selenium.webdriver.common.by import By

    root = exported("chess")
    record = _records("chess")[0]
    pages = {e["unit"]: e["page"] for e in json.loads((root / "units" / "index.json").read_text()) if "page" in e}
    experts = [e for e in record["evidence"] if e["details"].get("part") == "mlp"]
    assert experts and all(e["index"] in pages for e in experts), "the units a page shows get atlas pages"
    open_page(browser_driver, root / record_page(record))
    assert broken_links(browser_driver, root) == []
    linked = {a.text: a.get_attribute("href") for a in
              browser_driver.find_elements(By.CSS_SELECTOR, "table.evidence td a")}
    for e in experts:
        assert linked[e["unit"]].endswith(f"/units/{pages[e['index']]}")


def test_remainder_rows_sum_units_of_the_kind_they_name():
    """The units a page does not show are summed by what they are: attention heads and embeddings are never
    "other neurons"."""
    from explain.report.prediction import evidence_rows, shown_units

    root = exported("chess")
    ctx = ReportContext.read(root, "t")
    record = _records("chess")[0]
    roles = {u: unit["role"] for u, unit in ctx.units.items()}
    assert {"neuron", "attention head", "embedding", "bias term"} <= set(roles.values())
    hidden = set(record["contributions"]["units"]) | set(record["contrast"]["units"])
    hidden -= set(shown_units(record))
    _, remainders = evidence_rows(record, ctx)
    counts = {g["name"]: g["count"] for g in remainders}
    for role in ("neuron", "attention head", "embedding", "bias term"):
        expected = sum(1 for u in hidden if roles.get(u) == role)
        assert counts.get(f"other {role}s ({expected})", 0) == expected, counts


def test_the_expert_atlas_is_opt_in_past_a_size_and_a_12_record_chess_export_takes_seconds(tmp_path):
    from datamodules import create_datamodule
    from explain import export_explanations
    from models import load_any

    model = load_any("chess_moex.chess")
    datamodule = create_datamodule("chess")
    datamodule.setup("test")
    start = time.perf_counter()
    export_explanations(model, datamodule.eval_dataloader("test"), tmp_path / "out", limit=12,
                        source_data=datamodule.eval_dataset("train"))
    seconds = time.perf_counter() - start
    units = tmp_path / "out" / "units"
    pages = list(units.glob("unit_*.html"))
    atlas = json.loads((tmp_path / "out" / "manifest.json").read_text())["atlas"]
    assert atlas["units"] > 4000 and atlas["pages"] == len(pages) <= 200  # explain.unit_pages.DEFAULT_PAGES
    assert atlas["left_out"] == atlas["units"] - atlas["pages"]
    assert sum(p.stat().st_size for p in units.iterdir()) < 2_000_000  # was 17 MB in 4,098 files
    assert f"{atlas['left_out']} without a page" in (tmp_path / "out" / "global.html").read_text()
    assert "--unit-pages all" in (units / "index.html").read_text()
    assert seconds < 60, f"the export took {seconds:.0f} s"  # 91 s before (about 10 s on a quiet machine now)


def test_unit_pages_all_writes_every_page_and_a_limit_keeps_the_units_shown(tmp_path):
    import torch

    from datamodules.base import DataSpec, TensorItems
    from datamodules.batch import Batch
    from datamodules.corpus import byte_vocab
    from explain import export_explanations
    from models.language_model import LanguageModel

    vocab = byte_vocab()
    spec = DataSpec(name="bytes", input_shape=(12,), num_classes=len(vocab), class_names=vocab, task="next_token",
                    vocab=vocab, special_tokens={"eos": "<eos>"}, causal=True, variable_length=True,
                    tokenizer={"type": "bytes"})
    model = LanguageModel(spec, n_layers=1, n_heads=2, d_model=16, mlp="relu", d_mlp=8, atlas_contexts=2).eval()
    x = torch.tensor([list(b"hello world!"), list(b"print(x + 1)")])
    model.collect_atlas([Batch(inputs=x, targets=x, ids=torch.arange(2))])
    items = TensorItems(inputs=x, targets=torch.roll(x, -1, 1))
    every = export_explanations(model, (x, None), tmp_path / "all", source_data=items, unit_pages_limit=None)
    with_contexts = [u for u in model.global_explanation().units if u.details.get("top_contexts")]
    assert every.atlas["pages"] == every.atlas["units"] == len(with_contexts) > 2
    some = export_explanations(model, (x, None), tmp_path / "two", source_data=items, unit_pages_limit=2)
    assert some.atlas["pages"] <= 2 and some.atlas["left_out"] == some.atlas["units"] - some.atlas["pages"]
    shown = {e["index"] for r in read_records(tmp_path / "two") for e in r["evidence"]}
    written = {int(p.stem.split("_")[1]) for p in (tmp_path / "two" / "units").glob("unit_*.html")}
    assert written and written <= shown


def test_text_lines_of_different_lengths_on_a_byte_level_model(tmp_path, capsys):
    from explain.__main__ import main

    text = tmp_path / "lines.txt"
    text.write_text("def f(x):\n    return x + 1\nprint(f(2))\nx = 1\n", encoding="utf-8")
    code = main(["--checkpoint", "moex_small.python_docs", "--text", str(text), "--out", str(tmp_path / "o"),
                 "--formats", "jsonl"])
    assert code == 0, capsys.readouterr().err
    records = [json.loads(line) for line in (tmp_path / "o" / "explanations.jsonl").read_text().splitlines()]
    assert [r["input_id"] for r in records] == ["line1:8", "line2:15", "line3:10", "line4:4"]
    lengths = [len(r["tokens"]["context"]) for r in records]
    assert lengths == [9, 16, 11, 5]  # each line read at its own length, nothing padded
