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
        return position == 2
    return position == 1


def predicate_0_1(query_position, key_position):
    if query_position in {0}:
        return key_position == 15
    elif query_position in {1, 14, 15}:
        return key_position == query_position
    elif query_position in {2, 3}:
        return key_position == 1
    elif query_position in {10, 12, 13}:
        return key_position == 4
    return key_position == 3


def num_predicate_0_0(query_position, key_position):
    if query_position in {0, 3}:
        return key_position == 6
    elif query_position in {1}:
        return key_position == query_position
    elif query_position in {2}:
        return key_position == 12
    elif query_position in {6, 14}:
        return key_position == 15
    elif query_position in {7, 9}:
        return key_position == 5
    elif query_position in {8}:
        return key_position == 10
    elif query_position in {10}:
        return key_position == 11
    elif query_position in {11}:
        return key_position == 7
    elif query_position in {12, 15}:
        return key_position == 14
    return key_position == 1


def num_predicate_0_1(query_token, key_token):
    if query_token in {'<s>', '}'}:
        return key_token == '{'
    elif query_token in {')'}:
        return key_token == '('
    return False


def mlp_0_0(attn_0_1_output, position):
    key = (attn_0_1_output, position)
    if key in {
        ('<s>', 8), ('<s>', 15), ('(', 5), ('(', 6), ('(', 7), ('(', 8), ('(', 9), ('(', 11), ('(', 14),
        ('(', 15), ('{', 3), ('{', 5), ('{', 6), ('{', 7), ('{', 8), ('{', 9), ('{', 11), ('{', 14),
        ('{', 15),
    }:
        return 0
    elif key in {
        ('<s>', 2), ('<s>', 4), ('<s>', 6), ('<s>', 12), ('(', 10), ('(', 12), ('{', 10), ('{', 12),
    }:
        return 3
    elif key in {('(', 3)}:
        return 6
    elif key in {('(', 0), ('(', 1), ('(', 2), ('(', 4), ('{', 0), ('{', 1), ('{', 2), ('{', 4)}:
        return 8
    elif key in {('<s>', 0), ('<s>', 1), ('<s>', 3), ('<s>', 5), ('<s>', 9), ('<s>', 10), ('<s>', 14)}:
        return 13
    return 9


def mlp_0_1(attn_0_0_output, attn_0_1_output):
    key = (attn_0_0_output, attn_0_1_output)
    if key in {
        ('<s>', '('), ('<s>', '{'), ('(', '<s>'), ('(', '('), ('(', '{'), ('{', '<s>'), ('{', '('),
        ('{', '{'),
    }:
        return 2
    elif key in {('<s>', '<s>')}:
        return 4
    elif key in {('{', '}'), ('}', '{')}:
        return 11
    elif key in {('(', ')'), (')', '(')}:
        return 12
    elif key in {(')', '{'), ('{', ')')}:
        return 14
    return 5


def num_mlp_0_0(num_attn_0_0_output, num_attn_0_1_output):
    key = (num_attn_0_0_output, num_attn_0_1_output)
    if key in {(0, 0), (0, 1), (1, 0), (2, 0)}:
        return 10
    return 9


def num_mlp_0_1(num_attn_0_1_output):
    if num_attn_0_1_output in {0}:
        return 15
    return 6


def predicate_1_0(query_position, key_position):
    if query_position in {1}:
        return key_position == query_position
    elif query_position in {4}:
        return key_position == 3
    elif query_position in {6, 12, 14}:
        return key_position == 5
    elif query_position in {10}:
        return key_position == 9
    return key_position == 1


def predicate_1_1(attn_0_0_output, token):
    if attn_0_0_output in {'<s>', '('}:
        return token == '}'
    elif attn_0_0_output in {'{'}:
        return token == ')'
    return token == attn_0_0_output


def num_predicate_1_0(query_token, key_token):
    if query_token in {')'}:
        return key_token == '{'
    elif query_token in {'{', '}'}:
        return key_token == '('
    return False


def num_predicate_1_1(attn_0_0_output, attn_0_1_output):
    if attn_0_0_output in {')'}:
        return attn_0_1_output == attn_0_0_output
    return attn_0_1_output == ')'


def mlp_1_0(attn_1_0_output):
    if attn_1_0_output in {'}'}:
        return 6
    elif attn_1_0_output in {')'}:
        return 10
    return 9


def mlp_1_1(attn_1_0_output, attn_0_0_output):
    key = (attn_1_0_output, attn_0_0_output)
    if key in {(')', '('), (')', '{')}:
        return 7
    elif key in {('}', '{')}:
        return 12
    elif key in {
        ('<s>', '<s>'), ('<s>', ')'), ('<s>', '}'), (')', '<s>'), (')', ')'), (')', '}'), ('}', '<s>'),
        ('}', ')'), ('}', '}'),
    }:
        return 15
    return 8


def num_mlp_1_0(num_attn_1_0_output, num_attn_1_1_output):
    key = (num_attn_1_0_output, num_attn_1_1_output)
    if key in {(0, 0)}:
        return 4
    elif key in {
        (152, 16), (153, 15), (153, 16), (154, 14), (154, 15), (154, 16), (155, 13), (155, 14), (155, 15),
        (155, 16), (156, 12), (156, 13), (156, 14), (156, 15), (156, 16), (157, 11), (157, 12), (157, 13),
        (157, 14), (157, 15), (157, 16), (158, 10), (158, 11), (158, 12), (158, 13), (158, 14), (158, 15),
        (158, 16), (159, 9), (159, 10), (159, 11), (159, 12), (159, 13), (159, 14), (159, 15), (159, 16),
        (160, 9), (160, 10), (160, 11), (160, 12), (160, 13), (160, 14), (160, 15), (160, 16), (161, 5),
        (161, 8), (161, 9), (161, 10), (161, 11), (161, 12), (161, 13), (161, 14), (161, 15), (161, 16),
        (162, 5), (162, 6), (162, 7), (162, 8), (162, 9), (162, 10), (162, 11), (162, 12), (162, 13),
        (162, 14), (162, 15), (162, 16), (163, 5), (163, 6), (163, 7), (163, 8), (163, 9), (163, 10),
        (163, 11), (163, 12), (163, 13), (163, 14), (163, 15), (163, 16), (164, 5), (164, 6), (164, 7),
        (164, 8), (164, 9), (164, 10), (164, 11), (164, 12), (164, 13), (164, 14), (164, 15), (164, 16),
        (165, 5), (165, 6), (165, 7), (165, 8), (165, 9), (165, 10), (165, 11), (165, 12), (165, 13),
        (165, 14), (165, 15), (165, 16), (166, 5), (166, 6), (166, 7), (166, 8), (166, 9), (166, 10),
        (166, 11), (166, 12), (166, 13), (166, 14), (166, 15), (166, 16), (167, 5), (167, 6), (167, 7),
        (167, 8), (167, 9), (167, 10), (167, 11), (167, 12), (167, 13), (167, 14), (167, 15), (167, 16),
        (168, 5), (168, 6), (168, 7), (168, 8), (168, 9), (168, 10), (168, 11), (168, 12), (168, 13),
        (168, 14), (168, 15), (168, 16), (169, 5), (169, 6), (169, 7), (169, 8), (169, 9), (169, 10),
        (169, 11), (169, 12), (169, 13), (169, 14), (169, 15), (169, 16), (170, 5), (170, 6), (170, 7),
        (170, 8), (170, 9), (170, 10), (170, 11), (170, 12), (170, 13), (170, 14), (170, 15), (170, 16),
        (171, 6), (171, 7), (171, 8), (171, 9), (171, 10), (171, 11), (171, 12), (171, 13), (171, 14),
        (171, 15), (171, 16), (172, 6), (172, 7), (172, 8), (172, 9), (172, 10), (172, 11), (172, 12),
        (172, 13), (172, 14), (172, 15), (172, 16), (173, 6), (173, 7), (173, 8), (173, 9), (173, 10),
        (173, 11), (173, 12), (173, 13), (173, 14), (173, 15), (173, 16), (174, 6), (174, 7), (174, 8),
        (174, 9), (174, 10), (174, 11), (174, 12), (174, 13), (174, 14), (174, 15), (174, 16), (175, 6),
        (175, 7), (175, 8), (175, 9), (175, 10), (175, 11), (175, 12), (175, 13), (175, 14), (175, 15),
        (175, 16), (176, 6), (176, 7), (176, 8), (176, 9), (176, 10), (176, 11), (176, 12), (176, 13),
        (176, 14), (176, 15), (176, 16), (177, 6), (177, 7), (177, 8), (177, 9), (177, 10), (177, 11),
        (177, 12), (177, 13), (177, 14), (177, 15), (177, 16), (178, 6), (178, 7), (178, 8), (178, 9),
        (178, 10), (178, 11), (178, 12), (178, 13), (178, 14), (178, 15), (178, 16), (179, 6), (179, 7),
        (179, 8), (179, 9), (179, 10), (179, 11), (179, 12), (179, 13), (179, 14), (179, 15), (179, 16),
        (180, 6), (180, 7), (180, 8), (180, 9), (180, 10), (180, 11), (180, 12), (180, 13), (180, 14),
        (180, 15), (180, 16), (181, 6), (181, 7), (181, 8), (181, 9), (181, 10), (181, 11), (181, 12),
        (181, 13), (181, 14), (181, 15), (181, 16), (182, 6), (182, 7), (182, 8), (182, 9), (182, 10),
        (182, 11), (182, 12), (182, 13), (182, 14), (182, 15), (182, 16), (183, 6), (183, 7), (183, 8),
        (183, 9), (183, 10), (183, 11), (183, 12), (183, 13), (183, 14), (183, 15), (183, 16), (184, 6),
        (184, 7), (184, 8), (184, 9), (184, 10), (184, 11), (184, 12), (184, 13), (184, 14), (184, 15),
        (184, 16), (185, 6), (185, 7), (185, 8), (185, 9), (185, 10), (185, 11), (185, 12), (185, 13),
        (185, 14), (185, 15), (185, 16), (186, 6), (186, 7), (186, 8), (186, 9), (186, 10), (186, 11),
        (186, 12), (186, 13), (186, 14), (186, 15), (186, 16), (187, 6), (187, 7), (187, 8), (187, 9),
        (187, 10), (187, 11), (187, 12), (187, 13), (187, 14), (187, 15), (187, 16), (188, 6), (188, 7),
        (188, 8), (188, 9), (188, 10), (188, 11), (188, 12), (188, 13), (188, 14), (188, 15), (188, 16),
        (189, 6), (189, 7), (189, 8), (189, 9), (189, 10), (189, 11), (189, 12), (189, 13), (189, 14),
        (189, 15), (189, 16), (190, 6), (190, 7), (190, 8), (190, 9), (190, 10), (190, 11), (190, 12),
        (190, 13), (190, 14), (190, 15), (190, 16), (191, 6), (191, 7), (191, 8), (191, 9), (191, 10),
        (191, 11), (191, 12), (191, 13), (191, 14), (191, 15), (191, 16), (192, 6), (192, 7), (192, 8),
        (192, 9), (192, 10), (192, 11), (192, 12), (192, 13), (192, 14), (192, 15), (192, 16), (193, 6),
        (193, 7), (193, 8), (193, 9), (193, 10), (193, 11), (193, 12), (193, 13), (193, 14), (193, 15),
        (193, 16), (194, 6), (194, 7), (194, 8), (194, 9), (194, 10), (194, 11), (194, 12), (194, 13),
        (194, 14), (194, 15), (194, 16), (195, 6), (195, 7), (195, 8), (195, 9), (195, 10), (195, 11),
        (195, 12), (195, 13), (195, 14), (195, 15), (195, 16), (196, 6), (196, 7), (196, 8), (196, 9),
        (196, 10), (196, 11), (196, 12), (196, 13), (196, 14), (196, 15), (196, 16), (197, 6), (197, 7),
        (197, 8), (197, 9), (197, 10), (197, 11), (197, 12), (197, 13), (197, 14), (197, 15), (197, 16),
        (198, 6), (198, 7), (198, 8), (198, 9), (198, 10), (198, 11), (198, 12), (198, 13), (198, 14),
        (198, 15), (198, 16), (199, 6), (199, 7), (199, 8), (199, 9), (199, 10), (199, 11), (199, 12),
        (199, 13), (199, 14), (199, 15), (199, 16), (200, 6), (200, 7), (200, 8), (200, 9), (200, 10),
        (200, 11), (200, 12), (200, 13), (200, 14), (200, 15), (200, 16), (201, 6), (201, 7), (201, 8),
        (201, 9), (201, 10), (201, 11), (201, 12), (201, 13), (201, 14), (201, 15), (201, 16), (202, 7),
        (202, 8), (202, 9), (202, 10), (202, 11), (202, 12), (202, 13), (202, 14), (202, 15), (202, 16),
        (203, 7), (203, 8), (203, 9), (203, 10), (203, 11), (203, 12), (203, 13), (203, 14), (203, 15),
        (203, 16), (204, 7), (204, 8), (204, 9), (204, 10), (204, 11), (204, 12), (204, 13), (204, 14),
        (204, 15), (204, 16), (205, 7), (205, 8), (205, 9), (205, 10), (205, 11), (205, 12), (205, 13),
        (205, 14), (205, 15), (205, 16), (206, 7), (206, 8), (206, 9), (206, 10), (206, 11), (206, 12),
        (206, 13), (206, 14), (206, 15), (206, 16), (207, 7), (207, 8), (207, 9), (207, 10), (207, 11),
        (207, 12), (207, 13), (207, 14), (207, 15), (207, 16), (208, 7), (208, 8), (208, 9), (208, 10),
        (208, 11), (208, 12), (208, 13), (208, 14), (208, 15), (208, 16), (209, 7), (209, 8), (209, 9),
        (209, 10), (209, 11), (209, 12), (209, 13), (209, 14), (209, 15), (209, 16), (210, 7), (210, 8),
        (210, 9), (210, 10), (210, 11), (210, 12), (210, 13), (210, 14), (210, 15), (210, 16), (211, 7),
        (211, 8), (211, 9), (211, 10), (211, 11), (211, 12), (211, 13), (211, 14), (211, 15), (211, 16),
        (212, 7), (212, 8), (212, 9), (212, 10), (212, 11), (212, 12), (212, 13), (212, 14), (212, 15),
        (212, 16), (213, 7), (213, 8), (213, 9), (213, 10), (213, 11), (213, 12), (213, 13), (213, 14),
        (213, 15), (213, 16), (214, 7), (214, 8), (214, 9), (214, 10), (214, 11), (214, 12), (214, 13),
        (214, 14), (214, 15), (214, 16), (215, 7), (215, 8), (215, 9), (215, 10), (215, 11), (215, 12),
        (215, 13), (215, 14), (215, 15), (215, 16), (216, 7), (216, 8), (216, 9), (216, 10), (216, 11),
        (216, 12), (216, 13), (216, 14), (216, 15), (216, 16), (217, 7), (217, 8), (217, 9), (217, 10),
        (217, 11), (217, 12), (217, 13), (217, 14), (217, 15), (217, 16), (218, 7), (218, 8), (218, 9),
        (218, 10), (218, 11), (218, 12), (218, 13), (218, 14), (218, 15), (218, 16), (219, 7), (219, 8),
        (219, 9), (219, 10), (219, 11), (219, 12), (219, 13), (219, 14), (219, 15), (219, 16), (220, 7),
        (220, 8), (220, 9), (220, 10), (220, 11), (220, 12), (220, 13), (220, 14), (220, 15), (220, 16),
        (221, 7), (221, 8), (221, 9), (221, 10), (221, 11), (221, 12), (221, 13), (221, 14), (221, 15),
        (221, 16), (222, 7), (222, 8), (222, 9), (222, 10), (222, 11), (222, 12), (222, 13), (222, 14),
        (222, 15), (222, 16), (223, 7), (223, 8), (223, 9), (223, 10), (223, 11), (223, 12), (223, 13),
        (223, 14), (223, 15), (223, 16), (224, 7), (224, 8), (224, 9), (224, 10), (224, 11), (224, 12),
        (224, 13), (224, 14), (224, 15), (224, 16), (225, 7), (225, 8), (225, 9), (225, 10), (225, 11),
        (225, 12), (225, 13), (225, 14), (225, 15), (225, 16), (226, 7), (226, 8), (226, 9), (226, 10),
        (226, 11), (226, 12), (226, 13), (226, 14), (226, 15), (226, 16), (227, 7), (227, 8), (227, 9),
        (227, 10), (227, 11), (227, 12), (227, 13), (227, 14), (227, 15), (227, 16), (228, 7), (228, 8),
        (228, 9), (228, 10), (228, 11), (228, 12), (228, 13), (228, 14), (228, 15), (228, 16), (229, 7),
        (229, 8), (229, 9), (229, 10), (229, 11), (229, 12), (229, 13), (229, 14), (229, 15), (229, 16),
        (230, 7), (230, 8), (230, 9), (230, 10), (230, 11), (230, 12), (230, 13), (230, 14), (230, 15),
        (230, 16), (231, 8), (231, 9), (231, 10), (231, 11), (231, 12), (231, 13), (231, 14), (231, 15),
        (231, 16), (232, 8), (232, 9), (232, 10), (232, 11), (232, 12), (232, 13), (232, 14), (232, 15),
        (232, 16), (233, 8), (233, 9), (233, 10), (233, 11), (233, 12), (233, 13), (233, 14), (233, 15),
        (233, 16), (234, 8), (234, 9), (234, 10), (234, 11), (234, 12), (234, 13), (234, 14), (234, 15),
        (234, 16), (235, 8), (235, 9), (235, 10), (235, 11), (235, 12), (235, 13), (235, 14), (235, 15),
        (235, 16), (236, 8), (236, 9), (236, 10), (236, 11), (236, 12), (236, 13), (236, 14), (236, 15),
        (236, 16), (237, 8), (237, 9), (237, 10), (237, 11), (237, 12), (237, 13), (237, 14), (237, 15),
        (237, 16), (238, 8), (238, 9), (238, 10), (238, 11), (238, 12), (238, 13), (238, 14), (238, 15),
        (238, 16), (239, 8), (239, 9), (239, 10), (239, 11), (239, 12), (239, 13), (239, 14), (239, 15),
        (239, 16), (240, 8), (240, 9), (240, 10), (240, 11), (240, 12), (240, 13), (240, 14), (240, 15),
        (240, 16), (241, 8), (241, 9), (241, 10), (241, 11), (241, 12), (241, 13), (241, 14), (241, 15),
        (241, 16), (242, 8), (242, 9), (242, 10), (242, 11), (242, 12), (242, 13), (242, 14), (242, 15),
        (242, 16), (243, 8), (243, 9), (243, 10), (243, 11), (243, 12), (243, 13), (243, 14), (243, 15),
        (243, 16), (244, 8), (244, 9), (244, 10), (244, 11), (244, 12), (244, 13), (244, 14), (244, 15),
        (244, 16), (245, 8), (245, 9), (245, 10), (245, 11), (245, 12), (245, 13), (245, 14), (245, 15),
        (245, 16), (246, 8), (246, 9), (246, 10), (246, 11), (246, 12), (246, 13), (246, 14), (246, 15),
        (246, 16), (247, 8), (247, 9), (247, 10), (247, 11), (247, 12), (247, 13), (247, 14), (247, 15),
        (247, 16), (248, 8), (248, 9), (248, 10), (248, 11), (248, 12), (248, 13), (248, 14), (248, 15),
        (248, 16), (249, 8), (249, 9), (249, 10), (249, 11), (249, 12), (249, 13), (249, 14), (249, 15),
        (249, 16), (250, 8), (250, 9), (250, 10), (250, 11), (250, 12), (250, 13), (250, 14), (250, 15),
        (250, 16), (251, 8), (251, 9), (251, 10), (251, 11), (251, 12), (251, 13), (251, 14), (251, 15),
        (251, 16), (252, 8), (252, 9), (252, 10), (252, 11), (252, 12), (252, 13), (252, 14), (252, 15),
        (252, 16), (253, 8), (253, 9), (253, 10), (253, 11), (253, 12), (253, 13), (253, 14), (253, 15),
        (253, 16), (254, 8), (254, 9), (254, 10), (254, 11), (254, 12), (254, 13), (254, 14), (254, 15),
        (254, 16), (255, 8), (255, 9), (255, 10), (255, 11), (255, 12), (255, 13), (255, 14), (255, 15),
        (255, 16), (256, 8), (256, 9), (256, 10), (256, 11), (256, 12), (256, 13), (256, 14), (256, 15),
        (256, 16),
    }:
        return 10
    elif key in {(231, 7), (232, 7)}:
        return 12
    return 14


def num_mlp_1_1(num_attn_1_1_output, num_attn_0_1_output):
    key = (num_attn_1_1_output, num_attn_0_1_output)
    if key in {(0, 0)}:
        return 10
    return 4


def predicate_2_0(attn_1_0_output, position):
    return position == 2


def predicate_2_1(attn_1_0_output, position):
    if attn_1_0_output in {'(', '{'}:
        return position == 3
    return position == 1


def num_predicate_2_0(query_attn_0_1_output, key_attn_0_1_output):
    return False


def num_predicate_2_1(attn_1_0_output, mlp_0_1_output):
    if attn_1_0_output in {'{'}:
        return mlp_0_1_output == 11
    return mlp_0_1_output == 5


def mlp_2_0(attn_2_1_output, token):
    key = (attn_2_1_output, token)
    if key in {
        ('<s>', '<s>'), ('<s>', ')'), ('<s>', '}'), ('(', ')'), (')', '<s>'), (')', ')'), ('{', '}'),
        ('}', ')'),
    }:
        return 13
    return 9


def mlp_2_1(attn_0_1_output, attn_1_0_output):
    return 5


def num_mlp_2_0(num_attn_2_1_output, num_attn_1_1_output):
    key = (num_attn_2_1_output, num_attn_1_1_output)
    if key in {
        (0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (0, 7), (0, 8), (0, 9), (0, 10), (0, 11),
        (0, 12), (0, 13), (0, 14), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (1, 10), (1, 11),
        (1, 12), (1, 13), (1, 14), (1, 15), (1, 16), (2, 9), (2, 10), (2, 11), (2, 12), (2, 13), (2, 14),
        (2, 15), (2, 16), (3, 13), (3, 14), (3, 15),
    }:
        return 7
    elif key in {(0, 15), (0, 16), (1, 3), (2, 8), (3, 12), (3, 16)}:
        return 14
    return 10


def num_mlp_2_1(num_attn_1_1_output, num_attn_0_1_output):
    return 5


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
    mlp_0_0_outputs = [mlp_0_0(*xs) for xs in zip(attn_0_1_outputs, positions)]
    mlp_0_1_outputs = [mlp_0_1(*xs) for xs in zip(attn_0_0_outputs, attn_0_1_outputs)]
    num_mlp_0_0_outputs = [num_mlp_0_0(*xs) for xs in zip(num_attn_0_0_outputs, num_attn_0_1_outputs)]
    num_mlp_0_1_outputs = [num_mlp_0_1(x) for x in num_attn_0_1_outputs]
    # layer 1
    attn_1_0_selected = select_closest(positions, positions, predicate_1_0)
    attn_1_0_outputs = aggregate(attn_1_0_selected, attn_0_0_outputs)
    attn_1_1_selected = select_closest(tokens, attn_0_0_outputs, predicate_1_1)
    attn_1_1_outputs = aggregate(attn_1_1_selected, mlp_0_1_outputs)
    num_attn_1_0_selection = select(tokens, tokens, num_predicate_1_0)
    num_attn_1_0_outputs = aggregate_sum(num_attn_1_0_selection, num_attn_0_0_outputs)
    num_attn_1_1_selection = select(attn_0_1_outputs, attn_0_0_outputs, num_predicate_1_1)
    num_attn_1_1_outputs = aggregate_sum(num_attn_1_1_selection, ones)
    mlp_1_0_outputs = [mlp_1_0(x) for x in attn_1_0_outputs]
    mlp_1_1_outputs = [mlp_1_1(*xs) for xs in zip(attn_1_0_outputs, attn_0_0_outputs)]
    num_mlp_1_0_outputs = [num_mlp_1_0(*xs) for xs in zip(num_attn_1_0_outputs, num_attn_1_1_outputs)]
    num_mlp_1_1_outputs = [num_mlp_1_1(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_0_1_outputs)]
    # layer 2
    attn_2_0_selected = select_closest(positions, attn_1_0_outputs, predicate_2_0)
    attn_2_0_outputs = aggregate(attn_2_0_selected, mlp_0_1_outputs)
    attn_2_1_selected = select_closest(positions, attn_1_0_outputs, predicate_2_1)
    attn_2_1_outputs = aggregate(attn_2_1_selected, attn_0_0_outputs)
    num_attn_2_0_selection = select(attn_0_1_outputs, attn_0_1_outputs, num_predicate_2_0)
    num_attn_2_0_outputs = aggregate_sum(num_attn_2_0_selection, num_attn_1_0_outputs)
    num_attn_2_1_selection = select(mlp_0_1_outputs, attn_1_0_outputs, num_predicate_2_1)
    num_attn_2_1_outputs = aggregate_sum(num_attn_2_1_selection, num_attn_0_0_outputs)
    mlp_2_0_outputs = [mlp_2_0(*xs) for xs in zip(attn_2_1_outputs, tokens)]
    mlp_2_1_outputs = [mlp_2_1(*xs) for xs in zip(attn_0_1_outputs, attn_1_0_outputs)]
    num_mlp_2_0_outputs = [num_mlp_2_0(*xs) for xs in zip(num_attn_2_1_outputs, num_attn_1_1_outputs)]
    num_mlp_2_1_outputs = [num_mlp_2_1(*xs) for xs in zip(num_attn_1_1_outputs, num_attn_0_1_outputs)]
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
