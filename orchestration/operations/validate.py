"""`p06 validate`: what a refresh would record for some files, without touching any warehouse.

The files are ingested into a scratch work database and dbt builds the candidate values there
as a refresh does (the latest version of a value wins, commune rows add up to their province).
Then every rule the files alone can decide runs as the quarantine runs it: the suites of the
row-local check tables (one value; the values of one province and period). Rules that need
history, other provinces or the calendar are the refresh's.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from orchestration.ingest.listing import SUFFIXES, escape_name, list_submissions
from orchestration.ingest.pipeline import ingest_files
from orchestration.ingest.records import Rejection, format_rejection
from orchestration.ingest.schema import values_beside
from orchestration.operations.lock import warehouse_lock
from orchestration.quality.check_tables import ROW_LOCAL_TABLES
from orchestration.quality.evaluate import CANDIDATES, evaluate
from orchestration.quality.findings import empty_findings, values_held_back
from orchestration.settings import REPO_ROOT, today_in_vietnam
from orchestration.warehouse.work_db import connect_work_db
from orchestration.wording import count

# One scratch dir per user and checkout, kept between runs: dbt's partial-parse cache there
# stays valid (same database path, same project), which saves most of dbt's start.
SCRATCH_DIR = Path(tempfile.gettempdir()) / (
    f"p06-validate-{os.getuid()}-{hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]}"
)
CANDIDATE_MODEL = CANDIDATES.rsplit(".", 1)[-1]
FORMATS = ", ".join(sorted(SUFFIXES))


@dataclass
class Validation:
    files_checked: int
    not_checked: list[str]  # one line per path given that is no submission file
    rejections: list[Rejection]
    findings: pd.DataFrame  # as quality.findings: rule, severity, origin, detail, quarantined

    @property
    def values_held_back(self) -> int:
        return values_held_back(self.findings)

    @property
    def refused(self) -> bool:
        """Something the refresh would reject or hold back, or a file it would not read."""
        return bool(self.not_checked or self.rejections or self.values_held_back)


def submissions_named(paths: list[Path]) -> tuple[dict[str, Path], list[Rejection], list[str]]:
    """The files to check by the name they are reported under (a folder: its submission files,
    found as in the raw dir), what a folder's listing refuses to read (links out of it, loops),
    and a line for each path that is not a submission file."""
    files: dict[str, Path] = {}
    rejected: list[Rejection] = []
    not_checked = []
    for path in paths:
        if path.is_dir():
            # named as typed: `p06 validate .` reports `sub/x.csv`, as a refresh of that raw dir would
            listing = list_submissions(path)
            root = path.resolve()
            files.update({escape_name(str(path / found.relative_to(root))): found for found in listing.files})
            rejected += [replace(r, source_file=escape_name(str(path / r.source_file))) for r in listing.rejected]
        elif path.suffix.lower() in SUFFIXES:
            files[escape_name(str(path))] = path  # also when missing: ingest rejects it as unreadable
        elif not path.exists():
            not_checked.append(f"{path}: no such file or folder")
        else:
            not_checked.append(f"{path}: not a submission file (p06 reads {FORMATS} files); not checked")
    return files, rejected, not_checked


def validate_paths(paths: list[Path]) -> Validation:
    files, rejected, not_checked = submissions_named(paths)
    SCRATCH_DIR.mkdir(parents=True, exist_ok=True)
    # one validation at a time per scratch dir (another `p06 validate` waits)
    with warehouse_lock(SCRATCH_DIR / "validate.lock", timeout_seconds=600):
        work_db = SCRATCH_DIR / "work.duckdb"
        _remove(work_db)  # left by a validation that was killed: its hashes would hide these files
        try:
            with connect_work_db(work_db) as con:
                rejections = ingest_files(con, files, rejected=tuple(rejected))
                has_values = con.execute("select count(*) from raw.indicator_values").fetchone()[0] > 0
            findings = _rule_findings(work_db) if has_values else empty_findings()
        finally:  # the submissions' figures are not left behind in the temp dir
            _remove(work_db)
    return Validation(len(files) + len(rejected), not_checked, rejections, findings)


def _remove(database: Path) -> None:
    for path in (database, database.with_name(f"{database.name}.wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(values_beside(database), ignore_errors=True)


def _rule_findings(work_db: Path) -> pd.DataFrame:
    _build_candidates(work_db)
    with connect_work_db(work_db) as con:
        results = evaluate(con, source=CANDIDATES, check_tables=ROW_LOCAL_TABLES)
    frames = [result.findings for result in results if result.n_findings]
    if not frames:
        return empty_findings()
    findings = pd.concat(frames, ignore_index=True)
    return findings.sort_values(["source_file", "sheet", "source_row", "rule"], na_position="first", kind="stable")


def _build_candidates(work_db: Path) -> None:
    """dbt's models up to the candidate values, in the scratch database (seeds included)."""
    from orchestration.transform.dbt_calls import (
        WITHOUT_UNIT_TESTS,
        failure_summary,
        invoke,
        parse_in_scratch,
        scratch_target_args,
    )

    target = SCRATCH_DIR / "dbt_target"
    dbt_vars = {"run_date": today_in_vietnam().isoformat(), "work_db": str(work_db)}
    result = invoke(
        [
            "build",
            "--select",
            f"+{CANDIDATE_MODEL}",
            "--exclude-resource-type",
            "test",
            *WITHOUT_UNIT_TESTS,
            *scratch_target_args(str(target), dbt_vars),
            "--quiet",
            "--no-use-colors",
        ],
        manifest=parse_in_scratch(target, dbt_vars),
    )
    if not result.success:
        raise RuntimeError(f"dbt could not build the candidate values: {failure_summary(result)}")


def format_finding(finding: dict) -> str:
    """A rule finding as the refresh records it: where, the rule, its level, and whether the
    value would be held back from the published marts."""
    where = [str(finding["source_file"])]
    if not pd.isna(finding["sheet"]):
        where.append(f"sheet {finding['sheet']}")
    if not pd.isna(finding["source_row"]):
        where.append(f"row {int(finding['source_row'])}")
    where.append(f"{finding['province_code']} {finding['period']} {finding['indicator_code']}")
    outcome = "held back" if finding["quarantined"] else "published with a warning"
    return f"{', '.join(where)} — {finding['rule']} ({finding['severity']}, {outcome}): {finding['detail']}"


def format_validation(validation: Validation) -> str:
    lines = [*validation.not_checked, *map(format_rejection, validation.rejections)]
    lines += [format_finding(finding) for finding in validation.findings.to_dict("records")]
    lines.append(
        f"{count(validation.files_checked, 'file')} checked: "
        f"{count(len(validation.rejections), 'rejection')}, "
        f"{count(len(validation.findings), 'rule finding')}, "
        f"{count(validation.values_held_back, 'value')} held back"
    )
    return "\n".join(lines)
