"""dbt run inside the Dagster process (dbt-core's dbtRunner), reporting what dagster-dbt would.

dagster-dbt 0.29 runs every `dbt build` as a subprocess that starts Python, imports dbt and
loads the project again: ~2.4 s for each of the three stages of a refresh (bench/README.md).
In this process dbt is already imported (dagster-dbt imports it), and the project is parsed once
per run; each stage then only builds. dagster-dbt still decides what to build (the stage's
selection, or the subset picked in the UI) and turns dbt's results into Dagster events
(materializations, asset check results): the same functions its CLI resource uses, module-level
in dagster-dbt 0.29 (pinned below 0.30) and not public, so borrowed through transform/borrowed.py.

Two differences from the subprocess, both deliberate: a stage's events reach Dagster when its
build ends, not node by node (dbt's own log lines still print as they happen), and dbt must not
run twice at once in one process, which the refresh job's in-process executor guarantees.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from graphlib import TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import AssetExecutionContext, ConfigurableResource, Failure, Output

from orchestration.transform.borrowed import (
    DAGSTER_DBT_EXCLUDE_METADATA_KEY,
    DAGSTER_DBT_SELECT_METADATA_KEY,
    DAGSTER_DBT_SELECTOR_METADATA_KEY,
    DbtCoreCliEventMessage,
    get_manifest_and_translator_from_dbt_assets,
    get_subset_selection_for_context,
    msg_to_dict,
)
from orchestration.transform.dbt_calls import (
    WITHOUT_UNIT_TESTS,
    failure_summary,
    invoke,
    parse_from_seed,
    parse_vars,
)
from orchestration.transform.unchanged import (
    UNCHANGED,
    changed_selection,
    fingerprint,
    forget_state,
    record_state,
    recorded_fingerprint,
    relations,
    state_dir,
)

if TYPE_CHECKING:
    from dbt.contracts.graph.manifest import Manifest


class DbtInProcess(ConfigurableResource):
    """`dbt build` for a @dbt_assets stage, in this process."""

    project_dir: str
    profiles_dir: str

    def build(
        self,
        context: AssetExecutionContext,
        *,
        target_path: Path,
        dbt_target: str,
        dbt_vars: Mapping[str, str],
        full_refresh: bool = False,
        data_tests: bool = True,
        threads_with_tests: int | None = None,
        warehouse_relations: Callable[[], set[tuple[str, str]]] | None = None,
    ) -> Iterator[Any]:
        """Build the stage's selection (or the subset Dagster selected) and yield its events.

        dbt's unit tests never run here. Without data_tests, its data tests do not run either (their
        Dagster checks are left out of such runs' selection: selection_without_dbt_tests in
        defs/transform/assets.py); with them, dbt runs threads_with_tests threads when given. Without
        data tests nor full_refresh, a whole stage builds only what new data or a changed project
        changes (transform/unchanged.py) when warehouse_relations (the warehouse's (schema, name)
        pairs; None where the engine cannot tell) has every relation of the stage; the nodes left
        out still yield their output, so the next steps run. Raises Failure naming every model and
        test that failed, after the events of those that succeeded, as dagster-dbt does.
        """
        manifest, translator, project = get_manifest_and_translator_from_dbt_assets([context.assets_def])
        tags = context.op_execution_context.op.tags
        selection, indirect_selection = get_subset_selection_for_context(
            context=context,
            manifest=manifest,
            select=tags.get(DAGSTER_DBT_SELECT_METADATA_KEY),
            exclude=tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY),
            selector=tags.get(DAGSTER_DBT_SELECTOR_METADATA_KEY),
            dagster_dbt_translator=translator,
            current_dbt_indirect_selection_env=None,
        )
        vars_json = json.dumps(dict(dbt_vars))
        common_args = self._common_args(target_path, dbt_target)
        secrets = tuple(value for key, value in dbt_vars.items() if _is_secret(key) and value)
        parse_args = (*common_args, *_vars_args(parse_vars(dbt_vars)))
        parsed = _parse(context.run.run_id, Path(self.project_dir), parse_args, target_path, secrets)

        state = state_dir(target_path, context.op_execution_context.op.name)
        recorded, parse = recorded_fingerprint(state), fingerprint(parsed)
        whole_stage = set(context.selected_asset_keys) == set(context.assets_def.node_keys_by_output_name.values())
        narrowed = (
            whole_stage
            and not full_refresh
            and not data_tests
            and warehouse_relations is not None
            and recorded is not None
            and relations(parsed, _stage_nodes(context, manifest, translator)) <= warehouse_relations()
        )
        if narrowed:
            selection = changed_selection(
                tags[DAGSTER_DBT_SELECT_METADATA_KEY],
                tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY),
                None if recorded == parse else state,
            )
        args = [
            "build",
            *common_args,
            "--vars",
            vars_json,
            *selection,
            *(["--indirect-selection", indirect_selection] if indirect_selection else []),
            *(["--full-refresh"] if full_refresh else []),
            *WITHOUT_UNIT_TESTS,
            *([] if data_tests else ["--exclude-resource-type", "test"]),
            *(["--threads", str(threads_with_tests)] if data_tests and threads_with_tests else []),
            # no manifest.json (nothing reads this target's; ~0.5 s a build, idle); run_results.json
            # is written below
            "--no-write-json",
        ]
        context.log.info(f"dbt {' '.join(args)}".replace(vars_json, _masked(dbt_vars)))
        events: list = []
        try:
            result = invoke(args, manifest=parsed, callbacks=[events.append])
            if hasattr(result.result, "write"):
                result.result.write(str(target_path / "run_results.json"))
        finally:
            scrub_secrets(target_path, secrets)

        dagster_events = [
            dagster_event
            for event in events
            for dagster_event in DbtCoreCliEventMessage(
                raw_event=msg_to_dict(event), event_history_metadata={}
            ).to_default_asset_events(
                manifest=manifest,
                dagster_dbt_translator=translator,
                context=context,
                target_path=target_path,
                project=project,
            )
        ]
        if narrowed and result.success:
            dagster_events = _with_unchanged(dagster_events, context, manifest, translator)
        yield from dagster_events
        if not result.success:
            forget_state(state)
        _raise_interrupt(result)
        if not result.success:
            raise Failure(description=f"dbt build failed: {failure_summary(result)}")
        if whole_stage and warehouse_relations is not None and recorded != parse:
            record_state(parsed, state)

    def parse_ahead(self, *, target_path: Path, dbt_target: str, dbt_vars: Mapping[str, str]) -> None:
        """Parse the project as `build` will for a run with these vars (the run's date aside), before
        the run arrives (operations/run_worker.py's spare, transform/ahead.py). The run takes this
        Manifest in place of its own parse when its parse's arguments, the environment and every
        file of the project are as they were when this parse began; else it parses as usual."""
        args = (*self._common_args(target_path, dbt_target), *_vars_args(parse_vars(dbt_vars)))
        secrets = tuple(value for key, value in dbt_vars.items() if _is_secret(key) and value)
        state = _parse_inputs(Path(self.project_dir), args, target_path)
        _parsed_ahead.clear()
        _parsed_ahead.append((state, _invoke_parse(Path(self.project_dir), args, target_path, secrets, "--quiet")))

    def _common_args(self, target_path: Path, dbt_target: str) -> list[str]:
        """Every command of a run's: the parse and each stage's build, but for --vars."""
        return [
            "--project-dir",
            self.project_dir,
            "--profiles-dir",
            self.profiles_dir,
            "--target",
            dbt_target,
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path),
            "--no-use-colors",
        ]


def _stage_nodes(context: AssetExecutionContext, manifest: Mapping, translator: Any) -> list[str]:
    """The unique ids of the stage's models and seeds."""
    keys = context.assets_def.keys
    return [
        uid
        for uid, props in manifest["nodes"].items()
        if props["resource_type"] in ("model", "seed") and translator.get_asset_key(props) in keys
    ]


def _with_unchanged(events: list, context: AssetExecutionContext, manifest: Mapping, translator: Any) -> list:
    """A narrowed build's events with an output for each selected node dbt left out (so the steps
    that depend on it run), every output after those of the nodes it depends on: the order Dagster
    requires of a multi-asset."""
    outputs = {event.output_name: event for event in events if isinstance(event, Output)}
    for name in set(context.op_execution_context.selected_output_names) - outputs.keys():
        outputs[name] = Output(None, output_name=name, metadata={"dbt": UNCHANGED})
    graph = {uid: props.get("depends_on", {}).get("nodes", []) for uid, props in manifest["nodes"].items()}
    order = {}
    for uid in TopologicalSorter(graph).static_order():
        props = manifest["nodes"].get(uid)
        key = translator.get_asset_key(props) if props else None
        if key in context.assets_def.keys:
            order[context.assets_def.get_output_name_for_asset_key(key)] = len(order)
    ordered = sorted(outputs.values(), key=lambda output: order.get(output.output_name, len(order)))
    return [*ordered, *(event for event in events if not isinstance(event, Output))]


def _raise_interrupt(result: Any) -> None:
    """dbt returns whatever stopped it as a failed result; Terminate's interrupt (Dagster's
    DagsterExecutionInterruptedError, a KeyboardInterrupt) must go on up, so the run is canceled."""
    if isinstance(result.exception, BaseException) and not isinstance(result.exception, Exception):
        raise result.exception


def _vars_args(dbt_vars: Mapping[str, str]) -> list[str]:
    return ["--vars", json.dumps(dict(dbt_vars))] if dbt_vars else []


def _is_secret(var: str) -> bool:
    return var.endswith("password")


def _masked(dbt_vars: Mapping[str, str]) -> str:
    """The vars as the log shows them, secrets masked."""
    return json.dumps({key: "***" if _is_secret(key) else value for key, value in dbt_vars.items()})


def scrub_secrets(target_path: Path, secrets: tuple[str, ...]) -> None:
    """Mask the secrets (a password in `--vars`) that dbt repeats in what it writes:
    run_results.json keeps the command's arguments, dbt.log the vars of the partial-parse check.

    dbt runs in this process, so it cannot get the password from an environment of its own (as a
    subprocess could) without writing ours. dbt.log is rewritten in place: dbt's log handler
    keeps it open, appending.
    """
    if not secrets:
        return
    forms = {form for secret in secrets for form in (secret, json.dumps(secret)[1:-1], repr(secret)[1:-1])}
    for artifact in (target_path / "run_results.json", target_path / "dbt.log"):
        if not artifact.exists():
            continue
        with artifact.open("r+", encoding="utf-8", errors="surrogateescape") as file:
            text = masked = file.read()
            for form in sorted(forms, key=len, reverse=True):
                masked = masked.replace(form, "***")
            if masked != text:
                file.seek(0)
                file.write(masked)
                file.truncate()


# The spare's parse (DbtInProcess.parse_ahead): what it read, and the Manifest. At most one, taken
# by the run's first stage.
_parsed_ahead: list[tuple[tuple, Manifest]] = []
# Set by Dagster when the run starts, after the spare's parse (Snowflake's partner attribution).
_SET_BY_DAGSTERS_RUN = {"SF_PARTNER"}


@lru_cache(maxsize=1)
def _parse(
    run_id: str, project_dir: Path, common_args: tuple[str, ...], target_path: Path, secrets: tuple[str, ...]
) -> Manifest:
    """The project parsed once per run, for all its stages (dbt's partial parsing keeps it short
    across runs), or before the run when nothing the parse read changed since. Without
    manifest.json: the stages get the parsed manifest from here, and dagster-dbt reads the project's
    own (dbt_project/target); writing it cost ~0.25 s of CPU a run."""
    if _parsed_ahead:
        state, manifest = _parsed_ahead.pop()
        if state == _parse_inputs(project_dir, common_args, target_path):
            return manifest
    return _invoke_parse(project_dir, common_args, target_path, secrets)


def _invoke_parse(
    project_dir: Path, common_args: tuple[str, ...], target_path: Path, secrets: tuple[str, ...], *quiet: str
) -> Manifest:
    try:
        result = parse_from_seed(project_dir, target_path, [*common_args, *quiet])
    finally:
        scrub_secrets(target_path, secrets)
    _raise_interrupt(result)
    if not result.success:
        raise Failure(description=f"dbt could not parse the project: {failure_summary(result)}")
    return result.result


def _parse_inputs(project_dir: Path, args: tuple[str, ...], target_path: Path) -> tuple:
    """What a parse depends on: its arguments, the environment (env_var() in the project and
    profile, dbt's own DBT_ settings), and each file of the project and the profile by its mtime,
    dbt's artifacts aside."""
    skipped = {project_dir / "target", project_dir / "logs", target_path}
    profile = Path(args[args.index("--profiles-dir") + 1]) / "profiles.yml"
    files = {str(profile): profile.stat().st_mtime_ns if profile.exists() else None}
    for path in sorted(project_dir.rglob("*")):
        if path.is_file() and not any(folder in skipped for folder in path.parents):
            files[str(path)] = path.stat().st_mtime_ns
    env = {key: value for key, value in os.environ.items() if key not in _SET_BY_DAGSTERS_RUN}
    return args, env, files
