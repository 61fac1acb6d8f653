"""`make dev` for real: webserver + daemon as processes, read through GraphQL and a headless browser.

One server per module (startup costs 10–30 s). Its raw dir holds one submission and its
warehouse (with DAGSTER_HOME inside) is fresh, so the running schedule and sensors touch nothing
outside tmp.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browser import render
from operations_support import free_port, start_process_group, stop_process_group, wait_until

from orchestration.quality.rules import all_rules
from orchestration.settings import WarehousePaths

REFRESH_ASSETS = {
    "raw_submissions",
    "int_indicator_values_resolved",
    "quarantined_values",
    "fct_indicator_value",
    "province_scorecard",
    "published_marts",
}
SUBMISSION = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,2024-Q1,VNEID_ISSUED,1000\n"
SENSORS = (
    "raw_inbox_sensor",
    "refresh_succeeded_sensor",
    "refresh_failed_sensor",
    "run_failure_alert_sensor",
    "stale_marts_sensor",
)


def _ensure_dbt_manifest(repo_root: Path) -> None:
    """`make` prepares it; a bare `pytest` after a fresh clone parses once here."""
    if not (repo_root / "dbt_project" / "target" / "manifest.json").exists():
        dbt = Path(sys.executable).with_name("dbt")
        subprocess.run([str(dbt), "parse", "--quiet"], cwd=repo_root / "dbt_project", check=True)


class DagsterUI:
    def __init__(self, base_url: str, process: subprocess.Popen, log: Path):
        self.base_url = base_url
        self.process = process
        self.log = log

    def is_up(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"dev server exited with {self.process.returncode}:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(f"{self.base_url}/server_info", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.base_url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory, repo_root, p06_env_for) -> DagsterUI:
    _ensure_dbt_manifest(repo_root)
    tmp = tmp_path_factory.mktemp("dagster_ui")
    paths = WarehousePaths(raw_dir=tmp / "raw", warehouse_dir=tmp / "warehouse")
    paths.raw_dir.mkdir()
    (paths.raw_dir / "ha-noi-2024-q1.csv").write_text(SUBMISSION, encoding="utf-8")
    port = free_port()
    log = tmp / "dev.log"
    with log.open("w") as output:
        process = start_process_group(
            ["bash", str(repo_root / "scripts" / "dev.sh"), str(port)],
            cwd=repo_root,
            env=p06_env_for(paths),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    ui = DagsterUI(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until(ui.is_up, timeout=120, what=f"the dev server on port {port}")
        yield ui
    finally:
        stop_process_group(process)


@pytest.fixture(scope="module")
def repository(dagster_ui) -> dict:
    data = dagster_ui.graphql(
        """{ repositoriesOrError { ... on RepositoryConnection { nodes {
               name location { name }
               schedules { name cronSchedule executionTimezone scheduleState { status }
                           futureTicks(limit: 1) { results { timestamp } } }
               sensors { name sensorState { status } }
        } } } }"""
    )
    (repository,) = data["repositoriesOrError"]["nodes"]
    return repository


def test_make_dev_prints_no_deprecation_and_no_warning_about_an_unused_dagster_yaml(dagster_ui):
    log = dagster_ui.log.read_text(errors="replace")
    assert "Serving dagster-webserver" in log
    assert "superseded" not in log  # `dagster dev`'s notice pointing to `dg dev`
    assert "will not be used to configure Dagster" not in log


def test_the_ui_shows_every_stage_of_the_refresh_as_an_asset(dagster_ui):
    nodes = dagster_ui.graphql("{ assetNodes { assetKey { path } } }")["assetNodes"]
    keys = {"/".join(node["assetKey"]["path"]) for node in nodes}
    assert keys >= REFRESH_ASSETS


def test_every_quality_rule_is_an_asset_check_named_by_its_rule_id(dagster_ui):
    nodes = dagster_ui.graphql(
        """{ assetNodes { assetKey { path }
               assetChecksOrError { ... on AssetChecks { checks { name } } } } }"""
    )["assetNodes"]
    checks = {
        "/".join(node["assetKey"]["path"]): {check["name"] for check in node["assetChecksOrError"]["checks"]}
        for node in nodes
    }
    assert "vneid_activated_le_issued" in checks["fct_indicator_value"]
    assert {rule.id for rule in all_rules()} <= set().union(*checks.values())
    # the quarantine's verdict on every rule, beside the gate's
    assert checks["quarantined_values"] == {rule.id for rule in all_rules()}


def test_the_nightly_schedule_runs_at_two_in_the_morning_vietnam_time(repository):
    (schedule,) = [s for s in repository["schedules"] if s["name"] == "nightly_refresh"]
    assert schedule["cronSchedule"] == "0 2 * * *"
    assert schedule["executionTimezone"] == "Asia/Ho_Chi_Minh"
    assert schedule["scheduleState"]["status"] == "RUNNING"
    (next_tick,) = schedule["futureTicks"]["results"]
    assert datetime.fromtimestamp(next_tick["timestamp"], UTC).strftime("%H:%M") == "19:00"


def test_every_sensor_runs_by_default(repository):
    status = {sensor["name"]: sensor["sensorState"]["status"] for sensor in repository["sensors"]}
    assert set(SENSORS) <= status.keys()
    assert {name for name, state in status.items() if state != "RUNNING"} == set()


def inbox_sensor_ticks(dagster_ui, repository, limit: int, fields: str, statuses: str = "") -> list[dict]:
    """raw_inbox_sensor's last ``limit`` ticks (of the ``statuses``, GraphQL list, if given), newest
    first, with the GraphQL ``fields`` asked."""
    selector = {
        "repositoryLocationName": repository["location"]["name"],
        "repositoryName": repository["name"],
        "sensorName": "raw_inbox_sensor",
    }
    arguments = f"limit: {limit}" + (f", statuses: {statuses}" if statuses else "")
    sensor = dagster_ui.graphql(
        f"""query($selector: SensorSelector!) {{ sensorOrError(sensorSelector: $selector) {{
             ... on Sensor {{ sensorState {{ ticks({arguments}) {{ {fields} }} }} }} }} }}""",
        {"selector": selector},
    )["sensorOrError"]
    return sensor["sensorState"]["ticks"]


def test_the_daemon_turns_a_file_in_the_inbox_into_one_refresh_run(dagster_ui, repository):
    # The sensor looks every 1-1.5 s: the ticks after the one that requested the run skip (the run
    # key is known, or the run holds the warehouse), and may come before this test looks.
    def finished_ticks():
        fields = "status runKeys runs { runId jobName tags { key value } }"
        return inbox_sensor_ticks(dagster_ui, repository, 5, fields, statuses="[SUCCESS, FAILURE]") or None

    (tick,) = wait_until(finished_ticks, timeout=60, what="a finished tick of raw_inbox_sensor that did not skip")
    assert tick["status"] == "SUCCESS"
    (run_key,) = tick["runKeys"]
    (run,) = tick["runs"]
    # The refresh itself is covered elsewhere; stop it so it does not compete with the browser.
    dagster_ui.graphql(
        "mutation($runId: String!) { terminateRun(runId: $runId) { __typename } }", {"runId": run["runId"]}
    )
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert run["jobName"] == "refresh"
    assert tags["dagster/run_key"] == run_key
    assert tags["p06/new_files"] == "1"


def test_the_inbox_sensor_looks_about_every_second(dagster_ui, repository):
    # Dagster's sensor daemon loops every 5 s; p06's run coordinator shortens it to 1 s
    # (orchestration/operations/run_queue.py), so a dropped file waits ~1 s for its tick, not ~5.
    def eight_ticks():
        ticks = sorted(tick["timestamp"] for tick in inbox_sensor_ticks(dagster_ui, repository, 8, "timestamp"))
        return ticks if len(ticks) == 8 else None

    ticks = wait_until(eight_ticks, timeout=120, what="eight ticks of raw_inbox_sensor")
    gaps = sorted(later - earlier for earlier, later in itertools.pairwise(ticks))
    assert gaps[len(gaps) // 2] < 4, gaps  # the median; each gap was >= 5 s with Dagster's loop


def test_the_daemon_is_healthy_and_runs_one_refresh_at_a_time(dagster_ui):
    def daemons_healthy():
        instance = dagster_ui.graphql(
            """{ instance { runQueueConfig { maxConcurrentRuns }
                 daemonHealth { allDaemonStatuses { daemonType healthy } } } }"""
        )["instance"]
        healthy = {d["daemonType"] for d in instance["daemonHealth"]["allDaemonStatuses"] if d["healthy"]}
        return {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR"} <= healthy and instance

    instance = wait_until(daemons_healthy, timeout=60, what="a healthy scheduler, sensor and run queue")
    assert instance["runQueueConfig"]["maxConcurrentRuns"] == 1


def browse(dagster_ui: DagsterUI, page: str, screenshot: Path, profile: Path) -> str:
    """Load `page` in headless Chromium, save a screenshot, return the rendered DOM."""
    # The community sign-up dialog, shown once per instance, would cover the graph.
    dagster_ui.graphql("mutation { setNuxSeen }")
    dom = render(f"{dagster_ui.base_url}/{page}", screenshot, profile, window="1600,1000").dom
    assert screenshot.stat().st_size > 20_000  # a blank page of that size is about 7 kB
    return dom


def test_the_global_asset_graph_shows_every_asset_group(dagster_ui, repo_root, tmp_path):
    nodes = dagster_ui.graphql("{ assetNodes { groupName } }")["assetNodes"]
    groups = {node["groupName"] for node in nodes}

    dom = browse(dagster_ui, "asset-groups", repo_root / "build" / "asset_lineage.png", tmp_path)

    assert {group for group in groups if group not in dom} == set()


def test_the_graph_of_the_marts_group_shows_the_fact_table_and_the_publishing(
    dagster_ui, repository, repo_root, tmp_path
):
    (group,) = {
        node["groupName"]
        for node in dagster_ui.graphql("{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
        if node["assetKey"]["path"] == ["fct_indicator_value"]
    }
    page = f"locations/{repository['location']['name']}/asset-groups/{group}"

    dom = browse(dagster_ui, page, repo_root / "build" / "asset_graph.png", tmp_path)

    assert "fct_indicator_value" in dom
    assert "published_marts" in dom
