"""Builders of submissions as provinces send them, written into tmp_path by the tests."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest


def write_template(path: Path, *, province="Bình Định", code="52", period="Quý I/2024",
                   values=(("VNEID_ISSUED", 1224975), ("DIGITIZATION_RATE", "96,30")),
                   tasks=None, title_rows=2, sheet_names=("ThongTin", "ChiTieu", "NhiemVu")) -> Path:
    """An Excel template; ``values`` cells may be numbers, text or formulas ("=..." strings)."""
    workbook = openpyxl.Workbook()
    info = workbook.active
    info.title = sheet_names[0]
    info.append(["BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06"])
    for label, value in (("Tỉnh/Thành phố", province), ("Mã tỉnh", code), ("Kỳ báo cáo", period)):
        info.append([label, value])
    indicators = workbook.create_sheet(sheet_names[1])
    for _ in range(title_rows):
        indicators.append(["Biểu số 01: chỉ tiêu"])
    indicators.append(["Mã chỉ tiêu", "Tên chỉ tiêu", "Giá trị", "Ghi chú"])
    for code_, value in values:
        indicators.append([code_, "tên", value, "=1+1"])
    if tasks is not None:
        task_sheet = workbook.create_sheet(sheet_names[2])
        task_sheet.append(["Mã nhiệm vụ", "Nội dung", "Hạn hoàn thành", "Trạng thái", "Ngày hoàn thành"])
        for task in tasks:
            task_sheet.append(list(task))
    workbook.save(path)
    return path


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder
