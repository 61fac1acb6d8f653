"""How p06 writes periods, units and statuses for provinces, in Vietnamese (templates, feedback)."""

from __future__ import annotations

from orchestration.ingest.parsing.periods import Period

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
UNITS = {"count": "Số lượng", "percent": "Tỷ lệ (%)", "score": "Điểm"}
TIME_AGGREGATIONS = {"stock": "Số tại cuối kỳ", "flow": "Phát sinh trong kỳ"}
# the spellings the template's drop-down offers, one per status (parsing/status.py accepts them)
TASK_STATUSES = ("Hoàn thành", "Đang thực hiện", "Chưa thực hiện")


def period_name(period: Period) -> str:
    """`2025-Q3` -> `Quý III/2025`: a form parse_period reads back."""
    year, _, part = period.code.partition("-")
    if period.grain == "year":
        return f"Năm {year}"
    if period.grain == "half":
        return f"6 tháng {'đầu' if part == 'H1' else 'cuối'} năm {year}"
    if period.grain == "quarter":
        return f"Quý {ROMAN[int(part[1])]}/{year}"
    return f"Tháng {int(part)}/{year}"


def date_vn(day) -> str:
    return f"{day:%d/%m/%Y}"
