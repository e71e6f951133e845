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
        return position == 5
    return position == 1


def predicate_0_1(query_position, key_position):
    if query_position in {0}:
        return key_position == 15
    elif query_position in {2}:
        return key_position == 1
    elif query_position in {3}:
        return key_position == 2
    elif query_position in {4}:
        return key_position == 3
    elif query_position in {5}:
        return key_position == 4
    elif query_position in {6}:
        return key_position == 5
    elif query_position in {7}:
        return key_position == 6
    elif query_position in {8}:
        return key_position == 7
    elif query_position in {9}:
        return key_position == 8
    elif query_position in {10}:
        return key_position == 9
    elif query_position in {11}:
        return key_position == 10
    elif query_position in {12}:
        return key_position == 11
    elif query_position in {13}:
        return key_position == 12
    elif query_position in {14}:
        return key_position == 13
    elif query_position in {15}:
        return key_position == 14
    return key_position == query_position


def num_predicate_0_0(query_token, key_token):
    if query_token in {'<s>', '}'}:
        return key_token == '{'
    elif query_token in {')'}:
        return key_token == '('
    return False


def num_predicate_0_1(position, token):
    if position in {1, 3, 4}:
        return token == '<s>'
    elif position in {2, 7, 9, 11, 13, 15}:
        return token == ')'
    elif position in {5}:
        return token == '('
    return False


def mlp_0_0(attn_0_1_output, token):
    key = (attn_0_1_output, token)
    if key in {('(', '}')}:
        return 5
    elif key in {(')', '('), (')', '{'), ('}', '('), ('}', '{')}:
        return 7
    elif key in {('<s>', '<s>')}:
        return 9
    elif key in {('{', ')')}:
        return 12
    elif key in {(')', '<s>'), (')', ')'), (')', '}'), ('}', '<s>'), ('}', ')'), ('}', '}')}:
        return 13
    elif key in {('<s>', ')'), ('<s>', '}'), ('(', ')'), ('{', '}')}:
        return 15
    return 14


def mlp_0_1(token, attn_0_1_output):
    key = (token, attn_0_1_output)
    if key in {('<s>', ')'), ('(', ')'), ('(', '}'), ('{', ')'), ('{', '}')}:
        return 3
    elif key in {(')', '(')}:
        return 9
    elif key in {('}', '{')}:
        return 11
    elif key in {
        ('<s>', '<s>'), ('<s>', '('), ('<s>', '{'), ('(', '<s>'), ('(', '('), ('(', '{'), ('{', '<s>'),
        ('{', '('), ('{', '{'),
    }:
        return 14
    return 5


def num_mlp_0_0(num_attn_0_1_output, one):
    return 9


def num_mlp_0_1(num_attn_0_0_output):
    if num_attn_0_0_output == 0:
        return 4
    elif num_attn_0_0_output == 1:
        return 11
    return 9


def predicate_1_0(token, position):
    if token in {'<s>'}:
        return position == 1
    elif token in {')', '}'}:
        return position == 3
    return position == 2


def predicate_1_1(token, attn_0_0_output):
    if token in {'<s>'}:
        return attn_0_0_output == token
    elif token in {')'}:
        return attn_0_0_output == '{'
    elif token in {'}'}:
        return attn_0_0_output == '('
    return attn_0_0_output == '<s>'


def num_predicate_1_0(query_attn_0_0_output, key_attn_0_0_output):
    if query_attn_0_0_output in {'<s>'}:
        return key_attn_0_0_output == ')'
    elif query_attn_0_0_output in {')', '}'}:
        return key_attn_0_0_output == query_attn_0_0_output
    return False


def num_predicate_1_1(attn_0_1_output, mlp_0_1_output):
    return mlp_0_1_output == 5


def mlp_1_0(attn_1_1_output, attn_1_0_output):
    key = (attn_1_1_output, attn_1_0_output)
    if key in {(7, '<s>'), (9, '('), (14, '('), (14, ')'), (14, '{')}:
        return 2
    elif key in {
        (5, '<s>'), (5, ')'), (5, '}'), (7, '('), (7, '{'), (12, '<s>'), (12, '('), (12, ')'), (12, '{'),
        (12, '}'), (13, '<s>'), (13, ')'), (13, '}'),
    }:
        return 14
    return 5


def mlp_1_1(position, attn_0_1_output):
    key = (position, attn_0_1_output)
    if key in {(4, '<s>'), (4, '('), (4, '{')}:
        return 0
    elif key in {(14, '<s>')}:
        return 1
    elif key in {
        (0, ')'), (0, '}'), (1, ')'), (1, '}'), (3, '<s>'), (3, ')'), (3, '}'), (4, ')'), (4, '}'),
        (5, '<s>'), (5, ')'), (5, '}'), (6, ')'), (6, '}'), (8, ')'), (8, '}'), (10, '<s>'), (10, ')'),
        (10, '}'), (12, ')'), (12, '}'), (14, ')'), (14, '}'),
    }:
        return 7
    elif key in {
        (0, '<s>'), (2, ')'), (7, '<s>'), (7, ')'), (7, '}'), (9, '<s>'), (9, ')'), (9, '}'), (11, '<s>'),
        (11, ')'), (11, '}'), (12, '<s>'), (13, '<s>'), (13, ')'), (13, '}'), (15, '<s>'), (15, ')'),
        (15, '}'),
    }:
        return 10
    return 14


def num_mlp_1_0(num_attn_1_0_output, num_attn_1_1_output):
    if num_attn_1_0_output == 0 and num_attn_1_1_output == 1:
        return 0
    elif 1 <= num_attn_1_0_output <= 2 and num_attn_1_1_output == 2:
        return 11
    elif num_attn_1_0_output == 4 and num_attn_1_1_output == 3:
        return 11
    elif num_attn_1_0_output == 7 and num_attn_1_1_output == 4:
        return 11
    elif num_attn_1_0_output == 9 and num_attn_1_1_output == 5:
        return 11
    elif num_attn_1_0_output == 12 and num_attn_1_1_output == 6:
        return 11
    elif num_attn_1_0_output == 15 and num_attn_1_1_output == 7:
        return 11
    elif num_attn_1_0_output == 5 and num_attn_1_1_output == 3:
        return 12
    elif num_attn_1_0_output == 8 and num_attn_1_1_output == 4:
        return 12
    elif 10 <= num_attn_1_0_output <= 11 and num_attn_1_1_output == 5:
        return 12
    elif 13 <= num_attn_1_0_output <= 14 and num_attn_1_1_output == 6:
        return 12
    elif num_attn_1_0_output == 16 and num_attn_1_1_output == 7:
        return 12
    elif num_attn_1_0_output == 0 and num_attn_1_1_output == 0:
        return 15
    elif 1 <= num_attn_1_0_output <= 2 and num_attn_1_1_output <= 1:
        return 15
    elif 3 <= num_attn_1_0_output <= 5 and num_attn_1_1_output <= 2:
        return 15
    elif 6 <= num_attn_1_0_output <= 8 and num_attn_1_1_output <= 3:
        return 15
    elif 9 <= num_attn_1_0_output <= 11 and num_attn_1_1_output <= 4:
        return 15
    elif 12 <= num_attn_1_0_output <= 14 and num_attn_1_1_output <= 5:
        return 15
    elif num_attn_1_0_output >= 15 and num_attn_1_1_output <= 6:
        return 15
    return 3


def num_mlp_1_1(num_attn_1_1_output):
    if num_attn_1_1_output == 0:
        return 13
    return 0


def predicate_2_0(query_position, key_position):
    if query_position in {0, 3, 5, 7}:
        return key_position == 2
    elif query_position in {1, 2}:
        return key_position == query_position
    elif query_position in {4, 6}:
        return key_position == 3
    elif query_position in {14}:
        return key_position == 5
    return key_position == 4


def predicate_2_1(token, position):
    return position == 3


def num_predicate_2_0(attn_0_0_output, mlp_0_0_output):
    if attn_0_0_output in {')'}:
        return False
    return mlp_0_0_output == 12


def num_predicate_2_1(query_attn_1_0_output, key_attn_1_0_output):
    if query_attn_1_0_output in {'<s>'}:
        return key_attn_1_0_output == ')'
    elif query_attn_1_0_output in {')', '}'}:
        return key_attn_1_0_output == query_attn_1_0_output
    return False


def mlp_2_0(token):
    if token in {'(', '{'}:
        return 0
    return 1


def mlp_2_1(position, attn_2_0_output):
    return 7


def num_mlp_2_0(num_attn_1_1_output, num_attn_2_1_output):
    if num_attn_1_1_output == 2 and 6 <= num_attn_2_1_output <= 7:
        return 11
    elif num_attn_1_1_output == 3 and 6 <= num_attn_2_1_output <= 10:
        return 11
    elif num_attn_1_1_output == 4 and 6 <= num_attn_2_1_output <= 12:
        return 11
    elif num_attn_1_1_output == 5 and 6 <= num_attn_2_1_output <= 15:
        return 11
    elif 6 <= num_attn_1_1_output <= 9 and num_attn_2_1_output >= 7:
        return 11
    elif 10 <= num_attn_1_1_output <= 14 and num_attn_2_1_output >= 8:
        return 11
    elif num_attn_1_1_output >= 15 and num_attn_2_1_output >= 9:
        return 11
    return 7


def num_mlp_2_1(num_attn_1_0_output, one):
    return 9


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
    num_attn_0_1_selection = select(tokens, positions, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_1_outputs, tokens)]
    mlp_0_1_outputs = [mlp_0_1(*xs) for xs in zip(tokens, attn_0_1_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(*xs) for xs in zip(num_attn_0_1_outputs, ones)]
    num_mlp_0_1_outputs = [num_mlp_0_1(x) for x in num_attn_0_0_outputs]
    # layer 1
    attn_1_0_selected = select_closest(positions, tokens, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, attn_0_0_outputs)
    attn_1_1_selected = select_closest(attn_0_0_outputs, tokens, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, mlp_0_0_outputs)
    num_attn_1_0_selection = select(attn_0_0_outputs, attn_0_0_outputs, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, ones)
    num_attn_1_1_selection = select(mlp_0_1_outputs, attn_0_1_outputs, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, ones)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_1_1_outputs, attn_1_0_outputs)]
    mlp_1_1_outputs = [mlp_1_1(*xs) for xs in zip(positions, attn_0_1_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(*xs) for xs in zip(num_attn_1_0_outputs, num_attn_1_1_outputs)]
    num_mlp_1_1_outputs = [num_mlp_1_1(x) for x in num_attn_1_1_outputs]
    # layer 2
    attn_2_0_selected = select_closest(positions, positions, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, mlp_0_0_outputs)
    attn_2_1_selected = select_closest(positions, tokens, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, mlp_0_1_outputs)
    num_attn_2_0_selection = select(mlp_0_0_outputs, attn_0_0_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, ones)
    num_attn_2_1_selection = select(attn_1_0_outputs, attn_1_0_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, ones)
    mlp_2_0_outputs = [mlp_2_0(x) for x in tokens]
    mlp_2_1_outputs = [mlp_2_1(*xs) for xs in zip(positions, attn_2_0_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_2_1_outputs)]
    num_mlp_2_1_outputs = [num_mlp_2_1(*xs) for xs in zip(num_attn_1_0_outputs, ones)]
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
