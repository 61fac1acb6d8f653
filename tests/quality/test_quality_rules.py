"""Every rule, one fixture that passes and one that fails: the finding names rule, level and row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from quality_tables import CANDIDATES, Status, Value, create_status, create_values

from orchestration.quality.evaluate import quarantine
from orchestration.quality.rules import all_rules

AS_OF = date(2024, 6, 1)

# CONTRACT §4 plus the DHIS2-style outliers of issue 5: the promise the suites must keep.
CONTRACT_RULES = {
    "vneid_activated_le_issued": "error",
    "vneid_issued_le_received": "error",
    "vneid_issued_le_eligible": "error",
    "cccd_issued_le_eligible": "warn",
    "dossiers_online_le_total": "error",
    "essential_deployed_le_total": "error",
    "tasks_completed_le_assigned": "error",
    "models_deployed_le_planned": "warn",
    "count_whole_nonnegative": "error",
    "percent_within_0_100": "error",
    "one_value_per_key": "error",
    "stock_not_decreasing": "warn",
    "provinces_le_national": "warn",
    "submitted_by_deadline": "warn",
    "value_outlier_mad": "warn",
    "stock_jump_tenfold": "warn",
}


@dataclass(frozen=True)
class Case:
    rule: str
    passing: list[Value]
    failing: list[Value]
    # (province, period, indicator, source_row) of every finding the failing fixture must give
    expected: set[tuple]
    passing_status: list[Status] = field(default_factory=list)
    failing_status: list[Status] = field(default_factory=list)


# rule, the indicator that must be at least as large, the one that must not exceed it
PAIR_RULES = [
    ("vneid_activated_le_issued", "VNEID_ISSUED", "VNEID_ACTIVATED"),
    ("vneid_issued_le_received", "VNEID_RECEIVED", "VNEID_ISSUED"),
    ("vneid_issued_le_eligible", "VNEID_ELIGIBLE", "VNEID_ISSUED"),
    ("cccd_issued_le_eligible", "CCCD_ELIGIBLE", "CCCD_ISSUED"),
    ("dossiers_online_le_total", "DOSSIERS_TOTAL", "DOSSIERS_ONLINE"),
    ("essential_deployed_le_total", "PS_ESSENTIAL_TOTAL", "PS_ESSENTIAL_DEPLOYED"),
    ("tasks_completed_le_assigned", "TASKS_ASSIGNED", "TASKS_COMPLETED"),
    ("models_deployed_le_planned", "MODELS_PLANNED", "MODELS_DEPLOYED"),
]


def _pair_case(rule: str, larger: str, smaller: str) -> Case:
    def pair(smaller_value: float) -> list[Value]:
        return [
            Value("01", "2024-Q1", larger, 1000, source_row=2),
            Value("01", "2024-Q1", smaller, smaller_value, source_row=3),
        ]

    return Case(
        rule,
        passing=pair(1000),
        failing=pair(1001),
        expected={("01", "2024-Q1", larger, 2), ("01", "2024-Q1", smaller, 3)},
    )


def _yearly(indicator: str, values: list[float], province: str = "01") -> list[Value]:
    return [Value(province, str(2020 + i), indicator, value, source_row=10 + i) for i, value in enumerate(values)]


CASES = [_pair_case(*pair) for pair in PAIR_RULES] + [
    Case(
        "count_whole_nonnegative",
        passing=[Value("01", "2024-Q1", "CCCD_ISSUED", 0, 2), Value("02", "2024-Q1", "CCCD_ISSUED", 5, 3)],
        failing=[Value("01", "2024-Q1", "CCCD_ISSUED", -5, 2), Value("02", "2024-Q1", "CCCD_ISSUED", 2.5, 3)],
        expected={("01", "2024-Q1", "CCCD_ISSUED", 2), ("02", "2024-Q1", "CCCD_ISSUED", 3)},
    ),
    Case(
        "percent_within_0_100",
        passing=[Value("01", "2024", "DIGITIZATION_RATE", 100, 2), Value("02", "2024", "DIGITIZATION_RATE", 0, 3)],
        failing=[Value("01", "2024", "DIGITIZATION_RATE", 100.5, 2), Value("02", "2024", "DIGITIZATION_RATE", -1, 3)],
        expected={("01", "2024", "DIGITIZATION_RATE", 2), ("02", "2024", "DIGITIZATION_RATE", 3)},
    ),
    Case(
        "one_value_per_key",
        passing=[Value("01", "2024-Q1", "CCCD_ISSUED", 5, 2), Value("01", "2024-Q2", "CCCD_ISSUED", 5, 3)],
        failing=[
            Value("01", "2024-Q1", "CCCD_ISSUED", 5, 2, "a.csv"),
            Value("01", "2024-Q1", "CCCD_ISSUED", 6, 7, "b.csv"),
        ],
        expected={("01", "2024-Q1", "CCCD_ISSUED", 2), ("01", "2024-Q1", "CCCD_ISSUED", 7)},
    ),
    Case(
        "stock_not_decreasing",
        # a month is compared with months only, so the lower monthly figure is no fall
        passing=[
            Value("01", "2024-Q1", "VNEID_ISSUED", 100, 2),
            Value("01", "2024-Q2", "VNEID_ISSUED", 100, 3),
            Value("01", "2024-05", "VNEID_ISSUED", 90, 4),
        ],
        failing=[Value("01", "2024-Q1", "VNEID_ISSUED", 100, 2), Value("01", "2024-Q2", "VNEID_ISSUED", 99, 3)],
        expected={("01", "2024-Q2", "VNEID_ISSUED", 3)},
    ),
    Case(
        "stock_jump_tenfold",
        passing=[Value("01", "2024-Q1", "VNEID_ISSUED", 100, 2), Value("01", "2024-Q2", "VNEID_ISSUED", 1000, 3)],
        failing=[Value("01", "2024-Q1", "VNEID_ISSUED", 100, 2), Value("01", "2024-Q2", "VNEID_ISSUED", 1001, 3)],
        expected={("01", "2024-Q2", "VNEID_ISSUED", 3)},
    ),
    Case(
        "value_outlier_mad",
        # median 105, median absolute deviation 5: 120 is exactly 3 deviations away, 1000 is 179
        passing=_yearly("DOSSIERS_TOTAL", [100, 110, 105, 95, 120]),
        failing=_yearly("DOSSIERS_TOTAL", [100, 110, 105, 95, 1000]),
        expected={("01", "2024", "DOSSIERS_TOTAL", 14)},
    ),
    Case(
        "provinces_le_national",
        passing=[
            Value("00", "2024-Q1", "VNEID_ISSUED", 1000, 2),
            Value("01", "2024-Q1", "VNEID_ISSUED", 500, 3),
            Value("02", "2024-Q1", "VNEID_ISSUED", 500, 4),
        ],
        failing=[
            Value("00", "2024-Q1", "VNEID_ISSUED", 1000, 2),
            Value("01", "2024-Q1", "VNEID_ISSUED", 500, 3),
            Value("02", "2024-Q1", "VNEID_ISSUED", 501, 4),
        ],
        expected={("00", "2024-Q1", "VNEID_ISSUED", 2)},
    ),
    Case(
        "submitted_by_deadline",
        passing=[],
        failing=[],
        # 2024-Q1 is due 2024-04-15; 2024-Q2 is not due yet on AS_OF
        passing_status=[
            Status("01", "2024-Q1", datetime(2024, 4, 15, 23, 59)),
            Status("01", "2024-Q2", None),
        ],
        failing_status=[
            Status("01", "2024-Q1", datetime(2024, 4, 16, 8, 0)),
            Status("02", "2024-Q1", None),
            Status("01", "2024-Q2", None),
        ],
        expected={("01", "2024-Q1", None, None), ("02", "2024-Q1", None, None)},
    ),
]


def _run(work_db, tmp_path, values: list[Value], statuses: list[Status]):
    create_values(work_db, CANDIDATES, values)
    if statuses:
        create_status(work_db, statuses)
    return quarantine(work_db, report_dir=tmp_path / "quality", as_of=AS_OF)


def _result(outcome, rule_id: str):
    return next(result for result in outcome.results if result.rule.id == rule_id)


def test_suites_hold_every_contract_rule_at_its_level():
    assert {rule.id: rule.severity for rule in all_rules()} == CONTRACT_RULES


def test_every_rule_has_a_case():
    assert {case.rule for case in CASES} == set(CONTRACT_RULES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.rule)
def test_passing_fixture_passes(case: Case, work_db, tmp_path):
    outcome = _run(work_db, tmp_path, case.passing, case.passing_status)
    result = _result(outcome, case.rule)
    assert result.passed is True
    assert result.findings.empty


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.rule)
def test_failing_fixture_names_rule_level_and_rows(case: Case, work_db, tmp_path):
    outcome = _run(work_db, tmp_path, case.failing, case.failing_status)
    assert _result(outcome, case.rule).passed is False

    stored = work_db.execute(
        "select severity, province_code, period, indicator_code, source_row, quarantined "
        "from quality.findings where rule = ?",
        [case.rule],
    ).fetchall()
    level = CONTRACT_RULES[case.rule]
    assert {row[0] for row in stored} == {level}
    assert {row[1:5] for row in stored} == case.expected
    assert {row[5] for row in stored} == {level == "error"}
