"""Which lines of a decompiled Transformer Program ran for one position (``ProgramSection.lines``).

Every module of the program is a function of the values at one position: an MLP's lookup table of its inputs
there, a head's predicate of the query there (its ``if query in {...}`` branch depends on the query alone; the
key only decides the returned comparison). Calling each function on the position's values under a line tracer
gives the lines that fired, in the very source ``decompile`` writes and the global explanation shows, so a line
number on a prediction page is a line of that listing.
"""

from __future__ import annotations

import sys
from typing import Any

from .decompile import _reads, decompile, variable_types

MODULE_PREFIXES = {"cat_attn": "predicate", "num_attn": "num_predicate"}


class LineTracer:
    """The functions of a decompiled program's source, callable with the lines each call ran recorded."""

    def __init__(self, source: str):
        # The source is ``decompile``'s own output (names from a card enter it only as quoted constants); it is
        # executed as ``load_program`` executes a released program, without reading its weights file.
        self.namespace: dict[str, Any] = {"__name__": "tp_program_trace", "__file__": "program.py"}
        exec(compile(source, "program.py", "exec"), self.namespace)  # noqa: S102
        self.source = source.splitlines()

    def call(self, function: str, *args: Any) -> tuple[Any, list[int]]:
        """(result, the line numbers of ``function`` that ran, in order, each once)."""
        fn = self.namespace[function]
        code, lines = fn.__code__, []

        def tracer(frame, event, arg):
            if frame.f_code is not code:
                return None
            if event == "line" and frame.f_lineno not in lines:
                lines.append(frame.f_lineno)
            return tracer

        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            result = fn(*args)
        finally:
            sys.settrace(previous)
        return result, lines

    def branch(self, function: str, *args: Any) -> tuple[Any, list[int]]:
        """(result, the lines of the branch that gave it): the ``if``/``elif`` that held (all its lines, when a
        long set is wrapped) and its ``return``, or the closing default ``return`` when no condition held."""
        result, ran = self.call(function, *args)
        end = ran[-1]
        if not self.source[end - 1].startswith("        return"):  # the function's last line: the default
            return result, [end]
        start = ran[-2] if len(ran) > 1 else end
        while start > 1 and not self.source[start - 1].lstrip().startswith(("if ", "elif ")):
            start -= 1
        return result, list(range(start, end + 1))

    def parameters(self, function: str) -> list[str]:
        code = self.namespace[function].__code__
        return list(code.co_varnames[: code.co_argcount])


def program_value(value: Any) -> Any:
    """A record's value as the program holds it: numerical variables are integers there."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def tracer_for(model) -> LineTracer:
    """The model's decompiled program, compiled once per state of its weights."""
    key = tuple(p._version for p in model.parameters())
    cached = getattr(model, "_line_tracer", None)
    if cached is None or cached[0] != key:
        cached = (key, LineTracer(decompile(model, model.spec.name)))
        model._line_tracer = cached
    return cached[1]


def program_trace(model, values: dict[str, list[Any]], selected: dict[str, Any], t: int,
                  tracer: LineTracer) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(heads, lines) at position ``t`` of one sequence: ``values`` holds every variable at every position,
    ``selected`` each head's selected key position (categorical) or matched positions (numerical)."""
    heads, lines = [], []
    for v in model.variables:
        if v.module is None:
            continue
        layer, kind, index = v.module
        reads = _reads(model, v)
        at = {name: program_value(values[name][t]) for name in reads.get("inputs", [])}
        if kind in MODULE_PREFIXES:
            head = v.name[: -len("_outputs")]
            chosen = selected[head]
            chosen = [chosen] if isinstance(chosen, int) else list(chosen)
            key_at = chosen[0] if chosen else 0  # the branch depends on the query only; any key shows it
            function = f"{MODULE_PREFIXES[kind]}_{layer}_{index}"
            query, key = program_value(values[reads["query"]][t]), program_value(values[reads["key"]][key_at])
            result, ran = tracer.branch(function, query, key)
            matched = bool(result) if kind == "cat_attn" else bool(chosen)
            # what the head reads is the same at every position: the global explanation holds it
            heads.append({"name": head, "kind": "categorical" if kind == "cat_attn" else "numerical",
                          "selected": chosen, "matched": matched})
            names = tracer.parameters(function)
            lines.append({"variable": v.name, "function": function, "arguments": {names[0]: query}, "lines": ran,
                          "result": program_value(values[v.name][t])})
        else:
            function = v.name[: -len("_outputs")]
            inputs = list(dict.fromkeys(reads["inputs"]))
            args = [at[name] for name in inputs]
            result, ran = tracer.branch(function, *args)
            lines.append({"variable": v.name, "function": function,
                          "arguments": dict(zip(tracer.parameters(function), args)), "lines": ran, "result": result})
    return heads, lines


def sequence_values(model, cat_values, x_num, b: int, length: int) -> dict[str, list[Any]]:
    """Every variable's value at each of the first ``length`` positions of sequence ``b``, typed as the
    program types them (tokens as strings, positions and MLP outputs as integers, numbers as floats)."""
    types = variable_types(model)
    values: dict[str, list[Any]] = {}
    cat, num = cat_values[b, :length].tolist(), x_num[b, :length].tolist()
    for i, v in enumerate(model.cat_variables):
        column = [row[i] for row in cat]
        values[v.name] = [model.vocab[c] for c in column] if types[v.name] == "tokens" else column
    for i, v in enumerate(model.num_variables):
        values[v.name] = [float(row[i]) for row in num]
    return values


__all__ = ["LineTracer", "program_trace", "sequence_values", "tracer_for"]
