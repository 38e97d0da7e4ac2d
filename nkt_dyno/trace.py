"""Trace files: the CSV every recording, replay, import and export goes through.

Format (DESIGN §2)::

    # nkt-dyno trace v1
    # sample_rate_hz: 80
    # device: Tindeq Progressor 1234
    time_s,force_n[,gyro_dps]
    0.0000,0.12

Comment lines ``# key: value`` carry optional metadata. Readers accept files
without them, with ``,`` or ``;`` as the separator (and a decimal comma when
the separator is ``;``, as spreadsheet programs in many locales write).

A file is rejected -- with a :class:`TraceFormatError` naming the line -- when
it has no header, no force column, a number that does not parse, a NaN or
infinity, or a time that does not increase. Writing is atomic (a temporary
file renamed into place), so a crash or a full disk never leaves half a file
under the final name; :class:`TraceWriter` appends block by block and flushes
each block, so a recording cut short keeps every sample received.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import itertools
import math
import os
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import numpy as np
import numpy.typing as npt

FORMAT_LINE = "# nkt-dyno trace v1"
TIME_COLUMN = "time_s"
FORCE_COLUMN = "force_n"
GYRO_COLUMN = "gyro_dps"

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Gap:
    """A hole in a recording: no samples from ``start_s`` for ``length_s``."""

    start_s: float
    """Time of the last sample before the hole (s)."""
    length_s: float
    samples_lost: int
    """Samples the measured rate would have put in the hole."""


def measured_rate(t: npt.ArrayLike) -> float | None:
    """Samples per second from the typical spacing (the median), so gaps do not lower it."""
    steps = np.diff(np.asarray(t, dtype=np.float64))
    return None if steps.size == 0 else float(1.0 / np.median(steps))


def find_gaps(t: npt.ArrayLike, marked: Sequence[int] = ()) -> tuple[Gap, ...]:
    """The holes in ``t``: steps of twice the typical spacing or more, and samples the
    driver ``marked`` as following lost packets (a lost sample at 80 Hz barely shows in time)."""
    times = np.asarray(t, dtype=np.float64)
    rate = measured_rate(times)
    if rate is None:
        return ()
    steps = np.diff(times)
    wide = set((np.flatnonzero(steps >= 1.9 / rate) + 1).tolist())
    after = sorted(wide | {i for i in marked if 0 < i < times.size})
    return tuple(
        Gap(float(times[i - 1]), float(steps[i - 1]), max(round(steps[i - 1] * rate) - 1, 0))
        for i in after
    )


class TraceFormatError(ValueError):
    """A trace file (or array) that cannot be used, with the reason and where."""


@dataclass(frozen=True, eq=False)
class Trace:
    """One recording: time (s), force (N), optional angular speed (deg/s).

    ``t`` is strictly increasing; all columns are 1-D float64 of one length.
    """

    t: FloatArray
    force: FloatArray
    gyro: FloatArray | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = _column("t", self.t)
        force = _column("force", self.force)
        if force.shape != t.shape:
            raise TraceFormatError(f"force has {force.size} samples, t has {t.size}")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "force", force)
        if self.gyro is not None:
            gyro = _column("gyro", self.gyro)
            if gyro.shape != t.shape:
                raise TraceFormatError(f"gyro has {gyro.size} samples, t has {t.size}")
            object.__setattr__(self, "gyro", gyro)
        object.__setattr__(self, "metadata", dict(self.metadata))
        _check_time(t)

    def __len__(self) -> int:
        return int(self.t.size)

    @property
    def duration_s(self) -> float:
        return float(self.t[-1] - self.t[0]) if self.t.size else 0.0


def _column(name: str, values: npt.ArrayLike) -> FloatArray:
    arr = np.ascontiguousarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise TraceFormatError(f"{name} must be 1-D, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise TraceFormatError(
            f"{name} sample {i + 1} is {float(arr[i]):g}: every value must be a finite number"
        )
    return arr


def _check_time(t: FloatArray) -> None:
    if t.size > 1:
        steps = np.diff(t)
        bad = steps <= 0
        if bad.any():
            i = int(np.argmax(bad)) + 1
            raise TraceFormatError(
                f"time does not increase at sample {i + 1}: {float(t[i - 1]):g} s "
                f"then {float(t[i]):g} s"
            )


MAX_LINE_CHARS = 64 * 1024
"""A longer line is not a trace row (a 100 MB line must not become gigabytes of lists)."""
MAX_SAMPLES = 10_000_000
"""Nearly three hours at 1 kHz; more is not one muscle test (memory stays ~250 MB at most)."""
MAX_FORCE_N = 50_000.0
"""Five tonnes: far beyond any handheld or fixed dynamometer; larger values are not newtons."""
MAX_SPACING_S = 0.5
"""The slowest supported device sends 10 samples/s; spacing this wide means other time units."""
_CHECK_AFTER = 200
"""Rows after which the spacing is judged, so a wrong unit is refused before the whole file."""


def read_trace(path: str | os.PathLike[str]) -> Trace:
    """Read a trace CSV, streaming with bounded memory, or raise :class:`TraceFormatError`.

    Refused with a sentence: a pipe or device instead of a file (reading it
    could hang or never end), a line longer than :data:`MAX_LINE_CHARS`, more
    than :data:`MAX_SAMPLES` samples, sample spacing that says the time column
    is not in seconds, forces beyond :data:`MAX_FORCE_N`.
    """
    p = Path(path)
    source = str(p)
    check_regular_file(p)
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            return _parse_lines(_bounded_lines(fh, source), source)
    except UnicodeDecodeError as exc:
        raise TraceFormatError(f"{p}: {not_utf8(p)}") from exc


def not_utf8(path: Path) -> str:
    """Why a file is not UTF-8 text, and how to fix it: UTF-16 is what Excel's
    "Unicode text" writes."""
    with open(path, "rb") as fh:
        start = fh.read(2)
    if start in (b"\xff\xfe", b"\xfe\xff"):
        return "saved as UTF-16 (Excel's 'Unicode text'): save it as 'CSV UTF-8' instead"
    return "not a text (UTF-8) CSV file"


def check_regular_file(path: Path) -> None:
    """Refuse what is not a regular file: a FIFO blocks, ``/dev/zero`` never ends."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise TraceFormatError(f"{path}: cannot read: {exc.strerror}") from exc
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a pipe or device, not a file"
        raise TraceFormatError(f"{path} is {kind}: give a trace CSV file")


def _bounded_lines(fh: IO[str], source: str) -> Iterator[str]:
    for no in itertools.count(1):
        line = fh.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS:
            raise TraceFormatError(
                f"{source}:{no}: line longer than {MAX_LINE_CHARS // 1024} KiB: not a trace CSV"
            )
        yield line


def parse_trace(text: str, *, source: str = "<text>") -> Trace:
    """Parse trace CSV text; ``source`` names it in error messages."""
    if len(text) > MAX_LINE_CHARS and "\n" not in text[: MAX_LINE_CHARS + 1]:
        raise TraceFormatError(
            f"{source}:1: line longer than {MAX_LINE_CHARS // 1024} KiB: not a trace CSV"
        )
    return _parse_lines(iter(text.splitlines()), source)


def _parse_lines(raw: Iterator[str], source: str) -> Trace:
    metadata: dict[str, str] = {}
    lines = iter(enumerate(raw, start=1))
    header, header_no = _read_header(lines, metadata, source)
    sep = ";" if header.count(";") > header.count(",") else ","
    names = [h.strip().lower() for h in header.split(sep)]
    try:
        i_t, i_f = names.index(TIME_COLUMN), names.index(FORCE_COLUMN)
    except ValueError:
        raise TraceFormatError(
            f"{source}:{header_no}: header {header.strip()!r} needs columns "
            f"{TIME_COLUMN!r} and {FORCE_COLUMN!r}"
        ) from None
    i_g = names.index(GYRO_COLUMN) if GYRO_COLUMN in names else None
    flat = _read_rows(lines, sep, len(names), source, i_t, metadata)
    if not flat:
        raise TraceFormatError(f"{source}: no samples after the header")
    data = np.frombuffer(flat, dtype=np.float64).reshape(-1, len(names))
    _check_finite(data, names, source, header_no)
    try:
        trace = Trace(
            t=data[:, i_t],
            force=data[:, i_f],
            gyro=None if i_g is None else data[:, i_g],
            metadata=metadata,
        )
    except TraceFormatError as exc:
        raise TraceFormatError(f"{source}: {exc}") from None
    check_plausible(trace, source)
    return trace


def check_plausible(trace: Trace, source: str) -> None:
    """Refuse a time column that is not in seconds and forces that are not newtons."""
    _check_spacing(trace.t, source)
    big = np.abs(trace.force) > MAX_FORCE_N
    if big.any():
        i = int(np.argmax(big))
        raise TraceFormatError(
            f"{source}: sample {i} has a force of {trace.force[i]:g} N, beyond any "
            f"dynamometer ({MAX_FORCE_N:g} N): is the force column in newtons, and the "
            "right column?"
        )


def _check_spacing(t: npt.ArrayLike, source: str) -> None:
    times = np.asarray(t, dtype=np.float64)
    if times.size < 10:
        return
    spacing = float(np.median(np.diff(times)))
    if spacing >= MAX_SPACING_S:
        raise TraceFormatError(
            f"{source}: samples are a median {spacing:g} s apart ({times.size} samples span "
            f"{(times[-1] - times[0]) / 3600:.3g} h): the time column looks like milliseconds "
            "or microseconds labelled as seconds; convert it to seconds (divide by 1000 or "
            "1000000) or name the unit in the header"
        )


def warnings_for(trace: Trace) -> list[str]:
    """What a readable trace may still get wrong; the caller shows these to the user."""
    if not len(trace):
        return []
    low, high = (float(x) for x in np.percentile(trace.force, [1.0, 99.0]))
    if low < -10.0 and -low > 2.0 * max(high, 0.0):
        return [
            f"the force is mostly negative (down to {trace.force.min():.1f} N, hardly above "
            "0): the trace looks inverted (the device pushed from the other side, or pull "
            "recorded as negative); the analysis looks for rises, so its verdict will not "
            "mean much"
        ]
    return []


def _read_header(
    lines: Iterator[tuple[int, str]], metadata: dict[str, str], source: str
) -> tuple[str, int]:
    for no, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            _metadata_from(stripped, metadata)
            continue
        return line, no
    raise TraceFormatError(f"{source}: no header line (expected '{TIME_COLUMN},{FORCE_COLUMN}')")


def _metadata_from(comment: str, metadata: dict[str, str]) -> None:
    key, colon, value = comment.lstrip("#").partition(":")
    if colon and key.strip():
        metadata[key.strip()] = value.strip()


def _read_rows(
    lines: Iterator[tuple[int, str]],
    sep: str,
    width: int,
    source: str,
    i_t: int,
    metadata: dict[str, str],
) -> array.array[float]:
    """Every row's values, flat, in 8 bytes each (a list of lists costs ten times that).

    A ``# key: value`` line among them is metadata learnt while recording
    (:meth:`TraceWriter.note`).
    """
    decimal_comma = sep == ";"
    flat: array.array[float] = array.array("d")
    rows = 0
    for no, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            _metadata_from(stripped, metadata)
            continue
        cells = stripped.split(sep)
        if len(cells) != width:
            raise TraceFormatError(
                f"{source}:{no}: {len(cells)} values, the header has {width}: {stripped[:200]!r}"
            )
        try:
            flat.extend(float(c.replace(",", ".") if decimal_comma else c) for c in cells)
        except ValueError:
            raise TraceFormatError(f"{source}:{no}: not a number in {stripped[:200]!r}") from None
        rows += 1
        if rows == _CHECK_AFTER:
            _check_spacing(flat[i_t::width], source)
        if rows > MAX_SAMPLES:
            raise TraceFormatError(
                f"{source}:{no}: more than {MAX_SAMPLES:,} samples: not one muscle test "
                "(split the recording)"
            )
    return flat


def _check_finite(data: FloatArray, names: list[str], source: str, header_no: int) -> None:
    bad = ~np.isfinite(data)
    if bad.any():
        row, col = (int(x) for x in np.argwhere(bad)[0])
        raise TraceFormatError(
            f"{source}:{header_no + 1 + row}: {names[col]} is {float(data[row, col]):g}: "
            "every value must be a finite number (fix or delete that line)"
        )


def _metadata_line(key: str, value: str) -> str:
    if "\n" in key or "\n" in str(value) or ":" in key:
        raise TraceFormatError(f"metadata key/value not writable on one line: {key!r}")
    return f"# {key}: {value}"


def _header_lines(metadata: Mapping[str, str], gyro: bool) -> str:
    out = [FORMAT_LINE]
    out += [_metadata_line(key, value) for key, value in metadata.items()]
    cols = [TIME_COLUMN, FORCE_COLUMN] + ([GYRO_COLUMN] if gyro else [])
    out.append(",".join(cols))
    return "\n".join(out) + "\n"


def _format_rows(t: FloatArray, force: FloatArray, gyro: FloatArray | None) -> str:
    # repr() is the shortest text that reads back to the same float: lossless.
    if gyro is None:
        return "".join(f"{a!r},{b!r}\n" for a, b in zip(t.tolist(), force.tolist(), strict=True))
    return "".join(
        f"{a!r},{b!r},{c!r}\n"
        for a, b, c in zip(t.tolist(), force.tolist(), gyro.tolist(), strict=True)
    )


def write_trace(path: str | os.PathLike[str], trace: Trace) -> None:
    """Write ``trace`` atomically: the file appears whole or not at all."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(_header_lines(trace.metadata, trace.gyro is not None))
            fh.write(_format_rows(trace.t, trace.force, trace.gyro))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class TraceWriter:
    """Append a recording to a trace CSV block by block, flushing each block.

    Used while a device streams: if the program dies, even by ``kill -9``,
    every block written so far is in the file and it reads back as a valid
    trace. ``fsync_every_s`` also bounds what a power cut can take (flushing
    reaches the operating system, fsync the disk; fsync on every block would
    cost a disk write per notification). The file is created private (0600);
    ``exclusive`` refuses an existing file instead of replacing it. Blocks
    must continue the time axis (strictly increasing across blocks).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        metadata: Mapping[str, str] | None = None,
        *,
        gyro: bool = False,
        exclusive: bool = False,
        fsync_every_s: float | None = None,
    ) -> None:
        self.path = Path(path)
        self._gyro = gyro
        self._last_t = -math.inf
        self._count = 0
        self._fsync_every_s = fsync_every_s
        self._synced = time.monotonic()
        flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
        fd = os.open(self.path, flags, 0o600)
        self._fh: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._fh.write(_header_lines(metadata or {}, gyro))
        self._fh.flush()

    @property
    def samples_written(self) -> int:
        return self._count

    def write_block(
        self,
        t: npt.ArrayLike,
        force: npt.ArrayLike,
        gyro: npt.ArrayLike | None = None,
    ) -> None:
        tt, ff = _column("t", t), _column("force", force)
        gg = None
        if self._gyro:
            if gyro is None:
                raise TraceFormatError("this trace has a gyro column: pass gyro")
            gg = _column("gyro", gyro)
        if tt.size == 0:
            return
        if not (tt.shape == ff.shape and (gg is None or gg.shape == tt.shape)):
            raise TraceFormatError("t, force and gyro must have one length")
        if tt[0] <= self._last_t:
            raise TraceFormatError(f"block starts at {tt[0]!r}, before {self._last_t!r}")
        _check_time(tt)
        self._fh.write(_format_rows(tt, ff, gg))
        self._fh.flush()
        now = time.monotonic()
        if self._fsync_every_s is not None and now - self._synced >= self._fsync_every_s:
            os.fsync(self._fh.fileno())
            self._synced = now
        self._last_t = float(tt[-1])
        self._count += int(tt.size)

    def note(self, key: str, value: str) -> None:
        """Write metadata learnt mid-recording as a comment line among the rows."""
        self._fh.write(_metadata_line(key, value) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        et: type[BaseException] | None,
        ev: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def samples_sha256(trace: Trace) -> str:
    """SHA-256 (hex) of the samples: time, then force, then gyro if any, as little-endian
    float64. A printed figure names its recording by it: anyone holding the samples (the
    store, or an export, whose numbers read back to the same floats) can recompute it."""
    digest = hashlib.sha256()
    for column in (trace.t, trace.force, trace.gyro):
        if column is not None:
            digest.update(np.ascontiguousarray(column, dtype="<f8").tobytes())
    return digest.hexdigest()


TEST_KINDS = ("break", "make")
"""``# test:`` values (DESIGN §2): the examiner pushes, or the patient pushes."""


def test_kind(metadata: Mapping[str, str], override: str | None = None) -> str:
    """The test type to analyse a trace as: ``override``, else its ``test`` key, else break.

    Raises
    ------
    TraceFormatError
        The metadata names another test type.
    """
    kind = override or metadata.get("test", "break").strip().lower() or "break"
    if kind not in TEST_KINDS:
        raise TraceFormatError(f"test: {kind!r} is not a test type; use break or make")
    return kind


def gyro_signed(metadata: Mapping[str, str]) -> bool:
    """Whether the gyro column is signed with the push from its first sample
    (``# gyro: unsigned`` says not)."""
    return not metadata.get("gyro", "signed").strip().lower().startswith("unsigned")


SIGNED_FROM_KEY = "gyro_signed_from_s"
"""Metadata key: when an unsigned gyro column became signed (the device learnt
the push's direction), in the trace's time; samples from then on are signed."""


def signed_switch(blocks: Sequence[tuple[FloatArray, bool]]) -> float | None:
    """When blocks' gyro went from unsigned to signed, or None (signed from the
    start, or never).

    ``blocks`` are each block's times and whether its gyro was signed, as
    they arrived. The time is halfway between the last unsigned sample and
    the first signed one, so re-analysis splits the samples exactly where
    the live engine did (:meth:`~nkt_dyno.engine.Detector.mark_signed`).
    """
    seen = [(t, signed) for t, signed in blocks if t.size]
    if not seen or seen[0][1]:
        return None
    switch = next((i for i, (_, signed) in enumerate(seen) if signed), None)
    if switch is None:
        return None
    return 0.5 * (float(seen[switch - 1][0][-1]) + float(seen[switch][0][0]))


def gyro_metadata(signed: bool, signed_from_s: float | None, source: str = "") -> dict[str, str]:
    """``gyro`` metadata (and :data:`SIGNED_FROM_KEY`) for a recorded gyro column.

    ``signed`` is the state at the end; ``signed_from_s``, when it became so.
    """
    state = "signed" if signed and signed_from_s is None else "unsigned"
    meta = {"gyro": f"{state}, {source}" if source else state}
    if signed and signed_from_s is not None:
        meta[SIGNED_FROM_KEY] = repr(signed_from_s)
    return meta


def gyro_signed_from(metadata: Mapping[str, str]) -> float | None:
    """The time the gyro column became signed (:data:`SIGNED_FROM_KEY`), or None.

    Raises
    ------
    TraceFormatError
        The value is not a finite number.
    """
    value = metadata.get(SIGNED_FROM_KEY)
    if value is None:
        return None
    try:
        when = float(value)
    except ValueError:
        when = math.nan
    if not math.isfinite(when):
        raise TraceFormatError(f"{SIGNED_FROM_KEY}: {value!r} is not a time in seconds")
    return when
