"""Logging set-up for the command line: quiet, one line per message, to stderr."""

from __future__ import annotations

import logging
import os
import sys


def configure_logging(verbosity: int = 0) -> None:
    """Configure the root logger.

    ``verbosity`` 0 logs INFO, 1 or more logs DEBUG, a negative value only WARNING and above.
    ``TRIALSYNTH_LOG_LEVEL`` overrides it (for CI, e.g. ``WARNING``).
    """
    level = logging.INFO if verbosity == 0 else logging.DEBUG if verbosity > 0 else logging.WARNING
    env_level = os.environ.get("TRIALSYNTH_LOG_LEVEL")
    if env_level:
        level = logging.getLevelName(env_level.upper())
        if not isinstance(level, int):
            level = logging.INFO
    logging.basicConfig(
        level=level,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


def show_progress() -> bool:
    """True when a progress bar should be drawn: stderr is a terminal and not in CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")
