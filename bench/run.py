"""Refresh benchmarks against issue 20's targets; prints one JSON object.

    python bench/run.py [--files 5000] [--commune-values 10000000] [--rejected-rows 1000000]
                        [--quick] [--only SET]

Scenarios, each a real `p06 refresh` process (wall seconds including the process start, peak
RSS of the largest process of its tree, the load average when it started): full refresh of the
history, no-op refresh (nothing new), incremental refresh (one new file), and the floor: DuckDB
alone reading the same CSVs and computing the scorecard SQL, in this run. The commune-level set
also refreshes after one new file on top of its history, then after one file whose rows are all
rejected (units merged away before its period). `targets` lists each target of issue 20 with
its limit, the measured figure and whether it was met.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

P06 = str(Path(sys.executable).parent / "p06")

SCORECARD_SQL = """
with v as (
    select ma_tinh as province_code, ky_bao_cao as period, ma_chi_tieu as indicator_code,
           sum(gia_tri::double) as value
    from read_csv({files}, union_by_name = true, all_varchar = true)
    group by all
)
select province_code, period,
       100 * max(value) filter (indicator_code = 'VNEID_ACTIVATED')
           / nullif(max(value) filter (indicator_code = 'VNEID_ISSUED'), 0) as vneid_activation_rate,
       100 * max(value) filter (indicator_code = 'DOSSIERS_ONLINE')
           / nullif(max(value) filter (indicator_code = 'DOSSIERS_TOTAL'), 0) as online_dossier_rate
from v group by all
"""


def measure(args: list[str], env: dict) -> dict:
    """Wall time and peak RSS (MiB) of one child process and its waited-for children."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "exit_code": os.waitstatus_to_exitcode(status),
        "load_average_1min": round(load, 2),
    }


def refresh(raw: Path, warehouse: Path, *flags: str) -> dict:
    """One `p06 refresh` measured, with the status and error its summary reports."""
    env = {**os.environ, "P06_RAW_DIR": str(raw), "P06_WAREHOUSE_DIR": str(warehouse)}
    env.pop("DAGSTER_HOME", None)
    result = measure([P06, "refresh", *flags], env)
    summary = json.loads((warehouse / "last_refresh.json").read_text(encoding="utf-8"))
    return {
        **result,
        "status": summary["status"],
        "noop": summary.get("noop", False),
        "rows_accepted": summary["rows"]["accepted"],
        "error": summary["error"],
    }


def floor(raw: Path) -> dict:
    """DuckDB alone: read the UTF-8 CSVs and compute scorecard rates."""
    files = sorted(str(p) for p in raw.rglob("*.csv") if p.read_bytes()[:2] not in (b"\xff\xfe", b"\xfe\xff"))
    files = [f for f in files if _is_utf8(Path(f))]
    start = time.perf_counter()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    con = duckdb.connect()
    rows = con.execute(SCORECARD_SQL.format(files=files)).fetchall() if files else []
    con.close()
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "csv_files_read": len(files),
        "scorecard_rows": len(rows),
        "peak_rss_mib_process": round(max(peak_before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024, 1),
    }


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def with_ratio(result: dict, floor_seconds: float) -> dict:
    return {**result, "ratio_to_floor": round(result["seconds"] / floor_seconds, 1) if floor_seconds else None}


def mixed_history(work: Path, files: int) -> dict:
    raw, warehouse = work / "raw", work / "warehouse"
    values = generate(raw, files=files, values=22)
    base = floor(raw)
    full = refresh(raw, warehouse)
    noop = refresh(raw, warehouse)
    generate(raw, files=1, values=22, start=files)
    incremental = refresh(raw, warehouse)
    return {
        "files": files,
        "values": values,
        "floor_duckdb_alone": base,
        "full_refresh": with_ratio(full, base["seconds"]),
        "noop_refresh": with_ratio(noop, base["seconds"]),
        "incremental_refresh": {
            **with_ratio(incremental, base["seconds"]),
            "share_of_full": round(incremental["seconds"] / full["seconds"], 2) if full["seconds"] else None,
        },
    }


def commune_level(work: Path, total_values: int, rejected_rows: int) -> dict:
    raw, warehouse = work / "communes", work / "warehouse_communes"
    per_file = min(total_values, 1_000_000)
    files = max(1, total_values // per_file)
    values = generate(raw, files=files, values=per_file, communes=3321 // 34)
    base = floor(raw)
    full = refresh(raw, warehouse)
    generate(raw, files=1, values=22, start=files)  # one province-level file on the commune history
    incremental = refresh(raw, warehouse)
    generate(raw, files=1, values=rejected_rows, communes=3321 // 34, start=files + 1, retired=True)
    rejected = refresh(raw, warehouse)
    return {
        "files": files,
        "values": values,
        "floor_duckdb_alone": base,
        "full_refresh": with_ratio(full, base["seconds"]),
        "incremental_refresh": with_ratio(incremental, base["seconds"]),
        "rejected_rows_refresh": {
            **rejected,
            "rows_rejected_in_file": rejected_rows,
            "added_seconds": round(rejected["seconds"] - incremental["seconds"], 2),
        },
    }


def targets(report: dict) -> list[dict]:
    """Issue 20's targets: the limit, the figure measured in this run, met or not."""
    rows = []

    def target(name: str, measured: float, limit: float, ok: bool, refreshes: list[dict]) -> None:
        published = all(r["exit_code"] == 0 for r in refreshes)
        rows.append({"target": name, "measured": measured, "limit": round(limit, 2), "met": ok and published})

    if mixed := report.get("mixed_history"):
        floor_s = mixed["floor_duckdb_alone"]["seconds"]
        full, noop, one = mixed["full_refresh"], mixed["noop_refresh"], mixed["incremental_refresh"]
        target("one new file on the history: wall s", one["seconds"], 10, one["seconds"] <= 10, [one])
        limit = 3 * floor_s + 10
        target(
            "full refresh of the mixed files: wall s (3x floor + 10 s)",
            full["seconds"],
            limit,
            full["seconds"] <= limit,
            [full],
        )
        target("no-op refresh: wall s", noop["seconds"], 1, noop["seconds"] < 1, [noop])
    if commune := report.get("commune_level"):
        full, one, rejected = commune["full_refresh"], commune["incremental_refresh"], commune["rejected_rows_refresh"]
        ratio = full["ratio_to_floor"]
        target("commune values full refresh: ratio to floor", ratio, 10, ratio is not None and ratio <= 10, [full])
        rss = full["peak_rss_mib"]
        target("commune values full refresh: peak RSS MiB", rss, 2048, rss < 2048, [full])
        target("one new file on the commune values: wall s", one["seconds"], 10, one["seconds"] <= 10, [one])
        added = rejected["added_seconds"]
        target("rejected rows: seconds added", added, 3, added <= 3, [one, rejected])
    return rows


def machine() -> dict:
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "python": sys.version.split()[0],
        "duckdb": duckdb.__version__,
        "load_average_at_start": os.getloadavg(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--commune-values", type=int, default=10_000_000)
    parser.add_argument("--rejected-rows", type=int, default=1_000_000, help="rows of the file rejected whole")
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the harness")
    parser.add_argument("--only", choices=["mixed_history", "commune_level"], help="run one scenario set")
    args = parser.parse_args()
    if args.quick:
        args.files, args.commune_values, args.rejected_rows = 200, 200_000, 20_000
    work = Path(tempfile.mkdtemp(prefix="p06-bench-"))
    try:
        report = {"machine": machine()}
        if args.only in (None, "mixed_history"):
            report["mixed_history"] = mixed_history(work, args.files)
        if args.only in (None, "commune_level"):
            report["commune_level"] = commune_level(work, args.commune_values, args.rejected_rows)
        report["targets"] = targets(report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["load_average_at_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
