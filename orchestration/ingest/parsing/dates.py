"""Dates and timestamps: dd/mm/yyyy (Vietnamese order), ISO, spreadsheet date cells."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from orchestration.ingest.parsing.errors import ParseError

EXPECTED = "a date as dd/mm/yyyy or yyyy-mm-dd (optionally with a time hh:mm[:ss])"
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")


def parse_timestamp(raw: object) -> datetime:
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None)
    if isinstance(raw, date):
        return datetime.combine(raw, time())
    text = raw.strip() if isinstance(raw, str) else ""
    for pattern, order in ((_DAY_FIRST, (3, 2, 1)), (_ISO, (1, 2, 3))):
        match = pattern.match(text)
        clock = match and _TIME.fullmatch(text[match.end() :])
        if clock:
            year, month, day = (int(match[i]) for i in order)
            try:
                return datetime(year, month, day, *(int(part or 0) for part in clock.groups()))
            except ValueError:
                break
    raise ParseError("date_invalid", EXPECTED)


def parse_date(raw: object) -> date:
    return parse_timestamp(raw).date()
