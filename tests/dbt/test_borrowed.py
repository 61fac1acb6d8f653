"""What the in-process dbt runner borrows from dagster-dbt's and dbt's internals is still there:
an upgrade that moves one fails here, naming it, instead of in the middle of a refresh."""

import json
import subprocess
import sys

import pytest

from orchestration.transform import borrowed


@pytest.mark.parametrize("name", sorted(borrowed.BORROWED))
def test_each_borrowed_name_is_where_the_pinned_versions_keep_it(name):
    getattr(borrowed, name)


def test_a_name_that_moved_fails_naming_it_and_its_old_place(monkeypatch):
    monkeypatch.setitem(borrowed.BORROWED, "get_subset_selection_for_context", "dagster_dbt.gone")
    monkeypatch.delitem(vars(borrowed), "get_subset_selection_for_context", raising=False)

    with pytest.raises(ImportError, match=r"get_subset_selection_for_context is no longer in dagster_dbt\.gone"):
        from orchestration.transform.borrowed import get_subset_selection_for_context  # noqa: F401


FLAG_SOURCES = """
import json, sys
sys.path.insert(0, sys.argv[1])
from dbt_common.behavior_flags import BehaviorFlagRendered
import adapter_like
assert callable(vars(BehaviorFlagRendered)["_default_source"].__func__), "dbt-common no longer has _default_source"
before = adapter_like.flag_source()
from orchestration.transform.dbt_calls import _name_flag_sources_cheaply
_name_flag_sources_cheaply()
print(json.dumps([before, adapter_like.flag_source()]))
"""


def test_a_behavior_flag_names_its_module_as_dbt_common_did(tmp_path):
    """dbt_calls replaces dbt-common's `_default_source` (inspect.stack()) by a cheaper reading of
    the same frames: a flag's warning still names the module that defined it."""
    (tmp_path / "adapter_like.py").write_text(
        "from dbt_common.behavior_flags import BehaviorFlagRendered\n\n"
        "def flag_source():\n"
        "    flag = BehaviorFlagRendered({'name': 'a_flag', 'default': False, 'docs_url': 'https://x'}, {})\n"
        "    return flag._behavior_change_event.flag_source\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", FLAG_SOURCES, str(tmp_path)], capture_output=True, text=True, check=True
    ).stdout

    assert json.loads(out) == ["adapter_like", "adapter_like"]
