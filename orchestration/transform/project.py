"""The dbt project as Dagster sees it, with its manifest prepared once."""

from __future__ import annotations

import os
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

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
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


class DbtCli(DbtCliResource):
    """dagster-dbt's CLI resource without two start-up costs p06 never uses (bench/README.md).

    Before each `dbt build`, dagster-dbt 0.29 opens a dbt adapter in this process, parsing every
    macro (1.4 s a stage), only to serve `fetch_row_counts` / `fetch_column_metadata`, which p06
    does not call; and it runs `dbt --version` in a subprocess (1.9 s a refresh) to tell dbt Core
    from the Fusion engine. p06 runs the dbt-core installed beside it, so its version is known.
    Both are private hooks of DbtCliResource (dagster-dbt is pinned below 0.30): if they are
    renamed, refreshes stay correct and only get those seconds back.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return DbtCli(project_dir=dbt_project, dbt_executable=dbt_executable())
