"""The Vietnamese reason table: one sentence per rule id, ingestion and CONTRACT §4 alike."""

from __future__ import annotations

import re
import string

import pytest

from orchestration.feedback.reasons import reason, reasons
from orchestration.ingest.parsing.numbers import EXPECTED as NUMBER_RULES
from orchestration.quality.rules import all_rules
from orchestration.settings import REPO_ROOT

# a rule id given to ParseError or Rejection anywhere in the ingest code
RULE_LITERAL = re.compile(r'(?:ParseError|Rejection)\(\s*(?:[a-z_]+,\s*)?"([a-z_]+)"')
FACTS = {"value", "column", "indicator", "period"}


def ingest_rule_ids() -> set[str]:
    sources = (REPO_ROOT / "orchestration" / "ingest").rglob("*.py")
    found = {rule for path in sources for rule in RULE_LITERAL.findall(path.read_text(encoding="utf-8"))}
    return found | set(NUMBER_RULES)


def test_the_scan_finds_the_ingest_rules_it_should():
    assert {
        "file_unreadable",
        "indicator_unknown",
        "formula_uncalculated",
        "count_negative",
        "province_not_valid_in_period",
        "status_invalid",
        "link_not_followed",
        "date_in_future",
        "number_out_of_range",
    } <= ingest_rule_ids()


@pytest.mark.parametrize("rule", sorted(ingest_rule_ids() | {r.id for r in all_rules()}))
def test_every_rule_has_a_vietnamese_reason(rule):
    assert reasons().get(rule), f"{rule} has no row in orchestration/feedback/reasons.csv"


@pytest.mark.parametrize("rule, sentence", sorted(reasons().items()))
def test_reasons_use_only_the_facts_a_finding_has(rule, sentence):
    fields = {name for _, name, _, _ in string.Formatter().parse(sentence) if name}
    assert fields <= FACTS, f"{rule}: unknown placeholder {fields - FACTS}"


def test_reason_names_the_value_seen():
    assert (
        reason("indicator_unknown", value="NOT_AN_INDICATOR") == "Mã chỉ tiêu NOT_AN_INDICATOR không có trong danh mục"
    )
    assert "96,30" in reason("value_ambiguous", value="85.125")  # a comma inside the CSV field survives
    assert reason("a_rule_added_later") == "Vi phạm quy tắc a_rule_added_later"
