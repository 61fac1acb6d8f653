"""The template workbook: sheets ThongTin, ChiTieu and NhiemVu as CONTRACT §2 describes them.

Labels, codes and hints are locked (the sheets are protected without a password: a guard against
slips, not a lock); entry cells are open, shaded, and validated by Excel as the official types
them. The reader (ingest/readers/xlsx_reader.py) finds every header and label by name, so the
hint columns and the deadline row are ignored when the file comes back.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from orchestration.templates.plan import TemplatePlan
from orchestration.vietnamese import TASK_STATUSES, TIME_AGGREGATIONS, UNITS, date_vn, period_name

TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06"
ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")
BOLD = Font(bold=True)
OPEN = Protection(locked=False)
DATE_FORMAT = "dd/mm/yyyy"
TEXT_FORMAT = "@"  # a note typed as "=..." stays text
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
TASK_ROWS = 100
MAX_TEXT = 2000  # characters of a note, task code or task name

INDICATOR_HEADERS = (
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Đơn vị tính",
    "Cách tính",
    "Kỳ đã gửi gần nhất",
    "Giá trị đã gửi gần nhất",
    "Giá trị",
    "Ghi chú",
)
VALUE_COLUMN, NOTE_COLUMN = 7, 8
TASK_HEADERS = ("Mã nhiệm vụ", "Nội dung", "Hạn hoàn thành", "Trạng thái", "Ngày hoàn thành")

# per unit of the catalogue: what Excel accepts in the value cell
VALUE_RULES = {
    "count": dict(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        error="Số lượng là số nguyên, không âm (a whole number >= 0).",
    ),
    "percent": dict(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        error="Tỷ lệ từ 0 đến 100 (a percent between 0 and 100).",
    ),
    "score": dict(
        type="decimal", operator="greaterThanOrEqual", formula1="0", error="Điểm là số không âm (a score >= 0)."
    ),
}


def write_template(plan: TemplatePlan, path: Path) -> Path:
    workbook = Workbook()
    _info_sheet(workbook.active, plan)
    _indicator_sheet(workbook.create_sheet("ChiTieu"), plan)
    _task_sheet(workbook.create_sheet("NhiemVu"), plan)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _date_validation() -> DataValidation:
    return DataValidation(
        type="date",
        operator="between",
        formula1=_serial(FIRST_DAY),
        formula2=_serial(LAST_DAY),
        showErrorMessage=True,
        errorTitle="Ngày không hợp lệ",
        error="Nhập ngày dạng dd/mm/yyyy (a date).",
    )


def _text_validation() -> DataValidation:
    return DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1=str(MAX_TEXT),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Quá dài",
        error=f"Tối đa {MAX_TEXT} ký tự.",
    )


def _serial(day: date) -> str:
    return str((day - date(1899, 12, 30)).days)


def _entry(cell, number_format: str | None = None) -> None:
    cell.protection = OPEN
    cell.fill = ENTRY_FILL
    if number_format:
        cell.number_format = number_format


def _protect(sheet: Worksheet, widths: dict[str, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    sheet.protection.sheet = True


def _info_sheet(sheet: Worksheet, plan: TemplatePlan) -> None:
    sheet.title = "ThongTin"
    sheet.append([TITLE])
    sheet.append(["Mẫu báo cáo tạo sẵn: nhập số liệu vào các ô tô màu vàng ở sheet ChiTieu và NhiemVu."])
    sheet.append([])
    sheet.append(["Tỉnh/Thành phố", plan.unit.name])
    sheet.append(["Mã tỉnh", plan.unit.code])
    sheet.append(["Kỳ báo cáo", plan.period.code, period_name(plan.period)])
    sheet.append(["Hạn gửi báo cáo", plan.deadline, date_vn(plan.deadline)])
    sheet.append(["Ngày báo cáo"])
    sheet["A1"].font = BOLD
    sheet["B5"].number_format = TEXT_FORMAT  # "01" keeps its zero
    sheet["B7"].number_format = DATE_FORMAT
    _entry(sheet["B8"], DATE_FORMAT)
    validation = _date_validation()
    sheet.add_data_validation(validation)
    validation.add("B8")
    _protect(sheet, {"A": 22, "B": 28, "C": 22})


def _indicator_sheet(sheet: Worksheet, plan: TemplatePlan) -> None:
    sheet.append([f"Biểu số 01: Chỉ tiêu Đề án 06 — {plan.unit.name} ({plan.unit.code}), {period_name(plan.period)}"])
    sheet.append(["Nhập Giá trị cho từng chỉ tiêu (bỏ trống nếu không báo cáo); Ghi chú nếu cần."])
    sheet.append(list(INDICATOR_HEADERS))
    validations = {
        unit: DataValidation(showErrorMessage=True, errorTitle="Giá trị không hợp lệ", **rule)
        for unit, rule in VALUE_RULES.items()
    }
    notes = _text_validation()
    for indicator in plan.indicators:
        last = plan.last_values.get(indicator.code)
        sheet.append(
            [
                indicator.code,
                indicator.name,
                UNITS.get(indicator.unit, indicator.unit),
                TIME_AGGREGATIONS.get(indicator.time_aggregation, indicator.time_aggregation),
                last.period if last else None,
                last.value if last else None,
                None,
                None,
            ]
        )
        row = sheet.max_row
        _entry(sheet.cell(row, VALUE_COLUMN))
        _entry(sheet.cell(row, NOTE_COLUMN), TEXT_FORMAT)
        validations[indicator.unit].add(sheet.cell(row, VALUE_COLUMN).coordinate)
        notes.add(sheet.cell(row, NOTE_COLUMN).coordinate)
    for validation in (*validations.values(), notes):
        if validation.sqref:
            sheet.add_data_validation(validation)
    for cell in sheet[3]:
        cell.font = BOLD
    sheet["A1"].font = BOLD
    sheet.freeze_panes = "C4"
    _protect(sheet, {"A": 26, "B": 60, "C": 12, "D": 18, "E": 12, "F": 16, "G": 16, "H": 40})
    for row in sheet.iter_rows(min_row=4, min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True)


def _task_sheet(sheet: Worksheet, plan: TemplatePlan) -> None:
    sheet.append([f"Nhiệm vụ được giao — {plan.unit.name} ({plan.unit.code}), {period_name(plan.period)}"])
    sheet.append(list(TASK_HEADERS))
    status = DataValidation(
        type="list",
        formula1='"' + ",".join(TASK_STATUSES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Trạng thái không hợp lệ",
        error="Chọn một trong: " + ", ".join(TASK_STATUSES),
    )
    dates, texts = _date_validation(), _text_validation()
    for validation in (status, dates, texts):
        sheet.add_data_validation(validation)
    first, last = 3, 2 + TASK_ROWS
    for column in range(1, len(TASK_HEADERS) + 1):
        for row in range(first, last + 1):
            _entry(sheet.cell(row, column), DATE_FORMAT if column in (3, 5) else TEXT_FORMAT)
    status.add(f"D{first}:D{last}")
    dates.add(f"C{first}:C{last}")
    dates.add(f"E{first}:E{last}")
    texts.add(f"A{first}:B{last}")
    for cell in sheet[2]:
        cell.font = BOLD
    sheet["A1"].font = BOLD
    sheet.freeze_panes = "A3"
    _protect(sheet, {get_column_letter(i): w for i, w in enumerate((16, 60, 16, 18, 16), start=1)})
