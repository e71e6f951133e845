"""dyck2: a Transformer Program decompiled from the Intrinsic Zoo model tp_dyck2 (data: dyck2).

run(tokens) takes the tokens, '<s>' first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

CAUSAL = True
CLASSES = ['F', 'P', 'T']
WEIGHTS_FILE = Path(__file__).with_name("dyck2_weights.csv")


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


def predicate_0_0(token, position):
    if token in {')', '}'}:
        return position == 4
    return position == 1


def predicate_0_1(query_position, key_position):
    if query_position in {0}:
        return key_position == 15
    elif query_position in {1, 15}:
        return key_position == query_position
    elif query_position in {2}:
        return key_position == 1
    elif query_position in {4, 8}:
        return key_position == 3
    elif query_position in {5, 11}:
        return key_position == 4
    elif query_position in {6, 10}:
        return key_position == 5
    elif query_position in {12}:
        return key_position == 11
    elif query_position in {14}:
        return key_position == 13
    return key_position == 2


def num_predicate_0_0(query_token, key_token):
    if query_token in {'<s>', '}'}:
        return key_token == '{'
    elif query_token in {')'}:
        return key_token == '('
    return False


def num_predicate_0_1(query_position, key_position):
    if query_position in {0, 5}:
        return key_position == 10
    elif query_position in {3}:
        return key_position == 11
    elif query_position in {4}:
        return key_position == 8
    elif query_position in {6}:
        return key_position == 14
    elif query_position in {8, 10, 14}:
        return key_position == 15
    elif query_position in {9, 11}:
        return key_position == 5
    elif query_position in {12}:
        return key_position == 7
    return key_position == 3


def mlp_0_0(attn_0_1_output, attn_0_0_output):
    key = (attn_0_1_output, attn_0_0_output)
    if key in {
        ('<s>', '('), ('<s>', '{'), ('(', '<s>'), ('(', '('), ('(', '{'), ('{', '<s>'), ('{', '('),
        ('{', '{'),
    }:
        return 4
    elif key in {('<s>', '<s>')}:
        return 9
    elif key in {('(', ')'), (')', '(')}:
        return 13
    elif key in {('{', '}'), ('}', '{')}:
        return 15
    return 5


def mlp_0_1(token, attn_0_1_output):
    key = (token, attn_0_1_output)
    if key in {('<s>', '('), ('(', '<s>'), ('(', '('), ('(', '{'), ('{', '<s>'), ('{', '('), ('{', '{')}:
        return 2
    elif key in {('(', ')'), (')', '('), ('{', ')')}:
        return 8
    elif key in {('(', '}'), ('{', '}')}:
        return 10
    elif key in {('}', '{')}:
        return 13
    elif key in {('<s>', '<s>'), ('<s>', '{')}:
        return 14
    return 5


def num_mlp_0_0(num_attn_0_1_output, num_attn_0_0_output):
    return 10


def num_mlp_0_1(num_attn_0_0_output):
    if num_attn_0_0_output in {1}:
        return 9
    elif num_attn_0_0_output in {0}:
        return 13
    return 2


def predicate_1_0(token, position):
    if token in {')'}:
        return position == 2
    elif token in {'}'}:
        return position == 3
    return position == 1


def predicate_1_1(token, position):
    if token in {'<s>'}:
        return position == 1
    elif token in {')'}:
        return position == 3
    return position == 2


def num_predicate_1_0(token, attn_0_0_output):
    if token in {')', '}'}:
        return attn_0_0_output == token
    return attn_0_0_output == ')'


def num_predicate_1_1(query_mlp_0_1_output, key_mlp_0_1_output):
    if query_mlp_0_1_output in {5}:
        return key_mlp_0_1_output == query_mlp_0_1_output
    return key_mlp_0_1_output == 5


def mlp_1_0(token):
    if token in {'<s>'}:
        return 7
    elif token in {'(', '{'}:
        return 8
    return 5


def mlp_1_1(position, attn_0_1_output):
    key = (position, attn_0_1_output)
    if key in {(1, '('), (2, '<s>'), (4, '<s>')}:
        return 2
    elif key in {(4, '}'), (5, '<s>'), (5, '}')}:
        return 5
    elif key in {(0, '}'), (1, '}'), (5, '{'), (6, '}')}:
        return 14
    elif key in {
        (0, '('), (2, '('), (2, '{'), (4, '('), (4, '{'), (6, '<s>'), (6, '('), (6, '{'), (8, '<s>'),
        (8, '('), (8, '{'),
    }:
        return 15
    return 10


def num_mlp_1_0(num_attn_0_1_output, num_attn_1_1_output):
    key = (num_attn_0_1_output, num_attn_1_1_output)
    if key in {(0, 0)}:
        return 7
    return 3


def num_mlp_1_1(num_attn_1_1_output, num_attn_1_0_output):
    key = (num_attn_1_1_output, num_attn_1_0_output)
    if key in {(0, 0)}:
        return 7
    return 11


def predicate_2_0(query_position, key_position):
    if query_position in {0, 3, 11, 15}:
        return key_position == 2
    elif query_position in {1, 2}:
        return key_position == query_position
    elif query_position in {10, 12, 13, 14}:
        return key_position == 4
    return key_position == 3


def predicate_2_1(attn_1_1_output, position):
    if attn_1_1_output in {4, 13}:
        return position == 3
    return position == 2


def num_predicate_2_0(attn_1_0_output, attn_1_1_output):
    if attn_1_0_output in {'<s>', ')'}:
        return attn_1_1_output == 5
    return False


def num_predicate_2_1(attn_1_1_output, attn_1_0_output):
    if attn_1_1_output in {5, 15}:
        return attn_1_0_output == '}'
    return attn_1_0_output == ')'


def mlp_2_0(token):
    if token in {'(', '{'}:
        return 8
    return 1


def mlp_2_1(position, attn_2_0_output):
    key = (position, attn_2_0_output)
    if key in {
        (0, 8), (0, 10), (8, 8), (8, 10), (8, 13), (10, 8), (10, 10), (10, 13), (11, 14), (12, 8),
        (12, 10), (12, 13), (14, 8), (14, 10), (14, 13),
    }:
        return 1
    elif key in {(5, 14)}:
        return 6
    elif key in {
        (0, 2), (0, 14), (2, 2), (4, 2), (4, 14), (5, 2), (6, 2), (7, 2), (7, 14), (8, 2), (9, 2), (9, 14),
        (10, 2), (11, 2), (12, 2), (13, 2), (13, 14), (14, 2), (15, 2), (15, 14),
    }:
        return 7
    elif key in {
        (2, 8), (2, 10), (2, 13), (2, 14), (4, 8), (4, 10), (4, 13), (6, 8), (6, 10), (6, 13), (6, 14),
        (8, 14), (10, 14), (12, 14), (14, 14),
    }:
        return 13
    elif key in {(2, 5), (4, 5), (6, 5), (8, 5), (10, 5), (12, 5), (14, 5)}:
        return 15
    return 0


def num_mlp_2_0(num_attn_1_1_output, num_attn_0_0_output):
    key = (num_attn_1_1_output, num_attn_0_0_output)
    if key in {(10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0), (16, 0)}:
        return 11
    return 8


def num_mlp_2_1(one):
    return 15


def run(tokens):
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(positions, tokens, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, tokens)
    num_attn_0_0_selection = select(tokens, tokens, num_predicate_0_0)
    num_attn_0_0_outputs = aggregate_sum(num_attn_0_0_selection, ones)
    num_attn_0_1_selection = select(positions, positions, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_1_outputs, attn_0_0_outputs)]
    mlp_0_1_outputs = [mlp_0_1(*xs) for xs in zip(tokens, attn_0_1_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(*xs) for xs in zip(num_attn_0_1_outputs, num_attn_0_0_outputs)]
    num_mlp_0_1_outputs = [num_mlp_0_1(x) for x in num_attn_0_0_outputs]
    # layer 1
    attn_1_0_selected = select_closest(positions, tokens, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, attn_0_1_outputs)
    attn_1_1_selected = select_closest(positions, tokens, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, mlp_0_0_outputs)
    num_attn_1_0_selection = select(attn_0_0_outputs, tokens, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_1_outputs)
    num_attn_1_1_selection = select(mlp_0_1_outputs, mlp_0_1_outputs, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, ones)
    mlp_1_0_outputs = [mlp_1_0(x) for x in tokens]
    mlp_1_1_outputs = [mlp_1_1(*xs) for xs in zip(positions, attn_0_1_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(*xs) for xs in zip(num_attn_0_1_outputs, num_attn_1_1_outputs)]
    num_mlp_1_1_outputs = [num_mlp_1_1(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_1_0_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(positions, positions, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, mlp_0_1_outputs)
    attn_2_1_selected = select_closest(positions, attn_1_1_outputs, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, mlp_0_1_outputs)
    num_attn_2_0_selection = select(attn_1_1_outputs, attn_1_0_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, num_attn_0_1_outputs)
    num_attn_2_1_selection = select(attn_1_0_outputs, attn_1_1_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_1_1_outputs)
    mlp_2_0_outputs = [mlp_2_0(x) for x in tokens]
    mlp_2_1_outputs = [mlp_2_1(*xs) for xs in zip(positions, attn_2_0_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_0_0_outputs)]
    num_mlp_2_1_outputs = [num_mlp_2_1(x) for x in ones]
    # read-out
    weights = read_weights()
    categorical = {
        "tokens": tokens, "positions": positions, "attn_0_0_outputs": attn_0_0_outputs,
        "attn_0_1_outputs": attn_0_1_outputs, "mlp_0_0_outputs": mlp_0_0_outputs,
        "mlp_0_1_outputs": mlp_0_1_outputs, "num_mlp_0_0_outputs": num_mlp_0_0_outputs,
        "num_mlp_0_1_outputs": num_mlp_0_1_outputs, "attn_1_0_outputs": attn_1_0_outputs,
        "attn_1_1_outputs": attn_1_1_outputs, "mlp_1_0_outputs": mlp_1_0_outputs,
        "mlp_1_1_outputs": mlp_1_1_outputs, "num_mlp_1_0_outputs": num_mlp_1_0_outputs,
        "num_mlp_1_1_outputs": num_mlp_1_1_outputs, "attn_2_0_outputs": attn_2_0_outputs,
        "attn_2_1_outputs": attn_2_1_outputs, "mlp_2_0_outputs": mlp_2_0_outputs,
        "mlp_2_1_outputs": mlp_2_1_outputs, "num_mlp_2_0_outputs": num_mlp_2_0_outputs,
        "num_mlp_2_1_outputs": num_mlp_2_1_outputs,
    }
    numerical = {
        "ones": ones, "num_attn_0_0_outputs": num_attn_0_0_outputs,
        "num_attn_0_1_outputs": num_attn_0_1_outputs, "num_attn_1_0_outputs": num_attn_1_0_outputs,
        "num_attn_1_1_outputs": num_attn_1_1_outputs, "num_attn_2_0_outputs": num_attn_2_0_outputs,
        "num_attn_2_1_outputs": num_attn_2_1_outputs,
    }
    per_position = [
        read_out({n: values[i] for n, values in categorical.items()},
                 {n: values[i] for n, values in numerical.items()}, weights)
        for i in range(len(tokens))
    ]
    return [CLASSES[argmax(logits)] for logits in per_position]
