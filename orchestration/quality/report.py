"""The quality report people read: one self-contained HTML page per refresh."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.quality.findings import display, is_missing

if TYPE_CHECKING:
    from orchestration.quality.evaluate import RuleResult

REPORT_FILE = "index.html"
MAX_ROWS_SHOWN = 500  # per rule; the full list is in marts.quality_issues

FINDING_HEADINGS = {
    "province_code": "province",
    "period": "period",
    "indicator_code": "indicator",
    "source_file": "file",
    "sheet": "sheet",
    "source_row": "row",
    "value": "value",
    "detail": "detail",
    "quarantined": "held back",
    "note": "province's note",
}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.passed { color: #1a7f37; } .failed { color: #b42318; font-weight: bold; }
.not-evaluated { color: #777; } .warn.failed { color: #b54708; }
"""


def _status(result: RuleResult) -> tuple[str, str]:
    if result.passed is None:
        return "not-evaluated", "not evaluated (input table absent)"
    return ("passed", "passed") if result.passed else ("failed", "FAILED")


def _cell(value, column: str = "") -> str:
    numeric = column in ("value", "source_row", "findings", "held")
    css = ' class="number"' if numeric else ""
    if is_missing(value):
        return f"<td{css}></td>"
    if column == "source_row":
        value = str(int(value))  # a row number, not a quantity: no thousands separator
    return f"<td{css}>{escape(display(value))}</td>"


def _summary_row(result: RuleResult) -> str:
    css, label = _status(result)
    held = int(result.findings["quarantined"].sum()) if result.n_findings else 0
    rule_link = f'<a href="#{result.rule.id}">{escape(result.rule.id)}</a>'
    return (
        f"<tr><td>{rule_link}</td><td>{result.rule.severity}</td>"
        f'<td class="{css} {result.rule.severity}">{label}</td>'
        f"{_cell(float(result.n_findings), 'findings')}{_cell(float(held), 'held')}"
        f"<td>{escape(result.rule.description)}</td></tr>"
    )


def _rule_section(result: RuleResult) -> str:
    css, label = _status(result)
    heading = (
        f'<h2 id="{result.rule.id}">{escape(result.rule.id)} '
        f'<small>({result.rule.severity}, '
        f'<span class="{css} {result.rule.severity}">{label}</span>)</small></h2>'
        f"<p>{escape(result.rule.description)}</p>"
    )
    if not result.n_findings:
        return heading
    shown = result.findings.head(MAX_ROWS_SHOWN)
    header = "".join(f"<th>{title}</th>" for title in FINDING_HEADINGS.values())
    rows = "".join(
        "<tr>" + "".join(_cell(row.get(column), column) for column in FINDING_HEADINGS) + "</tr>"
        for row in shown.to_dict("records")
    )
    more = ""
    if result.n_findings > MAX_ROWS_SHOWN:
        more = (
            f"<p>… and {result.n_findings - MAX_ROWS_SHOWN} more findings "
            "(all are listed in marts.quality_issues).</p>"
        )
    return f"{heading}<table><tr>{header}</tr>{rows}</table>{more}"


def render_report(results: list[RuleResult], *, source: str, generated_at: datetime) -> str:
    failed = [result for result in results if result.passed is False]
    blocking = [result for result in failed if result.rule.blocking]
    summary_header = "".join(
        f"<th>{title}</th>"
        for title in ("rule", "level", "result", "findings", "held back", "what it checks")
    )
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>p06 quality report</title><style>{STYLE}</style></head>
<body>
<h1>p06 quality report</h1>
<p>Checked <code>{escape(source)}</code> at {generated_at:%Y-%m-%d %H:%M:%S %Z}.
{len(results)} rules: {len(results) - len(failed)} passed or not evaluated, {len(failed)} failed
({len(blocking)} at error level; their values are held back from the published marts).</p>
<table><tr>{summary_header}</tr>{''.join(_summary_row(result) for result in results)}</table>
{''.join(_rule_section(result) for result in results)}
</body>
</html>
"""


def rule_url(report_path: Path, rule_id: str) -> str:
    """Link to a rule's section of the report, for a check's metadata."""
    return f"{report_path.resolve().as_uri()}#{rule_id}"


def write_report(results: list[RuleResult], report_dir: Path, *, source: str) -> Path:
    """Write the report as report_dir/index.html (atomically) and return its path."""
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / REPORT_FILE
    partial = path.with_suffix(".html.partial")
    html = render_report(results, source=source, generated_at=datetime.now().astimezone())
    partial.write_text(html, encoding="utf-8")
    partial.replace(path)
    return path
