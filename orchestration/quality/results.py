"""What the rules found: one verdict per rule, and the quarantine's outcome (used by the
evaluation, the report and the asset checks alike)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from orchestration.quality.findings import empty_findings, values_held_back
from orchestration.quality.rules import Rule


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict. ``passed`` is None when its input table does not exist yet."""

    rule: Rule
    passed: bool | None
    n_unexpected: int = 0  # check-table rows GX flagged (a broken pair is one row, two findings)
    findings: pd.DataFrame = field(default_factory=empty_findings, repr=False)
    report_url: str | None = None

    @property
    def n_findings(self) -> int:
        return len(self.findings)

    @property
    def n_held_back(self) -> int:
        return values_held_back(self.findings)

    @property
    def blocks(self) -> bool:
        """True when this result must stop publishing."""
        return self.rule.blocking and self.passed is False


@dataclass(frozen=True)
class QualityOutcome:
    results: list[RuleResult]
    findings: pd.DataFrame = field(repr=False)
    report_path: Path

    @property
    def failed(self) -> list[RuleResult]:
        return [result for result in self.results if result.passed is False]

    @property
    def n_quarantined(self) -> int:
        return values_held_back(self.findings)
