"""raw_inbox_sensor: one run per new content, named by the content's hashes; raw files untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import RunRequest, SkipReason, build_sensor_context

from orchestration.operations.sensors import raw_inbox_sensor

LONG_CSV = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,2024-Q1,VNEID_ISSUED,1000\n"
OTHER_CSV = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,2024-Q2,VNEID_ISSUED,1200\n"


@pytest.fixture
def raw_dir(warehouse_paths, monkeypatch) -> Path:
    monkeypatch.setenv("P06_RAW_DIR", str(warehouse_paths.raw_dir))
    monkeypatch.setenv("P06_WAREHOUSE_DIR", str(warehouse_paths.warehouse_dir))
    return warehouse_paths.raw_dir


def evaluate(cursor: str | None = None) -> tuple[RunRequest | SkipReason, str | None]:
    context = build_sensor_context(cursor=cursor)
    result = raw_inbox_sensor(context)
    return result, context.cursor


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_an_empty_raw_dir_starts_nothing(raw_dir):
    result, _ = evaluate()
    assert isinstance(result, SkipReason)


def test_files_that_are_not_submissions_start_nothing(raw_dir):
    (raw_dir / "notes.txt").write_text("đọc kỹ trước khi gửi")
    (raw_dir / "ha-noi.csv.bak").write_text(LONG_CSV)
    result, _ = evaluate()
    assert isinstance(result, SkipReason)


def test_a_new_file_starts_one_run_and_the_next_evaluation_skips(raw_dir):
    (raw_dir / "2024-Q1").mkdir()
    (raw_dir / "2024-Q1" / "ha-noi.csv").write_text(LONG_CSV)

    first, cursor = evaluate()
    assert isinstance(first, RunRequest)
    assert first.run_key

    again, _ = evaluate(cursor)
    assert isinstance(again, SkipReason)


def test_the_run_key_depends_on_the_bytes_not_on_the_name(raw_dir, tmp_path):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    first, _ = evaluate()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copyfile(raw_dir / "ha-noi.csv", elsewhere / "HN_quy1.CSV")
    shutil.rmtree(raw_dir)
    elsewhere.rename(raw_dir)
    same_bytes, _ = evaluate()
    assert same_bytes.run_key == first.run_key

    (raw_dir / "HN_quy1.CSV").write_text(OTHER_CSV)
    other_bytes, _ = evaluate()
    assert other_bytes.run_key != first.run_key


def test_the_same_bytes_under_another_name_start_no_new_run(raw_dir):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    _, cursor = evaluate()

    shutil.copyfile(raw_dir / "ha-noi.csv", raw_dir / "ha-noi (1).csv")
    result, _ = evaluate(cursor)
    assert isinstance(result, SkipReason)


def test_a_new_file_beside_known_ones_starts_a_run_keyed_by_it_alone(raw_dir):
    (raw_dir / "ha-noi.csv").write_text(LONG_CSV)
    _, cursor = evaluate()
    (raw_dir / "ha-noi-q2.csv").write_text(OTHER_CSV)
    result, _ = evaluate(cursor)
    assert isinstance(result, RunRequest)

    (raw_dir / "ha-noi.csv").unlink()
    alone, _ = evaluate()  # a sensor that never saw the first file
    assert result.run_key == alone.run_key


def test_the_sensor_never_writes_the_raw_dir(raw_dir):
    (raw_dir / "2024").mkdir()
    (raw_dir / "2024" / "ha-noi.csv").write_text(LONG_CSV)
    (raw_dir / "hcm.json").write_text('{"province_code": "79", "period": "2024", "indicators": {}}')
    before = snapshot(raw_dir)

    _, cursor = evaluate()
    evaluate(cursor)

    assert snapshot(raw_dir) == before
