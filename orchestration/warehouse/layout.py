"""Where dbt builds on an engine other than DuckDB, and what of it the refresh reads back.

dbt's schemas there are the profile's schema (`work`, the same in the `postgres` and both Spark
outputs of dbt_project/profiles.yml) + "_" + the layer (dbt_project/macros/generate_schema_name.sql),
so that only publishing ever writes schema `marts`, the one BI reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestration.ingest.schema import RAW_TABLES as RAW_COLUMNS
from orchestration.publish.marts import PUBLISHED_MARTS, PUBLISHED_SCHEMA
from orchestration.quality import evaluate as quality

# What crosses from the DuckDB work database to the engine: the raw tables after ingestion, the
# quality step's findings and history after the quarantine.
RAW_TABLES = tuple(f"raw.{table}" for table in RAW_COLUMNS)
FINDINGS_TABLE = "quality.findings"
HISTORY_TABLE = "quality.history"

DBT_SCHEMA_PREFIX = "work"
DBT_MARTS_SCHEMA = f"{DBT_SCHEMA_PREFIX}_marts"

# DuckDB table the quality step reads -> the dbt model on the engine it is copied from
QUALITY_INPUTS = {
    quality.CANDIDATES: f"{DBT_SCHEMA_PREFIX}_intermediate.int_indicator_values_resolved",
    quality.SUBMISSION_STATUS: f"{DBT_MARTS_SCHEMA}.submission_status",
}
# the marts the gate reads (quality.FACTS, quality.SUBMISSION_STATUS), built before the reporting marts
GATE_INPUTS = ("fct_indicator_value", "submission_status")


def marts_from_engine(tables: Sequence[str] = PUBLISHED_MARTS) -> dict[str, str]:
    """DuckDB table in schema marts of the work database (where DuckDB publishes from) -> dbt's mart."""
    return {f"{PUBLISHED_SCHEMA}.{table}": f"{DBT_MARTS_SCHEMA}.{table}" for table in tables}
