"""``glidecount record``: stream the IMU(s) to a CONTRACT §2 CSV file.

Rows are written and flushed after every FIFO drain, and Ctrl-C (the normal
way to end a recording without ``--seconds``) ends the loop after a last
drain instead of interrupting a write, so stopping loses nothing. The
loop paces itself on the source's own clock (``source.clock``/``source.sleep``
when it has them), which is what lets tests drive it on a FakeClock.
"""

from __future__ import annotations

import argparse
import math
import signal
import threading
import time
from datetime import UTC, datetime

from analysis.settings import EXERCISES
from sensors.chunk import ImuChunk
from sensors.errors import UserError

HELP = "record the thigh IMU (and an optional shank IMU) to a CSV file"

MAX_POLL_S = 0.1  # drain at least this often (well inside every FIFO's capacity)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    parser.add_argument(
        "--seconds", type=float, metavar="N", help="stop after N seconds (default: Ctrl-C)"
    )
    parser.add_argument("--bus", type=int, default=1, metavar="N", help="I2C bus (default 1)")
    parser.add_argument(
        "--rate", type=float, default=100.0, metavar="HZ",
        help="sample rate; the chip's nearest is used (default 100)",
    )
    parser.add_argument(
        "--thigh-addr", metavar="A", help="thigh IMU address, e.g. 0x68 (default: first found)"
    )
    parser.add_argument(
        "--shank-addr", metavar="A", help="also record a shank IMU at this address, e.g. 0x6a"
    )
    parser.add_argument("--leg", choices=("left", "right"), help="which leg wears the sensor")
    parser.add_argument("--exercise", choices=EXERCISES, help="which exercise is performed")


class _StopOnSigint:
    """While active, the first Ctrl-C only asks the loop to stop after its
    current write (no half-written row); a second one interrupts as usual."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: object = None

    def _handler(self, signum: int, frame: object) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __enter__(self) -> _StopOnSigint:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
            self._previous = None


def _metadata(source: object, args: argparse.Namespace) -> dict[str, str]:
    """``# key=value`` lines: rate, sensor model(s) and address(es), leg, exercise."""
    from sensors.pair import SensorPair

    thigh = source.thigh if isinstance(source, SensorPair) else source
    meta = {
        "rate_hz": f"{float(source.rate_hz):g}",  # type: ignore[attr-defined]
        "sensor": getattr(thigh, "model", "") or type(thigh).__name__,
    }
    address = getattr(thigh, "address", None)
    if isinstance(address, int):
        meta["sensor_address"] = f"0x{address:02x}"
    if isinstance(source, SensorPair):
        meta["shank_sensor"] = getattr(source.shank, "model", "") or type(source.shank).__name__
        address = getattr(source.shank, "address", None)
        if isinstance(address, int):
            meta["shank_address"] = f"0x{address:02x}"
    if args.leg:
        meta["leg"] = args.leg
    if args.exercise:
        meta["exercise"] = args.exercise
    meta["started_utc"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return meta


def run(args: argparse.Namespace) -> int:
    """Record until ``--seconds`` elapse or Ctrl-C; print one summary line."""
    import sensors.open
    from sensors.pair import SensorPair
    from sensors.recording import RecordingWriter

    if args.seconds is not None and not (args.seconds > 0 and math.isfinite(args.seconds)):
        raise UserError(f"--seconds must be a positive number, not {args.seconds:g}")
    if not (args.rate > 0 and math.isfinite(args.rate)):
        raise UserError(f"--rate must be a positive number, not {args.rate:g}")
    thigh_addr = sensors.open.parse_address(args.thigh_addr) if args.thigh_addr else None
    shank_addr = sensors.open.parse_address(args.shank_addr) if args.shank_addr else None

    source = sensors.open.open_imu(
        bus_number=args.bus, thigh_address=thigh_addr, shank_address=shank_addr,
        rate_hz=args.rate,
    )
    clock = getattr(source, "clock", time.monotonic)
    sleep = getattr(source, "sleep", time.sleep)
    poll_s = min(MAX_POLL_S, getattr(source, "max_poll_interval_s", math.inf) / 4)
    samples = gaps = lost = 0
    first_t = last_t = math.nan
    stop = _StopOnSigint()
    try:
        source.start()
        try:
            writer = RecordingWriter(
                args.out, _metadata(source, args), shank=isinstance(source, SensorPair)
            )
        except OSError as err:
            raise UserError(f"cannot write {args.out}: {err.strerror or err}") from None
        with writer, stop:
            deadline_s = clock() + args.seconds if args.seconds is not None else math.inf
            while True:
                done = stop.requested or clock() >= deadline_s
                if not done:
                    sleep(poll_s)
                chunk: ImuChunk = source.read()
                writer.write(chunk)
                writer.flush()
                samples += len(chunk)
                gaps += len(chunk.gaps)
                lost += chunk.lost_samples
                if len(chunk):
                    first_t = chunk.t_s[0] if math.isnan(first_t) else first_t
                    last_t = chunk.t_s[-1]
                if done:
                    break
    finally:
        source.close()
    span_s = 0.0 if samples < 2 else float(last_t - first_t)
    how = " (stopped by Ctrl-C)" if stop.requested else ""
    print(
        f"recorded {samples} samples ({span_s:.1f} s at {float(source.rate_hz):g} Hz) "
        f"to {args.out}{how}; {gaps} gap{'s' if gaps != 1 else ''}, {lost} samples lost"
    )
    return 0
