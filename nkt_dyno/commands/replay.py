"""``nkt-dyno replay TEST_ID``: the stored trace through the live engine, events as they fire.

The trace is fed in 20 ms blocks, as a device delivers it, to the same
streaming detector the live view uses; ``--speed`` paces it against the
clock (``max`` does not wait), so the event times printed are those a
therapist would have seen during the test. A test of several efforts is
shown one effort at a time with ``--effort N``; without it, all of them.

The detector judges the stored test's type with the motion channel's sign
as the trace says, as ``analyze`` and the stored analysis do, and the
touches the engine takes back at the end are left out and the efforts
numbered as ``analyze`` numbers them: replay and analysis never disagree.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import time
from typing import TYPE_CHECKING, Any

from nkt_dyno.commands._errors import UserError, positive_int
from nkt_dyno.commands._storecli import add_db_argument, with_store
from nkt_dyno.summary import verdict_line

if TYPE_CHECKING:
    from nkt_dyno.store import Store

BLOCK_S = 0.02


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("replay", help="replay a stored test through the engine")
    parser.add_argument("test_id", type=int, metavar="TEST_ID")
    parser.add_argument(
        "--speed",
        choices=("1", "4", "max"),
        default="1",
        help="1 = real time (default), max = no waiting",
    )
    parser.add_argument(
        "--effort",
        type=positive_int,
        metavar="N",
        help="print only the N-th effort's events (1 = the first; default: every effort)",
    )
    add_db_argument(parser)
    parser.set_defaults(run=with_store(_run, reading=True))


def _run(store: Store, args: argparse.Namespace) -> int:
    import numpy as np

    from nkt_dyno.store import engine_version

    version = engine_version()  # a clear error now if the engine is missing
    from nkt_dyno.engine import Detector, Onset, Retracted
    from nkt_dyno.trace import gyro_signed, gyro_signed_from

    test = store.get_test(args.test_id)
    trace = store.load_trace(test.id)
    print(f"test {test.id}: {test.muscle} {test.side} {test.condition}, engine {version}")
    print(test.recording_line())
    speed = None if args.speed == "max" else float(args.speed)

    signed = gyro_signed(trace.metadata)
    since = None if signed else gyro_signed_from(trace.metadata)
    # The sample from which an unsigned gyro reads as signed, as it did live.
    switch = -1 if since is None else int(np.searchsorted(trace.t, since))

    def detector() -> Any:
        return Detector(test=test.test, gyro_signed=signed)

    def feed(det: Any, lo: int, hi: int) -> list[Any]:
        if lo == switch:
            det.mark_signed()
        gyro = None if trace.gyro is None else trace.gyro[lo:hi]
        return det.feed(trace.t[lo:hi], trace.force[lo:hi], gyro)

    # Touches are known only once the stream ends: a first, unpaced pass finds them.
    first = detector()
    cut = max(switch, 0)
    ending = feed(first, 0, cut) + feed(first, cut, len(trace)) + first.finish()
    touches = {e.effort for e in ending if isinstance(e, Retracted)}
    live = detector()
    onsets = 0
    efforts = 0

    def show(events: list[Any]) -> None:
        nonlocal onsets, efforts
        for event in events:
            if isinstance(event, Retracted):
                continue
            if isinstance(event, Onset):
                onsets += 1
                efforts += onsets - 1 not in touches
            if onsets - 1 in touches:
                continue
            if args.effort is None or efforts == args.effort:
                print(describe(event))

    starts = np.searchsorted(trace.t, np.arange(trace.t[0], trace.t[-1], BLOCK_S)).tolist()
    start = time.monotonic()
    for lo, hi in itertools.pairwise(sorted({*starts, cut, len(trace)})):
        if speed is not None:
            time.sleep(max(0.0, start + (trace.t[hi - 1] - trace.t[0]) / speed - time.monotonic()))
        show(feed(live, lo, hi))
    show(live.finish())
    if args.effort is not None and args.effort > efforts:
        raise UserError(f"test {test.id} has {efforts} effort(s), not {args.effort}")
    return 0


def describe(event: Any) -> str:
    """One line per event: signal time, kind, and its figures (a result's verdict line)."""
    parts = []
    if dataclasses.is_dataclass(event):
        for f in dataclasses.fields(event):
            value = getattr(event, f.name)
            if f.name == "t":
                continue
            if hasattr(value, "to_dict"):
                parts.append(verdict_line(value.to_dict()))
            elif value is None or isinstance(value, int | float | str):
                parts.append(f"{f.name}={_fmt(value)}")
    return f"{event.t:9.3f} s  {type(event).__name__:<14} {' '.join(parts)}".rstrip()


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)
