"""`p06 refresh --full-refresh` has the quarantine and the gate check every scope again; the sensor's
fast path (a subset of the job) takes the same run config."""

from __future__ import annotations

import pytest
from dagster import validate_run_config

from orchestration.cli import _run_config
from orchestration.definitions import build_definitions
from orchestration.defs.transform.assets import selection_without_dbt_tests
from orchestration.resources import ENV_VARIABLES, P06Settings


@pytest.mark.parametrize("full_refresh", [True, False])
@pytest.mark.parametrize("fast_path", [True, False])
def test_the_refresh_tells_the_quality_steps_whether_to_check_everything(full_refresh, fast_path):
    job = build_definitions(P06Settings.from_env({v: "set" for v in ENV_VARIABLES.values()})).resolve_job_def("refresh")
    if fast_path:
        assets, checks = selection_without_dbt_tests(job)
        job = job.get_subset(asset_selection=assets, asset_check_selection=checks)

    config = validate_run_config(job, _run_config(full_refresh, data_tests=not fast_path))

    assert config["ops"]["quarantined_values"]["config"] == {"full": full_refresh}
    assert config["ops"]["quality_gate"]["config"] == {"full": full_refresh}
