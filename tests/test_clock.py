"""SampleClock: drift correction against the fakes' true sample times (FakeClock-driven).

The fakes sample a motion whose gyro encodes *when* each sample was taken (a
coarse ramp and a fine sawtooth, to a few microseconds), so every delivered
sample carries its true time and the stamps can be checked against it:
oscillators at nominal, +2 %, -2 % and -3 %, irregular polling with read
latency, overflows, and a thigh+shank pair whose chips drift apart.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from sensors.chunk import ImuChunk
from sensors.clock import SampleClock, lower_envelope_line
from sensors.fakes.bus import FakeBus, FakeClock
from sensors.fakes.lsm6ds import FakeLSM6DS3, FakeLSM6DSOX
from sensors.fakes.mpu6050 import FakeMPU6050
from sensors.fakes.timecode import TimeCode
from sensors.fifo_imu import FifoImu, ImuSettings
from sensors.lsm6ds import LSM6DS
from sensors.mpu6050 import MPU6050
from sensors.pair import SensorPair

T0 = 1000.0
TIME_CODE = TimeCode(t0_s=T0, ramp_dps_per_s=30.0)  # gyro x/y: true sample times (60 s fit)
SHANK_RAMP_DPS_PER_S = 30.0  # shank gyro z: a ramp, so interpolation keeps its time
CONVERGED_S = 30.0  # the clock has converged by then (assertions look after it)
TOLERANCE_S = 0.005  # stamp error allowed after convergence
CHIPS = ["mpu6050", "mpu6500", "LSM6DS3", "LSM6DSOX"]


def time_motion(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TIME_CODE's still motion, plus gyro z a plain ramp (the shank's time in a pair)."""
    acc, gyr = TIME_CODE.motion(t_s)
    gyr[:, 2] = SHANK_RAMP_DPS_PER_S * (t_s - T0) - 900.0
    return acc, gyr


class LaggyClock:
    """The driver's view of a FakeClock: every reading arrives ``latency()`` late.

    The fakes keep the plain FakeClock, so samples taken during the latency
    are not in the burst that was just read, as on a busy Pi.
    """

    def __init__(self, clock: FakeClock, latency: Callable[[], float]) -> None:
        self.fake, self.latency = clock, latency

    def __call__(self) -> float:
        self.fake.advance(self.latency())
        return self.fake()


@dataclass
class Rig:
    imu: FifoImu
    fake: FakeMPU6050 | FakeLSM6DS3 | FakeLSM6DSOX
    clock: FakeClock

    @property
    def true_period_s(self) -> float:
        return 1.0 / (self.imu.rate_hz * (1.0 + self.fake.rate_error))


def rig(
    chip: str,
    rate_error: float = 0.0,
    rate_hz: float = 100.0,
    latency: Callable[[], float] | None = None,
    bus: FakeBus | None = None,
    clock: FakeClock | None = None,
    address: int | None = None,
) -> Rig:
    """A started driver for ``chip`` whose fake oscillator is off by ``rate_error``."""
    clock = clock or FakeClock(T0)
    bus = bus or FakeBus()
    settings = ImuSettings(rate_hz=rate_hz, gyro_range_dps=2000)
    drv_clock: Callable[[], float] = clock if latency is None else LaggyClock(clock, latency)
    imu: FifoImu
    if chip.startswith("mpu"):
        address = address or 0x68
        fake = bus.attach(address, FakeMPU6050(clock, chip, time_motion, rate_error))
        imu = MPU6050(bus, address, settings, clock=drv_clock, sleep=clock.sleep)
    else:
        address = address or 0x6A
        cls = {"LSM6DS3": FakeLSM6DS3, "LSM6DSOX": FakeLSM6DSOX}[chip]
        fake = bus.attach(address, cls(clock, time_motion, rate_error))
        imu = LSM6DS(bus, address, settings, clock=drv_clock, sleep=clock.sleep)
    imu.start()
    return Rig(imu, fake, clock)  # type: ignore[arg-type]


def poll(
    source: FifoImu | SensorPair,
    clock: FakeClock,
    until_s: float,
    interval: Callable[[], float] = lambda: 0.05,
) -> ImuChunk:
    """Read until ``T0 + until_s``; check each read's stamps against its read time."""
    chunks = []
    while clock() < T0 + until_s:
        clock.advance(interval())
        chunk = source.read()
        if len(chunk):
            # stamped at the end of read(): no sample can be newer than that
            assert chunk.t_s[-1] <= clock(), "a stamp lies after its read time"
        chunks.append(chunk)
    return ImuChunk.concat(chunks)


def assert_tracks(chunk: ImuChunk, period_s: float, after_s: float = CONVERGED_S) -> float:
    """Strictly increasing stamps within TOLERANCE_S of the true times after ``after_s``."""
    assert len(chunk) > 0
    assert np.all(np.diff(chunk.t_s) > 0), "timestamps must strictly increase"
    true_s = TIME_CODE.true_times(chunk)
    late = true_s > T0 + after_s
    assert np.count_nonzero(late) > 100
    err_s = np.abs(chunk.t_s[late] - true_s[late])
    assert err_s.max() < TOLERANCE_S, f"stamps off by up to {err_s.max() * 1e3:.1f} ms"
    # and no big jumps: spacing stays within a few percent of the true period
    steps = np.diff(chunk.t_s[late]) / period_s
    ok = np.isclose(steps, np.round(steps), atol=0.03) & (np.round(steps) >= 1)
    assert ok.all(), f"uneven spacing {steps[~ok][:5]}"
    return float(err_s.max())


# --- oscillator error -------------------------------------------------------------
@pytest.mark.parametrize("rate_error", [0.0, 0.02, -0.02, -0.03])
@pytest.mark.parametrize("chip", CHIPS)
def test_stamps_converge_to_the_true_sample_times(chip: str, rate_error: float) -> None:
    r = rig(chip, rate_error)
    chunk = poll(r.imu, r.clock, CONVERGED_S + 6.0)
    assert not chunk.gaps and len(chunk) == r.fake.samples_delivered
    assert r.imu.period_s == pytest.approx(r.true_period_s, rel=2e-4)
    # reads every 50 ms meet a 104 Hz grid at only 5 phases: the lower envelope
    # can be late by up to P / 5 = 1.9 ms there; elsewhere it is far closer
    assert assert_tracks(chunk, r.true_period_s) < 0.0025


@pytest.mark.parametrize("rate_error", [0.02, -0.02, -0.03])
def test_a_drift_correction_is_spread_gently(rate_error: float) -> None:
    """The error left from the nominal-period start is removed at <= 2 % per sample."""
    r = rig("mpu6050", rate_error)
    chunk = poll(r.imu, r.clock, 20.0)
    steps = np.diff(chunk.t_s) / r.true_period_s
    err_s = chunk.t_s - TIME_CODE.true_times(chunk)
    fitted = chunk.t_s[1:] > T0 + SampleClock.MIN_BASELINE_S + 1.0
    if rate_error < 0:
        # slow: nominal-period stamps fall ~0.1 s behind, then the error is slewed
        # out; the spacing never strays further than the oscillator error + 2 %
        assert err_s.min() < -0.05
        assert np.all(np.abs(steps - 1) <= -rate_error + SampleClock.MAX_SLEW + 1e-6)
    # fast: before the fit, blocks that would pass the read time are squeezed up
    # to it (about a period every 0.5 s at 2 %); after the fit, both are gentle
    assert np.all(np.abs(steps[fitted] - 1) <= SampleClock.MAX_SLEW + 1e-6)
    assert np.abs(err_s[-200:]).max() < 0.002


# --- irregular polling -------------------------------------------------------------
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("chip", "rate_error"), [("mpu6050", 0.02), ("LSM6DSOX", -0.03),
                                                  ("LSM6DS3", -0.02), ("mpu6500", 0.0)])
def test_read_jitter_and_latency_do_not_bias_the_stamps(
    chip: str, rate_error: float, seed: int
) -> None:
    rng = random.Random(seed)

    def latency() -> float:  # mostly a few ms, now and then a 20-60 ms hiccup
        return rng.uniform(0.02, 0.06) if rng.random() < 0.05 else rng.uniform(0.0, 0.004)

    r = rig(chip, rate_error, latency=latency)
    chunk = poll(r.imu, r.clock, CONVERGED_S + 10.0, lambda: rng.uniform(0.02, 0.2))
    assert not chunk.gaps
    assert r.imu.period_s == pytest.approx(r.true_period_s, rel=5e-4)
    assert_tracks(chunk, r.true_period_s)


# --- overflow ----------------------------------------------------------------------
@pytest.mark.parametrize("stall_s", [1.5, 4.0, 12.0])
@pytest.mark.parametrize(("chip", "rate_error"), [("mpu6050", -0.03), ("mpu6500", 0.02),
                                                  ("LSM6DS3", -0.02), ("LSM6DSOX", -0.03)])
def test_overflow_skips_keep_the_slots_on_a_drifting_chip(
    chip: str, rate_error: float, stall_s: float
) -> None:
    r = rig(chip, rate_error)
    capacity_s = r.imu.fifo_capacity_frames * r.true_period_s
    before = poll(r.imu, r.clock, 25.0)
    r.clock.advance(stall_s + capacity_s)  # nobody reads: the FIFO overflows
    hole = r.imu.read()
    assert [g.reason for g in hole.gaps] == ["overflow"]
    assert hole.lost_samples == r.fake.samples_dropped  # counted on the chip's own grid
    after = poll(r.imu, r.clock, 25.0 + stall_s + capacity_s + 15.0)
    assert not after.gaps
    chunk = ImuChunk.concat([before, hole, after])
    assert_tracks(chunk, r.true_period_s, after_s=20.0)
    # the first sample after the hole sits exactly lost + 1 true periods on
    true_s = TIME_CODE.true_times(chunk)
    i = len(before)
    assert round((true_s[i] - true_s[i - 1]) / r.true_period_s) == hole.lost_samples + 1
    assert abs(after.t_s[0] - true_s[i]) < TOLERANCE_S


# --- thigh + shank -----------------------------------------------------------------
def test_pair_with_oppositely_drifting_chips_stays_aligned() -> None:
    """Thigh MPU-6050 2 % fast, shank LSM6DSOX 2 % slow: aligned to well within a period."""
    clock = FakeClock(T0)
    bus = FakeBus()
    thigh = rig("mpu6050", 0.02, bus=bus, clock=clock)
    shank = rig("LSM6DSOX", -0.02, bus=bus, clock=clock)
    pair = SensorPair(thigh.imu, shank.imu)
    chunk = poll(pair, clock, CONVERGED_S + 10.0)
    assert chunk.has_shank and not chunk.gaps
    assert chunk.shank_gyro_dps is not None
    thigh_true_s = TIME_CODE.true_times(chunk)
    # the shank's ramp, interpolated onto the thigh's stamps, says when the shank was there
    shank_true_s = T0 + (chunk.shank_gyro_dps[:, 2] + 900.0) / SHANK_RAMP_DPS_PER_S
    late = thigh_true_s > T0 + CONVERGED_S
    misalignment_s = np.abs(shank_true_s[late] - thigh_true_s[late])
    period_s = 1.0 / pair.rate_hz
    assert misalignment_s.max() < 0.3 * period_s, misalignment_s.max()
    assert_tracks(chunk, thigh.true_period_s)


# --- the clock on its own ----------------------------------------------------------------
def test_lower_envelope_line_finds_the_line_under_noisy_points() -> None:
    rng = np.random.default_rng(1)
    x = np.arange(0, 3000, 5, dtype=np.float64)
    line = 12.5 + 0.0098 * x
    t = line + rng.exponential(0.003, x.size)  # latency: never early, sometimes very late
    t[::7] = line[::7] + 1e-5  # some reads come right after a sample
    a, p = lower_envelope_line(x, t)
    assert p == pytest.approx(0.0098, rel=1e-5)
    assert a == pytest.approx(12.5, abs=2e-5)
    assert np.all(a + p * x <= t + 1e-12)
    a, p = lower_envelope_line(x, t, lo=0.0099, hi=0.011)  # clamped slope
    assert p == 0.0099 and np.all(a + p * x <= t + 1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_lower_envelope_line_is_the_highest_feasible_line_mid_range(seed: int) -> None:
    """Brute force over all point pairs agrees (uneven spacing, clusters, ties)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    x = np.cumsum(rng.choice([1.0, 1.0, 2.0, 17.0], n))
    t = 0.01 * x + rng.choice([0.0, 0.0, 0.004, 0.009], n) * rng.random(n)
    a, p = lower_envelope_line(x, t)
    assert np.all(a + p * x <= t + 1e-12)
    x_mid = (x[0] + x[-1]) / 2
    best = -np.inf
    for i in range(n):
        for j in range(i + 1, n):
            if x[i] <= x_mid <= x[j]:
                pj = (t[j] - t[i]) / (x[j] - x[i])
                aj = t[i] - pj * x[i]
                if np.all(aj + pj * x <= t + 1e-12):
                    best = max(best, aj + pj * x_mid)
    assert a + p * x_mid == pytest.approx(best, abs=1e-12)


@dataclass
class ModelChip:
    """A chip in arithmetic only: sample k at ``t0 + k * period``; FIFO counts by time."""

    t0: float
    period: float
    delivered: int = 0

    def available(self, now_s: float) -> int:
        return int(np.floor((now_s - self.t0) / self.period)) + 1 - self.delivered


@pytest.mark.parametrize("rate_error", [-0.05, -0.03, 0.0, 0.03, 0.05])
def test_clock_alone_tracks_a_model_chip_with_skips(rate_error: float) -> None:
    rng = random.Random(7)
    clock = SampleClock(0.01)
    clock.anchor(0.0)
    chip = ModelChip(t0=rng.uniform(0.0, 0.01), period=0.01 / (1 + rate_error))
    now_s, stamps, truth = 0.0, [], []
    while now_s < 60.0:
        now_s += rng.uniform(0.02, 0.2)
        n = chip.available(now_s)
        if 20.0 < now_s < 40.0 and rng.random() < 0.03:
            clock.skip(n, now_s)  # as after an overflow: the slots elapse unseen
            chip.delivered += n
            continue
        read_s = now_s + rng.uniform(0.0, 0.003)
        t = clock.stamp(n, read_s)
        assert len(t) == n and (n == 0 or t[-1] <= read_s)
        stamps.extend(t)
        truth.extend(chip.t0 + chip.period * np.arange(chip.delivered, chip.delivered + n))
        chip.delivered += n
    stamps_a, truth_a = np.array(stamps), np.array(truth)
    assert np.all(np.diff(stamps_a) > 0)
    late = truth_a > 25.0
    assert np.abs(stamps_a[late] - truth_a[late]).max() < 0.002
    assert clock.period_s == pytest.approx(chip.period, rel=1e-4)


def test_skip_keeps_the_slots_and_stamps_never_pass_the_read_time() -> None:
    clock = SampleClock(0.01)
    clock.anchor(100.0)
    np.testing.assert_allclose(clock.stamp(10, 100.1), 100.01 + 0.01 * np.arange(10))
    clock.skip(25, 100.35)
    assert clock.count == 35
    assert clock.stamp(1, 100.4)[0] == pytest.approx(100.36)
    # more samples than can have been taken by now (a fast chip): squeezed up to now
    t = clock.stamp(8, 100.44)
    assert t[-1] == 100.44 and np.all(np.diff(t) > 0) and t[0] > 100.36
    assert clock.next_t_s == pytest.approx(100.45)


def test_a_reinitialised_chip_keeps_its_drift_estimate() -> None:
    """After a re-init the chip restarts, but its oscillator is still 3 % slow."""
    r = rig("mpu6050", -0.03)
    before = poll(r.imu, r.clock, 25.0)
    period_s = r.imu.period_s
    assert period_s == pytest.approx(r.true_period_s, rel=1e-4)
    bus = r.imu.bus
    assert isinstance(bus, FakeBus)
    bus.fail(0x68, r.imu.retry_policy.attempts)  # the status read fails for good
    r.clock.advance(0.05)
    hole = r.imu.read()
    assert [g.reason for g in hole.gaps] == ["io_error"] and r.imu.stats.reinits == 1
    assert r.imu.period_s == period_s  # carried over, not back to nominal
    after = poll(r.imu, r.clock, 29.0)  # less than the 5 s a new fit needs
    assert np.all(np.diff(ImuChunk.concat([before, hole, after]).t_s) > 0)
    err_s = np.abs(after.t_s - TIME_CODE.true_times(after))
    assert err_s.max() < 0.002  # with the nominal period it would reach ~0.1 s


def test_a_skip_never_puts_a_slot_after_the_time_it_was_found() -> None:
    clock = SampleClock(0.01)
    clock.anchor(100.0)
    clock.stamp(5, 100.05)
    clock.skip(80, 100.5)  # more slots than fit by then (an over-count)
    assert clock.count == 85 and clock.next_t_s == pytest.approx(100.51)
    t = clock.stamp(2, 100.52)
    assert np.all(t > 100.5) and t[-1] <= 100.52
