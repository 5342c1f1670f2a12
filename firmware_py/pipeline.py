"""``analyze`` of a long recording on two cores: read and track in a child, count here.

The counting core has two stages (:mod:`analysis.tracking`): reading the CSV,
resampling and orientation tracking in one, the excursion state machine and
the rep analysis in the other. A forked child parses the file a block of rows
at a time (:func:`sensors.recording.recording_blocks`) and tracks each block
as it is parsed; this process counts each block as it arrives, so reading,
tracking and counting overlap. The items crossing the pipe are the ones the stages exchange
in one process, so the result is the same bit for bit (tested).

Used when the file is long enough to win back the fork (``PIPELINE_MIN_BYTES``)
and this process may run on at least two cores; otherwise, or with
``jobs=1``, everything runs here, as :func:`analysis.offline.analyze_chunk`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection

from analysis.offline import Analysis, analyze_chunk, analyze_tracked
from analysis.settings import CoreSettings, Prescription
from analysis.tracking import TrackedItem, Tracking
from sensors.chunk import ImuChunk
from sensors.errors import UserError
from sensors.recording import WholeReadNeeded, read_recording, recording_blocks

# below this size (about 10 min at 100 Hz) a fork costs more than the overlap wins
# (measured: 10 min, 3.7 MB, 0.28 s either way; 20 min 0.39 -> 0.35 s; 3 h 2.4 -> 1.8 s)
PIPELINE_MIN_BYTES = 4_000_000
# samples tracked per message: large enough for the tracking's whole-window path,
# small enough that counting starts soon after the file is read
BLOCK_SAMPLES = 16_384
# bytes of CSV parsed at a time in the child (about 16,000 rows of thigh data)
READ_BLOCK_BYTES = 1 << 20


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def analyze_file(
    path: str,
    exercise: str,
    prescription: Prescription | None = None,
    settings: CoreSettings | None = None,
    jobs: int | None = None,
) -> Analysis:
    """Analyse one recording file; raises a :class:`UserError` for a bad file.

    ``jobs``: 1 runs in this process, 2 pipelines the two stages; default 2 when
    two cores are usable and the file is at least ``PIPELINE_MIN_BYTES``.
    """
    if jobs is None:
        try:
            big = os.path.getsize(path) >= PIPELINE_MIN_BYTES
        except OSError:
            big = False  # read_recording names the problem
        jobs = 2 if big and usable_cores() >= 2 else 1
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        rec = read_recording(path)
        return analyze_chunk(rec.chunk, exercise, prescription, settings)
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_track_file, args=(path, settings, send), daemon=True)
    child.start()
    send.close()  # (the child's copy is the writer now: EOF here if it dies)
    try:
        while True:
            try:
                return analyze_tracked(_received(recv, path), exercise, prescription, settings)
            except _StartOver:
                continue  # the child reads the file whole now and sends it all again
    finally:
        recv.close()
        child.join(timeout=5.0)
        if child.is_alive():
            child.kill()


class _StartOver(Exception):
    """The child's block reader gave up part-way; what it sent is void, it starts over."""


def _received(conn: Connection, path: str) -> Iterator[list[TrackedItem]]:
    """The child's blocks until its end mark; its error raised here."""
    while True:
        try:
            kind, payload = conn.recv()
        except EOFError:
            raise RuntimeError(f"{path}: the tracking process ended without a result") from None
        if kind == "items":
            yield payload
        elif kind == "done":
            return
        elif kind == "start_over":
            raise _StartOver
        elif kind == "user_error":
            raise UserError(payload)
        else:  # a bug in the child: its traceback, as it would have been printed
            raise RuntimeError(f"the tracking process failed:\n{payload}")


def _track_file(path: str, settings: CoreSettings | None, conn: Connection) -> None:
    """Child: read the file and send its tracking items a block at a time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report
    try:
        # the file parsed a block at a time, each block tracked and sent at once, so
        # counting starts while the rest is read; if the block reader gives up (a bad
        # or odd row: read_recording then names it or reads it), start over
        tracking = Tracking(settings)
        try:
            for block in recording_blocks(path, READ_BLOCK_BYTES):
                _send_tracked(conn, tracking, block)
        except WholeReadNeeded:
            conn.send(("start_over", None))
            try:
                chunk = read_recording(path).chunk
            except UserError as err:
                conn.send(("user_error", str(err)))
                return
            _send_tracked(conn, Tracking(settings), chunk)
        conn.send(("done", None))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped listening (interrupted, or its own error)
    except Exception:
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()


def _send_tracked(conn: Connection, tracking: Tracking, chunk: ImuChunk) -> None:
    """Track ``chunk`` and send its items, BLOCK_SAMPLES samples a message."""
    for i in range(0, len(chunk), BLOCK_SAMPLES):
        conn.send(("items", tracking.feed(chunk.slice(i, i + BLOCK_SAMPLES))))
