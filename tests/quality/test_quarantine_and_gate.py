"""Quarantine holds back exactly the values that break error rules; the gate re-checks the rest."""

from __future__ import annotations

from datetime import date, datetime

from quality_tables import CANDIDATES, Status, Value, create_status, create_values

from orchestration.quality.evaluate import gate, quarantine

FACTS = "marts.fct_indicator_value"
AS_OF = date(2024, 6, 1)

# Province 01 reports more activated than issued accounts in 2024-Q1, plus two sound figures;
# province 02 is clean. A warn-level outlier (tenfold jump) must not be held back.
SUBMISSIONS = [
    Value("01", "2024-Q1", "VNEID_ISSUED", 1000, 2),
    Value("01", "2024-Q1", "VNEID_ACTIVATED", 1200, 3),
    Value("01", "2024-Q1", "CCCD_ISSUED", 5000, 4),
    Value("01", "2024-Q1", "CCCD_ELIGIBLE", 6000, 5),
    Value("02", "2024-Q1", "VNEID_ISSUED", 800, 2),
    Value("02", "2024-Q1", "VNEID_ACTIVATED", 700, 3),
    Value("02", "2024-Q2", "VNEID_ISSUED", 9000, 2),
]

# what dbt's fct_indicator_value does: the candidates minus the quarantined values
FACTS_SQL = f"""
create schema if not exists marts;
create table {FACTS} as
select * from {CANDIDATES} c
where not exists (
    select 1 from quality.findings f
    where f.quarantined and f.province_code = c.province_code and f.period = c.period
      and f.indicator_code = c.indicator_code
)
"""


def _quarantined(con) -> set[tuple]:
    return set(
        con.execute(
            "select distinct province_code, period, indicator_code, source_row from quality.findings where quarantined"
        ).fetchall()
    )


def test_both_values_of_a_broken_pair_are_held_back_and_the_rest_kept(work_db, tmp_path):
    create_values(work_db, CANDIDATES, SUBMISSIONS)

    outcome = quarantine(work_db, report_dir=tmp_path, as_of=AS_OF)

    assert _quarantined(work_db) == {
        ("01", "2024-Q1", "VNEID_ISSUED", 2),
        ("01", "2024-Q1", "VNEID_ACTIVATED", 3),
    }
    assert outcome.n_quarantined == 2
    warnings = work_db.execute(
        "select rule, province_code, period, quarantined from quality.findings where severity = 'warn'"
    ).fetchall()
    assert warnings == [("stock_jump_tenfold", "02", "2024-Q2", False)]


def test_findings_are_replaced_on_every_run(work_db, tmp_path):
    create_values(work_db, CANDIDATES, SUBMISSIONS)
    quarantine(work_db, report_dir=tmp_path, as_of=AS_OF)
    work_db.execute(
        f"update {CANDIDATES} set value = 1000 where province_code = '01' and indicator_code = 'VNEID_ACTIVATED'"
    )

    quarantine(work_db, report_dir=tmp_path, as_of=AS_OF)

    assert _quarantined(work_db) == set()


def test_gate_passes_the_facts_left_after_quarantine(work_db, tmp_path):
    create_values(work_db, CANDIDATES, SUBMISSIONS)
    quarantine(work_db, report_dir=tmp_path, as_of=AS_OF)
    work_db.execute(FACTS_SQL)

    results = gate(work_db, source=FACTS, as_of=AS_OF)

    assert [result.rule.id for result in results if result.blocks] == []
    assert {result.rule.id for result in results if result.passed is False} == {"stock_jump_tenfold"}


def test_gate_blocks_data_that_still_breaks_an_error_rule_and_writes_nothing(work_db, tmp_path):
    create_values(work_db, CANDIDATES, SUBMISSIONS)
    quarantine(work_db, report_dir=tmp_path, as_of=AS_OF)
    findings_before = work_db.execute("select count(*) from quality.findings").fetchone()

    results = gate(work_db, source=CANDIDATES, as_of=AS_OF)

    blocking = [result for result in results if result.blocks]
    assert [result.rule.id for result in blocking] == ["vneid_activated_le_issued"]
    assert set(blocking[0].findings["source_row"]) == {2, 3}
    assert work_db.execute("select count(*) from quality.findings").fetchone() == findings_before


def test_deadline_rule_waits_for_the_status_table(work_db, tmp_path):
    create_values(work_db, CANDIDATES, SUBMISSIONS)

    results = gate(work_db, source=CANDIDATES, as_of=AS_OF)

    deadline = next(result for result in results if result.rule.id == "submitted_by_deadline")
    assert deadline.passed is None


def test_the_deadline_and_unit_of_the_status_table_are_used(work_db, tmp_path):
    create_values(work_db, CANDIDATES, [])
    create_status(work_db, [Status("01", "2024-Q1", datetime(2024, 4, 10))])
    work_db.execute("alter table marts.submission_status add column province_valid_from date")
    work_db.execute(
        "update marts.submission_status set deadline = date '2024-04-05', province_valid_from = date '2008-08-01'"
    )

    results = gate(work_db, source=CANDIDATES, as_of=AS_OF)

    deadline = next(result for result in results if result.rule.id == "submitted_by_deadline")
    assert deadline.passed is False
    finding = deadline.findings.iloc[0]
    assert "deadline 2024-04-05" in finding["detail"]
    assert finding["province_valid_from"].date() == date(2008, 8, 1)
