"""Dagster's SQLite event log, with one SQLAlchemy engine per shard for the life of the process.

Dagster's own storage builds a new engine for every event it writes (~210 a refresh): the
engine's set-up and its statement cache, thrown away each time, were a third of the CPU of
writing an event (bench/README.md, issue 20 session 5). The files and what is written to them
are Dagster's: the UI, the daemon and the summary read them as before. Still NullPool: no
connection stays open between events. It overrides a private method of Dagster's storage
(`_connect`): check it on every Dagster upgrade, as for the warm run worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool


class EngineReusingSqliteEventLogStorage(SqliteEventLogStorage):
    @property
    def _engines(self) -> dict[str, Engine]:
        return self.__dict__.setdefault("_engine_per_shard", {})

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=NullPool,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                self._engines[shard] = engine
            with engine.connect() as conn, conn.begin():
                yield conn

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # noqa: ANN001, ANN206 (Dagster's signature)
        return cls(inst_data=inst_data, **config_value)


def event_log_overrides(dagster_home: Path) -> dict:
    """Instance overrides: this storage on the files Dagster's default would use under dagster_home."""
    return {
        "event_log_storage": {
            "module": __name__,
            "class": EngineReusingSqliteEventLogStorage.__name__,
            "config": {"base_dir": str(dagster_home / "history" / "runs")},
        }
    }
