"""Deterministic synthetic submissions in every CONTRACT §2 format, for benchmarks.

    python bench/generate.py OUT_DIR --files 5000 --values 60 [--communes 0] [--seed 6]

Files cycle through the formats (long CSV in UTF-8/Windows-1258/UTF-16, Excel template, JSON);
each holds one province x period with `--values` indicator values. With `--communes N`, instead
writes commune-level long CSVs (an `ma_xa` commune column beside the province) of about `--values`
rows each. Figures are consistent (activated <= issued <= received <= eligible, ...) so the
benchmark measures the platform, not the quarantine.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
MERGER = date(2025, 7, 1)
PERIODS = [f"{year}-Q{q}" for year in range(2022, 2026) for q in range(1, 5)]
PERIOD_END_MONTH = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12}
CSV_ENCODINGS = [("utf-8", ","), ("cp1258", ";"), ("utf-16", ",")]  # utf-16 writes a BOM


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    current: bool


def _units() -> list[Unit]:
    with (SEEDS / "provinces.csv").open(encoding="utf-8") as handle:
        return [
            Unit(row["province_code"], row["province_name"], row["valid_from"] == "2025-07-01")
            for row in csv.DictReader(handle)
            if row["province_code"] != "00"
        ]


def _indicators() -> list[str]:
    with (SEEDS / "indicators.csv").open(encoding="utf-8") as handle:
        return [row["indicator_code"] for row in csv.DictReader(handle)]


def _figures(rng: random.Random, scale: int) -> dict[str, float]:
    """One consistent set of indicator values for a province (or commune) and period."""
    eligible = rng.randint(500_000, 1_500_000) // scale + 10
    received = int(eligible * rng.uniform(0.85, 0.99))
    issued = int(received * rng.uniform(0.9, 1.0))
    dossiers = rng.randint(100_000, 900_000) // scale + 10
    planned = rng.randint(5, 40)
    tasks = rng.randint(10, 60)
    essential = 25 + rng.randint(0, 28)
    return {
        "CCCD_ELIGIBLE": eligible,
        "CCCD_ISSUED": int(eligible * rng.uniform(0.9, 1.0)),
        "VNEID_ELIGIBLE": eligible,
        "VNEID_RECEIVED": received,
        "VNEID_ISSUED": issued,
        "VNEID_ACTIVATED": int(issued * rng.uniform(0.7, 0.98)),
        "VNEID_TARGET": int(eligible * 0.8),
        "PS_ESSENTIAL_TOTAL": essential,
        "PS_ESSENTIAL_DEPLOYED": rng.randint(20, essential),
        "ONLINE_PROCEDURES": rng.randint(500, 2000),
        "DOSSIERS_TOTAL": dossiers,
        "DOSSIERS_ONLINE": int(dossiers * rng.uniform(0.3, 0.9)),
        "DIGITIZATION_RATE": round(rng.uniform(20, 95), 2),
        "MODELS_PLANNED": planned,
        "MODELS_DEPLOYED": rng.randint(0, planned),
        "TASKS_ASSIGNED": tasks,
        "TASKS_COMPLETED": rng.randint(0, tasks),
        "INFOSYS_SECURITY_APPROVED": rng.randint(0, 200),
        "COMMUNITY_DIGITAL_TEAMS": rng.randint(100, 3000),
        "EINVOICE_REGISTERED": rng.randint(100, 5000),
        "EINVOICE_TARGET": rng.randint(100, 5000),
        "SERVICE_INDEX": round(rng.uniform(60, 95), 2),
    }


def _submission_key(index: int, units: list[Unit]) -> tuple[Unit, str]:
    """The index-th (unit, period) pair valid for each other, cycling through history."""
    period = PERIODS[index % len(PERIODS)]
    year, quarter = period.split("-Q")
    after_merger = date(int(year), PERIOD_END_MONTH[f"Q{quarter}"], 28) >= MERGER
    valid = [u for u in units if u.current == after_merger]
    return valid[(index // len(PERIODS)) % len(valid)], period


def _retired_key(index: int, units: list[Unit]) -> tuple[Unit, str]:
    """The index-th unit merged away on 1 July 2025, with a period after the merger."""
    retired = [u for u in units if not u.current and u.code not in {c.code for c in units if c.current}]
    return retired[index % len(retired)], PERIODS[-1]


def _rows(figures: dict[str, float], indicators: list[str], count: int) -> list[tuple[str, float]]:
    return [(code, figures[code]) for code in (indicators * (count // len(indicators) + 1))[:count]]


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: precomposed base letters, combining tones."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for mark in list(marks):  # fold the vowel mark (â, ơ, ư ...) into the base when possible
            composed = unicodedata.normalize("NFC", base + mark)
            if len(composed) == 1 and composed.encode("cp1258", "ignore"):
                base = composed
                marks.remove(mark)
        out += base.encode("cp1258") + "".join(marks).encode("cp1258")
    return bytes(out)


def write_long_csv(path: Path, unit: Unit, period: str, rows, encoding: str, delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["ma_tinh", "tinh", "ky_bao_cao", "ma_chi_tieu", "gia_tri"])
    for code, value in rows:
        writer.writerow([unit.code, unit.name, period, code, value])
    text = buffer.getvalue()
    path.write_bytes(encode_cp1258(text) if encoding == "cp1258" else text.encode(encoding))


def write_template(path: Path, unit: Unit, period: str, rows) -> None:
    book = Workbook()
    info = book.active
    info.title = "ThongTin"
    info.append(["BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06"])
    info.append([])
    for label, value in (("Tỉnh/Thành phố", unit.name), ("Mã tỉnh", unit.code), ("Kỳ báo cáo", period)):
        info.append([label, value])
    sheet = book.create_sheet("ChiTieu")
    sheet.append(["Biểu số 01: Chỉ tiêu"])
    sheet.append(["Mã chỉ tiêu", "Tên chỉ tiêu", "Giá trị", "Ghi chú"])
    for code, value in rows:
        sheet.append([code, None, value, None])
    book.save(path)


def write_json(path: Path, unit: Unit, period: str, rows) -> None:
    payload = {
        "province": unit.name,
        "province_code": unit.code,
        "period": period,
        "indicators": [{"code": code, "value": value} for code, value in rows],
    }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def write_commune_csv(path: Path, unit: Unit, period: str, communes: int, rng, indicators, rows_wanted: int) -> int:
    lines = ["ma_tinh,ma_xa,ky_bao_cao,ma_chi_tieu,gia_tri"]
    additive = [code for code in indicators if code not in {"DIGITIZATION_RATE", "SERVICE_INDEX", "ONLINE_PROCEDURES"}]
    commune = 0
    while len(lines) - 1 < rows_wanted:
        commune_code = f"{unit.code}{commune % communes:04d}"
        for code, value in _figures(rng, scale=100).items():
            if code in additive:
                lines.append(f"{unit.code},{commune_code},{period},{code},{value}")
        commune += 1
    path.write_text("\n".join(lines[: rows_wanted + 1]) + "\n", encoding="utf-8")
    return rows_wanted


def generate(
    out: Path, files: int, values: int, communes: int = 0, seed: int = 6, start: int = 0, retired: bool = False
) -> int:
    """Write `files` submissions numbered from `start`; returns the number of values written.

    With `retired`, every submission is for a unit merged away before its period (all its rows
    are rejected, `province_not_valid_in_period`).
    """
    rng = random.Random(seed * 1_000_003 + start)
    units, indicators = _units(), _indicators()
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for index in range(start, start + files):
        unit, period = _retired_key(index, units) if retired else _submission_key(index, units)
        stem = out / f"sub_{index:06d}_{unit.code}_{period}"
        if communes:
            written += write_commune_csv(stem.with_suffix(".csv"), unit, period, communes, rng, indicators, values)
            continue
        rows = _rows(_figures(rng, scale=1), indicators, min(values, len(indicators)))
        kind = index % 5
        if kind < len(CSV_ENCODINGS):
            encoding, delimiter = CSV_ENCODINGS[kind]
            write_long_csv(stem.with_suffix(".csv"), unit, period, rows, encoding, delimiter)
        elif kind == 3:
            write_template(stem.with_suffix(".xlsx"), unit, period, rows)
        else:
            write_json(stem.with_suffix(".json"), unit, period, rows)
        written += len(rows)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--values", type=int, default=22, help="values per file")
    parser.add_argument("--communes", type=int, default=0, help="communes per province (commune-level CSVs)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--start", type=int, default=0, help="first file number (to add files to a history)")
    parser.add_argument("--retired", action="store_true", help="units merged away before the period: rows rejected")
    args = parser.parse_args()
    values = generate(args.out, args.files, args.values, args.communes, args.seed, args.start, args.retired)
    print(json.dumps({"out": str(args.out), "files": args.files, "values": values}))


if __name__ == "__main__":
    main()
