"""validate() lets each GX expectation build its configuration once: same verdicts and offending
rows as GX alone, and GX's own Expectation.configuration back afterwards, even after an error."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.quality import validation
from orchestration.quality.rules import suite_files

FRAMES = {
    "indicator_values": pd.DataFrame(
        {
            "check_row": [1, 2, 3, 4],
            "count_value": [5.0, -1.0, None, 7.5],
            "count_fraction": [0.0, 0.0, None, 0.5],
            "percent_value": [None, None, 120.0, None],
            "province_code": ["01", "01", "01", "02"],
            "province_valid_from": [None] * 4,
            "period": ["2024-Q1"] * 4,
            "indicator_code": ["A", "A", "B", "A"],
        }
    ),
}


def _gx_alone(frame: pd.DataFrame, suite_file: dict) -> list[tuple]:
    frame = frame.set_index(validation.INDEX_COLUMN)
    frame.index.name = None
    batch = validation.batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(validation.build_suite(suite_file), result_format=validation.RESULT_FORMAT)
    return [
        (r.expectation_config.meta["rule"], bool(r.success), sorted(r.result.get("unexpected_index_list", [])))
        for r in result.results
    ]


@pytest.mark.parametrize("suite", sorted(FRAMES))
def test_same_outcomes_as_gx_alone(suite):
    suite_file = suite_files()[suite]
    outcomes = validation.validate(FRAMES[suite], suite_file)
    got = [(o.rule, o.success, sorted(o.offending_rows)) for o in outcomes]
    assert got == _gx_alone(FRAMES[suite], suite_file)
    assert [o.rule for o in outcomes if not o.success] == [
        "count_whole_nonnegative",
        "count_whole_nonnegative",
        "percent_within_0_100",
        "one_value_per_key",
    ]


def test_gx_gets_its_own_configuration_back(monkeypatch):
    gx = validation.load_great_expectations()
    expectation = gx.expectations.expectation.Expectation
    own = expectation.__dict__["configuration"]
    validation.validate(FRAMES["indicator_values"], suite_files()["indicator_values"])
    assert expectation.__dict__["configuration"] is own

    def broken(*args, **kwargs):
        raise OSError("disk gone mid-validation")

    monkeypatch.setattr(gx.datasource.fluent.interfaces.Batch, "validate", broken)
    with pytest.raises(OSError, match="disk gone"):
        validation.validate(FRAMES["indicator_values"], suite_files()["indicator_values"])
    assert expectation.__dict__["configuration"] is own
