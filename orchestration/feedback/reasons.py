"""Why a row was rejected or a value held back, in Vietnamese: one sentence per rule id (reasons.csv)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

REASONS_FILE = Path(__file__).with_name("reasons.csv")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


@cache
def reasons() -> dict[str, str]:
    with open(REASONS_FILE, encoding="utf-8", newline="") as table:
        return {row["rule"]: row["reason"] for row in csv.DictReader(table)}


def reason(rule: str, **facts: object) -> str:
    """The rule's sentence with the facts of one finding (value, column, indicator, period) filled in.

    A rule missing from the table still gets a sentence naming it: the page never fails on it.
    """
    template = reasons().get(rule, f"Vi phạm quy tắc {rule}")
    return template.format_map(_Blank({key: "" if value is None else value for key, value in facts.items()}))
