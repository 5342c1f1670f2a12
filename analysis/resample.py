"""Streaming resampling of irregular IMU samples onto a uniform grid.

Each grid value is the *average* of the input signal over the grid interval
(the difference of its running trapezoidal integral), which is a box
anti-alias filter for fast inputs, linear interpolation for slow ones, exact
for integrating gyro rates, and indifferent to timestamp jitter. Gaps longer
than ``max_gap_s`` are not bridged: the next block is marked ``reset``.
Output does not depend on how the input was chunked.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GridBlock:
    """Uniform samples ``t_s`` (M,) and ``values`` (M, D); ``reset`` = a gap precedes.

    ``t_s`` is the centre of each averaging interval.
    """

    t_s: np.ndarray
    values: np.ndarray
    reset: bool


# chunks of at most this many samples take the plain-Python path (a live chunk)
SMALL_CHUNK = 32


class Resampler:
    """Irregular (t, values) chunks in, uniform grid blocks out."""

    def __init__(self, grid_hz: float, max_gap_s: float) -> None:
        self.dt_s = 1.0 / grid_hz
        self.max_gap_s = max_gap_s
        self._origin_s: float | None = None
        self._last_t: float = 0.0
        # the state between chunks as lists of floats: the live path reads and writes
        # them every chunk, and numpy round trips cost more than its arithmetic there
        self._last_v: list[float] | None = None
        self._last_integral: list[float] | None = None  # from segment start to _last_t
        self._next_k = 0  # next grid time origin + k dt whose integral is needed
        self._prev_grid_integral: list[float] | None = None
        self._pending_reset = False

    def feed(self, t_s: np.ndarray, values: np.ndarray) -> list[GridBlock]:
        if len(t_s) == 0:
            return []
        blocks: list[GridBlock] = []
        t_s = np.asarray(t_s, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        if self._last_v is None:
            self._start_segment(float(t_s[0]), values[0], first=True)
            t_s, values = t_s[1:], values[1:]
        if len(t_s) <= SMALL_CHUNK:  # a live chunk: no numpy calls for the gap split either
            return self._feed_small(t_s.tolist(), values)
        # split at gaps, including a gap between the previous chunk and this one
        prev_t = np.concatenate(([self._last_t], t_s[:-1]))
        gaps = np.flatnonzero(t_s - prev_t > self.max_gap_s)
        bounds = [0, *gaps.tolist(), len(t_s)]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if a in gaps:
                self._start_segment(float(t_s[a]), values[a], first=False)
                a += 1
            block = self._extend(t_s[a:b], values[a:b])
            if block is not None:
                blocks.append(block)
        return blocks

    def _feed_small(self, t: list[float], values: np.ndarray) -> list[GridBlock]:
        """:meth:`feed` for a few samples: the same split at gaps, in plain Python."""
        blocks: list[GridBlock] = []
        a, prev = 0, self._last_t
        for j, tj in enumerate(t):
            if tj - prev > self.max_gap_s:
                block = self._extend_small(t[a:j], values[a:j])
                if block is not None:
                    blocks.append(block)
                self._start_segment(tj, values[j], first=False)
                a = j + 1
            prev = tj
        block = self._extend_small(t[a:], values[a:])
        if block is not None:
            blocks.append(block)
        return blocks

    def _start_segment(self, t0: float, v0: np.ndarray, first: bool) -> None:
        if first:
            self._origin_s = t0
        else:
            self._pending_reset = True
        assert self._origin_s is not None
        # first grid time at or after t0 anchors the segment's running integral
        self._next_k = math.ceil((t0 - self._origin_s) / self.dt_s - 1e-9)
        self._prev_grid_integral = None
        self._last_t = t0
        self._last_v = np.asarray(v0, dtype=np.float64).tolist()
        self._last_integral = [0.0] * len(self._last_v)

    def _extend(self, t: np.ndarray, v: np.ndarray) -> GridBlock | None:
        if len(t) == 0:
            return None
        assert self._last_v is not None and self._last_integral is not None
        assert self._origin_s is not None
        # the samples are (last, *v): written out below rather than stacked, as a
        # copy of a long recording's values costs more than the rest of this
        tt = np.concatenate(([self._last_t], t))
        dt = np.diff(tt)
        # the running integral before each sample, then the trapezoid increments
        # 0.5 (v0 + v1) dt, computed in place (long recordings: no temporaries)
        integ = np.empty((len(v) + 1, v.shape[1]))
        integ[0] = self._last_integral
        incr = integ[1:]
        np.add(v[:1], self._last_v, out=incr[:1])
        np.add(v[1:], v[:-1], out=incr[1:])
        incr *= 0.5
        incr *= dt[:, None]
        # accumulate from the running integral so the sums associate the same way
        # whatever the chunking (bit-identical output)
        np.cumsum(integ, axis=0, out=integ)
        k_last = math.floor((tt[-1] - self._origin_s) / self.dt_s + 1e-9)
        out = None
        if k_last >= self._next_k:
            ks = np.arange(self._next_k, k_last + 1)
            tg = self._origin_s + ks * self.dt_s
            # running integral at the grid times (exact for piecewise-linear input)
            idx = np.searchsorted(tt, tg, side="right") - 1
            np.minimum(np.maximum(idx, 0, out=idx), len(tt) - 2, out=idx)  # (np.clip, cheaper)
            h = tg - tt[idx]
            safe = np.where(dt[idx] > 0, dt[idx], 1.0)
            v_at = v[np.maximum(idx - 1, 0)]  # (last, *v)[idx]
            v_at[idx == 0] = self._last_v
            slope = (v[idx] - v_at) / safe[:, None]  # v[idx] is (last, *v)[idx + 1]
            ig = integ[idx] + v_at * h[:, None] + 0.5 * slope * (h * h)[:, None]
            if self._prev_grid_integral is None:
                ig_all, ks_out = ig, ks[1:]
            else:
                ig_all, ks_out = np.concatenate(([self._prev_grid_integral], ig)), ks
            self._prev_grid_integral = ig[-1].tolist()
            self._next_k = int(k_last) + 1
            if len(ks_out):
                vals = np.diff(ig_all, axis=0) / self.dt_s
                # an average is centred on its interval
                tg_out = self._origin_s + (ks_out - 0.5) * self.dt_s
                out = GridBlock(tg_out, vals, self._pending_reset)
                self._pending_reset = False
        self._last_t = float(tt[-1])
        self._last_v = v[-1].tolist()
        self._last_integral = integ[-1].tolist()
        return out

    def _extend_small(self, t: list[float], v: np.ndarray) -> GridBlock | None:
        """:meth:`_extend` for a live chunk's few samples, in plain Python floats.

        On the device (0.1 s chunks) numpy's per-call cost, not the arithmetic,
        dominates. The same operations in the same order as :meth:`_extend`
        (IEEE doubles either way), so the output is bit-identical whatever the
        chunking.
        """
        if not t:
            return None
        assert self._last_v is not None and self._last_integral is not None
        assert self._origin_s is not None
        origin, dt_s = self._origin_s, self.dt_s
        tt = [self._last_t, *t]
        rows = v.tolist()
        prev = self._last_v
        vv = [prev, *rows]  # (last, *v)
        integ = [self._last_integral]
        acc = integ[0]
        for j, row in enumerate(rows):
            # (a + b) * (0.5 dt) is (a + b) * 0.5 * dt bit for bit: halving is exact
            hdt = 0.5 * (tt[j + 1] - tt[j])
            acc = [i + (a + b) * hdt for i, a, b in zip(acc, row, prev, strict=True)]
            integ.append(acc)
            prev = row
        n = len(rows)
        k_last = math.floor((tt[-1] - origin) / dt_s + 1e-9)
        out = None
        if k_last >= self._next_k:
            ig_prev = self._prev_grid_integral
            vals: list[list[float]] = []
            k_first = self._next_k if ig_prev is not None else self._next_k + 1
            for k in range(self._next_k, k_last + 1):
                tg = origin + k * dt_s
                idx = min(max(bisect_right(tt, tg) - 1, 0), n - 1)
                h = tg - tt[idx]
                d = tt[idx + 1] - tt[idx]
                if d <= 0:
                    d = 1.0
                hh = 0.5 * h * h
                ig = [
                    i + a * h + (b - a) / d * hh
                    for i, a, b in zip(integ[idx], vv[idx], vv[idx + 1], strict=True)
                ]
                if ig_prev is not None:
                    vals.append([(x - y) / dt_s for x, y in zip(ig, ig_prev, strict=True)])
                ig_prev = ig
            self._prev_grid_integral = ig_prev
            self._next_k = k_last + 1
            if vals:
                tg_out = [origin + (k - 0.5) * dt_s for k in range(k_first, k_last + 1)]
                out = GridBlock(np.array(tg_out), np.array(vals), self._pending_reset)
                self._pending_reset = False
        self._last_t = tt[-1]
        self._last_v = rows[-1]
        self._last_integral = acc
        return out
