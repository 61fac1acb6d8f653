"""`P06_WAREHOUSE_ENGINE=spark_thrift p06 refresh`: dbt through the Spark Thrift Server on a
standalone cluster.

scripts/spark-cluster.sh starts a master, two workers and the Thrift Server on 127.0.0.1 from the
pyspark wheel (one cluster for this module); one refresh of the sample data builds every seed and
model on the workers' executors and publishes the marts the DuckDB refresh publishes, row for
row. dbt's data and unit tests are left out of this refresh: the session refresh
(test_spark_session.py) runs them on Spark already, and they cost more than a minute here. The
`percent` macro's Spark variant meets the same cases as DuckDB and PostgreSQL on the server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from contextlib import ExitStack, closing
from dataclasses import dataclass

import pytest
from percent_cases import CASES, expected, rates_sql
from pyhive import hive
from spark_fixtures import Refresh, assert_published_equal, published_marts

from orchestration.settings import REPO_ROOT

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


def test_the_cluster_is_a_master_with_two_workers(cluster):
    state = cluster.master_state()
    assert state["status"] == "ALIVE"
    assert state["aliveworkers"] == 2
    assert [app["name"] for app in state["activeapps"]] == ["p06 Thrift Server"]


def test_percent_is_rounded_half_up_to_two_decimals_exactly(cluster):
    with closing(hive.connect(host="127.0.0.1", port=cluster.thrift_port, username="p06")) as connection:
        cursor = connection.cursor()
        cursor.execute(rates_sql("spark__percent", "double"))
        rates = [row[1] for row in cursor.fetchall()]
    assert rates == [expected(n, d) for n, d in CASES]
    assert all(rate is None or type(rate) is float for rate in rates)


def test_refresh_through_the_thrift_server_publishes_the_marts_duckdb_publishes(
    cluster, p06_env_for, on_duckdb, tmp_path
):
    paths = Refresh(
        p06_env_for,
        tmp_path / "warehouse",
        P06_WAREHOUSE_ENGINE="spark_thrift",
        P06_SPARK_PORT=str(cluster.thrift_port),
        DBT_EXCLUDE_RESOURCE_TYPES="test unit_test",
    ).published()

    assert (paths.warehouse_dir / "spark" / "pulled" / "work_marts.province_scorecard").is_dir()
    assert_published_equal(published_marts(paths), on_duckdb)
