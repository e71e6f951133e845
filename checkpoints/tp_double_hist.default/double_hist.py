"""A Transformer Program decompiled from an Intrinsic Zoo model (MODEL, trained on DATA).

run(tokens) takes the tokens, BOS first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

MODEL = 'tp_double_hist'
DATA = 'double_hist'
BOS = '<s>'
CAUSAL = False
CLASSES = ['1', '2', '3', '4', '5', '6']
MAX_LENGTH = 8
EXAMPLE = ['<s>', '0', '1']
VOCABULARY = ['<s>', '0', '1', '2', '3', '4', '5']
WEIGHTS_FILE = Path(__file__).with_name('double_hist_weights.csv')


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


def predicate_0_0(query_position, key_position):
    if query_position in {2}:
        return key_position == 6
    elif query_position in {4, 5}:
        return key_position == 7
    elif query_position in {6}:
        return key_position == query_position
    return key_position == 5


def predicate_0_1(query_position, key_position):
    if query_position in {1}:
        return key_position == 5
    elif query_position in {6}:
        return key_position == 7
    elif query_position in {7}:
        return key_position == query_position
    return key_position == 6


def num_predicate_0_0(query_token, key_token):
    if query_token in {'<s>'}:
        return False
    return key_token == query_token


def num_predicate_0_1(query_position, key_position):
    if query_position in {3}:
        return key_position == query_position
    elif query_position in {4}:
        return key_position == 0
    elif query_position in {7}:
        return key_position == 3
    return key_position == 4


def mlp_0_0(attn_0_0_output, attn_0_1_output):
    key = (attn_0_0_output, attn_0_1_output)
    if key in {(2, 3), (3, 3), (4, 3)}:
        return 3
    elif key in {
        (0, 7), (1, 7), (2, 7), (3, 7), (4, 7), (5, 7), (6, 1), (6, 3), (6, 7), (7, 0), (7, 1), (7, 2),
        (7, 3), (7, 4), (7, 5), (7, 6), (7, 7),
    }:
        return 5
    elif key in {(0, 6), (1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (6, 0), (6, 2), (6, 4), (6, 5), (6, 6)}:
        return 6
    return 1


def num_mlp_0_0(num_attn_0_0_output):
    if num_attn_0_0_output <= 1:
        return 1
    elif num_attn_0_0_output == 2:
        return 3
    return 2


def predicate_1_0(query_position, key_position):
    if query_position in {0, 7}:
        return key_position == 6
    elif query_position in {1}:
        return key_position == 2
    elif query_position in {2}:
        return key_position == 5
    return key_position == 1


def predicate_1_1(num_mlp_0_0_output, attn_0_0_output):
    if num_mlp_0_0_output in {1}:
        return attn_0_0_output == 5
    return attn_0_0_output == 6


def num_predicate_1_0(query_num_mlp_0_0_output, key_num_mlp_0_0_output):
    if query_num_mlp_0_0_output in {1}:
        return False
    return key_num_mlp_0_0_output == query_num_mlp_0_0_output


def num_predicate_1_1(query_token, key_token):
    if query_token in {'<s>'}:
        return False
    return key_token == query_token


def mlp_1_0(attn_0_1_output, mlp_0_0_output):
    key = (attn_0_1_output, mlp_0_0_output)
    if key in {(0, 3), (1, 3), (2, 3), (3, 3), (4, 3), (6, 3), (7, 3)}:
        return 0
    return 3


def num_mlp_1_0(num_attn_1_0_output, num_attn_1_1_output):
    if num_attn_1_0_output <= 1 and num_attn_1_1_output == 1:
        return 4
    elif 2 <= num_attn_1_0_output <= 6 and 1 <= num_attn_1_1_output <= 2:
        return 4
    elif num_attn_1_0_output == 7 and num_attn_1_1_output == 2:
        return 4
    elif num_attn_1_0_output <= 5 and num_attn_1_1_output == 0:
        return 6
    elif 7 <= num_attn_1_0_output <= 8 and num_attn_1_1_output == 1:
        return 6
    elif 6 <= num_attn_1_0_output <= 8 and num_attn_1_1_output == 0:
        return 7
    elif 9 <= num_attn_1_0_output <= 13 and num_attn_1_1_output <= 1:
        return 7
    elif 14 <= num_attn_1_0_output <= 19 and num_attn_1_1_output <= 2:
        return 7
    elif 20 <= num_attn_1_0_output <= 25 and num_attn_1_1_output <= 3:
        return 7
    elif 26 <= num_attn_1_0_output <= 31 and num_attn_1_1_output <= 4:
        return 7
    elif 32 <= num_attn_1_0_output <= 38 and num_attn_1_1_output <= 5:
        return 7
    elif 39 <= num_attn_1_0_output <= 44 and num_attn_1_1_output <= 6:
        return 7
    elif 45 <= num_attn_1_0_output <= 50 and num_attn_1_1_output <= 7:
        return 7
    elif 51 <= num_attn_1_0_output <= 57 and num_attn_1_1_output <= 8:
        return 7
    elif 58 <= num_attn_1_0_output <= 63 and num_attn_1_1_output <= 9:
        return 7
    elif num_attn_1_0_output == 64 and num_attn_1_1_output <= 10:
        return 7
    return 2


def predicate_2_0(query_position, key_position):
    if query_position in {6}:
        return key_position == 7
    elif query_position in {7}:
        return key_position == 4
    return key_position == 6


def predicate_2_1(num_mlp_1_0_output, num_mlp_0_0_output):
    if num_mlp_1_0_output in {2}:
        return False
    return num_mlp_0_0_output == 3


def num_predicate_2_0(num_mlp_0_0_output, num_mlp_1_0_output):
    if num_mlp_0_0_output in {1}:
        return num_mlp_1_0_output == 4
    elif num_mlp_0_0_output in {2}:
        return num_mlp_1_0_output == 7
    return False


def num_predicate_2_1(attn_1_0_output, position):
    if attn_1_0_output in {3}:
        return position == 3
    return position == 4


def mlp_2_0(attn_1_0_output, attn_2_0_output):
    key = (attn_1_0_output, attn_2_0_output)
    if key in {(1, 3), (1, 5), (3, 3)}:
        return 3
    elif key in {(1, 1), (1, 6), (3, 6)}:
        return 4
    elif key in {(2, 6)}:
        return 5
    elif key in {(3, 1), (3, 5)}:
        return 7
    return 2


def num_mlp_2_0(num_attn_1_0_output, num_attn_2_1_output):
    if num_attn_1_0_output == 0 and 1 <= num_attn_2_1_output <= 5:
        return 1
    elif num_attn_1_0_output == 1 and num_attn_2_1_output <= 2:
        return 1
    elif num_attn_1_0_output == 1 and 3 <= num_attn_2_1_output <= 4:
        return 5
    elif num_attn_1_0_output == 2 and num_attn_2_1_output <= 1:
        return 5
    elif num_attn_1_0_output == 0 and num_attn_2_1_output == 0:
        return 7
    return 4


def run(tokens):
    check_tokens(tokens)
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(positions, positions, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, positions)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, positions)
    num_attn_0_0_selection = select(tokens, tokens, num_predicate_0_0)
    num_attn_0_0_outputs = aggregate_sum(num_attn_0_0_selection, ones)
    num_attn_0_1_selection = select(positions, positions, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_0_outputs, attn_0_1_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(x) for x in num_attn_0_0_outputs]
    # layer 1
    attn_1_0_selected = select_closest(positions, positions, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, num_mlp_0_0_outputs)
    attn_1_1_selected = select_closest(attn_0_0_outputs, num_mlp_0_0_outputs, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, num_mlp_0_0_outputs)
    num_attn_1_0_selection = select(num_mlp_0_0_outputs, num_mlp_0_0_outputs, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_0_outputs)
    num_attn_1_1_selection = select(tokens, tokens, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, num_attn_0_0_outputs)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_0_1_outputs, mlp_0_0_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(*xs) for xs in zip(num_attn_1_0_outputs, num_attn_1_1_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(positions, positions, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, mlp_0_0_outputs)
    attn_2_1_selected = select_closest(num_mlp_0_0_outputs, num_mlp_1_0_outputs, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, num_mlp_1_0_outputs)
    num_attn_2_0_selection = select(num_mlp_1_0_outputs, num_mlp_0_0_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, num_attn_0_1_outputs)
    num_attn_2_1_selection = select(positions, attn_1_0_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_1_1_outputs)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_1_0_outputs, attn_2_0_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_1_0_outputs, num_attn_2_1_outputs)]
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
