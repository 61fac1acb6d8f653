"""BI tools query p06.duckdb while a refresh runs: the DuckDB CLI, Python and SQLAlchemy
(duckdb-engine) each run the README's example dashboard query over and over, never blocked,
never an error, and see the old marts, then the new ones, never a mix. A reader that keeps the
file open across the swap keeps its snapshot.

The refresh observed is the session's incremental one (conftest.incremental).
"""

from __future__ import annotations

import pytest
from dashboards import CLIENTS


@pytest.mark.parametrize("client", CLIENTS)
def test_dashboard_query_sees_the_old_marts_then_the_new_never_an_error(incremental, client):
    digests = incremental.observations.digests[client]
    old, new = digests[0], digests[-1]

    assert not [line for line in digests if line.startswith("ERROR")]
    assert incremental.observations.during_refresh[client] > 0
    assert old != new  # the refresh changed what the dashboard shows
    switch = digests.index(new)
    assert digests == [old] * switch + [new] * (len(digests) - switch)


def test_a_reader_holding_the_file_open_keeps_its_snapshot(incremental):
    before, after = incremental.observations.held
    assert before == after == incremental.observations.digests["python"][0]
