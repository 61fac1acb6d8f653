"""The sensor path, file dropped -> published marts, under a real `make dev`; prints one JSON object.

    python bench/sensor_path.py [--files 300] [--pairs 2] [--before DIR] [--out FILE]

A history of `--files` mixed submissions (generate.py) is refreshed once with `p06 refresh`;
then, `--pairs` times, one dev server per launcher in turn (A, B, A, B): `spawned` (Dagster's
default launcher: the code server spawns the run) and `warm` (orchestration/dagster.yaml: the
warm run worker). With `--before DIR` (a checkout of other code, e.g. `git archive main`, with a
`.venv` link to this one's and dbt_project/target/manifest.json), both are `warm`: `before` runs
DIR's scripts/dev.sh with DIR first on PYTHONPATH, `after` this tree's (first on PYTHONPATH too:
a copy of a worktree measures the copy, not the venv's editable install). Each server gets a
DAGSTER_HOME of its own, waits until the worker is warm (idle for `spawned`), its spare is ready
(`warm` only: the spare has imported the code location, opened the instance and parsed dbt, and says
so in run_worker.log) and the inbox sensor has looked at the raw dir once, then one new file is dropped.
Per drop: seconds from the drop to the run created (sensor), to its start (launch and process
start), to its success (the steps), to its value in p06.duckdb and to last_refresh.json naming
the run; each step's seconds (STEP_START -> STEP_SUCCESS), the seconds between steps and the events
each step wrote; the worker's start-up (dev server
started -> worker warm, -> spare ready); the load average at the drop.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "operations"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402
from operations_support import free_port, start_process_group, stop_process_group, wait_until  # noqa: E402

P06 = str(Path(sys.executable).parent / "p06")
LAUNCHERS = ("spawned", "warm")
WAIT_SECONDS = 900


def dagster_yaml(launcher: str, tree: Path = REPO) -> str:
    """`tree`'s dagster.yaml; `spawned` leaves its run_launcher out (Dagster's default)."""
    text = (tree / "orchestration" / "dagster.yaml").read_text()
    if launcher == "warm":
        return text
    return text.split("\n# Runs start in the warm run worker")[0] + "\n"


def environment(raw: Path, warehouse: Path, home: Path) -> dict[str, str]:
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("P06_")}
    return {**inherited, "P06_RAW_DIR": str(raw), "P06_WAREHOUSE_DIR": str(warehouse), "DAGSTER_HOME": str(home)}


def published_value(db: Path, period: str) -> float | None:
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute(
                "select value from marts.fct_indicator_value where province_code = '01' and period = ? "
                "and indicator_code = 'VNEID_ISSUED'",
                [period],
            ).fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def sensor_looked(home: Path) -> bool:
    from dagster import DagsterInstance
    from dagster._core.scheduler.instigation import TickStatus

    with DagsterInstance.from_config(str(home)) as instance:
        states = [s for s in instance.all_instigator_state() if s.name == "raw_inbox_sensor"]
        if not states:
            return False
        ticks = instance.get_ticks(states[0].instigator_origin_id, states[0].selector_id, limit=1)
        return bool(ticks) and ticks[0].status == TickStatus.SKIPPED


def run_timings(home: Path, run_id: str, dropped: float) -> dict:
    from dagster import DagsterEventType, DagsterInstance

    marks = {
        DagsterEventType.RUN_ENQUEUED: "run_created",
        DagsterEventType.RUN_START: "run_started",
        DagsterEventType.RUN_SUCCESS: "run_succeeded",
    }
    # Where the seconds before the first step go (seconds after the drop).
    phases = {
        DagsterEventType.RUN_ENQUEUED: "enqueued",
        DagsterEventType.RUN_DEQUEUED: "dequeued",
        DagsterEventType.RUN_STARTING: "starting",
        DagsterEventType.RUN_START: "started",
        DagsterEventType.STEP_START: "first_step",
    }
    with DagsterInstance.from_config(str(home)) as instance:
        logs = instance.all_logs(run_id)
        record = instance.get_run_record_by_id(run_id)
        tags = record.dagster_run.tags
        tick = _requesting_tick(instance, run_id)
    timings = {
        marks[e.dagster_event.event_type]: round(e.timestamp - dropped, 2)
        for e in logs
        if e.is_dagster_event and e.dagster_event.event_type in marks
    }
    before_steps = {"tick": round(tick.timestamp - dropped, 2) if tick else None}
    before_steps["tick_done"] = round(tick.end_timestamp - dropped, 2) if tick and tick.end_timestamp else None
    before_steps["run_record"] = round(record.create_timestamp.timestamp() - dropped, 2)
    for entry in logs:
        name = phases.get(entry.dagster_event.event_type) if entry.is_dagster_event else None
        if name and name not in before_steps:
            before_steps[name] = round(entry.timestamp - dropped, 2)
    steps = [
        e
        for e in logs
        if e.is_dagster_event
        and e.dagster_event.event_type in (DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS)
    ]
    started = {e.step_key: e.timestamp for e in steps if e.dagster_event.event_type == DagsterEventType.STEP_START}
    step_seconds = {
        e.step_key: round(e.timestamp - started[e.step_key], 2)
        for e in steps
        if e.dagster_event.event_type == DagsterEventType.STEP_SUCCESS
    }
    return {
        **timings,
        "before_steps": before_steps,
        "events": len(logs),
        "steps": step_seconds,
        **per_step_costs(logs),
        "run_worker": tags.get("p06/run_worker", "spawned"),
    }


def per_step_costs(logs: list) -> dict:
    """What the run pays around its steps: seconds from a step's success to the next step's start
    (each, and their sum from the first step to the last), and the events each step wrote."""
    gaps, events, step, ended = {}, {}, None, None
    for entry in sorted(logs, key=lambda e: e.timestamp):
        kind = entry.dagster_event.event_type_value if entry.is_dagster_event else None
        if kind == "STEP_START":
            step = entry.step_key
            if ended is not None:
                gaps[step] = round(entry.timestamp - ended, 3)
        if step is not None and entry.step_key == step:
            events[step] = events.get(step, 0) + 1
        if kind == "STEP_SUCCESS":
            ended = entry.timestamp
    return {"between_steps": gaps, "between_steps_total": round(sum(gaps.values()), 2), "events_per_step": events}


def _requesting_tick(instance, run_id: str):  # noqa: ANN001, ANN202
    states = [s for s in instance.all_instigator_state() if s.name == "raw_inbox_sensor"]
    for tick in instance.get_ticks(states[0].instigator_origin_id, states[0].selector_id, limit=50) if states else []:
        if run_id in tick.run_ids:
            return tick
    return None


def summary_after(warehouse: Path, previous_run: str) -> dict | None:
    """last_refresh.json once a run other than `previous_run` wrote it."""
    try:
        summary = json.loads((warehouse / "last_refresh.json").read_text())
    except (OSError, ValueError):
        return None
    return summary if summary["run_id"] != previous_run else None


def one_drop(launcher: str, raw: Path, warehouse: Path, work: Path, drop: int, tree: Path = REPO) -> dict:
    """One dev server of `tree`'s code (its scripts/dev.sh, `tree` first on PYTHONPATH), one drop."""
    previous_run = json.loads((warehouse / "last_refresh.json").read_text())["run_id"]
    home = work / f"dagster_home_{launcher}_{drop}"
    home.mkdir()
    (home / "dagster.yaml").write_text(dagster_yaml("spawned" if launcher == "spawned" else "warm", tree))
    log = work / f"dev_{launcher}_{drop}.log"
    env = {**environment(raw, warehouse, home), "PYTHONPATH": str(tree)}  # not the venv's editable install
    server_started = time.time()
    with log.open("w") as output:
        server = start_process_group(
            ["bash", str(tree / "scripts" / "dev.sh"), str(free_port())],
            cwd=tree,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        worker_log = home / "run_worker.log"  # started by dev.sh either way: idle for `spawned`
        wait_until(lambda: worker_log.exists() and "warm" in worker_log.read_text(), WAIT_SECONDS, "the worker")
        worker_ready = round(time.time() - server_started, 1)
        if launcher != "spawned":  # the run takes the spare: drop once it waits for one
            wait_until(lambda: "spare ready" in worker_log.read_text(), WAIT_SECONDS, "the worker's spare")
        spare_ready = round(time.time() - server_started, 1)
        wait_until(lambda: sensor_looked(home), WAIT_SECONDS, "the inbox sensor's first look")
        # a value beside the history's (a jump would be held back by a quality rule)
        period, value = "2025-Q3", 1_165_776 + drop
        load = os.getloadavg()[0]
        dropped = time.time()
        (raw / f"drop_{drop:03d}.csv").write_text(
            f"ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n01,{period},VNEID_ISSUED,{value}\n"
        )
        wait_until(lambda: published_value(warehouse / "p06.duckdb", period) == value, WAIT_SECONDS, "the marts")
        in_marts = round(time.time() - dropped, 2)

        summary = wait_until(lambda: summary_after(warehouse, previous_run), WAIT_SECONDS, "last_refresh.json")
        reported = round(time.time() - dropped, 2)
        return {
            "launcher": launcher,
            "load_average_1min": round(load, 2),
            "worker_ready": worker_ready,
            "spare_ready": spare_ready,
            **run_timings(home, summary["run_id"], dropped),
            "in_marts": in_marts,
            "last_refresh_json": reported,
            "status": summary["status"],
        }
    finally:
        stop_process_group(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--before", type=Path, help="a checkout to compare this tree with (both warm)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    launchers = ("before", "after") if args.before else LAUNCHERS
    trees = {"before": args.before.resolve() if args.before else REPO}
    work = Path(tempfile.mkdtemp(prefix="p06-sensor-path-"))
    raw, warehouse = work / "raw", work / "warehouse"
    try:
        generate(raw, files=args.files, values=22)
        env = {**environment(raw, warehouse, warehouse / "dagster_home"), "PYTHONPATH": str(REPO)}
        subprocess.run([P06, "refresh"], env=env, check=True, stdout=subprocess.DEVNULL)
        drops = []
        for drop in range(args.pairs * len(launchers)):
            launcher = launchers[drop % len(launchers)]
            drops.append(one_drop(launcher, raw, warehouse, work, drop, trees.get(launcher, REPO)))
            print(json.dumps(drops[-1]), file=sys.stderr, flush=True)
        result = {"files": args.files, "drops": drops}
        text = json.dumps(result, indent=2)
        print(text)
        if args.out:
            args.out.write_text(text + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
