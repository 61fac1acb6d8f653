"""`p06 template`: the pre-filled workbook, filled in as an official would, ingests with no rejection."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.cli import main
from orchestration.ingest.readers import read_submission
from orchestration.reference import load_indicators

TYPED = {"count": 1_224_975, "percent": 96.3, "score": 85.5}
NOTE = "=SUM(G4:G9) số liệu tạm tính"  # looks like a formula: stays text


def publish_fct(warehouse: Path, rows: list[tuple]) -> None:
    warehouse.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse / "p06.duckdb")) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_indicator_value (province_code varchar, province_valid_from date,"
            " period varchar, period_grain varchar, period_end date, indicator_code varchar, value double)"
        )
        con.executemany("insert into marts.fct_indicator_value values (?, ?, ?, ?, ?, ?, ?)", rows)


@pytest.fixture
def ha_noi_q4(tmp_path, monkeypatch) -> Path:
    """Hà Nội's 2025-Q4 template, with 2025-Q3 (and an older Q2 of the same code) published."""
    monkeypatch.delenv("P06_WAREHOUSE_DIR", raising=False)
    warehouse = tmp_path / "warehouse"
    publish_fct(
        warehouse,
        [
            ("01", date(2025, 7, 1), "2025-Q3", "quarter", date(2025, 9, 30), "VNEID_ISSUED", 7_000_000),
            ("01", date(2025, 7, 1), "2025", "year", date(2025, 12, 31), "VNEID_ISSUED", 1),  # other grain
            ("01", date(2008, 8, 1), "2025-Q2", "quarter", date(2025, 6, 30), "VNEID_ELIGIBLE", 5),  # old unit
        ],
    )
    output = tmp_path / "out" / "hn.xlsx"
    assert (
        main(
            ["template", "Thành phố Hà Nội", "Quý IV/2025", "--output", str(output), "--warehouse-dir", str(warehouse)]
        )
        == 0
    )
    return output


def fill_in(path: Path) -> Path:
    """What an official does: a value next to every code, a note beside one, the date, one task."""
    workbook = openpyxl.load_workbook(path)
    info, values, tasks = workbook["ThongTin"], workbook["ChiTieu"], workbook["NhiemVu"]
    info["B8"] = datetime(2026, 1, 10)
    units = {code: indicator.unit for code, indicator in load_indicators().items()}
    for row in values.iter_rows(min_row=4):
        row[6].value = TYPED[units[row[0].value]]
    # the note cell is formatted as text, so Excel stores what is typed there as text
    assert values["H4"].number_format == "@"
    values["H4"].value, values["H4"].data_type = NOTE, "s"
    tasks.append(["NV01", "Cấp tài khoản định danh mức 2", datetime(2025, 12, 31), "Đang thực hiện", None])
    filled = path.with_name("filled.xlsx")
    workbook.save(filled)
    return filled


def test_filled_template_ingests_with_zero_rejections(ha_noi_q4):
    parsed = read_submission(fill_in(ha_noi_q4).read_bytes(), "01_2025-Q4.xlsx")
    assert parsed.rejections == []
    values = parsed.values.to_pylist()
    indicators = load_indicators()
    assert {(v["province_code"], v["province_valid_from"], v["period"]) for v in values} == {
        ("01", date(2025, 7, 1), "2025-Q4")
    }
    assert {v["indicator_code"]: v["value"] for v in values} == {
        code: TYPED[indicator.unit] for code, indicator in indicators.items()
    }
    assert [v["note"] for v in values if v["note"]] == [NOTE]
    assert values[0]["submitted_at"] == datetime(2026, 1, 10)
    (task,) = parsed.tasks.to_pylist()
    assert (task["task_code"], task["status"], task["deadline"]) == ("NV01", "in_progress", date(2025, 12, 31))


def test_template_is_prefilled_with_the_unit_period_deadline_catalogue_and_last_values(ha_noi_q4):
    workbook = openpyxl.load_workbook(ha_noi_q4)
    info = {row[0]: row[1:] for row in workbook["ThongTin"].iter_rows(values_only=True) if row[0]}
    assert info["Tỉnh/Thành phố"][0] == "Hà Nội" and info["Mã tỉnh"][0] == "01"
    assert info["Kỳ báo cáo"][:2] == ("2025-Q4", "Quý IV/2025")
    assert info["Hạn gửi báo cáo"][0].date() == date(2026, 1, 15)
    rows = {row[0]: row for row in workbook["ChiTieu"].iter_rows(min_row=4, values_only=True)}
    assert list(rows) == list(load_indicators())
    assert rows["VNEID_ISSUED"][1:6] == (
        "Số tài khoản định danh điện tử đã cấp",
        "Số lượng",
        "Số tại cuối kỳ",
        "2025-Q3",
        7_000_000,
    )
    assert rows["DOSSIERS_TOTAL"][3] == "Phát sinh trong kỳ"
    assert rows["VNEID_ELIGIBLE"][4:6] == (None, None)  # only the old unit sent it: no hint


def validations(sheet) -> dict[str, tuple]:
    return {str(v.sqref): (v.type, v.operator, v.formula1, v.formula2) for v in sheet.data_validations.dataValidation}


def test_every_entry_cell_is_validated_and_open_and_the_rest_locked(ha_noi_q4):
    workbook = openpyxl.load_workbook(ha_noi_q4)
    chi_tieu = workbook["ChiTieu"]
    rows = {row[0].value: row[0].row for row in chi_tieu.iter_rows(min_row=4)}
    by_type = {rule[:2]: sqref.split() for sqref, rule in validations(chi_tieu).items()}
    assert f"G{rows['VNEID_ISSUED']}" in by_type["whole", "greaterThanOrEqual"]
    assert by_type["decimal", "between"] == [f"G{rows['DIGITIZATION_RATE']}"]
    assert validations(chi_tieu)[f"G{rows['DIGITIZATION_RATE']}"][2:] == ("0", "100")
    values = [cell for kind, cells in by_type.items() if kind[0] != "textLength" for cell in cells]
    assert sorted(values) == sorted(f"G{row}" for row in rows.values())
    assert sorted(by_type["textLength", "lessThanOrEqual"]) == sorted(f"H{row}" for row in rows.values())
    tasks = validations(workbook["NhiemVu"])
    assert tasks["D3:D102"] == ("list", None, '"Hoàn thành,Đang thực hiện,Chưa thực hiện"', None)
    assert tasks["C3:C102 E3:E102"][0] == "date"
    assert tasks["A3:B102"][0] == "textLength"
    assert validations(workbook["ThongTin"])["B8"][0] == "date"
    for sheet in workbook:
        assert sheet.protection.sheet
    assert chi_tieu["A4"].protection.locked and chi_tieu["F4"].protection.locked
    assert not chi_tieu["G4"].protection.locked and not chi_tieu["H4"].protection.locked
    assert not workbook["NhiemVu"]["A3"].protection.locked
    assert workbook["ThongTin"]["B5"].protection.locked and not workbook["ThongTin"]["B8"].protection.locked


def p06(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "template", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "province, reason",
    [
        ("Bình Định", "Bình Định (52) existed 2008-08-01 to 2025-06-30, then part of Gia Lai (52)"),
        ("Atlantis", "province_unknown"),
    ],
)
def test_unit_not_valid_or_unknown_exits_1_with_the_reason_and_no_file(tmp_path, province, reason):
    result = p06(province, "2025-Q4", cwd=tmp_path)
    assert result.returncode == 1
    assert reason in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_default_name_and_one_per_unit_valid_in_the_period(tmp_path):
    assert p06("52", "2025-Q3", cwd=tmp_path).returncode == 0
    assert (tmp_path / "52_2025-Q3.xlsx").exists()
    result = p06("--all", "2025-Q2", "--output-dir", "all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = sorted(path.name for path in (tmp_path / "all").iterdir())
    assert len(files) == 63 and "52_2025-Q2.xlsx" in files and "00_2025-Q2.xlsx" not in files
    info = openpyxl.load_workbook(tmp_path / "all" / "52_2025-Q2.xlsx")["ThongTin"]
    assert info["B4"].value == "Bình Định"
