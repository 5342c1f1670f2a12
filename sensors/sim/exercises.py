"""The three nerve-gliding exercises as minimum-jerk pose sequences with human variation.

Thigh ROM choices (justified in docs/simulator.md): seated leg raise 12–35° of
thigh elevation (the hip flexes from the chair as the knee straightens, plus a
small lean back); seated leg kick −2..−6° as the foot goes under the chair,
then +8–25° as the leg straightens forward; raised leg stretch 5–20° while the
knee straightens (hamstring tension pulls the thigh away, the hands pull it
back and slightly across).
"""

from __future__ import annotations

import numpy as np

from sensors.sim.patient import BED_HEIGHT_M, SEAT_HEIGHT_M, Patient, PlannedRep

SLOW_PHASE_S = (2.4, 4.2)
FAST_PHASE_S = (0.45, 0.78)
AMBIGUOUS_PHASE_S = (0.85, 2.25)
SLOW_KICK_S = (3.9, 7.0)
FAST_KICK_S = (1.2, 1.85)
AMBIGUOUS_KICK_S = (1.95, 3.75)
LONG_HOLD_S = (2.9, 6.0)
SHORT_HOLD_S = (0.0, 0.75)
AMBIGUOUS_HOLD_S = (0.85, 2.75)


def seated_pose(p: Patient) -> dict[str, float]:
    """Sitting upright on a chair, thigh roughly horizontal, knee near 90°."""
    p.rest_flex_deg = p.u(82.0, 95.0)
    p.rest_knee_deg = p.u(80.0, 100.0)
    return {
        "flex_deg": p.rest_flex_deg,
        "add_deg": p.u(-4.0, 6.0),
        "rot_deg": p.u(-8.0, 8.0),
        "knee_deg": p.rest_knee_deg,
        "pel_z_m": SEAT_HEIGHT_M,
        "pel_pitch_deg": p.u(-4.0, 4.0),
    }


def supine_pose(p: Patient) -> dict[str, float]:
    """Lying on the back, both legs out straight on the bed/mat."""
    p.rest_flex_deg = p.u(0.0, 8.0)
    p.rest_knee_deg = p.u(0.0, 10.0)
    return {
        "flex_deg": p.rest_flex_deg,
        "add_deg": p.u(-3.0, 3.0),
        "rot_deg": p.u(-10.0, 10.0),
        "knee_deg": p.rest_knee_deg,
        "pel_z_m": BED_HEIGHT_M,
        "pel_pitch_deg": -90.0 + p.u(-3.0, 3.0),
    }


def _tempo_class(p: Patient, p_fast: float, p_amb: float) -> str:
    x = p.rng.uniform()
    return "fast" if x < p_fast else "ambiguous" if x < p_fast + p_amb else "slow"


def _draw(p: Patient, rng_s: tuple[float, float]) -> float:
    return p.u(*rng_s)


def _fatigue(p: Patient, i: int, n: int) -> float:
    """1 at the start of the set, falling to (1 − fatigue) at its end."""
    progress = i / max(n - 1, 1)
    return 1.0 - p.profile.fatigue * progress**1.5


def _rom_scale(p: Patient, fat: float) -> float:
    partial = p.u(0.2, 0.45) if p.rng.uniform() < p.profile.p_partial else 1.0
    return partial * (1.0 - 0.45 * (1.0 - fat))


def _tempo_scale(fat: float) -> float:
    return 1.0 - 0.4 * (1.0 - fat)


def _rest(p: Patient) -> None:
    p.timeline.hold(p.u(*p.profile.rest_s))


def _phase_pair(p: Patient, cls: str) -> tuple[float, float]:
    """(first, second) phase durations for a tempo class (raise: lift, lower)."""
    if cls == "slow":
        return p.styled(*SLOW_PHASE_S, p.style_tempo), p.styled(*SLOW_PHASE_S, p.style_tempo)
    if cls == "fast":
        which = p.rng.integers(3)
        a = _draw(p, FAST_PHASE_S) if which in (0, 2) else p.u(0.9, 4.0)
        b = _draw(p, FAST_PHASE_S) if which in (1, 2) else p.u(0.9, 4.0)
        return a, b
    amb = _draw(p, AMBIGUOUS_PHASE_S)
    other = p.u(amb, 4.0)
    return (amb, other) if p.rng.uniform() < 0.5 else (other, amb)


def seated_leg_raise_rep(p: Patient, i: int, n: int) -> None:
    """Straighten and lift the leg (thigh rises off the chair), hold briefly, lower slowly."""
    tl = p.timeline
    fat = _fatigue(p, i, n)
    cls = _tempo_class(p, p.profile.p_fast, p.profile.p_ambiguous)
    lift_s, lower_s = _phase_pair(p, cls)
    if cls == "slow":
        lift_s *= _tempo_scale(fat)
        lower_s *= _tempo_scale(fat)
    rom = max(p.styled(12.0, 33.0, p.style_rom) * _rom_scale(p, fat), 4.5)
    lean = p.u(0.0, 6.0) * min(1.0, rom / 15.0)
    hold_s = p.u(0.0, 3.0) * p.profile.hold_scale if p.rng.uniform() > 0.25 else p.u(0.0, 0.3)
    base = tl.pose()
    if p.rng.uniform() < 0.4:  # the knee starts straightening before the thigh lifts
        tl.move(p.u(0.2, 0.6), knee_deg=base["knee_deg"] - p.u(10.0, 30.0))
    t0, _ = tl.move(
        lift_s,
        flex_deg=base["flex_deg"] + rom - lean,
        knee_deg=p.u(0.0, 25.0),
        pel_pitch_deg=base["pel_pitch_deg"] - lean,
        add_deg=base["add_deg"] + p.u(-3.0, 3.0),
        rot_deg=base["rot_deg"] + p.u(-5.0, 5.0),
    )
    # the lifted leg sags a little while held (slow: still by any reasonable measure)
    tl.move(hold_s, flex_deg=tl.value("flex_deg") - p.u(0.0, 0.35) * hold_s)
    _, t1 = tl.move(
        lower_s,
        flex_deg=p.rest_flex_deg + p.rng.normal(0.0, 0.6),
        knee_deg=p.rest_knee_deg + p.rng.normal(0.0, 3.0),
        pel_pitch_deg=base["pel_pitch_deg"] + p.rng.normal(0.0, 0.3),
        add_deg=base["add_deg"] + p.rng.normal(0.0, 0.5),
        rot_deg=base["rot_deg"] + p.rng.normal(0.0, 0.8),
    )
    p.reps.append(
        PlannedRep("seated_leg_raise", t0, t1, {"lift_s": lift_s, "lower_s": lower_s}, hold_s)
    )


def seated_leg_kick_rep(p: Patient, i: int, n: int) -> None:
    """Kick the foot back under the chair, bring the leg forward straight, return to rest."""
    tl = p.timeline
    fat = _fatigue(p, i, n)
    cls = _tempo_class(p, p.profile.p_fast, p.profile.p_ambiguous)
    total_s = {"slow": SLOW_KICK_S, "fast": FAST_KICK_S, "ambiguous": AMBIGUOUS_KICK_S}[cls]
    if cls == "slow":
        total = p.styled(*SLOW_KICK_S, p.style_tempo) * _tempo_scale(fat)
    else:
        total = p.u(*total_s)
    # each movement phase takes at least 0.3 s; the rest of the time is shared out
    w = p.rng.dirichlet([6.0, 0.8, 7.0, 1.5 * p.profile.hold_scale + 0.05, 6.0])
    floor = np.array([0.3, 0.0, 0.3, 0.0, 0.3])
    back_s, pause_s, forward_s, hold_s, return_s = (
        float(x) for x in floor + w * (total - floor.sum())
    )
    scale = _rom_scale(p, fat)
    lift = max(p.styled(8.0, 25.0, p.style_rom) * scale, 4.5)
    base = tl.pose()
    t0, _ = tl.move(
        back_s,
        knee_deg=p.u(112.0, 135.0),
        flex_deg=base["flex_deg"] - p.u(2.0, 6.0) * scale,
        pel_pitch_deg=base["pel_pitch_deg"] + p.u(0.0, 3.0),
        rot_deg=base["rot_deg"] + p.u(-3.0, 3.0),
    )
    tl.hold(pause_s)
    tl.move(
        forward_s,
        knee_deg=p.u(0.0, 25.0),
        flex_deg=base["flex_deg"] + lift,
        pel_pitch_deg=base["pel_pitch_deg"] - p.u(0.0, 3.0),
        add_deg=base["add_deg"] + p.u(-3.0, 3.0),
        rot_deg=base["rot_deg"] + p.u(-4.0, 4.0),
    )
    tl.hold(hold_s)
    _, t1 = tl.move(
        return_s,
        knee_deg=p.rest_knee_deg + p.rng.normal(0.0, 3.0),
        flex_deg=p.rest_flex_deg + p.rng.normal(0.0, 0.6),
        pel_pitch_deg=base["pel_pitch_deg"] + p.rng.normal(0.0, 0.3),
        add_deg=base["add_deg"] + p.rng.normal(0.0, 0.5),
        rot_deg=base["rot_deg"] + p.rng.normal(0.0, 0.8),
    )
    phases = {"back_s": back_s, "forward_s": forward_s, "return_s": return_s, "total_s": t1 - t0}
    p.reps.append(PlannedRep("seated_leg_kick", t0, t1, phases, hold_s))


def lift_leg_to_hold(p: Patient) -> None:
    """Supine: raise the thigh towards the chest and take hold behind the knee (not a rep)."""
    tl = p.timeline
    p.held_flex_deg = p.u(70.0, 100.0)
    p.held_knee_deg = p.u(80.0, 110.0)
    p.held_add_deg = p.u(-5.0, 5.0)
    t0, t1 = tl.move(
        p.u(1.5, 3.5),
        flex_deg=p.held_flex_deg,
        knee_deg=p.held_knee_deg,
        add_deg=p.held_add_deg,
    )
    p.event("leg_lift_to_hold", t0, t1)
    p.posture = "leg_held"
    tl.hold(p.u(1.0, 3.0))


def lower_leg_from_hold(p: Patient) -> None:
    """Supine: let go and lower the leg back onto the bed (not a rep)."""
    tl = p.timeline
    t0, t1 = tl.move(
        p.u(1.5, 3.5),
        flex_deg=p.rest_flex_deg + p.rng.normal(0, 1.0),
        knee_deg=p.rest_knee_deg + p.rng.normal(0, 2.0),
        add_deg=p.u(-3.0, 3.0),
    )
    p.event("leg_lower", t0, t1)
    p.posture = "supine"


def raised_leg_stretch_rep(p: Patient, i: int, n: int) -> None:
    """Held thigh: straighten the knee slowly, hold the stretch, relax the knee."""
    tl = p.timeline
    fat = _fatigue(p, i, n)
    cls = _tempo_class(p, p.profile.p_fast, p.profile.p_ambiguous)
    if cls == "slow":
        straighten_s = p.styled(*SLOW_PHASE_S, p.style_tempo) * _tempo_scale(fat)
    else:
        straighten_s = _draw(p, FAST_PHASE_S if cls == "fast" else AMBIGUOUS_PHASE_S)
    hcls = _tempo_class(p, p.profile.p_short_hold, p.profile.p_hold_ambiguous)
    if hcls == "slow":
        hold_s = p.styled(*LONG_HOLD_S, p.style_hold, cv=0.2)
    else:
        hold_s = _draw(p, SHORT_HOLD_S if hcls == "fast" else AMBIGUOUS_HOLD_S)
    release_s = p.u(0.8, 3.0)
    rom = max(p.styled(5.0, 20.0, p.style_rom) * _rom_scale(p, fat), 4.0)
    across = p.u(0.0, 0.5) * rom  # part of the excursion is pulling the leg across
    down = float(np.sqrt(max(rom**2 - across**2, 0.0)))
    sign = -1.0 if p.rng.uniform() < 0.75 else 1.0  # mostly pushed away by the hamstring
    held_flex = p.held_flex_deg
    held_add = p.held_add_deg
    t0, _ = tl.move(
        straighten_s,
        knee_deg=p.u(0.0, 30.0),
        flex_deg=tl.value("flex_deg") + sign * down,
        add_deg=tl.value("add_deg") + across,
        rot_deg=tl.value("rot_deg") + p.u(-4.0, 4.0),
    )
    # the stretch creeps: the knee gives a little more while held
    tl.move(hold_s, knee_deg=max(tl.value("knee_deg") - p.u(0.0, 0.8) * hold_s, 0.0))
    _, t1 = tl.move(
        release_s,
        knee_deg=p.held_knee_deg + p.rng.normal(0, 4.0),
        flex_deg=held_flex + p.rng.normal(0, 1.0),
        add_deg=held_add + p.rng.normal(0, 0.8),
    )
    p.reps.append(
        PlannedRep(
            "raised_leg_stretch",
            t0,
            t1,
            {"straighten_s": straighten_s, "release_s": release_s},
            hold_s,
        )
    )


REP_GENERATORS = {
    "seated_leg_raise": seated_leg_raise_rep,
    "seated_leg_kick": seated_leg_kick_rep,
    "raised_leg_stretch": raised_leg_stretch_rep,
}
