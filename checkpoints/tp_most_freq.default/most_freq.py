"""A Transformer Program decompiled from an Intrinsic Zoo model (MODEL, trained on DATA).

run(tokens) takes the tokens, BOS first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

MODEL = 'tp_most_freq'
DATA = 'most_freq'
BOS = '<s>'
CAUSAL = False
CLASSES = ['<s>', '0', '1', '2', '3', '4', '5']
MAX_LENGTH = 8
EXAMPLE = ['<s>', '0', '1']
VOCABULARY = ['<s>', '0', '1', '2', '3', '4', '5']
WEIGHTS_FILE = Path(__file__).with_name('most_freq_weights.csv')


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


def predicate_0_0(position, token):
    if position in {0}:
        return token == '3'
    elif position in {1}:
        return token == '2'
    elif position in {2}:
        return token == '4'
    elif position in {6, 7}:
        return token == '5'
    return token == '1'


def predicate_0_1(query_position, key_position):
    if query_position in {0}:
        return key_position == 2
    elif query_position in {1, 5}:
        return key_position == 7
    elif query_position in {2}:
        return key_position == 1
    elif query_position in {4}:
        return key_position == 6
    elif query_position in {7}:
        return key_position == 5
    return key_position == 4


def predicate_0_2(query_position, key_position):
    if query_position in {1}:
        return key_position == 2
    elif query_position in {2}:
        return key_position == 1
    elif query_position in {3}:
        return key_position == 4
    elif query_position in {5}:
        return key_position == 6
    elif query_position in {6}:
        return key_position == 7
    elif query_position in {7}:
        return key_position == 3
    return key_position == 5


def predicate_0_3(query_position, key_position):
    if query_position in {1}:
        return key_position == 0
    elif query_position in {3}:
        return key_position == 2
    elif query_position in {4}:
        return key_position == 5
    elif query_position in {5, 7}:
        return key_position == 6
    elif query_position in {6}:
        return key_position == query_position
    return key_position == 1


def num_predicate_0_0(position, token):
    if position in {1}:
        return token == '4'
    return token == '<s>'


def num_predicate_0_1(position, token):
    if position in {0, 2}:
        return token == '<s>'
    elif position in {1}:
        return token == '0'
    elif position in {7}:
        return False
    return token == '4'


def num_predicate_0_2(position, token):
    if position in {0, 2}:
        return token == '<s>'
    elif position in {1}:
        return token == '1'
    elif position in {7}:
        return False
    return token == '4'


def num_predicate_0_3(position, token):
    if position in {0}:
        return token == '2'
    elif position in {1}:
        return token == '5'
    return token == '<s>'


def mlp_0_0(position, attn_0_1_output):
    key = (position, attn_0_1_output)
    if key in {
        (1, '<s>'), (1, '2'), (1, '3'), (1, '4'), (1, '5'), (2, '2'), (3, '<s>'), (3, '0'), (3, '1'),
        (3, '2'), (3, '3'), (3, '4'), (3, '5'),
    }:
        return 0
    elif key in {(1, '0'), (1, '1'), (2, '<s>'), (2, '0'), (2, '1'), (2, '3'), (2, '4'), (2, '5')}:
        return 3
    return 5


def mlp_0_1(position, attn_0_3_output):
    key = (position, attn_0_3_output)
    if key in {(0, '3'), (1, '<s>'), (1, '0'), (1, '1'), (1, '2'), (1, '3'), (1, '4'), (1, '5')}:
        return 1
    elif key in {(7, '<s>')}:
        return 2
    elif key in {(5, '<s>'), (5, '2'), (5, '3'), (6, '<s>'), (6, '2'), (6, '3'), (7, '2'), (7, '3')}:
        return 3
    elif key in {
        (2, '3'), (3, '<s>'), (3, '0'), (3, '1'), (3, '2'), (3, '3'), (3, '4'), (3, '5'), (4, '<s>'),
        (4, '0'), (4, '1'), (4, '2'), (4, '3'), (4, '4'), (4, '5'),
    }:
        return 5
    elif key in {(0, '<s>'), (2, '<s>'), (2, '0'), (2, '1'), (2, '2'), (2, '4'), (2, '5')}:
        return 6
    return 4


def num_mlp_0_0(num_attn_0_2_output):
    if num_attn_0_2_output == 1:
        return 7
    return 5


def num_mlp_0_1(num_attn_0_3_output, num_attn_0_1_output):
    if num_attn_0_3_output == 0 and num_attn_0_1_output <= 1:
        return 3
    elif 1 <= num_attn_0_3_output <= 4 and num_attn_0_1_output == 0:
        return 3
    elif 5 <= num_attn_0_3_output <= 7 and num_attn_0_1_output <= 1:
        return 3
    elif num_attn_0_3_output == 8 and num_attn_0_1_output <= 2:
        return 3
    elif num_attn_0_3_output == 1 and num_attn_0_1_output == 1:
        return 4
    elif 2 <= num_attn_0_3_output <= 3 and 1 <= num_attn_0_1_output <= 2:
        return 4
    elif num_attn_0_3_output == 4 and 1 <= num_attn_0_1_output <= 3:
        return 4
    elif num_attn_0_3_output == 5 and 2 <= num_attn_0_1_output <= 4:
        return 4
    elif 6 <= num_attn_0_3_output <= 7 and 2 <= num_attn_0_1_output <= 5:
        return 4
    elif num_attn_0_3_output == 8 and 3 <= num_attn_0_1_output <= 6:
        return 4
    return 5


def predicate_1_0(query_token, key_token):
    if query_token in {'2', '5'}:
        return key_token == '3'
    return key_token == '2'


def predicate_1_1(attn_0_3_output, token):
    if attn_0_3_output in {'<s>'}:
        return token == '5'
    elif attn_0_3_output in {'2', '4'}:
        return token == '3'
    elif attn_0_3_output in {'3'}:
        return token == '2'
    return token == attn_0_3_output


def predicate_1_2(position, mlp_0_0_output):
    if position in {2}:
        return False
    elif position in {4, 7}:
        return mlp_0_0_output == 3
    elif position in {5, 6}:
        return mlp_0_0_output == 0
    return mlp_0_0_output == 5


def predicate_1_3(query_position, key_position):
    if query_position in {0, 3}:
        return key_position == 6
    elif query_position in {1}:
        return key_position == query_position
    elif query_position in {2}:
        return key_position == 1
    elif query_position in {4}:
        return key_position == 2
    elif query_position in {6}:
        return key_position == 3
    return key_position == 0


def num_predicate_1_0(query_token, key_token):
    if query_token in {'1'}:
        return key_token == '<s>'
    return key_token == '1'


def num_predicate_1_1(mlp_0_1_output, token):
    if mlp_0_1_output in {1}:
        return token == '2'
    return token == '3'


def num_predicate_1_2(query_token, key_token):
    if query_token in {'<s>'}:
        return key_token == '1'
    elif query_token in {'2', '3'}:
        return key_token == query_token
    return key_token == '<s>'


def num_predicate_1_3(attn_0_3_output, token):
    if attn_0_3_output in {'1'}:
        return token == attn_0_3_output
    elif attn_0_3_output in {'2'}:
        return token == '1'
    return token == '2'


def mlp_1_0(attn_1_2_output, position):
    return 0


def mlp_1_1(position, attn_1_2_output):
    key = (position, attn_1_2_output)
    if key in {
        (6, '<s>'), (6, '0'), (6, '1'), (6, '2'), (6, '3'), (6, '4'), (6, '5'), (7, '<s>'), (7, '0'),
        (7, '1'), (7, '2'), (7, '3'), (7, '4'), (7, '5'),
    }:
        return 0
    elif key in {(0, '5'), (4, '5'), (5, '5')}:
        return 2
    elif key in {(2, '5')}:
        return 3
    elif key in {(4, '4'), (5, '4')}:
        return 5
    elif key in {(3, '5')}:
        return 6
    return 1


def num_mlp_1_0(num_attn_0_2_output, num_attn_1_1_output):
    if num_attn_0_2_output == 0 and num_attn_1_1_output == 1:
        return 0
    elif 1 <= num_attn_0_2_output <= 6 and 1 <= num_attn_1_1_output <= 2:
        return 0
    elif num_attn_0_2_output >= 7 and num_attn_1_1_output == 2:
        return 0
    elif num_attn_0_2_output == 0 and num_attn_1_1_output == 0:
        return 1
    elif num_attn_0_2_output == 1 and (num_attn_1_1_output == 0 or num_attn_1_1_output >= 3):
        return 1
    elif num_attn_0_2_output == 2 and (num_attn_1_1_output == 0 or num_attn_1_1_output >= 4):
        return 1
    elif num_attn_0_2_output == 3 and (num_attn_1_1_output == 0 or num_attn_1_1_output >= 5):
        return 1
    elif num_attn_0_2_output == 4 and (num_attn_1_1_output == 0 or num_attn_1_1_output >= 7):
        return 1
    elif num_attn_0_2_output == 5 and (num_attn_1_1_output == 0 or num_attn_1_1_output == 8):
        return 1
    elif num_attn_0_2_output == 6 and num_attn_1_1_output == 0:
        return 1
    elif num_attn_0_2_output >= 7 and num_attn_1_1_output <= 1:
        return 1
    elif num_attn_0_2_output == 0 and num_attn_1_1_output >= 2:
        return 2
    return 4


def num_mlp_1_1(num_attn_0_1_output, num_attn_0_3_output):
    if num_attn_0_1_output == 0 and num_attn_0_3_output <= 1:
        return 0
    elif num_attn_0_1_output == 1 and num_attn_0_3_output <= 1:
        return 1
    elif num_attn_0_1_output == 2 and 1 <= num_attn_0_3_output <= 2:
        return 1
    elif 3 <= num_attn_0_1_output <= 4 and 1 <= num_attn_0_3_output <= 3:
        return 1
    elif num_attn_0_1_output == 5 and 1 <= num_attn_0_3_output <= 4:
        return 1
    elif num_attn_0_1_output == 6 and 2 <= num_attn_0_3_output <= 5:
        return 1
    elif num_attn_0_1_output >= 7 and 2 <= num_attn_0_3_output <= 6:
        return 1
    elif 2 <= num_attn_0_1_output <= 5 and num_attn_0_3_output == 0:
        return 5
    elif num_attn_0_1_output >= 6 and num_attn_0_3_output <= 1:
        return 5
    return 6


def predicate_2_0(position, token):
    if position in {0, 7}:
        return token == '0'
    elif position in {1}:
        return token == '5'
    elif position in {2}:
        return token == '3'
    return token == '4'


def predicate_2_1(query_position, key_position):
    if query_position in {0, 1}:
        return key_position == query_position
    elif query_position in {4}:
        return key_position == 6
    elif query_position in {5, 6}:
        return key_position == 7
    return key_position == 0


def predicate_2_2(mlp_0_0_output, token):
    if mlp_0_0_output in {0}:
        return token == '4'
    elif mlp_0_0_output in {5}:
        return token == '3'
    return token == '1'


def predicate_2_3(query_token, key_token):
    if query_token in {'5'}:
        return key_token == '2'
    return key_token == '5'


def num_predicate_2_0(mlp_0_1_output, token):
    if mlp_0_1_output in {1, 2, 6}:
        return token == '3'
    return token == '<s>'


def num_predicate_2_1(position, token):
    if position in {0, 1}:
        return token == '0'
    elif position in {2}:
        return token == '<s>'
    elif position in {7}:
        return token == '5'
    return token == '2'


def num_predicate_2_2(attn_0_3_output, token):
    if attn_0_3_output in {'0', '2'}:
        return token == attn_0_3_output
    elif attn_0_3_output in {'4'}:
        return token == '0'
    return token == '4'


def num_predicate_2_3(attn_0_1_output, token):
    if attn_0_1_output in {'0'}:
        return token == '<s>'
    return token == '0'


def mlp_2_0(num_mlp_0_1_output, num_mlp_0_0_output):
    return 4


def mlp_2_1(num_mlp_1_0_output, attn_1_0_output):
    return 0


def num_mlp_2_0(num_attn_1_0_output):
    if num_attn_1_0_output == 0:
        return 1
    return 2


def num_mlp_2_1(num_attn_2_3_output):
    if num_attn_2_3_output == 0:
        return 7
    return 0


def run(tokens):
    check_tokens(tokens)
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(tokens, positions, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, tokens)
    attn_0_2_selected = select_closest(positions, positions, predicate_0_2)
    attn_0_2_outputs = aggregate(attn_0_2_selected, tokens)
    attn_0_3_selected = select_closest(positions, positions, predicate_0_3)
    attn_0_3_outputs = aggregate(attn_0_3_selected, tokens)
    num_attn_0_0_selection = select(tokens, positions, num_predicate_0_0)
    num_attn_0_0_outputs = aggregate_sum(num_attn_0_0_selection, ones)
    num_attn_0_1_selection = select(tokens, positions, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    num_attn_0_2_selection = select(tokens, positions, num_predicate_0_2)
    num_attn_0_2_outputs = aggregate_sum(num_attn_0_2_selection, ones)
    num_attn_0_3_selection = select(tokens, positions, num_predicate_0_3)
    num_attn_0_3_outputs = aggregate_sum(num_attn_0_3_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(positions, attn_0_1_outputs)]
    mlp_0_1_outputs = [mlp_0_1(*xs) for xs in zip(positions, attn_0_3_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(x) for x in num_attn_0_2_outputs]
    num_mlp_0_1_outputs = [num_mlp_0_1(*xs) for xs in zip(num_attn_0_3_outputs, num_attn_0_1_outputs)]
    # layer 1
    attn_1_0_selected = select_closest(tokens, tokens, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, tokens)
    attn_1_1_selected = select_closest(tokens, attn_0_3_outputs, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, attn_0_2_outputs)
    attn_1_2_selected = select_closest(mlp_0_0_outputs, positions, predicate_1_2)
    attn_1_2_outputs = aggregate(attn_1_2_selected, tokens)
    attn_1_3_selected = select_closest(positions, positions, predicate_1_3)
    attn_1_3_outputs = aggregate(attn_1_3_selected, attn_0_3_outputs)
    num_attn_1_0_selection = select(tokens, tokens, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, ones)
    num_attn_1_1_selection = select(tokens, mlp_0_1_outputs, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, ones)
    num_attn_1_2_selection = select(tokens, tokens, num_predicate_1_2)
    num_attn_1_2_outputs = aggregate_sum(num_attn_1_2_selection, ones)
    num_attn_1_3_selection = select(tokens, attn_0_3_outputs, num_predicate_1_3)
    num_attn_1_3_outputs = aggregate_sum(num_attn_1_3_selection, ones)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_1_2_outputs, positions)]
    mlp_1_1_outputs = [mlp_1_1(*xs) for xs in zip(positions, attn_1_2_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(*xs) for xs in zip(num_attn_0_2_outputs, num_attn_1_1_outputs)]
    num_mlp_1_1_outputs = [num_mlp_1_1(*xs) for xs in zip(num_attn_0_1_outputs, num_attn_0_3_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(tokens, positions, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, attn_1_0_outputs)
    attn_2_1_selected = select_closest(positions, positions, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, tokens)
    attn_2_2_selected = select_closest(tokens, mlp_0_0_outputs, predicate_2_2)
    attn_2_2_outputs = aggregate(attn_2_2_selected, attn_1_0_outputs)
    attn_2_3_selected = select_closest(tokens, tokens, predicate_2_3)
    attn_2_3_outputs = aggregate(attn_2_3_selected, tokens)
    num_attn_2_0_selection = select(tokens, mlp_0_1_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, ones)
    num_attn_2_1_selection = select(tokens, positions, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_1_2_outputs)
    num_attn_2_2_selection = select(tokens, attn_0_3_outputs, num_predicate_2_2)
    num_attn_2_2_outputs = aggregate_sum(num_attn_2_2_selection, ones)
    num_attn_2_3_selection = select(tokens, attn_0_1_outputs, num_predicate_2_3)
    num_attn_2_3_outputs = aggregate_sum(num_attn_2_3_selection, ones)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(num_mlp_0_1_outputs, num_mlp_0_0_outputs)]
    mlp_2_1_outputs = [mlp_2_1(*xs) for xs in zip(num_mlp_1_0_outputs, attn_1_0_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(x) for x in num_attn_1_0_outputs]
    num_mlp_2_1_outputs = [num_mlp_2_1(x) for x in num_attn_2_3_outputs]
    # read-out
    weights = read_weights()
    categorical = {
        "tokens": tokens, "positions": positions, "attn_0_0_outputs": attn_0_0_outputs,
        "attn_0_1_outputs": attn_0_1_outputs, "attn_0_2_outputs": attn_0_2_outputs,
        "attn_0_3_outputs": attn_0_3_outputs, "mlp_0_0_outputs": mlp_0_0_outputs,
        "mlp_0_1_outputs": mlp_0_1_outputs, "num_mlp_0_0_outputs": num_mlp_0_0_outputs,
        "num_mlp_0_1_outputs": num_mlp_0_1_outputs, "attn_1_0_outputs": attn_1_0_outputs,
        "attn_1_1_outputs": attn_1_1_outputs, "attn_1_2_outputs": attn_1_2_outputs,
        "attn_1_3_outputs": attn_1_3_outputs, "mlp_1_0_outputs": mlp_1_0_outputs,
        "mlp_1_1_outputs": mlp_1_1_outputs, "num_mlp_1_0_outputs": num_mlp_1_0_outputs,
        "num_mlp_1_1_outputs": num_mlp_1_1_outputs, "attn_2_0_outputs": attn_2_0_outputs,
        "attn_2_1_outputs": attn_2_1_outputs, "attn_2_2_outputs": attn_2_2_outputs,
        "attn_2_3_outputs": attn_2_3_outputs, "mlp_2_0_outputs": mlp_2_0_outputs,
        "mlp_2_1_outputs": mlp_2_1_outputs, "num_mlp_2_0_outputs": num_mlp_2_0_outputs,
        "num_mlp_2_1_outputs": num_mlp_2_1_outputs,
    }
    numerical = {
        "ones": ones, "num_attn_0_0_outputs": num_attn_0_0_outputs,
        "num_attn_0_1_outputs": num_attn_0_1_outputs, "num_attn_0_2_outputs": num_attn_0_2_outputs,
        "num_attn_0_3_outputs": num_attn_0_3_outputs, "num_attn_1_0_outputs": num_attn_1_0_outputs,
        "num_attn_1_1_outputs": num_attn_1_1_outputs, "num_attn_1_2_outputs": num_attn_1_2_outputs,
        "num_attn_1_3_outputs": num_attn_1_3_outputs, "num_attn_2_0_outputs": num_attn_2_0_outputs,
        "num_attn_2_1_outputs": num_attn_2_1_outputs, "num_attn_2_2_outputs": num_attn_2_2_outputs,
        "num_attn_2_3_outputs": num_attn_2_3_outputs,
    }
    per_position = [
        read_out({n: values[i] for n, values in categorical.items()},
                 {n: values[i] for n, values in numerical.items()}, weights)
        for i in range(len(tokens))
    ]
    return [CLASSES[argmax(logits)] for logits in per_position]
