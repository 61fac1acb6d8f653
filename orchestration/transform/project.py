"""The dbt project as Dagster sees it, with its manifest prepared once."""

from __future__ import annotations

import filecmp
import os
import shutil
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target=os.environ.get("P06_DBT_TARGET"))


def prepare_manifest_once() -> None:
    """Parse the dbt project when no manifest exists yet.

    `make` parses before anything runs; parsing again in every run and step (prepare_if_dev)
    would cost seconds each time.
    """
    if not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)


def use_partial_parse_of(work_db: Path) -> None:
    """Let dbt start from the partial-parse file kept beside this work DB, when there is one.

    A partial-parse file is only valid for the profile it was written under, and the profile
    holds the work DB path: with the project's own file each dbt stage would parse it all again.
    """
    own = _partial_parse_file(work_db)
    if own.exists():
        os.environ["DBT_PARTIAL_PARSE_FILE_PATH"] = str(own)


def keep_partial_parse(invocation_target: Path, work_db: Path) -> None:
    """Keep the partial-parse file a dbt run wrote (dbt writes it to its target path only).

    Dagster puts a copy of the project's file there first; dbt replaces it only when it parsed.
    """
    written = invocation_target / PARTIAL_PARSE_FILE
    project_file = dbt_project.project_dir / dbt_project.target_path / PARTIAL_PARSE_FILE
    if written.exists() and not (project_file.exists() and filecmp.cmp(written, project_file, shallow=False)):
        own = _partial_parse_file(work_db)
        tmp = own.with_name(f".{own.name}.tmp")
        shutil.copyfile(written, tmp)
        os.replace(tmp, own)


def _partial_parse_file(work_db: Path) -> Path:
    return work_db.with_name("dbt_partial_parse.msgpack")


def dbt_executable() -> str:
    """dbt from the same environment as this interpreter, also when .venv is not activated."""
    import sys

    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
