"""The simulated patient: posture state, a pose timeline, planned reps and everyday events.

Exercise and everyday generators (``exercises.py``, ``everyday.py``) drive a
:class:`Patient`; the simulator then renders its timeline into sensor signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensors.sim.config import Profile
from sensors.sim.timeline import Timeline, band_noise, gated

SEAT_HEIGHT_M = 0.48
STAND_HEIGHT_M = 0.92
BED_HEIGHT_M = 0.50


@dataclass
class PlannedRep:
    """A rep as the generator planned it; ROM is measured later from the rendered thigh."""

    exercise: str
    start_s: float
    end_s: float
    phases: dict[str, float]
    hold_s: float


@dataclass
class Patient:
    """Everything a movement generator needs: timeline, randomness, posture and records."""

    rng: np.random.Generator
    profile: Profile
    leg: str
    timeline: Timeline
    posture: str  # "standing" | "seated" | "supine" | "leg_held" (supine, thigh raised)
    rest_flex_deg: float = 88.0
    rest_knee_deg: float = 90.0
    # the person's own style, fixed for the set: where in each range their usual
    # ROM, slow tempo, rest and hold lie (reps vary around it by about ±12 %)
    style_rom: float = 0.5
    style_tempo: float = 0.5
    style_rest: float = 0.5
    style_hold: float = 0.5
    held_flex_deg: float = 85.0  # raised_leg_stretch: the thigh held behind the knee
    held_knee_deg: float = 95.0
    held_add_deg: float = 0.0
    reps: list[PlannedRep] = field(default_factory=list)
    events: list[dict[str, object]] = field(default_factory=list)
    tremor: bool = True

    def seed(self) -> int:
        """A fresh integer seed for an overlay's own random stream."""
        return int(self.rng.integers(0, 2**31 - 1))

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def styled(self, lo: float, hi: float, frac: float, cv: float = 0.12) -> float:
        """A value in [lo, hi] around this person's usual point ``frac`` of the range."""
        centre = lo + frac * (hi - lo)
        return float(np.clip(centre * self.rng.normal(1.0, cv), lo, hi))

    def draw_style(self) -> None:
        self.style_rom, self.style_tempo, self.style_rest, self.style_hold = (
            float(x) for x in self.rng.uniform(0.0, 1.0, 4)
        )

    def event(self, kind: str, start_s: float, end_s: float) -> None:
        """Record an everyday movement that must never count as a repetition."""
        self.events.append({"kind": kind, "start_s": round(start_s, 4), "end_s": round(end_s, 4)})

    def sway(self, t0: float, t1: float, rms_deg: float) -> None:
        """Slow postural sway (0.05–0.7 Hz) of the thigh between t0 and t1."""
        for ch, k in (("flex_deg", 1.0), ("add_deg", 0.7), ("rot_deg", 0.5)):
            self.timeline.overlay(ch, band_noise(t0, t1, rms_deg * k, 0.05, 0.7, self.seed(), 1.0))

    def tremor_overlay(self, intervals: list[tuple[float, float]], rms_deg: float) -> None:
        """Physiological tremor (narrow band in 6–10 Hz) while muscles work: the intervals."""
        if not self.tremor or rms_deg <= 0 or not intervals:
            return
        f0 = self.u(6.0, 9.0)
        t0 = min(a for a, _ in intervals) - 1.0
        t1 = max(b for _, b in intervals) + 1.0
        for ch, k in (("flex_deg", 1.0), ("add_deg", 0.6), ("rot_deg", 0.4)):
            noise = band_noise(t0, t1, rms_deg * k, f0, f0 + 1.0, self.seed(), 1e-3)
            self.timeline.overlay(ch, gated(noise, intervals, 0.3))
