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
    if token in {')'}:
        return position == 4
    elif token in {'}'}:
        return position == 14
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


def num_predicate_0_0(query_position, key_position):
    if query_position in {0, 1}:
        return key_position == query_position
    elif query_position in {3}:
        return key_position == 6
    elif query_position in {4, 9}:
        return key_position == 3
    elif query_position in {5, 11}:
        return key_position == 1
    elif query_position in {7, 13}:
        return key_position == 5
    elif query_position in {12}:
        return key_position == 10
    elif query_position in {14}:
        return key_position == 15
    elif query_position in {15}:
        return key_position == 14
    return key_position == 0


def num_predicate_0_1(query_token, key_token):
    if query_token in {'<s>', ')'}:
        return key_token == '('
    elif query_token in {'}'}:
        return key_token == '{'
    return False


def mlp_0_0(attn_0_1_output, token):
    key = (attn_0_1_output, token)
    if key in {('(', '}')}:
        return 0
    elif key in {('{', '<s>')}:
        return 4
    elif key in {
        ('<s>', '<s>'), ('<s>', '('), ('<s>', '{'), ('(', '<s>'), ('(', '('), ('(', '{'), ('{', '('),
        ('{', '{'),
    }:
        return 8
    return 13


def mlp_0_1(token, attn_0_1_output):
    key = (token, attn_0_1_output)
    if key in {('(', '}'), ('{', '}')}:
        return 0
    elif key in {('<s>', ')'), (')', '<s>'), (')', ')'), (')', '}')}:
        return 3
    elif key in {('<s>', '}'), ('}', '('), ('}', ')'), ('}', '}')}:
        return 5
    elif key in {('(', ')'), ('{', ')')}:
        return 8
    elif key in {('<s>', '<s>'), ('<s>', '('), ('(', '<s>'), ('}', '<s>')}:
        return 9
    elif key in {('<s>', '{'), ('}', '{')}:
        return 10
    elif key in {(')', '(')}:
        return 12
    elif key in {(')', '{')}:
        return 14
    return 2


def num_mlp_0_0(num_attn_0_0_output, num_attn_0_1_output):
    return 0


def num_mlp_0_1(num_attn_0_1_output):
    if num_attn_0_1_output == 0:
        return 7
    return 12


def predicate_1_0(query_position, key_position):
    if query_position in {0, 3}:
        return key_position == 1
    elif query_position in {1, 2}:
        return key_position == query_position
    elif query_position in {4, 6}:
        return key_position == 3
    elif query_position in {5, 7}:
        return key_position == 2
    elif query_position in {8, 9, 11}:
        return key_position == 4
    elif query_position in {14}:
        return key_position == 13
    return key_position == 5


def predicate_1_1(attn_0_1_output, token):
    if attn_0_1_output in {')'}:
        return token == attn_0_1_output
    return token == ')'


def num_predicate_1_0(query_token, key_token):
    if query_token in {'<s>'}:
        return key_token == ')'
    elif query_token in {')'}:
        return key_token == '{'
    elif query_token in {'{'}:
        return key_token == '<s>'
    elif query_token in {'}'}:
        return key_token == '('
    return False


def num_predicate_1_1(attn_0_0_output, mlp_0_1_output):
    if attn_0_0_output in {')'}:
        return mlp_0_1_output == 3
    elif attn_0_0_output in {'{'}:
        return mlp_0_1_output == 14
    return mlp_0_1_output == 5


def mlp_1_0(attn_1_0_output, attn_1_1_output):
    key = (attn_1_0_output, attn_1_1_output)
    if key in {
        (0, 3), (0, 10), (0, 14), (3, 3), (3, 10), (3, 14), (5, 0), (5, 3), (5, 10), (5, 14), (8, 0),
        (8, 3), (8, 10), (8, 14), (10, 3), (10, 10), (10, 14), (12, 3), (12, 10), (14, 3), (14, 10),
        (14, 14),
    }:
        return 3
    return 9


def mlp_1_1(attn_0_1_output, attn_1_0_output):
    key = (attn_0_1_output, attn_1_0_output)
    if key in {('<s>', 2), ('<s>', 14), ('(', 2), ('(', 14), ('{', 2), ('{', 14)}:
        return 8
    return 1


def num_mlp_1_0(num_attn_1_1_output, num_attn_0_1_output):
    if num_attn_1_1_output >= 13 and num_attn_0_1_output == 0:
        return 9
    return 5


def num_mlp_1_1(num_attn_1_1_output, num_attn_0_1_output):
    if num_attn_1_1_output == 0 and num_attn_0_1_output >= 2:
        return 3
    elif num_attn_1_1_output == 1 and num_attn_0_1_output >= 3:
        return 3
    elif num_attn_1_1_output == 2 and num_attn_0_1_output >= 4:
        return 3
    elif num_attn_1_1_output == 3 and num_attn_0_1_output >= 5:
        return 3
    elif num_attn_1_1_output == 4 and num_attn_0_1_output >= 6:
        return 3
    elif num_attn_1_1_output == 5 and num_attn_0_1_output >= 7:
        return 3
    elif num_attn_1_1_output == 6 and num_attn_0_1_output >= 8:
        return 3
    elif num_attn_1_1_output == 7 and num_attn_0_1_output >= 9:
        return 3
    elif num_attn_1_1_output == 8 and num_attn_0_1_output >= 10:
        return 3
    elif num_attn_1_1_output == 9 and num_attn_0_1_output >= 11:
        return 3
    elif num_attn_1_1_output == 10 and num_attn_0_1_output >= 12:
        return 3
    elif num_attn_1_1_output == 11 and num_attn_0_1_output >= 13:
        return 3
    elif num_attn_1_1_output == 12 and num_attn_0_1_output >= 14:
        return 3
    elif num_attn_1_1_output == 13 and num_attn_0_1_output >= 15:
        return 3
    elif num_attn_1_1_output == 14 and num_attn_0_1_output == 16:
        return 3
    elif num_attn_1_1_output == 1 and num_attn_0_1_output == 2:
        return 6
    elif num_attn_1_1_output == 2 and num_attn_0_1_output == 3:
        return 6
    elif num_attn_1_1_output == 3 and num_attn_0_1_output == 4:
        return 6
    elif num_attn_1_1_output == 4 and num_attn_0_1_output == 5:
        return 6
    elif num_attn_1_1_output == 5 and num_attn_0_1_output == 6:
        return 6
    elif num_attn_1_1_output == 6 and num_attn_0_1_output == 7:
        return 6
    elif num_attn_1_1_output == 0 and num_attn_0_1_output <= 1:
        return 13
    return 10


def predicate_2_0(attn_0_1_output, position):
    if attn_0_1_output in {'}'}:
        return position == 3
    return position == 2


def predicate_2_1(attn_0_1_output, position):
    if attn_0_1_output in {'<s>'}:
        return position == 2
    elif attn_0_1_output in {'(', ')'}:
        return position == 4
    return position == 3


def num_predicate_2_0(num_mlp_0_0_output, attn_1_1_output):
    return attn_1_1_output == 2


def num_predicate_2_1(attn_1_1_output, mlp_0_1_output):
    if attn_1_1_output in {0, 9}:
        return mlp_0_1_output == 5
    elif attn_1_1_output in {2, 8}:
        return mlp_0_1_output == 14
    elif attn_1_1_output in {10, 12}:
        return mlp_0_1_output == 3
    return mlp_0_1_output == attn_1_1_output


def mlp_2_0(attn_1_0_output, attn_0_0_output):
    key = (attn_1_0_output, attn_0_0_output)
    if key in {
        (0, '<s>'), (0, ')'), (3, '<s>'), (5, '<s>'), (5, ')'), (8, '<s>'), (8, ')'), (9, '<s>'), (9, ')'),
        (10, '<s>'), (12, '<s>'), (14, '<s>'), (14, ')'), (14, '}'),
    }:
        return 2
    elif key in {(2, '('), (2, '{'), (9, '('), (9, '{'), (14, '('), (14, '{')}:
        return 9
    return 4


def mlp_2_1(attn_1_0_output, attn_2_1_output):
    key = (attn_1_0_output, attn_2_1_output)
    if key in {(3, 10), (5, 5), (8, 5), (12, 5), (14, 12)}:
        return 0
    elif key in {
        (0, 0), (0, 8), (0, 10), (2, 10), (5, 10), (8, 10), (9, 0), (9, 2), (9, 8), (9, 10), (10, 0),
        (10, 8), (10, 10), (12, 0), (12, 8), (12, 10), (14, 8), (14, 10),
    }:
        return 6
    elif key in {
        (0, 12), (2, 3), (2, 5), (2, 9), (2, 12), (3, 0), (3, 2), (3, 12), (5, 0), (5, 2), (5, 8), (5, 12),
        (8, 12), (9, 5), (9, 12), (10, 2), (10, 12), (12, 2), (12, 12),
    }:
        return 7
    elif key in {(0, 2), (2, 0), (2, 2), (2, 8), (2, 14), (8, 0), (8, 2), (8, 8), (14, 0), (14, 2)}:
        return 12
    return 5


def num_mlp_2_0(num_attn_2_0_output, num_attn_2_1_output):
    if 219 <= num_attn_2_0_output <= 246 and num_attn_2_1_output == 1:
        return 1
    elif num_attn_2_0_output <= 246 and num_attn_2_1_output == 0:
        return 5
    elif num_attn_2_0_output >= 247 and num_attn_2_1_output <= 1:
        return 5
    elif 3 <= num_attn_2_0_output <= 4 and num_attn_2_1_output == 1:
        return 7
    elif 5 <= num_attn_2_0_output <= 6 and 1 <= num_attn_2_1_output <= 2:
        return 7
    elif 7 <= num_attn_2_0_output <= 8 and 1 <= num_attn_2_1_output <= 3:
        return 7
    elif 9 <= num_attn_2_0_output <= 10 and 1 <= num_attn_2_1_output <= 4:
        return 7
    elif num_attn_2_0_output == 11 and 1 <= num_attn_2_1_output <= 5:
        return 7
    elif 12 <= num_attn_2_0_output <= 13 and 1 <= num_attn_2_1_output <= 6:
        return 7
    elif 14 <= num_attn_2_0_output <= 15 and 1 <= num_attn_2_1_output <= 7:
        return 7
    elif 16 <= num_attn_2_0_output <= 17 and 1 <= num_attn_2_1_output <= 8:
        return 7
    elif num_attn_2_0_output == 18 and 1 <= num_attn_2_1_output <= 9:
        return 7
    elif 19 <= num_attn_2_0_output <= 20 and 1 <= num_attn_2_1_output <= 10:
        return 7
    elif 21 <= num_attn_2_0_output <= 22 and 1 <= num_attn_2_1_output <= 11:
        return 7
    elif 23 <= num_attn_2_0_output <= 24 and 1 <= num_attn_2_1_output <= 12:
        return 7
    elif 25 <= num_attn_2_0_output <= 26 and 1 <= num_attn_2_1_output <= 13:
        return 7
    elif num_attn_2_0_output == 27 and 1 <= num_attn_2_1_output <= 14:
        return 7
    elif 28 <= num_attn_2_0_output <= 29 and 1 <= num_attn_2_1_output <= 15:
        return 7
    elif 30 <= num_attn_2_0_output <= 31 and num_attn_2_1_output >= 1:
        return 7
    elif 32 <= num_attn_2_0_output <= 42 and num_attn_2_1_output >= 2:
        return 7
    elif 43 <= num_attn_2_0_output <= 52 and num_attn_2_1_output >= 3:
        return 7
    elif 53 <= num_attn_2_0_output <= 62 and num_attn_2_1_output >= 4:
        return 7
    elif 63 <= num_attn_2_0_output <= 72 and num_attn_2_1_output >= 5:
        return 7
    elif 73 <= num_attn_2_0_output <= 82 and num_attn_2_1_output >= 6:
        return 7
    elif 83 <= num_attn_2_0_output <= 92 and num_attn_2_1_output >= 7:
        return 7
    elif 93 <= num_attn_2_0_output <= 102 and num_attn_2_1_output >= 8:
        return 7
    elif 103 <= num_attn_2_0_output <= 112 and num_attn_2_1_output >= 9:
        return 7
    elif 113 <= num_attn_2_0_output <= 123 and num_attn_2_1_output >= 10:
        return 7
    elif 124 <= num_attn_2_0_output <= 133 and num_attn_2_1_output >= 11:
        return 7
    elif 134 <= num_attn_2_0_output <= 143 and num_attn_2_1_output >= 12:
        return 7
    elif 144 <= num_attn_2_0_output <= 153 and num_attn_2_1_output >= 13:
        return 7
    elif 154 <= num_attn_2_0_output <= 163 and num_attn_2_1_output >= 14:
        return 7
    elif 164 <= num_attn_2_0_output <= 173 and num_attn_2_1_output >= 15:
        return 7
    elif 174 <= num_attn_2_0_output <= 183 and num_attn_2_1_output == 16:
        return 7
    elif num_attn_2_0_output == 1 and num_attn_2_1_output == 1:
        return 8
    elif num_attn_2_0_output == 2 and 1 <= num_attn_2_1_output <= 2:
        return 8
    elif num_attn_2_0_output == 3 and 2 <= num_attn_2_1_output <= 4:
        return 8
    elif num_attn_2_0_output == 4 and 2 <= num_attn_2_1_output <= 5:
        return 8
    elif num_attn_2_0_output == 5 and 3 <= num_attn_2_1_output <= 6:
        return 8
    elif num_attn_2_0_output == 6 and 3 <= num_attn_2_1_output <= 8:
        return 8
    elif num_attn_2_0_output == 7 and 4 <= num_attn_2_1_output <= 9:
        return 8
    elif num_attn_2_0_output == 8 and 4 <= num_attn_2_1_output <= 10:
        return 8
    elif num_attn_2_0_output == 9 and 5 <= num_attn_2_1_output <= 11:
        return 8
    elif num_attn_2_0_output == 10 and 5 <= num_attn_2_1_output <= 13:
        return 8
    elif num_attn_2_0_output == 11 and 6 <= num_attn_2_1_output <= 14:
        return 8
    elif num_attn_2_0_output == 12 and 7 <= num_attn_2_1_output <= 15:
        return 8
    elif num_attn_2_0_output == 13 and num_attn_2_1_output >= 7:
        return 8
    elif 14 <= num_attn_2_0_output <= 15 and num_attn_2_1_output >= 8:
        return 8
    elif 16 <= num_attn_2_0_output <= 17 and num_attn_2_1_output >= 9:
        return 8
    elif num_attn_2_0_output == 18 and num_attn_2_1_output >= 10:
        return 8
    elif 19 <= num_attn_2_0_output <= 20 and num_attn_2_1_output >= 11:
        return 8
    elif 21 <= num_attn_2_0_output <= 22 and num_attn_2_1_output >= 12:
        return 8
    elif 23 <= num_attn_2_0_output <= 24 and num_attn_2_1_output >= 13:
        return 8
    elif 25 <= num_attn_2_0_output <= 26 and num_attn_2_1_output >= 14:
        return 8
    elif num_attn_2_0_output == 27 and num_attn_2_1_output >= 15:
        return 8
    elif 28 <= num_attn_2_0_output <= 29 and num_attn_2_1_output == 16:
        return 8
    elif 32 <= num_attn_2_0_output <= 42 and num_attn_2_1_output == 1:
        return 8
    elif 43 <= num_attn_2_0_output <= 52 and 1 <= num_attn_2_1_output <= 2:
        return 8
    elif 53 <= num_attn_2_0_output <= 62 and 1 <= num_attn_2_1_output <= 3:
        return 8
    elif num_attn_2_0_output == 63 and 1 <= num_attn_2_1_output <= 4:
        return 8
    elif 64 <= num_attn_2_0_output <= 72 and 2 <= num_attn_2_1_output <= 4:
        return 8
    elif 73 <= num_attn_2_0_output <= 75 and 2 <= num_attn_2_1_output <= 5:
        return 8
    elif 76 <= num_attn_2_0_output <= 82 and 3 <= num_attn_2_1_output <= 5:
        return 8
    elif 83 <= num_attn_2_0_output <= 86 and 3 <= num_attn_2_1_output <= 6:
        return 8
    elif 87 <= num_attn_2_0_output <= 92 and 4 <= num_attn_2_1_output <= 6:
        return 8
    elif 93 <= num_attn_2_0_output <= 97 and 4 <= num_attn_2_1_output <= 7:
        return 8
    elif 98 <= num_attn_2_0_output <= 102 and 5 <= num_attn_2_1_output <= 7:
        return 8
    elif 103 <= num_attn_2_0_output <= 109 and 5 <= num_attn_2_1_output <= 8:
        return 8
    elif 110 <= num_attn_2_0_output <= 112 and 6 <= num_attn_2_1_output <= 8:
        return 8
    elif 113 <= num_attn_2_0_output <= 120 and 6 <= num_attn_2_1_output <= 9:
        return 8
    elif 121 <= num_attn_2_0_output <= 123 and 7 <= num_attn_2_1_output <= 9:
        return 8
    elif 124 <= num_attn_2_0_output <= 131 and 7 <= num_attn_2_1_output <= 10:
        return 8
    elif 132 <= num_attn_2_0_output <= 133 and 8 <= num_attn_2_1_output <= 10:
        return 8
    elif 134 <= num_attn_2_0_output <= 143 and 8 <= num_attn_2_1_output <= 11:
        return 8
    elif 144 <= num_attn_2_0_output <= 153 and 9 <= num_attn_2_1_output <= 12:
        return 8
    elif num_attn_2_0_output == 154 and 9 <= num_attn_2_1_output <= 13:
        return 8
    elif 155 <= num_attn_2_0_output <= 163 and 10 <= num_attn_2_1_output <= 13:
        return 8
    elif 164 <= num_attn_2_0_output <= 165 and 10 <= num_attn_2_1_output <= 14:
        return 8
    elif 166 <= num_attn_2_0_output <= 173 and 11 <= num_attn_2_1_output <= 14:
        return 8
    elif 174 <= num_attn_2_0_output <= 177 and 11 <= num_attn_2_1_output <= 15:
        return 8
    elif 178 <= num_attn_2_0_output <= 183 and 12 <= num_attn_2_1_output <= 15:
        return 8
    elif 184 <= num_attn_2_0_output <= 188 and num_attn_2_1_output >= 12:
        return 8
    elif 189 <= num_attn_2_0_output <= 199 and num_attn_2_1_output >= 13:
        return 8
    elif 200 <= num_attn_2_0_output <= 211 and num_attn_2_1_output >= 14:
        return 8
    elif 212 <= num_attn_2_0_output <= 222 and num_attn_2_1_output >= 15:
        return 8
    elif 223 <= num_attn_2_0_output <= 233 and num_attn_2_1_output == 16:
        return 8
    return 10


def num_mlp_2_1(num_attn_1_0_output, num_attn_0_1_output):
    if num_attn_1_0_output == 0 and num_attn_0_1_output <= 2:
        return 5
    elif num_attn_1_0_output == 1 and num_attn_0_1_output <= 1:
        return 5
    elif num_attn_1_0_output == 2 and num_attn_0_1_output == 0:
        return 5
    return 15


def run(tokens):
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(positions, tokens, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    attn_0_1_selected = select_closest(positions, positions, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, tokens)
    num_attn_0_0_selection = select(positions, positions, num_predicate_0_0)
    num_attn_0_0_outputs = aggregate_sum(num_attn_0_0_selection, ones)
    num_attn_0_1_selection = select(tokens, tokens, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_1_outputs, tokens)]
    mlp_0_1_outputs = [mlp_0_1(*xs) for xs in zip(tokens, attn_0_1_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(*xs) for xs in zip(num_attn_0_0_outputs, num_attn_0_1_outputs)]
    num_mlp_0_1_outputs = [num_mlp_0_1(x) for x in num_attn_0_1_outputs]
    # layer 1
    attn_1_0_selected = select_closest(positions, positions, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, mlp_0_1_outputs)
    attn_1_1_selected = select_closest(tokens, attn_0_1_outputs, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, mlp_0_1_outputs)
    num_attn_1_0_selection = select(tokens, tokens, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_0_outputs)
    num_attn_1_1_selection = select(mlp_0_1_outputs, attn_0_0_outputs, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, ones)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_1_0_outputs, attn_1_1_outputs)]
    mlp_1_1_outputs = [mlp_1_1(*xs) for xs in zip(attn_0_1_outputs, attn_1_0_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_0_1_outputs)]
    num_mlp_1_1_outputs = [num_mlp_1_1(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_0_1_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(positions, attn_0_1_outputs, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, mlp_0_1_outputs)
    attn_2_1_selected = select_closest(positions, attn_0_1_outputs, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, attn_1_0_outputs)
    num_attn_2_0_selection = select(attn_1_1_outputs, num_mlp_0_0_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, num_attn_0_1_outputs)
    num_attn_2_1_selection = select(mlp_0_1_outputs, attn_1_1_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, ones)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_1_0_outputs, attn_0_0_outputs)]
    mlp_2_1_outputs = [mlp_2_1(*xs) for xs in zip(attn_1_0_outputs, attn_2_1_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_2_0_outputs, num_attn_2_1_outputs)]
    num_mlp_2_1_outputs = [num_mlp_2_1(*xs) for xs in zip(num_attn_1_0_outputs, num_attn_0_1_outputs)]
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
