"""Size limits beyond which a file is rejected as too large."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 2**20
    max_rows: int = 1_000_000
