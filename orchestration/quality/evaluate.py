"""Every quality rule over a table of indicator values: quarantine before the facts, gate after.

quarantine(con, report_dir=...)   candidates -> quality.findings + warehouse/quality/index.html
gate(con)                         the facts about to be published -> results (+ quality.gate_findings)

Both check each check table of SCOPES only in the scopes whose values changed since their last
run, and keep the findings of the others (check_tables.SCOPES says why that is exact).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.quality.check_tables import (
    CHECK_TABLE_SQL,
    PAIR_TABLE,
    SCOPES,
    STATUS_TABLE,
    changed_scopes,
    materialized,
    read_rows,
    table_columns,
)
from orchestration.quality.findings import (
    FINDING_COLUMNS,
    ORIGIN_COLUMNS,
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
FINDINGS = "quality.findings"
GATE_FINDINGS = "quality.gate_findings"


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
    sources: Mapping[str, str] | None = None,
    check_tables: Collection[str] | None = None,
) -> list[RuleResult]:
    """Every rule of expectations/ over ``source`` (and ``status_table`` for deadlines).

    ``sources`` replaces ``source`` for the check tables it names (check table -> table or view).
    With ``check_tables``, only the suites of those check tables run; the other rules are not
    evaluated. An empty check table breaks no rule: GX is not asked.
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
        values = (sources or {}).get(check_table, source)
        with materialized(con, check_table, **{**query, "source": values}) as table:
            frame = read_rows(con, table, columns=checked_columns(suite))
            for expectation in suite["expectations"]:
                tallies.setdefault(expectation["meta"]["rule"], _RuleTally())
            for outcome in validate(frame, suite) if len(frame) else []:
                tally = tallies[outcome.rule]
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


def check_table_version(source: str, check_table: str) -> str:
    """Changes whenever the check table's rules or SQL, or the checked table, do: then all its scopes
    are checked again."""
    suites = [suite for suite in suite_files().values() if suite["meta"]["check_table"] == check_table]
    return hashlib.sha256(json.dumps([source, CHECK_TABLE_SQL[check_table], suites]).encode()).hexdigest()


def validate_changed(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    findings_table: str,
    status_table: str,
    as_of: date | None,
    full: bool,
) -> tuple[list[RuleResult], pd.DataFrame]:
    """Every rule over ``source``, the check tables of SCOPES only in their changed scopes (every
    scope with ``full``) plus the findings ``findings_table`` holds in the others; then stores the
    findings there and the scopes' fingerprints as what that validation checked."""
    versions = {check_table: check_table_version(source, check_table) for check_table in SCOPES}
    with changed_scopes(con, source, findings_table=findings_table, versions=versions, full=full) as changed:
        results = evaluate(con, source=source, status_table=status_table, as_of=as_of, sources=changed)
        rules: dict[str, list[str]] = {}
        for rule in all_rules():
            rules.setdefault(rule.check_table, []).append(rule.id)
        kept = kept_findings(con, findings_table, rules)
        results = [with_kept(result, kept) if result.rule.check_table in SCOPES else result for result in results]
        results = [replace(result, findings=in_order(result.findings)) for result in results]
        findings = _concat([result.findings for result in results])[FINDING_COLUMNS]
        replace_findings(con, findings, table=findings_table, remember_validated=True)
    return results, findings


def in_order(findings: pd.DataFrame) -> pd.DataFrame:
    """A rule's findings by province unit, period, indicator and origin: the same order whichever
    scopes were checked again (the report and the checks show the first ones)."""
    return findings.sort_values(ORIGIN_COLUMNS, na_position="first", kind="stable", ignore_index=True)


def with_kept(result: RuleResult, kept: pd.DataFrame) -> RuleResult:
    """A scoped rule's result over the changed scopes, plus its findings in the unchanged ones."""
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

    Error-level findings are quarantined: the facts leave those values out. ``full`` checks every
    scope again, whatever changed.
    """
    results, findings = validate_changed(
        con, source=source, findings_table=FINDINGS, status_table=status_table, as_of=as_of, full=full
    )
    report_path = write_report(results, report_dir, rejections=ingest_rejections(con, limit=MAX_ROWS_SHOWN))
    linked = [replace(result, report_url=rule_url(report_path, result.rule.id)) for result in results]
    return QualityOutcome(results=linked, findings=findings, report_path=report_path)


def gate(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str = FACTS,
    status_table: str = SUBMISSION_STATUS,
    as_of: date | None = None,
    full: bool = False,
) -> list[RuleResult]:
    """Every rule over the data about to be published. Writes only what the next gate keeps
    (quality.gate_findings, the scopes' fingerprints)."""
    results, _ = validate_changed(
        con, source=source, findings_table=GATE_FINDINGS, status_table=status_table, as_of=as_of, full=full
    )
    return results
