"""Decompile a discrete ``TransformerProgram`` into a readable Python module (§3.4 of the paper).

``decompile(model, name)`` returns the source of a module with

* ``check_tokens``, called first by ``run``: a ``ValueError`` that says why for a sequence longer than the
  context or, with one-hot tokens, a token outside the vocabulary (learned embeddings read unknown words as
  ``<unk>``);
* the selection library: ``select_closest`` (categorical heads: the closest matching key, the earlier one at
  equal distance, the query's own position last, else the BOS at 0), ``select``, ``aggregate`` and
  ``aggregate_sum`` (numerical heads);
* one ``predicate_<layer>_<head>(query, key)`` per categorical head and ``num_predicate_<layer>_<head>`` per
  numerical head, written as ``if query in {...}: return key == value`` with the query values that ask for the
  same key value merged;
* one ``mlp_<layer>_<i>`` / ``num_mlp_<layer>_<i>`` lookup table per MLP, enumerated over every input the
  program can reach, with the most frequent output as the default and only the other entries listed (the
  integer inputs of a numerical MLP as ranges: ``if 3 <= a <= 5 and b <= 2: return 4``);
* ``run(tokens)``: the program itself, then the linear read-out whose weights are data beside the code, in
  ``<name>_weights.csv`` (one row per variable and value, one column per output class; learned word
  embeddings go to ``<name>_embeddings.csv``).

Values are typed through the computation: tokens are strings, positions and MLP outputs are ints, numerical
variables are ints. Only reachable values appear (no ``<pad>``, no position beyond the context, no MLP input
that earlier layers cannot produce), so unreachable branches are pruned.

The program computes exactly what the model computes in eval mode (the argmax program, in float64);
``program_agreement`` checks it on a data split.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import torch

from datamodules.batch import as_batch

from ..release import atomic_write_text

if TYPE_CHECKING:  # the model imports this module, never the other way round
    from .transformer_programs import LookupMLP, TransformerProgram, Variable

LINE = 108  # wrap generated lines before this width
SAME = -1  # a predicate row asking for the query's own value


# ---- what each variable can hold -------------------------------------------------------------------------
def variable_types(model: TransformerProgram) -> dict[str, str]:
    """"tokens" | "positions" | "ints" (MLP outputs, embedding values) | "numbers", per variable name."""
    types: dict[str, str] = {}
    cat = model.cat_variables
    for v in model.variables:
        if v.source in ("tokens", "positions"):
            types[v.name] = v.source
        elif v.source in ("embedding", "mlp", "num_mlp"):
            types[v.name] = "ints"
        elif v.kind == "numerical":
            types[v.name] = "numbers"
        else:  # a categorical head copies its value variable
            layer, _, head = v.module
            types[v.name] = types[cat[model.cat_attn[layer].value.choices()[head]].name]
    return types


def _reads(model: TransformerProgram, v: Variable) -> dict[str, Any]:
    """The variables a module reads, by name."""
    cat, num = model.cat_variables, model.num_variables
    layer, kind, index = v.module
    if kind == "cat_attn":
        head = model.cat_attn[layer]
        return {"query": cat[head.query.choices()[index]].name, "key": cat[head.key.choices()[index]].name,
                "value": cat[head.value.choices()[index]].name}
    if kind == "num_attn":
        head = model.num_attn[layer]
        return {"query": cat[head.query.choices()[index]].name, "key": cat[head.key.choices()[index]].name,
                "value": num[head.value.choices()[index]].name}
    mlps = model.cat_mlps if kind == "cat_mlp" else model.num_mlps
    pool = cat if kind == "cat_mlp" else num
    return {"inputs": [pool[i].name for i in mlps[layer][index].read.choices()]}


def _mlp(model: TransformerProgram, v: Variable) -> LookupMLP:
    layer, kind, index = v.module
    return (model.cat_mlps if kind == "cat_mlp" else model.num_mlps)[layer][index]


@torch.no_grad()
def mlp_table(model: TransformerProgram, v: Variable, domains: dict[str, list[int]]) -> dict[tuple, int]:
    """Input values -> output value of an MLP, for every reachable input (one input when both reads are the
    same variable). Computed by the model's own discrete ``apply_table``."""
    mlp = _mlp(model, v)
    names = _reads(model, v)["inputs"]
    unique = list(dict.fromkeys(names))
    keys = list(itertools.product(*(domains[n] for n in unique)))
    if not keys:
        return {}
    values = torch.tensor(keys, dtype=torch.long)  # (N, len(unique))
    columns = [values[:, unique.index(n)] for n in names]
    if v.source == "mlp":
        inputs = torch.stack([torch.nn.functional.one_hot(c, model.d_var) for c in columns])  # (2, N, k)
    else:
        inputs = torch.stack(columns).unsqueeze(-1)  # (2, N, 1)
    out = mlp.apply_table(inputs.double(), None).argmax(-1)
    return {key: int(o) for key, o in zip(keys, out.tolist())}


def reachable_values(model: TransformerProgram) -> tuple[dict[str, list[int]], dict[str, dict[tuple, int]]]:
    """Every value each variable can take on some input, and the MLP tables over those values."""
    domains: dict[str, list[int]] = {}
    tables: dict[str, dict[tuple, int]] = {}
    pad = model.spec.special_tokens.get("pad")  # never a real input
    for v in model.variables:
        if v.source == "tokens":
            domains[v.name] = [i for i, t in enumerate(model.vocab) if t != pad]
        elif v.source == "embedding":
            column = int(v.name[3:].split("_")[0])
            table = model.embedding.argmax(-1)[:, column]
            domains[v.name] = sorted({int(table[i]) for i, t in enumerate(model.vocab) if t != pad})
        elif v.source == "positions":
            domains[v.name] = list(range(model.n_ctx))
        elif v.source == "ones":
            domains[v.name] = [1]
        elif v.source == "attention":
            domains[v.name] = domains[_reads(model, v)["value"]]
        elif v.source == "num_attention":  # a sum over at most n_ctx keys of non-negative integers
            top = max(domains[_reads(model, v)["value"]])
            domains[v.name] = list(range(model.n_ctx * top + 1))
        else:
            tables[v.name] = mlp_table(model, v, domains)
            domains[v.name] = sorted(set(tables[v.name].values()))
    return domains, tables


# ---- source generation -------------------------------------------------------------------------------------
def _short(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _literal(value: int, kind: str, vocab: list[str]) -> str:
    return repr(vocab[value]) if kind == "tokens" else str(value)


def _wrap(head: str, items: list[str], tail: str, indent: str) -> list[str]:
    """``head + "{a, b, ...}" + tail`` on one line, or wrapped over several."""
    one = f"{indent}{head}{{{', '.join(items)}}}{tail}"
    if len(one) <= LINE:
        return [one]
    lines, current = [f"{indent}{head}{{"], indent + "    "
    for item in items:
        if len(current) + len(item) + 2 > LINE:
            lines.append(current.rstrip())
            current = indent + "    "
        current += item + ", "
    lines.append(current.rstrip())
    lines.append(f"{indent}}}{tail}")
    return lines


def _predicate_source(model, v: Variable, reads: dict, domains, types, prefix: str) -> list[str]:
    layer, kind, index = v.module
    head = (model.cat_attn if kind == "cat_attn" else model.num_attn)[layer]
    wanted = head.predicate[index].argmax(-1).tolist()  # query value -> the key value it asks for
    q_name, k_name = _short(reads["query"]), _short(reads["key"])
    if q_name == k_name:
        q_name, k_name = f"query_{q_name}", f"key_{k_name}"
    q_type, k_type = types[reads["query"]], types[reads["key"]]
    # Query values grouped by what they ask for: a key value, no reachable key (None), or, when query and key
    # hold the same kind of value, the query's own value (SAME: "key == query").
    groups: dict[int | None, list[int]] = defaultdict(list)
    for q in domains[reads["query"]]:
        k = wanted[q]
        if k not in domains[reads["key"]]:
            k = None
        elif k == q and q_type == k_type:
            k = SAME
        groups[k].append(q)
    lit = lambda value, kind: _literal(value, kind, model.vocab)  # noqa: E731

    def result(k):
        if k == SAME:
            return f"{k_name} == {q_name}"
        return "False" if k is None else f"{k_name} == {lit(k, k_type)}"

    out = [f"def {prefix}_{layer}_{index}({q_name}, {k_name}):"]
    order = sorted(groups, key=lambda k: (-len(groups[k]), -2 if k is None else k))
    default, rest = order[0], sorted(order[1:], key=lambda k: min(groups[k]))
    for i, k in enumerate(rest):
        items = [lit(q, q_type) for q in groups[k]]
        out += _wrap(f"{'if' if i == 0 else 'elif'} {q_name} in ", items, ":", "    ")
        out.append(f"        return {result(k)}")
    out.append(f"    return {result(default)}")
    return out


def _int_runs(values) -> list[tuple[int, int]]:
    """Sorted integers as maximal runs of consecutive values: [0, 1, 2, 5] -> [(0, 2), (5, 5)]."""
    runs: list[list[int]] = []
    for x in sorted(values):
        if runs and x == runs[-1][1] + 1:
            runs[-1][1] = x
        else:
            runs.append([x, x])
    return [tuple(run) for run in runs]


def _int_condition(name: str, values, domain: list[int]) -> str:
    """``values`` (integers within ``domain``) as comparisons: ``x <= 3 or 5 <= x <= 9 or x == 12``."""
    lo, hi = min(domain), max(domain)
    parts = []
    for a, b in _int_runs(values):
        if a == b:
            parts.append(f"{name} == {a}")
        elif a == lo:
            parts.append(f"{name} <= {b}")
        elif b == hi:
            parts.append(f"{name} >= {a}")
        else:
            parts.append(f"{a} <= {name} <= {b}")
    return " or ".join(parts)


def _num_mlp_rows(table: dict[tuple, int], default: int) -> list[tuple[range | None, list[int], int]]:
    """(first-input range or None for one input, last-input values, output) rows of a numerical MLP over one or
    two integers. Its argmax regions are bands of the integer grid, so they read better as ranges than as an
    enumeration: one row per run of consecutive first inputs that share the same set of last inputs."""
    grouped: dict[int, dict[tuple, set[int]]] = defaultdict(lambda: defaultdict(set))  # output -> first -> lasts
    for key, o in table.items():
        if o != default:
            grouped[o][key[:-1]].add(key[-1])
    rows = []
    for o, by_first in sorted(grouped.items()):
        runs: list[list] = []  # [first a, last a, the last-input values]
        for first, lasts in sorted(by_first.items()):
            a = first[0] if first else None
            if runs and a is not None and runs[-1][1] == a - 1 and runs[-1][2] == lasts:
                runs[-1][1] = a
            else:
                runs.append([a, a, lasts])
        rows += [(None if a0 is None else range(a0, a1 + 1), sorted(lasts), o) for a0, a1, lasts in runs]
    return rows


def _mlp_source(model, v: Variable, table: dict[tuple, int], reads, types) -> list[str]:
    names = list(dict.fromkeys(reads["inputs"]))
    args = [_short(n) for n in names]
    kinds = [types[n] for n in names]
    fn = v.name[: -len("_outputs")]
    out = [f"def {fn}({', '.join(args)}):"]
    if not table:
        return out + ["    return 0"]
    counts = Counter(table.values())
    default = max(counts, key=lambda o: (counts[o], -o))
    if v.source == "num_mlp":  # integer inputs: ranges
        domains = [sorted({key[i] for key in table}) for i in range(len(args))]
        for i, (firsts, lasts, o) in enumerate(_num_mlp_rows(table, default)):
            keyword = "if" if i == 0 else "elif"
            first = "" if firsts is None else _int_condition(args[0], firsts, domains[0]) + " and "
            last = _int_condition(args[-1], lasts, domains[-1])
            line = f"    {keyword} {first}{f'({last})' if first and ' or ' in last else last}:"
            out += [line] if len(line) <= LINE else _wrap(f"{keyword} {first}{args[-1]} in ", list(map(str, lasts)),
                                                          ":", "    ")
            out.append(f"        return {o}")
        return out + [f"    return {default}"]
    by_output: dict[int, list[tuple]] = defaultdict(list)
    for key, o in table.items():
        if o != default:
            by_output[o].append(key)
    subject = args[0] if len(args) == 1 else "key"
    if len(args) > 1 and by_output:
        out.append(f"    key = ({', '.join(args)})")
    for i, o in enumerate(sorted(by_output)):
        if len(args) == 1:
            items = [_literal(key[0], kinds[0], model.vocab) for key in by_output[o]]
        else:
            items = ["(" + ", ".join(_literal(x, k, model.vocab) for x, k in zip(key, kinds)) + ")"
                     for key in by_output[o]]
        out += _wrap(f"{'if' if i == 0 else 'elif'} {subject} in ", items, ":", "    ")
        out.append(f"        return {o}")
    out.append(f"    return {default}")
    return out


def _example(model: TransformerProgram) -> list[str]:
    """A short valid input for the error messages: the BOS (if any) and two ordinary tokens."""
    special = set(model.spec.special_tokens.values())
    ordinary = [t for t in model.vocab if t not in special][:2]
    bos = model.spec.special_tokens.get("bos")
    return ([bos] if bos else []) + ordinary


def _check_source(learned: bool, bos: str | None) -> str:
    """The source of ``check_tokens`` (see the module docstring)."""
    lines = [
        "def check_tokens(tokens):",
        '    """Refuse a sequence the model could not have read, with a message that says why."""',
        "    if not isinstance(tokens, (list, tuple)):",
        '        raise ValueError(f"expected a list of tokens such as {EXAMPLE!r}, got {type(tokens).__name__} "',
        '                         f"(split a string first: text.split())")',
        "    if not tokens:",
        '        raise ValueError("an empty sequence: there is nothing to run")',
        "    if len(tokens) > MAX_LENGTH:",
        '        raise ValueError(f"at most {MAX_LENGTH} tokens fit the model\'s context, got {len(tokens)}")',
    ]
    if bos is not None:  # names from the card are constants (BOS), never pasted into code or an f-string
        lines += [
            "    if tokens[0] != BOS:",
            '        raise ValueError(f"a sequence starts with {BOS!r} (as the model was trained), got {tokens[0]!r}")',
        ]
    if not learned:
        lines += [
            "    unknown = sorted(set(tokens) - set(VOCABULARY))",
            "    if unknown:",
            '        raise ValueError(f"unknown tokens {unknown}; the vocabulary is {VOCABULARY}")',
        ]
    return "\n".join(lines)


LIBRARY = '''
def select_closest(keys, queries, predicate):
    """For each query, the position of the closest matching key (the earlier one of two at the same
    distance, the query's own position last); position 0 (the BOS) when no key matches."""
    selected = []
    for i, query in enumerate(queries):
        visible = keys[: i + 1] if CAUSAL else keys
        matches = [j for j, key in enumerate(visible) if predicate(query, key)]
        if matches:
            selected.append(min(matches, key=lambda j: (j == i, abs(i - j), j > i)))
        else:
            selected.append(0)
    return selected


def aggregate(selected, values):
    """The value at each selected position."""
    return [values[j] for j in selected]


def select(keys, queries, predicate):
    """For each query, the positions of every matching key."""
    return [[j for j, key in enumerate(keys[: i + 1] if CAUSAL else keys) if predicate(query, key)]
            for i, query in enumerate(queries)]


def aggregate_sum(selection, values):
    """For each query, the sum of the values at its matching positions (a count when the values are 1)."""
    return [sum(values[j] for j in matches) for matches in selection]
'''

READOUT = '''
def read_weights():
    """(variable, value) -> one weight per class; the value is empty for numerical variables."""
    with open(WEIGHTS_FILE, newline="") as f:
        rows = list(csv.reader(f))
    return {(row[0], row[1]): [float(w) for w in row[2:]] for row in rows[1:]}


def read_out(categorical, numerical, weights):
    """Per-class logits: the sum of the weight of every variable's value (times the value if numerical)."""
    logits = [0.0 for _ in CLASSES]
    for name, value in categorical.items():
        logits = [total + w for total, w in zip(logits, weights[(name, str(value))])]
    for name, value in numerical.items():
        logits = [total + value * w for total, w in zip(logits, weights[(name, "")])]
    return logits


def argmax(logits):
    return max(range(len(logits)), key=lambda c: logits[c])
'''


def readout_weights_csv(model: TransformerProgram, domains: dict[str, list[int]] | None = None) -> str:
    """The read-out as a table: one row per (categorical variable, reachable value) and per numerical
    variable, one column per unmasked output class (floats written exactly)."""
    domains = domains or reachable_values(model)[0]
    types = variable_types(model)
    keep = [c for c, masked in enumerate(model.class_mask.tolist()) if not masked]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["variable", "value", *(model.spec.class_names[c] for c in keep)])
    weights_cat = model.readout_cat.detach().double()
    for i, v in enumerate(model.cat_variables):
        for value in domains[v.name]:
            label = model.vocab[value] if types[v.name] == "tokens" else str(value)
            writer.writerow([v.name, label, *(repr(float(weights_cat[c, i, value])) for c in keep)])
    weights_num = model.readout_num.detach().double()
    for i, v in enumerate(model.num_variables):
        writer.writerow([v.name, "", *(repr(float(weights_num[c, i])) for c in keep)])
    return buffer.getvalue()


def embeddings_csv(model: TransformerProgram) -> str:
    """Learned word embeddings: each word's value in each embedding variable."""
    table = model.embedding.argmax(-1)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["word", *(v.name for v in model.cat_variables if v.source == "embedding")])
    for i, word in enumerate(model.vocab):
        if word != model.spec.special_tokens.get("pad"):
            writer.writerow([word, *table[i].tolist()])
    return buffer.getvalue()


def decompile(model: TransformerProgram, name: str = "program") -> str:
    """The source of a Python module equivalent to ``model``'s discrete program (see the module docstring);
    it reads ``<name>_weights.csv`` (and ``<name>_embeddings.csv``) from its own folder."""
    model = model.eval()
    domains, tables = reachable_values(model)
    types = variable_types(model)
    masked = model.class_mask.tolist()
    classes = [c for c, m in zip(model.spec.class_names, masked) if not m]
    learned = model.embedding is not None
    bos = model.spec.special_tokens.get("bos")
    # Every name that comes from the card (model, data, tokens, classes) enters the source as a repr'd constant,
    # never inside a docstring, a comment or an f-string: a crafted card cannot add code to the program.
    header = [
        '"""A Transformer Program decompiled from an Intrinsic Zoo model (MODEL, trained on DATA).',
        "",
        "run(tokens) takes the tokens" + (", BOS first," if bos is not None else "") + " and returns "
        + ("the predicted class." if model.pooled else "one predicted label per token."),
        '"""',
        "",
        "import csv",
        "from pathlib import Path",
        "",
        f"MODEL = {str(model.variant or type(model).__name__)!r}",
        f"DATA = {str(model.spec.name)!r}",
        *([f"BOS = {bos!r}"] if bos is not None else []),
        f"CAUSAL = {model.causal}",
        f"CLASSES = {classes!r}",
        f"MAX_LENGTH = {model.n_ctx}",
        f"EXAMPLE = {_example(model)!r}",
    ]
    if learned:  # an open vocabulary: unknown words read as <unk>
        header.append(f"EMBEDDINGS_FILE = Path(__file__).with_name({name + '_embeddings.csv'!r})")
    else:
        pad = model.spec.special_tokens.get("pad")
        header.append(f"VOCABULARY = {[t for t in model.vocab if t != pad]!r}")
    header.append(f"WEIGHTS_FILE = Path(__file__).with_name({name + '_weights.csv'!r})")
    functions: list[list[str]] = []
    body = ["    positions = list(range(len(tokens)))", "    ones = [1 for _ in tokens]"]
    if learned:
        unk = model.spec.special_tokens.get("unk", model.vocab[1])
        body = [
            "    with open(EMBEDDINGS_FILE, newline=\"\") as f:",
            "        embeddings = {row[0]: [int(x) for x in row[1:]] for row in list(csv.reader(f))[1:]}",
            f"    rows = [embeddings.get(token, embeddings[{unk!r}]) for token in tokens]",
            *[f"    {v.name} = [row[{i}] for row in rows]"
              for i, v in enumerate(x for x in model.cat_variables if x.source == "embedding")],
            *body,
        ]
    body.insert(0, "    check_tokens(tokens)")
    for layer in range(len(model.cat_attn)):
        body.append(f"    # layer {layer}")
        for v in model.variables:
            if v.module is None or v.module[0] != layer:
                continue
            reads = _reads(model, v)
            kind, index = v.module[1], v.module[2]
            if kind in ("cat_attn", "num_attn"):
                prefix = "predicate" if kind == "cat_attn" else "num_predicate"
                functions.append(_predicate_source(model, v, reads, domains, types, prefix))
                fn = f"{prefix}_{layer}_{index}"
                if kind == "cat_attn":
                    keys_queries = f"{reads['key']}, {reads['query']}"
                    body.append(f"    {v.name[:-8]}_selected = select_closest({keys_queries}, {fn})")
                    body.append(f"    {v.name} = aggregate({v.name[:-8]}_selected, {reads['value']})")
                else:
                    keys_queries = f"{reads['key']}, {reads['query']}"
                    body.append(f"    {v.name[:-8]}_selection = select({keys_queries}, {fn})")
                    body.append(f"    {v.name} = aggregate_sum({v.name[:-8]}_selection, {reads['value']})")
            else:
                functions.append(_mlp_source(model, v, tables[v.name], reads, types))
                inputs = list(dict.fromkeys(reads["inputs"]))
                fn = v.name[: -len("_outputs")]
                if len(inputs) == 1:
                    body.append(f"    {v.name} = [{fn}(x) for x in {inputs[0]}]")
                else:
                    body.append(f"    {v.name} = [{fn}(*xs) for xs in zip({', '.join(inputs)})]")
    cat_names = [v.name for v in model.cat_variables]
    num_names = [v.name for v in model.num_variables]
    body += [
        "    # read-out",
        "    weights = read_weights()",
        *_wrap("categorical = ", [f'"{n}": {n}' for n in cat_names], "", "    "),
        *_wrap("numerical = ", [f'"{n}": {n}' for n in num_names], "", "    "),
        "    per_position = [",
        "        read_out({n: values[i] for n, values in categorical.items()},",
        "                 {n: values[i] for n, values in numerical.items()}, weights)",
        "        for i in range(len(tokens))",
        "    ]",
    ]
    if model.pooled:
        body += ["    logits = [sum(column) / len(tokens) for column in zip(*per_position)]",
                 "    return CLASSES[argmax(logits)]"]
    else:
        body += ["    return [CLASSES[argmax(logits)] for logits in per_position]"]
    parts = ["\n".join(header), _check_source(learned, bos), LIBRARY.strip("\n"),
             READOUT.strip("\n")]
    parts += ["\n".join(f) for f in functions]
    parts.append("\n".join(["def run(tokens):", *body]))
    return "\n\n\n".join(parts) + "\n"


# ---- files and checks ------------------------------------------------------------------------------------
def save_program(model: TransformerProgram, directory: str | Path, name: str = "program") -> Path:
    """Write ``<name>.py`` + ``<name>_weights.csv`` (+ ``<name>_embeddings.csv``) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    domains, _ = reachable_values(model.eval())
    atomic_write_text(directory / f"{name}_weights.csv", readout_weights_csv(model, domains))
    if model.embedding is not None:
        atomic_write_text(directory / f"{name}_embeddings.csv", embeddings_csv(model))
    path = directory / save_program_name(name)
    atomic_write_text(path, decompile(model, name))
    return path


def save_program_name(name: str) -> str:
    return f"{name}.py"


def load_program(path: str | Path) -> ModuleType:
    """Import a decompiled program from its file (under a unique module name)."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"tp_program_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@torch.no_grad()
def compare_program(model: TransformerProgram, program: ModuleType, x: torch.Tensor) -> tuple[int, int]:
    """(agreeing outputs, outputs) between ``program.run`` and the model's discrete program on ids ``x``:
    every non-pad token for token tasks, every sequence for pooled ones."""
    model = model.eval()
    predictions = model(x).argmax(-1)
    agree = total = 0
    names = model.spec.class_names
    for b in range(x.shape[0]):
        ids = [int(i) for i in x[b] if int(i) != model.pad_id]  # pad_id None: every token
        output = program.run([model.vocab[i] for i in ids])
        if model.pooled:
            agree += int(output == names[int(predictions[b])])
            total += 1
        else:
            positions = [t for t in range(x.shape[1]) if int(x[b, t]) != model.pad_id]
            expected = [names[int(predictions[b, t])] for t in positions]
            agree += sum(o == e for o, e in zip(output, expected))
            total += len(expected)
    return agree, total


def program_agreement(model: TransformerProgram, program: str | Path | ModuleType, dataloader) -> float:
    """The fraction of outputs on which the decompiled program and the model agree over a whole loader."""
    module = program if isinstance(program, ModuleType) else load_program(program)
    agree = total = 0
    for batch in dataloader:
        a, t = compare_program(model, module, as_batch(batch).inputs)
        agree, total = agree + a, total + t
    return agree / max(total, 1)


__all__ = ["compare_program", "decompile", "embeddings_csv", "load_program", "program_agreement",
           "reachable_values", "readout_weights_csv", "save_program", "save_program_name", "variable_types"]
