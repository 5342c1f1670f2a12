"""Joint-angle timelines: keyframes joined by minimum-jerk moves, plus overlays.

A :class:`Timeline` holds one keyframe list per pose channel (hip flexion,
adduction, axial rotation, knee flexion, pelvis position and attitude). Movement
generators append moves with :meth:`Timeline.move` and holds with
:meth:`Timeline.hold`; oscillations (tremor, walking, jiggling) are added as
overlays. :meth:`Timeline.render` evaluates everything on a time grid in one
vectorised pass per channel — no per-sample Python loops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

# Pose channels (degrees and metres). Hip angles are the thigh relative to the pelvis,
# knee is flexion (0 = straight); pelvis attitude: yaw about world up, pitch
# (+ = leaning forward, -90 = lying on the back), roll.
CHANNELS: tuple[str, ...] = (
    "flex_deg",
    "add_deg",
    "rot_deg",
    "knee_deg",
    "pel_x_m",
    "pel_y_m",
    "pel_z_m",
    "pel_yaw_deg",
    "pel_pitch_deg",
    "pel_roll_deg",
)

Overlay = Callable[[np.ndarray], np.ndarray]


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile 10τ³ − 15τ⁴ + 6τ⁵ for τ in [0, 1] (clipped)."""
    tau = np.clip(tau, 0.0, 1.0)
    return tau * tau * tau * (10.0 + tau * (-15.0 + 6.0 * tau))


def envelope(t: np.ndarray, t0: float, t1: float, ramp_s: float) -> np.ndarray:
    """0 outside [t0, t1], 1 inside, with smooth (min-jerk) ramps of ``ramp_s`` at both ends."""
    ramp_s = max(min(ramp_s, 0.5 * (t1 - t0)), 1e-6)
    return min_jerk((t - t0) / ramp_s) * min_jerk((t1 - t) / ramp_s)


@dataclass
class _Keys:
    times_s: list[float]
    values: list[float]


class Timeline:
    """Pose keyframes over time; ``now_s`` is the cursor where the next move starts."""

    def __init__(self, pose: Mapping[str, float], start_s: float = 0.0) -> None:
        unknown = set(pose) - set(CHANNELS)
        if unknown:
            raise ValueError(f"unknown pose channels: {sorted(unknown)}")
        self._keys = {c: _Keys([start_s], [float(pose.get(c, 0.0))]) for c in CHANNELS}
        self.now_s = start_s
        self._overlays: dict[str, list[Overlay]] = {c: [] for c in CHANNELS}

    def value(self, channel: str) -> float:
        """The channel's value at the end of its last keyframe."""
        return self._keys[channel].values[-1]

    def pose(self) -> dict[str, float]:
        return {c: self.value(c) for c in CHANNELS}

    def move(self, duration_s: float, **targets: float) -> tuple[float, float]:
        """Minimum-jerk move of the named channels to ``targets`` over ``duration_s``.

        Returns (start_s, end_s) of the move and advances the cursor to its end.
        """
        t0 = self.now_s
        t1 = t0 + max(float(duration_s), 0.0)
        for name, target in targets.items():
            keys = self._keys[name]
            if keys.times_s[-1] > t0 + 1e-12:
                raise ValueError(f"channel {name} already has keys after t={t0:.3f}")
            if keys.times_s[-1] < t0:
                keys.times_s.append(t0)
                keys.values.append(keys.values[-1])
            keys.times_s.append(t1)
            keys.values.append(float(target))
        self.now_s = t1
        return t0, t1

    def hold(self, duration_s: float) -> tuple[float, float]:
        """Keep the pose for ``duration_s`` (overlays still act)."""
        t0 = self.now_s
        self.now_s = t0 + max(float(duration_s), 0.0)
        return t0, self.now_s

    def overlay(self, channel: str, fn: Overlay) -> None:
        """Add ``fn(t)`` to ``channel`` when rendering (must be 0 where it should not act)."""
        self._overlays[channel].append(fn)

    def render(self, t_s: np.ndarray) -> dict[str, np.ndarray]:
        """Every channel evaluated on ``t_s`` (piecewise min-jerk + overlays)."""
        out: dict[str, np.ndarray] = {}
        for name in CHANNELS:
            keys = self._keys[name]
            kt = np.asarray(keys.times_s)
            kv = np.asarray(keys.values)
            if kt.size == 1:
                v = np.full(t_s.shape, kv[0])
            else:
                i = np.clip(np.searchsorted(kt, t_s, side="right") - 1, 0, kt.size - 2)
                span = np.maximum(kt[i + 1] - kt[i], 1e-9)
                v = kv[i] + (kv[i + 1] - kv[i]) * min_jerk((t_s - kt[i]) / span)
            for fn in self._overlays[name]:
                v = v + fn(t_s)
            out[name] = v
        return out


def sine_burst(
    t0: float, t1: float, amp: float, freq_hz: float, phase: float = 0.0, ramp_s: float = 0.3
) -> Overlay:
    """A sinusoid of ``amp`` at ``freq_hz`` between t0 and t1 with smooth ramps."""

    def fn(t: np.ndarray) -> np.ndarray:
        return amp * envelope(t, t0, t1, ramp_s) * np.sin(2 * np.pi * freq_hz * (t - t0) + phase)

    return fn


def band_noise(
    t0: float, t1: float, rms: float, f_lo_hz: float, f_hi_hz: float, seed: int, ramp_s: float = 0.3
) -> Overlay:
    """Band-limited random signal (sum of random sinusoids in [f_lo, f_hi]) with rms ``rms``.

    A sum of 16 random-phase components gives a Gaussian-like, smooth signal that
    can be evaluated on any grid deterministically (the seed fixes the components).
    """
    rng = np.random.default_rng(seed)
    n = 16
    freqs = rng.uniform(f_lo_hz, f_hi_hz, n)
    phases = rng.uniform(0, 2 * np.pi, n)
    amps = rng.rayleigh(1.0, n)
    amps *= rms * np.sqrt(2.0) / np.sqrt(np.sum(amps**2))

    w = 2 * np.pi * freqs
    h = 1.0 / (10.0 * f_hi_hz)  # node spacing: 10 nodes per period of the fastest component

    def exact(tt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        e = np.exp(1j * (w[None, :] * tt[:, None] + phases[None, :]))
        return e.imag @ amps, e.real @ (amps * w)

    def fn(t: np.ndarray) -> np.ndarray:
        env = envelope(t, t0, t1, ramp_s)
        inside = np.flatnonzero(env > 0)
        out = np.zeros_like(t)
        if inside.size == 0:
            return out
        ti = t[inside]
        # exact values and slopes at nodes on a fixed grid from t0 (only the nodes that
        # are needed), cubic Hermite in between: C¹, error ~1e-3 of the rms, much faster
        k = np.floor((ti - t0) / h).astype(np.int64)
        k_lo, k_hi = int(k.min()), int(k.max())
        if k_hi - k_lo + 2 <= ti.size:  # dense: every node in the span
            need = np.arange(k_lo, k_hi + 2)
            i0 = k - k_lo
            i1 = i0 + 1
        else:  # sparse (e.g. short gated bursts): only the nodes next to a sample
            need, where = np.unique(np.concatenate([k, k + 1]), return_inverse=True)
            i0, i1 = where[: k.size], where[k.size :]
        if need.size * 1.5 >= ti.size:
            out[inside] = env[inside] * exact(ti)[0]
            return out
        v, dv = exact(t0 + h * need)
        s = (ti - t0) / h - k
        s2, s3 = s * s, s * s * s
        val = (
            (2 * s3 - 3 * s2 + 1) * v[i0]
            + (s3 - 2 * s2 + s) * h * dv[i0]
            + (-2 * s3 + 3 * s2) * v[i1]
            + (s3 - s2) * h * dv[i1]
        )
        out[inside] = env[inside] * val
        return out

    return fn


def gate(t: np.ndarray, intervals: list[tuple[float, float]], ramp_s: float = 0.3) -> np.ndarray:
    """1 inside any of ``intervals``, 0 outside, with smooth ramps (t sorted)."""
    g = np.zeros_like(t)
    for a, b in intervals:
        lo, hi = np.searchsorted(t, [a, b])
        if hi > lo:
            g[lo:hi] = np.maximum(g[lo:hi], envelope(t[lo:hi], a, b, ramp_s))
    return g


def gated(fn: Overlay, intervals: list[tuple[float, float]], ramp_s: float = 0.3) -> Overlay:
    """``fn`` switched on only inside ``intervals`` (smooth ramps), e.g. tremor while active."""

    def g(t: np.ndarray) -> np.ndarray:
        on = gate(t, intervals, ramp_s)
        active = np.flatnonzero(on > 0)
        out = np.zeros_like(t)
        if active.size:
            out[active] = fn(t[active]) * on[active]
        return out

    return g
