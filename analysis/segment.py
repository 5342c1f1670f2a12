"""Movement segmentation: from thigh angle and speed to excursions and bumps.

An *excursion* is everything between leaving a still rest posture and coming
back still, either to the same posture (a candidate repetition) or to a new
one (a posture change: sitting down, lifting the leg into the stretch
position, crossing the legs). A *bump* is one smooth movement inside an
excursion: one peak of angular speed (lift, lower, kick back, ...).

Phase timing assumes smooth human movements have a bell-shaped speed profile
(minimum jerk, Flash & Hogan 1985): the speed is above half its peak for
54 % of the movement, centred, so a movement's start and stop are
extrapolated from its half-peak crossings instead of being read off the
noisy tails where the speed is near zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.settings import CoreSettings
from analysis.vec import angle_deg

# minimum-jerk speed profile 30 t^2 (1-t)^2: half-peak crossings at tau0 and 1 - tau0,
# where 16 tau0^2 (1 - tau0)^2 = 1/2
HALF_TAU = 0.5 * (1.0 - math.sqrt(1.0 - math.sqrt(0.5)))
FWHM_FRACTION = 1.0 - 2.0 * HALF_TAU


@dataclass(frozen=True)
class Bump:
    """One smooth movement: estimated start/end (s), peak speed, angle at its end."""

    start_s: float
    end_s: float
    peak_s: float
    peak_dps: float
    n_peaks: int  # speed peaks merged into this movement (1 = smooth)
    # start and end as a symmetric minimum-jerk bell of the same half-peak width: the
    # window in which "did it change the angle" is asked (moving_bumps)
    sym_start_s: float
    sym_end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class Excursion:
    """Samples from leaving rest to settling again, and how it ended."""

    t_s: np.ndarray
    speed_dps: np.ndarray
    thigh_deg: np.ndarray
    shank_deg: np.ndarray | None
    ended: str  # "returned" | "posture" | "too_long" | "gap" | "end_of_stream"
    thigh_speed_dps: np.ndarray | None = None
    thigh_gravity: np.ndarray | None = None  # (N, 3) unit vectors, sensor frame
    base_gravity: np.ndarray | None = None  # the rest posture it left
    bumps: list[Bump] = field(default_factory=list)  # the movements that move the limb
    all_bumps: list[Bump] = field(default_factory=list)  # every speed bump

    def signed_thigh_deg(self) -> np.ndarray:
        """Thigh angle signed along the excursion's main direction (+ = toward the peak).

        Negative values mean the thigh first went the other way (the kick's
        back swing); a raise or a stretch stays positive.
        """
        if self.thigh_gravity is None or self.base_gravity is None or len(self.t_s) == 0:
            return self.thigh_deg
        d = self.thigh_gravity - self.base_gravity
        main = d[int(np.argmax(self.thigh_deg))]
        n = float(np.linalg.norm(main))
        if n == 0:
            return self.thigh_deg
        return np.degrees(d @ (main / n))

    @property
    def tilt_axis(self) -> tuple[float, float, float] | None:
        """Unit axis (sensor frame) the thigh turned about from rest to its peak tilt.

        A hip flexion (every exercise here) turns the thigh about its own lateral
        axis, which is fixed in the sensor frame whatever the posture; a fidget
        rolls it about its long axis instead. None when there is no tilt to read.
        """
        if len(self.t_s) == 0:
            return None
        return self._turn_axis(int(np.argmax(self.thigh_deg)))

    @property
    def end_axis(self) -> tuple[float, float, float] | None:
        """Unit axis (sensor frame) of the turn from rest to where the excursion ended.

        For a posture change (sitting down, lifting the leg to hold it) that is
        the thigh's lateral axis.
        """
        return self._turn_axis(len(self.t_s) - 1)

    def _turn_axis(self, i: int) -> tuple[float, float, float] | None:
        """Unit axis of the turn from the rest posture to sample ``i`` (None: no turn)."""
        if self.thigh_gravity is None or self.base_gravity is None or len(self.t_s) == 0:
            return None
        g0, g1, g2 = self.thigh_gravity[i].tolist()
        b0, b1, b2 = self.base_gravity.tolist()
        # base x g, the same products and differences as np.cross (which costs more)
        a = np.array([b1 * g2 - b2 * g1, b2 * g0 - b0 * g2, b0 * g1 - b1 * g0])
        n = float(np.linalg.norm(a))
        if n < 1e-6:
            return None
        return (float(a[0] / n), float(a[1] / n), float(a[2] / n))

    @property
    def tilt_ratio(self) -> float:
        """Thigh tilt travelled / thigh rotation turned (1 = all rotation tilts it).

        Exercises rotate the thigh about a horizontal axis, so every degree turned
        tilts it; turning on the spot rotates it about the vertical, which the
        gyro sees but gravity does not.
        """
        if self.thigh_speed_dps is None or len(self.t_s) < 2:
            return 1.0
        dt = np.diff(self.t_s)
        turned = float(np.sum(0.5 * (self.thigh_speed_dps[1:] + self.thigh_speed_dps[:-1]) * dt))
        tilted = float(np.sum(np.abs(np.diff(self.thigh_deg))))
        return tilted / turned if turned > 0 else 1.0

    @property
    def angle_deg(self) -> np.ndarray:
        """Combined movement angle: thigh (+ shank when present)."""
        return self.thigh_deg if self.shank_deg is None else self.thigh_deg + self.shank_deg

    @property
    def rom_deg(self) -> float:
        return float(self.thigh_deg.max()) if len(self.thigh_deg) else 0.0


def half_crossings(
    t: Sequence[float], w: Sequence[float], i_peak: int, lo: int, hi: int
) -> tuple[float, float, float, float]:
    """Interpolated times where ``w`` crosses half its peak around ``i_peak``, and the slopes.

    Returns (rise time, rise slope, fall time, fall slope); the slopes are
    :func:`side_slope` (units of ``w`` per second, positive; 0 where the
    crossing was not found). Bounded by ``lo``/``hi`` (sample indexes): if the
    speed never falls to half within them (two movements merged), the bound is
    used. ``t``, ``w``: arrays or, faster in these sample-by-sample loops, lists
    of floats.
    """
    half = 0.5 * w[i_peak]
    ta, rise = float(t[lo]), 0.0
    for i in range(i_peak, lo, -1):
        if w[i - 1] < half <= w[i]:
            f = (half - w[i - 1]) / (w[i] - w[i - 1])
            ta = float(t[i - 1] + f * (t[i] - t[i - 1]))
            rise = side_slope(t, w, i - 1, i_peak, w[i_peak])
            break
    tb, fall = float(t[hi]), 0.0
    for i in range(i_peak, hi):
        if w[i] >= half > w[i + 1]:
            f = (w[i] - half) / (w[i] - w[i + 1])
            tb = float(t[i] + f * (t[i + 1] - t[i]))
            fall = -side_slope(t, w, i + 1, i_peak, w[i_peak])
            break
    return ta, rise, tb, fall


SLOPE_TOP = 0.8  # a side's slope: from its half-peak crossing up to this fraction of the peak


def side_slope(
    t: Sequence[float], w: Sequence[float], i_out: int, i_peak: int, peak: float
) -> float:
    """Least-squares slope of one side of a speed bell (per second; negative on the fall).

    Fitted from ``i_out``, the last sample below half the peak, toward the peak
    while the speed is at most ``SLOPE_TOP`` of it: steadier than one sample
    interval's difference, and the same samples are at hand live, the moment
    the speed falls below half.
    """
    step = 1 if i_peak > i_out else -1
    top = SLOPE_TOP * peak
    t0 = t[i_out]  # times relative to the first sample: no cancellation in the sums
    n, sx, sy, sxx, sxy = 1, 0.0, w[i_out], 0.0, 0.0
    i = i_out + step
    while True:
        x, y = t[i] - t0, w[i]
        n += 1
        sx += x
        sy += y
        sxx += x * x
        sxy += x * y
        if i == i_peak or w[i] > top:
            break  # the first sample toward the peak is fitted whatever it is
        i += step
        if i == i_peak or w[i] > top:
            break
    den = n * sxx - sx * sx
    return (n * sxy - sx * sy) / den if den > 0 else 0.0


# minimum jerk, 30 tau^2 (1 - tau)^2: half-peak crossing at tau0 of the movement's time,
# whose tail beyond it lasts TAIL_PER_STEEPNESS x (half the peak / the side's fitted
# slope from half to SLOPE_TOP of the peak); tests/test_phase_timing.py recomputes it
TAIL_PER_STEEPNESS = 1.2803
TAIL_RANGE = (0.5, 1.5)  # a side's tail, as a fraction of the symmetric (minimum-jerk) one


def symmetric_tail_s(ta: float, tb: float) -> float:
    """A minimum-jerk bell's time from still to half its peak, from its half-peak width."""
    return HALF_TAU * max(tb - ta, 1e-3) / FWHM_FRACTION


def movement_span(
    ta: float, rise_slope: float, tb: float, fall_slope: float, half: float
) -> tuple[float, float]:
    """(start, end) of a movement from its half-peak crossings and the speed's slopes there.

    Each side's tail (from standing still to half the peak speed) is extrapolated
    from that side's own steepness, as in a minimum-jerk movement: exact for a
    bell, and real movements are often lopsided (a slow push, a quick stop), which
    the symmetric extrapolation from the half-peak width alone timed too long.
    Each tail stays within ``TAIL_RANGE`` of the symmetric one (a crossing on a
    shoulder has almost no slope).
    """
    sym = symmetric_tail_s(ta, tb)
    lo, hi = TAIL_RANGE[0] * sym, TAIL_RANGE[1] * sym
    k = TAIL_PER_STEEPNESS * half
    lead = min(max(k / rise_slope, lo), hi) if rise_slope > 0.0 else sym
    trail = min(max(k / fall_slope, lo), hi) if fall_slope > 0.0 else sym
    return ta - lead, tb + trail


def bump_from_half(
    ta: float, rise: float, tb: float, fall: float, peak_s: float, peak_dps: float, n: int
) -> Bump:
    start, end = movement_span(ta, rise, tb, fall, 0.5 * peak_dps)
    sym = symmetric_tail_s(ta, tb)
    return Bump(start, end, peak_s, peak_dps, n, ta - sym, tb + sym)


def prominent_peaks(x: np.ndarray, min_prominence: float) -> np.ndarray:
    """Indices of the local maxima of ``x`` whose prominence is at least ``min_prominence``.

    The same answer as ``scipy.signal.find_peaks(x, prominence=min_prominence)[0]``
    (a flat top counts once, at its middle; tests/test_scipy_equivalents.py checks
    it against scipy), without importing ``scipy.signal``: that import costs
    about 0.5 s here and several seconds on a Pi Zero 2, at every start.
    """
    n = len(x)
    if n < 3:
        return np.zeros(0, dtype=np.intp)
    # runs of equal values: a peak is a run higher than both its neighbours
    starts = np.concatenate(([0], np.flatnonzero(np.diff(x) != 0) + 1))
    vals = x[starts]
    inner = np.flatnonzero((vals[1:-1] > vals[:-2]) & (vals[1:-1] > vals[2:])) + 1
    ends = np.concatenate((starts[1:], [n])) - 1
    peaks = (starts[inner] + ends[inner]) // 2
    if len(peaks) == 0 or min_prominence <= 0.0:
        return peaks  # (a peak's prominence is never negative)
    # prominent enough: on each side, before the signal rises above the peak, it
    # drops by min_prominence somewhere (top - max(left, right minimum) >= m, as
    # monotone rounding makes it). Each scan stops at the first such drop, a few
    # samples down a speed bell's flank: not the whole trace for every peak
    xl = x.tolist()
    keep = [
        p
        for p in peaks.tolist()
        if _drops_by(xl, p, range(p - 1, -1, -1), min_prominence)
        and _drops_by(xl, p, range(p + 1, n), min_prominence)
    ]
    return np.array(keep, dtype=np.intp)


def _drops_by(xl: list[float], p: int, flank: range, m: float) -> bool:
    """Walking ``flank`` away from peak ``p``, the signal drops ``m`` below it before
    it rises above it (the flank's end, first, is no drop)."""
    top = xl[p]
    for i in flank:
        v = xl[i]
        if v > top:
            return False
        if top - v >= m:
            return True
    return False


def find_bumps(t: np.ndarray, w: np.ndarray, s: CoreSettings, delay_s: float = 0.0) -> list[Bump]:
    """Split a speed trace into smooth movements (see module doc).

    Movements are bells above the speed that counts as still; in an excursion
    with no such bell (a very slow, gentle rep) they are the bells down to a
    lower floor.
    """
    if len(w) < 3:
        return []
    bumps = _bumps_above(t, w, s, s.rest_speed_dps, delay_s)
    if not bumps and s.slow_move_dps < s.rest_speed_dps:
        bumps = _bumps_above(t, w, s, s.slow_move_dps, delay_s)
    return bumps


def _bumps_above(
    t: np.ndarray, w: np.ndarray, s: CoreSettings, floor: float, delay_s: float
) -> list[Bump]:
    """:func:`find_bumps` with movements peaking at ``floor`` or more."""
    top = float(w.max())
    if top < floor:
        return []
    peaks = prominent_peaks(w, max(0.5 * floor, 0.08 * top))
    if len(peaks) == 0:
        peaks = np.array([int(np.argmax(w))])
    # plain floats below: indexing numpy arrays one sample at a time is slow
    tl, wl = t.tolist(), w.tolist()
    # group peaks: a dip below split_ratio x the smaller neighbour separates movements
    peak_l = peaks.tolist()
    groups: list[list[int]] = [[peak_l[0]]]
    for p in peak_l[1:]:
        prev = groups[-1]
        prev_top = max(prev, key=wl.__getitem__)
        dip = min(wl[prev[-1] : p + 1])
        if dip < s.bump_split_ratio * min(wl[prev_top], wl[p]) or dip < floor:
            groups.append([p])
        else:
            prev.append(p)
    bumps = []
    bounds = [0]
    for g0, g1 in zip(groups[:-1], groups[1:], strict=True):
        between = wl[g0[-1] : g1[0] + 1]
        bounds.append(g0[-1] + between.index(min(between)))  # the first minimum, as argmin
    bounds.append(len(wl) - 1)
    for k, g in enumerate(groups):
        ip = max(g, key=wl.__getitem__)
        if wl[ip] < floor:
            continue
        ta, rise, tb, fall = half_crossings(tl, wl, ip, bounds[k], bounds[k + 1])
        b = bump_from_half(ta - delay_s, rise, tb - delay_s, fall, tl[ip] - delay_s, wl[ip], len(g))
        bumps.append(b)
    return bumps


CROSS_FRACTION = 0.5  # dips below half the angle it left and reached: through rest


def moving_bumps(exc: Excursion, bumps: list[Bump], min_fraction: float) -> list[Bump]:
    """The bumps that really move the limb: net angle change >= fraction of the ROM.

    Drops the sway of a hand-held leg and soft-tissue wobble, which show up as
    small speed peaks but leave the angle where it was.
    """
    if not bumps:
        return bumps
    ang = exc.angle_deg
    rom = float(ang.max())
    times = [[b.sym_start_s, b.sym_end_s] for b in bumps]
    # the angle at every bump's start and end, in one call
    ends = np.interp(times, exc.t_s, ang)
    moved = np.abs(ends[:, 1] - ends[:, 0])
    g = exc.thigh_gravity
    if g is not None and len(g):
        # a movement through the rest posture to the other side leaves its angle
        # from rest where it was: there, the thigh's turn from start to end counts
        idx = np.clip(np.searchsorted(exc.t_s, times), 0, len(g) - 1)
        for k, (i0, i1) in enumerate(idx.tolist()):
            if i1 > i0 + 1 and float(exc.thigh_deg[i0:i1].min()) < CROSS_FRACTION * min(
                exc.thigh_deg[i0], exc.thigh_deg[i1]
            ):
                moved[k] = max(moved[k], angle_deg(g[i0], g[i1]))
    moved = moved.tolist()
    keep = [b for b, m in zip(bumps, moved, strict=True) if m >= min_fraction * rom]
    return keep or [max(bumps, key=lambda b: b.peak_dps)]


def cycle_cuts(
    exc: Excursion,
    min_rom_deg: float,
    back_fraction: float,
    stop_dps: float,
    stop_s: float = 0.0,
    plateau_deg: float = 0.0,
    then_any: bool = False,
    held_back_fraction: float | None = None,
    held_s: float = 0.0,
    held_deg: float = 0.0,
    held_one_side: bool = False,
) -> list[int]:
    """Sample indices where an excursion holds two out-and-back cycles back to back.

    The leg may come back from a rep past its rest posture and stop a few
    degrees on the other side, then do the next rep from there: measured from
    rest it never came back, and the two reps make one excursion. The still
    points between movements show it: out from the start, back by most of that
    way (in the opposite direction), a stop, then out again and back. Each side
    must have an out and a back movement, so a hesitant lift (two movements the
    same way) or an adjusted hold is never cut. ``then_any``: at most one cut,
    and what follows it may be anything (the start of a posture change).
    ``held_back_fraction``: back by this much suffices when the far point was
    held (the thigh within ``held_deg`` of it for ``held_s``): a stretch's thigh
    shows only part of the knee's release. ``held_one_side``: the hold may also be
    the ``held_s`` just before the far point or just after it, not only around it
    (the farthest point of a hold is often its last moment, where the release begins).
    """
    bumps, g, w = exc.bumps, exc.thigh_gravity, exc.speed_dps
    if g is None or len(g) == 0:
        return []
    t = exc.t_s
    # the still points: start, the slowest moment between each two movements, end
    idx = [0]
    for a, b in zip(bumps[:-1], bumps[1:], strict=True):
        i0, i1 = np.searchsorted(t, [a.peak_s, b.peak_s]).tolist()
        idx.append(i0 + int(np.argmin(w[i0 : i1 + 1])) if i1 > i0 else i0)
    if plateau_deg > 0:
        # and the middle of every stretch where the thigh stays put (a release too
        # slow to show a speed bell still ends in one)
        idx += plateaus(g, t, plateau_deg, stop_s, w, stop_dps)
    idx = sorted(set(idx) - {0, len(t) - 1})
    idx = [0, *idx, len(t) - 1]
    if len(idx) < 5:
        return []
    pts = g[np.clip(idx, 0, len(g) - 1)]

    def around(k: int, span_s: float) -> slice:
        """The samples within span_s / 2 of still point k (both ends included)."""
        lo = int(np.searchsorted(t, t[idx[k]] - 0.5 * span_s))
        hi = int(np.searchsorted(t, t[idx[k]] + 0.5 * span_s))
        return slice(lo, hi + 1)

    def held(k: int) -> bool:
        """Still point k is a hold: the thigh stays within held_deg of it for held_s."""
        cos = math.cos(math.radians(held_deg))
        if float((g[around(k, held_s)] @ pts[k]).min()) >= cos:
            return True
        if not held_one_side:
            return False
        i = idx[k]
        lo, hi = np.searchsorted(t, [t[i] - held_s, t[i] + held_s]).tolist()
        before, after = g[lo : i + 1] @ pts[k], g[i : hi + 1] @ pts[k]
        return float(before.min()) >= cos or float(after.min()) >= cos

    def out_and_back(first: int, last: int) -> bool:
        """Still points first..last: out to a far point, then back most of the way
        (or some of it, from a held far point)."""
        far = max(range(first + 1, last), key=lambda k: angle_deg(pts[k], pts[first]))
        out = angle_deg(pts[far], pts[first])
        back = angle_deg(pts[last], pts[far])
        if out < min_rom_deg:
            return False
        if back < back_fraction * out and not (
            held_back_fraction is not None and back >= held_back_fraction * out and held(far)
        ):
            return False
        return float((pts[far] - pts[first]) @ (pts[last] - pts[far])) < 0.0  # came back

    cuts: list[int] = []
    first = 0
    for j in range(2, len(idx) - (1 if then_any else 2)):
        if j - first < 2 or w[idx[j]] > stop_dps:
            continue
        # a stop, not a slow turn-around: slow for stop_s around it
        if float(w[around(j, stop_s)].max()) > stop_dps:
            continue
        if out_and_back(first, j) and (then_any or out_and_back(j, len(idx) - 1)):
            cuts.append(idx[j])
            if then_any:
                break
            first = j
    return cuts


def plateaus(
    g: np.ndarray,
    t: np.ndarray,
    radius_deg: float,
    min_s: float,
    speed_dps: np.ndarray,
    max_dps: float,
) -> list[int]:
    """Middle samples of the stretches where the thigh stays within ``radius_deg``.

    Greedy, left to right: a plateau grows while every direction is within the
    radius of its first one, and counts if it lasts ``min_s``. None starts where
    the thigh turns faster than ``max_dps`` (``speed_dps``): it is moving there.
    """
    chord2 = (2.0 * math.sin(math.radians(radius_deg) / 2.0)) ** 2
    out: list[int] = []
    i, n = 0, len(g)
    fast = (speed_dps > max_dps).tolist()
    while i < n:
        if fast[i]:
            i += 1
            continue
        # the first sample out of the radius, looked for a block at a time (most
        # stretches end within a few samples: the whole rest each time is quadratic)
        j = i + 1
        while j < n:
            d = g[j : j + 32] - g[i]
            far = np.flatnonzero(np.einsum("ij,ij->i", d, d) >= chord2)
            if len(far):
                j += int(far[0])
                break
            j += len(d)
        if t[j - 1] - t[i] >= min_s:
            out.append((i + j - 1) // 2)
        i = j if j > i + 1 else i + 1
    return out
