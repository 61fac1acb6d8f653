"""What ingestion did not accept (raw.ingest_rejections), for the report beside the rule findings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.ingest.records import sentence
from orchestration.ingest.schema import ensure_raw_schema
from orchestration.quality.check_tables import table_columns

COLUMNS = [
    "source_file",
    "file_hash",
    "sheet",
    "source_row",
    "column_name",
    "value_seen",
    "province_code",
    "province_valid_from",
    "period",
    "rule",
    "detail",
]
ORDER = "source_file, sheet nulls first, source_row nulls first, rule"
# The distinct rejections (a file may be reported again under the same name), their first ones
# and counts; the counts' row comes alone when nothing was rejected. A reason is its first number
# among those with its texts (a later load stores them again). The store counted each file's
# rejections as it wrote them (raw.rejection_counts): a file written once whose rows are distinct
# is taken as counted; the rest (a file written again, under another name too) are counted here.
FIRST_AND_COUNTS_SQL = f"""
with same_reasons as (
    select reason_id, min(reason_id) over (partition by column_name, value_seen, rule, reason) as first_id
    from raw.rejection_reasons
),
counted_files as (
    select file_hash, source_file, min(rejections) as rejections
    from raw.rejection_counts
    where file_hash is not null
    group by file_hash, source_file
    having count(*) = 1 and min(rejections) = min(rows_stored)
),
counted_contents as (
    select file_hash, min(rows_rejected) as rows_rejected
    from raw.rejection_counts
    where file_hash is not null
    group by file_hash
    having count(*) = 1
),
stored as (
    select stored.source_file, stored.file_hash, sheet, source_row, province_code, province_valid_from, period,
           first_id, counted_files.file_hash is not null as counted
    from raw.rejected_rows as stored
    join same_reasons using (reason_id)
    left join counted_files
        on stored.file_hash = counted_files.file_hash and stored.source_file = counted_files.source_file
),
uncounted as materialized (
    select distinct * exclude (counted) from stored where not counted
),
distinct_rejections as (
    select rejection.* exclude (first_id), reasons.column_name, reasons.value_seen, reasons.rule, reasons.reason
    from (select * exclude (counted) from stored where counted union all select * from uncounted) as rejection
    join raw.rejection_reasons as reasons on reasons.reason_id = rejection.first_id
),
counts as (
    select (select coalesce(sum(rejections), 0) from counted_files) + (select count(*) from uncounted) as total,
           (select count(distinct source_file) from raw.rejected_rows where source_row is null) as files_rejected,
           (select coalesce(sum(rows_rejected), 0) from counted_contents)
           + (select count(distinct (file_hash, sheet, source_row)) from raw.rejected_rows
              where source_row is not null
                and (file_hash is null or file_hash not in (select file_hash from counted_contents)))
             as rows_rejected
),
first_rejections as (select * from distinct_rejections order by {ORDER} limit $limit)
select first_rejections.*, counts.* from counts left join first_rejections on true
order by {ORDER}
"""


# The stored rejections are only ever appended to (a load's rows, its new reasons): these say
# whether they changed. `raw` names the schema (qualified by its catalog where attached).
STORED_VERSION_SQL = """
select count(*), max(load_id), max(ingested_at), (select max(reason_id) from {raw}.rejection_reasons)
from {raw}.rejected_rows
"""
# The last result of FIRST_AND_COUNTS_SQL and the version of what it was computed from: a
# refresh that stored no rejection reads it instead of going over a million rows again.
SHOWN = "quality.ingest_rejections_shown"


def stored_version(con: duckdb.DuckDBPyConnection, raw: str = "raw") -> tuple:
    return con.execute(STORED_VERSION_SQL.format(raw=raw)).fetchone()


@dataclass(frozen=True)
class IngestRejections:
    """What the report shows of raw.ingest_rejections: the first rejections in file order, and
    the counts of all of them (a file of a million rejected rows is counted in DuckDB, not listed)."""

    first: pd.DataFrame
    total: int  # every rejected file and row, once per reason
    files: int  # files rejected whole
    rows: int  # rows rejected, whatever the number of reasons


def ingest_rejections(con: duckdb.DuckDBPyConnection, *, limit: int) -> IngestRejections:
    """The first ``limit`` rejections and the counts; nothing before any ingest."""
    if table_columns(con, "raw.rejected_rows") is None:
        return IngestRejections(pd.DataFrame(columns=COLUMNS), 0, 0, 0)
    ensure_raw_schema(con)  # raw.rejection_counts of a warehouse no ingestion has brought up to date
    frame = _first_and_counts(con, limit)
    total, files, rows = (int(frame[column].iloc[0]) for column in ("total", "files_rejected", "rows_rejected"))
    first = frame[frame["rule"].notna()]
    # the sentence is worded for the rows shown only, not for a million rejected rows
    details = [
        sentence(source_file, None if pd.isna(sheet) else sheet, None if pd.isna(row) else row, reason)
        for source_file, sheet, row, reason in zip(
            first["source_file"], first["sheet"], first["source_row"], first["reason"], strict=True
        )
    ]
    return IngestRejections(first.assign(detail=details)[COLUMNS].reset_index(drop=True), total, files, rows)


def _first_and_counts(con: duckdb.DuckDBPyConnection, limit: int) -> pd.DataFrame:
    version = hashlib.sha256(repr((stored_version(con), limit, FIRST_AND_COUNTS_SQL)).encode()).hexdigest()
    kept = con.execute(f"select version from {SHOWN} limit 1").fetchone() if table_columns(con, SHOWN) else None
    if kept is None or kept[0] != version:
        con.execute("create schema if not exists quality")
        con.execute(
            f"create or replace table {SHOWN} as select *, $version as version from ({FIRST_AND_COUNTS_SQL})",
            {"limit": limit, "version": version},
        )
    return con.execute(f"select * exclude (version) from {SHOWN} order by {ORDER}").df()
