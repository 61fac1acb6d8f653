"""Commune-level submissions reach the province grain as one sum per file (issue 8)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest
from dbt_fixtures import OLD_UNITS, WorkDb, dbt_build

from orchestration.ingest.pipeline import ingest_new_files
from orchestration.ingest.records import sentence

PROVINCE_FILE = """ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri,ngay_bao_cao
52,2024,VNEID_ISSUED,999,2025-01-05
52,2024,VNEID_ELIGIBLE,5000,2025-01-05
"""
# sent later: replaces the province file's VNEID_ISSUED; its rate cannot be added up over communes:
# those two rows are rejected at ingestion (CONTRACT §2)
COMMUNE_FILE = """ma_tinh,ma_xa,ky_bao_cao,ma_chi_tieu,gia_tri,ngay_bao_cao
52,21550,2024,VNEID_ISSUED,100,2025-01-10
52,21553,2024,VNEID_ISSUED,200,2025-01-10
52,21556,2024,VNEID_ISSUED,300,2025-01-10
52,21550,2024,DIGITIZATION_RATE,80,2025-01-10
52,21553,2024,DIGITIZATION_RATE,90,2025-01-10
"""


@pytest.fixture(scope="module")
def communes_loaded(tmp_path_factory) -> WorkDb:
    """Both files ingested in one refresh and built up to int_indicator_values_resolved."""
    tmp = tmp_path_factory.mktemp("communes")
    raw = tmp / "raw"
    raw.mkdir()
    (raw / "binh_dinh_2024.csv").write_text(PROVINCE_FILE, encoding="utf-8")
    (raw / "binh_dinh_2024_xa.csv").write_text(COMMUNE_FILE, encoding="utf-8")
    db = WorkDb(tmp / "work.duckdb")
    with duckdb.connect(str(db.path)) as con:
        report = ingest_new_files(raw, con, now=datetime(2025, 1, 12))
    assert (report.files_ingested, report.rows_accepted, report.rows_rejected) == (2, 5, 2)
    dbt_build(db.path, tmp / "target", "--select", "+int_indicator_values_resolved")
    return db


@pytest.fixture(scope="module")
def resolved(communes_loaded) -> dict[str, dict]:
    """int_indicator_values_resolved for Bình Định 2024, by indicator, after both files."""
    rows = communes_loaded.rows(
        "select * from intermediate.int_indicator_values_resolved"
        " where province_code = '52' and province_valid_from = ? and period = '2024'",
        OLD_UNITS,
    )
    return {row["indicator_code"]: row for row in rows}


def test_commune_counts_sum_to_the_province(resolved):
    issued = resolved["VNEID_ISSUED"]
    assert issued["value"] == 600
    assert (issued["source_file"], issued["sheet"], issued["source_row"]) == ("binh_dinh_2024_xa.csv", None, None)
    assert issued["versions_sent"] == 2


def test_province_values_not_sent_by_commune_stay(resolved):
    assert resolved["VNEID_ELIGIBLE"]["value"] == 5000
    assert resolved["VNEID_ELIGIBLE"]["source_file"] == "binh_dinh_2024.csv"


def test_commune_values_of_non_additive_indicators_are_rejected_rows(communes_loaded, resolved):
    assert "DIGITIZATION_RATE" not in resolved
    rejected = communes_loaded.rows(
        "select source_row, rule, column_name, value_seen, indicator_code, province_code,"
        " source_file, sheet, reason from raw.ingest_rejections order by source_row"
    )
    assert [
        (r["source_row"], r["rule"], r["column_name"], r["value_seen"], r["indicator_code"], r["province_code"])
        for r in rejected
    ] == [
        (5, "commune_not_additive", "ma_xa", "21550", "DIGITIZATION_RATE", "52"),
        (6, "commune_not_additive", "ma_xa", "21553", "DIGITIZATION_RATE", "52"),
    ]
    first = rejected[0]
    assert sentence(first["source_file"], first["sheet"], first["source_row"], first["reason"]) == (
        "binh_dinh_2024_xa.csv, row 5, column ma_xa: value '21550' — commune_not_additive: expected a value for"
        " the whole province, without a commune: DIGITIZATION_RATE is not additive (its commune values do not"
        " add up)"
    )


@pytest.fixture(scope="module")
def two_refreshes(tmp_path_factory) -> WorkDb:
    """The same files, each arriving before a refresh of its own (int_indicator_values_province_grain
    is incremental: the second build sums only the second load)."""
    tmp = tmp_path_factory.mktemp("communes_later")
    raw = tmp / "raw"
    raw.mkdir()
    db = WorkDb(tmp / "work.duckdb")
    for name, text, day in (("binh_dinh_2024.csv", PROVINCE_FILE, 6), ("binh_dinh_2024_xa.csv", COMMUNE_FILE, 12)):
        (raw / name).write_text(text, encoding="utf-8")
        with duckdb.connect(str(db.path)) as con:
            assert ingest_new_files(raw, con, now=datetime(2025, 1, day)).files_ingested == 1
        dbt_build(db.path, tmp / "target", "--select", "+int_indicator_values_resolved")
    return db


def test_a_later_commune_file_is_summed_once_and_wins_as_in_one_refresh(resolved, two_refreshes):
    rows = two_refreshes.rows(
        "select indicator_code, value, versions_sent, source_file from intermediate.int_indicator_values_resolved"
        " where province_code = '52' and province_valid_from = ? and period = '2024'",
        OLD_UNITS,
    )
    by_indicator = {row["indicator_code"]: (row["value"], row["versions_sent"], row["source_file"]) for row in rows}
    assert by_indicator == {
        code: (row["value"], row["versions_sent"], row["source_file"]) for code, row in resolved.items()
    }
    per_load = two_refreshes.rows(
        "select load_id, count(*) as n from intermediate.int_indicator_values_province_grain"
        " group by load_id order by load_id"
    )
    # load 1: the province file's two values; load 2: the sum of the commune file's one additive indicator
    assert [(row["load_id"], row["n"]) for row in per_load] == [(1, 2), (2, 1)]
