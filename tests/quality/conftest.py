"""A real work database file per test."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture
def work_db(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    yield con
    con.close()
