"""Parsers of the key fields, memoized per distinct raw value, and rejection building."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from orchestration.ingest.parsing.dates import parse_timestamp
from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.indicators import parse_indicator
from orchestration.ingest.parsing.periods import Period, parse_period
from orchestration.ingest.parsing.provinces import ProvinceKey, ProvinceResolver
from orchestration.ingest.records import Rejection
from orchestration.reference import Indicator


@cache
def _province_resolver() -> ProvinceResolver:
    return ProvinceResolver()


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_optional_timestamp(raw: object) -> datetime | None:
    return None if is_blank(raw) else parse_timestamp(raw)


class Lookups:
    """Each distinct raw value of a chunk of files is parsed once (a result depends on the raw
    value and its type only); a result is a value or its ParseError.

    With ``today`` (Vietnam's date), dates that cannot be true yet are rejected: a submission
    dated after tomorrow (it would win every later correction), a period not begun.
    """

    def __init__(self, today: date | None = None) -> None:
        self._memo: dict[tuple, object] = {}
        self.today = today

    def _memoized(self, key: tuple, compute: Callable[[], object]) -> object:
        if key not in self._memo:
            try:
                self._memo[key] = compute()
            except ParseError as error:  # kept without its traceback: its frames would hold the caller's rows
                self._memo[key] = error.with_traceback(None)
        return self._memo[key]

    def period(self, raw: object) -> Period | ParseError:
        if is_blank(raw):
            return ParseError("value_missing", "a reporting period")
        return self._memoized(("period", type(raw), raw), lambda: self._begun(parse_period(raw)))

    def province(self, code: object, name: object, on: date | None) -> ProvinceKey | ParseError:
        key = ("province", type(code), code, type(name), name, on)  # 1 == 1.0, but "1" != "1.0"
        return self._memoized(key, lambda: _province_resolver().resolve(code, name, on))

    def indicator(self, raw: object) -> Indicator | ParseError:
        return self._memoized(("indicator", type(raw), raw), lambda: parse_indicator(raw))

    def timestamp(self, raw: object) -> datetime | None | ParseError:
        return self._memoized(("timestamp", type(raw), raw), lambda: self._past(parse_optional_timestamp(raw)))

    def _begun(self, period: Period) -> Period:
        if self.today is not None and period.start > self.today:
            raise ParseError("period_in_future", f"a period begun by today ({self.today:%d/%m/%Y})")
        return period

    def _past(self, moment: datetime | None) -> datetime | None:
        if self.today is not None and moment is not None and moment.date() > self.today + timedelta(days=1):
            tomorrow = self.today + timedelta(days=1)
            raise ParseError("date_in_future", f"a date no later than tomorrow ({tomorrow:%d/%m/%Y})")
        return moment


@dataclass(frozen=True)
class RowContext:
    """Where a row is and what of its key could be resolved, for its rejections."""

    source_file: str
    sheet: str | None
    source_row: int
    province: ProvinceKey | None = None
    period: Period | None = None
    indicator_code: str | None = None
    submitted_at: datetime | None = None

    def reject(self, error: ParseError, column: str | None, raw: object) -> Rejection:
        return Rejection(
            source_file=self.source_file,
            rule=error.rule,
            expected=error.expected,
            sheet=self.sheet,
            source_row=self.source_row,
            column_name=column,
            value_seen=value_seen(raw),
            province_code=self.province.code if self.province else None,
            province_valid_from=self.province.valid_from if self.province else None,
            period=self.period.code if self.period else None,
            indicator_code=self.indicator_code,
            submitted_at=self.submitted_at,
        )


SEEN_CHARS = 200


def value_seen(raw: object) -> str | None:
    """A cell as the rejection shows it: a JSON list or object by its size, long text cut."""
    if raw is None:
        return None
    if isinstance(raw, (list, dict)):
        return f"(a JSON {'list' if isinstance(raw, list) else 'object'} of {len(raw)} item(s))"
    text = str(raw)
    return text if len(text) <= SEEN_CHARS else text[:SEEN_CHARS] + f"… ({len(text):,} characters)"


def ok(result: object) -> object | None:
    """The parsed value, or None when the result is a ParseError."""
    return None if isinstance(result, ParseError) else result
