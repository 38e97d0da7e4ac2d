"""Journals: every recording on disk from its first sample until it is kept elsewhere.

A test the client has performed must survive whatever happens next: Ctrl-C,
``kill -9``, a vanished device, a full disk, a failing ``-o`` or a locked or
damaged store. So ``record`` writes each block to a journal as it arrives
(:class:`~nkt_dyno.trace.TraceWriter`: flushed every block, fsync at least
every half second) and deletes it only once everything asked for holds the
recording. A journal left behind is listed, saved or written out by
``nkt-dyno recover``.

Journals live in ``journal/`` next to the store (as calibration records do),
in a private folder (0700) as private files (0600). A name says when and
what, and never clashes: ``20261204-203001-client3-psoas-L-k3f9q2.csv``. The
file's metadata carries the tags (client, muscle, side, condition, ...), the
store it was meant for and the recording time. While its recording runs a
journal is locked, so ``recover`` in another terminal leaves it alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from nkt_dyno.trace import (
    SIGNED_FROM_KEY,
    FloatArray,
    Trace,
    TraceFormatError,
    TraceWriter,
    parse_trace,
    write_trace,
)

FOLDER = "journal"
FSYNC_EVERY_S = 0.5
"""Longest stretch of samples a power cut can take from a journal."""

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; recover then trusts the user.
    fcntl = None  # type: ignore[assignment]


def folder() -> Path:
    """The journal folder: beside the default store (``$NKT_DYNO_DB``'s folder)."""
    from nkt_dyno.store._paths import default_path

    return default_path().parent / FOLDER


def label(*parts: str | None) -> str:
    """File-name-safe words from tags: ``("client 3", "psoas", "L")`` -> ``client3-psoas-L``."""
    words = []
    for part in parts:
        if part:
            safe = "".join(c if c.isalnum() else "-" for c in part)
            words.append("-".join(w for w in safe.split("-") if w))
    return "-".join(w for w in words if w) or "trace"


class Journal:
    """One recording's samples on disk, written block by block as they arrive.

    The file appears with the first sample. :meth:`finish` replaces it with
    the whole recording and its final metadata (rate, loss, device), still a
    journal; :meth:`discard` deletes it once the recording is kept elsewhere.
    """

    def __init__(self, metadata: Mapping[str, str], name: str, where: Path | None = None) -> None:
        self.metadata = dict(metadata)
        self._name = name
        self._where = where
        self.path: Path | None = None
        self._writer: TraceWriter | None = None
        self._gyro = False
        self._unsigned = False
        """The gyro has been an unsigned speed so far."""
        self._last_t = -np.inf
        self._lock: IO[bytes] | None = None
        self.failed: str | None = None
        """Why journalling stopped (a full disk...); the recording itself goes on in memory."""

    @property
    def samples(self) -> int:
        """Samples written so far."""
        return 0 if self._writer is None else self._writer.samples_written

    def write(
        self,
        t: FloatArray,
        force: FloatArray,
        gyro: FloatArray | None,
        gyro_signed: bool = True,
    ) -> None:
        """Append one block; the file and its gyro column are made at the first one.

        A later block without gyro gets zeros there: the journal keeps its
        shape, and :meth:`finish` rewrites it as the recording was kept. A
        gyro that is an unsigned speed at first (``gyro_signed`` false) is
        marked so in the header, and the time it became signed is noted when
        it does, so a recovered journal is read as the live engine read it. A
        journal that cannot be written (full disk, odd times) stops, noting
        why in :attr:`failed`, and never stops the recording.
        """
        if self.failed is not None:
            return
        try:
            if self._writer is None:
                self._gyro = gyro is not None
                if self._gyro and not gyro_signed:
                    self.metadata["gyro"] = "unsigned"
                self._unsigned = self._gyro and not gyro_signed
                self._writer = self._create()
            elif self._unsigned and gyro_signed and gyro is not None and t.size:
                # Halfway between the samples, as :func:`signed_switch` places it.
                since = 0.5 * (self._last_t + float(t[0]))
                self._writer.note(SIGNED_FROM_KEY, repr(since))
                self._unsigned = False
            if self._gyro and gyro is None:
                gyro = np.zeros_like(t)
            self._writer.write_block(t, force, gyro if self._gyro else None)
            if t.size:
                self._last_t = float(t[-1])
        except (OSError, TraceFormatError) as exc:
            self.failed = str(exc)

    def _create(self) -> TraceWriter:
        where = self._where or folder()
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        while True:
            path = where / f"{stamp}-{self._name}-{secrets.token_hex(3)}.csv"
            try:
                writer = TraceWriter(
                    path,
                    self.metadata,
                    gyro=self._gyro,
                    exclusive=True,
                    fsync_every_s=FSYNC_EVERY_S,
                )
            except FileExistsError:
                continue
            self.path = path
            self._hold(path)
            return writer

    def _hold(self, path: Path) -> None:
        if fcntl is not None:
            self._release()
            self._lock = open(path, "rb")  # noqa: SIM115
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def finish(self, trace: Trace, metadata: Mapping[str, str]) -> Path:
        """Replace the journal by ``trace`` with the tags and ``metadata``; its path.

        A journal whose file was never made (or failed) gets one now.
        """
        if self.path is None:
            self._gyro = trace.gyro is not None
            self._writer = self._create()
        self.close()
        assert self.path is not None
        meta = {**trace.metadata, **self.metadata, **metadata}
        write_trace(self.path, Trace(trace.t, trace.force, trace.gyro, meta))
        self._hold(self.path)
        return self.path

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def discard(self) -> None:
        """Delete the journal: the recording is kept where it was asked to be."""
        self.close()
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        self._release()

    def release(self) -> None:
        """Leave the journal for ``recover`` (the program is ending)."""
        self.close()
        self._release()


@dataclass(frozen=True, eq=False)
class Unsaved:
    """A journal left behind, read back."""

    path: Path
    trace: Trace

    @property
    def tags(self) -> Mapping[str, str]:
        return self.trace.metadata


def unsaved(where: Path | None = None) -> list[Unsaved]:
    """Journals no running recording holds, oldest first; unreadable ones are skipped."""
    where = where or folder()
    if not where.is_dir():
        return []
    found = []
    for path in sorted(where.glob("*.csv")):
        if _in_use(path):
            continue
        with contextlib.suppress(TraceFormatError, OSError):
            found.append(Unsaved(path, read_journal(path)))
    return found


def read_journal(path: Path) -> Trace:
    """A journal as a trace; a last line cut by a crash mid-write is dropped."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    return parse_trace(text, source=str(path))


def _in_use(path: Path) -> bool:
    if fcntl is None:
        return False
    with open(path, "rb") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def keep(trace: Trace, metadata: Mapping[str, str], name: str, where: Path | None = None) -> Path:
    """A finished recording that could not be saved, kept as a journal for ``recover``."""
    journal = Journal(metadata, name, where)
    try:
        return journal.finish(trace, {})
    finally:
        journal.release()


JOURNAL_KEYS = frozenset(
    {"client", "client_name", "condition", "examiner", "target", "notes", "store", "output"}
    | {"device_id", "model", "firmware", "lost"}
)
"""Metadata only a journal carries: the store keeps these as the test's own columns, and
a name does not belong in a trace that may be exported."""


def trace_of(item: Unsaved) -> Trace:
    """The recording of a journal with the journal's own keys left out."""
    meta = {k: v for k, v in item.trace.metadata.items() if k not in JOURNAL_KEYS}
    return Trace(item.trace.t, item.trace.force, item.trace.gyro, meta)
