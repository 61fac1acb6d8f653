"""Builders of submissions as provinces send them (files and encodings), for the ingest tests."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl


def write_template(
    path: Path,
    *,
    province="Bình Định",
    code="52",
    period="Quý I/2024",
    values=(("VNEID_ISSUED", 1224975), ("DIGITIZATION_RATE", "96,30")),
    tasks=None,
    title_rows=2,
    sheet_names=("ThongTin", "ChiTieu", "NhiemVu"),
) -> Path:
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


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Encode as Vietnamese Windows does: base letters precomposed, tone marks combining."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    tones = iter(c for c in decomposed if c in TONE_MARKS)
    rebuilt = "".join(
        c + next(tones) if any(t in TONE_MARKS for t in unicodedata.normalize("NFD", orig)) else c
        for c, orig in zip(bare, unicodedata.normalize("NFC", text), strict=True)
    )
    return rebuilt.encode("cp1258")
