"""The code location's shape, held against definitions.snapshot: a refactor that drops or renames an
asset, a check (or flips whether it blocks), a freshness policy, the job, the schedule or a sensor fails here in
seconds.

A deliberate change: update definitions.snapshot in the same commit (the failure prints the diff).
"""

from __future__ import annotations

import difflib
from datetime import timedelta
from pathlib import Path

from orchestration.definitions import build_definitions
from orchestration.resources import P06Settings

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
    ]


def test_definitions_match_the_snapshot(tmp_path):
    defs = build_definitions(P06Settings(raw_dir=str(tmp_path / "raw"), warehouse_dir=str(tmp_path / "warehouse")))
    actual = describe(defs)
    expected = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    diff = "\n".join(difflib.unified_diff(expected, actual, "definitions.snapshot", "build_definitions()", lineterm=""))
    assert actual == expected, f"the code location changed:\n{diff}"
