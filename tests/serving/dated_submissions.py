"""Long-CSV submissions that carry their own submission date.

With `ngay_bao_cao` in every file, two warehouses built at different times from the same files
hold the same marts, timestamps included, so they can be compared by content hash.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR

MERGER = date(2025, 7, 1)
PERIODS = [(year, quarter) for year in (2023, 2024, 2025) for quarter in (1, 2, 3, 4) if (year, quarter) <= (2025, 3)]
KEY_STRIDE = 8  # every 8th (province, period): 83 keys spread over every period, so few files span them
UNKNOWN_INDICATOR_EVERY = 25  # one file in 25 also carries a row that ingestion must reject


def _units() -> list[tuple[str, date]]:
    """(province code, valid_from) of every unit that reports, national totals left out."""
    with (DBT_PROJECT_DIR / "seeds" / "provinces.csv").open(encoding="utf-8") as handle:
        return [
            (row["province_code"], date.fromisoformat(row["valid_from"]))
            for row in csv.DictReader(handle)
            if row["province_code"] != "00"
        ]


def _keys() -> list[tuple[str, str, date]]:
    """(province code, period, period end) pairs valid together, every KEY_STRIDE-th of them."""
    units = _units()
    keys = []
    for year, quarter in PERIODS:
        end = date(year + quarter // 4, quarter * 3 % 12 + 1, 1) - timedelta(days=1)
        current = end >= MERGER
        keys += [(code, f"{year}-Q{quarter}", end) for code, valid_from in units if (valid_from >= MERGER) == current]
    return keys[::KEY_STRIDE]


def _figures(rng: random.Random) -> dict[str, int]:
    """A consistent set of counts: no error-level rule is broken, so nothing is quarantined."""
    eligible = rng.randint(200_000, 2_000_000)
    received = rng.randint(eligible * 8 // 10, eligible)
    issued = rng.randint(received * 8 // 10, received)
    dossiers = rng.randint(10_000, 900_000)
    essential = rng.randint(25, 53)
    planned = rng.randint(5, 40)
    tasks = rng.randint(10, 60)
    return {
        "CCCD_ELIGIBLE": eligible,
        "CCCD_ISSUED": rng.randint(eligible * 9 // 10, eligible),
        "VNEID_ELIGIBLE": eligible,
        "VNEID_RECEIVED": received,
        "VNEID_ISSUED": issued,
        "VNEID_ACTIVATED": rng.randint(issued // 2, issued),
        "PS_ESSENTIAL_TOTAL": essential,
        "PS_ESSENTIAL_DEPLOYED": rng.randint(20, essential),
        "DOSSIERS_TOTAL": dossiers,
        "DOSSIERS_ONLINE": rng.randint(dossiers // 3, dossiers),
        "MODELS_PLANNED": planned,
        "MODELS_DEPLOYED": rng.randint(0, planned),
        "TASKS_ASSIGNED": tasks,
        "TASKS_COMPLETED": rng.randint(0, tasks),
    }


def write_submissions(raw_dir: Path, first: int, count: int) -> None:
    """Submissions number `first` .. `first + count - 1`, the same bytes whenever called.

    Numbers past the last (province, period) key start over as resubmissions, sent later and
    with new figures, so the later version must win.
    """
    keys = _keys()
    raw_dir.mkdir(parents=True, exist_ok=True)
    for number in range(first, first + count):
        code, period, period_end = keys[number % len(keys)]
        resubmission = number // len(keys)
        submitted = period_end + timedelta(days=10 + 5 * resubmission)
        rows = [
            [code, period, indicator, value, f"{submitted:%d/%m/%Y}"]
            for indicator, value in _figures(random.Random(number)).items()
        ]
        if number % UNKNOWN_INDICATOR_EVERY == 0:
            rows.append([code, period, "NOT_AN_INDICATOR", 1, f"{submitted:%d/%m/%Y}"])
        path = raw_dir / period / f"submission_{number:05d}_{code}.csv"
        path.parent.mkdir(exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["ma_tinh", "ky_bao_cao", "ma_chi_tieu", "gia_tri", "ngay_bao_cao"])
            writer.writerows(rows)
