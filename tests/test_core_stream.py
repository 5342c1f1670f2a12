"""The streaming counting core (:class:`analysis.core.RepCounter`) on simulated sets.

* chunking invariance: whole vs random chunk sizes give identical reps and events;
* clear behaviour on easy cases (seeds where today's counter is right; every
  assertion here can fail): counts, rep times, tempo/hold verdicts, live alerts
  and their latency, prescription overrides, everyday motion, strap orientation;
* purity (no clock, file or network use, input left untouched);
* memory that does not grow with the length of the stream.
"""

from __future__ import annotations

import builtins
import gc
import io
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, fields
from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from analysis.core import RepCounter
from analysis.evaluate import clearly_slow as eval_clearly_slow
from analysis.evaluate import forced_fast_phases as eval_forced_fast_phases
from analysis.evaluate import match_reps
from analysis.events import Alert, Event, RepDone, SetSummary
from analysis.offline import analyze_chunk
from analysis.settings import AUTO, EXERCISES, SEATED_LEG_RAISE, Prescription
from benchmarks.core_speed import retained_bytes
from sensors.chunk import ImuChunk
from sensors.sim import SimConfig, SimResult, simulate
from sensors.sim.truth import HOLD_RULE_S, RepTruth
from tests.test_set_axis import Script

ALERT_LATENCY_S = 0.3  # CONTRACT/issue: a too-fast alert at the latest 0.3 s after the phase
TIME_TOL_S = 0.5  # matched reps: start/end within this of the truth


@cache
def sim(cfg: SimConfig) -> SimResult:
    """Simulate once per config (simulate() is deterministic)."""
    return simulate(cfg)


def feed_in_chunks(
    chunk: ImuChunk, sizes: list[int], exercise: str, prescription: Prescription | None = None
) -> list[Event]:
    """Feed ``chunk`` in pieces of ``sizes`` (cycled) and finish; all events."""
    counter = RepCounter(exercise, prescription)
    events: list[Event] = []
    i = k = 0
    while i < len(chunk):
        n = sizes[k % len(sizes)]
        events += counter.feed(chunk.slice(i, i + n))
        i, k = i + n, k + 1
    events += counter.finish()
    return events


def rep_key(rep: Any) -> tuple[Any, ...]:
    """Every Rep field that must be bit-identical whatever the chunking."""
    return (
        rep.index,
        rep.exercise,
        rep.start_s,
        rep.end_s,
        dict(rep.phases),
        rep.hold_s,
        rep.rom_deg,
        rep.too_fast,
        rep.short_hold,
        rep.peak_speed_dps,
        rep.smoothness,
        rep.shank_rom_deg,
    )


def event_key(ev: Event) -> tuple[Any, ...]:
    """An event as comparable values (kind, time and its payload)."""
    if isinstance(ev, RepDone):
        assert ev.rep is not None
        return (ev.kind, ev.t_s, ev.count, ev.valid_count, rep_key(ev.rep))
    if isinstance(ev, SetSummary):
        return (
            ev.kind,
            ev.t_s,
            ev.exercise,
            ev.count,
            ev.valid_count,
            tuple(rep_key(r) for r in ev.reps),
        )
    return (ev.kind, *(getattr(ev, f.name) for f in fields(ev)))


# -- chunking invariance ---------------------------------------------------------------

CHUNK_CASES: dict[str, tuple[SimConfig, str]] = {
    # 25 Hz, thigh only
    "raise_25hz": (SimConfig("seated_leg_raise", reps=4, seed=3, condition="low_rate"), AUTO),
    # 200 Hz, thigh + shank, jittered timestamps and dropped samples
    "stretch_200hz_shank_gaps": (
        SimConfig(
            "raised_leg_stretch", reps=4, seed=2, rate_hz=200.0, shank=True, condition="jitter_gaps"
        ),
        "raised_leg_stretch",
    ),
    # 100 Hz, thigh + shank
    "kick_100hz_shank": (
        SimConfig("seated_leg_kick", reps=4, seed=5, shank=True, condition="fast"),
        "seated_leg_kick",
    ),
}


@cache
def whole_events(case: str) -> list[Event]:
    cfg, exercise = CHUNK_CASES[case]
    chunk = sim(cfg).chunk
    return feed_in_chunks(chunk, [len(chunk)], exercise)


def test_chunk_cases_are_meaningful() -> None:
    """The invariance cases really have gaps, a shank, 25/200 Hz and counted reps."""
    jg = sim(CHUNK_CASES["stretch_200hz_shank_gaps"][0]).chunk
    assert jg.has_shank and jg.gaps
    assert np.median(np.diff(jg.t_s)) == pytest.approx(1 / 200, rel=0.05)
    low = sim(CHUNK_CASES["raise_25hz"][0]).chunk
    assert np.median(np.diff(low.t_s)) == pytest.approx(1 / 25, rel=0.05)
    for case in CHUNK_CASES:
        summary = whole_events(case)[-1]
        assert isinstance(summary, SetSummary)
        assert summary.count >= 3, case
        assert any(isinstance(e, Alert) for e in whole_events(case)) or case == "raise_25hz"


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    case=st.sampled_from(sorted(CHUNK_CASES)),
    sizes=st.lists(st.integers(1, 500), min_size=1, max_size=40),
)
@example(case="raise_25hz", sizes=[1])
@example(case="stretch_200hz_shank_gaps", sizes=[1, 2, 7, 500, 3, 120])
@example(case="kick_100hz_shank", sizes=[499, 1, 1, 250])
def test_chunking_invariance(case: str, sizes: list[int]) -> None:
    """Whole recording vs random chunk sizes: identical reps and event sequences."""
    cfg, exercise = CHUNK_CASES[case]
    chunked = feed_in_chunks(sim(cfg).chunk, sizes, exercise)
    whole = whole_events(case)
    assert [event_key(e) for e in chunked] == [event_key(e) for e in whole]
    got, want = chunked[-1], whole[-1]
    assert isinstance(got, SetSummary) and isinstance(want, SetSummary)
    assert [rep_key(r) for r in got.reps] == [rep_key(r) for r in want.reps]


def test_analyze_chunk_chunk_samples_matches_counter() -> None:
    """The offline entry point gives the same result for any ``chunk_samples``."""
    cfg, exercise = CHUNK_CASES["kick_100hz_shank"]
    chunk = sim(cfg).chunk
    a = analyze_chunk(chunk, exercise)
    b = analyze_chunk(chunk, exercise, chunk_samples=10)
    assert [event_key(e) for e in a.events] == [event_key(e) for e in b.events]
    assert a.contract_dict("x.csv") == b.contract_dict("x.csv")


# -- easy cases: counts, times, verdicts, alerts ----------------------------------------


def truth_dicts(res: SimResult) -> list[dict[str, Any]]:
    return [vars(r) for r in res.truth.reps]


def analyze(
    res: SimResult, exercise: str | None = None, prescription: Prescription | None = None
) -> tuple[SetSummary, list[Event]]:
    events = feed_in_chunks(res.chunk, [100], exercise or res.config.exercise or AUTO, prescription)
    summary = events[-1]
    assert isinstance(summary, SetSummary)
    return summary, events


def matched(res: SimResult, summary: SetSummary) -> list[tuple[dict[str, Any], RepTruth]]:
    """(detected rep dict, true rep) pairs by time overlap (analysis.evaluate)."""
    det = [r.to_dict() for r in summary.reps]
    pairs = match_reps(det, truth_dicts(res))
    return [(det[i], res.truth.reps[j]) for i, j in pairs]


NORMAL_RAISES = [SimConfig("seated_leg_raise", reps=5, seed=s) for s in (2, 6, 9)]


@pytest.mark.parametrize("cfg", NORMAL_RAISES, ids=lambda c: f"seed{c.seed}")
def test_normal_raise_count_and_times(cfg: SimConfig) -> None:
    res = sim(cfg)
    summary, _ = analyze(res)
    assert abs(summary.count - res.truth.count) <= 1
    pairs = matched(res, summary)
    assert len(pairs) >= res.truth.count - 1
    for det, tru in pairs:
        assert det["start_s"] == pytest.approx(tru.start_s, abs=TIME_TOL_S)
        assert det["end_s"] == pytest.approx(tru.end_s, abs=TIME_TOL_S)
        assert det["exercise"] == "seated_leg_raise"


def forced_fast_phases(rep: RepTruth) -> list[tuple[float, float]]:
    """(start, end) of the rep's phases the contract always flags as too fast."""
    return eval_forced_fast_phases(asdict(rep))


def clearly_slow(rep: RepTruth) -> bool:
    """Every phase at or above the contract's never-flag bound."""
    return eval_clearly_slow(asdict(rep))


FAST_SETS = [
    SimConfig("seated_leg_raise", reps=5, seed=0, condition="fast"),
    SimConfig("seated_leg_raise", reps=5, seed=1, condition="fast"),
    SimConfig("seated_leg_raise", reps=5, seed=5, condition="fast"),
    SimConfig("seated_leg_kick", reps=5, seed=0, condition="fast"),
    SimConfig("seated_leg_kick", reps=5, seed=9, condition="fast"),
    SimConfig("raised_leg_stretch", reps=5, seed=5, condition="fast"),
]


def _ids(c: SimConfig) -> str:
    return f"{c.exercise}-{c.condition}-seed{c.seed}"


@pytest.mark.parametrize("cfg", FAST_SETS, ids=_ids)
def test_too_fast_reps_are_flagged(cfg: SimConfig) -> None:
    res = sim(cfg)
    summary, _ = analyze(res)
    assert summary.count == res.truth.count
    pairs = matched(res, summary)
    assert len(pairs) == res.truth.count
    forced = [(d, t) for d, t in pairs if not t.too_fast_ambiguous]
    assert any(t.too_fast for _, t in forced), "the seed must hold clearly too-fast reps"
    for det, tru in forced:
        assert det["too_fast"] == tru.too_fast, (det, tru)
    assert summary.too_fast_count == sum(r.too_fast for r in summary.reps)
    assert summary.valid_count == sum(r.valid for r in summary.reps)


@pytest.mark.parametrize("cfg", FAST_SETS, ids=_ids)
def test_too_fast_alert_latency(cfg: SimConfig) -> None:
    """A live too_fast alert during the phase or at most 0.3 s after it ends; none on slow reps."""
    res = sim(cfg)
    _, events = analyze(res)
    alerts = [e.t_s for e in events if isinstance(e, Alert) and e.alert == "too_fast"]
    checked = 0
    for rep in res.truth.reps:
        in_rep = [t for t in alerts if rep.start_s <= t <= rep.end_s + ALERT_LATENCY_S]
        phases = forced_fast_phases(rep)
        if phases:
            checked += 1
            deadline = phases[0][1] + ALERT_LATENCY_S
            assert in_rep and min(in_rep) <= deadline, (
                f"rep {rep.start_s:.2f}-{rep.end_s:.2f}: too-fast phase ended "
                f"{phases[0][1]:.2f}, alerts {in_rep}"
            )
        if clearly_slow(rep):
            assert not in_rep, f"slow rep {rep.start_s:.2f}-{rep.end_s:.2f} alerted at {in_rep}"
    assert checked, "the seed must hold clearly too-fast phases"


# Recordings of the tuning and validation splits whose fast phase once got no alert:
# (config, window holding the rep's start)
LATE_ALERT_CASES = [
    # the knee leads a 0.53 s straighten by a jerk the thigh barely shows (under the
    # 2.5 deg that announce a rep): the straighten is still the first timed movement
    pytest.param(
        SimConfig(
            "raised_leg_stretch", reps=10, seed=2000240, rate_hz=100.0, shank=False,
            condition="short_hold", leg="right", jitter=False, gaps=False,
        ),  # fmt: skip
        (14.0, 15.0),
        id="a-jerk-before-a-fast-straighten",
    ),
    # one excursion held a quick movement, a pause away from rest, then a rep whose
    # 0.53 s lift is too fast: the hold ended a phase, so the lift gets its own alert
    # (it used to be one alert per excursion)
    pytest.param(
        SimConfig(
            "seated_leg_raise", reps=14, seed=18000283, rate_hz=25.0, shank=True,
            condition="pauses", leg="right", jitter=None, gaps=None, t0_s=366.188,
        ),  # fmt: skip
        (602.0, 602.5),
        id="a-fast-lift-after-a-hold-in-the-same-excursion",
    ),
]


@pytest.mark.parametrize(("cfg", "window"), LATE_ALERT_CASES)
def test_a_fast_phase_is_alerted_in_time(cfg: SimConfig, window: tuple[float, float]) -> None:
    """The rep starting in ``window`` has a clearly too-fast phase; its alert comes in time."""
    res = sim(cfg)
    _, events = analyze(res)
    alerts = [e.t_s for e in events if isinstance(e, Alert) and e.alert == "too_fast"]
    rep = next(r for r in res.truth.reps if window[0] < r.start_s < window[1])
    (start, end), *_ = forced_fast_phases(rep)
    assert end - start < 0.6
    assert [t for t in alerts if start <= t <= end + ALERT_LATENCY_S], (start, end, alerts)


@pytest.mark.parametrize("exercise", [*EXERCISES, AUTO])
def test_standing_up_and_sitting_down_are_no_fast_phases(exercise: str) -> None:
    """An 80 deg turn of the thigh in a second is a posture change, not a phase to
    slow down: no exercise turns the thigh past ``max_rom_deg`` (45 deg)."""
    script = Script().hold(3.0).move(1.0, pitch=80.0).hold(4.0).move(1.2, pitch=0.0).hold(3.0)
    counter = RepCounter(exercise)
    events = counter.feed(script.chunk()) + counter.finish()
    assert not [e for e in events if isinstance(e, Alert)]
    # a 25 deg lift as quick is a fast rep phase, and is alerted
    fast = Script().hold(3.0)
    for _ in range(3):
        fast.move(0.5, pitch=25.0).hold(2.0).move(2.5, pitch=0.0).hold(2.5)
    counter = RepCounter(SEATED_LEG_RAISE)
    events = counter.feed(fast.chunk()) + counter.finish()
    assert len([e for e in events if isinstance(e, Alert) and e.alert == "too_fast"]) == 3


@pytest.mark.parametrize("seed", [0, 5, 7])
def test_no_slow_down_alert_on_slow_reps(seed: int) -> None:
    """A quick twitch inside a slow lowering (the knee leading) is no reason to alert.

    These seeds used to raise 'slow down' during reps of 2.3 s+ phases.
    """
    res = sim(SimConfig("seated_leg_raise", reps=5, seed=seed))
    _, events = analyze(res)
    alerts = [e.t_s for e in events if isinstance(e, Alert) and e.alert == "too_fast"]
    slow = [r for r in res.truth.reps if clearly_slow(r)]
    assert slow, "the seed must hold clearly slow reps"
    for rep in slow:
        in_rep = [t for t in alerts if rep.start_s <= t <= rep.end_s + ALERT_LATENCY_S]
        assert not in_rep, f"slow rep {rep.start_s:.2f}-{rep.end_s:.2f} alerted at {in_rep}"


SHORT_HOLD_SETS = [
    SimConfig("raised_leg_stretch", reps=5, seed=s, condition="short_hold") for s in (2, 8)
]


@pytest.mark.parametrize("cfg", SHORT_HOLD_SETS, ids=_ids)
def test_short_hold_alert_and_flag(cfg: SimConfig) -> None:
    res = sim(cfg)
    summary, events = analyze(res)
    assert summary.count == res.truth.count
    alerts = [e.t_s for e in events if isinstance(e, Alert) and e.alert == "short_hold"]
    n_short = 0
    for rep in res.truth.reps:
        hold_start = rep.start_s + rep.phases["straighten_s"]
        in_rep = [t for t in alerts if hold_start <= t <= rep.end_s]
        if rep.hold_s <= HOLD_RULE_S[1]:
            n_short += 1
            assert in_rep, f"no short_hold alert for rep {rep.start_s:.2f}-{rep.end_s:.2f}"
        elif rep.hold_s >= HOLD_RULE_S[2]:
            assert not in_rep
    assert n_short >= 1
    for det, tru in matched(res, summary):
        if not tru.short_hold_ambiguous:
            assert det["short_hold"] == tru.short_hold, (det, tru)
    assert summary.short_hold_count >= n_short


def test_prescription_changes_verdicts_not_reps() -> None:
    res = sim(SimConfig("seated_leg_raise", reps=5, seed=1))
    assert max(max(r.phases["lift_s"], r.phases["lower_s"]) for r in res.truth.reps) < 4.5
    default, _ = analyze(res)
    strict, strict_ev = analyze(res, prescription=Prescription(min_lift_s=5.0))
    lax, lax_ev = analyze(res, prescription=Prescription(min_lift_s=0.1, min_lower_s=0.1))
    assert default.count == strict.count == lax.count == res.truth.count
    times = [(r.start_s, r.end_s) for r in default.reps]
    assert [(r.start_s, r.end_s) for r in strict.reps] == times
    assert [(r.start_s, r.end_s) for r in lax.reps] == times
    assert 0 < default.valid_count < default.count  # seed 1 has quick and slow reps
    assert all(r.too_fast for r in strict.reps) and strict.valid_count == 0
    assert not any(r.too_fast for r in lax.reps) and lax.valid_count == lax.count
    # every rep alerted, at most once per phase (lift, and lowering after a hold)
    fast = [e.t_s for e in strict_ev if isinstance(e, Alert) and e.alert == "too_fast"]
    assert strict.count <= len(fast) <= 2 * strict.count
    for r in strict.reps:
        assert [t for t in fast if r.start_s <= t <= r.end_s + ALERT_LATENCY_S], r
    assert not any(isinstance(e, Alert) for e in lax_ev)
    for e in strict_ev:
        if isinstance(e, Alert):  # the lift against 5 s, a lowering against the default
            assert e.required_s in (5.0, Prescription().min_lower_s)
    assert any(isinstance(e, Alert) and e.required_s == 5.0 for e in strict_ev)


def test_prescription_hold_threshold() -> None:
    res = sim(SimConfig("raised_leg_stretch", reps=5, seed=8, condition="short_hold"))
    none_short, _ = analyze(res, prescription=Prescription(min_hold_s=0.0))
    all_short, _ = analyze(res, prescription=Prescription(min_hold_s=60.0))
    assert none_short.count == all_short.count == res.truth.count
    assert none_short.short_hold_count == 0
    assert all_short.short_hold_count == all_short.count


EVERYDAY_SEEDS = (0, 1, 2, 5)


@pytest.mark.parametrize("seed", EVERYDAY_SEEDS)
def test_everyday_motion_is_not_counted(seed: int) -> None:
    res = sim(SimConfig(None, seed=seed, condition="everyday_only"))
    kinds = {e["kind"] for e in res.truth.everyday}
    assert kinds & {"walk", "sit_down", "stand_up", "leg_jiggle", "cross_legs", "fidget"}
    for exercise in (AUTO, *EXERCISES):
        summary, events = analyze(res, exercise)
        assert summary.count == 0, exercise
        assert not any(isinstance(e, RepDone) for e in events)


def rotated(chunk: ImuChunk, r_thigh: np.ndarray, r_shank: np.ndarray | None) -> ImuChunk:
    """The same motion seen by sensors strapped on in another orientation."""
    sa = sg = None
    if chunk.has_shank:
        assert chunk.shank_accel_g is not None and chunk.shank_gyro_dps is not None
        assert r_shank is not None
        sa, sg = chunk.shank_accel_g @ r_shank.T, chunk.shank_gyro_dps @ r_shank.T
    return ImuChunk(
        chunk.t_s, chunk.accel_g @ r_thigh.T, chunk.gyro_dps @ r_thigh.T, sa, sg, chunk.gaps
    )


@pytest.mark.parametrize(
    "cfg",
    [
        SimConfig("seated_leg_raise", reps=5, seed=1, condition="fast"),
        SimConfig("seated_leg_raise", reps=5, seed=2, shank=True),
        SimConfig("raised_leg_stretch", reps=5, seed=2, condition="short_hold"),
    ],
    ids=_ids,
)
def test_strap_orientation_does_not_matter(cfg: SimConfig) -> None:
    res = sim(cfg)
    chunk = res.chunk
    # rotating clipped samples is not what a rotated chip would measure: stay unclipped
    gyros = [chunk.gyro_dps] + ([chunk.shank_gyro_dps] if chunk.has_shank else [])
    assert max(float(np.abs(g).max()) for g in gyros if g is not None) < 400.0
    base, _ = analyze(res)
    assert base.count == res.truth.count
    rots = Rotation.random(6, random_state=20240).as_matrix()
    for k in range(3):
        rot_chunk = rotated(chunk, rots[2 * k], rots[2 * k + 1])
        summary, _ = analyze(SimResult(rot_chunk, res.metadata, res.truth, cfg))
        assert summary.count == base.count
        assert [(r.too_fast, r.short_hold) for r in summary.reps] == [
            (r.too_fast, r.short_hold) for r in base.reps
        ]
        for a, b in zip(summary.reps, base.reps, strict=True):
            assert a.start_s == pytest.approx(b.start_s, abs=TIME_TOL_S)
            assert a.end_s == pytest.approx(b.end_s, abs=TIME_TOL_S)
            assert a.rom_deg == pytest.approx(b.rom_deg, abs=1.0)


# -- purity ----------------------------------------------------------------------------------


def test_core_is_pure(monkeypatch: pytest.MonkeyPatch) -> None:
    """No wall clock, no files, no network; the input is not modified; deterministic."""
    res = sim(SimConfig("seated_leg_kick", reps=3, seed=0, shank=True, condition="fast"))
    chunk = res.chunk
    before = [
        a.copy()
        for a in (
            chunk.t_s,
            chunk.accel_g,
            chunk.gyro_dps,
            chunk.shank_accel_g,
            chunk.shank_gyro_dps,
        )
    ]
    expected = [event_key(e) for e in feed_in_chunks(chunk, [37], AUTO)]

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the counting core must not use clocks, files or the network")

    for name in (
        "time",
        "monotonic",
        "perf_counter",
        "process_time",
        "time_ns",
        "monotonic_ns",
        "perf_counter_ns",
        "sleep",
    ):
        monkeypatch.setattr(time, name, forbidden)
    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(io, "open", forbidden)
    monkeypatch.setattr(os, "open", forbidden)
    monkeypatch.setattr(socket, "socket", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    got = [event_key(e) for e in feed_in_chunks(chunk, [37], AUTO)]
    monkeypatch.undo()
    assert got == expected
    after = (chunk.t_s, chunk.accel_g, chunk.gyro_dps, chunk.shank_accel_g, chunk.shank_gyro_dps)
    for a, b in zip(before, after, strict=True):
        assert np.array_equal(a, b)


# -- memory ---------------------------------------------------------------------------------


@cache
def everyday_exercise_base() -> ImuChunk:
    """~6 min of motion: sets with walking/sitting around them, and everyday motion."""
    cfgs = [
        SimConfig(ex, reps=6, seed=s, condition="with_everyday", strap="aligned")
        for s, ex in enumerate(EXERCISES)
    ] + [SimConfig(None, seed=s, condition="everyday_only", strap="aligned") for s in (0, 3)]
    parts, t0 = [], 0.0
    for cfg in cfgs:
        c = sim(cfg).chunk
        t = c.t_s - c.t_s[0] + t0
        parts.append(ImuChunk(t, c.accel_g, c.gyro_dps))
        t0 = float(t[-1]) + 0.01
    return ImuChunk.concat(parts)


def long_stream(minutes: float, chunk_s: float = 1.0) -> Iterator[ImuChunk]:
    """The base motion repeated on a continuous clock, in ``chunk_s`` chunks."""
    base = everyday_exercise_base()
    period = float(base.t_s[-1] - base.t_s[0]) + 0.01
    end_s = minutes * 60.0
    k = 0
    while True:
        t = base.t_s + k * period
        edges = np.searchsorted(t, np.arange(t[0], t[-1] + chunk_s, chunk_s))
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            if a >= len(t) or t[a] >= end_s:
                return
            yield ImuChunk(t[a:b], base.accel_g[a:b], base.gyro_dps[a:b])
        k += 1


def counter_state_bytes(counter: RepCounter) -> tuple[int, int]:
    """(retained bytes of the counter apart from its reps, bytes of its reps)."""
    return retained_bytes(counter, {id(counter.reps)}), retained_bytes(counter.reps)


def test_memory_does_not_grow_with_stream_length() -> None:
    """10 vs 60 min of motion in 1 s chunks: retained state stays within a small bound.

    The reps found so far are the counter's output and may grow (a few hundred
    bytes each); everything else must not.
    """
    counter = RepCounter(AUTO)
    marks: dict[int, tuple[int, int, int]] = {}
    for i, chunk in enumerate(long_stream(60.0), 1):
        counter.feed(chunk)
        if i in (600, 3599):
            gc.collect()
            state, reps = counter_state_bytes(counter)
            marks[i] = (state, reps, len(counter.reps))
    assert set(marks) == {600, 3599}
    (s10, r10, n10), (s60, r60, n60) = marks[600], marks[3599]
    assert n60 > 3 * n10 > 0  # the stream did hold exercise sets throughout
    per_rep = (r60 - r10) / (n60 - n10)
    assert per_rep < 4096, f"{per_rep:.0f} bytes per rep"
    assert s60 - s10 < 256 * 1024, (
        f"counter state grew from {s10 / 1e3:.0f} kB (10 min) to {s60 / 1e3:.0f} kB (60 min)"
    )


def test_auto_mode_alerts_follow_the_recognised_exercise() -> None:
    """Auto mode: once the reps look like a stretch, live alerts follow the stretch's rules.

    (Before, auto mode alerted as for a leg raise whatever the reps: a short hold
    was never reported.) Live recognition needs a few reps and is not always
    settled, so this is a total over eight sets of eight.
    """
    holds = {AUTO: 0, "raised_leg_stretch": 0}
    for seed in range(8, 16):
        res = sim(SimConfig("raised_leg_stretch", reps=8, seed=seed, condition="short_hold"))
        for exercise in holds:
            events = RepCounter(exercise).feed(res.chunk)
            holds[exercise] += sum(isinstance(e, Alert) and e.alert == "short_hold" for e in events)
    assert holds["raised_leg_stretch"] >= 24
    assert holds[AUTO] * 2 >= holds["raised_leg_stretch"]
