"""The `percent` macro (every published rate) gives the same exact half-up percents on both engines.

The macro is rendered as dbt renders it (plain Jinja: it uses nothing of dbt's context) and run on
DuckDB and on the real PostgreSQL server over DOUBLE counts, as fct_indicator_value holds them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import duckdb
import jinja2
import pytest

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


def rates_sql() -> str:
    macros = jinja2.Environment().from_string((DBT_PROJECT_DIR / "macros" / "percent.sql").read_text())
    rate = macros.module.percent("numerator", "denominator")
    rows = ", ".join(
        f"({i}, cast({'null' if n is None else n} as double precision),"
        f" cast({'null' if d is None else d} as double precision))"
        for i, (n, d) in enumerate(CASES)
    )
    return f"select case_no, {rate} from (values {rows}) as counts (case_no, numerator, denominator) order by case_no"


@pytest.fixture
def duckdb_conn():
    conn = duckdb.connect()
    yield conn
    conn.close()


@pytest.mark.parametrize("engine", ["duckdb_conn", "pg_conn"])
def test_percent_is_rounded_half_up_to_two_decimals_exactly(engine, request):
    conn = request.getfixturevalue(engine)
    cursor = conn.cursor()
    cursor.execute(rates_sql())
    rates = [rate for _, rate in cursor.fetchall()]
    assert rates == [expected(n, d) for n, d in CASES]
    assert all(rate is None or type(rate) is float for rate in rates)  # DOUBLE on both engines
