"""Offending check rows turned into findings: one row per value x rule it broke."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from string import Formatter

import duckdb
import pandas as pd

from orchestration.quality.check_tables import KEY_STATE, checked_table_name, same_unit_period
from orchestration.quality.schema import ensure_findings_table
from orchestration.quality.validation import ExpectationOutcome

ORIGIN_COLUMNS = [
    "province_code",
    "province_valid_from",
    "period",
    "indicator_code",
    "source_file",
    "sheet",
    "source_row",
    "value",
]
FINDING_COLUMNS = ["rule", "severity", *ORIGIN_COLUMNS, "detail", "quarantined"]
PAIR_KEY = ["province_code", "province_valid_from", "period"]
# Columns of a check table kept beside its findings (not stored in quality.findings): what the
# late-submission alert and the report show besides the finding itself. `note` is the province's
# own note on a value (Ghi chú), shown by the report wherever the checked values carry it.
CONTEXT_COLUMNS = ["deadline", "first_submitted_at", "note"]

PAIR_VALUES_SQL = """
select s.province_code, s.province_valid_from, s.period, s.indicator_code,
       s.source_file, s.sheet, s.source_row, s.value, o.detail
from quality_offending_pairs o
join {source} s
  on s.province_code = o.province_code
 and s.province_valid_from is not distinct from cast(o.province_valid_from as date)
 and s.period = o.period
 and s.indicator_code = o.indicator_code
"""

REPLACE_FINDINGS_SQL = """
insert into quality.findings
select rule, severity, province_code, cast(province_valid_from as date), period,
       indicator_code, source_file, sheet, cast(source_row as bigint), cast(value as double),
       detail, quarantined
from quality_new_findings
"""


KEPT_FINDINGS_SQL = f"""
select {", ".join(FINDING_COLUMNS)} from quality.findings f
where f.rule in (select unnest(?))
  and exists (select 1 from {KEY_STATE} k where k.unchanged and {same_unit_period("k", "f")})
"""

REMEMBER_VALIDATED_SQL = f"""
delete from quality.validated_keys;
insert into quality.validated_keys
select province_code, province_valid_from, period, fingerprint from {KEY_STATE};
"""


def is_missing(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def display(value) -> str:
    """A value as a person reads it in a detail sentence."""
    if is_missing(value):
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time(0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def details(rows: pd.DataFrame, template: str) -> list[str]:
    """The template filled in for each row. Only the columns it names are shown: a row has a dozen
    columns, a sentence names three or four, and showing them all took most of the gate's own time."""
    named = list(dict.fromkeys(field for _, field, _, _ in Formatter().parse(template) if field))
    if not named:
        return [template.format_map({})] * len(rows)
    shown = [[display(value) for value in rows[column].tolist()] for column in named]
    return [template.format_map(dict(zip(named, values, strict=True))) for values in zip(*shown, strict=True)]


def values_held_back(findings: pd.DataFrame) -> int:
    """Distinct values held back (a value breaking two rules, or in two broken pairs, counts once)."""
    held = findings[findings["quarantined"].astype(bool)]
    return len(held.drop_duplicates(["province_code", "province_valid_from", "period", "indicator_code"]))


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame(columns=FINDING_COLUMNS)


def _labelled(origins: pd.DataFrame, outcome: ExpectationOutcome) -> pd.DataFrame:
    findings = origins.reindex(columns=ORIGIN_COLUMNS + ["detail"])
    findings.insert(0, "rule", outcome.rule)
    findings.insert(1, "severity", outcome.severity)
    findings["quarantined"] = outcome.severity == "error"
    return findings[FINDING_COLUMNS]


def row_findings(outcome: ExpectationOutcome, offending: pd.DataFrame) -> pd.DataFrame:
    """Findings of a check table whose rows are single values (or province x period)."""
    origins = offending.assign(detail=details(offending, outcome.detail_template))
    context = [column for column in CONTEXT_COLUMNS if column in offending.columns]
    return pd.concat([_labelled(origins, outcome), origins[context]], axis=1)


def pair_findings(
    con: duckdb.DuckDBPyConnection,
    outcome: ExpectationOutcome,
    offending: pd.DataFrame,
    source: str,
) -> pd.DataFrame:
    """Findings of a rule comparing two indicators: both values of each broken pair."""
    broken = offending[PAIR_KEY].assign(detail=details(offending, outcome.detail_template))
    indicators = [outcome.kwargs["column_A"], outcome.kwargs["column_B"]]
    subjects = pd.concat(broken.assign(indicator_code=code) for code in indicators)
    con.register("quality_offending_pairs", subjects)
    try:
        origins = con.execute(PAIR_VALUES_SQL.format(source=checked_table_name(source))).df()
    finally:
        con.unregister("quality_offending_pairs")
    return _labelled(origins, outcome)


def kept_findings(con: duckdb.DuckDBPyConnection, rules: list[str]) -> pd.DataFrame:
    """The stored findings of these rules in the units x periods KEY_STATE marks unchanged."""
    ensure_findings_table(con)
    return con.execute(KEPT_FINDINGS_SQL, [rules]).df()


def replace_findings(
    con: duckdb.DuckDBPyConnection, findings: pd.DataFrame, *, remember_validated: bool = False
) -> None:
    """Replace quality.findings wholesale with these findings, in one transaction.

    ``remember_validated`` also stores KEY_STATE's fingerprints as quality.validated_keys.
    """
    ensure_findings_table(con)
    con.register("quality_new_findings", findings)
    try:
        con.execute("begin transaction")
        con.execute("delete from quality.findings")
        con.execute(REPLACE_FINDINGS_SQL)
        if remember_validated:
            con.execute(REMEMBER_VALIDATED_SQL)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("quality_new_findings")
