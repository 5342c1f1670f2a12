"""FifoImu: retries, re-initialisation, overflow and gap accounting (deterministic, FakeClock)."""

from __future__ import annotations

import errno
import random
from typing import Any

import numpy as np
import pytest

from sensors.base import ImuSource
from sensors.chunk import ImuChunk
from sensors.errors import SensorError
from sensors.fakes.bus import FakeBus, FakeClock, MotionSource
from sensors.fakes.mpu6050 import FakeMPU6050
from sensors.fakes.timecode import TimeCode
from sensors.fifo_imu import FifoImu, ImuSettings
from sensors.mpu6050 import (
    FIFO_COUNTH,
    FIFO_R_W,
    INT_STATUS,
    INT_STATUS_FIFO_OFLOW,
    MPU6050,
    WHO_AM_I,
)
from sensors.retry import RetryPolicy, describe_oserror, retry_io

T0 = 1000.0
TIME_CODE = TimeCode(t0_s=T0, ramp_dps_per_s=50.0)  # true sample times (gyro at 2000 dps)


class FlakyBus(FakeBus):
    """A FakeBus whose chosen transfers fail: by kind ("read"/"write") and register.

    ``count=-1`` fails forever. FIFO bursts arrive as i2c_rdwr (> 32 bytes) or
    block reads; both are matched as reads of their register.
    """

    def __init__(self) -> None:
        super().__init__()
        self.rules: list[list[Any]] = []

    def fail_on(self, kind: str, register: int | None = None, count: int = 1,
                err: int = errno.EREMOTEIO) -> None:
        self.rules.append([kind, register, count, err])

    def _check(self, kind: str, register: int) -> None:
        for rule in self.rules:
            r_kind, r_reg, remaining, err = rule
            if r_kind == kind and r_reg in (None, register) and remaining != 0:
                rule[2] = remaining - 1 if remaining > 0 else -1
                raise OSError(err, f"injected {errno.errorcode[err]}")

    def read_byte_data(self, i2c_addr: int, register: int) -> int:
        self._check("read", register)
        return super().read_byte_data(i2c_addr, register)

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None:
        self._check("write", register)
        super().write_byte_data(i2c_addr, register, value)

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]:
        self._check("read", register)
        return super().read_i2c_block_data(i2c_addr, register, length)

    def i2c_rdwr(self, *i2c_msgs: Any) -> None:
        self._check("read", bytes(i2c_msgs[0])[0])
        super().i2c_rdwr(*i2c_msgs)


def rig(
    rate_hz: float = 100.0,
    motion: MotionSource = TIME_CODE.motion,
    fake_cls: type[FakeMPU6050] = FakeMPU6050,
) -> tuple[MPU6050, FakeMPU6050, FlakyBus, FakeClock]:
    clock = FakeClock(T0)
    bus = FlakyBus()
    fake = bus.attach(0x68, fake_cls(clock, motion=motion))
    settings = ImuSettings(rate_hz=rate_hz, gyro_range_dps=2000)
    imu = MPU6050(bus, 0x68, settings, clock=clock, sleep=clock.sleep)
    imu.start()
    return imu, fake, bus, clock


def read_for(imu: FifoImu, clock: FakeClock, duration_s: float, every_s: float) -> ImuChunk:
    chunks = []
    for _ in range(round(duration_s / every_s)):
        clock.advance(every_s)
        chunks.append(imu.read())
    return ImuChunk.concat(chunks)


def assert_no_silent_loss(chunk: ImuChunk, period_s: float) -> None:
    """Consecutive samples are one period apart in true time unless a Gap says otherwise.

    A re-initialised chip restarts its sampling at a phase the driver only
    knows to within its retry pauses, so across an ``io_error`` gap the step
    is ``lost + 1`` periods give or take under one.
    """
    lost = np.zeros(len(chunk), dtype=np.int64)
    restart = np.zeros(len(chunk), dtype=bool)
    for g in chunk.gaps:
        if g.index < len(chunk):
            lost[g.index] += g.lost
            restart[g.index] |= g.reason == "io_error"
    steps = np.diff(TIME_CODE.true_times(chunk)) / period_s
    low = np.where(restart[1:], 0.5, 1 - 0.01) + lost[1:]
    high = np.where(restart[1:], 2.25, 1 + 0.01) + lost[1:]
    bad = np.flatnonzero((steps < low) | (steps >= high))
    assert bad.size == 0, f"steps {steps[bad][:5]} vs gaps {lost[1:][bad][:5]} at {bad[:5]}"
    assert np.all(np.diff(chunk.t_s) > 0)


# --- retry policy -----------------------------------------------------------------
def test_retry_io_repeats_until_success_and_reports_each_retry() -> None:
    calls, retries, pauses = [], [], []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OSError(errno.EREMOTEIO, "nack")
        return "ok"

    result = retry_io(flaky, 3, delay_s=0.001, on_retry=lambda n, e: retries.append(n),
                      sleep=pauses.append)
    assert result == "ok" and len(calls) == 3 and retries == [1, 2]
    assert pauses == [0.001, 0.002]


def test_retry_io_gives_up_after_the_last_attempt() -> None:
    def dead() -> None:
        raise OSError(errno.EIO, "gone")

    with pytest.raises(OSError) as info:
        retry_io(dead, 4, sleep=lambda s: None)
    assert info.value.errno == errno.EIO


def test_retry_io_can_refuse_and_never_retries_bugs() -> None:
    calls: list[int] = []

    def f() -> None:
        calls.append(1)
        raise OSError(errno.EIO, "maybe consumed data")

    with pytest.raises(OSError):
        retry_io(f, 3, retry_if=lambda e: e.errno == errno.EREMOTEIO)
    assert len(calls) == 1

    def bug() -> None:
        calls.append(2)
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        retry_io(bug, 3)
    assert calls.count(2) == 1
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


def test_describe_oserror_is_short_and_names_the_errno() -> None:
    text = describe_oserror(OSError(errno.EREMOTEIO, "Remote I/O error"))
    assert text.startswith("errno 121 EREMOTEIO") and "\n" not in text


# --- protocol and lifecycle -----------------------------------------------------------------
def test_driver_is_an_imu_source_and_refuses_read_before_start() -> None:
    clock = FakeClock(T0)
    imu = MPU6050(FakeBus(), clock=clock, sleep=clock.sleep)
    assert isinstance(imu, ImuSource)
    with pytest.raises(RuntimeError, match="before start"):
        imu.read()


def test_close_sleeps_the_chip_and_leaves_an_injected_bus_open() -> None:
    imu, fake, bus, clock = rig()
    imu.close()
    assert not fake.awake and not bus.closed
    imu.close()  # twice is harmless


def test_a_bus_number_is_opened_and_closed_by_the_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(T0)
    bus = FakeBus()
    bus.attach(0x68, FakeMPU6050(clock))
    monkeypatch.setattr("sensors.fifo_imu.open_bus", lambda n: bus)
    with MPU6050(3, clock=clock, sleep=clock.sleep) as imu:
        assert imu.where == "MPU-6050 at 0x68 on /dev/i2c-3"
    assert bus.closed


# --- retries that cure -------------------------------------------------------------------------
@pytest.mark.parametrize("err", [errno.EREMOTEIO, errno.EIO, errno.ETIMEDOUT])
@pytest.mark.parametrize("failures", [1, 2])
def test_status_read_glitches_are_retried_without_loss(err: int, failures: int) -> None:
    imu, fake, bus, clock = rig()
    first = read_for(imu, clock, 0.5, 0.1)
    bus.fail(0x68, failures, err)  # the next transfers: INT_STATUS, FIFO_COUNT
    clock.advance(0.1)
    chunk = ImuChunk.concat([first, imu.read(), read_for(imu, clock, 0.5, 0.1)])
    assert not chunk.gaps
    assert len(chunk) == 110 == fake.samples_delivered
    assert imu.stats.io_retries == failures and imu.stats.reinits == 0
    assert_no_silent_loss(chunk, 0.01)


def test_a_nacked_fifo_burst_is_retried_because_nothing_was_popped() -> None:
    imu, fake, bus, clock = rig()
    bus.fail_on("read", FIFO_R_W, count=2, err=errno.EREMOTEIO)
    chunk = read_for(imu, clock, 1.0, 0.1)
    assert not chunk.gaps and len(chunk) == 100 == fake.samples_delivered
    assert imu.stats.io_retries == 2
    assert_no_silent_loss(chunk, 0.01)


def test_an_eio_fifo_burst_resets_the_fifo_and_reports_the_hole() -> None:
    """EIO may strike mid-transfer, after bytes were popped: not safe to repeat."""
    imu, fake, bus, clock = rig()
    before = read_for(imu, clock, 0.5, 0.1)
    bus.fail_on("read", FIFO_R_W, count=1, err=errno.EIO)
    clock.advance(0.1)
    hole = imu.read()
    after = read_for(imu, clock, 0.5, 0.1)
    assert len(hole) == 0 and [g.reason for g in hole.gaps] == ["io_error"]
    assert hole.gaps[0].lost == fake.samples_dropped == 10
    assert len(after) == 50
    chunk = ImuChunk.concat([before, hole, after])
    assert len(chunk) + chunk.lost_samples == fake.samples_produced - fake.samples_in_fifo
    assert_no_silent_loss(chunk, 0.01)


# --- re-initialisation ------------------------------------------------------------------------
def test_retries_exhausted_reinitialise_and_report_the_time_as_a_gap() -> None:
    imu, fake, bus, clock = rig()
    before = read_for(imu, clock, 0.5, 0.1)
    bus.fail_on("read", FIFO_COUNTH, count=imu.retry_policy.attempts)
    clock.advance(0.1)
    t_fail_s = clock()
    hole = imu.read()
    assert fake.device_resets == 2 and imu.stats.reinits == 1
    assert len(hole) == 0 and [g.reason for g in hole.gaps] == ["io_error"]
    lost = hole.gaps[0].lost
    # the 10 samples in the FIFO and the reset/wake time (0.11 s) are all accounted
    restart_s = clock()  # after 3 retries (1 + 2 ms) and the reset and wake waits (110 ms)
    assert restart_s - t_fail_s == pytest.approx(0.003 + 0.11)
    assert lost == int((restart_s - before.t_s[-1]) / 0.01) == 21
    assert lost >= fake.samples_dropped == 10
    after = read_for(imu, clock, 0.5, 0.1)
    assert len(after) == 50 and not after.gaps
    assert after.t_s[0] == pytest.approx(restart_s + 0.01)  # re-anchored on the restart
    np.testing.assert_allclose(after.t_s, TIME_CODE.true_times(after), atol=1e-3)
    assert before.t_s[-1] + lost * 0.01 <= after.t_s[0]


def test_a_chip_that_never_answers_again_is_a_one_line_sensor_error() -> None:
    imu, fake, bus, clock = rig()
    read_for(imu, clock, 0.3, 0.1)
    bus.fail(0x68, 10_000, errno.EREMOTEIO)
    clock.advance(0.1)
    with pytest.raises(SensorError) as info:
        imu.read()
    msg = str(info.value)
    assert "\n" not in msg and "0x68 on FlakyBus" in msg and "errno 121" in msg
    assert info.value.__suppress_context__
    assert imu.stats.reinits == imu.max_reinit_attempts


def test_reads_that_keep_needing_reinit_end_in_a_sensor_error() -> None:
    """Re-init works but FIFO_COUNT never reads: a few gaps, then a clear error."""
    imu, fake, bus, clock = rig()
    bus.fail_on("read", FIFO_COUNTH, count=-1, err=errno.EIO)
    gaps = []
    for _ in range(imu.max_consecutive_failed_reads):
        clock.advance(0.1)
        chunk = imu.read()
        assert len(chunk) == 0 and chunk.gaps[0].reason == "io_error"
        gaps.append(chunk.gaps[0])
    clock.advance(0.1)
    with pytest.raises(SensorError, match=r"0x68 on FlakyBus.*errno 5"):
        imu.read()
    assert all(g.lost > 0 for g in gaps)


def test_a_garbled_who_am_i_during_recovery_is_retried_then_reported() -> None:
    imu, fake, bus, clock = rig()
    bus.fail_on("read", FIFO_COUNTH, count=3)
    bus.fail_on("read", WHO_AM_I, count=3, err=errno.EIO)  # first re-init fails
    clock.advance(0.1)
    chunk = imu.read()
    assert chunk.gaps[0].reason == "io_error" and imu.stats.reinits == 2
    fake.regs[WHO_AM_I] = 0x00
    fake.who_am_i = 0x00
    bus.fail_on("read", FIFO_COUNTH, count=3)
    clock.advance(0.1)
    with pytest.raises(SensorError, match="WHO_AM_I reads 0x00"):
        imu.read()


# --- overflow while draining -----------------------------------------------------------------
class SlowBusFake(FakeMPU6050):
    """Frames keep arriving while a 100 kHz bus drains the FIFO (about 1.1 ms per frame)."""

    frame_time_s = 12 * 9 / 100e3

    def _pop(self, n_bytes: int) -> bytes:
        out = bytearray()
        for start in range(0, n_bytes, 12):
            out += super()._pop(min(12, n_bytes - start))
            self.clock.advance(self.frame_time_s)  # type: ignore[attr-defined]
            self._advance()
        return bytes(out)


def test_an_overflow_during_the_burst_discards_the_misaligned_burst() -> None:
    imu, fake, bus, clock = rig(rate_hz=1000.0, fake_cls=SlowBusFake)
    chunks, popped_bytes = [], []
    # 84 frames waiting at the status read (no overflow yet); draining them takes
    # 91 ms at 100 kHz while 91 more arrive, so the FIFO overflows mid-burst
    for every_s in [0.02] * 3 + [0.2, 0.084] + [0.01] * 4:
        clock.advance(every_s)
        popped_before = fake.fifo_bytes_read
        chunks.append(imu.read())
        popped_bytes.append(fake.fifo_bytes_read - popped_before)
    mid_burst = chunks[4]
    assert popped_bytes[4] == 84 * 12 and len(mid_burst) == 0
    assert [g.reason for g in mid_burst.gaps] == ["overflow"]
    chunk = ImuChunk.concat(chunks)
    assert fake.samples_overwritten > 0
    # every sample handed out is intact (a misaligned frame would not read +1 g on z)
    np.testing.assert_allclose(chunk.accel_g, np.tile([0.0, 0.0, 1.0], (len(chunk), 1)))
    assert_no_silent_loss(chunk, 0.001)
    assert chunk.lost_samples >= fake.samples_dropped


class LostFlagFake(FakeMPU6050):
    """INT_STATUS never shows FIFO_OFLOW_INT (as if something else read and cleared it)."""

    def read_register(self, register: int) -> int:
        value = super().read_register(register)
        return value & ~INT_STATUS_FIFO_OFLOW if register == INT_STATUS else value


@pytest.mark.parametrize("stall_s", [0.9, 2.0])
def test_an_overflow_is_caught_by_the_misaligned_count_even_without_the_flag(
    stall_s: float,
) -> None:
    imu, fake, bus, clock = rig(fake_cls=LostFlagFake)
    before = read_for(imu, clock, 0.5, 0.1)
    clock.advance(stall_s)
    hole = imu.read()
    after = read_for(imu, clock, 0.5, 0.1)
    assert [g.lost for g in hole.gaps] == [fake.samples_dropped] == [round(stall_s * 100)]
    chunk = ImuChunk.concat([before, hole, after])
    np.testing.assert_allclose(chunk.accel_g, np.tile([0.0, 0.0, 1.0], (len(chunk), 1)))
    assert_no_silent_loss(chunk, 0.01)


# --- soak: random polling and random bus trouble ---------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_random_polling_and_glitches_never_lose_or_duplicate_silently(seed: int) -> None:
    rng = random.Random(seed)
    imu, fake, bus, clock = rig(rate_hz=rng.choice([100.0, 200.0]))
    chunks = []
    while clock() < T0 + 35.0:
        roll = rng.random()
        clock.advance(rng.choice([0.5, 1.0, 2.5]) if roll < 0.05 else rng.uniform(0.0, 0.15))
        if roll > 0.9:
            bus.fail(0x68, rng.randint(1, 5), rng.choice([errno.EREMOTEIO, errno.EIO]))
        elif roll > 0.85:
            bus.fail_on("read", FIFO_R_W, 1, rng.choice([errno.EREMOTEIO, errno.EIO]))
        chunks.append(imu.read())
    chunk = ImuChunk.concat(chunks)
    assert len(chunk) == fake.samples_delivered  # nothing duplicated or invented
    assert chunk.lost_samples >= fake.samples_dropped  # everything dropped is reported
    assert imu.stats.overflows > 0 and imu.stats.io_retries > 0
    assert_no_silent_loss(chunk, 1.0 / imu.rate_hz)
    if imu.stats.reinits == 0:  # without restarts the count is exact
        assert chunk.lost_samples == fake.samples_dropped
