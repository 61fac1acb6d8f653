"""Running a suite file with Great Expectations on a pandas frame, quietly and offline.

GX validates pandas frames read from DuckDB rather than DuckDB through SQLAlchemy, where GX 1.x
returns wrong results (great_expectations issues 10738, 11579).
"""

from __future__ import annotations

import copy
import importlib.util
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

import pandas as pd

from orchestration.quality.rules import SuiteFileError

if TYPE_CHECKING:
    import great_expectations as gx


@cache
def load_great_expectations() -> ModuleType:
    """GX, imported on first use: 2 to 3 s (bench/README.md) that processes which never validate
    (the webserver, the daemon, sensors, `p06 validate`) do not pay."""
    # before GX is imported: no registry chatter in the run's logs
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    # GX imports pyspark whenever it is installed (the `.[spark]` extra of the tests: seconds
    # more per refresh); p06 validates pandas frames only, so GX sees none unless already loaded
    hide_pyspark = "pyspark" not in sys.modules
    if hide_pyspark:
        sys.modules["pyspark"] = None  # `import pyspark` raises ImportError
    try:
        _import_on_first_use("scipy.stats")
        _stand_in_until_used("altair")
        import great_expectations as gx
        import great_expectations.data_context.types.base
    finally:
        if hide_pyspark:
            del sys.modules["pyspark"]

    # this module sets its own logger to INFO on import, to announce a temporary docs directory
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    return gx


def _import_on_first_use(name: str) -> None:
    """Register module `name` so that it runs on first attribute access (importlib's LazyLoader).

    GX imports scipy.stats (~1 s) for distribution expectations p06 does not use; if one ever
    runs, the module is loaded then."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    # as the import system does for a submodule; `from scipy import stats` then finds it without
    # importing it again (which would touch the module's __spec__, and so load it, in Python 3.11)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


class _StandIn(ModuleType):
    """A top-level module's place in sys.modules until an attribute other than its spec is read."""

    def __getattr__(self, attribute: str):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, attribute)


def _stand_in_until_used(name: str) -> None:
    """GX imports altair (~0.4 s) with `import altair as alt`, for the charts of distribution
    expectations p06 does not use. That statement reads the module's __spec__, which loads a
    LazyLoader module, so a stand-in that has its spec takes its place until it is used."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = _StandIn(name)
    stand_in.__spec__ = spec
    sys.modules[name] = stand_in


INDEX_COLUMN = "check_row"
RESULT_FORMAT = {"result_format": "COMPLETE"}


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict and the check rows that broke it."""

    rule: str
    severity: str
    detail_template: str
    kwargs: dict
    success: bool
    offending_rows: list[int]


@cache
def batch_definition():
    """One GX context per process, reused by every validation."""
    gx = load_great_expectations()
    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("p06_quality").add_dataframe_asset("check_table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


def build_suite(suite_file: dict) -> gx.ExpectationSuite:
    try:
        suite = load_great_expectations().ExpectationSuite(**copy.deepcopy(suite_file))  # GX writes into meta
    except ValueError as error:
        raise SuiteFileError(f"suite {suite_file['name']}: GX rejected an expectation: {error}") from error
    if len(suite.expectations) != len(suite_file["expectations"]):
        # GX logs and drops some invalid expectations; a dropped rule must never pass silently.
        raise SuiteFileError(f"suite {suite_file['name']}: GX rejected an expectation, see its log")
    return suite


_VALIDATING = threading.Lock()


@contextmanager
def _configurations_built_once() -> Iterator[None]:
    """While p06 validates, each GX expectation object builds its configuration once.

    GX 1.x rebuilds it (a pydantic dict, a regex over the class name) every time validation asks,
    ~170 times per expectation: a third of Batch.validate (bench/README.md, issue 20 session 7).
    GX does not change an expectation while validating it. The memo holds each object, so its
    id is not reused before the memo is dropped; the lock keeps the patch to one validation."""
    expectation = load_great_expectations().expectations.expectation.Expectation
    build = expectation.configuration
    built: dict[int, tuple] = {}

    def configuration(self):
        if id(self) not in built:
            built[id(self)] = (self, build.fget(self))
        return built[id(self)][1]

    with _VALIDATING:
        expectation.configuration = property(configuration)
        try:
            yield
        finally:
            expectation.configuration = build


def _exception_messages(exception_info: dict) -> list[str]:
    """GX reports an exception either directly or keyed by the metric that raised it."""
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    return [info["exception_message"] for info in infos if info.get("raised_exception")]


def validate(frame: pd.DataFrame, suite_file: dict) -> list[ExpectationOutcome]:
    """Validate the frame (which has a check_row column) against the suite.

    check_row becomes the frame's unnamed index, which GX reports as is for unexpected rows;
    naming it in ``unexpected_index_column_names`` instead makes GX look up every unexpected
    row one cell at a time (a second per 10,000 findings).
    """
    frame = frame.set_index(INDEX_COLUMN)
    frame.index.name = None
    batch = batch_definition().get_batch(batch_parameters={"dataframe": frame})
    suite = build_suite(suite_file)
    with _configurations_built_once():
        validation = batch.validate(suite, result_format=RESULT_FORMAT)
    outcomes = []
    for result in validation.results:
        config = result.expectation_config
        errors = _exception_messages(result.exception_info)
        if errors:
            raise RuntimeError(f"suite {suite_file['name']}, rule {config.meta['rule']}: {errors[0]}")
        outcomes.append(
            ExpectationOutcome(
                rule=config.meta["rule"],
                severity=config.meta["severity"],
                detail_template=config.meta["detail"],
                kwargs=dict(config.kwargs),
                success=bool(result.success),
                offending_rows=[int(row) for row in result.result.get("unexpected_index_list", [])],
            )
        )
    return outcomes
