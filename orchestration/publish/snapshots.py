"""The published snapshots: which run made each, which one is served, which were rolled back.

Every publish keeps its file as warehouse/snapshots/p06-<id>.duckdb (a hard link) beside
p06-<id>.json: the run that published it and, once a rollback moved away from it, when.
A rollback keeps every snapshot, so any of them can be served again (`p06 rollback --to ID`).
"""

from __future__ import annotations

import filecmp
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.settings import WarehousePaths

PREFIX = "p06-"
ID_FORMAT = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class Snapshot:
    path: Path

    @property
    def id(self) -> str:
        return self.path.stem.removeprefix(PREFIX)

    @property
    def published_at(self) -> datetime:
        return datetime.strptime(self.id, ID_FORMAT).replace(tzinfo=UTC)

    @property
    def info_path(self) -> Path:
        return self.path.with_suffix(".json")

    @property
    def info(self) -> dict[str, Any]:
        """What the publish recorded (empty for snapshots older than these records)."""
        try:
            info = json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

    @property
    def run_id(self) -> str | None:
        return self.info.get("run_id")

    @property
    def rolled_back_at(self) -> str | None:
        return self.info.get("rolled_back_at")

    def record(self, **fields: Any) -> None:
        """Update this snapshot's record atomically; a None value removes the field."""
        info = {key: value for key, value in {**self.info, **fields}.items() if value is not None}
        tmp = self.info_path.with_name(f".{self.info_path.name}.tmp")
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        os.replace(tmp, self.info_path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        self.info_path.unlink(missing_ok=True)


def snapshot_path(paths: WarehousePaths, now: datetime) -> Path:
    return paths.snapshots_dir / f"{PREFIX}{now.astimezone(UTC):{ID_FORMAT}}.duckdb"


def all_snapshots(paths: WarehousePaths) -> list[Snapshot]:
    """Every snapshot, oldest first."""
    if not paths.snapshots_dir.is_dir():
        return []
    return [Snapshot(path) for path in sorted(paths.snapshots_dir.glob(f"{PREFIX}*.duckdb"))]


def find_snapshot(snapshots: list[Snapshot], wanted: str) -> Snapshot:
    """The snapshot named by its id, with or without the file's prefix and suffix."""
    key = Path(wanted.strip()).name.removesuffix(".duckdb").removeprefix(PREFIX)
    for snapshot in snapshots:
        if snapshot.id == key:
            return snapshot
    known = ", ".join(snapshot.id for snapshot in snapshots) or "none"
    raise LookupError(f"no snapshot {wanted!r}; snapshots: {known} (p06 snapshots lists them)")


def served_index(paths: WarehousePaths, snapshots: list[Snapshot]) -> int | None:
    """Which snapshot p06.duckdb is (newest match first), or None if it is none of them.

    None happens when a publish was killed between the swap and the snapshot: the newest
    snapshot is then the one served before. Hard links are recognised first; a copied
    warehouse (no links left) is compared byte by byte.
    """
    if not paths.published_db.exists():
        return None
    for same in (os.path.samefile, lambda a, b: filecmp.cmp(a, b, shallow=False)):
        for index in reversed(range(len(snapshots))):
            if same(snapshots[index].path, paths.published_db):
                return index
    return None


def served_snapshot(paths: WarehousePaths) -> tuple[Snapshot, bool] | None:
    """The snapshot served now and whether newer ones exist (it was rolled back to)."""
    snapshots = all_snapshots(paths)
    index = served_index(paths, snapshots)
    if index is None:
        return None
    return snapshots[index], index < len(snapshots) - 1
