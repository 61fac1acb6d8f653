"""The code location's shape, held against definitions.snapshot: a refactor that drops or renames an
asset, a check (or flips whether it blocks), a freshness policy, the job, the schedule, a sensor or a setting's
environment variable (what the UI lists under each resource) fails here in seconds.

A deliberate change: update definitions.snapshot in the same commit (the failure prints the diff).
"""

from __future__ import annotations

import difflib
from datetime import timedelta
from pathlib import Path

from dagster import build_resources

from orchestration.definitions import build_definitions
from orchestration.resources import ENV_VARIABLES, P06Settings
from orchestration.settings import WarehousePaths

SNAPSHOT = Path(__file__).with_name("definitions.snapshot")


def freshness(policy) -> str:
    window = getattr(policy, "fail_window", None)
    return f"fails after {window.to_timedelta() / timedelta(hours=1):g} h" if window else repr(policy)


def describe(defs) -> list[str]:
    graph = defs.resolve_asset_graph()
    checks = sorted(graph.asset_check_keys, key=lambda key: (key.asset_key.to_user_string(), key.name))
    return [
        *(f"asset {key.to_user_string()}" for key in sorted(graph.get_all_asset_keys())),
        *(
            f"check {key.asset_key.to_user_string()}:{key.name} "
            + ("blocking" if graph.get_check_spec(key).blocking else "non-blocking")
            for key in checks
        ),
        *(
            f"freshness {spec.key.to_user_string()} {freshness(spec.freshness_policy)}"
            for spec in sorted(defs.resolve_all_asset_specs(), key=lambda spec: spec.key)
            if spec.freshness_policy
        ),
        *(f"job {job.name}" for job in sorted(defs.jobs, key=lambda job: job.name)),
        *(f"schedule {s.name} {s.cron_schedule} -> {s.job_name}" for s in sorted(defs.schedules, key=lambda s: s.name)),
        *(f"sensor {sensor.name}" for sensor in sorted(defs.sensors, key=lambda sensor: sensor.name)),
        *(
            f"env {variable} -> {', '.join(sorted(resources))}"
            for variable, resources in sorted(defs.get_repository_def().get_env_vars_by_top_level_resource().items())
        ),
    ]


def test_definitions_match_the_snapshot():
    defs = build_definitions(P06Settings.from_env({variable: "set" for variable in ENV_VARIABLES.values()}))
    actual = describe(defs)
    expected = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    diff = "\n".join(difflib.unified_diff(expected, actual, "definitions.snapshot", "build_definitions()", lineterm=""))
    assert actual == expected, f"the code location changed:\n{diff}"


def test_a_run_reads_the_settings_environment_as_it_is_when_the_run_starts(monkeypatch, tmp_path):
    """`dg dev` loads the code location once; a run started after the variables changed (and a
    reload) sees the new values, not those of the load."""
    settings = P06Settings.from_env({"P06_RAW_DIR": "old", "P06_WAREHOUSE_DIR": "old", "P06_LOCK_TIMEOUT_SECONDS": "1"})
    monkeypatch.setenv("P06_RAW_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("P06_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("P06_LOCK_TIMEOUT_SECONDS", "7")
    with build_resources({"settings": settings}) as resources:
        assert resources.settings.paths == WarehousePaths(tmp_path / "inbox", tmp_path / "warehouse")
        assert resources.settings.lock_timeout_seconds == 7


def test_unset_variables_keep_the_documented_defaults_under_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with build_resources({"settings": P06Settings.from_env({})}) as resources:
        assert resources.settings.paths == WarehousePaths(tmp_path / "raw", tmp_path / "warehouse")
        assert resources.settings.lock_timeout_seconds == 3600
        assert resources.settings.warehouse_url == ""


def test_the_command_line_flags_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("P06_RAW_DIR", str(tmp_path / "from-env"))
    settings = P06Settings.from_env(raw_dir=str(tmp_path / "from-flag"))
    with build_resources({"settings": settings}) as resources:
        assert resources.settings.paths.raw_dir == tmp_path / "from-flag"
