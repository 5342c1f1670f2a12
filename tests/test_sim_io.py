"""Simulator I/O: SimulatedImu as an ImuSource, the simulate/dataset commands, the index."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from firmware_py.cli import main
from sensors.base import ImuSource
from sensors.chunk import ImuChunk
from sensors.recording import read_recording
from sensors.sim import CONDITIONS, EXERCISES, SetTruth, SimConfig, SimulatedImu, make_dataset
from sensors.sim.dataset import MIXES, dataset_configs
from sensors.sim.files import read_truth, simulate_again


class FakeClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_simulated_imu_releases_samples_on_its_clock() -> None:
    clock = FakeClock()
    cfg = SimConfig("seated_leg_raise", reps=2, seed=1, rate_hz=50, condition="jitter_gaps")
    imu = SimulatedImu(cfg, speed=4.0, clock=clock)
    assert isinstance(imu, ImuSource)
    assert imu.rate_hz == 50
    imu.start()
    first = imu.read()
    assert len(first) <= 1
    clock.t += 1.0  # 4 s of recording
    c1 = imu.read()
    t0 = imu.result.chunk.t_s[0]
    assert c1.t_s[-1] <= t0 + 4.0 + 1e-9
    assert len(first) + len(c1) >= 4.0 * 50 - 25
    assert len(imu.read()) == 0  # no time passed
    parts = [first, c1]
    while not imu.finished:
        clock.t += 0.37
        parts.append(imu.read())
    whole = ImuChunk.concat(parts)
    assert np.array_equal(whole.t_s, imu.result.chunk.t_s)
    assert np.array_equal(whole.gyro_dps, imu.result.chunk.gyro_dps)
    assert whole.lost_samples == imu.result.chunk.lost_samples > 0
    assert imu.truth.count == 2
    imu.close()
    with pytest.raises(RuntimeError):
        imu.read()


def test_simulated_imu_speed_scales_time() -> None:
    clock = FakeClock(0.0)
    slow = SimulatedImu(SimConfig("seated_leg_kick", reps=1, seed=2), speed=1.0, clock=clock)
    fast = SimulatedImu(SimConfig("seated_leg_kick", reps=1, seed=2), speed=10.0, clock=clock)
    slow.start()
    fast.start()
    clock.t = 0.5
    n_slow, n_fast = len(slow.read()), len(fast.read())
    t = slow.result.chunk.t_s
    assert n_slow == np.count_nonzero(t <= t[0] + 0.5) and abs(n_slow - 50) <= 2
    assert n_fast == np.count_nonzero(t <= t[0] + 5.0) and abs(n_fast - 500) <= 10


def test_simulate_command_writes_csv_and_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sub" / "rec.csv"
    rc = main(
        [
            "simulate",
            "--exercise",
            "seated_leg_kick",
            "--reps",
            "4",
            "--seed",
            "3",
            "--rate",
            "50",
            "--shank",
            "--condition",
            "fast",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    line = capsys.readouterr().out.strip()
    assert "\n" not in line and "seated_leg_kick" in line and str(out) in line
    rec = read_recording(out)
    assert rec.metadata["sensor"] == "sim" and rec.metadata["exercise"] == "seated_leg_kick"
    assert rec.metadata["condition"] == "fast" and rec.metadata["seed"] == "3"
    assert rec.chunk.has_shank
    assert rec.rate_hz == pytest.approx(50.0, rel=0.01)
    truth = read_truth(out)
    assert truth.count == 4 and truth.exercise == "seated_leg_kick"
    assert json.loads((tmp_path / "sub" / "rec.csv.truth.json").read_text())["count"] == 4
    assert truth.reps[-1].end_s <= rec.chunk.t_s[-1]


def test_simulate_command_none_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "idle.csv"
    assert main(["simulate", "--exercise", "none", "--out", str(out)]) == 0
    assert read_recording(out).metadata["exercise"] == "none"
    assert read_truth(out).reps == []
    capsys.readouterr()
    assert main(["simulate", "--exercise", "yoga", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "yoga" in err


def test_dataset_index_covers_the_matrix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = len(CONDITIONS) + 4
    assert (
        main(["dataset", "--out", str(tmp_path), "--n", str(n), "--seed", "5", "--jobs", "1"]) == 0
    )
    with open(tmp_path / "index.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n
    assert set(rows[0]) >= {"file", "exercise", "condition", "reps", "rate_hz", "shank", "seed"}
    assert {r["condition"] for r in rows} == set(CONDITIONS)
    assert {r["exercise"] for r in rows} == set(EXERCISES) | {"none"}
    assert {float(r["rate_hz"]) for r in rows} >= {25.0, 50.0, 100.0, 200.0}
    assert any(r["shank"] == "1" for r in rows)
    for r in rows:
        rec = read_recording(tmp_path / r["file"])
        truth = SetTruth.from_json((tmp_path / (r["file"] + ".truth.json")).read_text())
        assert truth.count == int(r["reps"])
        assert rec.metadata["seed"] == r["seed"]
        assert rec.chunk.has_shank == (r["shank"] == "1")


def test_tune_and_test_splits_differ() -> None:
    tune = dataset_configs(60, seed=1, split="tune")
    test = dataset_configs(60, seed=1, split="test")
    assert not {c.seed for c in tune} & {c.seed for c in test}
    assert MIXES["tune"] != MIXES["test"]
    assert dataset_configs(60, seed=1, split="tune") == tune  # deterministic
    with pytest.raises(ValueError):
        dataset_configs(3, 1, split="train")


def test_a_condition_only_split_keeps_the_rest_of_the_mix() -> None:
    """``--condition pauses``: every recording a set with pauses; seeds, rates,
    sensors, legs and rep counts as the mix drew them."""
    mixed = dataset_configs(40, seed=5, split="tune")
    only = dataset_configs(40, seed=5, split="tune", condition="pauses")
    assert {c.condition for c in only} == {"pauses"}
    assert all(c.exercise is not None for c in only)
    assert [(c.seed, c.rate_hz, c.shank, c.leg, c.reps) for c in only] == [
        (c.seed, c.rate_hz, c.shank, c.leg, c.reps) for c in mixed
    ]
    with pytest.raises(ValueError):
        dataset_configs(3, 1, condition="sprinting")


def test_make_dataset_in_parallel(tmp_path: Path) -> None:
    index = make_dataset(tmp_path, n=6, seed=2, split="test", jobs=2)
    with open(index, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["file"] for r in rows] == sorted(r["file"] for r in rows)
    assert all((tmp_path / r["file"]).exists() for r in rows)


def test_simulate_again_gives_the_recordings_motion(tmp_path: Path) -> None:
    """Re-simulated from its metadata, a recording's reps come back on the same
    motion: same count, same rep times up to the file's clock origin, and for a
    clean condition the same thigh samples."""
    make_dataset(tmp_path, n=len(CONDITIONS) + 2, seed=3, split="tune", jobs=1)
    clean = 0
    for f in sorted(tmp_path.glob("rec*.csv")):
        rec, truth = read_recording(f), read_truth(f)
        if not truth.reps:
            continue
        res = simulate_again(rec, truth)
        assert res.thigh_up is not None and len(res.thigh_up) == len(res.chunk)
        assert [r.exercise for r in res.truth.reps] == [r.exercise for r in truth.reps]
        offset = truth.reps[0].start_s - res.truth.reps[0].start_s
        for mine, theirs in zip(res.truth.reps, truth.reps, strict=True):
            assert mine.start_s + offset == pytest.approx(theirs.start_s, abs=1e-3)
            assert mine.end_s + offset == pytest.approx(theirs.end_s, abs=1e-3)
        if rec.metadata["condition"] == "normal":
            clean += 1
            assert len(res.chunk) == len(rec.chunk)
            np.testing.assert_allclose(res.chunk.t_s + offset, rec.chunk.t_s, atol=1e-3)
            np.testing.assert_allclose(res.chunk.accel_g, rec.chunk.accel_g, atol=1e-3)
    assert clean >= 1
