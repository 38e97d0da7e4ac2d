"""Reading traces recorded elsewhere: our trace CSV and the Tindeq app's export.

The Tindeq (Progressor) app exports ``time,weight`` rows, weight in kg, time
in seconds. Some exports put a block of ``key,value`` lines (device, date,
unit, ...) before the samples, separated from them by a blank line. Units in
the header (``time (ms)``, ``weight [lbs]``) or a ``unit`` line in the block
override the defaults. Weights become newtons (kgf x 9.80665, lbf x
4.4482216152605).

Every rejection names the file, the line and what was expected, so a
therapist can fix the file or pick the right one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from nkt_dyno.store._errors import ImportFormatError
from nkt_dyno.trace import (
    FORCE_COLUMN,
    TIME_COLUMN,
    Trace,
    TraceFormatError,
    check_plausible,
    check_regular_file,
    not_utf8,
    read_trace,
)

STANDARD_GRAVITY = 9.80665
NEWTONS_PER = {"kg": STANDARD_GRAVITY, "lbs": 4.4482216152605, "n": 1.0}
SECONDS_PER = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
_UNIT_WORDS = {
    "kg": "kg",
    "kgf": "kg",
    "lb": "lbs",
    "lbs": "lbs",
    "lbf": "lbs",
    "n": "n",
    "s": "s",
    "sec": "s",
    "ms": "ms",
    "us": "us",
    "µs": "us",
}


MAX_TINDEQ_BYTES = 64 * 1024 * 1024
"""An app export of one test is a few megabytes at most; a Tindeq file is parsed whole."""


def read_import(path: str | os.PathLike[str]) -> Trace:
    """Read ``path`` as our trace CSV or a Tindeq export, whichever it is.

    Memory stays bounded: our traces stream (:func:`~nkt_dyno.trace.read_trace`),
    a Tindeq export is read whole only up to :data:`MAX_TINDEQ_BYTES`, and a
    pipe or device is refused before it is opened.
    """
    p = Path(path)
    try:
        check_regular_file(p)
        head = _head(p)
        if _is_our_trace(head):
            return read_trace(p)
        if any(_is_sample_header(_cells(line)) for line in head.splitlines()[:100]):
            if p.stat().st_size > MAX_TINDEQ_BYTES:
                raise ImportFormatError(
                    f"{p}: {p.stat().st_size / 2**20:.0f} MiB is too large for one Tindeq export"
                )
            trace = parse_tindeq(p.read_text(encoding="utf-8-sig"), source=str(p))
            check_plausible(trace, str(p))
            return trace
    except UnicodeDecodeError:
        raise ImportFormatError(f"{p}: {not_utf8(p)}") from None
    except OSError as exc:
        raise ImportFormatError(f"{p}: cannot read: {exc.strerror}") from None
    except TraceFormatError as exc:
        raise ImportFormatError(str(exc)) from None
    raise ImportFormatError(
        f"{p}: not a recognised trace: expected an nkt-dyno trace CSV "
        f"({TIME_COLUMN},{FORCE_COLUMN}) or a Tindeq export (time,weight)"
    )


def _head(path: Path) -> str:
    """The file's first 64 KiB of text, enough to tell the formats apart."""
    with open(path, "rb") as fh:
        data = fh.read(64 * 1024)
    return data.decode("utf-8-sig", errors="strict" if len(data) < 64 * 1024 else "ignore")


def parse_tindeq(text: str, *, source: str = "<text>") -> Trace:
    """Parse a Tindeq app export (``time,weight``; optional header block)."""
    lines = list(enumerate(text.splitlines(), start=1))
    metadata: dict[str, str] = {"source_format": "tindeq"}
    for index, (no, line) in enumerate(lines):
        cells = _cells(line)
        if _is_sample_header(cells):
            time_unit, weight_unit = _units(cells, metadata, source, no)
            t, kg = _samples(lines[index + 1 :], _separator(line), source)
            if _unit_in(cells[0]) is None and t.size > 1 and np.median(np.diff(t)) > 1.0:
                raise ImportFormatError(
                    f"{source}:{no}: samples are {np.median(np.diff(t)):g} time units apart, "
                    "too far for seconds: name the unit in the header, e.g. 'time (ms)'"
                )
            metadata["unit"] = weight_unit
            try:
                return Trace(
                    t=t * SECONDS_PER[time_unit],
                    force=kg * NEWTONS_PER[weight_unit],
                    metadata=metadata,
                )
            except TraceFormatError as exc:
                raise ImportFormatError(f"{source}: {exc}") from None
        if len(cells) >= 2 and cells[0]:
            metadata[_key(cells[0])] = ", ".join(c for c in cells[1:] if c)
        elif line.strip():
            raise ImportFormatError(
                f"{source}:{no}: expected 'key,value' or the 'time,weight' header, got {line!r}"
            )
    raise ImportFormatError(f"{source}: no 'time,weight' header line found")


def _is_our_trace(text: str) -> bool:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            header = line.lower()
            return TIME_COLUMN in header and FORCE_COLUMN in header
    return False


def _separator(line: str) -> str:
    return ";" if line.count(";") > line.count(",") else ","


def _cells(line: str, sep: str | None = None) -> list[str]:
    return [c.strip() for c in line.split(sep or _separator(line))]


def _is_sample_header(cells: list[str]) -> bool:
    return (
        len(cells) == 2
        and cells[0].lower().startswith("time")
        and cells[1].lower().startswith("weight")
    )


def _key(text: str) -> str:
    # Trace metadata keys must stay writable as '# key: value' lines.
    return re.sub(r"[\s:]+", "_", text.strip().rstrip(":").lower())


def _unit_in(name: str) -> str | None:
    match = re.search(r"[\(\[_ ]\s*([a-zµ]+)\s*[\)\]]?$", name.lower())
    return match.group(1) if match else None


def _units(cells: list[str], metadata: dict[str, str], source: str, no: int) -> tuple[str, str]:
    time_word = _unit_in(cells[0]) or "s"
    weight_word = _unit_in(cells[1]) or metadata.get("unit", "kg").lower()
    time_unit = _UNIT_WORDS.get(time_word)
    weight_unit = _UNIT_WORDS.get(weight_word)
    if time_unit not in SECONDS_PER:
        raise ImportFormatError(f"{source}:{no}: unknown time unit {time_word!r} (s, ms, us)")
    if weight_unit not in NEWTONS_PER:
        raise ImportFormatError(f"{source}:{no}: unknown weight unit {weight_word!r} (kg, lbs, N)")
    return time_unit, weight_unit


def _samples(lines: list[tuple[int, str]], sep: str, source: str) -> tuple[np.ndarray, np.ndarray]:
    rows: list[tuple[float, float]] = []
    for no, line in lines:
        if not line.strip():
            continue
        cells = _cells(line, sep)
        if len(cells) != 2:
            raise ImportFormatError(
                f"{source}:{no}: expected two values (time, weight), got {line.strip()!r}"
            )
        if sep == ";":  # spreadsheet locales that use ';' write a decimal comma
            cells = [c.replace(",", ".") for c in cells]
        try:
            rows.append((float(cells[0]), float(cells[1])))
        except ValueError:
            raise ImportFormatError(f"{source}:{no}: not a number in {line.strip()!r}") from None
    if not rows:
        raise ImportFormatError(f"{source}: no samples after the 'time,weight' header")
    data = np.array(rows, dtype=np.float64)
    return data[:, 0], data[:, 1]
