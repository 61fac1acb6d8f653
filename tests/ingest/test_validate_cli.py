"""`p06 validate FILE...`: what a province officer sees before sending a file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.settings import REPO_ROOT

P06 = str(Path(sys.executable).parent / "p06")


def _validate(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([P06, "validate", *map(str, files)], capture_output=True, text=True, timeout=120)


def test_clean_file_exits_0():
    result = _validate(REPO_ROOT / "raw" / "real" / "tphcm_2023.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("1 file(s) checked, 0 rejection(s)")


def test_every_rejection_is_printed_with_file_row_column_and_expectation_and_exits_2(tmp_path):
    bad = tmp_path / "bao_cao.csv"
    bad.write_text("ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri\n52,2024,VNEID_ISSUED,1.224\n52,Quý 5/2024,VNEID_ISSUED,1\n",
                   encoding="utf-8")
    before = bad.read_bytes()

    result = _validate(bad, REPO_ROOT / "raw" / "real" / "tphcm_2023.json")

    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{bad}, row 3, column ky_bao_cao: value 'Quý 5/2024' — period_invalid: expected")
    assert lines[-1] == "2 file(s) checked, 1 rejection(s)"
    assert bad.read_bytes() == before
