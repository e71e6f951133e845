"""The input of a prediction, in its own modality: the image, a feature vector by name, or the token sequence
with its positions (and, for text, the decoded text with visible whitespace and the end of the context kept).
A family with a modality of its own (a chess board) registers a view in ``INPUT_VIEWS`` by data name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import ReportContext
from .html import esc, img, key_values, num
from .tokens import byte_value, token_label, token_text

MAX_TOKENS_SHOWN = 160  # the tokens drawn before the position explained; older ones are counted, not drawn
INPUT_VIEWS: dict[str, Callable[[dict[str, Any], ReportContext], str]] = {}  # data name -> extra input view


def input_view(data_name: str):
    """Register an extra view of a data set's inputs (drawn after the generic one)."""
    def register(fn):
        INPUT_VIEWS[data_name] = fn
        return fn
    return register


def visible(text: str) -> str:
    """Escaped text with its whitespace made visible: a space is a dot, a tab an arrow, a newline a pilcrow.
    A line may break after a space (a long line of text wraps instead of hiding its end)."""
    marks = {" ": "·<wbr>", "\t": "→<wbr>", "\n": "¶\n", "\r": "␍"}
    return "".join(f'<span class="ws">{marks[c]}</span>' if c in marks else esc(c) for c in text)


def image_input(record: dict[str, Any], ctx: ReportContext) -> str:
    picture = (record.get("assets") or {}).get("input")
    if picture:
        return f"<figure>{img('../' + picture, 'the input', 'pic')}<figcaption>the input</figcaption></figure>"
    limit = ctx.manifest.get("image_limit")
    return f'<p class="note">No picture of this input: the export drew the first {limit} only (--image-limit).</p>'


def vector_input(record: dict[str, Any], ctx: ReportContext) -> str:
    values = record.get("inputs") or []
    names = (ctx.spec.get("preprocessing") or {}).get("feature_names") or [f"x{i + 1}" for i in range(len(values))]
    return key_values((str(n), num(v)) for n, v in zip(names, values))


def token_input(record: dict[str, Any], ctx: ReportContext) -> str:
    tokens = record.get("tokens") or {}
    sequence = tokens.get("sequence") or tokens.get("context") or []
    read = len(tokens.get("context") or sequence)
    position = record.get("position")
    here = position if position is not None and position < len(sequence) else None
    start = max(0, (here if here is not None else len(sequence)) - MAX_TOKENS_SHOWN)
    if tokens.get("predicted_sequence"):
        parts = [sequence_table(tokens, here, read)]
    else:
        cells = []
        for i in range(start, len(sequence)):
            classes = "tok" + (" here" if i == here else "") + (" unread" if i >= read else "")
            cells.append(f'<span class="{classes}" title="position {i}: {esc(sequence[i])}">'
                         f'{esc(token_text(sequence[i]))}<small>{i}</small></span>')
        cut = f'<p class="note">{start} earlier token(s) not drawn.</p>' if start else ""
        parts = [f'<div class="tokens">{"".join(cells)}</div>{cut}']
    if read < len(sequence):
        parts.append('<p class="note">Faded tokens come after the position explained: a causal model does not '
                     'read them.</p>')
    elif tokens.get("sequence") and here is not None:
        parts.append(f'<p class="note">The model is not causal: the prediction at position {here} read all '
                     f'{len(sequence)} tokens.</p>')
    tokenizer = (ctx.spec.get("tokenizer") or {})
    if tokenizer.get("type") in ("bytes", "bpe") or tokenizer.get("join") == "":
        text = _decoded(sequence[:read])
        parts.append(f'<p>As text (whitespace shown; the end is what the model read last):</p>'
                     f'<pre class="text">{"…" if len(text) > 2000 else ""}{visible(text[-2000:])}</pre>')
    facts = [("token at the position", esc(token_text(tokens.get("token")))),
             ("predicted", esc(token_label(tokens.get("predicted"))))]
    if tokens.get("target") is not None:
        facts.append(("target", esc(token_label(tokens["target"]))))
    parts.append(key_values(facts))
    return "".join(parts)


def sequence_table(tokens: dict[str, Any], here: int | None, read: int) -> str:
    """The whole input with the model's label at every position under it (and the target where there is
    one): a token-labelling model's output is a sequence, and each page shows all of it."""
    sequence, predicted = tokens["sequence"], tokens["predicted_sequence"]
    targets = tokens.get("target_sequence")

    def cell(i: int, text: str, extra: str = "") -> str:
        classes = " ".join(c for c in ("here" if i == here else "", "unread" if i >= read else "", extra) if c)
        return f'<td class="{classes}">{text}</td>' if classes else f"<td>{text}</td>"

    head = "".join(f"<th>{i}</th>" for i in range(len(sequence)))
    rows = [("input", [cell(i, esc(token_text(t))) for i, t in enumerate(sequence)])]
    outcome = []
    for i, p in enumerate(predicted):
        target = targets[i] if targets and i < len(targets) else None
        mark = "" if targets is None else ("nolabel" if target is None else ("ok" if target == p else "bad"))
        outcome.append(cell(i, esc(token_text(p)), mark))
    rows.append(("predicted", outcome))
    if targets is not None:
        rows.append(("target", [cell(i, "—" if t is None else esc(token_text(t)), "nolabel" if t is None else "")
                                for i, t in enumerate(targets)]))
    body = "".join(f"<tr><th>{name}</th>{''.join(cells)}</tr>" for name, cells in rows)
    note = ""
    if targets is not None:
        wrong = sum(1 for p, t in zip(predicted, targets) if t is not None and p != t)
        labelled = sum(1 for t in targets if t is not None)
        note = (f'<p class="note">{labelled - wrong} of the {labelled} labelled positions right'
                f'{f", {wrong} wrong (red)" if wrong else ""}; — marks a position without a label (the BOS, the '
                f'EOS), which is neither right nor wrong.</p>')
    return (f'<table class="seq"><thead><tr><th>position</th>{head}</tr></thead><tbody>{body}</tbody></table>'
            + note)


def _decoded(tokens: list[str]) -> str:
    """Tokens as text; runs of byte tokens decoded together as UTF-8 (a character may take several bytes)."""
    out, pending = [], bytearray()
    for token in tokens:
        byte = byte_value(token)
        if byte is not None:
            pending.append(byte)
            continue
        out.append(pending.decode("utf-8", errors="replace"))
        pending.clear()
        out.append(token)
    out.append(pending.decode("utf-8", errors="replace"))
    return "".join(out)


def render_input(record: dict[str, Any], ctx: ReportContext) -> str:
    task = ctx.manifest.get("task") or ctx.spec.get("task")
    if task == "image_classification":
        body = image_input(record, ctx)
    elif record.get("tokens") is not None:
        body = token_input(record, ctx)
    elif record.get("inputs") is not None:
        body = vector_input(record, ctx)
    else:
        body = '<p class="note">This export holds no view of the input.</p>'
    extra = INPUT_VIEWS.get(ctx.manifest.get("data", ""))
    return body + (extra(record, ctx) if extra else "")
