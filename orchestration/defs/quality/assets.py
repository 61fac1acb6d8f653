"""Quality in the asset graph: the quarantine step and its checks, and the gate (CONTRACT §4).

The quarantine runs every rule over the candidate values and holds back what breaks an
error-level rule; its verdict per rule id is a check of `quarantined_values` (ERROR severity:
the rule's values were held back; WARN: published with a warning). The gate checks then run
the same rules over what is about to be published; an error-level gate check is blocking, so
the reporting marts and the publish step are not built when published data would still break
a rule.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset_check,
)

from orchestration.defs.transform.assets import model_key
from orchestration.quality.check_tables import STATUS_TABLE
from orchestration.quality.evaluate import gate, quarantine
from orchestration.quality.history import record_history
from orchestration.quality.late import LATE_RULE, late_submissions
from orchestration.quality.report import REPORT_FILE, rule_url
from orchestration.quality.results import RuleResult
from orchestration.quality.rules import Rule, all_rules
from orchestration.resources import WarehouseResource
from orchestration.wording import count

QUARANTINE = AssetKey("quarantined_values")
CANDIDATES = model_key("int_indicator_values_resolved")
FACTS = model_key("fct_indicator_value")
SUBMISSIONS = model_key("submission_status")
OFFENDING_ROWS_SHOWN = 20


@asset(
    group_name="quality",
    deps=[CANDIDATES, SUBMISSIONS],
    kinds={"great_expectations"},
    check_specs=[
        AssetCheckSpec(
            name=rule.id,
            asset=QUARANTINE,
            description=f"[{rule.severity}] {rule.description} "
            + ("Values breaking it are held back." if rule.blocking else "Findings are warnings."),
        )
        for rule in all_rules()
    ],
)
def quarantined_values(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """quality.findings: every candidate value that breaks a rule, once per rule it broke.

    Also appends this refresh's counts per rule to quality.history (marts.quality_history).

    Values breaking an error-level rule are quarantined: fct_indicator_value leaves them out
    (both values of a rule comparing two indicators). The report is warehouse/quality/index.html.
    """
    with warehouse.connect() as con:
        warehouse.engine.before_quarantine(con)
        outcome = quarantine(con, report_dir=warehouse.paths.quality_dir)
        record_history(con, context.run.run_id)
        warehouse.engine.after_quarantine(con)
    for result in outcome.failed:
        context.log.warning(f"{result.rule.severity} rule {result.rule.id}: {count(result.n_findings, 'finding')}")
    return MaterializeResult(
        metadata={
            "quarantined_values": MetadataValue.int(outcome.n_quarantined),
            "findings_by_rule": MetadataValue.json({r.rule.id: r.n_findings for r in outcome.results}),
            "report": MetadataValue.url(outcome.report_path.as_uri()),
        },
        # a rule whose input table does not exist yet was not evaluated: no result at all
        check_results=[
            _check_result(result, QUARANTINE, outcome.report_path, quarantine=True)
            for result in outcome.results
            if result.passed is not None
        ],
    )


def _checked_asset(rule: Rule) -> AssetKey:
    return SUBMISSIONS if rule.check_table == STATUS_TABLE else FACTS


def _check_result(
    result: RuleResult, asset_key: AssetKey, report_path, *, quarantine: bool = False
) -> AssetCheckResult:
    rule = result.rule
    offending = result.findings.head(OFFENDING_ROWS_SHOWN)
    metadata = {
        "findings": MetadataValue.int(result.n_findings),
        "report": MetadataValue.url(rule_url(report_path, rule.id)),
        "level": MetadataValue.text(rule.severity),
        "suite": MetadataValue.text(f"expectations/{rule.suite}.json"),
    }
    description = rule.description
    if quarantine:
        metadata["values_held_back"] = MetadataValue.int(result.n_held_back)
        if result.n_findings:
            description = (
                f"{count(result.n_held_back, 'value')} held back from the published marts"
                if rule.blocking
                else f"{count(result.n_findings, 'finding')}, published as warnings"
            )
    if len(offending):
        metadata["offending_rows"] = MetadataValue.md(offending.to_markdown(index=False))
    if rule.id == LATE_RULE and not quarantine:
        metadata["late_submissions"] = MetadataValue.json(late_submissions(result.findings))
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=rule.id,
        passed=result.passed is not False,
        severity=AssetCheckSeverity.ERROR if rule.blocking else AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            name=rule.id,
            asset=_checked_asset(rule),
            blocking=rule.blocking,
            description=f"[{rule.severity}] {rule.description} "
            "Checked on the values about to be published, after the quarantine.",
            additional_deps=[] if _checked_asset(rule) == SUBMISSIONS else [SUBMISSIONS],
        )
        for rule in all_rules()
    ],
    name="quality_gate",
)
def quality_gate(warehouse: WarehouseResource):
    """Every rule of expectations/ over the values about to be published."""
    with warehouse.connect() as con:
        warehouse.engine.before_gate(con)
        results = gate(con)
    report_path = warehouse.paths.quality_dir / REPORT_FILE
    for result in results:
        yield _check_result(result, _checked_asset(result.rule), report_path)
