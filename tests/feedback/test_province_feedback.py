"""Real refreshes of a few provinces' files: feedback pages, e-mail to the provinces whose page
changed, notes as text, reporting rates and a quality history that outlives a rollback."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from alert_servers import running_smtp_server

from orchestration.settings import WarehousePaths

P06 = str(Path(sys.executable).with_name("p06"))
NOTE = "<b>=1+1</b> đã rà soát"
GIA_LAI_Q3 = (
    "ma_tinh,tinh,ky_bao_cao,ngay_bao_cao,ma_chi_tieu,gia_tri,ghi_chu\n"
    f'52,Gia Lai,Quý III/2025,20/10/2025,VNEID_ELIGIBLE,2.400.000,"{NOTE}"\n'
    "52,Gia Lai,Quý III/2025,20/10/2025,VNEID_ISSUED,2.300.000,\n"
    "52,Gia Lai,Quý III/2025,20/10/2025,VNEID_ACTIVATED,2.350.000,\n"
    "52,Gia Lai,Quý III/2025,20/10/2025,NOT_AN_INDICATOR,5,\n"
)


def ha_noi_q3(issued: int) -> str:
    return json.dumps(
        {
            "province": "Hà Nội",
            "period": "2025-Q3",
            "submitted_at": "10/10/2025",
            "indicators": {"VNEID_ELIGIBLE": 7_000_000, "VNEID_ISSUED": issued},
        },
        ensure_ascii=False,
    )


def refresh(paths: WarehousePaths, env: dict, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [P06, "refresh", "--raw-dir", str(paths.raw_dir), "--warehouse-dir", str(paths.warehouse_dir), *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def published(paths: WarehousePaths, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """Refresh 1 (Gia Lai, Hà Nội), refresh 2 (Hà Nội resends), rollback, refresh 3 (forced)."""
    root = tmp_path_factory.mktemp("feedback")
    paths = WarehousePaths(raw_dir=root / "raw", warehouse_dir=root / "warehouse")
    (paths.raw_dir / "gia_lai").mkdir(parents=True)
    (paths.raw_dir / "ha_noi").mkdir()
    (paths.raw_dir / "gia_lai" / "2025-Q3.csv").write_text(GIA_LAI_Q3, encoding="utf-8")
    (paths.raw_dir / "ha_noi" / "2025-Q3.json").write_text(ha_noi_q3(6_000_000), encoding="utf-8")
    contacts = root / "contacts.csv"
    contacts.write_text("province_code,email\n52,so-tttt@gialai.gov.vn\n1,ca-hanoi@hanoi.gov.vn\n", encoding="utf-8")
    story = {"paths": paths, "mails": [], "history": []}
    with running_smtp_server() as smtp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("P06_") and k != "DAGSTER_HOME"},
            "P06_SMTP_HOST": smtp.host,
            "P06_SMTP_PORT": str(smtp.port),
            "P06_PROVINCE_CONTACTS": str(contacts),
            "P06_ALERT_RETRIES": "0",
        }
        for step in ("first", "second"):
            if step == "second":
                (paths.raw_dir / "ha_noi" / "2025-Q3_v2.json").write_text(ha_noi_q3(6_100_000), encoding="utf-8")
            result = refresh(paths, env)
            assert result.returncode == 0, result.stdout + result.stderr
            story["mails"].append(smtp.mails())
            story["history"].append(published(paths, "select distinct run_id from marts.quality_history"))
        story["pages"] = {p.name: p.read_text(encoding="utf-8") for p in paths.warehouse_dir.glob("feedback/*.html")}
        rollback = subprocess.run(
            [P06, "rollback", "--warehouse-dir", str(paths.warehouse_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert rollback.returncode == 0, rollback.stderr
        story["history"].append(published(paths, "select distinct run_id from marts.quality_history"))
        result = refresh(paths, env, "--force")
        assert result.returncode == 0, result.stdout + result.stderr
        story["history"].append(published(paths, "select distinct run_id from marts.quality_history"))
    return story


def text_of(page: str) -> str:
    return html.unescape(" ".join(page.replace("<", " <").split()))


def test_page_lists_files_rejected_rows_held_back_values_late_periods_and_the_next_template(story):
    page = story["pages"]["52_gia-lai.html"]
    shown = text_of(page)
    assert '<html lang="vi">' in page
    assert "gia_lai/2025-Q3.csv" in shown
    assert "Mã chỉ tiêu NOT_AN_INDICATOR không có trong danh mục" in shown
    assert "Số tài khoản định danh đã kích hoạt lớn hơn số đã cấp trong cùng kỳ" in shown
    for held in ("2.350.000", "2.300.000"):
        assert held in shown
    assert "Quý III/2025 (2025-Q3) </td> <td>15/10/2025 </td> <td>Gửi muộn ngày 20/10/2025" in shown
    assert "p06 template 52" in shown
    # rows: 3 accepted (the two held back included), 1 rejected
    assert '</code> </td> <td class="number">3 </td> <td class="number">1 </td>' in " ".join(
        page.replace("<", " <").split()
    )


def test_file_names_start_with_the_code_one_page_per_province_name(story):
    pages = story["pages"]
    assert {"52_gia-lai.html", "52_binh-dinh.html", "01_ha-noi.html"} <= set(pages)
    assert all(name[:2].isdigit() and name[2] == "_" for name in pages)
    assert "Mã chỉ tiêu" not in text_of(pages["01_ha-noi.html"]).split("Dòng bị từ chối")[1].split("Giá trị bị")[0]


def test_a_note_is_text_in_the_page_and_in_the_mart(story):
    page = story["pages"]["52_gia-lai.html"]
    assert "&lt;b&gt;=1+1&lt;/b&gt; đã rà soát" in page and "<b>=1+1" not in page
    notes = published(
        story["paths"],
        "select indicator_code, note from marts.fct_indicator_value where province_code = '52' and note is not null",
    )
    assert notes == [("VNEID_ELIGIBLE", NOTE)]
    with duckdb.connect(str(story["paths"].work_db), read_only=True) as con:
        assert con.execute("select note from raw.indicator_values where note is not null").fetchall() == [(NOTE,)]


def test_only_provinces_whose_page_changed_get_mail(story):
    first, second = story["mails"]
    assert sorted(m.recipients[0] for m in first) == [
        "ca-hanoi@hanoi.gov.vn",
        "so-tttt@gialai.gov.vn",
        "so-tttt@gialai.gov.vn",
    ]  # Gia Lai and Bình Định (52)
    [ha_noi] = second  # Hà Nội resent; Gia Lai's page did not change
    assert ha_noi.recipients == ["ca-hanoi@hanoi.gov.vn"]
    assert "Hà Nội (01)" in ha_noi.message["Subject"]
    body = ha_noi.message.get_body(("html",)).get_content()
    assert "ha_noi/2025-Q3_v2.json" in body


def test_reporting_rates_national_and_per_unit(story):
    paths = story["paths"]
    rows = published(
        paths,
        "select province_code, reports_expected, reports_submitted, reports_on_time,"
        " reporting_rate, on_time_rate from marts.reporting_rates where period = '2025-Q3'"
        " and province_code in ('00', '01', '52') order by province_code",
    )
    assert rows[0][:4] == ("00", 34, 2, 1)
    assert rows[0][4:] == (pytest.approx(100 * 2 / 34, abs=0.005), pytest.approx(100 / 34, abs=0.005))
    assert rows[1:] == [("01", 1, 1, 1, 100.0, 100.0), ("52", 1, 1, 0, 100.0, 0.0)]
    assert published(
        paths, "select reports_expected from marts.reporting_rates where period = '2025-Q2' and province_code = '00'"
    ) == [(63,)]
    parquet = pq.read_table(paths.parquet_dir / "reporting_rates.parquet")
    assert parquet.num_rows == published(paths, "select count(*) from marts.reporting_rates")[0][0]


def test_quality_history_survives_refreshes_and_a_rollback(story):
    after_first, after_second, after_rollback, after_third = (sorted(runs) for runs in story["history"])
    assert len(after_first) == 1 and len(after_second) == 2
    assert after_rollback == after_first  # the snapshot served again is the first publish
    assert set(after_second) < set(after_third) and len(after_third) == 3
    paths = story["paths"]
    rows = published(
        paths,
        "select findings, values_held_back from marts.quality_history"
        " where rule = 'vneid_activated_le_issued' order by refreshed_at",
    )
    assert rows == [(2, 2)] * 3
    rejected = published(
        paths, "select rows_rejected from marts.quality_history where rule = 'indicator_unknown' order by refreshed_at"
    )
    assert rejected == [(1,)]  # counted by the refresh that ingested the file, not again
    assert pq.read_table(paths.parquet_dir / "quality_history.parquet").num_rows > 0
