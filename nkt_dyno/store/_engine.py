"""The one place the store reaches the analysis engine, imported only when used.

The store must open, list and export without the engine (and without its
numpy/scipy start-up cost); only analysing needs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from nkt_dyno.store._errors import StoreError
from nkt_dyno.store._models import NewAnalysis


class EngineResult(Protocol):
    """What the engine returns per effort: ``EffortResult`` (DESIGN §2 keys)."""

    def to_dict(self) -> dict[str, Any]: ...


def engine_version() -> str:
    return str(_engine().ENGINE_VERSION)


def to_analysis(results: Iterable[EngineResult]) -> NewAnalysis:
    """Wrap the engine's results (live or offline) as a record for the store."""
    return NewAnalysis(engine_version(), tuple(r.to_dict() for r in results))


def analyse(trace: Any) -> NewAnalysis:
    """Run the offline engine over a whole trace (same verdicts as live).

    The test type (break or make) and whether the motion channel is signed
    come from the trace's metadata, as for ``nkt-dyno analyze``.
    """
    from nkt_dyno.trace import gyro_signed, gyro_signed_from, test_kind

    meta = getattr(trace, "metadata", {})
    results = _engine().analyze(
        trace.t,
        trace.force,
        trace.gyro,
        test=test_kind(meta),
        gyro_signed=gyro_signed(meta),
        signed_from_s=gyro_signed_from(meta),
    )
    return to_analysis(results)


def _engine() -> Any:
    try:
        import nkt_dyno.engine as engine

        engine.ENGINE_VERSION  # noqa: B018 -- fail here, not halfway through a save
    except (ImportError, AttributeError) as exc:
        raise StoreError(f"the analysis engine is not available in this install: {exc}") from exc
    return engine
