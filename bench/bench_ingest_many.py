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
import threading
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orchestration.ingest import pipeline  # noqa: E402


def cpu_seconds() -> float:
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def tree_rss_mib(root: int) -> int:
    """The summed RSS of a process and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total // 2**20


class TreeRss(threading.Thread):
    """The peak of ``tree_rss_mib`` of this process, sampled until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self.done = 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak = max(self.peak, tree_rss_mib(os.getpid()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--pool-from", type=int, default=pipeline.parallel.POOL_FROM_FILES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, duckdb.connect(str(Path(folder) / "work.duckdb")) as con:
        sampler = TreeRss()
        sampler.start()
        started, cpu_started = time.perf_counter(), cpu_seconds()
        report = pipeline.ingest_new_files(args.raw_dir, con, pool_from=args.pool_from)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        sampler.done.set()
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
                "peak_rss_mib_tree": sampler.peak,
                "load_average_1min": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
