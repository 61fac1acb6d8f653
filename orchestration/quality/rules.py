"""The quality rules as data, read from the GX suite files in ``expectations/``.

Each expectation names its rule id and severity in ``meta``; a rule may take several
expectations (a count is whole *and* not negative) but always lives in one suite, and the
suite's ``meta.check_table`` names the table it is validated against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.settings import EXPECTATIONS_DIR

SEVERITIES = ("error", "warn")


class SuiteFileError(ValueError):
    """A suite file in expectations/ that cannot be used as written."""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    suite: str
    check_table: str
    description: str

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


def load_suite_files(directory: Path = EXPECTATIONS_DIR) -> dict[str, dict]:
    """Every suite file as the dict GX reads, keyed by suite name."""
    suites = {}
    for path in sorted(directory.glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        if suite.get("name") != path.stem:
            raise SuiteFileError(f"{path}: suite name {suite.get('name')!r} must equal the file name")
        if not suite.get("meta", {}).get("check_table"):
            raise SuiteFileError(f"{path}: meta.check_table is missing")
        for position, expectation in enumerate(suite["expectations"], start=1):
            meta = expectation.get("meta", {})
            missing = {"rule", "severity", "detail"} - meta.keys()
            if missing:
                raise SuiteFileError(f"{path}: expectation {position} lacks meta {sorted(missing)}")
            if meta["severity"] not in SEVERITIES:
                raise SuiteFileError(
                    f"{path}: expectation {position} has severity {meta['severity']!r}, expected one of {SEVERITIES}"
                )
        suites[path.stem] = suite
    return suites


def rules_from_suites(suites: dict[str, dict]) -> tuple[Rule, ...]:
    """One Rule per rule id, in suite-file order."""
    rules: dict[str, Rule] = {}
    for name, suite in suites.items():
        for expectation in suite["expectations"]:
            meta = expectation["meta"]
            known = rules.get(meta["rule"])
            if known and (known.suite != name or known.severity != meta["severity"]):
                raise SuiteFileError(f"rule {meta['rule']} is declared twice with different suites or severities")
            description = expectation.get("description", "")
            if known:
                description = f"{known.description} {description}".strip()
            rules[meta["rule"]] = Rule(
                id=meta["rule"],
                severity=meta["severity"],
                suite=name,
                check_table=suite["meta"]["check_table"],
                description=description,
            )
    return tuple(rules.values())


@cache
def suite_files() -> dict[str, dict]:
    return load_suite_files()


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule p06 checks, for one asset check per rule id."""
    return rules_from_suites(suite_files())
