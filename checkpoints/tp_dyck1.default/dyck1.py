"""A Transformer Program decompiled from an Intrinsic Zoo model (MODEL, trained on DATA).

run(tokens) takes the tokens, BOS first, and returns one predicted label per token.
"""

import csv
from pathlib import Path

MODEL = 'tp_dyck1'
DATA = 'dyck1'
BOS = '<s>'
CAUSAL = True
CLASSES = ['F', 'P', 'T']
MAX_LENGTH = 16
EXAMPLE = ['<s>', '(', ')']
VOCABULARY = ['<s>', '(', ')']
WEIGHTS_FILE = Path(__file__).with_name('dyck1_weights.csv')


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


def predicate_0_0(token, position):
    if token in {')'}:
        return position == 8
    return position == 1


def predicate_0_1(token, position):
    if token in {')'}:
        return position == 6
    return position == 1


def predicate_0_2(token, position):
    if token in {')'}:
        return position == 10
    return position == 1


def predicate_0_3(token, position):
    if token in {')'}:
        return position == 4
    return position == 1


def num_predicate_0_0(position, token):
    if position in {1, 2, 3, 4, 5, 6}:
        return token == ')'
    elif position in {8, 11, 13, 14}:
        return token == '<s>'
    return False


def num_predicate_0_1(position, token):
    if position in {7, 11}:
        return token == '<s>'
    return False


def num_predicate_0_2(position, token):
    if position in {1, 2, 3, 5, 7, 9}:
        return token == ')'
    elif position in {11}:
        return token == '<s>'
    return False


def num_predicate_0_3(token, position):
    if token in {'('}:
        return position == 4
    elif token in {')'}:
        return position == 10
    return position == 3


def mlp_0_0(attn_0_1_output, attn_0_0_output):
    key = (attn_0_1_output, attn_0_0_output)
    if key in {('<s>', '('), ('(', '<s>'), ('(', '(')}:
        return 2
    elif key in {('<s>', '<s>')}:
        return 3
    return 11


def num_mlp_0_0(num_attn_0_2_output, num_attn_0_0_output):
    return 14


def predicate_1_0(mlp_0_0_output, position):
    if mlp_0_0_output in {3}:
        return position == 4
    elif mlp_0_0_output in {11}:
        return position == 8
    return position == 3


def predicate_1_1(mlp_0_0_output, position):
    if mlp_0_0_output in {2}:
        return position == 2
    return position == 11


def predicate_1_2(mlp_0_0_output, position):
    if mlp_0_0_output in {3}:
        return position == 10
    elif mlp_0_0_output in {11}:
        return position == 9
    return position == 2


def predicate_1_3(mlp_0_0_output, position):
    if mlp_0_0_output in {3}:
        return position == 8
    elif mlp_0_0_output in {11}:
        return position == 10
    return position == 2


def num_predicate_1_0(attn_0_3_output, mlp_0_0_output):
    return mlp_0_0_output == 3


def num_predicate_1_1(position, token):
    if position in {0, 1, 3, 4, 6, 8, 10}:
        return token == ')'
    elif position in {14}:
        return token == '<s>'
    return False


def num_predicate_1_2(query_token, key_token):
    if query_token in {'('}:
        return False
    return key_token == '('


def num_predicate_1_3(num_mlp_0_0_output, attn_0_0_output):
    return attn_0_0_output == '<s>'


def mlp_1_0(attn_1_3_output, attn_1_0_output):
    key = (attn_1_3_output, attn_1_0_output)
    if key in {('<s>', '(')}:
        return 0
    elif key in {('(', '<s>'), ('(', '(')}:
        return 2
    elif key in {('(', ')')}:
        return 10
    elif key in {(')', '(')}:
        return 11
    return 3


def num_mlp_1_0(num_attn_1_3_output, num_attn_1_0_output):
    if num_attn_1_3_output == 3 and 101 <= num_attn_1_0_output <= 146:
        return 1
    elif num_attn_1_3_output == 4 and 108 <= num_attn_1_0_output <= 176:
        return 1
    elif num_attn_1_3_output == 5 and 114 <= num_attn_1_0_output <= 184:
        return 1
    elif num_attn_1_3_output == 6 and 121 <= num_attn_1_0_output <= 188:
        return 1
    elif num_attn_1_3_output == 7 and 127 <= num_attn_1_0_output <= 192:
        return 1
    elif num_attn_1_3_output == 8 and 134 <= num_attn_1_0_output <= 196:
        return 1
    elif num_attn_1_3_output == 9 and 140 <= num_attn_1_0_output <= 200:
        return 1
    elif num_attn_1_3_output == 10 and 147 <= num_attn_1_0_output <= 205:
        return 1
    elif num_attn_1_3_output == 11 and 154 <= num_attn_1_0_output <= 209:
        return 1
    elif num_attn_1_3_output == 12 and 160 <= num_attn_1_0_output <= 213:
        return 1
    elif num_attn_1_3_output == 13 and 167 <= num_attn_1_0_output <= 217:
        return 1
    elif num_attn_1_3_output == 14 and 173 <= num_attn_1_0_output <= 221:
        return 1
    elif num_attn_1_3_output == 15 and 180 <= num_attn_1_0_output <= 226:
        return 1
    elif num_attn_1_3_output == 16 and 186 <= num_attn_1_0_output <= 230:
        return 1
    elif num_attn_1_3_output == 17 and 193 <= num_attn_1_0_output <= 234:
        return 1
    elif num_attn_1_3_output == 18 and 200 <= num_attn_1_0_output <= 238:
        return 1
    elif num_attn_1_3_output == 19 and 206 <= num_attn_1_0_output <= 243:
        return 1
    elif num_attn_1_3_output == 20 and 213 <= num_attn_1_0_output <= 247:
        return 1
    elif num_attn_1_3_output == 21 and 219 <= num_attn_1_0_output <= 251:
        return 1
    elif num_attn_1_3_output == 22 and 226 <= num_attn_1_0_output <= 255:
        return 1
    elif num_attn_1_3_output == 23 and num_attn_1_0_output >= 232:
        return 1
    elif num_attn_1_3_output == 24 and num_attn_1_0_output >= 239:
        return 1
    elif num_attn_1_3_output == 25 and num_attn_1_0_output >= 246:
        return 1
    elif num_attn_1_3_output == 26 and num_attn_1_0_output >= 252:
        return 1
    elif 84 <= num_attn_1_3_output <= 97 and num_attn_1_0_output == 0:
        return 1
    elif 98 <= num_attn_1_3_output <= 111 and num_attn_1_0_output <= 1:
        return 1
    elif 112 <= num_attn_1_3_output <= 125 and num_attn_1_0_output <= 2:
        return 1
    elif 126 <= num_attn_1_3_output <= 139 and num_attn_1_0_output <= 3:
        return 1
    elif 140 <= num_attn_1_3_output <= 152 and num_attn_1_0_output <= 4:
        return 1
    elif 153 <= num_attn_1_3_output <= 166 and num_attn_1_0_output <= 5:
        return 1
    elif 167 <= num_attn_1_3_output <= 180 and num_attn_1_0_output <= 6:
        return 1
    elif 181 <= num_attn_1_3_output <= 194 and num_attn_1_0_output <= 7:
        return 1
    elif 195 <= num_attn_1_3_output <= 208 and num_attn_1_0_output <= 8:
        return 1
    elif 209 <= num_attn_1_3_output <= 220 and num_attn_1_0_output <= 9:
        return 1
    elif 221 <= num_attn_1_3_output <= 222 and 1 <= num_attn_1_0_output <= 9:
        return 1
    elif 223 <= num_attn_1_3_output <= 233 and 1 <= num_attn_1_0_output <= 10:
        return 1
    elif 234 <= num_attn_1_3_output <= 235 and 2 <= num_attn_1_0_output <= 10:
        return 1
    elif 236 <= num_attn_1_3_output <= 245 and 2 <= num_attn_1_0_output <= 11:
        return 1
    elif 246 <= num_attn_1_3_output <= 249 and 3 <= num_attn_1_0_output <= 11:
        return 1
    elif num_attn_1_3_output >= 250 and 3 <= num_attn_1_0_output <= 12:
        return 1
    elif num_attn_1_3_output == 0 and (num_attn_1_0_output == 0 or num_attn_1_0_output >= 153):
        return 2
    elif num_attn_1_3_output == 1 and num_attn_1_0_output >= 158:
        return 2
    elif num_attn_1_3_output == 2 and num_attn_1_0_output >= 164:
        return 2
    elif num_attn_1_3_output == 3 and num_attn_1_0_output >= 169:
        return 2
    elif num_attn_1_3_output == 4 and num_attn_1_0_output >= 177:
        return 2
    elif num_attn_1_3_output == 5 and num_attn_1_0_output >= 185:
        return 2
    elif num_attn_1_3_output == 6 and num_attn_1_0_output >= 189:
        return 2
    elif num_attn_1_3_output == 7 and num_attn_1_0_output >= 193:
        return 2
    elif num_attn_1_3_output == 8 and num_attn_1_0_output >= 197:
        return 2
    elif num_attn_1_3_output == 9 and num_attn_1_0_output >= 201:
        return 2
    elif num_attn_1_3_output == 10 and num_attn_1_0_output >= 206:
        return 2
    elif num_attn_1_3_output == 11 and num_attn_1_0_output >= 210:
        return 2
    elif num_attn_1_3_output == 12 and num_attn_1_0_output >= 214:
        return 2
    elif num_attn_1_3_output == 13 and num_attn_1_0_output >= 218:
        return 2
    elif num_attn_1_3_output == 14 and num_attn_1_0_output >= 222:
        return 2
    elif num_attn_1_3_output == 15 and num_attn_1_0_output >= 227:
        return 2
    elif num_attn_1_3_output == 16 and num_attn_1_0_output >= 231:
        return 2
    elif num_attn_1_3_output == 17 and num_attn_1_0_output >= 235:
        return 2
    elif num_attn_1_3_output == 18 and num_attn_1_0_output >= 239:
        return 2
    elif num_attn_1_3_output == 19 and num_attn_1_0_output >= 244:
        return 2
    elif num_attn_1_3_output == 20 and num_attn_1_0_output >= 248:
        return 2
    elif num_attn_1_3_output == 21 and num_attn_1_0_output >= 252:
        return 2
    elif num_attn_1_3_output == 22 and num_attn_1_0_output == 256:
        return 2
    elif 221 <= num_attn_1_3_output <= 233 and num_attn_1_0_output == 0:
        return 6
    elif 234 <= num_attn_1_3_output <= 245 and num_attn_1_0_output <= 1:
        return 6
    elif num_attn_1_3_output >= 246 and num_attn_1_0_output <= 2:
        return 6
    return 9


def predicate_2_0(token, position):
    if token in {'<s>'}:
        return position == 3
    return position == 2


def predicate_2_1(mlp_0_0_output, position):
    if mlp_0_0_output in {2}:
        return position == 3
    elif mlp_0_0_output in {11}:
        return position == 10
    return position == 1


def predicate_2_2(token, position):
    return position == 3


def predicate_2_3(token, attn_1_3_output):
    if token in {')'}:
        return attn_1_3_output == token
    return attn_1_3_output == ')'


def num_predicate_2_0(attn_0_1_output, mlp_1_0_output):
    return mlp_1_0_output == 3


def num_predicate_2_1(mlp_1_0_output, token):
    if mlp_1_0_output in {3}:
        return token == '('
    return False


def num_predicate_2_2(num_mlp_1_0_output, token):
    return token == '('


def num_predicate_2_3(attn_0_2_output, mlp_1_0_output):
    return mlp_1_0_output == 3


def mlp_2_0(attn_1_1_output, attn_1_0_output):
    key = (attn_1_1_output, attn_1_0_output)
    if key in {('(', '(')}:
        return 2
    elif key in {('<s>', '('), ('(', '<s>')}:
        return 15
    return 10


def num_mlp_2_0(num_attn_1_3_output, num_attn_1_0_output):
    if num_attn_1_3_output == 0 and 1 <= num_attn_1_0_output <= 12:
        return 0
    elif num_attn_1_3_output == 1 and num_attn_1_0_output <= 16:
        return 0
    elif 2 <= num_attn_1_3_output <= 6 and num_attn_1_0_output <= 19:
        return 0
    elif 7 <= num_attn_1_3_output <= 11 and num_attn_1_0_output <= 20:
        return 0
    elif 12 <= num_attn_1_3_output <= 17 and num_attn_1_0_output <= 21:
        return 0
    elif 18 <= num_attn_1_3_output <= 22 and num_attn_1_0_output <= 22:
        return 0
    elif 23 <= num_attn_1_3_output <= 26 and num_attn_1_0_output <= 23:
        return 0
    elif num_attn_1_3_output == 27 and 1 <= num_attn_1_0_output <= 23:
        return 0
    elif 28 <= num_attn_1_3_output <= 32 and 1 <= num_attn_1_0_output <= 24:
        return 0
    elif 33 <= num_attn_1_3_output <= 38 and 1 <= num_attn_1_0_output <= 25:
        return 0
    elif 39 <= num_attn_1_3_output <= 43 and 1 <= num_attn_1_0_output <= 26:
        return 0
    elif 44 <= num_attn_1_3_output <= 48 and 1 <= num_attn_1_0_output <= 27:
        return 0
    elif 49 <= num_attn_1_3_output <= 53 and 1 <= num_attn_1_0_output <= 28:
        return 0
    elif 54 <= num_attn_1_3_output <= 59 and 1 <= num_attn_1_0_output <= 29:
        return 0
    elif 60 <= num_attn_1_3_output <= 62 and 1 <= num_attn_1_0_output <= 30:
        return 0
    elif 63 <= num_attn_1_3_output <= 64 and 2 <= num_attn_1_0_output <= 30:
        return 0
    elif 65 <= num_attn_1_3_output <= 69 and 2 <= num_attn_1_0_output <= 31:
        return 0
    elif 70 <= num_attn_1_3_output <= 75 and 2 <= num_attn_1_0_output <= 32:
        return 0
    elif 76 <= num_attn_1_3_output <= 80 and 2 <= num_attn_1_0_output <= 33:
        return 0
    elif 81 <= num_attn_1_3_output <= 85 and 2 <= num_attn_1_0_output <= 34:
        return 0
    elif 86 <= num_attn_1_3_output <= 90 and 2 <= num_attn_1_0_output <= 35:
        return 0
    elif 91 <= num_attn_1_3_output <= 96 and 2 <= num_attn_1_0_output <= 36:
        return 0
    elif 97 <= num_attn_1_3_output <= 99 and 2 <= num_attn_1_0_output <= 37:
        return 0
    elif 100 <= num_attn_1_3_output <= 101 and 3 <= num_attn_1_0_output <= 37:
        return 0
    elif 102 <= num_attn_1_3_output <= 106 and 3 <= num_attn_1_0_output <= 38:
        return 0
    elif 107 <= num_attn_1_3_output <= 111 and 3 <= num_attn_1_0_output <= 39:
        return 0
    elif 112 <= num_attn_1_3_output <= 117 and 3 <= num_attn_1_0_output <= 40:
        return 0
    elif 118 <= num_attn_1_3_output <= 122 and 3 <= num_attn_1_0_output <= 41:
        return 0
    elif 123 <= num_attn_1_3_output <= 127 and 3 <= num_attn_1_0_output <= 42:
        return 0
    elif 128 <= num_attn_1_3_output <= 132 and 3 <= num_attn_1_0_output <= 43:
        return 0
    elif 133 <= num_attn_1_3_output <= 135 and 3 <= num_attn_1_0_output <= 44:
        return 0
    elif 136 <= num_attn_1_3_output <= 138 and 4 <= num_attn_1_0_output <= 44:
        return 0
    elif 139 <= num_attn_1_3_output <= 143 and 4 <= num_attn_1_0_output <= 45:
        return 0
    elif 144 <= num_attn_1_3_output <= 148 and 4 <= num_attn_1_0_output <= 46:
        return 0
    elif 149 <= num_attn_1_3_output <= 153 and 4 <= num_attn_1_0_output <= 47:
        return 0
    elif 154 <= num_attn_1_3_output <= 159 and 4 <= num_attn_1_0_output <= 48:
        return 0
    elif 160 <= num_attn_1_3_output <= 164 and 4 <= num_attn_1_0_output <= 49:
        return 0
    elif 165 <= num_attn_1_3_output <= 169 and 4 <= num_attn_1_0_output <= 50:
        return 0
    elif 170 <= num_attn_1_3_output <= 171 and 4 <= num_attn_1_0_output <= 51:
        return 0
    elif 172 <= num_attn_1_3_output <= 174 and 5 <= num_attn_1_0_output <= 51:
        return 0
    elif 175 <= num_attn_1_3_output <= 180 and 5 <= num_attn_1_0_output <= 52:
        return 0
    elif 181 <= num_attn_1_3_output <= 185 and 5 <= num_attn_1_0_output <= 53:
        return 0
    elif 186 <= num_attn_1_3_output <= 190 and 5 <= num_attn_1_0_output <= 54:
        return 0
    elif 191 <= num_attn_1_3_output <= 195 and 5 <= num_attn_1_0_output <= 55:
        return 0
    elif 196 <= num_attn_1_3_output <= 201 and 5 <= num_attn_1_0_output <= 56:
        return 0
    elif 202 <= num_attn_1_3_output <= 205 and 5 <= num_attn_1_0_output <= 57:
        return 0
    elif num_attn_1_3_output == 206 and 6 <= num_attn_1_0_output <= 57:
        return 0
    elif 207 <= num_attn_1_3_output <= 211 and 6 <= num_attn_1_0_output <= 58:
        return 0
    elif 212 <= num_attn_1_3_output <= 217 and 6 <= num_attn_1_0_output <= 59:
        return 0
    elif 218 <= num_attn_1_3_output <= 222 and 6 <= num_attn_1_0_output <= 60:
        return 0
    elif 223 <= num_attn_1_3_output <= 227 and 6 <= num_attn_1_0_output <= 61:
        return 0
    elif 228 <= num_attn_1_3_output <= 232 and 6 <= num_attn_1_0_output <= 62:
        return 0
    elif 233 <= num_attn_1_3_output <= 238 and 6 <= num_attn_1_0_output <= 63:
        return 0
    elif num_attn_1_3_output == 239 and 6 <= num_attn_1_0_output <= 64:
        return 0
    elif 240 <= num_attn_1_3_output <= 243 and 7 <= num_attn_1_0_output <= 64:
        return 0
    elif 244 <= num_attn_1_3_output <= 248 and 7 <= num_attn_1_0_output <= 65:
        return 0
    elif 249 <= num_attn_1_3_output <= 253 and 7 <= num_attn_1_0_output <= 66:
        return 0
    elif num_attn_1_3_output >= 254 and 7 <= num_attn_1_0_output <= 67:
        return 0
    elif 206 <= num_attn_1_3_output <= 223 and num_attn_1_0_output == 5:
        return 4
    elif 240 <= num_attn_1_3_output <= 241 and num_attn_1_0_output == 6:
        return 4
    elif num_attn_1_3_output == 0 and num_attn_1_0_output >= 29:
        return 5
    elif num_attn_1_3_output == 1 and num_attn_1_0_output >= 33:
        return 5
    elif num_attn_1_3_output == 2 and num_attn_1_0_output >= 38:
        return 5
    elif num_attn_1_3_output == 3 and num_attn_1_0_output >= 42:
        return 5
    elif num_attn_1_3_output == 4 and num_attn_1_0_output >= 46:
        return 5
    elif num_attn_1_3_output == 5 and num_attn_1_0_output >= 51:
        return 5
    elif num_attn_1_3_output == 6 and num_attn_1_0_output >= 55:
        return 5
    elif num_attn_1_3_output == 7 and num_attn_1_0_output >= 60:
        return 5
    elif num_attn_1_3_output == 8 and num_attn_1_0_output >= 64:
        return 5
    elif num_attn_1_3_output == 9 and num_attn_1_0_output >= 69:
        return 5
    elif num_attn_1_3_output == 10 and num_attn_1_0_output >= 73:
        return 5
    elif num_attn_1_3_output == 11 and num_attn_1_0_output >= 78:
        return 5
    elif num_attn_1_3_output == 12 and num_attn_1_0_output >= 82:
        return 5
    elif num_attn_1_3_output == 13 and num_attn_1_0_output >= 87:
        return 5
    elif num_attn_1_3_output == 14 and num_attn_1_0_output >= 91:
        return 5
    elif num_attn_1_3_output == 15 and num_attn_1_0_output >= 96:
        return 5
    elif num_attn_1_3_output == 16 and num_attn_1_0_output >= 100:
        return 5
    elif num_attn_1_3_output == 17 and num_attn_1_0_output >= 105:
        return 5
    elif num_attn_1_3_output == 18 and num_attn_1_0_output >= 109:
        return 5
    elif num_attn_1_3_output == 19 and num_attn_1_0_output >= 114:
        return 5
    elif num_attn_1_3_output == 20 and num_attn_1_0_output >= 118:
        return 5
    elif num_attn_1_3_output == 21 and num_attn_1_0_output >= 123:
        return 5
    elif num_attn_1_3_output == 22 and num_attn_1_0_output >= 127:
        return 5
    elif num_attn_1_3_output == 23 and num_attn_1_0_output >= 132:
        return 5
    elif num_attn_1_3_output == 24 and num_attn_1_0_output >= 136:
        return 5
    elif num_attn_1_3_output == 25 and num_attn_1_0_output >= 141:
        return 5
    elif num_attn_1_3_output == 26 and num_attn_1_0_output >= 145:
        return 5
    elif num_attn_1_3_output == 27 and num_attn_1_0_output >= 150:
        return 5
    elif num_attn_1_3_output == 28 and num_attn_1_0_output >= 154:
        return 5
    elif num_attn_1_3_output == 29 and num_attn_1_0_output >= 159:
        return 5
    elif num_attn_1_3_output == 30 and num_attn_1_0_output >= 163:
        return 5
    elif num_attn_1_3_output == 31 and num_attn_1_0_output >= 168:
        return 5
    elif num_attn_1_3_output == 32 and num_attn_1_0_output >= 172:
        return 5
    elif num_attn_1_3_output == 33 and num_attn_1_0_output >= 177:
        return 5
    elif num_attn_1_3_output == 34 and num_attn_1_0_output >= 181:
        return 5
    elif num_attn_1_3_output == 35 and num_attn_1_0_output >= 186:
        return 5
    elif num_attn_1_3_output == 36 and num_attn_1_0_output >= 190:
        return 5
    elif num_attn_1_3_output == 37 and num_attn_1_0_output >= 195:
        return 5
    elif num_attn_1_3_output == 38 and num_attn_1_0_output >= 199:
        return 5
    elif num_attn_1_3_output == 39 and num_attn_1_0_output >= 204:
        return 5
    elif num_attn_1_3_output == 40 and num_attn_1_0_output >= 208:
        return 5
    elif num_attn_1_3_output == 41 and num_attn_1_0_output >= 213:
        return 5
    elif num_attn_1_3_output == 42 and num_attn_1_0_output >= 217:
        return 5
    elif num_attn_1_3_output == 43 and num_attn_1_0_output >= 222:
        return 5
    elif num_attn_1_3_output == 44 and num_attn_1_0_output >= 226:
        return 5
    elif num_attn_1_3_output == 45 and num_attn_1_0_output >= 231:
        return 5
    elif num_attn_1_3_output == 46 and num_attn_1_0_output >= 235:
        return 5
    elif num_attn_1_3_output == 47 and num_attn_1_0_output >= 240:
        return 5
    elif num_attn_1_3_output == 48 and num_attn_1_0_output >= 244:
        return 5
    elif num_attn_1_3_output == 49 and num_attn_1_0_output >= 249:
        return 5
    elif num_attn_1_3_output == 50 and num_attn_1_0_output >= 253:
        return 5
    elif 140 <= num_attn_1_3_output <= 156 and num_attn_1_0_output == 0:
        return 7
    elif 157 <= num_attn_1_3_output <= 173 and num_attn_1_0_output <= 1:
        return 7
    elif 174 <= num_attn_1_3_output <= 189 and num_attn_1_0_output <= 2:
        return 7
    elif 190 <= num_attn_1_3_output <= 206 and num_attn_1_0_output <= 3:
        return 7
    elif 207 <= num_attn_1_3_output <= 223 and num_attn_1_0_output <= 4:
        return 7
    elif 224 <= num_attn_1_3_output <= 241 and num_attn_1_0_output <= 5:
        return 7
    elif num_attn_1_3_output >= 242 and num_attn_1_0_output <= 6:
        return 7
    elif num_attn_1_3_output == 0 and num_attn_1_0_output == 0:
        return 9
    return 15


def run(tokens):
    check_tokens(tokens)
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
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_1_outputs, attn_0_0_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(*xs) for xs in zip(num_attn_0_2_outputs, num_attn_0_0_outputs)]
    # layer 1
    attn_1_0_selected = select_closest(positions, mlp_0_0_outputs, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, tokens)
    attn_1_1_selected = select_closest(positions, mlp_0_0_outputs, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, tokens)
    attn_1_2_selected = select_closest(positions, mlp_0_0_outputs, predicate_1_2)
    attn_1_2_outputs = aggregate(attn_1_2_selected, tokens)
    attn_1_3_selected = select_closest(positions, mlp_0_0_outputs, predicate_1_3)
    attn_1_3_outputs = aggregate(attn_1_3_selected, tokens)
    num_attn_1_0_selection = select(mlp_0_0_outputs, attn_0_3_outputs, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_2_outputs)
    num_attn_1_1_selection = select(tokens, positions, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, num_attn_0_0_outputs)
    num_attn_1_2_selection = select(tokens, tokens, num_predicate_1_2)
    num_attn_1_2_outputs = aggregate_sum(num_attn_1_2_selection, num_attn_0_3_outputs)
    num_attn_1_3_selection = select(attn_0_0_outputs, num_mlp_0_0_outputs, num_predicate_1_3)
    num_attn_1_3_outputs = aggregate_sum(num_attn_1_3_selection, num_attn_0_2_outputs)
    mlp_1_0_outputs = [mlp_1_0(*xs) for xs in zip(attn_1_3_outputs, attn_1_0_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(*xs) for xs in zip(num_attn_1_3_outputs, num_attn_1_0_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(positions, tokens, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, attn_1_2_outputs)
    attn_2_1_selected = select_closest(positions, mlp_0_0_outputs, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, tokens)
    attn_2_2_selected = select_closest(positions, tokens, predicate_2_2)
    attn_2_2_outputs = aggregate(attn_2_2_selected, attn_0_0_outputs)
    attn_2_3_selected = select_closest(attn_1_3_outputs, tokens, predicate_2_3)
    attn_2_3_outputs = aggregate(attn_2_3_selected, attn_1_2_outputs)
    num_attn_2_0_selection = select(mlp_1_0_outputs, attn_0_1_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, num_attn_0_2_outputs)
    num_attn_2_1_selection = select(tokens, mlp_1_0_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_0_1_outputs)
    num_attn_2_2_selection = select(tokens, num_mlp_1_0_outputs, num_predicate_2_2)
    num_attn_2_2_outputs = aggregate_sum(num_attn_2_2_selection, num_attn_0_3_outputs)
    num_attn_2_3_selection = select(mlp_1_0_outputs, attn_0_2_outputs, num_predicate_2_3)
    num_attn_2_3_outputs = aggregate_sum(num_attn_2_3_selection, num_attn_0_0_outputs)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_1_1_outputs, attn_1_0_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_1_3_outputs, num_attn_1_0_outputs)]
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
