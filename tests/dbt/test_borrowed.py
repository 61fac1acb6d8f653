"""What the in-process dbt runner borrows from dagster-dbt's and dbt's internals is still there:
an upgrade that moves one fails here, naming it, instead of in the middle of a refresh."""

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
