"""Ingest benchmarks (issue 3), printing JSON; not part of the test suite.

    .venv/bin/python bench/bench_ingest.py [--rows 1000000] [--templates 1000] [--history 5000]

1. a long CSV of --rows rows through ingest_new_files, rows/s, and the ratio to DuckDB's own
   read_csv of the same file in the same run (target: >= 500,000 rows/s);
2. --templates Excel templates through ingest_new_files (target: < 30 s), and the time openpyxl
   and python-calamine take to read the same workbooks (the reader uses the faster: calamine);
3. --history already-ingested files plus one new one: how many files the refresh parses (1).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import duckdb
import openpyxl
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import Unit, write_template  # noqa: E402

from orchestration.ingest import parallel, pipeline  # noqa: E402
from orchestration.reference import load_indicators, load_provinces  # noqa: E402

HISTORY_HEADER = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n"
PERIODS = ["2024", "Quý I/2024", "2024-Q2", "6 tháng đầu năm 2024", "06/2024", "2025-Q3"]


def _units_for(period: str) -> list:
    last_year = period.endswith("2025-Q3")
    return [u for u in load_provinces() if (u.valid_to is None) == last_year and u.code != "00"]


def write_long_csv(path: Path, rows: int, rng: random.Random) -> None:
    counts = [c for c, i in load_indicators().items() if i.unit == "count"]
    lines = ["ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri"]
    for n in range(rows):
        period = PERIODS[n % len(PERIODS)]
        units = _units_for(period)
        unit = units[n % len(units)]
        value = rng.randint(0, 2_000_000)
        written = f"{value:,}".replace(",", ".") if n % 3 else str(value)
        lines.append(f'{unit.code},{period},{counts[n % len(counts)]},"{written}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def bench_long_csv(work: Path, rows: int) -> dict:
    raw = work / "csv_raw"
    raw.mkdir()
    write_long_csv(raw / "big.csv", rows, random.Random(6))
    started = time.perf_counter()  # DuckDB parsing every field of the file into a table
    duckdb.connect().execute("create table t as select * from read_csv(?, all_varchar = true)", [str(raw / "big.csv")])
    duckdb_seconds = time.perf_counter() - started
    con = duckdb.connect(str(work / "csv.duckdb"))
    started, cpu_started = time.perf_counter(), time.process_time()
    report = pipeline.ingest_new_files(raw, con, max_rows=rows)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "rows": rows,
        "file_mb": round((raw / "big.csv").stat().st_size / 2**20, 1),
        "rows_accepted": report.rows_accepted,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "rows_per_s": round(rows / seconds),
        "duckdb_read_csv_seconds": round(duckdb_seconds, 3),
        "ratio_to_duckdb_read_csv": round(seconds / duckdb_seconds, 2),
    }


def write_templates(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(6)
    units = [Unit(u.code, u.name, False) for u in _units_for("2024")]
    codes = list(load_indicators())
    for n in range(count):
        rows = [
            (
                code,
                rng.randint(0, 1_000_000)
                if code not in ("DIGITIZATION_RATE", "SERVICE_INDEX")
                else round(rng.uniform(0, 100), 2),
            )
            for code in codes
        ]
        period = f"{2022 + n // 252}-Q{n % 4 + 1}"
        write_template(folder / f"t{n:05d}.xlsx", units[n % len(units)], period, rows)


def bench_templates(work: Path, count: int) -> dict:
    raw = work / "templates"
    write_templates(raw, count)
    con = duckdb.connect(str(work / "templates.duckdb"))
    started = time.perf_counter()
    report = pipeline.ingest_new_files(raw, con)
    return {
        "workbooks": count,
        "files_ingested": report.files_ingested,
        "rows_accepted": report.rows_accepted,
        "seconds": round(time.perf_counter() - started, 3),
    }


def bench_xlsx_libraries(folder: Path) -> dict:
    """Reading every cell of the same workbooks with each library (the readers' choice)."""
    paths = sorted(folder.glob("*.xlsx"))

    def with_openpyxl(path: Path) -> None:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        [list(sheet.values) for sheet in workbook.worksheets]
        workbook.close()

    def with_calamine(path: Path) -> None:
        workbook = CalamineWorkbook.from_path(str(path))
        [workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names]

    timings = {}
    for name, read in (("openpyxl", with_openpyxl), ("python_calamine", with_calamine)):
        started = time.perf_counter()
        for path in paths:
            read(path)
        timings[f"{name}_ms_per_workbook"] = round((time.perf_counter() - started) * 1000 / len(paths), 2)
    return timings


def bench_history(work: Path, history: int) -> dict:
    raw = work / "history"
    raw.mkdir()
    for n in range(history):
        (raw / f"h{n:05d}.csv").write_text(f"{HISTORY_HEADER}52,2024,VNEID_ISSUED,{n}\n")
    con = duckdb.connect(str(work / "history.duckdb"))
    pipeline.ingest_new_files(raw, con)
    (raw / "new.csv").write_text(f"{HISTORY_HEADER}52,2024,VNEID_ISSUED,-1\n")
    with mock.patch.object(parallel, "read_submissions", wraps=parallel.read_submissions) as parse:
        started = time.perf_counter()
        report = pipeline.ingest_new_files(raw, con)
        seconds = time.perf_counter() - started
    return {
        "files_seen": report.files_seen,
        "files_parsed": sum(len(call.args[0]) for call in parse.call_args_list),
        "files_skipped": report.files_skipped,
        "seconds": round(seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--templates", type=int, default=1000)
    parser.add_argument("--history", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        results = {
            "long_csv": bench_long_csv(work, args.rows),
            "templates": bench_templates(work, args.templates),
            "xlsx_libraries": bench_xlsx_libraries(work / "templates"),
            "already_ingested": bench_history(work, args.history),
        }
    results["load_average_1min"] = os.getloadavg()[0]  # the 2 cores may be shared
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
