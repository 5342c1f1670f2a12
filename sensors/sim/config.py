"""Simulation configuration and the named conditions (documented in docs/simulator.md)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np

from sensors.sim.truth import EXERCISES


@dataclass(frozen=True)
class Profile:
    """How a condition shapes the simulated patient and the recording chain."""

    p_fast: float = 0.15  # share of reps drawn clearly too fast
    p_ambiguous: float = 0.10  # share drawn inside the contract's either-verdict band
    p_short_hold: float = 0.15  # stretch: share of clearly short holds
    p_hold_ambiguous: float = 0.10
    p_partial: float = 0.05  # share of small-ROM reps (still reps)
    fatigue: float = 0.15  # 0..1: how much ROM and tempo fall by the end of the set
    tremor_deg: float = 0.012  # physiological tremor of the thigh about the hip (deg rms)
    rest_s: tuple[float, float] = (0.8, 3.0)  # still time between reps
    hold_scale: float = 1.0  # multiplies the top hold of raises/kicks
    p_pause: float = 0.0  # chance of a long pause (with fidgeting) after a rep
    jitter: bool = False  # timestamp jitter
    gaps: bool = False  # dropped samples
    rate_hz: float | None = None  # forces the sample rate
    everyday_around: bool = False  # walk/sit before and stand/leave after the set
    everyday_only: bool = False


CONDITION_PROFILES: dict[str, Profile] = {
    "normal": Profile(),
    "fast": Profile(p_fast=0.6, p_ambiguous=0.15, p_short_hold=0.3),
    "short_hold": Profile(
        p_short_hold=0.6, p_hold_ambiguous=0.15, hold_scale=0.2, rest_s=(0.3, 1.2)
    ),
    "partial": Profile(p_partial=0.5),
    "fatigue": Profile(fatigue=0.8),
    "tremor": Profile(tremor_deg=0.08),
    "pauses": Profile(p_pause=0.35, rest_s=(1.0, 5.0)),
    "jitter_gaps": Profile(jitter=True, gaps=True),
    "low_rate": Profile(rate_hz=25.0),
    "high_rate": Profile(rate_hz=200.0),
    "with_everyday": Profile(everyday_around=True),
    "everyday_only": Profile(everyday_only=True),
}

CONDITIONS: tuple[str, ...] = tuple(CONDITION_PROFILES)


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. ``simulate(cfg)`` is deterministic for a given config.

    exercise: one of EXERCISES, or None for everyday motion only.
    condition: one of CONDITIONS (see docs/simulator.md); ``low_rate``/``high_rate``
    force 25/200 Hz. ``jitter``/``gaps`` override the condition when not None.
    noise=False gives an ideal chip (no noise, bias, scale error, quantisation);
    wobble=False a rigidly strapped sensor; tremor=False no physiological tremor;
    strap="aligned" puts the sensor axes on the thigh axes (for tests and plots).
    t0_s is the clock origin of the first sample.
    """

    exercise: str | None = "seated_leg_raise"
    reps: int = 12
    seed: int = 0
    rate_hz: float = 100.0
    shank: bool = False
    condition: str = "normal"
    leg: str = "right"
    jitter: bool | None = None
    gaps: bool | None = None
    noise: bool = True
    wobble: bool = True
    tremor: bool = True
    strap: str = "random"
    t0_s: float = 0.0

    def __post_init__(self) -> None:
        if self.exercise is not None and self.exercise not in EXERCISES:
            raise ValueError(f"unknown exercise {self.exercise!r}; expected one of {EXERCISES}")
        if self.condition not in CONDITION_PROFILES:
            raise ValueError(f"unknown condition {self.condition!r}; expected one of {CONDITIONS}")
        if self.leg not in ("left", "right"):
            raise ValueError("leg must be 'left' or 'right'")
        if self.reps < 0:
            raise ValueError("reps must be >= 0")
        if not 5.0 <= self.rate_hz <= 2000.0:
            raise ValueError("rate_hz must be within 5..2000")
        if self.strap not in ("random", "aligned"):
            raise ValueError("strap must be 'random' or 'aligned'")

    @property
    def profile(self) -> Profile:
        return CONDITION_PROFILES[self.condition]

    @property
    def effective_rate_hz(self) -> float:
        return self.profile.rate_hz or self.rate_hz

    @property
    def everyday_only(self) -> bool:
        return self.exercise is None or self.profile.everyday_only

    def with_(self, **changes: object) -> SimConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    def rng(self, stream: str) -> np.random.Generator:
        """An independent, reproducible random stream for one part of the simulation."""
        key = f"{self.exercise}|{self.condition}|{self.leg}|{stream}".encode()
        return np.random.default_rng([int(self.seed) & 0xFFFFFFFF, zlib.crc32(key)])
