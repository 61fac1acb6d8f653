"""The `percent` macro (every published rate) gives the same exact half-up percents on both engines.

The macro's default variant is rendered as dbt renders it (tests/percent_cases.py) and run on
DuckDB and on the real PostgreSQL server over DOUBLE counts, as fct_indicator_value holds them.
"""

from __future__ import annotations

import duckdb
import pytest
from percent_cases import CASES, expected, rates_sql


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
