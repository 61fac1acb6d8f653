#!/usr/bin/env bash
# `make dev`: the Dagster UI and the daemon (schedule, sensors, run queue) in one process tree.
#   scripts/dev.sh [PORT]    (default 3000, on 127.0.0.1)
# DAGSTER_HOME defaults to warehouse/dagster_home and gets the project's orchestration/dagster.yaml
# (telemetry off, one run at a time) unless it already has one.
set -euo pipefail
cd "$(dirname "$0")/.."

export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/warehouse/dagster_home}"
mkdir -p "$DAGSTER_HOME"
[ -f "$DAGSTER_HOME/dagster.yaml" ] || cp orchestration/dagster.yaml "$DAGSTER_HOME/dagster.yaml"

# `dg dev` (dagster-dg-cli) is what `dagster dev` now defers to; workspace.yaml names the code location.
exec .venv/bin/dg dev -w workspace.yaml -h 127.0.0.1 -p "${1:-3000}"
