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

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.parsing.errors import ParseError

EXPECTED = {
    "value_missing": "a value",
    "number_invalid": "a number such as 1.224.975, 1,224,975, 96,30, 96.30 or 96,30%",
    "value_ambiguous": (
        "a percent or score without ambiguity: one or two decimals after the separator (96,30), "
        "or no separator (1224)"
    ),
    "count_not_whole": "a whole number (the indicator is a count)",
    "count_negative": "a count of zero or more",
}


@dataclass(frozen=True)
class NumberForm:
    """One written shape of a number: the grouping characters to drop and the decimal mark."""

    pattern: str  # RE2- and Python-compatible, matched against the whole unsigned body
    grouping: str
    decimal: str = ""
    grouping_or_decimal: bool = False  # "1.224": grouping for a count, ambiguous otherwise


NUMBER_FORMS = (
    NumberForm(r"[0-9]+", grouping=""),
    NumberForm(r"[1-9][0-9]{0,2}[.,][0-9]{3}", grouping=".,", grouping_or_decimal=True),
    NumberForm(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+", grouping="."),
    NumberForm(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+", grouping=","),
    NumberForm(r"[1-9][0-9]{0,2}(?: [0-9]{3})+", grouping=" "),
    NumberForm(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+,[0-9]+|[0-9]+,[0-9]+", grouping=".", decimal=","),
    NumberForm(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+\.[0-9]+|[0-9]+\.[0-9]+", grouping=",", decimal="."),
)

_BLANK = "[ \t\u00a0\u202f]"
# sign, body, percent sign; the body's inner no-break spaces count as grouping spaces
_SHAPE = rf"(?s)^{_BLANK}*(?P<sign>[+-]?){_BLANK}*(?P<body>.*?){_BLANK}*(?P<percent>%?){_BLANK}*$"
_SHAPE_RE = re.compile(_SHAPE)
_FORM_RES = [re.compile(f"(?:{form.pattern})") for form in NUMBER_FORMS]


def parse_number(raw: object, unit: str | None) -> float:
    """One value as a float, checked against its indicator's unit (None: format only)."""
    if raw is None or (isinstance(raw, str) and not raw.strip(" \t\u00a0\u202f")):
        raise ParseError("value_missing", EXPECTED["value_missing"])
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ParseError("number_invalid", EXPECTED["number_invalid"])
    value = float(raw) if not isinstance(raw, str) else _parse_text(raw, unit)
    if not math.isfinite(value):
        raise ParseError("number_invalid", EXPECTED["number_invalid"])
    rule = _unit_violation(value, unit)
    if rule:
        raise ParseError(rule, EXPECTED[rule])
    return value


def _parse_text(text: str, unit: str | None) -> float:
    shape = _SHAPE_RE.match(text)
    body = shape["body"].replace("\u00a0", " ").replace("\u202f", " ")
    form = next((f for f, r in zip(NUMBER_FORMS, _FORM_RES) if r.fullmatch(body)), None)
    if form is None or (shape["percent"] and unit not in ("percent", None)):
        raise ParseError("number_invalid", EXPECTED["number_invalid"])
    if form.grouping_or_decimal and unit not in ("count", None):
        raise ParseError("value_ambiguous", EXPECTED["value_ambiguous"])
    for mark in form.grouping:
        body = body.replace(mark, "")
    magnitude = float(body.replace(form.decimal, ".") if form.decimal else body)
    return -magnitude if shape["sign"] == "-" else magnitude


def _unit_violation(value: float, unit: str | None) -> str | None:
    if unit != "count":
        return None
    if value != math.floor(value):
        return "count_not_whole"
    if value < 0:
        return "count_negative"
    return None


def parse_number_column(texts: pa.Array, units: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Vectorised ``parse_number`` over text cells: (values, rules), rule null where accepted."""
    texts = texts.cast(pa.string())
    shape = pc.extract_regex(pc.fill_null(texts, ""), _SHAPE)
    sign, percent = pc.struct_field(shape, "sign"), pc.struct_field(shape, "percent")
    body = pc.replace_substring_regex(pc.struct_field(shape, "body"), "[\u00a0\u202f]", " ")
    values = pa.nulls(len(texts), pa.float64())
    form_found = pa.array([False] * len(texts))
    ambiguous = form_found
    for form in NUMBER_FORMS:
        hit = pc.and_not(pc.match_substring_regex(body, f"^(?:{form.pattern})$"), form_found)
        digits = pc.replace_substring_regex(body, f"[{re.escape(form.grouping)}]", "") if form.grouping else body
        if form.decimal:
            digits = pc.replace_substring(digits, form.decimal, ".")
        values = pc.if_else(hit, pc.cast(pc.if_else(hit, digits, "0"), pa.float64()), values)
        if form.grouping_or_decimal:
            ambiguous = hit
        form_found = pc.or_(form_found, hit)
    values = pc.if_else(pc.equal(sign, "-"), pc.negate(values), values)

    is_count = pc.fill_null(pc.equal(units, "count"), False)
    percent_allowed = pc.or_(pc.is_null(units), pc.fill_null(pc.equal(units, "percent"), False))
    checks = [
        ("value_missing", pc.equal(pc.utf8_length(pc.replace_substring_regex(
            pc.fill_null(texts, ""), _BLANK, "")), 0)),
        ("number_invalid", pc.or_(pc.invert(form_found),
                                  pc.and_not(pc.equal(percent, "%"), percent_allowed))),
        ("value_ambiguous", pc.and_(ambiguous, pc.and_not(pc.is_valid(units), is_count))),
        ("count_not_whole", pc.and_(is_count, pc.not_equal(values, pc.floor(values)))),
        ("count_negative", pc.and_(is_count, pc.less(values, 0))),
    ]
    rules = pa.nulls(len(texts), pa.string())
    for rule, failed in reversed(checks):  # the first failing check wins
        rules = pc.if_else(pc.fill_null(failed, False), rule, rules)
    return pc.if_else(pc.is_null(rules), values, None), rules
