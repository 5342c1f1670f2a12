"""Ground truth of a simulated recording, and the CONTRACT §1 tempo rules it follows.

Times are on the recording's own ``t_s`` clock. A phase lasts from the moment
the thigh starts to move until it stops (the simulator knows this exactly: it
is the span of the minimum-jerk move). ``*_ambiguous`` marks reps whose
deciding duration lies in the contract's band where either verdict is
acceptable; evaluation should ignore the verdict of those reps.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

EXERCISES: tuple[str, ...] = ("seated_leg_raise", "seated_leg_kick", "raised_leg_stretch")

# CONTRACT §1 defaults: (threshold, always-flag-at-or-below, never-flag-at-or-above), seconds.
PHASE_RULE_S = (1.5, 0.8, 2.3)
KICK_RULE_S = (2.5, 1.9, 3.8)
HOLD_RULE_S = (2.0, 0.8, 2.8)

PHASE_KEYS: dict[str, tuple[str, ...]] = {
    "seated_leg_raise": ("lift_s", "lower_s"),
    "seated_leg_kick": ("back_s", "forward_s", "return_s", "total_s"),
    "raised_leg_stretch": ("straighten_s", "release_s"),
}


def too_short(durations_s: list[float], rule: tuple[float, float, float]) -> tuple[bool, bool]:
    """(flag, ambiguous) for 'some duration below threshold' under a contract rule.

    The verdict is forced when some duration is at or below the always-flag bound
    (flag) or all are at or above the never-flag bound (no flag); else ambiguous.
    """
    threshold, always_s, never_s = rule
    flag = any(d < threshold for d in durations_s)
    forced = any(d <= always_s for d in durations_s) or all(d >= never_s for d in durations_s)
    return flag, not forced


@dataclass
class RepTruth:
    """One true repetition (see module doc for the meaning of each field)."""

    start_s: float
    end_s: float
    exercise: str
    phases: dict[str, float]
    hold_s: float
    rom_deg: float
    too_fast: bool
    short_hold: bool
    too_fast_ambiguous: bool
    short_hold_ambiguous: bool

    @classmethod
    def from_phases(
        cls,
        exercise: str,
        start_s: float,
        end_s: float,
        phases: dict[str, float],
        hold_s: float,
        rom_deg: float,
    ) -> RepTruth:
        """Build a rep and derive its verdicts from the contract's default rules."""
        short_hold, short_amb = False, False
        if exercise == "seated_leg_raise":
            fast, fast_amb = too_short([phases["lift_s"], phases["lower_s"]], PHASE_RULE_S)
        elif exercise == "seated_leg_kick":
            fast, fast_amb = too_short([phases["total_s"]], KICK_RULE_S)
        elif exercise == "raised_leg_stretch":
            fast, fast_amb = too_short([phases["straighten_s"]], PHASE_RULE_S)
            short_hold, short_amb = too_short([hold_s], HOLD_RULE_S)
        else:
            raise ValueError(f"unknown exercise {exercise!r}")
        return cls(
            start_s=round(start_s, 4),
            end_s=round(end_s, 4),
            exercise=exercise,
            phases={k: round(v, 4) for k, v in phases.items()},
            hold_s=round(hold_s, 4),
            rom_deg=round(rom_deg, 3),
            too_fast=fast,
            short_hold=short_hold,
            too_fast_ambiguous=fast_amb,
            short_hold_ambiguous=short_amb,
        )

    @property
    def valid(self) -> bool:
        return not (self.too_fast or self.short_hold)


@dataclass
class SetTruth:
    """Truth of one recording: the set's reps and the everyday motion around them.

    ``set_start_s``/``set_end_s`` bracket the set: from the start of the still
    period in the starting posture to the end of the still period after the last
    rep (for the stretch: after the leg is lowered). Everyday-only recordings
    have ``exercise=None``, no reps and set_start_s == set_end_s == 0.
    """

    exercise: str | None
    reps: list[RepTruth]
    set_start_s: float
    set_end_s: float
    everyday: list[dict[str, Any]] = field(default_factory=list)
    condition: str = "normal"

    @property
    def count(self) -> int:
        return len(self.reps)

    @property
    def valid_count(self) -> int:
        return sum(r.valid for r in self.reps)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["count"] = self.count
        d["valid_count"] = self.valid_count
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SetTruth:
        return cls(
            exercise=d["exercise"],
            reps=[RepTruth(**r) for r in d["reps"]],
            set_start_s=float(d["set_start_s"]),
            set_end_s=float(d["set_end_s"]),
            everyday=list(d.get("everyday", [])),
            condition=d.get("condition", "normal"),
        )

    @classmethod
    def from_json(cls, text: str) -> SetTruth:
        return cls.from_dict(json.loads(text))

    def shifted(self, dt_s: float) -> SetTruth:
        """The same truth with every time moved by ``dt_s``."""
        reps = [
            RepTruth(
                **{
                    **asdict(r),
                    "start_s": round(r.start_s + dt_s, 4),
                    "end_s": round(r.end_s + dt_s, 4),
                }
            )
            for r in self.reps
        ]
        every = [
            {**e, "start_s": round(e["start_s"] + dt_s, 4), "end_s": round(e["end_s"] + dt_s, 4)}
            for e in self.everyday
        ]
        return SetTruth(
            self.exercise,
            reps,
            self.set_start_s + dt_s,
            self.set_end_s + dt_s,
            every,
            self.condition,
        )
