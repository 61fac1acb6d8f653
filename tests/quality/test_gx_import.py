"""A quarantine runs without executing scipy.stats or altair (~1 s and ~0.5 s of GX's import that
p06 never uses), and both still work for whoever does use them."""

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
print(outcome.n_quarantined, type(sys.modules["scipy.stats"]).__name__, "altair.vegalite" in sys.modules)
from scipy import stats
print(round(float(stats.entropy([0.5, 0.5], [0.9, 0.1])), 3), type(sys.modules["scipy.stats"]).__name__)
from great_expectations.expectations.core.expect_column_kl_divergence_to_be_less_than import alt
import altair
chart = alt.Chart({"values": [{"x": 1}]}).mark_bar().encode(x="x:Q").to_dict()
print(chart["mark"]["type"], alt.Chart is altair.Chart, type(sys.modules["altair"]).__name__)
"""


def test_quarantine_leaves_scipy_stats_and_altair_unloaded_until_used():
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    quarantined, used, charted = run.stdout.splitlines()
    assert quarantined == "2 _LazyModule False"
    assert used == "0.511 module"
    assert charted == "bar True module"
