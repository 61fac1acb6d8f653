"""Python's cyclic garbage collector in a refresh's process: the imports' objects left out of its scans.

A refresh process imports Dagster, dbt, pandas and Great Expectations: ~3,000 modules whose
millions of objects live until the process ends. While they are imported the collector scans
the whole heap again each time it grew by a quarter (six full collections that find almost
nothing), and during the run every full collection scans them once more: ~2.5 CPU s of a cold
one-new-file refresh, ~1.5 of a warm one (bench/README.md, issue 20 session 12).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Objects allocated (less those freed) before the youngest generation is scanned; Python's is 700.
# Most of a run's objects are freed by their reference count before a scan this far apart.
YOUNG_THRESHOLD = 7000


@contextmanager
def imports_left_unscanned() -> Iterator[None]:
    """Within, no collection; at the end (also on error) every object alive is moved to the
    collector's permanent generation (`gc.freeze`: never scanned, never freed; the process ends
    with the run) and collections resume, with the youngest generation scanned less often."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        _, middle, oldest = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
        gc.enable()
