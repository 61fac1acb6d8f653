"""The quality report officials read: one self-contained HTML page per refresh.

Rule verdicts ("passed" apart from "not evaluated"), what ingestion did not accept and why, each
rule's findings with the province by name and code, late submissions per period (detail folded).
The page is templates/quality_report.html.j2, rendered by Jinja2 with autoescape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.quality.findings import display, is_missing
from orchestration.quality.late import LATE_RULE, by_period, label, late_submissions
from orchestration.quality.results import RuleResult
from orchestration.reference import province_label, province_name
from orchestration.settings import VIETNAM
from orchestration.wording import count

if TYPE_CHECKING:
    import pandas as pd
    from jinja2 import Environment

    from orchestration.quality.rejections import IngestRejections

REPORT_FILE = "index.html"
TEMPLATE = "quality_report.html.j2"
MAX_ROWS_SHOWN = 500  # per rule, and of the ingestion rejections; quality_issues lists them all

FINDING_HEADINGS = {
    "province": "province",
    "period": "period",
    "indicator_code": "indicator",
    "source_file": "file",
    "sheet": "sheet",
    "source_row": "row",
    "value": "value",
    "detail": "detail",
    "note": "note from the submission",  # shown when the checked values carry the province's note
    "quarantined": "held back",
}
REJECTION_HEADINGS = {
    "source_file": "file",
    "sheet": "sheet",
    "source_row": "row",
    "column_name": "column",
    "value_seen": "value seen",
    "province": "province",
    "period": "period",
    "rule": "rule",
    "detail": "reason",
}
NUMERIC = {"value", "source_row"}


@dataclass(frozen=True)
class Cell:
    text: str
    number: bool = False


def _cell(value: Any, column: str) -> Cell:
    if is_missing(value):
        return Cell("", column in NUMERIC)
    if column == "source_row":
        return Cell(str(int(value)), True)  # a row number, not a quantity: no thousands separator
    return Cell(display(value), column in NUMERIC)


def _with_province(frame: pd.DataFrame) -> pd.DataFrame:
    """`Hà Nội (01)` beside each row, from the unit's code and valid_from."""
    labels = [
        province_label(code, province_name(code, None if is_missing(valid_from) else valid_from))
        if not is_missing(code)
        else ""
        for code, valid_from in zip(frame["province_code"], frame["province_valid_from"], strict=True)
    ]
    return frame.assign(province=labels)


def _table(frame: pd.DataFrame, headings: dict[str, str]) -> tuple[list[str], list[list[Cell]]]:
    columns = [column for column in headings if column in frame.columns]
    if "note" in columns and frame["note"].isna().all():
        columns.remove("note")
    rows = [[_cell(row[column], column) for column in columns] for row in frame[columns].to_dict("records")]
    return [headings[column] for column in columns], rows


def _status(result: RuleResult) -> tuple[str, str]:
    if result.passed is None:
        return "not-evaluated", "not evaluated (its input was not built)"
    return ("passed", "passed") if result.passed else ("failed", "FAILED")


def _late_view(result: RuleResult) -> dict[str, Any]:
    late = late_submissions(result.findings)
    periods = by_period(late)
    return {
        "late_summary": (
            f"{count(len(late), 'late submission')} over {count(len(periods), 'period')}, latest deadline first "
            "(the late_submission alert covers the recent deadlines)."
        ),
        "late_periods": [
            {
                "period": group.period,
                "deadline": group.deadline or "unknown",
                "headline": f"{count(group.provinces, 'province')}: "
                f"{len(group.not_sent)} not sent, {len(group.sent_late)} sent late",
                "provinces": [
                    {
                        "name": label(item),
                        "sent": display(item["first_submitted_at"]).replace("T", " ")
                        if item["first_submitted_at"]
                        else "not sent",
                    }
                    for item in group.not_sent + group.sent_late
                ],
            }
            for group in periods
        ],
    }


def _rule_view(result: RuleResult) -> dict[str, Any]:
    css, status = _status(result)
    view = {
        "id": result.rule.id,
        "level": result.rule.severity,
        "css": css,
        "label": status,
        "description": result.rule.description,
        "findings": display(float(result.n_findings)),
        "held": display(float(result.findings["quarantined"].sum())) if result.n_findings else "0",
        "late_periods": [],
        "rows": [],
    }
    if not result.n_findings:
        return view
    if result.rule.id == LATE_RULE:
        return {**view, **_late_view(result)}
    headings, rows = _table(_with_province(result.findings.head(MAX_ROWS_SHOWN)), FINDING_HEADINGS)
    return {**view, "headings": headings, "rows": rows, "more": max(result.n_findings - MAX_ROWS_SHOWN, 0)}


@cache
def _environment() -> Environment:
    """One per process: it keeps the compiled template for the next refresh of a long-lived worker."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("orchestration.quality", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(results: list[RuleResult], *, rejections: IngestRejections, generated_at: datetime) -> str:
    environment = _environment()
    rejection_headings, rejection_rows = _table(_with_province(rejections.first), REJECTION_HEADINGS)
    return environment.get_template(TEMPLATE).render(
        generated_at=f"{generated_at.astimezone(VIETNAM):%Y-%m-%d %H:%M}",
        rules_total=count(len(results), "rule"),
        passed=sum(result.passed is True for result in results),
        failed=sum(result.passed is False for result in results),
        not_evaluated=sum(result.passed is None for result in results),
        files_rejected=count(rejections.files, "file"),
        rows_rejected=count(rejections.rows, "row"),
        rules=[_rule_view(result) for result in results],
        rejection_headings=rejection_headings,
        rejections=rejection_rows,
        rejections_more=rejections.total - len(rejections.first),
    )


def rule_url(report_path: Path, rule_id: str) -> str:
    """Link to a rule's section of the report, for a check's metadata."""
    return f"{report_path.resolve().as_uri()}#{rule_id}"


def write_report(results: list[RuleResult], report_dir: Path, *, rejections: IngestRejections) -> Path:
    """Write the report as report_dir/index.html (atomically) and return its path."""
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / REPORT_FILE
    partial = path.with_suffix(".html.partial")
    html = render_report(results, rejections=rejections, generated_at=datetime.now(VIETNAM))
    partial.write_text(html, encoding="utf-8")
    partial.replace(path)
    return path
