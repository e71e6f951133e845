"""The input of a prediction, in its own modality: the image, a feature vector by name, or the token sequence
with its positions (and, for text, the decoded text with visible whitespace and the end of the context kept).
A family with a modality of its own (a chess board) registers a view in ``INPUT_VIEWS`` by data name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import ReportContext
from .html import esc, img, key_values, num

MAX_TOKENS_SHOWN = 160  # the tokens drawn before the position explained; older ones are counted, not drawn
INPUT_VIEWS: dict[str, Callable[[dict[str, Any], ReportContext], str]] = {}  # data name -> extra input view


def input_view(data_name: str):
    """Register an extra view of a data set's inputs (drawn after the generic one)."""
    def register(fn):
        INPUT_VIEWS[data_name] = fn
        return fn
    return register


def visible(text: str) -> str:
    """Escaped text with its whitespace made visible: a space is a dot, a tab an arrow, a newline a pilcrow."""
    marks = {" ": "·", "\t": "→", "\n": "¶\n", "\r": "␍"}
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
    cells = []
    for i in range(start, len(sequence)):
        classes = "tok" + (" here" if i == here else "") + (" unread" if i >= read else "")
        cells.append(f'<span class="{classes}" title="position {i}">{visible(sequence[i])}<small>{i}</small></span>')
    cut = f'<p class="note">{start} earlier token(s) not drawn.</p>' if start else ""
    parts = [f'<div class="tokens">{"".join(cells)}</div>{cut}']
    if read < len(sequence):
        parts.append('<p class="note">Faded tokens come after the position explained: a causal model does not '
                     'read them.</p>')
    tokenizer = (ctx.spec.get("tokenizer") or {})
    if tokenizer.get("type") in ("bytes", "bpe") or tokenizer.get("join") == "":
        text = "".join(_byte_text(t) for t in sequence[:read])
        parts.append(f'<p>As text (whitespace shown; the end is what the model read last):</p>'
                     f'<pre class="text">{visible(text[-2000:])}</pre>')
    facts = [("token at the position", visible(tokens.get("token", ""))),
             ("predicted", visible(tokens.get("predicted", "")))]
    if tokens.get("target") is not None:
        facts.append(("target", visible(tokens["target"])))
    parts.append(key_values(facts))
    return "".join(parts)


def _byte_text(token: str) -> str:
    """A byte token such as ``<0x20>`` as its character (byte-level vocabularies name bytes that way)."""
    if len(token) == 6 and token.startswith("<0x") and token.endswith(">"):
        try:
            return bytes([int(token[3:5], 16)]).decode("latin-1")
        except ValueError:
            return token
    return token


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
