"""sort: a Transformer Program decompiled from the Intrinsic Zoo model tp_sort (data: sort).

run(tokens) takes the tokens, '<s>' first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

CAUSAL = False
CLASSES = ['0', '1', '2', '3', '4']
WEIGHTS_FILE = Path(__file__).with_name("sort_weights.csv")


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


def predicate_0_0(position, token):
    if position in {0}:
        return token == '3'
    elif position in {1, 3}:
        return token == '0'
    elif position in {2, 7}:
        return token == '1'
    return token == '4'


def predicate_0_1(query_position, key_position):
    if query_position in {0}:
        return key_position == 1
    elif query_position in {2}:
        return key_position == 4
    elif query_position in {3, 4}:
        return key_position == 5
    elif query_position in {5}:
        return key_position == 6
    elif query_position in {7}:
        return key_position == 3
    return key_position == 2


def mlp_0_0(position):
    if position in {1}:
        return 2
    elif position in {2, 7}:
        return 4
    return 6


def mlp_0_1(attn_0_0_output, position):
    key = (attn_0_0_output, position)
    if key in {('<s>', 5), ('</s>', 5), ('0', 5), ('1', 5), ('2', 5), ('3', 5), ('4', 5), ('4', 6)}:
        return 6
    elif key in {
        ('<s>', 4), ('<s>', 6), ('</s>', 4), ('</s>', 6), ('0', 4), ('0', 6), ('1', 4), ('1', 6), ('2', 4),
        ('2', 6), ('3', 4), ('3', 6), ('4', 4),
    }:
        return 7
    return 5


def predicate_1_0(query_position, key_position):
    if query_position in {0, 4}:
        return key_position == 6
    elif query_position in {3}:
        return key_position == 4
    elif query_position in {5}:
        return key_position == 2
    return key_position == 3


def predicate_1_1(position, mlp_0_0_output):
    if position in {1}:
        return mlp_0_0_output == 4
    elif position in {3, 4, 5}:
        return mlp_0_0_output == 2
    return mlp_0_0_output == 6


def mlp_1_0(attn_1_1_output, position):
    key = (attn_1_1_output, position)
    if key in {
        ('<s>', 2), ('</s>', 2), ('</s>', 5), ('0', 2), ('1', 2), ('2', 2), ('2', 5), ('3', 2), ('3', 5),
        ('4', 2),
    }:
        return 0
    elif key in {('</s>', 0), ('2', 0), ('3', 0), ('4', 0), ('4', 4), ('4', 5), ('4', 6)}:
        return 1
    elif key in {('<s>', 1), ('</s>', 1), ('2', 1), ('3', 1), ('4', 1)}:
        return 4
    elif key in {
        ('<s>', 0), ('<s>', 5), ('<s>', 6), ('<s>', 7), ('</s>', 6), ('</s>', 7), ('0', 6), ('0', 7),
        ('1', 6), ('1', 7), ('2', 6), ('2', 7), ('3', 6), ('3', 7), ('4', 7),
    }:
        return 6
    elif key in {('1', 0)}:
        return 7
    return 3


def mlp_1_1(position, attn_1_0_output):
    key = (position, attn_1_0_output)
    if key in {
        (2, '<s>'), (2, '</s>'), (2, '0'), (2, '1'), (2, '2'), (2, '3'), (2, '4'), (3, '<s>'), (3, '</s>'),
        (3, '0'), (3, '1'), (3, '2'), (3, '3'), (3, '4'),
    }:
        return 0
    elif key in {
        (0, '<s>'), (0, '</s>'), (1, '<s>'), (1, '</s>'), (1, '1'), (1, '2'), (1, '3'), (1, '4'),
        (7, '<s>'),
    }:
        return 2
    elif key in {(0, '2'), (6, '<s>'), (6, '</s>'), (6, '0'), (6, '1'), (6, '2'), (6, '3')}:
        return 3
    elif key in {(1, '0')}:
        return 4
    elif key in {(6, '4')}:
        return 6
    return 1


def predicate_2_0(mlp_1_1_output, token):
    if mlp_1_1_output in {0}:
        return False
    elif mlp_1_1_output in {1}:
        return token == '</s>'
    elif mlp_1_1_output in {3}:
        return token == '2'
    elif mlp_1_1_output in {6}:
        return token == '3'
    return token == '0'


def predicate_2_1(position, mlp_1_0_output):
    if position in {1}:
        return mlp_1_0_output == 3
    elif position in {3}:
        return mlp_1_0_output == 4
    elif position in {6}:
        return mlp_1_0_output == 0
    return False


def mlp_2_0(attn_2_1_output, attn_2_0_output):
    key = (attn_2_1_output, attn_2_0_output)
    if key in {
        ('<s>', '3'), ('0', '3'), ('1', '3'), ('3', '<s>'), ('3', '</s>'), ('3', '0'), ('3', '1'),
        ('3', '2'), ('3', '3'), ('3', '4'), ('4', '3'),
    }:
        return 0
    elif key in {('</s>', '3'), ('2', '3')}:
        return 1
    elif key in {
        ('<s>', '<s>'), ('<s>', '</s>'), ('<s>', '4'), ('</s>', '</s>'), ('</s>', '4'), ('0', '</s>'),
        ('0', '4'), ('1', '</s>'), ('1', '4'), ('2', '</s>'), ('2', '4'), ('4', '<s>'), ('4', '</s>'),
        ('4', '0'), ('4', '1'), ('4', '2'), ('4', '4'),
    }:
        return 3
    return 7


def mlp_2_1(attn_2_0_output, attn_2_1_output):
    key = (attn_2_0_output, attn_2_1_output)
    if key in {('</s>', '</s>'), ('</s>', '0'), ('</s>', '2')}:
        return 1
    elif key in {
        ('<s>', '<s>'), ('<s>', '</s>'), ('<s>', '2'), ('<s>', '3'), ('<s>', '4'), ('</s>', '<s>'),
        ('</s>', '3'), ('</s>', '4'), ('2', '<s>'), ('2', '3'), ('3', '<s>'), ('3', '</s>'), ('3', '3'),
        ('3', '4'), ('4', '<s>'), ('4', '</s>'), ('4', '3'), ('4', '4'),
    }:
        return 2
    elif key in {('2', '</s>'), ('2', '4'), ('3', '2'), ('4', '2')}:
        return 4
    return 6


def run(tokens):
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(tokens, positions, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, tokens)
    mlp_0_0_outputs = [mlp_0_0(x) for x in positions]
    mlp_0_1_outputs = [mlp_0_1(*xs) for xs in zip(attn_0_0_outputs, positions)]
    # layer 1
    attn_1_0_selected = select_closest(positions, positions, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, tokens)
    attn_1_1_selected = select_closest(mlp_0_0_outputs, positions, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, attn_0_1_outputs)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_1_1_outputs, positions)]
    mlp_1_1_outputs = [mlp_1_1(*xs) for xs in zip(positions, attn_1_0_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(tokens, mlp_1_1_outputs, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, attn_1_0_outputs)
    attn_2_1_selected = select_closest(mlp_1_0_outputs, positions, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, attn_0_1_outputs)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_2_1_outputs, attn_2_0_outputs)]
    mlp_2_1_outputs = [mlp_2_1(*xs) for xs in zip(attn_2_0_outputs, attn_2_1_outputs)]
    # read-out
    weights = read_weights()
    categorical = {
        "tokens": tokens, "positions": positions, "attn_0_0_outputs": attn_0_0_outputs,
        "attn_0_1_outputs": attn_0_1_outputs, "mlp_0_0_outputs": mlp_0_0_outputs,
        "mlp_0_1_outputs": mlp_0_1_outputs, "attn_1_0_outputs": attn_1_0_outputs,
        "attn_1_1_outputs": attn_1_1_outputs, "mlp_1_0_outputs": mlp_1_0_outputs,
        "mlp_1_1_outputs": mlp_1_1_outputs, "attn_2_0_outputs": attn_2_0_outputs,
        "attn_2_1_outputs": attn_2_1_outputs, "mlp_2_0_outputs": mlp_2_0_outputs,
        "mlp_2_1_outputs": mlp_2_1_outputs,
    }
    numerical = {"ones": ones}
    per_position = [
        read_out({n: values[i] for n, values in categorical.items()},
                 {n: values[i] for n, values in numerical.items()}, weights)
        for i in range(len(tokens))
    ]
    return [CLASSES[argmax(logits)] for logits in per_position]
