"""`p06 validate FILE|DIR...`: what a province officer sees before sending files.

Every rule the files alone can decide is applied (row rules, pair rules within one province and
period), and each finding is printed as the refresh records it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.operations.validate import SCRATCH_DIR
from orchestration.settings import REPO_ROOT

P06 = str(Path(sys.executable).parent / "p06")
HEADER = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri,ngay_bao_cao\n"
# activated > issued (error: both held back), a percent of 150 (error), CCCD issued > eligible (warn)
SOC_TRANG = (
    HEADER
    + """94,2024-Q4,VNEID_ISSUED,852400,2025-01-10
94,2024-Q4,VNEID_ACTIVATED,871900,2025-01-10
94,2024-Q4,DIGITIZATION_RATE,150,2025-01-10
94,2024-Q4,CCCD_ELIGIBLE,900000,2025-01-10
94,2024-Q4,CCCD_ISSUED,910000,2025-01-10
"""
)
# sent first with activated > issued, then corrected: the correction wins, nothing to report
HA_NOI_FIRST = HEADER + "01,2024-Q1,VNEID_ISSUED,1000,2024-04-10\n01,2024-Q1,VNEID_ACTIVATED,1200,2024-04-10\n"
HA_NOI_CORRECTION = HEADER + "01,2024-Q1,VNEID_ACTIVATED,900,2024-04-20\n"


def _validate(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([P06, "validate", *map(str, paths)], capture_output=True, text=True, timeout=300)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """A folder as a province officer keeps it: submissions in subfolders and a README."""
    folder = tmp_path_factory.mktemp("inbox")
    _write(folder / "2024-Q4" / "soc_trang.csv", SOC_TRANG)
    _write(folder / "ha_noi" / "2024-Q1.csv", HA_NOI_FIRST)
    _write(folder / "ha_noi" / "2024-Q1_dinh_chinh.csv", HA_NOI_CORRECTION)
    _write(folder / "README.md", "# gửi trước ngày 15\n")
    return folder


@pytest.fixture(scope="module")
def folder_validated(inbox) -> subprocess.CompletedProcess:
    return _validate(inbox)


def test_values_the_refresh_would_hold_back_are_printed_with_rule_level_file_and_row(inbox, folder_validated):
    soc_trang = inbox / "2024-Q4" / "soc_trang.csv"
    lines = folder_validated.stdout.splitlines()

    assert folder_validated.returncode == 2, folder_validated.stdout + folder_validated.stderr
    assert (
        f"{soc_trang}, row 2, 94 2024-Q4 VNEID_ISSUED — vneid_activated_le_issued (error, held back): "
        "VNEID_ACTIVATED 871,900 exceeds VNEID_ISSUED 852,400" in lines
    )
    assert (
        f"{soc_trang}, row 3, 94 2024-Q4 VNEID_ACTIVATED — vneid_activated_le_issued (error, held back): "
        "VNEID_ACTIVATED 871,900 exceeds VNEID_ISSUED 852,400" in lines
    )
    assert (
        f"{soc_trang}, row 4, 94 2024-Q4 DIGITIZATION_RATE — percent_within_0_100 (error, held back): "
        "DIGITIZATION_RATE is a percent but the value 150 is outside 0-100" in lines
    )


def test_a_warning_is_printed_as_published(folder_validated):
    warnings = [line for line in folder_validated.stdout.splitlines() if "cccd_issued_le_eligible" in line]
    assert [line.split(" — ")[1].split(":")[0] for line in warnings] == [
        "cccd_issued_le_eligible (warn, published with a warning)"
    ] * 2


def test_a_folder_is_read_recursively_like_the_raw_dir_and_the_latest_version_wins(folder_validated):
    lines = folder_validated.stdout.splitlines()
    assert not [line for line in lines if "ha_noi" in line or "README" in line]
    assert lines[-1] == "3 files checked: 0 rejections, 5 rule findings, 3 values held back"


def test_a_file_with_nothing_to_report_exits_0():
    result = _validate(REPO_ROOT / "raw" / "real" / "tphcm_2023.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["1 file checked: 0 rejections, 0 rule findings, 0 values held back"]


def test_warnings_alone_exit_0_and_the_same_file_checked_again_says_the_same(tmp_path):
    warn_only = _write(
        tmp_path / "cccd.csv", HEADER + "94,2024-Q4,CCCD_ELIGIBLE,900000,\n94,2024-Q4,CCCD_ISSUED,910000,\n"
    )
    result = _validate(warn_only)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "1 file checked: 0 rejections, 2 rule findings, 0 values held back"

    assert _validate(warn_only).stdout == result.stdout
    assert not (SCRATCH_DIR / "work.duckdb").exists()  # the figures are not left in the temp dir


def test_a_file_that_is_not_a_submission_gets_one_clear_line_and_exits_2(tmp_path):
    readme = _write(tmp_path / "README.md", "# hướng dẫn\n")
    result = _validate(readme)
    assert result.returncode == 2
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"{readme}: not a submission file (p06 reads .csv, .json, .xlsx files); not checked",
        "0 files checked: 0 rejections, 0 rule findings, 0 values held back",
    ]


def test_every_rejection_is_printed_with_file_row_column_and_expectation_and_exits_2(tmp_path):
    bad = _write(
        tmp_path / "bao_cao.csv",
        "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n52,2024,VNEID_ISSUED,1.224\n52,Quý 5/2024,VNEID_ISSUED,1\n",
    )
    before = bad.read_bytes()

    result = _validate(bad, REPO_ROOT / "raw" / "real" / "tphcm_2023.json")

    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{bad}, row 3, column ky_bao_cao: value 'Quý 5/2024' — period_invalid: expected")
    assert lines[-1] == "2 files checked: 1 rejection, 0 rule findings, 0 values held back"
    assert bad.read_bytes() == before
