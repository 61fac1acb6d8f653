"""Suite files are checked when loaded: a rule never disappears or changes level silently."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from orchestration.quality.rules import SuiteFileError, load_suite_files, rules_from_suites
from orchestration.quality.validation import validate

VALID = {
    "name": "checks",
    "meta": {"check_table": "indicator_values"},
    "expectations": [
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "value", "min_value": 0},
            "meta": {"rule": "value_nonnegative", "severity": "error", "detail": "{value} < 0"},
        }
    ],
}


def _write(tmp_path, suite: dict, name: str = "checks") -> None:
    (tmp_path / f"{name}.json").write_text(json.dumps(suite), encoding="utf-8")


def _with_meta(**meta) -> dict:
    expectation = {**VALID["expectations"][0], "meta": meta}
    return {**VALID, "expectations": [expectation]}


@pytest.mark.parametrize(
    ("suite", "name", "message"),
    [
        (VALID, "other", "suite name 'checks' must equal the file name"),
        ({**VALID, "meta": {}}, "checks", "meta.check_table is missing"),
        (_with_meta(rule="r", severity="error"), "checks", "expectation 1 lacks meta ['detail']"),
        (_with_meta(rule="r", severity="fatal", detail="d"), "checks", "severity 'fatal'"),
    ],
)
def test_malformed_suite_file_is_refused_with_its_reason(tmp_path, suite, name, message):
    _write(tmp_path, suite, name)
    with pytest.raises(SuiteFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_suite_files(tmp_path)


def test_rule_declared_at_two_levels_is_refused(tmp_path):
    _write(tmp_path, VALID, "checks")
    _write(tmp_path, {**_with_meta(rule="value_nonnegative", severity="warn", detail="d"), "name": "more"}, "more")
    with pytest.raises(SuiteFileError, match="value_nonnegative is declared twice"):
        rules_from_suites(load_suite_files(tmp_path))


def test_expectation_gx_cannot_build_is_an_error_not_a_silent_pass():
    broken = {**VALID, "expectations": [{**VALID["expectations"][0], "kwargs": {"min_value": 0}}]}
    with pytest.raises(SuiteFileError, match="(?s)suite checks: GX rejected an expectation.*column.*field required"):
        validate(pd.DataFrame({"check_row": [1], "value": [1.0]}), broken)


def test_expectation_on_a_missing_column_raises_with_its_rule():
    with pytest.raises(RuntimeError, match="value_nonnegative"):
        validate(pd.DataFrame({"check_row": [1], "other": [1.0]}), VALID)
