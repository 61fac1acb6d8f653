"""Rows of a task list (one task per row), resolved row by row: task lists are short."""

from __future__ import annotations

import pyarrow as pa

from orchestration.ingest.parsing.dates import parse_date
from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.status import parse_status
from orchestration.ingest.parsing.text import normalize
from orchestration.ingest.readers.lookups import Lookups, RowContext, is_blank, ok
from orchestration.ingest.records import TASK_SCHEMA, Rejection, storable


def _required_text(raw: object) -> str:
    if is_blank(raw):
        raise ParseError("value_missing", "a task code")
    return storable(str(raw).strip())


# task field -> (parser, required)
_TASK_FIELDS = {
    "task_code": (_required_text, True),
    "deadline": (parse_date, False),
    "status": (parse_status, True),
    "completed_on": (parse_date, False),
}


def resolve_task_rows(
    source_file: str,
    sheet: str | None,
    records: list[tuple[int, dict[str, object]]],
    fixed: dict[str, object],
    labels: dict[str, str],
    lookups: Lookups,
) -> tuple[pa.Table, list[Rejection]]:
    """``records``: (source_row, canonical field -> raw cell) per task row."""
    accepted, rejections = [], []
    for source_row, record in records:
        cell = {**fixed, **{k: v for k, v in record.items() if not is_blank(v)}}.get
        period = lookups.period(cell("period"))
        province = lookups.province(
            cell("province_code"), cell("province_name"), ok(period).end if ok(period) else None
        )
        submitted = lookups.timestamp(cell("submitted_at"))
        context = RowContext(
            source_file, sheet, source_row, province=ok(province), period=ok(period), submitted_at=ok(submitted)
        )
        errors = [
            (e, f)
            for e, f in ((province, "province_code"), (period, "period"), (submitted, "submitted_at"))
            if isinstance(e, ParseError)
        ]
        parsed = {}
        for name, (parse, required) in _TASK_FIELDS.items():
            if is_blank(cell(name)) and not required:
                parsed[name] = None
                continue
            try:
                parsed[name] = parse(cell(name))
            except ParseError as error:
                errors.append((error, name))
        if errors:
            for error, name in errors:
                seen = cell(name) if name != "province_code" else cell("province_code") or cell("province_name")
                rejections.append(context.reject(error, labels.get(name, name), seen))
            continue
        accepted.append(
            {
                "sheet": sheet,
                "source_row": source_row,
                "province_code": province.code,
                "province_valid_from": province.valid_from,
                "period": period.code,
                "period_grain": period.grain,
                "period_start": period.start,
                "period_end": period.end,
                "task_name": None if is_blank(cell("task_name")) else storable(normalize(str(cell("task_name")))),
                **parsed,
                "submitted_at": submitted,
            }
        )
    return pa.Table.from_pylist(accepted, schema=TASK_SCHEMA), rejections
