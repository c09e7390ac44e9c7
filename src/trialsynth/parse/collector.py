"""Pausing Python's cyclic garbage collector while a parse stage builds its records."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (``gc.disable``) for the ``with`` block.

    The parse stages build millions of small containers (element trees, decoded JSON pages)
    that hold no reference cycles, and keep their rows until the table is written; with the
    collector on, its passes over every live container took 60 % of ``parse pubmed``'s CPU
    time on 20,000 articles (docs/benchmarks.md) and 0.3 s of ``parse ctgov``'s 2.7 s on
    10,000 trials. Reference counting still frees every page and tree as soon as it is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
