"""The scorecard site a refresh of the sample data publishes, as a browser shows it.

Figures come from raw/README.md: Bình Định (old 52) reported a VNeID activation rate of
91,79 % for 2024; since 1 July 2025 it is part of Gia Lai (52).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest
from browser import charts_drawn, figures_in, render

from orchestration.dashboard import site as dashboard_site
from orchestration.dashboard.figures import format_rate
from orchestration.settings import REPO_ROOT, WarehousePaths

P06 = str(Path(sys.executable).parent / "p06")
SHOTS = REPO_ROOT / "build"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("P06_") and k != "DAGSTER_HOME"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> WarehousePaths:
    root = tmp_path_factory.mktemp("dashboard")
    paths = WarehousePaths(raw_dir=root / "raw", warehouse_dir=root / "warehouse")
    shutil.copytree(REPO_ROOT / "raw", paths.raw_dir)
    result = subprocess.run(
        [P06, "refresh", "--raw-dir", str(paths.raw_dir), "--warehouse-dir", str(paths.warehouse_dir)],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return paths


@pytest.fixture
def copied(sample, tmp_path) -> WarehousePaths:
    """A copy of the published warehouse (p06.duckdb, quality report, site) to change freely."""
    paths = WarehousePaths(sample.raw_dir, tmp_path / "warehouse")
    paths.warehouse_dir.mkdir()
    shutil.copy2(sample.published_db, paths.published_db)
    shutil.copytree(sample.dashboard_dir, paths.dashboard_dir, symlinks=False)
    return paths


def _query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _dashboard(paths: WarehousePaths, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [P06, "dashboard", "--warehouse-dir", str(paths.warehouse_dir), *args],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_publish_builds_the_site_with_a_page_per_current_unit(sample):
    site = sample.dashboard_dir
    assert (site / "index.html").is_file()
    assert (site / "plotly.min.js").stat().st_size > 1_000_000  # shipped, no CDN
    current = _query(
        sample.published_db,
        "select province_code from marts.dim_province where valid_to is null and province_code <> '00'",
    )
    pages = {page.name.split("_")[0] for page in site.glob("[0-9][0-9]*.html")}
    assert pages == {code for (code,) in current}
    assert (site / "52_gia-lai.html").is_file()
    assert "http://" not in (site / "index.html").read_text() and "https://" not in (site / "index.html").read_text()


def test_the_index_draws_every_chart_and_shows_names_and_the_latest_ranking(sample, tmp_path):
    index = sample.dashboard_dir / "index.html"

    page = render(index.as_uri(), SHOTS / "dashboard_index.png", tmp_path)

    assert page.console == []
    assert charts_drawn(page.dom) == figures_in(index.read_text()) >= 15  # 7 rates x 2 + reporting
    assert "Tỷ lệ kích hoạt tài khoản VNeID" in page.dom and "VNeID accounts activated" in page.dom
    for name in ("Hồ Chí Minh", "Đắk Lắk", "Bắc Ninh", "Gia Lai"):
        assert name in page.dom
    # The best current unit of the latest period with the most units, printed as the reports do.
    period, value = _query(
        sample.published_db,
        """select period, max(vneid_activation_rate) from marts.province_scorecard_current
           where vneid_activation_rate is not null
           group by period, period_end, period_start
           order by period_end desc, count(*) desc, period_start limit 1""",
    )[0]
    assert f"Xếp hạng kỳ {period}" in page.dom
    assert format_rate(value) in page.dom
    assert 'href="../quality/index.html"' in page.dom


def test_a_unit_page_shows_its_predecessors_figures_and_the_merger(sample, tmp_path):
    unit = sample.dashboard_dir / "52_gia-lai.html"

    page = render(unit.as_uri(), SHOTS / "dashboard_unit_52.png", tmp_path)

    assert page.console == []
    assert charts_drawn(page.dom) == figures_in(unit.read_text()) >= 5
    assert "Bình Định" in page.dom and "Gia Lai" in page.dom
    assert "91,79 %" in page.dom  # Bình Định's 2024 VNeID activation, as reported
    assert page.dom.count("Sáp nhập 01/07/2025") >= 5  # the merger line on every trend drawn
    assert "Submission status by period" in page.dom and "2025-Q3" in page.dom


def test_a_unit_page_lists_its_open_findings(sample):
    (code, findings) = _query(
        sample.published_db,
        """select u.current_province_code, count(*) from marts.quality_issues q
           join marts.dim_province u on u.province_code = q.province_code and u.valid_from = q.province_valid_from
           where q.rule = 'vneid_activated_le_issued' group by 1 order by 1 limit 1""",
    )[0]
    (page,) = sample.dashboard_dir.glob(f"{code}_*.html")
    html = page.read_text()
    assert html.count("<td>vneid_activated_le_issued</td>") == findings


def test_the_site_uses_reporting_rates_when_that_mart_is_published(copied):
    con = duckdb.connect(str(copied.published_db))
    try:
        con.execute(
            """create or replace table marts.reporting_rates as
               select period, '00' as province_code, 'Toàn quốc' as province_name,
                      34::bigint as reports_expected, 31::bigint as reports_submitted,
                      29::bigint as reports_on_time, 91.18 as reporting_rate, 85.29 as on_time_rate
               from (select distinct period from marts.submission_status)"""
        )
    finally:
        con.close()

    result = _dashboard(copied)

    assert result.returncode == 0, result.stderr
    index = (copied.dashboard_dir / "index.html").read_text()
    assert "marts.reporting_rates" in index
    assert "31/34" in index


def test_notes_and_findings_from_submissions_are_shown_as_text(copied):
    con = duckdb.connect(str(copied.published_db))
    try:
        con.execute("alter table marts.fct_indicator_value add column if not exists note varchar")
        con.execute(
            """update marts.fct_indicator_value set note = 'Số liệu tạm tính <b>chưa duyệt</b>'
               where province_code = '52' and period = '2024' and indicator_code = 'VNEID_ACTIVATED'"""
        )
        con.execute(
            """insert into marts.quality_issues (rule, severity, province_code, province_valid_from, detail)
               select 'number_invalid', 'error', '52', valid_from, 'gia_tri <script>alert(1)</script>'
               from marts.dim_province where province_code = '52' and valid_to is null"""
        )
    finally:
        con.close()

    result = _dashboard(copied)

    assert result.returncode == 0, result.stderr
    page = (copied.dashboard_dir / "52_gia-lai.html").read_text()
    assert "Số liệu tạm tính &lt;b&gt;chưa duyệt&lt;/b&gt;" in page
    assert "gia_tri &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_a_reader_never_finds_the_site_missing_or_half_written_while_it_is_rebuilt(copied):
    dashboard_site.build_dashboard(copied)
    pages = [copied.dashboard_dir / "index.html", copied.dashboard_dir / "52_gia-lai.html"]
    seen: list[str] = []
    rebuilding = threading.Event()
    rebuilding.set()

    def read_pages() -> None:
        while rebuilding.is_set():
            for page in pages:
                try:
                    seen.append(page.read_text(encoding="utf-8")[-7:])
                except OSError as error:
                    seen.append(repr(error))

    reader = threading.Thread(target=read_pages)
    reader.start()
    try:
        for _ in range(3):
            dashboard_site.build_dashboard(copied)
    finally:
        rebuilding.clear()
        reader.join()

    assert len(seen) > 10
    assert set(seen) == {"</html>"}


def test_a_failed_build_leaves_the_previous_site_served_and_nothing_half_written(copied, monkeypatch):
    before = {path.name: path.read_bytes() for path in copied.dashboard_dir.iterdir()}
    monkeypatch.setattr(dashboard_site, "plotly_js", lambda: copied.warehouse_dir / "missing.js")

    with pytest.raises(FileNotFoundError):
        dashboard_site.build_dashboard(copied)

    assert {path.name: path.read_bytes() for path in copied.dashboard_dir.iterdir()} == before
    assert sorted(p.name for p in copied.warehouse_dir.iterdir()) == ["dashboard", "p06.duckdb"]


def test_p06_dashboard_rebuilds_from_the_published_marts_and_swaps_the_site(copied):
    result = _dashboard(copied)

    assert result.returncode == 0, result.stderr
    assert "35 pages" in result.stdout
    assert copied.dashboard_dir.is_symlink()  # the copy's plain folder was replaced by a build
    hidden = [p.name for p in copied.warehouse_dir.iterdir() if p.name.startswith(".dashboard")]
    assert hidden == [os.readlink(copied.dashboard_dir)]


def test_p06_dashboard_without_published_marts_says_so(tmp_path):
    paths = WarehousePaths(tmp_path / "raw", tmp_path / "warehouse")

    missing = _dashboard(paths)
    paths.warehouse_dir.mkdir()
    empty = _dashboard(paths)

    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert empty.returncode == 1 and "nothing is published yet" in empty.stderr
    assert not paths.dashboard_dir.exists()


def _get(url: str, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_a_rollback_rebuilds_the_site_from_the_marts_it_serves_again(sample, tmp_path):
    from orchestration.publish.publisher import publish

    paths = WarehousePaths(sample.raw_dir, tmp_path / "warehouse")
    shutil.copytree(sample.warehouse_dir, paths.warehouse_dir, symlinks=True)
    con = duckdb.connect(str(paths.work_db))
    try:
        con.execute(
            "update marts.province_scorecard_current set vneid_activation_rate = 12.345 "
            "where province_code = '52' and period = '2025-Q3'"
        )
    finally:
        con.close()
    publish(paths)
    assert _dashboard(paths).returncode == 0
    gia_lai = paths.dashboard_dir / "52_gia-lai.html"
    assert "12,35 %" in gia_lai.read_text()

    rollback = subprocess.run(
        [P06, "rollback", "--warehouse-dir", str(paths.warehouse_dir)],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert rollback.returncode == 0, rollback.stdout + rollback.stderr
    assert "scorecard site:" in rollback.stdout
    assert "12,35 %" not in gia_lai.read_text()
    assert gia_lai.read_text() == (sample.dashboard_dir / "52_gia-lai.html").read_text().replace(
        _published_at(sample), _published_at(paths)
    )


def _published_at(paths: WarehousePaths) -> str:
    """The site's "published at" line names the served file's time, which a rollback changes."""
    html = (paths.dashboard_dir / "index.html").read_text()
    start = html.index("Số liệu công bố lúc")
    return html[start : html.index("</p>", start)]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_p06_dashboard_serve_serves_the_site_read_only_on_localhost(copied):
    port = _free_port()
    server = subprocess.Popen(
        [P06, "dashboard", "--warehouse-dir", str(copied.warehouse_dir), "--serve", str(port)],
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The serving line comes once the site is rebuilt and the port bound; else the process ends.
        printed = []
        for line in server.stdout:
            printed.append(line)
            if "serving" in line:
                break
        assert f"http://127.0.0.1:{port}/" in printed[-1], printed
        status, index = _get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "Bảng điểm Đề án 06" in index
        assert _get(f"http://127.0.0.1:{port}/52_gia-lai.html")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/plotly.min.js")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/index.html", method="PUT")[0] == 501
        assert _get(f"http://127.0.0.1:{port}/", method="DELETE")[0] == 501
        assert _get(f"http://127.0.0.1:{port}/../p06.duckdb")[0] == 404
    finally:
        server.terminate()
        server.wait(timeout=10)
