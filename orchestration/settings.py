"""Where p06 reads and writes, from environment variables (CONTRACT §1)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

# Provinces report, and deadlines fall, on Vietnam's calendar whatever the server's time zone.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM).date()


def _path_named(env: os._Environ | dict, variable: str, default: str) -> Path:
    value = env.get(variable, "")
    return Path(value if value.strip() else default).resolve()


@dataclass(frozen=True)
class WarehousePaths:
    """Every file p06 owns, derived from the raw dir and the warehouse dir."""

    raw_dir: Path
    warehouse_dir: Path

    @classmethod
    def from_env(cls, env: os._Environ | dict = os.environ) -> WarehousePaths:
        """A variable unset or blank means the default, as for the settings resource."""
        return cls(
            raw_dir=_path_named(env, "P06_RAW_DIR", "raw"),
            warehouse_dir=_path_named(env, "P06_WAREHOUSE_DIR", "warehouse"),
        )

    @property
    def work_db(self) -> Path:
        """The database ingestion, dbt and the quality step write (one writer at a time)."""
        return self.warehouse_dir / "work.duckdb"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target, shared by a run's stages and by the spare's parse ahead: its partial-parse
        cache stays valid for this warehouse's profile, so a refresh parses only what changed."""
        return self.warehouse_dir / "dbt_target"

    @property
    def published_db(self) -> Path:
        """The file BI tools open read-only (CONTRACT §5)."""
        return self.warehouse_dir / "p06.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.warehouse_dir / "parquet"

    @property
    def snapshots_dir(self) -> Path:
        return self.warehouse_dir / "snapshots"

    @property
    def quality_dir(self) -> Path:
        return self.warehouse_dir / "quality"

    @property
    def feedback_dir(self) -> Path:
        """One page per province, rewritten every refresh."""
        return self.warehouse_dir / "feedback"

    @property
    def dashboard_dir(self) -> Path:
        """The scorecard site (a link to its latest complete build), rebuilt on every publish."""
        return self.warehouse_dir / "dashboard"

    @property
    def last_refresh(self) -> Path:
        return self.warehouse_dir / "last_refresh.json"

    @property
    def dagster_home(self) -> Path:
        return self.warehouse_dir / "dagster_home"

    @property
    def lock_file(self) -> Path:
        return self.warehouse_dir / "refresh.lock"
