"""Probe, sensor pair, open_imu and the record/probe commands, all on a FakeBus."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

import numpy as np
import pytest

import firmware_py.commands.probe as probe_cmd
import firmware_py.commands.record as record_cmd
import sensors.open
from firmware_py.cli import main
from sensors.chunk import Gap, ImuChunk
from sensors.errors import SensorError, UserError
from sensors.fakes.bus import FakeBus, FakeChip, FakeClock
from sensors.fakes.lsm6ds import FakeLSM6DS3, FakeLSM6DSOX
from sensors.fakes.mpu6050 import FakeMPU6050
from sensors.fifo_imu import FifoImu
from sensors.lsm6ds import LSM6DS
from sensors.mpu6050 import MPU6050
from sensors.open import open_imu, parse_address
from sensors.pair import SHANK_GAP, SensorPair
from sensors.probe import Found, probe, scan
from sensors.recording import read_recording

T0 = 1000.0


def thigh_motion(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = t_s - T0
    acc = np.column_stack([np.sin(t), np.cos(t), 0.5 + 0 * t])
    gyr = np.column_stack([50 * np.sin(2 * t), 10 * t, 0 * t])
    return acc, gyr


def shank_motion(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Different from the thigh's on every axis, smooth enough to interpolate."""
    t = t_s - T0
    acc = np.column_stack([0.3 * np.sin(3 * t), -0.5 + 0 * t, np.cos(2 * t)])
    gyr = np.column_stack([20 * t, 80 * np.cos(t), 5 + 0 * t])
    return acc, gyr


# Interpolating smooth motion between samples ~10 ms apart, plus quantisation.
SHANK_ACC_TOL_G = 5e-4
SHANK_GYR_TOL_DPS = 0.05


def bus_with(clock: FakeClock, **chips: str) -> tuple[FakeBus, dict[int, FakeChip]]:
    """``bus_with(clock, a68="mpu", a6a="dsox")``: a FakeBus with those chips."""
    bus = FakeBus()
    made: dict[int, FakeChip] = {}
    for key, kind in chips.items():
        address = int(key[1:], 16)
        motion = shank_motion if kind.endswith("_shank") else thigh_motion
        kind = kind.removesuffix("_shank")
        if kind == "mpu":
            made[address] = bus.attach(address, FakeMPU6050(clock, motion=motion))
        elif kind == "ds3":
            made[address] = bus.attach(address, FakeLSM6DS3(clock, motion=motion))
        elif kind == "dsox":
            made[address] = bus.attach(address, FakeLSM6DSOX(clock, motion=motion))
        else:
            made[address] = bus.attach(address, FakeChip(clock))  # something else entirely
    return bus, made


def read_for(source: object, clock: FakeClock, seconds: float, step_s: float = 0.05) -> ImuChunk:
    chunks = []
    for _ in range(round(seconds / step_s)):
        clock.advance(step_s)
        chunks.append(source.read())  # type: ignore[attr-defined]
    return ImuChunk.concat(chunks) if any(len(c) or c.gaps for c in chunks) else chunks[0]


# --- probe ------------------------------------------------------------------------


def test_probe_with_no_chip_is_one_line_naming_bus_addresses_and_wiring() -> None:
    with pytest.raises(SensorError) as err:
        probe(FakeBus(), "/dev/i2c-1")
    msg = str(err.value)
    assert "\n" not in msg
    for part in ("/dev/i2c-1", "0x68", "0x69", "0x6a", "0x6b", "deploy/WIRING.md"):
        assert part in msg


def test_probe_finds_one_chip_and_its_model() -> None:
    bus, _ = bus_with(FakeClock(T0), a6b="dsox")
    assert probe(bus) == [Found(0x6B, "LSM6DSOX", 0x6C)]


def test_probe_finds_two_chips_in_address_order() -> None:
    bus, _ = bus_with(FakeClock(T0), a6a="ds3", a68="mpu")
    found = probe(bus)
    assert [(f.model, f.address) for f in found] == [("MPU-6050", 0x68), ("LSM6DS3", 0x6A)]
    assert [f.family for f in found] == ["mpu6050", "lsm6ds"]


def test_probe_reports_an_unsupported_device_and_skips_it() -> None:
    bus, chips = bus_with(FakeClock(T0), a68="other")
    chips[0x68].regs[0x75] = 0x12  # not an MPU WHO_AM_I (an RTC lives at 0x68 too)
    assert [str(f) for f in scan(bus)] == ["0x68: unknown device (ID register reads 0x12)"]
    with pytest.raises(SensorError, match="unknown device"):
        probe(bus)


def test_probe_rides_out_a_glitch() -> None:
    bus, _ = bus_with(FakeClock(T0), a6a="dsox")
    bus.fail(0x6A, 1)
    assert [f.model for f in probe(bus)] == ["LSM6DSOX"]


def test_probe_does_not_write_to_the_chips() -> None:
    bus, chips = bus_with(FakeClock(T0), a68="mpu", a6a="dsox")
    before = {a: bytes(c.regs) for a, c in chips.items()}
    probe(bus)
    assert {a: bytes(c.regs) for a, c in chips.items()} == before


def test_probe_command_prints_model_and_address(monkeypatch, capsys) -> None:
    bus, _ = bus_with(FakeClock(T0), a68="mpu", a6b="ds3")
    monkeypatch.setattr(probe_cmd, "open_bus", lambda n: bus)
    assert main(["probe", "--bus", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["MPU-6050 at 0x68 on /dev/i2c-3", "LSM6DS3 at 0x6b on /dev/i2c-3"]
    assert bus.closed


def test_probe_command_without_imu_prints_one_line_exit_2(monkeypatch, capsys) -> None:
    monkeypatch.setattr(probe_cmd, "open_bus", lambda n: FakeBus())
    assert main(["probe"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "deploy/WIRING.md" in err and "/dev/i2c-1" in err


def test_probe_command_without_bus_device_prints_one_line(capsys) -> None:
    if os.path.exists("/dev/i2c-97"):
        pytest.skip("this machine has /dev/i2c-97")
    assert main(["probe", "--bus", "97"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/dev/i2c-97" in err


# --- open_imu ---------------------------------------------------------------------


def test_open_imu_picks_the_first_chip_for_the_thigh() -> None:
    clock = FakeClock(T0)
    bus, _ = bus_with(clock, a6b="dsox", a69="mpu")
    imu = open_imu(bus=bus, clock=clock, sleep=clock.sleep)
    assert isinstance(imu, MPU6050) and imu.address == 0x69


def test_open_imu_with_given_addresses_builds_a_pair() -> None:
    clock = FakeClock(T0)
    bus, _ = bus_with(clock, a68="mpu", a6a="dsox_shank")
    src = open_imu(thigh_address=0x6A, shank_address=0x68, bus=bus, clock=clock,
                   sleep=clock.sleep)
    assert isinstance(src, SensorPair)
    assert isinstance(src.thigh, LSM6DS) and isinstance(src.shank, MPU6050)
    src.start()
    assert src.model == "LSM6DSOX at 0x6a + MPU-6050 at 0x68"
    src.close()


def test_open_imu_shank_only_by_request() -> None:
    clock = FakeClock(T0)
    bus, _ = bus_with(clock, a68="mpu", a6a="dsox")
    assert isinstance(open_imu(bus=bus, clock=clock), FifoImu)
    pair = open_imu(shank_address=0x6A, bus=bus, clock=clock)
    assert isinstance(pair, SensorPair) and pair.thigh.address == 0x68  # type: ignore[attr-defined]


def test_open_imu_errors_are_one_line() -> None:
    clock = FakeClock(T0)
    bus, _ = bus_with(clock, a68="mpu")
    with pytest.raises(SensorError, match=r"thigh at 0x6b .*found: MPU-6050 at 0x68"):
        open_imu(thigh_address=0x6B, bus=bus)
    with pytest.raises(SensorError, match="needs a second IMU"):
        open_imu(shank_address=0x68, bus=bus)
    with pytest.raises(UserError, match="both be at 0x68"):
        open_imu(thigh_address=0x68, shank_address=0x68, bus=bus)
    with pytest.raises(UserError, match="not an address"):
        open_imu(thigh_address=0x50, bus=bus)
    with pytest.raises(SensorError, match="no supported IMU"):
        open_imu(bus=FakeBus())


@pytest.mark.parametrize("text,address", [("0x6a", 0x6A), ("0X6B", 0x6B), ("104", 0x68)])
def test_parse_address(text: str, address: int) -> None:
    assert parse_address(text) == address


@pytest.mark.parametrize("text", ["zz", "0x20", ""])
def test_parse_address_refuses(text: str) -> None:
    with pytest.raises(UserError):
        parse_address(text)


# --- pair -------------------------------------------------------------------------


def started_pair(clock: FakeClock, **chips: str) -> tuple[SensorPair, dict[int, FakeChip]]:
    bus, made = bus_with(clock, **chips)
    addresses = sorted(made)
    shank = next(a for a, k in chips.items() if k.endswith("_shank"))
    src = open_imu(
        thigh_address=next(a for a in addresses if a != int(shank[1:], 16)),
        shank_address=int(shank[1:], 16), bus=bus, clock=clock, sleep=clock.sleep,
    )
    assert isinstance(src, SensorPair)
    src.start()
    return src, made


def assert_aligned(chunk: ImuChunk) -> None:
    """Thigh values match the thigh motion and shank values the shank motion, at t_s."""
    acc, gyr = thigh_motion(chunk.t_s)
    np.testing.assert_allclose(chunk.accel_g, acc, atol=1e-4)
    np.testing.assert_allclose(chunk.gyro_dps, gyr, atol=0.02)
    assert chunk.shank_accel_g is not None and chunk.shank_gyro_dps is not None
    acc, gyr = shank_motion(chunk.t_s)
    np.testing.assert_allclose(chunk.shank_accel_g, acc, atol=SHANK_ACC_TOL_G)
    np.testing.assert_allclose(chunk.shank_gyro_dps, gyr, atol=SHANK_GYR_TOL_DPS)


def test_pair_mpu_thigh_lsm6dsox_shank_is_aligned_on_thigh_times() -> None:
    clock = FakeClock(T0)
    pair, _ = started_pair(clock, a68="mpu", a6a="dsox_shank")
    assert pair.rate_hz == 100.0 and pair.shank.rate_hz == 104.0
    chunk = read_for(pair, clock, 5.0)
    assert chunk.has_shank and not chunk.gaps
    assert len(chunk) >= 5.0 * 100 - 10  # at most the last read's worth still pending
    np.testing.assert_allclose(np.diff(chunk.t_s), 0.01, rtol=1e-6)
    assert_aligned(chunk)


def test_pair_of_two_mpus() -> None:
    clock = FakeClock(T0)
    pair, _ = started_pair(clock, a68="mpu", a69="mpu_shank")
    chunk = read_for(pair, clock, 3.0)
    assert len(chunk) >= 290 and not chunk.gaps
    assert_aligned(chunk)


def test_pair_shank_overflow_drops_thigh_samples_in_the_hole_only() -> None:
    clock = FakeClock(T0)
    pair, chips = started_pair(clock, a68="mpu", a6b="ds3_shank")
    first = read_for(pair, clock, 2.0)
    chips[0x6B].capacity_samples = 8  # type: ignore[attr-defined]  # overflows in 77 ms
    clock.advance(0.5)
    hole = pair.read()
    rest = read_for(pair, clock, 2.0, step_s=0.04)
    chunk = ImuChunk.concat([first, hole, rest])
    shank_gaps = [g for g in chunk.gaps if g.reason == SHANK_GAP]
    assert len(shank_gaps) == 1 and len(chunk.gaps) == 1
    # about 0.5 s of thigh samples had no shank data around them
    assert 45 <= shank_gaps[0].lost <= 52
    assert pair.shank_gap_samples == shank_gaps[0].lost
    assert_aligned(chunk)  # nothing after the hole is shifted
    # every thigh sample is either out, dropped for the hole, or still pending
    thigh_delivered = pair.thigh.stats.samples_read  # type: ignore[attr-defined]
    assert len(chunk) + shank_gaps[0].lost + len(pair._t) == thigh_delivered
    # the output's time jump is exactly the dropped samples
    i = shank_gaps[0].index
    assert round((chunk.t_s[i] - chunk.t_s[i - 1]) * 100) == shank_gaps[0].lost + 1


def test_pair_passes_a_thigh_overflow_through() -> None:
    clock = FakeClock(T0)
    pair, chips = started_pair(clock, a68="mpu", a6a="dsox_shank")
    first = read_for(pair, clock, 1.0)
    chips[0x68].fifo_capacity_bytes = 120  # type: ignore[attr-defined]  # 10 frames
    clock.advance(0.3)
    second = read_for(pair, clock, 1.0, step_s=0.05)
    chunk = ImuChunk.concat([first, pair.read(), second])
    overflow = [g for g in chunk.gaps if g.reason == "overflow"]
    assert len(overflow) == 1 and overflow[0].lost == chips[0x68].samples_dropped  # type: ignore[attr-defined]
    assert not [g for g in chunk.gaps if g.reason == SHANK_GAP]
    assert_aligned(chunk)


def test_pair_waits_for_the_shank_then_gives_up_with_a_gap() -> None:
    clock = FakeClock(T0)
    pair, _ = started_pair(clock, a68="mpu", a6a="dsox_shank")
    read_for(pair, clock, 1.0)

    class Silent:
        rate_hz = pair.shank.rate_hz

        def read(self) -> ImuChunk:
            return ImuChunk.empty()

    real_shank = pair.shank
    pair.shank = Silent()  # type: ignore[assignment]
    held = read_for(pair, clock, 0.3)
    assert len(held) == 0  # thigh samples wait for shank data
    given_up = read_for(pair, clock, 1.0)
    assert len(given_up) == 0 and given_up.gaps
    assert all(g.reason == SHANK_GAP for g in given_up.gaps)
    pair.shank = real_shank


def test_pair_starts_when_both_run_and_closes_both() -> None:
    clock = FakeClock(T0)
    pair, chips = started_pair(clock, a68="mpu", a6a="dsox_shank")
    chunk = read_for(pair, clock, 1.0)
    assert not chunk.gaps and pair.startup_discarded == 0
    pair.close()
    assert chips[0x6A].regs[0x10] >> 4 == 0  # LSM6DSOX powered down


def test_pair_start_failure_of_the_shank_closes_the_thigh() -> None:
    clock = FakeClock(T0)
    bus, chips = bus_with(clock, a68="mpu")
    thigh = MPU6050(bus, 0x68, clock=clock, sleep=clock.sleep)
    shank = LSM6DS(bus, 0x6A, clock=clock, sleep=clock.sleep)  # nothing there
    pair = SensorPair(thigh, shank)
    with pytest.raises(SensorError, match="0x6a"):
        pair.start()
    assert not thigh.started


def test_pair_gap_indices_survive_dropping() -> None:
    """A thigh gap on a dropped sample moves to the next kept one (unit level)."""

    class Scripted:
        def __init__(self, chunks: list[ImuChunk], rate_hz: float) -> None:
            self.chunks, self.rate_hz = chunks, rate_hz

        def read(self) -> ImuChunk:
            return self.chunks.pop(0) if self.chunks else ImuChunk.empty()

    def chunk(t: np.ndarray, gaps: tuple[Gap, ...] = ()) -> ImuChunk:
        z = np.zeros((len(t), 3))
        return ImuChunk(t, z, z + t[:, None], gaps=gaps)

    t_thigh = np.arange(20) * 0.01
    thigh = Scripted([chunk(t_thigh, (Gap(8, 3),))], 100.0)
    t_shank = np.concatenate([np.arange(6) * 0.01, 0.12 + np.arange(9) * 0.01])  # hole 0.05..0.12
    shank = Scripted([chunk(t_shank)], 100.0)
    pair = SensorPair(thigh, shank)  # type: ignore[arg-type]
    out = pair.read()
    # thigh 0.06..0.11 lie in the 7-period shank hole, a period or more from any shank sample
    assert np.round(out.t_s, 3).tolist() == [
        0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.19,
    ]
    assert sorted((g.index, g.lost, g.reason) for g in out.gaps) == [
        (6, 3, "overflow"),
        (6, 6, SHANK_GAP),
    ]
    np.testing.assert_allclose(out.shank_gyro_dps[:, 0], out.t_s)


# --- record -----------------------------------------------------------------------


def record_args(tmp_path: Path, **kw: object) -> argparse.Namespace:
    base: dict[str, object] = dict(
        out=str(tmp_path / "rec.csv"), seconds=2.0, bus=1, rate=100.0, thigh_addr=None,
        shank_addr=None, leg="left", exercise="seated_leg_raise",
    )
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.fixture
def fake_rig(monkeypatch):
    """open_imu patched to use a FakeBus on a FakeClock; returns (bus, chips, clock)."""
    clock = FakeClock(T0)
    state: dict[str, object] = {"clock": clock}

    def install(**chips: str) -> tuple[FakeBus, dict[int, FakeChip]]:
        bus, made = bus_with(clock, **chips)
        real = sensors.open.open_imu

        def fake_open_imu(**kwargs: object):
            kwargs.update(bus=bus, clock=clock, sleep=clock.sleep)
            return real(**kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(sensors.open, "open_imu", fake_open_imu)
        state["bus"] = bus
        return bus, made

    state["install"] = install
    return state


def test_record_writes_a_readable_recording(fake_rig, tmp_path, capsys) -> None:
    _, chips = fake_rig["install"](a6a="dsox")
    args = record_args(tmp_path)
    assert record_cmd.run(args) == 0
    rec = read_recording(args.out)
    assert rec.metadata["rate_hz"] == "104"
    assert rec.metadata["sensor"] == "LSM6DSOX"
    assert rec.metadata["sensor_address"] == "0x6a"
    assert rec.metadata["leg"] == "left" and rec.metadata["exercise"] == "seated_leg_raise"
    assert abs(len(rec.chunk) - 208) <= 2
    assert not rec.chunk.has_shank
    acc, _ = thigh_motion(rec.chunk.t_s)
    np.testing.assert_allclose(rec.chunk.accel_g, acc, atol=1e-4)
    assert np.all(np.diff(rec.chunk.t_s) > 0)
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert f"recorded {len(rec.chunk)} samples" in out and "0 gaps, 0 samples lost" in out
    assert chips[0x6A].regs[0x10] >> 4 == 0  # closed: powered down


def test_record_a_pair_has_shank_columns(fake_rig, tmp_path, capsys) -> None:
    fake_rig["install"](a68="mpu", a6a="dsox_shank")
    args = record_args(tmp_path, thigh_addr="0x68", shank_addr="0x6a", seconds=3.0, leg=None,
                       exercise=None)
    assert record_cmd.run(args) == 0
    rec = read_recording(args.out)
    assert rec.chunk.has_shank
    assert rec.metadata["sensor"] == "MPU-6050"
    assert rec.metadata["shank_sensor"] == "LSM6DSOX"
    assert rec.metadata["rate_hz"] == "100"
    assert "leg" not in rec.metadata
    assert len(rec.chunk) >= 280
    # the CSV keeps 6 decimals in g and 4 in dps
    acc, gyr = shank_motion(rec.chunk.t_s)
    np.testing.assert_allclose(rec.chunk.shank_accel_g, acc, atol=SHANK_ACC_TOL_G)
    np.testing.assert_allclose(rec.chunk.shank_gyro_dps, gyr, atol=SHANK_GYR_TOL_DPS)


def test_record_counts_gaps_and_lost_samples(fake_rig, tmp_path, capsys, monkeypatch) -> None:
    _, chips = fake_rig["install"](a6b="ds3")
    chip = chips[0x6B]
    clock: FakeClock = fake_rig["clock"]  # type: ignore[assignment]
    calls = {"n": 0}

    def slow_sleep(dt_s: float) -> None:
        calls["n"] += 1
        clock.sleep(dt_s if calls["n"] != 5 else 9.0)  # one 9 s stall: overflow

    real_open = sensors.open.open_imu

    def open_with_slow_sleep(**kwargs: object):
        src = real_open(**kwargs)
        src.sleep = slow_sleep  # type: ignore[attr-defined]
        return src

    monkeypatch.setattr(sensors.open, "open_imu", open_with_slow_sleep)
    args = record_args(tmp_path, seconds=12.0)
    assert record_cmd.run(args) == 0
    out = capsys.readouterr().out
    assert f"1 gap, {chip.samples_dropped} samples lost" in out  # type: ignore[attr-defined]
    rec = read_recording(args.out)
    assert np.diff(rec.chunk.t_s).max() > 2.0  # the hole shows in t_s


def test_record_ctrl_c_stops_cleanly_and_keeps_every_row(fake_rig, tmp_path, capsys,
                                                          monkeypatch) -> None:
    fake_rig["install"](a6a="dsox")
    clock: FakeClock = fake_rig["clock"]  # type: ignore[assignment]
    calls = {"n": 0}

    def sleep_then_ctrl_c(dt_s: float) -> None:
        clock.sleep(dt_s)
        calls["n"] += 1
        if calls["n"] == 15:
            os.kill(os.getpid(), signal.SIGINT)

    real_open = sensors.open.open_imu

    def opener(**kwargs: object):
        src = real_open(**kwargs)
        src.sleep = sleep_then_ctrl_c  # type: ignore[attr-defined]
        return src

    monkeypatch.setattr(sensors.open, "open_imu", opener)
    args = record_args(tmp_path, seconds=None)
    assert record_cmd.run(args) == 0
    out = capsys.readouterr().out
    assert "stopped by Ctrl-C" in out
    rec = read_recording(args.out)
    assert abs(len(rec.chunk) - round(15 * record_cmd.MAX_POLL_S * 104)) <= 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_record_without_sensor_is_one_line_exit_2(fake_rig, tmp_path, capsys) -> None:
    fake_rig["install"]()
    out = tmp_path / "none.csv"
    assert main(["record", "--out", str(out), "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no supported IMU" in err
    assert not out.exists()  # no empty file left behind


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--seconds", "0"], "--seconds must be a positive number"),
        (["--rate", "-5"], "--rate must be a positive number"),
        (["--thigh-addr", "0x20"], "not an address"),
        (["--shank-addr", "bogus"], "not an I2C address"),
    ],
)
def test_record_refuses_bad_options_in_one_line(fake_rig, tmp_path, capsys, argv, message) -> None:
    fake_rig["install"](a68="mpu")
    assert main(["record", "--out", str(tmp_path / "x.csv"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_record_unwritable_output_is_one_line(fake_rig, tmp_path, capsys) -> None:
    _, chips = fake_rig["install"](a68="mpu")
    target = tmp_path / "missing-dir" / "rec.csv"
    assert main(["record", "--out", str(target), "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err
    assert not chips[0x68].awake  # type: ignore[attr-defined]  # sensor closed again


def test_record_rate_the_chip_cannot_do_is_one_line(fake_rig, tmp_path, capsys) -> None:
    fake_rig["install"](a68="mpu")
    assert main(["record", "--out", str(tmp_path / "x.csv"), "--rate", "5000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MPU-6050 at 0x68" in err
