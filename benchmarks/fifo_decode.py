"""How fast the MPU-6050 FIFO path is: frame decoding, and whole read() cycles on the fake bus.

Usage:  .venv/bin/python benchmarks/fifo_decode.py [--repeat 5]

Rows:
* ``decode``: ``MPU6050._decode`` (np.frombuffer of big-endian int16, scaled to
  g and deg/s) on a full MPU-6050 FIFO (85 frames) and on larger batches; a
  per-sample ``struct.unpack`` loop is shown for comparison.
* ``read()``: the full driver cycle against :class:`FakeBus` +
  :class:`FakeMPU6050` on a :class:`FakeClock` (INT_STATUS, FIFO_COUNT, burst,
  decode, timestamps, ImuChunk). This includes the fake chip synthesising and
  quantising the samples, so it is an upper bound on the driver's own cost.

Timings are the best of ``--repeat`` runs (the machine is shared); MB/s
counts raw FIFO bytes.
"""

from __future__ import annotations

import argparse
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sensors.fakes.bus import FakeBus, FakeClock  # noqa: E402
from sensors.fakes.mpu6050 import FakeMPU6050  # noqa: E402
from sensors.fifo_imu import ImuSettings  # noqa: E402
from sensors.mpu6050 import FRAME_BYTES, MPU6050  # noqa: E402

FULL_FIFO_FRAMES = 1024 // FRAME_BYTES  # MPU-6050


def best_time_s(fn: Callable[[], object], inner: int, repeat: int) -> float:
    """Best wall time of one call of ``fn`` over ``repeat`` runs of ``inner`` calls."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def random_frames(n_frames: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    return rng.integers(-32768, 32768, size=(n_frames, 6)).astype(">i2").tobytes()


def struct_decode(raw: bytes, accel_scale: float, gyro_scale: float) -> list[tuple[float, ...]]:
    """The per-sample Python loop the vectorised decoder replaces (for comparison)."""
    out = []
    for (ax, ay, az, gx, gy, gz) in struct.iter_unpack(">6h", raw):
        out.append((ax * accel_scale, ay * accel_scale, az * accel_scale,
                    gx * gyro_scale, gy * gyro_scale, gz * gyro_scale))
    return out


def row(name: str, frames: int, seconds: float) -> tuple[str, int, float, float, float]:
    return (name, frames, seconds * 1e6, frames / seconds, frames * FRAME_BYTES / seconds / 1e6)


def bench_decode(repeat: int) -> list[tuple[str, int, float, float, float]]:
    imu = MPU6050(FakeBus(), settings=ImuSettings())
    rows = []
    for n in (FULL_FIFO_FRAMES, 1_000, 100_000):
        raw = random_frames(n)
        inner = max(1, 200_000 // n)
        rows.append(row("decode (numpy)", n, best_time_s(lambda r=raw: imu._decode(r), inner,
                                                         repeat)))
    raw = random_frames(FULL_FIFO_FRAMES)
    a, g = imu._accel_scale, imu._gyro_scale
    rows.append(row("decode (struct loop)", FULL_FIFO_FRAMES,
                    best_time_s(lambda: struct_decode(raw, a, g), 500, repeat)))
    return rows


def bench_read(repeat: int) -> list[tuple[str, int, float, float, float]]:
    rows = []
    for rate_hz, poll_s, label in (
        (100.0, 0.1, "read() 100 Hz, poll 0.1 s"),
        (100.0, 0.85, "read() full FIFO"),
        (1000.0, 0.02, "read() 1 kHz, poll 20 ms"),
    ):
        clock = FakeClock()
        bus = FakeBus()
        bus.attach(0x68, FakeMPU6050(clock))
        imu = MPU6050(bus, settings=ImuSettings(rate_hz=rate_hz), clock=clock,
                      sleep=clock.sleep)
        imu.start()
        frames = round(poll_s * rate_hz)

        def cycle(imu: MPU6050 = imu, clock: FakeClock = clock, poll_s: float = poll_s) -> None:
            clock.advance(poll_s)
            chunk = imu.read()
            assert not chunk.gaps

        cycle()
        rows.append(row(label, frames, best_time_s(cycle, 200, repeat)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best kept)")
    args = parser.parse_args(argv)
    rows = bench_decode(args.repeat) + bench_read(args.repeat)
    header = f"{'what':<28} {'frames':>8} {'us/call':>10} {'frames/s':>13} {'MB/s':>8}"
    print(header)
    print("-" * len(header))
    for name, frames, us, fps, mbps in rows:
        print(f"{name:<28} {frames:>8} {us:>10.1f} {fps:>13,.0f} {mbps:>8.1f}")
    i2c_ms = FULL_FIFO_FRAMES * FRAME_BYTES * 9 / 400e3 * 1e3
    print(f"\nFor scale: a full MPU-6050 FIFO ({FULL_FIFO_FRAMES} frames) lasts "
          f"{FULL_FIFO_FRAMES / 100:.2f} s at 100 Hz, and clocking its bytes over a 400 kHz "
          f"I2C bus takes ~{i2c_ms:.0f} ms, so on a Pi the bus, not the decoding, is the cost.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
