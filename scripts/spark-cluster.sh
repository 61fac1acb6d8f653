#!/usr/bin/env bash
# A Spark standalone cluster on 127.0.0.1 from the pyspark wheel's own sbin and jars (no Spark
# download): a master, two workers and the Spark Thrift Server, which dbt's `spark_thrift`
# target connects to (dbt_project/profiles.yml). Needs `make install-spark` and Java.
#
#   scripts/spark-cluster.sh start DIR   returns once the Thrift Server accepts connections
#   scripts/spark-cluster.sh stop DIR    stops every process `start DIR` began, and waits for it
#
# Logs, pids, the Hive metastore (Derby) and the warehouse stay under DIR. Ports (env):
# P06_SPARK_PORT (Thrift, 10000), SPARK_MASTER_PORT (7077), SPARK_MASTER_WEBUI_PORT (8080),
# SPARK_WORKER_WEBUI_PORT (8081; the second worker takes the next port).
# Sizes (env): SPARK_WORKER_MEMORY per worker (1g), P06_SPARK_EXECUTOR_MEMORY (512m),
# P06_SPARK_DRIVER_MEMORY for the Thrift Server (1g). P06_SPARK_CATALOG: `hive` (default: tables
# kept in a Derby metastore under DIR across restarts) or `in-memory` (gone at stop; no metastore
# to create, which takes a minute or more on a busy machine: the tests).
set -euo pipefail

action=${1:?usage: spark-cluster.sh start|stop DIR}
dir=$(mkdir -p "${2:?usage: spark-cluster.sh start|stop DIR}" && cd "$2" && pwd)
python=${PYTHON:-$(dirname "$0")/../.venv/bin/python}

export SPARK_HOME=${SPARK_HOME:-$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')}
export SPARK_LOG_DIR=$dir/logs SPARK_PID_DIR=$dir/pids SPARK_WORKER_DIR=$dir/work
export SPARK_LOCAL_IP=127.0.0.1 SPARK_IDENT_STRING=p06
export SPARK_DAEMON_MEMORY=${SPARK_DAEMON_MEMORY:-256m}  # master and worker daemons themselves
master_port=${SPARK_MASTER_PORT:-7077}
thrift_port=${P06_SPARK_PORT:-10000}
worker_webui=${SPARK_WORKER_WEBUI_PORT:-8081}
daemon=$SPARK_HOME/sbin/spark-daemon.sh
THRIFT_SERVER=org.apache.spark.sql.hive.thriftserver.HiveThriftServer2

stop() {
    # the Thrift Server (the application) first, so workers end its executors; the master last
    for pidfile in "$SPARK_PID_DIR"/*HiveThriftServer2*.pid "$SPARK_PID_DIR"/*Worker*.pid \
                   "$SPARK_PID_DIR"/*Master*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

fail() {
    echo "spark-cluster: $1" >&2
    tail -n 30 "$SPARK_LOG_DIR"/*.out >&2 || true
    stop
    exit 1
}

case $action in
start)
    mkdir -p "$SPARK_LOG_DIR" "$SPARK_PID_DIR" "$SPARK_WORKER_DIR"
    "$daemon" start org.apache.spark.deploy.master.Master 1 --host 127.0.0.1 \
        --port "$master_port" --webui-port "${SPARK_MASTER_WEBUI_PORT:-8080}"
    for instance in 1 2; do
        "$daemon" start org.apache.spark.deploy.worker.Worker "$instance" --host 127.0.0.1 \
            --cores 1 --memory "${SPARK_WORKER_MEMORY:-1g}" \
            --webui-port $((worker_webui + instance - 1)) "spark://127.0.0.1:$master_port"
    done
    # spark-submit sizes a Thrift Server's driver by SPARK_DAEMON_MEMORY, not --driver-memory
    (cd "$dir" && SPARK_DAEMON_MEMORY=${P06_SPARK_DRIVER_MEMORY:-1g} \
        "$daemon" submit "$THRIFT_SERVER" 1 --name "p06 Thrift Server" \
        --master "spark://127.0.0.1:$master_port" \
        --driver-java-options "-Dderby.system.home=$dir" \
        --executor-memory "${P06_SPARK_EXECUTOR_MEMORY:-512m}" --executor-cores 1 \
        --total-executor-cores 2 \
        --conf spark.ui.enabled=false \
        --conf spark.sql.shuffle.partitions=4 \
        --conf spark.sql.session.timeZone=Asia/Ho_Chi_Minh \
        --conf spark.sql.warehouse.dir="$dir/warehouse" \
        --conf spark.sql.catalogImplementation="${P06_SPARK_CATALOG:-hive}" \
        --conf spark.hadoop.javax.jdo.option.ConnectionURL="jdbc:derby:;databaseName=$dir/metastore_db;create=true" \
        --hiveconf hive.server2.thrift.bind.host=127.0.0.1 \
        --hiveconf hive.server2.thrift.port="$thrift_port")
    # ready when the Thrift Server listens; give up after 3 minutes or when a daemon died
    for _ in $(seq 1800); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$thrift_port") 2>/dev/null; then
            echo "Spark Thrift Server on 127.0.0.1:$thrift_port (master spark://127.0.0.1:$master_port)"
            exit 0
        fi
        for pidfile in "$SPARK_PID_DIR"/*.pid; do
            kill -0 "$(cat "$pidfile")" 2>/dev/null || fail "$(basename "$pidfile" .pid) exited"
        done
        sleep 0.1
    done
    fail "the Thrift Server did not listen on 127.0.0.1:$thrift_port within 3 minutes"
    ;;
stop)
    stop
    ;;
*)
    echo "usage: spark-cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
