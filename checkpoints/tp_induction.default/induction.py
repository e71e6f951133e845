"""A Transformer Program decompiled from an Intrinsic Zoo model (MODEL, trained on DATA).

run(tokens) takes the tokens, BOS first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

MODEL = 'tp_induction'
DATA = 'induction'
BOS = '<s>'
CAUSAL = True
CLASSES = ['?', '0', '1', '2', '3']
MAX_LENGTH = 10
EXAMPLE = ['<s>', 'a', 'b']
VOCABULARY = ['<s>', 'a', 'b', 'c', 'd', '0', '1', '2', '3']
WEIGHTS_FILE = Path(__file__).with_name('induction_weights.csv')


def check_tokens(tokens):
    """Refuse a sequence the model could not have read, with a message that says why."""
    if not isinstance(tokens, (list, tuple)):
        raise ValueError(f"expected a list of tokens such as {EXAMPLE!r}, got {type(tokens).__name__} "
                         f"(split a string first: text.split())")
    if not tokens:
        raise ValueError("an empty sequence: there is nothing to run")
    if len(tokens) > MAX_LENGTH:
        raise ValueError(f"at most {MAX_LENGTH} tokens fit the model's context, got {len(tokens)}")
    if tokens[0] != BOS:
        raise ValueError(f"a sequence starts with {BOS!r} (as the model was trained), got {tokens[0]!r}")
    unknown = sorted(set(tokens) - set(VOCABULARY))
    if unknown:
        raise ValueError(f"unknown tokens {unknown}; the vocabulary is {VOCABULARY}")


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


def predicate_0_0(query_token, key_token):
    if query_token in {'a'}:
        return key_token == 'c'
    elif query_token in {'c'}:
        return key_token == '1'
    elif query_token in {'0', '1', '2'}:
        return key_token == 'b'
    return key_token == 'a'


def predicate_0_1(query_position, key_position):
    if query_position in {0}:
        return key_position == 1
    elif query_position in {1, 2, 6}:
        return key_position == 5
    elif query_position in {3}:
        return key_position == 2
    elif query_position in {5, 8}:
        return key_position == 4
    return key_position == 3


def predicate_0_2(query_position, key_position):
    if query_position in {0}:
        return key_position == 6
    elif query_position in {2, 4}:
        return key_position == 3
    elif query_position in {5}:
        return key_position == 7
    elif query_position in {6}:
        return key_position == 5
    elif query_position in {7}:
        return key_position == query_position
    elif query_position in {8}:
        return key_position == 4
    elif query_position in {9}:
        return key_position == 0
    return key_position == 2


def predicate_0_3(query_position, key_position):
    if query_position in {2}:
        return key_position == 1
    elif query_position in {4}:
        return key_position == 3
    elif query_position in {5}:
        return key_position == 4
    elif query_position in {6}:
        return key_position == 5
    elif query_position in {7}:
        return key_position == 6
    elif query_position in {8, 9}:
        return key_position == 7
    return key_position == 2


def predicate_1_0(token, attn_0_3_output):
    if token in {'<s>', '1', '2', '3'}:
        return attn_0_3_output == '0'
    elif token in {'0'}:
        return attn_0_3_output == 'b'
    return attn_0_3_output == token


def predicate_1_1(token, attn_0_3_output):
    if token in {'a', 'b', 'c', 'd'}:
        return attn_0_3_output == token
    return attn_0_3_output == 'd'


def predicate_1_2(token, attn_0_3_output):
    if token in {'<s>', '2', '3'}:
        return attn_0_3_output == '1'
    elif token in {'0'}:
        return attn_0_3_output == 'd'
    elif token in {'1'}:
        return attn_0_3_output == '0'
    return attn_0_3_output == token


def predicate_1_3(token, attn_0_3_output):
    if token in {'<s>', '0', '2'}:
        return attn_0_3_output == 'd'
    elif token in {'1', '3'}:
        return attn_0_3_output == '2'
    return attn_0_3_output == token


def run(tokens):
    check_tokens(tokens)
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(tokens, tokens, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, tokens)
    attn_0_2_selected = select_closest(positions, positions, predicate_0_2)
    attn_0_2_outputs = aggregate(attn_0_2_selected, tokens)
    attn_0_3_selected = select_closest(positions, positions, predicate_0_3)
    attn_0_3_outputs = aggregate(attn_0_3_selected, tokens)
    # layer 1
    attn_1_0_selected = select_closest(attn_0_3_outputs, tokens, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, tokens)
    attn_1_1_selected = select_closest(attn_0_3_outputs, tokens, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, tokens)
    attn_1_2_selected = select_closest(attn_0_3_outputs, tokens, predicate_1_2)
    attn_1_2_outputs = aggregate(attn_1_2_selected, tokens)
    attn_1_3_selected = select_closest(attn_0_3_outputs, tokens, predicate_1_3)
    attn_1_3_outputs = aggregate(attn_1_3_selected, tokens)
    # read-out
    weights = read_weights()
    categorical = {
        "tokens": tokens, "positions": positions, "attn_0_0_outputs": attn_0_0_outputs,
        "attn_0_1_outputs": attn_0_1_outputs, "attn_0_2_outputs": attn_0_2_outputs,
        "attn_0_3_outputs": attn_0_3_outputs, "attn_1_0_outputs": attn_1_0_outputs,
        "attn_1_1_outputs": attn_1_1_outputs, "attn_1_2_outputs": attn_1_2_outputs,
        "attn_1_3_outputs": attn_1_3_outputs,
    }
    numerical = {"ones": ones}
    per_position = [
        read_out({n: values[i] for n, values in categorical.items()},
                 {n: values[i] for n, values in numerical.items()}, weights)
        for i in range(len(tokens))
    ]
    return [CLASSES[argmax(logits)] for logits in per_position]
