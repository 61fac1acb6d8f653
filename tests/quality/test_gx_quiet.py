"""GX runs quietly: a quarantine in a fresh process writes nothing to stdout or stderr."""

from __future__ import annotations

import subprocess
import sys

from orchestration.settings import REPO_ROOT

# Everything logs to stderr at INFO, as a Dagster run's captured logs would show it.
SCRIPT = """
import logging, sys, tempfile
from pathlib import Path
import duckdb
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
sys.path.insert(0, "tests/quality")
from quality_tables import CANDIDATES, Value, create_values
from orchestration.quality.evaluate import quarantine
con = duckdb.connect()
create_values(con, CANDIDATES, [
    Value("01", "2024-Q1", "VNEID_ISSUED", 10, 2), Value("01", "2024-Q1", "VNEID_ACTIVATED", 20, 3),
])
outcome = quarantine(con, report_dir=Path(tempfile.mkdtemp()))
assert outcome.n_quarantined == 2
"""


def test_quarantine_prints_no_progress_bars_or_gx_logs():
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert run.stderr == ""
