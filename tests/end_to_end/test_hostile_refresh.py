"""`p06 refresh` with hostile files beside good ones (issue 14): the refresh publishes the good
figures, each hostile file gets its own rows in marts.quality_issues, and no Infinity is published.
The per-file cases are in tests/ingest/test_hostile_files.py; this is the whole refresh once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.settings import WarehousePaths

P06 = str(Path(sys.executable).parent / "p06")
HEADER = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri"


def _raw_dir(raw: Path) -> None:
    (raw / "good.csv").write_text(f"{HEADER}\n52,2024,VNEID_ELIGIBLE,1000\n52,2024,VNEID_ISSUED,900\n")
    (raw / "mac.csv").write_bytes(f"{HEADER}\r01,2024,VNEID_ELIGIBLE,2000\r01,2024,VNEID_ISSUED,1500\r".encode())
    (raw / "huge.csv").write_text(
        f"{HEADER}\n79,2024,VNEID_ELIGIBLE,1{'0' * 308}\n79,2024,VNEID_ISSUED,{'9' * 400}\n"
        "79,2024,CCCD_ISSUED,9007199254740991\n"
    )  # the largest exact count
    (raw / "future.csv").write_text(
        f"{HEADER},ngay_bao_cao\n52,2024,VNEID_ISSUED,1,01/01/2099\n52,2031,VNEID_ISSUED,1,\n"
    )
    (raw / "two_values.csv").write_text("ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri,gia_tri\n52,2024,VNEID_ISSUED,1,2\n")
    (raw / "deep.json").write_text(
        '{"province_code": "01", "period": "2024", "indicators": ' + "[" * 10_000 + "]" * 10_000 + "}"
    )
    (raw / "empty.csv").write_bytes(b"")
    (raw / "empty.xlsx").write_bytes(b"")
    os.symlink("loop.csv", raw / "loop.csv")
    os.symlink(".", raw / "again")
    workbook = openpyxl.Workbook()
    workbook.active.title = "ThongTin"
    workbook["ThongTin"]["XFD1048576"] = "x"
    workbook.save(raw / "far.xlsx")


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    paths = WarehousePaths(raw_dir=root / "raw", warehouse_dir=root / "warehouse")
    paths.raw_dir.mkdir()
    _raw_dir(paths.raw_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("P06_") and k != "DAGSTER_HOME"}
    result = subprocess.run(
        [P06, "refresh", "--raw-dir", str(paths.raw_dir), "--warehouse-dir", str(paths.warehouse_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return paths, result


def _query(paths: WarehousePaths, sql: str) -> list[tuple]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_good_files_publish_beside_hostile_ones(refreshed):
    paths, result = refreshed
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(paths.last_refresh.read_text())
    assert summary["status"] == "published"
    assert summary["not_read"] == ["again: a link to a folder, not entered"]
    assert "not read: again: a link to a folder, not entered" in result.stdout
    assert _query(
        paths, "select province_code, indicator_code, value from marts.fct_indicator_value order by 1, 2"
    ) == [
        ("01", "VNEID_ELIGIBLE", 2000.0),
        ("01", "VNEID_ISSUED", 1500.0),
        ("52", "VNEID_ELIGIBLE", 1000.0),
        ("52", "VNEID_ISSUED", 900.0),
        ("79", "CCCD_ISSUED", 9007199254740991.0),
    ]
    assert _query(
        paths,
        "select province_code, round(vneid_issuance_rate, 1) from marts.province_scorecard"
        " where period = '2024' and vneid_issuance_rate is not null order by 1",
    ) == [("01", 75.0), ("52", 90.0)]


def test_each_hostile_file_has_its_own_reasons(refreshed):
    paths, _ = refreshed
    assert _query(
        paths, "select source_file, source_row, rule from marts.quality_issues where stage = 'ingestion' order by 1, 2"
    ) == [
        ("deep.json", None, "file_unreadable"),
        ("empty.csv", None, "file_unreadable"),
        ("empty.xlsx", None, "file_unreadable"),
        ("far.xlsx", None, "header_missing"),
        ("future.csv", 2, "date_in_future"),
        ("future.csv", 3, "period_in_future"),
        ("huge.csv", 2, "number_out_of_range"),
        ("huge.csv", 3, "number_out_of_range"),
        ("loop.csv", None, "link_not_followed"),
        ("two_values.csv", None, "header_ambiguous"),
    ]


def test_no_infinity_is_published(refreshed):
    paths, _ = refreshed
    doubles = _query(
        paths,
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema = 'marts' and data_type = 'DOUBLE'",
    )
    assert doubles
    for schema, table, column in doubles:
        assert _query(paths, f'select count(*) from {schema}.{table} where not isfinite("{column}")') == [(0,)]
