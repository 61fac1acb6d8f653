"""Every written form of a value p06 accepts or rejects; the table documents the number rules."""

import random

import pyarrow as pa
import pytest

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.numbers import parse_number, parse_number_column

# (cell as sent, indicator unit, value read or the rejection's rule)
NUMBER_CASES = [
    ("1224975", "count", 1224975.0),
    ("1.224.975", "count", 1224975.0),
    ("1,224,975", "count", 1224975.0),
    ("1 224 975", "count", 1224975.0),
    ("1\u00a0224\u00a0975", "count", 1224975.0),
    ("1.224", "count", 1224.0),
    ("1,224", "count", 1224.0),
    ("  42 ", "count", 42.0),
    ("0", "count", 0.0),
    ("12,0", "count", 12.0),
    ("96,30", "percent", 96.3),
    ("96.30", "percent", 96.3),
    ("96,30%", "percent", 96.3),
    ("96,30 %", "percent", 96.3),
    ("100%", "percent", 100.0),
    ("0,5", "percent", 0.5),
    ("7.5", "score", 7.5),
    ("1.224.975,50", "score", 1224975.5),
    ("1,224,975.50", "score", 1224975.5),
    ("1234.5678", "score", 1234.5678),
    ("-3,5", "score", -3.5),
    ("1.224", "percent", "value_ambiguous"),
    ("1,224", "score", "value_ambiguous"),
    ("96,3", "count", "count_not_whole"),
    ("0.500", "count", "count_not_whole"),
    ("-5", "count", "count_negative"),
    ("-1.224.975", "count", "count_negative"),
    ("abc", "count", "number_invalid"),
    ("1.22.975", "count", "number_invalid"),
    ("1,224.975,5", "count", "number_invalid"),
    ("12a", "percent", "number_invalid"),
    ("5%", "count", "number_invalid"),
    ("1e5", "count", "number_invalid"),
    ("--5", "count", "number_invalid"),
    ("%", "percent", "number_invalid"),
    ("", "count", "value_missing"),
    ("   ", "percent", "value_missing"),
    (None, "count", "value_missing"),
    ("9007199254740991", "count", 9007199254740991.0),  # 2^53 - 1: the largest held exactly
    ("9007199254740993", "count", "number_out_of_range"),  # would read as 2^53
    ("9.007.199.254.740.992", "count", "number_out_of_range"),
    ("1" * 400, "count", "number_out_of_range"),  # float("1" * 400) is Infinity
    ("-" + "9" * 20, "score", "number_out_of_range"),
    ("0," + "0" * 400 + "1", "percent", "number_out_of_range"),
]
# spreadsheet and JSON cells arrive as numbers already
CELL_CASES = [
    (1224975.0, "count", 1224975.0),
    (96.3, "percent", 96.3),
    (12, "count", 12.0),
    (2.5, "count", "count_not_whole"),
    (-1, "count", "count_negative"),
    (float("nan"), "count", "number_invalid"),
    (float("inf"), "count", "number_out_of_range"),
    (1e308, "count", "number_out_of_range"),
    (-1e300, "score", "number_out_of_range"),
    (10**400, "count", "number_out_of_range"),  # a 400-digit JSON integer
    (2**53 + 1, "count", "number_out_of_range"),
    (True, "count", "number_invalid"),
]


def _outcome(raw, unit):
    try:
        return parse_number(raw, unit)
    except ParseError as error:
        return error.rule


@pytest.mark.parametrize("raw, unit, expected", NUMBER_CASES + CELL_CASES)
def test_parse_number(raw, unit, expected):
    assert _outcome(raw, unit) == expected


def test_rejection_says_what_was_expected():
    with pytest.raises(ParseError) as caught:
        parse_number("1.224", "percent")
    assert "96,30" in caught.value.expected


def test_vectorised_parser_agrees_with_the_pure_one_on_the_whole_table():
    cases = NUMBER_CASES + [(raw, None) + ("",) for raw, _, _ in NUMBER_CASES]
    texts = pa.array([raw for raw, _, _ in cases], pa.string())
    units = pa.array([unit for _, unit, _ in cases], pa.string())
    values, rules = parse_number_column(texts, units)
    vectorised = [rule or value for value, rule in zip(values.to_pylist(), rules.to_pylist(), strict=True)]
    assert vectorised == [_outcome(raw, unit) for raw, unit, _ in cases]


def test_vectorised_parser_agrees_with_the_pure_one_on_random_scribbles():
    rng = random.Random(6)
    texts = ["".join(rng.choice("0123456789.,% -+\u00a0") for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    units = [rng.choice(["count", "percent", "score", None]) for _ in texts]
    values, rules = parse_number_column(pa.array(texts), pa.array(units, pa.string()))
    vectorised = [rule or value for value, rule in zip(values.to_pylist(), rules.to_pylist(), strict=True)]
    assert vectorised == [_outcome(text, unit) for text, unit in zip(texts, units, strict=True)]
