"""A local SparkSession for one host, its files under `workdir`.

dbt's `spark` target (method `session`) takes the session that is already active in the process:
start it here first, so the raw tables, dbt and the caller see one catalog. That catalog is a
Hive metastore on Derby in `workdir` (one process at a time), kept between runs as incremental
models need; or, with `keep_catalog=False`, in memory: no metastore to create (a minute or more
on a busy machine), gone with the session (tests).
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession


def local_session(workdir: Path, *, cores: int = 2, memory: str = "1g", keep_catalog: bool = True) -> SparkSession:
    workdir.mkdir(parents=True, exist_ok=True)
    metastore = workdir / "metastore_db"
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("p06")
        .config("spark.driver.memory", memory)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(workdir / "warehouse"))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={metastore};create=true")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={workdir}")
    )
    if not keep_catalog:
        return builder.config("spark.sql.catalogImplementation", "in-memory").getOrCreate()
    return builder.enableHiveSupport().getOrCreate()


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
