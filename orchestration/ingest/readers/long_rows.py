"""Rows of the long layout (province × period × indicator -> value), resolved column-wise.

Every field is parsed once per distinct raw value (a value once per distinct text and unit) and
mapped back to the rows; rejections are worded once per distinct reason and joined to the rows
that have it. Used by every format: a CSV gives (dictionary-encoded) columns, a workbook or a JSON
document gives a few columns plus fields fixed for the whole sheet (province, period...).

The rows of many files of one layout are resolved together (``resolve_many``): a file's rows cost
a few dozen Arrow calls whatever their number, so resolving 22 values one file at a time cost
more than reading the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.numbers import EXPECTED as NUMBER_EXPECTED
from orchestration.ingest.parsing.numbers import parse_number, parse_number_column
from orchestration.ingest.readers.lookups import Lookups, is_blank, ok, value_seen
from orchestration.ingest.records import (
    NO_REJECTED_ROWS,
    REJECTED_ROW_SCHEMA,
    TEXT,
    VALUE_SCHEMA,
    ParsedFile,
    Rejection,
    storable,
    what_was_wrong,
)


@dataclass
class LongRows:
    source_file: str
    sheet: str | None
    source_rows: np.ndarray  # int64, the row numbers a spreadsheet shows
    columns: dict[str, pa.Array]  # canonical field -> text column, plain or dictionary-encoded
    fixed: dict[str, object] = field(default_factory=dict)  # canonical field -> raw value of every row
    labels: dict[str, str] = field(default_factory=dict)  # canonical field -> header as written
    value_cells: list | None = None  # raw spreadsheet/JSON cells, instead of columns["value"]
    files: _Files | None = None  # rows of several files (resolve_many); then ``fixed`` holds _PerFile


@dataclass(frozen=True)
class _Files:
    """Whose rows are whose, in rows joined from several files."""

    source_files: list[str]
    of_row: np.ndarray  # per row, its file's position in source_files


@dataclass(frozen=True)
class _PerFile:
    """A fixed field of joined rows: each file's raw value."""

    values: list


@dataclass
class Unresolved:
    """A file read, its long rows not resolved yet: ``finish`` makes its ParsedFile of the
    resolved rows (values, rejected rows); readers.read_submissions resolves many files' rows
    together."""

    rows: LongRows
    finish: Callable[[pa.Table, pa.Table], ParsedFile]


@dataclass
class _Check:
    """One check of the rows, decided per distinct value: which rows fail it, and why."""

    index: np.ndarray  # per row: its distinct value
    failed: np.ndarray  # per distinct value: bool
    why: Callable[[int], tuple[str, object, ParseError]]  # distinct value -> (column as written, value, error)

    def rows_failed(self) -> np.ndarray:
        return self.failed[self.index]


@dataclass
class _Field:
    """A key field: its parse result per distinct raw value and, per row, which one is the row's."""

    results: list  # parsed value or ParseError, per distinct raw value
    index: np.ndarray  # per row
    seen: Callable[[int], tuple[str, object]]  # distinct value -> (column as written, value seen)

    def check(self) -> _Check:
        failed = np.array([isinstance(r, ParseError) for r in self.results], dtype=bool)
        return _Check(self.index, failed, lambda d: (*self.seen(d), self.results[d]))

    def column(self, attribute: str | None, type_: pa.DataType, rows: np.ndarray) -> pa.Array:
        """An attribute of the parsed value per row (text: dictionary-encoded, never copied)."""
        per_distinct = [getattr(ok(r), attribute) if attribute and ok(r) else ok(r) for r in self.results]
        if type_ == TEXT:  # codes and grains: text already
            return text_column(self.index[rows], per_distinct)
        return pa.array(per_distinct).cast(type_).take(self.index[rows])


def text_column(index: np.ndarray, texts: list) -> pa.DictionaryArray:
    """``texts[index]`` without copying the text; a None text as a null row (Arrow cannot unify
    dictionaries holding nulls)."""
    null = np.array([t is None for t in texts], dtype=bool)
    indices = pa.array(index.astype(np.int32), mask=null[index] if null.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(["" if t is None else t for t in texts], pa.string()))


def _encoded(column: pa.Array) -> pa.DictionaryArray:
    return column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)


def _distinct(rows: LongRows, name: str) -> tuple[list, np.ndarray]:
    """Distinct raw values of a field and, per row, the index of its value among them."""
    if name not in rows.columns:
        fixed = rows.fixed.get(name)
        if isinstance(fixed, _PerFile):
            return fixed.values, rows.files.of_row
        return [fixed], np.zeros(len(rows.source_rows), dtype=np.int64)
    encoded = _encoded(rows.columns[name])
    uniques = encoded.dictionary.to_pylist() + [None]
    indices = pc.fill_null(encoded.indices, len(uniques) - 1).to_numpy(zero_copy_only=False)
    return uniques, indices.astype(np.int64)


def _simple_field(rows: LongRows, name: str, parse: Callable[[object], object]) -> _Field:
    raw, index = _distinct(rows, name)
    return _Field([parse(value) for value in raw], index, lambda d: (rows.labels.get(name, name), raw[d]))


def _pairs(first: np.ndarray, second: np.ndarray, second_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (first, second) pairs of the rows: per pair its first and second, per row its pair."""
    combined = pc.dictionary_encode(pa.array(first * second_count + second))
    keys = combined.dictionary.to_numpy()
    return np.stack([keys // second_count, keys % second_count]), combined.indices.to_numpy().astype(np.int64)


def _province_field(rows: LongRows, period: _Field, lookups: Lookups) -> _Field:
    """Provinces resolved once per distinct (code, name, period): the unit depends on the period."""
    code_raw, code_idx = _distinct(rows, "province_code")
    name_raw, name_idx = _distinct(rows, "province_name")
    (code_name, p), index = _pairs(code_idx * len(name_raw) + name_idx, period.index, len(period.results))
    c, n = code_name // len(name_raw), code_name % len(name_raw)
    results = []
    for code, name, on in zip(c.tolist(), n.tolist(), p.tolist(), strict=True):
        period_end = ok(period.results[on]).end if ok(period.results[on]) else None
        results.append(lookups.province(code_raw[code], name_raw[name], period_end))

    def seen(d: int) -> tuple[str, str]:
        given = [
            (f, value)
            for f, value in (("province_code", code_raw[c[d]]), ("province_name", name_raw[n[d]]))
            if not is_blank(value)
        ]
        return (" / ".join(rows.labels.get(f, f) for f, _ in given), " / ".join(str(value) for _, value in given))

    return _Field(results, index, seen)


COMMUNE_EXPECTED = (
    "a value for the whole province, without a commune: {code} is not additive (its commune values do not add up)"
)


def _commune_check(rows: LongRows, indicator: _Field) -> _Check | None:
    """CONTRACT §2: commune values are summed to their province, so only additive indicators may
    be sent at commune level."""
    not_additive = np.array([ok(r) is not None and not ok(r).additive for r in indicator.results], dtype=bool)
    if "commune_code" not in rows.columns or not not_additive.any():
        return None
    communes = _encoded(rows.columns["commune_code"])
    given = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(communes.dictionary), ""), False)
    raw = communes.dictionary.to_pylist() + [None]
    commune_idx = pc.fill_null(communes.indices, len(raw) - 1).to_numpy(zero_copy_only=False).astype(np.int64)
    (ind, com), index = _pairs(indicator.index, commune_idx, len(raw))
    commune_given = np.append(given.to_numpy(zero_copy_only=False), False)

    def why(d: int) -> tuple[str, object, ParseError]:
        expected = COMMUNE_EXPECTED.format(code=ok(indicator.results[ind[d]]).code)
        return (
            rows.labels.get("commune_code", "commune_code"),
            raw[com[d]],
            ParseError("commune_not_additive", expected),
        )

    return _Check(index, not_additive[ind] & commune_given[com], why)


def resolve_long_rows(rows: LongRows, lookups: Lookups) -> tuple[pa.Table, pa.Table]:
    """The accepted values (VALUE_SCHEMA) and the rejected rows (REJECTED_ROW_SCHEMA, by row)."""
    values, _, rejected, _ = _resolve(rows, lookups)
    return values, rejected


def resolve_many(batch: list[LongRows], lookups: Lookups) -> list[tuple[pa.Table, pa.Table]]:
    """``resolve_long_rows`` of each, the files of one layout (columns, headers, sheet) resolved
    as one: every row's result is its own, whatever the files beside it."""
    results: list = [None] * len(batch)
    layouts: dict[tuple, list[int]] = {}
    for position, rows in enumerate(batch):
        layout = (rows.sheet, tuple(sorted(rows.columns)), tuple(sorted(rows.labels.items())), rows.value_cells is None)
        layouts.setdefault(layout, []).append(position)
    for members in layouts.values():
        if len(members) == 1:
            results[members[0]] = resolve_long_rows(batch[members[0]], lookups)
            continue
        parts = [batch[position] for position in members]
        values, accepted, rejected, rejected_at = _resolve(_joined(parts), lookups)
        starts = np.cumsum([0] + [len(part.source_rows) for part in parts])
        value_cuts, rejected_cuts = np.searchsorted(accepted, starts), np.searchsorted(rejected_at, starts)
        for k, position in enumerate(members):
            results[position] = (
                values.slice(value_cuts[k], value_cuts[k + 1] - value_cuts[k]),
                rejected.slice(rejected_cuts[k], rejected_cuts[k + 1] - rejected_cuts[k]),
            )
    return results


def _joined(parts: list[LongRows]) -> LongRows:
    """The rows of files of one layout as the rows of one."""
    of_row = np.repeat(np.arange(len(parts)), [len(part.source_rows) for part in parts])
    columns = {}
    for name in parts[0].columns:
        chunks = pa.chunked_array([_encoded(part.columns[name]) for part in parts], TEXT)
        columns[name] = pa.table({name: chunks}).unify_dictionaries()[name].combine_chunks()
    names = dict.fromkeys(name for part in parts for name in part.fixed)
    fixed = {name: _PerFile([part.fixed.get(name) for part in parts]) for name in names}
    cells = None if parts[0].value_cells is None else [cell for part in parts for cell in part.value_cells]
    return LongRows(
        parts[0].source_file,
        parts[0].sheet,
        np.concatenate([part.source_rows for part in parts]),
        columns,
        fixed,
        parts[0].labels,
        cells,
        _Files([part.source_file for part in parts], of_row),
    )


def _resolve(rows: LongRows, lookups: Lookups) -> tuple[pa.Table, np.ndarray, pa.Table, np.ndarray]:
    """The accepted values and their rows' positions, the rejected rows and theirs."""
    period = _simple_field(rows, "period", lookups.period)
    province = _province_field(rows, period, lookups)
    indicator = _simple_field(rows, "indicator_code", lookups.indicator)
    submitted = _simple_field(rows, "submitted_at", lookups.timestamp)
    values, value_check = _parse_values(rows, indicator)
    checks = [f.check() for f in (province, period, indicator, submitted)] + [value_check]
    if commune := _commune_check(rows, indicator):
        checks.append(commune)
    failed = np.zeros(len(rows.source_rows), dtype=bool)
    for check in checks:
        failed |= check.rows_failed()

    def context(positions: np.ndarray) -> dict[str, pa.Array]:
        return {
            "province_code": province.column("code", TEXT, positions),
            "province_valid_from": province.column("valid_from", pa.date32(), positions),
            "period": period.column("code", TEXT, positions),
            "indicator_code": indicator.column("code", TEXT, positions),
            "submitted_at": submitted.column(None, pa.timestamp("us"), positions),
        }

    accepted = np.flatnonzero(~failed)
    table = pa.table(
        {
            "sheet": text_column(np.zeros(len(accepted), np.int32), [rows.sheet]),
            "source_row": pa.array(rows.source_rows[accepted], pa.int64()),
            **context(accepted),
            "commune_code": _text_or_null(rows, "commune_code", accepted),
            "period_grain": period.column("grain", TEXT, accepted),
            "period_start": period.column("start", pa.date32(), accepted),
            "period_end": period.column("end", pa.date32(), accepted),
            "value": values.take(accepted),
            "note": _text_or_null(rows, "note", accepted),
        }
    ).select(VALUE_SCHEMA.names)
    return table.cast(VALUE_SCHEMA), accepted, *_rejected_rows(rows, checks, context)


def _rejected_rows(
    rows: LongRows, checks: list[_Check], context: Callable[[np.ndarray], dict[str, pa.Array]]
) -> tuple[pa.Table, np.ndarray]:
    """One rejection per failed check of a row, worded once per distinct reason (never per row),
    ordered by row and, within a row, by check; and the position of each one's row."""
    parts = []
    for order, check in enumerate(checks):
        positions = np.flatnonzero(check.rows_failed())
        if not len(positions):
            continue
        distinct, per_row = numbered(check.index[positions], len(check.failed))
        reasons = [
            Rejection(rows.source_file, error.rule, error.expected, column_name=column, value_seen=value_seen(raw))
            for column, raw, error in map(check.why, distinct.tolist())
        ]
        per_reason = partial(text_column, per_row)  # a column of the rows from one entry per reason
        parts.append(
            pa.table(
                {
                    "source_file": _source_files(rows, positions, per_reason, len(reasons)),
                    "expected": per_reason([storable(r.expected) for r in reasons]),
                    "sheet": per_reason([storable(rows.sheet)] * len(reasons)),
                    "source_row": pa.array(rows.source_rows[positions], pa.int64()),
                    "column_name": per_reason([storable(r.column_name) for r in reasons]),
                    "value_seen": per_reason([storable(r.value_seen) for r in reasons]),
                    "rule": per_reason([r.rule for r in reasons]),
                    "reason": per_reason([storable(what_was_wrong(r)) for r in reasons]),
                    **context(positions),
                    "position": pa.array(positions),
                    "check": pa.repeat(pa.scalar(order, pa.int64()), len(positions)),
                }
            )
        )
    if not parts:
        return NO_REJECTED_ROWS, np.zeros(0, dtype=np.int64)
    rejected = pa.concat_tables(parts)
    if len(parts) > 1:  # one check's rows are in order already
        rejected = rejected.sort_by([("position", "ascending"), ("check", "ascending")])
    positions = rejected["position"].to_numpy()
    return rejected.select(REJECTED_ROW_SCHEMA.names).cast(REJECTED_ROW_SCHEMA), positions


def numbered(index: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(index, return_inverse=True)`` of indexes below ``size``, in one pass (no sort)."""
    distinct = np.flatnonzero(np.bincount(index, minlength=size))
    number = np.zeros(size, dtype=np.int64)
    number[distinct] = np.arange(len(distinct))
    return distinct, number[index]


def _source_files(
    rows: LongRows, positions: np.ndarray, per_reason: Callable[[list], pa.DictionaryArray], reasons: int
) -> pa.DictionaryArray:
    if rows.files is None:
        return per_reason([storable(rows.source_file)] * reasons)
    return text_column(rows.files.of_row[positions], [storable(name) for name in rows.files.source_files])


def _parse_values(rows: LongRows, indicator: _Field) -> tuple[pa.Array, _Check]:
    """The value of each row (null when rejected) and the check of its number against its unit."""
    units = [getattr(ok(r), "unit", None) for r in indicator.results]
    label = rows.labels.get("value", "value")
    if rows.value_cells is not None:
        return _parse_cells(rows.value_cells, np.array(units, dtype=object)[indicator.index], label)
    texts = _encoded(rows.columns["value"])
    (text, unit), index = _pairs(texts.indices.to_numpy().astype(np.int64), indicator.index, len(units))
    distinct_texts = texts.dictionary.take(pa.array(text))
    values, rules = parse_number_column(distinct_texts, pa.array([units[u] for u in unit.tolist()], pa.string()))
    failed = rules.is_valid().to_numpy(zero_copy_only=False)

    def why(d: int) -> tuple[str, object, ParseError]:
        rule = rules[d].as_py()
        return label, distinct_texts[d].as_py(), ParseError(rule, NUMBER_EXPECTED[rule])

    return values.take(pa.array(index)), _Check(index, failed, why)


def _parse_cells(cells: list, units: np.ndarray, label: str) -> tuple[pa.Array, _Check]:
    """Spreadsheet and JSON cells, one by one (their files are small)."""
    values, errors = [], []
    for cell, unit in zip(cells, units.tolist(), strict=True):
        try:
            values.append(parse_number(cell, unit))
            errors.append(None)
        except ParseError as error:
            values.append(None)
            errors.append(error)
    failed = np.array([e is not None for e in errors], dtype=bool)
    return pa.array(values, pa.float64()), _Check(np.arange(len(cells)), failed, lambda d: (label, cells[d], errors[d]))


def _text_or_null(rows: LongRows, name: str, accepted: np.ndarray) -> pa.Array:
    """A free-text field of each accepted row (the province's note, the commune), NULL when blank."""
    if name not in rows.columns:
        return pa.nulls(len(accepted), TEXT)
    column = _encoded(rows.columns[name])  # trimmed once per distinct text
    trimmed = pc.fill_null(pc.utf8_trim_whitespace(column.dictionary), "")
    indices = column.indices.take(pa.array(accepted))
    blank = pc.fill_null(pc.equal(trimmed, "").take(indices), True)
    return pa.DictionaryArray.from_arrays(pc.if_else(blank, None, indices), trimmed)
