"""dyck1: a Transformer Program decompiled from the Intrinsic Zoo model tp_dyck1 (data: dyck1).

run(tokens) takes the tokens, '<s>' first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

CAUSAL = True
CLASSES = ['F', 'P', 'T']
WEIGHTS_FILE = Path(__file__).with_name("dyck1_weights.csv")


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
        return position == 9
    return position == 1


def predicate_0_1(token, position):
    if token in {')'}:
        return position == 4
    return position == 1


def predicate_0_2(token, position):
    if token in {')'}:
        return position == 8
    return position == 1


def predicate_0_3(token, position):
    if token in {')'}:
        return position == 6
    return position == 1


def num_predicate_0_0(position, token):
    if position in {1, 2, 3, 4, 5, 7}:
        return token == ')'
    elif position in {11}:
        return token == '<s>'
    return False


def num_predicate_0_1(position, token):
    if position in {0, 1, 2, 3, 5, 7, 9}:
        return token == ')'
    elif position in {11, 13}:
        return token == '<s>'
    return False


def num_predicate_0_2(position, token):
    if position in {1, 2, 3, 4, 5, 6, 8}:
        return token == ')'
    elif position in {15}:
        return token == '<s>'
    return False


def num_predicate_0_3(token, position):
    if token in {'('}:
        return position == 5
    elif token in {')'}:
        return position == 14
    return position == 3


def mlp_0_0(attn_0_3_output, attn_0_2_output):
    key = (attn_0_3_output, attn_0_2_output)
    if key in {('<s>', '<s>'), ('<s>', ')'), (')', '<s>'), (')', ')')}:
        return 3
    return 2


def num_mlp_0_0(num_attn_0_1_output, num_attn_0_0_output):
    if num_attn_0_1_output == 0 and num_attn_0_0_output >= 2:
        return 3
    elif num_attn_0_1_output == 1 and num_attn_0_0_output >= 3:
        return 3
    elif num_attn_0_1_output == 2 and num_attn_0_0_output >= 4:
        return 3
    elif num_attn_0_1_output == 3 and num_attn_0_0_output >= 6:
        return 3
    elif num_attn_0_1_output == 4 and num_attn_0_0_output >= 7:
        return 3
    elif num_attn_0_1_output == 5 and num_attn_0_0_output >= 8:
        return 3
    elif num_attn_0_1_output == 6 and num_attn_0_0_output >= 9:
        return 3
    elif num_attn_0_1_output == 7 and num_attn_0_0_output >= 10:
        return 3
    elif num_attn_0_1_output == 8 and num_attn_0_0_output >= 11:
        return 3
    elif num_attn_0_1_output == 9 and num_attn_0_0_output >= 12:
        return 3
    elif num_attn_0_1_output == 10 and num_attn_0_0_output >= 13:
        return 3
    elif num_attn_0_1_output == 11 and num_attn_0_0_output >= 14:
        return 3
    elif num_attn_0_1_output == 12 and num_attn_0_0_output == 16:
        return 3
    return 6


def predicate_1_0(token, position):
    if token in {')'}:
        return position == 4
    return position == 1


def predicate_1_1(mlp_0_0_output, position):
    if mlp_0_0_output in {2}:
        return position == 3
    return position == 2


def predicate_1_2(mlp_0_0_output, position):
    return position == 2


def predicate_1_3(mlp_0_0_output, position):
    if mlp_0_0_output in {3}:
        return position == 10
    return position == 2


def num_predicate_1_0(attn_0_0_output, num_mlp_0_0_output):
    return False


def num_predicate_1_1(attn_0_2_output, token):
    if attn_0_2_output in {'('}:
        return False
    return token == '('


def num_predicate_1_2(mlp_0_0_output, token):
    return False


def num_predicate_1_3(attn_0_0_output, mlp_0_0_output):
    return mlp_0_0_output == 3


def mlp_1_0(attn_1_3_output, attn_1_1_output):
    key = (attn_1_3_output, attn_1_1_output)
    if key in {('<s>', ')')}:
        return 8
    elif key in {('<s>', '<s>'), (')', '<s>')}:
        return 11
    return 0


def num_mlp_1_0(num_attn_0_3_output, num_attn_1_0_output):
    if num_attn_0_3_output == 0 and num_attn_1_0_output <= 60:
        return 4
    elif num_attn_0_3_output == 1 and num_attn_1_0_output <= 72:
        return 4
    elif num_attn_0_3_output == 2 and num_attn_1_0_output <= 82:
        return 4
    elif num_attn_0_3_output == 3 and num_attn_1_0_output <= 78:
        return 4
    elif num_attn_0_3_output == 4 and num_attn_1_0_output <= 73:
        return 4
    elif num_attn_0_3_output == 5 and num_attn_1_0_output <= 71:
        return 4
    elif num_attn_0_3_output == 6 and num_attn_1_0_output <= 72:
        return 4
    elif 7 <= num_attn_0_3_output <= 8 and num_attn_1_0_output <= 73:
        return 4
    elif num_attn_0_3_output == 9 and num_attn_1_0_output <= 74:
        return 4
    elif num_attn_0_3_output == 10 and num_attn_1_0_output <= 75:
        return 4
    elif num_attn_0_3_output == 11 and num_attn_1_0_output <= 76:
        return 4
    elif num_attn_0_3_output == 12 and num_attn_1_0_output <= 77:
        return 4
    elif num_attn_0_3_output == 13 and num_attn_1_0_output <= 78:
        return 4
    elif num_attn_0_3_output == 14 and num_attn_1_0_output <= 79:
        return 4
    elif num_attn_0_3_output == 15 and num_attn_1_0_output <= 80:
        return 4
    elif num_attn_0_3_output == 16 and num_attn_1_0_output <= 81:
        return 4
    elif num_attn_0_3_output == 0 and 61 <= num_attn_1_0_output <= 159:
        return 12
    elif num_attn_0_3_output == 1 and 73 <= num_attn_1_0_output <= 159:
        return 12
    elif num_attn_0_3_output == 2 and 83 <= num_attn_1_0_output <= 159:
        return 12
    elif num_attn_0_3_output == 3 and 79 <= num_attn_1_0_output <= 160:
        return 12
    elif num_attn_0_3_output == 4 and 74 <= num_attn_1_0_output <= 160:
        return 12
    elif num_attn_0_3_output == 5 and 72 <= num_attn_1_0_output <= 160:
        return 12
    elif num_attn_0_3_output == 6 and 73 <= num_attn_1_0_output <= 161:
        return 12
    elif 7 <= num_attn_0_3_output <= 8 and 74 <= num_attn_1_0_output <= 162:
        return 12
    elif num_attn_0_3_output == 9 and 75 <= num_attn_1_0_output <= 163:
        return 12
    elif num_attn_0_3_output == 10 and 76 <= num_attn_1_0_output <= 164:
        return 12
    elif num_attn_0_3_output == 11 and 77 <= num_attn_1_0_output <= 164:
        return 12
    elif num_attn_0_3_output == 12 and 78 <= num_attn_1_0_output <= 165:
        return 12
    elif num_attn_0_3_output == 13 and 79 <= num_attn_1_0_output <= 166:
        return 12
    elif num_attn_0_3_output == 14 and 80 <= num_attn_1_0_output <= 166:
        return 12
    elif num_attn_0_3_output == 15 and 81 <= num_attn_1_0_output <= 166:
        return 12
    elif num_attn_0_3_output == 16 and 82 <= num_attn_1_0_output <= 167:
        return 12
    return 7


def predicate_2_0(attn_0_0_output, attn_0_2_output):
    if attn_0_0_output in {'('}:
        return attn_0_2_output == ')'
    return attn_0_2_output == attn_0_0_output


def predicate_2_1(query_position, key_position):
    if query_position in {0, 4, 5, 7, 11}:
        return key_position == 3
    elif query_position in {1, 3}:
        return key_position == query_position
    elif query_position in {2}:
        return key_position == 1
    elif query_position in {13, 14}:
        return key_position == 11
    return key_position == 5


def predicate_2_2(query_position, key_position):
    if query_position in {1}:
        return key_position == query_position
    elif query_position in {2}:
        return key_position == 1
    elif query_position in {3}:
        return key_position == 2
    elif query_position in {7}:
        return key_position == 4
    elif query_position in {11, 13}:
        return key_position == 5
    elif query_position in {14, 15}:
        return key_position == 10
    return key_position == 3


def predicate_2_3(mlp_0_0_output, attn_0_0_output):
    if mlp_0_0_output in {3}:
        return attn_0_0_output == '('
    return attn_0_0_output == '<s>'


def num_predicate_2_0(mlp_1_0_output, attn_1_2_output):
    return False


def num_predicate_2_1(attn_1_3_output, attn_1_0_output):
    if attn_1_3_output in {'('}:
        return attn_1_0_output == ')'
    elif attn_1_3_output in {')'}:
        return attn_1_0_output == '<s>'
    return attn_1_0_output == attn_1_3_output


def num_predicate_2_2(mlp_1_0_output, attn_1_1_output):
    return attn_1_1_output == '('


def num_predicate_2_3(attn_0_0_output, position):
    if attn_0_0_output in {'('}:
        return position == 10
    elif attn_0_0_output in {')'}:
        return position == 7
    return position == 6


def mlp_2_0(attn_2_2_output, attn_2_0_output):
    key = (attn_2_2_output, attn_2_0_output)
    if key in {('<s>', '('), (')', '(')}:
        return 4
    elif key in {('(', '<s>'), ('(', '('), ('(', ')')}:
        return 12
    return 14


def num_mlp_2_0(num_attn_1_1_output, num_attn_2_0_output):
    if num_attn_1_1_output == 9 and num_attn_2_0_output == 10:
        return 0
    elif num_attn_1_1_output == 10 and num_attn_2_0_output == 11:
        return 0
    elif 19 <= num_attn_1_1_output <= 21 and num_attn_2_0_output == 0:
        return 0
    elif 22 <= num_attn_1_1_output <= 24 and num_attn_2_0_output <= 1:
        return 0
    elif 25 <= num_attn_1_1_output <= 27 and num_attn_2_0_output <= 2:
        return 0
    elif 28 <= num_attn_1_1_output <= 30 and num_attn_2_0_output <= 3:
        return 0
    elif 31 <= num_attn_1_1_output <= 33 and num_attn_2_0_output <= 4:
        return 0
    elif 34 <= num_attn_1_1_output <= 36 and num_attn_2_0_output <= 5:
        return 0
    elif 37 <= num_attn_1_1_output <= 39 and num_attn_2_0_output <= 6:
        return 0
    elif 40 <= num_attn_1_1_output <= 41 and num_attn_2_0_output <= 7:
        return 0
    elif 42 <= num_attn_1_1_output <= 44 and num_attn_2_0_output <= 8:
        return 0
    elif num_attn_1_1_output == 45 and (num_attn_2_0_output == 0 or 2 <= num_attn_2_0_output <= 8):
        return 0
    elif 46 <= num_attn_1_1_output <= 47 and (num_attn_2_0_output == 0 or 2 <= num_attn_2_0_output <= 9):
        return 0
    elif num_attn_1_1_output == 48 and (num_attn_2_0_output == 0 or 3 <= num_attn_2_0_output <= 9):
        return 0
    elif num_attn_1_1_output == 49 and 3 <= num_attn_2_0_output <= 10:
        return 0
    elif 50 <= num_attn_1_1_output <= 51 and 4 <= num_attn_2_0_output <= 10:
        return 0
    elif num_attn_1_1_output == 52 and 4 <= num_attn_2_0_output <= 11:
        return 0
    elif 53 <= num_attn_1_1_output <= 54 and 5 <= num_attn_2_0_output <= 11:
        return 0
    elif 55 <= num_attn_1_1_output <= 57 and 6 <= num_attn_2_0_output <= 12:
        return 0
    elif 58 <= num_attn_1_1_output <= 59 and 7 <= num_attn_2_0_output <= 13:
        return 0
    elif num_attn_1_1_output == 60 and 8 <= num_attn_2_0_output <= 13:
        return 0
    elif 61 <= num_attn_1_1_output <= 62 and 8 <= num_attn_2_0_output <= 14:
        return 0
    elif num_attn_1_1_output == 63 and 9 <= num_attn_2_0_output <= 14:
        return 0
    elif 64 <= num_attn_1_1_output <= 65 and 9 <= num_attn_2_0_output <= 15:
        return 0
    elif num_attn_1_1_output == 66 and 10 <= num_attn_2_0_output <= 15:
        return 0
    elif num_attn_1_1_output == 67 and 10 <= num_attn_2_0_output <= 16:
        return 0
    elif 68 <= num_attn_1_1_output <= 69 and 11 <= num_attn_2_0_output <= 16:
        return 0
    elif num_attn_1_1_output == 70 and 11 <= num_attn_2_0_output <= 17:
        return 0
    elif 71 <= num_attn_1_1_output <= 72 and 12 <= num_attn_2_0_output <= 17:
        return 0
    elif 73 <= num_attn_1_1_output <= 75 and 13 <= num_attn_2_0_output <= 18:
        return 0
    elif 76 <= num_attn_1_1_output <= 77 and 14 <= num_attn_2_0_output <= 19:
        return 0
    elif num_attn_1_1_output == 78 and 15 <= num_attn_2_0_output <= 19:
        return 0
    elif 79 <= num_attn_1_1_output <= 80 and 15 <= num_attn_2_0_output <= 20:
        return 0
    elif 81 <= num_attn_1_1_output <= 82 and 16 <= num_attn_2_0_output <= 20:
        return 0
    elif 83 <= num_attn_1_1_output <= 85 and 17 <= num_attn_2_0_output <= 21:
        return 0
    elif 86 <= num_attn_1_1_output <= 87 and 18 <= num_attn_2_0_output <= 22:
        return 0
    elif num_attn_1_1_output == 88 and 19 <= num_attn_2_0_output <= 22:
        return 0
    elif 89 <= num_attn_1_1_output <= 90 and 19 <= num_attn_2_0_output <= 23:
        return 0
    elif num_attn_1_1_output == 91 and 20 <= num_attn_2_0_output <= 23:
        return 0
    elif num_attn_1_1_output == 92 and 20 <= num_attn_2_0_output <= 24:
        return 0
    elif 93 <= num_attn_1_1_output <= 94 and 21 <= num_attn_2_0_output <= 24:
        return 0
    elif num_attn_1_1_output == 95 and 21 <= num_attn_2_0_output <= 25:
        return 0
    elif 96 <= num_attn_1_1_output <= 97 and 22 <= num_attn_2_0_output <= 25:
        return 0
    elif 98 <= num_attn_1_1_output <= 100 and 23 <= num_attn_2_0_output <= 26:
        return 0
    elif 101 <= num_attn_1_1_output <= 102 and 24 <= num_attn_2_0_output <= 27:
        return 0
    elif num_attn_1_1_output == 103 and 25 <= num_attn_2_0_output <= 27:
        return 0
    elif 104 <= num_attn_1_1_output <= 105 and 25 <= num_attn_2_0_output <= 28:
        return 0
    elif num_attn_1_1_output == 106 and 26 <= num_attn_2_0_output <= 28:
        return 0
    elif num_attn_1_1_output == 107 and 26 <= num_attn_2_0_output <= 29:
        return 0
    elif 108 <= num_attn_1_1_output <= 109 and 27 <= num_attn_2_0_output <= 29:
        return 0
    elif num_attn_1_1_output == 110 and 27 <= num_attn_2_0_output <= 30:
        return 0
    elif 111 <= num_attn_1_1_output <= 112 and 28 <= num_attn_2_0_output <= 30:
        return 0
    elif 113 <= num_attn_1_1_output <= 115 and 29 <= num_attn_2_0_output <= 31:
        return 0
    elif num_attn_1_1_output == 116 and 30 <= num_attn_2_0_output <= 31:
        return 0
    elif 117 <= num_attn_1_1_output <= 118 and 30 <= num_attn_2_0_output <= 32:
        return 0
    elif num_attn_1_1_output == 119 and 31 <= num_attn_2_0_output <= 32:
        return 0
    elif num_attn_1_1_output == 120 and 31 <= num_attn_2_0_output <= 33:
        return 0
    elif 121 <= num_attn_1_1_output <= 122 and 32 <= num_attn_2_0_output <= 33:
        return 0
    elif num_attn_1_1_output == 123 and 32 <= num_attn_2_0_output <= 34:
        return 0
    elif 124 <= num_attn_1_1_output <= 125 and 33 <= num_attn_2_0_output <= 34:
        return 0
    elif 126 <= num_attn_1_1_output <= 128 and 34 <= num_attn_2_0_output <= 35:
        return 0
    elif 129 <= num_attn_1_1_output <= 130 and 35 <= num_attn_2_0_output <= 36:
        return 0
    elif num_attn_1_1_output == 131 and num_attn_2_0_output == 36:
        return 0
    elif 132 <= num_attn_1_1_output <= 133 and 36 <= num_attn_2_0_output <= 37:
        return 0
    elif num_attn_1_1_output == 134 and num_attn_2_0_output == 37:
        return 0
    elif num_attn_1_1_output == 135 and 37 <= num_attn_2_0_output <= 38:
        return 0
    elif 136 <= num_attn_1_1_output <= 138 and num_attn_2_0_output == 38:
        return 0
    elif 139 <= num_attn_1_1_output <= 140 and num_attn_2_0_output == 39:
        return 0
    elif 142 <= num_attn_1_1_output <= 143 and num_attn_2_0_output == 40:
        return 0
    elif num_attn_1_1_output == 145 and num_attn_2_0_output == 41:
        return 0
    elif num_attn_1_1_output == 148 and num_attn_2_0_output == 42:
        return 0
    elif num_attn_1_1_output == 24 and num_attn_2_0_output == 36:
        return 1
    elif num_attn_1_1_output == 25 and num_attn_2_0_output == 37:
        return 1
    elif num_attn_1_1_output == 26 and 38 <= num_attn_2_0_output <= 39:
        return 1
    elif num_attn_1_1_output == 27 and 39 <= num_attn_2_0_output <= 40:
        return 1
    elif num_attn_1_1_output == 28 and 40 <= num_attn_2_0_output <= 42:
        return 1
    elif num_attn_1_1_output == 29 and 41 <= num_attn_2_0_output <= 43:
        return 1
    elif num_attn_1_1_output == 30 and 42 <= num_attn_2_0_output <= 45:
        return 1
    elif num_attn_1_1_output == 31 and 43 <= num_attn_2_0_output <= 46:
        return 1
    elif num_attn_1_1_output == 32 and 44 <= num_attn_2_0_output <= 48:
        return 1
    elif num_attn_1_1_output == 33 and 45 <= num_attn_2_0_output <= 50:
        return 1
    elif num_attn_1_1_output == 34 and 46 <= num_attn_2_0_output <= 51:
        return 1
    elif num_attn_1_1_output == 35 and 47 <= num_attn_2_0_output <= 53:
        return 1
    elif num_attn_1_1_output == 36 and 48 <= num_attn_2_0_output <= 54:
        return 1
    elif num_attn_1_1_output == 37 and 49 <= num_attn_2_0_output <= 56:
        return 1
    elif num_attn_1_1_output == 38 and 50 <= num_attn_2_0_output <= 57:
        return 1
    elif num_attn_1_1_output == 39 and 51 <= num_attn_2_0_output <= 59:
        return 1
    elif num_attn_1_1_output == 40 and 52 <= num_attn_2_0_output <= 60:
        return 1
    elif num_attn_1_1_output == 41 and 52 <= num_attn_2_0_output <= 62:
        return 1
    elif num_attn_1_1_output == 42 and 53 <= num_attn_2_0_output <= 63:
        return 1
    elif num_attn_1_1_output == 43 and 54 <= num_attn_2_0_output <= 65:
        return 1
    elif num_attn_1_1_output == 44 and 55 <= num_attn_2_0_output <= 66:
        return 1
    elif num_attn_1_1_output == 45 and 56 <= num_attn_2_0_output <= 68:
        return 1
    elif num_attn_1_1_output == 46 and 57 <= num_attn_2_0_output <= 70:
        return 1
    elif num_attn_1_1_output == 47 and 58 <= num_attn_2_0_output <= 71:
        return 1
    elif num_attn_1_1_output == 48 and 59 <= num_attn_2_0_output <= 73:
        return 1
    elif num_attn_1_1_output == 49 and 60 <= num_attn_2_0_output <= 74:
        return 1
    elif num_attn_1_1_output == 50 and 61 <= num_attn_2_0_output <= 76:
        return 1
    elif num_attn_1_1_output == 51 and 62 <= num_attn_2_0_output <= 77:
        return 1
    elif num_attn_1_1_output == 52 and 63 <= num_attn_2_0_output <= 79:
        return 1
    elif num_attn_1_1_output == 53 and 64 <= num_attn_2_0_output <= 80:
        return 1
    elif num_attn_1_1_output == 54 and 65 <= num_attn_2_0_output <= 82:
        return 1
    elif num_attn_1_1_output == 55 and 66 <= num_attn_2_0_output <= 83:
        return 1
    elif num_attn_1_1_output == 56 and 67 <= num_attn_2_0_output <= 85:
        return 1
    elif num_attn_1_1_output == 57 and 68 <= num_attn_2_0_output <= 86:
        return 1
    elif num_attn_1_1_output == 58 and 69 <= num_attn_2_0_output <= 88:
        return 1
    elif num_attn_1_1_output == 59 and 70 <= num_attn_2_0_output <= 90:
        return 1
    elif num_attn_1_1_output == 60 and 71 <= num_attn_2_0_output <= 91:
        return 1
    elif num_attn_1_1_output == 61 and 72 <= num_attn_2_0_output <= 93:
        return 1
    elif num_attn_1_1_output == 62 and 73 <= num_attn_2_0_output <= 94:
        return 1
    elif num_attn_1_1_output == 63 and 74 <= num_attn_2_0_output <= 96:
        return 1
    elif num_attn_1_1_output == 64 and 75 <= num_attn_2_0_output <= 97:
        return 1
    elif num_attn_1_1_output == 65 and 75 <= num_attn_2_0_output <= 99:
        return 1
    elif num_attn_1_1_output == 66 and 76 <= num_attn_2_0_output <= 100:
        return 1
    elif num_attn_1_1_output == 67 and 77 <= num_attn_2_0_output <= 102:
        return 1
    elif num_attn_1_1_output == 68 and 78 <= num_attn_2_0_output <= 103:
        return 1
    elif num_attn_1_1_output == 69 and 79 <= num_attn_2_0_output <= 105:
        return 1
    elif num_attn_1_1_output == 70 and 80 <= num_attn_2_0_output <= 106:
        return 1
    elif num_attn_1_1_output == 71 and 81 <= num_attn_2_0_output <= 108:
        return 1
    elif num_attn_1_1_output == 72 and 82 <= num_attn_2_0_output <= 109:
        return 1
    elif num_attn_1_1_output == 73 and 83 <= num_attn_2_0_output <= 111:
        return 1
    elif num_attn_1_1_output == 74 and 84 <= num_attn_2_0_output <= 113:
        return 1
    elif num_attn_1_1_output == 75 and 85 <= num_attn_2_0_output <= 114:
        return 1
    elif num_attn_1_1_output == 76 and 86 <= num_attn_2_0_output <= 116:
        return 1
    elif num_attn_1_1_output == 77 and 87 <= num_attn_2_0_output <= 117:
        return 1
    elif num_attn_1_1_output == 78 and 88 <= num_attn_2_0_output <= 119:
        return 1
    elif num_attn_1_1_output == 79 and 89 <= num_attn_2_0_output <= 120:
        return 1
    elif num_attn_1_1_output == 80 and 90 <= num_attn_2_0_output <= 122:
        return 1
    elif num_attn_1_1_output == 81 and 91 <= num_attn_2_0_output <= 123:
        return 1
    elif num_attn_1_1_output == 82 and 92 <= num_attn_2_0_output <= 125:
        return 1
    elif num_attn_1_1_output == 83 and 93 <= num_attn_2_0_output <= 126:
        return 1
    elif num_attn_1_1_output == 84 and 94 <= num_attn_2_0_output <= 128:
        return 1
    elif num_attn_1_1_output == 85 and 95 <= num_attn_2_0_output <= 129:
        return 1
    elif num_attn_1_1_output == 86 and 96 <= num_attn_2_0_output <= 131:
        return 1
    elif num_attn_1_1_output == 87 and 97 <= num_attn_2_0_output <= 133:
        return 1
    elif num_attn_1_1_output == 88 and 98 <= num_attn_2_0_output <= 134:
        return 1
    elif num_attn_1_1_output == 89 and 98 <= num_attn_2_0_output <= 136:
        return 1
    elif num_attn_1_1_output == 90 and 99 <= num_attn_2_0_output <= 137:
        return 1
    elif num_attn_1_1_output == 91 and 100 <= num_attn_2_0_output <= 139:
        return 1
    elif num_attn_1_1_output == 92 and 101 <= num_attn_2_0_output <= 140:
        return 1
    elif num_attn_1_1_output == 93 and 102 <= num_attn_2_0_output <= 142:
        return 1
    elif num_attn_1_1_output == 94 and 103 <= num_attn_2_0_output <= 143:
        return 1
    elif num_attn_1_1_output == 95 and 104 <= num_attn_2_0_output <= 145:
        return 1
    elif num_attn_1_1_output == 96 and 105 <= num_attn_2_0_output <= 146:
        return 1
    elif num_attn_1_1_output == 97 and 106 <= num_attn_2_0_output <= 148:
        return 1
    elif num_attn_1_1_output == 98 and 107 <= num_attn_2_0_output <= 149:
        return 1
    elif num_attn_1_1_output == 99 and 108 <= num_attn_2_0_output <= 151:
        return 1
    elif num_attn_1_1_output == 100 and 109 <= num_attn_2_0_output <= 153:
        return 1
    elif num_attn_1_1_output == 101 and 110 <= num_attn_2_0_output <= 154:
        return 1
    elif num_attn_1_1_output == 102 and 111 <= num_attn_2_0_output <= 156:
        return 1
    elif num_attn_1_1_output == 103 and 112 <= num_attn_2_0_output <= 157:
        return 1
    elif num_attn_1_1_output == 104 and 113 <= num_attn_2_0_output <= 159:
        return 1
    elif num_attn_1_1_output == 105 and 114 <= num_attn_2_0_output <= 160:
        return 1
    elif num_attn_1_1_output == 106 and 115 <= num_attn_2_0_output <= 162:
        return 1
    elif num_attn_1_1_output == 107 and 116 <= num_attn_2_0_output <= 163:
        return 1
    elif num_attn_1_1_output == 108 and 117 <= num_attn_2_0_output <= 165:
        return 1
    elif num_attn_1_1_output == 109 and 118 <= num_attn_2_0_output <= 166:
        return 1
    elif num_attn_1_1_output == 110 and 119 <= num_attn_2_0_output <= 168:
        return 1
    elif num_attn_1_1_output == 111 and 120 <= num_attn_2_0_output <= 169:
        return 1
    elif num_attn_1_1_output == 112 and 121 <= num_attn_2_0_output <= 171:
        return 1
    elif num_attn_1_1_output == 113 and 122 <= num_attn_2_0_output <= 172:
        return 1
    elif num_attn_1_1_output == 114 and 122 <= num_attn_2_0_output <= 174:
        return 1
    elif num_attn_1_1_output == 115 and 123 <= num_attn_2_0_output <= 176:
        return 1
    elif num_attn_1_1_output == 116 and 124 <= num_attn_2_0_output <= 177:
        return 1
    elif num_attn_1_1_output == 117 and 125 <= num_attn_2_0_output <= 179:
        return 1
    elif num_attn_1_1_output == 118 and 126 <= num_attn_2_0_output <= 180:
        return 1
    elif num_attn_1_1_output == 119 and 127 <= num_attn_2_0_output <= 182:
        return 1
    elif num_attn_1_1_output == 120 and 128 <= num_attn_2_0_output <= 183:
        return 1
    elif num_attn_1_1_output == 121 and 129 <= num_attn_2_0_output <= 185:
        return 1
    elif num_attn_1_1_output == 122 and 130 <= num_attn_2_0_output <= 186:
        return 1
    elif num_attn_1_1_output == 123 and 131 <= num_attn_2_0_output <= 188:
        return 1
    elif num_attn_1_1_output == 124 and 132 <= num_attn_2_0_output <= 189:
        return 1
    elif num_attn_1_1_output == 125 and 133 <= num_attn_2_0_output <= 191:
        return 1
    elif num_attn_1_1_output == 126 and 134 <= num_attn_2_0_output <= 192:
        return 1
    elif num_attn_1_1_output == 127 and 135 <= num_attn_2_0_output <= 194:
        return 1
    elif num_attn_1_1_output == 128 and 136 <= num_attn_2_0_output <= 196:
        return 1
    elif num_attn_1_1_output == 129 and 137 <= num_attn_2_0_output <= 197:
        return 1
    elif num_attn_1_1_output == 130 and 138 <= num_attn_2_0_output <= 199:
        return 1
    elif num_attn_1_1_output == 131 and 139 <= num_attn_2_0_output <= 200:
        return 1
    elif num_attn_1_1_output == 132 and 140 <= num_attn_2_0_output <= 202:
        return 1
    elif num_attn_1_1_output == 133 and 141 <= num_attn_2_0_output <= 203:
        return 1
    elif num_attn_1_1_output == 134 and 142 <= num_attn_2_0_output <= 205:
        return 1
    elif num_attn_1_1_output == 135 and 143 <= num_attn_2_0_output <= 206:
        return 1
    elif num_attn_1_1_output == 136 and 144 <= num_attn_2_0_output <= 208:
        return 1
    elif num_attn_1_1_output == 137 and 145 <= num_attn_2_0_output <= 209:
        return 1
    elif num_attn_1_1_output == 138 and (num_attn_2_0_output == 39 or 145 <= num_attn_2_0_output <= 211):
        return 1
    elif num_attn_1_1_output == 139 and 146 <= num_attn_2_0_output <= 212:
        return 1
    elif num_attn_1_1_output == 140 and 147 <= num_attn_2_0_output <= 214:
        return 1
    elif num_attn_1_1_output == 141 and (num_attn_2_0_output == 40 or 148 <= num_attn_2_0_output <= 216):
        return 1
    elif num_attn_1_1_output == 142 and 149 <= num_attn_2_0_output <= 217:
        return 1
    elif num_attn_1_1_output == 143 and 150 <= num_attn_2_0_output <= 219:
        return 1
    elif num_attn_1_1_output == 144 and (num_attn_2_0_output == 41 or 151 <= num_attn_2_0_output <= 220):
        return 1
    elif num_attn_1_1_output == 145 and 152 <= num_attn_2_0_output <= 222:
        return 1
    elif num_attn_1_1_output == 146 and 153 <= num_attn_2_0_output <= 223:
        return 1
    elif num_attn_1_1_output == 147 and (num_attn_2_0_output == 42 or 154 <= num_attn_2_0_output <= 225):
        return 1
    elif num_attn_1_1_output == 148 and 155 <= num_attn_2_0_output <= 226:
        return 1
    elif num_attn_1_1_output == 149 and 156 <= num_attn_2_0_output <= 228:
        return 1
    elif num_attn_1_1_output == 150 and (num_attn_2_0_output == 43 or 157 <= num_attn_2_0_output <= 229):
        return 1
    elif num_attn_1_1_output == 151 and 158 <= num_attn_2_0_output <= 231:
        return 1
    elif num_attn_1_1_output == 152 and 159 <= num_attn_2_0_output <= 232:
        return 1
    elif num_attn_1_1_output == 153 and (num_attn_2_0_output == 44 or 160 <= num_attn_2_0_output <= 234):
        return 1
    elif num_attn_1_1_output == 154 and 161 <= num_attn_2_0_output <= 235:
        return 1
    elif num_attn_1_1_output == 155 and 162 <= num_attn_2_0_output <= 237:
        return 1
    elif num_attn_1_1_output == 156 and (num_attn_2_0_output == 45 or 163 <= num_attn_2_0_output <= 239):
        return 1
    elif num_attn_1_1_output == 157 and (num_attn_2_0_output == 45 or 164 <= num_attn_2_0_output <= 240):
        return 1
    elif num_attn_1_1_output == 158 and 165 <= num_attn_2_0_output <= 242:
        return 1
    elif num_attn_1_1_output == 159 and (num_attn_2_0_output == 46 or 166 <= num_attn_2_0_output <= 243):
        return 1
    elif num_attn_1_1_output == 160 and (num_attn_2_0_output == 46 or 167 <= num_attn_2_0_output <= 245):
        return 1
    elif num_attn_1_1_output == 161 and 168 <= num_attn_2_0_output <= 246:
        return 1
    elif num_attn_1_1_output == 162 and (num_attn_2_0_output == 47 or 168 <= num_attn_2_0_output <= 248):
        return 1
    elif num_attn_1_1_output == 163 and (num_attn_2_0_output == 47 or 169 <= num_attn_2_0_output <= 249):
        return 1
    elif num_attn_1_1_output == 164 and 170 <= num_attn_2_0_output <= 251:
        return 1
    elif num_attn_1_1_output == 165 and (num_attn_2_0_output == 48 or 171 <= num_attn_2_0_output <= 252):
        return 1
    elif num_attn_1_1_output == 166 and (num_attn_2_0_output == 48 or 172 <= num_attn_2_0_output <= 254):
        return 1
    elif num_attn_1_1_output == 167 and 173 <= num_attn_2_0_output <= 255:
        return 1
    elif num_attn_1_1_output == 168 and (num_attn_2_0_output == 49 or 174 <= num_attn_2_0_output <= 257):
        return 1
    elif num_attn_1_1_output == 169 and (num_attn_2_0_output == 49 or 175 <= num_attn_2_0_output <= 259):
        return 1
    elif num_attn_1_1_output == 170 and 176 <= num_attn_2_0_output <= 260:
        return 1
    elif num_attn_1_1_output == 171 and (num_attn_2_0_output == 50 or 177 <= num_attn_2_0_output <= 262):
        return 1
    elif num_attn_1_1_output == 172 and (num_attn_2_0_output == 50 or 178 <= num_attn_2_0_output <= 263):
        return 1
    elif num_attn_1_1_output == 173 and 179 <= num_attn_2_0_output <= 265:
        return 1
    elif num_attn_1_1_output == 174 and (num_attn_2_0_output == 51 or 180 <= num_attn_2_0_output <= 266):
        return 1
    elif num_attn_1_1_output == 175 and (num_attn_2_0_output == 51 or 181 <= num_attn_2_0_output <= 268):
        return 1
    elif num_attn_1_1_output == 176 and (num_attn_2_0_output == 52 or 182 <= num_attn_2_0_output <= 269):
        return 1
    elif num_attn_1_1_output == 177 and (num_attn_2_0_output == 52 or 183 <= num_attn_2_0_output <= 271):
        return 1
    elif num_attn_1_1_output == 178 and (num_attn_2_0_output == 52 or 184 <= num_attn_2_0_output <= 272):
        return 1
    elif num_attn_1_1_output == 179 and (num_attn_2_0_output == 53 or 185 <= num_attn_2_0_output <= 274):
        return 1
    elif num_attn_1_1_output == 180 and (num_attn_2_0_output == 53 or 186 <= num_attn_2_0_output <= 275):
        return 1
    elif num_attn_1_1_output == 181 and (num_attn_2_0_output == 53 or 187 <= num_attn_2_0_output <= 277):
        return 1
    elif num_attn_1_1_output == 182 and (num_attn_2_0_output == 54 or 188 <= num_attn_2_0_output <= 279):
        return 1
    elif num_attn_1_1_output == 183 and (num_attn_2_0_output == 54 or 189 <= num_attn_2_0_output <= 280):
        return 1
    elif num_attn_1_1_output == 184 and (num_attn_2_0_output == 54 or 190 <= num_attn_2_0_output <= 282):
        return 1
    elif num_attn_1_1_output == 185 and (num_attn_2_0_output == 55 or 191 <= num_attn_2_0_output <= 283):
        return 1
    elif num_attn_1_1_output == 186 and (num_attn_2_0_output == 55 or 192 <= num_attn_2_0_output <= 285):
        return 1
    elif num_attn_1_1_output == 187 and (num_attn_2_0_output == 55 or 192 <= num_attn_2_0_output <= 286):
        return 1
    elif num_attn_1_1_output == 188 and (num_attn_2_0_output == 56 or 193 <= num_attn_2_0_output <= 288):
        return 1
    elif num_attn_1_1_output == 189 and (num_attn_2_0_output == 56 or 194 <= num_attn_2_0_output <= 289):
        return 1
    elif num_attn_1_1_output == 190 and (num_attn_2_0_output == 56 or 195 <= num_attn_2_0_output <= 291):
        return 1
    elif num_attn_1_1_output == 191 and (num_attn_2_0_output == 57 or 196 <= num_attn_2_0_output <= 292):
        return 1
    elif num_attn_1_1_output == 192 and (num_attn_2_0_output == 57 or 197 <= num_attn_2_0_output <= 294):
        return 1
    elif num_attn_1_1_output == 193 and (num_attn_2_0_output == 57 or 198 <= num_attn_2_0_output <= 295):
        return 1
    elif num_attn_1_1_output == 194 and (num_attn_2_0_output == 58 or 199 <= num_attn_2_0_output <= 297):
        return 1
    elif num_attn_1_1_output == 195 and (num_attn_2_0_output == 58 or 200 <= num_attn_2_0_output <= 298):
        return 1
    elif num_attn_1_1_output == 196 and (num_attn_2_0_output == 58 or 201 <= num_attn_2_0_output <= 300):
        return 1
    elif num_attn_1_1_output == 197 and num_attn_2_0_output in {
        58, 59, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219,
        220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
        240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259,
        260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279,
        280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299,
        300, 301, 302,
    }:
        return 1
    elif num_attn_1_1_output == 198 and (num_attn_2_0_output == 59 or 203 <= num_attn_2_0_output <= 303):
        return 1
    elif num_attn_1_1_output == 199 and (num_attn_2_0_output == 59 or 204 <= num_attn_2_0_output <= 305):
        return 1
    elif num_attn_1_1_output == 200 and num_attn_2_0_output in {
        59, 60, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222,
        223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242,
        243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262,
        263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282,
        283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302,
        303, 304, 305, 306,
    }:
        return 1
    elif num_attn_1_1_output == 201 and (num_attn_2_0_output == 60 or 206 <= num_attn_2_0_output <= 308):
        return 1
    elif num_attn_1_1_output == 202 and (num_attn_2_0_output == 60 or 207 <= num_attn_2_0_output <= 309):
        return 1
    elif num_attn_1_1_output == 203 and num_attn_2_0_output in {
        60, 61, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225,
        226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245,
        246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265,
        266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285,
        286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305,
        306, 307, 308, 309, 310, 311,
    }:
        return 1
    elif num_attn_1_1_output == 204 and (num_attn_2_0_output == 61 or 209 <= num_attn_2_0_output <= 312):
        return 1
    elif num_attn_1_1_output == 205 and (num_attn_2_0_output == 61 or 210 <= num_attn_2_0_output <= 314):
        return 1
    elif num_attn_1_1_output == 206 and num_attn_2_0_output in {
        61, 62, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228,
        229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248,
        249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268,
        269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288,
        289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308,
        309, 310, 311, 312, 313, 314, 315,
    }:
        return 1
    elif num_attn_1_1_output == 207 and (num_attn_2_0_output == 62 or 212 <= num_attn_2_0_output <= 317):
        return 1
    elif num_attn_1_1_output == 208 and (num_attn_2_0_output == 62 or 213 <= num_attn_2_0_output <= 318):
        return 1
    elif num_attn_1_1_output == 209 and num_attn_2_0_output in {
        62, 63, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231,
        232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251,
        252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271,
        272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291,
        292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311,
        312, 313, 314, 315, 316, 317, 318, 319, 320,
    }:
        return 1
    elif num_attn_1_1_output == 210 and (num_attn_2_0_output == 63 or 215 <= num_attn_2_0_output <= 322):
        return 1
    elif num_attn_1_1_output == 211 and (num_attn_2_0_output == 63 or 215 <= num_attn_2_0_output <= 323):
        return 1
    elif num_attn_1_1_output == 212 and num_attn_2_0_output in {
        63, 64, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233,
        234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253,
        254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273,
        274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293,
        294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313,
        314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325,
    }:
        return 1
    elif num_attn_1_1_output == 213 and (num_attn_2_0_output == 64 or 217 <= num_attn_2_0_output <= 326):
        return 1
    elif num_attn_1_1_output == 214 and (num_attn_2_0_output == 64 or 218 <= num_attn_2_0_output <= 328):
        return 1
    elif num_attn_1_1_output == 215 and num_attn_2_0_output in {
        64, 65, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236,
        237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256,
        257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276,
        277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296,
        297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316,
        317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329,
    }:
        return 1
    elif num_attn_1_1_output == 216 and (num_attn_2_0_output == 65 or 220 <= num_attn_2_0_output <= 331):
        return 1
    elif num_attn_1_1_output == 217 and (num_attn_2_0_output == 65 or 221 <= num_attn_2_0_output <= 332):
        return 1
    elif num_attn_1_1_output == 218 and num_attn_2_0_output in {
        65, 66, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
        240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259,
        260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279,
        280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299,
        300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319,
        320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334,
    }:
        return 1
    elif num_attn_1_1_output == 219 and (num_attn_2_0_output == 66 or 223 <= num_attn_2_0_output <= 335):
        return 1
    elif num_attn_1_1_output == 220 and (num_attn_2_0_output == 66 or 224 <= num_attn_2_0_output <= 337):
        return 1
    elif num_attn_1_1_output == 221 and num_attn_2_0_output in {
        66, 67, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242,
        243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262,
        263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282,
        283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302,
        303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322,
        323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338,
    }:
        return 1
    elif num_attn_1_1_output == 222 and (num_attn_2_0_output == 67 or 226 <= num_attn_2_0_output <= 340):
        return 1
    elif num_attn_1_1_output == 223 and (num_attn_2_0_output == 67 or 227 <= num_attn_2_0_output <= 342):
        return 1
    elif num_attn_1_1_output == 224 and num_attn_2_0_output in {
        67, 68, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245,
        246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265,
        266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285,
        286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305,
        306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325,
        326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343,
    }:
        return 1
    elif num_attn_1_1_output == 225 and (num_attn_2_0_output == 68 or 229 <= num_attn_2_0_output <= 345):
        return 1
    elif num_attn_1_1_output == 226 and (num_attn_2_0_output == 68 or 230 <= num_attn_2_0_output <= 346):
        return 1
    elif num_attn_1_1_output == 227 and num_attn_2_0_output in {
        68, 69, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248,
        249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268,
        269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288,
        289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308,
        309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328,
        329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348,
    }:
        return 1
    elif num_attn_1_1_output == 228 and (num_attn_2_0_output == 69 or 232 <= num_attn_2_0_output <= 349):
        return 1
    elif num_attn_1_1_output == 229 and (num_attn_2_0_output == 69 or 233 <= num_attn_2_0_output <= 351):
        return 1
    elif num_attn_1_1_output == 230 and num_attn_2_0_output in {
        69, 70, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251,
        252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271,
        272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291,
        292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311,
        312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331,
        332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351,
        352,
    }:
        return 1
    elif num_attn_1_1_output == 231 and (num_attn_2_0_output == 70 or 235 <= num_attn_2_0_output <= 354):
        return 1
    elif num_attn_1_1_output == 232 and num_attn_2_0_output in {
        70, 71, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253,
        254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273,
        274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293,
        294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313,
        314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333,
        334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353,
        354, 355,
    }:
        return 1
    elif num_attn_1_1_output == 233 and num_attn_2_0_output in {
        70, 71, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254,
        255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274,
        275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294,
        295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314,
        315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334,
        335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354,
        355, 356, 357,
    }:
        return 1
    elif num_attn_1_1_output == 234 and (num_attn_2_0_output == 71 or 238 <= num_attn_2_0_output <= 358):
        return 1
    elif num_attn_1_1_output == 235 and num_attn_2_0_output in {
        71, 72, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255,
        256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275,
        276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295,
        296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315,
        316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335,
        336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355,
        356, 357, 358, 359, 360,
    }:
        return 1
    elif num_attn_1_1_output == 236 and num_attn_2_0_output in {
        71, 72, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256,
        257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276,
        277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296,
        297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316,
        317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336,
        337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356,
        357, 358, 359, 360, 361,
    }:
        return 1
    elif num_attn_1_1_output == 237 and (num_attn_2_0_output == 72 or 240 <= num_attn_2_0_output <= 363):
        return 1
    elif num_attn_1_1_output == 238 and num_attn_2_0_output in {
        72, 73, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258,
        259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278,
        279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298,
        299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318,
        319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338,
        339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358,
        359, 360, 361, 362, 363, 364, 365,
    }:
        return 1
    elif num_attn_1_1_output == 239 and num_attn_2_0_output in {
        72, 73, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259,
        260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279,
        280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299,
        300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319,
        320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339,
        340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359,
        360, 361, 362, 363, 364, 365, 366,
    }:
        return 1
    elif num_attn_1_1_output == 240 and num_attn_2_0_output in {
        72, 73, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260,
        261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280,
        281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300,
        301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320,
        321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340,
        341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360,
        361, 362, 363, 364, 365, 366, 367, 368,
    }:
        return 1
    elif num_attn_1_1_output == 241 and num_attn_2_0_output in {
        73, 74, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261,
        262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281,
        282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301,
        302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321,
        322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341,
        342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361,
        362, 363, 364, 365, 366, 367, 368, 369,
    }:
        return 1
    elif num_attn_1_1_output == 242 and num_attn_2_0_output in {
        73, 74, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262,
        263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282,
        283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302,
        303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322,
        323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342,
        343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362,
        363, 364, 365, 366, 367, 368, 369, 370, 371,
    }:
        return 1
    elif num_attn_1_1_output == 243 and num_attn_2_0_output in {
        73, 74, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263,
        264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283,
        284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303,
        304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323,
        324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343,
        344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363,
        364, 365, 366, 367, 368, 369, 370, 371, 372,
    }:
        return 1
    elif num_attn_1_1_output == 244 and num_attn_2_0_output in {
        74, 75, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264,
        265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284,
        285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304,
        305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324,
        325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344,
        345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364,
        365, 366, 367, 368, 369, 370, 371, 372, 373, 374,
    }:
        return 1
    elif num_attn_1_1_output == 245 and num_attn_2_0_output in {
        74, 75, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265,
        266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285,
        286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305,
        306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325,
        326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345,
        346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365,
        366, 367, 368, 369, 370, 371, 372, 373, 374, 375,
    }:
        return 1
    elif num_attn_1_1_output == 246 and num_attn_2_0_output in {
        74, 75, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266,
        267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286,
        287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306,
        307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326,
        327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346,
        347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366,
        367, 368, 369, 370, 371, 372, 373, 374, 375, 376, 377,
    }:
        return 1
    elif num_attn_1_1_output == 247 and num_attn_2_0_output in {
        75, 76, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267,
        268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287,
        288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307,
        308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327,
        328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347,
        348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367,
        368, 369, 370, 371, 372, 373, 374, 375, 376, 377, 378,
    }:
        return 1
    elif num_attn_1_1_output == 248 and num_attn_2_0_output in {
        75, 76, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268,
        269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288,
        289, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308,
        309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328,
        329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348,
        349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368,
        369, 370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 380,
    }:
        return 1
    elif num_attn_1_1_output == 249 and num_attn_2_0_output in {
        75, 76, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269,
        270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289,
        290, 291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309,
        310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329,
        330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349,
        350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369,
        370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 380, 381,
    }:
        return 1
    elif num_attn_1_1_output == 250 and num_attn_2_0_output in {
        76, 77, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270,
        271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290,
        291, 292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310,
        311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330,
        331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350,
        351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370,
        371, 372, 373, 374, 375, 376, 377, 378, 379, 380, 381, 382, 383,
    }:
        return 1
    elif num_attn_1_1_output == 251 and num_attn_2_0_output in {
        76, 77, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271,
        272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291,
        292, 293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311,
        312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331,
        332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351,
        352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371,
        372, 373, 374, 375, 376, 377, 378, 379, 380, 381, 382, 383, 384, 385,
    }:
        return 1
    elif num_attn_1_1_output == 252 and num_attn_2_0_output in {
        76, 77, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272,
        273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292,
        293, 294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312,
        313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332,
        333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352,
        353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372,
        373, 374, 375, 376, 377, 378, 379, 380, 381, 382, 383, 384, 385, 386,
    }:
        return 1
    elif num_attn_1_1_output == 253 and num_attn_2_0_output in {
        77, 78, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273,
        274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293,
        294, 295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313,
        314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333,
        334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353,
        354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373,
        374, 375, 376, 377, 378, 379, 380, 381, 382, 383, 384, 385, 386, 387, 388,
    }:
        return 1
    elif num_attn_1_1_output == 254 and num_attn_2_0_output in {
        77, 78, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274,
        275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294,
        295, 296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314,
        315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334,
        335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354,
        355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373, 374,
        375, 376, 377, 378, 379, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389,
    }:
        return 1
    elif num_attn_1_1_output == 255 and num_attn_2_0_output in {
        77, 78, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275,
        276, 277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295,
        296, 297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315,
        316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335,
        336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355,
        356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373, 374, 375,
        376, 377, 378, 379, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389, 390, 391,
    }:
        return 1
    elif num_attn_1_1_output == 256 and num_attn_2_0_output in {
        78, 79, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276,
        277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296,
        297, 298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316,
        317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336,
        337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356,
        357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373, 374, 375, 376,
        377, 378, 379, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389, 390, 391, 392,
    }:
        return 1
    elif 45 <= num_attn_1_1_output <= 47 and num_attn_2_0_output == 1:
        return 10
    elif num_attn_1_1_output == 48 and 1 <= num_attn_2_0_output <= 2:
        return 10
    elif num_attn_1_1_output == 49 and num_attn_2_0_output <= 2:
        return 10
    elif 50 <= num_attn_1_1_output <= 52 and num_attn_2_0_output <= 3:
        return 10
    elif 53 <= num_attn_1_1_output <= 54 and num_attn_2_0_output <= 4:
        return 10
    elif 55 <= num_attn_1_1_output <= 57 and num_attn_2_0_output <= 5:
        return 10
    elif 58 <= num_attn_1_1_output <= 59 and num_attn_2_0_output <= 6:
        return 10
    elif 60 <= num_attn_1_1_output <= 62 and num_attn_2_0_output <= 7:
        return 10
    elif 63 <= num_attn_1_1_output <= 65 and num_attn_2_0_output <= 8:
        return 10
    elif 66 <= num_attn_1_1_output <= 67 and num_attn_2_0_output <= 9:
        return 10
    elif 68 <= num_attn_1_1_output <= 70 and num_attn_2_0_output <= 10:
        return 10
    elif 71 <= num_attn_1_1_output <= 72 and num_attn_2_0_output <= 11:
        return 10
    elif 73 <= num_attn_1_1_output <= 75 and num_attn_2_0_output <= 12:
        return 10
    elif 76 <= num_attn_1_1_output <= 77 and num_attn_2_0_output <= 13:
        return 10
    elif 78 <= num_attn_1_1_output <= 80 and num_attn_2_0_output <= 14:
        return 10
    elif 81 <= num_attn_1_1_output <= 82 and num_attn_2_0_output <= 15:
        return 10
    elif 83 <= num_attn_1_1_output <= 85 and num_attn_2_0_output <= 16:
        return 10
    elif 86 <= num_attn_1_1_output <= 87 and num_attn_2_0_output <= 17:
        return 10
    elif 88 <= num_attn_1_1_output <= 90 and num_attn_2_0_output <= 18:
        return 10
    elif 91 <= num_attn_1_1_output <= 92 and num_attn_2_0_output <= 19:
        return 10
    elif 93 <= num_attn_1_1_output <= 95 and num_attn_2_0_output <= 20:
        return 10
    elif 96 <= num_attn_1_1_output <= 97 and num_attn_2_0_output <= 21:
        return 10
    elif 98 <= num_attn_1_1_output <= 100 and num_attn_2_0_output <= 22:
        return 10
    elif 101 <= num_attn_1_1_output <= 102 and num_attn_2_0_output <= 23:
        return 10
    elif 103 <= num_attn_1_1_output <= 105 and num_attn_2_0_output <= 24:
        return 10
    elif 106 <= num_attn_1_1_output <= 107 and num_attn_2_0_output <= 25:
        return 10
    elif 108 <= num_attn_1_1_output <= 110 and num_attn_2_0_output <= 26:
        return 10
    elif 111 <= num_attn_1_1_output <= 112 and num_attn_2_0_output <= 27:
        return 10
    elif 113 <= num_attn_1_1_output <= 115 and num_attn_2_0_output <= 28:
        return 10
    elif 116 <= num_attn_1_1_output <= 118 and num_attn_2_0_output <= 29:
        return 10
    elif 119 <= num_attn_1_1_output <= 120 and num_attn_2_0_output <= 30:
        return 10
    elif 121 <= num_attn_1_1_output <= 123 and num_attn_2_0_output <= 31:
        return 10
    elif 124 <= num_attn_1_1_output <= 125 and num_attn_2_0_output <= 32:
        return 10
    elif 126 <= num_attn_1_1_output <= 128 and num_attn_2_0_output <= 33:
        return 10
    elif 129 <= num_attn_1_1_output <= 130 and num_attn_2_0_output <= 34:
        return 10
    elif 131 <= num_attn_1_1_output <= 133 and num_attn_2_0_output <= 35:
        return 10
    elif 134 <= num_attn_1_1_output <= 135 and num_attn_2_0_output <= 36:
        return 10
    elif 136 <= num_attn_1_1_output <= 138 and num_attn_2_0_output <= 37:
        return 10
    elif 139 <= num_attn_1_1_output <= 140 and num_attn_2_0_output <= 38:
        return 10
    elif 141 <= num_attn_1_1_output <= 143 and num_attn_2_0_output <= 39:
        return 10
    elif 144 <= num_attn_1_1_output <= 145 and num_attn_2_0_output <= 40:
        return 10
    elif 146 <= num_attn_1_1_output <= 148 and num_attn_2_0_output <= 41:
        return 10
    elif 149 <= num_attn_1_1_output <= 150 and num_attn_2_0_output <= 42:
        return 10
    elif 151 <= num_attn_1_1_output <= 153 and num_attn_2_0_output <= 43:
        return 10
    elif 154 <= num_attn_1_1_output <= 157 and num_attn_2_0_output <= 44:
        return 10
    elif 158 <= num_attn_1_1_output <= 160 and num_attn_2_0_output <= 45:
        return 10
    elif 161 <= num_attn_1_1_output <= 163 and num_attn_2_0_output <= 46:
        return 10
    elif 164 <= num_attn_1_1_output <= 166 and num_attn_2_0_output <= 47:
        return 10
    elif 167 <= num_attn_1_1_output <= 169 and num_attn_2_0_output <= 48:
        return 10
    elif 170 <= num_attn_1_1_output <= 172 and num_attn_2_0_output <= 49:
        return 10
    elif 173 <= num_attn_1_1_output <= 175 and num_attn_2_0_output <= 50:
        return 10
    elif 176 <= num_attn_1_1_output <= 178 and num_attn_2_0_output <= 51:
        return 10
    elif 179 <= num_attn_1_1_output <= 181 and num_attn_2_0_output <= 52:
        return 10
    elif 182 <= num_attn_1_1_output <= 184 and num_attn_2_0_output <= 53:
        return 10
    elif 185 <= num_attn_1_1_output <= 187 and num_attn_2_0_output <= 54:
        return 10
    elif 188 <= num_attn_1_1_output <= 190 and num_attn_2_0_output <= 55:
        return 10
    elif 191 <= num_attn_1_1_output <= 193 and num_attn_2_0_output <= 56:
        return 10
    elif 194 <= num_attn_1_1_output <= 197 and num_attn_2_0_output <= 57:
        return 10
    elif 198 <= num_attn_1_1_output <= 200 and num_attn_2_0_output <= 58:
        return 10
    elif 201 <= num_attn_1_1_output <= 203 and num_attn_2_0_output <= 59:
        return 10
    elif 204 <= num_attn_1_1_output <= 206 and num_attn_2_0_output <= 60:
        return 10
    elif 207 <= num_attn_1_1_output <= 209 and num_attn_2_0_output <= 61:
        return 10
    elif 210 <= num_attn_1_1_output <= 212 and num_attn_2_0_output <= 62:
        return 10
    elif 213 <= num_attn_1_1_output <= 215 and num_attn_2_0_output <= 63:
        return 10
    elif 216 <= num_attn_1_1_output <= 218 and num_attn_2_0_output <= 64:
        return 10
    elif 219 <= num_attn_1_1_output <= 221 and num_attn_2_0_output <= 65:
        return 10
    elif 222 <= num_attn_1_1_output <= 224 and num_attn_2_0_output <= 66:
        return 10
    elif 225 <= num_attn_1_1_output <= 227 and num_attn_2_0_output <= 67:
        return 10
    elif 228 <= num_attn_1_1_output <= 230 and num_attn_2_0_output <= 68:
        return 10
    elif 231 <= num_attn_1_1_output <= 233 and num_attn_2_0_output <= 69:
        return 10
    elif 234 <= num_attn_1_1_output <= 236 and num_attn_2_0_output <= 70:
        return 10
    elif 237 <= num_attn_1_1_output <= 240 and num_attn_2_0_output <= 71:
        return 10
    elif 241 <= num_attn_1_1_output <= 243 and num_attn_2_0_output <= 72:
        return 10
    elif 244 <= num_attn_1_1_output <= 246 and num_attn_2_0_output <= 73:
        return 10
    elif 247 <= num_attn_1_1_output <= 249 and num_attn_2_0_output <= 74:
        return 10
    elif 250 <= num_attn_1_1_output <= 252 and num_attn_2_0_output <= 75:
        return 10
    elif 253 <= num_attn_1_1_output <= 255 and num_attn_2_0_output <= 76:
        return 10
    elif num_attn_1_1_output == 256 and num_attn_2_0_output <= 77:
        return 10
    elif num_attn_1_1_output == 4 and num_attn_2_0_output == 6:
        return 12
    elif num_attn_1_1_output == 5 and num_attn_2_0_output == 7:
        return 12
    elif num_attn_1_1_output == 6 and 8 <= num_attn_2_0_output <= 9:
        return 12
    elif num_attn_1_1_output == 7 and 9 <= num_attn_2_0_output <= 10:
        return 12
    elif num_attn_1_1_output == 8 and 10 <= num_attn_2_0_output <= 12:
        return 12
    elif num_attn_1_1_output == 9 and 11 <= num_attn_2_0_output <= 13:
        return 12
    elif num_attn_1_1_output == 10 and 12 <= num_attn_2_0_output <= 15:
        return 12
    elif num_attn_1_1_output == 11 and 12 <= num_attn_2_0_output <= 16:
        return 12
    elif num_attn_1_1_output == 12 and 13 <= num_attn_2_0_output <= 18:
        return 12
    elif num_attn_1_1_output == 13 and 14 <= num_attn_2_0_output <= 20:
        return 12
    elif num_attn_1_1_output == 14 and 15 <= num_attn_2_0_output <= 21:
        return 12
    elif num_attn_1_1_output == 15 and 16 <= num_attn_2_0_output <= 23:
        return 12
    elif num_attn_1_1_output == 16 and 17 <= num_attn_2_0_output <= 24:
        return 12
    elif num_attn_1_1_output == 17 and 18 <= num_attn_2_0_output <= 26:
        return 12
    elif num_attn_1_1_output == 18 and 19 <= num_attn_2_0_output <= 27:
        return 12
    elif num_attn_1_1_output == 19 and 20 <= num_attn_2_0_output <= 29:
        return 12
    elif num_attn_1_1_output == 20 and 21 <= num_attn_2_0_output <= 30:
        return 12
    elif num_attn_1_1_output == 21 and 22 <= num_attn_2_0_output <= 32:
        return 12
    elif num_attn_1_1_output == 22 and 23 <= num_attn_2_0_output <= 33:
        return 12
    elif num_attn_1_1_output == 23 and 24 <= num_attn_2_0_output <= 35:
        return 12
    elif num_attn_1_1_output == 24 and 25 <= num_attn_2_0_output <= 35:
        return 12
    elif num_attn_1_1_output == 25 and (26 <= num_attn_2_0_output <= 36 or num_attn_2_0_output == 38):
        return 12
    elif num_attn_1_1_output == 26 and (27 <= num_attn_2_0_output <= 37 or num_attn_2_0_output == 40):
        return 12
    elif num_attn_1_1_output == 27 and (28 <= num_attn_2_0_output <= 38 or num_attn_2_0_output == 41):
        return 12
    elif num_attn_1_1_output == 28 and (29 <= num_attn_2_0_output <= 39 or num_attn_2_0_output == 43):
        return 12
    elif num_attn_1_1_output == 29 and (30 <= num_attn_2_0_output <= 40 or num_attn_2_0_output == 44):
        return 12
    elif num_attn_1_1_output == 30 and (31 <= num_attn_2_0_output <= 41 or num_attn_2_0_output == 46):
        return 12
    elif num_attn_1_1_output == 31 and (32 <= num_attn_2_0_output <= 42 or num_attn_2_0_output == 47):
        return 12
    elif num_attn_1_1_output == 32 and (33 <= num_attn_2_0_output <= 43 or num_attn_2_0_output == 49):
        return 12
    elif num_attn_1_1_output == 33 and 34 <= num_attn_2_0_output <= 44:
        return 12
    elif num_attn_1_1_output == 34 and (34 <= num_attn_2_0_output <= 45 or num_attn_2_0_output == 52):
        return 12
    elif num_attn_1_1_output == 35 and 35 <= num_attn_2_0_output <= 46:
        return 12
    elif num_attn_1_1_output == 36 and (36 <= num_attn_2_0_output <= 47 or num_attn_2_0_output == 55):
        return 12
    elif num_attn_1_1_output == 37 and 37 <= num_attn_2_0_output <= 48:
        return 12
    elif num_attn_1_1_output == 38 and (38 <= num_attn_2_0_output <= 49 or num_attn_2_0_output == 58):
        return 12
    elif num_attn_1_1_output == 39 and (39 <= num_attn_2_0_output <= 50 or num_attn_2_0_output == 60):
        return 12
    elif num_attn_1_1_output == 40 and (40 <= num_attn_2_0_output <= 51 or num_attn_2_0_output == 61):
        return 12
    elif num_attn_1_1_output == 41 and (41 <= num_attn_2_0_output <= 51 or num_attn_2_0_output == 63):
        return 12
    elif num_attn_1_1_output == 42 and (42 <= num_attn_2_0_output <= 52 or num_attn_2_0_output == 64):
        return 12
    elif num_attn_1_1_output == 43 and (43 <= num_attn_2_0_output <= 53 or num_attn_2_0_output == 66):
        return 12
    elif num_attn_1_1_output == 44 and (44 <= num_attn_2_0_output <= 54 or num_attn_2_0_output == 67):
        return 12
    elif num_attn_1_1_output == 45 and (45 <= num_attn_2_0_output <= 55 or num_attn_2_0_output == 69):
        return 12
    elif num_attn_1_1_output == 46 and 46 <= num_attn_2_0_output <= 56:
        return 12
    elif num_attn_1_1_output == 47 and (47 <= num_attn_2_0_output <= 57 or num_attn_2_0_output == 72):
        return 12
    elif num_attn_1_1_output == 48 and 48 <= num_attn_2_0_output <= 58:
        return 12
    elif num_attn_1_1_output == 49 and (49 <= num_attn_2_0_output <= 59 or num_attn_2_0_output == 75):
        return 12
    elif num_attn_1_1_output == 50 and (50 <= num_attn_2_0_output <= 60 or num_attn_2_0_output == 77):
        return 12
    elif num_attn_1_1_output == 51 and (51 <= num_attn_2_0_output <= 61 or num_attn_2_0_output == 78):
        return 12
    elif num_attn_1_1_output == 52 and (52 <= num_attn_2_0_output <= 62 or num_attn_2_0_output == 80):
        return 12
    elif num_attn_1_1_output == 53 and (53 <= num_attn_2_0_output <= 63 or num_attn_2_0_output == 81):
        return 12
    elif num_attn_1_1_output == 54 and (54 <= num_attn_2_0_output <= 64 or num_attn_2_0_output == 83):
        return 12
    elif num_attn_1_1_output == 55 and (55 <= num_attn_2_0_output <= 65 or num_attn_2_0_output == 84):
        return 12
    elif num_attn_1_1_output == 56 and (55 <= num_attn_2_0_output <= 66 or num_attn_2_0_output == 86):
        return 12
    elif num_attn_1_1_output == 57 and (56 <= num_attn_2_0_output <= 67 or num_attn_2_0_output == 87):
        return 12
    elif num_attn_1_1_output == 58 and (57 <= num_attn_2_0_output <= 68 or num_attn_2_0_output == 89):
        return 12
    elif num_attn_1_1_output == 59 and 58 <= num_attn_2_0_output <= 69:
        return 12
    elif num_attn_1_1_output == 60 and (59 <= num_attn_2_0_output <= 70 or num_attn_2_0_output == 92):
        return 12
    elif num_attn_1_1_output == 61 and 60 <= num_attn_2_0_output <= 71:
        return 12
    elif num_attn_1_1_output == 62 and (61 <= num_attn_2_0_output <= 72 or num_attn_2_0_output == 95):
        return 12
    elif num_attn_1_1_output == 63 and (62 <= num_attn_2_0_output <= 73 or num_attn_2_0_output == 97):
        return 12
    elif num_attn_1_1_output == 64 and num_attn_2_0_output in {
        59, 60, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 98,
    }:
        return 12
    elif num_attn_1_1_output == 65 and (58 <= num_attn_2_0_output <= 74 or num_attn_2_0_output == 100):
        return 12
    elif num_attn_1_1_output == 66 and (57 <= num_attn_2_0_output <= 75 or num_attn_2_0_output == 101):
        return 12
    elif num_attn_1_1_output == 67 and (56 <= num_attn_2_0_output <= 76 or num_attn_2_0_output == 103):
        return 12
    elif num_attn_1_1_output == 68 and (55 <= num_attn_2_0_output <= 77 or num_attn_2_0_output == 104):
        return 12
    elif num_attn_1_1_output == 69 and (54 <= num_attn_2_0_output <= 78 or num_attn_2_0_output == 106):
        return 12
    elif num_attn_1_1_output == 70 and (53 <= num_attn_2_0_output <= 79 or num_attn_2_0_output == 107):
        return 12
    elif num_attn_1_1_output == 71 and (52 <= num_attn_2_0_output <= 80 or num_attn_2_0_output == 109):
        return 12
    elif num_attn_1_1_output == 72 and (50 <= num_attn_2_0_output <= 81 or num_attn_2_0_output == 110):
        return 12
    elif num_attn_1_1_output == 73 and (49 <= num_attn_2_0_output <= 82 or num_attn_2_0_output == 112):
        return 12
    elif num_attn_1_1_output == 74 and 48 <= num_attn_2_0_output <= 83:
        return 12
    elif num_attn_1_1_output == 75 and (47 <= num_attn_2_0_output <= 84 or num_attn_2_0_output == 115):
        return 12
    elif num_attn_1_1_output == 76 and (46 <= num_attn_2_0_output <= 85 or num_attn_2_0_output == 117):
        return 12
    elif num_attn_1_1_output == 77 and (45 <= num_attn_2_0_output <= 86 or num_attn_2_0_output == 118):
        return 12
    elif num_attn_1_1_output == 78 and (44 <= num_attn_2_0_output <= 87 or num_attn_2_0_output == 120):
        return 12
    elif num_attn_1_1_output == 79 and (43 <= num_attn_2_0_output <= 88 or num_attn_2_0_output == 121):
        return 12
    elif num_attn_1_1_output == 80 and (42 <= num_attn_2_0_output <= 89 or num_attn_2_0_output == 123):
        return 12
    elif num_attn_1_1_output == 81 and (40 <= num_attn_2_0_output <= 90 or num_attn_2_0_output == 124):
        return 12
    elif num_attn_1_1_output == 82 and (39 <= num_attn_2_0_output <= 91 or num_attn_2_0_output == 126):
        return 12
    elif num_attn_1_1_output == 83 and (38 <= num_attn_2_0_output <= 92 or num_attn_2_0_output == 127):
        return 12
    elif num_attn_1_1_output == 84 and (37 <= num_attn_2_0_output <= 93 or num_attn_2_0_output == 129):
        return 12
    elif num_attn_1_1_output == 85 and (36 <= num_attn_2_0_output <= 94 or num_attn_2_0_output == 130):
        return 12
    elif num_attn_1_1_output == 86 and (35 <= num_attn_2_0_output <= 95 or num_attn_2_0_output == 132):
        return 12
    elif num_attn_1_1_output == 87 and 34 <= num_attn_2_0_output <= 96:
        return 12
    elif num_attn_1_1_output == 88 and (33 <= num_attn_2_0_output <= 97 or num_attn_2_0_output == 135):
        return 12
    elif num_attn_1_1_output == 89 and (32 <= num_attn_2_0_output <= 97 or num_attn_2_0_output == 137):
        return 12
    elif num_attn_1_1_output == 90 and (31 <= num_attn_2_0_output <= 98 or num_attn_2_0_output == 138):
        return 12
    elif num_attn_1_1_output == 91 and (29 <= num_attn_2_0_output <= 99 or num_attn_2_0_output == 140):
        return 12
    elif num_attn_1_1_output == 92 and (28 <= num_attn_2_0_output <= 100 or num_attn_2_0_output == 141):
        return 12
    elif num_attn_1_1_output == 93 and (27 <= num_attn_2_0_output <= 101 or num_attn_2_0_output == 143):
        return 12
    elif num_attn_1_1_output == 94 and (26 <= num_attn_2_0_output <= 102 or num_attn_2_0_output == 144):
        return 12
    elif num_attn_1_1_output == 95 and (26 <= num_attn_2_0_output <= 103 or num_attn_2_0_output == 146):
        return 12
    elif num_attn_1_1_output == 96 and (27 <= num_attn_2_0_output <= 104 or num_attn_2_0_output == 147):
        return 12
    elif num_attn_1_1_output == 97 and (27 <= num_attn_2_0_output <= 105 or num_attn_2_0_output == 149):
        return 12
    elif num_attn_1_1_output == 98 and (27 <= num_attn_2_0_output <= 106 or num_attn_2_0_output == 150):
        return 12
    elif num_attn_1_1_output == 99 and (27 <= num_attn_2_0_output <= 107 or num_attn_2_0_output == 152):
        return 12
    elif num_attn_1_1_output == 100 and 28 <= num_attn_2_0_output <= 108:
        return 12
    elif num_attn_1_1_output == 101 and (28 <= num_attn_2_0_output <= 109 or num_attn_2_0_output == 155):
        return 12
    elif num_attn_1_1_output == 102 and (28 <= num_attn_2_0_output <= 110 or num_attn_2_0_output == 157):
        return 12
    elif num_attn_1_1_output == 103 and (28 <= num_attn_2_0_output <= 111 or num_attn_2_0_output == 158):
        return 12
    elif num_attn_1_1_output == 104 and (29 <= num_attn_2_0_output <= 112 or num_attn_2_0_output == 160):
        return 12
    elif num_attn_1_1_output == 105 and (29 <= num_attn_2_0_output <= 113 or num_attn_2_0_output == 161):
        return 12
    elif num_attn_1_1_output == 106 and (29 <= num_attn_2_0_output <= 114 or num_attn_2_0_output == 163):
        return 12
    elif num_attn_1_1_output == 107 and (30 <= num_attn_2_0_output <= 115 or num_attn_2_0_output == 164):
        return 12
    elif num_attn_1_1_output == 108 and (30 <= num_attn_2_0_output <= 116 or num_attn_2_0_output == 166):
        return 12
    elif num_attn_1_1_output == 109 and (30 <= num_attn_2_0_output <= 117 or num_attn_2_0_output == 167):
        return 12
    elif num_attn_1_1_output == 110 and (31 <= num_attn_2_0_output <= 118 or num_attn_2_0_output == 169):
        return 12
    elif num_attn_1_1_output == 111 and (31 <= num_attn_2_0_output <= 119 or num_attn_2_0_output == 170):
        return 12
    elif num_attn_1_1_output == 112 and (31 <= num_attn_2_0_output <= 120 or num_attn_2_0_output == 172):
        return 12
    elif num_attn_1_1_output == 113 and (32 <= num_attn_2_0_output <= 121 or num_attn_2_0_output == 173):
        return 12
    elif num_attn_1_1_output == 114 and (32 <= num_attn_2_0_output <= 121 or num_attn_2_0_output == 175):
        return 12
    elif num_attn_1_1_output == 115 and (32 <= num_attn_2_0_output <= 122 or num_attn_2_0_output == 177):
        return 12
    elif num_attn_1_1_output == 116 and (32 <= num_attn_2_0_output <= 123 or num_attn_2_0_output == 178):
        return 12
    elif num_attn_1_1_output == 117 and (33 <= num_attn_2_0_output <= 124 or num_attn_2_0_output == 180):
        return 12
    elif num_attn_1_1_output == 118 and (33 <= num_attn_2_0_output <= 125 or num_attn_2_0_output == 181):
        return 12
    elif num_attn_1_1_output == 119 and (33 <= num_attn_2_0_output <= 126 or num_attn_2_0_output == 183):
        return 12
    elif num_attn_1_1_output == 120 and (34 <= num_attn_2_0_output <= 127 or num_attn_2_0_output == 184):
        return 12
    elif num_attn_1_1_output == 121 and (34 <= num_attn_2_0_output <= 128 or num_attn_2_0_output == 186):
        return 12
    elif num_attn_1_1_output == 122 and (34 <= num_attn_2_0_output <= 129 or num_attn_2_0_output == 187):
        return 12
    elif num_attn_1_1_output == 123 and (35 <= num_attn_2_0_output <= 130 or num_attn_2_0_output == 189):
        return 12
    elif num_attn_1_1_output == 124 and (35 <= num_attn_2_0_output <= 131 or num_attn_2_0_output == 190):
        return 12
    elif num_attn_1_1_output == 125 and (35 <= num_attn_2_0_output <= 132 or num_attn_2_0_output == 192):
        return 12
    elif num_attn_1_1_output == 126 and (36 <= num_attn_2_0_output <= 133 or num_attn_2_0_output == 193):
        return 12
    elif num_attn_1_1_output == 127 and (36 <= num_attn_2_0_output <= 134 or num_attn_2_0_output == 195):
        return 12
    elif num_attn_1_1_output == 128 and (36 <= num_attn_2_0_output <= 135 or num_attn_2_0_output == 197):
        return 12
    elif num_attn_1_1_output == 129 and (37 <= num_attn_2_0_output <= 136 or num_attn_2_0_output == 198):
        return 12
    elif num_attn_1_1_output == 130 and (37 <= num_attn_2_0_output <= 137 or num_attn_2_0_output == 200):
        return 12
    elif num_attn_1_1_output == 131 and (37 <= num_attn_2_0_output <= 138 or num_attn_2_0_output == 201):
        return 12
    elif num_attn_1_1_output == 132 and (38 <= num_attn_2_0_output <= 139 or num_attn_2_0_output == 203):
        return 12
    elif num_attn_1_1_output == 133 and (38 <= num_attn_2_0_output <= 140 or num_attn_2_0_output == 204):
        return 12
    elif num_attn_1_1_output == 134 and (38 <= num_attn_2_0_output <= 141 or num_attn_2_0_output == 206):
        return 12
    elif num_attn_1_1_output == 135 and (39 <= num_attn_2_0_output <= 142 or num_attn_2_0_output == 207):
        return 12
    elif num_attn_1_1_output == 136 and (39 <= num_attn_2_0_output <= 143 or num_attn_2_0_output == 209):
        return 12
    elif num_attn_1_1_output == 137 and (39 <= num_attn_2_0_output <= 144 or num_attn_2_0_output == 210):
        return 12
    elif num_attn_1_1_output == 138 and (40 <= num_attn_2_0_output <= 144 or num_attn_2_0_output == 212):
        return 12
    elif num_attn_1_1_output == 139 and num_attn_2_0_output in {
        40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64,
        65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89,
        90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
        112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131,
        132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 213, 214,
    }:
        return 12
    elif num_attn_1_1_output == 140 and (40 <= num_attn_2_0_output <= 146 or num_attn_2_0_output == 215):
        return 12
    elif num_attn_1_1_output == 141 and (41 <= num_attn_2_0_output <= 147 or num_attn_2_0_output == 217):
        return 12
    elif num_attn_1_1_output == 142 and (41 <= num_attn_2_0_output <= 148 or num_attn_2_0_output == 218):
        return 12
    elif num_attn_1_1_output == 143 and (41 <= num_attn_2_0_output <= 149 or num_attn_2_0_output == 220):
        return 12
    elif num_attn_1_1_output == 144 and (42 <= num_attn_2_0_output <= 150 or num_attn_2_0_output == 221):
        return 12
    elif num_attn_1_1_output == 145 and (42 <= num_attn_2_0_output <= 151 or num_attn_2_0_output == 223):
        return 12
    elif num_attn_1_1_output == 146 and (42 <= num_attn_2_0_output <= 152 or num_attn_2_0_output == 224):
        return 12
    elif num_attn_1_1_output == 147 and (43 <= num_attn_2_0_output <= 153 or num_attn_2_0_output == 226):
        return 12
    elif num_attn_1_1_output == 148 and (43 <= num_attn_2_0_output <= 154 or num_attn_2_0_output == 227):
        return 12
    elif num_attn_1_1_output == 149 and (43 <= num_attn_2_0_output <= 155 or num_attn_2_0_output == 229):
        return 12
    elif num_attn_1_1_output == 150 and (44 <= num_attn_2_0_output <= 156 or num_attn_2_0_output == 230):
        return 12
    elif num_attn_1_1_output == 151 and (44 <= num_attn_2_0_output <= 157 or num_attn_2_0_output == 232):
        return 12
    elif num_attn_1_1_output == 152 and num_attn_2_0_output in {
        44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68,
        69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93,
        94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114,
        115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134,
        135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154,
        155, 156, 157, 158, 233, 234,
    }:
        return 12
    elif num_attn_1_1_output == 153 and (45 <= num_attn_2_0_output <= 159 or num_attn_2_0_output == 235):
        return 12
    elif num_attn_1_1_output == 154 and num_attn_2_0_output in {
        45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69,
        70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94,
        95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115,
        116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135,
        136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155,
        156, 157, 158, 159, 160, 236, 237,
    }:
        return 12
    elif num_attn_1_1_output == 155 and (45 <= num_attn_2_0_output <= 161 or num_attn_2_0_output == 238):
        return 12
    elif num_attn_1_1_output == 156 and (46 <= num_attn_2_0_output <= 162 or num_attn_2_0_output == 240):
        return 12
    elif num_attn_1_1_output == 157 and (46 <= num_attn_2_0_output <= 163 or num_attn_2_0_output == 241):
        return 12
    elif num_attn_1_1_output == 158 and (46 <= num_attn_2_0_output <= 164 or num_attn_2_0_output == 243):
        return 12
    elif num_attn_1_1_output == 159 and (47 <= num_attn_2_0_output <= 165 or num_attn_2_0_output == 244):
        return 12
    elif num_attn_1_1_output == 160 and (47 <= num_attn_2_0_output <= 166 or num_attn_2_0_output == 246):
        return 12
    elif num_attn_1_1_output == 161 and (47 <= num_attn_2_0_output <= 167 or num_attn_2_0_output == 247):
        return 12
    elif num_attn_1_1_output == 162 and (48 <= num_attn_2_0_output <= 167 or num_attn_2_0_output == 249):
        return 12
    elif num_attn_1_1_output == 163 and (48 <= num_attn_2_0_output <= 168 or num_attn_2_0_output == 250):
        return 12
    elif num_attn_1_1_output == 164 and (48 <= num_attn_2_0_output <= 169 or num_attn_2_0_output == 252):
        return 12
    elif num_attn_1_1_output == 165 and num_attn_2_0_output in {
        49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73,
        74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98,
        99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118,
        119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138,
        139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158,
        159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 253, 254,
    }:
        return 12
    elif num_attn_1_1_output == 166 and (49 <= num_attn_2_0_output <= 171 or num_attn_2_0_output == 255):
        return 12
    elif num_attn_1_1_output == 167 and num_attn_2_0_output in {
        49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73,
        74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98,
        99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118,
        119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138,
        139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158,
        159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 256, 257,
    }:
        return 12
    elif num_attn_1_1_output == 168 and (50 <= num_attn_2_0_output <= 173 or num_attn_2_0_output == 258):
        return 12
    elif num_attn_1_1_output == 169 and (50 <= num_attn_2_0_output <= 174 or num_attn_2_0_output == 260):
        return 12
    elif num_attn_1_1_output == 170 and (50 <= num_attn_2_0_output <= 175 or num_attn_2_0_output == 261):
        return 12
    elif num_attn_1_1_output == 171 and (51 <= num_attn_2_0_output <= 176 or num_attn_2_0_output == 263):
        return 12
    elif num_attn_1_1_output == 172 and (51 <= num_attn_2_0_output <= 177 or num_attn_2_0_output == 264):
        return 12
    elif num_attn_1_1_output == 173 and (51 <= num_attn_2_0_output <= 178 or num_attn_2_0_output == 266):
        return 12
    elif num_attn_1_1_output == 174 and (52 <= num_attn_2_0_output <= 179 or num_attn_2_0_output == 267):
        return 12
    elif num_attn_1_1_output == 175 and (52 <= num_attn_2_0_output <= 180 or num_attn_2_0_output == 269):
        return 12
    elif num_attn_1_1_output == 176 and (53 <= num_attn_2_0_output <= 181 or num_attn_2_0_output == 270):
        return 12
    elif num_attn_1_1_output == 177 and (53 <= num_attn_2_0_output <= 182 or num_attn_2_0_output == 272):
        return 12
    elif num_attn_1_1_output == 178 and num_attn_2_0_output in {
        53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77,
        78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101,
        102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121,
        122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141,
        142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161,
        162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181,
        182, 183, 273, 274,
    }:
        return 12
    elif num_attn_1_1_output == 179 and (54 <= num_attn_2_0_output <= 184 or num_attn_2_0_output == 275):
        return 12
    elif num_attn_1_1_output == 180 and num_attn_2_0_output in {
        54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78,
        79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102,
        103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122,
        123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142,
        143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162,
        163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182,
        183, 184, 185, 276, 277,
    }:
        return 12
    elif num_attn_1_1_output == 181 and (54 <= num_attn_2_0_output <= 186 or num_attn_2_0_output == 278):
        return 12
    elif num_attn_1_1_output == 182 and (55 <= num_attn_2_0_output <= 187 or num_attn_2_0_output == 280):
        return 12
    elif num_attn_1_1_output == 183 and (55 <= num_attn_2_0_output <= 188 or num_attn_2_0_output == 281):
        return 12
    elif num_attn_1_1_output == 184 and (55 <= num_attn_2_0_output <= 189 or num_attn_2_0_output == 283):
        return 12
    elif num_attn_1_1_output == 185 and (56 <= num_attn_2_0_output <= 190 or num_attn_2_0_output == 284):
        return 12
    elif num_attn_1_1_output == 186 and (56 <= num_attn_2_0_output <= 191 or num_attn_2_0_output == 286):
        return 12
    elif num_attn_1_1_output == 187 and (56 <= num_attn_2_0_output <= 191 or num_attn_2_0_output == 287):
        return 12
    elif num_attn_1_1_output == 188 and (57 <= num_attn_2_0_output <= 192 or num_attn_2_0_output == 289):
        return 12
    elif num_attn_1_1_output == 189 and num_attn_2_0_output in {
        57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81,
        82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104,
        105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124,
        125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144,
        145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164,
        165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184,
        185, 186, 187, 188, 189, 190, 191, 192, 193, 290, 291,
    }:
        return 12
    elif num_attn_1_1_output == 190 and (57 <= num_attn_2_0_output <= 194 or num_attn_2_0_output == 292):
        return 12
    elif num_attn_1_1_output == 191 and num_attn_2_0_output in {
        58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82,
        83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105,
        106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125,
        126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145,
        146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165,
        166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185,
        186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 293, 294,
    }:
        return 12
    elif num_attn_1_1_output == 192 and (58 <= num_attn_2_0_output <= 196 or num_attn_2_0_output == 295):
        return 12
    elif num_attn_1_1_output == 193 and num_attn_2_0_output in {
        58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82,
        83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105,
        106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125,
        126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145,
        146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165,
        166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185,
        186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 296, 297,
    }:
        return 12
    elif num_attn_1_1_output == 194 and (59 <= num_attn_2_0_output <= 198 or num_attn_2_0_output == 298):
        return 12
    elif num_attn_1_1_output == 195 and num_attn_2_0_output in {
        59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,
        84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106,
        107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126,
        127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146,
        147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166,
        167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186,
        187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 299, 300,
    }:
        return 12
    elif num_attn_1_1_output == 196 and (59 <= num_attn_2_0_output <= 200 or num_attn_2_0_output == 301):
        return 12
    elif num_attn_1_1_output == 197 and (60 <= num_attn_2_0_output <= 201 or num_attn_2_0_output == 303):
        return 12
    elif num_attn_1_1_output == 198 and (60 <= num_attn_2_0_output <= 202 or num_attn_2_0_output == 304):
        return 12
    elif num_attn_1_1_output == 199 and (60 <= num_attn_2_0_output <= 203 or num_attn_2_0_output == 306):
        return 12
    elif num_attn_1_1_output == 200 and (61 <= num_attn_2_0_output <= 204 or num_attn_2_0_output == 307):
        return 12
    elif num_attn_1_1_output == 201 and (61 <= num_attn_2_0_output <= 205 or num_attn_2_0_output == 309):
        return 12
    elif num_attn_1_1_output == 202 and num_attn_2_0_output in {
        61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85,
        86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107,
        108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127,
        128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147,
        148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167,
        168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187,
        188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 310,
        311,
    }:
        return 12
    elif num_attn_1_1_output == 203 and (62 <= num_attn_2_0_output <= 207 or num_attn_2_0_output == 312):
        return 12
    elif num_attn_1_1_output == 204 and num_attn_2_0_output in {
        62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86,
        87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108,
        109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128,
        129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148,
        149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168,
        169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188,
        189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208,
        313, 314,
    }:
        return 12
    elif num_attn_1_1_output == 205 and (62 <= num_attn_2_0_output <= 209 or num_attn_2_0_output == 315):
        return 12
    elif num_attn_1_1_output == 206 and num_attn_2_0_output in {
        63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87,
        88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109,
        110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129,
        130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
        150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169,
        170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
        190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209,
        210, 316, 317,
    }:
        return 12
    elif num_attn_1_1_output == 207 and (63 <= num_attn_2_0_output <= 211 or num_attn_2_0_output == 318):
        return 12
    elif num_attn_1_1_output == 208 and num_attn_2_0_output in {
        63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87,
        88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109,
        110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129,
        130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
        150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169,
        170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
        190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209,
        210, 211, 212, 319, 320,
    }:
        return 12
    elif num_attn_1_1_output == 209 and (64 <= num_attn_2_0_output <= 213 or num_attn_2_0_output == 321):
        return 12
    elif num_attn_1_1_output == 210 and (64 <= num_attn_2_0_output <= 214 or num_attn_2_0_output == 323):
        return 12
    elif num_attn_1_1_output == 211 and (64 <= num_attn_2_0_output <= 214 or num_attn_2_0_output == 324):
        return 12
    elif num_attn_1_1_output == 212 and (65 <= num_attn_2_0_output <= 215 or num_attn_2_0_output == 326):
        return 12
    elif num_attn_1_1_output == 213 and (65 <= num_attn_2_0_output <= 216 or num_attn_2_0_output == 327):
        return 12
    elif num_attn_1_1_output == 214 and (65 <= num_attn_2_0_output <= 217 or num_attn_2_0_output == 329):
        return 12
    elif num_attn_1_1_output == 215 and num_attn_2_0_output in {
        66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
        91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
        112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131,
        132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151,
        152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171,
        172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191,
        192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211,
        212, 213, 214, 215, 216, 217, 218, 330, 331,
    }:
        return 12
    elif num_attn_1_1_output == 216 and (66 <= num_attn_2_0_output <= 219 or num_attn_2_0_output == 332):
        return 12
    elif num_attn_1_1_output == 217 and num_attn_2_0_output in {
        66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
        91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
        112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131,
        132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151,
        152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171,
        172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191,
        192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211,
        212, 213, 214, 215, 216, 217, 218, 219, 220, 333, 334,
    }:
        return 12
    elif num_attn_1_1_output == 218 and (67 <= num_attn_2_0_output <= 221 or num_attn_2_0_output == 335):
        return 12
    elif num_attn_1_1_output == 219 and num_attn_2_0_output in {
        67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91,
        92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112,
        113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132,
        133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152,
        153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172,
        173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192,
        193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212,
        213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 336, 337,
    }:
        return 12
    elif num_attn_1_1_output == 220 and (67 <= num_attn_2_0_output <= 223 or num_attn_2_0_output == 338):
        return 12
    elif num_attn_1_1_output == 221 and num_attn_2_0_output in {
        68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92,
        93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113,
        114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133,
        134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153,
        154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173,
        174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193,
        194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213,
        214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 339, 340,
    }:
        return 12
    elif num_attn_1_1_output == 222 and (68 <= num_attn_2_0_output <= 225 or num_attn_2_0_output == 341):
        return 12
    elif num_attn_1_1_output == 223 and (68 <= num_attn_2_0_output <= 226 or num_attn_2_0_output == 343):
        return 12
    elif num_attn_1_1_output == 224 and (69 <= num_attn_2_0_output <= 227 or num_attn_2_0_output == 344):
        return 12
    elif num_attn_1_1_output == 225 and (69 <= num_attn_2_0_output <= 228 or num_attn_2_0_output == 346):
        return 12
    elif num_attn_1_1_output == 226 and (69 <= num_attn_2_0_output <= 229 or num_attn_2_0_output == 347):
        return 12
    elif num_attn_1_1_output == 227 and (70 <= num_attn_2_0_output <= 230 or num_attn_2_0_output == 349):
        return 12
    elif num_attn_1_1_output == 228 and num_attn_2_0_output in {
        70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94,
        95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115,
        116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135,
        136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155,
        156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175,
        176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195,
        196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215,
        216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 350, 351,
    }:
        return 12
    elif num_attn_1_1_output == 229 and (70 <= num_attn_2_0_output <= 232 or num_attn_2_0_output == 352):
        return 12
    elif num_attn_1_1_output == 230 and num_attn_2_0_output in {
        71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
        96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115,
        116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135,
        136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155,
        156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175,
        176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195,
        196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215,
        216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 353, 354,
    }:
        return 12
    elif num_attn_1_1_output == 231 and (71 <= num_attn_2_0_output <= 234 or num_attn_2_0_output == 355):
        return 12
    elif num_attn_1_1_output == 232 and num_attn_2_0_output in {
        72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96,
        97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116,
        117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136,
        137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156,
        157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176,
        177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196,
        197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216,
        217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 356,
        357,
    }:
        return 12
    elif num_attn_1_1_output == 233 and (72 <= num_attn_2_0_output <= 236 or num_attn_2_0_output == 358):
        return 12
    elif num_attn_1_1_output == 234 and num_attn_2_0_output in {
        72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96,
        97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116,
        117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136,
        137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156,
        157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176,
        177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196,
        197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216,
        217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236,
        237, 359, 360,
    }:
        return 12
    elif num_attn_1_1_output == 235 and (73 <= num_attn_2_0_output <= 237 or num_attn_2_0_output == 361):
        return 12
    elif num_attn_1_1_output == 236 and num_attn_2_0_output in {
        73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97,
        98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117,
        118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137,
        138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157,
        158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177,
        178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197,
        198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217,
        218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237,
        238, 362, 363,
    }:
        return 12
    elif num_attn_1_1_output == 237 and (73 <= num_attn_2_0_output <= 239 or num_attn_2_0_output == 364):
        return 12
    elif num_attn_1_1_output == 238 and (74 <= num_attn_2_0_output <= 240 or num_attn_2_0_output == 366):
        return 12
    elif num_attn_1_1_output == 239 and num_attn_2_0_output in {
        74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98,
        99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118,
        119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138,
        139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158,
        159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178,
        179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198,
        199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218,
        219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238,
        239, 240, 241, 367, 368,
    }:
        return 12
    elif num_attn_1_1_output == 240 and (74 <= num_attn_2_0_output <= 242 or num_attn_2_0_output == 369):
        return 12
    elif num_attn_1_1_output == 241 and num_attn_2_0_output in {
        75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99,
        100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
        120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
        140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159,
        160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179,
        180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199,
        200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219,
        220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
        240, 241, 242, 243, 370, 371,
    }:
        return 12
    elif num_attn_1_1_output == 242 and (75 <= num_attn_2_0_output <= 244 or num_attn_2_0_output == 372):
        return 12
    elif num_attn_1_1_output == 243 and num_attn_2_0_output in {
        75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99,
        100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
        120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
        140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159,
        160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179,
        180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199,
        200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219,
        220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
        240, 241, 242, 243, 244, 245, 373, 374,
    }:
        return 12
    elif num_attn_1_1_output == 244 and (76 <= num_attn_2_0_output <= 246 or num_attn_2_0_output == 375):
        return 12
    elif num_attn_1_1_output == 245 and num_attn_2_0_output in {
        76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99,
        100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
        120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
        140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159,
        160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179,
        180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199,
        200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219,
        220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
        240, 241, 242, 243, 244, 245, 246, 247, 376, 377,
    }:
        return 12
    elif num_attn_1_1_output == 246 and (76 <= num_attn_2_0_output <= 248 or num_attn_2_0_output == 378):
        return 12
    elif num_attn_1_1_output == 247 and num_attn_2_0_output in {
        77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100,
        101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120,
        121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140,
        141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160,
        161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180,
        181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200,
        201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220,
        221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240,
        241, 242, 243, 244, 245, 246, 247, 248, 249, 379, 380,
    }:
        return 12
    elif num_attn_1_1_output == 248 and (77 <= num_attn_2_0_output <= 250 or num_attn_2_0_output == 381):
        return 12
    elif num_attn_1_1_output == 249 and num_attn_2_0_output in {
        77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100,
        101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120,
        121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140,
        141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160,
        161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180,
        181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200,
        201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220,
        221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240,
        241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 382, 383,
    }:
        return 12
    elif num_attn_1_1_output == 250 and (78 <= num_attn_2_0_output <= 252 or num_attn_2_0_output == 384):
        return 12
    elif num_attn_1_1_output == 251 and (78 <= num_attn_2_0_output <= 253 or num_attn_2_0_output == 386):
        return 12
    elif num_attn_1_1_output == 252 and num_attn_2_0_output in {
        78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101,
        102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121,
        122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141,
        142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161,
        162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181,
        182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201,
        202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221,
        222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241,
        242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 387, 388,
    }:
        return 12
    elif num_attn_1_1_output == 253 and (79 <= num_attn_2_0_output <= 255 or num_attn_2_0_output == 389):
        return 12
    elif num_attn_1_1_output == 254 and num_attn_2_0_output in {
        79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102,
        103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122,
        123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142,
        143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162,
        163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182,
        183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202,
        203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222,
        223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242,
        243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 390, 391,
    }:
        return 12
    elif num_attn_1_1_output == 255 and (79 <= num_attn_2_0_output <= 257 or num_attn_2_0_output == 392):
        return 12
    elif num_attn_1_1_output == 256 and num_attn_2_0_output in {
        80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103,
        104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123,
        124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143,
        144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163,
        164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183,
        184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203,
        204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223,
        224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243,
        244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 393, 394,
    }:
        return 12
    elif num_attn_1_1_output == 0 and num_attn_2_0_output == 0:
        return 14
    elif num_attn_1_1_output == 1 and num_attn_2_0_output <= 1:
        return 14
    elif num_attn_1_1_output == 2 and num_attn_2_0_output <= 3:
        return 14
    elif num_attn_1_1_output == 3 and num_attn_2_0_output <= 4:
        return 14
    elif num_attn_1_1_output == 4 and num_attn_2_0_output <= 5:
        return 14
    elif num_attn_1_1_output == 5 and num_attn_2_0_output <= 6:
        return 14
    elif num_attn_1_1_output == 6 and num_attn_2_0_output <= 7:
        return 14
    elif num_attn_1_1_output == 7 and num_attn_2_0_output <= 8:
        return 14
    elif 8 <= num_attn_1_1_output <= 9 and num_attn_2_0_output <= 9:
        return 14
    elif num_attn_1_1_output == 10 and num_attn_2_0_output <= 10:
        return 14
    elif num_attn_1_1_output == 11 and num_attn_2_0_output <= 11:
        return 14
    elif num_attn_1_1_output == 12 and num_attn_2_0_output <= 12:
        return 14
    elif num_attn_1_1_output == 13 and num_attn_2_0_output <= 13:
        return 14
    elif num_attn_1_1_output == 14 and num_attn_2_0_output <= 14:
        return 14
    elif num_attn_1_1_output == 15 and num_attn_2_0_output <= 15:
        return 14
    elif num_attn_1_1_output == 16 and num_attn_2_0_output <= 16:
        return 14
    elif num_attn_1_1_output == 17 and num_attn_2_0_output <= 17:
        return 14
    elif num_attn_1_1_output == 18 and num_attn_2_0_output <= 18:
        return 14
    elif num_attn_1_1_output == 19 and 1 <= num_attn_2_0_output <= 19:
        return 14
    elif num_attn_1_1_output == 20 and 1 <= num_attn_2_0_output <= 20:
        return 14
    elif num_attn_1_1_output == 21 and 1 <= num_attn_2_0_output <= 21:
        return 14
    elif num_attn_1_1_output == 22 and 2 <= num_attn_2_0_output <= 22:
        return 14
    elif num_attn_1_1_output == 23 and 2 <= num_attn_2_0_output <= 23:
        return 14
    elif num_attn_1_1_output == 24 and 2 <= num_attn_2_0_output <= 24:
        return 14
    elif num_attn_1_1_output == 25 and 3 <= num_attn_2_0_output <= 25:
        return 14
    elif num_attn_1_1_output == 26 and 3 <= num_attn_2_0_output <= 26:
        return 14
    elif num_attn_1_1_output == 27 and 3 <= num_attn_2_0_output <= 27:
        return 14
    elif num_attn_1_1_output == 28 and 4 <= num_attn_2_0_output <= 28:
        return 14
    elif num_attn_1_1_output == 29 and 4 <= num_attn_2_0_output <= 29:
        return 14
    elif num_attn_1_1_output == 30 and 4 <= num_attn_2_0_output <= 30:
        return 14
    elif num_attn_1_1_output == 31 and 5 <= num_attn_2_0_output <= 31:
        return 14
    elif num_attn_1_1_output == 32 and 5 <= num_attn_2_0_output <= 32:
        return 14
    elif num_attn_1_1_output == 33 and 5 <= num_attn_2_0_output <= 33:
        return 14
    elif num_attn_1_1_output == 34 and 6 <= num_attn_2_0_output <= 33:
        return 14
    elif num_attn_1_1_output == 35 and 6 <= num_attn_2_0_output <= 34:
        return 14
    elif num_attn_1_1_output == 36 and 6 <= num_attn_2_0_output <= 35:
        return 14
    elif num_attn_1_1_output == 37 and 7 <= num_attn_2_0_output <= 36:
        return 14
    elif num_attn_1_1_output == 38 and 7 <= num_attn_2_0_output <= 37:
        return 14
    elif num_attn_1_1_output == 39 and 7 <= num_attn_2_0_output <= 38:
        return 14
    elif num_attn_1_1_output == 40 and 8 <= num_attn_2_0_output <= 39:
        return 14
    elif num_attn_1_1_output == 41 and 8 <= num_attn_2_0_output <= 40:
        return 14
    elif num_attn_1_1_output == 42 and 9 <= num_attn_2_0_output <= 41:
        return 14
    elif num_attn_1_1_output == 43 and 9 <= num_attn_2_0_output <= 42:
        return 14
    elif num_attn_1_1_output == 44 and 9 <= num_attn_2_0_output <= 43:
        return 14
    elif num_attn_1_1_output == 45 and 9 <= num_attn_2_0_output <= 44:
        return 14
    elif num_attn_1_1_output == 46 and 10 <= num_attn_2_0_output <= 45:
        return 14
    elif num_attn_1_1_output == 47 and 10 <= num_attn_2_0_output <= 46:
        return 14
    elif num_attn_1_1_output == 48 and 10 <= num_attn_2_0_output <= 47:
        return 14
    elif num_attn_1_1_output == 49 and 11 <= num_attn_2_0_output <= 48:
        return 14
    elif num_attn_1_1_output == 50 and 11 <= num_attn_2_0_output <= 49:
        return 14
    elif num_attn_1_1_output == 51 and 11 <= num_attn_2_0_output <= 50:
        return 14
    elif num_attn_1_1_output == 52 and 12 <= num_attn_2_0_output <= 51:
        return 14
    elif num_attn_1_1_output == 53 and 12 <= num_attn_2_0_output <= 52:
        return 14
    elif num_attn_1_1_output == 54 and 12 <= num_attn_2_0_output <= 53:
        return 14
    elif 55 <= num_attn_1_1_output <= 56 and 13 <= num_attn_2_0_output <= 54:
        return 14
    elif num_attn_1_1_output == 57 and 13 <= num_attn_2_0_output <= 55:
        return 14
    elif num_attn_1_1_output == 58 and 14 <= num_attn_2_0_output <= 56:
        return 14
    elif num_attn_1_1_output == 59 and 14 <= num_attn_2_0_output <= 57:
        return 14
    elif num_attn_1_1_output == 60 and 14 <= num_attn_2_0_output <= 58:
        return 14
    elif num_attn_1_1_output == 61 and 15 <= num_attn_2_0_output <= 59:
        return 14
    elif num_attn_1_1_output == 62 and 15 <= num_attn_2_0_output <= 60:
        return 14
    elif num_attn_1_1_output == 63 and 15 <= num_attn_2_0_output <= 61:
        return 14
    elif num_attn_1_1_output == 64 and (16 <= num_attn_2_0_output <= 58 or 61 <= num_attn_2_0_output <= 62):
        return 14
    elif num_attn_1_1_output == 65 and 16 <= num_attn_2_0_output <= 57:
        return 14
    elif num_attn_1_1_output == 66 and 16 <= num_attn_2_0_output <= 56:
        return 14
    elif num_attn_1_1_output == 67 and 17 <= num_attn_2_0_output <= 55:
        return 14
    elif num_attn_1_1_output == 68 and 17 <= num_attn_2_0_output <= 54:
        return 14
    elif num_attn_1_1_output == 69 and 17 <= num_attn_2_0_output <= 53:
        return 14
    elif num_attn_1_1_output == 70 and 18 <= num_attn_2_0_output <= 52:
        return 14
    elif num_attn_1_1_output == 71 and 18 <= num_attn_2_0_output <= 51:
        return 14
    elif num_attn_1_1_output == 72 and 18 <= num_attn_2_0_output <= 49:
        return 14
    elif num_attn_1_1_output == 73 and 19 <= num_attn_2_0_output <= 48:
        return 14
    elif num_attn_1_1_output == 74 and 19 <= num_attn_2_0_output <= 47:
        return 14
    elif num_attn_1_1_output == 75 and 19 <= num_attn_2_0_output <= 46:
        return 14
    elif num_attn_1_1_output == 76 and 20 <= num_attn_2_0_output <= 45:
        return 14
    elif num_attn_1_1_output == 77 and 20 <= num_attn_2_0_output <= 44:
        return 14
    elif num_attn_1_1_output == 78 and 20 <= num_attn_2_0_output <= 43:
        return 14
    elif num_attn_1_1_output == 79 and 21 <= num_attn_2_0_output <= 42:
        return 14
    elif num_attn_1_1_output == 80 and 21 <= num_attn_2_0_output <= 41:
        return 14
    elif num_attn_1_1_output == 81 and 21 <= num_attn_2_0_output <= 39:
        return 14
    elif num_attn_1_1_output == 82 and 21 <= num_attn_2_0_output <= 38:
        return 14
    elif num_attn_1_1_output == 83 and 22 <= num_attn_2_0_output <= 37:
        return 14
    elif num_attn_1_1_output == 84 and 22 <= num_attn_2_0_output <= 36:
        return 14
    elif num_attn_1_1_output == 85 and 22 <= num_attn_2_0_output <= 35:
        return 14
    elif num_attn_1_1_output == 86 and 23 <= num_attn_2_0_output <= 34:
        return 14
    elif num_attn_1_1_output == 87 and 23 <= num_attn_2_0_output <= 33:
        return 14
    elif num_attn_1_1_output == 88 and 23 <= num_attn_2_0_output <= 32:
        return 14
    elif num_attn_1_1_output == 89 and 24 <= num_attn_2_0_output <= 31:
        return 14
    elif num_attn_1_1_output == 90 and 24 <= num_attn_2_0_output <= 30:
        return 14
    elif num_attn_1_1_output == 91 and 24 <= num_attn_2_0_output <= 28:
        return 14
    elif num_attn_1_1_output == 92 and 25 <= num_attn_2_0_output <= 27:
        return 14
    elif num_attn_1_1_output == 93 and 25 <= num_attn_2_0_output <= 26:
        return 14
    elif num_attn_1_1_output == 94 and num_attn_2_0_output == 25:
        return 14
    elif 96 <= num_attn_1_1_output <= 97 and num_attn_2_0_output == 26:
        return 14
    elif num_attn_1_1_output == 100 and num_attn_2_0_output == 27:
        return 14
    return 9


def run(tokens):
    positions = list(range(len(tokens)))
    ones = [1 for _ in tokens]
    # layer 0
    attn_0_0_selected = select_closest(positions, tokens, predicate_0_0)
    attn_0_0_outputs = aggregate(attn_0_0_selected, tokens)
    attn_0_1_selected = select_closest(positions, tokens, predicate_0_1)
    attn_0_1_outputs = aggregate(attn_0_1_selected, tokens)
    attn_0_2_selected = select_closest(positions, tokens, predicate_0_2)
    attn_0_2_outputs = aggregate(attn_0_2_selected, tokens)
    attn_0_3_selected = select_closest(positions, tokens, predicate_0_3)
    attn_0_3_outputs = aggregate(attn_0_3_selected, tokens)
    num_attn_0_0_selection = select(tokens, positions, num_predicate_0_0)
    num_attn_0_0_outputs = aggregate_sum(num_attn_0_0_selection, ones)
    num_attn_0_1_selection = select(tokens, positions, num_predicate_0_1)
    num_attn_0_1_outputs = aggregate_sum(num_attn_0_1_selection, ones)
    num_attn_0_2_selection = select(tokens, positions, num_predicate_0_2)
    num_attn_0_2_outputs = aggregate_sum(num_attn_0_2_selection, ones)
    num_attn_0_3_selection = select(positions, tokens, num_predicate_0_3)
    num_attn_0_3_outputs = aggregate_sum(num_attn_0_3_selection, ones)
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_3_outputs, attn_0_2_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(*xs) for xs in zip(num_attn_0_1_outputs, num_attn_0_0_outputs)]
    # layer 1
    attn_1_0_selected = select_closest(positions, tokens, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, tokens)
    attn_1_1_selected = select_closest(positions, mlp_0_0_outputs, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, attn_0_0_outputs)
    attn_1_2_selected = select_closest(positions, mlp_0_0_outputs, predicate_1_2)
    attn_1_2_outputs = aggregate(attn_1_2_selected, attn_0_3_outputs)
    attn_1_3_selected = select_closest(positions, mlp_0_0_outputs, predicate_1_3)
    attn_1_3_outputs = aggregate(attn_1_3_selected, tokens)
    num_attn_1_0_selection = select(num_mlp_0_0_outputs, attn_0_0_outputs, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_3_outputs)
    num_attn_1_1_selection = select(tokens, attn_0_2_outputs, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, num_attn_0_3_outputs)
    num_attn_1_2_selection = select(tokens, mlp_0_0_outputs, num_predicate_1_2)
    num_attn_1_2_outputs = aggregate_sum(num_attn_1_2_selection, num_attn_0_3_outputs)
    num_attn_1_3_selection = select(mlp_0_0_outputs, attn_0_0_outputs, num_predicate_1_3)
    num_attn_1_3_outputs = aggregate_sum(num_attn_1_3_selection, num_attn_0_1_outputs)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_1_3_outputs, attn_1_1_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(*xs) for xs in zip(num_attn_0_3_outputs, num_attn_1_0_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(attn_0_2_outputs, attn_0_0_outputs, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, attn_0_1_outputs)
    attn_2_1_selected = select_closest(positions, positions, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, attn_0_1_outputs)
    attn_2_2_selected = select_closest(positions, positions, predicate_2_2)
    attn_2_2_outputs = aggregate(attn_2_2_selected, attn_0_0_outputs)
    attn_2_3_selected = select_closest(attn_0_0_outputs, mlp_0_0_outputs, predicate_2_3)
    attn_2_3_outputs = aggregate(attn_2_3_selected, attn_1_0_outputs)
    num_attn_2_0_selection = select(attn_1_2_outputs, mlp_1_0_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, num_attn_1_2_outputs)
    num_attn_2_1_selection = select(attn_1_0_outputs, attn_1_3_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_0_0_outputs)
    num_attn_2_2_selection = select(attn_1_1_outputs, mlp_1_0_outputs, num_predicate_2_2)
    num_attn_2_2_outputs = aggregate_sum(num_attn_2_2_selection, num_attn_0_3_outputs)
    num_attn_2_3_selection = select(positions, attn_0_0_outputs, num_predicate_2_3)
    num_attn_2_3_outputs = aggregate_sum(num_attn_2_3_selection, num_attn_0_3_outputs)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_2_2_outputs, attn_2_0_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_2_0_outputs)]
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
