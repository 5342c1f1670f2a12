"""simulate(cfg): a simulated patient doing a set, seen through a strapped-on IMU.

(This module is ``sensors.sim.engine``; ``sensors.sim.simulate`` is the function.)

Pipeline: plan (movement generators → pose timeline + planned reps) → render the
timeline on an internal grid (≥ 300 Hz, an integer multiple of the output rate)
→ rigid-body kinematics of thigh and shank → strap mount and soft-tissue wobble
→ chip (DLPF, sampling, errors, quantisation) → recording chain (jitter, gaps).
Everything is vectorised; the only loops are over reps and movement segments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from sensors.chunk import Gap, ImuChunk
from sensors.sim import everyday as ev
from sensors.sim.body import (
    Anthropometry,
    Mount,
    ideal_imu,
    sensor_rotation,
    shank_rotation,
    thigh_pose,
)
from sensors.sim.chip import ChipParams, apply_chip, drop_samples, jitter_times
from sensors.sim.config import SimConfig
from sensors.sim.exercises import (
    REP_GENERATORS,
    lift_leg_to_hold,
    lower_leg_from_hold,
    seated_pose,
    supine_pose,
)
from sensors.sim.patient import Patient
from sensors.sim.rotations import DEG, angle_between, body_rate, random_rotation
from sensors.sim.timeline import Timeline, band_noise, gate, min_jerk
from sensors.sim.truth import RepTruth, SetTruth

MIN_INTERNAL_HZ = 300.0
PRE_ROLL_S = 0.25


@dataclass
class SimResult:
    """A simulated recording: samples, ``# key=value`` metadata and ground truth."""

    chunk: ImuChunk
    metadata: dict[str, str]
    truth: SetTruth
    config: SimConfig
    # world up in the thigh sensor's frame at each sample (N, 3), strap creep and
    # slips included: the gravity direction a perfect orientation estimate reports
    thigh_up: np.ndarray | None = None


@dataclass
class Plan:
    """The planned recording: the patient's timeline and when muscles are working."""

    patient: Patient
    set_start_s: float
    set_end_s: float
    active: list[tuple[float, float]]


def _pause(p: Patient, exercise: str) -> None:
    """A long break between reps, with everyday motion inside (never a rep)."""
    tl = p.timeline
    if exercise == "raised_leg_stretch":
        tl.hold(p.u(0.5, 2.0))
        lower_leg_from_hold(p)
        tl.hold(p.u(3.0, 10.0))
        lift_leg_to_hold(p)
        return
    tl.hold(p.u(2.0, 6.0))
    filler = list(ev.SEATED_FILLERS)[int(p.rng.integers(len(ev.SEATED_FILLERS)))]
    ev.SEATED_FILLERS[filler](p)
    tl.hold(p.u(3.0, 6.0))


def _held_intervals(events: list[dict[str, object]]) -> list[tuple[float, float]]:
    """When the stretch's leg is held up: from each lift-to-hold to the next lowering."""
    out, start = [], None
    for e in events:
        if e["kind"] == "leg_lift_to_hold":
            start = float(e["end_s"])  # type: ignore[arg-type]
        elif e["kind"] == "leg_lower" and start is not None:
            out.append((start, float(e["start_s"])))  # type: ignore[arg-type]
            start = None
    return out


def plan(cfg: SimConfig) -> Plan:
    """Decide every movement of the recording (no signals yet)."""
    rng = cfg.rng("plan")
    prof = cfg.profile
    p = Patient(rng, prof, cfg.leg, Timeline({}), "standing", tremor=cfg.tremor)
    if cfg.everyday_only:
        start = "seated" if rng.uniform() < 0.5 else "standing"
        pose = seated_pose(p) if start == "seated" else ev.standing_pose(p)
        p.timeline = Timeline(pose)
        p.posture = start
        p.sway(-1.0, 1e4, p.u(0.05, 0.15))
        p.timeline.hold(p.u(1.0, 4.0))
        ev.everyday_chain(p, p.u(40.0, 100.0))
        p.timeline.hold(p.u(0.5, 2.0))
        return Plan(p, 0.0, 0.0, [])

    exercise = cfg.exercise
    assert exercise is not None
    supine = exercise == "raised_leg_stretch"
    tl: Timeline
    if prof.everyday_around:
        p.timeline = tl = Timeline(ev.standing_pose(p))
        p.posture = "standing"
        ev.stand_still(p, p.u(0.5, 2.0))
        ev.walk(p, p.u(3.0, 8.0))
        if rng.uniform() < 0.5:
            ev.turn(p)
        ev.stand_still(p, p.u(0.3, 1.0))
        ev.sit_down(p)
        if rng.uniform() < 0.5:
            tl.hold(p.u(0.5, 2.0))
            ev.shift_in_chair(p)
        if supine:
            tl.hold(p.u(0.5, 2.0))
            ev.lie_down(p)
        tl.hold(p.u(0.3, 1.0))
    else:
        p.timeline = tl = Timeline(supine_pose(p) if supine else seated_pose(p))
        p.posture = "supine" if supine else "seated"
    p.sway(-1.0, 1e4, p.u(0.04, 0.12))

    p.draw_style()
    set_start = tl.now_s
    tl.hold(p.u(3.2, 6.0))
    if supine:
        lift_leg_to_hold(p)
    gen = REP_GENERATORS[exercise]
    for i in range(cfg.reps):
        gen(p, i, cfg.reps)
        if i < cfg.reps - 1:
            tl.hold(p.styled(*prof.rest_s, p.style_rest, cv=0.25))
            if rng.uniform() < prof.p_pause:
                _pause(p, exercise)
    tl.hold(p.u(0.8, 2.5))
    if supine:
        lower_leg_from_hold(p)
        tl.hold(p.u(2.0, 4.0))
    set_end = tl.now_s

    # tremor while the muscles work: during reps, and all the time the leg is held up
    active = [(r.start_s - 0.2, r.end_s + 0.2) for r in p.reps]
    if supine:
        active += _held_intervals(p.events)
    p.tremor_overlay(active, prof.tremor_deg * p.u(0.6, 1.4))
    if supine:  # the leg held in the air sways more than one resting on a chair
        for a, b in _held_intervals(p.events):
            p.sway(a, b, p.u(0.15, 0.5))

    if prof.everyday_around:
        if supine:
            ev.get_up(p)
        else:
            tl.hold(p.u(0.5, 3.0))
        ev.stand_up(p)
        ev.stand_still(p, p.u(0.3, 1.0))
        ev.walk(p, p.u(3.0, 8.0))
        ev.stand_still(p, p.u(0.5, 2.0))
    else:
        tl.hold(p.u(0.3, 1.0))
    return Plan(p, set_start, set_end, active)


def _resonator(
    drive: np.ndarray, fs_hz: float, f0_hz: float, zeta: float, gain: float
) -> np.ndarray:
    """2nd-order soft-tissue response θ'' + 2ζω₀θ' + ω₀²θ = gain·drive, along axis 0."""
    w0 = 2 * np.pi * f0_hz
    r = math.exp(-zeta * w0 / fs_hz)
    c = math.cos(w0 * math.sqrt(1 - zeta * zeta) / fs_hz)
    a = [1.0, -2 * r * c, r * r]
    b = [gain / (w0 * w0) * (1 - 2 * r * c + r * r)]
    return signal.lfilter(b, a, drive, axis=0)


def _wobble(
    rng: np.random.Generator,
    t: np.ndarray,
    omega_rad_s: np.ndarray,
    fs_hz: float,
    enabled: bool,
    active: list[tuple[float, float]],
) -> np.ndarray | None:
    """Sensor-on-skin rotation (N, 3) rad: slow strap creep, sudden slips, soft-tissue ringing.

    Creep: band-limited drift of 0.3–1.2° rms below 0.05 Hz. Slips: about one per
    minute, a 0.5–2.5° step over 0.1–0.3 s about a random axis. Soft tissue: a
    damped 7–14 Hz resonator driven by the segment's angular acceleration, so it
    rings only after quick movements. Muscle vibration: while the muscles under
    the strap work (``active``), 0.005–0.03° rms of 6–14 Hz local rocking.
    """
    if not enabled:
        return None
    slip_deg = rng.uniform(0.3, 1.2)
    seeds = rng.integers(0, 2**31 - 1, 3)
    slow = np.stack(
        [band_noise(-10, 1e5, slip_deg, 0.002, 0.05, int(sd), 1e-6)(t) for sd in seeds], -1
    )
    for _ in range(int(rng.poisson(max(t[-1] - t[0], 0.0) / 60.0))):
        t_slip = rng.uniform(t[0], t[-1])
        axis = rng.normal(size=3)
        step = axis / np.linalg.norm(axis) * rng.uniform(0.5, 2.5)
        slow += min_jerk((t - t_slip) / rng.uniform(0.1, 0.3))[:, None] * step
    if active:  # filtered Gaussian noise: cheaper than band_noise at this bandwidth
        vib_deg = rng.uniform(0.005, 0.03)
        sos = signal.butter(2, [6.0, 14.0], btype="band", fs=fs_hz, output="sos")
        vib = signal.sosfilt(sos, rng.normal(size=(t.size, 3)), axis=0)
        vib *= vib_deg / max(float(vib.std()), 1e-12)
        slow += vib * gate(t, active, 0.3)[:, None]
    alpha = np.gradient(omega_rad_s, 1.0 / fs_hz, axis=0)
    f0, zeta, gain = rng.uniform(7.0, 14.0), rng.uniform(0.15, 0.35), rng.uniform(0.5, 1.5)
    tissue = _resonator(-alpha, fs_hz, f0, zeta, gain)
    return slow * DEG + tissue


def _mount(
    rng: np.random.Generator,
    strap: str,
    lever_lo: float,
    lever_hi: float,
    radius: float,
    side: float,
) -> Mount:
    """Sensor on the skin: along the segment, somewhere from front to outer side, any rotation."""
    along = rng.uniform(lever_lo, lever_hi)
    azimuth = np.deg2rad(rng.uniform(-20.0, 110.0))  # 0 = front, 90 = outer side
    lever = np.array([radius * np.cos(azimuth), -side * radius * np.sin(azimuth), -along])
    rot = random_rotation(rng) if strap == "random" else np.eye(3)
    return Mount(lever, rot)


def simulate(cfg: SimConfig) -> SimResult:
    """Simulate one recording (deterministic for a given config, including its seed)."""
    pl = plan(cfg)
    p = pl.patient
    rate = cfg.effective_rate_hz
    m = max(1, math.ceil(MIN_INTERNAL_HZ / rate))
    fs = rate * m
    t_end = p.timeline.now_s
    n_pre = int(round(PRE_ROLL_S * fs))
    n_int = n_pre + int(math.floor(t_end * fs)) + 1
    t_int = (np.arange(n_int) - n_pre) / fs
    ch = p.timeline.render(t_int)

    rng = cfg.rng("sensor")
    side = 1.0 if cfg.leg == "right" else -1.0
    body = Anthropometry(thigh_len_m=rng.uniform(0.38, 0.48))
    r_th, hip, knee = thigh_pose(ch, cfg.leg, body)
    om_th = body_rate(r_th, fs)
    thigh_mount = _mount(rng, cfg.strap, 0.15, 0.30, rng.uniform(0.06, 0.08), side)
    wob = _wobble(rng, t_int, om_th, fs, cfg.wobble, pl.active)
    acc_i, gyr_i = ideal_imu(r_th, hip, thigh_mount, fs, wob)
    # world z seen in the sensor frame (the third row of each sensor rotation)
    up_int = sensor_rotation(r_th, thigh_mount, wob)[:, 2, :]

    chip = ChipParams.draw(rng, rate) if cfg.noise else ChipParams.ideal(rate)
    # the chip's own oscillator sets the true sample instants (t_s is authoritative)
    true_rate = rate * (1.0 + chip.clock_error)
    t_out = np.arange(int(math.floor(t_end * true_rate)) + 1) / true_rate
    acc, gyr = apply_chip(acc_i, gyr_i, t_int, fs, t_out, chip, not cfg.noise)
    up = np.stack([np.interp(t_out, t_int, up_int[:, k]) for k in range(3)], axis=1)
    up /= np.linalg.norm(up, axis=1, keepdims=True)

    sh_acc = sh_gyr = None
    if cfg.shank:
        r_sh = shank_rotation(r_th, ch["knee_deg"])
        shank_mount = _mount(rng, cfg.strap, 0.10, 0.30, rng.uniform(0.04, 0.055), side)
        wob_sh = _wobble(rng, t_int, body_rate(r_sh, fs), fs, cfg.wobble, pl.active)
        sa_i, sg_i = ideal_imu(r_sh, knee, shank_mount, fs, wob_sh)
        chip_sh = ChipParams.draw(rng, rate) if cfg.noise else ChipParams.ideal(rate)
        sh_acc, sh_gyr = apply_chip(sa_i, sg_i, t_int, fs, t_out, chip_sh, not cfg.noise)

    # truth: ROM = largest thigh rotation away from its orientation at the start of the rep
    reps = []
    for pr in p.reps:
        i0 = n_pre + int(round(pr.start_s * fs))
        i1 = n_pre + int(round(pr.end_s * fs)) + 1
        rom = float(np.max(angle_between(r_th[i0][None], r_th[i0:i1])) / DEG)
        reps.append(
            RepTruth.from_phases(pr.exercise, pr.start_s, pr.end_s, pr.phases, pr.hold_s, rom)
        )
    truth = SetTruth(
        exercise=None if cfg.everyday_only else cfg.exercise,
        reps=reps,
        set_start_s=round(pl.set_start_s, 4),
        set_end_s=round(pl.set_end_s, 4),
        everyday=list(p.events),
        condition=cfg.condition,
    )

    chain = cfg.rng("chain")
    prof = cfg.profile
    t_rep = t_out.copy()
    if cfg.jitter if cfg.jitter is not None else prof.jitter:
        t_rep = jitter_times(t_rep, rate, chain)
    gaps: tuple[Gap, ...] = ()
    if cfg.gaps if cfg.gaps is not None else prof.gaps:
        keep = drop_samples(len(t_rep), t_end, rate, chain)
        lost_cum = np.cumsum(~keep)[keep]
        lost = np.diff(np.concatenate([[0], lost_cum]))
        gaps = tuple(Gap(int(i), int(lost[i]), "dropped") for i in np.flatnonzero(lost))
        t_rep, acc, gyr, up = t_rep[keep], acc[keep], gyr[keep], up[keep]
        if sh_acc is not None and sh_gyr is not None:
            sh_acc, sh_gyr = sh_acc[keep], sh_gyr[keep]
    if cfg.t0_s:
        t_rep = t_rep + cfg.t0_s
        truth = truth.shifted(cfg.t0_s)
    chunk = ImuChunk(t_rep, acc, gyr, sh_acc, sh_gyr, gaps)
    metadata = {
        "rate_hz": f"{rate:g}",
        "sensor": "sim",
        "exercise": cfg.exercise if not cfg.everyday_only and cfg.exercise else "none",
        "leg": cfg.leg,
        "seed": str(cfg.seed),
        "condition": cfg.condition,
    }
    return SimResult(chunk, metadata, truth, cfg, up)
