"""The dbt project as Dagster sees it, with its manifest prepared once."""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.runner import DbtInProcess

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target=os.environ.get("P06_DBT_TARGET"))


def prepare_manifest_once() -> None:
    """Parse the dbt project when no manifest exists yet.

    `make` parses before anything runs; parsing again in every run and step (prepare_if_dev)
    would cost seconds each time.
    """
    if not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)


def dbt_resource() -> DbtInProcess:
    return DbtInProcess(project_dir=str(dbt_project.project_dir), profiles_dir=str(dbt_project.profiles_dir))
