"""Two IMUs as one source: the thigh (required) and a shank sensor, sample-aligned.

The two chips run on their own oscillators (and an MPU-6050 at 100 Hz next to
an LSM6DS at 104 Hz do not even share a nominal rate), so their samples never
line up by index. :class:`SensorPair` keeps the **thigh's** samples and
timestamps and **linearly interpolates the shank onto the thigh's times**
(both stamped from the same monotonic clock by their sample clocks).

Rules, so a gap on either side never shifts anything in time:

* A thigh sample gets a shank value only if it lies between two shank
  samples at most ``max_span_periods`` shank periods apart (default 3: a hole
  of up to two lost shank samples is bridged), or within half a shank period
  of one. Otherwise (a longer shank overflow, a shank re-init) the thigh
  sample is **dropped** and counted in a ``Gap(reason="shank_gap")``.
* Thigh gaps pass through unchanged (re-indexed to the output).
* A thigh sample is held back until the shank has data at or past its time,
  for at most ``max_wait_s``; after that it is decided with what there is.
* Thigh samples taken before the shank's first sample are discarded
  without a Gap (counted in ``startup_discarded``): the pair's stream starts
  when both sensors run.

Everything is done on whole arrays (``np.interp``, ``np.searchsorted``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from sensors.base import ImuSource
from sensors.chunk import Gap, ImuChunk

SHANK_GAP = "shank_gap"


def source_label(source: object) -> str:
    """``LSM6DSOX at 0x6a``-style name of a source, for metadata and messages."""
    model = getattr(source, "model", "") or type(source).__name__
    address = getattr(source, "address", None)
    return f"{model} at 0x{address:02x}" if isinstance(address, int) else str(model)


class SensorPair:
    """An :class:`ImuSource` whose chunks carry the shank aligned to the thigh's times."""

    def __init__(
        self,
        thigh: ImuSource,
        shank: ImuSource,
        max_span_periods: float = 3.0,
        max_wait_s: float = 0.5,
        max_shank_buffer_s: float = 10.0,
    ) -> None:
        self.thigh = thigh
        self.shank = shank
        self.max_span_periods = max_span_periods
        self.max_wait_s = max_wait_s
        self.max_shank_buffer_s = max_shank_buffer_s
        self.startup_discarded = 0  # thigh samples from before the shank's first sample
        self.shank_gap_samples = 0  # thigh samples dropped for want of shank data
        self._reset_buffers()

    def _reset_buffers(self) -> None:
        self._t = np.zeros(0)  # pending thigh samples
        self._acc = np.zeros((0, 3))
        self._gyr = np.zeros((0, 3))
        self._gaps: list[Gap] = []  # pending thigh gaps, indexed into the pending samples
        self._s_t = np.zeros(0)  # shank samples not yet needed
        self._s_acc = np.zeros((0, 3))
        self._s_gyr = np.zeros((0, 3))
        self._shank_t0_s: float | None = None  # the shank's first sample time

    # --- what the rest of the system asks of a source -------------------------
    @property
    def rate_hz(self) -> float:
        """The thigh's rate: the output has the thigh's timestamps."""
        return float(self.thigh.rate_hz)

    @property
    def model(self) -> str:
        return f"{source_label(self.thigh)} + {source_label(self.shank)}"

    @property
    def clock(self) -> Callable[[], float]:
        return getattr(self.thigh, "clock", time.monotonic)

    @property
    def sleep(self) -> Callable[[float], None]:
        return getattr(self.thigh, "sleep", time.sleep)

    @property
    def max_poll_interval_s(self) -> float:
        return min(
            getattr(self.thigh, "max_poll_interval_s", math.inf),
            getattr(self.shank, "max_poll_interval_s", math.inf),
        )

    def start(self) -> None:
        """Start the thigh, then the shank (closing the thigh if the shank fails)."""
        self._reset_buffers()
        self.thigh.start()
        try:
            self.shank.start()
        except BaseException:
            self.thigh.close()
            raise

    def close(self) -> None:
        """Close the shank, then the thigh (which may own the shared bus)."""
        try:
            self.shank.close()
        finally:
            self.thigh.close()

    def read(self) -> ImuChunk:
        """Thigh samples whose shank values are now known, with the shank interpolated."""
        self._take_thigh(self.thigh.read())
        self._take_shank(self.shank.read())
        return self._emit()

    # --- internals ----------------------------------------------------------------
    @property
    def _shank_period_s(self) -> float:
        return 1.0 / float(self.shank.rate_hz)

    def _take_thigh(self, chunk: ImuChunk) -> None:
        offset = len(self._t)
        self._gaps.extend(Gap(g.index + offset, g.lost, g.reason) for g in chunk.gaps)
        if len(chunk):
            self._t = np.concatenate([self._t, chunk.t_s])
            self._acc = np.concatenate([self._acc, chunk.accel_g])
            self._gyr = np.concatenate([self._gyr, chunk.gyro_dps])

    def _take_shank(self, chunk: ImuChunk) -> None:
        # shank gaps need no bookkeeping: lost samples show as a jump in t_s
        if len(chunk):
            if self._shank_t0_s is None:
                self._shank_t0_s = float(chunk.t_s[0])
            self._s_t = np.concatenate([self._s_t, chunk.t_s])
            self._s_acc = np.concatenate([self._s_acc, chunk.accel_g])
            self._s_gyr = np.concatenate([self._s_gyr, chunk.gyro_dps])

    def _emit(self) -> ImuChunk:
        t = self._t
        if not len(t):
            return self._with_shank_empty()
        stale = t < t[-1] - self.max_wait_s
        if self._shank_t0_s is None:
            n_drop = int(np.count_nonzero(stale))  # startup: before the shank runs
            self.startup_discarded += n_drop
            self._consume(n_drop)
            return self._with_shank_empty()
        early = int(np.count_nonzero(t < self._shank_t0_s - 0.5 * self._shank_period_s))
        if early:
            self.startup_discarded += early  # taken before the shank's first sample
            self._consume(early)
            t = self._t
            if not len(t):
                return self._with_shank_empty()
            stale = t < t[-1] - self.max_wait_s
        s = self._s_t
        covered = t <= s[-1]
        k = int(np.count_nonzero(covered | stale))  # both are prefixes of t
        if k == 0:
            return self._with_shank_empty()
        t_out = t[:k]
        keep = self._matched(t_out)
        s_acc = np.column_stack([np.interp(t_out[keep], s, self._s_acc[:, i]) for i in range(3)])
        s_gyr = np.column_stack([np.interp(t_out[keep], s, self._s_gyr[:, i]) for i in range(3)])
        s_acc = s_acc.reshape(-1, 3)
        s_gyr = s_gyr.reshape(-1, 3)
        # gaps: the thigh's own, then one per run of dropped samples
        kept_before = np.cumsum(keep) - keep  # output index each input sample maps to
        kept_before = np.append(kept_before, int(np.count_nonzero(keep)))  # index k -> end
        gaps = [Gap(int(kept_before[g.index]), g.lost, g.reason) for g in self._gaps if g.index < k]
        dropped_at = kept_before[:k][~keep]
        if dropped_at.size:
            where, counts = np.unique(dropped_at, return_counts=True)
            gaps.extend(Gap(int(i), int(c), SHANK_GAP) for i, c in zip(where, counts, strict=True))
            self.shank_gap_samples += int(dropped_at.size)
        gaps.sort(key=lambda g: g.index)
        chunk = ImuChunk(
            t_out[keep], self._acc[:k][keep], self._gyr[:k][keep], s_acc, s_gyr, tuple(gaps)
        )
        self._consume(k)
        self._trim_shank()
        return chunk

    def _matched(self, t: np.ndarray) -> np.ndarray:
        """Which thigh times have shank data close enough to interpolate from."""
        s = self._s_t
        period_s = self._shank_period_s
        right = np.searchsorted(s, t, side="left")  # first shank sample at or after t
        left = right - 1
        has_left = left >= 0
        has_right = right < len(s)
        li = np.clip(left, 0, len(s) - 1)
        ri = np.clip(right, 0, len(s) - 1)
        span_ok = has_left & has_right & (s[ri] - s[li] <= self.max_span_periods * period_s)
        nearest = np.minimum(
            np.where(has_left, np.abs(t - s[li]), np.inf),
            np.where(has_right, np.abs(s[ri] - t), np.inf),
        )
        return span_ok | (nearest <= 0.5 * period_s + 1e-9)

    def _consume(self, k: int) -> None:
        """Forget the first ``k`` pending thigh samples (gaps before them go too)."""
        if k <= 0:
            return
        self._t, self._acc, self._gyr = self._t[k:], self._acc[k:], self._gyr[k:]
        self._gaps = [Gap(g.index - k, g.lost, g.reason) for g in self._gaps if g.index >= k]

    def _trim_shank(self) -> None:
        """Keep the shank samples still needed: from just before the next thigh time."""
        s = self._s_t
        if not len(s):
            return
        t_next = self._t[0] if len(self._t) else s[-1]
        start = max(int(np.searchsorted(s, t_next, side="left")) - 1, 0)
        start = max(start, int(np.searchsorted(s, s[-1] - self.max_shank_buffer_s)))
        start = min(start, len(s) - 1)  # always keep the newest
        self._s_t, self._s_acc, self._s_gyr = s[start:], self._s_acc[start:], self._s_gyr[start:]

    def _with_shank_empty(self) -> ImuChunk:
        return ImuChunk.empty(with_shank=True)
