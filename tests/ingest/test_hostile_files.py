"""Hostile and clumsy submissions next to a good one (issue 14): each costs only its own rows or
its own file-level rejection, with its reason; the good file beside it is ingested. `p06
validate` reports the same. Large files are generated here, never stored."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest
from ingest_builders import cp1258, write_template

from orchestration.ingest.pipeline import ingest_files, ingest_new_files
from orchestration.ingest.readers import READERS, read_submission
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.records import sentence
from orchestration.operations.validate import submissions_named

NOW = datetime(2025, 10, 5, 8, 0)  # Vietnam time
HEADER = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri"
GOOD = f"{HEADER}\n01,2024,VNEID_ISSUED,7\n"


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], None]  # writes the hostile file(s) into the raw dir
    rejections: list[tuple[str, int | None, str]]  # (source_file, source_row, rule)
    values: int = 0  # values the hostile file itself gives


def csv(name: str, text: str, newline: str = "\n") -> Callable[[Path], None]:
    return lambda raw: (raw / name).write_bytes(text.replace("\n", newline).encode())


def json_file(name: str, text: str) -> Callable[[Path], None]:
    return lambda raw: (raw / name).write_text(text, encoding="utf-8")


def template_with_stray_cell(cell: str, value: object) -> Callable[[Path], None]:
    def build(raw: Path) -> None:
        path = write_template(raw / "stray.xlsx")
        workbook = openpyxl.load_workbook(path)
        workbook["ChiTieu"][cell] = value
        workbook.save(path)

    return build


def only_cell_at_xfd1048576(raw: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "ThongTin"
    workbook["ThongTin"]["XFD1048576"] = "x"
    workbook.save(raw / "far.xlsx")


def template_declaring_4e9_strings(raw: Path) -> None:
    """calamine would reserve 96 GB for the shared strings this workbook declares."""
    path = write_template(raw / "declares.xlsx")
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        (
            b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings"/></Relationships>'
        ),
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sharedStrings+xml"/></Types>'
        ),
    )
    with zipfile.ZipFile(path, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)


def symlink(name: str, target: str) -> Callable[[Path], None]:
    return lambda raw: os.symlink(target, raw / name)


def undecodable_name(raw: Path) -> None:
    name = cp1258("Bình Định q1.csv")  # a Windows-1258 name out of a zip
    with open(os.path.join(os.fsencode(raw), name), "wb") as stream:
        stream.write(f"{HEADER}\n52,2024,VNEID_ISSUED,3\n".encode())


def nested_json(raw: Path) -> None:
    depth = 10_000
    (raw / "deep.json").write_text(
        '{"province_code": "01", "period": "2024", "indicators": ' + "[" * depth + "]" * depth + "}"
    )


def no_newline_csv(raw: Path) -> None:
    (raw / "one_line.csv").write_bytes(b"ma_tinh," + b"x" * 50_000_000)


CASES = {
    "symlink loop": Case(symlink("loop.csv", "loop.csv"), [("loop.csv", None, "link_not_followed")]),
    "dangling symlink": Case(symlink("gone.csv", "nowhere/q1.csv"), [("gone.csv", None, "link_not_followed")]),
    "symlink out of the raw dir": Case(
        symlink("passwd.csv", "/etc/passwd"), [("passwd.csv", None, "link_not_followed")]
    ),
    "symlinked folder loop": Case(symlink("again", "."), []),
    "FIFO named .csv (reading it would wait forever)": Case(
        lambda raw: os.mkfifo(raw / "pipe.csv"), [("pipe.csv", None, "file_unreadable")]
    ),
    "xlsx whose only cell is XFD1048576": Case(only_cell_at_xfd1048576, [("far.xlsx", None, "header_missing")]),
    "stray blank cell at row 1,048,576": Case(template_with_stray_cell("A1048576", " "), [], values=2),
    "stray value at XFD1048576 beside real rows": Case(template_with_stray_cell("XFD1048576", "x"), [], values=2),
    "shared strings declaring 4,000,000,000 entries": Case(template_declaring_4e9_strings, [], values=2),
    "JSON nested 10,000 deep": Case(nested_json, [("deep.json", None, "file_unreadable")]),
    "400-digit JSON integer": Case(
        json_file(
            "big.json",
            '{"province_code": "01", "period": "2024", "indicators": '
            '{"VNEID_ISSUED": 1' + "0" * 399 + ', "VNEID_ACTIVATED": 5}}',
        ),
        [("big.json", 1, "number_out_of_range")],
        values=1,
    ),
    "JSON Infinity and a 1e400 float": Case(
        json_file(
            "inf.json",
            '{"province_code": "01", "period": "2024", "indicators": '
            '{"VNEID_ISSUED": Infinity, "VNEID_ACTIVATED": 1e400}}',
        ),
        [("inf.json", 1, "number_out_of_range"), ("inf.json", 2, "number_out_of_range")],
    ),
    "JSON lone surrogate and NUL": Case(
        json_file(
            "odd_text.json",
            '{"province_code": "01", "period": "2024", "indicators": '
            '{"VNEID_ISSUED": "\\ud800", "VNEID_ACTIVATED": "1\\u00002", "CCCD_ISSUED": 4,'
            ' "\\udc00": 1},'
            ' "tasks": [{"task_code": "T\\u00001", "status": "done", "task_name": "\\udfff"}]}',
        ),
        [
            ("odd_text.json", 1, "number_invalid"),
            ("odd_text.json", 2, "number_invalid"),
            ("odd_text.json", 4, "indicator_unknown"),
        ],
        values=1,
    ),
    "JSON key given twice": Case(
        json_file(
            "twice.json",
            '{"province_code": "01", "period": "2024", "indicators": '
            '[{"code": "VNEID_ISSUED", "value": 1, "value": 2}]}',
        ),
        [("twice.json", None, "header_ambiguous")],
    ),
    "50 MB CSV without a newline": Case(no_newline_csv, [("one_line.csv", None, "file_unreadable")]),
    "CSV with CR-only line endings (CSV Macintosh)": Case(
        csv("mac.csv", f"{HEADER}\n52,2024,VNEID_ISSUED,3\n52,2024,VNEID_ACTIVATED,2\n", "\r"), [], values=2
    ),
    "file name not valid UTF-8": Case(undecodable_name, [], values=1),
    "counts near 1e308 and above 2^53, 400 digits": Case(
        csv(
            "huge.csv",
            f"{HEADER}\n52,2024,VNEID_ISSUED,1{'0' * 308}\n52,2024,VNEID_ACTIVATED,9007199254740993\n"
            f"52,2024,VNEID_ELIGIBLE,{'9' * 400}\n52,2024,CCCD_ISSUED,9007199254740991\n",
        ),
        [
            ("huge.csv", 2, "number_out_of_range"),
            ("huge.csv", 3, "number_out_of_range"),
            ("huge.csv", 4, "number_out_of_range"),
        ],
        values=1,
    ),
    "two gia_tri columns": Case(
        csv("two_values.csv", "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri,Giá trị\n52,2024,VNEID_ISSUED,3,4\n"),
        [("two_values.csv", None, "header_ambiguous")],
    ),
    "submitted in 2099, a period not begun": Case(
        csv(
            "future.csv",
            f"{HEADER},ngay_bao_cao\n52,2024,VNEID_ISSUED,3,01/01/2099\n"
            "52,2031,VNEID_ISSUED,3,\n52,2025-Q4,VNEID_ISSUED,3,06/10/2025\n"
            "52,2025-Q3,VNEID_ISSUED,4,07/10/2025\n",
        ),
        [
            ("future.csv", 2, "date_in_future"),
            ("future.csv", 3, "period_in_future"),
            ("future.csv", 5, "date_in_future"),
        ],
        values=1,
    ),
    "empty .csv and empty .xlsx": Case(
        lambda raw: [(raw / name).write_bytes(b"") for name in ("empty.csv", "empty.xlsx")],
        [("empty.csv", None, "file_unreadable"), ("empty.xlsx", None, "file_unreadable")],
    ),
}


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "work.duckdb"))
    yield connection
    connection.close()


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_file_costs_only_itself(case, raw_dir, con):
    (raw_dir / "good.csv").write_text(GOOD, encoding="utf-8")
    case.build(raw_dir)
    ingest_new_files(raw_dir, con, now=NOW)
    assert (
        con.execute(
            "select source_file, source_row, rule from raw.ingest_rejections order by source_file, source_row"
        ).fetchall()
        == case.rejections
    )
    assert con.execute(
        "select province_code, value from raw.indicator_values where source_file = 'good.csv'"
    ).fetchall() == [("01", 7.0)]
    assert con.execute("select count(*) from raw.indicator_values where source_file <> 'good.csv'").fetchone() == (
        case.values,
    )
    assert con.execute("select count(*) from raw.indicator_values where not isfinite(value)").fetchone() == (0,)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_validate_reads_as_the_refresh(case, raw_dir, tmp_path):
    """`p06 validate RAW_DIR` names and ingests the files into its scratch database (its rules
    run after, on the values read)."""
    (raw_dir / "good.csv").write_text(GOOD, encoding="utf-8")
    case.build(raw_dir)
    files, rejected, not_checked = submissions_named([raw_dir])
    with duckdb.connect(str(tmp_path / "scratch.duckdb")) as scratch:
        found = ingest_files(scratch, files, rejected=tuple(rejected), now=NOW)
    assert not_checked == []
    assert sorted((os.path.relpath(r.source_file, raw_dir.resolve()), r.source_row, r.rule) for r in found) == sorted(
        case.rejections
    )


def test_a_sheet_read_by_its_stored_cells_reads_as_a_small_one(tmp_path):
    """A stray cell sends a sheet to the sparse reader: numbers, text, percents, dates, formulas
    read the same as without it."""
    small = write_template(
        tmp_path / "small.xlsx",
        values=(
            ("VNEID_ISSUED", 1224975),
            ("DIGITIZATION_RATE", 0.963),
            ("VNEID_ACTIVATED", "=1+1"),
            ("CCCD_ISSUED", "1.224"),
        ),
        tasks=[("NV01", "Cấp CCCD", date(2024, 3, 31), "Hoàn thành", datetime(2024, 3, 15, 9, 30))],
    )
    workbook = openpyxl.load_workbook(small)
    workbook["ChiTieu"]["C5"].number_format = "0.00%"
    workbook.save(small)
    workbook["ChiTieu"]["XFD1048576"] = "x"
    workbook["NhiemVu"]["XFD1048576"] = "x"
    workbook.save(tmp_path / "sparse.xlsx")
    dense, sparse = (
        read_submission((tmp_path / name).read_bytes(), "q1.xlsx", Limits(today=NOW.date()))
        for name in ("small.xlsx", "sparse.xlsx")
    )
    assert sparse.values.to_pylist() == dense.values.to_pylist()
    assert sparse.tasks.to_pylist() == dense.tasks.to_pylist()
    assert sparse.rejections == dense.rejections
    assert [row["value"] for row in dense.values.to_pylist()] == [1224975.0, 96.3, 1224.0]
    assert [r.rule for r in dense.rejections] == ["formula_uncalculated"]


def test_undecodable_name_is_kept_with_its_bytes_escaped(raw_dir, con):
    undecodable_name(raw_dir)
    ingest_new_files(raw_dir, con, now=NOW)
    assert con.execute("select source_file, status from raw.ingested_files").fetchall() == [
        ("Bi\\xccnh \\xd0i\\xf2nh q1.csv", "ingested")
    ]


def test_text_quoted_from_a_file_is_stored_escaped(raw_dir, con):
    CASES["JSON lone surrogate and NUL"].build(raw_dir)
    ingest_new_files(raw_dir, con, now=NOW)
    assert con.execute("select value_seen from raw.ingest_rejections order by source_row").fetchall() == [
        ("\\ud800",),
        ("1\\x002",),
        ("\\udc00",),
    ]
    assert con.execute("select task_code, task_name from raw.task_rows").fetchall() == [("T\\x001", "\\udfff")]


def test_reasons_name_what_was_expected(raw_dir, con):
    CASES["two gia_tri columns"].build(raw_dir)
    CASES["counts near 1e308 and above 2^53, 400 digits"].build(raw_dir)
    CASES["symlink loop"].build(raw_dir)
    ingest_new_files(raw_dir, con, now=NOW)
    stored = con.execute("select rule, source_file, sheet, source_row, reason from raw.ingest_rejections")
    details = {rule: sentence(*where) for rule, *where in stored.fetchall()}
    assert "'gia_tri' and 'Giá trị' both name it" in details["header_ambiguous"]
    assert "9,007,199,254,740,991" in details["number_out_of_range"]
    assert (
        details["link_not_followed"]
        == "loop.csv — link_not_followed: expected a file (this symbolic link loops back on itself)"
    )


def test_folder_link_is_not_entered_and_said_so(raw_dir, con, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "q1.csv").write_text(GOOD, encoding="utf-8")
    os.symlink(outside, raw_dir / "linked")
    report = ingest_new_files(raw_dir, con, now=NOW)
    assert report.files_seen == 0
    assert report.not_read == ["linked: a link to a folder, not entered"]


def test_an_unreadable_content_is_reported_under_each_name_once(raw_dir, con):
    (raw_dir / "a.csv").write_bytes(b"")
    ingest_new_files(raw_dir, con, now=NOW)
    (raw_dir / "b.xlsx").write_bytes(b"")
    (raw_dir / "c.csv").write_bytes(b"")
    report = ingest_new_files(raw_dir, con, now=NOW)
    (raw_dir / "a.csv").chmod(0o600)  # a new ctime: hashed again, still the same content
    again = ingest_new_files(raw_dir, con, now=NOW)
    assert (report.files_rejected, again.files_rejected, again.files_skipped) == (2, 0, 3)
    assert con.execute(
        "select source_file, rule, expected_detail from (select *, split_part(reason, ': expected ', 2)"
        " as expected_detail from raw.ingest_rejections) order by 1"
    ).fetchall() == [
        ("a.csv", "file_unreadable", "a non-empty file"),
        ("b.xlsx", "file_unreadable", "an .xlsx workbook (Excel 2007 or later, not password-protected)"),
        ("c.csv", "file_unreadable", "a non-empty file"),
    ]
    assert con.execute("select count(*) from raw.ingested_files").fetchone() == (1,)


def test_a_missing_link_target_is_reported_once_not_every_night(raw_dir, con):
    CASES["dangling symlink"].build(raw_dir)
    ingest_new_files(raw_dir, con, now=NOW)
    ingest_new_files(raw_dir, con, now=NOW)
    assert con.execute("select count(*) from raw.ingest_rejections").fetchone() == (1,)


def test_correction_with_same_size_and_mtime_is_read(raw_dir, con):
    path = raw_dir / "q1.csv"
    path.write_text(f"{HEADER}\n52,2024,VNEID_ISSUED,1\n", encoding="utf-8")
    ingest_new_files(raw_dir, con, now=NOW)
    stat = path.stat()
    path.write_text(f"{HEADER}\n52,2024,VNEID_ISSUED,9\n", encoding="utf-8")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as `cp -p` / `rsync -t` / unzip do
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert ingest_new_files(raw_dir, con, now=NOW).files_ingested == 1
    assert con.execute("select value from raw.indicator_values order by load_id").fetchall() == [(1.0,), (9.0,)]


def test_raw_dir_that_is_missing_or_a_file_fails_the_ingest(tmp_path, con):
    with pytest.raises(NotADirectoryError, match="does not exist"):
        ingest_new_files(tmp_path / "typo", con, now=NOW)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a directory"):
        ingest_new_files(tmp_path / "file", con, now=NOW)


def test_a_reader_that_breaks_costs_only_its_file(raw_dir, con, monkeypatch):
    def broken_reader(data, source_file, limits):
        raise KeyError("a case no reader foresaw")

    monkeypatch.setitem(READERS, ".json", broken_reader)
    (raw_dir / "good.csv").write_text(GOOD, encoding="utf-8")
    (raw_dir / "odd.json").write_text("{}", encoding="utf-8")
    report = ingest_new_files(raw_dir, con, now=NOW)
    assert (report.files_ingested, report.files_rejected) == (1, 1)
    stored = con.execute("select source_file, rule, sheet, source_row, reason from raw.ingest_rejections")
    assert [(f, rule, sentence(f, *where)) for f, rule, *where in stored.fetchall()] == [
        (
            "odd.json",
            "file_unreadable",
            "odd.json — file_unreadable: expected a file p06 can read (reading it failed: KeyError)",
        )
    ]
