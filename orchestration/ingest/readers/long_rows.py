"""Rows of the long layout (province × period × indicator -> value), resolved column-wise.

Key fields are parsed once per distinct value and mapped back to the rows; text values are parsed
by the vectorised number parser. Used by every format: a CSV gives columns, a workbook or a JSON
document gives a few columns plus fields fixed for the whole sheet (province, period...).
"""

from __future__ import annotations

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


def _distinct(rows: LongRows, name: str) -> tuple[list, np.ndarray]:
    """Distinct raw values of a field and, per row, the index of its value among them."""
    n = len(rows.source_rows)
    if name not in rows.columns:
        return [rows.fixed.get(name)], np.zeros(n, dtype=np.int64)
    encoded = pc.dictionary_encode(rows.columns[name])
    uniques = encoded.dictionary.to_pylist() + [None]
    indices = pc.fill_null(encoded.indices, len(uniques) - 1).to_numpy(zero_copy_only=False)
    return uniques, indices.astype(np.int64)


def resolve_long_rows(rows: LongRows, lookups: Lookups) -> tuple[pa.Table, list[Rejection]]:
    n = len(rows.source_rows)
    period_raw, period_idx = _distinct(rows, "period")
    code_raw, code_idx = _distinct(rows, "province_code")
    name_raw, name_idx = _distinct(rows, "province_name")
    indicator_raw, indicator_idx = _distinct(rows, "indicator_code")
    submitted_raw, submitted_idx = _distinct(rows, "submitted_at")
    periods = [lookups.period(raw) for raw in period_raw]
    indicators = [lookups.indicator(raw) for raw in indicator_raw]
    submitted = [lookups.timestamp(raw) for raw in submitted_raw]

    combined = (code_idx * len(name_raw) + name_idx) * len(period_raw) + period_idx
    combos = pc.dictionary_encode(pa.array(combined))
    province_idx = combos.indices.to_numpy()
    provinces = []
    for combo in combos.dictionary.to_pylist():
        code_name, p = divmod(combo, len(period_raw))
        c, nm = divmod(code_name, len(name_raw))
        period_end = ok(periods[p]).end if ok(periods[p]) else None
        provinces.append(lookups.province(code_raw[c], name_raw[nm], period_end))

    units = pa.array([i.unit if ok(i) else None for i in indicators], pa.string()).take(indicator_idx)
    values, value_rules = _parse_values(rows, units)

    def province_seen(i: int) -> tuple[str, str]:
        given = [(f, raw[idx[i]]) for f, raw, idx in
                 (("province_code", code_raw, code_idx), ("province_name", name_raw, name_idx))
                 if not is_blank(raw[idx[i]])]
        return (" / ".join(rows.labels.get(f, f) for f, _ in given),
                " / ".join(str(value) for _, value in given))

    def seen_of(name: str, raw: list, idx: np.ndarray):
        return lambda i: (rows.labels.get(name, name), raw[idx[i]])

    # (per-distinct results, per-row index, (column, value seen) of a row) of each key field
    checks = [
        (provinces, province_idx, province_seen),
        (periods, period_idx, seen_of("period", period_raw, period_idx)),
        (indicators, indicator_idx, seen_of("indicator_code", indicator_raw, indicator_idx)),
        (submitted, submitted_idx, seen_of("submitted_at", submitted_raw, submitted_idx)),
    ]
    failed = value_rules.is_valid().to_numpy(zero_copy_only=False).copy()
    for results, idx, _ in checks:
        failed |= np.array([isinstance(r, ParseError) for r in results], dtype=bool)[idx]

    rejections = []
    value_rule_list = value_rules.to_pylist()
    for i in np.flatnonzero(failed).tolist():
        context = RowContext(
            rows.source_file, rows.sheet, int(rows.source_rows[i]),
            province=ok(provinces[province_idx[i]]), period=ok(periods[period_idx[i]]),
            indicator_code=getattr(ok(indicators[indicator_idx[i]]), "code", None),
            submitted_at=ok(submitted[submitted_idx[i]]),
        )
        for results, idx, seen in checks:
            if isinstance(results[idx[i]], ParseError):
                rejections.append(context.reject(results[idx[i]], *seen(i)))
        if value_rule_list[i]:
            rule = value_rule_list[i]
            rejections.append(context.reject(ParseError(rule, NUMBER_EXPECTED[rule]),
                                             rows.labels.get("value", "value"), _value_seen(rows, i)))

    keep = pa.array(~failed)
    table = pa.table({
        "sheet": pa.array([rows.sheet] * n, pa.string()),
        "source_row": pa.array(rows.source_rows, pa.int64()),
        "province_code": _take([ok(p).code if ok(p) else None for p in provinces], pa.string(), province_idx),
        "province_valid_from": _take([ok(p).valid_from if ok(p) else None for p in provinces], pa.date32(), province_idx),
        "commune_code": _commune_codes(rows, n),
        "period": _take([ok(p).code if ok(p) else None for p in periods], pa.string(), period_idx),
        "period_grain": _take([ok(p).grain if ok(p) else None for p in periods], pa.string(), period_idx),
        "period_start": _take([ok(p).start if ok(p) else None for p in periods], pa.date32(), period_idx),
        "period_end": _take([ok(p).end if ok(p) else None for p in periods], pa.date32(), period_idx),
        "indicator_code": _take([ok(x).code if ok(x) else None for x in indicators], pa.string(), indicator_idx),
        "value": values,
        "submitted_at": _take([ok(s) for s in submitted], pa.timestamp("us"), submitted_idx),
    }, schema=VALUE_SCHEMA)
    return table.filter(keep), rejections


def _parse_values(rows: LongRows, units: pa.Array) -> tuple[pa.Array, pa.Array]:
    if rows.value_cells is None:
        return parse_number_column(rows.columns["value"], units)
    values, rules = [], []
    for cell, unit in zip(rows.value_cells, units.to_pylist()):
        try:
            values.append(parse_number(cell, unit))
            rules.append(None)
        except ParseError as error:
            values.append(None)
            rules.append(error.rule)
    return pa.array(values, pa.float64()), pa.array(rules, pa.string())


def _value_seen(rows: LongRows, i: int) -> object:
    return rows.value_cells[i] if rows.value_cells is not None else rows.columns["value"][i].as_py()


def _commune_codes(rows: LongRows, n: int) -> pa.Array:
    if "commune_code" in rows.columns:
        codes = pc.utf8_trim_whitespace(rows.columns["commune_code"])
        return pc.if_else(pc.equal(codes, ""), None, codes)
    return pa.nulls(n, pa.string())


def _take(per_distinct: list, type_: pa.DataType, indices: np.ndarray) -> pa.Array:
    return pa.array(per_distinct, type_).take(indices)
