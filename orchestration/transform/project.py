"""The dbt project as Dagster sees it, with its manifest prepared once."""

from __future__ import annotations

import os
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target=os.environ.get("P06_DBT_TARGET"))


def prepare_manifest_once() -> None:
    """Parse the dbt project when no manifest exists yet.

    `make` parses before anything runs; parsing again in every run and step (prepare_if_dev)
    would cost seconds each time.
    """
    if not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)


def dbt_executable() -> str:
    """dbt from the same environment as this interpreter, also when .venv is not activated."""
    import sys

    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
