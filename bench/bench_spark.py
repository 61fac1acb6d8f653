"""Commune values refreshed with dbt on DuckDB, on a Spark session and on a Spark standalone
cluster through its Thrift Server (issue 19); prints one JSON object.

    python bench/bench_spark.py [--commune-values 10000000] [--engines duckdb,spark,spark_thrift]

Each engine refreshes the same generated raw dir into a fresh warehouse (a real `p06 refresh`
process). Memory is the peak of the summed resident memory of every process involved, sampled
every 0.5 s from /proc: the refresh and its children (the session's JVM among them) and, for the
cluster, its master, workers, executors and Thrift Server. The cluster's start is timed apart.
Needs `make install-spark` and Java.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
P06 = str(Path(sys.executable).parent / "p06")
CLUSTER = REPO / "scripts" / "spark-cluster.sh"
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_mib(roots: list[int]) -> float:
    """Resident memory of `roots` and all their descendants."""
    tree, seen, stack = _children(), set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.add(pid)
            stack.extend(tree.get(pid, []))
    return sum(_rss_kib(pid) for pid in seen) / 1024


def refresh(raw: Path, warehouse: Path, engine: str, extra_roots: list[int], env: dict[str, str]) -> dict:
    env = {**env, "P06_RAW_DIR": str(raw), "P06_WAREHOUSE_DIR": str(warehouse), "P06_WAREHOUSE_ENGINE": engine}
    env.pop("DAGSTER_HOME", None)
    peak, done = [tree_rss_mib(extra_roots)], threading.Event()
    start = time.perf_counter()
    process = subprocess.Popen([P06, "refresh"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def sample() -> None:
        while not done.wait(0.5):
            peak.append(tree_rss_mib([process.pid, *extra_roots]))

    sampler = threading.Thread(target=sample)
    sampler.start()
    exit_code = process.wait()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    summary = json.loads((warehouse / "last_refresh.json").read_text(encoding="utf-8"))
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mib_all_processes": round(max(peak), 1),
        "rss_mib_before_refresh": round(peak[0], 1),
        "exit_code": exit_code,
        "status": summary["status"],
        "rows_accepted": summary["rows"]["accepted"],
        "error": summary["error"],
    }


def on_cluster(raw: Path, warehouse: Path, work: Path) -> dict:
    cluster_dir = work / "cluster"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("P06_", "SPARK_"))}
    env["P06_SPARK_CATALOG"] = "in-memory"
    start = time.perf_counter()
    subprocess.run([str(CLUSTER), "start", str(cluster_dir)], env=env, check=True, capture_output=True)
    started = round(time.perf_counter() - start, 1)
    try:
        daemons = [int(pid.read_text()) for pid in (cluster_dir / "pids").glob("*.pid")]
        return {"cluster_start_seconds": started, **refresh(raw, warehouse, "spark_thrift", daemons, env)}
    finally:
        subprocess.run([str(CLUSTER), "stop", str(cluster_dir)], env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commune-values", type=int, default=10_000_000)
    parser.add_argument("--engines", default="duckdb,spark,spark_thrift")
    parser.add_argument("--out", type=Path, help="also write the JSON here, again after each engine")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="p06-bench-spark-"))
    report: dict = {"load_average_at_start": os.getloadavg(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    try:
        raw = work / "communes"
        per_file = min(args.commune_values, 1_000_000)
        report["values"] = generate(
            raw, files=max(1, args.commune_values // per_file), values=per_file, communes=3321 // 34
        )
        env = {key: value for key, value in os.environ.items() if not key.startswith("P06_")}
        for engine in args.engines.split(","):
            warehouse = work / f"warehouse_{engine}"
            if engine == "spark_thrift":
                report[engine] = on_cluster(raw, warehouse, work)
            else:
                report[engine] = refresh(raw, warehouse, engine, [], env)
            report[engine]["load_average_after"] = os.getloadavg()
            if args.out:
                args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
