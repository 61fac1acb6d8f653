"""Many files parsed on every core store the same raw tables as files parsed one by one."""

from datetime import datetime, timedelta

import duckdb
import pytest
from ingest_builders import cp1258, write_template

from orchestration.ingest import parallel, pipeline
from orchestration.ingest.pipeline import ingest_new_files
from orchestration.ingest.readers import read_submission, read_submissions
from orchestration.ingest.readers.limits import Limits
from orchestration.ingest.schema import RAW_TABLES

NOW = datetime(2025, 10, 5, 8, 0)
HEADER = "ma_tinh,tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n"
TASKS_HEADER = "tinh,ky_bao_cao,ma_nhiem_vu,noi_dung,han_hoan_thanh,trang_thai,ngay_hoan_thanh\n"


def fill(raw_dir):
    """A bit of everything, in more than one chunk: values, rejected rows, tasks, broken files."""
    for n in range(24):
        (raw_dir / f"p{n:02d}.csv").write_text(
            HEADER + f"52,,2024-Q{n % 4 + 1},VNEID_ISSUED,{n}\n99,,2024,VNEID_ISSUED,1\n52,,2024,VNEID_ISSUED,x{n}\n",
            encoding="utf-8",
        )
        write_template(raw_dir / f"t{n:02d}.xlsx", period=f"Quý {n % 4 + 1}/2023", values=(("VNEID_ISSUED", n),))
        (raw_dir / f"j{n:02d}.json").write_text(
            f'{{"province_code": "1", "period": "2024", "indicators": {{"CCCD_ISSUED": {n}, "NOPE": 1}}}}'
        )
    (raw_dir / "w.csv").write_bytes(cp1258(HEADER + "52,Bình Định,2024,VNEID_ISSUED,7\n"))
    (raw_dir / "tasks.csv").write_text(
        TASKS_HEADER
        + "Gia Lai,2025-Q3,NV01,Cấp CCCD,30/09/2025,Hoàn thành,2025-09-20\nGia Lai,2025-Q3,NV03,X,31/02/2025,xong,\n"
    )
    (raw_dir / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (raw_dir / "broken again.xlsx").write_bytes(b"PK\x03\x04 truncated")  # the same bytes under another name
    (raw_dir / "empty.json").write_text("")
    (raw_dir / "big.csv").write_text(HEADER + "52,,2024,VNEID_ISSUED,1\n" * 1000)  # over max_bytes: not read


def raw_tables(con):
    return {
        name: con.execute(f"select * from raw.{name} order by all").fetchall()
        for name in [*RAW_TABLES, "file_sightings", "file_units"]
    }


@pytest.fixture
def parsed_here(monkeypatch):
    """The source files parsed in this process (a worker's parse is not counted)."""
    names = []

    def counted(data, source_file, limits):
        names.append(source_file)
        return real(data, source_file, limits)

    def counted_chunk(files, limits):
        names.extend(source_file for _, source_file in files)
        return real_chunk(files, limits)

    real, real_chunk = parallel.read_submission, parallel.read_submissions
    monkeypatch.setattr(parallel, "read_submission", counted)
    monkeypatch.setattr(parallel, "read_submissions", counted_chunk)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)  # a pool even on one core
    return names


def ticking_clock():
    """A clock one second further at each reading, the same in every run."""
    ticks = iter(range(1_000_000))
    return lambda: NOW + timedelta(seconds=next(ticks))


def test_many_files_on_every_core_give_the_raw_tables_of_one_by_one(raw_dir, tmp_path, parsed_here, monkeypatch):
    fill(raw_dir)
    stored = {}
    for pool_from in (1_000_000, 1):
        parsed_here.clear()
        monkeypatch.setattr(pipeline, "local_now", ticking_clock())
        with duckdb.connect(str(tmp_path / f"{pool_from}.duckdb")) as con:
            report = ingest_new_files(raw_dir, con, max_bytes=20_000, pool_from=pool_from)
            stored[pool_from] = report, raw_tables(con), set(parsed_here)
            files = con.execute("select source_file, ingested_at from raw.ingested_files order by 2").fetchall()
            assert [name for name, _ in files] == sorted(name for name, _ in files)  # the clock in listing order
            rejected = con.execute(
                "select source_file, rule from raw.ingest_rejections where source_row is null order by ingested_at"
            )
            assert rejected.fetchall() == [
                ("big.csv", "file_too_large"),
                ("broken again.xlsx", "file_unreadable"),
                ("broken.xlsx", "file_unreadable"),
                ("empty.json", "file_unreadable"),
            ]
    (report_here, tables_here, names_here), (report_pool, tables_pool, names_pool) = stored.values()
    assert report_pool == report_here
    assert (report_pool.files_seen, report_pool.files_rejected, report_pool.rows_rejected) == (78, 4, 24 * 2 + 24 + 1)
    assert tables_pool == tables_here
    assert len(names_here) == 77  # every file read (big.csv is not)
    assert names_pool == {"broken.xlsx"}  # listed after the same bytes, rejected: parsed again in order, here


def test_one_file_to_parse_starts_no_pool(raw_dir, tmp_path, monkeypatch):
    (raw_dir / "a.csv").write_text(HEADER + "52,,2024,VNEID_ISSUED,1\n")
    monkeypatch.setattr(parallel, "_start_pool", None)  # starting a pool would fail
    with duckdb.connect(str(tmp_path / "work.duckdb")) as con:
        assert ingest_new_files(raw_dir, con, now=NOW).files_ingested == 1


def test_a_pool_that_fails_costs_time_only(raw_dir, tmp_path, parsed_here, monkeypatch):
    fill(raw_dir)
    monkeypatch.setattr(parallel, "parse_files", lambda files, limits: None)  # a lambda never reaches a worker
    stored = []
    for pool_from in (1_000_000, 1):
        monkeypatch.setattr(pipeline, "local_now", ticking_clock())
        with duckdb.connect(str(tmp_path / f"{pool_from}.duckdb")) as con:
            ingest_new_files(raw_dir, con, max_bytes=20_000, pool_from=pool_from)
            stored.append(raw_tables(con))
    assert stored[1] == stored[0]
    assert len(parsed_here) == 2 * 77  # the second time, every file parsed here after the pool failed


def test_files_parsed_together_give_what_each_gives_alone(raw_dir):
    """Value rows of one layout are resolved together: provinces, periods, dates and values that
    differ per file, rejected rows, formulas, commune rows and notes stay each file's own."""
    fill(raw_dir)
    write_template(raw_dir / "f.xlsx", province="Gia Lai", code="", values=(("VNEID_ISSUED", "=A1"), ("NOPE", 2)))
    write_template(raw_dir / "g.xlsx", period="Quý 5/2024", values=(("VNEID_ISSUED", "12,5"),))
    communes = "ma_tinh,ky_bao_cao,ma_xa,ma_chi_tieu,gia_tri,ghi_chu\n"
    (raw_dir / "xa1.csv").write_text(
        communes + "52,2024,21010,VNEID_ISSUED,3, a note \n52,2024,21010,DIGITIZATION_RATE,9,\n"
    )
    (raw_dir / "xa2.csv").write_text(communes + "01,2024-Q2,00004,VNEID_ISSUED,4,\n01,2030,00004,VNEID_ISSUED,-1,x\n")
    (raw_dir / "k1.json").write_text(
        '{"province": "Gia Lai", "period": "Q3/2025", "submitted_at": "2025-10-01T08:00:00",'
        ' "indicators": [{"code": "VNEID_ISSUED", "value": 5, "note": "n"}, {"code": "X", "value": "?"}]}'
    )
    (raw_dir / "k2.json").write_text(
        '{"province": "Đắk Lắk", "period": "2025-Q2", "submitted_at": "2099-01-01",'
        ' "indicators": [{"code": "VNEID_ISSUED", "value": 6}, {"code": "CCCD_ISSUED", "value": "abc"}]}'
    )
    files = [(path.read_bytes(), path.name) for path in sorted(raw_dir.iterdir())]
    limits = Limits(today=NOW.date())

    def seen(parsed):
        return (
            parsed.file_format,
            parsed.values.to_pylist(),
            parsed.tasks.to_pylist(),
            parsed.rejections,
            parsed.rows_rejected,
        )

    together = [seen(parsed) for parsed in read_submissions(files, limits)]
    assert together == [seen(read_submission(data, name, limits)) for data, name in files]
    rules = {r.rule for *_, rejections, _ in together for r in rejections}
    assert {"province_unknown", "period_invalid", "date_in_future", "number_invalid", "count_not_whole"} <= rules
    assert {"indicator_unknown", "formula_uncalculated", "commune_not_additive", "period_in_future"} <= rules
