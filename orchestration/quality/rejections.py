"""What ingestion did not accept (raw.ingest_rejections), for the report beside the rule findings."""

from __future__ import annotations

import duckdb
import pandas as pd

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
REJECTIONS_SQL = f"""
select distinct {", ".join(COLUMNS)} from raw.ingest_rejections
order by source_file, sheet nulls first, source_row nulls first, rule
"""


def ingest_rejections(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every rejected file (source_row NULL) and row, once per reason; empty before any ingest."""
    if table_columns(con, "raw.ingest_rejections") is None:
        return pd.DataFrame(columns=COLUMNS)
    return con.execute(REJECTIONS_SQL).df()
