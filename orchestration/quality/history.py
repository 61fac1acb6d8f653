"""quality.history: one row per refresh x rule, appended by every quarantine (marts.quality_history).

Quality rules count their findings as the refresh left them (what quality_issues lists);
ingestion rules count what the files ingested since the previous row rejected. The table lives
in the work database, which publishing and rollback never replace, so the history outlives both.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from orchestration.ingest.schema import ensure_raw_schema
from orchestration.quality.rules import all_rules
from orchestration.quality.schema import ensure_findings_table
from orchestration.settings import VIETNAM
from orchestration.warehouse.work_db import transaction

RECORD_SQL = """
with previous as (
    select coalesce(max(last_load_id), 0) as load_id from quality.history where run_id <> $run_id
),
loads as (
    select coalesce(max(load_id), 0) as load_id from raw.ingest_rejections
),
quality_counts as (
    select rule, severity, count(*) as findings,
           count(distinct case when quarantined
                 then (province_code, province_valid_from, period, indicator_code) end) as values_held_back,
           0 as files_rejected, 0 as rows_rejected
    from quality.findings
    group by rule, severity
),
ingest_counts as (
    select rule, severity, count(*) as findings, 0 as values_held_back,
           count(distinct case when source_row is null then source_file end) as files_rejected,
           count(distinct case when source_row is not null then (source_file, sheet, source_row) end)
               as rows_rejected
    from raw.ingest_rejections
    where load_id > (select load_id from previous)
    group by rule, severity
),
counts as (
    select * from quality_counts
    union all
    select * from ingest_counts
    union all  -- every quality rule has its row, zero when it found nothing
    select rule, severity, 0, 0, 0, 0 from quality_rules
    where rule not in (select rule from quality_counts)
)
select $run_id, $refreshed_at, rule, severity,
       sum(findings), sum(values_held_back), sum(files_rejected), sum(rows_rejected),
       (select load_id from loads)
from counts
group by rule, severity
"""


def record_history(con: duckdb.DuckDBPyConnection, run_id: str, refreshed_at: datetime | None = None) -> int:
    """Append this refresh's rows (replacing them if the step runs again); returns how many."""
    ensure_raw_schema(con)
    ensure_findings_table(con)
    refreshed_at = refreshed_at or datetime.now(VIETNAM).replace(tzinfo=None)
    rules = [(rule.id, rule.severity) for rule in all_rules()]
    con.execute("create or replace temp table quality_rules (rule varchar, severity varchar)")
    con.executemany("insert into quality_rules values (?, ?)", rules)
    with transaction(con):
        con.execute("delete from quality.history where run_id = ?", [run_id])
        con.execute(f"insert into quality.history {RECORD_SQL}", {"run_id": run_id, "refreshed_at": refreshed_at})
        return con.execute("select count(*) from quality.history where run_id = ?", [run_id]).fetchone()[0]
