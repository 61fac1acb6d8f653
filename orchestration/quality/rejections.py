"""What ingestion did not accept (raw.ingest_rejections), for the report beside the rule findings."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.ingest.schema import DETAIL_SQL
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
# the sentence is worded for the rows shown only (schema.DETAIL_SQL), not for a million rejected rows
DISTINCT_REJECTIONS = f"select distinct {', '.join(COLUMNS[:-1])}, reason from raw.ingest_rejections"
ORDER = "source_file, sheet nulls first, source_row nulls first, rule"
FIRST_SQL = f"""
select * exclude (reason), {DETAIL_SQL} as detail
from ({DISTINCT_REJECTIONS} order by {ORDER} limit $limit)
order by {ORDER}
"""
COUNTS_SQL = f"""
select count(*),
       count(distinct source_file) filter (where source_row is null),
       count(distinct (file_hash, sheet, source_row)) filter (where source_row is not null)
from ({DISTINCT_REJECTIONS})
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
    if table_columns(con, "raw.ingest_rejections") is None:
        return IngestRejections(pd.DataFrame(columns=COLUMNS), 0, 0, 0)
    first = con.execute(FIRST_SQL, {"limit": limit}).df()
    total, files, rows = con.execute(COUNTS_SQL).fetchone()
    return IngestRejections(first, total, files, rows)
