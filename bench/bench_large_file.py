"""Peak memory of a refresh whose raw dir holds one 200,000-row file (issue 14: < 1 GB RSS).

    python bench/bench_large_file.py [--rows 200000] [--formats csv,xlsx,json]

Per format, a fresh warehouse and one real `p06 refresh` process; prints one JSON object with
wall seconds, peak RSS (MiB), exit code, status and rows accepted of each.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import refresh  # noqa: E402

LIMIT_MIB = 1024
INDICATORS = ("VNEID_ISSUED", "VNEID_ACTIVATED", "DOSSIERS_TOTAL", "DOSSIERS_ONLINE")


def commune_rows(rows: int) -> list[tuple[str, str, int]]:
    """(commune code, indicator, value): additive indicators at commune level, as a province sends."""
    return [(f"01{i // len(INDICATORS):05d}", INDICATORS[i % len(INDICATORS)], 100 + i % 50) for i in range(rows)]


def write_csv(path: Path, rows: int) -> None:
    lines = ["ma_tinh,ma_xa,ky_bao_cao,ma_chi_tieu,gia_tri"]
    lines += [f"01,{commune},2024,{code},{value}" for commune, code, value in commune_rows(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_xlsx(path: Path, rows: int) -> None:
    book = Workbook(write_only=True)
    info = book.create_sheet("ThongTin")
    for label, value in (("Mã tỉnh", "01"), ("Kỳ báo cáo", "2024")):
        info.append([label, value])
    sheet = book.create_sheet("ChiTieu")
    sheet.append(["Mã xã", "Mã chỉ tiêu", "Giá trị"])
    for commune, code, value in commune_rows(rows):
        sheet.append([commune, code, value])
    book.save(path)


def write_json(path: Path, rows: int) -> None:
    path.write_text(
        json.dumps(
            {
                "province_code": "01",
                "period": "2024",
                "indicators": [{"code": code, "value": value} for _, code, value in commune_rows(rows)],
            }
        ),
        encoding="utf-8",
    )


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "json": write_json}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--formats", default=",".join(WRITERS))
    args = parser.parse_args()
    results = {}
    for name in args.formats.split(","):
        with tempfile.TemporaryDirectory(prefix=f"p06-large-{name}-") as folder:
            raw, warehouse = Path(folder) / "raw", Path(folder) / "warehouse"
            raw.mkdir()
            WRITERS[name](raw / f"large.{name}", args.rows)
            result = refresh(raw, warehouse)
            results[name] = {**result, "under_limit": result["peak_rss_mib"] < LIMIT_MIB}
    print(json.dumps({"rows": args.rows, "limit_mib": LIMIT_MIB, "refreshes": results}, indent=2))


if __name__ == "__main__":
    main()
