"""Every quality rule over a table of indicator values: quarantine before the facts, gate after.

quarantine(con, report_dir=...)   candidates -> quality.findings + warehouse/quality/index.html
                                  (row-local rules only on the units x periods that changed)
gate(con)                         the facts about to be published -> results only, no writes
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.quality.check_tables import (
    PAIR_TABLE,
    ROW_LOCAL_TABLES,
    STATUS_TABLE,
    changed_values,
    materialized,
    read_rows,
    table_columns,
)
from orchestration.quality.findings import (
    FINDING_COLUMNS,
    PAIR_KEY,
    empty_findings,
    kept_findings,
    pair_findings,
    replace_findings,
    row_findings,
)
from orchestration.quality.rejections import ingest_rejections
from orchestration.quality.report import MAX_ROWS_SHOWN, rule_url, write_report
from orchestration.quality.results import QualityOutcome, RuleResult
from orchestration.quality.rules import all_rules, suite_files
from orchestration.quality.validation import ExpectationOutcome, validate
from orchestration.settings import today_in_vietnam

CANDIDATES = "intermediate.int_indicator_values_resolved"
FACTS = "marts.fct_indicator_value"
SUBMISSION_STATUS = "marts.submission_status"


def pair_indicators(suites: dict[str, dict]) -> list[str]:
    """The indicator columns the pair suite compares: the columns of the wide table."""
    kwargs = [expectation["kwargs"] for expectation in suites[PAIR_TABLE]["expectations"]]
    return sorted({kw[column] for kw in kwargs for column in ("column_A", "column_B")})


def checked_columns(suite: dict) -> list[str]:
    """check_row and every column the suite's expectations read, in order of appearance."""
    columns = ["check_row"]
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        columns += [kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs]
        columns += kwargs.get("column_list", [])
    return list(dict.fromkeys(columns))


def _findings(
    con: duckdb.DuckDBPyConnection,
    outcome: ExpectationOutcome,
    table: str,
    check_table: str,
    source: str,
) -> pd.DataFrame:
    if not outcome.offending_rows:
        return empty_findings()
    offending = read_rows(con, table, columns=["*"], check_rows=outcome.offending_rows)
    if check_table == PAIR_TABLE:
        return pair_findings(con, outcome, offending, source)
    return row_findings(outcome, offending)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    non_empty = [frame for frame in frames if not frame.empty]
    return pd.concat(non_empty, ignore_index=True) if non_empty else empty_findings()


@dataclass
class _RuleTally:
    passed: bool = True
    n_unexpected: int = 0
    findings: list[pd.DataFrame] = field(default_factory=list)


def evaluate(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    status_table: str = SUBMISSION_STATUS,
    as_of: date | None = None,
    row_local_source: str | None = None,
    check_tables: Collection[str] | None = None,
) -> list[RuleResult]:
    """Every rule of expectations/ over ``source`` (and ``status_table`` for deadlines).

    ``row_local_source`` replaces ``source`` for the suites of ROW_LOCAL_TABLES. With
    ``check_tables``, only the suites of those check tables run; the other rules are not evaluated.
    """
    suites = suite_files()
    status_exists = table_columns(con, status_table) is not None
    query = {
        "source": source,
        "status_table": status_table,
        "indicators": pair_indicators(suites),
        "as_of": as_of or today_in_vietnam(),
    }
    tallies: dict[str, _RuleTally] = {}
    for suite in suites.values():
        check_table = suite["meta"]["check_table"]
        if check_table == STATUS_TABLE and not status_exists:
            continue
        if check_tables is not None and check_table not in check_tables:
            continue
        values = row_local_source if row_local_source and check_table in ROW_LOCAL_TABLES else source
        with materialized(con, check_table, **{**query, "source": values}) as table:
            frame = read_rows(con, table, columns=checked_columns(suite))
            for outcome in validate(frame, suite):
                tally = tallies.setdefault(outcome.rule, _RuleTally())
                tally.passed &= outcome.success
                tally.n_unexpected += len(outcome.offending_rows)
                tally.findings.append(_findings(con, outcome, table, check_table, values))
    return [
        RuleResult(
            rule=rule,
            passed=tallies[rule.id].passed,
            n_unexpected=tallies[rule.id].n_unexpected,
            findings=_concat(tallies[rule.id].findings),
        )
        if rule.id in tallies
        else RuleResult(rule=rule, passed=None)
        for rule in all_rules()
    ]


def rules_version(source: str) -> str:
    """Changes whenever the row-local rules or the checked table do: then everything is re-validated."""
    suites = [suite for suite in suite_files().values() if suite["meta"]["check_table"] in ROW_LOCAL_TABLES]
    return hashlib.sha256(json.dumps([source, suites], sort_keys=True).encode()).hexdigest()


def with_kept(result: RuleResult, kept: pd.DataFrame) -> RuleResult:
    """A row-local rule's result over the changed values, plus its findings in unchanged ones."""
    previous = kept[kept["rule"] == result.rule.id]
    if previous.empty:
        return result
    rows = len(previous.drop_duplicates(PAIR_KEY)) if result.rule.check_table == PAIR_TABLE else len(previous)
    return replace(
        result,
        passed=False,
        n_unexpected=result.n_unexpected + rows,
        findings=_concat([previous, result.findings]),
    )


def quarantine(
    con: duckdb.DuckDBPyConnection,
    *,
    report_dir: Path,
    source: str = CANDIDATES,
    status_table: str = SUBMISSION_STATUS,
    as_of: date | None = None,
    full: bool = False,
) -> QualityOutcome:
    """Check the candidate values, replace quality.findings and write the report.

    Error-level findings are quarantined: the facts leave those values out. Row-local rules
    check only the units x periods whose values changed since the last quarantine (all of them
    with ``full``); their findings elsewhere are kept.
    """
    with changed_values(con, source, rules_version=rules_version(source), full=full) as changed:
        results = evaluate(con, source=source, status_table=status_table, as_of=as_of, row_local_source=changed)
        row_local = [rule.id for rule in all_rules() if rule.check_table in ROW_LOCAL_TABLES]
        kept = kept_findings(con, row_local)
        results = [with_kept(result, kept) if result.rule.id in row_local else result for result in results]
        findings = _concat([result.findings for result in results])[FINDING_COLUMNS]
        replace_findings(con, findings, remember_validated=True)
    report_path = write_report(results, report_dir, rejections=ingest_rejections(con, limit=MAX_ROWS_SHOWN))
    linked = [replace(result, report_url=rule_url(report_path, result.rule.id)) for result in results]
    return QualityOutcome(results=linked, findings=findings, report_path=report_path)


def gate(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str = FACTS,
    status_table: str = SUBMISSION_STATUS,
    as_of: date | None = None,
) -> list[RuleResult]:
    """Every rule over the data about to be published; writes nothing."""
    return evaluate(con, source=source, status_table=status_table, as_of=as_of)
