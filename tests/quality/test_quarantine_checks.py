"""The quarantine's verdict per rule id, as Dagster shows it: check evaluations of the run itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

from orchestration.settings import WarehousePaths

P06 = str(Path(sys.executable).parent / "p06")

# Sóc Trăng 2024-Q4: more accounts activated than issued (error: both values held back), more
# CCCD issued than eligible (warn: published as is), and one sound value.
SUBMISSION = """ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri
94,2024-Q4,VNEID_ISSUED,852400
94,2024-Q4,VNEID_ACTIVATED,871900
94,2024-Q4,CCCD_ELIGIBLE,900000
94,2024-Q4,CCCD_ISSUED,910000
94,2024-Q4,DOSSIERS_TOTAL,5000
"""


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """`p06 refresh` of one file, and the check evaluations its run recorded in its instance."""
    root = tmp_path_factory.mktemp("quarantine_checks")
    paths = WarehousePaths(raw_dir=root / "raw", warehouse_dir=root / "warehouse")
    paths.raw_dir.mkdir()
    (paths.raw_dir / "soc_trang_2024-Q4.csv").write_text(SUBMISSION, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("P06_") and k != "DAGSTER_HOME"}
    result = subprocess.run(
        [P06, "refresh", "--raw-dir", str(paths.raw_dir), "--warehouse-dir", str(paths.warehouse_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    run_id = json.loads(paths.last_refresh.read_text())["run_id"]
    with DagsterInstance.from_config(str(paths.dagster_home)) as instance:
        events = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        evaluations = {
            (
                event.dagster_event.event_specific_data.asset_key.to_user_string(),
                event.dagster_event.event_specific_data.check_name,
            ): event.dagster_event.event_specific_data
            for event in events
        }
    return paths, evaluations


def metadata(evaluation) -> dict:
    return {key: getattr(value, "value", value) for key, value in evaluation.metadata.items()}


def test_an_error_rule_that_held_values_back_fails_its_quarantine_check_at_error(refreshed):
    paths, evaluations = refreshed
    check = evaluations[("quarantined_values", "vneid_activated_le_issued")]

    assert check.passed is False
    assert check.severity == AssetCheckSeverity.ERROR
    assert metadata(check)["findings"] == 2
    assert metadata(check)["values_held_back"] == 2
    assert check.description == "2 values held back from the published marts"


def test_the_quarantine_check_links_to_the_rules_section_of_the_report(refreshed):
    paths, evaluations = refreshed
    link = urlsplit(metadata(evaluations[("quarantined_values", "vneid_activated_le_issued")])["report"])

    assert link.fragment == "vneid_activated_le_issued"
    report = Path(link.path).read_text(encoding="utf-8")
    assert Path(link.path) == paths.quality_dir / "index.html"
    assert '<h2 id="vneid_activated_le_issued">' in report


def test_a_warn_rule_fails_its_quarantine_check_at_warn_and_holds_nothing_back(refreshed):
    _, evaluations = refreshed
    check = evaluations[("quarantined_values", "cccd_issued_le_eligible")]

    assert (check.passed, check.severity) == (False, AssetCheckSeverity.WARN)
    assert (metadata(check)["findings"], metadata(check)["values_held_back"]) == (2, 0)


def test_a_rule_nothing_broke_passes_its_quarantine_check(refreshed):
    _, evaluations = refreshed
    check = evaluations[("quarantined_values", "percent_within_0_100")]
    assert check.passed is True
    assert metadata(check)["findings"] == 0


def test_the_gate_still_checks_the_facts_which_no_longer_hold_the_held_back_values(refreshed):
    _, evaluations = refreshed
    gate = evaluations[("fct_indicator_value", "vneid_activated_le_issued")]
    assert gate.passed is True
    assert metadata(gate)["findings"] == 0


def test_the_summary_counts_each_failed_rule_once(refreshed):
    paths, _ = refreshed
    summary = json.loads(paths.last_refresh.read_text())
    failed = [rule["rule"] for rule in summary["rules"]["failed"]]
    assert sorted(failed) == sorted(set(failed))
    assert {"vneid_activated_le_issued", "cccd_issued_le_eligible"} <= set(failed)
    assert summary["quarantined_values"] == 2
