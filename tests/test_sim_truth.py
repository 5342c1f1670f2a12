"""Simulator truth: determinism, consistency with the contract's tempo rules, conditions."""

from __future__ import annotations

import numpy as np
import pytest

from sensors.sim import CONDITIONS, EXERCISES, RepTruth, SetTruth, SimConfig, simulate
from sensors.sim.truth import too_short

PHASES = {
    "seated_leg_raise": {"lift_s", "lower_s"},
    "seated_leg_kick": {"back_s", "forward_s", "return_s", "total_s"},
    "raised_leg_stretch": {"straighten_s", "release_s"},
}


def test_same_config_same_recording() -> None:
    cfg = SimConfig("seated_leg_kick", reps=5, seed=11, shank=True, condition="jitter_gaps")
    a, b = simulate(cfg), simulate(cfg)
    assert np.array_equal(a.chunk.t_s, b.chunk.t_s)
    assert np.array_equal(a.chunk.accel_g, b.chunk.accel_g)
    assert np.array_equal(a.chunk.shank_gyro_dps, b.chunk.shank_gyro_dps)
    assert a.chunk.gaps == b.chunk.gaps
    assert a.truth.to_json() == b.truth.to_json()


def test_different_seed_different_recording() -> None:
    a = simulate(SimConfig("seated_leg_raise", reps=3, seed=1))
    b = simulate(SimConfig("seated_leg_raise", reps=3, seed=2))
    assert a.truth.to_json() != b.truth.to_json()
    n = min(len(a.chunk), len(b.chunk))
    assert not np.allclose(a.chunk.accel_g[:n], b.chunk.accel_g[:n])


def test_metadata() -> None:
    res = simulate(SimConfig("raised_leg_stretch", reps=2, seed=4, leg="left", rate_hz=50))
    assert res.metadata == {
        "rate_hz": "50",
        "sensor": "sim",
        "exercise": "raised_leg_stretch",
        "leg": "left",
        "seed": "4",
        "condition": "normal",
    }
    assert np.median(np.diff(res.chunk.t_s)) == pytest.approx(0.02, rel=0.02)  # chip clock error


def _check_truth(res) -> None:  # noqa: ANN001
    tr = res.truth
    t = res.chunk.t_s
    prev_end = -np.inf
    for r in tr.reps:
        assert set(r.phases) == PHASES[r.exercise]
        assert r.exercise == tr.exercise
        assert tr.set_start_s + 3.0 <= r.start_s < r.end_s <= tr.set_end_s
        assert t[0] <= r.start_s and r.end_s <= t[-1]
        assert r.start_s >= prev_end
        prev_end = r.end_s
        moving = sum(v for k, v in r.phases.items() if k != "total_s")
        assert moving + r.hold_s <= r.end_s - r.start_s + 1e-3
        assert min(r.phases.values()) > 0.25 and r.hold_s >= 0 and r.rom_deg > 3.0
        if r.exercise == "seated_leg_raise":
            durs = [r.phases["lift_s"], r.phases["lower_s"]]
            assert r.too_fast == (min(durs) < 1.5)
            forced = min(durs) <= 0.8 or min(durs) >= 2.3
        elif r.exercise == "seated_leg_kick":
            assert r.phases["total_s"] == pytest.approx(r.end_s - r.start_s, abs=1e-3)
            assert r.too_fast == (r.phases["total_s"] < 2.5)
            forced = not 1.9 < r.phases["total_s"] < 3.8
        else:
            assert r.too_fast == (r.phases["straighten_s"] < 1.5)
            forced = not 0.8 < r.phases["straighten_s"] < 2.3
            assert r.short_hold == (r.hold_s < 2.0)
            assert r.short_hold_ambiguous == (0.8 < r.hold_s < 2.8)
        assert r.too_fast_ambiguous == (not forced)
        if r.exercise != "raised_leg_stretch":
            assert not r.short_hold and not r.short_hold_ambiguous
    for e in tr.everyday:
        assert e["start_s"] <= e["end_s"]
        assert set(e) == {"kind", "start_s", "end_s"}


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_generates_consistent_truth(exercise: str, condition: str) -> None:
    res = simulate(SimConfig(exercise, reps=4, seed=3, condition=condition, shank=True))
    c = res.chunk
    assert len(c) > 100 and c.has_shank
    assert np.all(np.diff(c.t_s) >= 0)
    for arr in (c.accel_g, c.gyro_dps, c.shank_accel_g, c.shank_gyro_dps):
        assert np.isfinite(arr).all()
    assert np.abs(c.accel_g).max() <= 4.0 and np.abs(c.gyro_dps).max() <= 500.0
    tr = res.truth
    assert tr.condition == condition
    if condition == "everyday_only":
        assert tr.exercise is None and tr.reps == [] and tr.everyday
        assert res.metadata["exercise"] == "none"
    else:
        assert tr.exercise == exercise and tr.count == 4
    rate = {"low_rate": 25.0, "high_rate": 200.0}.get(condition, 100.0)
    assert float(res.metadata["rate_hz"]) == rate
    assert np.median(np.diff(c.t_s)) == pytest.approx(1.0 / rate, rel=0.05)
    if condition == "jitter_gaps":
        assert c.gaps and c.lost_samples > 0
        assert np.std(np.diff(c.t_s)) > 0.02 / rate
    if condition == "with_everyday":
        kinds = {e["kind"] for e in tr.everyday}
        assert {"walk", "sit_down", "stand_up"} <= kinds
        assert min(e["start_s"] for e in tr.everyday) < tr.set_start_s < tr.set_end_s
    _check_truth(res)


def test_everyday_events_never_overlap_reps() -> None:
    for seed in range(4):
        res = simulate(SimConfig("raised_leg_stretch", reps=6, seed=seed, condition="pauses"))
        for e in res.truth.everyday:
            for r in res.truth.reps:
                assert e["end_s"] <= r.start_s + 1e-6 or e["start_s"] >= r.end_s - 1e-6


def test_rep_mix_covers_slow_fast_and_ambiguous() -> None:
    reps: list[RepTruth] = []
    for ex in EXERCISES:
        for seed in range(6):
            reps += simulate(SimConfig(ex, reps=12, seed=seed, noise=False)).truth.reps
    fast = [r for r in reps if r.too_fast and not r.too_fast_ambiguous]
    slow = [r for r in reps if not r.too_fast and not r.too_fast_ambiguous]
    amb = [r for r in reps if r.too_fast_ambiguous]
    assert len(slow) > 0.55 * len(reps)
    assert 0.05 * len(reps) < len(fast) < 0.35 * len(reps)
    assert 0.02 * len(reps) < len(amb) < 0.3 * len(reps)
    fast_cond = [
        r
        for s in range(4)
        for r in simulate(SimConfig("seated_leg_raise", 12, s, condition="fast")).truth.reps
    ]
    assert sum(r.too_fast for r in fast_cond) > 0.45 * len(fast_cond)


def test_fatigue_shrinks_reps() -> None:
    early, late = [], []
    for seed in range(6):
        reps = simulate(SimConfig("seated_leg_raise", 12, seed, condition="fatigue")).truth.reps
        early += [r.rom_deg for r in reps[:4]]
        late += [r.rom_deg for r in reps[-4:]]
    assert np.mean(late) < 0.8 * np.mean(early)


def test_truth_json_round_trip_and_shift() -> None:
    tr = simulate(SimConfig("seated_leg_kick", reps=3, seed=2, condition="with_everyday")).truth
    back = SetTruth.from_json(tr.to_json())
    assert back == tr
    moved = tr.shifted(100.0)
    assert moved.reps[0].start_s == pytest.approx(tr.reps[0].start_s + 100.0)
    assert moved.everyday[0]["end_s"] == pytest.approx(tr.everyday[0]["end_s"] + 100.0)


def test_clock_origin_moves_samples_and_truth_together() -> None:
    a = simulate(SimConfig("seated_leg_raise", reps=2, seed=9))
    b = simulate(SimConfig("seated_leg_raise", reps=2, seed=9, t0_s=1234.5))
    assert b.chunk.t_s[0] == pytest.approx(a.chunk.t_s[0] + 1234.5)
    assert b.truth.reps[1].end_s == pytest.approx(a.truth.reps[1].end_s + 1234.5)
    assert np.array_equal(a.chunk.accel_g, b.chunk.accel_g)


@pytest.mark.parametrize(
    ("durations", "expected"),
    [
        ([2.5, 3.0], (False, False)),
        ([0.7, 3.0], (True, False)),
        ([1.2, 3.0], (True, True)),
        ([2.0, 2.4], (False, True)),
        ([0.8, 1.0], (True, False)),
    ],
)
def test_too_short_rule(durations: list[float], expected: tuple[bool, bool]) -> None:
    assert too_short(durations, (1.5, 0.8, 2.3)) == expected


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="exercise"):
        SimConfig("jumping_jacks")
    with pytest.raises(ValueError, match="condition"):
        SimConfig("seated_leg_raise", condition="sleepy")


def test_stretch_set_structure() -> None:
    """Lying still ≥ 3 s, lift into the hold (not a rep), reps, lower the leg (not a rep)."""
    for seed in range(3):
        tr = simulate(SimConfig("raised_leg_stretch", reps=4, seed=seed, noise=False)).truth
        kinds = [e["kind"] for e in tr.everyday]
        assert kinds == ["leg_lift_to_hold", "leg_lower"]
        lift, lower = tr.everyday
        assert lift["start_s"] >= tr.set_start_s + 3.0
        assert lift["end_s"] <= tr.reps[0].start_s
        assert lower["start_s"] >= tr.reps[-1].end_s
        assert lower["end_s"] < tr.set_end_s
