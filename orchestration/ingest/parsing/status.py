"""Task status in Vietnamese or English, any spelling -> done | in_progress | not_started."""

from __future__ import annotations

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.text import compact

STATUS_SPELLINGS = {
    "done": ["Hoàn thành", "Đã hoàn thành", "done", "completed", "complete"],
    "in_progress": ["Đang thực hiện", "Đang triển khai", "in_progress", "in progress", "ongoing"],
    "not_started": ["Chưa thực hiện", "Chưa triển khai", "not_started", "not started"],
}
_STATUS_BY_KEY = {compact(s): status for status, spellings in STATUS_SPELLINGS.items() for s in spellings}
EXPECTED = "Hoàn thành/done, Đang thực hiện/in_progress or Chưa thực hiện/not_started"


def parse_status(raw: object) -> str:
    status = _STATUS_BY_KEY.get(compact(raw)) if isinstance(raw, str) else None
    if status is None:
        raise ParseError("status_invalid", EXPECTED)
    return status
