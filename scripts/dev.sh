#!/usr/bin/env bash
# `make dev`: the Dagster UI and the daemon (schedule, sensors, run queue) in one process tree,
# with the warm run worker that starts the daemon's runs (orchestration/operations/run_worker.py).
#   scripts/dev.sh [PORT]    (default 3000, on 127.0.0.1)
# DAGSTER_HOME defaults to warehouse/dagster_home and gets the project's orchestration/dagster.yaml
# (telemetry off, one run at a time, the warm run launcher) unless it already has one.
set -euo pipefail
cd "$(dirname "$0")/.."

export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/warehouse/dagster_home}"
mkdir -p "$DAGSTER_HOME"
[ -f "$DAGSTER_HOME/dagster.yaml" ] || cp orchestration/dagster.yaml "$DAGSTER_HOME/dagster.yaml"

# Its parent is this shell, then (after exec) `dg dev`: it ends when `dg dev` does.
.venv/bin/python -m orchestration.operations.run_worker >>"$DAGSTER_HOME/run_worker.log" 2>&1 &

# `dg dev` (dagster-dg-cli) is what `dagster dev` now defers to; workspace.yaml names the code location.
exec .venv/bin/dg dev -w workspace.yaml -h 127.0.0.1 -p "${1:-3000}"
