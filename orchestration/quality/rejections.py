"""What ingestion did not accept (raw.ingest_rejections), for the report beside the rule findings."""

from __future__ import annotations

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
    frame = con.execute(FIRST_AND_COUNTS_SQL, {"limit": limit}).df()
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
