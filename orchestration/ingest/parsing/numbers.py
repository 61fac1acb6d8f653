"""Values in Vietnamese (1.224.975 / 96,30) and English (1,224,975 / 96.30) formats, with %.

The indicator's unit settles what the format cannot: with one separator followed by exactly three
digits ("1.224"), a count reads it as thousands grouping (counts are whole), a percent or score
is ambiguous and rejected. ``parse_number`` reads one value; ``parse_number_column`` reads an
Arrow column with the very same forms table, for big files.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.parsing.errors import ParseError

EXPECTED = {
    "value_missing": "a value",
    "number_invalid": "a number such as 1.224.975, 1,224,975, 96,30, 96.30 or 96,30%",
    "value_ambiguous": (
        "a percent or score without ambiguity: one or two decimals after the separator (96,30), or no separator (1224)"
    ),
    "count_not_whole": "a whole number (the indicator is a count)",
    "count_negative": "a count of zero or more",
    "number_out_of_range": "a finite number of at most 9,007,199,254,740,991 (2^53 - 1) either side of zero",
}
# From 2^53 on, a double no longer holds every whole number (2^53 + 1 reads as 2^53): a count
# would be published rounded, and sums and rates of absurd figures overflow to Infinity.
LIMIT = 2.0**53  # values must stay below it in magnitude
_MAX_DECIMALS = 300  # 10**decimals stays a finite double


@dataclass(frozen=True)
class NumberForm:
    """One written shape of a number; ``decimal`` is its decimal mark ("" for a whole number)."""

    pattern: str  # matched against the whole unsigned body
    decimal: str = ""
    grouping_or_decimal: bool = False  # "1.224": grouping for a count, ambiguous otherwise


NUMBER_FORMS = (
    NumberForm(r"[0-9]+"),
    NumberForm(r"[1-9][0-9]{0,2}[.,][0-9]{3}", grouping_or_decimal=True),
    NumberForm(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+"),
    NumberForm(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+"),
    NumberForm(r"[1-9][0-9]{0,2}(?: [0-9]{3})+"),
    NumberForm(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+,[0-9]+|[0-9]+,[0-9]+", decimal=","),
    NumberForm(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+\.[0-9]+|[0-9]+\.[0-9]+", decimal="."),
)

_BLANK = "[ \t\u00a0\u202f]"
_SHAPE_RE = re.compile(  # sign, body, percent sign
    rf"(?s){_BLANK}*(?P<sign>[+-]?){_BLANK}*(?P<body>.*?){_BLANK}*(?P<percent>%?){_BLANK}*"
)
_FORM_RES = [re.compile(form.pattern) for form in NUMBER_FORMS]
_ASCII_0, _ASCII_9 = ord("0"), ord("9")


@dataclass(frozen=True)
class Shape:
    """What the written shape of a value says: a rejection rule, or how to read its digits."""

    rule: str | None
    decimals: int = 0  # digits after the decimal mark
    negative: bool = False


def shape_of(text: str) -> str:
    """The text with every digit written 9 but a first digit 0: the forms tell only the digit
    that starts a number apart (0 or not), so a whole column has few distinct shapes."""
    shape = re.sub("[0-9]", "9", text)
    first = re.search("[0-9]", text)
    return shape[: first.start()] + "0" + shape[first.end() :] if first and first[0] == "0" else shape


@cache
def classify(shape: str, unit: str | None) -> Shape:
    """How a value of this shape reads for an indicator of this unit (None: format only)."""
    if not shape.strip(" \t\u00a0\u202f"):
        return Shape("value_missing")
    parts = _SHAPE_RE.fullmatch(shape)
    body = parts["body"].replace("\u00a0", " ").replace("\u202f", " ")
    form = next((f for f, r in zip(NUMBER_FORMS, _FORM_RES, strict=True) if r.fullmatch(body)), None)
    if form is None or (parts["percent"] and unit not in ("percent", None)):
        return Shape("number_invalid")
    if form.grouping_or_decimal and unit not in ("count", None):
        return Shape("value_ambiguous")
    decimals = len(body) - body.rindex(form.decimal) - 1 if form.decimal else 0
    if decimals > _MAX_DECIMALS:
        return Shape("number_out_of_range")
    return Shape(None, decimals, parts["sign"] == "-")


def parse_number(raw: object, unit: str | None) -> float:
    """One value as a float, checked against its indicator's unit (None: format only)."""
    if raw is None:
        raise ParseError("value_missing", EXPECTED["value_missing"])
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ParseError("number_invalid", EXPECTED["number_invalid"])
    if isinstance(raw, int) and abs(raw) >= LIMIT:  # float() of a 400-digit int overflows
        raise ParseError("number_out_of_range", EXPECTED["number_out_of_range"])
    value = float(raw) if not isinstance(raw, str) else _parse_text(raw, unit)
    if math.isnan(value):
        raise ParseError("number_invalid", EXPECTED["number_invalid"])
    if not abs(value) < LIMIT:
        raise ParseError("number_out_of_range", EXPECTED["number_out_of_range"])
    rule = _unit_violation(value, unit)
    if rule:
        raise ParseError(rule, EXPECTED[rule])
    return value


def _parse_text(text: str, unit: str | None) -> float:
    shape = classify(shape_of(text), unit)
    if shape.rule:
        raise ParseError(shape.rule, EXPECTED[shape.rule])
    magnitude = float(re.sub("[^0-9]", "", text)) / float(10**shape.decimals)
    return -magnitude if shape.negative else magnitude


def _unit_violation(value: float, unit: str | None) -> str | None:
    if unit != "count":
        return None
    if value != math.floor(value):
        return "count_not_whole"
    if value < 0:
        return "count_negative"
    return None


def parse_number_column(texts: pa.Array, units: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Vectorised ``parse_number`` over text cells: (values, rules), rule null where accepted.

    ``shape_of`` is computed on the bytes of the whole column, each distinct (shape, unit) is
    classified once by ``classify``, and the digits are read column-wise.
    """
    texts = pc.fill_null(texts.cast(pa.string()), "")
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    offsets, data = _string_buffers(texts)
    is_digit = (data >= _ASCII_0) & (data <= _ASCII_9)
    shape_bytes = np.where(is_digit, _ASCII_9, data).astype(np.uint8)
    shape_bytes[_zero_first_digits(offsets, data, is_digit)] = _ASCII_0
    shapes = pc.dictionary_encode(_string_array(offsets, shape_bytes))

    units = units if pa.types.is_dictionary(units.type) else pc.dictionary_encode(units)
    unit_names = units.dictionary.to_pylist() + [None]
    unit_idx = pc.fill_null(units.indices, len(unit_names) - 1).to_numpy().astype(np.int64)
    combined = pc.dictionary_encode(pa.array(shapes.indices.to_numpy() * len(unit_names) + unit_idx))
    shape_names = shapes.dictionary.to_pylist()
    classified = [
        classify(shape_names[key // len(unit_names)], unit_names[key % len(unit_names)])
        for key in combined.dictionary.to_pylist()
    ]

    def per_row(values: list, type_: pa.DataType) -> pa.Array:
        return pa.array(values, type_).take(combined.indices)

    rules = per_row([c.rule for c in classified], pa.string())
    kept = np.concatenate([[0], np.cumsum(is_digit, dtype=np.int32)])
    digits = _string_array((kept[offsets] - kept[offsets[0]]).astype(np.int32), data[is_digit])
    magnitude = pc.cast(pc.if_else(pc.is_null(rules), digits, "0"), pa.float64())
    divisor = per_row([float(10**c.decimals) for c in classified], pa.float64())
    sign = per_row([-1.0 if c.negative else 1.0 for c in classified], pa.float64())
    values = pc.multiply(pc.divide(magnitude, divisor), sign)
    out_of_range = pc.greater_equal(pc.abs(values), LIMIT)
    rules = pc.if_else(pc.and_(out_of_range, pc.is_null(rules)), "number_out_of_range", rules)

    is_count = pa.array(np.array([u == "count" for u in unit_names])[unit_idx])
    for rule, failed in (
        ("count_not_whole", pc.not_equal(values, pc.floor(values))),
        ("count_negative", pc.less(values, 0)),
    ):
        rules = pc.if_else(pc.and_(pc.and_(is_count, failed), pc.is_null(rules)), rule, rules)
    return pc.if_else(pc.is_null(rules), values, None), rules


def _zero_first_digits(offsets: np.ndarray, data: np.ndarray, is_digit: np.ndarray) -> np.ndarray:
    """Byte positions of the rows' first digits that are 0."""
    starts, ends = offsets[:-1], offsets[1:]
    non_empty = ends > starts
    at_start = np.zeros(len(starts), dtype=bool)
    at_start[non_empty] = is_digit[starts[non_empty]]
    zeros = (
        starts[at_start & (data[np.minimum(starts, max(len(data) - 1, 0))] == _ASCII_0)] if len(data) else starts[:0]
    )
    late = np.flatnonzero(non_empty & ~at_start)  # rows opening with a blank or a sign: few
    if not len(late):
        return zeros
    digit_at = np.flatnonzero(is_digit)
    if not len(digit_at):
        return zeros
    first = digit_at[np.minimum(np.searchsorted(digit_at, starts[late]), len(digit_at) - 1)]
    late_zero = (first < ends[late]) & (first >= starts[late]) & (data[first] == _ASCII_0)
    return np.concatenate([zeros, first[late_zero]])


def _string_buffers(texts: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (rebased to 0) and UTF-8 bytes of a string array without nulls."""
    _, offsets, data = texts.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int32)[texts.offset : texts.offset + len(texts) + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return offsets - offsets[0], raw[offsets[0] : offsets[-1]]


def _string_array(offsets: np.ndarray, data: np.ndarray) -> pa.StringArray:
    return pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
