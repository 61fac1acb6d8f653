"""`p06 refresh` on a copy of raw/: the marts, findings, alerts and summary a user sees.

Expected figures come from raw/README.md (real Project 06 figures and the deliberate defects).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.operations.validate import format_finding
from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.quality.check_tables import ROW_LOCAL_TABLES
from orchestration.quality.rules import all_rules
from orchestration.settings import REPO_ROOT, VIETNAM, WarehousePaths

P06 = str(Path(sys.executable).parent / "p06")


def _fingerprint(directory: Path) -> dict[str, tuple[str, int]]:
    return {
        str(path.relative_to(directory)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def _refresh(paths: WarehousePaths) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("P06_") and k != "DAGSTER_HOME"}
    return subprocess.run(
        [P06, "refresh", "--raw-dir", str(paths.raw_dir), "--warehouse-dir", str(paths.warehouse_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    paths = WarehousePaths(raw_dir=root / "raw", warehouse_dir=root / "warehouse")
    shutil.copytree(REPO_ROOT / "raw", paths.raw_dir)
    before = _fingerprint(paths.raw_dir)
    result = _refresh(paths)
    return paths, result, before


def _query(paths: WarehousePaths, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_refresh_publishes_and_reports(refreshed):
    paths, result, _ = refreshed
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(paths.last_refresh.read_text())
    assert summary["status"] == "published"
    assert summary["files"] == {"seen": 40, "ingested": 36, "skipped": 1, "rejected": 3}
    assert summary["rows"] == {"accepted": 1166, "rejected": 11}
    assert sorted(summary["tables_published"]) == sorted(PUBLISHED_MARTS)
    assert "refresh published" in result.stdout
    assert "1166 accepted, 11 rejected" in result.stdout


def test_real_figures_reach_the_scorecards(refreshed):
    paths, _, _ = refreshed
    binh_dinh = _query(
        paths,
        "select vneid_issuance_rate, vneid_activation_rate, task_completion_rate "
        "from marts.province_scorecard where province_code = '52' and period = '2024'",
    )
    assert binh_dinh == [(96.30, 91.79, 95.0)]  # published rounded, as the reports print them
    # Gia Lai (52) today = Bình Định (old 52) + Gia Lai (old 64), rates recomputed from sums.
    gia_lai = _query(
        paths,
        "select vneid_issuance_rate from marts.province_scorecard_current "
        "where province_code = '52' and period = '2024'",
    )
    assert gia_lai == [(93.80,)]


def test_national_scorecard_counts_who_reported_as_submission_status_does(refreshed):
    paths, _, _ = refreshed
    national = _query(
        paths,
        "select provinces_reporting, provinces_in_rates from marts.national_scorecard where period = '2024'",
    )
    submitted = _query(paths, "select count(*) from marts.submission_status where period = '2024' and submitted")
    # 52, 56 and 64 sent 2024 itself; 14 more units' years are derived from Q4 stocks and full sets
    assert national == [(submitted[0][0], 17)] and submitted == [(3,)]
    assert _query(paths, "select count(*) from marts.province_scorecard where period = '2025'") == [(0,)]


def test_error_level_breach_is_quarantined_and_the_rest_published(refreshed):
    paths, _, _ = refreshed
    held = _query(
        paths,
        "select indicator_code, source_row from marts.quality_issues "
        "where rule = 'vneid_activated_le_issued' and province_code = '94' and period = '2024-Q4' order by 1",
    )
    assert held == [("VNEID_ACTIVATED", 7), ("VNEID_ISSUED", 6)]
    published = _query(
        paths,
        "select indicator_code from marts.fct_indicator_value "
        "where province_code = '94' and period = '2024-Q4' order by 1",
    )
    codes = [row[0] for row in published]
    assert "VNEID_ACTIVATED" not in codes and "VNEID_ISSUED" not in codes
    assert len(codes) == 4


def test_rejected_rows_are_listed_with_their_reason_and_row(refreshed):
    paths, _, _ = refreshed
    rows = _query(
        paths,
        "select source_row, rule from marts.quality_issues "
        "where source_file = 'synthetic/bad/rows_loi.csv' and source_row between 4 and 8 order by 1",
    )
    assert rows == [
        (4, "indicator_unknown"),
        (5, "period_invalid"),
        (6, "number_invalid"),
        (7, "count_negative"),
        (8, "count_not_whole"),
    ]
    unreadable = _query(
        paths,
        "select source_file from marts.quality_issues where rule = 'file_unreadable' and source_row is null order by 1",
    )
    assert unreadable == [("synthetic/bad/bang_tong_hop_2024.xlsx",), ("synthetic/bad/bao_cao_bi_cat.json",)]


def test_one_quality_alert_lists_the_broken_error_rules(refreshed):
    paths, _, _ = refreshed
    alerts = [json.loads(line) for line in (paths.warehouse_dir / "alerts.jsonl").read_text().splitlines()]
    quality = [a for a in alerts if a["kind"] == "quality"]
    assert len(quality) == 1
    assert quality[0]["severity"] == "error"
    assert {"vneid_activated_le_issued", "percent_within_0_100"} <= set(quality[0]["rules"])
    assert quality[0]["run_id"] == json.loads(paths.last_refresh.read_text())["run_id"]


def test_the_quality_alert_counts_the_failed_rules_the_summary_prints(refreshed):
    paths, result, _ = refreshed
    summary = json.loads(paths.last_refresh.read_text())
    (quality,) = [a for a in _alerts(paths) if a["kind"] == "quality"]
    failed = len(summary["rules"]["failed"])
    assert f"rules  : {len(summary['rules']['passed'])} passed, {failed} failed" in result.stdout
    assert len(quality["rules"]) == failed and f"{failed} rules failed" in quality["title"]
    assert "gate" not in quality["detail"]


def test_the_late_alert_names_the_provinces_of_recent_deadlines_by_period(refreshed):
    paths, _, _ = refreshed
    everything = json.loads(paths.last_refresh.read_text())["late_submissions"]
    (late,) = [a for a in _alerts(paths) if a["kind"] == "late_submission"]
    since = (datetime.now(VIETNAM).date() - timedelta(days=366)).isoformat()
    assert 0 < len(late["late_submissions"]) < len(everything)
    assert all(item["deadline"] >= since for item in late["late_submissions"])
    periods = [line.split(" (deadline")[0] for line in late["detail"].splitlines()[:-1]]
    assert sorted(periods) == sorted({item["period"] for item in late["late_submissions"]})
    assert "Hà Nội (01)" in late["detail"]
    assert late["detail"].splitlines()[-1].startswith(f"{len(everything) - len(late['late_submissions']):,} earlier")


def test_the_report_shows_rejected_files_and_late_periods_folded(refreshed):
    paths, _, _ = refreshed
    html = (paths.quality_dir / "index.html").read_text(encoding="utf-8")
    assert "Ingestion: 3 files and 11 rows not accepted" in " ".join(html.split())
    assert "synthetic/bad/rows_loi.csv" in html and "indicator_unknown" in html
    assert html.count("<details>") == len(
        {i["period"] for i in json.loads(paths.last_refresh.read_text())["late_submissions"]}
    )


def _alerts(paths: WarehousePaths) -> list[dict]:
    return [json.loads(line) for line in (paths.warehouse_dir / "alerts.jsonl").read_text().splitlines()]


def test_parquet_copies_match_the_published_tables(refreshed):
    paths, _, _ = refreshed
    for table in PUBLISHED_MARTS:
        (count,) = _query(paths, f"select count(*) from marts.{table}")[0]
        assert pq.read_metadata(paths.parquet_dir / f"{table}.parquet").num_rows == count


def test_raw_dir_is_never_modified(refreshed):
    paths, _, before = refreshed
    assert _fingerprint(paths.raw_dir) == before


def test_validate_on_the_raw_dir_prints_what_the_refresh_recorded_for_the_rules_files_alone_decide(refreshed):
    paths, _, _ = refreshed
    validated = subprocess.run([P06, "validate", "."], cwd=paths.raw_dir, capture_output=True, text=True, timeout=600)
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        rejections = [
            row[0]
            for row in con.execute("select detail from marts.quality_issues where stage = 'ingestion'").fetchall()
        ]
        findings = con.execute(
            "select * from quality.findings where rule in (select unnest(?))",
            [[rule.id for rule in all_rules() if rule.check_table in ROW_LOCAL_TABLES]],
        ).df()
    finally:
        con.close()

    assert validated.returncode == 2
    lines = validated.stdout.splitlines()
    assert sorted(lines[:-1]) == sorted(rejections + [format_finding(row) for row in findings.to_dict("records")])
    assert (
        lines[-1]
        == f"40 files checked: {len(rejections)} rejections, {len(findings)} rule findings, 3 values held back"
    )


def test_gate_refuses_to_publish_what_quarantine_missed(refreshed, tmp_path, monkeypatch):
    """A defect quarantine did not isolate: exit 2, the published marts stay as they were."""
    import orchestration.defs.quality.assets as quality_assets
    from orchestration.cli import main

    sample, _, _ = refreshed
    paths = WarehousePaths(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")
    shutil.copytree(sample.raw_dir, paths.raw_dir)
    shutil.copytree(sample.warehouse_dir, paths.warehouse_dir)
    (paths.raw_dir / "ca_mau_2025-Q2.csv").write_text(
        "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n96,2025-Q2,VNEID_ISSUED,100\n96,2025-Q2,VNEID_ACTIVATED,200\n",
        encoding="utf-8",
    )
    published_before = _fingerprint(paths.warehouse_dir / "parquet") | {
        "p06.duckdb": _fingerprint(paths.warehouse_dir)["p06.duckdb"]
    }

    real_quarantine = quality_assets.quarantine

    def quarantine_that_holds_nothing_back(con, **kwargs):
        outcome = real_quarantine(con, **kwargs)
        con.execute("delete from quality.findings")
        return outcome

    monkeypatch.setattr(quality_assets, "quarantine", quarantine_that_holds_nothing_back)
    for name in ("P06_RAW_DIR", "P06_WAREHOUSE_DIR", "P06_WORK_DB"):
        monkeypatch.setenv(name, "unset-by-test")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)

    exit_code = main(["refresh", "--raw-dir", str(paths.raw_dir), "--warehouse-dir", str(paths.warehouse_dir)])

    assert exit_code == 2
    summary = json.loads(paths.last_refresh.read_text())
    assert summary["status"] == "gate_refused"
    assert {"rule": "vneid_activated_le_issued", "severity": "error", "stage": "gate"}.items() <= next(
        r for r in summary["rules"]["failed"] if r["rule"] == "vneid_activated_le_issued"
    ).items()
    assert summary["tables_published"] == []
    after = _fingerprint(paths.warehouse_dir / "parquet") | {
        "p06.duckdb": _fingerprint(paths.warehouse_dir)["p06.duckdb"]
    }
    assert after == published_before
