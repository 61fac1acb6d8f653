"""Quarantine re-validates only the province units x periods whose values changed."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from quality_tables import CANDIDATES, Value, create_values

from orchestration.quality import evaluate as evaluate_module
from orchestration.quality.evaluate import quarantine

AS_OF = date(2024, 6, 1)

# Load 1: province 01 reports more activated than issued accounts, 02 a negative count, 03 is clean.
LOAD_1 = [
    Value("01", "2024-Q1", "VNEID_ISSUED", 1000, 2),
    Value("01", "2024-Q1", "VNEID_ACTIVATED", 1200, 3),
    Value("02", "2024-Q1", "VNEID_ISSUED", -5, 2),
    Value("03", "2024-Q1", "VNEID_ISSUED", 800, 2),
    Value("03", "2024-Q1", "VNEID_ACTIVATED", 700, 3),
]
# Load 2: 01 resubmits a corrected VNEID_ACTIVATED; 04 reports for the first time, with a fraction.
CORRECTION = Value("01", "2024-Q1", "VNEID_ACTIVATED", 900, 7, source_file="01_2024-Q1_v2.csv")
NEW_PROVINCE = Value("04", "2024-Q1", "VNEID_ISSUED", 10.5, 2)

FINDINGS_SQL = """
select rule, severity, province_code, province_valid_from, period, indicator_code,
       source_file, sheet, source_row, value, detail, quarantined
from quality.findings order by all
"""


def _load(con: duckdb.DuckDBPyConnection, values: list[Value], load_id: int) -> None:
    """What resolving a load does to the candidates: each value replaces the one of its key."""
    for value in values:
        con.execute(
            f"delete from {CANDIDATES} where province_code = ? and period = ? and indicator_code = ?",
            [value.province_code, value.period, value.indicator_code],
        )
        row = value.as_row()
        con.execute(f"insert into {CANDIDATES} values ({', '.join('?' * 19)})", [*row[:17], load_id, row[18]])


def _two_loads(con: duckdb.DuckDBPyConnection, tmp_path, quarantine_between: bool):
    create_values(con, CANDIDATES, [])
    _load(con, LOAD_1, load_id=1)
    if quarantine_between:
        quarantine(con, report_dir=tmp_path / "load1", as_of=AS_OF)
    _load(con, [CORRECTION, NEW_PROVINCE], load_id=2)
    return quarantine(con, report_dir=tmp_path / "load2", as_of=AS_OF)


def _verdicts(outcome) -> list[tuple]:
    return [(r.rule.id, r.passed, r.n_unexpected, r.n_findings) for r in outcome.results]


def test_after_two_loads_incremental_findings_equal_a_from_scratch_run(tmp_path):
    incremental_db = duckdb.connect(str(tmp_path / "incremental.duckdb"))
    scratch_db = duckdb.connect(str(tmp_path / "scratch.duckdb"))

    incremental = _two_loads(incremental_db, tmp_path / "incremental", quarantine_between=True)
    scratch = _two_loads(scratch_db, tmp_path / "scratch", quarantine_between=False)

    assert incremental_db.execute(FINDINGS_SQL).fetchall() == scratch_db.execute(FINDINGS_SQL).fetchall()
    assert _verdicts(incremental) == _verdicts(scratch)
    assert incremental.n_quarantined == scratch.n_quarantined == 2


def test_a_value_corrected_in_load_2_clears_its_load_1_finding(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [])
    _load(work_db, LOAD_1, load_id=1)
    first = quarantine(work_db, report_dir=tmp_path, as_of=AS_OF)
    assert {(r.rule.id, r.passed) for r in first.failed} == {
        ("vneid_activated_le_issued", False),
        ("count_whole_nonnegative", False),
    }

    _load(work_db, [CORRECTION], load_id=2)
    second = quarantine(work_db, report_dir=tmp_path, as_of=AS_OF)

    assert work_db.execute(
        "select rule, province_code, indicator_code, value from quality.findings order by all"
    ).fetchall() == [("count_whole_nonnegative", "02", "VNEID_ISSUED", -5.0)]
    assert [r.rule.id for r in second.failed] == ["count_whole_nonnegative"]


def _validated_row_counts(monkeypatch) -> dict[str, list[int]]:
    """Rows GX validates per suite, recorded by wrapping the real validation."""
    counts: dict[str, list[int]] = {}
    real_validate = evaluate_module.validate

    def counting_validate(frame, suite):
        counts.setdefault(suite["name"], []).append(len(frame))
        return real_validate(frame, suite)

    monkeypatch.setattr(evaluate_module, "validate", counting_validate)
    return counts


@pytest.mark.parametrize(
    ("reset", "expected_values", "expected_pairs"),
    [
        (None, 3, 2),  # 01 (two values) and 04 (one value): two units x periods
        ("full", 6, 4),
        ("drop state table", 6, 4),
    ],
)
def test_only_changed_units_and_periods_are_validated_unless_reset(
    work_db, tmp_path, monkeypatch, reset, expected_values, expected_pairs
):
    create_values(work_db, CANDIDATES, [])
    _load(work_db, LOAD_1, load_id=1)
    quarantine(work_db, report_dir=tmp_path, as_of=AS_OF)
    _load(work_db, [CORRECTION, NEW_PROVINCE], load_id=2)
    if reset == "drop state table":
        work_db.execute("drop table quality.validated_keys")
    counts = _validated_row_counts(monkeypatch)

    quarantine(work_db, report_dir=tmp_path, as_of=AS_OF, full=reset == "full")

    assert counts["indicator_values"] == [expected_values]
    assert counts["indicator_pairs"] == [expected_pairs]
    assert counts["value_history"] == [6]  # rules over history always see every value
