"""Detection engine: streaming onset, peak, hold/break and metrics.

One code path: :class:`Detector` is fed blocks live; :func:`analyze` runs the
same detector over a whole recording. :mod:`nkt_dyno.engine.synthetic` holds
the labelled synthetic corpus.
"""

from ._config import DetectorConfig
from ._detector import ENGINE_VERSION, Detector, analyze
from ._events import (
    Break,
    BreakWithdrawn,
    Complete,
    EffortResult,
    Event,
    Falling,
    Onset,
    Peak,
    Release,
    Retracted,
)

__all__ = [
    "ENGINE_VERSION",
    "Break",
    "BreakWithdrawn",
    "Complete",
    "Detector",
    "DetectorConfig",
    "EffortResult",
    "Event",
    "Falling",
    "Onset",
    "Peak",
    "Release",
    "Retracted",
    "analyze",
]
