"""`P06_WAREHOUSE_URL=postgresql://... p06 refresh`: dbt on PostgreSQL, marts published to both.

One real refresh of raw/ against a real server: BI on PostgreSQL reads the same figures as BI on
the DuckDB file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, WarehousePaths

P06 = str(Path(sys.executable).parent / "p06")
BINH_DINH_2024 = (
    "select vneid_activation_rate, vneid_issuance_rate from marts.province_scorecard "
    "where province_code = '52' and period = '2024'"
)
GIA_LAI_2024_TODAY = (
    "select vneid_issuance_rate from marts.province_scorecard_current where province_code = '52' and period = '2024'"
)


def test_refresh_publishes_the_same_marts_on_postgres(pg_target, pg_url, tmp_path):
    paths = WarehousePaths(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")
    shutil.copytree(REPO_ROOT / "raw" / "real", paths.raw_dir / "real")
    shutil.copytree(REPO_ROOT / "raw" / "synthetic" / "2024", paths.raw_dir / "2024")
    env = {k: v for k, v in os.environ.items() if not k.startswith("P06_") and k != "DAGSTER_HOME"}
    env["P06_WAREHOUSE_URL"] = pg_url

    result = subprocess.run(
        [P06, "refresh", "--raw-dir", str(paths.raw_dir), "--warehouse-dir", str(paths.warehouse_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert pg_target.password not in result.stdout + result.stderr
    # dbt gets the password in --vars of its invocation: it leaves the artifacts it leaves on DuckDB,
    # and no artifact, log or run record, in the warehouse or the repo's dbt project, keeps it
    dbt_target = paths.warehouse_dir / "dbt_target"
    assert {"run_results.json", "dbt.log"} <= {path.name for path in dbt_target.iterdir()}
    assert json.loads((dbt_target / "run_results.json").read_text())["results"]
    written = [path for root in (paths.warehouse_dir, DBT_PROJECT_DIR) for path in root.rglob("*") if path.is_file()]
    assert [path for path in written if pg_target.password.encode() in path.read_bytes()] == []
    conn = pg_target.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(BINH_DINH_2024)
            on_postgres = cur.fetchall()
            cur.execute(GIA_LAI_2024_TODAY)
            gia_lai_on_postgres = cur.fetchall()
    finally:
        conn.close()
    duck = duckdb.connect(str(paths.published_db), read_only=True)
    on_duckdb = duck.execute(BINH_DINH_2024).fetchall()
    duck.close()
    assert on_postgres == [(91.79, 96.30)]  # published rounded half-up
    assert on_duckdb == on_postgres
    assert gia_lai_on_postgres == [(93.80,)]
