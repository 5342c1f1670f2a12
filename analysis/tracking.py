"""The core's first stage: resample, calibrate, track each sensor's orientation.

:class:`Tracking` turns IMU chunks into grid blocks of thigh (and shank)
gravity direction and angular speed, after the calibration from the first
still second; :class:`analysis.core.RepCounter` runs its state machine on
them. The two stages meet only through the items below, so they can run in
one process (live, :meth:`RepCounter.feed`) or in two (``glidecount analyze``
on a long recording, :meth:`RepCounter.feed_tracked`) with the same result.
Pure: arrays in, arrays out.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from analysis.lowpass import SpeedLowpass
from analysis.orientation import OrientationTracker
from analysis.resample import Resampler
from analysis.settings import CoreSettings
from analysis.vec import Vec
from sensors.chunk import ImuChunk


class CalibratedAt(NamedTuple):
    """Calibration found; the blocks from ``t_s`` on follow. Rest gravity per sensor."""

    t_s: float
    thigh_rest: Vec
    shank_rest: Vec | None


class Tracked(NamedTuple):
    """Calibrated grid samples: unit gravity direction (M, 3) and speed_dps (M,) per sensor.

    ``reset``: a gap in the input precedes the block. (Named tuples: the live
    path makes one per 0.1 s chunk, and a frozen dataclass costs more to build.)
    """

    t_s: np.ndarray
    thigh_gravity: np.ndarray
    thigh_speed_dps: np.ndarray
    shank_gravity: np.ndarray | None
    shank_speed_dps: np.ndarray | None
    reset: bool


TrackedItem = CalibratedAt | Tracked

# the resampled columns are thigh accel, gyro, shank accel, gyro (3 each); each
# tracker filters its (gyro, accel) rows
_PAIR_ROWS = [3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8]


class Tracking:
    """IMU chunks in, :class:`CalibratedAt` once and then :class:`Tracked` blocks out."""

    def __init__(self, settings: CoreSettings | None = None) -> None:
        self.s = settings or CoreSettings()
        self._resampler = Resampler(self.s.grid_hz, self.s.max_gap_s)
        self._thigh = OrientationTracker(self.s)
        self._shank: OrientationTracker | None = None
        self.has_shank: bool | None = None  # known from the first chunk
        self._lowpass: SpeedLowpass | None = None  # both sensors' low-pass, once calibrated
        self.calibrated = False
        # before calibration: the grid blocks seen, (first grid index, t, values, reset)
        self._precal: list[tuple[int, np.ndarray, np.ndarray, bool]] = []
        self._n_grid = 0

    def delay_s(self) -> float:
        """Low-frequency group delay of the speed filter (to align event times)."""
        return self._thigh.delay_s()

    def feed(self, chunk: ImuChunk) -> list[TrackedItem]:
        """Process a chunk; return the items it completed."""
        if len(chunk) == 0:
            return []
        if self.has_shank is None:
            self.has_shank = chunk.has_shank
            if chunk.has_shank:
                self._shank = OrientationTracker(self.s)
        if chunk.has_shank != self.has_shank:
            raise ValueError("a stream cannot gain or lose its shank sensor")
        cols = [chunk.accel_g, chunk.gyro_dps]
        if chunk.has_shank:
            cols += [chunk.shank_accel_g, chunk.shank_gyro_dps]
        items: list[TrackedItem] = []
        for block in self._resampler.feed(chunk.t_s, np.concatenate(cols, axis=1)):
            if self.calibrated:
                items.append(self._track(block.t_s, block.values, block.reset))
            else:
                items += self._calibrate(block.t_s, block.values, block.reset)
        return items

    def _track(self, t: np.ndarray, v: np.ndarray, reset: bool) -> Tracked:
        if self._shank is None:
            grav_t, w_t = self._thigh.process(v[:, 0:3], v[:, 3:6], reset)
            return Tracked(t, grav_t, w_t, None, None, reset)
        # both sensors' columns through one filter call (a live chunk's numpy calls
        # cost more than their arithmetic), each tracker then takes its rows
        assert self._lowpass is not None
        lp = self._lowpass.filter_rows(v.T[_PAIR_ROWS], reset)
        grav_t, w_t = self._thigh.process(v[:, 0:3], v[:, 3:6], reset, lp[0:6])
        grav_s, w_s = self._shank.process(v[:, 6:9], v[:, 9:12], reset, lp[6:12])
        return Tracked(t, grav_t, w_t, grav_s, w_s, reset)

    def _calibrate(self, t: np.ndarray, v: np.ndarray, reset: bool) -> list[TrackedItem]:
        # not calibrated yet: keep the samples, so that once the first still second
        # is found everything before it is analysed too (a set may start at once)
        self._precal.append((self._n_grid, t, v, reset))
        self._n_grid += len(t)
        trackers = [self._thigh] + ([self._shank] if self._shank is not None else [])
        # look for the first still second a second at a time, so a long block is not
        # run through the trackers twice (here, then again in the replay)
        step = self._thigh.window
        for i in range(0, len(t), step):
            if all(tr.calibrated for tr in trackers):
                break
            r = reset and i == 0
            self._thigh.process(v[i : i + step, 0:3], v[i : i + step, 3:6], r)
            if self._shank is not None:
                self._shank.process(v[i : i + step, 6:9], v[i : i + step, 9:12], r)
        if not all(tr.calibrated for tr in trackers):
            self._trim_precal(self._n_grid)
            return []
        cal_at = max(tr.calibrated_at for tr in trackers)
        self._trim_precal(cal_at)
        blocks, self._precal = self._precal, []
        self._thigh = self._thigh.precalibrated_copy()
        if self._shank is not None:
            self._shank = self._shank.precalibrated_copy()
            # the copies start their filters afresh at the replay; so does the pair's
            self._lowpass = SpeedLowpass(self.s.speed_cutoff_hz, self.s.grid_hz)
        self.calibrated = True
        assert self._thigh.rest_gravity is not None
        shank_rest = None if self._shank is None else self._shank.rest_gravity
        items: list[TrackedItem] = [
            CalibratedAt(
                float(blocks[0][1][0]),
                _vec(self._thigh.rest_gravity),
                None if shank_rest is None else _vec(shank_rest),
            )
        ]
        items += [self._track(tb, vb, rb) for _, tb, vb, rb in blocks]
        return items

    def _trim_precal(self, upto: int) -> None:
        """Keep at most ``max_precal_s`` of samples before grid index ``upto``."""
        first = upto - round(self.s.max_precal_s * self.s.grid_hz)
        while self._precal and self._precal[0][0] + len(self._precal[0][1]) <= first:
            self._precal.pop(0)
        if self._precal and self._precal[0][0] < first:
            i0, tb, vb, rb = self._precal[0]
            k = first - i0
            self._precal[0] = (first, tb[k:], vb[k:], False)


def _vec(a: np.ndarray) -> Vec:
    x, y, z = a.tolist()
    return (x, y, z)
