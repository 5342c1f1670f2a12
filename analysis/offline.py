"""Offline analysis: the streaming core fed a whole recording.

Same code path as live (:class:`analysis.core.RepCounter`); only the feeding
differs, and the result does not depend on the chunk size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from analysis.core import RepCounter
from analysis.events import Event, SetSummary
from analysis.settings import AUTO, CoreSettings, Prescription
from analysis.tracking import TrackedItem
from sensors.chunk import ImuChunk


@dataclass(frozen=True)
class Analysis:
    """One recording's result: the set summary and every event on the way."""

    summary: SetSummary
    events: tuple[Event, ...]

    def contract_dict(self, file: str) -> dict[str, Any]:
        """The CONTRACT §3 object for ``glidecount analyze --json``."""
        s = self.summary
        return {
            "file": file,
            "exercise": s.exercise,
            "count": s.count,
            "valid_count": s.valid_count,
            "reps": [r.to_dict() for r in s.reps],
            "too_fast_count": s.too_fast_count,
            "short_hold_count": s.short_hold_count,
            "mean_rom_deg": round(s.mean_rom_deg, 1),
            "rom_cv": round(s.rom_cv, 3),
            "tempo_cv": round(s.tempo_cv, 3),
            "mean_rep_s": round(s.mean_rep_s, 2),
        }


def analyze_chunk(
    chunk: ImuChunk,
    exercise: str = AUTO,
    prescription: Prescription | None = None,
    settings: CoreSettings | None = None,
    chunk_samples: int | None = None,
) -> Analysis:
    """Run the counting core over a whole recording (optionally in chunks)."""
    counter = RepCounter(exercise, prescription, settings)
    events: list[Event] = []
    if chunk_samples is None:
        events += counter.feed(chunk)
    else:
        for i in range(0, len(chunk), chunk_samples):
            events += counter.feed(chunk.slice(i, i + chunk_samples))
    return _finish(counter, events)


def analyze_tracked(
    batches: Iterable[list[TrackedItem]],
    exercise: str = AUTO,
    prescription: Prescription | None = None,
    settings: CoreSettings | None = None,
) -> Analysis:
    """The same as :func:`analyze_chunk`, given the :class:`analysis.tracking.Tracking`
    items of the recording instead of its samples (the tracking ran elsewhere)."""
    counter = RepCounter(exercise, prescription, settings)
    events: list[Event] = []
    for items in batches:
        events += counter.feed_tracked(items)
    return _finish(counter, events)


def _finish(counter: RepCounter, events: list[Event]) -> Analysis:
    events += counter.finish()
    summary = events[-1]
    assert isinstance(summary, SetSummary)
    return Analysis(summary, tuple(events))
