"""From an excursion to a repetition: phases, hold, tempo verdicts, metrics.

Which movements are which phase depends on the exercise (CONTRACT §1):
seated_leg_raise = lift, hold, lower; raised_leg_stretch = straighten, hold,
release; seated_leg_kick = back, forward, return timed as a whole.
"""

from __future__ import annotations

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


def is_repetition(exc: Excursion, s: CoreSettings, exercise: str) -> tuple[bool, str]:
    """Whether an excursion that came back to rest is a repetition, and why not.

    ``exercise`` may be ``auto``: then only the rules common to all three apply.
    """
    if exc.ended != "returned":
        return False, exc.ended
    rom = exc.rom_deg
    shank_rom = float(exc.shank_deg.max()) if exc.shank_deg is not None else 0.0
    if rom < s.min_rom_deg and shank_rom < s.min_shank_rom_deg:
        return False, "too_small"
    if rom > s.max_rom_deg:
        return False, "too_large"
    if not exc.bumps:
        return False, "no_movement"
    top = max(b.peak_dps for b in exc.all_bumps)
    major = [b for b in exc.all_bumps if b.peak_dps >= s.major_bump_ratio * top]
    if len(exc.bumps) > s.max_bumps:
        return False, "too_many_movements"
    durations = sorted(b.duration_s for b in major)
    median_s = durations[len(durations) // 2]
    if median_s < s.min_movement_s:
        return False, "jiggle"  # movements far quicker than any exercise phase
    if len(major) >= s.gait_bumps and median_s < s.gait_movement_s:
        return False, "gait"  # a run of quick swings: walking
    if shank_rom < s.min_turn_check_shank_deg and exc.tilt_ratio < s.min_tilt_ratio:
        return False, "turning"
    if exercise in (SEATED_LEG_RAISE, SEATED_LEG_KICK):
        _, _, hold = _split_far_end(exc)
        if hold > s.max_seated_hold_s:
            return False, "long_hold"  # e.g. crossing and uncrossing the legs
    return True, ""


def _split_far_end(exc: Excursion) -> tuple[list[Bump], list[Bump], float]:
    """Bumps before the hold, bumps after it, and the hold duration (s)."""
    bumps = exc.bumps
    if len(bumps) == 1:
        return bumps, bumps, 0.0
    ang = exc.angle_deg
    peak = float(ang.max())
    best_gap, best_i = -1.0, None
    for i in range(len(bumps) - 1):
        a, b = bumps[i].end_s, bumps[i + 1].start_s
        # angle between the two movements (at the dip) must be at the far end
        mid = 0.5 * (bumps[i].end_s + bumps[i + 1].start_s)
        level = float(np.interp(mid, exc.t_s, ang))
        if level >= HOLD_LEVEL * peak and b - a > best_gap:
            best_gap, best_i = b - a, i
    if best_i is None:
        # no stop at the far end: split where the angle peaks
        i_peak = float(exc.t_s[int(np.argmax(ang))])
        before = [b for b in bumps if b.peak_s <= i_peak] or bumps[:1]
        after = [b for b in bumps if b.peak_s > i_peak] or bumps[-1:]
        return before, after, 0.0
    return bumps[: best_i + 1], bumps[best_i + 1 :], max(0.0, best_gap)


def make_rep(
    exc: Excursion, exercise: str, index: int, p: Prescription
) -> tuple[float, float, dict[str, float], float, bool, bool]:
    """(start_s, end_s, phases, hold_s, too_fast, short_hold) for one exercise."""
    start = exc.bumps[0].start_s
    end = exc.bumps[-1].end_s
    before, after, hold = _split_far_end(exc)
    out_s = before[-1].end_s - start
    back_s = end - after[0].start_s
    if exercise == SEATED_LEG_KICK:
        total = end - start
        return start, end, {"kick_s": total}, hold, total < p.min_kick_s, False
    if exercise == RAISED_LEG_STRETCH:
        phases = {"straighten_s": out_s, "release_s": back_s}
        return start, end, phases, hold, out_s < p.min_straighten_s, hold < p.min_hold_s
    assert exercise == SEATED_LEG_RAISE, exercise
    phases = {"lift_s": out_s, "lower_s": back_s}
    return start, end, phases, hold, out_s < p.min_lift_s or back_s < p.min_lower_s, False


def smoothness(exc: Excursion) -> float:
    """Movements per speed peak: 1.0 when every movement is one smooth bell."""
    peaks = sum(b.n_peaks for b in exc.bumps)
    return len(exc.bumps) / peaks if peaks else 1.0
