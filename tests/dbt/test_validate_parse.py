"""`p06 validate`'s candidate build parses the project as a refresh does: a check on another day
starts from the last one's parse (or the project's own), not from nothing."""

from datetime import date
from pathlib import Path

from orchestration.operations import validate

CSV = "ma_tinh,ky_bao_cao,ma_chi_tieu,gia_tri,ngay_bao_cao\n94,2024-Q4,VNEID_ACTIVATED,150,2025-01-10\n"


def test_a_validation_on_another_day_does_not_parse_the_whole_project_again(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "SCRATCH_DIR", tmp_path / "scratch")
    submission = tmp_path / "soc_trang.csv"
    submission.write_text(CSV, encoding="utf-8")
    outcomes = []
    for day in (date(2025, 1, 15), date(2025, 1, 16)):
        monkeypatch.setattr(validate, "today_in_vietnam", lambda day=day: day)
        outcomes.append(validate.validate_paths([submission]))

    log = Path(tmp_path / "scratch" / "dbt_target" / "dbt.log").read_text()
    assert log.count("Partial parsing enabled, no changes found") == 2  # the seed, then its own cache
    assert "Unable to do partial parsing" not in log
    assert "Starting full parse" not in log
    first, second = (outcome.findings.to_dict("records") for outcome in outcomes)
    assert first == second and outcomes[0].files_checked == outcomes[1].files_checked == 1
