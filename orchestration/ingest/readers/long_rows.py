"""Rows of the long layout (province × period × indicator -> value), resolved column-wise.

Key fields are parsed once per distinct value and mapped back to the rows; text values are parsed
by the vectorised number parser. Used by every format: a CSV gives columns, a workbook or a JSON
document gives a few columns plus fields fixed for the whole sheet (province, period...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.parsing.errors import ParseError
from orchestration.ingest.parsing.numbers import EXPECTED as NUMBER_EXPECTED
from orchestration.ingest.parsing.numbers import parse_number, parse_number_column
from orchestration.ingest.readers.lookups import Lookups, RowContext, is_blank, ok
from orchestration.ingest.records import VALUE_SCHEMA, Rejection


@dataclass
class LongRows:
    source_file: str
    sheet: str | None
    source_rows: np.ndarray  # int64, the row numbers a spreadsheet shows
    columns: dict[str, pa.Array]  # canonical field -> text column
    fixed: dict[str, object] = field(default_factory=dict)  # canonical field -> raw value of every row
    labels: dict[str, str] = field(default_factory=dict)  # canonical field -> header as written
    value_cells: list | None = None  # raw spreadsheet/JSON cells, instead of columns["value"]


@dataclass
class _Field:
    """A key field: its per-distinct parse results and, per row, which result is the row's."""

    results: list  # parsed value or ParseError, per distinct raw value
    index: np.ndarray  # per row
    seen: Callable[[int], tuple[str, object]]  # row -> (column as written, value seen)

    def failed(self) -> np.ndarray:
        return np.array([isinstance(r, ParseError) for r in self.results], dtype=bool)[self.index]

    def at(self, row: int) -> object:
        return self.results[self.index[row]]

    def column(self, attribute: str | None, type_: pa.DataType, rows: np.ndarray) -> pa.Array:
        per_distinct = [getattr(ok(r), attribute) if attribute and ok(r) else ok(r) for r in self.results]
        return pa.array(per_distinct, type_).take(self.index[rows])


def _distinct(rows: LongRows, name: str) -> tuple[list, np.ndarray]:
    """Distinct raw values of a field and, per row, the index of its value among them."""
    if name not in rows.columns:
        return [rows.fixed.get(name)], np.zeros(len(rows.source_rows), dtype=np.int64)
    encoded = pc.dictionary_encode(rows.columns[name])
    uniques = encoded.dictionary.to_pylist() + [None]
    indices = pc.fill_null(encoded.indices, len(uniques) - 1).to_numpy(zero_copy_only=False)
    return uniques, indices.astype(np.int64)


def _simple_field(rows: LongRows, name: str, parse: Callable[[object], object]) -> _Field:
    raw, index = _distinct(rows, name)
    return _Field([parse(value) for value in raw], index, lambda i: (rows.labels.get(name, name), raw[index[i]]))


def _province_field(rows: LongRows, period: _Field, lookups: Lookups) -> _Field:
    """Provinces resolved once per distinct (code, name, period): the unit depends on the period."""
    code_raw, code_idx = _distinct(rows, "province_code")
    name_raw, name_idx = _distinct(rows, "province_name")
    combined = pc.dictionary_encode(
        pa.array((code_idx * len(name_raw) + name_idx) * len(period.results) + period.index)
    )
    results = []
    for key in combined.dictionary.to_pylist():
        code_name, p = divmod(key, len(period.results))
        c, n = divmod(code_name, len(name_raw))
        period_end = ok(period.results[p]).end if ok(period.results[p]) else None
        results.append(lookups.province(code_raw[c], name_raw[n], period_end))

    def seen(i: int) -> tuple[str, str]:
        given = [
            (f, raw[idx[i]])
            for f, raw, idx in (("province_code", code_raw, code_idx), ("province_name", name_raw, name_idx))
            if not is_blank(raw[idx[i]])
        ]
        return (" / ".join(rows.labels.get(f, f) for f, _ in given), " / ".join(str(value) for _, value in given))

    return _Field(results, combined.indices.to_numpy(), seen)


def resolve_long_rows(rows: LongRows, lookups: Lookups) -> tuple[pa.Table, list[Rejection]]:
    period = _simple_field(rows, "period", lookups.period)
    province = _province_field(rows, period, lookups)
    indicator = _simple_field(rows, "indicator_code", lookups.indicator)
    submitted = _simple_field(rows, "submitted_at", lookups.timestamp)
    key_fields = [province, period, indicator, submitted]

    units = pa.DictionaryArray.from_arrays(  # no copy: one unit per distinct indicator
        pa.array(indicator.index.astype(np.int32)),
        pa.array([getattr(ok(r), "unit", None) for r in indicator.results], pa.string()),
    )
    values, value_rules = _parse_values(rows, units)
    failed = value_rules.is_valid().to_numpy(zero_copy_only=False).copy()
    for key_field in key_fields:
        failed |= key_field.failed()

    rejections = []
    for i in np.flatnonzero(failed).tolist():
        context = RowContext(
            rows.source_file,
            rows.sheet,
            int(rows.source_rows[i]),
            province=ok(province.at(i)),
            period=ok(period.at(i)),
            indicator_code=getattr(ok(indicator.at(i)), "code", None),
            submitted_at=ok(submitted.at(i)),
        )
        rejections.extend(context.reject(f.at(i), *f.seen(i)) for f in key_fields if isinstance(f.at(i), ParseError))
        rule = value_rules[i].as_py()
        if rule:
            rejections.append(
                context.reject(
                    ParseError(rule, NUMBER_EXPECTED[rule]), rows.labels.get("value", "value"), _value_seen(rows, i)
                )
            )

    accepted = np.flatnonzero(~failed)
    table = pa.table(
        {
            "sheet": pa.repeat(pa.scalar(rows.sheet, pa.string()), len(accepted)),
            "source_row": pa.array(rows.source_rows[accepted], pa.int64()),
            "province_code": province.column("code", pa.string(), accepted),
            "province_valid_from": province.column("valid_from", pa.date32(), accepted),
            "commune_code": _commune_codes(rows, accepted),
            "period": period.column("code", pa.string(), accepted),
            "period_grain": period.column("grain", pa.string(), accepted),
            "period_start": period.column("start", pa.date32(), accepted),
            "period_end": period.column("end", pa.date32(), accepted),
            "indicator_code": indicator.column("code", pa.string(), accepted),
            "value": values.take(accepted),
            "submitted_at": submitted.column(None, pa.timestamp("us"), accepted),
            "note": _notes(rows, accepted),
        },
        schema=VALUE_SCHEMA,
    )
    return table, rejections


def _parse_values(rows: LongRows, units: pa.DictionaryArray) -> tuple[pa.Array, pa.Array]:
    if rows.value_cells is None:
        return parse_number_column(rows.columns["value"], units)
    values, rules = [], []
    for cell, unit in zip(rows.value_cells, units.cast(pa.string()).to_pylist(), strict=True):
        try:
            values.append(parse_number(cell, unit))
            rules.append(None)
        except ParseError as error:
            values.append(None)
            rules.append(error.rule)
    return pa.array(values, pa.float64()), pa.array(rules, pa.string())


def _value_seen(rows: LongRows, i: int) -> object:
    return rows.value_cells[i] if rows.value_cells is not None else rows.columns["value"][i].as_py()


def _notes(rows: LongRows, accepted: np.ndarray) -> pa.Array:
    """The province's note on each value, as text, NULL when blank."""
    if "note" not in rows.columns:
        return pa.nulls(len(accepted), pa.string())
    notes = pc.utf8_trim_whitespace(rows.columns["note"].take(accepted))
    return pc.if_else(pc.equal(notes, ""), None, notes)


def _commune_codes(rows: LongRows, accepted: np.ndarray) -> pa.Array:
    if "commune_code" not in rows.columns:
        return pa.nulls(len(accepted), pa.string())
    codes = pc.utf8_trim_whitespace(rows.columns["commune_code"].take(accepted))
    return pc.if_else(pc.equal(codes, ""), None, codes)
