"""What posture changes and walking tell about the body, for judging rep candidates.

Pure and bounded: a few recent axes and postures, no samples. The counting
core (:mod:`analysis.core`) feeds it every posture change and every walking
bout it sees and asks it about each candidate rep.

* Sitting down, standing up and lifting the leg into the held position turn
  the thigh about its own lateral axis, which is fixed in the sensor frame
  while the strap stays put. Every exercise here is a hip flexion about that
  axis; a fidget rolls the thigh about its long axis instead.
* Walking starts from standing, and no exercise is done standing. The stretch
  is done with the thigh held up (knee high), some 160-180 degrees from
  standing; sitting or lying flat is about 90 degrees from it.
* Straightening the knee of a held thigh pushes it away from the chest,
  against the lift that put it there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.reps import RepShape
from analysis.segment import Excursion
from analysis.settings import CoreSettings
from analysis.vec import Vec, dot


def is_walking(exc: Excursion, s: CoreSettings, every_bump: bool = False) -> bool:
    """Four or more big, quick movements (steps take about 0.4 s; no exercise does).

    ``every_bump``: count every speed bump, not only those that moved the thigh
    on net: each step comes back to where it began, and a walk whose excursion
    holds one big swing among them (a turn, a step up) reads as that swing.
    """
    bumps = exc.all_bumps if every_bump else exc.bumps
    if exc.rom_deg < s.activity_rom_deg or len(bumps) < 4:
        return False
    durations = sorted(b.duration_s for b in bumps)
    return durations[len(durations) // 2] < s.gait_movement_s


class PostureMemory:
    """The thigh's lateral axis (from posture changes) and the standing posture (from walking)."""

    def __init__(self, settings: CoreSettings) -> None:
        self.s = settings
        self.body_axes: list[tuple[float, Vec]] = []  # (end t_s, thigh lateral axis)
        self.standing: list[Vec] = []  # rest postures walking started from
        self._standing_cos = math.cos(math.radians(settings.standing_max_deg))
        self._held_cos = math.cos(math.radians(settings.held_min_from_standing_deg))
        self._axis_cos = math.cos(math.radians(settings.max_body_axis_deg))
        self._stretch_axis_cos = math.cos(math.radians(settings.max_stretch_body_axis_deg))

    def posture_changed(self, t_end_s: float, axis: Vec) -> None:
        """A big posture change ended at ``t_end_s``, turning the thigh about ``axis``."""
        self.body_axes.append((t_end_s, axis))
        del self.body_axes[: -self.s.max_postures_kept]

    def walked_from(self, rest: Vec) -> None:
        """Walking started from (and came back to) the rest posture ``rest``."""
        self.standing.append(rest)
        del self.standing[: -self.s.max_postures_kept]

    def on_lateral_axis(
        self, shape: RepShape, before_only: bool, stretch: bool = False
    ) -> bool:
        """The rep turns the thigh about its lateral axis, as far as it is known.

        The axis is the nearest posture change's: live (``before_only``) only
        those before the rep are known; at the end, the nearest one, before or
        after. Without a posture change in view, every rep passes. The stretch
        gets a wider margin: the leg held in the air sways, and its hands pull
        it across.
        """
        if shape.axis is None or not self.body_axes:
            return True
        before = [(shape.start_s - t, a) for t, a in self.body_axes if t <= shape.start_s]
        if before:
            _, axis = min(before)
        elif before_only:
            return True
        else:
            axis = self.body_axes[0][1]  # the first one, after the rep
        limit = self._stretch_axis_cos if stretch else self._axis_cos
        return abs(dot(shape.axis, axis)) >= limit

    def wrong_posture(self, rest: Vec | None, stretch: bool) -> bool:
        """A rest posture no exercise is done in, judged against standing (seen twice).

        Standing: no exercise. The stretch: under 120 deg from standing is not
        the held leg. Unknown (no walking yet): False.
        """
        if rest is None or len(self.standing) < 2:
            return False
        limit = self._held_cos if stretch else self._standing_cos
        return sum(dot(rest, g) >= limit for g in self.standing) >= 2

    def against_setup(self, group: Sequence[RepShape]) -> bool:
        """Some rep of the group turns the thigh against the posture change before it.

        A fidget after sitting down turns it either way. Unknown (no posture
        change before the group, no axes): True.
        """
        before = [a for t, a in self.body_axes if t <= group[0].start_s]
        if not before:
            return True
        axis = before[-1]
        senses = [dot(sh.axis, axis) for sh in group if sh.axis is not None]
        return not senses or any(d < 0.0 for d in senses)
