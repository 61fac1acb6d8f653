"""A quarantine runs without executing scipy.stats (~1 s of GX's import that p06 never uses),
and scipy.stats still works for whoever does use it."""

from __future__ import annotations

import subprocess
import sys

from orchestration.settings import REPO_ROOT

SCRIPT = """
import sys, tempfile
from pathlib import Path
import duckdb
sys.path.insert(0, "tests/quality")
from quality_tables import CANDIDATES, Value, create_values
from orchestration.quality.evaluate import quarantine
con = duckdb.connect()
create_values(con, CANDIDATES, [
    Value("01", "2024-Q1", "VNEID_ISSUED", 10, 2), Value("01", "2024-Q1", "VNEID_ACTIVATED", 20, 3),
])
outcome = quarantine(con, report_dir=Path(tempfile.mkdtemp()))
print(outcome.n_quarantined, type(sys.modules["scipy.stats"]).__name__)
from scipy import stats
print(round(float(stats.entropy([0.5, 0.5], [0.9, 0.1])), 3), type(sys.modules["scipy.stats"]).__name__)
"""


def test_quarantine_leaves_scipy_stats_unloaded_until_used():
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    quarantined, used = run.stdout.splitlines()
    assert quarantined == "2 _LazyModule"
    assert used == "0.511 module"
