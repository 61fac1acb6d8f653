"""Readers on files written the way provinces' programs write them."""

import codecs
import gc
import json
import re
import zipfile
from datetime import date

import openpyxl
import pyarrow as pa
import pytest
from ingest_builders import cp1258, write_template

from orchestration.ingest.readers import read_submission
from orchestration.ingest.readers.limits import Limits

LONG_CSV = (
    "ma_tinh,tinh,ky_bao_cao,ma_chi_tieu,gia_tri,ghi_chu\n"
    '52,Bình Định,Quý I/2024,VNEID_ISSUED,"1,224,975","ghi chú, có dấu phẩy"\n'
    '1,Hà Nội,2024-Q1,digitization_rate,"96,30%",\n'
)


def values_of(parsed):
    return [
        (r["source_row"], r["province_code"], r["period"], r["indicator_code"], r["value"])
        for r in parsed.values.to_pylist()
    ]


@pytest.mark.parametrize(
    "data",
    [
        LONG_CSV.encode("utf-8"),
        codecs.BOM_UTF8 + LONG_CSV.encode("utf-8"),
        LONG_CSV.encode("utf-16"),
        cp1258(LONG_CSV),
        cp1258(
            LONG_CSV.replace(",", ";")
            .replace('"1;224;975"', "1.224.975")
            .replace('"96;30%"', "96,30%")
            .replace('"ghi chú; có dấu phẩy"', '"ghi chú; có"')
        ),
        LONG_CSV.replace("\n", "\r\n").encode("utf-8"),
    ],
)
def test_long_csv_in_every_encoding_and_delimiter(data):
    parsed = read_submission(data, "q1.csv")
    assert parsed.file_format == "csv_long" and parsed.rejections == []
    assert values_of(parsed) == [
        (2, "52", "2024-Q1", "VNEID_ISSUED", 1224975.0),
        (3, "01", "2024-Q1", "DIGITIZATION_RATE", 96.3),
    ]


def test_blank_lines_keep_spreadsheet_row_numbers():
    data = LONG_CSV.replace("\n1,", "\n\n,,,,,\n1,").encode()
    assert [row[0] for row in values_of(read_submission(data, "q1.csv"))] == [2, 5]


@pytest.mark.parametrize(
    "first_note, note_seen",
    [("plain note", "plain note"), ('"a note, quoted\nover two lines"', "a note, quoted\nover two lines")],
)
def test_a_record_is_one_row_with_or_without_quoted_line_breaks(first_note, note_seen):
    data = (
        "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri,ghi_chu\n"
        f"52,2024-Q1,VNEID_ISSUED,10,{first_note}\n"
        "52,2024-Q1,VNEID_ACTIVATED,7,\n"
    ).encode()
    parsed = read_submission(data, "q1.csv")
    assert [(r["source_row"], r["indicator_code"], r["note"]) for r in parsed.values.to_pylist()] == [
        (2, "VNEID_ISSUED", note_seen),
        (3, "VNEID_ACTIVATED", None),
    ]


def test_rejected_row_gets_one_rejection_per_reason():
    data = b"ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n52,2024,VNEID_ISSUED,10\n99,2024,NOPE,abc\n"
    parsed = read_submission(data, "x.csv")
    assert [(r.source_row, r.rule, r.column_name, r.value_seen) for r in parsed.rejections] == [
        (3, "province_unknown", "ma_tinh", "99"),
        (3, "indicator_unknown", "ma_chi_tieu", "NOPE"),
        (3, "number_invalid", "gia_tri", "abc"),
    ]
    assert "x.csv, row 3, column gia_tri" in parsed.rejections[2].detail
    assert parsed.values.num_rows == 1


def test_a_non_additive_indicator_at_commune_level_is_a_rejected_row():
    data = (
        b"ma_tinh,ma_xa,ky_bao_cao,ma_chi_tieu,gia_tri\n"
        b"52,21550,2024,VNEID_ISSUED,100\n"
        b"52,21550,2024,DIGITIZATION_RATE,80\n"
        b"52,,2024,DIGITIZATION_RATE,85\n"  # no commune: the province's own rate
        b"52,21553,2024,SERVICE_INDEX,abc\n"
    )
    parsed = read_submission(data, "xa.csv")
    assert [(r["source_row"], r["commune_code"], r["indicator_code"]) for r in parsed.values.to_pylist()] == [
        (2, "21550", "VNEID_ISSUED"),
        (4, None, "DIGITIZATION_RATE"),
    ]
    assert [(r.source_row, r.rule, r.column_name, r.value_seen) for r in parsed.rejections] == [
        (3, "commune_not_additive", "ma_xa", "21550"),
        (5, "number_invalid", "gia_tri", "abc"),
        (5, "commune_not_additive", "ma_xa", "21553"),
    ]
    assert parsed.rejections[0].detail == (
        "xa.csv, row 3, column ma_xa: value '21550' — commune_not_additive: expected a value for the whole"
        " province, without a commune: DIGITIZATION_RATE is not additive (its commune values do not add up)"
    )
    assert parsed.rows_rejected == 2


def test_tasks_csv():
    data = (
        "tinh,ky_bao_cao,ma_nhiem_vu,noi_dung,han_hoan_thanh,trang_thai,ngay_hoan_thanh\n"
        "Gia Lai,2025-Q3,NV01,Cấp CCCD,30/09/2025,Hoàn thành,2025-09-20\n"
        "Gia Lai,2025-Q3,NV02,Kích hoạt,30/09/2025,dang thuc hien,\n"
        "Gia Lai,2025-Q3,NV03,X,31/02/2025,xong,\n"
    ).encode()
    parsed = read_submission(data, "tasks.csv")
    assert parsed.file_format == "csv_tasks"
    assert [(t["task_code"], t["province_code"], t["status"], t["completed_on"]) for t in parsed.tasks.to_pylist()] == [
        ("NV01", "52", "done", date(2025, 9, 20)),
        ("NV02", "52", "in_progress", None),
    ]
    assert [(r.source_row, r.rule) for r in parsed.rejections] == [(4, "date_invalid"), (4, "status_invalid")]


@pytest.mark.parametrize(
    "data, rule",
    [
        (b"", "file_unreadable"),
        (b"PK\x03\x04\x00\x00\x00garbage", "file_unreadable"),
        (b"name,age\nAn,3\n", "header_missing"),
    ],
)
def test_unreadable_csv_is_one_file_level_rejection(data, rule):
    parsed = read_submission(data, "bad.csv")
    assert [(r.rule, r.source_row) for r in parsed.rejections] == [(rule, None)]


def test_row_limit():
    data = ("ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n" + "52,2024,VNEID_ISSUED,1\n" * 5).encode()
    parsed = read_submission(data, "big.csv", Limits(max_rows=4))
    assert [r.rule for r in parsed.rejections] == ["file_too_large"]


def test_template_with_title_rows_numbers_text_and_tasks(tmp_path):
    path = write_template(
        tmp_path / "t.xlsx",
        title_rows=3,
        sheet_names=("thong tin", "CHI TIEU", "Nhiệm vụ"),
        tasks=[("NV01", "Cấp CCCD", "31/03/2024", "Hoàn thành", "15/03/2024")],
    )
    parsed = read_submission(path.read_bytes(), "t.xlsx")
    assert parsed.rejections == []  # the notes hold uncalculated formulas: harmless text
    assert values_of(parsed) == [
        (5, "52", "2024-Q1", "VNEID_ISSUED", 1224975.0),
        (6, "52", "2024-Q1", "DIGITIZATION_RATE", 96.3),
    ]
    assert parsed.values["sheet"].to_pylist() == ["CHI TIEU"] * 2
    assert [(t["task_code"], t["status"]) for t in parsed.tasks.to_pylist()] == [("NV01", "done")]


@pytest.mark.parametrize(
    "layout, rule",
    [
        ({"title_rows": 10}, "header_missing"),  # header row 11: beyond the first 10 rows
        ({"sheet_names": ("Sheet1", "ChiTieu", "NhiemVu")}, "header_missing"),  # no ThongTin
        ({"period": None}, "header_missing"),  # ThongTin without Kỳ báo cáo
    ],
)
def test_template_without_its_header_is_rejected_as_a_file(tmp_path, layout, rule):
    path = write_template(tmp_path / "h.xlsx", **layout)
    assert [(r.rule, r.source_row) for r in read_submission(path.read_bytes(), "h.xlsx").rejections] == [(rule, None)]


def test_formula_without_cached_value_is_rejected_and_never_evaluated(tmp_path):
    path = write_template(tmp_path / "f.xlsx", values=(("VNEID_ISSUED", "=10+5"), ("VNEID_ELIGIBLE", 7)))
    parsed = read_submission(path.read_bytes(), "f.xlsx")
    assert [(r.source_row, r.rule, r.indicator_code) for r in parsed.rejections] == [
        (4, "formula_uncalculated", "VNEID_ISSUED")
    ]
    assert values_of(parsed) == [(5, "52", "2024-Q1", "VNEID_ELIGIBLE", 7.0)]


def test_formula_with_cached_value_takes_the_cached_result(tmp_path):
    path = write_template(tmp_path / "c.xlsx", values=(("VNEID_ISSUED", "=10+5"),))
    with zipfile.ZipFile(path) as archive:  # what Excel saves: the formula and its last result
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet2.xml"] = re.sub(
        rb"<f>10\+5</f><v\s*/>", b"<f>10+5</f><v>15</v>", parts["xl/worksheets/sheet2.xml"]
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    parsed = read_submission(path.read_bytes(), "c.xlsx")
    assert parsed.rejections == [] and values_of(parsed) == [(4, "52", "2024-Q1", "VNEID_ISSUED", 15.0)]


def test_number_formatted_as_percent_reads_as_shown(tmp_path):
    path = write_template(tmp_path / "p.xlsx", values=(("DIGITIZATION_RATE", 0.963), ("VNEID_ISSUED", 12)))
    workbook = openpyxl.load_workbook(path)
    workbook["ChiTieu"]["C4"].number_format = "0.00%"  # how Excel stores a typed "96,30%"
    workbook.save(path)
    parsed = read_submission(path.read_bytes(), "p.xlsx")
    assert [(r[3], r[4]) for r in values_of(parsed)] == [("DIGITIZATION_RATE", 96.3), ("VNEID_ISSUED", 12.0)]


@pytest.mark.parametrize("data", [b"not a zip", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, b""])
def test_broken_or_encrypted_workbook(data):
    assert [r.rule for r in read_submission(data, "b.xlsx").rejections] == ["file_unreadable"]


@pytest.mark.parametrize(
    "indicators",
    [
        {"VNEID_ISSUED": "1.224.975", "DIGITIZATION_RATE": 96.3},
        [{"code": "VNEID_ISSUED", "value": 1224975}, {"code": "digitization_rate", "value": "96,30%"}],
    ],
)
def test_json_both_shapes(indicators):
    document = {
        "province": "TP.HCM",
        "province_code": "79",
        "period": "Tháng 6/2024",
        "submitted_at": "10/07/2024",
        "indicators": indicators,
        "tasks": [{"task_code": "NV1", "status": "done"}, {"task_code": "NV2", "status": "?"}, "NV3"],
    }
    parsed = read_submission(json.dumps(document, ensure_ascii=False).encode(), "hcm.json")
    assert values_of(parsed) == [
        (1, "79", "2024-06", "VNEID_ISSUED", 1224975.0),
        (2, "79", "2024-06", "DIGITIZATION_RATE", 96.3),
    ]
    assert parsed.values["submitted_at"][0].as_py().date() == date(2024, 7, 10)
    assert [t["task_code"] for t in parsed.tasks.to_pylist()] == ["NV1"]
    assert [(r.sheet, r.source_row, r.rule) for r in parsed.rejections] == [
        ("tasks", 2, "status_invalid"),
        ("tasks", 3, "value_missing"),
        ("tasks", 3, "status_invalid"),
    ]


@pytest.mark.parametrize(
    "data, rule", [(b"{", "file_unreadable"), (b"[1, 2]", "header_missing"), (b'{"period": "2024"}', "header_missing")]
)
def test_bad_json(data, rule):
    assert [r.rule for r in read_submission(data, "x.json").rejections] == [rule]


def notes_of(parsed):
    return [(r["indicator_code"], r["note"]) for r in parsed.values.to_pylist()]


def test_csv_note_column_is_kept_as_text():
    parsed = read_submission(LONG_CSV.encode(), "q1.csv")
    assert notes_of(parsed) == [("VNEID_ISSUED", "ghi chú, có dấu phẩy"), ("DIGITIZATION_RATE", None)]


def test_xlsx_note_is_the_stored_text_never_a_formula_result(tmp_path):
    path = write_template(tmp_path / "n.xlsx", values=(("VNEID_ISSUED", 10), ("VNEID_ELIGIBLE", 20)))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["ChiTieu"]
    sheet["D4"] = "số liệu tạm tính"
    sheet["D5"].value, sheet["D5"].data_type = "=SUM(C4:C5)", "s"  # typed as text, looks like a formula
    workbook.save(path)
    parsed = read_submission(path.read_bytes(), "n.xlsx")
    assert parsed.rejections == []
    assert notes_of(parsed) == [("VNEID_ISSUED", "số liệu tạm tính"), ("VNEID_ELIGIBLE", "=SUM(C4:C5)")]


def test_xlsx_uncalculated_formula_in_note_is_no_note(tmp_path):
    # write_template puts "=1+1" (never calculated) in every note cell: its stored value is empty
    parsed = read_submission(write_template(tmp_path / "f.xlsx").read_bytes(), "f.xlsx")
    assert [note for _, note in notes_of(parsed)] == [None, None]


def test_json_note_per_value():
    document = {
        "province_code": "79",
        "period": "2025-Q3",
        "indicators": [
            {"code": "VNEID_ISSUED", "value": 5, "ghi_chu": "đã rà soát"},
            {"code": "VNEID_ELIGIBLE", "value": 9},
        ],
    }
    parsed = read_submission(json.dumps(document, ensure_ascii=False).encode(), "n.json")
    assert notes_of(parsed) == [("VNEID_ISSUED", "đã rà soát"), ("VNEID_ELIGIBLE", None)]


def test_a_parsed_file_leaves_nothing_behind_once_dropped():
    """A file's rows are freed as soon as nobody holds them: a reference cycle (a memoized parse
    error's traceback held the parse's frames) kept a 1 M-row file's arrays until Python's next
    full collection, ~300 MiB more at the peak of a 4 M-value refresh."""
    rows = "".join(f"52,{n % 97:05d},2024-Q1,VNEID_ISSUED,{n}\n" for n in range(20_000))
    data = ("ma_tinh,ma_xa,ky_bao_cao,ma_chi_tieu,gia_tri\n" + rows + "52,1,2024-Q1,NOPE,x\n").encode()
    gc.collect()
    gc.disable()
    try:
        before = pa.total_allocated_bytes()
        parsed = read_submission(data, "xa.csv", Limits())
        assert parsed.values.num_rows == 20_000 and parsed.rows_rejected == 1
        del parsed
        assert pa.total_allocated_bytes() == before
    finally:
        gc.enable()
