"""A reader that stalls: do the Gaps report exactly what the FIFO overflowed, and no more?

Usage:  .venv/bin/python benchmarks/stall.py [--rate-error -0.03] [--warmup 20]

For each fake chip (MPU-6050 with its 1024-byte FIFO, MPU-6500 with 512
bytes, LSM6DS3, LSM6DSOX) at 100 and 200 Hz (the LSM6DS run at their
nearest ODR, 104 and 208 Hz), on a :class:`FakeClock`: poll every 50 ms for
``--warmup`` seconds (the sample clock's drift fit settles), stall for 0.5,
2, 5 and 20 s, then poll every 50 ms for 5 s more. Columns:

``cap``        FIFO capacity in whole samples
``produced``   samples the fake chip took (``fake.samples_produced``)
``delivered``  samples the driver handed out (equal to ``fake.samples_delivered``)
``gap_lost``   samples the driver reported lost in Gaps
``dropped``    samples the fake overwrote or flushed (``fake.samples_dropped``)
``equal``      ``gap_lost == dropped``: lost = what the fake overflowed, no more
``step``       true-time step across the hole, in periods, minus (gap_lost + 1): 0 when
               the samples after the hole keep their slots
``err_ms``     largest |timestamp - true sample time| over the 5 s after the stall

True sample times come from the fake's motion, which encodes the time in the
gyro (a coarse ramp and a fine sawtooth, a few microseconds per LSB).

The first poll comes ``PHASE_S`` (12.3 ms) after start, so reads never land
exactly on a sample instant. With reads on the grid (50 ms at 100 or 104 Hz
puts every fifth read there) whether that sample is already in the FIFO is
decided by float rounding: the FakeClock's sums drift by ~1e-11 s, more than
the LSM6DS fake's 1e-9-sample tolerance, and the driver, old clock or new,
then miscounts a 20 s hole by one. A real oscillator never ties to 1e-11 s.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sensors.chunk import ImuChunk  # noqa: E402
from sensors.fakes.bus import FakeBus, FakeClock  # noqa: E402
from sensors.fakes.lsm6ds import FakeLSM6DS3, FakeLSM6DSOX  # noqa: E402
from sensors.fakes.mpu6050 import FakeMPU6050  # noqa: E402
from sensors.fakes.timecode import TimeCode  # noqa: E402
from sensors.fifo_imu import FifoImu, ImuSettings  # noqa: E402
from sensors.lsm6ds import LSM6DS  # noqa: E402
from sensors.mpu6050 import MPU6050  # noqa: E402

T0 = 1000.0
POLL_S = 0.05
PHASE_S = 0.0123  # first poll after start: keeps reads off the sample grid (see above)
AFTER_S = 5.0
STALLS_S = (0.5, 2.0, 5.0, 20.0)
RATES_HZ = (100.0, 200.0)
CHIPS = ("MPU-6050", "MPU-6500", "LSM6DS3", "LSM6DSOX")
TIME_CODE = TimeCode(t0_s=T0, ramp_dps_per_s=30.0)  # true sample times (gyro at 2000 dps)


@dataclass
class Row:
    chip: str
    rate_hz: float
    stall_s: float
    capacity: int
    produced: int
    delivered: int
    gap_lost: int
    dropped: int
    step: int
    err_ms: float

    @property
    def equal(self) -> bool:
        return self.gap_lost == self.dropped


def make(chip: str, rate_hz: float, rate_error: float) -> tuple[FifoImu, object, FakeClock]:
    """A started driver on a fake chip (gyro at 2000 dps so the time code fits)."""
    clock = FakeClock(T0)
    bus = FakeBus()
    settings = ImuSettings(rate_hz=rate_hz, gyro_range_dps=2000)
    imu: FifoImu
    if chip.startswith("MPU"):
        variant = chip.replace("-", "").lower()
        fake: object = bus.attach(0x68, FakeMPU6050(clock, variant, TIME_CODE.motion, rate_error))
        imu = MPU6050(bus, 0x68, settings, clock=clock, sleep=clock.sleep)
    else:
        cls = FakeLSM6DS3 if chip == "LSM6DS3" else FakeLSM6DSOX
        fake = bus.attach(0x6A, cls(clock, TIME_CODE.motion, rate_error))
        imu = LSM6DS(bus, 0x6A, settings, clock=clock, sleep=clock.sleep)
    imu.start()
    return imu, fake, clock


def poll(imu: FifoImu, clock: FakeClock, seconds: float) -> ImuChunk:
    chunks = []
    for _ in range(round(seconds / POLL_S)):
        clock.advance(POLL_S)
        chunks.append(imu.read())
    return ImuChunk.concat(chunks)


def run(chip: str, rate_hz: float, stall_s: float, rate_error: float, warmup_s: float) -> Row:
    imu, fake, clock = make(chip, rate_hz, rate_error)
    clock.advance(PHASE_S)
    before = poll(imu, clock, warmup_s)
    clock.advance(stall_s)
    at_stall = imu.read()
    after = poll(imu, clock, AFTER_S)
    lost = before.lost_samples + at_stall.lost_samples + after.lost_samples
    delivered = len(before) + len(at_stall) + len(after)
    assert delivered == fake.samples_delivered  # type: ignore[attr-defined]
    chunk = ImuChunk.concat([before, at_stall, after])
    true_s = TIME_CODE.true_times(chunk)
    i = len(before) + len(at_stall)  # first sample after the stall
    true_period_s = 1.0 / (imu.rate_hz * (1.0 + rate_error))
    hole = round((true_s[i] - true_s[i - 1]) / true_period_s) - 1
    err_ms = float(np.abs(chunk.t_s[i:] - true_s[i:]).max() * 1e3)
    return Row(chip, imu.rate_hz, stall_s, imu.fifo_capacity_frames,
               fake.samples_produced, delivered, lost,  # type: ignore[attr-defined]
               fake.samples_dropped, hole - lost, err_ms)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate-error", type=float, default=0.0,
                        help="the fake oscillators' error, e.g. -0.03 for 3 %% slow (default 0)")
    parser.add_argument("--warmup", type=float, default=20.0, metavar="S",
                        help="seconds of 50 ms polling before the stall (default 20)")
    args = parser.parse_args(argv)
    logging.getLogger("sensors").setLevel(logging.ERROR)  # the table says what was lost
    print(f"poll every {POLL_S * 1e3:.0f} ms, {args.warmup:g} s warm-up, stall, "
          f"{AFTER_S:g} s more; oscillator error {args.rate_error:+.1%}")
    head = (f"{'chip':9} {'rate':>5} {'stall_s':>7} {'cap':>4} {'produced':>8} "
            f"{'delivered':>9} {'gap_lost':>8} {'dropped':>7} {'equal':>5} {'step':>4} "
            f"{'err_ms':>6}")
    print(head)
    print("-" * len(head))
    all_equal = True
    for chip in CHIPS:
        for rate_hz in RATES_HZ:
            for stall_s in STALLS_S:
                r = run(chip, rate_hz, stall_s, args.rate_error, args.warmup)
                all_equal &= r.equal and r.step == 0
                print(f"{r.chip:9} {r.rate_hz:5g} {r.stall_s:7g} {r.capacity:4d} "
                      f"{r.produced:8d} {r.delivered:9d} {r.gap_lost:8d} {r.dropped:7d} "
                      f"{'yes' if r.equal else 'NO':>5} {r.step:4d} {r.err_ms:6.2f}")
    print("every hole reported exactly" if all_equal else "MISMATCH: see the rows above")
    return 0 if all_equal else 1


if __name__ == "__main__":
    raise SystemExit(main())
