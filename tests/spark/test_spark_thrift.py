"""dbt through the Spark Thrift Server on a standalone cluster (target `spark_thrift`).

scripts/spark-cluster.sh starts a master, two workers and the Thrift Server on 127.0.0.1 from
the pyspark wheel; the raw tables and findings reach the server as Parquet, every seed and model
builds on the workers' executors, and the CONTRACT §5 marts equal DuckDB's row for row.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass

import duckdb
import pytest
from pyhive import hive
from spark_fixtures import DBT, MODELS_AND_SEEDS, SPARK_TABLES, assert_marts_equal, dbt_args, relation, statuses

from orchestration.publish.marts import PUBLISHED_MARTS
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT
from orchestration.spark.tables import pull_table, push_tables

CLUSTER_SCRIPT = REPO_ROOT / "scripts" / "spark-cluster.sh"


@dataclass(frozen=True)
class Cluster:
    env: dict[str, str]
    thrift_port: int
    master_webui_port: int

    def master_state(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.master_webui_port}/json/", timeout=10) as answer:
            return json.load(answer)


def _free_ports(count: int, *, then_consecutive: int = 0) -> list[int]:
    """`count` ports free on 127.0.0.1, the last followed by `then_consecutive` free ones."""
    with ExitStack() as held:
        ports: list[int] = []
        while len(ports) < count:
            probe = held.enter_context(socket.socket())
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            if len(ports) == count - 1 and then_consecutive:
                try:
                    for following in range(port + 1, port + 1 + then_consecutive):
                        held.enter_context(socket.socket()).bind(("127.0.0.1", following))
                except OSError:
                    continue
            ports.append(port)
        return ports


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("spark_cluster")
    thrift, master, master_webui, worker_webui = _free_ports(4, then_consecutive=1)
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("P06_", "SPARK_"))},
        "P06_SPARK_PORT": str(thrift),
        "SPARK_MASTER_PORT": str(master),
        "SPARK_MASTER_WEBUI_PORT": str(master_webui),
        "SPARK_WORKER_WEBUI_PORT": str(worker_webui),
        "P06_SPARK_CATALOG": "in-memory",
    }

    def cluster_script(action: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(CLUSTER_SCRIPT), action, str(workdir)], env=env, capture_output=True, text=True, timeout=300
        )

    try:
        started = time.monotonic()
        done = cluster_script("start")
        if done.returncode:
            pytest.fail(f"spark-cluster.sh start exited {done.returncode}:\n{done.stdout}{done.stderr[-4000:]}")
        print(f"Spark cluster up in {time.monotonic() - started:.0f} s")
        yield Cluster(env, thrift, master_webui)
    finally:
        stopped = cluster_script("stop")
        assert stopped.returncode == 0, stopped.stderr
        assert not list((workdir / "pids").glob("*.pid")), "a cluster process was left running"


@pytest.fixture(scope="module")
def thrift_build(cluster, reference, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("spark_thrift_build")
    connection = hive.connect(host="127.0.0.1", port=cluster.thrift_port, username="p06")
    cursor = connection.cursor()
    try:
        with duckdb.connect(str(reference.work_db), read_only=True) as duck:
            push_tables(duck, cursor.execute, SPARK_TABLES, workdir / "parquet")

        started = time.monotonic()
        done = subprocess.run(
            [DBT, *dbt_args("build", *MODELS_AND_SEEDS, target="spark_thrift", workdir=workdir)],
            cwd=DBT_PROJECT_DIR,
            env=cluster.env,
            capture_output=True,
            text=True,
        )
        print(f"dbt build through the Spark Thrift Server: {time.monotonic() - started:.0f} s")
        if done.returncode:
            pytest.fail(f"dbt build on spark_thrift exited {done.returncode}:\n{done.stdout[-4000:]}")

        marts = workdir / "marts.duckdb"
        with duckdb.connect(str(marts)) as duck:
            for table in PUBLISHED_MARTS:
                pull_table(cursor.execute, duck, relation(workdir, "spark_thrift", table), workdir / "pulled")
    finally:
        cursor.close()
        connection.close()
    return workdir, marts


def test_the_cluster_is_a_master_with_two_workers(cluster):
    state = cluster.master_state()
    assert state["status"] == "ALIVE"
    assert state["aliveworkers"] == 2
    assert [app["name"] for app in state["activeapps"]] == ["p06 Thrift Server"]


def test_marts_built_on_the_cluster_equal_duckdb(reference, thrift_build):
    workdir, marts = thrift_build
    built = statuses(workdir, "spark_thrift")
    assert built and set(built.values()) == {"success"}
    assert_marts_equal(reference, marts, "spark_thrift", workdir)
