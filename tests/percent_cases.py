"""What the `percent` macro (every published rate) must give on every engine: exact half-up.

tests/postgres/test_pg_percent.py runs it on DuckDB and PostgreSQL, tests/spark on Spark. The
macro file is rendered as plain Jinja: each engine's variant uses nothing of dbt's context.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import jinja2

from orchestration.settings import DBT_PROJECT_DIR

# (numerator, denominator): halfway cases, doubles that print badly, zero, NULL, big counts,
# absurd counts beyond decimal(38, 6)
CASES = [
    (281, 800),  # 35.125 -> 35.13, not 35.12
    (201, 20_000),  # 1.005 has no exact double: 1.01, not 1.0
    (98_999_999, 100_000_000),  # 98.999999 -> 99.00
    (1_124_445, 1_224_975),  # Bình Định's 2024 activation: 91.79
    (712_350, 705_000),  # over 100 %: 101.04
    (2, 3),
    (1, 3),
    (0, 5),
    (5, 0),
    (None, 5),
    (5, None),
    (99_999_999_999, 100_000_000_000),
    (10**40, 2 * 10**40),  # no count is that big, but it must not fail the build
    (5, 10**40),
]


def expected(numerator, denominator) -> float | None:
    if numerator is None or not denominator:
        return None
    exact = Decimal(100 * numerator) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rates_sql(variant: str = "default__percent", double_type: str = "double precision") -> str:
    """One row (case_no, rate) per case, the counts DOUBLE as fct_indicator_value holds them."""
    macros = jinja2.Environment().from_string((DBT_PROJECT_DIR / "macros" / "percent.sql").read_text())
    rate = getattr(macros.module, variant)("numerator", "denominator")

    def count(n):  # a decimal literal every engine reads, also beyond 38 digits
        return "null" if n is None else repr(float(n))

    rows = ", ".join(
        f"({i}, cast({count(n)} as {double_type}), cast({count(d)} as {double_type}))" for i, (n, d) in enumerate(CASES)
    )
    return f"select case_no, {rate} from (values {rows}) as counts (case_no, numerator, denominator) order by case_no"
