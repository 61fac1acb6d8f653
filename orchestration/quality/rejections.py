"""What ingestion did not accept (raw.ingest_rejections), for the report beside the rule findings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.ingest.records import sentence
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
# One pass over the distinct rejections (a file may be reported again under the same name) for
# both the first ones and the counts; the counts' row comes alone when nothing was rejected.
# Distinct over the stored rows (raw.ingest_rejections is their view): a reason as its number, the
# first of the reasons with its texts (a later load stores them again), worded for the shown rows.
FIRST_AND_COUNTS_SQL = f"""
with same_reasons as (
    select reason_id, min(reason_id) over (partition by column_name, value_seen, rule, reason) as first_id
    from raw.rejection_reasons
),
distinct_rows as materialized (
    select distinct source_file, file_hash, sheet, source_row, province_code, province_valid_from, period,
           first_id as reason_id
    from raw.rejected_rows join same_reasons using (reason_id)
),
distinct_rejections as (
    select distinct_rows.* exclude (reason_id), reasons.column_name, reasons.value_seen, reasons.rule, reasons.reason
    from distinct_rows join raw.rejection_reasons as reasons using (reason_id)
),
counts as (
    select count(*) as total,
           count(distinct source_file) filter (where source_row is null) as files_rejected,
           count(distinct (file_hash, sheet, source_row)) filter (where source_row is not null) as rows_rejected
    from distinct_rows
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
