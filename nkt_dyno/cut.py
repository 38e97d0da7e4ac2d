"""Efforts a device cut short: it went silent, or was lost, while an effort was open.

When a stream ends the engine closes the effort still open as if the
recording had simply been stopped there, and a hold that had lasted long
enough reads as a hold. When it was the device that stopped (mute while
connected, or gone), that effort is marked as the engine marks one cut by a
pause in the recording: the ``gap`` flag and a reason saying what happened,
so a short trace never passes for a full-length hold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, TypeVar

R = TypeVar("R")


def device_stopped(*, silent_s: float | None, lost_at_s: float | None) -> str | None:
    """The sentence for a recording the device ended, or None if it did not."""
    if silent_s is not None:
        return f"the device sent nothing from {silent_s:.1f} s on: the recording ends there"
    if lost_at_s is not None:
        return f"the device was lost at {lost_at_s:.1f} s: the recording ends there"
    return None


def cut_short(result: R, why: str) -> R:
    """``result`` (an engine result) flagged ``gap``, with ``why`` among its reasons."""
    flags: tuple[str, ...] = tuple(getattr(result, "flags", ()))
    reasons: tuple[str, ...] = tuple(getattr(result, "reasons", ()))
    return dataclasses.replace(  # type: ignore[type-var]
        result,
        flags=flags if "gap" in flags else (*flags, "gap"),
        reasons=(*reasons, why),
    )


def cut_closing(events: Sequence[Any], why: str | None) -> list[Any]:
    """The engine's end-of-stream events with the effort they complete marked cut by ``why``."""
    if why is None:
        return list(events)
    return [
        dataclasses.replace(e, result=cut_short(e.result, why)) if hasattr(e, "result") else e
        for e in events
    ]
