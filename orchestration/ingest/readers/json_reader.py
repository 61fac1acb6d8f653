"""JSON submissions: {"province", "province_code", "period", "submitted_at", "indicators", "tasks"}.

``indicators`` is either {"CODE": value} or [{"code": ..., "value": ..., "note": ...}]; the row of a value is
its 1-based position in ``indicators`` (sheet "indicators"), of a task in ``tasks``.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from orchestration.ingest.parsing.encodings import decode_text
from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.headers import unique_fields
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.readers.long_rows import LongRows, Unresolved
from orchestration.ingest.readers.lookups import Lookups
from orchestration.ingest.readers.task_rows import resolve_task_rows
from orchestration.ingest.records import ParsedFile, storable

EXPECTED_DOCUMENT = 'a JSON object with "province" or "province_code", "period", and "indicators" and/or "tasks"'


def read_json(data: bytes, source_file: str, limits: Limits) -> Unresolved:
    try:
        document = json.loads(decode_text(data), parse_int=_whole_number, object_pairs_hook=_object)
    except json.JSONDecodeError:
        raise ParseError("file_unreadable", "a JSON document") from None
    except RecursionError:
        raise ParseError(
            "file_unreadable", "a JSON document nested as deep as data needs (this one is nested too deep to read)"
        ) from None
    if not isinstance(document, dict):
        raise ParseError("header_missing", EXPECTED_DOCUMENT)
    fields = _canonical_keys(document)
    indicators, tasks = document.get("indicators"), document.get("tasks")
    if indicators is None and tasks is None:
        raise ParseError("header_missing", EXPECTED_DOCUMENT)
    pairs = _indicator_pairs(indicators)
    task_items = tasks if isinstance(tasks, list) else []
    if len(pairs) + len(task_items) > limits.max_rows:
        raise ParseError("file_too_large", f"at most {limits.max_rows:,} rows")
    fixed = {name: value for name, (_, value) in fields.items()}
    labels = {name: key for name, (key, _) in fields.items()}
    lookups = Lookups(limits.today)
    long_rows = LongRows(
        source_file,
        "indicators",
        np.arange(1, len(pairs) + 1, dtype=np.int64),
        {
            "indicator_code": pa.array([None if c is None else storable(str(c)) for c, _, _ in pairs], pa.string()),
            "note": pa.array(["" if n is None else storable(str(n)) for _, _, n in pairs], pa.string()),
        },
        fixed=fixed,
        labels={**labels, "indicator_code": "code", "value": "value"},
        value_cells=[value for _, value, _ in pairs],
    )
    records = [
        (position, {name: v for name, (_, v) in _canonical_keys(item).items()})
        for position, item in enumerate(task_items, start=1)
    ]
    task_table, task_rejections = resolve_task_rows(source_file, "tasks", records, fixed, labels, lookups)
    return Unresolved(
        long_rows,
        lambda values, rejected: ParsedFile("json", values, task_table, task_rejections, rejected_rows=rejected),
    )


def _whole_number(text: str) -> int | str:
    """A JSON integer; one too long to be a count (Python refuses ints over 4,300 digits) stays
    text, so the number parser rejects it as out of range."""
    return int(text) if len(text) <= 20 else text


def _object(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object; a key given twice (json would keep the last silently) is ambiguous."""
    mapping = dict(pairs)
    if len(mapping) < len(pairs):
        repeated = next(key for key in mapping if sum(k == key for k, _ in pairs) > 1)
        raise ParseError("header_ambiguous", f"each key once in a JSON object; {repeated!r} is given twice")
    return mapping


def _canonical_keys(mapping: object) -> dict[str, tuple[str, object]]:
    """Canonical field -> (key as written, value) for the keys that name a field."""
    if not isinstance(mapping, dict):
        return {}
    keys = list(mapping)
    return {name: (keys[i], mapping[keys[i]]) for name, i in unique_fields(keys).items()}


def _indicator_pairs(indicators: object) -> list[tuple[object, object, object]]:
    """(code, value, note) in document order, for either shape of ``indicators``."""
    if isinstance(indicators, dict):
        return [(code, value, None) for code, value in indicators.items()]
    if isinstance(indicators, list):
        pairs = []
        for item in indicators:
            fields = _canonical_keys(item)
            pairs.append(tuple(fields.get(name, (None, None))[1] for name in ("indicator_code", "value", "note")))
        return pairs
    return []
