"""dbt's parse made before the run needs it: by the warm worker's spare (operations/run_worker.py),
once it has imported the code location and while no run holds the warehouse.

A run's parse that finds nothing changed still costs 1.2 s idle (3.5 s at load 8) on the way of a new
file to the marts. The spare parses as the next run of its code location will (same warehouse,
target and vars), and the run takes that Manifest when nothing the parse read changed since
(runner._parse); otherwise it parses as it always did.
"""

from __future__ import annotations

import sys

# The warehouse lock's holder is a refresh (the previous run, `p06 refresh`): the spare then leaves
# the parse to its run rather than write the same dbt target beside it. The lock is not kept for the
# parse: the inbox sensor skips its tick while the lock is held. A refresh started by hand during the
# parse may read dbt's cache mid-write; dbt then parses in full (it reads a bad cache as none).
_NO_WAIT = 0


def parse_before_the_run() -> None:
    """Never raises: whatever fails here, the run parses itself and says why if it fails too.
    Not for Spark: its target is parsed where the run starts its session."""
    try:
        from orchestration.definitions import defs
        from orchestration.operations.lock import WarehouseBusy, warehouse_lock
        from orchestration.resources import dbt_vars_for
        from orchestration.warehouse.engines import engine_for

        # the values the run will read (its settings are EnvVars, read when a run starts)
        settings, dbt = (defs.resources[name].process_config_and_initialize() for name in ("settings", "dbt"))
        engine = engine_for(settings.warehouse_url, settings.warehouse_engine)
        if engine.dbt_target.startswith("spark"):
            return
        paths = settings.paths
        if not paths.warehouse_dir.is_dir():  # no refresh yet: its first run makes it
            return
        try:
            with warehouse_lock(paths.lock_file, _NO_WAIT):
                pass
        except WarehouseBusy:
            return
        dbt.parse_ahead(
            target_path=paths.dbt_target_dir,
            dbt_target=engine.dbt_target,
            dbt_vars=dbt_vars_for(paths, engine),
        )
    except Exception as exc:  # noqa: BLE001 (the run parses as usual)
        print(f"run worker: dbt's parse ahead failed, the run parses itself: {exc}", file=sys.stderr, flush=True)
