"""The Python assets hang off the dbt models the manifest has, so the UI's lineage joins them:
the publish step after every published mart, the quarantine after the candidate values."""

import pytest
from dagster import AssetKey

from orchestration.defs.publish.assets import published_marts
from orchestration.defs.quality.assets import quarantined_values
from orchestration.defs.transform.assets import DBT_STAGES, model_key
from orchestration.publish.marts import PUBLISHED_MARTS

DBT_BUILT = {key for stage in DBT_STAGES for key in stage.keys}


def test_publish_waits_for_every_published_mart_dbt_builds():
    parents = published_marts.asset_deps[published_marts.key]
    assert parents == {AssetKey(mart) for mart in PUBLISHED_MARTS}
    assert parents <= DBT_BUILT


def test_the_quarantine_reads_the_candidate_values_and_submission_status_dbt_builds():
    parents = quarantined_values.asset_deps[quarantined_values.key]
    assert parents == {AssetKey("int_indicator_values_resolved"), AssetKey("submission_status")}
    assert parents <= DBT_BUILT


def test_a_model_missing_from_the_manifest_fails_naming_it():
    with pytest.raises(KeyError, match="fct_no_such_model"):
        model_key("fct_no_such_model")
