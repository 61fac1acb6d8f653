"""Whose feedback a file, a rejected row, a held-back value and a late period are."""

from __future__ import annotations

import hashlib
import os
from datetime import date, datetime

import duckdb
import pytest

from orchestration.feedback.collect import collect_feedback
from orchestration.feedback.pages import render_page, write_pages
from orchestration.ingest.pipeline import ingest_new_files
from orchestration.ingest.schema import ensure_raw_schema, store_rejections
from orchestration.ingest.store import append_values
from orchestration.quality.schema import ensure_findings_table

OLD, NEW = date(2008, 8, 1), date(2025, 7, 1)
AT = datetime(2025, 10, 20, 9, 30)


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    ensure_raw_schema(con)
    ensure_findings_table(con)
    con.execute("create schema marts")
    con.execute(
        "create table marts.submission_status (province_code varchar, province_valid_from date,"
        " period varchar, period_end date, deadline date, first_submitted_at timestamp, on_time boolean)"
    )
    yield con
    con.close()


def add_file(con, file_hash: str, name: str, *units: tuple[str, date, str]) -> None:
    con.execute(
        "insert into raw.ingested_files values (?, ?, 'csv_long', 1, 'ingested', ?, 0, 1, ?)",
        [file_hash, name, len(units), AT],
    )
    con.execute("create or replace temp table new_values as select * from raw.indicator_values limit 0")
    for row, (code, valid_from, period) in enumerate(units, start=2):
        con.execute(
            "insert into new_values (file_hash, source_file, source_row, province_code,"
            " province_valid_from, period, period_grain, period_start, period_end, indicator_code, value,"
            " submitted_at, ingested_at, load_id) values (?, ?, ?, ?, ?, ?, 'quarter', date '2025-07-01',"
            " date '2025-09-30', 'VNEID_ISSUED', 5, ?, ?, 1)",
            [file_hash, name, row, code, valid_from, period, AT, AT],
        )
    append_values(con, con.execute("select * from new_values").arrow().read_all())


def reject(con, file_hash: str, name: str, row: int, rule: str, value: str, code=None, valid_from=None):
    store_rejections(
        con,
        "select ?::varchar as file_hash, ? as source_file, ? as source_row, 'ma_tinh' as column_name,"
        " ? as value_seen, ? as rule, 'error' as severity, 'd' as reason, ?::varchar as province_code,"
        " ?::date as province_valid_from, ? as ingested_at, 1 as load_id",
        [file_hash, name, row, value, rule, code, valid_from, AT],
    )


def by_file(feedbacks):
    return {f.file_name: f for f in feedbacks}


def test_an_unreadable_province_is_the_rejection_of_the_one_unit_its_file_sent(con):
    add_file(con, "a" * 64, "gia_lai.csv", ("52", NEW, "2025-Q3"))
    reject(con, "a" * 64, "gia_lai.csv", 3, "province_unknown", "Gia Lia")
    add_file(con, "b" * 64, "tong_hop.csv", ("01", NEW, "2025-Q3"), ("79", NEW, "2025-Q3"))
    reject(con, "b" * 64, "tong_hop.csv", 4, "province_unknown", "Sai Gon 2")

    pages = by_file(collect_feedback(con, date(2025, 11, 1)))

    gia_lai = pages["52_gia-lai.html"]
    assert [(r["row"], r["reason"]) for r in gia_lai.rejected] == [
        (3, "Tỉnh/thành phố Gia Lia không có trong danh mục đơn vị hành chính")
    ]
    assert gia_lai.files == [
        {"name": "gia_lai.csv", "at": "20/10/2025 09:30", "sha": "a" * 12, "accepted": 1, "rejected": 1}
    ]
    assert pages["01_ha-noi.html"].rejected == [] and pages["79_ho-chi-minh.html"].rejected == []
    assert gia_lai.next_period == "2025-Q4"


def test_one_page_per_code_and_name_across_the_merger(con):
    add_file(con, "c" * 64, "hn_q2.csv", ("01", OLD, "2025-Q2"))
    add_file(con, "d" * 64, "hn_q3.csv", ("01", NEW, "2025-Q3"))
    con.execute(
        "insert into marts.submission_status values ('52', ?, '2025-Q2', date '2025-06-30',"
        " date '2025-07-15', null, false)",
        [OLD],
    )

    pages = by_file(collect_feedback(con, date(2025, 11, 1)))

    assert [f["name"] for f in pages["01_ha-noi.html"].files] == ["hn_q2.csv", "hn_q3.csv"]
    binh_dinh = pages["52_binh-dinh.html"]  # late only: code 52 was Bình Định then
    assert binh_dinh.late == [
        {"period": "2025-Q2", "period_name": "Quý II/2025", "deadline": "15/07/2025", "sent": None}
    ]
    assert binh_dinh.next_period is None  # no longer exists: no next template
    assert "Chưa gửi" in render_page(binh_dinh)


def test_pages_of_units_no_longer_concerned_are_removed(con, tmp_path):
    (tmp_path / "06_bac-kan.html").write_text("old", encoding="utf-8")
    add_file(con, "e" * 64, "hn.csv", ("01", NEW, "2025-Q3"))

    digests = write_pages(collect_feedback(con, date(2025, 11, 1)), tmp_path)

    assert sorted(p.name for p in tmp_path.glob("*.html")) == ["01_ha-noi.html"] == list(digests)


def test_only_the_pages_whose_content_changed_are_written_again(con, tmp_path):
    add_file(con, "e" * 64, "hn.csv", ("01", NEW, "2025-Q3"))
    add_file(con, "f" * 64, "hcm.csv", ("79", NEW, "2025-Q3"))
    first = write_pages(collect_feedback(con, date(2025, 11, 1)), tmp_path)
    long_ago = 1_000_000_000
    for page in tmp_path.glob("*.html"):
        os.utime(page, (long_ago, long_ago))

    add_file(con, "a" * 64, "hn_q2.csv", ("01", NEW, "2025-Q2"))
    second = write_pages(collect_feedback(con, date(2025, 11, 1)), tmp_path)

    hanoi, hcm = tmp_path / "01_ha-noi.html", tmp_path / "79_ho-chi-minh.html"
    assert second[hcm.name] == first[hcm.name] and hcm.stat().st_mtime == long_ago
    assert second[hanoi.name] != first[hanoi.name] and "hn_q2.csv" in hanoi.read_text(encoding="utf-8")
    assert hanoi.stat().st_mtime != long_ago
    assert second[hanoi.name] == hashlib.sha256(hanoi.read_bytes()).hexdigest()


def test_a_warehouse_from_before_the_rows_counted_per_file_and_unit_shows_the_same_rows(tmp_path):
    """Before issue 20 (session 11) no raw.file_units: it is counted once from the raw rows."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "two.csv").write_text(
        "ma_tinh,tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n"
        "01,,2025-Q3,VNEID_ISSUED,5\n79,,2025-Q3,VNEID_ISSUED,6\n79,,2025-Q3,CCCD_ISSUED,7\n"
    )
    (raw / "tasks.csv").write_text(
        "tinh,ky_bao_cao,ma_nhiem_vu,noi_dung,han_hoan_thanh,trang_thai,ngay_hoan_thanh\n"
        "Hà Nội,2025-Q3,NV01,Cấp CCCD,30/09/2025,Hoàn thành,2025-09-20\n"
        "Hà Nội,2025-Q3,NV02,Kích hoạt,30/09/2025,Đang thực hiện,\n"
    )
    with duckdb.connect(str(tmp_path / "work.duckdb")) as con:
        ingest_new_files(raw, con, now=AT)
        ensure_findings_table(con)

        def accepted():
            feedbacks = collect_feedback(con, date(2025, 11, 1))
            return {f.file_name: sorted((file["name"], file["accepted"]) for file in f.files) for f in feedbacks}

        at_ingestion = accepted()
        con.execute("drop table raw.file_units")
        ensure_raw_schema(con)
        after_conversion = accepted()
        assert at_ingestion == {
            "01_ha-noi.html": [("tasks.csv", 2), ("two.csv", 1)],
            "79_ho-chi-minh.html": [("two.csv", 2)],
        }
        assert after_conversion == at_ingestion
