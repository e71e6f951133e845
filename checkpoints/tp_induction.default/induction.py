"""induction: a Transformer Program decompiled from the Intrinsic Zoo model tp_induction (data: induction).

run(tokens) takes the tokens, '<s>' first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

CAUSAL = True
CLASSES = ['?', '0', '1', '2', '3']
WEIGHTS_FILE = Path(__file__).with_name("induction_weights.csv")


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


def predicate_0_0(query_position, key_position):
    if query_position in {1}:
        return key_position == 0
    elif query_position in {3}:
        return key_position == 2
    elif query_position in {4, 6}:
        return key_position == 3
    elif query_position in {5, 7}:
        return key_position == 4
    elif query_position in {8}:
        return key_position == 7
    return key_position == 6


def predicate_1_0(query_position, key_position):
    if query_position in {0, 7}:
        return key_position == 6
    elif query_position in {1}:
        return key_position == 8
    elif query_position in {2}:
        return key_position == query_position
    elif query_position in {4, 8}:
        return key_position == 3
    elif query_position in {6}:
        return key_position == 5
    elif query_position in {9}:
        return key_position == 4
    return key_position == 2


def run(tokens):
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(positions, positions, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    # layer 1
    attn_1_0_selected = select_closest(positions, positions, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, tokens)
    # read-out
    weights = read_weights()
    categorical = {
        "tokens": tokens, "positions": positions, "attn_0_0_outputs": attn_0_0_outputs,
        "attn_1_0_outputs": attn_1_0_outputs,
    }
    numerical = {"ones": ones}
    per_position = [
        read_out({n: values[i] for n, values in categorical.items()},
                 {n: values[i] for n, values in numerical.items()}, weights)
        for i in range(len(tokens))
    ]
    return [CLASSES[argmax(logits)] for logits in per_position]
