"""BI tools query p06.duckdb while a refresh runs: the DuckDB CLI, Python and SQLAlchemy
(duckdb-engine) each run the README's example dashboard query over and over, never blocked,
never an error, and see the old marts, then the new ones, never a mix. A reader that keeps the
file open across the swap keeps its snapshot."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from mart_content import copy_warehouse
from refresh_process import LoggedProcess, start_refresh

from orchestration.settings import REPO_ROOT

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
    held: list[str]  # the held-open reader: before the refresh, after it


def _reader(client: str, paths, query_file: Path) -> LoggedProcess:
    return LoggedProcess([sys.executable, str(BI_READER), client, str(paths.published_db), str(query_file)])


@pytest.fixture(scope="module")
def observations(history_warehouse, raw_sets, tmp_path_factory) -> Observations:
    """One refresh (history -> every file) with every client querying throughout."""
    workdir = tmp_path_factory.mktemp("bi")
    paths = copy_warehouse(history_warehouse, workdir / "warehouse")
    query_file = workdir / "dashboard.sql"
    query_file.write_text(readme_dashboard_query(), encoding="utf-8")
    readers = {client: _reader(client, paths, query_file) for client in CLIENTS}
    held = _reader("python-held", paths, query_file)
    try:
        for reader in (*readers.values(), held):
            reader.wait_for_line(".")  # each has run the query on the old marts

        started = {client: len(reader.lines) for client, reader in readers.items()}
        with start_refresh(raw_sets.complete, paths.warehouse_dir) as refresh:
            exit_code = refresh.wait()
        during = {client: len(reader.lines) - started[client] for client, reader in readers.items()}
        assert exit_code == 0, refresh.output

        held.send_line()
        held.wait_for_line(".", after=1)
        for reader in readers.values():
            first = reader.lines[0]
            reader.wait_for_line(f"^(?!{re.escape(first)}$)", timeout=SETTLE_SECONDS)  # sees the new marts
    finally:
        for reader in (*readers.values(), held):
            reader.close_stdin()
            reader.wait()
    return Observations(
        {client: list(reader.lines) for client, reader in readers.items()}, during, list(held.lines)
    )


@pytest.mark.parametrize("client", CLIENTS)
def test_dashboard_query_sees_the_old_marts_then_the_new_never_an_error(observations, client):
    digests = observations.digests[client]
    old, new = digests[0], digests[-1]

    assert not [line for line in digests if line.startswith("ERROR")]
    assert observations.during_refresh[client] > 0
    assert old != new  # the refresh changed what the dashboard shows
    switch = digests.index(new)
    assert digests == [old] * switch + [new] * (len(digests) - switch)


def test_a_reader_holding_the_file_open_keeps_its_snapshot(observations):
    before, after = observations.held
    assert before == after == observations.digests["python"][0]
