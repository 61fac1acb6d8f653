"""The marts built by real dbt runs from small fixtures in raw.* and quality.findings.

One scenario, two loads: load 1 is built, load 2 (resubmissions, a new quarter, a value
released from quarantine and another quarantined) is built incrementally, then everything is
rebuilt with --full-refresh. Values are asserted on the final state.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from dbt_fixtures import NEW_UNITS, OLD_UNITS, Task, Value, WorkDb, dbt_build, dbt_invoke

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.dbt_calls import failure_summary

RUN_DATE = "2025-11-30"
ON_TIME_2024 = datetime(2025, 1, 10)  # deadline for 2024 and 2024-Q4 is 2025-01-15


def values(code, valid_from, period, submitted_at, load_id=1, source_file=None, **by_indicator):
    source_file = source_file or f"{code}_{period}_{load_id}.csv"
    return [
        Value(code, valid_from, period, indicator, value, submitted_at, load_id, source_file, row)
        for row, (indicator, value) in enumerate(by_indicator.items(), start=2)
    ]


BINH_DINH_2024 = values(
    "52",
    OLD_UNITS,
    "2024",
    ON_TIME_2024,
    VNEID_ELIGIBLE=1_272_073,
    VNEID_ISSUED=1_224_975,
    VNEID_ACTIVATED=1_124_445,
)
BINH_DINH_NOTE = '=HYPERLINK("x") số liệu tạm tính'
BINH_DINH_2024[1] = replace(BINH_DINH_2024[1], note=BINH_DINH_NOTE)
OLD_GIA_LAI_2024 = values(
    "64",
    OLD_UNITS,
    "2024",
    ON_TIME_2024,
    VNEID_ELIGIBLE=1_100_000,
    VNEID_ISSUED=1_000_000,
    VNEID_ACTIVATED=900_000,
)
# Ninh Bình (37) today = Hà Nam (35) + Nam Định (36) + old Ninh Bình (37), which sent no VNeID
NINH_BINH_PARTS_2024 = (
    values("35", OLD_UNITS, "2024", ON_TIME_2024, VNEID_ELIGIBLE=800_000, VNEID_ISSUED=700_000)
    + values("36", OLD_UNITS, "2024", ON_TIME_2024, VNEID_ELIGIBLE=1_500_000, VNEID_ISSUED=1_400_000)
    + values("37", OLD_UNITS, "2024", ON_TIME_2024, DOSSIERS_TOTAL=5_000, DOSSIERS_ONLINE=4_000)
)
# Hà Nội reports 2023 by quarter only: the year row is derived (stock: Q4, flow: sum)
HA_NOI_2023_QUARTERS = [
    value
    for quarter, issued, total in [(1, 100, 10), (2, 200, 20), (3, 300, 30), (4, 400, 40)]
    for value in values(
        "01",
        OLD_UNITS,
        f"2023-Q{quarter}",
        datetime(2023, 3 * quarter, 20),
        VNEID_ELIGIBLE=1_000,
        VNEID_ISSUED=issued,
        DOSSIERS_TOTAL=total,
        DOSSIERS_ONLINE=total / 2,
    )
]
# Hải Phòng misses 2023-Q4: Q1-Q3 say nothing about its year, stock or flow
HAI_PHONG_2023_QUARTERS = [
    value
    for quarter in (1, 2, 3)
    for value in values(
        "31",
        OLD_UNITS,
        f"2023-Q{quarter}",
        datetime(2023, 3 * quarter, 20),
        VNEID_ELIGIBLE=2_000,
        VNEID_ISSUED=500 * quarter,
        DOSSIERS_TOTAL=10,
        DOSSIERS_ONLINE=5,
    )
]
# Thái Nguyên reports 2023 by half-year: the year's stock is H2's, its flow H1 + H2
THAI_NGUYEN_2023_HALVES = values(
    "19",
    OLD_UNITS,
    "2023-H1",
    datetime(2023, 7, 10),
    VNEID_ELIGIBLE=1_000,
    VNEID_ISSUED=300,
    DOSSIERS_TOTAL=100,
    DOSSIERS_ONLINE=40,
) + values(
    "19",
    OLD_UNITS,
    "2023-H2",
    datetime(2024, 1, 10),
    VNEID_ELIGIBLE=1_000,
    VNEID_ISSUED=700,
    DOSSIERS_TOTAL=300,
    DOSSIERS_ONLINE=160,
)
# Lạng Sơn's 2024-Q2 rates fall exactly halfway between two hundredths: they round up
LANG_SON_2024_Q2 = values(
    "20",
    OLD_UNITS,
    "2024-Q2",
    datetime(2024, 7, 10),
    CCCD_ELIGIBLE=800,
    CCCD_ISSUED=281,
    VNEID_ELIGIBLE=20_000,
    VNEID_ISSUED=201,
)
DA_NANG_2024 = values(
    "48", OLD_UNITS, "2024", ON_TIME_2024, VNEID_ELIGIBLE=1_000, VNEID_ISSUED=500, VNEID_ACTIVATED=600
)
DA_NANG_2024_CORRECTED = values("48", OLD_UNITS, "2024", datetime(2025, 2, 1), load_id=2, VNEID_ISSUED=700)
QUANG_NINH_2024 = values(
    "22", OLD_UNITS, "2024", ON_TIME_2024, VNEID_ELIGIBLE=1_000, VNEID_ISSUED=800, VNEID_ACTIVATED=700
)
QUANG_NINH_2024_RESENT = values("22", OLD_UNITS, "2024", datetime(2025, 2, 1), load_id=2, VNEID_ACTIVATED=900)
# Cần Thơ resubmits 2024-Q4: latest submitted_at wins; a tie goes to the file ingested last
CAN_THO_Q4 = [
    Value("92", OLD_UNITS, "2024-Q4", "VNEID_ISSUED", 100, datetime(2025, 1, 10), 1, "ct_v1.csv"),
    Value("92", OLD_UNITS, "2024-Q4", "VNEID_ISSUED", 200, datetime(2025, 1, 12), 1, "ct_v2.csv"),
    Value("92", OLD_UNITS, "2024-Q4", "VNEID_ELIGIBLE", 1_000, datetime(2025, 1, 12), 1, "ct_v2.csv", 3),
]
CAN_THO_Q4_RESENT = [
    Value("92", OLD_UNITS, "2024-Q4", "VNEID_ISSUED", 300, datetime(2025, 1, 11), 2, "ct_v3.csv"),
    Value("92", OLD_UNITS, "2024-Q4", "VNEID_ELIGIBLE", 2_000, datetime(2025, 1, 12), 2, "ct_v3.csv", 3),
]
GIA_LAI_2025_Q3 = values(
    "52",
    NEW_UNITS,
    "2025-Q3",
    datetime(2025, 10, 20),
    load_id=2,
    VNEID_ELIGIBLE=2_400_000,
    VNEID_ISSUED=2_300_000,
)
NATIONAL_2024 = values("00", OLD_UNITS, "2024", ON_TIME_2024, VNEID_ELIGIBLE=80_000_000, VNEID_ISSUED=70_000_000)
HUE_TASK_TOTALS_2024 = values("46", OLD_UNITS, "2024", ON_TIME_2024, TASKS_ASSIGNED=20, TASKS_COMPLETED=15)
# Hà Nội sends totals and a task list for 2024-Q4: the list wins
HA_NOI_TASK_TOTALS_Q4 = values("01", OLD_UNITS, "2024-Q4", ON_TIME_2024, TASKS_ASSIGNED=10, TASKS_COMPLETED=9)
HA_NOI_TASKS_Q4 = [
    Task("01", OLD_UNITS, "2024-Q4", "NV1", date(2024, 11, 30), "done", date(2024, 11, 1), ON_TIME_2024),
    Task("01", OLD_UNITS, "2024-Q4", "NV2", date(2024, 12, 15), "done", date(2024, 12, 20), ON_TIME_2024),
    Task("01", OLD_UNITS, "2024-Q4", "NV3", date(2024, 12, 1), "in_progress", None, ON_TIME_2024),
    Task("01", OLD_UNITS, "2024-Q4", "NV4", date(2025, 3, 31), "not_started", None, ON_TIME_2024),
]

LOAD_1 = (
    BINH_DINH_2024
    + OLD_GIA_LAI_2024
    + NINH_BINH_PARTS_2024
    + HA_NOI_2023_QUARTERS
    + HAI_PHONG_2023_QUARTERS
    + DA_NANG_2024
    + QUANG_NINH_2024
    + CAN_THO_Q4
    + NATIONAL_2024
    + HUE_TASK_TOTALS_2024
    + HA_NOI_TASK_TOTALS_Q4
    + THAI_NGUYEN_2023_HALVES
    + LANG_SON_2024_Q2
)
LOAD_2 = DA_NANG_2024_CORRECTED + QUANG_NINH_2024_RESENT + CAN_THO_Q4_RESENT + GIA_LAI_2025_Q3

# dbt's data tests run once, in the incremental build a nightly refresh does; unit tests, which no
# refresh runs, apart (test_every_unit_test_of_the_project_runs_and_passes)
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")
WITHOUT_TESTS = ("--exclude-resource-type", "test", *WITHOUT_UNIT_TESTS)

RATES = {
    rate: "DOUBLE"
    for rate in (
        "cccd_issuance_rate",
        "vneid_issuance_rate",
        "vneid_activation_rate",
        "online_dossier_rate",
        "essential_services_rate",
        "pilot_model_rate",
        "task_completion_rate",
    )
}
PERIOD = {"period": "VARCHAR", "period_start": "DATE", "period_end": "DATE"}
# CONTRACT §5: the columns BI relies on, with their types (more columns are allowed)
CONTRACT_COLUMNS = {
    "dim_province": {
        "province_code": "VARCHAR",
        "province_name": "VARCHAR",
        "valid_from": "DATE",
        "valid_to": "DATE",
        "current_province_code": "VARCHAR",
    },
    "dim_indicator": {
        "indicator_code": "VARCHAR",
        "indicator_name": "VARCHAR",
        "unit": "VARCHAR",
        "time_aggregation": "VARCHAR",
        "additive": "BOOLEAN",
    },
    "fct_indicator_value": {
        "province_code": "VARCHAR",
        **PERIOD,
        "indicator_code": "VARCHAR",
        "value": "DOUBLE",
        "submitted_at": "TIMESTAMP",
        "source_file": "VARCHAR",
        "note": "VARCHAR",
    },
    "province_scorecard": {"province_code": "VARCHAR", "province_name": "VARCHAR", **PERIOD, **RATES},
    "province_scorecard_current": {
        "province_code": "VARCHAR",
        "province_name": "VARCHAR",
        **PERIOD,
        **RATES,
    },
    "national_scorecard": {**PERIOD, "provinces_reporting": "BIGINT", "provinces_in_rates": "BIGINT", **RATES},
    "task_completion": {
        "province_code": "VARCHAR",
        "period": "VARCHAR",
        "tasks_assigned": "BIGINT",
        "tasks_completed": "BIGINT",
        "tasks_overdue": "BIGINT",
        "completion_rate": "DOUBLE",
        "on_time_rate": "DOUBLE",
    },
    "submission_status": {
        "province_code": "VARCHAR",
        "period": "VARCHAR",
        "submitted": "BOOLEAN",
        "first_submitted_at": "TIMESTAMP",
        "last_submitted_at": "TIMESTAMP",
        "on_time": "BOOLEAN",
        "rows_accepted": "BIGINT",
        "rows_rejected": "BIGINT",
    },
    "reporting_rates": {
        "period": "VARCHAR",
        "province_code": "VARCHAR",
        "province_name": "VARCHAR",
        "reports_expected": "BIGINT",
        "reports_submitted": "BIGINT",
        "reports_on_time": "BIGINT",
        "reporting_rate": "DOUBLE",
        "on_time_rate": "DOUBLE",
    },
    "quality_history": {
        "run_id": "VARCHAR",
        "refreshed_at": "TIMESTAMP",
        "rule": "VARCHAR",
        "severity": "VARCHAR",
        "findings": "BIGINT",
        "values_held_back": "BIGINT",
        "files_rejected": "BIGINT",
        "rows_rejected": "BIGINT",
    },
    "quality_issues": {
        "rule": "VARCHAR",
        "severity": "VARCHAR",
        "province_code": "VARCHAR",
        "period": "VARCHAR",
        "indicator_code": "VARCHAR",
        "source_file": "VARCHAR",
        "source_row": "BIGINT",
        "detail": "VARCHAR",
    },
}


def percent(numerator, denominator) -> float:
    """The rate as the reports print it: 100 * n / d rounded half-up to 2 decimals."""
    exact = Decimal(100 * numerator) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def indicator(rows, code):
    return next(v for v in rows if v.indicator_code == code)


def mart_contents(db: WorkDb) -> dict[str, list[tuple]]:
    with db.connect() as con:
        return {
            table: sorted(con.execute(f"select * from marts.{table}").fetchall(), key=repr)
            for table in CONTRACT_COLUMNS
        }


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The work database after both loads, plus the marts of each way of building them."""
    tmp = tmp_path_factory.mktemp("dbt")
    db = WorkDb(tmp / "work.duckdb")
    db.add_values(*LOAD_1)
    db.add_tasks(*HA_NOI_TASKS_Q4)
    for reason in ("number_invalid", "count_negative"):
        db.add_rejection("52", "2024", source_row=9, rule=reason)
    db.replace_findings(indicator(DA_NANG_2024, "VNEID_ISSUED"), indicator(DA_NANG_2024, "VNEID_ACTIVATED"))
    db.record_history("run-1", datetime(2026, 1, 1, 8))
    dbt_build(db.path, tmp / "target", *WITHOUT_TESTS, run_date=RUN_DATE)
    after_load_1 = db.rows("select * from marts.fct_indicator_value")

    db.add_values(*LOAD_2)
    db.replace_findings(
        indicator(QUANG_NINH_2024, "VNEID_ISSUED"), indicator(QUANG_NINH_2024_RESENT, "VNEID_ACTIVATED")
    )
    db.record_history("run-2", datetime(2026, 1, 2, 8))
    dbt_build(db.path, tmp / "target", *WITHOUT_UNIT_TESTS, run_date=RUN_DATE)
    incremental = mart_contents(db)
    dbt_build(db.path, tmp / "target", "--full-refresh", *WITHOUT_TESTS, run_date=RUN_DATE)
    return {"db": db, "target": tmp / "target", "after_load_1": after_load_1, "incremental": incremental}


def one(db: WorkDb, sql: str, *params) -> dict:
    rows = db.rows(sql, *params)
    assert len(rows) == 1, f"expected one row, got {rows}"
    return rows[0]


def scorecard(db, table, code, period, valid_from=None):
    where_unit = "and province_valid_from = ?" if valid_from else ""
    params = [code, period] + ([valid_from] if valid_from else [])
    sql = f"select * from marts.{table} where province_code = ? and period = ? {where_unit}"
    return one(db, sql, *params)


def test_activation_rate_is_activated_over_issued_as_percent(scenario):
    binh_dinh = scorecard(scenario["db"], "province_scorecard", "52", "2024", OLD_UNITS)
    assert binh_dinh["province_name"] == "Bình Định"
    assert binh_dinh["vneid_activation_rate"] == 91.79


def test_merged_units_are_summed_and_the_rate_recomputed(scenario):
    gia_lai = scorecard(scenario["db"], "province_scorecard_current", "52", "2024")
    assert gia_lai["province_name"] == "Gia Lai"
    assert gia_lai["units_reporting"] == 2
    assert gia_lai["vneid_issuance_rate"] == 93.80
    assert gia_lai["vneid_activation_rate"] == percent(2_024_445, 2_224_975)


def test_rolled_up_rate_is_null_when_a_merged_unit_lacks_a_part(scenario):
    ninh_binh = scorecard(scenario["db"], "province_scorecard_current", "37", "2024")
    assert ninh_binh["units_reporting"] == 3
    assert ninh_binh["vneid_issuance_rate"] is None  # old Ninh Bình sent no VNeID figures
    assert ninh_binh["online_dossier_rate"] is None  # Hà Nam and Nam Định sent no dossiers


def test_reused_code_52_is_binh_dinh_before_the_merger_and_gia_lai_after(scenario):
    rows = scenario["db"].rows(
        "select period, province_name, province_valid_from, is_derived, vneid_issuance_rate"
        " from marts.province_scorecard where province_code = '52' order by period"
    )
    # 2025 is not derived: the new unit's only quarter, Q3, is not the year's end
    assert [(r["period"], r["province_name"], r["province_valid_from"], r["is_derived"]) for r in rows] == [
        ("2024", "Bình Định", OLD_UNITS, False),
        ("2025-Q3", "Gia Lai", NEW_UNITS, False),
    ]
    assert rows[0]["vneid_issuance_rate"] == percent(1_224_975, 1_272_073)
    assert rows[1]["vneid_issuance_rate"] == percent(2_300_000, 2_400_000)
    current = scorecard(scenario["db"], "province_scorecard_current", "52", "2025-Q3")
    assert current["vneid_issuance_rate"] == rows[1]["vneid_issuance_rate"]


def test_year_row_derived_from_quarters_q1_to_q4_takes_q4_stock_and_sums_flows(scenario):
    ha_noi = scorecard(scenario["db"], "province_scorecard", "01", "2023")
    assert ha_noi["is_derived"] is True
    assert ha_noi["vneid_issuance_rate"] == percent(400, 1_000)  # Q4 stock
    assert ha_noi["online_dossier_rate"] == percent(5 + 10 + 15 + 20, 10 + 20 + 30 + 40)


def test_year_row_derived_from_halves_takes_h2_stock_and_sums_flows(scenario):
    thai_nguyen = scorecard(scenario["db"], "province_scorecard", "19", "2023")
    assert thai_nguyen["is_derived"] is True
    assert thai_nguyen["vneid_issuance_rate"] == percent(700, 1_000)  # H2 stock
    assert thai_nguyen["online_dossier_rate"] == percent(40 + 160, 100 + 300)


def test_no_year_is_derived_from_quarters_q1_to_q3(scenario):
    db = scenario["db"]
    years = db.rows("select period from marts.province_scorecard where province_code = '31' order by period")
    assert [r["period"] for r in years] == ["2023-Q1", "2023-Q2", "2023-Q3"]
    current = db.rows(
        "select period from marts.province_scorecard_current where period = '2023' and province_code = '31'"
    )
    assert current == []


def test_reported_year_rows_are_not_derived(scenario):
    assert scorecard(scenario["db"], "province_scorecard", "52", "2024", OLD_UNITS)["is_derived"] is False


def test_quarantined_values_are_held_back_and_their_rates_null(scenario):
    db = scenario["db"]
    quang_ninh = scorecard(db, "province_scorecard", "22", "2024")
    assert quang_ninh["vneid_issuance_rate"] is None
    assert quang_ninh["vneid_activation_rate"] is None
    published = db.rows("select indicator_code from marts.fct_indicator_value where province_code = '22'")
    assert [r["indicator_code"] for r in published] == ["VNEID_ELIGIBLE"]
    issues = db.rows(
        "select indicator_code, rule, is_held_back, source_file from marts.quality_issues"
        " where province_code = '22' order by indicator_code"
    )
    assert [(i["indicator_code"], i["rule"], i["is_held_back"]) for i in issues] == [
        ("VNEID_ACTIVATED", "vneid_activated_le_issued", True),
        ("VNEID_ISSUED", "vneid_activated_le_issued", True),
    ]


def test_value_released_from_quarantine_is_published(scenario):
    held_back = [r["indicator_code"] for r in scenario["after_load_1"] if r["province_code"] == "48"]
    assert held_back == ["VNEID_ELIGIBLE"]
    da_nang = scorecard(scenario["db"], "province_scorecard", "48", "2024")
    assert da_nang["vneid_activation_rate"] == percent(600, 700)


def test_resubmission_latest_submitted_wins_and_a_tie_goes_to_the_file_ingested_last(scenario):
    sql = (
        "select indicator_code, value, versions_sent, source_file from marts.fct_indicator_value"
        " where province_code = '92' order by indicator_code"
    )
    before = [(r["indicator_code"], r["value"]) for r in scenario["after_load_1"] if r["province_code"] == "92"]
    assert sorted(before) == [("VNEID_ELIGIBLE", 1_000), ("VNEID_ISSUED", 200)]
    after = scenario["db"].rows(sql)
    assert [(r["indicator_code"], r["value"], r["versions_sent"], r["source_file"]) for r in after] == [
        ("VNEID_ELIGIBLE", 2_000, 2, "ct_v3.csv"),
        ("VNEID_ISSUED", 200, 3, "ct_v2.csv"),
    ]


def test_task_completion_from_the_task_list_wins_over_totals(scenario):
    ha_noi = scorecard(scenario["db"], "task_completion", "01", "2024-Q4")
    counts = {k: ha_noi[k] for k in ("tasks_assigned", "tasks_completed", "tasks_overdue", "tasks_on_time")}
    assert counts == {"tasks_assigned": 4, "tasks_completed": 2, "tasks_overdue": 1, "tasks_on_time": 1}
    assert (ha_noi["completion_rate"], ha_noi["on_time_rate"]) == (50.0, 25.0)
    assert scorecard(scenario["db"], "province_scorecard", "01", "2024-Q4")["task_completion_rate"] == 50.0


def test_task_completion_from_totals_leaves_overdue_unknown(scenario):
    hue = scorecard(scenario["db"], "task_completion", "46", "2024")
    assert (hue["tasks_assigned"], hue["tasks_completed"], hue["completion_rate"]) == (20, 15, 75.0)
    assert (hue["tasks_overdue"], hue["on_time_rate"]) == (None, None)


def test_province_that_never_reported_shows_as_not_submitted(scenario):
    bac_kan = scorecard(scenario["db"], "submission_status", "06", "2024")
    assert (bac_kan["submitted"], bac_kan["on_time"], bac_kan["rows_accepted"]) == (False, False, 0)
    assert bac_kan["first_submitted_at"] is None


def test_submission_status_counts_every_version_and_each_rejected_row_once(scenario):
    db = scenario["db"]
    binh_dinh = scorecard(db, "submission_status", "52", "2024")
    assert (binh_dinh["submitted"], binh_dinh["on_time"]) == (True, True)
    assert (binh_dinh["rows_accepted"], binh_dinh["rows_rejected"]) == (3, 1)
    can_tho = scorecard(db, "submission_status", "92", "2024-Q4")
    assert can_tho["rows_accepted"] == 5
    assert (can_tho["first_submitted_at"], can_tho["last_submitted_at"]) == (
        datetime(2025, 1, 10),
        datetime(2025, 1, 12),
    )
    assert scorecard(db, "submission_status", "52", "2025-Q3")["on_time"] is False  # sent 2025-10-20


def test_submission_status_expects_every_unit_valid_in_each_calendar_period(scenario):
    rows = scenario["db"].rows(
        "select period, count(*) as units from marts.submission_status"
        " where period in ('2022', '2024-Q4', '2025-Q2', '2025-Q3', '2025-Q4')"
        " group by period order by period"
    )
    # 2025-Q4 has not ended on the run date and nobody sent it
    assert [(r["period"], r["units"]) for r in rows] == [
        ("2022", 63),
        ("2024-Q4", 63),
        ("2025-Q2", 63),
        ("2025-Q3", 34),
    ]


def test_national_scorecard_sums_provinces_that_reported_both_parts(scenario):
    national = one(scenario["db"], "select * from marts.national_scorecard where period = '2024'")
    # Quảng Ninh's issued is quarantined; Cần Thơ's year is derived from its 2024-Q4 stock
    issued = 1_224_975 + 1_000_000 + 700_000 + 1_400_000 + 700 + 200
    eligible = 1_272_073 + 1_100_000 + 800_000 + 1_500_000 + 1_000 + 2_000
    assert national["vneid_issuance_rate"] == percent(issued, eligible)
    assert national["reported_national_vneid_issuance_rate"] == percent(70, 80)


def test_provinces_reporting_counts_the_units_submission_status_shows_submitted(scenario):
    db = scenario["db"]
    national_2024 = one(db, "select * from marts.national_scorecard where period = '2024'")
    # sent 2024 itself: 52, 64, 35, 36, 37, 48, 22, 46; Cần Thơ (92) sent only 2024-Q4
    assert national_2024["provinces_reporting"] == 8
    # in the rates: those with both parts of a rate, Cần Thơ's derived year included, Quảng Ninh
    # (22, both VNeID parts quarantined) not
    assert national_2024["provinces_in_rates"] == 8
    disagreeing = db.rows(
        "select national.period, national.provinces_reporting, status.submitted_units"
        " from marts.national_scorecard as national"
        " left join (select period, count(*) filter (where submitted) as submitted_units"
        "            from marts.submission_status group by period) as status using (period)"
        " where national.provinces_reporting <> coalesce(status.submitted_units, 0)"
    )
    assert disagreeing == []


def test_provinces_in_rates_counts_the_units_behind_a_derived_year(scenario):
    db = scenario["db"]
    national_2023 = one(db, "select * from marts.national_scorecard where period = '2023'")
    # nobody sent 2023 itself; Hà Nội (Q1-Q4) and Thái Nguyên (H1, H2) have derived years,
    # Hải Phòng (Q1-Q3) has none
    assert (national_2023["provinces_reporting"], national_2023["provinces_in_rates"]) == (0, 2)
    assert national_2023["vneid_issuance_rate"] == percent(400 + 700, 1_000 + 1_000)
    assert national_2023["online_dossier_rate"] == percent(50 + 200, 100 + 400)


def test_rates_halfway_between_two_hundredths_round_up(scenario):
    lang_son = scorecard(scenario["db"], "province_scorecard", "20", "2024-Q2")
    # 100 * 281 / 800 = 35.125 and 100 * 201 / 20,000 = 1.005 exactly (1.005 has no exact double)
    assert (lang_son["cccd_issuance_rate"], lang_son["vneid_issuance_rate"]) == (35.13, 1.01)
    current = scorecard(scenario["db"], "province_scorecard_current", "20", "2024-Q2")
    assert (current["cccd_issuance_rate"], current["vneid_issuance_rate"]) == (35.13, 1.01)
    national = one(scenario["db"], "select * from marts.national_scorecard where period = '2024-Q2'")
    assert (national["cccd_issuance_rate"], national["vneid_issuance_rate"]) == (35.13, 1.01)


def test_published_rates_have_at_most_two_decimals_and_the_counts_stay_exact(scenario):
    db = scenario["db"]
    rates = [
        value
        for table in ("province_scorecard", "province_scorecard_current", "national_scorecard")
        for row in db.rows(f"select {', '.join(RATES)} from marts.{table}")
        for value in row.values()
        if value is not None
    ]
    assert rates and all(Decimal(repr(rate)).as_tuple().exponent >= -2 for rate in rates)
    counts = db.rows(
        "select indicator_code, value from marts.fct_indicator_value where province_code = '20' order by indicator_code"
    )
    assert [(c["indicator_code"], c["value"]) for c in counts] == [
        ("CCCD_ELIGIBLE", 800),
        ("CCCD_ISSUED", 281),
        ("VNEID_ELIGIBLE", 20_000),
        ("VNEID_ISSUED", 201),
    ]


def test_dim_province_has_every_unit_and_its_current_unit(scenario):
    db = scenario["db"]
    assert one(db, "select count(*) as n from marts.dim_province")["n"] == 98
    old_gia_lai = one(db, "select * from marts.dim_province where province_code = '64'")
    current = (old_gia_lai["current_province_code"], old_gia_lai["current_province_valid_from"])
    assert current == ("52", NEW_UNITS)
    orphans = "select count(*) as n from marts.dim_province where current_province_code is null"
    assert one(db, orphans)["n"] == 0


def test_incremental_run_gives_the_same_marts_as_a_full_refresh(scenario):
    assert scenario["incremental"] == mart_contents(scenario["db"])


@pytest.mark.parametrize("table", CONTRACT_COLUMNS)
def test_mart_has_the_contract_columns_and_types(scenario, table):
    columns = scenario["db"].rows(
        "select column_name, data_type from information_schema.columns where table_schema = 'marts' and table_name = ?",
        table,
    )
    types = {c["column_name"]: c["data_type"] for c in columns}
    assert {name: types.get(name) for name in CONTRACT_COLUMNS[table]} == CONTRACT_COLUMNS[table]


def test_note_is_published_as_text_and_null_when_none(scenario):
    notes = scenario["db"].rows(
        "select indicator_code, note from marts.fct_indicator_value"
        " where province_code = '52' and period = '2024' order by indicator_code"
    )
    assert [(r["indicator_code"], r["note"]) for r in notes] == [
        ("VNEID_ACTIVATED", None),
        ("VNEID_ELIGIBLE", None),
        ("VNEID_ISSUED", BINH_DINH_NOTE),
    ]


def rates(db, period, code):
    return one(db, "select * from marts.reporting_rates where period = ? and province_code = ?", period, code)


def test_national_reporting_rate_counts_every_unit_valid_in_the_period(scenario):
    db = scenario["db"]
    national_2024 = rates(db, "2024", "00")
    # 2024: 52, 64, 35, 36, 37, 48, 22, 46 on time; Cần Thơ (92) only sent 2024-Q4 (derived year rows are not reports)
    assert (national_2024["province_name"], national_2024["reports_expected"]) == ("Toàn quốc", 63)
    assert (national_2024["reports_submitted"], national_2024["reports_on_time"]) == (8, 8)
    assert national_2024["reporting_rate"] == pytest.approx(100 * 8 / 63, abs=0.005)
    q3 = rates(db, "2025-Q3", "00")  # after the merger: 34 units; Gia Lai sent late
    assert (q3["reports_expected"], q3["reports_submitted"], q3["reports_on_time"]) == (34, 1, 0)
    assert (q3["on_time_rate"], q3["reporting_rate"]) == (0.0, pytest.approx(100 / 34, abs=0.005))


def test_unit_reporting_rate_is_0_or_100_and_only_calendar_periods(scenario):
    db = scenario["db"]
    gia_lai = rates(db, "2025-Q3", "52")
    assert (gia_lai["province_name"], gia_lai["reporting_rate"], gia_lai["on_time_rate"]) == ("Gia Lai", 100.0, 0.0)
    bac_kan = rates(db, "2024", "06")
    assert (bac_kan["reports_submitted"], bac_kan["reporting_rate"]) == (0, 0.0)
    periods = db.rows(
        "select period, count(*) as n from marts.reporting_rates where province_code = '00' group by period"
    )
    assert {r["n"] for r in periods} == {1}
    assert "2025-Q4" not in {r["period"] for r in periods}  # not ended on the run date


def test_quality_history_keeps_every_refresh(scenario):
    rows = scenario["db"].rows(
        "select run_id, findings, values_held_back from marts.quality_history"
        " where rule = 'vneid_activated_le_issued' order by run_id"
    )
    assert [(r["run_id"], r["findings"], r["values_held_back"]) for r in rows] == [("run-1", 2, 2), ("run-2", 2, 2)]
    ingest = scenario["db"].rows(
        "select run_id, rule, findings, rows_rejected from marts.quality_history"
        " where severity = 'error' and rule in ('number_invalid', 'count_negative') order by rule"
    )
    # the rejections came with load 1: counted by the refresh that ingested them, not again
    assert [(r["run_id"], r["rule"], r["findings"], r["rows_rejected"]) for r in ingest] == [
        ("run-1", "count_negative", 1, 1),
        ("run-1", "number_invalid", 1, 1),
    ]


def test_every_unit_test_of_the_project_runs_and_passes(scenario):
    """dbt's unit tests check a model's SQL against fixed rows, not the data: no refresh runs them
    (transform/runner.py), this test does. dbt reads their inputs' column types from the database."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    result = dbt_invoke(
        "test", scenario["db"].path, scenario["target"], "--select", "test_type:unit", run_date=RUN_DATE
    )

    assert result.success, failure_summary(result)
    statuses = {node.node.unique_id: str(node.status) for node in result.result}
    assert set(statuses) == set(manifest["unit_tests"]) != set()
    assert set(statuses.values()) == {"pass"}
