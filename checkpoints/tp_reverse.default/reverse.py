"""A Transformer Program decompiled from an Intrinsic Zoo model (MODEL, trained on DATA).

run(tokens) takes the tokens, BOS first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

MODEL = 'tp_reverse'
DATA = 'reverse'
BOS = '<s>'
CAUSAL = False
CLASSES = ['0', '1', '2', '3', '4']
MAX_LENGTH = 8
EXAMPLE = ['<s>', '0', '1']
VOCABULARY = ['<s>', '</s>', '0', '1', '2', '3', '4']
WEIGHTS_FILE = Path(__file__).with_name('reverse_weights.csv')


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
        return key_position == 3
    elif query_position in {1, 2}:
        return key_position == 5
    elif query_position in {3}:
        return key_position == 4
    return key_position == 1


def predicate_0_1(query_position, key_position):
    if query_position in {0, 4}:
        return key_position == 3
    elif query_position in {1}:
        return key_position == 6
    elif query_position in {3}:
        return key_position == query_position
    elif query_position in {5}:
        return key_position == 2
    elif query_position in {6}:
        return key_position == 1
    return key_position == 0


def predicate_0_2(query_position, key_position):
    if query_position in {0, 4}:
        return key_position == 3
    elif query_position in {1}:
        return key_position == 6
    elif query_position in {2}:
        return key_position == 4
    elif query_position in {5}:
        return key_position == 2
    elif query_position in {6}:
        return key_position == 1
    return key_position == 0


def predicate_0_3(query_position, key_position):
    if query_position in {0, 1}:
        return key_position == 6
    elif query_position in {2}:
        return key_position == 5
    elif query_position in {4}:
        return key_position == 3
    elif query_position in {5}:
        return key_position == 2
    elif query_position in {6}:
        return key_position == 1
    return key_position == 4


def num_predicate_0_0(token, position):
    if token in {'0', '3', '4'}:
        return position == 6
    return position == 7


def num_predicate_0_1(token, position):
    if token in {'</s>', '4'}:
        return position == 7
    elif token in {'0'}:
        return position == 1
    elif token in {'2'}:
        return position == 5
    return position == 2


def num_predicate_0_2(token, position):
    if token in {'<s>'}:
        return position == 5
    return position == 7


def num_predicate_0_3(token, position):
    if token in {'<s>', '</s>', '0'}:
        return position == 7
    return position == 6


def mlp_0_0(attn_0_3_output, attn_0_1_output):
    key = (attn_0_3_output, attn_0_1_output)
    if key in {
        ('<s>', '2'), ('</s>', '2'), ('0', '</s>'), ('0', '2'), ('1', '2'), ('2', '</s>'), ('2', '2'),
        ('3', '2'),
    }:
        return 1
    elif key in {
        ('<s>', '</s>'), ('</s>', '<s>'), ('</s>', '</s>'), ('</s>', '0'), ('</s>', '1'), ('</s>', '3'),
        ('</s>', '4'),
    }:
        return 2
    elif key in {('<s>', '<s>'), ('<s>', '0'), ('<s>', '3')}:
        return 6
    return 3


def num_mlp_0_0(one):
    return 3


def predicate_1_0(query_position, key_position):
    if query_position in {0}:
        return key_position == 3
    elif query_position in {1}:
        return key_position == 6
    elif query_position in {2}:
        return key_position == 5
    elif query_position in {3}:
        return key_position == query_position
    elif query_position in {5}:
        return key_position == 2
    return key_position == 1


def predicate_1_1(query_position, key_position):
    if query_position in {0}:
        return key_position == 3
    elif query_position in {1, 2}:
        return key_position == 5
    elif query_position in {4}:
        return key_position == 0
    return key_position == 1


def predicate_1_2(query_position, key_position):
    if query_position in {0, 2}:
        return key_position == 3
    elif query_position in {1, 7}:
        return key_position == 4
    elif query_position in {3}:
        return key_position == 2
    return key_position == 1


def predicate_1_3(position, token):
    if position in {1, 2}:
        return token == '2'
    elif position in {4}:
        return token == '3'
    elif position in {5}:
        return token == '4'
    elif position in {7}:
        return token == '0'
    return token == '1'


def num_predicate_1_0(attn_0_2_output, attn_0_3_output):
    if attn_0_2_output in {'<s>', '1'}:
        return attn_0_3_output == '2'
    elif attn_0_2_output in {'2'}:
        return attn_0_3_output == '<s>'
    return attn_0_3_output == attn_0_2_output


def num_predicate_1_1(query_attn_0_3_output, key_attn_0_3_output):
    if query_attn_0_3_output in {'<s>'}:
        return key_attn_0_3_output == '0'
    elif query_attn_0_3_output in {'</s>'}:
        return key_attn_0_3_output == '1'
    elif query_attn_0_3_output in {'0', '1'}:
        return key_attn_0_3_output == query_attn_0_3_output
    return key_attn_0_3_output == '</s>'


def num_predicate_1_2(query_attn_0_3_output, key_attn_0_3_output):
    if query_attn_0_3_output in {'<s>', '</s>', '0'}:
        return key_attn_0_3_output == '1'
    elif query_attn_0_3_output in {'1'}:
        return key_attn_0_3_output == query_attn_0_3_output
    return key_attn_0_3_output == '</s>'


def num_predicate_1_3(query_attn_0_3_output, key_attn_0_3_output):
    if query_attn_0_3_output in {'<s>'}:
        return key_attn_0_3_output == '2'
    elif query_attn_0_3_output in {'</s>'}:
        return False
    elif query_attn_0_3_output in {'1', '3'}:
        return key_attn_0_3_output == '</s>'
    return key_attn_0_3_output == query_attn_0_3_output


def mlp_1_0(attn_0_2_output, attn_1_0_output):
    key = (attn_0_2_output, attn_1_0_output)
    if key in {
        ('</s>', '2'), ('2', '<s>'), ('2', '1'), ('2', '2'), ('2', '3'), ('2', '4'), ('3', '<s>'),
        ('3', '1'), ('3', '2'), ('3', '3'), ('3', '4'), ('4', '2'), ('4', '3'),
    }:
        return 0
    elif key in {
        ('</s>', '0'), ('</s>', '4'), ('0', '0'), ('0', '1'), ('0', '4'), ('1', '<s>'), ('1', '0'),
        ('1', '1'), ('1', '2'), ('1', '4'), ('4', '<s>'), ('4', '0'), ('4', '1'), ('4', '4'),
    }:
        return 2
    elif key in {('2', '0'), ('3', '0')}:
        return 7
    return 6


def num_mlp_1_0(num_attn_1_3_output):
    if num_attn_1_3_output == 0:
        return 2
    return 3


def predicate_2_0(position, token):
    if position in {0}:
        return token == '4'
    elif position in {2, 4}:
        return token == '</s>'
    elif position in {3, 7}:
        return token == '0'
    elif position in {5}:
        return token == '1'
    return token == '<s>'


def predicate_2_1(query_position, key_position):
    if query_position in {0, 5}:
        return key_position == 7
    elif query_position in {1}:
        return key_position == 4
    elif query_position in {3, 4}:
        return key_position == 6
    elif query_position in {6}:
        return key_position == 2
    return key_position == query_position


def predicate_2_2(position, token):
    if position in {0, 6}:
        return token == '3'
    elif position in {1, 4}:
        return token == '0'
    elif position in {5}:
        return token == '<s>'
    elif position in {7}:
        return token == '1'
    return token == '</s>'


def predicate_2_3(query_position, key_position):
    if query_position in {1}:
        return key_position == 5
    elif query_position in {2}:
        return key_position == 4
    elif query_position in {4}:
        return key_position == 2
    elif query_position in {5, 6}:
        return key_position == 1
    elif query_position in {7}:
        return key_position == 0
    return key_position == query_position


def num_predicate_2_0(query_attn_0_3_output, key_attn_0_3_output):
    if query_attn_0_3_output in {'<s>'}:
        return key_attn_0_3_output == '3'
    elif query_attn_0_3_output in {'</s>'}:
        return False
    elif query_attn_0_3_output in {'0', '1'}:
        return key_attn_0_3_output == '</s>'
    return key_attn_0_3_output == '0'


def num_predicate_2_1(query_attn_0_3_output, key_attn_0_3_output):
    if query_attn_0_3_output in {'<s>'}:
        return key_attn_0_3_output == '3'
    elif query_attn_0_3_output in {'</s>'}:
        return False
    elif query_attn_0_3_output in {'0', '1'}:
        return key_attn_0_3_output == '4'
    elif query_attn_0_3_output in {'3'}:
        return key_attn_0_3_output == query_attn_0_3_output
    return key_attn_0_3_output == '</s>'


def num_predicate_2_2(query_attn_0_3_output, key_attn_0_3_output):
    if query_attn_0_3_output in {'<s>'}:
        return key_attn_0_3_output == '2'
    elif query_attn_0_3_output in {'1', '4'}:
        return key_attn_0_3_output == '</s>'
    return key_attn_0_3_output == query_attn_0_3_output


def num_predicate_2_3(attn_0_3_output, mlp_0_0_output):
    if attn_0_3_output in {'</s>'}:
        return mlp_0_0_output == 1
    elif attn_0_3_output in {'1', '2'}:
        return mlp_0_0_output == 3
    return mlp_0_0_output == 2


def mlp_2_0(attn_1_2_output, attn_1_1_output):
    key = (attn_1_2_output, attn_1_1_output)
    if key in {('<s>', '0'), ('<s>', '4'), ('</s>', '0'), ('</s>', '4')}:
        return 3
    elif key in {
        ('<s>', '<s>'), ('<s>', '</s>'), ('<s>', '1'), ('<s>', '2'), ('</s>', '<s>'), ('</s>', '</s>'),
        ('</s>', '1'), ('</s>', '2'), ('1', '</s>'), ('2', '</s>'),
    }:
        return 6
    elif key in {('0', '</s>'), ('4', '</s>')}:
        return 7
    return 4


def num_mlp_2_0(num_attn_0_3_output, num_attn_2_2_output):
    if num_attn_0_3_output == 0 and num_attn_2_2_output == 0:
        return 0
    elif num_attn_0_3_output >= 1 and num_attn_2_2_output == 0:
        return 4
    return 5


def run(tokens):
    check_tokens(tokens)
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(positions, positions, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, tokens)
    attn_0_2_selected = select_closest(positions, positions, predicate_0_2)
    attn_0_2_outputs = aggregate(attn_0_2_selected, tokens)
    attn_0_3_selected = select_closest(positions, positions, predicate_0_3)
    attn_0_3_outputs = aggregate(attn_0_3_selected, tokens)
    num_attn_0_0_selection = select(positions, tokens, num_predicate_0_0)
    num_attn_0_0_outputs = aggregate_sum(num_attn_0_0_selection, ones)
    num_attn_0_1_selection = select(positions, tokens, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    num_attn_0_2_selection = select(positions, tokens, num_predicate_0_2)
    num_attn_0_2_outputs = aggregate_sum(num_attn_0_2_selection, ones)
    num_attn_0_3_selection = select(positions, tokens, num_predicate_0_3)
    num_attn_0_3_outputs = aggregate_sum(num_attn_0_3_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_3_outputs, attn_0_1_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(x) for x in ones]
    # layer 1
    attn_1_0_selected = select_closest(positions, positions, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, tokens)
    attn_1_1_selected = select_closest(positions, positions, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, tokens)
    attn_1_2_selected = select_closest(positions, positions, predicate_1_2)
    attn_1_2_outputs = aggregate(attn_1_2_selected, tokens)
    attn_1_3_selected = select_closest(tokens, positions, predicate_1_3)
    attn_1_3_outputs = aggregate(attn_1_3_selected, mlp_0_0_outputs)
    num_attn_1_0_selection = select(attn_0_3_outputs, attn_0_2_outputs, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_2_outputs)
    num_attn_1_1_selection = select(attn_0_3_outputs, attn_0_3_outputs, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, num_attn_0_2_outputs)
    num_attn_1_2_selection = select(attn_0_3_outputs, attn_0_3_outputs, num_predicate_1_2)
    num_attn_1_2_outputs = aggregate_sum(num_attn_1_2_selection, ones)
    num_attn_1_3_selection = select(attn_0_3_outputs, attn_0_3_outputs, num_predicate_1_3)
    num_attn_1_3_outputs = aggregate_sum(num_attn_1_3_selection, num_attn_0_2_outputs)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_0_2_outputs, attn_1_0_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(x) for x in num_attn_1_3_outputs]
    # layer 2
    attn_2_0_selected = select_closest(tokens, positions, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, attn_0_3_outputs)
    attn_2_1_selected = select_closest(positions, positions, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, attn_1_1_outputs)
    attn_2_2_selected = select_closest(tokens, positions, predicate_2_2)
    attn_2_2_outputs = aggregate(attn_2_2_selected, attn_1_0_outputs)
    attn_2_3_selected = select_closest(positions, positions, predicate_2_3)
    attn_2_3_outputs = aggregate(attn_2_3_selected, tokens)
    num_attn_2_0_selection = select(attn_0_3_outputs, attn_0_3_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, ones)
    num_attn_2_1_selection = select(attn_0_3_outputs, attn_0_3_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_1_0_outputs)
    num_attn_2_2_selection = select(attn_0_3_outputs, attn_0_3_outputs, num_predicate_2_2)
    num_attn_2_2_outputs = aggregate_sum(num_attn_2_2_selection, ones)
    num_attn_2_3_selection = select(mlp_0_0_outputs, attn_0_3_outputs, num_predicate_2_3)
    num_attn_2_3_outputs = aggregate_sum(num_attn_2_3_selection, num_attn_1_0_outputs)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_1_2_outputs, attn_1_1_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_0_3_outputs, num_attn_2_2_outputs)]
    # read-out
    weights = read_weights()
    categorical = {
        "tokens": tokens, "positions": positions, "attn_0_0_outputs": attn_0_0_outputs,
        "attn_0_1_outputs": attn_0_1_outputs, "attn_0_2_outputs": attn_0_2_outputs,
        "attn_0_3_outputs": attn_0_3_outputs, "mlp_0_0_outputs": mlp_0_0_outputs,
        "num_mlp_0_0_outputs": num_mlp_0_0_outputs, "attn_1_0_outputs": attn_1_0_outputs,
        "attn_1_1_outputs": attn_1_1_outputs, "attn_1_2_outputs": attn_1_2_outputs,
        "attn_1_3_outputs": attn_1_3_outputs, "mlp_1_0_outputs": mlp_1_0_outputs,
        "num_mlp_1_0_outputs": num_mlp_1_0_outputs, "attn_2_0_outputs": attn_2_0_outputs,
        "attn_2_1_outputs": attn_2_1_outputs, "attn_2_2_outputs": attn_2_2_outputs,
        "attn_2_3_outputs": attn_2_3_outputs, "mlp_2_0_outputs": mlp_2_0_outputs,
        "num_mlp_2_0_outputs": num_mlp_2_0_outputs,
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
