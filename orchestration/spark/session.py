"""A SparkSession in this process, its files under `workdir` (`P06_WAREHOUSE_ENGINE=spark`).

dbt's `spark` target (method `session`) takes the session that is already active in the process:
start it here first, so the raw tables, dbt and the caller see one catalog. The catalog is in
memory: no Hive metastore to create (a minute or more on a busy machine), gone with the session;
every model is a table on Spark, rebuilt by every refresh.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession


def start_session(workdir: Path, *, master: str = "local[2]", memory: str = "1g") -> SparkSession:
    """A session on `master`: `local[N]` in this process alone, or a cluster's (`yarn`, `k8s://…`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.master(master).appName("p06").config("spark.driver.memory", memory)
    if master.startswith("local"):  # nothing needs to reach this driver over the network
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    return (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(workdir / "warehouse"))
        .config("spark.sql.catalogImplementation", "in-memory")
        .getOrCreate()
    )


def stop_session(session: SparkSession) -> None:
    """Stop the session and end the JVM pyspark started for it, so its memory returns now."""
    from pyspark import SparkContext

    session.stop()
    gateway = SparkContext._gateway
    if gateway is not None and getattr(gateway, "proc", None) is not None:
        gateway.shutdown()
        gateway.proc.terminate()
        gateway.proc.wait(timeout=30)
        SparkContext._gateway = SparkContext._jvm = None
