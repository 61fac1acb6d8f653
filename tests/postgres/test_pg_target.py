"""P06_WAREHOUSE_URL: which PostgreSQL server, database and login p06 writes to."""

from __future__ import annotations

import pytest

from orchestration.postgres.target import PostgresTarget

URLS = [
    ("postgresql://p06:secret@db.example.vn:6432/warehouse", ("db.example.vn", 6432, "p06", "secret", "warehouse")),
    ("postgres://p06:secret@10.0.0.5/warehouse", ("10.0.0.5", 5432, "p06", "secret", "warehouse")),
    (
        "postgresql://p06:p%40ss%3Aw%2Frd@localhost:5432/kho%20du%20lieu",
        ("localhost", 5432, "p06", "p@ss:w/rd", "kho du lieu"),
    ),
    ("postgresql://p06@localhost/warehouse", ("localhost", 5432, "p06", "", "warehouse")),
]

BAD_URLS = [
    ("mysql://p06:secret@localhost/warehouse", "scheme 'mysql'"),
    ("postgresql://p06:secret@localhost:5432/", "host, user and database are required"),
    ("postgresql://localhost/warehouse", "host, user and database are required"),
    ("/var/lib/p06/work.duckdb", "scheme ''"),
]


@pytest.mark.parametrize("url, expected", URLS)
def test_url_gives_host_port_user_password_database(url, expected):
    target = PostgresTarget.from_url(url)
    assert (target.host, target.port, target.user, target.password, target.dbname) == expected


@pytest.mark.parametrize("url, message", BAD_URLS)
def test_unusable_url_is_refused_with_the_reason(url, message):
    with pytest.raises(ValueError, match="P06_WAREHOUSE_URL") as refused:
        PostgresTarget.from_url(url)
    assert message in str(refused.value)


def test_no_url_means_duckdb_only():
    assert PostgresTarget.from_env({}) is None
    assert PostgresTarget.from_env({"P06_WAREHOUSE_URL": "postgresql://a:b@h/d"}).dbname == "d"


def test_dbt_profile_variables_and_no_password_in_repr():
    target = PostgresTarget.from_url("postgresql://p06:s3cr3t@db:5433/warehouse")
    assert target.dbt_vars() == {
        "pg_host": "db",
        "pg_port": "5433",
        "pg_user": "p06",
        "pg_password": "s3cr3t",
        "pg_dbname": "warehouse",
    }
    assert "s3cr3t" not in repr(target)
