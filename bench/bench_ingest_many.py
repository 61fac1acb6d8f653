"""Ingestion of many files into an empty DuckDB, in this process or on every core (issue 20),
printing JSON; not part of the test suite.

    .venv/bin/python bench/bench_ingest_many.py RAW_DIR [--pool-from 64]

RAW_DIR: e.g. `bench/generate.py RAW_DIR --files 1000`. --pool-from 1000000000: always in this
process (the design before). CPU counts the pool's workers (spawned children, reaped).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orchestration.ingest import pipeline  # noqa: E402


def cpu_seconds() -> float:
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--pool-from", type=int, default=pipeline.parallel.POOL_FROM_FILES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, duckdb.connect(str(Path(folder) / "work.duckdb")) as con:
        started, cpu_started = time.perf_counter(), cpu_seconds()
        report = pipeline.ingest_new_files(args.raw_dir, con, pool_from=args.pool_from)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    print(
        json.dumps(
            {
                "pool_from": args.pool_from,
                "files_ingested": report.files_ingested,
                "rows_accepted": report.rows_accepted,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "peak_rss_mib_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "peak_rss_mib_workers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
                "load_average_1min": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
