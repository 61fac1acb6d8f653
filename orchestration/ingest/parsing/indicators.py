"""Indicator codes of the catalogue, any case."""

from __future__ import annotations

from orchestration.ingest.parsing.errors import ParseError
from orchestration.reference import Indicator, load_indicators

EXPECTED = "an indicator code of reference/indicators.csv (e.g. VNEID_ISSUED)"


def parse_indicator(raw: object) -> Indicator:
    code = str(raw).strip().upper() if raw is not None else ""
    if not code:
        raise ParseError("value_missing", EXPECTED)
    indicator = load_indicators().get(code)
    if indicator is None:
        raise ParseError("indicator_unknown", EXPECTED)
    return indicator
