"""The Dagster instance of orchestration/dagster.yaml (`instance_class`) and its SQLite event log:
Dagster's own files and rows, written with fewer engines, commits and closes.

- One SQLAlchemy engine per shard for the life of the process: Dagster's storage builds one per
  event, a third of an event's CPU (bench/README.md, issue 20 session 5). Still NullPool: the
  UI's live run log watches `<run_id>.db`, which a write reaches when the last connection
  closes (the WAL's checkpoint), so no connection stays open between events.
- The events Dagster marks as one batch (a new run's planned events, one per selected asset and
  check: ~130 for the sensor's run) in one transaction per file instead of two or three per
  event, each commit an fsync and each close a checkpoint (~4.9-7.3 -> 0.8-1.2 s per run
  created, under load: bench/README.md, issue 20 session 7).
- A new run's file made aside by Dagster's own schema code without an fsync per statement, then
  fsynced once and linked into place (1.0-1.4 -> 0.3-0.4 s per run created at load 8-9:
  bench/README.md, issue 20 session 10).
- In a run's process, optionally (`writing_behind`: the warm run worker's runs, `p06 refresh`): the
  events are written by a thread of their own, whatever arrived meanwhile in one transaction per
  file, so a step no longer waits ~10-25 ms of disk per event (bench/README.md, issue 20 session 8),
  on connections it keeps open for the run (session 9). Anything
  else that reaches the files (a read, a run's status event) first waits until every event before
  it is stored: what the process reads and what the UI shows are the same, only written sooner.

`P06Instance` is Dagster's instance with this storage as its default event log, on the files
Dagster's default uses under the instance's root, so every process that opens the instance (the
daemon, the webserver, the code servers, the warm run worker's runs, `p06 refresh`) writes
through it, whatever its DAGSTER_HOME (a path in dagster.yaml cannot follow the root;
`{env: DAGSTER_HOME}` would name another home in a process opening a home other than its own).
Private Dagster internals relied on, to check on upgrades (docs/architecture.md): the storage's
`_connect`, `_initdb` and `_initialized_dbs`, the instance's `_get_event_batch_size`, and
`InstanceRef.from_dir` asking a custom instance class for its `config_defaults`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext, suppress

import yaml
from dagster import DagsterInstance
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool


class EngineReusingSqliteEventLogStorage(SqliteEventLogStorage):
    @property
    def _engines(self) -> dict[str, Engine]:
        return self.__dict__.setdefault("_engine_per_shard", {})

    @property
    def _batch(self) -> threading.local:
        """The open transaction per shard of the batch this thread is writing, if any."""
        return self.__dict__.setdefault("_batch_per_thread", threading.local())

    @property
    def _writer(self) -> EventWriter | None:
        return self.__dict__.get("_event_writer")

    @contextmanager
    def writing_behind(self) -> Iterator[None]:
        """Within: `store_event` returns at once and a thread stores the events, in their order;
        at the end (also on error) every event is stored."""
        writer = EventWriter(self._store_together, finish=self._release_held_connections)
        self.__dict__["_event_writer"] = writer
        try:
            yield
        finally:
            del self.__dict__["_event_writer"]
            writer.close()

    def store_event(self, event: EventLogEntry) -> None:
        writer = self._writer
        if writer is None or writer.is_current_thread():
            super().store_event(event)
            return
        writer.put(event)
        if event.is_dagster_event and event.get_dagster_event().is_job_event:
            # Dagster then writes the run's status (runs.db): its events are stored before it.
            writer.flush()

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        writer = self._writer
        if writer is not None and not writer.is_current_thread():
            writer.flush()  # a read (or another write) sees every event stored before it
        batch = getattr(self._batch, "transactions", None)
        if batch is None:
            with self._db_lock, self._transaction(shard) as conn:
                yield conn
            return
        transactions, stack = batch
        if shard not in transactions:
            transactions[shard] = stack.enter_context(self._transaction(shard))
        yield transactions[shard]

    @contextmanager
    def _transaction(self, shard: str) -> Iterator[Connection]:
        engine = self._engine(shard)
        writer = self._writer
        if writer is not None and writer.is_current_thread():
            with self._transaction_on_held_connection(shard, engine) as conn:
                yield conn
            return
        with engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _transaction_on_held_connection(self, shard: str, engine: Engine) -> Iterator[Connection]:
        """The writer thread keeps one connection per file open while it writes, instead of
        opening one per transaction whose close checkpoints the file's WAL and deletes it (~10 ms a
        transaction under load; the run's process reads index.db between its writes, and those
        reads' closes no longer checkpoint either). The UI's live run log watches the run's own
        file, which a checkpoint writes: that file is checkpointed after each transaction, as the
        close did; index.db only when SQLite's WAL reaches 1,000 pages, and at the last close."""
        held = self.__dict__.setdefault("_held_connections", {})
        if shard not in held:
            held[shard] = engine.connect()
        conn = held[shard]
        try:
            with conn.begin():
                yield conn
        except BaseException:
            held.pop(shard).close()  # the next transaction starts on a new connection
            raise
        if shard != INDEX_SHARD_NAME:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            conn.commit()  # SQLAlchemy began a transaction around it (SQLite itself did not)

    def _release_held_connections(self) -> None:
        for conn in self.__dict__.pop("_held_connections", {}).values():
            conn.close()

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            if shard not in self._initialized_dbs:
                if shard == INDEX_SHARD_NAME or not self._new_shard_made_aside(shard):
                    self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
        return engine

    def _new_shard_made_aside(self, shard: str) -> bool:
        """A new run's file, made by Dagster's own `_initdb` under another name without an fsync
        per statement (its schema's ~20 DDL statements: 1.0-1.4 s of wall, 0.15 CPU s, in the
        daemon as it creates a sensor's run), flushed to disk once and linked into place: the
        file is there complete or not at all. False when the file exists already (another
        process made it): Dagster's `_initdb` then checks it as usual."""
        path = self.path_for_shard(shard)
        if os.path.exists(path):
            return False
        aside = f"{path}.{os.getpid()}-{threading.get_ident()}.new"  # Dagster's listings read *.db
        engine = create_engine(f"sqlite:///{aside}", poolclass=NullPool)
        event.listen(engine, "connect", lambda dbapi_conn, _: dbapi_conn.execute("PRAGMA synchronous=OFF"))
        try:
            self._initdb(engine)
            engine.dispose()
            with open(aside, "rb") as made:
                os.fsync(made.fileno())
            os.link(aside, path)
        except FileExistsError:
            return False
        finally:
            for leftover in (aside, f"{aside}-wal", f"{aside}-shm"):
                with suppress(FileNotFoundError):
                    os.unlink(leftover)
        return True

    # Dagster asks its schema before most reads and writes: has_table builds an engine to ask, once
    # per asset check event, sometimes inside an open connection (so not through _connect: its lock
    # is held); has_secondary_index and has_asset_key_col each open a connection of the index shard,
    # four per asset record read, which in a run writing behind first waits for every earlier event.
    # A table, a column or a completed data migration, once there, stays (a wipe forgets them).
    def has_table(self, table_name: str) -> bool:
        return self._present(("table", table_name), lambda: SqliteEventLogStorage.has_table(self, table_name))

    def has_secondary_index(self, name: str) -> bool:
        return self._present(("index", name), lambda: SqliteEventLogStorage.has_secondary_index(self, name))

    def has_asset_key_col(self, column_name: str) -> bool:
        return self._present(
            ("column", column_name), lambda: SqliteEventLogStorage.has_asset_key_col(self, column_name)
        )

    def _present(self, part: tuple[str, str], ask: Callable[[], bool]) -> bool:
        known = self.__dict__.setdefault("_schema_present", set())
        if part not in known and ask():
            known.add(part)
        return part in known

    def wipe(self) -> None:
        self.__dict__.pop("_schema_present", None)
        super().wipe()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """A batch (the planned events of a new run: one per asset and check) in one transaction
        per file instead of two or three per event: each commit waits for the disk (fsync) and each
        close of the file's last connection checkpoints its WAL, 10-20 ms each under load."""
        writer = self._writer
        if writer is not None and not writer.is_current_thread():
            for event in events:
                self.store_event(event)
            return
        self._store_together(events)

    def _store_together(self, events: Sequence[EventLogEntry]) -> None:
        with self._db_lock, ExitStack() as stack:
            self._batch.transactions = ({}, stack)
            try:
                for event in events:
                    SqliteEventLogStorage.store_event(self, event)
            finally:
                del self._batch.transactions

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # noqa: ANN001, ANN206 (Dagster's signature)
        return cls(inst_data=inst_data, **config_value)


class EventWriter:
    """A thread that stores the events put to it, in their order: all those waiting at once
    together (`store`), else one by one, as Dagster falls back when a batch fails. A failure is
    raised by the next `put` or `flush`."""

    def __init__(self, store: Callable[[Sequence[EventLogEntry]], None], finish: Callable[[], None] = lambda: None):
        self._store, self._finish = store, finish  # finish: called by the thread as it ends
        self._pending: list[EventLogEntry] = []
        self._writing = self._closed = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._write_until_closed, name="p06-event-writer", daemon=True)
        self._thread.start()

    def is_current_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def put(self, event: EventLogEntry) -> None:
        with self._changed:
            self._raise_failure()
            self._pending.append(event)
            self._changed.notify_all()

    def flush(self) -> None:
        """Returns once every event put so far is stored."""
        with self._changed:
            self._changed.wait_for(lambda: not (self._pending or self._writing))
            self._raise_failure()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            with self._changed:
                self._closed = True
                self._changed.notify_all()
            self._thread.join()

    def _raise_failure(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _write_until_closed(self) -> None:
        try:
            self._write_all()
        finally:
            self._finish()

    def _write_all(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._closed)
                if not self._pending:
                    return
                events, self._pending, self._writing = self._pending, [], True
            error = None
            try:
                self._store(events)
            except Exception:
                for event in events:
                    try:
                        self._store([event])
                    except Exception as exc:
                        error = exc
            with self._changed:
                self._writing = False
                self._error = self._error or error
                self._changed.notify_all()


class P06Instance(DagsterInstance):
    # Events that Dagster marks as a batch (the planned events of a new run) are written together
    # (store_event_batch above); Dagster's own default, 0, writes them one by one.
    EVENT_BATCH_SIZE = 10_000

    def _get_event_batch_size(self) -> int:
        return self.EVENT_BATCH_SIZE

    @classmethod
    def config_schema(cls) -> dict:
        return {}

    @staticmethod
    def config_defaults(base_dir: str) -> Mapping[str, ConfigurableClassData | None]:
        """Dagster's defaults for an instance rooted at `base_dir`, with the event log above on the
        same files, combined as Dagster combines storages named one by one in dagster.yaml."""
        defaults = InstanceRef.config_defaults(base_dir)
        event_log = ConfigurableClassData(
            __name__, EngineReusingSqliteEventLogStorage.__name__, defaults["event_log_storage"].config_yaml
        )
        storages = {
            "run_storage": defaults["run_storage"],
            "event_log_storage": event_log,
            "schedule_storage": defaults["schedule_storage"],
        }
        combined = {
            name: {"module_name": data.module_name, "class_name": data.class_name, "config_yaml": data.config_yaml}
            for name, data in storages.items()
        }
        storage = ConfigurableClassData(
            "dagster._core.storage.legacy_storage", "CompositeStorage", yaml.dump(combined, default_flow_style=False)
        )
        return {**defaults, **storages, "storage": storage}


def events_written_behind(instance: DagsterInstance) -> AbstractContextManager:
    """A run's steps do not wait for the disk on each event (`writing_behind`); a home whose
    dagster.yaml predates P06Instance writes as Dagster does. (The storage's class is not asked:
    the run may have imported p06's modules again since the instance was opened.)"""
    writing_behind = getattr(instance.event_log_storage, "writing_behind", None)
    return writing_behind() if writing_behind else nullcontext()


# For a DAGSTER_HOME whose dagster.yaml predates `instance_class` (`p06 refresh` passes it as an override).
INSTANCE_CLASS_OVERRIDE = {"instance_class": {"module": __name__, "class": P06Instance.__name__}}
