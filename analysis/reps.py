"""From an excursion to a repetition: phases, hold, tempo verdicts, metrics.

Which movements are which phase depends on the exercise (CONTRACT §1):
seated_leg_raise = lift, hold, lower; raised_leg_stretch = straighten, hold,
release; seated_leg_kick = back, forward, return timed as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.segment import Bump, Excursion
from analysis.settings import (
    RAISED_LEG_STRETCH,
    SEATED_LEG_KICK,
    SEATED_LEG_RAISE,
    CoreSettings,
    Prescription,
)

HOLD_LEVEL = 0.6  # still at >= 60 % of the excursion's peak angle = at the far end


def is_repetition(
    exc: Excursion, s: CoreSettings, exercise: str
) -> tuple[RepShape | None, str]:
    """The repetition an excursion that came back to rest is, or None and why not.

    ``exercise`` may be ``auto``: then only the rules common to all three apply.
    """
    if exc.ended != "returned":
        return None, exc.ended
    rom = exc.rom_deg
    shank_rom = float(exc.shank_deg.max()) if exc.shank_deg is not None else 0.0
    if rom < s.min_rom_deg and shank_rom < s.min_shank_rom_deg:
        return None, "too_small"
    if rom > s.max_rom_deg:
        return None, "too_large"
    if not exc.bumps:
        return None, "no_movement"
    top = max(b.peak_dps for b in exc.all_bumps)
    major = [b for b in exc.all_bumps if b.peak_dps >= s.major_bump_ratio * top]
    # (the held stretch sways in the hands: its reps show more movements)
    max_bumps = s.max_stretch_bumps if exercise == RAISED_LEG_STRETCH else s.max_bumps
    if len(exc.bumps) > max_bumps:
        return None, "too_many_movements"
    if len(exc.bumps) == 1 and rom >= s.max_one_move_rom_deg:
        # out and back in one smooth movement, yet far: the thigh swung through its
        # turn-around without stopping, as in a step; a rep this big stops at the top
        return None, "swing"
    away_s = angle_span_s(exc)
    moving_s = exc.bumps[-1].end_s - first_move_s(exc)
    if max(away_s, moving_s) < s.min_rep_s and shank_rom < s.brief_knee_deg:
        # quicker than any out-and-back exercise movement; with a shank sensor a
        # knee that swung far in it was a (too fast) kick, however brief the thigh's part
        return None, "too_brief"
    # (a knee swing as far as an exercise's is none of walking's, whatever the thigh did)
    walkable = shank_rom < s.exercise_knee_deg
    if (
        away_s > moving_s + s.max_unexplained_away_s
        and rom >= s.restless_min_rom_deg
        and walkable
    ):
        return None, "restless"  # away far longer than its movements explain: walking
    durations = sorted(b.duration_s for b in major)
    median_s = durations[len(durations) // 2]
    if median_s < s.min_movement_s:
        return None, "jiggle"  # movements far quicker than any exercise phase
    # walking: a run of quick big swings (a knee extension's thigh twitches are small)
    big = rom >= s.restless_min_rom_deg
    if big and walkable and len(major) >= s.gait_bumps and median_s < s.gait_movement_s:
        return None, "gait"
    if shank_rom < s.min_turn_check_shank_deg and exc.tilt_ratio < s.min_tilt_ratio:
        return None, "turning"
    shape = RepShape.of(exc)
    if not fits_exercise(shape, s, exercise):
        return None, "long_hold"
    return shape, ""


def _split_far_end(exc: Excursion) -> tuple[list[Bump], list[Bump], float]:
    """Bumps before the hold, bumps after it, and the hold duration (s)."""
    bumps = exc.bumps
    if len(bumps) == 1:
        return bumps, bumps, 0.0
    ang = exc.angle_deg
    peak = float(ang.max())
    # the hold lasts from arriving at the far end to leaving it: a held stretch is
    # adjusted now and then, and such a small movement must not cut it short
    far = []
    for i in range(len(bumps) - 1):
        mid = 0.5 * (bumps[i].end_s + bumps[i + 1].start_s)
        if float(np.interp(mid, exc.t_s, ang)) >= HOLD_LEVEL * peak:
            far.append(i)
    if not far:
        # no stop at the far end: split where the angle peaks
        i_peak = float(exc.t_s[int(np.argmax(ang))])
        before = [b for b in bumps if b.peak_s <= i_peak] or bumps[:1]
        after = [b for b in bumps if b.peak_s > i_peak] or bumps[-1:]
        return before, after, 0.0
    hold = max(0.0, bumps[far[-1] + 1].start_s - bumps[far[0]].end_s)
    return bumps[: far[0] + 1], bumps[far[-1] + 1 :], hold


@dataclass(frozen=True)
class RepShape:
    """What is kept of a repetition's excursion: enough to time it as any exercise.

    Small and fixed-size, so a long stream's memory does not grow with its
    samples, and ``--exercise auto`` can re-interpret every rep at the end.
    """

    start_s: float
    end_s: float
    first_move_s: float  # earliest movement, even one that hardly changes the angle
    out_end_s: float  # end of the movement(s) out to the far end
    back_start_s: float  # start of the movement(s) back
    hold_s: float
    rom_deg: float
    shank_rom_deg: float | None
    peak_speed_dps: float
    smoothness: float
    movements: int
    back_ratio: float  # the thigh's swing the other way / its swing out (kick)
    axis: tuple[float, float, float] | None = None  # tilt axis, sensor frame (Excursion)
    tilt_ratio: float = 1.0  # thigh tilt / thigh rotation (Excursion.tilt_ratio)

    @classmethod
    def of(cls, exc: Excursion) -> RepShape:
        before, after, hold = _split_far_end(exc)
        # the gap between the movement out and the movement back misses a hold when
        # one of them was not picked out (a slow release); the angle shows it
        hold = max(hold, still_at_far_end_s(exc))
        signed = exc.signed_thigh_deg()
        top = float(signed.max()) if len(signed) else 0.0
        start_s, out_end_s = exc.bumps[0].start_s, before[-1].end_s
        back_start_s, end_s = after[0].start_s, exc.bumps[-1].end_s
        if len(exc.bumps) == 1:
            # one movement, and the leg was already out before it (or still out after
            # it): the other phase was too slow to stand out in the speed (a very slow
            # straightening, the best kind); time it from the angle instead
            slow = _slow_phase(exc)
            if slow is not None:
                start_s, out_end_s, back_start_s, end_s = slow
        return cls(
            start_s=start_s,
            end_s=end_s,
            first_move_s=min(first_move_s(exc), start_s),
            out_end_s=out_end_s,
            back_start_s=back_start_s,
            hold_s=hold,
            rom_deg=exc.rom_deg,
            shank_rom_deg=float(exc.shank_deg.max()) if exc.shank_deg is not None else None,
            peak_speed_dps=max(b.peak_dps for b in exc.bumps),
            smoothness=smoothness(exc),
            movements=len(exc.bumps),
            back_ratio=max(0.0, -float(signed.min())) / top if top > 0 else 0.0,
            axis=exc.tilt_axis,
            tilt_ratio=exc.tilt_ratio,
        )


def _min_jerk_tau(level: float) -> float:
    """When a minimum-jerk movement has covered ``level`` of its way (fraction of its time)."""
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if mid**3 * (10 - 15 * mid + 6 * mid**2) < level:
            lo = mid
        else:
            hi = mid
    return lo


_SLOW_LO, _SLOW_HI = 0.15, 0.85  # the part of a slow phase read off the angle
_TAU_LO, _TAU_HI = _min_jerk_tau(_SLOW_LO), _min_jerk_tau(_SLOW_HI)


def _phase_from_levels(t_lo: float, t_hi: float) -> tuple[float, float]:
    """(start, end) of a smooth movement from when it covered 15 % and 85 % of its way."""
    a, b = sorted((t_lo, t_hi))
    total = (b - a) / (_TAU_HI - _TAU_LO)
    return a - _TAU_LO * total, b + _TAU_LO * total


def _slow_phase(
    exc: Excursion, level: float = HOLD_LEVEL
) -> tuple[float, float, float, float] | None:
    """(start, out end, back start, end) of a rep whose one movement is half of it.

    If the angle was already at ``level`` x its peak when the movement began,
    the movement is the way back and the way out was a slow rise, too slow to
    stand out in the speed: timed from when the angle covered 15 % and 85 % of
    the peak, as a smooth (minimum-jerk) movement. The mirror case (out
    quickly, back slowly) likewise. None when the movement is the whole rep.
    """
    (bump,) = exc.bumps
    ang, t = exc.angle_deg, exc.t_s
    peak = float(ang.max())
    if peak <= 0:
        return None
    at_start = float(np.interp(bump.start_s, t, ang))
    at_end = float(np.interp(bump.end_s, t, ang))
    i0, i1 = (int(i) for i in np.searchsorted(t, [bump.start_s, bump.end_s]))
    lo, hi = _SLOW_LO * peak, _SLOW_HI * peak
    if at_start >= level * peak:  # the movement is the way back
        up = np.flatnonzero(ang[:i0] >= hi)
        if len(up) == 0:
            return None
        low = np.flatnonzero(ang[: up[0]] <= lo)
        if len(low) == 0:
            return None
        start, out_end = _phase_from_levels(float(t[low[-1]]), float(t[up[0]]))
        return max(start, float(t[0])), min(out_end, bump.start_s), bump.start_s, bump.end_s
    if at_end >= level * peak:  # the movement is the way out
        far = np.flatnonzero(ang[i1:] >= hi)
        if len(far) == 0:
            return None
        j = i1 + int(far[-1])
        low = np.flatnonzero(ang[j:] <= lo)
        if len(low) == 0:
            return None
        back_start, end = _phase_from_levels(float(t[j]), float(t[j + int(low[0])]))
        return bump.start_s, bump.end_s, max(back_start, bump.end_s), min(end, float(t[-1]))
    return None


def still_at_far_end_s(exc: Excursion, level: float = 0.85, slow_dps: float = 2.0) -> float:
    """Time spent near the peak angle (>= ``level`` x it) while (nearly) still."""
    ang = exc.angle_deg
    if len(ang) < 2:
        return 0.0
    dt = float(np.median(np.diff(exc.t_s)))
    slow = max(slow_dps, 0.15 * float(exc.speed_dps.max()))
    return float(np.count_nonzero((ang >= level * float(ang.max())) & (exc.speed_dps < slow))) * dt


def angle_span_s(exc: Excursion, level: float = 0.2) -> float:
    """How long the limb stayed away from rest (above ``level`` x its peak angle)."""
    ang = exc.angle_deg
    away = np.flatnonzero(ang >= level * float(ang.max()))
    return float(exc.t_s[away[-1]] - exc.t_s[away[0]]) if len(away) else 0.0


def first_move_s(exc: Excursion, min_ratio: float = 0.05) -> float:
    """Start of the first real movement, however small its angle (the kick's back swing)."""
    top = max(b.peak_dps for b in exc.all_bumps) if exc.all_bumps else 0.0
    starts = [b.start_s for b in exc.all_bumps if b.peak_dps >= min_ratio * top]
    return min([exc.bumps[0].start_s, *starts])


def fits_exercise(shape: RepShape, s: CoreSettings, exercise: str) -> bool:
    """The exercise-specific part of 'is this a repetition' (seated: no long hold)."""
    if shape.shank_rom_deg is not None and shape.shank_rom_deg < s.min_rep_knee_deg:
        return False  # every exercise bends and straightens the knee: the shank shows it
    if exercise == SEATED_LEG_KICK and shape.rom_deg > s.max_kick_rom_deg:
        return False  # the kick's thigh stays near the chair: a bigger swing is a step
    if exercise == RAISED_LEG_STRETCH and shape.rom_deg > s.max_stretch_rom_deg:
        return False  # the held thigh moves little: a bigger swing is not the stretch
    if exercise == RAISED_LEG_STRETCH:
        # the held thigh is pushed, it tilts: crossing the legs (seated) hardly does
        return not _crossing(shape, s, s.stretch_cross_tilt_ratio)
    if exercise in (SEATED_LEG_RAISE, SEATED_LEG_KICK):
        if (
            shape.shank_rom_deg is not None
            and s.seated_knee_over_thigh_deg > 0
            and shape.shank_rom_deg - shape.rom_deg < s.seated_knee_over_thigh_deg
        ):
            return False  # the shank only went along with the thigh: the knee kept still
        if _crossing(shape, s, s.cross_max_tilt_ratio):
            return False
        return shape.hold_s <= s.max_seated_hold_s  # e.g. crossing and uncrossing the legs
    return True


def _crossing(shape: RepShape, s: CoreSettings, max_tilt_ratio: float) -> bool:
    """Crossing the legs: the thigh rises over the other knee, swings across (a turn
    about the vertical that does not tilt it) and stays up a while. A raise or a kick
    moves it straight forward and comes back, and with a shank sensor the knee clearly
    straightens (a knee extension hardly lifts the thigh: its small turns need not
    tilt it)."""
    return (
        shape.tilt_ratio < max_tilt_ratio
        and shape.hold_s > s.cross_min_hold_s
        and shape.rom_deg >= s.cross_min_rom_deg
        and (shape.shank_rom_deg or 0.0) < s.min_turn_check_shank_deg
    )


def make_rep(
    shape: RepShape, exercise: str, p: Prescription
) -> tuple[dict[str, float], bool, bool]:
    """(phases, too_fast, short_hold) of a repetition timed as ``exercise``."""
    start, end, hold = shape.start_s, shape.end_s, shape.hold_s
    out_s = shape.out_end_s - start
    back_s = end - shape.back_start_s
    if exercise == SEATED_LEG_KICK:
        total = end - shape.first_move_s  # from the back swing on
        return {"kick_s": total}, total < p.min_kick_s, False
    if exercise == RAISED_LEG_STRETCH:
        phases = {"straighten_s": out_s, "release_s": back_s}
        return phases, out_s < p.min_straighten_s, hold < p.min_hold_s
    assert exercise == SEATED_LEG_RAISE, exercise
    phases = {"lift_s": out_s, "lower_s": back_s}
    return phases, out_s < p.min_lift_s or back_s < p.min_lower_s, False


def smoothness(exc: Excursion) -> float:
    """Movements per speed peak: 1.0 when every movement is one smooth bell."""
    peaks = sum(b.n_peaks for b in exc.bumps)
    return len(exc.bumps) / peaks if peaks else 1.0
