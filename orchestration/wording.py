"""Counts as people write them: `1 rule`, `2 rules`, `1,636 late submissions`."""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    if n == 1:
        return f"1 {singular}"
    return f"{n:,} {plural or singular + 's'}"
