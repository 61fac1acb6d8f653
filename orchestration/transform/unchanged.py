"""The sensor's builds leave out the nodes a new file cannot change, by dbt's own state comparison.

A build without data tests nor --full-refresh (the inbox sensor's, `--skip-dbt-tests`) of a whole
stage builds only its tables and incremental models downstream of a source (what new data
changes) and `state:modified+`: what differs from the project the stage last built successfully
(seeds by checksum, models by SQL, config and macros), with what depends on it. Left out: the
seeds, the views and the models built from seeds only, unchanged (11 of 26 nodes: bench/README.md,
issue 20 sessions 11 and 12). Models that read the build's vars (`run_date`) must depend on a
source, as submission_status does: state comparison does not see vars.

The stage's state: a manifest of its models, seeds, sources and the macros they use, with the
fingerprint of the parse that made it, written after a successful build of the whole stage when
the fingerprint changed, removed when a build fails. Same fingerprint, same parse: nothing is
modified, and the build does without --state (dbt's first read of a state in a process costs
~1 CPU s, building its deserializers). No state (a first build, a fresh warehouse, a failed
build), or one of the stage's relations missing from the warehouse: the stage builds all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    from dbt.contracts.graph.manifest import Manifest

NEW_DATA = ("source:*+,config.materialized:table", "source:*+,config.materialized:incremental")
CHANGED = "state:modified+"
STATE_FILE = "manifest.json"  # the name dbt's --state reads
FINGERPRINT_FILE = "parse.sha256"
UNCHANGED = "not rebuilt: unchanged since the stage's last successful build"


def state_dir(target_path: Path, stage: str) -> Path:
    return target_path / "state" / stage


def fingerprint(manifest: Manifest) -> str:
    """What the parse read, as dbt's partial parsing checks it: vars, profile, env vars and
    dbt_project.yml of each package (its state_check), and every file's checksum, the adapters'
    macros included."""
    digest = hashlib.sha256(repr(manifest.state_check).encode())
    for file_id, source_file in sorted(manifest.files.items()):
        digest.update(f"{file_id}={source_file.checksum.checksum};".encode())
    return digest.hexdigest()


def recorded_fingerprint(state: Path) -> str | None:
    """The fingerprint of the stage's last successful build, None without one."""
    path = state / FINGERPRINT_FILE
    return path.read_text(encoding="utf-8") if path.exists() else None


def changed_selection(select: str, exclude: str | None, state: Path | None) -> list[str]:
    """The stage's selection (dbt syntax) narrowed to what new data changes and, given the state of
    another parse, to what differs from it."""
    parts = (*NEW_DATA, CHANGED) if state else NEW_DATA
    narrowed = [f"{item},{part}" for item in select.split() for part in parts]
    return [
        "--select",
        " ".join(narrowed),
        *(["--exclude", exclude] if exclude else []),
        *(["--state", str(state)] if state else []),
    ]


def relations(manifest: Manifest, unique_ids: Iterable[str]) -> set[tuple[str, str]]:
    """(schema, name) of each of these nodes' relations in the warehouse, lower case."""
    nodes = (manifest.nodes[uid] for uid in unique_ids if uid in manifest.nodes)
    return {(node.schema.lower(), node.alias.lower()) for node in nodes if node.config.materialized != "ephemeral"}


def record_state(manifest: Manifest, state: Path) -> None:
    """The stage's state after a successful build: what state:modified compares, no more, and the
    parse's fingerprint, written last (a state without it is not used)."""
    forget_state(state)
    nodes = {uid: node for uid, node in manifest.nodes.items() if node.resource_type in ("model", "seed")}
    macros, todo = {}, [uid for node in nodes.values() for uid in node.depends_on.macros]
    while todo:
        uid = todo.pop()
        if uid not in macros and uid in manifest.macros:
            macros[uid] = manifest.macros[uid]
            todo.extend(macros[uid].depends_on.macros)
    slim = dataclasses.replace(manifest, nodes=nodes, macros=macros, docs={}, unit_tests={})
    state.mkdir(parents=True)
    slim.writable_manifest().write(str(state / STATE_FILE))
    (state / FINGERPRINT_FILE).write_text(fingerprint(manifest), encoding="utf-8")


def forget_state(state: Path) -> None:
    shutil.rmtree(state, ignore_errors=True)


def duckdb_relations(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(schema, name) of every table and view in the work database, lower case."""
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database() "
        "union all select schema_name, view_name from duckdb_views() where database_name = current_database()"
    ).fetchall()
    return {(schema.lower(), name.lower()) for schema, name in rows}
