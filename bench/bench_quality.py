"""Benchmark: every quality suite over ~1,000,000 indicator values, GX against plain DuckDB SQL.

    .venv/bin/python bench/bench_quality.py [--values 1000000]

Prints one JSON object: seconds and peak RSS of the GX quarantine (check tables, validation,
findings, report), and of the same checks as SQL predicates derived from the same suite files,
with the number of offending check rows per rule from both (they must agree).
Targets (issue 5): under 20 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

IMPORT_STARTED = time.perf_counter()
from orchestration.quality.check_tables import check_table_sql  # noqa: E402
from orchestration.quality.evaluate import gate, pair_indicators, quarantine  # noqa: E402
from orchestration.quality.rules import suite_files  # noqa: E402
from orchestration.quality.validation import batch_definition  # noqa: E402
from orchestration.reference import load_indicators  # noqa: E402

GX_IMPORT_SECONDS = round(time.perf_counter() - IMPORT_STARTED, 2)  # once per process

SOURCE = "bench.indicator_values"
STATUS = "bench.submission_status"
AS_OF = date(2026, 1, 1)
PERIODS_SQL = """
select cast(y as varchar) as period, 'year' as period_grain,
       make_date(y, 1, 1) as period_start, make_date(y, 12, 31) as period_end, 12 as months
from range(2022, 2026) years(y)
union all
select y || '-Q' || q, 'quarter', make_date(y, 3 * q - 2, 1), last_day(make_date(y, 3 * q, 1)), 3
from range(2022, 2026) years(y), range(1, 5) quarters(q)
union all
select y || '-' || lpad(cast(m as varchar), 2, '0'), 'month', make_date(y, m, 1),
       last_day(make_date(y, m, 1)), 1
from range(2022, 2026) years(y), range(1, 13) months(m)
"""


def create_values(con: duckdb.DuckDBPyConnection, n_values: int) -> int:
    """Synthetic provinces reporting every indicator every period, figures growing steadily;
    about 1 value in 1000 is multiplied by 3 (breaking pairs, stocks and national totals), 1 in
    5000 made negative; a quarter of the first submissions come after the deadline."""
    indicators = list(load_indicators().values())
    con.execute("create schema if not exists bench")
    con.execute(f"create or replace table bench.periods as {PERIODS_SQL}")
    con.execute(
        "create or replace table bench.indicators as select * from (values "
        + ", ".join(
            f"('{ind.code}', '{ind.unit}', '{ind.time_aggregation}', {ind.additive}, {len(indicators) - i})"
            for i, ind in enumerate(indicators)
        )
        + ") t(indicator_code, unit, time_aggregation, additive, size_rank)"
    )
    n_periods = con.execute("select count(*) from bench.periods").fetchone()[0]
    n_provinces = max(1, n_values // (n_periods * len(indicators)) - 1)
    con.execute(f"""
        create or replace table {SOURCE} as
        with provinces as (
            select lpad(cast(p as varchar), 3, '0') as province_code, 1 + p % 7 as size
            from range(1, {n_provinces + 1}) t(p)
        ),
        honest as (
            select pr.province_code, date '2008-08-01' as province_valid_from,
                   pe.period, pe.period_grain, pe.period_start, pe.period_end,
                   i.indicator_code, i.unit, i.time_aggregation, i.additive,
                   case
                       when i.unit <> 'count'
                           then 40 + pr.size + 0.5 * datediff('month', date '2022-01-01', pe.period_end)
                       when i.time_aggregation = 'flow' then i.size_rank * 1000 * pr.size * pe.months
                       else i.size_rank * 1000 * pr.size
                           * (1 + 0.01 * datediff('month', date '2022-01-01', pe.period_end))
                   end as value,
                   pr.province_code || '/' || pe.period || '.csv' as source_file,
                   cast(row_number() over (partition by pr.province_code, pe.period) + 1 as bigint) as source_row
            from provinces pr, bench.periods pe, bench.indicators i
        ),
        national as (
            select '00' as province_code, province_valid_from, period, period_grain, period_start,
                   period_end, indicator_code, unit, time_aggregation, additive,
                   if(additive, sum(value), avg(value)) as value,
                   'national/' || period || '.csv' as source_file
            from honest
            group by province_valid_from, period, period_grain, period_start, period_end,
                     indicator_code, unit, time_aggregation, additive
        ),
        with_national as (
            select * from honest
            union all by name
            select *, cast(row_number() over (partition by period) + 1 as bigint) as source_row
            from national
        )
        select province_code, province_valid_from, period, period_grain, period_start, period_end,
               indicator_code, unit, time_aggregation, additive,
               case
                   when hash(province_code, period, indicator_code) % 5000 = 0 then -value
                   when hash(province_code, period, indicator_code) % 1000 = 0 then 3 * value
                   else value
               end as value,
               timestamp '2026-01-01' as submitted_at, timestamp '2026-01-01' as ingested_at,
               source_file, null::varchar as sheet, source_row, md5(source_file) as file_hash,
               1::bigint as load_id, 1::bigint as versions_sent
        from with_national
    """)
    con.execute(f"""
        create or replace table {STATUS} as
        select distinct province_code, period, true as submitted,
               period_end + to_days(cast(hash(province_code, period) % 20 as integer)) as first_submitted_at,
               period_end + interval 20 day as last_submitted_at, null::boolean as on_time,
               1::bigint as rows_accepted, 0::bigint as rows_rejected
        from {SOURCE}
    """)
    return con.execute(f"select count(*) from {SOURCE}").fetchone()[0]


def _quote(value) -> str:
    return "true" if value is True else "false" if value is False else repr(value)


def offending_sql(check_table: str, expectation: dict) -> str:
    """The expectation as a plain SQL count of offending rows of the materialized check table."""
    kind, kw = expectation["type"], expectation["kwargs"]
    if kind == "expect_column_values_to_be_between":
        bounds = [
            f"{kw['column']} < {kw['min_value']}" if kw.get("min_value") is not None else None,
            f"{kw['column']} > {kw['max_value']}" if kw.get("max_value") is not None else None,
        ]
        predicate = " or ".join(bound for bound in bounds if bound)
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        predicate = f"{kw['column_B']} > {kw['column_A']}"
    elif kind == "expect_column_values_to_be_in_set":
        predicate = f"{kw['column']} not in ({', '.join(_quote(v) for v in kw['value_set'])})"
    elif kind == "expect_compound_columns_to_be_unique":
        columns = ", ".join(kw["column_list"])
        return (
            f"select coalesce(sum(n), 0) from (select count(*) as n from {check_table} "
            f"group by {columns} having count(*) > 1)"
        )
    else:
        raise ValueError(f"no SQL form for {kind}")
    return f"select count(*) from {check_table} where {predicate}"


def run_sql_checks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Materialize each check table with the same SQL, then count offending rows per rule."""
    offending: dict[str, int] = {}
    suites = suite_files()
    for suite in suites.values():
        check_table = suite["meta"]["check_table"]
        query = check_table_sql(
            con, check_table, source=SOURCE, status_table=STATUS, indicators=pair_indicators(suites), as_of=AS_OF
        )
        con.execute(f"create or replace temp table sql_{check_table} as {query}")
        for expectation in suite["expectations"]:
            rule = expectation["meta"]["rule"]
            count = con.execute(offending_sql(f"sql_{check_table}", expectation)).fetchone()[0]
            offending[rule] = offending.get(rule, 0) + int(count)
    return offending


def gx_offending_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    results = gate(con, source=SOURCE, status_table=STATUS, as_of=AS_OF)
    return {result.rule.id: result.n_unexpected for result in results}


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, round(time.perf_counter() - started, 2)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        con = duckdb.connect(str(Path(scratch) / "work.duckdb"))
        n_values, generate_s = _timed(create_values, con, args.values)
        rss_before_checks = peak_rss_mb()
        _, gx_startup_s = _timed(batch_definition)  # the GX context, created once per process
        outcome, quarantine_s = _timed(
            lambda: quarantine(
                con, source=SOURCE, status_table=STATUS, report_dir=Path(scratch) / "quality", as_of=AS_OF
            )
        )
        gx_rows, gx_validate_s = _timed(gx_offending_rows, con)
        sql_rows, sql_s = _timed(run_sql_checks, con)
    print(
        json.dumps(
            {
                "indicator_values": n_values,
                "generate_seconds": generate_s,
                "gx_import_and_context_seconds": round(GX_IMPORT_SECONDS + gx_startup_s, 2),
                "gx_quarantine_seconds": quarantine_s,
                "gx_gate_seconds": gx_validate_s,
                "sql_check_tables_and_checks_seconds": sql_s,
                "peak_rss_mb_after_generating": rss_before_checks,
                "peak_rss_mb": peak_rss_mb(),
                "targets_met": quarantine_s < 20 and peak_rss_mb() < 2048,
                "findings": len(outcome.findings),
                "quarantined_values": outcome.n_quarantined,
                "offending_check_rows": {"gx": gx_rows, "sql": sql_rows},
                "gx_and_sql_agree": gx_rows == sql_rows,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
