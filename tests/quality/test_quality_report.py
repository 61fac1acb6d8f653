"""The report a person reads lists every rule and the offending rows with their origin."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from quality_tables import CANDIDATES, Status, Value, create_status, create_values

from orchestration.quality.evaluate import quarantine
from orchestration.quality.rules import all_rules


class _TableRows(HTMLParser):
    """The text of every table row, cell by cell."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1][-1] += data


def _rows(html: str) -> list[list[str]]:
    parser = _TableRows()
    parser.feed(html)
    return parser.rows


def test_report_lists_each_rule_and_the_offending_rows(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [
        Value("01", "2024-Q1", "DOSSIERS_TOTAL", 50, 7, "hanoi/2024-Q1.csv"),
        Value("01", "2024-Q1", "DOSSIERS_ONLINE", 80, 8, "hanoi/2024-Q1.csv"),
    ])

    outcome = quarantine(work_db, report_dir=tmp_path / "quality", as_of=date(2024, 6, 1))

    assert outcome.report_path == tmp_path / "quality" / "index.html"
    rows = _rows(outcome.report_path.read_text(encoding="utf-8"))
    summary = {row[0]: row[1:5] for row in rows if len(row) == 6}
    assert summary["dossiers_online_le_total"] == ["error", "FAILED", "2", "2"]
    assert summary["vneid_activated_le_issued"] == ["error", "passed", "0", "0"]
    assert {rule.id for rule in all_rules()} <= summary.keys()
    detail = "DOSSIERS_ONLINE 80 exceeds DOSSIERS_TOTAL 50"
    assert ["01", "2024-Q1", "DOSSIERS_ONLINE", "hanoi/2024-Q1.csv", "", "8", "80", detail, "yes", ""] in rows
    assert ["01", "2024-Q1", "DOSSIERS_TOTAL", "hanoi/2024-Q1.csv", "", "7", "50", detail, "yes", ""] in rows


def test_report_shows_the_province_note_beside_its_value_as_text(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [
        Value("01", "2024-Q1", "DOSSIERS_TOTAL", 50, 7, "hanoi/2024-Q1.csv"),
        Value("01", "2024-Q1", "DOSSIERS_ONLINE", 80, 8, "hanoi/2024-Q1.csv"),
    ])
    create_status(work_db, [Status("52", "2024-Q1", None)])  # late: a finding without an indicator
    work_db.execute(f"alter table {CANDIDATES} add column note varchar")
    work_db.execute(f"update {CANDIDATES} set note = '<i>=A1</i> gồm hồ sơ liên thông'"
                    " where indicator_code = 'DOSSIERS_ONLINE'")

    html = quarantine(work_db, report_dir=tmp_path, as_of=date(2024, 6, 1)).report_path.read_text(encoding="utf-8")

    online = next(row for row in _rows(html) if row[2:3] == ["DOSSIERS_ONLINE"])
    assert online[-1] == "<i>=A1</i> gồm hồ sơ liên thông"
    assert "&lt;i&gt;=A1&lt;/i&gt;" in html


def test_result_links_to_its_rule_in_the_report(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [])

    outcome = quarantine(work_db, report_dir=tmp_path, as_of=date(2024, 6, 1))

    result = outcome.results[0]
    assert result.report_url == f"{outcome.report_path.as_uri()}#{result.rule.id}"
    assert f'id="{result.rule.id}"' in outcome.report_path.read_text(encoding="utf-8")
