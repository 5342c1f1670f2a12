"""Sample timestamps from the chip's sample clock, not from when Python read.

The chip samples on its own oscillator, which is off by up to a few percent,
and Python only sees *how many* samples have arrived by each read. Sample *k*
lies on a line ``t(k) = a + k * P``, and every read is evidence about that
line: at read time ``t_i`` the newest sample (index ``x_i``) had already been
taken, so ``a + P * x_i <= t_i``; it is late by the read latency plus the
phase of the read within a period (0 .. P).

Until there is enough evidence, sample *k* is stamped ``anchor + (k + 1) *
P`` with the nominal period (or one carried over from before a chip restart),
and a block that would end after its read time is squeezed evenly up to it
(a fast oscillator). Then (reads spanning :attr:`SampleClock.MIN_BASELINE_S`
with :attr:`SampleClock.MIN_HALF_READS` in each half; refitted every
:attr:`SampleClock.REFIT_S`):

* **Period** ``P``: the line below every read point of the last
  :attr:`SampleClock.HISTORY_S` that lies highest at the middle of their
  index range - the lower convex hull's edge there (:func:`lower_envelope_line`).
  Only the lower envelope counts, so read latency, however large or irregular,
  does not bias it. Clamped to ``max_drift`` of nominal.
* **Offset** ``a``: the lower envelope of the recent reads,
  ``min(t_i - P * x_i)`` over the last :attr:`SampleClock.ENVELOPE_S` (and at
  least :attr:`SampleClock.ENVELOPE_READS` reads), lowered further by every
  new read that needs it. This removes the error accumulated while the period
  was nominal: the old clock corrected only the period, so a slow oscillator
  kept its 5 s baseline error (0.1-0.15 s) for ever.
* **Slewing**: the stamps move towards the fitted line gently: a big offset
  at :attr:`SampleClock.MAX_SLEW` of a period per sample, a small one with a
  time constant of :attr:`SampleClock.SLEW_TAU_S`; no jumps.

Guarantees: timestamps strictly increase; no stamp lies after the read time
it was stamped at; lost samples (:meth:`SampleClock.skip`) keep their slots,
so the samples after a hole keep their true times.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

# Tolerance (in periods) when deciding whether a sample instant has passed:
# float sums of periods must not turn "exactly now" into "not yet".
_SLOT_EPS = 1e-6
_THIN_PASSES = 32  # vectorised thinning before the exact hull (bounds the worst case)


def lower_envelope_line(
    x: np.ndarray, t: np.ndarray, lo: float = 0.0, hi: float = math.inf
) -> tuple[float, float]:
    """``(a, P)`` of the line ``a + P x`` below every point ``(x, t)``, highest mid-range.

    ``x`` must be strictly increasing. The line as high as it can be at the
    middle of the ``x`` range while below every point is the lower convex
    hull's edge over that middle: it rests on the longest stretch of evidence,
    however unevenly the points are spread. Its slope is clamped to
    ``[lo, hi]``, and the line then touches the lowest point.
    """
    if len(x) < 2:
        raise ValueError("need at least two points")
    x0, t0 = float(x[0]), float(t[0])
    xa = np.asarray(x, dtype=np.float64) - x0  # small numbers: precise cross products
    ta = np.asarray(t, dtype=np.float64) - t0
    # Thin out vectorised: a point above the segment joining its neighbours is
    # no hull vertex (and removing it never removes one). A few passes leave
    # little more than the hull; the exact monotone chain then runs on that.
    keep_idx = np.arange(len(xa))
    for _ in range(_THIN_PASSES):
        if len(keep_idx) <= 2:
            break
        xs_, ts_ = xa[keep_idx], ta[keep_idx]
        cross = (xs_[1:-1] - xs_[:-2]) * (ts_[2:] - ts_[:-2]) - (ts_[1:-1] - ts_[:-2]) * (
            xs_[2:] - xs_[:-2]
        )
        if np.all(cross > 0):
            break
        keep_idx = keep_idx[np.concatenate(([True], cross > 0, [True]))]
    xs = xa[keep_idx].tolist()
    ts = ta[keep_idx].tolist()
    hull: list[int] = []
    for j in range(len(xs)):
        while len(hull) >= 2:
            o, m = hull[-2], hull[-1]
            cross_j = (xs[m] - xs[o]) * (ts[j] - ts[o]) - (ts[m] - ts[o]) * (xs[j] - xs[o])
            if cross_j > 0:
                break
            hull.pop()
        hull.append(j)
    x_mid = xs[-1] / 2
    slope = (ts[hull[-1]] - ts[hull[-2]]) / (xs[hull[-1]] - xs[hull[-2]])
    for left, right in zip(hull, hull[1:], strict=False):
        if xs[right] >= x_mid:
            slope = (ts[right] - ts[left]) / (xs[right] - xs[left])
            break
    slope = min(max(slope, lo), hi)
    offset = float(np.min(ta - slope * xa))
    return t0 + offset - slope * x0, slope


class SampleClock:
    """Timestamps for FIFO samples: index x period, anchored and drift-corrected."""

    MIN_BASELINE_S = 5.0  # reads spanning this long before the period is estimated
    HISTORY_S = 60.0  # reads the period is fitted over
    ENVELOPE_S = 10.0  # recent reads the offset is taken from ...
    ENVELOPE_READS = 200  # ... but at least this many
    REFIT_S = 1.0  # fit at most this often (the offset follows every read)
    MAX_SLEW = 0.02  # while correcting, spacings stay within 2 % of the period
    SLEW_TAU_S = 2.0  # small offsets decay with this time constant
    MIN_HALF_READS = 10  # reads needed in each half of the history to fit
    MAX_POINTS = 4096  # bound on the read history (fast pollers get a shorter window)
    SETTLED_S = 20.0  # a fit over this much is kept across a chip restart

    def __init__(self, nominal_period_s: float, max_drift: float = 0.10) -> None:
        if nominal_period_s <= 0:
            raise ValueError("period must be positive")
        self.nominal_period_s = nominal_period_s
        self.period_s = nominal_period_s
        self.max_drift = max_drift
        self._next_t_s: float | None = None  # stamp of the next sample
        self._prev_t_s = -math.inf  # stamp (or skipped slot) of the previous sample
        self._count = 0  # samples stamped or skipped since the anchor
        self._reads: deque[tuple[int, float]] = deque(maxlen=self.MAX_POINTS)
        self._line: tuple[float, float] | None = None  # (a, P): sample k at a + P k
        self._fitted_at_s = -math.inf
        self._fit_span_s = 0.0

    @property
    def count(self) -> int:
        """Samples stamped or skipped since the anchor (the next sample's index)."""
        return self._count

    @property
    def next_t_s(self) -> float | None:
        """Timestamp the next sample will get (None before the first anchor/stamp)."""
        return self._next_t_s

    @property
    def settled_period_s(self) -> float | None:
        """The fitted period if it rests on reads spanning :attr:`SETTLED_S`, else None.

        Good enough to carry across a chip restart (:meth:`anchor`): a rougher
        estimate, used open-loop until the next fit, can be worse than nominal.
        """
        settled = self._line is not None and self._fit_span_s >= self.SETTLED_S
        return self.period_s if settled else None

    @property
    def line(self) -> tuple[float, float] | None:
        """The fitted ``(a, P)`` (sample ``k`` at ``a + P k``), None before the baseline."""
        return self._line

    def slots_until(self, now_s: float) -> int:
        """Samples not yet stamped or skipped that the chip had taken by ``now_s``.

        Counted on the fitted line when there is one, not on the stamps, which
        may still be slewing towards it. The line rests on read times, so it
        lies at or after the true sample times: a sample whose line time is at
        or before ``now_s`` had certainly been taken.
        """
        if self._next_t_s is None:
            return 0
        first_s = self._next_t_s
        if self._line is not None:
            a, p = self._line
            first_s = a + p * self._count
        return max(0, math.floor((now_s - first_s) / self.period_s + _SLOT_EPS) + 1)

    def anchor(self, now_s: float, period_s: float | None = None) -> None:
        """Start counting: the next sample is taken about one period after ``now_s``.

        ``period_s`` seeds the period (e.g. the estimate from before a chip
        restart: the oscillator is the same) until the first fit; default nominal.
        """
        lo = self.nominal_period_s * (1 - self.max_drift)
        hi = self.nominal_period_s * (1 + self.max_drift)
        self.period_s = self.nominal_period_s if period_s is None else min(max(period_s, lo), hi)
        self._next_t_s = now_s + self.period_s
        self._prev_t_s = now_s
        self._count = 0
        self._reads.clear()  # the fit uses reads only: the anchor's phase is arbitrary
        self._line = None
        self._fitted_at_s = -math.inf
        self._fit_span_s = 0.0

    def stamp(self, n_new: int, now_s: float) -> np.ndarray:
        """Timestamps for ``n_new`` samples that were in the FIFO at ``now_s``."""
        if n_new <= 0:
            if self._next_t_s is None:
                self._next_t_s, self._prev_t_s = now_s, now_s - self.period_s
            return np.zeros(0)
        if self._next_t_s is None:
            # first read without an anchor: the newest sample was taken just before now
            self._next_t_s = now_s - (n_new - 1) * self.period_s
            self._prev_t_s = self._next_t_s - self.period_s
        self._observe(self._count + n_new - 1, now_s)
        t, next_t_s = self._path(n_new)
        prev_s = self._prev_t_s
        if t[-1] > now_s and now_s > prev_s:
            # Stamps running ahead of the read (a fast oscillator before the fit,
            # or a read that lowered the envelope): no sample can be newer than
            # now, so spread this block evenly up to now instead of jumping back.
            t = prev_s + (now_s - prev_s) / n_new * np.arange(1, n_new + 1, dtype=np.float64)
            t[-1] = now_s  # exactly, whatever the rounding
            next_t_s = now_s + self.period_s
        self._next_t_s = next_t_s
        self._prev_t_s = float(t[-1])
        self._count += n_new
        return t

    def skip(self, n_lost: int, now_s: float | None = None) -> None:
        """``n_lost`` samples were lost (FIFO overflow): their slots still elapse.

        With ``now_s`` (when they were found lost), no slot is put after it.
        """
        if self._next_t_s is None or n_lost <= 0:
            return
        t, self._next_t_s = self._path(n_lost)
        self._prev_t_s = float(t[-1])
        if now_s is not None and self._prev_t_s > now_s:
            self._prev_t_s, self._next_t_s = now_s, now_s + self.period_s
        self._count += n_lost

    # --- internals ------------------------------------------------------------
    def _path(self, n: int) -> tuple[np.ndarray, float]:
        """Slots of the next ``n`` samples, slewed towards the fitted line; and the one after.

        The offset from the line shrinks by ``1 / SLEW_TAU_S`` of itself per
        second, but by at most ``MAX_SLEW`` of a period per sample: a big error
        (the old 5 s baseline error) is removed at a steady 2 %, a small one
        (a refit's ripple) so gently it does not show in the spacing.
        """
        assert self._next_t_s is not None
        period = self.period_s
        steps = np.arange(n + 1, dtype=np.float64)
        slots = self._next_t_s + period * steps
        if self._line is not None:
            a, p = self._line
            err_s = self._next_t_s - (a + p * self._count)  # > 0: stamps are late
            slots -= math.copysign(1.0, err_s) * self._slewed(abs(err_s), steps)
        return slots[:n], float(slots[n])

    def _slewed(self, err_s: float, steps: np.ndarray) -> np.ndarray:
        """How much of an offset ``err_s`` (>= 0) is removed after each of ``steps`` samples."""
        limit = self.MAX_SLEW * self.period_s
        gain = min(1.0, self.period_s / self.SLEW_TAU_S)
        knee = limit / gain  # above this the step is capped at ``limit``
        n_linear = math.ceil((err_s - knee) / limit) if err_s > knee else 0
        left_at_knee = err_s - n_linear * limit
        remaining = np.where(
            steps <= n_linear,
            err_s - steps * limit,
            left_at_knee * (1.0 - gain) ** np.maximum(steps - n_linear, 0),
        )
        return err_s - remaining

    def _observe(self, newest: int, now_s: float) -> None:
        """Record that sample ``newest`` had been taken by ``now_s``; refit when due."""
        if self._reads and self._reads[-1][0] >= newest:
            return  # an older read already bounds it more tightly
        self._reads.append((newest, now_s))
        while len(self._reads) > 2 and self._reads[0][1] < now_s - self.HISTORY_S:
            self._reads.popleft()
        if now_s - self._fitted_at_s >= self.REFIT_S and self._fit(now_s):
            return
        if self._line is not None:
            a, p = self._line
            self._line = (min(a, now_s - p * newest), p)  # stay below this read too

    def _fit(self, now_s: float) -> bool:
        """Re-estimate period (whole history) and offset (recent lower envelope).

        Only when the reads span :attr:`MIN_BASELINE_S` and each half of them
        (by sample index) holds :attr:`MIN_HALF_READS` reads: one read after a
        long stall says little (its phase within a period is unknown), so until
        more arrive the previous line (or the nominal period) is kept.
        """
        if now_s - self._reads[0][1] < self.MIN_BASELINE_S:
            return False
        x = np.fromiter((r[0] for r in self._reads), dtype=np.float64, count=len(self._reads))
        t = np.fromiter((r[1] for r in self._reads), dtype=np.float64, count=len(self._reads))
        left = int(np.count_nonzero(x < (x[0] + x[-1]) / 2))
        if min(left, len(x) - left) < self.MIN_HALF_READS:
            return False
        lo = self.nominal_period_s * (1 - self.max_drift)
        hi = self.nominal_period_s * (1 + self.max_drift)
        _, period = lower_envelope_line(x, t, lo, hi)
        recent = t >= min(now_s - self.ENVELOPE_S, t[max(0, len(t) - self.ENVELOPE_READS)])
        a = float(np.min(t[recent] - period * x[recent]))
        self._line = (a, period)
        self.period_s = period
        self._fitted_at_s = now_s
        self._fit_span_s = float(t[-1] - t[0])
        return True
