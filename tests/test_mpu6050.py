"""MPU-6050 family driver against the register-level fake (and, optionally, a real chip)."""

from __future__ import annotations

import errno
import os
import time
from typing import Any

import numpy as np
import pytest

from sensors.chunk import ImuChunk
from sensors.errors import SensorError
from sensors.fakes.bus import FakeBus, FakeClock, MotionSource, still_motion
from sensors.fakes.mpu6050 import VARIANTS, FakeMPU6050
from sensors.fifo_imu import ImuSettings
from sensors.mpu6050 import (
    ACCEL_CONFIG,
    CONFIG,
    CONFIG_FIFO_MODE,
    FIFO_EN,
    GYRO_CONFIG,
    MPU6050,
    SMPLRT_DIV,
    registers_for,
)

T0 = 1000.0  # FakeClock start
RAMP_DPS_PER_S = 50.0  # gyro x encodes the true sample time (see time_motion)


def time_motion(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Still, but gyro x ramps with time so each decoded sample tells when it was taken."""
    acc, gyr = still_motion(t_s)
    gyr = gyr.copy()
    gyr[:, 0] = RAMP_DPS_PER_S * (t_s - T0)
    return acc, gyr


def true_times(chunk: ImuChunk) -> np.ndarray:
    return T0 + chunk.gyro_dps[:, 0] / RAMP_DPS_PER_S


def rig(
    variant: str = "mpu6050",
    address: int = 0x68,
    motion: MotionSource = still_motion,
    rate_error: float = 0.0,
    bus: FakeBus | None = None,
    **settings: Any,
) -> tuple[MPU6050, FakeMPU6050, FakeBus, FakeClock]:
    """A started driver on a fake bus with a fake chip, all on one FakeClock."""
    clock = FakeClock(T0)
    bus = bus or FakeBus()
    fake = FakeMPU6050(clock, variant=variant, motion=motion, rate_error=rate_error)
    bus.attach(address, fake)
    imu = MPU6050(bus, address, ImuSettings(**settings), clock=clock, sleep=clock.sleep)
    imu.start()
    return imu, fake, bus, clock


def read_for(imu: MPU6050, clock: FakeClock, duration_s: float, every_s: float) -> ImuChunk:
    chunks = []
    for _ in range(round(duration_s / every_s)):
        clock.advance(every_s)
        chunks.append(imu.read())
    return ImuChunk.concat(chunks)


# --- identity -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("variant", "model", "fifo_frames"),
    [
        ("mpu6050", "MPU-6050", 1024 // 12),
        ("mpu6500", "MPU-6500", 512 // 12),
        ("mpu9250", "MPU-9250", 512 // 12),
        ("mpu9255", "MPU-9255", 512 // 12),
    ],
)
def test_who_am_i_tells_the_variants_apart(variant: str, model: str, fifo_frames: int) -> None:
    imu, fake, _, _ = rig(variant)
    assert fake.regs[0x75] == VARIANTS[variant]
    assert imu.model == model
    assert imu.fifo_capacity_frames == fifo_frames
    assert model in imu.where


def test_wrong_who_am_i_is_a_one_line_sensor_error() -> None:
    clock = FakeClock(T0)
    bus = FakeBus()
    fake = bus.attach(0x68, FakeMPU6050(clock))
    fake.who_am_i = 0x12
    fake.regs[0x75] = 0x12
    with pytest.raises(SensorError) as info:
        MPU6050(bus, clock=clock, sleep=clock.sleep).start()
    msg = str(info.value)
    assert "\n" not in msg and "0x12" in msg and "0x68" in msg and "WHO_AM_I" in msg


def test_no_chip_is_a_one_line_sensor_error_naming_bus_and_address() -> None:
    clock = FakeClock(T0)
    with pytest.raises(SensorError) as info:
        MPU6050(FakeBus(), 0x69, clock=clock, sleep=clock.sleep).start()
    msg = str(info.value)
    assert "\n" not in msg and "0x69" in msg and "FakeBus" in msg
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_address_0x69() -> None:
    imu, fake, _, clock = rig(address=0x69)
    assert imu.address == 0x69
    assert len(read_for(imu, clock, 0.5, 0.1)) == 50
    assert fake.samples_delivered == 50


def test_driver_at_0x68_does_not_find_a_chip_at_0x69() -> None:
    clock = FakeClock(T0)
    bus = FakeBus()
    bus.attach(0x69, FakeMPU6050(clock))
    with pytest.raises(SensorError, match="0x68"):
        MPU6050(bus, 0x68, clock=clock, sleep=clock.sleep).start()


def test_other_addresses_are_refused() -> None:
    with pytest.raises(ValueError, match="0x68 or 0x69"):
        MPU6050(FakeBus(), 0x6A)


# --- ranges and scaling -----------------------------------------------------------------
@pytest.mark.parametrize("range_g", [2, 4, 8, 16])
@pytest.mark.parametrize(("axis", "sign"), [(0, 1.0), (1, -1.0), (2, 1.0)])
def test_gravity_on_an_axis_reads_one_g(range_g: int, axis: int, sign: float) -> None:
    def gravity(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        acc = np.zeros((len(t_s), 3))
        acc[:, axis] = sign
        return acc, np.zeros((len(t_s), 3))

    imu, fake, _, clock = rig(motion=gravity, accel_range_g=range_g)
    assert (fake.regs[ACCEL_CONFIG] >> 3) & 3 == {2: 0, 4: 1, 8: 2, 16: 3}[range_g]
    chunk = read_for(imu, clock, 0.2, 0.05)
    expected = np.zeros(3)
    expected[axis] = sign
    np.testing.assert_allclose(chunk.accel_g, np.tile(expected, (len(chunk), 1)), atol=1e-12)


@pytest.mark.parametrize(
    ("range_dps", "lsb"), [(250, 131.0), (500, 65.5), (1000, 32.8), (2000, 16.4)]
)
def test_rotation_rate_reads_back_in_dps(range_dps: int, lsb: float) -> None:
    rates_dps = np.array([123.4, -45.6, 7.8])

    def spin(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return still_motion(t_s)[0], np.tile(rates_dps, (len(t_s), 1))

    imu, fake, _, clock = rig(motion=spin, gyro_range_dps=range_dps)
    assert (fake.regs[GYRO_CONFIG] >> 3) & 3 == {250: 0, 500: 1, 1000: 2, 2000: 3}[range_dps]
    chunk = read_for(imu, clock, 0.2, 0.05)
    assert len(chunk) == 20
    np.testing.assert_allclose(chunk.gyro_dps, np.tile(rates_dps, (20, 1)), atol=0.5 / lsb + 1e-12)


def test_readings_beyond_full_scale_clip_at_the_rail() -> None:
    def violent(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(t_s)
        return np.tile([5.0, -5.0, 1.0], (n, 1)), np.tile([400.0, -400.0, 0.0], (n, 1))

    imu, _, _, clock = rig(motion=violent, accel_range_g=2, gyro_range_dps=250)
    chunk = read_for(imu, clock, 0.1, 0.1)
    np.testing.assert_allclose(chunk.accel_g[0], [32767 / 16384, -2.0, 1.0])
    np.testing.assert_allclose(chunk.gyro_dps[0], [32767 / 131, -32768 / 131, 0.0])


def test_unsupported_ranges_and_rates_are_refused_up_front() -> None:
    for bad in (
        {"accel_range_g": 3},
        {"gyro_range_dps": 300},
        {"rate_hz": 2000.0},
        {"rate_hz": 1.0},
    ):
        with pytest.raises(ValueError):
            MPU6050(FakeBus(), settings=ImuSettings(**bad))


# --- sample rate -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rate_hz", "div", "actual_hz"),
    [(1000.0, 0, 1000.0), (500.0, 1, 500.0), (200.0, 4, 200.0), (100.0, 9, 100.0),
     (50.0, 19, 50.0), (150.0, 6, 1000.0 / 7), (4.0, 249, 4.0)],
)
def test_rate_divider(rate_hz: float, div: int, actual_hz: float) -> None:
    imu, fake, _, clock = rig(rate_hz=rate_hz)
    assert fake.regs[SMPLRT_DIV] == div
    assert imu.rate_hz == pytest.approx(actual_hz)
    assert fake.sample_rate_hz == pytest.approx(actual_hz)
    chunk = read_for(imu, clock, 2.0, 0.02 if rate_hz >= 500 else 0.25)
    assert len(chunk) == int(2.0 * actual_hz + 1e-6)
    assert not chunk.gaps


@pytest.mark.parametrize(("rate_hz", "cfg"), [(1000.0, 1), (200.0, 2), (100.0, 3), (50.0, 4),
                                              (20.0, 5), (10.0, 6), (4.0, 6)])
def test_default_dlpf_is_the_widest_below_nyquist(rate_hz: float, cfg: int) -> None:
    imu, fake, _, _ = rig(rate_hz=rate_hz)
    assert fake.regs[CONFIG] & 0x07 == cfg
    assert imu.registers.dlpf_bandwidth_hz <= max(rate_hz / 2, 5.0)


def test_explicit_dlpf_picks_the_nearest_bandwidth() -> None:
    assert registers_for(ImuSettings(dlpf_hz=40.0)).dlpf_cfg == 3
    assert registers_for(ImuSettings(dlpf_hz=100.0)).dlpf_cfg == 2
    assert registers_for(ImuSettings(dlpf_hz=90.0), "MPU-6500").dlpf_bandwidth_hz == 92.0


def test_fifo_holds_accel_and_gyro_only_and_overwrites_when_full() -> None:
    imu, fake, _, _ = rig("mpu9250")
    assert fake.regs[FIFO_EN] == 0x78  # ACCEL + XG + YG + ZG, no temperature
    assert not fake.regs[CONFIG] & CONFIG_FIFO_MODE


# --- bus traffic ---------------------------------------------------------------------------
class SpyBus(FakeBus):
    """Records the burst sizes that go over SMBus block reads and over i2c_rdwr."""

    def __init__(self) -> None:
        super().__init__()
        self.block_reads: list[int] = []
        self.rdwr_reads: list[int] = []

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]:
        self.block_reads.append(length)
        return super().read_i2c_block_data(i2c_addr, register, length)

    def i2c_rdwr(self, *i2c_msgs: Any) -> None:
        self.rdwr_reads += [m.len for m in i2c_msgs if m.flags & 1]
        super().i2c_rdwr(*i2c_msgs)


def test_bursts_over_32_bytes_go_through_i2c_rdwr() -> None:
    bus = SpyBus()
    imu, fake, _, clock = rig(bus=bus)
    bus.block_reads.clear()
    clock.advance(0.02)  # 2 frames = 24 bytes: one SMBus block read
    assert len(imu.read()) == 2
    assert 24 in bus.block_reads and not bus.rdwr_reads
    clock.advance(0.5)  # 50 frames = 600 bytes: one combined transaction
    assert len(imu.read()) == 50
    assert bus.rdwr_reads == [600]
    assert all(n <= 32 for n in bus.block_reads)
    assert fake.samples_delivered == 52


# --- timestamps ----------------------------------------------------------------------------
def test_timestamps_are_index_times_period_not_read_times() -> None:
    imu, fake, _, clock = rig(motion=time_motion, rate_hz=100.0)
    started_s = clock()  # after the chip's reset and wake-up waits
    chunks = []
    for dt_s in (0.013, 0.1, 0.037, 0.25, 0.004, 0.5):  # irregular polling
        clock.advance(dt_s)
        chunks.append(imu.read())
    chunk = ImuChunk.concat(chunks)
    assert len(chunk) == fake.samples_delivered == round((clock() - started_s) * 100)
    np.testing.assert_allclose(np.diff(chunk.t_s), 0.01, atol=1e-9)
    np.testing.assert_allclose(chunk.t_s, true_times(chunk), atol=1e-3)
    assert chunk.t_s[0] == pytest.approx(started_s + 0.01)


def test_timestamps_follow_a_2_percent_fast_oscillator() -> None:
    imu, fake, _, clock = rig(
        motion=time_motion, rate_error=0.02, rate_hz=100.0, gyro_range_dps=2000
    )
    chunk = read_for(imu, clock, 30.0, 0.1)
    assert not chunk.gaps
    assert len(chunk) == fake.samples_delivered == fake.samples_produced - fake.samples_in_fifo
    assert len(chunk) == pytest.approx(30.0 * 102, abs=1)
    assert np.all(np.diff(chunk.t_s) > 0)
    assert imu.period_s == pytest.approx(0.01 / 1.02, rel=1e-3)
    err_s = chunk.t_s - true_times(chunk)
    # uncorrected, the last stamps would be 0.6 s late; corrected, within ~a period
    assert abs(err_s[-300:]).max() < 0.015
    assert all(t <= clock() for t in chunk.t_s)


# --- overflow --------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["mpu6050", "mpu6500"])
@pytest.mark.parametrize("rate_hz", [100.0, 200.0])
@pytest.mark.parametrize("stall_s", [1.5, 3.0, 7.25])
def test_a_stalled_reader_reports_exactly_what_overflowed(
    variant: str, rate_hz: float, stall_s: float
) -> None:
    imu, fake, _, clock = rig(variant, motion=time_motion, rate_hz=rate_hz)
    period_s = 1.0 / rate_hz
    before = read_for(imu, clock, 1.0, 0.05)
    assert fake.samples_dropped == 0 and not before.gaps
    clock.advance(stall_s)
    gap_chunk = imu.read()
    assert len(gap_chunk) == 0 and len(gap_chunk.gaps) == 1
    gap = gap_chunk.gaps[0]
    assert gap.reason == "overflow"
    assert gap.lost == fake.samples_dropped  # what the fake overflowed, no more
    assert gap.lost == round(stall_s * rate_hz)  # every sample since the last read
    after = read_for(imu, clock, 1.0, 0.05)
    assert not after.gaps and len(after) == round(rate_hz)
    # the stream resumes on the same sample grid, the gap's slots skipped
    assert after.t_s[0] == pytest.approx(before.t_s[-1] + (gap.lost + 1) * period_s)
    np.testing.assert_allclose(after.t_s, true_times(after), atol=1e-3)
    total = ImuChunk.concat([before, gap_chunk, after])
    assert len(total) + total.lost_samples == fake.samples_produced - fake.samples_in_fifo
    assert imu.stats.overflows == 1 and imu.stats.samples_lost == gap.lost


def test_fifo_just_full_is_not_an_overflow() -> None:
    imu, fake, _, clock = rig(rate_hz=100.0)
    clock.advance(0.85)  # 85 frames = 1020 bytes: full, nothing overwritten yet
    chunk = imu.read()
    assert len(chunk) == 85 and not chunk.gaps and fake.samples_dropped == 0


def test_fifo_mode_stop_when_full_is_counted_too() -> None:
    """The fake's 6500-family FIFO_MODE=1 (not what the driver uses) also reports exactly."""
    imu, fake, bus, clock = rig("mpu6500")
    bus.write_byte_data(0x68, CONFIG, fake.regs[CONFIG] | CONFIG_FIFO_MODE)
    clock.advance(2.0)
    chunk = imu.read()
    assert chunk.lost_samples == 200 == fake.samples_dropped


# --- hardware tier -----------------------------------------------------------------------
HW_BUS = os.environ.get("GLIDECOUNT_HW_BUS")


@pytest.mark.hardware
@pytest.mark.skipif(
    not HW_BUS,
    reason="no real IMU: set GLIDECOUNT_HW_BUS=<I2C bus number> "
    "(and GLIDECOUNT_HW_ADDR=0x69 if AD0 is high) to run against an MPU-6050 family chip",
)
def test_real_chip_at_rest() -> None:
    """On a Pi: the chip lying still streams ~100 Hz of ~1 g with no gaps."""
    assert HW_BUS is not None
    address = int(os.environ.get("GLIDECOUNT_HW_ADDR", "0x68"), 0)
    with MPU6050(int(HW_BUS), address, ImuSettings(rate_hz=100.0)) as imu:
        assert imu.model in ("MPU-6050", "MPU-6500", "MPU-9250", "MPU-9255")
        t_end = time.monotonic() + 3.0
        chunks = []
        while time.monotonic() < t_end:
            time.sleep(0.05)
            chunks.append(imu.read())
    chunk = ImuChunk.concat(chunks)
    assert not chunk.gaps, chunk.gaps
    assert len(chunk) == pytest.approx(300, rel=0.06)
    assert np.all(np.diff(chunk.t_s) > 0)
    norm_g = np.linalg.norm(chunk.accel_g, axis=1)
    assert np.median(norm_g) == pytest.approx(1.0, abs=0.1)
    assert np.abs(np.median(chunk.gyro_dps, axis=0)).max() < 10.0


def test_bus_errors_are_oserrors_with_errno_121_by_default() -> None:
    """Guards the assumption the retry tests rely on."""
    bus = FakeBus()
    bus.fail(0x68, 1)
    with pytest.raises(OSError) as info:
        bus.read_byte_data(0x68, 0x75)
    assert info.value.errno == errno.EREMOTEIO
