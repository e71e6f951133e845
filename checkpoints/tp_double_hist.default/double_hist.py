"""double_hist: a Transformer Program decompiled from the Intrinsic Zoo model tp_double_hist (data: double_hist).

run(tokens) takes the tokens, '<s>' first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

CAUSAL = False
CLASSES = ['1', '2', '3', '4', '5', '6']
WEIGHTS_FILE = Path(__file__).with_name("double_hist_weights.csv")


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
    if query_position in {0, 1}:
        return key_position == 5
    elif query_position in {2, 5}:
        return key_position == 7
    elif query_position in {3, 4}:
        return key_position == 6
    return key_position == query_position


def predicate_0_1(query_position, key_position):
    if query_position in {0}:
        return key_position == 4
    elif query_position in {7}:
        return key_position == query_position
    return key_position == 7


def num_predicate_0_0(token, position):
    if token in {'3'}:
        return position == 3
    elif token in {'4', '5'}:
        return position == 4
    return position == 5


def num_predicate_0_1(query_token, key_token):
    if query_token in {'<s>'}:
        return False
    return key_token == query_token


def mlp_0_0(attn_0_0_output, attn_0_1_output):
    key = (attn_0_0_output, attn_0_1_output)
    if key in {
        (0, 7), (1, 7), (2, 7), (3, 7), (4, 7), (5, 7), (6, 7), (7, 0), (7, 1), (7, 2), (7, 3), (7, 4),
        (7, 5), (7, 6), (7, 7),
    }:
        return 2
    elif key in {
        (0, 4), (0, 6), (1, 4), (1, 6), (2, 4), (2, 6), (3, 1), (3, 4), (3, 6), (4, 0), (4, 1), (4, 2),
        (4, 3), (4, 4), (4, 6), (5, 4), (5, 6), (6, 0), (6, 1), (6, 2), (6, 3), (6, 4), (6, 5), (6, 6),
    }:
        return 6
    return 4


def num_mlp_0_0(num_attn_0_1_output):
    if num_attn_0_1_output in {0}:
        return 3
    elif num_attn_0_1_output in {1}:
        return 7
    return 0


def predicate_1_0(num_mlp_0_0_output, mlp_0_0_output):
    if num_mlp_0_0_output in {0}:
        return mlp_0_0_output == 2
    return mlp_0_0_output == 4


def predicate_1_1(position, attn_0_0_output):
    if position in {3}:
        return attn_0_0_output == 7
    elif position in {6}:
        return attn_0_0_output == position
    elif position in {7}:
        return attn_0_0_output == 5
    return attn_0_0_output == 6


def num_predicate_1_0(mlp_0_0_output, num_mlp_0_0_output):
    return num_mlp_0_0_output == 0


def num_predicate_1_1(query_num_mlp_0_0_output, key_num_mlp_0_0_output):
    if query_num_mlp_0_0_output in {3}:
        return key_num_mlp_0_0_output == 7
    elif query_num_mlp_0_0_output in {7}:
        return key_num_mlp_0_0_output == 3
    return key_num_mlp_0_0_output == query_num_mlp_0_0_output


def mlp_1_0(attn_0_0_output, attn_1_1_output):
    key = (attn_0_0_output, attn_1_1_output)
    if key in {(0, 0), (1, 0), (2, 0), (2, 4), (3, 0), (3, 4), (4, 0), (4, 4)}:
        return 2
    return 4


def num_mlp_1_0(num_attn_1_0_output):
    if num_attn_1_0_output in {0, 1}:
        return 3
    elif num_attn_1_0_output in {2}:
        return 4
    return 0


def predicate_2_0(query_position, key_position):
    if query_position in {0}:
        return key_position == 7
    elif query_position in {4, 5, 7}:
        return key_position == 1
    return key_position == 4


def predicate_2_1(attn_1_1_output, num_mlp_0_0_output):
    if attn_1_1_output in {1}:
        return num_mlp_0_0_output == 3
    elif attn_1_1_output in {4, 5, 6}:
        return num_mlp_0_0_output == 0
    return num_mlp_0_0_output == 7


def num_predicate_2_0(num_mlp_0_0_output, attn_0_0_output):
    if num_mlp_0_0_output in {0}:
        return attn_0_0_output == 0
    return attn_0_0_output == 6


def num_predicate_2_1(query_num_mlp_0_0_output, key_num_mlp_0_0_output):
    if query_num_mlp_0_0_output in {0}:
        return False
    return key_num_mlp_0_0_output == query_num_mlp_0_0_output


def mlp_2_0(attn_1_1_output, mlp_0_0_output):
    return 4


def num_mlp_2_0(num_attn_1_0_output, num_attn_2_0_output):
    key = (num_attn_1_0_output, num_attn_2_0_output)
    if key in {
        (24, 0), (25, 0), (26, 0), (27, 0), (28, 0), (28, 1), (29, 0), (29, 1), (30, 0), (30, 1), (31, 0),
        (31, 1), (32, 0), (32, 1), (33, 0), (33, 1), (33, 2), (34, 0), (34, 1), (34, 2), (35, 0), (35, 1),
        (35, 2), (36, 0), (36, 1), (36, 2), (37, 0), (37, 1), (37, 2), (37, 3), (38, 0), (38, 1), (38, 2),
        (38, 3), (39, 0), (39, 1), (39, 2), (39, 3), (40, 0), (40, 1), (40, 2), (40, 3), (41, 0), (41, 1),
        (41, 2), (41, 3), (41, 4), (42, 0), (42, 1), (42, 2), (42, 3), (42, 4), (43, 0), (43, 1), (43, 2),
        (43, 3), (43, 4), (44, 0), (44, 1), (44, 2), (44, 3), (44, 4), (45, 0), (45, 1), (45, 2), (45, 3),
        (45, 4), (45, 5), (46, 0), (46, 1), (46, 2), (46, 3), (46, 4), (46, 5), (47, 0), (47, 1), (47, 2),
        (47, 3), (47, 4), (47, 5), (48, 0), (48, 1), (48, 2), (48, 3), (48, 4), (48, 5), (49, 0), (49, 1),
        (49, 2), (49, 3), (49, 4), (49, 5), (50, 0), (50, 1), (50, 2), (50, 3), (50, 4), (50, 5), (50, 6),
        (51, 0), (51, 1), (51, 2), (51, 3), (51, 4), (51, 5), (51, 6), (52, 0), (52, 1), (52, 2), (52, 3),
        (52, 4), (52, 5), (52, 6), (53, 0), (53, 1), (53, 2), (53, 3), (53, 4), (53, 5), (53, 6), (54, 0),
        (54, 1), (54, 2), (54, 3), (54, 4), (54, 5), (54, 6), (54, 7), (55, 0), (55, 1), (55, 2), (55, 3),
        (55, 4), (55, 5), (55, 6), (55, 7), (56, 0), (56, 1), (56, 2), (56, 3), (56, 4), (56, 5), (56, 6),
        (56, 7), (57, 0), (57, 1), (57, 2), (57, 3), (57, 4), (57, 5), (57, 6), (57, 7), (58, 0), (58, 1),
        (58, 2), (58, 3), (58, 4), (58, 5), (58, 6), (58, 7), (58, 8), (59, 0), (59, 1), (59, 2), (59, 3),
        (59, 4), (59, 5), (59, 6), (59, 7), (59, 8), (60, 0), (60, 1), (60, 2), (60, 3), (60, 4), (60, 5),
        (60, 6), (60, 7), (60, 8), (61, 0), (61, 1), (61, 2), (61, 3), (61, 4), (61, 5), (61, 6), (61, 7),
        (61, 8), (62, 0), (62, 1), (62, 2), (62, 3), (62, 4), (62, 5), (62, 6), (62, 7), (62, 8), (62, 9),
        (63, 0), (63, 1), (63, 2), (63, 3), (63, 4), (63, 5), (63, 6), (63, 7), (63, 8), (63, 9), (64, 0),
        (64, 1), (64, 2), (64, 3), (64, 4), (64, 5), (64, 6), (64, 7), (64, 8), (64, 9),
    }:
        return 2
    elif key in {(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0)}:
        return 3
    return 0


def run(tokens):
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(positions, positions, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, positions)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, positions)
    num_attn_0_0_selection = select(positions, tokens, num_predicate_0_0)
    num_attn_0_0_outputs = aggregate_sum(num_attn_0_0_selection, ones)
    num_attn_0_1_selection = select(tokens, tokens, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_0_outputs, attn_0_1_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(x) for x in num_attn_0_1_outputs]
    # layer 1
    attn_1_0_selected = select_closest(mlp_0_0_outputs, num_mlp_0_0_outputs, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, num_mlp_0_0_outputs)
    attn_1_1_selected = select_closest(attn_0_0_outputs, positions, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, attn_0_0_outputs)
    num_attn_1_0_selection = select(num_mlp_0_0_outputs, mlp_0_0_outputs, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_1_outputs)
    num_attn_1_1_selection = select(num_mlp_0_0_outputs, num_mlp_0_0_outputs, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, num_attn_0_0_outputs)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_0_0_outputs, attn_1_1_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(x) for x in num_attn_1_0_outputs]
    # layer 2
    attn_2_0_selected = select_closest(positions, positions, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, attn_1_0_outputs)
    attn_2_1_selected = select_closest(num_mlp_0_0_outputs, attn_1_1_outputs, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, attn_1_0_outputs)
    num_attn_2_0_selection = select(attn_0_0_outputs, num_mlp_0_0_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, num_attn_0_1_outputs)
    num_attn_2_1_selection = select(num_mlp_0_0_outputs, num_mlp_0_0_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_1_1_outputs)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_1_1_outputs, mlp_0_0_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_1_0_outputs, num_attn_2_0_outputs)]
    # read-out
    weights = read_weights()
    categorical = {
        "tokens": tokens, "positions": positions, "attn_0_0_outputs": attn_0_0_outputs,
        "attn_0_1_outputs": attn_0_1_outputs, "mlp_0_0_outputs": mlp_0_0_outputs,
        "num_mlp_0_0_outputs": num_mlp_0_0_outputs, "attn_1_0_outputs": attn_1_0_outputs,
        "attn_1_1_outputs": attn_1_1_outputs, "mlp_1_0_outputs": mlp_1_0_outputs,
        "num_mlp_1_0_outputs": num_mlp_1_0_outputs, "attn_2_0_outputs": attn_2_0_outputs,
        "attn_2_1_outputs": attn_2_1_outputs, "mlp_2_0_outputs": mlp_2_0_outputs,
        "num_mlp_2_0_outputs": num_mlp_2_0_outputs,
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
