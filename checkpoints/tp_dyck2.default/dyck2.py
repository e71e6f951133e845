"""A Transformer Program decompiled from an Intrinsic Zoo model (MODEL, trained on DATA).

run(tokens) takes the tokens, BOS first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

MODEL = 'tp_dyck2'
DATA = 'dyck2'
BOS = '<s>'
CAUSAL = True
CLASSES = ['F', 'P', 'T']
MAX_LENGTH = 16
EXAMPLE = ['<s>', '(', ')']
VOCABULARY = ['<s>', '(', ')', '{', '}']
WEIGHTS_FILE = Path(__file__).with_name('dyck2_weights.csv')


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
    if query_position in {0}:
        return key_position == 13
    elif query_position in {1}:
        return key_position == 3
    elif query_position in {3}:
        return key_position == 15
    elif query_position in {5, 15}:
        return key_position == 14
    elif query_position in {6, 12}:
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
    elif query_position in {13}:
        return key_position == 12
    return key_position == 1


def predicate_0_1(query_position, key_position):
    if query_position in {1, 10}:
        return key_position == 9
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
    elif query_position in {8}:
        return key_position == 7
    elif query_position in {9}:
        return key_position == 8
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
    return key_position == 6


def num_predicate_0_0(query_token, key_token):
    if query_token in {'<s>'}:
        return key_token == '}'
    elif query_token in {')'}:
        return key_token == '{'
    elif query_token in {'}'}:
        return key_token == '('
    return False


def num_predicate_0_1(query_token, key_token):
    if query_token in {'<s>'}:
        return key_token == '}'
    elif query_token in {')', '}'}:
        return key_token == query_token
    return False


def mlp_0_0(attn_0_1_output, token):
    key = (attn_0_1_output, token)
    if key in {
        ('<s>', '('), ('<s>', ')'), ('(', '<s>'), ('(', '('), ('(', ')'), ('{', '<s>'), ('{', '('),
        ('{', ')'),
    }:
        return 2
    elif key in {('<s>', '{'), ('(', '{'), ('{', '{'), ('{', '}')}:
        return 4
    elif key in {(')', '{'), ('}', '('), ('}', '{')}:
        return 12
    return 5


def mlp_0_1(token, attn_0_1_output):
    key = (token, attn_0_1_output)
    if key in {('<s>', '<s>'), ('<s>', '('), ('<s>', '{')}:
        return 4
    elif key in {(')', '{'), ('}', '(')}:
        return 5
    elif key in {('(', ')'), ('(', '}'), ('{', ')'), ('{', '}')}:
        return 11
    elif key in {('<s>', ')'), (')', '('), ('}', '{')}:
        return 13
    elif key in {('(', '<s>'), ('(', '('), ('(', '{'), ('{', '<s>'), ('{', '('), ('{', '{')}:
        return 15
    return 14


def num_mlp_0_0(num_attn_0_0_output, num_attn_0_1_output):
    return 1


def num_mlp_0_1(num_attn_0_0_output):
    return 1


def predicate_1_0(query_position, key_position):
    if query_position in {0}:
        return key_position == 1
    elif query_position in {1, 2}:
        return key_position == query_position
    elif query_position in {3}:
        return key_position == 2
    elif query_position in {8, 13}:
        return key_position == 4
    elif query_position in {10, 12}:
        return key_position == 5
    elif query_position in {14, 15}:
        return key_position == 6
    return key_position == 3


def predicate_1_1(query_position, key_position):
    if query_position in {0, 4, 5}:
        return key_position == 3
    elif query_position in {1, 2}:
        return key_position == query_position
    elif query_position in {3}:
        return key_position == 1
    elif query_position in {8, 15}:
        return key_position == 7
    elif query_position in {10}:
        return key_position == 9
    elif query_position in {12}:
        return key_position == 11
    elif query_position in {13}:
        return key_position == 6
    elif query_position in {14}:
        return key_position == 13
    return key_position == 5


def num_predicate_1_0(num_mlp_0_0_output, mlp_0_0_output):
    return mlp_0_0_output == 5


def num_predicate_1_1(token, attn_0_1_output):
    if token in {')'}:
        return attn_0_1_output == '('
    elif token in {'}'}:
        return attn_0_1_output == '{'
    return False


def mlp_1_0(attn_1_1_output, attn_1_0_output):
    key = (attn_1_1_output, attn_1_0_output)
    if key in {(5, 11), (11, 11), (13, 5), (13, 11)}:
        return 3
    elif key in {(5, 5), (11, 5)}:
        return 8
    elif key in {(4, 5), (4, 11), (4, 13), (5, 13), (11, 13), (13, 13), (15, 13)}:
        return 9
    elif key in {(4, 15), (5, 15), (11, 15), (13, 15), (15, 4), (15, 5), (15, 11), (15, 15)}:
        return 14
    return 6


def mlp_1_1(mlp_0_1_output, attn_1_0_output):
    key = (mlp_0_1_output, attn_1_0_output)
    if key in {
        (5, 5), (5, 11), (5, 13), (5, 14), (11, 5), (11, 11), (11, 14), (14, 5), (14, 11), (14, 13),
        (14, 14),
    }:
        return 5
    elif key in {(4, 5), (4, 11), (4, 14), (15, 5), (15, 11), (15, 14)}:
        return 7
    elif key in {(13, 5), (14, 4), (14, 15)}:
        return 14
    return 0


def num_mlp_1_0(num_attn_0_0_output):
    if num_attn_0_0_output == 0:
        return 10
    return 6


def num_mlp_1_1(num_attn_1_1_output, num_attn_0_1_output):
    if num_attn_1_1_output == 3 and num_attn_0_1_output == 0:
        return 0
    elif 4 <= num_attn_1_1_output <= 5 and num_attn_0_1_output <= 1:
        return 0
    elif 6 <= num_attn_1_1_output <= 7 and num_attn_0_1_output <= 2:
        return 0
    elif 8 <= num_attn_1_1_output <= 9 and num_attn_0_1_output <= 3:
        return 0
    elif num_attn_1_1_output == 10 and 1 <= num_attn_0_1_output <= 4:
        return 0
    elif num_attn_1_1_output == 11 and 1 <= num_attn_0_1_output <= 5:
        return 0
    elif num_attn_1_1_output == 12 and 2 <= num_attn_0_1_output <= 5:
        return 0
    elif 13 <= num_attn_1_1_output <= 14 and 3 <= num_attn_0_1_output <= 6:
        return 0
    elif num_attn_1_1_output == 15 and 4 <= num_attn_0_1_output <= 7:
        return 0
    elif num_attn_1_1_output == 16 and 4 <= num_attn_0_1_output <= 8:
        return 0
    elif num_attn_1_1_output == 0 and num_attn_0_1_output <= 16:
        return 8
    elif num_attn_1_1_output == 1 and num_attn_0_1_output >= 4:
        return 8
    elif num_attn_1_1_output == 2 and num_attn_0_1_output >= 10:
        return 8
    elif num_attn_1_1_output == 3 and num_attn_0_1_output == 16:
        return 8
    elif 10 <= num_attn_1_1_output <= 11 and num_attn_0_1_output == 0:
        return 8
    elif num_attn_1_1_output == 12 and num_attn_0_1_output <= 1:
        return 8
    elif 13 <= num_attn_1_1_output <= 14 and num_attn_0_1_output <= 2:
        return 8
    elif num_attn_1_1_output >= 15 and num_attn_0_1_output <= 3:
        return 8
    elif num_attn_1_1_output == 1 and num_attn_0_1_output <= 1:
        return 11
    elif num_attn_1_1_output == 2 and num_attn_0_1_output <= 2:
        return 11
    elif num_attn_1_1_output == 3 and 1 <= num_attn_0_1_output <= 3:
        return 11
    elif num_attn_1_1_output == 4 and 2 <= num_attn_0_1_output <= 4:
        return 11
    elif num_attn_1_1_output == 5 and 2 <= num_attn_0_1_output <= 5:
        return 11
    elif num_attn_1_1_output == 6 and 3 <= num_attn_0_1_output <= 6:
        return 11
    elif num_attn_1_1_output == 7 and 3 <= num_attn_0_1_output <= 7:
        return 11
    elif num_attn_1_1_output == 8 and 4 <= num_attn_0_1_output <= 8:
        return 11
    elif num_attn_1_1_output == 9 and 4 <= num_attn_0_1_output <= 9:
        return 11
    elif num_attn_1_1_output == 10 and 5 <= num_attn_0_1_output <= 10:
        return 11
    elif num_attn_1_1_output == 11 and 6 <= num_attn_0_1_output <= 11:
        return 11
    elif num_attn_1_1_output == 12 and 6 <= num_attn_0_1_output <= 12:
        return 11
    elif num_attn_1_1_output == 13 and 7 <= num_attn_0_1_output <= 13:
        return 11
    elif num_attn_1_1_output == 14 and 7 <= num_attn_0_1_output <= 14:
        return 11
    elif num_attn_1_1_output == 15 and 8 <= num_attn_0_1_output <= 15:
        return 11
    elif num_attn_1_1_output == 16 and num_attn_0_1_output >= 9:
        return 11
    return 10


def predicate_2_0(token, position):
    if token in {'(', '{'}:
        return position == 2
    elif token in {'}'}:
        return position == 3
    return position == 1


def predicate_2_1(query_attn_0_0_output, key_attn_0_0_output):
    if query_attn_0_0_output in {'<s>'}:
        return key_attn_0_0_output == query_attn_0_0_output
    return key_attn_0_0_output == '<s>'


def num_predicate_2_0(num_mlp_1_0_output, mlp_1_1_output):
    return mlp_1_1_output == 5


def num_predicate_2_1(attn_1_0_output, mlp_0_1_output):
    if attn_1_0_output in {5}:
        return mlp_0_1_output == attn_1_0_output
    return mlp_0_1_output == 5


def mlp_2_0(attn_1_0_output, attn_2_1_output):
    key = (attn_1_0_output, attn_2_1_output)
    if key in {(4, 4), (5, 4), (5, 15), (11, 4), (11, 15), (15, 4), (15, 5), (15, 11), (15, 13), (15, 15)}:
        return 0
    elif key in {
        (4, 5), (4, 11), (4, 13), (5, 5), (5, 11), (5, 13), (11, 5), (11, 11), (11, 13), (13, 5), (13, 13),
        (14, 5), (14, 13),
    }:
        return 15
    return 10


def mlp_2_1(attn_2_0_output, token):
    key = (attn_2_0_output, token)
    if key in {(5, '<s>'), (5, '}'), (13, '<s>'), (13, ')'), (13, '}'), (14, '<s>'), (14, '}')}:
        return 6
    elif key in {(11, '}')}:
        return 11
    elif key in {(14, ')')}:
        return 14
    return 1


def num_mlp_2_0(num_attn_2_1_output, num_attn_1_0_output):
    if num_attn_2_1_output == 0 and num_attn_1_0_output == 0:
        return 12
    return 4


def num_mlp_2_1(num_attn_2_1_output, num_attn_2_0_output):
    if num_attn_2_1_output == 0 and num_attn_2_0_output >= 1:
        return 6
    return 12


def run(tokens):
    check_tokens(tokens)
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(positions, positions, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, tokens)
    num_attn_0_0_selection = select(tokens, tokens, num_predicate_0_0)
    num_attn_0_0_outputs = aggregate_sum(num_attn_0_0_selection, ones)
    num_attn_0_1_selection = select(tokens, tokens, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_1_outputs, tokens)]
    mlp_0_1_outputs = [mlp_0_1(*xs) for xs in zip(tokens, attn_0_1_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(*xs) for xs in zip(num_attn_0_0_outputs, num_attn_0_1_outputs)]
    num_mlp_0_1_outputs = [num_mlp_0_1(x) for x in num_attn_0_0_outputs]
    # layer 1
    attn_1_0_selected = select_closest(positions, positions, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, mlp_0_1_outputs)
    attn_1_1_selected = select_closest(positions, positions, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, mlp_0_1_outputs)
    num_attn_1_0_selection = select(mlp_0_0_outputs, num_mlp_0_0_outputs, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_1_outputs)
    num_attn_1_1_selection = select(attn_0_1_outputs, tokens, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, ones)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_1_1_outputs, attn_1_0_outputs)]
    mlp_1_1_outputs = [mlp_1_1(*xs) for xs in zip(mlp_0_1_outputs, attn_1_0_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(x) for x in num_attn_0_0_outputs]
    num_mlp_1_1_outputs = [num_mlp_1_1(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_0_1_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(positions, tokens, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, attn_1_1_outputs)
    attn_2_1_selected = select_closest(attn_0_0_outputs, attn_0_0_outputs, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, attn_1_0_outputs)
    num_attn_2_0_selection = select(mlp_1_1_outputs, num_mlp_1_0_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, ones)
    num_attn_2_1_selection = select(mlp_0_1_outputs, attn_1_0_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_0_0_outputs)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_1_0_outputs, attn_2_1_outputs)]
    mlp_2_1_outputs = [mlp_2_1(*xs) for xs in zip(attn_2_0_outputs, tokens)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_2_1_outputs, num_attn_1_0_outputs)]
    num_mlp_2_1_outputs = [num_mlp_2_1(*xs) for xs in zip(num_attn_2_1_outputs, num_attn_2_0_outputs)]
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
