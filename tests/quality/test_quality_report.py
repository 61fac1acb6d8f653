"""The report a person reads lists every rule and the offending rows with their origin."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from html.parser import HTMLParser

from quality_tables import CANDIDATES, Status, Value, create_status, create_values

from orchestration.ingest.schema import ensure_raw_schema, store_rejections
from orchestration.quality.evaluate import quarantine
from orchestration.quality.rejections import ingest_rejections
from orchestration.quality.report import render_report
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
    create_values(
        work_db,
        CANDIDATES,
        [
            Value("01", "2024-Q1", "DOSSIERS_TOTAL", 50, 7, "hanoi/2024-Q1.csv"),
            Value("01", "2024-Q1", "DOSSIERS_ONLINE", 80, 8, "hanoi/2024-Q1.csv"),
        ],
    )

    outcome = quarantine(work_db, report_dir=tmp_path / "quality", as_of=date(2024, 6, 1))

    assert outcome.report_path == tmp_path / "quality" / "index.html"
    rows = _rows(outcome.report_path.read_text(encoding="utf-8"))
    summary = {row[0]: row[1:5] for row in rows if len(row) == 6}
    assert summary["dossiers_online_le_total"] == ["error", "FAILED", "2", "2"]
    assert summary["vneid_activated_le_issued"] == ["error", "passed", "0", "0"]
    assert {rule.id for rule in all_rules()} <= summary.keys()
    detail = "DOSSIERS_ONLINE 80 exceeds DOSSIERS_TOTAL 50"
    assert ["Hà Nội (01)", "2024-Q1", "DOSSIERS_ONLINE", "hanoi/2024-Q1.csv", "", "8", "80", detail, "yes"] in rows
    assert ["Hà Nội (01)", "2024-Q1", "DOSSIERS_TOTAL", "hanoi/2024-Q1.csv", "", "7", "50", detail, "yes"] in rows


def test_result_links_to_its_rule_in_the_report(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [])

    outcome = quarantine(work_db, report_dir=tmp_path, as_of=date(2024, 6, 1))

    result = outcome.results[0]
    assert result.report_url == f"{outcome.report_path.as_uri()}#{result.rule.id}"
    assert f'id="{result.rule.id}"' in outcome.report_path.read_text(encoding="utf-8")


def _header(html: str) -> str:
    """The page's title and opening paragraph: what an official reads first."""
    return re.sub(r"<[^>]+>", "", html.split("<table>")[0].split("<body>")[1])


def test_the_header_tells_passed_from_not_evaluated_and_names_no_internal_table(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [Value("01", "2024-Q1", "DOSSIERS_ONLINE", 80, 8)])  # no status table yet

    outcome = quarantine(work_db, report_dir=tmp_path, as_of=date(2024, 6, 1))

    html = outcome.report_path.read_text(encoding="utf-8")
    header = " ".join(_header(html).split())
    total = len(all_rules())
    assert f"{total} rules: {total - 1} passed, 0 failed, 1 not evaluated." in header
    assert not re.search(
        r"\b(intermediate|marts|raw|int_\w+|fct_\w+)\.?\w*\b", header.replace("p06 quality report", "")
    )
    summary = {row[0]: row[2] for row in _rows(html) if len(row) == 6}
    assert summary["submitted_by_deadline"] == "not evaluated (its input was not built)"
    assert summary["percent_within_0_100"] == "passed"


REJECTIONS = """
select * from (values
    (null, 'bad/cut.json', null, null, null, null, 'file_unreadable', 'error',
     ' — file_unreadable: expected valid JSON (a value at line 1)', null, null, null, now(), 1),
    ('h1', 'gia-lai/2025-Q3.csv', null, 5, 'gia_tri', '<b>12,5</b>', 'count_not_whole', 'error',
     ', column gia_tri: value ''<b>12,5</b>'' — count_not_whole: expected a whole number', '52',
     date '2025-07-01', '2025-Q3', now(), 1),
    ('h1', 'gia-lai/2025-Q3.csv', null, 5, 'ma_chi_tieu', 'VNEID_X', 'indicator_unknown', 'error',
     ', column ma_chi_tieu: value ''VNEID_X'' — indicator_unknown: expected an indicator code', '52',
     date '2025-07-01', '2025-Q3', now(), 1)
) as rejections(file_hash, source_file, sheet, source_row, column_name, value_seen, rule, severity, reason,
                province_code, province_valid_from, period, ingested_at, load_id)
"""


def test_files_and_rows_ingestion_did_not_accept_are_listed_with_their_reasons(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [])
    ensure_raw_schema(work_db)
    store_rejections(work_db, REJECTIONS)

    outcome = quarantine(work_db, report_dir=tmp_path, as_of=date(2024, 6, 1))

    html = outcome.report_path.read_text(encoding="utf-8")
    assert "Ingestion: 1 file and 1 row not accepted" in " ".join(_header(html).split())
    rows = _rows(html)
    assert [
        "bad/cut.json",
        "",
        "",
        "",
        "",
        "",
        "",
        "file_unreadable",
        "bad/cut.json — file_unreadable: expected valid JSON (a value at line 1)",
    ] in rows
    assert [
        "gia-lai/2025-Q3.csv",
        "",
        "5",
        "gia_tri",
        "<b>12,5</b>",
        "Gia Lai (52)",
        "2025-Q3",
        "count_not_whole",
        "gia-lai/2025-Q3.csv, row 5, column gia_tri: value '<b>12,5</b>' — count_not_whole: expected a whole number",
    ] in rows
    assert "&lt;b&gt;12,5&lt;/b&gt;" in html  # what a province typed is shown, never interpreted


def test_late_submissions_are_summarised_per_period_with_the_provinces_folded(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [])
    create_status(
        work_db,
        [
            Status("01", "2024-Q1", None),
            Status("52", "2024-Q1", datetime(2024, 4, 20, 9, 30)),
            Status("79", "2024-Q1", datetime(2024, 4, 10)),
            Status("52", "2023-Q4", None),
        ],
    )
    work_db.execute("alter table marts.submission_status add column province_valid_from date default date '2008-08-01'")

    outcome = quarantine(work_db, report_dir=tmp_path, as_of=date(2024, 6, 1))

    html = outcome.report_path.read_text(encoding="utf-8")
    section = html.split('id="submitted_by_deadline"')[1]
    summaries = [" ".join(s.split()) for s in re.findall(r"<summary>(.*?)</summary>", section, re.S)]
    assert summaries == [
        "2024-Q1: deadline 2024-04-15, 2 provinces: 1 not sent, 1 sent late",
        "2023-Q4: deadline 2024-01-15, 1 province: 1 not sent, 0 sent late",
    ]
    assert "3 late submissions over 2 periods" in section
    folded = _rows(section.split("</details>")[0])
    assert folded[1:] == [["Hà Nội (01)", "not sent"], ["Bình Định (52)", "2024-04-20 09:30:00"]]


def test_a_note_the_province_wrote_beside_a_value_is_shown_with_its_finding(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [Value("01", "2024-Q1", "DIGITIZATION_RATE", 150, 4)])
    (result,) = [
        r
        for r in quarantine(work_db, report_dir=tmp_path, as_of=date(2024, 6, 1)).results
        if r.rule.id == "percent_within_0_100"
    ]
    rejections = ingest_rejections(work_db, limit=500)
    noted = replace(result, findings=result.findings.assign(note="Số liệu tạm tính <chưa duyệt>"))

    without = _rows(render_report([result], rejections=rejections, generated_at=datetime(2024, 6, 1, 9)))
    shown = _rows(render_report([noted], rejections=rejections, generated_at=datetime(2024, 6, 1, 9)))

    def findings_table(rows):
        start = next(i for i, row in enumerate(rows) if "detail" in row)
        return rows[start], rows[start + 1]

    assert "note from the submission" not in findings_table(without)[0]
    headings, finding = findings_table(shown)
    assert headings[-2:] == ["note from the submission", "held back"]
    assert finding[-2:] == ["Số liệu tạm tính <chưa duyệt>", "yes"]


def test_a_file_of_many_rejected_rows_is_counted_whole_and_listed_up_to_the_limit(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [])
    ensure_raw_schema(work_db)
    store_rejections(work_db, REJECTIONS)
    store_rejections(
        work_db,
        """
        select 'h2' as file_hash, 'ha-giang/2025-Q3.csv' as source_file, row as source_row, 'ma_tinh' as column_name,
            '02' as value_seen, 'province_not_valid_in_period' as rule, 'error' as severity,
            ', column ma_tinh: value ''02'' — province_not_valid_in_period: expected a unit valid in 2025-Q3' as reason,
            now() as ingested_at, 2 as load_id
        from range(1, 1201) as rows(row)
        """,
    )

    outcome = quarantine(work_db, report_dir=tmp_path, as_of=date(2024, 6, 1))

    html = outcome.report_path.read_text(encoding="utf-8")
    assert "Ingestion: 1 file and 1,201 rows not accepted" in " ".join(_header(html).split())
    listed = [
        row for row in _rows(html) if row and row[0] in ("bad/cut.json", "gia-lai/2025-Q3.csv", "ha-giang/2025-Q3.csv")
    ]
    assert len(listed) == 500
    assert [row[0] for row in listed[:2]] == ["bad/cut.json", "gia-lai/2025-Q3.csv"]
    assert "… and 703 more" in html


def test_a_rejection_stored_again_by_a_later_load_is_counted_and_listed_once(work_db):
    ensure_raw_schema(work_db)
    store_rejections(work_db, REJECTIONS)
    store_rejections(work_db, REJECTIONS)  # the same file under the same name, reported again

    rejections = ingest_rejections(work_db, limit=500)

    assert (rejections.total, rejections.files, rejections.rows) == (3, 1, 1)
    assert [detail.split(" — ")[1] for detail in rejections.first["detail"]] == [
        "file_unreadable: expected valid JSON (a value at line 1)",
        "count_not_whole: expected a whole number",
        "indicator_unknown: expected an indicator code",
    ]


def test_rejections_stored_after_a_report_are_in_the_next_one_and_nothing_else_changes(work_db):
    ensure_raw_schema(work_db)
    store_rejections(work_db, REJECTIONS)
    first = ingest_rejections(work_db, limit=500)

    again = ingest_rejections(work_db, limit=500)  # a refresh that stored no rejection
    store_rejections(
        work_db,
        """
        select 'h3' as file_hash, 'an-giang/2025-Q3.csv' as source_file, 7 as source_row, 'ma_tinh' as column_name,
            '89' as value_seen, 'province_not_valid_in_period' as rule, 'error' as severity,
            ', column ma_tinh: value ''89'' — province_not_valid_in_period: expected a unit valid in 2025-Q3' as reason,
            now() as ingested_at, 2 as load_id
        """,
    )
    later = ingest_rejections(work_db, limit=500)

    assert (again.total, again.files, again.rows) == (first.total, first.files, first.rows) == (3, 1, 1)
    assert again.first.equals(first.first)
    assert (later.total, later.files, later.rows) == (4, 1, 2)
    assert later.first["source_file"].tolist() == ["an-giang/2025-Q3.csv", *first.first["source_file"]]
    assert len(ingest_rejections(work_db, limit=2).first) == 2


def test_the_same_content_rejected_under_another_name_has_its_rows_counted_once(work_db):
    ensure_raw_schema(work_db)
    store_rejections(work_db, REJECTIONS)
    store_rejections(  # the content of gia-lai/2025-Q3.csv arrives again as a copy
        work_db,
        f"select * replace ('gia-lai/copy.csv' as source_file, 2 as load_id) from ({REJECTIONS})"
        " where file_hash = 'h1'",
    )

    rejections = ingest_rejections(work_db, limit=500)

    assert (rejections.total, rejections.files, rejections.rows) == (5, 1, 1)
    assert rejections.first["source_file"].tolist().count("gia-lai/copy.csv") == 2


# A file whose row 7 is stored twice with the same reason (one rejection), and rows 8 and 9.
REPEATED_ROW = """
select 'h4' as file_hash, 'kon-tum/2025-Q3.csv' as source_file, row as source_row, 'ma_tinh' as column_name,
    '62' as value_seen, 'province_not_valid_in_period' as rule, 'error' as severity,
    ', column ma_tinh: value ''62'' — province_not_valid_in_period: expected a unit valid in 2025-Q3' as reason,
    now() as ingested_at, 3 as load_id
from (values (7), (7), (8), (9)) as rows(row)
"""


def test_the_stored_counts_are_those_of_the_stored_rejections_and_an_older_warehouse_gets_them(work_db):
    ensure_raw_schema(work_db)
    store_rejections(work_db, REJECTIONS)
    store_rejections(work_db, f"select * replace (2 as load_id) from ({REJECTIONS})")  # again, same names
    store_rejections(work_db, REPEATED_ROW)
    as_stored = work_db.execute("select * from raw.rejection_counts order by all").fetchall()
    first = ingest_rejections(work_db, limit=500)
    work_db.execute("drop table raw.rejection_counts")  # a warehouse written before the table
    work_db.execute("drop table quality.ingest_rejections_shown")

    again = ingest_rejections(work_db, limit=500)

    assert work_db.execute("select * from raw.rejection_counts order by all").fetchall() == as_stored
    assert (first.total, first.files, first.rows) == (again.total, again.files, again.rows) == (6, 1, 4)
    assert again.first.equals(first.first)
    assert first.first["source_row"].tolist()[-3:] == [7, 8, 9]
