"""ingest_new_files on a real DuckDB file and a raw dir the tests fill."""

import hashlib
import os
import shutil
import stat
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from ingest_builders import write_template

from orchestration.ingest import store
from orchestration.ingest.pipeline import ingest_files, ingest_new_files
from orchestration.ingest.records import sentence
from orchestration.ingest.schema import RAW_TABLES, ensure_raw_schema, store_rejections, table_ddl

NOW = datetime(2025, 10, 5, 8, 0)
HEADER = "ma_tinh,tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n"


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "work.duckdb"))
    yield connection
    connection.close()


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder):
    return {
        p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_ingests_once_and_skips_same_bytes_under_another_name(raw_dir, con):
    write(raw_dir / "binh_dinh" / "q1.csv", HEADER + "52,,2024-Q1,VNEID_ISSUED,1.224\n")
    write_template(raw_dir / "t.xlsx")
    first = ingest_new_files(raw_dir, con, now=NOW)
    assert (first.files_seen, first.files_ingested, first.rows_accepted) == (2, 2, 3)
    shutil.copy(raw_dir / "binh_dinh" / "q1.csv", raw_dir / "copy of q1.csv")
    second = ingest_new_files(raw_dir, con, now=NOW)
    assert second.to_dict() == {
        "files_seen": 3,
        "files_ingested": 0,
        "files_skipped": 3,
        "files_rejected": 0,
        "rows_accepted": 0,
        "rows_rejected": 0,
    }
    assert con.execute(
        "select source_file, sheet, source_row, value, load_id from raw.indicator_values "
        "where indicator_code = 'VNEID_ISSUED' order by source_file"
    ).fetchall() == [("binh_dinh/q1.csv", None, 2, 1224.0, 1), ("t.xlsx", "ChiTieu", 4, 1224975.0, 1)]


def test_next_refresh_gets_the_next_load_id(raw_dir, con):
    write(raw_dir / "a.csv", HEADER + "52,,2024,VNEID_ISSUED,1\n")
    ingest_new_files(raw_dir, con, now=NOW)
    write(raw_dir / "b.csv", HEADER + "52,,2024,VNEID_ISSUED,2\n")
    ingest_new_files(raw_dir, con, now=NOW)
    assert con.execute("select source_file, load_id from raw.ingested_files order by 1").fetchall() == [
        ("a.csv", 1),
        ("b.csv", 2),
    ]


def test_raw_dir_is_never_written_and_may_be_read_only(raw_dir, con):
    write(raw_dir / "a.csv", HEADER + "52,,2024,VNEID_ISSUED,1\n")
    (raw_dir / "sub").mkdir()
    write_template(raw_dir / "sub" / "t.xlsx")
    before = snapshot(raw_dir)
    for folder in (raw_dir, raw_dir / "sub"):
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        report = ingest_new_files(raw_dir, con, now=NOW)
    finally:
        for folder in (raw_dir, raw_dir / "sub"):
            folder.chmod(stat.S_IRWXU)
    assert report.files_ingested == 2
    assert snapshot(raw_dir) == before


def test_broken_file_next_to_good_ones(raw_dir, con):
    write(raw_dir / "a.csv", HEADER + "52,,2024,VNEID_ISSUED,1\n")
    (raw_dir / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    write(raw_dir / "c.json", '{"province_code": "1", "period": "2024", "indicators": {"CCCD_ISSUED": 5}}')
    report = ingest_new_files(raw_dir, con, now=NOW)
    assert (report.files_ingested, report.files_rejected, report.rows_accepted) == (2, 1, 2)
    assert con.execute("select source_file, source_row, rule from raw.ingest_rejections").fetchall() == [
        ("broken.xlsx", None, "file_unreadable")
    ]
    assert con.execute("select status from raw.ingested_files where source_file = 'broken.xlsx'").fetchone() == (
        "rejected",
    )


def test_hostile_province_name_and_file_name_are_data(raw_dir, con):
    hostile = "'; DROP TABLE raw.indicator_values; --"
    write(
        raw_dir / "evil'); DROP TABLE raw.ingested_files; --.csv",
        HEADER + f'52,,2024,VNEID_ISSUED,1\n,"{hostile}",2024,VNEID_ISSUED,2\n',
    )
    ingest_new_files(raw_dir, con, now=NOW)
    assert con.execute("select rule, value_seen, source_row from raw.ingest_rejections").fetchall() == [
        ("province_unknown", hostile, 3)
    ]
    assert con.execute("select source_file from raw.ingested_files").fetchall() == [
        ("evil'); DROP TABLE raw.ingested_files; --.csv",)
    ]
    assert con.execute("select count(*) from raw.indicator_values").fetchone() == (1,)


def test_code_52_is_binh_dinh_in_2024_and_gia_lai_in_2025_q3(raw_dir, con):
    write(
        raw_dir / "a.csv",
        HEADER + "52,,2024,VNEID_ISSUED,1\n52,,2025-Q3,VNEID_ISSUED,2\n"
        "52,Bình Định,2025-Q3,VNEID_ISSUED,3\n64,,2025-Q3,VNEID_ISSUED,4\n",
    )
    ingest_new_files(raw_dir, con, now=NOW)
    assert con.execute(
        "select v.period, p.name from raw.indicator_values v join (values ('52', date '2008-08-01', 'Bình Định'),"
        " ('52', date '2025-07-01', 'Gia Lai')) p(code, valid_from, name)"
        " on v.province_code = p.code and v.province_valid_from = p.valid_from order by 1"
    ).fetchall() == [("2024", "Bình Định"), ("2025-Q3", "Gia Lai")]
    assert con.execute("select source_row, rule from raw.ingest_rejections order by 1").fetchall() == [
        (4, "province_not_valid_in_period"),
        (5, "province_not_valid_in_period"),
    ]


def test_submitted_at_defaults_to_ingestion_time(raw_dir, con):
    write(
        raw_dir / "a.csv",
        "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri,ngay_bao_cao\n"
        "52,2024,VNEID_ISSUED,1,10/01/2025\n52,2024,VNEID_ELIGIBLE,1,\n",
    )
    ingest_new_files(raw_dir, con, now=NOW)
    assert con.execute("select indicator_code, submitted_at from raw.indicator_values order by 1").fetchall() == [
        ("VNEID_ELIGIBLE", NOW),
        ("VNEID_ISSUED", datetime(2025, 1, 10)),
    ]


def test_symlink_leaving_raw_dir_is_not_followed(raw_dir, con, tmp_path):
    outside = write(tmp_path / "secret.csv", HEADER + "52,,2024,VNEID_ISSUED,1\n")
    os.symlink(outside, raw_dir / "link.csv")
    report = ingest_new_files(raw_dir, con, now=NOW)
    assert (report.files_seen, report.files_rejected, report.rows_accepted) == (1, 1, 0)
    assert con.execute("select source_file, rule from raw.ingest_rejections").fetchall() == [
        ("link.csv", "link_not_followed")
    ]
    assert con.execute("select count(*) from raw.indicator_values").fetchone() == (0,)


def test_file_too_large(raw_dir, con):
    write(raw_dir / "a.csv", HEADER + "52,,2024,VNEID_ISSUED,1\n" * 10)
    report = ingest_new_files(raw_dir, con, max_bytes=100, now=NOW)
    assert report.files_rejected == 1
    assert con.execute("select rule from raw.ingest_rejections").fetchall() == [("file_too_large",)]


def test_files_ingested_by_name_are_rejected_as_the_refresh_records(raw_dir, con, tmp_path):
    path = write(raw_dir / "a.csv", HEADER + "52,,2024,VNEID_ISSUED,abc\n99,,2024,VNEID_ISSUED,1\n")
    with duckdb.connect(str(tmp_path / "scratch.duckdb")) as scratch:
        rejections = ingest_files(scratch, {"a.csv": path})
    ingest_new_files(raw_dir, con, now=NOW)
    recorded = con.execute("select source_row, rule from raw.ingest_rejections order by 1").fetchall()
    assert [(r.source_row, r.rule) for r in rejections] == recorded == [(2, "number_invalid"), (3, "province_unknown")]


def test_file_that_cannot_be_read_is_rejected_and_others_ingested(raw_dir, con, monkeypatch):
    write(raw_dir / "a.csv", HEADER + "52,,2024,VNEID_ISSUED,1\n")
    write(raw_dir / "locked.csv", HEADER + "52,,2024,VNEID_ISSUED,2\n")
    real_read_bytes = Path.read_bytes

    def read_bytes(path):  # chmod 0 does not stop root, who runs CI here
        if path.name == "locked.csv":
            raise PermissionError(13, "Permission denied")
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = ingest_new_files(raw_dir, con, now=NOW)
    assert (report.files_ingested, report.files_rejected) == (1, 1)
    stored = con.execute("select source_file, file_hash, rule, sheet, source_row, reason from raw.ingest_rejections")
    assert [(f, h, rule, sentence(f, *where)) for f, h, rule, *where in stored.fetchall()] == [
        (
            "locked.csv",
            None,
            "file_unreadable",
            "locked.csv — file_unreadable: expected a file p06 can read (Permission denied)",
        )
    ]


def test_a_file_is_stored_all_or_nothing(raw_dir, con, monkeypatch):
    write(raw_dir / "a.csv", HEADER + "52,,2024,VNEID_ISSUED,1\n99,,2024,VNEID_ISSUED,1\n")

    def crash(*args):  # the last write of the file's transaction fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "record_sightings", crash)
    with pytest.raises(RuntimeError):
        ingest_new_files(raw_dir, con, now=NOW)
    tables = ["indicator_values", "ingest_rejections", "ingested_files", "value_files"]
    assert [con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables] == [0, 0, 0, 0]
    assert list((raw_dir.parent / "work.values").glob("*")) == []  # its value file deleted with it
    monkeypatch.undo()
    assert ingest_new_files(raw_dir, con, now=NOW).files_ingested == 1
    assert [con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables] == [1, 1, 1, 1]


def test_a_missing_file_ingested_by_name_is_rejected_instead_of_crashing(con, tmp_path):
    assert [(r.rule, r.source_row) for r in ingest_files(con, {"nope.csv": tmp_path / "nope.csv"})] == [
        ("file_unreadable", None)
    ]


def test_a_file_corrected_in_place_is_ingested_again_as_a_new_version(raw_dir, con):
    path = write(raw_dir / "q1.csv", HEADER + "52,,2024-Q1,VNEID_ISSUED,1\n")
    ingest_new_files(raw_dir, con, now=NOW)
    write(path, HEADER + "52,,2024-Q1,VNEID_ISSUED,20\n")  # new size: seen without relying on mtime
    assert ingest_new_files(raw_dir, con, now=NOW).files_ingested == 1
    assert con.execute("select value, load_id from raw.indicator_values order by load_id").fetchall() == [
        (1.0, 1),
        (20.0, 2),
    ]


OLD_DETAILS = [
    ("gone.csv", None, None, "gone.csv — file_unreadable: expected a file p06 can read (Permission denied)"),
    (
        "hà_nội/q1.xlsx",
        "ChiTieu",
        12,
        "hà_nội/q1.xlsx, sheet ChiTieu, row 12, column Giá trị: value '1,5' — count_not_whole: expected a whole number",
    ),
]


def test_a_warehouse_that_stored_whole_sentences_keeps_them_and_takes_new_rejections(raw_dir, con):
    """Before issue 20 (session 5), raw.ingest_rejections stored each row's sentence as `detail`."""
    columns = [
        column._replace(name="detail") if column.name == "reason" else column
        for column in RAW_TABLES["ingest_rejections"]
    ]
    con.execute("create schema raw")
    con.execute(table_ddl("ingest_rejections", tuple(columns)))
    for source_file, sheet, source_row, detail in OLD_DETAILS:
        con.execute(
            "insert into raw.ingest_rejections (file_hash, source_file, sheet, source_row, rule, severity, detail,"
            " ingested_at, load_id) values (null, ?, ?, ?, 'count_not_whole', 'error', ?, ?, 1)",
            [source_file, sheet, source_row, detail, NOW],
        )
    write(raw_dir / "q2.csv", HEADER + "01,,2024-Q2,VNEID_NEW,5\n")

    report = ingest_new_files(raw_dir, con, now=NOW)

    assert report.rows_rejected == 1
    assert "detail" not in [row[0] for row in con.execute("describe raw.ingest_rejections").fetchall()]
    stored = con.execute(
        "select source_file, sheet, source_row, reason from raw.ingest_rejections order by load_id, source_file"
    )
    assert [(sentence(*row),) for row in stored.fetchall()] == [
        (OLD_DETAILS[0][3],),
        (OLD_DETAILS[1][3],),
        (
            "q2.csv, row 2, column ma_chi_tieu: value 'VNEID_NEW' — indicator_unknown: expected an indicator code"
            " of reference/indicators.csv (e.g. VNEID_ISSUED)",
        ),
    ]


def test_a_warehouse_that_stored_each_rejection_whole_keeps_them_and_takes_new_ones(raw_dir, con):
    """Before issue 20 (session 8), raw.ingest_rejections was a table holding each row's reason text."""
    con.execute("create schema raw")
    con.execute(table_ddl("ingest_rejections", RAW_TABLES["ingest_rejections"]))
    old = [
        ("h1", "a.csv", None, 3, "gia_tri", "x", "count_not_whole", ", column gia_tri: value 'x' — count_not_whole"),
        (None, "gone.csv", None, None, None, None, "file_unreadable", " — file_unreadable: expected a file"),
        ("h1", "a.csv", None, 2, "gia_tri", "x", "count_not_whole", ", column gia_tri: value 'x' — count_not_whole"),
    ]
    for row in old:
        con.execute(
            "insert into raw.ingest_rejections (file_hash, source_file, sheet, source_row, column_name, value_seen,"
            " rule, severity, reason, ingested_at, load_id) values (?, ?, ?, ?, ?, ?, ?, 'error', ?, ?, 0)",
            [*row, NOW],
        )
    write(raw_dir / "q2.csv", HEADER + "01,,2024-Q2,VNEID_NEW,5\n01,,2024-Q2,VNEID_NEW,6\n")

    report = ingest_new_files(raw_dir, con, now=NOW)

    assert report.rows_rejected == 2
    kept = con.execute(
        "select file_hash, source_file, sheet, source_row, column_name, value_seen, rule, reason"
        " from raw.ingest_rejections where load_id = 0 order by source_file, source_row"
    )
    assert kept.fetchall() == [old[2], old[0], old[1]]
    new = con.execute("select source_row, value_seen, severity from raw.ingest_rejections where load_id = 1")
    assert sorted(new.fetchall()) == [(2, "VNEID_NEW", "error"), (3, "VNEID_NEW", "error")]
    # each distinct reason's text is stored once, whatever its number of rows
    assert con.execute("select count(*) from raw.rejection_reasons").fetchone()[0] == 3
    ensure_raw_schema(con)  # again: nothing to bring up to date
    assert con.execute("select count(*) from raw.ingest_rejections").fetchone()[0] == 5


def test_rejections_given_whole_are_stored_with_each_distinct_reason_once(con):
    ensure_raw_schema(con)
    whole = """
        select * from (values (1, 'gia_tri', 'x', 'r'), (2, 'gia_tri', null, 'r'), (3, 'gia_tri', 'x', 'r'),
                              (4, null, null, 'r'), (5, 'gia_tri', null, 'r'))
            as rows(source_row, column_name, value_seen, rule)
    """
    store_rejections(
        con,
        f"select 'f.csv' as source_file, source_row, column_name, value_seen, rule, 'error' as severity,"
        f" coalesce(value_seen, '-') as reason, timestamp '2025-01-01' as ingested_at, 1 as load_id from ({whole})",
    )

    stored = con.execute(
        "select source_row, column_name, value_seen, reason from raw.ingest_rejections order by source_row"
    )
    assert stored.fetchall() == [
        (1, "gia_tri", "x", "x"),
        (2, "gia_tri", None, "-"),
        (3, "gia_tri", "x", "x"),
        (4, None, None, "-"),
        (5, "gia_tri", None, "-"),
    ]
    assert con.execute("select count(*) from raw.rejection_reasons").fetchone()[0] == 3


def test_rows_rejected_each_for_its_own_value_keep_their_own_value_and_reason(raw_dir, con):
    rows = [(f"VNEID_X{row}", "1") if row % 2 else ("VNEID_ISSUED", f"x{row}") for row in range(2, 62)]
    write(raw_dir / "q.csv", HEADER + "".join(f"01,,2024-Q2,{code},{value}\n" for code, value in rows))

    assert ingest_new_files(raw_dir, con, now=NOW).rows_rejected == 60

    stored = con.execute("select source_row, column_name, value_seen, reason from raw.ingest_rejections")
    assert sorted((row, column, seen, reason.split(" — ")[0]) for row, column, seen, reason in stored.fetchall()) == [
        (row, column, seen, f", column {column}: value '{seen}'")
        for row, (column, seen) in enumerate(
            (("ma_chi_tieu", code) if value == "1" else ("gia_tri", value) for code, value in rows), start=2
        )
    ]


VALUES = "select source_file, source_row, province_code, period, indicator_code, value, load_id, note"


def values_of(con):
    return con.execute(f"{VALUES} from raw.indicator_values order by load_id, source_file, source_row").fetchall()


def value_files(folder):
    return sorted(path.name for path in folder.glob("*"))


def test_a_warehouse_with_its_values_in_a_table_keeps_them_as_a_value_file(raw_dir, con, tmp_path):
    """Before issue 20 (session 12), raw.indicator_values was a table (the oldest without `note`)."""
    con.execute("create schema raw")
    con.execute(table_ddl("indicator_values", RAW_TABLES["indicator_values"]))
    con.execute("alter table raw.indicator_values drop column note")
    con.execute(
        "insert into raw.indicator_values values ('h0', 'old.csv', null, 2, '52', date '2008-08-01', null, '2023',"
        " 'year', date '2023-01-01', date '2023-12-31', 'VNEID_ISSUED', 7.5, ?, ?, 3)",
        [NOW, NOW],
    )
    con.execute(table_ddl("ingested_files", RAW_TABLES["ingested_files"]))
    con.execute("insert into raw.ingested_files values ('h0', 'old.csv', 'csv_long', 9, 'ingested', 1, 0, 3, ?)", [NOW])
    write(raw_dir / "q1.csv", HEADER + "52,,2024-Q1,VNEID_ISSUED,12\n")

    assert ingest_new_files(raw_dir, con, now=NOW).rows_accepted == 1

    assert values_of(con) == [
        ("old.csv", 2, "52", "2023", "VNEID_ISSUED", 7.5, 3, None),
        ("q1.csv", 2, "52", "2024-Q1", "VNEID_ISSUED", 12.0, 4, None),
    ]
    kind = "select table_type from information_schema.tables where table_name = 'indicator_values'"
    assert con.execute(kind).fetchall() == [("VIEW",)]
    listed = con.execute("select value_file, load_id, rows from raw.value_files order by load_id").fetchall()
    assert listed[0] == ("converted.parquet", 3, 1)
    assert value_files(tmp_path / "work.values") == sorted(name for name, *_ in listed)


def test_a_value_file_no_row_lists_is_never_read_and_deleted_at_the_next_ingestion(raw_dir, con, tmp_path):
    write(raw_dir / "q1.csv", HEADER + "52,,2024-Q1,VNEID_ISSUED,12\n")
    ingest_new_files(raw_dir, con, now=NOW)
    folder = tmp_path / "work.values"
    (listed,) = value_files(folder)
    shutil.copy(folder / listed, folder / "00000002-left-by-a-crash.parquet")  # written, never listed
    assert len(values_of(con)) == 1

    ingest_new_files(raw_dir, con, now=NOW)

    assert value_files(folder) == [listed]
    assert len(values_of(con)) == 1


def test_a_moved_warehouse_reads_its_own_value_files_after_its_next_ingestion(raw_dir, tmp_path):
    (tmp_path / "a").mkdir()
    with duckdb.connect(str(tmp_path / "a" / "work.duckdb")) as con:
        write(raw_dir / "q1.csv", HEADER + "52,,2024-Q1,VNEID_ISSUED,12\n")
        ingest_new_files(raw_dir, con, now=NOW)
        before = values_of(con)
    shutil.move(tmp_path / "a", tmp_path / "b")
    write(raw_dir / "q2.csv", HEADER + "52,,2024-Q2,VNEID_ISSUED,13\n")

    with duckdb.connect(str(tmp_path / "b" / "work.duckdb")) as con:
        ingest_new_files(raw_dir, con, now=NOW)
        after = values_of(con)

    assert after[:1] == before and [row[3] for row in after] == ["2024-Q1", "2024-Q2"]


def test_no_value_yet_has_the_columns_and_types_of_stored_values(raw_dir, con):
    in_memory = duckdb.connect()
    ensure_raw_schema(in_memory)
    write(raw_dir / "q1.csv", HEADER + "52,,2024-Q1,VNEID_ISSUED,12\n")
    ingest_new_files(raw_dir, con, now=NOW)

    columns = "select column_name, data_type from information_schema.columns where table_name = 'indicator_values'"
    empty = in_memory.execute(columns).fetchall()
    assert in_memory.execute("select count(*) from raw.indicator_values").fetchone() == (0,)
    assert empty == con.execute(columns).fetchall()
    assert [name for name, _ in empty] == [column.name for column in RAW_TABLES["indicator_values"]]


def test_small_value_files_are_joined_into_one_once_they_are_many(raw_dir, con, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "SMALL_FILES", 3)
    for quarter in range(1, 4):  # one sensor run per file: one small value file each
        write(raw_dir / f"q{quarter}.csv", HEADER + f"52,,2024-Q{quarter},VNEID_ISSUED,{quarter}\n")
        ingest_new_files(raw_dir, con, now=NOW)
    assert len(value_files(tmp_path / "work.values")) == 3
    before = values_of(con)
    units = "select * from raw.file_units order by all"
    counted = con.execute(units).fetchall()

    write(raw_dir / "q4.csv", HEADER + "52,,2024-Q4,VNEID_ISSUED,4\n")
    ingest_new_files(raw_dir, con, now=NOW)

    listed = con.execute("select value_file, rows from raw.value_files order by value_file").fetchall()
    assert [rows for _, rows in listed] == [3, 1]
    assert value_files(tmp_path / "work.values") == [name for name, _ in listed]
    assert values_of(con)[:3] == before and [row[3] for row in values_of(con)][3:] == ["2024-Q4"]
    after = con.execute(units).fetchall()
    assert set(counted) < set(after) and len(after) == 4  # the rows of each file counted once
