"""What the counting core emits. Times are on the input's own ``t_s`` clock."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rep:
    """One repetition with its metrics (CONTRACT §3 fields plus more)."""

    index: int  # 1-based within the set
    exercise: str
    start_s: float
    end_s: float
    phases: dict[str, float]  # name -> duration_s (lift_s/lower_s, kick_s, straighten_s/release_s)
    hold_s: float
    rom_deg: float
    too_fast: bool
    short_hold: bool
    peak_speed_dps: float
    smoothness: float  # speed-profile peaks per moving phase (1.0 = smoothest)
    shank_rom_deg: float | None = None

    @property
    def valid(self) -> bool:
        return not (self.too_fast or self.short_hold)

    def to_dict(self) -> dict[str, Any]:
        """The CONTRACT §3 rep object (rounded for output)."""
        d: dict[str, Any] = {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "exercise": self.exercise,
            "too_fast": self.too_fast,
            "short_hold": self.short_hold,
            "hold_s": round(self.hold_s, 2),
            "rom_deg": round(self.rom_deg, 1),
            "phases_s": {k: round(v, 2) for k, v in self.phases.items()},
            "peak_speed_dps": round(self.peak_speed_dps, 1),
            "smoothness": round(self.smoothness, 2),
        }
        if self.shank_rom_deg is not None:
            d["shank_rom_deg"] = round(self.shank_rom_deg, 1)
        return d


@dataclass(frozen=True)
class Event:
    """Base of all events: ``kind`` names it, ``t_s`` says when (input clock)."""

    t_s: float

    kind = "event"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind
        return d


@dataclass(frozen=True)
class Calibrated(Event):
    """The first still second was found: gyro bias and rest posture are known."""

    kind = "calibrated"


@dataclass(frozen=True)
class RepStarted(Event):
    """The thigh left rest: a repetition may be under way."""

    kind = "rep_started"


@dataclass(frozen=True)
class PhaseChanged(Event):
    """Live phase: ``moving`` / ``holding`` / ``rest``."""

    phase: str = "moving"
    kind = "phase"


@dataclass(frozen=True)
class Alert(Event):
    """A live alert: ``too_fast`` (slow down) or ``short_hold`` (hold longer)."""

    alert: str = "too_fast"
    message: str = ""
    measured_s: float = 0.0
    required_s: float = 0.0
    kind = "alert"


@dataclass(frozen=True)
class RepDone(Event):
    """A repetition ended (``t_s`` = when it was decided), with its metrics."""

    rep: Rep | None = None
    count: int = 0
    valid_count: int = 0
    kind = "rep"

    def to_dict(self) -> dict[str, Any]:
        assert self.rep is not None
        return {
            "kind": self.kind,
            "t_s": self.t_s,
            "count": self.count,
            "valid_count": self.valid_count,
            "rep": self.rep.to_dict(),
        }


@dataclass(frozen=True)
class PostureChanged(Event):
    """The thigh settled in a new posture (not a repetition); baseline moved."""

    angle_deg: float = 0.0
    kind = "posture"


@dataclass(frozen=True)
class SetSummary(Event):
    """End of the stream: per-set figures."""

    exercise: str = ""
    count: int = 0
    valid_count: int = 0
    too_fast_count: int = 0
    short_hold_count: int = 0
    mean_rom_deg: float = 0.0
    rom_cv: float = 0.0  # ROM consistency: coefficient of variation
    tempo_cv: float = 0.0  # tempo consistency: CV of rep durations
    mean_rep_s: float = 0.0
    reps: tuple[Rep, ...] = field(default=())
    kind = "set_summary"

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "reps"}
        d["kind"] = self.kind
        d["reps"] = [r.to_dict() for r in self.reps]
        return d
