"""The streaming counting core: chunks of samples in, events out.

Pure: no I/O, no wall clock. Feed :class:`sensors.chunk.ImuChunk` objects of
any size (from a chip, a file, the simulator); :meth:`RepCounter.feed`
returns the events they complete and :meth:`RepCounter.finish` closes the
stream. Results do not depend on how the stream was chunked: everything runs
on a uniform grid (:mod:`analysis.resample`) sample by sample.

Pipeline: resample -> per-sensor orientation (:mod:`analysis.tracking`)
-> angle from the rest posture + angular speed -> excursion state machine
(below) -> bumps (:mod:`analysis.segment`) -> repetitions
(:mod:`analysis.reps`) and live alerts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from analysis._kernels import load
from analysis.events import (
    Alert,
    Calibrated,
    Event,
    PhaseChanged,
    PostureChanged,
    Rep,
    RepDone,
    SetSummary,
)
from analysis.posture import PostureMemory, is_walking
from analysis.recognize import Posture, RunningSet, classify, recognize
from analysis.reps import RepShape, fits_exercise, is_repetition, make_rep
from analysis.segment import (
    Excursion,
    cycle_cuts,
    find_bumps,
    movement_span,
    moving_bumps,
    side_slope,
)
from analysis.settings import (
    AUTO,
    EXERCISES,
    RAISED_LEG_STRETCH,
    SEATED_LEG_KICK,
    SEATED_LEG_RAISE,
    CoreSettings,
    Prescription,
)
from analysis.tracking import CalibratedAt, Tracked, TrackedItem, Tracking
from analysis.vec import Vec, angle_deg, dot
from sensors.chunk import ImuChunk

# the per-sample loop and the state it keeps are compiled (analysis/_loop.pyx)
_loop = load("_loop")
_WAIT, _REST, _MOVING, _UNSETTLED = _loop.WAIT, _loop.REST, _loop.MOVING, _loop.UNSETTLED
_Live = _loop.Live  # live tracking of the current movement inside an excursion (alerts)

# one grid sample: (t_s, speed_dps, thigh_deg, shank_deg, thigh_speed_dps,
#                  thigh gravity x, y, z) -- the gravity direction is kept for the
# shape features of exercise recognition
Sample = tuple[float, float, float, float, float, float, float, float]


def _toward(b: Vec, u: Vec, k: float) -> tuple[float, float, float]:
    """Unit vector a fraction ``k`` of the way from ``b`` to ``u``."""
    x, y, z = b[0] + k * (u[0] - b[0]), b[1] + k * (u[1] - b[1]), b[2] + k * (u[2] - b[2])
    n = math.sqrt(x * x + y * y + z * z)
    return (x / n, y / n, z / n)


T = TypeVar("T")


def _consensus(items: list[T], agree: Callable[[T, T], bool]) -> T:
    """The item most others agree with (the first of the best on a tie)."""
    votes = [sum(agree(a, b) for b in items) for a in items]
    return items[votes.index(max(votes))]


@dataclass
class _Candidate:
    """A repetition candidate and what came right before and after it."""

    shape: RepShape
    exc_end_s: float
    after_activity: bool  # began as a big non-rep movement ended (no stillness between)
    before_activity: bool = False  # ... and one began as it ended
    rest: Vec | None = None  # the rest posture it left (thigh gravity, sensor frame)
    settling_in: bool = False  # small, and right after a posture change (see _settling_in)
    after_lift: bool = False  # soon after a big posture change (see _lifted_sets)


class RepCounter(_loop.StateMachine):
    """Counts repetitions of one exercise (or ``auto``) from a thigh (+shank) IMU.

    The per-sample state machine and the state it keeps at every sample are
    :class:`analysis._loop.StateMachine`'s (compiled); it calls the methods
    below for everything that happens once an excursion.
    """

    def __init__(
        self,
        exercise: str = AUTO,
        prescription: Prescription | None = None,
        settings: CoreSettings | None = None,
        keep_excursions: bool = False,
    ) -> None:
        if exercise != AUTO and exercise not in EXERCISES:
            raise ValueError(f"unknown exercise {exercise!r}")
        self.exercise = exercise
        self.p = prescription or Prescription()
        self.s = settings or CoreSettings()
        self._tracking = Tracking(self.s)
        self._has_shank: bool | None = None
        self._delay_s = self._tracking.delay_s()
        self._delay_n = round(self._delay_s * self.s.grid_hz)
        self._confirm_n = max(1, round(self.s.rest_confirm_s * self.s.grid_hz))
        self._max_hold_n = round(self.s.max_hold_s * self.s.grid_hz)
        self._max_kick_still_n = round(self.s.max_kick_still_s * self.s.grid_hz)
        self._back_still_n = round(self.s.back_still_s * self.s.grid_hz)
        self._settle_n = round(self.s.rebaseline_still_s * self.s.grid_hz)
        self._max_len_n = round(self.s.max_rep_s * self.s.grid_hz)
        self._preroll_n = round(2.0 * self.s.grid_hz)
        self.state = _WAIT
        self._base_t: Vec | None = None
        self._base_s: Vec | None = None
        self._still = 0
        self._m_prev = 0.0
        self._m_move_start = 0.0
        self._still_from: tuple[Vec, Vec | None] = ((0.0, 0.0, 1.0), None)
        self._init_loop(max(2, round(self.s.still_band_s * self.s.grid_hz)))
        self._back_cos = math.cos(math.radians(self.s.back_to_rest_deg))
        jump = self.s.rest_jump_deg
        self._jump_cos = math.cos(math.radians(jump)) if jump > 0 else -2.0  # (-2: never)
        self._has_prev = False  # (the loop's previous gravity sample: none yet)
        self._hist: list[Sample] = []
        self._buf: list[Sample] = []
        self._announced = False
        self._live = _Live()
        self._peak_at = 0.0
        self._peak_g: Vec = (0.0, 0.0, 1.0)  # thigh gravity direction at the peak angle
        self._peak_as = 0.0
        self._peak_m = 0.0
        self._pending: list[Sample] | None = None
        self._pending_until = 0.0
        # a kick's back swing out and back (two movements) held as the next one's start
        # (as measured when it ended), and once joined: its length in the buffer and
        # its size, to part the two again if they make no kick
        self._pending_swing: Excursion | None = None
        self._joined: tuple[int, float] | None = None
        # diagnostics only (grows with the stream): every excursion, for plots/tuning
        self.excursions: list[Excursion] | None = [] if keep_excursions else None
        self._unconfirmed: list[RepShape] = []  # lone reps waiting for a second one
        self._candidates: list[_Candidate] = []  # every candidate rep, for the final review
        self._activity_end_s = -math.inf  # end of the last big movement that was not a rep
        self._set_axis: Vec | None = None  # the current set's tilt axis (sensor frame)
        self._axis_cos = math.cos(math.radians(self.s.max_axis_deg))
        self._running = RunningSet()  # recognition features of _shapes, kept up to date
        self._valid = 0  # valid reps counted live
        self._shapes: list[RepShape] = []  # every rep, compact (auto mode re-reads them)
        self._postures: list[Posture] = []  # (end t_s, angle, axis) of recent ones
        self._body = PostureMemory(self.s)  # lateral axis and standing posture, as seen
        self.reps: list[Rep] = []
        self.recognized = SEATED_LEG_RAISE  # auto mode: best guess at the end
        self._live_exercise = SEATED_LEG_RAISE  # auto mode: best guess from the reps so far
        self._last_t = 0.0
        self._settle_until = -math.inf  # until then the baseline follows the leg at once
        self._settle_from: Vec | None = None  # ... while it sinks away from this (a rep's top)
        self._prev_rest: Vec | None = None  # the rest posture before the last posture change

    # -- public API ------------------------------------------------------------
    def feed(self, chunk: ImuChunk) -> list[Event]:
        """Process a chunk; return the events it completed."""
        return self.feed_tracked(self._tracking.feed(chunk))

    def feed_tracked(self, items: Iterable[TrackedItem]) -> list[Event]:
        """The second stage alone: items from a :class:`Tracking` (maybe elsewhere).

        :meth:`feed` is ``feed_tracked(tracking.feed(chunk))``; a caller may run
        the tracking in another process and hand its items over here instead.
        """
        events: list[Event] = []
        for item in items:
            if isinstance(item, Tracked):
                if self.state == _WAIT:
                    raise ValueError("a Tracked block before CalibratedAt: not a Tracking's items")
                events += self._run(item)
            else:
                self._has_shank = item.shank_rest is not None
                events += self._calibrated(item)
        return events

    def finish(self) -> list[Event]:
        """Close the stream: an unfinished excursion is dropped; set summary."""
        events: list[Event] = []
        if self.state == _MOVING:
            # the recording stopped: a rep whose leg is already back counts
            m, peak = self._m_prev, self._peak_at + self._peak_as
            back = peak > 0 and m <= self.s.settle_fraction * peak
            self._end_excursion("returned" if back else "end_of_stream", self._last_t, events)
        self._flush_pending(self._last_t, events)
        # the whole recording is known now: judge each set with hindsight (its axis,
        # its exercise) and re-time every rep as the final answer
        final = self.exercise
        if final == AUTO:
            final, _ = recognize(self._postures, [c.shape for c in self._candidates])
            self.recognized = final
        kept = [sh for sh in self._review_sets(final) if fits_exercise(sh, self.s, final)]
        self.reps = [self.interpret(sh, final, i + 1) for i, sh in enumerate(kept)]
        events.append(self.summary())
        return events

    def summary(self) -> SetSummary:
        reps = self.reps
        valid = sum(r.valid for r in reps)
        roms = np.array([r.rom_deg for r in reps])
        durs = np.array([r.end_s - r.start_s for r in reps])

        def cv(a: np.ndarray) -> float:
            return float(a.std() / a.mean()) if len(a) > 1 and a.mean() > 0 else 0.0

        return SetSummary(
            t_s=self._last_t,
            exercise=self.exercise if self.exercise != AUTO else self.recognized,
            count=len(reps),
            valid_count=valid,
            too_fast_count=sum(r.too_fast for r in reps),
            short_hold_count=sum(r.short_hold for r in reps),
            mean_rom_deg=float(roms.mean()) if len(roms) else 0.0,
            rom_cv=cv(roms),
            tempo_cv=cv(durs),
            mean_rep_s=float(durs.mean()) if len(durs) else 0.0,
            reps=tuple(reps),
        )

    # -- per block ---------------------------------------------------------------
    def _calibrated(self, item: CalibratedAt) -> list[Event]:
        """Calibration found: the rest posture is the calibration's, counting begins."""
        self._set_baseline(item.thigh_rest, item.shank_rest)
        self.state = _REST
        return [Calibrated(item.t_s)]

    def _run(self, block: Tracked) -> list[Event]:
        """Run a calibrated block of grid samples through the excursion state machine."""
        events: list[Event] = []
        t, reset = block.t_s, block.reset
        grav_t, w_t, grav_s = block.thigh_gravity, block.thigh_speed_dps, block.shank_gravity
        if block.shank_speed_dps is not None:
            w = np.maximum(w_t, self.s.shank_weight * block.shank_speed_dps)
        else:
            w = w_t
        if reset:
            self._has_prev = False  # (no step across a gap is an anchor's)
        if reset and self.state == _MOVING:
            self._end_excursion("gap", float(t[0]), events)
            self.state = _UNSETTLED
            self._still = 0
        if len(t) == 0:
            return events
        self._samples(
            np.ascontiguousarray(t, dtype=np.float64),
            np.ascontiguousarray(w, dtype=np.float64),
            np.ascontiguousarray(w_t, dtype=np.float64),
            np.ascontiguousarray(grav_t, dtype=np.float64),
            None if grav_s is None else np.ascontiguousarray(grav_s, dtype=np.float64),
            events,
        )
        return events

    def _posture_changed(
        self, t: float, at: float, ut: Vec, us: Vec | None, events: list[Event], back: bool
    ) -> None:
        """The excursion ended in a new posture, or ``back`` in the one before the last."""
        self._end_excursion("posture", t, events)
        # the rest posture left is remembered after a clear change only: within a few
        # degrees of it a rep may stop anywhere
        s = self.s
        big = not back and s.back_to_rest_deg > 0 and at >= s.back_min_change_deg
        self._prev_rest = self._base_t if big else None
        self._set_baseline(ut, us)
        if self._raise_known():
            # sat down (or shifted) before a set of raises: the leg may still settle
            # the last degrees at a crawl, as after a rep (settle_follow_s)
            self._settle_until = t + s.posture_settle_s
            self._settle_from = None
        self.state = _REST
        events.append(PostureChanged(t, at))

    def _max_still_n(self, t: float) -> int:
        """Still away from rest this long (grid samples): a new posture, no hold.

        A kick holds nowhere: still for seconds away from rest inside a kick set
        (a rep counted less than ``set_gap_s`` ago), the leg was put somewhere
        else (a fidget in a pause).
        """
        in_set = bool(self._shapes) and t - self._shapes[-1].end_s <= self.s.set_gap_s
        if not in_set or self._exercise_now() != SEATED_LEG_KICK:
            return self._max_hold_n
        return self._max_kick_still_n

    def _back_from_top(self, ut: Vec, still: int, as_: float = 0.0) -> bool:
        """Came back from the far end by most of the rep, still, though not to rest.

        The leg may be put down a few degrees away from where it started (the
        patient settled differently); measured from the baseline it then never
        comes back, but measured from the top it clearly did. With a shank sensor
        the knee must have come back too (``as_``: the shank's angle from rest): a
        stretch straightens the knee and may move the held thigh a few degrees and
        back while the knee stays straight.
        """
        if self._peak_at < self.s.min_rom_deg or still < self._back_still_n:
            return False
        if as_ > (1.0 - self.s.shank_back_fraction) * self._peak_as:
            return False  # the knee is still out (a stretch held with a bent thigh)
        return angle_deg(ut, self._peak_g) >= self.s.back_from_top_fraction * self._peak_at

    def _split_at_touch(self, events: list[Event]) -> bool:
        """Back-to-back reps: the leg left rest again after touching it without stopping.

        Cuts the excursion at the slowest moment near rest (remembered by
        :meth:`_run` in ``_touch_i``) if it was a stop; returns True when it split.
        """
        assert self._touch_i is not None
        i, self._touch_i = self._touch_i, None
        peak_w = max(b[1] for b in self._buf[: i + 1])
        touch_max = self.s.touch_max_dps
        if self._has_shank and self._exercise_now() != SEATED_LEG_KICK:
            # the knee reverses sharply: a deep dip is a stop (but the kick's knee
            # reverses at the back swing, mid-rep)
            touch_max = max(touch_max, self.s.touch_rel_shank * peak_w)
        # all the way back to rest, in a small movement that is not a kick's swing:
        # a quick bounce off rest (knee extensions in a row) is a rep boundary too
        deep = (
            self._buf[i][2] + self._buf[i][3]
            <= self.s.deep_touch_fraction * (self._peak_at + self._peak_as)
            and self._peak_at < self.s.restless_min_rom_deg
            and self.exercise != SEATED_LEG_KICK
        )
        if not deep and self._touch_w >= min(self.s.bump_split_ratio * peak_w, touch_max):
            return False  # passed through rest at speed (the kick's swing): not a stop
        if self._buf[i][0] - self._buf[0][0] < self.s.min_touch_split_s:
            return False  # a cycle this quick without a stop is gait, not a rep
        rest_of = self._buf[i:]
        self._buf = self._buf[: i + 1]
        t_cut = self._buf[-1][0]
        self._end_excursion("returned", t_cut, events)
        # the next movement starts here; a single small movement just ended (the
        # kick's back swing) is pending and becomes its start
        self._hist = rest_of[:-1]
        self._start_excursion(rest_of[-1], keep_history=True)
        return True

    # -- baseline ----------------------------------------------------------------
    def _set_baseline(self, ut: Vec, us: Vec | None) -> None:
        self._base_t = (ut[0], ut[1], ut[2])
        self._base_s = None if us is None else (us[0], us[1], us[2])
        self._hist = []

    # -- excursions --------------------------------------------------------------
    def _start_excursion(self, sample: Sample, keep_history: bool = False) -> None:
        self.state = _MOVING
        if self._pending is not None:
            # a small movement just before: the start of this one (the kick's
            # back swing, a hesitant start), joined with the still samples between.
            # Its angles were measured from the rest posture before it; measure them
            # from the one in force now, like the rest of this excursion.
            base = self._base_t
            assert base is not None
            pending = [(b[0], b[1], angle_deg(b[5:8], base), *b[3:]) for b in self._pending]
            self._buf = pending + self._hist + [sample]
            self._pending = None
            swing, self._pending_swing = self._pending_swing, None
            self._joined = None if swing is None else (len(pending), swing.rom_deg)
        else:
            pre = self._hist if keep_history else self._hist[-self._preroll_n :]
            self._buf = pre + [sample]
        self._hist = []
        self._exc_n0 = len(self._buf) - 1  # samples before the one that started it
        self._announced = False
        self._live = _Live()
        self._been_away = False
        i_peak = max(range(len(self._buf)), key=lambda k: self._buf[k][2])
        self._peak_at = self._buf[i_peak][2]
        self._peak_g = self._buf[i_peak][5:8]
        self._peak_as = max(b[3] for b in self._buf)
        self._peak_m = max(b[2] + b[3] for b in self._buf)
        self._touch_i: int | None = None
        self._touch_w = 0.0

    def _end_excursion(self, ended: str, t_now: float, events: list[Event]) -> None:
        buf, self._buf = self._buf, []
        joined, self._joined = self._joined, None
        exc = self._excursion(buf, ended)
        if joined is not None and (
            exc.rom_deg < self.s.swing_lead_ratio * joined[1]
            or is_repetition(exc, self.s, self.exercise)[0] is None
        ):
            # no big forward swing after it, or the two make no kick (too many
            # movements): that out-and-back was a small kick itself
            self._finish_excursion(self._excursion(buf[: joined[0]], "returned"), t_now, events)
            buf = buf[joined[0] :]
            exc = self._excursion(buf, ended)
        posture_split = ended == "posture" and self.s.posture_rep_split
        if (ended == "returned" or posture_split) and self._exercise_now() != SEATED_LEG_KICK:
            # two reps back to back, the leg stopped past rest between them: one
            # excursion each (the later ones measured from where the leg stopped)
            s = self.s
            cuts = cycle_cuts(
                exc,
                s.min_rom_deg,
                s.back_from_top_fraction,
                s.cycle_stop_dps,
                s.cycle_stop_s,
                s.cycle_plateau_deg,
                then_any=ended == "posture",
                held_back_fraction=s.stretch_cycle_back_fraction
                if self._exercise_now() == RAISED_LEG_STRETCH
                else None,
                held_s=s.stretch_cycle_held_s,
                held_deg=s.stretch_cycle_held_deg,
                held_one_side=s.stretch_cycle_held_one_side,
            )
            for k, (i0, i1) in enumerate(zip([0, *cuts], cuts, strict=False)):
                part = self._excursion(buf[i0 : i1 + 1], "returned", buf[i0] if k else None)
                self._finish_excursion(part, t_now, events)
            if cuts:
                buf = buf[cuts[-1] :]
                exc = self._excursion(buf, ended, buf[0])
        if ended == "returned" and self._exercise_now() != RAISED_LEG_STRETCH:
            cut = self._shift_cut(buf, exc)
            if cut is not None:
                # a fidget in a pause moved the leg and it stayed there, then a rep
                # from there: the shift is no rep, the rep is measured from the stop
                self._finish_excursion(self._excursion(buf[: cut + 1], "shifted"), t_now, events)
                buf = buf[cut:]
                exc = self._excursion(buf, ended, buf[0])
        kick_swing = self.s.swing_lead_ratio > 0 and self._exercise_now() == SEATED_LEG_KICK
        if (
            ended == "returned"
            and exc.rom_deg < self.s.prefix_max_rom_deg
            and max(b[3] for b in buf) < self.s.min_shank_rom_deg
            and (len(exc.bumps) <= 1 or (len(exc.bumps) == 2 and kick_swing))
        ):
            # one small movement, not out and back: hold it briefly, it may be the
            # first part of the next one (the kick's back swing, a hesitant start).
            # In a kick set also a small out-and-back: the back swing, and the way
            # back to rest before the forward swing, with a pause
            self._pending = buf
            self._pending_until = t_now + self.s.prefix_gap_s
            self._pending_swing = exc if len(exc.bumps) == 2 else None
        else:
            self._finish_excursion(exc, t_now, events)
        if self._announced:
            events.append(PhaseChanged(t_now, "rest"))
        self._announced = False

    def _shift_cut(self, buf: list[Sample], exc: Excursion) -> int | None:
        """Where to cut an excursion at a long stop in it, or None.

        The end of a run of still samples (slower than the rest speed for
        ``shift_stop_s`` or longer), the latest one after which the rest of the
        excursion, measured from the stop, goes out and comes back (near the stop:
        within the rest tolerance or ``return_fraction`` of its peak) and is a
        repetition. Also when the whole is a repetition (``shift_cut_reps``): a
        shift and a rep after the stop make three movements out and back.
        """
        s = self.s
        if s.shift_stop_s <= 0:
            return None
        # the runs of still samples (exc.speed_dps is buf's speed column), first:
        # most excursions have no such stop, and the repetition test costs more
        need = int(round(s.shift_stop_s * s.grid_hz))
        still = np.concatenate(([False], exc.speed_dps < s.rest_speed_dps, [False]))
        edges = np.flatnonzero(still[1:] != still[:-1])
        starts, stops = edges[0::2], edges[1::2]  # run k covers samples starts[k]:stops[k]
        # (a run that lasts to the excursion's end, or begins at its first sample, is no stop)
        keep = (stops - starts >= need) & (stops < len(buf)) & (starts > 0)
        ends = (stops[keep] - 1).tolist()
        if not ends:
            return None
        if not s.shift_cut_reps and is_repetition(exc, s, self.exercise)[0] is not None:
            return None
        for cut in reversed(ends):
            tail = self._excursion(buf[cut:], "returned", buf[cut])
            ang = tail.thigh_deg
            back = max(s.rest_angle_deg, s.return_fraction * float(ang.max()))
            if float(ang[-1]) <= back and is_repetition(tail, s, self.exercise)[0] is not None:
                return cut
        return None

    def _flush_pending(self, t_now: float, events: list[Event]) -> None:
        if self._pending is not None:
            buf, self._pending = self._pending, None
            # a swing out and back keeps its axis from the rest posture it left (the
            # rest may have moved since; a single movement is measured anew, as ever)
            exc = self._pending_swing or self._excursion(buf, "returned")
            self._pending_swing = None
            self._finish_excursion(exc, t_now, events)

    def _excursion(
        self, buf_list: list[Sample], ended: str, rest: Sample | None = None
    ) -> Excursion:
        """The buffered samples as an Excursion, with its movements found.

        ``rest``: a sample where the leg stopped, to measure the thigh angle from
        instead of the rest posture (the second of two reps back to back).
        """
        # (fromiter over the flattened tuples: the same array as np.array(buf_list), faster)
        flat = itertools.chain.from_iterable(buf_list)
        buf = np.fromiter(flat, np.float64, count=8 * len(buf_list)).reshape(-1, 8)
        base = None if self._base_t is None else np.array(self._base_t)
        thigh_deg = buf[:, 2]
        if rest is not None:
            base = np.array(rest[5:8])
            thigh_deg = np.degrees(np.arccos(np.clip(buf[:, 5:8] @ base, -1.0, 1.0)))
        exc = Excursion(
            t_s=buf[:, 0],
            speed_dps=buf[:, 1],
            thigh_deg=thigh_deg,
            shank_deg=buf[:, 3] if self._has_shank else None,
            ended=ended,
            thigh_speed_dps=buf[:, 4],
            thigh_gravity=buf[:, 5:8],
            base_gravity=base,
        )
        exc.all_bumps = find_bumps(exc.t_s, exc.speed_dps, self.s, self._delay_s)
        exc.bumps = moving_bumps(exc, exc.all_bumps, self.s.min_bump_angle_fraction)
        return exc

    def _finish_excursion(self, exc: Excursion, t_now: float, events: list[Event]) -> None:
        if self.excursions is not None:
            self.excursions.append(exc)
        if exc.ended == "posture" and len(exc.t_s):
            # remembered for recognition (the stretch's lift into position); bounded
            axis = exc.end_axis
            self._postures.append((float(exc.t_s[-1]), exc.rom_deg, axis))
            del self._postures[: -self.s.max_postures_kept]
            if axis is not None and exc.thigh_deg[-1] >= self.s.posture_angle_deg:
                # sitting down, standing up, lifting the leg to hold it: the thigh
                # turned about its own lateral axis, which every exercise turns it about
                self._body.posture_changed(float(exc.t_s[-1]), axis)
        shape, why = is_repetition(exc, self.s, self.exercise)
        rest = None if exc.base_gravity is None else tuple(exc.base_gravity.tolist())
        if rest is not None and (
            (why in ("too_many_movements", "gait") and is_walking(exc, self.s))
            or (why == "swing" and self.s.swing_walks and is_walking(exc, self.s, every_bump=True))
        ):
            # steps out and back to where it started: walking, so the rest posture is
            # standing, where none of the exercises is done
            self._body.walked_from(rest)
        if shape is None:
            if exc.rom_deg >= self.s.activity_rom_deg and len(exc.t_s):
                last = self._candidates[-1] if self._candidates else None
                if last is not None and exc.t_s[0] - last.exc_end_s <= self.s.squeeze_gap_s:
                    last.before_activity = True
                self._activity_end_s = float(exc.t_s[-1])
            return
        start, end = float(exc.t_s[0]), float(exc.t_s[-1])
        after = start - self._activity_end_s <= self.s.squeeze_gap_s
        settling = self._settling_in(shape)
        lift = self._after_lift(start)
        self._candidates.append(
            _Candidate(shape, end, after, rest=rest, settling_in=settling, after_lift=lift)
        )
        del self._candidates[: -self.s.max_shapes_kept]
        if self._body.wrong_posture(rest, self._exercise_now() == RAISED_LEG_STRETCH):
            return  # done standing (a step, a turn), or sitting for the stretch
        if settling and self.exercise in (SEATED_LEG_RAISE, SEATED_LEG_KICK):
            return  # a shift in the chair right after sitting down (auto: in the review)
        self._count_live(shape, t_now, events)

    def _settling_in(self, shape: RepShape) -> bool:
        """A small movement right after the thigh settled in a new posture.

        Sat down, people shift in the chair before they start; a seated raise or
        kick starts from a settled rest and, when it comes this soon, is a full one.
        (Not for the stretch: its first reps often follow the lift at once, small.)
        Right after sitting down (a posture change of ``settle_in_sit_deg`` or more)
        a set is still seconds away (it begins with 3 s of keeping still), and a
        shift of the pelvis on the seat tilts the thigh further: a bigger limit.
        """
        if not self._postures:
            return False
        end_s, angle_deg, _ = self._postures[-1]
        s = self.s
        sat = angle_deg >= s.settle_in_sit_deg
        if shape.rom_deg >= (s.settle_in_sat_max_rom_deg if sat else s.settle_in_max_rom_deg):
            return False
        return shape.start_s - end_s < s.settle_in_s

    def _count_live(self, shape: RepShape, t_now: float, events: list[Event]) -> None:
        """Count a repetition, once it is part of a set.

        An isolated movement (a fidget, shifting in the chair) looks like one
        quick rep; a set is reps that follow each other and turn the thigh about
        the same axis. So the first rep after a long pause is held until a second
        one about the same axis comes within ``set_gap_s``; then both are counted
        (the count goes 0 -> 2). Inside a set, a movement about another axis (the
        thigh rolled, not lifted) is not a rep.
        """
        exercise = self._exercise_for(shape)
        # the leg held up in the air for the stretch sways about every axis: no set
        # axis for it, and a wider margin from the lateral axis (its shape keeps its
        # axis: recognition reads it)
        stretch = exercise == RAISED_LEG_STRETCH
        if not self._body.on_lateral_axis(shape, before_only=True, stretch=stretch):
            return  # rolled about the thigh's long axis, not lifted: a fidget
        kick = exercise == SEATED_LEG_KICK
        last = self._shapes[-1] if self._shapes else None
        if last is not None and shape.start_s - last.end_s <= self.s.set_gap_s:
            flip = kick and shape.movements >= 2
            if not stretch and not self._knee_moved(shape) and not self._same_axis(
                shape.axis, self._set_axis, flip
            ):
                return  # rolled or twisted, not lifted: a fidget inside the set
            self._count_rep(shape, t_now, events, track_axis=not stretch)
            return
        self._set_axis = None  # no set under way; the next one may be strapped anew
        waiting = [u for u in self._unconfirmed if shape.start_s - u.end_s <= self.s.set_gap_s]
        partners = waiting if stretch else [u for u in waiting if self._agree(u, shape, kick)]
        if not partners:
            self._unconfirmed = [*waiting, shape][-self.s.max_unconfirmed :]
            return  # a new set may be starting
        self._unconfirmed = []
        for u in partners:
            self._count_rep(u, t_now, events, track_axis=not stretch)
        self._count_rep(shape, t_now, events, track_axis=not stretch)

    def _review_sets(self, exercise: str) -> list[RepShape]:
        """Every candidate rep judged with the whole set in view.

        Live, a set's axis is fixed by its first two reps, so two fidgets that
        happen to agree could start a "set" and turn away the real reps after
        them. Here each set (candidates closer than ``set_gap_s``) takes the axis
        most of its reps share; reps off it (and off every bigger rep on it), and
        sets of one, are dropped, as are
        "sets" of two quick reps and no more (two jerks of a fidget), unless
        (seated) they lie beside a set on its axis (:meth:`_split_off`). So is
        a quick movement squeezed, without a moment's stillness, between two big
        ones that were not reps (the last step before sitting down, a shift in
        the chair between sitting down and lying back), a rep off the lateral
        axis of the nearest posture change, and one whose rest posture no
        exercise is done in (both: :class:`analysis.posture.PostureMemory`). A "set" of
        two or three keeps no seated rep held over ``short_set_max_hold_s``
        (crossed legs) and, for the stretch, must push the thigh against the
        lift before it. A stretch "set" needs ``min_stretch_set_reps`` (3): with
        the thigh alone, sitting with the legs crossed and shifting a little
        looks like a held leg straightened twice; a pair within
        ``stretch_near_set_s`` of such a set is kept (a long pause split it off).
        """
        stretch = exercise == RAISED_LEG_STRETCH
        sets: list[list[RepShape]] = []
        rests: list[list[Vec | None]] = []
        for c in self._candidates:
            sh = c.shape
            quick = sh.end_s - sh.start_s < self.s.squeeze_max_s
            if c.after_activity and c.before_activity and quick:
                # a quick movement squeezed between walking and sitting down, say: part
                # of them (a slow one is a rep: the stretch's leg may be lifted,
                # stretched once and lowered)
                continue
            if not self._body.on_lateral_axis(sh, False, stretch=stretch):
                continue  # not about the lateral axis the thigh turned about to sit down
            if self._body.wrong_posture(c.rest, stretch):
                continue  # done standing (walking seen from the same posture), ...
            if c.settling_in and not stretch:
                continue  # a shift in the chair right after sitting down
            if sets and sh.start_s - sets[-1][-1].end_s <= self.s.set_gap_s:
                sets[-1].append(sh)
                rests[-1].append(c.rest)
            else:
                sets.append([sh])
                rests.append([c.rest])
        kept: list[list[RepShape]] = []
        loose: list[list[RepShape]] = []
        kick = exercise == SEATED_LEG_KICK
        for group, rs in zip(sets, rests, strict=True):
            group = self._from_set_rest(group, rs)
            if not stretch:
                best = _consensus(group, lambda a, b: self._agree(a, b, kick))
                on = [self._agree(sh, best, kick) for sh in group]
                if self.s.axis_chain and not kick:  # (a kick's axis may flip: no chains)
                    # a small rep's axis swings far with a little roll: one that agrees
                    # with a bigger rep on the set's axis is on it too
                    links = [x for x, o in zip(group, on, strict=True) if o]
                    on = [
                        o or any(x.rom_deg > sh.rom_deg and self._agree(sh, x, kick) for x in links)
                        for sh, o in zip(group, on, strict=True)
                    ]
                group = [
                    sh
                    for sh, o in zip(group, on, strict=True)
                    if o or self._knee_moved(sh, best)
                ]
                group = self._without_shifts(group, best, kick)
            quick_pair = len(group) == 2 and all(
                sh.end_s - sh.start_s < self.s.pair_quick_s for sh in group
            )
            if quick_pair or len(group) == 1:
                # two quick jerks and no more, or a lone movement: a fidget, not a set,
                # unless (seated) a set beside it was split from it by a long pause
                if not stretch and self.s.seated_near_set_s > 0:
                    loose.append(group)
                continue
            if len(group) <= self.s.short_set_reps:
                if stretch and not self._body.against_setup(group):
                    continue  # turned with the last posture change, never against it
                if not stretch:
                    # crossing the legs and sitting so a while, then uncrossing: seated,
                    # a rep that holds this long is rare, and it comes in twos or threes
                    group = [sh for sh in group if sh.hold_s <= self.s.short_set_max_hold_s]
            if len(group) >= 2:
                kept.append(group)
        if loose:
            kept = self._split_off(loose, kept, kick)
        if stretch:
            big = self.s.min_stretch_set_reps
            kept = [g for g in kept if len(g) >= big or self._near_set(g, kept)]
            if self.s.stretch_lift_gap_s > 0:
                kept = self._lifted_sets(kept)
        return [sh for g in kept for sh in g]

    def _without_shifts(
        self, group: list[RepShape], best: RepShape, kick: bool
    ) -> list[RepShape]:
        """Seated, thigh alone, a set of three or more: without the small candidates
        that a shift on the seat or a fidget in a pause explains better than a rep.

        A raise or a kick turns the thigh about a level axis, so each degree it turns
        tilts it; a shift rolls the thigh or swings it across (``seated_roll_*``). And
        in a kick set, one that turned the thigh about the set's reversed axis with
        hardly a swing the other way went one way only, against the set's kicks
        (``kick_flip_*``; the reversed axis is allowed for a small kick whose back
        swing outgrew its forward swing, which swings both ways).
        """
        if len(group) < 3 or any(sh.shank_rom_deg is not None for sh in group):
            return group
        s = self.s
        median_deg = float(np.median([sh.rom_deg for sh in group]))

        def shift(sh: RepShape) -> bool:
            small = sh.rom_deg < s.seated_roll_rom_fraction * median_deg
            if small and sh.tilt_ratio < s.seated_roll_tilt_ratio:
                return True
            if not kick or sh.rom_deg >= s.kick_flip_rom_fraction * median_deg:
                return False
            if sh.axis is None or best.axis is None or sh.back_ratio >= s.kick_flip_back_ratio:
                return False
            return dot(sh.axis, best.axis) < -self._axis_cos

        return [sh for sh in group if not shift(sh)]

    def _split_off(
        self, loose: list[list[RepShape]], kept: list[list[RepShape]], kick: bool
    ) -> list[list[RepShape]]:
        """Seated: a lone rep, or two quick ones (a fidget's two jerks, alone), kept when
        a set of three or more lies within ``seated_near_set_s`` and they turn the thigh
        about its axis: a long pause (the legs crossed a while) split them off it."""
        near = self.s.seated_near_set_s
        # each set's axis (the rep most of its reps agree with), found once
        agree = lambda a, b: self._agree(a, b, kick)  # noqa: E731
        sets = [(g, _consensus(g, agree)) for g in kept if len(g) >= 3]
        out = list(kept)
        for group in loose:
            if any(sh.hold_s > self.s.short_set_max_hold_s for sh in group):
                continue  # (held a while, as in a short set: the legs crossed)
            for g, best in sets:
                if g[0].start_s - group[-1].end_s > near or group[0].start_s - g[-1].end_s > near:
                    continue
                if all(self._agree(sh, best, kick) for sh in group):
                    out.append(group)
                    break
        return sorted(out, key=lambda g: g[0].start_s)

    def _from_set_rest(self, group: list[RepShape], rests: list[Vec | None]) -> list[RepShape]:
        """The reps of a set that start from its rest posture (the one most of them share).

        A set is done in one posture: seated, or lying with the leg held up. A
        movement just after the leg was lowered to the bed, or a step after
        standing up, starts from another one (more than ``set_rest_max_deg`` away)
        and is no rep of the set. Sets of three or more: two do not say which
        posture is the set's.
        """
        if len(group) < 3 or self.s.set_rest_max_deg <= 0:
            return group
        near = math.cos(math.radians(self.s.set_rest_max_deg))
        best = _consensus(rests, lambda a, b: a is not None and b is not None and dot(a, b) >= near)
        if best is None:
            return group
        return [sh for sh, r in zip(group, rests, strict=True) if r is None or dot(r, best) >= near]

    def _lifted_sets(self, groups: list[list[RepShape]]) -> list[list[RepShape]]:
        """The stretch sets that begin soon after the leg was lifted into position.

        A stretch set includes lifting the leg into the held position (CONTRACT
        §1): a posture change of ``stretch_lift_deg`` or more ends at most
        ``stretch_lift_gap_s`` before its first rep, or the set follows such a
        set within ``stretch_near_set_s`` (a long pause split it). Seated
        fidgets that hold and agree like a held leg have no lift before them.
        """
        lifted = {id(c.shape) for c in self._candidates if c.after_lift}
        kept: list[list[RepShape]] = []
        for g in groups:
            near = kept and g[0].start_s - kept[-1][-1].end_s <= self.s.stretch_near_set_s
            if id(g[0]) in lifted or near:
                kept.append(g)
        return kept

    def _after_lift(self, start_s: float) -> bool:
        """A big posture change (the stretch's lift) ended at most stretch_lift_gap_s before."""
        s = self.s
        return any(
            0.0 <= start_s - t <= s.stretch_lift_gap_s
            for t, angle, _ in self._postures
            if angle >= s.stretch_lift_deg
        )

    def _near_set(self, group: list[RepShape], groups: list[list[RepShape]]) -> bool:
        """A stretch set of ``min_stretch_set_reps`` or more this close (a long pause split it)."""
        near = self.s.stretch_near_set_s
        return any(
            len(g) >= self.s.min_stretch_set_reps
            and g[0].start_s - group[-1].end_s <= near
            and group[0].start_s - g[-1].end_s <= near
            for g in groups
        )

    def _exercise_for(self, shape: RepShape) -> str:
        """The exercise a new rep belongs to (auto: the best guess with it)."""
        if self.exercise != AUTO:
            return self.exercise
        return recognize(self._postures, [*self._shapes[-20:], shape])[0]

    def _agree(self, a: RepShape, b: RepShape, kick: bool) -> bool:
        """Two reps turn the thigh about the same axis (see :meth:`_same_axis`)."""
        return self._same_axis(a.axis, b.axis, kick and min(a.movements, b.movements) >= 2)

    def _knee_moved(self, shape: RepShape, best: RepShape | None = None) -> bool:
        """The shank sensor saw the knee swing far: an exercise rep, whatever the axis.

        The axis rule keeps out fidgets that roll the thigh; with a shank sensor those
        hardly turn the knee (and a rep must turn it ``min_rep_knee_deg`` anyway),
        while a small partial raise whose thigh also rolls still straightens the knee.
        Live the rep alone is judged; in the final review (``best``: the rep the set's
        axis is taken from) the set's best rep must have swung the knee so too. (Making
        such reps agree in the axis vote instead let a low-knee movement in.)
        """
        far = self.s.axis_free_knee_deg
        return (shape.shank_rom_deg or 0.0) >= far and (
            best is None or (best.shank_rom_deg or 0.0) >= far
        )

    def _same_axis(self, a: Vec | None, b: Vec | None, either_sense: bool = False) -> bool:
        """Axes within ``max_axis_deg`` (``either_sense``: or of the reversed one).

        A kick of two or more movements may turn about the reversed axis: in a
        small kick the thigh's back swing can be larger than its forward swing.
        (A lone back swing, one movement, still has to match.)
        """
        if a is None or b is None:
            return True
        c = dot(a, b)
        return (abs(c) if either_sense else c) >= self._axis_cos

    def _count_rep(
        self, shape: RepShape, t_now: float, events: list[Event], track_axis: bool = True
    ) -> None:
        if track_axis and shape.axis is not None:
            ref, ax = self._set_axis, shape.axis
            if ref is not None and dot(ref, ax) < 0:
                ax = (-ax[0], -ax[1], -ax[2])  # a kick's flipped axis (see _same_axis)
            self._set_axis = ax if ref is None else _toward(ref, ax, 0.3)
        self._shapes.append(shape)
        self._running.add(shape)
        if len(self._shapes) > self.s.max_shapes_kept:
            self._running.remove(self._shapes.pop(0), self._shapes[0].start_s)
        exercise = self.exercise
        if exercise == AUTO:
            exercise, _ = classify(self._running.features(self._postures), len(self._running))
            self._live_exercise = exercise
        rep = self.interpret(shape, exercise, len(self.reps) + 1)
        self.reps.append(rep)
        self._valid += rep.valid
        events.append(RepDone(t_now, rep, len(self.reps), self._valid))

    def interpret(self, shape: RepShape, exercise: str, index: int) -> Rep:
        phases, too_fast, short_hold = make_rep(shape, exercise, self.p)
        return Rep(
            index=index,
            exercise=exercise,
            start_s=shape.first_move_s if exercise == SEATED_LEG_KICK else shape.start_s,
            end_s=shape.end_s,
            phases=phases,
            hold_s=shape.hold_s,
            rom_deg=shape.rom_deg,
            too_fast=too_fast,
            short_hold=short_hold,
            peak_speed_dps=shape.peak_speed_dps,
            smoothness=shape.smoothness,
            shank_rom_deg=shape.shank_rom_deg,
        )

    # -- live alerts ---------------------------------------------------------------
    def _next_movement(self, t: float, w: float, events: list[Event]) -> None:
        """Live tracking: after a movement's fall, the speed rose again (sample ``t``, ``w``)."""
        lv = self._live
        if lv.bumps_done == 1 and self._exercise_now() == RAISED_LEG_STRETCH:
            self._hold_ended(t, events)
        lv.falling, lv.peak_dps, lv.peak_i = False, w, len(self._buf) - 1

    def _movement_known(self, t_half_fall: float, events: list[Event]) -> None:
        lv = self._live
        buf = self._buf
        half = 0.5 * lv.peak_dps
        ta, j0 = buf[0][0], 0
        for j in range(lv.peak_i, 0, -1):
            if buf[j - 1][1] < half:
                ta, j0 = buf[j][0], j
                break
        # each side's slope (segment.side_slope) from this movement's samples only
        lo = max(j0 - 1, 0)
        mine = buf[lo:]
        tl, wl = [b[0] for b in mine], [b[1] for b in mine]
        ip = lv.peak_i - lo
        rise = side_slope(tl, wl, j0 - 1 - lo, ip, lv.peak_dps) if j0 > 0 else 0.0
        fall = -side_slope(tl, wl, len(tl) - 1, ip, lv.peak_dps) if len(tl) - 1 > ip else 0.0
        start, end = movement_span(ta, rise, t_half_fall, fall, half)
        start -= self._delay_s
        end -= self._delay_s
        dur = end - start
        lv.bumps_done += 1
        if lv.first_start_s is None:
            lv.first_start_s = start
        if lv.bumps_done == 1:
            lv.first_end_s = end
        ex = self._exercise_now()
        angle_now = buf[-1][2] + buf[-1][3]
        peak_angle = self._peak_m
        # angle change over the movement (the speed is low-passed, so it lags the angle)
        j_ref = max(0, j0 - self._delay_n - 2)
        moved = abs(angle_now - (buf[j_ref][2] + buf[j_ref][3]))
        need_deg = max(self.s.min_rom_deg, self.s.min_bump_angle_fraction * 2 * peak_angle)
        twitch = ex != SEATED_LEG_KICK and moved < need_deg
        # the stretch's straighten is its first movement, not counting a twitch before
        # the excursion is announced (the knee leading the straighten by a jerk)
        first = lv.timed == 0
        lv.timed += self._announced or not twitch
        if not self._announced:
            return
        if twitch:
            return  # a quick twitch inside a slow movement (the knee leading): not a phase
        thigh_moved = abs(buf[-1][2] - buf[j_ref][2])
        if self._has_shank and ex != SEATED_LEG_KICK and thigh_moved < self.s.min_thigh_alert_deg:
            return  # only the shank sensor turned, quickly: a strap slip, not the leg
        if self._peak_at > self.s.max_rom_deg:
            return  # further than any exercise turns the thigh: sitting down, standing up
        if self._body.wrong_posture(self._base_t, ex == RAISED_LEG_STRETCH):
            return  # from a rest posture no exercise is done in (standing: walking showed it)
        if ex == SEATED_LEG_RAISE:
            need = self.p.min_lift_s if lv.bumps_done == 1 else self.p.min_lower_s
            if dur < need:
                self._alert(t_half_fall, "too_fast", dur, need, events)
        elif ex == RAISED_LEG_STRETCH:
            if first and dur < self.p.min_straighten_s:
                self._alert(t_half_fall, "too_fast", dur, self.p.min_straighten_s, events)
        elif ex == SEATED_LEG_KICK:
            total = end - lv.first_start_s
            if angle_now < 0.35 * peak_angle and total < self.p.min_kick_s:
                self._alert(t_half_fall, "too_fast", total, self.p.min_kick_s, events)

    def _hold_ended(self, t: float, events: list[Event]) -> None:
        lv = self._live
        if lv.first_end_s is None or not self._announced:
            return
        hold = max(0.0, t - self._delay_s - lv.first_end_s)
        if hold < self.p.min_hold_s:
            self._alert(t, "short_hold", hold, self.p.min_hold_s, events)

    def _alert(
        self, t: float, kind: str, measured: float, need: float, events: list[Event]
    ) -> None:
        if kind in self._live.alerted:
            return
        self._live.alerted.add(kind)
        msg = "slow down" if kind == "too_fast" else "hold the stretch longer"
        events.append(Alert(t, kind, msg, round(measured, 2), need))

    def _raise_known(self) -> bool:
        """A leg raise set, given or (auto) recognised from a few reps already."""
        if self.exercise == AUTO:
            return len(self._running) >= 3 and self._live_exercise == SEATED_LEG_RAISE
        return self.exercise == SEATED_LEG_RAISE

    def _exercise_now(self) -> str:
        """The exercise live rules follow (auto: the best guess from the reps so far)."""
        return self._live_exercise if self.exercise == AUTO else self.exercise


__all__ = ["RepCounter"]
