"""Refreshes that check only the changed scopes end exactly where checking everything ends.

After each load of a sequence (history, a new file, a resubmission correcting a held-back value, a
late file for an old period, a successor province's file), one work database is quarantined, its
facts built and gated incrementally, load after load; a fresh database holding the same values is
checked whole. Both must agree on quality.findings, every check's verdict and findings, and the facts.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from quality_tables import CANDIDATES, STATUS, Status, Value, create_status, create_values

from orchestration.quality import evaluate as evaluate_module
from orchestration.quality.evaluate import gate, quarantine
from orchestration.quality.findings import FINDING_COLUMNS

FACTS = "marts.fct_indicator_value"
AS_OF = date(2025, 12, 1)
QUARTERS = [f"{year}-Q{quarter}" for year in (2023, 2024) for quarter in (1, 2, 3, 4)]


# broken figures in the history: (province, period, indicator) -> value
BROKEN = {
    ("01", "2024-Q1", "VNEID_ACTIVATED"): 5000,  # more activated than issued: both held back
    ("02", "2024-Q3", "VNEID_ISSUED"): 9000,  # tenfold jump, outlier, issued far above activated
    ("02", "2023-Q2", "DOSSIERS_ONLINE"): -4,  # negative count: held back
    ("00", "2023-Q4", "VNEID_ISSUED"): 1000,  # the nation below the sum of its provinces
}


def _history() -> list[Value]:
    """Provinces 01 and 02 and the nation (00) over eight quarters, figures growing steadily except
    the BROKEN ones; 02 skipped 2023-Q3."""
    figures = []
    for step, period in enumerate(QUARTERS):
        for province, size in (("01", 1000), ("02", 700)):
            if (province, period) != ("02", "2023-Q3"):
                issued = size + 10 * step
                figures += [
                    (province, period, "VNEID_ISSUED", issued, 2),
                    (province, period, "VNEID_ACTIVATED", issued - 100, 3),
                    (province, period, "DOSSIERS_TOTAL", 50 + step, 4),
                    (province, period, "DOSSIERS_ONLINE", 20 + step, 5),
                ]
        figures += [("00", period, "VNEID_ISSUED", 2000 + 20 * step, 2), ("00", period, "DOSSIERS_TOTAL", 150, 4)]
    return [
        Value(p, period, code, BROKEN.get((p, period, code), value), row) for p, period, code, value, row in figures
    ]


LOADS = [
    ("history", _history()),
    (
        "a new file",
        [Value("01", "2025-Q1", "VNEID_ISSUED", 1100, 2), Value("01", "2025-Q1", "VNEID_ACTIVATED", 1000, 3)],
    ),
    (
        "a resubmission correcting a held-back value",
        [Value("01", "2024-Q1", "VNEID_ACTIVATED", 900, 3, source_file="01_2024-Q1_v2.csv")],
    ),
    (
        "a late file for an old period",
        [Value("02", "2023-Q3", "VNEID_ISSUED", 8000, 2), Value("02", "2023-Q3", "DOSSIERS_TOTAL", 60, 4)],
    ),
    (
        "a successor province's file",
        [Value("01", "2025-Q3", "VNEID_ISSUED", 3000, 2), Value("01", "2025-Q3", "VNEID_ACTIVATED", 3500, 3)],
    ),
]

# what dbt's fct_indicator_value does: the candidates minus the quarantined values
FACTS_SQL = f"""
create schema if not exists marts;
create or replace table {FACTS} as
select * from {CANDIDATES} c
where not exists (
    select 1 from quality.findings f
    where f.quarantined and f.province_code = c.province_code and f.period = c.period
      and f.indicator_code = c.indicator_code
)
"""


def _load(con: duckdb.DuckDBPyConnection, values: list[Value], load_id: int) -> None:
    """What resolving a load does: each value replaces the one of its key, and its unit x period
    counts as submitted (on time)."""
    for value in values:
        row = value.as_row()
        con.execute(
            f"delete from {CANDIDATES} where province_code = ? and province_valid_from = ? and period = ?"
            " and indicator_code = ?",
            [row[0], row[1], row[2], row[6]],
        )
        con.execute(f"insert into {CANDIDATES} values ({', '.join('?' * 19)})", [*row[:17], load_id, row[18]])
        con.execute(f"delete from {STATUS} where province_code = ? and period = ?", [row[0], row[2]])
        submitted = datetime(2026, 1, 1) if value.period == "2023-Q3" else row[11]  # the late file is late
        con.executemany(
            f"insert into {STATUS} values ({', '.join('?' * 9)})", [Status(row[0], row[2], submitted).as_row()]
        )


def _refresh(con: duckdb.DuckDBPyConnection, report_dir, *, full: bool):
    outcome = quarantine(con, report_dir=report_dir, as_of=AS_OF, full=full)
    con.execute(FACTS_SQL)
    return outcome, gate(con, source=FACTS, as_of=AS_OF, full=full)


def _rows(frame) -> list[tuple]:
    """In their order: the report and the checks show a rule's first findings."""
    return [tuple(map(str, row)) for row in frame[FINDING_COLUMNS].itertuples(index=False)]


def _checks(results) -> list[tuple]:
    return [(r.rule.id, r.passed, r.n_unexpected, r.n_findings, r.n_held_back, _rows(r.findings)) for r in results]


def _state(con, outcome, gated) -> dict:
    return {
        "findings": con.execute("select * from quality.findings order by all").fetchall(),
        "quarantine checks": _checks(outcome.results),
        "gate checks": _checks(gated),
        "facts": con.execute(f"select * from {FACTS} order by all").fetchall(),
    }


def _fresh(path, loads) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    create_values(con, CANDIDATES, [])
    create_status(con, [])
    for load_id, (_, values) in enumerate(loads, start=1):
        _load(con, values, load_id)
    return con


def test_every_incremental_refresh_agrees_with_checking_everything(tmp_path, monkeypatch):
    validated_rows = []
    real_validate = evaluate_module.validate
    monkeypatch.setattr(
        evaluate_module,
        "validate",
        lambda frame, suite: validated_rows.append(len(frame)) or real_validate(frame, suite),
    )
    incremental = _fresh(tmp_path / "incremental.duckdb", [])
    failed_in_history = set()
    for step, (name, values) in enumerate(LOADS, start=1):
        _load(incremental, values, step)
        validated_rows.clear()
        outcome, gated = _refresh(incremental, tmp_path / f"report-{step}", full=False)
        checked_incrementally = sum(validated_rows)
        with _fresh(tmp_path / f"whole-{step}.duckdb", LOADS[:step]) as whole:
            validated_rows.clear()
            expected = _state(whole, *_refresh(whole, tmp_path / f"whole-report-{step}", full=True))

        assert _state(incremental, outcome, gated) == expected, name
        if step == 1:
            failed_in_history = {r.rule.id for r in outcome.failed}
        else:
            assert checked_incrementally < sum(validated_rows), f"{name}: every row was checked again"

    assert failed_in_history >= {
        "vneid_activated_le_issued",
        "count_whole_nonnegative",
        "stock_jump_tenfold",
        "value_outlier_mad",
        "provinces_le_national",
    }


@pytest.mark.parametrize("validation", ["quarantine", "gate"])
def test_full_checks_every_scope_again(tmp_path, monkeypatch, validation):
    con = _fresh(tmp_path / "work.duckdb", LOADS[:2])
    _refresh(con, tmp_path / "report", full=False)
    counted: list[int] = []
    real_validate = evaluate_module.validate
    monkeypatch.setattr(
        evaluate_module, "validate", lambda frame, suite: counted.append(len(frame)) or real_validate(frame, suite)
    )

    if validation == "quarantine":
        quarantine(con, report_dir=tmp_path / "report", as_of=AS_OF)
        nothing_changed = sum(counted)
        counted.clear()
        quarantine(con, report_dir=tmp_path / "report", as_of=AS_OF, full=True)
    else:
        gate(con, source=FACTS, as_of=AS_OF)
        nothing_changed = sum(counted)
        counted.clear()
        gate(con, source=FACTS, as_of=AS_OF, full=True)

    status_rows = con.execute(f"select count(*) from {STATUS}").fetchone()[0]
    assert nothing_changed == status_rows  # only the status table, checked whole every time
    assert sum(counted) > 10 * status_rows
