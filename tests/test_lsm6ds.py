"""LSM6DS3 / LSM6DSOX driver against the register-level fakes."""

from __future__ import annotations

import errno
import struct
from typing import Any

import numpy as np
import pytest

from sensors import lsm6ds as reg
from sensors.chunk import ImuChunk
from sensors.errors import SensorError
from sensors.fakes.bus import FakeBus, FakeChip, FakeClock, MotionSource, still_motion
from sensors.fakes.lsm6ds import FakeLSM6DS3, FakeLSM6DSOX
from sensors.fifo_imu import ImuSettings
from sensors.lsm6ds import LSM6DS, decode_ds3, decode_dsox, nearest_odr_hz

T0 = 1000.0
FAKES = {"LSM6DS3": FakeLSM6DS3, "LSM6DSOX": FakeLSM6DSOX}
MODELS = sorted(FAKES)
G_LSB_4G = 0.122e-3
DPS_LSB_500 = 17.5e-3
RAMP_DPS_PER_S = 10.0  # gyro y encodes when a sample was taken (see true_times)


def wave_motion(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every axis different and time-varying, so swaps, sign or timing errors show."""
    t = t_s - T0
    acc = np.column_stack([0.5 * np.sin(2.0 * t), -0.25 + 0.03 * t, 0.8 * np.cos(1.3 * t)])
    gyr = np.column_stack([100.0 * np.sin(1.1 * t), RAMP_DPS_PER_S * t, 10.0 * np.cos(0.7 * t)])
    return acc, gyr


def true_times(chunk: ImuChunk) -> np.ndarray:
    """When the fake took each sample, read back from the gyro-y ramp (+-0.9 ms)."""
    return T0 + chunk.gyro_dps[:, 1] / RAMP_DPS_PER_S


def rig(
    model: str,
    address: int = 0x6A,
    motion: MotionSource = wave_motion,
    bus: FakeBus | None = None,
    start: bool = True,
    **settings: Any,
) -> tuple[LSM6DS, FakeLSM6DS3 | FakeLSM6DSOX, FakeBus, FakeClock]:
    clock = FakeClock(T0)
    bus = bus or FakeBus()
    fake = bus.attach(address, FAKES[model](clock, motion=motion))
    imu = LSM6DS(bus, address, ImuSettings(**settings), clock=clock, sleep=clock.sleep)
    if start:
        imu.start()
    return imu, fake, bus, clock  # type: ignore[return-value]


def drain(imu: LSM6DS, clock: FakeClock, seconds: float, step_s: float = 0.05) -> ImuChunk:
    chunks = []
    for _ in range(round(seconds / step_s)):
        clock.advance(step_s)
        chunks.append(imu.read())
    return ImuChunk.concat(chunks)


def assert_matches_motion(chunk: ImuChunk, motion: MotionSource = wave_motion) -> None:
    """Decoded values equal the motion at the stamped times, to half an LSB."""
    acc, gyr = motion(chunk.t_s)
    np.testing.assert_allclose(chunk.accel_g, acc, atol=G_LSB_4G / 2 + 1e-9)
    np.testing.assert_allclose(chunk.gyro_dps, gyr, atol=DPS_LSB_500 / 2 + 1e-9)


# --- identification and configuration ------------------------------------------------


@pytest.mark.parametrize("model,who", [("LSM6DS3", 0x69), ("LSM6DSOX", 0x6C)])
def test_who_am_i_identifies_the_variant(model: str, who: int) -> None:
    imu, fake, bus, _ = rig(model, start=False)
    assert bus.read_byte_data(0x6A, reg.WHO_AM_I) == who
    imu.start()
    assert imu.model == model
    assert imu.variant is not None and imu.variant.who_am_i == who


def test_wrong_chip_is_a_one_line_sensor_error() -> None:
    clock = FakeClock(T0)
    bus = FakeBus()
    other = bus.attach(0x6A, FakeChip(clock))
    other.regs[reg.WHO_AM_I] = 0x6A  # an LSM6DSL/LSM6DS3TR-C: different FIFO
    imu = LSM6DS(bus, 0x6A, clock=clock, sleep=clock.sleep)
    with pytest.raises(SensorError, match=r"WHO_AM_I is 0x6a") as err:
        imu.start()
    assert "\n" not in str(err.value)


def test_expect_rejects_the_other_variant() -> None:
    clock = FakeClock(T0)
    bus = FakeBus()
    bus.attach(0x6B, FakeLSM6DS3(clock))
    imu = LSM6DS(bus, 0x6B, expect="LSM6DSOX", clock=clock, sleep=clock.sleep)
    with pytest.raises(SensorError, match="found LSM6DS3, expected LSM6DSOX"):
        imu.start()


def test_no_chip_is_a_one_line_sensor_error() -> None:
    clock = FakeClock(T0)
    imu = LSM6DS(FakeBus(), 0x6B, clock=clock, sleep=clock.sleep)
    with pytest.raises(SensorError, match="0x6b") as err:
        imu.start()
    assert "\n" not in str(err.value) and "SA0" in str(err.value)


@pytest.mark.parametrize(
    "requested,odr", [(100, 104.0), (104, 104.0), (50, 52.0), (25, 26.0), (200, 208.0),
                      (1000, 208.0), (10, 26.0)]
)
def test_rate_rounds_to_the_nearest_odr(requested: float, odr: float) -> None:
    assert nearest_odr_hz(requested) == odr


def test_control_registers_read_like_the_datasheet() -> None:
    for model in MODELS:
        imu, fake, _, _ = rig(model, rate_hz=100)
        assert imu.rate_hz == 104.0
        assert fake.regs[reg.CTRL1_XL] == 0b0100_10_00  # 104 Hz, +-4 g
        assert fake.regs[reg.CTRL2_G] == 0b0100_01_00  # 104 Hz, 500 dps
        assert fake.regs[reg.CTRL3_C] == reg.CTRL3_C_BDU | reg.CTRL3_C_IF_INC
        if model == "LSM6DS3":
            assert fake.regs[reg.DS3_FIFO_CTRL3] == 0b00_001_001  # gyro, accel: no decimation
            assert fake.regs[reg.DS3_FIFO_CTRL5] == 0b0_0100_110  # ODR_FIFO 104 Hz, continuous
        else:
            assert fake.regs[reg.DSOX_FIFO_CTRL3] == 0b0100_0100  # BDR gyro/accel 104 Hz
            assert fake.regs[reg.DSOX_FIFO_CTRL4] == 0b110  # continuous, no temp/timestamp
            assert fake.regs[reg.CTRL9_XL] & reg.DSOX_CTRL9_XL_I3C_DISABLE


def test_ranges_round_up_to_a_full_scale_the_chip_has() -> None:
    imu, fake, _, _ = rig("LSM6DSOX", accel_range_g=3, gyro_range_dps=2000, rate_hz=52)
    assert (imu.accel_range_g, imu.gyro_range_dps) == (4, 2000)
    assert fake.regs[reg.CTRL1_XL] == 0b0011_10_00
    assert fake.regs[reg.CTRL2_G] == 0b0011_11_00


def test_close_powers_the_chip_down() -> None:
    imu, fake, _, _ = rig("LSM6DS3")
    imu.close()
    assert fake.regs[reg.CTRL1_XL] >> 4 == 0 and fake.regs[reg.CTRL2_G] >> 4 == 0


# --- decoding --------------------------------------------------------------------------


def test_ds3_pattern_is_gyro_then_accel_little_endian() -> None:
    raw = struct.pack("<6h", 100, -200, 300, 8192, -8192, 16384) * 2
    acc, gyr = decode_ds3(raw, G_LSB_4G, DPS_LSB_500)
    np.testing.assert_allclose(gyr[1], [100 * DPS_LSB_500, -200 * DPS_LSB_500, 300 * DPS_LSB_500])
    np.testing.assert_allclose(acc[0], [8192 * G_LSB_4G, -8192 * G_LSB_4G, 16384 * G_LSB_4G])
    assert acc.shape == gyr.shape == (2, 3)
    # byte order: 0x34 0x12 is 0x1234
    acc, _ = decode_ds3(bytes([0] * 6 + [0x34, 0x12] + [0] * 4), 1.0, 1.0)
    assert acc[0, 0] == 0x1234


def _dsox_word(sensor: int, cnt: int, xyz: tuple[int, int, int]) -> bytes:
    return bytes([sensor << 3 | cnt << 1]) + struct.pack("<3h", *xyz)


def test_dsox_pairs_tagged_words_in_either_order() -> None:
    raw = (
        _dsox_word(reg.DSOX_TAG_GYRO_NC, 0, (1, 2, 3))
        + _dsox_word(reg.DSOX_TAG_XL_NC, 0, (4, 5, 6))
        + _dsox_word(reg.DSOX_TAG_XL_NC, 1, (14, 15, 16))  # accel first this slot
        + _dsox_word(reg.DSOX_TAG_GYRO_NC, 1, (11, 12, 13))
    )
    acc, gyr = decode_dsox(raw, 1.0, 1.0)
    np.testing.assert_array_equal(gyr, [[1, 2, 3], [11, 12, 13]])
    np.testing.assert_array_equal(acc, [[4, 5, 6], [14, 15, 16]])


@pytest.mark.parametrize(
    "second",
    [
        _dsox_word(reg.DSOX_TAG_GYRO_NC, 0, (0, 0, 0)),  # two gyro words
        _dsox_word(reg.DSOX_TAG_XL_NC, 1, (0, 0, 0)),  # accel of another slot
        _dsox_word(0x03, 0, (0, 0, 0)),  # temperature word
    ],
)
def test_dsox_out_of_step_words_raise(second: bytes) -> None:
    raw = _dsox_word(reg.DSOX_TAG_GYRO_NC, 0, (1, 2, 3)) + second
    with pytest.raises(OSError) as err:
        decode_dsox(raw, 1.0, 1.0)
    assert err.value.errno == errno.EIO


@pytest.mark.parametrize("model", MODELS)
def test_gravity_and_rotation_decode_to_g_and_dps(model: str) -> None:
    def tilted_spin(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(t_s)
        return np.tile([0.0, 0.6, 0.8], (n, 1)), np.tile([0.0, 0.0, -90.0], (n, 1))

    imu, _, _, clock = rig(model, motion=tilted_spin)
    chunk = drain(imu, clock, 1.0)
    assert abs(len(chunk) - 104) <= 1
    np.testing.assert_allclose(chunk.accel_g, np.tile([0, 0.6, 0.8], (len(chunk), 1)),
                               atol=G_LSB_4G / 2)
    np.testing.assert_allclose(chunk.gyro_dps[:, 2], -90.0, atol=DPS_LSB_500 / 2)
    np.testing.assert_allclose(np.linalg.norm(chunk.accel_g, axis=1), 1.0, atol=1e-3)


@pytest.mark.parametrize("model", MODELS)
def test_values_beyond_full_scale_clip_at_the_rails(model: str) -> None:
    def violent(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(t_s)
        return np.tile([9.0, -9.0, 0.0], (n, 1)), np.tile([900.0, 0.0, 0.0], (n, 1))

    imu, _, _, clock = rig(model, motion=violent)
    chunk = drain(imu, clock, 0.2)
    np.testing.assert_allclose(chunk.accel_g[:, 0], 32767 * G_LSB_4G)
    np.testing.assert_allclose(chunk.accel_g[:, 1], -32768 * G_LSB_4G)
    np.testing.assert_allclose(chunk.gyro_dps[:, 0], 32767 * DPS_LSB_500)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rate_hz", [26, 52, 104, 208])
def test_fifo_stream_matches_motion_at_the_stamped_times(model: str, rate_hz: int) -> None:
    imu, fake, _, clock = rig(model, rate_hz=rate_hz)
    chunk = drain(imu, clock, 3.01, step_s=0.07)
    assert len(chunk) == int(3.01 * rate_hz + 1e-6)
    assert not chunk.gaps
    assert_matches_motion(chunk)
    np.testing.assert_allclose(np.diff(chunk.t_s), 1.0 / rate_hz, rtol=1e-9)
    assert fake.samples_dropped == 0


# --- overflow -----------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("stall_s", [7.0, 11.3, 40.0])
def test_overflow_gap_counts_exactly_the_samples_dropped(model: str, stall_s: float) -> None:
    imu, fake, _, clock = rig(model)
    before = drain(imu, clock, 1.0)
    clock.advance(stall_s)  # nobody reads: the FIFO fills and overwrites
    after_stall = imu.read()
    assert fake.overflow_events >= 1
    assert len(after_stall) == 0
    assert after_stall.gaps and after_stall.gaps[0].reason == "overflow"
    assert after_stall.lost_samples == fake.samples_dropped
    after = drain(imu, clock, 2.0)
    assert not after.gaps
    # samples after the hole are stamped in their true slots, not shifted (the
    # sample clock's drift estimate may move them by a small part of a period)
    timing_error_s = np.abs(after.t_s - true_times(after))
    assert timing_error_s.max() < 0.1 / imu.rate_hz + DPS_LSB_500 / RAMP_DPS_PER_S
    gap_s = after.t_s[0] - before.t_s[-1]
    assert round(gap_s * imu.rate_hz) == after_stall.lost_samples + 1
    assert imu.stats.samples_lost == fake.samples_dropped
    produced = fake.samples_delivered + fake.samples_dropped + fake.fifo_samples
    assert produced == fake.samples_produced
    assert fake.samples_delivered == len(before) + len(after)


@pytest.mark.parametrize("model", MODELS)
def test_fifo_holds_its_datasheet_capacity(model: str) -> None:
    imu, fake, _, clock = rig(model)
    capacity = fake.capacity_samples
    assert capacity == {"LSM6DS3": 8192 // 12, "LSM6DSOX": 3072 // 12}[model]
    clock.advance((capacity + 0.5) / imu.rate_hz)  # just fits
    chunk = imu.read()
    assert len(chunk) == capacity and not chunk.gaps
    clock.advance((capacity + 1.5) / imu.rate_hz)  # one too many: overwrite
    chunk = imu.read()
    assert chunk.lost_samples == fake.samples_dropped >= 1


@pytest.mark.parametrize("model", MODELS)
def test_repeated_overflows_keep_exact_accounting(model: str) -> None:
    imu, fake, _, clock = rig(model)
    lost = 0
    for stall_s in (0.5, 4.0, 0.2, 9.0, 0.1, 3.3):
        clock.advance(stall_s)
        lost += imu.read().lost_samples
    assert lost == fake.samples_dropped > 0


# --- I/O errors ---------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_a_glitch_is_retried_without_losing_samples(model: str) -> None:
    imu, fake, bus, clock = rig(model)
    first = drain(imu, clock, 0.5)
    bus.fail(0x6A, 1)  # the next transfer (status read) fails once
    second = drain(imu, clock, 0.5)
    assert imu.stats.io_retries == 1
    assert not second.gaps and fake.samples_dropped == 0
    both = ImuChunk.concat([first, second])
    assert_matches_motion(both)


class BurstFailBus(FakeBus):
    """Fails the next FIFO burst (i2c_rdwr) with EIO: bytes may have been popped."""

    fail_bursts = 0

    def i2c_rdwr(self, *msgs: Any) -> None:
        if self.fail_bursts:
            self.fail_bursts -= 1
            raise OSError(errno.EIO, "fake burst failure")
        super().i2c_rdwr(*msgs)


@pytest.mark.parametrize("model", MODELS)
def test_a_failed_burst_becomes_an_exact_io_gap(model: str) -> None:
    bus = BurstFailBus()
    imu, fake, _, clock = rig(model, bus=bus)
    drain(imu, clock, 0.5)
    bus.fail_bursts = 1
    clock.advance(0.5)  # 52 samples: a burst above 32 bytes goes through i2c_rdwr
    chunk = imu.read()
    assert [g.reason for g in chunk.gaps] == ["io_error"]
    assert chunk.lost_samples == fake.samples_dropped > 0
    after = drain(imu, clock, 0.5)
    assert not after.gaps
    assert_matches_motion(after)


@pytest.mark.parametrize("model", MODELS)
def test_a_dead_chip_ends_in_one_sensor_error(model: str) -> None:
    imu, _, bus, clock = rig(model)
    drain(imu, clock, 0.2)
    bus.fail(0x6A, 10_000)
    with pytest.raises(SensorError) as err:
        for _ in range(20):
            clock.advance(0.05)
            imu.read()
    assert "\n" not in str(err.value) and "0x6a" in str(err.value)


@pytest.mark.parametrize("model", MODELS)
def test_reinit_after_an_outage_reports_the_hole(model: str) -> None:
    imu, fake, bus, clock = rig(model)
    drain(imu, clock, 0.5)
    bus.fail(0x6A, imu.retry_policy.attempts)  # status read fails every retry
    clock.advance(0.05)
    chunk = imu.read()  # re-initialises the chip
    assert imu.stats.reinits == 1
    rest = drain(imu, clock, 1.0)
    total = ImuChunk.concat([chunk, rest]).lost_samples
    assert total == fake.samples_dropped
    assert_matches_motion(rest)


def test_fake_bus_reads_are_still_quantised_exactly() -> None:
    """Guard for the tests above: the fake rounds to the nearest LSB, no more."""
    imu, _, _, clock = rig("LSM6DSOX", motion=still_motion)
    chunk = drain(imu, clock, 0.1)
    assert np.all(chunk.accel_g[:, 2] == round(1 / G_LSB_4G) * G_LSB_4G)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rate_error", [0.03, -0.03])
def test_oscillator_error_is_tracked_without_gaps(model: str, rate_error: float) -> None:
    clock = FakeClock(T0)
    bus = FakeBus()
    fake = bus.attach(0x6A, FAKES[model](clock, motion=wave_motion, rate_error=rate_error))
    imu = LSM6DS(bus, 0x6A, ImuSettings(), clock=clock, sleep=clock.sleep)
    imu.start()
    chunk = drain(imu, clock, 30.0)
    assert not chunk.gaps and fake.samples_dropped == 0
    assert len(chunk) == fake.samples_delivered == int(30.0 * 104 * (1 + rate_error) + 1e-6)
    true_period_s = 1.0 / (104 * (1 + rate_error))
    assert imu.period_s == pytest.approx(true_period_s, rel=5e-3)
    np.testing.assert_allclose(np.diff(chunk.t_s[-500:]), true_period_s, rtol=5e-3)
