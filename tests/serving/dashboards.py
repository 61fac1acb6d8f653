"""Dashboards in use during a refresh: BI clients query p06.duckdb before, while and after it runs."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from refresh_process import LoggedProcess, assert_published, run_refresh

from orchestration.settings import REPO_ROOT, WarehousePaths

BI_READER = Path(__file__).with_name("bi_reader.py")
CLIENTS = ("cli", "python", "sqlalchemy")
SETTLE_SECONDS = 120


def readme_dashboard_query() -> str:
    """The first SQL example of the README's section on BI tools: the query users copy."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Connecting a BI tool", 1)[1]
    return re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)


@dataclass(frozen=True)
class Observations:
    digests: dict[str, list[str]]  # client -> the digest (or error) of every query, in order
    during_refresh: dict[str, int]  # client -> queries answered while the refresh ran
    held: list[str]  # a reader that kept the file open: its results before and after the refresh


def _reader(client: str, paths: WarehousePaths, query_file: Path) -> LoggedProcess:
    return LoggedProcess([sys.executable, str(BI_READER), client, str(paths.published_db), str(query_file)])


def refresh_while_dashboards_query(paths: WarehousePaths, raw_dir: Path) -> Observations:
    """Start every client on the published marts, refresh, and wait until each sees the result."""
    query_file = paths.warehouse_dir.parent / "dashboard.sql"
    query_file.write_text(readme_dashboard_query(), encoding="utf-8")
    readers = {client: _reader(client, paths, query_file) for client in CLIENTS}
    held = _reader("python-held", paths, query_file)
    try:
        for reader in (*readers.values(), held):
            reader.wait_for_line(".")  # each has queried the old marts
        started = {client: len(reader.lines) for client, reader in readers.items()}
        assert_published(run_refresh(raw_dir, paths.warehouse_dir))
        during = {client: len(reader.lines) - started[client] for client, reader in readers.items()}
        held.send_line()
        held.wait_for_line(".", after=1)
        for reader in readers.values():
            old = re.escape(reader.lines[0])
            reader.wait_for_line(f"^(?!{old}$)", timeout=SETTLE_SECONDS)  # sees something new
    finally:
        for reader in (*readers.values(), held):
            reader.close_stdin()
            reader.wait()
    return Observations({client: list(reader.lines) for client, reader in readers.items()}, during, list(held.lines))
