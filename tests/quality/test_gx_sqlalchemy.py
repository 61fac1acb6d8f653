"""Which expectation types of expectations/ give the same verdict on DuckDB through SQLAlchemy.

p06 validates pandas frames read from DuckDB (orchestration/quality/validation.py). This runs
each expectation type the suites use through GX's SQL datasource on a DuckDB file (duckdb-engine)
as well, on the same rows, so the day GX fixes its SQL path a strict xfail turns red here.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration.quality.rules import suite_files
from orchestration.quality.validation import (
    RESULT_FORMAT,
    _exception_messages,
    batch_definition,
    build_suite,
    validate,
)

ROWS_SQL = """
create table checked as select * from (values
    (1, 5.0,  3.0,  0.0,   true,  'a', 'x'),
    (2, 2.0,  4.0,  -1.0,  false, 'a', 'x'),
    (3, null, 4.0,  0.5,   null,  'b', 'y'),
    (4, 7.0,  7.0,  150.0, true,  'b', 'z'),
    (5, 1.0,  null, null,  true,  'c', 'y')
) as t(check_row, a, b, num, flag, k1, k2)
"""

# Each expectation type the suites use, with the same kwargs shape as there, and the check rows
# of ROWS_SQL that break it (what the pandas path reports).
CASES = {
    "expect_column_values_to_be_between": ({"column": "num", "min_value": 0, "max_value": 100}, [2, 4]),
    "expect_column_pair_values_a_to_be_greater_than_b": (
        {"column_A": "a", "column_B": "b", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        [2],
    ),
    "expect_column_values_to_be_in_set": ({"column": "flag", "value_set": [True]}, [2]),
    "expect_compound_columns_to_be_unique": ({"column_list": ["k1", "k2"]}, [1, 2]),
}

# GX 1.24 fetches a query's rows after returning its connection to the pool; duckdb-engine's
# results are gone by then, so every metric query comes back empty (IndexError in
# SqlAlchemyExecutionEngine.resolve_metric_bundle: great_expectations issues 10738, 11579).
NO_ROWS_AFTER_CLOSE = "GX reads SQLAlchemy results after closing the duckdb-engine connection (GX 10738, 11579)"
BROKEN_ON_SQLALCHEMY = dict.fromkeys(CASES, NO_ROWS_AFTER_CLOSE)


def _suite(expectation_type: str) -> dict:
    kwargs, _ = CASES[expectation_type]
    meta = {"rule": expectation_type, "severity": "error", "detail": "row {check_row}"}
    return {
        "name": "gx_sqlalchemy",
        "meta": {},
        "expectations": [
            {"type": expectation_type, "kwargs": kwargs, "meta": meta},
        ],
    }


@pytest.fixture(scope="module")
def duckdb_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("gx_sqlalchemy") / "checked.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(ROWS_SQL)
    return path


@pytest.fixture(scope="module")
def checked_frame(duckdb_file):
    """The same rows as a pandas frame, read before duckdb-engine opens the file its own way."""
    with duckdb.connect(str(duckdb_file)) as con:
        return con.execute("select * from checked").df()


@pytest.fixture(scope="module")
def sql_batch(duckdb_file):
    context = batch_definition().data_asset.datasource.data_context  # the quiet, offline context
    asset = context.data_sources.add_sql("p06_duckdb_sql", connection_string=f"duckdb:///{duckdb_file}")
    return asset.add_table_asset("checked", table_name="checked").add_batch_definition_whole_table("all")


def _pandas_verdict(frame, expectation_type: str) -> tuple:
    [outcome] = validate(frame, _suite(expectation_type))
    return outcome.success, sorted(outcome.offending_rows), []


def _sql_verdict(sql_batch, expectation_type: str) -> tuple:
    validation = sql_batch.get_batch().validate(build_suite(_suite(expectation_type)), result_format=RESULT_FORMAT)
    [result] = validation.results
    rows = sorted(int(row["check_row"]) for row in result.result.get("unexpected_index_list") or [])
    return bool(result.success), rows, _exception_messages(result.exception_info)


def test_the_cases_cover_every_expectation_type_of_the_suites():
    used = {e["type"] for suite in suite_files().values() for e in suite["expectations"]}
    assert used == CASES.keys()


@pytest.mark.parametrize("expectation_type", sorted(CASES))
def test_pandas_path_finds_the_broken_rows(checked_frame, expectation_type):
    assert _pandas_verdict(checked_frame, expectation_type) == (False, CASES[expectation_type][1], [])


@pytest.mark.parametrize(
    "expectation_type",
    [
        pytest.param(
            name, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=BROKEN_ON_SQLALCHEMY[name])
        )
        if name in BROKEN_ON_SQLALCHEMY
        else name
        for name in sorted(CASES)
    ],
)
def test_sqlalchemy_path_agrees_with_pandas(checked_frame, sql_batch, expectation_type):
    assert _sql_verdict(sql_batch, expectation_type) == _pandas_verdict(checked_frame, expectation_type)
