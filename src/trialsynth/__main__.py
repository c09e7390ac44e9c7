"""Allow ``python -m trialsynth``."""

from trialsynth.cli import main

raise SystemExit(main())
