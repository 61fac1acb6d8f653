"""Limits of what a refresh reads: beyond them a file is rejected as too large, and the day that
dates in the future are judged against."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 2**20
    max_rows: int = 1_000_000
    today: date | None = None  # Vietnam's date; None: dates are not checked against it
