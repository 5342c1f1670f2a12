"""Everyday movements that must never count as repetitions.

Walking, turning, standing up / sitting down, leg jiggling, fidgeting, shifting
in the chair, crossing and uncrossing the legs, lying down and getting up.
Each generator appends keyframes/overlays to the patient's timeline, records a
``{"kind", "start_s", "end_s"}`` event and leaves the patient in a known posture.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sensors.sim.exercises import seated_pose, supine_pose
from sensors.sim.patient import BED_HEIGHT_M, STAND_HEIGHT_M, Patient
from sensors.sim.timeline import envelope, sine_burst


def standing_pose(p: Patient) -> dict[str, float]:
    return {
        "flex_deg": p.u(-3.0, 5.0),
        "add_deg": p.u(-3.0, 3.0),
        "rot_deg": p.u(-8.0, 8.0),
        "knee_deg": p.u(0.0, 8.0),
        "pel_z_m": STAND_HEIGHT_M,
        "pel_pitch_deg": p.u(-3.0, 5.0),
    }


def stand_still(p: Patient, duration_s: float) -> None:
    t0, t1 = p.timeline.hold(duration_s)
    p.sway(t0, t1, 0.4)


def walk(p: Patient, duration_s: float) -> None:
    """Level walking: gait-cycle hip/knee curves, pelvis bounce/sway, heel-strike impacts."""
    assert p.posture == "standing", p.posture
    tl = p.timeline
    t0, t1 = tl.hold(duration_s)
    stride_hz = p.u(0.85, 1.1)
    speed_ms = p.u(0.9, 1.4)
    heading = np.deg2rad(tl.value("pel_yaw_deg"))
    ramp = min(1.0, 0.3 * duration_s)
    phase0 = p.u(0.0, 2 * np.pi)
    w = 2 * np.pi * stride_hz
    flex_mid, flex_amp = p.u(8.0, 14.0), p.u(17.0, 24.0)
    knee_amp = p.u(50.0, 65.0)
    impact_tau_s = p.u(0.025, 0.045)
    impact_ms2 = p.u(5.0, 10.0)  # peak jolt at the hip
    bounce_m = p.u(0.01, 0.018)

    def env(t: np.ndarray) -> np.ndarray:
        return envelope(t, t0, t1, ramp)

    def cyc(t: np.ndarray) -> np.ndarray:
        return w * (t - t0) + phase0

    tl.overlay(
        "flex_deg",
        lambda t: env(t) * (flex_mid + flex_amp * np.cos(cyc(t)) + 1.5 * np.cos(2 * cyc(t) + 0.5)),
    )
    tl.overlay(
        "knee_deg",
        lambda t: (
            env(t)
            * (
                knee_amp * (0.5 - 0.5 * np.cos(cyc(t) - 4.2)) ** 2
                + 10.0 * np.maximum(np.sin(cyc(t) + 0.4), 0) ** 2
            )
        ),
    )
    # the pelvis is lowest at heel strike (double support) and highest at mid-stance
    tl.overlay("pel_z_m", lambda t: -env(t) * bounce_m * np.cos(2 * cyc(t)))
    tl.overlay("pel_roll_deg", lambda t: env(t) * 4.0 * np.sin(cyc(t)))
    tl.overlay("pel_yaw_deg", lambda t: env(t) * 4.0 * np.cos(cyc(t) + 0.3))

    def impacts(t: np.ndarray) -> np.ndarray:
        # heel strike (twice per stride, own leg stronger): a displacement A·s²·e^(−s/τ)
        # whose acceleration is a sharp upward jolt (2A) with a small rebound and
        # no net change of velocity or position
        since = np.mod(cyc(t), np.pi) / w
        own = np.where(np.mod(cyc(t), 2 * np.pi) < np.pi, 1.0, 0.5)
        return env(t) * own * impact_ms2 / 2.0 * since**2 * np.exp(-since / impact_tau_s)

    tl.overlay("pel_z_m", impacts)

    def forward(t: np.ndarray) -> np.ndarray:
        # distance walked: speed × integral of the envelope (grid is uniform)
        e = env(t) * (1.0 + 0.08 * np.cos(2 * cyc(t)))
        dt = t[1] - t[0] if t.size > 1 else 0.0
        return speed_ms * np.cumsum(e) * dt

    tl.overlay("pel_x_m", lambda t: np.cos(heading) * forward(t))
    tl.overlay("pel_y_m", lambda t: np.sin(heading) * forward(t))
    p.event("walk", t0, t1)


def turn(p: Patient) -> None:
    """Turn round on the spot with a few small steps."""
    tl = p.timeline
    dur = p.u(1.2, 2.2)
    t0, t1 = tl.move(
        dur, pel_yaw_deg=tl.value("pel_yaw_deg") + p.rng.choice([-1.0, 1.0]) * p.u(120, 200)
    )
    tl.overlay("flex_deg", sine_burst(t0, t1, p.u(5.0, 10.0), p.u(1.2, 1.8), ramp_s=0.3))
    tl.overlay("knee_deg", sine_burst(t0, t1, p.u(8.0, 15.0), p.u(1.2, 1.8), 1.0, ramp_s=0.3))
    p.event("turn", t0, t1)


def sit_down(p: Patient) -> None:
    """Standing → seated: lean forward, lower the pelvis onto the chair, sit up."""
    assert p.posture == "standing", p.posture
    tl = p.timeline
    target = seated_pose(p)
    lean = p.u(20.0, 40.0)
    t0, _ = tl.move(
        p.u(0.6, 1.2),
        pel_pitch_deg=lean,
        flex_deg=lean + p.u(10.0, 25.0),
        knee_deg=p.u(30.0, 50.0),
        pel_z_m=STAND_HEIGHT_M - 0.08,
    )
    tl.move(
        p.u(0.8, 1.5),
        pel_pitch_deg=lean * 0.6,
        flex_deg=target["flex_deg"] - lean * 0.6,
        knee_deg=target["knee_deg"],
        pel_z_m=target["pel_z_m"],
        pel_x_m=tl.value("pel_x_m") - 0.15,
    )
    _, t1 = tl.move(
        p.u(0.6, 1.2),
        pel_pitch_deg=target["pel_pitch_deg"],
        flex_deg=target["flex_deg"],
        add_deg=target["add_deg"],
        rot_deg=target["rot_deg"],
    )
    p.event("sit_down", t0, t1)
    p.posture = "seated"


def stand_up(p: Patient) -> None:
    """Seated → standing: lean forward, push up, straighten."""
    assert p.posture == "seated", p.posture
    tl = p.timeline
    target = standing_pose(p)
    lean = p.u(25.0, 45.0)
    t0, _ = tl.move(
        p.u(0.6, 1.2),
        pel_pitch_deg=lean,
        flex_deg=tl.value("flex_deg") - lean * 0.7,
        knee_deg=p.u(95.0, 110.0),
    )
    tl.move(
        p.u(0.8, 1.5),
        pel_pitch_deg=lean * 0.4,
        flex_deg=lean * 0.6,
        knee_deg=p.u(15.0, 30.0),
        pel_z_m=STAND_HEIGHT_M - 0.06,
        pel_x_m=tl.value("pel_x_m") + 0.15,
    )
    _, t1 = tl.move(p.u(0.5, 1.0), **target)
    p.event("stand_up", t0, t1)
    p.posture = "standing"


def jiggle(p: Patient, duration_s: float) -> None:
    """Seated heel bouncing: the knee bobs at 3–6 Hz, the thigh rocks by 0.3–1.5°."""
    tl = p.timeline
    t0, t1 = tl.hold(duration_s)
    f = p.u(3.0, 6.0)
    amp = p.u(0.3, 1.5)  # the knee bobs ±2–11 mm
    tl.overlay("flex_deg", sine_burst(t0, t1, amp, f, ramp_s=0.4))
    tl.overlay("knee_deg", sine_burst(t0, t1, -amp * p.u(0.5, 1.5), f, ramp_s=0.4))
    p.event("leg_jiggle", t0, t1)


def fidget(p: Patient) -> None:
    """A few quick, irregular, mostly non-sagittal thigh movements in the chair."""
    tl = p.timeline
    t0 = tl.now_s
    for _ in range(int(p.rng.integers(2, 6))):
        tl.move(
            p.u(0.3, 1.0),
            flex_deg=p.rest_flex_deg + p.u(-3.0, 3.0),
            add_deg=tl.value("add_deg") * 0.5 + p.u(-8.0, 8.0),
            rot_deg=tl.value("rot_deg") * 0.5 + p.u(-12.0, 12.0),
            knee_deg=p.rest_knee_deg + p.u(-15.0, 15.0),
        )
        tl.hold(p.u(0.0, 0.6))
    _, t1 = tl.move(p.u(0.4, 1.0), add_deg=p.u(-4.0, 4.0), rot_deg=p.u(-8.0, 8.0))
    p.event("fidget", t0, t1)


def shift_in_chair(p: Patient) -> None:
    """Shuffle the pelvis on the seat: small translation, yaw and roll."""
    tl = p.timeline
    t0, _ = tl.move(
        p.u(0.6, 1.5),
        pel_x_m=tl.value("pel_x_m") + p.u(-0.04, 0.04),
        pel_y_m=tl.value("pel_y_m") + p.u(-0.06, 0.06),
        pel_yaw_deg=tl.value("pel_yaw_deg") + p.u(-10.0, 10.0),
        pel_roll_deg=p.u(-6.0, 6.0),
        flex_deg=tl.value("flex_deg") + p.u(-2.5, 2.5),
    )
    _, t1 = tl.move(p.u(0.5, 1.2), pel_roll_deg=p.u(-1.5, 1.5))
    p.event("shift_in_chair", t0, t1)


def cross_legs(p: Patient) -> None:
    """Cross the legs (this one on top, or the other leg over it), sit a while, uncross."""
    tl = p.timeline
    base = tl.pose()
    on_top = p.rng.uniform() < 0.6
    t0, _ = tl.move(
        p.u(0.9, 2.0),
        flex_deg=base["flex_deg"] + (p.u(12.0, 30.0) if on_top else -p.u(0.0, 3.0)),
        add_deg=base["add_deg"] + (p.u(15.0, 28.0) if on_top else -p.u(0.0, 4.0)),
        rot_deg=base["rot_deg"] + p.u(-10.0, 10.0),
        knee_deg=base["knee_deg"] + p.u(-10.0, 20.0),
    )
    ts, te = tl.hold(p.u(3.0, 15.0))
    if on_top and p.rng.uniform() < 0.4:  # swinging the crossed foot
        tl.overlay("flex_deg", sine_burst(ts, te, p.u(0.5, 2.0), p.u(1.0, 3.0), ramp_s=0.5))
    _, t1 = tl.move(
        p.u(0.9, 2.0), **{k: base[k] for k in ("flex_deg", "add_deg", "rot_deg", "knee_deg")}
    )
    p.event("cross_legs", t0, t1)


def lie_down(p: Patient) -> None:
    """Seated on the bed edge → lying on the back, legs swung onto the bed."""
    assert p.posture == "seated", p.posture
    tl = p.timeline
    yaw = tl.value("pel_yaw_deg") + p.rng.choice([-1.0, 1.0]) * 90.0
    target = supine_pose(p)
    t0, _ = tl.move(
        p.u(1.0, 2.0),
        pel_pitch_deg=-50.0,
        flex_deg=p.u(95.0, 115.0),
        knee_deg=p.u(80.0, 110.0),
        pel_yaw_deg=yaw * 0.5 + tl.value("pel_yaw_deg") * 0.5,
        pel_z_m=BED_HEIGHT_M,
    )
    _, t1 = tl.move(p.u(1.2, 2.5), pel_yaw_deg=yaw, **target)
    p.event("lie_down", t0, t1)
    p.posture = "supine"


def get_up(p: Patient) -> None:
    """Lying on the back → sitting on the bed edge."""
    assert p.posture == "supine", p.posture
    tl = p.timeline
    yaw = tl.value("pel_yaw_deg") + p.rng.choice([-1.0, 1.0]) * 90.0
    t0, _ = tl.move(
        p.u(1.0, 2.0),
        pel_pitch_deg=-50.0,
        flex_deg=p.u(95.0, 115.0),
        knee_deg=p.u(80.0, 110.0),
        pel_yaw_deg=0.5 * (yaw + tl.value("pel_yaw_deg")),
    )
    target = seated_pose(p)
    _, t1 = tl.move(p.u(1.0, 2.0), pel_yaw_deg=yaw, **target)
    p.event("get_up", t0, t1)
    p.posture = "seated"


SEATED_FILLERS: dict[str, Callable[[Patient], None]] = {
    "leg_jiggle": lambda p: jiggle(p, p.u(3.0, 12.0)),
    "fidget": fidget,
    "shift_in_chair": shift_in_chair,
    "cross_legs": cross_legs,
}


def everyday_chain(p: Patient, duration_s: float) -> None:
    """A random chain of everyday activities lasting about ``duration_s``."""
    tl = p.timeline
    end = tl.now_s + duration_s
    while tl.now_s < end:
        if p.posture == "standing":
            r = p.rng.uniform()
            if r < 0.5:
                walk(p, p.u(3.0, 12.0))
            elif r < 0.65:
                turn(p)
            elif r < 0.8:
                stand_still(p, p.u(1.0, 5.0))
            else:
                sit_down(p)
        elif p.posture == "seated":
            r = p.rng.uniform()
            if r < 0.45:
                p.rng.choice(list(SEATED_FILLERS.values()))(p)
            elif r < 0.65:
                tl.hold(p.u(2.0, 8.0))
            elif r < 0.75:
                lie_down(p)
            else:
                stand_up(p)
        else:  # supine
            if p.rng.uniform() < 0.4:
                tl.hold(p.u(2.0, 8.0))
            else:
                get_up(p)
